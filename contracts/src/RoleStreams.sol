// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellRegistry} from "./interfaces/ICellRegistry.sol";
import {IRoleStreams} from "./interfaces/IRoleStreams.sol";
import {IRoles} from "./interfaces/IRoles.sol";
import {ITreasury} from "./interfaces/ITreasury.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title RoleStreams
/// @notice Role payment streams out of cell budgets, paid through the Treasury that deploys this
/// contract (the only one it pays stream claims for). See IRoleStreams for the accrual, ineligibility,
/// budget and authority rules.
///
/// Storage:
///
///   _streams[streamId]                                                          three slots
///   slot 0 ┌──────────────────┬──────────────┬──────────────┬─────────────┬────────────────┐
///          │ token address    │ start uint40 │ end uint40   │ closed bool │ otherCell bool │ (256 bits)
///          └──────────────────┴──────────────┴──────────────┴─────────────┴────────────────┘
///   slot 1 ┌──────────────────┬──────────────┬──────────────┬───────────────┬──────────────────┐
///          │ amount uint112   │ period uint32│ rateSince u40│ rateCount u32 │ openEpoch uint32 │ (248 bits)
///          └──────────────────┴──────────────┴──────────────┴───────────────┴──────────────────┘
///   slot 2 │ roleId uint256 │
///
///   _payingCell[streamId]  the paying cell, written only when it is not the role's own cell (otherCell:
///                          a role of a cell below it); otherwise it is the role's tree's top role
///
///   _rates[streamId][i]   the i-th past rate: from uint40 | amount uint112 << 40 (in force from `from`
///                         until the next one's `from`, the last until `rateSince`)
///
///   _accruals[streamId][wearer]                                                 one slot
///   ┌──────────────────┬────────────────┬──────────────────┬────────────────────┐
///   │ checkpoint uint40│ pastIndex u32  │ owed uint128     │ remainder uint32   │ (232 bits)
///   └──────────────────┴────────────────┴──────────────────┴────────────────────┘
///   remainder: credited amount*seconds not yet a whole token unit (< period), so no dust is lost.
contract RoleStreams is IRoleStreams, ReentrancyGuardTransient {
    struct Stream {
        address token;
        uint40 start;
        uint40 end;
        bool closed;
        bool otherCell;
        uint112 amount;
        uint32 period;
        uint40 rateSince;
        uint32 rateCount;
        uint32 openEpoch;
        uint256 roleId;
    }

    struct Accrual {
        uint40 checkpoint;
        uint32 pastIndex;
        uint128 owed;
        uint32 remainder;
    }

    uint256 private constant TREE_MASK = uint256(type(uint32).max) << 224;
    /// @dev Bounds the walk from a role's cell up to the paying cell.
    uint256 private constant MAX_CELL_DEPTH = 64;

    /// @inheritdoc IRoleStreams
    ICellRegistry public immutable registry;
    /// @inheritdoc IRoleStreams
    IRoles public immutable roles;
    /// @inheritdoc IRoleStreams
    ITreasury public immutable treasury;

    /// @inheritdoc IRoleStreams
    uint256 public streamCount;
    mapping(uint256 streamId => Stream) private _streams;
    mapping(uint256 streamId => uint256 cellId) private _payingCell;
    mapping(uint256 streamId => mapping(uint256 index => uint256)) private _rates;
    mapping(uint256 streamId => mapping(address wearer => Accrual)) private _accruals;

    constructor(ICellRegistry registry_, ITreasury treasury_) {
        registry = registry_;
        roles = registry_.roles();
        treasury = treasury_;
    }

    /*//////////////////////////////////////////////////////////////
                                STREAMS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoleStreams
    function open(
        uint256 cellId,
        uint256 roleId,
        address token,
        uint256 amount,
        uint256 period,
        uint256 start,
        uint256 end
    ) external returns (uint256 streamId) {
        if (!roles.isWearerOfHat(msg.sender, cellId)) revert NotCellAdmin(msg.sender, cellId);
        if (registry.phaseOf(cellId) == ICellRegistry.Phase.Dissolved) revert CellDissolved(cellId);
        _checkRoleInCell(roleId, cellId);
        if (period == 0 || period > type(uint32).max) revert InvalidPeriod(period);
        _checkRate(amount, period);
        if (start == 0) start = block.timestamp;
        if (
            start < block.timestamp || start > type(uint40).max
                || (end != 0 && (end <= start || end > type(uint40).max))
        ) {
            revert InvalidWindow(start, end);
        }
        streamId = ++streamCount;
        Stream storage s = _streams[streamId];
        s.token = token;
        s.start = uint40(start);
        s.end = uint40(end);
        s.amount = uint112(amount);
        s.period = uint32(period);
        s.rateSince = uint40(start);
        s.openEpoch = uint32(treasury.streamEpoch(cellId, token));
        s.roleId = roleId;
        if (roleId & TREE_MASK != cellId) {
            s.otherCell = true;
            _payingCell[streamId] = cellId;
        }
        emit StreamOpened(streamId, cellId, roleId, token, amount, period, start, end, msg.sender);
    }

    /// @inheritdoc IRoleStreams
    function setRate(uint256 streamId, uint256 amount) external {
        Stream storage s = _live(streamId);
        uint256 cellId = _cellOfStored(streamId, s);
        if (!roles.isWearerOfHat(msg.sender, cellId)) revert NotCellAdmin(msg.sender, cellId);
        _checkRate(amount, s.period);
        uint32 count = s.rateCount;
        _rates[streamId][count] = uint256(s.rateSince) | (uint256(s.amount) << 40);
        s.rateCount = count + 1;
        s.rateSince = uint40(block.timestamp);
        s.amount = uint112(amount);
        emit StreamRateChanged(streamId, cellId, msg.sender, amount, block.timestamp);
    }

    /// @inheritdoc IRoleStreams
    function setEnd(uint256 streamId, uint256 end) external {
        Stream storage s = _live(streamId);
        uint256 cellId = _cellOfStored(streamId, s);
        if (!roles.isWearerOfHat(msg.sender, cellId)) revert NotCellAdmin(msg.sender, cellId);
        if (end != 0 && (end < block.timestamp || end <= s.start || end > type(uint40).max)) {
            revert InvalidEnd(streamId, end);
        }
        s.end = uint40(end);
        emit StreamEndChanged(streamId, cellId, msg.sender, end);
    }

    /// @inheritdoc IRoleStreams
    function close(uint256 streamId) external {
        Stream storage s = _stream(streamId);
        uint256 cellId = _cellOfStored(streamId, s);
        if (
            !roles.isWearerOfHat(msg.sender, cellId) && !registry.isParentAdmin(msg.sender, cellId)
                && registry.phaseOf(cellId) != ICellRegistry.Phase.Dissolved
        ) revert NotStreamCloser(msg.sender, cellId);
        if (s.closed) revert StreamEnded(streamId, s.end);
        uint256 end = s.end;
        if (end == 0 || end > block.timestamp) {
            end = block.timestamp;
            // A stream not started yet ends at its start: nothing accrues.
            if (end < s.start) end = s.start;
            s.end = uint40(end);
        }
        s.closed = true;
        emit StreamClosed(streamId, cellId, msg.sender, end);
    }

    /*//////////////////////////////////////////////////////////////
                                 CLAIMS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoleStreams
    function claim(uint256 streamId, address wearer) external nonReentrant returns (uint256 paid) {
        Stream memory s = _stream(streamId);
        uint256 cellId = _cellOf(streamId, s);
        uint256 effEnd = _effectiveEnd(s, cellId);
        Accrual storage slot = _accruals[streamId][wearer];
        Accrual memory acc = slot;
        (uint256 credited, uint256 forfeited) = _settle(streamId, s, acc, wearer, effEnd);
        uint256 owed = acc.owed;
        // Optimistically paid in full: written before the treasury call, corrected below if short.
        acc.owed = 0;
        _store(slot, acc);
        if (owed != 0) {
            paid = treasury.payStreamOne(cellId, s.token, streamId, wearer, owed);
            // slither-disable-next-line reentrancy-no-eth -- nonReentrant (claim and claimMany share the guard); the claim was stored as paid in full before the call, this only puts back the part the budget could not pay
            if (paid != owed) slot.owed = uint128(owed - paid);
        }
        emit Claimed(streamId, wearer, s.token, credited, forfeited, paid, owed - paid, block.timestamp);
    }

    /// @inheritdoc IRoleStreams
    function claimMany(uint256 streamId, address[] calldata wearers) external nonReentrant returns (uint256 paid) {
        Stream memory s = _stream(streamId);
        uint256 cellId = _cellOf(streamId, s);
        (uint256[] memory owed, uint256[] memory credited, uint256[] memory forfeited) =
            _settleAll(streamId, s, _effectiveEnd(s, cellId), wearers);
        uint256[] memory paidEach = treasury.payStream(cellId, s.token, streamId, wearers, owed);
        for (uint256 i; i < wearers.length; ++i) {
            uint256 p = paidEach[i];
            paid += p;
            // slither-disable-next-line reentrancy-no-eth -- nonReentrant (shared with claim); every wearer was stored as paid in full before the call, this only puts back the part the budget could not pay
            if (p != owed[i]) _accruals[streamId][wearers[i]].owed += uint128(owed[i] - p);
            emit Claimed(streamId, wearers[i], s.token, credited[i], forfeited[i], p, owed[i] - p, block.timestamp);
        }
    }

    /// @dev Settles each wearer and records them as paid in full (a wearer listed twice is owed nothing
    /// the second time); returns what each is owed, credited and forfeited.
    function _settleAll(uint256 streamId, Stream memory s, uint256 effEnd, address[] calldata wearers)
        private
        returns (uint256[] memory owed, uint256[] memory credited, uint256[] memory forfeited)
    {
        uint256 n = wearers.length;
        owed = new uint256[](n);
        credited = new uint256[](n);
        forfeited = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            Accrual storage slot = _accruals[streamId][wearers[i]];
            Accrual memory acc = slot;
            (credited[i], forfeited[i]) = _settle(streamId, s, acc, wearers[i], effEnd);
            owed[i] = acc.owed;
            acc.owed = 0;
            _store(slot, acc);
        }
    }

    /*//////////////////////////////////////////////////////////////
                                 READS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoleStreams
    function getStream(uint256 streamId) external view returns (StreamView memory v) {
        Stream memory s = _stream(streamId);
        v = StreamView({
            cellId: _cellOf(streamId, s),
            roleId: s.roleId,
            token: s.token,
            amount: s.amount,
            period: s.period,
            start: s.start,
            end: s.end,
            closed: s.closed,
            rateSince: s.rateSince,
            rateChanges: s.rateCount,
            openEpoch: s.openEpoch
        });
    }

    /// @inheritdoc IRoleStreams
    function accrualOf(uint256 streamId, address wearer) external view returns (AccrualView memory) {
        Accrual memory a = _accruals[streamId][wearer];
        return AccrualView(a.checkpoint, a.pastIndex, a.owed, a.remainder);
    }

    /// @inheritdoc IRoleStreams
    function claimable(uint256 streamId, address wearer) external view returns (uint256) {
        Stream memory s = _stream(streamId);
        Accrual memory acc = _accruals[streamId][wearer];
        _settle(streamId, s, acc, wearer, _effectiveEnd(s, _cellOf(streamId, s)));
        return acc.owed;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    function _cellOf(uint256 streamId, Stream memory s) private view returns (uint256) {
        return s.otherCell ? _payingCell[streamId] : s.roleId & TREE_MASK;
    }

    function _cellOfStored(uint256 streamId, Stream storage s) private view returns (uint256) {
        return s.otherCell ? _payingCell[streamId] : s.roleId & TREE_MASK;
    }

    function _stream(uint256 streamId) private view returns (Stream storage s) {
        s = _streams[streamId];
        if (s.period == 0) revert StreamNotFound(streamId);
    }

    /// @dev A stream that may still change: not closed and not past its end.
    function _live(uint256 streamId) private view returns (Stream storage s) {
        s = _stream(streamId);
        uint256 end = s.end;
        if (s.closed || (end != 0 && end <= block.timestamp)) revert StreamEnded(streamId, end);
    }

    /// @dev A rate is at most 2^112 - 1 per period and 2^88 per second, so a wearer's owed (uint128) holds
    /// 2^40 seconds (every uint40 timestamp) of accrual.
    function _checkRate(uint256 amount, uint256 period) private pure {
        if (amount == 0) revert ZeroRate();
        if (amount > type(uint112).max || amount > period << 88) revert AmountTooLarge(amount);
    }

    /// @dev `roleId` is in `cellId`'s tree or in the tree of a cell below it (a cell's id is the top
    /// role of its own tree, so a role's cell is its tree's top role).
    function _checkRoleInCell(uint256 roleId, uint256 cellId) private view {
        uint256 c = roleId & TREE_MASK;
        if (c == cellId && c != 0) return; // the cell's own tree (the caller wears its admin role)
        if (roleId == 0 || c == 0 || !registry.cellExists(c)) revert RoleNotInCell(roleId, cellId);
        for (uint256 depth; depth < MAX_CELL_DEPTH; ++depth) {
            if (c == cellId) return;
            c = registry.parentOf(c);
            if (c == 0) break;
        }
        revert RoleNotInCell(roleId, cellId);
    }

    /// @dev The last second accrual counts to: now, the stream's end, the budget's expiry and the first
    /// clawback after the stream was opened, whichever comes first.
    function _effectiveEnd(Stream memory s, uint256 cellId) private view returns (uint256 effEnd) {
        effEnd = block.timestamp;
        if (s.end != 0 && s.end < effEnd) effEnd = s.end;
        (uint256 expiry, uint256 stoppedAt) = treasury.streamLimits(cellId, s.token, s.openEpoch);
        if (expiry != 0 && expiry < effEnd) effEnd = expiry;
        if (stoppedAt != 0 && stoppedAt < effEnd) effEnd = stoppedAt;
    }

    /// @dev Settles `wearer` into `acc` (in memory): credits every grant interval not yet settled (the
    /// archived ones from `acc.pastIndex`, then the last or current one) after the checkpoint and before
    /// `effEnd`, then moves the checkpoint to now. An unexpired worn grant is credited only if the wearer
    /// wears the role now; otherwise its time since the checkpoint is forfeited.
    function _settle(uint256 streamId, Stream memory s, Accrual memory acc, address wearer, uint256 effEnd)
        private
        view
        returns (uint256 credited, uint256 forfeited)
    {
        uint256 lo = acc.checkpoint > s.start ? acc.checkpoint : s.start;
        uint256 scaled;
        uint32 pastCount;
        (scaled, forfeited, pastCount) = _grantsScaled(streamId, s, acc.pastIndex, wearer, lo, effEnd);
        if (scaled != 0) {
            scaled += acc.remainder;
            uint256 period = s.period;
            credited = scaled / period;
            // slither-disable-next-line weak-prng -- not randomness: the remainder below one base unit of rate x seconds, carried to the next settlement so no rounding is lost
            acc.remainder = uint32(scaled % period);
            uint256 owed = uint256(acc.owed) + credited;
            if (owed > type(uint128).max) revert OwedOverflow(streamId, wearer);
            acc.owed = uint128(owed);
        }
        acc.pastIndex = pastCount;
        acc.checkpoint = uint40(block.timestamp);
    }

    /// @dev amount*seconds over the wearer's grant intervals in [lo, effEnd): the archived ones from
    /// `pastIndex`, then the last or current one (see `_settle`).
    function _grantsScaled(
        uint256 streamId,
        Stream memory s,
        uint256 pastIndex,
        address wearer,
        uint256 lo,
        uint256 effEnd
    ) private view returns (uint256 scaled, uint256 forfeited, uint32 pastCount) {
        uint256 a;
        uint256 b;
        (a, b, forfeited, pastCount) = _lastInterval(s.roleId, wearer, lo, effEnd);
        for (uint256 i = pastIndex; i < pastCount; ++i) {
            scaled += _pastScaled(streamId, s, wearer, i, lo, effEnd);
        }
        scaled += _accrue(streamId, s, a, b);
    }

    /// @dev The part of the wearer's current or last grant to credit, [a, b) (empty when b <= a), and the
    /// seconds forfeited when the grant is worn and unexpired but the wearer does not wear the role now.
    function _lastInterval(uint256 roleId, address wearer, uint256 lo, uint256 effEnd)
        private
        view
        returns (uint256 a, uint256 b, uint256 forfeited, uint32 pastCount)
    {
        (uint40 start, uint40 end, uint64 expiry, uint32 count, bool worn, bool wearing) =
            roles.grantTimes(roleId, wearer);
        pastCount = count;
        if (start == 0) return (0, 0, 0, count);
        a = start > lo ? start : lo;
        if (!worn) {
            b = end;
        } else if (expiry != 0 && expiry <= block.timestamp) {
            b = expiry; // ended by its term: a recorded end
        } else if (wearing) {
            b = block.timestamp;
        } else if (effEnd > a) {
            forfeited = effEnd - a; // the time since the checkpoint, not credited
        }
        if (b > effEnd) b = effEnd;
    }

    function _pastScaled(uint256 streamId, Stream memory s, address wearer, uint256 i, uint256 lo, uint256 effEnd)
        private
        view
        returns (uint256)
    {
        (uint40 a, uint40 b) = roles.pastGrant(s.roleId, wearer, i);
        return _accrue(streamId, s, a > lo ? a : lo, b < effEnd ? b : effEnd);
    }

    /// @dev Sum over [a, b) of the rate in force each second (amount * seconds), walking the rate history
    /// back from the current rate.
    function _accrue(uint256 streamId, Stream memory s, uint256 a, uint256 b) private view returns (uint256 scaled) {
        if (b <= a) return 0;
        uint256 hi = b;
        uint256 from = s.rateSince;
        uint256 amount = s.amount;
        uint256 i = s.rateCount;
        while (true) {
            uint256 lo = from > a ? from : a;
            if (hi > lo) scaled += amount * (hi - lo);
            if (from <= a || i == 0) break;
            if (from < hi) hi = from;
            unchecked {
                --i;
            }
            uint256 word = _rates[streamId][i];
            from = uint40(word);
            amount = word >> 40;
        }
    }

    /// @dev Writes `acc` in one SSTORE (the layout drawn above).
    function _store(Accrual storage slot, Accrual memory acc) private {
        uint256 word = uint256(acc.checkpoint) | (uint256(acc.pastIndex) << 40) | (uint256(acc.owed) << 72)
            | (uint256(acc.remainder) << 200);
        assembly ("memory-safe") {
            sstore(slot.slot, word)
        }
    }
}
