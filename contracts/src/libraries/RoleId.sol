// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoles} from "../interfaces/IRoles.sol";

/// @title RoleId
/// @notice Pure arithmetic on Hats-style role ids.
///
///   bit 255                                                                     bit 0
///   [ tree id: 32 bits ][ level 1: 16 ][ level 2: 16 ] ... [ level 14: 16 ]
///
/// A top role has only its tree id set (local level 0). A role at local level n has levels 1..n
/// non-zero and every level after n zero. An id whose tree id is zero, or with an empty level
/// followed by a used one (a "phantom level", found by audits of Hats), is invalid.
library RoleId {
    /// @dev Bits below the tree id.
    uint256 internal constant TREE_SHIFT = 224;
    /// @dev Bits per level.
    uint256 internal constant LEVEL_BITS = 16;
    /// @dev Deepest local level (14 levels of 16 bits fill the 224 bits below the tree id).
    uint256 internal constant MAX_LEVEL = 14;

    /// @notice The tree (top-hat domain) the id belongs to.
    function treeId(uint256 id) internal pure returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(id >> TREE_SHIFT);
    }

    /// @notice The id of tree `tree`'s top role.
    function topRole(uint32 tree) internal pure returns (uint256) {
        return uint256(tree) << TREE_SHIFT;
    }

    /// @notice True for a top role: a non-zero tree id and nothing below it.
    function isTopRole(uint256 id) internal pure returns (bool) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return id != 0 && uint224(id) == 0;
    }

    /// @notice The depth of the id inside its own tree: 0 for a top role, n when level n is the last
    /// non-zero level. Does not check validity (see `isValid`).
    function localLevel(uint256 id) internal pure returns (uint256) {
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 local = uint224(id);
        if (local == 0) return 0;
        // Count the trailing zero bits in whole 16-bit levels with a binary search.
        uint256 trailing = 0;
        if (local & type(uint128).max == 0) {
            trailing = 128;
            local >>= 128;
        }
        if (local & type(uint64).max == 0) {
            trailing += 64;
            local >>= 64;
        }
        if (local & type(uint32).max == 0) {
            trailing += 32;
            local >>= 32;
        }
        if (local & type(uint16).max == 0) trailing += 16;
        return MAX_LEVEL - trailing / LEVEL_BITS;
    }

    /// @notice The 16-bit index at local level `level` (1..14); 0 for level 0 or above 14.
    function levelIndex(uint256 id, uint256 level) internal pure returns (uint16) {
        if (level == 0 || level > MAX_LEVEL) return 0;
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint16(id >> (TREE_SHIFT - LEVEL_BITS * level));
    }

    /// @notice A valid id has a non-zero tree id and no empty level before its last used level.
    function isValid(uint256 id) internal pure returns (bool) {
        if (id >> TREE_SHIFT == 0) return false;
        uint256 level = localLevel(id);
        for (uint256 l = 1; l < level; ++l) {
            if (levelIndex(id, l) == 0) return false;
        }
        return true;
    }

    /// @notice The ancestor of `id` at local level `level` (the id itself when `level` >= its level).
    function adminAtLocalLevel(uint256 id, uint256 level) internal pure returns (uint256) {
        if (level >= MAX_LEVEL) return id;
        uint256 below = (uint256(1) << (TREE_SHIFT - LEVEL_BITS * level)) - 1;
        return id & ~below;
    }

    /// @notice The parent of a non-top id (the role one level up in the same tree).
    function parent(uint256 id) internal pure returns (uint256) {
        uint256 level = localLevel(id);
        if (level == 0) revert IRoles.InvalidRoleId(id);
        return adminAtLocalLevel(id, level - 1);
    }

    /// @notice The id of child number `index` (1..65535) of `adminId`.
    function child(uint256 adminId, uint16 index) internal pure returns (uint256) {
        if (index == 0 || !isValid(adminId)) revert IRoles.InvalidRoleId(adminId);
        uint256 level = localLevel(adminId);
        if (level >= MAX_LEVEL) revert IRoles.MaxLevelReached(adminId);
        return adminId | (uint256(index) << (TREE_SHIFT - LEVEL_BITS * (level + 1)));
    }
}
