// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {RoleStreams} from "../../src/RoleStreams.sol";
import {MockEligibility} from "./RolesModules.sol";
import {TreasuryFixture} from "./TreasuryFixture.sol";

/// @notice The treasury fixture plus its RoleStreams and two roles of cell A:
///   devRole (max 10 wearers, mutable, with an eligibility module the test controls)
///   opsRole (max 20 wearers, mutable, no modules)
/// Cell A holds 300e18 of TKN in the current week (a 500e18 ceiling, DAO X's root has 1000e18 a week).
abstract contract StreamsFixture is TreasuryFixture {
    uint256 internal constant DAY = 1 days;
    /// @dev 70e18 a week = 10e18 a day.
    uint256 internal constant RATE = 70e18;

    RoleStreams internal streams;
    MockEligibility internal elig;
    uint256 internal devRole;
    uint256 internal opsRole;

    address internal w1 = makeAddr("w1");
    address internal w2 = makeAddr("w2");
    address internal w3 = makeAddr("w3");
    address internal anyone = makeAddr("anyone");

    function setUp() public virtual override {
        super.setUp();
        streams = RoleStreams(treasury.streams());
        elig = new MockEligibility();
        vm.startPrank(alice);
        devRole = roles.createRole(cellA, "dev", 10, address(elig), address(0), true, false, "");
        opsRole = roles.createRole(cellA, "ops", 20, address(0), address(0), true, false, "");
        vm.stopPrank();
        _fundA(address(token), 1000e18, 500e18, 300e18);
    }

    function _open(uint256 roleId) internal returns (uint256 id) {
        vm.prank(alice);
        id = streams.open(cellA, roleId, address(token), RATE, WEEK, 0, 0);
    }

    function _mint(uint256 roleId, address who) internal {
        vm.prank(alice);
        roles.mintRole(roleId, who, 0);
    }

    function _revoke(uint256 roleId, address who) internal {
        vm.prank(alice);
        roles.revokeRole(roleId, who);
    }

    /// @dev What RATE per WEEK pays for `secs` seconds.
    function _due(uint256 secs) internal pure returns (uint256) {
        return RATE * secs / WEEK;
    }
}
