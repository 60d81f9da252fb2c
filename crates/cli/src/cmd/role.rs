//! `daoctl role ...`
use crate::{
    ctx::{Ctx, Global, decode},
    view::{ReadArgs, RoleList, RoleShow, RoleView, Source, indexed},
};
use alloy::{
    primitives::{Address, B256, U256},
    sol_types::{SolCall, SolEvent},
};
use clap::Subcommand;
use dao_bindings::{IRoles, RoleId};
use dao_indexer::LogQuery;
use eyre::Result;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// The roles of a cell (admin, member, and the admin's other children) with their wearers.
    #[command(after_help = "Example:\n  daoctl role list events")]
    List {
        cell: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// One role: definition, supply, wearers.
    #[command(after_help = "Example:\n  daoctl role show events.contributor --json")]
    Show {
        role: String,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Create a role under a cell's admin role (the cell's admin or the authority above it); the
    /// record names it `CELL.NAME`.
    #[command(
        after_help = "Example:\n  daoctl role create operations scribe --details \"Operations scribe\" --max-supply 2 --dev-account 1"
    )]
    Create {
        cell: String,
        /// Its name in the record (`CELL.NAME` in other commands).
        name: String,
        /// What the role is (defaults to NAME).
        #[arg(long)]
        details: Option<String>,
        #[arg(long)]
        max_supply: Option<u32>,
        /// Anyone eligible may take it with `role claim`.
        #[arg(long)]
        claimable: bool,
        /// Eligibility module (decides who may wear it).
        #[arg(long)]
        eligibility: Option<Address>,
        /// Toggle module (switches the role on and off).
        #[arg(long)]
        toggle: Option<Address>,
        /// Create it immutable (its settings can never change).
        #[arg(long)]
        immutable: bool,
        #[arg(long)]
        image_uri: Option<String>,
    },
    /// Take a claimable role (the signer must be eligible).
    #[command(after_help = "Example:\n  daoctl role claim events.contributor --dev-account 6")]
    Claim { role: String },
    /// Grant a role (admins).
    #[command(
        after_help = "Example:\n  daoctl role mint operations.treasurer 0xabc.. --expiry 1767225600"
    )]
    Mint {
        role: String,
        wearer: Address,
        /// Unix time the grant ends (0: no term).
        #[arg(long, default_value_t = 0)]
        expiry: u64,
    },
    /// Take a role from a wearer (admins or the eligibility module).
    Revoke { role: String, wearer: Address },
    /// Give up a role the signer wears.
    Renounce { role: String },
    /// Move a grant between accounts (admins; mutable and top roles).
    Transfer {
        role: String,
        from: Address,
        to: Address,
    },
}

/// Accounts that wear each of `roles` now: candidates from RoleMinted/RoleTransferred events
/// of these roles (one bounded scan, filtered by role id), confirmed by a live `isWearerOfHat`
/// (eligibility and expiry can change without an event).
pub(crate) async fn wearers(
    ctx: &Ctx,
    roles_addr: Address,
    roles: &[U256],
) -> Result<BTreeMap<U256, Vec<Address>>> {
    let contract = IRoles::new(roles_addr, &ctx.provider);
    let query = LogQuery::new([roles_addr])
        .topic(
            0,
            [
                IRoles::RoleMinted::SIGNATURE_HASH,
                IRoles::RoleTransferred::SIGNATURE_HASH,
            ],
        )
        .topic(1, roles.iter().map(|r| B256::from(*r)));
    let logs = ctx.logs(&query).await?;
    let wanted: BTreeSet<U256> = roles.iter().copied().collect();
    let mut candidates: BTreeMap<U256, BTreeSet<Address>> = BTreeMap::new();
    for log in &logs {
        if let Some(d) = decode::<IRoles::RoleMinted>(log) {
            if wanted.contains(&d.roleId) {
                candidates.entry(d.roleId).or_default().insert(d.wearer);
            }
        } else if let Some(d) = decode::<IRoles::RoleTransferred>(log)
            && wanted.contains(&d.roleId)
        {
            candidates.entry(d.roleId).or_default().insert(d.to);
        }
    }
    let mut out = BTreeMap::new();
    for role in roles {
        let mut now = Vec::new();
        for a in candidates.get(role).into_iter().flatten() {
            if contract.isWearerOfHat(*a, *role).call().await? {
                now.push(*a);
            }
        }
        out.insert(*role, now);
    }
    Ok(out)
}

/// The admin role, then its direct children (member role first).
pub(crate) async fn roles_of_cell(ctx: &Ctx, roles_addr: Address, cell: U256) -> Result<Vec<U256>> {
    let contract = IRoles::new(roles_addr, &ctx.provider);
    let view = contract.viewRole(cell).call().await?;
    let mut out = vec![cell];
    for i in 1..=view.lastChildIndex {
        out.push(RoleId(cell).child(i).0);
    }
    Ok(out)
}

async fn describe(
    ctx: &Ctx,
    roles_addr: Address,
    role: U256,
    wearers: &[Address],
) -> Result<RoleView> {
    let contract = IRoles::new(roles_addr, &ctx.provider);
    let v = contract.viewRole(role).call().await?;
    Ok(RoleView {
        role: RoleId(role).to_string(),
        name: ctx.role_name(role),
        details: v.details,
        supply: v.supply,
        max_supply: v.maxSupply,
        claimable: v.claimable,
        mutable: v.mutable_,
        active: v.active,
        eligibility: v.eligibility,
        toggle: v.toggle,
        wearers: wearers.to_vec(),
    })
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let roles_addr = ctx.contract("Roles")?;
    match cmd {
        Cmd::List { cell, read } => {
            let id = ctx.cell(&cell)?;
            let view = match read.open(&ctx).await? {
                Source::Live => {
                    let ids = roles_of_cell(&ctx, roles_addr, id).await?;
                    let w = wearers(&ctx, roles_addr, &ids).await?;
                    let mut rows = Vec::new();
                    for r in &ids {
                        rows.push(describe(&ctx, roles_addr, *r, &w[r]).await?);
                    }
                    RoleList(rows)
                }
                Source::Indexed { ix, now } => indexed::role_list(&ctx, ix.store(), id, now)?,
            };
            ctx.show(&view);
        }
        Cmd::Show { role, read } => {
            let id = ctx.role(&role)?;
            let view = match read.open(&ctx).await? {
                Source::Live => {
                    let w = wearers(&ctx, roles_addr, &[id]).await?;
                    describe(&ctx, roles_addr, id, &w[&id]).await?
                }
                Source::Indexed { ix, now } => indexed::role(&ctx, ix.store(), id, now)?,
            };
            ctx.show(&RoleShow(view));
        }
        Cmd::Create {
            cell,
            name,
            details,
            max_supply,
            claimable,
            eligibility,
            toggle,
            immutable,
            image_uri,
        } => {
            let id = ctx.cell(&cell)?;
            let key = ctx.cell_name(id);
            if matches!(name.as_str(), "admin" | "member") || name.contains('.') {
                eyre::bail!(
                    "role name `{name}`: `admin` and `member` are every cell's own, and names have no `.`"
                );
            }
            if ctx.role(&format!("{key}.{name}")).is_ok() {
                eyre::bail!(
                    "cell `{key}` already has a role `{name}` in the record: pick another name"
                );
            }
            let call = IRoles::createRoleCall {
                adminId: id,
                details: details.unwrap_or_else(|| name.clone()),
                maxSupply: max_supply.unwrap_or(u32::MAX),
                eligibility: eligibility.unwrap_or_default(),
                toggle: toggle.unwrap_or_default(),
                mutable_: !immutable,
                claimable,
                imageURI: image_uri.unwrap_or_default(),
            };
            let receipt = ctx
                .call(
                    &format!("create role {key}.{name}"),
                    roles_addr,
                    call.abi_encode(),
                )
                .await?;
            // Sent through a Safe file or a proposal there is no role yet: `plan` names it later.
            let created = receipt
                .decoded_log::<IRoles::RoleCreated>()
                .filter(|l| l.adminId == id);
            match created {
                Some(log) => {
                    ctx.remember_role(&key, &name, log.roleId)?;
                    let v = json!({"role": RoleId(log.roleId).to_string(), "name": format!("{key}.{name}")});
                    ctx.print(&v, || {
                        format!("role {} created as `{key}.{name}`\n", RoleId(log.roleId))
                    });
                }
                None => eprintln!(
                    "no role was created by this transaction (sent through the Safe or a proposal): \
                     it is named once it exists, by `daoctl plan`/`apply` of a design that declares it"
                ),
            }
        }
        Cmd::Claim { role } => {
            let id = ctx.role(&role)?;
            ctx.call(
                &format!("claim {role}"),
                roles_addr,
                IRoles::claimRoleCall { roleId: id }.abi_encode(),
            )
            .await?;
        }
        Cmd::Mint {
            role,
            wearer,
            expiry,
        } => {
            let id = ctx.role(&role)?;
            let call = IRoles::mintRoleCall {
                roleId: id,
                wearer,
                expiry,
            };
            ctx.call(
                &format!("mint {role} to {wearer}"),
                roles_addr,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::Revoke { role, wearer } => {
            let id = ctx.role(&role)?;
            let call = IRoles::revokeRoleCall { roleId: id, wearer };
            ctx.call(
                &format!("revoke {role} from {wearer}"),
                roles_addr,
                call.abi_encode(),
            )
            .await?;
        }
        Cmd::Renounce { role } => {
            let id = ctx.role(&role)?;
            ctx.call(
                &format!("renounce {role}"),
                roles_addr,
                IRoles::renounceRoleCall { roleId: id }.abi_encode(),
            )
            .await?;
        }
        Cmd::Transfer { role, from, to } => {
            let id = ctx.role(&role)?;
            let call = IRoles::transferRoleCall {
                roleId: id,
                from,
                to,
            };
            ctx.call(
                &format!("transfer {role} from {from} to {to}"),
                roles_addr,
                call.abi_encode(),
            )
            .await?;
        }
    }
    Ok(())
}
