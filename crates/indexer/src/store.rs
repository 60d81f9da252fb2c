//! SQLite persistence: raw logs, derived tables, recent block hashes and the checkpoint.
//!
//! Invariants:
//! - `raw_logs` holds one row per block, keyed by (block number, block hash), its logs encoded in
//!   chain order ([`crate::log_block`]); a block stored again gains only the log indexes it
//!   lacks: ingesting a log twice is a no-op.
//! - The checkpoint (last indexed block and its hash) is written in the SAME transaction as the
//!   raw logs, block hashes and derived rows of the range it closes. A process killed at any
//!   point leaves either the whole range or none of it, so a restart resumes at checkpoint + 1
//!   with no gap and no duplicate.
//! - Derived tables are a function of the raw logs (see [`crate::model`]); after a reorg they are
//!   rebuilt from the surviving raw logs in the transaction that moves the checkpoint back.

use std::path::Path;

use alloy::primitives::{Address, B256, Bytes};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::{
    fold::EntityKey,
    model::{Contracts, State},
    source::RawLog,
    working::Needs,
};

/// Store errors.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("the database indexes chain {stored}, the provider is on chain {actual}")]
    ChainMismatch { stored: u64, actual: u64 },
    #[error("the database indexes other contracts ({stored}); use another --db file")]
    ContractsMismatch { stored: String },
    #[error("corrupt row in {table}: {what}")]
    Corrupt { table: &'static str, what: String },
    #[error(
        "{0} is not an index of dao-primitives (no chain id or contracts recorded); build one with \
         `daoctl index --db {0}`"
    )]
    NotAnIndex(std::path::PathBuf),
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoint (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    block INTEGER NOT NULL,
    hash BLOB NOT NULL
);
-- Hashes of recent blocks (every block that had logs, and every range end) inside the
-- confirmation window, to find the common ancestor after a reorg.
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash BLOB NOT NULL);
-- One row per block that has logs of ours: its logs in chain order, encoded in `body`
-- (crate::log_block: a transaction, contract or repeated topic stored once), `logs` of them.
-- SQLite's cost is per row, and a dense history has thousands of our logs per block. Keyed by
-- (block number, block hash): ingesting a block's logs twice is a no-op; a reorg or a repair
-- deletes whole blocks; chain order is read from the key without a sort.
CREATE TABLE IF NOT EXISTS raw_logs (
    block_number INTEGER NOT NULL,
    block_hash BLOB NOT NULL,
    logs INTEGER NOT NULL,
    body BLOB NOT NULL,
    PRIMARY KEY (block_number, block_hash)
) WITHOUT ROWID;

-- Derived tables. Ids are 32-byte big-endian BLOBs and addresses 20-byte BLOBs (cheap to
-- encode and compare in the hot path); `table_json` renders them as 0x hex and checksummed
-- addresses.
CREATE TABLE IF NOT EXISTS trees (
    tree_id INTEGER PRIMARY KEY,
    linked_under BLOB NOT NULL,
    last_block INTEGER NOT NULL,
    last_tx BLOB NOT NULL,
    last_tx_index INTEGER NOT NULL,
    last_log_index INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS roles (
    role_id BLOB PRIMARY KEY,
    admin_id BLOB NOT NULL,
    tree_id INTEGER NOT NULL,
    details TEXT NOT NULL,
    image_uri TEXT NOT NULL,
    max_supply INTEGER NOT NULL,
    supply INTEGER NOT NULL,
    eligibility BLOB NOT NULL,
    toggle BLOB NOT NULL,
    mutable INTEGER NOT NULL,
    claimable INTEGER NOT NULL,
    active INTEGER NOT NULL,
    created_block INTEGER NOT NULL,
    last_block INTEGER NOT NULL,
    -- The rest of the two events' positions, so a role read back equals the folded one.
    created_tx BLOB NOT NULL,
    created_tx_index INTEGER NOT NULL,
    created_log_index INTEGER NOT NULL,
    last_tx BLOB NOT NULL,
    last_tx_index INTEGER NOT NULL,
    last_log_index INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS wearers (
    role_id BLOB NOT NULL,
    wearer BLOB NOT NULL,
    since_block INTEGER NOT NULL,
    expiry INTEGER NOT NULL,
    granted_by BLOB NOT NULL,
    last_block INTEGER NOT NULL,
    last_tx BLOB NOT NULL,
    last_tx_index INTEGER NOT NULL,
    last_log_index INTEGER NOT NULL,
    PRIMARY KEY (role_id, wearer)
) WITHOUT ROWID;
-- Standing pushed by eligibility modules: present = in bad standing since `block`.
CREATE TABLE IF NOT EXISTS bad_standing (
    role_id BLOB NOT NULL,
    wearer BLOB NOT NULL,
    block INTEGER NOT NULL,
    tx BLOB NOT NULL,
    tx_index INTEGER NOT NULL,
    log_index INTEGER NOT NULL,
    PRIMARY KEY (role_id, wearer)
) WITHOUT ROWID;
-- Everything else (cells, proposals, budgets, tasks, streams, ...): one row per entity, `doc`
-- the JSON of its typed struct in crate::domain (kinds and ids: crate::fold::EntityKey; JSON
-- form: crate::json). Query with json_extract(doc, '$.field').
-- `owner`: the id of the entity that lists it (crate::fold::Domain::owner: the cell of a
-- budget, proposal, task, stream, ...; the parent of a cell; the proposal of a vote), for the
-- typed queries of crate::query.
CREATE TABLE IF NOT EXISTS entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    owner TEXT,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
";

/// Indexes on columns of the current layout, created once the derived tables have it (an
/// `entities` table of an older version has no `owner` until [`Store::open`] rebuilds it).
const DERIVED_INDEXES: &str =
    "CREATE INDEX IF NOT EXISTS entities_owner ON entities (kind, owner);";

/// The version of the derived tables' layout and of the fold that fills them. An index written
/// with another version has its derived tables dropped and rebuilt from its raw logs when it is
/// opened (raw logs, block hashes and the checkpoint are kept).
///
/// 2: typed domain (crate::domain) in `entities`; fold counters and anomalies in `meta.fold`.
/// 3: ended grants and each proposal's quorum at creation.
/// 4: a `BudgetSet` trims what a funded budget received to its new amount (as the Treasury does).
/// 5: `entities.owner` (listing by cell, proposal, role without reading every row).
/// 6: the events of trees, roles and grants keep their transaction and log positions.
/// 7: the governor's inherited `EIP712DomainChanged` is known, not counted as undecoded.
/// 8: raw logs stored one row per block (crate::log_block); an index of the one-row-per-log
///    layout has them converted when it is opened ([`Store::open`]), read as they are when it
///    is opened read-only. An ERC-1155 burn with no `RoleRevoked` before it is a renounce (Roles
///    no longer logs `RoleRevoked` for one): it ends the grant, where an older fold ignored it.
pub const SCHEMA_VERSION: u32 = 8;

/// The fold's counters and anomalies, kept in `meta` under `fold` so that opening an index
/// loads them instead of re-folding.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FoldMeta {
    /// Logs folded.
    pub applied: u64,
    /// Logs from our addresses that no known event matches.
    pub undecoded: u64,
    /// The last log folded.
    pub last: Option<crate::model::EventRef>,
    pub anomalies: Vec<crate::model::Anomaly>,
}

/// The derived tables, in the order the digest reads them.
pub const DERIVED_TABLES: &[&str] = &["trees", "roles", "wearers", "bad_standing", "entities"];

/// The SQLite database of one chain and one deployment.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    chain_id: u64,
    timings: RangeTimings,
    /// The raw logs are in the layout of schema versions before 8, one row per log (an old
    /// index opened read-only: [`Store::open`] converts them).
    per_log_rows: bool,
    /// The encoding buffer of [`insert_logs`], kept between ranges.
    body: Vec<u8>,
}

/// Where [`Store::index_range`] spent its time, summed over the ranges this store indexed (the
/// benchmark's instrumentation: profilers are not available everywhere).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RangeTimings {
    pub ranges: u64,
    /// Decoding the logs and collecting what their fold reads.
    pub decode: std::time::Duration,
    /// Loading that from SQLite.
    pub prefetch: std::time::Duration,
    pub fold: std::time::Duration,
    /// Raw logs, block hashes, changed rows and the checkpoint, committed.
    pub write: std::time::Duration,
    /// Dropping the working set.
    pub evict: std::time::Duration,
}

impl Store {
    /// Opens (or creates) the database at `path` for `chain_id` and `contracts`; refuses a file
    /// that indexes another chain or other contracts.
    pub fn open(path: &Path, chain_id: u64, contracts: &Contracts) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        Self::init(conn, chain_id, contracts)
    }

    pub fn open_in_memory(chain_id: u64, contracts: &Contracts) -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?, chain_id, contracts)
    }

    /// Opens an existing database read-only-ish (no chain check), e.g. for `state --indexed`.
    pub fn open_existing(path: &Path) -> Result<(Self, Contracts), StoreError> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(SCHEMA)?;
        let get = |k: &str| -> Result<Option<String>, rusqlite::Error> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()
        };
        let chain_id = get("chain_id")?
            .and_then(|s| s.parse().ok())
            .unwrap_or_default();
        let contracts = match get("contracts")? {
            Some(s) => serde_json::from_str(&s).map_err(|e| StoreError::Corrupt {
                table: "meta",
                what: e.to_string(),
            })?,
            None => Contracts::default(),
        };
        convert_per_log_rows(&mut conn)?;
        let mut store = Self::with_connection(conn, chain_id);
        store.migrate(contracts)?;
        Ok((store, contracts))
    }

    fn with_connection(conn: Connection, chain_id: u64) -> Self {
        Self {
            conn,
            chain_id,
            timings: RangeTimings::default(),
            per_log_rows: false,
            body: Vec::new(),
        }
    }

    fn init(
        mut conn: Connection,
        chain_id: u64,
        contracts: &Contracts,
    ) -> Result<Self, StoreError> {
        // WAL + NORMAL: a killed process loses nothing committed; an OS crash may lose the last
        // transactions but never leaves a half-written one (the checkpoint moves with its rows).
        // 64 KiB pages: fewer B-tree levels, splits and page writes for ~300-byte raw log rows
        // (only takes effect when the file is created).
        conn.pragma_update(None, "page_size", 65_536)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 16 MiB of page cache: writes append (the raw logs by block, the rows of a range in key
        // order) and reads are point lookups of the working set, so a bigger cache mostly holds
        // pages already written (it was 64 MiB: a quarter of the indexer's memory at 1,000,000
        // events).
        conn.pragma_update(None, "cache_size", -16_384)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.execute_batch(SCHEMA)?;
        let get = |k: &str| -> Result<Option<String>, rusqlite::Error> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()
        };
        let contracts_json = serde_json::to_string(contracts).map_err(|e| StoreError::Corrupt {
            table: "meta",
            what: e.to_string(),
        })?;
        match get("chain_id")? {
            Some(s) => {
                let stored: u64 = s.parse().map_err(|_| StoreError::Corrupt {
                    table: "meta",
                    what: s.clone(),
                })?;
                if stored != chain_id {
                    return Err(StoreError::ChainMismatch {
                        stored,
                        actual: chain_id,
                    });
                }
                let stored_contracts = get("contracts")?.unwrap_or_default();
                if stored_contracts != contracts_json {
                    // An index written before RoleStreams was indexed: the same contracts plus
                    // `streams`, whose logs it never fetched. Index again from the start (raw
                    // logs are dropped too: the fold must see every log once, in order).
                    let old: Option<Contracts> = serde_json::from_str(&stored_contracts).ok();
                    match old {
                        Some(old)
                            if old.streams.is_none()
                                && Contracts {
                                    streams: None,
                                    ..*contracts
                                } == old =>
                        {
                            tracing::info!(
                                "the index gains RoleStreams: indexing again from the start"
                            );
                            conn.execute(
                                "UPDATE meta SET value = ?1 WHERE key = 'contracts'",
                                [&contracts_json],
                            )?;
                            conn.execute("DELETE FROM checkpoint", [])?;
                            conn.execute("DELETE FROM blocks", [])?;
                            conn.execute("DELETE FROM raw_logs", [])?;
                            conn.execute("DELETE FROM meta WHERE key = 'schema_version'", [])?;
                        }
                        _ => {
                            return Err(StoreError::ContractsMismatch {
                                stored: stored_contracts,
                            });
                        }
                    }
                }
            }
            None => {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('chain_id', ?1)",
                    [chain_id.to_string()],
                )?;
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('contracts', ?1)",
                    [contracts_json],
                )?;
            }
        }
        convert_per_log_rows(&mut conn)?;
        let mut store = Self::with_connection(conn, chain_id);
        store.migrate(*contracts)?;
        Ok(store)
    }

    /// The schema version the derived tables were written with (`None`: before versions).
    pub fn schema_version(&self) -> Result<Option<u32>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .and_then(|v| v.parse().ok()))
    }

    /// Rebuilds the derived tables from the raw logs when they were written by another schema
    /// version (or none): drops and re-creates them, folds the raw logs, writes every row and
    /// the version, in one transaction.
    fn migrate(&mut self, contracts: Contracts) -> Result<(), StoreError> {
        let version = self.schema_version()?;
        if version == Some(SCHEMA_VERSION) {
            self.conn.execute_batch(DERIVED_INDEXES)?;
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        let logs: u64 = tx.query_row("SELECT COALESCE(SUM(logs), 0) FROM raw_logs", [], |r| {
            r.get(0)
        })?;
        if version.is_some() || logs > 0 {
            tracing::info!(
                from = ?version,
                to = SCHEMA_VERSION,
                logs,
                "derived tables of another schema version: rebuilding them from the raw logs"
            );
        }
        for t in DERIVED_TABLES {
            tx.execute_batch(&format!("DROP TABLE IF EXISTS {t}"))?;
        }
        tx.execute_batch(SCHEMA)?;
        tx.execute_batch(DERIVED_INDEXES)?;
        refold(&tx, contracts, RefoldLimits::default())?;
        tx.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?1)",
            [SCHEMA_VERSION.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Where [`Store::index_range`] spent its time so far.
    pub fn range_timings(&self) -> RangeTimings {
        self.timings
    }

    pub fn chain_id(&self) -> u64 {
        self.chain_id
    }

    /// The last indexed block and its hash.
    pub fn checkpoint(&self) -> Result<Option<(u64, B256)>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT block, hash FROM checkpoint WHERE id = 1", [], |r| {
                Ok((
                    r.get::<_, u64>(0)?,
                    B256::from_slice(&r.get::<_, Vec<u8>>(1)?),
                ))
            })
            .optional()?)
    }

    /// Recorded block hashes, newest first.
    pub fn recent_blocks(&self) -> Result<Vec<(u64, B256)>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT number, hash FROM blocks ORDER BY number DESC")?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                B256::from_slice(&r.get::<_, Vec<u8>>(1)?),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every raw log in chain order.
    pub fn raw_logs(&self) -> Result<Vec<RawLog>, StoreError> {
        load_logs(&self.conn, self.per_log_rows)
    }

    /// The raw logs of blocks `from..=to`, in chain order (to read a long history a slice at a
    /// time).
    pub fn raw_logs_in(&self, from: u64, to: u64) -> Result<Vec<RawLog>, StoreError> {
        if self.per_log_rows {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT {LOG_COLUMNS} FROM raw_logs WHERE block_number BETWEEN ?1 AND ?2
                 ORDER BY block_number, tx_index, log_index"
            ))?;
            let rows = st.query_map(params![from, to], log_row)?;
            return Ok(rows.collect::<Result<_, _>>()?);
        }
        let mut st = self.conn.prepare_cached(
            "SELECT block_number, block_hash, body FROM raw_logs WHERE block_number BETWEEN ?1 AND ?2
             ORDER BY block_number, block_hash",
        )?;
        read_blocks(st.query(params![from, to])?)
    }

    /// The number of raw logs stored.
    pub fn raw_log_count(&self) -> Result<u64, StoreError> {
        let sql = if self.per_log_rows {
            "SELECT COUNT(*) FROM raw_logs"
        } else {
            "SELECT COALESCE(SUM(logs), 0) FROM raw_logs"
        };
        Ok(self.conn.query_row(sql, [], |r| r.get(0))?)
    }

    /// Commits one range: its logs, block hashes, the derived rows the state changed, and the
    /// checkpoint, in one transaction. Block hashes below `keep_from` are pruned.
    pub fn commit_range(
        &mut self,
        logs: &[RawLog],
        hashes: &[(u64, B256)],
        checkpoint: (u64, B256),
        keep_from: u64,
        state: &mut State,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        insert_logs(&tx, logs, &mut self.body)?;
        {
            let mut st =
                tx.prepare_cached("INSERT OR REPLACE INTO blocks (number, hash) VALUES (?1, ?2)")?;
            for (n, h) in hashes.iter().chain(std::iter::once(&checkpoint)) {
                st.execute(params![n, h.as_slice()])?;
            }
        }
        tx.execute("DELETE FROM blocks WHERE number < ?1", [keep_from])?;
        write_dirty(&tx, state)?;
        set_checkpoint(&tx, Some(checkpoint))?;
        tx.commit()?;
        Ok(())
    }

    /// Rolls back to `ancestor` (`None`: before the first block): deletes later raw logs and
    /// block hashes and re-folds the derived tables from the surviving raw logs ([`refold`]: a
    /// slice at a time, memory flat however long the history), all in one
    /// transaction. Read the state back with [`Store::working_state`] or [`Store::load_state`].
    pub fn rollback_to(
        &mut self,
        ancestor: Option<(u64, B256)>,
        contracts: Contracts,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let above = ancestor.map_or(-1i64, |(n, _)| n as i64);
        tx.execute("DELETE FROM raw_logs WHERE block_number > ?1", [above])?;
        tx.execute("DELETE FROM blocks WHERE number > ?1", [above])?;
        refold(&tx, contracts, RefoldLimits::default())?;
        set_checkpoint(&tx, ancestor)?;
        tx.commit()?;
        Ok(())
    }

    /// Rebuilds every derived row from the stored raw logs, in one transaction, within `limits`
    /// (what a schema migration does; the checkpoint and the raw logs are kept).
    pub fn rebuild_derived(
        &mut self,
        contracts: Contracts,
        limits: RefoldLimits,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        refold(&tx, contracts, limits)?;
        tx.commit()?;
        Ok(())
    }

    /// A private temporary database (SQLite deletes it when the copy is dropped) holding this
    /// one's raw logs and the derived tables a fresh fold of them writes, folded as
    /// [`Store::rebuild_derived`] folds (a slice at a time, within `limits`): what the audit
    /// compares this database's derived tables with, in memory flat however long the history.
    /// Works on a database opened read-only, in either raw-log layout.
    pub fn refolded_copy(
        &self,
        contracts: Contracts,
        limits: RefoldLimits,
    ) -> Result<Store, StoreError> {
        // An empty path: SQLite's private on-disk temporary database.
        let mut copy = Store::open(Path::new(""), self.chain_id, &contracts)?;
        let tx = copy.conn.transaction()?;
        let counts_sql = if self.per_log_rows {
            "SELECT block_number, COUNT(*) FROM raw_logs GROUP BY block_number ORDER BY block_number"
        } else {
            "SELECT block_number, SUM(logs) FROM raw_logs GROUP BY block_number ORDER BY block_number"
        };
        let mut counts = self.conn.prepare(counts_sql)?;
        let mut rows = counts.query([])?;
        // Whole blocks, at least a slice's worth of logs at a time.
        let slice = limits.slice.max(1) as u64;
        let (mut blocks, mut logs) = (None, 0u64);
        while let Some(r) = rows.next()? {
            let (block, n): (u64, u64) = (r.get(0)?, r.get(1)?);
            let (from, _) = blocks.unwrap_or((block, block));
            blocks = Some((from, block));
            logs += n;
            if logs >= slice
                && let Some((from, to)) = blocks.take()
            {
                insert_logs(&tx, &self.raw_logs_in(from, to)?, &mut copy.body)?;
                logs = 0;
            }
        }
        if let Some((from, to)) = blocks {
            insert_logs(&tx, &self.raw_logs_in(from, to)?, &mut copy.body)?;
        }
        drop(rows);
        drop(counts);
        refold(&tx, contracts, limits)?;
        tx.commit()?;
        Ok(copy)
    }

    /// Loads the WHOLE state from the derived tables (written up to the checkpoint, in the
    /// schema version [`Store::open`] checked): no re-fold of the raw logs, but memory in
    /// proportion to history. The indexer does not need it (it keeps a bounded working set, see
    /// [`crate::working`]); readers should prefer the typed queries of [`crate::query`]. Role,
    /// wearer and tree rows keep the block of their events, not the whole [`crate::EventRef`].
    pub fn load_state(&self, contracts: Contracts) -> Result<State, StoreError> {
        let mut state = self.working_state(contracts)?;
        let c = &self.conn;
        let mut st = c.prepare(&format!("SELECT {TREE_COLUMNS} FROM trees"))?;
        for t in st.query_map([], tree_row)? {
            let t = t?;
            state.trees.insert(t.tree_id, t);
        }
        let mut st = c.prepare(&format!("SELECT {ROLE_COLUMNS} FROM roles"))?;
        for role in st.query_map([], role_row)? {
            let role = role?;
            state.roles.insert(role.role_id, role);
        }
        let mut st = c.prepare(&format!("SELECT {WEARER_COLUMNS} FROM wearers"))?;
        for w in st.query_map([], wearer_row)? {
            let w = w?;
            state.wearers.insert((w.role_id, w.wearer), w);
        }
        let mut st =
            c.prepare("SELECT role_id, wearer, block, tx, tx_index, log_index FROM bad_standing")?;
        for row in st.query_map([], |r| {
            Ok((u256(bytes(r, 0)?), address(bytes(r, 1)?), event_at(r, 2)?))
        })? {
            let (role, who, at) = row?;
            state.bad_standing.insert((role, who), at);
        }
        let mut st = c.prepare("SELECT kind, id, doc FROM entities")?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let (kind, id, doc): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            load_entity(&mut state, &kind, &id, &doc)?;
        }
        Ok(state)
    }

    /// The state the indexer folds into: the fold's counters and anomalies, and no entity (they
    /// are read from the database as the logs need them, see [`Store::prefetch`]). Costs the
    /// same at 100 events and at 10 million.
    pub fn working_state(&self, contracts: Contracts) -> Result<State, StoreError> {
        let mut state = State::new(contracts);
        let m = self.fold_meta()?;
        state.applied = m.applied;
        state.undecoded = m.undecoded;
        state.last = m.last;
        state.anomalies = m.anomalies;
        Ok(state)
    }

    /// The fold's counters and anomalies as of the checkpoint.
    pub fn fold_meta(&self) -> Result<FoldMeta, StoreError> {
        match self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'fold'", [], |r| {
                r.get::<_, String>(0)
            })
            .optional()?
        {
            Some(fold) => serde_json::from_str(&fold).map_err(|e| StoreError::Corrupt {
                table: "meta",
                what: format!("fold: {e}"),
            }),
            None => Ok(FoldMeta::default()),
        }
    }

    /// Loads into `state` the stored entities `needs` names that it does not hold (absent from
    /// the database too: the fold sees them absent, as it would with the whole state).
    pub fn prefetch(&self, state: &mut State, needs: &Needs) -> Result<(), StoreError> {
        prefetch_in(&self.conn, state, needs)
    }

    /// Folds one range of logs on the working set and commits it: decodes the logs, loads what
    /// their fold reads ([`Store::prefetch`]), folds, writes the changed rows with the range's
    /// logs, block hashes and checkpoint in one transaction ([`Store::commit_range`]), and then,
    /// if `state` holds more than `resident_limit` entities, drops them all from memory (the
    /// database has them). What the indexer does for every range.
    pub fn index_range(
        &mut self,
        state: &mut State,
        logs: &[RawLog],
        hashes: &[(u64, B256)],
        checkpoint: (u64, B256),
        keep_from: u64,
        resident_limit: usize,
    ) -> Result<(), StoreError> {
        self.fold_range(state, logs)?;
        self.finish_range(state, logs, hashes, checkpoint, keep_from, resident_limit)
    }

    /// The first half of [`Self::index_range`]: decodes `logs`, reads from the tables the
    /// entities they need that `state` does not hold, and folds them. `state`'s dirty sets then
    /// name what the range changed, until [`Self::finish_range`] writes and forgets them.
    pub fn fold_range(&mut self, state: &mut State, logs: &[RawLog]) -> Result<(), StoreError> {
        let t = std::time::Instant::now();
        let (t1, t2) = fold_logs(&self.conn, state, logs)?;
        let tm = &mut self.timings;
        tm.decode += t1 - t;
        tm.prefetch += t2 - t1;
        tm.fold += t2.elapsed();
        Ok(())
    }

    /// The second half of [`Self::index_range`]: commits the folded range with its raw logs and
    /// checkpoint in one transaction, then drops the working set past `resident_limit`.
    pub fn finish_range(
        &mut self,
        state: &mut State,
        logs: &[RawLog],
        hashes: &[(u64, B256)],
        checkpoint: (u64, B256),
        keep_from: u64,
        resident_limit: usize,
    ) -> Result<(), StoreError> {
        let t = std::time::Instant::now();
        self.commit_range(logs, hashes, checkpoint, keep_from, state)?;
        let t1 = std::time::Instant::now();
        if state.resident_len() > resident_limit {
            state.evict();
        }
        let tm = &mut self.timings;
        tm.ranges += 1;
        tm.write += t1 - t;
        tm.evict += t1.elapsed();
        Ok(())
    }

    /// A digest of the derived tables and the raw logs (block hashes excluded: which range ends
    /// were recorded depends on how the run was cut), to compare two databases.
    pub fn digest(&self) -> Result<String, StoreError> {
        use alloy::primitives::keccak256;
        let mut acc: Vec<u8> = Vec::new();
        for table in DERIVED_TABLES
            .iter()
            .copied()
            .chain(["raw_logs", "checkpoint"])
        {
            let mut st = self
                .conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2, 3"))?;
            let n = st.column_count();
            let mut rows = st.query([])?;
            acc.extend_from_slice(table.as_bytes());
            while let Some(row) = rows.next()? {
                for i in 0..n {
                    let v: rusqlite::types::Value = row.get(i)?;
                    acc.extend_from_slice(format!("{v:?}|").as_bytes());
                }
                acc.push(b'\n');
            }
        }
        Ok(format!("{}", keccak256(&acc)))
    }

    /// Rows of a derived table as JSON objects (for `state --indexed` and tests).
    pub fn table_json(&self, table: &str) -> Result<Vec<serde_json::Value>, StoreError> {
        if !DERIVED_TABLES.contains(&table) {
            return Err(StoreError::Corrupt {
                table: "?",
                what: format!("unknown table {table}"),
            });
        }
        let mut st = self
            .conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))?;
        let names: Vec<String> = st.column_names().iter().map(|s| (*s).to_owned()).collect();
        let mut rows = st.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut obj = serde_json::Map::new();
            for (i, name) in names.iter().enumerate() {
                let v = match row.get::<_, rusqlite::types::Value>(i)? {
                    rusqlite::types::Value::Null => serde_json::Value::Null,
                    rusqlite::types::Value::Integer(n) => n.into(),
                    rusqlite::types::Value::Real(f) => f.into(),
                    rusqlite::types::Value::Text(s) => {
                        if name == "doc" {
                            serde_json::from_str(&s).unwrap_or(serde_json::Value::String(s))
                        } else {
                            s.into()
                        }
                    }
                    // Addresses checksummed, ids as 0x-prefixed 64-digit hex.
                    rusqlite::types::Value::Blob(b) if b.len() == 20 => {
                        Address::from_slice(&b).to_checksum(None).into()
                    }
                    rusqlite::types::Value::Blob(b) => format!("0x{}", hex::encode(b)).into(),
                };
                obj.insert(name.clone(), v);
            }
            out.push(serde_json::Value::Object(obj));
        }
        Ok(out)
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Opens an existing index strictly read-only (the audit's view: nothing is created,
    /// migrated or written, so a copy on read-only media or a chmod 444 file can be audited).
    /// Returns the store with the contracts it indexes.
    pub fn open_read_only(path: &Path) -> Result<(Self, Contracts), StoreError> {
        use rusqlite::OpenFlags;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let get = |k: &str| -> Result<Option<String>, StoreError> {
            let has_meta: bool = conn.query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get(0),
            )?;
            if !has_meta {
                return Ok(None);
            }
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()?)
        };
        let not_an_index = || StoreError::NotAnIndex(path.to_path_buf());
        let chain_id = get("chain_id")?
            .and_then(|s| s.parse().ok())
            .ok_or_else(not_an_index)?;
        let contracts = serde_json::from_str(&get("contracts")?.ok_or_else(not_an_index)?)
            .map_err(|e| StoreError::Corrupt {
                table: "meta",
                what: e.to_string(),
            })?;
        let per_log_rows = has_per_log_rows(&conn)?;
        Ok((
            Self {
                per_log_rows,
                ..Self::with_connection(conn, chain_id)
            },
            contracts,
        ))
    }

    /// A value of the `meta` table (`chain_id`, `contracts`, `genesis`).
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Records a `meta` value (the chain's identity, once known).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![key, value],
        )?;
        Ok(())
    }

    /// Replaces every derived row with `state`'s, in one transaction.
    pub fn rewrite_derived(&mut self, state: &mut State) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        rewrite_all(&tx, state)?;
        tx.commit()?;
        Ok(())
    }

    /// The repair of `daoctl audit --repair`: deletes the raw logs of `ranges`, writes the
    /// `chain` logs of those ranges instead, and rewrites the derived tables from a fresh fold of
    /// the result ([`refold`], a slice at a time), in one transaction. Returns (logs removed,
    /// logs written).
    pub fn replace_logs(
        &mut self,
        ranges: &[crate::verify::BlockRange],
        chain: &[RawLog],
        contracts: Contracts,
    ) -> Result<(u64, u64), StoreError> {
        let tx = self.conn.transaction()?;
        let mut removed = 0u64;
        for r in ranges {
            removed += tx.query_row(
                "SELECT COALESCE(SUM(logs), 0) FROM raw_logs WHERE block_number BETWEEN ?1 AND ?2",
                params![r.from, r.to],
                |row| row.get::<_, u64>(0),
            )?;
            tx.execute(
                "DELETE FROM raw_logs WHERE block_number BETWEEN ?1 AND ?2",
                params![r.from, r.to],
            )?;
        }
        let fresh: Vec<RawLog> = chain
            .iter()
            .filter(|l| {
                ranges
                    .iter()
                    .any(|r| (r.from..=r.to).contains(&l.block_number))
            })
            .cloned()
            .collect();
        insert_logs(&tx, &fresh, &mut self.body)?;
        refold(&tx, contracts, RefoldLimits::default())?;
        tx.commit()?;
        Ok((removed, fresh.len() as u64))
    }
}

fn set_checkpoint(tx: &Transaction<'_>, cp: Option<(u64, B256)>) -> Result<(), StoreError> {
    match cp {
        Some((n, h)) => tx.execute(
            "INSERT OR REPLACE INTO checkpoint (id, block, hash) VALUES (1, ?1, ?2)",
            params![n, h.as_slice()],
        )?,
        None => tx.execute("DELETE FROM checkpoint", [])?,
    };
    Ok(())
}

/// Writes `logs` (in chain order) one row per block. A block already stored gains the logs it
/// does not have (by log index): ingesting a log twice is a no-op, as in the one-row-per-log
/// layout.
fn insert_logs(
    tx: &Transaction<'_>,
    logs: &[RawLog],
    body: &mut Vec<u8>,
) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO raw_logs (block_number, block_hash, logs, body) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT DO NOTHING",
    )?;
    for block in
        logs.chunk_by(|a, b| (a.block_number, a.block_hash) == (b.block_number, b.block_hash))
    {
        let first = &block[0];
        crate::log_block::encode(block, body);
        let added = insert.execute(params![
            first.block_number,
            first.block_hash.as_slice(),
            block.len(),
            body.as_slice(),
        ])?;
        if added == 0 {
            merge_block(tx, block, body)?;
        }
    }
    Ok(())
}

/// Adds to a stored block the logs of `block` it does not hold (a damaged row is replaced).
fn merge_block(
    tx: &Transaction<'_>,
    block: &[RawLog],
    body: &mut Vec<u8>,
) -> Result<(), StoreError> {
    let first = &block[0];
    let stored: Vec<u8> = tx.query_row(
        "SELECT body FROM raw_logs WHERE block_number = ?1 AND block_hash = ?2",
        params![first.block_number, first.block_hash.as_slice()],
        |r| Ok(bytes(r, 0)?.to_vec()),
    )?;
    let mut merged = Vec::new();
    if crate::log_block::decode(first.block_number, first.block_hash, &stored, &mut merged).is_err()
    {
        merged.clear();
    }
    let held: std::collections::BTreeSet<u64> = merged.iter().map(|l| l.log_index).collect();
    merged.extend(
        block
            .iter()
            .filter(|l| !held.contains(&l.log_index))
            .cloned(),
    );
    merged.sort_by_key(RawLog::position);
    crate::log_block::encode(&merged, body);
    tx.execute(
        "UPDATE raw_logs SET logs = ?3, body = ?4 WHERE block_number = ?1 AND block_hash = ?2",
        params![
            first.block_number,
            first.block_hash.as_slice(),
            merged.len(),
            body.as_slice()
        ],
    )?;
    Ok(())
}

/// Decodes rows of (block number, block hash, body) into logs. A row that does not decode (an
/// edited file) reads as one log of zeros at its block, a log no chain has: the audit's evidence
/// check then names the block instead of the whole read failing.
fn read_blocks(mut rows: rusqlite::Rows<'_>) -> Result<Vec<RawLog>, StoreError> {
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let number: u64 = r.get(0)?;
        let hash_bytes = bytes(r, 1)?;
        let hash = word(hash_bytes);
        let start = out.len();
        let decoded = crate::log_block::decode(number, hash, bytes(r, 2)?, &mut out);
        if decoded.is_err() || hash_bytes.len() != 32 {
            out.truncate(start);
            out.push(RawLog {
                block_number: number,
                block_hash: hash,
                tx_index: 0,
                tx_hash: B256::ZERO,
                log_index: 0,
                address: Address::ZERO,
                topics: Vec::new(),
                data: Bytes::new(),
            });
        }
    }
    Ok(out)
}

/// Whether the raw logs are in the layout of schema versions before 8: one row per log.
fn has_per_log_rows(conn: &Connection) -> Result<bool, rusqlite::Error> {
    conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('raw_logs') WHERE name = 'tx_hash'",
        [],
        |r| r.get(0),
    )
}

/// Converts raw logs stored one row per log (schema versions before 8) to one row per block, in
/// one transaction, a block at a time (the history is never all in memory).
fn convert_per_log_rows(conn: &mut Connection) -> Result<(), StoreError> {
    if !has_per_log_rows(conn)? {
        return Ok(());
    }
    tracing::info!("raw logs stored one row per log: converting them to one row per block");
    let tx = conn.transaction()?;
    tx.execute_batch("ALTER TABLE raw_logs RENAME TO raw_logs_per_log;")?;
    tx.execute_batch(SCHEMA)?;
    {
        // The old table's unique index is (chain id, block number, log index, block hash).
        let mut st = tx.prepare(&format!(
            "SELECT {LOG_COLUMNS} FROM raw_logs_per_log
             ORDER BY chain_id, block_number, log_index, block_hash"
        ))?;
        let mut rows = st.query([])?;
        let (mut block, mut body) = (Vec::<RawLog>::new(), Vec::new());
        loop {
            let next = rows.next()?.map(log_row).transpose()?;
            let ends = match (&next, block.first()) {
                (Some(l), Some(f)) => {
                    (l.block_number, l.block_hash) != (f.block_number, f.block_hash)
                }
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if ends {
                block.sort_by_key(RawLog::position);
                insert_logs(&tx, &block, &mut body)?;
                block.clear();
            }
            match next {
                Some(l) => block.push(l),
                None => break,
            }
        }
    }
    tx.execute_batch("DROP TABLE raw_logs_per_log;")?;
    tx.commit()?;
    Ok(())
}

/// The columns of a raw log in the one-row-per-log layout (schema versions before 8), in the
/// order [`log_row`] reads them.
const LOG_COLUMNS: &str =
    "block_number, block_hash, tx_index, tx_hash, log_index, address, topics, data";

/// Every raw log in chain order (`per_log_rows`: in the layout before schema version 8).
fn load_logs(conn: &Connection, per_log_rows: bool) -> Result<Vec<RawLog>, StoreError> {
    if per_log_rows {
        let mut st = conn.prepare(&format!(
            "SELECT {LOG_COLUMNS} FROM raw_logs ORDER BY block_number, tx_index, log_index"
        ))?;
        let rows = st.query_map([], log_row)?;
        return Ok(rows.collect::<Result<_, _>>()?);
    }
    let mut st = conn.prepare(
        "SELECT block_number, block_hash, body FROM raw_logs ORDER BY block_number, block_hash",
    )?;
    read_blocks(st.query([])?)
}

/// The raw logs of the blocks after block number `after` (`None`: from the first), in chain
/// order: whole blocks, as many as hold `limit` logs (at least one block; each row counts its
/// logs, so the bound is found before any body is read). Returns the logs and the last block
/// number read (`None`: nothing left).
fn logs_after(
    conn: &Connection,
    after: Option<u64>,
    limit: usize,
) -> Result<(Vec<RawLog>, Option<u64>), StoreError> {
    let from = after.map_or(-1, |b| b as i64);
    let mut counts = conn.prepare_cached(
        "SELECT block_number, logs FROM raw_logs WHERE block_number > ?1
         ORDER BY block_number LIMIT 256",
    )?;
    let mut rows = counts.query([from])?;
    let (mut to, mut total) = (None, 0u64);
    while let Some(r) = rows.next()? {
        let (number, logs): (i64, u64) = (r.get(0)?, r.get(1)?);
        // Every row of a block number is read together: a block is never split.
        if to.is_some_and(|t| t != number) && total >= limit as u64 {
            break;
        }
        to = Some(number);
        total += logs;
    }
    drop(rows);
    let Some(to) = to else {
        return Ok((Vec::new(), None));
    };
    let mut blocks = conn.prepare_cached(
        "SELECT block_number, block_hash, body FROM raw_logs
         WHERE block_number > ?1 AND block_number <= ?2 ORDER BY block_number, block_hash",
    )?;
    let logs = read_blocks(blocks.query(params![from, to])?)?;
    Ok((logs, Some(to as u64)))
}

/// Decodes `logs`, loads from `c` the entities their fold reads that `state` does not hold
/// ([`Store::prefetch`]), and folds them. Returns when decoding and prefetching ended.
fn fold_logs(
    c: &Connection,
    state: &mut State,
    logs: &[RawLog],
) -> Result<(std::time::Instant, std::time::Instant), StoreError> {
    let decoded: Vec<crate::model::Decoded> = logs.iter().map(|l| state.decode(l)).collect();
    let mut needs = Needs::default();
    for ev in &decoded {
        needs.add(ev);
    }
    let decoded_at = std::time::Instant::now();
    prefetch_in(c, state, &needs)?;
    drop(needs);
    let prefetched_at = std::time::Instant::now();
    for (log, ev) in logs.iter().zip(decoded) {
        state.fold(crate::model::EventRef::of(log), ev);
    }
    Ok((decoded_at, prefetched_at))
}

/// How a re-fold of the derived tables from the raw logs ([`Store::rebuild_derived`], schema
/// migrations, reorg rollbacks, audit repairs) bounds its memory; by default as the indexer
/// bounds a range's (a query's worth of logs, its resident limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefoldLimits {
    /// Raw logs read back and folded at a time (whole blocks: at least this many, or the rest).
    pub slice: usize,
    /// Entities kept in memory between slices.
    pub resident: usize,
}

impl Default for RefoldLimits {
    fn default() -> Self {
        Self {
            slice: crate::indexer::DEFAULT_LOGS_PER_QUERY as usize,
            resident: crate::indexer::DEFAULT_RESIDENT_LIMIT,
        }
    }
}

/// Empties the derived tables and re-folds them from the stored raw logs in chain order, inside
/// `tx`: a slice of logs at a time on a bounded working set, as the indexer folds new ranges
/// ([`crate::working`]), so that a schema migration or a reorg's rollback costs memory in
/// proportion to a slice, not to the history. The rows and the fold's counters are written; the
/// caller commits.
fn refold(
    tx: &Transaction<'_>,
    contracts: Contracts,
    limits: RefoldLimits,
) -> Result<(), StoreError> {
    for t in DERIVED_TABLES {
        tx.execute(&format!("DELETE FROM {t}"), [])?;
    }
    let slice = limits.slice.max(1);
    let mut state = State::new(contracts);
    let mut after = None;
    loop {
        let (logs, last) = logs_after(tx, after, slice)?;
        if last.is_none() {
            break;
        }
        after = last;
        fold_logs(tx, &mut state, &logs)?;
        write_dirty(tx, &mut state)?;
        if state.resident_len() > limits.resident {
            state.evict();
        }
    }
    // An empty history still records its (zero) counters.
    write_dirty(tx, &mut state)
}

fn log_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawLog> {
    Ok(RawLog {
        block_number: r.get(0)?,
        block_hash: word(bytes(r, 1)?),
        tx_index: r.get(2)?,
        tx_hash: word(bytes(r, 3)?),
        log_index: r.get(4)?,
        address: address(bytes(r, 5)?),
        topics: bytes(r, 6)?
            .chunks_exact(32)
            .map(B256::from_slice)
            .collect(),
        data: Bytes::copy_from_slice(bytes(r, 7)?),
    })
}

/// A byte column, BLOB or (as an edited file may have it) TEXT, without copying.
pub(crate) fn bytes<'a>(r: &'a rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'a [u8]> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b),
        ValueRef::Null => Ok(&[]),
        other => Err(rusqlite::Error::InvalidColumnType(
            i,
            format!("column {i}"),
            other.data_type(),
        )),
    }
}

// A malformed hash or address (an edited row) reads as zero, a value no chain log has: the
// audit's evidence check then names its block instead of the whole read failing.
fn word(b: &[u8]) -> B256 {
    if b.len() == 32 {
        B256::from_slice(b)
    } else {
        B256::ZERO
    }
}

pub(crate) fn address(b: &[u8]) -> Address {
    if b.len() == 20 {
        Address::from_slice(b)
    } else {
        Address::ZERO
    }
}

/// Writes the rows the state changed since the last write, then forgets them.
///
/// Keys are written in key order (the dirty sets are sorted: sequential B-tree inserts), as BLOBs (no hex formatting or
/// address checksumming in the hot path).
fn write_dirty(tx: &Transaction<'_>, state: &mut State) -> Result<(), StoreError> {
    let dirty = std::mem::take(&mut state.dirty);
    {
        let mut up = tx.prepare_cached(
            "INSERT OR REPLACE INTO trees (tree_id, linked_under, last_block, last_tx, last_tx_index,
             last_log_index) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut del = tx.prepare_cached("DELETE FROM trees WHERE tree_id = ?1")?;
        for id in dirty.trees {
            match state.trees.get(&id) {
                Some(t) => up.execute(params![
                    t.tree_id,
                    t.linked_under.to_be_bytes::<32>(),
                    t.last_event.block,
                    t.last_event.tx_hash.as_slice(),
                    t.last_event.tx_index,
                    t.last_event.log_index,
                ])?,
                None => del.execute([id])?,
            };
        }
    }
    {
        let mut up = tx.prepare_cached(
            "INSERT OR REPLACE INTO roles (role_id, admin_id, tree_id, details, image_uri, max_supply, supply, eligibility,
             toggle, mutable, claimable, active, created_block, last_block, created_tx, created_tx_index,
             created_log_index, last_tx, last_tx_index, last_log_index)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
        )?;
        let mut del = tx.prepare_cached("DELETE FROM roles WHERE role_id = ?1")?;
        for id in dirty.roles {
            match state.roles.get(&id) {
                Some(r) => up.execute(params![
                    r.role_id.to_be_bytes::<32>(),
                    r.admin_id.to_be_bytes::<32>(),
                    crate::model::tree_of(r.role_id),
                    r.details,
                    r.image_uri,
                    r.max_supply,
                    r.supply,
                    r.eligibility.as_slice(),
                    r.toggle.as_slice(),
                    r.mutable_,
                    r.claimable,
                    r.active,
                    r.created.block,
                    r.last_event.block,
                    r.created.tx_hash.as_slice(),
                    r.created.tx_index,
                    r.created.log_index,
                    r.last_event.tx_hash.as_slice(),
                    r.last_event.tx_index,
                    r.last_event.log_index,
                ])?,
                None => del.execute([id.to_be_bytes::<32>()])?,
            };
        }
    }
    {
        // The most numerous rows (a mint each): written many to a statement.
        let mut del =
            tx.prepare_cached("DELETE FROM wearers WHERE role_id = ?1 AND wearer = ?2")?;
        let keys = dirty.wearers.sorted();
        let mut kept = Vec::with_capacity(keys.len());
        for key in &keys {
            match state.wearers.get(key) {
                Some(w) => kept.push(w),
                None => {
                    del.execute(params![key.0.to_be_bytes::<32>(), key.1.as_slice()])?;
                }
            }
        }
        upsert_batched(
            tx,
            "wearers (role_id, wearer, since_block, expiry, granted_by, last_block, last_tx, \
             last_tx_index, last_log_index)",
            9,
            &kept,
            |st, at, w| {
                st.raw_bind_parameter(at, w.role_id.to_be_bytes::<32>())?;
                st.raw_bind_parameter(at + 1, w.wearer.as_slice())?;
                st.raw_bind_parameter(at + 2, w.since_block)?;
                st.raw_bind_parameter(at + 3, w.expiry)?;
                st.raw_bind_parameter(at + 4, w.granted_by.as_slice())?;
                st.raw_bind_parameter(at + 5, w.last_event.block)?;
                st.raw_bind_parameter(at + 6, w.last_event.tx_hash.as_slice())?;
                st.raw_bind_parameter(at + 7, w.last_event.tx_index)?;
                st.raw_bind_parameter(at + 8, w.last_event.log_index)
            },
        )?;
    }
    {
        let mut up = tx.prepare_cached(
            "INSERT OR REPLACE INTO bad_standing (role_id, wearer, block, tx, tx_index, log_index)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut del =
            tx.prepare_cached("DELETE FROM bad_standing WHERE role_id = ?1 AND wearer = ?2")?;
        for key in dirty.standing {
            let role = key.0.to_be_bytes::<32>();
            match state.bad_standing.get(&key) {
                Some(at) => up.execute(params![
                    role,
                    key.1.as_slice(),
                    at.block,
                    at.tx_hash.as_slice(),
                    at.tx_index,
                    at.log_index,
                ])?,
                None => del.execute(params![role, key.1.as_slice()])?,
            };
        }
    }
    {
        let mut up = tx.prepare_cached(
            "INSERT OR REPLACE INTO entities (kind, id, doc, owner) VALUES (?1, ?2, ?3, ?4)",
        )?;
        let mut del = tx.prepare_cached("DELETE FROM entities WHERE kind = ?1 AND id = ?2")?;
        for key in dirty.entities {
            match state.domain.doc(&key) {
                Some(doc) => {
                    let doc = doc.map_err(|e| StoreError::Corrupt {
                        table: "entities",
                        what: e.to_string(),
                    })?;
                    let owner = state.domain.owner(&key).map(|o| EntityKey::word(&o));
                    up.execute(params![key.kind(), key.id(), doc, owner])?
                }
                None => del.execute(params![key.kind(), key.id()])?,
            };
        }
    }
    let fold = FoldMeta {
        applied: state.applied,
        undecoded: state.undecoded,
        last: state.last,
        anomalies: state.anomalies.clone(),
    };
    tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('fold', ?1)")?
        .execute([
            serde_json::to_string(&fold).map_err(|e| StoreError::Corrupt {
                table: "meta",
                what: e.to_string(),
            })?,
        ])?;
    Ok(())
}

/// Rows per statement of [`upsert_batched`].
const ROWS_PER_STATEMENT: usize = 64;

/// `INSERT OR REPLACE`s `rows` into `table_columns` (`table (col, ...)`, `columns` of them),
/// [`ROWS_PER_STATEMENT`] to a statement: one statement step, one parse of the VM program's
/// loop, per that many rows instead of per row. `bind` binds a row's columns from parameter
/// `at` on.
fn upsert_batched<T>(
    tx: &Transaction<'_>,
    table_columns: &str,
    columns: usize,
    rows: &[T],
    bind: impl Fn(&mut rusqlite::Statement<'_>, usize, &T) -> rusqlite::Result<()>,
) -> Result<(), StoreError> {
    let sql = |n: usize| {
        let row = format!("({})", vec!["?"; columns].join(", "));
        format!(
            "INSERT OR REPLACE INTO {table_columns} VALUES {}",
            vec![row; n].join(", ")
        )
    };
    let mut chunks = rows.chunks_exact(ROWS_PER_STATEMENT);
    if rows.len() >= ROWS_PER_STATEMENT {
        let mut st = tx.prepare_cached(&sql(ROWS_PER_STATEMENT))?;
        for chunk in &mut chunks {
            for (i, row) in chunk.iter().enumerate() {
                bind(&mut st, i * columns + 1, row)?;
            }
            st.raw_execute()?;
        }
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut st = tx.prepare_cached(&sql(1))?;
        for row in rest {
            bind(&mut st, 1, row)?;
            st.raw_execute()?;
        }
    }
    Ok(())
}

/// Replaces every derived row with the state's.
fn rewrite_all(tx: &Transaction<'_>, state: &mut State) -> Result<(), StoreError> {
    for t in DERIVED_TABLES {
        tx.execute(&format!("DELETE FROM {t}"), [])?;
    }
    state.dirty.trees = state.trees.keys().copied().collect();
    state.dirty.roles = state.roles.keys().copied().collect();
    state.dirty.wearers = state.wearers.keys().collect();
    state.dirty.standing = state.bad_standing.keys().copied().collect();
    state.dirty.entities = state.domain.keys().into_iter().collect();
    write_dirty(tx, state)
}

/// [`Store::prefetch`] on connection `c` (the store's, or a transaction of it).
fn prefetch_in(c: &Connection, state: &mut State, needs: &Needs) -> Result<(), StoreError> {
    if !needs.trees.is_empty() {
        let mut st = c.prepare_cached(&format!(
            "SELECT {TREE_COLUMNS} FROM trees WHERE tree_id = ?1"
        ))?;
        for id in &needs.trees {
            if !state.trees.contains_key(id)
                && let Some(t) = st.query_row([id], tree_row).optional()?
            {
                state.trees.insert(*id, t);
            }
        }
    }
    if !needs.roles.is_empty() {
        let mut st = c.prepare_cached(&format!(
            "SELECT {ROLE_COLUMNS} FROM roles WHERE role_id = ?1"
        ))?;
        for id in &needs.roles {
            if !state.roles.contains_key(id)
                && let Some(r) = st
                    .query_row([id.to_be_bytes::<32>()], role_row)
                    .optional()?
            {
                state.roles.insert(*id, r);
            }
        }
    }
    if !needs.wearers.is_empty() {
        prefetch_wearers(c, state, &needs.wearers)?;
    }
    if !needs.entities.is_empty() {
        let mut st = c.prepare_cached("SELECT doc FROM entities WHERE kind = ?1 AND id = ?2")?;
        for key in &needs.entities {
            if state.domain.contains(key) {
                continue;
            }
            let (kind, id) = (key.kind(), key.id());
            if let Some(doc) = st
                .query_row(params![kind, id], |r| r.get::<_, String>(0))
                .optional()?
            {
                load_entity(state, kind, &id, &doc)?;
            }
        }
    }
    if !needs.last_decision.is_empty() {
        // Decision ids are `cell/index` with a zero-padded index: the greatest id under the
        // cell's prefix is its latest decision ('0' follows '/').
        let mut st = c.prepare_cached(
            "SELECT id, doc FROM entities WHERE kind = 'decision' AND id > ?1 AND id < ?2
             ORDER BY id DESC LIMIT 1",
        )?;
        for cell in &needs.last_decision {
            if state
                .domain
                .decisions
                .range((*cell, 0)..=(*cell, u32::MAX))
                .next()
                .is_some()
            {
                continue;
            }
            let w = EntityKey::word(cell);
            if let Some((id, doc)) = st
                .query_row(params![format!("{w}/"), format!("{w}0")], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
                })
                .optional()?
            {
                load_entity(state, "decision", &id, &doc)?;
            }
        }
    }
    Ok(())
}

/// Loads the stored wearers among `keys` that `state` does not hold. Keys of one role are read
/// by one scan of their span of the role's rows (a batch of new mints costs one query, not one
/// per mint) while that span holds few other rows; past that, by key.
fn prefetch_wearers(
    c: &Connection,
    state: &mut State,
    keys: &std::collections::BTreeSet<(alloy::primitives::U256, Address)>,
) -> Result<(), StoreError> {
    let mut point = c.prepare_cached(&format!(
        "SELECT {WEARER_COLUMNS} FROM wearers WHERE role_id = ?1 AND wearer = ?2"
    ))?;
    let mut span = c.prepare_cached(&format!(
        "SELECT {WEARER_COLUMNS} FROM wearers WHERE role_id = ?1 AND wearer BETWEEN ?2 AND ?3
         ORDER BY wearer"
    ))?;
    let mut rest = keys.iter().peekable();
    while let Some(&(role, first)) = rest.next() {
        let mut wanted = vec![first];
        while let Some(&&(r, w)) = rest.peek()
            && r == role
        {
            wanted.push(w);
            rest.next();
        }
        wanted.retain(|w| !state.wearers.contains_key(&(role, *w)));
        let (Some(lo), Some(hi)) = (wanted.first().copied(), wanted.last().copied()) else {
            continue;
        };
        let mut by_key = wanted.as_slice();
        if wanted.len() >= 16 {
            // Scan the span; past a budget of rows (a span full of other wearers), read what is
            // left of it by key.
            let budget = 4 * wanted.len() + 64;
            let mut rows = span.query(params![
                role.to_be_bytes::<32>(),
                lo.as_slice(),
                hi.as_slice()
            ])?;
            let (mut seen, mut stopped_at) = (0, None);
            while let Some(r) = rows.next()? {
                let w = wearer_row(r)?;
                let at = w.wearer;
                if wanted.binary_search(&at).is_ok() {
                    state.wearers.insert((role, at), w);
                }
                seen += 1;
                if seen > budget {
                    stopped_at = Some(at);
                    break;
                }
            }
            by_key = match stopped_at {
                None => &[],
                Some(at) => &wanted[wanted.partition_point(|w| *w <= at)..],
            };
        }
        for w in by_key {
            if let Some(row) = point
                .query_row(params![role.to_be_bytes::<32>(), w.as_slice()], wearer_row)
                .optional()?
            {
                state.wearers.insert((role, *w), row);
            }
        }
    }
    Ok(())
}

/// The columns the `*_row` reader of that table expects, in its order: every SELECT of it uses
/// these.
pub(crate) const TREE_COLUMNS: &str =
    "tree_id, linked_under, last_block, last_tx, last_tx_index, last_log_index";
/// The columns the `*_row` reader of that table expects, in its order: every SELECT of it uses
/// these.
pub(crate) const ROLE_COLUMNS: &str = "role_id, admin_id, details, image_uri, max_supply, supply, eligibility, \
     toggle, mutable, claimable, active, created_block, created_tx, created_tx_index, created_log_index, \
     last_block, last_tx, last_tx_index, last_log_index";
/// The columns the `*_row` reader of that table expects, in its order: every SELECT of it uses
/// these.
pub(crate) const WEARER_COLUMNS: &str = "role_id, wearer, since_block, expiry, granted_by, last_block, last_tx, \
     last_tx_index, last_log_index";

fn u256(b: &[u8]) -> alloy::primitives::U256 {
    alloy::primitives::U256::from_be_slice(b)
}

/// An event's position from four consecutive columns from `i`: block, tx hash, tx index, log index
/// (the order every `*_COLUMNS` list and the standing query select them in).
fn event_at(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<crate::model::EventRef> {
    Ok(crate::model::EventRef {
        block: r.get(i)?,
        tx_hash: word(bytes(r, i + 1)?),
        tx_index: r.get(i + 2)?,
        log_index: r.get(i + 3)?,
    })
}

pub(crate) fn tree_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<crate::model::Tree> {
    Ok(crate::model::Tree {
        tree_id: r.get(0)?,
        linked_under: u256(bytes(r, 1)?),
        last_event: event_at(r, 2)?,
    })
}

pub(crate) fn role_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<crate::model::Role> {
    Ok(crate::model::Role {
        role_id: u256(bytes(r, 0)?),
        admin_id: u256(bytes(r, 1)?),
        details: r.get(2)?,
        image_uri: r.get(3)?,
        max_supply: r.get(4)?,
        supply: r.get(5)?,
        eligibility: address(bytes(r, 6)?),
        toggle: address(bytes(r, 7)?),
        mutable_: r.get(8)?,
        claimable: r.get(9)?,
        active: r.get(10)?,
        created: event_at(r, 11)?,
        last_event: event_at(r, 15)?,
    })
}

pub(crate) fn wearer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<crate::model::Wearer> {
    Ok(crate::model::Wearer {
        role_id: u256(bytes(r, 0)?),
        wearer: address(bytes(r, 1)?),
        since_block: r.get(2)?,
        expiry: r.get(3)?,
        granted_by: address(bytes(r, 4)?),
        last_event: event_at(r, 5)?,
    })
}

fn load_entity(state: &mut State, kind: &str, id: &str, doc: &str) -> Result<(), StoreError> {
    state
        .domain
        .load(kind, doc)
        .map_err(|e| StoreError::Corrupt {
            table: "entities",
            what: format!("{kind} {id}: {e}"),
        })
}
