//! The index is evidence, checked before it is used.
//!
//! Before the audit judges anything it proves that the database holds the chain's logs:
//!
//! - [`check_logs`] fetches the deployment's logs for the audited range afresh, through the same
//!   [`AdaptiveFetcher`] the indexer uses, and compares them block by block with the stored raw
//!   logs: a count and a keccak digest of the logs' canonical encoding ([`log_digest`]) per block.
//!   Blocks that differ are merged into ranges; each range is a finding
//!   ([`LOGS_MATCH_CHAIN`]) naming the blocks and what differs (logs missing from the index, logs
//!   the chain does not have, logs altered). An empty or partial index (raw logs deleted, the
//!   checkpoint kept) is therefore a finding, never "no discrepancy after 0 events".
//! - [`check_derived`] folds the stored raw logs afresh and compares the derived tables with what
//!   the fold writes, row by row: every difference is a finding ([`DERIVED_MATCH_FOLD`]) naming
//!   the table and the row's key.
//! - [`repair`] (`daoctl audit --repair`) replaces the raw logs of the differing ranges with the
//!   chain's and rewrites the derived tables from a fresh fold, in one transaction.
//!
//! Nothing here writes unless asked to repair: the checks run on a database opened read-only.

use std::collections::BTreeMap;

use alloy::primitives::{B256, keccak256};
use serde::Serialize;

use crate::{
    audit::{Finding, Severity},
    fetch::{AdaptiveFetcher, FetchError},
    model::{Contracts, State},
    source::{LogQuery, LogSource, RawLog, SourceError},
    store::{DERIVED_TABLES, Store, StoreError},
};

/// Rule: the stored raw logs of the audited range are the chain's logs.
pub const LOGS_MATCH_CHAIN: &str = "index.logs-match-chain";
/// Rule: the derived tables are what a fresh fold of the stored raw logs writes.
pub const DERIVED_MATCH_FOLD: &str = "index.derived-match-fold";
/// Rule: the index has a checkpoint, and the checkpoint's block is on the chain.
pub const CHECKPOINT_ON_CHAIN: &str = "index.checkpoint-on-chain";

/// Failures to verify at all (not findings).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the chain's logs: {0}")]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// An inclusive range of blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct BlockRange {
    pub from: u64,
    pub to: u64,
}

impl std::fmt::Display for BlockRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.from == self.to {
            write!(f, "block {}", self.from)
        } else {
            write!(f, "blocks {}..={}", self.from, self.to)
        }
    }
}

/// A range of blocks whose stored logs are not the chain's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogRangeDiff {
    pub blocks: BlockRange,
    pub stored: u64,
    pub chain: u64,
    pub stored_digest: B256,
    pub chain_digest: B256,
    /// Chain logs the index does not have.
    pub missing: u64,
    /// Stored logs the chain does not have at that (block hash, log index).
    pub foreign: u64,
    /// Stored logs whose content differs from the chain's at the same (block hash, log index).
    pub altered: u64,
}

impl LogRangeDiff {
    pub fn describe(&self) -> String {
        format!(
            "the index holds {} logs (digest {}), the chain {} (digest {}): {} missing from the \
             index, {} not on the chain, {} altered; `daoctl audit --repair` refetches these blocks",
            self.stored,
            self.stored_digest,
            self.chain,
            self.chain_digest,
            self.missing,
            self.foreign,
            self.altered
        )
    }
}

/// What the comparison of the stored logs with the chain found.
#[derive(Debug, Clone, Default)]
pub struct LogEvidence {
    /// The range compared (`None`: the index has no checkpoint, nothing to compare).
    pub range: Option<BlockRange>,
    pub stored: u64,
    pub chain: u64,
    pub diffs: Vec<LogRangeDiff>,
    /// The checkpoint's block hash is not the chain's (another branch or another chain).
    pub checkpoint_off_chain: Option<(u64, B256, Option<B256>)>,
    /// The chain's logs for the range, in chain order (what the audit judges, and what a repair
    /// writes).
    pub chain_logs: Vec<RawLog>,
}

impl LogEvidence {
    pub fn matches(&self) -> bool {
        self.range.is_some() && self.diffs.is_empty() && self.checkpoint_off_chain.is_none()
    }
}

/// The canonical encoding of one log, as the digests hash it: block number, block hash,
/// transaction index and hash, log index (u64s big-endian), address, the number of topics (one
/// byte) and the topics, the data's length (u64 big-endian) and the data.
pub fn encode_log(log: &RawLog, out: &mut Vec<u8>) {
    out.extend_from_slice(&log.block_number.to_be_bytes());
    out.extend_from_slice(log.block_hash.as_slice());
    out.extend_from_slice(&log.tx_index.to_be_bytes());
    out.extend_from_slice(log.tx_hash.as_slice());
    out.extend_from_slice(&log.log_index.to_be_bytes());
    out.extend_from_slice(log.address.as_slice());
    out.push(log.topics.len() as u8);
    for t in &log.topics {
        out.extend_from_slice(t.as_slice());
    }
    out.extend_from_slice(&(log.data.len() as u64).to_be_bytes());
    out.extend_from_slice(&log.data);
}

/// keccak256 over the canonical encodings of `logs`, in the order given (chain order).
pub fn log_digest<'a>(logs: impl IntoIterator<Item = &'a RawLog>) -> B256 {
    let mut buf = Vec::new();
    for l in logs {
        encode_log(l, &mut buf);
    }
    keccak256(&buf)
}

/// Compares stored and chain logs (both in chain order) block by block; consecutive differing
/// blocks (no agreeing block with logs between them) make one range.
pub fn diff_logs(stored: &[RawLog], chain: &[RawLog]) -> Vec<LogRangeDiff> {
    fn by_block(logs: &[RawLog]) -> BTreeMap<u64, Vec<&RawLog>> {
        let mut m: BTreeMap<u64, Vec<&RawLog>> = BTreeMap::new();
        for l in logs {
            m.entry(l.block_number).or_default().push(l);
        }
        m
    }
    let (s, c) = (by_block(stored), by_block(chain));
    let mut blocks: Vec<u64> = s.keys().chain(c.keys()).copied().collect();
    blocks.sort_unstable();
    blocks.dedup();
    let empty = Vec::new();
    let mut out: Vec<LogRangeDiff> = Vec::new();
    // Logs of the current differing range, to digest and count it as a whole.
    let mut run: Option<(BlockRange, Vec<&RawLog>, Vec<&RawLog>)> = None;
    let close = |run: &mut Option<(BlockRange, Vec<&RawLog>, Vec<&RawLog>)>,
                 out: &mut Vec<LogRangeDiff>| {
        if let Some((blocks, s, c)) = run.take() {
            let key = |l: &RawLog| (l.block_hash, l.log_index);
            let chain_at: BTreeMap<_, &RawLog> = c.iter().map(|l| (key(l), *l)).collect();
            let stored_at: BTreeMap<_, &RawLog> = s.iter().map(|l| (key(l), *l)).collect();
            let missing = chain_at
                .keys()
                .filter(|k| !stored_at.contains_key(k))
                .count();
            let (mut foreign, mut altered) = (0, 0);
            for (k, l) in &stored_at {
                match chain_at.get(k) {
                    None => foreign += 1,
                    Some(cl) if cl != l => altered += 1,
                    Some(_) => {}
                }
            }
            out.push(LogRangeDiff {
                blocks,
                stored: s.len() as u64,
                chain: c.len() as u64,
                stored_digest: log_digest(s.iter().copied()),
                chain_digest: log_digest(c.iter().copied()),
                missing: missing as u64,
                // Duplicated keys among the stored rows count as foreign too.
                foreign: foreign + (s.len() - stored_at.len()) as u64,
                altered,
            });
        }
    };
    for b in blocks {
        let sl = s.get(&b).unwrap_or(&empty);
        let cl = c.get(&b).unwrap_or(&empty);
        let same = sl.len() == cl.len()
            && log_digest(sl.iter().copied()) == log_digest(cl.iter().copied());
        if same {
            close(&mut run, &mut out);
            continue;
        }
        match &mut run {
            Some((range, rs, rc)) => {
                range.to = b;
                rs.extend(sl.iter().copied());
                rc.extend(cl.iter().copied());
            }
            None => run = Some((BlockRange { from: b, to: b }, sl.clone(), cl.clone())),
        }
    }
    close(&mut run, &mut out);
    out
}

/// Fetches the deployment's logs of `from..=checkpoint` from `source` and compares them with the
/// stored ones.
pub async fn check_logs<S: LogSource>(
    source: &S,
    fetcher: &mut AdaptiveFetcher,
    store: &Store,
    contracts: &Contracts,
    from: u64,
) -> Result<LogEvidence, VerifyError> {
    let Some((checkpoint, hash)) = store.checkpoint()? else {
        return Ok(LogEvidence::default());
    };
    let mut ev = LogEvidence {
        range: Some(BlockRange {
            from,
            to: checkpoint,
        }),
        ..LogEvidence::default()
    };
    let on_chain = source.block_hash(checkpoint).await?;
    if on_chain != Some(hash) {
        ev.checkpoint_off_chain = Some((checkpoint, hash, on_chain));
    }
    let stored = store.raw_logs()?;
    let addresses = contracts.addresses();
    ev.chain_logs = if addresses.is_empty() || from > checkpoint {
        Vec::new()
    } else {
        fetcher
            .scan(source, &LogQuery::new(addresses), from, checkpoint)
            .await?
    };
    ev.chain_logs.sort_by_key(RawLog::position);
    // Stored logs below the audited range are not the audit's business; above the checkpoint
    // they are (a checkpoint moved back by hand leaves them behind).
    let stored: Vec<RawLog> = stored
        .into_iter()
        .filter(|l| l.block_number >= from)
        .collect();
    ev.stored = stored.len() as u64;
    ev.chain = ev.chain_logs.len() as u64;
    ev.diffs = diff_logs(&stored, &ev.chain_logs);
    Ok(ev)
}

/// A derived row that is not what the fold writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowDiff {
    pub table: &'static str,
    /// The row's primary key, rendered `col=value, ...`.
    pub key: String,
    /// The stored row (`None`: missing from the table).
    pub stored: Option<String>,
    /// The row the fold writes (`None`: the fold has no such row).
    pub folded: Option<String>,
}

impl RowDiff {
    pub fn describe(&self) -> String {
        match (&self.stored, &self.folded) {
            (None, Some(f)) => {
                format!("row missing from the table; the fold of the raw logs has {f}")
            }
            (Some(s), None) => format!("row {s} is not produced by the fold of the raw logs"),
            (Some(s), Some(f)) => format!("stored {s}; the fold of the raw logs gives {f}"),
            (None, None) => String::new(),
        }
    }
}

/// Number of primary-key columns of each derived table (its first columns).
fn key_columns(table: &str) -> usize {
    match table {
        "trees" | "roles" => 1,
        _ => 2,
    }
}

/// Every row of `table` in `store`, keyed by its primary key, both rendered as text.
fn rows(store: &Store, table: &'static str) -> Result<BTreeMap<String, String>, StoreError> {
    let conn = store.connection();
    let mut st = conn.prepare(&format!("SELECT * FROM {table}"))?;
    let names: Vec<String> = st.column_names().iter().map(|s| (*s).to_owned()).collect();
    let k = key_columns(table);
    let mut q = st.query([])?;
    let mut out = BTreeMap::new();
    while let Some(row) = q.next()? {
        let mut cols = Vec::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            let v = match row.get::<_, rusqlite::types::Value>(i)? {
                rusqlite::types::Value::Null => "null".to_owned(),
                rusqlite::types::Value::Integer(n) => n.to_string(),
                rusqlite::types::Value::Real(f) => f.to_string(),
                rusqlite::types::Value::Text(s) => s,
                rusqlite::types::Value::Blob(b) => format!("0x{}", hex::encode(b)),
            };
            cols.push(format!("{name}={v}"));
        }
        out.insert(cols[..k].join(", "), cols.join(", "));
    }
    Ok(out)
}

/// Folds the stored raw logs afresh (in memory) and compares every derived table with it.
pub fn check_derived(store: &Store, contracts: Contracts) -> Result<Vec<RowDiff>, StoreError> {
    let mut state = State::new(contracts);
    state.apply_all(&store.raw_logs()?);
    let mut fresh = Store::open_in_memory(store.chain_id(), &contracts)?;
    fresh.rewrite_derived(&mut state)?;
    let mut out = Vec::new();
    for &table in DERIVED_TABLES {
        let (stored, folded) = (rows(store, table)?, rows(&fresh, table)?);
        for (key, s) in &stored {
            match folded.get(key) {
                Some(f) if f == s => {}
                f => out.push(RowDiff {
                    table,
                    key: key.clone(),
                    stored: Some(s.clone()),
                    folded: f.cloned(),
                }),
            }
        }
        for (key, f) in &folded {
            if !stored.contains_key(key) {
                out.push(RowDiff {
                    table,
                    key: key.clone(),
                    stored: None,
                    folded: Some(f.clone()),
                });
            }
        }
    }
    Ok(out)
}

/// What a repair did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepairReport {
    /// Ranges whose raw logs were replaced by the chain's.
    pub ranges: Vec<BlockRange>,
    pub logs_removed: u64,
    pub logs_written: u64,
    /// Derived rows that differed from the fold before the tables were rewritten.
    pub rows_rewritten: u64,
}

/// Replaces the raw logs of every differing range with the chain's and rewrites the derived
/// tables from a fresh fold, in one transaction. Refuses when the checkpoint is not on the chain
/// (bring the index to the head first: the indexer rolls back a reorged branch).
pub async fn repair<S: LogSource>(
    source: &S,
    store: &mut Store,
    contracts: Contracts,
    from: u64,
) -> Result<RepairReport, VerifyError> {
    let mut fetcher = AdaptiveFetcher::new(Default::default());
    let ev = check_logs(source, &mut fetcher, store, &contracts, from).await?;
    if let Some((n, _, _)) = ev.checkpoint_off_chain {
        return Err(VerifyError::Store(StoreError::Corrupt {
            table: "checkpoint",
            what: format!(
                "block {n} of the checkpoint is not on the chain; run `daoctl index` first (it \
                 rolls back to the chain's branch), then repair"
            ),
        }));
    }
    let rows_before = check_derived(store, contracts)?.len() as u64;
    let ranges: Vec<BlockRange> = ev.diffs.iter().map(|d| d.blocks).collect();
    if ranges.is_empty() && rows_before == 0 {
        return Ok(RepairReport::default());
    }
    let (removed, written) = store.replace_logs(&ranges, &ev.chain_logs, contracts)?;
    Ok(RepairReport {
        ranges,
        logs_removed: removed,
        logs_written: written,
        rows_rewritten: rows_before,
    })
}

/// Derived-row findings reported one by one per table; the rest are counted in one more.
const ROWS_PER_TABLE: usize = 20;

/// The audit findings of the evidence checks (all errors: an index that is not the chain's, or
/// tables that are not its fold, cannot be trusted by anyone reading the file).
pub fn findings(ev: &LogEvidence, rows: &[RowDiff]) -> Vec<Finding> {
    let mut out = Vec::new();
    let range = match ev.range {
        Some(r) => r,
        None => {
            out.push(Finding {
                severity: Severity::Error,
                rule: CHECKPOINT_ON_CHAIN,
                event: "checkpoint".into(),
                at: None,
                blocks: None,
                cell: None,
                detail: "the index has no checkpoint: nothing was indexed, so nothing can be \
                         audited; run `daoctl index` first"
                    .into(),
            });
            return out;
        }
    };
    if let Some((n, stored, chain)) = ev.checkpoint_off_chain {
        out.push(Finding {
            severity: Severity::Error,
            rule: CHECKPOINT_ON_CHAIN,
            event: "checkpoint".into(),
            at: None,
            blocks: Some(BlockRange { from: n, to: n }),
            cell: None,
            detail: format!(
                "the index's checkpoint is block {n} with hash {stored}, the chain's block {n} is {}: \
                 the index follows another branch; `daoctl index` rolls it back",
                chain.map_or_else(|| "missing".to_owned(), |h| h.to_string())
            ),
        });
    }
    for d in &ev.diffs {
        out.push(Finding {
            severity: Severity::Error,
            rule: LOGS_MATCH_CHAIN,
            event: format!("raw logs of {}", d.blocks),
            at: None,
            blocks: Some(d.blocks),
            cell: None,
            detail: d.describe(),
        });
    }
    if ev.diffs.is_empty() && ev.stored == 0 && ev.chain == 0 {
        tracing::info!(%range, "the deployment emitted no log in the audited range");
    }
    let mut per_table: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        let n = per_table.entry(r.table).or_default();
        *n += 1;
        if *n <= ROWS_PER_TABLE {
            out.push(Finding {
                severity: Severity::Error,
                rule: DERIVED_MATCH_FOLD,
                event: format!("{} row {}", r.table, r.key),
                at: None,
                blocks: None,
                cell: None,
                detail: format!(
                    "{}; `daoctl audit --repair` rewrites the table",
                    r.describe()
                ),
            });
        }
    }
    for (table, n) in per_table {
        if n > ROWS_PER_TABLE {
            out.push(Finding {
                severity: Severity::Error,
                rule: DERIVED_MATCH_FOLD,
                event: format!("{table} table"),
                at: None,
                blocks: None,
                cell: None,
                detail: format!(
                    "{} more rows of {table} differ from the fold of the raw logs",
                    n - ROWS_PER_TABLE
                ),
            });
        }
    }
    out
}

/// What the audit report says about the index as evidence.
#[derive(Debug, Clone, Serialize)]
pub struct IndexCheck {
    pub blocks: Option<BlockRange>,
    pub stored_logs: u64,
    pub chain_logs: u64,
    pub chain_digest: B256,
    pub differing_ranges: u64,
    pub differing_rows: u64,
}

/// Findings grouped by cell and rule: the index's first (an index that is not the chain's
/// undermines every other finding), then each cell's in the order they were found.
pub fn by_cell_and_rule(findings: &[Finding]) -> Vec<(Option<&str>, &'static str, Vec<&Finding>)> {
    let mut groups: Vec<(Option<&str>, &'static str, Vec<&Finding>)> = Vec::new();
    for f in findings {
        let cell = f.cell.as_deref();
        match groups
            .iter_mut()
            .find(|(c, r, _)| *c == cell && *r == f.rule)
        {
            Some((_, _, v)) => v.push(f),
            None => groups.push((cell, f.rule, vec![f])),
        }
    }
    // Stable: index rules first, then by cell in order of first appearance.
    let order: Vec<Option<&str>> =
        groups
            .iter()
            .map(|(c, _, _)| *c)
            .fold(Vec::new(), |mut v, c| {
                if !v.contains(&c) {
                    v.push(c);
                }
                v
            });
    groups.sort_by_key(|(c, r, _)| {
        (
            !r.starts_with("index."),
            order.iter().position(|o| o == c).unwrap_or(usize::MAX),
        )
    });
    groups
}

impl IndexCheck {
    /// One line for the human report.
    pub fn render(&self) -> String {
        let Some(blocks) = self.blocks else {
            return "index: NO CHECKPOINT (nothing indexed)".to_owned();
        };
        if self.differing_ranges == 0 && self.differing_rows == 0 {
            format!(
                "index: the {} stored logs of {blocks} are the chain's (digest {}); the derived tables are their fold",
                self.stored_logs, self.chain_digest
            )
        } else {
            format!(
                "index: DIFFERS FROM THE CHAIN: {} stored logs of {blocks}, the chain has {}; {} block ranges and {} derived rows differ (findings index.*)",
                self.stored_logs, self.chain_logs, self.differing_ranges, self.differing_rows
            )
        }
    }

    pub fn of(ev: &LogEvidence, rows: &[RowDiff]) -> Self {
        Self {
            blocks: ev.range,
            stored_logs: ev.stored,
            chain_logs: ev.chain,
            chain_digest: log_digest(&ev.chain_logs),
            differing_ranges: ev.diffs.len() as u64,
            differing_rows: rows.len() as u64,
        }
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, Bytes};

    use super::*;

    fn log(block: u64, index: u64, data: u8) -> RawLog {
        RawLog {
            block_number: block,
            block_hash: B256::with_last_byte(block as u8),
            tx_index: 0,
            tx_hash: B256::with_last_byte(0xee),
            log_index: index,
            address: Address::repeat_byte(1),
            topics: vec![B256::with_last_byte(7)],
            data: Bytes::from(vec![data]),
        }
    }

    #[test]
    fn equal_logs_have_no_difference() {
        let chain = vec![log(1, 0, 0), log(1, 1, 0), log(5, 0, 0)];
        assert!(diff_logs(&chain, &chain).is_empty());
    }

    #[test]
    fn an_empty_index_differs_over_the_whole_range() {
        let chain = vec![log(1, 0, 0), log(3, 0, 0), log(9, 0, 0)];
        let d = diff_logs(&[], &chain);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].blocks, BlockRange { from: 1, to: 9 });
        assert_eq!((d[0].stored, d[0].chain, d[0].missing), (0, 3, 3));
    }

    #[test]
    fn separate_differences_are_separate_ranges_naming_what_differs() {
        let chain = vec![log(1, 0, 0), log(2, 0, 0), log(3, 0, 0), log(4, 0, 0)];
        // Block 1 altered, block 3 deleted, block 4 has a foreign extra log.
        let stored = vec![log(1, 0, 9), log(2, 0, 0), log(4, 0, 0), log(4, 1, 0)];
        let d = diff_logs(&stored, &chain);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].blocks, BlockRange { from: 1, to: 1 });
        assert_eq!((d[0].altered, d[0].missing, d[0].foreign), (1, 0, 0));
        assert_eq!(d[1].blocks, BlockRange { from: 3, to: 4 });
        assert_eq!((d[1].altered, d[1].missing, d[1].foreign), (0, 1, 1));
        assert_ne!(d[1].stored_digest, d[1].chain_digest);
    }

    #[test]
    fn the_digest_covers_every_field() {
        let a = log(1, 0, 0);
        let mut variants = Vec::new();
        let mut b = a.clone();
        b.tx_index = 1;
        variants.push(b);
        let mut b = a.clone();
        b.address = Address::repeat_byte(2);
        variants.push(b);
        let mut b = a.clone();
        b.topics.push(B256::ZERO);
        variants.push(b);
        let mut b = a.clone();
        b.tx_hash = B256::ZERO;
        variants.push(b);
        for v in variants {
            assert_ne!(log_digest([&a]), log_digest([&v]), "{v:?}");
        }
    }
}
