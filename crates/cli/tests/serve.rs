//! `daoctl serve` over a demo-like DAO on a fresh anvil: every API route, pagination, filters, bad
//! parameters; then the dashboard in headless Chromium (script/browser-test.mjs): the tree, a
//! proposal's tally, the money-flow totals, and a transaction sent while the page is open showing
//! up on it. Screenshots: target/browser-test/.
mod common;

use alloy::providers::{Provider, ProviderBuilder};
use common::{Net, root};
use serde_json::Value;
use std::{
    io::{BufRead, BufReader, Read, Write},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

impl Net {
    /// The story of the demo, shortened: a funded proposal voted and executed, a vetoed one, an
    /// allocation, a spend, a task paid its bounty, a phase change, a state document, a decision.
    async fn story(&self) {
        let riverside = root().join("examples/riverside.toml");
        self.ok(&[
            "deploy",
            &riverside.display().to_string(),
            "--dev-account",
            "0",
        ]);
        self.ok(&["role", "claim", "events.contributor", "--dev-account", "6"]);
        let p = self.ok(&[
            "proposal",
            "create",
            "--cell",
            "community",
            "--dev-account",
            "3",
            "--description",
            "Fund the events cell",
            "--set-budget",
            "events=2ether",
            "--allocate",
            "events=1ether",
        ]);
        self.mine(2).await;
        self.ok(&["proposal", "vote", &p, "for", "--dev-account", "3"]);
        self.ok(&["proposal", "vote", &p, "against", "--dev-account", "4"]);
        self.ok(&["proposal", "vote", &p, "for", "--dev-account", "5"]);
        self.mine(12).await;
        self.ok(&["proposal", "execute", &p, "--dev-account", "3"]);
        let bad = self.ok(&[
            "proposal",
            "create",
            "--cell",
            "community",
            "--dev-account",
            "3",
            "--description",
            "Pay the proposer",
            "--spend",
            "0x90F79bf6EB2c4f870365E785982E1f101E93b906=5ether",
        ]);
        self.mine(2).await;
        self.ok(&["proposal", "vote", &bad, "for", "--dev-account", "3"]);
        self.ok(&["proposal", "vote", &bad, "for", "--dev-account", "4"]);
        self.mine(6).await;
        self.ok(&["proposal", "veto", &bad, "--dev-account", "1"]);
        self.ok(&[
            "treasury",
            "allocate",
            "operations",
            "engineering",
            "1ether",
            "--dev-account",
            "2",
        ]);
        self.ok(&[
            "treasury",
            "spend",
            "operations",
            "0x5555555555555555555555555555555555555555",
            "0.5ether",
            "--dev-account",
            "2",
        ]);
        let task = self.ok(&[
            "task",
            "create",
            "--cell",
            "events",
            "--spec-uri",
            "ipfs://bafy-poster",
            "--bounty",
            "0.25ether",
            "--role",
            "events.contributor",
            "--deadline-days",
            "14",
            "--dev-account",
            "4",
        ]);
        self.ok(&["task", "claim", &task, "--dev-account", "6"]);
        self.ok(&[
            "task",
            "submit",
            &task,
            "ipfs://bafy-poster-final",
            "--dev-account",
            "6",
        ]);
        self.ok(&["task", "approve", &task, "--dev-account", "4"]);
        self.ok(&[
            "cell",
            "phase",
            "events",
            "organization",
            "--dev-account",
            "4",
        ]);
        self.ok(&[
            "cell",
            "state",
            "set",
            "events",
            "charter",
            "ipfs://bafy-charter-v2",
            "--dev-account",
            "4",
        ]);
        self.ok(&[
            "cell",
            "decision",
            "record",
            "events",
            "--ref",
            "spring-meetup",
            "--uri",
            "ipfs://bafy-minutes",
            "--dev-account",
            "4",
        ]);
    }
}

/// A running `daoctl serve`, killed on drop.
struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(net: &Net) -> Server {
    let mut child = net
        .cmd(&["serve", "--listen", "127.0.0.1:0", "--poll-ms", "200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("daoctl serve starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("reads the address");
    let addr = line
        .trim()
        .strip_prefix("dashboard: http://")
        .and_then(|a| a.strip_suffix('/'))
        .unwrap_or_else(|| panic!("first line names the dashboard: {line:?}"))
        .to_owned();
    Server { child, addr }
}

/// GET over plain HTTP/1.1: (status, body).
fn get(addr: &str, path: &str) -> (u16, String) {
    request(addr, "GET", path)
}

fn request(addr: &str, method: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status");
    (status, body.to_owned())
}

fn get_json(addr: &str, path: &str) -> Value {
    let (status, body) = get(addr, path);
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {body}"))
}

fn wait_for_head(addr: &str, at_least: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = get_json(addr, "/api/status");
        if s["head"].as_u64().is_some_and(|h| h >= at_least) && s["audit"]["pending"].is_null() {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "the server never reached block {at_least}: {s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_api_and_dashboard() {
    let net = Net::empty();
    net.story().await;
    let head = ProviderBuilder::new()
        .connect_http(net.anvil.endpoint_url())
        .get_block_number()
        .await
        .expect("head");
    let server = serve(&net);
    let a = server.addr.as_str();
    let status = wait_for_head(a, head);
    assert_eq!(status["chain_id"], 31337);
    assert_eq!(status["audit"]["clean"], true, "{status}");

    // Every route of the router answers; the list routes with items.
    let routes = get_json(a, "/api");
    let routes: Vec<String> = routes
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            r["route"]
                .as_str()
                .expect("route")
                .trim_start_matches("GET ")
                .to_owned()
        })
        .collect();
    let cells = get_json(a, "/api/cells?limit=500")["items"].clone();
    let events = cells
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["name"] == "Events")
        .expect("the events cell")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let proposals = get_json(a, "/api/proposals")["items"].clone();
    let executed = proposals
        .as_array()
        .expect("proposals")
        .iter()
        .find(|p| p["state"] == "Executed")
        .expect("an executed proposal")
        .clone();
    for r in &routes {
        let path = r.replace(
            "{id}",
            if r.starts_with("/api/cells") {
                &events
            } else {
                executed["id"].as_str().expect("id")
            },
        );
        let v = get_json(a, &path);
        assert!(!v.is_null(), "{path}");
    }
    for name in [
        "daos",
        "cells",
        "roles",
        "wearers",
        "proposals",
        "votes",
        "budgets",
        "allocations",
        "spends",
        "bounties",
        "tasks",
        "decisions",
        "state-docs",
        "safes",
    ] {
        let p = get_json(a, &format!("/api/{name}"));
        assert!(
            p["total"].as_u64().expect("total") > 0,
            "{name} is empty: {p}"
        );
    }
    assert_eq!(get_json(a, "/api/daos")["total"], 1);

    // A proposal: tally, quorum, votes and timeline.
    assert_eq!(executed["tally"]["for"], "2");
    assert_eq!(executed["tally"]["against"], "1");
    assert_eq!(executed["voters"], 3);
    assert_eq!(executed["votes"].as_array().expect("votes").len(), 3);
    let timeline: Vec<&str> = executed["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect();
    assert_eq!(timeline, ["created", "vote", "vote", "vote", "executed"]);
    assert!(executed["quorum"].as_u64().is_some(), "{executed}");
    let vetoed = get_json(a, "/api/proposals?status=vetoed");
    assert_eq!(vetoed["total"], 1);

    // The cell page.
    let page = get_json(a, &format!("/api/cells/{events}"));
    assert_eq!(page["cell"]["phase"], "Organization");
    assert!(
        page["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .any(|r| !r["wearers"].as_array().expect("w").is_empty())
    );
    assert_eq!(
        page["state_docs"][0]["versions"].as_array().map(Vec::len),
        Some(1),
        "the charter's one version"
    );
    assert_eq!(page["decisions"][0]["uri"], "ipfs://bafy-minutes");
    assert_eq!(
        get_json(a, "/api/cells/Events")["cell"]["id"],
        events.as_str()
    );

    // Pagination: limit and cursor walk every item once, in order; offset agrees.
    let all = get_json(a, "/api/roles?limit=500");
    let total = all["total"].as_u64().expect("total") as usize;
    assert!(total > 3);
    let mut walked = Vec::new();
    let mut next = Some(String::new());
    while let Some(cursor) = next {
        let q = if cursor.is_empty() {
            "/api/roles?limit=2".to_owned()
        } else {
            format!("/api/roles?limit=2&cursor={cursor}")
        };
        let p = get_json(a, &q);
        assert!(p["items"].as_array().expect("items").len() <= 2);
        walked.extend(p["items"].as_array().expect("items").iter().cloned());
        next = p["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(walked, *all["items"].as_array().expect("items"));
    // Newest first: the same items reversed, cursors included.
    let mut newest = Vec::new();
    let mut next = Some(String::new());
    while let Some(cursor) = next {
        let q = if cursor.is_empty() {
            "/api/roles?order=desc&limit=3".to_owned()
        } else {
            format!("/api/roles?order=desc&limit=3&cursor={cursor}")
        };
        let p = get_json(a, &q);
        newest.extend(p["items"].as_array().expect("items").iter().cloned());
        next = p["next_cursor"].as_str().map(str::to_owned);
    }
    newest.reverse();
    assert_eq!(newest, walked);
    let third = get_json(a, "/api/roles?limit=1&offset=2");
    assert_eq!(third["items"][0], all["items"][2]);
    assert_eq!(third["total"], total);

    // Filters: cell (by id or name), block range.
    let by_cell = get_json(a, &format!("/api/tasks?cell={events}"));
    assert_eq!(by_cell["total"], 1);
    assert_eq!(get_json(a, "/api/tasks?cell=Engineering")["total"], 0);
    assert_eq!(get_json(a, "/api/decisions?cell=Events")["total"], 1);
    let spend_block = get_json(a, "/api/spends")["items"][0]["at"]["block"]
        .as_u64()
        .expect("block");
    assert_eq!(
        get_json(
            a,
            &format!("/api/spends?from_block={spend_block}&to_block={spend_block}")
        )["total"],
        1
    );
    assert_eq!(
        get_json(a, &format!("/api/spends?to_block={}", spend_block - 1))["total"],
        0
    );

    // Bad parameters: 400 naming the parameter; unknown routes and ids: 404.
    for (path, param) in [
        ("/api/cells?limit=abc", "limit"),
        ("/api/cells?limit=100000", "limit"),
        ("/api/spends?cursor=zzz", "cursor"),
        ("/api/spends?offset=-3", "offset"),
        ("/api/tasks?cell=nowhere", "cell"),
        ("/api/tasks?from_block=9&to_block=3", "to_block"),
        ("/api/tasks?colour=red", "colour"),
        ("/api/tasks?order=sideways", "order"),
        ("/api/metrics?buckets=0", "buckets"),
        ("/api/metrics?cell=0x1234", "cell"),
        ("/api/flows?token=eth", "token"),
        ("/api/head?after=soon", "after"),
        ("/api/status?verbose=1", "verbose"),
    ] {
        let (status, body) = get(a, path);
        assert_eq!(status, 400, "{path}: {body}");
        let v: Value = serde_json::from_str(&body).expect("json");
        assert_eq!(v["param"], param, "{path}: {body}");
        assert!(
            v["error"].as_str().expect("error").contains(param),
            "{body}"
        );
    }
    assert_eq!(get(a, "/api/nope").0, 404);
    assert_eq!(get(a, "/api/proposals/0x1234").0, 404);
    // Read-only: any other method is refused, and names the one that works.
    for method in ["POST", "PUT", "DELETE"] {
        let (status, body) = request(a, method, "/api/cells");
        assert_eq!(status, 405, "{method}: {body}");
        assert!(body.contains("GET"), "{method}: {body}");
    }

    // Money flow: what left the Safe equals what its root cell handed down, spent and paid.
    let flows = get_json(a, "/api/flows");
    assert_eq!(flows["totals"]["spent"], "500000000000000000");
    assert_eq!(flows["totals"]["bounties_paid"], "250000000000000000");
    // Metrics over the real index.
    let m = get_json(a, "/api/metrics?buckets=4");
    assert_eq!(m["metrics"]["vetoes"], 1);
    assert_eq!(m["metrics"]["proposals_executed"], 1);
    assert_eq!(m["metrics"]["tasks_approved"], 1);
    assert_eq!(m["series"].as_array().expect("series").len(), 4);
    assert_eq!(
        get_json(a, "/api/metrics?buckets=4"),
        m,
        "the same report again (from the snapshot's cache)"
    );
    let cli: Value =
        serde_json::from_str(&net.ok(&["metrics", "--cell", "events", "--json"])).expect("json");
    assert_eq!(cli["metrics"]["decisions"], 1);
    assert_eq!(cli["metrics"]["tasks_approved"], 1);

    // The dashboard is served.
    let (status, html) = get(a, "/");
    assert_eq!(status, 200);
    assert!(html.contains("/app.js"));
    assert_eq!(get(a, "/app.js").0, 200);

    browser(&net, a).await;
}

/// The dashboard in headless Chromium, with a transaction sent while the page is open.
async fn browser(net: &Net, addr: &str) {
    let out = root().join("target/browser-test");
    let mut node = Command::new("node")
        .arg(root().join("script/browser-test.mjs"))
        .arg(format!("http://{addr}/"))
        .arg(&out)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node runs (npm's node_modules installed by make deps)");
    let mut stdout = BufReader::new(node.stdout.take().expect("stdout"));
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("reads") == 0 {
            let status = node.wait().expect("waits");
            panic!(
                "the browser test ended before READY ({status}):\n{}",
                seen.join("")
            );
        }
        seen.push(line.clone());
        if line.starts_with("READY") {
            break;
        }
    }
    let sent: Value = serde_json::from_str(&net.ok(&[
        "treasury",
        "spend",
        "operations",
        "0x6666666666666666666666666666666666666666",
        "0.1ether",
        "--dev-account",
        "2",
        "--json",
    ]))
    .expect("json");
    let tx = sent["transactions"][0]["tx"]
        .as_str()
        .or(sent["tx"].as_str())
        .unwrap_or_else(|| panic!("a tx hash: {sent}"))
        .to_owned();
    let mut stdin = node.stdin.take().expect("stdin");
    writeln!(stdin, "TX {tx}").expect("writes");
    drop(stdin);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).expect("reads");
    let status = node.wait().expect("waits");
    assert!(
        status.success(),
        "browser test failed:\n{}{rest}",
        seen.join("")
    );
    assert!(rest.contains("OK"), "{rest}");
    for shot in [
        "network", "proposal", "flows", "cell", "tasks", "audit", "metrics", "live",
    ] {
        assert!(
            out.join(format!("{shot}.png")).exists(),
            "screenshot {shot}.png"
        );
    }
}
