//! `daoctl cell ...`
use crate::{
    ctx::{Ctx, Global},
    view::{CellDoc, CellList, CellRow, CellShow, PartnershipShow, ReadArgs, Source, indexed},
};
use alloy::{
    primitives::{Address, B256, U256, keccak256},
    sol_types::SolCall,
};
use clap::Subcommand;
use dao_bindings::{ICellRegistry, RoleId};
use dao_deploy::design::{Phase, Scale, state_key, state_key_name};
use eyre::{Result, eyre};
use serde_json::json;

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Every cell of the DAO, parents before children.
    #[command(after_help = "Example:\n  daoctl cell list --json")]
    List {
        #[command(flatten)]
        read: ReadArgs,
    },
    /// A cell: ids, phase, scale, children, state documents, decisions.
    #[command(after_help = "Example:\n  daoctl cell show events")]
    Show {
        cell: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Create a child cell (authority over the parent).
    #[command(
        after_help = "Example:\n  daoctl cell create --parent operations --name Research --admin 0xabc.. --member 0xabc.."
    )]
    Create {
        #[arg(long)]
        parent: String,
        #[arg(long)]
        name: String,
        /// Who wears the new cell's admin role (default: the signer).
        #[arg(long)]
        admin: Option<Address>,
        #[arg(long = "member")]
        members: Vec<Address>,
        #[arg(long, default_value = "formation")]
        phase: Phase,
        #[arg(long, default_value = "collaboration")]
        scale: Scale,
    },
    /// Move a cell's phase (its admin: one step forward; the parent's admin: any).
    #[command(after_help = "Example:\n  daoctl cell phase events organization --dev-account 4")]
    Phase { cell: String, phase: Phase },
    /// State documents.
    #[command(subcommand)]
    State(StateCmd),
    /// The decision registry.
    #[command(subcommand)]
    Decision(DecisionCmd),
    /// Partnerships with other cells or organisations (network scale).
    #[command(subcommand)]
    Partnership(PartnershipCmd),
}

#[derive(Debug, Subcommand)]
pub(crate) enum StateCmd {
    /// Write a new version of a state document (charter, policies, ...).
    #[command(
        after_help = "Example:\n  daoctl cell state set events charter ipfs://bafy.. --dev-account 4"
    )]
    Set {
        cell: String,
        key: String,
        uri: String,
        /// Content hash (default: keccak256 of the URI).
        #[arg(long)]
        hash: Option<B256>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum DecisionCmd {
    /// Record a decision (cell admins).
    #[command(
        after_help = "Example:\n  daoctl cell decision record events --ref venue-2026 --uri ipfs://bafy.. --dev-account 4"
    )]
    Record {
        cell: String,
        /// A reference: up to 32 bytes of text, or 0x-prefixed 32 bytes.
        #[arg(long = "ref")]
        reference: String,
        #[arg(long)]
        uri: String,
        #[arg(long)]
        hash: Option<B256>,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum PartnershipCmd {
    /// Propose a partnership from a cell to another cell or an external address.
    #[command(
        after_help = "Example:\n  daoctl partnership propose events --with-cell engineering --terms-uri ipfs://bafy.."
    )]
    Propose {
        cell: String,
        #[arg(long, conflicts_with = "with_account")]
        with_cell: Option<String>,
        #[arg(long)]
        with_account: Option<Address>,
        #[arg(long)]
        terms_uri: String,
        #[arg(long)]
        terms_hash: Option<B256>,
    },
    Accept {
        id: U256,
    },
    End {
        id: U256,
    },
    Show {
        id: U256,
        #[command(flatten)]
        read: ReadArgs,
    },
}

pub(crate) fn phase_name(p: ICellRegistry::Phase) -> &'static str {
    Phase::from_sol(p).map(|p| p.name()).unwrap_or("unknown")
}

/// A partnership's status by its name in `ICellRegistry.PartnershipStatus`, lowercase.
pub(crate) fn partnership_status(status: ICellRegistry::PartnershipStatus) -> String {
    format!("{status:?}").to_ascii_lowercase()
}

pub(crate) fn scale_name(s: ICellRegistry::Scale) -> &'static str {
    Scale::from_sol(s).map(|s| s.name()).unwrap_or("unknown")
}

/// Every cell under `root` (inclusive), parents first.
pub(crate) async fn walk(
    ctx: &Ctx,
    registry: Address,
    root: U256,
) -> Result<Vec<ICellRegistry::CellView>> {
    let reg = ICellRegistry::new(registry, &ctx.provider);
    let mut out = Vec::new();
    let mut queue = vec![root];
    while let Some(id) = queue.pop() {
        let view = reg.getCell(id).call().await?;
        let mut children = reg.childrenOf(id).call().await?;
        children.sort();
        children.reverse();
        queue.extend(children);
        out.push(view);
    }
    Ok(out)
}

pub(crate) fn ref_bytes(s: &str) -> Result<B256> {
    if let Some(hex) = s.strip_prefix("0x") {
        return hex
            .parse::<B256>()
            .or_else(|_| format!("0x{hex}").parse())
            .map_err(|_| eyre!("--ref: expected 32 bytes"));
    }
    if s.len() > 32 {
        return Ok(keccak256(s.as_bytes()));
    }
    Ok(state_key(s))
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let registry = ctx.contract("CellRegistry")?;
    let reg = ICellRegistry::new(registry, &ctx.provider);
    match cmd {
        Cmd::List { read } => {
            let root = ctx.cell("dao")?;
            let view = match read.open(&ctx).await? {
                Source::Live => CellList(
                    walk(&ctx, registry, root)
                        .await?
                        .iter()
                        .map(|c| CellRow {
                            key: ctx.cell_key(c.id, &c.name),
                            id: RoleId(c.id).to_string(),
                            name: c.name.clone(),
                            parent: (!c.parent.is_zero()).then(|| RoleId(c.parent).to_string()),
                            phase: phase_name(c.phase).to_owned(),
                            scale: scale_name(c.scale).to_owned(),
                            children: c.childCount,
                            decisions: c.decisionCount,
                        })
                        .collect(),
                ),
                Source::Indexed { ix, .. } => indexed::cell_list(&ctx, ix.store(), root)?,
            };
            ctx.show(&view);
        }
        Cmd::Show { cell, read } => {
            let source = read.open(&ctx).await?;
            let id = match ctx.cell(&cell) {
                Ok(id) => id,
                // Not in the record (created by a proposal or a Safe batch): by name.
                Err(e) => {
                    let root = ctx.cell("dao")?;
                    let found = match &source {
                        Source::Live => walk(&ctx, registry, root)
                            .await?
                            .into_iter()
                            .find(|c| c.name == cell || crate::cmd::plan::key_of(&c.name) == cell)
                            .map(|c| c.id),
                        Source::Indexed { ix, .. } => indexed::tree(ix.store(), root)?
                            .into_iter()
                            .find(|(c, _)| {
                                c.name == cell || crate::cmd::plan::key_of(&c.name) == cell
                            })
                            .map(|(c, _)| c.id),
                    };
                    found.ok_or(e)?
                }
            };
            let view = match &source {
                Source::Live => {
                    let c = reg.getCell(id).call().await?;
                    let mut children = reg.childrenOf(id).call().await?;
                    children.sort();
                    let mut keys = reg.stateKeys(id).call().await?;
                    keys.sort();
                    let mut docs = Vec::new();
                    for k in keys {
                        let d = reg.stateOf(id, k).call().await?;
                        docs.push(CellDoc {
                            key: state_key_name(k),
                            uri: d.uri,
                            hash: d.contentHash,
                            version: d.version,
                            author: d.author,
                        });
                    }
                    CellShow {
                        key: ctx.cell_key(id, &c.name),
                        id: RoleId(id).to_string(),
                        name: c.name,
                        parent: RoleId(c.parent).to_string(),
                        dao: RoleId(c.dao).to_string(),
                        member_role: RoleId(c.memberRole).to_string(),
                        phase: phase_name(c.phase).to_owned(),
                        scale: scale_name(c.scale).to_owned(),
                        restrictions: c.restrictions,
                        children: children.iter().map(|c| RoleId(*c).to_string()).collect(),
                        decisions: c.decisionCount,
                        state: docs,
                    }
                }
                Source::Indexed { ix, .. } => indexed::cell_show(&ctx, ix.store(), id)?,
            };
            ctx.show(&view);
        }
        Cmd::Create {
            parent,
            name,
            admin,
            members,
            phase,
            scale,
        } => {
            let parent = ctx.cell(&parent)?;
            let admin = match admin {
                Some(a) => a,
                None => ctx.from()?,
            };
            let call = ICellRegistry::createCellCall {
                parentCellId: parent,
                name: name.clone(),
                scale: scale.to_sol(),
                phase: phase.to_sol(),
                admin,
                members,
            };
            let receipt = ctx
                .call(&format!("create cell {name}"), registry, call.abi_encode())
                .await?;
            let log = receipt
                .decoded_log::<ICellRegistry::CellCreated>()
                .ok_or_else(|| eyre!("no CellCreated event"))?;
            // The record names the new cell (key derived from its name), so `cell show KEY` works.
            let key = ctx.remember_cell(&name, log.cellId, parent, log.memberRoleId)?;
            let v = json!({"cell": RoleId(log.cellId).to_string(), "key": key, "member_role": RoleId(log.memberRoleId).to_string()});
            ctx.print(&v, || {
                format!(
                    "cell {} created as `{}` (member role {})\n",
                    RoleId(log.cellId),
                    key.as_deref().unwrap_or("-"),
                    RoleId(log.memberRoleId)
                )
            });
        }
        Cmd::Phase { cell, phase } => {
            let id = ctx.cell(&cell)?;
            let call = ICellRegistry::setPhaseCall {
                cellId: id,
                phase: phase.to_sol(),
            };
            ctx.call(
                &format!("set phase of {cell} to {phase}"),
                registry,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::State(StateCmd::Set {
            cell,
            key,
            uri,
            hash,
        }) => {
            let id = ctx.cell(&cell)?;
            let call = ICellRegistry::setStateCall {
                cellId: id,
                key: state_key(&key),
                uri: uri.clone(),
                contentHash: hash.unwrap_or_else(|| keccak256(uri.as_bytes())),
            };
            let receipt = ctx
                .call(
                    &format!("write {key} of {cell}"),
                    registry,
                    call.abi_encode(),
                )
                .await?;
            if let Some(log) = receipt.decoded_log::<ICellRegistry::StateUpdated>() {
                ctx.print(
                    &json!({"cell": cell, "key": key, "version": log.version}),
                    || format!("{cell} {key} is now version {}\n", log.version),
                );
            }
        }
        Cmd::Decision(DecisionCmd::Record {
            cell,
            reference,
            uri,
            hash,
        }) => {
            let id = ctx.cell(&cell)?;
            let call = ICellRegistry::recordDecisionCall {
                cellId: id,
                r#ref: ref_bytes(&reference)?,
                uri: uri.clone(),
                contentHash: hash.unwrap_or_else(|| keccak256(uri.as_bytes())),
            };
            ctx.call(
                &format!("record decision {reference} in {cell}"),
                registry,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::Partnership(p) => partnership(&ctx, registry, p).await?,
    }
    Ok(())
}

async fn partnership(ctx: &Ctx, registry: Address, cmd: PartnershipCmd) -> Result<()> {
    let reg = ICellRegistry::new(registry, &ctx.provider);
    match cmd {
        PartnershipCmd::Propose {
            cell,
            with_cell,
            with_account,
            terms_uri,
            terms_hash,
        } => {
            let id = ctx.cell(&cell)?;
            let counterparty = match &with_cell {
                Some(c) => ctx.cell(c)?,
                None => U256::ZERO,
            };
            if with_cell.is_none() && with_account.is_none() {
                return Err(eyre!("give --with-cell CELL or --with-account ADDRESS"));
            }
            let call = ICellRegistry::proposePartnershipCall {
                cellId: id,
                counterpartyCellId: counterparty,
                counterpartyAccount: with_account.unwrap_or_default(),
                termsURI: terms_uri.clone(),
                termsHash: terms_hash.unwrap_or_else(|| keccak256(terms_uri.as_bytes())),
            };
            let receipt = ctx
                .call(
                    &format!("propose a partnership from {cell}"),
                    registry,
                    call.abi_encode(),
                )
                .await?;
            if let Some(log) = receipt.decoded_log::<ICellRegistry::PartnershipProposed>() {
                ctx.print(
                    &json!({"partnership": log.partnershipId.to_string()}),
                    || format!("partnership {}\n", log.partnershipId),
                );
            }
        }
        PartnershipCmd::Accept { id } => {
            let call = ICellRegistry::acceptPartnershipCall { partnershipId: id };
            ctx.call(
                &format!("accept partnership {id}"),
                registry,
                call.abi_encode(),
            )
            .await?;
        }
        PartnershipCmd::End { id } => {
            let call = ICellRegistry::endPartnershipCall { partnershipId: id };
            ctx.call(
                &format!("end partnership {id}"),
                registry,
                call.abi_encode(),
            )
            .await?;
        }
        PartnershipCmd::Show { id, read } => {
            let view = match read.open(ctx).await? {
                Source::Live => {
                    let p = reg.getPartnership(id).call().await.map_err(|e| {
                        eyre!(
                            "partnership {id}: {}",
                            dao_bindings::describe_contract_error(&e)
                        )
                    })?;
                    PartnershipShow {
                        id,
                        cell: RoleId(p.cellId).to_string(),
                        counterparty_cell: (!p.counterpartyCellId.is_zero())
                            .then(|| RoleId(p.counterpartyCellId).to_string()),
                        counterparty_account: p.counterpartyAccount,
                        status: partnership_status(p.status),
                        terms_uri: p.termsURI,
                    }
                }
                Source::Indexed { ix, .. } => indexed::partnership(ix.store(), id)?,
            };
            ctx.show(&view);
        }
    }
    Ok(())
}
