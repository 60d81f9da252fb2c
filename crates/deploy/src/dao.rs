//! Deploying a DAO from a design: an ordered list of steps, each one transaction, each recorded
//! (sent, then confirmed) in the deployment record so that a re-run resumes exactly where a crash
//! stopped and a re-run after success sends nothing.
//!
//! The deployer holds every authority while it builds: it creates the DAO with itself as governance,
//! builds the cells (as their admin), roles, state, budgets and governor settings, and finally hands
//! each admin role to whoever the design names (a person, a cell's executor, the DAO's Safe).
use crate::{
    DeployError,
    design::{Design, RoleSpec, restriction_bit, state_key},
    record::{CellRecord, Record, StepRecord},
    safe,
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::SolCall,
};
use dao_bindings::{
    ICellGovernor, ICellRegistry, IRoleStreams, IRoles, ITreasury, RoleId, Safe, SafeProxyFactory,
};

/// What one step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    CreateDao,
    CreateSafe,
    SetupSafe,
    FundSafe(U256),
    RegisterSafe,
    CreateCell {
        cell: String,
    },
    CreateRole {
        cell: String,
        role: String,
    },
    SetMaxSupply {
        cell: String,
        role: String,
        max: u32,
    },
    SetClaimable {
        cell: String,
        role: String,
    },
    MintRoles {
        cell: String,
    },
    SetTreasurer {
        cell: String,
        role: String,
    },
    SetRestrictions {
        cell: String,
        bits: u16,
    },
    SetState {
        cell: String,
        doc: String,
    },
    SetBudget {
        cell: String,
        index: usize,
    },
    Allocate {
        cell: String,
        index: usize,
    },
    Configure {
        cell: String,
    },
    /// The `index`-th stream of `cell` (`dao` for the root's).
    OpenStream {
        cell: String,
        index: usize,
    },
    HandOver {
        cell: String,
    },
}

/// One transaction of the plan.
#[derive(Debug, Clone)]
pub struct Step {
    /// Stable id, the key in the record's `steps`.
    pub id: String,
    pub description: String,
    pub action: Action,
}

/// An amount of a plan: with the token's symbol once resolved (`50000 HUSD`), else as written
/// followed by the token.
fn shown(a: &crate::design::Amount, token: &crate::design::Token) -> String {
    if a.token().is_some() {
        a.to_string()
    } else {
        format!("{a} {token}")
    }
}

/// Builds the ordered steps for `design`. `dev_chain` adds funding the Safe from the deployer.
pub fn plan(design: &Design, dev_chain: bool) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut push = |id: String, description: String, action: Action| {
        steps.push(Step {
            id,
            description,
            action,
        })
    };
    let dao = &design.dao;
    push(
        "dao.create".into(),
        format!(
            "create DAO `{}` with {} member(s)",
            dao.name,
            dao.members.len()
        ),
        Action::CreateDao,
    );
    if let Some(safe) = &dao.governance.safe {
        push(
            "dao.safe.create".into(),
            "create the DAO's Safe".into(),
            Action::CreateSafe,
        );
        push(
            "dao.safe.setup".into(),
            format!(
                "Safe: enable the treasury module, consent to the DAO, set {} owner(s), threshold {}",
                safe.owners.len(),
                safe.threshold
            ),
            Action::SetupSafe,
        );
        push(
            "dao.safe.register".into(),
            "register the Safe with the treasury".into(),
            Action::RegisterSafe,
        );
        if dev_chain && let Some(fund) = &dao.fund {
            push(
                "dao.safe.fund".into(),
                format!("fund the Safe with {fund}"),
                Action::FundSafe(
                    fund.check_offline(Address::ZERO)
                        .ok()
                        .flatten()
                        .unwrap_or_default(),
                ),
            );
        }
    }
    // Roles and contents of one cell (the DAO root uses key "dao").
    let cell_steps = |key: &str,
                      roles: &std::collections::BTreeMap<String, RoleSpec>,
                      state: &std::collections::BTreeMap<String, crate::design::StateDoc>,
                      push: &mut dyn FnMut(String, String, Action)| {
        for (name, role) in roles {
            if name != "member" {
                push(
                    format!("role.{key}.{name}.create"),
                    format!("create role `{name}` in {key}"),
                    Action::CreateRole {
                        cell: key.into(),
                        role: name.clone(),
                    },
                );
            } else {
                if let Some(max) = role.max_supply {
                    push(
                        format!("role.{key}.member.max-supply"),
                        format!("member role of {key}: max supply {max}"),
                        Action::SetMaxSupply {
                            cell: key.into(),
                            role: name.clone(),
                            max,
                        },
                    );
                }
                if role.claimable {
                    push(
                        format!("role.{key}.member.claimable"),
                        format!("member role of {key}: claimable"),
                        Action::SetClaimable {
                            cell: key.into(),
                            role: name.clone(),
                        },
                    );
                }
            }
        }
        let wearers: usize = roles.values().map(|r| r.wearers.len()).sum();
        if wearers > 0 {
            push(
                format!("role.{key}.mint"),
                format!("mint {wearers} role grant(s) in {key}"),
                Action::MintRoles { cell: key.into() },
            );
        }
        for (name, role) in roles {
            if role.treasurer {
                push(
                    format!("cell.{key}.treasurer"),
                    format!("make `{name}` the treasurer role of {key}"),
                    Action::SetTreasurer {
                        cell: key.into(),
                        role: name.clone(),
                    },
                );
            }
        }
        for doc in state.keys() {
            push(
                format!("state.{key}.{doc}"),
                format!("write state document `{doc}` of {key}"),
                Action::SetState {
                    cell: key.into(),
                    doc: doc.clone(),
                },
            );
        }
    };
    cell_steps("dao", &dao.roles, &dao.state, &mut push);
    for (i, b) in dao.budgets.iter().enumerate() {
        push(
            format!("budget.dao.{i}"),
            format!(
                "DAO budget: {} per {}s",
                shown(&b.amount, &b.token),
                b.period.0
            ),
            Action::SetBudget {
                cell: "dao".into(),
                index: i,
            },
        );
    }
    for cell in &design.cells {
        let key = &cell.key;
        push(
            format!("cell.{key}.create"),
            format!("create cell `{key}` ({}) under {}", cell.name, cell.parent),
            Action::CreateCell { cell: key.clone() },
        );
        cell_steps(key, &cell.roles, &cell.state, &mut push);
        let bits: u16 = cell
            .restrictions
            .iter()
            .filter_map(|r| restriction_bit(r))
            .fold(0, |a, b| a | b);
        if bits != 0 {
            push(
                format!("cell.{key}.restrictions"),
                format!("restrict {key}: {}", cell.restrictions.join(", ")),
                Action::SetRestrictions {
                    cell: key.clone(),
                    bits,
                },
            );
        }
        for (i, b) in cell.budgets.iter().enumerate() {
            push(
                format!("budget.{key}.{i}"),
                format!(
                    "budget of {key}: {} per {}s",
                    shown(&b.amount, &b.token),
                    b.period.0
                ),
                Action::SetBudget {
                    cell: key.clone(),
                    index: i,
                },
            );
            if let Some(a) = &b.allocate {
                push(
                    format!("budget.{key}.{i}.allocate"),
                    format!(
                        "allocate {} from {} to {key}",
                        shown(a, &b.token),
                        cell.parent
                    ),
                    Action::Allocate {
                        cell: key.clone(),
                        index: i,
                    },
                );
            }
        }
        if cell.governor.is_some() {
            push(
                format!("governor.{key}.configure"),
                format!("configure the governor of {key} (deploys its executor)"),
                Action::Configure { cell: key.clone() },
            );
        }
    }
    // Streams once every cell and role exists (a stream may pay a role of a cell below), opened
    // while the deployer still wears the paying cell's admin role.
    let streams = std::iter::once(("dao", &dao.streams))
        .chain(design.cells.iter().map(|c| (c.key.as_str(), &c.streams)));
    for (key, list) in streams {
        for (i, st) in list.iter().enumerate() {
            push(
                format!("stream.{key}.{i}"),
                format!(
                    "open a stream in {key}: {} per {}s to each wearer of {}",
                    shown(&st.amount, &st.token),
                    st.period.0,
                    st.role
                ),
                Action::OpenStream {
                    cell: key.to_owned(),
                    index: i,
                },
            );
        }
    }
    // Hand-overs last, children before parents (the deployer needs the parents' authority until then).
    for cell in design.cells.iter().rev() {
        push(
            format!("handover.{}", cell.key),
            format!(
                "hand the admin role of {} to {}",
                cell.key,
                if cell.governor.is_some() {
                    "its executor (vote-run)".to_owned()
                } else {
                    "its admin".to_owned()
                }
            ),
            Action::HandOver {
                cell: cell.key.clone(),
            },
        );
    }
    push(
        "handover.dao".into(),
        "hand the DAO's top role to community governance".into(),
        Action::HandOver { cell: "dao".into() },
    );
    steps
}

/// Everything a step needs to build its transaction.
pub struct Context<'a> {
    pub provider: &'a DynProvider,
    pub from: Address,
    pub design: &'a Design,
    pub record: &'a Record,
}

impl Context<'_> {
    fn contract(&self, name: &str) -> Result<Address, DeployError> {
        self.record
            .address(name)
            .ok_or_else(|| DeployError::MissingContract(name.to_owned()))
    }

    fn cell(&self, key: &str) -> Result<&CellRecord, DeployError> {
        self.record
            .cells
            .get(key)
            .ok_or_else(|| DeployError::NotYet(format!("cell `{key}`")))
    }

    fn roles_of(&self, key: &str) -> &std::collections::BTreeMap<String, RoleSpec> {
        if key == "dao" {
            &self.design.dao.roles
        } else {
            &self.design.cell(key).expect("planned cell").roles
        }
    }

    fn role_id(&self, key: &str, role: &str) -> Result<U256, DeployError> {
        let cell = self.cell(key)?;
        if role == "member" {
            return Ok(cell.member_role);
        }
        cell.roles
            .get(role)
            .copied()
            .ok_or_else(|| DeployError::NotYet(format!("role `{key}.{role}`")))
    }

    fn safe(&self) -> Result<Address, DeployError> {
        self.record
            .safe
            .ok_or_else(|| DeployError::NotYet("the DAO's Safe".into()))
    }

    async fn now(&self) -> Result<u64, DeployError> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| DeployError::NotYet("latest block".into()))?;
        Ok(block.header.timestamp)
    }

    /// The transaction of `action`, given what earlier steps recorded.
    pub async fn transaction(&self, action: &Action) -> Result<TransactionRequest, DeployError> {
        let tx = |to: Address, data: Vec<u8>| {
            TransactionRequest::default()
                .with_from(self.from)
                .with_to(to)
                .with_input(data)
        };
        let registry = self.contract("CellRegistry")?;
        let roles = self.contract("Roles")?;
        let dao = &self.design.dao;
        Ok(match action {
            Action::CreateDao => {
                let members: Vec<Address> = dao.members.iter().map(|a| a.0).collect();
                let call = ICellRegistry::createDaoCall {
                    governance: self.from,
                    name: dao.name.clone(),
                    scale: dao.scale.to_sol(),
                    phase: dao.phase.to_sol(),
                    members,
                };
                tx(registry, call.abi_encode())
            }
            Action::CreateSafe => {
                // SafeL2 where the record has it (every dev deployment since it logs owners'
                // transactions for the audit); Safe in records made before.
                let singleton = self.contract("SafeL2").or_else(|_| self.contract("Safe"))?;
                let factory = self.contract("SafeProxyFactory")?;
                let handler = self.contract("CompatibilityFallbackHandler")?;
                let setup = Safe::setupCall {
                    _owners: vec![self.from],
                    _threshold: U256::from(1u64),
                    to: Address::ZERO,
                    data: Bytes::new(),
                    fallbackHandler: handler,
                    paymentToken: Address::ZERO,
                    payment: U256::ZERO,
                    paymentReceiver: Address::ZERO,
                };
                let call = SafeProxyFactory::createProxyWithNonceCall {
                    _singleton: singleton,
                    initializer: setup.abi_encode().into(),
                    saltNonce: U256::from_be_bytes(keccak256(dao.name.as_bytes()).0),
                };
                tx(factory, call.abi_encode())
            }
            Action::SetupSafe => {
                let safe = self.safe()?;
                let treasury = self.contract("Treasury")?;
                let multisend = self.contract("MultiSendCallOnly")?;
                let dao_id = self.cell("dao")?.id;
                let spec = dao.governance.safe.as_ref().expect("planned for a Safe");
                let mut calls: Vec<(Address, Vec<u8>)> = vec![
                    (
                        safe,
                        Safe::enableModuleCall { module: treasury }.abi_encode(),
                    ),
                    (
                        treasury,
                        ITreasury::approveDaoCall {
                            daoId: dao_id,
                            approved: true,
                        }
                        .abi_encode(),
                    ),
                ];
                let owners: Vec<Address> = spec.owners.iter().map(|a| a.0).collect();
                let mut first_added = None;
                for owner in owners.iter().filter(|o| **o != self.from) {
                    first_added.get_or_insert(*owner);
                    calls.push((
                        safe,
                        Safe::addOwnerWithThresholdCall {
                            owner: *owner,
                            _threshold: U256::from(1u64),
                        }
                        .abi_encode(),
                    ));
                }
                if owners.contains(&self.from) {
                    calls.push((
                        safe,
                        Safe::changeThresholdCall {
                            _threshold: U256::from(spec.threshold),
                        }
                        .abi_encode(),
                    ));
                } else if let Some(prev) = first_added {
                    // Owners are a linked list with each new owner at the head: the deployer (the first
                    // owner) is last, after the first owner added.
                    calls.push((
                        safe,
                        Safe::removeOwnerCall {
                            prevOwner: prev,
                            owner: self.from,
                            _threshold: U256::from(spec.threshold),
                        }
                        .abi_encode(),
                    ));
                }
                let calls: Vec<safe::Call> = calls
                    .into_iter()
                    .map(|(to, data)| safe::Call {
                        to,
                        value: U256::ZERO,
                        data: data.into(),
                        description: String::new(),
                    })
                    .collect();
                // The nonce is not part of execTransaction; a new Safe's is 0 anyway.
                let batch = safe::SafeTransaction::new(&calls, multisend, U256::ZERO)
                    .map_err(|e| DeployError::Contract(e.to_string()))?;
                // The deployer is the only owner: an "approved by the sender" signature (v = 1).
                let call = batch.exec_call(safe::approved_by_sender(self.from).into());
                tx(safe, call.abi_encode())
            }
            Action::FundSafe(amount) => TransactionRequest::default()
                .with_from(self.from)
                .with_to(self.safe()?)
                .with_value(*amount),
            Action::RegisterSafe => {
                let call = ITreasury::registerSafeCall {
                    daoId: self.cell("dao")?.id,
                    safe: self.safe()?,
                };
                tx(self.contract("Treasury")?, call.abi_encode())
            }
            Action::CreateCell { cell } => {
                let spec = self.design.cell(cell).expect("planned cell");
                let parent = self.cell(&spec.parent)?.id;
                let call = ICellRegistry::createCellCall {
                    parentCellId: parent,
                    name: spec.name.clone(),
                    scale: spec.scale.to_sol(),
                    phase: spec.phase.to_sol(),
                    admin: self.from,
                    members: spec.members.iter().map(|a| a.0).collect(),
                };
                tx(registry, call.abi_encode())
            }
            Action::CreateRole { cell, role } => {
                let spec = &self.roles_of(cell)[role];
                let call = IRoles::createRoleCall {
                    adminId: self.cell(cell)?.id,
                    details: spec.details.clone().unwrap_or_else(|| role.clone()),
                    maxSupply: spec.max_supply.unwrap_or(u32::MAX),
                    eligibility: spec.eligibility.map(|a| a.0).unwrap_or_default(),
                    toggle: spec.toggle.map(|a| a.0).unwrap_or_default(),
                    mutable_: spec.mutable,
                    claimable: spec.claimable,
                    imageURI: spec.image_uri.clone().unwrap_or_default(),
                };
                tx(roles, call.abi_encode())
            }
            Action::SetMaxSupply { cell, role, max } => {
                let call = IRoles::changeRoleMaxSupplyCall {
                    roleId: self.role_id(cell, role)?,
                    maxSupply: *max,
                };
                tx(roles, call.abi_encode())
            }
            Action::SetClaimable { cell, role } => {
                let call = IRoles::changeRoleClaimableCall {
                    roleId: self.role_id(cell, role)?,
                    claimable: true,
                };
                tx(roles, call.abi_encode())
            }
            Action::MintRoles { cell } => {
                let now = self.now().await?;
                let (mut ids, mut wearers, mut expiries) = (Vec::new(), Vec::new(), Vec::new());
                for (name, spec) in self.roles_of(cell) {
                    let id = self.role_id(cell, name)?;
                    for w in &spec.wearers {
                        ids.push(id);
                        wearers.push(w.0);
                        expiries.push(spec.term.map(|t| now + t.0).unwrap_or(0));
                    }
                }
                let call = IRoles::batchMintRolesCall {
                    roleIds: ids,
                    wearers,
                    expiries,
                };
                tx(roles, call.abi_encode())
            }
            Action::SetTreasurer { cell, role } => {
                let call = ITreasury::setTreasurerRoleCall {
                    cellId: self.cell(cell)?.id,
                    roleId: self.role_id(cell, role)?,
                };
                tx(self.contract("Treasury")?, call.abi_encode())
            }
            Action::SetRestrictions { cell, bits } => {
                let call = ICellRegistry::setRestrictionsCall {
                    cellId: self.cell(cell)?.id,
                    restrictions: *bits,
                };
                tx(registry, call.abi_encode())
            }
            Action::SetState { cell, doc } => {
                let docs = if cell == "dao" {
                    &dao.state
                } else {
                    &self.design.cell(cell).expect("planned").state
                };
                let d = &docs[doc];
                let call = ICellRegistry::setStateCall {
                    cellId: self.cell(cell)?.id,
                    key: state_key(doc),
                    uri: d.uri.clone(),
                    contentHash: d.content_hash(),
                };
                tx(registry, call.abi_encode())
            }
            Action::SetBudget { cell, index } => {
                let budgets = if cell == "dao" {
                    &dao.budgets
                } else {
                    &self.design.cell(cell).expect("planned").budgets
                };
                let b = &budgets[*index];
                let now = self.now().await?;
                let call = ITreasury::setBudgetCall {
                    cellId: self.cell(cell)?.id,
                    token: b.token.0,
                    amount: b
                        .amount
                        .units()
                        .ok_or_else(|| DeployError::Unresolved(b.amount.to_string()))?,
                    period: U256::from(b.period.0),
                    start: U256::from(now),
                    expiry: U256::from(b.expires_in.map(|e| now + e.0).unwrap_or(0)),
                };
                tx(self.contract("Treasury")?, call.abi_encode())
            }
            Action::Allocate { cell, index } => {
                let spec = self.design.cell(cell).expect("planned");
                let b = &spec.budgets[*index];
                let call = ITreasury::subAllocateCall {
                    parentCellId: self.cell(&spec.parent)?.id,
                    childCellId: self.cell(cell)?.id,
                    token: b.token.0,
                    amount: b
                        .allocate
                        .as_ref()
                        .map(|a| {
                            a.units()
                                .ok_or_else(|| DeployError::Unresolved(a.to_string()))
                        })
                        .transpose()?
                        .unwrap_or_default(),
                };
                tx(self.contract("Treasury")?, call.abi_encode())
            }
            Action::Configure { cell } => {
                let g = self
                    .design
                    .cell(cell)
                    .expect("planned")
                    .governor
                    .as_ref()
                    .expect("vote-run");
                let settings = ICellGovernor::Settings {
                    electorate: g.electorate_sol(),
                    counting: g.counting.to_sol(),
                    thresholdBps: g.threshold_bps,
                    quorumBps: g.quorum_bps,
                    votingDelay: alloy::primitives::Uint::<24, 1>::from(g.voting_delay),
                    votingPeriod: alloy::primitives::Uint::<24, 1>::from(g.voting_period),
                    executionDelay: alloy::primitives::Uint::<24, 1>::from(g.execution_delay),
                    token: g.token.map(|a| a.0).unwrap_or_default(),
                    proposalThreshold: g
                        .proposal_threshold
                        .units()
                        .ok_or_else(|| DeployError::Unresolved(g.proposal_threshold.to_string()))?
                        .to::<u128>(),
                };
                let call = ICellGovernor::configureCall {
                    cellId: self.cell(cell)?.id,
                    settings,
                };
                tx(self.contract("CellGovernor")?, call.abi_encode())
            }
            Action::OpenStream { cell, index } => {
                let st = if cell == "dao" {
                    &dao.streams[*index]
                } else {
                    &self.design.cell(cell).expect("planned").streams[*index]
                };
                let (target, role) = st.target(cell);
                let role_id = if role == "admin" {
                    self.cell(target)?.id
                } else {
                    self.role_id(target, role)?
                };
                let now = self.now().await?;
                let call = IRoleStreams::openCall {
                    cellId: self.cell(cell)?.id,
                    roleId: role_id,
                    token: st.token.0,
                    amount: st
                        .amount
                        .units()
                        .ok_or_else(|| DeployError::Unresolved(st.amount.to_string()))?,
                    period: U256::from(st.period.0),
                    start: U256::ZERO,
                    // From the latest block: the stream opens in a later one, so it ends a little
                    // after `ends_in` from its opening, never before.
                    end: U256::from(
                        st.ends_in
                            .map(|e| now + crate::design::STREAM_OPENING_MARGIN + e.0)
                            .unwrap_or(0),
                    ),
                };
                tx(self.contract("RoleStreams")?, call.abi_encode())
            }
            Action::HandOver { cell } => {
                let id = self.cell(cell)?.id;
                let to = self.handover_target(cell).await?;
                let call = IRoles::transferRoleCall {
                    roleId: id,
                    from: self.from,
                    to,
                };
                tx(roles, call.abi_encode())
            }
        })
    }

    /// Who wears a cell's admin role once deployment is over.
    pub async fn handover_target(&self, key: &str) -> Result<Address, DeployError> {
        if key == "dao" {
            let g = &self.design.dao.governance;
            return match (&g.safe, &g.address) {
                (Some(_), _) => self.safe(),
                (None, Some(a)) => Ok(a.0),
                (None, None) => unreachable!("validated"),
            };
        }
        let spec = self.design.cell(key).expect("planned");
        match (&spec.admin, &spec.governor) {
            (Some(a), _) => Ok(a.0),
            (None, Some(_)) => {
                let cell = self.cell(key)?;
                match cell.executor {
                    Some(e) => Ok(e),
                    None => Err(DeployError::NotYet(format!("executor of `{key}`"))),
                }
            }
            (None, None) => unreachable!("validated"),
        }
    }

    /// Whether a hand-over is a no-op (the design names the deployer itself).
    pub async fn handover_is_noop(&self, key: &str) -> Result<bool, DeployError> {
        Ok(self.handover_target(key).await? == self.from)
    }
}

/// Reads what a confirmed step created into the record.
pub async fn absorb(
    provider: &DynProvider,
    design: &Design,
    record: &mut Record,
    action: &Action,
    receipt: &TransactionReceipt,
) -> Result<(), DeployError> {
    match action {
        Action::CreateDao | Action::CreateCell { .. } => {
            let log = receipt
                .decoded_log::<ICellRegistry::CellCreated>()
                .ok_or_else(|| DeployError::MissingEvent("CellCreated".into()))?;
            let (key, name, parent) = match action {
                Action::CreateCell { cell } => {
                    let spec = design.cell(cell).expect("planned");
                    (cell.clone(), spec.name.clone(), spec.parent.clone())
                }
                _ => ("dao".to_owned(), design.dao.name.clone(), String::new()),
            };
            record.cells.insert(
                key,
                CellRecord {
                    id: log.cellId,
                    path: RoleId(log.cellId).to_string(),
                    name,
                    parent,
                    member_role: log.memberRoleId,
                    executor: None,
                    roles: Default::default(),
                },
            );
        }
        Action::CreateSafe => {
            let log = receipt
                .decoded_log::<SafeProxyFactory::ProxyCreation>()
                .ok_or_else(|| DeployError::MissingEvent("ProxyCreation".into()))?;
            record.safe = Some(log.proxy);
            record.governance = Some(log.proxy);
        }
        Action::CreateRole { cell, role } => {
            let log = receipt
                .decoded_log::<IRoles::RoleCreated>()
                .ok_or_else(|| DeployError::MissingEvent("RoleCreated".into()))?;
            if let Some(c) = record.cells.get_mut(cell) {
                c.roles.insert(role.clone(), log.roleId);
            }
        }
        Action::Configure { cell } => {
            let governor = record
                .address("CellGovernor")
                .ok_or_else(|| DeployError::MissingContract("CellGovernor".into()))?;
            let id = record
                .cell_id(cell)
                .ok_or_else(|| DeployError::NotYet(cell.clone()))?;
            let executor = ICellGovernor::new(governor, provider)
                .executorOf(id)
                .call()
                .await?;
            if let Some(c) = record.cells.get_mut(cell) {
                c.executor = Some(executor);
            }
        }
        Action::HandOver { cell } if cell == "dao" && record.governance.is_none() => {
            record.governance = design.dao.governance.address.map(|a| a.0);
        }
        _ => {}
    }
    Ok(())
}

/// The record entry of a confirmed step.
pub fn step_record(receipt: &TransactionReceipt) -> StepRecord {
    StepRecord {
        tx: receipt.transaction_hash,
        block: receipt.block_number,
        gas_used: Some(receipt.gas_used),
        queued: None,
    }
}

/// A sent step's hash, recorded before waiting for its receipt.
pub fn sent_record(tx: B256) -> StepRecord {
    StepRecord {
        tx,
        block: None,
        gas_used: None,
        queued: None,
    }
}
