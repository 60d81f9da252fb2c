//! `daoctl audit`: index to the head, replay every treasury movement and check it (see
//! `dao_indexer::audit` for the rules); exits non-zero on any discrepancy. Amounts print in each
//! token's decimals and symbol and cells by their record key (the report itself keeps base units
//! and ids, so JSON stays exact; each budget line gains its amounts `shown` beside them).
use crate::ctx::{Ctx, Global};
use alloy::primitives::U256;
use dao_deploy::amount::TokenMeta;
use dao_indexer::audit::{AuditReport, Severity};
use eyre::{Result, bail};
use std::{collections::BTreeMap, fmt::Write as _};

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl audit\n  daoctl audit --json > audit.json\n  daoctl audit --db ./riverside.db"
)]
pub(crate) struct Args {
    #[command(flatten)]
    db: super::index::DbArgs,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = super::index::target(&ctx, &args.db).await?;
    let ix = super::index::open_synced(&ctx, &t, 0).await?;
    let report = dao_indexer::audit(&ctx.provider, ix.store(), t.contracts, t.start).await?;
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

/// The report for people: `dao_indexer`'s lines with amounts in tokens and cells by name.
fn render(
    ctx: &Ctx,
    r: &AuditReport,
    metas: &BTreeMap<alloy::primitives::Address, TokenMeta>,
) -> String {
    let mut o = String::new();
    let c = &r.checked;
    let _ = writeln!(
        o,
        "audit of chain {} from block {} to {}",
        r.chain_id, r.from_block, r.head
    );
    let _ = writeln!(
        o,
        "replayed: {} budget settings, {} spends, {} sub-allocations, {} clawbacks, {} bounty movements, {} Safe owner transactions",
        c.budgets_set, c.spends, c.sub_allocations, c.clawbacks, c.bounties, c.safe_transactions
    );
    let _ = writeln!(o, "\nbudgets (current period, re-derived):");
    let cell = |id: &str| match id.parse::<U256>() {
        Ok(id) => ctx.cell_name(id),
        Err(_) => id.to_owned(),
    };
    for b in &r.budgets {
        let m = &metas[&b.token];
        let _ = writeln!(
            o,
            "  cell {} {}: amount {} spent {} sub-allocated {} received {} reserved {} [{}]",
            cell(&b.cell),
            m.symbol,
            m.format(b.amount),
            m.format(b.spent),
            m.format(b.sub_allocated),
            m.format(b.received),
            m.format(b.reserved),
            if b.matches_head {
                "matches chain"
            } else {
                "DIFFERS FROM CHAIN"
            }
        );
    }
    let eth = TokenMeta::eth();
    let _ = writeln!(o, "\nsafes:");
    for s in &r.safes {
        let _ = writeln!(
            o,
            "  {} (dao {}): ETH balance {} = in {} - module {} - unexplained {}",
            s.safe,
            cell(&s.dao),
            eth.format(s.eth_balance),
            eth.format(s.eth_in),
            eth.format(s.eth_out_by_module),
            eth.format(s.eth_out_unexplained)
        );
    }
    if r.findings.is_empty() {
        let _ = writeln!(
            o,
            "\nno discrepancy: every movement is authorised, within its budget, and the chain agrees."
        );
    } else {
        let _ = writeln!(o, "\nfindings (amounts in base units):");
        for f in &r.findings {
            let at = f.at.map_or_else(String::new, |a| format!(" at {a}"));
            let sev = match f.severity {
                Severity::Error => "ERROR",
                Severity::Warning => "warning",
            };
            let _ = writeln!(o, "  {sev} [{}] {}{at}: {}", f.rule, f.event, f.detail);
        }
    }
    o
}
