//! The views built from the index: the one place that reads the indexer's typed state
//! (`dao_indexer::State` and its `Domain`) for `daoctl`'s reads. Each function builds the same view
//! the command's live path builds, from events instead of contract calls; what events cannot tell
//! (a balance, the governor's time-dependent proposal state, what a wearer may claim now) is a
//! point read the caller makes for both sources.
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
    State,
    domain::{Proposal, TaskStatus},
};
use eyre::{Result, eyre};

/// The cells of the DAO under `root` with their depth, parents first and siblings by id (the
/// order of the live `cell::walk`).
pub(crate) fn cells(s: &State, root: U256) -> Vec<(U256, usize)> {
    let d = &s.domain;
    let mut out = Vec::new();
    let mut stack = vec![(root, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        if !d.cells.contains_key(&id) {
            continue;
        }
        out.push((id, depth));
        let mut children: Vec<U256> = d.children_of(id).map(|c| c.id).collect();
        children.sort();
        stack.extend(children.into_iter().rev().map(|c| (c, depth + 1)));
    }
    out
}

/// Who wears `role` now (`Roles.isWearerOfHat`): the role is active, and the grant is not
/// revoked, not expired at `now`, in good standing.
pub(crate) fn wearers(s: &State, role: U256, now: u64) -> Vec<Address> {
    if s.roles.get(&role).is_some_and(|r| !r.active) {
        return Vec::new();
    }
    s.wearers_of(role)
        .filter(|w| w.expiry == 0 || w.expiry > now)
        .map(|w| w.wearer)
        .filter(|w| !s.bad_standing.contains_key(&(role, *w)))
        .collect()
}

/// A cell's admin role, then the admin's children by id.
pub(crate) fn roles_of_cell(s: &State, cell: U256) -> Vec<U256> {
    let mut ids = vec![cell];
    ids.extend(
        s.roles
            .values()
            .filter(|r| r.admin_id == cell && r.role_id != cell)
            .map(|r| r.role_id),
    );
    ids
}

/// A cell's budget from the shared ledger as `Treasury.getBudget` computes it at `now`
/// (`Ledger::at`); zeros without a budget.
pub(crate) fn budget(s: &State, cell: U256, token: Address, now: u64) -> BudgetView {
    let d = &s.domain;
    let frozen = d.treasury_cells.get(&cell).is_some_and(|c| c.frozen);
    let Some(b) = d
        .budgets
        .get(&(cell, token))
        .and_then(|b| b.ledger.at(U256::from(now)))
    else {
        return BudgetView {
            frozen,
            ..BudgetView::default()
        };
    };
    BudgetView {
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
    }
}

/// The Safe of the DAO `root` (zero when none is linked).
pub(crate) fn safe(s: &State, root: U256) -> Address {
    s.domain
        .safes
        .get(&root)
        .map(|l| l.safe)
        .unwrap_or_default()
}

/// The cells of `daoctl state`, from the DAO's root down.
pub(crate) fn state_cells(
    ctx: &Ctx,
    s: &State,
    root: U256,
    token: Address,
    now: u64,
) -> Vec<StateCell> {
    let d = &s.domain;
    let safe = safe(s, root);
    let mut out = Vec::new();
    for (id, depth) in cells(s, root) {
        let cell = &d.cells[&id];
        let executor = d.executors.get(&id).map(|e| e.executor);
        let run_by = super::run_by(&wearers(s, id, now), executor, safe);
        let roles = roles_of_cell(s, id)
            .into_iter()
            .map(|r| RoleWearers {
                role: RoleId(r).to_string(),
                name: ctx.role_name(r),
                wearers: wearers(s, r, now),
            })
            .collect();
        let mut state: Vec<_> = d
            .state_docs_of(id)
            .filter_map(|doc| {
                let v = doc.current()?;
                Some((
                    doc.key,
                    StateDocView {
                        key: state_key_name(doc.key),
                        version: v.version,
                        uri: v.uri.clone(),
                    },
                ))
            })
            .collect();
        state.sort_by_key(|(k, _)| *k);
        let decisions = d
            .decisions
            .range((id, 0)..=(id, u32::MAX))
            .map(|(_, x)| DecisionView {
                index: x.index,
                reference: x.reference,
                uri: x.uri.clone(),
                by: x.by,
                executed: x.executed,
            })
            .collect();
        out.push(StateCell {
            key: ctx.cell_name(id),
            id: RoleId(id).to_string(),
            name: cell.name.clone(),
            depth,
            phase: phase_name(cell.phase).to_owned(),
            scale: scale_name(cell.scale).to_owned(),
            run_by,
            roles,
            budget: budget(s, id, token, now),
            state: state.into_iter().map(|(_, v)| v).collect(),
            decisions,
        });
    }
    out
}

/// The budget rows of `daoctl treasury status` for `cells`.
pub(crate) fn budget_rows(
    ctx: &Ctx,
    s: &State,
    cells: &[U256],
    token: Address,
    now: u64,
) -> Vec<BudgetRow> {
    cells
        .iter()
        .map(|c| BudgetRow {
            cell: ctx.cell_name(*c),
            id: RoleId(*c).to_string(),
            budget: budget(s, *c, token, now),
        })
        .collect()
}

/// One role as `role show` and `role list` print it.
pub(crate) fn role(ctx: &Ctx, s: &State, role: U256, now: u64) -> Result<RoleView> {
    let r = s
        .roles
        .get(&role)
        .ok_or_else(|| eyre!("no role {} in the index", RoleId(role)))?;
    Ok(RoleView {
        role: RoleId(role).to_string(),
        name: ctx.role_name(role),
        details: r.details.clone(),
        supply: r.supply,
        max_supply: r.max_supply,
        claimable: r.claimable,
        mutable: r.mutable_,
        active: r.active,
        eligibility: r.eligibility,
        toggle: r.toggle,
        wearers: wearers(s, role, now),
    })
}

pub(crate) fn role_list(ctx: &Ctx, s: &State, cell: U256, now: u64) -> Result<RoleList> {
    Ok(RoleList(
        roles_of_cell(s, cell)
            .into_iter()
            .map(|r| role(ctx, s, r, now))
            .collect::<Result<_>>()?,
    ))
}

fn cell_or_err(s: &State, id: U256) -> Result<&dao_indexer::domain::Cell> {
    s.domain
        .cells
        .get(&id)
        .ok_or_else(|| eyre!("no cell {} in the index", RoleId(id)))
}

fn registry_decisions(s: &State, id: U256) -> u32 {
    s.domain
        .decisions
        .range((id, 0)..=(id, u32::MAX))
        .filter(|(_, d)| d.registry_index.is_some())
        .count() as u32
}

pub(crate) fn cell_list(ctx: &Ctx, s: &State, root: U256) -> Result<CellList> {
    let mut rows = Vec::new();
    for (id, _) in cells(s, root) {
        let c = cell_or_err(s, id)?;
        rows.push(CellRow {
            key: ctx.cell_key(id, &c.name),
            id: RoleId(id).to_string(),
            name: c.name.clone(),
            parent: (!c.parent.is_zero()).then(|| RoleId(c.parent).to_string()),
            phase: phase_name(c.phase).to_owned(),
            scale: scale_name(c.scale).to_owned(),
            children: s.domain.children_of(id).count() as u32,
            decisions: registry_decisions(s, id),
        });
    }
    Ok(CellList(rows))
}

pub(crate) fn cell_show(ctx: &Ctx, s: &State, id: U256) -> Result<CellShow> {
    let c = cell_or_err(s, id)?;
    let mut children: Vec<U256> = s.domain.children_of(id).map(|c| c.id).collect();
    children.sort();
    let mut docs: Vec<_> = s
        .domain
        .state_docs_of(id)
        .filter_map(|doc| Some((doc.key, doc.current()?)))
        .collect();
    docs.sort_by_key(|(k, _)| *k);
    Ok(CellShow {
        key: ctx.cell_key(id, &c.name),
        id: RoleId(id).to_string(),
        name: c.name.clone(),
        parent: RoleId(c.parent).to_string(),
        dao: RoleId(c.dao).to_string(),
        member_role: RoleId(c.member_role).to_string(),
        phase: phase_name(c.phase).to_owned(),
        scale: scale_name(c.scale).to_owned(),
        restrictions: c.restrictions,
        children: children.iter().map(|c| RoleId(*c).to_string()).collect(),
        decisions: registry_decisions(s, id),
        state: docs
            .into_iter()
            .map(|(k, v)| CellDoc {
                key: state_key_name(k),
                uri: v.uri.clone(),
                hash: v.content_hash,
                version: v.version,
                author: v.author,
            })
            .collect(),
    })
}

/// A partnership as `getPartnership` returns it.
pub(crate) fn partnership(s: &State, id: U256) -> Result<PartnershipShow> {
    let p = s
        .domain
        .partnerships
        .get(&id)
        .ok_or_else(|| eyre!("partnership {id}: PartnershipNotFound(partnership {id})"))?;
    Ok(PartnershipShow {
        id,
        cell: RoleId(p.cell).to_string(),
        counterparty_cell: (!p.counterparty_cell.is_zero())
            .then(|| RoleId(p.counterparty_cell).to_string()),
        counterparty_account: p.counterparty_account,
        status: partnership_status(p.status),
        terms_uri: p.terms_uri.clone(),
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
    s: &State,
    cells: &[U256],
    now: u64,
) -> Result<Vec<TaskRow>> {
    let mut rows = Vec::new();
    for t in s.domain.tasks.values().filter(|t| cells.contains(&t.cell)) {
        rows.push(TaskRow {
            task: t.id,
            cell: ctx.cell_name(t.cell),
            status: task_status(t, now),
            bounty: t.bounty,
            bounty_shown: ctx.fmt_amount(t.token, t.bounty).await?,
            token: t.token,
            claimant: t.claimant.unwrap_or_default(),
            required_role: (!t.required_role.is_zero()).then(|| ctx.role_name(t.required_role)),
        });
    }
    Ok(rows)
}

pub(crate) async fn task_show(ctx: &Ctx, s: &State, id: U256, now: u64) -> Result<TaskShow> {
    let t = s
        .domain
        .tasks
        .get(&id)
        .ok_or_else(|| eyre!("no task {id} on the task board"))?;
    Ok(TaskShow {
        task: t.id,
        cell: ctx.cell_name(t.cell),
        status: task_status(t, now),
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

pub(crate) async fn stream(ctx: &Ctx, s: &State, id: U256) -> Result<StreamView> {
    let st = s
        .domain
        .streams
        .get(&id)
        .ok_or_else(|| eyre!("stream {id}: StreamNotFound(stream {id})"))?;
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

/// The streams of `cells`, by id.
pub(crate) async fn stream_list(ctx: &Ctx, s: &State, cells: &[U256]) -> Result<StreamList> {
    let mut rows = Vec::new();
    for id in s
        .domain
        .streams
        .values()
        .filter(|st| cells.contains(&st.cell))
        .map(|st| st.id)
    {
        rows.push(stream(ctx, s, id).await?);
    }
    Ok(StreamList(rows))
}

/// The proposals of `cells` in chain order.
pub(crate) fn proposals<'a>(s: &'a State, cells: &[U256]) -> Vec<&'a Proposal> {
    let mut out: Vec<&Proposal> = s
        .domain
        .proposals
        .values()
        .filter(|p| cells.contains(&p.cell))
        .collect();
    out.sort_by_key(|p| (p.created.block, p.created.tx_index, p.created.log_index));
    out
}

/// A proposal's counted tally: (for, against, abstain).
pub(crate) fn tally(p: &Proposal) -> (U256, U256, U256) {
    (p.tally.for_, p.tally.against, p.tally.abstain)
}
