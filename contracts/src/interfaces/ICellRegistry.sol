// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IRoles} from "./IRoles.sol";

/// @title ICellRegistry
/// @notice The tree of cells. A cell's id IS its admin role id: the top role of the cell's own role
/// tree. A DAO is a root cell (its tree unlinked, its top role worn by community governance); a child
/// cell's tree is linked under its parent's admin role, so parent admins administer the child's roles.
/// A cell's member role is the first child of its admin role: `roles().buildHatId(cellId, 1)`.
///
/// The first block of functions (roles .. recordDecision) is what other contracts rely on (governor,
/// treasury, task board) and is fixed. The rest is the registry's full surface.
///
/// Authority words used below, for an account `a` and a cell `c`:
/// - cell admin:      `a` wears `c`'s admin role (`isCellAdmin`).
/// - parent admin:    `a` wears or administers the parent's admin role (`isParentAdmin`); for a DAO root,
///                    its own admin (the community governance).
/// - cell authority:  cell admin or parent admin (`hasCellAuthority`). Authority from above is never
///                    subject to the cell's restrictions; the cell's own admin is (see `CellRestrictions`).
/// Authority is read live from Roles on every call: whoever wears (or administers) the role now.
///
/// Unknown ids: views that take a cell id revert with `CellNotFound`, except `cellExists`, `isCellAdmin`,
/// `isParentAdmin` and `hasCellAuthority`, which answer false. A dissolved cell stays readable, but every
/// write that touches it reverts with `CellIsDissolved` except ending its partnerships.
///
/// Reverts from Roles (e.g. `IRoles.LinkTooDeep` past 32 nested levels) bubble up unchanged, so clients
/// decode this interface's errors and IRoles' errors.
interface ICellRegistry {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Group phase. Live phases advance Conversation -> Formation -> Organization -> Coordination.
    /// Dissolved is final.
    enum Phase {
        Conversation,
        Formation,
        Organization,
        Coordination,
        Dissolved
    }

    enum Scale {
        Collaboration,
        Coordination,
        Constituency,
        Network
    }

    enum PartnershipStatus {
        None,
        Proposed,
        Active,
        Ended
    }

    /// @notice A cell as returned by `getCell`.
    struct CellView {
        uint256 id; // = the cell's admin role id
        uint256 parent; // 0 for a DAO root
        uint256 dao; // the root cell
        uint256 memberRole;
        Phase phase;
        Scale scale;
        uint16 restrictions; // CellRestrictions bits set by the parent
        uint32 childCount; // live (not dissolved) children
        uint32 decisionCount;
        uint40 createdAt; // unix seconds
        string name;
    }

    /// @notice The current version of one state document of a cell.
    struct StateDocument {
        string uri; // where the content lives (ipfs://, ar://, https://)
        bytes32 contentHash; // hash of the content (e.g. keccak256 of the bytes at `uri`)
        uint32 version; // 1 for the first write, +1 per update; 0 = never written
        address author; // the account that wrote this version
        uint40 updatedAt; // unix seconds
    }

    /// @notice An agreement between a cell and another cell (any DAO) or an external address.
    struct Partnership {
        uint256 cellId; // the proposing cell
        uint256 counterpartyCellId; // 0 when the counterparty is an external address
        address counterpartyAccount; // address(0) when the counterparty is a cell
        PartnershipStatus status;
        uint40 updatedAt; // unix seconds of the last status change
        bytes32 termsHash;
        string termsURI;
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error CellNotFound(uint256 cellId);
    error CellIsDissolved(uint256 cellId);
    /// @notice The account neither wears nor administers the cell's admin role.
    error NotCellAuthority(address account, uint256 cellId);
    error NotCellAdmin(address account, uint256 cellId);
    error NotParentAdmin(address account, uint256 cellId);
    /// @notice The cell's parent restricted this action for the cell's own admin.
    error ActionRestricted(uint256 cellId, uint16 restriction);
    error UnknownRestrictions(uint16 restrictions);
    error CellIsRoot(uint256 cellId);
    error InvalidPhaseTransition(uint256 cellId, Phase from, Phase to);
    error InvalidInitialPhase(Phase phase);
    error CellHasLiveChildren(uint256 cellId, uint256 liveChildren);
    error MoveCreatesCycle(uint256 cellId, uint256 newParentCellId);
    error CrossDaoMove(uint256 cellId, uint256 newParentCellId);
    error AlreadyChildOf(uint256 cellId, uint256 parentCellId);
    error EmptyName();
    error ZeroAddress();
    /// @notice The registry itself (or its Roles) can never be a DAO's governance, a cell admin or a member.
    error RegistryCannotHoldRoles();
    error InvalidCounterparty();
    error PartnershipNotFound(uint256 partnershipId);
    error InvalidPartnershipStatus(uint256 partnershipId, PartnershipStatus status);
    error NotPartnershipParty(address account, uint256 partnershipId);
    error NotCounterparty(address account, uint256 partnershipId);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A DAO root (`parentCellId` 0, `daoId` == `cellId`) or a child cell was created. `admin` wears
    /// the admin role (for a DAO, the governance); initial members appear as Roles' RoleMinted events.
    event CellCreated(
        uint256 indexed cellId,
        uint256 indexed parentCellId,
        uint256 indexed daoId,
        uint256 memberRoleId,
        address admin,
        Scale scale,
        Phase phase,
        string name,
        address creator
    );
    event CellRenamed(uint256 indexed cellId, uint256 indexed daoId, address indexed by, string name);
    event PhaseChanged(uint256 indexed cellId, uint256 indexed daoId, address indexed by, Phase from, Phase to);
    event ScaleChanged(uint256 indexed cellId, uint256 indexed daoId, address indexed by, Scale from, Scale to);
    event RestrictionsChanged(
        uint256 indexed cellId, uint256 indexed parentCellId, address indexed by, uint16 restrictions
    );
    /// @notice The cell now sits under `toParentCellId` (same DAO).
    event CellMoved(
        uint256 indexed cellId, uint256 indexed fromParentCellId, uint256 indexed toParentCellId, address by
    );
    /// @notice A new version of a state document. Each version's event carries everything, so the full
    /// history of every document is the sequence of these events.
    event StateUpdated(
        uint256 indexed cellId,
        bytes32 indexed key,
        address indexed author,
        uint32 version,
        string uri,
        bytes32 contentHash,
        uint40 updatedAt
    );
    /// @notice `index` counts the cell's decisions from 1.
    event DecisionRecorded(
        uint256 indexed cellId, bytes32 indexed ref, address indexed by, uint32 index, string uri, bytes32 contentHash
    );
    event PartnershipProposed(
        uint256 indexed partnershipId,
        uint256 indexed cellId,
        uint256 indexed counterpartyCellId,
        address counterpartyAccount,
        address by,
        string termsURI,
        bytes32 termsHash
    );
    event PartnershipAccepted(
        uint256 indexed partnershipId, uint256 indexed cellId, uint256 indexed counterpartyCellId, address by
    );
    event PartnershipEnded(
        uint256 indexed partnershipId,
        uint256 indexed cellId,
        uint256 indexed counterpartyCellId,
        address by,
        PartnershipStatus previousStatus
    );

    /*//////////////////////////////////////////////////////////////
                      FIXED: WHAT OTHER CONTRACTS USE
    //////////////////////////////////////////////////////////////*/

    /// @notice The Roles contract this registry created and forwards for.
    function roles() external view returns (IRoles);

    function cellExists(uint256 cellId) external view returns (bool);

    /// @notice The parent cell, 0 for a DAO root.
    function parentOf(uint256 cellId) external view returns (uint256);

    /// @notice The root cell (the DAO) this cell belongs to.
    function daoOf(uint256 cellId) external view returns (uint256);

    function memberRoleOf(uint256 cellId) external view returns (uint256);

    function phaseOf(uint256 cellId) external view returns (Phase);

    /// @notice The cell's own authority: `account` wears the cell's admin role.
    function isCellAdmin(address account, uint256 cellId) external view returns (bool);

    /// @notice The authority above the cell: `account` wears or administers the parent cell's admin
    /// role. For a DAO root (no parent) this is its own admin, the community governance.
    function isParentAdmin(address account, uint256 cellId) external view returns (bool);

    /// @notice Records a significant decision in the cell's decision registry. Cell admins only
    /// (a vote-run cell's executor wears the admin role, so executed proposals record themselves).
    function recordDecision(uint256 cellId, bytes32 ref, string calldata uri, bytes32 contentHash) external;

    /*//////////////////////////////////////////////////////////////
                                CREATION
    //////////////////////////////////////////////////////////////*/

    /// @notice Creates a DAO: a new, unlinked role tree whose top role (the DAO's id) ends up worn by
    /// `governance`, with its member role minted to `members`, in one transaction. Anyone may create a DAO.
    /// Usual choice: `scale` Constituency, `phase` Conversation.
    /// @dev The registry wears the new top role only inside this call, then transfers it to `governance`.
    function createDao(address governance, string calldata name, Scale scale, Phase phase, address[] calldata members)
        external
        returns (uint256 daoId);

    /// @notice Creates a child cell of `parentCellId`: a role tree linked under the parent's admin role, its
    /// top role (the cell's id) minted to `admin`, its member role minted to `members`. The caller must
    /// have authority over the parent (wear or administer its admin role); the parent's own admin only
    /// when the parent is not restricted from CREATE_SUBCELLS. Roles are created acting for the caller.
    function createCell(
        uint256 parentCellId,
        string calldata name,
        Scale scale,
        Phase phase,
        address admin,
        address[] calldata members
    ) external returns (uint256 cellId);

    /*//////////////////////////////////////////////////////////////
                          LIFECYCLE AND STRUCTURE
    //////////////////////////////////////////////////////////////*/

    /// @notice Moves the cell's phase. The parent admin may set any phase (either way). The cell's own
    /// admin may only advance one step (Conversation -> Formation -> ...) or dissolve, and only when the
    /// parent has not restricted CHANGE_OWN_PHASE. Dissolved is final and requires no live children.
    function setPhase(uint256 cellId, Phase phase) external;

    /// @notice Sets the cell's scale. Parent admin only (for a DAO root: its own admin).
    function setScale(uint256 cellId, Scale scale) external;

    /// @notice Renames the cell. Cell authority; the cell's own admin unless restricted from SET_STATE.
    function renameCell(uint256 cellId, string calldata name) external;

    /// @notice Sets what the cell's own admin may not do alone (CellRestrictions bits). Parent admin only;
    /// not for a DAO root.
    function setRestrictions(uint256 cellId, uint16 restrictions) external;

    /// @notice Moves a cell (and its subtree) under `newParentCellId` of the same DAO. The caller must be a
    /// parent admin of the cell (authority above it: a cell admin alone cannot escape its parent) and
    /// wear or administer the new parent's admin role. Rejects cycles. Relinks the role tree acting for
    /// the caller.
    function moveCell(uint256 cellId, uint256 newParentCellId) external;

    /*//////////////////////////////////////////////////////////////
                           STATE AND DECISIONS
    //////////////////////////////////////////////////////////////*/

    /// @notice Writes a new version of state document `key` (see `StateKeys`). Cell authority; the cell's
    /// own admin unless restricted from SET_STATE. Members write through the cell's governance.
    function setState(uint256 cellId, bytes32 key, string calldata uri, bytes32 contentHash)
        external
        returns (uint32 version);

    /*//////////////////////////////////////////////////////////////
                              PARTNERSHIPS
    //////////////////////////////////////////////////////////////*/

    /// @notice Proposes an agreement from `cellId` to either another cell (`counterpartyCellId`, any DAO)
    /// or an external address (`counterpartyAccount`): exactly one of the two. Cell authority of `cellId`;
    /// its own admin unless restricted from PARTNERSHIPS.
    function proposePartnership(
        uint256 cellId,
        uint256 counterpartyCellId,
        address counterpartyAccount,
        string calldata termsURI,
        bytes32 termsHash
    ) external returns (uint256 partnershipId);

    /// @notice Accepts a proposed partnership: cell authority of the counterparty cell (its own admin unless
    /// restricted from PARTNERSHIPS), or the counterparty address itself.
    function acceptPartnership(uint256 partnershipId) external;

    /// @notice Ends a proposed (withdraw / decline) or active partnership. Either side: cell authority of
    /// the proposing or the counterparty cell, or the counterparty address.
    function endPartnership(uint256 partnershipId) external;

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @notice Cell admin or parent admin: the authority that may act for the cell.
    function hasCellAuthority(address account, uint256 cellId) external view returns (bool);

    function getCell(uint256 cellId) external view returns (CellView memory);

    /// @notice Live (not dissolved) children, in no particular order.
    function childrenOf(uint256 cellId) external view returns (uint256[] memory);

    function childCount(uint256 cellId) external view returns (uint256);

    function scaleOf(uint256 cellId) external view returns (Scale);

    function nameOf(uint256 cellId) external view returns (string memory);

    function restrictionsOf(uint256 cellId) external view returns (uint16);

    /// @notice Cells ever created (DAO roots included, dissolved ones included).
    function cellCount() external view returns (uint256);

    function stateOf(uint256 cellId, bytes32 key) external view returns (StateDocument memory);

    /// @notice Keys of the state documents the cell has ever written, in first-write order.
    function stateKeys(uint256 cellId) external view returns (bytes32[] memory);

    function decisionCount(uint256 cellId) external view returns (uint256);

    function getPartnership(uint256 partnershipId) external view returns (Partnership memory);

    function partnershipCount() external view returns (uint256);
}
