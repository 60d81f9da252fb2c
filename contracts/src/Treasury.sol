// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RoleStreams} from "./RoleStreams.sol";
import {TaskBoard} from "./TaskBoard.sol";
import {ICellRegistry} from "./interfaces/ICellRegistry.sol";
import {IRoles} from "./interfaces/IRoles.sol";
import {ISafeModuleManager, ITreasury} from "./interfaces/ITreasury.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title Treasury
/// @notice Safe 1.4.1 module: budgets per (cell, token) that flow down each DAO's cell tree, spends,
/// sub-allocations, clawbacks and freezes, and task bounties (through the TaskBoard it deploys). Funds stay
/// in each DAO's Safe; payments are `execTransactionFromModule(..., CALL)` only. See ITreasury for the model.
contract Treasury is ITreasury, ReentrancyGuardTransient {
    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev Budget of one (cell, token). Amounts are uint112 (5.1e33: a 1e15-supply token with 18
    /// decimals fits); periods are at least an hour, so a uint32 period index lasts past 2^40 seconds.
    ///
    ///  slot 0  | left uint112 | periodTag uint32 | hotUntil uint32 | daoTree uint32 | frozen bool
    ///          | funded bool | funderTree uint32 |                                           (256 bits)
    ///  slot 1  | amount uint112 | period uint32 | start uint40 | expiry uint40
    ///          | returnableChildPeriod uint32 |                                              (256 bits)
    ///  slot 2  | subAllocated uint112 | reserved uint112 | clawbacks uint32 |                (256 bits)
    ///  slot 3  | received uint112 | returnable uint112 | returnableParentPeriod uint32 |      (256 bits)
    ///
    /// Slot 0 is the hot path, everything a spend needs: `left` = cap - (spent + subAllocated + reserved)
    /// in period `periodTag - 1` (the tag is never 0 once a budget is set, so a spend rewrites a non-zero
    /// slot); `hotUntil` = the timestamp until which that period is current and the budget active (the end
    /// of the period, or the expiry if sooner, capped at 2^32 - 1; 0 when the last write was made while
    /// the budget was not active), so `block.timestamp < hotUntil` alone proves the budget is active and
    /// `left` is current; `daoTree` and `frozen` mirror the cell's record (the DAO whose Safe pays, and
    /// the freeze, which `setFrozen` writes into every budget of the cell). A spend in a current period
    /// reads and writes slot 0 alone (plus the DAO's Safe). `spent` is derived: cap - left - subAllocated
    /// - reserved, where cap = `amount` for a DAO root and `received` for a funded child. Slot 3 and the
    /// spare bits of slots 0-1 (non-zero once the budget is set, so a first allocation makes one slot
    /// non-zero, not two) hold the clawback bookkeeping: how much of `received` the current parent (tree `funderTree`) gave in its
    /// period `returnableParentPeriod` and this cell's period `returnableChildPeriod`, i.e. what a
    /// clawback can still return to the parent's remainder.
    struct Budget {
        uint112 left;
        uint32 periodTag;
        uint32 hotUntil;
        uint32 daoTree;
        bool frozen;
        bool funded;
        uint32 funderTree;
        uint112 amount;
        uint32 period;
        uint40 start;
        uint40 expiry;
        uint32 returnableChildPeriod;
        uint112 subAllocated;
        uint112 reserved;
        uint32 clawbacks;
        uint112 received;
        uint112 returnable;
        uint32 returnableParentPeriod;
    }

    /// @dev One slot per cell:
    ///  | daoTree uint32 | frozen bool | treasurerChild uint16 |                                   (56 bits)
    /// `daoTree` caches the 32-bit tree id of the cell's DAO (cells never move between DAOs: the registry
    /// rejects cross-DAO moves), filled when the cell's first budget is set. The treasurer role is the
    /// admin role's direct child number `treasurerChild` (0 = none). `frozen` is the source of truth; each
    /// of the cell's budgets (listed in `_budgetTokens`) carries a copy in its hot slot.
    struct CellAccount {
        uint32 daoTree;
        bool frozen;
        uint16 treasurerChild;
    }

    /// @dev The usage of a budget in the current period, after any period change.
    struct Usage {
        uint32 periodIndex;
        uint112 spent;
        uint112 subAllocated;
        uint112 reserved;
        uint112 received;
        bool rolled;
    }

    uint256 private constant MIN_PERIOD = 1 hours;
    /// @dev Bounds the tokens a cell can hold budgets in, so that `setFrozen` (which writes the freeze into
    /// each of them) always fits in a block.
    uint256 private constant MAX_BUDGET_TOKENS = 64;
    uint256 private constant TREE_SHIFT = 224;
    uint256 private constant LEVEL1_SHIFT = 208;
    /// @dev Bit offsets in a budget's slot 0 (the hot slot), for the spend path that reads it in one SLOAD.
    /// @dev keccak256("Spent(uint256,address,address,uint256,uint256,address,string,bytes32)")
    bytes32 private constant SPENT_EVENT = 0x198c4b1c7595b00febd9845ec7bb34a31db7bfe9815ffc6202a80e56afa3ce66;
    uint256 private constant LEFT_MASK = (1 << 112) - 1;
    uint256 private constant PERIOD_TAG_SHIFT = 112;
    uint256 private constant HOT_UNTIL_SHIFT = 144;
    uint256 private constant DAO_TREE_SHIFT = 176;
    uint256 private constant FROZEN_SHIFT = 208;

    ICellRegistry public immutable registry;
    IRoles private immutable _roles;
    address public immutable taskBoard;
    /// @inheritdoc ITreasury
    address public immutable streams;

    mapping(uint256 cellId => mapping(address token => Budget)) private _budgets;
    mapping(uint256 cellId => CellAccount) private _cells;
    /// @dev The tokens a cell has (ever) had a budget in, in the order they were first set.
    // slither-disable-next-line uninitialized-state -- appended through an `address[] storage` pointer in setBudget
    mapping(uint256 cellId => address[]) private _budgetTokens;
    /// @dev DAO tree id => its Safe.
    mapping(uint32 daoTree => address) private _safes;
    mapping(address safe => mapping(uint256 daoId => bool)) public safeApproved;
    /// @dev When each clawback from (cell, token) happened, by its number (1-based; see `Budget.clawbacks`).
    mapping(uint256 cellId => mapping(address token => mapping(uint256 epoch => uint256))) private _clawbackAt;

    /// @dev OpenZeppelin's `nonReentrant` (same transient slot, same error), inlined: it guards every
    /// payment.
    modifier paymentGuard() {
        _enterPayment();
        _;
        _exitPayment();
    }

    constructor(ICellRegistry registry_) {
        registry = registry_;
        _roles = registry_.roles();
        taskBoard = address(new TaskBoard(registry_, this));
        streams = address(new RoleStreams(registry_, this));
    }

    /*//////////////////////////////////////////////////////////////
                            DAO AND CELL SETUP
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasury
    function approveDao(uint256 daoId, bool approved) external {
        safeApproved[msg.sender][daoId] = approved;
        emit SafeApproved(msg.sender, daoId, approved);
    }

    /// @inheritdoc ITreasury
    function registerSafe(uint256 daoId, address safe) external {
        if (safe == address(0)) revert ZeroAddress();
        if (!registry.cellExists(daoId) || registry.parentOf(daoId) != 0) revert NotDaoRoot(daoId);
        if (!_roles.isWearerOfHat(msg.sender, daoId)) revert NotDaoAdmin(msg.sender, daoId);
        // The Safe's consent: without it, any DAO could name another DAO's Safe and spend from it.
        if (msg.sender != safe && !safeApproved[safe][daoId] && !_roles.isWearerOfHat(safe, daoId)) {
            revert SafeNotConsenting(safe, daoId);
        }
        if (!ISafeModuleManager(safe).isModuleEnabled(address(this))) revert ModuleNotEnabled(safe);
        _safes[_tree(daoId)] = safe;
        emit SafeRegistered(daoId, safe, msg.sender);
    }

    /// @inheritdoc ITreasury
    function setTreasurerRole(uint256 cellId, uint256 roleId) external {
        if (!_roles.isWearerOfHat(msg.sender, cellId)) revert NotCellAdmin(msg.sender, cellId);
        uint256 child = (roleId >> LEVEL1_SHIFT) & 0xffff;
        // A direct child of the cell's admin role: same tree, level 1 set, nothing below it.
        if (roleId != 0 && (child == 0 || roleId != cellId | (child << LEVEL1_SHIFT))) {
            revert InvalidTreasurerRole(cellId, roleId);
        }
        _cells[cellId].treasurerChild = uint16(child);
        emit TreasurerRoleSet(cellId, roleId, msg.sender);
    }

    /// @inheritdoc ITreasury
    function setFrozen(uint256 cellId, bool frozen) external {
        if (!registry.isParentAdmin(msg.sender, cellId)) revert NotParentAdmin(msg.sender, cellId);
        _cells[cellId].frozen = frozen;
        // Mirror the freeze into the hot slot of each of the cell's budgets (at most MAX_BUDGET_TOKENS).
        address[] storage tokens = _budgetTokens[cellId];
        uint256 n = tokens.length;
        for (uint256 i; i < n; ++i) {
            _budgets[cellId][tokens[i]].frozen = frozen;
        }
        emit CellFrozenSet(cellId, msg.sender, frozen);
    }

    /*//////////////////////////////////////////////////////////////
                                 BUDGETS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasury
    function setBudget(uint256 cellId, address token, uint256 amount, uint256 period, uint256 start, uint256 expiry)
        external
    {
        if (!registry.cellExists(cellId)) revert CellNotFound(cellId);
        if (!registry.isParentAdmin(msg.sender, cellId)) revert NotParentAdmin(msg.sender, cellId);
        if (registry.phaseOf(cellId) == ICellRegistry.Phase.Dissolved) revert CellDissolved(cellId);
        if (amount > type(uint112).max) revert AmountTooLarge(amount);
        if (period < MIN_PERIOD || period > type(uint32).max) revert PeriodTooShort(period);
        if (start > type(uint40).max || expiry > type(uint40).max || (expiry != 0 && expiry <= start)) {
            revert InvalidExpiry(start, expiry);
        }

        CellAccount storage cell = _cells[cellId];
        if (cell.daoTree == 0) cell.daoTree = _tree(registry.daoOf(cellId));
        bool funded = registry.parentOf(cellId) != 0;

        Budget storage b = _budgets[cellId][token];
        // Carry this period's usage (under the old terms) into the new terms' current period: changing
        // the terms never frees what has already been spent, handed down or reserved.
        // slither-disable-next-line uninitialized-local -- zero usage is the intended start for a budget with no earlier terms
        Usage memory u;
        if (b.period == 0) {
            address[] storage tokens = _budgetTokens[cellId];
            if (tokens.length >= MAX_BUDGET_TOKENS) revert TooManyBudgetTokens(cellId, MAX_BUDGET_TOKENS);
            tokens.push(token);
            b.daoTree = cell.daoTree;
            b.frozen = cell.frozen;
        } else {
            u = _usage(b);
        }
        uint256 committed = uint256(u.spent) + u.subAllocated + u.reserved;
        if (amount < committed) revert BudgetBelowCommitted(cellId, token, amount, committed);

        b.amount = uint112(amount);
        b.period = uint32(period);
        b.start = uint40(start);
        b.expiry = uint40(expiry);
        b.funded = funded;
        uint32 index = block.timestamp < start ? 0 : uint32((block.timestamp - start) / period);
        // A lowered ceiling trims what a child holds (never below what it has committed).
        uint112 received = funded ? (u.received > amount ? uint112(amount) : u.received) : 0;
        if (b.returnable > received) b.returnable = received;
        b.returnableChildPeriod = u.rolled || b.returnableChildPeriod != u.periodIndex ? type(uint32).max : index;
        u.periodIndex = index;
        u.received = received;
        u.rolled = true; // rewrite every usage field under the new terms
        _write(b, u);
        emit BudgetSet(cellId, token, msg.sender, amount, period, start, expiry, funded, index);
    }

    /// @inheritdoc ITreasury
    function subAllocate(uint256 parentCellId, uint256 childCellId, address token, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        _checkCellAuthority(parentCellId);
        Budget storage pb = _budgets[parentCellId][token];
        _checkNotFrozen(pb, parentCellId);
        if (registry.parentOf(childCellId) != parentCellId) revert NotChildOf(childCellId, parentCellId);
        if (registry.phaseOf(childCellId) == ICellRegistry.Phase.Dissolved) revert CellDissolved(childCellId);

        Budget storage cb = _budgets[childCellId][token];
        _checkActive(pb, parentCellId, token);
        _checkActive(cb, childCellId, token);
        if (!cb.funded) revert NotFundedCell(childCellId);

        Usage memory pu = _usage(pb);
        uint256 left = _cap(pb, pu) - _committed(pu);
        if (amount > left) revert InsufficientBudget(parentCellId, token, left, amount);
        Usage memory cu = _usage(cb);
        uint256 ceilingLeft = cb.amount - cu.received;
        if (amount > ceilingLeft) revert ExceedsChildCeiling(childCellId, token, ceilingLeft, amount);

        pu.subAllocated += uint112(amount);
        cu.received += uint112(amount);
        _write(pb, pu);
        _write(cb, cu);

        uint32 parentTree = uint32(parentCellId >> TREE_SHIFT);
        if (
            // slither-disable-next-line incorrect-equality -- compares tree ids and period indices, not balances
            cb.funderTree == parentTree && cb.returnableParentPeriod == pu.periodIndex
                && cb.returnableChildPeriod == cu.periodIndex
        ) {
            cb.returnable += uint112(amount);
        } else {
            cb.returnable = uint112(amount);
            cb.returnableParentPeriod = pu.periodIndex;
            // Usually unchanged (set with the terms): skip rewriting slots 0-1 for nothing.
            if (cb.returnableChildPeriod != cu.periodIndex) cb.returnableChildPeriod = cu.periodIndex;
            if (cb.funderTree != parentTree) cb.funderTree = parentTree;
        }
        emit SubAllocated(parentCellId, token, childCellId, amount, pu.periodIndex, cu.periodIndex, msg.sender);
    }

    /// @inheritdoc ITreasury
    function clawback(uint256 childCellId, address token, uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        if (!registry.isParentAdmin(msg.sender, childCellId)) revert NotParentAdmin(msg.sender, childCellId);
        Budget storage cb = _budgets[childCellId][token];
        if (cb.period == 0) revert NoBudget(childCellId, token);
        if (!cb.funded) revert NotFundedCell(childCellId);

        Usage memory cu = _usage(cb);
        uint256 unspent = cu.received - _committed(cu);
        if (amount > unspent) revert ExceedsUnspent(childCellId, token, unspent, amount);
        cu.received -= uint112(amount);
        _write(cb, cu);

        // Return to the parent's remainder only what the current parent gave in ITS current period and
        // the child's current period: older allocations have lapsed with their period.
        uint256 parentCellId = registry.parentOf(childCellId);
        // slither-disable-next-line uninitialized-local -- zero unless the current-period part of the allocation is returned below
        uint256 returned;
        // slither-disable-next-line uninitialized-local -- zero unless the parent has a budget in this token, set below
        uint32 parentIndex;
        Budget storage pb = _budgets[parentCellId][token];
        if (pb.period != 0) {
            Usage memory pu = _usage(pb);
            parentIndex = pu.periodIndex;
            if (
                // slither-disable-next-line incorrect-equality -- compares tree ids and period indices, not balances
                cb.funderTree == uint32(parentCellId >> TREE_SHIFT) && cb.returnableParentPeriod == pu.periodIndex
                    && cb.returnableChildPeriod == cu.periodIndex
            ) {
                returned = amount < cb.returnable ? amount : cb.returnable;
                if (returned > pu.subAllocated) returned = pu.subAllocated;
                cb.returnable -= uint112(returned);
                pu.subAllocated -= uint112(returned);
                _write(pb, pu);
            }
        }
        emit ClawedBack(childCellId, token, parentCellId, amount, returned, cu.periodIndex, parentIndex, msg.sender);
        // A clawback ends the accrual of the child's streams in this token opened before it.
        uint32 epoch = cb.clawbacks + 1;
        cb.clawbacks = epoch;
        _clawbackAt[childCellId][token][epoch] = block.timestamp;
        emit StreamsStopped(childCellId, token, epoch, block.timestamp);
    }

    /*//////////////////////////////////////////////////////////////
                                PAYMENTS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasury
    function spend(uint256 cellId, address token, address to, uint256 amount, string calldata memoURI, bytes32 ref)
        external
        paymentGuard
    {
        if (amount == 0) revert ZeroAmount();
        if (to == address(0)) revert ZeroAddress();
        _checkCellAuthority(cellId);
        Budget storage b = _budgets[cellId][token];
        uint256 index;
        uint256 daoTree;
        uint256 hot;
        assembly ("memory-safe") {
            hot := sload(b.slot)
        }
        if (block.timestamp < (hot >> HOT_UNTIL_SHIFT) & 0xffffffff) {
            // Hot path: the budget is active and slot 0 describes the current period. One SLOAD, one
            // SSTORE of slot 0 (see the layout above).
            if ((hot >> FROZEN_SHIFT) & 0xff != 0) revert CellFrozen(cellId);
            uint256 left = hot & LEFT_MASK;
            if (amount > left) revert InsufficientBudget(cellId, token, left, amount);
            assembly ("memory-safe") {
                sstore(b.slot, sub(hot, amount)) // amount <= left: only the `left` field changes
            }
            index = ((hot >> PERIOD_TAG_SHIFT) & 0xffffffff) - 1;
            daoTree = (hot >> DAO_TREE_SHIFT) & 0xffffffff;
        } else {
            _checkNotFrozen(b, cellId);
            _checkActive(b, cellId, token);
            Usage memory u = _usage(b);
            uint256 left = _cap(b, u) - _committed(u);
            if (amount > left) revert InsufficientBudget(cellId, token, left, amount);
            u.spent += uint112(amount);
            _write(b, u);
            index = u.periodIndex;
            daoTree = b.daoTree;
        }
        address safe = _safeOf(uint32(daoTree));
        // emit Spent(cellId, token, to, amount, index, msg.sender, memoURI, ref), the memo copied straight
        // from calldata.
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, amount)
            mstore(add(m, 0x20), index)
            mstore(add(m, 0x40), caller())
            mstore(add(m, 0x60), 0xa0) // offset of memoURI
            mstore(add(m, 0x80), ref)
            mstore(add(m, 0xa0), memoURI.length)
            mstore(add(add(m, 0xc0), memoURI.length), 0) // zero the padding
            calldatacopy(add(m, 0xc0), memoURI.offset, memoURI.length)
            log4(m, add(0xc0, and(add(memoURI.length, 31), not(31))), SPENT_EVENT, cellId, token, to)
        }

        _pay(safe, token, to, amount);
    }

    /// @inheritdoc ITreasury
    function reserveBounty(uint256 cellId, address token, uint256 amount, uint256 taskId) external {
        if (msg.sender != taskBoard) revert NotTaskBoard(msg.sender);
        if (amount == 0) revert ZeroAmount();
        if (_cells[cellId].frozen) revert CellFrozen(cellId);
        Budget storage b = _budgets[cellId][token];
        _checkActive(b, cellId, token);
        Usage memory u = _usage(b);
        uint256 left = _cap(b, u) - _committed(u);
        if (amount > left) revert InsufficientBudget(cellId, token, left, amount);
        u.reserved += uint112(amount);
        _write(b, u);
        emit BountyReserved(cellId, token, taskId, amount, u.periodIndex);
    }

    /// @inheritdoc ITreasury
    function releaseBounty(uint256 cellId, address token, uint256 amount, uint256 taskId) external {
        if (msg.sender != taskBoard) revert NotTaskBoard(msg.sender);
        Budget storage b = _budgets[cellId][token];
        Usage memory u = _usage(b);
        if (amount > u.reserved) revert ExceedsReserved(cellId, token, u.reserved, amount);
        u.reserved -= uint112(amount);
        _write(b, u);
        emit BountyReleased(cellId, token, taskId, amount, u.periodIndex);
    }

    /// @inheritdoc ITreasury
    /// @dev Paid even after the budget's expiry: the bounty was set aside while it was active.
    function payBounty(uint256 cellId, address token, address to, uint256 amount, uint256 taskId)
        external
        paymentGuard
    {
        if (msg.sender != taskBoard) revert NotTaskBoard(msg.sender);
        Budget storage b = _budgets[cellId][token];
        _checkNotFrozen(b, cellId);
        address safe = _safeOf(b.daoTree);
        uint256 index;
        if (block.timestamp < b.hotUntil) {
            // Same period: reserved becomes spent, `left` does not move. Slots 0 and 2.
            uint256 reserved = b.reserved;
            if (amount > reserved) revert ExceedsReserved(cellId, token, reserved, amount);
            b.reserved = uint112(reserved - amount);
            index = b.periodTag - 1;
        } else {
            Usage memory u = _usage(b);
            if (amount > u.reserved) revert ExceedsReserved(cellId, token, u.reserved, amount);
            u.reserved -= uint112(amount);
            u.spent += uint112(amount);
            _write(b, u);
            index = u.periodIndex;
        }
        emit BountyPaid(cellId, token, to, taskId, amount, index);

        _pay(safe, token, to, amount);
    }

    /// @inheritdoc ITreasury
    function payStreamOne(uint256 cellId, address token, uint256 streamId, address to, uint256 amount)
        external
        paymentGuard
        returns (uint256 paid)
    {
        if (msg.sender != streams) revert NotStreams(msg.sender);
        (uint256 taken, uint256 index, uint256 daoTree) = _takeForStream(_budgets[cellId][token], cellId, amount);
        if (taken != 0) _payStreamTo(_safeOf(uint32(daoTree)), cellId, token, streamId, to, taken, index);
        return taken;
    }

    /// @inheritdoc ITreasury
    function payStream(
        uint256 cellId,
        address token,
        uint256 streamId,
        address[] calldata to,
        uint256[] calldata amounts
    ) external paymentGuard returns (uint256[] memory paid) {
        if (msg.sender != streams) revert NotStreams(msg.sender);
        if (amounts.length != to.length) revert LengthMismatch(to.length, amounts.length);
        // slither-disable-next-line uninitialized-local -- a sum that starts at zero
        uint256 total;
        for (uint256 i; i < amounts.length; ++i) {
            total += amounts[i];
        }
        (uint256 left, uint256 index, uint256 daoTree) = _takeForStream(_budgets[cellId][token], cellId, total);
        paid = new uint256[](amounts.length);
        // slither-disable-next-line incorrect-equality -- `left` is what the budget could give, not a balance anyone can push: zero means nothing to pay, and every wearer stays owed
        if (left == 0) return paid;
        // In order, each in full while what was taken lasts.
        for (uint256 i; i < amounts.length && left != 0; ++i) {
            uint256 amount = amounts[i] < left ? amounts[i] : left;
            left -= amount;
            paid[i] = amount;
        }
        address safe = _safeOf(uint32(daoTree));
        for (uint256 i; i < to.length; ++i) {
            if (paid[i] != 0) _payStreamTo(safe, cellId, token, streamId, to[i], paid[i], index);
        }
    }

    function _payStreamTo(
        address safe,
        uint256 cellId,
        address token,
        uint256 streamId,
        address to,
        uint256 amount,
        uint256 index
    ) private {
        emit StreamPaid(cellId, token, to, streamId, amount, index);
        _pay(safe, token, to, amount);
    }

    /// @dev Counts up to `amount` as spent in the budget's current period and returns what was taken:
    /// all of it, what is left when that is less, or 0 when the budget is not active. A frozen cell
    /// reverts (a freeze stops payment; what is owed stays owed).
    function _takeForStream(Budget storage b, uint256 cellId, uint256 amount)
        private
        returns (uint256 taken, uint256 index, uint256 daoTree)
    {
        uint256 hot;
        assembly ("memory-safe") {
            hot := sload(b.slot)
        }
        if (block.timestamp < (hot >> HOT_UNTIL_SHIFT) & 0xffffffff) {
            if ((hot >> FROZEN_SHIFT) & 0xff != 0) revert CellFrozen(cellId);
            uint256 left = hot & LEFT_MASK;
            taken = amount < left ? amount : left;
            if (taken != 0) {
                assembly ("memory-safe") {
                    sstore(b.slot, sub(hot, taken)) // taken <= left: only the `left` field changes
                }
            }
            index = ((hot >> PERIOD_TAG_SHIFT) & 0xffffffff) - 1;
            daoTree = (hot >> DAO_TREE_SHIFT) & 0xffffffff;
        } else {
            _checkNotFrozen(b, cellId);
            if (!_isActive(b)) return (0, 0, 0);
            Usage memory u = _usage(b);
            uint256 left = _cap(b, u) - _committed(u);
            taken = amount < left ? amount : left;
            u.spent += uint112(taken);
            _write(b, u);
            index = u.periodIndex;
            daoTree = b.daoTree;
        }
    }

    /*//////////////////////////////////////////////////////////////
                                  READS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ITreasury
    function streamLimits(uint256 cellId, address token, uint256 openEpoch)
        external
        view
        returns (uint256 expiry, uint256 stoppedAt)
    {
        Budget storage b = _budgets[cellId][token];
        expiry = b.expiry;
        if (b.clawbacks > openEpoch) stoppedAt = _clawbackAt[cellId][token][openEpoch + 1];
    }

    /// @inheritdoc ITreasury
    function streamEpoch(uint256 cellId, address token) external view returns (uint256) {
        return _budgets[cellId][token].clawbacks;
    }

    /// @inheritdoc ITreasury
    function safeOf(uint256 daoId) external view returns (address) {
        return _safes[_tree(daoId)];
    }

    /// @inheritdoc ITreasury
    function treasurerRoleOf(uint256 cellId) external view returns (uint256) {
        uint256 child = _cells[cellId].treasurerChild;
        return child == 0 ? 0 : cellId | (child << LEVEL1_SHIFT);
    }

    /// @inheritdoc ITreasury
    function budgetTokensOf(uint256 cellId) external view returns (address[] memory) {
        return _budgetTokens[cellId];
    }

    /// @inheritdoc ITreasury
    function isFrozen(uint256 cellId) external view returns (bool) {
        return _cells[cellId].frozen;
    }

    /// @inheritdoc ITreasury
    function available(uint256 cellId, address token) external view returns (uint256) {
        Budget storage b = _budgets[cellId][token];
        if (!_isActive(b)) return 0;
        Usage memory u = _usage(b);
        return _cap(b, u) - _committed(u);
    }

    /// @inheritdoc ITreasury
    function getBudget(uint256 cellId, address token) external view returns (BudgetView memory v) {
        Budget storage b = _budgets[cellId][token];
        if (b.period == 0) return v;
        Usage memory u = _usage(b);
        v.amount = b.amount;
        v.period = b.period;
        v.start = b.start;
        v.expiry = b.expiry;
        v.funded = b.funded;
        v.active = _isActive(b);
        v.periodIndex = u.periodIndex;
        v.spent = u.spent;
        v.subAllocated = u.subAllocated;
        v.reserved = u.reserved;
        v.received = u.received;
        v.cap = _cap(b, u);
        v.available = v.active ? v.cap - _committed(u) : 0;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev The cell's own authority: a wearer of its admin role (the cell id) or of its treasurer role.
    /// Never a parent's or a sibling's: those move their own budgets, and hand money down by sub-allocation.
    /// The cell's record (the treasurer role) is read only when the admin check fails.
    function _checkCellAuthority(uint256 cellId) private view {
        if (_wears(msg.sender, cellId)) return;
        uint256 treasurerChild = _cells[cellId].treasurerChild;
        if (treasurerChild != 0 && _wears(msg.sender, cellId | (treasurerChild << LEVEL1_SHIFT))) return;
        revert NotCellAuthority(msg.sender, cellId);
    }

    /// @dev `_roles.isWearerOfHat(account, roleId)`, hand-encoded in scratch space (on every payment's
    /// path). A revert from Roles bubbles up; anything but a word equal to 1 is false.
    function _wears(address account, uint256 roleId) private view returns (bool wears) {
        address roles = address(_roles);
        assembly ("memory-safe") {
            let freePtr := mload(0x40)
            mstore(0x00, shl(224, 0x4352409a)) // isWearerOfHat(address,uint256)
            mstore(0x04, account)
            mstore(0x24, roleId)
            if iszero(staticcall(gas(), roles, 0x00, 0x44, 0x00, 0x20)) {
                returndatacopy(0x00, 0x00, returndatasize())
                revert(0x00, returndatasize())
            }
            wears := and(gt(returndatasize(), 31), eq(mload(0x00), 1))
            mstore(0x40, freePtr)
        }
    }

    /// @dev A budget that was set carries the cell's freeze; one never set does not, so ask the cell's
    /// record (a frozen cell reports CellFrozen before NoBudget).
    function _checkNotFrozen(Budget storage b, uint256 cellId) private view {
        if (b.frozen || (b.period == 0 && _cells[cellId].frozen)) revert CellFrozen(cellId);
    }

    function _enterPayment() private {
        bytes32 slot = _reentrancyGuardStorageSlot();
        bool entered;
        assembly ("memory-safe") {
            entered := tload(slot)
            tstore(slot, 1)
        }
        if (entered) revert ReentrancyGuardReentrantCall();
    }

    function _exitPayment() private {
        bytes32 slot = _reentrancyGuardStorageSlot();
        assembly ("memory-safe") {
            tstore(slot, 0)
        }
    }

    function _safeOf(uint32 daoTree) private view returns (address safe) {
        safe = _safes[daoTree];
        if (safe == address(0)) revert SafeNotRegistered(uint256(daoTree) << TREE_SHIFT);
    }

    function _isActive(Budget storage b) private view returns (bool) {
        uint256 expiry = b.expiry;
        return b.period != 0 && block.timestamp >= b.start && (expiry == 0 || block.timestamp < expiry);
    }

    function _checkActive(Budget storage b, uint256 cellId, address token) private view {
        if (b.period == 0) revert NoBudget(cellId, token);
        if (!_isActive(b)) revert BudgetInactive(cellId, token);
    }

    /// @dev Usage in the current period. A new period restarts spent and subAllocated; reservations carry
    /// over, and for a funded cell they stay funded (received restarts at what is still reserved).
    function _usage(Budget storage b) private view returns (Usage memory u) {
        uint256 tag = b.periodTag;
        uint112 sub = b.subAllocated;
        uint112 reserved = b.reserved;
        bool funded = b.funded;
        uint112 received = funded ? b.received : 0;
        uint256 cap = funded ? received : b.amount;
        u = Usage(
            tag == 0 ? 0 : uint32(tag - 1), uint112(cap - b.left - sub - reserved), sub, reserved, received, false
        );
        uint256 start = b.start;
        if (block.timestamp < start) return u;
        uint32 index = uint32((block.timestamp - start) / b.period);
        if (index != u.periodIndex) {
            u.periodIndex = index;
            u.spent = 0;
            u.subAllocated = 0;
            u.received = funded ? u.reserved : 0;
            u.rolled = true;
        }
    }

    /// @dev Writes `u` (the usage in period `u.periodIndex`, which is the current one once the budget has
    /// started) and refreshes the hot slot's `hotUntil`.
    function _write(Budget storage b, Usage memory u) private {
        bool funded = b.funded;
        b.left = uint112((funded ? u.received : b.amount) - _committed(u));
        b.periodTag = u.periodIndex + 1;
        // Same period, same terms (setBudget always rolls) and written while active before: unchanged.
        // slither-disable-next-line incorrect-equality -- hotUntil == 0 marks a slot written while inactive; not a balance
        if (u.rolled || b.hotUntil == 0) b.hotUntil = _hotUntil(b, u.periodIndex);
        if (u.rolled || b.subAllocated != u.subAllocated || b.reserved != u.reserved) {
            b.subAllocated = u.subAllocated;
            b.reserved = u.reserved;
        }
        if (funded && (u.rolled || b.received != u.received)) b.received = u.received;
    }

    /// @dev The end of period `index` (or the expiry, if sooner) when `index` is the current period and the
    /// budget is active now, capped at 2^32 - 1 (after which every call takes the full path); else 0.
    function _hotUntil(Budget storage b, uint32 index) private view returns (uint32) {
        uint256 start = b.start;
        if (block.timestamp < start) return 0;
        uint256 period = b.period;
        if ((block.timestamp - start) / period != index) return 0;
        uint256 end = start + (uint256(index) + 1) * period;
        uint256 expiry = b.expiry;
        if (expiry != 0 && expiry < end) end = expiry;
        if (end <= block.timestamp) return 0;
        return end > type(uint32).max ? type(uint32).max : uint32(end);
    }

    function _cap(Budget storage b, Usage memory u) private view returns (uint256) {
        return b.funded ? u.received : b.amount;
    }

    function _committed(Usage memory u) private pure returns (uint256) {
        return uint256(u.spent) + u.subAllocated + u.reserved;
    }

    function _tree(uint256 cellId) private pure returns (uint32) {
        return uint32(cellId >> TREE_SHIFT);
    }

    /// @dev CALL only (operation 0), through `execTransactionFromModule`; a revert from the Safe (e.g. the
    /// module was disabled) bubbles up, a failed inner call (`false`) reverts with PaymentFailed. ETH: the
    /// Safe's call must succeed. ERC-20: it must succeed and the recipient's balance must rise by exactly
    /// `amount`. Hand-encoded: this is the hot path of every payment.
    function _pay(address safe, address token, address to, uint256 amount) private {
        uint256 before;
        bool isToken = token != address(0);
        if (isToken) before = _balanceOf(token, to);
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, 0x468721a7)) // execTransactionFromModule(address,uint256,bytes,uint8)
            mstore(add(m, 0x44), 0x80) // offset of `data`
            mstore(add(m, 0x64), 0) // operation: CALL
            let size := 0xa4
            switch isToken
            case 0 {
                mstore(add(m, 0x04), to)
                mstore(add(m, 0x24), amount)
                mstore(add(m, 0x84), 0) // empty data
            }
            default {
                mstore(add(m, 0x04), token)
                mstore(add(m, 0x24), 0)
                mstore(add(m, 0x84), 0x44) // data = transfer(to, amount)
                mstore(add(m, 0xa4), shl(224, 0xa9059cbb))
                mstore(add(m, 0xa8), to)
                mstore(add(m, 0xc8), amount)
                mstore(add(m, 0xe8), 0) // padding of `data` to 32 bytes
                size := 0x104
            }
            let success := call(gas(), safe, 0, m, size, 0x00, 0x20)
            if iszero(success) {
                returndatacopy(m, 0, returndatasize())
                revert(m, returndatasize())
            }
            ok := and(gt(returndatasize(), 31), eq(mload(0x00), 1))
        }
        if (!ok) revert PaymentFailed(safe, token, to, amount);
        if (isToken) {
            uint256 afterBalance = _balanceOf(token, to);
            if (afterBalance < before || afterBalance - before != amount) {
                revert BalanceMismatch(token, to, amount, afterBalance < before ? 0 : afterBalance - before);
            }
        }
    }

    function _balanceOf(address token, address account) private view returns (uint256 amount) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, shl(224, 0x70a08231)) // balanceOf(address)
            mstore(0x04, account)
            ok := staticcall(gas(), token, 0x00, 0x24, 0x00, 0x20)
            ok := and(ok, gt(returndatasize(), 31))
            amount := mload(0x00)
        }
        if (!ok) revert BalanceUnreadable(token);
    }
}
