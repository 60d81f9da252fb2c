// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellExecutor} from "../../src/CellExecutor.sol";
import {ICellExecutor, ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {CellGovernorFixture} from "../utils/CellGovernorFixture.sol";
import {
    GovernorEligibility,
    GovernorFailingTarget,
    GovernorReenterer,
    GovernorTestWallet,
    GovernorTimestampToken
} from "../utils/CellGovernorMocks.sol";
import {GovernorGasTarget} from "../utils/GovernorOZ.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";
import {
    CompatibilityFallbackHandler
} from "@safe-global/safe-contracts/contracts/handler/CompatibilityFallbackHandler.sol";
import {SafeProxyFactory} from "@safe-global/safe-contracts/contracts/proxies/SafeProxyFactory.sol";
import {Vm} from "forge-std/Vm.sol";

contract CellGovernorTest is CellGovernorFixture {
    uint256 internal ops; // a child cell of the DAO, run by opsAdmin
    address internal opsAdmin = makeAddr("opsAdmin");

    function setUp() public override {
        super.setUp();
        vm.prank(community);
        ops = registry.createCell(
            dao, "ops", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Formation, opsAdmin, _members3()
        );
        vm.roll(block.number + 1);
    }

    /*//////////////////////////////////////////////////////////////
                               CONFIGURE
    //////////////////////////////////////////////////////////////*/

    function test_configure_firstByCellAdmin_deploysExecutor() public {
        address executor = governor.executorOf(ops);
        assertEq(executor.code.length, 0);
        vm.expectEmit(true, true, true, true, address(governor));
        emit ICellGovernor.SettingsChanged(ops, 1, opsAdmin, _majority());
        vm.expectEmit(true, true, false, false, address(governor));
        emit ICellGovernor.ExecutorCreated(ops, executor);
        vm.prank(opsAdmin);
        uint32 settingsId = governor.configure(ops, _majority());
        assertEq(settingsId, 1);
        assertEq(governor.settingsIdOf(ops), 1);
        assertGt(executor.code.length, 0);
        assertEq(ICellExecutor(executor).cellId(), ops);
        assertEq(ICellExecutor(executor).governor(), address(governor));
        ICellGovernor.Settings memory stored = governor.settingsOf(ops);
        assertEq(uint8(stored.counting), uint8(ICellGovernor.Counting.Majority));
        assertEq(stored.quorumBps, 5000);
        assertEq(stored.votingPeriod, 10);
        (uint256 cellId,) = governor.settingsRecord(settingsId);
        assertEq(cellId, ops);
    }

    function test_configure_firstByParentAdmin() public {
        vm.prank(community);
        governor.configure(ops, _majority());
        assertEq(governor.settingsIdOf(ops), 1);
    }

    function test_configure_revert_wrongCallerFirst() public {
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotAllowedToConfigure.selector, outsider, ops));
        vm.prank(outsider);
        governor.configure(ops, _majority());
        // A member is not an admin.
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotAllowedToConfigure.selector, alice, ops));
        vm.prank(alice);
        governor.configure(ops, _majority());
    }

    function test_configure_afterFirst_onlyGovernanceOrParent() public {
        vm.prank(opsAdmin);
        governor.configure(ops, _majority());
        // The cell's admin set the first configuration; it cannot change it on its own afterwards.
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotAllowedToConfigure.selector, opsAdmin, ops));
        vm.prank(opsAdmin);
        governor.configure(ops, _majority());
        // The parent's admin can.
        vm.prank(community);
        assertEq(governor.configure(ops, _majority()), 2);
        // The cell's own governance (its executor) can.
        vm.prank(governor.executorOf(ops));
        assertEq(governor.configure(ops, _majority()), 3);
        // Another cell's executor cannot.
        vm.prank(community);
        governor.configure(dao, _majority());
        address daoExecutor = governor.executorOf(dao);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotAllowedToConfigure.selector, daoExecutor, ops));
        vm.prank(daoExecutor);
        governor.configure(ops, _majority());
    }

    function test_configure_revert_notACell() public {
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotCellTopRole.selector, memberRole));
        vm.prank(opsAdmin);
        governor.configure(memberRole, _majority());
        uint256 unknown = uint256(9999) << 224;
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.CellNotFound.selector, unknown));
        vm.prank(opsAdmin);
        governor.configure(unknown, _majority());
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotCellTopRole.selector, 0));
        governor.configure(0, _majority());
    }

    function test_configure_revert_invalidSettings() public {
        ICellGovernor.Settings memory s = _majority();
        s.votingPeriod = 0;
        _expectInvalid(s, "votingPeriod is zero");
        s = _majority();
        s.quorumBps = 10_001;
        _expectInvalid(s, "bps above 10000");
        s = _roleSettings(ICellGovernor.Counting.Supermajority, 5000, 0);
        _expectInvalid(s, "supermajority threshold not above half");
        s = _roleSettings(ICellGovernor.Counting.Consent, 0, 0);
        _expectInvalid(s, "consent threshold is zero");
        s = _roleSettings(ICellGovernor.Counting.Quadratic, 0, 0);
        _expectInvalid(s, "quadratic needs a token");
        s = _majority();
        s.token = address(token);
        _expectInvalid(s, "role electorate with a token");
        s = _tokenSettings(ICellGovernor.Counting.Majority, 0, 0);
        s.token = outsider;
        _expectInvalid(s, "token has no code");
        s.token = address(new GovernorTimestampToken());
        _expectInvalid(s, "token clock is not block.number");
    }

    function _expectInvalid(ICellGovernor.Settings memory s, string memory reason) internal {
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSettings.selector, ops, reason));
        vm.prank(opsAdmin);
        governor.configure(ops, s);
    }

    /// @notice executorOf (hand-built CREATE2 prediction) is OpenZeppelin's prediction for the clone.
    function testFuzz_executorOf_matchesClonesPrediction(uint256 cellId) public view {
        assertEq(
            governor.executorOf(cellId),
            Clones.predictDeterministicAddressWithImmutableArgs(
                governor.executorImplementation(), abi.encode(cellId), bytes32(cellId), address(governor)
            )
        );
    }

    function test_deployExecutor_anyone_idempotent() public {
        vm.prank(outsider);
        address executor = governor.deployExecutor(ops);
        assertEq(executor, governor.executorOf(ops));
        assertEq(ICellExecutor(executor).cellId(), ops);
        assertEq(governor.deployExecutor(ops), executor);
        assertTrue(governor.executorOf(ops) != governor.executorOf(dao));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.CellNotFound.selector, uint256(77) << 224));
        governor.deployExecutor(uint256(77) << 224);
    }

    /*//////////////////////////////////////////////////////////////
                                PROPOSE
    //////////////////////////////////////////////////////////////*/

    function test_propose_memberCreatesPending() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(2);
        uint256 expectedId = governor.hashProposal(ops, alice, actions, "ipfs://proposal", keccak256("proposal"));
        vm.expectEmit(true, true, true, true, address(governor));
        emit ICellGovernor.ProposalCreated(
            expectedId,
            ops,
            alice,
            1,
            actions,
            "ipfs://proposal",
            keccak256("proposal"),
            uint32(block.number + 1),
            uint32(block.number + 11),
            3
        );
        uint256 id = _propose(ops, alice, actions);
        assertEq(id, expectedId);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Pending));
        ICellGovernor.ProposalView memory view_ = governor.proposal(id);
        assertEq(view_.cellId, ops);
        assertEq(view_.settingsId, 1);
        assertEq(view_.electorateSupply, 3);
        assertEq(uint8(view_.electorate), uint8(ICellGovernor.Electorate.Role));
        assertEq(uint8(view_.state), uint8(ICellGovernor.ProposalState.Pending));
        (uint256 snapshot, uint256 voteEnd, uint256 executableFrom) = governor.proposalTimepoints(id);
        assertEq(snapshot, block.number + 1);
        assertEq(voteEnd, snapshot + 10);
        assertEq(executableFrom, voteEnd + 6);
    }

    function test_propose_revert_notMember() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotAllowedToPropose.selector, outsider, ops));
        _propose(ops, outsider, _setValueActions(2));
    }

    function test_propose_revert_notConfigured() public {
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotConfigured.selector, ops));
        _propose(ops, alice, _setValueActions(2));
    }

    function test_propose_revert_duplicate_butOthersGetOwnId() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalExists.selector, id));
        _propose(ops, alice, _setValueActions(2));
        // The same content by someone else is another proposal: ids cannot be taken first.
        uint256 bobs = _propose(ops, bob, _setValueActions(2));
        assertTrue(bobs != id);
    }

    function test_propose_tokenThreshold() public {
        ICellGovernor.Settings memory s = _tokenSettings(ICellGovernor.Counting.Majority, 0, 0);
        s.proposalThreshold = 10e18;
        vm.prank(opsAdmin);
        governor.configure(ops, s);
        _mintAndDelegate(alice, 10e18);
        _mintAndDelegate(bob, 10e18 - 1);
        vm.roll(block.number + 1);
        _propose(ops, alice, _setValueActions(2));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotAllowedToPropose.selector, bob, ops));
        _propose(ops, bob, _setValueActions(2));
    }

    function test_propose_emptyActionsIsASignal() public {
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory none = new ICellGovernor.Action[](0);
        uint256 id = _propose(ops, alice, none);
        _toActive(id);
        _vote(id, alice, ICellGovernor.VoteType.For);
        _vote(id, bob, ICellGovernor.VoteType.For);
        _toExecutable(id);
        vm.recordLogs();
        _execute(id, none);
        _assertDecisionRecord(id, ops);
        assertTrue(registry.isCellAdmin(executor, ops));
    }

    /*//////////////////////////////////////////////////////////////
                                 VOTING
    //////////////////////////////////////////////////////////////*/

    function test_castVote_windowAndTally() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Pending)
        );
        _vote(id, alice, ICellGovernor.VoteType.For);
        _toActive(id);
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(alice, id, 1, 1, "");
        _vote(id, alice, ICellGovernor.VoteType.For);
        _vote(id, bob, ICellGovernor.VoteType.Against);
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(carol, id, 2, 1, "no view");
        vm.prank(carol);
        governor.castVoteWithReason(id, 2, "no view");
        (uint256 against, uint256 forVotes, uint256 abstain, uint256 participation) = governor.proposalVotes(id);
        assertEq(against, 1);
        assertEq(forVotes, 1);
        assertEq(abstain, 1);
        assertEq(participation, 3);
        assertTrue(governor.hasVoted(id, alice));
        _toVoteEnd(id);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Defeated)
        );
        _vote(id, alice, ICellGovernor.VoteType.For);
    }

    function test_castVote_revert_doubleVoteAndBadType() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        _vote(id, alice, ICellGovernor.VoteType.For);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.AlreadyVoted.selector, id, alice));
        _vote(id, alice, ICellGovernor.VoteType.Against);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidVoteType.selector, 3));
        vm.prank(bob);
        governor.castVote(id, 3);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalNotFound.selector, 123));
        governor.castVote(123, 1);
    }

    function test_castVote_revert_nonMember() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotEligibleVoter.selector, id, outsider));
        _vote(id, outsider, ICellGovernor.VoteType.For);
    }

    function test_castVote_revert_roleMintedAtOrAfterSnapshot() public {
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 memberRole = registry.memberRoleOf(ops);
        uint256 id = _propose(ops, alice, _setValueActions(2));
        (uint256 snapshot,,) = governor.proposalTimepoints(id);
        // Minted in the snapshot block itself: too late.
        vm.roll(snapshot);
        vm.prank(executor);
        roles.mintRole(memberRole, outsider, 0);
        _toActive(id);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotEligibleVoter.selector, id, outsider));
        _vote(id, outsider, ICellGovernor.VoteType.For);
        // The next proposal's snapshot is later: the same wearer votes there.
        uint256 next = _propose(ops, alice, _setValueActions(3));
        _toActive(next);
        _vote(next, outsider, ICellGovernor.VoteType.For);
    }

    function test_castVote_revert_revokedWearer() public {
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.prank(executor);
        roles.revokeRole(memberRole, carol);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotEligibleVoter.selector, id, carol));
        _vote(id, carol, ICellGovernor.VoteType.For);
    }

    function test_castVote_revert_ineligibleByModule() public {
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 memberRole = registry.memberRoleOf(ops);
        GovernorEligibility module = new GovernorEligibility();
        vm.prank(executor);
        roles.changeRoleEligibility(memberRole, address(module));
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        _vote(id, bob, ICellGovernor.VoteType.For);
        // The module rules carol out while the vote is open: eligibility is read live.
        module.ruleOut(carol);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotEligibleVoter.selector, id, carol));
        _vote(id, carol, ICellGovernor.VoteType.For);
    }

    function test_castVote_revert_expiredTerm() public {
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.prank(executor);
        roles.mintRole(memberRole, outsider, uint64(block.timestamp + 100));
        vm.roll(block.number + 1);
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        vm.warp(block.timestamp + 101);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotEligibleVoter.selector, id, outsider));
        _vote(id, outsider, ICellGovernor.VoteType.For);
    }

    function test_castVote_tokenWeightsAtSnapshot() public {
        vm.prank(opsAdmin);
        governor.configure(ops, _tokenSettings(ICellGovernor.Counting.Majority, 0, 0));
        _mintAndDelegate(alice, 30e18);
        _mintAndDelegate(bob, 20e18);
        vm.roll(block.number + 1);
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        // Tokens bought after the snapshot do not count.
        _mintAndDelegate(bob, 100e18);
        vm.prank(alice);
        assertEq(governor.castVote(id, 1), 30e18);
        vm.prank(bob);
        assertEq(governor.castVote(id, 0), 20e18);
        (uint256 against, uint256 forVotes,,) = governor.proposalVotes(id);
        assertEq(forVotes, 30e18);
        assertEq(against, 20e18);
    }

    /*//////////////////////////////////////////////////////////////
                           VOTE BY SIGNATURE
    //////////////////////////////////////////////////////////////*/

    uint256 internal constant SIGNER_KEY = 0xB0B;

    function _ballotDigest(uint256 id, uint8 support, address voter, uint256 nonce, uint256 deadline)
        internal
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(abi.encode(governor.BALLOT_TYPEHASH(), id, support, voter, nonce, deadline));
        return keccak256(abi.encodePacked("\x19\x01", governor.domainSeparator(), structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _signerMemberProposal() internal returns (uint256 id, address signer) {
        signer = vm.addr(SIGNER_KEY);
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.prank(executor);
        roles.mintRole(memberRole, signer, 0);
        vm.roll(block.number + 1);
        id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
    }

    function test_castVoteBySig_eoa_thenReplayRejected() public {
        (uint256 id, address signer) = _signerMemberProposal();
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(SIGNER_KEY, _ballotDigest(id, 1, signer, 0, deadline));
        vm.expectEmit(true, true, false, true, address(governor));
        emit ICellGovernor.VoteCast(signer, id, 1, 1, "");
        vm.prank(outsider); // anyone relays
        governor.castVoteBySig(id, 1, signer, deadline, sig);
        assertTrue(governor.hasVoted(id, signer));
        assertEq(governor.nonces(signer), 1);
        // The used nonce is gone: the same signature no longer verifies.
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, signer));
        governor.castVoteBySig(id, 1, signer, deadline, sig);
        // A fresh signature over the next nonce is refused as a double vote.
        bytes memory again = _sign(SIGNER_KEY, _ballotDigest(id, 1, signer, 1, deadline));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.AlreadyVoted.selector, id, signer));
        governor.castVoteBySig(id, 1, signer, deadline, again);
    }

    function test_castVoteBySig_revert_wrongSignerTamperedOrExpired() public {
        (uint256 id, address signer) = _signerMemberProposal();
        uint256 deadline = block.timestamp + 1 hours;
        // Signed by another key.
        bytes memory sig = _sign(0xBAD, _ballotDigest(id, 1, signer, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, signer));
        governor.castVoteBySig(id, 1, signer, deadline, sig);
        // Signed For, submitted as Against.
        sig = _sign(SIGNER_KEY, _ballotDigest(id, 1, signer, 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, signer));
        governor.castVoteBySig(id, 0, signer, deadline, sig);
        // Signed for another voter.
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, alice));
        governor.castVoteBySig(id, 1, alice, deadline, sig);
        // Signed with another deadline.
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, signer));
        governor.castVoteBySig(id, 1, signer, deadline + 1, sig);
        // Expired.
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.SignatureExpired.selector, deadline));
        governor.castVoteBySig(id, 1, signer, deadline, sig);
    }

    function test_useNonce_invalidatesSignedBallot() public {
        (uint256 id, address signer) = _signerMemberProposal();
        uint256 deadline = block.timestamp + 1 hours;
        bytes memory sig = _sign(SIGNER_KEY, _ballotDigest(id, 1, signer, 0, deadline));
        vm.expectEmit(true, false, false, true, address(governor));
        emit ICellGovernor.NonceUsed(signer, 0);
        vm.prank(signer);
        assertEq(governor.useNonce(), 0);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, signer));
        governor.castVoteBySig(id, 1, signer, deadline, sig);
    }

    function test_castVoteBySig_erc1271Wallet() public {
        address owner = vm.addr(SIGNER_KEY);
        GovernorTestWallet wallet = new GovernorTestWallet(owner);
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.prank(executor);
        roles.mintRole(memberRole, address(wallet), 0);
        vm.roll(block.number + 1);
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        uint256 deadline = block.timestamp + 1;
        // A key that does not own the wallet is refused.
        bytes memory stranger = _sign(0xBAD, _ballotDigest(id, 1, address(wallet), 0, deadline));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, address(wallet)));
        governor.castVoteBySig(id, 1, address(wallet), deadline, stranger);
        bytes memory sig = _sign(SIGNER_KEY, _ballotDigest(id, 1, address(wallet), 0, deadline));
        governor.castVoteBySig(id, 1, address(wallet), deadline, sig);
        assertTrue(governor.hasVoted(id, address(wallet)));
        assertFalse(governor.hasVoted(id, owner));
    }

    /// @notice A Safe 1.4.1 (one owner, CompatibilityFallbackHandler) votes through ERC-1271: its owner
    /// signs the Safe message wrapping the ballot digest.
    function test_castVoteBySig_safe() public {
        address owner = vm.addr(SIGNER_KEY);
        CompatibilityFallbackHandler handler = new CompatibilityFallbackHandler();
        SafeProxyFactory factory = new SafeProxyFactory();
        Safe singleton = new Safe();
        address[] memory owners = new address[](1);
        owners[0] = owner;
        bytes memory init = abi.encodeCall(
            Safe.setup, (owners, 1, address(0), "", address(handler), address(0), 0, payable(address(0)))
        );
        Safe safe = Safe(payable(address(factory.createProxyWithNonce(address(singleton), init, 1))));

        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        uint256 memberRole = registry.memberRoleOf(ops);
        vm.prank(executor);
        roles.mintRole(memberRole, address(safe), 0);
        vm.roll(block.number + 1);
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);

        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = _ballotDigest(id, 1, address(safe), 0, deadline);
        bytes32 safeMessage = handler.getMessageHashForSafe(safe, abi.encode(digest));
        // The bare ballot digest signed by the owner is not the Safe's signature.
        bytes memory bare = _sign(SIGNER_KEY, digest);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.InvalidSignature.selector, address(safe)));
        governor.castVoteBySig(id, 1, address(safe), deadline, bare);
        governor.castVoteBySig(id, 1, address(safe), deadline, _sign(SIGNER_KEY, safeMessage));
        assertTrue(governor.hasVoted(id, address(safe)));
        (, uint256 forVotes,,) = governor.proposalVotes(id);
        assertEq(forVotes, 1);
    }

    /*//////////////////////////////////////////////////////////////
                          STATE MACHINE PER MODE
    //////////////////////////////////////////////////////////////*/

    function _run(ICellGovernor.Settings memory s, uint8[3] memory votes) internal returns (uint256 id) {
        vm.prank(opsAdmin);
        governor.configure(ops, s);
        id = _propose(ops, alice, _setValueActions(2));
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Pending));
        _toActive(id);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Active));
        address[3] memory voters = [alice, bob, carol];
        for (uint256 i; i < 3; ++i) {
            if (votes[i] < 3) {
                vm.prank(voters[i]);
                governor.castVote(id, votes[i]);
            }
        }
        _toVoteEnd(id);
    }

    uint8 internal constant NO = 3; // does not vote

    function test_state_majority() public {
        uint256 id = _run(_majority(), [uint8(1), 1, 0]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
        _toExecutable(id);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Executable));
    }

    function test_state_majority_tieDefeated() public {
        uint256 id = _run(_majority(), [uint8(1), 0, 2]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Defeated));
    }

    function test_state_majority_quorumNotReached() public {
        // 1 of 3 took part: 33.3% < 50%.
        uint256 id = _run(_majority(), [uint8(1), NO, NO]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Defeated));
        (uint256 required, uint256 electorate) = governor.quorum(id);
        assertEq(required, 2);
        assertEq(electorate, 3);
    }

    function test_state_majority_abstentionsCompleteQuorum() public {
        // For and against alone are 1 of 3 (33.3% < 50%); with the abstention 2 of 3 took part.
        uint256 id = _run(_majority(), [uint8(1), 2, NO]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    function test_state_supermajority_abstentionsCompleteQuorum() public {
        ICellGovernor.Settings memory s = _roleSettings(ICellGovernor.Counting.Supermajority, 6667, 0);
        s.quorumBps = 6000;
        // 1 for of 1 decided passes the threshold; the abstention brings participation to 2 of 3 (66.7%).
        assertEq(uint8(_state(_run(s, [uint8(1), 2, NO]))), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    function test_state_supermajority_quorumNotReached() public {
        ICellGovernor.Settings memory s = _roleSettings(ICellGovernor.Counting.Supermajority, 6667, 0);
        s.quorumBps = 6000;
        assertEq(uint8(_state(_run(s, [uint8(1), NO, NO]))), uint8(ICellGovernor.ProposalState.Defeated));
    }

    function test_state_supermajority() public {
        // 2 of 3 = 66.66% < 66.67%.
        uint256 id = _run(_roleSettings(ICellGovernor.Counting.Supermajority, 6667, 0), [uint8(1), 1, 0]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Defeated));
    }

    function test_state_supermajority_passesAtThreshold() public {
        // 2 of 3 = 66.66% >= 66.66%; abstention does not count against.
        uint256 id = _run(_roleSettings(ICellGovernor.Counting.Supermajority, 6666, 0), [uint8(1), 1, 0]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    function test_state_consent_silencePasses() public {
        uint256 id = _run(_roleSettings(ICellGovernor.Counting.Consent, 3400, 0), [NO, NO, NO]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    function test_state_consent_objectionsBlock() public {
        // One objection of three members = 33.3% >= 30%.
        uint256 id = _run(_roleSettings(ICellGovernor.Counting.Consent, 3000, 0), [uint8(1), 0, NO]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Defeated));
    }

    function test_state_consent_objectionsBelowThreshold() public {
        uint256 id = _run(_roleSettings(ICellGovernor.Counting.Consent, 3400, 0), [uint8(1), 0, NO]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    function test_state_quadratic_manySmallBeatOneWhale() public {
        _mintAndDelegate(alice, 100e18); // sqrt = 1e10
        _mintAndDelegate(bob, 36e18); // sqrt = 6e9
        _mintAndDelegate(carol, 36e18); // sqrt = 6e9
        vm.roll(block.number + 1);
        uint256 id = _run(_tokenSettings(ICellGovernor.Counting.Quadratic, 0, 5000), [uint8(0), 1, 1]);
        (uint256 against, uint256 forVotes,, uint256 participation) = governor.proposalVotes(id);
        assertEq(against, 1e10);
        assertEq(forVotes, 12e9);
        assertEq(participation, 172e18);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    function test_state_quadratic_quorumOnRawWeight() public {
        _mintAndDelegate(alice, 1e18);
        _mintAndDelegate(bob, 99e18);
        vm.roll(block.number + 1);
        // 1% of supply took part, quorum 2%.
        uint256 id = _run(_tokenSettings(ICellGovernor.Counting.Quadratic, 0, 200), [uint8(1), NO, NO]);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Defeated));
    }

    function test_state_settingsChangeDoesNotAlterRunningVote() public {
        uint256 id = _run(_majority(), [uint8(1), 1, 0]);
        // The parent's admin switches to consent with a low objection threshold afterwards.
        vm.prank(community);
        governor.configure(ops, _roleSettings(ICellGovernor.Counting.Consent, 100, 0));
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    /*//////////////////////////////////////////////////////////////
                                EXECUTE
    //////////////////////////////////////////////////////////////*/

    function _passed(uint256 cellId, ICellGovernor.Action[] memory actions) internal returns (uint256 id) {
        id = _propose(cellId, alice, actions);
        _toActive(id);
        _vote(id, alice, ICellGovernor.VoteType.For);
        _vote(id, bob, ICellGovernor.VoteType.For);
        _toVoteEnd(id);
    }

    /// @notice The decision registry of executed proposals is the governor's ProposalExecuted event (with
    /// the contents in ProposalCreated, which the id commits to) and its `state`/`proposal` views: every
    /// execution lands there, whoever wears the cell's admin role, and the registry's own counter is not
    /// written (it counts the decisions recorded with `recordDecision`).
    function test_execute_voteRun_recordsDecision() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(7);
        uint256 id = _passed(ops, actions);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Succeeded)
        );
        _execute(id, actions);
        _toExecutable(id);
        vm.recordLogs();
        vm.prank(outsider); // anyone may execute
        _execute(id, actions);
        _assertDecisionRecord(id, ops);
        assertEq(target.value(), 7);
        assertEq(registry.decisionCount(ops), 0);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Executed)
        );
        _execute(id, actions);
    }

    /// @dev The record of an executed proposal: exactly one ProposalExecuted(id, cell) from the governor in
    /// the recorded logs, and the governor's views answer Executed in that cell.
    function _assertDecisionRecord(uint256 id, uint256 cellId) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256 records;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(governor) || logs[i].topics[0] != ICellGovernor.ProposalExecuted.selector) {
                continue;
            }
            assertEq(logs[i].topics.length, 3);
            assertEq(uint256(logs[i].topics[1]), id);
            assertEq(uint256(logs[i].topics[2]), cellId);
            assertEq(logs[i].data.length, 0);
            ++records;
        }
        assertEq(records, 1, "one record per execution");
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Executed));
        assertEq(governor.proposal(id).cellId, cellId);
    }

    /// @notice Whatever gas a caller sends, an execution that goes through has run its actions and is
    /// marked executed (the record is the execution's own event and state, not a separate call).
    function test_execute_cannotStarveTheRecord() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(7);
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        bytes memory call_ =
            abi.encodeCall(ICellGovernor.execute, (ops, alice, actions, "ipfs://proposal", keccak256("proposal")));
        uint256 succeeded;
        for (uint256 gas_ = 20_000; gas_ < 100_000; gas_ += 500) {
            uint256 snap = vm.snapshotState();
            (bool ok,) = address(governor).call{gas: gas_}(call_);
            if (ok) {
                ++succeeded;
                assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Executed));
                assertEq(target.value(), 7, "executed without its actions");
            } else {
                assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Executable));
            }
            vm.revertToState(snap);
        }
        assertGt(succeeded, 0);
    }

    /// @notice A configured cell whose executor does not wear its admin role is not run by vote, but what
    /// its governance executes is a decision all the same and is recorded the same way.
    /// @notice execute hashes its arguments as sent: the same contents encoded non-canonically (here with
    /// trailing bytes) find no proposal and change nothing; the canonical encoding then executes.
    function test_execute_revert_nonCanonicalEncoding() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(7);
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        bytes memory canonical =
            abi.encodeCall(ICellGovernor.execute, (ops, alice, actions, "ipfs://proposal", keccak256("proposal")));
        bytes memory padded = abi.encodePacked(canonical, bytes32(0));
        uint256 paddedId = uint256(keccak256(_slice4(padded)));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalNotFound.selector, paddedId));
        (bool ok,) = address(governor).call(padded);
        assertTrue(ok, "expectRevert swallows the revert");
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Executable));
        assertEq(target.value(), 1);
        (ok,) = address(governor).call(canonical);
        assertTrue(ok);
        assertEq(target.value(), 7);
    }

    function _slice4(bytes memory data) internal pure returns (bytes memory rest) {
        rest = new bytes(data.length - 4);
        for (uint256 i; i < rest.length; ++i) {
            rest[i] = data[i + 4];
        }
    }

    function test_execute_notVoteRun_recordsToo() public {
        vm.prank(opsAdmin);
        governor.configure(ops, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(7);
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        vm.recordLogs();
        _execute(id, actions);
        _assertDecisionRecord(id, ops);
        assertEq(target.value(), 7);
    }

    function test_execute_revert_contentsMismatch() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _passed(ops, _setValueActions(7));
        _toExecutable(id);
        // Other contents are another (unknown) proposal: only what was voted on can run.
        ICellGovernor.Action[] memory other = _setValueActions(8);
        uint256 otherId = governor.hashProposal(ops, alice, other, "ipfs://proposal", keccak256("proposal"));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalNotFound.selector, otherId));
        _execute(id, other);
        uint256 otherUri = governor.hashProposal(ops, alice, _setValueActions(7), "ipfs://other", keccak256("proposal"));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalNotFound.selector, otherUri));
        governor.execute(ops, alice, _setValueActions(7), "ipfs://other", keccak256("proposal"));
        // Another proposer's name on the same contents.
        uint256 bobs = governor.hashProposal(ops, bob, _setValueActions(7), "ipfs://proposal", keccak256("proposal"));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalNotFound.selector, bobs));
        governor.execute(ops, bob, _setValueActions(7), "ipfs://proposal", keccak256("proposal"));
        // A passed proposal of one cell presented as another cell's.
        uint256 inDao = governor.hashProposal(dao, alice, _setValueActions(7), "ipfs://proposal", keccak256("proposal"));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalNotFound.selector, inDao));
        governor.execute(dao, alice, _setValueActions(7), "ipfs://proposal", keccak256("proposal"));
    }

    function test_execute_failingActionRevertsAllWithReason() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        GovernorFailingTarget failing = new GovernorFailingTarget();
        ICellGovernor.Action[] memory actions = new ICellGovernor.Action[](2);
        actions[0] = _setValueActions(7)[0];
        actions[1] = ICellGovernor.Action(address(failing), 0, abi.encodeCall(GovernorFailingTarget.fail, ()));
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        vm.expectRevert(abi.encodeWithSelector(GovernorFailingTarget.Nope.selector, 42));
        _execute(id, actions);
        assertEq(target.value(), 1);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Executable));
    }

    function test_execute_forwardsValue() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        address payee = makeAddr("payee");
        ICellGovernor.Action[] memory actions = _one(payee, 1 ether, "");
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        vm.deal(address(this), 1 ether);
        governor.execute{value: 1 ether}(ops, alice, actions, "ipfs://proposal", keccak256("proposal"));
        assertEq(payee.balance, 1 ether);
    }

    function test_execute_reentrancyFails() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        GovernorReenterer reenterer = new GovernorReenterer(governor);
        // A passed, executable proposal the re-entering action will try to run.
        ICellGovernor.Action[] memory inner = _setValueActions(9);
        uint256 innerId = _passed(ops, inner);
        ICellGovernor.Action[] memory outer =
            _one(address(reenterer), 0, abi.encodeCall(GovernorReenterer.reenterExecute, (ops, alice, inner)));
        uint256 outerId = _passed(ops, outer);
        _toExecutable(outerId);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        _execute(outerId, outer);
        // An action re-entering the very proposal that is executing fails too.
        ICellGovernor.Action[] memory self_ = new ICellGovernor.Action[](1);
        uint256 selfId;
        {
            // The action names its own proposal's contents, which cannot contain themselves; it re-enters
            // with the outer proposal's contents instead, which is the same guard.
            self_[0] = ICellGovernor.Action(
                address(reenterer), 0, abi.encodeCall(GovernorReenterer.reenterExecute, (ops, alice, outer))
            );
            selfId = _passed(ops, self_);
        }
        _toExecutable(selfId);
        vm.expectRevert(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        _execute(selfId, self_);
        // The inner proposal is untouched and still runs on its own.
        _execute(innerId, inner);
        assertEq(target.value(), 9);
    }

    function test_execute_cellVotesInParentThroughAction() public {
        // The DAO's member role goes to ops's executor: ops, as a cell, is a member of its parent.
        address opsExecutor = _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Settings memory longVote = _majority();
        longVote.votingPeriod = 100;
        vm.prank(community);
        governor.configure(dao, longVote);
        uint256 daoMember = registry.memberRoleOf(dao);
        vm.prank(community);
        roles.mintRole(daoMember, opsExecutor, 0);
        vm.roll(block.number + 1);
        uint256 daoProposal = _propose(dao, alice, _setValueActions(5));
        // ops decides how to vote in the DAO's proposal.
        ICellGovernor.Action[] memory voteFor =
            _one(address(governor), 0, abi.encodeCall(ICellGovernor.castVote, (daoProposal, 1)));
        uint256 id = _propose(ops, alice, voteFor);
        _toActive(id);
        _vote(id, alice, ICellGovernor.VoteType.For);
        _vote(id, bob, ICellGovernor.VoteType.For);
        _toExecutable(id);
        (, uint256 daoVoteEnd,) = governor.proposalTimepoints(daoProposal);
        assertLe(block.number, daoVoteEnd);
        _execute(id, voteFor);
        assertTrue(governor.hasVoted(daoProposal, opsExecutor));
    }

    function test_execute_changesOwnSettingsThroughGovernance() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Settings memory next = _roleSettings(ICellGovernor.Counting.Consent, 2000, 0);
        ICellGovernor.Action[] memory actions =
            _one(address(governor), 0, abi.encodeCall(ICellGovernor.configure, (ops, next)));
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        _execute(id, actions);
        assertEq(uint8(governor.settingsOf(ops).counting), uint8(ICellGovernor.Counting.Consent));
    }

    /*//////////////////////////////////////////////////////////////
                            CANCEL AND VETO
    //////////////////////////////////////////////////////////////*/

    function _cancelByProposer(address proposer) internal returns (uint256) {
        vm.prank(proposer);
        return governor.cancelByProposer(ops, _setValueActions(2), "ipfs://proposal", keccak256("proposal"));
    }

    function test_cancelByProposer_whilePending() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        // Bob presenting the same contents names his own (nonexistent) proposal, never alice's.
        uint256 bobs = governor.hashProposal(ops, bob, _setValueActions(2), "ipfs://proposal", keccak256("proposal"));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.ProposalNotFound.selector, bobs));
        _cancelByProposer(bob);
        vm.expectEmit(true, true, true, true, address(governor));
        emit ICellGovernor.ProposalCanceled(id, ops, alice);
        assertEq(_cancelByProposer(alice), id);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Canceled));
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Canceled)
        );
        _cancelByProposer(alice);
    }

    function test_cancelByProposer_revert_onceActive() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Active)
        );
        _cancelByProposer(alice);
    }

    function test_cancel_revert_proposerIsNotParentAdmin() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotParentAdmin.selector, alice, id));
        vm.prank(alice);
        governor.cancel(id);
    }

    function test_cancel_byParentAdminBeforeExecution() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(2);
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        // The cell's own former admin (now the executor wears it) is not the parent.
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotParentAdmin.selector, opsAdmin, id));
        vm.prank(opsAdmin);
        governor.cancel(id);
        vm.prank(community);
        governor.cancel(id);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Canceled)
        );
        _execute(id, actions);
    }

    function test_cancel_revert_afterExecution() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(2);
        uint256 id = _passed(ops, actions);
        _toExecutable(id);
        _execute(id, actions);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Executed)
        );
        vm.prank(community);
        governor.cancel(id);
    }

    function test_veto_duringDelay() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        ICellGovernor.Action[] memory actions = _setValueActions(2);
        uint256 id = _passed(ops, actions);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotParentAdmin.selector, outsider, id));
        vm.prank(outsider);
        governor.veto(id);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotParentAdmin.selector, alice, id));
        vm.prank(alice);
        governor.veto(id);
        vm.expectEmit(true, true, true, true, address(governor));
        emit ICellGovernor.ProposalVetoed(id, ops, community);
        vm.prank(community);
        governor.veto(id);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Vetoed));
        _toExecutable(id);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Vetoed)
        );
        _execute(id, actions);
    }

    function test_veto_revert_outsideDelay() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        uint256 id = _propose(ops, alice, _setValueActions(2));
        _toActive(id);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Active)
        );
        vm.prank(community);
        governor.veto(id);
        _vote(id, alice, ICellGovernor.VoteType.For);
        _vote(id, bob, ICellGovernor.VoteType.For);
        _toExecutable(id);
        vm.expectRevert(
            abi.encodeWithSelector(ICellGovernor.UnexpectedState.selector, id, ICellGovernor.ProposalState.Executable)
        );
        vm.prank(community);
        governor.veto(id);
    }

    function test_veto_byVoteRunParentThroughItsOwnProposal() public {
        _makeVoteRun(ops, opsAdmin, _majority());
        // The DAO is vote-run too: its executor wears the DAO's top role.
        _makeVoteRun(dao, community, _roleSettings(ICellGovernor.Counting.Majority, 0, 5000));
        ICellGovernor.Settings memory longDelay = _majority();
        longDelay.executionDelay = 100;
        vm.prank(governor.executorOf(dao));
        governor.configure(ops, longDelay);
        uint256 child = _passed(ops, _setValueActions(2));
        ICellGovernor.Action[] memory vetoIt = _one(address(governor), 0, abi.encodeCall(ICellGovernor.veto, (child)));
        uint256 parent = _passed(dao, vetoIt);
        _toExecutable(parent);
        _execute(parent, vetoIt);
        assertEq(uint8(_state(child)), uint8(ICellGovernor.ProposalState.Vetoed));
    }

    /*//////////////////////////////////////////////////////////////
                              CROSS-CELL
    //////////////////////////////////////////////////////////////*/

    function test_crossCell_actionCannotUseSiblingAuthority() public {
        uint256 sibling;
        address siblingAdmin = makeAddr("siblingAdmin");
        vm.prank(community);
        sibling = registry.createCell(
            dao, "sibling", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Formation, siblingAdmin, _members3()
        );
        vm.roll(block.number + 1);
        address opsExecutor = _makeVoteRun(ops, opsAdmin, _majority());
        address siblingExecutor = _makeVoteRun(sibling, siblingAdmin, _majority());

        // A proposal in ops trying to mint the sibling's member role.
        uint256 siblingMember = registry.memberRoleOf(sibling);
        ICellGovernor.Action[] memory mint =
            _one(address(roles), 0, abi.encodeCall(IRoles.mintRole, (siblingMember, outsider, 0)));
        uint256 id = _passed(ops, mint);
        _toExecutable(id);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, opsExecutor, siblingMember));
        _execute(id, mint);

        // A proposal in ops trying to drive the sibling's executor directly.
        ICellGovernor.Action[] memory drive =
            _one(siblingExecutor, 0, abi.encodeCall(ICellExecutor.execute, (_one(address(roles), 0, mint[0].data))));
        uint256 id2 = _passed(ops, drive);
        _toExecutable(id2);
        vm.expectRevert(abi.encodeWithSelector(ICellExecutor.NotGovernor.selector, opsExecutor));
        _execute(id2, drive);

        // A proposal in ops recording a decision for the sibling.
        ICellGovernor.Action[] memory record = _one(
            address(registry),
            0,
            abi.encodeCall(ICellRegistry.recordDecision, (sibling, bytes32(0), "ipfs://x", bytes32(0)))
        );
        uint256 id3 = _passed(ops, record);
        _toExecutable(id3);
        vm.expectRevert();
        _execute(id3, record);
        assertEq(registry.decisionCount(sibling), 0);

        // The same mint through ops's own member role works: the authority is ops's own.
        ICellGovernor.Action[] memory own =
            _one(address(roles), 0, abi.encodeCall(IRoles.mintRole, (registry.memberRoleOf(ops), outsider, 0)));
        uint256 id4 = _passed(ops, own);
        _toExecutable(id4);
        _execute(id4, own);
        assertTrue(roles.isWearerOfHat(outsider, registry.memberRoleOf(ops)));
        assertFalse(roles.isWearerOfHat(outsider, siblingMember));
    }

    function test_crossDao_proposalCannotActInAnotherDao() public {
        address otherCommunity = makeAddr("otherCommunity");
        uint256 otherDao = registry.createDao(
            otherCommunity, "other", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, _members3()
        );
        vm.roll(block.number + 1);
        // Both DAOs run by vote, with the same members.
        address daoExecutor = _makeVoteRun(dao, community, _majority());
        address otherExecutor = _makeVoteRun(otherDao, otherCommunity, _majority());
        uint256 otherMember = registry.memberRoleOf(otherDao);
        ICellGovernor.Action[] memory mint =
            _one(address(roles), 0, abi.encodeCall(IRoles.mintRole, (otherMember, outsider, 0)));
        uint256 id = _passed(dao, mint);
        _toExecutable(id);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, daoExecutor, otherMember));
        _execute(id, mint);
        // Nor can it reconfigure the other DAO's governance or veto there.
        ICellGovernor.Action[] memory reconfigure =
            _one(address(governor), 0, abi.encodeCall(ICellGovernor.configure, (otherDao, _majority())));
        uint256 id2 = _passed(dao, reconfigure);
        _toExecutable(id2);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.NotAllowedToConfigure.selector, daoExecutor, otherDao));
        _execute(id2, reconfigure);
        assertFalse(registry.isParentAdmin(daoExecutor, otherDao));
        assertTrue(registry.isParentAdmin(otherExecutor, otherDao));
    }

    function test_executor_revert_notGovernor() public {
        address executor = _makeVoteRun(ops, opsAdmin, _majority());
        vm.expectRevert(abi.encodeWithSelector(ICellExecutor.NotGovernor.selector, opsAdmin));
        vm.prank(opsAdmin);
        ICellExecutor(executor).execute(_setValueActions(3));
        // The cell's own executor cannot drive itself either (an action calling back into it).
        vm.expectRevert(abi.encodeWithSelector(ICellExecutor.NotGovernor.selector, executor));
        vm.prank(executor);
        ICellExecutor(executor).execute(_setValueActions(3));
        // The implementation acts for no cell and obeys only the governor as well.
        CellExecutor impl = CellExecutor(payable(governor.executorImplementation()));
        assertEq(impl.cellId(), 0);
        vm.expectRevert(abi.encodeWithSelector(ICellExecutor.NotGovernor.selector, outsider));
        vm.prank(outsider);
        impl.execute(_setValueActions(3));
    }

    function test_memberRoleMatchesRegistry() public view {
        assertEq(registry.memberRoleOf(ops), ops | (uint256(1) << 208));
        assertEq(roles.buildHatId(ops, 1), ops | (uint256(1) << 208));
    }
}

/// @notice Issue 10: tallies hold any legal IVotes token, here OpenZeppelin ERC20Votes at its largest supply
/// (2^208 - 1), split between two holders who each hold more than 2^128 votes.
contract CellGovernorTallyTest is CellGovernorFixture {
    uint256 internal constant HALF = uint256(1) << 207;

    function _runTokenVote(
        ICellGovernor.Counting counting,
        uint16 thresholdBps,
        uint16 quorumBps,
        uint8 aliceVote,
        uint8 bobVote
    ) internal returns (uint256 id) {
        _mintAndDelegate(alice, HALF);
        _mintAndDelegate(bob, HALF - 1); // total supply 2^208 - 1, ERC20Votes' maximum
        vm.prank(community);
        governor.configure(dao, _tokenSettings(counting, thresholdBps, quorumBps));
        vm.roll(block.number + 1);
        id = _propose(dao, alice, _setValueActions(7));
        _toActive(id);
        vm.prank(alice);
        assertEq(governor.castVote(id, aliceVote), HALF);
        vm.prank(bob);
        assertEq(governor.castVote(id, bobVote), HALF - 1);
        _toVoteEnd(id);
    }

    /// @dev Regression: the old code refused any weight above 2^128 (VoteWeightOverflow), blocking the vote.
    function test_regression_weightsAbove2pow128AreCounted() public {
        uint256 id = _runTokenVote(ICellGovernor.Counting.Majority, 0, 10_000, 1, 0);
        (uint256 against, uint256 forVotes, uint256 abstain, uint256 participation) = governor.proposalVotes(id);
        assertEq(forVotes, HALF);
        assertEq(against, HALF - 1);
        assertEq(abstain, 0);
        assertEq(participation, type(uint208).max);
        // Quorum of 100% of a 2^208 - 1 supply is met exactly, without overflowing the comparison.
        (uint256 required, uint256 electorate) = governor.quorum(id);
        assertEq(electorate, type(uint208).max);
        assertEq(required, type(uint208).max);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    function test_quadratic_largeWeights() public {
        uint256 id = _runTokenVote(ICellGovernor.Counting.Quadratic, 0, 10_000, 1, 2);
        (, uint256 forVotes, uint256 abstain, uint256 participation) = governor.proposalVotes(id);
        assertEq(forVotes, Math.sqrt(HALF));
        assertEq(abstain, Math.sqrt(HALF - 1));
        assertEq(participation, type(uint208).max);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded));
    }

    /// @dev Consent at 50% of 2^208 - 1: objections of ceil(supply / 2) = 2^207 defeat, 2^207 - 1 do not.
    function test_consent_boundaryAtFullWidth() public {
        uint256 id = _runTokenVote(ICellGovernor.Counting.Consent, 5000, 0, 0, 1);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Defeated), "2^207 objections reach half");
    }

    function test_consent_justBelowTheBoundaryPasses() public {
        uint256 id = _runTokenVote(ICellGovernor.Counting.Consent, 5000, 0, 1, 0);
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Succeeded), "2^207 - 1 objections do not");
    }

    /// @dev Supermajority 50.01%: for = 2^207 of 2^208 - 1 cast passes; the exact share is computed.
    function test_supermajority_atFullWidth() public {
        uint256 id = _runTokenVote(ICellGovernor.Counting.Supermajority, 5001, 0, 1, 0);
        // 2^207 * 10000 < 5001 * (2^208 - 1): defeated.
        assertEq(uint8(_state(id)), uint8(ICellGovernor.ProposalState.Defeated));
    }
}
