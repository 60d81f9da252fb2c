//! `daoctl task ...`: tasks with bounties reserved in the cell's budget.
use crate::ctx::{Ctx, Global, parse_token};
use alloy::{
    primitives::{U256, keccak256},
    providers::Provider,
    sol_types::SolCall,
};
use clap::Subcommand;
use dao_bindings::{ITaskBoard, ITreasury};
use eyre::{Result, eyre};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Create a task and reserve its bounty (the cell's admin).
    #[command(
        after_help = "Example:\n  daoctl task create --cell events --spec-uri ipfs://bafy-poster --bounty 0.2ether --role events.contributor --dev-account 4"
    )]
    Create {
        #[arg(long)]
        cell: String,
        #[arg(long)]
        spec_uri: String,
        /// Amount of --token: `0.2` (whole tokens), `0.2HUSD`, `200000units`; for ETH also `0.2ether`.
        #[arg(long)]
        bounty: String,
        #[arg(long, default_value = "eth")]
        token: String,
        /// Only wearers of this role may claim.
        #[arg(long)]
        role: Option<String>,
        /// Days until the deadline (none when omitted).
        #[arg(long)]
        deadline_days: Option<u64>,
    },
    /// Tasks (of one cell with --cell).
    List {
        #[arg(long)]
        cell: Option<String>,
    },
    Show {
        id: U256,
    },
    /// Take an open task.
    Claim {
        id: U256,
    },
    /// Hand in the deliverable (the claimant).
    Submit {
        id: U256,
        uri: String,
    },
    /// Accept the deliverable and pay the bounty (the cell's admin).
    Approve {
        id: U256,
    },
    /// Send the deliverable back (the cell's admin).
    Reject {
        id: U256,
        #[arg(long)]
        reason: String,
    },
    /// Cancel and release the reservation (the cell's admin).
    Cancel {
        id: U256,
    },
}

/// A task's status as `daoctl` prints it: `ITaskBoard.Status`'s variant name (from the
/// interface's source, not a copy), lowercase.
fn status_name(status: dao_bindings::interfaces::ITaskBoard::Status) -> String {
    format!("{status:?}").to_ascii_lowercase()
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let treasury = ctx.contract("Treasury")?;
    let board = match ctx.record()?.address("TaskBoard") {
        Some(a) => a,
        None => {
            ITreasury::new(treasury, &ctx.provider)
                .taskBoard()
                .call()
                .await?
        }
    };
    let tb = ITaskBoard::new(board, &ctx.provider);
    match cmd {
        Cmd::Create {
            cell,
            spec_uri,
            bounty,
            token,
            role,
            deadline_days,
        } => {
            let now = ctx
                .provider
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                .await?
                .map(|b| b.header.timestamp)
                .unwrap_or(0);
            let token = parse_token(&token).map_err(|e| eyre!("{e}"))?;
            let bounty = ctx
                .amount(token, &bounty)
                .await
                .map_err(|e| eyre!("--bounty: {e}"))?;
            let call = ITaskBoard::createTaskCall {
                cellId: ctx.cell(&cell)?,
                specURI: spec_uri.clone(),
                specHash: keccak256(spec_uri.as_bytes()),
                token,
                bounty,
                requiredRole: match &role {
                    Some(r) => ctx.role(r)?,
                    None => U256::ZERO,
                },
                deadline: deadline_days.map(|d| now + d * 86_400).unwrap_or(0),
            };
            let receipt = ctx
                .call(
                    &format!(
                        "create task in {cell} ({})",
                        ctx.fmt_amount(token, bounty).await?
                    ),
                    board,
                    call.abi_encode(),
                )
                .await?;
            let log = receipt
                .decoded_log::<ITaskBoard::TaskCreated>()
                .ok_or_else(|| eyre!("no TaskCreated"))?;
            ctx.print(&json!({"task": log.taskId.to_string()}), || {
                format!("{}\n", log.taskId)
            });
        }
        Cmd::List { cell } => {
            let filter_cell = match &cell {
                Some(c) => Some(ctx.cell(c)?),
                None => None,
            };
            let count = tb.taskCount().call().await?;
            let mut rows = Vec::new();
            let mut i = U256::from(1u64);
            while i <= count {
                let t = tb.getTask(i).call().await?;
                if filter_cell.is_none_or(|c| c == t.cellId) {
                    let status = tb.statusOf(i).call().await?;
                    let shown = ctx.fmt_amount(t.token, t.bounty).await?;
                    rows.push(json!({
                        "bounty_shown": shown,
                        "task": i.to_string(), "cell": ctx.cell_name(t.cellId), "status": status_name(status),
                        "bounty": t.bounty.to_string(), "token": t.token, "claimant": t.claimant.to_checksum(None),
                        "required_role": if t.requiredRole.is_zero() { serde_json::Value::Null } else { ctx.role_name(t.requiredRole).into() },
                    }));
                }
                i += U256::from(1u64);
            }
            ctx.print(&json!(rows), || {
                let mut s = format!(
                    "{:<5} {:<12} {:<10} {:>12} {:<22} CLAIMANT\n",
                    "TASK", "CELL", "STATUS", "BOUNTY", "ROLE"
                );
                for r in &rows {
                    s += &format!(
                        "{:<5} {:<12} {:<10} {:>12} {:<22} {}\n",
                        r["task"].as_str().unwrap_or(""),
                        r["cell"].as_str().unwrap_or(""),
                        r["status"].as_str().unwrap_or(""),
                        r["bounty_shown"].as_str().unwrap_or(""),
                        r["required_role"].as_str().unwrap_or("-"),
                        r["claimant"].as_str().unwrap_or("")
                    );
                }
                s
            });
        }
        Cmd::Show { id } => {
            let t = tb.getTask(id).call().await?;
            let status = tb.statusOf(id).call().await?;
            let shown = ctx.fmt_amount(t.token, t.bounty).await?;
            let v = json!({
                "bounty_shown": shown,
                "task": id.to_string(), "cell": ctx.cell_name(t.cellId), "status": status_name(status),
                "bounty": t.bounty.to_string(), "token": t.token, "claimant": t.claimant.to_checksum(None), "deadline": t.deadline,
                "required_role": ctx.role_name(t.requiredRole), "spec_hash": t.specHash, "deliverable_hash": t.deliverableHash,
            });
            ctx.print(&v, || {
                format!(
                    "task {id} in {}: {}  bounty {}  claimant {}\n",
                    v["cell"].as_str().unwrap_or(""),
                    v["status"].as_str().unwrap_or(""),
                    shown,
                    t.claimant
                )
            });
        }
        Cmd::Claim { id } => {
            ctx.call(
                &format!("claim task {id}"),
                board,
                ITaskBoard::claimCall { taskId: id }.abi_encode(),
            )
            .await?;
        }
        Cmd::Submit { id, uri } => {
            let call = ITaskBoard::submitCall {
                taskId: id,
                uri: uri.clone(),
                contentHash: keccak256(uri.as_bytes()),
            };
            ctx.call(&format!("submit task {id}"), board, call.abi_encode())
                .await?;
        }
        Cmd::Approve { id } => {
            ctx.call(
                &format!("approve task {id} and pay its bounty"),
                board,
                ITaskBoard::approveCall { taskId: id }.abi_encode(),
            )
            .await?;
        }
        Cmd::Reject { id, reason } => {
            ctx.call(
                &format!("reject task {id}"),
                board,
                ITaskBoard::rejectCall { taskId: id, reason }.abi_encode(),
            )
            .await?;
        }
        Cmd::Cancel { id } => {
            ctx.call(
                &format!("cancel task {id}"),
                board,
                ITaskBoard::cancelCall { taskId: id }.abi_encode(),
            )
            .await?;
        }
    }
    Ok(())
}
