//! `make bench`: indexer throughput on a large history built on anvil.
//!
//! Builds at least `BENCH_EVENTS` (default 100,000) Roles events with `Roles.batchMintRoles`
//! (each mint emits RoleMinted + ERC-1155 TransferSingle), then measures events per second for:
//! 1. decode + apply in memory (the fold alone, logs already in memory),
//! 2. decode + apply + SQLite persistence (raw logs, derived rows, checkpoint per range),
//! 3. end to end from anvil's JSON-RPC into SQLite (what `daoctl index` does),
//! 4. opening the up-to-date index (loading the derived tables) against re-folding its raw logs,
//!
//! and prints peak memory (VmHWM). Targets on a 2-core machine: 500,000 / 100,000 / 20,000 events/s.

use std::{path::PathBuf, time::Instant};

use alloy::{
    network::EthereumWallet,
    node_bindings::Anvil,
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use dao_bindings::Roles;
use dao_indexer::{Contracts, Indexer, IndexerConfig, RpcSource, State, Store};

/// anvil through the project's launcher (script/bin/anvil), which execs the pinned platform binary:
/// not the npm wrapper in node_modules/.bin, whose anvil child would outlive a kill.
fn anvil_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../script/bin/anvil")
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let target: u64 = std::env::var("BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let batch: usize = 4_000;
    let anvil = Anvil::at(anvil_path())
        .args([
            "--gas-limit",
            "1000000000000",
            "--disable-code-size-limit",
            "--no-request-size-limit",
        ])
        .spawn();
    let signer: PrivateKeySigner = anvil.keys()[0].clone().into();
    let me = signer.address();
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(anvil.endpoint_url());

    // History: one tree, one role, `target / 2` wearers minted in batches.
    let t0 = Instant::now();
    let roles = Roles::deploy(&p, Address::ZERO).await?;
    let top = roles
        .mintTopRole(me, "bench".into(), String::new())
        .call()
        .await?;
    roles
        .mintTopRole(me, "bench".into(), String::new())
        .send()
        .await?
        .get_receipt()
        .await?;
    let create = roles.createRole(
        top,
        "member".into(),
        u32::MAX,
        Address::ZERO,
        Address::ZERO,
        true,
        false,
        String::new(),
    );
    let member = create.call().await?;
    create.send().await?.get_receipt().await?;
    let mints = target.div_ceil(2) as usize;
    let mut pending = Vec::new();
    for start in (0..mints).step_by(batch) {
        let n = batch.min(mints - start);
        let ids = vec![member; n];
        let wearers: Vec<Address> = (start..start + n)
            .map(|i| Address::left_padding_from(&(0x1_0000_0000u64 + i as u64).to_be_bytes()))
            .collect();
        let expiries = vec![0u64; n];
        let tx = roles
            .batchMintRoles(ids, wearers, expiries)
            .gas(900_000_000_000u64.min(60_000 * n as u64 + 1_000_000));
        pending.push(tx.send().await?);
    }
    let mut last_block = 0;
    for pt in pending {
        let r = pt.get_receipt().await?;
        assert!(r.status(), "batchMintRoles reverted");
        last_block = r.block_number.unwrap_or_default();
    }
    let head = p.get_block_number().await?;
    eprintln!(
        "history: {mints} mints in {:.1}s, head block {head} (last batch in {last_block})",
        t0.elapsed().as_secs_f64()
    );

    let contracts = Contracts {
        roles: Some(*roles.address()),
        ..Contracts::default()
    };
    let dir = tempfile::tempdir()?;

    // 3. End to end: JSON-RPC -> decode -> fold -> SQLite.
    let t = Instant::now();
    let mut ix = Indexer::open(
        RpcSource::new(p.clone()),
        &dir.path().join("e2e.db"),
        IndexerConfig::new(contracts, 0),
    )
    .await?;
    let report = ix.sync().await?;
    let e2e = t.elapsed().as_secs_f64();
    let events = report.logs;
    assert!(
        events >= target,
        "history has {events} events, wanted {target}"
    );
    assert_eq!(ix.state().roles[&member].supply as usize, mints);

    // Logs in memory, for the two in-process measurements.
    let logs = ix.store().raw_logs()?;
    drop(ix);

    // 4. Opening the up-to-date index: loading its derived tables (what `Indexer::open` does),
    //    against re-folding every raw log (what it did before the derived state was persisted).
    let t = Instant::now();
    let store = Store::open(&dir.path().join("e2e.db"), 31337, &contracts)?;
    let loaded = store.load_state(contracts)?;
    let open_load = t.elapsed().as_secs_f64();
    assert_eq!(loaded.roles[&member].supply as usize, mints);
    drop(loaded);
    let t = Instant::now();
    let mut refolded = State::new(contracts);
    refolded.apply_all(&store.raw_logs()?);
    let open_refold = t.elapsed().as_secs_f64();
    assert_eq!(refolded.roles[&member].supply as usize, mints);
    drop((refolded, store));

    // 1. Decode + apply in memory (best of 3).
    let mut mem = f64::MAX;
    for _ in 0..3 {
        let t = Instant::now();
        let mut s = State::new(contracts);
        s.apply_all(&logs);
        mem = mem.min(t.elapsed().as_secs_f64());
        assert_eq!(s.wearers.len(), mints + 1, "every mint and the top role");
    }

    // 2. Decode + apply + SQLite, in ranges of 10 blocks (many commits, as when catching up).
    let t = Instant::now();
    let mut store = Store::open(&dir.path().join("sqlite.db"), 31337, &contracts)?;
    let mut s = State::new(contracts);
    let mut i = 0;
    while i < logs.len() {
        let first = logs[i].block_number;
        let mut j = i;
        while j < logs.len() && logs[j].block_number < first + 10 {
            j += 1;
        }
        let range = &logs[i..j];
        s.apply_all(range);
        let last = range[range.len() - 1].block_number;
        store.commit_range(
            range,
            &[],
            (last, range[range.len() - 1].block_hash),
            0,
            &mut s,
        )?;
        i = j;
    }
    let sql = t.elapsed().as_secs_f64();
    assert_eq!(store.raw_log_count()?, events);

    let rate = |secs: f64| events as f64 / secs;
    println!(
        "indexer benchmark: {events} events ({mints} RoleMinted + {mints} TransferSingle + 3), {head} blocks"
    );
    println!(
        "  decode + apply in memory    {:>12.0} events/s  ({:.3} s)  target 500,000",
        rate(mem),
        mem
    );
    println!(
        "  + SQLite persistence        {:>12.0} events/s  ({:.3} s)  target 100,000",
        rate(sql),
        sql
    );
    println!(
        "  end to end from anvil RPC   {:>12.0} events/s  ({:.3} s)  target  20,000",
        rate(e2e),
        e2e
    );
    println!(
        "  open up-to-date index       {:>12.3} s (load derived tables); re-fold of the raw logs {:.3} s",
        open_load, open_refold
    );
    println!("  peak memory (VmHWM)         {:>12.1} MiB", peak_rss_mib());
    let _ = U256::ZERO;
    Ok(())
}
