//! What the API serves: a read-only picture of the index at one checkpoint, rebuilt by the follow
//! loop after each block that brought events and shared behind an `Arc`, so requests never wait
//! for the indexer and never see a half-applied block.
//!
//! Each entity is a [`Record`]: its id, the cells it concerns (for the `cell` filter), the block
//! it happened at (for `from_block`/`to_block` and ordering) and its JSON form, serialized once
//! per snapshot rather than once per request.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::{Address, U256};
use dao_indexer::State;
use serde::Serialize;
use serde_json::{Value, json};

use crate::query::{BadParam, ListQuery, Start, cursor_of};

/// One entity as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    /// The cells it concerns (0x-hex ids): an allocation concerns its parent and its child.
    pub cells: Vec<String>,
    /// The block it happened at (created at, for things with a lifetime).
    pub block: u64,
    pub doc: Value,
}

/// The collections the list routes serve, by route name.
pub const COLLECTIONS: [&str; 16] = [
    "daos",
    "cells",
    "roles",
    "wearers",
    "proposals",
    "votes",
    "budgets",
    "allocations",
    "spends",
    "bounties",
    "streams",
    "tasks",
    "decisions",
    "state-docs",
    "partnerships",
    "safes",
];

/// A page of a collection.
#[derive(Debug, Serialize)]
pub struct Page<'a> {
    pub items: Vec<&'a Value>,
    /// Items matching the filters, over all pages.
    pub total: usize,
    pub offset: usize,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The index at one checkpoint.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub chain_id: u64,
    pub head: Option<u64>,
    pub head_hash: Option<String>,
    pub logs: u64,
    pub collections: BTreeMap<&'static str, Vec<Record>>,
    /// The audit of this checkpoint (or why it could not run).
    pub audit: Option<Result<Value, String>>,
    pub metrics_input: crate::metrics::History,
    /// Positions of each cell's records, per collection (see [`Snapshot::index`]).
    pub by_cell: BTreeMap<String, BTreeMap<&'static str, Vec<usize>>>,
    /// The tokens money moved in.
    pub token_list: Vec<String>,
    /// Metrics reports already computed on this snapshot, by query: a report is a pass over the
    /// whole history, and every open dashboard asks the same ones until the next block.
    pub metrics_cache: std::sync::Mutex<BTreeMap<String, Value>>,
}

/// Ids are served as the typed JSON writes them: decimal strings.
fn canonical(v: U256) -> String {
    v.to_string()
}

fn str_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        v => v.to_string(),
    }
}

/// Parses an id given as 0x-hex or decimal.
pub fn parse_id(s: &str) -> Option<U256> {
    s.parse::<U256>().ok()
}

impl Snapshot {
    /// Indexes the records by cell and lists the tokens, once per snapshot, so that a cell's page
    /// and the `cell` filter read that cell's records only.
    pub fn index(&mut self) {
        let mut by_cell: BTreeMap<String, BTreeMap<&'static str, Vec<usize>>> = BTreeMap::new();
        for (name, list) in &self.collections {
            for (i, r) in list.iter().enumerate() {
                for c in &r.cells {
                    let v = by_cell
                        .entry(c.clone())
                        .or_default()
                        .entry(name)
                        .or_default();
                    if v.last() != Some(&i) {
                        v.push(i);
                    }
                }
            }
        }
        self.by_cell = by_cell;
        let mut t: BTreeSet<String> = BTreeSet::new();
        for name in ["budgets", "spends", "allocations", "bounties"] {
            for r in self.list(name) {
                if let Some(s) = r.doc["token"].as_str() {
                    t.insert(s.to_owned());
                }
            }
        }
        self.token_list = t.into_iter().collect();
    }

    /// The records of a collection that concern `cell`, in order.
    pub fn of_cell<'a>(&'a self, name: &str, cell: &str) -> impl Iterator<Item = &'a Record> {
        let list = self.list(name);
        self.by_cell
            .get(cell)
            .and_then(|m| m.get(name))
            .into_iter()
            .flatten()
            .filter_map(move |i| list.get(*i))
    }

    pub fn list(&self, name: &str) -> &[Record] {
        self.collections.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn find(&self, name: &str, id: &str) -> Option<&Record> {
        let want = parse_id(id).map(canonical);
        self.list(name)
            .iter()
            .find(|r| r.id == id || want.as_deref() == Some(r.id.as_str()))
    }

    /// Resolves the `cell` parameter: a 0x-hex or decimal id, or a cell name (which must name
    /// exactly one cell).
    pub fn resolve_cell(&self, given: &str) -> Result<String, BadParam> {
        let cells = self.list("cells");
        if let Some(id) = parse_id(given).map(canonical) {
            if cells.iter().any(|c| c.id == id) {
                return Ok(id);
            }
            return Err(BadParam::new(
                "cell",
                format!("no cell {given} in the index"),
            ));
        }
        let named: Vec<&Record> = cells
            .iter()
            .filter(|c| c.doc["name"].as_str() == Some(given))
            .collect();
        match named.as_slice() {
            [one] => Ok(one.id.clone()),
            [] => Err(BadParam::new(
                "cell",
                format!("no cell named {given:?}; GET /api/cells lists them"),
            )),
            many => Err(BadParam::new(
                "cell",
                format!(
                    "{} cells are named {given:?}; give the id ({})",
                    many.len(),
                    many.iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }

    /// The cell and every cell under it.
    pub fn subtree(&self, root: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::from([root.to_owned()]);
        loop {
            let before = out.len();
            for c in self.list("cells") {
                if out.contains(&str_of(&c.doc["parent"])) {
                    out.insert(c.id.clone());
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// One page of a collection, filtered.
    pub fn page(&self, name: &str, q: &ListQuery) -> Result<Page<'_>, BadParam> {
        let cell = q
            .cell
            .as_deref()
            .map(|c| self.resolve_cell(c))
            .transpose()?;
        let records: Box<dyn Iterator<Item = &Record>> = match &cell {
            Some(c) => Box::new(self.of_cell(name, c)),
            None => Box::new(self.list(name).iter()),
        };
        let matching: Vec<&Record> = records
            .filter(|r| q.from_block.is_none_or(|f| r.block >= f))
            .filter(|r| q.to_block.is_none_or(|t| r.block <= t))
            .filter(|r| {
                q.status.as_ref().is_none_or(|s| {
                    ["status", "state", "phase"].iter().any(|k| {
                        r.doc[*k]
                            .as_str()
                            .is_some_and(|v| v.eq_ignore_ascii_case(s))
                    })
                })
            })
            .collect();
        let mut matching = matching;
        if q.newest_first {
            matching.reverse();
        }
        let after = |r: &Record, block: u64, id: &str| {
            let (key, cursor) = ((r.block, r.id.as_str()), (block, id));
            if q.newest_first {
                key < cursor
            } else {
                key > cursor
            }
        };
        let offset = match &q.start {
            Start::Offset(o) => *o,
            Start::After(block, id) => matching
                .iter()
                .position(|r| after(r, *block, id))
                .unwrap_or(matching.len()),
        };
        let items: Vec<&Record> = matching
            .iter()
            .skip(offset)
            .take(q.limit)
            .copied()
            .collect();
        let next_cursor = (offset + items.len() < matching.len())
            .then(|| items.last().map(|r| cursor_of(r.block, &r.id)))
            .flatten();
        Ok(Page {
            items: items.iter().map(|r| &r.doc).collect(),
            total: matching.len(),
            offset,
            next_cursor,
        })
    }

    /// Builds the snapshot of `state` at `head`.
    pub fn build(state: &State, chain_id: u64, head: Option<(u64, String)>) -> Self {
        let mut b = Builder::default();
        b.fold(state);
        let mut collections = b.out;
        for list in collections.values_mut() {
            list.sort_by(|a, b| (a.block, &a.id).cmp(&(b.block, &b.id)));
        }
        for name in COLLECTIONS {
            collections.entry(name).or_default();
        }
        let history = crate::metrics::History::from_state(state);
        let mut snapshot = Self {
            chain_id,
            head: head.as_ref().map(|h| h.0),
            head_hash: head.map(|h| h.1),
            logs: state.applied,
            collections,
            audit: None,
            metrics_input: history,
            ..Self::default()
        };
        snapshot.index();
        snapshot
    }

    /// The money flow of one token: the Safe into each DAO's root cell, allocations down the tree
    /// (net of clawbacks), spends and paid bounties out of each cell. Amounts are decimal strings
    /// of the token's smallest unit.
    pub fn flows(&self, token: &str) -> Value {
        let mut edges: BTreeMap<(String, String, &str), U256> = BTreeMap::new();
        let num = |v: &Value| str_of(v).parse::<U256>().unwrap_or_default();
        let same_token = |d: &Value| str_of(&d["token"]).eq_ignore_ascii_case(token);
        for a in self.list("allocations") {
            if !same_token(&a.doc) {
                continue;
            }
            let key = (
                str_of(&a.doc["parentCellId"]),
                str_of(&a.doc["childCellId"]),
                "allocation",
            );
            let e = edges.entry(key).or_default();
            if a.doc["kind"] == "clawback" {
                *e = e.saturating_sub(num(&a.doc["amount"]));
            } else {
                *e += num(&a.doc["amount"]);
            }
        }
        for s in self.list("spends") {
            if same_token(&s.doc) {
                *edges
                    .entry((str_of(&s.doc["cell"]), str_of(&s.doc["to"]), "spend"))
                    .or_default() += num(&s.doc["amount"]);
            }
        }
        for b in self.list("bounties") {
            if same_token(&b.doc) && b.doc["status"] == "Paid" {
                *edges
                    .entry((str_of(&b.doc["cell"]), format!("task:{}", b.id), "bounty"))
                    .or_default() += num(&b.doc["amount"]);
            }
        }
        // What left each DAO's root cell came from its Safe.
        let mut out_of: BTreeMap<String, U256> = BTreeMap::new();
        for ((from, _, _), v) in &edges {
            *out_of.entry(from.clone()).or_default() += *v;
        }
        for dao in self.list("daos") {
            let safe = dao.doc["safe"].as_str().unwrap_or("safe");
            if let Some(v) = out_of.get(&dao.id) {
                edges.insert((format!("safe:{safe}"), dao.id.clone(), "funding"), *v);
            }
        }
        let total_spent: U256 = edges
            .iter()
            .filter(|((_, _, k), _)| *k == "spend")
            .map(|(_, v)| *v)
            .sum();
        let total_bounties: U256 = edges
            .iter()
            .filter(|((_, _, k), _)| *k == "bounty")
            .map(|(_, v)| *v)
            .sum();
        let total_funding: U256 = edges
            .iter()
            .filter(|((_, _, k), _)| *k == "funding")
            .map(|(_, v)| *v)
            .sum();
        json!({
            "token": token,
            "edges": edges.iter().filter(|(_, v)| !v.is_zero()).map(|((f, t, k), v)| json!({"from": f, "to": t, "kind": k, "amount": v.to_string()})).collect::<Vec<_>>(),
            "totals": {"from_safes": total_funding.to_string(), "spent": total_spent.to_string(), "bounties_paid": total_bounties.to_string()},
        })
    }

    /// The tokens money moved in (for the flow picture's token choice).
    pub fn tokens(&self) -> Vec<String> {
        self.token_list.clone()
    }
}

#[derive(Default)]
struct Builder {
    out: BTreeMap<&'static str, Vec<Record>>,
}

/// The entity's own JSON form (the indexer's typed `Serialize`), with the API's additions.
fn doc_of(entity: &impl Serialize, extra: Value) -> Value {
    let mut doc = serde_json::to_value(entity).unwrap_or(Value::Null);
    if let (Value::Object(m), Value::Object(x)) = (&mut doc, extra) {
        m.extend(x);
    }
    doc
}

impl Builder {
    fn push(&mut self, name: &'static str, id: String, cells: &[U256], block: u64, doc: Value) {
        self.out.entry(name).or_default().push(Record {
            id,
            cells: cells.iter().map(U256::to_string).collect(),
            block,
            doc,
        });
    }

    fn fold(&mut self, s: &State) {
        let d = &s.domain;
        let wearers_of = |role: U256| -> Vec<Address> {
            s.wearers_of(role)
                .map(|w| w.wearer)
                .filter(|w| !s.bad_standing.contains_key(&(role, *w)))
                .collect()
        };
        let depth = |mut id: U256| {
            let mut n = 0u64;
            while let Some(p) = d.parent_of(id) {
                n += 1;
                id = p;
                if n > 64 {
                    break;
                }
            }
            n
        };
        for c in d.cells.values() {
            let admins = wearers_of(c.id);
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
            let extra = json!({
                "depth": depth(c.id), "run_by": run_by, "runner": runner, "admins": admins,
                "executor": executor, "safe": safe,
            });
            let doc = doc_of(c, extra);
            let mut cells = vec![c.id];
            if c.is_dao() {
                self.push(
                    "daos",
                    c.id.to_string(),
                    &cells,
                    c.created.block,
                    doc.clone(),
                );
            } else {
                cells.push(c.parent);
            }
            self.push("cells", c.id.to_string(), &cells, c.created.block, doc);
        }
        for p in d.proposals.values() {
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
            self.push(
                "proposals",
                p.id.to_string(),
                &[p.cell],
                p.created.block,
                doc_of(p, extra),
            );
        }
        for v in d.votes.values() {
            let cell = d
                .proposals
                .get(&v.proposal)
                .map(|p| p.cell)
                .unwrap_or_default();
            let id = format!("{}/{}", v.proposal, v.voter);
            self.push("votes", id, &[cell], v.at.block, doc_of(v, json!({})));
        }
        for b in d.budgets.values() {
            let id = format!("{}/{}", b.cell, b.token);
            self.push(
                "budgets",
                id,
                &[b.cell],
                b.last_event.block,
                doc_of(b, json!({})),
            );
        }
        for ((block, log), a) in &d.sub_allocations {
            let doc = doc_of(a, json!({"kind": "allocation"}));
            self.push(
                "allocations",
                format!("{block}/{log}"),
                &[a.parent, a.child],
                *block,
                doc,
            );
        }
        for ((block, log), c) in &d.clawbacks {
            let doc = doc_of(c, json!({"kind": "clawback"}));
            self.push(
                "allocations",
                format!("{block}/{log}"),
                &[c.parent, c.child],
                *block,
                doc,
            );
        }
        for ((block, log), x) in &d.spends {
            self.push(
                "spends",
                format!("{block}/{log}"),
                &[x.cell],
                *block,
                doc_of(x, json!({})),
            );
        }
        for b in d.bounties.values() {
            self.push(
                "bounties",
                b.task.to_string(),
                &[b.cell],
                b.last_event.block,
                doc_of(b, json!({})),
            );
        }
        for t in d.tasks.values() {
            self.push(
                "tasks",
                t.id.to_string(),
                &[t.cell],
                t.created.block,
                doc_of(t, json!({})),
            );
        }
        for x in d.streams.values() {
            self.push(
                "streams",
                x.id.to_string(),
                &[x.cell],
                x.opened.block,
                doc_of(x, json!({})),
            );
        }
        for x in d.decisions.values() {
            let id = format!("{}/{}", x.cell, x.index);
            self.push("decisions", id, &[x.cell], x.at.block, doc_of(x, json!({})));
        }
        for x in d.state_docs.values() {
            let first = x.versions.first().map_or(0, |v| v.at.block);
            let id = format!("{}/{}", x.cell, x.key);
            self.push("state-docs", id, &[x.cell], first, doc_of(x, json!({})));
        }
        for x in d.partnerships.values() {
            let cells = [x.cell, x.counterparty_cell];
            self.push(
                "partnerships",
                x.id.to_string(),
                &cells,
                x.proposed.block,
                doc_of(x, json!({})),
            );
        }
        for x in d.safes.values() {
            self.push(
                "safes",
                x.dao.to_string(),
                &[x.dao],
                x.last_event.block,
                doc_of(x, json!({})),
            );
        }
        // Roles and wearers: the cell a role belongs to is the nearest cell at or above it.
        let cell_of = |mut role: U256| -> U256 {
            for _ in 0..64 {
                if d.cells.contains_key(&role) {
                    return role;
                }
                match s.roles.get(&role) {
                    Some(r) if r.admin_id != role => role = r.admin_id,
                    _ => break,
                }
            }
            U256::ZERO
        };
        for r in s.roles.values() {
            let cell = cell_of(r.role_id);
            let extra = json!({"id": r.role_id.to_string(), "hex_id": format!("{:#066x}", r.role_id), "cell": cell.to_string(), "wearers": wearers_of(r.role_id)});
            self.push(
                "roles",
                r.role_id.to_string(),
                &[cell],
                r.created.block,
                doc_of(r, extra),
            );
        }
        for w in s.wearers.values() {
            let cell = cell_of(w.role_id);
            let id = format!("{}/{}", w.role_id, w.wearer);
            let extra = json!({"id": id, "cell": cell.to_string(), "in_good_standing": !s.bad_standing.contains_key(&(w.role_id, w.wearer))});
            self.push("wearers", id, &[cell], w.since_block, doc_of(w, extra));
        }
    }
}
