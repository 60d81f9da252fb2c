//! A snapshot advanced range by range ([`Snapshot::advance`], what `daoctl serve` does after each
//! new block) equals the snapshot built from scratch of the same index, and shares what the
//! ranges did not change.

mod chain;

use alloy::sol_types::SolEvent;
use dao_bindings::interfaces::ICellRegistry::CellCreated;
use dao_indexer::{Changes, State, Store};
use dao_serve::{Snapshot, metrics};

/// Folds `logs` and commits them as the indexer does, returning what they changed.
fn index(store: &mut Store, state: &mut State, logs: &[dao_indexer::RawLog]) -> Changes {
    let mut changes = Changes::default();
    state.apply_all(logs);
    changes.record(state);
    let last = logs.last().expect("a range with logs");
    store
        .commit_range(logs, &[], (last.block_number, last.block_hash), 0, state)
        .expect("commit");
    changes
}

fn head(state: &State) -> Option<(u64, String)> {
    state
        .last
        .map(|at| (at.block, chain::Chain::block_hash(at.block).to_string()))
}

#[test]
fn advanced_range_by_range_equals_built_from_scratch() {
    // 12 cells growing to 16, 600 rounds: every kind of change above happens in several ranges.
    let mut chain = chain::Chain::new(12, 16);
    for _ in 0..600 {
        chain.round();
    }
    let logs = chain.take_logs();
    let contracts = chain::contracts();
    let mut store = Store::open_in_memory(31337, &contracts).expect("store");
    let mut state = State::new(contracts);
    let mut snap = Snapshot::build(&state, 31337, None);
    // Ranges of uneven sizes, cut at block boundaries, as the adaptive fetcher makes them.
    let mut i = 0;
    let mut sizes = [1u64, 7, 30, 2, 113, 5, 64].iter().cycle();
    let mut ranges = 0;
    while i < logs.len() {
        let mut end = logs[i].block_number + sizes.next().expect("cycle") - 1;
        // A cell's block starts a range, so that the roles made a block before it are in the
        // previous one: the snapshot must find them when their cell appears.
        if let Some(l) = logs[i..].iter().find(|l| {
            l.block_number > logs[i].block_number
                && l.block_number <= end
                && l.topics.first() == Some(&CellCreated::SIGNATURE_HASH)
        }) {
            end = l.block_number - 1;
        }
        let j = logs[i..]
            .iter()
            .position(|l| l.block_number > end)
            .map_or(logs.len(), |k| i + k);
        let changes = index(&mut store, &mut state, &logs[i..j]);
        assert!(!changes.is_empty());
        snap = snap.advance(&state, &changes, head(&state));
        ranges += 1;
        if ranges % 10 == 0 {
            assert!(
                snap == Snapshot::build(&state, 31337, head(&state)),
                "after range {ranges} (block {end})"
            );
        }
        i = j;
    }
    assert!(
        state.anomalies.is_empty(),
        "{:?}",
        &state.anomalies[..3.min(state.anomalies.len())]
    );
    assert_eq!(state.undecoded, 0);
    let scratch = Snapshot::build(&state, 31337, head(&state));
    assert!(snap == scratch, "after all {ranges} ranges");
    // The index read back from its tables gives the same snapshot as the fold (what a restarted
    // `daoctl serve` shows), event positions included.
    let reopened = store.load_state(contracts).expect("load the index");
    assert!(
        Snapshot::build(&reopened, 31337, head(&reopened)) == scratch,
        "a snapshot of the index read back differs from the fold's"
    );
    // Every kind of record is there, and the metrics read the same history.
    for name in [
        "cells",
        "daos",
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
        assert!(!snap.collection(name).expect(name).is_empty(), "no {name}");
    }
    assert_eq!(snap.collection("cells").expect("cells").len(), 16);
    assert_eq!(snap.history(), scratch.history());
    let cell = snap.list("cells").nth(3).expect("a cell").id.clone();
    for scope in [None, Some(cell.as_str())] {
        assert_eq!(
            metrics::report(&snap, scope, None, None, 8).expect("report"),
            metrics::report(&scratch, scope, None, None, 8).expect("report"),
        );
    }
}

#[test]
fn advancing_shares_what_the_block_did_not_change() {
    let mut chain = chain::Chain::new(5, 5);
    for _ in 0..40 {
        chain.round();
    }
    let contracts = chain::contracts();
    let mut store = Store::open_in_memory(31337, &contracts).expect("store");
    let mut state = State::new(contracts);
    let logs = chain.take_logs();
    let changes = index(&mut store, &mut state, &logs);
    let before = Snapshot::build(&state, 31337, head(&state));
    // One more round: a proposal in one cell, its votes, spends, a task.
    chain.round();
    let logs = chain.take_logs();
    let changes2 = index(&mut store, &mut state, &logs);
    assert!(changes2.entities.len() < changes.entities.len() / 10);
    let after = before.advance(&state, &changes2, head(&state));
    assert!(after == Snapshot::build(&state, 31337, head(&state)));
    let proposals = |s: &Snapshot| s.collection("proposals").expect("proposals").len();
    assert_eq!(proposals(&after), proposals(&before) + 1);
    // The first proposal was not touched: the new snapshot serves the very same record.
    let first = before.list("proposals").next().expect("a proposal");
    let same = after.find("proposals", &first.id).expect("still there");
    assert!(
        std::ptr::eq(first, same),
        "an untouched record is shared, not rebuilt"
    );
    // The new block's proposal is new.
    let newest = after.list("proposals").next_back().expect("the new one");
    assert!(before.find("proposals", &newest.id).is_none());
    // A rollback rebuilds from scratch.
    let rebuilt = after.advance(
        &state,
        &Changes {
            rebuilt: true,
            ..Changes::default()
        },
        head(&state),
    );
    assert!(rebuilt == after);
}

#[test]
fn a_cell_page_carries_the_newest_of_its_history_and_counts_all() {
    // Two cells: every round is in the second one.
    let mut chain = chain::Chain::new(2, 2);
    for _ in 0..130 {
        chain.round();
    }
    let contracts = chain::contracts();
    let mut state = State::new(contracts);
    state.apply_all(chain.logs());
    let snap = Snapshot::build(&state, 31337, head(&state));
    let cell = snap.list("cells").nth(1).expect("the child").id.clone();
    let page: serde_json::Value =
        serde_json::from_str(&dao_serve::api::cell_page(&snap, &cell).expect("a page"))
            .expect("JSON");
    let n = dao_serve::api::CELL_PAGE_NEWEST;
    for (name, all) in [
        ("proposals", 130),
        ("tasks", 130),
        ("spends", 260),
        ("decisions", 130),
    ] {
        let list = page[name].as_array().expect(name);
        assert_eq!(list.len(), n, "{name}");
        assert_eq!(page["totals"][name], all, "{name}");
        // The newest, in chain order: the last is the cell's newest of the whole list route.
        let everything = snap
            .of_cell(name, &cell)
            .map(|r| &r.doc)
            .collect::<Vec<_>>();
        assert_eq!(everything.len(), all);
        assert_eq!(list.last(), everything.last().copied(), "{name}");
        assert_eq!(list.first(), everything.get(all - n).copied(), "{name}");
    }
    assert!(dao_serve::api::cell_page(&snap, "no such cell").is_none());
}
