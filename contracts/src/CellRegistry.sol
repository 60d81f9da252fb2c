// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Roles} from "./Roles.sol";
import {ICellRegistry} from "./interfaces/ICellRegistry.sol";
import {IRoles} from "./interfaces/IRoles.sol";
import {CellRestrictions} from "./libraries/CellRestrictions.sol";

/// @title CellRegistry
/// @notice The tree of cells of every DAO on a chain. A cell's id is its admin role id (the top role of
/// the cell's own Roles tree); a child cell's tree is linked under its parent's admin role, so authority
/// flows down the tree inside Roles itself and the registry only adds what Roles does not know: names,
/// phases, scales, restrictions, state documents, decisions and partnerships.
///
/// The registry deploys Roles and is its ERC-2771 trusted forwarder. It builds a cell's roles in one
/// transaction by calling Roles with an account appended to the calldata, and that account is only
/// ever:
/// - `msg.sender`, the registry's own caller, so Roles checks exactly the caller's authority; or
/// - `address(this)`, inside `createDao` only, for the fresh tree whose top role the registry minted to
///   itself in the same call and hands to the DAO's governance before returning.
/// No function forwards caller-chosen calldata, so the forwarder grants nobody anything they lack.
contract CellRegistry is ICellRegistry {
    /*//////////////////////////////////////////////////////////////
                                 STORAGE
    //////////////////////////////////////////////////////////////*/

    /// @dev One slot per cell, keyed by cell id (a top role id: its 32-bit tree id in the top bits).
    /// ┌────────────┬─────────┬───────┬───────┬──────────────┬────────────┬───────────────┬───────────┐
    /// │ parentTree │ daoTree │ phase │ scale │ restrictions │ childIndex │ decisionCount │ createdAt │
    /// │ 32         │ 32      │ 8     │ 8     │ 16           │ 32         │ 32            │ 40        │
    /// └────────────┴─────────┴───────┴───────┴──────────────┴────────────┴───────────────┴───────────┘
    /// `daoTree` is never 0 for a registered cell (tree ids start at 1), so it doubles as "exists".
    /// `childIndex` is the cell's position in its parent's live-children list (swap-and-pop).
    struct Cell {
        uint32 parentTree;
        uint32 daoTree;
        Phase phase;
        Scale scale;
        uint16 restrictions;
        uint32 childIndex;
        uint32 decisionCount;
        uint40 createdAt;
    }

    /// @dev Levels below the 32-bit tree id are 16 bits each; the member role is child 1 of the top role.
    uint256 private constant TREE_SHIFT = 224;
    uint256 private constant MEMBER_ROLE_BIT = uint256(1) << 208;
    uint32 private constant MEMBER_ROLE_MAX_SUPPLY = type(uint32).max;

    /// @inheritdoc ICellRegistry
    IRoles public immutable roles;

    mapping(uint256 cellId => Cell) private _cells;
    mapping(uint256 cellId => string) private _names;
    /// @dev Live children of a cell, as tree ids (8 per slot).
    mapping(uint256 cellId => uint32[]) private _children;
    mapping(uint256 cellId => mapping(bytes32 key => StateDocument)) private _state;
    mapping(uint256 cellId => bytes32[]) private _stateKeys;
    mapping(uint256 partnershipId => Partnership) private _partnerships;

    /// @dev ┌─────────────┬───────────────────┐
    ///      │ _cellCount  │ _partnershipCount │
    ///      │ 64          │ 64                │
    ///      └─────────────┴───────────────────┘
    uint64 private _cellCount;
    uint64 private _partnershipCount;

    constructor() {
        roles = IRoles(address(new Roles(address(this))));
    }

    /*//////////////////////////////////////////////////////////////
                                CREATION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellRegistry
    function createDao(address governance, string calldata name, Scale scale, Phase phase, address[] calldata members)
        external
        returns (uint256 daoId)
    {
        _checkHolder(governance);
        _checkNewCell(name, phase);

        // The registry wears the fresh top role for the rest of this call only: it needs an admin of the
        // new tree to create the member role and mint members before governance holds it.
        daoId = abi.decode(
            _rolesCall(abi.encodeCall(IRoles.mintTopRole, (address(this), name, "")), address(this)), (uint256)
        );
        uint256 memberRole = _createMemberRole(daoId, members, address(this));
        _rolesCall(abi.encodeCall(IRoles.transferRole, (daoId, address(this), governance)), address(this));

        _storeCell(daoId, 0, scale, phase, name);
        _emitCellCreated(daoId, 0, memberRole, governance);
    }

    /// @inheritdoc ICellRegistry
    // slither-disable-next-line reentrancy-no-eth -- the only external calls go to `roles`, the immutable Roles this registry deployed, which calls out to nothing that can re-enter (a new cell's roles have no modules; modules elsewhere are read by staticcall), and the new cell's id is known only from its answer
    function createCell(
        uint256 parentCellId,
        string calldata name,
        Scale scale,
        Phase phase,
        address admin,
        address[] calldata members
    ) external returns (uint256 cellId) {
        _authorize(msg.sender, parentCellId, _liveCell(parentCellId), CellRestrictions.CREATE_SUBCELLS);
        _checkHolder(admin);
        _checkNewCell(name, phase);

        // Acting for the caller: Roles itself checks that the caller may link under the parent, and the
        // caller administers the new tree through that link.
        cellId = abi.decode(
            _rolesCall(abi.encodeCall(IRoles.createLinkedTree, (parentCellId, admin, name, "")), msg.sender), (uint256)
        );
        uint256 memberRole = _createMemberRole(cellId, members, msg.sender);

        _storeCell(cellId, parentCellId, scale, phase, name);
        _emitCellCreated(cellId, parentCellId, memberRole, admin);
    }

    /*//////////////////////////////////////////////////////////////
                          LIFECYCLE AND STRUCTURE
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellRegistry
    function setPhase(uint256 cellId, Phase phase) external {
        Cell storage cell = _liveCell(cellId);
        Phase from = cell.phase;

        // The cell's own admin: one step forward, or dissolve. Authority above: any change.
        bool ownMove = phase == Phase.Dissolved || uint8(phase) == uint8(from) + 1;
        bool ownAllowed = ownMove && (cell.restrictions & CellRestrictions.CHANGE_OWN_PHASE) == 0
            && roles.isWearerOfHat(msg.sender, cellId);
        if (!ownAllowed && !_isParentAdmin(msg.sender, cellId, cell)) {
            if (!roles.isWearerOfHat(msg.sender, cellId)) revert NotCellAuthority(msg.sender, cellId);
            if (!ownMove) revert InvalidPhaseTransition(cellId, from, phase);
            revert ActionRestricted(cellId, CellRestrictions.CHANGE_OWN_PHASE);
        }
        if (phase == from) revert InvalidPhaseTransition(cellId, from, phase);

        if (phase == Phase.Dissolved) {
            uint256 live = _children[cellId].length;
            if (live != 0) revert CellHasLiveChildren(cellId, live);
            if (cell.parentTree != 0) _removeChild(_idOf(cell.parentTree), cell.childIndex);
        }
        cell.phase = phase;
        emit PhaseChanged(cellId, _idOf(cell.daoTree), msg.sender, from, phase);
    }

    /// @inheritdoc ICellRegistry
    function setScale(uint256 cellId, Scale scale) external {
        Cell storage cell = _liveCell(cellId);
        if (!_isParentAdmin(msg.sender, cellId, cell)) revert NotParentAdmin(msg.sender, cellId);
        Scale from = cell.scale;
        cell.scale = scale;
        emit ScaleChanged(cellId, _idOf(cell.daoTree), msg.sender, from, scale);
    }

    /// @inheritdoc ICellRegistry
    function renameCell(uint256 cellId, string calldata name) external {
        Cell storage cell = _liveCell(cellId);
        _authorize(msg.sender, cellId, cell, CellRestrictions.SET_STATE);
        if (bytes(name).length == 0) revert EmptyName();
        _names[cellId] = name;
        emit CellRenamed(cellId, _idOf(cell.daoTree), msg.sender, name);
    }

    /// @inheritdoc ICellRegistry
    function setRestrictions(uint256 cellId, uint16 restrictions) external {
        Cell storage cell = _liveCell(cellId);
        if (cell.parentTree == 0) revert CellIsRoot(cellId);
        if (!_isParentAdmin(msg.sender, cellId, cell)) revert NotParentAdmin(msg.sender, cellId);
        if ((restrictions & ~CellRestrictions.ALL) != 0) revert UnknownRestrictions(restrictions);
        cell.restrictions = restrictions;
        emit RestrictionsChanged(cellId, _idOf(cell.parentTree), msg.sender, restrictions);
    }

    /// @inheritdoc ICellRegistry
    /// @dev Moves stay inside one DAO: `daoOf` is stored per cell, so a cross-DAO move would rewrite every
    /// descendant (unbounded), and it would carry a subtree's authority and budgets out of the DAO whose
    /// governance and treasury granted them. DAOs cooperate through partnerships instead.
    function moveCell(uint256 cellId, uint256 newParentCellId) external {
        Cell storage cell = _liveCell(cellId);
        if (cell.parentTree == 0) revert CellIsRoot(cellId);
        Cell storage newParent = _liveCell(newParentCellId);
        uint256 oldParentCellId = _idOf(cell.parentTree);
        if (newParentCellId == oldParentCellId) revert AlreadyChildOf(cellId, newParentCellId);
        if (newParent.daoTree != cell.daoTree) revert CrossDaoMove(cellId, newParentCellId);
        // No cycles: the new parent may be neither the cell nor one of its descendants.
        for (uint256 ancestor = newParentCellId; ancestor != 0; ancestor = _idOf(_cells[ancestor].parentTree)) {
            if (ancestor == cellId) revert MoveCreatesCycle(cellId, newParentCellId);
        }
        // Both sides: authority above the cell (its own admin alone cannot leave its parent), and the
        // right to add a sub-cell under the new parent.
        if (!_isParentAdmin(msg.sender, cellId, cell)) revert NotParentAdmin(msg.sender, cellId);
        _authorize(msg.sender, newParentCellId, newParent, CellRestrictions.CREATE_SUBCELLS);

        _removeChild(oldParentCellId, cell.childIndex);
        cell.childIndex = uint32(_children[newParentCellId].length);
        _children[newParentCellId].push(_treeOf(cellId));
        cell.parentTree = _treeOf(newParentCellId);

        _rolesCall(abi.encodeCall(IRoles.relinkTree, (_treeOf(cellId), newParentCellId)), msg.sender);
        emit CellMoved(cellId, oldParentCellId, newParentCellId, msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                           STATE AND DECISIONS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellRegistry
    function setState(uint256 cellId, bytes32 key, string calldata uri, bytes32 contentHash)
        external
        returns (uint32 version)
    {
        Cell storage cell = _liveCell(cellId);
        _authorize(msg.sender, cellId, cell, CellRestrictions.SET_STATE);

        StateDocument storage doc = _state[cellId][key];
        version = doc.version + 1;
        if (version == 1) _stateKeys[cellId].push(key);
        doc.uri = uri;
        doc.contentHash = contentHash;
        doc.version = version;
        doc.author = msg.sender;
        doc.updatedAt = uint40(block.timestamp);
        emit StateUpdated(cellId, key, msg.sender, version, uri, contentHash, uint40(block.timestamp));
    }

    /// @inheritdoc ICellRegistry
    function recordDecision(uint256 cellId, bytes32 ref, string calldata uri, bytes32 contentHash) external {
        Cell storage cell = _liveCell(cellId);
        if (!roles.isWearerOfHat(msg.sender, cellId)) revert NotCellAdmin(msg.sender, cellId);
        uint32 index = cell.decisionCount + 1;
        cell.decisionCount = index;
        emit DecisionRecorded(cellId, ref, msg.sender, index, uri, contentHash);
    }

    /*//////////////////////////////////////////////////////////////
                              PARTNERSHIPS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellRegistry
    function proposePartnership(
        uint256 cellId,
        uint256 counterpartyCellId,
        address counterpartyAccount,
        string calldata termsURI,
        bytes32 termsHash
    ) external returns (uint256 partnershipId) {
        Cell storage cell = _liveCell(cellId);
        _authorize(msg.sender, cellId, cell, CellRestrictions.PARTNERSHIPS);
        if (counterpartyCellId != 0) {
            if (counterpartyAccount != address(0) || counterpartyCellId == cellId) revert InvalidCounterparty();
            _liveCell(counterpartyCellId);
        } else if (counterpartyAccount == address(0)) {
            revert InvalidCounterparty();
        }

        unchecked {
            partnershipId = ++_partnershipCount;
        }
        Partnership storage p = _partnerships[partnershipId];
        p.cellId = cellId;
        p.counterpartyCellId = counterpartyCellId;
        p.counterpartyAccount = counterpartyAccount;
        p.status = PartnershipStatus.Proposed;
        p.updatedAt = uint40(block.timestamp);
        p.termsHash = termsHash;
        p.termsURI = termsURI;
        emit PartnershipProposed(
            partnershipId, cellId, counterpartyCellId, counterpartyAccount, msg.sender, termsURI, termsHash
        );
    }

    /// @inheritdoc ICellRegistry
    function acceptPartnership(uint256 partnershipId) external {
        Partnership storage p = _partnership(partnershipId);
        if (p.status != PartnershipStatus.Proposed) revert InvalidPartnershipStatus(partnershipId, p.status);
        _liveCell(p.cellId);
        uint256 counterpartyCellId = p.counterpartyCellId;
        if (counterpartyCellId != 0) {
            Cell storage counterparty = _liveCell(counterpartyCellId);
            _authorize(msg.sender, counterpartyCellId, counterparty, CellRestrictions.PARTNERSHIPS);
        } else if (msg.sender != p.counterpartyAccount) {
            revert NotCounterparty(msg.sender, partnershipId);
        }
        p.status = PartnershipStatus.Active;
        p.updatedAt = uint40(block.timestamp);
        emit PartnershipAccepted(partnershipId, p.cellId, counterpartyCellId, msg.sender);
    }

    /// @inheritdoc ICellRegistry
    /// @dev Restrictions do not apply to ending: stepping out of an agreement commits the cell to nothing,
    /// and a dissolved side may still end its agreements.
    function endPartnership(uint256 partnershipId) external {
        Partnership storage p = _partnership(partnershipId);
        PartnershipStatus previous = p.status;
        if (previous != PartnershipStatus.Proposed && previous != PartnershipStatus.Active) {
            revert InvalidPartnershipStatus(partnershipId, previous);
        }
        uint256 counterpartyCellId = p.counterpartyCellId;
        bool party = _hasCellAuthority(msg.sender, p.cellId)
            || (counterpartyCellId != 0
                    ? _hasCellAuthority(msg.sender, counterpartyCellId)
                    : msg.sender == p.counterpartyAccount);
        if (!party) revert NotPartnershipParty(msg.sender, partnershipId);
        p.status = PartnershipStatus.Ended;
        p.updatedAt = uint40(block.timestamp);
        emit PartnershipEnded(partnershipId, p.cellId, counterpartyCellId, msg.sender, previous);
    }

    /*//////////////////////////////////////////////////////////////
                                 VIEWS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellRegistry
    function cellExists(uint256 cellId) public view returns (bool) {
        return _cells[cellId].daoTree != 0;
    }

    /// @inheritdoc ICellRegistry
    function parentOf(uint256 cellId) external view returns (uint256) {
        return _idOf(_cell(cellId).parentTree);
    }

    /// @inheritdoc ICellRegistry
    function daoOf(uint256 cellId) external view returns (uint256) {
        return _idOf(_cell(cellId).daoTree);
    }

    /// @inheritdoc ICellRegistry
    function memberRoleOf(uint256 cellId) external view returns (uint256) {
        _cell(cellId);
        return cellId | MEMBER_ROLE_BIT;
    }

    /// @inheritdoc ICellRegistry
    function phaseOf(uint256 cellId) external view returns (Phase) {
        return _cell(cellId).phase;
    }

    /// @inheritdoc ICellRegistry
    function scaleOf(uint256 cellId) external view returns (Scale) {
        return _cell(cellId).scale;
    }

    /// @inheritdoc ICellRegistry
    function nameOf(uint256 cellId) external view returns (string memory) {
        _cell(cellId);
        return _names[cellId];
    }

    /// @inheritdoc ICellRegistry
    function restrictionsOf(uint256 cellId) external view returns (uint16) {
        return _cell(cellId).restrictions;
    }

    /// @inheritdoc ICellRegistry
    function isCellAdmin(address account, uint256 cellId) external view returns (bool) {
        return cellExists(cellId) && roles.isWearerOfHat(account, cellId);
    }

    /// @inheritdoc ICellRegistry
    function isParentAdmin(address account, uint256 cellId) external view returns (bool) {
        Cell storage cell = _cells[cellId];
        return cell.daoTree != 0 && _isParentAdmin(account, cellId, cell);
    }

    /// @inheritdoc ICellRegistry
    function hasCellAuthority(address account, uint256 cellId) external view returns (bool) {
        return cellExists(cellId) && _hasCellAuthority(account, cellId);
    }

    /// @inheritdoc ICellRegistry
    function getCell(uint256 cellId) external view returns (CellView memory view_) {
        Cell memory cell = _cell(cellId);
        view_ = CellView({
            id: cellId,
            parent: _idOf(cell.parentTree),
            dao: _idOf(cell.daoTree),
            memberRole: cellId | MEMBER_ROLE_BIT,
            phase: cell.phase,
            scale: cell.scale,
            restrictions: cell.restrictions,
            childCount: uint32(_children[cellId].length),
            decisionCount: cell.decisionCount,
            createdAt: cell.createdAt,
            name: _names[cellId]
        });
    }

    /// @inheritdoc ICellRegistry
    function childrenOf(uint256 cellId) external view returns (uint256[] memory children) {
        _cell(cellId);
        uint32[] storage trees = _children[cellId];
        uint256 n = trees.length;
        children = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            children[i] = _idOf(trees[i]);
        }
    }

    /// @inheritdoc ICellRegistry
    function childCount(uint256 cellId) external view returns (uint256) {
        _cell(cellId);
        return _children[cellId].length;
    }

    /// @inheritdoc ICellRegistry
    function cellCount() external view returns (uint256) {
        return _cellCount;
    }

    /// @inheritdoc ICellRegistry
    function stateOf(uint256 cellId, bytes32 key) external view returns (StateDocument memory) {
        _cell(cellId);
        return _state[cellId][key];
    }

    /// @inheritdoc ICellRegistry
    function stateKeys(uint256 cellId) external view returns (bytes32[] memory) {
        _cell(cellId);
        return _stateKeys[cellId];
    }

    /// @inheritdoc ICellRegistry
    function decisionCount(uint256 cellId) external view returns (uint256) {
        return _cell(cellId).decisionCount;
    }

    /// @inheritdoc ICellRegistry
    function getPartnership(uint256 partnershipId) external view returns (Partnership memory) {
        return _partnership(partnershipId);
    }

    /// @inheritdoc ICellRegistry
    function partnershipCount() external view returns (uint256) {
        return _partnershipCount;
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNAL
    //////////////////////////////////////////////////////////////*/

    /// @dev Calls Roles acting for `actor` (ERC-2771: the actor is appended to the calldata). `actor` is
    /// `msg.sender` everywhere except `createDao`'s fresh tree (`address(this)`). Roles' custom errors
    /// bubble up unchanged.
    function _rolesCall(bytes memory data, address actor) private returns (bytes memory result) {
        bool ok;
        (ok, result) = address(roles).call(abi.encodePacked(data, actor));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    /// @dev Creates the member role (child 1 of the cell's admin role) and mints it to `members`. It is
    /// mutable (the cell's admins may later make it claimable, add an eligibility module, cap its supply)
    /// and carries no details string: `memberRoleOf` names it, and an empty string costs no storage.
    function _createMemberRole(uint256 cellId, address[] calldata members, address actor)
        private
        returns (uint256 memberRole)
    {
        memberRole = abi.decode(
            _rolesCall(
                abi.encodeCall(
                    IRoles.createRole, (cellId, "", MEMBER_ROLE_MAX_SUPPLY, address(0), address(0), true, false, "")
                ),
                actor
            ),
            (uint256)
        );
        // The tree is fresh, so Roles must have handed out child 1; the registry's views rely on it.
        assert(memberRole == cellId | MEMBER_ROLE_BIT);

        uint256 n = members.length;
        if (n == 0) return memberRole;
        uint256[] memory roleIds = new uint256[](n);
        address[] memory wearers = new address[](n);
        uint64[] memory expiries = new uint64[](n);
        for (uint256 i; i < n; ++i) {
            address member = members[i];
            _checkHolder(member);
            roleIds[i] = memberRole;
            wearers[i] = member;
        }
        _rolesCall(abi.encodeCall(IRoles.batchMintRoles, (roleIds, wearers, expiries)), actor);
    }

    /// @dev Registers a new cell; a child also joins its parent's live-children list.
    function _storeCell(uint256 cellId, uint256 parentCellId, Scale scale, Phase phase, string calldata name) private {
        uint32 daoTree = _treeOf(cellId);
        uint32 childIndex = 0;
        if (parentCellId != 0) {
            daoTree = _cells[parentCellId].daoTree;
            childIndex = uint32(_children[parentCellId].length);
            _children[parentCellId].push(_treeOf(cellId));
        }
        _cells[cellId] = Cell({
            parentTree: _treeOf(parentCellId),
            daoTree: daoTree,
            phase: phase,
            scale: scale,
            restrictions: 0,
            childIndex: childIndex,
            decisionCount: 0,
            createdAt: uint40(block.timestamp)
        });
        _names[cellId] = name;
        unchecked {
            ++_cellCount;
        }
    }

    /// @dev Split out of the creators to keep their stacks shallow; reads back what `_storeCell` wrote.
    function _emitCellCreated(uint256 cellId, uint256 parentCellId, uint256 memberRole, address admin) private {
        Cell storage cell = _cells[cellId];
        emit CellCreated(
            cellId,
            parentCellId,
            _idOf(cell.daoTree),
            memberRole,
            admin,
            cell.scale,
            cell.phase,
            _names[cellId],
            msg.sender
        );
    }

    function _removeChild(uint256 parentCellId, uint32 index) private {
        uint32[] storage siblings = _children[parentCellId];
        uint256 last = siblings.length - 1;
        if (index != last) {
            uint32 moved = siblings[last];
            siblings[index] = moved;
            _cells[_idOf(moved)].childIndex = index;
        }
        siblings.pop();
    }

    /// @dev `account` may act for the cell: as its own admin unless `restriction` is set on the cell, or
    /// as authority above it regardless.
    function _authorize(address account, uint256 cellId, Cell storage cell, uint16 restriction) private view {
        if (roles.isWearerOfHat(account, cellId)) {
            if ((cell.restrictions & restriction) == 0 || _isParentAdmin(account, cellId, cell)) return;
            revert ActionRestricted(cellId, restriction);
        }
        if (!_isParentAdmin(account, cellId, cell)) revert NotCellAuthority(account, cellId);
    }

    /// @dev Wears or administers the parent's admin role; for a root, wears its own admin role.
    function _isParentAdmin(address account, uint256 cellId, Cell storage cell) private view returns (bool) {
        uint32 parentTree = cell.parentTree;
        if (parentTree == 0) return roles.isWearerOfHat(account, cellId);
        return roles.isAdminOfHat(account, _idOf(parentTree));
    }

    function _hasCellAuthority(address account, uint256 cellId) private view returns (bool) {
        return roles.isWearerOfHat(account, cellId) || _isParentAdmin(account, cellId, _cells[cellId]);
    }

    function _checkHolder(address account) private view {
        if (account == address(0)) revert ZeroAddress();
        if (account == address(this) || account == address(roles)) revert RegistryCannotHoldRoles();
    }

    function _checkNewCell(string calldata name, Phase phase) private pure {
        if (bytes(name).length == 0) revert EmptyName();
        if (phase == Phase.Dissolved) revert InvalidInitialPhase(phase);
    }

    function _cell(uint256 cellId) private view returns (Cell storage cell) {
        cell = _cells[cellId];
        if (cell.daoTree == 0) revert CellNotFound(cellId);
    }

    function _liveCell(uint256 cellId) private view returns (Cell storage cell) {
        cell = _cell(cellId);
        if (cell.phase == Phase.Dissolved) revert CellIsDissolved(cellId);
    }

    function _partnership(uint256 partnershipId) private view returns (Partnership storage p) {
        p = _partnerships[partnershipId];
        if (p.status == PartnershipStatus.None) revert PartnershipNotFound(partnershipId);
    }

    function _treeOf(uint256 cellId) private pure returns (uint32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(cellId >> TREE_SHIFT); // a top role id is exactly its 32-bit tree id shifted up
    }

    function _idOf(uint32 tree) private pure returns (uint256) {
        return uint256(tree) << TREE_SHIFT;
    }
}
