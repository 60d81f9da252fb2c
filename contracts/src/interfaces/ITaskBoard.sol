// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICellRegistry} from "./ICellRegistry.sol";
import {ITreasury} from "./ITreasury.sol";

/// @title ITaskBoard
/// @notice Tasks of every cell: a defined deliverable with a bounty reserved in the cell's treasury budget.
///
/// Lifecycle:
///   create (cell admin; reserves the bounty) -> Open
///   Open -> claim (a wearer of the required role, anyone if none) / assign (cell admin) -> Claimed
///   Claimed -> submit (the claimant, by the deadline) -> Submitted
///   Submitted -> approve (cell admin; pays the bounty from the reservation) -> Paid
///   Submitted -> reject (cell admin, with a reason) -> Claimed (the claimant may resubmit)
///   Open | Claimed | Submitted -> cancel (cell admin; releases the reservation) -> Cancelled
///   Claimed past the deadline -> reopen (anyone) -> Open; it is treated as open meanwhile
/// A deadline bounds claiming and submitting; a deliverable submitted in time is reviewed after it.
/// The cell admin can move the deadline (`setDeadline`).
interface ITaskBoard {
    enum Status {
        None,
        Open,
        Claimed,
        Submitted,
        Paid,
        Cancelled
    }

    /// @dev Storage layout (4 slots + 3 for the hashes and role):
    ///  slot 0 | cellId uint256 |
    ///  slot 1 | token address | deadline uint64 | status uint8 |
    ///  slot 2 | claimant address |
    ///  slot 3 | bounty uint256 |
    ///  slot 4 | requiredRole uint256 |  slot 5 | specHash |  slot 6 | deliverableHash |
    struct Task {
        uint256 cellId;
        address token;
        uint64 deadline;
        Status status;
        address claimant;
        uint256 bounty;
        uint256 requiredRole;
        bytes32 specHash;
        bytes32 deliverableHash;
    }

    error NotCellAdmin(address account, uint256 cellId);
    error CellDissolved(uint256 cellId);
    error NotClaimant(address account, uint256 taskId);
    error NotRoleWearer(address account, uint256 roleId);
    error TaskNotFound(uint256 taskId);
    error WrongStatus(uint256 taskId, Status status);
    error DeadlinePassed(uint256 taskId, uint256 deadline);
    error DeadlineNotPassed(uint256 taskId, uint256 deadline);
    error InvalidDeadline(uint256 deadline);
    error ZeroBounty();
    error ZeroAddress();

    event TaskCreated(
        uint256 indexed taskId,
        uint256 indexed cellId,
        address indexed token,
        uint256 bounty,
        uint256 requiredRole,
        uint64 deadline,
        string specURI,
        bytes32 specHash,
        address by
    );
    event TaskClaimed(uint256 indexed taskId, uint256 indexed cellId, address indexed claimant);
    event TaskAssigned(uint256 indexed taskId, uint256 indexed cellId, address indexed claimant, address by);
    event TaskSubmitted(
        uint256 indexed taskId, uint256 indexed cellId, address indexed claimant, string uri, bytes32 contentHash
    );
    event TaskRejected(
        uint256 indexed taskId, uint256 indexed cellId, address indexed claimant, string reason, address by
    );
    event TaskApproved(
        uint256 indexed taskId,
        uint256 indexed cellId,
        address indexed claimant,
        address token,
        uint256 bounty,
        address by
    );
    event TaskCancelled(uint256 indexed taskId, uint256 indexed cellId, address indexed claimant, address by);
    /// @dev `claimant` is the one whose claim lapsed.
    event TaskReopened(uint256 indexed taskId, uint256 indexed cellId, address indexed claimant);
    event TaskDeadlineSet(uint256 indexed taskId, uint256 indexed cellId, uint64 deadline, address by);

    /// @notice Creates a task in `cellId` and reserves its bounty in the cell's budget. Cell admin only.
    /// @param requiredRole 0 for none. @param deadline 0 for none, else a future unix time.
    function createTask(
        uint256 cellId,
        string calldata specURI,
        bytes32 specHash,
        address token,
        uint256 bounty,
        uint256 requiredRole,
        uint64 deadline
    ) external returns (uint256 taskId);

    function claim(uint256 taskId) external;
    function assign(uint256 taskId, address claimant) external;
    function submit(uint256 taskId, string calldata uri, bytes32 contentHash) external;
    function approve(uint256 taskId) external;
    function reject(uint256 taskId, string calldata reason) external;
    function cancel(uint256 taskId) external;
    function reopen(uint256 taskId) external;
    function setDeadline(uint256 taskId, uint64 deadline) external;

    function registry() external view returns (ICellRegistry);
    function treasury() external view returns (ITreasury);
    function taskCount() external view returns (uint256);
    function getTask(uint256 taskId) external view returns (Task memory);
    /// @notice The status as it acts now: a Claimed task past its deadline reads Open.
    function statusOf(uint256 taskId) external view returns (Status);
}
