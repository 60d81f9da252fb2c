//! Folding the registry, governor, treasury, task board and role streams events into the typed
//! domain ([`crate::domain`]). Each contract's logs are decoded by its interface's event enum
//! (`dao_bindings::interfaces`, from the Solidity source) and folded by an exhaustive `match`:
//! an event the contracts add does not compile until it is folded here.

use alloy::primitives::{Address, B256, U256};

use crate::{
    domain::*,
    ledger::BudgetTerms,
    model::{EventRef, State},
};
use dao_bindings::interfaces::{
    ICellGovernor::ICellGovernorEvents as GovernorEvents,
    ICellRegistry::ICellRegistryEvents as RegistryEvents,
    IRoleStreams::IRoleStreamsEvents as StreamsEvents, ITaskBoard::ITaskBoardEvents as TaskEvents,
    ITreasury::ITreasuryEvents as TreasuryEvents,
};

/// The key of one entity of the domain: its kind and the contract's key for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntityKey {
    Cell(U256),
    StateDoc(U256, B256),
    Decision(U256, u32),
    Partnership(U256),
    Settings(U256),
    Executor(U256),
    Proposal(U256),
    Vote(U256, Address),
    Safe(U256),
    TreasuryCell(U256),
    Budget(U256, Address),
    Spend(u64, u64),
    SubAllocation(u64, u64),
    Clawback(u64, u64),
    Bounty(U256),
    Task(U256),
    Stream(U256),
    EndedGrant(u64, u64),
}

/// The kinds, as stored in the `entities` table's `kind` column.
pub const KINDS: &[&str] = &[
    "cell",
    "state_doc",
    "decision",
    "partnership",
    "settings",
    "executor",
    "proposal",
    "vote",
    "safe",
    "treasury_cell",
    "budget",
    "spend",
    "suballocation",
    "clawback",
    "bounty",
    "task",
    "stream",
    "ended_grant",
];

impl EntityKey {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Cell(_) => "cell",
            Self::StateDoc(..) => "state_doc",
            Self::Decision(..) => "decision",
            Self::Partnership(_) => "partnership",
            Self::Settings(_) => "settings",
            Self::Executor(_) => "executor",
            Self::Proposal(_) => "proposal",
            Self::Vote(..) => "vote",
            Self::Safe(_) => "safe",
            Self::TreasuryCell(_) => "treasury_cell",
            Self::Budget(..) => "budget",
            Self::Spend(..) => "spend",
            Self::SubAllocation(..) => "suballocation",
            Self::Clawback(..) => "clawback",
            Self::Bounty(_) => "bounty",
            Self::Task(_) => "task",
            Self::Stream(_) => "stream",
            Self::EndedGrant(..) => "ended_grant",
        }
    }

    /// The row id of a word (an id, the `owner` column): 0x and 64 hex digits.
    pub fn word(v: &U256) -> String {
        format!("{v:#066x}")
    }

    /// The row id: ids as 0x-hex words, addresses checksummed, parts joined with `/`, event
    /// positions as `block/logIndex` (zero-padded so that rows sort in chain order).
    pub fn id(&self) -> String {
        let w = |v: &U256| format!("{v:#066x}");
        match self {
            Self::Cell(a)
            | Self::Partnership(a)
            | Self::Settings(a)
            | Self::Executor(a)
            | Self::Proposal(a)
            | Self::Safe(a)
            | Self::TreasuryCell(a)
            | Self::Bounty(a)
            | Self::Task(a)
            | Self::Stream(a) => w(a),
            Self::StateDoc(c, k) => format!("{}/{k}", w(c)),
            Self::Decision(c, i) => format!("{}/{i:010}", w(c)),
            Self::Vote(p, v) => format!("{}/{}", w(p), v.to_checksum(None)),
            Self::Budget(c, t) => format!("{}/{}", w(c), t.to_checksum(None)),
            Self::Spend(b, l)
            | Self::SubAllocation(b, l)
            | Self::Clawback(b, l)
            | Self::EndedGrant(b, l) => {
                format!("{b:020}/{l:010}")
            }
        }
    }
}

impl Domain {
    /// The JSON document of an entity, `None` if it does not exist.
    pub fn doc(&self, key: &EntityKey) -> Option<Result<String, serde_json::Error>> {
        fn j<T: serde::Serialize>(v: Option<&T>) -> Option<Result<String, serde_json::Error>> {
            v.map(serde_json::to_string)
        }
        match key {
            EntityKey::Cell(k) => j(self.cells.get(k)),
            EntityKey::StateDoc(c, k) => j(self.state_docs.get(&(*c, *k))),
            EntityKey::Decision(c, i) => j(self.decisions.get(&(*c, *i))),
            EntityKey::Partnership(k) => j(self.partnerships.get(k)),
            EntityKey::Settings(k) => j(self.settings.get(k)),
            EntityKey::Executor(k) => j(self.executors.get(k)),
            EntityKey::Proposal(k) => j(self.proposals.get(k)),
            EntityKey::Vote(p, v) => j(self.votes.get(&(*p, *v))),
            EntityKey::Safe(k) => j(self.safes.get(k)),
            EntityKey::TreasuryCell(k) => j(self.treasury_cells.get(k)),
            EntityKey::Budget(c, t) => j(self.budgets.get(&(*c, *t))),
            EntityKey::Spend(b, l) => j(self.spends.get(&(*b, *l))),
            EntityKey::SubAllocation(b, l) => j(self.sub_allocations.get(&(*b, *l))),
            EntityKey::Clawback(b, l) => j(self.clawbacks.get(&(*b, *l))),
            EntityKey::Bounty(k) => j(self.bounties.get(k)),
            EntityKey::Task(k) => j(self.tasks.get(k)),
            EntityKey::Stream(k) => j(self.streams.get(k)),
            EntityKey::EndedGrant(b, l) => j(self.ended_grants.get(&(*b, *l))),
        }
    }

    /// Whether the entity is held in memory.
    pub fn contains(&self, key: &EntityKey) -> bool {
        match key {
            EntityKey::Cell(k) => self.cells.contains_key(k),
            EntityKey::StateDoc(c, k) => self.state_docs.contains_key(&(*c, *k)),
            EntityKey::Decision(c, i) => self.decisions.contains_key(&(*c, *i)),
            EntityKey::Partnership(k) => self.partnerships.contains_key(k),
            EntityKey::Settings(k) => self.settings.contains_key(k),
            EntityKey::Executor(k) => self.executors.contains_key(k),
            EntityKey::Proposal(k) => self.proposals.contains_key(k),
            EntityKey::Vote(p, v) => self.votes.contains_key(&(*p, *v)),
            EntityKey::Safe(k) => self.safes.contains_key(k),
            EntityKey::TreasuryCell(k) => self.treasury_cells.contains_key(k),
            EntityKey::Budget(c, t) => self.budgets.contains_key(&(*c, *t)),
            EntityKey::Spend(b, l) => self.spends.contains_key(&(*b, *l)),
            EntityKey::SubAllocation(b, l) => self.sub_allocations.contains_key(&(*b, *l)),
            EntityKey::Clawback(b, l) => self.clawbacks.contains_key(&(*b, *l)),
            EntityKey::Bounty(k) => self.bounties.contains_key(k),
            EntityKey::Task(k) => self.tasks.contains_key(k),
            EntityKey::Stream(k) => self.streams.contains_key(k),
            EntityKey::EndedGrant(b, l) => self.ended_grants.contains_key(&(*b, *l)),
        }
    }

    /// The entity that lists it (the `owner` column of the `entities` table, as an id word):
    /// the cell for what a cell has (budgets, proposals, tasks, streams, ...), the parent cell
    /// for a cell, the proposal for a vote, the role for an ended grant; `None` for a DAO's
    /// Safe link (keyed by the DAO) or an entity that is not held.
    pub fn owner(&self, key: &EntityKey) -> Option<U256> {
        match key {
            EntityKey::Cell(k) => self.cells.get(k).map(|c| c.parent),
            EntityKey::StateDoc(c, _) | EntityKey::Decision(c, _) => Some(*c),
            EntityKey::Partnership(k) => self.partnerships.get(k).map(|p| p.cell),
            EntityKey::Settings(c) | EntityKey::Executor(c) | EntityKey::TreasuryCell(c) => {
                Some(*c)
            }
            EntityKey::Proposal(k) => self.proposals.get(k).map(|p| p.cell),
            EntityKey::Vote(p, _) => Some(*p),
            EntityKey::Safe(_) => None,
            EntityKey::Budget(c, _) => Some(*c),
            EntityKey::Spend(b, l) => self.spends.get(&(*b, *l)).map(|s| s.cell),
            EntityKey::SubAllocation(b, l) => self.sub_allocations.get(&(*b, *l)).map(|s| s.parent),
            EntityKey::Clawback(b, l) => self.clawbacks.get(&(*b, *l)).map(|c| c.child),
            EntityKey::Bounty(k) => self.bounties.get(k).map(|b| b.cell),
            EntityKey::Task(k) => self.tasks.get(k).map(|t| t.cell),
            EntityKey::Stream(k) => self.streams.get(k).map(|s| s.cell),
            EntityKey::EndedGrant(b, l) => self.ended_grants.get(&(*b, *l)).map(|g| g.role),
        }
    }

    /// Every entity's key.
    pub fn keys(&self) -> Vec<EntityKey> {
        let mut v = Vec::with_capacity(self.len());
        v.extend(self.cells.keys().map(|k| EntityKey::Cell(*k)));
        v.extend(
            self.state_docs
                .keys()
                .map(|(c, k)| EntityKey::StateDoc(*c, *k)),
        );
        v.extend(
            self.decisions
                .keys()
                .map(|(c, i)| EntityKey::Decision(*c, *i)),
        );
        v.extend(self.partnerships.keys().map(|k| EntityKey::Partnership(*k)));
        v.extend(self.settings.keys().map(|k| EntityKey::Settings(*k)));
        v.extend(self.executors.keys().map(|k| EntityKey::Executor(*k)));
        v.extend(self.proposals.keys().map(|k| EntityKey::Proposal(*k)));
        v.extend(self.votes.keys().map(|(p, a)| EntityKey::Vote(*p, *a)));
        v.extend(self.safes.keys().map(|k| EntityKey::Safe(*k)));
        v.extend(
            self.treasury_cells
                .keys()
                .map(|k| EntityKey::TreasuryCell(*k)),
        );
        v.extend(self.budgets.keys().map(|(c, t)| EntityKey::Budget(*c, *t)));
        v.extend(self.spends.keys().map(|(b, l)| EntityKey::Spend(*b, *l)));
        v.extend(
            self.sub_allocations
                .keys()
                .map(|(b, l)| EntityKey::SubAllocation(*b, *l)),
        );
        v.extend(
            self.clawbacks
                .keys()
                .map(|(b, l)| EntityKey::Clawback(*b, *l)),
        );
        v.extend(self.bounties.keys().map(|k| EntityKey::Bounty(*k)));
        v.extend(self.tasks.keys().map(|k| EntityKey::Task(*k)));
        v.extend(self.streams.keys().map(|k| EntityKey::Stream(*k)));
        v.extend(
            self.ended_grants
                .keys()
                .map(|(b, l)| EntityKey::EndedGrant(*b, *l)),
        );
        v
    }

    /// Inserts an entity read back from the `entities` table (`kind`, JSON `doc`).
    pub fn load(&mut self, kind: &str, doc: &str) -> Result<(), serde_json::Error> {
        use serde::de::Error as _;
        match kind {
            "cell" => {
                let v: Cell = serde_json::from_str(doc)?;
                self.cells.insert(v.id, v);
            }
            "state_doc" => {
                let v: StateDoc = serde_json::from_str(doc)?;
                self.state_docs.insert((v.cell, v.key), v);
            }
            "decision" => {
                let v: Decision = serde_json::from_str(doc)?;
                self.decisions.insert((v.cell, v.index), v);
            }
            "partnership" => {
                let v: Partnership = serde_json::from_str(doc)?;
                self.partnerships.insert(v.id, v);
            }
            "settings" => {
                let v: GovernorSettings = serde_json::from_str(doc)?;
                self.settings.insert(v.cell, v);
            }
            "executor" => {
                let v: Executor = serde_json::from_str(doc)?;
                self.executors.insert(v.cell, v);
            }
            "proposal" => {
                let v: Proposal = serde_json::from_str(doc)?;
                self.proposals.insert(v.id, v);
            }
            "vote" => {
                let v: Vote = serde_json::from_str(doc)?;
                self.votes.insert((v.proposal, v.voter), v);
            }
            "safe" => {
                let v: SafeLink = serde_json::from_str(doc)?;
                self.safes.insert(v.dao, v);
            }
            "treasury_cell" => {
                let v: TreasuryCell = serde_json::from_str(doc)?;
                self.treasury_cells.insert(v.cell, v);
            }
            "budget" => {
                let v: Budget = serde_json::from_str(doc)?;
                self.budgets.insert((v.cell, v.token), v);
            }
            "spend" => {
                let v: Spend = serde_json::from_str(doc)?;
                self.spends.insert((v.at.block, v.at.log_index), v);
            }
            "suballocation" => {
                let v: SubAllocation = serde_json::from_str(doc)?;
                self.sub_allocations.insert((v.at.block, v.at.log_index), v);
            }
            "clawback" => {
                let v: Clawback = serde_json::from_str(doc)?;
                self.clawbacks.insert((v.at.block, v.at.log_index), v);
            }
            "bounty" => {
                let v: Bounty = serde_json::from_str(doc)?;
                self.bounties.insert(v.task, v);
            }
            "task" => {
                let v: Task = serde_json::from_str(doc)?;
                self.tasks.insert(v.id, v);
            }
            "stream" => {
                let v: Stream = serde_json::from_str(doc)?;
                self.streams.insert(v.id, v);
            }
            "ended_grant" => {
                let v: EndedGrant = serde_json::from_str(doc)?;
                self.ended_grants.insert((v.at.block, v.at.log_index), v);
            }
            other => return Err(serde_json::Error::custom(format!("unknown kind {other}"))),
        }
        Ok(())
    }
}

impl State {
    pub(crate) fn mark(&mut self, key: EntityKey) {
        self.dirty.entities.insert(key);
    }

    fn budget(&mut self, cell: U256, token: Address, at: EventRef) -> &mut Budget {
        self.dirty.entities.insert(EntityKey::Budget(cell, token));
        let b = self
            .domain
            .budgets
            .entry((cell, token))
            .or_insert_with(|| Budget {
                cell,
                token,
                ledger: Default::default(),
                set_by: None,
                streams_stopped: Vec::new(),
                last_event: at,
            });
        b.last_event = at;
        b
    }

    fn missing(&mut self, at: EventRef, event: &str, what: &str) {
        self.anomaly(at, event, format!("{what} is not in the index"));
    }

    pub(crate) fn apply_registry(&mut self, at: EventRef, ev: RegistryEvents) {
        let d = &mut self.domain;
        match ev {
            RegistryEvents::CellCreated(e) => {
                d.cells.insert(
                    e.cellId,
                    Cell {
                        id: e.cellId,
                        dao: e.daoId,
                        parent: e.parentCellId,
                        member_role: e.memberRoleId,
                        admin: e.admin,
                        creator: e.creator,
                        name: e.name,
                        phase: e.phase,
                        scale: e.scale,
                        restrictions: 0,
                        created: at,
                        phase_history: vec![PhaseChange {
                            from: None,
                            to: e.phase,
                            by: e.creator,
                            at,
                        }],
                        moves: Vec::new(),
                        last_event: at,
                    },
                );
                self.mark(EntityKey::Cell(e.cellId));
            }
            RegistryEvents::CellRenamed(e) => {
                self.touch_cell(at, "CellRenamed", e.cellId, |c| c.name = e.name)
            }
            RegistryEvents::PhaseChanged(e) => self.touch_cell(at, "PhaseChanged", e.cellId, |c| {
                c.phase = e.to;
                c.phase_history.push(PhaseChange {
                    from: Some(e.from),
                    to: e.to,
                    by: e.by,
                    at,
                });
            }),
            RegistryEvents::ScaleChanged(e) => {
                self.touch_cell(at, "ScaleChanged", e.cellId, |c| c.scale = e.to)
            }
            RegistryEvents::RestrictionsChanged(e) => {
                self.touch_cell(at, "RestrictionsChanged", e.cellId, |c| {
                    c.restrictions = e.restrictions
                })
            }
            RegistryEvents::CellMoved(e) => self.touch_cell(at, "CellMoved", e.cellId, |c| {
                c.parent = e.toParentCellId;
                c.moves.push(CellMove {
                    from: e.fromParentCellId,
                    to: e.toParentCellId,
                    by: e.by,
                    at,
                });
            }),
            RegistryEvents::StateUpdated(e) => {
                let doc = d
                    .state_docs
                    .entry((e.cellId, e.key))
                    .or_insert_with(|| StateDoc {
                        cell: e.cellId,
                        key: e.key,
                        versions: Vec::new(),
                    });
                doc.versions.push(StateVersion {
                    version: e.version,
                    uri: e.uri,
                    content_hash: e.contentHash,
                    author: e.author,
                    updated_at: e.updatedAt.to::<u64>(),
                    at,
                });
                self.mark(EntityKey::StateDoc(e.cellId, e.key));
            }
            RegistryEvents::DecisionRecorded(e) => {
                let index = d.next_decision_index(e.cellId);
                d.decisions.insert(
                    (e.cellId, index),
                    Decision {
                        cell: e.cellId,
                        index,
                        registry_index: Some(e.index),
                        executed: false,
                        reference: e.r#ref,
                        by: e.by,
                        uri: e.uri,
                        content_hash: e.contentHash,
                        at,
                    },
                );
                self.mark(EntityKey::Decision(e.cellId, index));
            }
            RegistryEvents::PartnershipProposed(e) => {
                d.partnerships.insert(
                    e.partnershipId,
                    Partnership {
                        id: e.partnershipId,
                        cell: e.cellId,
                        counterparty_cell: e.counterpartyCellId,
                        counterparty_account: e.counterpartyAccount,
                        proposed_by: e.by,
                        terms_uri: e.termsURI,
                        terms_hash: e.termsHash,
                        status: PartnershipStatus::Proposed,
                        proposed: at,
                        last_event: at,
                    },
                );
                self.mark(EntityKey::Partnership(e.partnershipId));
            }
            RegistryEvents::PartnershipAccepted(e) => self.partnership_status(
                at,
                "PartnershipAccepted",
                e.partnershipId,
                PartnershipStatus::Active,
            ),
            RegistryEvents::PartnershipEnded(e) => self.partnership_status(
                at,
                "PartnershipEnded",
                e.partnershipId,
                PartnershipStatus::Ended,
            ),
        }
    }

    fn touch_cell(&mut self, at: EventRef, event: &str, id: U256, f: impl FnOnce(&mut Cell)) {
        match self.domain.cells.get_mut(&id) {
            Some(c) => {
                f(c);
                c.last_event = at;
                self.mark(EntityKey::Cell(id));
            }
            None => self.missing(at, event, &format!("cell {id:#x}")),
        }
    }

    fn partnership_status(&mut self, at: EventRef, event: &str, id: U256, s: PartnershipStatus) {
        match self.domain.partnerships.get_mut(&id) {
            Some(p) => {
                p.status = s;
                p.last_event = at;
                self.mark(EntityKey::Partnership(id));
            }
            None => self.missing(at, event, &format!("partnership {id}")),
        }
    }

    pub(crate) fn apply_governor(&mut self, at: EventRef, ev: GovernorEvents) {
        let d = &mut self.domain;
        match ev {
            GovernorEvents::SettingsChanged(e) => {
                let s = e.settings;
                d.settings.insert(
                    e.cellId,
                    GovernorSettings {
                        cell: e.cellId,
                        settings_id: e.settingsId,
                        by: e.by,
                        electorate: s.electorate,
                        counting: s.counting,
                        threshold_bps: s.thresholdBps,
                        quorum_bps: s.quorumBps,
                        voting_delay: s.votingDelay.to::<u32>(),
                        voting_period: s.votingPeriod.to::<u32>(),
                        execution_delay: s.executionDelay.to::<u32>(),
                        token: s.token,
                        proposal_threshold: U256::from(s.proposalThreshold),
                        at,
                    },
                );
                self.mark(EntityKey::Settings(e.cellId));
            }
            GovernorEvents::ExecutorCreated(e) => {
                d.executors.insert(
                    e.cellId,
                    Executor {
                        cell: e.cellId,
                        executor: e.executor,
                        at,
                    },
                );
                self.mark(EntityKey::Executor(e.cellId));
            }
            GovernorEvents::ProposalCreated(e) => {
                let actions = e
                    .actions
                    .iter()
                    .map(|a| ActionSummary {
                        target: a.target,
                        value: a.value,
                        selector: a
                            .data
                            .get(..4)
                            .map_or_else(String::new, |s| format!("0x{}", hex::encode(s))),
                        data_len: a.data.len(),
                    })
                    .collect();
                // The cell's settings in force now are those the proposal is created under.
                let quorum_bps = d
                    .settings
                    .get(&e.cellId)
                    .filter(|st| st.settings_id == e.settingsId)
                    .map(|st| st.quorum_bps);
                d.proposals.insert(
                    e.proposalId,
                    Proposal {
                        id: e.proposalId,
                        cell: e.cellId,
                        proposer: e.proposer,
                        settings_id: e.settingsId,
                        actions,
                        uri: e.uri,
                        description_hash: e.descriptionHash,
                        snapshot: e.snapshot,
                        vote_end: e.voteEnd,
                        electorate_supply: e.electorateSupply.to::<u32>(),
                        state: ProposalState::Pending,
                        tally: Tally::default(),
                        voters: 0,
                        created: at,
                        executed: None,
                        quorum_bps,
                        vetoed: None,
                        canceled: None,
                        ended_by: None,
                        last_event: at,
                    },
                );
                self.mark(EntityKey::Proposal(e.proposalId));
            }
            GovernorEvents::VoteCast(e) => {
                let support = VoteType::try_from(e.support).ok();
                d.votes.insert(
                    (e.proposalId, e.voter),
                    Vote {
                        proposal: e.proposalId,
                        voter: e.voter,
                        support: support.unwrap_or(VoteType::Abstain),
                        weight: e.weight,
                        reason: e.reason,
                        at,
                    },
                );
                self.mark(EntityKey::Vote(e.proposalId, e.voter));
                if support.is_none() {
                    self.anomaly(
                        at,
                        "VoteCast",
                        format!("support {} is not a vote type", e.support),
                    );
                }
                self.touch_proposal(at, "VoteCast", e.proposalId, |p| {
                    match support {
                        Some(VoteType::Against) => p.tally.against += e.weight,
                        Some(VoteType::For) => p.tally.for_ += e.weight,
                        _ => p.tally.abstain += e.weight,
                    }
                    p.voters += 1;
                });
            }
            GovernorEvents::ProposalCanceled(e) => {
                self.touch_proposal(at, "ProposalCanceled", e.proposalId, |p| {
                    p.state = ProposalState::Canceled;
                    p.canceled = Some(at);
                    p.ended_by = Some(e.by);
                })
            }
            GovernorEvents::ProposalVetoed(e) => {
                self.touch_proposal(at, "ProposalVetoed", e.proposalId, |p| {
                    p.state = ProposalState::Vetoed;
                    p.vetoed = Some(at);
                    p.ended_by = Some(e.by);
                })
            }
            GovernorEvents::ProposalExecuted(e) => {
                self.touch_proposal(at, "ProposalExecuted", e.proposalId, |p| {
                    p.state = ProposalState::Executed;
                    p.executed = Some(at);
                });
                // The execution is the cell's decision record (the registry is not called).
                let d = &mut self.domain;
                let (uri, content_hash) = d
                    .proposals
                    .get(&e.proposalId)
                    .map(|p| (p.uri.clone(), p.description_hash))
                    .unwrap_or_default();
                let by = d
                    .executors
                    .get(&e.cellId)
                    .map_or(Address::ZERO, |x| x.executor);
                let index = d.next_decision_index(e.cellId);
                d.decisions.insert(
                    (e.cellId, index),
                    Decision {
                        cell: e.cellId,
                        index,
                        registry_index: None,
                        executed: true,
                        reference: B256::from(e.proposalId),
                        by,
                        uri,
                        content_hash,
                        at,
                    },
                );
                self.mark(EntityKey::Decision(e.cellId, index));
            }
            // Relayed ballots that were not counted, canceled ballots and used nonces change no
            // entity (the tally moves only with `VoteCast`).
            GovernorEvents::BallotSkipped(_)
            | GovernorEvents::BallotCanceled(_)
            | GovernorEvents::NonceUsed(_) => {}
        }
    }

    fn touch_proposal(
        &mut self,
        at: EventRef,
        event: &str,
        id: U256,
        f: impl FnOnce(&mut Proposal),
    ) {
        match self.domain.proposals.get_mut(&id) {
            Some(p) => {
                f(p);
                p.last_event = at;
                self.mark(EntityKey::Proposal(id));
            }
            None => self.missing(at, event, &format!("proposal {id:#x}")),
        }
    }

    pub(crate) fn apply_treasury(&mut self, at: EventRef, ev: TreasuryEvents) {
        match ev {
            // A Safe consents (`SafeApproved`) before the DAO registers it (`registerSafe`
            // requires the consent). Until then the link holds the last consenting Safe as a
            // candidate; once registered, another Safe's consent does not change it.
            TreasuryEvents::SafeApproved(e) => {
                let s = self
                    .domain
                    .safes
                    .entry(e.daoId)
                    .or_insert_with(|| SafeLink {
                        dao: e.daoId,
                        safe: e.safe,
                        registered_by: None,
                        approved: false,
                        last_event: at,
                    });
                if s.registered_by.is_none() || s.safe == e.safe {
                    s.safe = e.safe;
                    s.approved = e.approved;
                    s.last_event = at;
                    self.mark(EntityKey::Safe(e.daoId));
                }
            }
            TreasuryEvents::SafeRegistered(e) => {
                self.domain.safes.insert(
                    e.daoId,
                    SafeLink {
                        dao: e.daoId,
                        safe: e.safe,
                        registered_by: Some(e.by),
                        approved: true,
                        last_event: at,
                    },
                );
                self.mark(EntityKey::Safe(e.daoId));
            }
            TreasuryEvents::TreasurerRoleSet(e) => {
                self.treasury_cell(e.cellId, at).treasurer_role = e.roleId;
            }
            TreasuryEvents::CellFrozenSet(e) => {
                self.treasury_cell(e.cellId, at).frozen = e.frozen;
            }
            TreasuryEvents::BudgetSet(e) => {
                let b = self.budget(e.cellId, e.token, at);
                b.set_by = Some(e.by);
                b.ledger.set_terms(
                    BudgetTerms {
                        amount: e.amount,
                        period: e.period,
                        start: e.start,
                        expiry: e.expiry,
                        funded: e.funded,
                    },
                    e.periodIndex,
                );
            }
            TreasuryEvents::Spent(e) => {
                self.budget(e.cellId, e.token, at)
                    .ledger
                    .spend(e.periodIndex, e.amount);
                self.domain.spends.insert(
                    (at.block, at.log_index),
                    Spend {
                        cell: e.cellId,
                        token: e.token,
                        to: e.to,
                        amount: e.amount,
                        period_index: e.periodIndex,
                        by: e.by,
                        memo_uri: e.memoURI,
                        reference: e.r#ref,
                        at,
                    },
                );
                self.mark(EntityKey::Spend(at.block, at.log_index));
            }
            TreasuryEvents::SubAllocated(e) => {
                self.budget(e.parentCellId, e.token, at)
                    .ledger
                    .sub_allocate_out(e.parentPeriodIndex, e.amount);
                self.budget(e.childCellId, e.token, at)
                    .ledger
                    .receive(e.childPeriodIndex, e.amount);
                self.domain.sub_allocations.insert(
                    (at.block, at.log_index),
                    SubAllocation {
                        parent: e.parentCellId,
                        child: e.childCellId,
                        token: e.token,
                        amount: e.amount,
                        parent_period_index: e.parentPeriodIndex,
                        child_period_index: e.childPeriodIndex,
                        by: e.by,
                        at,
                    },
                );
                self.mark(EntityKey::SubAllocation(at.block, at.log_index));
            }
            TreasuryEvents::ClawedBack(e) => {
                // An overdraw cannot happen on chain (the treasury reverts); the audit reports it.
                let _ = self
                    .budget(e.childCellId, e.token, at)
                    .ledger
                    .claw_back(e.childPeriodIndex, e.amount);
                self.budget(e.parentCellId, e.token, at)
                    .ledger
                    .returned(e.parentPeriodIndex, e.returnedToParent);
                self.domain.clawbacks.insert(
                    (at.block, at.log_index),
                    Clawback {
                        child: e.childCellId,
                        parent: e.parentCellId,
                        token: e.token,
                        amount: e.amount,
                        returned_to_parent: e.returnedToParent,
                        child_period_index: e.childPeriodIndex,
                        parent_period_index: e.parentPeriodIndex,
                        by: e.by,
                        at,
                    },
                );
                self.mark(EntityKey::Clawback(at.block, at.log_index));
            }
            TreasuryEvents::BountyReserved(e) => {
                self.budget(e.cellId, e.token, at)
                    .ledger
                    .reserve(e.periodIndex, e.amount);
                self.bounty(
                    at,
                    e.taskId,
                    e.cellId,
                    e.token,
                    e.amount,
                    BountyStatus::Reserved,
                    None,
                );
            }
            TreasuryEvents::BountyReleased(e) => {
                let _ = self
                    .budget(e.cellId, e.token, at)
                    .ledger
                    .unreserve(e.amount);
                self.bounty(
                    at,
                    e.taskId,
                    e.cellId,
                    e.token,
                    e.amount,
                    BountyStatus::Released,
                    None,
                );
            }
            TreasuryEvents::BountyPaid(e) => {
                let _ = self
                    .budget(e.cellId, e.token, at)
                    .ledger
                    .pay_bounty(e.periodIndex, e.amount);
                self.bounty(
                    at,
                    e.taskId,
                    e.cellId,
                    e.token,
                    e.amount,
                    BountyStatus::Paid,
                    Some(e.to),
                );
            }
            TreasuryEvents::StreamPaid(e) => {
                self.budget(e.cellId, e.token, at)
                    .ledger
                    .pay_stream(e.periodIndex, e.amount);
                match self.domain.streams.get_mut(&e.streamId) {
                    Some(s) => {
                        s.paid += e.amount;
                        s.last_event = at;
                        self.mark(EntityKey::Stream(e.streamId));
                    }
                    None => self.missing(at, "StreamPaid", &format!("stream {}", e.streamId)),
                }
            }
            TreasuryEvents::StreamsStopped(e) => {
                self.budget(e.cellId, e.token, at)
                    .streams_stopped
                    .push(StreamsStop {
                        epoch: e.epoch,
                        stopped_at: e.at,
                        at,
                    });
            }
        }
    }

    fn treasury_cell(&mut self, cell: U256, at: EventRef) -> &mut TreasuryCell {
        self.dirty.entities.insert(EntityKey::TreasuryCell(cell));
        let t = self
            .domain
            .treasury_cells
            .entry(cell)
            .or_insert_with(|| TreasuryCell {
                cell,
                treasurer_role: U256::ZERO,
                frozen: false,
                last_event: at,
            });
        t.last_event = at;
        t
    }

    #[allow(clippy::too_many_arguments)]
    fn bounty(
        &mut self,
        at: EventRef,
        task: U256,
        cell: U256,
        token: Address,
        amount: U256,
        status: BountyStatus,
        paid_to: Option<Address>,
    ) {
        self.domain.bounties.insert(
            task,
            Bounty {
                task,
                cell,
                token,
                amount,
                status,
                paid_to,
                last_event: at,
            },
        );
        self.mark(EntityKey::Bounty(task));
    }

    pub(crate) fn apply_task_board(&mut self, at: EventRef, ev: TaskEvents) {
        match ev {
            TaskEvents::TaskCreated(e) => {
                self.domain.tasks.insert(
                    e.taskId,
                    Task {
                        id: e.taskId,
                        cell: e.cellId,
                        token: e.token,
                        bounty: e.bounty,
                        required_role: e.requiredRole,
                        deadline: e.deadline,
                        spec_uri: e.specURI,
                        spec_hash: e.specHash,
                        created_by: e.by,
                        status: TaskStatus::Open,
                        claimant: None,
                        submissions: Vec::new(),
                        rejections: Vec::new(),
                        created: at,
                        last_event: at,
                    },
                );
                self.mark(EntityKey::Task(e.taskId));
            }
            TaskEvents::TaskClaimed(e) => self.touch_task(at, "TaskClaimed", e.taskId, |t| {
                t.status = TaskStatus::Claimed;
                t.claimant = Some(e.claimant);
            }),
            TaskEvents::TaskAssigned(e) => self.touch_task(at, "TaskAssigned", e.taskId, |t| {
                t.status = TaskStatus::Claimed;
                t.claimant = Some(e.claimant);
            }),
            TaskEvents::TaskSubmitted(e) => self.touch_task(at, "TaskSubmitted", e.taskId, |t| {
                t.status = TaskStatus::Submitted;
                t.submissions.push(Submission {
                    claimant: e.claimant,
                    uri: e.uri,
                    content_hash: e.contentHash,
                    at,
                });
            }),
            TaskEvents::TaskRejected(e) => self.touch_task(at, "TaskRejected", e.taskId, |t| {
                t.status = TaskStatus::Claimed;
                t.rejections.push(Rejection {
                    claimant: e.claimant,
                    reason: e.reason,
                    by: e.by,
                    at,
                });
            }),
            TaskEvents::TaskApproved(e) => self.touch_task(at, "TaskApproved", e.taskId, |t| {
                t.status = TaskStatus::Paid;
            }),
            TaskEvents::TaskCancelled(e) => self.touch_task(at, "TaskCancelled", e.taskId, |t| {
                t.status = TaskStatus::Cancelled;
            }),
            TaskEvents::TaskReopened(e) => self.touch_task(at, "TaskReopened", e.taskId, |t| {
                t.status = TaskStatus::Open;
                t.claimant = None;
            }),
            TaskEvents::TaskDeadlineSet(e) => {
                self.touch_task(at, "TaskDeadlineSet", e.taskId, |t| t.deadline = e.deadline)
            }
        }
    }

    fn touch_task(&mut self, at: EventRef, event: &str, id: U256, f: impl FnOnce(&mut Task)) {
        match self.domain.tasks.get_mut(&id) {
            Some(t) => {
                f(t);
                t.last_event = at;
                self.mark(EntityKey::Task(id));
            }
            None => self.missing(at, event, &format!("task {id}")),
        }
    }

    pub(crate) fn apply_streams(&mut self, at: EventRef, ev: StreamsEvents) {
        match ev {
            StreamsEvents::StreamOpened(e) => {
                self.domain.streams.insert(
                    e.streamId,
                    Stream {
                        id: e.streamId,
                        cell: e.cellId,
                        role: e.roleId,
                        token: e.token,
                        amount: e.amount,
                        period: e.period,
                        start: e.start,
                        end: e.end,
                        closed: false,
                        opened_by: e.by,
                        opened: at,
                        rate_changes: Vec::new(),
                        claims: Vec::new(),
                        paid: U256::ZERO,
                        last_event: at,
                    },
                );
                self.mark(EntityKey::Stream(e.streamId));
            }
            StreamsEvents::StreamRateChanged(e) => {
                self.touch_stream(at, "StreamRateChanged", e.streamId, |s| {
                    s.amount = e.amount;
                    s.rate_changes.push(RateChange {
                        amount: e.amount,
                        effective: e.at,
                        by: e.by,
                        at,
                    });
                })
            }
            StreamsEvents::StreamEndChanged(e) => {
                self.touch_stream(at, "StreamEndChanged", e.streamId, |s| s.end = e.end)
            }
            StreamsEvents::StreamClosed(e) => {
                self.touch_stream(at, "StreamClosed", e.streamId, |s| {
                    s.end = e.end;
                    s.closed = true;
                })
            }
            StreamsEvents::Claimed(e) => self.touch_stream(at, "Claimed", e.streamId, |s| {
                s.claims.push(StreamClaim {
                    wearer: e.wearer,
                    credited: e.credited,
                    forfeited_seconds: e.forfeitedSeconds,
                    paid: e.paid,
                    owed: e.owed,
                    checkpoint: e.checkpoint,
                    at,
                })
            }),
        }
    }

    fn touch_stream(&mut self, at: EventRef, event: &str, id: U256, f: impl FnOnce(&mut Stream)) {
        match self.domain.streams.get_mut(&id) {
            Some(s) => {
                f(s);
                s.last_event = at;
                self.mark(EntityKey::Stream(id));
            }
            None => self.missing(at, event, &format!("stream {id}")),
        }
    }
}
