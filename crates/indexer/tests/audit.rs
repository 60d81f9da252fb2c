//! The demo DAO (examples/riverside.toml) deployed on anvil: the indexed state equals live reads,
//! a clean treasury audits clean, and a Safe transfer behind the module's back is flagged.

mod common;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256, utils::parse_ether},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
};
use common::anvil_path;
use dao_bindings::{ICellRegistry, IRoles, ITreasury, Safe};
use dao_deploy::{Options, dev};
use dao_indexer::{Contracts, Indexer, IndexerConfig, RpcSource, audit::Severity};

async fn send(p: &DynProvider, tx: TransactionRequest) {
    let pending = p.send_transaction(tx).await.expect("send");
    let r = common::receipt(p, *pending.tx_hash()).await;
    assert!(r.status(), "reverted");
}

#[tokio::test]
async fn indexed_state_matches_live_reads_and_the_audit_flags_money_leaving_the_safe_outside_the_module()
 {
    let anvil = alloy::node_bindings::Anvil::at(anvil_path()).spawn();
    let url = anvil.endpoint();
    let p0 = dao_deploy::connect(&url, dev::signer(0).expect("key")).expect("connect");
    let out = tempfile::tempdir().expect("tmp");
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
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
    let t = ITreasury::new(treasury, &p0);
    let contracts = Contracts {
        roles: record.address("Roles"),
        registry: record.address("CellRegistry"),
        governor: record.address("CellGovernor"),
        treasury: Some(treasury),
        task_board: Some(t.taskBoard().call().await.expect("board")),
        streams: Some(t.streams().call().await.expect("streams")),
    };

    // Money in, then a spend by the operations treasurer (anvil:2) within its budget.
    send(
        &p0,
        TransactionRequest::default()
            .with_to(safe)
            .with_value(parse_ether("40").expect("eth")),
    )
    .await;
    let ops = record.cell_id("operations").expect("ops");
    let p2 = dao_deploy::connect(&url, dev::signer(2).expect("key")).expect("connect");
    let recipient = Address::repeat_byte(0x77);
    let t2 = ITreasury::new(treasury, &p2);
    let call = t2.spend(
        ops,
        Address::ZERO,
        recipient,
        parse_ether("1").expect("eth"),
        "ipfs://invoice-1".into(),
        Default::default(),
    );
    send(&p2, call.into_transaction_request()).await;

    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("dao.db");
    let mut ix = Indexer::open(
        RpcSource::new(p0.clone()),
        &db,
        IndexerConfig::new(contracts, 0),
    )
    .await
    .expect("open");
    ix.sync().await.expect("sync");

    // Indexed state == live reads, field by field.
    let s = ix.state();
    assert_eq!(s.undecoded, 0, "undecoded logs; {contracts:?}");
    let registry = ICellRegistry::new(contracts.registry.expect("registry"), &p0);
    let roles = IRoles::new(contracts.roles.expect("roles"), &p0);
    for (key, cell) in &record.cells {
        let c = &s.domain.cells[&cell.id];
        assert_eq!(
            c.parent,
            registry.parentOf(cell.id).call().await.expect("call"),
            "{key} parent"
        );
        assert_eq!(
            c.dao,
            registry.daoOf(cell.id).call().await.expect("call"),
            "{key} dao"
        );
        assert_eq!(
            c.phase,
            registry.phaseOf(cell.id).call().await.expect("call"),
            "{key} phase"
        );
        assert_eq!(c.member_role, cell.member_role, "{key} member role");
    }
    assert!(!s.roles.is_empty());
    for (id, role) in &s.roles {
        assert_eq!(
            role.supply,
            roles.hatSupply(*id).call().await.expect("call"),
            "supply of {id:#x}"
        );
        let v = roles.viewRole(*id).call().await.expect("call");
        assert_eq!(
            (
                role.details.clone(),
                role.max_supply,
                role.claimable,
                role.mutable_
            ),
            (v.details, v.maxSupply, v.claimable, v.mutable_)
        );
    }
    for (role, wearer) in s.wearers.keys() {
        assert!(
            roles
                .isWearerOfHat(wearer, role)
                .call()
                .await
                .expect("call"),
            "{wearer} wears {role:#x}"
        );
    }
    for ((cell, token), b) in &s.domain.budgets {
        let id = format!("{cell:#x}/{token}");
        let v = t.getBudget(*cell, *token).call().await.expect("call");
        let l = &b.ledger;
        let terms = l.terms.expect("terms");
        assert_eq!(terms.amount, v.amount, "budget {id}");
        assert_eq!(terms.funded, v.funded, "budget {id}");
        assert_eq!(l.current_period, v.periodIndex, "budget {id} period");
        let u = l.current();
        assert_eq!(u.spent, v.spent, "budget {id} spent");
        assert_eq!(u.sub_allocated, v.subAllocated, "budget {id} subAllocated");
        assert_eq!(l.reserved, v.reserved, "budget {id} reserved");
        if v.funded {
            assert_eq!(u.received, v.received, "budget {id} received");
        }
        assert_eq!(
            l.available(l.current_period),
            v.available,
            "budget {id} available"
        );
    }
    // `state --indexed` reads the same from the database.
    assert_eq!(
        ix.store().table_json("wearers").expect("rows").len(),
        s.wearers.len()
    );

    // A clean history audits clean.
    let r = dao_indexer::audit(&p0, ix.store(), contracts, 0)
        .await
        .expect("audit");
    assert!(r.is_clean(), "{}", r.render());
    assert_eq!(r.checked.spends, 1);
    assert!(r.budgets.iter().all(|b| b.matches_head), "{}", r.render());

    // The Safe's owner (anvil:0, threshold 1) sends 3 ETH with an owners' transaction.
    let owner = dev::address(0).expect("dev");
    let mut sig = vec![0u8; 65];
    sig[12..32].copy_from_slice(owner.as_slice()); // r = owner, s = 0, v = 1: approved by msg.sender
    sig[64] = 1;
    let safe_c = Safe::new(safe, &p0);
    let exec = safe_c.execTransaction(
        recipient,
        parse_ether("3").expect("eth"),
        Bytes::new(),
        0,
        U256::ZERO,
        U256::ZERO,
        U256::ZERO,
        Address::ZERO,
        Address::ZERO,
        Bytes::from(sig),
    );
    send(&p0, exec.into_transaction_request()).await;
    let exec_block = p0.get_block_number().await.expect("head");
    ix.sync().await.expect("sync");
    let r = dao_indexer::audit(&p0, ix.store(), contracts, 0)
        .await
        .expect("audit");
    assert!(!r.is_clean(), "{}", r.render());
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "unexplained-outflow" && f.severity == Severity::Error)
        .unwrap_or_else(|| panic!("no unexplained outflow in\n{}", r.render()));
    assert_eq!(f.event, "ExecutionSuccess");
    assert_eq!(f.at.map(|a| a.block), Some(exec_block), "names the event");
    assert!(f.detail.contains("3 ETH left Safe"), "{}", f.detail);
    let text = r.render();
    assert!(
        text.contains("ERROR [unexplained-outflow] ExecutionSuccess at block"),
        "{text}"
    );
}
