//! `daoctl task ...`: tasks with bounties reserved in the cell's budget.
use crate::{
    ctx::{Ctx, Global, decode, parse_token},
    view::{ReadArgs, Source, TaskList, TaskRow, TaskShow, indexed},
};
use alloy::{
    primitives::{B256, U256, keccak256},
    providers::Provider,
    sol_types::{SolCall, SolEvent},
};
use clap::Subcommand;
use dao_bindings::{ITaskBoard, ITreasury};
use dao_indexer::LogQuery;
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
        #[command(flatten)]
        read: ReadArgs,
    },
    /// One task: cell, status, bounty, claimant, deadline, hashes.
    Show {
        id: U256,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Take an open task.
    Claim { id: U256 },
    /// Hand in the deliverable (the claimant).
    Submit { id: U256, uri: String },
    /// Accept the deliverable and pay the bounty (the cell's admin).
    Approve { id: U256 },
    /// Send the deliverable back (the cell's admin).
    Reject {
        id: U256,
        #[arg(long)]
        reason: String,
    },
    /// Cancel and release the reservation (the cell's admin).
    Cancel { id: U256 },
}

/// A task's status as `daoctl` prints it: `ITaskBoard.Status`'s variant name (from the
/// interface's source, not a copy), lowercase.
pub(crate) fn status_name(status: dao_bindings::interfaces::ITaskBoard::Status) -> String {
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
        Cmd::List { cell, read } => {
            let source = read.open(&ctx).await?;
            let cells = source.cells(&ctx, cell.as_deref()).await?;
            let rows = match &source {
                Source::Live => {
                    // The tasks of these cells: one bounded scan of TaskCreated by cell id (the
                    // board is shared by every DAO on the chain), then each task's own view.
                    let query = LogQuery::new([board])
                        .topic(0, [ITaskBoard::TaskCreated::SIGNATURE_HASH])
                        .topic(2, cells.iter().map(|c| B256::from(*c)));
                    let mut ids: Vec<U256> = ctx
                        .logs(&query)
                        .await?
                        .iter()
                        .filter_map(decode::<ITaskBoard::TaskCreated>)
                        .map(|e| e.taskId)
                        .collect();
                    ids.sort();
                    let mut rows = Vec::new();
                    for i in ids {
                        let t = tb.getTask(i).call().await?;
                        let status = tb.statusOf(i).call().await?;
                        rows.push(TaskRow {
                            task: i,
                            cell: ctx.cell_name(t.cellId),
                            status: status_name(status),
                            bounty: t.bounty,
                            bounty_shown: ctx.fmt_amount(t.token, t.bounty).await?,
                            token: t.token,
                            claimant: t.claimant,
                            required_role: (!t.requiredRole.is_zero())
                                .then(|| ctx.role_name(t.requiredRole)),
                        });
                    }
                    rows
                }
                Source::Indexed { ix, now } => {
                    indexed::task_list(&ctx, ix.store(), &cells, *now).await?
                }
            };
            ctx.show(&TaskList(rows));
        }
        Cmd::Show { id, read } => {
            let view = match read.open(&ctx).await? {
                Source::Live => {
                    let t = tb.getTask(id).call().await?;
                    let status = tb.statusOf(id).call().await?;
                    if status == dao_bindings::interfaces::ITaskBoard::Status::None {
                        eyre::bail!("no task {id} on the task board");
                    }
                    TaskShow {
                        task: id,
                        cell: ctx.cell_name(t.cellId),
                        status: status_name(status),
                        bounty: t.bounty,
                        bounty_shown: ctx.fmt_amount(t.token, t.bounty).await?,
                        token: t.token,
                        claimant: t.claimant,
                        deadline: t.deadline,
                        required_role: ctx.role_name(t.requiredRole),
                        spec_hash: t.specHash,
                        deliverable_hash: t.deliverableHash,
                    }
                }
                Source::Indexed { ix, now } => {
                    indexed::task_show(&ctx, ix.store(), id, now).await?
                }
            };
            ctx.show(&view);
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
