//! `make bench` (API part): latency of the main routes under 50 concurrent clients, and the
//! dashboard's first load, over a synthetic snapshot of BENCH_RECORDS records (default 1,000,000:
//! 1,000 cells, then proposals, votes, spends and tasks in block order). Requests only read the
//! published snapshot, so a synthetic one measures the serving path; building the snapshot from a
//! real chain is measured by the indexer's own bench.
use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::Arc,
    time::{Duration, Instant},
};

use alloy::primitives::U256;
use dao_serve::{
    Shared, Snapshot,
    metrics::{CellInfo, Flow, History, Money, ProposalInfo, TaskInfo},
    snapshot::Record,
};
use serde_json::json;

const CELLS: u64 = 1_000;

fn synthetic(records: u64) -> Snapshot {
    let mut s = Snapshot::default();
    let mut h = History::default();
    let parent = |i: u64| if i < 10 { 0 } else { i / 10 + 1 };
    let depth = |mut i: u64| {
        let mut d = 0;
        while i >= 10 {
            i /= 10;
            d += 1;
        }
        d
    };
    let cells = s.collections.entry("cells").or_default();
    for i in 0..CELLS {
        let id = (i + 1).to_string();
        let p = parent(i);
        cells.push(Record {
            id: id.clone(),
            cells: vec![id.clone(), p.to_string()],
            block: i,
            doc: json!({"id": id, "name": format!("cell {i}"), "parent": p.to_string(), "depth": depth(i), "phase": "Organization", "scale": "Coordination", "run_by": "person", "runner": "0x00", "phase_history": []}),
        });
        h.cells.push(CellInfo {
            id: (i + 1).to_string(),
            parent: (p > 0).then(|| p.to_string()),
            depth: depth(i),
            phase_changes: vec![(i, 1, 2)],
            phase: 2,
        });
    }
    let rest = records.saturating_sub(CELLS);
    for n in 0..rest {
        let block = CELLS + n / 4;
        let cell = (n % CELLS + 1).to_string();
        let at = json!({"block": block, "tx_index": 0, "log_index": n % 4, "tx_hash": format!("{:#066x}", n)});
        let (name, doc) = match n % 10 {
            0 | 1 => {
                h.proposals.push(ProposalInfo {
                    cell: cell.clone(),
                    created: block,
                    end: Some((block + 20, dao_serve::metrics::Outcome::Executed)),
                    ballots: 3,
                    electorate: 5,
                });
                (
                    "proposals",
                    json!({"id": n.to_string(), "cell": cell, "state": "Executed", "tally": {"for": "3", "against": "0", "abstain": "0"}, "voters": 3, "electorate_supply": 5, "created": at}),
                )
            }
            2..=6 => (
                "votes",
                json!({"proposal": (n - n % 10).to_string(), "voter": "0x00", "support": "For", "weight": "1", "at": at}),
            ),
            7 | 8 => {
                h.money.push(Money {
                    cell: cell.clone(),
                    block,
                    token: "0x0000000000000000000000000000000000000000".into(),
                    flow: Flow::Spent,
                    amount: U256::from(1000u64),
                });
                (
                    "spends",
                    json!({"cell": cell, "token": "0x0000000000000000000000000000000000000000", "to": "0x00", "amount": "1000", "at": at}),
                )
            }
            _ => {
                h.tasks.push(TaskInfo {
                    cell: cell.clone(),
                    created: block,
                    approved: Some(block + 5),
                    cancelled: false,
                });
                (
                    "tasks",
                    json!({"id": n.to_string(), "cell": cell, "status": "Paid", "bounty": "10", "created": at}),
                )
            }
        };
        s.collections.entry(name).or_default().push(Record {
            id: n.to_string(),
            cells: vec![cell],
            block,
            doc,
        });
    }
    for name in dao_serve::snapshot::COLLECTIONS {
        s.collections.entry(name).or_default();
    }
    s.head = Some(CELLS + rest / 4);
    s.audit = Some(Ok(json!({"head": s.head, "findings": []})));
    s.metrics_input = h;
    s.index();
    s
}

fn get(addr: &str, path: &str) -> Duration {
    let t = Instant::now();
    let mut c = TcpStream::connect(addr).expect("connect");
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut body = Vec::new();
    c.read_to_end(&mut body).expect("read");
    assert!(
        body.starts_with(b"HTTP/1.1 200"),
        "{path}: {}",
        String::from_utf8_lossy(&body[..body.len().min(200)])
    );
    t.elapsed()
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

fn main() {
    let records: u64 = std::env::var("BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let clients = 50;
    let per_client = 20;
    let t = Instant::now();
    let shared = Shared::new(synthetic(records));
    eprintln!(
        "synthetic snapshot of {records} records built in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    rt.spawn(dao_serve::serve(listener, Arc::clone(&shared)));
    println!("route                                   clients  requests   p50 ms   p99 ms");
    for route in [
        "/api/cells/555",
        "/api/proposals?cell=555&limit=50",
        "/api/proposals?order=desc&limit=25",
        "/api/spends?from_block=100000&to_block=100100",
        "/api/status",
        "/api/metrics?cell=2",
    ] {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (addr, route) = (addr.clone(), route.to_owned());
                std::thread::spawn(move || {
                    (0..per_client)
                        .map(|_| get(&addr, &route))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<Duration> = handles
            .into_iter()
            .flat_map(|h| h.join().expect("client"))
            .collect();
        all.sort();
        println!(
            "{route:<40}{clients:>7}{:>10}{:>9.1}{:>9.1}",
            all.len(),
            pct(&all, 0.5),
            pct(&all, 0.99)
        );
    }
    // The dashboard's first load: the page, its script and style, then the Network view's calls.
    let first_load = [
        "/",
        "/app.js",
        "/style.css",
        "/api/head",
        "/api/cells?limit=500",
        "/api/cells?limit=500&offset=500",
        "/api/status",
        "/api/spends?order=desc&limit=25",
        "/api/allocations?order=desc&limit=25",
        "/api/proposals?order=desc&limit=25",
        "/api/decisions?order=desc&limit=25",
        "/api/tasks?order=desc&limit=25",
    ];
    let mut loads: Vec<Duration> = (0..20)
        .map(|_| first_load.iter().map(|p| get(&addr, p)).sum())
        .collect();
    loads.sort();
    println!(
        "dashboard first load ({} requests, sequential): p50 {:.1} ms, max {:.1} ms",
        first_load.len(),
        pct(&loads, 0.5),
        pct(&loads, 1.0)
    );
}
