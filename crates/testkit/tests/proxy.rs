//! The proxy against anvil, and the retry layer of `dao_rpc` against each failure it injects:
//! every point read succeeds through a proxy that fails a third of the calls, while a provider
//! without the layer sees the failures; an oversized `eth_getLogs` comes back as a size error.
use alloy::{
    node_bindings::Anvil,
    primitives::U64,
    providers::{Provider, ProviderBuilder},
    rpc::types::Filter,
};
use dao_rpc::ErrorClass;
use dao_testkit::{Fault, Proxy, ProxyConfig, anvil_path};

#[tokio::test]
async fn retry_layer_rides_out_every_injected_failure_and_size_errors_are_not_retried() {
    let anvil = Anvil::at(anvil_path()).spawn();
    let direct = ProviderBuilder::new().connect_http(anvil.endpoint_url());
    let _: serde_json::Value = direct
        .raw_request("anvil_mine".into(), (U64::from(1_000),))
        .await
        .expect("mine");

    let proxy =
        Proxy::start(ProxyConfig::hosted(anvil.endpoint()).with_faults(0.33, 42)).expect("proxy");
    let resilient = dao_rpc::connect(proxy.url()).expect("connect");
    for _ in 0..60 {
        assert_eq!(resilient.get_chain_id().await.expect("chain id"), 31337);
        assert!(resilient.get_block_number().await.expect("head") >= 1_000);
    }
    let stats = proxy.stats();
    for fault in Fault::ALL {
        assert!(
            stats.faults.get(&fault).copied().unwrap_or(0) > 0,
            "{fault:?} injected: {stats:?}"
        );
    }
    assert!(stats.total_calls() > 120, "retries went through the proxy");

    // Without the layer the same proxy's failures reach the caller.
    let bare = ProviderBuilder::new().connect_http(proxy.url().parse().expect("url"));
    let mut failures = 0;
    for _ in 0..30 {
        if let Err(e) = bare.get_block_number().await {
            assert!(ErrorClass::of(&e).is_retryable(), "{e}");
            failures += 1;
        }
    }
    assert!(failures > 0);

    // A range over the cap is a size error, answered at once (not retried).
    let capped = Proxy::start(ProxyConfig::hosted(anvil.endpoint())).expect("proxy");
    let p = dao_rpc::connect(capped.url()).expect("connect");
    let err = p
        .get_logs(&Filter::new().from_block(0u64).to_block(2_500u64))
        .await
        .expect_err("over the cap");
    assert_eq!(ErrorClass::of(&err), ErrorClass::RangeTooLarge, "{err}");
    assert_eq!(capped.stats().calls("eth_getLogs"), 1, "not retried");
    assert_eq!(capped.stats().refused_range, 1);
    p.get_logs(&Filter::new().from_block(0u64).to_block(999u64))
        .await
        .expect("within the cap");
    assert_eq!(capped.stats().widest_accepted_span, 1_000);
}

#[tokio::test]
async fn result_count_cap_is_a_size_error() {
    let anvil = Anvil::at(anvil_path()).spawn();
    let mut cfg = ProxyConfig::hosted(anvil.endpoint());
    cfg.max_results = 0;
    // Logs exist from the first transaction on: a plain transfer emits none, so deploy a
    // contract whose constructor emits one (LOG0 of nothing): 0x60006000a0 + return nothing.
    let direct = dao_rpc::connect_with_wallet(
        &anvil.endpoint(),
        alloy::network::EthereumWallet::from(alloy::signers::local::PrivateKeySigner::from(
            anvil.keys()[0].clone(),
        )),
    )
    .expect("connect");
    let tx = alloy::rpc::types::TransactionRequest::default().with_deploy_code(
        alloy::primitives::Bytes::from_static(&[0x60, 0x00, 0x60, 0x00, 0xa0, 0x00]),
    );
    use alloy::network::TransactionBuilder;
    let receipt = direct
        .send_transaction(tx)
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    assert_eq!(receipt.logs().len(), 1);
    let proxy = Proxy::start(cfg).expect("proxy");
    let p = dao_rpc::connect(proxy.url()).expect("connect");
    let err = p
        .get_logs(&Filter::new().from_block(0u64).to_block(10u64))
        .await
        .expect_err("over the result cap");
    assert_eq!(ErrorClass::of(&err), ErrorClass::RangeTooLarge, "{err}");
    assert_eq!(proxy.stats().refused_results, 1);
}
