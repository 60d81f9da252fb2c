//! A network's history as its contracts' logs: typed events encoded with the `sol!` bindings, in
//! chain order, one block per step, folded by the indexer as any chain's logs are. Used by the
//! incremental snapshot test and by the API bench (`make bench`), which needs an index of a
//! million events faster than a node could produce them.
//!
//! A tree of cells (roles, settings, an executor, members, a budget handed down from the parent),
//! then rounds, each in its own block, in the cells in turn: a proposal with three votes,
//! executed; two spends; a task with its bounty, approved and paid. Every few rounds something
//! rarer: a new cell, new settings, a member replaced, a phase change, a state document, a
//! clawback.
#![allow(dead_code)]

use alloy::{
    primitives::{Address, B256, U256, aliases::U24},
    sol_types::SolEvent,
};
use dao_bindings::interfaces::{
    ICellGovernor, ICellRegistry,
    ICellRegistry::{Phase, Scale},
    IRoles, ITaskBoard, ITreasury,
};
use dao_indexer::{Contracts, RawLog};

pub(crate) const REGISTRY: Address = Address::repeat_byte(0x11);
pub(crate) const GOVERNOR: Address = Address::repeat_byte(0x22);
pub(crate) const TREASURY: Address = Address::repeat_byte(0x33);
pub(crate) const BOARD: Address = Address::repeat_byte(0x44);
pub(crate) const STREAMS: Address = Address::repeat_byte(0x55);
pub(crate) const ROLES: Address = Address::repeat_byte(0x66);
const TOKEN: Address = Address::ZERO;

pub(crate) fn contracts() -> Contracts {
    Contracts {
        registry: Some(REGISTRY),
        governor: Some(GOVERNOR),
        treasury: Some(TREASURY),
        task_board: Some(BOARD),
        streams: Some(STREAMS),
        roles: Some(ROLES),
    }
}

fn addr(kind: u8, n: u64) -> Address {
    let mut b = [0u8; 20];
    b[0] = kind;
    b[12..].copy_from_slice(&n.to_be_bytes());
    Address::from(b)
}

struct CellState {
    id: U256,
    parent: U256,
    settings_id: u32,
    phase: Phase,
    voters: Vec<Address>,
}

/// A chain being written.
pub(crate) struct Chain {
    logs: Vec<RawLog>,
    block: u64,
    in_block: u64,
    cells: Vec<CellState>,
    rounds: u64,
    minted: u64,
    pub(crate) max_cells: usize,
}

impl Chain {
    /// A chain whose first block is 1, with a DAO and `cells - 1` cells under it (ten per
    /// parent), growing to `max_cells` as the rounds go.
    pub(crate) fn new(cells: usize, max_cells: usize) -> Self {
        let mut c = Self {
            logs: Vec::new(),
            block: 0,
            in_block: 0,
            cells: Vec::new(),
            rounds: 0,
            minted: 0,
            max_cells: max_cells.max(cells),
        };
        for i in 0..cells {
            let parent = if i == 0 {
                None
            } else {
                Some(if i < 10 { 0 } else { i / 10 })
            };
            c.create_cell(parent);
        }
        c
    }

    /// Logs written so far (in chain order).
    pub(crate) fn logs(&self) -> &[RawLog] {
        &self.logs
    }

    pub(crate) fn take_logs(&mut self) -> Vec<RawLog> {
        std::mem::take(&mut self.logs)
    }

    pub(crate) fn head(&self) -> u64 {
        self.block
    }

    pub(crate) fn block_hash(block: u64) -> B256 {
        B256::from(U256::from(block) | (U256::from(0xb10c) << 200))
    }

    fn next_block(&mut self) {
        self.block += 1;
        self.in_block = 0;
    }

    fn emit<E: SolEvent>(&mut self, address: Address, ev: &E) {
        let d = ev.encode_log_data();
        let n = self.in_block;
        self.in_block += 1;
        self.logs.push(RawLog {
            block_number: self.block,
            block_hash: Self::block_hash(self.block),
            tx_index: n,
            tx_hash: B256::from((U256::from(self.block) << 32) | U256::from(n)),
            log_index: n,
            address,
            topics: d.topics().to_vec(),
            data: d.data,
        });
    }

    fn mint(&mut self, role: U256, wearer: Address) {
        self.emit(
            ROLES,
            &IRoles::RoleMinted {
                roleId: role,
                wearer,
                by: wearer,
                expiry: 0,
            },
        );
    }

    fn role(&mut self, id: U256, admin: U256, details: &str, max: u32) {
        self.emit(
            ROLES,
            &IRoles::RoleCreated {
                roleId: id,
                adminId: admin,
                details: details.into(),
                maxSupply: max,
                eligibility: Address::ZERO,
                toggle: Address::ZERO,
                mutable_: true,
                claimable: false,
                imageURI: String::new(),
            },
        );
    }

    fn settings(&mut self, cell: usize) {
        let c = &mut self.cells[cell];
        c.settings_id += 1;
        let (id, settings_id) = (c.id, c.settings_id);
        self.emit(
            GOVERNOR,
            &ICellGovernor::SettingsChanged {
                cellId: id,
                settingsId: settings_id,
                by: addr(0xee, cell as u64),
                settings: ICellGovernor::Settings {
                    electorate: ICellGovernor::Electorate::Role,
                    counting: ICellGovernor::Counting::Majority,
                    thresholdBps: 0,
                    quorumBps: 4000 + (settings_id as u16 % 5) * 1000,
                    votingDelay: U24::from(1),
                    votingPeriod: U24::from(5),
                    executionDelay: U24::from(1),
                    token: Address::ZERO,
                    proposalThreshold: 0,
                },
            },
        );
    }

    /// A cell in a block of its own (two for cells added by the rounds): its admin and member roles, the cell, settings and an
    /// executor wearing the admin role (vote-run), three members, a budget from its parent.
    fn create_cell(&mut self, parent: Option<usize>) {
        self.next_block();
        let i = self.cells.len();
        let id = U256::from(i as u64 + 1) << 200;
        let (parent_id, dao) = match parent {
            Some(p) => (self.cells[p].id, self.cells[0].id),
            None => (U256::ZERO, id),
        };
        let member = id + U256::from(1);
        self.role(
            id,
            if parent.is_some() { parent_id } else { id },
            "admin",
            10,
        );
        self.role(member, id, "member", 100);
        let executor = addr(0xe0, i as u64);
        self.mint(id, executor);
        let mut voters = Vec::new();
        for _ in 0..3 {
            self.minted += 1;
            let v = addr(0xa0, self.minted);
            self.mint(member, v);
            voters.push(v);
        }
        if self.rounds > 0 {
            // Cells added later are registered a block after their roles were made and worn (a
            // role tree that becomes a cell): those roles' cell changes while they do not.
            self.next_block();
        }
        self.emit(
            REGISTRY,
            &ICellRegistry::CellCreated {
                cellId: id,
                parentCellId: parent_id,
                daoId: dao,
                memberRoleId: member,
                admin: executor,
                scale: if parent.is_some() {
                    Scale::Collaboration
                } else {
                    Scale::Constituency
                },
                phase: Phase::Formation,
                name: format!("cell {i}"),
                creator: addr(0xcc, 0),
            },
        );
        self.cells.push(CellState {
            id,
            parent: parent_id,
            settings_id: 0,
            phase: Phase::Formation,
            voters,
        });
        self.settings(i);
        self.emit(
            GOVERNOR,
            &ICellGovernor::ExecutorCreated {
                cellId: id,
                executor,
            },
        );
        self.emit(
            TREASURY,
            &ITreasury::BudgetSet {
                cellId: id,
                token: TOKEN,
                by: executor,
                amount: U256::from(10u64).pow(U256::from(30)),
                period: U256::ZERO,
                start: U256::ZERO,
                expiry: U256::ZERO,
                funded: parent.is_some(),
                periodIndex: U256::ZERO,
            },
        );
        if parent.is_some() {
            self.emit(
                TREASURY,
                &ITreasury::SubAllocated {
                    parentCellId: parent_id,
                    token: TOKEN,
                    childCellId: id,
                    amount: U256::from(10u64).pow(U256::from(24)),
                    parentPeriodIndex: U256::ZERO,
                    childPeriodIndex: U256::ZERO,
                    by: executor,
                },
            );
        } else {
            let safe = addr(0x5a, 0);
            self.emit(
                TREASURY,
                &ITreasury::SafeApproved {
                    safe,
                    daoId: id,
                    approved: true,
                },
            );
            self.emit(
                TREASURY,
                &ITreasury::SafeRegistered {
                    daoId: id,
                    safe,
                    by: executor,
                },
            );
        }
    }

    /// One round, in a block of its own (13 events, a few more every few rounds).
    pub(crate) fn round(&mut self) {
        let r = self.rounds;
        self.rounds += 1;
        let n = self.cells.len();
        let ci = if n > 1 { 1 + (r as usize % (n - 1)) } else { 0 };
        if r % 97 == 96 && n < self.max_cells {
            self.create_cell(Some(ci));
        }
        self.next_block();
        let b = self.block;
        let (cell, parent, settings_id, voters) = {
            let c = &self.cells[ci];
            (c.id, c.parent, c.settings_id, c.voters.clone())
        };
        let executor = addr(0xe0, ci as u64);
        let pid = U256::from(r + 1) | (U256::from(0x9e) << 240);
        self.emit(
            GOVERNOR,
            &ICellGovernor::ProposalCreated {
                proposalId: pid,
                cellId: cell,
                proposer: voters[0],
                settingsId: settings_id,
                actions: vec![ICellGovernor::Action {
                    target: TREASURY,
                    value: U256::ZERO,
                    data: vec![0xa9, 0x05, 0x9c, 0xbb].into(),
                }],
                uri: format!("ipfs://proposal/{r}"),
                descriptionHash: B256::from(U256::from(r)),
                snapshot: b as u32,
                voteEnd: b as u32 + 5,
                electorateSupply: U24::from(3),
            },
        );
        for (k, v) in voters.iter().enumerate() {
            self.emit(
                GOVERNOR,
                &ICellGovernor::VoteCast {
                    voter: *v,
                    proposalId: pid,
                    support: u8::from(k != 2),
                    weight: U256::from(1),
                    reason: String::new(),
                },
            );
        }
        self.emit(
            GOVERNOR,
            &ICellGovernor::ProposalExecuted {
                proposalId: pid,
                cellId: cell,
            },
        );
        for k in 0..2u64 {
            self.emit(
                TREASURY,
                &ITreasury::Spent {
                    cellId: cell,
                    token: TOKEN,
                    to: addr(0xbe, r * 2 + k),
                    amount: U256::from(1000 + k),
                    periodIndex: U256::ZERO,
                    by: executor,
                    memoURI: String::new(),
                    r#ref: B256::ZERO,
                },
            );
        }
        let task = U256::from(r + 1);
        let bounty = U256::from(10);
        self.emit(
            BOARD,
            &ITaskBoard::TaskCreated {
                taskId: task,
                cellId: cell,
                token: TOKEN,
                bounty,
                requiredRole: U256::ZERO,
                deadline: 0,
                specURI: format!("ipfs://task/{r}"),
                specHash: B256::ZERO,
                by: executor,
            },
        );
        self.emit(
            TREASURY,
            &ITreasury::BountyReserved {
                cellId: cell,
                token: TOKEN,
                taskId: task,
                amount: bounty,
                periodIndex: U256::ZERO,
            },
        );
        let claimant = voters[1];
        self.emit(
            BOARD,
            &ITaskBoard::TaskClaimed {
                taskId: task,
                cellId: cell,
                claimant,
            },
        );
        self.emit(
            BOARD,
            &ITaskBoard::TaskApproved {
                taskId: task,
                cellId: cell,
                claimant,
                token: TOKEN,
                bounty,
                by: executor,
            },
        );
        self.emit(
            TREASURY,
            &ITreasury::BountyPaid {
                cellId: cell,
                token: TOKEN,
                to: claimant,
                taskId: task,
                amount: bounty,
                periodIndex: U256::ZERO,
            },
        );
        if r % 89 == 88 {
            self.settings(ci);
        }
        if r % 83 == 82 {
            // A member leaves (revoked, or every other time renouncing: as Roles logs a renounce,
            // the ERC-1155 burn alone); another joins.
            let member = cell + U256::from(1);
            let gone = self.cells[ci].voters.remove(0);
            if (r / 83).is_multiple_of(2) {
                self.emit(
                    ROLES,
                    &IRoles::RoleRevoked {
                        roleId: member,
                        wearer: gone,
                        by: executor,
                        renounced: false,
                    },
                );
            } else {
                self.emit(
                    ROLES,
                    &dao_bindings::Roles::TransferSingle {
                        operator: gone,
                        from: gone,
                        to: Address::ZERO,
                        id: member,
                        value: U256::from(1),
                    },
                );
            }
            self.minted += 1;
            let v = addr(0xa0, self.minted);
            self.mint(member, v);
            self.cells[ci].voters.push(v);
        }
        if r % 71 == 70 {
            let from = self.cells[ci].phase;
            let to = if from == Phase::Formation {
                Phase::Organization
            } else {
                Phase::Formation
            };
            self.cells[ci].phase = to;
            self.emit(
                REGISTRY,
                &ICellRegistry::PhaseChanged {
                    cellId: cell,
                    daoId: self.cells[0].id,
                    by: executor,
                    from,
                    to,
                },
            );
        }
        if r % 61 == 60 {
            self.emit(
                REGISTRY,
                &ICellRegistry::StateUpdated {
                    cellId: cell,
                    key: B256::with_last_byte(1),
                    author: executor,
                    version: (r / 61) as u32 + 1,
                    uri: format!("ipfs://state/{r}"),
                    contentHash: B256::from(U256::from(r)),
                    updatedAt: alloy::primitives::aliases::U40::from(b),
                },
            );
        }
        if r % 53 == 52 && !parent.is_zero() {
            self.emit(
                TREASURY,
                &ITreasury::ClawedBack {
                    childCellId: cell,
                    token: TOKEN,
                    parentCellId: parent,
                    amount: U256::from(10),
                    returnedToParent: U256::from(10),
                    childPeriodIndex: U256::ZERO,
                    parentPeriodIndex: U256::ZERO,
                    by: executor,
                },
            );
        }
    }
}
