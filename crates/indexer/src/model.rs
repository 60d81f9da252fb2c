//! The network's state, folded from events in (block, transaction index, log index) order.
//!
//! Folding is pure and deterministic: the same logs always give the same state, which is what
//! makes resume, reorg rollback (re-fold from the raw logs kept in SQLite) and the audit simple.
//! Every entity remembers the event that last touched it, so a report can name it.

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    primitives::{Address, B256, U256},
    sol_types::{SolEvent, SolEventInterface},
};
use serde::Serialize;

use crate::{domain::Domain, fold::EntityKey, source::RawLog};
use dao_bindings::{
    CellGovernor,
    Roles::RolesEvents as IRolesEvents,
    interfaces::{
        ICellGovernor::ICellGovernorEvents, ICellRegistry::ICellRegistryEvents,
        IRoleStreams::IRoleStreamsEvents, ITaskBoard::ITaskBoardEvents, ITreasury::ITreasuryEvents,
    },
};

/// Where an event happened: enough to find it on an explorer and to order it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
pub struct EventRef {
    pub block: u64,
    pub tx_index: u64,
    pub log_index: u64,
    pub tx_hash: B256,
}

impl EventRef {
    pub fn of(log: &RawLog) -> Self {
        Self {
            block: log.block_number,
            tx_index: log.tx_index,
            log_index: log.log_index,
            tx_hash: log.tx_hash,
        }
    }
}

impl std::fmt::Display for EventRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "block {} tx {} ({}) log {}",
            self.block, self.tx_index, self.tx_hash, self.log_index
        )
    }
}

/// The contracts of one deployment; `None` for those the deployment does not have (yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Contracts {
    pub roles: Option<Address>,
    pub registry: Option<Address>,
    pub governor: Option<Address>,
    pub treasury: Option<Address>,
    pub task_board: Option<Address>,
    /// RoleStreams, created by the Treasury's constructor (`Treasury.streams()`); absent from
    /// deployments recorded before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub streams: Option<Address>,
}

impl Contracts {
    /// The addresses whose logs are fetched, sorted.
    pub fn addresses(&self) -> Vec<Address> {
        let mut v: Vec<Address> = [
            self.roles,
            self.registry,
            self.governor,
            self.treasury,
            self.task_board,
            self.streams,
        ]
        .into_iter()
        .flatten()
        .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// A role tree: one per cell. `linked_under` is the role it hangs from (0: a root tree).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Tree {
    pub tree_id: u32,
    pub linked_under: U256,
    pub last_event: EventRef,
}

/// A role's definition as of the last event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Role {
    pub role_id: U256,
    pub admin_id: U256,
    pub details: String,
    pub image_uri: String,
    pub max_supply: u32,
    /// Wearers minted and not revoked (the stored supply; live eligibility may hide some).
    pub supply: u32,
    pub eligibility: Address,
    pub toggle: Address,
    pub mutable_: bool,
    pub claimable: bool,
    pub active: bool,
    pub created: EventRef,
    pub last_event: EventRef,
}

/// A grant of a role. Events say it was minted and not revoked; whether the wearer is eligible
/// and in good standing NOW is decided by modules, not events (see the crate docs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Wearer {
    pub role_id: U256,
    pub wearer: Address,
    /// Block at which the current grant began (as `IRoles.wearerSince`).
    pub since_block: u64,
    /// 0: no term.
    pub expiry: u64,
    pub granted_by: Address,
    pub last_event: EventRef,
}

/// The grants held ([`Wearer`]s), in `(role, wearer)` order, kept as one map of wearers per
/// role rather than one map keyed by the pair: the fold's hottest structure (a search and an
/// insert per mint) then keys its large map by a 20-byte address, not a 56-byte pair. Its
/// B-tree nodes are a fifth smaller to scan, split and fault in, and the fold of 500,000 mints
/// into one role (benches/throughput.rs) takes about a sixth less time; the comparisons were
/// not the main cost (a key of the same size compared as integers gained little). The price:
/// a role's first grant allocates a node of its own (~1.8 KiB) where the single map shared
/// nodes between roles.
///
/// No role maps to an empty map (its last grant removed drops it), so equal grants are equal
/// maps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Wearers {
    by_role: BTreeMap<U256, BTreeMap<Address, Wearer>>,
    len: usize,
}

impl Wearers {
    /// Grants held, over every role.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, &(role, wearer): &(U256, Address)) -> Option<&Wearer> {
        self.by_role.get(&role)?.get(&wearer)
    }

    pub fn get_mut(&mut self, &(role, wearer): &(U256, Address)) -> Option<&mut Wearer> {
        self.by_role.get_mut(&role)?.get_mut(&wearer)
    }

    pub fn contains_key(&self, key: &(U256, Address)) -> bool {
        self.get(key).is_some()
    }

    /// Inserts the grant of `key`, returning the one it replaces.
    pub fn insert(&mut self, (role, wearer): (U256, Address), grant: Wearer) -> Option<Wearer> {
        let prev = self.by_role.entry(role).or_default().insert(wearer, grant);
        if prev.is_none() {
            self.len += 1;
        }
        prev
    }

    /// Removes the grant of `key`, dropping its role's map once empty.
    pub fn remove(&mut self, &(role, wearer): &(U256, Address)) -> Option<Wearer> {
        let std::collections::btree_map::Entry::Occupied(mut of_role) = self.by_role.entry(role)
        else {
            return None;
        };
        let grant = of_role.get_mut().remove(&wearer)?;
        if of_role.get().is_empty() {
            of_role.remove();
        }
        self.len -= 1;
        Some(grant)
    }

    pub fn clear(&mut self) {
        self.by_role.clear();
        self.len = 0;
    }

    /// Every grant with its key, in `(role, wearer)` order.
    pub fn iter(&self) -> impl Iterator<Item = ((U256, Address), &Wearer)> {
        self.by_role.iter().flat_map(|(&role, of_role)| {
            of_role
                .iter()
                .map(move |(&wearer, grant)| ((role, wearer), grant))
        })
    }

    /// Every key, in `(role, wearer)` order.
    pub fn keys(&self) -> impl Iterator<Item = (U256, Address)> {
        self.iter().map(|(key, _)| key)
    }

    /// The grants of `role`, by wearer.
    pub fn of_role(&self, role: U256) -> impl Iterator<Item = &Wearer> {
        self.by_role.get(&role).into_iter().flat_map(|m| m.values())
    }
}

/// Something the events say that cannot be right (a revoke of a role nobody wears, a mint into a
/// role never created). Folding never fails: anomalies are kept for the audit to report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Anomaly {
    pub at: EventRef,
    pub event: String,
    pub problem: String,
}

/// Keys changed since the last flush to SQLite. Sorted sets: the rows are written in key order
/// (sequential B-tree inserts) without a sort, and no key is hashed (a mint's key is 52 bytes).
/// Grants, the most numerous (one per mint, rarely touched twice in a range), are a list of the
/// keys as touched ([`TouchedGrants`]), sorted and deduplicated once when written: a push per
/// mint instead of a second tree insert next to the one into `State::wearers`.
#[derive(Debug, Default)]
pub(crate) struct Dirty {
    pub(crate) trees: BTreeSet<u32>,
    pub(crate) roles: BTreeSet<U256>,
    pub(crate) wearers: TouchedGrants,
    pub(crate) entities: BTreeSet<EntityKey>,
    pub(crate) standing: BTreeSet<(U256, Address)>,
}

impl Dirty {
    pub(crate) fn is_empty(&self) -> bool {
        self.trees.is_empty()
            && self.roles.is_empty()
            && self.wearers.is_empty()
            && self.entities.is_empty()
            && self.standing.is_empty()
    }
}

/// Grants touched, in the order touched: the wearers in one list and the roles in runs (a batch
/// of mints into one role is one run), so a mint costs a 20-byte push where a `(role, wearer)`
/// key would cost 56 (the list of a fold in memory grows with the history: 10 MiB rather than
/// 27 MiB at 500,000 mints).
#[derive(Debug, Default)]
pub(crate) struct TouchedGrants {
    wearers: Vec<Address>,
    /// Each run's role and the end of its wearers in `wearers`.
    runs: Vec<(U256, usize)>,
}

impl TouchedGrants {
    pub(crate) fn push(&mut self, (role, wearer): (U256, Address)) {
        self.wearers.push(wearer);
        let end = self.wearers.len();
        match self.runs.last_mut() {
            Some((run_role, run_end)) if *run_role == role => *run_end = end,
            _ => self.runs.push((role, end)),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.wearers.is_empty()
    }

    /// The keys as touched (repeats included).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (U256, Address)> + '_ {
        self.runs
            .iter()
            .scan(0, |start, &(role, end)| {
                let run = &self.wearers[std::mem::replace(start, end)..end];
                Some(run.iter().map(move |&wearer| (role, wearer)))
            })
            .flatten()
    }

    /// The keys sorted and deduplicated: the order their rows are written in.
    pub(crate) fn sorted(&self) -> Vec<(U256, Address)> {
        let mut keys: Vec<(U256, Address)> = self.iter().collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

impl FromIterator<(U256, Address)> for TouchedGrants {
    fn from_iter<I: IntoIterator<Item = (U256, Address)>>(keys: I) -> Self {
        let mut touched = Self::default();
        for key in keys {
            touched.push(key);
        }
        touched
    }
}

/// A log decoded by its contract's event enum, before it is folded.
#[derive(Debug)]
pub enum Decoded {
    Roles(IRolesEvents),
    Registry(ICellRegistryEvents),
    Governor(ICellGovernorEvents),
    Treasury(ITreasuryEvents),
    TaskBoard(ITaskBoardEvents),
    Streams(IRoleStreamsEvents),
    /// A standard event a contract inherits that says nothing about the network:
    /// `EIP712DomainChanged` (ERC-5267) of the governor, whose signing domain the ballots read
    /// from `eip712Domain()`. Applied as a no-op, not counted as undecoded.
    Inherited,
    /// From an address we do not index, or matching none of its contract's events.
    Undecoded,
}

/// The whole network as events describe it.
#[derive(Debug, Default)]
pub struct State {
    pub contracts: Contracts,
    pub trees: BTreeMap<u32, Tree>,
    pub roles: BTreeMap<U256, Role>,
    pub wearers: Wearers,
    /// Registry, governor, treasury, task board and role streams entities (see
    /// [`crate::domain`]).
    pub domain: Domain,
    /// Standing pushed by eligibility modules (`WearerStandingChanged`); absent = good standing.
    pub bad_standing: BTreeMap<(U256, Address), EventRef>,
    pub anomalies: Vec<Anomaly>,
    /// Logs applied, and logs from our addresses that no known event matches.
    pub applied: u64,
    pub undecoded: u64,
    pub last: Option<EventRef>,
    /// The last `RoleRevoked` folded: (where, role, wearer). The ERC-1155 burn logged right after
    /// it in the same transaction is its pair, not a renounce (see [`State::fold_burn`]). Not
    /// stored: a revoke and its burn are in one transaction, so never split across ranges.
    revoked: Option<(EventRef, U256, Address)>,
    pub(crate) dirty: Dirty,
}

/// The tree id of a role: its top 32 bits.
pub fn tree_of(role_id: U256) -> u32 {
    (role_id >> 224usize).to::<u32>()
}

impl State {
    pub fn new(contracts: Contracts) -> Self {
        Self {
            contracts,
            ..Self::default()
        }
    }

    /// Folds logs that are already in chain order.
    pub fn apply_all<'a>(&mut self, logs: impl IntoIterator<Item = &'a RawLog>) {
        for log in logs {
            self.apply(log);
        }
    }

    /// Folds one log. Logs must come in (block, tx index, log index) order.
    ///
    /// As [`State::decode`] then [`State::fold`], but a Roles log (most of any history: a mint
    /// is two of them) is folded straight from its contract's event enum, without moving it
    /// into a [`Decoded`] (272 bytes, copied on each move) first.
    pub fn apply(&mut self, log: &RawLog) {
        let at = EventRef::of(log);
        if Some(log.address) == self.contracts.roles {
            self.begin(at);
            match IRolesEvents::decode_raw_log(&log.topics, &log.data) {
                Ok(ev) => self.apply_roles(at, ev),
                Err(_) => self.undecoded += 1,
            }
        } else {
            let ev = self.decode(log);
            self.fold(at, ev);
        }
    }

    /// Decodes a log by its contract's typed event enum (pure: the fold is [`State::fold`]).
    /// Each contract's logs through its own event enum; the governor's inherited
    /// `EIP712DomainChanged` is [`Decoded::Inherited`]; a log no event of it matches is
    /// [`Decoded::Undecoded`].
    pub fn decode(&self, log: &RawLog) -> Decoded {
        let c = &self.contracts;
        let (topics, data) = (&log.topics, &log.data);
        let a = Some(log.address);
        let ev = if a == c.roles {
            IRolesEvents::decode_raw_log(topics, data).map(Decoded::Roles)
        } else if a == c.registry {
            ICellRegistryEvents::decode_raw_log(topics, data).map(Decoded::Registry)
        } else if a == c.governor {
            if topics.first() == Some(&CellGovernor::EIP712DomainChanged::SIGNATURE_HASH) {
                return Decoded::Inherited;
            }
            ICellGovernorEvents::decode_raw_log(topics, data).map(Decoded::Governor)
        } else if a == c.treasury {
            ITreasuryEvents::decode_raw_log(topics, data).map(Decoded::Treasury)
        } else if a == c.task_board {
            ITaskBoardEvents::decode_raw_log(topics, data).map(Decoded::TaskBoard)
        } else if a == c.streams {
            IRoleStreamsEvents::decode_raw_log(topics, data).map(Decoded::Streams)
        } else {
            return Decoded::Undecoded;
        };
        ev.unwrap_or(Decoded::Undecoded)
    }

    /// Folds one decoded log at `at` (in chain order, as [`State::apply`]).
    pub fn fold(&mut self, at: EventRef, ev: Decoded) {
        self.begin(at);
        match ev {
            Decoded::Roles(ev) => self.apply_roles(at, ev),
            Decoded::Registry(ev) => self.apply_registry(at, ev),
            Decoded::Governor(ev) => self.apply_governor(at, ev),
            Decoded::Treasury(ev) => self.apply_treasury(at, ev),
            Decoded::TaskBoard(ev) => self.apply_task_board(at, ev),
            Decoded::Streams(ev) => self.apply_streams(at, ev),
            Decoded::Inherited => {}
            Decoded::Undecoded => self.undecoded += 1,
        }
    }

    /// Counts the log at `at` as folded, whatever it decoded to.
    fn begin(&mut self, at: EventRef) {
        debug_assert!(
            self.last
                .is_none_or(|l| (l.block, l.log_index) < (at.block, at.log_index))
        );
        self.last = Some(at);
        self.applied += 1;
    }

    /// Entities held in memory (the working set, or the whole state when folded in memory).
    pub fn resident_len(&self) -> usize {
        self.trees.len()
            + self.roles.len()
            + self.wearers.len()
            + self.bad_standing.len()
            + self.domain.len()
    }

    /// Drops every entity held in memory, keeping the fold's counters and anomalies: the
    /// working set's eviction, once the store holds every change (nothing is dirty).
    pub(crate) fn evict(&mut self) {
        debug_assert!(self.dirty.is_empty(), "evicting unwritten changes");
        self.trees.clear();
        self.roles.clear();
        self.wearers.clear();
        self.bad_standing.clear();
        self.domain = Domain::default();
    }

    pub(crate) fn anomaly(&mut self, at: EventRef, event: &str, problem: String) {
        self.anomalies.push(Anomaly {
            at,
            event: event.to_owned(),
            problem,
        });
    }

    fn apply_roles(&mut self, at: EventRef, ev: IRolesEvents) {
        match ev {
            IRolesEvents::RoleCreated(e) => {
                let role = Role {
                    role_id: e.roleId,
                    admin_id: e.adminId,
                    details: e.details,
                    image_uri: e.imageURI,
                    max_supply: e.maxSupply,
                    supply: 0,
                    eligibility: e.eligibility,
                    toggle: e.toggle,
                    mutable_: e.mutable_,
                    claimable: e.claimable,
                    active: true,
                    created: at,
                    last_event: at,
                };
                if self.roles.insert(e.roleId, role).is_some() {
                    self.anomaly(
                        at,
                        "RoleCreated",
                        format!("role {:#x} created twice", e.roleId),
                    );
                }
                self.dirty.roles.insert(e.roleId);
                let tree = tree_of(e.roleId);
                if let std::collections::btree_map::Entry::Vacant(slot) = self.trees.entry(tree) {
                    slot.insert(Tree {
                        tree_id: tree,
                        linked_under: U256::ZERO,
                        last_event: at,
                    });
                    self.dirty.trees.insert(tree);
                }
            }
            IRolesEvents::RoleMinted(e) => {
                let key = (e.roleId, e.wearer);
                let prev = self.wearers.insert(
                    key,
                    Wearer {
                        role_id: e.roleId,
                        wearer: e.wearer,
                        since_block: at.block,
                        expiry: e.expiry,
                        granted_by: e.by,
                        last_event: at,
                    },
                );
                self.dirty.wearers.push(key);
                if prev.is_some() {
                    self.anomaly(
                        at,
                        "RoleMinted",
                        format!("{} already wore {:#x}", e.wearer, e.roleId),
                    );
                } else {
                    self.touch_role(at, "RoleMinted", e.roleId, |r| r.supply += 1);
                }
            }
            IRolesEvents::RoleRevoked(e) => {
                // `renounced` is true only in the logs of Roles deployments from before renounces
                // stopped emitting RoleRevoked: there the burn that follows is a no-op.
                let how = if e.renounced { "renounced" } else { "revoked" };
                self.remove_wearer(at, "RoleRevoked", e.roleId, e.wearer, how);
                self.revoked = Some((at, e.roleId, e.wearer));
            }
            IRolesEvents::RoleTransferred(e) => {
                let key = (e.roleId, e.from);
                match self.wearers.remove(&key) {
                    Some(mut w) => {
                        self.dirty.wearers.push(key);
                        self.end_grant(at, &w, "transferred");
                        w.wearer = e.to;
                        w.since_block = at.block;
                        w.last_event = at;
                        self.wearers.insert((e.roleId, e.to), w);
                        self.dirty.wearers.push((e.roleId, e.to));
                    }
                    None => self.anomaly(
                        at,
                        "RoleTransferred",
                        format!("{} did not wear {:#x}", e.from, e.roleId),
                    ),
                }
            }
            IRolesEvents::RoleRenewed(e) => match self.wearers.get_mut(&(e.roleId, e.wearer)) {
                Some(w) => {
                    w.expiry = e.expiry;
                    w.last_event = at;
                    self.dirty.wearers.push((e.roleId, e.wearer));
                }
                None => self.anomaly(
                    at,
                    "RoleRenewed",
                    format!("{} does not wear {:#x}", e.wearer, e.roleId),
                ),
            },
            IRolesEvents::RoleStatusChanged(e) => {
                self.touch_role(at, "RoleStatusChanged", e.roleId, |r| r.active = e.active)
            }
            IRolesEvents::RoleDetailsChanged(e) => {
                self.touch_role(at, "RoleDetailsChanged", e.roleId, |r| {
                    r.details = e.details
                })
            }
            IRolesEvents::RoleImageURIChanged(e) => {
                self.touch_role(at, "RoleImageURIChanged", e.roleId, |r| {
                    r.image_uri = e.imageURI
                })
            }
            IRolesEvents::RoleMaxSupplyChanged(e) => {
                self.touch_role(at, "RoleMaxSupplyChanged", e.roleId, |r| {
                    r.max_supply = e.maxSupply
                })
            }
            IRolesEvents::RoleEligibilityChanged(e) => {
                self.touch_role(at, "RoleEligibilityChanged", e.roleId, |r| {
                    r.eligibility = e.eligibility
                })
            }
            IRolesEvents::RoleToggleChanged(e) => {
                self.touch_role(at, "RoleToggleChanged", e.roleId, |r| r.toggle = e.toggle)
            }
            IRolesEvents::RoleClaimableChanged(e) => {
                self.touch_role(at, "RoleClaimableChanged", e.roleId, |r| {
                    r.claimable = e.claimable
                })
            }
            IRolesEvents::RoleMadeImmutable(e) => {
                self.touch_role(at, "RoleMadeImmutable", e.roleId, |r| r.mutable_ = false)
            }
            IRolesEvents::WearerStandingChanged(e) => {
                let key = (e.roleId, e.wearer);
                if e.standing {
                    self.bad_standing.remove(&key);
                } else {
                    self.bad_standing.insert(key, at);
                }
                self.dirty.standing.insert(key);
            }
            IRolesEvents::TransferSingle(e) => {
                if e.to.is_zero() && !e.from.is_zero() {
                    self.fold_burn(at, e.id, e.from);
                }
            }
            IRolesEvents::TransferBatch(_)
            | IRolesEvents::ApprovalForAll(_)
            | IRolesEvents::URI(_) => {}
            IRolesEvents::TreeLinked(e) => {
                let t = self.trees.entry(e.treeId).or_insert_with(|| Tree {
                    tree_id: e.treeId,
                    ..Tree::default()
                });
                t.linked_under = e.adminRole;
                t.last_event = at;
                self.dirty.trees.insert(e.treeId);
            }
        }
    }

    fn touch_role(&mut self, at: EventRef, event: &str, role_id: U256, f: impl FnOnce(&mut Role)) {
        match self.roles.get_mut(&role_id) {
            Some(r) => {
                f(r);
                r.last_event = at;
                self.dirty.roles.insert(role_id);
            }
            None => self.anomaly(at, event, format!("role {role_id:#x} was never created")),
        }
    }

    /// Keeps the grant that just ended (for role turnover; the `wearers` table holds only the
    /// grants still held).
    fn end_grant(&mut self, at: EventRef, w: &Wearer, how: &str) {
        self.domain.ended_grants.insert(
            (at.block, at.log_index),
            crate::domain::EndedGrant {
                role: w.role_id,
                wearer: w.wearer,
                began_block: w.since_block,
                ended_block: at.block,
                how: how.to_owned(),
                at,
            },
        );
        self.mark(crate::fold::EntityKey::EndedGrant(at.block, at.log_index));
    }

    fn remove_wearer(
        &mut self,
        at: EventRef,
        event: &str,
        role_id: U256,
        wearer: Address,
        how: &str,
    ) {
        if let Some(w) = self.wearers.remove(&(role_id, wearer)) {
            self.end_grant(at, &w, how);
            self.dirty.wearers.push((role_id, wearer));
            self.touch_role(at, event, role_id, |r| {
                r.supply = r.supply.saturating_sub(1)
            });
        } else {
            self.anomaly(at, event, format!("{wearer} did not wear {role_id:#x}"));
        }
    }

    /// An ERC-1155 burn of `role` from `wearer`. Roles logs one after every `RoleRevoked` (a revoke
    /// by an admin or the eligibility module: the grant has just ended) and alone for a renounce,
    /// as Hats' `renounceHat` does. So a burn right after the `RoleRevoked` of the same role and
    /// wearer in its transaction is that revoke's (nothing to do), and any other ends the grant as
    /// renounced by the wearer; one of a grant not held is an anomaly. (The audit checks that such
    /// a burn's operator is the wearer itself: `role.grant-authority`.)
    fn fold_burn(&mut self, at: EventRef, role: U256, wearer: Address) {
        let paired = self.revoked.take().is_some_and(|(revoked, r, w)| {
            revoked.tx_hash == at.tx_hash
                && revoked.log_index + 1 == at.log_index
                && (r, w) == (role, wearer)
        });
        if !paired {
            self.remove_wearer(at, "TransferSingle", role, wearer, "renounced");
        }
    }

    /// Wearers of a role according to events, sorted by address.
    pub fn wearers_of(&self, role_id: U256) -> impl Iterator<Item = &Wearer> {
        self.wearers.of_role(role_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(role: u64, wearer: u8) -> (U256, Address) {
        (U256::from(role), Address::repeat_byte(wearer))
    }

    fn grant((role_id, wearer): (U256, Address), since_block: u64) -> Wearer {
        Wearer {
            role_id,
            wearer,
            since_block,
            ..Wearer::default()
        }
    }

    #[test]
    fn wearers_answer_as_one_map_keyed_by_role_and_wearer() {
        let mut reference: BTreeMap<(U256, Address), Wearer> = BTreeMap::new();
        let mut wearers = Wearers::default();
        // Out of order, across roles, one key twice.
        for (i, (role, who)) in [(2, 5), (1, 9), (2, 1), (3, 3), (1, 2), (2, 5), (4, 4)]
            .into_iter()
            .enumerate()
        {
            let k = key(role, who);
            assert_eq!(
                wearers.insert(k, grant(k, i as u64)),
                reference.insert(k, grant(k, i as u64))
            );
        }
        // Role 3 emptied, a grant never held, a grant of a role never seen.
        for (role, who) in [(3, 3), (1, 7), (2, 1), (9, 1)] {
            let k = key(role, who);
            assert_eq!(wearers.remove(&k), reference.remove(&k));
        }
        if let Some(w) = wearers.get_mut(&key(4, 4)) {
            w.expiry = 77;
        }
        reference.get_mut(&key(4, 4)).expect("held").expiry = 77;

        assert_eq!(wearers.len(), reference.len());
        assert_eq!(
            wearers.iter().collect::<Vec<_>>(),
            reference.iter().map(|(k, w)| (*k, w)).collect::<Vec<_>>()
        );
        assert_eq!(
            wearers.of_role(U256::from(2)).collect::<Vec<_>>(),
            reference
                .range(key(2, 0)..=key(2, 0xff))
                .map(|(_, w)| w)
                .collect::<Vec<_>>()
        );
        assert_eq!(wearers.of_role(U256::from(3)).count(), 0);
        assert!(!wearers.contains_key(&key(3, 3)) && wearers.contains_key(&key(1, 9)));
        // Equal to the same grants inserted afresh: no empty map left behind by role 3.
        let mut afresh = Wearers::default();
        for (k, w) in &reference {
            afresh.insert(*k, w.clone());
        }
        assert_eq!(wearers, afresh);
        wearers.clear();
        assert!(wearers.is_empty() && wearers.iter().next().is_none());
    }

    #[test]
    fn touched_grants_give_each_key_as_touched_then_sorted_once() {
        let touched_keys = [(2, 5), (2, 1), (1, 9), (2, 5), (2, 3), (1, 9)].map(|(r, w)| key(r, w));
        let touched: TouchedGrants = touched_keys.into_iter().collect();
        assert_eq!(touched.runs.len(), 4, "a run per change of role");
        assert_eq!(touched.iter().collect::<Vec<_>>(), touched_keys.to_vec());
        assert_eq!(
            touched.sorted(),
            vec![key(1, 9), key(2, 1), key(2, 3), key(2, 5)]
        );
        assert!(TouchedGrants::default().is_empty() && !touched.is_empty());
    }
}
