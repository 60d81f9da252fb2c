//! Which chain and which deployment a database belongs to, checked before it is used.
//!
//! A chain id proves nothing on its own: every dev chain is 31337, and a restarted anvil deploys
//! the same contracts at the same addresses. A database therefore records, besides the chain id
//! and the contracts, the hash of the chain's genesis block (`meta.genesis`). A database whose
//! chain id, genesis or contracts are not those of the chain and deployment record it is used
//! with is refused with [`IdentityError`]: nothing is wiped unless the caller asks
//! (`daoctl index --force`).

use std::path::{Path, PathBuf};

use alloy::primitives::B256;

use crate::{
    model::Contracts,
    source::{LogSource, SourceError},
    store::{Store, StoreError},
};

/// A database that does not belong with the chain or the deployment record.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "the database {db} indexes chain {stored}, but the provider is on chain {actual}: pass the \
         --rpc-url of chain {stored}, or use another --db for this chain"
    )]
    OtherChainId {
        db: PathBuf,
        stored: u64,
        actual: u64,
    },
    #[error(
        "the database {db} was built from another chain with the same chain id {chain_id} (its \
         genesis block is {stored}, this chain's is {actual}; a restarted dev chain, or another \
         network): pass the --rpc-url of the chain it indexes, use another --db, or pass --force \
         to discard it and rebuild it from this chain"
    )]
    OtherGenesis {
        db: PathBuf,
        chain_id: u64,
        stored: B256,
        actual: B256,
    },
    #[error(
        "the database {db} was built on another chain with the same chain id {chain_id}: none of \
         the blocks it recorded (checkpoint block {checkpoint}) is on this chain (a restarted dev \
         chain, or another network): pass the --rpc-url of the chain it indexes, use another \
         --db, or pass --force to discard it and rebuild it from this chain"
    )]
    NoRecordedBlock {
        db: PathBuf,
        chain_id: u64,
        checkpoint: u64,
    },
    #[error(
        "the database {db} indexes another deployment (contracts {stored}) than the deployment \
         record (contracts {record}): use the --db of this deployment, or pass --force to discard \
         it and rebuild it for this record"
    )]
    OtherDeployment {
        db: PathBuf,
        stored: String,
        record: String,
    },
    #[error(
        "the database {db} was built on another run of this dev chain (chain id {chain_id}, node \
         instance {stored}, now {actual}), whose blocks are gone (checkpoint block {checkpoint} \
         is not on this chain): use another --db, or pass --force to discard it and rebuild it \
         from this chain"
    )]
    OtherInstance {
        db: PathBuf,
        chain_id: u64,
        checkpoint: u64,
        stored: B256,
        actual: B256,
    },
    #[error("the chain has no genesis block (is the provider synced?)")]
    NoGenesis,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Source(#[from] SourceError),
}

impl IdentityError {
    /// Whether `--force` may discard the database and rebuild it (a chain id mismatch is never
    /// forced: the file may be the right index of another network).
    pub fn can_force(&self) -> bool {
        matches!(
            self,
            Self::OtherGenesis { .. }
                | Self::OtherInstance { .. }
                | Self::NoRecordedBlock { .. }
                | Self::OtherDeployment { .. }
        )
    }
}

/// The `meta` key of the genesis hash.
pub const GENESIS: &str = "genesis";
/// The `meta` key of the dev node's instance id (see [`LogSource::instance_id`]).
pub const INSTANCE: &str = "instance";

/// Checks that the database in `store` (file `db`) indexes `contracts` on the chain behind
/// `source`. With `record_genesis`, a database that has no genesis recorded yet (new, or built
/// before it was recorded) gets this chain's once its recorded blocks prove it belongs here.
pub async fn check<S: LogSource>(
    store: &Store,
    db: &Path,
    source: &S,
    stored_contracts: &Contracts,
    contracts: &Contracts,
    record_genesis: bool,
) -> Result<(), IdentityError> {
    let actual = source.chain_id().await?;
    if store.chain_id() != actual {
        return Err(IdentityError::OtherChainId {
            db: db.to_path_buf(),
            stored: store.chain_id(),
            actual,
        });
    }
    if stored_contracts != contracts {
        let show = |c: &Contracts| serde_json::to_string(c).unwrap_or_default();
        return Err(IdentityError::OtherDeployment {
            db: db.to_path_buf(),
            stored: show(stored_contracts),
            record: show(contracts),
        });
    }
    let genesis = source
        .block_hash(0)
        .await?
        .ok_or(IdentityError::NoGenesis)?;
    match store.meta(GENESIS)? {
        Some(s) => {
            let stored: B256 = s.parse().map_err(|_| StoreError::Corrupt {
                table: "meta",
                what: format!("genesis {s}"),
            })?;
            if stored != genesis {
                return Err(IdentityError::OtherGenesis {
                    db: db.to_path_buf(),
                    chain_id: actual,
                    stored,
                    actual: genesis,
                });
            }
        }
        None => {
            // Built before the genesis was recorded: the checkpoint or one of the recorded
            // blocks must still be on this chain (a reorg within the window keeps some).
            if let Some((checkpoint, hash)) = store.checkpoint()? {
                let mut known = source.block_hash(checkpoint).await? == Some(hash);
                if !known {
                    for (n, h) in store.recent_blocks()? {
                        if source.block_hash(n).await? == Some(h) {
                            known = true;
                            break;
                        }
                    }
                }
                if !known {
                    return Err(IdentityError::NoRecordedBlock {
                        db: db.to_path_buf(),
                        chain_id: actual,
                        checkpoint,
                    });
                }
            }
            if record_genesis {
                store.set_meta(GENESIS, &genesis.to_string())?;
            }
        }
    }
    // A dev node restarted since the database was built: refused when the blocks it recorded
    // are gone (when they are still there, the node reloaded its state: the same chain).
    let instance = source.instance_id().await;
    if let (Some(actual), Some(stored), Some((checkpoint, hash))) =
        (instance, store.meta(INSTANCE)?, store.checkpoint()?)
        && stored != actual.to_string()
        && source.block_hash(checkpoint).await? != Some(hash)
    {
        return Err(IdentityError::OtherInstance {
            db: db.to_path_buf(),
            chain_id: store.chain_id(),
            checkpoint,
            stored: stored.parse().unwrap_or_default(),
            actual,
        });
    }
    if record_genesis && let Some(id) = instance {
        store.set_meta(INSTANCE, &id.to_string())?;
    }
    Ok(())
}

/// Deletes the database file `db` and its WAL and shared-memory files (for `--force`).
pub fn discard(db: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(PathBuf::from(p)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Address;

    use super::*;
    use crate::{model::State, source::RawLog};

    /// A dev node: genesis 0x01, block `n` has hash `n + tip`, and an instance id.
    struct Node {
        tip: u8,
        instance: B256,
    }

    impl LogSource for Node {
        async fn chain_id(&self) -> Result<u64, SourceError> {
            Ok(31337)
        }
        async fn head(&self) -> Result<u64, SourceError> {
            Ok(10)
        }
        async fn block_hash(&self, n: u64) -> Result<Option<B256>, SourceError> {
            Ok(Some(if n == 0 {
                B256::with_last_byte(1)
            } else {
                B256::with_last_byte(n as u8 + self.tip)
            }))
        }
        async fn logs(&self, _: &[Address], _: u64, _: u64) -> Result<Vec<RawLog>, SourceError> {
            Ok(vec![])
        }
        async fn instance_id(&self) -> Option<B256> {
            Some(self.instance)
        }
    }

    #[tokio::test]
    async fn another_run_of_a_dev_node_is_refused_unless_its_blocks_are_still_there() {
        let contracts = Contracts::default();
        let mut store = Store::open_in_memory(31337, &contracts).expect("store");
        let db = Path::new("dev.db");
        let first = Node {
            tip: 0,
            instance: B256::with_last_byte(0xa),
        };
        check(&store, db, &first, &contracts, &contracts, true)
            .await
            .expect("first run");
        let mut state = State::new(contracts);
        store
            .commit_range(&[], &[], (5, B256::with_last_byte(5)), 0, &mut state)
            .expect("commit");
        // Restarted with its state reloaded: same blocks, new instance: the same chain.
        let reloaded = Node {
            tip: 0,
            instance: B256::with_last_byte(0xb),
        };
        check(&store, db, &reloaded, &contracts, &contracts, false)
            .await
            .expect("reloaded state is the same chain");
        // Restarted afresh: its block 5 is another block.
        let restarted = Node {
            tip: 100,
            instance: B256::with_last_byte(0xb),
        };
        let err = check(&store, db, &restarted, &contracts, &contracts, false)
            .await
            .expect_err("another run");
        assert!(
            matches!(err, IdentityError::OtherInstance { checkpoint: 5, .. }),
            "{err}"
        );
        assert!(err.can_force());
    }
}
