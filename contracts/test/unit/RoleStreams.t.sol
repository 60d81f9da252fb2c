// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoleStreams} from "../../src/interfaces/IRoleStreams.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {ITreasury} from "../../src/interfaces/ITreasury.sol";
import {StreamsFixture} from "../utils/StreamsFixture.sol";

contract RoleStreamsOpenTest is StreamsFixture {
    function test_open_storesAndEmits() public {
        vm.expectEmit(address(streams));
        emit IRoleStreams.StreamOpened(1, cellA, devRole, address(token), RATE, WEEK, block.timestamp, 0, alice);
        uint256 id = _open(devRole);
        assertEq(id, 1);
        assertEq(streams.streamCount(), 1);
        IRoleStreams.StreamView memory v = streams.getStream(id);
        assertEq(v.cellId, cellA);
        assertEq(v.roleId, devRole);
        assertEq(v.token, address(token));
        assertEq(v.amount, RATE);
        assertEq(v.period, WEEK);
        assertEq(v.start, block.timestamp);
        assertEq(v.end, 0);
        assertFalse(v.closed);
    }

    function test_open_roleOfChildCell() public {
        vm.prank(carol);
        uint256 a1Role = roles.createRole(cellA1, "a1 dev", 1, address(0), address(0), false, false, "");
        vm.prank(alice);
        uint256 id = streams.open(cellA, a1Role, address(token), RATE, WEEK, 0, 0);
        assertEq(streams.getStream(id).roleId, a1Role);
    }

    function test_open_revertsForWrongCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.NotCellAdmin.selector, bob, cellA));
        vm.prank(bob);
        streams.open(cellA, devRole, address(token), RATE, WEEK, 0, 0);
        // The parent's admin is not the cell's own authority.
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.NotCellAdmin.selector, address(safeX), cellA));
        vm.prank(address(safeX));
        streams.open(cellA, devRole, address(token), RATE, WEEK, 0, 0);
    }

    function test_open_revertsForRoleOutsideCell() public {
        vm.prank(bob);
        uint256 bRole = roles.createRole(cellB, "b", 1, address(0), address(0), false, false, "");
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.RoleNotInCell.selector, bRole, cellA));
        vm.prank(alice);
        streams.open(cellA, bRole, address(token), RATE, WEEK, 0, 0);
        // A role of the parent is not below the cell either.
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.RoleNotInCell.selector, treasurerA, cellA1));
        vm.prank(carol);
        streams.open(cellA1, treasurerA, address(token), RATE, WEEK, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.RoleNotInCell.selector, 0, cellA));
        vm.prank(alice);
        streams.open(cellA, 0, address(token), RATE, WEEK, 0, 0);
    }

    function test_open_revertsForBadTerms() public {
        vm.startPrank(alice);
        vm.expectRevert(IRoleStreams.ZeroRate.selector);
        streams.open(cellA, devRole, address(token), 0, WEEK, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.AmountTooLarge.selector, uint256(1) << 112));
        streams.open(cellA, devRole, address(token), uint256(1) << 112, WEEK, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.AmountTooLarge.selector, (uint256(1) << 88) + 1));
        streams.open(cellA, devRole, address(token), (uint256(1) << 88) + 1, 1, 0, 0); // over 2^88 a second
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.InvalidPeriod.selector, 0));
        streams.open(cellA, devRole, address(token), RATE, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.InvalidPeriod.selector, uint256(1) << 32));
        streams.open(cellA, devRole, address(token), RATE, uint256(1) << 32, 0, 0);
        uint256 t = block.timestamp;
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.InvalidWindow.selector, t - 1, 0));
        streams.open(cellA, devRole, address(token), RATE, WEEK, t - 1, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.InvalidWindow.selector, t + 10, t + 10));
        streams.open(cellA, devRole, address(token), RATE, WEEK, t + 10, t + 10);
        vm.stopPrank();
    }

    function test_open_revertsForDissolvedCell() public {
        vm.prank(carol);
        uint256 a1Role = roles.createRole(cellA1, "a1 dev", 1, address(0), address(0), false, false, "");
        vm.prank(carol);
        registry.setPhase(cellA1, ICellRegistry.Phase.Dissolved);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.CellDissolved.selector, cellA1));
        vm.prank(carol);
        streams.open(cellA1, a1Role, address(token), RATE, WEEK, 0, 0);
    }

    function test_getStream_revertsForUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.StreamNotFound.selector, 7));
        streams.getStream(7);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.StreamNotFound.selector, 7));
        streams.claim(7, w1);
    }
}

contract RoleStreamsClaimTest is StreamsFixture {
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = _open(opsRole);
    }

    function test_claim_paysAccruedFromSafe() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        uint256 safeBefore = token.balanceOf(address(safeX));
        uint256 availBefore = treasury.available(cellA, address(token));
        assertEq(streams.claimable(id, w1), 10e18);
        vm.expectEmit(address(treasury));
        emit ITreasury.StreamPaid(cellA, address(token), w1, id, 10e18, 0);
        vm.expectEmit(address(streams));
        emit IRoleStreams.Claimed(id, w1, address(token), 10e18, 0, 10e18, 0, block.timestamp);
        vm.prank(anyone);
        uint256 paid = streams.claim(id, w1);
        assertEq(paid, 10e18);
        assertEq(token.balanceOf(w1), 10e18);
        assertEq(safeBefore - token.balanceOf(address(safeX)), 10e18, "Safe falls by exactly what was paid");
        assertEq(availBefore - treasury.available(cellA, address(token)), 10e18, "counted as spent");
        assertEq(treasury.getBudget(cellA, address(token)).spent, 10e18);
        // Nothing more until time passes.
        assertEq(streams.claim(id, w1), 0);
    }

    function test_claim_atStreamStartPaysNothing() public {
        _mint(opsRole, w1);
        assertEq(streams.claim(id, w1), 0);
        vm.warp(block.timestamp + 1);
        assertEq(streams.claim(id, w1), _due(1));
    }

    function test_claim_streamStartingLater() public {
        _mint(opsRole, w1);
        uint256 start = block.timestamp + DAY;
        vm.prank(alice);
        uint256 later = streams.open(cellA, opsRole, address(token), RATE, WEEK, start, start + DAY);
        vm.warp(start);
        assertEq(streams.claim(later, w1), 0, "the second it starts");
        vm.warp(start + DAY);
        assertEq(streams.claim(later, w1), 10e18, "the second it ends");
        vm.warp(start + 3 * DAY);
        assertEq(streams.claim(later, w1), 0, "nothing after the end");
    }

    function test_claim_nonWearerGetsNothing() public {
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 0);
        assertEq(token.balanceOf(w1), 0);
    }

    function test_claim_grantBeforeStreamCountsFromStart() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        vm.prank(alice);
        uint256 id2 = streams.open(cellA, opsRole, address(token), RATE, WEEK, 0, 0);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id2, w1), 10e18);
    }

    function test_revoke_accruedStaysClaimable_newWearerGetsNone() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        _revoke(opsRole, w1);
        _mint(opsRole, w2);
        vm.warp(block.timestamp + 2 * DAY);
        assertEq(streams.claim(id, w1), 10e18, "w1: the day worn, not after");
        assertEq(streams.claim(id, w2), 20e18, "w2: only from its own grant");
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 0);
    }

    function test_renounce_accrualEndsAtRenounce() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        vm.prank(w1);
        roles.renounceRole(opsRole);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 10e18);
    }

    function test_transfer_splitsAtTransfer() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        vm.prank(alice);
        roles.transferRole(opsRole, w1, w2);
        vm.warp(block.timestamp + 3 * DAY);
        assertEq(streams.claim(id, w1), 10e18);
        assertEq(streams.claim(id, w2), 30e18);
    }

    function test_expiry_accrualEndsAtExpiry() public {
        vm.prank(alice);
        roles.mintRole(opsRole, w1, uint64(block.timestamp + DAY));
        vm.warp(block.timestamp + 5 * DAY);
        assertEq(streams.claim(id, w1), 10e18, "expired, not revoked");
        vm.warp(block.timestamp + DAY);
        _revoke(opsRole, w1);
        assertEq(streams.claim(id, w1), 0, "revoked after expiry: nothing more");
    }

    function test_expiry_renewedAfterExpiry_gapNotPaid() public {
        vm.prank(alice);
        roles.mintRole(opsRole, w1, uint64(block.timestamp + DAY));
        vm.warp(block.timestamp + 2 * DAY);
        vm.prank(alice);
        roles.renewRole(opsRole, w1, uint64(block.timestamp + 10 * DAY));
        (uint40 a, uint40 b) = roles.pastGrant(opsRole, w1, 0);
        assertEq(b - a, DAY, "the expired interval archived");
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 20e18, "a day, a gap, a day");
    }

    function test_regrantedTwiceWithoutClaim_everyIntervalPaid() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        _revoke(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        _mint(opsRole, w1);
        vm.warp(block.timestamp + 2 * DAY);
        _revoke(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        (,,, uint32 pastCount,,) = roles.grantTimes(opsRole, w1);
        assertEq(pastCount, 2);
        assertEq(streams.claim(id, w1), 40e18, "1 + 2 + 1 days worn, 2 days not");
    }

    function test_rateChange_appliesFromChange() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        vm.expectEmit(address(streams));
        emit IRoleStreams.StreamRateChanged(id, cellA, alice, 2 * RATE, block.timestamp);
        vm.prank(alice);
        streams.setRate(id, 2 * RATE);
        vm.warp(block.timestamp + DAY);
        vm.prank(alice);
        streams.setRate(id, RATE / 2);
        vm.warp(block.timestamp + 2 * DAY);
        assertEq(streams.claim(id, w1), 10e18 + 20e18 + 10e18);
    }

    function test_rateChange_afterRevokeDoesNotChangeWhatWasEarned() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        _revoke(opsRole, w1);
        vm.prank(alice);
        streams.setRate(id, 10 * RATE);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 10e18);
    }

    function test_close_stopsAccrual_keepsOwed() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        vm.expectEmit(address(streams));
        emit IRoleStreams.StreamClosed(id, cellA, alice, block.timestamp);
        vm.prank(alice);
        streams.close(id);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 10e18);
        assertTrue(streams.getStream(id).closed);
    }

    function test_close_byParentAdmin() public {
        vm.prank(address(safeX));
        streams.close(id);
        assertTrue(streams.getStream(id).closed);
    }

    function test_close_revertsForWrongCaller_andTwice() public {
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.NotStreamCloser.selector, bob, cellA));
        vm.prank(bob);
        streams.close(id);
        vm.prank(alice);
        streams.close(id);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.StreamEnded.selector, id, block.timestamp));
        vm.prank(alice);
        streams.close(id);
    }

    function test_close_anyoneOnceCellDissolved() public {
        vm.prank(carol);
        uint256 a1Role = roles.createRole(cellA1, "a1 dev", 1, address(0), address(0), false, false, "");
        vm.prank(carol);
        uint256 a1Stream = streams.open(cellA1, a1Role, address(token), RATE, WEEK, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.NotStreamCloser.selector, anyone, cellA1));
        vm.prank(anyone);
        streams.close(a1Stream);
        vm.prank(carol);
        registry.setPhase(cellA1, ICellRegistry.Phase.Dissolved);
        vm.prank(anyone);
        streams.close(a1Stream);
        assertTrue(streams.getStream(a1Stream).closed);
    }

    function test_changes_revertAfterEndOrClose_andForWrongCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.NotCellAdmin.selector, bob, cellA));
        vm.prank(bob);
        streams.setRate(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.NotCellAdmin.selector, address(safeX), cellA));
        vm.prank(address(safeX));
        streams.setEnd(id, block.timestamp + DAY);
        vm.expectRevert(IRoleStreams.ZeroRate.selector);
        vm.prank(alice);
        streams.setRate(id, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.InvalidEnd.selector, id, block.timestamp - 1));
        vm.prank(alice);
        streams.setEnd(id, block.timestamp - 1);

        uint256 end = block.timestamp + DAY;
        vm.expectEmit(address(streams));
        emit IRoleStreams.StreamEndChanged(id, cellA, alice, end);
        vm.prank(alice);
        streams.setEnd(id, end);
        vm.warp(end);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.StreamEnded.selector, id, end));
        vm.prank(alice);
        streams.setRate(id, 1);
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.StreamEnded.selector, id, end));
        vm.prank(alice);
        streams.setEnd(id, 0);
    }

    function test_setEnd_stopsAccrualAtEnd() public {
        _mint(opsRole, w1);
        vm.prank(alice);
        streams.setEnd(id, block.timestamp + DAY);
        vm.warp(block.timestamp + 4 * DAY);
        assertEq(streams.claim(id, w1), 10e18);
    }

    function test_budgetShort_paysWhatIsLeft_restStaysOwed() public {
        for (uint256 i; i < 4; ++i) {
            _mint(opsRole, address(uint160(0x1000 + i)));
        }
        _mint(opsRole, w1);
        // Spend most of the week's 300e18.
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 295e18, "", bytes32(0));
        vm.warp(block.timestamp + DAY);
        uint256 paid = streams.claim(id, w1);
        assertEq(paid, 5e18, "exactly what was left");
        assertEq(treasury.available(cellA, address(token)), 0);
        assertEq(streams.accrualOf(id, w1).owed, 5e18, "the rest stays owed");
        // Next week, A is funded again: the rest is paid with the new accrual.
        vm.warp(block.timestamp + WEEK);
        _asSafe(safeX, address(treasury), abi.encodeCall(treasury.subAllocate, (daoX, cellA, address(token), 300e18)));
        assertEq(streams.claim(id, w1), 5e18 + 70e18);
        assertEq(token.balanceOf(w1), 80e18);
    }

    function test_budgetExactlyEqualToOwed() public {
        _mint(opsRole, w1);
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 290e18, "", bytes32(0));
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 10e18);
        assertEq(treasury.available(cellA, address(token)), 0);
        assertEq(streams.accrualOf(id, w1).owed, 0);
    }

    function test_freeze_stopsPayment_notAccrual() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        vm.prank(address(safeX));
        treasury.setFrozen(cellA, true);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellFrozen.selector, cellA));
        streams.claim(id, w1);
        vm.warp(block.timestamp + DAY);
        vm.prank(address(safeX));
        treasury.setFrozen(cellA, false);
        assertEq(streams.claim(id, w1), 20e18);
    }

    function test_clawback_stopsAccrual() public {
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        vm.prank(address(safeX));
        treasury.clawback(cellA, address(token), 100e18);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 10e18, "accrual stopped at the clawback");
        // A stream opened after the clawback accrues until the next one.
        uint256 id2 = _open(opsRole);
        vm.warp(block.timestamp + DAY);
        vm.prank(address(safeX));
        treasury.clawback(cellA, address(token), 10e18);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id2, w1), 10e18);
        assertEq(streams.claim(id, w1), 0);
    }

    function test_budgetExpiry_stopsAccrual() public {
        _mint(opsRole, w1);
        uint256 expiry = block.timestamp + DAY;
        vm.prank(address(safeX));
        treasury.setBudget(cellA, address(token), 500e18, WEEK, block.timestamp, expiry);
        vm.warp(block.timestamp + 3 * DAY);
        assertEq(streams.claimable(id, w1), 10e18, "accrued until the expiry");
        assertEq(streams.claim(id, w1), 0, "an expired budget pays nothing");
        assertEq(streams.accrualOf(id, w1).owed, 10e18, "still owed");
    }

    function test_liveIneligibility_forfeitsSinceCheckpoint() public {
        uint256 dev = _open(devRole);
        _mint(devRole, w1);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(dev, w1), 10e18);
        vm.warp(block.timestamp + DAY);
        elig.set(w1, false, true); // no event: the module just says no
        vm.expectEmit(address(streams));
        emit IRoleStreams.Claimed(dev, w1, address(token), 0, DAY, 0, 0, block.timestamp);
        assertEq(streams.claim(dev, w1), 0, "not wearing at settlement: the day since is forfeited");
        elig.set(w1, true, true);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(dev, w1), 10e18, "accrues again from the settlement");
    }

    function test_eligibilityModuleRevokes_earnedStaysClaimable() public {
        uint256 dev = _open(devRole);
        _mint(devRole, w1);
        vm.warp(block.timestamp + DAY);
        elig.push(roles, devRole, w1, false, false);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(dev, w1), 10e18);
    }

    function test_moduleChange_keepsEarned() public {
        uint256 dev = _open(devRole);
        _mint(devRole, w1);
        vm.warp(block.timestamp + DAY);
        _revoke(devRole, w1);
        vm.prank(alice);
        roles.changeRoleEligibility(devRole, address(0));
        assertEq(streams.claim(dev, w1), 10e18);
    }

    function test_claimMany_paysEach_noDoublePay() public {
        _mint(opsRole, w1);
        _mint(opsRole, w2);
        vm.warp(block.timestamp + DAY);
        address[] memory ws = new address[](3);
        ws[0] = w1;
        ws[1] = w2;
        ws[2] = w1;
        uint256 paid = streams.claimMany(id, ws);
        assertEq(paid, 20e18);
        assertEq(token.balanceOf(w1), 10e18);
        assertEq(token.balanceOf(w2), 10e18);
    }

    function test_claimMany_budgetShort_inOrder() public {
        _mint(opsRole, w1);
        _mint(opsRole, w2);
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 285e18, "", bytes32(0));
        vm.warp(block.timestamp + DAY);
        address[] memory ws = new address[](2);
        ws[0] = w1;
        ws[1] = w2;
        assertEq(streams.claimMany(id, ws), 15e18);
        assertEq(token.balanceOf(w1), 10e18);
        assertEq(token.balanceOf(w2), 5e18);
        assertEq(streams.accrualOf(id, w2).owed, 5e18);
    }

    function test_roleOfChildCell_paidFromParentBudget() public {
        vm.prank(carol);
        uint256 a1Role = roles.createRole(cellA1, "a1 dev", 1, address(0), address(0), false, false, "");
        vm.prank(alice);
        uint256 a1Stream = streams.open(cellA, a1Role, address(token), RATE, WEEK, 0, 0);
        assertEq(streams.getStream(a1Stream).cellId, cellA);
        vm.prank(carol);
        roles.mintRole(a1Role, w1, 0);
        vm.warp(block.timestamp + DAY);
        uint256 before = treasury.available(cellA, address(token));
        assertEq(streams.claim(a1Stream, w1), 10e18);
        assertEq(before - treasury.available(cellA, address(token)), 10e18, "out of cell A's budget");
        // The child's admin is not the paying cell's authority.
        vm.expectRevert(abi.encodeWithSelector(IRoleStreams.NotCellAdmin.selector, carol, cellA));
        vm.prank(carol);
        streams.setRate(a1Stream, 1);
    }

    function test_setEnd_openEndedAgain_andEarnedKeptAfterRevoke() public {
        _mint(opsRole, w1);
        vm.prank(alice);
        streams.setEnd(id, block.timestamp + DAY);
        vm.prank(alice);
        streams.setEnd(id, 0);
        vm.warp(block.timestamp + 2 * DAY);
        _revoke(opsRole, w1);
        vm.prank(alice);
        streams.setEnd(id, block.timestamp + 1);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(id, w1), 20e18);
    }

    function test_treasuryStreamHooks_revertForOthers() public {
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotStreams.selector, alice));
        vm.prank(alice);
        treasury.payStreamOne(cellA, address(token), id, alice, 1);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotStreams.selector, alice));
        vm.prank(alice);
        treasury.payStream(cellA, address(token), id, new address[](1), new uint256[](1));
    }

    function test_ethStream() public {
        _fundA(address(0), 10 ether, 5 ether, 3 ether);
        vm.prank(alice);
        uint256 ethId = streams.open(cellA, opsRole, address(0), 7 ether, WEEK, 0, 0);
        _mint(opsRole, w1);
        vm.warp(block.timestamp + DAY);
        assertEq(streams.claim(ethId, w1), 1 ether);
        assertEq(w1.balance, 1 ether);
    }

    function test_remainderKeepsDust() public {
        vm.prank(alice);
        uint256 odd = streams.open(cellA, opsRole, address(token), 7, WEEK, 0, 0); // 7 units a week
        _mint(opsRole, w1);
        uint256 paid;
        for (uint256 i; i < 7; ++i) {
            vm.warp(block.timestamp + DAY);
            paid += streams.claim(odd, w1);
        }
        // The 7th day falls in the budget's next week, when cell A has not been funded again: owed.
        assertEq(paid + streams.accrualOf(odd, w1).owed, 7, "daily claims lose no dust");
    }
}

contract RolesGrantTimesTest is StreamsFixture {
    function test_grantTimes_recordStartEndAndArchive() public {
        uint256 t0 = block.timestamp;
        _mint(opsRole, w1);
        (uint40 start, uint40 end, uint64 expiry, uint32 pastCount, bool worn, bool wearing) =
            roles.grantTimes(opsRole, w1);
        assertEq(start, t0);
        assertEq(end, 0);
        assertEq(expiry, 0);
        assertEq(pastCount, 0);
        assertTrue(worn && wearing);
        vm.warp(t0 + 100);
        _revoke(opsRole, w1);
        (start, end,,, worn, wearing) = roles.grantTimes(opsRole, w1);
        assertEq(start, t0);
        assertEq(end, t0 + 100);
        assertFalse(worn || wearing);
        assertEq(roles.wearerSince(opsRole, w1), 0, "since still cleared on revoke");
        vm.warp(t0 + 200);
        _mint(opsRole, w1);
        (start, end,, pastCount,,) = roles.grantTimes(opsRole, w1);
        assertEq(start, t0 + 200);
        assertEq(end, 0);
        assertEq(pastCount, 1);
        (uint40 a, uint40 b) = roles.pastGrant(opsRole, w1, 0);
        assertEq(a, t0);
        assertEq(b, t0 + 100);
    }

    function test_grantTimes_endIsExpiryWhenRevokedLate() public {
        vm.prank(alice);
        roles.mintRole(opsRole, w1, uint64(block.timestamp + 50));
        vm.warp(block.timestamp + 500);
        _revoke(opsRole, w1);
        (uint40 start, uint40 end,,,,) = roles.grantTimes(opsRole, w1);
        assertEq(end - start, 50);
    }
}
