//! `daoctl index` (build or update the SQLite index of the deployment's events) and
//! `daoctl state --indexed` (the `daoctl state` tree, from that index).
use crate::ctx::{Ctx, Global};
use alloy::{
    primitives::{Address, B256, U256},
    providers::DynProvider,
};
use dao_bindings::{ITreasury, RoleId};
use dao_deploy::design::state_key_name;
use dao_indexer::{Contracts, Indexer, IndexerConfig, RpcSource, State};
use eyre::{Result, WrapErr};
use serde_json::{Value, json};
use std::{path::PathBuf, time::Duration};

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

/// Where the index lives and where it starts.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DbArgs {
    /// SQLite file [default: <deployments>/<chain-id>/<dao>.index.db, ./dao-index.db without a record].
    #[arg(long, env = "DAOCTL_INDEX_DB")]
    pub(crate) db: Option<PathBuf>,
    /// First block to read [default: the first block of the deployment record].
    #[arg(long)]
    pub(crate) from_block: Option<u64>,
}

/// The deployment's contracts, first block and database file.
pub(crate) struct Target {
    pub(crate) contracts: Contracts,
    pub(crate) start: u64,
    pub(crate) db: PathBuf,
}

pub(crate) async fn target(ctx: &Ctx, a: &DbArgs) -> Result<Target> {
    let record = ctx.record()?;
    let treasury = record.address("Treasury");
    // The task board and RoleStreams are created by the Treasury: it knows their addresses.
    let (task_board, streams) = match treasury {
        Some(t) => {
            let t = ITreasury::new(t, &ctx.provider);
            let board = t
                .taskBoard()
                .call()
                .await
                .wrap_err("reading Treasury.taskBoard")?;
            let streams = t
                .streams()
                .call()
                .await
                .wrap_err("reading Treasury.streams")?;
            (Some(board), (!streams.is_zero()).then_some(streams))
        }
        None => (None, None),
    };
    let contracts = Contracts {
        roles: record.address("Roles"),
        registry: record.address("CellRegistry"),
        governor: record.address("CellGovernor"),
        treasury,
        task_board,
        streams,
    };
    let first_block = ctx.first_block()?;
    let db = a.db.clone().unwrap_or_else(|| {
        let dir = ctx.global.deployments.join(ctx.chain_id.to_string());
        if dir.is_dir() {
            dir.join(format!("{}.index.db", record.dao))
        } else {
            PathBuf::from("dao-index.db")
        }
    });
    Ok(Target {
        contracts,
        start: a.from_block.unwrap_or(first_block),
        db,
    })
}

/// Opens the index and brings it to the head (with a progress bar on stderr).
pub(crate) async fn open_synced(
    ctx: &Ctx,
    t: &Target,
    confirmations: u64,
) -> Result<Indexer<RpcSource<DynProvider>>> {
    let mut cfg = IndexerConfig::new(t.contracts, t.start);
    cfg.confirmations = confirmations;
    cfg.progress = true;
    let mut ix = Indexer::open(RpcSource::new(ctx.provider.clone()), &t.db, cfg)
        .await
        .wrap_err_with(|| format!("opening index {}", t.db.display()))?;
    let r = ix.sync().await.wrap_err("indexing")?;
    tracing::info!(head = ?r.head, logs = r.logs, reorgs = r.reorgs, db = %t.db.display(), "indexed");
    Ok(ix)
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
        "entities": s.entities.len(),
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

fn id_of(v: &Value) -> U256 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or_default()
}

fn num(v: &Value) -> U256 {
    match v {
        Value::String(s) => s.parse().unwrap_or_default(),
        Value::Number(n) => U256::from(n.as_u64().unwrap_or_default()),
        _ => U256::ZERO,
    }
}

/// `daoctl state --indexed`: the same JSON tree as the live `daoctl state`, built from the index
/// (brought to the head first). Wearers are the grants events record (not revoked, not pushed
/// out of good standing); budgets show the usage of the period of their last event.
pub(crate) async fn state_indexed(token: Address, db: &DbArgs, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let t = target(&ctx, db).await?;
    let ix = open_synced(&ctx, &t, 0).await?;
    let s = ix.state();
    let root = ctx.cell("dao")?;
    let hex = |v: U256| format!("{v:#066x}");
    let cell_doc = |id: U256| s.entities.get(&("cell", hex(id)));
    let children = |id: U256| -> Vec<U256> {
        let mut c: Vec<U256> = s
            .entities
            .iter()
            .filter(|((k, _), d)| *k == "cell" && id_of(&d["parentCellId"]) == id)
            .map(|((_, i), _)| i.parse().unwrap_or_default())
            .collect();
        c.sort();
        c
    };
    let safe: Address = s
        .entities
        .get(&("safe", hex(root)))
        .and_then(|d| d["safe"].as_str()?.parse().ok())
        .unwrap_or_default();
    let mut order = Vec::new();
    let mut stack = vec![root];
    while let Some(id) = stack.pop() {
        order.push(id);
        let mut c = children(id);
        c.reverse();
        stack.extend(c);
    }
    let mut depth = std::collections::BTreeMap::new();
    let mut nodes = Vec::new();
    for id in order {
        let Some(doc) = cell_doc(id) else { continue };
        let parent = id_of(&doc["parentCellId"]);
        let d = if parent.is_zero() {
            0
        } else {
            depth.get(&parent).copied().unwrap_or(0) + 1
        };
        depth.insert(id, d);
        let wearers = |role: U256| -> Vec<Address> {
            s.wearers_of(role)
                .map(|w| w.wearer)
                .filter(|w| !s.bad_standing.contains_key(&(role, *w)))
                .collect()
        };
        let executor: Option<Address> = s
            .entities
            .get(&("executor", hex(id)))
            .and_then(|d| d["executor"].as_str()?.parse().ok());
        let admins = wearers(id);
        let run_by = if executor.is_some_and(|e| admins.contains(&e)) {
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
        let mut role_ids = vec![id];
        role_ids.extend(
            s.roles
                .values()
                .filter(|r| r.admin_id == id && r.role_id != id)
                .map(|r| r.role_id),
        );
        let roles: Vec<Value> = role_ids
            .iter()
            .map(|r| {
                let w: Vec<String> = wearers(*r).iter().map(|a| a.to_checksum(None)).collect();
                json!({"role": RoleId(*r).to_string(), "name": ctx.role_name(*r), "wearers": w})
            })
            .collect();
        let budget = match s
            .entities
            .get(&("budget", format!("{}/{}", hex(id), token.to_checksum(None))))
        {
            Some(b) => {
                let (amount, funded) = (num(&b["amount"]), b["funded"].as_bool().unwrap_or(false));
                let cur = &b["current"];
                let (spent, sub, received) = (
                    num(&cur["spent"]),
                    num(&cur["subAllocated"]),
                    num(&cur["received"]),
                );
                let reserved = num(&b["bountiesReserved"]);
                let cap = if funded { received.min(amount) } else { amount };
                let frozen = s
                    .entities
                    .get(&("treasury_cell", hex(id)))
                    .and_then(|d| d["frozen"].as_bool())
                    .unwrap_or(false);
                json!({
                    "amount": amount.to_string(), "period": num(&b["period"]).to_string(), "active": true, "funded": funded,
                    "received": received.to_string(), "spent": spent.to_string(), "sub_allocated": sub.to_string(),
                    "reserved": reserved.to_string(), "available": cap.saturating_sub(spent + sub + reserved).to_string(),
                    "cap": cap.to_string(), "frozen": frozen,
                })
            }
            None => json!({
                "amount": "0", "period": "0", "active": false, "funded": false, "received": "0", "spent": "0",
                "sub_allocated": "0", "reserved": "0", "available": "0", "cap": "0", "frozen": false,
            }),
        };
        let prefix = format!("{}/", hex(id));
        let docs: Vec<Value> = s
            .entities
            .iter()
            .filter(|((k, i), _)| *k == "state_doc" && i.starts_with(&prefix))
            .map(|(_, d)| {
                let key: B256 = d["key"]
                    .as_str()
                    .and_then(|k| k.parse().ok())
                    .unwrap_or_default();
                json!({"key": state_key_name(key), "version": d["version"], "uri": d["uri"]})
            })
            .collect();
        let mut decisions: Vec<(u64, Value)> = s
            .entities
            .iter()
            .filter(|((k, i), _)| *k == "decision" && i.starts_with(&prefix))
            .map(|(_, d)| {
                (
                    d["index"].as_u64().unwrap_or(0),
                    json!({"index": d["index"], "ref": d["ref"], "uri": d["uri"], "by": d["by"]}),
                )
            })
            .collect();
        decisions.sort_by_key(|(i, _)| *i);
        nodes.push(json!({
            "key": ctx.cell_name(id), "id": RoleId(id).to_string(), "name": doc["name"], "depth": d,
            "phase": super::cell::phase_name(doc["phase"].as_u64().unwrap_or(99) as u8),
            "scale": super::cell::scale_name(doc["scale"].as_u64().unwrap_or(99) as u8), "run_by": run_by,
            "roles": roles, "budget": budget, "state": docs,
            "decisions": decisions.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
        }));
    }
    // Balances are not events: the Safe's balance is the one live read.
    let (balance, token) = super::state::safe_balance(&ctx, token, safe).await?;
    let v = json!({"dao": RoleId(root).to_string(), "safe": safe.to_checksum(None), "safe_balance": balance.to_string(), "token": token, "cells": nodes});
    let _: &State = s;
    ctx.print(&v, || super::state::render(&v));
    Ok(())
}
