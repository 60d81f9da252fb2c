// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {ITreasury} from "../../src/interfaces/ITreasury.sol";
import {TreasuryFixture} from "../utils/TreasuryFixture.sol";
import {
    FalseReturnToken,
    FeeOnTransferToken,
    NoReturnToken,
    ReentrantToken,
    TestToken
} from "../utils/TreasuryTokens.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";

contract RevertingReceiver {
    receive() external payable {
        revert("no");
    }
}

contract TreasuryTest is TreasuryFixture {
    /*//////////////////////////////////////////////////////////////
                              REGISTRATION
    //////////////////////////////////////////////////////////////*/

    function test_setUp_registersBothSafes() public view {
        assertEq(treasury.safeOf(daoX), address(safeX));
        assertEq(treasury.safeOf(daoY), address(safeY));
        assertEq(treasury.taskBoard(), address(board));
        assertEq(address(board.treasury()), address(treasury));
        assertTrue(safeX.isModuleEnabled(address(treasury)));
    }

    function test_registerSafe_revertsForNonDaoAdmin() public {
        vm.prank(alice); // admin of cell A, not of DAO X
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotDaoAdmin.selector, alice, daoX));
        treasury.registerSafe(daoX, address(safeX));
        vm.prank(eve); // another DAO's governance
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotDaoAdmin.selector, eve, daoX));
        treasury.registerSafe(daoX, address(safeY));
    }

    function test_registerSafe_revertsForChildCell() public {
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotDaoRoot.selector, cellA));
        treasury.registerSafe(cellA, address(safeX));
    }

    /// @dev The cross-DAO attack: DAO Y's governance names DAO X's Safe as its own treasury.
    function test_registerSafe_revertsWithoutTheSafesConsent() public {
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.SafeNotConsenting.selector, address(safeX), daoY));
        treasury.registerSafe(daoY, address(safeX));
        // eve approving on her own account does not count as safeX consenting.
        vm.prank(eve);
        treasury.approveDao(daoY, true);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.SafeNotConsenting.selector, address(safeX), daoY));
        treasury.registerSafe(daoY, address(safeX));
        assertEq(treasury.safeOf(daoY), address(safeY));
    }

    function test_registerSafe_revertsWhenModuleNotEnabled() public {
        Safe other = _newSafe("other", 1, 1);
        _asSafe(other, address(treasury), abi.encodeCall(treasury.approveDao, (daoY, true)));
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.ModuleNotEnabled.selector, address(other)));
        treasury.registerSafe(daoY, address(other));
    }

    function test_registerSafe_emitsAndReplaces() public {
        Safe other = _newSafe("other", 1, 1);
        _enableModule(other, address(treasury));
        _asSafe(other, address(treasury), abi.encodeCall(treasury.approveDao, (daoY, true)));
        assertTrue(treasury.safeApproved(address(other), daoY));
        vm.expectEmit(address(treasury));
        emit ITreasury.SafeRegistered(daoY, address(other), eve);
        vm.prank(eve);
        treasury.registerSafe(daoY, address(other));
        assertEq(treasury.safeOf(daoY), address(other));
    }

    /*//////////////////////////////////////////////////////////////
                               TREASURER
    //////////////////////////////////////////////////////////////*/

    function test_setTreasurerRole_wrongCallers() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAdmin.selector, bob, cellA));
        treasury.setTreasurerRole(cellA, treasurerA);
        // The parent's admin (the Safe) administers A but is not A's own admin.
        vm.prank(address(safeX));
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAdmin.selector, address(safeX), cellA));
        treasury.setTreasurerRole(cellA, 0);
        vm.prank(tina);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAdmin.selector, tina, cellA));
        treasury.setTreasurerRole(cellA, 0);
    }

    function test_setTreasurerRole_rejectsRolesOutsideTheCell() public {
        vm.startPrank(alice);
        uint256 deep = roles.createRole(treasurerA, "deputy", 1, address(0), address(0), true, false, "");
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InvalidTreasurerRole.selector, cellA, deep));
        treasury.setTreasurerRole(cellA, deep);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InvalidTreasurerRole.selector, cellA, cellB));
        treasury.setTreasurerRole(cellA, cellB);
        uint256 bRole = cellB | (uint256(1) << 208);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InvalidTreasurerRole.selector, cellA, bRole));
        treasury.setTreasurerRole(cellA, bRole);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InvalidTreasurerRole.selector, cellA, cellA));
        treasury.setTreasurerRole(cellA, cellA);
        vm.stopPrank();
        assertEq(treasury.treasurerRoleOf(cellA), treasurerA);
    }

    function test_treasurer_spendsUntilRevokedOrCleared() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.prank(tina);
        treasury.spend(cellA, address(token), recipient, 10e18, "ipfs://memo", bytes32("r1"));
        assertEq(token.balanceOf(recipient), 10e18);

        vm.prank(alice);
        roles.revokeRole(treasurerA, tina);
        vm.prank(tina);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAuthority.selector, tina, cellA));
        treasury.spend(cellA, address(token), recipient, 10e18, "", bytes32(0));

        vm.prank(alice);
        roles.mintRole(treasurerA, tina, 0);
        vm.prank(alice);
        treasury.setTreasurerRole(cellA, 0);
        assertEq(treasury.treasurerRoleOf(cellA), 0);
        vm.prank(tina);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAuthority.selector, tina, cellA));
        treasury.spend(cellA, address(token), recipient, 10e18, "", bytes32(0));
    }

    /*//////////////////////////////////////////////////////////////
                                BUDGETS
    //////////////////////////////////////////////////////////////*/

    function test_setBudget_rootBySafe_childByParentAdmin() public {
        _setRootBudgetX(address(token), 1000e18, WEEK);
        ITreasury.BudgetView memory root = treasury.getBudget(daoX, address(token));
        assertEq(root.amount, 1000e18);
        assertEq(root.period, WEEK);
        assertFalse(root.funded);
        assertTrue(root.active);
        assertEq(root.available, 1000e18);

        _setChildBudgetX(cellA, address(token), 400e18, WEEK);
        ITreasury.BudgetView memory a = treasury.getBudget(cellA, address(token));
        assertTrue(a.funded);
        assertEq(a.available, 0, "a child holds nothing until funded");

        // alice administers A1 (A is A1's parent).
        vm.prank(alice);
        treasury.setBudget(cellA1, address(token), 50e18, 1 hours, block.timestamp, block.timestamp + 30 days);
        assertEq(treasury.getBudget(cellA1, address(token)).expiry, block.timestamp + 30 days);
    }

    function test_setBudget_wrongCallers() public {
        vm.prank(alice); // A's own admin cannot raise A's budget
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, alice, cellA));
        treasury.setBudget(cellA, address(token), 1e18, WEEK, block.timestamp, 0);
        vm.prank(alice); // nor the DAO's
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, alice, daoX));
        treasury.setBudget(daoX, address(token), 1e18, WEEK, block.timestamp, 0);
        vm.prank(bob); // B's admin cannot touch A1 (cousin)
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, bob, cellA1));
        treasury.setBudget(cellA1, address(token), 1e18, WEEK, block.timestamp, 0);
        vm.prank(eve); // another DAO's governance
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, eve, daoX));
        treasury.setBudget(daoX, address(token), 1e18, WEEK, block.timestamp, 0);
        vm.prank(carol); // A1's own admin
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, carol, cellA1));
        treasury.setBudget(cellA1, address(token), 1e18, WEEK, block.timestamp, 0);
    }

    function test_setBudget_validatesTerms() public {
        vm.startPrank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.PeriodTooShort.selector, 1 hours - 1));
        treasury.setBudget(daoY, address(token), 1e18, 1 hours - 1, block.timestamp, 0);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.PeriodTooShort.selector, 0));
        treasury.setBudget(daoY, address(token), 1e18, 0, block.timestamp, 0);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InvalidExpiry.selector, block.timestamp, block.timestamp));
        treasury.setBudget(daoY, address(token), 1e18, 1 hours, block.timestamp, block.timestamp);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.AmountTooLarge.selector, uint256(type(uint112).max) + 1));
        treasury.setBudget(daoY, address(token), uint256(type(uint112).max) + 1, 1 hours, block.timestamp, 0);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellNotFound.selector, uint256(999) << 224));
        treasury.setBudget(uint256(999) << 224, address(token), 1e18, 1 hours, block.timestamp, 0);
        // An hour and a year both work: no cap on the period length.
        treasury.setBudget(daoY, address(token), 1e18, 1 hours, block.timestamp, 0);
        treasury.setBudget(daoY, address(token), 1e18, 365 days, block.timestamp, 0);
        vm.stopPrank();
    }

    function test_setBudget_keepsUsageAndRefusesToGoBelowIt() public {
        vm.prank(eve);
        treasury.setBudget(daoY, address(token), 100e18, WEEK, block.timestamp, 0);
        _spendAsEve(60e18);
        vm.prank(eve);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.BudgetBelowCommitted.selector, daoY, address(token), 50e18, 60e18)
        );
        treasury.setBudget(daoY, address(token), 50e18, WEEK, block.timestamp, 0);
        // Changing the period does not reset what was spent.
        vm.prank(eve);
        treasury.setBudget(daoY, address(token), 80e18, 1 days, block.timestamp, 0);
        assertEq(treasury.available(daoY, address(token)), 20e18);
        assertEq(treasury.getBudget(daoY, address(token)).spent, 60e18);
    }

    /*//////////////////////////////////////////////////////////////
                                 SPEND
    //////////////////////////////////////////////////////////////*/

    function test_spend_payFromTheDaosSafe_andEmits() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        uint256 safeBefore = token.balanceOf(address(safeX));
        vm.expectEmit(address(treasury));
        emit ITreasury.Spent(cellA, address(token), recipient, 120e18, 0, alice, "ipfs://invoice", bytes32("INV-1"));
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 120e18, "ipfs://invoice", bytes32("INV-1"));
        assertEq(token.balanceOf(recipient), 120e18);
        assertEq(safeBefore - token.balanceOf(address(safeX)), 120e18);
        assertEq(token.balanceOf(address(treasury)), 0, "the module never holds funds");
        ITreasury.BudgetView memory a = treasury.getBudget(cellA, address(token));
        assertEq(a.spent, 120e18);
        assertEq(a.received, 300e18);
        assertEq(a.available, 180e18);
    }

    /// @dev The DAO root's own spending: its admin is the Safe, so the owners sign a Safe transaction that
    /// calls the module, which pays from that same Safe.
    function test_spend_rootThroughASignedSafeTransaction() public {
        _setRootBudgetX(address(token), 1000e18, WEEK);
        _asSafe(
            safeX,
            address(treasury),
            abi.encodeCall(treasury.spend, (daoX, address(token), recipient, 250e18, "ipfs://grant", bytes32("G-1")))
        );
        assertEq(token.balanceOf(recipient), 250e18);
        assertEq(treasury.available(daoX, address(token)), 750e18);
    }

    function test_spend_eth() public {
        _fundA(address(0), 10 ether, 5 ether, 2 ether);
        vm.prank(alice);
        treasury.spend(cellA, address(0), recipient, 1.5 ether, "", bytes32(0));
        assertEq(recipient.balance, 1.5 ether);
        assertEq(address(safeX).balance, 98.5 ether);
        assertEq(treasury.available(cellA, address(0)), 0.5 ether);
    }

    function test_spend_wrongCallers() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        address[5] memory intruders = [bob, carol, eve, yuri, address(safeX)];
        for (uint256 i; i < intruders.length; ++i) {
            vm.prank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAuthority.selector, intruders[i], cellA));
            treasury.spend(cellA, address(token), recipient, 1e18, "", bytes32(0));
        }
        // alice cannot move her parent's (the DAO's) money either.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAuthority.selector, alice, daoX));
        treasury.spend(daoX, address(token), recipient, 1e18, "", bytes32(0));
    }

    /// @dev DAO Y's cell spends from DAO Y's Safe only, however DAO X is funded.
    function test_spend_crossDao_paysOnlyFromOwnSafe() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.prank(eve);
        treasury.setBudget(daoY, address(token), 100e18, WEEK, block.timestamp, 0);
        vm.prank(eve);
        treasury.setBudget(cellY1, address(token), 100e18, WEEK, block.timestamp, 0);
        vm.prank(yuri);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.InsufficientBudget.selector, cellY1, address(token), 0, 1e18));
        treasury.spend(cellY1, address(token), recipient, 1e18, "", bytes32(0));
        vm.prank(eve);
        treasury.subAllocate(daoY, cellY1, address(token), 40e18);
        uint256 xBefore = token.balanceOf(address(safeX));
        vm.prank(yuri);
        treasury.spend(cellY1, address(token), recipient, 40e18, "", bytes32(0));
        assertEq(token.balanceOf(address(safeX)), xBefore);
        assertEq(token.balanceOf(address(safeY)), 1_000_000e18 - 40e18);
        // yuri cannot spend DAO X's cells, nor eve sub-allocate into them.
        vm.prank(yuri);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAuthority.selector, yuri, cellA));
        treasury.spend(cellA, address(token), recipient, 1e18, "", bytes32(0));
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotChildOf.selector, cellA, daoY));
        treasury.subAllocate(daoY, cellA, address(token), 1e18);
    }

    function test_spend_revertsWithoutRegisteredSafe() public {
        vm.prank(eve);
        uint256 daoZ = registry.createDao(
            eve, "Z", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, new address[](0)
        );
        vm.prank(eve);
        treasury.setBudget(daoZ, address(token), 100e18, WEEK, block.timestamp, 0);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.SafeNotRegistered.selector, daoZ));
        treasury.spend(daoZ, address(token), recipient, 1e18, "", bytes32(0));
    }

    function test_spend_revertsOverBudget_andZeroes() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.startPrank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.InsufficientBudget.selector, cellA, address(token), 300e18, 300e18 + 1)
        );
        treasury.spend(cellA, address(token), recipient, 300e18 + 1, "", bytes32(0));
        vm.expectRevert(ITreasury.ZeroAmount.selector);
        treasury.spend(cellA, address(token), recipient, 0, "", bytes32(0));
        vm.expectRevert(ITreasury.ZeroAddress.selector);
        treasury.spend(cellA, address(token), address(0), 1, "", bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NoBudget.selector, cellA, address(0)));
        treasury.spend(cellA, address(0), recipient, 1, "", bytes32(0));
        vm.stopPrank();
    }

    function test_spend_periodRollsOver() public {
        vm.prank(eve);
        treasury.setBudget(daoY, address(token), 100e18, 1 hours, block.timestamp, 0);
        _spendAsEve(100e18);
        assertEq(treasury.available(daoY, address(token)), 0);
        vm.warp(block.timestamp + 1 hours - 1);
        assertEq(treasury.available(daoY, address(token)), 0);
        vm.warp(block.timestamp + 1);
        assertEq(treasury.available(daoY, address(token)), 100e18);
        assertEq(treasury.getBudget(daoY, address(token)).periodIndex, 1);
        _spendAsEve(30e18);
        assertEq(treasury.getBudget(daoY, address(token)).spent, 30e18);
    }

    function test_spend_respectsStartAndExpiry() public {
        vm.prank(eve);
        treasury.setBudget(daoY, address(token), 100e18, 1 days, block.timestamp + 1 days, block.timestamp + 3 days);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.BudgetInactive.selector, daoY, address(token)));
        treasury.spend(daoY, address(token), recipient, 1e18, "", bytes32(0));
        vm.warp(block.timestamp + 1 days);
        _spendAsEve(1e18);
        vm.warp(block.timestamp + 2 days);
        assertEq(treasury.available(daoY, address(token)), 0);
        vm.prank(eve);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.BudgetInactive.selector, daoY, address(token)));
        treasury.spend(daoY, address(token), recipient, 1e18, "", bytes32(0));
    }

    function test_spend_refusesWhenTheModuleWasDisabled() public {
        vm.prank(eve);
        treasury.setBudget(daoY, address(token), 100e18, WEEK, block.timestamp, 0);
        // Safe's disableModule(prevModule, module): the treasury is the only module, after the sentinel.
        _asSafe(safeY, address(safeY), abi.encodeCall(safeY.disableModule, (address(0x1), address(treasury))));
        vm.prank(eve);
        vm.expectRevert(bytes("GS104"));
        treasury.spend(daoY, address(token), recipient, 1e18, "", bytes32(0));
    }

    function test_spend_ethToRevertingReceiver_reverts() public {
        _fundA(address(0), 10 ether, 5 ether, 2 ether);
        address bad = address(new RevertingReceiver());
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.PaymentFailed.selector, address(safeX), address(0), bad, 1 ether)
        );
        treasury.spend(cellA, address(0), bad, 1 ether, "", bytes32(0));
    }

    /*//////////////////////////////////////////////////////////////
                              ODD TOKENS
    //////////////////////////////////////////////////////////////*/

    function test_oddToken_noReturnValue_works() public {
        NoReturnToken usdt = new NoReturnToken();
        usdt.mint(address(safeX), 1000e6);
        _fundA(address(usdt), 1000e6, 500e6, 500e6);
        vm.prank(alice);
        treasury.spend(cellA, address(usdt), recipient, 100e6, "", bytes32(0));
        assertEq(usdt.balanceOf(recipient), 100e6);
        assertEq(usdt.balanceOf(address(safeX)), 900e6);
    }

    function test_oddToken_falseReturn_refused() public {
        FalseReturnToken f = new FalseReturnToken();
        f.mint(address(safeX), 1000e18);
        _fundA(address(f), 1000e18, 500e18, 500e18);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.BalanceMismatch.selector, address(f), recipient, 1e18, 0));
        treasury.spend(cellA, address(f), recipient, 1e18, "", bytes32(0));
        assertEq(treasury.getBudget(cellA, address(f)).spent, 0);
    }

    function test_oddToken_feeOnTransfer_refused() public {
        FeeOnTransferToken f = new FeeOnTransferToken();
        f.mint(address(safeX), 1000e18);
        _fundA(address(f), 1000e18, 500e18, 500e18);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.BalanceMismatch.selector, address(f), recipient, 100e18, 99e18)
        );
        treasury.spend(cellA, address(f), recipient, 100e18, "", bytes32(0));
    }

    /// @dev The token calls back into `spend` mid-transfer, as the cell's treasurer (the worst case: an
    /// authorised caller). The guard refuses; bubbled, the token's transfer fails, the Safe reports the
    /// failure and the whole spend reverts.
    function test_oddToken_reentrantCallback_bubbled_revertsAll() public {
        ReentrantToken r = _reentrantTokenAsTreasurer();
        address thief = makeAddr("thief");
        bytes memory reenter = abi.encodeCall(treasury.spend, (cellA, address(r), thief, 100e18, "", bytes32(0)));
        r.setHook(address(treasury), reenter, true);
        // The inner call is refused by the guard...
        vm.expectCall(address(treasury), reenter);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.PaymentFailed.selector, address(safeX), address(r), recipient, 100e18)
        );
        vm.prank(alice);
        treasury.spend(cellA, address(r), recipient, 100e18, "", bytes32(0));
        assertEq(r.balanceOf(thief), 0);
        assertEq(r.balanceOf(recipient), 0);
        assertEq(treasury.getBudget(cellA, address(r)).spent, 0);
    }

    /// @dev The guard itself: a re-entrant call while a payment is in flight reverts with its error.
    function test_reentrancyGuard_refusesTheCallback() public {
        ReentrantToken r = _reentrantTokenAsTreasurer();
        address thief = makeAddr("thief");
        r.setHook(address(this), abi.encodeCall(this.reenterAsTreasurer, (address(r), thief)), false);
        vm.prank(alice);
        treasury.spend(cellA, address(r), recipient, 100e18, "", bytes32(0));
        assertEq(
            lastReentryError, abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );
    }

    bytes internal lastReentryError;

    function reenterAsTreasurer(address r, address thief) external {
        vm.prank(r);
        try treasury.spend(cellA, r, thief, 1e18, "", bytes32(0)) {}
        catch (bytes memory err) {
            lastReentryError = err;
        }
    }

    /// @dev Swallowed, the callback fails and only the outer payment happens, counted once.
    function test_oddToken_reentrantCallback_swallowed_paysOnce() public {
        ReentrantToken r = _reentrantTokenAsTreasurer();
        address thief = makeAddr("thief");
        r.setHook(
            address(treasury), abi.encodeCall(treasury.spend, (cellA, address(r), thief, 100e18, "", bytes32(0))), false
        );
        vm.prank(alice);
        treasury.spend(cellA, address(r), recipient, 100e18, "", bytes32(0));
        assertFalse(r.hookSucceeded());
        assertEq(r.balanceOf(thief), 0);
        assertEq(r.balanceOf(recipient), 100e18);
        assertEq(treasury.getBudget(cellA, address(r)).spent, 100e18);
    }

    function _reentrantTokenAsTreasurer() internal returns (ReentrantToken r) {
        r = new ReentrantToken();
        r.mint(address(safeX), 1000e18);
        _fundA(address(r), 1000e18, 500e18, 500e18);
        vm.startPrank(alice);
        roles.revokeRole(treasurerA, tina);
        roles.mintRole(treasurerA, address(r), 0);
        vm.stopPrank();
    }

    /*//////////////////////////////////////////////////////////////
                        SUB-ALLOCATION AND CLAWBACK
    //////////////////////////////////////////////////////////////*/

    function test_subAllocate_movesRemainderDown() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        assertEq(treasury.available(daoX, address(token)), 700e18);
        assertEq(treasury.getBudget(daoX, address(token)).subAllocated, 300e18);
        vm.prank(alice);
        treasury.setBudget(cellA1, address(token), 100e18, WEEK, block.timestamp, 0);
        vm.expectEmit(address(treasury));
        emit ITreasury.SubAllocated(cellA, address(token), cellA1, 80e18, 0, 0, tina);
        vm.prank(tina); // A's treasurer
        treasury.subAllocate(cellA, cellA1, address(token), 80e18);
        assertEq(treasury.available(cellA, address(token)), 220e18);
        assertEq(treasury.available(cellA1, address(token)), 80e18);
        vm.prank(carol);
        treasury.spend(cellA1, address(token), recipient, 80e18, "", bytes32(0));
        assertEq(token.balanceOf(recipient), 80e18);
    }

    function test_subAllocate_cannotExceedParentRemainderOrChildCeiling() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.prank(alice);
        treasury.setBudget(cellA1, address(token), 1000e18, WEEK, block.timestamp, 0);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.InsufficientBudget.selector, cellA, address(token), 300e18, 301e18)
        );
        treasury.subAllocate(cellA, cellA1, address(token), 301e18);
        // The DAO cannot hand A more than A's ceiling.
        vm.expectRevert(
            abi.encodeWithSelector(ITreasury.ExceedsChildCeiling.selector, cellA, address(token), 200e18, 201e18)
        );
        vm.prank(address(safeX));
        treasury.subAllocate(daoX, cellA, address(token), 201e18);
    }

    function test_subAllocate_wrongCallers() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.prank(alice);
        treasury.setBudget(cellA1, address(token), 100e18, WEEK, block.timestamp, 0);
        address[4] memory intruders = [bob, carol, eve, address(safeX)];
        for (uint256 i; i < intruders.length; ++i) {
            vm.prank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAuthority.selector, intruders[i], cellA));
            treasury.subAllocate(cellA, cellA1, address(token), 1e18);
        }
        vm.prank(alice); // not DAO X's authority
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotCellAuthority.selector, alice, daoX));
        treasury.subAllocate(daoX, cellA, address(token), 1e18);
        vm.prank(alice); // B is not A's child
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotChildOf.selector, cellB, cellA));
        treasury.subAllocate(cellA, cellB, address(token), 1e18);
        vm.prank(alice); // nor is Y1
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotChildOf.selector, cellY1, cellA));
        treasury.subAllocate(cellA, cellY1, address(token), 1e18);
    }

    function test_clawback_restoresTheParent() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 100e18, "", bytes32(0));
        uint256 rootBefore = treasury.available(daoX, address(token));
        vm.expectEmit(address(treasury));
        emit ITreasury.ClawedBack(cellA, address(token), daoX, 150e18, 150e18, 0, 0, address(safeX));
        vm.prank(address(safeX));
        treasury.clawback(cellA, address(token), 150e18);
        assertEq(treasury.available(daoX, address(token)), rootBefore + 150e18);
        assertEq(treasury.available(cellA, address(token)), 50e18);
        vm.prank(address(safeX));
        vm.expectRevert(abi.encodeWithSelector(ITreasury.ExceedsUnspent.selector, cellA, address(token), 50e18, 51e18));
        treasury.clawback(cellA, address(token), 51e18);
    }

    function test_clawback_afterTheParentsPeriod_returnsNothing() public {
        _setRootBudgetX(address(token), 1000e18, 1 days);
        _setChildBudgetX(cellA, address(token), 500e18, WEEK);
        _asSafe(safeX, address(treasury), abi.encodeCall(treasury.subAllocate, (daoX, cellA, address(token), 300e18)));
        vm.warp(block.timestamp + 1 days); // the root's period rolled, A's has not
        assertEq(treasury.available(daoX, address(token)), 1000e18);
        vm.prank(address(safeX));
        treasury.clawback(cellA, address(token), 300e18);
        assertEq(treasury.available(daoX, address(token)), 1000e18, "no double budget");
        assertEq(treasury.available(cellA, address(token)), 0);
    }

    function test_clawback_wrongCallers() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        address[4] memory intruders = [alice, tina, bob, eve];
        for (uint256 i; i < intruders.length; ++i) {
            vm.prank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, intruders[i], cellA));
            treasury.clawback(cellA, address(token), 1e18);
        }
        vm.prank(address(safeX));
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotFundedCell.selector, daoX));
        treasury.clawback(daoX, address(token), 1e18);
    }

    /*//////////////////////////////////////////////////////////////
                                FREEZE
    //////////////////////////////////////////////////////////////*/

    function test_freeze_stopsEveryOutflow_unfreezeRestores() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.prank(alice);
        treasury.setBudget(cellA1, address(token), 100e18, WEEK, block.timestamp, 0);
        vm.expectEmit(address(treasury));
        emit ITreasury.CellFrozenSet(cellA, address(safeX), true);
        vm.prank(address(safeX));
        treasury.setFrozen(cellA, true);
        assertTrue(treasury.isFrozen(cellA));
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellFrozen.selector, cellA));
        treasury.spend(cellA, address(token), recipient, 1e18, "", bytes32(0));
        vm.prank(tina);
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellFrozen.selector, cellA));
        treasury.subAllocate(cellA, cellA1, address(token), 1e18);
        // The parent can still claw back from a frozen cell.
        vm.prank(address(safeX));
        treasury.clawback(cellA, address(token), 100e18);
        vm.prank(address(safeX));
        treasury.setFrozen(cellA, false);
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 1e18, "", bytes32(0));
        assertEq(token.balanceOf(recipient), 1e18);
    }

    function test_dissolvedCell_getsNoNewMoney_butCanBeClawedBack() public {
        _setRootBudgetX(address(token), 1000e18, WEEK);
        _setChildBudgetX(cellB, address(token), 500e18, WEEK);
        _asSafe(safeX, address(treasury), abi.encodeCall(treasury.subAllocate, (daoX, cellB, address(token), 200e18)));
        vm.prank(bob);
        registry.setPhase(cellB, ICellRegistry.Phase.Dissolved);
        vm.prank(address(safeX));
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellDissolved.selector, cellB));
        treasury.setBudget(cellB, address(token), 600e18, WEEK, block.timestamp, 0);
        vm.prank(address(safeX));
        vm.expectRevert(abi.encodeWithSelector(ITreasury.CellDissolved.selector, cellB));
        treasury.subAllocate(daoX, cellB, address(token), 1e18);
        vm.prank(address(safeX));
        treasury.clawback(cellB, address(token), 200e18);
        assertEq(treasury.available(daoX, address(token)), 1000e18);
        assertEq(treasury.available(cellB, address(token)), 0);
    }

    function test_setFrozen_wrongCallers() public {
        address[4] memory intruders = [alice, tina, bob, eve];
        for (uint256 i; i < intruders.length; ++i) {
            vm.prank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, intruders[i], cellA));
            treasury.setFrozen(cellA, true);
        }
        vm.prank(carol); // a child's admin cannot freeze its parent
        vm.expectRevert(abi.encodeWithSelector(ITreasury.NotParentAdmin.selector, carol, cellA));
        treasury.setFrozen(cellA, true);
    }

    /*//////////////////////////////////////////////////////////////
                            TASK-BOARD HOOKS
    //////////////////////////////////////////////////////////////*/

    function test_bountyHooks_onlyTheTaskBoard() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        address[3] memory intruders = [alice, address(safeX), eve];
        for (uint256 i; i < intruders.length; ++i) {
            vm.startPrank(intruders[i]);
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NotTaskBoard.selector, intruders[i]));
            treasury.reserveBounty(cellA, address(token), 1e18, 1);
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NotTaskBoard.selector, intruders[i]));
            treasury.releaseBounty(cellA, address(token), 1e18, 1);
            vm.expectRevert(abi.encodeWithSelector(ITreasury.NotTaskBoard.selector, intruders[i]));
            treasury.payBounty(cellA, address(token), intruders[i], 1e18, 1);
            vm.stopPrank();
        }
    }

    function test_reservation_carriesAcrossPeriods_andStaysFunded() public {
        _fundA(address(token), 1000e18, 500e18, 300e18);
        vm.prank(alice);
        uint256 taskId = board.createTask(cellA, "ipfs://spec", bytes32("spec"), address(token), 100e18, 0, 0);
        assertEq(treasury.available(cellA, address(token)), 200e18);
        vm.warp(block.timestamp + WEEK);
        ITreasury.BudgetView memory a = treasury.getBudget(cellA, address(token));
        assertEq(a.periodIndex, 1);
        assertEq(a.reserved, 100e18);
        assertEq(a.received, 100e18, "the reservation stays funded");
        assertEq(a.available, 0, "the unused allocation lapsed");
        vm.prank(bob);
        board.claim(taskId);
        vm.prank(bob);
        board.submit(taskId, "ipfs://work", bytes32("work"));
        vm.prank(alice);
        board.approve(taskId);
        assertEq(token.balanceOf(bob), 100e18);
        a = treasury.getBudget(cellA, address(token));
        assertEq(a.reserved, 0);
        assertEq(a.spent, 100e18);
    }

    function _spendAsEve(uint256 amount) internal {
        vm.prank(eve);
        treasury.spend(daoY, address(token), recipient, amount, "", bytes32(0));
    }
}
