// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roles} from "../../src/Roles.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {MockEligibility, MockForwarder, MockToggle} from "./RolesModules.sol";
import {Test} from "forge-std/Test.sol";

/// @notice A Roles instance with a forwarder, modules and named accounts; one tree whose top role
/// `top` is worn by `alice`, with a mutable child `child` (max supply 3) and a grandchild `grand`.
abstract contract RolesFixture is Test {
    Roles internal roles;
    MockForwarder internal forwarder;
    MockEligibility internal elig;
    MockToggle internal tog;

    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");
    address internal dave = makeAddr("dave");
    address internal eve = makeAddr("eve");

    uint256 internal top;
    uint256 internal child;
    uint256 internal grand;

    function setUp() public virtual {
        forwarder = new MockForwarder();
        roles = new Roles(address(forwarder));
        elig = new MockEligibility();
        tog = new MockToggle();
        vm.label(address(roles), "Roles");

        vm.startPrank(alice);
        top = roles.mintTopRole(alice, "DAO", "");
        child = roles.createRole(top, "Stewards", 3, address(0), address(0), true, false, "");
        grand = roles.createRole(child, "Treasurer", 1, address(0), address(0), true, false, "");
        vm.stopPrank();
    }

    function _mint(uint256 roleId, address wearer) internal {
        vm.prank(alice);
        roles.mintRole(roleId, wearer, 0);
    }

    function _role(uint256 adminId, address eligibility, address toggle, bool mutable_, bool claimable)
        internal
        returns (uint256 roleId)
    {
        vm.prank(alice);
        roleId = roles.createRole(adminId, "role", 10, eligibility, toggle, mutable_, claimable, "");
    }
}
