// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";
import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";

/// @notice The gas floor for a module payment: no checks, no storage, one `execTransactionFromModule`
/// CALL of `token.transfer(to, amount)`. Anything a real module adds is measured against this.
contract TrivialModule {
    function transfer(Safe safe, address token, address to, uint256 amount) external {
        require(
            safe.execTransactionFromModule(
                token, 0, abi.encodeWithSelector(0xa9059cbb, to, amount), Enum.Operation.Call
            ),
            "TrivialModule: transfer failed"
        );
    }
}
