// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoles} from "../../src/interfaces/IRoles.sol";
import {RoleId} from "../../src/libraries/RoleId.sol";
import {RolesFixture} from "../utils/RolesFixture.sol";
import {ConfigurableModule} from "../utils/RolesModules.sol";

contract RolesIdFuzzTest is RolesFixture {
    /// @dev Reference implementation: the last non-zero 16-bit level, by a plain loop.
    function _refLevel(uint256 id) internal pure returns (uint256 level) {
        for (uint256 l = 1; l <= 14; ++l) {
            if (uint16(id >> (224 - 16 * l)) != 0) level = l;
        }
    }

    /// @dev Builds an id of `depth` levels from `tree` with non-zero indices drawn from `seed`.
    function _build(uint32 tree, uint256 depth, uint256 seed)
        internal
        view
        returns (uint256 id, uint256[] memory path)
    {
        path = new uint256[](depth + 1);
        id = uint256(tree) << 224;
        path[0] = id;
        for (uint256 l = 1; l <= depth; ++l) {
            uint16 index = uint16(uint256(keccak256(abi.encode(seed, l))) % type(uint16).max) + 1;
            id = roles.buildHatId(id, index);
            path[l] = id;
        }
    }

    function testFuzz_buildRoundTrip(uint32 tree, uint8 depthSeed, uint256 seed) public {
        tree = uint32(bound(tree, 1, type(uint32).max));
        uint256 depth = bound(depthSeed, 0, 14);
        (uint256 id, uint256[] memory path) = _build(tree, depth, seed);
        assertTrue(roles.isValidHatId(id));
        assertEq(roles.getLocalHatLevel(id), depth);
        assertEq(roles.getTopHatDomain(id), tree);
        assertEq(roles.isTopHat(id), depth == 0);
        for (uint256 l; l <= depth; ++l) {
            assertEq(roles.getAdminAtLocalLevel(id, uint32(l)), path[l]);
            assertEq(roles.getLocalHatLevel(path[l]), l);
        }
        if (depth > 0) assertEq(RoleId.parent(id), path[depth - 1]);
        if (depth == 14) {
            vm.expectRevert(abi.encodeWithSelector(IRoles.MaxLevelReached.selector, id));
            roles.buildHatId(id, 1);
        }
    }

    function testFuzz_localLevelMatchesReference(uint256 id) public pure {
        assertEq(RoleId.localLevel(id), _refLevel(id));
    }

    function testFuzz_validityMatchesDefinition(uint256 id) public view {
        uint256 level = _refLevel(id);
        bool valid = id >> 224 != 0;
        for (uint256 l = 1; l < level; ++l) {
            if (uint16(id >> (224 - 16 * l)) == 0) valid = false;
        }
        assertEq(roles.isValidHatId(id), valid);
    }

    function testFuzz_phantomLevelRejected(uint32 tree, uint8 gapSeed, uint8 usedSeed, uint16 index) public {
        tree = uint32(bound(tree, 1, type(uint32).max));
        uint256 gap = bound(gapSeed, 1, 13);
        uint256 used = bound(usedSeed, gap + 1, 14);
        index = uint16(bound(index, 1, type(uint16).max));
        // Levels 1..gap-1 used, level `gap` empty, level `used` set.
        uint256 id = uint256(tree) << 224;
        for (uint256 l = 1; l < gap; ++l) {
            id |= uint256(7) << (224 - 16 * l);
        }
        id |= uint256(index) << (224 - 16 * used);
        assertFalse(roles.isValidHatId(id));
        vm.expectRevert(abi.encodeWithSelector(IRoles.InvalidRoleId.selector, id));
        roles.buildHatId(id, 1);
    }

    function testFuzz_zeroTreeInvalid(uint224 local) public view {
        assertFalse(roles.isValidHatId(uint256(local)));
    }
}

contract RolesBehaviourFuzzTest is RolesFixture {
    function testFuzz_forwarderActsOnlyForAppendedAccount(address account) public {
        vm.assume(account != alice && account != address(0));
        bytes memory mint = abi.encodeCall(IRoles.mintRole, (child, bob, 0));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, account, child));
        forwarder.forward(address(roles), mint, account);
        forwarder.forward(address(roles), mint, alice);
        assertTrue(roles.isWearerOfHat(bob, child));
    }

    function testFuzz_nonForwarderSuffixIgnored(address caller, bytes calldata suffix) public {
        vm.assume(caller != alice && caller != address(forwarder));
        bytes memory mint = abi.encodePacked(abi.encodeCall(IRoles.mintRole, (child, bob, 0)), suffix, alice);
        vm.prank(caller);
        (bool ok,) = address(roles).call(mint);
        assertFalse(ok);
        assertFalse(roles.isWearerOfHat(bob, child));
    }

    function testFuzz_moduleAnswersNeverBreakReads(uint256 a, uint256 b, uint256 size, bool badStanding) public {
        size = bound(size, 0, 0x80);
        ConfigurableModule module = new ConfigurableModule();
        module.set(a, b, size);
        vm.prank(alice);
        uint256 e = roles.createRole(top, "e", 5, address(elig), address(0), true, false, "");
        _mint(e, bob);
        if (badStanding) elig.push(roles, e, carol, true, false);
        vm.startPrank(alice);
        roles.changeRoleEligibility(e, address(module));
        roles.changeRoleToggle(e, address(module));
        vm.stopPrank();

        bool eligibilityOk = size >= 0x40 && a <= 1 && b <= 1;
        bool expectedEligible = eligibilityOk ? (a == 1 && b == 1) : true;
        bool expectedCarol = eligibilityOk ? (a == 1 && b == 1) : !badStanding;
        bool toggleOk = size >= 0x20 && a <= 1;
        bool expectedActive = toggleOk ? a == 1 : true;

        assertEq(roles.isActive(e), expectedActive);
        assertEq(roles.isEligible(bob, e), expectedEligible);
        assertEq(roles.isEligible(carol, e), expectedCarol);
        assertEq(roles.balanceOf(bob, e), expectedActive && expectedEligible ? 1 : 0);
    }

    function testFuzz_expiry(uint64 expiry, uint64 later) public {
        expiry = uint64(bound(expiry, block.timestamp + 1, type(uint64).max));
        vm.prank(alice);
        roles.mintRole(child, bob, expiry);
        later = uint64(bound(later, block.timestamp, type(uint64).max));
        vm.warp(later);
        assertEq(roles.isWearerOfHat(bob, child), later < expiry);
    }

    function testFuzz_maxSupply(uint8 maxSupply, uint8 attempts) public {
        vm.prank(alice);
        uint256 id = roles.createRole(top, "m", maxSupply, address(0), address(0), true, false, "");
        attempts = uint8(bound(attempts, 0, 40));
        for (uint256 i; i < attempts; ++i) {
            address w = address(uint160(0x1000 + i));
            vm.prank(alice);
            if (i < maxSupply) {
                roles.mintRole(id, w, 0);
            } else {
                vm.expectRevert(abi.encodeWithSelector(IRoles.MaxSupplyReached.selector, id, uint32(maxSupply)));
                roles.mintRole(id, w, 0);
            }
        }
        assertEq(roles.hatSupply(id), attempts < maxSupply ? attempts : maxSupply);
    }
}

/// @notice Issue 10: a relink is allowed exactly when the chain above the new parent, the moved tree and the
/// links below it fit in MAX_LINK_DEPTH trees; after it, the root's wearer administers the deepest tree.
contract RolesLinkDepthFuzzTest is RolesFixture {
    function testFuzz_relinkFitsExactlyWhenTheWholeChainFits(uint8 aboveSeed, uint8 belowSeed) public {
        uint256 max = roles.MAX_LINK_DEPTH();
        uint256 above = bound(aboveSeed, 0, max - 2); // links above the new parent's tree
        uint256 below = bound(belowSeed, 0, max - 2); // links below the moved root
        vm.startPrank(alice);
        uint256 parent = top;
        for (uint256 i; i < above; ++i) {
            parent = roles.createLinkedTree(parent, alice, "", "");
        }
        uint256 moved = roles.mintTopRole(bob, "", "");
        vm.stopPrank();
        uint256 deepest = moved;
        vm.startPrank(bob);
        for (uint256 i; i < below; ++i) {
            deepest = roles.createLinkedTree(deepest, bob, "", "");
        }
        vm.stopPrank();
        // bob needs authority over the new parent: a role under it.
        vm.prank(alice);
        uint256 slot = roles.createRole(parent, "slot", 1, address(0), address(0), true, false, "");
        vm.prank(alice);
        roles.mintRole(slot, bob, 0);
        uint32 movedTree = uint32(moved >> 224);
        bool fits = (above + 1) + 1 + below <= max;
        if (!fits) vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, movedTree, slot));
        vm.prank(bob);
        roles.relinkTree(movedTree, slot);
        assertEq(roles.isAdminOfHat(alice, deepest), fits);
        if (fits) assertEq(roles.getTippyTopHatDomain(uint32(deepest >> 224)), 1);
    }
}
