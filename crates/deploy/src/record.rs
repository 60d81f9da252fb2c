//! The deployment record `deployments/<chain-id>/<dao>.json`: addresses, tx hashes, blocks, code
//! hashes, the design file's hash, and the steps done (what makes a deployment resumable).
use alloy::primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

/// A contract the tool deployed or found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ContractRecord {
    pub address: Address,
    /// keccak256 of the runtime code on chain.
    pub code_hash: B256,
    /// None when the contract was already deployed (found, code checked).
    pub tx: Option<B256>,
    pub block: Option<u64>,
}

/// One step of the DAO's deployment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StepRecord {
    pub tx: B256,
    /// None while sent but not yet confirmed (a crash here is resumed from the receipt).
    pub block: Option<u64>,
    pub gas_used: Option<u64>,
    /// `daoctl apply`: the change waits for the DAO's Safe (the transaction file) or a vote-run
    /// cell (the proposal id) instead of a transaction of the operator's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued: Option<String>,
}

/// A cell of the deployed DAO.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CellRecord {
    pub id: U256,
    /// Dotted role path of the cell id (its admin role), e.g. "3".
    pub path: String,
    pub name: String,
    pub parent: String,
    pub member_role: U256,
    /// The executor wearing the admin role of a vote-run cell.
    pub executor: Option<Address>,
    /// Extra roles by name.
    #[serde(default)]
    pub roles: BTreeMap<String, U256>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Record {
    pub chain_id: u64,
    pub dao: String,
    pub design_hash: B256,
    pub deployer: Address,
    /// Core and (dev chain) Safe contracts by name.
    pub contracts: BTreeMap<String, ContractRecord>,
    /// The DAO's Safe (or governance address).
    pub governance: Option<Address>,
    pub safe: Option<Address>,
    /// Cells by key; `dao` is the root.
    pub cells: BTreeMap<String, CellRecord>,
    /// Steps done or sent, by step id.
    pub steps: BTreeMap<String, StepRecord>,
    /// True once every step of the design is done.
    pub complete: bool,
}

impl Record {
    pub fn path(dir: &Path, chain_id: u64, dao: &str) -> PathBuf {
        dir.join(chain_id.to_string()).join(format!("{dao}.json"))
    }

    pub fn load(path: &Path) -> std::io::Result<Option<Self>> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(std::io::Error::other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes atomically (temp file + rename), so a kill never leaves a torn record.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, path)
    }

    pub fn address(&self, contract: &str) -> Option<Address> {
        self.contracts.get(contract).map(|c| c.address)
    }

    pub fn cell_id(&self, key: &str) -> Option<U256> {
        self.cells.get(key).map(|c| c.id)
    }

    /// The first block of this deployment: its earliest contract deployment or DAO transaction.
    /// No event of this DAO is older, so reads of its events start here (a record of core
    /// contracts found already deployed may have no contract block: its steps still have).
    /// `None` when the record has no block at all (nothing confirmed yet).
    pub fn first_block(&self) -> Option<u64> {
        self.contracts
            .values()
            .filter_map(|c| c.block)
            .chain(self.steps.values().filter_map(|s| s.block))
            .min()
    }

    pub fn is_done(&self, step: &str) -> bool {
        self.steps.get(step).is_some_and(|s| s.block.is_some())
    }
}

/// Why a deployment record does not describe the chain it is used with.
#[derive(Debug, thiserror::Error)]
pub enum RecordMismatch {
    #[error(
        "{name} at {address} has no code on this chain: the record describes another chain with the \
         same chain id (a restarted dev chain, or another network); redeploy or pass the right --rpc-url"
    )]
    NoCode { name: String, address: Address },
    #[error(
        "{name} at {address} has code that differs from the record (hash {found}, recorded \
         {recorded}): refusing to trust it; check --rpc-url and the record"
    )]
    CodeChanged {
        name: String,
        address: Address,
        found: B256,
        recorded: B256,
    },
    #[error(
        "the DAO `{dao}` was created by transaction {tx} in block {block}, which this chain {found}: \
         the record describes another chain with the same chain id; pass the right --rpc-url"
    )]
    NotCreatedHere {
        dao: String,
        tx: B256,
        block: u64,
        found: String,
    },
    #[error("DAO `{dao}` (cell {id}) does not exist in the CellRegistry at {registry}")]
    NoDao {
        dao: String,
        id: U256,
        registry: Address,
    },
    #[error("rpc: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    #[error("contract call: {0}")]
    Contract(String),
}

impl Record {
    /// Checks that this record describes the chain behind `provider`: every recorded contract has
    /// the recorded code, the DAO's creating transaction is on this chain in the recorded block, and
    /// the registry knows the DAO. A chain id alone proves nothing: dev chains share 31337, and a
    /// fork or a restarted chain keeps its id.
    pub async fn verify(
        &self,
        provider: &alloy::providers::DynProvider,
    ) -> Result<(), RecordMismatch> {
        use alloy::providers::Provider;
        let checks = self.contracts.iter().map(|(name, c)| async move {
            let code = provider.get_code_at(c.address).await?;
            if code.is_empty() {
                return Err(RecordMismatch::NoCode {
                    name: name.clone(),
                    address: c.address,
                });
            }
            let found = alloy::primitives::keccak256(&code);
            // A zero hash is a contract the record planned but had not seen deployed (dry runs).
            if c.code_hash != B256::ZERO && found != c.code_hash {
                return Err(RecordMismatch::CodeChanged {
                    name: name.clone(),
                    address: c.address,
                    found,
                    recorded: c.code_hash,
                });
            }
            Ok(())
        });
        for result in futures::future::join_all(checks).await {
            result?;
        }
        if let Some(step) = self.steps.get("dao.create")
            && let Some(block) = step.block
        {
            let receipt = provider.get_transaction_receipt(step.tx).await?;
            let found = match receipt.and_then(|r| r.block_number) {
                Some(b) if b == block => None,
                Some(b) => Some(format!("has in block {b}")),
                None => Some("does not have".to_owned()),
            };
            if let Some(found) = found {
                return Err(RecordMismatch::NotCreatedHere {
                    dao: self.dao.clone(),
                    tx: step.tx,
                    block,
                    found,
                });
            }
        }
        if let (Some(dao), Some(registry)) = (self.cells.get("dao"), self.address("CellRegistry")) {
            let exists = dao_bindings::ICellRegistry::new(registry, provider)
                .cellExists(dao.id)
                .call()
                .await
                .map_err(|e| RecordMismatch::Contract(dao_bindings::describe_contract_error(&e)))?;
            if !exists {
                return Err(RecordMismatch::NoDao {
                    dao: self.dao.clone(),
                    id: dao.id,
                    registry,
                });
            }
        }
        Ok(())
    }
}
