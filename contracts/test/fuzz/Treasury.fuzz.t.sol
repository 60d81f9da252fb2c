// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ITreasury} from "../../src/interfaces/ITreasury.sol";
import {TreasuryFixture} from "../utils/TreasuryFixture.sol";

contract TreasuryFuzzTest is TreasuryFixture {
    /// @notice Any period from an hour up, any start and any moment: the period index is
    /// floor((now - start) / period), a spend of the whole amount empties it, and the next period refills it.
    function testFuzz_periodMath(uint256 amount, uint256 period, uint256 startOffset, uint256 elapsed) public {
        amount = bound(amount, 1, 1_000_000e18);
        period = bound(period, 1 hours, type(uint32).max);
        startOffset = bound(startOffset, 0, 365 days);
        uint256 start = block.timestamp - startOffset;
        vm.prank(eve);
        treasury.setBudget(daoY, address(token), amount, period, start, 0);
        elapsed = bound(elapsed, 0, 10 * 365 days);
        vm.warp(block.timestamp + elapsed);
        ITreasury.BudgetView memory b = treasury.getBudget(daoY, address(token));
        assertEq(b.periodIndex, (block.timestamp - start) / period);
        assertEq(b.available, amount);
        vm.prank(eve);
        treasury.spend(daoY, address(token), recipient, amount, "", bytes32(0));
        assertEq(treasury.available(daoY, address(token)), 0);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InsufficientBudget.selector, daoY, address(token), 0, 1));
        treasury.spend(daoY, address(token), recipient, 1, "", bytes32(0));
        uint256 nextStart = start + (b.periodIndex + 1) * period;
        vm.warp(nextStart - 1);
        assertEq(treasury.available(daoY, address(token)), 0);
        vm.warp(nextStart);
        assertEq(treasury.available(daoY, address(token)), amount);
    }

    /// @notice Whatever is sub-allocated and spent in one period, the parent's and the child's committed
    /// amounts stay within their budgets, and the Safe pays exactly what was spent.
    function testFuzz_flowDown(uint256 rootAmount, uint256 ceiling, uint256 allocation, uint256 spendA) public {
        rootAmount = bound(rootAmount, 1, 1_000_000e18);
        ceiling = bound(ceiling, 1, 1_000_000e18);
        allocation = bound(allocation, 1, rootAmount < ceiling ? rootAmount : ceiling);
        spendA = bound(spendA, 1, allocation);
        _fundA(address(token), rootAmount, ceiling, allocation);
        uint256 safeBefore = token.balanceOf(address(safeX));
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, spendA, "", bytes32(0));
        assertEq(safeBefore - token.balanceOf(address(safeX)), spendA);
        assertEq(treasury.available(daoX, address(token)), rootAmount - allocation);
        assertEq(treasury.available(cellA, address(token)), allocation - spendA);
    }
}
