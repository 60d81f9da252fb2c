// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roles} from "../../src/Roles.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Whole-transaction gas of Roles' main writes, measured as DESIGN.md section 7 says: run under
/// `forge test --isolate`, `vm.snapshotGasLastCall` right after the call, storage cold after setUp.
/// Inputs are short and realistic (what a Hats benchmark would use): details "Treasurer", empty image
/// URI; `setUp` has already created one tree, so the singleton is in use (lastTopHatId non-zero).
/// Hats Protocol v1 anchors measured the same way: mintTopHat 123,948; createHat 95,581;
/// mintHat 77,640; transferHat 75,475; renounceHat 29,726; setHatStatus 28,817;
/// warm isWearerOfHat 3,114 (execution gas).
contract RolesGasTest is Test {
    Roles internal roles;
    address internal admin = makeAddr("admin");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal eligibility = makeAddr("eligibilityModule");
    address internal toggle = makeAddr("toggleModule");
    uint256 internal top;
    uint256 internal role;
    uint256 internal toggledRole;

    function setUp() public {
        roles = new Roles(makeAddr("forwarder"));
        vm.startPrank(admin);
        top = roles.mintTopRole(admin, "DAO", "");
        role = roles.createRole(top, "Treasurer", 5, address(0), address(0), true, false, "");
        toggledRole = roles.createRole(top, "Treasurer", 5, eligibility, toggle, true, false, "");
        roles.mintRole(role, bob, 0);
        vm.stopPrank();
    }

    function test_gas_mintTopRole() public {
        vm.prank(carol);
        roles.mintTopRole(carol, "Treasurer", "");
        vm.snapshotGasLastCall("mintTopRole");
    }

    function test_gas_createRole() public {
        vm.prank(admin);
        roles.createRole(top, "Treasurer", 5, address(0), address(0), true, false, "");
        vm.snapshotGasLastCall("createRole");
    }

    function test_gas_createRole_withModules() public {
        vm.prank(admin);
        roles.createRole(top, "Treasurer", 5, eligibility, toggle, true, false, "");
        vm.snapshotGasLastCall("createRole_withModules");
    }

    function test_gas_createLinkedTree() public {
        vm.prank(admin);
        roles.createLinkedTree(top, carol, "Treasurer", "");
        vm.snapshotGasLastCall("createLinkedTree");
    }

    function test_gas_claimRole() public {
        vm.prank(admin);
        roles.changeRoleClaimable(role, true);
        vm.prank(carol);
        roles.claimRole(role);
        vm.snapshotGasLastCall("claimRole");
    }

    function test_gas_batchMintRoles_three() public {
        uint256[] memory ids = new uint256[](3);
        address[] memory wearers = new address[](3);
        (ids[0], ids[1], ids[2]) = (role, role, role);
        (wearers[0], wearers[1], wearers[2]) = (carol, makeAddr("dave"), makeAddr("erin"));
        vm.prank(admin);
        roles.batchMintRoles(ids, wearers, new uint64[](3));
        vm.snapshotGasLastCall("batchMintRoles_three");
    }

    function test_gas_mintRole() public {
        vm.prank(admin);
        roles.mintRole(role, carol, 0);
        vm.snapshotGasLastCall("mintRole");
    }

    function test_gas_mintRole_eoaModules() public {
        // Eligibility and toggle set to accounts without code: both are read, both fall back.
        vm.prank(admin);
        roles.mintRole(toggledRole, carol, 0);
        vm.snapshotGasLastCall("mintRole_eoaModules");
    }

    function test_gas_transferRole() public {
        vm.prank(admin);
        roles.transferRole(role, bob, carol);
        vm.snapshotGasLastCall("transferRole");
    }

    function test_gas_renounceRole() public {
        vm.prank(bob);
        roles.renounceRole(role);
        vm.snapshotGasLastCall("renounceRole");
    }

    function test_gas_revokeRole() public {
        vm.prank(admin);
        roles.revokeRole(role, bob);
        vm.snapshotGasLastCall("revokeRole");
    }

    /// @dev The wearer renounces a week after the mint: the grant word keeps the grant's start and end
    /// times (RoleStreams pays a former wearer what they earned from them), so the word is rewritten,
    /// not cleared, and earns no refund. `renounceRole` above runs in the mint's second, where the
    /// grant covered no time and its word is cleared.
    function test_gas_renounceRole_afterAWeek() public {
        vm.warp(block.timestamp + 7 days);
        vm.prank(bob);
        roles.renounceRole(role);
        vm.snapshotGasLastCall("renounceRole_afterAWeek");
    }

    /// @dev As renounceRole_afterAWeek, for a revoke by the admin.
    function test_gas_revokeRole_afterAWeek() public {
        vm.warp(block.timestamp + 7 days);
        vm.prank(admin);
        roles.revokeRole(role, bob);
        vm.snapshotGasLastCall("revokeRole_afterAWeek");
    }

    function test_gas_setRoleStatus_byToggle() public {
        vm.prank(toggle);
        roles.setRoleStatus(toggledRole, false);
        vm.snapshotGasLastCall("setRoleStatus_byToggle");
    }

    function test_gas_setRoleStatus_byAdmin() public {
        vm.prank(admin);
        roles.setRoleStatus(role, false);
        vm.snapshotGasLastCall("setRoleStatus_byAdmin");
    }

    function test_gas_isWearerOfHat_warm() public {
        // One top-level call (one transaction under --isolate) that reads twice and times the second.
        WarmProbe probe = new WarmProbe();
        (bool wears, uint256 used) = probe.measure(roles, bob, role);
        assertTrue(wears);
        vm.snapshotValue("isWearerOfHat_warm_execution", used);
    }
}

/// @dev Measures the execution gas of a warm `isWearerOfHat` call (gasleft() around the call, after a
/// first call in the same transaction warmed the account and storage).
contract WarmProbe {
    function measure(Roles roles, address account, uint256 roleId) external view returns (bool wears, uint256 used) {
        roles.isWearerOfHat(account, roleId);
        uint256 before = gasleft();
        wears = roles.isWearerOfHat(account, roleId);
        used = before - gasleft();
    }
}
