// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SafeFixture} from "../utils/SafeFixture.sol";
import {TestToken} from "../utils/TreasuryTokens.sol";
import {TrivialModule} from "../utils/TrivialModule.sol";
import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";
import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";

/// @notice Whole-transaction gas (run with `forge test --isolate`), first call after setUp.
contract TreasuryGasTest is SafeFixture {
    Safe internal safe;
    TestToken internal token;
    TrivialModule internal trivial;
    address internal recipient = makeAddr("recipient");

    function setUp() public {
        safe = _newSafe("dao-safe", 3, 2);
        token = new TestToken("Token", "TKN");
        token.mint(address(safe), 1_000_000e18);
        trivial = new TrivialModule();
        _enableModule(safe, address(trivial));
    }

    /// @notice Anchor: the same transfer done by the Safe's owners, 2-of-3 signatures, `execTransaction`.
    function test_gas_anchor_safeExecTransaction_erc20() public {
        bytes memory data = abi.encodeCall(token.transfer, (recipient, 100e18));
        bytes memory signatures = _signSafeTx(safe, address(token), 0, data, Enum.Operation.Call);
        safe.execTransaction(
            address(token), 0, data, Enum.Operation.Call, 0, 0, 0, address(0), payable(address(0)), signatures
        );
        vm.snapshotGasLastCall("anchor_safe_execTransaction_erc20_2of3");
        assertEq(token.balanceOf(recipient), 100e18);
    }

    /// @notice Anchor: the floor, an EOA calling a module that does nothing but `execTransactionFromModule`.
    function test_gas_anchor_moduleFloor_erc20() public {
        trivial.transfer(safe, address(token), recipient, 100e18);
        vm.snapshotGasLastCall("anchor_module_floor_erc20");
        assertEq(token.balanceOf(recipient), 100e18);
    }

    function test_gas_probe_floor_funded() public {
        token.mint(recipient, 1);
        trivial.transfer(safe, address(token), recipient, 100e18);
        vm.snapshotGasLastCall("probe_floor_funded");
    }

    function test_gas_probe_safe_funded() public {
        token.mint(recipient, 1);
        bytes memory data = abi.encodeCall(token.transfer, (recipient, 100e18));
        bytes memory signatures = _signSafeTx(safe, address(token), 0, data, Enum.Operation.Call);
        safe.execTransaction(
            address(token), 0, data, Enum.Operation.Call, 0, 0, 0, address(0), payable(address(0)), signatures
        );
        vm.snapshotGasLastCall("probe_safe_funded");
    }
}
