// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {ITaskBoard} from "../../src/interfaces/ITaskBoard.sol";
import {ITreasury} from "../../src/interfaces/ITreasury.sol";
import {TreasuryFixture} from "../utils/TreasuryFixture.sol";

contract TaskBoardTest is TreasuryFixture {
    address internal dev = makeAddr("dev");
    address internal dev2 = makeAddr("dev2");
    uint256 internal memberRoleA;

    function setUp() public override {
        super.setUp();
        _fundA(address(token), 1000e18, 500e18, 300e18);
        memberRoleA = registry.memberRoleOf(cellA);
        vm.prank(alice);
        roles.mintRole(memberRoleA, dev, 0);
    }

    function _create(uint256 bounty, uint256 requiredRole, uint64 deadline) internal returns (uint256 taskId) {
        vm.prank(alice);
        taskId =
            board.createTask(cellA, "ipfs://spec", keccak256("spec"), address(token), bounty, requiredRole, deadline);
    }

    function _claimAndSubmit(uint256 taskId, address who) internal {
        vm.prank(who);
        board.claim(taskId);
        vm.prank(who);
        board.submit(taskId, "ipfs://work", keccak256("work"));
    }

    /*//////////////////////////////////////////////////////////////
                                 CREATE
    //////////////////////////////////////////////////////////////*/

    function test_create_reservesTheBounty_andEmits() public {
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskCreated(
            1, cellA, address(token), 100e18, memberRoleA, 0, "ipfs://spec", keccak256("spec"), alice
        );
        vm.expectEmit(address(treasury));
        emit ITreasury.BountyReserved(cellA, address(token), 1, 100e18, 0);
        uint256 taskId = _create(100e18, memberRoleA, 0);
        assertEq(taskId, 1);
        assertEq(board.taskCount(), 1);
        ITaskBoard.Task memory t = board.getTask(taskId);
        assertEq(t.cellId, cellA);
        assertEq(t.bounty, 100e18);
        assertEq(uint8(t.status), uint8(ITaskBoard.Status.Open));
        assertEq(t.specHash, keccak256("spec"));
        assertEq(treasury.getBudget(cellA, address(token)).reserved, 100e18);
        assertEq(treasury.available(cellA, address(token)), 200e18);
    }

    function test_create_wrongCallers() public {
        address[5] memory intruders = [bob, carol, tina, eve, address(safeX)];
        for (uint256 i; i < intruders.length; ++i) {
            vm.prank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, intruders[i], cellA));
            board.createTask(cellA, "", bytes32(0), address(token), 1e18, 0, 0);
        }
    }

    function test_create_validates() public {
        vm.startPrank(alice);
        vm.expectRevert(ITaskBoard.ZeroBounty.selector);
        board.createTask(cellA, "", bytes32(0), address(token), 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.InvalidDeadline.selector, block.timestamp));
        board.createTask(cellA, "", bytes32(0), address(token), 1e18, 0, uint64(block.timestamp));
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.InsufficientBudget.selector, cellA, address(token), 300e18, 301e18)
        );
        board.createTask(cellA, "", bytes32(0), address(token), 301e18, 0, 0);
        vm.stopPrank();
        vm.prank(address(safeX));
        treasury.setFrozen(cellA, true);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellFrozen.selector, cellA));
        board.createTask(cellA, "", bytes32(0), address(token), 1e18, 0, 0);
    }

    function test_create_refusedInADissolvedCell() public {
        vm.prank(carol);
        registry.setPhase(cellA1, ICellRegistry.Phase.Dissolved);
        vm.prank(carol);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.CellDissolved.selector, cellA1));
        board.createTask(cellA1, "", bytes32(0), address(token), 1e18, 0, 0);
    }

    /*//////////////////////////////////////////////////////////////
                              CLAIM / ASSIGN
    //////////////////////////////////////////////////////////////*/

    function test_claim_requiresTheRole() public {
        uint256 taskId = _create(100e18, memberRoleA, 0);
        vm.prank(dev2);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotRoleWearer.selector, dev2, memberRoleA));
        board.claim(taskId);
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskClaimed(taskId, cellA, dev);
        vm.prank(dev);
        board.claim(taskId);
        assertEq(board.getTask(taskId).claimant, dev);
        vm.prank(dev);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.WrongStatus.selector, taskId, ITaskBoard.Status.Claimed));
        board.claim(taskId);
    }

    function test_claim_anyoneWithoutRole_andUnknownTask() public {
        uint256 taskId = _create(100e18, 0, 0);
        vm.prank(dev2);
        board.claim(taskId);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.TaskNotFound.selector, 99));
        board.claim(99);
    }

    function test_assign_byCellAdminOnly() public {
        uint256 taskId = _create(100e18, memberRoleA, 0);
        address[4] memory intruders = [bob, dev, eve, address(safeX)];
        for (uint256 i; i < intruders.length; ++i) {
            vm.prank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, intruders[i], cellA));
            board.assign(taskId, dev);
        }
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotRoleWearer.selector, dev2, memberRoleA));
        board.assign(taskId, dev2);
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskAssigned(taskId, cellA, dev, alice);
        vm.prank(alice);
        board.assign(taskId, dev);
        assertEq(board.getTask(taskId).claimant, dev);
    }

    /*//////////////////////////////////////////////////////////////
                           SUBMIT / REVIEW
    //////////////////////////////////////////////////////////////*/

    function test_submit_onlyTheClaimant() public {
        uint256 taskId = _create(100e18, 0, 0);
        vm.prank(dev);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.WrongStatus.selector, taskId, ITaskBoard.Status.Open));
        board.submit(taskId, "", bytes32(0));
        vm.prank(dev);
        board.claim(taskId);
        vm.prank(dev2);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotClaimant.selector, dev2, taskId));
        board.submit(taskId, "", bytes32(0));
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskSubmitted(taskId, cellA, dev, "ipfs://work", keccak256("work"));
        vm.prank(dev);
        board.submit(taskId, "ipfs://work", keccak256("work"));
        assertEq(board.getTask(taskId).deliverableHash, keccak256("work"));
    }

    function test_approve_paysTheBountyFromTheReservation() public {
        uint256 taskId = _create(100e18, 0, 0);
        _claimAndSubmit(taskId, dev);
        uint256 safeBefore = token.balanceOf(address(safeX));
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskApproved(taskId, cellA, dev, address(token), 100e18, alice);
        vm.expectEmit(address(treasury));
        emit ITreasury.BountyPaid(cellA, address(token), dev, taskId, 100e18, 0);
        vm.prank(alice);
        board.approve(taskId);
        assertEq(token.balanceOf(dev), 100e18);
        assertEq(safeBefore - token.balanceOf(address(safeX)), 100e18);
        ITreasury.BudgetView memory a = treasury.getBudget(cellA, address(token));
        assertEq(a.reserved, 0);
        assertEq(a.spent, 100e18);
        assertEq(a.available, 200e18);
        assertEq(uint8(board.getTask(taskId).status), uint8(ITaskBoard.Status.Paid));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.WrongStatus.selector, taskId, ITaskBoard.Status.Paid));
        board.approve(taskId);
    }

    function test_approve_wrongCallers_includingOtherCellsAndDaos() public {
        uint256 taskId = _create(100e18, 0, 0);
        _claimAndSubmit(taskId, dev);
        address[6] memory intruders = [bob, carol, tina, dev, eve, address(safeX)];
        for (uint256 i; i < intruders.length; ++i) {
            vm.prank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, intruders[i], cellA));
            board.approve(taskId);
        }
    }

    function test_approve_frozenCellPaysNothing() public {
        uint256 taskId = _create(100e18, 0, 0);
        _claimAndSubmit(taskId, dev);
        vm.prank(address(safeX));
        treasury.setFrozen(cellA, true);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellFrozen.selector, cellA));
        board.approve(taskId);
        assertEq(token.balanceOf(dev), 0);
        assertEq(uint8(board.getTask(taskId).status), uint8(ITaskBoard.Status.Submitted));
    }

    function test_reject_backToClaimant_whoResubmits() public {
        uint256 taskId = _create(100e18, 0, 0);
        _claimAndSubmit(taskId, dev);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, bob, cellA));
        board.reject(taskId, "no");
        vm.prank(dev);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, dev, cellA));
        board.reject(taskId, "no");
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskRejected(taskId, cellA, dev, "tests missing", alice);
        vm.prank(alice);
        board.reject(taskId, "tests missing");
        assertEq(uint8(board.getTask(taskId).status), uint8(ITaskBoard.Status.Claimed));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.WrongStatus.selector, taskId, ITaskBoard.Status.Claimed));
        board.approve(taskId);
        vm.prank(dev);
        board.submit(taskId, "ipfs://work2", keccak256("work2"));
        vm.prank(alice);
        board.approve(taskId);
        assertEq(token.balanceOf(dev), 100e18);
    }

    /*//////////////////////////////////////////////////////////////
                           CANCEL / DEADLINES
    //////////////////////////////////////////////////////////////*/

    function test_cancel_releasesTheReservation() public {
        uint256 taskId = _create(100e18, 0, 0);
        vm.prank(dev);
        board.claim(taskId);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, bob, cellA));
        board.cancel(taskId);
        vm.prank(dev);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, dev, cellA));
        board.cancel(taskId);
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskCancelled(taskId, cellA, dev, alice);
        vm.expectEmit(address(treasury));
        emit ITreasury.BountyReleased(cellA, address(token), taskId, 100e18, 0);
        vm.prank(alice);
        board.cancel(taskId);
        assertEq(treasury.available(cellA, address(token)), 300e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.WrongStatus.selector, taskId, ITaskBoard.Status.Cancelled));
        board.cancel(taskId);
        vm.prank(dev);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.WrongStatus.selector, taskId, ITaskBoard.Status.Cancelled));
        board.submit(taskId, "", bytes32(0));
    }

    function test_deadline_missedReopens() public {
        uint64 deadline = uint64(block.timestamp + 1 days);
        uint256 taskId = _create(100e18, 0, deadline);
        vm.prank(dev);
        board.claim(taskId);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.DeadlineNotPassed.selector, taskId, deadline));
        board.reopen(taskId);
        vm.warp(deadline + 1);
        assertEq(uint8(board.statusOf(taskId)), uint8(ITaskBoard.Status.Open), "treated as open");
        vm.prank(dev);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.DeadlinePassed.selector, taskId, deadline));
        board.submit(taskId, "", bytes32(0));
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskReopened(taskId, cellA, dev);
        vm.prank(dev2); // anyone
        board.reopen(taskId);
        assertEq(board.getTask(taskId).claimant, address(0));
        // Nobody claims past the deadline until the admin sets a new one.
        vm.prank(dev2);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.DeadlinePassed.selector, taskId, deadline));
        board.claim(taskId);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, bob, cellA));
        board.setDeadline(taskId, uint64(block.timestamp + 1 days));
        vm.prank(alice);
        board.setDeadline(taskId, uint64(block.timestamp + 1 days));
        _claimAndSubmit(taskId, dev2);
        vm.prank(alice);
        board.approve(taskId);
        assertEq(token.balanceOf(dev2), 100e18);
    }

    function test_deadline_lapsedClaimIsClaimableAfterExtension() public {
        uint64 deadline = uint64(block.timestamp + 1 days);
        uint256 taskId = _create(100e18, 0, deadline);
        vm.prank(dev);
        board.claim(taskId);
        vm.warp(deadline + 1);
        vm.expectEmit(address(board));
        emit ITaskBoard.TaskReopened(taskId, cellA, dev);
        vm.prank(alice);
        board.setDeadline(taskId, 0);
        vm.prank(dev2);
        board.claim(taskId);
        assertEq(board.getTask(taskId).claimant, dev2);
    }

    function test_deadline_submittedInTimeIsReviewedLater() public {
        uint64 deadline = uint64(block.timestamp + 1 days);
        uint256 taskId = _create(100e18, 0, deadline);
        _claimAndSubmit(taskId, dev);
        vm.warp(deadline + 10 days);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.WrongStatus.selector, taskId, ITaskBoard.Status.Submitted));
        board.reopen(taskId);
        vm.prank(alice);
        board.approve(taskId);
        assertEq(token.balanceOf(dev), 100e18);
    }

    /// @dev Bob administers cell B; nothing of his touches cell A's tasks, and B's tasks spend B's budget.
    function test_crossCell_tasksStayInTheirCell() public {
        _setChildBudgetX(cellB, address(token), 100e18, WEEK);
        _asSafe(safeX, address(treasury), abi.encodeCall(treasury.subAllocate, (daoX, cellB, address(token), 50e18)));
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, bob, cellA));
        board.createTask(cellA, "", bytes32(0), address(token), 1e18, 0, 0);
        vm.prank(bob);
        uint256 bTask = board.createTask(cellB, "", bytes32(0), address(token), 50e18, 0, 0);
        assertEq(treasury.available(cellB, address(token)), 0);
        assertEq(treasury.available(cellA, address(token)), 300e18);
        _claimAndSubmit(bTask, dev);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITaskBoard.NotCellAdmin.selector, alice, cellB));
        board.approve(bTask);
    }
}
