// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellRegistry} from "../../src/CellRegistry.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Two DAOs on one registry (the real Roles it deploys, nothing mocked):
///
///   Alpha (governance)                 Beta (otherGovernance)
///   ├── Ops (opsAdmin)  members alice  └── BetaOps (otherAdmin)
///   │   └── Dev (devAdmin) members bob
///   └── Comms (commsAdmin)
///
/// DAO Alpha's members: alice, bob.
contract CellsFixture is Test {
    CellRegistry internal registry;
    IRoles internal roles;

    address internal governance = makeAddr("governance");
    address internal otherGovernance = makeAddr("otherGovernance");
    address internal opsAdmin = makeAddr("opsAdmin");
    address internal devAdmin = makeAddr("devAdmin");
    address internal commsAdmin = makeAddr("commsAdmin");
    address internal otherAdmin = makeAddr("otherAdmin");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal outsider = makeAddr("outsider");

    uint256 internal alpha;
    uint256 internal ops;
    uint256 internal dev;
    uint256 internal comms;
    uint256 internal beta;
    uint256 internal betaOps;

    function setUp() public virtual {
        registry = new CellRegistry();
        roles = registry.roles();

        alpha = registry.createDao(
            governance, "Alpha", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, _list(alice, bob)
        );
        vm.prank(governance);
        ops = registry.createCell(
            alpha, "Ops", ICellRegistry.Scale.Coordination, ICellRegistry.Phase.Formation, opsAdmin, _list(alice)
        );
        vm.prank(opsAdmin);
        dev = registry.createCell(
            ops, "Dev", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, devAdmin, _list(bob)
        );
        vm.prank(governance);
        comms = registry.createCell(
            alpha, "Comms", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, commsAdmin, _none()
        );

        beta = registry.createDao(
            otherGovernance, "Beta", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, _none()
        );
        vm.prank(otherGovernance);
        betaOps = registry.createCell(
            beta, "BetaOps", ICellRegistry.Scale.Coordination, ICellRegistry.Phase.Conversation, otherAdmin, _none()
        );
    }

    function _child(address by, uint256 parent, string memory name, address admin) internal returns (uint256 id) {
        vm.prank(by);
        id = registry.createCell(
            parent, name, ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, admin, _none()
        );
    }

    function _none() internal pure returns (address[] memory list) {
        list = new address[](0);
    }

    function _list(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }

    function _list(address a, address b) internal pure returns (address[] memory list) {
        list = new address[](2);
        list[0] = a;
        list[1] = b;
    }

    function _tree(uint256 cellId) internal pure returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(cellId >> 224); // a cell id is its 32-bit tree id in the top bits
    }
}
