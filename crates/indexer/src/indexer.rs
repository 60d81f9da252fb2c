//! The indexing loop: catch up to the head in adaptive ranges, commit each range atomically with
//! its checkpoint, detect reorgs (at start, before each range near the head, on every poll) and
//! roll back to the common ancestor.

use std::{collections::BTreeSet, future::Future, path::Path, sync::Arc, time::Duration};

use alloy::primitives::{Address, B256, U256};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{
    fetch::{AdaptiveFetcher, FetchError, FetchStats, RangePolicy, backoff},
    fold::EntityKey,
    model::{Contracts, State},
    source::{LogSource, RawLog, SourceError},
    store::{Store, StoreError},
};

/// Indexer errors.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("the chain has no block {0} (is the provider behind, or the start block wrong?)")]
    MissingBlock(u64),
    #[error(transparent)]
    Identity(#[from] crate::identity::IdentityError),
    #[error("discarding {db} (--force): {source}")]
    Discard {
        db: std::path::PathBuf,
        source: std::io::Error,
    },
}

/// What to index and how.
#[derive(Debug, Clone)]
pub struct IndexerConfig {
    pub contracts: Contracts,
    /// First block to read (the deployment block).
    pub start_block: u64,
    /// Stay this many blocks behind the head (0 on a devnet; a few on a live chain, where the
    /// newest blocks may still lack logs at some providers).
    pub confirmations: u64,
    /// Blocks within which reorgs are detected and rolled back; hashes are kept this deep.
    pub reorg_window: u64,
    pub range: RangePolicy,
    /// Follow mode: time between polls for new blocks.
    pub poll_interval: Duration,
    /// Draw a progress bar on stderr while catching up.
    pub progress: bool,
    /// Discard a database that belongs to another chain with the same id or another deployment
    /// (see [`crate::identity`]) and rebuild it, instead of refusing it.
    pub force: bool,
    /// Entities the fold keeps in memory between ranges (its working set, see
    /// [`crate::working`]); past it, they are dropped after a commit and read again from the
    /// database when a log needs them. Bounds memory whatever the history.
    pub resident_limit: usize,
    /// Logs one query should return at most (see
    /// [`crate::fetch::AdaptiveFetcher::with_log_target`]): bounds the memory of a range on a
    /// dense history.
    pub logs_per_query: u64,
}

impl IndexerConfig {
    pub fn new(contracts: Contracts, start_block: u64) -> Self {
        Self {
            contracts,
            start_block,
            confirmations: 0,
            reorg_window: 64,
            range: RangePolicy::default(),
            poll_interval: Duration::from_secs(2),
            progress: false,
            force: false,
            resident_limit: DEFAULT_RESIDENT_LIMIT,
            logs_per_query: DEFAULT_LOGS_PER_QUERY,
        }
    }
}

/// The default [`IndexerConfig::resident_limit`]: 50,000 entities (some tens of MiB: a held
/// grant is about 300 bytes with its share of the map; at 100,000 the working set was the
/// largest part of the indexer's memory once a long history filled it).
pub const DEFAULT_RESIDENT_LIMIT: usize = 50_000;

/// The default [`IndexerConfig::logs_per_query`]: 10,000 logs (about 8 MB of JSON on the
/// wire). The next range's query is in flight while a range is committed, so two ranges are in
/// memory at a time; a range this size already keeps the per-range costs (a commit, a query)
/// small against the per-log ones. Measured at 1,000,000 events (`make bench`, quiet machine):
/// 20,000 gave 126k events/s end to end with an indexing peak 1.60x the 100,000-event run's;
/// 10,000 gave 107k events/s at 1.38x (the target is 1.5x).
pub const DEFAULT_LOGS_PER_QUERY: u64 = 10_000;

/// What one catch-up did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// The block indexed up to (the checkpoint), if any.
    pub head: Option<u64>,
    pub logs: u64,
    pub ranges: u64,
    pub reorgs: u64,
    pub rolled_back_blocks: u64,
}

/// What the ranges indexed since the last [`Indexer::take_changes`] changed: the keys of the
/// entities, roles and grants their logs touched. Readers that keep a picture of the index (e.g.
/// `daoctl serve`'s snapshot) update what these name instead of rebuilding it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    pub entities: BTreeSet<EntityKey>,
    pub roles: BTreeSet<U256>,
    /// Grants (role, wearer) minted, revoked, transferred or renewed.
    pub wearers: BTreeSet<(U256, Address)>,
    /// Grants whose standing changed.
    pub standing: BTreeSet<(U256, Address)>,
    /// The state was loaded or rolled back (a reorg): anything may have changed.
    pub rebuilt: bool,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        !self.rebuilt
            && self.entities.is_empty()
            && self.roles.is_empty()
            && self.wearers.is_empty()
            && self.standing.is_empty()
    }

    /// Adds what `state` changed since it was last written to its store. Call it before
    /// [`Store::commit_range`], which writes those rows and forgets them.
    pub fn record(&mut self, state: &State) {
        let d = &state.dirty;
        self.entities.extend(d.entities.iter().copied());
        self.roles.extend(d.roles.iter().copied());
        self.wearers.extend(d.wearers.iter());
        self.standing.extend(d.standing.iter().copied());
    }
}

/// An indexer over one source and one database.
#[derive(Debug)]
pub struct Indexer<S> {
    /// Shared with the query of the next range, sent while the current one is folded.
    source: Arc<S>,
    store: Store,
    /// The fold's working set (see [`crate::working`]), not the whole state.
    state: State,
    /// The whole state, loaded from the database by [`Indexer::state`] on demand and dropped
    /// when the index moves.
    full: std::cell::OnceCell<State>,
    fetcher: AdaptiveFetcher,
    cfg: IndexerConfig,
    addresses: Vec<Address>,
    /// The database file (for the identity errors; empty for a store opened elsewhere).
    db: std::path::PathBuf,
    /// What was indexed since the last [`Self::take_changes`].
    changes: Changes,
    /// The fold holds the whole state and keeps it ([`Self::keep_whole_state`]).
    whole: bool,
}

/// The query of the next range, sent while the current range is folded and committed: the
/// provider prepares its answer (and this process decodes its JSON, on another thread of the
/// runtime) meanwhile. One at a time, in block order, from the fetcher's state after the
/// previous query: the adaptive range sees the same sequence of queries as without it. Dropped
/// (a reorg, a failed commit, the caller gone), the query is abandoned.
struct Ahead {
    from: u64,
    /// The fetcher after the query (its range adapted), and what the query returned.
    task: tokio::task::JoinHandle<(AdaptiveFetcher, Fetched)>,
}

/// What [`AdaptiveFetcher::fetch`] returns: the last block covered and the logs.
type Fetched = Result<(u64, Vec<RawLog>), FetchError>;

impl Drop for Ahead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<S: LogSource + 'static> Indexer<S> {
    /// Opens the database at `db` (created if missing). Nothing is re-folded and no entity is
    /// loaded: the fold reads the ones its logs need as it goes.
    pub async fn open(source: S, db: &Path, cfg: IndexerConfig) -> Result<Self, IndexError> {
        let chain_id = source.chain_id().await?;
        // Identity first, without writing: a database of another chain or deployment is refused
        // (or, with `force`, discarded), never silently rebuilt.
        let existing = match Store::open_read_only(db) {
            Ok(opened) => Some(opened),
            // Not created yet, or created by a process killed before it recorded what it
            // indexes: nothing to protect, `Store::open` initialises it.
            Err(StoreError::NotAnIndex(_)) => None,
            Err(_) if !db.exists() => None,
            Err(e) => return Err(e.into()),
        };
        if let Some((existing, stored)) = existing {
            let checked =
                crate::identity::check(&existing, db, &source, &stored, &cfg.contracts, false)
                    .await;
            drop(existing);
            match checked {
                Ok(()) => {}
                Err(e) if cfg.force && e.can_force() => {
                    tracing::warn!(db = %db.display(), "--force: discarding the index: {e}");
                    crate::identity::discard(db).map_err(|source| IndexError::Discard {
                        db: db.to_path_buf(),
                        source,
                    })?;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let store = Store::open(db, chain_id, &cfg.contracts)?;
        crate::identity::check(&store, db, &source, &cfg.contracts, &cfg.contracts, true).await?;
        let mut ix = Self::with_store(source, store, cfg)?;
        ix.db = db.to_path_buf();
        Ok(ix)
    }

    /// An indexer over an already opened store.
    pub fn with_store(source: S, store: Store, cfg: IndexerConfig) -> Result<Self, IndexError> {
        let state = store.working_state(cfg.contracts)?;
        Ok(Self {
            fetcher: AdaptiveFetcher::new(cfg.range.clone()).with_log_target(cfg.logs_per_query),
            addresses: cfg.contracts.addresses(),
            source: Arc::new(source),
            store,
            state,
            full: std::cell::OnceCell::new(),
            cfg,
            db: std::path::PathBuf::new(),
            changes: Changes {
                rebuilt: true,
                ..Changes::default()
            },
            whole: false,
        })
    }

    /// Keeps the whole state resident from now on, for a long-running reader that holds a
    /// picture of every record anyway (`daoctl serve`): loaded once, never evicted, folded in
    /// place, so [`Self::state`] does not reload it from the tables after each range.
    pub fn keep_whole_state(&mut self) -> Result<(), StoreError> {
        self.state = self.store.load_state(self.cfg.contracts)?;
        self.cfg.resident_limit = usize::MAX;
        self.whole = true;
        self.full.take();
        Ok(())
    }

    /// The WHOLE state as of the checkpoint, loaded from the database on the first call after
    /// the index moved (memory in proportion to history; see [`Store::load_state`]). Kept for
    /// the callers that walk every entity; point and list reads should use the typed queries
    /// on [`Indexer::store`] ([`crate::query`]), which read only what they return.
    ///
    /// # Panics
    ///
    /// If the derived tables cannot be read back (a database corrupted under the indexer);
    /// [`Indexer::try_state`] returns that error instead.
    pub fn state(&self) -> &State {
        match self.try_state() {
            Ok(s) => s,
            Err(e) => panic!("reading the state back from the index: {e}"),
        }
    }

    /// [`Indexer::state`], with the store's error.
    pub fn try_state(&self) -> Result<&State, StoreError> {
        if self.whole {
            return Ok(&self.state);
        }
        if let Some(s) = self.full.get() {
            return Ok(s);
        }
        let loaded = self.store.load_state(self.cfg.contracts)?;
        Ok(self.full.get_or_init(|| loaded))
    }

    /// The fold's counters and anomalies (kept in memory; no entity is loaded).
    pub fn fold_summary(&self) -> crate::store::FoldMeta {
        crate::store::FoldMeta {
            applied: self.state.applied,
            undecoded: self.state.undecoded,
            last: self.state.last,
            anomalies: self.state.anomalies.clone(),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn source(&self) -> &S {
        &self.source
    }

    /// What the ranges indexed since the last call changed (since opening, the first time:
    /// `rebuilt`).
    pub fn take_changes(&mut self) -> Changes {
        std::mem::take(&mut self.changes)
    }

    pub fn fetch_stats(&self) -> &FetchStats {
        self.fetcher.stats()
    }

    /// Indexes up to the current head (minus confirmations) and returns.
    pub async fn sync(&mut self) -> Result<SyncReport, IndexError> {
        let mut report = SyncReport::default();
        self.check_reorg(&mut report).await?;
        let head = self.retry(|s| s.head()).await?;
        let target = head.saturating_sub(self.cfg.confirmations);
        let mut next = self.next_block()?;
        let bar = self.progress_bar(next, target);
        let mut ahead: Option<Ahead> = None;
        while next <= target {
            let (end, logs) = match ahead.take() {
                Some(mut a) if a.from == next => {
                    let (fetcher, fetched) = match (&mut a.task).await {
                        Ok(done) => done,
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        Err(e) => {
                            return Err(
                                FetchError::Source(SourceError::Fatal(e.to_string())).into()
                            );
                        }
                    };
                    self.fetcher = fetcher;
                    fetched?
                }
                _ => {
                    self.fetcher
                        .fetch(&*self.source, &self.addresses, next, target)
                        .await?
                }
            };
            let near_head = head.saturating_sub(end) <= self.cfg.reorg_window;
            let Some(end_hash) = self.retry(|s| s.block_hash(end)).await? else {
                // The head moved back under us: a reorg. Re-check from the checkpoint.
                self.check_reorg(&mut report).await?;
                next = self.next_block()?;
                continue;
            };
            // Near the head a reorg can happen between our calls: the checkpoint must still be
            // canonical, and every block our logs came from must still be on the chain.
            if near_head {
                if self.check_reorg(&mut report).await? {
                    next = self.next_block()?;
                    continue;
                }
                let mut stale = false;
                let mut seen: Option<(u64, B256)> = None;
                for l in &logs {
                    if seen == Some((l.block_number, l.block_hash)) {
                        continue;
                    }
                    seen = Some((l.block_number, l.block_hash));
                    let canonical = if l.block_number == end {
                        Some(end_hash)
                    } else {
                        self.retry(|s| s.block_hash(l.block_number)).await?
                    };
                    if canonical != Some(l.block_hash) {
                        stale = true;
                        break;
                    }
                }
                if stale {
                    tracing::warn!(
                        from = next,
                        end,
                        "logs from a block that is no longer canonical; refetching"
                    );
                    continue;
                }
            }
            let window_floor = target.saturating_sub(self.cfg.reorg_window);
            let mut hashes: Vec<(u64, B256)> = logs
                .iter()
                .filter(|l| l.block_number >= window_floor)
                .map(|l| (l.block_number, l.block_hash))
                .collect();
            hashes.dedup();
            if end < target {
                ahead = Some(self.query_ahead(end + 1, target));
            }
            self.full.take();
            self.store.fold_range(&mut self.state, &logs)?;
            // What the range changed, for readers that keep a picture of the index, before the
            // commit writes the dirty rows and forgets them.
            self.changes.record(&self.state);
            self.store.finish_range(
                &mut self.state,
                &logs,
                &hashes,
                (end, end_hash),
                window_floor,
                self.cfg.resident_limit,
            )?;
            report.logs += logs.len() as u64;
            report.ranges += 1;
            if let Some(bar) = &bar {
                bar.inc(end - next + 1);
                bar.set_message(format!("{} logs", report.logs));
            }
            next = end + 1;
        }
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        report.head = self.store.checkpoint()?.map(|c| c.0);
        Ok(report)
    }

    /// Indexes to the head, then polls for new blocks until `shutdown` resolves. Transient
    /// provider failures are logged and retried at the next poll.
    pub async fn follow(
        &mut self,
        shutdown: impl Future<Output = ()>,
    ) -> Result<SyncReport, IndexError> {
        let mut total = SyncReport::default();
        tokio::pin!(shutdown);
        loop {
            match self.sync().await {
                Ok(r) => {
                    total.logs += r.logs;
                    total.ranges += r.ranges;
                    total.reorgs += r.reorgs;
                    total.rolled_back_blocks += r.rolled_back_blocks;
                    total.head = r.head;
                    if r.logs > 0 || r.reorgs > 0 {
                        tracing::info!(head = ?r.head, logs = r.logs, reorgs = r.reorgs, "indexed");
                    }
                }
                Err(IndexError::Fetch(e)) => {
                    tracing::warn!("fetch failed, retrying at next poll: {e}")
                }
                Err(IndexError::Source(e)) => {
                    tracing::warn!("provider failed, retrying at next poll: {e}")
                }
                Err(e) => return Err(e),
            }
            tokio::select! {
                () = &mut shutdown => return Ok(total),
                () = tokio::time::sleep(self.cfg.poll_interval) => {}
            }
        }
    }

    /// Sends the query of the blocks from `from` on (see [`Ahead`]).
    fn query_ahead(&self, from: u64, to: u64) -> Ahead {
        let source = Arc::clone(&self.source);
        let addresses = self.addresses.clone();
        let mut fetcher = self.fetcher.clone();
        let task = tokio::spawn(async move {
            let fetched = fetcher.fetch(&*source, &addresses, from, to).await;
            (fetcher, fetched)
        });
        Ahead { from, task }
    }

    fn next_block(&self) -> Result<u64, IndexError> {
        Ok(self
            .store
            .checkpoint()?
            .map_or(self.cfg.start_block, |(n, _)| n + 1))
    }

    /// Compares the checkpoint's hash with the chain; on a mismatch finds the newest recorded
    /// block still on the chain and rolls back to it (to before the start block when none is).
    /// Returns whether it rolled back.
    async fn check_reorg(&mut self, report: &mut SyncReport) -> Result<bool, IndexError> {
        let Some((cp, cp_hash)) = self.store.checkpoint()? else {
            return Ok(false);
        };
        if self.retry(|s| s.block_hash(cp)).await? == Some(cp_hash) {
            return Ok(false);
        }
        let mut ancestor = None;
        for (n, h) in self.store.recent_blocks()? {
            if n >= cp {
                continue;
            }
            if self.retry(|s| s.block_hash(n)).await? == Some(h) {
                ancestor = Some((n, h));
                break;
            }
        }
        match ancestor {
            Some((n, _)) => tracing::warn!(
                checkpoint = cp,
                ancestor = n,
                "reorg: rolling back to the common ancestor"
            ),
            None => {
                // None of our blocks is left: a reorg deeper than the window, or another chain
                // under the same id (a dev node restarted while we follow it). The latter is
                // refused, never wiped, unless forced.
                if !self.cfg.force {
                    crate::identity::check(
                        &self.store,
                        &self.db,
                        &*self.source,
                        &self.cfg.contracts,
                        &self.cfg.contracts,
                        false,
                    )
                    .await?;
                }
                tracing::warn!(
                    checkpoint = cp,
                    window = self.cfg.reorg_window,
                    "reorg deeper than the recorded blocks: re-indexing from the start block"
                )
            }
        }
        self.full.take();
        self.store.rollback_to(ancestor, self.cfg.contracts)?;
        self.state = if self.whole {
            self.store.load_state(self.cfg.contracts)?
        } else {
            self.store.working_state(self.cfg.contracts)?
        };
        self.changes = Changes {
            rebuilt: true,
            ..Changes::default()
        };
        report.reorgs += 1;
        report.rolled_back_blocks +=
            cp - ancestor.map_or(self.cfg.start_block.saturating_sub(1), |a| a.0);
        Ok(true)
    }

    /// Runs a source call, retrying transient errors with the range policy's backoff.
    async fn retry<'a, T, F, Fut>(&'a self, f: F) -> Result<T, IndexError>
    where
        F: Fn(&'a S) -> Fut,
        Fut: Future<Output = Result<T, SourceError>> + 'a,
    {
        let mut attempt = 0;
        loop {
            match f(&*self.source).await {
                Ok(v) => return Ok(v),
                Err(SourceError::Transient(msg)) if attempt < self.cfg.range.max_retries => {
                    attempt += 1;
                    tracing::warn!(attempt, "transient provider error, retrying: {msg}");
                    tokio::time::sleep(backoff(&self.cfg.range, attempt)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn progress_bar(&self, next: u64, target: u64) -> Option<ProgressBar> {
        if !self.cfg.progress || next > target {
            return None;
        }
        let bar =
            ProgressBar::with_draw_target(Some(target - next + 1), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{spinner} indexing [{bar:30}] {pos}/{len} blocks ({per_sec}, eta {eta}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Some(bar)
    }
}
