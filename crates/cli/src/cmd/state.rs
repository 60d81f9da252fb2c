//! `daoctl state`: the network tree read live from the chain, or with `--indexed` from the index;
//! both print the same view (`super::view`).
use super::{
    db::{DbArgs, open_synced, target},
    view,
};
use crate::ctx::{Ctx, Global, decode};
use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolEvent,
};
use dao_bindings::{ICellGovernor, ICellRegistry, ITreasury, RoleId};
use dao_deploy::design::state_key_name;
use dao_indexer::LogQuery;
use eyre::Result;
use serde_json::json;
use std::collections::BTreeMap;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  daoctl state\n  daoctl state --json > network.json")]
pub(crate) struct Args {
    /// Budgets in this token (`eth` or an ERC-20 address).
    #[arg(long, default_value = "eth")]
    token: String,
    /// Read the tree from the indexer's SQLite database (brought to the head first).
    #[arg(long)]
    indexed: bool,
    #[command(flatten)]
    index: DbArgs,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let token = crate::ctx::parse_token(&args.token).map_err(|e| eyre::eyre!("{e}"))?;
    if args.indexed {
        return state_indexed(&ctx, token, &args.index).await;
    }
    let registry = ctx.contract("CellRegistry")?;
    let roles = ctx.contract("Roles")?;
    let treasury = ctx.contract("Treasury")?;
    let governor = ctx.contract("CellGovernor")?;
    let reg = ICellRegistry::new(registry, &ctx.provider);
    let t = ITreasury::new(treasury, &ctx.provider);
    let gov = ICellGovernor::new(governor, &ctx.provider);
    let root = ctx.cell("dao")?;
    let cells = super::cell::walk(&ctx, registry, root).await?;
    let safe = t.safeOf(root).call().await?;

    // Decisions of this DAO's cells, in chain order and numbered per cell: what a cell's admin recorded
    // in the registry (`DecisionRecorded`) and every proposal its governance executed (the governor's
    // `ProposalExecuted`, whose uri is in the proposal's `ProposalCreated`). Three bounded scans.
    let cell_topics: Vec<B256> = cells.iter().map(|c| B256::from(c.id)).collect();
    let mut found: Vec<((u64, u64, u64), U256, serde_json::Value)> = Vec::new();
    let query = LogQuery::new([registry])
        .topic(0, [ICellRegistry::DecisionRecorded::SIGNATURE_HASH])
        .topic(1, cell_topics.iter().copied());
    for log in &ctx.logs(&query).await? {
        if let Some(d) = decode::<ICellRegistry::DecisionRecorded>(log) {
            found.push((
                log.position(),
                d.cellId,
                json!({"ref": d.r#ref, "uri": d.uri, "by": d.by.to_checksum(None)}),
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
                json!({"ref": B256::from(e.proposalId), "uri": uri, "executed": true}),
            ));
        }
    }
    found.sort_by_key(|(at, _, _)| *at);
    let mut decisions: BTreeMap<U256, Vec<serde_json::Value>> = BTreeMap::new();
    for (_, cell, mut d) in found {
        let list = decisions.entry(cell).or_default();
        d["index"] = (list.len() + 1).into();
        list.push(d);
    }

    // The roles of every cell, then their wearers in one scan of the Roles events.
    let mut roles_of = BTreeMap::new();
    for c in &cells {
        roles_of.insert(c.id, super::role::roles_of_cell(&ctx, roles, c.id).await?);
    }
    let all_roles: Vec<U256> = roles_of.values().flatten().copied().collect();
    let wearers = super::role::wearers(&ctx, roles, &all_roles).await?;

    let mut depth: BTreeMap<U256, usize> = BTreeMap::new();
    let mut nodes = Vec::new();
    for c in &cells {
        let d = if c.parent.is_zero() {
            0
        } else {
            depth.get(&c.parent).copied().unwrap_or(0) + 1
        };
        depth.insert(c.id, d);
        let role_ids = &roles_of[&c.id];
        let executor = gov.executorOf(c.id).call().await?;
        let run_by = view::run_by(&wearers[&c.id], Some(executor), safe);
        let mut role_rows = Vec::new();
        for r in role_ids {
            role_rows.push(json!({"role": RoleId(*r).to_string(), "name": ctx.role_name(*r), "wearers": wearers[r].iter().map(|a| a.to_checksum(None)).collect::<Vec<_>>()}));
        }
        let budget = super::treasury::budget_json(&t, c.id, token).await?;
        let mut docs = Vec::new();
        for k in reg.stateKeys(c.id).call().await? {
            let doc = reg.stateOf(c.id, k).call().await?;
            docs.push(json!({"key": state_key_name(k), "version": doc.version, "uri": doc.uri}));
        }
        nodes.push(json!({
            "key": ctx.cell_name(c.id), "id": RoleId(c.id).to_string(), "name": c.name, "depth": d,
            "phase": super::cell::phase_name(c.phase), "scale": super::cell::scale_name(c.scale), "run_by": run_by,
            "roles": role_rows, "budget": budget, "state": docs,
            "decisions": decisions.remove(&c.id).unwrap_or_default().into_iter().map(|mut d| {
                if d.get("executed").is_some() {
                    d["by"] = executor.to_checksum(None).into();
                }
                d
            }).collect::<Vec<_>>(),
        }));
    }
    let (balance, token) = view::safe_balance(&ctx, token, safe).await?;
    let v = json!({"dao": RoleId(root).to_string(), "safe": safe.to_checksum(None), "safe_balance": balance.to_string(), "token": token, "cells": nodes});
    ctx.print(&v, || view::render(&v));
    Ok(())
}

/// `daoctl state --indexed`: the same JSON tree as the live `daoctl state`, built from the index
/// (brought to the head first). Wearers are the grants events record (not revoked, not pushed
/// out of good standing); budgets show the usage of their current period (the latest an event
/// named), from the shared ledger.
async fn state_indexed(ctx: &Ctx, token: Address, db: &DbArgs) -> Result<()> {
    let t = target(ctx, db).await?;
    let ix = open_synced(ctx, &t, 0).await?;
    let s = ix.state();
    let d = &s.domain;
    let root = ctx.cell("dao")?;
    let safe = d.safes.get(&root).map(|l| l.safe).unwrap_or_default();
    let mut order = Vec::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        order.push(id);
        let mut c: Vec<U256> = d.children_of(id).map(|c| c.id).collect();
        c.sort();
        c.reverse();
        stack.extend(c);
    }
    let mut depth = BTreeMap::new();
    let mut nodes = Vec::new();
    for id in order {
        let Some(cell) = d.cells.get(&id) else {
            continue;
        };
        let dep = if cell.parent.is_zero() {
            0
        } else {
            depth.get(&cell.parent).copied().unwrap_or(0) + 1
        };
        depth.insert(id, dep);
        let wearers = |role: U256| -> Vec<Address> {
            s.wearers_of(role)
                .map(|w| w.wearer)
                .filter(|w| !s.bad_standing.contains_key(&(role, *w)))
                .collect()
        };
        let executor = d.executors.get(&id).map(|e| e.executor);
        let admins = wearers(id);
        let run_by = view::run_by(&admins, executor, safe);
        let mut role_ids = vec![id];
        role_ids.extend(
            s.roles
                .values()
                .filter(|r| r.admin_id == id && r.role_id != id)
                .map(|r| r.role_id),
        );
        let roles: Vec<serde_json::Value> = role_ids
            .iter()
            .map(|r| {
                let w: Vec<String> = wearers(*r).iter().map(|a| a.to_checksum(None)).collect();
                json!({"role": RoleId(*r).to_string(), "name": ctx.role_name(*r), "wearers": w})
            })
            .collect();
        let frozen = d.treasury_cells.get(&id).is_some_and(|c| c.frozen);
        let budget = view::budget_json(d.budgets.get(&(id, token)).map(|b| &b.ledger), frozen);
        let docs: Vec<serde_json::Value> = d
            .state_docs_of(id)
            .filter_map(|doc| {
                let v = doc.current()?;
                Some(json!({"key": state_key_name(doc.key), "version": v.version, "uri": v.uri}))
            })
            .collect();
        let decisions: Vec<serde_json::Value> = d
            .decisions
            .range((id, 0)..=(id, u32::MAX))
            .map(|(_, x)| {
                let mut v = json!({"index": x.index, "ref": x.reference, "uri": x.uri, "by": x.by.to_checksum(None)});
                if x.executed {
                    v["executed"] = true.into();
                }
                v
            })
            .collect();
        nodes.push(json!({
            "key": ctx.cell_name(id), "id": RoleId(id).to_string(), "name": cell.name, "depth": dep,
            "phase": super::cell::phase_name(cell.phase), "scale": super::cell::scale_name(cell.scale), "run_by": run_by,
            "roles": roles, "budget": budget, "state": docs, "decisions": decisions,
        }));
    }
    // Balances are not events: the Safe's balance is the one live read.
    let (balance, token) = view::safe_balance(ctx, token, safe).await?;
    let v = json!({"dao": RoleId(root).to_string(), "safe": safe.to_checksum(None), "safe_balance": balance.to_string(), "token": token, "cells": nodes});
    ctx.print(&v, || view::render(&v));
    Ok(())
}
