//! What the API serves: a read-only picture of the index at one checkpoint, shared behind an
//! `Arc`, so requests never wait for the indexer and never see a half-applied block.
//!
//! Each entity is a [`Record`]: its id, the cells it concerns (for the `cell` filter), the block
//! it happened at (for `from_block`/`to_block` and ordering) and its JSON form, serialized once
//! per change of the entity rather than once per request.
//!
//! The collections and indexes are persistent maps (`imbl`): a new block's snapshot
//! ([`Snapshot::advance`]) shares everything with the previous one but the entities the block
//! changed (and the few records that read them, see [`crate::records::affected`]), so following
//! the chain costs what each block changed, not the size of the index.

use std::{
    collections::{BTreeMap, BTreeSet},
    ops::Bound,
    sync::{Arc, Mutex, OnceLock},
};

use alloy::primitives::U256;
use dao_indexer::{Changes, State, fold::EntityKey};
use imbl::{OrdMap, OrdSet};
use serde_json::{Value, json};

use crate::{
    metrics::History,
    query::{BadParam, ListQuery, Start, cursor_of},
    records::{Part, Source, affected, all_sources, produce},
};

/// One entity as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    /// The cells it concerns (0x-hex ids): an allocation concerns its parent and its child.
    pub cells: Vec<String>,
    /// The block it happened at (created at, for things with a lifetime).
    pub block: u64,
    pub doc: Value,
    /// `doc` serialized, once: responses copy it instead of serializing it again.
    pub json: String,
}

impl Record {
    pub fn new(id: String, cells: Vec<String>, block: u64, doc: Value) -> Self {
        let json = doc.to_string();
        Self {
            id,
            cells,
            block,
            doc,
            json,
        }
    }
}

/// A JSON array of records, from their serialized forms.
pub fn json_array<'a>(records: impl IntoIterator<Item = &'a Record>) -> String {
    let mut out = String::from("[");
    for (i, r) in records.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&r.json);
    }
    out.push(']');
    out
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

/// A record's place in its collection: chain order, then id.
pub type Key = (u64, String);

/// One collection: records in chain order, and where each id is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Collection {
    records: OrdMap<Key, Arc<Record>>,
    blocks: OrdMap<String, u64>,
}

/// The keys of a block range (bounds inclusive, `None` open).
fn key_range(from: Option<u64>, to: Option<u64>) -> (Bound<Key>, Bound<Key>) {
    let lo = from.map_or(Bound::Unbounded, |f| Bound::Included((f, String::new())));
    let hi = match to {
        Some(t) if t < u64::MAX => Bound::Excluded((t + 1, String::new())),
        _ => Bound::Unbounded,
    };
    (lo, hi)
}

impl Collection {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The records in chain order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Record> {
        self.records.values().map(|r| &**r)
    }

    /// The records of blocks `from..=to`, in chain order.
    pub fn range(
        &self,
        from: Option<u64>,
        to: Option<u64>,
    ) -> impl DoubleEndedIterator<Item = &Record> {
        self.records.range(key_range(from, to)).map(|(_, r)| &**r)
    }

    pub fn get(&self, id: &str) -> Option<&Record> {
        let block = self.blocks.get(id)?;
        self.records.get(&(*block, id.to_owned())).map(|r| &**r)
    }

    /// Inserts `r`, replacing the record of the same id; returns the one it replaced.
    fn insert(&mut self, r: Record) -> Option<Arc<Record>> {
        let old = self.remove(&r.id);
        self.blocks.insert(r.id.clone(), r.block);
        self.records.insert((r.block, r.id.clone()), Arc::new(r));
        old
    }

    fn remove(&mut self, id: &str) -> Option<Arc<Record>> {
        let block = self.blocks.remove(id)?;
        self.records.remove(&(block, id.to_owned()))
    }
}

/// A page of a collection.
#[derive(Debug)]
pub struct Page<'a> {
    pub items: Vec<&'a Record>,
    /// Items matching the filters, over all pages.
    pub total: usize,
    pub offset: usize,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl Page<'_> {
    /// `{items, total, offset, next_cursor}`, the items copied from their serialized forms.
    pub fn to_json(&self) -> String {
        format!(
            r#"{{"items":{},"total":{},"offset":{},"next_cursor":{}}}"#,
            json_array(self.items.iter().copied()),
            self.total,
            self.offset,
            serde_json::to_string(&self.next_cursor).unwrap_or_else(|_| "null".to_owned())
        )
    }
}

/// What each source showed in a snapshot: its records (collection, id) and metrics parts.
#[derive(Debug, Clone, Default, PartialEq)]
struct Shown {
    records: Vec<(&'static str, String)>,
    parts: Vec<Part>,
}

/// The index at one checkpoint.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub chain_id: u64,
    pub head: Option<u64>,
    pub head_hash: Option<String>,
    pub logs: u64,
    pub collections: BTreeMap<&'static str, Collection>,
    /// The audit of a recent checkpoint (its report names its head), or why it could not run.
    pub audit: Option<Arc<Result<Value, String>>>,
    /// What each source shows, to replace it when the source changes.
    sources: OrdMap<Source, Arc<Shown>>,
    /// Each cell's records, per collection.
    by_cell: OrdMap<String, OrdMap<&'static str, OrdSet<Key>>>,
    /// The tokens money moved in, with how many records name each.
    token_counts: OrdMap<String, usize>,
    /// The metrics' history, gathered from the sources' parts on the first metrics request.
    history: OnceLock<History>,
    /// Metrics reports already computed on this snapshot, by query: a report is a pass over the
    /// whole history, and every open dashboard asks the same ones until the next block.
    pub metrics_cache: Mutex<BTreeMap<String, Value>>,
    /// Cell pages already written on this snapshot, by cell id: a busy cell's page copies
    /// hundreds of records, and every open dashboard on that cell asks for it until the next block.
    pub cell_pages: Mutex<BTreeMap<String, hyper::body::Bytes>>,
}

/// Ids are served as the typed JSON writes them: decimal strings.
fn canonical(v: U256) -> String {
    v.to_string()
}

pub(crate) fn str_of(v: &Value) -> String {
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

/// The collections whose records name a token (for the flow picture's token choice).
const MONEY: [&str; 4] = ["budgets", "spends", "allocations", "bounties"];

impl PartialEq for Snapshot {
    /// Equal when they serve the same thing (caches aside).
    fn eq(&self, o: &Self) -> bool {
        (self.chain_id, self.head, &self.head_hash, self.logs)
            == (o.chain_id, o.head, &o.head_hash, o.logs)
            && self.collections == o.collections
            && self.audit == o.audit
            && self.sources == o.sources
            && self.by_cell == o.by_cell
            && self.token_counts == o.token_counts
    }
}

impl Snapshot {
    /// Builds the snapshot of `state` at `head`.
    pub fn build(state: &State, chain_id: u64, head: Option<(u64, String)>) -> Self {
        let mut s = Self {
            chain_id,
            collections: COLLECTIONS
                .iter()
                .map(|n| (*n, Collection::default()))
                .collect(),
            ..Self::default()
        };
        for src in all_sources(state) {
            s.replace(state, src);
        }
        s.set_head(state, head);
        s
    }

    /// The snapshot of `state` after the ranges that made `changes`, from this one (the snapshot
    /// of the state before them): shares this one's maps and produces again only the records the
    /// changes touched. A rollback (`changes.rebuilt`) builds it from scratch. The audit is
    /// carried over (its report names the head it audited).
    pub fn advance(&self, state: &State, changes: &Changes, head: Option<(u64, String)>) -> Self {
        if changes.rebuilt {
            let mut s = Self::build(state, self.chain_id, head);
            s.audit = self.audit.clone();
            return s;
        }
        let mut s = self.fork();
        let todo = affected(
            state,
            changes,
            |c| s.sources.contains_key(&Source::Entity(EntityKey::Cell(c))),
            |c| {
                s.of_cell("proposals", &c.to_string())
                    .filter_map(|r| parse_id(&r.id))
                    .collect()
            },
        );
        for src in todo {
            s.replace(state, src);
        }
        s.set_head(state, head);
        s
    }

    /// A copy sharing this one's maps (constant time), without its caches.
    fn fork(&self) -> Self {
        Self {
            chain_id: self.chain_id,
            head: self.head,
            head_hash: self.head_hash.clone(),
            logs: self.logs,
            collections: self.collections.clone(),
            audit: self.audit.clone(),
            sources: self.sources.clone(),
            by_cell: self.by_cell.clone(),
            token_counts: self.token_counts.clone(),
            history: OnceLock::new(),
            metrics_cache: Mutex::default(),
            cell_pages: Mutex::default(),
        }
    }

    /// The same snapshot with another audit.
    pub fn with_audit(&self, audit: Result<Value, String>) -> Self {
        let mut s = self.fork();
        s.audit = Some(Arc::new(audit));
        s
    }

    fn set_head(&mut self, state: &State, head: Option<(u64, String)>) {
        self.head = head.as_ref().map(|h| h.0);
        self.head_hash = head.map(|h| h.1);
        self.logs = state.applied;
    }

    /// Produces `src` again from `state` and replaces what it showed.
    fn replace(&mut self, state: &State, src: Source) {
        let out = produce(state, src);
        let shown = Shown {
            records: out
                .records
                .iter()
                .map(|(n, r)| (*n, r.id.clone()))
                .collect(),
            parts: out.parts,
        };
        let old = self.sources.get(&src).cloned();
        if let Some(old) = &old {
            for (name, id) in &old.records {
                if !shown.records.iter().any(|(n, i)| n == name && i == id) {
                    self.remove_record(name, id);
                }
            }
        }
        for (name, r) in out.records {
            self.insert_record(name, r);
        }
        if shown.records.is_empty() && shown.parts.is_empty() {
            self.sources.remove(&src);
        } else if old.as_deref() != Some(&shown) {
            self.sources.insert(src, Arc::new(shown));
        }
    }

    /// Inserts a record into a collection (replacing the one of the same id) and its indexes.
    /// Snapshots of an index get theirs from [`Self::build`]; this is for records written by
    /// hand (tests, benches).
    pub fn insert_record(&mut self, name: &'static str, r: Record) {
        let key = (r.block, r.id.clone());
        let (cells, token) = (
            r.cells.clone(),
            MONEY
                .contains(&name)
                .then(|| r.doc["token"].as_str().map(str::to_owned))
                .flatten(),
        );
        let old = self.collections.entry(name).or_default().insert(r);
        if let Some(old) = old {
            self.unindex(name, &old);
        }
        for c in cells {
            self.by_cell
                .entry(c)
                .or_default()
                .entry(name)
                .or_default()
                .insert(key.clone());
        }
        if let Some(t) = token {
            *self.token_counts.entry(t).or_default() += 1;
        }
    }

    fn remove_record(&mut self, name: &'static str, id: &str) {
        if let Some(old) = self.collections.get_mut(name).and_then(|c| c.remove(id)) {
            self.unindex(name, &old);
        }
    }

    /// Forgets a removed or replaced record in the indexes.
    fn unindex(&mut self, name: &'static str, old: &Record) {
        let key = (old.block, old.id.clone());
        for c in &old.cells {
            if let Some(m) = self.by_cell.get_mut(c) {
                if let Some(set) = m.get_mut(name) {
                    set.remove(&key);
                    if set.is_empty() {
                        m.remove(name);
                    }
                }
                if m.is_empty() {
                    self.by_cell.remove(c);
                }
            }
        }
        if MONEY.contains(&name)
            && let Some(t) = old.doc["token"].as_str()
            && let Some(n) = self.token_counts.get_mut(t)
        {
            *n -= 1;
            if *n == 0 {
                self.token_counts.remove(t);
            }
        }
    }

    /// The metrics' history of this snapshot (gathered once, on first use).
    pub fn history(&self) -> &History {
        self.history.get_or_init(|| {
            let mut h = History::default();
            for shown in self.sources.values() {
                for p in &shown.parts {
                    match p.clone() {
                        Part::Cell(c) => h.cells.push(c),
                        Part::Proposal(p) => h.proposals.push(p),
                        Part::Decision(c, b) => h.decisions.push((c, b)),
                        Part::Money(m) => h.money.push(m),
                        Part::Cap(c, t, a) => h.caps.push((c, t, a)),
                        Part::Task(t) => h.tasks.push(t),
                        Part::Grant(c, b) => h.grants.push((c, b)),
                        Part::EndedGrant(c, b, e) => h.ended_grants.push((c, b, e)),
                    }
                }
            }
            h
        })
    }

    /// Sets the metrics' history (for tests and benches that write one by hand).
    pub fn set_history(&mut self, h: History) {
        self.history = OnceLock::from(h);
        self.metrics_cache = Mutex::default();
    }

    /// The first block with a record after block 0 (where the metrics' default window starts).
    pub fn first_block(&self) -> u64 {
        self.collections
            .values()
            .filter_map(|c| c.range(Some(1), None).next().map(|r| r.block))
            .min()
            .unwrap_or(0)
    }

    /// The records of a collection that concern `cell`, in chain order.
    pub fn of_cell<'a>(
        &'a self,
        name: &str,
        cell: &str,
    ) -> impl DoubleEndedIterator<Item = &'a Record> + 'a {
        self.of_cell_range(name, cell, None, None)
    }

    /// How many records of a collection concern `cell`.
    pub fn count_of_cell(&self, name: &str, cell: &str) -> usize {
        self.by_cell
            .get(cell)
            .and_then(|m| m.get(name))
            .map_or(0, OrdSet::len)
    }

    fn of_cell_range<'a>(
        &'a self,
        name: &str,
        cell: &str,
        from: Option<u64>,
        to: Option<u64>,
    ) -> impl DoubleEndedIterator<Item = &'a Record> + 'a {
        let list = self.collections.get(name);
        self.by_cell
            .get(cell)
            .and_then(|m| m.get(name))
            .into_iter()
            .flat_map(move |set| set.range(key_range(from, to)))
            .filter_map(move |k| list.and_then(|l| l.records.get(k)).map(|r| &**r))
    }

    pub fn collection(&self, name: &str) -> Option<&Collection> {
        self.collections.get(name)
    }

    /// The records of a collection, in chain order.
    pub fn list<'a>(&'a self, name: &str) -> impl DoubleEndedIterator<Item = &'a Record> + 'a {
        self.collections
            .get(name)
            .into_iter()
            .flat_map(Collection::iter)
    }

    pub fn find(&self, name: &str, id: &str) -> Option<&Record> {
        let c = self.collections.get(name)?;
        c.get(id)
            .or_else(|| parse_id(id).and_then(|v| c.get(&canonical(v))))
    }

    /// Resolves the `cell` parameter: a 0x-hex or decimal id, or a cell name (which must name
    /// exactly one cell).
    pub fn resolve_cell(&self, given: &str) -> Result<String, BadParam> {
        if let Some(id) = parse_id(given).map(canonical) {
            if self.find("cells", &id).is_some() {
                return Ok(id);
            }
            return Err(BadParam::new(
                "cell",
                format!("no cell {given} in the index"),
            ));
        }
        let named: Vec<&Record> = self
            .list("cells")
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

    /// One page of a collection, filtered: one pass over the records that match the cell and
    /// block filters (from the indexes), without copying them; a page of a whole collection
    /// without filters reads only the records up to the page.
    pub fn page(&self, name: &str, q: &ListQuery) -> Result<Page<'_>, BadParam> {
        let cell = q
            .cell
            .as_deref()
            .map(|c| self.resolve_cell(c))
            .transpose()?;
        let candidates: Box<dyn DoubleEndedIterator<Item = &Record>> = match &cell {
            Some(c) => Box::new(self.of_cell_range(name, c, q.from_block, q.to_block)),
            None => Box::new(
                self.collections
                    .get(name)
                    .into_iter()
                    .flat_map(move |l| l.range(q.from_block, q.to_block)),
            ),
        };
        let ordered: Box<dyn Iterator<Item = &Record>> = if q.newest_first {
            Box::new(candidates.rev())
        } else {
            candidates
        };
        let status = |r: &&Record| {
            q.status.as_ref().is_none_or(|s| {
                ["status", "state", "phase"].iter().any(|k| {
                    r.doc[*k]
                        .as_str()
                        .is_some_and(|v| v.eq_ignore_ascii_case(s))
                })
            })
        };
        let after = |r: &Record, block: u64, id: &str| {
            let (key, cursor) = ((r.block, r.id.as_str()), (block, id));
            if q.newest_first {
                key < cursor
            } else {
                key > cursor
            }
        };
        let unfiltered =
            cell.is_none() && q.status.is_none() && q.from_block.is_none() && q.to_block.is_none();
        let mut items: Vec<&Record> = Vec::new();
        let (total, offset) = match &q.start {
            // The whole collection: its size is known, the page is at `offset`.
            Start::Offset(o) if unfiltered => {
                items.extend(ordered.skip(*o).take(q.limit));
                (self.collections.get(name).map_or(0, Collection::len), *o)
            }
            Start::Offset(o) => {
                let mut total = 0;
                for r in ordered.filter(status) {
                    if total >= *o && items.len() < q.limit {
                        items.push(r);
                    }
                    total += 1;
                }
                (total, *o)
            }
            Start::After(block, id) => {
                let (mut total, mut offset) = (0, None);
                for r in ordered.filter(status) {
                    if offset.is_none() && after(r, *block, id) {
                        offset = Some(total);
                    }
                    if offset.is_some() && items.len() < q.limit {
                        items.push(r);
                    }
                    total += 1;
                }
                (total, offset.unwrap_or(total))
            }
        };
        let next_cursor = (offset + items.len() < total)
            .then(|| items.last().map(|r| cursor_of(r.block, &r.id)))
            .flatten();
        Ok(Page {
            items,
            total,
            offset,
            next_cursor,
        })
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
        self.token_counts.keys().cloned().collect()
    }
}
