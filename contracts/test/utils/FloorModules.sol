// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @notice Lower bounds for two gas targets (issues 15 and 16): Safe modules that do only what a budgeted
/// ERC-20 spend and a role stream claim must do under the rules the issues keep, and nothing else, on the
/// real Roles, Safe and token. They are not designs: budgets and streams are written by open setters, no
/// period ever rolls, nothing is frozen or clawed back, and every field a rule needs is assumed to sit in
/// the one word already read (the cheapest layout any implementation could reach). What is left:
///
///   spend: the caller's authority (Roles.isWearerOfHat: the grant and the role, live), the budget word
///          (read, checked, written), the DAO's Safe, the balance check, the payment, the record.
///   claim: the stream (one word, keyed by role and token: no stream id to look up), the wearer's grant
///          times (Roles.grantTimes: a former wearer is never paid, live ineligibility forfeits), the
///          wearer's checkpoint (read, written), then the spend's budget word, Safe, balance check,
///          payment and one record.
///
/// Calls and logs are written in assembly from scratch space, as the Treasury writes them, so that no
/// ABI encoding is counted that a hand-tuned contract would not pay.
abstract contract FloorModule {
    error Refused(uint256 code);

    /// @dev The budget word of a cell and token: left uint128 | until uint32 << 128 | period index
    /// uint32 << 160 | DAO tree uint32 << 192.
    mapping(uint256 cellId => mapping(address token => uint256)) public budgetWord;
    mapping(uint32 daoTree => address) public safeOf;

    address internal immutable _roles;

    constructor(address roles_) {
        _roles = roles_;
    }

    function setBudget(uint256 cellId, address token, uint256 word) external {
        budgetWord[cellId][token] = word;
    }

    function setSafe(uint32 daoTree, address safe) external {
        safeOf[daoTree] = safe;
    }

    /// @dev Checks that the budget word is current and holds `amount`, writes it less `amount` (one SLOAD,
    /// one SSTORE) and returns the word as it was. Callers read the period index and the DAO's tree
    /// from it themselves: a second internal call would count in the floor.
    function _take(mapping(address => uint256) storage budgets, address token, uint256 amount)
        internal
        returns (uint256 w)
    {
        w = budgets[token];
        if (block.timestamp >= (w >> 128) & 0xffffffff) revert Refused(2);
        if (amount > uint128(w)) revert Refused(3);
        unchecked {
            budgets[token] = w - amount;
        }
    }

    /// @dev `token.balanceOf(to)` before and after the Safe's `execTransactionFromModule(token, 0,
    /// transfer(to, amount), CALL)`; reverts unless the recipient received exactly `amount`.
    function _pay(address safe, address token, address to, uint256 amount) internal {
        assembly ("memory-safe") {
            mstore(0x00, shl(224, 0x70a08231)) // balanceOf(address)
            mstore(0x04, to)
            if iszero(staticcall(gas(), token, 0x00, 0x24, 0x00, 0x20)) { revert(0, 0) }
            let before := mload(0x00)
            let m := mload(0x40)
            mstore(m, shl(224, 0x468721a7)) // execTransactionFromModule(address,uint256,bytes,uint8)
            mstore(add(m, 0x04), token)
            mstore(add(m, 0x24), 0)
            mstore(add(m, 0x44), 0x80)
            mstore(add(m, 0x64), 0)
            mstore(add(m, 0x84), 0x44)
            mstore(add(m, 0xa4), shl(224, 0xa9059cbb)) // transfer(address,uint256)
            mstore(add(m, 0xa8), to)
            mstore(add(m, 0xc8), amount)
            mstore(add(m, 0xe8), 0)
            if iszero(call(gas(), safe, 0, m, 0x104, 0x00, 0x20)) { revert(0, 0) }
            if iszero(eq(mload(0x00), 1)) { revert(0, 0) }
            mstore(0x00, shl(224, 0x70a08231))
            mstore(0x04, to)
            if iszero(staticcall(gas(), token, 0x00, 0x24, 0x00, 0x20)) { revert(0, 0) }
            if iszero(eq(sub(mload(0x00), before), amount)) { revert(0, 0) }
        }
    }
}

/// @notice The cheapest budgeted ERC-20 spend by a wearer of the cell's role (issue 16's target).
contract SpendFloorModule is FloorModule {
    bytes32 private constant SPENT = keccak256("Spent(uint256,address,address,uint256,uint256,address)");

    constructor(address roles_) FloorModule(roles_) {}

    function spend(uint256 cellId, address token, address to, uint256 amount) external wearerOf(cellId) {
        uint256 w = _take(budgetWord[cellId], token, amount);
        _logAndPay(cellId, token, to, amount, (w >> 160) & 0xffffffff, safeOf[uint32(w >> 192)]);
    }

    /// @dev The Safe AllowanceModule's keying: budgets under the Safe named in the call, so the DAO's
    /// Safe is not looked up (a caller naming another Safe finds no budget there). What that costs the
    /// design: every spend names its Safe, and a DAO that registers a new Safe starts with no budgets.
    mapping(address safe => mapping(uint256 cellId => mapping(address token => uint256))) public budgetWordOf;

    function setBudgetOf(address safe, uint256 cellId, address token, uint256 word) external {
        budgetWordOf[safe][cellId][token] = word;
    }

    function spendFrom(address safe, uint256 cellId, address token, address to, uint256 amount)
        external
        wearerOf(cellId)
    {
        uint256 w = _take(budgetWordOf[safe][cellId], token, amount);
        _logAndPay(cellId, token, to, amount, (w >> 160) & 0xffffffff, safe);
    }

    /// @dev `Roles.isWearerOfHat(caller, cellId)` must be true (the grant and the role, read live). A
    /// modifier, so that it is inlined: the floor pays no internal call for it.
    modifier wearerOf(uint256 cellId) {
        address roles = _roles;
        assembly ("memory-safe") {
            mstore(0x00, shl(224, 0x4352409a)) // isWearerOfHat(address,uint256)
            mstore(0x04, caller())
            mstore(0x24, cellId)
            if iszero(staticcall(gas(), roles, 0x00, 0x44, 0x00, 0x20)) { revert(0, 0) }
            if iszero(eq(mload(0x00), 1)) { revert(0, 0) }
        }
        _;
    }

    function _logAndPay(uint256 cellId, address token, address to, uint256 amount, uint256 index, address safe)
        private
    {
        bytes32 topic = SPENT;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, amount)
            mstore(add(m, 0x20), index)
            mstore(add(m, 0x40), caller())
            log4(m, 0x60, topic, cellId, token, to)
        }
        _pay(safe, token, to, amount);
    }
}

/// @notice The cheapest stream claim for one wearer (issue 15's target): the wearer is paid the rate for
/// the seconds they wore the role since their last claim, from the role's cell's budget.
contract ClaimFloorModule is FloorModule {
    bytes32 private constant CLAIMED = keccak256("Claimed(uint256,address,address,uint256,uint256,uint256)");
    uint256 private constant TREE_MASK = uint256(type(uint32).max) << 224;

    /// @dev amount uint112 per period uint32 << 112, from start uint40 << 144 until end uint40 << 184 (0: open).
    mapping(uint256 roleId => mapping(address token => uint256)) public streamWord;
    /// @dev The second the wearer was last paid up to.
    mapping(uint256 roleId => mapping(address token => mapping(address wearer => uint256))) public checkpointOf;

    constructor(address roles_) FloorModule(roles_) {}

    function setStream(uint256 roleId, address token, uint256 word) external {
        streamWord[roleId][token] = word;
    }

    function claim(uint256 roleId, address token, address wearer) external returns (uint256 amount) {
        uint256 hi;
        (amount, hi) = _settle(roleId, token, wearer);
        if (amount == 0) return 0;
        uint256 w = _take(budgetWord[roleId & TREE_MASK], token, amount);
        uint256 index = (w >> 160) & 0xffffffff;
        address safe = safeOf[uint32(w >> 192)];
        bytes32 topic = CLAIMED;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, amount)
            mstore(add(m, 0x20), index)
            mstore(add(m, 0x40), hi)
            log4(m, 0x60, topic, roleId, token, wearer)
        }
        _pay(safe, token, wearer, amount);
    }

    /// @dev What the wearer earned since their checkpoint, up to `hi`, and the checkpoint moved to now.
    function _settle(uint256 roleId, address token, address wearer) private returns (uint256 amount, uint256 hi) {
        uint256 s = streamWord[roleId][token];
        uint256 period = (s >> 112) & 0xffffffff;
        if (period == 0) revert Refused(4);
        // The grant: start, end, worn, wearing now (Roles reads the grant word and, for a worn grant,
        // the role's word and modules).
        address roles = _roles;
        uint256 lo;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, shl(224, 0xf5639ba6)) // grantTimes(uint256,address)
            mstore(add(m, 0x04), roleId)
            mstore(add(m, 0x24), wearer)
            if iszero(staticcall(gas(), roles, m, 0x44, m, 0xc0)) { revert(0, 0) }
            lo := mload(m) // the grant's start
            hi := timestamp()
            // Worn (word 4): up to now, or nothing when the wearer does not wear the role now (word 5:
            // forfeit); ended: up to its end (word 1).
            switch mload(add(m, 0x80))
            case 0 { hi := mload(add(m, 0x20)) }
            default { if iszero(mload(add(m, 0xa0))) { hi := 0 } }
        }
        uint256 end = uint40(s >> 184);
        if (end != 0 && end < hi) hi = end;
        mapping(address => uint256) storage checkpoints = checkpointOf[roleId][token];
        uint256 checkpoint = checkpoints[wearer];
        if (lo < checkpoint) lo = checkpoint;
        uint256 streamStart = uint40(s >> 144);
        if (lo < streamStart) lo = streamStart;
        checkpoints[wearer] = block.timestamp;
        if (hi > lo) amount = uint112(s) * (hi - lo) / period;
    }
}
