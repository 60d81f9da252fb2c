//! `daoctl audit` trusts nothing: an emptied index fails naming `index.logs-match-chain` (never
//! "no discrepancy after 0 events"), a read-only copy audits without being written, `--repair`
//! rebuilds what differs, and an index of a restarted dev chain is refused (kept as it is) until
//! `--force`.
mod common;

use alloy::primitives::Address;
use common::Net;
use std::path::Path;

/// examples/riverside.toml with a spend, deployed on `net`.
fn deploy_and_spend(net: &Net) {
    let out = net.deploy_riverside_and_spend();
    assert!(out.contains("deployed:"), "{out}");
}

#[tokio::test]
async fn audit_proves_the_index_repairs_it_reads_read_only_files_and_refuses_foreign_ones() {
    let net = Net::empty();
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("riverside.db");
    let db_arg = db.display().to_string();
    deploy_and_spend(&net);

    // Clean: audits clean and says what it compared.
    let out = net.ok(&["audit", "--db", &db_arg]);
    assert!(out.contains("are the chain's (digest 0x"), "{out}");
    assert!(out.contains("no discrepancy"), "{out}");

    // A read-only copy (chmod 444) audits as it stands, and is not written.
    let ro = dir.path().join("read-only.db");
    std::fs::copy(&db, &ro).expect("copy");
    let mut perms = std::fs::metadata(&ro).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).expect("chmod");
    let before = std::fs::read(&ro).expect("read");
    let out = net.ok(&["audit", "--db", &ro.display().to_string()]);
    assert!(out.contains("no discrepancy"), "{out}");
    assert_eq!(std::fs::read(&ro).expect("read"), before, "written");
    // ... and --repair refuses to touch it.
    let out = net.output(&["audit", "--repair", "--db", &ro.display().to_string()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is read-only"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every raw log deleted, the checkpoint kept: an error naming the rule and the blocks.
    rusqlite::Connection::open(&db)
        .expect("open")
        .execute_batch("DELETE FROM raw_logs;")
        .expect("plant");
    let out = net.output(&["audit", "--db", &db_arg]);
    assert!(
        !out.status.success(),
        "an emptied index must fail the audit"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("no discrepancy"), "{text}");
    assert!(
        text.contains("ERROR [index.logs-match-chain] raw logs of blocks "),
        "{text}"
    );
    assert!(text.contains("index: DIFFERS FROM THE CHAIN"), "{text}");
    let out = net.output(&["audit", "--json", "--db", &db_arg]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let f = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "index.logs-match-chain")
        .expect("the rule in --json");
    assert!(f["blocks"]["from"].as_u64().is_some(), "{f}");
    assert_eq!(v["index"]["stored_logs"], 0);

    // --repair rebuilds it; the audit is clean again.
    let out = net.output(&["audit", "--repair", "--db", &db_arg]);
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("refetched from the chain"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("no discrepancy"));

    // The dev chain restarted and the DAO redeployed (same chain id, same addresses): the index
    // is refused and kept, until --force.
    drop(net);
    let net = Net::empty();
    // One block first, so the new run's history differs from the old one's. (Restarted in the
    // same second and replaying the same transactions, a dev chain's blocks are byte-identical
    // to the old ones: then the index does describe it, and is rightly kept.)
    net.mine(1).await;
    deploy_and_spend(&net);
    let before = std::fs::read(&db).expect("read");
    for cmd in ["index", "audit"] {
        let out = net.output(&[cmd, "--db", &db_arg]);
        assert!(
            !out.status.success(),
            "{cmd} must refuse another chain's index"
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("chain id 31337") && err.contains("--force"),
            "{cmd}: {err}"
        );
        assert_eq!(std::fs::read(&db).expect("read"), before, "{cmd} kept it");
    }
    let out = net.ok(&["index", "--force", "--db", &db_arg]);
    assert!(out.contains("indexed up to block"), "{out}");
    let out = net.ok(&["audit", "--db", &db_arg]);
    assert!(out.contains("no discrepancy"), "{out}");
}

/// The 32-byte word `i` of a log's data (hex, no 0x).
fn word(log: &serde_json::Value, i: usize) -> alloy::primitives::U256 {
    let data = log["data"].as_str().expect("data");
    alloy::primitives::U256::from_str_radix(&data[2 + 64 * i..2 + 64 * (i + 1)], 16).expect("word")
}

fn set_word(log: &mut serde_json::Value, i: usize, v: alloy::primitives::U256) {
    let mut data = log["data"].as_str().expect("data").to_owned();
    data.replace_range(2 + 64 * i..2 + 64 * (i + 1), &format!("{v:064x}"));
    log["data"] = data.into();
}

fn is_event<E: alloy::sol_types::SolEvent>(log: &serde_json::Value) -> bool {
    log["topics"][0].as_str() == Some(&E::SIGNATURE_HASH.to_string())
}

fn topic_is(log: &serde_json::Value, i: usize, who: Address) -> bool {
    log["topics"][i]
        .as_str()
        .is_some_and(|t| t.ends_with(&format!("{who:x}").trim_start_matches("0x").to_lowercase()))
}

/// `daoctl audit --json`, then `daoctl audit`, on a fresh index, all read through a node that
/// rewrites its logs with `rewrite`: the index is the (lying) node's, so only the network rules
/// can catch the forgery. Returns the exit status, the JSON report and the human one.
fn audit_through(
    net: &Net,
    db: &Path,
    rewrite: impl Fn(&mut serde_json::Value) + Send + Sync + 'static,
) -> (bool, serde_json::Value, String) {
    let proxy = dao_testkit::Proxy::start(
        dao_testkit::ProxyConfig::hosted(net.anvil.endpoint()).rewriting_logs(rewrite),
    )
    .expect("proxy");
    let db = db.display().to_string();
    let out = net
        .cmd_via(proxy.url(), &["audit", "--json", "--db", &db])
        .output()
        .expect("daoctl runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "json ({e}):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let text = net
        .cmd_via(proxy.url(), &["audit", "--db", &db])
        .output()
        .expect("daoctl runs");
    assert_eq!(text.status.success(), out.status.success());
    (
        out.status.success(),
        v,
        String::from_utf8_lossy(&text.stdout).into_owned(),
    )
}

/// A rewrite of the node's logs, planting one forgery.
type Rewrite = Box<dyn Fn(&mut serde_json::Value) + Send + Sync>;

/// The error findings' rules.
fn error_rules(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["rule"].as_str().expect("rule").to_owned())
        .collect()
}

/// Planted in the logs a node answers with (what correct contracts never log): a vote with a
/// forged weight, a grant by a non-admin, an execution before its delay, a stream payment larger
/// than accrued. Each fails `daoctl audit` naming its rule and event; the true history (a vote,
/// an execution, a stream claim) audits clean.
#[tokio::test]
async fn forged_votes_grants_executions_and_stream_payments_fail_the_audit_by_rule() {
    use alloy::{
        primitives::{U64, U256},
        providers::{Provider, ProviderBuilder},
    };
    use dao_bindings::interfaces::{ICellGovernor, IRoleStreams, IRoles};
    let net = Net::empty();
    let dir = tempfile::tempdir().expect("tmp");
    deploy_and_spend(&net);
    let p = ProviderBuilder::new().connect_http(net.anvil.endpoint_url());
    // A proposal of the community cell (members: accounts 3, 4, 5): two votes, executed.
    let id = net.ok(&[
        "proposal",
        "create",
        "--cell",
        "community",
        "--description",
        "fund events",
        "--set-budget",
        "events=2ether",
        "--dev-account",
        "3",
    ]);
    let id = id.trim();
    net.mine(2).await;
    net.ok(&["proposal", "vote", id, "for", "--dev-account", "3"]);
    net.ok(&["proposal", "vote", id, "for", "--dev-account", "4"]);
    net.mine(12).await;
    net.ok(&["proposal", "execute", id, "--dev-account", "3"]);
    // A stream of engineering's member role (account 2), claimed a day later.
    let stream = net.open_engineering_stream();
    let _: serde_json::Value = p
        .raw_request("evm_increaseTime".into(), (U64::from(86_400u64),))
        .await
        .expect("evm_increaseTime");
    net.mine(1).await;
    let wearer = net.addr(2);
    net.ok(&[
        "stream",
        "claim",
        &stream,
        "--wearer",
        &wearer.to_string(),
        "--dev-account",
        "7",
    ]);

    // The true history: clean, and every kind of act was judged.
    let (clean, v, text) = audit_through(&net, &dir.path().join("clean.db"), |_| {});
    assert!(text.contains("judged: "), "{text}");
    assert!(text.contains("no discrepancy"), "{text}");
    assert!(clean, "{:#}", v["findings"]);
    assert_eq!(v["network"]["votes"], 2, "{}", v["network"]);
    assert_eq!(v["network"]["executions"], 1, "{}", v["network"]);
    assert_eq!(v["network"]["stream_claims"], 1, "{}", v["network"]);
    assert!(
        v["network"]["role_grants"].as_u64() > Some(5),
        "{}",
        v["network"]
    );

    let voter = net.addr(4);
    let stranger = Address::repeat_byte(0xee);
    let cases: Vec<(&str, Rewrite, &[&str])> = vec![
        (
            "vote",
            Box::new(move |log| {
                if is_event::<ICellGovernor::VoteCast>(log) && topic_is(log, 1, voter) {
                    set_word(log, 1, U256::from(5));
                }
            }),
            &["vote.weight", "proposal.tally"],
        ),
        (
            "grant",
            Box::new(move |log| {
                if is_event::<IRoles::RoleMinted>(log) && topic_is(log, 2, voter) {
                    log["topics"][3] = format!(
                        "0x{:0>64}",
                        format!("{stranger:x}").trim_start_matches("0x")
                    )
                    .into();
                }
            }),
            &["role.grant-authority"],
        ),
        (
            "execution",
            Box::new(|log| {
                if is_event::<ICellGovernor::ProposalCreated>(log) {
                    let end = word(log, 5);
                    set_word(log, 5, end + U256::from(1000));
                }
            }),
            &["proposal.execution"],
        ),
        (
            "stream",
            Box::new(|log| {
                if is_event::<IRoleStreams::Claimed>(log) {
                    let paid = word(log, 2);
                    set_word(log, 2, paid + U256::from(1));
                }
            }),
            &["stream.payment"],
        ),
    ];
    for (name, rewrite, rules) in cases {
        let (clean, v, text) = audit_through(&net, &dir.path().join(format!("{name}.db")), rewrite);
        // The human report groups by cell and rule, each line naming the event.
        for rule in rules {
            assert!(
                text.contains(&format!("ERROR [{rule}] ")) && text.contains(&format!(", {rule} (")),
                "{name}: {text}"
            );
        }
        assert!(text.contains(" at block "), "{name}: {text}");
        assert!(!clean, "{name}: a forgery must fail the audit");
        let found = error_rules(&v);
        assert!(!found.is_empty(), "{name}");
        for rule in rules {
            assert!(
                found.iter().any(|r| r == rule),
                "{name}: {rule} not in {found:?}"
            );
        }
        assert!(
            found.iter().all(|r| rules.contains(&r.as_str())),
            "{name}: only {rules:?}, got {found:?}"
        );
        for f in v["findings"].as_array().expect("findings") {
            if f["severity"] == "error" {
                assert!(
                    f["at"]["block"].as_u64().is_some(),
                    "{name}: names its event: {f}"
                );
            }
        }
    }
}
