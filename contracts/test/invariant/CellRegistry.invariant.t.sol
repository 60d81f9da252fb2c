// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellRegistry} from "../../src/CellRegistry.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {CellRestrictions} from "../../src/libraries/CellRestrictions.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives the registry through random DAO and cell creation, phase changes (by parent and by own
/// admins), moves and restrictions. Every DAO's governance is a known address, and every cell's admin is
/// remembered, so calls are made with real authority; the registry decides what succeeds.
contract CellRegistryHandler is Test {
    CellRegistry public immutable registry;

    uint256[] public cells;
    mapping(uint256 cellId => address) public adminOf;
    mapping(uint256 daoId => address) public governanceOf;

    /// @dev Ghosts: what succeeded, counted on the handler's side.
    uint256 public ghostCreated;
    uint256 public ghostDissolved;
    uint256 public ghostMoved;

    constructor(CellRegistry registry_) {
        registry = registry_;
    }

    function cellsLength() external view returns (uint256) {
        return cells.length;
    }

    function _pick(uint256 seed) internal view returns (uint256) {
        return cells[seed % cells.length];
    }

    function _actor(uint256 seed) internal pure returns (address) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return address(uint160(0xA000 + seed % 16)); // one of 16 small addresses
    }

    uint256 public daoCount;
    uint256[] public daos;

    function daosLength() external view returns (uint256) {
        return daos.length;
    }

    function createDao(uint256 govSeed) external {
        if (daoCount >= 3 || cells.length > 40) return;
        ++daoCount;
        address gov = address(uint160(0xD000 + cells.length));
        uint256 id = registry.createDao(
            gov, "dao", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, new address[](0)
        );
        governanceOf[id] = gov;
        adminOf[id] = gov;
        daos.push(id);
        cells.push(id);
        ++ghostCreated;
        govSeed; // the DAO's governance address is derived, not fuzzed, so the handler can act for it
    }

    /// @dev Either the DAO's governance (authority over every cell) or the parent's own admin creates; each
    /// call tries two cells so that trees grow deep enough for moves and cycles to matter.
    function createCell(uint256 parentSeed, uint256 adminSeed, bool asParentAdmin) external {
        for (uint256 k; k < 2; ++k) {
            if (cells.length == 0 || cells.length > 40) return;
            uint256 parent = _pick(parentSeed >> (k * 8));
            address admin = _actor(adminSeed >> (k * 8));
            vm.prank(asParentAdmin ? adminOf[parent] : governanceOf[registry.daoOf(parent)]);
            try registry.createCell(
                parent,
                "cell",
                ICellRegistry.Scale.Collaboration,
                ICellRegistry.Phase.Conversation,
                admin,
                new address[](0)
            ) returns (
                uint256 id
            ) {
                adminOf[id] = admin;
                cells.push(id);
                ++ghostCreated;
            } catch {}
        }
    }

    function setPhase(uint256 cellSeed, uint8 phaseRaw, bool asOwnAdmin) external {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        ICellRegistry.Phase phase = ICellRegistry.Phase(phaseRaw % 5);
        vm.prank(asOwnAdmin ? adminOf[cellId] : governanceOf[registry.daoOf(cellId)]);
        try registry.setPhase(cellId, phase) {
            if (phase == ICellRegistry.Phase.Dissolved) ++ghostDissolved;
        } catch {}
    }

    /// @dev Usually picks the new parent inside the cell's own DAO, so moves mostly pass the DAO check and
    /// exercise the cycle and authority checks.
    function moveCell(uint256 cellSeed, uint256 parentSeed, bool anyDao) external {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        uint256 dao = registry.daoOf(cellId);
        parentSeed %= cells.length;
        uint256 newParent = _pick(parentSeed);
        for (uint256 i; !anyDao && i < cells.length && registry.daoOf(newParent) != dao; ++i) {
            newParent = _pick(parentSeed + i);
        }
        vm.prank(governanceOf[dao]);
        try registry.moveCell(cellId, newParent) {
            ++ghostMoved;
        } catch {}
    }

    /// @dev Tries to dissolve a cell, as its own admin or as its DAO's governance.
    function dissolve(uint256 cellSeed, bool asOwnAdmin) external {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        vm.prank(asOwnAdmin ? adminOf[cellId] : governanceOf[registry.daoOf(cellId)]);
        try registry.setPhase(cellId, ICellRegistry.Phase.Dissolved) {
            ++ghostDissolved;
        } catch {}
    }

    function setRestrictions(uint256 cellSeed, uint16 bits) external {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        vm.prank(governanceOf[registry.daoOf(cellId)]);
        try registry.setRestrictions(cellId, bits & CellRestrictions.ALL) {} catch {}
    }
}

contract CellRegistryInvariantTest is Test {
    CellRegistry internal registry;
    IRoles internal roles;
    CellRegistryHandler internal handler;

    function setUp() public {
        registry = new CellRegistry();
        roles = registry.roles();
        handler = new CellRegistryHandler(registry);
        handler.createDao(0);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = CellRegistryHandler.createDao.selector;
        selectors[1] = CellRegistryHandler.createCell.selector;
        selectors[2] = CellRegistryHandler.setPhase.selector;
        selectors[3] = CellRegistryHandler.moveCell.selector;
        selectors[4] = CellRegistryHandler.dissolve.selector;
        selectors[5] = CellRegistryHandler.setRestrictions.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Keeps the run honest: the handler must reach the interesting states, not only creation.
    function afterInvariant() public view {
        assertGt(handler.cellsLength(), 1, "no cells created");
    }

    function invariant_cellCountMatches() public view {
        assertEq(registry.cellCount(), handler.ghostCreated());
        assertEq(registry.cellCount(), handler.cellsLength());
    }

    function invariant_everyParentExistsInTheSameDaoAndRolesAgree() public view {
        uint256 n = handler.cellsLength();
        for (uint256 i; i < n; ++i) {
            uint256 cellId = handler.cells(i);
            assertTrue(registry.cellExists(cellId));
            uint256 parent = registry.parentOf(cellId);
            // forge-lint: disable-next-line(unsafe-typecast)
            uint32 tree = uint32(cellId >> 224); // a cell id is its tree id in the top 32 bits
            if (parent == 0) {
                assertEq(registry.daoOf(cellId), cellId, "a root is its own DAO");
                assertEq(roles.linkedTreeAdmins(tree), 0, "a root tree is unlinked");
            } else {
                assertTrue(registry.cellExists(parent), "parent exists");
                assertEq(registry.daoOf(parent), registry.daoOf(cellId), "same DAO as the parent");
                assertEq(roles.linkedTreeAdmins(tree), parent, "Roles link = registry parent");
            }
        }
    }

    function invariant_dissolvedCellsHaveNoLiveChildren() public view {
        uint256 n = handler.cellsLength();
        uint256 dissolved;
        for (uint256 i; i < n; ++i) {
            uint256 cellId = handler.cells(i);
            if (registry.phaseOf(cellId) == ICellRegistry.Phase.Dissolved) {
                ++dissolved;
                assertEq(registry.childCount(cellId), 0, "dissolved cell with live children");
            } else if (registry.parentOf(cellId) != 0) {
                assertTrue(
                    registry.phaseOf(registry.parentOf(cellId)) != ICellRegistry.Phase.Dissolved,
                    "live cell under a dissolved parent"
                );
            }
        }
        assertEq(dissolved, handler.ghostDissolved());
    }

    function invariant_childListsMatchParentPointers() public view {
        uint256 n = handler.cellsLength();
        uint256 listed;
        uint256 liveChildren;
        for (uint256 i; i < n; ++i) {
            uint256 cellId = handler.cells(i);
            uint256[] memory children = registry.childrenOf(cellId);
            listed += children.length;
            for (uint256 j; j < children.length; ++j) {
                assertEq(registry.parentOf(children[j]), cellId);
                assertTrue(registry.phaseOf(children[j]) != ICellRegistry.Phase.Dissolved);
            }
            if (registry.parentOf(cellId) != 0 && registry.phaseOf(cellId) != ICellRegistry.Phase.Dissolved) {
                ++liveChildren;
            }
        }
        assertEq(listed, liveChildren, "every live child listed exactly once");
    }

    function invariant_noCycles() public view {
        uint256 n = handler.cellsLength();
        for (uint256 i; i < n; ++i) {
            uint256 cursor = handler.cells(i);
            uint256 steps;
            while (registry.parentOf(cursor) != 0) {
                cursor = registry.parentOf(cursor);
                ++steps;
                assertLe(steps, n, "parent chain loops");
            }
            assertEq(cursor, registry.daoOf(handler.cells(i)), "chain ends at the DAO root");
        }
    }

    /// @notice Each DAO's governance has authority over every cell of its DAO (through the links, whatever
    /// moves happened) and over no cell of another DAO.
    function invariant_authorityStaysInsideItsDao() public view {
        uint256 n = handler.cellsLength();
        uint256 m = handler.daosLength();
        for (uint256 i; i < n; ++i) {
            uint256 cellId = handler.cells(i);
            uint256 dao = registry.daoOf(cellId);
            for (uint256 j; j < m; ++j) {
                uint256 other = handler.daos(j);
                address gov = handler.governanceOf(other);
                if (other == dao) {
                    assertTrue(registry.isParentAdmin(gov, cellId), "governance lost its cell");
                } else {
                    assertFalse(registry.hasCellAuthority(gov, cellId), "authority leaked across DAOs");
                    assertFalse(roles.isAdminOfHat(gov, cellId), "Roles authority leaked across DAOs");
                }
            }
        }
    }

    function invariant_registryHoldsNoRole() public view {
        uint256 n = handler.cellsLength();
        for (uint256 i; i < n; ++i) {
            uint256 cellId = handler.cells(i);
            assertFalse(roles.isWearerOfHat(address(registry), cellId));
            assertFalse(roles.isWearerOfHat(address(registry), registry.memberRoleOf(cellId)));
        }
    }
}
