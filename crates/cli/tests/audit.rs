//! `daoctl audit` trusts nothing: an emptied index fails naming `index.logs-match-chain` (never
//! "no discrepancy after 0 events"), a read-only copy audits without being written, `--repair`
//! rebuilds what differs, and an index of a restarted dev chain is refused (kept as it is) until
//! `--force`.
use alloy::{node_bindings::Anvil, primitives::Address};
use std::{
    path::{Path, PathBuf},
    process::Output,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn daoctl(url: &str, deployments: &Path, args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_daoctl"))
        .args(args)
        .env("DAOCTL_RPC_URL", url)
        .env("DAOCTL_DEPLOYMENTS", deployments)
        .env_remove("DAOCTL_PRIVATE_KEY")
        .env_remove("DAOCTL_DEV_ACCOUNT")
        .env_remove("DAOCTL_DAO")
        .env_remove("DAOCTL_INDEX_DB")
        .current_dir(root())
        .output()
        .expect("daoctl runs")
}

fn ok(url: &str, deployments: &Path, args: &[&str]) -> String {
    let out = daoctl(url, deployments, args);
    assert!(
        out.status.success(),
        "daoctl {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn deploy(url: &str, deployments: &Path) {
    ok(
        url,
        deployments,
        &[
            "deploy",
            &root().join("examples/riverside.toml").display().to_string(),
            "--dev-account",
            "0",
        ],
    );
    ok(
        url,
        deployments,
        &[
            "treasury",
            "spend",
            "operations",
            &Address::repeat_byte(0x55).to_string(),
            "0.5ether",
            "--dev-account",
            "2",
        ],
    );
}

#[tokio::test]
async fn audit_proves_the_index_repairs_it_reads_read_only_files_and_refuses_foreign_ones() {
    let anvil = Anvil::new().path(root().join("script/bin/anvil")).spawn();
    let url = anvil.endpoint();
    let deployments = tempfile::tempdir().expect("tmp");
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("riverside.db");
    let db_arg = db.display().to_string();
    deploy(&url, deployments.path());
    let d = deployments.path();

    // Clean: audits clean and says what it compared.
    let out = ok(&url, d, &["audit", "--db", &db_arg]);
    assert!(out.contains("are the chain's (digest 0x"), "{out}");
    assert!(out.contains("no discrepancy"), "{out}");

    // A read-only copy (chmod 444) audits as it stands, and is not written.
    let ro = dir.path().join("read-only.db");
    std::fs::copy(&db, &ro).expect("copy");
    let mut perms = std::fs::metadata(&ro).expect("meta").permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&ro, perms).expect("chmod");
    let before = std::fs::read(&ro).expect("read");
    let out = ok(&url, d, &["audit", "--db", &ro.display().to_string()]);
    assert!(out.contains("no discrepancy"), "{out}");
    assert_eq!(std::fs::read(&ro).expect("read"), before, "written");
    // ... and --repair refuses to touch it.
    let out = daoctl(
        &url,
        d,
        &["audit", "--repair", "--db", &ro.display().to_string()],
    );
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
    let out = daoctl(&url, d, &["audit", "--db", &db_arg]);
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
    let out = daoctl(&url, d, &["audit", "--json", "--db", &db_arg]);
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
    let out = daoctl(&url, d, &["audit", "--repair", "--db", &db_arg]);
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
    drop(anvil);
    let anvil = Anvil::new().path(root().join("script/bin/anvil")).spawn();
    let url = anvil.endpoint();
    // One block first, so the new run's history differs from the old one's. (Restarted in the
    // same second and replaying the same transactions, a dev chain's blocks are byte-identical
    // to the old ones: then the index does describe it, and is rightly kept.)
    let mined = std::process::Command::new(root().join("script/bin/cast"))
        .args(["rpc", "anvil_mine", "1", "--rpc-url", &url])
        .output()
        .expect("cast");
    assert!(mined.status.success(), "{mined:?}");
    let deployments = tempfile::tempdir().expect("tmp");
    let d = deployments.path();
    deploy(&url, d);
    let before = std::fs::read(&db).expect("read");
    for cmd in ["index", "audit"] {
        let out = daoctl(&url, d, &[cmd, "--db", &db_arg]);
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
    let out = ok(&url, d, &["index", "--force", "--db", &db_arg]);
    assert!(out.contains("indexed up to block"), "{out}");
    let out = ok(&url, d, &["audit", "--db", &db_arg]);
    assert!(out.contains("no discrepancy"), "{out}");
}
