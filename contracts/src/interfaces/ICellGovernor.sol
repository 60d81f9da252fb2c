// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ICellRegistry} from "./ICellRegistry.sol";

/// @title ICellGovernor
/// @notice One governor per chain for every cell: per-cell settings, proposals scoped to a cell, votes
/// by role (one member, one vote) or by token (`IVotes.getPastVotes`), an execution delay during which
/// the parent cell's admin may veto, and execution through the cell's own executor (an EIP-1167 clone
/// at `executorOf(cellId)`), so an executed proposal carries exactly its cell's authority.
///
/// Timepoints (snapshot, voting delay, period, execution delay) are block numbers: `Roles.wearerSince`
/// is a block number and OpenZeppelin's ERC20Votes clock is `block.number` by default.
///
/// Proposal ids are `keccak256(abi.encode(cellId, proposer, actions, uri, descriptionHash))`: bound to the
/// proposer and the cell, so nobody can take another proposer's id first (the front-running of plain
/// content-hash ids). Like OpenZeppelin's governor, execution takes the contents (from ProposalCreated)
/// and recomputes the id, so only what was voted on can run.
interface ICellGovernor {
    /*//////////////////////////////////////////////////////////////
                                 TYPES
    //////////////////////////////////////////////////////////////*/

    /// @notice Who votes. Role: each wearer of the cell's member role, one vote, if the grant began
    /// before the snapshot block and is still worn when voting. Token: `IVotes.getPastVotes` at the snapshot.
    enum Electorate {
        Role,
        Token
    }

    /// @notice How votes decide.
    /// Majority: for > against, with quorum. Supermajority: for >= thresholdBps of (for + against), with
    /// quorum. Consent: passes at the end unless objections (against) reach thresholdBps of the
    /// electorate; no quorum. Quadratic (token electorates only): majority over sqrt(weight), quorum on raw weight.
    enum Counting {
        Majority,
        Supermajority,
        Consent,
        Quadratic
    }

    /// @notice Vote types, OpenZeppelin's numbering. Under Consent, Against is an objection.
    enum VoteType {
        Against,
        For,
        Abstain
    }

    enum ProposalState {
        Pending, // created, voting has not started (block <= snapshot)
        Active, // voting open
        Canceled, // by the proposer before voting, or by the parent's admin before execution
        Defeated, // voting closed, did not pass
        Succeeded, // passed; the execution delay runs and the parent's admin may veto
        Executable, // passed and the execution delay is over
        Vetoed, // vetoed by the parent's admin during the execution delay
        Executed
    }

    /// @notice A cell's governance settings. Stored as an immutable record; proposals keep the record
    /// they were created under, so a settings change never alters a running vote.
    /// @param electorate who votes
    /// @param counting how votes decide
    /// @param thresholdBps Supermajority: share of for in (for + against); Consent: objections as a share
    /// of the electorate that block. Ignored otherwise.
    /// @param quorumBps share of the electorate at the snapshot that must take part (raw weight)
    /// @param votingDelay blocks between proposal and snapshot
    /// @param votingPeriod blocks of voting after the snapshot
    /// @param executionDelay blocks after voting during which the parent's admin may veto
    /// @param token the IVotes token of a Token electorate (zero for Role)
    /// @param proposalThreshold Token electorates: votes needed to propose (0: any holder of votes or not).
    /// Role electorates: ignored, proposers must wear the member role.
    struct Settings {
        Electorate electorate;
        Counting counting;
        uint16 thresholdBps;
        uint16 quorumBps;
        uint24 votingDelay;
        uint24 votingPeriod;
        uint24 executionDelay;
        address token;
        uint128 proposalThreshold;
    }

    /// @notice One call the cell's executor makes.
    struct Action {
        address target;
        uint256 value;
        bytes data;
    }

    /// @notice A proposal as `proposal(id)` returns it.
    /// @param cellId the cell it belongs to
    /// @param settingsId the settings record it runs under
    /// @param snapshot votes are counted as of this block; voting opens in the next one
    /// @param voteEnd last block of voting
    /// @param executableFrom first block it can execute in (after the execution delay), if it passed
    /// @param electorateSupply Role electorates: member role supply at creation (the quorum base)
    struct ProposalView {
        uint256 cellId;
        uint32 settingsId;
        uint32 snapshot;
        uint32 voteEnd;
        uint32 executableFrom;
        uint24 electorateSupply;
        Electorate electorate;
        Counting counting;
        address token;
        ProposalState state;
    }

    /// @notice One signed ballot of a `castVotesBySig` batch. The voter signs the EIP-712 struct
    /// `KeyedBallot(uint256 proposalId,uint8 support,address voter,uint256 nonce,uint256 deadline,string reason)`
    /// (see KEYED_BALLOT_TYPEHASH). `nonce` is keyed by the proposal: `ballotNonce(proposalId, voter)`,
    /// 0 until the voter cancels a pending ballot on that proposal (`cancelBallot`).
    /// @param signature 65-byte ECDSA signature, or anything the voter's ERC-1271 wallet accepts
    struct SignedBallot {
        uint256 proposalId;
        address voter;
        uint8 support;
        uint256 nonce;
        uint256 deadline;
        string reason;
        bytes signature;
    }

    /// @notice Why `castVotesBySig` skipped a ballot (`BallotSkipped`). `Counted` is never emitted.
    enum BallotStatus {
        Counted,
        Expired, // block.timestamp > deadline
        InvalidVoteType, // support > Abstain
        NotActive, // the proposal does not exist or is not Active
        AlreadyVoted, // the voter already voted on the proposal (directly, or an earlier ballot)
        StaleNonce, // the ballot's nonce is not ballotNonce(proposalId, voter): canceled
        InvalidSignature, // neither the voter's ECDSA key nor its ERC-1271 wallet signed it
        NotEligible // role electorates: the voter does not wear the member role since before the snapshot
    }

    /*//////////////////////////////////////////////////////////////
                                 ERRORS
    //////////////////////////////////////////////////////////////*/

    error CellNotFound(uint256 cellId);
    error NotCellTopRole(uint256 cellId);
    error NotConfigured(uint256 cellId);
    error NotAllowedToConfigure(address account, uint256 cellId);
    error InvalidSettings(uint256 cellId, string reason);
    error NotAllowedToPropose(address account, uint256 cellId);
    error EmptyProposal();
    error ProposalExists(uint256 proposalId);
    error ProposalNotFound(uint256 proposalId);
    error UnexpectedState(uint256 proposalId, ProposalState current);
    error InvalidVoteType(uint8 support);
    error AlreadyVoted(uint256 proposalId, address voter);
    error NotEligibleVoter(uint256 proposalId, address voter);
    error InvalidSignature(address voter);
    error SignatureExpired(uint256 deadline);
    error NotParentAdmin(address account, uint256 proposalId);
    /// @notice Never expected: configure deploys a cell's executor before any proposal can exist.
    error ExecutorNotDeployed(address executor);
    /// @notice `castVotesPacked`: the packed input does not follow the layout at byte `offset` of `packed`
    /// (a field runs past the end, a run holds no ballot, or a nonce or deadline is longer than 32 bytes).
    /// The relayer's encoding is wrong, not a voter's ballot: re-encode (see castVotesPacked's layout).
    error MalformedPackedBallots(uint256 offset);

    /*//////////////////////////////////////////////////////////////
                                 EVENTS
    //////////////////////////////////////////////////////////////*/

    /// @notice A cell's settings changed; `settingsId` is the new immutable record proposals refer to.
    event SettingsChanged(uint256 indexed cellId, uint32 indexed settingsId, address indexed by, Settings settings);
    /// @notice The cell's executor clone was deployed.
    event ExecutorCreated(uint256 indexed cellId, address indexed executor);
    /// @notice Everything an indexer needs to rebuild the proposal: its cell, settings record, actions,
    /// description, voting window (blocks, inclusive) and the electorate size used for role quorums.
    event ProposalCreated(
        uint256 indexed proposalId,
        uint256 indexed cellId,
        address indexed proposer,
        uint32 settingsId,
        Action[] actions,
        string uri,
        bytes32 descriptionHash,
        uint32 snapshot,
        uint32 voteEnd,
        uint24 electorateSupply
    );
    /// @notice `weight` is the raw weight (1 for a member, tokens for a holder); under Quadratic the tally
    /// receives sqrt(weight). The proposal's cell and counting are in its ProposalCreated.
    event VoteCast(address indexed voter, uint256 indexed proposalId, uint8 support, uint256 weight, string reason);
    event ProposalCanceled(uint256 indexed proposalId, uint256 indexed cellId, address indexed by);
    event ProposalVetoed(uint256 indexed proposalId, uint256 indexed cellId, address indexed by);
    /// @notice The record of an executed proposal in the cell's decision registry (issue 16): every
    /// execution emits it, whoever wears the cell's admin role. Its contents (actions, uri, description
    /// hash) are in the ProposalCreated of the same id, which the id commits to; `state(proposalId)`
    /// (Executed) and `proposal(proposalId).cellId` answer the same on chain. Decisions a cell's admin
    /// records by hand are the registry's DecisionRecorded.
    event ProposalExecuted(uint256 indexed proposalId, uint256 indexed cellId);
    /// @notice `castVotesBySig` did not count `voter`'s ballot on `proposalId` (a counted ballot emits
    /// VoteCast instead). The batch goes on: one bad, front-run or already used ballot never reverts it.
    event BallotSkipped(address indexed voter, uint256 indexed proposalId, BallotStatus status);
    /// @notice `voter` canceled its pending keyed ballots on `proposalId`: ballots signed over `nonce` no
    /// longer count; new ones are signed over `nonce + 1`.
    event BallotCanceled(address indexed voter, uint256 indexed proposalId, uint256 nonce);
    /// @notice A voter invalidated its outstanding signed ballots (`useNonce`). Nonces used by
    /// `castVoteBySig` are implied by its VoteCast.
    event NonceUsed(address indexed voter, uint256 nonce);

    /*//////////////////////////////////////////////////////////////
                                 WRITES
    //////////////////////////////////////////////////////////////*/

    /// @notice Sets a cell's governance settings and deploys its executor if absent. The first
    /// configuration: the cell's admin or the parent's admin. Afterwards: only the cell's own governance
    /// (its executor) or the parent's admin.
    function configure(uint256 cellId, Settings calldata settings) external returns (uint32 settingsId);

    /// @notice Deploys the cell's executor if absent (anyone; it is inert until the cell is configured).
    function deployExecutor(uint256 cellId) external returns (address executor);

    /// @notice Creates a proposal in `cellId`. Role electorates: the caller wears the member role.
    /// Token electorates: the caller's votes at the previous block reach the proposal threshold.
    function propose(uint256 cellId, Action[] calldata actions, string calldata uri, bytes32 descriptionHash)
        external
        returns (uint256 proposalId);

    function castVote(uint256 proposalId, uint8 support) external returns (uint256 weight);

    function castVoteWithReason(uint256 proposalId, uint8 support, string calldata reason)
        external
        returns (uint256 weight);

    /// @notice Casts `voter`'s vote from an EIP-712 Ballot signature (ECDSA, or ERC-1271 for contract
    /// wallets such as a Safe), signed over the voter's current nonce, which it then uses. Anyone may relay.
    function castVoteBySig(uint256 proposalId, uint8 support, address voter, uint256 deadline, bytes calldata signature)
        external
        returns (uint256 weight);

    /// @notice Invalidates the caller's outstanding signed ballots by using its current nonce.
    function useNonce() external returns (uint256 nonce);

    /// @notice Counts many signed ballots in one call (anyone may relay): any mix of voters, proposals,
    /// ECDSA and ERC-1271 signatures. Each ballot is checked on its own; a bad one (expired, wrong
    /// signature, canceled, already voted, proposal not active, not eligible) is skipped with
    /// `BallotSkipped(voter, proposalId, status)` and the batch goes on, so a relayer is never made to pay
    /// for a batch that reverts because a ballot was front-run, replayed or canceled. A counted ballot
    /// emits VoteCast with the signed reason. Keyed nonces: a ballot is bound to its proposal and to
    /// `ballotNonce(proposalId, voter)`; it counts at most once (the voter's one vote on the proposal), in
    /// any order with the voter's other ballots, and a direct vote on another proposal leaves it valid.
    /// ERC-1271 checks run with at most ERC1271_GAS gas each, so a wallet cannot eat the batch's gas.
    /// @return counted how many ballots were counted
    function castVotesBySig(SignedBallot[] calldata ballots) external returns (uint256 counted);

    /// @notice `castVotesBySig` with the ballots packed (about half the calldata, no ABI decoding): the
    /// same signed EIP-712 KeyedBallot (a ballot signed for one counts through the other), the same keyed
    /// nonces, checks, events and skip-with-BallotSkipped rule. Layout (big-endian, no padding):
    ///
    ///   packed = run*                       (empty: nothing counted)
    ///   run    = proposalId:32 count:2 ballot{count}          count >= 1
    ///   ballot = voter:20 support:1 nonceLen:1 nonce:nonceLen deadlineLen:1 deadline:deadlineLen
    ///            reasonLen:2 reason:reasonLen sigLen:2 signature:sigLen
    ///
    /// `nonce` and `deadline` are unsigned big-endian integers of 0..32 bytes (0 bytes = 0), `reason` is
    /// the signed reason's UTF-8 bytes, `signature` 65 bytes (r, s, v) of ECDSA or anything the voter's
    /// ERC-1271 wallet accepts. Consecutive ballots on one proposal share a run; the run's tally is
    /// written once. Input that breaks the layout reverts `MalformedPackedBallots(offset)` before any
    /// effect is kept: it is the relayer's encoding, not a voter's ballot, so a voter cannot cause it.
    /// @return counted how many ballots were counted
    function castVotesPacked(bytes calldata packed) external returns (uint256 counted);

    /// @notice Cancels the caller's pending signed ballots on `proposalId` (keyed nonces): the ballot
    /// nonce of (proposalId, caller) moves on, so ballots signed over the old one are skipped. The caller
    /// may still vote directly or sign a new ballot over the new nonce.
    /// @return nonce the nonce the canceled ballots were signed over
    function cancelBallot(uint256 proposalId) external returns (uint256 nonce);

    /// @notice Executes a passed proposal whose execution delay is over, once, through the cell's executor;
    /// any failing action reverts everything with the action's own revert data. The proposal is marked
    /// executed before any action runs, and its ProposalExecuted is the decision's record. Not re-entrant.
    /// @dev Takes the proposal's contents (from ProposalCreated) and recomputes its id from the arguments
    /// exactly as sent: they must be ABI-encoded canonically (as every ABI encoder does), or no proposal
    /// is found (ProposalNotFound).
    function execute(
        uint256 cellId,
        address proposer,
        Action[] calldata actions,
        string calldata uri,
        bytes32 descriptionHash
    ) external payable returns (uint256 proposalId);

    /// @notice The proposer withdraws its proposal before voting starts. Identified by its contents and the
    /// caller, since the proposer is bound into the id.
    function cancelByProposer(uint256 cellId, Action[] calldata actions, string calldata uri, bytes32 descriptionHash)
        external
        returns (uint256 proposalId);

    /// @notice The parent cell's admin cancels a proposal at any point before execution.
    function cancel(uint256 proposalId) external;

    /// @notice The parent cell's admin stops a passed proposal during its execution delay.
    function veto(uint256 proposalId) external;

    /*//////////////////////////////////////////////////////////////
                                 READS
    //////////////////////////////////////////////////////////////*/

    function registry() external view returns (ICellRegistry);

    /// @notice The executor implementation the clones delegate to.
    function executorImplementation() external view returns (address);

    /// @notice The cell's executor address (deployed or not): CREATE2 clone, salt = cellId.
    function executorOf(uint256 cellId) external view returns (address);

    /// @notice The cell's current settings record id (0 if not configured).
    function settingsIdOf(uint256 cellId) external view returns (uint32);

    function settingsOf(uint256 cellId) external view returns (Settings memory);

    function settingsRecord(uint32 settingsId) external view returns (uint256 cellId, Settings memory);

    function proposal(uint256 proposalId) external view returns (ProposalView memory);

    function state(uint256 proposalId) external view returns (ProposalState);

    /// @notice Voting window: snapshot block (votes counted as of it), last voting block, first executable block.
    function proposalTimepoints(uint256 proposalId)
        external
        view
        returns (uint256 snapshot, uint256 voteEnd, uint256 executableFrom);

    /// @notice Counted tallies and the raw weight that took part (for quorum).
    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes, uint256 participation);

    /// @notice Votes needed for quorum (raw weight) and the electorate size at the snapshot.
    function quorum(uint256 proposalId) external view returns (uint256 required, uint256 electorate);

    function hasVoted(uint256 proposalId, address voter) external view returns (bool);

    function nonces(address voter) external view returns (uint256);

    /// @notice The nonce a keyed ballot of `voter` on `proposalId` must be signed over (castVotesBySig).
    function ballotNonce(uint256 proposalId, address voter) external view returns (uint256);

    /// @notice EIP-712 typehash of a keyed ballot:
    /// KeyedBallot(uint256 proposalId,uint8 support,address voter,uint256 nonce,uint256 deadline,string reason)
    function KEYED_BALLOT_TYPEHASH() external view returns (bytes32);

    /// @notice The id a proposal with these contents by `proposer` gets.
    function hashProposal(
        uint256 cellId,
        address proposer,
        Action[] calldata actions,
        string calldata uri,
        bytes32 descriptionHash
    ) external pure returns (uint256);

    /// @notice EIP-712 typehash: Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce,uint256 deadline)
    function BALLOT_TYPEHASH() external view returns (bytes32);

    /// @notice The EIP-712 domain separator ballots are signed under (name "CellGovernor", version "1").
    function domainSeparator() external view returns (bytes32);
}

/// @title ICellExecutor
/// @notice A cell's executor: an EIP-1167 clone (with the cell id as immutable argument) that only the
/// governor drives, and only with the actions of that cell's executed proposals.
interface ICellExecutor {
    error NotGovernor(address account);
    error ActionFailed(uint256 index, bytes reason);

    /// @notice The governor that deployed the implementation.
    function governor() external view returns (address);

    /// @notice The cell this executor acts for.
    function cellId() external view returns (uint256);

    /// @notice Performs each action with CALL; any failure reverts everything with the action's revert
    /// data.
    function execute(ICellGovernor.Action[] calldata actions) external payable;
}
