//! # dao-indexer
//!
//! Rebuilds a dao-primitives network from its events into an embedded SQLite file, and audits it.
//!
//! ## Pipeline
//!
//! 1. [`source::LogSource`] gives logs and block hashes ([`source::RpcSource`] over any alloy
//!    provider in production; tests wrap it to inject provider limits).
//! 2. [`fetch::AdaptiveFetcher`] asks for block ranges that halve when the provider refuses a
//!    query for its size ("query returned more than 10000 results", "block range too large",
//!    "limit exceeded", ...) and double again after successes. This happens in the indexer,
//!    above the retry layer of the transport: a size error is never resent as is. Transient
//!    errors (timeouts, 429, -32603, "header not found", dropped connections) are retried by
//!    that layer (`dao_rpc::RetryLayer`, the project's one policy and classification), then
//!    here at the next attempt if they persist. Live reads and the audit fetch their logs
//!    through the same fetcher ([`fetch::AdaptiveFetcher::scan`] with a [`source::LogQuery`]
//!    filtered by topic): nothing asks a provider for an unbounded range.
//! 3. [`model::State`] folds the logs in (block, transaction index, log index) order, each
//!    decoded by its contract's typed `sol!` event enum and folded by an exhaustive `match` into
//!    the role tables and the typed [`domain`] ([`fold`]); budgets through the one [`ledger`].
//!    Folding is pure: the same raw logs always give the same state.
//! 4. [`store::Store`] keeps raw logs, one row per block keyed by (block number, block hash) and
//!    merged by log index, so re-ingesting is harmless ([`log_block`]: the encoding); the derived
//!    tables; the hashes of recent blocks; and the checkpoint (last block
//!    and its hash), written in the same SQLite transaction as the rows of the range it closes.
//!    Killed at any point, a restart resumes at checkpoint + 1: no gap, no duplicate. The fold
//!    keeps a bounded working set ([`working`]): what a range reads is loaded from the derived
//!    tables, its changes are written with its checkpoint. Opening an index loads no entity;
//!    reads query the tables per entity ([`query`]); `meta.schema_version`
//!    ([`store::SCHEMA_VERSION`]) other than ours rebuilds them from the raw logs first.
//! 5. [`indexer::Indexer`] drives it: one-shot [`indexer::Indexer::sync`] or
//!    [`indexer::Indexer::follow`] (polls for new blocks). Reorgs are detected by comparing the
//!    checkpoint's hash with the chain at start, on every poll and before each range near the
//!    head (where the blocks our logs came from are also checked); on a mismatch the indexer
//!    walks back through the recorded hashes (a confirmation window, 64 blocks by default) to the
//!    newest block still on the chain, deletes the raw logs above it and re-folds the derived
//!    tables from the surviving raw logs, in one transaction, then indexes the new branch. A reorg
//!    that happened while the indexer was stopped is caught by the check at start. A reorg deeper
//!    than the window re-indexes from the start block, once [`identity`] has shown the chain is
//!    still the one the database was built from (same genesis, same dev-node run): another chain
//!    under the same id is refused, never wiped, unless `force`.
//! 6. [`verify`] proves a database is the chain's (stored logs against a fresh fetch, derived
//!    tables against a fresh fold) before [`audit()`] judges the chain's logs; [`owners`] explains
//!    the Safes' owners' transactions; every audit rule is in `docs/audit.md`.
//!
//! ## State that is not in events
//!
//! Role grants come from events (`RoleMinted`, `RoleRevoked`, `RoleTransferred`, and a renounce's
//! only log, the ERC-1155 burn; see `docs/ARCHITECTURE.md`, section 5). Whether a wearer is eligible
//! and in good standing at a given moment is decided live by the role's eligibility and toggle
//! modules and by expiry, which emit nothing when their answer changes (as in Hats). The indexed
//! `wearers` table is therefore "granted and not revoked"; readers that need "wears it now"
//! re-read `isWearerOfHat` / `getWearerStatus` at the head, as `daoctl state --indexed` and the
//! audit do.

pub mod audit;
pub mod balance;
pub mod domain;
pub mod events;
pub mod fetch;
pub mod fold;
pub mod identity;
pub mod indexer;
pub mod json;
pub mod ledger;
pub mod log_block;
pub mod model;
pub mod network;
pub mod owners;
pub mod query;
pub mod source;
pub mod store;
pub mod streams_audit;
pub mod verify;
pub mod working;

pub use audit::{AuditReport, Finding, audit};
pub use domain::Domain;
pub use indexer::{Changes, IndexError, Indexer, IndexerConfig, SyncReport};
pub use ledger::Ledger;
pub use model::{Contracts, EventRef, State};
pub use source::{LogQuery, LogSource, RawLog, RpcSource, SourceError};
pub use store::Store;
