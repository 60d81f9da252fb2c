//! The typed domain: every entity the registry, governor, treasury, task board and role streams
//! events describe, with the contracts' own enums (from the Solidity interfaces through `sol!`,
//! see `dao_bindings::interfaces`). Folded by [`crate::model::State`], persisted as JSON documents
//! of these structs (see [`crate::store`]), read by the audit and the CLI.
//!
//! JSON form (see [`crate::json`]): addresses checksummed, `U256` as decimal strings, `bytes32`
//! as 0x hex, enums by variant name, [`EventRef`] as `{block, tx_index, log_index, tx_hash}`.

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};

use crate::{json, ledger::Ledger, model::EventRef};

pub use dao_bindings::interfaces::{
    ICellGovernor::{Counting, Electorate, ProposalState, VoteType},
    ICellRegistry::{PartnershipStatus, Phase, Scale},
    ITaskBoard::Status as TaskStatus,
};

/// A phase change (`from` is `None` for the phase the cell was created in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseChange {
    #[serde(with = "json::sol_enum_opt")]
    pub from: Option<Phase>,
    #[serde(with = "json::sol_enum")]
    pub to: Phase,
    #[serde(with = "json::addr")]
    pub by: Address,
    pub at: EventRef,
}

/// A move of a cell under another parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellMove {
    #[serde(with = "json::u256")]
    pub from: U256,
    #[serde(with = "json::u256")]
    pub to: U256,
    #[serde(with = "json::addr")]
    pub by: Address,
    pub at: EventRef,
}

/// A cell of the registry (a DAO is a cell whose `parent` is 0 and whose `dao` is itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    #[serde(with = "json::u256")]
    pub id: U256,
    #[serde(with = "json::u256")]
    pub dao: U256,
    /// 0 for a DAO root.
    #[serde(with = "json::u256")]
    pub parent: U256,
    #[serde(with = "json::u256")]
    pub member_role: U256,
    #[serde(with = "json::addr")]
    pub admin: Address,
    #[serde(with = "json::addr")]
    pub creator: Address,
    pub name: String,
    #[serde(with = "json::sol_enum")]
    pub phase: Phase,
    #[serde(with = "json::sol_enum")]
    pub scale: Scale,
    /// `CellRestrictions` bits set by the parent.
    pub restrictions: u16,
    pub created: EventRef,
    pub phase_history: Vec<PhaseChange>,
    pub moves: Vec<CellMove>,
    pub last_event: EventRef,
}

impl Cell {
    pub fn is_dao(&self) -> bool {
        self.parent.is_zero()
    }
}

/// One version of a state document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateVersion {
    pub version: u32,
    pub uri: String,
    pub content_hash: B256,
    #[serde(with = "json::addr")]
    pub author: Address,
    /// Unix seconds.
    pub updated_at: u64,
    pub at: EventRef,
}

/// A cell's state document under `key`, with every version (`versions` last is the current).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDoc {
    #[serde(with = "json::u256")]
    pub cell: U256,
    pub key: B256,
    pub versions: Vec<StateVersion>,
}

impl StateDoc {
    pub fn current(&self) -> Option<&StateVersion> {
        self.versions.last()
    }
}

/// A decision of a cell: a proposal its governance executed (the governor's `ProposalExecuted`
/// is the record; uri and content hash come from the proposal's `ProposalCreated`) or one its
/// admin recorded in the registry (`DecisionRecorded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    #[serde(with = "json::u256")]
    pub cell: U256,
    /// 1, 2, ... per cell in chain order, over both kinds (as `daoctl state` numbers them live).
    pub index: u32,
    /// The registry's own index for a recorded decision (`registry.decision(cell, i)`); `None`
    /// for an executed proposal.
    pub registry_index: Option<u32>,
    /// An executed proposal (else recorded by the cell's admin).
    pub executed: bool,
    /// The `ref` the recorder gave, or the executed proposal's id.
    pub reference: B256,
    /// Who recorded it: the cell's admin, or the cell's executor for an executed proposal.
    #[serde(with = "json::addr")]
    pub by: Address,
    pub uri: String,
    pub content_hash: B256,
    pub at: EventRef,
}

/// A role grant that ended: the wearer's right from `began_block` to `ended_block` (what role
/// turnover counts; the grants still held are the `wearers` table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndedGrant {
    #[serde(with = "json::u256")]
    pub role: U256,
    #[serde(with = "json::addr")]
    pub wearer: Address,
    pub began_block: u64,
    pub ended_block: u64,
    /// `revoked`, `renounced` or `transferred`.
    pub how: String,
    pub at: EventRef,
}

/// A partnership between a cell and another cell or an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partnership {
    #[serde(with = "json::u256")]
    pub id: U256,
    #[serde(with = "json::u256")]
    pub cell: U256,
    /// 0 when the counterparty is an account.
    #[serde(with = "json::u256")]
    pub counterparty_cell: U256,
    /// The zero address when the counterparty is a cell.
    #[serde(with = "json::addr")]
    pub counterparty_account: Address,
    #[serde(with = "json::addr")]
    pub proposed_by: Address,
    pub terms_uri: String,
    pub terms_hash: B256,
    #[serde(with = "json::sol_enum")]
    pub status: PartnershipStatus,
    pub proposed: EventRef,
    pub last_event: EventRef,
}

/// A cell's governor settings (the last `SettingsChanged`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GovernorSettings {
    #[serde(with = "json::u256")]
    pub cell: U256,
    pub settings_id: u32,
    #[serde(with = "json::addr")]
    pub by: Address,
    #[serde(with = "json::sol_enum")]
    pub electorate: Electorate,
    #[serde(with = "json::sol_enum")]
    pub counting: Counting,
    pub threshold_bps: u16,
    pub quorum_bps: u16,
    /// Blocks.
    pub voting_delay: u32,
    pub voting_period: u32,
    pub execution_delay: u32,
    /// Token electorates: the voting token (zero address for role electorates).
    #[serde(with = "json::addr")]
    pub token: Address,
    #[serde(with = "json::u256")]
    pub proposal_threshold: U256,
    pub at: EventRef,
}

/// A cell's executor (the contract that runs its proposals' actions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Executor {
    #[serde(with = "json::u256")]
    pub cell: U256,
    #[serde(with = "json::addr")]
    pub executor: Address,
    pub at: EventRef,
}

/// One action of a proposal, summarized (the calldata is in the raw log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSummary {
    #[serde(with = "json::addr")]
    pub target: Address,
    #[serde(with = "json::u256")]
    pub value: U256,
    /// The first four bytes of the calldata (0x hex; empty for a plain transfer).
    pub selector: String,
    pub data_len: usize,
}

/// Votes by support.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    #[serde(with = "json::u256")]
    pub against: U256,
    #[serde(rename = "for", with = "json::u256")]
    pub for_: U256,
    #[serde(with = "json::u256")]
    pub abstain: U256,
}

/// A proposal. `state` is what events say: `Pending` from creation until it is `Canceled`,
/// `Vetoed` or `Executed`; `Active`, `Defeated`, `Succeeded` and `Executable` depend on the
/// clock and the tally and are read live (`ICellGovernor.state`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    #[serde(with = "json::u256")]
    pub id: U256,
    #[serde(with = "json::u256")]
    pub cell: U256,
    #[serde(with = "json::addr")]
    pub proposer: Address,
    pub settings_id: u32,
    pub actions: Vec<ActionSummary>,
    pub uri: String,
    pub description_hash: B256,
    /// Blocks.
    pub snapshot: u32,
    pub vote_end: u32,
    pub electorate_supply: u32,
    #[serde(with = "json::sol_enum")]
    pub state: ProposalState,
    pub tally: Tally,
    pub voters: u32,
    pub created: EventRef,
    pub executed: Option<EventRef>,
    /// The quorum of the settings the proposal was created under (`settings_id`), in basis points
    /// of `electorate_supply`; `None` when those settings were not seen.
    #[serde(default)]
    pub quorum_bps: Option<u16>,
    pub vetoed: Option<EventRef>,
    pub canceled: Option<EventRef>,
    /// Who canceled or vetoed it.
    #[serde(with = "json::addr_opt")]
    pub ended_by: Option<Address>,
    pub last_event: EventRef,
}

/// A vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vote {
    #[serde(with = "json::u256")]
    pub proposal: U256,
    #[serde(with = "json::addr")]
    pub voter: Address,
    #[serde(with = "json::sol_enum")]
    pub support: VoteType,
    #[serde(with = "json::u256")]
    pub weight: U256,
    pub reason: String,
    pub at: EventRef,
}

/// A DAO's Safe: registered by the DAO, approved by the Safe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeLink {
    #[serde(with = "json::u256")]
    pub dao: U256,
    #[serde(with = "json::addr")]
    pub safe: Address,
    /// `SafeRegistered`'s sender (`None` until registered).
    #[serde(with = "json::addr_opt")]
    pub registered_by: Option<Address>,
    /// The Safe's consent (`SafeApproved`).
    pub approved: bool,
    pub last_event: EventRef,
}

/// A cell's treasury settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreasuryCell {
    #[serde(with = "json::u256")]
    pub cell: U256,
    /// 0: none set (the cell's admin role acts).
    #[serde(with = "json::u256")]
    pub treasurer_role: U256,
    pub frozen: bool,
    pub last_event: EventRef,
}

/// `StreamsStopped`: the treasury stopped the (cell, token) streams opened before `epoch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamsStop {
    #[serde(with = "json::u256")]
    pub epoch: U256,
    /// Unix seconds.
    #[serde(with = "json::u256")]
    pub stopped_at: U256,
    pub at: EventRef,
}

/// A (cell, token) budget: its [`Ledger`] and the streams stops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    #[serde(with = "json::u256")]
    pub cell: U256,
    #[serde(with = "json::addr")]
    pub token: Address,
    pub ledger: Ledger,
    /// `BudgetSet`'s sender, last.
    #[serde(with = "json::addr_opt")]
    pub set_by: Option<Address>,
    pub streams_stopped: Vec<StreamsStop>,
    pub last_event: EventRef,
}

/// A spend from a cell's budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spend {
    #[serde(with = "json::u256")]
    pub cell: U256,
    #[serde(with = "json::addr")]
    pub token: Address,
    #[serde(with = "json::addr")]
    pub to: Address,
    #[serde(with = "json::u256")]
    pub amount: U256,
    #[serde(with = "json::u256")]
    pub period_index: U256,
    #[serde(with = "json::addr")]
    pub by: Address,
    pub memo_uri: String,
    pub reference: B256,
    pub at: EventRef,
}

/// A sub-allocation from a parent cell to a child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubAllocation {
    #[serde(with = "json::u256")]
    pub parent: U256,
    #[serde(with = "json::u256")]
    pub child: U256,
    #[serde(with = "json::addr")]
    pub token: Address,
    #[serde(with = "json::u256")]
    pub amount: U256,
    #[serde(with = "json::u256")]
    pub parent_period_index: U256,
    #[serde(with = "json::u256")]
    pub child_period_index: U256,
    #[serde(with = "json::addr")]
    pub by: Address,
    pub at: EventRef,
}

/// A clawback from a child cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clawback {
    #[serde(with = "json::u256")]
    pub child: U256,
    #[serde(with = "json::u256")]
    pub parent: U256,
    #[serde(with = "json::addr")]
    pub token: Address,
    #[serde(with = "json::u256")]
    pub amount: U256,
    #[serde(with = "json::u256")]
    pub returned_to_parent: U256,
    #[serde(with = "json::u256")]
    pub child_period_index: U256,
    #[serde(with = "json::u256")]
    pub parent_period_index: U256,
    #[serde(with = "json::addr")]
    pub by: Address,
    pub at: EventRef,
}

/// Where a task's bounty stands in the treasury (the treasury has no enum for it: the names
/// are its events'). The task's own status is [`TaskStatus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BountyStatus {
    Reserved,
    Released,
    Paid,
}

/// A task's bounty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounty {
    #[serde(with = "json::u256")]
    pub task: U256,
    #[serde(with = "json::u256")]
    pub cell: U256,
    #[serde(with = "json::addr")]
    pub token: Address,
    #[serde(with = "json::u256")]
    pub amount: U256,
    pub status: BountyStatus,
    #[serde(with = "json::addr_opt")]
    pub paid_to: Option<Address>,
    pub last_event: EventRef,
}

/// A submission of a task's deliverable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    #[serde(with = "json::addr")]
    pub claimant: Address,
    pub uri: String,
    pub content_hash: B256,
    pub at: EventRef,
}

/// A rejected submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    #[serde(with = "json::addr")]
    pub claimant: Address,
    pub reason: String,
    #[serde(with = "json::addr")]
    pub by: Address,
    pub at: EventRef,
}

/// A task of the task board; `status` uses the chain's `ITaskBoard.Status` names (`Paid`, not
/// `Approved`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    #[serde(with = "json::u256")]
    pub id: U256,
    #[serde(with = "json::u256")]
    pub cell: U256,
    #[serde(with = "json::addr")]
    pub token: Address,
    #[serde(with = "json::u256")]
    pub bounty: U256,
    /// 0: anyone may claim.
    #[serde(with = "json::u256")]
    pub required_role: U256,
    /// Unix seconds (0: none).
    pub deadline: u64,
    pub spec_uri: String,
    pub spec_hash: B256,
    #[serde(with = "json::addr")]
    pub created_by: Address,
    #[serde(with = "json::sol_enum")]
    pub status: TaskStatus,
    #[serde(with = "json::addr_opt")]
    pub claimant: Option<Address>,
    pub submissions: Vec<Submission>,
    pub rejections: Vec<Rejection>,
    pub created: EventRef,
    pub last_event: EventRef,
}

/// A rate change of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateChange {
    #[serde(with = "json::u256")]
    pub amount: U256,
    /// Unix seconds the rate takes effect.
    #[serde(with = "json::u256")]
    pub effective: U256,
    #[serde(with = "json::addr")]
    pub by: Address,
    pub at: EventRef,
}

/// A wearer's claim on a stream (`IRoleStreams.Claimed`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamClaim {
    #[serde(with = "json::addr")]
    pub wearer: Address,
    #[serde(with = "json::u256")]
    pub credited: U256,
    #[serde(with = "json::u256")]
    pub forfeited_seconds: U256,
    #[serde(with = "json::u256")]
    pub paid: U256,
    #[serde(with = "json::u256")]
    pub owed: U256,
    #[serde(with = "json::u256")]
    pub checkpoint: U256,
    pub at: EventRef,
}

/// A role stream (RoleStreams): pays a role's wearers `amount` per `period` seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    #[serde(with = "json::u256")]
    pub id: U256,
    #[serde(with = "json::u256")]
    pub cell: U256,
    #[serde(with = "json::u256")]
    pub role: U256,
    #[serde(with = "json::addr")]
    pub token: Address,
    /// Per period, the current rate.
    #[serde(with = "json::u256")]
    pub amount: U256,
    #[serde(with = "json::u256")]
    pub period: U256,
    #[serde(with = "json::u256")]
    pub start: U256,
    /// 0: open-ended.
    #[serde(with = "json::u256")]
    pub end: U256,
    pub closed: bool,
    #[serde(with = "json::addr")]
    pub opened_by: Address,
    pub opened: EventRef,
    pub rate_changes: Vec<RateChange>,
    pub claims: Vec<StreamClaim>,
    /// What the treasury paid for this stream (`StreamPaid`).
    #[serde(with = "json::u256")]
    pub paid: U256,
    pub last_event: EventRef,
}

/// Everything but the role trees, keyed as the contracts key them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Domain {
    pub cells: BTreeMap<U256, Cell>,
    pub state_docs: BTreeMap<(U256, B256), StateDoc>,
    pub decisions: BTreeMap<(U256, u32), Decision>,
    pub partnerships: BTreeMap<U256, Partnership>,
    pub settings: BTreeMap<U256, GovernorSettings>,
    pub executors: BTreeMap<U256, Executor>,
    pub proposals: BTreeMap<U256, Proposal>,
    pub votes: BTreeMap<(U256, Address), Vote>,
    pub safes: BTreeMap<U256, SafeLink>,
    pub treasury_cells: BTreeMap<U256, TreasuryCell>,
    pub budgets: BTreeMap<(U256, Address), Budget>,
    /// Keyed by (block, log index).
    pub spends: BTreeMap<(u64, u64), Spend>,
    pub sub_allocations: BTreeMap<(u64, u64), SubAllocation>,
    pub clawbacks: BTreeMap<(u64, u64), Clawback>,
    pub bounties: BTreeMap<U256, Bounty>,
    pub tasks: BTreeMap<U256, Task>,
    pub streams: BTreeMap<U256, Stream>,
    /// Grants that ended (revoked, renounced, transferred away), by the event that ended them.
    pub ended_grants: BTreeMap<(u64, u64), EndedGrant>,
}

impl Domain {
    /// The number the cell's next decision gets: 1, 2, ... in chain order.
    pub fn next_decision_index(&self, cell: U256) -> u32 {
        self.decisions
            .range((cell, 0)..=(cell, u32::MAX))
            .next_back()
            .map_or(1, |((_, i), _)| i + 1)
    }

    /// The cell's parent, `None` for a DAO root or an unknown cell.
    pub fn parent_of(&self, cell: U256) -> Option<U256> {
        self.cells
            .get(&cell)
            .map(|c| c.parent)
            .filter(|p| !p.is_zero())
    }

    /// The children of `cell`, by id.
    pub fn children_of(&self, cell: U256) -> impl Iterator<Item = &Cell> {
        self.cells.values().filter(move |c| c.parent == cell)
    }

    /// The budgets of `cell`, by token.
    pub fn budgets_of(&self, cell: U256) -> impl Iterator<Item = &Budget> {
        self.budgets
            .range((cell, Address::ZERO)..=(cell, Address::repeat_byte(0xff)))
            .map(|(_, b)| b)
    }

    /// The state documents of `cell`, by key.
    pub fn state_docs_of(&self, cell: U256) -> impl Iterator<Item = &StateDoc> {
        self.state_docs
            .range((cell, B256::ZERO)..=(cell, B256::repeat_byte(0xff)))
            .map(|(_, d)| d)
    }

    /// Number of entities of every kind.
    pub fn len(&self) -> usize {
        self.cells.len()
            + self.state_docs.len()
            + self.decisions.len()
            + self.partnerships.len()
            + self.settings.len()
            + self.executors.len()
            + self.proposals.len()
            + self.votes.len()
            + self.safes.len()
            + self.treasury_cells.len()
            + self.budgets.len()
            + self.spends.len()
            + self.sub_allocations.len()
            + self.clawbacks.len()
            + self.bounties.len()
            + self.tasks.len()
            + self.streams.len()
            + self.ended_grants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
