// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roles} from "../../src/Roles.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {RoleId} from "../../src/libraries/RoleId.sol";
import {RolesFixture} from "../utils/RolesFixture.sol";
import {
    GasBurningModule,
    NonBoolModule,
    OneWordModule,
    ReturnBombModule,
    RevertingModule,
    ShortDataModule
} from "../utils/RolesModules.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {Vm} from "forge-std/Vm.sol";

contract RolesTreesTest is RolesFixture {
    function test_mintTopRole_createsTreeAndMints() public {
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleCreated(uint256(2) << 224, 0, "Other DAO", 1, address(0), address(0), false, false, "img");
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleMinted(uint256(2) << 224, bob, carol, 0);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IERC1155.TransferSingle(carol, address(0), bob, uint256(2) << 224, 1);
        vm.prank(carol);
        uint256 id = roles.mintTopRole(bob, "Other DAO", "img");
        assertEq(id, uint256(2) << 224);
        assertEq(roles.lastTopHatId(), 2);
        assertTrue(roles.isWearerOfHat(bob, id));
        assertTrue(roles.isAdminOfHat(bob, id));
        assertFalse(roles.isAdminOfHat(carol, id));
        assertEq(roles.hatSupply(id), 1);
        assertEq(roles.getHatMaxSupply(id), 1);
        assertEq(roles.wearerSince(id, bob), block.number);
        assertEq(roles.uri(id), "Other DAO");
        assertEq(roles.getImageURIForHat(id), "img");
        assertTrue(roles.isLocalTopHat(id));
    }

    function test_mintTopRole_revertsForZeroAddress() public {
        vm.expectRevert(IRoles.ZeroAddress.selector);
        roles.mintTopRole(address(0), "x", "");
    }

    function test_createLinkedTree_adminsOfLinkAdministerTheNewTree() public {
        _mint(child, bob);
        // bob wears child: he may create a tree linked under it.
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.TreeLinked(2, child);
        vm.prank(bob);
        uint256 sub = roles.createLinkedTree(child, carol, "Cell", "");
        assertEq(roles.linkedTreeAdmins(2), child);
        assertTrue(roles.isWearerOfHat(carol, sub));
        // Admins of the new top role: its wearer, the wearer of child (bob), and child's admins (alice).
        assertTrue(roles.isAdminOfHat(carol, sub));
        assertTrue(roles.isAdminOfHat(bob, sub));
        assertTrue(roles.isAdminOfHat(alice, sub));
        assertFalse(roles.isAdminOfHat(dave, sub));
        // ... and of everything below it.
        vm.prank(carol);
        uint256 member = roles.createRole(sub, "Member", 5, address(0), address(0), true, false, "");
        assertTrue(roles.isAdminOfHat(alice, member));
        vm.prank(alice);
        roles.mintRole(member, dave, 0);
        assertTrue(roles.isWearerOfHat(dave, member));
        assertFalse(roles.isAdminOfHat(dave, sub));
        // Levels count across the link: top(0) -> child(1) -> sub(2) -> member(3).
        assertEq(roles.getHatLevel(member), 3);
        assertEq(roles.getLocalHatLevel(member), 1);
        assertEq(roles.getAdminAtLevel(member, 0), top);
        assertEq(roles.getAdminAtLevel(member, 1), child);
        assertEq(roles.getAdminAtLevel(member, 2), sub);
        assertEq(roles.getAdminAtLevel(member, 3), member);
        assertEq(roles.getTippyTopHatDomain(2), 1);
        assertFalse(roles.isLocalTopHat(sub));
    }

    function test_createLinkedTree_revertsForWrongCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
        vm.prank(eve);
        roles.createLinkedTree(child, eve, "Cell", "");
    }

    function test_createLinkedTree_revertsForUnknownRole() public {
        uint256 missing = roles.buildHatId(top, 9);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleNotFound.selector, missing));
        vm.prank(alice);
        roles.createLinkedTree(missing, alice, "Cell", "");
    }

    function test_relinkTree_movesAndUnlinks() public {
        vm.prank(alice);
        uint256 sub = roles.createLinkedTree(child, carol, "Cell", "");
        vm.prank(alice);
        roles.relinkTree(2, grand);
        assertEq(roles.linkedTreeAdmins(2), grand);
        vm.prank(alice);
        roles.relinkTree(2, 0);
        assertEq(roles.linkedTreeAdmins(2), 0);
        assertFalse(roles.isAdminOfHat(alice, sub));
    }

    function test_relinkTree_linkedTreeCannotEscapeItsParent() public {
        vm.prank(alice);
        uint256 sub = roles.createLinkedTree(child, carol, "Cell", "");
        // carol wears the linked tree's top role (and is its admin) but not the authority above it.
        assertTrue(roles.isAdminOfHat(carol, sub));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, carol, sub));
        vm.prank(carol);
        roles.relinkTree(2, 0);
    }

    function test_relinkTree_rootTreeLinkedByItsWearer() public {
        vm.prank(bob);
        roles.mintTopRole(bob, "B", "");
        _mint(child, bob);
        vm.prank(bob);
        roles.relinkTree(2, child);
        assertTrue(roles.isAdminOfHat(alice, uint256(2) << 224));
    }

    function test_relinkTree_revertsWithoutAuthorityOverNewAdmin() public {
        vm.prank(bob);
        roles.mintTopRole(bob, "B", "");
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        vm.prank(bob);
        roles.relinkTree(2, child);
    }

    function test_relinkTree_revertsForWrongCaller() public {
        vm.prank(bob);
        roles.mintTopRole(bob, "B", "");
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, alice, uint256(2) << 224));
        vm.prank(alice);
        roles.relinkTree(2, child);
    }

    function test_relinkTree_rejectsCycle() public {
        vm.prank(alice);
        uint256 sub = roles.createLinkedTree(child, alice, "Cell", "");
        vm.prank(alice);
        uint256 subChild = roles.createRole(sub, "x", 1, address(0), address(0), true, false, "");
        // Linking tree 1 under a role of tree 2 (which is linked under tree 1) closes a cycle.
        vm.expectRevert(abi.encodeWithSelector(IRoles.CircularLink.selector, uint32(1), subChild));
        vm.prank(alice);
        roles.relinkTree(1, subChild);
        // A tree under its own role.
        vm.expectRevert(abi.encodeWithSelector(IRoles.CircularLink.selector, uint32(1), child));
        vm.prank(alice);
        roles.relinkTree(1, child);
    }

    function test_relinkTree_revertsForUnknownTree() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeNotFound.selector, uint32(7)));
        roles.relinkTree(7, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeNotFound.selector, uint32(0)));
        roles.relinkTree(0, 0);
    }

    function test_linkDepthIsCapped() public {
        uint256 admin = top;
        uint256 max = roles.MAX_LINK_DEPTH();
        // A chain of MAX_LINK_DEPTH trees (MAX_LINK_DEPTH - 1 links) is allowed.
        vm.startPrank(alice);
        for (uint256 i = 1; i < max; ++i) {
            admin = roles.createLinkedTree(admin, alice, "", "");
        }
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, uint32(0), admin));
        roles.createLinkedTree(admin, alice, "", "");
        // Relinking a fresh root tree under the deepest role is rejected too.
        uint256 fresh = roles.mintTopRole(alice, "", "");
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, fresh.treeIdOf(), admin));
        roles.relinkTree(uint32(fresh >> 224), admin);
        vm.stopPrank();
        // Admin checks through the whole chain still work (bounded).
        vm.prank(bob);
        uint256 other = roles.mintTopRole(bob, "", "");
        other;
        assertTrue(roles.isAdminOfHat(alice, admin));
        assertEq(roles.getTippyTopHatDomain(uint32(admin >> 224)), 1);
    }
}

using {treeIdOf} for uint256;

function treeIdOf(uint256 id) pure returns (uint32) {
    return uint32(id >> 224);
}

contract RolesCreateTest is RolesFixture {
    function test_createRole_byAdmin() public {
        uint256 expected = roles.getNextId(top);
        assertEq(expected, roles.buildHatId(top, 2));
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleCreated(expected, top, "Ops", 7, address(elig), address(tog), true, true, "ipfs://i");
        vm.prank(alice);
        uint256 id = roles.createRole(top, "Ops", 7, address(elig), address(tog), true, true, "ipfs://i");
        assertEq(id, expected);
        IRoles.RoleView memory v = roles.viewRole(id);
        assertEq(v.details, "Ops");
        assertEq(v.imageURI, "ipfs://i");
        assertEq(v.maxSupply, 7);
        assertEq(v.supply, 0);
        assertEq(v.eligibility, address(elig));
        assertEq(v.toggle, address(tog));
        assertTrue(v.mutable_);
        assertTrue(v.claimable);
        assertTrue(v.active);
        assertEq(v.lastChildIndex, 0);
        assertEq(roles.viewRole(top).lastChildIndex, 2);
        assertEq(roles.getHatEligibilityModule(id), address(elig));
        assertEq(roles.getHatToggleModule(id), address(tog));
    }

    function test_createRole_byWearerOfParent() public {
        _mint(child, bob);
        // bob wears child but is not its admin: Hats semantics let him create its children.
        assertFalse(roles.isAdminOfHat(bob, child));
        vm.prank(bob);
        uint256 id = roles.createRole(child, "Sub", 1, address(0), address(0), false, false, "");
        assertEq(id, roles.buildHatId(child, 2));
        assertTrue(roles.isAdminOfHat(bob, id));
    }

    function test_createRole_revertsForWrongCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
        vm.prank(eve);
        roles.createRole(child, "x", 1, address(0), address(0), false, false, "");
    }

    function test_createRole_revertsForUnknownAdmin() public {
        uint256 missing = roles.buildHatId(top, 50);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleNotFound.selector, missing));
        vm.prank(alice);
        roles.createRole(missing, "x", 1, address(0), address(0), false, false, "");
    }

    function test_createRole_revertsAtMaxLevel() public {
        uint256 id = grand;
        vm.startPrank(alice);
        for (uint256 l = 2; l < 14; ++l) {
            id = roles.createRole(id, "", 1, address(0), address(0), false, false, "");
        }
        assertEq(roles.getLocalHatLevel(id), 14);
        vm.expectRevert(abi.encodeWithSelector(IRoles.MaxLevelReached.selector, id));
        roles.createRole(id, "", 1, address(0), address(0), false, false, "");
        vm.stopPrank();
    }
}

contract RolesGrantTest is RolesFixture {
    function test_mintRole_byAdmin() public {
        vm.roll(42);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleMinted(child, bob, alice, 0);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IERC1155.TransferSingle(alice, address(0), bob, child, 1);
        _mint(child, bob);
        assertTrue(roles.isWearerOfHat(bob, child));
        assertEq(roles.balanceOf(bob, child), 1);
        assertEq(roles.hatSupply(child), 1);
        assertEq(roles.wearerSince(child, bob), 42);
        assertEq(roles.wearerExpiry(child, bob), 0);
        // A wearer of child administers grand.
        assertTrue(roles.isAdminOfHat(bob, grand));
        assertFalse(roles.isAdminOfHat(bob, child));
    }

    function test_mintRole_revertsForWrongCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
        vm.prank(eve);
        roles.mintRole(child, eve, 0);
    }

    function test_mintRole_wearerOfRoleIsNotItsAdmin() public {
        _mint(child, bob);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        vm.prank(bob);
        roles.mintRole(child, carol, 0);
    }

    function test_mintRole_reverts() public {
        _mint(child, bob);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRoles.AlreadyWearing.selector, bob, child));
        roles.mintRole(child, bob, 0);
        vm.expectRevert(IRoles.ZeroAddress.selector);
        roles.mintRole(child, address(0), 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.InvalidExpiry.selector, uint64(block.timestamp)));
        roles.mintRole(child, carol, uint64(block.timestamp));
        roles.mintRole(child, carol, 0);
        roles.mintRole(child, dave, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.MaxSupplyReached.selector, child, uint32(3)));
        roles.mintRole(child, eve, 0);
        uint256 missing = roles.buildHatId(top, 99);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleNotFound.selector, missing));
        roles.mintRole(missing, eve, 0);
        vm.stopPrank();
    }

    function test_mintRole_revertsWhenInactiveOrIneligible() public {
        uint256 id = _role(top, address(elig), address(0), true, false);
        elig.set(bob, false, true);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotEligible.selector, bob, id));
        _mint(id, bob);
        vm.prank(alice);
        roles.setRoleStatus(id, false);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleInactive.selector, id));
        _mint(id, carol);
    }

    function test_mintRole_withExpiry() public {
        uint64 expiry = uint64(block.timestamp + 100);
        vm.prank(alice);
        roles.mintRole(child, bob, expiry);
        assertEq(roles.wearerExpiry(child, bob), expiry);
        assertEq(roles.balanceOf(bob, child), 1);
        vm.warp(expiry);
        assertEq(roles.balanceOf(bob, child), 0);
        assertFalse(roles.isAdminOfHat(bob, grand));
        // The grant is still stored and counted until revoked or renewed.
        assertEq(roles.hatSupply(child), 1);
    }

    function test_batchMintRoles() public {
        uint256[] memory ids = new uint256[](2);
        address[] memory ws = new address[](2);
        uint64[] memory ex = new uint64[](2);
        (ids[0], ids[1]) = (child, grand);
        (ws[0], ws[1]) = (bob, carol);
        ex[1] = uint64(block.timestamp + 1 days);
        vm.prank(alice);
        roles.batchMintRoles(ids, ws, ex);
        assertTrue(roles.isWearerOfHat(bob, child));
        assertTrue(roles.isWearerOfHat(carol, grand));
        assertEq(roles.wearerExpiry(grand, carol), ex[1]);
    }

    function test_batchMintRoles_revertsForWrongCallerAndMismatch() public {
        uint256[] memory ids = new uint256[](1);
        address[] memory ws = new address[](1);
        uint64[] memory ex = new uint64[](1);
        ids[0] = child;
        ws[0] = eve;
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
        vm.prank(eve);
        roles.batchMintRoles(ids, ws, ex);
        vm.expectRevert(IRoles.ArrayLengthMismatch.selector);
        vm.prank(alice);
        roles.batchMintRoles(ids, ws, new uint64[](2));
    }

    function test_claimRole() public {
        uint256 id = _role(top, address(elig), address(0), true, true);
        vm.prank(bob);
        roles.claimRole(id);
        assertTrue(roles.isWearerOfHat(bob, id));
        elig.set(carol, true, false);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotEligible.selector, carol, id));
        vm.prank(carol);
        roles.claimRole(id);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotClaimable.selector, child));
        vm.prank(carol);
        roles.claimRole(child);
    }

    function test_revokeRole_byAdmin() public {
        _mint(child, bob);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleRevoked(child, bob, alice, false);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IERC1155.TransferSingle(alice, bob, address(0), child, 1);
        vm.prank(alice);
        roles.revokeRole(child, bob);
        assertFalse(roles.isWearerOfHat(bob, child));
        assertEq(roles.hatSupply(child), 0);
        assertEq(roles.wearerSince(child, bob), 0);
    }

    function test_revokeRole_byEligibilityModule() public {
        uint256 id = _role(top, address(elig), address(0), true, false);
        _mint(id, bob);
        elig.revoke(roles, id, bob);
        assertEq(roles.hatSupply(id), 0);
    }

    function test_revokeRole_revertsForWrongCaller() public {
        _mint(child, bob);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
        vm.prank(eve);
        roles.revokeRole(child, bob);
        // The wearer is not its own role's admin.
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        vm.prank(bob);
        roles.revokeRole(child, bob);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotWearer.selector, carol, child));
        vm.prank(alice);
        roles.revokeRole(child, carol);
    }

    function test_revokeRole_emitsRoleRevokedThenTheBurn() public {
        _mint(child, bob);
        vm.recordLogs();
        vm.prank(alice);
        roles.revokeRole(child, bob);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 2);
        assertEq(logs[0].emitter, address(roles));
        assertEq(logs[0].topics.length, 4);
        assertEq(logs[0].topics[0], IRoles.RoleRevoked.selector);
        assertEq(logs[0].topics[1], bytes32(child));
        assertEq(logs[0].topics[2], bytes32(uint256(uint160(bob))));
        assertEq(logs[0].topics[3], bytes32(uint256(uint160(alice))));
        assertEq(logs[0].data, abi.encode(false));
        _assertBurn(logs[1], alice, bob, child);
    }

    /// @dev A renounce logs only the ERC-1155 burn (operator = from = the wearer), as Hats'
    /// renounceHat: the one burn without RoleRevoked, which is how the logs tell it from a revoke.
    function test_renounceRole() public {
        _mint(child, bob);
        vm.recordLogs();
        vm.prank(bob);
        roles.renounceRole(child);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 1);
        _assertBurn(logs[0], bob, bob, child);
        assertFalse(roles.isWearerOfHat(bob, child));
        assertEq(roles.hatSupply(child), 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotWearer.selector, bob, child));
        vm.prank(bob);
        roles.renounceRole(child);
    }

    function _assertBurn(Vm.Log memory log, address operator, address from, uint256 id) internal view {
        assertEq(log.emitter, address(roles));
        assertEq(log.topics.length, 4);
        assertEq(log.topics[0], IERC1155.TransferSingle.selector);
        assertEq(log.topics[1], bytes32(uint256(uint160(operator))));
        assertEq(log.topics[2], bytes32(uint256(uint160(from))));
        assertEq(log.topics[3], bytes32(0));
        assertEq(log.data, abi.encode(id, uint256(1)));
    }

    function test_transferRole() public {
        _mint(child, bob);
        vm.roll(block.number + 5);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleTransferred(child, bob, carol);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IERC1155.TransferSingle(alice, bob, carol, child, 1);
        vm.prank(alice);
        roles.transferRole(child, bob, carol);
        assertFalse(roles.isWearerOfHat(bob, child));
        assertTrue(roles.isWearerOfHat(carol, child));
        assertEq(roles.wearerSince(child, carol), block.number);
        assertEq(roles.hatSupply(child), 1);
    }

    function test_transferRole_topRoleByItsWearer() public {
        vm.prank(alice);
        roles.transferRole(top, alice, bob);
        assertTrue(roles.isWearerOfHat(bob, top));
        assertFalse(roles.isAdminOfHat(alice, child));
    }

    function test_transferRole_reverts() public {
        uint256 fixedRole = _role(top, address(0), address(0), false, false);
        _mint(fixedRole, bob);
        _mint(child, bob);
        _mint(child, carol);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
        vm.prank(eve);
        roles.transferRole(child, bob, eve);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, fixedRole));
        roles.transferRole(fixedRole, bob, carol);
        vm.expectRevert(abi.encodeWithSelector(IRoles.AlreadyWearing.selector, carol, child));
        roles.transferRole(child, bob, carol);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotWearer.selector, dave, child));
        roles.transferRole(child, dave, eve);
        vm.expectRevert(IRoles.ZeroAddress.selector);
        roles.transferRole(child, bob, address(0));
        vm.stopPrank();
    }

    function test_renewRole() public {
        vm.prank(alice);
        roles.mintRole(child, bob, uint64(block.timestamp + 10));
        vm.warp(block.timestamp + 20);
        assertFalse(roles.isWearerOfHat(bob, child));
        uint64 expiry = uint64(block.timestamp + 100);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleRenewed(child, bob, expiry);
        vm.prank(alice);
        roles.renewRole(child, bob, expiry);
        assertTrue(roles.isWearerOfHat(bob, child));
        vm.prank(alice);
        roles.renewRole(child, bob, 0);
        assertEq(roles.wearerExpiry(child, bob), 0);
    }

    function test_renewRole_reverts() public {
        _mint(child, bob);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        vm.prank(bob);
        roles.renewRole(child, bob, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotWearer.selector, carol, child));
        vm.prank(alice);
        roles.renewRole(child, carol, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.InvalidExpiry.selector, uint64(1)));
        vm.prank(alice);
        roles.renewRole(child, bob, 1);
    }
}

contract RolesForwarderTest is RolesFixture {
    function test_trustedForwarder() public view {
        assertEq(roles.trustedForwarder(), address(forwarder));
    }

    function test_forwardedCallActsForAppendedAccount() public {
        // The forwarder creates a role acting for alice (who wears top) and mints it.
        bytes memory create =
            abi.encodeCall(IRoles.createRole, (top, "Forwarded", 2, address(0), address(0), true, false, "img"));
        uint256 id = abi.decode(forwarder.forward(address(roles), create, alice), (uint256));
        assertEq(id, roles.buildHatId(top, 2));
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleMinted(id, bob, alice, 0);
        forwarder.forward(address(roles), abi.encodeCall(IRoles.mintRole, (id, bob, 0)), alice);
        assertTrue(roles.isWearerOfHat(bob, id));
    }

    function test_forwardedCallCarriesOnlyTheAppendedAccountsAuthority() public {
        bytes memory mint = abi.encodeCall(IRoles.mintRole, (child, eve, 0));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
        forwarder.forward(address(roles), mint, eve);
    }

    function test_forwardedTopRoleAndLinkedTree() public {
        bytes memory link = abi.encodeCall(IRoles.createLinkedTree, (child, carol, "Cell", ""));
        uint256 sub = abi.decode(forwarder.forward(address(roles), link, alice), (uint256));
        assertEq(roles.linkedTreeAdmins(uint32(sub >> 224)), child);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        forwarder.forward(address(roles), link, bob);
    }

    function test_nonForwarderAppendingAnAccountGainsNothing() public {
        bytes memory mint = abi.encodePacked(abi.encodeCall(IRoles.mintRole, (child, eve, 0)), alice);
        vm.prank(eve);
        (bool ok, bytes memory ret) = address(roles).call(mint);
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, child));
    }

    function test_forwarderWithoutSuffixActsForItself() public {
        // Without an appended account, even trailing string bytes that look like an address are data,
        // not a sender: the call acts for the forwarder, which wears nothing.
        bytes memory create = abi.encodeCall(
            IRoles.createRole,
            (top, string(abi.encodePacked(bytes12(0), alice)), 1, address(0), address(0), true, false, "")
        );
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, address(forwarder), top));
        forwarder.forwardRaw(address(roles), create);
    }
}

contract RolesStatusAndMetadataTest is RolesFixture {
    function test_setRoleStatus_byAdminWithoutToggle() public {
        _mint(child, bob);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleStatusChanged(child, false);
        vm.prank(alice);
        roles.setRoleStatus(child, false);
        assertFalse(roles.isActive(child));
        assertEq(roles.balanceOf(bob, child), 0);
        // An inactive role confers no authority.
        assertFalse(roles.isAdminOfHat(bob, grand));
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleStatusChanged(child, true);
        vm.prank(alice);
        roles.setRoleStatus(child, true);
        assertEq(roles.balanceOf(bob, child), 1);
        // The flip touches only the ACTIVE bit: the other fields of the role are unchanged.
        IRoles.RoleView memory v = roles.viewRole(child);
        assertTrue(v.active);
        assertEq(v.supply, 1);
    }

    function test_setRoleStatus_revertsForWrongCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotToggleModuleOrAdmin.selector, eve, child));
        vm.prank(eve);
        roles.setRoleStatus(child, false);
    }

    function test_setRoleStatus_onlyToggleWhenSet() public {
        uint256 id = _role(top, address(0), address(tog), true, false);
        // With a toggle module, even an admin may not set the status.
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotToggleModuleOrAdmin.selector, alice, id));
        vm.prank(alice);
        roles.setRoleStatus(id, false);
        tog.setStatus(roles, id, false);
        // The live answer wins over the stored status ...
        assertTrue(roles.isActive(id));
        tog.set(false);
        assertFalse(roles.isActive(id));
        tog.set(true);
        assertTrue(roles.isActive(id));
    }

    function test_liveToggleDeactivates() public {
        uint256 id = _role(top, address(0), address(tog), true, false);
        _mint(id, bob);
        tog.set(false);
        assertEq(roles.balanceOf(bob, id), 0);
        assertFalse(roles.viewRole(id).active);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleInactive.selector, id));
        _mint(id, carol);
    }

    function test_changeRoleDetailsAndImage() public {
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleDetailsChanged(child, "new");
        vm.prank(alice);
        roles.changeRoleDetails(child, "new");
        assertEq(roles.uri(child), "new");
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleImageURIChanged(child, "ipfs://img");
        vm.prank(alice);
        roles.changeRoleImageURI(child, "ipfs://img");
        assertEq(roles.viewRole(child).imageURI, "ipfs://img");
        // Top roles' details and image may change (Hats allows it for top hats).
        vm.prank(alice);
        roles.changeRoleDetails(top, "DAO v2");
        assertEq(roles.uri(top), "DAO v2");
        vm.prank(alice);
        roles.changeRoleImageURI(top, "ipfs://top");
        assertEq(roles.getImageURIForHat(top), "ipfs://top");
    }

    function test_changeRole_revertsForWrongCaller() public {
        _mint(child, bob);
        vm.startPrank(bob); // wears child, but is not its admin
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        roles.changeRoleDetails(child, "x");
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        roles.changeRoleImageURI(child, "x");
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        roles.changeRoleMaxSupply(child, 9);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        roles.changeRoleEligibility(child, address(elig));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        roles.changeRoleToggle(child, address(tog));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        roles.changeRoleClaimable(child, true);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        roles.makeRoleImmutable(child);
        vm.stopPrank();
    }

    function test_changeRole_revertsWhenImmutable() public {
        uint256 id = _role(top, address(0), address(0), false, false);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, id));
        roles.changeRoleDetails(id, "x");
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, id));
        roles.changeRoleImageURI(id, "x");
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, id));
        roles.changeRoleMaxSupply(id, 9);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, id));
        roles.changeRoleEligibility(id, address(elig));
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, id));
        roles.changeRoleToggle(id, address(tog));
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, id));
        roles.changeRoleClaimable(id, true);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, id));
        roles.makeRoleImmutable(id);
        // A top role's other properties are fixed.
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, top));
        roles.changeRoleMaxSupply(top, 2);
        vm.stopPrank();
    }

    function test_changeRoleMaxSupply() public {
        _mint(child, bob);
        _mint(child, carol);
        vm.expectRevert(abi.encodeWithSelector(IRoles.MaxSupplyBelowSupply.selector, child, uint32(1), uint32(2)));
        vm.prank(alice);
        roles.changeRoleMaxSupply(child, 1);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleMaxSupplyChanged(child, 2);
        vm.prank(alice);
        roles.changeRoleMaxSupply(child, 2);
        assertEq(roles.getHatMaxSupply(child), 2);
        vm.expectRevert(abi.encodeWithSelector(IRoles.MaxSupplyReached.selector, child, uint32(2)));
        _mint(child, dave);
    }

    function test_changeRoleEligibilityAndToggle() public {
        _mint(child, bob);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleEligibilityChanged(child, address(elig));
        vm.prank(alice);
        roles.changeRoleEligibility(child, address(elig));
        assertEq(roles.getHatEligibilityModule(child), address(elig));
        elig.set(bob, false, true);
        assertEq(roles.balanceOf(bob, child), 0);
        vm.prank(alice);
        roles.changeRoleEligibility(child, address(0));
        assertEq(roles.getHatEligibilityModule(child), address(0));
        assertEq(roles.balanceOf(bob, child), 1);

        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleToggleChanged(child, address(tog));
        vm.prank(alice);
        roles.changeRoleToggle(child, address(tog));
        assertEq(roles.getHatToggleModule(child), address(tog));
        tog.set(false);
        assertEq(roles.balanceOf(bob, child), 0);
    }

    function test_changeRoleClaimableAndMakeImmutable() public {
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleClaimableChanged(child, true);
        vm.prank(alice);
        roles.changeRoleClaimable(child, true);
        vm.prank(bob);
        roles.claimRole(child);
        assertTrue(roles.isWearerOfHat(bob, child));
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleMadeImmutable(child);
        vm.prank(alice);
        roles.makeRoleImmutable(child);
        assertFalse(roles.viewRole(child).mutable_);
        vm.expectRevert(abi.encodeWithSelector(IRoles.RoleImmutable.selector, child));
        vm.prank(alice);
        roles.transferRole(child, bob, carol);
    }
}

contract RolesEligibilityTest is RolesFixture {
    uint256 internal id;

    function setUp() public override {
        super.setUp();
        id = _role(top, address(elig), address(0), true, false);
        _mint(id, bob);
    }

    function test_liveIneligibilityZeroesBalance() public {
        elig.set(bob, false, true);
        assertEq(roles.balanceOf(bob, id), 0);
        assertFalse(roles.isEligible(bob, id));
        assertTrue(roles.isInGoodStanding(bob, id));
        elig.set(bob, true, false);
        assertFalse(roles.isInGoodStanding(bob, id));
        assertEq(roles.balanceOf(bob, id), 0);
        // Still stored: supply counts grants, balance is the live view.
        assertEq(roles.hatSupply(id), 1);
    }

    function test_setWearerStatus_badStandingRevokesAndIsStored() public {
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.RoleRevoked(id, bob, address(elig), false);
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.WearerStandingChanged(id, bob, false);
        elig.push(roles, id, bob, true, false);
        assertEq(roles.hatSupply(id), 0);
        assertTrue(roles.badStandings(id, bob));
        // With the module unreadable, the stored bad standing blocks a new grant.
        vm.prank(alice);
        roles.changeRoleEligibility(id, address(0xdead));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotEligible.selector, bob, id));
        _mint(id, bob);
        assertFalse(roles.isInGoodStanding(bob, id));
    }

    function test_setWearerStatus_ineligibleRevokesWithoutBadStanding() public {
        elig.push(roles, id, bob, false, true);
        assertFalse(roles.isWearerOfHat(bob, id));
        assertFalse(roles.badStandings(id, bob));
        assertEq(roles.wearerSince(id, bob), 0);
    }

    function test_setWearerStatus_restoresStanding() public {
        elig.push(roles, id, carol, true, false);
        assertTrue(roles.badStandings(id, carol));
        vm.expectEmit(true, true, true, true, address(roles));
        emit IRoles.WearerStandingChanged(id, carol, true);
        elig.push(roles, id, carol, true, true);
        assertFalse(roles.badStandings(id, carol));
        // A wearer in good standing and eligible keeps the grant.
        elig.push(roles, id, bob, true, true);
        assertTrue(roles.isWearerOfHat(bob, id));
    }

    function test_setWearerStatus_revertsForWrongCaller() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotEligibilityModule.selector, alice, id));
        vm.prank(alice);
        roles.setWearerStatus(id, bob, false, false);
        // A role without a module: nobody may push a status.
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotEligibilityModule.selector, address(0), child));
        vm.prank(address(0));
        roles.setWearerStatus(child, bob, false, false);
    }

    function test_revokeRole_byEligibilityModuleOfAnotherRoleFails() public {
        _mint(child, carol);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, address(elig), child));
        elig.revoke(roles, child, carol);
    }
}

contract RolesMaliciousModulesTest is RolesFixture {
    function _check(address module) internal {
        // As eligibility module: reads fall back to the stored standing (good).
        vm.prank(alice);
        uint256 e = roles.createRole(top, "e", 5, module, address(0), true, false, "");
        _mint(e, bob);
        assertEq(roles.balanceOf(bob, e), 1);
        assertTrue(roles.isWearerOfHat(bob, e));
        assertTrue(roles.isEligible(carol, e));
        assertTrue(roles.isInGoodStanding(carol, e));
        assertTrue(roles.isAdminOfHat(bob, roles.buildHatId(e, 1)));
        // As toggle module: reads fall back to the stored status, which the admin cannot change while
        // the toggle is set, but the module can be replaced on a mutable role.
        vm.prank(alice);
        uint256 t = roles.createRole(top, "t", 5, address(0), module, true, false, "");
        _mint(t, bob);
        assertTrue(roles.isActive(t));
        assertEq(roles.balanceOf(bob, t), 1);
        assertTrue(roles.viewRole(t).active);
        vm.prank(alice);
        roles.changeRoleToggle(t, address(0));
        vm.prank(alice);
        roles.setRoleStatus(t, false);
        assertEq(roles.balanceOf(bob, t), 0);
    }

    function test_revertingModule() public {
        _check(address(new RevertingModule()));
    }

    function test_gasBurningModule() public {
        _check(address(new GasBurningModule()));
    }

    function test_shortDataModule() public {
        _check(address(new ShortDataModule()));
    }

    function test_oneWordModuleIsNotAnEligibilityAnswer() public {
        // One word is a valid toggle answer (active) but too short for eligibility.
        address module = address(new OneWordModule());
        vm.prank(alice);
        uint256 e = roles.createRole(top, "e", 5, module, address(0), true, false, "");
        _mint(e, bob);
        assertTrue(roles.isWearerOfHat(bob, e));
    }

    function test_nonBoolModule() public {
        _check(address(new NonBoolModule()));
    }

    function test_eoaModule() public {
        _check(makeAddr("eoa"));
    }

    function test_returnBombModule() public {
        _check(address(new ReturnBombModule()));
    }

    function test_storedStateIsUsedOnFallback() public {
        // A bad module with a stored bad standing: the stored standing decides.
        vm.prank(alice);
        uint256 e = roles.createRole(top, "e", 5, address(elig), address(0), true, false, "");
        _mint(e, bob);
        elig.push(roles, e, carol, true, false);
        address reverting = address(new RevertingModule());
        vm.prank(alice);
        roles.changeRoleEligibility(e, reverting);
        assertFalse(roles.isEligible(carol, e));
        assertTrue(roles.isEligible(bob, e));
    }

    function test_starvedModuleReadReverts() public {
        address burner = address(new GasBurningModule());
        vm.prank(alice);
        uint256 e = roles.createRole(top, "e", 5, burner, address(0), true, false, "");
        _mint(e, bob);
        // Too little gas to give the module its allowance: the read reverts instead of silently
        // falling back (which a caller could otherwise force).
        (bool ok, bytes memory ret) =
            address(roles).staticcall{gas: 30_000}(abi.encodeCall(IRoles.isWearerOfHat, (bob, e)));
        assertFalse(ok);
        assertEq(bytes4(ret), IRoles.InsufficientGasForModule.selector);
        (ok,) = address(roles).staticcall{gas: 200_000}(abi.encodeCall(IRoles.isWearerOfHat, (bob, e)));
        assertTrue(ok);
    }
}

contract RolesERC1155Test is RolesFixture {
    function test_balanceOfBatch() public {
        _mint(child, bob);
        address[] memory accounts = new address[](3);
        uint256[] memory ids = new uint256[](3);
        (accounts[0], accounts[1], accounts[2]) = (alice, bob, carol);
        (ids[0], ids[1], ids[2]) = (top, child, child);
        uint256[] memory b = roles.balanceOfBatch(accounts, ids);
        assertEq(b[0], 1);
        assertEq(b[1], 1);
        assertEq(b[2], 0);
        vm.expectRevert(IRoles.ArrayLengthMismatch.selector);
        roles.balanceOfBatch(accounts, new uint256[](2));
    }

    function test_supportsInterface() public view {
        assertTrue(roles.supportsInterface(0x01ffc9a7)); // ERC-165
        assertTrue(roles.supportsInterface(0xd9b67a26)); // ERC-1155
        assertTrue(roles.supportsInterface(0x0e89341c)); // ERC-1155 metadata URI
        assertFalse(roles.supportsInterface(0xffffffff));
    }

    function test_holdersCannotTransferOrApprove() public {
        _mint(child, bob);
        vm.startPrank(bob);
        vm.expectRevert(IRoles.NonTransferable.selector);
        roles.safeTransferFrom(bob, carol, child, 1, "");
        vm.expectRevert(IRoles.NonTransferable.selector);
        roles.safeBatchTransferFrom(bob, carol, new uint256[](1), new uint256[](1), "");
        vm.expectRevert(IRoles.NonTransferable.selector);
        roles.setApprovalForAll(carol, true);
        vm.stopPrank();
        assertFalse(roles.isApprovedForAll(bob, carol));
        assertEq(roles.balanceOf(bob, child), 1);
    }

    function test_uri() public view {
        assertEq(roles.uri(child), "Stewards");
    }
}

contract RolesViewsTest is RolesFixture {
    function test_idHelpers() public view {
        assertTrue(roles.isTopHat(top));
        assertFalse(roles.isTopHat(child));
        assertFalse(roles.isTopHat(0));
        assertTrue(roles.isValidHatId(grand));
        assertFalse(roles.isValidHatId(0));
        // Level 2 used with level 1 empty: a phantom level.
        assertFalse(roles.isValidHatId(top | (uint256(1) << 192)));
        assertEq(roles.getLocalHatLevel(top), 0);
        assertEq(roles.getLocalHatLevel(grand), 2);
        assertEq(roles.getHatLevel(grand), 2);
        assertEq(roles.getTopHatDomain(grand), 1);
        assertEq(roles.getAdminAtLocalLevel(grand, 0), top);
        assertEq(roles.getAdminAtLocalLevel(grand, 1), child);
        assertEq(roles.getAdminAtLocalLevel(grand, 2), grand);
        assertEq(roles.getAdminAtLevel(grand, 1), child);
        assertEq(roles.buildHatId(top, 1), child);
        assertEq(roles.buildHatId(child, 1), grand);
        assertEq(roles.getNextId(child), roles.buildHatId(child, 2));
        assertEq(roles.getTippyTopHatDomain(1), 1);
    }

    function test_buildHatId_rejectsInvalidInput() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.InvalidRoleId.selector, top));
        roles.buildHatId(top, 0);
        uint256 phantom = top | (uint256(1) << 192);
        vm.expectRevert(abi.encodeWithSelector(IRoles.InvalidRoleId.selector, phantom));
        roles.buildHatId(phantom, 1);
    }

    function test_viewHat() public {
        _mint(child, bob);
        (
            string memory details,
            uint32 maxSupply,
            uint32 supply,
            address eligibility,
            address toggle,
            string memory imageURI,
            uint16 lastHatId,
            bool mutable_,
            bool active
        ) = roles.viewHat(child);
        assertEq(details, "Stewards");
        assertEq(maxSupply, 3);
        assertEq(supply, 1);
        assertEq(eligibility, address(0));
        assertEq(toggle, address(0));
        assertEq(imageURI, "");
        assertEq(lastHatId, 1);
        assertTrue(mutable_);
        assertTrue(active);
    }

    function test_unknownRoleReadsAsEmpty() public view {
        uint256 missing = roles.buildHatId(top, 77);
        assertFalse(roles.isWearerOfHat(alice, missing));
        assertFalse(roles.isActive(missing));
        assertEq(roles.hatSupply(missing), 0);
        // Its would-be ancestors still administer it (it can be created, then minted).
        assertTrue(roles.isAdminOfHat(alice, missing));
    }
}

contract RolesAuthorityBoundariesTest is RolesFixture {
    function test_noAuthorityAcrossDaos() public {
        vm.prank(bob);
        uint256 otherTop = roles.mintTopRole(bob, "Other DAO", "");
        vm.prank(bob);
        uint256 otherRole = roles.createRole(otherTop, "x", 5, address(0), address(0), true, false, "");
        // alice (DAO 1) has no say in DAO 2, and bob none in DAO 1.
        assertFalse(roles.isAdminOfHat(alice, otherTop));
        assertFalse(roles.isAdminOfHat(alice, otherRole));
        assertFalse(roles.isAdminOfHat(bob, child));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, alice, otherRole));
        vm.prank(alice);
        roles.mintRole(otherRole, alice, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, alice, otherTop));
        vm.prank(alice);
        roles.createRole(otherTop, "y", 1, address(0), address(0), false, false, "");
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        vm.prank(bob);
        roles.revokeRole(child, alice);
    }

    function test_linkedAuthorityFlowsDownOnly() public {
        vm.prank(alice);
        uint256 sub = roles.createLinkedTree(child, carol, "Cell", "");
        // carol runs the child cell's tree but has no authority over the parent tree.
        assertFalse(roles.isAdminOfHat(carol, child));
        assertFalse(roles.isAdminOfHat(carol, grand));
        assertFalse(roles.isAdminOfHat(carol, top));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, carol, grand));
        vm.prank(carol);
        roles.mintRole(grand, carol, 0);
        // Sibling linked trees do not administer each other.
        vm.prank(alice);
        uint256 sibling = roles.createLinkedTree(child, dave, "Sibling", "");
        assertFalse(roles.isAdminOfHat(carol, sibling));
        assertFalse(roles.isAdminOfHat(dave, sub));
        // After unlinking, the old parent loses its authority over the tree.
        vm.prank(alice);
        roles.relinkTree(uint32(sub >> 224), 0);
        assertFalse(roles.isAdminOfHat(alice, sub));
        assertTrue(roles.isAdminOfHat(carol, sub));
    }

    function test_linkedAdminLosesAuthorityWithTheRole() public {
        _mint(child, bob);
        vm.prank(bob);
        uint256 sub = roles.createLinkedTree(child, carol, "Cell", "");
        assertTrue(roles.isAdminOfHat(bob, sub));
        vm.prank(alice);
        roles.revokeRole(child, bob);
        assertFalse(roles.isAdminOfHat(bob, sub));
    }
}

contract RolesForwarderMoreTest is RolesFixture {
    function test_forwardedBatchMintAndStringChanges() public {
        uint256[] memory ids = new uint256[](2);
        address[] memory ws = new address[](2);
        (ids[0], ids[1]) = (child, child);
        (ws[0], ws[1]) = (bob, carol);
        forwarder.forward(address(roles), abi.encodeCall(IRoles.batchMintRoles, (ids, ws, new uint64[](2))), alice);
        assertEq(roles.hatSupply(child), 2);
        forwarder.forward(address(roles), abi.encodeCall(IRoles.changeRoleDetails, (child, "renamed")), alice);
        assertEq(roles.uri(child), "renamed");
        // The same calls acting for a non-admin fail.
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, child));
        forwarder.forward(address(roles), abi.encodeCall(IRoles.changeRoleDetails, (child, "x")), bob);
    }

    function test_forwardedRenounceAndClaimActForTheAccount() public {
        _mint(child, bob);
        // The burn names the account as operator and holder (a renounce's only log).
        vm.expectEmit(true, true, true, true, address(roles));
        emit IERC1155.TransferSingle(bob, bob, address(0), child, 1);
        forwarder.forward(address(roles), abi.encodeCall(IRoles.renounceRole, (child)), bob);
        assertFalse(roles.isWearerOfHat(bob, child));
        vm.prank(alice);
        roles.changeRoleClaimable(child, true);
        forwarder.forward(address(roles), abi.encodeCall(IRoles.claimRole, (child)), dave);
        assertTrue(roles.isWearerOfHat(dave, child));
        assertFalse(roles.isWearerOfHat(address(forwarder), child));
    }
}

/// @notice The packed layout drawn in Roles.sol is what the assembly reads and writes.
contract RolesStorageLayoutTest is RolesFixture {
    function _roleSlot(uint256 roleId) internal pure returns (bytes32) {
        return keccak256(abi.encode(roleId, uint256(1)));
    }

    function _grantSlot(uint256 roleId, address wearer) internal pure returns (bytes32) {
        return keccak256(abi.encode(wearer, keccak256(abi.encode(roleId, uint256(5)))));
    }

    function test_roleSlotLayout() public {
        uint256 id = _role(child, address(elig), address(tog), true, true);
        _mint(id, bob);
        uint256 word = uint256(vm.load(address(roles), _roleSlot(id)));
        assertEq(address(uint160(word)), address(tog), "toggle");
        assertEq(uint32(word >> 160), 10, "maxSupply");
        assertEq(uint32(word >> 192), 1, "supply");
        assertEq(uint16(word >> 224), 0, "lastChildIndex");
        // CREATED | ACTIVE | MUTABLE | CLAIMABLE | HAS_ELIGIBILITY
        assertEq(uint8(word >> 240), 1 | 2 | 4 | 8 | 16, "flags");
        uint256 parentWord = uint256(vm.load(address(roles), _roleSlot(child)));
        assertEq(uint16(parentWord >> 224), 2, "parent lastChildIndex");
    }

    function test_grantSlotLayout() public {
        vm.roll(77);
        uint64 expiry = uint64(block.timestamp + 1000);
        vm.prank(alice);
        roles.mintRole(child, bob, expiry);
        uint256 word = uint256(vm.load(address(roles), _grantSlot(child, bob)));
        assertEq(uint64(word), 77, "since");
        assertEq(uint64(word >> 64), expiry, "expiry");
        assertEq(uint8(word >> 128), 1, "worn");
        assertEq(uint8(word >> 136), 0, "badStanding");
        assertEq(uint40(word >> 144), block.timestamp, "startTime");
        assertEq(uint40(word >> 184), 0, "endTime");
        assertEq(uint32(word >> 224), 0, "pastCount");
        vm.warp(block.timestamp + 10);
        vm.prank(bob);
        roles.renounceRole(child);
        // Cleared but for the times kept for payment streams.
        word = uint256(vm.load(address(roles), _grantSlot(child, bob)));
        assertEq(word & ((uint256(1) << 144) - 1), 0, "cleared");
        assertEq(uint40(word >> 184) - uint40(word >> 144), 10, "start and end kept");
    }

    /// @dev renounceRole writes the ended grant word inline (its hot path), a revoke through `_endedWord`:
    /// both must leave the same grant and role words, whatever the time since the grant (0: the same
    /// second), its term (none, running, lapsed), earlier grants archived and a stored bad standing.
    function testFuzz_renounceEndsTheGrantAsARevokeDoes(uint16 elapsed, uint16 term, bool regrant, bool bad) public {
        uint256 id = _role(child, address(elig), address(0), true, false);
        if (regrant) {
            _mint(id, bob);
            vm.warp(block.timestamp + 100);
            vm.prank(alice);
            roles.revokeRole(id, bob);
            vm.warp(block.timestamp + 1);
        }
        if (bad) {
            // A bad standing pushed (the grant burned, the standing stored), then the module answers
            // good again: the new grant is worn with the stored bad-standing byte still 1.
            _mint(id, bob);
            elig.push(roles, id, bob, true, false);
            elig.set(bob, true, true);
        }
        uint64 expiry = term % 3 == 0 ? 0 : uint64(block.timestamp + 1 + term % 1000);
        vm.prank(alice);
        roles.mintRole(id, bob, expiry);
        vm.warp(block.timestamp + elapsed % 2000);
        uint256 before = vm.snapshotState();
        vm.prank(bob);
        roles.renounceRole(id);
        bytes32 renouncedGrant = vm.load(address(roles), _grantSlot(id, bob));
        bytes32 renouncedRole = vm.load(address(roles), _roleSlot(id));
        vm.revertToState(before);
        vm.prank(alice);
        roles.revokeRole(id, bob);
        assertEq(vm.load(address(roles), _grantSlot(id, bob)), renouncedGrant, "grant word");
        assertEq(vm.load(address(roles), _roleSlot(id)), renouncedRole, "role word");
        assertEq(uint8(uint256(renouncedGrant) >> 136), bad ? 1 : 0, "bad standing kept");
    }

    function test_topRoleSlot_linkHeightAndRegistryManagedBits() public {
        vm.prank(alice);
        roles.createLinkedTree(child, alice, "", "");
        uint256 word = uint256(vm.load(address(roles), _roleSlot(top)));
        assertEq(uint8(word >> 248), 1, "linkHeight, bits 248..255");
        assertEq(uint8(word >> 240), 1 | 2, "flags: CREATED | ACTIVE, not REGISTRY_MANAGED");
        uint256 managed = abi.decode(
            forwarder.forward(address(roles), abi.encodeCall(IRoles.mintTopRole, (alice, "", "")), alice), (uint256)
        );
        word = uint256(vm.load(address(roles), _roleSlot(managed)));
        assertEq(uint8(word >> 240), 1 | 2 | 32, "flags: CREATED | ACTIVE | REGISTRY_MANAGED");
    }

    function test_createRole_revertsAtMaxChildren() public {
        // Fast-forward the top role's child counter to the last index.
        bytes32 slot = _roleSlot(top);
        uint256 word = uint256(vm.load(address(roles), slot));
        word = (word & ~(uint256(type(uint16).max) << 224)) | (uint256(type(uint16).max - 1) << 224);
        vm.store(address(roles), slot, bytes32(word));
        vm.prank(alice);
        uint256 last = roles.createRole(top, "last", 1, address(0), address(0), false, false, "");
        assertEq(last, roles.buildHatId(top, type(uint16).max));
        vm.expectRevert(abi.encodeWithSelector(IRoles.MaxChildrenReached.selector, top));
        vm.prank(alice);
        roles.createRole(top, "over", 1, address(0), address(0), false, false, "");
    }
}

/// @notice Issue 10: registry-managed trees, the domain rule for plain trees, link depth counting the moved
/// subtree, walks that never answer a default, and no self-lockout of an unlinked tree.
contract RolesLinkRulesTest is RolesFixture {
    /// @dev A chain of `n` trees, each linked under the previous one's top role (the first under `admin`),
    /// made by alice, who wears every new top role. Returns the deepest top role.
    function _chain(uint256 admin, uint256 n) internal returns (uint256 last) {
        last = admin;
        vm.startPrank(alice);
        for (uint256 i; i < n; ++i) {
            last = roles.createLinkedTree(last, alice, "", "");
        }
        vm.stopPrank();
    }

    function _managedUnderChild() internal returns (uint256 sub) {
        sub = abi.decode(
            forwarder.forward(
                address(roles), abi.encodeCall(IRoles.createLinkedTree, (child, carol, "Cell", "")), alice
            ),
            (uint256)
        );
    }

    /*//////////////////////////////////////////////////////////////
                         REGISTRY-MANAGED TREES
    //////////////////////////////////////////////////////////////*/

    function test_relinkTree_managedTreeOnlyThroughTheForwarder() public {
        uint256 sub = _managedUnderChild();
        uint32 tree = sub.treeIdOf();
        assertTrue(roles.isRegistryManaged(tree));
        assertFalse(roles.isRegistryManaged(top.treeIdOf()));
        // Not even the top of the domain relinks a managed tree directly, nor its own wearer.
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, tree, alice));
        vm.prank(alice);
        roles.relinkTree(tree, grand);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, tree, alice));
        vm.prank(alice);
        roles.relinkTree(tree, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, tree, carol));
        vm.prank(carol);
        roles.relinkTree(tree, 0);
        // Through the forwarder, with the authority of the account it acts for.
        forwarder.forward(address(roles), abi.encodeCall(IRoles.relinkTree, (tree, grand)), alice);
        assertEq(roles.linkedTreeAdmins(tree), grand);
    }

    function test_relinkTree_managedTreeThroughTheForwarderStillNeedsAuthority() public {
        uint256 sub = _managedUnderChild();
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, sub));
        forwarder.forward(address(roles), abi.encodeCall(IRoles.relinkTree, (sub.treeIdOf(), grand)), bob);
    }

    function test_relinkTree_managedRootIsNotLinkedByItsWearer() public {
        uint256 root = abi.decode(
            forwarder.forward(address(roles), abi.encodeCall(IRoles.mintTopRole, (bob, "DAO", "")), bob), (uint256)
        );
        _mint(child, bob);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, root.treeIdOf(), bob));
        vm.prank(bob);
        roles.relinkTree(root.treeIdOf(), child);
    }

    /*//////////////////////////////////////////////////////////////
                         PLAIN TREES: THE DOMAIN RULE
    //////////////////////////////////////////////////////////////*/

    /// @dev bob wears `child` and links a plain tree (worn by carol) under it.
    function _plainUnderBob() internal returns (uint32 tree) {
        _mint(child, bob);
        vm.prank(bob);
        tree = roles.createLinkedTree(child, carol, "Plain", "").treeIdOf();
    }

    /// @dev Fails on the old code, where the authority the tree hangs under could unlink it.
    function test_relinkTree_linkAuthorityBelowTheTopCannotUnlink() public {
        uint32 tree = _plainUnderBob();
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotDomainTop.selector, bob, tree, uint32(1)));
        vm.prank(bob);
        roles.relinkTree(tree, 0);
        assertEq(roles.linkedTreeAdmins(tree), child);
        // The domain's top unlinks.
        vm.prank(alice);
        roles.relinkTree(tree, 0);
        assertEq(roles.linkedTreeAdmins(tree), 0);
    }

    function test_relinkTree_linkAuthorityCannotLeaveTheDomain() public {
        uint32 tree = _plainUnderBob();
        vm.prank(bob);
        uint256 bobs = roles.mintTopRole(bob, "Bob's", "");
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotDomainTop.selector, bob, tree, uint32(1)));
        vm.prank(bob);
        roles.relinkTree(tree, bobs);
        // The domain's top may, with authority over the new place too.
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, alice, bobs));
        vm.prank(alice);
        roles.relinkTree(tree, bobs);
    }

    function test_relinkTree_linkAuthorityMovesInsideTheDomain() public {
        uint32 tree = _plainUnderBob();
        vm.prank(bob);
        uint256 slot = roles.createRole(child, "slot", 1, address(0), address(0), true, false, "");
        vm.prank(bob);
        roles.relinkTree(tree, slot);
        assertEq(roles.linkedTreeAdmins(tree), slot);
        assertTrue(roles.isAdminOfHat(alice, RoleId.topRole(tree)));
    }

    function test_relinkTree_wrongCallerForALinkedPlainTree() public {
        uint32 tree = _plainUnderBob();
        // carol wears the tree's top role but not the authority above it; eve wears nothing.
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, carol, RoleId.topRole(tree)));
        vm.prank(carol);
        roles.relinkTree(tree, grand);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, eve, RoleId.topRole(tree)));
        vm.prank(eve);
        roles.relinkTree(tree, 0);
    }

    /*//////////////////////////////////////////////////////////////
                       LINK DEPTH COUNTS THE SUBTREE
    //////////////////////////////////////////////////////////////*/

    /// @dev A chain of 20 linked trees under tree 1 (21 trees) and a separate root with `below` trees linked
    /// under it; bob wears a role in the 20th tree and the separate root. Returns (the role in the deep
    /// tree, the root's tree, the 19th tree's role, the deepest top role of the root's chain).
    function _deepAndSeparate(uint256 below)
        internal
        returns (uint256 slot20, uint32 root, uint256 slot19, uint256 deepest)
    {
        uint256 t19 = _chain(top, 19);
        uint256 t20 = _chain(t19, 1);
        vm.startPrank(alice);
        slot19 = roles.createRole(t19, "slot", 1, address(0), address(0), true, false, "");
        slot20 = roles.createRole(t20, "slot", 1, address(0), address(0), true, false, "");
        roles.mintRole(slot19, bob, 0);
        roles.mintRole(slot20, bob, 0);
        uint256 r = roles.mintTopRole(bob, "root", "");
        vm.stopPrank();
        root = r.treeIdOf();
        deepest = r;
        vm.startPrank(bob);
        for (uint256 i; i < below; ++i) {
            deepest = roles.createLinkedTree(deepest, bob, "", "");
        }
        vm.stopPrank();
        assertEq(roles.linkHeightOf(root), below);
    }

    /// @dev Regression (fails on the old code, which counted only the chain above the new parent and let the
    /// deepest tree sit 33 links below tree 1, out of reach of its top's admin checks).
    function test_regression_relinkCountsTheLinksBelowTheMovedTree() public {
        (uint256 slot20, uint32 root,, uint256 deepest) = _deepAndSeparate(12);
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, root, slot20));
        vm.prank(bob);
        roles.relinkTree(root, slot20);
        assertEq(roles.linkedTreeAdmins(root), 0);
        assertFalse(roles.isAdminOfHat(alice, deepest));
    }

    /// @dev Exactly MAX_LINK_DEPTH trees in the chain passes, one more is refused.
    function test_relinkTree_depthBoundaryCountsTheSubtree() public {
        (uint256 slot20, uint32 root, uint256 slot19, uint256 deepest) = _deepAndSeparate(11);
        // Under tree 21 (depth 20): 21 trees above + the root + 11 below = 33 trees.
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, root, slot20));
        vm.prank(bob);
        roles.relinkTree(root, slot20);
        // Under tree 20: 20 + 1 + 11 = 32 = MAX_LINK_DEPTH trees.
        vm.prank(bob);
        roles.relinkTree(root, slot19);
        assertEq(roles.getTippyTopHatDomain(deepest.treeIdOf()), 1);
        assertTrue(roles.isAdminOfHat(alice, deepest), "the top administers the deepest tree");
        assertEq(roles.getHatLevel(deepest), 19 + 2 + 11, "each link adds the linked-under role's level + 1");
        assertEq(roles.linkHeightOf(1), 31, "the root's height is the whole chain below it");
        // The chain is full: nothing more may be linked below its deepest tree.
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, uint32(0), deepest));
        vm.prank(bob);
        roles.createLinkedTree(deepest, bob, "", "");
    }

    /// @dev linkHeight is a high-water mark: taking the deep subtree away does not lower it (documented).
    function test_linkHeight_isAHighWaterMark() public {
        uint32 sub = _chain(top, 3).treeIdOf();
        assertEq(roles.linkHeightOf(1), 3);
        assertEq(roles.linkHeightOf(sub), 0);
        vm.prank(alice);
        roles.relinkTree(2, 0);
        assertEq(roles.linkHeightOf(1), 3);
        assertEq(roles.linkHeightOf(2), 2);
    }

    /// @dev Every walk up a chain reverts rather than answer a default when it runs out (here a forced cycle,
    /// which no call can make).
    function test_walksRevertInsteadOfAnsweringADefault() public {
        uint32 sub = _chain(top, 1).treeIdOf();
        // _linkedAdmin is slot 6 (after lastTopHatId, _roles, _eligibility, _details, _imageURI, _grants).
        vm.store(address(roles), keccak256(abi.encode(uint256(1), uint256(6))), bytes32(RoleId.topRole(sub)));
        vm.expectRevert();
        roles.isAdminOfHat(eve, grand);
        vm.expectRevert();
        roles.getTippyTopHatDomain(1);
        vm.expectRevert();
        roles.getHatLevel(grand);
    }

    /*//////////////////////////////////////////////////////////////
                              NO LOCKOUT
    //////////////////////////////////////////////////////////////*/

    function test_unlinkedTopRole_cannotBeRenouncedRevokedDeactivatedOrGivenATerm() public {
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, top));
        roles.renounceRole(top);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, top));
        roles.revokeRole(top, alice);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, top));
        roles.setRoleStatus(top, false);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, top));
        roles.renewRole(top, alice, uint64(block.timestamp + 1 days));
        // What cannot lock out still works: no term, an active status, a transfer.
        roles.renewRole(top, alice, 0);
        roles.setRoleStatus(top, true);
        roles.transferRole(top, alice, bob);
        vm.stopPrank();
        assertTrue(roles.isWearerOfHat(bob, top));
    }

    function test_unlinkedTopRole_wrongCallersStillGetTheirErrors() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotToggleModuleOrAdmin.selector, bob, top));
        vm.prank(bob);
        roles.setRoleStatus(top, false);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, top));
        vm.prank(bob);
        roles.revokeRole(top, alice);
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, bob, top));
        vm.prank(bob);
        roles.renewRole(top, alice, 0);
    }

    function test_linkedTopRole_mayBeRenouncedAndDeactivated() public {
        uint256 sub = _chain(top, 1);
        vm.prank(alice);
        roles.setRoleStatus(sub, false);
        vm.prank(alice);
        roles.setRoleStatus(sub, true);
        vm.prank(alice);
        roles.renounceRole(sub);
        // The authority above is still there and mints it again.
        _mint(sub, carol);
        assertTrue(roles.isWearerOfHat(carol, sub));
    }
}
