//! `daoctl treasury ...`: budgets in the DAO's Safe, through the Treasury module.
use crate::{
    ctx::{Ctx, Global, parse_token},
    view::{BudgetRow, ReadArgs, Source, TreasuryStatus, indexed},
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    sol_types::SolCall,
};
use clap::Subcommand;
use dao_bindings::{ITreasury, RoleId};
use eyre::{Result, eyre};

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Budgets of every cell (or one) in a token, and the Safe's balance.
    #[command(after_help = "Example:\n  daoctl treasury status --json")]
    Status {
        #[arg(long)]
        cell: Option<String>,
        /// `eth` or an ERC-20 address.
        #[arg(long, default_value = "eth")]
        token: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Set a cell's budget terms (the parent's admin; for the DAO, community governance).
    #[command(
        after_help = "Example:\n  daoctl treasury set-budget engineering 10ether --period-days 30 --dev-account 1"
    )]
    SetBudget {
        cell: String,
        /// Amount of --token: `12.5` (whole tokens in its decimals), `12.5HUSD` (with its symbol),
        /// `12500000units`, `2.5e6units` (base units); for ETH also `0.5ether`, `20gwei`, `1e18wei`.
        amount: String,
        /// `eth` or an ERC-20 address.
        #[arg(long, default_value = "eth")]
        token: String,
        #[arg(long, default_value_t = 30)]
        period_days: u64,
        #[arg(long)]
        expires_in_days: Option<u64>,
    },
    /// Hand part of a cell's budget to a child (the parent's admin or treasurer).
    #[command(
        after_help = "Example:\n  daoctl treasury allocate operations engineering 2ether --dev-account 2"
    )]
    Allocate {
        from: String,
        to: String,
        /// Amount of --token: `12.5` (whole tokens in its decimals), `12.5HUSD` (with its symbol),
        /// `12500000units`, `2.5e6units` (base units); for ETH also `0.5ether`, `20gwei`, `1e18wei`.
        amount: String,
        /// `eth` or an ERC-20 address.
        #[arg(long, default_value = "eth")]
        token: String,
    },
    /// Pay from a cell's budget (its admin or treasurer).
    #[command(
        after_help = "Example:\n  daoctl treasury spend engineering 0xabc.. 0.5ether --memo ipfs://invoice --dev-account 2"
    )]
    Spend {
        cell: String,
        to: Address,
        /// Amount of --token: `12.5` (whole tokens in its decimals), `12.5HUSD` (with its symbol),
        /// `12500000units`, `2.5e6units` (base units); for ETH also `0.5ether`, `20gwei`, `1e18wei`.
        amount: String,
        /// `eth` or an ERC-20 address.
        #[arg(long, default_value = "eth")]
        token: String,
        #[arg(long, default_value = "")]
        memo: String,
    },
    /// Take back a child's unspent allocation (the parent's admin).
    Clawback {
        cell: String,
        /// Amount of --token: `12.5` (whole tokens in its decimals), `12.5HUSD` (with its symbol),
        /// `12500000units`, `2.5e6units` (base units); for ETH also `0.5ether`, `20gwei`, `1e18wei`.
        amount: String,
        /// `eth` or an ERC-20 address.
        #[arg(long, default_value = "eth")]
        token: String,
    },
    /// Freeze (or --unfreeze) a cell's spending (the parent's admin).
    Freeze {
        cell: String,
        #[arg(long)]
        unfreeze: bool,
    },
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let treasury = ctx.contract("Treasury")?;
    let token_of = |s: &str| parse_token(s).map_err(|e| eyre!("{e}"));
    match cmd {
        Cmd::Status { cell, token, read } => {
            let token = token_of(&token)?;
            let dao = ctx.cell("dao")?;
            let source = read.open(&ctx).await?;
            let cells: Vec<U256> = match (&cell, &source) {
                (Some(c), _) => vec![ctx.cell(c)?],
                (None, Source::Live) => {
                    let registry = ctx.contract("CellRegistry")?;
                    super::cell::walk(&ctx, registry, dao)
                        .await?
                        .iter()
                        .map(|c| c.id)
                        .collect()
                }
                (None, Source::Indexed { ix, .. }) => indexed::cells(ix.store(), dao)?,
            };
            let (safe, budgets) = match &source {
                Source::Live => {
                    let t = ITreasury::new(treasury, &ctx.provider);
                    let mut rows = Vec::new();
                    for c in cells {
                        rows.push(BudgetRow {
                            cell: ctx.cell_name(c),
                            id: RoleId(c).to_string(),
                            budget: super::state::budget(&t, c, token).await?,
                        });
                    }
                    (t.safeOf(dao).call().await?, rows)
                }
                Source::Indexed { ix, now } => (
                    indexed::safe(ix.store(), dao)?,
                    indexed::budget_rows(&ctx, ix.store(), &cells, token, *now)?,
                ),
            };
            // Balances are not events: a live read for both sources.
            let meta = ctx.token(token).await?;
            let safe_balance = dao_deploy::amount::balance_of(&ctx.provider, token, safe)
                .await
                .map_err(|e| eyre!("{e}"))?;
            ctx.show(&TreasuryStatus {
                safe,
                safe_balance,
                token,
                symbol: meta.symbol,
                decimals: meta.decimals,
                budgets,
            });
        }
        Cmd::SetBudget {
            cell,
            amount,
            token,
            period_days,
            expires_in_days,
        } => {
            let now = ctx
                .provider
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                .await?
                .map(|b| b.header.timestamp)
                .unwrap_or(0);
            let token = token_of(&token)?;
            let units = ctx.amount(token, &amount).await?;
            let shown = ctx.fmt_amount(token, units).await?;
            let call = ITreasury::setBudgetCall {
                cellId: ctx.cell(&cell)?,
                token,
                amount: units,
                period: U256::from(period_days * 86_400),
                start: U256::from(now),
                expiry: U256::from(expires_in_days.map(|d| now + d * 86_400).unwrap_or(0)),
            };
            ctx.call(
                &format!("set budget of {cell} to {shown}"),
                treasury,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::Allocate {
            from,
            to,
            amount,
            token,
        } => {
            let token = token_of(&token)?;
            let units = ctx.amount(token, &amount).await?;
            let shown = ctx.fmt_amount(token, units).await?;
            let call = ITreasury::subAllocateCall {
                parentCellId: ctx.cell(&from)?,
                childCellId: ctx.cell(&to)?,
                token,
                amount: units,
            };
            ctx.call(
                &format!("allocate {shown} from {from} to {to}"),
                treasury,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::Spend {
            cell,
            to,
            amount,
            token,
            memo,
        } => {
            let token = token_of(&token)?;
            let units = ctx.amount(token, &amount).await?;
            let shown = ctx.fmt_amount(token, units).await?;
            let call = ITreasury::spendCall {
                cellId: ctx.cell(&cell)?,
                token,
                to,
                amount: units,
                memoURI: memo,
                r#ref: B256::ZERO,
            };
            ctx.call(
                &format!("spend {shown} from {cell} to {to}"),
                treasury,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::Clawback {
            cell,
            amount,
            token,
        } => {
            let token = token_of(&token)?;
            let units = ctx.amount(token, &amount).await?;
            let shown = ctx.fmt_amount(token, units).await?;
            let call = ITreasury::clawbackCall {
                childCellId: ctx.cell(&cell)?,
                token,
                amount: units,
            };
            ctx.call(
                &format!("claw back {shown} from {cell}"),
                treasury,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::Freeze { cell, unfreeze } => {
            let call = ITreasury::setFrozenCall {
                cellId: ctx.cell(&cell)?,
                frozen: !unfreeze,
            };
            let what = if unfreeze { "unfreeze" } else { "freeze" };
            ctx.call(&format!("{what} {cell}"), treasury, call.abi_encode())
                .await?;
        }
    }
    Ok(())
}
