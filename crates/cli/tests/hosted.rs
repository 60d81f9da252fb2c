//! daoctl behind a hosted-like provider (issue 11): `dao_testkit::Proxy` in front of anvil caps
//! `eth_getLogs` at 1,000 blocks and 10,000 results and injects HTTP 429/503, JSON-RPC -32603,
//! -32000 "header not found", -32005 rate limits and dropped connections. Two DAOs share the core
//! contracts, with a long empty history between them. Every read command (from the chain with
//! `--live` and from the index, its default), `index` from an empty database, an up-to-date
//! `index`, `index --follow` from an empty database and `audit` must print through the proxy
//! exactly what they print against anvil directly, and the number of `eth_getLogs` calls must
//! follow the block span divided by the range cap, not the chain's events.
//!
//! The default run uses a 6,000-block history; `hosted_provider_200k_blocks` is the same scenario
//! over 200,000 blocks: `cargo test -p daoctl --test hosted -- --ignored`. It is not in `make test`
//! because of anvil, not of daoctl: anvil's cost per mined block grows with its chain (on a fresh
//! `anvil --prune-history`, successive `anvil_mine 2000` took 2.5, 7.5, 12.6, 18.2, 22.3 and
//! 22.2 s), so mining 200,000 empty blocks takes about 40 minutes of a core (the whole scenario
//! passed in 3,521 s on a 2-core machine, a clean CI run beside it).
mod common;

use alloy::{
    node_bindings::Anvil,
    primitives::U64,
    providers::{Provider, ProviderBuilder},
};
use common::{Net, example, succeeded};
use dao_testkit::{Fault, Proxy, ProxyConfig, anvil_path};
use serde_json::Value;

/// The range cap of the proxy.
const CAP: u64 = 1_000;

impl Net {
    /// `daoctl args` through `url`, logging only errors (the proxy's faults are retried, and
    /// every retry would log a warning).
    fn command(&self, url: &str, args: &[&str]) -> std::process::Command {
        let mut c = self.cmd_via(url, args);
        c.env("DAOCTL_LOG", "error");
        c
    }

    /// Runs `args` through `url` and expects success; returns stdout, trimmed.
    fn ok_via(&self, url: &str, args: &[&str]) -> String {
        succeeded(
            args,
            &self.command(url, args).output().expect("daoctl runs"),
        )
        .0
    }

    /// Runs `args` against anvil directly.
    fn direct(&self, args: &[&str]) -> String {
        self.ok_via(&self.anvil.endpoint(), args)
    }

    async fn rpc(&self, method: &str, params: Value) -> Value {
        let p = ProviderBuilder::new().connect_http(self.anvil.endpoint_url());
        p.raw_request(method.to_owned().into(), params)
            .await
            .expect(method)
    }

    async fn head(&self) -> u64 {
        let p = ProviderBuilder::new().connect_http(self.anvil.endpoint_url());
        p.get_block_number().await.expect("head")
    }

    /// The first block of a DAO's deployment record: where its reads start.
    fn first_block(&self, dao: &str) -> u64 {
        let record = self.record(dao);
        ["contracts", "steps"]
            .iter()
            .flat_map(|k| record[k].as_object().expect("map").values())
            .filter_map(|c| c["block"].as_u64())
            .min()
            .expect("a block")
    }
}

fn without_db(mut v: Value) -> Value {
    v.as_object_mut().expect("object").remove("db");
    v
}

/// Asserts that `calls` getLogs calls for `scans` scans of `span` blocks are what adaptive
/// ranges under a cap cost: at least one call per `cap` blocks, at most three (halving may settle
/// at just over half the cap, and the fetcher probes a doubled range after two successes and is
/// refused) plus the first halvings from its initial range.
fn assert_follows_span(what: &str, calls: u64, scans: u64, span: u64) {
    assert_follows_span_under(what, calls, scans, span, CAP);
}

fn assert_follows_span_under(what: &str, calls: u64, scans: u64, span: u64, cap: u64) {
    let per_scan = span.div_ceil(cap);
    assert!(
        calls >= scans * per_scan && calls <= scans * (3 * per_scan + 8),
        "{what}: {calls} eth_getLogs calls for {scans} scan(s) of {span} blocks (cap {cap})"
    );
    eprintln!("{what}: {calls} eth_getLogs calls for {scans} scan(s) of {span} blocks (cap {cap})");
}

async fn scenario(history: u64) {
    let net = Net::on(Anvil::at(anvil_path()).arg("--prune-history").spawn());
    // Nobody reads anvil's per-block log lines: without this, mining fills the pipe.
    net.rpc("anvil_setLoggingEnabled", serde_json::json!([false]))
        .await;

    // DAO 1, with a spend, a proposal and a task.
    net.direct(&["deploy", &example("riverside.toml"), "--dev-account", "0"]);
    let spend_to = alloy::primitives::Address::repeat_byte(0x55).to_string();
    net.direct(&[
        "treasury",
        "spend",
        "operations",
        &spend_to,
        "0.5ether",
        "--dev-account",
        "2",
        "--dao",
        "riverside",
    ]);
    let proposal = net
        .direct(&[
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
            "--dao",
            "riverside",
        ])
        .trim()
        .to_owned();
    net.direct(&[
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
        "--dao",
        "riverside",
    ]);

    // The long history, then DAO 2 on the same core contracts.
    net.rpc("anvil_mine", serde_json::json!([U64::from(history)]))
        .await;
    net.direct(&["deploy", &example("minimal.toml"), "--dev-account", "0"]);
    let head = net.head().await;
    let span = head - net.first_block("riverside") + 1;
    assert!(span > history, "span {span}");
    let minimal_span = head - net.first_block("minimal") + 1;

    // 1. Every read through a faulty, capped proxy prints what it prints directly, from the
    // chain (`--live`: bounded scans) and from the index (the default: each source's own index,
    // built from empty by the first read of each DAO, then caught up by every later read), and
    // the index prints what the chain does.
    let faulty = Proxy::start(ProxyConfig::hosted(net.anvil.endpoint()).with_faults(0.04, 7))
        .expect("proxy");
    let reads: Vec<Vec<&str>> = vec![
        with(&["state"]),
        with(&["state", "--json"]),
        with(&["role", "list", "events"]),
        with(&["role", "list", "dao", "--json"]),
        with(&["role", "show", "events.contributor"]),
        with(&["role", "show", "operations.treasurer", "--json"]),
        with(&["proposal", "list"]),
        with(&["proposal", "list", "--cell", "community", "--json"]),
        with(&["proposal", "show", &proposal]),
        with(&["proposal", "show", &proposal, "--json"]),
        with(&["cell", "list"]),
        with(&["cell", "show", "events", "--json"]),
        with(&["task", "list"]),
        with(&["task", "show", "1", "--json"]),
        with(&["stream", "list", "--json"]),
        with(&["treasury", "status"]),
        vec!["state", "--dao", "minimal", "--json"],
        vec!["role", "list", "dao", "--dao", "minimal"],
        vec!["proposal", "list", "--dao", "minimal"],
        vec!["task", "list", "--dao", "minimal"],
    ];
    let reads_db = |source: &str, args: &[&str]| {
        let dao = if args.contains(&"minimal") {
            "minimal"
        } else {
            "riverside"
        };
        net.dir
            .path()
            .join(format!("reads-{source}-{dao}.db"))
            .display()
            .to_string()
    };
    for args in &reads {
        let live = [args.as_slice(), &["--live"]].concat();
        let direct = net.direct(&live);
        assert_eq!(direct, net.ok_via(faulty.url(), &live), "daoctl {live:?}");
        let (direct_db, proxied_db) = (reads_db("direct", args), reads_db("proxied", args));
        assert_eq!(
            net.direct(&with_db(args, &direct_db)),
            direct,
            "daoctl {args:?}: indexed = live"
        );
        assert_eq!(
            net.ok_via(faulty.url(), &with_db(args, &proxied_db)),
            direct,
            "daoctl {args:?}: indexed through the proxy = live"
        );
    }
    // Each DAO reads only its own proposals from the shared governor.
    assert!(
        net.direct(&with(&["proposal", "list", "--live"]))
            .contains("fund events")
    );
    assert!(
        net.direct(&["proposal", "list", "--dao", "minimal", "--live"])
            .contains("no proposals")
    );

    // 2. `index` from an empty database, then up to date, and `audit`: the same as directly.
    let db = |name: &str| net.dir.path().join(name).display().to_string();
    let (direct_db, proxied_db) = (db("direct.db"), db("proxied.db"));
    let index = |url: &str, db: &str| -> Value {
        serde_json::from_str(&net.ok_via(url, &with_db(&with(&["index", "--json"]), db)))
            .expect("json")
    };
    let first = index(&net.anvil.endpoint(), &direct_db);
    assert_eq!(
        without_db(index(faulty.url(), &proxied_db)),
        without_db(first.clone())
    );
    assert_eq!(
        without_db(index(faulty.url(), &proxied_db)),
        without_db(first),
        "up to date"
    );
    // `index --follow` from an empty database: caught up, then stopped by Ctrl-C (SIGINT).
    let follow_db = db("follow.db");
    let mut follower = net
        .command(
            faulty.url(),
            &with_db(
                &with(&["index", "--follow", "--poll-ms", "200", "--json"]),
                &follow_db,
            ),
        )
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("daoctl index --follow");
    let stderr = follower.stderr.take().expect("stderr");
    let (caught_up, following) = std::sync::mpsc::channel();
    // Drain stderr to the end: a closed pipe would fail the follower's next write.
    let drain = std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            if line.contains("following new blocks") {
                let _ = caught_up.send(());
            }
        }
    });
    following
        .recv_timeout(std::time::Duration::from_secs(600))
        .expect("the follower caught up and started polling");
    std::thread::sleep(std::time::Duration::from_secs(1));
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &follower.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(interrupted.success());
    let out = follower.wait_with_output().expect("follower exits");
    drain.join().expect("stderr drained");
    assert!(out.status.success(), "follower stopped cleanly");
    let followed: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        without_db(followed),
        without_db(index(&net.anvil.endpoint(), &direct_db)),
        "followed from empty through the proxy = indexed directly"
    );

    let audit_direct = net.direct(&with_db(&with(&["audit"]), &direct_db));
    assert!(audit_direct.contains("no discrepancy"), "{audit_direct}");
    assert_eq!(
        net.ok_via(faulty.url(), &with_db(&with(&["audit"]), &proxied_db)),
        audit_direct
    );
    assert_eq!(
        net.ok_via(
            faulty.url(),
            &with_db(&with(&["state", "--indexed", "--json"]), &proxied_db)
        ),
        net.direct(&with(&["state", "--json"])),
        "indexed through the proxy = live"
    );

    let stats = faulty.stats();
    eprintln!("faulty proxy: {stats:?}");
    assert_eq!(stats.unbounded, 0, "no unbounded eth_getLogs");
    assert!(stats.widest_accepted_span <= CAP);
    assert!(stats.refused_range > 0, "the cap was met and handled");
    for fault in Fault::ALL {
        assert!(
            stats.faults.get(&fault).copied().unwrap_or(0) > 0,
            "{fault:?} injected at least once: {stats:?}"
        );
    }

    // 3. eth_getLogs calls follow the block span over the cap, per scan, whatever the events.
    let counting = Proxy::start(ProxyConfig::hosted(net.anvil.endpoint())).expect("proxy");
    let count = |args: &[&str]| -> u64 {
        counting.reset_stats();
        net.ok_via(counting.url(), args);
        counting.stats().calls("eth_getLogs")
    };
    assert_follows_span(
        "role show --live",
        count(&with(&["role", "show", "events.contributor", "--live"])),
        1,
        span,
    );
    // `state --live`: one scan for recorded decisions, one for executed proposals (and one more
    // for their contents when there are any), one for every role's wearers.
    assert_follows_span(
        "state riverside --live",
        count(&with(&["state", "--live"])),
        3,
        span,
    );
    assert_follows_span(
        "state minimal --live",
        count(&["state", "--dao", "minimal", "--live"]),
        3,
        minimal_span,
    );
    // A read from the index: from an empty database, the indexer's one pass over the span; from
    // an up-to-date one (no block since its checkpoint), no scan at all.
    let read_db = db("read.db");
    assert_follows_span(
        "state (index from empty)",
        count(&with_db(&with(&["state"]), &read_db)),
        1,
        span,
    );
    for args in [
        with(&["state"]),
        with(&["role", "show", "events.contributor"]),
        with(&["proposal", "list"]),
        with(&["task", "list"]),
    ] {
        let calls = count(&with_db(&args, &read_db));
        eprintln!("{args:?} (index up to date): {calls} eth_getLogs calls");
        assert_eq!(calls, 0, "{args:?}: an up-to-date index scans nothing");
    }
    // `index` from an empty database: the indexer's one pass over the span.
    assert_follows_span(
        "index",
        count(&with_db(&with(&["index"]), &db("counted.db"))),
        1,
        span,
    );
    // The same read under a cap ten times smaller costs ten to fifteen times the calls: the
    // count follows span / cap (the events read are the same).
    let mut fine = ProxyConfig::hosted(net.anvil.endpoint());
    fine.max_blocks = CAP / 10;
    let fine = Proxy::start(fine).expect("proxy");
    net.ok_via(
        fine.url(),
        &with(&["role", "show", "events.contributor", "--live"]),
    );
    assert_follows_span_under(
        "role show --live, cap / 10",
        fine.stats().calls("eth_getLogs"),
        1,
        span,
        CAP / 10,
    );

    // `audit` of an up-to-date index: one scan of the deployment's logs (the index proven
    // against the chain) and one of each Safe's logs (the index holds every DAO on the shared
    // contracts, so every DAO's Safe).
    counting.reset_stats();
    let audit: Value = serde_json::from_str(&net.ok_via(
        counting.url(),
        &with_db(&with(&["audit", "--json"]), &db("counted.db")),
    ))
    .expect("json");
    let safes = audit["safes"].as_array().expect("safes").len() as u64;
    assert_follows_span(
        "audit",
        counting.stats().calls("eth_getLogs"),
        safes + 1,
        span,
    );
}

fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--dao", "riverside"]);
    v
}

fn with_db<'a>(args: &[&'a str], db: &'a str) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["--db", db]);
    v
}

#[tokio::test]
async fn hosted_provider() {
    scenario(6_000).await;
}

#[tokio::test]
#[ignore = "anvil takes ~40 min to mine 200,000 blocks: run with --ignored"]
async fn hosted_provider_200k_blocks() {
    scenario(200_000).await;
}
