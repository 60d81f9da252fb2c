// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellRegistry} from "../../src/CellRegistry.sol";
import {Roles} from "../../src/Roles.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {CellRestrictions} from "../../src/libraries/CellRestrictions.sol";
import {Test, console2} from "forge-std/Test.sol";

/// @notice Drives the registry through random DAO and cell creation, phase changes (by parent and by own
/// admins), moves and restrictions, deep chains of cells, and direct calls to Roles that try to bypass the
/// registry: relinking cells' trees, hanging plain trees under cells and moving or unlinking them, and
/// locking a DAO out through its top role. Every DAO's governance is a known address, and every cell's admin
/// is remembered, so calls are made with real authority; the contracts decide what succeeds.
contract CellRegistryHandler is Test {
    CellRegistry public immutable registry;

    uint256[] public cells;
    mapping(uint256 cellId => address) public adminOf;
    mapping(uint256 daoId => address) public governanceOf;

    /// @dev Ghosts: what succeeded, counted on the handler's side.
    uint256 public ghostCreated;
    uint256 public ghostDissolved;
    uint256 public ghostMoved;
    /// @dev Moves tried whose moved subtree would reach 16 links or more below its DAO's root.
    uint256 public ghostDeepMoveAttempts;
    /// @dev Moves and creations refused because the chain would grow past MAX_LINK_DEPTH trees.
    uint256 public ghostDepthRefusals;
    /// @dev The longest chain of links (from a DAO root down) any cell reached.
    uint256 public ghostMaxDepth;
    /// @dev Direct Roles.relinkTree calls on cells' trees, and how many of them succeeded (must stay 0).
    uint256 public ghostRelinkAttempts;
    uint256 public ghostRelinkBypasses;
    /// @dev Plain (non-cell) trees hung under cells, and their relinks tried and done.
    uint256 public ghostPlainCreated;
    uint256 public ghostPlainRelinkAttempts;
    uint256 public ghostPlainRelinks;
    /// @dev Attempts to renounce, deactivate or put a term on a DAO's top role, and successes (must stay 0).
    uint256 public ghostLockoutAttempts;
    uint256 public ghostLockouts;
    uint256 public ghostCalls;

    /// @dev The DAO each cell was created in (the treasury caches this; it must never change).
    mapping(uint256 cellId => uint256) public daoAtCreation;
    uint256[] public plains;
    mapping(uint256 plainTop => address) public plainWearer;
    uint256 internal deepest;

    uint256 internal constant MAX_CELLS = 48;

    /// @dev Every call also makes one of the bypass attempts or moves, in turn, so that each run reaches them
    /// whatever selectors the fuzzer draws.
    modifier countCall() {
        ++ghostCalls;
        _;
        _sweep(ghostCalls);
    }

    function _sweep(uint256 k) internal {
        uint256 seed = uint256(keccak256(abi.encode(k, cells.length, plains.length)));
        uint256 step = k % 4;
        if (step == 0) _moveCell(seed, seed >> 64, false);
        else if (step == 1) _directRelink(seed, seed >> 64, uint8(seed >> 128), (seed >> 136) % 4 == 0);
        else if (step == 2) _relinkPlain(seed, seed >> 64, (seed >> 128) % 2 == 0, (seed >> 136) % 4 == 0);
        else _lockOut(seed, uint8(seed >> 64));
    }

    /// @dev Cached so that no view call sits between a vm.prank and the call it is meant for.
    IRoles public immutable rolesContract;

    constructor(CellRegistry registry_) {
        registry = registry_;
        rolesContract = registry_.roles();
    }

    function cellsLength() external view returns (uint256) {
        return cells.length;
    }

    function plainsLength() external view returns (uint256) {
        return plains.length;
    }

    function _roles() internal view returns (IRoles) {
        return rolesContract;
    }

    function _tree(uint256 id) internal pure returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(id >> 224);
    }

    /// @dev Links from the cell's tree up to its root, as Roles sees them.
    function _depth(uint256 cellId) internal view returns (uint256 d) {
        uint256 link = _roles().linkedTreeAdmins(_tree(cellId));
        while (link != 0 && d < 64) {
            ++d;
            link = _roles().linkedTreeAdmins(_tree(link));
        }
    }

    function _record(uint256 id, address admin) internal {
        adminOf[id] = admin;
        cells.push(id);
        daoAtCreation[id] = registry.daoOf(id);
        ++ghostCreated;
        uint256 d = _depth(id);
        if (d > ghostMaxDepth) {
            ghostMaxDepth = d;
            deepest = id;
        }
    }

    function _countRefusal(bytes memory err) internal {
        // forge-lint: disable-next-line(unsafe-typecast)
        if (err.length >= 4 && bytes4(err) == IRoles.LinkTooDeep.selector) ++ghostDepthRefusals;
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

    function createDao(uint256 govSeed) external countCall {
        if (daoCount >= 3 || cells.length > MAX_CELLS) return;
        ++daoCount;
        address gov = address(uint160(0xD000 + cells.length));
        uint256 id = registry.createDao(
            gov, "dao", ICellRegistry.Scale.Constituency, ICellRegistry.Phase.Conversation, new address[](0)
        );
        governanceOf[id] = gov;
        daos.push(id);
        _record(id, gov);
        govSeed; // the DAO's governance address is derived, not fuzzed, so the handler can act for it
    }

    /// @dev Either the DAO's governance (authority over every cell) or the parent's own admin creates; each
    /// call tries two cells so that trees grow deep enough for moves and cycles to matter.
    function createCell(uint256 parentSeed, uint256 adminSeed, bool asParentAdmin) external countCall {
        for (uint256 k; k < 2; ++k) {
            if (cells.length == 0 || cells.length > MAX_CELLS) return;
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
                _record(id, admin);
            } catch (bytes memory err) {
                _countRefusal(err);
            }
        }
    }

    /// @dev A chain of up to 8 cells, each under the previous one, below the deepest cell so far (or a random
    /// one), created by the DAO's governance: chains reach MAX_LINK_DEPTH and moves start to be refused.
    function deepen(uint256 parentSeed, uint256 adminSeed, bool underDeepest) external countCall {
        if (cells.length == 0) return;
        uint256 parent = underDeepest && deepest != 0 ? deepest : _pick(parentSeed);
        address gov = governanceOf[registry.daoOf(parent)];
        for (uint256 k; k < 8 && cells.length <= MAX_CELLS; ++k) {
            vm.prank(gov);
            try registry.createCell(
                parent,
                "deep",
                ICellRegistry.Scale.Collaboration,
                ICellRegistry.Phase.Conversation,
                _actor(adminSeed >> (k * 4)),
                new address[](0)
            ) returns (
                uint256 id
            ) {
                _record(id, _actor(adminSeed >> (k * 4)));
                parent = id;
            } catch (bytes memory err) {
                _countRefusal(err);
                return;
            }
        }
    }

    /// @dev Bypass attempt: a direct Roles.relinkTree on a cell's tree, by the authority it hangs under, by
    /// its own admin or by its DAO's governance, to any cell of any DAO, or to 0 (unlink).
    function directRelink(uint256 cellSeed, uint256 targetSeed, uint8 callerKind, bool unlink) external countCall {
        _directRelink(cellSeed, targetSeed, callerKind, unlink);
    }

    function _directRelink(uint256 cellSeed, uint256 targetSeed, uint8 callerKind, bool unlink) internal {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        uint256 parent = registry.parentOf(cellId);
        address caller = callerKind % 3 == 0
            ? governanceOf[registry.daoOf(cellId)]
            : callerKind % 3 == 1 ? adminOf[parent == 0 ? cellId : parent] : adminOf[cellId];
        uint256 target = unlink ? 0 : _pick(targetSeed);
        ++ghostRelinkAttempts;
        vm.prank(caller);
        try _roles().relinkTree(_tree(cellId), target) {
            ++ghostRelinkBypasses;
        } catch {}
    }

    /// @dev A plain tree hung under a cell (or under another plain tree) by whoever wears that role.
    function createPlain(uint256 cellSeed, uint256 plainSeed, bool underPlain) external countCall {
        _createPlain(cellSeed, plainSeed, underPlain);
    }

    function _createPlain(uint256 cellSeed, uint256 plainSeed, bool underPlain) internal {
        if (cells.length == 0 || plains.length > 12) return;
        uint256 under;
        address by;
        if (underPlain && plains.length != 0) {
            under = plains[plainSeed % plains.length];
            by = plainWearer[under];
        } else {
            under = _pick(cellSeed);
            by = adminOf[under];
        }
        vm.prank(by);
        try _roles().createLinkedTree(under, by, "plain", "") returns (uint256 top) {
            plains.push(top);
            plainWearer[top] = by;
            ++ghostPlainCreated;
        } catch (bytes memory err) {
            _countRefusal(err);
        }
    }

    /// @dev Moves or unlinks a plain tree on Roles, as the authority it hangs under or as a DAO's governance,
    /// to any cell of any DAO or to 0.
    function relinkPlain(uint256 plainSeed, uint256 targetSeed, bool asGovernance, bool unlink) external countCall {
        _relinkPlain(plainSeed, targetSeed, asGovernance, unlink);
    }

    function _relinkPlain(uint256 plainSeed, uint256 targetSeed, bool asGovernance, bool unlink) internal {
        if (plains.length == 0) _createPlain(targetSeed, plainSeed, false);
        if (plains.length == 0) return;
        uint256 top = plains[plainSeed % plains.length];
        uint32 tree = _tree(top);
        uint256 link = _roles().linkedTreeAdmins(tree);
        address caller;
        if (asGovernance) {
            uint256 domain = uint256(_roles().getTippyTopHatDomain(tree)) << 224;
            caller = governanceOf[domain];
            if (caller == address(0)) caller = plainWearer[top];
        } else if (link != 0 && registry.cellExists(link)) {
            caller = adminOf[link];
        } else {
            caller = plainWearer[link != 0 ? link : top];
        }
        uint256 target = unlink ? 0 : _pick(targetSeed);
        ++ghostPlainRelinkAttempts;
        vm.prank(caller);
        try _roles().relinkTree(tree, target) {
            ++ghostPlainRelinks;
        } catch (bytes memory err) {
            _countRefusal(err);
        }
    }

    /// @dev A DAO's governance tries to renounce, deactivate, revoke or put a term on its own top role.
    function lockOut(uint256 daoSeed, uint8 how) external countCall {
        _lockOut(daoSeed, how);
    }

    function _lockOut(uint256 daoSeed, uint8 how) internal {
        if (daos.length == 0) return;
        uint256 dao = daos[daoSeed % daos.length];
        address gov = governanceOf[dao];
        IRoles roles = _roles();
        ++ghostLockoutAttempts;
        vm.startPrank(gov);
        how %= 4;
        if (how == 0) {
            try roles.renounceRole(dao) {
                ++ghostLockouts;
            } catch {}
        } else if (how == 1) {
            try roles.setRoleStatus(dao, false) {
                ++ghostLockouts;
            } catch {}
        } else if (how == 2) {
            try roles.revokeRole(dao, gov) {
                ++ghostLockouts;
            } catch {}
        } else {
            try roles.renewRole(dao, gov, uint64(block.timestamp + 1)) {
                ++ghostLockouts;
            } catch {}
        }
        vm.stopPrank();
    }

    function setPhase(uint256 cellSeed, uint8 phaseRaw, bool asOwnAdmin) external countCall {
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
    function moveCell(uint256 cellSeed, uint256 parentSeed, bool anyDao) external countCall {
        _moveCell(cellSeed, parentSeed, anyDao);
    }

    function _moveCell(uint256 cellSeed, uint256 parentSeed, bool anyDao) internal {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        uint256 dao = registry.daoOf(cellId);
        parentSeed %= cells.length;
        uint256 newParent = _pick(parentSeed);
        for (uint256 i; !anyDao && i < cells.length && registry.daoOf(newParent) != dao; ++i) {
            newParent = _pick(parentSeed + i);
        }
        uint256 below = _roles().linkHeightOf(_tree(cellId));
        uint256 d = _depth(newParent) + 1;
        if (d + below >= 16) ++ghostDeepMoveAttempts;
        vm.prank(governanceOf[dao]);
        try registry.moveCell(cellId, newParent) {
            ++ghostMoved;
            if (d > ghostMaxDepth) ghostMaxDepth = d;
        } catch (bytes memory err) {
            _countRefusal(err);
        }
    }

    /// @dev Tries to dissolve a cell, as its own admin or as its DAO's governance.
    function dissolve(uint256 cellSeed, bool asOwnAdmin) external countCall {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        vm.prank(asOwnAdmin ? adminOf[cellId] : governanceOf[registry.daoOf(cellId)]);
        try registry.setPhase(cellId, ICellRegistry.Phase.Dissolved) {
            ++ghostDissolved;
        } catch {}
    }

    function setRestrictions(uint256 cellSeed, uint16 bits) external countCall {
        if (cells.length == 0) return;
        uint256 cellId = _pick(cellSeed);
        vm.prank(governanceOf[registry.daoOf(cellId)]);
        try registry.setRestrictions(cellId, bits & CellRestrictions.ALL) {} catch {}
    }
}

/// @dev Each run builds chains 31 links deep and every check walks them, so this suite runs 16 runs of 64 calls
/// (about 1.4 s a run and invariant on 2 cores) rather than the profile's 64.
/// forge-config: default.invariant.runs = 16
contract CellRegistryInvariantTest is Test {
    CellRegistry internal registry;
    IRoles internal roles;
    CellRegistryHandler internal handler;

    function setUp() public {
        registry = new CellRegistry();
        roles = registry.roles();
        handler = new CellRegistryHandler(registry);
        handler.createDao(0);
        // A chain of 24 cells from the start, so that moves and creations meet the depth bound in every run.
        for (uint256 i; i < 3; ++i) {
            handler.deepen(i, 0x1234 + i, true);
        }
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](12);
        selectors[0] = CellRegistryHandler.createDao.selector;
        selectors[1] = CellRegistryHandler.createCell.selector;
        selectors[2] = CellRegistryHandler.setPhase.selector;
        selectors[3] = CellRegistryHandler.moveCell.selector;
        selectors[4] = CellRegistryHandler.dissolve.selector;
        selectors[5] = CellRegistryHandler.setRestrictions.selector;
        selectors[6] = CellRegistryHandler.deepen.selector;
        selectors[7] = CellRegistryHandler.directRelink.selector;
        selectors[8] = CellRegistryHandler.createPlain.selector;
        selectors[9] = CellRegistryHandler.relinkPlain.selector;
        selectors[10] = CellRegistryHandler.lockOut.selector;
        selectors[11] = CellRegistryHandler.moveCell.selector; // twice: moves are the point
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Keeps the run honest: the handler must reach the interesting states, not only creation. Runs
    /// shorter than 32 calls (a shrunk or replayed sequence) are held only to creating cells.
    function afterInvariant() public view {
        assertGt(handler.cellsLength(), 1, "no cells created");
        console2.log("calls", handler.ghostCalls(), "cells", handler.cellsLength());
        console2.log("max depth", handler.ghostMaxDepth(), "depth refusals", handler.ghostDepthRefusals());
        console2.log("moves", handler.ghostMoved(), "direct relinks tried", handler.ghostRelinkAttempts());
        console2.log("plain trees", handler.ghostPlainCreated(), "plain relinks", handler.ghostPlainRelinks());
        if (handler.ghostCalls() < 32) return;
        assertGe(handler.ghostMaxDepth(), 24, "no deep chain");
        assertGt(handler.ghostMoved(), 0, "no move succeeded");
        assertGt(handler.ghostDeepMoveAttempts(), 0, "no move of or into a deep chain");
        assertGt(handler.ghostRelinkAttempts(), 0, "no direct relink tried");
        assertGt(handler.ghostPlainRelinkAttempts(), 0, "no plain relink tried");
        assertGt(handler.ghostLockoutAttempts(), 0, "no lockout tried");
    }

    /// @notice No direct Roles call ever relinked a cell's tree, and no DAO lost its top role.
    function invariant_noBypassNoLockout() public view {
        assertEq(handler.ghostRelinkBypasses(), 0, "a cell's tree was relinked around the registry");
        assertEq(handler.ghostLockouts(), 0, "a DAO locked itself out");
        uint256 m = handler.daosLength();
        for (uint256 j; j < m; ++j) {
            uint256 dao = handler.daos(j);
            assertTrue(roles.isWearerOfHat(handler.governanceOf(dao), dao), "governance lost its top role");
        }
    }

    /// @notice The registry's DAO of a cell never changes (the treasury caches it when a budget is first set)
    /// and is the root of the cell's chain of links in Roles; every cell's tree is registry-managed.
    function invariant_daoOfIsFixedAndIsTheRolesDomain() public view {
        uint256 n = handler.cellsLength();
        for (uint256 i; i < n; ++i) {
            uint256 cellId = handler.cells(i);
            uint256 dao = registry.daoOf(cellId);
            assertEq(dao, handler.daoAtCreation(cellId), "a cell changed DAO");
            assertEq(uint256(roles.getTippyTopHatDomain(_tree(cellId))) << 224, dao, "Roles domain != registry DAO");
            assertTrue(roles.isRegistryManaged(_tree(cellId)), "cell tree not registry-managed");
        }
    }

    /// @notice The wearer of a DAO's top role is admin of every role and parent-admin of every cell of that
    /// DAO, at any depth, and admin of every plain tree hanging in its DAO.
    function invariant_daoTopAdministersItsWholeTree() public view {
        uint256 n = handler.cellsLength();
        for (uint256 i; i < n; ++i) {
            uint256 cellId = handler.cells(i);
            address gov = handler.governanceOf(registry.daoOf(cellId));
            assertTrue(roles.isAdminOfHat(gov, cellId), "not admin of a cell's admin role");
            assertTrue(roles.isAdminOfHat(gov, registry.memberRoleOf(cellId)), "not admin of a member role");
            assertTrue(registry.isParentAdmin(gov, cellId), "not parent-admin of a cell");
        }
        uint256 p = handler.plainsLength();
        for (uint256 i; i < p; ++i) {
            uint256 top = handler.plains(i);
            uint256 domain = uint256(roles.getTippyTopHatDomain(_tree(top))) << 224;
            address gov = handler.governanceOf(domain);
            if (gov != address(0)) assertTrue(roles.isAdminOfHat(gov, top), "not admin of a plain tree in its DAO");
        }
    }

    /// @notice Every chain of links holds at most MAX_LINK_DEPTH trees, and each tree's stored linkHeight
    /// bounds the links below it: depth + linkHeight + 1 <= MAX_LINK_DEPTH, and a tree's linkHeight exceeds
    /// that of every tree linked under it.
    function invariant_chainsFitAndHeightsBoundThem() public view {
        uint256 max = Roles(address(roles)).MAX_LINK_DEPTH();
        uint32 last = roles.lastTopHatId();
        for (uint32 t = 1; t <= last; ++t) {
            uint256 depth;
            uint256 link = roles.linkedTreeAdmins(t);
            if (link != 0) {
                assertGe(roles.linkHeightOf(_tree(link)), uint256(roles.linkHeightOf(t)) + 1, "parent height");
            }
            while (link != 0) {
                ++depth;
                assertLt(depth, max, "chain longer than MAX_LINK_DEPTH trees");
                link = roles.linkedTreeAdmins(_tree(link));
            }
            assertLe(depth + roles.linkHeightOf(t) + 1, max, "depth + height over the maximum");
        }
    }

    function _tree(uint256 id) internal pure returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(id >> 224);
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
