//! dao-deploy: deploys the dao-primitives core contracts at deterministic addresses and DAOs from
//! design files, resumably and idempotently, recording everything in `deployments/<chain>/<dao>.json`.
pub mod amount;
pub mod core;
pub mod dao;
pub mod design;
pub mod dev;
pub mod record;
pub mod safe;

use alloy::{
    primitives::{Address, B256},
    providers::{DynProvider, Provider},
};
use std::path::{Path, PathBuf};

pub use design::{Design, DesignError};
pub use record::Record;

/// Why a deployment stopped.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error(transparent)]
    Design(#[from] DesignError),
    #[error(transparent)]
    Amount(#[from] amount::AmountError),
    #[error("`{0}`: the amount was not resolved against its token")]
    Unresolved(String),
    #[error("no artifact for {0} in the bindings (run `make bindings`)")]
    MissingArtifact(String),
    #[error("artifact {0} is unusable: {1}")]
    BadArtifact(String, String),
    #[error("{name} at {address} has code that differs from the artifact; refusing to use it")]
    CodeMismatch { name: String, address: Address },
    #[error("the CREATE2 deployer 0x4e59b44847b379578588920ca78fbf26c0b4956c is not on this chain")]
    NoCreate2Deployer,
    #[error("{0} is not deployed on this chain")]
    MissingContract(String),
    #[error("{0} is not known yet (an earlier step creates it)")]
    NotYet(String),
    #[error("expected event {0} in the receipt")]
    MissingEvent(String),
    #[error("{step}: {reason}")]
    Reverted { step: String, reason: String },
    #[error("stopped after {0} transaction(s) (DAO_DEPLOY_STOP_AFTER); run again to resume")]
    Interrupted(usize),
    #[error("deployment record {path}: {source}")]
    Record {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the design file changed since the DAO `{dao}` was deployed (record {path}: design {recorded}, \
         file now {now}); deploy creates DAOs and never changes a live one. See what changed with \
         `daoctl plan {design}` and carry it out with `daoctl apply {design}` (each change through \
         its authority), or deploy the edited design as a new DAO by giving it another dao.name"
    )]
    DesignChanged {
        dao: String,
        design: String,
        path: String,
        // Boxed: keeps DeployError small (clippy::result_large_err).
        recorded: Box<B256>,
        now: Box<B256>,
    },
    #[error("rpc: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    #[error("contract call: {0}")]
    Contract(String),
    #[error("waiting for a receipt: {0}")]
    Pending(#[from] alloy::providers::PendingTransactionError),
}

impl From<alloy::contract::Error> for DeployError {
    fn from(e: alloy::contract::Error) -> Self {
        Self::Contract(dao_bindings::describe_contract_error(&e))
    }
}

impl DeployError {
    /// A transport error, decoded into the custom error when it is a revert.
    pub fn rpc_or_revert(step: &str, e: &alloy::transports::TransportError) -> Self {
        match e.as_error_resp().and_then(|r| r.as_revert_data()) {
            Some(_) => Self::Reverted {
                step: step.to_owned(),
                reason: dao_bindings::describe_transport_error(e),
            },
            None => Self::Reverted {
                step: step.to_owned(),
                reason: e.to_string(),
            },
        }
    }
}

/// How to deploy.
#[derive(Debug, Clone)]
pub struct Options {
    /// The design file; None deploys only the core contracts.
    pub design: Option<PathBuf>,
    /// Where records go (`deployments`).
    pub out_dir: PathBuf,
    pub dry_run: bool,
    /// Test hook: stop right after sending this many DAO transactions (as a kill would).
    pub stop_after: Option<usize>,
}

/// Progress, for the caller to print.
#[derive(Debug, Clone)]
pub enum Event {
    CorePresent {
        name: String,
        address: Address,
    },
    CoreDeployed {
        name: String,
        address: Address,
        gas: u64,
    },
    CorePlanned {
        name: String,
        address: Address,
        gas: Option<u64>,
    },
    StepSkipped {
        id: String,
    },
    StepResumed {
        id: String,
        tx: B256,
    },
    StepSent {
        id: String,
        description: String,
        tx: B256,
    },
    StepDone {
        id: String,
        gas: u64,
    },
    StepPlanned {
        id: String,
        description: String,
        gas: Option<u64>,
    },
    /// The record describes transactions this chain does not have (e.g. a restarted devnet).
    StaleRecord {
        path: PathBuf,
    },
}

/// What a deployment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was already deployed; nothing was sent.
    UpToDate,
    /// Transactions were sent (core and DAO).
    Deployed { transactions: usize },
    /// Dry run: the plan with estimated gas (total of the steps that could be estimated).
    Planned { steps: usize, estimated_gas: u64 },
}

/// The result: the outcome and the record (None for a core-only deployment).
#[derive(Debug, Clone)]
pub struct Report {
    pub outcome: Outcome,
    pub record: Option<Record>,
    pub record_path: Option<PathBuf>,
    pub chain_id: u64,
    pub core: std::collections::BTreeMap<String, record::ContractRecord>,
}

fn save(record: &Record, path: &Path) -> Result<(), DeployError> {
    record.save(path).map_err(|source| DeployError::Record {
        path: path.display().to_string(),
        source,
    })
}

/// Deploys the core contracts where absent, then the DAO of `opts.design`, from `from` (the
/// provider's signer). Resumes from the record; a complete record with the same design hash is
/// "up to date" and sends nothing.
pub async fn deploy(
    provider: &DynProvider,
    from: Address,
    opts: &Options,
    mut on_event: impl FnMut(Event),
) -> Result<Report, DeployError> {
    let chain_id = provider.get_chain_id().await?;
    let dev_chain = dev::is_dev_chain(chain_id);
    let loaded = match &opts.design {
        Some(path) => {
            let (mut design, hash) = Design::load(path)?;
            amount::resolve_design(provider, &amount::TokenCache::default(), &mut design).await?;
            Some((design, hash))
        }
        None => None,
    };
    let record_path = loaded
        .as_ref()
        .map(|(d, _)| Record::path(&opts.out_dir, chain_id, &d.dao.name));
    let mut record = match &record_path {
        Some(p) => Record::load(p).map_err(|source| DeployError::Record {
            path: p.display().to_string(),
            source,
        })?,
        None => None,
    };

    // A record whose first transaction this chain does not know belongs to another chain history
    // (a restarted dev chain): start over rather than trust it.
    if let Some(rec) = &record
        && let Some(first) = rec.steps.get("dao.create")
        && provider.get_transaction_receipt(first.tx).await?.is_none()
    {
        on_event(Event::StaleRecord {
            path: record_path.clone().unwrap_or_default(),
        });
        record = None;
    }

    // A finished deployment of an edited design: deploy does not change live DAOs. Saying "up to
    // date" here would silently ignore the edit.
    if let (Some(rec), Some((_, hash))) = (&record, &loaded)
        && rec.complete
        && rec.design_hash != *hash
    {
        return Err(DeployError::DesignChanged {
            dao: rec.dao.clone(),
            design: opts
                .design
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            path: record_path
                .clone()
                .unwrap_or_default()
                .display()
                .to_string(),
            recorded: Box::new(rec.design_hash),
            now: Box::new(*hash),
        });
    }

    // A finished deployment of the same design: check the core is still there, send nothing.
    if let (Some(rec), Some((_, hash))) = (&record, &loaded)
        && rec.complete
        && rec.design_hash == *hash
    {
        let plan = core::core_plan(dev_chain)?;
        let mut all_present = true;
        for c in &plan {
            let code = provider.get_code_at(c.address).await?;
            all_present &= c.artifact.matches(&code);
        }
        if all_present {
            return Ok(Report {
                outcome: Outcome::UpToDate,
                record: record.clone(),
                record_path,
                chain_id,
                core: rec.contracts.clone(),
            });
        }
    }

    let plan = core::core_plan(dev_chain)?;
    let mut sent = 0usize;
    let mut estimated = 0u64;
    let core = core::deploy_core(provider, from, &plan, opts.dry_run, |c, outcome, gas| {
        let (name, address) = (c.artifact.name.clone(), c.address);
        match (outcome, opts.dry_run) {
            (core::CoreOutcome::Present, _) => on_event(Event::CorePresent { name, address }),
            (core::CoreOutcome::Deployed, true) => {
                estimated += gas.unwrap_or(0);
                on_event(Event::CorePlanned { name, address, gas })
            }
            (core::CoreOutcome::Deployed, false) => {
                if c.created_by.is_none() {
                    sent += 1;
                }
                on_event(Event::CoreDeployed {
                    name,
                    address,
                    gas: gas.unwrap_or(0),
                })
            }
        }
    })
    .await?;

    let Some((design, design_hash)) = loaded else {
        let outcome = if opts.dry_run {
            Outcome::Planned {
                steps: plan.len(),
                estimated_gas: estimated,
            }
        } else if sent == 0 {
            Outcome::UpToDate
        } else {
            Outcome::Deployed { transactions: sent }
        };
        return Ok(Report {
            outcome,
            record: None,
            record_path: None,
            chain_id,
            core,
        });
    };
    let record_path = record_path.expect("set with a design");
    let mut record = record.take().unwrap_or_else(|| Record {
        chain_id,
        dao: design.dao.name.clone(),
        deployer: from,
        ..Record::default()
    });
    record.design_hash = design_hash;
    if let Some(a) = design.dao.governance.address {
        record.governance = Some(a.0);
    }
    // In a dry run, the predicted addresses stand in for contracts not deployed yet.
    for c in &plan {
        record
            .contracts
            .entry(c.artifact.name.clone())
            .or_insert_with(|| record::ContractRecord {
                address: c.address,
                code_hash: B256::ZERO,
                tx: None,
                block: None,
            });
    }
    for (name, c) in &core {
        record.contracts.insert(name.clone(), c.clone());
    }
    if !opts.dry_run {
        save(&record, &record_path)?;
    }

    let steps = dao::plan(&design, dev_chain);
    let mut planned = 0usize;
    let mut dao_sent = 0usize;
    let mut blocked = false;
    for step in &steps {
        if record.is_done(&step.id) {
            on_event(Event::StepSkipped {
                id: step.id.clone(),
            });
            continue;
        }
        // A step sent before a crash: finish it from its receipt instead of sending it again.
        if let Some(prev) = record.steps.get(&step.id).cloned()
            && let Some(receipt) = provider.get_transaction_receipt(prev.tx).await?
        {
            on_event(Event::StepResumed {
                id: step.id.clone(),
                tx: prev.tx,
            });
            if !receipt.status() {
                return Err(DeployError::Reverted {
                    step: step.id.clone(),
                    reason: format!("transaction {} failed", prev.tx),
                });
            }
            dao::absorb(provider, &design, &mut record, &step.action, &receipt).await?;
            record
                .steps
                .insert(step.id.clone(), dao::step_record(&receipt));
            save(&record, &record_path)?;
            continue;
        }
        let ctx = dao::Context {
            provider,
            from,
            design: &design,
            record: &record,
        };
        if let dao::Action::HandOver { cell } = &step.action
            && ctx.handover_is_noop(cell).await.unwrap_or(false)
        {
            // The design names the deployer itself: nothing to hand over.
            if !opts.dry_run {
                record.steps.insert(
                    step.id.clone(),
                    record::StepRecord {
                        tx: B256::ZERO,
                        block: Some(0),
                        gas_used: Some(0),
                        queued: None,
                    },
                );
                save(&record, &record_path)?;
            }
            continue;
        }
        if opts.dry_run {
            planned += 1;
            let gas = if blocked {
                None
            } else {
                match ctx.transaction(&step.action).await {
                    Ok(tx) => provider.estimate_gas(tx).await.ok(),
                    Err(_) => None,
                }
            };
            // Later steps depend on what this one creates: only the first can be estimated live.
            blocked = true;
            estimated += gas.unwrap_or(0);
            on_event(Event::StepPlanned {
                id: step.id.clone(),
                description: step.description.clone(),
                gas,
            });
            continue;
        }
        let tx = ctx.transaction(&step.action).await?;
        // Estimating first turns a revert into its decoded custom error before anything is sent.
        let estimate = provider
            .estimate_gas(tx.clone())
            .await
            .map_err(|e| DeployError::rpc_or_revert(&step.description, &e))?;
        let tx = alloy::network::TransactionBuilder::with_gas_limit(
            tx,
            dao_rpc::gas_limit_for(estimate),
        );
        let pending = provider
            .send_transaction(tx)
            .await
            .map_err(|e| DeployError::rpc_or_revert(&step.description, &e))?;
        let hash = *pending.tx_hash();
        record.steps.insert(step.id.clone(), dao::sent_record(hash));
        save(&record, &record_path)?;
        sent += 1;
        dao_sent += 1;
        on_event(Event::StepSent {
            id: step.id.clone(),
            description: step.description.clone(),
            tx: hash,
        });
        if opts.stop_after.is_some_and(|n| dao_sent >= n) {
            return Err(DeployError::Interrupted(dao_sent));
        }
        let receipt = pending.get_receipt().await?;
        if !receipt.status() {
            return Err(DeployError::Reverted {
                step: step.description.clone(),
                reason: format!("transaction {hash} failed"),
            });
        }
        dao::absorb(provider, &design, &mut record, &step.action, &receipt).await?;
        record
            .steps
            .insert(step.id.clone(), dao::step_record(&receipt));
        save(&record, &record_path)?;
        on_event(Event::StepDone {
            id: step.id.clone(),
            gas: receipt.gas_used,
        });
    }
    if opts.dry_run {
        return Ok(Report {
            outcome: Outcome::Planned {
                steps: planned,
                estimated_gas: estimated,
            },
            record: Some(record),
            record_path: Some(record_path),
            chain_id,
            core,
        });
    }
    record.complete = true;
    save(&record, &record_path)?;
    let outcome = if sent == 0 {
        Outcome::UpToDate
    } else {
        Outcome::Deployed { transactions: sent }
    };
    Ok(Report {
        outcome,
        record: Some(record),
        record_path: Some(record_path),
        chain_id,
        core,
    })
}

/// A provider that signs with `signer`, type-erased, with the project's one retry policy on
/// every call (`dao_rpc`: transient failures retried; a transaction only when the provider
/// refused it before running it).
pub fn connect(
    url: &str,
    signer: alloy::signers::local::PrivateKeySigner,
) -> Result<DynProvider, DeployError> {
    let wallet = alloy::network::EthereumWallet::from(signer);
    dao_rpc::connect_with_wallet(url, wallet).map_err(|e| DeployError::Contract(e.to_string()))
}
