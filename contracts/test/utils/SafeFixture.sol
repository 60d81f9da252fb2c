// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Safe} from "@safe-global/safe-contracts/contracts/Safe.sol";
import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";
import {SafeProxyFactory} from "@safe-global/safe-contracts/contracts/proxies/SafeProxyFactory.sol";
import {Test} from "forge-std/Test.sol";

/// @notice A real Safe 1.4.1 for tests: the singleton and proxy factory from @safe-global/safe-contracts,
/// Safes set up with owners and a threshold, and Safe transactions signed by the owners' keys and
/// executed through `execTransaction`, exactly as a DAO's signers would.
abstract contract SafeFixture is Test {
    Safe internal safeSingleton;
    SafeProxyFactory internal safeFactory;
    uint256 private _safeSaltNonce;

    /// @dev Owner keys of each Safe made here, sorted by owner address (Safe wants ascending signers).
    mapping(address safe => uint256[] keys) internal safeOwnerKeys;

    function _deploySafeInfra() internal {
        safeSingleton = new Safe();
        safeFactory = new SafeProxyFactory();
    }

    /// @notice A Safe with `ownerCount` fresh owners (keys derived from `label`) and `threshold`.
    function _newSafe(string memory label, uint256 ownerCount, uint256 threshold) internal returns (Safe safe) {
        if (address(safeFactory) == address(0)) _deploySafeInfra();
        address[] memory owners = new address[](ownerCount);
        uint256[] memory keys = new uint256[](ownerCount);
        for (uint256 i; i < ownerCount; ++i) {
            keys[i] = uint256(keccak256(abi.encode(label, i)));
            owners[i] = vm.addr(keys[i]);
        }
        // Sort owners (and their keys) ascending so that signatures come in the order Safe checks.
        for (uint256 i = 1; i < ownerCount; ++i) {
            for (uint256 j = i; j > 0 && owners[j - 1] > owners[j]; --j) {
                (owners[j - 1], owners[j]) = (owners[j], owners[j - 1]);
                (keys[j - 1], keys[j]) = (keys[j], keys[j - 1]);
            }
        }
        bytes memory initializer = abi.encodeCall(
            Safe.setup, (owners, threshold, address(0), "", address(0), address(0), 0, payable(address(0)))
        );
        safe = Safe(
            payable(address(safeFactory.createProxyWithNonce(address(safeSingleton), initializer, ++_safeSaltNonce)))
        );
        for (uint256 i; i < ownerCount; ++i) {
            safeOwnerKeys[address(safe)].push(keys[i]);
        }
        vm.label(address(safe), label);
    }

    /// @notice Signatures of the first `threshold` owners over the Safe transaction hash.
    function _signSafeTx(Safe safe, address to, uint256 value, bytes memory data, Enum.Operation operation)
        internal
        view
        returns (bytes memory signatures)
    {
        bytes32 txHash = _safeTxHash(safe, to, value, data, operation);
        uint256[] storage keys = safeOwnerKeys[address(safe)];
        uint256 threshold = safe.getThreshold();
        for (uint256 i; i < threshold; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], txHash);
            signatures = abi.encodePacked(signatures, r, s, v);
        }
    }

    function _safeTxHash(Safe safe, address to, uint256 value, bytes memory data, Enum.Operation operation)
        private
        view
        returns (bytes32)
    {
        uint256 nonce = safe.nonce();
        return safe.getTransactionHash(to, value, data, operation, 0, 0, 0, address(0), address(0), nonce);
    }

    /// @notice Signs with the owners and executes through `execTransaction` from `relayer`.
    function _execSafeTx(Safe safe, address to, uint256 value, bytes memory data) internal returns (bool success) {
        bytes memory signatures = _signSafeTx(safe, to, value, data, Enum.Operation.Call);
        success = safe.execTransaction(
            to, value, data, Enum.Operation.Call, 0, 0, 0, address(0), payable(address(0)), signatures
        );
    }

    /// @notice Enables `module` on `safe` by a signed Safe transaction to itself, as a DAO would.
    function _enableModule(Safe safe, address module) internal {
        bool ok = _execSafeTx(safe, address(safe), 0, abi.encodeCall(safe.enableModule, (module)));
        require(ok && safe.isModuleEnabled(module), "SafeFixture: enableModule failed");
    }
}
