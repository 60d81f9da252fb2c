//! `daoctl state`: the network tree, from the index (brought to the head first) or with `--live`
//! from the chain; both build the same view (`crate::view::StateView`).
use crate::{
    ctx::{Ctx, Global, decode},
    view::{
        self, BudgetView, DecisionView, ReadArgs, RoleWearers, Source, StateCell, StateDocView,
        StateView, TokenView, indexed,
    },
};
use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolEvent,
};
use dao_bindings::{ICellGovernor, ICellRegistry, ITreasury, RoleId};
use dao_deploy::design::state_key_name;
use dao_indexer::LogQuery;
use eyre::Result;
use std::collections::BTreeMap;

#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  daoctl state\n  daoctl state --json > network.json\n  daoctl state --live"
)]
pub(crate) struct Args {
    /// Budgets in this token (`eth` or an ERC-20 address).
    #[arg(long, default_value = "eth")]
    token: String,
    #[command(flatten)]
    read: ReadArgs,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let token = crate::ctx::parse_token(&args.token).map_err(|e| eyre::eyre!("{e}"))?;
    let root = ctx.cell("dao")?;
    let (safe, cells) = match args.read.open(&ctx).await? {
        Source::Live => live(&ctx, root, token).await?,
        Source::Indexed { ix, now } => {
            let st = ix.store();
            (
                indexed::safe(st, root)?,
                indexed::state_cells(&ctx, st, root, token, now)?,
            )
        }
    };
    // Balances are not events: the Safe's balance is a live read for both sources.
    let meta = ctx.token(token).await?;
    let balance = if safe.is_zero() {
        U256::ZERO
    } else {
        dao_deploy::amount::balance_of(&ctx.provider, token, safe)
            .await
            .map_err(|e| eyre::eyre!("{e}"))?
    };
    ctx.show(&StateView {
        dao: RoleId(root).to_string(),
        safe,
        safe_balance: balance,
        token: TokenView::of(&meta),
        cells,
    });
    Ok(())
}

/// A cell's budget from `Treasury.getBudget` and `isFrozen`.
pub(crate) async fn budget(
    t: &ITreasury::ITreasuryInstance<&alloy::providers::DynProvider>,
    cell: U256,
    token: Address,
) -> Result<BudgetView> {
    let b = t.getBudget(cell, token).call().await?;
    let frozen = t.isFrozen(cell).call().await?;
    Ok(BudgetView {
        amount: b.amount,
        period: b.period,
        active: b.active,
        funded: b.funded,
        received: b.received,
        spent: b.spent,
        sub_allocated: b.subAllocated,
        reserved: b.reserved,
        available: b.available,
        cap: b.cap,
        frozen,
    })
}

/// The Safe and the cells of the tree, read from the chain.
async fn live(ctx: &Ctx, root: U256, token: Address) -> Result<(Address, Vec<StateCell>)> {
    let registry = ctx.contract("CellRegistry")?;
    let roles = ctx.contract("Roles")?;
    let treasury = ctx.contract("Treasury")?;
    let governor = ctx.contract("CellGovernor")?;
    let reg = ICellRegistry::new(registry, &ctx.provider);
    let t = ITreasury::new(treasury, &ctx.provider);
    let gov = ICellGovernor::new(governor, &ctx.provider);
    let cells = super::cell::walk(ctx, registry, root).await?;
    let safe = t.safeOf(root).call().await?;

    // Decisions of this DAO's cells, in chain order and numbered per cell: what a cell's admin recorded
    // in the registry (`DecisionRecorded`) and every proposal its governance executed (the governor's
    // `ProposalExecuted`, whose uri is in the proposal's `ProposalCreated`). Three bounded scans.
    struct Found {
        reference: B256,
        uri: String,
        by: Option<Address>,
    }
    let cell_topics: Vec<B256> = cells.iter().map(|c| B256::from(c.id)).collect();
    let mut found: Vec<((u64, u64, u64), U256, Found)> = Vec::new();
    let query = LogQuery::new([registry])
        .topic(0, [ICellRegistry::DecisionRecorded::SIGNATURE_HASH])
        .topic(1, cell_topics.iter().copied());
    for log in &ctx.logs(&query).await? {
        if let Some(d) = decode::<ICellRegistry::DecisionRecorded>(log) {
            found.push((
                log.position(),
                d.cellId,
                Found {
                    reference: d.r#ref,
                    uri: d.uri,
                    by: Some(d.by),
                },
            ));
        }
    }
    let query = LogQuery::new([governor])
        .topic(0, [ICellGovernor::ProposalExecuted::SIGNATURE_HASH])
        .topic(2, cell_topics.iter().copied());
    let executed: Vec<_> = ctx
        .logs(&query)
        .await?
        .iter()
        .filter_map(|log| {
            decode::<ICellGovernor::ProposalExecuted>(log).map(|e| (log.position(), e))
        })
        .collect();
    if !executed.is_empty() {
        let query = LogQuery::new([governor])
            .topic(0, [ICellGovernor::ProposalCreated::SIGNATURE_HASH])
            .topic(1, executed.iter().map(|(_, e)| B256::from(e.proposalId)));
        let mut uri_of = BTreeMap::new();
        for log in &ctx.logs(&query).await? {
            if let Some(p) = decode::<ICellGovernor::ProposalCreated>(log) {
                uri_of.insert(p.proposalId, p.uri);
            }
        }
        for (at, e) in executed {
            let uri = uri_of.remove(&e.proposalId).unwrap_or_default();
            // `by` is the cell's executor, filled in below.
            found.push((
                at,
                e.cellId,
                Found {
                    reference: B256::from(e.proposalId),
                    uri,
                    by: None,
                },
            ));
        }
    }
    found.sort_by_key(|(at, _, _)| *at);
    let mut decisions: BTreeMap<U256, Vec<Found>> = BTreeMap::new();
    for (_, cell, d) in found {
        decisions.entry(cell).or_default().push(d);
    }

    // The roles of every cell, then their wearers in one scan of the Roles events.
    let mut roles_of = BTreeMap::new();
    for c in &cells {
        roles_of.insert(c.id, super::role::roles_of_cell(ctx, roles, c.id).await?);
    }
    let all_roles: Vec<U256> = roles_of.values().flatten().copied().collect();
    let wearers = super::role::wearers(ctx, roles, &all_roles).await?;

    let mut depth: BTreeMap<U256, usize> = BTreeMap::new();
    let mut nodes = Vec::new();
    for c in &cells {
        let d = if c.parent.is_zero() {
            0
        } else {
            depth.get(&c.parent).copied().unwrap_or(0) + 1
        };
        depth.insert(c.id, d);
        let executor = gov.executorOf(c.id).call().await?;
        let mut docs = Vec::new();
        let mut keys = reg.stateKeys(c.id).call().await?;
        keys.sort();
        for k in keys {
            let doc = reg.stateOf(c.id, k).call().await?;
            docs.push(StateDocView {
                key: state_key_name(k),
                version: doc.version,
                uri: doc.uri,
            });
        }
        nodes.push(StateCell {
            key: ctx.cell_name(c.id),
            id: RoleId(c.id).to_string(),
            name: c.name.clone(),
            depth: d,
            phase: super::cell::phase_name(c.phase).to_owned(),
            scale: super::cell::scale_name(c.scale).to_owned(),
            run_by: view::run_by(&wearers[&c.id], Some(executor), safe),
            roles: roles_of[&c.id]
                .iter()
                .map(|r| RoleWearers {
                    role: RoleId(*r).to_string(),
                    name: ctx.role_name(*r),
                    wearers: wearers[r].clone(),
                })
                .collect(),
            budget: budget(&t, c.id, token).await?,
            state: docs,
            decisions: decisions
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, f)| DecisionView {
                    index: i as u32 + 1,
                    reference: f.reference,
                    uri: f.uri,
                    executed: f.by.is_none(),
                    by: f.by.unwrap_or(executor),
                })
                .collect(),
        });
    }
    Ok((safe, nodes))
}
