//! Core contracts: singletons per chain at deterministic addresses, deployed with CREATE2 (salt 0)
//! through the deterministic deployment proxy. Present contracts are checked against the artifacts
//! (immutables masked) and never redeployed.
use crate::{DeployError, record::ContractRecord};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, address, keccak256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    sol_types::SolValue,
};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The deterministic deployment proxy (Arachnid), predeployed by anvil and on most chains.
pub const CREATE2_DEPLOYER: Address = address!("0x4e59b44847b379578588920ca78fbf26c0b4956c");

/// A contract's bytecode from the bindings' artifacts.
#[derive(Debug, Clone)]
pub struct Artifact {
    pub name: String,
    pub bytecode: Bytes,
    pub deployed: Bytes,
    /// (start, length) of every immutable in the runtime code.
    pub immutables: Vec<(usize, usize)>,
}

#[derive(Deserialize)]
struct RawArtifact {
    bytecode: RawCode,
    #[serde(rename = "deployedBytecode")]
    deployed: RawCode,
}

#[derive(Deserialize)]
struct RawCode {
    object: Bytes,
    #[serde(default, rename = "immutableReferences")]
    immutables: BTreeMap<String, Vec<Range>>,
}

#[derive(Deserialize)]
struct Range {
    start: usize,
    length: usize,
}

impl Artifact {
    pub fn load(name: &str) -> Result<Self, DeployError> {
        let text = dao_bindings::artifact(name)
            .ok_or_else(|| DeployError::MissingArtifact(name.to_owned()))?;
        let raw: RawArtifact = serde_json::from_str(text)
            .map_err(|e| DeployError::BadArtifact(name.to_owned(), e.to_string()))?;
        if raw.bytecode.object.is_empty() {
            return Err(DeployError::BadArtifact(
                name.to_owned(),
                "no bytecode (an interface?)".into(),
            ));
        }
        let immutables = raw
            .deployed
            .immutables
            .values()
            .flatten()
            .map(|r| (r.start, r.length))
            .collect::<Vec<_>>();
        Ok(Self {
            name: name.to_owned(),
            bytecode: raw.bytecode.object,
            deployed: raw.deployed.object,
            immutables,
        })
    }

    /// Creation code followed by the ABI-encoded constructor arguments.
    pub fn init_code(&self, args: &[u8]) -> Bytes {
        let mut code = self.bytecode.to_vec();
        code.extend_from_slice(args);
        code.into()
    }

    /// True when `code` is this artifact's runtime code, immutables aside.
    pub fn matches(&self, code: &[u8]) -> bool {
        if code.len() != self.deployed.len() {
            return false;
        }
        let mut masked = code.to_vec();
        for &(start, len) in &self.immutables {
            if let Some(slice) = masked.get_mut(start..start + len) {
                slice.copy_from_slice(&self.deployed[start..start + len]);
            }
        }
        masked == self.deployed.as_ref()
    }
}

/// Where CREATE2 through the deployment proxy with salt 0 puts `init_code`.
pub fn create2_address(init_code: &[u8]) -> Address {
    CREATE2_DEPLOYER.create2(B256::ZERO, keccak256(init_code))
}

/// One contract of the core set: the artifact, its constructor arguments, and whether it is
/// created by CREATE2 (or by another core contract's constructor, as Roles and TaskBoard are).
#[derive(Debug, Clone)]
pub struct CoreContract {
    pub artifact: Artifact,
    pub args: Bytes,
    pub address: Address,
    /// Created by the constructor of this contract (not deployed directly).
    pub created_by: Option<String>,
}

/// The core contracts in deploy order with their deterministic addresses. Contracts whose
/// artifacts are not in the bindings yet are left out (they land one branch at a time).
pub fn core_plan(dev_chain: bool) -> Result<Vec<CoreContract>, DeployError> {
    let mut plan = Vec::new();
    let direct = |name: &str, args: Bytes| -> Result<CoreContract, DeployError> {
        let artifact = Artifact::load(name)?;
        let address = create2_address(&artifact.init_code(&args));
        Ok(CoreContract {
            artifact,
            args,
            address,
            created_by: None,
        })
    };
    if dao_bindings::artifact("CellRegistry").is_some() {
        let registry = direct("CellRegistry", Bytes::new())?;
        let reg = registry.address;
        plan.push(registry);
        if dao_bindings::artifact("Roles").is_some() {
            plan.push(CoreContract {
                artifact: Artifact::load("Roles")?,
                args: reg.abi_encode().into(),
                address: reg.create(1),
                created_by: Some("CellRegistry".into()),
            });
        }
        if dao_bindings::artifact("CellGovernor").is_some() {
            let governor = direct("CellGovernor", reg.abi_encode().into())?;
            let g = governor.address;
            plan.push(governor);
            if dao_bindings::artifact("CellExecutor").is_some() {
                plan.push(CoreContract {
                    artifact: Artifact::load("CellExecutor")?,
                    args: Bytes::new(),
                    address: g.create(1),
                    created_by: Some("CellGovernor".into()),
                });
            }
        }
        if dao_bindings::artifact("Treasury").is_some() {
            let treasury = direct("Treasury", reg.abi_encode().into())?;
            let t = treasury.address;
            plan.push(treasury);
            if dao_bindings::artifact("TaskBoard").is_some() {
                plan.push(CoreContract {
                    artifact: Artifact::load("TaskBoard")?,
                    args: (reg, t).abi_encode_params().into(),
                    address: t.create(1),
                    created_by: Some("Treasury".into()),
                });
            }
            if dao_bindings::artifact("RoleStreams").is_some() {
                plan.push(CoreContract {
                    artifact: Artifact::load("RoleStreams")?,
                    args: (reg, t).abi_encode_params().into(),
                    address: t.create(2),
                    created_by: Some("Treasury".into()),
                });
            }
        }
    }
    if dev_chain {
        for name in [
            // SafeL2, not Safe: it logs every owners' transaction's call
            // (`SafeMultiSigTransaction`), so the audit explains them from the Safe's own events.
            "SafeL2",
            "SafeProxyFactory",
            "CompatibilityFallbackHandler",
            "MultiSendCallOnly",
        ] {
            plan.push(direct(name, Bytes::new())?);
        }
    }
    Ok(plan)
}

/// What `deploy_core` did for one contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreOutcome {
    Deployed,
    Present,
}

/// Deploys every core contract of `plan` that is absent; checks the code of those present.
/// `on_event` is told each outcome (for progress output). Dry runs estimate instead of sending.
pub async fn deploy_core(
    provider: &DynProvider,
    from: Address,
    plan: &[CoreContract],
    dry_run: bool,
    mut on_event: impl FnMut(&CoreContract, &CoreOutcome, Option<u64>),
) -> Result<BTreeMap<String, ContractRecord>, DeployError> {
    let mut records = BTreeMap::new();
    let deployer_code = provider.get_code_at(CREATE2_DEPLOYER).await?;
    let mut planned_before = false;
    for contract in plan {
        let name = &contract.artifact.name;
        let code = provider.get_code_at(contract.address).await?;
        if !code.is_empty() {
            if !contract.artifact.matches(&code) {
                return Err(DeployError::CodeMismatch {
                    name: name.clone(),
                    address: contract.address,
                });
            }
            on_event(contract, &CoreOutcome::Present, None);
            records.insert(
                name.clone(),
                ContractRecord {
                    address: contract.address,
                    code_hash: keccak256(&code),
                    tx: None,
                    block: None,
                },
            );
            continue;
        }
        if let Some(parent) = &contract.created_by {
            // Created by its parent's constructor: the parent's record carries the transaction.
            if dry_run {
                on_event(contract, &CoreOutcome::Deployed, None);
                continue;
            }
            return Err(DeployError::CodeMismatch {
                name: format!("{name} (created by {parent})"),
                address: contract.address,
            });
        }
        if deployer_code.is_empty() {
            return Err(DeployError::NoCreate2Deployer);
        }
        let mut data = B256::ZERO.to_vec();
        data.extend_from_slice(&contract.artifact.init_code(&contract.args));
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(CREATE2_DEPLOYER)
            .with_input(data);
        if dry_run {
            // Later core contracts read earlier ones in their constructors: those estimate only
            // once the earlier ones exist.
            let gas = match provider.estimate_gas(tx).await {
                Ok(gas) => Some(gas),
                Err(_) if planned_before => None,
                Err(e) => return Err(DeployError::rpc_or_revert(name, &e)),
            };
            planned_before = true;
            on_event(contract, &CoreOutcome::Deployed, gas);
            continue;
        }
        let receipt = provider
            .send_transaction(tx)
            .await
            .map_err(|e| DeployError::rpc_or_revert(name, &e))?
            .get_receipt()
            .await?;
        if !receipt.status() {
            return Err(DeployError::Reverted {
                step: format!("deploy {name}"),
                reason: "status 0".into(),
            });
        }
        let code = provider.get_code_at(contract.address).await?;
        if !contract.artifact.matches(&code) {
            return Err(DeployError::CodeMismatch {
                name: name.clone(),
                address: contract.address,
            });
        }
        on_event(contract, &CoreOutcome::Deployed, Some(receipt.gas_used));
        records.insert(
            name.clone(),
            ContractRecord {
                address: contract.address,
                code_hash: keccak256(&code),
                tx: Some(receipt.transaction_hash),
                block: receipt.block_number,
            },
        );
    }
    // Contracts created by a parent's constructor: check them now that the parent exists.
    for contract in plan.iter().filter(|c| c.created_by.is_some()) {
        if records.contains_key(&contract.artifact.name) || dry_run {
            continue;
        }
        let code = provider.get_code_at(contract.address).await?;
        if !contract.artifact.matches(&code) {
            return Err(DeployError::CodeMismatch {
                name: contract.artifact.name.clone(),
                address: contract.address,
            });
        }
        let parent = contract
            .created_by
            .as_deref()
            .and_then(|p| records.get(p))
            .cloned();
        records.insert(
            contract.artifact.name.clone(),
            ContractRecord {
                address: contract.address,
                code_hash: keccak256(&code),
                tx: parent.as_ref().and_then(|p| p.tx),
                block: parent.as_ref().and_then(|p| p.block),
            },
        );
    }
    Ok(records)
}
