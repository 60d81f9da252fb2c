//! Adaptive block ranges with backoff.
//!
//! The range logic lives HERE, above any retry layer of the transport: a provider that refuses a
//! query for its size refuses it again however often it is retried (the bug DESIGN.md section 6
//! names), so a size error halves the range at once and only transient errors are retried.
//!
//! The provider's transport (built by `dao_rpc::connect`) already retries transient failures
//! with the project's one [`dao_rpc::RetryPolicy`]; the retries here cover what is left when
//! those give up (and sources that are not JSON-RPC, as in the tests).
//!
//! Every log the project reads goes through an [`AdaptiveFetcher`]: the indexer's loop, and
//! live reads through [`AdaptiveFetcher::scan`] with a [`LogQuery`] narrowed by topic to one
//! DAO's ids. Nothing asks a provider for logs over an unbounded range.

use std::{future::Future, time::Duration};

use alloy::primitives::Address;

use crate::source::{LogQuery, LogSource, RawLog, SourceError};

/// How ranges adapt and how transient errors are retried.
#[derive(Debug, Clone)]
pub struct RangePolicy {
    /// Blocks per query at start.
    pub initial: u64,
    /// Never ask for more blocks than this in one query.
    pub max: u64,
    /// Consecutive successes at one size before doubling it.
    pub grow_after: u32,
    /// Transient failures of one query before giving up.
    pub max_retries: u32,
    /// First backoff; doubled on every retry up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RangePolicy {
    fn default() -> Self {
        Self {
            initial: 2_000,
            max: 100_000,
            grow_after: 2,
            max_retries: 8,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

/// The first range of a fetcher with a log target ([`AdaptiveFetcher::with_log_target`]):
/// nothing is known yet of how many logs a block holds.
pub const DENSE_FIRST_RANGE: u64 = 8;

/// Counters a caller can show or test.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FetchStats {
    pub requests: u64,
    pub shrinks: u64,
    pub grows: u64,
    pub retries: u64,
}

/// Error of a fetch that could not complete.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("block {0} alone has more logs than the provider will return: {1}")]
    SingleBlockTooLarge(u64, String),
    #[error("gave up after {attempts} attempts: {last}")]
    RetriesExhausted { attempts: u32, last: String },
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// Fetches logs in block ranges that shrink on size errors and grow back after successes.
#[derive(Debug, Clone)]
pub struct AdaptiveFetcher {
    policy: RangePolicy,
    current: u64,
    streak: u32,
    stats: FetchStats,
    /// Logs one query should return at most (see [`AdaptiveFetcher::with_log_target`]).
    log_target: Option<u64>,
}

impl AdaptiveFetcher {
    pub fn new(policy: RangePolicy) -> Self {
        let current = policy.initial.clamp(1, policy.max.max(1));
        Self {
            policy,
            current,
            streak: 0,
            stats: FetchStats::default(),
            log_target: None,
        }
    }

    /// Keeps the logs of one query near `target`, so that what a query holds in memory (the
    /// response, its decoded logs, the range folded and committed from them) is bounded by it
    /// and not by how dense the history is: the first query asks for at most
    /// [`DENSE_FIRST_RANGE`] blocks, a query that returned more than `target` logs makes the next
    /// one proportionally shorter, and a range grows only while its queries return at most half
    /// of `target`. Size errors and growth otherwise work as without a target.
    pub fn with_log_target(mut self, target: u64) -> Self {
        self.log_target = Some(target.max(1));
        self.current = self.current.min(DENSE_FIRST_RANGE);
        self
    }

    /// Blocks the next query asks for.
    pub fn current_range(&self) -> u64 {
        self.current
    }

    pub fn stats(&self) -> &FetchStats {
        &self.stats
    }

    /// Fetches the logs of `addresses` from block `from` on, covering at most up to `to`.
    /// Returns the last block covered (`<= to`) with the logs of `from..=end`.
    pub async fn fetch<S: LogSource>(
        &mut self,
        source: &S,
        addresses: &[Address],
        from: u64,
        to: u64,
    ) -> Result<(u64, Vec<RawLog>), FetchError> {
        self.fetch_with(from, to, |from, end| source.logs(addresses, from, end))
            .await
    }

    /// As [`Self::fetch`], for the logs `query` selects (addresses and topics).
    pub async fn fetch_query<S: LogSource>(
        &mut self,
        source: &S,
        query: &LogQuery,
        from: u64,
        to: u64,
    ) -> Result<(u64, Vec<RawLog>), FetchError> {
        self.fetch_with(from, to, |from, end| source.query_logs(query, from, end))
            .await
    }

    /// Every log `query` selects in `from..=to`, in adaptive ranges: the whole span, however
    /// long, without ever asking the provider for more than the current range.
    pub async fn scan<S: LogSource>(
        &mut self,
        source: &S,
        query: &LogQuery,
        from: u64,
        to: u64,
    ) -> Result<Vec<RawLog>, FetchError> {
        let mut out = Vec::new();
        let mut next = from;
        while next <= to {
            let (end, logs) = self.fetch_query(source, query, next, to).await?;
            out.extend(logs);
            next = end + 1;
        }
        Ok(out)
    }

    async fn fetch_with<F, Fut>(
        &mut self,
        from: u64,
        to: u64,
        mut get: F,
    ) -> Result<(u64, Vec<RawLog>), FetchError>
    where
        F: FnMut(u64, u64) -> Fut,
        Fut: Future<Output = Result<Vec<RawLog>, SourceError>>,
    {
        let mut attempt = 0u32;
        loop {
            let end = to.min(from.saturating_add(self.current - 1));
            self.stats.requests += 1;
            match get(from, end).await {
                Ok(logs) => {
                    let (asked, n) = (end - from + 1, logs.len() as u64);
                    match self.log_target {
                        Some(target) if n > target => {
                            // Blocks that would have held about `target` of these logs.
                            self.current = (asked.saturating_mul(target) / n).max(1);
                            self.streak = 0;
                            self.stats.shrinks += 1;
                        }
                        Some(target) if n.saturating_mul(2) > target => {}
                        _ => self.on_success(asked),
                    }
                    return Ok((end, logs));
                }
                Err(SourceError::RangeTooLarge(msg)) => {
                    if end == from {
                        return Err(FetchError::SingleBlockTooLarge(from, msg));
                    }
                    // Halve what was actually asked (the range may have been cut by `to`).
                    self.current = (end - from).div_ceil(2).max(1);
                    self.streak = 0;
                    self.stats.shrinks += 1;
                    tracing::debug!(
                        from,
                        end,
                        next = self.current,
                        "range rejected, shrinking: {msg}"
                    );
                }
                Err(SourceError::Transient(msg)) => {
                    attempt += 1;
                    if attempt > self.policy.max_retries {
                        return Err(FetchError::RetriesExhausted {
                            attempts: attempt,
                            last: msg,
                        });
                    }
                    self.stats.retries += 1;
                    let delay = backoff(&self.policy, attempt);
                    tracing::warn!(
                        from,
                        end,
                        attempt,
                        ?delay,
                        "transient error, retrying: {msg}"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(e @ SourceError::Fatal(_)) => return Err(e.into()),
            }
        }
    }

    fn on_success(&mut self, asked: u64) {
        // Only a success at the full current size counts toward growing: a short final range
        // near the head says nothing about the provider's limit.
        if asked < self.current {
            return;
        }
        self.streak += 1;
        if self.streak >= self.policy.grow_after && self.current < self.policy.max {
            self.current = (self.current.saturating_mul(2)).min(self.policy.max);
            self.streak = 0;
            self.stats.grows += 1;
        }
    }
}

/// Exponential backoff: `base * 2^(attempt-1)`, capped.
pub fn backoff(policy: &RangePolicy, attempt: u32) -> Duration {
    let factor = 1u32
        .checked_shl(attempt.saturating_sub(1).min(20))
        .unwrap_or(u32::MAX);
    policy
        .base_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

#[cfg(test)]
mod log_target_tests {
    use alloy::primitives::{B256, Bytes};

    use super::*;

    fn logs_of(from: u64, end: u64, per_block: u64) -> Vec<RawLog> {
        (from..=end)
            .flat_map(|b| {
                (0..per_block).map(move |i| RawLog {
                    block_number: b,
                    block_hash: B256::ZERO,
                    tx_index: 0,
                    tx_hash: B256::ZERO,
                    log_index: i,
                    address: Address::ZERO,
                    topics: Vec::new(),
                    data: Bytes::new(),
                })
            })
            .collect()
    }

    #[tokio::test]
    async fn a_log_target_bounds_the_logs_of_each_query_however_dense_the_blocks() {
        // 1,000 logs a block, a target of 2,500: after the first query, none returns more
        // than the target; the whole span is covered once, in order.
        let mut f = AdaptiveFetcher::new(RangePolicy::default()).with_log_target(2_500);
        assert_eq!(f.current_range(), DENSE_FIRST_RANGE);
        let (mut next, mut sizes, mut seen) = (0u64, Vec::new(), 0u64);
        while next <= 200 {
            let (end, logs) = f
                .fetch_with(next, 200, |a, b| async move { Ok(logs_of(a, b, 1_000)) })
                .await
                .expect("fetch");
            sizes.push(logs.len());
            seen += logs.len() as u64;
            next = end + 1;
        }
        assert_eq!(seen, 201 * 1_000);
        assert_eq!(sizes[0], 8_000, "the first query asks for 8 blocks");
        assert!(sizes[1..].iter().all(|&n| n <= 2_500), "{sizes:?}");
        // Sparse blocks: the range grows back as without a target.
        let mut f = AdaptiveFetcher::new(RangePolicy::default()).with_log_target(2_500);
        let mut next = 0;
        for _ in 0..12 {
            let (end, _) = f
                .fetch_with(next, 1_000_000, |a, b| async move { Ok(logs_of(a, b, 0)) })
                .await
                .expect("fetch");
            next = end + 1;
        }
        assert!(f.current_range() >= 256, "{}", f.current_range());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{
        Mutex,
        atomic::{AtomicU32, Ordering},
    };

    use alloy::primitives::{B256, Bytes};

    use super::*;

    /// A chain with one log per block and a provider that refuses ranges over `limit` blocks,
    /// and fails transiently `flaky` times first.
    struct Limited {
        limit: u64,
        flaky: AtomicU32,
        asked: Mutex<Vec<(u64, u64)>>,
    }

    impl LogSource for Limited {
        async fn chain_id(&self) -> Result<u64, SourceError> {
            Ok(1)
        }
        async fn head(&self) -> Result<u64, SourceError> {
            Ok(10_000)
        }
        async fn block_hash(&self, n: u64) -> Result<Option<B256>, SourceError> {
            Ok(Some(B256::with_last_byte(n as u8)))
        }
        async fn logs(
            &self,
            _: &[Address],
            from: u64,
            to: u64,
        ) -> Result<Vec<RawLog>, SourceError> {
            self.asked.lock().expect("lock").push((from, to));
            if self.flaky.load(Ordering::SeqCst) > 0 {
                self.flaky.fetch_sub(1, Ordering::SeqCst);
                return Err(SourceError::Transient("timeout".into()));
            }
            if to - from + 1 > self.limit {
                return Err(SourceError::RangeTooLarge(
                    "query returned more than 10000 results".into(),
                ));
            }
            Ok((from..=to)
                .map(|n| RawLog {
                    block_number: n,
                    block_hash: B256::with_last_byte(n as u8),
                    tx_index: 0,
                    tx_hash: B256::ZERO,
                    log_index: 0,
                    address: Address::ZERO,
                    topics: vec![],
                    data: Bytes::new(),
                })
                .collect())
        }
    }

    fn fast_policy(initial: u64) -> RangePolicy {
        RangePolicy {
            initial,
            max: 4096,
            grow_after: 2,
            max_retries: 3,
            base_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(4),
        }
    }

    #[tokio::test]
    async fn shrinks_on_size_errors_without_resending_the_same_range_and_grows_back() {
        let src = Limited {
            limit: 100,
            flaky: AtomicU32::new(0),
            asked: Mutex::new(vec![]),
        };
        let mut f = AdaptiveFetcher::new(fast_policy(1000));
        let mut from = 0;
        let mut total = 0;
        while from <= 5000 {
            let (end, logs) = f.fetch(&src, &[], from, 5000).await.expect("fetch");
            assert_eq!(logs.len() as u64, end - from + 1, "no gap");
            total += logs.len();
            from = end + 1;
        }
        assert_eq!(total, 5001);
        let asked = src.asked.lock().expect("lock").clone();
        // A rejected range is never asked again as is.
        for w in asked.windows(2) {
            assert_ne!(w[0], w[1], "same oversized query resent");
        }
        assert!(f.stats().shrinks >= 4, "{:?}", f.stats());
        assert!(f.stats().grows >= 1, "{:?}", f.stats());
        assert!(f.current_range() <= 200);
    }

    #[tokio::test]
    async fn retries_transient_errors_with_backoff_then_gives_up() {
        let src = Limited {
            limit: 10_000,
            flaky: AtomicU32::new(2),
            asked: Mutex::new(vec![]),
        };
        let mut f = AdaptiveFetcher::new(fast_policy(10));
        let (end, logs) = f.fetch(&src, &[], 0, 100).await.expect("fetch");
        assert_eq!((end, logs.len()), (9, 10));
        assert_eq!(f.stats().retries, 2);

        let src = Limited {
            limit: 10_000,
            flaky: AtomicU32::new(100),
            asked: Mutex::new(vec![]),
        };
        let err = f.fetch(&src, &[], 0, 100).await.expect_err("gives up");
        assert!(
            matches!(err, FetchError::RetriesExhausted { attempts: 4, .. }),
            "{err}"
        );
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RangePolicy::default();
        assert_eq!(backoff(&p, 1), Duration::from_millis(200));
        assert_eq!(backoff(&p, 2), Duration::from_millis(400));
        assert_eq!(backoff(&p, 30), Duration::from_secs(10));
    }
}
