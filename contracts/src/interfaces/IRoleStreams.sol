// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICellRegistry} from "./ICellRegistry.sol";
import {IRoles} from "./IRoles.sol";
import {ITreasury} from "./ITreasury.sol";

/// @title IRoleStreams
/// @notice Role payment streams: a stream pays each wearer of one role (a role of the paying cell or of a
/// cell below it) `amount` of `token` per `period` seconds, accrued per second for exactly the time the
/// wearer wears the role, within the stream's [start, end). Claims (by the wearer or anyone on their
/// behalf) are paid by the treasury module from the DAO's Safe, out of the paying cell's budget. Deployed
/// by the Treasury, which pays only this contract's claims.
///
/// Accrual. For a (stream, wearer) the contract keeps a checkpoint (the time up to which the wearer's
/// accrual has been settled), the owed amount not yet paid, and how many of the wearer's archived grants
/// it has read. Roles records, per (role, wearer), when the current or last grant began and ended (unix
/// seconds) and archives earlier intervals when the same wearer is granted the role again
/// (`IRoles.grantTimes`, `IRoles.pastGrant`). A settlement credits, for every grant interval not yet
/// settled, the part after the checkpoint and inside the stream's window, at the rate in force each
/// second (rate changes are kept as a history), then moves the checkpoint to now. So what a wearer
/// earned until their grant ended (revoke, renounce, transfer away, expiry) is credited to that wearer
/// whenever the settlement happens, and never to a later wearer of the same role (accrual is per
/// address, from that address's own grant times).
///
/// Live ineligibility. A grant that is still worn and unexpired is credited for the time since the
/// checkpoint only if the wearer wears the role at settlement (`isWearerOfHat`: active, eligible, good
/// standing). If not (a module says "ineligible", the role is toggled off, with no event), the time since
/// the checkpoint is forfeited and the checkpoint moves to now. Ended intervals (recorded by Roles at the
/// revoke, renounce, transfer or expiry) are credited in full. Anyone may settle (claim), so a cell that
/// wants an ineligible wearer's time forfeited settles them while they are ineligible.
///
/// Budget. Nothing is reserved up front: a claim counts as a spend in the paying budget's current
/// period, and pays the wearer min(owed, what the budget has left); the rest stays owed and is paid by
/// a later claim (the next period, or after new budget terms). A frozen cell pays nothing (claims revert
/// with the treasury's CellFrozen); accrual goes on. Accrual stops at the budget's expiry (as it stands
/// at settlement) and at the first clawback from the cell in the stream's token after the stream was
/// opened. A dissolved cell's streams end: anyone may close them.
///
/// Authority: the cell's own admin (a wearer of its admin role: its executor when vote-run) opens
/// streams and changes their rate and end; the cell's admin or its parent's admin closes them (anyone,
/// once the cell is dissolved). Changes never reach back: a new rate applies from the second it is set,
/// a new end cannot be in the past, and a close ends the stream now. What was accrued stays claimable.
interface IRoleStreams {
    /// @notice A stream as returned by `getStream`.
    struct StreamView {
        uint256 cellId;
        uint256 roleId;
        address token;
        uint256 amount; // per period, current rate
        uint256 period; // seconds
        uint256 start;
        uint256 end; // 0 = open-ended
        bool closed;
        uint256 rateSince; // when the current rate took effect
        uint256 rateChanges;
        uint256 openEpoch; // the treasury's clawback count for (cell, token) when opened
    }

    /// @notice The settled state of a (stream, wearer).
    struct AccrualView {
        uint256 checkpoint; // unix seconds settled up to (0 = never)
        uint256 pastIndex; // archived grants already read
        uint256 owed; // credited, not yet paid
        uint256 remainder; // credited amount*seconds not yet a whole unit (< period)
    }

    error NotCellAdmin(address account, uint256 cellId);
    error NotStreamCloser(address account, uint256 cellId);
    error CellNotFound(uint256 cellId);
    error CellDissolved(uint256 cellId);
    error RoleNotInCell(uint256 roleId, uint256 cellId);
    error ZeroRate();
    error AmountTooLarge(uint256 amount);
    error InvalidPeriod(uint256 period);
    error InvalidWindow(uint256 start, uint256 end);
    error StreamNotFound(uint256 streamId);
    error StreamEnded(uint256 streamId, uint256 end);
    error InvalidEnd(uint256 streamId, uint256 end);
    error OwedOverflow(uint256 streamId, address wearer);

    event StreamOpened(
        uint256 indexed streamId,
        uint256 indexed cellId,
        uint256 indexed roleId,
        address token,
        uint256 amount,
        uint256 period,
        uint256 start,
        uint256 end,
        address by
    );
    event StreamRateChanged(
        uint256 indexed streamId, uint256 indexed cellId, address indexed by, uint256 amount, uint256 at
    );
    event StreamEndChanged(uint256 indexed streamId, uint256 indexed cellId, address indexed by, uint256 end);
    event StreamClosed(uint256 indexed streamId, uint256 indexed cellId, address indexed by, uint256 end);
    /// @notice A settlement of `wearer` in `streamId` (one per wearer per claim): `credited` added to
    /// what is owed, `forfeitedSeconds` of an unexpired grant not credited because the wearer was not
    /// wearing the role at settlement, `paid` now by the treasury, `owed` still owed after it,
    /// `checkpoint` the time settled up to.
    event Claimed(
        uint256 indexed streamId,
        address indexed wearer,
        address indexed token,
        uint256 credited,
        uint256 forfeitedSeconds,
        uint256 paid,
        uint256 owed,
        uint256 checkpoint
    );

    /// @notice Opens a stream paying each wearer of `roleId` `amount` of `token` per `period` seconds from
    /// `cellId`'s budget, over [start, end) (start 0 = now; end 0 = open-ended). Cell admin only.
    /// `amount` is below 2^112 and at most 2^88 per second (`period << 88`).
    function open(
        uint256 cellId,
        uint256 roleId,
        address token,
        uint256 amount,
        uint256 period,
        uint256 start,
        uint256 end
    ) external returns (uint256 streamId);

    /// @notice Sets the rate from now on. Cell admin only; not once the stream has ended.
    function setRate(uint256 streamId, uint256 amount) external;

    /// @notice Moves the end (0 = open-ended; otherwise not before now and after the start). Cell admin
    /// only; not once the stream has ended.
    function setEnd(uint256 streamId, uint256 end) external;

    /// @notice Ends the stream now (or keeps an earlier end). The cell's admin or its parent's admin;
    /// anyone once the cell is dissolved.
    function close(uint256 streamId) external;

    /// @notice Settles `wearer` and pays what is owed, as far as the budget allows. Anyone.
    function claim(uint256 streamId, address wearer) external returns (uint256 paid);

    /// @notice `claim` for several wearers in one call, one budget update for all of them.
    function claimMany(uint256 streamId, address[] calldata wearers) external returns (uint256 paid);

    function registry() external view returns (ICellRegistry);
    function roles() external view returns (IRoles);
    function treasury() external view returns (ITreasury);
    function streamCount() external view returns (uint256);
    function getStream(uint256 streamId) external view returns (StreamView memory);
    function accrualOf(uint256 streamId, address wearer) external view returns (AccrualView memory);
    /// @notice What a claim would owe `wearer` now, before the budget limit: the settled owed plus what a
    /// settlement now would credit.
    function claimable(uint256 streamId, address wearer) external view returns (uint256);
}
