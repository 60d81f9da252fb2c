//! A database, a deployment and a chain that do not belong together are refused, never wiped:
//! a restarted dev chain (same chain id, same contract addresses, another node instance), a database
//! built before the genesis was recorded, another deployment's contracts. `force` discards and
//! rebuilds.

mod common;

use std::path::Path;

use alloy::primitives::Address;
use common::*;
use dao_indexer::{
    IndexError, Indexer, IndexerConfig, RpcSource, Store, identity::IdentityError, model::Contracts,
};

fn config(roles: Address) -> IndexerConfig {
    IndexerConfig::new(
        Contracts {
            roles: Some(roles),
            ..Contracts::default()
        },
        0,
    )
}

async fn open(url: &str, db: &Path, cfg: IndexerConfig) -> Result<u64, IndexError> {
    let mut ix = Indexer::open(RpcSource::new(read_only(url)), db, cfg).await?;
    ix.sync().await?;
    Ok(ix.store().raw_log_count()?)
}

#[tokio::test]
async fn a_database_of_another_chain_or_deployment_is_refused_and_kept_unless_forced() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dao.db");
    let legacy = dir.path().join("legacy.db");

    // Chain A: a history, indexed.
    let a = spawn_anvil();
    let p = provider(&a).await;
    let emitter = deploy_emitter(&p).await;
    build_history(&p, emitter, 7, 6).await;
    let logs_a = open(a.endpoint_url().as_str(), &db, config(emitter))
        .await
        .expect("index A");
    assert!(logs_a > 0);
    // The same file reopened on the same chain is accepted (and up to date).
    assert_eq!(
        open(a.endpoint_url().as_str(), &db, config(emitter))
            .await
            .expect("reopen"),
        logs_a
    );
    // Another deployment's contracts on the same chain: refused, naming both, forceable.
    let other = config(Address::repeat_byte(0x42));
    match open(a.endpoint_url().as_str(), &db, other).await {
        Err(IndexError::Identity(e @ IdentityError::OtherDeployment { .. })) => {
            assert!(e.can_force());
            let text = e.to_string();
            assert!(
                text.contains("--force") && text.contains("another deployment"),
                "{text}"
            );
        }
        other => panic!("expected another deployment, got {other:?}"),
    }
    // A copy as built before the genesis was recorded.
    std::fs::copy(&db, &legacy).expect("copy");
    rusqlite::Connection::open(&legacy)
        .expect("open")
        .execute("DELETE FROM meta WHERE key IN ('genesis', 'instance')", [])
        .expect("legacy");
    drop(a);

    // Chain B: a restarted dev chain, same chain id, same deployer, so the same address.
    let b = spawn_anvil();
    let p = provider(&b).await;
    assert_eq!(deploy_emitter(&p).await, emitter);
    build_history(&p, emitter, 9, 3).await;
    let url = b.endpoint_url();
    let before = std::fs::read(&db).expect("read");
    match open(url.as_str(), &db, config(emitter)).await {
        // anvil's genesis hash changes with its start time (in seconds): two runs started in
        // the same second share it, and only the node's instance id tells them apart.
        Err(IndexError::Identity(
            e @ (IdentityError::OtherGenesis { .. } | IdentityError::OtherInstance { .. }),
        )) => {
            let text = e.to_string();
            assert!(
                text.contains("chain id 31337") && text.contains("--force"),
                "{text}"
            );
        }
        other => panic!("expected another run of the dev chain, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(&db).expect("read"),
        before,
        "refused, and kept as it was"
    );
    match open(url.as_str(), &legacy, config(emitter)).await {
        Err(IndexError::Identity(IdentityError::NoRecordedBlock { .. })) => {}
        other => panic!("expected no recorded block on this chain, got {other:?}"),
    }

    // Forced: discarded and rebuilt from chain B.
    let mut forced = config(emitter);
    forced.force = true;
    let logs_b = open(url.as_str(), &db, forced).await.expect("forced");
    let (store, _) = Store::open_read_only(&db).expect("open");
    assert_eq!(store.raw_log_count().expect("count"), logs_b);
    assert!(
        logs_b > 0 && logs_b != logs_a,
        "{logs_b} logs of B, {logs_a} of A"
    );
    let genesis = store
        .meta("genesis")
        .expect("meta")
        .expect("genesis recorded");
    let chain: String = {
        use alloy::providers::Provider;
        let block = p
            .get_block_by_number(0.into())
            .await
            .expect("rpc")
            .expect("genesis");
        block.header.hash.to_string()
    };
    assert_eq!(genesis, chain);
    drop(store);

    // Chain C: another genesis (another genesis timestamp) under the same chain id.
    let c = alloy::node_bindings::Anvil::at(anvil_path())
        .arg("--timestamp")
        .arg("1000000")
        .spawn();
    let p = provider(&c).await;
    deploy_emitter(&p).await;
    match open(c.endpoint_url().as_str(), &db, config(emitter)).await {
        Err(IndexError::Identity(e @ IdentityError::OtherGenesis { .. })) => {
            let text = e.to_string();
            assert!(
                text.contains("another chain with the same chain id 31337")
                    && text.contains("--force"),
                "{text}"
            );
        }
        other => panic!("expected another genesis, got {other:?}"),
    }
    assert_eq!(
        Store::open_read_only(&db)
            .expect("open")
            .0
            .raw_log_count()
            .expect("count"),
        logs_b,
        "kept"
    );
}

/// A source that moves from one node to another mid-run, as a dev node restarted under an
/// indexer that follows it.
struct Switching {
    a: RpcSource<alloy::providers::DynProvider>,
    b: RpcSource<alloy::providers::DynProvider>,
    on_b: std::sync::atomic::AtomicBool,
}

impl Switching {
    fn now(&self) -> &RpcSource<alloy::providers::DynProvider> {
        if self.on_b.load(std::sync::atomic::Ordering::SeqCst) {
            &self.b
        } else {
            &self.a
        }
    }
}

impl dao_indexer::LogSource for Switching {
    async fn chain_id(&self) -> Result<u64, dao_indexer::SourceError> {
        self.now().chain_id().await
    }
    async fn head(&self) -> Result<u64, dao_indexer::SourceError> {
        self.now().head().await
    }
    async fn block_hash(
        &self,
        n: u64,
    ) -> Result<Option<alloy::primitives::B256>, dao_indexer::SourceError> {
        self.now().block_hash(n).await
    }
    async fn logs(
        &self,
        addresses: &[Address],
        from: u64,
        to: u64,
    ) -> Result<Vec<dao_indexer::RawLog>, dao_indexer::SourceError> {
        self.now().logs(addresses, from, to).await
    }
    async fn instance_id(&self) -> Option<alloy::primitives::B256> {
        self.now().instance_id().await
    }
}

#[tokio::test]
async fn a_dev_chain_restarted_under_a_running_indexer_is_refused_not_wiped() {
    use dao_indexer::LogSource as _;
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dao.db");
    let a = spawn_anvil();
    let pa = provider(&a).await;
    let emitter = deploy_emitter(&pa).await;
    build_history(&pa, emitter, 7, 4).await;
    let b = spawn_anvil();
    let pb = provider(&b).await;
    assert_eq!(deploy_emitter(&pb).await, emitter);
    build_history(&pb, emitter, 9, 2).await;
    let source = Switching {
        a: RpcSource::new(read_only(a.endpoint_url().as_str())),
        b: RpcSource::new(read_only(b.endpoint_url().as_str())),
        on_b: false.into(),
    };
    assert!(
        source.instance_id().await.is_some(),
        "anvil reports its instance"
    );
    let mut ix = Indexer::open(source, &db, config(emitter))
        .await
        .expect("open");
    let logs = ix.sync().await.expect("sync A").logs;
    assert!(logs > 0);
    ix.source()
        .on_b
        .store(true, std::sync::atomic::Ordering::SeqCst);
    match ix.sync().await {
        Err(IndexError::Identity(
            e @ (IdentityError::OtherGenesis { .. } | IdentityError::OtherInstance { .. }),
        )) => assert!(e.to_string().contains("--force"), "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(ix.store().raw_log_count().expect("count"), logs, "kept");
}
