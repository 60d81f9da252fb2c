// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IRoles
/// @notice Hats-style, non-transferable ERC-1155 role tokens arranged in trees. Authority everywhere
/// in dao-primitives is "wears a role that is admin of the thing touched".
///
/// Role ids (uint256), read left to right:
///   [ 32-bit tree id ][ level 1: 16 bits ][ level 2: 16 bits ] ... [ level 14: 16 bits ]
/// A top role has only its tree id set. A role at level n has levels 1..n non-zero and all levels
/// after n zero; an id with an empty level followed by a used one is invalid.
///
/// Admin of a role = a wearer of any ancestor role in its tree; for a top role, its own wearer.
/// A tree may be linked under a role of another tree (one tree per cell, linked under the parent
/// cell's admin role): the admins of a linked tree's top role are then also every admin (and wearer)
/// of the role it is linked to, up the chain of links (bounded, never cyclic).
///
/// Calls from `trustedForwarder` (the cell registry) act for the account in the last 20 bytes of
/// calldata (ERC-2771), so the registry can build a cell's roles in one transaction with exactly
/// the authority of the account that called it.
interface IRoles {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice A role's definition as returned by `viewRole`.
    struct RoleView {
        string details;
        string imageURI;
        uint32 maxSupply;
        uint32 supply;
        address eligibility;
        address toggle;
        bool mutable_;
        bool claimable;
        bool active;
        uint16 lastChildIndex;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error NotAdmin(address account, uint256 roleId);
    error NotWearer(address account, uint256 roleId);
    error AlreadyWearing(address account, uint256 roleId);
    error InvalidRoleId(uint256 roleId);
    error RoleNotFound(uint256 roleId);
    error MaxLevelReached(uint256 adminId);
    error MaxChildrenReached(uint256 adminId);
    error MaxSupplyReached(uint256 roleId, uint32 maxSupply);
    error MaxSupplyBelowSupply(uint256 roleId, uint32 newMaxSupply, uint32 supply);
    error RoleImmutable(uint256 roleId);
    error RoleInactive(uint256 roleId);
    error NotEligible(address account, uint256 roleId);
    error NotClaimable(uint256 roleId);
    error NotEligibilityModule(address account, uint256 roleId);
    error NotToggleModuleOrAdmin(address account, uint256 roleId);
    error InvalidExpiry(uint64 expiry);
    error ZeroAddress();
    error ArrayLengthMismatch();
    error NonTransferable();
    error NotTopRole(uint256 roleId);
    error TreeNotFound(uint32 treeId);
    error CircularLink(uint32 treeId, uint256 adminRole);
    error LinkTooDeep(uint32 treeId, uint256 adminRole);
    /// @dev `treeId` is a cell's tree (created by the registry): only the registry relinks it (moveCell).
    error TreeManagedByRegistry(uint32 treeId, address account);
    /// @dev Unlinking linked tree `treeId`, or moving it out of its domain (the root tree `domain` at the
    /// top of its chain), needs the wearer of `domain`'s top role.
    error NotDomainTop(address account, uint32 treeId, uint32 domain);
    /// @dev Revoking, renouncing, deactivating or giving a term to the top role of an unlinked tree would
    /// leave that tree (a whole DAO) without authority for ever.
    error TopRoleLockout(uint256 roleId);
    /// @dev A module read was given less than its fixed gas allowance; retry with more gas. Without
    /// this, a caller could starve a module so that the read falls back to stored state.
    error InsufficientGasForModule(address module);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    event RoleCreated(
        uint256 indexed roleId,
        uint256 indexed adminId,
        string details,
        uint32 maxSupply,
        address eligibility,
        address toggle,
        bool mutable_,
        bool claimable,
        string imageURI
    );
    /// @dev `expiry` 0 means the grant has no term. Emitted with ERC-1155 TransferSingle.
    event RoleMinted(uint256 indexed roleId, address indexed wearer, address indexed by, uint64 expiry);
    /// @dev A grant taken away: `by` is the admin or the eligibility module (`revokeRole`, `setWearerStatus`).
    /// Emitted just before the ERC-1155 burn (TransferSingle to the zero address). A renounce does not
    /// emit it (see `renounceRole`): a burn with no RoleRevoked just before it is a renounce. `renounced`
    /// is always false now; it is true only in logs of Roles versions that still emitted RoleRevoked for
    /// a renounce (by = the wearer, before its burn).
    event RoleRevoked(uint256 indexed roleId, address indexed wearer, address indexed by, bool renounced);
    event RoleTransferred(uint256 indexed roleId, address indexed from, address indexed to);
    event RoleRenewed(uint256 indexed roleId, address indexed wearer, uint64 expiry);
    event RoleStatusChanged(uint256 indexed roleId, bool active);
    event RoleDetailsChanged(uint256 indexed roleId, string details);
    event RoleImageURIChanged(uint256 indexed roleId, string imageURI);
    event RoleMaxSupplyChanged(uint256 indexed roleId, uint32 maxSupply);
    event RoleEligibilityChanged(uint256 indexed roleId, address eligibility);
    event RoleToggleChanged(uint256 indexed roleId, address toggle);
    event RoleClaimableChanged(uint256 indexed roleId, bool claimable);
    event RoleMadeImmutable(uint256 indexed roleId);
    /// @dev `adminRole` 0 means unlinked (the tree is a root again).
    event TreeLinked(uint32 indexed treeId, uint256 indexed adminRole);
    /// @dev The standing an eligibility module pushed with `setWearerStatus` (Hats' WearerStandingChanged).
    event WearerStandingChanged(uint256 indexed roleId, address indexed wearer, bool standing);

    /*//////////////////////////////////////////////////////////////
                                 WRITES
    //////////////////////////////////////////////////////////////*/

    /// @notice Creates a new tree and mints its top role to `to`. Anyone may create a tree.
    function mintTopRole(address to, string calldata details, string calldata imageURI)
        external
        returns (uint256 topRoleId);

    /// @notice Creates a new tree linked under `adminRole` and mints its top role to `to`.
    /// The caller must be an admin or a wearer of `adminRole`.
    function createLinkedTree(uint256 adminRole, address to, string calldata details, string calldata imageURI)
        external
        returns (uint256 topRoleId);

    /// @notice Moves tree `treeId` under `newAdminRole` (0: unlink).
    /// - A registry-managed tree (a cell's) is relinked only by the registry (CellRegistry.moveCell):
    ///   anyone else, whatever roles they wear, gets TreeManagedByRegistry.
    /// - A root tree is linked by the wearer of its top role.
    /// - A linked tree is moved only by the authority above it (an admin or a wearer of the role it is
    ///   linked under; its own top-role wearer cannot take it out of its parent's control), and only
    ///   inside its domain (the root tree at the top of its chain): unlinking it or moving it to another
    ///   domain needs the wearer of the domain's top role (NotDomainTop), as in Hats.
    /// - The caller must be an admin or a wearer of `newAdminRole`.
    /// - No cycles, and a chain never holds more than MAX_LINK_DEPTH trees, counting the links already
    ///   below the moved tree (`linkHeightOf`).
    function relinkTree(uint32 treeId, uint256 newAdminRole) external;

    /// @notice Creates the next child of `adminId`. The caller must be an admin or a wearer of `adminId`.
    function createRole(
        uint256 adminId,
        string calldata details,
        uint32 maxSupply,
        address eligibility,
        address toggle,
        bool mutable_,
        bool claimable,
        string calldata imageURI
    ) external returns (uint256 roleId);

    /// @notice Mints `roleId` to `wearer` with term `expiry` (unix seconds, 0 = none). Admins only.
    /// The role must be active and `wearer` eligible. An expired grant stays stored (and counted in
    /// the supply) until an admin renews or revokes it.
    function mintRole(uint256 roleId, address wearer, uint64 expiry) external;

    function batchMintRoles(uint256[] calldata roleIds, address[] calldata wearers, uint64[] calldata expiries) external;

    /// @notice The caller takes a claimable role it is eligible for and in good standing for.
    function claimRole(uint256 roleId) external;

    /// @notice Takes `roleId` from `wearer`. Admins or the role's eligibility module only. Never the top
    /// role of an unlinked tree (TopRoleLockout).
    function revokeRole(uint256 roleId, address wearer) external;

    /// @notice The caller gives up `roleId`. Never the top role of an unlinked tree (TopRoleLockout):
    /// transfer it instead. Logs only the ERC-1155 burn, TransferSingle(operator = from = the caller,
    /// to = 0, id = roleId, value = 1), as Hats' renounceHat does: no RoleRevoked, which every other
    /// burn is logged with, so a burn without one is a renounce by its holder.
    function renounceRole(uint256 roleId) external;

    /// @notice Moves a grant between accounts. Admins only; mutable roles and top roles only.
    function transferRole(uint256 roleId, address from, address to) external;

    /// @notice Sets a new term for a grant. Admins only. An unlinked tree's top role takes no term
    /// (TopRoleLockout).
    function renewRole(uint256 roleId, address wearer, uint64 expiry) external;

    /// @notice The role's eligibility module pushes a wearer's status (Hats' setHatWearerStatus): the
    /// standing is stored (used whenever the module cannot be read live) and the grant is revoked when
    /// `eligible` is false or `standing` is bad. Eligibility module only.
    function setWearerStatus(uint256 roleId, address wearer, bool eligible, bool standing) external;

    /// @notice Activates or deactivates. The toggle module, or an admin when the role has none. The top
    /// role of an unlinked tree is never deactivated (TopRoleLockout).
    function setRoleStatus(uint256 roleId, bool active) external;

    // Mutable roles only, admins only.
    function changeRoleDetails(uint256 roleId, string calldata details) external;
    function changeRoleImageURI(uint256 roleId, string calldata imageURI) external;
    function changeRoleMaxSupply(uint256 roleId, uint32 maxSupply) external;
    function changeRoleEligibility(uint256 roleId, address eligibility) external;
    function changeRoleToggle(uint256 roleId, address toggle) external;
    function changeRoleClaimable(uint256 roleId, bool claimable) external;
    function makeRoleImmutable(uint256 roleId) external;

    /*//////////////////////////////////////////////////////////////
                          READS (Hats-compatible names)
    //////////////////////////////////////////////////////////////*/

    /// @notice True when `account` holds the role now: granted, not expired, role active, and eligible
    /// and in good standing per the live eligibility module (stored state when the module misbehaves).
    function isWearerOfHat(address account, uint256 roleId) external view returns (bool);
    function isAdminOfHat(address account, uint256 roleId) external view returns (bool);
    function isEligible(address account, uint256 roleId) external view returns (bool);
    function isInGoodStanding(address account, uint256 roleId) external view returns (bool);
    function isActive(uint256 roleId) external view returns (bool);
    function isTopHat(uint256 roleId) external pure returns (bool);
    function isValidHatId(uint256 roleId) external pure returns (bool);
    function getHatLevel(uint256 roleId) external view returns (uint32);
    function getLocalHatLevel(uint256 roleId) external pure returns (uint32);
    function getTopHatDomain(uint256 roleId) external pure returns (uint32);
    function getAdminAtLevel(uint256 roleId, uint32 level) external view returns (uint256);
    function getAdminAtLocalLevel(uint256 roleId, uint32 level) external pure returns (uint256);
    function getNextId(uint256 adminId) external view returns (uint256);
    function buildHatId(uint256 adminId, uint16 newHat) external pure returns (uint256);
    function getHatEligibilityModule(uint256 roleId) external view returns (address);
    function getHatToggleModule(uint256 roleId) external view returns (address);
    function getHatMaxSupply(uint256 roleId) external view returns (uint32);
    function hatSupply(uint256 roleId) external view returns (uint32);
    function linkedTreeAdmins(uint32 treeId) external view returns (uint256);
    /// @notice True for a tree the registry created (a cell's): only the registry relinks it.
    function isRegistryManaged(uint32 treeId) external view returns (bool);
    /// @notice An upper bound on the links below tree `treeId` (0: none ever linked under it). It is
    /// raised on every link below and never lowered.
    function linkHeightOf(uint32 treeId) external view returns (uint8);
    function lastTopHatId() external view returns (uint32);
    /// @notice True for a top role whose tree is not linked under another tree.
    function isLocalTopHat(uint256 roleId) external view returns (bool);
    /// @notice The tree at the root of `treeId`'s chain of links.
    function getTippyTopHatDomain(uint32 treeId) external view returns (uint32);
    /// @notice True when `wearer` has a stored bad standing for `roleId`.
    function badStandings(uint256 roleId, address wearer) external view returns (bool);
    function getImageURIForHat(uint256 roleId) external view returns (string memory);
    /// @notice Hats v1's `viewHat` tuple.
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
        );

    /// @notice The role's definition.
    function viewRole(uint256 roleId) external view returns (RoleView memory);

    /// @notice Block number at which `wearer`'s current grant of `roleId` began; 0 if none stored.
    /// The governor counts only wearers whose grant began before a proposal's snapshot.
    function wearerSince(uint256 roleId, address wearer) external view returns (uint64);

    /// @notice Expiry of `wearer`'s current grant (0 = no term).
    function wearerExpiry(uint256 roleId, address wearer) external view returns (uint64);

    /// @notice The times of `wearer`'s grant of `roleId`, for payment streams (unix seconds).
    /// `start`: when the current grant began, or the last grant if none is worn (0: never granted).
    /// `end`: when the last grant ended (revoke, renounce, transfer away, or its expiry if that came
    /// first); 0 while a grant is worn. `expiry`: the worn grant's term (0 = none; 0 once ended).
    /// `pastCount`: how many earlier grants were archived (see `pastGrant`). `wearing`: `isWearerOfHat`
    /// now (the live answer: unexpired, active, eligible, good standing).
    function grantTimes(uint256 roleId, address wearer)
        external
        view
        returns (uint40 start, uint40 end, uint64 expiry, uint32 pastCount, bool worn, bool wearing);

    /// @notice An archived earlier grant of `roleId` to `wearer` (index < `pastCount`): its start and
    /// end (unix seconds). A grant is archived when the same wearer is granted the role again, or when an
    /// expired grant is renewed (the expired interval, then a new one from the renewal).
    function pastGrant(uint256 roleId, address wearer, uint256 index) external view returns (uint40 start, uint40 end);

    /// @notice The ERC-2771 forwarder (the cell registry) whose calls act for the appended account.
    function trustedForwarder() external view returns (address);
}

/// @notice What a role's eligibility module answers (Hats' IHatsEligibility).
interface IRoleEligibility {
    function getWearerStatus(address wearer, uint256 roleId) external view returns (bool eligible, bool standing);
}

/// @notice What a role's toggle module answers (Hats' IHatsToggle).
interface IRoleToggle {
    function getHatStatus(uint256 roleId) external view returns (bool active);
}
