//! The network audit: every role grant, phase change, state document, decision, vote, tally,
//! veto and execution judged against the authority the contracts require, from the (proven) logs
//! in chain order. Rules (documented in `docs/audit.md`):
//!
//! - `role.grant-authority`: a mint by an admin of the role at that block (a wearer of an
//!   ancestor in its tree or, up the chain of tree links, of the role a tree is linked under or
//!   its ancestors; a top role by its own wearer), the creation of a tree (its top role's first
//!   mint, in the transaction that created it), or a claim of a claimable role by its wearer; a
//!   revoke by an admin or the role's eligibility module, a renounce by the wearer (an ERC-1155
//!   burn with no `RoleRevoked` before it, whose operator must be the wearer; before renounces
//!   stopped emitting it, a `RoleRevoked` with `renounced`, by the wearer); a transfer by an admin
//!   (the ERC-1155 `TransferSingle` names the operator); a tree created under a role
//!   (`createLinkedTree`) by a wearer or an admin of that role.
//! - `cell.phase-authority`: a phase change by the cell's own admin (one step forward or
//!   dissolution, unless restricted), otherwise by the authority above it (the parent's admin; a
//!   DAO root's own admin).
//! - `state.doc-authority`: a state document by the cell's admin (unless restricted) or the
//!   authority above it.
//! - `decision.authority`: a recorded decision by the cell's admin.
//! - `vote.window`: a vote on a known, live proposal, inside its voting window, once per voter.
//! - `vote.electorate`: role-run: the voter wore the member role since before the snapshot block.
//! - `vote.weight`: role-run: weight 1; token-run: the token's `getPastVotes(voter, snapshot)`.
//! - `proposal.proposer`: role-run: the proposer wears the member role; token-run: its votes at
//!   the block before reach the proposal threshold.
//! - `proposal.tally`: the sum of the votes equals the governor's `proposalVotes` at the head.
//! - `proposal.veto`: vetoes and cancellations by who may make them, in their window.
//! - `proposal.execution`: an execution of a live proposal after its voting and execution delay
//!   (veto window), that passed under its counting with its quorum, on the re-derived tally.
//! - `stream.payment`: see [`crate::streams_audit`].
//!
//! The engine is pure: [`NetworkAudit::apply`] takes each log with its block's time (when the
//! audit read it), and what only the chain can say (token votes and supplies at a snapshot, the
//! tallies at the head) is collected as [`ChainQueries`] and judged in [`NetworkAudit::finish`]
//! with the [`ChainAnswers`] the audit read in batches.
//!
//! Live module answers (eligibility, toggles) have no events: a wearer is taken as wearing from
//! mint to revoke, transfer or expiry. This can accept an act the chain accepted; it never rejects
//! one the chain accepted (a live answer can only take authority away).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use alloy::{
    primitives::{Address, B256, U256},
    sol_types::{SolEvent, SolEventInterface},
};
use dao_bindings::{
    Roles::{self, RolesEvents},
    interfaces::{
        ICellGovernor::{Counting, Electorate, ICellGovernorEvents},
        ICellRegistry::{ICellRegistryEvents, Phase},
        IRoleStreams::{self, IRoleStreamsEvents},
        ITreasury::ITreasuryEvents,
    },
};

use crate::{
    audit::{Finding, Severity},
    model::{Contracts, EventRef},
    source::RawLog,
    streams_audit::{STREAM_PAYMENT, StreamAudit},
};

pub const ROLE_GRANT: &str = "role.grant-authority";
pub const PHASE: &str = "cell.phase-authority";
pub const STATE_DOC: &str = "state.doc-authority";
pub const DECISION: &str = "decision.authority";
pub const VOTE_WINDOW: &str = "vote.window";
pub const VOTE_ELECTORATE: &str = "vote.electorate";
pub const VOTE_WEIGHT: &str = "vote.weight";
pub const TALLY: &str = "proposal.tally";
pub const VETO: &str = "proposal.veto";
pub const EXECUTION: &str = "proposal.execution";
pub const PROPOSER: &str = "proposal.proposer";

const TREE_SHIFT: usize = 224;
const LEVEL_BITS: usize = 16;
const MAX_LEVEL: usize = 14;
/// Bounds the walk up the chain of tree links (Roles keeps chains far shorter).
const MAX_LINKS: usize = 64;
const MEMBER_ROLE_BIT: usize = 208;
const BPS: u64 = 10_000;
/// CellRestrictions.
const CHANGE_OWN_PHASE: u16 = 1 << 1;
const SET_STATE: u16 = 1 << 2;

fn tree_of(id: U256) -> u32 {
    (id >> TREE_SHIFT).to::<u32>()
}

fn local_level(id: U256) -> usize {
    let local = id & ((U256::from(1) << TREE_SHIFT) - U256::from(1));
    if local.is_zero() {
        return 0;
    }
    MAX_LEVEL - local.trailing_zeros() / LEVEL_BITS
}

fn admin_at_level(id: U256, level: usize) -> U256 {
    if level >= MAX_LEVEL {
        return id;
    }
    let below = (U256::from(1) << (TREE_SHIFT - LEVEL_BITS * level)) - U256::from(1);
    id & !below
}

fn short(id: U256) -> String {
    let t = format!("{id:x}");
    let t = t.trim_end_matches('0');
    if t.is_empty() {
        "0x0".into()
    } else {
        format!("0x{t}..")
    }
}

/// ceil(n * bps / 10000), as the governor's `_share`.
fn share(n: U256, bps: u16) -> U256 {
    let num = n * U256::from(bps);
    let d = U256::from(BPS);
    num.div_ceil(d)
}

#[derive(Debug, Clone, Copy)]
struct Grant {
    since_block: u64,
    expiry: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct RoleDef {
    eligibility: Address,
    claimable: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct Cell {
    parent: U256,
    restrictions: u16,
    member_role: U256,
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    electorate: Electorate,
    counting: Counting,
    threshold_bps: u16,
    quorum_bps: u16,
    execution_delay: u64,
    token: Address,
    proposal_threshold: U256,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Live,
    Canceled,
    Vetoed,
    Executed,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub against: U256,
    pub for_: U256,
    pub abstain: U256,
    /// Quadratic: raw weights; otherwise for + against + abstain.
    pub participation: U256,
}

#[derive(Debug, Clone)]
struct Proposal {
    cell: U256,
    proposer: Address,
    settings: Option<Settings>,
    snapshot: u64,
    vote_end: u64,
    electorate_supply: U256,
    tally: Tally,
    voters: HashSet<Address>,
    status: Status,
    last_vote: Option<EventRef>,
}

/// What the rules need from the chain itself.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ChainQueries {
    /// `IVotes(token).getPastVotes(voter, snapshot)`.
    pub past_votes: BTreeSet<(Address, Address, u64)>,
    /// `IVotes(token).getPastTotalSupply(snapshot)`.
    pub past_supply: BTreeSet<(Address, u64)>,
    /// `CellGovernor.proposalVotes(id)` at the head.
    pub tallies: BTreeSet<U256>,
}

/// The chain's answers to [`ChainQueries`]; a missing answer leaves its check undone, reported as
/// a warning.
#[derive(Debug, Default, Clone)]
pub struct ChainAnswers {
    pub past_votes: HashMap<(Address, Address, u64), U256>,
    pub past_supply: HashMap<(Address, u64), U256>,
    pub tallies: HashMap<U256, Tally>,
}

/// Counts of what the network rules judged.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct NetworkCounts {
    pub role_grants: u64,
    pub cell_acts: u64,
    pub votes: u64,
    pub executions: u64,
    pub stream_claims: u64,
}

/// The network rules' state, fed with the logs in chain order.
#[derive(Debug)]
pub struct NetworkAudit {
    contracts: Contracts,
    grants: HashMap<(U256, Address), Grant>,
    roles: HashMap<U256, RoleDef>,
    links: HashMap<u32, U256>,
    /// Top roles created in a transaction: their first mint creates the tree.
    fresh_trees: HashSet<(B256, U256)>,
    /// Who created a tree in a transaction (its top role's first mint): a `TreeLinked` of it in
    /// the same transaction is `createLinkedTree`, which needs a wearer or an admin of the role
    /// the new tree hangs from.
    created_by: HashMap<(B256, u32), Address>,
    /// A `RoleTransferred` waiting for its `TransferSingle` (the operator).
    pending_transfer: Option<(U256, Address, Address, EventRef, Option<u64>)>,
    cells: HashMap<U256, Cell>,
    settings: HashMap<u32, Settings>,
    proposals: BTreeMap<U256, Proposal>,
    /// Token votes to compare with the chain: (token, voter, snapshot, weight, vote, cell).
    token_votes: Vec<(Address, Address, u64, U256, EventRef, U256)>,
    /// Token-run proposers to compare with the threshold: (token, proposer, block before the
    /// proposal, threshold, proposal, cell).
    token_proposers: Vec<(Address, Address, u64, U256, EventRef, U256)>,
    executions: Vec<(U256, EventRef)>,
    streams: StreamAudit,
    last_tx: Option<B256>,
    pub findings: Vec<Finding>,
    pub counts: NetworkCounts,
}

impl NetworkAudit {
    pub fn new(contracts: Contracts) -> Self {
        Self {
            contracts,
            grants: HashMap::new(),
            roles: HashMap::new(),
            links: HashMap::new(),
            fresh_trees: HashSet::new(),
            created_by: HashMap::new(),
            pending_transfer: None,
            cells: HashMap::new(),
            settings: HashMap::new(),
            proposals: BTreeMap::new(),
            token_votes: Vec::new(),
            token_proposers: Vec::new(),
            executions: Vec::new(),
            streams: StreamAudit::default(),
            last_tx: None,
            findings: Vec::new(),
            counts: NetworkCounts::default(),
        }
    }

    /// The blocks whose timestamps the rules need: where the grants of a streamed role change and
    /// where streams' and budgets' events happen (accrual is in unix seconds, the index holds
    /// blocks), plus grants with a term (an admin's lapsed term takes its authority away).
    pub fn blocks_needing_time(contracts: &Contracts, logs: &[RawLog]) -> BTreeSet<u64> {
        let mut streamed = HashSet::new();
        Self::note_streamed_roles(contracts, logs, &mut streamed);
        Self::blocks_needing_time_of(contracts, &streamed, logs)
    }

    /// Adds to `streamed` the roles a stream opened in `logs` pays (a first pass over the whole
    /// history: a grant made before its role's stream opened accrues from the stream's start).
    pub fn note_streamed_roles(
        contracts: &Contracts,
        logs: &[RawLog],
        streamed: &mut HashSet<U256>,
    ) {
        for log in logs {
            if Some(log.address) == contracts.streams
                && log.topics.first() == Some(&IRoleStreams::StreamOpened::SIGNATURE_HASH)
                && let Ok(IRoleStreamsEvents::StreamOpened(e)) =
                    IRoleStreamsEvents::decode_raw_log(&log.topics, &log.data)
            {
                streamed.insert(e.roleId);
            }
        }
    }

    /// [`Self::blocks_needing_time`] of a part of the history, `streamed` noted from all of it
    /// ([`Self::note_streamed_roles`]).
    pub fn blocks_needing_time_of(
        contracts: &Contracts,
        streamed: &HashSet<U256>,
        logs: &[RawLog],
    ) -> BTreeSet<u64> {
        let mut blocks = BTreeSet::new();
        for log in logs {
            if Some(log.address) == contracts.streams {
                blocks.insert(log.block_number);
            } else if Some(log.address) == contracts.roles {
                // By topic, not decoding: this pass sees every log of the index.
                let Some(topic) = log.topics.first() else {
                    continue;
                };
                let role = if [
                    Roles::RoleMinted::SIGNATURE_HASH,
                    Roles::RoleRevoked::SIGNATURE_HASH,
                    Roles::RoleTransferred::SIGNATURE_HASH,
                    Roles::RoleRenewed::SIGNATURE_HASH,
                ]
                .contains(topic)
                {
                    log.topics.get(1).map(|t| U256::from_be_bytes(t.0))
                } else if *topic == Roles::TransferSingle::SIGNATURE_HASH
                    && log.topics.get(3) == Some(&B256::ZERO)
                {
                    // A burn, which may be a renounce (its only log): the id is the first data word.
                    log.data.get(..32).map(U256::from_be_slice)
                } else {
                    None
                };
                if role.is_some_and(|r| streamed.contains(&r)) {
                    blocks.insert(log.block_number);
                }
            }
        }
        blocks
    }

    fn find(
        &mut self,
        rule: &'static str,
        event: &str,
        at: EventRef,
        cell: Option<U256>,
        detail: String,
    ) {
        self.findings.push(Finding {
            severity: Severity::Error,
            rule,
            event: event.to_owned(),
            at: Some(at),
            blocks: None,
            cell: cell.map(|c| format!("{c:#066x}")),
            detail,
        });
    }

    /// Wears `role` now (after the logs applied so far), terms not judged: the treasury rules'
    /// view of who wears what.
    pub(crate) fn wears_now(&self, who: Address, role: U256) -> bool {
        self.grants.contains_key(&(role, who))
    }

    /// The parent of `cell` (`None`: a root, or a cell never created).
    pub(crate) fn parent_of(&self, cell: U256) -> Option<U256> {
        self.cells
            .get(&cell)
            .map(|c| c.parent)
            .filter(|p| !p.is_zero())
    }

    /// Wears `role` at a block of time `time` (unknown time: terms not judged).
    fn wears(&self, who: Address, role: U256, time: Option<u64>) -> bool {
        self.grants
            .get(&(role, who))
            .is_some_and(|g| g.expiry == 0 || time.is_none_or(|t| g.expiry > t))
    }

    fn wears_ancestor(
        &self,
        who: Address,
        role: U256,
        from_level: usize,
        time: Option<u64>,
    ) -> bool {
        (0..=from_level)
            .rev()
            .any(|l| self.wears(who, admin_at_level(role, l), time))
    }

    /// Roles' `_isAdmin`: a wearer of an ancestor in the role's tree (a top role: its wearer), or,
    /// up the chain of links, of the role a tree hangs from or of its ancestors.
    fn is_admin(&self, who: Address, role: U256, time: Option<u64>) -> bool {
        let level = local_level(role);
        let own = if level == 0 {
            self.wears(who, role, time)
        } else {
            self.wears_ancestor(who, role, level - 1, time)
        };
        if own {
            return true;
        }
        let mut tree = tree_of(role);
        for _ in 0..MAX_LINKS {
            let Some(&link) = self.links.get(&tree) else {
                return false;
            };
            if self.wears_ancestor(who, link, local_level(link), time) {
                return true;
            }
            tree = tree_of(link);
        }
        false
    }

    /// The registry's `_isParentAdmin`: an admin of the parent's admin role; a root's own admin.
    fn parent_admin(&self, who: Address, cell: U256, time: Option<u64>) -> bool {
        let parent = self.cells.get(&cell).map_or(U256::ZERO, |c| c.parent);
        if parent.is_zero() {
            self.wears(who, cell, time)
        } else {
            self.is_admin(who, parent, time)
        }
    }

    /// Judges one log (chain order), `time` its block's timestamp when read.
    pub fn apply(&mut self, log: &RawLog, time: Option<u64>) {
        let at = EventRef::of(log);
        if self.last_tx != Some(log.tx_hash) {
            self.streams.flush_unmatched(Some(log.tx_hash));
            self.last_tx = Some(log.tx_hash);
        }
        let c = self.contracts;
        let (topics, data) = (&log.topics, &log.data);
        if Some(log.address) == c.roles {
            if let Ok(ev) = RolesEvents::decode_raw_log(topics, data) {
                self.roles_event(at, time, ev);
            }
            return;
        }
        self.flush_transfer();
        if Some(log.address) == c.registry {
            if let Ok(ev) = ICellRegistryEvents::decode_raw_log(topics, data) {
                self.registry_event(at, time, ev);
            }
        } else if Some(log.address) == c.governor {
            if let Ok(ev) = ICellGovernorEvents::decode_raw_log(topics, data) {
                self.governor_event(at, time, ev);
            }
        } else if Some(log.address) == c.treasury {
            if let Ok(ev) = ITreasuryEvents::decode_raw_log(topics, data) {
                self.streams.apply_treasury(at, &ev);
            }
        } else if Some(log.address) == c.streams
            && let Ok(ev) = IRoleStreamsEvents::decode_raw_log(topics, data)
        {
            self.streams.apply_streams(at, time, &ev);
        }
    }

    /// A transfer whose operator was never logged: judged as unauthorised, then applied.
    fn flush_transfer(&mut self) {
        if let Some((role, from, to, at, time)) = self.pending_transfer.take() {
            self.find(
                ROLE_GRANT,
                "RoleTransferred",
                at,
                Some(U256::from(tree_of(role)) << TREE_SHIFT),
                format!(
                    "role {} moved from {from} to {to} with no TransferSingle naming who moved it",
                    short(role)
                ),
            );
            self.move_grant(role, from, to, at, time);
        }
    }

    fn move_grant(
        &mut self,
        role: U256,
        from: Address,
        to: Address,
        at: EventRef,
        time: Option<u64>,
    ) {
        let expiry = self.grants.remove(&(role, from)).map_or(0, |g| g.expiry);
        self.grants.insert(
            (role, to),
            Grant {
                since_block: at.block,
                expiry,
            },
        );
        if let Some(t) = time {
            self.streams.grant_ends(role, from, t);
            self.streams.grant_begins(role, to, expiry, t);
        }
    }

    fn roles_event(&mut self, at: EventRef, time: Option<u64>, ev: RolesEvents) {
        let cell_of = |role: U256| Some(U256::from(tree_of(role)) << TREE_SHIFT);
        if !matches!(ev, RolesEvents::TransferSingle(_)) {
            self.flush_transfer();
        }
        match ev {
            RolesEvents::RoleCreated(e) => {
                self.roles.insert(
                    e.roleId,
                    RoleDef {
                        eligibility: e.eligibility,
                        claimable: e.claimable,
                    },
                );
                if local_level(e.roleId) == 0 {
                    self.fresh_trees.insert((at.tx_hash, e.roleId));
                }
            }
            RolesEvents::RoleClaimableChanged(e) => {
                self.roles.entry(e.roleId).or_default().claimable = e.claimable;
            }
            RolesEvents::RoleEligibilityChanged(e) => {
                self.roles.entry(e.roleId).or_default().eligibility = e.eligibility;
            }
            RolesEvents::TreeLinked(e) => {
                if let Some(by) = self.created_by.remove(&(at.tx_hash, e.treeId))
                    && !e.adminRole.is_zero()
                    && !self.wears(by, e.adminRole, time)
                    && !self.is_admin(by, e.adminRole, time)
                {
                    self.find(
                        ROLE_GRANT,
                        "TreeLinked",
                        at,
                        cell_of(e.adminRole),
                        format!(
                            "{by} created tree {} under role {} but neither wore nor administered that role at block {}",
                            e.treeId,
                            short(e.adminRole),
                            at.block
                        ),
                    );
                }
                if e.adminRole.is_zero() {
                    self.links.remove(&e.treeId);
                } else {
                    self.links.insert(e.treeId, e.adminRole);
                }
            }
            RolesEvents::RoleMinted(e) => {
                self.counts.role_grants += 1;
                let role = e.roleId;
                let new_tree = self.fresh_trees.remove(&(at.tx_hash, role));
                if new_tree {
                    self.created_by.insert((at.tx_hash, tree_of(role)), e.by);
                }
                let claim = e.by == e.wearer
                    && e.expiry == 0
                    && self.roles.get(&role).is_some_and(|r| r.claimable);
                if !new_tree && !claim && !self.is_admin(e.by, role, time) {
                    self.find(
                        ROLE_GRANT,
                        "RoleMinted",
                        at,
                        cell_of(role),
                        format!(
                            "{} granted role {} to {} but was not an admin of it at block {} (nor is it a claim of a claimable role)",
                            e.by,
                            short(role),
                            e.wearer,
                            at.block
                        ),
                    );
                }
                self.grants.insert(
                    (role, e.wearer),
                    Grant {
                        since_block: at.block,
                        expiry: e.expiry,
                    },
                );
                if let Some(t) = time {
                    self.streams.grant_begins(role, e.wearer, e.expiry, t);
                }
            }
            RolesEvents::RoleRevoked(e) => {
                self.counts.role_grants += 1;
                let role = e.roleId;
                let ok = if e.renounced {
                    e.by == e.wearer
                } else {
                    let module = self.roles.get(&role).map(|r| r.eligibility);
                    module.is_some_and(|m| !m.is_zero() && m == e.by)
                        || self.is_admin(e.by, role, time)
                };
                if !ok {
                    let what = if e.renounced {
                        format!("renounced for {} by {}", e.wearer, e.by)
                    } else {
                        format!(
                            "revoked from {} by {}, neither an admin of it at block {} nor its eligibility module",
                            e.wearer, e.by, at.block
                        )
                    };
                    self.find(
                        ROLE_GRANT,
                        "RoleRevoked",
                        at,
                        cell_of(role),
                        format!("role {} {what}", short(role)),
                    );
                }
                self.grants.remove(&(role, e.wearer));
                if let Some(t) = time {
                    self.streams.grant_ends(role, e.wearer, t);
                }
            }
            RolesEvents::RoleTransferred(e) => {
                self.counts.role_grants += 1;
                self.pending_transfer = Some((e.roleId, e.from, e.to, at, time));
            }
            RolesEvents::TransferSingle(e) => {
                if e.to.is_zero() && !e.from.is_zero() {
                    self.flush_transfer();
                    self.burn(at, time, e.operator, e.id, e.from);
                } else if let Some((role, from, to, t_at, t_time)) = self.pending_transfer
                    && e.id == role
                    && e.from == from
                    && e.to == to
                {
                    self.pending_transfer = None;
                    if !self.is_admin(e.operator, role, t_time) {
                        self.find(
                            ROLE_GRANT,
                            "RoleTransferred",
                            t_at,
                            cell_of(role),
                            format!(
                                "{} moved role {} from {from} to {to} but was not an admin of it at block {}",
                                e.operator,
                                short(role),
                                t_at.block
                            ),
                        );
                    }
                    self.move_grant(role, from, to, t_at, t_time);
                }
            }
            RolesEvents::RoleRenewed(e) => {
                if let Some(g) = self.grants.get_mut(&(e.roleId, e.wearer)) {
                    g.expiry = e.expiry;
                }
                if let Some(t) = time {
                    self.streams.grant_renewed(e.roleId, e.wearer, e.expiry, t);
                }
            }
            _ => {}
        }
    }

    /// An ERC-1155 burn of `role` from `wearer` by `operator`. After a revoke's `RoleRevoked` the
    /// grant has already ended and the burn is its pair; a burn of a grant still held is a
    /// renounce, which Roles logs with the burn alone (operator and holder: the wearer). Its
    /// operator must be the wearer: nobody else can renounce for it.
    fn burn(
        &mut self,
        at: EventRef,
        time: Option<u64>,
        operator: Address,
        role: U256,
        wearer: Address,
    ) {
        if self.grants.remove(&(role, wearer)).is_none() {
            return;
        }
        self.counts.role_grants += 1;
        if operator != wearer {
            self.find(
                ROLE_GRANT,
                "TransferSingle",
                at,
                Some(U256::from(tree_of(role)) << TREE_SHIFT),
                format!(
                    "role {} burned from {wearer} by {operator} with no RoleRevoked: a burn alone is a renounce, which only the wearer makes",
                    short(role)
                ),
            );
        }
        if let Some(t) = time {
            self.streams.grant_ends(role, wearer, t);
        }
    }

    fn registry_event(&mut self, at: EventRef, time: Option<u64>, ev: ICellRegistryEvents) {
        match ev {
            ICellRegistryEvents::CellCreated(e) => {
                self.cells.insert(
                    e.cellId,
                    Cell {
                        parent: e.parentCellId,
                        restrictions: 0,
                        member_role: e.memberRoleId,
                    },
                );
            }
            ICellRegistryEvents::CellMoved(e) => {
                self.cells.entry(e.cellId).or_default().parent = e.toParentCellId;
            }
            ICellRegistryEvents::RestrictionsChanged(e) => {
                self.cells.entry(e.cellId).or_default().restrictions = e.restrictions;
            }
            ICellRegistryEvents::PhaseChanged(e) => {
                self.counts.cell_acts += 1;
                let cell = e.cellId;
                let restricted =
                    self.cells.get(&cell).map_or(0, |c| c.restrictions) & CHANGE_OWN_PHASE != 0;
                let own_move = e.to == Phase::Dissolved || (e.to as u8) == (e.from as u8) + 1;
                let own = own_move && !restricted && self.wears(e.by, cell, time);
                if !own && !self.parent_admin(e.by, cell, time) {
                    let why = if !self.wears(e.by, cell, time) {
                        "neither the cell's admin nor the authority above it".to_owned()
                    } else if !own_move {
                        "the cell's admin, but only one step forward or dissolution is its own to make".to_owned()
                    } else {
                        "the cell's admin, but the cell's own phase changes are restricted"
                            .to_owned()
                    };
                    self.find(
                        PHASE,
                        "PhaseChanged",
                        at,
                        Some(cell),
                        format!(
                            "{} changed the phase {:?} -> {:?} at block {}: {why}",
                            e.by, e.from, e.to, at.block
                        ),
                    );
                }
            }
            ICellRegistryEvents::StateUpdated(e) => {
                self.counts.cell_acts += 1;
                let cell = e.cellId;
                let restricted =
                    self.cells.get(&cell).map_or(0, |c| c.restrictions) & SET_STATE != 0;
                let admin = self.wears(e.author, cell, time);
                let above = self.parent_admin(e.author, cell, time);
                if (!admin || restricted) && !above {
                    let why = if admin {
                        "the cell's admin, but its state documents are restricted to the authority above it"
                    } else {
                        "neither the cell's admin nor the authority above it"
                    };
                    self.find(
                        STATE_DOC,
                        "StateUpdated",
                        at,
                        Some(cell),
                        format!(
                            "{} wrote version {} of state document {}: {why}",
                            e.author, e.version, e.key
                        ),
                    );
                }
            }
            ICellRegistryEvents::DecisionRecorded(e) => {
                self.counts.cell_acts += 1;
                if !self.wears(e.by, e.cellId, time) {
                    self.find(
                        DECISION,
                        "DecisionRecorded",
                        at,
                        Some(e.cellId),
                        format!(
                            "{} recorded decision {} but did not wear the cell's admin role at block {}",
                            e.by, e.index, at.block
                        ),
                    );
                }
            }
            _ => {}
        }
    }

    fn governor_event(&mut self, at: EventRef, time: Option<u64>, ev: ICellGovernorEvents) {
        match ev {
            ICellGovernorEvents::SettingsChanged(e) => {
                let s = e.settings;
                self.settings.insert(
                    e.settingsId,
                    Settings {
                        electorate: s.electorate,
                        counting: s.counting,
                        threshold_bps: s.thresholdBps,
                        quorum_bps: s.quorumBps,
                        execution_delay: s.executionDelay.to::<u64>(),
                        token: s.token,
                        proposal_threshold: U256::from(s.proposalThreshold),
                    },
                );
            }
            ICellGovernorEvents::ProposalCreated(e) => {
                let settings = self.settings.get(&e.settingsId).copied();
                match settings {
                    Some(s) if matches!(s.electorate, Electorate::Token) => {
                        if !s.proposal_threshold.is_zero() {
                            self.token_proposers.push((
                                s.token,
                                e.proposer,
                                at.block.saturating_sub(1),
                                s.proposal_threshold,
                                at,
                                e.cellId,
                            ));
                        }
                    }
                    _ => {
                        let member = self
                            .cells
                            .get(&e.cellId)
                            .map_or(e.cellId | (U256::from(1) << MEMBER_ROLE_BIT), |c| {
                                c.member_role
                            });
                        if !self.wears(e.proposer, member, time) {
                            self.find(
                                PROPOSER,
                                "ProposalCreated",
                                at,
                                Some(e.cellId),
                                format!(
                                    "{} proposed but did not wear the cell's member role {} at block {}",
                                    e.proposer,
                                    short(member),
                                    at.block
                                ),
                            );
                        }
                    }
                }
                self.proposals.insert(
                    e.proposalId,
                    Proposal {
                        cell: e.cellId,
                        proposer: e.proposer,
                        settings: self.settings.get(&e.settingsId).copied(),
                        snapshot: u64::from(e.snapshot),
                        vote_end: u64::from(e.voteEnd),
                        electorate_supply: U256::from(e.electorateSupply.to::<u32>()),
                        tally: Tally::default(),
                        voters: HashSet::new(),
                        status: Status::Live,
                        last_vote: None,
                    },
                );
            }
            ICellGovernorEvents::VoteCast(e) => self.vote(at, &e),
            ICellGovernorEvents::ProposalCanceled(e) => {
                self.veto_or_cancel(at, time, e.proposalId, e.by, false)
            }
            ICellGovernorEvents::ProposalVetoed(e) => {
                self.veto_or_cancel(at, time, e.proposalId, e.by, true)
            }
            ICellGovernorEvents::ProposalExecuted(e) => {
                self.counts.executions += 1;
                let Some(p) = self.proposals.get(&e.proposalId).cloned() else {
                    self.find(
                        EXECUTION,
                        "ProposalExecuted",
                        at,
                        Some(e.cellId),
                        format!("proposal {:#x} was never created", e.proposalId),
                    );
                    return;
                };
                let cell = Some(p.cell);
                if p.status != Status::Live {
                    self.find(
                        EXECUTION,
                        "ProposalExecuted",
                        at,
                        cell,
                        format!("the proposal was already {:?}", p.status).to_lowercase(),
                    );
                }
                let delay = p.settings.map_or(0, |s| s.execution_delay);
                let from = p.vote_end + delay + 1;
                if at.block < from {
                    self.find(
                        EXECUTION,
                        "ProposalExecuted",
                        at,
                        cell,
                        format!(
                            "executed at block {} before block {from} (voting ends {}, execution delay {delay} blocks: the veto window was still open)",
                            at.block, p.vote_end
                        ),
                    );
                }
                if let Some(p) = self.proposals.get_mut(&e.proposalId) {
                    p.status = Status::Executed;
                }
                self.executions.push((e.proposalId, at));
            }
            _ => {}
        }
    }

    fn vote(&mut self, at: EventRef, e: &dao_bindings::interfaces::ICellGovernor::VoteCast) {
        self.counts.votes += 1;
        let Some(p) = self.proposals.get(&e.proposalId).cloned() else {
            self.find(
                VOTE_WINDOW,
                "VoteCast",
                at,
                None,
                format!(
                    "{} voted on proposal {:#x}, which was never created",
                    e.voter, e.proposalId
                ),
            );
            return;
        };
        let cell = Some(p.cell);
        if p.status != Status::Live || at.block <= p.snapshot || at.block > p.vote_end {
            self.find(
                VOTE_WINDOW,
                "VoteCast",
                at,
                cell,
                format!(
                    "{} voted at block {} outside the voting window ({}, {}] of a {} proposal",
                    e.voter,
                    at.block,
                    p.snapshot,
                    p.vote_end,
                    format!("{:?}", p.status).to_lowercase()
                ),
            );
        }
        if p.voters.contains(&e.voter) {
            self.find(
                VOTE_WINDOW,
                "VoteCast",
                at,
                cell,
                format!("{} voted twice", e.voter),
            );
        }
        let settings = p.settings;
        match settings {
            Some(s) if matches!(s.electorate, Electorate::Token) => {
                self.token_votes
                    .push((s.token, e.voter, p.snapshot, e.weight, at, p.cell));
            }
            _ => {
                let member = self
                    .cells
                    .get(&p.cell)
                    .map_or(p.cell | (U256::from(1) << MEMBER_ROLE_BIT), |c| {
                        c.member_role
                    });
                match self.grants.get(&(member, e.voter)) {
                    Some(g) if g.since_block < p.snapshot => {}
                    Some(g) => self.find(
                        VOTE_ELECTORATE,
                        "VoteCast",
                        at,
                        cell,
                        format!(
                            "{} wears the member role only since block {}, not before the snapshot block {}",
                            e.voter, g.since_block, p.snapshot
                        ),
                    ),
                    None => self.find(
                        VOTE_ELECTORATE,
                        "VoteCast",
                        at,
                        cell,
                        format!(
                            "{} does not wear the cell's member role {} (the electorate at snapshot block {})",
                            e.voter,
                            short(member),
                            p.snapshot
                        ),
                    ),
                }
                if e.weight != U256::from(1) {
                    self.find(
                        VOTE_WEIGHT,
                        "VoteCast",
                        at,
                        cell,
                        format!(
                            "{} voted with weight {}; a member's vote weighs 1",
                            e.voter, e.weight
                        ),
                    );
                }
            }
        }
        let quadratic = settings.is_some_and(|s| matches!(s.counting, Counting::Quadratic));
        if let Some(p) = self.proposals.get_mut(&e.proposalId) {
            p.voters.insert(e.voter);
            p.last_vote = Some(at);
            let counted = if quadratic {
                e.weight.root(2)
            } else {
                e.weight
            };
            match e.support {
                1 => p.tally.for_ += counted,
                0 => p.tally.against += counted,
                _ => p.tally.abstain += counted,
            }
            if quadratic {
                p.tally.participation += e.weight;
            } else {
                p.tally.participation += counted;
            }
        }
    }

    fn veto_or_cancel(
        &mut self,
        at: EventRef,
        time: Option<u64>,
        id: U256,
        by: Address,
        veto: bool,
    ) {
        let event = if veto {
            "ProposalVetoed"
        } else {
            "ProposalCanceled"
        };
        let Some(p) = self.proposals.get(&id).cloned() else {
            self.find(
                VETO,
                event,
                at,
                None,
                format!("proposal {id:#x} was never created"),
            );
            return;
        };
        let cell = Some(p.cell);
        let above = self.parent_admin(by, p.cell, time);
        let delay = p.settings.map_or(0, |s| s.execution_delay);
        let problem = if p.status != Status::Live {
            Some(format!("the proposal was already {:?}", p.status).to_lowercase())
        } else if veto {
            if !above {
                Some(format!("{by} is not an admin above the cell"))
            } else if at.block <= p.vote_end || at.block > p.vote_end + delay {
                Some(format!(
                    "vetoed at block {} outside the veto window ({}, {}]",
                    at.block,
                    p.vote_end,
                    p.vote_end + delay
                ))
            } else {
                None
            }
        } else if by == p.proposer && at.block <= p.snapshot || above {
            None
        } else {
            Some(format!(
                "{by} is neither the proposer before voting began (snapshot block {}) nor an admin above the cell",
                p.snapshot
            ))
        };
        if let Some(problem) = problem {
            self.find(VETO, event, at, cell, problem);
        }
        if let Some(p) = self.proposals.get_mut(&id) {
            p.status = if veto {
                Status::Vetoed
            } else {
                Status::Canceled
            };
        }
    }

    /// What the rules still need from the chain.
    pub fn queries(&self) -> ChainQueries {
        let mut q = ChainQueries::default();
        for (token, voter, snapshot, ..) in self.token_votes.iter().chain(&self.token_proposers) {
            q.past_votes.insert((*token, *voter, *snapshot));
        }
        for (id, _) in &self.executions {
            if let Some(p) = self.proposals.get(id)
                && let Some(s) = p.settings
                && matches!(s.electorate, Electorate::Token)
            {
                q.past_supply.insert((s.token, p.snapshot));
            }
        }
        for (id, p) in &self.proposals {
            if p.last_vote.is_some() {
                q.tallies.insert(*id);
            }
        }
        q
    }

    fn unanswered(
        &mut self,
        rule: &'static str,
        event: &str,
        at: EventRef,
        cell: U256,
        what: &str,
    ) {
        self.findings.push(Finding {
            severity: Severity::Warning,
            rule,
            event: event.to_owned(),
            at: Some(at),
            blocks: None,
            cell: Some(format!("{cell:#066x}")),
            detail: format!("not checked: the chain did not answer {what}"),
        });
    }

    /// The checks that need the chain's answers; returns every finding of the network rules.
    pub fn finish(mut self, answers: &ChainAnswers) -> (Vec<Finding>, NetworkCounts) {
        self.flush_transfer();
        self.streams.flush_unmatched(None);
        for (token, voter, snapshot, weight, at, cell) in std::mem::take(&mut self.token_votes) {
            match answers.past_votes.get(&(token, voter, snapshot)) {
                Some(v) if *v == weight => {}
                Some(v) => self.find(
                    VOTE_WEIGHT,
                    "VoteCast",
                    at,
                    Some(cell),
                    format!(
                        "{voter} voted with weight {weight}, but the token {token} gave it {v} votes at the snapshot block {snapshot}"
                    ),
                ),
                None => self.unanswered(
                    VOTE_WEIGHT,
                    "VoteCast",
                    at,
                    cell,
                    &format!("getPastVotes({voter}, {snapshot}) on {token}"),
                ),
            }
        }
        for (token, proposer, block, threshold, at, cell) in
            std::mem::take(&mut self.token_proposers)
        {
            match answers.past_votes.get(&(token, proposer, block)) {
                Some(v) if *v >= threshold => {}
                Some(v) => self.find(
                    PROPOSER,
                    "ProposalCreated",
                    at,
                    Some(cell),
                    format!(
                        "{proposer} proposed with {v} votes of {token} at block {block}, below the proposal threshold {threshold}"
                    ),
                ),
                None => self.unanswered(
                    PROPOSER,
                    "ProposalCreated",
                    at,
                    cell,
                    &format!("getPastVotes({proposer}, {block}) on {token}"),
                ),
            }
        }
        let tallied: Vec<(U256, Tally, EventRef, U256)> = self
            .proposals
            .iter()
            .filter_map(|(id, p)| p.last_vote.map(|at| (*id, p.tally, at, p.cell)))
            .collect();
        for (id, tally, at, cell) in tallied {
            match answers.tallies.get(&id) {
                Some(chain) if *chain == tally => {}
                Some(chain) => self.find(
                    TALLY,
                    "VoteCast",
                    at,
                    Some(cell),
                    format!(
                        "proposal {}: the votes sum to for {} against {} abstain {} (participation {}), the governor's tally is for {} against {} abstain {} (participation {})",
                        short(id),
                        tally.for_,
                        tally.against,
                        tally.abstain,
                        tally.participation,
                        chain.for_,
                        chain.against,
                        chain.abstain,
                        chain.participation
                    ),
                ),
                None => self.unanswered(TALLY, "VoteCast", at, cell, &format!("proposalVotes({id:#x})")),
            }
        }
        for (id, at) in std::mem::take(&mut self.executions) {
            let Some(p) = self.proposals.get(&id).cloned() else {
                continue;
            };
            let Some(s) = p.settings else {
                self.find(
                    EXECUTION,
                    "ProposalExecuted",
                    at,
                    Some(p.cell),
                    "the proposal's settings record was never logged (SettingsChanged)".into(),
                );
                continue;
            };
            let electorate = if matches!(s.electorate, Electorate::Token) {
                match answers.past_supply.get(&(s.token, p.snapshot)) {
                    Some(v) => *v,
                    None => {
                        self.unanswered(
                            EXECUTION,
                            "ProposalExecuted",
                            at,
                            p.cell,
                            &format!("getPastTotalSupply({}) on {}", p.snapshot, s.token),
                        );
                        continue;
                    }
                }
            } else {
                p.electorate_supply
            };
            if let Err(why) = passed(&p.tally, &s, electorate) {
                self.find(
                    EXECUTION,
                    "ProposalExecuted",
                    at,
                    Some(p.cell),
                    format!("executed, but {why}"),
                );
            }
        }
        let stream_findings = std::mem::take(&mut self.streams.findings);
        for f in stream_findings {
            self.find(STREAM_PAYMENT, f.event, f.at, f.cell, f.detail);
        }
        self.counts.stream_claims = self.streams.claims;
        (self.findings, self.counts)
    }
}

/// The governor's `_passed`, on the re-derived tally: Ok, or why it did not pass.
fn passed(t: &Tally, s: &Settings, electorate: U256) -> Result<(), String> {
    let counting = format!("{:?}", s.counting);
    match s.counting {
        Counting::Consent => {
            let block = share(electorate, s.threshold_bps);
            return if t.against < block {
                Ok(())
            } else {
                Err(format!(
                    "under Consent the objections {} reach {} ({} bps of the electorate {electorate})",
                    t.against, block, s.threshold_bps
                ))
            };
        }
        Counting::Supermajority => {
            let need = share(t.for_ + t.against, s.threshold_bps);
            if t.for_.is_zero() || t.for_ < need {
                return Err(format!(
                    "under Supermajority for {} is below {need} ({} bps of for + against)",
                    t.for_, s.threshold_bps
                ));
            }
        }
        _ => {
            if t.for_ <= t.against {
                return Err(format!(
                    "under {counting} for {} does not exceed against {}",
                    t.for_, t.against
                ));
            }
        }
    }
    if s.quorum_bps == 0 {
        return Ok(());
    }
    let required = share(electorate, s.quorum_bps);
    if !matches!(s.counting, Counting::Quadratic) && t.for_ + t.against >= required {
        return Ok(());
    }
    if t.participation >= required {
        return Ok(());
    }
    Err(format!(
        "without quorum: participation {} < {required} ({} bps of the electorate {electorate} at the snapshot)",
        t.participation, s.quorum_bps
    ))
}
