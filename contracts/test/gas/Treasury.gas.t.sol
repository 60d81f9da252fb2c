// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TreasuryFixture} from "../utils/TreasuryFixture.sol";
import {TrivialModule} from "../utils/TrivialModule.sol";
import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";

/// @notice Whole-transaction gas, run with `forge test --isolate` (each top-level call its own transaction,
/// storage cold after setUp), `vm.snapshotGasLastCall` right after the call. The anchors run in the same
/// suite on the same Safe and token: a 2-of-3 `execTransaction` transfer and the module floor (an EOA
/// calling a module that only calls `execTransactionFromModule`).
///
/// Recipient state matters by ~17k (a zero balance slot becomes non-zero): every ERC-20 figure is taken
/// both to a fresh recipient and to one that already holds the token.
contract TreasuryGasTest is TreasuryFixture {
    TrivialModule internal trivial;
    address internal funded = makeAddr("funded-recipient");
    uint256 internal taskId;
    address internal dev = makeAddr("dev");

    function setUp() public override {
        super.setUp();
        trivial = new TrivialModule();
        _enableModule(safeX, address(trivial));
        token.mint(funded, 1);
        vm.deal(funded, 1);

        // Cell A (admin alice) holds 300 of a 500 ceiling, out of the DAO's 1000 a week, in ERC-20 and ETH.
        _fundA(address(token), 1000e18, 500e18, 300e18);
        _fundA(address(0), 10 ether, 5 ether, 3 ether);
        vm.prank(alice);
        treasury.setBudget(cellA1, address(token), 100e18, WEEK, block.timestamp, 0);

        // A task of cell A, claimed and submitted, waiting for approval.
        vm.prank(alice);
        taskId = board.createTask(cellA, "ipfs://spec", keccak256("spec"), address(token), 50e18, 0, 0);
        vm.prank(dev);
        board.claim(taskId);
        vm.prank(dev);
        board.submit(taskId, "ipfs://work", keccak256("work"));
    }

    /*//////////////////////////////////////////////////////////////
                                ANCHORS
    //////////////////////////////////////////////////////////////*/

    function test_gas_anchor_safeExecTransaction_erc20() public {
        _safeTransfer(recipient);
        vm.snapshotGasLastCall("anchor_safe_execTransaction_erc20_2of3");
        assertEq(token.balanceOf(recipient), 100e18);
    }

    function test_gas_anchor_safeExecTransaction_erc20_fundedRecipient() public {
        _safeTransfer(funded);
        vm.snapshotGasLastCall("anchor_safe_execTransaction_erc20_2of3_fundedRecipient");
        assertEq(token.balanceOf(funded), 100e18 + 1);
    }

    function test_gas_anchor_moduleFloor_erc20() public {
        trivial.transfer(safeX, address(token), recipient, 100e18);
        vm.snapshotGasLastCall("anchor_module_floor_erc20");
        assertEq(token.balanceOf(recipient), 100e18);
    }

    function test_gas_anchor_moduleFloor_erc20_fundedRecipient() public {
        trivial.transfer(safeX, address(token), funded, 100e18);
        vm.snapshotGasLastCall("anchor_module_floor_erc20_fundedRecipient");
        assertEq(token.balanceOf(funded), 100e18 + 1);
    }

    function _safeTransfer(address to) internal {
        bytes memory data = abi.encodeCall(token.transfer, (to, 100e18));
        bytes memory signatures = _signSafeTx(safeX, address(token), 0, data, Enum.Operation.Call);
        safeX.execTransaction(
            address(token), 0, data, Enum.Operation.Call, 0, 0, 0, address(0), payable(address(0)), signatures
        );
    }

    /*//////////////////////////////////////////////////////////////
                                TREASURY
    //////////////////////////////////////////////////////////////*/

    function test_gas_treasury_spend_erc20() public {
        vm.prank(alice);
        treasury.spend(cellA, address(token), recipient, 100e18, "ipfs://memo", bytes32("ref"));
        vm.snapshotGasLastCall("treasury_spend_erc20");
        assertEq(token.balanceOf(recipient), 100e18);
    }

    function test_gas_treasury_spend_erc20_fundedRecipient() public {
        vm.prank(alice);
        treasury.spend(cellA, address(token), funded, 100e18, "ipfs://memo", bytes32("ref"));
        vm.snapshotGasLastCall("treasury_spend_erc20_fundedRecipient");
        assertEq(token.balanceOf(funded), 100e18 + 1);
    }

    function test_gas_treasury_spend_erc20_byTreasurer() public {
        vm.prank(tina);
        treasury.spend(cellA, address(token), funded, 100e18, "ipfs://memo", bytes32("ref"));
        vm.snapshotGasLastCall("treasury_spend_erc20_byTreasurer_fundedRecipient");
        assertEq(token.balanceOf(funded), 100e18 + 1);
    }

    function test_gas_treasury_spend_eth() public {
        vm.prank(alice);
        treasury.spend(cellA, address(0), recipient, 1 ether, "ipfs://memo", bytes32("ref"));
        vm.snapshotGasLastCall("treasury_spend_eth");
        assertEq(recipient.balance, 1 ether);
    }

    function test_gas_treasury_spend_eth_fundedRecipient() public {
        vm.prank(alice);
        treasury.spend(cellA, address(0), funded, 1 ether, "ipfs://memo", bytes32("ref"));
        vm.snapshotGasLastCall("treasury_spend_eth_fundedRecipient");
        assertEq(funded.balance, 1 ether + 1);
    }

    function test_gas_treasury_subAllocate() public {
        vm.prank(alice);
        treasury.subAllocate(cellA, cellA1, address(token), 50e18);
        vm.snapshotGasLastCall("treasury_subAllocate");
        assertEq(treasury.available(cellA1, address(token)), 50e18);
    }

    function test_gas_taskBoard_approve_withPayout() public {
        vm.prank(alice);
        board.approve(taskId);
        vm.snapshotGasLastCall("taskBoard_approve_withPayout");
        assertEq(token.balanceOf(dev), 50e18);
    }
}
