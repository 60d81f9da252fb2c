// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellExecutor} from "./CellExecutor.sol";
import {ICellExecutor, ICellGovernor} from "./interfaces/ICellGovernor.sol";
import {ICellRegistry} from "./interfaces/ICellRegistry.sol";
import {IRoles} from "./interfaces/IRoles.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title CellGovernor
/// @notice One governor for every cell on a chain. See ICellGovernor for the model.
///
/// Storage (what a vote touches is one slot each):
///
///   _settings[settingsId]  immutable record, written once by `configure`
///     slot 0  [ executionDelay 24 | votingPeriod 24 | quorumBps 16 | thresholdBps 16 | counting 8 | electorate 8 | token 160 ]
///     slot 1  [ unused 72 | proposalThreshold 128 | votingDelay 24 | treeId 32 ]
///   _proposals[proposalId]
///     slot 0  [ status 8 | electorateSupply 24 | snapshot 32 | settingsId 32 | proposer 160 ]
///   _tallies[proposalId]
///     slot 0  [ forVotes 128 | againstVotes 128 ]
///     slot 1  [ participation 128 (Quadratic only: raw weight cast) | abstainVotes 128 ]
///   _hasVoted[proposalId][voter]  one slot per ballot
///
/// A cell id is the top role of the cell's own tree, `treeId << 224`, so a settings record keeps the
/// 32-bit tree id and the member role is `cellId | 1 << 208` (Roles.buildHatId(cellId, 1)).
contract CellGovernor is ICellGovernor, EIP712, ReentrancyGuardTransient {
    using SafeCast for uint256;

    /// @inheritdoc ICellGovernor
    bytes32 public constant BALLOT_TYPEHASH = keccak256(
        "Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce,uint256 deadline,string reason)"
    );

    uint256 private constant BPS = 10_000;
    /// @dev Bits below a top role's tree id; a cell id has none of them set.
    uint256 private constant TREE_SHIFT = 224;
    /// @dev Level 1 of a role id: the member role is child 1 of the cell's admin role.
    uint256 private constant MEMBER_ROLE_BIT = uint256(1) << 208;

    uint8 private constant STATUS_LIVE = 0;
    uint8 private constant STATUS_CANCELED = 1;
    uint8 private constant STATUS_VETOED = 2;
    uint8 private constant STATUS_EXECUTED = 3;

    struct SettingsRecord {
        // slot 0
        address token;
        Electorate electorate;
        Counting counting;
        uint16 thresholdBps;
        uint16 quorumBps;
        uint24 votingPeriod;
        uint24 executionDelay;
        // slot 1
        uint32 treeId;
        uint24 votingDelay;
        uint128 proposalThreshold;
    }

    struct Tally {
        uint128 againstVotes;
        uint128 forVotes;
        uint128 abstainVotes;
        uint128 participation;
    }

    /// @inheritdoc ICellGovernor
    ICellRegistry public immutable registry;
    IRoles internal immutable _roles;
    /// @inheritdoc ICellGovernor
    address public immutable executorImplementation;

    uint32 private _lastSettingsId;
    mapping(uint256 cellId => uint32) private _settingsIdOf;
    mapping(uint32 settingsId => SettingsRecord) private _settings;
    mapping(uint256 proposalId => ProposalCore) private _proposals;
    mapping(uint256 proposalId => Tally) private _tallies;
    mapping(uint256 proposalId => mapping(address voter => bool)) private _hasVoted;
    mapping(address voter => uint256) private _nonces;

    constructor(ICellRegistry registry_) EIP712("CellGovernor", "1") {
        registry = registry_;
        _roles = registry_.roles();
        executorImplementation = address(new CellExecutor());
    }

    /*//////////////////////////////////////////////////////////////
                              CONFIGURATION
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellGovernor
    function configure(uint256 cellId, Settings calldata settings) external returns (uint32 settingsId) {
        _checkCell(cellId);
        bool allowed = _settingsIdOf[cellId] == 0
            // First configuration: whoever runs the cell, or the authority above it.
            ? registry.isCellAdmin(msg.sender, cellId) || registry.isParentAdmin(msg.sender, cellId)
            // Afterwards: the cell's own governance, or the authority above it.
            : msg.sender == executorOf(cellId) || registry.isParentAdmin(msg.sender, cellId);
        if (!allowed) revert NotAllowedToConfigure(msg.sender, cellId);
        _validate(cellId, settings);

        unchecked {
            settingsId = ++_lastSettingsId;
        }
        _settings[settingsId] = SettingsRecord({
            token: settings.token,
            electorate: settings.electorate,
            counting: settings.counting,
            thresholdBps: settings.thresholdBps,
            quorumBps: settings.quorumBps,
            votingPeriod: settings.votingPeriod,
            executionDelay: settings.executionDelay,
            // forge-lint: disable-next-line(unsafe-typecast) a cell id is a top role: 32 significant bits
            treeId: uint32(cellId >> TREE_SHIFT),
            votingDelay: settings.votingDelay,
            proposalThreshold: settings.proposalThreshold
        });
        _settingsIdOf[cellId] = settingsId;
        emit SettingsChanged(cellId, settingsId, msg.sender, settings);
        _deployExecutor(cellId);
    }

    /// @inheritdoc ICellGovernor
    function deployExecutor(uint256 cellId) external returns (address) {
        _checkCell(cellId);
        return _deployExecutor(cellId);
    }

    /*//////////////////////////////////////////////////////////////
                                PROPOSALS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellGovernor
    function propose(uint256 cellId, Action[] calldata actions, string calldata uri, bytes32 descriptionHash)
        external
        nonReentrant
        returns (uint256 proposalId)
    {
        uint32 settingsId = _settingsIdOf[cellId];
        if (settingsId == 0) revert NotConfigured(cellId);
        SettingsRecord storage s = _settings[settingsId];

        uint256 supply;
        if (s.electorate == Electorate.Role) {
            uint256 memberRole = cellId | MEMBER_ROLE_BIT;
            if (!_roles.isWearerOfHat(msg.sender, memberRole)) revert NotAllowedToPropose(msg.sender, cellId);
            supply = _roles.hatSupply(memberRole);
        } else {
            uint256 threshold = s.proposalThreshold;
            if (threshold != 0 && IVotes(s.token).getPastVotes(msg.sender, block.number - 1) < threshold) {
                revert NotAllowedToPropose(msg.sender, cellId);
            }
        }

        proposalId = _hashProposal(cellId, msg.sender, actions, uri, descriptionHash);
        ProposalCore storage p = _proposals[proposalId];
        if (p.settingsId != 0) revert ProposalExists(proposalId);

        uint32 snapshot = (block.number + s.votingDelay).toUint32();
        p.proposer = msg.sender;
        p.settingsId = settingsId;
        p.snapshot = snapshot;
        p.electorateSupply = supply.toUint24();

        emit ProposalCreated(
            proposalId,
            cellId,
            msg.sender,
            settingsId,
            actions,
            uri,
            descriptionHash,
            snapshot,
            snapshot + s.votingPeriod,
            // forge-lint: disable-next-line(unsafe-typecast) checked by toUint24 above
            uint24(supply)
        );
    }

    /// @inheritdoc ICellGovernor
    function execute(uint256 proposalId, Action[] calldata actions, string calldata uri, bytes32 descriptionHash)
        external
        payable
        nonReentrant
    {
        uint256 cellId = _markExecuted(proposalId, actions, uri, descriptionHash);
        address executor = executorOf(cellId);
        ICellExecutor(executor).execute{value: msg.value}(actions);
        bool recorded = _recordDecision(executor, cellId, proposalId, uri, descriptionHash);
        emit ProposalExecuted(proposalId, cellId, recorded);
    }

    /// @inheritdoc ICellGovernor
    function cancel(uint256 proposalId) external {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        uint256 cellId = uint256(s.treeId) << TREE_SHIFT;
        ProposalState current = _state(proposalId, p, s);
        if (current == ProposalState.Canceled || current == ProposalState.Vetoed || current == ProposalState.Executed) {
            revert UnexpectedState(proposalId, current);
        }
        bool byProposer = msg.sender == p.proposer && current == ProposalState.Pending;
        if (!byProposer && !registry.isParentAdmin(msg.sender, cellId)) {
            revert NotAllowedToCancel(msg.sender, proposalId);
        }
        _proposals[proposalId].status = STATUS_CANCELED;
        emit ProposalCanceled(proposalId, cellId, msg.sender);
    }

    /// @inheritdoc ICellGovernor
    function veto(uint256 proposalId) external {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        uint256 cellId = uint256(s.treeId) << TREE_SHIFT;
        if (!registry.isParentAdmin(msg.sender, cellId)) revert NotParentAdmin(msg.sender, proposalId);
        ProposalState current = _state(proposalId, p, s);
        if (current != ProposalState.Succeeded) revert UnexpectedState(proposalId, current);
        _proposals[proposalId].status = STATUS_VETOED;
        emit ProposalVetoed(proposalId, cellId, msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                 VOTING
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellGovernor
    function castVote(uint256 proposalId, uint8 support) external nonReentrant returns (uint256) {
        return _castVote(proposalId, msg.sender, support, "");
    }

    /// @inheritdoc ICellGovernor
    function castVoteWithReason(uint256 proposalId, uint8 support, string calldata reason)
        external
        nonReentrant
        returns (uint256)
    {
        return _castVote(proposalId, msg.sender, support, reason);
    }

    /// @inheritdoc ICellGovernor
    function castVoteBySig(
        uint256 proposalId,
        uint8 support,
        address voter,
        uint256 nonce,
        uint256 deadline,
        string calldata reason,
        bytes calldata signature
    ) external nonReentrant returns (uint256) {
        // forge-lint: disable-next-line(block-timestamp) a signature deadline is wall-clock time
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        if (nonce != _nonces[voter]) revert InvalidNonce(voter, nonce);
        unchecked {
            _nonces[voter] = nonce + 1;
        }
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(BALLOT_TYPEHASH, proposalId, support, voter, nonce, deadline, keccak256(bytes(reason)))
            )
        );
        if (!SignatureChecker.isValidSignatureNowCalldata(voter, digest, signature)) revert InvalidSignature(voter);
        emit NonceUsed(voter, nonce);
        return _castVote(proposalId, voter, support, reason);
    }

    /// @inheritdoc ICellGovernor
    function useNonce() external returns (uint256 nonce) {
        unchecked {
            nonce = _nonces[msg.sender]++;
        }
        emit NonceUsed(msg.sender, nonce);
    }

    function _castVote(uint256 proposalId, address voter, uint8 support, string memory reason)
        private
        returns (uint256 weight)
    {
        ProposalCore memory p = _proposals[proposalId];
        if (p.settingsId == 0) revert ProposalNotFound(proposalId);
        SettingsRecord storage s = _settings[p.settingsId];
        if (p.status != STATUS_LIVE || block.number <= p.snapshot || block.number > p.snapshot + s.votingPeriod) {
            revert UnexpectedState(proposalId, _state(proposalId, p, s));
        }
        if (support > uint8(VoteType.Abstain)) revert InvalidVoteType(support);
        if (_hasVoted[proposalId][voter]) revert AlreadyVoted(proposalId, voter);
        _hasVoted[proposalId][voter] = true;

        weight = _weightOf(proposalId, voter, p.snapshot, s);
        uint256 counted = _count(proposalId, support, weight, s.counting);
        emit VoteCast(voter, proposalId, support, weight, counted, reason);
    }

    /// @dev Role: 1 if the grant began before the snapshot and is still worn (live eligibility), else the
    /// vote is refused. Token: the voter's votes at the snapshot.
    function _weightOf(uint256 proposalId, address voter, uint32 snapshot, SettingsRecord storage s)
        private
        view
        returns (uint256)
    {
        (Electorate electorate, address token) = (s.electorate, s.token);
        if (electorate == Electorate.Token) return IVotes(token).getPastVotes(voter, snapshot);
        uint256 memberRole = (uint256(s.treeId) << TREE_SHIFT) | MEMBER_ROLE_BIT;
        if (!_roles.isWearerOfHat(voter, memberRole) || _roles.wearerSince(memberRole, voter) >= snapshot) {
            revert NotEligibleVoter(proposalId, voter);
        }
        return 1;
    }

    function _count(uint256 proposalId, uint8 support, uint256 weight, Counting counting)
        private
        returns (uint256 counted)
    {
        counted = counting == Counting.Quadratic ? Math.sqrt(weight) : weight;
        Tally storage t = _tallies[proposalId];
        uint128 added = counted.toUint128();
        if (support == uint8(VoteType.For)) t.forVotes += added;
        else if (support == uint8(VoteType.Against)) t.againstVotes += added;
        else t.abstainVotes += added;
        if (counting == Counting.Quadratic) t.participation += weight.toUint128();
    }

    /*//////////////////////////////////////////////////////////////
                                  READS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellGovernor
    function executorOf(uint256 cellId) public view returns (address) {
        return Clones.predictDeterministicAddressWithImmutableArgs(
            executorImplementation, abi.encode(cellId), bytes32(cellId), address(this)
        );
    }

    /// @inheritdoc ICellGovernor
    function settingsIdOf(uint256 cellId) external view returns (uint32) {
        return _settingsIdOf[cellId];
    }

    /// @inheritdoc ICellGovernor
    function settingsOf(uint256 cellId) external view returns (Settings memory settings) {
        uint32 settingsId = _settingsIdOf[cellId];
        if (settingsId == 0) revert NotConfigured(cellId);
        (, settings) = settingsRecord(settingsId);
    }

    /// @inheritdoc ICellGovernor
    function settingsRecord(uint32 settingsId) public view returns (uint256 cellId, Settings memory settings) {
        SettingsRecord storage s = _settings[settingsId];
        cellId = uint256(s.treeId) << TREE_SHIFT;
        settings = Settings({
            electorate: s.electorate,
            counting: s.counting,
            thresholdBps: s.thresholdBps,
            quorumBps: s.quorumBps,
            votingDelay: s.votingDelay,
            votingPeriod: s.votingPeriod,
            executionDelay: s.executionDelay,
            token: s.token,
            proposalThreshold: s.proposalThreshold
        });
    }

    /// @inheritdoc ICellGovernor
    function proposalCore(uint256 proposalId) external view returns (ProposalCore memory) {
        return _proposals[proposalId];
    }

    /// @inheritdoc ICellGovernor
    function proposalCell(uint256 proposalId) external view returns (uint256) {
        (, SettingsRecord storage s) = _load(proposalId);
        return uint256(s.treeId) << TREE_SHIFT;
    }

    /// @inheritdoc ICellGovernor
    function state(uint256 proposalId) external view returns (ProposalState) {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        return _state(proposalId, p, s);
    }

    /// @inheritdoc ICellGovernor
    function proposalTimepoints(uint256 proposalId)
        external
        view
        returns (uint256 snapshot, uint256 voteEnd, uint256 executableFrom)
    {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        snapshot = p.snapshot;
        voteEnd = snapshot + s.votingPeriod;
        executableFrom = voteEnd + s.executionDelay + 1;
    }

    /// @inheritdoc ICellGovernor
    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes, uint256 participation)
    {
        (, SettingsRecord storage s) = _load(proposalId);
        Tally memory t = _tallies[proposalId];
        return (t.againstVotes, t.forVotes, t.abstainVotes, _participation(t, s.counting));
    }

    /// @inheritdoc ICellGovernor
    function quorum(uint256 proposalId) external view returns (uint256 required, uint256 electorate) {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        if (block.number <= p.snapshot) return (0, 0); // the electorate is not fixed yet
        electorate = _electorateSize(p, s);
        required = Math.mulDiv(electorate, s.quorumBps, BPS, Math.Rounding.Ceil);
    }

    /// @inheritdoc ICellGovernor
    function hasVoted(uint256 proposalId, address voter) external view returns (bool) {
        return _hasVoted[proposalId][voter];
    }

    /// @inheritdoc ICellGovernor
    function nonces(address voter) external view returns (uint256) {
        return _nonces[voter];
    }

    /// @inheritdoc ICellGovernor
    function hashProposal(
        uint256 cellId,
        address proposer,
        Action[] calldata actions,
        string calldata uri,
        bytes32 descriptionHash
    ) external pure returns (uint256) {
        return _hashProposal(cellId, proposer, actions, uri, descriptionHash);
    }

    /// @notice The EIP-712 domain separator ballots are signed under.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Checks the actions against the id and the state, then marks the proposal executed before any
    /// call is made: it can never run twice, even if an action re-enters.
    function _markExecuted(uint256 proposalId, Action[] calldata actions, string calldata uri, bytes32 descriptionHash)
        private
        returns (uint256 cellId)
    {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        cellId = uint256(s.treeId) << TREE_SHIFT;
        if (_hashProposal(cellId, p.proposer, actions, uri, descriptionHash) != proposalId) {
            revert ActionsMismatch(proposalId);
        }
        ProposalState current = _state(proposalId, p, s);
        if (current != ProposalState.Executable) revert UnexpectedState(proposalId, current);
        _proposals[proposalId].status = STATUS_EXECUTED;
    }

    /// @dev A vote-run cell's executor wears the cell's admin role and records the decision itself;
    /// otherwise the registry would refuse it, and the ProposalExecuted event is the record.
    function _recordDecision(
        address executor,
        uint256 cellId,
        uint256 proposalId,
        string calldata uri,
        bytes32 descriptionHash
    ) private returns (bool recorded) {
        recorded = _roles.isWearerOfHat(executor, cellId);
        if (recorded) {
            ICellExecutor(executor)
                .executeCall(
                    address(registry),
                    0,
                    abi.encodeCall(ICellRegistry.recordDecision, (cellId, bytes32(proposalId), uri, descriptionHash))
                );
        }
    }

    function _load(uint256 proposalId) private view returns (ProposalCore memory p, SettingsRecord storage s) {
        p = _proposals[proposalId];
        if (p.settingsId == 0) revert ProposalNotFound(proposalId);
        s = _settings[p.settingsId];
    }

    function _state(uint256 proposalId, ProposalCore memory p, SettingsRecord storage s)
        private
        view
        returns (ProposalState)
    {
        if (p.status == STATUS_EXECUTED) return ProposalState.Executed;
        if (p.status == STATUS_CANCELED) return ProposalState.Canceled;
        if (p.status == STATUS_VETOED) return ProposalState.Vetoed;
        if (block.number <= p.snapshot) return ProposalState.Pending;
        uint256 voteEnd = uint256(p.snapshot) + s.votingPeriod;
        if (block.number <= voteEnd) return ProposalState.Active;
        if (!_passed(proposalId, p, s)) return ProposalState.Defeated;
        if (block.number <= voteEnd + s.executionDelay) return ProposalState.Succeeded;
        return ProposalState.Executable;
    }

    /// @dev The outcome once voting is over. Quorum and consent objections are measured against the
    /// electorate at the snapshot in raw weight (members, or tokens).
    function _passed(uint256 proposalId, ProposalCore memory p, SettingsRecord storage s) private view returns (bool) {
        (Counting counting, uint256 thresholdBps, uint256 quorumBps) = (s.counting, s.thresholdBps, s.quorumBps);
        Tally memory t = _tallies[proposalId];
        if (counting == Counting.Consent) {
            // Passes unless the objections reach the threshold share of the electorate.
            return t.againstVotes * BPS < thresholdBps * _electorateSize(p, s);
        }
        if (quorumBps != 0 && _participation(t, counting) * BPS < quorumBps * _electorateSize(p, s)) return false;
        if (counting == Counting.Supermajority) {
            uint256 decided = uint256(t.forVotes) + t.againstVotes;
            return t.forVotes != 0 && uint256(t.forVotes) * BPS >= thresholdBps * decided;
        }
        return t.forVotes > t.againstVotes; // Majority and Quadratic
    }

    function _participation(Tally memory t, Counting counting) private pure returns (uint256) {
        if (counting == Counting.Quadratic) return t.participation;
        return uint256(t.forVotes) + t.againstVotes + t.abstainVotes;
    }

    function _electorateSize(ProposalCore memory p, SettingsRecord storage s) private view returns (uint256) {
        if (s.electorate == Electorate.Role) return p.electorateSupply;
        return IVotes(s.token).getPastTotalSupply(p.snapshot);
    }

    function _hashProposal(
        uint256 cellId,
        address proposer,
        Action[] calldata actions,
        string calldata uri,
        bytes32 descriptionHash
    ) private pure returns (uint256) {
        return uint256(keccak256(abi.encode(cellId, proposer, actions, uri, descriptionHash)));
    }

    function _checkCell(uint256 cellId) private view {
        // A cell id is the top role of the cell's own tree: only the 32-bit tree id is set.
        if (cellId == 0 || cellId & ((uint256(1) << TREE_SHIFT) - 1) != 0) revert NotCellTopRole(cellId);
        if (!registry.cellExists(cellId)) revert CellNotFound(cellId);
    }

    function _validate(uint256 cellId, Settings calldata settings) private view {
        if (settings.votingPeriod == 0) revert InvalidSettings(cellId, "votingPeriod is zero");
        if (settings.quorumBps > BPS || settings.thresholdBps > BPS) revert InvalidSettings(cellId, "bps above 10000");
        if (settings.counting == Counting.Supermajority && settings.thresholdBps <= BPS / 2) {
            revert InvalidSettings(cellId, "supermajority threshold not above half");
        }
        if (settings.counting == Counting.Consent && settings.thresholdBps == 0) {
            revert InvalidSettings(cellId, "consent threshold is zero");
        }
        if (settings.electorate == Electorate.Role) {
            if (settings.token != address(0)) revert InvalidSettings(cellId, "role electorate with a token");
            if (settings.counting == Counting.Quadratic) revert InvalidSettings(cellId, "quadratic needs a token");
            return;
        }
        if (settings.token.code.length == 0) revert InvalidSettings(cellId, "token has no code");
        // Timepoints are block numbers: a token whose ERC-6372 clock is not the block number cannot be used.
        try IERC6372(settings.token).clock() returns (uint48 clock) {
            if (clock != block.number) revert InvalidSettings(cellId, "token clock is not block.number");
        } catch {}
    }

    function _deployExecutor(uint256 cellId) private returns (address executor) {
        executor = executorOf(cellId);
        if (executor.code.length == 0) {
            Clones.cloneDeterministicWithImmutableArgs(executorImplementation, abi.encode(cellId), bytes32(cellId));
            emit ExecutorCreated(cellId, executor);
        }
    }
}
