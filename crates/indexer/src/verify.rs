//! The index is evidence, checked before it is used.
//!
//! Before the audit judges anything it proves that the database holds the chain's logs:
//!
//! - [`check_logs`] ([`LogCheck`], a span at a time) fetches the deployment's logs for the
//!   audited range afresh, through the same [`AdaptiveFetcher`] the indexer uses (a query's worth
//!   of logs at most), and compares them block by block with the stored raw logs of the same
//!   blocks; a keccak digest of the logs' canonical encoding ([`log_digest`]) is kept for the
//!   whole range and for each differing one. Blocks that differ are merged into ranges; each range is a finding
//!   ([`LOGS_MATCH_CHAIN`]) naming the blocks and what differs (logs missing from the index, logs
//!   the chain does not have, logs altered). An empty or partial index (raw logs deleted, the
//!   checkpoint kept) is therefore a finding, never "no discrepancy after 0 events".
//! - [`check_derived`] folds the stored raw logs afresh into a temporary database (a slice at a
//!   time, [`Store::refolded_copy`]) and compares the derived tables with what the fold writes,
//!   row by row in key order: every difference is a finding ([`DERIVED_MATCH_FOLD`]) naming
//!   the table and the row's key.
//! - [`repair`] (`daoctl audit --repair`) replaces the raw logs of the differing ranges with the
//!   chain's and rewrites the derived tables from a fresh fold, in one transaction.
//!
//! Nothing here writes unless asked to repair: the checks run on a database opened read-only.

use std::{cmp::Ordering, collections::BTreeMap};

use rusqlite::types::Value;

use alloy::primitives::{B256, Keccak256, keccak256};
use serde::Serialize;

use crate::{
    audit::{Finding, Severity},
    fetch::{AdaptiveFetcher, FetchError},
    model::Contracts,
    source::{LogQuery, LogSource, RawLog, SourceError},
    store::{DERIVED_TABLES, RefoldLimits, Store, StoreError},
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
    /// keccak256 over the canonical encodings of the chain's logs of the range, in chain order
    /// ([`log_digest`] of all of them, computed as they stream by).
    pub chain_digest: B256,
    /// The chain's logs of the differing ranges, in chain order: what a repair writes, and what
    /// the audit judges there instead of the stored ones. Only these are kept: the logs of a
    /// range that agrees are the stored ones.
    pub chain_logs: Vec<RawLog>,
}

impl LogEvidence {
    pub fn matches(&self) -> bool {
        self.range.is_some() && self.diffs.is_empty() && self.checkpoint_off_chain.is_none()
    }

    /// Whether `block` is in a range whose stored logs are not the chain's.
    pub fn differs_at(&self, block: u64) -> bool {
        // The ranges are disjoint and in chain order.
        let i = self.diffs.partition_point(|d| d.blocks.to < block);
        self.diffs.get(i).is_some_and(|d| d.blocks.from <= block)
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

/// Compares stored and chain logs block by block, fed spans of blocks in chain order (each
/// block whole in one span); consecutive differing blocks (no agreeing block with logs between
/// them) make one range. Holds only the logs of the differing range still open.
#[derive(Debug, Default)]
struct BlockDiffer {
    diffs: Vec<LogRangeDiff>,
    run: Option<DifferingRun>,
}

#[derive(Debug)]
struct DifferingRun {
    blocks: BlockRange,
    stored: Vec<RawLog>,
    chain: Vec<RawLog>,
}

impl BlockDiffer {
    /// Compares the logs of one span (both in chain order); the chain logs of every differing
    /// range closed are moved to `kept`.
    fn feed(&mut self, stored: &[RawLog], chain: &[RawLog], kept: &mut Vec<RawLog>) {
        let (mut i, mut j) = (0, 0);
        while i < stored.len() || j < chain.len() {
            let block = match (stored.get(i), chain.get(j)) {
                (Some(s), Some(c)) => s.block_number.min(c.block_number),
                (Some(s), None) => s.block_number,
                (None, Some(c)) => c.block_number,
                (None, None) => break,
            };
            let end_of = |logs: &[RawLog], from: usize| {
                from + logs[from..]
                    .iter()
                    .take_while(|l| l.block_number == block)
                    .count()
            };
            let (i2, j2) = (end_of(stored, i), end_of(chain, j));
            let (sl, cl) = (&stored[i..i2], &chain[j..j2]);
            (i, j) = (i2, j2);
            if sl == cl {
                self.close(kept);
                continue;
            }
            match &mut self.run {
                Some(run) => {
                    run.blocks.to = block;
                    run.stored.extend_from_slice(sl);
                    run.chain.extend_from_slice(cl);
                }
                None => {
                    self.run = Some(DifferingRun {
                        blocks: BlockRange {
                            from: block,
                            to: block,
                        },
                        stored: sl.to_vec(),
                        chain: cl.to_vec(),
                    })
                }
            }
        }
    }

    /// Closes the open differing range, if any, into a [`LogRangeDiff`].
    fn close(&mut self, kept: &mut Vec<RawLog>) {
        let Some(DifferingRun {
            blocks,
            stored,
            chain,
        }) = self.run.take()
        else {
            return;
        };
        let key = |l: &RawLog| (l.block_hash, l.log_index);
        let chain_at: BTreeMap<_, &RawLog> = chain.iter().map(|l| (key(l), l)).collect();
        let stored_at: BTreeMap<_, &RawLog> = stored.iter().map(|l| (key(l), l)).collect();
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
        self.diffs.push(LogRangeDiff {
            blocks,
            stored: stored.len() as u64,
            chain: chain.len() as u64,
            stored_digest: log_digest(&stored),
            chain_digest: log_digest(&chain),
            missing: missing as u64,
            // Duplicated keys among the stored rows count as foreign too.
            foreign: foreign + (stored.len() - stored_at.len()) as u64,
            altered,
        });
        drop((chain_at, stored_at));
        kept.extend(chain);
    }
}

/// Compares stored and chain logs (both in chain order) block by block; consecutive differing
/// blocks (no agreeing block with logs between them) make one range.
pub fn diff_logs(stored: &[RawLog], chain: &[RawLog]) -> Vec<LogRangeDiff> {
    let mut differ = BlockDiffer::default();
    let mut kept = Vec::new();
    differ.feed(stored, chain, &mut kept);
    differ.close(&mut kept);
    differ.diffs
}

/// The comparison of the stored logs with the chain's, a fetched span at a time: the chain's
/// logs of `from..=checkpoint` are read through the adaptive fetcher (a query's worth of logs at
/// most) and compared with the stored logs of the same blocks, so that memory holds one span
/// (and the logs of the ranges that differ), however long the history. The audit judges each
/// span's chain logs as they come ([`LogCheck::next_span`]); [`check_logs`] only compares.
#[derive(Debug)]
pub struct LogCheck {
    query: LogQuery,
    next: u64,
    /// The last block to fetch (`None`: nothing to fetch).
    last: Option<u64>,
    ev: LogEvidence,
    differ: BlockDiffer,
    digest: Keccak256,
    buf: Vec<u8>,
    /// The spans fetched so far, in chain order.
    pub spans: Vec<BlockRange>,
}

impl LogCheck {
    /// Reads the checkpoint and checks its block is on the chain. `None`: the index has no
    /// checkpoint (nothing to compare; [`LogEvidence::default`] says so).
    pub async fn start<S: LogSource>(
        source: &S,
        store: &Store,
        contracts: &Contracts,
        from: u64,
    ) -> Result<Option<Self>, VerifyError> {
        let Some((checkpoint, hash)) = store.checkpoint()? else {
            return Ok(None);
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
        let addresses = contracts.addresses();
        // Nothing to fetch: every stored log of the range is compared with none.
        let last = (!addresses.is_empty() && from <= checkpoint).then_some(checkpoint);
        Ok(Some(Self {
            query: LogQuery::new(addresses),
            next: from,
            last,
            ev,
            differ: BlockDiffer::default(),
            digest: Keccak256::new(),
            buf: Vec::new(),
            spans: Vec::new(),
        }))
    }

    /// Fetches the next span of the chain's logs, compares it with the stored logs of its blocks
    /// and returns it (in chain order); `None` once the checkpoint is passed.
    pub async fn next_span<S: LogSource>(
        &mut self,
        source: &S,
        fetcher: &mut AdaptiveFetcher,
        store: &Store,
    ) -> Result<Option<(BlockRange, Vec<RawLog>)>, VerifyError> {
        let Some(last) = self.last.filter(|&last| self.next <= last) else {
            return Ok(None);
        };
        let (end, mut chain) = fetcher
            .fetch_query(source, &self.query, self.next, last)
            .await?;
        chain.sort_by_key(RawLog::position);
        let span = BlockRange {
            from: self.next,
            to: end,
        };
        let stored = store.raw_logs_in(span.from, span.to)?;
        self.compare(&stored, &chain);
        self.spans.push(span);
        self.next = end + 1;
        Ok(Some((span, chain)))
    }

    fn compare(&mut self, stored: &[RawLog], chain: &[RawLog]) {
        self.ev.stored += stored.len() as u64;
        self.ev.chain += chain.len() as u64;
        for l in chain {
            self.buf.clear();
            encode_log(l, &mut self.buf);
            self.digest.update(&self.buf);
        }
        self.differ.feed(stored, chain, &mut self.ev.chain_logs);
    }

    /// Compares the stored logs above the range (a checkpoint moved back by hand leaves them
    /// behind: the audit's business; below it they are not) and returns the evidence.
    pub fn finish(mut self, store: &Store) -> Result<LogEvidence, VerifyError> {
        let above = store.raw_logs_in(self.next, i64::MAX as u64)?;
        self.compare(&above, &[]);
        self.differ.close(&mut self.ev.chain_logs);
        self.ev.diffs = std::mem::take(&mut self.differ.diffs);
        self.ev.chain_digest = self.digest.finalize();
        Ok(self.ev)
    }
}

/// Fetches the deployment's logs of `from..=checkpoint` from `source` a span at a time and
/// compares them with the stored ones ([`LogCheck`]).
pub async fn check_logs<S: LogSource>(
    source: &S,
    fetcher: &mut AdaptiveFetcher,
    store: &Store,
    contracts: &Contracts,
    from: u64,
) -> Result<LogEvidence, VerifyError> {
    let Some(mut check) = LogCheck::start(source, store, contracts, from).await? else {
        return Ok(LogEvidence::default());
    };
    while check.next_span(source, fetcher, store).await?.is_some() {}
    check.finish(store)
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

/// One value as the row renderings show it.
fn render_value(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Integer(n) => n.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(s) => s.clone(),
        Value::Blob(b) => format!("0x{}", hex::encode(b)),
    }
}

/// SQLite's order of values (NULL, then numbers, then text, then blobs; text and blobs byte by
/// byte): the order `ORDER BY` reads a table's keys in, which the merge of two tables follows.
fn sqlite_order(a: &Value, b: &Value) -> Ordering {
    fn class(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Integer(_) | Value::Real(_) => 1,
            Value::Text(_) => 2,
            Value::Blob(_) => 3,
        }
    }
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::Integer(x), Value::Real(y)) => (*x as f64).total_cmp(y),
        (Value::Real(x), Value::Integer(y)) => x.total_cmp(&(*y as f64)),
        (Value::Real(x), Value::Real(y)) => x.total_cmp(y),
        (Value::Text(x), Value::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Blob(x), Value::Blob(y)) => x.cmp(y),
        _ => class(a).cmp(&class(b)),
    }
}

/// A table's rows in primary-key order, one at a time: (key values, `col=value, ...` of the key,
/// of the whole row).
struct OrderedRows<'c> {
    stmt: rusqlite::Statement<'c>,
    names: Vec<String>,
    keys: usize,
}

impl<'c> OrderedRows<'c> {
    fn new(conn: &'c rusqlite::Connection, table: &str) -> Result<Self, StoreError> {
        let names: Vec<String> = conn
            .prepare(&format!("SELECT * FROM {table} LIMIT 0"))?
            .column_names()
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let keys = key_columns(table).min(names.len());
        let order = names[..keys].join(", ");
        let stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
        Ok(Self { stmt, names, keys })
    }
}

type OrderedRow = (Vec<Value>, String, String);

fn next_row(
    rows: &mut rusqlite::Rows<'_>,
    names: &[String],
    keys: usize,
) -> Result<Option<OrderedRow>, StoreError> {
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let mut values = Vec::with_capacity(names.len());
    for i in 0..names.len() {
        values.push(row.get::<_, Value>(i)?);
    }
    let cols: Vec<String> = names
        .iter()
        .zip(&values)
        .map(|(n, v)| format!("{n}={}", render_value(v)))
        .collect();
    values.truncate(keys);
    Ok(Some((values, cols[..keys].join(", "), cols.join(", "))))
}

/// Compares every derived table of `store` with the one of `folded`, merging the two in key order
/// (one row of each in memory at a time): every row missing from one side or different is a
/// [`RowDiff`].
fn compare_derived(store: &Store, folded: &Store) -> Result<Vec<RowDiff>, StoreError> {
    let mut out = Vec::new();
    for &table in DERIVED_TABLES {
        let OrderedRows {
            stmt: mut s_stmt,
            names: s_names,
            keys: s_keys,
        } = OrderedRows::new(store.connection(), table)?;
        let OrderedRows {
            stmt: mut f_stmt,
            names: f_names,
            keys: f_keys,
        } = OrderedRows::new(folded.connection(), table)?;
        let mut s_rows = s_stmt.query([])?;
        let mut f_rows = f_stmt.query([])?;
        let mut stored = next_row(&mut s_rows, &s_names, s_keys)?;
        let mut fold = next_row(&mut f_rows, &f_names, f_keys)?;
        loop {
            let order = match (&stored, &fold) {
                (None, None) => break,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((sk, _, _)), Some((fk, _, _))) => sk
                    .iter()
                    .zip(fk)
                    .map(|(a, b)| sqlite_order(a, b))
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal),
            };
            match order {
                Ordering::Less => {
                    let (_, key, row) = stored.take().expect("a stored row");
                    out.push(RowDiff {
                        table,
                        key,
                        stored: Some(row),
                        folded: None,
                    });
                    stored = next_row(&mut s_rows, &s_names, s_keys)?;
                }
                Ordering::Greater => {
                    let (_, key, row) = fold.take().expect("a folded row");
                    out.push(RowDiff {
                        table,
                        key,
                        stored: None,
                        folded: Some(row),
                    });
                    fold = next_row(&mut f_rows, &f_names, f_keys)?;
                }
                Ordering::Equal => {
                    let (_, key, s_row) = stored.take().expect("a stored row");
                    let (_, _, f_row) = fold.take().expect("a folded row");
                    if s_row != f_row {
                        out.push(RowDiff {
                            table,
                            key,
                            stored: Some(s_row),
                            folded: Some(f_row),
                        });
                    }
                    stored = next_row(&mut s_rows, &s_names, s_keys)?;
                    fold = next_row(&mut f_rows, &f_names, f_keys)?;
                }
            }
        }
    }
    Ok(out)
}

/// Folds the stored raw logs afresh into a temporary database ([`Store::refolded_copy`], a
/// slice at a time) and compares every derived table with it, row by row in key order.
pub fn check_derived(store: &Store, contracts: Contracts) -> Result<Vec<RowDiff>, StoreError> {
    let folded = store.refolded_copy(contracts, RefoldLimits::default())?;
    compare_derived(store, &folded)
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
            chain_digest: ev.chain_digest,
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
    fn comparing_span_by_span_finds_what_comparing_the_whole_history_finds() {
        let chain: Vec<RawLog> = (1..=12u64)
            .flat_map(|b| (0..2).map(move |i| log(b, i, 0)))
            .collect();
        // Altered at 2, a run 5..=7 (missing, altered, foreign), an extra log at 12.
        let mut stored: Vec<RawLog> = chain
            .iter()
            .filter(|l| !(l.block_number == 5 && l.log_index == 1))
            .cloned()
            .collect();
        for l in &mut stored {
            if (l.block_number == 2 && l.log_index == 0) || l.block_number == 6 {
                l.data = Bytes::from(vec![9]);
            }
        }
        stored.insert(
            stored
                .iter()
                .position(|l| l.block_number == 8)
                .expect("block 8"),
            log(7, 5, 0),
        );
        stored.push(log(12, 2, 0));
        let whole = diff_logs(&stored, &chain);
        assert_eq!(whole.len(), 3, "{whole:?}");
        for width in 1..=12u64 {
            let mut differ = BlockDiffer::default();
            let mut kept = Vec::new();
            for from in (1..=12).step_by(width as usize) {
                let to = from + width - 1;
                let span = |logs: &[RawLog]| -> Vec<RawLog> {
                    logs.iter()
                        .filter(|l| (from..=to).contains(&l.block_number))
                        .cloned()
                        .collect()
                };
                differ.feed(&span(&stored), &span(&chain), &mut kept);
            }
            differ.close(&mut kept);
            assert_eq!(differ.diffs, whole, "spans of {width} blocks");
            // Only the chain's logs of the differing ranges are kept.
            let differing: Vec<RawLog> = chain
                .iter()
                .filter(|l| {
                    whole
                        .iter()
                        .any(|d| (d.blocks.from..=d.blocks.to).contains(&l.block_number))
                })
                .cloned()
                .collect();
            assert_eq!(kept, differing, "spans of {width} blocks");
        }
    }

    #[test]
    fn merging_follows_the_order_sqlite_reads_keys_in() {
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        conn.execute_batch("CREATE TABLE t (v)").expect("table");
        let values = [
            Value::Blob(vec![1, 2]),
            Value::Text("b".into()),
            Value::Integer(-5),
            Value::Null,
            Value::Blob(vec![1]),
            Value::Real(2.5),
            Value::Integer(3),
            Value::Text("a".into()),
            Value::Blob(vec![0, 9, 9]),
            Value::Integer(2),
            Value::Text("ab".into()),
            Value::Real(-7.25),
        ];
        for v in &values {
            conn.execute("INSERT INTO t (v) VALUES (?1)", [v])
                .expect("insert");
        }
        let mut st = conn.prepare("SELECT v FROM t ORDER BY v").expect("query");
        let by_sqlite: Vec<Value> = st
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("values");
        let mut ours = values.to_vec();
        ours.sort_by(sqlite_order);
        assert_eq!(ours, by_sqlite);
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
