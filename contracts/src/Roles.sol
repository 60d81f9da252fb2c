// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IRoleEligibility, IRoleToggle, IRoles} from "./interfaces/IRoles.sol";
import {RoleId} from "./libraries/RoleId.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {IERC1155MetadataURI} from "@openzeppelin/contracts/token/ERC1155/extensions/IERC1155MetadataURI.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title Roles
/// @notice Hats-style role tokens: trees of roles, non-transferable ERC-1155 balances of 0 or 1 that
/// follow the role's live status and the wearer's live eligibility. See IRoles for the id layout and
/// the authority rules.
///
/// Storage (one slot per role, one slot per grant; strings and the eligibility module only when set).
/// Fields are listed from the lowest bit up; the assembly in this contract relies on these offsets
/// (checked by RolesStorageLayoutTest).
///
///   _roles[roleId]                                                               one slot
///   ┌───────────────┬────────────────┬────────────────┬────────────────┬───────────────┬───────────────┐
///   │ toggle        │ maxSupply      │ supply         │ lastChildIndex │ flags         │ linkHeight    │
///   │ bits 0..159   │ bits 160..191  │ bits 192..223  │ bits 224..239  │ bits 240..247 │ bits 248..255 │
///   └───────────────┴────────────────┴────────────────┴────────────────┴───────────────┴───────────────┘
///   flags: 1 CREATED | 2 ACTIVE | 4 MUTABLE | 8 CLAIMABLE | 16 HAS_ELIGIBILITY | 32 REGISTRY_MANAGED
///   REGISTRY_MANAGED and linkHeight are used on top roles only, as the tree's own record:
///   REGISTRY_MANAGED  the tree was created by the trusted forwarder (the cell registry): a cell's tree,
///                     relinked only through the registry.
///   linkHeight        an upper bound (a high-water mark) on the number of links below the tree: 0 when no
///                     tree was ever linked under it, else 1 + the largest linkHeight of a tree linked
///                     under one of its roles. Raised along the chain above on every link; never lowered
///                     (lowering would need the list of trees linked below, which Roles does not keep).
///                     It lives in the spare top byte of the top role's slot, so it costs no new slot.
///
///   _eligibility[roleId]   the eligibility module, written only when non-zero (HAS_ELIGIBILITY)
///   _details[roleId], _imageURI[roleId]   written only when non-empty
///
///   _grants[roleId][wearer]                                                      one slot
///   ┌──────────────┬──────────────────┬───────────────┬────────────────┬──────────────┬──────────────┬──────────────┐
///   │ since        │ expiry           │ worn          │ badStanding    │ startTime    │ endTime      │ pastCount    │
///   │ bits 0..63   │ bits 64..127     │ bits 128..135 │ bits 136..143  │ bits 144..183│ bits 184..223│ bits 224..255│
///   │ block number │ unix s, 0 = none │               │ kept on revoke │ unix s       │ unix s       │ archived     │
///   └──────────────┴──────────────────┴───────────────┴────────────────┴──────────────┴──────────────┴──────────────┘
///   startTime: when the current (or last) grant began; endTime: when the last grant ended (0 while
///   worn; the expiry when it had passed); both and pastCount are kept on revoke, for payment streams.
///   A new grant to the same wearer (or the renewal of an expired one) first archives the last interval
///   in _pastGrants[roleId][wearer][pastCount] (startTime | endTime << 40) and counts it.
///
///   _linkedAdmin[treeId]  the role a tree is linked under (0: a root tree)
///   lastTopHatId          the last tree id handed out
contract Roles is IRoles, IERC1155MetadataURI {
    using RoleId for uint256;

    /*//////////////////////////////////////////////////////////////
                               CONSTANTS
    //////////////////////////////////////////////////////////////*/

    /// @notice Gas given to each eligibility or toggle module read. A module needing more is treated
    /// as misbehaving and the stored state is used instead.
    uint256 public constant MODULE_GAS = 40_000;
    /// @notice The most trees a chain of links may hold, from a root tree down to the deepest tree linked
    /// below it (so at most MAX_LINK_DEPTH - 1 links). Every link and relink keeps every chain within it,
    /// counting the subtree being moved, so the walks up a chain always reach its root.
    uint256 public constant MAX_LINK_DEPTH = 32;

    uint8 private constant CREATED = 1;
    uint8 private constant ACTIVE = 2;
    uint8 private constant MUTABLE = 4;
    uint8 private constant CLAIMABLE = 8;
    uint8 private constant HAS_ELIGIBILITY = 16;
    uint8 private constant REGISTRY_MANAGED = 32;

    /// @dev Gas that must be left before a module call so the module receives all of MODULE_GAS
    /// (EIP-150 passes at most 63/64 of what is left), plus the call's own overhead.
    uint256 private constant MODULE_GAS_NEEDED = MODULE_GAS + MODULE_GAS / 63 + 5000;

    /*//////////////////////////////////////////////////////////////
                                STORAGE
    //////////////////////////////////////////////////////////////*/

    struct Role {
        address toggle;
        uint32 maxSupply;
        uint32 supply;
        uint16 lastChildIndex;
        uint8 flags;
        uint8 linkHeight;
    }

    struct Grant {
        uint64 since;
        uint64 expiry;
        bool worn;
        bool badStanding;
    }

    /// @inheritdoc IRoles
    address public immutable trustedForwarder;

    /// @dev TransferSingle's topic, for the ERC-1155 logs written in assembly. An immutable (a PUSH32 at
    /// each use) rather than the constant `TransferSingle.selector`: logged from four places (mint,
    /// transfer, revoke, renounce), the constant would be copied from the code at each use instead, the
    /// optimizer's choice for a 32-byte constant used that often, at ~30 gas more per log.
    bytes32 private immutable _transferSingleTopic = TransferSingle.selector;

    /// @inheritdoc IRoles
    uint32 public lastTopHatId;

    mapping(uint256 roleId => Role) internal _roles;
    mapping(uint256 roleId => address) internal _eligibility;
    mapping(uint256 roleId => string) internal _details;
    mapping(uint256 roleId => string) internal _imageURI;
    mapping(uint256 roleId => mapping(address wearer => Grant)) internal _grants;
    mapping(uint32 treeId => uint256 adminRole) internal _linkedAdmin;
    mapping(uint256 roleId => mapping(address wearer => mapping(uint256 index => uint256))) internal _pastGrants;

    constructor(address trustedForwarder_) {
        trustedForwarder = trustedForwarder_;
    }

    /*//////////////////////////////////////////////////////////////
                                 TREES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoles
    function mintTopRole(address to, string calldata details, string calldata imageURI)
        external
        returns (uint256 topRoleId)
    {
        address sender = _msgSender(_max(4 + 96, _max(_endOf(details), _endOf(imageURI))));
        topRoleId = _createTree(to, details, imageURI, sender);
    }

    /// @inheritdoc IRoles
    function createLinkedTree(uint256 adminRole, address to, string calldata details, string calldata imageURI)
        external
        returns (uint256 topRoleId)
    {
        address sender = _msgSender(_max(4 + 128, _max(_endOf(details), _endOf(imageURI))));
        if (_roles[adminRole].flags & CREATED == 0) revert RoleNotFound(adminRole);
        if (!_isWearer(sender, adminRole) && !_isAdmin(sender, adminRole)) revert NotAdmin(sender, adminRole);
        // The new tree sits one link below adminRole's tree: that chain must leave room for it.
        _checkLinkDepth(0, adminRole, 0);
        topRoleId = _createTree(to, details, imageURI, sender);
        uint32 tree = topRoleId.treeId();
        _raiseLinkHeights(adminRole, 1);
        _linkedAdmin[tree] = adminRole;
        emit TreeLinked(tree, adminRole);
    }

    /// @inheritdoc IRoles
    /// @dev The rules, in order:
    /// - a registry-managed tree (a cell's) is relinked only by the registry (`moveCell`), which has
    ///   checked its own rules first; anyone else gets TreeManagedByRegistry;
    /// - a root tree is linked by the wearer of its top role;
    /// - a linked tree is moved by an admin or a wearer of the role it is linked under (never by its own
    ///   top-role wearer alone), and only inside its domain (the root at the top of its chain); unlinking
    ///   it or moving it to another domain needs the wearer of that domain's top role (NotDomainTop);
    /// - the caller must be an admin or a wearer of `newAdminRole`;
    /// - no cycle, and the chain above `newAdminRole` + this link + the links below the moved tree
    ///   (its linkHeight) stay within MAX_LINK_DEPTH trees.
    function relinkTree(uint32 treeId, uint256 newAdminRole) external {
        address sender = _msgSender(4 + 64);
        if (treeId == 0 || treeId > lastTopHatId) revert TreeNotFound(treeId);
        uint256 top = RoleId.topRole(treeId);
        Role memory topRole = _roles[top];
        if (topRole.flags & REGISTRY_MANAGED != 0 && msg.sender != trustedForwarder) {
            revert TreeManagedByRegistry(treeId, sender);
        }
        uint256 current = _linkedAdmin[treeId];
        if (current == 0) {
            if (!_isWearer(sender, top)) revert NotAdmin(sender, top);
        } else {
            if (!_isWearer(sender, current) && !_isAdmin(sender, current)) revert NotAdmin(sender, top);
            uint32 domain = _domainOf(treeId);
            if (newAdminRole == 0 || _domainOf(newAdminRole.treeId()) != domain) {
                if (!_isWearer(sender, RoleId.topRole(domain))) revert NotDomainTop(sender, treeId, domain);
            }
        }
        if (newAdminRole != 0) {
            if (_roles[newAdminRole].flags & CREATED == 0) revert RoleNotFound(newAdminRole);
            if (!_isWearer(sender, newAdminRole) && !_isAdmin(sender, newAdminRole)) {
                revert NotAdmin(sender, newAdminRole);
            }
            uint256 height = topRole.linkHeight;
            _checkLinkDepth(treeId, newAdminRole, height);
            _raiseLinkHeights(newAdminRole, height + 1);
        }
        _linkedAdmin[treeId] = newAdminRole;
        emit TreeLinked(treeId, newAdminRole);
    }

    /// @dev Walks the chain of links from `adminRole`'s tree to its root. Reverts when it meets
    /// `treeId` (a link from treeId to adminRole would close a cycle) or when the trees of that chain,
    /// plus the linked tree and the `height` links below it, would exceed MAX_LINK_DEPTH. The walk
    /// stops at MAX_LINK_DEPTH - height - 1 trees whatever the storage holds.
    function _checkLinkDepth(uint32 treeId, uint256 adminRole, uint256 height) internal view {
        uint32 tree = adminRole.treeId();
        for (uint256 hops = 1;; ++hops) {
            if (tree == treeId) revert CircularLink(treeId, adminRole);
            if (hops + 1 + height > MAX_LINK_DEPTH) revert LinkTooDeep(treeId, adminRole);
            uint256 up = _linkedAdmin[tree];
            if (up == 0) return;
            tree = up.treeId();
        }
    }

    /// @dev After a link under `adminRole` of a subtree `needed - 1` links high: raises the linkHeight of
    /// adminRole's tree to at least `needed`, and of each tree above it to one more than the tree below.
    /// Stops at the first tree already high enough (every tree's linkHeight exceeds those below it, so
    /// the trees above are high enough too). Bounded by the depth check made just before.
    function _raiseLinkHeights(uint256 adminRole, uint256 needed) internal {
        uint32 tree = adminRole.treeId();
        while (true) {
            Role storage role = _roles[RoleId.topRole(tree)];
            if (role.linkHeight >= needed) return;
            // forge-lint: disable-next-line(unsafe-typecast) needed < MAX_LINK_DEPTH (checked by the caller)
            role.linkHeight = uint8(needed);
            uint256 up = _linkedAdmin[tree];
            if (up == 0) return;
            tree = up.treeId();
            ++needed;
        }
    }

    /// @dev The root tree at the top of `tree`'s chain of links. Reverts (never answers a wrong tree)
    /// should a chain ever hold more than MAX_LINK_DEPTH trees, which every link prevents.
    function _domainOf(uint32 tree) internal view returns (uint32) {
        for (uint256 hops; hops < MAX_LINK_DEPTH; ++hops) {
            uint256 link = _linkedAdmin[tree];
            if (link == 0) return tree;
            tree = link.treeId();
        }
        revert LinkTooDeep(tree, _linkedAdmin[tree]);
    }

    function _createTree(address to, string calldata details, string calldata imageURI, address sender)
        internal
        returns (uint256 topRoleId)
    {
        if (to == address(0)) revert ZeroAddress();
        uint32 tree = ++lastTopHatId;
        topRoleId = RoleId.topRole(tree);
        // maxSupply 1, supply 1 (minted below), no modules, immutable; a tree the registry creates (a
        // cell's) is marked registry-managed.
        _storeNewRole(
            _roles[topRoleId],
            address(0),
            1,
            1,
            msg.sender == trustedForwarder ? CREATED | ACTIVE | REGISTRY_MANAGED : CREATED | ACTIVE
        );
        if (bytes(details).length != 0) _details[topRoleId] = details;
        if (bytes(imageURI).length != 0) _imageURI[topRoleId] = imageURI;
        _storeGrant(_grants[topRoleId][to], 0, false, 0);
        emit RoleCreated(topRoleId, 0, details, 1, address(0), address(0), false, false, imageURI);
        _emitMinted(topRoleId, to, sender, 0);
    }

    /*//////////////////////////////////////////////////////////////
                                 ROLES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoles
    function createRole(
        uint256 adminId,
        string calldata details,
        uint32 maxSupply,
        address eligibility,
        address toggle,
        bool mutable_,
        bool claimable,
        string calldata imageURI
    ) external returns (uint256 roleId) {
        roleId = _nextChild(_msgSender(_max(4 + 256, _max(_endOf(details), _endOf(imageURI)))), adminId);
        uint8 flags = CREATED | ACTIVE;
        if (mutable_) flags |= MUTABLE;
        if (claimable) flags |= CLAIMABLE;
        if (eligibility != address(0)) {
            flags |= HAS_ELIGIBILITY;
            _eligibility[roleId] = eligibility;
        }
        _storeNewRole(_roles[roleId], toggle, maxSupply, 0, flags);
        if (bytes(details).length != 0) _details[roleId] = details;
        if (bytes(imageURI).length != 0) _imageURI[roleId] = imageURI;
        _emitRoleCreated(roleId, adminId, details, imageURI);
    }

    /// @dev Writes a new role's slot in one SSTORE (the struct layout drawn above).
    function _storeNewRole(Role storage role, address toggle, uint32 maxSupply, uint32 supply, uint8 flags) private {
        assembly ("memory-safe") {
            sstore(role.slot, or(or(or(toggle, shl(160, maxSupply)), shl(192, supply)), shl(240, flags)))
        }
    }

    /// @dev Checks that `sender` may add a child to `adminId` (an admin or a wearer of it) and
    /// reserves the next child index.
    function _nextChild(address sender, uint256 adminId) internal returns (uint256 roleId) {
        Role storage admin = _roles[adminId];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(admin.slot)
        }
        if ((word >> 240) & CREATED == 0) revert RoleNotFound(adminId);
        if (!_isWearer(sender, adminId) && !_isAdmin(sender, adminId)) revert NotAdmin(sender, adminId);
        uint256 last = (word >> 224) & type(uint16).max; // lastChildIndex, bits 224..239
        if (last == type(uint16).max) revert MaxChildrenReached(adminId);
        // forge-lint: disable-next-line(unsafe-typecast)
        roleId = adminId.child(uint16(last + 1));
        assembly ("memory-safe") {
            sstore(admin.slot, add(word, shl(224, 1)))
        }
    }

    /// @dev Emits RoleCreated from the stored role (keeps createRole's stack shallow).
    function _emitRoleCreated(uint256 roleId, uint256 adminId, string calldata details, string calldata imageURI)
        internal
    {
        Role memory role = _roles[roleId];
        emit RoleCreated(
            roleId,
            adminId,
            details,
            role.maxSupply,
            role.flags & HAS_ELIGIBILITY != 0 ? _eligibility[roleId] : address(0),
            role.toggle,
            role.flags & MUTABLE != 0,
            role.flags & CLAIMABLE != 0,
            imageURI
        );
    }

    /// @inheritdoc IRoles
    function mintRole(uint256 roleId, address wearer, uint64 expiry) external {
        address sender = _msgSender(4 + 96);
        Role memory role = _roles[roleId];
        if (role.flags & CREATED == 0) revert RoleNotFound(roleId);
        if (!_isAdmin(sender, roleId)) revert NotAdmin(sender, roleId);
        _mint(roleId, role, wearer, expiry, sender);
    }

    /// @inheritdoc IRoles
    function batchMintRoles(uint256[] calldata roleIds, address[] calldata wearers, uint64[] calldata expiries)
        external
    {
        address sender = _msgSender(
            _max(4 + 96, _max(_max(_endOfWords(roleIds), _endOfWords(wearers)), _endOfWords(expiries)))
        );
        uint256 n = roleIds.length;
        if (wearers.length != n || expiries.length != n) revert ArrayLengthMismatch();
        for (uint256 i; i < n; ++i) {
            uint256 roleId = roleIds[i];
            Role memory role = _roles[roleId];
            if (role.flags & CREATED == 0) revert RoleNotFound(roleId);
            if (!_isAdmin(sender, roleId)) revert NotAdmin(sender, roleId);
            _mint(roleId, role, wearers[i], expiries[i], sender);
        }
    }

    /// @inheritdoc IRoles
    function claimRole(uint256 roleId) external {
        address sender = _msgSender(4 + 32);
        Role memory role = _roles[roleId];
        if (role.flags & CREATED == 0) revert RoleNotFound(roleId);
        if (role.flags & CLAIMABLE == 0) revert NotClaimable(roleId);
        _mint(roleId, role, sender, 0, sender);
    }

    /// @inheritdoc IRoles
    function revokeRole(uint256 roleId, address wearer) external {
        address sender = _msgSender(4 + 64);
        Role memory role = _roles[roleId];
        if (role.flags & CREATED == 0) revert RoleNotFound(roleId);
        if (!(role.flags & HAS_ELIGIBILITY != 0 && sender == _eligibility[roleId]) && !_isAdmin(sender, roleId)) {
            revert NotAdmin(sender, roleId);
        }
        _checkNotLockout(roleId);
        Grant storage grant = _grants[roleId][wearer];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(grant.slot)
        }
        if ((word >> 128) & 0xff == 0) revert NotWearer(wearer, roleId); // worn, bits 128..135
        _burn(grant, word, roleId, wearer, sender, (word >> 136) & 0xff);
    }

    /// @inheritdoc IRoles
    /// @dev Reads only the caller's grant (no role or module reads: renouncing needs no eligibility) and,
    /// for a top role only, its tree's link: an unlinked tree's top role cannot be renounced
    /// (TopRoleLockout), as nobody could ever wear it again. Its cost is close to its floor: the grant
    /// (one read, then cleared and refunded when it began this second, else rewritten with its times),
    /// the role's supply (a cold read and write, shared by every wearer so it cannot share the grant's
    /// slot) and TransferSingle, the one log, as Hats' renounceHat. Written for that floor: the
    /// forwarder's calldata test only for the forwarder, the lockout's link read only for a top role
    /// (the level test is arithmetic), both mapping slots and the log from scratch space.
    function renounceRole(uint256 roleId) external {
        address sender = msg.sender;
        if (sender == trustedForwarder) sender = _msgSender(4 + 32);
        bool topRole;
        uint256 grantSlot;
        uint256 word;
        assembly ("memory-safe") {
            // A top role has nothing below its tree id (bits 0..223).
            topRole := iszero(shl(32, roleId))
        }
        if (topRole) _checkNotLockout(roleId);
        assembly ("memory-safe") {
            // _grants[roleId][sender]: keccak(sender . keccak(roleId . _grants.slot))
            mstore(0x00, roleId)
            mstore(0x20, _grants.slot)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, sender)
            grantSlot := keccak256(0x00, 0x40)
            word := sload(grantSlot)
        }
        if ((word >> 128) & 0xff == 0) revert NotWearer(sender, roleId); // worn, bits 128..135
        bytes32 transferTopic = _transferSingleTopic;
        assembly ("memory-safe") {
            // The ended word, as `_endedWord(word, stored bad standing)` computes it, written out here
            // (no call) on this hot path; a fuzz test in RolesStorageLayoutTest holds the two to the same
            // word. Kept: the bad-standing byte (bits 136..143, 0 or 1) and the archive count.
            let ended := and(word, or(shl(136, 0xff), shl(224, 0xffffffff)))
            // A grant that began this second wore nothing: no times. Otherwise its start is kept and its
            // end set: now, or its expiry when that came first.
            if iszero(eq(and(shr(144, word), 0xffffffffff), timestamp())) {
                let end := timestamp()
                let expiry := and(shr(64, word), 0xffffffffffffffff)
                if and(iszero(iszero(expiry)), lt(expiry, end)) { end := expiry }
                ended := or(ended, or(and(word, shl(144, 0xffffffffff)), shl(184, end)))
            }
            sstore(grantSlot, ended)
            // _roles[roleId]: keccak(roleId . _roles.slot); supply (bits 192..223) - 1: a worn grant is
            // counted in supply, so it is at least 1.
            mstore(0x00, roleId)
            mstore(0x20, _roles.slot)
            let roleSlot := keccak256(0x00, 0x40)
            sstore(roleSlot, sub(sload(roleSlot), shl(192, 1)))
            // TransferSingle(operator = sender indexed, from = sender indexed, to = 0 indexed, id, value = 1)
            mstore(0x20, 1)
            log4(0x00, 0x40, transferTopic, sender, sender, 0)
            // Done: nothing is returned, so end here rather than unwind the call's stack.
            stop()
        }
    }

    /// @inheritdoc IRoles
    function transferRole(uint256 roleId, address from, address to) external {
        address sender = _msgSender(4 + 96);
        Role memory role = _roles[roleId];
        if (role.flags & CREATED == 0) revert RoleNotFound(roleId);
        if (!_isAdmin(sender, roleId)) revert NotAdmin(sender, roleId);
        if (role.flags & MUTABLE == 0 && !roleId.isTopRole()) revert RoleImmutable(roleId);
        if (to == address(0)) revert ZeroAddress();
        Grant memory fromGrant = _grants[roleId][from];
        if (!fromGrant.worn) revert NotWearer(from, roleId);
        Grant memory toGrant = _grants[roleId][to];
        if (toGrant.worn) revert AlreadyWearing(to, roleId);
        if (!_isActive(role, roleId)) revert RoleInactive(roleId);
        if (!_isEligible(role, roleId, to, toGrant.badStanding)) revert NotEligible(to, roleId);

        _moveGrant(roleId, from, to, fromGrant, toGrant.badStanding);
        bytes32 transferredTopic = RoleTransferred.selector;
        bytes32 transferTopic = _transferSingleTopic;
        assembly ("memory-safe") {
            // Events from scratch space (0x00..0x3f), the same logs `emit` would write:
            // RoleTransferred(roleId indexed, from indexed, to indexed), no data
            log4(0x00, 0x00, transferredTopic, roleId, from, to)
            // TransferSingle(operator = sender indexed, from indexed, to indexed, id, value = 1)
            mstore(0x00, roleId)
            mstore(0x20, 1)
            log4(0x00, 0x40, transferTopic, sender, from, to)
        }
    }

    /// @inheritdoc IRoles
    function renewRole(uint256 roleId, address wearer, uint64 expiry) external {
        address sender = _msgSender(4 + 96);
        if (_roles[roleId].flags & CREATED == 0) revert RoleNotFound(roleId);
        if (!_isAdmin(sender, roleId)) revert NotAdmin(sender, roleId);
        // Terms are coarse (days, months): a validator's few seconds of timestamp drift do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (expiry != 0 && expiry <= block.timestamp) revert InvalidExpiry(expiry);
        // An unlinked top role with a term would lapse for ever: only its own wearer could renew it.
        if (expiry != 0) _checkNotLockout(roleId);
        Grant storage grant = _grants[roleId][wearer];
        if (!grant.worn) revert NotWearer(wearer, roleId);
        uint64 oldExpiry = grant.expiry;
        // forge-lint: disable-next-line(block-timestamp)
        if (oldExpiry != 0 && oldExpiry <= block.timestamp) _restartExpired(grant, roleId, wearer, oldExpiry);
        grant.expiry = expiry;
        emit RoleRenewed(roleId, wearer, expiry);
    }

    /// @inheritdoc IRoles
    function setWearerStatus(uint256 roleId, address wearer, bool eligible, bool standing) external {
        address sender = _msgSender(4 + 128);
        Role memory role = _roles[roleId];
        if (role.flags & HAS_ELIGIBILITY == 0 || sender != _eligibility[roleId]) {
            revert NotEligibilityModule(sender, roleId);
        }
        Grant storage grant = _grants[roleId][wearer];
        uint256 word = _loadWord(grant);
        bool wasBad = (word >> 136) & 0xff != 0; // badStanding, bits 136..143
        bool badStanding = !standing;
        if ((word >> 128) & 0xff != 0 && (!eligible || badStanding)) {
            _burn(grant, word, roleId, wearer, sender, badStanding ? 1 : 0);
        } else if (wasBad != badStanding) {
            grant.badStanding = badStanding;
        }
        if (wasBad != badStanding) emit WearerStandingChanged(roleId, wearer, standing);
    }

    /// @inheritdoc IRoles
    function setRoleStatus(uint256 roleId, bool active) external {
        address sender = _msgSender(4 + 64);
        Role storage role = _roles[roleId];
        uint256 word;
        assembly ("memory-safe") {
            word := sload(role.slot)
        }
        address toggle = address(uint160(word));
        if ((word >> 240) & CREATED == 0) revert RoleNotFound(roleId);
        if (toggle != address(0) ? sender != toggle : !_isAdmin(sender, roleId)) {
            revert NotToggleModuleOrAdmin(sender, roleId);
        }
        if (!active) _checkNotLockout(roleId);
        bytes32 statusTopic = RoleStatusChanged.selector;
        assembly ("memory-safe") {
            // The ACTIVE flag is bit 241 (flags occupy bits 240..247): clear it, then set it to `active`.
            sstore(role.slot, or(and(word, not(shl(241, 1))), shl(241, active)))
            // RoleStatusChanged(roleId indexed, active), from scratch space as `emit` would write it.
            mstore(0x00, active)
            log2(0x00, 0x20, statusTopic, roleId)
        }
    }

    /*//////////////////////////////////////////////////////////////
                            MUTABLE ROLES
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoles
    /// @dev Also allowed on top roles (as Hats allows for top hats).
    function changeRoleDetails(uint256 roleId, string calldata details) external {
        _checkMutableAdmin(_msgSender(_max(4 + 64, _endOf(details))), roleId, true);
        _details[roleId] = details;
        emit RoleDetailsChanged(roleId, details);
    }

    /// @inheritdoc IRoles
    /// @dev Also allowed on top roles (as Hats allows for top hats).
    function changeRoleImageURI(uint256 roleId, string calldata imageURI) external {
        _checkMutableAdmin(_msgSender(_max(4 + 64, _endOf(imageURI))), roleId, true);
        _imageURI[roleId] = imageURI;
        emit RoleImageURIChanged(roleId, imageURI);
    }

    /// @inheritdoc IRoles
    function changeRoleMaxSupply(uint256 roleId, uint32 maxSupply) external {
        Role storage role = _checkMutableAdmin(_msgSender(4 + 64), roleId, false);
        uint32 supply = role.supply;
        if (maxSupply < supply) revert MaxSupplyBelowSupply(roleId, maxSupply, supply);
        role.maxSupply = maxSupply;
        emit RoleMaxSupplyChanged(roleId, maxSupply);
    }

    /// @inheritdoc IRoles
    function changeRoleEligibility(uint256 roleId, address eligibility) external {
        Role storage role = _checkMutableAdmin(_msgSender(4 + 64), roleId, false);
        if (eligibility == address(0)) {
            role.flags &= ~HAS_ELIGIBILITY;
            delete _eligibility[roleId];
        } else {
            role.flags |= HAS_ELIGIBILITY;
            _eligibility[roleId] = eligibility;
        }
        emit RoleEligibilityChanged(roleId, eligibility);
    }

    /// @inheritdoc IRoles
    function changeRoleToggle(uint256 roleId, address toggle) external {
        Role storage role = _checkMutableAdmin(_msgSender(4 + 64), roleId, false);
        role.toggle = toggle;
        emit RoleToggleChanged(roleId, toggle);
    }

    /// @inheritdoc IRoles
    function changeRoleClaimable(uint256 roleId, bool claimable) external {
        Role storage role = _checkMutableAdmin(_msgSender(4 + 64), roleId, false);
        role.flags = claimable ? role.flags | CLAIMABLE : role.flags & ~CLAIMABLE;
        emit RoleClaimableChanged(roleId, claimable);
    }

    /// @inheritdoc IRoles
    function makeRoleImmutable(uint256 roleId) external {
        Role storage role = _checkMutableAdmin(_msgSender(4 + 32), roleId, false);
        role.flags &= ~MUTABLE;
        emit RoleMadeImmutable(roleId);
    }

    /// @dev Reverts unless the role exists, `sender` is its admin, and it is mutable (or, when
    /// `topRoleToo`, a top role).
    function _checkMutableAdmin(address sender, uint256 roleId, bool topRoleToo)
        internal
        view
        returns (Role storage role)
    {
        role = _roles[roleId];
        uint8 flags = role.flags;
        if (flags & CREATED == 0) revert RoleNotFound(roleId);
        if (!_isAdmin(sender, roleId)) revert NotAdmin(sender, roleId);
        if (flags & MUTABLE == 0 && !(topRoleToo && roleId.isTopRole())) revert RoleImmutable(roleId);
    }

    /// @dev Reverts when `roleId` is the top role of an unlinked tree (a DAO's, or any root tree's): its
    /// wearer is the only authority over the whole tree, so revoking, renouncing, deactivating it or
    /// giving it a term would leave the tree without authority for ever. It can still be transferred.
    function _checkNotLockout(uint256 roleId) internal view {
        if (roleId.isTopRole() && _linkedAdmin[roleId.treeId()] == 0) revert TopRoleLockout(roleId);
    }

    /*//////////////////////////////////////////////////////////////
                          GRANTS (INTERNAL)
    //////////////////////////////////////////////////////////////*/

    function _mint(uint256 roleId, Role memory role, address wearer, uint64 expiry, address by) internal {
        if (wearer == address(0)) revert ZeroAddress();
        // Terms are coarse (days, months): a validator's few seconds of timestamp drift do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (expiry != 0 && expiry <= block.timestamp) revert InvalidExpiry(expiry);
        if (role.supply >= role.maxSupply) revert MaxSupplyReached(roleId, role.maxSupply);
        Grant memory grant = _grants[roleId][wearer];
        if (grant.worn) revert AlreadyWearing(wearer, roleId);
        if (!_isActive(role, roleId)) revert RoleInactive(roleId);
        if (!_isEligible(role, roleId, wearer, grant.badStanding)) revert NotEligible(wearer, roleId);

        Grant storage grantSlot = _grants[roleId][wearer];
        _storeGrant(grantSlot, expiry, grant.badStanding, _archive(grantSlot, roleId, wearer));
        Role storage stored = _roles[roleId];
        assembly ("memory-safe") {
            // supply (bits 192..223) + 1: supply < maxSupply <= type(uint32).max, so no carry.
            sstore(stored.slot, add(sload(stored.slot), shl(192, 1)))
        }
        _emitMinted(roleId, wearer, by, expiry);
    }

    /// @dev Emits RoleMinted and the ERC-1155 mint, written from scratch space (0x00..0x3f): the same
    /// logs `emit` would write, without its memory allocation and ABI encoder.
    function _emitMinted(uint256 roleId, address wearer, address by, uint64 expiry) private {
        bytes32 mintedTopic = RoleMinted.selector;
        bytes32 transferTopic = _transferSingleTopic;
        assembly ("memory-safe") {
            // RoleMinted(roleId indexed, wearer indexed, by indexed, expiry)
            mstore(0x00, expiry)
            log4(0x00, 0x20, mintedTopic, roleId, wearer, by)
            // TransferSingle(operator = by indexed, from = 0 indexed, to = wearer indexed, id, value = 1)
            mstore(0x00, roleId)
            mstore(0x20, 1)
            log4(0x00, 0x40, transferTopic, by, 0, wearer)
        }
    }

    /// @dev Writes a worn grant beginning at this block and second in one SSTORE (the layout drawn
    /// above); `kept` is the archive count, already in place (bits 224..255).
    function _storeGrant(Grant storage grant, uint64 expiry, bool badStanding, uint256 kept) private {
        uint256 since = block.number;
        assembly ("memory-safe") {
            sstore(
                grant.slot,
                or(
                    or(or(since, shl(64, expiry)), or(shl(128, 1), shl(136, badStanding))),
                    or(shl(144, timestamp()), kept)
                )
            )
        }
    }

    /// @dev transferRole's writes: `from`'s grant ends (its bad-standing byte, start time and archive
    /// count kept, the end recorded); `to`'s begins with `from`'s expiry.
    function _moveGrant(uint256 roleId, address from, address to, Grant memory fromGrant, bool toBadStanding) private {
        Grant storage fromSlot = _grants[roleId][from];
        uint256 ended = _endedWord(_loadWord(fromSlot), fromGrant.badStanding);
        assembly ("memory-safe") {
            sstore(fromSlot.slot, ended)
        }
        Grant storage toSlot = _grants[roleId][to];
        _storeGrant(toSlot, fromGrant.expiry, toBadStanding, _archive(toSlot, roleId, to));
    }

    /// @dev Before a new grant to `wearer` (not worn now): archives the last grant's interval, if any,
    /// and returns the archive count in place (bits 224..255) for the new grant's word.
    function _archive(Grant storage grant, uint256 roleId, address wearer) private returns (uint256 kept) {
        uint256 word;
        assembly ("memory-safe") {
            word := sload(grant.slot)
        }
        kept = word >> 224;
        uint256 start = (word >> 144) & type(uint40).max;
        if (start != 0) {
            _pastGrants[roleId][wearer][kept] = start | (((word >> 184) & type(uint40).max) << 40);
            ++kept;
        }
        kept <<= 224;
    }

    /// @dev Renewal of a grant whose term had passed: archives [start, old expiry] and starts a new
    /// interval now (the wearer did not wear the role between the expiry and the renewal).
    function _restartExpired(Grant storage grant, uint256 roleId, address wearer, uint64 oldExpiry) private {
        uint256 word;
        assembly ("memory-safe") {
            word := sload(grant.slot)
        }
        uint256 count = word >> 224;
        _pastGrants[roleId][wearer][count] = ((word >> 144) & type(uint40).max) | (uint256(oldExpiry) << 40);
        uint256 keep = word & ((uint256(1) << 144) - 1); // since, expiry, worn, badStanding
        assembly ("memory-safe") {
            sstore(grant.slot, or(or(keep, shl(144, timestamp())), shl(224, add(count, 1))))
        }
    }

    /// @dev The word of a grant that ends now: the bad-standing byte (0 or 1), the start time and the
    /// archive count kept, the end time set (its expiry if that came first); no times for a grant that
    /// began this second (it covers no time).
    function _endedWord(uint256 word, bool badStanding) private view returns (uint256 ended) {
        assembly ("memory-safe") {
            let expiry := and(shr(64, word), 0xffffffffffffffff)
            let end := timestamp()
            if and(iszero(iszero(expiry)), lt(expiry, end)) { end := expiry }
            ended := or(shl(136, badStanding), and(word, shl(224, 0xffffffff)))
            // A grant that began this second wore nothing: the slot keeps no times (a grant minted and
            // moved in one transaction, as createDao does, costs what it did before times were kept).
            if iszero(eq(and(shr(144, word), 0xffffffffff), timestamp())) {
                ended := or(
                    or(shl(136, badStanding), and(word, shl(144, 0xffffffffff))),
                    or(shl(184, end), and(word, shl(224, 0xffffffff)))
                )
            }
        }
    }

    /// @dev Ends a worn grant (`word`, its stored word) taken by `by` (an admin or the eligibility module),
    /// keeping (or setting) the stored bad standing (`badStanding` is 0 or 1), and emits RoleRevoked
    /// and the ERC-1155 burn. (A renounce writes the same words and logs only the burn: renounceRole.)
    function _burn(Grant storage grant, uint256 word, uint256 roleId, address wearer, address by, uint256 badStanding)
        internal
    {
        Role storage role = _roles[roleId];
        bytes32 revokedTopic = RoleRevoked.selector;
        bytes32 transferTopic = _transferSingleTopic;
        uint256 ended = _endedWord(word, badStanding != 0);
        assembly ("memory-safe") {
            // Keep the bad-standing byte, start time and archive count; record the end (layout above).
            sstore(grant.slot, ended)
            // supply (bits 192..223) - 1: a worn grant is counted in supply, so it is at least 1.
            sstore(role.slot, sub(sload(role.slot), shl(192, 1)))
            // Events written straight from scratch space (0x00..0x3f), the same logs `emit` would write:
            // RoleRevoked(roleId indexed, wearer indexed, by indexed, renounced = false)
            mstore(0x00, 0)
            log4(0x00, 0x20, revokedTopic, roleId, wearer, by)
            // TransferSingle(operator = by indexed, from = wearer indexed, to = 0 indexed, id, value = 1)
            mstore(0x00, roleId)
            mstore(0x20, 1)
            log4(0x00, 0x40, transferTopic, by, wearer, 0)
        }
    }

    /*//////////////////////////////////////////////////////////////
                           AUTHORITY (INTERNAL)
    //////////////////////////////////////////////////////////////*/

    /// @dev True when `account` holds `roleId` now (see isWearerOfHat).
    function _isWearer(address account, uint256 roleId) internal view returns (bool) {
        // Raw words rather than memory structs: this runs for every ancestor in every admin check.
        Grant storage grantSlot = _grants[roleId][account];
        Role storage roleSlot = _roles[roleId];
        uint256 grant;
        assembly ("memory-safe") {
            grant := sload(grantSlot.slot)
        }
        if ((grant >> 128) & 0xff == 0) return false; // not worn
        uint256 expiry = (grant >> 64) & type(uint64).max;
        // Terms are coarse (days, months): a validator's few seconds of timestamp drift do not matter.
        // forge-lint: disable-next-line(block-timestamp)
        if (expiry != 0 && expiry <= block.timestamp) return false;
        uint256 role;
        assembly ("memory-safe") {
            role := sload(roleSlot.slot)
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        uint8 flags = uint8(role >> 240);
        return _activeOf(address(uint160(role)), flags, roleId)
            && _eligibleOf(flags, roleId, account, (grant >> 136) & 0xff != 0);
    }

    /// @dev Admin of a role = wearer of any ancestor in its tree (a top role: its own wearer), then,
    /// up the chain of links, the wearer of each role a tree is linked under or of any of its
    /// ancestors. Every chain holds at most MAX_LINK_DEPTH trees (see relinkTree), so the walk always
    /// reaches the root; were it ever to run out, it reverts rather than answer a silent false.
    function _isAdmin(address account, uint256 roleId) internal view returns (bool) {
        uint256 level = roleId.localLevel();
        // A top role is administered by its wearer; a lower role by the wearers of its ancestors.
        if (level == 0) {
            if (_isWearer(account, roleId)) return true;
        } else {
            if (_wearsAncestor(account, roleId, level - 1)) return true;
        }
        uint32 tree = roleId.treeId();
        for (uint256 hops; hops < MAX_LINK_DEPTH; ++hops) {
            uint256 link = _linkedAdmin[tree];
            if (link == 0) return false;
            if (_wearsAncestor(account, link, link.localLevel())) return true;
            tree = link.treeId();
        }
        revert LinkTooDeep(tree, _linkedAdmin[tree]);
    }

    /// @dev True when `account` wears the ancestor of `roleId` at any local level from `fromLevel`
    /// down to 0, nearest first.
    function _wearsAncestor(address account, uint256 roleId, uint256 fromLevel) internal view returns (bool) {
        for (uint256 l = fromLevel + 1; l != 0;) {
            unchecked {
                --l;
            }
            if (_isWearer(account, roleId.adminAtLocalLevel(l))) return true;
        }
        return false;
    }

    /// @dev The toggle module's live answer, else the stored status.
    function _isActive(Role memory role, uint256 roleId) internal view returns (bool) {
        return _activeOf(role.toggle, role.flags, roleId);
    }

    function _activeOf(address toggle, uint8 flags, uint256 roleId) internal view returns (bool) {
        if (toggle != address(0)) {
            (bool ok, bool active) = _readToggle(toggle, roleId);
            if (ok) return active;
        }
        return flags & ACTIVE != 0;
    }

    /// @dev Eligible and in good standing: the eligibility module's live answer, else the stored
    /// standing.
    function _isEligible(Role memory role, uint256 roleId, address account, bool storedBadStanding)
        internal
        view
        returns (bool)
    {
        return _eligibleOf(role.flags, roleId, account, storedBadStanding);
    }

    function _eligibleOf(uint8 flags, uint256 roleId, address account, bool storedBadStanding)
        internal
        view
        returns (bool)
    {
        if (flags & HAS_ELIGIBILITY != 0) {
            (bool ok, bool eligible, bool standing) = _readEligibility(_eligibility[roleId], account, roleId);
            if (ok) return eligible && standing;
        }
        return !storedBadStanding;
    }

    /// @dev `IRoleEligibility.getWearerStatus` with a fixed gas allowance. `ok` is false unless the
    /// call succeeded and returned at least two words that are each exactly 0 or 1; a module without
    /// code returns nothing and so is never `ok`.
    function _readEligibility(address module, address account, uint256 roleId)
        internal
        view
        returns (bool ok, bool eligible, bool standing)
    {
        if (gasleft() < MODULE_GAS_NEEDED) revert InsufficientGasForModule(module);
        bytes4 selector = IRoleEligibility.getWearerStatus.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), account)
            mstore(add(m, 0x24), roleId)
            // Yul evaluates arguments right to left: make the call before reading returndatasize.
            let success := staticcall(MODULE_GAS, module, m, 0x44, m, 0x40)
            if and(success, gt(returndatasize(), 0x3f)) {
                let e := mload(m)
                let s := mload(add(m, 0x20))
                if lt(or(e, s), 2) {
                    ok := 1
                    eligible := e
                    standing := s
                }
            }
        }
    }

    /// @dev `IRoleToggle.getHatStatus` with a fixed gas allowance; `ok` as in `_readEligibility`.
    function _readToggle(address module, uint256 roleId) internal view returns (bool ok, bool active) {
        if (gasleft() < MODULE_GAS_NEEDED) revert InsufficientGasForModule(module);
        bytes4 selector = IRoleToggle.getHatStatus.selector;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, selector)
            mstore(add(m, 0x04), roleId)
            let success := staticcall(MODULE_GAS, module, m, 0x24, m, 0x20)
            if and(success, gt(returndatasize(), 0x1f)) {
                let a := mload(m)
                if lt(a, 2) {
                    ok := 1
                    active := a
                }
            }
        }
    }

    /*//////////////////////////////////////////////////////////////
                          ERC-2771 (INTERNAL)
    //////////////////////////////////////////////////////////////*/

    /// @dev The acting account. A call from the trusted forwarder whose calldata extends at least 20
    /// bytes past `needed` (the end of the function's ABI-encoded arguments: its head, and the end of
    /// each string or array) acts for the account in its last 20 bytes; any other call acts for
    /// msg.sender. Measuring from the end of the arguments means that bytes the forwarder passes
    /// through (a user's strings) can never be read as a sender, and a forwarder call with nothing
    /// appended acts for the forwarder itself.
    function _msgSender(uint256 needed) internal view returns (address sender) {
        sender = msg.sender;
        if (sender == trustedForwarder && msg.data.length >= needed + 20) {
            assembly ("memory-safe") {
                sender := shr(96, calldataload(sub(calldatasize(), 20)))
            }
        }
    }

    /// @dev Where a calldata string's data ends, padded to a word.
    function _endOf(string calldata s) internal pure returns (uint256 end) {
        assembly ("memory-safe") {
            end := add(s.offset, and(add(s.length, 31), not(31)))
        }
    }

    /// @dev Where a calldata array of one-word elements ends.
    function _endOfWords(uint256[] calldata a) internal pure returns (uint256 end) {
        assembly ("memory-safe") {
            end := add(a.offset, shl(5, a.length))
        }
    }

    function _endOfWords(address[] calldata a) internal pure returns (uint256 end) {
        assembly ("memory-safe") {
            end := add(a.offset, shl(5, a.length))
        }
    }

    function _endOfWords(uint64[] calldata a) internal pure returns (uint256 end) {
        assembly ("memory-safe") {
            end := add(a.offset, shl(5, a.length))
        }
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a : b;
    }

    /*//////////////////////////////////////////////////////////////
                                 READS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc IRoles
    function isWearerOfHat(address account, uint256 roleId) external view returns (bool) {
        return _isWearer(account, roleId);
    }

    /// @inheritdoc IRoles
    function isAdminOfHat(address account, uint256 roleId) external view returns (bool) {
        return _isAdmin(account, roleId);
    }

    /// @inheritdoc IRoles
    function isEligible(address account, uint256 roleId) external view returns (bool) {
        return _isEligible(_roles[roleId], roleId, account, _grants[roleId][account].badStanding);
    }

    /// @inheritdoc IRoles
    function isInGoodStanding(address account, uint256 roleId) external view returns (bool) {
        if (_roles[roleId].flags & HAS_ELIGIBILITY != 0) {
            (bool ok,, bool standing) = _readEligibility(_eligibility[roleId], account, roleId);
            if (ok) return standing;
        }
        return !_grants[roleId][account].badStanding;
    }

    /// @inheritdoc IRoles
    function badStandings(uint256 roleId, address wearer) external view returns (bool) {
        return _grants[roleId][wearer].badStanding;
    }

    /// @inheritdoc IRoles
    function isActive(uint256 roleId) external view returns (bool) {
        return _isActive(_roles[roleId], roleId);
    }

    /// @inheritdoc IRoles
    function isTopHat(uint256 roleId) external pure returns (bool) {
        return roleId.isTopRole();
    }

    /// @inheritdoc IRoles
    function isLocalTopHat(uint256 roleId) external view returns (bool) {
        return roleId.isTopRole() && _linkedAdmin[roleId.treeId()] == 0;
    }

    /// @inheritdoc IRoles
    function isValidHatId(uint256 roleId) external pure returns (bool) {
        return roleId.isValid();
    }

    /// @inheritdoc IRoles
    /// @dev The level in the whole linked structure: the local level plus, for each link above the
    /// tree, the linked-under role's local level + 1.
    function getHatLevel(uint256 roleId) external view returns (uint32) {
        return uint32(roleId.localLevel() + _treeBaseLevel(roleId.treeId()));
    }

    /// @inheritdoc IRoles
    function getLocalHatLevel(uint256 roleId) external pure returns (uint32) {
        return uint32(roleId.localLevel());
    }

    /// @inheritdoc IRoles
    function getTopHatDomain(uint256 roleId) external pure returns (uint32) {
        return roleId.treeId();
    }

    /// @inheritdoc IRoles
    function getTippyTopHatDomain(uint32 treeId) external view returns (uint32) {
        return _domainOf(treeId);
    }

    /// @inheritdoc IRoles
    /// @dev `level` counts across links as getHatLevel does.
    function getAdminAtLevel(uint256 roleId, uint32 level) external view returns (uint256) {
        for (uint256 hops; hops <= MAX_LINK_DEPTH; ++hops) {
            uint32 tree = roleId.treeId();
            uint256 base = _treeBaseLevel(tree);
            if (level >= base) return roleId.adminAtLocalLevel(level - base);
            roleId = _linkedAdmin[tree];
        }
        revert LinkTooDeep(roleId.treeId(), roleId);
    }

    /// @inheritdoc IRoles
    function getAdminAtLocalLevel(uint256 roleId, uint32 level) external pure returns (uint256) {
        return roleId.adminAtLocalLevel(level);
    }

    /// @inheritdoc IRoles
    function getNextId(uint256 adminId) external view returns (uint256) {
        return adminId.child(_roles[adminId].lastChildIndex + 1);
    }

    /// @inheritdoc IRoles
    function buildHatId(uint256 adminId, uint16 newHat) external pure returns (uint256) {
        return adminId.child(newHat);
    }

    /// @inheritdoc IRoles
    function getHatEligibilityModule(uint256 roleId) external view returns (address) {
        return _eligibility[roleId];
    }

    /// @inheritdoc IRoles
    function getHatToggleModule(uint256 roleId) external view returns (address) {
        return _roles[roleId].toggle;
    }

    /// @inheritdoc IRoles
    function getHatMaxSupply(uint256 roleId) external view returns (uint32) {
        return _roles[roleId].maxSupply;
    }

    /// @inheritdoc IRoles
    function hatSupply(uint256 roleId) external view returns (uint32) {
        return _roles[roleId].supply;
    }

    /// @inheritdoc IRoles
    function getImageURIForHat(uint256 roleId) external view returns (string memory) {
        return _imageURI[roleId];
    }

    /// @inheritdoc IRoles
    function linkedTreeAdmins(uint32 treeId) external view returns (uint256) {
        return _linkedAdmin[treeId];
    }

    /// @inheritdoc IRoles
    function isRegistryManaged(uint32 treeId) external view returns (bool) {
        return _roles[RoleId.topRole(treeId)].flags & REGISTRY_MANAGED != 0;
    }

    /// @inheritdoc IRoles
    function linkHeightOf(uint32 treeId) external view returns (uint8) {
        return _roles[RoleId.topRole(treeId)].linkHeight;
    }

    /// @inheritdoc IRoles
    function viewRole(uint256 roleId) external view returns (RoleView memory) {
        return _viewRole(roleId);
    }

    function _viewRole(uint256 roleId) internal view returns (RoleView memory view_) {
        Role memory role = _roles[roleId];
        view_ = RoleView({
            details: _details[roleId],
            imageURI: _imageURI[roleId],
            maxSupply: role.maxSupply,
            supply: role.supply,
            eligibility: _eligibility[roleId],
            toggle: role.toggle,
            mutable_: role.flags & MUTABLE != 0,
            claimable: role.flags & CLAIMABLE != 0,
            active: _isActive(role, roleId),
            lastChildIndex: role.lastChildIndex
        });
    }

    /// @inheritdoc IRoles
    function viewHat(uint256 roleId)
        external
        view
        returns (
            string memory details,
            uint32 maxSupply,
            uint32 supply,
            address eligibility,
            address toggle,
            string memory imageURI,
            uint16 lastHatId,
            bool mutable_,
            bool active
        )
    {
        RoleView memory v = _viewRole(roleId);
        details = v.details;
        imageURI = v.imageURI;
        (maxSupply, supply, eligibility, toggle) = (v.maxSupply, v.supply, v.eligibility, v.toggle);
        (lastHatId, mutable_, active) = (v.lastChildIndex, v.mutable_, v.active);
    }

    /// @inheritdoc IRoles
    function wearerSince(uint256 roleId, address wearer) external view returns (uint64) {
        return _grants[roleId][wearer].since;
    }

    /// @inheritdoc IRoles
    function wearerExpiry(uint256 roleId, address wearer) external view returns (uint64) {
        return _grants[roleId][wearer].expiry;
    }

    /// @inheritdoc IRoles
    function grantTimes(uint256 roleId, address wearer)
        external
        view
        returns (uint40 start, uint40 end, uint64 expiry, uint32 pastCount, bool worn, bool wearing)
    {
        uint256 word = _loadWord(_grants[roleId][wearer]);
        start = uint40(word >> 144);
        end = uint40(word >> 184);
        expiry = uint64(word >> 64);
        pastCount = uint32(word >> 224);
        worn = (word >> 128) & 0xff != 0;
        wearing = worn && _isWearer(wearer, roleId);
    }

    /// @inheritdoc IRoles
    function pastGrant(uint256 roleId, address wearer, uint256 index) external view returns (uint40 start, uint40 end) {
        uint256 word = _pastGrants[roleId][wearer][index];
        start = uint40(word);
        end = uint40(word >> 40);
    }

    function _loadWord(Grant storage grant) private view returns (uint256 word) {
        assembly ("memory-safe") {
            word := sload(grant.slot)
        }
    }

    /// @dev The global level of tree `tree`'s top role: for each link above it, the linked-under
    /// role's local level + 1. Reverts, like every walk up a chain, should the chain ever be too long.
    function _treeBaseLevel(uint32 tree) internal view returns (uint256 base) {
        for (uint256 hops; hops < MAX_LINK_DEPTH; ++hops) {
            uint256 link = _linkedAdmin[tree];
            if (link == 0) return base;
            base += link.localLevel() + 1;
            tree = link.treeId();
        }
        revert LinkTooDeep(tree, _linkedAdmin[tree]);
    }

    /*//////////////////////////////////////////////////////////////
                                ERC-1155
    //////////////////////////////////////////////////////////////*/

    /// @notice 1 while `account` wears `id` (granted, unexpired, active, eligible, good standing), else 0.
    function balanceOf(address account, uint256 id) external view returns (uint256) {
        return _isWearer(account, id) ? 1 : 0;
    }

    function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids)
        external
        view
        returns (uint256[] memory balances)
    {
        if (accounts.length != ids.length) revert ArrayLengthMismatch();
        balances = new uint256[](accounts.length);
        for (uint256 i; i < accounts.length; ++i) {
            balances[i] = _isWearer(accounts[i], ids[i]) ? 1 : 0;
        }
    }

    /// @notice The role's details URI.
    function uri(uint256 id) external view returns (string memory) {
        return _details[id];
    }

    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IERC165).interfaceId || interfaceId == type(IERC1155).interfaceId
            || interfaceId == type(IERC1155MetadataURI).interfaceId;
    }

    /// @notice Roles cannot be approved for others.
    function setApprovalForAll(address, bool) external pure {
        revert NonTransferable();
    }

    function isApprovedForAll(address, address) external pure returns (bool) {
        return false;
    }

    /// @notice Roles move only by their admins (`transferRole`).
    function safeTransferFrom(address, address, uint256, uint256, bytes calldata) external pure {
        revert NonTransferable();
    }

    function safeBatchTransferFrom(address, address, uint256[] calldata, uint256[] calldata, bytes calldata)
        external
        pure
    {
        revert NonTransferable();
    }
}
