//! `daoctl audit`: index to the head, replay every treasury movement and check it (see
//! `dao_indexer::audit` for the rules); exits non-zero on any discrepancy.
use crate::ctx::{Ctx, Global};
use eyre::{Result, bail};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl audit\n  daoctl audit --json > audit.json\n  daoctl audit --db ./riverside.db"
)]
pub(crate) struct Args {
    #[command(flatten)]
    db: super::db::DbArgs,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = super::db::target(&ctx, &args.db).await?;
    let ix = super::db::open_synced(&ctx, &t, 0).await?;
    let report = dao_indexer::audit(&ctx.provider, ix.store(), t.contracts, t.start).await?;
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
