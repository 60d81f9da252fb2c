// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRoles} from "./IRoles.sol";

/// @title ICellRegistry
/// @notice The tree of cells. A cell's id IS its admin role id: the top role of the cell's own role
/// tree. A DAO is a root cell (its tree unlinked, its top role worn by community governance); a child
/// cell's tree is linked under its parent's admin role, so parent admins administer the child's roles.
/// A cell's member role is the first child of its admin role: `roles().buildHatId(cellId, 1)`.
///
/// This file fixes the part other contracts rely on (governor, treasury, task board). The registry's
/// full surface (creation, phases, documents, partnerships, restrictions) extends it.
interface ICellRegistry {
    enum Phase {
        Conversation,
        Formation,
        Organization,
        Coordination,
        Dissolved
    }

    enum Scale {
        Collaboration,
        Coordination,
        Constituency,
        Network
    }

    /// @notice The Roles contract this registry created and forwards for.
    function roles() external view returns (IRoles);

    function cellExists(uint256 cellId) external view returns (bool);

    /// @notice The parent cell, 0 for a DAO root.
    function parentOf(uint256 cellId) external view returns (uint256);

    /// @notice The root cell (the DAO) this cell belongs to.
    function daoOf(uint256 cellId) external view returns (uint256);

    function memberRoleOf(uint256 cellId) external view returns (uint256);

    function phaseOf(uint256 cellId) external view returns (Phase);

    /// @notice The cell's own authority: `account` wears the cell's admin role.
    function isCellAdmin(address account, uint256 cellId) external view returns (bool);

    /// @notice The authority above the cell: `account` wears or administers the parent cell's admin
    /// role. For a DAO root (no parent) this is its own admin, the community governance.
    function isParentAdmin(address account, uint256 cellId) external view returns (bool);

    /// @notice Records a significant decision in the cell's decision registry. Cell admins only
    /// (a vote-run cell's executor wears the admin role, so executed proposals record themselves).
    function recordDecision(uint256 cellId, bytes32 ref, string calldata uri, bytes32 contentHash) external;
}
