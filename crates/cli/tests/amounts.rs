//! Amounts of a 6-decimal ERC-20 end to end on anvil: a design budget in whole tokens is
//! resolved against the token's decimals and symbol at deploy time (the dry run shows it), reads
//! back as the intended base units, a spend of `12.5` pays 12,500,000 units, every output prints
//! `HUSD`, wrong forms are refused, and the index and the audit agree with the chain.
mod common;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol,
    sol_types::{SolCall, SolValue},
};
use common::Net;

sol! {
    function mint(address to, uint256 amount) external;
    function balanceOf(address account) external view returns (uint256);
    function delegate(address delegatee) external;
}

#[tokio::test]
async fn six_decimal_token_from_design_to_spend_to_audit() {
    let net = Net::empty();
    let signer: PrivateKeySigner = net.anvil.keys()[9].clone().into();
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(net.anvil.endpoint_url());

    // The token: DecimalsToken("Hive USD", "HUSD", 6) (contracts/test/utils/DecimalsToken.sol).
    let mut code =
        alloy::hex::decode(include_str!("fixtures/DecimalsToken.bin").trim()).expect("hex");
    code.extend(("Hive USD".to_owned(), "HUSD".to_owned(), U256::from(6u8)).abi_encode_params());
    let tx = alloy::rpc::types::TransactionRequest::default().with_deploy_code(Bytes::from(code));
    let receipt = p
        .send_transaction(tx)
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    let husd = receipt.contract_address.expect("deployed");
    let units = |v: u64| U256::from(v);

    let design = net.dir.path().join("stable.toml");
    std::fs::write(
        &design,
        format!(
            "[dao]\nname = \"stable\"\nmembers = [\"anvil:1\"]\n\
             [dao.governance]\nsafe = {{ owners = [\"anvil:0\"], threshold = 1 }}\n\
             [[dao.budgets]]\ntoken = \"{husd}\"\namount = \"50000 HUSD\"\n\
             [[cells]]\nkey = \"ops\"\nname = \"Ops\"\nadmin = \"anvil:1\"\nmembers = [\"anvil:1\"]\n\
             [[cells.budgets]]\ntoken = \"{husd}\"\namount = \"1000\"\nallocate = \"100\"\n"
        ),
    )
    .expect("design");
    let design = design.display().to_string();

    // Offline: the syntax only. The dry run resolves against the token.
    net.ok(&["design", "check", &design]);
    let out = net.output(&["deploy", &design, "--dry-run", "--dev-account", "0"]);
    let plan = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{plan}");
    assert!(plan.contains("DAO budget: 50000 HUSD per"), "{plan}");
    assert!(plan.contains("budget of ops: 1000 HUSD per"), "{plan}");
    assert!(plan.contains("allocate 100 HUSD from dao to ops"), "{plan}");
    // A symbol that is not the token's is refused at deploy time, naming the field.
    let wrong = net.dir.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        std::fs::read_to_string(&design)
            .expect("design")
            .replace("50000 HUSD", "50000 USDC")
            .replace("\"stable\"", "\"wrong\""),
    )
    .expect("write");
    let err = net.fails(&["deploy", &wrong.display().to_string(), "--dev-account", "0"]);
    assert!(
        err.contains("dao.budgets[0].amount: `50000 USDC`: the token is HUSD"),
        "{err}"
    );

    net.ok(&["deploy", &design, "--dev-account", "0"]);
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(net.dir.path().join("31337/stable.json")).expect("record"),
    )
    .expect("json");
    let safe: Address = record["safe"]
        .as_str()
        .expect("safe")
        .parse()
        .expect("address");
    // The Safe holds the tokens the budgets spend.
    let tx = alloy::rpc::types::TransactionRequest::default()
        .with_to(husd)
        .with_input(
            mintCall {
                to: safe,
                amount: units(50_000_000_000),
            }
            .abi_encode(),
        );
    p.send_transaction(tx)
        .await
        .expect("mint")
        .get_receipt()
        .await
        .expect("receipt");

    // The budgets read back in base units of a 6-decimal token.
    let token = husd.to_string();
    let status: serde_json::Value =
        serde_json::from_str(&net.ok(&["treasury", "status", "--token", &token, "--json"]))
            .expect("json");
    let budget = |cell: &str, k: &str| -> String {
        status["budgets"]
            .as_array()
            .expect("budgets")
            .iter()
            .find(|b| b["cell"] == cell)
            .unwrap_or_else(|| panic!("{cell} in {status}"))[k]
            .as_str()
            .expect("amount")
            .to_owned()
    };
    assert_eq!(budget("dao", "amount"), "50000000000");
    assert_eq!(budget("ops", "amount"), "1000000000");
    assert_eq!(status["symbol"], "HUSD");
    assert_eq!(status["decimals"], 6);

    // Spending 12.5 pays 12,500,000 units; the other forms say the same.
    let payee = Address::repeat_byte(0x55);
    net.ok(&[
        "treasury",
        "spend",
        "ops",
        &payee.to_string(),
        "12.5",
        "--token",
        &token,
        "--dev-account",
        "1",
    ]);
    net.ok(&[
        "treasury",
        "spend",
        "ops",
        &payee.to_string(),
        "2.5HUSD",
        "--token",
        &token,
        "--dev-account",
        "1",
    ]);
    net.ok(&[
        "treasury",
        "spend",
        "ops",
        &payee.to_string(),
        "5e6 units",
        "--token",
        &token,
        "--dev-account",
        "1",
    ]);
    let paid = p
        .call(
            alloy::rpc::types::TransactionRequest::default()
                .with_to(husd)
                .with_input(balanceOfCall { account: payee }.abi_encode()),
        )
        .await
        .expect("balanceOf");
    assert_eq!(
        balanceOfCall::abi_decode_returns(&paid).expect("uint"),
        units(20_000_000)
    );

    // Wrong forms are refused before anything is sent.
    for (amount, why) in [
        (
            "1ether",
            "ether is an ether unit and the token is the ERC-20 HUSD",
        ),
        ("1.5 USDC", "whose symbol is HUSD, not USDC"),
        ("0.0000001", "has 6 decimals, the amount has more"),
        ("1.5 units", "expected an amount like"),
    ] {
        let err = net.fails(&[
            "treasury",
            "spend",
            "ops",
            &payee.to_string(),
            amount,
            "--token",
            &token,
            "--dev-account",
            "1",
        ]);
        assert!(err.contains(why), "{amount}: {err}");
    }
    // A token without decimals() is an error naming it.
    let not_a_token = Address::repeat_byte(0x77).to_string();
    let err = net.fails(&["treasury", "status", "--token", &not_a_token]);
    assert!(
        err.contains(&not_a_token) && err.contains("decimals()"),
        "{err}"
    );

    // Outputs print HUSD amounts, never wei.
    let out = net.ok(&["treasury", "status", "--token", &token]);
    assert!(out.contains("balance 49980 HUSD"), "{out}");
    assert!(
        out.contains("1000 HUSD") && out.contains("80 HUSD"),
        "{out}"
    );
    assert!(!out.contains("wei"), "{out}");
    let out = net.ok(&["state", "--token", &token]);
    assert!(
        out.contains("budget ceiling 1000 HUSD") && out.contains("spent 20 HUSD"),
        "{out}"
    );

    // The forms are documented in --help.
    let help = net.ok(&["treasury", "spend", "--help"]);
    assert!(
        help.contains("12.5HUSD") && help.contains("12500000units"),
        "{help}"
    );

    // The index and the audit agree with the chain.
    net.ok(&["index"]);
    let live: serde_json::Value =
        serde_json::from_str(&net.ok(&["state", "--token", &token, "--live", "--json"]))
            .expect("json");
    let indexed: serde_json::Value =
        serde_json::from_str(&net.ok(&["state", "--token", &token, "--json"])).expect("json");
    assert_eq!(live, indexed);
    let out = net.ok(&["audit"]);
    assert!(out.contains("no discrepancy"), "{out}");
    // The audit prints amounts in the token's decimals and symbol, cells by their key.
    assert!(
        out.contains("cell dao HUSD: amount 50000 HUSD")
            && out.contains("cell ops HUSD: amount 1000 HUSD"),
        "{out}"
    );
    assert!(!out.contains("50000000000"), "no base units: {out}");
    let audit: serde_json::Value =
        serde_json::from_str(&net.ok(&["audit", "--json"])).expect("json");
    let ops = audit["budgets"]
        .as_array()
        .expect("budgets")
        .iter()
        .find(|b| b["shown"]["amount"] == "1000 HUSD")
        .expect("ops's budget line");
    assert_eq!(
        (ops["amount"].as_str(), ops["decimals"].as_u64()),
        (Some("1000000000"), Some(6))
    );
}

/// Sends `data` to `to` from dev account `from` and waits for it.
async fn send_as(net: &Net, from: usize, to: Address, data: Vec<u8>) {
    let signer: PrivateKeySigner = net.anvil.keys()[from].clone().into();
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(net.anvil.endpoint_url());
    let tx = alloy::rpc::types::TransactionRequest::default()
        .with_to(to)
        .with_input(data);
    let receipt = p
        .send_transaction(tx)
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status(), "reverted");
}

#[tokio::test]
async fn token_vote_tallies_and_quorums_print_in_the_voting_tokens_decimals() {
    let net = Net::empty();
    let signer: PrivateKeySigner = net.anvil.keys()[9].clone().into();
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(net.anvil.endpoint_url());
    // VotesDecimalsToken("Vote USD", "VUSD", 6) (contracts/test/utils/VotesDecimalsToken.sol).
    let mut code =
        alloy::hex::decode(include_str!("fixtures/VotesDecimalsToken.bin").trim()).expect("hex");
    code.extend(("Vote USD".to_owned(), "VUSD".to_owned(), U256::from(6u8)).abi_encode_params());
    let tx = alloy::rpc::types::TransactionRequest::default().with_deploy_code(Bytes::from(code));
    let receipt = p
        .send_transaction(tx)
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    let vusd = receipt.contract_address.expect("deployed");
    // anvil:1 holds 1500.5 VUSD, anvil:2 500; each delegates to itself.
    for (who, units) in [(1usize, 1_500_500_000u64), (2, 500_000_000)] {
        let to = net.anvil.addresses()[who];
        send_as(
            &net,
            9,
            vusd,
            mintCall {
                to,
                amount: U256::from(units),
            }
            .abi_encode(),
        )
        .await;
        send_as(&net, who, vusd, delegateCall { delegatee: to }.abi_encode()).await;
    }

    let design = net.dir.path().join("holders.toml");
    std::fs::write(
        &design,
        format!(
            "[dao]\nname = \"holders\"\nmembers = [\"anvil:1\"]\n\
             [dao.governance]\nsafe = {{ owners = [\"anvil:0\"], threshold = 1 }}\n\
             [[cells]]\nkey = \"holders\"\nname = \"Holders\"\nmembers = [\"anvil:1\", \"anvil:2\"]\n\
             [cells.governor]\nelectorate = \"token\"\ntoken = \"{vusd}\"\nquorum_bps = 1000\n\
             voting_period = 5\nexecution_delay = 2\nproposal_threshold = \"100 VUSD\"\n"
        ),
    )
    .expect("design");
    net.ok(&[
        "deploy",
        &design.display().to_string(),
        "--dev-account",
        "0",
    ]);
    // The proposal threshold is an amount of the voting token: 100 VUSD is 100,000,000 units on
    // chain (plan compares the live settings with the design's, in base units).
    let text = std::fs::read_to_string(&design).expect("design");
    for (threshold, same) in [
        ("100 VUSD", true),
        ("100000000 units", true),
        ("100", true),
        ("101", false),
    ] {
        let variant = net.dir.path().join("variant.toml");
        std::fs::write(
            &variant,
            text.replace("\"100 VUSD\"", &format!("\"{threshold}\"")),
        )
        .expect("variant");
        let out = net.ok(&["plan", &variant.display().to_string()]);
        assert_eq!(out.contains("no changes"), same, "{threshold}: {out}");
        if !same {
            assert!(
                out.contains("proposal threshold 100 VUSD → ")
                    && out.contains("proposal threshold 101 VUSD"),
                "{out}"
            );
        }
    }
    let id = net
        .ok(&[
            "proposal",
            "create",
            "--cell",
            "holders",
            "--description",
            "Charter v2",
            "--set-state",
            "charter=ipfs://v2",
            "--dev-account",
            "1",
        ])
        .trim()
        .to_owned();
    let pr = ProviderBuilder::new().connect_http(net.anvil.endpoint_url());
    let _: serde_json::Value = pr
        .raw_request("anvil_mine".into(), (alloy::primitives::U64::from(2u64),))
        .await
        .expect("anvil_mine");
    net.ok(&["proposal", "vote", &id, "for", "--dev-account", "1"]);
    net.ok(&["proposal", "vote", &id, "against", "--dev-account", "2"]);

    // Tallies and the quorum in VUSD (6 decimals): 10% of the 2000.5 VUSD supply is 200.05.
    let out = net.ok(&["proposal", "show", &id]);
    assert!(
        out.contains("votes: for 1500.5 VUSD against 500 VUSD abstain 0 VUSD (quorum 200.05 VUSD of 2000.5 VUSD)"),
        "{out}"
    );
    let list = net.ok(&["proposal", "list", "--cell", "holders"]);
    assert!(
        list.contains("for 1500.5 VUSD against 500 VUSD abstain 0 VUSD"),
        "{list}"
    );
    // JSON keeps base units beside the shown amounts.
    let shown: serde_json::Value =
        serde_json::from_str(&net.ok(&["proposal", "show", &id, "--json"])).expect("json");
    assert_eq!(shown["votes"]["for"], "1500500000");

    // Executed after its delay; the audit reads each weight from the token at the snapshot and
    // its supply for the quorum: clean.
    let _: serde_json::Value = pr
        .raw_request("anvil_mine".into(), (alloy::primitives::U64::from(8u64),))
        .await
        .expect("anvil_mine");
    net.ok(&["proposal", "execute", &id, "--dev-account", "1"]);
    let audit: serde_json::Value =
        serde_json::from_str(&net.ok(&["audit", "--json"])).expect("json");
    let findings = audit["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    assert!(findings.is_empty(), "every read answered: {findings:#?}");
    assert_eq!(audit["network"]["votes"], 2, "{}", audit["network"]);
    assert_eq!(audit["network"]["executions"], 1, "{}", audit["network"]);
}
