//! `make bench`: indexer throughput on a large history built on anvil.
//!
//! Builds at least `BENCH_EVENTS` (default 100,000) Roles events with `Roles.batchMintRoles`
//! (each mint emits RoleMinted + ERC-1155 TransferSingle), then measures events per second for:
//! 1. decode + apply in memory (the fold alone, the whole state in memory, logs already read),
//! 2. decode + apply + SQLite persistence as the indexer does it (working set read from and
//!    written to SQLite, raw logs, checkpoint per range of 10 blocks),
//!    then the rebuild of that index's derived tables from its raw logs (what a schema
//!    migration, a reorg's rollback and `audit --repair` run: time and peak memory),
//! 3. end to end from anvil's JSON-RPC into SQLite (what `daoctl index` does),
//! 4. opening the up-to-date index and reading its state through the typed queries (counts, the
//!    role, the first page of its wearers), at this size and at 100 events,
//! 5. the read-only audit (skipped with `BENCH_AUDIT=0`),
//!
//! and the peak memory (VmHWM) of each phase (reset between phases through
//! /proc/self/clear_refs) and of the whole run. The logs are read back from the index a slice
//! at a time, so the benchmark itself holds no whole history. Targets at 1,000,000 events on a
//! 2-core machine: 3,000,000 / 500,000 / 100,000 events/s; indexing under 300 MiB (and within
//! 1.5x of the 100,000-event run); opening and reading the state under 200 ms.
//!
//! The end-to-end phase also prints the CPU of the whole process (the next range's JSON is
//! parsed on the runtime's worker threads while the main thread commits) and of anvil (whose
//! `eth_getLogs` builds each answer through `serde_json::Value`: the largest cost of that phase),
//! and the resident set when it starts. On a shared machine, compare the per-CPU-second figures.
//!
//! What the figures at 1,000,000 events owe to what (schema 8; before it, on a quiet machine:
//! 1.9 M / 330 k / 77 k events/s, indexing peak 320 MiB, 184 MiB at 100,000):
//! - raw logs one row per block (`dao_indexer::log_block`) instead of one per log: SQLite's cost
//!   is per row, and this history has ~8,000 logs per block. Writing was 2.4 of the 3.0 s of
//!   phase 2; the encoding also halves the bytes (a transaction, contract, signature or repeated
//!   topic stored once per block);
//! - the range's wearers written 64 rows to a statement; dirty keys in sorted sets instead of
//!   SipHash sets (no hash of a 52-byte key per mint), and a range's grants a list sorted once
//!   when written (a push per mint instead of a second tree insert);
//! - the next range's `eth_getLogs` in flight while a range is folded and committed, read
//!   straight into raw logs (alloy's flattened `Log` made serde buffer each log as generic
//!   content: most of this process's CPU in phase 3);
//! - memory: 10,000 logs per query (two ranges are in memory now), a 16 MiB page cache (was 64),
//!   and 50,000 resident entities (was 100,000);
//! - the fold in memory (phase 1, at the edge of its target before: 2.93 to 3.27 M events/s on a
//!   quiet machine), profiled with perf: most of its time went to the B-tree of grants keyed by
//!   (role, wearer), mostly in allocating its nodes (page faults of the growing state) and
//!   searching them, then to decoding. Now the grants are a map of wearers per role
//!   (`model::Wearers`): this history's 500,000 grants are a tree keyed by 20-byte addresses, not
//!   56-byte pairs, whose nodes are a fifth smaller (about a sixth off the phase, in a copy of it
//!   on synthetic logs where each step was timed alone; a pair of the same size compared as
//!   integers gained little, a hash map lost 4x in isolation: a cache miss per insert and
//!   rehashes as it grows). `State::apply` folds Roles logs straight from their event enum
//!   instead of moving them through the 272-byte `Decoded` (about a tenth off). The grants
//!   touched since the last write are wearers in runs of one role (20 bytes a mint instead of
//!   56: about a twentieth off). Measured alternately with the commit before, 3 runs each in the
//!   same quarter of an hour on a machine loaded by other work: 4.10 / 4.24 / 4.19 M events/s
//!   (per CPU second 4.06 / 4.31 / 4.25 M) against 2.99 / 3.29 / 3.20 M (3.03 / 3.26 / 3.17 M).
//!   The working set's fold gains too (fold 0.17 / 0.11 / 0.11 s against 0.16 / 0.15 / 0.18 s,
//!   prefetch 0.05 / 0.03 / 0.03 s against 0.05 / 0.05 / 0.06 s); the other phases stay within
//!   their noise (SQLite 0.46 / 0.82 / 0.81 M against 0.57 / 0.62 / 0.67 M events/s, end to end
//!   99 / 122 / 125 k against 96 / 112 / 119 k, rebuild 583 / 874 / 816 k against 781 / 801 /
//!   762 k, indexing peak 139 / 153 / 153 MiB against 154 / 152 / 149 MiB, 1.20x to 1.38x the
//!   100,000-event run's; the first run of the change was disturbed in every phase).
//!
//! The audit (phase 5) at 1,000,000 events: 31,921 events/s and a 2.1 GiB peak when it held the
//! whole history (the chain's logs, the stored ones, a fresh fold and both tables' rows as text);
//! 74,100 events/s and 293 to 329 MiB (from ~147 MiB resident at its start) since it reads the
//! chain a span at a time, folds the comparison into a temporary database and judges in a second
//! pass read back from the index (`dao_indexer::verify::LogCheck`).

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
use dao_testkit::measure::{peak_rss_mib, process_cpu, reset_peak, rss_mib, thread_cpu};

/// anvil through the project's launcher (script/bin/anvil), which execs the pinned platform binary:
/// not the npm wrapper in node_modules/.bin, whose anvil child would outlive a kill.
fn anvil_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../script/bin/anvil")
}

/// Opens the index at `db` as `daoctl` does and reads its state through the typed queries:
/// fold summary (logs folded, anomalies), the role and the first page of its wearers, rendered
/// as JSON. (`Store::counts` is left out: COUNT(*) scans a table.)
fn open_and_read(
    db: &std::path::Path,
    contracts: &Contracts,
    member: U256,
) -> Result<(String, u64), BoxError> {
    let store = Store::open(db, 31337, contracts)?;
    let state = store.working_state(*contracts)?;
    let role = store.role(member)?;
    let wearers = store.wearers_of(member, None, 100)?;
    let supply = role.as_ref().map_or(0, |r| r.supply as u64);
    let json = serde_json::json!({
        "applied": state.applied,
        "anomalies": state.anomalies,
        "role": role.map(|r| (r.role_id.to_string(), r.supply, r.details)),
        "wearers": wearers.iter().map(|w| w.wearer.to_string()).collect::<Vec<_>>(),
    });
    Ok((json.to_string(), supply))
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
    let e2e_db = dir.path().join("e2e.db");

    // 3. End to end: JSON-RPC -> decode -> fold (working set) -> SQLite.
    reset_peak();
    let e2e_start_rss = rss_mib();
    let anvil_pid = anvil.child().id().to_string();
    let t = Instant::now();
    let c = thread_cpu();
    let (pc, ac) = (process_cpu("self"), process_cpu(&anvil_pid));
    let mut ix = Indexer::open(
        RpcSource::new(p.clone()),
        &e2e_db,
        IndexerConfig::new(contracts, 0),
    )
    .await?;
    let report = ix.sync().await?;
    let e2e = t.elapsed().as_secs_f64();
    let e2e_cpu = thread_cpu() - c;
    let (e2e_process_cpu, e2e_anvil_cpu) = (process_cpu("self") - pc, process_cpu(&anvil_pid) - ac);
    let e2e_peak = peak_rss_mib();
    let events = report.logs;
    assert!(
        events >= target,
        "history has {events} events, wanted {target}"
    );
    assert_eq!(
        ix.store().role(member)?.map(|r| r.supply as usize),
        Some(mints)
    );
    drop(ix);

    // 4. Opening the up-to-date index and reading its state (typed queries, no load of the
    //    derived tables, no re-fold), best of 3.
    reset_peak();
    let mut open_read = f64::MAX;
    let mut printed = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let (json, supply) = open_and_read(&e2e_db, &contracts, member)?;
        open_read = open_read.min(t.elapsed().as_secs_f64());
        assert_eq!(supply as usize, mints);
        printed = json.len();
    }
    let open_peak = peak_rss_mib();

    // The logs, a slice of blocks at a time.
    let store = Store::open(&e2e_db, 31337, &contracts)?;
    let slice = 64u64;
    let slices = |from: u64| (from..=head).step_by(slice as usize);

    // 1. Decode + apply in memory, the whole state in memory (best of 3; reading excluded).
    reset_peak();
    let mut mem = f64::MAX;
    let mut mem_cpu = f64::MAX;
    for _ in 0..3 {
        let mut secs = 0.0;
        let mut cpu = 0.0;
        let mut s = State::new(contracts);
        for from in slices(0) {
            let logs = store.raw_logs_in(from, from + slice - 1)?;
            let t = Instant::now();
            let c = thread_cpu();
            s.apply_all(&logs);
            secs += t.elapsed().as_secs_f64();
            cpu += thread_cpu() - c;
        }
        mem = mem.min(secs);
        mem_cpu = mem_cpu.min(cpu);
        assert_eq!(s.wearers.len(), mints + 1, "every mint and the top role");
    }
    let mem_peak = peak_rss_mib();

    // 2. Decode + apply + SQLite as the indexer does it (working set, ranges of 10 blocks:
    //    many commits, as when catching up; reading excluded). Then the open of a 100-event
    //    index, to compare with the open above.
    reset_peak();
    let sqlite_db = dir.path().join("sqlite.db");
    let mut sql = 0.0;
    let mut sql_cpu = 0.0;
    let mut small_open = f64::MAX;
    {
        let mut out = Store::open(&sqlite_db, 31337, &contracts)?;
        let mut s = out.working_state(contracts)?;
        let limit = dao_indexer::indexer::DEFAULT_RESIDENT_LIMIT;
        let mut small_done = false;
        for from in slices(0) {
            let logs = store.raw_logs_in(from, from + slice - 1)?;
            let t = Instant::now();
            let c = thread_cpu();
            let mut i = 0;
            while i < logs.len() {
                let first = logs[i].block_number;
                let mut j = i;
                while j < logs.len() && logs[j].block_number < first + 10 {
                    j += 1;
                }
                let range = &logs[i..j];
                let last = &range[range.len() - 1];
                out.index_range(
                    &mut s,
                    range,
                    &[],
                    (last.block_number, last.block_hash),
                    0,
                    limit,
                )?;
                i = j;
            }
            sql += t.elapsed().as_secs_f64();
            sql_cpu += thread_cpu() - c;
            if !small_done {
                // The first 100 logs alone, indexed into another file.
                let db = dir.path().join("small.db");
                let mut st = Store::open(&db, 31337, &contracts)?;
                let mut ss = st.working_state(contracts)?;
                let few = &logs[..logs.len().min(100)];
                let last = &few[few.len() - 1];
                st.index_range(
                    &mut ss,
                    few,
                    &[],
                    (last.block_number, last.block_hash),
                    0,
                    limit,
                )?;
                drop(st);
                for _ in 0..3 {
                    let t = Instant::now();
                    let _ = open_and_read(&db, &contracts, member)?;
                    small_open = small_open.min(t.elapsed().as_secs_f64());
                }
                small_done = true;
            }
        }
        let tm = out.range_timings();
        eprintln!(
            "  SQLite phase, {} ranges: decode {:.3} s, prefetch {:.3} s, fold {:.3} s, write {:.3} s, evict {:.3} s",
            tm.ranges,
            tm.decode.as_secs_f64(),
            tm.prefetch.as_secs_f64(),
            tm.fold.as_secs_f64(),
            tm.write.as_secs_f64(),
            tm.evict.as_secs_f64()
        );
        assert_eq!(out.raw_log_count()?, events);
        // Same rows as the indexer's (row counts: a digest formats every row in memory).
        assert_eq!(out.counts()?, store.counts()?, "same rows as the indexer's");
    }
    let sql_peak = peak_rss_mib();

    // 2b. Rebuilding that index's derived tables from its raw logs: what a schema migration, a
    //     reorg's rollback and `audit --repair` run (a slice of whole blocks at a time on the
    //     bounded working set, in one transaction).
    reset_peak();
    let rebuild = {
        let mut out = Store::open(&sqlite_db, 31337, &contracts)?;
        let t = Instant::now();
        out.rebuild_derived(contracts, dao_indexer::store::RefoldLimits::default())?;
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(
            out.counts()?,
            store.counts()?,
            "rebuilt: the indexer's rows"
        );
        secs
    };
    let rebuild_peak = peak_rss_mib();
    drop(store);

    // 5. The audit of that index, read-only: every stored log proven against a fresh fetch from
    // the node, the derived tables against a fresh fold, then the treasury replay.
    let run_audit = std::env::var("BENCH_AUDIT").map_or(true, |v| v != "0");
    let mut audit_secs = None;
    let mut audit_peak = 0.0;
    if run_audit {
        reset_peak();
        let t = Instant::now();
        let (audited, _) = Store::open_read_only(&e2e_db)?;
        let audit = dao_indexer::audit(&p, &audited, contracts, 0).await?;
        audit_secs = Some(t.elapsed().as_secs_f64());
        audit_peak = peak_rss_mib();
        assert!(audit.is_clean(), "{}", audit.render());
        assert_eq!(audit.index.chain_logs, events);
    }

    let rate = |secs: f64| events as f64 / secs;
    println!(
        "indexer benchmark: {events} events ({mints} RoleMinted + {mints} TransferSingle + 3), {head} blocks"
    );
    println!(
        "  decode + apply in memory    {:>12.0} events/s  ({:.3} s; per CPU second {:.0}; peak {:.1} MiB)  target 3,000,000",
        rate(mem),
        mem,
        rate(mem_cpu),
        mem_peak
    );
    println!(
        "  + SQLite (working set)      {:>12.0} events/s  ({:.3} s; per CPU second {:.0}; peak {:.1} MiB)  target   500,000",
        rate(sql),
        sql,
        rate(sql_cpu),
        sql_peak
    );
    println!(
        "  end to end from anvil RPC   {:>12.0} events/s  ({:.3} s; CPU: indexer thread {:.3} s, whole process {:.3} s (per CPU second {:.0}), anvil {:.3} s; peak {:.1} MiB)  target   100,000",
        rate(e2e),
        e2e,
        e2e_cpu,
        e2e_process_cpu,
        rate(e2e_process_cpu),
        e2e_anvil_cpu,
        e2e_peak
    );
    println!(
        "  rebuild from raw logs       {:>12.0} events/s  ({:.3} s; peak {:.1} MiB)  (schema migration, reorg rollback, audit repair)",
        rate(rebuild),
        rebuild,
        rebuild_peak
    );
    println!(
        "  open + read state           {:>12.3} s ({printed} bytes of JSON, peak {:.1} MiB); at 100 events {:.3} s  target < 0.200 s",
        open_read, open_peak, small_open
    );
    match audit_secs {
        Some(secs) => println!(
            "  audit (index proven, read-only) {:>8.0} events/s  ({:.3} s, peak {:.1} MiB)",
            rate(secs),
            secs,
            audit_peak
        ),
        None => println!("  audit                       skipped (BENCH_AUDIT=0)"),
    }
    println!(
        "  peak memory (VmHWM), highest phase {:.1} MiB; indexing (end to end) {:.1} MiB (resident at its start, after building the history: {:.1} MiB)",
        [
            e2e_peak,
            open_peak,
            mem_peak,
            sql_peak,
            rebuild_peak,
            audit_peak
        ]
        .into_iter()
        .fold(0.0, f64::max),
        e2e_peak,
        e2e_start_rss
    );
    Ok(())
}
