// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellRegistry} from "../../src/CellRegistry.sol";
import {Roles} from "../../src/Roles.sol";
import {ICellRegistry} from "../../src/interfaces/ICellRegistry.sol";
import {IRoles} from "../../src/interfaces/IRoles.sol";
import {CellRestrictions} from "../../src/libraries/CellRestrictions.sol";
import {StateKeys} from "../../src/libraries/StateKeys.sol";
import {CellsFixture} from "../utils/CellsFixture.sol";

contract CellRegistryTest is CellsFixture {
    ICellRegistry.Phase constant CONVERSATION = ICellRegistry.Phase.Conversation;
    ICellRegistry.Phase constant FORMATION = ICellRegistry.Phase.Formation;
    ICellRegistry.Phase constant ORGANIZATION = ICellRegistry.Phase.Organization;
    ICellRegistry.Phase constant COORDINATION = ICellRegistry.Phase.Coordination;
    ICellRegistry.Phase constant DISSOLVED = ICellRegistry.Phase.Dissolved;

    /*//////////////////////////////////////////////////////////////
                              CONSTRUCTION
    //////////////////////////////////////////////////////////////*/

    function test_constructor_deploysRolesWithRegistryAsForwarder() public view {
        assertEq(roles.trustedForwarder(), address(registry));
        assertGt(address(roles).code.length, 0);
    }

    /*//////////////////////////////////////////////////////////////
                               CREATE DAO
    //////////////////////////////////////////////////////////////*/

    function test_createDao_buildsTreeAndHandsTopRoleToGovernance() public view {
        assertTrue(roles.isTopHat(alpha));
        assertEq(roles.linkedTreeAdmins(_tree(alpha)), 0, "root tree is unlinked");
        assertTrue(roles.isWearerOfHat(governance, alpha));
        assertFalse(roles.isWearerOfHat(address(registry), alpha), "registry keeps nothing");
        assertFalse(roles.isAdminOfHat(address(registry), alpha));
        uint256 member = registry.memberRoleOf(alpha);
        assertEq(member, roles.buildHatId(alpha, 1));
        assertTrue(roles.isWearerOfHat(alice, member));
        assertTrue(roles.isWearerOfHat(bob, member));
        assertFalse(roles.isWearerOfHat(address(registry), member));

        ICellRegistry.CellView memory cell = registry.getCell(alpha);
        assertEq(cell.id, alpha);
        assertEq(cell.parent, 0);
        assertEq(cell.dao, alpha);
        assertEq(cell.memberRole, member);
        assertEq(uint8(cell.phase), uint8(CONVERSATION));
        assertEq(uint8(cell.scale), uint8(ICellRegistry.Scale.Constituency));
        assertEq(cell.restrictions, 0);
        assertEq(cell.childCount, 2);
        assertEq(cell.decisionCount, 0);
        assertEq(cell.createdAt, block.timestamp);
        assertEq(cell.name, "Alpha");
        assertEq(registry.cellCount(), 6);
    }

    function test_createDao_emitsCellCreated() public {
        uint256 expected = uint256(roles.lastTopHatId() + 1) << 224;
        vm.expectEmit(address(registry));
        emit ICellRegistry.CellCreated(
            expected,
            0,
            expected,
            roles.buildHatId(expected, 1),
            governance,
            ICellRegistry.Scale.Network,
            FORMATION,
            "Gamma",
            outsider
        );
        vm.prank(outsider);
        uint256 gamma = registry.createDao(governance, "Gamma", ICellRegistry.Scale.Network, FORMATION, _none());
        assertEq(gamma, expected);
        assertEq(uint8(registry.scaleOf(gamma)), uint8(ICellRegistry.Scale.Network));
        assertEq(uint8(registry.phaseOf(gamma)), uint8(FORMATION));
    }

    function test_createDao_byAnyoneGivesNoAuthorityOverOtherDaos() public {
        vm.prank(outsider);
        uint256 own = registry.createDao(outsider, "Mine", ICellRegistry.Scale.Constituency, CONVERSATION, _none());
        assertTrue(registry.isCellAdmin(outsider, own));
        assertFalse(registry.hasCellAuthority(outsider, alpha));
        assertFalse(roles.isAdminOfHat(outsider, alpha));
        assertFalse(roles.isAdminOfHat(outsider, ops));
    }

    function test_createDao_revertsOnZeroGovernance() public {
        vm.expectRevert(ICellRegistry.ZeroAddress.selector);
        registry.createDao(address(0), "X", ICellRegistry.Scale.Constituency, CONVERSATION, _none());
    }

    function test_createDao_revertsWhenRegistryOrRolesWouldGovern() public {
        vm.expectRevert(ICellRegistry.RegistryCannotHoldRoles.selector);
        registry.createDao(address(registry), "X", ICellRegistry.Scale.Constituency, CONVERSATION, _none());
        vm.expectRevert(ICellRegistry.RegistryCannotHoldRoles.selector);
        registry.createDao(address(roles), "X", ICellRegistry.Scale.Constituency, CONVERSATION, _none());
    }

    function test_createDao_revertsOnBadMember() public {
        vm.expectRevert(ICellRegistry.ZeroAddress.selector);
        registry.createDao(governance, "X", ICellRegistry.Scale.Constituency, CONVERSATION, _list(alice, address(0)));
        vm.expectRevert(ICellRegistry.RegistryCannotHoldRoles.selector);
        registry.createDao(governance, "X", ICellRegistry.Scale.Constituency, CONVERSATION, _list(address(registry)));
    }

    function test_createDao_revertsOnEmptyNameOrDissolvedPhase() public {
        vm.expectRevert(ICellRegistry.EmptyName.selector);
        registry.createDao(governance, "", ICellRegistry.Scale.Constituency, CONVERSATION, _none());
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.InvalidInitialPhase.selector, DISSOLVED));
        registry.createDao(governance, "X", ICellRegistry.Scale.Constituency, DISSOLVED, _none());
    }

    /*//////////////////////////////////////////////////////////////
                              CREATE CELL
    //////////////////////////////////////////////////////////////*/

    function test_createCell_linksTreeUnderParentAndMintsRoles() public view {
        assertTrue(roles.isTopHat(ops));
        assertEq(roles.linkedTreeAdmins(_tree(ops)), alpha);
        assertEq(roles.linkedTreeAdmins(_tree(dev)), ops);
        assertTrue(roles.isWearerOfHat(opsAdmin, ops));
        assertTrue(roles.isWearerOfHat(alice, registry.memberRoleOf(ops)));
        assertTrue(roles.isWearerOfHat(bob, registry.memberRoleOf(dev)));
        // Authority flows down through the links.
        assertTrue(roles.isAdminOfHat(governance, dev));
        assertTrue(roles.isAdminOfHat(opsAdmin, dev));
        assertFalse(roles.isAdminOfHat(commsAdmin, dev));
        assertFalse(roles.isWearerOfHat(address(registry), ops));
        assertFalse(roles.isWearerOfHat(address(registry), dev));

        assertEq(registry.parentOf(dev), ops);
        assertEq(registry.daoOf(dev), alpha);
        assertEq(registry.parentOf(ops), alpha);
        assertEq(registry.daoOf(betaOps), beta);
        assertEq(registry.nameOf(dev), "Dev");
        assertEq(uint8(registry.phaseOf(ops)), uint8(FORMATION));
        uint256[] memory children = registry.childrenOf(alpha);
        assertEq(children.length, 2);
        assertEq(children[0], ops);
        assertEq(children[1], comms);
        assertEq(registry.childCount(ops), 1);
    }

    function test_createCell_emitsCellCreated() public {
        uint256 expected = uint256(roles.lastTopHatId() + 1) << 224;
        vm.expectEmit(address(registry));
        emit ICellRegistry.CellCreated(
            expected,
            dev,
            alpha,
            roles.buildHatId(expected, 1),
            alice,
            ICellRegistry.Scale.Collaboration,
            CONVERSATION,
            "Squad",
            devAdmin
        );
        assertEq(_child(devAdmin, dev, "Squad", alice), expected);
    }

    function test_createCell_byAuthorityAboveTheParent() public {
        uint256 squad = _child(governance, dev, "Squad", alice);
        assertEq(registry.parentOf(squad), dev);
        assertEq(registry.daoOf(squad), alpha);
        assertTrue(roles.isAdminOfHat(devAdmin, squad));
    }

    function test_createCell_revertsForNonAdmins() public {
        _expectCreateReverts(outsider, ops);
        _expectCreateReverts(alice, ops); // a member of the parent
        _expectCreateReverts(commsAdmin, ops); // a sibling cell's admin
        _expectCreateReverts(devAdmin, ops); // a child's admin: authority does not flow up
        _expectCreateReverts(otherGovernance, ops); // another DAO's governance
        _expectCreateReverts(otherAdmin, ops); // another DAO's cell admin
        _expectCreateReverts(governance, betaOps); // cross-DAO the other way
    }

    function _expectCreateReverts(address caller, uint256 parent) internal {
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, caller, parent));
        vm.prank(caller);
        registry.createCell(parent, "X", ICellRegistry.Scale.Collaboration, CONVERSATION, caller, _none());
    }

    function test_createCell_revertsOnUnknownOrDissolvedParent() public {
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, uint256(999) << 224));
        _child(governance, uint256(999) << 224, "X", alice);

        uint256 memberRole = registry.memberRoleOf(ops);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, memberRole));
        _child(governance, memberRole, "X", alice);

        vm.prank(devAdmin);
        registry.setPhase(dev, DISSOLVED);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellIsDissolved.selector, dev));
        _child(governance, dev, "X", alice);
    }

    function test_createCell_revertsOnBadAdminNameOrPhase() public {
        vm.expectRevert(ICellRegistry.ZeroAddress.selector);
        _child(opsAdmin, ops, "X", address(0));
        vm.expectRevert(ICellRegistry.RegistryCannotHoldRoles.selector);
        _child(opsAdmin, ops, "X", address(registry));
        vm.expectRevert(ICellRegistry.EmptyName.selector);
        _child(opsAdmin, ops, "", alice);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.InvalidInitialPhase.selector, DISSOLVED));
        vm.prank(opsAdmin);
        registry.createCell(ops, "X", ICellRegistry.Scale.Collaboration, DISSOLVED, alice, _none());
    }

    function test_createCell_restrictedParentAdminCannotButAuthorityAboveCan() public {
        vm.prank(governance);
        registry.setRestrictions(ops, CellRestrictions.CREATE_SUBCELLS);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, ops, CellRestrictions.CREATE_SUBCELLS)
        );
        _child(opsAdmin, ops, "X", alice);
        uint256 made = _child(governance, ops, "X", alice);
        assertEq(registry.parentOf(made), ops);
    }

    function test_createCell_nestingDepthIsBoundedByRolesAndItsErrorBubbles() public {
        // Each level is one more link in Roles; past its bound Roles refuses and the registry passes the
        // exact Roles error through (clients decode IRoles errors too).
        uint256 parent = alpha;
        uint256 depth;
        while (true) {
            vm.prank(governance);
            try registry.createCell(
                parent, "L", ICellRegistry.Scale.Collaboration, CONVERSATION, governance, _none()
            ) returns (
                uint256 id
            ) {
                parent = id;
                ++depth;
            } catch (bytes memory err) {
                // forge-lint: disable-next-line(unsafe-typecast)
                assertEq(bytes4(err), IRoles.LinkTooDeep.selector); // the selector: the error's first 4 bytes
                break;
            }
            assertLt(depth, 64, "no bound");
        }
        assertEq(depth + 1, Roles(address(roles)).MAX_LINK_DEPTH(), "MAX_LINK_DEPTH links from the root");
        assertEq(registry.daoOf(parent), alpha);
    }

    function test_authorityFollowsTheRoleWhenItChangesHands() public {
        address newLead = makeAddr("newLead");
        vm.prank(opsAdmin); // a parent admin hands the Dev admin role to someone else, on Roles directly
        roles.transferRole(dev, devAdmin, newLead);
        assertTrue(registry.isCellAdmin(newLead, dev));
        assertFalse(registry.isCellAdmin(devAdmin, dev));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, devAdmin, dev));
        vm.prank(devAdmin);
        registry.setPhase(dev, FORMATION);
        vm.prank(newLead);
        registry.setPhase(dev, FORMATION);
        vm.prank(newLead);
        registry.recordDecision(dev, "handover", "ipfs://h", bytes32(0));
        assertEq(registry.decisionCount(dev), 1);
    }

    /*//////////////////////////////////////////////////////////////
                                 PHASES
    //////////////////////////////////////////////////////////////*/

    function test_setPhase_cellAdminAdvancesOneStepAtATime() public {
        vm.startPrank(devAdmin);
        vm.expectEmit(address(registry));
        emit ICellRegistry.PhaseChanged(dev, alpha, devAdmin, CONVERSATION, FORMATION);
        registry.setPhase(dev, FORMATION);
        registry.setPhase(dev, ORGANIZATION);
        registry.setPhase(dev, COORDINATION);
        vm.stopPrank();
        assertEq(uint8(registry.phaseOf(dev)), uint8(COORDINATION));
    }

    function test_setPhase_cellAdminCannotSkipOrGoBack() public {
        vm.startPrank(devAdmin);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.InvalidPhaseTransition.selector, dev, CONVERSATION, ORGANIZATION)
        );
        registry.setPhase(dev, ORGANIZATION);
        registry.setPhase(dev, FORMATION);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.InvalidPhaseTransition.selector, dev, FORMATION, CONVERSATION)
        );
        registry.setPhase(dev, CONVERSATION);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.InvalidPhaseTransition.selector, dev, FORMATION, FORMATION)
        );
        registry.setPhase(dev, FORMATION);
        vm.stopPrank();
    }

    function test_setPhase_parentAdminMovesEitherWay() public {
        vm.startPrank(opsAdmin);
        registry.setPhase(dev, COORDINATION);
        registry.setPhase(dev, CONVERSATION);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.InvalidPhaseTransition.selector, dev, CONVERSATION, CONVERSATION)
        );
        registry.setPhase(dev, CONVERSATION);
        vm.stopPrank();
        vm.prank(governance); // authority two levels up
        registry.setPhase(dev, ORGANIZATION);
        assertEq(uint8(registry.phaseOf(dev)), uint8(ORGANIZATION));
    }

    function test_setPhase_daoGovernanceSetsRootPhaseFreely() public {
        vm.startPrank(governance);
        registry.setPhase(alpha, COORDINATION);
        registry.setPhase(alpha, FORMATION);
        vm.stopPrank();
        assertEq(uint8(registry.phaseOf(alpha)), uint8(FORMATION));
    }

    function test_setPhase_revertsForNonAdmins() public {
        _expectPhaseReverts(outsider, dev);
        _expectPhaseReverts(bob, dev); // a member
        _expectPhaseReverts(commsAdmin, dev); // an admin of a sibling branch
        _expectPhaseReverts(devAdmin, ops); // a child's admin on its parent
        _expectPhaseReverts(otherGovernance, dev); // another DAO
        _expectPhaseReverts(otherAdmin, dev);
        _expectPhaseReverts(governance, betaOps);
        _expectPhaseReverts(opsAdmin, alpha); // a child's admin on the DAO root
    }

    function _expectPhaseReverts(address caller, uint256 cellId) internal {
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, caller, cellId));
        vm.prank(caller);
        registry.setPhase(cellId, FORMATION);
    }

    function test_setPhase_restrictedCellAdminCannotButParentCan() public {
        vm.prank(opsAdmin);
        registry.setRestrictions(dev, CellRestrictions.CHANGE_OWN_PHASE);
        vm.startPrank(devAdmin);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.CHANGE_OWN_PHASE)
        );
        registry.setPhase(dev, FORMATION);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.CHANGE_OWN_PHASE)
        );
        registry.setPhase(dev, DISSOLVED);
        vm.stopPrank();
        vm.prank(opsAdmin);
        registry.setPhase(dev, FORMATION);
        assertEq(uint8(registry.phaseOf(dev)), uint8(FORMATION));
    }

    function test_dissolve_byCellAdminRemovesFromParent() public {
        vm.expectEmit(address(registry));
        emit ICellRegistry.PhaseChanged(dev, alpha, devAdmin, CONVERSATION, DISSOLVED);
        vm.prank(devAdmin);
        registry.setPhase(dev, DISSOLVED);
        assertEq(uint8(registry.phaseOf(dev)), uint8(DISSOLVED));
        assertEq(registry.childCount(ops), 0);
        assertEq(registry.childrenOf(ops).length, 0);
        assertTrue(registry.cellExists(dev), "dissolved cells stay addressable");
        assertEq(registry.cellCount(), 6);
    }

    function test_dissolve_revertsWithLiveChildrenUntilDissolvedOrMoved() public {
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellHasLiveChildren.selector, ops, 1));
        vm.prank(opsAdmin);
        registry.setPhase(ops, DISSOLVED);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellHasLiveChildren.selector, alpha, 2));
        vm.prank(governance);
        registry.setPhase(alpha, DISSOLVED);

        vm.prank(governance);
        registry.moveCell(dev, comms); // moved away
        vm.prank(opsAdmin);
        registry.setPhase(ops, DISSOLVED);

        vm.prank(devAdmin);
        registry.setPhase(dev, DISSOLVED); // dissolved
        vm.prank(commsAdmin);
        registry.setPhase(comms, DISSOLVED);
        vm.prank(governance);
        registry.setPhase(alpha, DISSOLVED);
        assertEq(uint8(registry.phaseOf(alpha)), uint8(DISSOLVED));
    }

    function test_dissolve_isFinal() public {
        vm.prank(devAdmin);
        registry.setPhase(dev, DISSOLVED);
        bytes memory dissolved = abi.encodeWithSelector(ICellRegistry.CellIsDissolved.selector, dev);

        vm.startPrank(governance);
        vm.expectRevert(dissolved);
        registry.setPhase(dev, CONVERSATION);
        vm.expectRevert(dissolved);
        registry.setScale(dev, ICellRegistry.Scale.Network);
        vm.expectRevert(dissolved);
        registry.renameCell(dev, "Again");
        vm.expectRevert(dissolved);
        registry.setState(dev, StateKeys.CHARTER, "ipfs://x", bytes32(0));
        vm.expectRevert(dissolved);
        registry.moveCell(dev, comms);
        vm.expectRevert(dissolved);
        registry.setRestrictions(dev, 0);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellIsDissolved.selector, dev));
        registry.moveCell(comms, dev);
        vm.stopPrank();
        vm.expectRevert(dissolved);
        vm.prank(devAdmin);
        registry.recordDecision(dev, "d", "ipfs://d", bytes32(0));
    }

    function test_dissolve_swapAndPopKeepsChildListConsistent() public {
        uint256 a = _child(opsAdmin, ops, "A", alice);
        uint256 b = _child(opsAdmin, ops, "B", alice);
        uint256 c = _child(opsAdmin, ops, "C", alice);
        vm.startPrank(opsAdmin);
        registry.setPhase(a, DISSOLVED); // [dev, a, b, c] -> [dev, c, b]
        uint256[] memory children = registry.childrenOf(ops);
        assertEq(children.length, 3);
        assertEq(children[0], dev);
        assertEq(children[1], c);
        assertEq(children[2], b);
        registry.setPhase(c, DISSOLVED); // -> [dev, b]
        registry.setPhase(dev, DISSOLVED); // -> [b]
        children = registry.childrenOf(ops);
        assertEq(children.length, 1);
        assertEq(children[0], b);
        registry.setPhase(b, DISSOLVED);
        vm.stopPrank();
        assertEq(registry.childCount(ops), 0);
    }

    /*//////////////////////////////////////////////////////////////
                          SCALE, NAME, RESTRICTIONS
    //////////////////////////////////////////////////////////////*/

    function test_setScale_parentAdminOnly() public {
        vm.expectEmit(address(registry));
        emit ICellRegistry.ScaleChanged(
            dev, alpha, opsAdmin, ICellRegistry.Scale.Collaboration, ICellRegistry.Scale.Coordination
        );
        vm.prank(opsAdmin);
        registry.setScale(dev, ICellRegistry.Scale.Coordination);
        assertEq(uint8(registry.scaleOf(dev)), uint8(ICellRegistry.Scale.Coordination));

        address[4] memory wrong = [devAdmin, commsAdmin, otherGovernance, outsider];
        for (uint256 i; i < wrong.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, wrong[i], dev));
            vm.prank(wrong[i]);
            registry.setScale(dev, ICellRegistry.Scale.Network);
        }
        vm.prank(governance); // a root's parent authority is its own governance
        registry.setScale(alpha, ICellRegistry.Scale.Network);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, opsAdmin, alpha));
        vm.prank(opsAdmin);
        registry.setScale(alpha, ICellRegistry.Scale.Collaboration);
    }

    function test_renameCell() public {
        vm.expectEmit(address(registry));
        emit ICellRegistry.CellRenamed(dev, alpha, devAdmin, "Engineering");
        vm.prank(devAdmin);
        registry.renameCell(dev, "Engineering");
        assertEq(registry.nameOf(dev), "Engineering");
        assertEq(registry.getCell(dev).name, "Engineering");

        vm.expectRevert(ICellRegistry.EmptyName.selector);
        vm.prank(devAdmin);
        registry.renameCell(dev, "");
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, commsAdmin, dev));
        vm.prank(commsAdmin);
        registry.renameCell(dev, "Hijack");
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, otherGovernance, dev));
        vm.prank(otherGovernance);
        registry.renameCell(dev, "Hijack");

        vm.prank(opsAdmin);
        registry.setRestrictions(dev, CellRestrictions.SET_STATE);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.SET_STATE)
        );
        vm.prank(devAdmin);
        registry.renameCell(dev, "Again");
        vm.prank(opsAdmin);
        registry.renameCell(dev, "Platform");
        assertEq(registry.nameOf(dev), "Platform");
    }

    function test_setRestrictions() public {
        uint16 bits = CellRestrictions.CREATE_SUBCELLS | CellRestrictions.PARTNERSHIPS;
        vm.expectEmit(address(registry));
        emit ICellRegistry.RestrictionsChanged(dev, ops, opsAdmin, bits);
        vm.prank(opsAdmin);
        registry.setRestrictions(dev, bits);
        assertEq(registry.restrictionsOf(dev), bits);
        assertEq(registry.getCell(dev).restrictions, bits);

        vm.prank(governance); // authority two levels up
        registry.setRestrictions(dev, 0);
        assertEq(registry.restrictionsOf(dev), 0);
    }

    function test_setRestrictions_revertsForWrongCallersRootsAndUnknownBits() public {
        address[5] memory wrong = [devAdmin, bob, commsAdmin, otherGovernance, otherAdmin];
        for (uint256 i; i < wrong.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, wrong[i], dev));
            vm.prank(wrong[i]);
            registry.setRestrictions(dev, CellRestrictions.ALL);
        }
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellIsRoot.selector, alpha));
        vm.prank(governance);
        registry.setRestrictions(alpha, CellRestrictions.ALL);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.UnknownRestrictions.selector, uint16(1 << 4)));
        vm.prank(opsAdmin);
        registry.setRestrictions(dev, 1 << 4);
    }

    /*//////////////////////////////////////////////////////////////
                                  MOVES
    //////////////////////////////////////////////////////////////*/

    function test_moveCell_relinksRolesAndUpdatesTree() public {
        vm.expectEmit(address(registry));
        emit ICellRegistry.CellMoved(dev, ops, comms, governance);
        vm.prank(governance);
        registry.moveCell(dev, comms);

        assertEq(registry.parentOf(dev), comms);
        assertEq(registry.daoOf(dev), alpha);
        assertEq(roles.linkedTreeAdmins(_tree(dev)), comms);
        assertTrue(roles.isAdminOfHat(commsAdmin, dev));
        assertFalse(roles.isAdminOfHat(opsAdmin, dev), "old parent loses authority");
        assertTrue(registry.isParentAdmin(commsAdmin, dev));
        assertFalse(registry.isParentAdmin(opsAdmin, dev));
        assertEq(registry.childCount(ops), 0);
        assertEq(registry.childrenOf(comms)[0], dev);
    }

    function test_moveCell_byParentAdminBetweenItsOwnChildren() public {
        uint256 platform = _child(opsAdmin, ops, "Platform", alice);
        vm.prank(opsAdmin);
        registry.moveCell(dev, platform);
        assertEq(registry.parentOf(dev), platform);
        assertEq(registry.childrenOf(ops)[0], platform);
        assertTrue(roles.isAdminOfHat(alice, dev));
    }

    function test_moveCell_revertsWithoutAuthorityOnBothSides() public {
        // Only the cell's own admin: cannot leave its parent.
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, devAdmin, dev));
        vm.prank(devAdmin);
        registry.moveCell(dev, comms);
        // Authority over the cell but not over the destination.
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, opsAdmin, comms));
        vm.prank(opsAdmin);
        registry.moveCell(dev, comms);
        // Authority over the destination but not over the cell.
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, commsAdmin, dev));
        vm.prank(commsAdmin);
        registry.moveCell(dev, comms);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, outsider, dev));
        vm.prank(outsider);
        registry.moveCell(dev, comms);
    }

    function test_moveCell_revertsOnCycles() public {
        uint256 squad = _child(devAdmin, dev, "Squad", alice);
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.MoveCreatesCycle.selector, ops, ops));
        registry.moveCell(ops, ops);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.MoveCreatesCycle.selector, ops, dev));
        registry.moveCell(ops, dev);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.MoveCreatesCycle.selector, ops, squad));
        registry.moveCell(ops, squad);
        vm.stopPrank();
    }

    function test_moveCell_revertsAcrossDaos() public {
        vm.prank(governance);
        uint256 gamma = registry.createDao(governance, "Gamma", ICellRegistry.Scale.Constituency, CONVERSATION, _none());
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CrossDaoMove.selector, ops, gamma));
        vm.prank(governance);
        registry.moveCell(ops, gamma);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CrossDaoMove.selector, ops, betaOps));
        vm.prank(governance);
        registry.moveCell(ops, betaOps);
    }

    function test_moveCell_revertsForRootsSameParentAndUnknownCells() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellIsRoot.selector, alpha));
        registry.moveCell(alpha, ops);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.AlreadyChildOf.selector, dev, ops));
        registry.moveCell(dev, ops);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, uint256(77) << 224));
        registry.moveCell(dev, uint256(77) << 224);
        vm.stopPrank();
    }

    function test_moveCell_respectsDestinationRestriction() public {
        // pAdmin runs P (with children c1) and also wears T, a child of Comms restricted by Comms.
        address pAdmin = makeAddr("pAdmin");
        uint256 p = _child(governance, alpha, "P", pAdmin);
        uint256 c1 = _child(pAdmin, p, "C1", alice);
        uint256 t = _child(commsAdmin, comms, "T", pAdmin);
        vm.prank(commsAdmin);
        registry.setRestrictions(t, CellRestrictions.CREATE_SUBCELLS);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, t, CellRestrictions.CREATE_SUBCELLS)
        );
        vm.prank(pAdmin);
        registry.moveCell(c1, t);
        vm.prank(commsAdmin);
        registry.setRestrictions(t, 0);
        vm.prank(pAdmin);
        registry.moveCell(c1, t);
        assertEq(registry.parentOf(c1), t);
    }

    /*//////////////////////////////////////////////////////////////
                             STATE DOCUMENTS
    //////////////////////////////////////////////////////////////*/

    function test_setState_versionsAndEmitsFullHistory() public {
        vm.warp(1000);
        vm.expectEmit(address(registry));
        emit ICellRegistry.StateUpdated(dev, StateKeys.CHARTER, devAdmin, 1, "ipfs://v1", keccak256("v1"), 1000);
        vm.prank(devAdmin);
        assertEq(registry.setState(dev, StateKeys.CHARTER, "ipfs://v1", keccak256("v1")), 1);

        vm.warp(2000);
        vm.expectEmit(address(registry));
        emit ICellRegistry.StateUpdated(dev, StateKeys.CHARTER, opsAdmin, 2, "ipfs://v2", keccak256("v2"), 2000);
        vm.prank(opsAdmin); // authority above may write too
        assertEq(registry.setState(dev, StateKeys.CHARTER, "ipfs://v2", keccak256("v2")), 2);

        vm.prank(devAdmin);
        registry.setState(dev, StateKeys.PURPOSE, "ipfs://p", keccak256("p"));

        ICellRegistry.StateDocument memory doc = registry.stateOf(dev, StateKeys.CHARTER);
        assertEq(doc.uri, "ipfs://v2");
        assertEq(doc.contentHash, keccak256("v2"));
        assertEq(doc.version, 2);
        assertEq(doc.author, opsAdmin);
        assertEq(doc.updatedAt, 2000);
        bytes32[] memory keys = registry.stateKeys(dev);
        assertEq(keys.length, 2);
        assertEq(keys[0], StateKeys.CHARTER);
        assertEq(keys[1], StateKeys.PURPOSE);
        assertEq(registry.stateOf(dev, StateKeys.POLICIES).version, 0);
        assertEq(registry.stateKeys(ops).length, 0, "documents are per cell");
    }

    function test_setState_revertsForNonAdmins() public {
        address[6] memory wrong = [bob, outsider, commsAdmin, otherGovernance, otherAdmin, address(registry)];
        for (uint256 i; i < wrong.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, wrong[i], dev));
            vm.prank(wrong[i]);
            registry.setState(dev, StateKeys.CHARTER, "ipfs://x", bytes32(0));
        }
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, devAdmin, ops));
        vm.prank(devAdmin);
        registry.setState(ops, StateKeys.CHARTER, "ipfs://x", bytes32(0));
    }

    function test_setState_restricted() public {
        vm.prank(opsAdmin);
        registry.setRestrictions(dev, CellRestrictions.SET_STATE);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, dev, CellRestrictions.SET_STATE)
        );
        vm.prank(devAdmin);
        registry.setState(dev, StateKeys.CHARTER, "ipfs://x", bytes32(0));
        vm.prank(opsAdmin);
        registry.setState(dev, StateKeys.CHARTER, "ipfs://x", bytes32(0));
        assertEq(registry.stateOf(dev, StateKeys.CHARTER).author, opsAdmin);
    }

    function test_stateKeys_areReadableAscii() public pure {
        assertEq(_ascii(StateKeys.CHARTER), "charter");
        assertEq(_ascii(StateKeys.PURPOSE), "purpose");
        assertEq(_ascii(StateKeys.POLICIES), "policies");
        assertEq(_ascii(StateKeys.ROLE_DESCRIPTIONS), "role-descriptions");
        assertEq(_ascii(StateKeys.PROCESS_MAP), "process-map");
        assertEq(_ascii(StateKeys.PARTICIPATION_GUIDELINES), "participation-guidelines");
        assertEq(_ascii(StateKeys.IMPACT_MODEL), "impact-model");
        assertEq(_ascii(StateKeys.DECISION_MECHANISMS), "decision-mechanisms");
        assertEq(_ascii(StateKeys.PROPOSAL_MECHANISMS), "proposal-mechanisms");
        assertEq(_ascii(StateKeys.RESOURCE_ALLOCATION), "resource-allocation");
    }

    /// @dev The key's text: its bytes up to the first zero.
    function _ascii(bytes32 key) internal pure returns (string memory) {
        uint256 n;
        while (n < 32 && key[n] != 0) ++n;
        bytes memory text = new bytes(n);
        for (uint256 i; i < n; ++i) {
            text[i] = key[i];
        }
        return string(text);
    }

    /*//////////////////////////////////////////////////////////////
                               DECISIONS
    //////////////////////////////////////////////////////////////*/

    function test_recordDecision_countsAndEmits() public {
        vm.expectEmit(address(registry));
        emit ICellRegistry.DecisionRecorded(dev, "adopt-charter", devAdmin, 1, "ipfs://d1", keccak256("d1"));
        vm.prank(devAdmin);
        registry.recordDecision(dev, "adopt-charter", "ipfs://d1", keccak256("d1"));
        vm.expectEmit(address(registry));
        emit ICellRegistry.DecisionRecorded(dev, "hire", devAdmin, 2, "ipfs://d2", keccak256("d2"));
        vm.prank(devAdmin);
        registry.recordDecision(dev, "hire", "ipfs://d2", keccak256("d2"));
        assertEq(registry.decisionCount(dev), 2);
        assertEq(registry.getCell(dev).decisionCount, 2);
        assertEq(registry.decisionCount(ops), 0);
    }

    function test_recordDecision_cellAdminsOnly() public {
        // Parent admins record in their own cell, not in the child's.
        address[7] memory wrong = [opsAdmin, governance, bob, commsAdmin, otherGovernance, otherAdmin, outsider];
        for (uint256 i; i < wrong.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAdmin.selector, wrong[i], dev));
            vm.prank(wrong[i]);
            registry.recordDecision(dev, "x", "ipfs://x", bytes32(0));
        }
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, uint256(5)));
        vm.prank(devAdmin);
        registry.recordDecision(5, "x", "ipfs://x", bytes32(0));
    }

    /*//////////////////////////////////////////////////////////////
                              PARTNERSHIPS
    //////////////////////////////////////////////////////////////*/

    function _proposeToBeta() internal returns (uint256 id) {
        vm.prank(opsAdmin);
        id = registry.proposePartnership(ops, betaOps, address(0), "ipfs://terms", keccak256("terms"));
    }

    function test_partnership_acrossDaos_proposeAcceptEnd() public {
        vm.expectEmit(address(registry));
        emit ICellRegistry.PartnershipProposed(
            1, ops, betaOps, address(0), opsAdmin, "ipfs://terms", keccak256("terms")
        );
        uint256 id = _proposeToBeta();
        assertEq(id, 1);
        assertEq(registry.partnershipCount(), 1);
        ICellRegistry.Partnership memory p = registry.getPartnership(id);
        assertEq(p.cellId, ops);
        assertEq(p.counterpartyCellId, betaOps);
        assertEq(p.counterpartyAccount, address(0));
        assertEq(uint8(p.status), uint8(ICellRegistry.PartnershipStatus.Proposed));
        assertEq(p.termsURI, "ipfs://terms");
        assertEq(p.termsHash, keccak256("terms"));

        vm.expectEmit(address(registry));
        emit ICellRegistry.PartnershipAccepted(id, ops, betaOps, otherAdmin);
        vm.prank(otherAdmin);
        registry.acceptPartnership(id);
        assertEq(uint8(registry.getPartnership(id).status), uint8(ICellRegistry.PartnershipStatus.Active));

        vm.expectEmit(address(registry));
        emit ICellRegistry.PartnershipEnded(id, ops, betaOps, otherAdmin, ICellRegistry.PartnershipStatus.Active);
        vm.prank(otherAdmin);
        registry.endPartnership(id);
        assertEq(uint8(registry.getPartnership(id).status), uint8(ICellRegistry.PartnershipStatus.Ended));
    }

    function test_partnership_eitherSideOrAuthorityAboveEnds() public {
        address[4] memory enders = [opsAdmin, governance, otherAdmin, otherGovernance];
        for (uint256 i; i < enders.length; ++i) {
            uint256 id = _proposeToBeta();
            vm.prank(otherAdmin);
            registry.acceptPartnership(id);
            vm.prank(enders[i]);
            registry.endPartnership(id);
            assertEq(uint8(registry.getPartnership(id).status), uint8(ICellRegistry.PartnershipStatus.Ended));
        }
    }

    function test_partnership_withdrawAndDecline() public {
        uint256 withdrawn = _proposeToBeta();
        vm.expectEmit(address(registry));
        emit ICellRegistry.PartnershipEnded(withdrawn, ops, betaOps, opsAdmin, ICellRegistry.PartnershipStatus.Proposed);
        vm.prank(opsAdmin);
        registry.endPartnership(withdrawn);
        uint256 declined = _proposeToBeta();
        vm.prank(otherAdmin);
        registry.endPartnership(declined);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICellRegistry.InvalidPartnershipStatus.selector, declined, ICellRegistry.PartnershipStatus.Ended
            )
        );
        vm.prank(otherAdmin);
        registry.acceptPartnership(declined);
    }

    function test_partnership_wrongCallers() public {
        // Propose: only the proposing cell's authority.
        address[5] memory wrong = [alice, commsAdmin, devAdmin, otherGovernance, outsider];
        for (uint256 i; i < wrong.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, wrong[i], ops));
            vm.prank(wrong[i]);
            registry.proposePartnership(ops, betaOps, address(0), "ipfs://t", bytes32(0));
        }
        uint256 id = _proposeToBeta();
        // Accept: only the counterparty's authority (never the proposer, never a third cell).
        address[4] memory notCounterparty = [opsAdmin, governance, commsAdmin, outsider];
        for (uint256 i; i < notCounterparty.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, notCounterparty[i], betaOps)
            );
            vm.prank(notCounterparty[i]);
            registry.acceptPartnership(id);
        }
        // End: only either side.
        address[3] memory thirdParties = [commsAdmin, devAdmin, outsider];
        for (uint256 i; i < thirdParties.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotPartnershipParty.selector, thirdParties[i], id));
            vm.prank(thirdParties[i]);
            registry.endPartnership(id);
        }
    }

    function test_partnership_withExternalAddress() public {
        address org = makeAddr("externalOrg");
        vm.prank(governance);
        uint256 id = registry.proposePartnership(alpha, 0, org, "ipfs://mou", keccak256("mou"));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCounterparty.selector, outsider, id));
        vm.prank(outsider);
        registry.acceptPartnership(id);
        vm.prank(org);
        registry.acceptPartnership(id);
        assertEq(uint8(registry.getPartnership(id).status), uint8(ICellRegistry.PartnershipStatus.Active));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotPartnershipParty.selector, outsider, id));
        vm.prank(outsider);
        registry.endPartnership(id);
        vm.prank(org);
        registry.endPartnership(id);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICellRegistry.InvalidPartnershipStatus.selector, id, ICellRegistry.PartnershipStatus.Ended
            )
        );
        vm.prank(org);
        registry.endPartnership(id);
    }

    function test_partnership_withinOneDao() public {
        vm.prank(opsAdmin);
        uint256 id = registry.proposePartnership(ops, comms, address(0), "ipfs://t", bytes32(0));
        vm.prank(commsAdmin);
        registry.acceptPartnership(id);
        assertEq(uint8(registry.getPartnership(id).status), uint8(ICellRegistry.PartnershipStatus.Active));
    }

    function test_partnership_invalidCounterparties() public {
        vm.startPrank(opsAdmin);
        vm.expectRevert(ICellRegistry.InvalidCounterparty.selector);
        registry.proposePartnership(ops, 0, address(0), "t", bytes32(0));
        vm.expectRevert(ICellRegistry.InvalidCounterparty.selector);
        registry.proposePartnership(ops, betaOps, outsider, "t", bytes32(0));
        vm.expectRevert(ICellRegistry.InvalidCounterparty.selector);
        registry.proposePartnership(ops, ops, address(0), "t", bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, uint256(42) << 224));
        registry.proposePartnership(ops, uint256(42) << 224, address(0), "t", bytes32(0));
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.PartnershipNotFound.selector, 9));
        registry.acceptPartnership(9);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.PartnershipNotFound.selector, 9));
        registry.endPartnership(9);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.PartnershipNotFound.selector, 9));
        registry.getPartnership(9);
    }

    function test_partnership_restrictedOnBothSides() public {
        vm.prank(governance);
        registry.setRestrictions(ops, CellRestrictions.PARTNERSHIPS);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, ops, CellRestrictions.PARTNERSHIPS)
        );
        vm.prank(opsAdmin);
        registry.proposePartnership(ops, betaOps, address(0), "t", bytes32(0));
        vm.prank(governance); // authority above still can
        uint256 id = registry.proposePartnership(ops, betaOps, address(0), "t", bytes32(0));

        vm.prank(otherGovernance);
        registry.setRestrictions(betaOps, CellRestrictions.PARTNERSHIPS);
        vm.expectRevert(
            abi.encodeWithSelector(ICellRegistry.ActionRestricted.selector, betaOps, CellRestrictions.PARTNERSHIPS)
        );
        vm.prank(otherAdmin);
        registry.acceptPartnership(id);
        // Ending is never restricted.
        vm.prank(opsAdmin);
        registry.endPartnership(id);
    }

    function test_partnership_dissolvedSides() public {
        uint256 id = _proposeToBeta();
        vm.prank(otherAdmin);
        registry.setPhase(betaOps, DISSOLVED);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellIsDissolved.selector, betaOps));
        vm.prank(otherGovernance);
        registry.acceptPartnership(id);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellIsDissolved.selector, betaOps));
        vm.prank(opsAdmin);
        registry.proposePartnership(ops, betaOps, address(0), "t", bytes32(0));
        // A dissolved side may still end its agreements.
        vm.prank(otherAdmin);
        registry.endPartnership(id);

        vm.prank(governance);
        uint256 fromComms = registry.proposePartnership(comms, 0, outsider, "t", bytes32(0));
        vm.prank(commsAdmin);
        registry.setPhase(comms, DISSOLVED);
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellIsDissolved.selector, comms));
        vm.prank(outsider);
        registry.acceptPartnership(fromComms);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    function test_authorityViews() public view {
        assertTrue(registry.isCellAdmin(devAdmin, dev));
        assertFalse(registry.isCellAdmin(opsAdmin, dev), "administering is not wearing");
        assertFalse(registry.isCellAdmin(bob, dev));

        assertTrue(registry.isParentAdmin(opsAdmin, dev));
        assertTrue(registry.isParentAdmin(governance, dev), "administers the parent's admin role");
        assertFalse(registry.isParentAdmin(devAdmin, dev));
        assertFalse(registry.isParentAdmin(commsAdmin, dev));
        assertFalse(registry.isParentAdmin(otherGovernance, dev));
        assertTrue(registry.isParentAdmin(governance, alpha), "a root's own admin");
        assertFalse(registry.isParentAdmin(opsAdmin, alpha));

        assertTrue(registry.hasCellAuthority(devAdmin, dev));
        assertTrue(registry.hasCellAuthority(opsAdmin, dev));
        assertTrue(registry.hasCellAuthority(governance, dev));
        assertFalse(registry.hasCellAuthority(commsAdmin, dev));
        assertFalse(registry.hasCellAuthority(bob, dev));
    }

    function test_views_unknownCells() public {
        uint256 unknown = uint256(12_345) << 224;
        assertFalse(registry.cellExists(unknown));
        assertFalse(registry.cellExists(0));
        assertFalse(registry.cellExists(registry.memberRoleOf(ops)), "a member role is not a cell");
        assertFalse(registry.isCellAdmin(governance, unknown));
        assertFalse(registry.isParentAdmin(governance, unknown));
        assertFalse(registry.hasCellAuthority(governance, unknown));
        bytes memory notFound = abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, unknown);
        vm.expectRevert(notFound);
        registry.parentOf(unknown);
        vm.expectRevert(notFound);
        registry.daoOf(unknown);
        vm.expectRevert(notFound);
        registry.memberRoleOf(unknown);
        vm.expectRevert(notFound);
        registry.phaseOf(unknown);
        vm.expectRevert(notFound);
        registry.getCell(unknown);
        vm.expectRevert(notFound);
        registry.childrenOf(unknown);
        vm.expectRevert(notFound);
        registry.stateOf(unknown, StateKeys.CHARTER);
    }

    function test_isCellAdmin_ignoresTreesTheRegistryDidNotCreate() public {
        // A tree minted on Roles directly is not a cell, even for its wearer.
        vm.prank(outsider);
        uint256 stray = roles.mintTopRole(outsider, "stray", "");
        assertFalse(registry.cellExists(stray));
        assertFalse(registry.isCellAdmin(outsider, stray));
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CellNotFound.selector, stray));
        _child(outsider, stray, "X", outsider);
    }

    /*//////////////////////////////////////////////////////////////
                         FORWARDER CANNOT BE ABUSED
    //////////////////////////////////////////////////////////////*/

    function test_forwarder_directCallToRolesPretendingToBeTheRegistryGainsNothing() public {
        uint256 member = registry.memberRoleOf(ops);
        // Appending an admin's address only counts when the registry is the caller.
        (bool ok, bytes memory ret) =
            address(roles).call(abi.encodePacked(abi.encodeCall(IRoles.mintRole, (member, outsider, 0)), opsAdmin));
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(IRoles.NotAdmin.selector, address(this), member));
        (ok,) = address(roles)
            .call(abi.encodePacked(abi.encodeCall(IRoles.mintRole, (member, outsider, 0)), address(registry)));
        assertFalse(ok);
        (ok,) = address(roles)
            .call(abi.encodePacked(abi.encodeCall(IRoles.createLinkedTree, (alpha, outsider, "x", "")), governance));
        assertFalse(ok);
        (ok,) = address(roles)
            .call(abi.encodePacked(abi.encodeCall(IRoles.transferRole, (alpha, governance, outsider)), governance));
        assertFalse(ok);
        assertFalse(roles.isWearerOfHat(outsider, member));
        assertTrue(roles.isWearerOfHat(governance, alpha));
    }

    function test_cellAdminCannotEscapeItsParentOnRolesEither() public {
        // Bypassing the registry does not help a cell's own admin leave its parent: a cell's tree is
        // relinked only through the registry.
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, _tree(dev), devAdmin));
        vm.prank(devAdmin);
        roles.relinkTree(_tree(dev), 0);
        assertEq(roles.linkedTreeAdmins(_tree(dev)), ops);
    }

    function test_forwarder_registryNeverKeepsARole() public view {
        uint256[6] memory cells = [alpha, ops, dev, comms, beta, betaOps];
        for (uint256 i; i < cells.length; ++i) {
            assertFalse(roles.isWearerOfHat(address(registry), cells[i]));
            assertFalse(roles.isWearerOfHat(address(registry), registry.memberRoleOf(cells[i])));
            assertEq(roles.wearerSince(cells[i], address(registry)), 0);
        }
    }

    function test_forwarder_registryActsOnlyWithTheCallersAuthority() public {
        // Through the registry, an outsider still lacks the Roles authority of the cell it names: the registry
        // checks first, and Roles checks the appended caller again.
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotCellAuthority.selector, outsider, alpha));
        _child(outsider, alpha, "X", outsider);
        // A DAO created by an outsider is theirs alone; they cannot reach into it to touch Alpha.
        vm.prank(outsider);
        uint256 mine = registry.createDao(outsider, "Mine", ICellRegistry.Scale.Constituency, CONVERSATION, _none());
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.CrossDaoMove.selector, ops, mine));
        vm.prank(outsider);
        registry.moveCell(ops, mine);
    }
}

/// @notice Issue 10: the registry is the one source of truth for the cell tree; depth counts the moved
/// subtree; a DAO cannot lock itself out.
contract CellRegistrySecurityTest is CellsFixture {
    /// @dev `n` cells in a chain under `parent`, created and administered by governance. Returns them in order.
    function _chainOfCells(uint256 parent, uint256 n) internal returns (uint256[] memory chain) {
        chain = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            parent = _child(governance, parent, "L", governance);
            chain[i] = parent;
        }
    }

    /// @dev Regression: on the old code the admin of the role a cell's tree hangs under could unlink it (or
    /// move it anywhere it had authority) on Roles directly, and the registry's parent record went stale.
    function test_regression_directRelinkOfACellTreeReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, _tree(dev), opsAdmin));
        vm.prank(opsAdmin);
        roles.relinkTree(_tree(dev), 0);
        // Not even the DAO's governance bypasses the registry.
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, _tree(dev), governance));
        vm.prank(governance);
        roles.relinkTree(_tree(dev), comms);
        // A root cell's tree cannot be linked under another DAO by its wearer either.
        vm.expectRevert(abi.encodeWithSelector(IRoles.TreeManagedByRegistry.selector, _tree(beta), otherGovernance));
        vm.prank(otherGovernance);
        roles.relinkTree(_tree(beta), alpha);
        assertEq(roles.linkedTreeAdmins(_tree(dev)), ops);
        assertEq(roles.linkedTreeAdmins(_tree(beta)), 0);
        assertTrue(roles.isRegistryManaged(_tree(dev)));
        assertTrue(roles.isRegistryManaged(_tree(alpha)));
    }

    function test_moveAndDissolveKeepRolesAndTheRegistryAgreeing() public {
        vm.prank(governance);
        registry.moveCell(dev, comms);
        assertEq(registry.parentOf(dev), comms);
        assertEq(roles.linkedTreeAdmins(_tree(dev)), comms);
        // Dissolution keeps the link: the authority above keeps its hold on what the cell leaves behind.
        vm.prank(governance);
        registry.setPhase(dev, ICellRegistry.Phase.Dissolved);
        assertEq(roles.linkedTreeAdmins(_tree(dev)), comms);
        assertEq(registry.parentOf(dev), comms);
        assertTrue(roles.isAdminOfHat(governance, dev));
        assertTrue(roles.isAdminOfHat(commsAdmin, dev));
        assertFalse(roles.isAdminOfHat(opsAdmin, dev));
    }

    function test_moveCell_wrongCallers() public {
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, outsider, dev));
        vm.prank(outsider);
        registry.moveCell(dev, comms);
        // The cell's own admin cannot move it out from under its parent.
        vm.expectRevert(abi.encodeWithSelector(ICellRegistry.NotParentAdmin.selector, devAdmin, dev));
        vm.prank(devAdmin);
        registry.moveCell(dev, comms);
    }

    /// @dev Regression: on the old code a move counted only the chain above the new parent, so the deepest
    /// cell of the moved subtree could land 33 links below the DAO's top role, where governance was neither
    /// admin nor parent-admin.
    function test_regression_moveCountsTheSubtreeBelow() public {
        uint256[] memory p = _chainOfCells(alpha, 20);
        uint256[] memory q = _chainOfCells(alpha, 13);
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, _tree(q[0]), p[19]));
        vm.prank(governance);
        registry.moveCell(q[0], p[19]);
        assertEq(registry.parentOf(q[0]), alpha);
        assertTrue(registry.isParentAdmin(governance, q[12]));
    }

    /// @dev Exactly MAX_LINK_DEPTH trees in the chain passes; one more is refused.
    function test_moveCell_depthBoundary() public {
        uint256[] memory p = _chainOfCells(alpha, 20);
        uint256[] memory q = _chainOfCells(alpha, 13);
        // q[1] has 11 cells below it: under p[19] (21 trees above) that is 21 + 1 + 11 = 33 trees.
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, _tree(q[1]), p[19]));
        vm.prank(governance);
        registry.moveCell(q[1], p[19]);
        // q[2] has 10 below it: 21 + 1 + 10 = 32 trees, exactly the maximum.
        vm.prank(governance);
        registry.moveCell(q[2], p[19]);
        uint256 deepest = q[12];
        assertEq(roles.getTippyTopHatDomain(_tree(deepest)), _tree(alpha));
        assertTrue(registry.isParentAdmin(governance, deepest), "governance is parent-admin at the bottom");
        assertTrue(roles.isAdminOfHat(governance, registry.memberRoleOf(deepest)));
        assertTrue(roles.isAdminOfHat(governance, deepest));
        // And nothing more fits below it.
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, uint32(0), deepest));
        _child(governance, deepest, "X", governance);
    }

    /// @dev A plain tree hung under a cell counts in the height a move must fit.
    function test_moveCell_countsPlainTreesBelowTheCell() public {
        uint256[] memory p = _chainOfCells(alpha, 29);
        // dev (depth 2) with a plain chain of 2 trees below it: under p[28] (30 trees above) = 30 + 1 + 2.
        vm.startPrank(devAdmin);
        uint256 plain = roles.createLinkedTree(dev, devAdmin, "plain", "");
        roles.createLinkedTree(plain, devAdmin, "plain2", "");
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IRoles.LinkTooDeep.selector, _tree(dev), p[28]));
        vm.prank(governance);
        registry.moveCell(dev, p[28]);
    }

    function test_plainTreeUnderACell_onlyTheDaoTopUnlinksIt() public {
        vm.prank(opsAdmin);
        uint256 plain = roles.createLinkedTree(ops, outsider, "plain", "");
        uint32 tree = _tree(plain);
        assertFalse(roles.isRegistryManaged(tree));
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotDomainTop.selector, opsAdmin, tree, _tree(alpha)));
        vm.prank(opsAdmin);
        roles.relinkTree(tree, 0);
        // Inside the DAO it may move (opsAdmin administers dev).
        vm.prank(opsAdmin);
        roles.relinkTree(tree, dev);
        assertEq(roles.linkedTreeAdmins(tree), dev);
        // Out of the DAO only the DAO's top may take it, and only where it also has authority.
        vm.expectRevert(abi.encodeWithSelector(IRoles.NotAdmin.selector, governance, betaOps));
        vm.prank(governance);
        roles.relinkTree(tree, betaOps);
        vm.prank(governance);
        roles.relinkTree(tree, 0);
        assertEq(roles.linkedTreeAdmins(tree), 0);
    }

    function test_dao_topRoleCannotLockTheDaoOut() public {
        vm.startPrank(governance);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, alpha));
        roles.renounceRole(alpha);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, alpha));
        roles.setRoleStatus(alpha, false);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, alpha));
        roles.revokeRole(alpha, governance);
        vm.expectRevert(abi.encodeWithSelector(IRoles.TopRoleLockout.selector, alpha));
        roles.renewRole(alpha, governance, uint64(block.timestamp + 1));
        vm.stopPrank();
        // A cell's admin role may be given up: the authority above mints it again.
        vm.prank(opsAdmin);
        roles.renounceRole(ops);
        vm.prank(governance);
        roles.mintRole(ops, alice, 0);
        assertTrue(registry.isCellAdmin(alice, ops));
    }
}
