// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RoleStreams} from "../../src/RoleStreams.sol";
import {Treasury} from "../../src/Treasury.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {ITreasury} from "../../src/interfaces/ITreasury.sol";
import {StreamsFixture} from "../utils/StreamsFixture.sol";
import {TestToken} from "../utils/TreasuryTokens.sol";
import {Test, console2} from "forge-std/Test.sol";

/// @notice Drives cell A's role streams on opsRole: mints (with and without terms), revokes, renounces,
/// transfers and lets grants expire, changes rates, freezes, claws back (which stops the streams opened
/// before; a new one is opened), refills the budget, and claims (one, many, for a non-wearer) at random
/// times. The ghosts keep, per (stream, wearer), an upper bound of what the wearer may accrue: the rate
/// in force times the seconds the ghost saw them wear the role (grant to revoke, renounce, transfer or
/// expiry), and what was paid.
contract StreamsHandler is Test {
    uint256 internal constant N = 5;
    uint256 internal constant MAX_STREAMS = 8;

    RoleStreams internal streams;
    Treasury internal treasury;
    IRoles internal roles;
    TestToken internal token;
    address internal safe;
    uint256 internal cellA;
    uint256 internal daoX;
    uint256 internal role;
    address internal admin;

    address[N] public wearers;
    address public constant NON_WEARER = address(0xBEEF);
    uint256[] public streamIds;
    mapping(uint256 streamId => uint256) public ghostRate;

    mapping(address => bool) internal gWorn;
    mapping(address => uint256) internal gExpiry;
    /// @dev amount*seconds the wearer wore the role during each stream (an upper bound of the accrual).
    mapping(uint256 streamId => mapping(address => uint256)) public ghostBound;
    mapping(uint256 streamId => mapping(address => uint256)) public ghostPaid;
    uint256 public ghostTotalPaid;
    uint256 public ghostFunded;
    uint256 public ghostFrozenPayments;

    uint256 public ghostCalls;
    /// @dev Settlements of a (stream, wearer) that did not revert, and those that paid something.
    uint256 public ghostClaims;
    uint256 public ghostPaidClaims;
    uint256 public ghostRevocations;
    uint256 public ghostExpiries;
    uint256 public ghostRateChanges;
    uint256 public ghostFreezes;
    uint256 public ghostClawbacks;

    constructor(
        RoleStreams streams_,
        Treasury treasury_,
        TestToken token_,
        address safe_,
        uint256 daoX_,
        uint256 cellA_,
        uint256 role_,
        address admin_,
        uint256 firstStream,
        uint256 funded
    ) {
        streams = streams_;
        treasury = treasury_;
        roles = streams_.roles();
        token = token_;
        safe = safe_;
        daoX = daoX_;
        cellA = cellA_;
        role = role_;
        admin = admin_;
        for (uint256 i; i < N; ++i) {
            wearers[i] = address(uint160(0xC000 + i));
        }
        streamIds.push(firstStream);
        ghostRate[firstStream] = streams_.getStream(firstStream).amount;
        ghostFunded = funded;
    }

    modifier step(uint256 dtSeed) {
        ++ghostCalls;
        _advance(bound(dtSeed, 0, 8 hours));
        _;
    }

    function streamCount() external view returns (uint256) {
        return streamIds.length;
    }

    /// @dev Moves time on, adding to each bound the seconds each ghost wearer wore the role.
    function _advance(uint256 dt) internal {
        uint256 t0 = block.timestamp;
        uint256 t1 = t0 + dt;
        for (uint256 i; i < N; ++i) {
            address w = wearers[i];
            if (!gWorn[w]) continue;
            uint256 end = t1;
            uint256 expiry = gExpiry[w];
            if (expiry != 0 && expiry < end) end = expiry;
            if (expiry != 0 && expiry > t0 && expiry <= t1) ++ghostExpiries;
            if (end <= t0) continue;
            for (uint256 k; k < streamIds.length; ++k) {
                uint256 id = streamIds[k];
                ghostBound[id][w] += ghostRate[id] * (end - t0);
            }
        }
        vm.warp(t1);
    }

    function _worn(address w) internal view returns (bool worn) {
        (,,,, worn,) = roles.grantTimes(role, w);
    }

    function mint(uint256 dtSeed, uint256 wSeed, uint256 expirySeed) external step(dtSeed) {
        address w = wearers[bound(wSeed, 0, N - 1)];
        if (_worn(w)) return;
        uint64 expiry = expirySeed % 2 == 0 ? 0 : uint64(block.timestamp + bound(expirySeed, 1 hours, 2 days));
        vm.prank(admin);
        roles.mintRole(role, w, expiry);
        gWorn[w] = true;
        gExpiry[w] = expiry;
    }

    /// @dev A wearer at or after index `wSeed` (minting one when nobody wears the role).
    function _aWearer(uint256 wSeed) internal returns (address) {
        uint256 start = bound(wSeed, 0, N - 1);
        for (uint256 k; k < N; ++k) {
            address w = wearers[(start + k) % N];
            if (_worn(w)) return w;
        }
        address m = wearers[start];
        vm.prank(admin);
        roles.mintRole(role, m, 0);
        gWorn[m] = true;
        gExpiry[m] = 0;
        return m;
    }

    function revoke(uint256 dtSeed, uint256 wSeed) external step(dtSeed) {
        address w = _aWearer(wSeed);
        vm.prank(admin);
        roles.revokeRole(role, w);
        gWorn[w] = false;
        ++ghostRevocations;
    }

    function renounce(uint256 dtSeed, uint256 wSeed) external step(dtSeed) {
        address w = _aWearer(wSeed);
        vm.prank(w);
        roles.renounceRole(role);
        gWorn[w] = false;
        ++ghostRevocations;
    }

    function transfer(uint256 dtSeed, uint256 wSeed, uint256 toSeed) external step(dtSeed) {
        address from = _aWearer(wSeed);
        address to = wearers[bound(toSeed, 0, N - 1)];
        if (_worn(to)) return;
        vm.prank(admin);
        roles.transferRole(role, from, to);
        gWorn[from] = false;
        gWorn[to] = true;
        gExpiry[to] = gExpiry[from];
        ++ghostRevocations;
    }

    function setRate(uint256 dtSeed, uint256 sSeed, uint256 rateSeed) external step(dtSeed) {
        uint256 id = streamIds[bound(sSeed, 0, streamIds.length - 1)];
        uint256 rate = bound(rateSeed, 1, 200e18);
        vm.prank(admin);
        try streams.setRate(id, rate) {
            ghostRate[id] = rate;
            ++ghostRateChanges;
        } catch {}
    }

    /// @dev Freezes one time in three, else unfreezes (so that claims get paid in most runs).
    function freeze(uint256 dtSeed, uint256 frozenSeed) external step(dtSeed) {
        bool frozen = frozenSeed % 3 == 0;
        vm.prank(safe);
        treasury.setFrozen(cellA, frozen);
        ++ghostFreezes;
    }

    function clawback(uint256 dtSeed, uint256 amountSeed) external step(dtSeed) {
        ITreasury.BudgetView memory b = treasury.getBudget(cellA, address(token));
        uint256 unspent = b.cap - (b.spent + b.subAllocated + b.reserved);
        // One call in four claws back: each stops every stream opened before it.
        if (unspent == 0 || amountSeed % 4 != 0) return;
        vm.prank(safe);
        treasury.clawback(cellA, address(token), bound(amountSeed, 1, unspent));
        ++ghostClawbacks;
        if (streamIds.length < MAX_STREAMS) {
            vm.prank(admin);
            uint256 id = streams.open(cellA, role, address(token), 70e18, 7 days, 0, 0);
            streamIds.push(id);
            ghostRate[id] = 70e18;
        }
    }

    function refill(uint256 dtSeed, uint256 amountSeed) external step(dtSeed) {
        uint256 amount = bound(amountSeed, 1e18, 300e18);
        vm.prank(safe);
        try treasury.subAllocate(daoX, cellA, address(token), amount) {
            ghostFunded += amount;
        } catch {}
    }

    function claim(uint256 dtSeed, uint256 sSeed, uint256 wSeed) external step(dtSeed) {
        uint256 id = streamIds[bound(sSeed, 0, streamIds.length - 1)];
        uint256 k = bound(wSeed, 0, N);
        address w = k == N ? NON_WEARER : wearers[k];
        bool frozen = treasury.isFrozen(cellA);
        uint256 before = token.balanceOf(w);
        try streams.claim(id, w) returns (uint256 paid) {
            assertEq(token.balanceOf(w) - before, paid, "wearer received what was paid");
            _paid(id, w, paid, frozen);
        } catch {}
    }

    function claimMany(uint256 dtSeed, uint256 sSeed) external step(dtSeed) {
        uint256 id = streamIds[bound(sSeed, 0, streamIds.length - 1)];
        address[] memory ws = new address[](N + 1);
        uint256[] memory before = new uint256[](N + 1);
        for (uint256 i; i < N; ++i) {
            ws[i] = wearers[i];
        }
        ws[N] = NON_WEARER;
        for (uint256 i; i <= N; ++i) {
            before[i] = token.balanceOf(ws[i]);
        }
        bool frozen = treasury.isFrozen(cellA);
        try streams.claimMany(id, ws) {
            for (uint256 i; i <= N; ++i) {
                _paid(id, ws[i], token.balanceOf(ws[i]) - before[i], frozen);
            }
        } catch {}
    }

    function _paid(uint256 id, address w, uint256 paid, bool frozen) internal {
        ghostPaid[id][w] += paid;
        ghostTotalPaid += paid;
        if (frozen && paid != 0) ++ghostFrozenPayments;
        ++ghostClaims;
        if (paid != 0) ++ghostPaidClaims;
    }
}

contract RoleStreamsInvariantTest is StreamsFixture {
    StreamsHandler internal handler;
    uint256 internal safeStart;

    function setUp() public override {
        super.setUp();
        uint256 id = _open(opsRole);
        handler = new StreamsHandler(streams, treasury, token, address(safeX), daoX, cellA, opsRole, alice, id, 300e18);
        safeStart = token.balanceOf(address(safeX));
        targetContract(address(handler));
    }

    /// @notice paid + still owed <= what the wearer's worn seconds at the rates in force allow, for every
    /// (stream, wearer): no wearer is paid for time they did not wear the role, and what a wearer is paid
    /// never exceeds what they accrued.
    /// @notice One campaign for every property below (each `invariant_` function runs its own).
    function invariant_streams() public view {
        _paidWithinWornTime();
        _safeFallsByExactlyWhatWasPaid();
        _withinBudgets();
        _frozenCellPaysNothing();
    }

    function _paidWithinWornTime() internal view {
        uint256 n = handler.streamCount();
        for (uint256 k; k < n; ++k) {
            uint256 id = handler.streamIds(k);
            uint256 period = streams.getStream(id).period;
            for (uint256 i; i < 5; ++i) {
                address w = handler.wearers(i);
                uint256 paid = handler.ghostPaid(id, w);
                uint256 owed = streams.accrualOf(id, w).owed;
                assertLe(paid + owed, handler.ghostBound(id, w) / period, "paid + owed > worn time");
            }
            address non = handler.NON_WEARER();
            assertEq(handler.ghostPaid(id, non), 0, "a non-wearer was paid");
            assertEq(streams.accrualOf(id, non).owed, 0, "a non-wearer is owed");
        }
    }

    function _safeFallsByExactlyWhatWasPaid() internal view {
        assertEq(safeStart - token.balanceOf(address(safeX)), handler.ghostTotalPaid());
        assertEq(token.balanceOf(address(treasury)), 0);
        assertEq(token.balanceOf(address(streams)), 0);
    }

    /// @notice Total paid never exceeds what the budget was given; in the current period the budget's
    /// committed stays within its cap.
    function _withinBudgets() internal view {
        assertLe(handler.ghostTotalPaid(), handler.ghostFunded(), "paid more than funded");
        ITreasury.BudgetView memory b = treasury.getBudget(cellA, address(token));
        assertLe(b.spent + b.subAllocated + b.reserved, b.cap, "committed > cap");
    }

    function _frozenCellPaysNothing() internal view {
        assertEq(handler.ghostFrozenPayments(), 0);
    }

    /// @notice Each full run (the configured depth, 64 calls) really exercised the streams (counts print
    /// with -vv); shorter (shrunk or replayed) sequences are not held to it.
    function afterInvariant() public view {
        uint256 calls = handler.ghostCalls();
        console2.log("calls", calls, "claims", handler.ghostClaims());
        console2.log("claims that paid", handler.ghostPaidClaims());
        console2.log("revocations", handler.ghostRevocations(), "expiries", handler.ghostExpiries());
        console2.log("rate changes", handler.ghostRateChanges(), "freezes", handler.ghostFreezes());
        console2.log("clawbacks", handler.ghostClawbacks(), "paid", handler.ghostTotalPaid());
        if (calls < 64) return;
        assertGt(handler.ghostClaims(), 0, "no claim settled");
        assertGt(handler.ghostRevocations(), 0, "no revocation");
        assertGt(handler.ghostRateChanges(), 0, "no rate change");
        assertGt(handler.ghostFreezes(), 0, "no freeze");
    }
}
