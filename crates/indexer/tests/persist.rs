//! The typed domain in SQLite: opening an index loads the derived tables (equal to a fresh fold
//! of the raw logs), and an index of another schema version has them rebuilt from its raw logs.

use alloy::{
    primitives::{Address, B256, U256},
    sol_types::SolEvent,
};
use dao_bindings::interfaces::{
    ICellGovernor, ICellRegistry,
    ICellRegistry::{Phase, Scale},
    IRoleStreams, IRoles, ITaskBoard, ITreasury,
};
use dao_indexer::{
    Contracts, RawLog, State, Store,
    domain::{BountyStatus, TaskStatus},
    store::{RefoldLimits, SCHEMA_VERSION},
};

const REGISTRY: Address = Address::repeat_byte(0x11);
const GOVERNOR: Address = Address::repeat_byte(0x22);
const TREASURY: Address = Address::repeat_byte(0x33);
const BOARD: Address = Address::repeat_byte(0x44);
const STREAMS: Address = Address::repeat_byte(0x55);
const ROLES: Address = Address::repeat_byte(0x66);

fn contracts() -> Contracts {
    Contracts {
        registry: Some(REGISTRY),
        governor: Some(GOVERNOR),
        treasury: Some(TREASURY),
        task_board: Some(BOARD),
        streams: Some(STREAMS),
        roles: Some(ROLES),
    }
}

fn log<E: SolEvent>(address: Address, block: u64, index: u64, ev: &E) -> RawLog {
    log_data(address, block, index, ev.encode_log_data())
}

fn log_data(address: Address, block: u64, index: u64, d: alloy::primitives::LogData) -> RawLog {
    RawLog {
        block_number: block,
        block_hash: B256::with_last_byte(block as u8),
        tx_index: 0,
        tx_hash: B256::repeat_byte(index as u8),
        log_index: index,
        address,
        topics: d.topics().to_vec(),
        data: d.data,
    }
}

/// A small history touching every contract: a DAO with a child, a budget spent, sub-allocated
/// and clawed back, a task paid from a bounty, a proposal voted and executed, a stream.
fn history() -> Vec<RawLog> {
    let dao = U256::from(1) << 224;
    let child = U256::from(2) << 224;
    let token = Address::ZERO;
    let who = Address::repeat_byte(0xaa);
    let u = U256::from;
    let mut logs = Vec::new();
    let mut i = 0;
    let mut next = |block: u64| {
        i += 1;
        (block, i)
    };
    let (b, n) = next(1);
    logs.push(log(
        REGISTRY,
        b,
        n,
        &ICellRegistry::CellCreated {
            cellId: dao,
            parentCellId: U256::ZERO,
            daoId: dao,
            memberRoleId: dao + u(1),
            admin: who,
            scale: Scale::Constituency,
            phase: Phase::Formation,
            name: "Riverside".into(),
            creator: who,
        },
    ));
    let (b, n) = next(1);
    logs.push(log(
        REGISTRY,
        b,
        n,
        &ICellRegistry::CellCreated {
            cellId: child,
            parentCellId: dao,
            daoId: dao,
            memberRoleId: child + u(1),
            admin: who,
            scale: Scale::Collaboration,
            phase: Phase::Conversation,
            name: "Events".into(),
            creator: who,
        },
    ));
    let (b, n) = next(2);
    logs.push(log(
        REGISTRY,
        b,
        n,
        &ICellRegistry::PhaseChanged {
            cellId: child,
            daoId: dao,
            by: who,
            from: Phase::Conversation,
            to: Phase::Organization,
        },
    ));
    for (cell, amount, funded) in [(dao, 1000u64, false), (child, 300, true)] {
        let (b, n) = next(3);
        logs.push(log(
            TREASURY,
            b,
            n,
            &ITreasury::BudgetSet {
                cellId: cell,
                token,
                by: who,
                amount: u(amount),
                period: U256::ZERO,
                start: U256::ZERO,
                expiry: U256::ZERO,
                funded,
                periodIndex: U256::ZERO,
            },
        ));
    }
    let (b, n) = next(4);
    logs.push(log(
        TREASURY,
        b,
        n,
        &ITreasury::SubAllocated {
            parentCellId: dao,
            token,
            childCellId: child,
            amount: u(200),
            parentPeriodIndex: U256::ZERO,
            childPeriodIndex: U256::ZERO,
            by: who,
        },
    ));
    let (b, n) = next(5);
    logs.push(log(
        TREASURY,
        b,
        n,
        &ITreasury::Spent {
            cellId: child,
            token,
            to: who,
            amount: u(50),
            periodIndex: U256::ZERO,
            by: who,
            memoURI: "ipfs://memo".into(),
            r#ref: B256::ZERO,
        },
    ));
    let (b, n) = next(6);
    logs.push(log(
        TREASURY,
        b,
        n,
        &ITreasury::ClawedBack {
            childCellId: child,
            token,
            parentCellId: dao,
            amount: u(20),
            returnedToParent: u(20),
            childPeriodIndex: U256::ZERO,
            parentPeriodIndex: U256::ZERO,
            by: who,
        },
    ));
    let task = u(1);
    let (b, n) = next(7);
    logs.push(log(
        BOARD,
        b,
        n,
        &ITaskBoard::TaskCreated {
            taskId: task,
            cellId: child,
            token,
            bounty: u(30),
            requiredRole: U256::ZERO,
            deadline: 0,
            specURI: "ipfs://spec".into(),
            specHash: B256::ZERO,
            by: who,
        },
    ));
    let (b, n) = next(7);
    logs.push(log(
        TREASURY,
        b,
        n,
        &ITreasury::BountyReserved {
            cellId: child,
            token,
            taskId: task,
            amount: u(30),
            periodIndex: U256::ZERO,
        },
    ));
    let (b, n) = next(8);
    logs.push(log(
        BOARD,
        b,
        n,
        &ITaskBoard::TaskClaimed {
            taskId: task,
            cellId: child,
            claimant: who,
        },
    ));
    let (b, n) = next(9);
    logs.push(log(
        BOARD,
        b,
        n,
        &ITaskBoard::TaskApproved {
            taskId: task,
            cellId: child,
            claimant: who,
            token,
            bounty: u(30),
            by: who,
        },
    ));
    let (b, n) = next(9);
    logs.push(log(
        TREASURY,
        b,
        n,
        &ITreasury::BountyPaid {
            cellId: child,
            token,
            to: who,
            taskId: task,
            amount: u(30),
            periodIndex: U256::ZERO,
        },
    ));
    let pid = u(77);
    let (b, n) = next(10);
    logs.push(log(
        GOVERNOR,
        b,
        n,
        &ICellGovernor::SettingsChanged {
            cellId: child,
            settingsId: 1,
            by: who,
            settings: ICellGovernor::Settings {
                electorate: ICellGovernor::Electorate::Role,
                counting: ICellGovernor::Counting::Majority,
                thresholdBps: 0,
                quorumBps: 5000,
                votingDelay: alloy::primitives::aliases::U24::from(1),
                votingPeriod: alloy::primitives::aliases::U24::from(5),
                executionDelay: alloy::primitives::aliases::U24::from(5),
                token: Address::ZERO,
                proposalThreshold: 0,
            },
        },
    ));
    let (b, n) = next(10);
    logs.push(log(
        GOVERNOR,
        b,
        n,
        &ICellGovernor::ProposalCreated {
            proposalId: pid,
            cellId: child,
            proposer: who,
            settingsId: 1,
            actions: vec![ICellGovernor::Action {
                target: REGISTRY,
                value: U256::ZERO,
                data: vec![0xde, 0xad, 0xbe, 0xef, 0].into(),
            }],
            uri: "ipfs://p".into(),
            descriptionHash: B256::ZERO,
            snapshot: 10,
            voteEnd: 20,
            electorateSupply: alloy::primitives::aliases::U24::from(3),
        },
    ));
    let (b, n) = next(11);
    logs.push(log(
        GOVERNOR,
        b,
        n,
        &ICellGovernor::VoteCast {
            voter: who,
            proposalId: pid,
            support: 1,
            weight: u(1),
            reason: "yes".into(),
        },
    ));
    let (b, n) = next(21);
    logs.push(log(
        GOVERNOR,
        b,
        n,
        &ICellGovernor::ProposalExecuted {
            proposalId: pid,
            cellId: child,
        },
    ));
    let (b, n) = next(22);
    logs.push(log(
        STREAMS,
        b,
        n,
        &IRoleStreams::StreamOpened {
            streamId: u(1),
            cellId: child,
            roleId: child + u(1),
            token,
            amount: u(10),
            period: u(86_400),
            start: u(0),
            end: U256::ZERO,
            by: who,
        },
    ));
    for (safe, register) in [(0xa1u8, false), (0xa1, true), (0xb2, false)] {
        let (b, n) = next(23);
        let safe = Address::repeat_byte(safe);
        if register {
            logs.push(log(
                TREASURY,
                b,
                n,
                &ITreasury::SafeRegistered {
                    daoId: dao,
                    safe,
                    by: who,
                },
            ));
        } else {
            logs.push(log(
                TREASURY,
                b,
                n,
                &ITreasury::SafeApproved {
                    safe,
                    daoId: dao,
                    approved: true,
                },
            ));
        }
    }
    let (b, n) = next(23);
    logs.push(log(
        TREASURY,
        b,
        n,
        &ITreasury::StreamPaid {
            cellId: child,
            token,
            to: who,
            streamId: u(1),
            amount: u(5),
            periodIndex: U256::ZERO,
        },
    ));
    // A member renounces as older Roles deployments logged it (RoleRevoked with `renounced`, then
    // the burn, in one transaction); another's grant is transferred to a third account; a fourth
    // renounces as Roles logs it now (the burn alone).
    let member = dao + u(1);
    let (a, b2, c, d) = (
        Address::repeat_byte(0xb1),
        Address::repeat_byte(0xb2),
        Address::repeat_byte(0xb3),
        Address::repeat_byte(0xb4),
    );
    for (block, ev) in [
        (29, role_created(member, dao, "member").encode_log_data()),
        (30, log_minted(member, a)),
        (31, log_minted(member, b2)),
        (32, log_minted(member, d)),
        (
            35,
            IRoles::RoleRevoked {
                roleId: member,
                wearer: a,
                by: a,
                renounced: true,
            }
            .encode_log_data(),
        ),
        (35, log_burned(a, member, a)),
        (
            36,
            IRoles::RoleTransferred {
                roleId: member,
                from: b2,
                to: c,
            }
            .encode_log_data(),
        ),
        (37, log_burned(d, member, d)),
        // The eligibility module puts the new wearer in bad standing.
        (
            38,
            IRoles::WearerStandingChanged {
                roleId: member,
                wearer: c,
                standing: false,
            }
            .encode_log_data(),
        ),
    ] {
        let (b, n) = next(block);
        let mut raw = log_data(ROLES, b, n, ev);
        if let Some(before) = logs.last().filter(|l: &&RawLog| l.block_number == b) {
            // The burn of the old-shape renounce: logged by the same transaction.
            raw.tx_hash = before.tx_hash;
        }
        logs.push(raw);
    }
    // The child cell proposes a partnership to an outside account.
    let (b, n) = next(39);
    logs.push(log(
        REGISTRY,
        b,
        n,
        &ICellRegistry::PartnershipProposed {
            partnershipId: u(1),
            cellId: child,
            counterpartyCellId: U256::ZERO,
            counterpartyAccount: Address::repeat_byte(0xc0),
            by: who,
            termsURI: "ipfs://terms".into(),
            termsHash: B256::repeat_byte(0x7e),
        },
    ));
    logs
}

/// The ERC-1155 burn Roles logs for every grant that ends other than by transfer.
fn log_burned(operator: Address, role: U256, from: Address) -> alloy::primitives::LogData {
    dao_bindings::Roles::TransferSingle {
        operator,
        from,
        to: Address::ZERO,
        id: role,
        value: U256::from(1),
    }
    .encode_log_data()
}

/// A mutable role of at most 10 wearers, no modules, created under `admin`.
fn role_created(role: U256, admin: U256, details: &str) -> IRoles::RoleCreated {
    IRoles::RoleCreated {
        roleId: role,
        adminId: admin,
        details: details.into(),
        maxSupply: 10,
        eligibility: Address::ZERO,
        toggle: Address::ZERO,
        mutable_: true,
        claimable: false,
        imageURI: String::new(),
    }
}

fn log_minted(role: U256, wearer: Address) -> alloy::primitives::LogData {
    IRoles::RoleMinted {
        roleId: role,
        wearer,
        by: wearer,
        expiry: 0,
    }
    .encode_log_data()
}

fn commit(store: &mut Store, state: &mut State, logs: &[RawLog]) {
    // One range per block, as the indexer commits them.
    let mut i = 0;
    while i < logs.len() {
        let block = logs[i].block_number;
        let j = logs[i..]
            .iter()
            .position(|l| l.block_number != block)
            .map_or(logs.len(), |k| i + k);
        state.apply_all(&logs[i..j]);
        store
            .commit_range(&logs[i..j], &[], (block, logs[i].block_hash), 0, state)
            .expect("commit");
        i = j;
    }
}

#[test]
fn a_burn_is_a_revokes_pair_or_a_renounce() {
    let member = (U256::from(1) << 224) + U256::from(1);
    let (admin, a, b) = (
        Address::repeat_byte(0xad),
        Address::repeat_byte(0xb1),
        Address::repeat_byte(0xb2),
    );
    let created = role_created(member, U256::from(1) << 224, "");
    let revoked = IRoles::RoleRevoked {
        roleId: member,
        wearer: a,
        by: admin,
        renounced: false,
    };
    let mut logs = vec![
        log(ROLES, 1, 1, &created),
        log_data(ROLES, 2, 2, log_minted(member, a)),
        log_data(ROLES, 2, 3, log_minted(member, b)),
        // A revoke as Roles logs it: RoleRevoked, then its burn in the same transaction.
        log(ROLES, 3, 4, &revoked),
        log_data(ROLES, 3, 5, log_burned(admin, member, a)),
    ];
    logs[4].tx_hash = logs[3].tx_hash;
    let mut s = State::new(contracts());
    s.apply_all(&logs);
    assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
    let ended: Vec<_> = s.domain.ended_grants.values().collect();
    assert_eq!(ended.len(), 1);
    assert_eq!((ended[0].wearer, ended[0].how.as_str()), (a, "revoked"));
    assert_eq!(s.roles[&member].supply, 1);
    // A burn of a grant nobody holds, with no RoleRevoked before it: no renounce, an anomaly.
    s.apply(&log_data(ROLES, 4, 6, log_burned(a, member, a)));
    assert_eq!(s.anomalies.len(), 1, "{:?}", s.anomalies);
    assert_eq!(s.anomalies[0].event, "TransferSingle");
    assert_eq!(s.roles[&member].supply, 1);
    // B's burn alone: B renounced.
    s.apply(&log_data(ROLES, 5, 7, log_burned(b, member, b)));
    assert!(s.wearers.is_empty());
    assert_eq!(s.roles[&member].supply, 0);
    let last = s.domain.ended_grants.values().last().expect("b's grant");
    assert_eq!(
        (last.wearer, last.how.as_str(), last.ended_block),
        (b, "renounced", 5)
    );
}

#[test]
fn typed_fold_follows_the_chain_names_and_one_ledger() {
    let mut s = State::new(contracts());
    s.apply_all(&history());
    assert_eq!(s.undecoded, 0);
    assert!(s.anomalies.is_empty(), "{:?}", s.anomalies);
    let d = &s.domain;
    let child = U256::from(2) << 224;
    assert_eq!(d.cells[&child].phase, Phase::Organization);
    assert_eq!(d.cells[&child].phase_history.len(), 2);
    let task = &d.tasks[&U256::from(1)];
    assert_eq!(task.status, TaskStatus::Paid, "the chain says Paid");
    assert_eq!(d.bounties[&U256::from(1)].status, BountyStatus::Paid);
    let l = &d.budgets[&(child, Address::ZERO)].ledger;
    // received 200 - 20 clawed back; spent 50 + bounty 30 + stream 5.
    assert_eq!(l.current().received, U256::from(180));
    assert_eq!(l.current().spent, U256::from(85));
    assert_eq!(l.reserved, U256::ZERO);
    assert_eq!(l.available(U256::ZERO), U256::from(95));
    let p = &d.proposals[&U256::from(77)];
    assert_eq!(format!("{:?}", p.state), "Executed");
    assert_eq!(p.tally.for_, U256::from(1));
    assert_eq!(p.actions[0].selector, "0xdeadbeef");
    assert_eq!(
        p.quorum_bps,
        Some(5000),
        "the settings it was created under"
    );
    // Ended grants are kept, with when they began and how they ended: a renounce in either shape
    // (the old one's burn, after its RoleRevoked, ends nothing more).
    let ended: Vec<_> = d.ended_grants.values().collect();
    assert_eq!(ended.len(), 3, "{ended:?}");
    assert_eq!(
        (ended[0].wearer, ended[0].began_block, ended[0].ended_block),
        (Address::repeat_byte(0xb1), 30, 35)
    );
    assert_eq!(ended[0].how, "renounced");
    assert_eq!(
        (ended[1].wearer, ended[1].began_block, ended[1].ended_block),
        (Address::repeat_byte(0xb2), 31, 36)
    );
    assert_eq!(ended[1].how, "transferred");
    assert_eq!(
        (ended[2].wearer, ended[2].began_block, ended[2].ended_block),
        (Address::repeat_byte(0xb4), 32, 37)
    );
    assert_eq!(ended[2].how, "renounced");
    let member = (U256::from(1) << 224) + U256::from(1);
    assert_eq!(
        s.wearers_of(member).map(|w| w.wearer).collect::<Vec<_>>(),
        [Address::repeat_byte(0xb3)],
        "only the transferee still wears the member role"
    );
    assert_eq!(s.roles[&member].supply, 1);
    // The execution is the cell's decision record, numbered after those recorded before it.
    let executed = d
        .decisions
        .range((child, 0)..=(child, u32::MAX))
        .map(|(_, x)| x)
        .find(|x| x.executed)
        .expect("the executed proposal is a decision of its cell");
    assert_eq!(executed.reference, B256::from(U256::from(77)));
    assert_eq!(executed.uri, p.uri);
    assert_eq!(executed.registry_index, None);
    assert_eq!(executed.index, d.next_decision_index(child) - 1);
    assert_eq!(d.streams[&U256::from(1)].paid, U256::from(5));
    // Another Safe's consent does not replace the registered Safe.
    let link = &d.safes[&(U256::from(1) << 224)];
    assert_eq!(link.safe, Address::repeat_byte(0xa1));
    assert!(link.approved && link.registered_by.is_some());

    // The JSON form: enums by name, U256 in decimal, addresses checksummed.
    let v = serde_json::to_value(task).expect("json");
    assert_eq!(v["status"], "Paid");
    assert_eq!(v["bounty"], "30");
    assert_eq!(v["claimant"], Address::repeat_byte(0xaa).to_checksum(None));
}

#[test]
fn opening_loads_the_derived_tables_equal_to_a_fresh_fold() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("ix.db");
    let logs = history();
    let mut folded = State::new(contracts());
    {
        let mut store = Store::open(&db, 1, &contracts()).expect("open");
        commit(&mut store, &mut folded, &logs);
    }
    let store = Store::open(&db, 1, &contracts()).expect("reopen");
    assert_eq!(
        store.schema_version().expect("version"),
        Some(SCHEMA_VERSION)
    );
    let loaded = store.load_state(contracts()).expect("load");
    assert_eq!(loaded.domain, folded.domain);
    // Roles, grants and trees read back whole, the positions of their events included (a
    // snapshot built from a reopened index must equal one built from the fold).
    assert!(!folded.roles.is_empty() && !folded.wearers.is_empty());
    assert_eq!(loaded.roles, folded.roles);
    assert_eq!(loaded.wearers, folded.wearers);
    assert_eq!(loaded.trees, folded.trees);
    assert_eq!(loaded.bad_standing, folded.bad_standing);
    assert_eq!(loaded.applied, folded.applied);
    assert_eq!(loaded.last, folded.last);
    assert_eq!(loaded.domain.len(), folded.domain.len());
    assert!(loaded.domain.len() > 10);
}

/// A re-fold from the raw logs (what a schema migration and a reorg's rollback run) reads the
/// history a slice at a time and keeps a bounded working set: in slices of one to a few logs,
/// evicting after each, and all at once, it writes the rows of the whole fold; a rollback to the
/// middle of the history writes the rows of an index of the first half.
#[test]
fn rebuilding_the_derived_tables_in_slices_writes_the_rows_of_the_whole_fold() {
    let dir = tempfile::tempdir().expect("tmp");
    let logs = history();
    let mut store = Store::open(&dir.path().join("r.db"), 1, &contracts()).expect("open");
    let mut folded = State::new(contracts());
    commit(&mut store, &mut folded, &logs);
    let digest = store.digest().expect("digest");
    for (slice, resident) in [(1, 0), (3, 2), (7, 1_000), (usize::MAX, usize::MAX)] {
        store
            .connection()
            .execute("DELETE FROM entities", [])
            .expect("damage");
        assert_ne!(store.digest().expect("digest"), digest);
        store
            .rebuild_derived(contracts(), RefoldLimits { slice, resident })
            .expect("rebuild");
        assert_eq!(
            store.digest().expect("digest"),
            digest,
            "slices of {slice}, {resident} resident"
        );
        assert_eq!(store.fold_meta().expect("meta").applied, folded.applied);
    }
    // Rolled back to the middle: the rows of the first half's index.
    let middle = logs[logs.len() / 2].block_number;
    let first_half: Vec<RawLog> = logs
        .iter()
        .filter(|l| l.block_number <= middle)
        .cloned()
        .collect();
    let mut half = Store::open(&dir.path().join("h.db"), 1, &contracts()).expect("open");
    commit(&mut half, &mut State::new(contracts()), &first_half);
    let ancestor = (middle, first_half.last().expect("a log").block_hash);
    half.connection()
        .execute(
            "UPDATE checkpoint SET block = ?1, hash = ?2",
            rusqlite::params![ancestor.0, ancestor.1.as_slice()],
        )
        .expect("checkpoint");
    store
        .rollback_to(Some(ancestor), contracts())
        .expect("rollback");
    assert_eq!(
        store.digest().expect("digest"),
        half.digest().expect("digest")
    );
}

#[test]
fn another_schema_version_rebuilds_the_derived_tables_from_raw_logs() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("ix.db");
    let logs = history();
    let mut folded = State::new(contracts());
    let digest = {
        let mut store = Store::open(&db, 1, &contracts()).expect("open");
        commit(&mut store, &mut folded, &logs);
        store.digest().expect("digest")
    };
    {
        // What an older indexer left: other rows, another version.
        let store = Store::open(&db, 1, &contracts()).expect("open");
        let c = store.connection();
        // Version 3's layout: no `owner` column, no index on it.
        c.execute_batch(
            "DROP TABLE entities;
             CREATE TABLE entities (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
                                    PRIMARY KEY (kind, id)) WITHOUT ROWID;",
        )
        .expect("old layout");
        c.execute(
            "INSERT INTO entities (kind, id, doc) VALUES ('cell', 'x', '{\"parentCellId\": 0}')",
            [],
        )
        .expect("insert");
        c.execute(
            "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
            [],
        )
        .expect("version");
        assert_ne!(store.digest().expect("digest"), digest);
    }
    let store = Store::open(&db, 1, &contracts()).expect("reopen");
    assert_eq!(
        store.schema_version().expect("version"),
        Some(SCHEMA_VERSION)
    );
    assert_eq!(store.digest().expect("digest"), digest, "rebuilt as before");
    let loaded = store.load_state(contracts()).expect("load");
    assert_eq!(loaded.domain, folded.domain);
}

#[test]
fn an_index_of_raw_logs_stored_one_row_per_log_is_converted_and_comes_out_the_same() {
    let dir = tempfile::tempdir().expect("tmp");
    let logs = history();
    // Reference: this version's layout.
    let reference = dir.path().join("reference.db");
    let mut folded = State::new(contracts());
    let digest = {
        let mut store = Store::open(&reference, 1, &contracts()).expect("open");
        commit(&mut store, &mut folded, &logs);
        store.digest().expect("digest")
    };
    // What schema version 7 left: one raw_logs row per log, keyed by (chain id, block hash, log
    // index), and derived tables of that version.
    let old = dir.path().join("old.db");
    {
        let mut store = Store::open(&old, 1, &contracts()).expect("open");
        commit(&mut store, &mut State::new(contracts()), &logs);
        let c = store.connection();
        c.execute_batch(
            "DROP TABLE raw_logs;
             CREATE TABLE raw_logs (
                 chain_id INTEGER NOT NULL, block_hash BLOB NOT NULL, log_index INTEGER NOT NULL,
                 block_number INTEGER NOT NULL, tx_index INTEGER NOT NULL, tx_hash BLOB NOT NULL,
                 address BLOB NOT NULL, topics BLOB NOT NULL, data BLOB NOT NULL,
                 UNIQUE (chain_id, block_number, log_index, block_hash));
             UPDATE meta SET value = '7' WHERE key = 'schema_version';
             DELETE FROM roles;",
        )
        .expect("old layout");
        // Inserted out of order: the conversion reads them back in chain order.
        for l in logs.iter().rev() {
            let topics: Vec<u8> = l.topics.iter().flat_map(|t| t.0).collect();
            c.execute(
                "INSERT INTO raw_logs VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    l.block_hash.as_slice(),
                    l.log_index,
                    l.block_number,
                    l.tx_index,
                    l.tx_hash.as_slice(),
                    l.address.as_slice(),
                    topics,
                    l.data.as_ref(),
                ],
            )
            .expect("old row");
        }
    }
    // Opened read-only (the audit), it is read as it is.
    {
        let (store, _) = Store::open_read_only(&old).expect("read-only");
        assert_eq!(store.raw_logs().expect("logs"), logs);
        assert_eq!(store.raw_log_count().expect("count"), logs.len() as u64);
        let last = logs.last().expect("a log").block_number;
        assert_eq!(
            store.raw_logs_in(last, last).expect("logs"),
            logs.iter()
                .filter(|l| l.block_number == last)
                .cloned()
                .collect::<Vec<_>>()
        );
    }
    let store = Store::open(&old, 1, &contracts()).expect("converted");
    assert_eq!(store.schema_version().expect("v"), Some(SCHEMA_VERSION));
    assert_eq!(store.raw_logs().expect("logs"), logs);
    assert_eq!(store.raw_log_count().expect("count"), logs.len() as u64);
    assert_eq!(
        store.digest().expect("digest"),
        digest,
        "as if written by this version"
    );
    assert_eq!(
        store.load_state(contracts()).expect("load").domain,
        folded.domain
    );
}

#[test]
fn a_block_ingested_again_or_in_parts_keeps_each_log_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let logs = history();
    let mut folded = State::new(contracts());
    let mut store = Store::open(&dir.path().join("ix.db"), 1, &contracts()).expect("open");
    commit(&mut store, &mut folded, &logs);
    let digest = store.digest().expect("digest");
    // Every block again, and a block's logs in two parts, the second overlapping the first.
    let mut again = State::new(contracts());
    let (last, hash) = store.checkpoint().expect("cp").expect("a checkpoint");
    store
        .commit_range(&logs, &[], (last, hash), 0, &mut again)
        .expect("again");
    // The block with the most logs.
    let count = |b: u64| logs.iter().filter(|l| l.block_number == b).count();
    let block = logs
        .iter()
        .map(|l| l.block_number)
        .max_by_key(|b| count(*b))
        .expect("a log");
    let of_block: Vec<RawLog> = logs
        .iter()
        .filter(|l| l.block_number == block)
        .cloned()
        .collect();
    assert!(of_block.len() >= 2, "a block of several logs");
    for part in [&of_block[of_block.len() - 1..], &of_block[..]] {
        store
            .commit_range(part, &[], (last, hash), 0, &mut again)
            .expect("part");
    }
    assert_eq!(store.raw_logs().expect("logs"), logs);
    // A block missing its first logs gains them back.
    store
        .connection()
        .execute("DELETE FROM raw_logs WHERE block_number = ?1", [block])
        .expect("delete");
    for part in [&of_block[1..], &of_block[..1]] {
        store
            .commit_range(part, &[], (last, hash), 0, &mut again)
            .expect("part");
    }
    assert_eq!(store.raw_logs().expect("logs"), logs);
    assert_eq!(store.digest().expect("digest"), digest);
}

#[test]
fn an_index_without_role_streams_is_indexed_again_from_the_start() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = dir.path().join("ix.db");
    let before = Contracts {
        streams: None,
        ..contracts()
    };
    {
        let mut store = Store::open(&db, 1, &before).expect("open");
        let mut s = State::new(before);
        commit(&mut store, &mut s, &history());
        assert!(s.undecoded > 0, "the streams' logs were not ours then");
    }
    let store = Store::open(&db, 1, &contracts()).expect("gains streams");
    assert_eq!(store.checkpoint().expect("cp"), None);
    assert_eq!(store.raw_log_count().expect("count"), 0);
    assert!(
        store
            .load_state(contracts())
            .expect("load")
            .domain
            .is_empty()
    );
    // Other contracts are still refused.
    let other = Contracts {
        registry: Some(Address::repeat_byte(0x99)),
        ..contracts()
    };
    assert!(Store::open(&db, 1, &other).is_err());
}

/// Indexes `logs` one range per block as the indexer does: the working set, evicted past
/// `resident_limit` entities.
fn index_ranges(store: &mut Store, logs: &[RawLog], resident_limit: usize) -> State {
    let mut state = store.working_state(contracts()).expect("working state");
    let mut i = 0;
    while i < logs.len() {
        let block = logs[i].block_number;
        let j = logs[i..]
            .iter()
            .position(|l| l.block_number != block)
            .map_or(logs.len(), |k| i + k);
        store
            .index_range(
                &mut state,
                &logs[i..j],
                &[],
                (block, logs[i].block_hash),
                0,
                resident_limit,
            )
            .expect("index range");
        // Past the limit everything is dropped: at most the limit, or one range's entities.
        assert!(
            state.resident_len() <= resident_limit.max(4 * (j - i)),
            "the working set stays bounded"
        );
        i = j;
    }
    state
}

#[test]
fn the_working_set_writes_the_rows_of_the_whole_state() {
    // Reference: the whole state in memory, every changed row written per range.
    let dir = tempfile::tempdir().expect("tmp");
    let mut logs = history();
    // An anomaly, so that the fold's record of them is compared too: a second mint of a role
    // already worn (its role and wearer must be read back from SQLite to be seen).
    let mut folded = State::new(contracts());
    folded.apply_all(&logs);
    let (role, wearer) = folded.wearers.keys().next().expect("a wearer");
    let block = logs.last().expect("logs").block_number + 5;
    logs.push(log_data(ROLES, block, 1000, log_minted(role, wearer)));
    let mut whole = State::new(contracts());
    let mut reference = Store::open(&dir.path().join("whole.db"), 1, &contracts()).expect("open");
    commit(&mut reference, &mut whole, &logs);
    assert!(!whole.anomalies.is_empty(), "the second mint is an anomaly");

    for limit in [0, 3, usize::MAX] {
        let db = dir.path().join(format!("ws{limit}.db"));
        let mut store = Store::open(&db, 1, &contracts()).expect("open");
        let state = index_ranges(&mut store, &logs, limit);
        assert_eq!(
            store.digest().expect("digest"),
            reference.digest().expect("digest"),
            "resident limit {limit}: same rows as the whole state's"
        );
        assert_eq!(state.anomalies, whole.anomalies, "limit {limit}");
        assert_eq!(
            (state.applied, state.undecoded, state.last),
            (whole.applied, whole.undecoded, whole.last)
        );
        let meta = store.fold_meta().expect("meta");
        assert_eq!(meta.anomalies, whole.anomalies);
        // Reopened, the whole state reads back equal to the fold.
        let loaded = store.load_state(contracts()).expect("load");
        assert_eq!(loaded.domain, whole.domain, "limit {limit}");
        assert_eq!(loaded.wearers.len(), whole.wearers.len());
    }
}

#[test]
fn typed_queries_read_single_entities_and_lists_from_the_tables() {
    let dir = tempfile::tempdir().expect("tmp");
    let logs = history();
    let mut store = Store::open(&dir.path().join("q.db"), 1, &contracts()).expect("open");
    let _ = index_ranges(&mut store, &logs, 0);
    let mut whole = State::new(contracts());
    whole.apply_all(&logs);
    let d = &whole.domain;
    let dao = U256::from(1) << 224;
    let child = U256::from(2) << 224;
    assert_eq!(
        store.cell(child).expect("cell").as_ref(),
        d.cells.get(&child)
    );
    assert_eq!(store.cell(U256::from(12345)).expect("cell"), None);
    let children: Vec<U256> = store
        .children_of(dao)
        .expect("children")
        .iter()
        .map(|c| c.id)
        .collect();
    let expected: Vec<U256> = d.children_of(dao).map(|c| c.id).collect();
    assert_eq!(children, expected);
    assert!(!children.is_empty());
    assert_eq!(
        store.budgets_of(child).expect("budgets"),
        d.budgets_of(child).cloned().collect::<Vec<_>>()
    );
    assert!(!d.budgets.is_empty());
    for (id, t) in &d.tasks {
        assert_eq!(store.task(*id).expect("task").as_ref(), Some(t));
        assert!(store.tasks_of(t.cell).expect("tasks").contains(t));
    }
    for (id, s) in &d.streams {
        assert_eq!(store.stream(*id).expect("stream").as_ref(), Some(s));
        assert!(store.streams_of(s.cell).expect("streams").contains(s));
    }
    for (id, p) in &d.proposals {
        assert_eq!(store.proposal(*id).expect("proposal").as_ref(), Some(p));
        assert_eq!(
            store.votes_of(*id).expect("votes"),
            d.votes
                .range((*id, Address::ZERO)..=(*id, Address::repeat_byte(0xff)))
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        );
    }
    for cell in d.cells.keys() {
        assert_eq!(
            store.decisions_of(*cell).expect("decisions"),
            d.decisions
                .range((*cell, 0)..=(*cell, u32::MAX))
                .map(|(_, v)| v.clone())
                .collect::<Vec<_>>()
        );
    }
    let counts = store.counts().expect("counts");
    assert_eq!(counts.entities as usize, d.len());
    assert_eq!(counts.wearers as usize, whole.wearers.len());
    assert_eq!(counts.raw_logs as usize, logs.len());
    // Trees, roles and single grants read back whole (event positions included).
    for (id, tree) in &whole.trees {
        assert_eq!(store.tree(*id).expect("tree").as_ref(), Some(tree));
        let mut roles: Vec<_> = whole
            .roles
            .values()
            .filter(|r| dao_indexer::model::tree_of(r.role_id) == *id)
            .cloned()
            .collect();
        roles.sort_by_key(|r| r.role_id);
        assert_eq!(store.roles_of_tree(*id).expect("roles of tree"), roles);
    }
    for (key, w) in whole.wearers.iter() {
        assert_eq!(
            store.wearer(key.0, key.1).expect("wearer").as_ref(),
            Some(w)
        );
    }
    for (id, role) in &whole.roles {
        assert_eq!(store.role(*id).expect("role").as_ref(), Some(role));
    }
    // Every role and cell as an admin: the roles it administers (what `daoctl role list` prints
    // under a cell's admin role) and its accounts in bad standing.
    let admins: std::collections::BTreeSet<U256> =
        whole.roles.keys().chain(d.cells.keys()).copied().collect();
    for id in &admins {
        let under: Vec<U256> = whole
            .roles
            .values()
            .filter(|r| r.admin_id == *id && r.role_id != *id)
            .map(|r| r.role_id)
            .collect();
        let read: Vec<U256> = store
            .roles_under(*id)
            .expect("roles under")
            .iter()
            .map(|r| r.role_id)
            .collect();
        assert_eq!(read, under, "roles under {id}");
        let bad: Vec<Address> = whole
            .bad_standing
            .keys()
            .filter(|(r, _)| r == id)
            .map(|(_, w)| *w)
            .collect();
        assert_eq!(store.bad_standing_of(*id).expect("bad standing"), bad);
    }
    assert!(
        admins
            .iter()
            .any(|id| !store.roles_under(*id).expect("roles under").is_empty()),
        "the history has roles under an admin"
    );
    assert!(
        !whole.bad_standing.is_empty(),
        "the history has bad standing"
    );
    assert!(!d.partnerships.is_empty(), "the history has a partnership");
    for (id, p) in &d.partnerships {
        assert_eq!(
            store.partnership(*id).expect("partnership").as_ref(),
            Some(p)
        );
    }
    assert_eq!(store.partnership(U256::from(999_999)).expect("none"), None);
    for role in whole.roles.keys() {
        let page = store.wearers_of(*role, None, 1000).expect("wearers");
        let row = |w: &dao_indexer::model::Wearer| {
            (
                w.role_id,
                w.wearer,
                w.since_block,
                w.expiry,
                w.granted_by,
                w.last_event.block,
            )
        };
        assert_eq!(
            page.iter().map(row).collect::<Vec<_>>(),
            whole.wearers_of(*role).map(row).collect::<Vec<_>>()
        );
        if page.len() > 1 {
            let rest = store
                .wearers_of(*role, Some(page[0].wearer), 1000)
                .expect("page");
            assert_eq!(rest.len(), page.len() - 1, "paged after the first");
        }
    }
}

#[test]
fn wearers_read_back_by_span_or_by_key_fold_as_the_whole_state() {
    // Many mints of one role, then ranges that mint some again (anomalies: they must be read
    // back), revoke some and mint new ones, in spans dense with other wearers (the span scan
    // gives up and reads by key) and in spans of new wearers only.
    let mut logs = history();
    let mut folded = State::new(contracts());
    folded.apply_all(&logs);
    let (role, _) = folded.wearers.keys().next().expect("a wearer");
    let who = |i: u64| Address::left_padding_from(&(0x1000 + i).to_be_bytes());
    let mut block = logs.last().expect("logs").block_number + 1;
    let push = |logs: &mut Vec<RawLog>, block: u64, evs: Vec<alloy::primitives::LogData>| {
        for (i, ev) in evs.into_iter().enumerate() {
            let mut l = log_data(ROLES, block, i as u64, ev);
            l.block_hash = B256::with_last_byte(block as u8) ^ B256::repeat_byte(0x5a);
            logs.push(l);
        }
    };
    push(
        &mut logs,
        block,
        (0..600).map(|i| log_minted(role, who(i))).collect(),
    );
    block += 1;
    // Every 40th again (sparse among 600 stored: by key after the budget), and 20 new.
    push(
        &mut logs,
        block,
        (0..600)
            .step_by(40)
            .map(|i| log_minted(role, who(i)))
            .chain((600..620).map(|i| log_minted(role, who(i))))
            .collect(),
    );
    block += 1;
    // Revokes of 20 in a row (a dense span), then the same minted again.
    let revokes: Vec<_> = (100..120)
        .map(|i| {
            IRoles::RoleRevoked {
                roleId: role,
                wearer: who(i),
                by: who(i),
                renounced: false,
            }
            .encode_log_data()
        })
        .collect();
    push(&mut logs, block, revokes);
    block += 1;
    push(
        &mut logs,
        block,
        (95..125).map(|i| log_minted(role, who(i))).collect(),
    );

    let dir = tempfile::tempdir().expect("tmp");
    let mut whole = State::new(contracts());
    let mut reference = Store::open(&dir.path().join("whole.db"), 1, &contracts()).expect("open");
    commit(&mut reference, &mut whole, &logs);
    assert!(
        whole.anomalies.len() >= 15 + 10,
        "{}",
        whole.anomalies.len()
    );
    let mut store = Store::open(&dir.path().join("ws.db"), 1, &contracts()).expect("open");
    let state = index_ranges(&mut store, &logs, 0);
    assert_eq!(
        store.digest().expect("digest"),
        reference.digest().expect("digest")
    );
    assert_eq!(state.anomalies, whole.anomalies);
}

#[test]
fn the_governors_inherited_domain_event_is_known_not_undecoded() {
    use dao_bindings::CellGovernor::EIP712DomainChanged;
    let mut state = State::new(contracts());
    state.apply(&log(GOVERNOR, 1, 0, &EIP712DomainChanged {}));
    assert_eq!((state.applied, state.undecoded), (1, 0));
    // Another contract's log of the same shape is not the governor's.
    state.apply(&log(
        Address::repeat_byte(0x77),
        2,
        0,
        &EIP712DomainChanged {},
    ));
    assert_eq!((state.applied, state.undecoded), (2, 1));
}
