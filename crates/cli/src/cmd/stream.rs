//! `daoctl stream ...`: role payment streams paid from a cell's budget (RoleStreams).
use crate::{
    ctx::{Ctx, Global, decode, parse_token},
    view::{Owed, ReadArgs, Source, StreamList, StreamShow, StreamView, indexed},
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    sol_types::{SolCall, SolEvent},
};
use clap::Subcommand;
use dao_bindings::{IRoleStreams, ITreasury};
use dao_indexer::LogQuery;
use eyre::{Result, eyre};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Open a stream paying each wearer of a role an amount per period (the cell's admin).
    #[command(
        after_help = "Example:\n  daoctl stream open --cell engineering --role engineering.member --amount 0.7ether --period-days 7 --dev-account 2"
    )]
    Open {
        #[arg(long)]
        cell: String,
        #[arg(long)]
        role: String,
        /// Paid to each wearer per period.
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "eth")]
        token: String,
        #[arg(long, default_value_t = 30)]
        period_days: u64,
        /// Days until the stream ends (open-ended when omitted).
        #[arg(long)]
        end_days: Option<u64>,
    },
    /// Streams (of one cell with --cell).
    List {
        #[arg(long)]
        cell: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// A stream; with --wearer, what that wearer is owed.
    Show {
        id: U256,
        #[arg(long)]
        wearer: Option<Address>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Settle a wearer and pay what the budget allows (anyone; defaults to the caller).
    Claim {
        id: U256,
        #[arg(long)]
        wearer: Option<Address>,
    },
    /// Change what each wearer is paid per period from now on (the cell's admin; what accrued
    /// at the old rate stays owed).
    #[command(after_help = "Example:\n  daoctl stream set-rate 1 0.9ether --dev-account 2")]
    SetRate {
        id: U256,
        /// Per wearer per period, in the stream's token (`0.9`, `0.9 HUSD`, `900000 units`).
        amount: String,
    },
    /// Move the stream's end (the cell's admin): `--days N` from now, `--at UNIX`, or `--never`.
    #[command(after_help = "Example:\n  daoctl stream set-end 1 --days 90 --dev-account 2")]
    SetEnd {
        id: U256,
        #[arg(long, conflicts_with_all = ["at", "never"])]
        days: Option<u64>,
        #[arg(long, conflicts_with = "never")]
        at: Option<u64>,
        /// Open-ended.
        #[arg(long)]
        never: bool,
    },
    /// End the stream now (the cell's admin or its parent's admin).
    Close { id: U256 },
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let streams = match ctx.record()?.address("RoleStreams") {
        Some(a) => a,
        None => {
            ITreasury::new(ctx.contract("Treasury")?, &ctx.provider)
                .streams()
                .call()
                .await?
        }
    };
    let rs = IRoleStreams::new(streams, &ctx.provider);
    match cmd {
        Cmd::Open {
            cell,
            role,
            amount,
            token,
            period_days,
            end_days,
        } => {
            let now = ctx
                .provider
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                .await?
                .map(|b| b.header.timestamp)
                .unwrap_or(0);
            let token = parse_token(&token).map_err(|e| eyre!("{e}"))?;
            let call = IRoleStreams::openCall {
                cellId: ctx.cell(&cell)?,
                roleId: ctx.role(&role)?,
                token,
                amount: ctx.amount(token, &amount).await?,
                period: U256::from(period_days * 86_400),
                start: U256::ZERO,
                end: end_days
                    .map(|d| U256::from(now + 60 + d * 86_400))
                    .unwrap_or(U256::ZERO),
            };
            let receipt = ctx
                .call(
                    &format!(
                        "open a stream in {cell} for {role} ({amount} per {period_days} days)"
                    ),
                    streams,
                    call.abi_encode(),
                )
                .await?;
            let log = receipt
                .decoded_log::<IRoleStreams::StreamOpened>()
                .ok_or_else(|| eyre!("no StreamOpened"))?;
            ctx.print(&json!({"stream": log.streamId.to_string()}), || {
                format!("{}\n", log.streamId)
            });
        }
        Cmd::List { cell, read } => {
            let source = read.open(&ctx).await?;
            let cells = source.cells(&ctx, cell.as_deref()).await?;
            let view = match &source {
                Source::Live => {
                    let mut rows = Vec::new();
                    for i in opened_by(&ctx, streams, &cells).await? {
                        rows.push(view_of(&ctx, i, &rs.getStream(i).call().await?).await?);
                    }
                    StreamList(rows)
                }
                Source::Indexed { ix, .. } => {
                    indexed::stream_list(&ctx, ix.store(), &cells).await?
                }
            };
            ctx.show(&view);
        }
        Cmd::Show { id, wearer, read } => {
            let stream = match read.open(&ctx).await? {
                Source::Live => {
                    let s = rs.getStream(id).call().await.map_err(|e| {
                        eyre!("stream {id}: {}", dao_bindings::describe_contract_error(&e))
                    })?;
                    view_of(&ctx, id, &s).await?
                }
                Source::Indexed { ix, .. } => indexed::stream(&ctx, ix.store(), id).await?,
            };
            // What a wearer may claim moves with time: a live read for both sources.
            let owed = match wearer {
                Some(w) => {
                    let owed = rs.claimable(id, w).call().await?;
                    Some(Owed {
                        wearer: w,
                        claimable: owed,
                        claimable_shown: ctx.fmt_amount(stream.token, owed).await?,
                    })
                }
                None => None,
            };
            ctx.show(&StreamShow { stream, owed });
        }
        Cmd::Claim { id, wearer } => {
            let wearer = match wearer {
                Some(w) => w,
                None => ctx.from()?,
            };
            let meta = ctx.token(rs.getStream(id).call().await?.token).await?;
            let receipt = ctx
                .call(
                    &format!("claim stream {id} for {wearer}"),
                    streams,
                    IRoleStreams::claimCall {
                        streamId: id,
                        wearer,
                    }
                    .abi_encode(),
                )
                .await?;
            let log = receipt
                .decoded_log::<IRoleStreams::Claimed>()
                .ok_or_else(|| eyre!("no Claimed"))?;
            ctx.print(
                &json!({"stream": id.to_string(), "wearer": wearer.to_checksum(None), "paid": log.paid.to_string(), "owed": log.owed.to_string()}),
                || {
                    format!(
                        "paid {}, still owed {}\n",
                        meta.format(log.paid),
                        meta.format(log.owed)
                    )
                },
            );
        }
        Cmd::SetRate { id, amount } => {
            let s = rs.getStream(id).call().await?;
            let meta = ctx.token(s.token).await?;
            let units = ctx.amount(s.token, &amount).await?;
            let receipt = ctx
                .call(
                    &format!(
                        "set the rate of stream {id} to {} per {} days",
                        meta.format(units),
                        s.period / U256::from(86_400u64)
                    ),
                    streams,
                    IRoleStreams::setRateCall {
                        streamId: id,
                        amount: units,
                    }
                    .abi_encode(),
                )
                .await?;
            let at = receipt
                .decoded_log::<IRoleStreams::StreamRateChanged>()
                .map(|l| l.at.to_string());
            ctx.print(
                &json!({"stream": id.to_string(), "amount": units.to_string(), "amount_shown": meta.format(units), "from": at}),
                || {
                    format!(
                        "stream {id}: {} per {} days to each wearer{}\n",
                        meta.format(units),
                        s.period / U256::from(86_400u64),
                        at.as_deref().map(|t| format!(" from {t}")).unwrap_or_default()
                    )
                },
            );
        }
        Cmd::SetEnd {
            id,
            days,
            at,
            never,
        } => {
            let end = match (days, at, never) {
                (_, _, true) => 0,
                (_, Some(at), false) => at,
                (Some(d), None, false) => {
                    let now = ctx
                        .provider
                        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                        .await?
                        .map(|b| b.header.timestamp)
                        .unwrap_or(0);
                    now + 60 + d * 86_400
                }
                (None, None, false) => {
                    return Err(eyre!(
                        "stream set-end {id}: say when: --days N (from now), --at UNIX, or --never"
                    ));
                }
            };
            ctx.call(
                &format!(
                    "set the end of stream {id} to {}",
                    if end == 0 {
                        "never".to_owned()
                    } else {
                        end.to_string()
                    }
                ),
                streams,
                IRoleStreams::setEndCall {
                    streamId: id,
                    end: U256::from(end),
                }
                .abi_encode(),
            )
            .await?;
            ctx.print(&json!({"stream": id.to_string(), "end": end}), || {
                format!(
                    "stream {id} ends {}\n",
                    if end == 0 {
                        "never".to_owned()
                    } else {
                        format!("at {end}")
                    }
                )
            });
        }
        Cmd::Close { id } => {
            ctx.call(
                &format!("close stream {id}"),
                streams,
                IRoleStreams::closeCall { streamId: id }.abi_encode(),
            )
            .await?;
        }
    }
    Ok(())
}

async fn view_of(ctx: &Ctx, id: U256, s: &IRoleStreams::StreamView) -> Result<StreamView> {
    Ok(StreamView {
        stream: id,
        cell: ctx.cell_name(s.cellId),
        role: ctx.role_name(s.roleId),
        token: s.token,
        amount: s.amount,
        amount_shown: ctx.fmt_amount(s.token, s.amount).await?,
        period: s.period.saturating_to(),
        start: s.start.saturating_to(),
        end: s.end.saturating_to(),
        closed: s.closed,
        rate_changes: s.rateChanges,
    })
}

/// The ids of the streams `cells` opened, in order: one bounded scan of `StreamOpened` by cell id
/// (RoleStreams is shared by every DAO on the chain, so its count is not this DAO's).
pub(crate) async fn opened_by(
    ctx: &Ctx,
    streams: Address,
    cells: &[U256],
) -> Result<std::collections::BTreeSet<U256>> {
    if cells.is_empty() {
        return Ok(Default::default());
    }
    let query = LogQuery::new([streams])
        .topic(0, [IRoleStreams::StreamOpened::SIGNATURE_HASH])
        .topic(2, cells.iter().map(|c| B256::from(*c)));
    Ok(ctx
        .logs(&query)
        .await?
        .iter()
        .filter_map(decode::<IRoleStreams::StreamOpened>)
        .map(|e| e.streamId)
        .collect())
}
