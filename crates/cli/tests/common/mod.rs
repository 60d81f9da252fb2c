//! What every `daoctl` end-to-end test shares: a fresh anvil (the real binary through
//! script/bin/anvil, never the npm wrapper, which hides exit codes and orphans anvil), a temporary
//! directory for the deployment records, Safe transactions and index databases, and the `daoctl`
//! binary run against them with nothing inherited from the caller's environment.
//!
//! Each test binary uses a part of it.
#![allow(dead_code)]

use alloy::{
    hex,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, U64, U256},
    providers::{Provider, ProviderBuilder},
};
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// The repository's root (where `daoctl` runs, as a user of the checkout would).
pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The path of examples/`name`.
pub(crate) fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

/// A fresh anvil with extra command-line `args`, on a port anvil picks.
pub(crate) fn anvil_with(args: &[&str]) -> AnvilInstance {
    Anvil::new()
        .path(root().join("script/bin/anvil"))
        .args(args.iter().copied())
        .spawn()
}

/// The daoctl variables a test sets itself or must not inherit.
const UNSET: &[&str] = &[
    "DAOCTL_PRIVATE_KEY",
    "DAOCTL_DEV_ACCOUNT",
    "DAOCTL_ACCOUNT",
    "FOUNDRY_KEYSTORES_DIR",
    "DAOCTL_DAO",
    "DAOCTL_INDEX_DB",
    "DAOCTL_LISTEN",
    "DAO_DEPLOY_STOP_AFTER",
    "ETH_RPC_URL",
];

/// Asserts that a run succeeded (printing what it wrote if not); its stdout (trimmed) and stderr.
pub(crate) fn succeeded(args: &[&str], out: &Output) -> (String, String) {
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(
        out.status.success(),
        "daoctl {args:?} failed:\n{stdout}{stderr}"
    );
    (stdout.trim().to_owned(), stderr)
}

/// Asserts that a run failed without a panic; its stderr.
pub(crate) fn failed(args: &[&str], out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "daoctl {args:?} should fail:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    stderr
}

/// A chain and a directory: records in the directory itself (`<chain id>/<dao>.json`, the index
/// databases beside them), Safe transactions under `safe-tx`.
pub(crate) struct Net {
    pub(crate) anvil: AnvilInstance,
    pub(crate) dir: tempfile::TempDir,
}

impl Net {
    /// A fresh chain, nothing deployed.
    pub(crate) fn empty() -> Self {
        Self::on(anvil_with(&[]))
    }

    /// `anvil`, nothing deployed.
    pub(crate) fn on(anvil: AnvilInstance) -> Self {
        Self {
            anvil,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// A fresh chain with examples/`design` deployed by dev account 0.
    pub(crate) fn deploy(design: &str) -> Self {
        let net = Self::empty();
        let out = net.ok(&["deploy", &example(design), "--dev-account", "0"]);
        assert!(out.contains("deployed:"), "{out}");
        net
    }

    /// A fresh chain with the design `text` (written under the test's directory) deployed by dev
    /// account 0; returns the design file's path too.
    pub(crate) fn deploy_text(text: &str) -> (Self, String) {
        let net = Self::empty();
        let path = net.write("design.toml", text);
        let out = net.ok(&["deploy", &path, "--dev-account", "0"]);
        assert!(out.contains("deployed:"), "{out}");
        (net, path)
    }

    /// On a deployed riverside: engineering (admin: account 2) opens a stream of 7 ether a week to each
    /// wearer of its member role. Returns the stream's id.
    pub(crate) fn open_engineering_stream(&self) -> String {
        self.json(&[
            "stream",
            "open",
            "--cell",
            "engineering",
            "--role",
            "engineering.member",
            "--amount",
            "7ether",
            "--period-days",
            "7",
            "--dev-account",
            "2",
        ])["stream"]
            .as_str()
            .expect("stream id")
            .to_owned()
    }

    /// Deploys examples/riverside.toml on this chain (dev account 0) and spends 0.5 ether from
    /// its operations cell (account 2, the treasurer) to 0x5555..: a history with a treasury
    /// movement to index and audit. Returns what the deploy printed.
    pub(crate) fn deploy_riverside_and_spend(&self) -> String {
        let out = self.ok(&["deploy", &example("riverside.toml"), "--dev-account", "0"]);
        self.ok(&[
            "treasury",
            "spend",
            "operations",
            &Address::repeat_byte(0x55).to_string(),
            "0.5ether",
            "--dev-account",
            "2",
        ]);
        out
    }

    /// Writes `text` as the file `name` of this test's directory; returns its path.
    pub(crate) fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write a test file");
        path.display().to_string()
    }

    /// `daoctl args` against the chain at `url` (a proxy in front of anvil, say).
    pub(crate) fn cmd_via(&self, url: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_daoctl"));
        c.args(args)
            .env("DAOCTL_RPC_URL", url)
            .env("DAOCTL_DEPLOYMENTS", self.dir.path())
            .env("DAOCTL_SAFE_TX_DIR", self.dir.path().join("safe-tx"))
            .current_dir(root());
        for var in UNSET {
            c.env_remove(var);
        }
        c
    }

    /// `daoctl args` against anvil.
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_via(&self.anvil.endpoint(), args)
    }

    pub(crate) fn output(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("daoctl runs")
    }

    /// Runs and expects success; returns stdout, trimmed.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        succeeded(args, &self.output(args)).0
    }

    /// Runs and expects success; returns stdout (trimmed) and stderr.
    pub(crate) fn ok2(&self, args: &[&str]) -> (String, String) {
        succeeded(args, &self.output(args))
    }

    /// Runs and expects failure without a panic; returns stderr.
    pub(crate) fn fails(&self, args: &[&str]) -> String {
        failed(args, &self.output(args))
    }

    /// `args` with `--json`, parsed.
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {out}"))
    }

    /// Dev account `account`.
    pub(crate) fn addr(&self, account: usize) -> Address {
        self.anvil.addresses()[account]
    }

    /// Dev account `account` as a command-line argument (checksummed).
    pub(crate) fn account(&self, account: usize) -> String {
        self.addr(account).to_checksum(None)
    }

    /// Dev account `account`'s private key, 0x hex.
    pub(crate) fn key(&self, account: usize) -> String {
        hex::encode_prefixed(self.anvil.keys()[account].to_bytes())
    }

    /// Where the deployment record of `dao` on anvil (chain 31337) is.
    pub(crate) fn record_path(&self, dao: &str) -> PathBuf {
        self.dir.path().join("31337").join(format!("{dao}.json"))
    }

    /// The deployment record of `dao`.
    pub(crate) fn record(&self, dao: &str) -> Value {
        read_json(&self.record_path(dao))
    }

    pub(crate) async fn mine(&self, blocks: u64) {
        let p = ProviderBuilder::new().connect_http(self.anvil.endpoint_url());
        let _: Value = p
            .raw_request("anvil_mine".into(), (U64::from(blocks),))
            .await
            .expect("anvil_mine");
    }

    pub(crate) async fn nonce(&self, account: usize) -> u64 {
        let p = ProviderBuilder::new().connect_http(self.anvil.endpoint_url());
        p.get_transaction_count(self.addr(account))
            .await
            .expect("nonce")
    }

    pub(crate) async fn balance(&self, account: usize) -> U256 {
        let p = ProviderBuilder::new().connect_http(self.anvil.endpoint_url());
        p.get_balance(self.addr(account)).await.expect("balance")
    }
}

pub(crate) fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}
