//! End-to-end: `daoctl plan` / `daoctl apply` on a deployed DAO (each change through its
//! authority: the operator's key, the DAO's 2-of-3 Safe signed in separate processes, a proposal of
//! a vote-run cell), destructive changes refused without the flag, a killed apply resumed, and
//! cells created after deployment named in the record. A fresh anvil per test.
mod common;

use alloy::{
    primitives::{Address, U64},
    providers::{Provider, ProviderBuilder},
};
use common::{Net, failed, root};
use serde_json::Value;
use std::path::PathBuf;

/// `(id, op, authority kind)` of each change of a `plan --json`, sorted.
fn changes(plan: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                c["op"].as_str().unwrap_or_default().to_owned(),
                c["authority"]["kind"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The apply steps in the record: (step id, tx, confirmed, queued).
fn apply_steps(record: &Value) -> Vec<(String, String, bool, Option<String>)> {
    record["steps"]
        .as_object()
        .expect("steps")
        .iter()
        .filter(|(k, _)| k.starts_with("apply."))
        .map(|(k, v)| {
            (
                k.clone(),
                v["tx"].as_str().unwrap_or_default().to_owned(),
                !v["block"].is_null(),
                v["queued"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// council.toml edited: the DAO budget 50 -> 60 ether (the Safe), stewards' member anvil:1
/// replaced by anvil:2 (the operator anvil:1, stewards' admin; the removal is destructive), the
/// assembly's voting period 5 -> 6 (its own proposal), a new cell `outreach` under stewards with a
/// budget (the operator, in two rounds: the budget needs the cell).
fn edited_council(dir: &std::path::Path) -> String {
    let text = std::fs::read_to_string(root().join("examples/council.toml")).expect("council");
    let edited = text
        .replacen("amount = \"50 ether\"", "amount = \"60 ether\"", 1)
        .replacen("members = [\"anvil:1\"]", "members = [\"anvil:2\"]", 1)
        .replacen("voting_period = 5", "voting_period = 6", 1)
        + r#"
[[cells]]
key = "outreach"
name = "Outreach"
parent = "stewards"
admin = "anvil:1"
members = ["anvil:2"]

[[cells.budgets]]
amount = "2 ether"
"#;
    assert_ne!(text, edited);
    let path = dir.join("council-edited.toml");
    std::fs::write(&path, edited).expect("write the edited design");
    path.display().to_string()
}

#[tokio::test]
async fn plan_apply_round_trip_through_key_safe_and_proposal() {
    let net = Net::deploy("council.toml");
    let council = root().join("examples/council.toml").display().to_string();

    // The deployed design itself: nothing to do.
    let out = net.ok(&["plan", &council, "--dev-account", "1"]);
    assert!(out.contains("no changes"), "{out}");

    let edited = edited_council(net.dir.path());
    // deploy on an edited design points to plan/apply.
    let args = ["deploy", edited.as_str(), "--dev-account", "0"];
    let err = failed(&args, &net.cmd(&args).output().expect("daoctl runs"));
    assert!(
        err.contains(&format!("daoctl plan {edited}")) && err.contains("daoctl apply"),
        "{err}"
    );

    // The plan: exactly the edits, each with its authority.
    let plan = net.json(&["plan", &edited, "--dev-account", "1"]);
    let (a1, a2) = (net.addr(1), net.addr(2));
    let mut want = vec![
        (
            "budget.dao.ETH".to_owned(),
            "~".to_owned(),
            "safe".to_owned(),
        ),
        ("cell.outreach.create".into(), "+".into(), "operator".into()),
        ("governor.assembly".into(), "~".into(), "proposal".into()),
        (
            format!("wearer.stewards.member.add.{a2}"),
            "+".into(),
            "operator".into(),
        ),
        (
            format!("wearer.stewards.member.remove.{a1}"),
            "-".into(),
            "operator".into(),
        ),
    ];
    want.sort();
    assert_eq!(changes(&plan), want, "{plan:#}");
    let removal = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["op"] == "-")
        .expect("a removal");
    assert_eq!(removal["destructive"], true);
    let human = net.ok(&["plan", &edited, "--dev-account", "1"]);
    assert!(
        human.contains("~ budget of `dao` in ETH: 50 ETH per 2592000s → 60 ETH per 2592000s")
            && human.contains("by the DAO's Safe")
            && human.contains("by proposal of vote-run cell `assembly`")
            && human.contains(
                "5 change(s): 3 by the operator's key, 1 by the DAO's Safe, 1 by proposal"
            ),
        "{human}"
    );

    // Destructive without the flag: listed and refused, nothing done.
    let args = ["apply", edited.as_str(), "--dev-account", "1"];
    let err = failed(&args, &net.cmd(&args).output().expect("daoctl runs"));
    assert!(
        err.contains("--allow-destructive")
            && err.contains(&format!("wearer {a1} of `stewards.member` (revoke)")),
        "{err}"
    );
    assert!(apply_steps(&net.record("council")).is_empty());

    // Killed after its first transaction: recorded as sent, not confirmed.
    let args = [
        "apply",
        edited.as_str(),
        "--dev-account",
        "1",
        "--allow-destructive",
    ];
    let err = failed(
        &args,
        &net.cmd(&args)
            .env("DAO_DEPLOY_STOP_AFTER", "1")
            .output()
            .expect("daoctl runs"),
    );
    assert!(err.contains("stopped after 1 transaction"), "{err}");
    let steps = apply_steps(&net.record("council"));
    assert_eq!(steps.len(), 1, "{steps:?}");
    let (killed_step, killed_tx, confirmed, _) = steps[0].clone();
    assert!(!confirmed);

    // The re-run resumes it from its receipt (not sent again), does the operator's changes, writes
    // the Safe's batch, and cannot propose in `assembly` (anvil:1 is not a member).
    let (out, err) = net.ok2(&args);
    assert!(err.contains("resumed:"), "{err}");
    assert!(
        out.starts_with("4 change(s) made; 2 waiting:")
            && out.contains("budget.dao.ETH waits for the Safe's owners: ")
            && out.contains("governor.assembly waits for a proposal in `assembly`"),
        "stdout holds apply's result only: {out}"
    );
    let record = net.record("council");
    let steps = apply_steps(&record);
    let resumed = steps.iter().find(|s| s.0 == killed_step).expect("step");
    assert_eq!((resumed.1.as_str(), resumed.2), (killed_tx.as_str(), true));
    assert!(record["cells"]["outreach"]["id"].is_string(), "{record:#}");
    let cells = net.json(&["cell", "list"]);
    let outreach = cells
        .as_array()
        .expect("cells")
        .iter()
        .filter(|c| c["name"] == "Outreach")
        .count();
    assert_eq!(outreach, 1, "created once: {cells:#}");
    let left = net.json(&["plan", &edited, "--dev-account", "1"]);
    assert_eq!(
        changes(&left),
        vec![
            (
                "budget.dao.ETH".to_owned(),
                "~".to_owned(),
                "safe".to_owned()
            ),
            ("governor.assembly".into(), "~".into(), "proposal".into()),
        ],
        "{left:#}"
    );

    // The Safe's batch: two owners sign in separate processes, anyone executes.
    let files: Vec<PathBuf> = std::fs::read_dir(net.dir.path().join("safe-tx"))
        .expect("safe-tx dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let file = files[0].display().to_string();
    net.ok(&["safe", "sign", &file, "--dev-account", "7"]);
    net.ok(&["safe", "sign", &file, "--dev-account", "8"]);
    net.ok(&["safe", "exec", &file, "--dev-account", "1"]);

    // A member of assembly runs apply: the governor change becomes the cell's proposal.
    net.ok(&["apply", &edited, "--dev-account", "3"]);
    let record = net.record("council");
    let proposal = apply_steps(&record)
        .into_iter()
        .find(|s| s.0.ends_with(".governor.assembly"))
        .and_then(|s| s.3)
        .expect("the proposal is recorded");
    // A re-run while it is voted on does not propose again.
    let (out, _) = net.ok2(&["apply", &edited, "--dev-account", "4"]);
    assert!(out.contains(&format!("proposal {proposal}")), "{out}");
    net.mine(2).await;
    net.ok(&["proposal", "vote", &proposal, "for", "--dev-account", "3"]);
    net.ok(&["proposal", "vote", &proposal, "for", "--dev-account", "4"]);
    net.mine(12).await;
    net.ok(&["proposal", "execute", &proposal, "--dev-account", "5"]);

    // Everything carried out: apply records the design; the plan is empty; deploy is up to date.
    let applied = net.json(&["apply", &edited, "--dev-account", "1"]);
    assert_eq!(applied["complete"], true, "{applied:#}");
    assert_eq!(applied["remaining"], serde_json::json!([]));
    let out = net.ok(&["plan", &edited]);
    assert!(out.contains("no changes"), "{out}");
    assert_eq!(net.record("council")["design_hash"], plan["design_hash"]);
    let out = net.ok(&["deploy", &edited, "--dev-account", "0"]);
    assert!(out.contains("up to date"), "{out}");
}

#[tokio::test]
async fn cells_created_after_deployment_are_named_from_record_and_chain() {
    let net = Net::deploy("riverside.toml");
    let created = net.json(&[
        "cell",
        "create",
        "--parent",
        "operations",
        "--name",
        "Night Market",
        "--member",
        &net.addr(4).to_string(),
        "--dev-account",
        "1",
    ]);
    assert_eq!(created["key"], "night-market", "{created:#}");
    let created_record = net.record("riverside");
    assert_eq!(
        created_record["cells"]["night-market"]["parent"],
        "operations"
    );
    let show = net.json(&["cell", "show", "night-market"]);
    assert_eq!(show["name"], "Night Market");
    assert_eq!(show["key"], "night-market");
    let by_name = net.json(&["cell", "show", "Night Market"]);
    assert_eq!(by_name["id"], show["id"]);

    // A cell the record does not name (made by a proposal or a Safe batch, or another tool) is
    // named from the chain: its key derives from CellRegistry's name.
    let path = net.record_path("riverside");
    let mut record = net.record("riverside");
    record["cells"]
        .as_object_mut()
        .expect("cells")
        .remove("night-market");
    std::fs::write(&path, serde_json::to_string_pretty(&record).expect("json")).expect("write");
    let show = net.json(&["cell", "show", "night-market"]);
    assert_eq!(show["id"], by_name["id"]);
    assert_eq!(show["key"], "night-market");
    let listed = net.json(&["cell", "list"]);
    assert!(
        listed
            .as_array()
            .expect("cells")
            .iter()
            .any(|c| c["key"] == "night-market" && c["name"] == "Night Market"),
        "{listed:#}"
    );
    // Back to the record `cell create` wrote.
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&created_record).expect("json"),
    )
    .expect("write");
    // The design does not have it: plan proposes dissolving it, a destructive change.
    let riverside = root().join("examples/riverside.toml").display().to_string();
    let plan = net.json(&["plan", &riverside, "--dev-account", "1"]);
    assert_eq!(
        changes(&plan),
        vec![(
            "cell.night-market.dissolve".to_owned(),
            "-".to_owned(),
            "operator".to_owned()
        )],
        "{plan:#}"
    );
}

#[tokio::test]
async fn apply_with_a_one_of_one_safe_executes_batches_and_names_new_roles() {
    let net = Net::deploy("riverside.toml");
    let text = std::fs::read_to_string(root().join("examples/riverside.toml")).expect("riverside");
    let edited = text
        .replacen("amount = \"50 ether\"", "amount = \"55 ether\"", 1)
        .replacen(
            "uri = \"ipfs://bafy-riverside-charter-v1\"",
            "uri = \"ipfs://bafy-riverside-charter-v2\"",
            1,
        )
        .replacen(
            "[cells.state.charter]\nuri = \"ipfs://bafy-operations-charter-v1\"",
            "[cells.roles.scribe]\ndetails = \"Operations scribe\"\nwearers = [\"anvil:3\"]\n\n\
             [cells.state.charter]\nuri = \"ipfs://bafy-operations-charter-v1\"",
            1,
        );
    // engineering's admin anvil:2 -> anvil:4 (a transfer: destructive).
    let edited = edited.replacen(
        "parent = \"operations\"\nphase = \"formation\"\nadmin = \"anvil:2\"",
        "parent = \"operations\"\nphase = \"formation\"\nadmin = \"anvil:4\"",
        1,
    );
    assert_eq!(edited.matches("scribe").count(), 2, "edit applied");
    assert!(edited.contains("admin = \"anvil:4\""), "edit applied");
    let path = net.dir.path().join("riverside-edited.toml");
    std::fs::write(&path, edited).expect("write");
    let file = path.display().to_string();

    let plan = net.json(&["plan", &file, "--dev-account", "0"]);
    assert_eq!(
        changes(&plan),
        vec![
            (
                "admin.engineering".to_owned(),
                "~".to_owned(),
                "safe".to_owned()
            ),
            (
                "budget.dao.ETH".to_owned(),
                "~".to_owned(),
                "safe".to_owned()
            ),
            (
                "role.operations.scribe.create".into(),
                "+".into(),
                "safe".into()
            ),
            ("state.dao.charter".into(), "~".into(), "safe".into()),
        ],
        "{plan:#}"
    );

    // The Safe's owner runs apply: each round's Safe changes are one batch, executed at once; the
    // new role is found on chain, named in the record, and its wearer minted in the next round.
    let applied = net.json(&["apply", &file, "--dev-account", "0", "--allow-destructive"]);
    assert_eq!(applied["complete"], true, "{applied:#}");
    let done: Vec<&str> = applied["done"]
        .as_array()
        .expect("done")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let a3 = net.addr(3);
    for id in [
        "admin.engineering",
        "budget.dao.ETH",
        "state.dao.charter",
        "role.operations.scribe.create",
        &format!("wearer.operations.scribe.add.{a3}"),
    ] {
        assert!(done.contains(&id), "{id} in {done:?}");
    }
    let record = net.record("riverside");
    assert!(
        record["cells"]["operations"]["roles"]["scribe"].is_string(),
        "{record:#}"
    );
    assert_eq!(record["design_hash"], plan["design_hash"]);
    let role = net.json(&["role", "show", "operations.scribe"]);
    assert!(role.to_string().contains(&a3.to_string()), "{role:#}");
    let out = net.ok(&["plan", &file]);
    assert!(out.contains("no changes"), "{out}");
    let engineering = net.json(&["role", "show", "engineering.admin"]);
    assert!(
        engineering.to_string().contains(&net.addr(4).to_string()),
        "{engineering:#}"
    );
}

fn riverside() -> String {
    std::fs::read_to_string(root().join("examples/riverside.toml")).expect("riverside")
}

/// Replaces `from` (once, and it must be there) in `text`.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the design has {from:?}");
    text.replacen(from, to, 1)
}

const TREASURER_ROLE: &str = "[cells.roles.treasurer]\ndetails = \"Operations treasurer: pays invoices within the operations budget\"\nmax_supply = 1\nwearers = [\"anvil:2\"]\ntreasurer = true\n\n";
const OPERATIONS_CHARTER: &str =
    "[cells.state.charter]\nuri = \"ipfs://bafy-operations-charter-v1\"";
const GUILD: &str = r#"
[[cells]]
key = "guild"
name = "Guild"
parent = "operations"
members = ["anvil:5", "anvil:6"]

[cells.governor]
electorate = "members"
counting = "majority"
quorum_bps = 5000
voting_period = 5
execution_delay = 5
"#;

/// The ids of the changes of a `plan --json`.
fn ids(plan: &Value) -> Vec<String> {
    changes(plan).into_iter().map(|c| c.0).collect()
}

#[tokio::test]
async fn apply_creates_vote_run_cells_and_compares_roles_budgets_allocations_and_streams() {
    let net = Net::deploy("riverside.toml");
    // Dropped: operations' treasurer role and engineering's budget. Changed: community's
    // allocation 6 -> 8 ether, the contributor role's image and mutability. Added: a stream
    // paying operations' members and a vote-run cell `guild`. All by the operator anvil:1
    // (operations' admin, above every cell it touches).
    let text = edit(&riverside(), TREASURER_ROLE, "");
    let text = edit(
        &text,
        "[[cells.budgets]]\namount = \"10 ether\"\nallocate = \"5 ether\"\n\n",
        "",
    );
    let text = edit(&text, "allocate = \"6 ether\"", "allocate = \"8 ether\"");
    let text = edit(
        &text,
        "max_supply = 50",
        "max_supply = 50\nimage_uri = \"ipfs://contributor.png\"\neligibility = \"anvil:9\"\ntoggle = \"anvil:8\"\nmutable = false",
    );
    let stream = "[[cells.streams]]\nrole = \"member\"\namount = \"1 ether\"\nperiod = \"30d\"\n\n";
    let text = edit(
        &text,
        OPERATIONS_CHARTER,
        &format!("{stream}{OPERATIONS_CHARTER}"),
    ) + GUILD;
    let file = net.write("v2.toml", &text);

    let plan = net.json(&["plan", &file, "--dev-account", "1"]);
    let mut want: Vec<(String, String, String)> = [
        ("allocate.community.ETH.0", "+"),
        ("budget.engineering.ETH.end", "-"),
        ("cell.guild.create", "+"),
        ("role.events.contributor.eligibility", "~"),
        ("role.events.contributor.image", "~"),
        ("role.events.contributor.toggle", "~"),
        ("role.events.contributor.mutable", "~"),
        ("role.operations.treasurer.deactivate", "-"),
        ("stream.operations.member.ETH.open", "+"),
    ]
    .iter()
    .map(|(id, op)| (id.to_string(), op.to_string(), "operator".to_owned()))
    .collect();
    want.sort();
    assert_eq!(changes(&plan), want, "{plan:#}");
    let mut destructive: Vec<&str> = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["destructive"] == true)
        .filter_map(|c| c["id"].as_str())
        .collect();
    destructive.sort();
    assert_eq!(
        destructive,
        vec![
            "budget.engineering.ETH.end",
            "role.events.contributor.mutable",
            "role.operations.treasurer.deactivate",
        ],
        "{plan:#}"
    );
    let human = net.ok(&["plan", &file, "--dev-account", "1"]);
    assert!(
        human.contains("allocation to `community` from `operations` in ETH: 6 ETH received this period → 8 ETH (hands down 2 ETH)")
            && human.contains("stream of `operations`: 1 ETH per 2592000s to each wearer of `member`")
            && human.contains("budget of `engineering` in ETH: 10 ETH per 2592000s → ended (not in the design)"),
        "{human}"
    );

    // Destructive changes need the flag; with it, apply creates the vote-run cell (its creator
    // admin first, then the governor and the hand-over to its executor) and ends with an empty plan.
    let args = ["apply", file.as_str(), "--dev-account", "1"];
    let err = failed(&args, &net.cmd(&args).output().expect("daoctl runs"));
    assert!(err.contains("refusing 3 destructive change(s)"), "{err}");
    let applied = net.json(&["apply", &file, "--dev-account", "1", "--allow-destructive"]);
    assert_eq!(applied["complete"], true, "{applied:#}");
    let done: Vec<&str> = applied["done"]
        .as_array()
        .expect("done")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for id in [
        "cell.guild.create",
        "governor.guild",
        "admin.guild.executor",
    ] {
        assert!(done.contains(&id), "{id} in {done:?}");
    }
    let out = net.ok(&["plan", &file]);
    assert!(out.contains("no changes"), "{out}");
    let record = net.record("riverside");
    let executor: Address = record["cells"]["guild"]["executor"]
        .as_str()
        .expect("guild is vote-run in the record")
        .parse()
        .expect("an address");
    let admin = net.json(&["role", "show", "guild.admin"]);
    assert_eq!(
        admin["wearers"],
        serde_json::json!([executor.to_checksum(None)]),
        "{admin:#}"
    );
    let treasurer = net.json(&["role", "show", "operations.treasurer"]);
    assert_eq!(treasurer["active"], false);
    // An inactive role has no wearers, from the index as from the chain.
    assert_eq!(treasurer["wearers"], serde_json::json!([]), "{treasurer:#}");
    assert_eq!(
        net.json(&["role", "show", "operations.treasurer", "--live"]),
        treasurer
    );
    assert_eq!(
        net.ok(&["state", "--live"]),
        net.ok(&["state"]),
        "the tree from the index = live"
    );
    // An ended budget: the index trims what it received, as the Treasury does.
    assert_eq!(
        net.ok(&["treasury", "status", "--json", "--live"]),
        net.ok(&["treasury", "status", "--json"]),
        "the budgets from the index = live"
    );
    let contributor = net.json(&["role", "show", "events.contributor"]);
    assert_eq!(contributor["mutable"], false);
    assert_eq!(
        (
            contributor["eligibility"].as_str(),
            contributor["toggle"].as_str()
        ),
        (
            Some(net.addr(9).to_checksum(None).as_str()),
            Some(net.addr(8).to_checksum(None).as_str())
        ),
        "{contributor:#}"
    );
    let budget = net.json(&["treasury", "status", "--cell", "engineering"]);
    // Ended: nothing left to spend (inactive from the next block on).
    assert_eq!(
        (
            budget["budgets"][0]["amount"].as_str(),
            budget["budgets"][0]["available"].as_str()
        ),
        (Some("0"), Some("0")),
        "{budget:#}"
    );

    // The stream's rate and end follow the design; a change made by hand shows in the plan.
    let v3 = net.write(
        "v3.toml",
        &edit(
            &text,
            stream,
            "[[cells.streams]]\nrole = \"member\"\namount = \"2 ether\"\nperiod = \"30d\"\nends_in = \"90d\"\n\n",
        ),
    );
    let plan = net.json(&["plan", &v3, "--dev-account", "1"]);
    assert_eq!(
        ids(&plan),
        vec![
            "stream.operations.member.ETH.end",
            "stream.operations.member.ETH.rate"
        ],
        "{plan:#}"
    );
    let applied = net.json(&["apply", &v3, "--dev-account", "1"]);
    assert_eq!(applied["complete"], true, "{applied:#}");
    let streams = net.json(&["stream", "list", "--cell", "operations"]);
    let id = streams[0]["stream"].as_str().expect("stream id").to_owned();
    assert_eq!(streams[0]["amount"], (2u128 * 10u128.pow(18)).to_string());
    assert_ne!(streams[0]["end"], 0);
    // Another end: compared with the design counted from the stream's start, set exactly, and
    // then the design matches.
    let v3b = net.write(
        "v3b.toml",
        &edit(
            &text,
            stream,
            "[[cells.streams]]\nrole = \"member\"\namount = \"2 ether\"\nperiod = \"30d\"\nends_in = \"60d\"\n\n",
        ),
    );
    let plan = net.json(&["plan", &v3b, "--dev-account", "1"]);
    assert_eq!(
        ids(&plan),
        vec!["stream.operations.member.ETH.end"],
        "{plan:#}"
    );
    let applied = net.json(&["apply", &v3b, "--dev-account", "1"]);
    assert_eq!(applied["complete"], true, "{applied:#}");
    let shown = net.json(&["stream", "show", &id]);
    assert_eq!(
        shown["end"]
            .as_u64()
            .zip(shown["start"].as_u64())
            .map(|(e, s)| e - s),
        Some(60 * 86_400),
        "{shown:#}"
    );
    let plan = net.json(&["plan", &v3b, "--dev-account", "1"]);
    assert!(ids(&plan).is_empty(), "{plan:#}");
    net.ok(&["stream", "set-rate", &id, "3ether", "--dev-account", "1"]);
    net.ok(&["stream", "set-end", &id, "--never", "--dev-account", "1"]);
    let shown = net.json(&["stream", "show", &id]);
    assert_eq!(
        (shown["amount_shown"].as_str(), shown["end"].as_u64()),
        (Some("3 ETH"), Some(0)),
        "{shown:#}"
    );
    let plan = net.json(&["plan", &v3, "--dev-account", "1"]);
    assert_eq!(
        ids(&plan),
        vec![
            "stream.operations.member.ETH.end",
            "stream.operations.member.ETH.rate"
        ],
        "{plan:#}"
    );
    // The stream dropped from the design: closed (destructive), what accrued stays owed.
    let v4 = net.write("v4.toml", &edit(&text, stream, ""));
    let plan = net.json(&["plan", &v4, "--dev-account", "1"]);
    assert_eq!(
        changes(&plan),
        vec![(
            format!("stream.operations.{id}.close"),
            "-".to_owned(),
            "operator".to_owned()
        )],
        "{plan:#}"
    );
    let applied = net.json(&["apply", &v4, "--dev-account", "1", "--allow-destructive"]);
    assert_eq!(applied["complete"], true, "{applied:#}");
    let shown = net.json(&["stream", "show", &id]);
    assert_eq!(shown["closed"], true);

    // A new budget period starts each hand-out at zero: the plan proposes the period's
    // allocations again, as changes of their own (apply does not mistake them for undone ones).
    let p = ProviderBuilder::new().connect_http(net.anvil.endpoint_url());
    let _: Value = p
        .raw_request("evm_increaseTime".into(), (U64::from(31 * 86_400u64),))
        .await
        .expect("evm_increaseTime");
    net.mine(1).await;
    let plan = net.json(&["plan", &v4, "--dev-account", "1"]);
    let next = ids(&plan);
    assert!(
        next.contains(&"allocate.community.ETH.1".to_owned())
            && next.contains(&"allocate.operations.ETH.1".to_owned()),
        "{plan:#}"
    );
}

#[tokio::test]
async fn deploy_opens_the_streams_a_design_declares() {
    // community (vote-run) pays each contributor of events, a cell below it.
    let text = edit(
        &riverside(),
        "[cells.roles.member]\nmax_supply = 12\n",
        "[cells.roles.member]\nmax_supply = 12\n\n[[cells.streams]]\nrole = \"events.contributor\"\namount = \"0.5 ether\"\nperiod = \"7d\"\nends_in = \"180d\"\n",
    );
    // The DAO root pays its members too, from the DAO's budget.
    let text = edit(
        &text,
        "amount = \"50 ether\"\nperiod = \"30d\"\n",
        "amount = \"50 ether\"\nperiod = \"30d\"\n\n[[dao.streams]]\nrole = \"member\"\namount = \"0.1 ether\"\n",
    );
    let (net, file) = Net::deploy_text(&text);
    let checked = net.ok(&["design", "check", &file]);
    assert!(checked.ends_with(", 2 stream(s)"), "{checked}");
    let root = net.json(&["stream", "list", "--cell", "dao"]);
    assert_eq!(
        (
            root[0]["role"].as_str(),
            root[0]["amount_shown"].as_str(),
            root[0]["end"].as_u64()
        ),
        (Some("dao.member"), Some("0.1 ETH"), Some(0)),
        "{root:#}"
    );
    let streams = net.json(&["stream", "list", "--cell", "community"]);
    assert_eq!(streams.as_array().map(Vec::len), Some(1), "{streams:#}");
    assert_eq!(streams[0]["role"], "events.contributor");
    assert_eq!(streams[0]["amount_shown"], "0.5 ETH");
    assert_eq!(streams[0]["period"], 7 * 86_400);
    assert_ne!(streams[0]["end"], 0);
    let out = net.ok(&["plan", &file]);
    assert!(out.contains("no changes"), "{out}");
    // A stream for a role the design does not have is refused offline.
    let bad = net.write(
        "bad.toml",
        &edit(
            &text,
            "role = \"events.contributor\"",
            "role = \"events.scribe\"",
        ),
    );
    let args = ["design", "check", bad.as_str()];
    let err = failed(&args, &net.cmd(&args).output().expect("daoctl runs"));
    assert!(
        err.contains("cells[2].streams[0].role: `events` has no role `scribe` in the design"),
        "{err}"
    );
}

#[tokio::test]
async fn cells_named_from_the_chain_work_with_every_cell_flag_and_role_create_records() {
    let net = Net::deploy("riverside.toml");
    net.ok(&[
        "cell",
        "create",
        "--parent",
        "operations",
        "--name",
        "Night Market",
        "--dev-account",
        "1",
    ]);
    // The record forgets it (as when a Safe batch or a proposal made it).
    let path = net.record_path("riverside");
    let mut record = net.record("riverside");
    record["cells"]
        .as_object_mut()
        .expect("cells")
        .remove("night-market");
    std::fs::write(&path, serde_json::to_string_pretty(&record).expect("json")).expect("write");

    let roles = net.json(&["role", "list", "night-market"]);
    assert_eq!(
        roles.as_array().map(Vec::len),
        Some(2),
        "admin and member: {roles:#}"
    );
    let status = net.json(&["treasury", "status", "--cell", "night-market"]);
    assert!(status.is_object(), "{status:#}");
    // Its on-chain name works as well as its key.
    let by_name = net.json(&["role", "list", "Night Market"]);
    assert_eq!(by_name, roles);
    // role create names the role (and the cell) in the record.
    let created = net.json(&[
        "role",
        "create",
        "night-market",
        "greeter",
        "--details",
        "Greets visitors",
        "--max-supply",
        "3",
        "--claimable",
        "--dev-account",
        "1",
    ]);
    assert_eq!(created["name"], "night-market.greeter", "{created:#}");
    let record = net.record("riverside");
    assert_eq!(
        record["cells"]["night-market"]["roles"]["greeter"].as_str(),
        Some(created["role_id"].as_str().unwrap_or_else(|| {
            record["cells"]["night-market"]["roles"]["greeter"]
                .as_str()
                .expect("recorded")
        }))
    );
    net.ok(&[
        "role",
        "claim",
        "night-market.greeter",
        "--dev-account",
        "7",
    ]);
    let greeter = net.json(&["role", "show", "night-market.greeter"]);
    assert_eq!(greeter["details"], "Greets visitors");
    assert!(greeter.to_string().contains(&net.addr(7).to_string()));
    let args = [
        "role",
        "create",
        "night-market",
        "greeter",
        "--dev-account",
        "1",
    ];
    let err = failed(&args, &net.cmd(&args).output().expect("daoctl runs"));
    assert!(err.contains("already has a role `greeter`"), "{err}");
}

#[tokio::test]
async fn a_two_of_three_safe_creates_a_vote_run_cell_in_two_batches() {
    let net = Net::deploy("council.toml");
    let text = std::fs::read_to_string(root().join("examples/council.toml")).expect("council")
        + r#"
[[cells]]
key = "forum"
name = "Forum"
parent = "dao"
members = ["anvil:3", "anvil:4"]

[cells.governor]
electorate = "members"
counting = "majority"
quorum_bps = 5000
voting_period = 5
execution_delay = 5
"#;
    let file = net.write("forum.toml", &text);
    let plan = net.json(&["plan", &file, "--dev-account", "1"]);
    assert_eq!(
        changes(&plan),
        vec![(
            "cell.forum.create".to_owned(),
            "+".to_owned(),
            "safe".to_owned()
        )],
        "{plan:#}"
    );
    let batch = |n: usize| {
        let mut files: Vec<PathBuf> = std::fs::read_dir(net.dir.path().join("safe-tx"))
            .expect("safe-tx dir")
            .map(|e| e.expect("entry").path())
            .collect();
        files.sort();
        assert_eq!(files.len(), n, "{files:?}");
        files[n - 1].display().to_string()
    };
    // Batch 1: the Safe creates the cell and wears its admin role for now.
    let applied = net.json(&["apply", &file, "--dev-account", "1"]);
    assert_eq!(applied["complete"], false, "{applied:#}");
    let first = batch(1);
    net.ok(&["safe", "sign", &first, "--dev-account", "7"]);
    net.ok(&["safe", "sign", &first, "--dev-account", "8"]);
    net.ok(&["safe", "exec", &first, "--dev-account", "1"]);
    // Batch 2: the Safe configures the governor and hands the admin role to the executor.
    let plan = net.json(&["plan", &file, "--dev-account", "1"]);
    assert_eq!(
        changes(&plan),
        vec![
            (
                "admin.forum.executor".to_owned(),
                "~".to_owned(),
                "safe".to_owned()
            ),
            ("governor.forum".into(), "+".into(), "safe".into()),
        ],
        "{plan:#}"
    );
    assert!(
        plan["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .all(|c| c["destructive"] == false),
        "handing over from the Safe that created it is not destructive: {plan:#}"
    );
    net.ok(&["apply", &file, "--dev-account", "1"]);
    let second = batch(2);
    net.ok(&["safe", "sign", &second, "--dev-account", "8"]);
    net.ok(&["safe", "sign", &second, "--dev-account", "9"]);
    net.ok(&["safe", "exec", &second, "--dev-account", "1"]);
    let applied = net.json(&["apply", &file, "--dev-account", "1"]);
    assert_eq!(applied["complete"], true, "{applied:#}");
    let out = net.ok(&["plan", &file]);
    assert!(out.contains("no changes"), "{out}");
    // The new cell votes: a member proposes.
    let record = net.record("council");
    assert!(
        record["cells"]["forum"]["executor"].is_string(),
        "{record:#}"
    );
    net.ok(&[
        "proposal",
        "create",
        "--cell",
        "forum",
        "--description",
        "Charter",
        "--set-state",
        "charter=ipfs://forum",
        "--dev-account",
        "3",
    ]);
}
