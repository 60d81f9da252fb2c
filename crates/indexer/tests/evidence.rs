//! The planted-discrepancy suite: the demo DAO (examples/riverside.toml) on anvil, indexed, then
//! copies of its database planted with a discrepancy each (raw logs deleted, altered, foreign;
//! a derived table tampered with) and owners' transactions relayed through another contract.
//! Each must fail the audit naming its rule (and its blocks); a clean history must audit clean;
//! a repair must give back the clean database; a read-only file must audit without a write.

mod common;

use std::path::{Path, PathBuf};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256, utils::parse_ether},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    signers::SignerSync,
    sol_types::SolCall,
};
use common::anvil_path;
use dao_bindings::ITreasury;
use dao_deploy::{Options, dev, safe::SafeTransaction};
use dao_indexer::{
    Contracts, Indexer, IndexerConfig, RawLog, RpcSource, Store,
    audit::{AuditReport, Severity},
    log_block,
    verify::{self, BlockRange},
};

async fn send(p: &DynProvider, tx: TransactionRequest) -> u64 {
    send_hash(p, tx).await.0
}

async fn send_hash(p: &DynProvider, tx: TransactionRequest) -> (u64, alloy::primitives::B256) {
    let pending = p.send_transaction(tx).await.expect("send");
    let r = common::receipt(p, *pending.tx_hash()).await;
    assert!(r.status(), "reverted");
    (r.block_number.expect("block"), r.transaction_hash)
}

struct Net {
    _anvil: alloy::node_bindings::AnvilInstance,
    url: String,
    p0: DynProvider,
    contracts: Contracts,
    safe: Address,
    _out: tempfile::TempDir,
}

/// anvil (random port) with the demo DAO deployed, 40 ETH in its Safe and one spend.
async fn riverside() -> Net {
    riverside_on(&[]).await
}

/// As [`riverside`], on an anvil started with `args`.
async fn riverside_on(args: &[&str]) -> Net {
    let anvil = alloy::node_bindings::Anvil::at(anvil_path())
        .args(args.iter().copied())
        .spawn();
    let url = anvil.endpoint();
    let p0 = dao_deploy::connect(&url, dev::signer(0).expect("key")).expect("connect");
    let out = tempfile::tempdir().expect("tmp");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let opts = Options {
        design: Some(root.join("examples/riverside.toml")),
        out_dir: out.path().to_path_buf(),
        dry_run: false,
        stop_after: None,
    };
    let report = dao_deploy::deploy(&p0, dev::address(0).expect("dev"), &opts, |_| {})
        .await
        .expect("deploy");
    let record = report.record.expect("record");
    let safe = record.safe.expect("safe");
    let treasury = record.address("Treasury").expect("treasury");
    let contracts = Contracts {
        roles: record.address("Roles"),
        registry: record.address("CellRegistry"),
        governor: record.address("CellGovernor"),
        treasury: Some(treasury),
        task_board: Some(
            ITreasury::new(treasury, &p0)
                .taskBoard()
                .call()
                .await
                .expect("board"),
        ),
        streams: Some(
            ITreasury::new(treasury, &p0)
                .streams()
                .call()
                .await
                .expect("streams"),
        ),
    };
    send(
        &p0,
        TransactionRequest::default()
            .with_to(safe)
            .with_value(parse_ether("40").expect("eth")),
    )
    .await;
    let p2 = dao_deploy::connect(&url, dev::signer(2).expect("key")).expect("connect");
    let t2 = ITreasury::new(treasury, &p2);
    let call = t2.spend(
        record.cell_id("operations").expect("ops"),
        Address::ZERO,
        Address::repeat_byte(0x77),
        parse_ether("1").expect("eth"),
        "ipfs://invoice-1".into(),
        Default::default(),
    );
    send(&p2, call.into_transaction_request()).await;
    Net {
        _anvil: anvil,
        url,
        p0,
        contracts,
        safe,
        _out: out,
    }
}

async fn index(net: &Net, db: &Path) {
    let mut ix = Indexer::open(
        RpcSource::new(net.p0.clone()),
        db,
        IndexerConfig::new(net.contracts, 0),
    )
    .await
    .expect("open");
    ix.sync().await.expect("sync");
}

/// Audits `db` through a read-only connection.
async fn audit(net: &Net, db: &Path) -> AuditReport {
    let (store, _) = Store::open_read_only(db).expect("open read-only");
    dao_indexer::audit(&net.p0, &store, net.contracts, 0)
        .await
        .expect("audit")
}

/// A copy of `db` with `sql` run on it.
fn planted(db: &Path, name: &str, sql: &str) -> PathBuf {
    let copy = db.with_file_name(name);
    std::fs::copy(db, &copy).expect("copy");
    let conn = rusqlite::Connection::open(&copy).expect("open");
    conn.execute_batch(sql).expect("plant");
    drop(conn);
    copy
}

/// The stored raw logs of block `block` (one row per block, see `dao_indexer::log_block`).
fn stored_block(db: &Path, block: u64) -> Vec<RawLog> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let (hash, body): (Vec<u8>, Vec<u8>) = conn
        .query_row(
            "SELECT block_hash, body FROM raw_logs WHERE block_number = ?1",
            [block],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a stored block");
    let mut logs = Vec::new();
    log_block::decode(
        block,
        alloy::primitives::B256::from_slice(&hash),
        &body,
        &mut logs,
    )
    .expect("decode");
    logs
}

/// A copy of `db` whose stored logs of `block` are edited by `edit`, then written back encoded
/// as the indexer writes them (what an edit of the file that knows the format does).
fn planted_logs(db: &Path, name: &str, block: u64, edit: impl FnOnce(&mut Vec<RawLog>)) -> PathBuf {
    let mut logs = stored_block(db, block);
    edit(&mut logs);
    logs.sort_by_key(RawLog::position);
    let mut body = Vec::new();
    log_block::encode(&logs, &mut body);
    let copy = planted(db, name, "");
    rusqlite::Connection::open(&copy)
        .expect("open")
        .execute(
            "UPDATE raw_logs SET logs = ?2, body = ?3 WHERE block_number = ?1",
            rusqlite::params![block, logs.len(), body],
        )
        .expect("plant");
    copy
}

fn with_rule<'a>(r: &'a AuditReport, rule: &str) -> Vec<&'a dao_indexer::Finding> {
    r.findings
        .iter()
        .filter(|f| f.rule == rule && f.severity == Severity::Error)
        .collect()
}

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("read")
}

#[tokio::test]
async fn planted_index_discrepancies_are_named_by_rule_and_range_and_repaired() {
    let net = riverside().await;
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("clean.db");
    index(&net, &db).await;
    let clean_digest = Store::open_read_only(&db)
        .expect("open")
        .0
        .digest()
        .expect("digest");

    // A clean history audits clean, and says what it compared.
    let r = audit(&net, &db).await;
    let judged = |r: &AuditReport| {
        serde_json::to_string(&(&r.checked, &r.network, &r.budgets)).expect("json")
    };
    let clean_judged = judged(&r);
    assert!(r.is_clean(), "{}", r.render());
    assert!(r.findings.is_empty(), "{}", r.render());
    assert!(r.index.chain_logs > 0);
    assert_eq!(r.index.stored_logs, r.index.chain_logs);
    assert_eq!(r.index.differing_ranges + r.index.differing_rows, 0);

    // The rows the plants pick: the last log (of the spend) and one StateUpdated log.
    let (last_block, first_block): (u64, u64) = {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.query_row(
            "SELECT MAX(block_number), MIN(block_number) FROM raw_logs",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("range")
    };

    // 1. Every raw log deleted, the checkpoint kept: never "no discrepancy after 0 events".
    let emptied = planted(&db, "emptied.db", "DELETE FROM raw_logs;");
    let r = audit(&net, &emptied).await;
    assert!(!r.is_clean());
    let f = with_rule(&r, verify::LOGS_MATCH_CHAIN);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(
        f[0].blocks,
        Some(BlockRange {
            from: first_block,
            to: last_block
        })
    );
    assert!(
        f[0].detail.contains("the index holds 0 logs"),
        "{}",
        f[0].detail
    );
    assert!(
        !with_rule(&r, verify::DERIVED_MATCH_FOLD).is_empty(),
        "tables without their logs: {}",
        r.render()
    );
    assert!(!r.render().contains("no discrepancy"));
    // What is judged is the chain's logs (kept by the check where the index differs), not the
    // empty file's.
    assert_eq!(judged(&r), clean_judged, "{}", r.render());

    // 2. One log deleted (a StateUpdated: the state silently lost a document).
    let state_updated =
        <dao_bindings::ICellRegistry::StateUpdated as alloy::sol_types::SolEvent>::SIGNATURE_HASH;
    let block = (first_block..=last_block)
        .find(|&b| {
            rusqlite::Connection::open(&db)
                .expect("open")
                .query_row(
                    "SELECT COUNT(*) FROM raw_logs WHERE block_number = ?1",
                    [b],
                    |r| r.get::<_, u64>(0),
                )
                .expect("count")
                > 0
                && stored_block(&db, b)
                    .iter()
                    .any(|l| l.topics.first() == Some(&state_updated))
        })
        .expect("a StateUpdated log");
    let deleted = planted_logs(&db, "deleted.db", block, |logs| {
        let i = logs
            .iter()
            .position(|l| l.topics.first() == Some(&state_updated))
            .expect("in the block");
        logs.remove(i);
    });
    let r = audit(&net, &deleted).await;
    let f = with_rule(&r, verify::LOGS_MATCH_CHAIN);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(
        f[0].blocks,
        Some(BlockRange {
            from: block,
            to: block
        })
    );
    assert!(
        f[0].detail.contains("1 missing from the index"),
        "{}",
        f[0].detail
    );
    // The derived state doc still exists, but the fold of what is left has lost it.
    assert!(
        with_rule(&r, verify::DERIVED_MATCH_FOLD)
            .iter()
            .any(|f| f.event.starts_with("entities row kind=state_doc")),
        "{}",
        r.render()
    );

    // 3. One log altered (the spend's amount).
    let altered = planted_logs(&db, "altered.db", last_block, |logs| {
        let last = logs.last_mut().expect("a log");
        let mut data = vec![0x11u8; 32];
        data.extend_from_slice(&last.data[32..]);
        last.data = data.into();
    });
    let r = audit(&net, &altered).await;
    let f = with_rule(&r, verify::LOGS_MATCH_CHAIN);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(
        f[0].blocks,
        Some(BlockRange {
            from: last_block,
            to: last_block
        })
    );
    assert!(f[0].detail.contains("1 altered"), "{}", f[0].detail);
    assert_eq!(f[0].cell, None);
    assert!(
        r.render()
            .contains("the index, index.logs-match-chain (1):\n    ERROR [index.logs-match-chain] raw logs of block"),
        "{}",
        r.render()
    );

    // 4. A foreign log (another contract's, in an existing block).
    let foreign = planted_logs(&db, "foreign.db", first_block, |logs| {
        let mut log = logs[0].clone();
        log.log_index = 999;
        log.address = Address::repeat_byte(0xf0);
        logs.push(log);
    });
    let r = audit(&net, &foreign).await;
    let f = with_rule(&r, verify::LOGS_MATCH_CHAIN);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(
        f[0].blocks,
        Some(BlockRange {
            from: first_block,
            to: first_block
        })
    );
    assert!(
        f[0].detail.contains("1 not on the chain"),
        "{}",
        f[0].detail
    );

    // 4b. A row edited into the wrong shape (a 31-byte block hash, a cut body as TEXT): a
    // finding naming its block, not a failure to audit.
    let malformed = planted(
        &db,
        "malformed.db",
        &format!(
            "UPDATE raw_logs SET block_hash = substr(block_hash, 2), body = CAST(substr(body, 1, 10) AS TEXT) WHERE block_number = {last_block};"
        ),
    );
    let r = audit(&net, &malformed).await;
    let f = with_rule(&r, verify::LOGS_MATCH_CHAIN);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(
        f[0].blocks,
        Some(BlockRange {
            from: last_block,
            to: last_block
        })
    );

    // 5. A derived table tampered with, the raw logs intact: the table and key are named.
    let tampered = planted(
        &db,
        "tampered.db",
        "UPDATE roles SET supply = supply + 5 WHERE rowid = (SELECT MIN(rowid) FROM roles);",
    );
    let r = audit(&net, &tampered).await;
    assert!(
        with_rule(&r, verify::LOGS_MATCH_CHAIN).is_empty(),
        "{}",
        r.render()
    );
    let f = with_rule(&r, verify::DERIVED_MATCH_FOLD);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert!(
        f[0].event.starts_with("roles row role_id=0x"),
        "{}",
        f[0].event
    );
    assert!(f[0].detail.contains("supply="), "{}", f[0].detail);
    assert!(!r.is_clean());

    // 6. The checkpoint moved to a hash the chain does not have, or removed.
    let off_chain = planted(
        &db,
        "off-chain.db",
        "UPDATE checkpoint SET hash = zeroblob(32);",
    );
    let r = audit(&net, &off_chain).await;
    let f = with_rule(&r, verify::CHECKPOINT_ON_CHAIN);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert!(f[0].detail.contains("another branch"), "{}", f[0].detail);
    let no_checkpoint = planted(&db, "no-checkpoint.db", "DELETE FROM checkpoint;");
    let r = audit(&net, &no_checkpoint).await;
    let f = with_rule(&r, verify::CHECKPOINT_ON_CHAIN);
    assert_eq!(f.len(), 1, "{}", r.render());
    assert!(
        f[0].detail.contains("nothing was indexed"),
        "{}",
        f[0].detail
    );
    assert!(!r.is_clean() && !r.render().contains("no discrepancy"));

    // The JSON names the rule and the blocks.
    let v = serde_json::to_value(&audit(&net, &altered).await).expect("json");
    let finding = &v["findings"][0];
    assert_eq!(finding["rule"], verify::LOGS_MATCH_CHAIN);
    assert_eq!(finding["blocks"]["from"], last_block);
    assert_eq!(v["index"]["differing_ranges"], 1);

    // A repair gives back the clean database, every plant at once.
    for planted in [
        &emptied, &deleted, &altered, &foreign, &malformed, &tampered,
    ] {
        let mut store = Store::open(planted, 31337, &net.contracts).expect("open");
        let rep = verify::repair(
            &RpcSource::new(net.p0.clone()),
            &mut store,
            net.contracts,
            0,
        )
        .await
        .expect("repair");
        assert!(
            !rep.ranges.is_empty() || rep.rows_rewritten > 0,
            "{planted:?}"
        );
        drop(store);
        let r = audit(&net, planted).await;
        assert!(r.is_clean(), "{planted:?} after repair: {}", r.render());
        assert_eq!(
            Store::open_read_only(planted)
                .expect("open")
                .0
                .digest()
                .expect("digest"),
            clean_digest,
            "{planted:?}"
        );
    }

    // A read-only file (chmod 444) audits, and is not written.
    let ro = planted(&db, "read-only.db", "");
    let mut perms = std::fs::metadata(&ro).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).expect("chmod");
    let before = file_bytes(&ro);
    let r = audit(&net, &ro).await;
    assert!(r.is_clean(), "{}", r.render());
    assert_eq!(
        file_bytes(&ro),
        before,
        "the audit wrote to a read-only file"
    );
    let _ = &net.url;
}

/// A contract that forwards its calldata and value to `target` (and reverts if that fails):
/// CALLDATACOPY, CALL(gas, target, callvalue, 0, calldatasize, 0, 0), JUMPI to STOP, else INVALID.
fn forwarder_code(target: Address) -> Bytes {
    let mut runtime = hex::decode("365f5f375f5f365f3473").expect("hex");
    runtime.extend_from_slice(target.as_slice());
    runtime.extend_from_slice(&hex::decode("5af1602457fe5b00").expect("hex"));
    assert_eq!(runtime.len(), 38);
    let mut code = hex::decode("6026600a5f3960265ff3").expect("hex");
    code.extend_from_slice(&runtime);
    code.into()
}

/// `execTransaction` of one call by the owner anvil:0 (threshold 1), signed (ECDSA over the
/// safeTxHash) so that anyone may relay it.
async fn signed_exec(net: &Net, to: Address, value: U256, operation: u8) -> Bytes {
    let safe = dao_bindings::Safe::new(net.safe, &net.p0);
    let nonce = safe.nonce().call().await.expect("nonce");
    let tx = SafeTransaction {
        to,
        value,
        data: Bytes::new(),
        operation,
        safe_tx_gas: U256::ZERO,
        base_gas: U256::ZERO,
        gas_price: U256::ZERO,
        gas_token: Address::ZERO,
        refund_receiver: Address::ZERO,
        nonce,
    };
    let hash = tx.hash(31337, net.safe);
    let sig = dev::signer(0)
        .expect("key")
        .sign_hash_sync(&hash)
        .expect("sign");
    tx.exec_call(Bytes::from(sig.as_bytes().to_vec()))
        .abi_encode()
        .into()
}

#[tokio::test]
async fn relayed_owner_transactions_are_explained_and_fail_the_audit() {
    let net = riverside().await;
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dao.db");

    // The relayer: any contract that calls the Safe's execTransaction.
    let pending = net
        .p0
        .send_transaction(TransactionRequest::default().with_deploy_code(forwarder_code(net.safe)))
        .await
        .expect("deploy");
    let relayer = common::receipt(&net.p0, *pending.tx_hash())
        .await
        .contract_address
        .expect("relayer");

    // 2 ETH out by an owners' transaction relayed through it (the transaction's `to` is not the
    // Safe): an error naming the event and who sent it.
    let recipient = Address::repeat_byte(0x66);
    let input = signed_exec(&net, recipient, parse_ether("2").expect("eth"), 0).await;
    let (block, relayed) = send_hash(
        &net.p0,
        TransactionRequest::default()
            .with_to(relayer)
            .with_input(input),
    )
    .await;
    assert_eq!(
        net.p0.get_balance(recipient).await.expect("balance"),
        parse_ether("2").expect("eth")
    );
    index(&net, &db).await;
    let r = audit(&net, &db).await;
    assert!(!r.is_clean(), "{}", r.render());
    let f = with_rule(&r, "unexplained-outflow");
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(f[0].at.map(|a| a.block), Some(block));
    assert!(f[0].detail.contains("2 ETH"), "{}", f[0].detail);
    // The deploy tool's Safe is a SafeL2: the call and who sent it come from its own event.
    assert!(
        f[0].detail.contains(&format!(
            "sent by {relayer}; call read from the SafeL2 event"
        )),
        "{}",
        f[0].detail
    );
    // Without that event, the call trace gives the same call (nodes that serve traces).
    let traced = dao_indexer::owners::recover(&net.p0, net.safe, relayed, 0)
        .await
        .expect("recovered from the trace");
    assert_eq!(
        (traced.to, traced.value, traced.operation, traced.evidence),
        (
            recipient,
            parse_ether("2").expect("eth"),
            0,
            dao_indexer::owners::Evidence::CallTrace { via: relayer }
        )
    );
    // Grouped under the DAO's cell (the Safe's).
    let dao_cell = f[0].cell.clone().expect("the DAO's cell");
    assert!(dao_cell.starts_with("0x"), "{dao_cell}");
    assert!(
        r.render().contains(", unexplained-outflow (1):"),
        "{}",
        r.render()
    );
    // Explained, the outflow leaves the balance consistent: no balance finding on top.
    assert!(with_rule(&r, "balance").is_empty(), "{}", r.render());
    assert!(
        r.findings.iter().all(|f| f.severity == Severity::Error),
        "never a warning"
    );

    // A relayed DELEGATECALL is an error, not a warning.
    let input = signed_exec(&net, Address::repeat_byte(0x99), U256::ZERO, 1).await;
    let block = send(
        &net.p0,
        TransactionRequest::default()
            .with_to(relayer)
            .with_input(input),
    )
    .await;
    index(&net, &db).await;
    let r = audit(&net, &db).await;
    let f = with_rule(&r, "delegatecall");
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(f[0].at.map(|a| a.block), Some(block));
    assert!(
        f[0].detail.contains(&relayer.to_string()),
        "{}",
        f[0].detail
    );

    // ETH gone with no event at all (planted with anvil_setBalance): the balance rule names the
    // block where the difference appeared.
    let before = net.p0.get_block_number().await.expect("head");
    let balance = net.p0.get_balance(net.safe).await.expect("balance");
    let _: () = net
        .p0
        .raw_request(
            "anvil_setBalance".into(),
            (net.safe, balance - parse_ether("5").expect("eth")),
        )
        .await
        .expect("setBalance");
    let _: String = net
        .p0
        .raw_request("evm_mine".into(), ())
        .await
        .expect("mine");
    // A block with a log, so the index (and the audit) reach it.
    let _ = send(
        &net.p0,
        TransactionRequest::default()
            .with_to(net.safe)
            .with_value(U256::from(1)),
    )
    .await;
    index(&net, &db).await;
    let r = audit(&net, &db).await;
    let f = with_rule(&r, "balance");
    assert_eq!(f.len(), 1, "{}", r.render());
    // anvil_setBalance rewrites the state of the latest block: the difference appears there.
    assert_eq!(
        f[0].blocks,
        Some(BlockRange {
            from: before,
            to: before
        }),
        "{}",
        r.render()
    );
    assert!(
        f[0].detail.contains("5 ETH cannot be explained"),
        "{}",
        f[0].detail
    );
}

/// Points the Safe proxy at a plain `Safe` singleton (same storage layout as SafeL2; slot 0 is
/// the proxy's singleton): a Safe that logs no `SafeMultiSigTransaction`.
async fn make_plain_safe(net: &Net) {
    let plain = dao_bindings::Safe::deploy(&net.p0)
        .await
        .expect("singleton");
    let _: bool = net
        .p0
        .raw_request(
            "anvil_setStorageAt".into(),
            (
                net.safe,
                alloy::primitives::B256::ZERO,
                alloy::primitives::B256::left_padding_from(plain.address().as_slice()),
            ),
        )
        .await
        .expect("setStorageAt");
}

async fn relayer(net: &Net) -> Address {
    let pending = net
        .p0
        .send_transaction(TransactionRequest::default().with_deploy_code(forwarder_code(net.safe)))
        .await
        .expect("deploy");
    common::receipt(&net.p0, *pending.tx_hash())
        .await
        .contract_address
        .expect("relayer")
}

#[tokio::test]
async fn a_relayed_owner_transaction_of_a_plain_safe_is_read_from_the_trace() {
    let net = riverside().await;
    make_plain_safe(&net).await;
    let relayer = relayer(&net).await;
    let input = signed_exec(
        &net,
        Address::repeat_byte(0x66),
        parse_ether("2").expect("eth"),
        0,
    )
    .await;
    let block = send(
        &net.p0,
        TransactionRequest::default()
            .with_to(relayer)
            .with_input(input),
    )
    .await;
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dao.db");
    index(&net, &db).await;
    let r = audit(&net, &db).await;
    let f = with_rule(&r, "unexplained-outflow");
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(f[0].at.map(|a| a.block), Some(block));
    assert!(
        f[0].detail.contains(&format!(
            "2 ETH left Safe {} to {} by an owners' transaction (relayed through {relayer}; call read from the trace)",
            net.safe,
            Address::repeat_byte(0x66)
        )),
        "{}",
        f[0].detail
    );
}

#[tokio::test]
async fn a_relayed_owner_transaction_nothing_explains_is_an_error_even_behind_an_unlogged_inflow() {
    // A node that keeps no old state cannot trace an old transaction.
    let net = riverside_on(&["--prune-history", "1"]).await;
    make_plain_safe(&net).await;
    let relayer = relayer(&net).await;
    // 2 ETH in without an event (as a validator withdrawal or a self-destruct): it offsets the
    // outflow below in the balance, so only the owners' transaction itself can reveal it.
    let balance = net.p0.get_balance(net.safe).await.expect("balance");
    let _: () = net
        .p0
        .raw_request(
            "anvil_setBalance".into(),
            (net.safe, balance + parse_ether("2").expect("eth")),
        )
        .await
        .expect("setBalance");
    let input = signed_exec(
        &net,
        Address::repeat_byte(0x66),
        parse_ether("2").expect("eth"),
        0,
    )
    .await;
    let block = send(
        &net.p0,
        TransactionRequest::default()
            .with_to(relayer)
            .with_input(input),
    )
    .await;
    for _ in 0..3 {
        let _: String = net
            .p0
            .raw_request("evm_mine".into(), ())
            .await
            .expect("mine");
    }
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dao.db");
    index(&net, &db).await;
    let r = audit(&net, &db).await;
    assert!(!r.is_clean(), "{}", r.render());
    let f = with_rule(&r, "unexplained-outflow");
    assert_eq!(f.len(), 1, "{}", r.render());
    assert_eq!(f[0].at.map(|a| a.block), Some(block));
    assert!(
        f[0].detail.contains("cannot be explained")
            && f[0].detail.contains(&format!("relayed through {relayer}"))
            && f[0].detail.contains("the node offers no call trace"),
        "{}",
        f[0].detail
    );
    // The balance alone would have passed: the unlogged inflow hides the outflow there.
    assert!(with_rule(&r, "balance").is_empty(), "{}", r.render());
}
