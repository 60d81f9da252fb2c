//! `daoctl index`: build or update the SQLite index of the deployment's events.
use super::db::{DbArgs, open_synced, target};
use crate::ctx::{Ctx, Global};
use alloy::primitives::B256;
use dao_indexer::{Indexer, IndexerConfig, RpcSource, model::Anomaly};
use eyre::Result;
use serde::Serialize;
use std::{fmt, time::Duration};

/// What `daoctl index` prints: where the index stands and what it holds (row counts of its
/// tables, read without loading any of them).
#[derive(Debug, Serialize)]
pub(crate) struct IndexSummary {
    db: String,
    chain_id: u64,
    block: Option<u64>,
    block_hash: Option<B256>,
    raw_logs: u64,
    roles: u64,
    wearers: u64,
    /// Registry, governor, treasury, task board and role streams entities.
    entities: u64,
    anomalies: Vec<Anomaly>,
}

impl fmt::Display for IndexSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "indexed up to block {} into {}: {} logs, {} roles, {} wearers, {} other entities",
            self.block.map_or("-".into(), |b| b.to_string()),
            self.db,
            self.raw_logs,
            self.roles,
            self.wearers,
            self.entities,
        )?;
        if !self.anomalies.is_empty() {
            write!(f, ", {} anomalies (see --json)", self.anomalies.len())?;
        }
        writeln!(f)
    }
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl index\n  daoctl index --follow\n  daoctl index --db ./riverside.db --confirmations 3 --follow"
)]
pub(crate) struct Args {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Keep polling for new blocks (and reorgs) until Ctrl-C.
    #[arg(long)]
    follow: bool,
    /// Stay this many blocks behind the head (0 on a devnet; a few on a live chain).
    #[arg(long, default_value_t = 0)]
    confirmations: u64,
    /// Follow mode: milliseconds between polls.
    #[arg(long, default_value_t = 2000)]
    poll_ms: u64,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = target(&ctx, &args.db).await?;
    let mut ix = open_synced(&ctx, &t, args.confirmations).await?;
    if args.follow {
        let mut cfg = IndexerConfig::new(t.contracts, t.start);
        cfg.confirmations = args.confirmations;
        cfg.poll_interval = Duration::from_millis(args.poll_ms);
        drop(ix);
        let mut follower = Indexer::open(RpcSource::new(ctx.provider.clone()), &t.db, cfg).await?;
        eprintln!(
            "following new blocks into {} (Ctrl-C to stop)",
            t.db.display()
        );
        follower
            .follow(async { tokio::signal::ctrl_c().await.unwrap_or_default() })
            .await?;
        ix = follower;
    }
    let store = ix.store();
    let counts = store.counts()?;
    let checkpoint = store.checkpoint()?;
    ctx.show(&IndexSummary {
        db: t.db.display().to_string(),
        chain_id: store.chain_id(),
        block: checkpoint.map(|c| c.0),
        block_hash: checkpoint.map(|c| c.1),
        raw_logs: counts.raw_logs,
        roles: counts.roles,
        wearers: counts.wearers,
        entities: counts.entities,
        anomalies: store.fold_meta()?.anomalies,
    });
    Ok(())
}
