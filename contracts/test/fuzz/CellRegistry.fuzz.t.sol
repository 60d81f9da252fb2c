// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {CellRestrictions} from "../../src/libraries/CellRestrictions.sol";
import {CellsFixture} from "../utils/CellsFixture.sol";

contract CellRegistryFuzzTest is CellsFixture {
    /// @dev Accounts that hold some authority in the fixture; everyone else holds none.
    function _assumeNobody(address account) internal view {
        vm.assume(
            account != governance && account != otherGovernance && account != opsAdmin && account != devAdmin
                && account != commsAdmin && account != otherAdmin
        );
    }

    function testFuzz_createDao_storesAnyName(string calldata name, address governance_, uint8 scaleRaw) public {
        vm.assume(bytes(name).length != 0);
        vm.assume(governance_ != address(0) && governance_ != address(registry) && governance_ != address(roles));
        ICellRegistry.Scale scale = ICellRegistry.Scale(bound(scaleRaw, 0, 3));
        uint256 id = registry.createDao(governance_, name, scale, ICellRegistry.Phase.Conversation, _none());
        assertEq(registry.nameOf(id), name);
        assertEq(registry.daoOf(id), id);
        assertEq(uint8(registry.scaleOf(id)), uint8(scale));
        assertTrue(registry.isCellAdmin(governance_, id));
        assertFalse(roles.isWearerOfHat(address(registry), id));
    }

    function testFuzz_createCell_storesAnyNameAndMembers(string calldata name, address[] calldata candidates) public {
        vm.assume(bytes(name).length != 0);
        address[] memory members = _distinctMembers(candidates, 8);
        vm.prank(devAdmin);
        uint256 id = registry.createCell(
            dev, name, ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, alice, members
        );
        assertEq(registry.nameOf(id), name);
        assertEq(registry.parentOf(id), dev);
        uint256 member = registry.memberRoleOf(id);
        assertEq(roles.hatSupply(member), members.length);
        for (uint256 i; i < members.length; ++i) {
            assertTrue(roles.isWearerOfHat(members[i], member));
        }
    }

    /// @dev Up to `max` of `candidates`, in order, leaving out the zero address, the registry, Roles and
    /// repeats. Trimming rather than `vm.assume`: the fuzzer's arrays are mostly longer than `max` or
    /// repeat an address, and rejecting them all exhausted the assume budget at a few thousand runs.
    function _distinctMembers(address[] calldata candidates, uint256 max) private view returns (address[] memory m) {
        m = new address[](max);
        uint256 n;
        for (uint256 i; i < candidates.length && n < max; ++i) {
            address c = candidates[i];
            bool keep = c != address(0) && c != address(registry) && c != address(roles);
            for (uint256 j; keep && j < n; ++j) {
                keep = m[j] != c;
            }
            if (keep) m[n++] = c;
        }
        assembly ("memory-safe") {
            mstore(m, n) // shorten to the members kept
        }
    }

    function testFuzz_strangersCannotActForAnyCell(address stranger, uint8 which) public {
        _assumeNobody(stranger);
        uint256[6] memory cells = [alpha, ops, dev, comms, beta, betaOps];
        uint256 cellId = cells[bound(which, 0, 5)];
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, stranger, cellId));
        registry.createCell(
            cellId, "X", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, stranger, _none()
        );
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, stranger, cellId));
        registry.setPhase(cellId, ICellRegistry.Phase.Formation);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, stranger, cellId));
        registry.setState(cellId, "charter", "ipfs://x", bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAdmin.selector, stranger, cellId));
        registry.recordDecision(cellId, "x", "ipfs://x", bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, stranger, cellId));
        registry.setScale(cellId, ICellRegistry.Scale.Network);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, stranger, cellId));
        registry.proposePartnership(cellId, 0, stranger, "t", bytes32(0));
        vm.stopPrank();
    }

    function testFuzz_unknownIdsAreNotCells(uint256 id) public {
        vm.assume(id != alpha && id != ops && id != dev && id != comms && id != beta && id != betaOps);
        assertFalse(registry.cellExists(id));
        assertFalse(registry.isCellAdmin(governance, id));
        assertFalse(registry.isParentAdmin(governance, id));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, id));
        registry.phaseOf(id);
    }

    function testFuzz_setState_versionCountsWrites(bytes32 key, string calldata uri, bytes32 hash, uint8 writes)
        public
    {
        uint256 n = bound(writes, 1, 12);
        for (uint256 i = 1; i <= n; ++i) {
            vm.prank(i % 2 == 0 ? opsAdmin : devAdmin);
            assertEq(registry.setState(dev, key, uri, bytes32(uint256(hash) ^ i)), i);
        }
        ICellRegistry.StateDocument memory doc = registry.stateOf(dev, key);
        assertEq(doc.version, n);
        assertEq(doc.uri, uri);
        assertEq(doc.contentHash, bytes32(uint256(hash) ^ n));
        assertEq(doc.author, n % 2 == 0 ? opsAdmin : devAdmin);
        assertEq(registry.stateKeys(dev).length, 1);
    }

    /// @notice The cell's own admin may advance exactly one step or dissolve; the parent admin any change.
    function testFuzz_phaseRules(uint8 fromRaw, uint8 toRaw) public {
        ICellRegistry.Phase from = ICellRegistry.Phase(bound(fromRaw, 0, 3));
        ICellRegistry.Phase to = ICellRegistry.Phase(bound(toRaw, 0, 4));
        uint256 cellId = _child(opsAdmin, ops, "F", alice);
        if (from != ICellRegistry.Phase.Conversation) {
            vm.prank(opsAdmin);
            registry.setPhase(cellId, from);
        }
        bool ownAllowed = to != from && (to == ICellRegistry.Phase.Dissolved || uint8(to) == uint8(from) + 1);
        vm.prank(alice);
        if (ownAllowed) {
            registry.setPhase(cellId, to);
            assertEq(uint8(registry.phaseOf(cellId)), uint8(to));
        } else {
            vm.expectRevert(abi.encodeWithSelector(ICellRegistry.InvalidPhaseTransition.selector, cellId, from, to));
            registry.setPhase(cellId, to);
            vm.prank(opsAdmin);
            if (to == from) {
                vm.expectRevert(abi.encodeWithSelector(ICellRegistry.InvalidPhaseTransition.selector, cellId, from, to));
            }
            registry.setPhase(cellId, to);
            if (to != from) assertEq(uint8(registry.phaseOf(cellId)), uint8(to));
        }
    }

    /// @notice Each restriction bit blocks exactly its action for the cell's own admin, never for the parent.
    function testFuzz_restrictionsEnforcedPerBit(uint16 bits) public {
        bits &= CellRestrictions.ALL;
        vm.prank(opsAdmin);
        registry.setRestrictions(dev, bits);

        vm.startPrank(devAdmin);
        if (bits & CellRestrictions.CREATE_SUBCELLS != 0) {
            vm.expectRevert(
                abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.CREATE_SUBCELLS)
            );
        }
        registry.createCell(
            dev, "S", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, alice, _none()
        );
        if (bits & CellRestrictions.SET_STATE != 0) {
            vm.expectRevert(
                abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.SET_STATE)
            );
        }
        registry.setState(dev, "charter", "ipfs://c", bytes32(0));
        if (bits & CellRestrictions.PARTNERSHIPS != 0) {
            vm.expectRevert(
                abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.PARTNERSHIPS)
            );
        }
        registry.proposePartnership(dev, betaOps, address(0), "t", bytes32(0));
        if (bits & CellRestrictions.CHANGE_OWN_PHASE != 0) {
            vm.expectRevert(
                abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.CHANGE_OWN_PHASE)
            );
        }
        registry.setPhase(dev, ICellRegistry.Phase.Formation);
        vm.stopPrank();

        // Authority above is never restricted.
        vm.startPrank(opsAdmin);
        registry.createCell(
            dev, "P", ICellRegistry.Scale.Collaboration, ICellRegistry.Phase.Conversation, alice, _none()
        );
        registry.setState(dev, "charter", "ipfs://p", bytes32(0));
        registry.proposePartnership(dev, betaOps, address(0), "t", bytes32(0));
        registry.setPhase(dev, ICellRegistry.Phase.Coordination);
        vm.stopPrank();
    }

    function testFuzz_setRestrictions_rejectsUnknownBits(uint16 bits) public {
        vm.assume(bits & ~CellRestrictions.ALL != 0);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.UnknownRestrictions.selector, bits));
        vm.prank(opsAdmin);
        registry.setRestrictions(dev, bits);
    }
}
