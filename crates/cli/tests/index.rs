//! `daoctl index`, `daoctl state` (from the index, and `--live`) and `daoctl audit` against a
//! fresh anvil with the example DAO deployed: the indexed tree equals the live one, a clean
//! treasury audits clean, and money leaving the Safe outside the module fails the audit, naming
//! the event.
mod common;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use common::Net;

#[tokio::test]
async fn index_state_indexed_and_audit() {
    let net = Net::empty();
    net.deploy_riverside_and_spend();

    let out = net.ok(&["index"]);
    assert!(out.contains("indexed up to block"), "{out}");
    assert!(
        net.dir.path().join("31337/riverside.index.db").exists(),
        "default db under the deployment's dir"
    );

    // The same tree, live and from the index.
    let live: serde_json::Value =
        serde_json::from_str(&net.ok(&["state", "--live", "--json"])).expect("json");
    let indexed: serde_json::Value =
        serde_json::from_str(&net.ok(&["state", "--json"])).expect("json");
    assert_eq!(live, indexed);
    assert_eq!(net.ok(&["state", "--live"]), net.ok(&["state"]));

    let out = net.ok(&["audit"]);
    assert!(out.contains("no discrepancy"), "{out}");

    // The Safe's owner (anvil:0, threshold 1) pays 2 ETH by an owners' transaction.
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(net.dir.path().join("31337/riverside.json")).expect("record"),
    )
    .expect("json");
    let safe: Address = record["safe"]
        .as_str()
        .expect("safe")
        .parse()
        .expect("address");
    let signer: PrivateKeySigner = net.anvil.keys()[0].clone().into();
    let owner = signer.address();
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(net.anvil.endpoint_url());
    let mut sig = vec![0u8; 65];
    sig[12..32].copy_from_slice(owner.as_slice());
    sig[64] = 1;
    let call = dao_bindings::Safe::execTransactionCall {
        to: Address::repeat_byte(0x66),
        value: U256::from(2_000_000_000_000_000_000u128),
        data: Bytes::new(),
        operation: 0,
        safeTxGas: U256::ZERO,
        baseGas: U256::ZERO,
        gasPrice: U256::ZERO,
        gasToken: Address::ZERO,
        refundReceiver: Address::ZERO,
        signatures: Bytes::from(sig),
    };
    let tx = alloy::rpc::types::TransactionRequest::default()
        .with_to(safe)
        .with_input(alloy::sol_types::SolCall::abi_encode(&call));
    let r = p
        .send_transaction(tx)
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(r.status());

    let out = net.output(&["audit"]);
    assert!(!out.status.success(), "audit must fail");
    let text = String::from_utf8_lossy(&out.stdout);
    let expected = format!(
        "ERROR [unexplained-outflow] ExecutionSuccess at block {}",
        r.block_number.expect("block")
    );
    assert!(text.contains(&expected), "{text}");
    let out = net.output(&["audit", "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["rule"] == "unexplained-outflow")
    );
}
