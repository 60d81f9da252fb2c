// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TaskBoard} from "../../src/TaskBoard.sol";
import {Treasury} from "../../src/Treasury.sol";
import {ITaskBoard} from "../../src/interfaces/ITaskBoard.sol";
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
    uint256 public ghostSubAllocations;
    /// @dev Handler calls in this run.
    uint256 public ghostCalls;
    /// @dev Calls that found nothing to do (no cell able to pay, nothing to hand down or claw back).
    uint256 public ghostSkips;
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

    modifier countCall() {
        ++ghostCalls;
        _;
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

    function warp(uint256 secondsSeed) external countCall {
        vm.warp(block.timestamp + bound(secondsSeed, 0, 3 days));
        _syncPeriod();
    }

    /// @dev Most calls pick a cell that can pay (not frozen, something left) and an amount it can pay;
    /// one in eight tries the seeded cell whatever its state, so frozen and exhausted cells are exercised.
    function spend(uint256 cellSeed, uint256 amountSeed) external countCall {
        _syncPeriod();
        uint256 i = bound(cellSeed, 0, 3);
        if (cellSeed % 8 != 0) {
            (bool found, uint256 j) = _firstPayable(i);
            if (!found) {
                ++ghostSkips;
                return;
            }
            i = j;
        }
        uint256 left = treasury.available(cells[i], address(token));
        bool frozen = treasury.isFrozen(cells[i]);
        uint256 amount = bound(amountSeed, 1, _quarter(left));
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

    /// @dev Bounded by what the parent has left and by the child's ceiling, so it nearly always succeeds.
    function subAllocate(uint256 childSeed, uint256 amountSeed) external countCall {
        _syncPeriod();
        uint256 c = bound(childSeed, 1, 3);
        uint256 p = parentIdx[c];
        uint256 max = _maxAllocation(c);
        if (max == 0) {
            ++ghostSkips;
            return;
        }
        uint256 amount = bound(amountSeed, 1, _quarter(max));
        vm.prank(admins[p]);
        try treasury.subAllocate(cells[p], cells[c], address(token), amount) {
            ghostReturnable[c] += amount;
            ++ghostSubAllocations;
        } catch {}
    }

    /// @dev Claws back from a child that holds something unspent (the first from the seeded one).
    function clawback(uint256 childSeed, uint256 amountSeed) external countCall {
        _syncPeriod();
        uint256 c = bound(childSeed, 1, 3);
        uint256 unspent;
        for (uint256 k; k < 3; ++k) {
            uint256 cand = 1 + (c - 1 + k) % 3;
            unspent = treasury.available(cells[cand], address(token));
            if (unspent != 0) {
                c = cand;
                break;
            }
        }
        if (unspent == 0) {
            // Nothing to take back anywhere: hand the seeded child something first (a sub-allocation by
            // its parent), so a clawback has something to act on.
            c = bound(childSeed, 1, 2); // a child of the root, which is never frozen
            uint256 max = _maxAllocation(c);
            if (max == 0) {
                ++ghostSkips;
                return;
            }
            uint256 given = bound(amountSeed, 1, _quarter(max));
            vm.prank(safe);
            treasury.subAllocate(cells[0], cells[c], address(token), given);
            ghostReturnable[c] += given;
            ++ghostSubAllocations;
            unspent = treasury.available(cells[c], address(token));
        }
        uint256 p = parentIdx[c];
        uint256 amount = bound(amountSeed, 1, unspent);
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

    /// @dev Freezes one call in four, unfreezes otherwise, so cells are not frozen most of the time.
    function setFrozen(uint256 cellSeed, uint256 freezeSeed) external countCall {
        uint256 i = bound(cellSeed, 1, 3);
        vm.prank(parentIdx[i] == 0 ? safe : admins[parentIdx[i]]);
        treasury.setFrozen(cells[i], freezeSeed % 4 == 0);
    }

    /// @dev At most a quarter of `x` (at least 1), so one call does not exhaust a budget for the run.
    function _quarter(uint256 x) internal pure returns (uint256) {
        return x < 4 ? 1 : x / 4;
    }

    function _firstPayable(uint256 from) internal view returns (bool, uint256) {
        for (uint256 k; k < 4; ++k) {
            uint256 j = (from + k) % 4;
            if (!treasury.isFrozen(cells[j]) && treasury.available(cells[j], address(token)) != 0) return (true, j);
        }
        return (false, 0);
    }

    /// @dev What the parent of child `c` can hand it now: its remainder, within the child's ceiling.
    function _maxAllocation(uint256 c) internal view returns (uint256) {
        uint256 p = parentIdx[c];
        if (treasury.isFrozen(cells[p])) return 0;
        uint256 parentLeft = treasury.available(cells[p], address(token));
        ITreasury.BudgetView memory cb = treasury.getBudget(cells[c], address(token));
        uint256 ceilingLeft = cb.amount - cb.received;
        return parentLeft < ceilingLeft ? parentLeft : ceilingLeft;
    }

    function createTask(uint256 cellSeed, uint256 amountSeed) external countCall {
        _syncPeriod();
        uint256 i = bound(cellSeed, 1, 3); // the root's admin is the Safe; tasks live in the working cells
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

    function finishTask(uint256 taskSeed, bool approve) external countCall {
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

    function openTasksLength() external view returns (uint256) {
        return openTasks.length;
    }

    function openTask(uint256 k) external view returns (uint256) {
        return openTasks[k];
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

    /// @notice Each full run really exercised the treasury: spends paid, allocations handed down and
    /// clawed back (the counts print with -vv). Without this, a handler whose calls all revert would pass
    /// every invariant above. Runs shorter than 32 calls (a shrunk or replayed sequence) are not held to it.
    function afterInvariant() public view {
        uint256 calls = handler.ghostCalls();
        console2.log("calls", calls, "spends", handler.ghostSpends());
        console2.log("subAllocations", handler.ghostSubAllocations(), "clawbacks", handler.ghostClawbacks());
        console2.log("skips", handler.ghostSkips(), "frozen attempts", handler.ghostFrozenAttempts());
        if (calls < 32) return;
        assertGt(handler.ghostSpends(), 0, "no spend succeeded");
        assertGt(handler.ghostSubAllocations(), 0, "no sub-allocation succeeded");
        assertGt(handler.ghostClawbacks(), 0, "no clawback succeeded");
        assertGt(handler.ghostPaid(), 0, "nothing paid");
    }

    /// @notice The task board's reservations and the treasury's budgets agree: each cell's `reserved` is
    /// exactly the bounties of its tasks that are neither paid nor cancelled, across periods, spends,
    /// clawbacks and freezes.
    function invariant_reservedEqualsOpenBounties() public view {
        uint256 n = handler.openTasksLength();
        for (uint256 i; i < 4; ++i) {
            uint256 open;
            for (uint256 k; k < n; ++k) {
                ITaskBoard.Task memory t = board.getTask(handler.openTask(k));
                if (t.cellId == cells[i]) open += t.bounty;
            }
            assertEq(treasury.getBudget(cells[i], address(token)).reserved, open, "reserved != open bounties");
        }
    }

    /// @notice The treasury pays every cell's spend from its own DAO's Safe: the DAO the registry names, which
    /// never changes (the treasury caches it per cell and per budget).
    function invariant_cellsStayInTheirDao() public view {
        for (uint256 i; i < 4; ++i) {
            assertEq(registry.daoOf(cells[i]), daoX, "a cell left its DAO");
        }
        assertEq(treasury.safeOf(daoX), address(safeX));
    }

    function invariant_frozenCellPaysNothing() public view {
        assertEq(handler.ghostFrozenPayments(), 0);
    }

    function invariant_clawbackRestoresTheParent() public view {
        assertEq(handler.ghostClawbackMismatches(), 0);
    }
}
