// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellGovernor} from "../../src/interfaces/ICellGovernor.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @notice An action target that calls back into the governor while a proposal executes.
contract GovernorReenterer {
    ICellGovernor internal immutable governor;

    constructor(ICellGovernor governor_) {
        governor = governor_;
    }

    function reenterExecute(uint256 cellId, address proposer, ICellGovernor.Action[] calldata actions) external {
        governor.execute(cellId, proposer, actions, "ipfs://proposal", keccak256("proposal"));
    }

    function reenterVote(uint256 proposalId) external {
        governor.castVote(proposalId, 1);
    }
}

/// @notice An action target that always fails with a custom error.
contract GovernorFailingTarget {
    error Nope(uint256 code);

    function fail() external pure {
        revert Nope(42);
    }
}

/// @notice A minimal ERC-1271 contract wallet: valid when its owner signed the digest.
contract GovernorTestWallet is IERC1271 {
    address public immutable owner;

    constructor(address owner_) {
        owner = owner_;
    }

    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4) {
        (address signer,,) = ECDSA.tryRecover(digest, signature);
        return signer == owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }
}

/// @notice A votes source whose ERC-6372 clock is the timestamp: the governor must refuse it.
contract GovernorTimestampToken {
    function clock() external view returns (uint48) {
        return uint48(block.timestamp);
    }
}

/// @notice Counts how often each proposal's action ran.
contract GovernorHitCounter {
    mapping(uint256 key => uint256) public hits;

    function hit(uint256 key) external {
        ++hits[key];
    }
}
