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
}

/// Phase names, in the contracts' enum order.
pub const PHASES: [&str; 5] = [
    "conversation",
    "formation",
    "organization",
    "coordination",
    "dissolved",
];
/// Scale names, in the contracts' enum order.
pub const SCALES: [&str; 4] = ["collaboration", "coordination", "constituency", "network"];

fn hex(v: U256) -> String {
    format!("{v:#066x}")
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
    pub fn list(&self, name: &str) -> &[Record] {
        self.collections.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn find(&self, name: &str, id: &str) -> Option<&Record> {
        let want = parse_id(id).map(hex);
        self.list(name)
            .iter()
            .find(|r| r.id == id || want.as_deref() == Some(r.id.as_str()))
    }

    /// Resolves the `cell` parameter: a 0x-hex or decimal id, or a cell name (which must name
    /// exactly one cell).
    pub fn resolve_cell(&self, given: &str) -> Result<String, BadParam> {
        let cells = self.list("cells");
        if let Some(id) = parse_id(given).map(hex) {
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
        let matching: Vec<&Record> = self
            .list(name)
            .iter()
            .filter(|r| cell.as_ref().is_none_or(|c| r.cells.contains(c)))
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
        let offset = match &q.start {
            Start::Offset(o) => *o,
            Start::After(block, id) => matching
                .iter()
                .position(|r| (r.block, r.id.as_str()) > (*block, id.as_str()))
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
        let history = crate::metrics::History::from_collections(&collections);
        Self {
            chain_id,
            head: head.as_ref().map(|h| h.0),
            head_hash: head.map(|h| h.1),
            logs: state.applied,
            collections,
            audit: None,
            metrics_input: history,
        }
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
                    .entry((str_of(&s.doc["cellId"]), str_of(&s.doc["to"]), "spend"))
                    .or_default() += num(&s.doc["amount"]);
            }
        }
        for b in self.list("bounties") {
            if same_token(&b.doc) && b.doc["status"] == "Paid" {
                *edges
                    .entry((str_of(&b.doc["cellId"]), format!("task:{}", b.id), "bounty"))
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
        let mut t: BTreeSet<String> = BTreeSet::new();
        for name in ["budgets", "spends", "allocations", "bounties"] {
            for r in self.list(name) {
                if let Some(s) = r.doc["token"].as_str() {
                    t.insert(s.to_owned());
                }
            }
        }
        t.into_iter().collect()
    }
}

#[derive(Default)]
struct Builder {
    out: BTreeMap<&'static str, Vec<Record>>,
}

impl Builder {
    fn push(&mut self, name: &'static str, id: String, cells: Vec<String>, block: u64, doc: Value) {
        self.out.entry(name).or_default().push(Record {
            id,
            cells,
            block,
            doc,
        });
    }

    fn fold(&mut self, s: &State) {
        let e = &s.entities;
        let doc_block = |d: &Value, k: &str| d[k]["block"].as_u64();
        let proposal_cell: BTreeMap<&str, String> = e
            .iter()
            .filter(|((k, _), _)| *k == "proposal")
            .map(|((_, id), d)| (id.as_str(), str_of(&d["cellId"])))
            .collect();
        let safes: BTreeMap<String, Address> = e
            .iter()
            .filter(|((k, _), _)| *k == "safe")
            .filter_map(|((_, id), d)| Some((id.clone(), d["safe"].as_str()?.parse().ok()?)))
            .collect();
        let executors: BTreeMap<String, Address> = e
            .iter()
            .filter(|((k, _), _)| *k == "executor")
            .filter_map(|((_, id), d)| Some((id.clone(), d["executor"].as_str()?.parse().ok()?)))
            .collect();
        let wearers_of = |role: U256| -> Vec<Address> {
            s.wearers_of(role)
                .map(|w| w.wearer)
                .filter(|w| !s.bad_standing.contains_key(&(role, *w)))
                .collect()
        };
        // Depths: parents first.
        let parent: BTreeMap<String, String> = e
            .iter()
            .filter(|((k, _), _)| *k == "cell")
            .map(|((_, id), d)| (id.clone(), str_of(&d["parentCellId"])))
            .collect();
        let depth = |id: &str| {
            let (mut d, mut at) = (0u64, id.to_owned());
            while let Some(p) = parent.get(&at).filter(|p| parent.contains_key(*p)) {
                d += 1;
                at = p.clone();
                if d > 64 {
                    break;
                }
            }
            d
        };
        for ((kind, id), d) in e {
            let cell = str_of(&d["cellId"]);
            let mut doc = d.clone();
            if let Value::Object(m) = &mut doc {
                m.insert("id".into(), Value::String(id.clone()));
            }
            let at = doc_block(d, "at")
                .or_else(|| doc_block(d, "created"))
                .or_else(|| d["lastBlock"].as_u64())
                .unwrap_or(0);
            match *kind {
                "cell" => {
                    let cid: U256 = id.parse().unwrap_or_default();
                    let dao = str_of(&d["daoId"]);
                    let admins = wearers_of(cid);
                    let executor = executors.get(id);
                    let safe = safes.get(&dao).copied();
                    let (run_by, runner) = if executor.is_some_and(|x| admins.contains(x)) {
                        (
                            "vote",
                            format!("executor {}", executor.copied().unwrap_or_default()),
                        )
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
                    let parent = str_of(&d["parentCellId"]);
                    let phase = d["phase"].as_u64().and_then(|p| PHASES.get(p as usize));
                    let scale = d["scale"].as_u64().and_then(|p| SCALES.get(p as usize));
                    let extra = json!({
                        "parent": if parse_id(&parent).unwrap_or_default().is_zero() { Value::Null } else { parent.clone().into() },
                        "depth": depth(id), "phaseName": phase, "scaleName": scale,
                        "runBy": run_by, "runner": runner, "admins": admins,
                        "executor": executor,
                    });
                    if let (Value::Object(m), Value::Object(x)) = (&mut doc, extra) {
                        m.extend(x);
                    }
                    let mut cells = vec![id.clone()];
                    if !parse_id(&parent).unwrap_or_default().is_zero() {
                        cells.push(parent.clone());
                    }
                    if parse_id(&parent).unwrap_or_default().is_zero() {
                        let mut dao_doc = doc.clone();
                        dao_doc["safe"] = json!(safe);
                        self.push("daos", id.clone(), vec![id.clone()], at, dao_doc);
                    }
                    self.push("cells", id.clone(), cells, at, doc);
                }
                "proposal" => {
                    let created = doc_block(d, "created").unwrap_or(at);
                    let votes: Vec<&Value> = e
                        .range(("vote", format!("{id}/"))..("vote", format!("{id}0")))
                        .map(|(_, v)| v)
                        .collect();
                    let mut timeline = vec![
                        json!({"event": "created", "block": created, "tx": d["created"]["tx"]}),
                    ];
                    let mut vblocks: Vec<(u64, &Value)> = votes
                        .iter()
                        .map(|v| (v["lastBlock"].as_u64().unwrap_or(0), *v))
                        .collect();
                    vblocks.sort_by_key(|(b, _)| *b);
                    for (b, v) in vblocks {
                        timeline.push(json!({"event": "vote", "block": b, "voter": v["voter"], "support": v["support"], "weight": v["weight"]}));
                    }
                    for st in ["executed", "vetoed", "canceled"] {
                        let k = format!("{st}At");
                        if let Some(b) = d[&k]["block"].as_u64() {
                            timeline.push(json!({"event": st, "block": b, "tx": d[&k]["tx"], "by": d["stateBy"]}));
                        }
                    }
                    doc["timeline"] = Value::Array(timeline);
                    // Quorum under the cell's settings as they stand (members for role electorates).
                    if let Some(st) = e.get(&("settings", cell.clone())) {
                        let settings = &st["settings"];
                        let bps = settings["quorumBps"].as_u64().unwrap_or(0);
                        let supply = d["electorateSupply"].as_u64().unwrap_or(0);
                        doc["settings"] = settings.clone();
                        doc["quorum"] = json!((supply * bps).div_ceil(10_000));
                    }
                    doc["votes"] = Value::Array(votes.into_iter().cloned().collect());
                    self.push("proposals", id.clone(), vec![cell], created, doc);
                }
                "vote" => {
                    let pid = id.split('/').next().unwrap_or_default();
                    let c = proposal_cell.get(pid).cloned().unwrap_or_default();
                    self.push("votes", id.clone(), vec![c], at, doc);
                }
                "budget" => self.push("budgets", id.clone(), vec![cell], at, doc),
                "suballocation" | "clawback" => {
                    doc["kind"] = json!(if *kind == "clawback" {
                        "clawback"
                    } else {
                        "allocation"
                    });
                    let cells = vec![str_of(&d["parentCellId"]), str_of(&d["childCellId"])];
                    self.push("allocations", id.clone(), cells, at, doc);
                }
                "spend" => self.push("spends", id.clone(), vec![cell], at, doc),
                "bounty" => self.push("bounties", id.clone(), vec![cell], at, doc),
                "stream" => self.push("streams", id.clone(), vec![cell], at, doc),
                "task" => {
                    let created = doc_block(d, "created").unwrap_or(at);
                    self.push("tasks", id.clone(), vec![cell], created, doc)
                }
                "decision" => self.push("decisions", id.clone(), vec![cell], at, doc),
                "state_doc" => {
                    let first = d["versions"][0]["block"].as_u64().unwrap_or(at);
                    self.push("state-docs", id.clone(), vec![cell], first, doc)
                }
                "partnership" => {
                    let cells = vec![cell, str_of(&d["counterpartyCellId"])];
                    self.push("partnerships", id.clone(), cells, at, doc)
                }
                "safe" => self.push("safes", id.clone(), vec![id.clone()], at, doc),
                _ => {}
            }
        }
        // Roles and wearers: the cell a role belongs to is the nearest cell id at or above it.
        let cell_ids: BTreeSet<U256> = parent.keys().filter_map(|k| k.parse().ok()).collect();
        let cell_of = |mut role: U256| -> String {
            for _ in 0..64 {
                if cell_ids.contains(&role) {
                    return hex(role);
                }
                match s.roles.get(&role) {
                    Some(r) if r.admin_id != role => role = r.admin_id,
                    _ => break,
                }
            }
            String::new()
        };
        for r in s.roles.values() {
            let wearers: Vec<Address> = wearers_of(r.role_id);
            let mut doc = serde_json::to_value(r).unwrap_or_default();
            doc["id"] = json!(hex(r.role_id));
            doc["cell"] = json!(cell_of(r.role_id));
            doc["wearers"] = json!(wearers);
            self.push(
                "roles",
                hex(r.role_id),
                vec![cell_of(r.role_id)],
                r.created.block,
                doc,
            );
        }
        for w in s.wearers.values() {
            let mut doc = serde_json::to_value(w).unwrap_or_default();
            let id = format!("{}/{}", hex(w.role_id), w.wearer);
            doc["id"] = json!(id);
            doc["cell"] = json!(cell_of(w.role_id));
            doc["in_good_standing"] = json!(!s.bad_standing.contains_key(&(w.role_id, w.wearer)));
            self.push("wearers", id, vec![cell_of(w.role_id)], w.since_block, doc);
        }
    }
}
