//! What each entity of the index shows in the API: its records (an entity's JSON form with the
//! API's additions) and its share of the metrics' history.
//!
//! An entity's records also read a few others (a cell's page names who runs it: its wearers, its
//! executor, its DAO's Safe; a proposal carries its votes and its cell's settings). [`affected`]
//! names, for what a range of blocks changed, every entity whose records must be produced again,
//! so that a snapshot advanced by [`crate::Snapshot::advance`] equals one built from scratch.

use std::collections::BTreeSet;

use alloy::primitives::{Address, U256};
use dao_indexer::{Changes, State, domain::BountyStatus, fold::EntityKey};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    metrics::{CellInfo, Flow, Money, Outcome, ProposalInfo, TaskInfo},
    snapshot::Record,
};

/// Where records come from: an entity of the typed domain, a role or a grant of a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Entity(EntityKey),
    Role(U256),
    Wearer(U256, Address),
}

/// One entity's share of the metrics' history (see [`crate::metrics::History`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Cell(CellInfo),
    Proposal(ProposalInfo),
    Decision(String, u64),
    Money(Money),
    Cap(String, String, U256),
    Task(TaskInfo),
    Grant(String, u64),
    EndedGrant(String, u64, u64),
}

/// What one source shows: its records (collection, record) and its metrics parts.
#[derive(Debug, Default)]
pub struct Output {
    pub records: Vec<(&'static str, Record)>,
    pub parts: Vec<Part>,
}

/// Every source of a state, in order.
pub fn all_sources(s: &State) -> Vec<Source> {
    let mut v: Vec<Source> = s.domain.keys().into_iter().map(Source::Entity).collect();
    v.extend(s.roles.keys().map(|r| Source::Role(*r)));
    v.extend(s.wearers.keys().map(|(r, w)| Source::Wearer(r, w)));
    v
}

/// The entity's own JSON form (the indexer's typed `Serialize`), with the API's additions.
fn doc_of(entity: &impl Serialize, extra: Value) -> Value {
    let mut doc = serde_json::to_value(entity).unwrap_or(Value::Null);
    if let (Value::Object(m), Value::Object(x)) = (&mut doc, extra) {
        m.extend(x);
    }
    doc
}

fn record(id: String, cells: &[U256], block: u64, doc: Value) -> Record {
    Record::new(id, cells.iter().map(U256::to_string).collect(), block, doc)
}

/// Wearers of `role` in good standing.
fn wearers_of(s: &State, role: U256) -> Vec<Address> {
    s.wearers_of(role)
        .map(|w| w.wearer)
        .filter(|w| !s.bad_standing.contains_key(&(role, *w)))
        .collect()
}

/// A cell's level in its tree (0: a DAO's root).
fn depth(s: &State, mut id: U256) -> u64 {
    let mut n = 0u64;
    while let Some(p) = s.domain.parent_of(id) {
        n += 1;
        id = p;
        if n > 64 {
            break;
        }
    }
    n
}

/// The cell a role belongs to: the nearest cell at or above it (0 when none).
pub fn cell_of(s: &State, mut role: U256) -> U256 {
    for _ in 0..64 {
        if s.domain.cells.contains_key(&role) {
            return role;
        }
        match s.roles.get(&role) {
            Some(r) if r.admin_id != role => role = r.admin_id,
            _ => break,
        }
    }
    U256::ZERO
}

fn token(t: Address) -> String {
    t.to_checksum(None)
}

/// The records and metrics parts of `src` as `s` holds it (nothing when it no longer exists).
pub fn produce(s: &State, src: Source) -> Output {
    let d = &s.domain;
    let id = |v: U256| v.to_string();
    let mut records = Vec::new();
    let mut push = |name: &'static str, r: Record| records.push((name, r));
    let mut parts = Vec::new();
    match src {
        Source::Entity(EntityKey::Cell(k)) => {
            let Some(c) = d.cells.get(&k) else {
                return Output::default();
            };
            let admins = wearers_of(s, c.id);
            let executor = d.executors.get(&c.id).map(|e| e.executor);
            let safe = d.safes.get(&c.dao).map(|l| l.safe);
            let (run_by, runner) = if executor.is_some_and(|x| admins.contains(&x)) {
                ("vote", format!("executor {}", executor.unwrap_or_default()))
            } else if safe.is_some_and(|x| !x.is_zero() && admins.contains(&x)) {
                ("safe", format!("Safe {}", safe.unwrap_or_default()))
            } else {
                (
                    "person",
                    admins
                        .iter()
                        .map(Address::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            };
            let level = depth(s, c.id);
            let extra = json!({
                "depth": level, "run_by": run_by, "runner": runner, "admins": admins,
                "executor": executor, "safe": safe,
            });
            let doc = doc_of(c, extra);
            let mut cells = vec![c.id];
            if c.is_dao() {
                push(
                    "daos",
                    record(c.id.to_string(), &cells, c.created.block, doc.clone()),
                );
            } else {
                cells.push(c.parent);
            }
            push(
                "cells",
                record(c.id.to_string(), &cells, c.created.block, doc),
            );
            parts.push(Part::Cell(CellInfo {
                id: id(c.id),
                parent: d.parent_of(c.id).map(id),
                depth: level,
                phase_changes: c
                    .phase_history
                    .iter()
                    .filter_map(|p| Some((p.at.block, p.from? as u8, p.to as u8)))
                    .collect(),
                phase: c.phase as u8,
            }));
        }
        Source::Entity(EntityKey::Proposal(k)) => {
            let Some(p) = d.proposals.get(&k) else {
                return Output::default();
            };
            let votes: Vec<&dao_indexer::domain::Vote> = d
                .votes
                .range((p.id, Address::ZERO)..=(p.id, Address::repeat_byte(0xff)))
                .map(|(_, v)| v)
                .collect();
            let mut timeline = vec![
                json!({"event": "created", "block": p.created.block, "tx": p.created.tx_hash}),
            ];
            let mut by_block = votes.clone();
            by_block.sort_by_key(|v| v.at);
            for v in by_block {
                timeline.push(json!({"event": "vote", "block": v.at.block, "tx": v.at.tx_hash, "voter": v.voter, "support": format!("{:?}", v.support), "weight": v.weight.to_string()}));
            }
            for (event, at) in [
                ("executed", p.executed),
                ("vetoed", p.vetoed),
                ("canceled", p.canceled),
            ] {
                if let Some(at) = at {
                    timeline.push(json!({"event": event, "block": at.block, "tx": at.tx_hash, "by": p.ended_by}));
                }
            }
            // Quorum under the settings the proposal was created under (members for role
            // electorates); the cell's current settings only when those were not seen.
            let settings = d.settings.get(&p.cell);
            let quorum = p
                .quorum_bps
                .or_else(|| settings.map(|st| st.quorum_bps))
                .map(|bps| (u64::from(p.electorate_supply) * u64::from(bps)).div_ceil(10_000));
            let extra = json!({
                "votes": votes.iter().map(|v| serde_json::to_value(v).unwrap_or(Value::Null)).collect::<Vec<_>>(),
                "timeline": timeline, "quorum": quorum, "settings": settings,
            });
            push(
                "proposals",
                record(
                    p.id.to_string(),
                    &[p.cell],
                    p.created.block,
                    doc_of(p, extra),
                ),
            );
            let end = [
                (p.executed, Outcome::Executed),
                (p.vetoed, Outcome::Vetoed),
                (p.canceled, Outcome::Canceled),
            ]
            .into_iter()
            .find_map(|(at, o)| at.map(|at| (at.block, o)));
            parts.push(Part::Proposal(ProposalInfo {
                cell: id(p.cell),
                created: p.created.block,
                end,
                ballots: u64::from(p.voters),
                electorate: u64::from(p.electorate_supply),
            }));
        }
        Source::Entity(EntityKey::Vote(p, v)) => {
            let Some(v) = d.votes.get(&(p, v)) else {
                return Output::default();
            };
            let cell = d
                .proposals
                .get(&v.proposal)
                .map(|p| p.cell)
                .unwrap_or_default();
            let rid = format!("{}/{}", v.proposal, v.voter);
            push(
                "votes",
                record(rid, &[cell], v.at.block, doc_of(v, json!({}))),
            );
        }
        Source::Entity(EntityKey::Budget(c, t)) => {
            let Some(b) = d.budgets.get(&(c, t)) else {
                return Output::default();
            };
            let rid = format!("{}/{}", b.cell, b.token);
            push(
                "budgets",
                record(rid, &[b.cell], b.last_event.block, doc_of(b, json!({}))),
            );
            if let Some(terms) = b.ledger.terms.as_ref().filter(|t| !t.funded) {
                parts.push(Part::Cap(id(b.cell), token(b.token), terms.amount));
            }
        }
        Source::Entity(EntityKey::SubAllocation(block, log)) => {
            let Some(a) = d.sub_allocations.get(&(block, log)) else {
                return Output::default();
            };
            let doc = doc_of(a, json!({"kind": "allocation"}));
            push(
                "allocations",
                record(format!("{block}/{log}"), &[a.parent, a.child], block, doc),
            );
            parts.push(Part::Money(Money {
                cell: id(a.child),
                block: a.at.block,
                token: token(a.token),
                flow: Flow::Received,
                amount: a.amount,
            }));
        }
        Source::Entity(EntityKey::Clawback(block, log)) => {
            let Some(c) = d.clawbacks.get(&(block, log)) else {
                return Output::default();
            };
            let doc = doc_of(c, json!({"kind": "clawback"}));
            push(
                "allocations",
                record(format!("{block}/{log}"), &[c.parent, c.child], block, doc),
            );
            parts.push(Part::Money(Money {
                cell: id(c.child),
                block: c.at.block,
                token: token(c.token),
                flow: Flow::ClawedBack,
                amount: c.amount,
            }));
        }
        Source::Entity(EntityKey::Spend(block, log)) => {
            let Some(x) = d.spends.get(&(block, log)) else {
                return Output::default();
            };
            push(
                "spends",
                record(
                    format!("{block}/{log}"),
                    &[x.cell],
                    block,
                    doc_of(x, json!({})),
                ),
            );
            parts.push(Part::Money(Money {
                cell: id(x.cell),
                block: x.at.block,
                token: token(x.token),
                flow: Flow::Spent,
                amount: x.amount,
            }));
        }
        Source::Entity(EntityKey::Bounty(k)) => {
            let Some(b) = d.bounties.get(&k) else {
                return Output::default();
            };
            push(
                "bounties",
                record(
                    b.task.to_string(),
                    &[b.cell],
                    b.last_event.block,
                    doc_of(b, json!({})),
                ),
            );
            if b.status == BountyStatus::Paid {
                parts.push(Part::Money(Money {
                    cell: id(b.cell),
                    block: b.last_event.block,
                    token: token(b.token),
                    flow: Flow::BountyPaid,
                    amount: b.amount,
                }));
            }
        }
        Source::Entity(EntityKey::Task(k)) => {
            let Some(t) = d.tasks.get(&k) else {
                return Output::default();
            };
            push(
                "tasks",
                record(
                    t.id.to_string(),
                    &[t.cell],
                    t.created.block,
                    doc_of(t, json!({})),
                ),
            );
            let status = format!("{:?}", t.status);
            parts.push(Part::Task(TaskInfo {
                cell: id(t.cell),
                created: t.created.block,
                approved: (status == "Paid").then_some(t.last_event.block),
                cancelled: status == "Cancelled",
            }));
        }
        Source::Entity(EntityKey::Stream(k)) => {
            let Some(x) = d.streams.get(&k) else {
                return Output::default();
            };
            push(
                "streams",
                record(
                    x.id.to_string(),
                    &[x.cell],
                    x.opened.block,
                    doc_of(x, json!({})),
                ),
            );
        }
        Source::Entity(EntityKey::Decision(c, i)) => {
            let Some(x) = d.decisions.get(&(c, i)) else {
                return Output::default();
            };
            let rid = format!("{}/{}", x.cell, x.index);
            push(
                "decisions",
                record(rid, &[x.cell], x.at.block, doc_of(x, json!({}))),
            );
            parts.push(Part::Decision(id(x.cell), x.at.block));
        }
        Source::Entity(EntityKey::StateDoc(c, k)) => {
            let Some(x) = d.state_docs.get(&(c, k)) else {
                return Output::default();
            };
            let first = x.versions.first().map_or(0, |v| v.at.block);
            let rid = format!("{}/{}", x.cell, x.key);
            push(
                "state-docs",
                record(rid, &[x.cell], first, doc_of(x, json!({}))),
            );
        }
        Source::Entity(EntityKey::Partnership(k)) => {
            let Some(x) = d.partnerships.get(&k) else {
                return Output::default();
            };
            push(
                "partnerships",
                record(
                    x.id.to_string(),
                    &[x.cell, x.counterparty_cell],
                    x.proposed.block,
                    doc_of(x, json!({})),
                ),
            );
        }
        Source::Entity(EntityKey::Safe(k)) => {
            let Some(x) = d.safes.get(&k) else {
                return Output::default();
            };
            push(
                "safes",
                record(
                    x.dao.to_string(),
                    &[x.dao],
                    x.last_event.block,
                    doc_of(x, json!({})),
                ),
            );
        }
        Source::Entity(EntityKey::EndedGrant(block, log)) => {
            if let Some(g) = d.ended_grants.get(&(block, log)) {
                parts.push(Part::EndedGrant(
                    id(cell_of(s, g.role)),
                    g.began_block,
                    g.ended_block,
                ));
            }
        }
        // Read by the records of others (see `affected`), shown by none of their own.
        Source::Entity(
            EntityKey::Settings(_) | EntityKey::Executor(_) | EntityKey::TreasuryCell(_),
        ) => {}
        Source::Role(k) => {
            let Some(r) = s.roles.get(&k) else {
                return Output::default();
            };
            let cell = cell_of(s, r.role_id);
            let extra = json!({"id": r.role_id.to_string(), "hex_id": format!("{:#066x}", r.role_id), "cell": cell.to_string(), "wearers": wearers_of(s, r.role_id)});
            push(
                "roles",
                record(
                    r.role_id.to_string(),
                    &[cell],
                    r.created.block,
                    doc_of(r, extra),
                ),
            );
        }
        Source::Wearer(role, wearer) => {
            let Some(w) = s.wearers.get(&(role, wearer)) else {
                return Output::default();
            };
            let cell = cell_of(s, w.role_id);
            let rid = format!("{}/{}", w.role_id, w.wearer);
            let extra = json!({"id": rid, "cell": cell.to_string(), "in_good_standing": !s.bad_standing.contains_key(&(w.role_id, w.wearer))});
            push(
                "wearers",
                record(rid, &[cell], w.since_block, doc_of(w, extra)),
            );
            parts.push(Part::Grant(id(cell), w.since_block));
        }
    }
    Output { records, parts }
}

/// Every source whose records `changes` may have changed: the changed entities, and those whose
/// records read them. `known_cell` tells whether a cell was in the snapshot before.
pub fn affected(
    s: &State,
    changes: &Changes,
    known_cell: impl Fn(U256) -> bool,
    proposals_of: impl Fn(U256) -> Vec<U256>,
) -> BTreeSet<Source> {
    let d = &s.domain;
    let mut out: BTreeSet<Source> = changes
        .entities
        .iter()
        .map(|k| Source::Entity(*k))
        .collect();
    out.extend(changes.roles.iter().map(|r| Source::Role(*r)));
    let grants = changes.wearers.iter().chain(&changes.standing);
    let mut new_cells = BTreeSet::new();
    for k in &changes.entities {
        match *k {
            EntityKey::Cell(c) => {
                if !known_cell(c) {
                    new_cells.insert(c);
                }
                // The depth of every cell under it (it may have moved).
                let mut under = BTreeSet::from([c]);
                let mut frontier = vec![c];
                while let Some(p) = frontier.pop() {
                    for child in d.children_of(p) {
                        if under.insert(child.id) {
                            frontier.push(child.id);
                        }
                    }
                }
                out.extend(
                    under
                        .into_iter()
                        .map(|c| Source::Entity(EntityKey::Cell(c))),
                );
            }
            // Who runs a cell: its executor, its DAO's Safe.
            EntityKey::Executor(c) => {
                out.insert(Source::Entity(EntityKey::Cell(c)));
            }
            EntityKey::Safe(dao) => out.extend(
                d.cells
                    .values()
                    .filter(|c| c.dao == dao)
                    .map(|c| Source::Entity(EntityKey::Cell(c.id))),
            ),
            // A proposal shows its cell's settings and its votes; a vote its proposal's cell.
            EntityKey::Settings(c) => out.extend(
                proposals_of(c)
                    .into_iter()
                    .map(|p| Source::Entity(EntityKey::Proposal(p))),
            ),
            EntityKey::Vote(p, _) => {
                out.insert(Source::Entity(EntityKey::Proposal(p)));
            }
            EntityKey::Proposal(p) => out.extend(
                d.votes
                    .range((p, Address::ZERO)..=(p, Address::repeat_byte(0xff)))
                    .map(|((p, v), _)| Source::Entity(EntityKey::Vote(*p, *v))),
            ),
            _ => {}
        }
    }
    // A grant shows in its role's wearers, and a cell's admins are the wearers of its role.
    for (role, wearer) in grants {
        out.insert(Source::Wearer(*role, *wearer));
        out.insert(Source::Role(*role));
        if d.cells.contains_key(role) {
            out.insert(Source::Entity(EntityKey::Cell(*role)));
        }
    }
    // A new cell becomes the cell of the roles under it that had none nearer: a pass over the
    // roles and ended grants (no JSON), only in ranges that create cells.
    if !new_cells.is_empty() {
        for r in s.roles.keys() {
            if new_cells.contains(&cell_of(s, *r)) {
                out.insert(Source::Role(*r));
                out.extend(
                    s.wearers_of(*r)
                        .map(|w| Source::Wearer(w.role_id, w.wearer)),
                );
            }
        }
        for (k, g) in &d.ended_grants {
            if new_cells.contains(&cell_of(s, g.role)) {
                out.insert(Source::Entity(EntityKey::EndedGrant(k.0, k.1)));
            }
        }
    }
    out
}
