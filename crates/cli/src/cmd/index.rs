//! `daoctl index`: build or update the SQLite index of the deployment's events.
use super::db::{DbArgs, open_synced, target};
use crate::ctx::{Ctx, Global};
use dao_indexer::{Indexer, IndexerConfig, RpcSource};
use eyre::Result;
use serde_json::json;
use std::time::Duration;

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
    let s = ix.state();
    let cp = ix.store().checkpoint()?;
    let v = json!({
        "db": t.db.display().to_string(),
        "chain_id": ix.store().chain_id(),
        "block": cp.map(|c| c.0),
        "block_hash": cp.map(|c| c.1),
        "raw_logs": ix.store().raw_log_count()?,
        "roles": s.roles.len(),
        "wearers": s.wearers.len(),
        "entities": s.domain.len(),
        "anomalies": s.anomalies,
    });
    ctx.print(&v, || {
        format!(
            "indexed up to block {} into {}: {} logs, {} roles, {} wearers, {} other entities{}\n",
            cp.map_or("-".into(), |c| c.0.to_string()),
            t.db.display(),
            v["raw_logs"],
            v["roles"],
            v["wearers"],
            v["entities"],
            if s.anomalies.is_empty() {
                String::new()
            } else {
                format!(", {} anomalies (see --json)", s.anomalies.len())
            }
        )
    });
    Ok(())
}
