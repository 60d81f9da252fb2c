// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoleEligibility, IRoleToggle, IRoles} from "../../src/interfaces/IRoles.sol";

/// @notice An eligibility module whose answers the test sets per wearer (default: eligible, good).
contract MockEligibility is IRoleEligibility {
    mapping(address => bool) public ineligible;
    mapping(address => bool) public badStanding;

    function set(address wearer, bool eligible, bool standing) external {
        ineligible[wearer] = !eligible;
        badStanding[wearer] = !standing;
    }

    function getWearerStatus(address wearer, uint256) external view returns (bool eligible, bool standing) {
        return (!ineligible[wearer], !badStanding[wearer]);
    }

    /// @dev Pushes a status to Roles, as a Hats eligibility module does.
    function push(IRoles roles, uint256 roleId, address wearer, bool eligible, bool standing) external {
        roles.setWearerStatus(roleId, wearer, eligible, standing);
    }

    function revoke(IRoles roles, uint256 roleId, address wearer) external {
        roles.revokeRole(roleId, wearer);
    }
}

/// @notice A toggle module whose answer the test sets (default: active).
contract MockToggle is IRoleToggle {
    bool public inactive;

    function set(bool active) external {
        inactive = !active;
    }

    function getHatStatus(uint256) external view returns (bool) {
        return !inactive;
    }

    function setStatus(IRoles roles, uint256 roleId, bool active) external {
        roles.setRoleStatus(roleId, active);
    }
}

/// @notice Reverts on every read.
contract RevertingModule {
    fallback() external {
        revert("no");
    }
}

/// @notice Burns all the gas it is given.
contract GasBurningModule {
    fallback() external {
        while (true) {}
    }
}

/// @notice Returns a single byte.
contract ShortDataModule {
    fallback() external {
        assembly {
            mstore(0, 0)
            return(0, 1)
        }
    }
}

/// @notice Returns one word where two are expected (a toggle-shaped answer to an eligibility read).
contract OneWordModule {
    fallback() external {
        assembly {
            mstore(0, 1)
            return(0, 0x20)
        }
    }
}

/// @notice Returns words holding 2, which is not an ABI bool.
contract NonBoolModule {
    fallback() external {
        assembly {
            mstore(0, 2)
            mstore(0x20, 2)
            return(0, 0x40)
        }
    }
}

/// @notice Answers "yes" followed by a huge amount of data (a return bomb): only the words the
/// caller asked for may be copied.
contract ReturnBombModule {
    fallback() external {
        assembly {
            mstore(0, 1)
            mstore(0x20, 1)
            return(0, 60000)
        }
    }
}

/// @notice Stands in for the cell registry: forwards calls to Roles with an account appended
/// (ERC-2771), or without one.
contract MockForwarder {
    function forward(address roles, bytes calldata data, address account) external returns (bytes memory) {
        (bool ok, bytes memory ret) = roles.call(abi.encodePacked(data, account));
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }

    function forwardRaw(address roles, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory ret) = roles.call(data);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        return ret;
    }
}

/// @notice Answers whatever two words (or how many bytes) the test sets: for fuzzing module answers.
contract ConfigurableModule {
    uint256 public a;
    uint256 public b;
    uint256 public size = 0x40;

    function set(uint256 a_, uint256 b_, uint256 size_) external {
        (a, b, size) = (a_, b_, size_);
    }

    fallback() external {
        uint256 a_ = a;
        uint256 b_ = b;
        uint256 size_ = size;
        assembly {
            mstore(0, a_)
            mstore(0x20, b_)
            return(0, size_)
        }
    }
}
