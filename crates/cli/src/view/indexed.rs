//! The views built from the index: the one place that reads the index's derived tables for
//! `daoctl`'s reads, through the typed queries of `dao_indexer::query` (a read costs what it
//! returns; the whole state is never loaded). Each function builds the same view the command's
//! live path builds, from events instead of contract calls; what events cannot tell (a balance,
//! the governor's time-dependent proposal state, what a wearer may claim now) is a point read the
//! caller makes for both sources.
use std::collections::HashSet;

use super::{
    BudgetRow, BudgetView, CellDoc, CellList, CellRow, CellShow, DecisionView, PartnershipShow,
    RoleList, RoleView, RoleWearers, StateCell, StateDocView, StreamList, StreamView, TaskRow,
    TaskShow,
};
use crate::{
    cmd::{
        cell::{partnership_status, phase_name, scale_name},
        task::status_name,
    },
    ctx::Ctx,
};
use alloy::primitives::{Address, U256};
use dao_bindings::RoleId;
use dao_deploy::design::state_key_name;
use dao_indexer::{
    Store,
    domain::{Cell, Proposal, StateDoc, Stream, TaskStatus},
    model::Role,
};
use eyre::{Result, eyre};

/// Wearers read from the index a page at a time.
const WEARER_PAGE: usize = 10_000;

/// The cells of the DAO under `root` with their depth, parents first and siblings by id (the
/// order of the live `cell::walk`).
pub(crate) fn tree(st: &Store, root: U256) -> Result<Vec<(Cell, usize)>> {
    let mut out = Vec::new();
    let Some(root) = st.cell(root)? else {
        return Ok(out);
    };
    let mut stack = vec![(root, 0usize)];
    while let Some((cell, depth)) = stack.pop() {
        // `children_of` is in id order; pushed in reverse so the first child is walked next.
        let children = st.children_of(cell.id)?;
        stack.extend(children.into_iter().rev().map(|c| (c, depth + 1)));
        out.push((cell, depth));
    }
    Ok(out)
}

/// The ids of the cells of the DAO under `root`, parents first (see [`tree`]).
pub(crate) fn cells(st: &Store, root: U256) -> Result<Vec<U256>> {
    Ok(tree(st, root)?.into_iter().map(|(c, _)| c.id).collect())
}

/// Who wears `role` now (`Roles.isWearerOfHat`): the role is active, and the grant is not
/// revoked, not expired at `now`, in good standing.
pub(crate) fn wearers(st: &Store, role: U256, now: u64) -> Result<Vec<Address>> {
    let active = st.role(role)?.is_none_or(|r| r.active);
    wearing(st, role, active, now)
}

/// [`wearers`] of a role whose `active` flag the caller has read.
fn wearing(st: &Store, role: U256, active: bool, now: u64) -> Result<Vec<Address>> {
    if !active {
        return Ok(Vec::new());
    }
    let bad: HashSet<Address> = st.bad_standing_of(role)?.into_iter().collect();
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = st.wearers_of(role, after, WEARER_PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.wearer);
        let full = page.len() == WEARER_PAGE;
        out.extend(
            page.into_iter()
                .filter(|w| w.expiry == 0 || w.expiry > now)
                .map(|w| w.wearer)
                .filter(|w| !bad.contains(w)),
        );
        if !full {
            break;
        }
    }
    Ok(out)
}

/// A cell's admin role, then the admin's children by id.
pub(crate) fn roles_of_cell(st: &Store, cell: U256) -> Result<Vec<U256>> {
    let mut ids = vec![cell];
    ids.extend(st.roles_under(cell)?.into_iter().map(|r| r.role_id));
    Ok(ids)
}

/// A cell's budget from the shared ledger as `Treasury.getBudget` computes it at `now`
/// (`Ledger::at`); zeros without a budget.
pub(crate) fn budget(st: &Store, cell: U256, token: Address, now: u64) -> Result<BudgetView> {
    let frozen = st.treasury_cell(cell)?.is_some_and(|c| c.frozen);
    let Some(b) = st
        .budget(cell, token)?
        .and_then(|b| b.ledger.at(U256::from(now)))
    else {
        return Ok(BudgetView {
            frozen,
            ..BudgetView::default()
        });
    };
    Ok(BudgetView {
        amount: b.terms.amount,
        period: b.terms.period,
        active: b.active,
        funded: b.terms.funded,
        received: b.usage.received,
        spent: b.usage.spent,
        sub_allocated: b.usage.sub_allocated,
        reserved: b.reserved,
        available: b.available,
        cap: b.cap,
        frozen,
    })
}

/// The Safe of the DAO `root` (zero when none is linked).
pub(crate) fn safe(st: &Store, root: U256) -> Result<Address> {
    Ok(st.safe(root)?.map(|l| l.safe).unwrap_or_default())
}

/// The cell's current state documents, by key.
fn current_docs(st: &Store, cell: U256) -> Result<Vec<StateDoc>> {
    let mut docs: Vec<StateDoc> = st
        .state_docs_of(cell)?
        .into_iter()
        .filter(|d| d.current().is_some())
        .collect();
    docs.sort_by_key(|d| d.key);
    Ok(docs)
}

/// The cells of `daoctl state`, from the DAO's root down.
pub(crate) fn state_cells(
    ctx: &Ctx,
    st: &Store,
    root: U256,
    token: Address,
    now: u64,
) -> Result<Vec<StateCell>> {
    let safe = safe(st, root)?;
    let mut out = Vec::new();
    for (cell, depth) in tree(st, root)? {
        let id = cell.id;
        let executor = st.executor(id)?.map(|e| e.executor);
        let roles: Vec<RoleWearers> = roles_of_cell(st, id)?
            .into_iter()
            .map(|r| {
                Ok(RoleWearers {
                    role: RoleId(r).to_string(),
                    name: ctx.role_name(r),
                    wearers: wearers(st, r, now)?,
                })
            })
            .collect::<Result<_>>()?;
        // The cell's admin role is the first of its roles: its wearers read once.
        let run_by = super::run_by(&roles[0].wearers, executor, safe);
        let state = current_docs(st, id)?
            .iter()
            .filter_map(|doc| {
                let v = doc.current()?;
                Some(StateDocView {
                    key: state_key_name(doc.key),
                    version: v.version,
                    uri: v.uri.clone(),
                })
            })
            .collect();
        // In index order: the row ids of a cell's decisions sort by their index.
        let decisions = st
            .decisions_of(id)?
            .into_iter()
            .map(|x| DecisionView {
                index: x.index,
                reference: x.reference,
                uri: x.uri,
                by: x.by,
                executed: x.executed,
            })
            .collect();
        out.push(StateCell {
            key: ctx.cell_name(id),
            id: RoleId(id).to_string(),
            name: cell.name,
            depth,
            phase: phase_name(cell.phase).to_owned(),
            scale: scale_name(cell.scale).to_owned(),
            run_by,
            roles,
            budget: budget(st, id, token, now)?,
            state,
            decisions,
        });
    }
    Ok(out)
}

/// The budget rows of `daoctl treasury status` for `cells`.
pub(crate) fn budget_rows(
    ctx: &Ctx,
    st: &Store,
    cells: &[U256],
    token: Address,
    now: u64,
) -> Result<Vec<BudgetRow>> {
    cells
        .iter()
        .map(|c| {
            Ok(BudgetRow {
                cell: ctx.cell_name(*c),
                id: RoleId(*c).to_string(),
                budget: budget(st, *c, token, now)?,
            })
        })
        .collect()
}

/// One role as `role show` and `role list` print it.
pub(crate) fn role(ctx: &Ctx, st: &Store, role: U256, now: u64) -> Result<RoleView> {
    let r = st
        .role(role)?
        .ok_or_else(|| eyre!("no role {} in the index", RoleId(role)))?;
    role_view(ctx, st, r, now)
}

fn role_view(ctx: &Ctx, st: &Store, r: Role, now: u64) -> Result<RoleView> {
    Ok(RoleView {
        role: RoleId(r.role_id).to_string(),
        name: ctx.role_name(r.role_id),
        wearers: wearing(st, r.role_id, r.active, now)?,
        details: r.details,
        supply: r.supply,
        max_supply: r.max_supply,
        claimable: r.claimable,
        mutable: r.mutable_,
        active: r.active,
        eligibility: r.eligibility,
        toggle: r.toggle,
    })
}

/// The cell's admin role, then the roles it administers, by id.
pub(crate) fn role_list(ctx: &Ctx, st: &Store, cell: U256, now: u64) -> Result<RoleList> {
    let mut views = vec![role(ctx, st, cell, now)?];
    for r in st.roles_under(cell)? {
        views.push(role_view(ctx, st, r, now)?);
    }
    Ok(RoleList(views))
}

fn cell_or_err(st: &Store, id: U256) -> Result<Cell> {
    st.cell(id)?
        .ok_or_else(|| eyre!("no cell {} in the index", RoleId(id)))
}

/// How many decisions the cell's registry holds (`CellRegistry.decisionCount`).
fn registry_decisions(st: &Store, id: U256) -> Result<u32> {
    Ok(st
        .decisions_of(id)?
        .iter()
        .filter(|d| d.registry_index.is_some())
        .count() as u32)
}

pub(crate) fn cell_list(ctx: &Ctx, st: &Store, root: U256) -> Result<CellList> {
    let mut rows = Vec::new();
    for (c, _) in tree(st, root)? {
        let id = c.id;
        rows.push(CellRow {
            key: ctx.cell_key(id, &c.name),
            id: RoleId(id).to_string(),
            parent: (!c.parent.is_zero()).then(|| RoleId(c.parent).to_string()),
            phase: phase_name(c.phase).to_owned(),
            scale: scale_name(c.scale).to_owned(),
            children: st.children_of(id)?.len() as u32,
            decisions: registry_decisions(st, id)?,
            name: c.name,
        });
    }
    Ok(CellList(rows))
}

pub(crate) fn cell_show(ctx: &Ctx, st: &Store, id: U256) -> Result<CellShow> {
    let c = cell_or_err(st, id)?;
    let children = st.children_of(id)?;
    Ok(CellShow {
        key: ctx.cell_key(id, &c.name),
        id: RoleId(id).to_string(),
        parent: RoleId(c.parent).to_string(),
        dao: RoleId(c.dao).to_string(),
        member_role: RoleId(c.member_role).to_string(),
        phase: phase_name(c.phase).to_owned(),
        scale: scale_name(c.scale).to_owned(),
        restrictions: c.restrictions,
        children: children.iter().map(|c| RoleId(c.id).to_string()).collect(),
        decisions: registry_decisions(st, id)?,
        state: current_docs(st, id)?
            .iter()
            .filter_map(|doc| {
                let v = doc.current()?;
                Some(CellDoc {
                    key: state_key_name(doc.key),
                    uri: v.uri.clone(),
                    hash: v.content_hash,
                    version: v.version,
                    author: v.author,
                })
            })
            .collect(),
        name: c.name,
    })
}

/// A partnership as `getPartnership` returns it.
pub(crate) fn partnership(st: &Store, id: U256) -> Result<PartnershipShow> {
    let p = st
        .partnership(id)?
        .ok_or_else(|| eyre!("partnership {id}: PartnershipNotFound(partnership {id})"))?;
    Ok(PartnershipShow {
        id,
        cell: RoleId(p.cell).to_string(),
        counterparty_cell: (!p.counterparty_cell.is_zero())
            .then(|| RoleId(p.counterparty_cell).to_string()),
        counterparty_account: p.counterparty_account,
        status: partnership_status(p.status),
        terms_uri: p.terms_uri,
    })
}

/// `ITaskBoard.statusOf` from the indexed status: a claim past its deadline reads as open.
fn task_status(t: &dao_indexer::domain::Task, now: u64) -> String {
    let lapsed = t.status == TaskStatus::Claimed && t.deadline != 0 && now > t.deadline;
    status_name(if lapsed { TaskStatus::Open } else { t.status })
}

/// The tasks of `cells`, by id.
pub(crate) async fn task_list(
    ctx: &Ctx,
    st: &Store,
    cells: &[U256],
    now: u64,
) -> Result<Vec<TaskRow>> {
    let mut tasks = Vec::new();
    for c in cells {
        tasks.extend(st.tasks_of(*c)?);
    }
    tasks.sort_by_key(|t| t.id);
    let mut rows = Vec::new();
    for t in tasks {
        rows.push(TaskRow {
            task: t.id,
            cell: ctx.cell_name(t.cell),
            status: task_status(&t, now),
            bounty: t.bounty,
            bounty_shown: ctx.fmt_amount(t.token, t.bounty).await?,
            token: t.token,
            claimant: t.claimant.unwrap_or_default(),
            required_role: (!t.required_role.is_zero()).then(|| ctx.role_name(t.required_role)),
        });
    }
    Ok(rows)
}

pub(crate) async fn task_show(ctx: &Ctx, st: &Store, id: U256, now: u64) -> Result<TaskShow> {
    let t = st
        .task(id)?
        .ok_or_else(|| eyre!("no task {id} on the task board"))?;
    Ok(TaskShow {
        task: t.id,
        cell: ctx.cell_name(t.cell),
        status: task_status(&t, now),
        bounty: t.bounty,
        bounty_shown: ctx.fmt_amount(t.token, t.bounty).await?,
        token: t.token,
        claimant: t.claimant.unwrap_or_default(),
        deadline: t.deadline,
        required_role: ctx.role_name(t.required_role),
        spec_hash: t.spec_hash,
        deliverable_hash: t
            .submissions
            .last()
            .map(|s| s.content_hash)
            .unwrap_or_default(),
    })
}

async fn stream_view(ctx: &Ctx, st: Stream) -> Result<StreamView> {
    Ok(StreamView {
        stream: st.id,
        cell: ctx.cell_name(st.cell),
        role: ctx.role_name(st.role),
        token: st.token,
        amount: st.amount,
        amount_shown: ctx.fmt_amount(st.token, st.amount).await?,
        period: st.period.saturating_to(),
        start: st.start.saturating_to(),
        end: st.end.saturating_to(),
        closed: st.closed,
        rate_changes: U256::from(st.rate_changes.len()),
    })
}

pub(crate) async fn stream(ctx: &Ctx, st: &Store, id: U256) -> Result<StreamView> {
    let s = st
        .stream(id)?
        .ok_or_else(|| eyre!("stream {id}: StreamNotFound(stream {id})"))?;
    stream_view(ctx, s).await
}

/// The streams of `cells`, by id.
pub(crate) async fn stream_list(ctx: &Ctx, st: &Store, cells: &[U256]) -> Result<StreamList> {
    let mut streams = Vec::new();
    for c in cells {
        streams.extend(st.streams_of(*c)?);
    }
    streams.sort_by_key(|s| s.id);
    let mut rows = Vec::new();
    for s in streams {
        rows.push(stream_view(ctx, s).await?);
    }
    Ok(StreamList(rows))
}

/// The proposals of `cells` in chain order.
pub(crate) fn proposals(st: &Store, cells: &[U256]) -> Result<Vec<Proposal>> {
    let mut out = Vec::new();
    for c in cells {
        out.extend(st.proposals_of(*c)?);
    }
    out.sort_by_key(|p| (p.created.block, p.created.tx_index, p.created.log_index));
    Ok(out)
}

/// A proposal's counted tally: (for, against, abstain).
pub(crate) fn tally(p: &Proposal) -> (U256, U256, U256) {
    (p.tally.for_, p.tally.against, p.tally.abstain)
}
