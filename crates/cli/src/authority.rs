//! Why a write was refused, in the terms of what to do next: who holds the authority it lacked (the
//! DAO's Safe, then `--via-safe`; a vote-run cell's executor, then `--via-proposal`), or for a
//! governor timing error, the block from which the call becomes possible (then `--wait`).
use crate::{cmd::safe::SafeInfo, ctx::Ctx};
use alloy::{
    primitives::{Address, U256},
    sol_types::{SolError, SolValue},
};
use dao_bindings::{ICellGovernor, ICellRegistry, IRoles, ITreasury, RoleId};

/// Where the needed authority starts in the role tree.
enum Needed {
    /// Authority over a cell: its parent's admin (a root: its own admin), or above.
    ParentOf(U256),
    /// A cell's own admin role, or above.
    Cell(U256),
    /// Exactly a wearer of a cell's admin role (nothing above counts).
    Wearer(U256),
    /// The admin of a role.
    AdminOf(U256),
    /// Authority over a proposal's cell.
    Proposal(U256),
}

fn needed(contract: Option<&str>, data: &[u8]) -> Option<Needed> {
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    let (_, id) = <(Address, U256)>::abi_decode(&data[4..]).ok()?;
    if selector == ICellRegistry::NotParentAdmin::SELECTOR {
        // The governor's NotParentAdmin carries a proposal id (same selector).
        return Some(if contract == Some("CellGovernor") {
            Needed::Proposal(id)
        } else {
            Needed::ParentOf(id)
        });
    }
    if selector == ICellRegistry::NotCellAuthority::SELECTOR {
        return Some(Needed::Cell(id));
    }
    if [
        ICellRegistry::NotCellAdmin::SELECTOR,
        ITreasury::NotDaoAdmin::SELECTOR,
    ]
    .contains(&selector)
    {
        return Some(Needed::Wearer(id));
    }
    if selector == IRoles::NotAdmin::SELECTOR {
        return Some(Needed::AdminOf(id));
    }
    None
}

/// The role that administers `role`: its parent in the tree, or the role a tree is linked under.
async fn admin_of(
    roles: &IRoles::IRolesInstance<&alloy::providers::DynProvider>,
    role: U256,
) -> Option<U256> {
    if let Some(p) = RoleId(role).parent() {
        return Some(p.0);
    }
    let linked = roles
        .linkedTreeAdmins(RoleId(role).tree())
        .call()
        .await
        .ok()?;
    (!linked.is_zero()).then_some(linked)
}

/// A sentence naming who holds the authority a refusal (revert `data` from `contract`) was about,
/// or None when it is not an authority error or no known authority (the Safe, an executor) holds it.
pub(crate) async fn hint(ctx: &Ctx, contract: Option<&str>, data: &[u8]) -> Option<String> {
    if contract == Some("CellGovernor")
        && let Some(timing) = crate::cmd::proposal::timing_hint(ctx, data).await
    {
        return Some(timing);
    }
    let needed = needed(contract, data)?;
    let record = ctx.record().ok()?;
    let roles = IRoles::new(record.address("Roles")?, &ctx.provider);
    let registry = ICellRegistry::new(record.address("CellRegistry")?, &ctx.provider);
    let parent_of = |cell: U256| {
        let registry = &registry;
        async move {
            let parent = registry.parentOf(cell).call().await.ok()?;
            Some(if parent.is_zero() { cell } else { parent })
        }
    };
    let exact = matches!(needed, Needed::Wearer(_));
    let mut role = match needed {
        Needed::ParentOf(cell) => parent_of(cell).await?,
        Needed::Cell(cell) | Needed::Wearer(cell) => cell,
        Needed::AdminOf(role) => admin_of(&roles, role).await?,
        Needed::Proposal(id) => {
            let governor = ICellGovernor::new(record.address("CellGovernor")?, &ctx.provider);
            let cell = governor.proposal(id).call().await.ok()?.cellId;
            parent_of(cell).await?
        }
    };
    let executors: Vec<(String, Address)> = record
        .cells
        .iter()
        .filter_map(|(k, c)| Some((k.clone(), c.executor?)))
        .collect();
    let start = role;
    // Holders nearer the role first; one found higher up holds it too (as admin of the admins).
    let nearer = |role: U256, found: &str| {
        if role == start {
            format!("{found} holds this authority")
        } else {
            format!(
                "the wearers of {} hold this authority, and so does {found} above them",
                ctx.role_name(start)
            )
        }
    };
    for _ in 0..16 {
        if let Some(safe) = record.safe
            && roles.isWearerOfHat(safe, role).call().await.ok()?
        {
            let owners = match SafeInfo::read(ctx, safe).await {
                Ok(info) => format!(" ({})", info.describe()),
                Err(_) => String::new(),
            };
            return Some(format!(
                "{}; re-run with --via-safe to act as the Safe",
                nearer(role, &format!("the DAO's Safe {safe}{owners}"))
            ));
        }
        for (key, executor) in &executors {
            if roles.isWearerOfHat(*executor, role).call().await.ok()? {
                return Some(format!(
                    "{}: it acts by proposal: re-run with --via-proposal {key}, or `daoctl proposal create --cell {key} --description ... <action>`",
                    nearer(
                        role,
                        &format!("the vote-run cell `{key}` (its executor {executor})")
                    )
                ));
            }
        }
        if exact {
            return None;
        }
        role = admin_of(&roles, role).await?;
    }
    None
}
