// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {CellExecutor} from "./CellExecutor.sol";
import {ICellExecutor, ICellGovernor} from "./interfaces/ICellGovernor.sol";
import {ICellRegistry} from "./interfaces/ICellRegistry.sol";
import {IRoles} from "./interfaces/IRoles.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC6372} from "@openzeppelin/contracts/interfaces/IERC6372.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title CellGovernor
/// @notice One governor for every cell on a chain. See ICellGovernor for the model.
///
/// Storage. A vote reads one slot (the proposal core) and writes two (its ballot, its tally counter; a
/// Quadratic vote also writes the participation counter):
///
///   _settings[settingsId]  immutable record, written once by `configure`
///     slot 0  [ executionDelay 24 | votingPeriod 24 | quorumBps 16 | thresholdBps 16 | counting 8 | electorate 8 | token 160 ]
///     slot 1  [ unused 72 | proposalThreshold 128 | votingDelay 24 | treeId 32 ]
///   _proposals[proposalId]  one slot, written once by `propose`, then only its status bits
///     [ flags 8 | votingPeriod 24 | snapshot 32 | settingsId 32 | source 160 ]
///     flags  = status (bits 0-1: live, canceled, vetoed, executed) | electorate << 2 | counting << 3
///     source = Token: the token. Role: treeId (bits 0-31) | member role supply at creation << 32 (24 bits)
///   _tallies[proposalId]  four full-width counters, one slot each (as OpenZeppelin's GovernorCountingSimple)
///     slot 0  againstVotes 256
///     slot 1  forVotes 256
///     slot 2  abstainVotes 256
///     slot 3  participation 256 (Quadratic only: raw weight cast)
///   Every weight is a token's getPastVotes at the snapshot (or 1 per member), and an IVotes token's
///   votes at a timepoint never sum to more than its supply, a uint256 (2^208 for OpenZeppelin's
///   ERC20Votes): no legal token can overflow a counter, and the outcome is computed without products
///   that could overflow (Math.mulDiv against the bps shares).
///   _ballots[proposalId][voter]  one slot per (proposal, voter): bit 0 = voted, bits 1.. = the keyed
///     ballot nonce (`cancelBallot` adds 1), so a batched ballot reads and writes the one slot a vote writes
///
/// The proposer is bound into the id (not stored): execution and the proposer's cancel present the
/// contents, as with OpenZeppelin's governor.
///
/// The decision registry of executed proposals is this contract's ProposalExecuted(proposalId, cellId)
/// event (the contents are in the ProposalCreated of the same id) and its `state`/`proposal` views: an
/// execution writes nothing beyond the proposal's status bits, one warm SSTORE, instead of a registry
/// call through the executor (~21k: a cold account, the admin check in Roles, a slot, a log). Execute
/// hashes its calldata as sent and hands the actions' bytes to the executor as they are, without
/// re-encoding them (see `execute` and `_forwardActions`).
///
/// A cell id is the top role of the cell's own tree, `treeId << 224`, so records keep the 32-bit tree id
/// and the member role is `cellId | 1 << 208` (Roles.buildHatId(cellId, 1)).
contract CellGovernor is ICellGovernor, EIP712, ReentrancyGuardTransient {
    using SafeCast for uint256;

    /// @inheritdoc ICellGovernor
    bytes32 public constant BALLOT_TYPEHASH =
        keccak256("Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce,uint256 deadline)");

    /// @inheritdoc ICellGovernor
    bytes32 public constant KEYED_BALLOT_TYPEHASH = keccak256(
        "KeyedBallot(uint256 proposalId,uint8 support,address voter,uint256 nonce,uint256 deadline,string reason)"
    );
    /// @notice Gas an ERC-1271 wallet gets to check one ballot of a batch (a Safe needs ~10-30k).
    uint256 public constant ERC1271_GAS = 200_000;

    uint256 private constant BPS = 10_000;
    /// @dev Bits below a top role's tree id; a cell id has none of them set.
    uint256 private constant TREE_SHIFT = 224;
    /// @dev Level 1 of a role id: the member role is child 1 of the cell's admin role.
    uint256 private constant MEMBER_ROLE_BIT = uint256(1) << 208;

    /// @dev secp256k1n / 2: a larger `s` is the malleable twin of a valid signature (as OpenZeppelin's ECDSA).
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @dev IERC1271.isValidSignature.selector, left-aligned as the wallet returns it.
    bytes32 private constant ERC1271_MAGIC = 0x1626ba7e00000000000000000000000000000000000000000000000000000000;

    /// @dev VoteCast.selector as a literal, for assembly (a test checks that they are equal).
    bytes32 internal constant VOTE_CAST_TOPIC = 0xb8e138887d0aa13bab447e82de9d5c1777041ecd21ca36ba824ff1e6c07ddda4;

    uint8 private constant STATUS_LIVE = 0;
    uint8 private constant STATUS_CANCELED = 1;
    uint8 private constant STATUS_VETOED = 2;
    uint8 private constant STATUS_EXECUTED = 3;
    uint8 private constant STATUS_MASK = 3;
    uint8 private constant TOKEN_FLAG = 4; // electorate == Token
    uint8 private constant COUNTING_SHIFT = 3;

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

    /// @dev One slot; see the layout above.
    struct ProposalCore {
        uint160 source;
        uint32 settingsId;
        uint32 snapshot;
        uint24 votingPeriod;
        uint8 flags;
    }

    /// @dev One ballot of a `castVotesPacked` input while it is checked: its fields, and where its reason and
    /// signature are in calldata. One per call, reused for every ballot (no memory grows per ballot).
    struct PackedBallot {
        address voter;
        uint256 support;
        uint256 nonce;
        uint256 deadline;
        uint256 reasonOffset;
        uint256 reasonLength;
        uint256 signatureOffset;
        uint256 signatureLength;
        uint256 start; // calldata offset of `packed` (MalformedPackedBallots counts from it)
        uint256 end; // calldata offset just past `packed`
        bytes32 domain; // the EIP-712 domain separator, read once per call
    }

    struct Tally {
        uint256 againstVotes;
        uint256 forVotes;
        uint256 abstainVotes;
        uint256 participation;
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
    // slither-disable-next-line uninitialized-state -- written through `Tally storage` pointers in _countVote; slither misses pointer writes
    mapping(uint256 proposalId => Tally) private _tallies;
    mapping(uint256 proposalId => mapping(address voter => uint256)) private _ballots;
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

        settingsId = ++_lastSettingsId;
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
        returns (uint256 proposalId)
    {
        uint32 settingsId = _settingsIdOf[cellId];
        if (settingsId == 0) revert NotConfigured(cellId);
        proposalId = _hashProposal(cellId, msg.sender, actions, uri, descriptionHash);
        (uint32 snapshot, uint32 voteEnd, uint24 supply) = _store(proposalId, cellId, settingsId);
        emit ProposalCreated(
            proposalId, cellId, msg.sender, settingsId, actions, uri, descriptionHash, snapshot, voteEnd, supply
        );
    }

    /// @dev Checks the proposer and writes the proposal's one slot.
    function _store(uint256 proposalId, uint256 cellId, uint32 settingsId)
        private
        returns (uint32 snapshot, uint32 voteEnd, uint24 supply)
    {
        if (_proposals[proposalId].settingsId != 0) revert ProposalExists(proposalId);
        SettingsRecord storage s = _settings[settingsId];
        uint160 source;
        (source, supply) = _checkProposer(cellId, s);
        (Electorate electorate, Counting counting, uint24 votingPeriod) = (s.electorate, s.counting, s.votingPeriod);
        snapshot = (block.number + s.votingDelay).toUint32();
        voteEnd = snapshot + votingPeriod;
        _proposals[proposalId] = ProposalCore({
            source: source,
            settingsId: settingsId,
            snapshot: snapshot,
            votingPeriod: votingPeriod,
            flags: (electorate == Electorate.Token ? TOKEN_FLAG : 0) | (uint8(counting) << COUNTING_SHIFT)
        });
    }

    /// @dev Role electorates: the proposer wears the member role; the source packs the tree id and the
    /// member role's supply now (the quorum base). Token electorates: the proposer's votes at the previous
    /// block reach the threshold; the source is the token.
    function _checkProposer(uint256 cellId, SettingsRecord storage s)
        private
        view
        returns (uint160 source, uint24 supply)
    {
        (address token, Electorate electorate) = (s.token, s.electorate);
        if (electorate == Electorate.Token) {
            uint256 threshold = s.proposalThreshold;
            if (threshold != 0 && IVotes(token).getPastVotes(msg.sender, block.number - 1) < threshold) {
                revert NotAllowedToPropose(msg.sender, cellId);
            }
            return (uint160(token), 0);
        }
        uint256 memberRole = cellId | MEMBER_ROLE_BIT;
        if (!_roles.isWearerOfHat(msg.sender, memberRole)) revert NotAllowedToPropose(msg.sender, cellId);
        supply = uint256(_roles.hatSupply(memberRole)).toUint24();
        // forge-lint: disable-next-line(unsafe-typecast) a cell id has 32 significant bits above TREE_SHIFT
        source = uint160(cellId >> TREE_SHIFT) | (uint160(supply) << 32);
    }

    /// @inheritdoc ICellGovernor
    function execute(
        uint256 cellId,
        address, /* proposer */
        Action[] calldata, /* actions */
        string calldata, /* uri */
        bytes32 /* descriptionHash */
    )
        external
        payable
        nonReentrant
        returns (uint256 proposalId)
    {
        // The arguments after the selector, canonically encoded, are exactly the abi.encode the id hashes
        // (the same five values in the same order): hashing them as sent skips re-encoding the actions.
        // Equal hashes mean equal bytes, so a matching id decodes to the proposal's own contents; a
        // non-canonical encoding hashes to no proposal and reverts ProposalNotFound.
        proposalId = uint256(keccak256(msg.data[4:]));
        _markExecuted(proposalId);
        _forwardActions(executorOf(cellId), msg.value);
        emit ProposalExecuted(proposalId, cellId);
    }

    /// @inheritdoc ICellGovernor
    function cancelByProposer(uint256 cellId, Action[] calldata actions, string calldata uri, bytes32 descriptionHash)
        external
        returns (uint256 proposalId)
    {
        // The id binds the caller: only the proposer finds its proposal this way.
        proposalId = _hashProposal(cellId, msg.sender, actions, uri, descriptionHash);
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        ProposalState current = _state(proposalId, p, s);
        if (current != ProposalState.Pending) revert UnexpectedState(proposalId, current);
        _proposals[proposalId].flags = p.flags | STATUS_CANCELED;
        emit ProposalCanceled(proposalId, cellId, msg.sender);
    }

    /// @inheritdoc ICellGovernor
    function cancel(uint256 proposalId) external {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        uint256 cellId = uint256(s.treeId) << TREE_SHIFT;
        if (!registry.isParentAdmin(msg.sender, cellId)) revert NotParentAdmin(msg.sender, proposalId);
        ProposalState current = _state(proposalId, p, s);
        if (current == ProposalState.Canceled || current == ProposalState.Vetoed || current == ProposalState.Executed) {
            revert UnexpectedState(proposalId, current);
        }
        _proposals[proposalId].flags = p.flags | STATUS_CANCELED;
        emit ProposalCanceled(proposalId, cellId, msg.sender);
    }

    /// @inheritdoc ICellGovernor
    function veto(uint256 proposalId) external {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        uint256 cellId = uint256(s.treeId) << TREE_SHIFT;
        if (!registry.isParentAdmin(msg.sender, cellId)) revert NotParentAdmin(msg.sender, proposalId);
        ProposalState current = _state(proposalId, p, s);
        if (current != ProposalState.Succeeded) revert UnexpectedState(proposalId, current);
        _proposals[proposalId].flags = p.flags | STATUS_VETOED;
        emit ProposalVetoed(proposalId, cellId, msg.sender);
    }

    /*//////////////////////////////////////////////////////////////
                                 VOTING
    //////////////////////////////////////////////////////////////*/

    // Voting functions are not guarded against re-entry: they make no state-changing external call, and a
    // cell's executed decision may itself be a vote (a cell voting as a member of its parent).

    /// @inheritdoc ICellGovernor
    function castVote(uint256 proposalId, uint8 support) external returns (uint256) {
        return _castVote(proposalId, msg.sender, support, "");
    }

    /// @inheritdoc ICellGovernor
    function castVoteWithReason(uint256 proposalId, uint8 support, string calldata reason) external returns (uint256) {
        return _castVote(proposalId, msg.sender, support, reason);
    }

    /// @inheritdoc ICellGovernor
    function castVoteBySig(uint256 proposalId, uint8 support, address voter, uint256 deadline, bytes calldata signature)
        external
        returns (uint256)
    {
        // forge-lint: disable-next-line(block-timestamp) a signature deadline is wall-clock time
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        uint256 nonce = _nonces[voter];
        unchecked {
            _nonces[voter] = nonce + 1;
        }
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(BALLOT_TYPEHASH, proposalId, support, voter, nonce, deadline)));
        if (!SignatureChecker.isValidSignatureNowCalldata(voter, digest, signature)) revert InvalidSignature(voter);
        return _castVote(proposalId, voter, support, "");
    }

    /// @inheritdoc ICellGovernor
    function useNonce() external returns (uint256 nonce) {
        unchecked {
            nonce = _nonces[msg.sender]++;
        }
        emit NonceUsed(msg.sender, nonce);
    }

    /// @inheritdoc ICellGovernor
    /// @dev Skip, never revert, on a bad ballot (see the interface): the relayer pays only for the loop and
    /// the checks of a skipped ballot. Storage per counted ballot: the (proposal, voter) slot (read, then
    /// written once), the tally counter (warm after the batch's first ballot on the proposal).
    function castVotesBySig(SignedBallot[] calldata ballots) external returns (uint256 counted) {
        uint256 n = ballots.length;
        for (uint256 i; i < n; ++i) {
            SignedBallot calldata b = ballots[i];
            BallotStatus status = _castBallot(b);
            if (status == BallotStatus.Counted) {
                unchecked {
                    ++counted;
                }
            } else {
                emit BallotSkipped(b.voter, b.proposalId, status);
            }
        }
    }

    /// @inheritdoc ICellGovernor
    /// @dev The ballots are read from calldata in place (see the layout in the interface). Per run the
    /// proposal is read and checked once, and its tally written once: during a run every external call is a
    /// STATICCALL (the voting token, Roles, an ERC-1271 wallet), so nothing can change the proposal or its
    /// tally between the run's ballots. The has-voted slot of each ballot is written as it is counted, so a
    /// ballot repeated in the run or in a later run is skipped AlreadyVoted, as in castVotesBySig.
    function castVotesPacked(bytes calldata packed) external returns (uint256 counted) {
        PackedBallot memory b;
        b.domain = _domainSeparatorV4();
        uint256[4] memory delta;
        uint256 at;
        assembly ("memory-safe") {
            at := packed.offset
            mstore(add(b, 0x100), at)
            mstore(add(b, 0x120), add(at, packed.length))
        }
        while (at < b.end) {
            uint256 countedInRun;
            (at, countedInRun) = _castRun(b, at, delta);
            unchecked {
                counted += countedInRun;
            }
        }
    }

    /// @dev One run: `proposalId count ballot{count}` from `at`. Returns where the next run starts.
    function _castRun(PackedBallot memory b, uint256 at, uint256[4] memory delta)
        private
        returns (uint256 next, uint256 counted)
    {
        uint256 proposalId;
        uint256 count;
        unchecked {
            if (at + 34 > b.end) revert MalformedPackedBallots(at - b.start);
            assembly ("memory-safe") {
                proposalId := calldataload(at)
                count := shr(240, calldataload(add(at, 0x20)))
            }
            if (count == 0) revert MalformedPackedBallots(at + 32 - b.start);
            next = at + 34;
        }
        ProposalCore memory p = _proposals[proposalId];
        bool active = _isActive(p);
        mapping(address voter => uint256) storage ballotsOf = _ballots[proposalId];
        for (uint256 i; i < count; ++i) {
            next = _readPackedBallot(b, next);
            BallotStatus status = _castPackedBallot(b, proposalId, p, active, ballotsOf, delta);
            if (status == BallotStatus.Counted) {
                unchecked {
                    ++counted;
                }
            } else {
                emit BallotSkipped(b.voter, proposalId, status);
            }
        }
        if (counted != 0) _addTally(proposalId, delta);
    }

    /// @dev Parses one packed ballot at `at` into `b` (the field order of PackedBallot is the layout of
    /// its memory words used here); returns where the next one starts. The fields are read first and the
    /// bounds checked once at the end: `at` only grows, so every field fits iff the end of the last one is
    /// within `packed` and neither number is longer than 32 bytes (a read past `packed` or past calldata is
    /// harmless, its value unused). A malformed ballot is walked again field by field to name its offset.
    /// Offsets are below 2^64 (calldata) and lengths below 2^16: no sum overflows. A nonce or deadline of 0
    /// bytes reads as 0 (a shift by 256; a length above 32 also shifts out everything, and is refused).
    function _readPackedBallot(PackedBallot memory b, uint256 at) private pure returns (uint256 next) {
        bool malformed;
        assembly ("memory-safe") {
            // voter:20 support:1 nonceLen:1 nonce deadlineLen:1 deadline reasonLen:2 reason sigLen:2 signature
            let head := calldataload(at)
            mstore(b, shr(96, head))
            mstore(add(b, 0x20), and(shr(88, head), 0xff))
            let nonceLength := and(shr(80, head), 0xff)
            next := add(at, 22)
            mstore(add(b, 0x40), shr(sub(256, shl(3, nonceLength)), calldataload(next)))
            next := add(next, nonceLength)
            let deadlineLength := byte(0, calldataload(next))
            next := add(next, 1)
            mstore(add(b, 0x60), shr(sub(256, shl(3, deadlineLength)), calldataload(next)))
            next := add(next, deadlineLength)
            let length := shr(240, calldataload(next))
            next := add(next, 2)
            mstore(add(b, 0x80), next)
            mstore(add(b, 0xa0), length)
            next := add(next, length)
            length := shr(240, calldataload(next))
            next := add(next, 2)
            mstore(add(b, 0xc0), next)
            mstore(add(b, 0xe0), length)
            next := add(next, length)
            malformed := or(gt(next, mload(add(b, 0x120))), or(gt(nonceLength, 32), gt(deadlineLength, 32)))
        }
        if (malformed) {
            _revertMalformedBallot(b, at);
            // Not reached: the walk reverts on any ballot found malformed above.
            revert MalformedPackedBallots(at - b.start);
        }
    }

    /// @dev The field-by-field walk of the ballot at `at`, bounds-checked before every read: reverts
    /// MalformedPackedBallots at the first field that does not fit. Run only once `_readPackedBallot` has
    /// found the ballot malformed, to name where.
    function _revertMalformedBallot(PackedBallot memory b, uint256 at) private pure {
        bytes4 malformed = MalformedPackedBallots.selector;
        assembly ("memory-safe") {
            function fail(selector, offset) {
                mstore(0, selector)
                mstore(4, offset)
                revert(0, 0x24)
            }
            let start := mload(add(b, 0x100))
            let end := mload(add(b, 0x120))
            // voter:20 support:1 nonceLen:1
            if gt(add(at, 22), end) { fail(malformed, sub(at, start)) }
            let head := calldataload(at)
            mstore(b, shr(96, head))
            mstore(add(b, 0x20), and(shr(88, head), 0xff))
            let length := and(shr(80, head), 0xff)
            at := add(at, 22)
            if gt(length, 32) { fail(malformed, sub(sub(at, 1), start)) }
            if gt(add(at, length), end) { fail(malformed, sub(at, start)) }
            mstore(add(b, 0x40), shr(sub(256, shl(3, length)), calldataload(at)))
            at := add(at, length)
            // deadlineLen:1 deadline
            if gt(add(at, 1), end) { fail(malformed, sub(at, start)) }
            length := byte(0, calldataload(at))
            at := add(at, 1)
            if gt(length, 32) { fail(malformed, sub(sub(at, 1), start)) }
            if gt(add(at, length), end) { fail(malformed, sub(at, start)) }
            mstore(add(b, 0x60), shr(sub(256, shl(3, length)), calldataload(at)))
            at := add(at, length)
            // reasonLen:2 reason, then sigLen:2 signature
            for { let field := add(b, 0x80) } lt(field, add(b, 0x100)) { field := add(field, 0x40) } {
                if gt(add(at, 2), end) { fail(malformed, sub(at, start)) }
                length := shr(240, calldataload(at))
                if gt(add(add(at, 2), length), end) { fail(malformed, sub(at, start)) }
                mstore(field, add(at, 2))
                mstore(add(field, 0x20), length)
                at := add(add(at, 2), length)
            }
        }
    }

    /// @dev The checks of `_castBallot`, in the same order, on a packed ballot; counts it into `delta`.
    function _castPackedBallot(
        PackedBallot memory b,
        uint256 proposalId,
        ProposalCore memory p,
        bool active,
        mapping(address voter => uint256) storage ballotsOf,
        uint256[4] memory delta
    ) private returns (BallotStatus) {
        // forge-lint: disable-next-line(block-timestamp) a signature deadline is wall-clock time
        if (block.timestamp > b.deadline) return BallotStatus.Expired;
        uint256 support = b.support;
        if (support > uint8(VoteType.Abstain)) return BallotStatus.InvalidVoteType;
        if (!active) return BallotStatus.NotActive;
        address voter = b.voter;
        uint256 ballotSlot;
        uint256 slot;
        assembly ("memory-safe") {
            // ballotsOf[voter], its storage slot computed once for the read and the write
            mstore(0, voter)
            mstore(0x20, ballotsOf.slot)
            ballotSlot := keccak256(0, 0x40)
            slot := sload(ballotSlot)
        }
        if (slot & 1 != 0) return BallotStatus.AlreadyVoted;
        if (slot >> 1 != b.nonce) return BallotStatus.StaleNonce;
        {
            (bytes32 digest, bool signed) = _packedDigestAndRecover(b, proposalId);
            if (!signed && !_isValidErc1271(voter, digest, b)) return BallotStatus.InvalidSignature;
        }
        uint256 weight;
        if (p.flags & TOKEN_FLAG != 0) {
            weight = _pastVotes(address(p.source), voter, p.snapshot);
        } else {
            bool eligible;
            (eligible, weight) = _tryWeightOf(voter, p);
            if (!eligible) return BallotStatus.NotEligible;
        }
        assembly ("memory-safe") {
            sstore(ballotSlot, or(slot, 1))
        }
        // VoteType order is the tally's slot order: Against 0, For 1, Abstain 2; delta[3] = participation.
        if (p.flags >> COUNTING_SHIFT == uint8(Counting.Quadratic)) {
            delta[support] += Math.sqrt(weight);
            delta[3] += weight;
        } else {
            delta[support] += weight;
        }
        assembly ("memory-safe") {
            // VoteCast(voter, proposalId, support, weight, reason), the reason copied from calldata
            let ptr := mload(0x40)
            let reasonLength := mload(add(b, 0xa0))
            mstore(ptr, support)
            mstore(add(ptr, 0x20), weight)
            mstore(add(ptr, 0x40), 0x60)
            mstore(add(ptr, 0x60), reasonLength)
            calldatacopy(add(ptr, 0x80), mload(add(b, 0x80)), reasonLength)
            mstore(add(add(ptr, 0x80), reasonLength), 0)
            log3(ptr, add(0x80, and(add(reasonLength, 31), not(31))), VOTE_CAST_TOPIC, voter, proposalId)
        }
        return BallotStatus.Counted;
    }

    /// @dev `IVotes(token).getPastVotes(voter, snapshot)` without the ABI coder's memory and checks; as the
    /// high-level call, a reverting token (or one returning less than a word) reverts with its data.
    function _pastVotes(address token, address voter, uint256 snapshot) private view returns (uint256 weight) {
        bytes4 selector = IVotes.getPastVotes.selector;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), voter)
            mstore(add(ptr, 0x24), snapshot)
            let ok := staticcall(gas(), token, ptr, 0x44, 0, 0x20)
            if iszero(and(ok, gt(returndatasize(), 0x1f))) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
            weight := mload(0)
        }
    }

    /// @dev The EIP-712 digest of the KeyedBallot (built in scratch memory past the free pointer) and whether
    /// it carries the voter's ECDSA signature: 65 bytes, low s, v 27 or 28, through the ecrecover precompile
    /// (as OpenZeppelin's ECDSA.tryRecover, the malleable twin of a signature is refused).
    function _packedDigestAndRecover(PackedBallot memory b, uint256 proposalId)
        private
        view
        returns (bytes32 digest, bool signed)
    {
        bytes32 typehash = KEYED_BALLOT_TYPEHASH;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let reasonLength := mload(add(b, 0xa0))
            calldatacopy(ptr, mload(add(b, 0x80)), reasonLength)
            let reasonHash := keccak256(ptr, reasonLength)
            let voter := mload(b)
            mstore(ptr, typehash)
            mstore(add(ptr, 0x20), proposalId)
            mstore(add(ptr, 0x40), mload(add(b, 0x20)))
            mstore(add(ptr, 0x60), voter)
            mstore(add(ptr, 0x80), mload(add(b, 0x40)))
            mstore(add(ptr, 0xa0), mload(add(b, 0x60)))
            mstore(add(ptr, 0xc0), reasonHash)
            let structHash := keccak256(ptr, 0xe0)
            mstore(ptr, shl(240, 0x1901))
            mstore(add(ptr, 0x02), mload(add(b, 0x140)))
            mstore(add(ptr, 0x22), structHash)
            digest := keccak256(ptr, 0x42)
            let offset := mload(add(b, 0xc0))
            if eq(mload(add(b, 0xe0)), 65) {
                let s := calldataload(add(offset, 0x20))
                let v := byte(0, calldataload(add(offset, 0x40)))
                if and(iszero(gt(s, HALF_CURVE_ORDER)), or(eq(v, 27), eq(v, 28))) {
                    mstore(ptr, digest)
                    mstore(add(ptr, 0x20), v)
                    mstore(add(ptr, 0x40), calldataload(offset))
                    mstore(add(ptr, 0x60), s)
                    mstore(0, 0)
                    // The precompile returns nothing for a signature that recovers no key: mload(0) stays 0.
                    let ok := staticcall(gas(), 1, ptr, 0x80, 0, 0x20)
                    let recovered := mload(0)
                    signed := and(ok, and(eq(recovered, voter), iszero(iszero(recovered))))
                }
            }
        }
    }

    /// @dev The ERC-1271 half of `_isValidSignature` on a signature in place in calldata: only a voter with
    /// code, capped at ERC1271_GAS, with at most one word of return data copied.
    function _isValidErc1271(address voter, bytes32 digest, PackedBallot memory b) private view returns (bool valid) {
        if (voter.code.length == 0) return false;
        uint256 offset = b.signatureOffset;
        uint256 length = b.signatureLength;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, ERC1271_MAGIC)
            mstore(add(ptr, 0x04), digest)
            mstore(add(ptr, 0x24), 0x40)
            mstore(add(ptr, 0x44), length)
            calldatacopy(add(ptr, 0x64), offset, length)
            mstore(add(add(ptr, 0x64), length), 0)
            mstore(0, 0)
            let ok := staticcall(ERC1271_GAS, voter, ptr, add(0x64, and(add(length, 31), not(31))), 0, 0x20)
            if lt(returndatasize(), 0x20) { ok := 0 }
            valid := and(ok, eq(mload(0), ERC1271_MAGIC))
        }
    }

    /// @dev Adds a run's counted weight to the proposal's tally (checked, as `_count`) and clears `delta`.
    function _addTally(uint256 proposalId, uint256[4] memory delta) private {
        Tally storage t = _tallies[proposalId];
        if (delta[0] != 0) t.againstVotes += delta[0];
        if (delta[1] != 0) t.forVotes += delta[1];
        if (delta[2] != 0) t.abstainVotes += delta[2];
        if (delta[3] != 0) t.participation += delta[3];
        (delta[0], delta[1], delta[2], delta[3]) = (0, 0, 0, 0);
    }

    /// @inheritdoc ICellGovernor
    function cancelBallot(uint256 proposalId) external returns (uint256 nonce) {
        uint256 slot = _ballots[proposalId][msg.sender];
        nonce = slot >> 1;
        _ballots[proposalId][msg.sender] = slot + 2;
        emit BallotCanceled(msg.sender, proposalId, nonce);
    }

    /// @dev Checks one keyed ballot and counts it; returns why it was not counted otherwise.
    function _castBallot(SignedBallot calldata b) private returns (BallotStatus) {
        // forge-lint: disable-next-line(block-timestamp) a signature deadline is wall-clock time
        if (block.timestamp > b.deadline) return BallotStatus.Expired;
        uint8 support = b.support;
        if (support > uint8(VoteType.Abstain)) return BallotStatus.InvalidVoteType;
        (uint256 proposalId, address voter) = (b.proposalId, b.voter);
        ProposalCore memory p = _proposals[proposalId];
        if (!_isActive(p)) return BallotStatus.NotActive;
        uint256 slot = _ballots[proposalId][voter];
        if (slot & 1 != 0) return BallotStatus.AlreadyVoted;
        if (slot >> 1 != b.nonce) return BallotStatus.StaleNonce;
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    KEYED_BALLOT_TYPEHASH, proposalId, support, voter, b.nonce, b.deadline, keccak256(bytes(b.reason))
                )
            )
        );
        if (!_isValidSignature(voter, digest, b.signature)) return BallotStatus.InvalidSignature;
        (bool eligible, uint256 weight) = _tryWeightOf(voter, p);
        if (!eligible) return BallotStatus.NotEligible;
        _ballots[proposalId][voter] = slot | 1;
        _count(proposalId, support, weight, Counting(p.flags >> COUNTING_SHIFT));
        emit VoteCast(voter, proposalId, support, weight, b.reason);
        return BallotStatus.Counted;
    }

    /// @dev ECDSA first (no code read for an EOA), then ERC-1271 with a gas cap: a wallet that reverts,
    /// burns its gas or returns garbage only makes its own ballot invalid.
    function _isValidSignature(address voter, bytes32 digest, bytes calldata signature) private view returns (bool) {
        // slither-disable-next-line unused-return -- the third value only says which malformation made `err` non-zero; `err` itself is checked
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == voter) return true;
        if (voter.code.length == 0) return false;
        bytes memory data = abi.encodeCall(IERC1271.isValidSignature, (digest, signature));
        bool ok;
        bytes32 magic;
        assembly ("memory-safe") {
            // Copies at most one word of return data (no return-data bomb).
            mstore(0, 0)
            ok := staticcall(ERC1271_GAS, voter, add(data, 0x20), mload(data), 0, 0x20)
            magic := mload(0)
            if lt(returndatasize(), 0x20) { ok := 0 }
        }
        return ok && magic == bytes32(IERC1271.isValidSignature.selector);
    }

    function _castVote(uint256 proposalId, address voter, uint8 support, string memory reason)
        private
        returns (uint256 weight)
    {
        ProposalCore memory p = _proposals[proposalId];
        if (p.settingsId == 0) revert ProposalNotFound(proposalId);
        if (!_isActive(p)) revert UnexpectedState(proposalId, _state(proposalId, p, _settings[p.settingsId]));
        if (support > uint8(VoteType.Abstain)) revert InvalidVoteType(support);
        uint256 slot = _ballots[proposalId][voter];
        if (slot & 1 != 0) revert AlreadyVoted(proposalId, voter);
        _ballots[proposalId][voter] = slot | 1;

        bool eligible;
        (eligible, weight) = _tryWeightOf(voter, p);
        if (!eligible) revert NotEligibleVoter(proposalId, voter);
        _count(proposalId, support, weight, Counting(p.flags >> COUNTING_SHIFT));
        emit VoteCast(voter, proposalId, support, weight, reason);
    }

    /// @dev Live and inside the voting window (a missing proposal has snapshot 0 and period 0: never active).
    function _isActive(ProposalCore memory p) private view returns (bool) {
        return p.settingsId != 0 && p.flags & STATUS_MASK == STATUS_LIVE && block.number > p.snapshot
            && block.number <= uint256(p.snapshot) + p.votingPeriod;
    }

    /// @dev Token: the voter's votes at the snapshot. Role: 1 if the grant began before the snapshot and
    /// is still worn (live eligibility), otherwise not eligible.
    function _tryWeightOf(address voter, ProposalCore memory p) private view returns (bool, uint256) {
        if (p.flags & TOKEN_FLAG != 0) return (true, IVotes(address(p.source)).getPastVotes(voter, p.snapshot));
        uint256 memberRole = (uint256(uint32(p.source)) << TREE_SHIFT) | MEMBER_ROLE_BIT;
        if (!_roles.isWearerOfHat(voter, memberRole) || _roles.wearerSince(memberRole, voter) >= p.snapshot) {
            return (false, 0);
        }
        return (true, 1);
    }

    /// @dev Checked sums: each counter is at most the sum of the voters' weights at the snapshot (sqrt(w) <= w
    /// for Quadratic), which a legal IVotes token bounds by its supply. Only a token that reports more votes
    /// than a uint256 holds could make a vote revert here, and such a token breaks its own electorate.
    function _count(uint256 proposalId, uint8 support, uint256 weight, Counting counting) private {
        uint256 counted = counting == Counting.Quadratic ? Math.sqrt(weight) : weight;
        Tally storage t = _tallies[proposalId];
        if (support == uint8(VoteType.For)) t.forVotes += counted;
        else if (support == uint8(VoteType.Against)) t.againstVotes += counted;
        else t.abstainVotes += counted;
        if (counting == Counting.Quadratic) t.participation += weight;
    }

    /*//////////////////////////////////////////////////////////////
                                  READS
    //////////////////////////////////////////////////////////////*/

    /// @inheritdoc ICellGovernor
    function executorOf(uint256 cellId) public view returns (address executor) {
        // Clones.predictDeterministicAddressWithImmutableArgs(executorImplementation, abi.encode(cellId),
        // bytes32(cellId), address(this)) without building the code through abi.encodePacked (execute
        // computes it every time). The clone's creation code (87 bytes):
        //   61 004d 3d81600a3d39f3363d3d373d3d3d363d73 | implementation 20 | 5af43d82803e903d91602b57fd5bf3 | cellId 32
        // Each store below only overwrites lower bytes than the ones already written.
        address implementation = executorImplementation;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(add(ptr, 0x43), cellId)
            mstore(add(ptr, 0x23), 0x5af43d82803e903d91602b57fd5bf3)
            mstore(add(ptr, 0x14), implementation)
            mstore(ptr, 0x61004d3d81600a3d39f3363d3d373d3d3d363d73)
            let codeHash := keccak256(add(ptr, 0x0c), 0x57)
            // CREATE2: keccak256(0xff | deployer | salt | codeHash)[12:]
            mstore(add(ptr, 0x40), codeHash)
            mstore(add(ptr, 0x20), cellId)
            mstore(ptr, address())
            mstore8(add(ptr, 0x0b), 0xff)
            executor := and(keccak256(add(ptr, 0x0b), 0x55), 0xffffffffffffffffffffffffffffffffffffffff)
        }
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
    function proposal(uint256 proposalId) external view returns (ProposalView memory v) {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        bool isToken = p.flags & TOKEN_FLAG != 0;
        v.cellId = uint256(s.treeId) << TREE_SHIFT;
        v.settingsId = p.settingsId;
        v.snapshot = p.snapshot;
        v.voteEnd = p.snapshot + p.votingPeriod;
        v.executableFrom = v.voteEnd + s.executionDelay + 1;
        v.electorateSupply = isToken ? 0 : uint24(p.source >> 32);
        v.electorate = isToken ? Electorate.Token : Electorate.Role;
        v.counting = Counting(p.flags >> COUNTING_SHIFT);
        v.token = isToken ? address(p.source) : address(0);
        v.state = _state(proposalId, p, s);
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
        voteEnd = snapshot + p.votingPeriod;
        executableFrom = voteEnd + s.executionDelay + 1;
    }

    /// @inheritdoc ICellGovernor
    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes, uint256 participation)
    {
        (ProposalCore memory p,) = _load(proposalId);
        Tally storage t = _tallies[proposalId];
        return (t.againstVotes, t.forVotes, t.abstainVotes, _participation(t, Counting(p.flags >> COUNTING_SHIFT)));
    }

    /// @inheritdoc ICellGovernor
    function quorum(uint256 proposalId) external view returns (uint256 required, uint256 electorate) {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        if (block.number <= p.snapshot) return (0, 0); // the electorate is not fixed yet
        electorate = _electorateSize(p);
        required = Math.mulDiv(electorate, s.quorumBps, BPS, Math.Rounding.Ceil);
    }

    /// @inheritdoc ICellGovernor
    function hasVoted(uint256 proposalId, address voter) external view returns (bool) {
        return _ballots[proposalId][voter] & 1 != 0;
    }

    /// @inheritdoc ICellGovernor
    function ballotNonce(uint256 proposalId, address voter) external view returns (uint256) {
        return _ballots[proposalId][voter] >> 1;
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

    /// @inheritdoc ICellGovernor
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    /*//////////////////////////////////////////////////////////////
                                INTERNALS
    //////////////////////////////////////////////////////////////*/

    /// @dev Effects before interactions: the proposal is marked executed before any action runs, so it can
    /// never run twice, even if an action re-enters.
    function _markExecuted(uint256 proposalId) private {
        (ProposalCore memory p, SettingsRecord storage s) = _load(proposalId);
        ProposalState current = _state(proposalId, p, s);
        if (current != ProposalState.Executable) revert UnexpectedState(proposalId, current);
        _proposals[proposalId].flags = p.flags | STATUS_EXECUTED;
    }

    /// @dev Calls `executor.execute(actions)` with the actions' encoding copied as it is from execute's
    /// calldata instead of re-encoded. Only after the id check: the calldata is then canonical, so the
    /// actions' tail runs from its offset (head word 2) to the uri's offset (head word 3). The executor of a
    /// configured cell always has code (configure deploys it, it cannot self-destruct); the check stays so
    /// an empty account can never swallow the actions. Reverts with the executor's revert data.
    function _forwardActions(address executor, uint256 value) private {
        if (executor.code.length == 0) revert ExecutorNotDeployed(executor);
        bytes4 selector = ICellExecutor.execute.selector;
        assembly ("memory-safe") {
            let actionsStart := add(4, calldataload(0x44))
            let length := sub(add(4, calldataload(0x64)), actionsStart)
            let ptr := mload(0x40)
            mstore(ptr, selector)
            mstore(add(ptr, 0x04), 0x20)
            calldatacopy(add(ptr, 0x24), actionsStart, length)
            if iszero(call(gas(), executor, value, ptr, add(0x24, length), 0, 0)) {
                returndatacopy(ptr, 0, returndatasize())
                revert(ptr, returndatasize())
            }
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
        uint8 status = p.flags & STATUS_MASK;
        if (status == STATUS_EXECUTED) return ProposalState.Executed;
        if (status == STATUS_CANCELED) return ProposalState.Canceled;
        if (status == STATUS_VETOED) return ProposalState.Vetoed;
        if (block.number <= p.snapshot) return ProposalState.Pending;
        uint256 voteEnd = uint256(p.snapshot) + p.votingPeriod;
        if (block.number <= voteEnd) return ProposalState.Active;
        if (!_passed(proposalId, p, s)) return ProposalState.Defeated;
        if (block.number <= voteEnd + s.executionDelay) return ProposalState.Succeeded;
        return ProposalState.Executable;
    }

    /// @dev The outcome once voting is over. Quorum and consent objections are measured against the
    /// electorate at the snapshot in raw weight (members, or tokens). `x * BPS < bps * n` is computed as
    /// `x < ceil(n * bps / BPS)` (Math.mulDiv, never overflows as bps <= BPS), so full-width tallies and
    /// supplies cannot overflow the comparison.
    function _passed(uint256 proposalId, ProposalCore memory p, SettingsRecord storage s) private view returns (bool) {
        Counting counting = Counting(p.flags >> COUNTING_SHIFT);
        (uint256 thresholdBps, uint256 quorumBps) = (s.thresholdBps, s.quorumBps);
        // For and against decide most outcomes; abstain and participation are read only when the quorum
        // is not already met without them.
        Tally storage t = _tallies[proposalId];
        (uint256 forVotes, uint256 againstVotes) = (t.forVotes, t.againstVotes);
        if (counting == Counting.Consent) {
            // Passes unless the objections reach the threshold share of the electorate.
            return againstVotes < _share(_electorateSize(p), thresholdBps);
        }
        // for + against (+ abstain) <= the token's supply at the snapshot: the sums cannot overflow.
        if (counting == Counting.Supermajority) {
            if (forVotes == 0 || forVotes < _share(forVotes + againstVotes, thresholdBps)) return false;
        } else if (forVotes <= againstVotes) {
            return false; // Majority and Quadratic
        }
        if (quorumBps == 0) return true;
        uint256 required = _share(_electorateSize(p), quorumBps);
        if (counting != Counting.Quadratic && forVotes + againstVotes >= required) return true;
        return _participation(t, counting) >= required;
    }

    /// @dev ceil(n * bps / BPS): `x * BPS < bps * n` exactly when `x < _share(n, bps)`.
    function _share(uint256 n, uint256 bps) private pure returns (uint256) {
        return Math.mulDiv(n, bps, BPS, Math.Rounding.Ceil);
    }

    function _participation(Tally storage t, Counting counting) private view returns (uint256) {
        if (counting == Counting.Quadratic) return t.participation;
        return t.forVotes + t.againstVotes + t.abstainVotes;
    }

    function _electorateSize(ProposalCore memory p) private view returns (uint256) {
        if (p.flags & TOKEN_FLAG == 0) return uint24(p.source >> 32);
        return IVotes(address(p.source)).getPastTotalSupply(p.snapshot);
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
            // slither-disable-next-line unused-return -- the clone address is the CREATE2 address executorOf(cellId) already holds; a failed clone reverts
            Clones.cloneDeterministicWithImmutableArgs(executorImplementation, abi.encode(cellId), bytes32(cellId));
            emit ExecutorCreated(cellId, executor);
        }
    }
}
