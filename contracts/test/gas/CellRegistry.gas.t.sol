// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellRegistry} from "../../src/CellRegistry.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {StateKeys} from "../../src/libraries/StateKeys.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Whole-transaction gas of the registry's writes, first call after setUp (cold storage).
/// Run: FORGE_SNAPSHOT_CHECK=false forge test --isolate --match-path 'contracts/test/gas/CellRegistry.gas.t.sol'
contract CellRegistryGasTest is Test {
    CellRegistry internal registry;

    address internal governance = makeAddr("governance");
    address internal opsAdmin = makeAddr("opsAdmin");
    address internal otherAdmin = makeAddr("otherAdmin");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");

    uint256 internal dao;
    uint256 internal ops;
    uint256 internal comms;
    uint256 internal otherCell;
    uint256 internal proposed;

    string internal constant DOC_URI = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    function setUp() public {
        registry = new CellRegistry();
        dao = registry.createDao(
            governance, "Alpha", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, _two()
        );
        vm.startPrank(governance);
        ops = registry.createCell(
            dao, "Ops", ICellRegistry.Scale.Coordination, ICellRegistry.Phase.Conversation, opsAdmin, _two()
        );
        comms = registry.createCell(
            dao, "Comms", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, opsAdmin, _two()
        );
        vm.stopPrank();
        uint256 other = registry.createDao(
            otherAdmin, "Beta", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, _two()
        );
        otherCell = other;
        vm.prank(opsAdmin);
        proposed = registry.proposePartnership(ops, otherCell, address(0), DOC_URI, keccak256("terms"));
    }

    function _two() internal view returns (address[] memory list) {
        list = new address[](2);
        list[0] = alice;
        list[1] = bob;
    }

    function test_gas_createDao() public {
        registry.createDao(
            governance, "Gamma", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, _two()
        );
        vm.snapshotGasLastCall("createDao (2 members)");
    }

    function test_gas_createDao_noMembers() public {
        registry.createDao(
            governance, "Gamma", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, new address[](0)
        );
        vm.snapshotGasLastCall("createDao (no members)");
    }

    function test_gas_createCell() public {
        vm.prank(opsAdmin);
        registry.createCell(
            ops, "Dev", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, alice, _two()
        );
        vm.snapshotGasLastCall("createCell (2 members)");
    }

    function test_gas_setPhase() public {
        vm.prank(opsAdmin);
        registry.setPhase(ops, ICellRegistry.Phase.Formation);
        vm.snapshotGasLastCall("setPhase (own admin, one step)");
    }

    function test_gas_setState_first() public {
        vm.prank(opsAdmin);
        registry.setState(ops, StateKeys.CHARTER, DOC_URI, keccak256("charter v1"));
        vm.snapshotGasLastCall("setState (first version)");
    }

    function test_gas_setState_update() public {
        vm.prank(opsAdmin);
        registry.setState(ops, StateKeys.CHARTER, DOC_URI, keccak256("charter v1"));
        vm.prank(opsAdmin);
        registry.setState(ops, StateKeys.CHARTER, DOC_URI, keccak256("charter v2"));
        vm.snapshotGasLastCall("setState (next version)");
    }

    function test_gas_recordDecision() public {
        vm.prank(opsAdmin);
        registry.recordDecision(ops, keccak256("proposal-1"), DOC_URI, keccak256("decision"));
        vm.snapshotGasLastCall("recordDecision");
    }

    function test_gas_moveCell() public {
        vm.prank(opsAdmin);
        uint256 dev = registry.createCell(
            ops, "Dev", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, alice, new address[](0)
        );
        vm.prank(governance);
        registry.moveCell(dev, comms);
        vm.snapshotGasLastCall("moveCell");
    }

    function test_gas_proposePartnership() public {
        vm.prank(opsAdmin);
        registry.proposePartnership(comms, otherCell, address(0), DOC_URI, keccak256("terms"));
        vm.snapshotGasLastCall("proposePartnership");
    }

    function test_gas_acceptPartnership() public {
        vm.prank(otherAdmin);
        registry.acceptPartnership(proposed);
        vm.snapshotGasLastCall("acceptPartnership");
    }
}
