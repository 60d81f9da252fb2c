// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellExecutor, ICellGovernor} from "./interfaces/ICellGovernor.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

/// @title CellExecutor
/// @notice The account a cell's executed proposals act from. The governor deploys one implementation
/// (this contract) and, per cell, an EIP-1167 clone of it with the cell id as immutable argument, at a
/// CREATE2 address (salt = cell id). Only the governor drives a clone, and the governor only hands a
/// clone the actions of its own cell's proposals; a vote-run cell has its admin role worn by its clone,
/// so an executed proposal carries exactly that cell's authority and nothing of any other cell.
/// @dev Stateless: `governor` is an immutable of the implementation (clones delegate to its code) and
/// the cell id lives in the clone's code, so a clone needs no initialisation and no storage.
contract CellExecutor is ICellExecutor {
    /// @inheritdoc ICellExecutor
    address public immutable governor;

    constructor() {
        governor = msg.sender;
    }

    modifier onlyGovernor() {
        if (msg.sender != governor) revert NotGovernor(msg.sender);
        _;
    }

    /// @inheritdoc ICellExecutor
    function cellId() external view returns (uint256) {
        bytes memory args = Clones.fetchCloneArgs(address(this));
        // The implementation itself carries no argument and acts for no cell.
        return args.length == 32 ? abi.decode(args, (uint256)) : 0;
    }

    /// @inheritdoc ICellExecutor
    function execute(ICellGovernor.Action[] calldata actions) external payable onlyGovernor {
        for (uint256 i; i < actions.length; ++i) {
            ICellGovernor.Action calldata action = actions[i];
            (bool ok, bytes memory reason) = action.target.call{value: action.value}(action.data);
            if (!ok) _bubble(i, reason);
        }
    }

    /// @notice Holds ETH the cell's actions may spend.
    receive() external payable {}

    /// @notice Accepts ERC-1155 tokens (roles are ERC-1155) and ERC-721 tokens.
    function onERC1155Received(address, address, uint256, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC1155Received.selector;
    }

    function onERC1155BatchReceived(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
        returns (bytes4)
    {
        return this.onERC1155BatchReceived.selector;
    }

    function onERC721Received(address, address, uint256, bytes calldata) external pure returns (bytes4) {
        return this.onERC721Received.selector;
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 // ERC-165
            || interfaceId == 0x4e2312e0; // ERC-1155 receiver
    }

    /// @dev Re-raises the failing call's revert data unchanged, so callers see the target's own error;
    /// a call that reverted without data raises ActionFailed(index, "").
    function _bubble(uint256 index, bytes memory reason) private pure {
        if (reason.length == 0) revert ActionFailed(index, reason);
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}
