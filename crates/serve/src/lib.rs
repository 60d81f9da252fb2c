//! # dao-serve
//!
//! `daoctl serve`'s library: a read-only HTTP JSON API and an embedded web dashboard over a
//! dao-primitives index, kept current by the indexer's follow loop, and the governance metrics.
//!
//! - [`follow`] brings the index to the head every poll, and after each new block publishes a
//!   [`snapshot::Snapshot`] (entities as JSON records, the metrics' history, the audit of a recent
//!   head) into [`Shared`]: the previous snapshot advanced by what the block changed, sharing the
//!   rest. Requests read the latest snapshot through an `Arc` and never wait for the indexer.
//! - [`serve`] answers HTTP/1.1 on a listener: [`api::ROUTES`] (documented in docs/api.md) and the
//!   dashboard ([`dashboard`]: plain HTML, CSS and JavaScript compiled into the binary, no build
//!   step, no network beyond this server). Open pages long-poll `/api/head?after=N` and redraw
//!   when a new block is indexed.
//! - [`metrics`]: the guide's success metrics as pure functions over a history (docs/metrics.md).

pub mod api;
pub mod dashboard;
pub mod metrics;
pub mod query;
pub mod records;
pub mod snapshot;

use std::{
    convert::Infallible,
    future::Future,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use alloy::providers::Provider;
use dao_indexer::{IndexError, Indexer, RpcSource, State};
use hyper::{server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, sync::watch};

pub use snapshot::Snapshot;

/// The latest snapshot, and a channel that ticks with each new indexed head.
#[derive(Debug)]
pub struct Shared {
    snapshot: RwLock<Arc<Snapshot>>,
    head: watch::Sender<Option<u64>>,
}

impl Shared {
    pub fn new(snapshot: Snapshot) -> Arc<Self> {
        let (head, _) = watch::channel(snapshot.head);
        Arc::new(Self {
            snapshot: RwLock::new(Arc::new(snapshot)),
            head,
        })
    }

    /// The snapshot requests read now.
    pub fn current(&self) -> Arc<Snapshot> {
        match self.snapshot.read() {
            Ok(s) => Arc::clone(&s),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the snapshot and wakes the requests waiting for a newer head.
    pub fn publish(&self, snapshot: Snapshot) {
        let head = snapshot.head;
        match self.snapshot.write() {
            Ok(mut s) => *s = Arc::new(snapshot),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(snapshot),
        }
        self.head.send_replace(head);
    }

    pub fn subscribe(&self) -> watch::Receiver<Option<u64>> {
        self.head.subscribe()
    }
}

/// Builds the snapshot of what the indexer holds now.
pub fn snapshot_of(state: &State, chain_id: u64, checkpoint: Option<(u64, String)>) -> Snapshot {
    Snapshot::build(state, chain_id, checkpoint)
}

/// Answers HTTP/1.1 connections on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, Infallible>(api::handle(&shared, req).await) }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await
            {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
}

/// Keeps the index at the head until `shutdown` resolves, publishing a snapshot each time new
/// blocks were indexed. Each new snapshot is the previous one advanced by what the new ranges
/// changed ([`Snapshot::advance`]; built in full only at the start and after a reorg). The audit
/// proves the whole index against the node, so it runs at a bounded rate: after the first
/// snapshot, then at most once per `audit_every` when the head has moved since the last one (the
/// report names the head it audited). Provider failures are logged and retried at the next poll,
/// as in [`Indexer::follow`].
pub async fn follow<P: Provider + Clone + 'static>(
    ix: &mut Indexer<RpcSource<P>>,
    provider: &P,
    start_block: u64,
    shared: &Shared,
    poll: Duration,
    audit_every: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<(), IndexError> {
    tokio::pin!(shutdown);
    // The snapshot holds every record, so the fold keeps the whole state too: each block then
    // costs what it changed, not a reload of the tables.
    ix.keep_whole_state()?;
    let mut audited: Option<(Instant, Option<u64>)> = None;
    loop {
        match ix.sync().await {
            Ok(r) => {
                let changes = ix.take_changes();
                if !changes.is_empty() || r.head != shared.current().head {
                    let t = Instant::now();
                    let cp = ix.store().checkpoint()?.map(|(n, h)| (n, h.to_string()));
                    let snap = if changes.rebuilt {
                        let mut s = Snapshot::build(ix.state(), ix.store().chain_id(), cp);
                        s.audit = shared.current().audit.clone();
                        s
                    } else {
                        shared.current().advance(ix.state(), &changes, cp)
                    };
                    shared.publish(snap);
                    tracing::info!(
                        head = ?r.head,
                        logs = r.logs,
                        entities = changes.entities.len(),
                        rebuilt = changes.rebuilt,
                        ms = t.elapsed().as_millis() as u64,
                        "published"
                    );
                }
                let head = shared.current().head;
                let due = audited.is_none_or(|(at, h)| h != head && at.elapsed() >= audit_every);
                if due {
                    let contracts = ix.state().contracts;
                    let report = match dao_indexer::audit(
                        provider,
                        ix.store(),
                        contracts,
                        start_block,
                    )
                    .await
                    {
                        Ok(report) => serde_json::to_value(&report).map_err(|e| e.to_string()),
                        Err(e) => Err(format!("the audit could not run: {e}")),
                    };
                    shared.publish(shared.current().with_audit(report));
                    audited = Some((Instant::now(), head));
                }
            }
            Err(IndexError::Fetch(e)) => tracing::warn!("fetch failed, retrying at next poll: {e}"),
            Err(IndexError::Source(e)) => {
                tracing::warn!("provider failed, retrying at next poll: {e}")
            }
            Err(e) => return Err(e),
        }
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            () = tokio::time::sleep(poll) => {}
        }
    }
}
