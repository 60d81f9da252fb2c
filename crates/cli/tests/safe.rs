//! End-to-end: acting through the DAO's Safe with `--via-safe` and `daoctl safe ...`, each owner
//! in its own daoctl process; refusals that name the authority; `--private-key`, `--account` and
//! `--json` write results. A fresh anvil per test.
mod common;

use alloy::{
    hex,
    primitives::{Address, B256, Bytes, U256},
    providers::ProviderBuilder,
    sol_types::SolCall,
};
use common::{Net, read_json, succeeded};
use dao_bindings::{ICellRegistry, ITreasury, Safe};
use serde_json::Value;
use std::path::Path;

fn address(v: &Value) -> Address {
    v.as_str().and_then(|s| s.parse().ok()).expect("an address")
}

const ETHER: u128 = 1_000_000_000_000_000_000;

#[tokio::test]
async fn two_of_three_safe_budget_cell_freeze_veto_through_daoctl() {
    let net = Net::deploy("council.toml");
    let record = net.record("council");
    let safe = address(&record["safe"]);
    let dao_id: U256 = record["cells"]["dao"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("dao id");

    // An owner acting directly is refused with who holds the authority and the flag to use.
    let err = net.fails(&[
        "treasury",
        "set-budget",
        "dao",
        "60ether",
        "--dev-account",
        "7",
    ]);
    assert!(err.contains("NotParentAdmin(account"), "{err}");
    assert!(
        err.contains(&format!("the DAO's Safe {safe} (2 of 3 owners: "))
            && err.contains("re-run with --via-safe"),
        "{err}"
    );

    // 1. The DAO budget: proposed and signed by owner 7, signed by 8, sent by a non-owner.
    let p = net.json(&[
        "treasury",
        "set-budget",
        "dao",
        "60ether",
        "--via-safe",
        "--dev-account",
        "7",
    ]);
    assert_eq!(
        (p["signatures"].as_u64(), p["threshold"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(p["executed"], false);
    let file = p["file"].as_str().expect("file").to_owned();
    let tx = read_json(Path::new(&file));
    // The EIP-712 hash is the Safe's own.
    let provider = ProviderBuilder::new().connect_http(net.anvil.endpoint_url());
    let t = &tx["transaction"];
    let u = |k: &str| t[k].as_str().and_then(|s| s.parse::<U256>().ok()).expect(k);
    let onchain = Safe::new(safe, &provider)
        .getTransactionHash(
            address(&t["to"]),
            u("value"),
            t["data"]
                .as_str()
                .and_then(|s| s.parse::<Bytes>().ok())
                .expect("data"),
            t["operation"]
                .as_u64()
                .and_then(|o| u8::try_from(o).ok())
                .expect("op"),
            u("safeTxGas"),
            u("baseGas"),
            u("gasPrice"),
            address(&t["gasToken"]),
            address(&t["refundReceiver"]),
            u("nonce"),
        )
        .call()
        .await
        .expect("getTransactionHash");
    assert_eq!(
        tx["safe_tx_hash"]
            .as_str()
            .and_then(|s| s.parse::<B256>().ok()),
        Some(onchain)
    );
    let err = net.fails(&["safe", "exec", &file, "--dev-account", "0"]);
    assert!(
        err.contains("the Safe needs 2 signatures, this transaction has 1"),
        "{err}"
    );
    let err = net.fails(&["safe", "sign", &file, "--dev-account", "1"]);
    assert!(err.contains("is not an owner of the Safe"), "{err}");
    let show = net.json(&["safe", "show"]);
    assert_eq!(show["threshold"], 2);
    assert_eq!(show["owners"].as_array().map(Vec::len), Some(3));
    let treasury = address(&record["contracts"]["Treasury"]["address"]);
    assert!(
        show["modules"]
            .as_array()
            .expect("modules")
            .iter()
            .any(|m| address(m) == treasury)
    );
    assert_eq!(show["pending"][0]["file"], file.as_str());
    assert_eq!(show["pending"][0]["status"], "1/2 signatures");
    assert_eq!(address(&show["pending"][0]["signers"][0]), net.addr(7));
    let signed = net.json(&["safe", "sign", &file, "--dev-account", "8"]);
    assert_eq!(signed["signatures"], 2);
    let done = net.json(&["safe", "exec", &file, "--dev-account", "0"]);
    assert_eq!(done["status"], "success");
    assert_eq!(done["safe_tx_hash"], tx["safe_tx_hash"]);
    let budget = net.json(&["treasury", "status", "--cell", "dao"]);
    assert_eq!(
        budget["budgets"][0]["amount"],
        (60 * ETHER).to_string().as_str()
    );
    // Executed: the file is stale now.
    let err = net.fails(&["safe", "exec", &file, "--dev-account", "8"]);
    assert!(
        err.contains(
            "stale: the Safe's nonce is 2; this transaction was for 1; it was executed or replaced"
        ),
        "{err}"
    );
    let err = net.fails(&["safe", "sign", &file, "--dev-account", "9"]);
    assert!(err.contains("stale:"), "{err}");
    let err = net.fails(&["safe", "export", &file]);
    assert!(err.contains("stale:"), "{err}");

    // 2 and 3. A top-level cell and a freeze in one MultiSendCallOnly batch, prepared by owner 8,
    // exported for the Safe web app, signed by 9 and sent by 7 (its own approval counts).
    let err = net.fails(&["treasury", "freeze", "stewards", "--dev-account", "9"]);
    assert!(
        err.contains(&format!("the DAO's Safe {safe}")) && err.contains("--via-safe"),
        "{err}"
    );
    let batch = net.dir.path().join("batch.json").display().to_string();
    let outreach_admin = net.addr(6).to_checksum(None);
    net.ok(&[
        "cell",
        "create",
        "--parent",
        "dao",
        "--name",
        "Outreach",
        "--admin",
        &outreach_admin,
        "--via-safe",
        "--out",
        &batch,
        "--dev-account",
        "8",
    ]);
    let p = net.json(&[
        "treasury",
        "freeze",
        "stewards",
        "--via-safe",
        "--out",
        &batch,
        "--dev-account",
        "8",
    ]);
    assert_eq!(p["actions"].as_array().map(Vec::len), Some(2));
    assert_eq!(p["signatures"], 1, "re-signed by 8 after the batch grew");
    let file_json = read_json(Path::new(&batch));
    assert_eq!(file_json["transaction"]["operation"], 1, "DELEGATECALL");
    assert_eq!(
        address(&file_json["transaction"]["to"]),
        address(&record["contracts"]["MultiSendCallOnly"]["address"])
    );
    let builder = net.dir.path().join("builder.json");
    net.ok(&[
        "safe",
        "export",
        &batch,
        "--builder",
        &builder.display().to_string(),
    ]);
    let b = read_json(&builder);
    assert_eq!(b["version"], "1.0");
    assert_eq!(b["chainId"], "31337");
    assert!(
        b["createdAt"]
            .as_u64()
            .is_some_and(|t| t > 1_600_000_000_000),
        "ms"
    );
    assert_eq!(address(&b["meta"]["createdFromSafeAddress"]), safe);
    for k in ["name", "description", "txBuilderVersion"] {
        assert!(b["meta"][k].is_string(), "meta.{k}");
    }
    let txs = b["transactions"].as_array().expect("transactions");
    assert_eq!(txs.len(), 2);
    for t in txs {
        assert_eq!(t["value"], "0");
        assert!(t["contractMethod"].is_null() && t["contractInputsValues"].is_null());
    }
    let data =
        |t: &Value| -> Vec<u8> { hex::decode(t["data"].as_str().expect("data")).expect("hex") };
    let create = ICellRegistry::createCellCall::abi_decode(&data(&txs[0])).expect("createCell");
    assert_eq!(
        address(&txs[0]["to"]),
        address(&record["contracts"]["CellRegistry"]["address"])
    );
    assert_eq!(
        (create.parentCellId, create.name.as_str()),
        (dao_id, "Outreach")
    );
    assert_eq!(create.admin, net.addr(6));
    let freeze = ITreasury::setFrozenCall::abi_decode(&data(&txs[1])).expect("setFrozen");
    assert_eq!(address(&txs[1]["to"]), treasury);
    assert!(freeze.frozen);
    assert_eq!(
        freeze.cellId.to_string(),
        record["cells"]["stewards"]["id"]
            .as_str()
            .and_then(|s| s.parse::<U256>().ok())
            .expect("id")
            .to_string()
    );
    net.ok(&["safe", "sign", &batch, "--dev-account", "9"]);
    net.ok(&["safe", "exec", &batch, "--dev-account", "7"]);
    let cells = net.json(&["cell", "list"]);
    let outreach = cells
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["name"] == "Outreach")
        .expect("Outreach created");
    assert_eq!(outreach["parent"], record["cells"]["dao"]["path"]);
    let stewards = net.json(&["treasury", "status", "--cell", "stewards"]);
    assert_eq!(stewards["budgets"][0]["frozen"], true);

    // 4. A veto of a top-level vote-run cell's proposal.
    let bad = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "assembly",
        "--description",
        "drain",
        "--spend",
        &format!("{}=3ether", net.addr(3)),
        "--dev-account",
        "3",
    ]);
    net.mine(2).await;
    net.ok(&["proposal", "vote", &bad, "for", "--dev-account", "3"]);
    net.ok(&["proposal", "vote", &bad, "for", "--dev-account", "4"]);
    net.mine(6).await;
    let err = net.fails(&["proposal", "veto", &bad, "--dev-account", "7"]);
    assert!(
        err.contains(&format!("the DAO's Safe {safe}")) && err.contains("--via-safe"),
        "{err}"
    );
    let p = net.json(&["proposal", "veto", &bad, "--via-safe", "--dev-account", "9"]);
    let file = p["file"].as_str().expect("file").to_owned();
    net.ok(&["safe", "sign", &file, "--dev-account", "7"]);
    net.ok(&["safe", "exec", &file, "--dev-account", "1"]);
    assert_eq!(net.json(&["proposal", "show", &bad])["state"], "vetoed");

    // A write that needs a vote-run cell's authority names the cell and the proposal to make.
    let err = net.fails(&[
        "cell",
        "state",
        "set",
        "assembly",
        "charter",
        "ipfs://x",
        "--dev-account",
        "3",
    ]);
    assert!(
        err.contains("the vote-run cell `assembly`")
            && err.contains("daoctl proposal create --cell assembly"),
        "{err}"
    );
    // ... and --via-proposal turns it into that proposal, which the cell votes through.
    let p = net.json(&[
        "cell",
        "state",
        "set",
        "assembly",
        "charter",
        "ipfs://assembly-charter",
        "--via-proposal",
        "assembly",
        "--dev-account",
        "3",
    ]);
    let id = p["proposal"].as_str().expect("proposal id").to_owned();
    assert_eq!(p["transactions"][0]["status"], "success");
    net.mine(2).await;
    net.ok(&["proposal", "vote", &id, "for", "--dev-account", "3"]);
    net.ok(&["proposal", "vote", &id, "for", "--dev-account", "5"]);
    net.mine(6).await;
    net.mine(6).await;
    net.ok(&["proposal", "execute", &id, "--dev-account", "4"]);
    let assembly = net.json(&["cell", "show", "assembly"]);
    assert_eq!(assembly["state"][0]["uri"], "ipfs://assembly-charter");

    // Nothing pending but stale files.
    let show = net.json(&["safe", "show"]);
    assert_eq!(show["nonce"], 4);
    assert!(
        show["pending"]
            .as_array()
            .expect("pending")
            .iter()
            .all(|p| p["status"] == "stale"),
        "{show}"
    );
}

#[tokio::test]
async fn one_of_one_safe_executes_at_once_with_private_key_and_account() {
    let net = Net::deploy("riverside.toml");
    // --private-key: works, with cast's warning; a 1-of-1 Safe's owner executes at once.
    let key = net.key(0);
    let args = [
        "treasury",
        "set-budget",
        "dao",
        "70ether",
        "--via-safe",
        "--private-key",
        &key,
        "--json",
    ];
    let out = net.output(&args);
    succeeded(&args, &out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: --private-key is unsafe"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["status"], "success");
    assert!(v["safe_tx_hash"].is_string() && v["tx"].is_string() && v["block"].is_u64());
    assert!(
        v["events"]
            .as_array()
            .expect("events")
            .iter()
            .any(|e| e.as_str().is_some_and(|e| e.starts_with("BudgetSet("))),
        "{v}"
    );
    assert!(
        !net.dir.path().join("safe-tx").exists(),
        "nothing left pending"
    );
    let budget = net.json(&["treasury", "status", "--cell", "dao"]);
    assert_eq!(
        budget["budgets"][0]["amount"],
        (70 * ETHER).to_string().as_str()
    );

    // --account NAME: a Foundry keystore in ~/.foundry/keystores.
    let home = tempfile::tempdir().expect("home");
    let keystores = home.path().join(".foundry/keystores");
    std::fs::create_dir_all(&keystores).expect("keystores");
    alloy::signers::local::PrivateKeySigner::encrypt_keystore(
        &keystores,
        &mut rand::thread_rng(),
        net.anvil.keys()[0].to_bytes(),
        "hunter2",
        Some("alice"),
    )
    .expect("keystore");
    let password = home.path().join("pw");
    std::fs::write(&password, "hunter2\n").expect("password");
    let pw = password.display().to_string();
    let args = [
        "treasury",
        "freeze",
        "operations",
        "--via-safe",
        "--account",
        "alice",
        "--password-file",
        &pw,
    ];
    succeeded(
        &args,
        &net.cmd(&args)
            .env("HOME", home.path())
            .output()
            .expect("daoctl runs"),
    );
    let ops = net.json(&["treasury", "status", "--cell", "operations"]);
    assert_eq!(ops["budgets"][0]["frozen"], true);
    std::fs::write(&password, "wrong\n").expect("password");
    let out = net
        .cmd(&args)
        .env("HOME", home.path())
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open keystore"));
    let out = net
        .cmd(&["state", "--account", "bob"])
        .env("HOME", home.path())
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--account bob: no keystore"));
    // FOUNDRY_KEYSTORES_DIR (as cast reads it) is where --account looks when it is set.
    let elsewhere = tempfile::tempdir().expect("keystores dir");
    alloy::signers::local::PrivateKeySigner::encrypt_keystore(
        elsewhere.path(),
        &mut rand::thread_rng(),
        net.anvil.keys()[7].to_bytes(),
        "hunter2",
        Some("carol"),
    )
    .expect("keystore");
    std::fs::write(&password, "hunter2\n").expect("password");
    let args = [
        "role",
        "claim",
        "events.contributor",
        "--account",
        "carol",
        "--password-file",
        &pw,
    ];
    let out = net
        .cmd(&args)
        .env("HOME", home.path())
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--account carol: no keystore"),
        "not in ~/.foundry/keystores"
    );
    succeeded(
        &args,
        &net.cmd(&args)
            .env("HOME", home.path())
            .env("FOUNDRY_KEYSTORES_DIR", elsewhere.path())
            .output()
            .expect("daoctl runs"),
    );
    let role = net.json(&["role", "show", "events.contributor"]);
    assert!(
        role.to_string()
            .contains(&net.anvil.addresses()[7].to_string()),
        "carol (anvil:7) claimed it: {role}"
    );

    // Every write prints its result as JSON with --json.
    let v = net.json(&["role", "claim", "events.contributor", "--dev-account", "6"]);
    assert_eq!(v["status"], "success");
    assert!(v["tx"].is_string() && v["gas_used"].as_u64().is_some_and(|g| g > 0));
    assert!(v.get("safe_tx_hash").is_none());
    // A command with its own output carries its transactions along.
    let v = net.json(&[
        "cell",
        "state",
        "set",
        "events",
        "charter",
        "ipfs://v2",
        "--dev-account",
        "4",
    ]);
    assert_eq!(v["version"], 1);
    assert_eq!(v["transactions"][0]["status"], "success");
}

#[tokio::test]
async fn governor_timing_errors_say_when_and_wait_waits() {
    let net = Net::deploy("council.toml");
    let id = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "assembly",
        "--description",
        "charter",
        "--set-state",
        "charter=ipfs://c",
        "--dev-account",
        "3",
    ]);
    let err = net.fails(&["proposal", "vote", &id, "for", "--dev-account", "3"]);
    assert!(
        err.contains("current Pending")
            && err.contains("voting opens at block")
            && err.contains("--wait"),
        "{err}"
    );
    // --wait: the vote goes through once the chain reaches the block (mined here meanwhile).
    let vote = net
        .cmd(&[
            "proposal",
            "vote",
            &id,
            "for",
            "--wait",
            "--dev-account",
            "3",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("daoctl runs");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    net.mine(2).await;
    let out = vote.wait_with_output().expect("waits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("waiting for block"), "{stderr}");
    net.ok(&["proposal", "vote", &id, "for", "--dev-account", "4"]);
    net.mine(6).await;
    let err = net.fails(&["proposal", "execute", &id, "--dev-account", "3"]);
    assert!(
        err.contains("current Succeeded") && err.contains("executable from block"),
        "{err}"
    );
    let exec = net
        .cmd(&["proposal", "execute", &id, "--wait", "--dev-account", "3"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("daoctl runs");
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    net.mine(6).await;
    let out = exec.wait_with_output().expect("waits");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(net.json(&["proposal", "show", &id])["state"], "executed");
    // Too late for the Safe to veto: refused before any owner signs, and said so.
    let err = net.fails(&["proposal", "veto", &id, "--via-safe", "--dev-account", "7"]);
    assert!(
        err.contains("through the Safe") && err.contains("the proposal is final"),
        "{err}"
    );
}
