// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellGovernor} from "../../src/CellGovernor.sol";
import {CellRegistry} from "../../src/CellRegistry.sol";
import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {GovernorGasTarget, GovernorTestToken} from "./GovernorOZ.sol";
import {Test} from "forge-std/Test.sol";

/// @notice The real registry, Roles and governor, a DAO with three members, and helpers to configure
/// cells, make them vote-run and walk proposals through their life.
abstract contract CellGovernorFixture is Test {
    CellRegistry internal registry;
    IRoles internal roles;
    CellGovernor internal governor;
    GovernorTestToken internal token;
    GovernorGasTarget internal target;

    address internal community = makeAddr("community");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal outsider = makeAddr("outsider");

    uint256 internal dao;

    /// @dev Who proposed what where, so tests can present a proposal's contents again.
    mapping(uint256 proposalId => uint256) internal cellOf;
    mapping(uint256 proposalId => address) internal proposerOf;

    function setUp() public virtual {
        registry = new CellRegistry();
        roles = registry.roles();
        governor = new CellGovernor(ICellRegistry(address(registry)));
        token = new GovernorTestToken();
        target = new GovernorGasTarget();
        dao = registry.createDao(
            community, "dao", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, _members3()
        );
        vm.roll(block.number + 1);
    }

    function _members3() internal view returns (address[] memory members) {
        members = new address[](3);
        (members[0], members[1], members[2]) = (alice, bob, carol);
    }

    function _roleSettings(ICellGovernor.Counting counting, uint16 thresholdBps, uint16 quorumBps)
        internal
        pure
        returns (ICellGovernor.Settings memory)
    {
        return ICellGovernor.Settings({
            electorate: ICellGovernor.Electorate.Role,
            counting: counting,
            thresholdBps: thresholdBps,
            quorumBps: quorumBps,
            votingDelay: 1,
            votingPeriod: 10,
            executionDelay: 5,
            token: address(0),
            proposalThreshold: 0
        });
    }

    function _tokenSettings(ICellGovernor.Counting counting, uint16 thresholdBps, uint16 quorumBps)
        internal
        view
        returns (ICellGovernor.Settings memory s)
    {
        s = _roleSettings(counting, thresholdBps, quorumBps);
        s.electorate = ICellGovernor.Electorate.Token;
        s.token = address(token);
    }

    function _majority() internal pure returns (ICellGovernor.Settings memory) {
        return _roleSettings(ICellGovernor.Counting.Majority, 0, 5000);
    }

    /// @dev Configures `cellId` as `admin` and hands the cell's admin role to its executor.
    function _makeVoteRun(uint256 cellId, address admin, ICellGovernor.Settings memory settings)
        internal
        returns (address executor)
    {
        vm.prank(admin);
        governor.configure(cellId, settings);
        executor = governor.executorOf(cellId);
        vm.prank(admin);
        roles.transferRole(cellId, admin, executor);
    }

    function _mintAndDelegate(address holder, uint256 amount) internal {
        token.mint(holder, amount);
        vm.prank(holder);
        token.delegate(holder);
    }

    function _setValueActions(uint256 newValue) internal view returns (ICellGovernor.Action[] memory actions) {
        actions = new ICellGovernor.Action[](1);
        actions[0] = ICellGovernor.Action(address(target), 0, abi.encodeCall(GovernorGasTarget.setValue, (newValue)));
    }

    function _one(address to, uint256 value, bytes memory data)
        internal
        pure
        returns (ICellGovernor.Action[] memory actions)
    {
        actions = new ICellGovernor.Action[](1);
        actions[0] = ICellGovernor.Action(to, value, data);
    }

    function _propose(uint256 cellId, address proposer, ICellGovernor.Action[] memory actions)
        internal
        returns (uint256 proposalId)
    {
        vm.prank(proposer);
        proposalId = governor.propose(cellId, actions, "ipfs://proposal", keccak256("proposal"));
        cellOf[proposalId] = cellId;
        proposerOf[proposalId] = proposer;
    }

    function _execute(uint256 proposalId, ICellGovernor.Action[] memory actions) internal {
        governor.execute(cellOf[proposalId], proposerOf[proposalId], actions, "ipfs://proposal", keccak256("proposal"));
    }

    function _vote(uint256 proposalId, address voter, ICellGovernor.VoteType support) internal {
        vm.prank(voter);
        governor.castVote(proposalId, uint8(support));
    }

    function _toActive(uint256 proposalId) internal {
        (uint256 snapshot,,) = governor.proposalTimepoints(proposalId);
        vm.roll(snapshot + 1);
    }

    function _toVoteEnd(uint256 proposalId) internal {
        (, uint256 voteEnd,) = governor.proposalTimepoints(proposalId);
        vm.roll(voteEnd + 1);
    }

    function _toExecutable(uint256 proposalId) internal {
        (,, uint256 executableFrom) = governor.proposalTimepoints(proposalId);
        vm.roll(executableFrom);
    }

    function _state(uint256 proposalId) internal view returns (ICellGovernor.ProposalState) {
        return governor.state(proposalId);
    }
}
