// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {StreamsFixture} from "../utils/StreamsFixture.sol";

/// @notice Accrual is exactly rate x worn seconds / period (rounded down once, over the whole accrual),
/// whatever the times, rates and settlement points.
contract RoleStreamsFuzzTest is StreamsFixture {
    function _openWith(uint256 rate, uint256 period) internal returns (uint256 id) {
        vm.prank(alice);
        id = streams.open(cellA, opsRole, address(token), rate, period, 0, 0);
    }

    function testFuzz_accrualIsRateTimesWornSeconds(uint256 rate, uint256 period, uint256 worn, uint256 wait) public {
        period = bound(period, 1, type(uint32).max);
        uint256 maxRate = period << 88 < type(uint112).max ? period << 88 : type(uint112).max;
        rate = bound(rate, 1, maxRate);
        worn = bound(worn, 0, 400 days);
        wait = bound(wait, 0, 400 days);
        uint256 id = _openWith(rate, period);
        vm.warp(block.timestamp + wait % 1000);
        _mint(opsRole, w1);
        vm.warp(block.timestamp + worn);
        _revoke(opsRole, w1);
        vm.warp(block.timestamp + wait);
        assertEq(streams.claimable(id, w1), rate * worn / period);
    }

    function testFuzz_rateChangeSplitsExactly(uint256 r1, uint256 r2, uint256 t1, uint256 t2, uint256 period) public {
        period = bound(period, 1, 30 days);
        r1 = bound(r1, 1, period << 88);
        r2 = bound(r2, 1, period << 88);
        t1 = bound(t1, 0, 200 days);
        t2 = bound(t2, 0, 200 days);
        uint256 id = _openWith(r1, period);
        _mint(opsRole, w1);
        vm.warp(block.timestamp + t1);
        vm.prank(alice);
        streams.setRate(id, r2);
        vm.warp(block.timestamp + t2);
        assertEq(streams.claimable(id, w1), (r1 * t1 + r2 * t2) / period);
    }

    /// @dev Claims at arbitrary points (each a settlement) pay, with what stays owed, exactly what one
    /// claim at the end would: no dust lost, nothing paid twice.
    function testFuzz_claimsAtAnyTimesSumToTheWhole(uint256 rate, uint256 period, uint256[5] memory steps) public {
        rate = bound(rate, 1, 1e18);
        period = bound(period, 1 hours, 7 days);
        uint256 id = _openWith(rate, period);
        _mint(opsRole, w1);
        uint256 total;
        uint256 paid;
        for (uint256 i; i < 5; ++i) {
            uint256 dt = bound(steps[i], 0, 1 days);
            vm.warp(block.timestamp + dt);
            total += dt;
            paid += streams.claim(id, w1);
        }
        assertEq(paid + streams.accrualOf(id, w1).owed, rate * total / period);
        assertEq(token.balanceOf(w1), paid);
    }

    /// @dev A stream window [start, end) against a grant [g0, g1): only the overlap accrues.
    function testFuzz_windowAndGrantOverlap(uint256 s0, uint256 len, uint256 g0, uint256 g1) public {
        uint256 t = block.timestamp;
        s0 = bound(s0, 0, 10 days);
        len = bound(len, 1, 10 days);
        g0 = bound(g0, 0, 20 days);
        g1 = bound(g1, g0 + 1, 25 days);
        vm.prank(alice);
        uint256 id = streams.open(cellA, opsRole, address(token), WEEK, WEEK, t + s0, t + s0 + len); // 1 a second
        vm.warp(t + g0);
        _mint(opsRole, w1);
        vm.warp(t + g1);
        _revoke(opsRole, w1);
        vm.warp(t + 30 days);
        uint256 lo = s0 > g0 ? s0 : g0;
        uint256 hi = s0 + len < g1 ? s0 + len : g1;
        assertEq(streams.claimable(id, w1), hi > lo ? hi - lo : 0);
    }
}
