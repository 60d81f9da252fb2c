// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TaskBoard} from "../../src/TaskBoard.sol";
import {Treasury} from "../../src/Treasury.sol";
import {ITreasury} from "../../src/interfaces/ITreasury.sol";
import {TreasuryFixture} from "../utils/TreasuryFixture.sol";
import {TestToken} from "../utils/TreasuryTokens.sol";
import {Test, console2} from "forge-std/Test.sol";

/// @notice Drives DAO X's tree (root, A, B under the root, A1 under A; all weekly periods on one clock)
/// with random spends, sub-allocations, clawbacks, freezes, tasks and time. Ghost variables keep what the
/// treasury must have done.
contract TreasuryHandler is Test {
    Treasury internal treasury;
    TaskBoard internal board;
    TestToken internal token;
    address internal safe;

    uint256[4] internal cells; // 0 root, 1 A, 2 B, 3 A1
    address[4] internal admins; // own admin of each cell
    uint256[4] internal parentIdx; // index of the parent (root: itself)

    address internal payee = makeAddr("payee");
    address internal dev = makeAddr("dev");
    uint256[] internal openTasks;

    // Ghosts.
    uint256 public ghostPaid;
    uint256 public ghostFrozenPayments;
    uint256 public ghostClawbackMismatches;
    uint256 public ghostClawbacks;
    uint256 public ghostSpends;
    uint256 public ghostFrozenAttempts;
    /// @dev What each child received from its parent in the current (shared) period and was not clawed back.
    mapping(uint256 cellIndex => uint256) public ghostReturnable;
    uint256 internal ghostPeriod;

    constructor(
        Treasury treasury_,
        TaskBoard board_,
        TestToken token_,
        address safe_,
        uint256[4] memory cells_,
        address[4] memory admins_
    ) {
        treasury = treasury_;
        board = board_;
        token = token_;
        safe = safe_;
        cells = cells_;
        admins = admins_;
        parentIdx = [uint256(0), 0, 0, 1];
    }

    function _syncPeriod() internal {
        uint256 p = treasury.getBudget(cells[0], address(token)).periodIndex;
        if (p != ghostPeriod) {
            ghostPeriod = p;
            ghostReturnable[1] = 0;
            ghostReturnable[2] = 0;
            ghostReturnable[3] = 0;
        }
    }

    function warp(uint256 secondsSeed) external {
        vm.warp(block.timestamp + bound(secondsSeed, 0, 3 days));
        _syncPeriod();
    }

    function spend(uint256 cellSeed, uint256 amountSeed) external {
        _syncPeriod();
        uint256 i = bound(cellSeed, 0, 3);
        uint256 left = treasury.available(cells[i], address(token));
        bool frozen = treasury.isFrozen(cells[i]);
        uint256 amount = bound(amountSeed, 1, left == 0 ? 1 : left);
        uint256 before = token.balanceOf(safe);
        if (frozen) ++ghostFrozenAttempts;
        vm.prank(admins[i]);
        try treasury.spend(cells[i], address(token), payee, amount, "", bytes32(0)) {
            ghostPaid += amount;
            ++ghostSpends;
            if (frozen) ++ghostFrozenPayments;
        } catch {}
        if (frozen && token.balanceOf(safe) != before) ++ghostFrozenPayments;
    }

    function subAllocate(uint256 childSeed, uint256 amountSeed) external {
        _syncPeriod();
        uint256 c = bound(childSeed, 1, 3);
        uint256 p = parentIdx[c];
        uint256 left = treasury.available(cells[p], address(token));
        uint256 amount = bound(amountSeed, 1, left == 0 ? 1 : left);
        vm.prank(admins[p]);
        try treasury.subAllocate(cells[p], cells[c], address(token), amount) {
            ghostReturnable[c] += amount;
        } catch {}
    }

    function clawback(uint256 childSeed, uint256 amountSeed) external {
        _syncPeriod();
        uint256 c = bound(childSeed, 1, 3);
        uint256 p = parentIdx[c];
        uint256 unspent = treasury.available(cells[c], address(token));
        uint256 amount = bound(amountSeed, 1, unspent == 0 ? 1 : unspent);
        uint256 parentBefore = treasury.available(cells[p], address(token));
        // The parent's admin: the Safe for the root's children, A's admin for A1.
        vm.prank(p == 0 ? safe : admins[p]);
        try treasury.clawback(cells[c], address(token), amount) {
            ++ghostClawbacks;
            uint256 expected = amount < ghostReturnable[c] ? amount : ghostReturnable[c];
            ghostReturnable[c] -= expected;
            if (treasury.available(cells[p], address(token)) != parentBefore + expected) ++ghostClawbackMismatches;
        } catch {}
    }

    function setFrozen(uint256 cellSeed, bool frozen) external {
        uint256 i = bound(cellSeed, 1, 3);
        vm.prank(parentIdx[i] == 0 ? safe : admins[parentIdx[i]]);
        treasury.setFrozen(cells[i], frozen);
    }

    function createTask(uint256 cellSeed, uint256 amountSeed) external {
        _syncPeriod();
        uint256 i = bound(cellSeed, 0, 3);
        if (i == 0) return; // the root's admin is the Safe; tasks live in the working cells
        uint256 left = treasury.available(cells[i], address(token));
        uint256 amount = bound(amountSeed, 1, left == 0 ? 1 : left);
        vm.prank(admins[i]);
        try board.createTask(cells[i], "", bytes32(0), address(token), amount, 0, 0) returns (uint256 id) {
            vm.prank(dev);
            board.claim(id);
            vm.prank(dev);
            board.submit(id, "", bytes32(0));
            openTasks.push(id);
        } catch {}
    }

    function finishTask(uint256 taskSeed, bool approve) external {
        if (openTasks.length == 0) return;
        uint256 k = bound(taskSeed, 0, openTasks.length - 1);
        uint256 id = openTasks[k];
        uint256 cellId = board.getTask(id).cellId;
        address admin = _adminOf(cellId);
        bool frozen = treasury.isFrozen(cellId);
        uint256 before = token.balanceOf(safe);
        vm.prank(admin);
        if (approve) {
            try board.approve(id) {
                ghostPaid += board.getTask(id).bounty;
                if (frozen) ++ghostFrozenPayments;
                _drop(k);
            } catch {}
        } else {
            try board.cancel(id) {
                _drop(k);
            } catch {}
        }
        if (frozen && token.balanceOf(safe) != before) ++ghostFrozenPayments;
    }

    function _drop(uint256 k) internal {
        openTasks[k] = openTasks[openTasks.length - 1];
        openTasks.pop();
    }

    function _adminOf(uint256 cellId) internal view returns (address) {
        for (uint256 i; i < 4; ++i) {
            if (cells[i] == cellId) return admins[i];
        }
        return address(0);
    }
}

contract TreasuryInvariantTest is TreasuryFixture {
    TreasuryHandler internal handler;
    uint256 internal safeStart;
    uint256[4] internal cells;

    function setUp() public override {
        super.setUp();
        _setRootBudgetX(address(token), 10_000e18, WEEK);
        _setChildBudgetX(cellA, address(token), 6000e18, WEEK);
        _setChildBudgetX(cellB, address(token), 3000e18, WEEK);
        vm.prank(alice);
        treasury.setBudget(cellA1, address(token), 2000e18, WEEK, block.timestamp, 0);
        cells = [daoX, cellA, cellB, cellA1];
        handler =
            new TreasuryHandler(treasury, board, token, address(safeX), cells, [address(safeX), alice, bob, carol]);
        safeStart = token.balanceOf(address(safeX));
        targetContract(address(handler));
    }

    /// @notice Per cell, in the current period: spent + subAllocated + reserved <= cap <= amount.
    function invariant_committedNeverExceedsTheBudget() public view {
        for (uint256 i; i < 4; ++i) {
            ITreasury.BudgetView memory b = treasury.getBudget(cells[i], address(token));
            assertLe(b.spent + b.subAllocated + b.reserved, b.cap, "committed > cap");
            assertLe(b.cap, b.amount, "cap > amount");
        }
    }

    function invariant_safeFallsByExactlyWhatWasPaid() public view {
        assertEq(safeStart - token.balanceOf(address(safeX)), handler.ghostPaid());
        assertEq(token.balanceOf(address(treasury)), 0);
    }

    /// @notice How much each run exercised (printed with -vv), so a run that did nothing shows.
    function afterInvariant() public view {
        console2.log("spends", handler.ghostSpends(), "clawbacks", handler.ghostClawbacks());
        console2.log("paid", handler.ghostPaid(), "frozen attempts", handler.ghostFrozenAttempts());
    }

    function invariant_frozenCellPaysNothing() public view {
        assertEq(handler.ghostFrozenPayments(), 0);
    }

    function invariant_clawbackRestoresTheParent() public view {
        assertEq(handler.ghostClawbackMismatches(), 0);
    }
}
