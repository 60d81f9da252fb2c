//! `daoctl audit`: prove the index is the chain's (see `dao_indexer::verify`), then replay every
//! treasury movement and check it (see `dao_indexer::audit` for the rules, `docs/audit.md` for
//! all of them); exits non-zero on any discrepancy. The audit itself reads the database
//! read-only: a read-only file is audited as it stands (up to its checkpoint).
use crate::ctx::{Ctx, Global};
use dao_indexer::{RpcSource, Store, identity, verify};
use eyre::{Result, WrapErr, bail};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl audit\n  daoctl audit --json > audit.json\n  daoctl audit --db ./riverside.db\n  daoctl audit --repair"
)]
pub(crate) struct Args {
    #[command(flatten)]
    db: super::index::DbArgs,
    /// Repair the index before auditing: refetch the block ranges whose stored logs are not the
    /// chain's and rewrite the derived tables from a fresh fold of the raw logs.
    #[arg(long)]
    repair: bool,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = super::index::target(&ctx, &args.db).await?;
    let source = RpcSource::new(ctx.provider.clone());
    let read_only = std::fs::metadata(&t.db).is_ok_and(|m| m.permissions().readonly());
    if args.repair {
        if read_only {
            bail!(
                "--repair: {} is read-only; make it writable (or audit a writable copy) to repair it",
                t.db.display()
            );
        }
        drop(super::index::open_synced(&ctx, &t, 0).await?);
        let mut store = Store::open(&t.db, ctx.chain_id, &t.contracts)
            .wrap_err_with(|| format!("opening index {}", t.db.display()))?;
        let r = verify::repair(&source, &mut store, t.contracts, t.start)
            .await
            .wrap_err("repairing the index")?;
        for b in &r.ranges {
            eprintln!("repaired: raw logs of {b} refetched from the chain");
        }
        if r.ranges.is_empty() && r.rows_rewritten == 0 {
            eprintln!("repair: nothing to repair, the index is the chain's");
        } else {
            eprintln!(
                "repair: {} logs removed, {} written, derived tables rewritten ({} rows differed)",
                r.logs_removed, r.logs_written, r.rows_rewritten
            );
        }
    } else if read_only {
        tracing::info!(db = %t.db.display(), "read-only database: auditing it as indexed");
    } else {
        drop(super::index::open_synced(&ctx, &t, 0).await?);
    }
    let (store, stored) = Store::open_read_only(&t.db)
        .wrap_err_with(|| format!("opening index {} read-only", t.db.display()))?;
    identity::check(&store, &t.db, &source, &stored, &t.contracts, false).await?;
    let report = dao_indexer::audit(&ctx.provider, &store, t.contracts, t.start).await?;
    let v = serde_json::to_value(&report)?;
    ctx.print(&v, || report.render());
    if !report.is_clean() {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity == dao_indexer::audit::Severity::Error)
            .count();
        bail!("audit failed: {n} discrepancies (listed above)");
    }
    Ok(())
}
