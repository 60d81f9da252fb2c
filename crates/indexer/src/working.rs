//! The fold's working set: which stored entities a range of logs reads.
//!
//! The indexer does not keep the whole state in memory. Before folding a range it decodes the
//! range's logs, collects the keys of the entities their fold READS ([`Needs`]) and loads those
//! that are not in memory from SQLite ([`crate::store::Store::prefetch`]); the fold then runs on
//! memory alone, the range's changes are written with its checkpoint, and once more than a bound
//! of entities is held in memory, all of them are dropped (`State::evict`): the
//! database holds every one of them. Memory is bounded by that bound plus one range, not by
//! history.
//!
//! Writes that do not read (an entity created with a new key, a vote or a spend recorded by its
//! event, a standing flag set or cleared) need nothing: the row is written or deleted by key.

use std::collections::BTreeSet;

use alloy::primitives::{Address, U256};

use crate::{
    fold::EntityKey,
    model::{Decoded, tree_of},
};
use dao_bindings::{
    Roles::RolesEvents as R,
    interfaces::{
        ICellGovernor::ICellGovernorEvents as G, ICellRegistry::ICellRegistryEvents as C,
        IRoleStreams::IRoleStreamsEvents as S, ITaskBoard::ITaskBoardEvents as T,
        ITreasury::ITreasuryEvents as Tr,
    },
};

/// The stored entities a range's fold reads, sorted (so they are looked up in key order).
#[derive(Debug, Default)]
pub struct Needs {
    pub(crate) trees: BTreeSet<u32>,
    pub(crate) roles: BTreeSet<U256>,
    pub(crate) wearers: BTreeSet<(U256, Address)>,
    pub(crate) entities: BTreeSet<EntityKey>,
    /// Cells whose latest decision is read (to number the next one).
    pub(crate) last_decision: BTreeSet<U256>,
}

impl Needs {
    /// Adds what folding `ev` reads.
    pub fn add(&mut self, ev: &Decoded) {
        use EntityKey as K;
        match ev {
            Decoded::Roles(ev) => match ev {
                R::RoleCreated(e) => {
                    self.roles.insert(e.roleId);
                    self.trees.insert(tree_of(e.roleId));
                }
                R::RoleMinted(e) => {
                    self.wearers.insert((e.roleId, e.wearer));
                    self.roles.insert(e.roleId);
                }
                R::RoleRevoked(e) => {
                    self.wearers.insert((e.roleId, e.wearer));
                    self.roles.insert(e.roleId);
                }
                // A burn: a renounce's only log (a revoke's burn follows its RoleRevoked, which
                // reads the same keys).
                R::TransferSingle(e) if e.to.is_zero() && !e.from.is_zero() => {
                    self.wearers.insert((e.id, e.from));
                    self.roles.insert(e.id);
                }
                R::RoleTransferred(e) => {
                    self.wearers.insert((e.roleId, e.from));
                }
                R::RoleRenewed(e) => {
                    self.wearers.insert((e.roleId, e.wearer));
                }
                R::RoleStatusChanged(e) => {
                    self.roles.insert(e.roleId);
                }
                R::RoleDetailsChanged(e) => {
                    self.roles.insert(e.roleId);
                }
                R::RoleImageURIChanged(e) => {
                    self.roles.insert(e.roleId);
                }
                R::RoleMaxSupplyChanged(e) => {
                    self.roles.insert(e.roleId);
                }
                R::RoleEligibilityChanged(e) => {
                    self.roles.insert(e.roleId);
                }
                R::RoleToggleChanged(e) => {
                    self.roles.insert(e.roleId);
                }
                R::RoleClaimableChanged(e) => {
                    self.roles.insert(e.roleId);
                }
                R::RoleMadeImmutable(e) => {
                    self.roles.insert(e.roleId);
                }
                R::TreeLinked(e) => {
                    self.trees.insert(e.treeId);
                }
                R::WearerStandingChanged(_)
                | R::TransferSingle(_)
                | R::TransferBatch(_)
                | R::ApprovalForAll(_)
                | R::URI(_) => {}
            },
            Decoded::Registry(ev) => match ev {
                C::CellCreated(_) | C::PartnershipProposed(_) => {}
                C::CellRenamed(e) => self.entity(K::Cell(e.cellId)),
                C::PhaseChanged(e) => self.entity(K::Cell(e.cellId)),
                C::ScaleChanged(e) => self.entity(K::Cell(e.cellId)),
                C::RestrictionsChanged(e) => self.entity(K::Cell(e.cellId)),
                C::CellMoved(e) => self.entity(K::Cell(e.cellId)),
                C::StateUpdated(e) => self.entity(K::StateDoc(e.cellId, e.key)),
                C::DecisionRecorded(e) => {
                    self.last_decision.insert(e.cellId);
                }
                C::PartnershipAccepted(e) => self.entity(K::Partnership(e.partnershipId)),
                C::PartnershipEnded(e) => self.entity(K::Partnership(e.partnershipId)),
            },
            Decoded::Governor(ev) => match ev {
                G::SettingsChanged(_) | G::ExecutorCreated(_) => {}
                G::ProposalCreated(e) => self.entity(K::Settings(e.cellId)),
                G::VoteCast(e) => self.entity(K::Proposal(e.proposalId)),
                G::ProposalCanceled(e) => self.entity(K::Proposal(e.proposalId)),
                G::ProposalVetoed(e) => self.entity(K::Proposal(e.proposalId)),
                G::ProposalExecuted(e) => {
                    self.entity(K::Proposal(e.proposalId));
                    self.entity(K::Executor(e.cellId));
                    self.last_decision.insert(e.cellId);
                }
                G::BallotSkipped(_) | G::BallotCanceled(_) | G::NonceUsed(_) => {}
            },
            Decoded::Treasury(ev) => match ev {
                Tr::SafeApproved(e) => self.entity(K::Safe(e.daoId)),
                Tr::SafeRegistered(_) => {}
                Tr::TreasurerRoleSet(e) => self.entity(K::TreasuryCell(e.cellId)),
                Tr::CellFrozenSet(e) => self.entity(K::TreasuryCell(e.cellId)),
                Tr::BudgetSet(e) => self.entity(K::Budget(e.cellId, e.token)),
                Tr::Spent(e) => self.entity(K::Budget(e.cellId, e.token)),
                Tr::SubAllocated(e) => {
                    self.entity(K::Budget(e.parentCellId, e.token));
                    self.entity(K::Budget(e.childCellId, e.token));
                }
                Tr::ClawedBack(e) => {
                    self.entity(K::Budget(e.parentCellId, e.token));
                    self.entity(K::Budget(e.childCellId, e.token));
                }
                Tr::BountyReserved(e) => self.entity(K::Budget(e.cellId, e.token)),
                Tr::BountyReleased(e) => self.entity(K::Budget(e.cellId, e.token)),
                Tr::BountyPaid(e) => self.entity(K::Budget(e.cellId, e.token)),
                Tr::StreamPaid(e) => {
                    self.entity(K::Budget(e.cellId, e.token));
                    self.entity(K::Stream(e.streamId));
                }
                Tr::StreamsStopped(e) => self.entity(K::Budget(e.cellId, e.token)),
            },
            Decoded::TaskBoard(ev) => match ev {
                T::TaskCreated(_) => {}
                T::TaskClaimed(e) => self.entity(K::Task(e.taskId)),
                T::TaskAssigned(e) => self.entity(K::Task(e.taskId)),
                T::TaskSubmitted(e) => self.entity(K::Task(e.taskId)),
                T::TaskRejected(e) => self.entity(K::Task(e.taskId)),
                T::TaskApproved(e) => self.entity(K::Task(e.taskId)),
                T::TaskCancelled(e) => self.entity(K::Task(e.taskId)),
                T::TaskReopened(e) => self.entity(K::Task(e.taskId)),
                T::TaskDeadlineSet(e) => self.entity(K::Task(e.taskId)),
            },
            Decoded::Streams(ev) => match ev {
                S::StreamOpened(_) => {}
                S::StreamRateChanged(e) => self.entity(K::Stream(e.streamId)),
                S::StreamEndChanged(e) => self.entity(K::Stream(e.streamId)),
                S::StreamClosed(e) => self.entity(K::Stream(e.streamId)),
                S::Claimed(e) => self.entity(K::Stream(e.streamId)),
            },
            Decoded::Inherited | Decoded::Undecoded => {}
        }
    }

    fn entity(&mut self, key: EntityKey) {
        self.entities.insert(key);
    }

    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
            && self.roles.is_empty()
            && self.wearers.is_empty()
            && self.entities.is_empty()
            && self.last_decision.is_empty()
    }
}
