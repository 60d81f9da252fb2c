//! End-to-end: the daoctl binary against a fresh anvil per test, with the example DAO deployed.
//! Every command family, including failures: the wrong key, unauthorised actions (decoded error
//! text), a malformed design, a deployment killed halfway, a re-run after success.
mod common;

use alloy::{
    primitives::{U64, U256},
    providers::{Provider, ProviderBuilder},
};
use common::{Net, anvil_with, example, root};
use serde_json::Value;
use std::process::Command;

#[tokio::test]
async fn deploy_is_resumable_and_idempotent() {
    let net = Net::empty();
    let design = example("riverside.toml");
    // Killed halfway: the 6th DAO transaction is sent, then the process stops before its receipt.
    let out = net
        .cmd(&["deploy", &design, "--dev-account", "0"])
        .env("DAO_DEPLOY_STOP_AFTER", "6")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("run again to resume"));
    let resumed = net.output(&["deploy", &design, "--dev-account", "0"]);
    assert!(resumed.status.success());
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(
        stderr.contains("confirmed from the earlier run"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("dao.create"),
        "nothing before the kill is redone: {stderr}"
    );
    // Exactly the design's five cells exist: nothing was deployed twice.
    let cells = net.json(&["cell", "list"]);
    assert_eq!(cells.as_array().expect("array").len(), 5);

    // A re-run after success sends nothing.
    let nonce = net.nonce(0).await;
    let again = net.ok(&["deploy", &design, "--dev-account", "0"]);
    assert!(again.contains("up to date"), "{again}");
    assert_eq!(net.nonce(0).await, nonce);

    // The dry run on a deployed chain plans nothing either.
    let plan = net.ok(&["deploy", &design, "--dry-run", "--dev-account", "0"]);
    assert!(plan.contains("up to date"), "{plan}");

    // An edited design is never "up to date": deploy refuses, says why and what to do, sends nothing.
    let edited = net.write(
        "riverside.toml",
        &std::fs::read_to_string(&design)
            .expect("read")
            .replace("amount = \"50 ether\"", "amount = \"70 ether\""),
    );
    for args in [
        vec!["deploy", edited.as_str(), "--dev-account", "0"],
        vec!["deploy", edited.as_str(), "--dry-run", "--dev-account", "0"],
    ] {
        let out = net.output(&args);
        assert!(!out.status.success(), "{args:?} accepted an edited design");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("the design file changed since the DAO `riverside` was deployed")
                && err.contains("another dao.name"),
            "{err}"
        );
    }
    assert_eq!(
        net.nonce(0).await,
        nonce,
        "nothing sent for an edited design"
    );
}

#[tokio::test]
async fn malformed_designs_name_the_field() {
    let net = Net::empty();
    let bad = net.write(
        "bad.toml",
        "[dao]\nname = \"x\"\ngovernance = { address = \"anvil:0\" }\n\n[[cells]]\nkey = \"a\"\nname = \"A\"\nadmin = \"anvil:1\"\n\n[[cells]]\nkey = \"b\"\nname = \"B\"\nadmin = \"anvil:1\"\n\n[[cells]]\nkey = \"c\"\nname = \"C\"\nadmin = \"anvil:1\"\n[cells.roles.member]\nmax_supply = \"lots\"\n",
    );
    let err = net.fails(&["deploy", &bad, "--dev-account", "0"]);
    assert!(
        err.contains("cells[2].roles.member.max_supply: expected an integer"),
        "{err}"
    );
    let typo = net.write(
        "typo.toml",
        "[dao]\nname = \"x\"\ngovernence = { address = \"anvil:0\" }\n",
    );
    let err = net.fails(&["deploy", &typo, "--dev-account", "0"]);
    assert!(
        err.contains("dao.governence: unknown field `governence`"),
        "{err}"
    );
    assert_eq!(net.nonce(0).await, 0, "nothing sent for a bad design");
}

#[tokio::test]
async fn keys_wrong_missing_and_dev_accounts_off_devnets() {
    let net = Net::deploy("riverside.toml");
    let err = net.fails(&["role", "claim", "events.contributor"]);
    assert!(err.contains("no key"), "{err}");
    let err = net
        .cmd(&["role", "claim", "events.contributor"])
        .env("DAOCTL_PRIVATE_KEY", "0x1234")
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&err.stderr).contains("is not a hex private key"));
    // A keystore with the wrong password.
    let ks = net.write(
        "ks.json",
        r#"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"00000000000000000000000000000000"},"ciphertext":"00","kdf":"scrypt","kdfparams":{"dklen":32,"n":2,"p":1,"r":8,"salt":"00"},"mac":"00"},"id":"00000000-0000-0000-0000-000000000000","version":3}"#,
    );
    let pw = net.write("pw", "wrong\n");
    let err = net.fails(&[
        "role",
        "claim",
        "events.contributor",
        "--keystore",
        &ks,
        "--password-file",
        &pw,
    ]);
    assert!(err.contains("cannot open keystore"), "{err}");
    // The wrong key: a dev account with no authority over the cell.
    let err = net.fails(&[
        "cell",
        "phase",
        "engineering",
        "organization",
        "--dev-account",
        "6",
    ]);
    assert!(
        err.contains(
            "NotCellAuthority(account 0x976EA74026E726554dB657fA54763abd0C3a0aa9, cell 3)"
        ),
        "{err}"
    );

    let mainnet_like = anvil_with(&["--chain-id", "10"]);
    let out = net
        .cmd_via(
            &mainnet_like.endpoint(),
            &["role", "claim", "1.1", "--dev-account", "0"],
        )
        .output()
        .expect("runs");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--dev-account works only on a dev chain")
    );
}

#[tokio::test]
async fn roles_claim_mint_revoke_renounce_transfer() {
    let net = Net::deploy("riverside.toml");
    net.ok(&["role", "claim", "events.contributor", "--dev-account", "6"]);
    let role = net.json(&["role", "show", "events.contributor"]);
    assert_eq!(role["wearers"], serde_json::json!([net.account(6)]));
    let err = net.fails(&["role", "claim", "events.contributor", "--dev-account", "6"]);
    assert!(err.contains("AlreadyWearing"), "{err}");
    // Minting needs admin authority: events' admin (4) may, a contributor may not.
    let err = net.fails(&[
        "role",
        "mint",
        "events.member",
        &net.account(7),
        "--dev-account",
        "6",
    ]);
    assert!(
        err.contains("NotAdmin(account 0x976EA74026E726554dB657fA54763abd0C3a0aa9, role 5.1)"),
        "{err}"
    );
    net.ok(&[
        "role",
        "mint",
        "events.member",
        &net.account(7),
        "--dev-account",
        "4",
    ]);
    net.ok(&[
        "role",
        "transfer",
        "events.member",
        &net.account(7),
        &net.account(8),
        "--dev-account",
        "4",
    ]);
    net.ok(&[
        "role",
        "revoke",
        "events.member",
        &net.account(8),
        "--dev-account",
        "4",
    ]);
    net.ok(&[
        "role",
        "renounce",
        "events.contributor",
        "--dev-account",
        "6",
    ]);
    let roles = net.json(&["role", "list", "events"]);
    let names: Vec<&str> = roles
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["events.admin", "events.member", "events.contributor"]
    );
    assert_eq!(roles[1]["wearers"], serde_json::json!([net.account(4)]));
    assert_eq!(roles[2]["wearers"], serde_json::json!([]));
    // Indexed: the renounce (its only log the ERC-1155 burn) ends the grant in the fold, and the
    // audit judges the claim, mint, transfer, revoke and renounce above as authorised.
    net.ok(&["index"]);
    let role = net.json(&["role", "show", "events.contributor"]);
    assert_eq!(role["wearers"], serde_json::json!([]));
    let out = net.ok(&["audit"]);
    assert!(out.contains("no discrepancy"), "{out}");
}

#[tokio::test]
async fn cells_phase_state_decisions_partnerships() {
    let net = Net::deploy("riverside.toml");
    let cells = net.json(&["cell", "list"]);
    assert_eq!(cells[0]["key"], "dao");
    assert_eq!(cells[0]["scale"], "constituency");
    net.ok(&[
        "cell",
        "phase",
        "events",
        "organization",
        "--dev-account",
        "4",
    ]);
    let err = net.fails(&["cell", "phase", "events", "dissolved", "--dev-account", "6"]);
    assert!(err.contains("NotCellAuthority"), "{err}");
    net.ok(&[
        "cell",
        "state",
        "set",
        "events",
        "charter",
        "ipfs://v1",
        "--dev-account",
        "4",
    ]);
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
    assert_eq!(v["version"], 2);
    net.ok(&[
        "cell",
        "decision",
        "record",
        "events",
        "--ref",
        "venue",
        "--uri",
        "ipfs://minutes",
        "--dev-account",
        "4",
    ]);
    let show = net.json(&["cell", "show", "events"]);
    assert_eq!(show["phase"], "organization");
    assert_eq!(show["decisions"], 1);
    assert_eq!(show["state"][0]["uri"], "ipfs://v2");
    let created = net.json(&[
        "cell",
        "create",
        "--parent",
        "engineering",
        "--name",
        "Research",
        "--dev-account",
        "2",
    ]);
    assert_eq!(created["cell"], "6");
    let p = net.json(&[
        "cell",
        "partnership",
        "propose",
        "events",
        "--with-cell",
        "engineering",
        "--terms-uri",
        "ipfs://terms",
        "--dev-account",
        "4",
    ]);
    let id = p["partnership"].as_str().expect("id").to_owned();
    let err = net.fails(&["cell", "partnership", "accept", &id, "--dev-account", "4"]);
    assert!(err.contains("NotCellAuthority"), "{err}");
    net.ok(&["cell", "partnership", "accept", &id, "--dev-account", "2"]);
    assert_eq!(
        net.json(&["cell", "partnership", "show", &id])["status"],
        "active"
    );
}

#[tokio::test]
async fn proposals_vote_sign_execute_veto_cancel() {
    let net = Net::deploy("riverside.toml");
    let id = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "community",
        "--description",
        "fund events",
        "--set-budget",
        "events=2ether",
        "--allocate",
        "events=1ether",
        "--dev-account",
        "3",
    ]);
    let err = net.fails(&[
        "proposal",
        "create",
        "--cell",
        "community",
        "--description",
        "x",
        "--spend",
        &format!("{}=1ether", net.account(6)),
        "--dev-account",
        "6",
    ]);
    assert!(err.contains("NotAllowedToPropose"), "{err}");
    net.mine(2).await;
    net.ok(&["proposal", "vote", &id, "for", "--dev-account", "3"]);
    let err = net.fails(&["proposal", "vote", &id, "for", "--dev-account", "3"]);
    assert!(err.contains("AlreadyVoted"), "{err}");
    let ballot = net.ok(&["proposal", "sign", &id, "for", "--dev-account", "4"]);
    let file = net.write("ballot.json", &ballot);
    net.ok(&["proposal", "submit-vote", &file, "--dev-account", "0"]);
    net.mine(6).await;
    let show = net.json(&["proposal", "show", &id]);
    assert_eq!(show["state"], "succeeded");
    assert_eq!(show["votes"]["for"], "2");
    let err = net.fails(&["proposal", "execute", &id, "--dev-account", "3"]);
    assert!(
        err.contains("UnexpectedState") && err.contains("current Succeeded"),
        "{err}"
    );
    net.mine(6).await;
    net.ok(&["proposal", "execute", &id, "--dev-account", "3"]);
    let budget = net.json(&["treasury", "status", "--cell", "events"]);
    assert_eq!(budget["budgets"][0]["received"], "1000000000000000000");

    // A bad one: vetoed by the parent (operations' admin), not by a member.
    let bad = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "community",
        "--description",
        "drain",
        "--spend",
        &format!("{}=5ether", net.account(3)),
        "--dev-account",
        "3",
    ]);
    net.mine(2).await;
    net.ok(&["proposal", "vote", &bad, "for", "--dev-account", "3"]);
    net.ok(&["proposal", "vote", &bad, "for", "--dev-account", "4"]);
    net.mine(6).await;
    let err = net.fails(&["proposal", "veto", &bad, "--dev-account", "5"]);
    assert!(
        err.contains(
            "NotParentAdmin(account 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc, proposal 0x"
        ),
        "{err}"
    );
    net.ok(&["proposal", "veto", &bad, "--dev-account", "1"]);
    assert_eq!(net.json(&["proposal", "show", &bad])["state"], "vetoed");

    // Cancel while pending: the proposer.
    let third = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "community",
        "--description",
        "oops",
        "--set-state",
        "charter=ipfs://c",
        "--dev-account",
        "5",
    ]);
    let err = net.fails(&["proposal", "cancel", &third, "--dev-account", "4"]);
    assert!(
        err.contains("NotParentAdmin(account 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65"),
        "{err}"
    );
    net.ok(&["proposal", "cancel", &third, "--dev-account", "5"]);
    let list = net.json(&["proposal", "list", "--cell", "community"]);
    let states: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["state"].as_str())
        .collect();
    assert_eq!(states, ["executed", "vetoed", "canceled"]);

    // The whole history (direct and signed votes, an execution, a veto, a cancel) judges clean
    // under the network rules: no false positive, and the votes and the execution were judged.
    let audit = net.json(&["audit"]);
    let findings = audit["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    assert_eq!(audit["network"]["votes"], 4, "{}", audit["network"]);
    assert_eq!(audit["network"]["executions"], 1, "{}", audit["network"]);
}

/// Batched signed ballots: members sign keyed ballots (with reasons) on two proposals, in any order;
/// one batch counts them, skips a non-member's and a canceled one, and a replay counts nothing.
#[tokio::test]
async fn proposals_submit_votes_batch() {
    let net = Net::deploy("riverside.toml");
    let create = |desc: &str, key: &str| {
        net.ok(&[
            "proposal",
            "create",
            "--cell",
            "community",
            "--description",
            desc,
            "--set-state",
            &format!("{key}=ipfs://{key}"),
            "--dev-account",
            "3",
        ])
    };
    let first = create("first", "a");
    let second = create("second", "b");
    net.mine(1).await;
    let sign = |id: &str, support: &str, account: &str, reason: &str, name: &str| {
        let b = net.ok(&[
            "proposal",
            "sign",
            id,
            support,
            "--reason",
            reason,
            "--dev-account",
            account,
        ]);
        net.write(name, &b)
    };
    // Signed second-proposal-first: keyed nonces make the order irrelevant.
    let b4_second = sign(&second, "against", "4", "not now", "b4-second.json");
    let b3 = sign(&first, "for", "3", "good", "b3.json");
    let b4 = sign(&first, "for", "4", "fine", "b4.json");
    let b5 = sign(&first, "for", "5", "", "b5.json");
    let b6 = sign(&first, "for", "6", "outsider", "b6.json");
    // Account 5 cancels its pending ballot on the first proposal.
    net.ok(&["proposal", "cancel-ballot", &first, "--dev-account", "5"]);
    let out = net.json(&[
        "proposal",
        "submit-votes",
        &b3,
        &b4,
        &b5,
        &b6,
        &b4_second,
        "--dev-account",
        "0",
    ]);
    assert_eq!(out["counted"], 3, "{out}");
    let statuses: Vec<&str> = out["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .filter_map(|s| s["status"].as_str())
        .collect();
    assert_eq!(statuses, ["StaleNonce", "NotEligible"], "{out}");
    let reasons: Vec<&str> = out["votes"]
        .as_array()
        .expect("votes")
        .iter()
        .filter_map(|v| v["reason"].as_str())
        .collect();
    assert_eq!(reasons, ["good", "fine", "not now"], "{out}");
    // A replay counts nothing and sends nothing.
    let err = net.fails(&["proposal", "submit-votes", &b3, &b4, "--dev-account", "0"]);
    assert!(err.contains("none of the 2 ballots would count"), "{err}");
    // `relay DIR --once`: the second proposal's ballots in a folder, two per batch.
    let inbox = net.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).expect("inbox");
    sign(&second, "for", "3", "relayed", "inbox/a.json");
    sign(&second, "for", "5", "", "inbox/b.json");
    sign(&second, "for", "4", "", "inbox/c.json"); // already voted: skipped
    net.ok(&[
        "proposal",
        "relay",
        &inbox.display().to_string(),
        "--batch",
        "2",
        "--once",
        "--dev-account",
        "0",
    ]);
    assert!(inbox.join("submitted/a.json").exists());
    assert!(inbox.join("failed/c.json").exists());
    assert!(!inbox.join("a.json").exists());
    // Account 5 may still vote directly.
    net.ok(&["proposal", "vote", &first, "for", "--dev-account", "5"]);
    let show = net.json(&["proposal", "show", &first]);
    assert_eq!(show["votes"]["for"], "3");
    let show = net.json(&["proposal", "show", &second]);
    assert_eq!(show["votes"]["against"], "1");
    assert_eq!(show["votes"]["for"], "2");
}

#[tokio::test]
async fn treasury_and_tasks() {
    let net = Net::deploy("riverside.toml");
    // The operations treasurer (2) hands budget down and spends; a stranger cannot.
    net.ok(&[
        "treasury",
        "allocate",
        "operations",
        "engineering",
        "1ether",
        "--dev-account",
        "2",
    ]);
    let before = net.balance(9).await;
    net.ok(&[
        "treasury",
        "spend",
        "operations",
        &net.account(9),
        "0.5ether",
        "--memo",
        "ipfs://invoice",
        "--dev-account",
        "2",
    ]);
    assert_eq!(
        net.balance(9).await - before,
        U256::from(500_000_000_000_000_000u64)
    );
    let err = net.fails(&[
        "treasury",
        "spend",
        "operations",
        &net.account(6),
        "1ether",
        "--dev-account",
        "6",
    ]);
    assert!(
        err.contains("NotCellAuthority") || err.contains("NotCellAdmin"),
        "{err}"
    );
    let err = net.fails(&[
        "treasury",
        "spend",
        "engineering",
        &net.account(6),
        "100ether",
        "--dev-account",
        "2",
    ]);
    assert!(err.contains("InsufficientBudget"), "{err}");
    // Freeze and claw back: the parent's admin (operations' admin, 1).
    net.ok(&["treasury", "freeze", "engineering", "--dev-account", "1"]);
    let err = net.fails(&[
        "treasury",
        "spend",
        "engineering",
        &net.account(6),
        "1ether",
        "--dev-account",
        "2",
    ]);
    assert!(err.contains("CellFrozen(cell 3)"), "{err}");
    net.ok(&[
        "treasury",
        "freeze",
        "engineering",
        "--unfreeze",
        "--dev-account",
        "1",
    ]);
    net.ok(&[
        "treasury",
        "clawback",
        "engineering",
        "1ether",
        "--dev-account",
        "1",
    ]);
    let err = net.fails(&[
        "treasury",
        "set-budget",
        "operations",
        "40ether",
        "--dev-account",
        "1",
    ]);
    assert!(err.contains("NotParentAdmin"), "{err}");
    let status = net.json(&["treasury", "status"]);
    assert_eq!(status["budgets"].as_array().expect("array").len(), 5);

    // Tasks in engineering (admin 2): create, claim, submit, reject, resubmit, approve; cancel.
    let task = net.ok(&[
        "task",
        "create",
        "--cell",
        "engineering",
        "--spec-uri",
        "ipfs://spec",
        "--bounty",
        "0.2ether",
        "--dev-account",
        "2",
    ]);
    let err = net.fails(&[
        "task",
        "create",
        "--cell",
        "engineering",
        "--spec-uri",
        "x",
        "--bounty",
        "1ether",
        "--dev-account",
        "6",
    ]);
    assert!(err.contains("NotCellAdmin"), "{err}");
    net.ok(&["task", "claim", &task, "--dev-account", "6"]);
    net.ok(&["task", "submit", &task, "ipfs://work", "--dev-account", "6"]);
    net.ok(&[
        "task",
        "reject",
        &task,
        "--reason",
        "needs tests",
        "--dev-account",
        "2",
    ]);
    let err = net.fails(&[
        "task",
        "submit",
        &task,
        "ipfs://work2",
        "--dev-account",
        "7",
    ]);
    assert!(err.contains("NotClaimant"), "{err}");
    net.ok(&[
        "task",
        "submit",
        &task,
        "ipfs://work2",
        "--dev-account",
        "6",
    ]);
    let before = net.balance(6).await;
    net.ok(&["task", "approve", &task, "--dev-account", "2"]);
    assert_eq!(
        net.balance(6).await - before,
        U256::from(200_000_000_000_000_000u64)
    );
    let other = net.ok(&[
        "task",
        "create",
        "--cell",
        "engineering",
        "--spec-uri",
        "ipfs://s2",
        "--bounty",
        "0.1ether",
        "--dev-account",
        "2",
    ]);
    net.ok(&["task", "cancel", &other, "--dev-account", "2"]);
    let tasks = net.json(&["task", "list", "--cell", "engineering"]);
    let states: Vec<&str> = tasks
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|t| t["status"].as_str())
        .collect();
    assert_eq!(states, ["paid", "cancelled"]);
}

#[tokio::test]
async fn state_reads_the_whole_tree_live() {
    let net = Net::deploy("riverside.toml");
    let state = net.json(&["state"]);
    let cells = state["cells"].as_array().expect("cells");
    let keys: Vec<&str> = cells.iter().filter_map(|c| c["key"].as_str()).collect();
    assert_eq!(
        keys,
        ["dao", "operations", "engineering", "community", "events"]
    );
    assert!(
        cells[0]["run_by"]
            .as_str()
            .expect("run_by")
            .starts_with("community governance (Safe")
    );
    assert!(
        cells[3]["run_by"]
            .as_str()
            .expect("run_by")
            .starts_with("vote-run")
    );
    assert_eq!(cells[1]["budget"]["received"], "20000000000000000000");
    assert_eq!(state["safe_balance"], "100000000000000000000");
    let human = net.ok(&["state"]);
    assert!(human.contains("■ Events [events] 5"), "{human}");
}

/// `daoctl design check` validates offline: the examples pass with a summary; a design breaking a
/// rule the contracts enforce exits non-zero naming the field, before any chain is involved.
#[test]
fn design_check_validates_offline() {
    let daoctl = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_daoctl"))
            .args(args)
            .env("DAOCTL_RPC_URL", "http://127.0.0.1:1") // no chain: nothing may be asked of one
            .output()
            .expect("runs")
    };
    let good = root().join("examples/riverside.toml");
    let out = daoctl(&["design", "check", good.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("ok: ") && text.contains("4 cells (1 vote-run)"),
        "{text}"
    );
    let json = daoctl(&["design", "check", good.to_str().expect("utf-8"), "--json"]);
    let summary: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(summary["dao"], "riverside");

    let dir = tempfile::tempdir().expect("tmp");
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&good)
            .expect("read")
            .replace("period = \"30d\"", "period = \"59m\""),
    )
    .expect("write");
    let out = daoctl(&["design", "check", bad.to_str().expect("utf-8")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dao.budgets[0].period: expected a period of at least an hour (3600 s)"),
        "{err}"
    );
}

/// A record is checked against the chain before it is used: pointed at another chain with the same
/// chain id (a fresh one, or one where another DAO sits at the same addresses), every command that
/// reads the record refuses with an error saying so, instead of showing another DAO's cells.
#[tokio::test]
async fn a_record_of_another_chain_with_the_same_id_is_refused() {
    let riverside = Net::deploy("riverside.toml");
    // Same chain id (31337), nothing deployed: the recorded contracts have no code.
    let fresh = Net::empty();
    let run_against = |other: &Net, args: &[&str]| {
        let out = riverside
            .cmd_via(&other.anvil.endpoint(), args)
            .output()
            .expect("runs");
        assert!(!out.status.success(), "{args:?} trusted a foreign record");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    for args in [
        &["state"][..],
        &["cell", "list"],
        &["role", "show", "events.contributor"],
    ] {
        let err = run_against(&fresh, args);
        assert!(
            err.contains("deployment record of `riverside`")
                && err.contains("has no code on this chain"),
            "{args:?}: {err}"
        );
    }
    // Same chain id, the same core contracts and another DAO at the same id: the DAO's creating
    // transaction is not this chain's.
    let other = Net::empty();
    let out = other.ok(&["deploy", &example("riverside.toml"), "--dev-account", "1"]);
    assert!(out.contains("deployed:"), "{out}");
    let err = run_against(&other, &["state"]);
    assert!(
        err.contains("the record describes another chain with the same chain id"),
        "{err}"
    );
    // The record's own chain is still trusted.
    assert!(riverside.ok(&["cell", "list"]).contains("events"));
}

/// `deploy --dry-run` runs the deployment on a fork as the real sender and prints one plan (text or
/// JSON); a plan with a step that would fail exits non-zero naming it; without a sender it refuses.
#[tokio::test]
async fn dry_run_simulates_as_the_sender_and_fails_when_a_step_would() {
    let net = Net::empty();
    let design = example("riverside.toml");
    let err = net.fails(&["deploy", &design, "--dry-run"]);
    assert!(
        err.contains("give that key (it signs nothing) or --from ADDRESS"),
        "{err}"
    );

    let from = net.account(0);
    let plan = net.json(&["deploy", &design, "--dry-run", "--from", &from]);
    assert_eq!(plan["sender"].as_str().expect("sender"), from);
    let steps = plan["steps"].as_array().expect("steps");
    assert!(steps.iter().any(|s| s["id"] == "dao.create"), "{plan}");
    let total: u64 = steps.iter().map(|s| s["gas"].as_u64().expect("gas")).sum();
    assert_eq!(plan["total_gas"].as_u64(), Some(total));
    assert_eq!(net.nonce(0).await, 0, "a dry run sends nothing");

    // A governor token with no code: CellGovernor refuses the settings on the fork, so the dry run
    // fails and says which step.
    let bad = net.write(
        "bad.toml",
        &std::fs::read_to_string(&design).expect("read").replace(
            "electorate = \"members\"",
            "electorate = \"token\"\ntoken = \"0x000000000000000000000000000000000000dEaD\"",
        ),
    );
    let err = net.fails(&["deploy", &bad, "--dry-run", "--dev-account", "0"]);
    assert!(
        err.contains("dry run: the deployment would not complete")
            && err.contains("token has no code"),
        "{err}"
    );
    assert_eq!(net.nonce(0).await, 0);
}

#[tokio::test]
async fn streams_open_claim_close() {
    let net = Net::deploy("riverside.toml");
    // Engineering (admin 2, member 2) streams 7 ETH a week to each wearer of its member role.
    let id = net.open_engineering_stream();
    // A stranger cannot open one.
    let err = net.fails(&[
        "stream",
        "open",
        "--cell",
        "engineering",
        "--role",
        "engineering.member",
        "--amount",
        "1ether",
        "--dev-account",
        "6",
    ]);
    assert!(err.contains("NotCellAdmin"), "{err}");
    let list = net.json(&["stream", "list", "--cell", "engineering"]);
    assert_eq!(list.as_array().expect("array").len(), 1);
    assert_eq!(list[0]["role"], "engineering.member");

    // A day later account 2 is owed 1 ETH; anyone claims it for them.
    let p = ProviderBuilder::new().connect_http(net.anvil.endpoint_url());
    let _: Value = p
        .raw_request("evm_increaseTime".into(), (U64::from(86_400u64),))
        .await
        .expect("evm_increaseTime");
    net.mine(1).await;
    let shown = net.json(&["stream", "show", &id, "--wearer", &net.account(2)]);
    let owed: U256 = shown["claimable"]
        .as_str()
        .expect("claimable")
        .parse()
        .expect("U256");
    assert!(owed >= U256::from(10u64).pow(U256::from(18u64)), "{owed}");
    let before = net.balance(2).await;
    let claimed = net.json(&[
        "stream",
        "claim",
        &id,
        "--wearer",
        &net.account(2),
        "--dev-account",
        "7",
    ]);
    let paid: U256 = claimed["paid"]
        .as_str()
        .expect("paid")
        .parse()
        .expect("U256");
    assert!(paid >= owed, "{paid} < {owed}");
    assert_eq!(net.balance(2).await - before, paid);

    // Closing: not a stranger; the cell's admin can.
    let err = net.fails(&["stream", "close", &id, "--dev-account", "6"]);
    assert!(err.contains("NotStreamCloser"), "{err}");
    net.ok(&["stream", "close", &id, "--dev-account", "2"]);
    let shown = net.json(&["stream", "show", &id]);
    assert_eq!(shown["closed"], true);

    // The audit re-derives the payment from the grant times, the rate and the window: clean.
    let audit = net.json(&["audit"]);
    let findings = audit["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["severity"] != "error"),
        "{findings:#?}"
    );
    assert_eq!(audit["network"]["stream_claims"], 1, "{}", audit["network"]);
}

/// Every read command prints the same bytes from the index (the default) and from the chain
/// (`--live`), as text and as `--json`, over a DAO with an executed and an open proposal, a
/// recorded decision, a state document, a claimed role, a budget handed down, a submitted task,
/// a stream and a partnership. `--indexed` (the default, kept for scripts) prints the same.
#[tokio::test]
async fn every_read_is_the_same_live_and_indexed() {
    let net = Net::deploy("riverside.toml");
    let executed = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "community",
        "--description",
        "fund events",
        "--set-budget",
        "events=2ether",
        "--allocate",
        "events=1ether",
        "--dev-account",
        "3",
    ]);
    net.mine(2).await;
    net.ok(&["proposal", "vote", &executed, "for", "--dev-account", "3"]);
    net.ok(&[
        "proposal",
        "vote",
        &executed,
        "against",
        "--dev-account",
        "4",
    ]);
    net.ok(&["proposal", "vote", &executed, "for", "--dev-account", "5"]);
    net.mine(8).await;
    net.ok(&["proposal", "execute", &executed, "--dev-account", "3"]);
    let open = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "community",
        "--description",
        "still voting",
        "--spend",
        &format!("{}=1ether", net.account(6)),
        "--dev-account",
        "3",
    ]);
    net.ok(&["role", "claim", "events.contributor", "--dev-account", "6"]);
    net.ok(&[
        "cell",
        "decision",
        "record",
        "events",
        "--ref",
        "meetup",
        "--uri",
        "ipfs://minutes",
        "--dev-account",
        "4",
    ]);
    net.ok(&[
        "cell",
        "state",
        "set",
        "events",
        "charter",
        "ipfs://charter-v2",
        "--dev-account",
        "4",
    ]);
    net.ok(&[
        "treasury",
        "allocate",
        "operations",
        "engineering",
        "1ether",
        "--dev-account",
        "2",
    ]);
    let task = net.ok(&[
        "task",
        "create",
        "--cell",
        "engineering",
        "--spec-uri",
        "ipfs://spec",
        "--bounty",
        "0.2ether",
        "--deadline-days",
        "3",
        "--dev-account",
        "2",
    ]);
    net.ok(&["task", "claim", &task, "--dev-account", "6"]);
    net.ok(&["task", "submit", &task, "ipfs://done", "--dev-account", "6"]);
    let stream = net.open_engineering_stream();
    let partnership = net.json(&[
        "cell",
        "partnership",
        "propose",
        "events",
        "--with-cell",
        "engineering",
        "--terms-uri",
        "ipfs://terms",
        "--dev-account",
        "4",
    ])["partnership"]
        .as_str()
        .expect("partnership id")
        .to_owned();
    net.ok(&[
        "cell",
        "partnership",
        "accept",
        &partnership,
        "--dev-account",
        "2",
    ]);
    let wearer = net.account(2);

    let reads: Vec<(Vec<&str>, &str)> = vec![
        (vec!["state"], "decision #1: fund events"),
        (vec!["role", "list", "events"], "events.contributor"),
        (vec!["role", "show", "events.contributor"], "supply 1/"),
        (vec!["proposal", "list"], "still voting"),
        (vec!["proposal", "list", "--cell", "community"], "executed"),
        (vec!["proposal", "show", &executed], "against 1"),
        (vec!["proposal", "show", &open], "still voting"),
        (vec!["cell", "list"], "engineering"),
        (vec!["cell", "show", "events"], "ipfs://charter-v2"),
        (
            vec!["cell", "partnership", "show", &partnership],
            "active  ipfs://terms",
        ),
        (vec!["task", "list"], "submitted"),
        (vec!["task", "list", "--cell", "events"], "TASK"),
        (vec!["task", "show", &task], "submitted"),
        (vec!["stream", "list"], "engineering.member"),
        (vec!["stream", "list", "--cell", "engineering"], "7 ETH"),
        (vec!["stream", "show", &stream], "7 ETH per 7 days"),
        (
            vec!["stream", "show", &stream, "--wearer", &wearer],
            "may claim",
        ),
        (vec!["treasury", "status"], "HANDED DOWN"),
        (
            vec!["treasury", "status", "--cell", "engineering"],
            "0.2 ETH",
        ),
    ];
    for (args, expect) in &reads {
        let indexed = net.ok(args);
        let live = net.ok(&[args.as_slice(), &["--live"]].concat());
        assert_eq!(indexed, live, "daoctl {args:?}: indexed = live");
        assert!(
            indexed.contains(expect),
            "daoctl {args:?} shows `{expect}`:\n{indexed}"
        );
        let indexed = net.ok(&[args.as_slice(), &["--json"]].concat());
        let live = net.ok(&[args.as_slice(), &["--json", "--live"]].concat());
        assert_eq!(indexed, live, "daoctl {args:?} --json: indexed = live");
        serde_json::from_str::<Value>(&indexed).expect("valid JSON");
        let alias = net.ok(&[args.as_slice(), &["--json", "--indexed"]].concat());
        assert_eq!(alias, indexed, "daoctl {args:?} --indexed is the default");
    }
    // What does not exist is an error naming it, the same from either source.
    for (args, expect) in [
        (
            &["cell", "partnership", "show", "99"][..],
            "partnership 99: PartnershipNotFound",
        ),
        (&["task", "show", "99"], "no task 99 on the task board"),
        (&["stream", "show", "99"], "stream 99: StreamNotFound"),
        (
            &["proposal", "show", "0x99"],
            "no proposal 0x99 on this governor",
        ),
    ] {
        for source in [&[][..], &["--live"]] {
            let err = net.fails(&[args, source].concat());
            assert!(err.contains(expect), "daoctl {args:?} {source:?}: {err}");
        }
    }
    // The index was created by the first read, where the deployment's indexes live.
    assert!(net.dir.path().join("31337/riverside.index.db").is_file());
}
