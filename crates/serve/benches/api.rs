//! `make bench` (API part): the API over an index of BENCH_API_EVENTS events (default 1,000,000).
//!
//! 1. Builds the index as the indexer does: the logs of a network's contracts (typed events
//!    encoded with the `sol!` bindings, see tests/chain: a tree of 1,000 cells, then rounds of
//!    proposals, votes, executions, spends, tasks and bounties) folded by `State` and committed
//!    to an SQLite `Store` in ranges of 500 blocks.
//! 2. Opens it as `daoctl serve` does (loads the derived tables) and builds the snapshot: the
//!    time it takes is part of the figures.
//! 3. Advances the snapshot by one more block, against building it again.
//! 4. Serves it and measures p50/p99 of the main routes under 50 concurrent clients, the
//!    dashboard's first load, and a metrics report computed without the cache.
//!
//! Targets on a 2-core machine: p99 < 50 ms for a cell page, < 1 s for the dashboard's first load.

#[path = "../tests/chain/mod.rs"]
mod chain;

use std::{
    io::{Read, Write},
    net::TcpStream,
    sync::Arc,
    time::{Duration, Instant},
};

use dao_indexer::{Changes, State, Store};
use dao_serve::{Shared, Snapshot};
use dao_testkit::measure::peak_rss_mib;

fn get(addr: &str, path: &str) -> Duration {
    get_body(addr, path).0
}

/// GET `path`: how long it took and the body.
fn get_body(addr: &str, path: &str) -> (Duration, String) {
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
    let took = t.elapsed();
    let text = String::from_utf8_lossy(&body);
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (took, body)
}

/// The dashboard's first load, as its script makes it: the page, its script and style, the head,
/// every cell (pages of 500 by cursor), the status and the newest events of each kind.
fn first_load(addr: &str) -> (Duration, usize) {
    let mut took = Duration::ZERO;
    let mut requests = 0;
    let mut load = |path: &str| {
        let (t, body) = get_body(addr, path);
        took += t;
        requests += 1;
        body
    };
    for p in ["/", "/app.js", "/style.css", "/api/head"] {
        load(p);
    }
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/cells?limit=500&cursor={c}"),
            None => "/api/cells?limit=500".to_owned(),
        };
        let page: serde_json::Value = serde_json::from_str(&load(&path)).expect("a page");
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.replace(':', "%3A")),
            None => break,
        }
    }
    load("/api/status");
    for name in ["spends", "allocations", "proposals", "decisions", "tasks"] {
        load(&format!("/api/{name}?order=desc&limit=25"));
    }
    (took, requests)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)].as_secs_f64() * 1e3
}

fn head(state: &State) -> Option<(u64, String)> {
    state
        .last
        .map(|at| (at.block, chain::Chain::block_hash(at.block).to_string()))
}

/// Folds and commits `logs` in ranges of `blocks` blocks, as the indexer does.
fn ingest(store: &mut Store, state: &mut State, logs: &[dao_indexer::RawLog], blocks: u64) {
    let mut i = 0;
    while i < logs.len() {
        let end = logs[i].block_number + blocks - 1;
        let j = logs[i..]
            .iter()
            .position(|l| l.block_number > end)
            .map_or(logs.len(), |k| i + k);
        let range = &logs[i..j];
        state.apply_all(range);
        let last = &range[range.len() - 1];
        store
            .commit_range(range, &[], (last.block_number, last.block_hash), 0, state)
            .expect("commit");
        i = j;
    }
}

fn main() {
    let target: usize = std::env::var("BENCH_API_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (clients, per_client) = (50, 20);
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("index.db");
    let contracts = chain::contracts();

    // 1. The index.
    let t = Instant::now();
    let mut chain = chain::Chain::new(1_000, 1_100);
    while chain.logs().len() < target {
        chain.round();
    }
    let logs = chain.take_logs();
    let events = logs.len();
    let generated = t.elapsed().as_secs_f64();
    let t = Instant::now();
    {
        let mut store = Store::open(&db, 31337, &contracts).expect("store");
        let mut state = State::new(contracts);
        ingest(&mut store, &mut state, &logs, 500);
        assert_eq!(state.undecoded, 0);
        assert!(
            state.anomalies.is_empty(),
            "{:?}",
            &state.anomalies[..state.anomalies.len().min(3)]
        );
    }
    let indexed = t.elapsed().as_secs_f64();
    drop(logs);

    // 2. Open it and build the snapshot, as `daoctl serve` starts.
    let t = Instant::now();
    let (mut store, _) = Store::open_existing(&db).expect("open");
    let mut state = store.load_state(contracts).expect("load");
    let opened = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let snap = Snapshot::build(&state, 31337, head(&state));
    let built = t.elapsed().as_secs_f64();
    let records: usize = snap.collections.values().map(|c| c.len()).sum();

    // 3. One more block: advance the snapshot, against building it again.
    chain.round();
    let more = chain.take_logs();
    state.apply_all(&more);
    let mut changes = Changes::default();
    changes.record(&state);
    let last = &more[more.len() - 1];
    store
        .commit_range(
            &more,
            &[],
            (last.block_number, last.block_hash),
            0,
            &mut state,
        )
        .expect("commit");
    let t = Instant::now();
    let advanced = snap.advance(&state, &changes, head(&state));
    let advance_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let rebuilt = Snapshot::build(&state, 31337, head(&state));
    let rebuild = t.elapsed().as_secs_f64();
    assert!(
        advanced == rebuilt,
        "the advanced snapshot is the rebuilt one"
    );
    drop((rebuilt, snap));

    println!(
        "API benchmark: an index of {events} events ({} blocks, {} cells), {records} records",
        state.last.map_or(0, |l| l.block),
        state.domain.cells.len()
    );
    println!(
        "  history generated in {generated:.1} s; folded and committed to SQLite in {indexed:.1} s"
    );
    println!(
        "  snapshot from the index: open (load derived tables) {opened:.1} s + build {built:.1} s = {:.1} s",
        opened + built
    );
    println!(
        "  a new block ({} events, {} entities changed): snapshot advanced in {advance_ms:.1} ms; built again in {:.0} ms",
        more.len(),
        changes.entities.len(),
        rebuild * 1e3
    );

    // 4. Serve it.
    let cell_ids: Vec<String> = advanced.list("cells").map(|c| c.id.clone()).collect();
    let cell = cell_ids[cell_ids.len() / 2].clone();
    let block = state.last.map_or(0, |l| l.block) / 2;
    for scope in [None, Some(cell.as_str())] {
        let t = Instant::now();
        dao_serve::metrics::report(&advanced, scope, None, None, 8).expect("report");
        println!(
            "  metrics report ({}, 8 windows), uncached: {:.1} ms",
            scope.map_or("network", |_| "a cell and its subtree"),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    let t = Instant::now();
    let page = dao_serve::api::cell_page(&advanced, &cell).expect("a cell page");
    println!(
        "  a cell page written (uncached, the first request of a block): {:.1} ms, {} KiB",
        t.elapsed().as_secs_f64() * 1e3,
        page.len() / 1024
    );
    let shared = Shared::new(advanced);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    rt.spawn(dao_serve::serve(listener, Arc::clone(&shared)));
    println!(
        "  route                                              clients requests  p50 ms  p99 ms"
    );
    for route in [
        format!("/api/cells/{cell}"),
        format!("/api/proposals?cell={cell}&limit=50"),
        "/api/proposals?order=desc&limit=25".to_owned(),
        format!("/api/spends?from_block={block}&to_block={}", block + 100),
        "/api/status".to_owned(),
        format!("/api/metrics?cell={cell}&buckets=8"),
    ] {
        let handles: Vec<_> = (0..clients)
            .map(|_| {
                let (addr, route) = (addr.clone(), route.clone());
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
        let shown = if route.len() > 50 {
            format!("{}…", &route[..49])
        } else {
            route.clone()
        };
        println!(
            "  {shown:<51}{clients:>7}{:>9}{:>8.1}{:>8.1}",
            all.len(),
            pct(&all, 0.5),
            pct(&all, 0.99)
        );
    }
    let mut loads: Vec<Duration> = Vec::new();
    let mut requests = 0;
    for _ in 0..20 {
        let (t, n) = first_load(&addr);
        loads.push(t);
        requests = n;
    }
    loads.sort();
    println!(
        "  dashboard first load ({requests} requests, sequential): p50 {:.1} ms, max {:.1} ms",
        pct(&loads, 0.5),
        pct(&loads, 1.0)
    );
    println!("  peak memory (VmHWM) {:.0} MiB", peak_rss_mib());
}
