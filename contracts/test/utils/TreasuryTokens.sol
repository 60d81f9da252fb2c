// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain, well-behaved ERC-20 with an open mint (tests only).
contract TestToken is ERC20 {
    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}

/// @notice USDT-style: `transfer` returns nothing. The Safe's CALL succeeds and the balance moves.
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address to, uint256 amount) external {
        require(balanceOf[msg.sender] >= amount, "balance");
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }
}

/// @notice Returns false instead of reverting and moves nothing: the CALL "succeeds".
contract FalseReturnToken {
    mapping(address => uint256) public balanceOf;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
    }

    function transfer(address, uint256) external pure returns (bool) {
        return false;
    }
}

/// @notice Takes a 1% fee on every transfer: the recipient gets less than the amount sent.
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = value / 100;
        super._update(from, address(0xFEE), fee);
        super._update(from, to, value - fee);
    }
}

/// @notice On each transfer, calls an arbitrary target (set by the test) with arbitrary data before moving
/// the funds: the re-entrant callback an ERC-777-style or malicious token could make. If the inner call
/// fails, the token either bubbles the revert (`bubble`) or swallows it and completes the transfer.
contract ReentrantToken is ERC20 {
    address public hookTarget;
    bytes public hookData;
    bool public bubble;
    bool public hookSucceeded;

    constructor() ERC20("Reenter", "RE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function setHook(address target, bytes calldata data, bool bubble_) external {
        hookTarget = target;
        hookData = data;
        bubble = bubble_;
    }

    function _update(address from, address to, uint256 value) internal override {
        address target = hookTarget;
        if (target != address(0) && from != address(0)) {
            hookTarget = address(0); // one shot
            (bool ok, bytes memory ret) = target.call(hookData);
            hookSucceeded = ok;
            if (!ok && bubble) {
                assembly {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        super._update(from, to, value);
    }
}
