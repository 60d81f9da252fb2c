// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICellRegistry} from "./ICellRegistry.sol";

/// @notice The part of a Safe 1.4.1 the treasury module uses.
interface ISafeModuleManager {
    /// @dev `operation` 0 = CALL, 1 = DELEGATECALL. The treasury only ever passes 0.
    function execTransactionFromModule(address to, uint256 value, bytes calldata data, uint8 operation)
        external
        returns (bool success);

    function isModuleEnabled(address module) external view returns (bool);
}

/// @title ITreasury
/// @notice A Safe 1.4.1 module, one per chain, holding the budgets of every DAO that enables it. Each DAO's
/// funds stay in the DAO's own Safe; the module only moves them, by CALL, within budgets that flow down the
/// DAO's cell tree.
///
/// Budget model, per (cell, token) (token address(0) = ETH):
/// - Terms: `amount` per period, `period` seconds (at least one hour), `start`, `expiry` (0 = none). Period
///   `i` is [start + i*period, start + (i+1)*period). Set by the parent's admin (`isParentAdmin`), for a
///   DAO root by its own admin (community governance).
/// - Usage in the current period: `spent`, `subAllocated` (handed to children), `reserved` (task bounties
///   set aside; carried across periods until paid or released). Spent and subAllocated restart at 0 in
///   each period.
/// - A DAO root's cap in each period is its `amount`. A child cell is FUNDED: its cap is `received`,
///   what its parent sub-allocated to it in the child's current period (at most `amount`, the ceiling its
///   parent's admin set), plus its carried reservations. Unused allocation lapses at the end of the
///   child's period (it stays counted in the parent's period that gave it).
/// - Always: spent + subAllocated + reserved <= cap (amount for a root, received <= amount for a child).
///   A sub-allocation counts in the parent's subAllocated, so a child never holds more than the level
///   above handed down.
/// - Clawback (the parent's admin) takes back a child's unspent allocation; the part given in the
///   parent's and the child's current periods, by the current parent, returns to the parent's remainder.
/// - Freeze (the parent's admin): a frozen cell spends, sub-allocates, reserves and pays nothing.
///   Freezing is per cell: a frozen cell's children keep what they already received (freeze them too,
///   or claw back). A dissolved cell gets no new budget terms, allocations or tasks; what it still
///   holds is the parent's to claw back (or freeze) at dissolution.
///
/// Authority: money moves only at the request of the cell's OWN authority: a wearer of the cell's admin
/// role (its executor when the cell is vote-run) or of the treasurer role the cell named; bounties only
/// through the task board this treasury deployed, which checks the cell's admin.
///
/// Lessons taken from Safe's AllowanceModule and Safe 1.4.1: periods are any length from one hour up to
/// 2^32 s (no 65,535-minute cap, no zero period, so no division by zero); budgets are keyed by the full
/// cell id and token address (no truncated keys to collide); calls are authorised by msg.sender's roles
/// (no relayed signatures to front-run or replay); payments are CALL only (a DELEGATECALL could rewrite
/// the Safe's owners and modules). A Safe guard does not see module transactions: the budgets here are
/// the only limit on what the module pays, and a DAO's owners stop it by disabling the module.
///
/// Tokens: ERC-20s whose `transfer` credits the recipient exactly the amount (returning true or nothing).
/// Fee-on-transfer and rebasing tokens are UNSUPPORTED: every ERC-20 payment checks the recipient's balance
/// rose by exactly the amount and reverts otherwise; a token returning false moves nothing and fails the
/// same check.
interface ITreasury {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice A budget's terms and its usage in the current period, as of the call.
    struct BudgetView {
        uint256 amount;
        uint256 period;
        uint256 start;
        uint256 expiry;
        bool funded;
        bool active;
        uint256 periodIndex;
        uint256 spent;
        uint256 subAllocated;
        uint256 reserved;
        uint256 received;
        uint256 cap;
        uint256 available;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error NotDaoAdmin(address account, uint256 daoId);
    error NotDaoRoot(uint256 cellId);
    error NotParentAdmin(address account, uint256 cellId);
    error NotCellAuthority(address account, uint256 cellId);
    error NotCellAdmin(address account, uint256 cellId);
    error NotTaskBoard(address account);
    error CellNotFound(uint256 cellId);
    error CellDissolved(uint256 cellId);
    error ModuleNotEnabled(address safe);
    error SafeNotConsenting(address safe, uint256 daoId);
    error SafeNotRegistered(uint256 daoId);
    error NoBudget(uint256 cellId, address token);
    error BudgetInactive(uint256 cellId, address token);
    error PeriodTooShort(uint256 period);
    error InvalidExpiry(uint256 start, uint256 expiry);
    error AmountTooLarge(uint256 amount);
    error ZeroAmount();
    error ZeroAddress();
    error BudgetBelowCommitted(uint256 cellId, address token, uint256 amount, uint256 committed);
    error InsufficientBudget(uint256 cellId, address token, uint256 available, uint256 amount);
    error ExceedsChildCeiling(uint256 childCellId, address token, uint256 ceilingLeft, uint256 amount);
    error ExceedsUnspent(uint256 childCellId, address token, uint256 unspent, uint256 amount);
    error ExceedsReserved(uint256 cellId, address token, uint256 reserved, uint256 amount);
    error NotChildOf(uint256 childCellId, uint256 parentCellId);
    error NotFundedCell(uint256 cellId);
    error CellFrozen(uint256 cellId);
    error InvalidTreasurerRole(uint256 cellId, uint256 roleId);
    error TooManyBudgetTokens(uint256 cellId, uint256 max);
    error PaymentFailed(address safe, address token, address to, uint256 amount);
    error BalanceUnreadable(address token);
    error BalanceMismatch(address token, address to, uint256 expected, uint256 received);
    error NotStreams(address account);
    error LengthMismatch(uint256 recipients, uint256 amounts);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A Safe consented to serve `daoId` (called by the Safe itself).
    event SafeApproved(address indexed safe, uint256 indexed daoId, bool approved);
    event SafeRegistered(uint256 indexed daoId, address indexed safe, address indexed by);
    event TreasurerRoleSet(uint256 indexed cellId, uint256 indexed roleId, address indexed by);
    /// @dev `periodIndex` is the period the carried usage now belongs to.
    event BudgetSet(
        uint256 indexed cellId,
        address indexed token,
        address indexed by,
        uint256 amount,
        uint256 period,
        uint256 start,
        uint256 expiry,
        bool funded,
        uint256 periodIndex
    );
    event CellFrozenSet(uint256 indexed cellId, address indexed by, bool frozen);
    event Spent(
        uint256 indexed cellId,
        address indexed token,
        address indexed to,
        uint256 amount,
        uint256 periodIndex,
        address by,
        string memoURI,
        bytes32 ref
    );
    event SubAllocated(
        uint256 indexed parentCellId,
        address indexed token,
        uint256 indexed childCellId,
        uint256 amount,
        uint256 parentPeriodIndex,
        uint256 childPeriodIndex,
        address by
    );
    /// @dev `returnedToParent` is the part added back to the parent's remainder in `parentPeriodIndex`.
    event ClawedBack(
        uint256 indexed childCellId,
        address indexed token,
        uint256 indexed parentCellId,
        uint256 amount,
        uint256 returnedToParent,
        uint256 childPeriodIndex,
        uint256 parentPeriodIndex,
        address by
    );
    event BountyReserved(
        uint256 indexed cellId, address indexed token, uint256 indexed taskId, uint256 amount, uint256 periodIndex
    );
    event BountyReleased(
        uint256 indexed cellId, address indexed token, uint256 indexed taskId, uint256 amount, uint256 periodIndex
    );
    event BountyPaid(
        uint256 indexed cellId,
        address indexed token,
        address indexed to,
        uint256 taskId,
        uint256 amount,
        uint256 periodIndex
    );

    /// @notice A role payment stream's claim paid out of the cell's budget (counted as spent in
    /// `periodIndex`). Emitted by the treasury, next to RoleStreams' `Claimed`.
    event StreamPaid(
        uint256 indexed cellId,
        address indexed token,
        address indexed to,
        uint256 streamId,
        uint256 amount,
        uint256 periodIndex
    );
    /// @notice A clawback ended the accrual of the cell's streams in `token` opened before it; `epoch`
    /// is the cell's clawback count in that token after it.
    event StreamsStopped(uint256 indexed cellId, address indexed token, uint256 epoch, uint256 at);

    /*//////////////////////////////////////////////////////////////
                                 WRITES
    //////////////////////////////////////////////////////////////*/

    /// @notice Called by a Safe to consent to serve `daoId` (needed when the Safe does not itself wear
    /// the DAO's top role).
    function approveDao(uint256 daoId, bool approved) external;

    /// @notice Binds `daoId` (a DAO root) to `safe`. The caller wears the DAO's top role; the module is
    /// enabled on `safe`; and the Safe consents: it is the caller, or it wears the DAO's top role, or
    /// it called `approveDao(daoId, true)`.
    function registerSafe(uint256 daoId, address safe) external;

    /// @notice Names the cell's treasurer role, a direct child of the cell's admin role (0 clears). Cell
    /// admin only.
    function setTreasurerRole(uint256 cellId, uint256 roleId) external;

    /// @notice Sets the terms of `cellId`'s budget in `token`. Parent admin only (a DAO root: its own admin).
    /// The current period's usage is kept; `amount` must cover it. A cell holds budgets in at most 64 tokens
    /// (so that a freeze, written into each, always fits in a block).
    function setBudget(uint256 cellId, address token, uint256 amount, uint256 period, uint256 start, uint256 expiry)
        external;

    /// @notice Freezes or unfreezes the cell. Parent admin only.
    function setFrozen(uint256 cellId, bool frozen) external;

    /// @notice Pays `amount` of `token` from the DAO's Safe to `to`, out of the cell's remainder. The
    /// cell's admin or treasurer.
    function spend(uint256 cellId, address token, address to, uint256 amount, string calldata memoURI, bytes32 ref)
        external;

    /// @notice Hands `amount` of the parent's remainder to child `childCellId`. The parent's admin or
    /// treasurer.
    function subAllocate(uint256 parentCellId, uint256 childCellId, address token, uint256 amount) external;

    /// @notice Takes back `amount` of the child's unspent allocation. The child's parent admin.
    function clawback(uint256 childCellId, address token, uint256 amount) external;

    /// @notice Task board only: sets aside a bounty in the cell's budget.
    function reserveBounty(uint256 cellId, address token, uint256 amount, uint256 taskId) external;

    /// @notice Task board only: gives a reservation back to the cell's remainder.
    function releaseBounty(uint256 cellId, address token, uint256 amount, uint256 taskId) external;

    /// @notice Task board only: pays a reserved bounty to `to` from the DAO's Safe.
    function payBounty(uint256 cellId, address token, address to, uint256 amount, uint256 taskId) external;

    /// @notice Streams contract only: pays up to `amounts[i]` of `token` to `to[i]` from the DAO's Safe out
    /// of the cell's remainder in the current period, in order, each payment counted as spent; returns
    /// what was paid to each (less than asked when the remainder runs short, 0 when the budget is not
    /// active). Reverts when the cell is frozen.
    function payStream(
        uint256 cellId,
        address token,
        uint256 streamId,
        address[] calldata to,
        uint256[] calldata amounts
    ) external returns (uint256[] memory paid);

    /// @notice Streams contract only: pays up to `amount` to one wearer (see `payStream`).
    function payStreamOne(uint256 cellId, address token, uint256 streamId, address to, uint256 amount)
        external
        returns (uint256 paid);

    /*//////////////////////////////////////////////////////////////
                                 READS
    //////////////////////////////////////////////////////////////*/

    /// @notice What bounds the accrual of a stream of `cellId` in `token` opened when the cell's clawback
    /// count in that token was `openEpoch`: the budget's expiry (0 = none) and the time of the first
    /// clawback after the opening (0 = none yet).
    function streamLimits(uint256 cellId, address token, uint256 openEpoch)
        external
        view
        returns (uint256 expiry, uint256 stoppedAt);

    /// @notice How many clawbacks `cellId` has had in `token` (streams record it when opened).
    function streamEpoch(uint256 cellId, address token) external view returns (uint256);

    function streams() external view returns (address);
    function registry() external view returns (ICellRegistry);
    function taskBoard() external view returns (address);
    function safeOf(uint256 daoId) external view returns (address);
    function safeApproved(address safe, uint256 daoId) external view returns (bool);
    function treasurerRoleOf(uint256 cellId) external view returns (uint256);
    function isFrozen(uint256 cellId) external view returns (bool);
    /// @notice The tokens `cellId` has had a budget in, in the order they were first set (at most 64).
    function budgetTokensOf(uint256 cellId) external view returns (address[] memory);
    /// @notice What the cell may still spend, sub-allocate or reserve in `token` in the current period.
    function available(uint256 cellId, address token) external view returns (uint256);
    function getBudget(uint256 cellId, address token) external view returns (BudgetView memory);
}
