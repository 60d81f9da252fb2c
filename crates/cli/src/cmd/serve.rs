//! `daoctl serve` (the HTTP API and dashboard over the index, kept at the head) and
//! `daoctl metrics` (the governance metrics, from the index).
use crate::ctx::{Ctx, Global};
use dao_indexer::{Indexer, IndexerConfig, RpcSource};
use dao_serve::{Shared, Snapshot};
use eyre::{Result, WrapErr};
use std::{net::SocketAddr, time::Duration};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl serve                         # http://127.0.0.1:8787/\n  daoctl serve --listen 0.0.0.0:8080   # reachable from other machines (read-only)\n  curl -s 127.0.0.1:8787/api | jq\n\nRoutes: docs/api.md. Read-only: it never sends a transaction and needs no key."
)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    db: super::db::DbArgs,
    /// Address to listen on (port 0: any free port; the address is printed on stdout).
    #[arg(long, env = "DAOCTL_LISTEN", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// Milliseconds between polls for new blocks.
    #[arg(long, default_value_t = 1000)]
    poll_ms: u64,
    /// Stay this many blocks behind the head (0 on a devnet; a few on a live chain).
    #[arg(long, default_value_t = 0)]
    confirmations: u64,
    /// Seconds between audits of the index (the audit proves every stored log against the node,
    /// so it does not run on every block; the dashboard shows the head it audited).
    #[arg(long, default_value_t = 30)]
    audit_every_s: u64,
}

pub(crate) async fn serve(args: ServeArgs, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = super::db::target(&ctx, &args.db).await?;
    let mut cfg = IndexerConfig::new(t.contracts, t.start);
    cfg.confirmations = args.confirmations;
    cfg.progress = true;
    let mut ix = Indexer::open(RpcSource::new(ctx.provider.clone()), &t.db, cfg)
        .await
        .wrap_err_with(|| format!("opening index {}", t.db.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .wrap_err_with(|| {
            format!(
                "listening on {} (in use? pick another with --listen, e.g. 127.0.0.1:0)",
                args.listen
            )
        })?;
    let addr = listener.local_addr()?;
    let shared = Shared::new(Snapshot::default());
    let server = tokio::spawn(dao_serve::serve(listener, std::sync::Arc::clone(&shared)));
    println!("dashboard: http://{addr}/");
    eprintln!(
        "serving the index {} read-only; following new blocks (Ctrl-C to stop)",
        t.db.display()
    );
    let followed = dao_serve::follow(
        &mut ix,
        &ctx.provider,
        t.start,
        &shared,
        Duration::from_millis(args.poll_ms),
        Duration::from_secs(args.audit_every_s),
        async { tokio::signal::ctrl_c().await.unwrap_or_default() },
    )
    .await;
    server.abort();
    followed.wrap_err("following the chain")
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl metrics\n  daoctl metrics --cell events --json\n  daoctl metrics --window-from 100 --window-to 200 --buckets 4 --json\n\nDefinitions: docs/metrics.md."
)]
pub(crate) struct MetricsArgs {
    #[command(flatten)]
    db: super::db::DbArgs,
    /// A cell (design name or id): its metrics and those of the cells under it [default: the network].
    #[arg(long)]
    cell: Option<String>,
    /// First block of the window [default: the first block with an event].
    #[arg(long)]
    window_from: Option<u64>,
    /// Last block of the window [default: the indexed head].
    #[arg(long)]
    window_to: Option<u64>,
    /// Also split the window in this many consecutive windows (a series).
    #[arg(long, default_value_t = 1)]
    buckets: u64,
}

pub(crate) async fn metrics(args: MetricsArgs, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = super::db::target(&ctx, &args.db).await?;
    let ix = super::db::open_synced(&ctx, &t, 0).await?;
    let snap = dao_serve::snapshot_of(
        ix.state(),
        ix.store().chain_id(),
        ix.store().checkpoint()?.map(|(n, h)| (n, h.to_string())),
    );
    // A design name of the deployment record, else whatever the index knows (an id or a name).
    let cell = args.cell.as_ref().map(|c| {
        ctx.cell(c)
            .map_or_else(|_| c.clone(), |id| format!("{id:#066x}"))
    });
    let report = dao_serve::metrics::report(
        &snap,
        cell.as_deref(),
        args.window_from,
        args.window_to,
        args.buckets,
    )
    .map_err(|e| eyre::eyre!("{e}"))?;
    let v = serde_json::to_value(&report)?;
    ctx.print(&v, || {
        let scope = match &args.cell {
            Some(c) => format!("cell {c} and the cells under it"),
            None => "the network".to_owned(),
        };
        let mut out = format!("metrics of {scope}\n{}", report.metrics.render());
        for m in &report.series {
            out += &format!("\n{}", m.render());
        }
        out
    });
    Ok(())
}
