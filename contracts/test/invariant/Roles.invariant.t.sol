// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roles} from "../../src/Roles.sol";
import {MockEligibility} from "../utils/RolesModules.sol";
import {Test} from "forge-std/Test.sol";

/// @notice Drives Roles with random callers and tracks, in ghost variables, who wears what and who
/// was allowed to change it.
contract RolesHandler is Test {
    Roles public roles;
    MockEligibility public elig;
    address[] public actors;
    uint256[] public roleIds;

    /// @dev Ghost: the grants we expect to be stored.
    mapping(uint256 roleId => mapping(address => bool)) public ghostWorn;
    mapping(uint256 roleId => uint256) public ghostSupply;
    /// @dev Set when a wearer set changed by a call whose caller had no right to make that change.
    bool public unauthorizedChange;
    string public unauthorizedReason;
    uint256 public successfulChanges;

    constructor(Roles roles_, MockEligibility elig_, address[] memory actors_, uint256[] memory roleIds_) {
        roles = roles_;
        elig = elig_;
        actors = actors_;
        roleIds = roleIds_;
        // setUp minted the top role to actors[0].
        ghostWorn[roleIds_[0]][actors_[0]] = true;
        ghostSupply[roleIds_[0]] = 1;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function roleCount() external view returns (uint256) {
        return roleIds.length;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _roleId(uint256 seed) internal view returns (uint256) {
        return roleIds[seed % roleIds.length];
    }

    /// @dev Applies the expected change to the ghost state and checks it against storage.
    function _record(uint256 roleId, address wearer, bool worn) internal {
        if (ghostWorn[roleId][wearer] != worn) {
            ghostWorn[roleId][wearer] = worn;
            if (worn) ghostSupply[roleId]++;
            else ghostSupply[roleId]--;
            successfulChanges++;
        }
    }

    function _flag(string memory reason) internal {
        unauthorizedChange = true;
        unauthorizedReason = reason;
    }

    function mint(uint256 callerSeed, uint256 roleSeed, uint256 wearerSeed, uint64 expirySeed) external {
        // Half the time the top role's wearer (an admin of everything), else anyone.
        address caller = callerSeed % 2 == 0 ? actors[0] : _actor(callerSeed >> 1);
        uint256 roleId = _roleId(roleSeed);
        address wearer = _actor(wearerSeed);
        uint64 expiry = expirySeed % 3 == 0 ? 0 : uint64(block.timestamp + 1 + expirySeed % 30 days);
        bool admin = roles.isAdminOfHat(caller, roleId);
        vm.prank(caller);
        try roles.mintRole(roleId, wearer, expiry) {
            if (!admin) _flag("mint by non-admin");
            _record(roleId, wearer, true);
        } catch {}
    }

    function claim(uint256 callerSeed, uint256 roleSeed) external {
        address caller = _actor(callerSeed);
        uint256 roleId = _roleId(roleSeed);
        bool claimable = roles.viewRole(roleId).claimable;
        vm.prank(caller);
        try roles.claimRole(roleId) {
            if (!claimable) _flag("claim of a non-claimable role");
            _record(roleId, caller, true);
        } catch {}
    }

    function revoke(uint256 callerSeed, uint256 roleSeed, uint256 wearerSeed, bool asModule) external {
        address caller = asModule ? address(elig) : _actor(callerSeed);
        uint256 roleId = _roleId(roleSeed);
        address wearer = _actor(wearerSeed);
        bool allowed = roles.isAdminOfHat(caller, roleId) || caller == roles.getHatEligibilityModule(roleId);
        vm.prank(caller);
        try roles.revokeRole(roleId, wearer) {
            if (!allowed) _flag("revoke by non-admin");
            _record(roleId, wearer, false);
        } catch {}
    }

    function renounce(uint256 callerSeed, uint256 roleSeed) external {
        address caller = _actor(callerSeed);
        uint256 roleId = _roleId(roleSeed);
        vm.prank(caller);
        try roles.renounceRole(roleId) {
            _record(roleId, caller, false);
        } catch {}
    }

    function transfer(uint256 callerSeed, uint256 roleSeed, uint256 fromSeed, uint256 toSeed) external {
        address caller = _actor(callerSeed);
        uint256 roleId = _roleId(roleSeed);
        address from = _actor(fromSeed);
        address to = _actor(toSeed);
        bool admin = roles.isAdminOfHat(caller, roleId);
        vm.prank(caller);
        try roles.transferRole(roleId, from, to) {
            if (!admin) _flag("transfer by non-admin");
            _record(roleId, from, false);
            _record(roleId, to, true);
        } catch {}
    }

    function pushStatus(uint256 roleSeed, uint256 wearerSeed, bool eligible, bool standing) external {
        uint256 roleId = _roleId(roleSeed);
        address wearer = _actor(wearerSeed);
        bool wasWorn = roles.wearerSince(roleId, wearer) != 0;
        vm.prank(address(elig));
        try roles.setWearerStatus(roleId, wearer, eligible, standing) {
            if (wasWorn && (!eligible || !standing)) _record(roleId, wearer, false);
        } catch {}
    }

    function setModuleAnswer(uint256 wearerSeed, bool eligible, bool standing) external {
        elig.set(_actor(wearerSeed), eligible, standing);
    }

    function changeMaxSupply(uint256 callerSeed, uint256 roleSeed, uint32 maxSupply) external {
        address caller = _actor(callerSeed);
        uint256 roleId = _roleId(roleSeed);
        maxSupply = uint32(bound(maxSupply, 0, 6));
        vm.prank(caller);
        try roles.changeRoleMaxSupply(roleId, maxSupply) {} catch {}
    }

    function setStatus(uint256 callerSeed, uint256 roleSeed, bool active) external {
        vm.prank(_actor(callerSeed));
        try roles.setRoleStatus(_roleId(roleSeed), active) {} catch {}
    }

    function renew(uint256 callerSeed, uint256 roleSeed, uint256 wearerSeed, uint64 expirySeed) external {
        uint64 expiry = expirySeed % 2 == 0 ? 0 : uint64(block.timestamp + 1 + expirySeed % 30 days);
        vm.prank(_actor(callerSeed));
        try roles.renewRole(_roleId(roleSeed), _actor(wearerSeed), expiry) {} catch {}
    }

    /// @dev New trees linked under one of the roles, and relinks (including attempted cycles).
    function createLinkedTree(uint256 callerSeed, uint256 roleSeed, uint256 toSeed) external {
        address caller = callerSeed % 2 == 0 ? actors[0] : _actor(callerSeed >> 1);
        uint256 adminRole = _roleId(roleSeed);
        if (roleIds.length >= 12) return;
        vm.prank(caller);
        try roles.createLinkedTree(adminRole, _actor(toSeed), "", "") returns (uint256 topRole) {
            roleIds.push(topRole);
            ghostWorn[topRole][_actor(toSeed)] = true;
            ghostSupply[topRole] = 1;
            successfulChanges++;
        } catch {}
    }

    function relink(uint256 callerSeed, uint256 treeSeed, uint256 roleSeed, bool unlink) external {
        address caller = callerSeed % 2 == 0 ? actors[0] : _actor(callerSeed >> 1);
        uint32 tree = uint32(bound(treeSeed, 1, roles.lastTopHatId()));
        vm.prank(caller);
        try roles.relinkTree(tree, unlink ? 0 : _roleId(roleSeed)) {} catch {}
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 10 days));
    }
}

contract RolesInvariantTest is Test {
    Roles internal roles;
    MockEligibility internal elig;
    RolesHandler internal handler;
    address[] internal actors;
    uint256[] internal roleIds;

    function setUp() public {
        roles = new Roles(makeAddr("forwarder"));
        elig = new MockEligibility();
        for (uint256 i; i < 5; ++i) {
            actors.push(makeAddr(string(abi.encodePacked("actor", vm.toString(i)))));
        }
        vm.startPrank(actors[0]);
        uint256 top = roles.mintTopRole(actors[0], "DAO", "");
        uint256 a = roles.createRole(top, "A", 3, address(elig), address(0), true, false, "");
        uint256 b = roles.createRole(a, "B", 2, address(0), address(0), true, false, "");
        uint256 c = roles.createRole(top, "C", 4, address(elig), address(0), true, true, "");
        uint256 d = roles.createRole(b, "D", 1, address(0), address(0), false, true, "");
        vm.stopPrank();
        roleIds.push(top);
        roleIds.push(a);
        roleIds.push(b);
        roleIds.push(c);
        roleIds.push(d);
        handler = new RolesHandler(roles, elig, actors, roleIds);
        targetContract(address(handler));
    }

    function invariant_supplyNeverExceedsMaxSupply() public view {
        for (uint256 r; r < handler.roleCount(); ++r) {
            IRolesView memory v = _view(handler.roleIds(r));
            // maxSupply may be lowered, but never below the supply.
            assertLe(v.supply, v.maxSupply);
        }
    }

    function invariant_balancesAreZeroOrOne() public view {
        for (uint256 r; r < handler.roleCount(); ++r) {
            for (uint256 i; i < actors.length; ++i) {
                assertLe(roles.balanceOf(actors[i], handler.roleIds(r)), 1);
            }
        }
    }

    function invariant_supplyEqualsStoredGrants() public view {
        for (uint256 r; r < handler.roleCount(); ++r) {
            uint256 roleId = handler.roleIds(r);
            uint256 stored;
            for (uint256 i; i < actors.length; ++i) {
                bool worn = roles.wearerSince(roleId, actors[i]) != 0;
                assertEq(worn, handler.ghostWorn(roleId, actors[i]), "grant differs from ghost");
                if (worn) stored++;
            }
            assertEq(roles.hatSupply(roleId), stored, "supply != stored grants");
            assertEq(stored, handler.ghostSupply(roleId), "supply != ghost supply");
        }
    }

    function invariant_onlyAdminsOrModuleChangeWearers() public view {
        assertFalse(handler.unauthorizedChange(), handler.unauthorizedReason());
    }

    function invariant_linksAreAcyclicAndBounded() public view {
        uint32 last = roles.lastTopHatId();
        for (uint32 t = 1; t <= last; ++t) {
            uint32 tree = t;
            uint256 hops;
            while (true) {
                uint256 link = roles.linkedTreeAdmins(tree);
                if (link == 0) break;
                tree = uint32(link >> 224);
                assertTrue(tree != t, "cycle");
                ++hops;
                assertLe(hops, roles.MAX_LINK_DEPTH(), "chain too deep");
            }
        }
    }

    struct IRolesView {
        uint32 supply;
        uint32 maxSupply;
    }

    function _view(uint256 roleId) internal view returns (IRolesView memory v) {
        v.supply = roles.hatSupply(roleId);
        v.maxSupply = roles.getHatMaxSupply(roleId);
    }

    /// @dev The handler's calls must be able to change state, or the invariants would prove nothing.
    function test_handlerChangesWearers() public {
        handler.mint(0, 1, 1, 0); // actors[0] mints A to actors[1]
        handler.claim(2, 3); // actors[2] claims C
        handler.renounce(2, 3);
        assertEq(handler.successfulChanges(), 3);
        assertEq(roles.hatSupply(roleIds[1]), 1);
        assertEq(roles.hatSupply(roleIds[3]), 0);
    }
}
