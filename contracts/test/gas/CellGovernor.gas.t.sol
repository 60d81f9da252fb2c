// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellGovernor} from "../../src/CellGovernor.sol";
import {CellRegistry} from "../../src/CellRegistry.sol";
import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {GovernorGasTarget, GovernorOZ, GovernorTestToken} from "../utils/GovernorOZ.sol";
import {PackedBallots} from "../utils/PackedBallots.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {Test} from "forge-std/Test.sol";

/// @notice OpenZeppelin 5 baseline (Governor, GovernorSettings, GovernorCountingSimple, GovernorVotes,
/// GovernorVotesQuorumFraction over an ERC20Votes token): whole-transaction gas of propose, castVote (first
/// and next voter), castVoteBySig and execute, storage cold after setUp.
/// Run: forge test --isolate --match-path 'contracts/test/gas/CellGovernor.gas.t.sol'
contract GovernorOZGasTest is Test {
    GovernorTestToken internal token;
    GovernorOZ internal governor;
    GovernorGasTarget internal target;

    address internal alice;
    address internal bob;
    address internal carol;
    uint256 internal signerKey = 0xA11CE5;
    address internal signer;

    address[] internal targets;
    uint256[] internal values;
    bytes[] internal calldatas;
    string internal constant DESCRIPTION = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    function setUp() public virtual {
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        signer = vm.addr(signerKey);
        token = new GovernorTestToken();
        governor = new GovernorOZ(token, 1, 50, 4);
        target = new GovernorGasTarget();
        address[4] memory voters = [alice, bob, carol, signer];
        for (uint256 i; i < voters.length; ++i) {
            token.mint(voters[i], 100e18);
            vm.prank(voters[i]);
            token.delegate(voters[i]);
        }
        vm.roll(block.number + 1);
        targets.push(address(target));
        values.push(0);
        calldatas.push(abi.encodeCall(GovernorGasTarget.setValue, (2)));
    }

    function _propose() internal returns (uint256 proposalId) {
        vm.prank(alice);
        proposalId = governor.propose(targets, values, calldatas, DESCRIPTION);
    }

    function test_gas_oz_propose() public {
        vm.prank(alice);
        governor.propose(targets, values, calldatas, DESCRIPTION);
        vm.snapshotGasLastCall("propose");
    }

    function test_gas_oz_castVote() public {
        uint256 proposalId = _propose();
        vm.roll(block.number + 2);
        vm.prank(alice);
        governor.castVote(proposalId, 1);
        vm.snapshotGasLastCall("castVote");
        vm.prank(bob);
        governor.castVote(proposalId, 1);
        vm.snapshotGasLastCall("castVote_nextVoter");
    }

    function test_gas_oz_castVoteBySig() public {
        uint256 proposalId = _propose();
        vm.roll(block.number + 2);
        bytes32 structHash =
            keccak256(abi.encode(governor.BALLOT_TYPEHASH(), proposalId, uint8(1), signer, governor.nonces(signer)));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", _domainSeparator(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        vm.prank(carol);
        governor.castVoteBySig(proposalId, 1, signer, abi.encodePacked(r, s, v));
        vm.snapshotGasLastCall("castVoteBySig");
        assertTrue(governor.hasVoted(proposalId, signer));
    }

    function test_gas_oz_execute() public {
        uint256 proposalId = _propose();
        vm.roll(block.number + 2);
        vm.prank(alice);
        governor.castVote(proposalId, 1);
        vm.prank(bob);
        governor.castVote(proposalId, 1);
        vm.roll(block.number + 51);
        assertEq(uint256(governor.state(proposalId)), uint256(IGovernor.ProposalState.Succeeded));
        governor.execute(targets, values, calldatas, keccak256(bytes(DESCRIPTION)));
        vm.snapshotGasLastCall("execute");
        assertEq(target.value(), 2);
    }

    function _domainSeparator() internal view returns (bytes32) {
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = governor.eip712Domain();
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                chainId,
                verifying
            )
        );
    }
}

/// @notice CellGovernor on the OpenZeppelin scenario: the same token, voters, action and description
/// string (as the proposal URI), a token-electorate DAO run by vote (its executor wears the DAO's top role).
/// Execute's ProposalExecuted is the decision's record (issue 16: at most OpenZeppelin's execute, checked
/// in test_gas_execute). Run together with GovernorOZGasTest.
contract CellGovernorGasTest is Test {
    /// @dev GovernorOZGasTest.execute (snapshots/GovernorOZGasTest.json).
    uint256 internal constant OZ_EXECUTE = 66_701;
    CellRegistry internal registry;
    CellGovernor internal governor;
    GovernorTestToken internal token;
    GovernorGasTarget internal target;

    address internal community;
    address internal alice;
    address internal bob;
    address internal carol;
    uint256 internal signerKey = 0xA11CE5;
    address internal signer;
    uint256 internal dao;

    ICellGovernor.Action[] internal actions;
    string internal constant URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    bytes32 internal constant DESCRIPTION_HASH = keccak256(bytes(URI));

    function setUp() public virtual {
        community = makeAddr("community");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");
        signer = vm.addr(signerKey);
        registry = new CellRegistry();
        governor = new CellGovernor(ICellRegistry(address(registry)));
        token = new GovernorTestToken();
        target = new GovernorGasTarget();
        address[4] memory voters = [alice, bob, carol, signer];
        address[] memory members = new address[](4);
        for (uint256 i; i < voters.length; ++i) {
            token.mint(voters[i], 100e18);
            vm.prank(voters[i]);
            token.delegate(voters[i]);
            members[i] = voters[i];
        }
        dao = registry.createDao(
            community, "dao", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, members
        );
        vm.prank(community);
        governor.configure(dao, _settings());
        IRoles roles = registry.roles();
        address executor = governor.executorOf(dao);
        vm.prank(community);
        roles.transferRole(dao, community, executor);
        vm.roll(block.number + 1);
        actions.push(ICellGovernor.Action(address(target), 0, abi.encodeCall(GovernorGasTarget.setValue, (2))));
    }

    /// @dev OpenZeppelin's scenario: delay 1, period 50, quorum 4%, majority, no proposal threshold.
    function _settings() internal view virtual returns (ICellGovernor.Settings memory) {
        return ICellGovernor.Settings({
            electorate: ICellGovernor.Electorate.Token,
            counting: ICellGovernor.Counting.Majority,
            thresholdBps: 0,
            quorumBps: 400,
            votingDelay: 1,
            votingPeriod: 50,
            executionDelay: 0,
            token: address(token),
            proposalThreshold: 0
        });
    }

    function _propose() internal returns (uint256 proposalId) {
        vm.prank(alice);
        proposalId = governor.propose(dao, actions, URI, DESCRIPTION_HASH);
    }

    function test_gas_propose() public {
        vm.prank(alice);
        governor.propose(dao, actions, URI, DESCRIPTION_HASH);
        vm.snapshotGasLastCall("propose");
    }

    function test_gas_castVote() public {
        uint256 proposalId = _propose();
        vm.roll(block.number + 2);
        vm.prank(alice);
        governor.castVote(proposalId, 1);
        vm.snapshotGasLastCall("castVote");
        vm.prank(bob);
        governor.castVote(proposalId, 1);
        vm.snapshotGasLastCall("castVote_nextVoter");
    }

    function test_gas_castVoteBySig() public {
        uint256 proposalId = _propose();
        vm.roll(block.number + 2);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash =
            keccak256(abi.encode(governor.BALLOT_TYPEHASH(), proposalId, uint8(1), signer, 0, deadline));
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", governor.domainSeparator(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        vm.prank(carol);
        governor.castVoteBySig(proposalId, 1, signer, deadline, abi.encodePacked(r, s, v));
        vm.snapshotGasLastCall("castVoteBySig");
        assertTrue(governor.hasVoted(proposalId, signer));
    }

    function test_gas_execute() public {
        uint256 proposalId = _propose();
        vm.roll(block.number + 2);
        vm.prank(alice);
        governor.castVote(proposalId, 1);
        vm.prank(bob);
        governor.castVote(proposalId, 1);
        vm.roll(block.number + 51);
        assertEq(uint256(governor.state(proposalId)), uint256(ICellGovernor.ProposalState.Executable));
        governor.execute(dao, alice, actions, URI, DESCRIPTION_HASH);
        uint256 gasUsed = vm.snapshotGasLastCall("execute");
        assertEq(target.value(), 2);
        assertEq(uint256(governor.state(proposalId)), uint256(ICellGovernor.ProposalState.Executed));
        assertLe(gasUsed, OZ_EXECUTE, "execute above OpenZeppelin's");
    }
}

/// @notice The same scenario with a role electorate (one member, one vote; quorum 4% of members).
contract CellGovernorRoleGasTest is CellGovernorGasTest {
    function _settings() internal view override returns (ICellGovernor.Settings memory s) {
        s = super._settings();
        s.electorate = ICellGovernor.Electorate.Role;
        s.token = address(0);
    }
}

/// @notice A whole decision with 100 token voters on OpenZeppelin's governor: propose, 100 relayed
/// castVoteBySig (one transaction each), execute. The baseline of CellGovernorBallotsGasTest.
contract GovernorOZDecisionGasTest is Test {
    uint256 internal constant VOTERS = 100;
    uint256 internal constant FIRST_KEY = 0x10000;
    GovernorTestToken internal token;
    GovernorOZ internal governor;
    GovernorGasTarget internal target;
    address internal alice;
    address internal relayer;

    address[] internal targets;
    uint256[] internal values;
    bytes[] internal calldatas;
    string internal constant DESCRIPTION = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    function setUp() public {
        alice = makeAddr("alice");
        relayer = makeAddr("relayer");
        token = new GovernorTestToken();
        governor = new GovernorOZ(token, 1, 50, 4);
        target = new GovernorGasTarget();
        token.mint(alice, 100e18);
        vm.prank(alice);
        token.delegate(alice);
        for (uint256 i; i < VOTERS; ++i) {
            address voter = vm.addr(FIRST_KEY + i);
            token.mint(voter, 100e18);
            vm.prank(voter);
            token.delegate(voter);
        }
        vm.roll(block.number + 1);
        targets.push(address(target));
        values.push(0);
        calldatas.push(abi.encodeCall(GovernorGasTarget.setValue, (2)));
    }

    function test_gas_oz_decision100() public {
        vm.prank(alice);
        uint256 proposalId = governor.propose(targets, values, calldatas, DESCRIPTION);
        uint256 total = vm.snapshotGasLastCall("decision100_propose");
        vm.roll(block.number + 2);
        bytes32 domain = _domainSeparator();
        for (uint256 i; i < VOTERS; ++i) {
            uint256 key = FIRST_KEY + i;
            address voter = vm.addr(key);
            bytes32 structHash = keccak256(abi.encode(governor.BALLOT_TYPEHASH(), proposalId, uint8(1), voter, 0));
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
            vm.prank(relayer);
            governor.castVoteBySig(proposalId, 1, voter, abi.encodePacked(r, s, v));
            total += vm.lastCallGas().gasTotalUsed;
        }
        vm.roll(block.number + 51);
        governor.execute(targets, values, calldatas, keccak256(bytes(DESCRIPTION)));
        total += vm.snapshotGasLastCall("decision100_execute");
        vm.snapshotValue("decision100", total);
        assertEq(target.value(), 2);
    }

    function _domainSeparator() internal view returns (bytes32) {
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = governor.eip712Domain();
        return keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                chainId,
                verifying
            )
        );
    }
}

/// @notice Batched keyed ballots (castVotesBySig) on the OpenZeppelin scenario with 100 token voters:
/// one batch of 50 (per-ballot share of the whole transaction) and a whole decision (propose, two batches
/// of 50, execute). Targets (issue 16), checked here against the OpenZeppelin figures measured in the
/// same run (GovernorOZGasTest.castVoteBySig, GovernorOZDecisionGasTest.decision100):
/// per ballot <= 0.4 x 114,739 (met); decision <= 0.4 x OpenZeppelin's (castVotesBySig: 0.446x, guarded at
/// 0.447x; castVotesPacked, below: 0.398x token-run, 0.392x role-run, guarded at 0.4x).
contract CellGovernorBallotsGasTest is Test {
    uint256 internal constant VOTERS = 100;
    uint256 internal constant FIRST_KEY = 0x10000;
    uint256 internal constant OZ_CAST_VOTE_BY_SIG = 114_739;
    /// @dev GovernorOZDecisionGasTest.decision100 (snapshots/GovernorOZDecisionGasTest.json).
    uint256 internal constant OZ_DECISION100 = 9_916_612;

    CellRegistry internal registry;
    CellGovernor internal governor;
    GovernorTestToken internal token;
    GovernorGasTarget internal target;
    address internal community;
    address internal alice;
    address internal relayer;
    uint256 internal dao;

    ICellGovernor.Action[] internal actions;
    string internal constant URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
    bytes32 internal constant DESCRIPTION_HASH = keccak256(bytes(URI));

    function setUp() public virtual {
        community = makeAddr("community");
        alice = makeAddr("alice");
        relayer = makeAddr("relayer");
        registry = new CellRegistry();
        governor = new CellGovernor(ICellRegistry(address(registry)));
        token = new GovernorTestToken();
        target = new GovernorGasTarget();
        address[] memory members = new address[](VOTERS + 1);
        members[0] = alice;
        token.mint(alice, 100e18);
        vm.prank(alice);
        token.delegate(alice);
        for (uint256 i; i < VOTERS; ++i) {
            address voter = vm.addr(FIRST_KEY + i);
            token.mint(voter, 100e18);
            vm.prank(voter);
            token.delegate(voter);
            members[i + 1] = voter;
        }
        dao = registry.createDao(
            community, "dao", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, members
        );
        vm.prank(community);
        governor.configure(dao, _settings());
        IRoles roles = registry.roles();
        address executor = governor.executorOf(dao);
        vm.prank(community);
        roles.transferRole(dao, community, executor);
        vm.roll(block.number + 1);
        actions.push(ICellGovernor.Action(address(target), 0, abi.encodeCall(GovernorGasTarget.setValue, (2))));
    }

    function _settings() internal view virtual returns (ICellGovernor.Settings memory) {
        return ICellGovernor.Settings({
            electorate: ICellGovernor.Electorate.Token,
            counting: ICellGovernor.Counting.Majority,
            thresholdBps: 0,
            quorumBps: 400,
            votingDelay: 1,
            votingPeriod: 50,
            executionDelay: 0,
            token: address(token),
            proposalThreshold: 0
        });
    }

    function _ballots(uint256 proposalId, uint256 from, uint256 count)
        internal
        view
        returns (ICellGovernor.SignedBallot[] memory ballots)
    {
        ballots = new ICellGovernor.SignedBallot[](count);
        uint256 deadline = block.timestamp + 1 hours;
        for (uint256 i; i < count; ++i) {
            uint256 key = FIRST_KEY + from + i;
            address voter = vm.addr(key);
            bytes32 structHash = keccak256(
                abi.encode(governor.KEYED_BALLOT_TYPEHASH(), proposalId, uint8(1), voter, 0, deadline, keccak256(""))
            );
            (uint8 v, bytes32 r, bytes32 s) =
                vm.sign(key, keccak256(abi.encodePacked("\x19\x01", governor.domainSeparator(), structHash)));
            ballots[i] = ICellGovernor.SignedBallot(proposalId, voter, 1, 0, deadline, "", abi.encodePacked(r, s, v));
        }
    }

    function test_gas_castVotesBySig_batch50() public {
        vm.prank(alice);
        uint256 proposalId = governor.propose(dao, actions, URI, DESCRIPTION_HASH);
        vm.roll(block.number + 2);
        ICellGovernor.SignedBallot[] memory ballots = _ballots(proposalId, 0, 50);
        vm.prank(relayer);
        assertEq(governor.castVotesBySig(ballots), 50);
        uint256 gasUsed = vm.snapshotGasLastCall("castVotesBySig_batch50");
        vm.snapshotValue("castVotesBySig_perBallot", gasUsed / 50);
        assertLe(gasUsed / 50 * 10, OZ_CAST_VOTE_BY_SIG * 4, "per ballot above 0.4x OpenZeppelin castVoteBySig");
    }

    /// @notice Where a ballot's gas goes: the whole transaction of a batch of 1 and of 50, the marginal
    /// ballot ((batch50 - batch1) / 49) and its calldata share (EIP-2028: 16 a non-zero byte, 4 a zero).
    /// The rest of a marginal ballot is execution: the has-voted slot (22,100, a cold zero-to-non-zero
    /// SSTORE), getPastVotes, ecrecover (3,000 + the call), EIP-712 hashing, the VoteCast log, decoding.
    function test_gas_castVotesBySig_breakdown() public {
        vm.prank(alice);
        uint256 proposalId = governor.propose(dao, actions, URI, DESCRIPTION_HASH);
        vm.roll(block.number + 2);
        ICellGovernor.SignedBallot[] memory one = _ballots(proposalId, 0, 1);
        vm.prank(relayer);
        governor.castVotesBySig(one);
        uint256 gas1 = vm.snapshotGasLastCall("castVotesBySig_batch1");
        ICellGovernor.SignedBallot[] memory fifty = _ballots(proposalId, 1, 50);
        vm.prank(relayer);
        governor.castVotesBySig(fifty);
        uint256 gas50 = vm.snapshotGasLastCall("castVotesBySig_batch50_afterFirst");
        vm.snapshotValue("castVotesBySig_marginalBallot", (gas50 - gas1) / 49);
        uint256 calldataGas = _calldataGas(abi.encodeCall(governor.castVotesBySig, (fifty)));
        vm.snapshotValue("castVotesBySig_calldataPerBallot", calldataGas / 50);
    }

    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function test_gas_decision100() public {
        vm.prank(alice);
        uint256 proposalId = governor.propose(dao, actions, URI, DESCRIPTION_HASH);
        uint256 total = vm.lastCallGas().gasTotalUsed;
        vm.roll(block.number + 2);
        for (uint256 from; from < VOTERS; from += 50) {
            ICellGovernor.SignedBallot[] memory ballots = _ballots(proposalId, from, 50);
            vm.prank(relayer);
            governor.castVotesBySig(ballots);
            total += vm.lastCallGas().gasTotalUsed;
        }
        vm.roll(block.number + 51);
        governor.execute(dao, alice, actions, URI, DESCRIPTION_HASH);
        total += vm.lastCallGas().gasTotalUsed;
        vm.snapshotValue("decision100", total);
        assertEq(target.value(), 2);
        vm.snapshotValue("decision100_vsOZ_bps", total * 10_000 / OZ_DECISION100);
        // Target 0.4x is missed (see docs/ARCHITECTURE.md, gas of a decision): guard the 0.446x reached.
        assertLe(total * 10_000, OZ_DECISION100 * 4470, "decision above 0.447x OpenZeppelin");
    }

    // The same decision with the ballots packed (castVotesPacked, the same signatures).

    function test_gas_castVotesPacked_batch50() public {
        vm.prank(alice);
        uint256 proposalId = governor.propose(dao, actions, URI, DESCRIPTION_HASH);
        vm.roll(block.number + 2);
        bytes memory packed = PackedBallots.encode(_ballots(proposalId, 0, 50));
        vm.prank(relayer);
        assertEq(governor.castVotesPacked(packed), 50);
        uint256 gasUsed = vm.snapshotGasLastCall("castVotesPacked_batch50");
        vm.snapshotValue("castVotesPacked_perBallot", gasUsed / 50);
    }

    /// @notice The marginal packed ballot and its calldata share, as castVotesBySig's breakdown.
    function test_gas_castVotesPacked_breakdown() public {
        vm.prank(alice);
        uint256 proposalId = governor.propose(dao, actions, URI, DESCRIPTION_HASH);
        vm.roll(block.number + 2);
        bytes memory one = PackedBallots.encode(_ballots(proposalId, 0, 1));
        vm.prank(relayer);
        governor.castVotesPacked(one);
        uint256 gas1 = vm.snapshotGasLastCall("castVotesPacked_batch1");
        bytes memory fifty = PackedBallots.encode(_ballots(proposalId, 1, 50));
        vm.prank(relayer);
        governor.castVotesPacked(fifty);
        uint256 gas50 = vm.snapshotGasLastCall("castVotesPacked_batch50_afterFirst");
        vm.snapshotValue("castVotesPacked_marginalBallot", (gas50 - gas1) / 49);
        vm.snapshotValue(
            "castVotesPacked_calldataPerBallot", _calldataGas(abi.encodeCall(governor.castVotesPacked, (fifty))) / 50
        );
    }

    /// @notice Target (issue 16): a whole decision (propose, two packed batches of 50, execute) <= 0.4x
    /// OpenZeppelin's (GovernorOZDecisionGasTest.decision100).
    function test_gas_decisionPacked100() public {
        vm.prank(alice);
        uint256 proposalId = governor.propose(dao, actions, URI, DESCRIPTION_HASH);
        uint256 total = vm.lastCallGas().gasTotalUsed;
        vm.roll(block.number + 2);
        for (uint256 from; from < VOTERS; from += 50) {
            bytes memory packed = PackedBallots.encode(_ballots(proposalId, from, 50));
            vm.prank(relayer);
            governor.castVotesPacked(packed);
            total += vm.lastCallGas().gasTotalUsed;
        }
        vm.roll(block.number + 51);
        governor.execute(dao, alice, actions, URI, DESCRIPTION_HASH);
        total += vm.lastCallGas().gasTotalUsed;
        vm.snapshotValue("decisionPacked100", total);
        assertEq(target.value(), 2);
        vm.snapshotValue("decisionPacked100_vsOZ_bps", total * 10_000 / OZ_DECISION100);
        // Target 0.4x (issue 16): met token-run (0.398x) and role-run (0.392x).
        assertLe(total * 10_000, OZ_DECISION100 * 4000, "decision above 0.4x OpenZeppelin");
    }
}

/// @notice The same with a role electorate (the 101 members of the DAO, one vote each).
contract CellGovernorRoleBallotsGasTest is CellGovernorBallotsGasTest {
    function _settings() internal view override returns (ICellGovernor.Settings memory s) {
        s = super._settings();
        s.electorate = ICellGovernor.Electorate.Role;
        s.token = address(0);
    }
}
