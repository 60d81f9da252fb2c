// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellGovernor} from "../../src/CellGovernor.sol";
import {CellRegistry} from "../../src/CellRegistry.sol";
import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {GovernorHitCounter} from "../utils/CellGovernorMocks.sol";
import {GovernorTestToken} from "../utils/GovernorOZ.sol";
import {PackedBallots} from "../utils/PackedBallots.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives proposals in a token-voted DAO (run by `community`, which cancels and vetoes) and a
/// member-voted child cell run by vote: proposing, voting, moving tokens, rolling blocks, executing,
/// cancelling, vetoing and relaying batches of signed ballots (castVotesBySig, and castVotesPacked). Inputs are bounded to existing proposals and voters that have not voted yet,
/// and blocks are rolled into the right window, so nearly every call does something; the invariants run
/// with fail-on-revert, so a handler call that reverts (a refused vote, a refused proposal) fails them.
contract CellGovernorHandler is Test {
    CellGovernor internal immutable governor;
    GovernorTestToken internal immutable token;
    GovernorHitCounter internal immutable counter;
    uint256 internal immutable dao;
    uint256 internal immutable ops;
    address internal immutable community;

    address[] internal actors;
    mapping(address actor => uint256) internal keyOf;
    address internal immutable relayer = makeAddr("relayer");

    struct Ghost {
        uint256 cellId;
        address proposer;
        uint256 key;
        uint256[3] weights; // Against, For, Abstain: what the voters' weights add up to
        uint256 executions;
    }

    uint256[] public proposalIds;
    mapping(uint256 proposalId => Ghost) internal ghosts;
    uint256 public ghostProposals;
    uint256 public ghostVotes;
    uint256 public ghostExecutions;
    uint256 public ghostRefusedExecutions;
    uint256 public ghostCancels;
    uint256 public ghostVetoes;
    /// @dev castVotesBySig: ballots counted, and the bad ones each batch carries, skipped by reason.
    uint256 public ghostBallotsCounted;
    uint256 public ghostStaleSkipped;
    uint256 public ghostForgedSkipped;
    uint256 public ghostReplaysSkipped;
    /// @dev castVotesPacked: ballots counted from packed batches; truncated packed batches refused whole.
    uint256 public ghostPackedCounted;
    uint256 public ghostMalformedRefused;

    constructor(
        CellGovernor governor_,
        GovernorTestToken token_,
        GovernorHitCounter counter_,
        uint256 dao_,
        uint256 ops_,
        address community_,
        address[] memory actors_,
        uint256[] memory keys_
    ) {
        (governor, token, counter, dao, ops, community) = (governor_, token_, counter_, dao_, ops_, community_);
        actors = actors_;
        for (uint256 i; i < actors_.length; ++i) {
            keyOf[actors_[i]] = keys_[i];
        }
    }

    function proposalCount() external view returns (uint256) {
        return proposalIds.length;
    }

    function ghostOf(uint256 proposalId) external view returns (Ghost memory) {
        return ghosts[proposalId];
    }

    function _actions(uint256 key) internal view returns (ICellGovernor.Action[] memory actions) {
        actions = new ICellGovernor.Action[](1);
        actions[0] = ICellGovernor.Action(address(counter), 0, abi.encodeCall(GovernorHitCounter.hit, (key)));
    }

    /// @dev The first proposal from `seed` on (wrapping) that is not finished, or none.
    function _pickOpen(uint256 seed) internal view returns (bool found, uint256 id) {
        uint256 n = proposalIds.length;
        for (uint256 i; i < n; ++i) {
            id = proposalIds[(seed % n + i) % n];
            ICellGovernor.ProposalState st = governor.state(id);
            if (
                st == ICellGovernor.ProposalState.Pending || st == ICellGovernor.ProposalState.Active
                    || st == ICellGovernor.ProposalState.Succeeded || st == ICellGovernor.ProposalState.Executable
            ) return (true, id);
        }
    }

    /// @dev The first proposal from `seed` on that is Pending or Active and has an actor who has not
    /// voted on it yet (searching actors from `actorSeed` on).
    function _pickBallot(uint256 seed, uint256 actorSeed)
        internal
        view
        returns (bool found, uint256 id, address voter)
    {
        uint256 n = proposalIds.length;
        for (uint256 i; i < n; ++i) {
            id = proposalIds[(seed % n + i) % n];
            ICellGovernor.ProposalState st = governor.state(id);
            if (st != ICellGovernor.ProposalState.Pending && st != ICellGovernor.ProposalState.Active) continue;
            for (uint256 j; j < actors.length; ++j) {
                voter = actors[(actorSeed % actors.length + j) % actors.length];
                if (!governor.hasVoted(id, voter)) return (true, id, voter);
            }
        }
    }

    function propose(uint256 cellSeed, uint256 actorSeed) public returns (uint256 id) {
        uint256 cellId = cellSeed % 2 == 0 ? dao : ops;
        address proposer = actors[actorSeed % actors.length];
        uint256 key = proposalIds.length + 1;
        vm.prank(proposer);
        // Every actor may propose in both cells (no threshold, all members) and keys are fresh: it must work.
        id = governor.propose(cellId, _actions(key), "ipfs://p", bytes32(key));
        proposalIds.push(id);
        ghosts[id].cellId = cellId;
        ghosts[id].proposer = proposer;
        ghosts[id].key = key;
        ++ghostProposals;
    }

    /// @dev Votes on an open proposal with an actor who has not voted on it yet (proposing one when none is
    /// open), rolling into the voting window when needed. Support leans For so that proposals pass.
    function vote(uint256 proposalSeed, uint256 actorSeed, uint8 support) external {
        (bool found, uint256 id, address voter) = _pickBallot(proposalSeed, actorSeed);
        if (!found) {
            id = propose(proposalSeed, actorSeed);
            voter = actors[actorSeed % actors.length];
        }
        Ghost storage g = ghosts[id];
        support = support % 4 == 3 ? uint8(ICellGovernor.VoteType.For) : support % 4;
        (uint256 snapshot,,) = governor.proposalTimepoints(id);
        if (block.number <= snapshot) vm.roll(snapshot + 1);
        // The weight the rules give this voter, computed from the sources directly.
        uint256 expected = g.cellId == dao ? token.getPastVotes(voter, snapshot) : 1;
        vm.prank(voter);
        uint256 weight = governor.castVote(id, support);
        assertEq(weight, expected, "weight");
        g.weights[support] += weight;
        ++ghostVotes;
        // A second ballot from the same voter is refused and changes nothing.
        vm.prank(voter);
        vm.expectRevert(abi.encodeWithSelector(ICellGovernor.AlreadyVoted.selector, id, voter));
        governor.castVote(id, support);
    }

    /// @dev A relayed batch for one open proposal and a voter who has not voted on it: two bad ballots
    /// (signed over a nonce the voter then cancels; signed by another actor's key), the voter's valid
    /// ballot, and the same valid ballot again (a replay inside the batch). Exactly the valid one counts,
    /// the others are skipped with their reasons, in order; every third time the valid ballot is replayed
    /// in a later batch too, which counts nothing.
    function castBallots(uint256 proposalSeed, uint256 actorSeed, uint8 support) external {
        _castBallots(proposalSeed, actorSeed, support, false);
    }

    /// @dev The same batch relayed packed (castVotesPacked); every other time the batch is first sent cut
    /// short by one byte, which reverts MalformedPackedBallots and keeps nothing (the voter has not voted).
    function castBallotsPacked(uint256 proposalSeed, uint256 actorSeed, uint8 support) external {
        _castBallots(proposalSeed, actorSeed, support, true);
    }

    function _relay(ICellGovernor.SignedBallot[] memory batch, bool packed) internal returns (uint256) {
        vm.prank(relayer);
        if (!packed) return governor.castVotesBySig(batch);
        return governor.castVotesPacked(PackedBallots.encode(batch));
    }

    function _castBallots(uint256 proposalSeed, uint256 actorSeed, uint8 support, bool packed) internal {
        (bool found, uint256 id, address voter) = _pickBallot(proposalSeed, actorSeed);
        if (!found) {
            id = propose(proposalSeed, actorSeed);
            voter = actors[actorSeed % actors.length];
        }
        Ghost storage g = ghosts[id];
        support = support % 4 == 3 ? uint8(ICellGovernor.VoteType.For) : support % 4;
        (uint256 snapshot,,) = governor.proposalTimepoints(id);
        if (block.number <= snapshot) vm.roll(snapshot + 1);
        uint256 expected = g.cellId == dao ? token.getPastVotes(voter, snapshot) : 1;

        // A ballot signed over the current nonce, which the voter then cancels; one signed over the new
        // nonce by another actor's key; the voter's valid ballot; that ballot again.
        ICellGovernor.SignedBallot[] memory batch = new ICellGovernor.SignedBallot[](4);
        uint256 nonce = governor.ballotNonce(id, voter);
        batch[0] = _ballot(id, voter, support, nonce, keyOf[voter]);
        vm.prank(voter);
        assertEq(governor.cancelBallot(id), nonce);
        uint256 otherKey = keyOf[actors[0]] == keyOf[voter] ? keyOf[actors[1]] : keyOf[actors[0]];
        batch[1] = _ballot(id, voter, support, nonce + 1, otherKey);
        batch[2] = _ballot(id, voter, support, nonce + 1, keyOf[voter]);
        batch[3] = batch[2];

        if (packed && ghostPackedCounted % 2 == 0) {
            bytes memory whole = PackedBallots.encode(batch);
            bytes memory cut = new bytes(whole.length - 1);
            for (uint256 k; k < cut.length; ++k) {
                cut[k] = whole[k];
            }
            // The last ballot's signature runs past the end: its length field is 67 bytes from the end.
            vm.expectRevert(abi.encodeWithSelector(ICellGovernor.MalformedPackedBallots.selector, whole.length - 67));
            vm.prank(relayer);
            governor.castVotesPacked(cut);
            assertFalse(governor.hasVoted(id, voter), "a refused packed batch kept a vote");
            ++ghostMalformedRefused;
        }
        vm.expectEmit(address(governor));
        emit ICellGovernor.BallotSkipped(voter, id, ICellGovernor.BallotStatus.StaleNonce);
        vm.expectEmit(address(governor));
        emit ICellGovernor.BallotSkipped(voter, id, ICellGovernor.BallotStatus.InvalidSignature);
        vm.expectEmit(address(governor));
        emit ICellGovernor.VoteCast(voter, id, support, expected, "relayed");
        vm.expectEmit(address(governor));
        emit ICellGovernor.BallotSkipped(voter, id, ICellGovernor.BallotStatus.AlreadyVoted);
        assertEq(_relay(batch, packed), 1, "exactly the valid ballot counts");
        assertTrue(governor.hasVoted(id, voter));
        if (packed) ++ghostPackedCounted;
        g.weights[support] += expected;
        ++ghostVotes;
        ++ghostBallotsCounted;
        ++ghostStaleSkipped;
        ++ghostForgedSkipped;
        ++ghostReplaysSkipped;

        if (ghostBallotsCounted % 3 == 1) {
            ICellGovernor.SignedBallot[] memory replay = new ICellGovernor.SignedBallot[](1);
            replay[0] = batch[2];
            // Across the two forms too: a ballot counted through one is a replay through the other.
            assertEq(_relay(replay, !packed), 0, "replayed in a later batch");
            ++ghostReplaysSkipped;
        }
    }

    function _ballot(uint256 id, address voter, uint8 support, uint256 nonce, uint256 key)
        internal
        view
        returns (ICellGovernor.SignedBallot memory)
    {
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(
                governor.KEYED_BALLOT_TYPEHASH(), id, support, voter, nonce, deadline, keccak256(bytes("relayed"))
            )
        );
        (uint8 v, bytes32 r, bytes32 s) =
            vm.sign(key, keccak256(abi.encodePacked("\x19\x01", governor.domainSeparator(), structHash)));
        return ICellGovernor.SignedBallot(id, voter, support, nonce, deadline, "relayed", abi.encodePacked(r, s, v));
    }

    function moveTokens(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = actors[fromSeed % actors.length];
        address to = actors[toSeed % actors.length];
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        assertTrue(token.transfer(to, amount));
    }

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 8));
    }

    /// @dev Executes a proposal that is not finished (proposing one when none is), usually after waiting
    /// out its voting and delay; sometimes tries early, which must fail. Succeeds exactly when the
    /// proposal is Executable.
    function execute(uint256 proposalSeed) external {
        (bool found, uint256 id) = _pickOpen(proposalSeed);
        if (!found) id = propose(proposalSeed | 1, proposalSeed); // an ops proposal passes by consent
        Ghost storage g = ghosts[id];
        (,, uint256 executableFrom) = governor.proposalTimepoints(id);
        if (block.number < executableFrom && proposalSeed % 5 != 0) vm.roll(executableFrom);
        bool executable = governor.state(id) == ICellGovernor.ProposalState.Executable;
        if (!executable && proposalSeed % 5 != 0) {
            // The proposal picked did not pass (a DAO proposal nobody voted for): take a fresh ops proposal,
            // which passes by consent, so that every run executes whatever the fuzzer's draws.
            id = propose(proposalSeed | 1, proposalSeed >> 8);
            g = ghosts[id];
            (,, executableFrom) = governor.proposalTimepoints(id);
            vm.roll(executableFrom);
            executable = governor.state(id) == ICellGovernor.ProposalState.Executable;
        }
        try governor.execute(g.cellId, g.proposer, _actions(g.key), "ipfs://p", bytes32(g.key)) {
            assertTrue(executable, "executed while not executable");
            ++g.executions;
            ++ghostExecutions;
        } catch {
            assertFalse(executable, "executable but refused");
            ++ghostRefusedExecutions;
        }
    }

    function cancel(uint256 proposalSeed) external {
        if (proposalIds.length == 0 || proposalSeed % 3 != 0) return; // rarer than the rest
        uint256 id = proposalIds[proposalSeed % proposalIds.length];
        vm.prank(community);
        try governor.cancel(id) {
            ++ghostCancels;
        } catch {}
    }

    function veto(uint256 proposalSeed) external {
        if (proposalIds.length == 0 || proposalSeed % 3 != 0) return; // rarer than the rest
        uint256 id = proposalIds[proposalSeed % proposalIds.length];
        vm.prank(community);
        try governor.veto(id) {
            ++ghostVetoes;
        } catch {}
    }
}

contract CellGovernorInvariantTest is Test {
    CellRegistry internal registry;
    CellGovernor internal governor;
    GovernorTestToken internal token;
    GovernorHitCounter internal counter;
    CellGovernorHandler internal handler;
    uint256 internal dao;
    uint256 internal ops;

    function setUp() public {
        address community = makeAddr("community");
        address[] memory actors = new address[](4);
        uint256[] memory keys = new uint256[](4);
        (actors[0], keys[0]) = makeAddrAndKey("alice");
        (actors[1], keys[1]) = makeAddrAndKey("bob");
        (actors[2], keys[2]) = makeAddrAndKey("carol");
        (actors[3], keys[3]) = makeAddrAndKey("dave");
        registry = new CellRegistry();
        IRoles roles = registry.roles();
        governor = new CellGovernor(ICellRegistry(address(registry)));
        token = new GovernorTestToken();
        counter = new GovernorHitCounter();
        for (uint256 i; i < actors.length; ++i) {
            token.mint(actors[i], (i + 1) * 10e18);
            vm.prank(actors[i]);
            token.delegate(actors[i]);
        }
        dao = registry.createDao(
            community, "dao", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, actors
        );
        vm.prank(community);
        ops = registry.createCell(
            dao, "ops", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Formation, community, actors
        );
        ICellGovernor.Settings memory s = ICellGovernor.Settings({
            electorate: ICellGovernor.Electorate.Token,
            counting: ICellGovernor.Counting.Majority,
            thresholdBps: 0,
            quorumBps: 1000,
            votingDelay: 1,
            votingPeriod: 6,
            executionDelay: 2,
            token: address(token),
            proposalThreshold: 0
        });
        vm.startPrank(community);
        governor.configure(dao, s);
        s.electorate = ICellGovernor.Electorate.Role;
        s.token = address(0);
        s.counting = ICellGovernor.Counting.Consent;
        s.thresholdBps = 5000;
        governor.configure(ops, s);
        roles.transferRole(ops, community, governor.executorOf(ops));
        vm.stopPrank();
        // The DAO stays run by `community` (the parent admin that cancels and vetoes); its proposals
        // execute through its executor without recording.
        vm.roll(block.number + 1);

        handler = new CellGovernorHandler(governor, token, counter, dao, ops, community, actors, keys);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](9);
        selectors[0] = CellGovernorHandler.propose.selector;
        selectors[1] = CellGovernorHandler.vote.selector;
        selectors[2] = CellGovernorHandler.moveTokens.selector;
        selectors[3] = CellGovernorHandler.roll.selector;
        selectors[4] = CellGovernorHandler.execute.selector;
        selectors[5] = CellGovernorHandler.cancel.selector;
        selectors[6] = CellGovernorHandler.veto.selector;
        selectors[7] = CellGovernorHandler.castBallots.selector;
        selectors[8] = CellGovernorHandler.castBallotsPacked.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice Each proposal's tallies are exactly the weights its voters had.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_talliesEqualWeightsCast() public view {
        uint256 n = handler.proposalCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.proposalIds(i);
            CellGovernorHandler.Ghost memory g = handler.ghostOf(id);
            (uint256 against, uint256 forVotes, uint256 abstain, uint256 participation) = governor.proposalVotes(id);
            assertEq(against, g.weights[0], "against");
            assertEq(forVotes, g.weights[1], "for");
            assertEq(abstain, g.weights[2], "abstain");
            assertEq(participation, g.weights[0] + g.weights[1] + g.weights[2], "participation");
        }
    }

    /// @notice Nothing executes twice; a proposal is Executed exactly when its action ran once.
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_nothingExecutesTwice() public view {
        uint256 n = handler.proposalCount();
        uint256 total;
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.proposalIds(i);
            CellGovernorHandler.Ghost memory g = handler.ghostOf(id);
            uint256 hits = counter.hits(g.key);
            assertLe(hits, 1, "ran twice");
            assertEq(hits, g.executions, "ghost");
            assertEq(governor.state(id) == ICellGovernor.ProposalState.Executed, hits == 1, "state");
            total += hits;
        }
        assertEq(total, handler.ghostExecutions());
    }

    /// @notice Every run really votes and executes: the properties above are not met vacuously.
    function afterInvariant() public view {
        assertEq(handler.proposalCount(), handler.ghostProposals(), "proposals");
        assertGt(handler.ghostVotes(), 0, "no vote was cast");
        assertGt(handler.ghostExecutions(), 0, "nothing was executed");
        assertGt(handler.ghostBallotsCounted(), 0, "no relayed ballot was counted");
        assertGt(handler.ghostStaleSkipped(), 0, "no canceled ballot was skipped");
        assertGt(handler.ghostForgedSkipped(), 0, "no forged ballot was skipped");
        assertGt(handler.ghostReplaysSkipped(), 0, "no replayed ballot was skipped");
        assertGt(handler.ghostPackedCounted(), 0, "no packed ballot was counted");
        assertGt(handler.ghostMalformedRefused(), 0, "no malformed packed batch was refused");
    }
}
