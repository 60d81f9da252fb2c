//! `daoctl audit`: prove the index is the chain's (see `dao_indexer::verify`), then replay every
//! treasury movement and check it (see `dao_indexer::audit` for the rules, `docs/audit.md` for
//! all of them); exits non-zero on any discrepancy. The audit itself reads the database
//! read-only: a read-only file is audited as it stands (up to its checkpoint). Amounts print in
//! each token's decimals and symbol and cells by their record key (the report itself keeps base
//! units and ids, so JSON stays exact; each budget line gains its amounts `shown` beside them).
use crate::ctx::{Ctx, Global};
use alloy::primitives::U256;
use dao_deploy::amount::TokenMeta;
use dao_indexer::{
    RpcSource, Store,
    audit::{AuditReport, Severity},
    identity, verify,
};
use eyre::{Result, WrapErr, bail};
use std::collections::BTreeMap;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl audit\n  daoctl audit --json > audit.json\n  daoctl audit --db ./riverside.db\n  daoctl audit --repair"
)]
pub(crate) struct Args {
    #[command(flatten)]
    db: super::db::DbArgs,
    /// Repair the index before auditing: refetch the block ranges whose stored logs are not the
    /// chain's and rewrite the derived tables from a fresh fold of the raw logs.
    #[arg(long)]
    repair: bool,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = super::db::target(&ctx, &args.db).await?;
    let source = RpcSource::new(ctx.provider.clone());
    let read_only = std::fs::metadata(&t.db).is_ok_and(|m| m.permissions().readonly());
    if args.repair {
        if read_only {
            bail!(
                "--repair: {} is read-only; make it writable (or audit a writable copy) to repair it",
                t.db.display()
            );
        }
        drop(super::db::open_synced(&ctx, &t, 0).await?);
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
        drop(super::db::open_synced(&ctx, &t, 0).await?);
    }
    let (store, stored) = Store::open_read_only(&t.db)
        .wrap_err_with(|| format!("opening index {} read-only", t.db.display()))?;
    identity::check(&store, &t.db, &source, &stored, &t.contracts, false).await?;
    let report = dao_indexer::audit(&ctx.provider, &store, t.contracts, t.start).await?;
    let mut metas = BTreeMap::new();
    for b in &report.budgets {
        if let std::collections::btree_map::Entry::Vacant(e) = metas.entry(b.token) {
            e.insert(ctx.token(b.token).await?);
        }
    }
    let mut v = serde_json::to_value(&report)?;
    if let Some(lines) = v["budgets"].as_array_mut() {
        for (line, b) in lines.iter_mut().zip(&report.budgets) {
            let m = &metas[&b.token];
            line["symbol"] = m.symbol.clone().into();
            line["decimals"] = m.decimals.into();
            line["shown"] = serde_json::json!({
                "amount": m.format(b.amount), "spent": m.format(b.spent),
                "sub_allocated": m.format(b.sub_allocated), "received": m.format(b.received),
                "reserved": m.format(b.reserved),
            });
        }
    }
    ctx.print(&v, || render(&ctx, &report, &metas));
    if !report.is_clean() {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        bail!("audit failed: {n} discrepancies (listed above)");
    }
    Ok(())
}

/// The report for people: `dao_indexer`'s, with amounts in each token's decimals and symbol and
/// cells by their record key.
fn render(
    ctx: &Ctx,
    r: &AuditReport,
    metas: &BTreeMap<alloy::primitives::Address, TokenMeta>,
) -> String {
    let eth = TokenMeta::eth();
    let meta = |t: alloy::primitives::Address| metas.get(&t).unwrap_or(&eth);
    r.render_with(
        &|t| meta(t).symbol.clone(),
        &|t, v| meta(t).format(v),
        &|id| match id.parse::<U256>() {
            Ok(id) => ctx.cell_name(id),
            Err(_) => id.to_owned(),
        },
    )
}
