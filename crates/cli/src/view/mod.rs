//! The typed views of every read command: one struct tree per command, `Serialize` (its `--json`
//! form, documented in docs/cli-json.md) and `Display` (its text form). Each is built either live
//! (the command's module: contract calls and bounded log scans from the deployment's first block)
//! or from the index (`indexed`: the only place that turns the indexer's typed state into views),
//! so both sources print the same bytes.
//!
//! Where a read comes from: `ReadArgs` (`--live`, `--db`), opened by `ReadArgs::open`.
pub(crate) mod indexed;

use crate::{
    cmd::db::{DbArgs, open_synced, target},
    ctx::Ctx,
};
use alloy::{
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
};
use dao_deploy::amount::TokenMeta;
use dao_indexer::{Indexer, RpcSource, json as ser};
use eyre::{Result, WrapErr};
use serde::Serialize;
use std::fmt;

/// Where a read comes from: the index (the default) or the chain (`--live`).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ReadArgs {
    /// Read from the chain (contract calls and bounded log scans from the deployment's first
    /// block, filtered by this DAO's ids) instead of the index.
    #[arg(long)]
    pub(crate) live: bool,
    /// Read from the index (the default; kept so older scripts keep working).
    #[arg(long, hide = true, conflicts_with = "live")]
    pub(crate) indexed: bool,
    #[command(flatten)]
    pub(crate) index: DbArgs,
}

/// An opened source of a read.
pub(crate) enum Source {
    Live,
    /// The index brought to the head, and the head block's timestamp (what the contracts'
    /// time-dependent views, like a grant's expiry, compare with).
    Indexed {
        ix: Box<Indexer<RpcSource<DynProvider>>>,
        now: u64,
    },
}

impl ReadArgs {
    /// `--live`: nothing to open. Otherwise the index database (created on first use) is
    /// brought to the head first.
    pub(crate) async fn open(&self, ctx: &Ctx) -> Result<Source> {
        if self.live {
            return Ok(Source::Live);
        }
        let t = target(ctx, &self.index).await?;
        let ix = open_synced(ctx, &t, 0).await?;
        let now = head_time(ctx).await?;
        Ok(Source::Indexed {
            ix: Box::new(ix),
            now,
        })
    }
}

impl Source {
    /// `cell`, or every cell of the DAO (parents before children).
    pub(crate) async fn cells(&self, ctx: &Ctx, cell: Option<&str>) -> Result<Vec<U256>> {
        if let Some(c) = cell {
            return Ok(vec![ctx.cell(c)?]);
        }
        let root = ctx.cell("dao")?;
        Ok(match self {
            Source::Live => crate::cmd::cell::walk(ctx, ctx.contract("CellRegistry")?, root)
                .await?
                .iter()
                .map(|c| c.id)
                .collect(),
            Source::Indexed { ix, .. } => indexed::cells(ix.store(), root)?,
        })
    }
}

/// The timestamp of the head block.
pub(crate) async fn head_time(ctx: &Ctx) -> Result<u64> {
    Ok(ctx
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .wrap_err("reading the head block")?
        .map(|b| b.header.timestamp)
        .unwrap_or(0))
}

impl Ctx {
    /// Prints a view: its serde form with --json, else its text.
    pub(crate) fn show<V: Serialize + fmt::Display>(&self, view: &V) {
        let value = serde_json::to_value(view).expect("views serialize");
        self.print(&value, || view.to_string());
    }
}

/// Checksummed addresses.
mod addrs {
    use alloy::primitives::Address;
    use serde::Serializer;

    pub(crate) fn serialize<S: Serializer>(v: &[Address], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(|a| a.to_checksum(None)))
    }
}

fn addr_list(v: &[Address]) -> String {
    serde_json::to_string(&v.iter().map(|a| a.to_checksum(None)).collect::<Vec<_>>())
        .unwrap_or_default()
}

fn short(a: &Address) -> String {
    let a = a.to_checksum(None);
    format!("{}…{}", &a[..6], &a[a.len() - 4..])
}

/// A column of a text table: its header, its width (0: as wide as the text, for a last column
/// of lists) and whether it aligns right (amounts, counts).
struct Col(&'static str, usize, bool);

/// A text table: the header, then a line a row, each cell padded to its column and separated by
/// a space. A row may hold one cell more than there are columns: a tail written right after its
/// last cell (`  FROZEN`).
fn table(
    f: &mut fmt::Formatter<'_>,
    cols: &[Col],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> fmt::Result {
    let header = cols.iter().map(|c| c.0.to_owned()).collect();
    for row in std::iter::once(header).chain(rows) {
        for (i, (Col(_, width, right), text)) in cols.iter().zip(&row).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            if *right {
                write!(f, "{text:>width$}")?;
            } else {
                write!(f, "{text:<width$}")?;
            }
        }
        writeln!(f, "{}", row.get(cols.len()).map_or("", String::as_str))?;
    }
    Ok(())
}

/// A token as amounts print: its address, symbol and decimals.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TokenView {
    #[serde(with = "ser::addr")]
    pub address: Address,
    pub symbol: String,
    pub decimals: u8,
}

impl TokenView {
    pub(crate) fn of(meta: &TokenMeta) -> Self {
        Self {
            address: meta.address,
            symbol: meta.symbol.clone(),
            decimals: meta.decimals,
        }
    }

    fn fmt(&self, units: U256) -> String {
        TokenMeta {
            address: self.address,
            symbol: self.symbol.clone(),
            decimals: self.decimals,
        }
        .format(units)
    }
}

// ---------------------------------------------------------------------------------------------
// Budgets: `state` and `treasury status`.

/// A cell's budget in one token: the fields of `Treasury.getBudget` in its current period, and
/// whether the cell is frozen.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct BudgetView {
    #[serde(with = "ser::u256")]
    pub amount: U256,
    #[serde(with = "ser::u256")]
    pub period: U256,
    pub active: bool,
    pub funded: bool,
    #[serde(with = "ser::u256")]
    pub received: U256,
    #[serde(with = "ser::u256")]
    pub spent: U256,
    #[serde(with = "ser::u256")]
    pub sub_allocated: U256,
    #[serde(with = "ser::u256")]
    pub reserved: U256,
    #[serde(with = "ser::u256")]
    pub available: U256,
    #[serde(with = "ser::u256")]
    pub cap: U256,
    pub frozen: bool,
}

/// `daoctl treasury status`.
#[derive(Debug, Serialize)]
pub(crate) struct TreasuryStatus {
    #[serde(with = "ser::addr")]
    pub safe: Address,
    #[serde(with = "ser::u256")]
    pub safe_balance: U256,
    #[serde(with = "ser::addr")]
    pub token: Address,
    pub symbol: String,
    pub decimals: u8,
    pub budgets: Vec<BudgetRow>,
}

#[derive(Debug, Serialize)]
pub(crate) struct BudgetRow {
    pub cell: String,
    pub id: String,
    #[serde(flatten)]
    pub budget: BudgetView,
}

impl fmt::Display for TreasuryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = TokenView {
            address: self.token,
            symbol: self.symbol.clone(),
            decimals: self.decimals,
        };
        writeln!(
            f,
            "safe {}  balance {}",
            self.safe,
            t.fmt(self.safe_balance)
        )?;
        table(
            f,
            &[
                Col("CELL", 14, false),
                Col("CEILING", 12, true),
                Col("RECEIVED", 12, true),
                Col("SPENT", 12, true),
                Col("HANDED DOWN", 12, true),
                Col("RESERVED", 12, true),
                Col("AVAILABLE", 12, true),
            ],
            self.budgets.iter().map(|r| {
                let b = &r.budget;
                let mut row = vec![r.cell.clone()];
                row.extend(
                    [
                        b.amount,
                        b.received,
                        b.spent,
                        b.sub_allocated,
                        b.reserved,
                        b.available,
                    ]
                    .map(|a| t.fmt(a)),
                );
                if b.frozen {
                    row.push("  FROZEN".into());
                }
                row
            }),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// `daoctl state`.

/// `daoctl state`: the DAO's tree of cells, parents before children.
#[derive(Debug, Serialize)]
pub(crate) struct StateView {
    pub dao: String,
    #[serde(with = "ser::addr")]
    pub safe: Address,
    #[serde(with = "ser::u256")]
    pub safe_balance: U256,
    pub token: TokenView,
    pub cells: Vec<StateCell>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StateCell {
    pub key: String,
    pub id: String,
    pub name: String,
    pub depth: usize,
    pub phase: String,
    pub scale: String,
    pub run_by: String,
    /// The admin role first, then the admin's children.
    pub roles: Vec<RoleWearers>,
    pub budget: BudgetView,
    pub state: Vec<StateDocView>,
    pub decisions: Vec<DecisionView>,
}

#[derive(Debug, Serialize)]
pub(crate) struct RoleWearers {
    pub role: String,
    pub name: String,
    #[serde(with = "addrs")]
    pub wearers: Vec<Address>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StateDocView {
    pub key: String,
    pub version: u32,
    pub uri: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct DecisionView {
    /// Numbered per cell in chain order, from 1.
    pub index: u32,
    /// The recorded reference, or the id of the executed proposal.
    #[serde(rename = "ref")]
    pub reference: B256,
    pub uri: String,
    /// Who recorded it (for an executed proposal: the cell's executor).
    #[serde(with = "ser::addr")]
    pub by: Address,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub executed: bool,
}

/// Who runs a cell, from its admins, its executor and the DAO's Safe.
pub(crate) fn run_by(admins: &[Address], executor: Option<Address>, safe: Address) -> String {
    if executor.is_some_and(|e| !e.is_zero() && admins.contains(&e)) {
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
    }
}

impl fmt::Display for StateView {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.token;
        writeln!(
            f,
            "DAO {}  Safe {}  balance {}",
            self.dao,
            self.safe,
            t.fmt(self.safe_balance)
        )?;
        for c in &self.cells {
            let pad = "   ".repeat(c.depth);
            writeln!(
                f,
                "{pad}■ {} [{}] {}  phase {}  scale {}",
                c.name, c.key, c.id, c.phase, c.scale
            )?;
            writeln!(f, "{pad}  {}", c.run_by)?;
            for r in c.roles.iter().skip(1) {
                let w: Vec<String> = r.wearers.iter().map(short).collect();
                writeln!(
                    f,
                    "{pad}  role {:<7} {:<22} {}",
                    r.role,
                    r.name,
                    if w.is_empty() {
                        "-".to_owned()
                    } else {
                        w.join(" ")
                    }
                )?;
            }
            let b = &c.budget;
            if b.active || !b.amount.is_zero() {
                writeln!(
                    f,
                    "{pad}  budget ceiling {}  received {}  spent {}  handed down {}  reserved {}  available {}{}",
                    t.fmt(b.amount),
                    t.fmt(b.received),
                    t.fmt(b.spent),
                    t.fmt(b.sub_allocated),
                    t.fmt(b.reserved),
                    t.fmt(b.available),
                    if b.frozen { "  FROZEN" } else { "" }
                )?;
            }
            for d in &c.state {
                writeln!(f, "{pad}  state {} v{}: {}", d.key, d.version, d.uri)?;
            }
            for d in &c.decisions {
                writeln!(f, "{pad}  decision #{}: {}", d.index, d.uri)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Roles.

/// One role: its definition (`Roles.viewRole`) and who wears it now.
#[derive(Debug, Serialize)]
pub(crate) struct RoleView {
    pub role: String,
    pub name: String,
    pub details: String,
    pub supply: u32,
    pub max_supply: u32,
    pub claimable: bool,
    pub mutable: bool,
    pub active: bool,
    #[serde(with = "ser::addr")]
    pub eligibility: Address,
    #[serde(with = "ser::addr")]
    pub toggle: Address,
    #[serde(with = "addrs")]
    pub wearers: Vec<Address>,
}

/// `daoctl role show`.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct RoleShow(pub RoleView);

/// `daoctl role list CELL`: the admin role, then its children.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct RoleList(pub Vec<RoleView>);

impl fmt::Display for RoleShow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.0;
        writeln!(
            f,
            "role {} ({})\n  details: {}\n  supply {}/{}  claimable {}  mutable {}  active {}\n  wearers: {}",
            r.role,
            r.name,
            r.details,
            r.supply,
            r.max_supply,
            r.claimable,
            r.mutable,
            r.active,
            addr_list(&r.wearers)
        )
    }
}

impl fmt::Display for RoleList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(
            f,
            &[
                Col("ROLE", 10, false),
                Col("NAME", 24, false),
                Col("SUPPLY", 6, true),
                Col("MAX", 9, true),
                Col("CLAIMABLE", 9, false),
                Col("WEARERS", 0, false),
            ],
            self.0.iter().map(|r| {
                let wearers: Vec<String> = r.wearers.iter().map(|a| a.to_checksum(None)).collect();
                vec![
                    r.role.clone(),
                    r.name.clone(),
                    r.supply.to_string(),
                    r.max_supply.to_string(),
                    r.claimable.to_string(),
                    wearers.join(" "),
                ]
            }),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Cells.

/// `daoctl cell list`: the DAO's cells, parents before children.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct CellList(pub Vec<CellRow>);

#[derive(Debug, Serialize)]
pub(crate) struct CellRow {
    pub key: String,
    pub id: String,
    pub name: String,
    /// None for the DAO's root cell.
    pub parent: Option<String>,
    pub phase: String,
    pub scale: String,
    /// Live (not dissolved) children.
    pub children: u32,
    /// Decisions recorded in the registry (executed proposals not included).
    pub decisions: u32,
}

impl fmt::Display for CellList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(
            f,
            &[
                Col("KEY", 14, false),
                Col("ID", 8, false),
                Col("NAME", 18, false),
                Col("PARENT", 8, false),
                Col("PHASE", 14, false),
                Col("SCALE", 14, false),
            ],
            self.0.iter().map(|r| {
                let parent = r.parent.clone().unwrap_or_else(|| "-".into());
                vec![
                    r.key.clone(),
                    r.id.clone(),
                    r.name.clone(),
                    parent,
                    r.phase.clone(),
                    r.scale.clone(),
                ]
            }),
        )
    }
}

/// `daoctl cell show CELL`.
#[derive(Debug, Serialize)]
pub(crate) struct CellShow {
    pub key: String,
    pub id: String,
    pub name: String,
    pub parent: String,
    pub dao: String,
    pub member_role: String,
    pub phase: String,
    pub scale: String,
    pub restrictions: u16,
    /// Child cell ids, in id order.
    pub children: Vec<String>,
    pub decisions: u32,
    /// The current version of each state document, in key order.
    pub state: Vec<CellDoc>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CellDoc {
    pub key: String,
    pub uri: String,
    pub hash: B256,
    pub version: u32,
    #[serde(with = "ser::addr")]
    pub author: Address,
}

impl fmt::Display for CellShow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "cell {} ({})  id {}  parent {}  dao {}\nphase {}  scale {}  member role {}  restrictions {:#x}\nchildren: {}\ndecisions: {}",
            self.key,
            self.name,
            self.id,
            self.parent,
            self.dao,
            self.phase,
            self.scale,
            self.member_role,
            self.restrictions,
            serde_json::to_string(&self.children).unwrap_or_default(),
            self.decisions
        )?;
        for d in &self.state {
            writeln!(
                f,
                "state {} v{}: {} (by {})",
                d.key,
                d.version,
                d.uri,
                d.author.to_checksum(None)
            )?;
        }
        Ok(())
    }
}

/// `daoctl cell partnership show ID`.
#[derive(Debug, Serialize)]
pub(crate) struct PartnershipShow {
    #[serde(with = "ser::u256")]
    pub id: U256,
    pub cell: String,
    /// None for a partnership with an outside account.
    pub counterparty_cell: Option<String>,
    #[serde(with = "ser::addr")]
    pub counterparty_account: Address,
    /// `proposed`, `active` or `ended`.
    pub status: String,
    pub terms_uri: String,
}

impl fmt::Display for PartnershipShow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "partnership {}: {} -> {} {}  {}  {}",
            self.id,
            self.cell,
            self.counterparty_cell
                .clone()
                .unwrap_or_else(|| dao_bindings::RoleId(U256::ZERO).to_string()),
            self.counterparty_account.to_checksum(None),
            self.status,
            self.terms_uri
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Tasks.

/// `daoctl task list`: the tasks of this DAO's cells (or one cell), by id.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct TaskList(pub Vec<TaskRow>);

#[derive(Debug, Serialize)]
pub(crate) struct TaskRow {
    #[serde(with = "ser::u256")]
    pub task: U256,
    pub cell: String,
    /// `ITaskBoard.statusOf`: a lapsed claim reads as open.
    pub status: String,
    #[serde(with = "ser::u256")]
    pub bounty: U256,
    pub bounty_shown: String,
    #[serde(with = "ser::addr")]
    pub token: Address,
    #[serde(with = "ser::addr")]
    pub claimant: Address,
    /// None when anyone may claim.
    pub required_role: Option<String>,
}

impl fmt::Display for TaskList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(
            f,
            &[
                Col("TASK", 5, false),
                Col("CELL", 12, false),
                Col("STATUS", 10, false),
                Col("BOUNTY", 12, true),
                Col("ROLE", 22, false),
                Col("CLAIMANT", 0, false),
            ],
            self.0.iter().map(|r| {
                let role = r.required_role.clone().unwrap_or_else(|| "-".into());
                vec![
                    r.task.to_string(),
                    r.cell.clone(),
                    r.status.clone(),
                    r.bounty_shown.clone(),
                    role,
                    r.claimant.to_checksum(None),
                ]
            }),
        )
    }
}

/// `daoctl task show ID`.
#[derive(Debug, Serialize)]
pub(crate) struct TaskShow {
    #[serde(with = "ser::u256")]
    pub task: U256,
    pub cell: String,
    pub status: String,
    #[serde(with = "ser::u256")]
    pub bounty: U256,
    pub bounty_shown: String,
    #[serde(with = "ser::addr")]
    pub token: Address,
    #[serde(with = "ser::addr")]
    pub claimant: Address,
    pub deadline: u64,
    pub required_role: String,
    pub spec_hash: B256,
    pub deliverable_hash: B256,
}

impl fmt::Display for TaskShow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "task {} in {}: {}  bounty {}  claimant {}",
            self.task,
            self.cell,
            self.status,
            self.bounty_shown,
            self.claimant.to_checksum(None)
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Streams.

/// `daoctl stream list`: the streams of this DAO's cells (or one cell), by id.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct StreamList(pub Vec<StreamView>);

#[derive(Debug, Serialize)]
pub(crate) struct StreamView {
    #[serde(with = "ser::u256")]
    pub stream: U256,
    pub cell: String,
    pub role: String,
    #[serde(with = "ser::addr")]
    pub token: Address,
    /// Per wearer per period, at the current rate.
    #[serde(with = "ser::u256")]
    pub amount: U256,
    pub amount_shown: String,
    /// Seconds.
    pub period: u64,
    pub start: u64,
    /// 0: open-ended.
    pub end: u64,
    pub closed: bool,
    #[serde(with = "ser::u256")]
    pub rate_changes: U256,
}

impl fmt::Display for StreamList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        table(
            f,
            &[
                Col("STREAM", 7, false),
                Col("CELL", 12, false),
                Col("ROLE", 24, false),
                Col("AMOUNT", 12, true),
                Col("DAYS", 7, true),
                Col("CLOSED", 7, false),
            ],
            self.0.iter().map(|r| {
                let days = r.period / 86_400;
                vec![
                    r.stream.to_string(),
                    r.cell.clone(),
                    r.role.clone(),
                    r.amount_shown.clone(),
                    days.to_string(),
                    r.closed.to_string(),
                ]
            }),
        )
    }
}

/// `daoctl stream show ID [--wearer W]`.
#[derive(Debug, Serialize)]
pub(crate) struct StreamShow {
    #[serde(flatten)]
    pub stream: StreamView,
    /// With --wearer: what that wearer may claim now (`RoleStreams.claimable`, a live read).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub owed: Option<Owed>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Owed {
    #[serde(with = "ser::addr")]
    pub wearer: Address,
    #[serde(with = "ser::u256")]
    pub claimable: U256,
    pub claimable_shown: String,
}

impl fmt::Display for StreamShow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.stream;
        writeln!(
            f,
            "stream {} in {}: {} per {} days to each wearer of {}{}",
            s.stream,
            s.cell,
            s.amount_shown,
            s.period / 86_400,
            s.role,
            if s.closed { " (closed)" } else { "" }
        )?;
        if let Some(o) = &self.owed {
            writeln!(
                f,
                "{} may claim {}",
                o.wearer.to_checksum(None),
                o.claimable_shown
            )?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Proposals.

/// `daoctl proposal list`: the proposals of this DAO's cells (or one cell), in chain order.
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub(crate) struct ProposalList(pub Vec<ProposalRow>);

#[derive(Debug, Serialize)]
pub(crate) struct ProposalRow {
    /// 0x hex.
    pub proposal: String,
    pub cell: String,
    #[serde(with = "ser::addr")]
    pub proposer: Address,
    pub description: String,
    /// `ICellGovernor.state` (a live read: it moves with blocks, not only with events).
    pub state: String,
    #[serde(rename = "for", with = "ser::u256")]
    pub for_: U256,
    #[serde(with = "ser::u256")]
    pub against: U256,
    #[serde(with = "ser::u256")]
    pub abstain: U256,
    /// Votes as they print: a count for role electorates, an amount of the voting token otherwise.
    pub for_shown: String,
    pub against_shown: String,
    pub abstain_shown: String,
}

impl fmt::Display for ProposalList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.0 {
            writeln!(
                f,
                "{}  {:<10} {:<10} for {} against {} abstain {}  {}",
                r.proposal,
                r.cell,
                r.state,
                r.for_shown,
                r.against_shown,
                r.abstain_shown,
                r.description
            )?;
        }
        if self.0.is_empty() {
            writeln!(f, "no proposals")?;
        }
        Ok(())
    }
}

/// `daoctl proposal show ID`.
#[derive(Debug, Serialize)]
pub(crate) struct ProposalShow {
    pub proposal: String,
    pub cell: String,
    #[serde(with = "ser::addr")]
    pub proposer: Address,
    pub description: String,
    pub state: String,
    /// Each action described (`set budget of events to 2 ETH`, ...).
    pub actions: Vec<String>,
    pub votes: Votes,
    pub quorum: Quorum,
    #[serde(with = "ser::u256")]
    pub snapshot: U256,
    #[serde(with = "ser::u256")]
    pub vote_end: U256,
    #[serde(with = "ser::u256")]
    pub executable_from: U256,
    /// How votes print (not in the JSON: `votes` holds the numbers).
    #[serde(skip)]
    pub shown: [String; 5],
}

#[derive(Debug, Serialize)]
pub(crate) struct Votes {
    #[serde(rename = "for", with = "ser::u256")]
    pub for_: U256,
    #[serde(with = "ser::u256")]
    pub against: U256,
    #[serde(with = "ser::u256")]
    pub abstain: U256,
    #[serde(with = "ser::u256")]
    pub participation: U256,
}

#[derive(Debug, Serialize)]
pub(crate) struct Quorum {
    #[serde(with = "ser::u256")]
    pub required: U256,
    #[serde(with = "ser::u256")]
    pub electorate: U256,
}

impl fmt::Display for ProposalShow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "proposal {}\n  cell {}  proposer {}  state {}\n  {}",
            self.proposal,
            self.cell,
            self.proposer.to_checksum(None),
            self.state,
            self.description
        )?;
        for a in &self.actions {
            writeln!(f, "  - {a}")?;
        }
        let [for_, against, abstain, required, electorate] = &self.shown;
        writeln!(
            f,
            "  votes: for {for_} against {against} abstain {abstain} (quorum {required} of {electorate})\n  blocks: snapshot {} vote end {} executable from {}",
            self.snapshot, self.vote_end, self.executable_from
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tables pad every column to its width (left, or right for amounts), one space apart; a
    /// last list column is as wide as its text; a row's tail follows its last cell.
    #[test]
    fn tables_pad_columns_and_keep_a_rows_tail() {
        let tasks = TaskList(vec![TaskRow {
            task: U256::from(3),
            cell: "events".into(),
            status: "Open".into(),
            bounty: U256::from(2),
            bounty_shown: "0.2 ETH".into(),
            token: Address::ZERO,
            claimant: Address::ZERO,
            required_role: None,
        }]);
        assert_eq!(
            tasks.to_string(),
            "TASK  CELL         STATUS           BOUNTY ROLE                   CLAIMANT\n\
             3     events       Open            0.2 ETH -                      \
             0x0000000000000000000000000000000000000000\n"
        );
        let cells = CellList(vec![CellRow {
            key: "dao".into(),
            id: "1".into(),
            name: "Riverside".into(),
            parent: None,
            phase: "Formation".into(),
            scale: "Constituency".into(),
            children: 0,
            decisions: 0,
        }]);
        assert_eq!(
            cells.to_string(),
            "KEY            ID       NAME               PARENT   PHASE          SCALE         \n\
             dao            1        Riverside          -        Formation      Constituency  \n"
        );
    }
}
