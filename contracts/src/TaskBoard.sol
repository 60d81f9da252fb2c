// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellRegistry} from "./interfaces/ICellRegistry.sol";
import {IRoles} from "./interfaces/IRoles.sol";
import {ITaskBoard} from "./interfaces/ITaskBoard.sol";
import {ITreasury} from "./interfaces/ITreasury.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title TaskBoard
/// @notice Tasks with bounties for every cell, deployed by the Treasury, which trusts only this board to
/// reserve, release and pay bounties. Each call acts for one task's cell and checks that cell's own admin.
contract TaskBoard is ITaskBoard, ReentrancyGuardTransient {
    ICellRegistry public immutable registry;
    ITreasury public immutable treasury;
    IRoles private immutable _roles;

    uint256 public taskCount;
    mapping(uint256 taskId => Task) private _tasks;

    constructor(ICellRegistry registry_, ITreasury treasury_) {
        registry = registry_;
        treasury = treasury_;
        _roles = registry_.roles();
    }

    /// @inheritdoc ITaskBoard
    function createTask(
        uint256 cellId,
        string calldata specURI,
        bytes32 specHash,
        address token,
        uint256 bounty,
        uint256 requiredRole,
        uint64 deadline
    ) external nonReentrant returns (uint256 taskId) {
        _checkCellAdmin(cellId);
        if (registry.phaseOf(cellId) == ICellRegistry.Phase.Dissolved) revert CellDissolved(cellId);
        if (bounty == 0) revert ZeroBounty();
        if (deadline != 0 && deadline <= block.timestamp) revert InvalidDeadline(deadline);
        taskId = ++taskCount;
        Task storage t = _tasks[taskId];
        t.cellId = cellId;
        t.token = token;
        t.deadline = deadline;
        t.status = Status.Open;
        t.bounty = bounty;
        if (requiredRole != 0) t.requiredRole = requiredRole;
        t.specHash = specHash;
        emit TaskCreated(taskId, cellId, token, bounty, requiredRole, deadline, specURI, specHash, msg.sender);
        treasury.reserveBounty(cellId, token, bounty, taskId);
    }

    /// @inheritdoc ITaskBoard
    function claim(uint256 taskId) external {
        Task storage t = _task(taskId);
        _checkClaimable(taskId, t, msg.sender);
        t.claimant = msg.sender;
        t.status = Status.Claimed;
        emit TaskClaimed(taskId, t.cellId, msg.sender);
    }

    /// @inheritdoc ITaskBoard
    function assign(uint256 taskId, address claimant) external {
        Task storage t = _task(taskId);
        _checkCellAdmin(t.cellId);
        if (claimant == address(0)) revert ZeroAddress();
        _checkClaimable(taskId, t, claimant);
        t.claimant = claimant;
        t.status = Status.Claimed;
        emit TaskAssigned(taskId, t.cellId, claimant, msg.sender);
    }

    /// @inheritdoc ITaskBoard
    function submit(uint256 taskId, string calldata uri, bytes32 contentHash) external {
        Task storage t = _task(taskId);
        if (t.status != Status.Claimed) revert WrongStatus(taskId, t.status);
        if (t.claimant != msg.sender) revert NotClaimant(msg.sender, taskId);
        if (_pastDeadline(t)) revert DeadlinePassed(taskId, t.deadline);
        t.status = Status.Submitted;
        t.deliverableHash = contentHash;
        emit TaskSubmitted(taskId, t.cellId, msg.sender, uri, contentHash);
    }

    /// @inheritdoc ITaskBoard
    function approve(uint256 taskId) external nonReentrant {
        Task storage t = _task(taskId);
        uint256 cellId = t.cellId;
        _checkCellAdmin(cellId);
        if (t.status != Status.Submitted) revert WrongStatus(taskId, t.status);
        t.status = Status.Paid;
        address claimant = t.claimant;
        address token = t.token;
        uint256 bounty = t.bounty;
        emit TaskApproved(taskId, cellId, claimant, token, bounty, msg.sender);
        treasury.payBounty(cellId, token, claimant, bounty, taskId);
    }

    /// @inheritdoc ITaskBoard
    function reject(uint256 taskId, string calldata reason) external {
        Task storage t = _task(taskId);
        _checkCellAdmin(t.cellId);
        if (t.status != Status.Submitted) revert WrongStatus(taskId, t.status);
        t.status = Status.Claimed;
        emit TaskRejected(taskId, t.cellId, t.claimant, reason, msg.sender);
    }

    /// @inheritdoc ITaskBoard
    function cancel(uint256 taskId) external nonReentrant {
        Task storage t = _task(taskId);
        uint256 cellId = t.cellId;
        _checkCellAdmin(cellId);
        Status status = t.status;
        if (status == Status.Paid || status == Status.Cancelled) revert WrongStatus(taskId, status);
        t.status = Status.Cancelled;
        emit TaskCancelled(taskId, cellId, t.claimant, msg.sender);
        treasury.releaseBounty(cellId, t.token, t.bounty, taskId);
    }

    /// @inheritdoc ITaskBoard
    function reopen(uint256 taskId) external {
        Task storage t = _task(taskId);
        if (t.status != Status.Claimed) revert WrongStatus(taskId, t.status);
        if (!_pastDeadline(t)) revert DeadlineNotPassed(taskId, t.deadline);
        _reopen(taskId, t);
    }

    /// @inheritdoc ITaskBoard
    function setDeadline(uint256 taskId, uint64 deadline) external {
        Task storage t = _task(taskId);
        _checkCellAdmin(t.cellId);
        Status status = t.status;
        if (status == Status.Paid || status == Status.Cancelled) revert WrongStatus(taskId, status);
        if (deadline != 0 && deadline <= block.timestamp) revert InvalidDeadline(deadline);
        // A lapsed claim stays lapsed: the new deadline is for whoever claims next.
        if (status == Status.Claimed && _pastDeadline(t)) _reopen(taskId, t);
        t.deadline = deadline;
        emit TaskDeadlineSet(taskId, t.cellId, deadline, msg.sender);
    }

    /// @inheritdoc ITaskBoard
    function getTask(uint256 taskId) external view returns (Task memory) {
        return _tasks[taskId];
    }

    /// @inheritdoc ITaskBoard
    function statusOf(uint256 taskId) external view returns (Status) {
        Task storage t = _tasks[taskId];
        if (t.status == Status.Claimed && _pastDeadline(t)) return Status.Open;
        return t.status;
    }

    function _task(uint256 taskId) private view returns (Task storage t) {
        t = _tasks[taskId];
        if (t.status == Status.None) revert TaskNotFound(taskId);
    }

    /// @dev The task's own cell's admin: a wearer of the cell's admin role (the cell id), e.g. its executor.
    function _checkCellAdmin(uint256 cellId) private view {
        if (!registry.isCellAdmin(msg.sender, cellId)) revert NotCellAdmin(msg.sender, cellId);
    }

    function _pastDeadline(Task storage t) private view returns (bool) {
        uint256 deadline = t.deadline;
        return deadline != 0 && block.timestamp > deadline;
    }

    /// @dev Open, or Claimed with the deadline passed (treated as open); the deadline not passed; and
    /// `account` wears the required role if there is one.
    function _checkClaimable(uint256 taskId, Task storage t, address account) private {
        Status status = t.status;
        bool lapsed = status == Status.Claimed && _pastDeadline(t);
        if (status != Status.Open && !lapsed) revert WrongStatus(taskId, status);
        if (_pastDeadline(t)) revert DeadlinePassed(taskId, t.deadline);
        uint256 role = t.requiredRole;
        if (role != 0 && !_roles.isWearerOfHat(account, role)) revert NotRoleWearer(account, role);
        if (lapsed) _reopen(taskId, t);
    }

    function _reopen(uint256 taskId, Task storage t) private {
        emit TaskReopened(taskId, t.cellId, t.claimant);
        t.claimant = address(0);
        t.status = Status.Open;
    }
}
