//! `daoctl state`: the network tree read live from the chain.
use crate::ctx::{Ctx, Global, decode};
use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolEvent,
};
use dao_bindings::{ICellGovernor, ICellRegistry, ITreasury, RoleId};
use dao_deploy::amount::TokenMeta;
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
    index: super::index::DbArgs,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let token = crate::ctx::parse_token(&args.token).map_err(|e| eyre::eyre!("{e}"))?;
    if args.indexed {
        return super::index::state_indexed(token, &args.index, global).await;
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
                json!({"ref": d.r#ref, "uri": d.uri, "by": d.by}),
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
        let admins = &wearers[&c.id];
        let run_by = if admins.contains(&executor) {
            "vote-run (its executor wears the admin role)".to_owned()
        } else if admins.contains(&safe) && !safe.is_zero() {
            format!("community governance (Safe {safe})")
        } else {
            format!(
                "run by {}",
                admins
                    .iter()
                    .map(Address::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
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
    let (balance, token) = safe_balance(&ctx, token, safe).await?;
    let v = json!({"dao": RoleId(root).to_string(), "safe": safe.to_checksum(None), "safe_balance": balance.to_string(), "token": token, "cells": nodes});
    ctx.print(&v, || render(&v));
    Ok(())
}

/// The Safe's balance of `token` (a live read: balances are not events) and the token as JSON
/// (`address`, `symbol`, `decimals`: how the state's amounts print). Shared by the live and the
/// indexed state.
pub(crate) async fn safe_balance(
    ctx: &Ctx,
    token: Address,
    safe: Address,
) -> Result<(U256, serde_json::Value)> {
    let meta = ctx.token(token).await?;
    let balance = if safe.is_zero() {
        U256::ZERO
    } else {
        dao_deploy::amount::balance_of(&ctx.provider, token, safe)
            .await
            .map_err(|e| eyre::eyre!("{e}"))?
    };
    let json = serde_json::json!({
        "address": meta.address.to_checksum(None), "symbol": meta.symbol, "decimals": meta.decimals,
    });
    Ok((balance, json))
}

/// Base units of the state's token (`v["token"]`), with its decimals and symbol.
fn amount(state: &serde_json::Value, v: &serde_json::Value) -> String {
    let t = &state["token"];
    let meta = TokenMeta {
        address: t["address"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .unwrap_or_default(),
        symbol: t["symbol"].as_str().unwrap_or("ETH").to_owned(),
        decimals: t["decimals"]
            .as_u64()
            .and_then(|d| u8::try_from(d).ok())
            .unwrap_or(18),
    };
    v.as_str()
        .and_then(|s| s.parse::<U256>().ok())
        .map(|units| meta.format(units))
        .unwrap_or_default()
}

fn short(a: &str) -> String {
    if a.len() > 12 {
        format!("{}…{}", &a[..6], &a[a.len() - 4..])
    } else {
        a.to_owned()
    }
}

pub(crate) fn render(v: &serde_json::Value) -> String {
    let mut s = format!(
        "DAO {}  Safe {}  balance {}\n",
        v["dao"].as_str().unwrap_or(""),
        v["safe"].as_str().unwrap_or(""),
        amount(v, &v["safe_balance"])
    );
    for c in v["cells"].as_array().into_iter().flatten() {
        let pad = "   ".repeat(c["depth"].as_u64().unwrap_or(0) as usize);
        s += &format!(
            "{pad}■ {} [{}] {}  phase {}  scale {}\n",
            c["name"].as_str().unwrap_or(""),
            c["key"].as_str().unwrap_or(""),
            c["id"].as_str().unwrap_or(""),
            c["phase"].as_str().unwrap_or(""),
            c["scale"].as_str().unwrap_or("")
        );
        s += &format!("{pad}  {}\n", c["run_by"].as_str().unwrap_or(""));
        for r in c["roles"].as_array().into_iter().flatten().skip(1) {
            let w: Vec<String> = r["wearers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str())
                .map(short)
                .collect();
            s += &format!(
                "{pad}  role {:<7} {:<22} {}\n",
                r["role"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or(""),
                if w.is_empty() {
                    "-".to_owned()
                } else {
                    w.join(" ")
                }
            );
        }
        let b = &c["budget"];
        if b["active"].as_bool() == Some(true) || b["amount"].as_str() != Some("0") {
            s += &format!(
                "{pad}  budget ceiling {}  received {}  spent {}  handed down {}  reserved {}  available {}{}\n",
                amount(v, &b["amount"]),
                amount(v, &b["received"]),
                amount(v, &b["spent"]),
                amount(v, &b["sub_allocated"]),
                amount(v, &b["reserved"]),
                amount(v, &b["available"]),
                if b["frozen"].as_bool() == Some(true) {
                    "  FROZEN"
                } else {
                    ""
                }
            );
        }
        for d in c["state"].as_array().into_iter().flatten() {
            s += &format!(
                "{pad}  state {} v{}: {}\n",
                d["key"].as_str().unwrap_or(""),
                d["version"],
                d["uri"].as_str().unwrap_or("")
            );
        }
        for d in c["decisions"].as_array().into_iter().flatten() {
            s += &format!(
                "{pad}  decision #{}: {}\n",
                d["index"],
                d["uri"].as_str().unwrap_or("")
            );
        }
    }
    s
}
