//! The network rules on planted discrepancies: each test builds a history as typed logs (what the
//! chain would log with correct contracts), then plants one act the contracts would have refused
//! (a grant by a non-admin, a vote by a non-member, a forged weight or tally, an early or
//! quorum-less execution, an over-paid stream settlement, ...) and asserts the named rule fires on
//! that event, and only there; the unplanted history judges clean.

use alloy::{
    primitives::{Address, B256, U256, aliases::U24},
    sol_types::SolEvent,
};
use dao_bindings::interfaces::{
    ICellGovernor::{self, Counting, Electorate},
    ICellRegistry::{self, Phase, Scale},
    IRoleStreams, IRoles, ITreasury,
};
use dao_indexer::{
    Contracts, RawLog,
    audit::{Finding, Severity},
    network::{ChainAnswers, NetworkAudit, Tally},
};

const ROLES: Address = Address::repeat_byte(0x01);
const REGISTRY: Address = Address::repeat_byte(0x02);
const GOVERNOR: Address = Address::repeat_byte(0x03);
const TREASURY: Address = Address::repeat_byte(0x04);
const STREAMS: Address = Address::repeat_byte(0x05);
const TOKEN: Address = Address::repeat_byte(0x06);

const ADMIN: Address = Address::repeat_byte(0xa0);
const M1: Address = Address::repeat_byte(0xa1);
const M2: Address = Address::repeat_byte(0xa2);
const M3: Address = Address::repeat_byte(0xa3);
const STRANGER: Address = Address::repeat_byte(0xee);

fn contracts() -> Contracts {
    Contracts {
        roles: Some(ROLES),
        registry: Some(REGISTRY),
        governor: Some(GOVERNOR),
        treasury: Some(TREASURY),
        task_board: None,
        streams: Some(STREAMS),
    }
}

fn dao() -> U256 {
    U256::from(1) << 224
}

fn member() -> U256 {
    dao() | (U256::from(1) << 208)
}

/// A history under construction: each log its own transaction unless `same_tx`; block times
/// are 12 s per block from 1,000,000.
#[derive(Default)]
struct History {
    logs: Vec<RawLog>,
    block: u64,
}

fn time_of(block: u64) -> u64 {
    1_000_000 + 12 * block
}

impl History {
    fn at(&mut self, block: u64) -> &mut Self {
        assert!(block >= self.block);
        self.block = block;
        self
    }

    // By value, so a history reads as a list of event literals.
    #[allow(clippy::needless_pass_by_value)]
    fn push<E: SolEvent>(&mut self, address: Address, e: E) -> &mut Self {
        self.push_in(address, &e, false)
    }

    fn push_in<E: SolEvent>(&mut self, address: Address, e: &E, same_tx: bool) -> &mut Self {
        let data = e.encode_log_data();
        let n = self.logs.len() as u64;
        let tx_hash = if same_tx {
            self.logs.last().expect("a log before").tx_hash
        } else {
            B256::from(U256::from(n + 1))
        };
        self.logs.push(RawLog {
            block_number: self.block,
            block_hash: B256::from(U256::from(self.block)),
            tx_index: 0,
            tx_hash,
            log_index: n,
            address,
            topics: data.topics().to_vec(),
            data: data.data.clone(),
        });
        self
    }

    fn mint(&mut self, role: U256, wearer: Address, by: Address) -> &mut Self {
        self.push(
            ROLES,
            IRoles::RoleMinted {
                roleId: role,
                wearer,
                by,
                expiry: 0,
            },
        )
        .push_in(
            ROLES,
            &dao_bindings::Roles::TransferSingle {
                operator: by,
                from: Address::ZERO,
                to: wearer,
                id: role,
                value: U256::from(1),
            },
            true,
        )
    }

    /// The demo's shape: a DAO run by ADMIN, members M1 and M2 from block 1, settings record 1
    /// (role electorate, `counting`, quorum 50%, delay 1, period 5, execution delay 3 blocks).
    fn dao(counting: Counting) -> Self {
        let mut h = History::default();
        h.at(1)
            .push(
                ROLES,
                IRoles::RoleCreated {
                    roleId: dao(),
                    adminId: U256::ZERO,
                    details: "dao".into(),
                    maxSupply: 1,
                    eligibility: Address::ZERO,
                    toggle: Address::ZERO,
                    mutable_: false,
                    claimable: false,
                    imageURI: String::new(),
                },
            )
            .push_in(
                ROLES,
                &IRoles::RoleMinted {
                    roleId: dao(),
                    wearer: ADMIN,
                    by: ADMIN,
                    expiry: 0,
                },
                true,
            )
            .push_in(
                ROLES,
                &IRoles::RoleCreated {
                    roleId: member(),
                    adminId: dao(),
                    details: String::new(),
                    maxSupply: 1000,
                    eligibility: Address::ZERO,
                    toggle: Address::ZERO,
                    mutable_: true,
                    claimable: false,
                    imageURI: String::new(),
                },
                true,
            );
        h.mint(member(), M1, ADMIN).mint(member(), M2, ADMIN).push(
            REGISTRY,
            ICellRegistry::CellCreated {
                cellId: dao(),
                parentCellId: U256::ZERO,
                daoId: dao(),
                memberRoleId: member(),
                admin: ADMIN,
                scale: Scale::Collaboration,
                phase: Phase::Conversation,
                name: "dao".into(),
                creator: ADMIN,
            },
        );
        h.push(
            GOVERNOR,
            ICellGovernor::SettingsChanged {
                cellId: dao(),
                settingsId: 1,
                by: ADMIN,
                settings: ICellGovernor::Settings {
                    electorate: Electorate::Role,
                    counting,
                    thresholdBps: 6000,
                    quorumBps: 5000,
                    votingDelay: U24::from(1),
                    votingPeriod: U24::from(5),
                    executionDelay: U24::from(3),
                    token: Address::ZERO,
                    proposalThreshold: 0,
                },
            },
        );
        h
    }

    /// Proposal `id` by M1 at block 10: snapshot 11, voting 12..=16, executable from block 20.
    fn propose(&mut self, id: u64, settings_id: u32, supply: u32) -> &mut Self {
        self.at(10).push(
            GOVERNOR,
            ICellGovernor::ProposalCreated {
                proposalId: U256::from(id),
                cellId: dao(),
                proposer: M1,
                settingsId: settings_id,
                actions: vec![],
                uri: String::new(),
                descriptionHash: B256::ZERO,
                snapshot: 11,
                voteEnd: 16,
                electorateSupply: U24::from(supply),
            },
        )
    }

    fn vote(&mut self, id: u64, voter: Address, support: u8, weight: u64) -> &mut Self {
        self.push(
            GOVERNOR,
            ICellGovernor::VoteCast {
                voter,
                proposalId: U256::from(id),
                support,
                weight: U256::from(weight),
                reason: String::new(),
            },
        )
    }

    fn execute(&mut self, id: u64) -> &mut Self {
        self.push(
            GOVERNOR,
            ICellGovernor::ProposalExecuted {
                proposalId: U256::from(id),
                cellId: dao(),
            },
        )
    }

    fn judge(&self, answers: &ChainAnswers) -> Vec<Finding> {
        let mut n = NetworkAudit::new(contracts());
        for log in &self.logs {
            n.apply(log, Some(time_of(log.block_number)));
        }
        n.finish(answers).0
    }
}

/// The governor's tally for proposal `id` as the votes make it (what a correct chain answers).
fn tally(id: u64, for_: u64, against: u64, abstain: u64) -> ChainAnswers {
    let mut a = ChainAnswers::default();
    a.tallies.insert(
        U256::from(id),
        Tally {
            against: U256::from(against),
            for_: U256::from(for_),
            abstain: U256::from(abstain),
            participation: U256::from(for_ + against + abstain),
        },
    );
    a
}

/// The only error findings are of `rule`, `count` of them, each at a log of `block`.
fn only(findings: &[Finding], rule: &str, count: usize, block: u64) {
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert_eq!(
        errors.len(),
        count,
        "expected {count} {rule} findings, got {errors:#?}"
    );
    for f in errors {
        assert_eq!(f.rule, rule, "{f:#?}");
        assert_eq!(f.at.expect("names its event").block, block, "{f:#?}");
        assert!(f.cell.is_some(), "names its cell: {f:#?}");
    }
}

/// The clean history every test plants into: a passed, executed proposal.
fn clean() -> History {
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1).vote(7, M2, 1, 1);
    h.at(20).execute(7);
    h
}

#[test]
fn a_clean_history_judges_clean() {
    let findings = clean().judge(&tally(7, 2, 0, 0));
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_role_grant_by_a_non_admin_is_named() {
    let mut h = clean();
    h.at(21).mint(member(), M3, STRANGER);
    let f = h.judge(&tally(7, 2, 0, 0));
    only(&f, "role.grant-authority", 1, 21);
    assert!(f[0].detail.contains("not an admin"), "{}", f[0].detail);
    // A member (a wearer of a role below nothing) is no admin of its own role either.
    let mut h = clean();
    h.at(21).mint(member(), M3, M1);
    only(&h.judge(&tally(7, 2, 0, 0)), "role.grant-authority", 1, 21);
}

#[test]
fn a_revoke_or_transfer_by_a_non_admin_is_named() {
    let mut h = clean();
    h.at(21).push(
        ROLES,
        IRoles::RoleRevoked {
            roleId: member(),
            wearer: M2,
            by: STRANGER,
            renounced: false,
        },
    );
    only(&h.judge(&tally(7, 2, 0, 0)), "role.grant-authority", 1, 21);
    let mut h = clean();
    h.at(21)
        .push(
            ROLES,
            IRoles::RoleTransferred {
                roleId: member(),
                from: M2,
                to: M3,
            },
        )
        .push_in(
            ROLES,
            &dao_bindings::Roles::TransferSingle {
                operator: M2,
                from: M2,
                to: M3,
                id: member(),
                value: U256::from(1),
            },
            true,
        );
    only(&h.judge(&tally(7, 2, 0, 0)), "role.grant-authority", 1, 21);
}

impl History {
    /// The ERC-1155 burn of `role` from `from` by `operator`, in a transaction of its own or (after
    /// a RoleRevoked) in the same one.
    fn burn(&mut self, operator: Address, role: U256, from: Address, same_tx: bool) -> &mut Self {
        self.push_in(
            ROLES,
            &dao_bindings::Roles::TransferSingle {
                operator,
                from,
                to: Address::ZERO,
                id: role,
                value: U256::from(1),
            },
            same_tx,
        )
    }

    fn revoke(&mut self, role: U256, wearer: Address, by: Address, renounced: bool) -> &mut Self {
        self.push(
            ROLES,
            IRoles::RoleRevoked {
                roleId: role,
                wearer,
                by,
                renounced,
            },
        )
        .burn(by, role, wearer, true)
    }
}

#[test]
fn renounces_are_judged_in_both_shapes_and_a_burn_by_another_is_named() {
    // Roles now: a renounce logs the burn alone (operator = from = the wearer); a revoke logs
    // RoleRevoked and then its burn. Older deployments: RoleRevoked(renounced) then the burn.
    let mut h = clean();
    h.at(21).burn(M1, member(), M1, false);
    h.at(22).revoke(member(), M2, ADMIN, false);
    h.at(23).mint(member(), M3, ADMIN);
    h.at(24).revoke(member(), M3, M3, true);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");
    // A renounce ends the grant: the DAO's admin who renounced its top role (which Roles refuses
    // for an unlinked tree, but the audit judges logs) administers nothing after it.
    let mut h = clean();
    h.at(21).burn(ADMIN, dao(), ADMIN, false);
    h.at(22).mint(member(), M3, ADMIN);
    only(&h.judge(&tally(7, 2, 0, 0)), "role.grant-authority", 1, 22);
    // A second burn of a grant already ended is not judged again as a renounce (the fold reports
    // it as an anomaly).
    let mut h = clean();
    h.at(21)
        .burn(M1, member(), M1, false)
        .burn(STRANGER, member(), M1, false);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");

    // A burn with no RoleRevoked whose operator is not the wearer: someone renounced for it.
    let mut h = clean();
    h.at(21).burn(STRANGER, member(), M2, false);
    let f = h.judge(&tally(7, 2, 0, 0));
    only(&f, "role.grant-authority", 1, 21);
    assert!(f[0].detail.contains("only the wearer"), "{}", f[0].detail);
    assert_eq!(f[0].event, "TransferSingle");
    // Even by an admin: an admin's revoke logs RoleRevoked.
    let mut h = clean();
    h.at(21).burn(ADMIN, member(), M2, false);
    only(&h.judge(&tally(7, 2, 0, 0)), "role.grant-authority", 1, 21);
    // Old shape, renounced for another: RoleRevoked's `by` is not the wearer.
    let mut h = clean();
    h.at(21).revoke(member(), M2, STRANGER, true);
    only(&h.judge(&tally(7, 2, 0, 0)), "role.grant-authority", 1, 21);
}

#[test]
fn grants_through_a_tree_link_and_claims_are_authorised() {
    // A child tree linked under the DAO's member role: a member administers it through the link.
    let child = U256::from(2) << 224;
    let mut h = clean();
    h.at(21)
        .push(
            ROLES,
            IRoles::RoleCreated {
                roleId: child,
                adminId: U256::ZERO,
                details: "child".into(),
                maxSupply: 1,
                eligibility: Address::ZERO,
                toggle: Address::ZERO,
                mutable_: false,
                claimable: false,
                imageURI: String::new(),
            },
        )
        .push_in(
            ROLES,
            &IRoles::RoleMinted {
                roleId: child,
                wearer: M3,
                by: M1,
                expiry: 0,
            },
            true,
        )
        .push_in(
            ROLES,
            &IRoles::TreeLinked {
                treeId: 2,
                adminRole: member(),
            },
            true,
        );
    let child_member = child | (U256::from(1) << 208);
    h.at(22)
        .push(
            ROLES,
            IRoles::RoleCreated {
                roleId: child_member,
                adminId: child,
                details: String::new(),
                maxSupply: 10,
                eligibility: Address::ZERO,
                toggle: Address::ZERO,
                mutable_: true,
                claimable: true,
                imageURI: String::new(),
            },
        )
        // M2 administers the child tree through the link (it wears the member role it hangs from).
        .mint(child_member, ADMIN, M2)
        // A claim of a claimable role by its wearer.
        .mint(child_member, STRANGER, STRANGER);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");

    // A tree created under the member role by someone who neither wears nor administers it.
    let mut h = clean();
    h.at(21)
        .push(
            ROLES,
            IRoles::RoleCreated {
                roleId: child,
                adminId: U256::ZERO,
                details: "child".into(),
                maxSupply: 1,
                eligibility: Address::ZERO,
                toggle: Address::ZERO,
                mutable_: false,
                claimable: false,
                imageURI: String::new(),
            },
        )
        .push_in(
            ROLES,
            &IRoles::RoleMinted {
                roleId: child,
                wearer: M3,
                by: STRANGER,
                expiry: 0,
            },
            true,
        )
        .push_in(
            ROLES,
            &IRoles::TreeLinked {
                treeId: 2,
                adminRole: member(),
            },
            true,
        );
    let f = h.judge(&tally(7, 2, 0, 0));
    only(&f, "role.grant-authority", 1, 21);
    assert_eq!(f[0].event, "TreeLinked");
}

#[test]
fn a_vote_by_a_non_member_or_a_late_member_is_named() {
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1).vote(7, STRANGER, 1, 1);
    only(&h.judge(&tally(7, 2, 0, 0)), "vote.electorate", 1, 12);
    // Granted at the snapshot block: not in the electorate.
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(11).mint(member(), M3, ADMIN);
    h.at(12).vote(7, M3, 0, 1);
    let f = h.judge(&tally(7, 0, 1, 0));
    only(&f, "vote.electorate", 1, 12);
    assert!(
        f[0].detail.contains("not before the snapshot"),
        "{}",
        f[0].detail
    );
}

#[test]
fn a_forged_weight_is_named_for_members_and_token_holders() {
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 5);
    only(&h.judge(&tally(7, 5, 0, 0)), "vote.weight", 1, 12);

    // A token electorate: the weight must be the token's votes at the snapshot.
    let mut h = History::dao(Counting::Majority);
    h.push(
        GOVERNOR,
        ICellGovernor::SettingsChanged {
            cellId: dao(),
            settingsId: 2,
            by: ADMIN,
            settings: ICellGovernor::Settings {
                electorate: Electorate::Token,
                counting: Counting::Majority,
                thresholdBps: 0,
                quorumBps: 1000,
                votingDelay: U24::from(1),
                votingPeriod: U24::from(5),
                executionDelay: U24::from(3),
                token: TOKEN,
                proposalThreshold: 0,
            },
        },
    );
    h.propose(8, 2, 0);
    h.at(12).vote(8, M1, 1, 100).vote(8, STRANGER, 1, 40);
    h.at(20).execute(8);
    let mut answers = tally(8, 140, 0, 0);
    answers.past_votes.insert((TOKEN, M1, 11), U256::from(100));
    answers
        .past_votes
        .insert((TOKEN, STRANGER, 11), U256::from(7));
    answers.past_supply.insert((TOKEN, 11), U256::from(1000));
    let f = h.judge(&answers);
    only(&f, "vote.weight", 1, 12);
    assert!(f[0].detail.contains("gave it 7 votes"), "{}", f[0].detail);
    // The queries name exactly what the rules need from the chain.
    let mut n = NetworkAudit::new(contracts());
    for log in &h.logs {
        n.apply(log, None);
    }
    let q = n.queries();
    assert_eq!(q.past_votes.len(), 2);
    assert_eq!(q.past_supply.iter().collect::<Vec<_>>(), [&(TOKEN, 11)]);
    // Unanswered reads are warnings (not checked), never silently passed.
    let f = h.judge(&tally(8, 140, 0, 0));
    assert!(f.iter().all(|f| f.severity == Severity::Warning), "{f:#?}");
    assert_eq!(f.len(), 3, "{f:#?}");
}

#[test]
fn a_forged_tally_is_named() {
    // The votes sum to 2 for; the governor holds another tally (a vote missing from the logs,
    // or a tally the logs cannot explain).
    let f = clean().judge(&tally(7, 3, 0, 0));
    only(&f, "proposal.tally", 1, 12);
}

#[test]
fn an_execution_before_its_delay_or_without_quorum_or_majority_is_named() {
    // Executable from block 20 (vote end 16 + execution delay 3 + 1): block 19 is in the veto window.
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1).vote(7, M2, 1, 1);
    h.at(19).execute(7);
    let f = h.judge(&tally(7, 2, 0, 0));
    only(&f, "proposal.execution", 1, 19);
    assert!(f[0].detail.contains("veto window"), "{}", f[0].detail);

    // One vote of an electorate of 10 with quorum 50%.
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 10);
    h.at(12).vote(7, M1, 1, 1);
    h.at(20).execute(7);
    let f = h.judge(&tally(7, 1, 0, 0));
    only(&f, "proposal.execution", 1, 20);
    assert!(f[0].detail.contains("without quorum"), "{}", f[0].detail);

    // A tie does not pass a majority vote.
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1).vote(7, M2, 0, 1);
    h.at(20).execute(7);
    let f = h.judge(&tally(7, 1, 1, 0));
    only(&f, "proposal.execution", 1, 20);
    // A supermajority of 60% is not reached by 1 for of 2 (the threshold rounds up to 2).
    let mut h = History::dao(Counting::Supermajority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1).vote(7, M2, 0, 1);
    h.at(20).execute(7);
    only(&h.judge(&tally(7, 1, 1, 0)), "proposal.execution", 1, 20);
}

#[test]
fn a_veto_after_its_window_or_by_a_member_is_named() {
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1).vote(7, M2, 1, 1);
    h.at(20).push(
        GOVERNOR,
        ICellGovernor::ProposalVetoed {
            proposalId: U256::from(7),
            cellId: dao(),
            by: ADMIN,
        },
    );
    only(&h.judge(&tally(7, 2, 0, 0)), "proposal.veto", 1, 20);
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1).vote(7, M2, 1, 1);
    h.at(18).push(
        GOVERNOR,
        ICellGovernor::ProposalVetoed {
            proposalId: U256::from(7),
            cellId: dao(),
            by: M2,
        },
    );
    // Then an execution of the vetoed proposal.
    h.at(20).execute(7);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(f[0].rule, "proposal.veto");
    assert_eq!(f[1].rule, "proposal.execution");
    assert!(f[1].detail.contains("vetoed"), "{}", f[1].detail);
}

#[test]
fn phase_state_and_decision_by_who_may_not_are_named() {
    let mut h = clean();
    h.at(21).push(
        REGISTRY,
        ICellRegistry::PhaseChanged {
            cellId: dao(),
            daoId: dao(),
            by: M1,
            from: Phase::Conversation,
            to: Phase::Organization,
        },
    );
    only(&h.judge(&tally(7, 2, 0, 0)), "cell.phase-authority", 1, 21);
    let mut h = clean();
    h.at(21).push(
        REGISTRY,
        ICellRegistry::StateUpdated {
            cellId: dao(),
            key: B256::repeat_byte(1),
            author: STRANGER,
            version: 1,
            uri: "ipfs://x".into(),
            contentHash: B256::ZERO,
            updatedAt: alloy::primitives::aliases::U40::ZERO,
        },
    );
    only(&h.judge(&tally(7, 2, 0, 0)), "state.doc-authority", 1, 21);
    let mut h = clean();
    h.at(21).push(
        REGISTRY,
        ICellRegistry::DecisionRecorded {
            cellId: dao(),
            r#ref: B256::ZERO,
            by: M2,
            index: 1,
            uri: String::new(),
            contentHash: B256::ZERO,
        },
    );
    only(&h.judge(&tally(7, 2, 0, 0)), "decision.authority", 1, 21);
    // The admin's own moves are clean: one step forward, a document, a decision.
    let mut h = clean();
    h.at(21)
        .push(
            REGISTRY,
            ICellRegistry::PhaseChanged {
                cellId: dao(),
                daoId: dao(),
                by: ADMIN,
                from: Phase::Conversation,
                to: Phase::Formation,
            },
        )
        .push(
            REGISTRY,
            ICellRegistry::DecisionRecorded {
                cellId: dao(),
                r#ref: B256::ZERO,
                by: ADMIN,
                index: 1,
                uri: String::new(),
                contentHash: B256::ZERO,
            },
        );
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");
}

/// A stream on the member role: 100 per 10 s (10 a second) from block 30's time, budget set.
fn streamed() -> History {
    let mut h = clean();
    h.at(29).push(
        TREASURY,
        ITreasury::BudgetSet {
            cellId: dao(),
            token: TOKEN,
            by: ADMIN,
            amount: U256::from(1_000_000),
            period: U256::from(0),
            start: U256::from(time_of(29)),
            expiry: U256::ZERO,
            funded: false,
            periodIndex: U256::ZERO,
        },
    );
    h.at(30).push(
        STREAMS,
        IRoleStreams::StreamOpened {
            streamId: U256::from(1),
            cellId: dao(),
            roleId: member(),
            token: TOKEN,
            amount: U256::from(100),
            period: U256::from(10),
            start: U256::from(time_of(30)),
            end: U256::ZERO,
            by: ADMIN,
        },
    );
    h
}

/// A settlement of stream 1 for `wearer` at `block`, with the treasury's payment when it paid.
fn claim(
    h: &mut History,
    block: u64,
    wearer: Address,
    credited: u64,
    forfeited: u64,
    paid: u64,
    owed: u64,
) {
    h.at(block);
    if paid != 0 {
        h.push(
            TREASURY,
            ITreasury::StreamPaid {
                cellId: dao(),
                token: TOKEN,
                to: wearer,
                streamId: U256::from(1),
                amount: U256::from(paid),
                periodIndex: U256::ZERO,
            },
        );
    }
    h.push_in(
        STREAMS,
        &IRoleStreams::Claimed {
            streamId: U256::from(1),
            wearer,
            token: TOKEN,
            credited: U256::from(credited),
            forfeitedSeconds: U256::from(forfeited),
            paid: U256::from(paid),
            owed: U256::from(owed),
            checkpoint: U256::from(time_of(block)),
        },
        paid != 0,
    );
}

/// The stream's rate changed to 5/s at block 45 by its cell's admin.
fn halve_the_rate_at_45(h: &mut History) {
    h.at(45).push(
        STREAMS,
        IRoleStreams::StreamRateChanged {
            streamId: U256::from(1),
            cellId: dao(),
            by: ADMIN,
            amount: U256::from(50),
            at: U256::from(time_of(45)),
        },
    );
}

#[test]
fn stream_payments_are_re_derived_from_grant_times_and_rates() {
    // M1 wears the role from before the stream: 10 blocks = 120 s at 10/s = 1200.
    let mut h = streamed();
    claim(&mut h, 40, M1, 1200, 0, 1200, 0);
    // A rate change at block 45 (5/s), M2 revoked at block 50; M2 claims after: 15 blocks at
    // 10/s (blocks 30..45) + 5 blocks at 5/s (45..50) = 1800 + 300.
    halve_the_rate_at_45(&mut h);
    h.at(50).push(
        ROLES,
        IRoles::RoleRevoked {
            roleId: member(),
            wearer: M2,
            by: ADMIN,
            renounced: false,
        },
    );
    // M3 granted at block 55, never a wearer before: accrues only from its own grant.
    h.at(55);
    h.mint(member(), M3, ADMIN);
    claim(&mut h, 60, M2, 2100, 0, 2100, 0);
    claim(&mut h, 61, M3, 360, 0, 300, 60);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");

    // The same history with M2 renouncing at block 50 as Roles logs it now (the burn alone): its
    // grant ends there too, and the audit reads that block's time. Without the renounce, M2
    // would still wear the role at block 60 and the same settlement would be short.
    for renounced in [true, false] {
        let mut h = streamed();
        claim(&mut h, 40, M1, 1200, 0, 1200, 0);
        halve_the_rate_at_45(&mut h);
        if renounced {
            h.at(50).burn(M2, member(), M2, false);
        }
        claim(&mut h, 60, M2, 2100, 0, 2100, 0);
        let f = h.judge(&tally(7, 2, 0, 0));
        if renounced {
            assert!(f.is_empty(), "{f:#?}");
            let timed = NetworkAudit::blocks_needing_time(&contracts(), &h.logs);
            assert!(timed.contains(&50), "{timed:?}");
        } else {
            only(&f, "stream.payment", 1, 60);
        }
    }

    // Paid more than accrued.
    let mut h = streamed();
    claim(&mut h, 40, M1, 1200, 0, 1500, 0);
    let f = h.judge(&tally(7, 2, 0, 0));
    only(&f, "stream.payment", 1, 40);
    assert!(
        f[0].detail.contains("only 1200 had accrued"),
        "{}",
        f[0].detail
    );

    // Credited more than the grant times allow (a new wearer paid a former wearer's time).
    let mut h = streamed();
    h.at(35);
    h.mint(member(), M3, ADMIN);
    claim(&mut h, 40, M3, 1200, 0, 1200, 0);
    only(&h.judge(&tally(7, 2, 0, 0)), "stream.payment", 1, 40);

    // A treasury payment no settlement owed.
    let mut h = streamed();
    h.at(40).push(
        TREASURY,
        ITreasury::StreamPaid {
            cellId: dao(),
            token: TOKEN,
            to: STRANGER,
            streamId: U256::from(1),
            amount: U256::from(5),
            periodIndex: U256::ZERO,
        },
    );
    only(&h.judge(&tally(7, 2, 0, 0)), "stream.payment", 1, 40);
}

/// A stream of 7 per 10 s on the member role from block 30's time.
fn slow_stream() -> History {
    let mut h = clean();
    h.at(30).push(
        STREAMS,
        IRoleStreams::StreamOpened {
            streamId: U256::from(1),
            cellId: dao(),
            roleId: member(),
            token: TOKEN,
            amount: U256::from(7),
            period: U256::from(10),
            start: U256::from(time_of(30)),
            end: U256::ZERO,
            by: ADMIN,
        },
    );
    h
}

#[test]
fn forfeited_seconds_and_the_carried_remainder_are_re_derived() {
    // 7 per 10 s: 120 s give 84; then 1 block (12 s) gives 8.4 -> 8 (remainder 4 carried), and 1
    // more gives (84 + 4) / 10 = 8 (remainder 8), then (84 + 8) / 10 = 9.
    let mut h = slow_stream();
    claim(&mut h, 40, M1, 84, 0, 84, 0);
    claim(&mut h, 41, M1, 8, 0, 8, 0);
    claim(&mut h, 42, M1, 8, 0, 8, 0);
    claim(&mut h, 43, M1, 9, 0, 9, 0);
    // M2 ineligible at its claim: the 20 blocks since the start (240 s) are forfeited.
    claim(&mut h, 50, M2, 0, 240, 0, 0);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");
    // Dropping the remainder is caught at the claim it changes.
    let mut h = slow_stream();
    claim(&mut h, 40, M1, 84, 0, 84, 0);
    claim(&mut h, 41, M1, 8, 0, 8, 0);
    claim(&mut h, 42, M1, 8, 0, 8, 0);
    claim(&mut h, 43, M1, 8, 0, 8, 0);
    only(&h.judge(&tally(7, 2, 0, 0)), "stream.payment", 1, 43);
    // A forfeit that is not the time since the checkpoint.
    let mut h = slow_stream();
    claim(&mut h, 50, M2, 0, 100, 0, 0);
    only(&h.judge(&tally(7, 2, 0, 0)), "stream.payment", 1, 50);
}

#[test]
fn a_vote_outside_its_window_or_twice_is_named() {
    // Voting is open in blocks 12..=16 (after the snapshot 11, up to the vote end 16).
    for block in [11, 17] {
        let mut h = History::dao(Counting::Majority);
        h.propose(7, 1, 2);
        h.at(block).vote(7, M1, 1, 1);
        let f = h.judge(&tally(7, 1, 0, 0));
        only(&f, "vote.window", 1, block);
        assert!(
            f[0].detail.contains("outside the voting window"),
            "{}",
            f[0].detail
        );
    }
    let mut h = History::dao(Counting::Majority);
    h.propose(7, 1, 2);
    h.at(12).vote(7, M1, 1, 1);
    h.at(16).vote(7, M1, 1, 1);
    only(&h.judge(&tally(7, 2, 0, 0)), "vote.window", 1, 16);
    // A vote on a proposal never created.
    let mut h = History::dao(Counting::Majority);
    h.at(12).vote(9, M1, 1, 1);
    let f = h.judge(&ChainAnswers::default());
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].rule, "vote.window");
}

#[test]
fn a_term_ends_accrual_and_a_renewal_after_it_starts_a_new_interval() {
    // M3 granted at block 31 with a term ending at block 36's time: a claim at block 40 is owed
    // 5 blocks (60 s at 10/s = 600), not 9.
    let mut h = streamed();
    h.at(31).push(
        ROLES,
        IRoles::RoleMinted {
            roleId: member(),
            wearer: M3,
            by: ADMIN,
            expiry: time_of(36),
        },
    );
    claim(&mut h, 40, M3, 600, 0, 600, 0);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");
    // Renewed at block 38 (after the term, open-ended now): [31, 36] is archived and a new
    // interval starts at 38; a claim at 40 is owed 600 + 24 s at 10/s = 840.
    let mut h = streamed();
    h.at(31).push(
        ROLES,
        IRoles::RoleMinted {
            roleId: member(),
            wearer: M3,
            by: ADMIN,
            expiry: time_of(36),
        },
    );
    h.at(38).push(
        ROLES,
        IRoles::RoleRenewed {
            roleId: member(),
            wearer: M3,
            expiry: 0,
        },
    );
    claim(&mut h, 40, M3, 840, 0, 840, 0);
    let f = h.judge(&tally(7, 2, 0, 0));
    assert!(f.is_empty(), "{f:#?}");
    // Paying the lapsed time between the term and the renewal is caught.
    let mut h2 = streamed();
    h2.logs
        .extend_from_slice(&h.logs[streamed().logs.len()..h.logs.len() - 2]);
    h2.block = 38;
    claim(&mut h2, 40, M3, 1080, 0, 1080, 0);
    only(&h2.judge(&tally(7, 2, 0, 0)), "stream.payment", 1, 40);
}

#[test]
fn a_proposal_by_a_non_member_or_below_the_threshold_is_named() {
    let mut h = History::dao(Counting::Majority);
    h.at(10).push(
        GOVERNOR,
        ICellGovernor::ProposalCreated {
            proposalId: U256::from(7),
            cellId: dao(),
            proposer: STRANGER,
            settingsId: 1,
            actions: vec![],
            uri: String::new(),
            descriptionHash: B256::ZERO,
            snapshot: 11,
            voteEnd: 16,
            electorateSupply: U24::from(2),
        },
    );
    only(
        &h.judge(&ChainAnswers::default()),
        "proposal.proposer",
        1,
        10,
    );

    // Token-run, threshold 50: the proposer's votes at the block before the proposal.
    let token_run = |threshold: u128| {
        let mut h = History::dao(Counting::Majority);
        h.push(
            GOVERNOR,
            ICellGovernor::SettingsChanged {
                cellId: dao(),
                settingsId: 2,
                by: ADMIN,
                settings: ICellGovernor::Settings {
                    electorate: Electorate::Token,
                    counting: Counting::Majority,
                    thresholdBps: 0,
                    quorumBps: 0,
                    votingDelay: U24::from(1),
                    votingPeriod: U24::from(5),
                    executionDelay: U24::from(3),
                    token: TOKEN,
                    proposalThreshold: threshold,
                },
            },
        );
        h.propose(8, 2, 0);
        h
    };
    let mut answers = ChainAnswers::default();
    answers.past_votes.insert((TOKEN, M1, 9), U256::from(49));
    only(&token_run(50).judge(&answers), "proposal.proposer", 1, 10);
    answers.past_votes.insert((TOKEN, M1, 9), U256::from(50));
    assert!(token_run(50).judge(&answers).is_empty());
    // No threshold: anyone proposes, nothing is read.
    assert!(token_run(0).judge(&ChainAnswers::default()).is_empty());
}
