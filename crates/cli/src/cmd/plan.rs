//! `daoctl plan FILE` and `daoctl apply FILE`: a design file compared with the live DAO its
//! `dao.name` names on this chain, and the differences carried out, each through the authority
//! that holds it: the operator's key, the DAO's Safe (one batch file for the owners), or a vote-run
//! cell (a proposal). Live values are read from the chain; the record only names things.
use crate::{
    cmd::{role::wearers, safe},
    ctx::{Ctx, Global},
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, Uint},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use dao_bindings::interfaces::ICellGovernor::ProposalState;
use dao_bindings::{ICellGovernor, ICellRegistry, IRoleStreams, IRoles, ITreasury, RoleId};
use dao_deploy::{
    Design, Record,
    design::{
        Account, BudgetSpec, Counting, GovernorSpec, Phase, RoleSpec,
        STREAM_OPENING_MARGIN as OPENING_MARGIN, Scale, StateDoc, StreamSpec, Token,
        restriction_bit, state_key,
    },
    record::{CellRecord, StepRecord},
};
use eyre::{Result, WrapErr, bail, eyre};
use serde::Serialize;
use std::{
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  daoctl plan examples/council.toml
  daoctl plan edited.toml --dev-account 1 --json")]
pub(crate) struct PlanArgs {
    /// The design file (TOML); its dao.name selects the DAO's record on this chain.
    design: PathBuf,
}

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  daoctl apply edited.toml --account steward
  daoctl apply edited.toml --account steward --allow-destructive
  (the Safe's owners then run `daoctl safe sign FILE` / `daoctl safe exec FILE`; a vote-run
   cell votes on its proposal; `daoctl apply` again records the design once the plan is empty)")]
pub(crate) struct ApplyArgs {
    /// The design file (TOML); its dao.name selects the DAO's record on this chain.
    design: PathBuf,
    /// Also carry out destructive changes (revoking wearers, transferring a cell's admin role,
    /// dissolving cells); without it they are listed and nothing is done.
    #[arg(long)]
    allow_destructive: bool,
}

/// `+` something new, `~` a change, `-` something taken away.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub(crate) enum Op {
    #[serde(rename = "+")]
    Add,
    #[serde(rename = "~")]
    Change,
    #[serde(rename = "-")]
    Remove,
}

impl Op {
    fn sign(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Change => "~",
            Self::Remove => "-",
        }
    }
}

/// Who can make a change.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Authority {
    /// The key daoctl runs with.
    Operator { account: Address },
    /// The DAO's Safe: a transaction file its owners sign.
    Safe { safe: Address, owners: String },
    /// A vote-run cell: a proposal its members vote on.
    Proposal { cell: String, executor: Address },
    /// Nobody daoctl knows of (or apply cannot do it yet): `reason` says why.
    Nobody { reason: String },
}

impl std::fmt::Display for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Operator { account } => write!(f, "operator's key {account}"),
            Self::Safe { safe, owners } => write!(f, "the DAO's Safe {safe} ({owners})"),
            Self::Proposal { cell, .. } => write!(f, "proposal of vote-run cell `{cell}`"),
            Self::Nobody { reason } => write!(f, "nobody: {reason}"),
        }
    }
}

/// One difference between the design and the chain, and the call that removes it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Change {
    /// Stable id, e.g. `budget.dao.ETH`, `wearer.stewards.member.add.0x…`.
    pub id: String,
    pub op: Op,
    pub cell: String,
    pub description: String,
    pub destructive: bool,
    pub authority: Authority,
    #[serde(skip)]
    to: Address,
    #[serde(skip)]
    data: Bytes,
}

/// What `plan --json` prints.
#[derive(Debug, Serialize)]
struct PlanView {
    dao: String,
    design: String,
    design_hash: B256,
    recorded_design_hash: B256,
    changes: Vec<Change>,
    /// What follows once earlier changes are made (a new cell's contents), or is not compared.
    notes: Vec<String>,
}

/// What `apply --json` prints.
#[derive(Debug, Serialize)]
struct ApplyView {
    dao: String,
    done: Vec<String>,
    /// Changes waiting for the Safe's owners or a cell's vote, with the file or proposal.
    waiting: Vec<Waiting>,
    remaining: Vec<Change>,
    /// True when the live DAO matches the design (its hash is then the record's).
    complete: bool,
}

#[derive(Debug, Serialize)]
struct Waiting {
    change: String,
    on: String,
}

/// A design's cell, with the DAO root in the same shape.
struct CellDesign<'a> {
    key: &'a str,
    name: &'a str,
    parent: &'a str,
    phase: Phase,
    scale: Scale,
    admin: Option<Account>,
    members: &'a [Account],
    roles: &'a BTreeMap<String, RoleSpec>,
    state: &'a BTreeMap<String, StateDoc>,
    budgets: &'a [BudgetSpec],
    /// None for the DAO root (restrictions are set by a parent).
    restrictions: Option<&'a [String]>,
    governor: Option<&'a GovernorSpec>,
    streams: &'a [StreamSpec],
}

fn cells_of(design: &Design) -> Vec<CellDesign<'_>> {
    let dao = &design.dao;
    let mut out = vec![CellDesign {
        key: "dao",
        name: &dao.name,
        parent: "",
        phase: dao.phase,
        scale: dao.scale,
        admin: None,
        members: &dao.members,
        roles: &dao.roles,
        state: &dao.state,
        budgets: &dao.budgets,
        restrictions: None,
        governor: None,
        streams: &dao.streams,
    }];
    for c in &design.cells {
        out.push(CellDesign {
            key: &c.key,
            name: &c.name,
            parent: &c.parent,
            phase: c.phase,
            scale: c.scale,
            admin: c.admin,
            members: &c.members,
            roles: &c.roles,
            state: &c.state,
            budgets: &c.budgets,
            restrictions: Some(&c.restrictions),
            governor: c.governor.as_ref(),
            streams: &c.streams,
        });
    }
    out
}

/// A record key derived from a cell's name: lower case, runs of other characters as `-`
/// ("Outreach Team" -> `outreach-team`).
pub(crate) fn key_of(name: &str) -> String {
    let mut key = String::new();
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            key.push(ch.to_ascii_lowercase());
        } else if !key.ends_with('-') && !key.is_empty() {
            key.push('-');
        }
    }
    key.trim_end_matches('-').to_owned()
}

/// Who may act, in the order they are asked: the operator, vote-run cells, the DAO's Safe.
struct Candidates {
    operator: Option<Address>,
    executors: Vec<(String, Address)>,
    safe: Option<(Address, String)>,
}

impl Candidates {
    async fn read(ctx: &Ctx, record: &Record) -> Result<Self> {
        let safe = match record.safe {
            Some(s) => Some((s, safe::SafeInfo::read(ctx, s).await?.describe())),
            None => None,
        };
        // Deeper cells first: the nearest vote-run cell holds the authority before those above.
        let mut executors: Vec<(String, Address, usize)> = record
            .cells
            .iter()
            .filter_map(|(k, c)| Some((k.clone(), c.executor?, c.path.len())))
            .collect();
        executors.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        Ok(Self {
            operator: ctx.signer.as_ref().map(|s| s.address()),
            executors: executors.into_iter().map(|(k, e, _)| (k, e)).collect(),
            safe,
        })
    }

    /// The first candidate the call succeeds for (simulated with eth_call); `own` is a vote-run
    /// cell asked first (a change of its own governance is its own decision).
    /// `data_for` builds the call for a sender (a new vote-run cell's first admin is whoever
    /// creates it); the call found is returned with its authority.
    async fn find(
        &self,
        provider: &DynProvider,
        to: Address,
        data_for: &(dyn Fn(Address) -> Bytes + Sync),
        own: Option<&str>,
    ) -> (Authority, Bytes) {
        let ok = |from: Address| {
            let tx = TransactionRequest::default()
                .with_from(from)
                .with_to(to)
                .with_input(data_for(from));
            async move { provider.call(tx).await.is_ok() }
        };
        let authority = self.find_with(ok, own).await;
        let data = match &authority {
            Authority::Operator { account } => data_for(*account),
            Authority::Proposal { executor, .. } => data_for(*executor),
            Authority::Safe { safe, .. } => data_for(*safe),
            Authority::Nobody { .. } => data_for(Address::ZERO),
        };
        (authority, data)
    }

    async fn find_with<F, Fut>(&self, ok: F, own: Option<&str>) -> Authority
    where
        F: Fn(Address) -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let mut executors: Vec<&(String, Address)> = self.executors.iter().collect();
        if let Some(own) = own {
            executors.sort_by_key(|(k, _)| k != own);
        }
        if own.is_none()
            && let Some(op) = self.operator
            && ok(op).await
        {
            return Authority::Operator { account: op };
        }
        for (cell, executor) in executors {
            if ok(*executor).await {
                return Authority::Proposal {
                    cell: cell.clone(),
                    executor: *executor,
                };
            }
        }
        if let Some((safe, owners)) = &self.safe
            && ok(*safe).await
        {
            return Authority::Safe {
                safe: *safe,
                owners: owners.clone(),
            };
        }
        if own.is_some()
            && let Some(op) = self.operator
            && ok(op).await
        {
            return Authority::Operator { account: op };
        }
        Authority::Nobody {
            reason: match self.operator {
                Some(op) => format!(
                    "the call fails as the operator {op}, the vote-run cells and the DAO's Safe"
                ),
                None => {
                    "the call fails as the vote-run cells and the DAO's Safe (give your key to be \
                         considered)"
                        .to_owned()
                }
            },
        }
    }
}

/// Cells and roles of the design that the chain has but the record does not name yet (created by
/// `apply`, a Safe batch or a proposal): found by name under their parent and added to `record`.
/// Returns whether anything was added.
pub(crate) async fn sync_record(ctx: &Ctx, design: &Design, record: &mut Record) -> Result<bool> {
    let registry = ICellRegistry::new(contract(record, "CellRegistry")?, &ctx.provider);
    let roles_addr = contract(record, "Roles")?;
    let roles = IRoles::new(roles_addr, &ctx.provider);
    let mut added = false;
    let designed = cells_of(design);
    let design_keys: BTreeSet<&str> = designed.iter().map(|c| c.key).collect();
    for c in designed.iter() {
        if !record.cells.contains_key(c.key)
            && let Some(parent) = record.cells.get(c.parent).map(|p| p.id)
        {
            for child in registry.childrenOf(parent).call().await? {
                let view = registry.getCell(child).call().await?;
                // Named from the chain under a key of its name: the design's key wins.
                let found = record
                    .cells
                    .iter()
                    .find(|(k, r)| r.id == child && !design_keys.contains(k.as_str()))
                    .map(|(k, _)| k.clone());
                if view.name == c.name
                    && let Some(found) = found
                    && let Some(mut moved) = record.cells.remove(&found)
                {
                    moved.parent = c.parent.to_owned();
                    record.cells.insert(c.key.to_owned(), moved);
                    added = true;
                    break;
                }
                if view.name == c.name && !record.cells.values().any(|r| r.id == child) {
                    record.cells.insert(
                        c.key.to_owned(),
                        CellRecord {
                            id: child,
                            path: RoleId(child).to_string(),
                            name: c.name.to_owned(),
                            parent: c.parent.to_owned(),
                            member_role: view.memberRole,
                            executor: None,
                            roles: Default::default(),
                        },
                    );
                    added = true;
                    break;
                }
            }
        }
        let Some(cell) = record.cells.get(c.key).cloned() else {
            continue;
        };
        if c.governor.is_some() && cell.executor.is_none() {
            let governor = ICellGovernor::new(contract(record, "CellGovernor")?, &ctx.provider);
            if governor.settingsIdOf(cell.id).call().await? != 0 {
                let e = governor.executorOf(cell.id).call().await?;
                if let Some(r) = record.cells.get_mut(c.key) {
                    r.executor = Some(e);
                    added = true;
                }
            }
        }
        let missing: Vec<(&String, String)> = c
            .roles
            .iter()
            .filter(|(n, _)| *n != "member" && !cell.roles.contains_key(*n))
            .map(|(n, r)| (n, r.details.clone().unwrap_or_else(|| n.clone())))
            .collect();
        if missing.is_empty() {
            continue;
        }
        let known: BTreeSet<U256> = cell.roles.values().copied().collect();
        for id in crate::cmd::role::roles_of_cell(ctx, roles_addr, cell.id)
            .await?
            .into_iter()
            .skip(1)
            .filter(|id| *id != cell.member_role && !known.contains(id))
        {
            let details = roles.viewRole(id).call().await?.details;
            if let Some((name, _)) = missing.iter().find(|(_, d)| *d == details)
                && let Some(r) = record.cells.get_mut(c.key)
                && !r.roles.contains_key(*name)
            {
                r.roles.insert((*name).clone(), id);
                added = true;
            }
        }
    }
    Ok(added)
}

fn contract(record: &Record, name: &str) -> Result<Address> {
    record
        .address(name)
        .ok_or_else(|| eyre!("{name} is not in the deployment record"))
}

/// A module address as shown in a plan (`none` for the zero address).
fn module_name(a: Address) -> String {
    if a.is_zero() {
        "none".to_owned()
    } else {
        a.to_string()
    }
}

fn u24(v: u32) -> Uint<24, 1> {
    Uint::<24, 1>::from(v)
}

/// Every difference between `design` and the chain, with its authority, plus notes.
async fn diff(ctx: &Ctx, design: &Design, record: &Record) -> Result<(Vec<Change>, Vec<String>)> {
    let registry_addr = contract(record, "CellRegistry")?;
    let roles_addr = contract(record, "Roles")?;
    let treasury_addr = contract(record, "Treasury")?;
    let governor_addr = contract(record, "CellGovernor")?;
    let registry = ICellRegistry::new(registry_addr, &ctx.provider);
    let roles = IRoles::new(roles_addr, &ctx.provider);
    let treasury = ITreasury::new(treasury_addr, &ctx.provider);
    let governor = ICellGovernor::new(governor_addr, &ctx.provider);
    let now = ctx
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| eyre!("no latest block"))?
        .header
        .timestamp;
    let candidates = Candidates::read(ctx, record).await?;
    // Live streams (not closed, not ended) of this DAO's cells, by paying cell. The shared
    // RoleStreams holds every DAO's streams: only the ids opened by these cells are read (one
    // bounded scan of `StreamOpened` by cell id), so the cost follows this DAO, not the chain.
    let streams_addr = match record.address("RoleStreams") {
        Some(a) => a,
        None => treasury.streams().call().await?,
    };
    let mut live_streams: BTreeMap<U256, Vec<(U256, IRoleStreams::StreamView)>> = BTreeMap::new();
    let cell_ids: Vec<U256> = record.cells.values().map(|c| c.id).collect();
    if !streams_addr.is_zero() {
        let rs = IRoleStreams::new(streams_addr, &ctx.provider);
        for sid in super::stream::opened_by(ctx, streams_addr, &cell_ids).await? {
            let v = rs.getStream(sid).call().await?;
            if !v.closed && (v.end.is_zero() || v.end > U256::from(now)) {
                live_streams.entry(v.cellId).or_default().push((sid, v));
            }
        }
    }

    // Changes before their authority is known: (id, op, cell, description, destructive, to, data,
    // own vote-run cell first).
    struct Draft {
        id: String,
        op: Op,
        cell: String,
        description: String,
        destructive: bool,
        to: Address,
        data: Vec<u8>,
        own: Option<String>,
        nobody: Option<String>,
        /// The call depends on its sender: a new vote-run cell's admin is whoever creates it,
        /// until its governor is configured and the role handed to its executor.
        admin_is_sender: Option<Box<dyn Fn(Address) -> Bytes + Sync>>,
    }
    let mut drafts: Vec<Draft> = Vec::new();
    let mut notes = Vec::new();
    macro_rules! push {
        ($id:expr, $op:expr, $cell:expr, $desc:expr, $to:expr, $data:expr $(,)?) => {
            drafts.push(Draft {
                id: $id,
                op: $op,
                cell: ($cell).to_owned(),
                description: $desc,
                destructive: false,
                to: $to,
                data: $data,
                own: None,
                nobody: None,
                admin_is_sender: None,
            })
        };
    }

    // Closing a stream is destructive (it ends accrual; what accrued stays owed).
    macro_rules! close_stream {
        ($id:expr, $cell:expr, $desc:expr, $stream:expr $(,)?) => {{
            push!(
                $id,
                Op::Remove,
                $cell,
                $desc,
                streams_addr,
                IRoleStreams::closeCall { streamId: $stream }.abi_encode(),
            );
            if let Some(d) = drafts.last_mut() {
                d.destructive = true;
            }
        }};
    }

    let designed = cells_of(design);
    for c in &designed {
        let key = c.key;
        let Some(rec) = record.cells.get(key) else {
            // A new cell: created with its admin and members; the rest follows once it exists.
            let Some(parent) = record.cells.get(c.parent) else {
                notes.push(format!(
                    "cell `{key}`: created once its parent `{}` exists",
                    c.parent
                ));
                continue;
            };
            let admin = c.admin.map(|a| a.0).unwrap_or_default();
            let call = ICellRegistry::createCellCall {
                parentCellId: parent.id,
                name: c.name.to_owned(),
                scale: c.scale.to_sol(),
                phase: c.phase.to_sol(),
                admin,
                members: c.members.iter().map(|a| a.0).collect(),
            };
            push!(
                format!("cell.{key}.create"),
                Op::Add,
                key,
                format!(
                    "cell `{key}` ({}) under {}, admin {}, {} member(s)",
                    c.name,
                    c.parent,
                    if c.governor.is_some() {
                        "its executor (vote-run)".to_owned()
                    } else {
                        admin.to_string()
                    },
                    c.members.len()
                ),
                registry_addr,
                call.abi_encode(),
            );
            if c.governor.is_some()
                && let Some(d) = drafts.last_mut()
            {
                // Created with its creator as admin; the next round configures the governor and
                // hands the admin role to the executor (both by the same authority).
                let call = call.clone();
                d.admin_is_sender = Some(Box::new(move |sender| {
                    let mut call = call.clone();
                    call.admin = sender;
                    Bytes::from(call.abi_encode())
                }));
            }
            let more = !c.roles.is_empty()
                || !c.state.is_empty()
                || !c.budgets.is_empty()
                || !c.streams.is_empty()
                || c.restrictions.is_some_and(|r| !r.is_empty());
            if more {
                notes.push(format!(
                    "cell `{key}`: its roles, state documents, budgets and restrictions are planned once it exists (apply does them in its next round)"
                ));
            }
            continue;
        };
        let id = rec.id;
        let view = registry.getCell(id).call().await?;

        if key != "dao" {
            if view.name != c.name {
                let call = ICellRegistry::renameCellCall {
                    cellId: id,
                    name: c.name.to_owned(),
                };
                push!(
                    format!("cell.{key}.name"),
                    Op::Change,
                    key,
                    format!("name of `{key}`: {:?} → {:?}", view.name, c.name),
                    registry_addr,
                    call.abi_encode(),
                );
            }
            match record.cells.get(c.parent) {
                Some(p) if p.id != view.parent => {
                    let call = ICellRegistry::moveCellCall {
                        cellId: id,
                        newParentCellId: p.id,
                    };
                    push!(
                        format!("cell.{key}.parent"),
                        Op::Change,
                        key,
                        format!(
                            "parent of `{key}`: {} → {}",
                            ctx.cell_name(view.parent),
                            c.parent
                        ),
                        registry_addr,
                        call.abi_encode(),
                    );
                }
                Some(_) => {}
                None => notes.push(format!(
                    "cell `{key}`: moved under `{}` once that cell exists",
                    c.parent
                )),
            }
        }
        if view.phase != c.phase.to_sol() {
            let call = ICellRegistry::setPhaseCall {
                cellId: id,
                phase: c.phase.to_sol(),
            };
            let dissolve = c.phase == Phase::Dissolved;
            push!(
                format!("cell.{key}.phase"),
                if dissolve { Op::Remove } else { Op::Change },
                key,
                format!(
                    "phase of `{key}`: {} → {}",
                    crate::cmd::cell::phase_name(view.phase),
                    c.phase
                ),
                registry_addr,
                call.abi_encode(),
            );
            if dissolve && let Some(d) = drafts.last_mut() {
                d.destructive = true;
            }
        }
        if view.scale != c.scale.to_sol() {
            let call = ICellRegistry::setScaleCall {
                cellId: id,
                scale: c.scale.to_sol(),
            };
            push!(
                format!("cell.{key}.scale"),
                Op::Change,
                key,
                format!(
                    "scale of `{key}`: {} → {}",
                    crate::cmd::cell::scale_name(view.scale),
                    c.scale
                ),
                registry_addr,
                call.abi_encode(),
            );
        }
        if let Some(names) = c.restrictions {
            let bits: u16 = names
                .iter()
                .filter_map(|r| restriction_bit(r))
                .fold(0, |a, b| a | b);
            if bits != view.restrictions {
                let call = ICellRegistry::setRestrictionsCall {
                    cellId: id,
                    restrictions: bits,
                };
                push!(
                    format!("cell.{key}.restrictions"),
                    Op::Change,
                    key,
                    format!(
                        "restrictions of `{key}`: {:#x} → {bits:#x} ({})",
                        view.restrictions,
                        if names.is_empty() {
                            "none".to_owned()
                        } else {
                            names.join(", ")
                        }
                    ),
                    registry_addr,
                    call.abi_encode(),
                );
            }
        }
        for (doc, spec) in c.state {
            let live = registry.stateOf(id, state_key(doc)).call().await?;
            let hash = spec.content_hash();
            if live.version == 0 || live.uri != spec.uri || live.contentHash != hash {
                let call = ICellRegistry::setStateCall {
                    cellId: id,
                    key: state_key(doc),
                    uri: spec.uri.clone(),
                    contentHash: hash,
                };
                let (op, text) = if live.version == 0 {
                    (Op::Add, format!("state `{doc}` of `{key}`: {}", spec.uri))
                } else {
                    (
                        Op::Change,
                        format!(
                            "state `{doc}` of `{key}`: {} ({}) → {} ({hash})",
                            live.uri, live.contentHash, spec.uri
                        ),
                    )
                };
                push!(
                    format!("state.{key}.{doc}"),
                    op,
                    key,
                    text,
                    registry_addr,
                    call.abi_encode(),
                );
            }
        }

        // Roles: the member role and the named ones the record knows; new ones are created.
        let mut role_ids: Vec<(String, U256)> = vec![("member".to_owned(), rec.member_role)];
        for (name, spec) in c.roles {
            if name == "member" {
                continue;
            }
            match rec.roles.get(name) {
                Some(rid) => role_ids.push((name.clone(), *rid)),
                None => {
                    let call = IRoles::createRoleCall {
                        adminId: id,
                        details: spec.details.clone().unwrap_or_else(|| name.clone()),
                        maxSupply: spec.max_supply.unwrap_or(u32::MAX),
                        eligibility: spec.eligibility.map(|a| a.0).unwrap_or_default(),
                        toggle: spec.toggle.map(|a| a.0).unwrap_or_default(),
                        mutable_: spec.mutable,
                        claimable: spec.claimable,
                        imageURI: spec.image_uri.clone().unwrap_or_default(),
                    };
                    push!(
                        format!("role.{key}.{name}.create"),
                        Op::Add,
                        key,
                        format!("role `{key}.{name}`"),
                        roles_addr,
                        call.abi_encode(),
                    );
                    if !spec.wearers.is_empty() || spec.treasurer {
                        notes.push(format!(
                            "role `{key}.{name}`: its wearers and treasurer setting are planned once it exists"
                        ));
                    }
                }
            }
        }
        let mut ids: Vec<U256> = role_ids.iter().map(|(_, r)| *r).collect();
        ids.push(id);
        let live_wearers = wearers(ctx, roles_addr, &ids).await?;

        // The admin of a person-run cell (the DAO root's and vote-run cells' admins are their
        // governance, not compared).
        if let Some(admin) = c.admin.map(|a| a.0) {
            let have: Vec<Address> = live_wearers.get(&id).cloned().unwrap_or_default();
            if !have.contains(&admin) {
                if let [from] = have.as_slice() {
                    let call = IRoles::transferRoleCall {
                        roleId: id,
                        from: *from,
                        to: admin,
                    };
                    push!(
                        format!("admin.{key}"),
                        Op::Change,
                        key,
                        format!("admin of `{key}`: {from} → {admin}"),
                        roles_addr,
                        call.abi_encode(),
                    );
                } else {
                    let call = IRoles::mintRoleCall {
                        roleId: id,
                        wearer: admin,
                        expiry: 0,
                    };
                    push!(
                        format!("admin.{key}.add.{admin}"),
                        Op::Add,
                        key,
                        format!("admin {admin} of `{key}`"),
                        roles_addr,
                        call.abi_encode(),
                    );
                }
                // Someone loses the cell's authority (or shares it).
                if let Some(d) = drafts.last_mut() {
                    d.destructive = !have.is_empty();
                }
            }
        }
        for (name, rid) in &role_ids {
            let spec = c.roles.get(name);
            let live = roles.viewRole(*rid).call().await?;
            if let Some(spec) = spec {
                if let Some(max) = spec.max_supply
                    && max != live.maxSupply
                {
                    let call = IRoles::changeRoleMaxSupplyCall {
                        roleId: *rid,
                        maxSupply: max,
                    };
                    push!(
                        format!("role.{key}.{name}.max-supply"),
                        Op::Change,
                        key,
                        format!("max supply of `{key}.{name}`: {} → {max}", live.maxSupply),
                        roles_addr,
                        call.abi_encode(),
                    );
                }
                if spec.claimable != live.claimable {
                    let call = IRoles::changeRoleClaimableCall {
                        roleId: *rid,
                        claimable: spec.claimable,
                    };
                    push!(
                        format!("role.{key}.{name}.claimable"),
                        Op::Change,
                        key,
                        format!(
                            "claimable `{key}.{name}`: {} → {}",
                            live.claimable, spec.claimable
                        ),
                        roles_addr,
                        call.abi_encode(),
                    );
                }
                if name != "member" {
                    let details = spec.details.clone().unwrap_or_else(|| name.clone());
                    if details != live.details {
                        let call = IRoles::changeRoleDetailsCall {
                            roleId: *rid,
                            details: details.clone(),
                        };
                        push!(
                            format!("role.{key}.{name}.details"),
                            Op::Change,
                            key,
                            format!(
                                "details of `{key}.{name}`: {:?} → {details:?}",
                                live.details
                            ),
                            roles_addr,
                            call.abi_encode(),
                        );
                    }
                }
                let eligibility = spec.eligibility.map(|a| a.0).unwrap_or_default();
                if eligibility != live.eligibility {
                    let call = IRoles::changeRoleEligibilityCall {
                        roleId: *rid,
                        eligibility,
                    };
                    push!(
                        format!("role.{key}.{name}.eligibility"),
                        Op::Change,
                        key,
                        format!(
                            "eligibility module of `{key}.{name}`: {} → {}",
                            module_name(live.eligibility),
                            module_name(eligibility)
                        ),
                        roles_addr,
                        call.abi_encode(),
                    );
                }
                let toggle = spec.toggle.map(|a| a.0).unwrap_or_default();
                if toggle != live.toggle {
                    let call = IRoles::changeRoleToggleCall {
                        roleId: *rid,
                        toggle,
                    };
                    push!(
                        format!("role.{key}.{name}.toggle"),
                        Op::Change,
                        key,
                        format!(
                            "toggle module of `{key}.{name}`: {} → {}",
                            module_name(live.toggle),
                            module_name(toggle)
                        ),
                        roles_addr,
                        call.abi_encode(),
                    );
                }
                let image = spec.image_uri.clone().unwrap_or_default();
                if image != live.imageURI {
                    let call = IRoles::changeRoleImageURICall {
                        roleId: *rid,
                        imageURI: image.clone(),
                    };
                    push!(
                        format!("role.{key}.{name}.image"),
                        Op::Change,
                        key,
                        format!("image of `{key}.{name}`: {:?} → {image:?}", live.imageURI),
                        roles_addr,
                        call.abi_encode(),
                    );
                }
                // An inactive role the design keeps: switched on again (a toggle module, when
                // set, decides instead: its calls are not the admin's).
                if !live.active && toggle.is_zero() {
                    let call = IRoles::setRoleStatusCall {
                        roleId: *rid,
                        active: true,
                    };
                    push!(
                        format!("role.{key}.{name}.active"),
                        Op::Change,
                        key,
                        format!("role `{key}.{name}`: inactive → active"),
                        roles_addr,
                        call.abi_encode(),
                    );
                }
                if spec.treasurer {
                    let current = treasury.treasurerRoleOf(id).call().await?;
                    if current != *rid {
                        let call = ITreasury::setTreasurerRoleCall {
                            cellId: id,
                            roleId: *rid,
                        };
                        push!(
                            format!("treasurer.{key}"),
                            Op::Change,
                            key,
                            format!(
                                "treasurer role of `{key}`: {} → {key}.{name}",
                                if current.is_zero() {
                                    "none".to_owned()
                                } else {
                                    ctx.role_name(current)
                                }
                            ),
                            treasury_addr,
                            call.abi_encode(),
                        );
                    }
                }
            }
            // Made immutable last (after the changes above, which need a mutable role); a role
            // made immutable cannot become mutable again.
            if let Some(spec) = spec
                && spec.mutable != live.mutable_
            {
                if spec.mutable {
                    push!(
                        format!("role.{key}.{name}.mutable"),
                        Op::Change,
                        key,
                        format!("role `{key}.{name}`: immutable → mutable"),
                        roles_addr,
                        Vec::new(),
                    );
                    if let Some(d) = drafts.last_mut() {
                        d.nobody = Some(
                            "an immutable role cannot be made mutable again: set `mutable = false` \
                             in the design, or create another role"
                                .to_owned(),
                        );
                    }
                } else {
                    let call = IRoles::makeRoleImmutableCall { roleId: *rid };
                    push!(
                        format!("role.{key}.{name}.mutable"),
                        Op::Change,
                        key,
                        format!("role `{key}.{name}`: mutable → immutable (cannot be undone)"),
                        roles_addr,
                        call.abi_encode(),
                    );
                    if let Some(d) = drafts.last_mut() {
                        d.destructive = true;
                    }
                }
            }
            // Wearers: the member role's are the cell's members (and `roles.member.wearers`).
            let mut want: BTreeSet<Address> = spec
                .map(|s| s.wearers.iter().map(|a| a.0).collect())
                .unwrap_or_default();
            if name == "member" {
                want.extend(c.members.iter().map(|a| a.0));
            } else if spec.is_none() {
                continue;
            }
            let have: BTreeSet<Address> = live_wearers
                .get(rid)
                .map(|v| v.iter().copied().collect())
                .unwrap_or_default();
            for w in want.difference(&have) {
                let term = spec.and_then(|s| s.term).map(|t| now + t.0).unwrap_or(0);
                let call = IRoles::mintRoleCall {
                    roleId: *rid,
                    wearer: *w,
                    expiry: term,
                };
                push!(
                    format!("wearer.{key}.{name}.add.{w}"),
                    Op::Add,
                    key,
                    format!("wearer {w} of `{key}.{name}`"),
                    roles_addr,
                    call.abi_encode(),
                );
            }
            for w in have.difference(&want) {
                let call = IRoles::revokeRoleCall {
                    roleId: *rid,
                    wearer: *w,
                };
                push!(
                    format!("wearer.{key}.{name}.remove.{w}"),
                    Op::Remove,
                    key,
                    format!("wearer {w} of `{key}.{name}` (revoke)"),
                    roles_addr,
                    call.abi_encode(),
                );
                if let Some(d) = drafts.last_mut() {
                    d.destructive = true;
                }
            }
        }

        // Roles the record names that the design dropped: switched off (their wearers keep
        // their grants, which count again if the design brings the role back).
        for (name, rid) in &rec.roles {
            if c.roles.contains_key(name) {
                continue;
            }
            let live = roles.viewRole(*rid).call().await?;
            if !live.active {
                continue;
            }
            let call = IRoles::setRoleStatusCall {
                roleId: *rid,
                active: false,
            };
            push!(
                format!("role.{key}.{name}.deactivate"),
                Op::Remove,
                key,
                format!(
                    "role `{key}.{name}`: deactivate (not in the design; {} wearer(s) lose it)",
                    live.supply
                ),
                roles_addr,
                call.abi_encode(),
            );
            if let Some(d) = drafts.last_mut() {
                d.destructive = true;
            }
        }

        for b in c.budgets {
            let meta = ctx.token(b.token.0).await?;
            let amount = b.amount.units().ok_or_else(|| {
                eyre!(
                    "budget of `{key}`: the amount {} was not resolved against its token",
                    b.amount
                )
            })?;
            let live = treasury.getBudget(id, b.token.0).call().await?;
            let exists = !(live.amount.is_zero() && live.period.is_zero());
            let live_expires =
                (!live.expiry.is_zero()).then(|| live.expiry.saturating_sub(live.start));
            let want_expires = b.expires_in.map(|e| U256::from(e.0));
            let same = exists
                && live.amount == amount
                && live.period == U256::from(b.period.0)
                && live_expires == want_expires;
            if same {
                // The hand-out from the parent in this period: topped up to `allocate` (more
                // than that is only noted: taking it back is a clawback, a decision of its own).
                if let Some(want) = &b.allocate {
                    let want = want.units().ok_or_else(|| {
                        eyre!("allocation of `{key}`: the amount {want} was not resolved")
                    })?;
                    let parent = record.cells.get(c.parent).map(|p| p.id);
                    if live.received < want
                        && let Some(parent) = parent
                    {
                        let missing = want - live.received;
                        let call = ITreasury::subAllocateCall {
                            parentCellId: parent,
                            childCellId: id,
                            token: b.token.0,
                            amount: missing,
                        };
                        push!(
                            // Per period: each period's hand-out is a change of its own.
                            format!("allocate.{key}.{}.{}", b.token, live.periodIndex),
                            Op::Add,
                            key,
                            format!(
                                "allocation to `{key}` from `{}` in {}: {} received this period → {} (hands down {})",
                                c.parent,
                                b.token,
                                meta.format(live.received),
                                meta.format(want),
                                meta.format(missing)
                            ),
                            treasury_addr,
                            call.abi_encode(),
                        );
                    } else if live.received > want {
                        notes.push(format!(
                            "`{key}` received {} in {} this period, more than its `allocate` {} \
                             (`daoctl treasury clawback` takes money back; apply does not)",
                            meta.format(live.received),
                            b.token,
                            meta.format(want)
                        ));
                    }
                }
                continue;
            }
            if b.allocate.is_some() {
                notes.push(format!(
                    "allocation to `{key}` in {}: planned once its budget is set",
                    b.token
                ));
            }
            let call = ITreasury::setBudgetCall {
                cellId: id,
                token: b.token.0,
                amount,
                period: U256::from(b.period.0),
                start: U256::from(now),
                expiry: U256::from(b.expires_in.map(|e| now + e.0).unwrap_or(0)),
            };
            let show = |amount: U256, period: U256, expires: Option<U256>| {
                format!(
                    "{} per {period}s{}",
                    meta.format(amount),
                    expires
                        .map(|e| format!(", expires {e}s after it is set"))
                        .unwrap_or_default()
                )
            };
            let text = if exists {
                format!(
                    "budget of `{key}` in {}: {} → {}",
                    b.token,
                    show(live.amount, live.period, live_expires),
                    show(amount, U256::from(b.period.0), want_expires)
                )
            } else {
                format!(
                    "budget of `{key}` in {}: {}",
                    b.token,
                    show(amount, U256::from(b.period.0), want_expires)
                )
            };
            push!(
                format!("budget.{key}.{}", b.token),
                if exists { Op::Change } else { Op::Add },
                key,
                text,
                treasury_addr,
                call.abi_encode(),
            );
        }

        // Budgets the chain has that the design dropped: ended now (what was committed this
        // period stays committed; nothing more can be spent or handed down).
        let designed_tokens: BTreeSet<Address> = c.budgets.iter().map(|b| b.token.0).collect();
        for token in treasury.budgetTokensOf(id).call().await? {
            if designed_tokens.contains(&token) {
                continue;
            }
            let live = treasury.getBudget(id, token).call().await?;
            // Ended, or ending with the next block (as an earlier round of apply leaves it: a
            // dev chain may mine it within the same second).
            let ending = !live.expiry.is_zero() && live.expiry <= U256::from(now + 1);
            if !live.active || ending {
                continue;
            }
            let meta = ctx.token(token).await?;
            let committed = live.spent + live.subAllocated + live.reserved;
            let call = ITreasury::setBudgetCall {
                cellId: id,
                token,
                amount: committed,
                period: live.period,
                start: live.start,
                expiry: U256::from(now + 1).max(live.start + U256::from(1)),
            };
            push!(
                format!("budget.{key}.{}.end", Token(token)),
                Op::Remove,
                key,
                format!(
                    "budget of `{key}` in {}: {} per {}s → ended (not in the design)",
                    meta.symbol,
                    meta.format(live.amount),
                    live.period
                ),
                treasury_addr,
                call.abi_encode(),
            );
            if let Some(d) = drafts.last_mut() {
                d.destructive = true;
            }
        }

        // Streams: matched to the live ones by (role, token).
        let mut unmatched: Vec<&(U256, IRoleStreams::StreamView)> = live_streams
            .get(&id)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        for st in c.streams {
            let (target, role) = st.target(key);
            let role_id = record.cells.get(target).and_then(|t| match role {
                "member" => Some(t.member_role),
                "admin" => Some(t.id),
                other => t.roles.get(other).copied(),
            });
            let Some(role_id) = role_id else {
                notes.push(format!(
                    "stream of `{key}` for `{}`: planned once that role exists",
                    st.role
                ));
                continue;
            };
            let meta = ctx.token(st.token.0).await?;
            let amount = st.amount.units().ok_or_else(|| {
                eyre!(
                    "stream of `{key}`: the amount {} was not resolved",
                    st.amount
                )
            })?;
            let period = U256::from(st.period.0);
            let sid = format!("stream.{key}.{}.{}", st.role, st.token);
            let found = unmatched
                .iter()
                .position(|(_, v)| v.roleId == role_id && v.token == st.token.0);
            let Some(found) = found else {
                let call = IRoleStreams::openCall {
                    cellId: id,
                    roleId: role_id,
                    token: st.token.0,
                    amount,
                    period,
                    start: U256::ZERO,
                    end: U256::from(st.ends_in.map(|e| now + OPENING_MARGIN + e.0).unwrap_or(0)),
                };
                push!(
                    format!("{sid}.open"),
                    Op::Add,
                    key,
                    format!(
                        "stream of `{key}`: {} per {}s to each wearer of `{}`{}",
                        meta.format(amount),
                        st.period.0,
                        st.role,
                        st.ends_in
                            .map(|e| format!(", ends {}s after it opens", e.0))
                            .unwrap_or_default()
                    ),
                    streams_addr,
                    call.abi_encode(),
                );
                continue;
            };
            let (sid_live, live) = unmatched.remove(found);
            if live.period != period {
                // A period cannot change: the stream is closed (what accrued stays owed) and a
                // new one opens in the next round.
                close_stream!(
                    format!("{sid}.close"),
                    key,
                    format!(
                        "stream {sid_live} of `{key}` for `{}`: close (its period {}s → {}s needs a new stream, opened next)",
                        st.role, live.period, st.period.0
                    ),
                    *sid_live,
                );
                continue;
            }
            if live.amount != amount {
                push!(
                    format!("{sid}.rate"),
                    Op::Change,
                    key,
                    format!(
                        "stream {sid_live} of `{key}` for `{}`: {} → {} per {}s",
                        st.role,
                        meta.format(live.amount),
                        meta.format(amount),
                        st.period.0
                    ),
                    streams_addr,
                    IRoleStreams::setRateCall {
                        streamId: *sid_live,
                        amount,
                    }
                    .abi_encode(),
                );
            }
            // The end is compared with the design's `ends_in` counted from the stream's start.
            // An opening sets its end to `ends_in` after the latest block plus the minute it
            // leaves for mining (deploy and apply alike), so an end up to that minute later is
            // the design's; a change sets it exactly.
            let live_ends_in = (!live.end.is_zero()).then(|| live.end.saturating_sub(live.start));
            let want_end = match (st.ends_in, live_ends_in) {
                (None, None) => None,
                (None, Some(_)) => Some(U256::ZERO),
                (Some(e), Some(got))
                    if got >= U256::from(e.0) && got <= U256::from(e.0 + OPENING_MARGIN) =>
                {
                    None
                }
                (Some(e), _) => Some(live.start + U256::from(e.0)),
            };
            if let Some(end) = want_end {
                let describe = |t: U256| {
                    if t.is_zero() {
                        "never".to_owned()
                    } else {
                        format!("{t} (start + {}s)", t.saturating_sub(live.start))
                    }
                };
                if !end.is_zero() && end <= U256::from(now + OPENING_MARGIN) {
                    // The designed end has passed (or passes before the change could be
                    // mined): the stream is closed now; what accrued stays owed.
                    close_stream!(
                        format!("{sid}.close"),
                        key,
                        format!(
                            "stream {sid_live} of `{key}` for `{}`: close (its designed end {} has passed)",
                            st.role,
                            describe(end)
                        ),
                        *sid_live,
                    );
                    continue;
                }
                push!(
                    format!("{sid}.end"),
                    Op::Change,
                    key,
                    format!(
                        "end of stream {sid_live} of `{key}`: {} → {}",
                        describe(live.end),
                        describe(end)
                    ),
                    streams_addr,
                    IRoleStreams::setEndCall {
                        streamId: *sid_live,
                        end,
                    }
                    .abi_encode(),
                );
            }
        }
        for (sid_live, live) in unmatched {
            let meta = ctx.token(live.token).await?;
            close_stream!(
                format!("stream.{key}.{sid_live}.close"),
                key,
                format!(
                    "stream {sid_live} of `{key}` ({} per {}s to `{}`): close (not in the design; what accrued stays owed)",
                    meta.format(live.amount),
                    live.period,
                    ctx.role_name(live.roleId)
                ),
                *sid_live,
            );
        }

        if let Some(g) = c.governor {
            let executor = governor.executorOf(id).call().await?;
            let configured = governor.settingsIdOf(id).call().await? != 0;
            let want = ICellGovernor::Settings {
                electorate: g.electorate_sol(),
                counting: g.counting.to_sol(),
                thresholdBps: g.threshold_bps,
                quorumBps: g.quorum_bps,
                votingDelay: u24(g.voting_delay),
                votingPeriod: u24(g.voting_period),
                executionDelay: u24(g.execution_delay),
                token: g.token.map(|a| a.0).unwrap_or_default(),
                proposalThreshold: g
                    .proposal_threshold
                    .units()
                    .ok_or_else(|| {
                        eyre!(
                            "governor of `{key}`: the proposal threshold {} was not resolved",
                            g.proposal_threshold
                        )
                    })?
                    .to::<u128>(),
            };
            let live = if configured {
                Some(governor.settingsOf(id).call().await?)
            } else {
                None
            };
            let same = live.as_ref().is_some_and(|l| {
                (
                    l.electorate,
                    l.counting,
                    l.thresholdBps,
                    l.quorumBps,
                    l.votingDelay,
                    l.votingPeriod,
                    l.executionDelay,
                    l.token,
                    l.proposalThreshold,
                ) == (
                    want.electorate,
                    want.counting,
                    want.thresholdBps,
                    want.quorumBps,
                    want.votingDelay,
                    want.votingPeriod,
                    want.executionDelay,
                    want.token,
                    want.proposalThreshold,
                )
            });
            if !same {
                // Token electorates: the token and the proposal threshold in its decimals.
                let mut voting = BTreeMap::new();
                for s in live.iter().chain(std::iter::once(&want)) {
                    if s.electorate == ICellGovernor::Electorate::Token
                        && !voting.contains_key(&s.token)
                    {
                        voting.insert(s.token, ctx.token(s.token).await?);
                    }
                }
                let describe = |s: &ICellGovernor::Settings| {
                    let token = voting
                        .get(&s.token)
                        .filter(|_| s.electorate == ICellGovernor::Electorate::Token)
                        .map(|m| {
                            format!(
                                " token {} proposal threshold {}",
                                s.token,
                                m.format(U256::from(s.proposalThreshold))
                            )
                        })
                        .unwrap_or_default();
                    format!(
                        "counting {} threshold {}bps quorum {}bps delay {} period {} execution delay {}{token}",
                        Counting::from_sol(s.counting).map_or("unknown", Counting::name),
                        s.thresholdBps,
                        s.quorumBps,
                        s.votingDelay,
                        s.votingPeriod,
                        s.executionDelay
                    )
                };
                let text = match &live {
                    Some(l) => format!(
                        "governor settings of `{key}`: {} → {}",
                        describe(l),
                        describe(&want)
                    ),
                    None => format!("governor settings of `{key}`: {}", describe(&want)),
                };
                let call = ICellGovernor::configureCall {
                    cellId: id,
                    settings: want,
                };
                push!(
                    format!("governor.{key}"),
                    if live.is_some() { Op::Change } else { Op::Add },
                    key,
                    text,
                    governor_addr,
                    call.abi_encode(),
                );
                // A change of settings is the cell's own decision first; the first configuration
                // is made by its admin or the authority above it.
                if configured && let Some(d) = drafts.last_mut() {
                    d.own = Some(key.to_owned());
                }
            }
            // A vote-run cell's admin role is worn by its executor (after the governor exists).
            let have: Vec<Address> = live_wearers.get(&id).cloned().unwrap_or_default();
            if !have.contains(&executor) {
                let (call, text) = match have.as_slice() {
                    [from] => (
                        IRoles::transferRoleCall {
                            roleId: id,
                            from: *from,
                            to: executor,
                        }
                        .abi_encode(),
                        format!("admin of `{key}`: {from} → its executor {executor} (vote-run)"),
                    ),
                    _ => (
                        IRoles::mintRoleCall {
                            roleId: id,
                            wearer: executor,
                            expiry: 0,
                        }
                        .abi_encode(),
                        format!("admin of `{key}`: its executor {executor} (vote-run)"),
                    ),
                };
                push!(
                    format!("admin.{key}.executor"),
                    Op::Change,
                    key,
                    text,
                    roles_addr,
                    call,
                );
                // Handing over from the DAO's governance or the operator completes a creation;
                // taking the cell from a person is destructive.
                let governance: BTreeSet<Address> = candidates
                    .operator
                    .into_iter()
                    .chain(candidates.safe.as_ref().map(|s| s.0))
                    .chain(candidates.executors.iter().map(|e| e.1))
                    .collect();
                if let Some(d) = drafts.last_mut() {
                    d.destructive = have.iter().any(|a| !governance.contains(a));
                }
            }
        }
    }

    // Cells the record names that the design no longer has: dissolved.
    let designed_keys: BTreeSet<&str> = designed.iter().map(|c| c.key).collect();
    for (key, rec) in &record.cells {
        if designed_keys.contains(key.as_str()) || key == "dao" {
            continue;
        }
        let view = registry.getCell(rec.id).call().await?;
        if view.phase == Phase::Dissolved.to_sol() {
            continue;
        }
        let call = ICellRegistry::setPhaseCall {
            cellId: rec.id,
            phase: Phase::Dissolved.to_sol(),
        };
        push!(
            format!("cell.{key}.dissolve"),
            Op::Remove,
            key,
            format!("cell `{key}` ({}): dissolve (not in the design)", view.name),
            registry_addr,
            call.abi_encode(),
        );
        if let Some(d) = drafts.last_mut() {
            d.destructive = true;
        }
    }

    let mut changes = Vec::with_capacity(drafts.len());
    for d in drafts {
        let fixed = Bytes::from(d.data);
        let (authority, data) = match (d.nobody, d.admin_is_sender) {
            (Some(reason), _) => (Authority::Nobody { reason }, fixed),
            (None, Some(build)) => {
                candidates
                    .find(&ctx.provider, d.to, &*build, d.own.as_deref())
                    .await
            }
            (None, None) => {
                candidates
                    .find(&ctx.provider, d.to, &|_| fixed.clone(), d.own.as_deref())
                    .await
            }
        };
        changes.push(Change {
            id: d.id,
            op: d.op,
            cell: d.cell,
            description: d.description,
            destructive: d.destructive,
            authority,
            to: d.to,
            data,
        });
    }
    Ok((changes, notes))
}

/// Connects for the DAO `design` names, with its record (plus what the chain adds to it).
async fn open(
    global: &Global,
    path: &std::path::Path,
) -> Result<(Ctx, Design, B256, Record, PathBuf)> {
    let (design, hash) = Design::load(path)?;
    let mut global = global.clone();
    global.dao = Some(design.dao.name.clone());
    if global.via.via_safe || global.via.via_proposal.is_some() {
        bail!(
            "plan/apply choose each change's authority themselves: drop --via-safe / --via-proposal"
        );
    }
    let ctx = Ctx::connect(&global).await?;
    // Amounts are compared in base units: resolved against each token's decimals and symbol.
    let mut design = design;
    dao_deploy::amount::resolve_design(&ctx.provider, ctx.token_cache(), &mut design)
        .await
        .map_err(|e| eyre!("{}: {e}", path.display()))?;
    let mut record = ctx.record()?.clone();
    sync_record(&ctx, &design, &mut record).await?;
    let record_path = Record::path(&global.deployments, ctx.chain_id, &design.dao.name);
    Ok((ctx, design, hash, record, record_path))
}

fn render(changes: &[Change]) -> String {
    let mut s = String::new();
    for c in changes {
        s += &format!(
            "{} {}\n    by {}{}\n",
            c.op.sign(),
            c.description,
            c.authority,
            if c.destructive {
                "  [destructive: apply needs --allow-destructive]"
            } else {
                ""
            }
        );
    }
    let count = |f: fn(&Authority) -> bool| changes.iter().filter(|c| f(&c.authority)).count();
    s += &format!(
        "{} change(s): {} by the operator's key, {} by the DAO's Safe, {} by proposal{}\n",
        changes.len(),
        count(|a| matches!(a, Authority::Operator { .. })),
        count(|a| matches!(a, Authority::Safe { .. })),
        count(|a| matches!(a, Authority::Proposal { .. })),
        match count(|a| matches!(a, Authority::Nobody { .. })) {
            0 => String::new(),
            n => format!(", {n} that nobody known can make"),
        }
    );
    s
}

pub(crate) async fn plan(args: PlanArgs, global: &Global) -> Result<()> {
    let (ctx, design, hash, record, _) = open(global, &args.design).await?;
    let (changes, mut notes) = diff(&ctx, &design, &record).await?;
    if ctx.signer.is_none() && !changes.is_empty() {
        notes.push(
            "no key given: changes your own key could make are shown with the authority above it; \
             give your key (e.g. --account NAME) to see which are yours"
                .to_owned(),
        );
    }
    let view = PlanView {
        dao: design.dao.name.clone(),
        design: args.design.display().to_string(),
        design_hash: hash,
        recorded_design_hash: record.design_hash,
        changes,
        notes,
    };
    ctx.print(&serde_json::to_value(&view)?, || {
        if view.changes.is_empty() && view.notes.is_empty() {
            return format!(
                "no changes: the live DAO `{}` matches {}\n",
                view.dao, view.design
            );
        }
        let mut s = format!(
            "plan for the live DAO `{}` from {}:\n",
            view.dao, view.design
        );
        s += &render(&view.changes);
        for n in &view.notes {
            s += &format!("note: {n}\n");
        }
        s
    });
    Ok(())
}

/// A proposal's state: 0 pending, 1 active, 2 canceled, 3 defeated, 4 succeeded, 5 executable,
/// 6 vetoed, 7 executed.
async fn governor_state(ctx: &Ctx, id: U256) -> Result<ICellGovernor::ProposalState> {
    let governor = ICellGovernor::new(ctx.contract("CellGovernor")?, &ctx.provider);
    Ok(governor.state(id).call().await?)
}

fn save(record: &Record, path: &std::path::Path) -> Result<()> {
    record
        .save(path)
        .wrap_err_with(|| format!("writing the record {}", path.display()))
}

pub(crate) async fn apply(args: ApplyArgs, global: &Global) -> Result<()> {
    let (mut ctx, design, hash, mut record, record_path) = open(global, &args.design).await?;
    let from = ctx.from()?;
    // Stdout holds apply's own result; what the Safe and proposal steps print goes to stderr.
    ctx.quiet = true;
    let stop_after: Option<usize> = std::env::var("DAO_DEPLOY_STOP_AFTER")
        .ok()
        .and_then(|v| v.parse().ok());
    // Steps of this design (by its hash): a re-run of the same file resumes them.
    let tag = format!("apply.{}", &hash.to_string()[2..10]);
    let step_id = |c: &Change| format!("{tag}.{}", c.id);
    save(&record, &record_path)?;

    let mut done: Vec<String> = Vec::new();
    // Sent before a kill and not confirmed: finished from their receipts, never sent again.
    let unconfirmed: Vec<(String, B256)> = record
        .steps
        .iter()
        .filter(|(k, s)| k.starts_with(&tag) && s.block.is_none() && s.queued.is_none())
        .map(|(k, s)| (k.clone(), s.tx))
        .collect();
    for (id, tx) in unconfirmed {
        match ctx.provider.get_transaction_receipt(tx).await? {
            Some(receipt) => {
                eprintln!("resumed: {id} (tx {tx})");
                if !receipt.status() {
                    eprintln!(
                        "warning: {id}: transaction {tx} failed; the change is planned again"
                    );
                    record.steps.remove(&id);
                } else {
                    record
                        .steps
                        .insert(id.clone(), dao_deploy::dao::step_record(&receipt));
                    done.push(id[tag.len() + 1..].to_owned());
                }
            }
            None => {
                eprintln!(
                    "warning: {id}: transaction {tx} is not on chain; the change is planned again"
                );
                record.steps.remove(&id);
            }
        }
    }
    save(&record, &record_path)?;
    let mut tried_proposals: BTreeSet<String> = BTreeSet::new();
    let mut waiting: Vec<Waiting> = Vec::new();
    let mut sent = 0usize;
    for _round in 0..6 {
        let (changes, _) = diff(&ctx, &design, &record).await?;
        if changes.is_empty() {
            break;
        }
        let destructive: Vec<&Change> = changes.iter().filter(|c| c.destructive).collect();
        if !destructive.is_empty() && !args.allow_destructive {
            bail!(
                "refusing {} destructive change(s) without --allow-destructive (nothing was done):\n{}",
                destructive.len(),
                destructive
                    .iter()
                    .map(|c| format!("  {} {}", c.op.sign(), c.description))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        let nobody: Vec<&Change> = changes
            .iter()
            .filter(|c| matches!(c.authority, Authority::Nobody { .. }))
            .collect();
        if !nobody.is_empty() {
            bail!(
                "{} change(s) that no known authority can make (nothing more was done):\n{}",
                nobody.len(),
                nobody
                    .iter()
                    .map(|c| format!("  {} {}: {}", c.op.sign(), c.description, c.authority))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        let mut progressed = false;
        waiting.clear();

        // The operator's own changes: sent one by one, recorded before waiting (like deploy).
        for c in changes
            .iter()
            .filter(|c| matches!(c.authority, Authority::Operator { .. }))
        {
            let id = step_id(c);
            if let Some(prev) = record.steps.get(&id).cloned()
                && prev.queued.is_none()
            {
                if prev.block.is_some() {
                    // Confirmed before, yet the chain differs again: someone undid it.
                    bail!(
                        "`{}` was applied in tx {} but the chain differs again; check who changed it",
                        c.description,
                        prev.tx
                    );
                }
                if let Some(receipt) = ctx.provider.get_transaction_receipt(prev.tx).await? {
                    eprintln!("resumed: {} (tx {})", c.description, prev.tx);
                    if !receipt.status() {
                        bail!("{}: transaction {} failed", c.description, prev.tx);
                    }
                    record
                        .steps
                        .insert(id, dao_deploy::dao::step_record(&receipt));
                    save(&record, &record_path)?;
                    done.push(c.id.clone());
                    progressed = true;
                    continue;
                }
            }
            let tx = TransactionRequest::default()
                .with_from(from)
                .with_to(c.to)
                .with_input(c.data.clone());
            let contract = ctx.contract_name(c.to);
            let estimate = ctx.provider.estimate_gas(tx.clone()).await.map_err(|e| {
                eyre!(
                    "{} failed: {}",
                    c.description,
                    dao_bindings::describe_transport_error_from(contract.as_deref(), &e)
                )
            })?;
            let tx = tx.with_gas_limit(dao_rpc::gas_limit_for(estimate));
            let pending = ctx.provider.send_transaction(tx).await.map_err(|e| {
                eyre!(
                    "{} failed: {}",
                    c.description,
                    dao_bindings::describe_transport_error_from(contract.as_deref(), &e)
                )
            })?;
            let hash = *pending.tx_hash();
            record
                .steps
                .insert(id.clone(), dao_deploy::dao::sent_record(hash));
            save(&record, &record_path)?;
            sent += 1;
            eprintln!("sent: {} {} (tx {hash})", c.op.sign(), c.description);
            if stop_after.is_some_and(|n| sent >= n) {
                bail!(
                    "stopped after {sent} transaction(s) (DAO_DEPLOY_STOP_AFTER); run again to resume"
                );
            }
            let receipt = pending.get_receipt().await?;
            if !receipt.status() {
                bail!("{}: transaction {hash} reverted", c.description);
            }
            eprintln!(
                "✓ {} (block {}, gas {})",
                c.description,
                receipt.block_number.unwrap_or_default(),
                receipt.gas_used
            );
            ctx.record_write(crate::write::WriteResult::new(&c.description, &receipt));
            record
                .steps
                .insert(id, dao_deploy::dao::step_record(&receipt));
            save(&record, &record_path)?;
            done.push(c.id.clone());
            progressed = true;
        }

        // The Safe's changes: one batch for the owners (executed at once by a 1-of-1 Safe).
        let by_safe: Vec<&Change> = changes
            .iter()
            .filter(|c| matches!(c.authority, Authority::Safe { .. }))
            .collect();
        // A batch written before and still executable (not executed, nonce not passed).
        let mut queued_file = None;
        for c in &by_safe {
            if let Some(f) = record.steps.get(&step_id(c)).and_then(|s| s.queued.clone())
                && safe::is_pending(&ctx, std::path::Path::new(&f)).await
            {
                queued_file = Some(f);
                break;
            }
        }
        if !by_safe.is_empty() {
            if let Some(file) = queued_file {
                // Already written: the owners sign and execute it.
                for c in &by_safe {
                    waiting.push(Waiting {
                        change: c.id.clone(),
                        on: format!("the Safe's owners: {file}"),
                    });
                }
            } else {
                let calls: Vec<dao_deploy::safe::Call> = by_safe
                    .iter()
                    .map(|c| dao_deploy::safe::Call {
                        to: c.to,
                        value: U256::ZERO,
                        data: c.data.clone(),
                        description: format!("{} {}", c.op.sign(), c.description),
                    })
                    .collect();
                match safe::propose_calls(&ctx, calls).await? {
                    safe::SafeOutcome::Executed(receipt) => {
                        for c in &by_safe {
                            record
                                .steps
                                .insert(step_id(c), dao_deploy::dao::step_record(&receipt));
                            done.push(c.id.clone());
                        }
                        progressed = true;
                    }
                    safe::SafeOutcome::Queued(path) => {
                        let file = path.display().to_string();
                        for c in &by_safe {
                            record.steps.insert(
                                step_id(c),
                                StepRecord {
                                    tx: B256::ZERO,
                                    block: None,
                                    gas_used: None,
                                    queued: Some(file.clone()),
                                },
                            );
                            waiting.push(Waiting {
                                change: c.id.clone(),
                                on: format!("the Safe's owners: {file}"),
                            });
                        }
                    }
                }
                save(&record, &record_path)?;
            }
        }

        // Vote-run cells' changes: one proposal per cell.
        let mut by_cell: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
        for c in &changes {
            if let Authority::Proposal { cell, .. } = &c.authority {
                by_cell.entry(cell.clone()).or_default().push(c);
            }
        }
        for (cell, group) in by_cell {
            // A proposal made before that may still pass (not canceled, defeated, vetoed or
            // executed).
            let mut queued = None;
            for c in &group {
                if let Some(id) = record.steps.get(&step_id(c)).and_then(|s| s.queued.clone())
                    && let Ok(pid) = id.parse::<U256>()
                    && let Ok(state) = governor_state(&ctx, pid).await
                    && matches!(
                        state,
                        ProposalState::Pending
                            | ProposalState::Active
                            | ProposalState::Succeeded
                            | ProposalState::Executable
                    )
                {
                    queued = Some(id);
                    break;
                }
            }
            if let Some(proposal) = queued {
                for c in &group {
                    waiting.push(Waiting {
                        change: c.id.clone(),
                        on: format!("the vote of `{cell}` on proposal {proposal}"),
                    });
                }
                continue;
            }
            if !tried_proposals.insert(cell.clone()) {
                // Tried in an earlier round and not made: said once.
                for c in &group {
                    waiting.push(Waiting {
                        change: c.id.clone(),
                        on: format!("a proposal in `{cell}` by one of its members"),
                    });
                }
                continue;
            }
            let actions: Vec<ICellGovernor::Action> = group
                .iter()
                .map(|c| ICellGovernor::Action {
                    target: c.to,
                    value: U256::ZERO,
                    data: c.data.clone(),
                })
                .collect();
            let what = format!(
                "apply {}: {}",
                args.design
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                group
                    .iter()
                    .map(|c| format!("{} {}", c.op.sign(), c.description))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            match crate::cmd::proposal::propose_actions(&ctx, &cell, &what, actions).await {
                Ok(id) => {
                    let id = format!("{id:#x}");
                    for c in &group {
                        record.steps.insert(
                            step_id(c),
                            StepRecord {
                                tx: B256::ZERO,
                                block: None,
                                gas_used: None,
                                queued: Some(id.clone()),
                            },
                        );
                        waiting.push(Waiting {
                            change: c.id.clone(),
                            on: format!("the vote of `{cell}` on proposal {id}"),
                        });
                    }
                    save(&record, &record_path)?;
                }
                Err(e) => {
                    eprintln!(
                        "not proposed in `{cell}` ({e}): a member of `{cell}` runs `daoctl apply {}` with their key",
                        args.design.display()
                    );
                    for c in &group {
                        waiting.push(Waiting {
                            change: c.id.clone(),
                            on: format!("a proposal in `{cell}` by one of its members"),
                        });
                    }
                }
            }
        }

        if sync_record(&ctx, &design, &mut record).await? {
            save(&record, &record_path)?;
            progressed = true;
        }
        if !progressed {
            break;
        }
    }

    let (remaining, _) = diff(&ctx, &design, &record).await?;
    let complete = remaining.is_empty();
    ctx.quiet = false;
    if complete {
        record.design_hash = hash;
        save(&record, &record_path)?;
    }
    let view = ApplyView {
        dao: design.dao.name.clone(),
        done,
        waiting,
        remaining,
        complete,
    };
    ctx.print(&serde_json::to_value(&view)?, || {
        if view.complete {
            return format!(
                "applied: the live DAO `{}` matches {} ({} change(s) made now); the record holds its design hash\n",
                view.dao,
                args.design.display(),
                view.done.len()
            );
        }
        let mut s = format!(
            "{} change(s) made; {} waiting:\n",
            view.done.len(),
            view.remaining.len()
        );
        for w in &view.waiting {
            s += &format!("  {} waits for {}\n", w.change, w.on);
        }
        s += &format!(
            "run `daoctl apply {}` again once they are carried out: it records the design when the plan is empty\n",
            args.design.display()
        );
        s
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::key_of;

    #[test]
    fn keys_derive_from_names() {
        assert_eq!(key_of("Night Market"), "night-market");
        assert_eq!(key_of("  Outreach / Team 2 "), "outreach-team-2");
        assert_eq!(key_of("Ops"), "ops");
        assert_eq!(key_of("!!"), "");
    }
}
