// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellGovernor} from "../../src/CellGovernor.sol";
import {CellRegistry} from "../../src/CellRegistry.sol";
import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {GovernorHitCounter} from "../utils/CellGovernorMocks.sol";
import {GovernorTestToken} from "../utils/GovernorOZ.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives proposals in a token-voted DAO and a member-voted child cell (both run by vote):
/// proposing, voting, moving tokens, rolling blocks, executing, cancelling and vetoing at random.
contract CellGovernorHandler is Test {
    CellGovernor internal immutable governor;
    GovernorTestToken internal immutable token;
    GovernorHitCounter internal immutable counter;
    uint256 internal immutable dao;
    uint256 internal immutable ops;
    address internal immutable community;

    address[] internal actors;

    struct Ghost {
        uint256 cellId;
        address proposer;
        uint256 key;
        uint256[3] weights; // Against, For, Abstain: what the voters' weights add up to
        uint256 executions;
    }

    uint256[] public proposalIds;
    mapping(uint256 proposalId => Ghost) internal ghosts;
    uint256 public ghostVotes;
    uint256 public ghostExecutions;

    constructor(
        CellGovernor governor_,
        GovernorTestToken token_,
        GovernorHitCounter counter_,
        uint256 dao_,
        uint256 ops_,
        address community_,
        address[] memory actors_
    ) {
        (governor, token, counter, dao, ops, community) = (governor_, token_, counter_, dao_, ops_, community_);
        actors = actors_;
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

    function _pick(uint256 seed) internal view returns (uint256 id, Ghost storage g) {
        id = proposalIds[seed % proposalIds.length];
        g = ghosts[id];
    }

    function propose(uint256 cellSeed, uint256 actorSeed) external {
        uint256 cellId = cellSeed % 2 == 0 ? dao : ops;
        address proposer = actors[actorSeed % actors.length];
        uint256 key = proposalIds.length + 1;
        vm.prank(proposer);
        try governor.propose(cellId, _actions(key), "ipfs://p", bytes32(key)) returns (uint256 id) {
            proposalIds.push(id);
            ghosts[id].cellId = cellId;
            ghosts[id].proposer = proposer;
            ghosts[id].key = key;
        } catch {}
    }

    function vote(uint256 proposalSeed, uint256 actorSeed, uint8 support) external {
        if (proposalIds.length == 0) return;
        (uint256 id, Ghost storage g) = _pick(proposalSeed);
        address voter = actors[actorSeed % actors.length];
        support = support % 3;
        (uint256 snapshot, uint256 voteEnd,) = governor.proposalTimepoints(id);
        // Most picks land on an open vote: wait for a pending one to open.
        if (block.number <= snapshot && actorSeed % 4 != 0) vm.roll(snapshot + 1);
        if (block.number > voteEnd) return;
        // The weight the rules give this voter, computed from the sources directly.
        uint256 expected = g.cellId == dao ? (block.number > snapshot ? token.getPastVotes(voter, snapshot) : 0) : 1;
        vm.prank(voter);
        try governor.castVote(id, support) returns (uint256 weight) {
            assertEq(weight, expected, "weight");
            g.weights[support] += weight;
            ++ghostVotes;
        } catch {}
    }

    function moveTokens(uint256 fromSeed, uint256 toSeed, uint256 amount) external {
        address from = actors[fromSeed % actors.length];
        address to = actors[toSeed % actors.length];
        amount = bound(amount, 0, token.balanceOf(from));
        vm.prank(from);
        token.transfer(to, amount);
    }

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 8));
    }

    function execute(uint256 proposalSeed) external {
        if (proposalIds.length == 0) return;
        (uint256 id, Ghost storage g) = _pick(proposalSeed);
        (,, uint256 executableFrom) = governor.proposalTimepoints(id);
        // Sometimes wait out the voting and the delay; otherwise try now (early attempts must fail).
        if (block.number < executableFrom && proposalSeed % 3 == 0) vm.roll(executableFrom);
        try governor.execute(g.cellId, g.proposer, _actions(g.key), "ipfs://p", bytes32(g.key)) {
            ++g.executions;
            ++ghostExecutions;
        } catch {}
    }

    function cancel(uint256 proposalSeed) external {
        if (proposalIds.length == 0) return;
        (uint256 id,) = _pick(proposalSeed);
        if (proposalSeed % 3 != 0) return; // rarer than the rest
        vm.prank(community);
        try governor.cancel(id) {} catch {}
    }

    function veto(uint256 proposalSeed) external {
        if (proposalIds.length == 0) return;
        (uint256 id,) = _pick(proposalSeed);
        vm.prank(community);
        try governor.veto(id) {} catch {}
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
        actors[0] = makeAddr("alice");
        actors[1] = makeAddr("bob");
        actors[2] = makeAddr("carol");
        actors[3] = makeAddr("dave");
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

        handler = new CellGovernorHandler(governor, token, counter, dao, ops, community, actors);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = CellGovernorHandler.propose.selector;
        selectors[1] = CellGovernorHandler.vote.selector;
        selectors[2] = CellGovernorHandler.moveTokens.selector;
        selectors[3] = CellGovernorHandler.roll.selector;
        selectors[4] = CellGovernorHandler.execute.selector;
        selectors[5] = CellGovernorHandler.cancel.selector;
        selectors[6] = CellGovernorHandler.veto.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @notice Each proposal's tallies are exactly the weights its voters had.
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
}
