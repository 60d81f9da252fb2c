//! The auditor: replays every treasury movement from the indexed raw logs, re-derives each
//! budget's usage, checks every movement against what authorised it and against the budget rules,
//! then compares the result with the chain at the head (the module's views, the Safes' balances
//! and the Safes' own transactions). Money that leaves a Safe outside the module is reported as
//! unexplained.
//!
//! Before any of it, [`crate::verify`] proves the index is the chain's (rules `index.*`) and the
//! logs judged are the chain's, fetched afresh. Every rule is documented in `docs/audit.md`.
//!
//! Rules (the `rule` field of a finding):
//! - `budget-exists`: a movement needs terms set by BudgetSet for its (cell, token).
//! - `not-frozen`: a frozen cell moves nothing.
//! - `cell-authority`: spends and sub-allocations come from a wearer of the cell's admin role or
//!   of the treasurer role the cell named; the cell's executor only within an executed proposal
//!   of that cell in the same transaction.
//! - `parent-authority`: budgets and clawbacks come from a wearer of an admin role above the cell
//!   (for a DAO root, its own admin).
//! - `task-board`: bounty reservations, releases and payments happen in a transaction where the
//!   task board acted on that task.
//! - `period`: the event's period index is the one its block's timestamp falls in, within
//!   start and expiry.
//! - `cap`: spent + sub-allocated + reserved never exceeds the cap (amount for a root; what the
//!   parent handed down, at most amount, for a funded child); releases and payments never exceed
//!   the reservations; clawbacks never exceed the child's unspent allocation.
//! - `child-of`: sub-allocations and clawbacks go between a cell and its own child.
//! - `head-view`: the re-derived budget equals `Treasury.getBudget` at the head.
//! - `unexplained-outflow`: ETH or tokens left a Safe outside the treasury module (owners'
//!   transaction, another module, or a transfer no module event explains), or an owners'
//!   transaction cannot be explained (see [`crate::owners`]).
//! - `delegatecall`, `other-module`: a Safe ran a DELEGATECALL, or enabled/used another module.
//! - `balance`: a Safe holds less ETH than its recorded inflows minus explained outflows.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::ledger::{BudgetTerms, Ledger};

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    sol_types::{SolEvent, SolEventInterface},
};
use dao_bindings::{ITreasury, Safe::SafeEvents, Treasury::TreasuryEvents};
use serde::Serialize;

use crate::{
    events::IERC20Events,
    fetch::{AdaptiveFetcher, RangePolicy},
    model::{Contracts, EventRef, State},
    source::{LogQuery, RawLog, RpcSource},
    store::Store,
    verify::{BlockRange, LogEvidence},
};

/// Audit errors (not findings: failures to audit at all).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("rpc: {0}")]
    Rpc(String),
    #[error("reading logs: {0}")]
    Fetch(#[from] crate::fetch::FetchError),
    #[error(transparent)]
    Verify(#[from] crate::verify::VerifyError),
}

fn rpc<E: std::fmt::Display>(e: E) -> AuditError {
    AuditError::Rpc(e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// One discrepancy, naming the event and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: &'static str,
    pub event: String,
    pub at: Option<EventRef>,
    /// The blocks a finding that names no single event is about (index ranges, balances).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocks: Option<crate::verify::BlockRange>,
    /// The cell the finding is about (0x id): the event's cell, or the DAO of a Safe.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
    pub detail: String,
}

/// A budget as re-derived, with the head's view next to it.
#[derive(Debug, Clone, Serialize)]
pub struct BudgetLine {
    pub cell: String,
    pub token: Address,
    #[serde(serialize_with = "decimal")]
    pub amount: U256,
    pub funded: bool,
    #[serde(serialize_with = "decimal")]
    pub period_index: U256,
    #[serde(serialize_with = "decimal")]
    pub spent: U256,
    #[serde(serialize_with = "decimal")]
    pub sub_allocated: U256,
    #[serde(serialize_with = "decimal")]
    pub received: U256,
    #[serde(serialize_with = "decimal")]
    pub reserved: U256,
    pub matches_head: bool,
}

/// A Safe's movements as explained by the module, and its balance at the head.
#[derive(Debug, Clone, Serialize)]
pub struct SafeLine {
    pub dao: String,
    pub safe: Address,
    #[serde(serialize_with = "decimal")]
    pub eth_balance: U256,
    #[serde(serialize_with = "decimal")]
    pub eth_in: U256,
    #[serde(serialize_with = "decimal")]
    pub eth_out_by_module: U256,
    #[serde(serialize_with = "decimal")]
    pub eth_out_unexplained: U256,
    pub owner_transactions: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub budgets_set: u64,
    pub spends: u64,
    pub sub_allocations: u64,
    pub clawbacks: u64,
    pub bounties: u64,
    pub safe_transactions: u64,
}

/// The audit's result: `is_clean` when no finding is an error.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub chain_id: u64,
    pub from_block: u64,
    pub head: u64,
    /// The stored logs compared with the chain's, and the tables with their fold.
    pub index: crate::verify::IndexCheck,
    pub checked: Counts,
    /// What the network rules judged (roles, cells, votes, executions, stream settlements).
    pub network: crate::network::NetworkCounts,
    pub budgets: Vec<BudgetLine>,
    pub safes: Vec<SafeLine>,
    pub findings: Vec<Finding>,
}

impl AuditReport {
    pub fn is_clean(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    /// The report for people, amounts in base units (ETH in wei) and cells by their short id.
    pub fn render(&self) -> String {
        let token = |t: Address| {
            if t.is_zero() {
                "ETH".to_owned()
            } else {
                t.to_string()
            }
        };
        self.render_with(&token, &|_, v| v.to_string(), &short)
    }

    /// The report for people, with the caller's words for a token (`token`), an amount of it
    /// (`amount`, without the token) and a cell (`cell`, given its 0x id): `daoctl audit` passes
    /// symbols, decimals and the record's cell names.
    pub fn render_with(
        &self,
        token: &dyn Fn(Address) -> String,
        amount: &dyn Fn(Address, U256) -> String,
        cell: &dyn Fn(&str) -> String,
    ) -> String {
        use std::fmt::Write as _;
        let mut o = String::new();
        let c = &self.checked;
        let _ = writeln!(
            o,
            "audit of chain {} from block {} to {}",
            self.chain_id, self.from_block, self.head
        );
        let _ = writeln!(
            o,
            "replayed: {} budget settings, {} spends, {} sub-allocations, {} clawbacks, {} bounty movements, {} Safe owner transactions",
            c.budgets_set,
            c.spends,
            c.sub_allocations,
            c.clawbacks,
            c.bounties,
            c.safe_transactions
        );
        let n = &self.network;
        let _ = writeln!(
            o,
            "judged: {} role grants, {} phase changes, state documents and decisions, {} votes, {} executions, {} stream settlements",
            n.role_grants, n.cell_acts, n.votes, n.executions, n.stream_claims
        );
        let _ = writeln!(o, "{}", self.index.render());
        let _ = writeln!(o, "\nbudgets (current period, re-derived):");
        for b in &self.budgets {
            let show = |v: U256| amount(b.token, v);
            let _ = writeln!(
                o,
                "  cell {} {}: amount {} spent {} sub-allocated {} received {} reserved {} [{}]",
                cell(&b.cell),
                token(b.token),
                show(b.amount),
                show(b.spent),
                show(b.sub_allocated),
                show(b.received),
                show(b.reserved),
                if b.matches_head {
                    "matches chain"
                } else {
                    "DIFFERS FROM CHAIN"
                }
            );
        }
        let _ = writeln!(o, "\nsafes:");
        let eth = |v: U256| amount(Address::ZERO, v);
        for s in &self.safes {
            let _ = writeln!(
                o,
                "  {} (dao {}): ETH balance {} = in {} - module {} - unexplained {}",
                s.safe,
                cell(&s.dao),
                eth(s.eth_balance),
                eth(s.eth_in),
                eth(s.eth_out_by_module),
                eth(s.eth_out_unexplained)
            );
        }
        if self.findings.is_empty() {
            let _ = writeln!(
                o,
                "\nno discrepancy: every movement and every act of the network is authorised, within its budget and rules, and the chain agrees."
            );
        } else {
            let _ = writeln!(o, "\nfindings, by cell and rule:");
            for (id, rule, findings) in crate::verify::by_cell_and_rule(&self.findings) {
                // A finding with no cell is the index's, or an act naming no known cell (a vote
                // on a proposal never created).
                let whose = id.map_or_else(
                    || {
                        if rule.starts_with("index.") {
                            "the index".to_owned()
                        } else {
                            "no known cell".to_owned()
                        }
                    },
                    |id| format!("cell {}", cell(id)),
                );
                let _ = writeln!(o, "  {whose}, {rule} ({}):", findings.len());
                for f in findings {
                    let at = f.at.map_or_else(String::new, |a| format!(" at {a}"));
                    let sev = match f.severity {
                        Severity::Error => "ERROR",
                        Severity::Warning => "warning",
                    };
                    let _ = writeln!(o, "    {sev} [{}] {}{at}: {}", f.rule, f.event, f.detail);
                }
            }
        }
        o
    }
}

/// Amounts as decimal strings in JSON (wei and token units overflow JSON numbers).
fn decimal<S: serde::Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

fn short(id: &str) -> String {
    // Cell ids are tree ids in the top bits: show the significant part.
    let t = id.trim_start_matches("0x").trim_end_matches('0');
    if t.is_empty() {
        "0x0".into()
    } else {
        format!("0x{t}..")
    }
}

struct Auditor<'a, P> {
    provider: &'a P,
    contracts: Contracts,
    /// The treasury's own logs folded (the DAOs' Safes); who wears what and which cell is whose
    /// child are the network rules' ([`Self::network`]), folded once.
    treasury_state: State,
    ledgers: BTreeMap<(U256, Address), Ledger>,
    frozen: HashSet<U256>,
    treasurer: HashMap<U256, U256>,
    executor: HashMap<U256, Address>,
    /// Per transaction of the span being judged: cells whose proposal executed, tasks the task
    /// board touched (a transaction never spans two blocks, so a span holds it whole).
    executed_in_tx: HashMap<B256, HashSet<U256>>,
    tasks_in_tx: HashMap<B256, HashSet<U256>>,
    /// Timestamps of the span's blocks the rules need.
    timestamps: HashMap<u64, u64>,
    findings: Vec<Finding>,
    counts: Counts,
    /// Module payments per tx: (token, to, amount), to explain token transfers out of Safes.
    module_payments: HashMap<B256, Vec<(Address, Address, U256)>>,
    eth_out_by_module: HashMap<U256, U256>,
    /// Reads the logs that are not in the index (the Safes', tokens' transfers).
    fetcher: AdaptiveFetcher,
    /// The module's ETH payments (block, dao, amount): the balance rule's timeline.
    eth_paid: Vec<(u64, U256, U256)>,
    /// The cell the findings being made are about.
    current_cell: Option<U256>,
    /// How each budgeted token's amounts read in findings.
    units: TokenUnits,
    /// The network rules, fed the same logs in the same order.
    network: crate::network::NetworkAudit,
}

/// Decimals and symbol of each token the findings name (ETH: 18, "ETH"), read from the tokens
/// once per audit: a finding says "1.5 HUSD", not "1500000". A token that does not answer
/// `decimals()`/`symbol()` is shown in base units with its address.
#[derive(Debug, Default)]
struct TokenUnits(HashMap<Address, (u8, String)>);

impl TokenUnits {
    async fn read<P: Provider>(provider: &P, tokens: impl IntoIterator<Item = Address>) -> Self {
        let mut units = HashMap::from([(Address::ZERO, (18, "ETH".to_owned()))]);
        for token in tokens {
            if units.contains_key(&token) {
                continue;
            }
            let t = crate::events::IERC20Metadata::new(token, provider);
            if let (Ok(d), Ok(s)) = (t.decimals().call().await, t.symbol().call().await) {
                units.insert(token, (d, s));
            }
        }
        Self(units)
    }

    fn show(&self, token: Address, amount: U256) -> String {
        match self.0.get(&token) {
            Some((decimals, symbol)) => {
                let text = alloy::primitives::utils::format_units(amount, *decimals)
                    .unwrap_or_else(|_| amount.to_string());
                let text = match text.split_once('.') {
                    Some((whole, frac)) if frac.trim_end_matches('0').is_empty() => {
                        whole.to_owned()
                    }
                    Some((whole, frac)) => format!("{whole}.{}", frac.trim_end_matches('0')),
                    None => text,
                };
                format!("{text} {symbol}")
            }
            None => format!("{amount} base units of token {token}"),
        }
    }
}

fn hex_id(v: U256) -> String {
    format!("{v:#066x}")
}

/// What judging the logs in chain order needs to know of the whole history first, noted while
/// the chain's logs stream by for the evidence check.
#[derive(Debug, Default)]
struct HistoryFacts {
    /// Roles a stream pays (their grants' blocks need times, from the first mint).
    streamed: HashSet<U256>,
    /// Tokens budgets are set in (their units are read once, for the findings).
    budgeted: BTreeSet<Address>,
}

impl HistoryFacts {
    fn note(&mut self, contracts: &Contracts, logs: &[RawLog]) {
        crate::network::NetworkAudit::note_streamed_roles(contracts, logs, &mut self.streamed);
        for log in logs {
            if Some(log.address) == contracts.treasury
                && log.topics.first() == Some(&ITreasury::BudgetSet::SIGNATURE_HASH)
                && let Ok(e) = ITreasury::BudgetSet::decode_raw_log(&log.topics, &log.data)
            {
                self.budgeted.insert(e.token);
            }
        }
    }
}

/// The logs the audit judges in `span`: the chain's, which are the stored logs wherever the
/// evidence found them equal, and the chain's own (kept by the check) where they differ.
fn judged_logs(
    store: &Store,
    evidence: &LogEvidence,
    span: BlockRange,
) -> Result<Vec<RawLog>, AuditError> {
    let mut logs = store.raw_logs_in(span.from, span.to)?;
    if evidence.diffs.is_empty() {
        return Ok(logs);
    }
    logs.retain(|l| !evidence.differs_at(l.block_number));
    let chain = &evidence.chain_logs;
    let (lo, hi) = (
        chain.partition_point(|l| l.block_number < span.from),
        chain.partition_point(|l| l.block_number <= span.to),
    );
    logs.extend_from_slice(&chain[lo..hi]);
    logs.sort_by_key(RawLog::position);
    Ok(logs)
}

/// Audits the deployment indexed in `store` against the chain behind `provider`.
/// Index first (the audit replays what the database holds, up to its checkpoint).
///
/// Two passes over the history, each a span of blocks (a query's worth of logs) at a time, so
/// that memory holds a span and the rules' state (grants, cells, budgets, streams), not the
/// history: the first fetches the chain's logs and proves the index holds them
/// ([`crate::verify::LogCheck`]); the second judges them in chain order, read back from the
/// index where they are the chain's.
pub async fn audit<P: Provider>(
    provider: &P,
    store: &Store,
    contracts: Contracts,
    from_block: u64,
) -> Result<AuditReport, AuditError> {
    let head = store.checkpoint()?.map_or(from_block, |c| c.0);
    // The index is evidence: prove it holds the chain's logs (and that its tables are their
    // fold) before judging anything; then judge the chain's logs, whatever the file holds.
    let source = RpcSource::new(provider.root().clone());
    let mut fetcher = AdaptiveFetcher::new(RangePolicy::default())
        .with_log_target(crate::indexer::DEFAULT_LOGS_PER_QUERY);
    let mut facts = HistoryFacts::default();
    let (evidence, spans) =
        match crate::verify::LogCheck::start(&source, store, &contracts, from_block).await? {
            None => (LogEvidence::default(), Vec::new()),
            Some(mut check) => {
                while let Some((_, logs)) = check.next_span(&source, &mut fetcher, store).await? {
                    facts.note(&contracts, &logs);
                }
                let spans = std::mem::take(&mut check.spans);
                (check.finish(store)?, spans)
            }
        };
    let rows = crate::verify::check_derived(store, contracts)?;
    let index = crate::verify::IndexCheck::of(&evidence, &rows);
    let evidence_findings = crate::verify::findings(&evidence, &rows);
    let mut a = Auditor {
        provider,
        contracts,
        treasury_state: State::new(contracts),
        ledgers: BTreeMap::new(),
        frozen: HashSet::new(),
        treasurer: HashMap::new(),
        executor: HashMap::new(),
        executed_in_tx: HashMap::new(),
        tasks_in_tx: HashMap::new(),
        timestamps: HashMap::new(),
        findings: evidence_findings,
        counts: Counts::default(),
        module_payments: HashMap::new(),
        eth_out_by_module: HashMap::new(),
        fetcher,
        eth_paid: Vec::new(),
        current_cell: None,
        units: TokenUnits::read(provider, facts.budgeted).await,
        network: crate::network::NetworkAudit::new(contracts),
    };
    for span in spans {
        let logs = judged_logs(store, &evidence, span)?;
        a.prescan(&logs);
        // The network rules (roles, cells, votes, executions, stream payments) judge the same
        // logs in the same order; accrual is in unix seconds, so the blocks they need are timed
        // first.
        let timed = crate::network::NetworkAudit::blocks_needing_time_of(
            &contracts,
            &facts.streamed,
            &logs,
        );
        a.timestamps = block_times(provider, timed.iter().copied()).await?;
        for log in &logs {
            a.network
                .apply(log, a.timestamps.get(&log.block_number).copied());
            if Some(log.address) != contracts.treasury {
                continue;
            }
            if let Ok(ev) = TreasuryEvents::decode_raw_log(&log.topics, &log.data) {
                // Every treasury event's first indexed field is its cell (the DAO for
                // SafeApproved's second).
                let cell_topic = if matches!(ev, TreasuryEvents::SafeApproved(_)) {
                    2
                } else {
                    1
                };
                a.current_cell = log.topics.get(cell_topic).map(|t| U256::from_be_bytes(t.0));
                a.check(log, ev).await?;
                a.current_cell = None;
            }
            a.treasury_state.apply(log);
        }
    }
    let answers = chain_answers(provider, &contracts, &a.network.queries(), head).await;
    let network = std::mem::replace(&mut a.network, crate::network::NetworkAudit::new(contracts));
    let (network_findings, network_counts) = network.finish(&answers);
    a.findings.extend(network_findings);
    let budgets = a.head_views().await?;
    let safes = a.safes(from_block, head).await?;
    Ok(AuditReport {
        chain_id: store.chain_id(),
        from_block,
        head,
        index,
        checked: a.counts,
        network: network_counts,
        budgets,
        safes,
        findings: a.findings,
    })
}

impl<P: Provider> Auditor<'_, P> {
    /// The provider as a log source (its root: the same transport, with its retry layer).
    fn logs_source(&self) -> RpcSource<alloy::providers::RootProvider> {
        RpcSource::new(self.provider.root().clone())
    }

    /// A first look at a span: what its events are judged against that may come later in their
    /// transaction (executions and task actions per transaction), and executors.
    fn prescan(&mut self, logs: &[RawLog]) {
        use dao_bindings::{CellGovernor::CellGovernorEvents, TaskBoard::TaskBoardEvents};
        self.executed_in_tx.clear();
        self.tasks_in_tx.clear();
        for log in logs {
            if Some(log.address) == self.contracts.governor {
                match CellGovernorEvents::decode_raw_log(&log.topics, &log.data) {
                    Ok(CellGovernorEvents::ProposalExecuted(e)) => {
                        self.executed_in_tx
                            .entry(log.tx_hash)
                            .or_default()
                            .insert(e.cellId);
                    }
                    Ok(CellGovernorEvents::ExecutorCreated(e)) => {
                        self.executor.insert(e.cellId, e.executor);
                    }
                    _ => {}
                }
            } else if Some(log.address) == self.contracts.task_board {
                // Every task event has the task id as its first topic.
                if TaskBoardEvents::decode_raw_log(&log.topics, &log.data).is_ok()
                    && let Some(t) = log.topics.get(1)
                {
                    self.tasks_in_tx
                        .entry(log.tx_hash)
                        .or_default()
                        .insert(U256::from_be_bytes(t.0));
                }
            }
        }
    }

    fn find(
        &mut self,
        severity: Severity,
        rule: &'static str,
        event: &str,
        at: EventRef,
        detail: String,
    ) {
        self.findings.push(Finding {
            severity,
            rule,
            event: event.to_owned(),
            at: Some(at),
            blocks: None,
            cell: self.current_cell.map(hex_id),
            detail,
        });
    }

    fn wears(&self, who: Address, role: U256) -> bool {
        self.network.wears_now(who, role)
    }

    fn parent_of(&self, cell: U256) -> Option<U256> {
        self.network.parent_of(cell)
    }

    fn dao_of(&self, cell: U256) -> U256 {
        let mut c = cell;
        for _ in 0..64 {
            match self.parent_of(c) {
                Some(p) => c = p,
                None => break,
            }
        }
        c
    }

    /// The cell's own authority: its admin role or its treasurer role; the executor only inside
    /// an executed proposal of that cell in the same transaction. Returns what authorised it.
    fn cell_authority(&self, who: Address, cell: U256, tx: B256) -> Result<String, String> {
        let executor = self.executor.get(&cell).copied();
        if Some(who) == executor {
            return if self
                .executed_in_tx
                .get(&tx)
                .is_some_and(|s| s.contains(&cell))
            {
                Ok("an executed proposal of the cell".into())
            } else {
                Err(format!(
                    "the cell's executor {who} acted without an executed proposal in the transaction"
                ))
            };
        }
        if self.wears(who, cell) {
            return Ok(format!("{who}, wearer of the cell's admin role"));
        }
        if let Some(t) = self.treasurer.get(&cell)
            && self.wears(who, *t)
        {
            return Ok(format!("{who}, wearer of the cell's treasurer role"));
        }
        Err(format!(
            "{who} wears neither the cell's admin role nor its treasurer role"
        ))
    }

    /// Authority above the cell: an admin of any cell above it (for a root, its own admin).
    fn parent_authority(&self, who: Address, cell: U256) -> bool {
        let mut c = match self.parent_of(cell) {
            Some(p) => p,
            None => return self.wears(who, cell),
        };
        for _ in 0..64 {
            if self.wears(who, c) {
                return true;
            }
            match self.parent_of(c) {
                Some(p) => c = p,
                None => return false,
            }
        }
        false
    }

    async fn timestamp(&mut self, block: u64) -> Result<u64, AuditError> {
        if let Some(t) = self.timestamps.get(&block) {
            return Ok(*t);
        }
        let b = self
            .provider
            .get_block_by_number(block.into())
            .await
            .map_err(rpc)?
            .ok_or_else(|| AuditError::Rpc(format!("block {block} not found")))?;
        self.timestamps.insert(block, b.header.timestamp);
        Ok(b.header.timestamp)
    }

    async fn check_period(
        &mut self,
        name: &str,
        at: EventRef,
        cell: U256,
        token: Address,
        p: U256,
    ) -> Result<(), AuditError> {
        let Some(t) = self.ledgers.get(&(cell, token)).and_then(|l| l.terms) else {
            return Ok(());
        };
        let ts = U256::from(self.timestamp(at.block).await?);
        if ts < t.start || (!t.expiry.is_zero() && ts >= t.expiry) {
            self.find(
                Severity::Error,
                "period",
                name,
                at,
                format!(
                    "block time {ts} outside the budget's [{}, {})",
                    t.start, t.expiry
                ),
            );
        } else if !t.period.is_zero() {
            let expected = (ts - t.start) / t.period;
            if expected != p {
                self.find(
                    Severity::Error,
                    "period",
                    name,
                    at,
                    format!("period index {p}, but block time {ts} is in period {expected}"),
                );
            }
        }
        Ok(())
    }

    fn require_budget(&mut self, name: &str, at: EventRef, cell: U256, token: Address) -> bool {
        if self
            .ledgers
            .get(&(cell, token))
            .is_some_and(|l| l.terms.is_some())
        {
            return true;
        }
        self.find(
            Severity::Error,
            "budget-exists",
            name,
            at,
            format!(
                "no budget set for cell {} token {token}",
                short(&hex_id(cell))
            ),
        );
        false
    }

    fn check_cap(&mut self, name: &str, at: EventRef, cell: U256, token: Address, p: U256) {
        let Some(l) = self.ledgers.get(&(cell, token)) else {
            return;
        };
        let (committed, cap) = (l.committed(p), l.cap(p));
        if committed > cap {
            let (committed, cap) = (
                self.units.show(token, committed),
                self.units.show(token, cap),
            );
            self.find(
                Severity::Error,
                "cap",
                name,
                at,
                format!("cell {} {token} period {p}: spent + sub-allocated + reserved = {committed} > cap {cap}", short(&hex_id(cell))),
            );
        }
    }

    fn check_frozen(&mut self, name: &str, at: EventRef, cell: U256) {
        if self.frozen.contains(&cell) {
            self.find(
                Severity::Error,
                "not-frozen",
                name,
                at,
                format!("cell {} is frozen", short(&hex_id(cell))),
            );
        }
    }

    async fn check(&mut self, log: &RawLog, ev: TreasuryEvents) -> Result<(), AuditError> {
        let at = EventRef::of(log);
        match ev {
            TreasuryEvents::BudgetSet(e) => {
                self.counts.budgets_set += 1;
                if !self.parent_authority(e.by, e.cellId) {
                    self.find(
                        Severity::Error,
                        "parent-authority",
                        "BudgetSet",
                        at,
                        format!("{} is not an admin above the cell", e.by),
                    );
                }
                self.ledgers
                    .entry((e.cellId, e.token))
                    .or_default()
                    .set_terms(
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
            TreasuryEvents::CellFrozenSet(e) => {
                if !self.parent_authority(e.by, e.cellId) {
                    self.find(
                        Severity::Error,
                        "parent-authority",
                        "CellFrozenSet",
                        at,
                        format!("{} is not an admin above the cell", e.by),
                    );
                }
                if e.frozen {
                    self.frozen.insert(e.cellId);
                } else {
                    self.frozen.remove(&e.cellId);
                }
            }
            TreasuryEvents::TreasurerRoleSet(e) => {
                self.treasurer.insert(e.cellId, e.roleId);
            }
            TreasuryEvents::Spent(e) => {
                self.counts.spends += 1;
                let name = "Spent";
                if let Err(why) = self.cell_authority(e.by, e.cellId, log.tx_hash) {
                    self.find(Severity::Error, "cell-authority", name, at, why);
                }
                self.check_frozen(name, at, e.cellId);
                if self.require_budget(name, at, e.cellId, e.token) {
                    self.check_period(name, at, e.cellId, e.token, e.periodIndex)
                        .await?;
                    self.ledgers
                        .entry((e.cellId, e.token))
                        .or_default()
                        .spend(e.periodIndex, e.amount);
                    self.check_cap(name, at, e.cellId, e.token, e.periodIndex);
                }
                self.paid(log, e.cellId, e.token, e.to, e.amount);
            }
            TreasuryEvents::SubAllocated(e) => {
                self.counts.sub_allocations += 1;
                let name = "SubAllocated";
                if let Err(why) = self.cell_authority(e.by, e.parentCellId, log.tx_hash) {
                    self.find(Severity::Error, "cell-authority", name, at, why);
                }
                if self.parent_of(e.childCellId) != Some(e.parentCellId) {
                    self.find(
                        Severity::Error,
                        "child-of",
                        name,
                        at,
                        "the receiving cell is not a child of the giving cell".into(),
                    );
                }
                self.check_frozen(name, at, e.parentCellId);
                if self.require_budget(name, at, e.parentCellId, e.token)
                    && self.require_budget(name, at, e.childCellId, e.token)
                {
                    self.check_period(name, at, e.parentCellId, e.token, e.parentPeriodIndex)
                        .await?;
                    self.ledgers
                        .entry((e.parentCellId, e.token))
                        .or_default()
                        .sub_allocate_out(e.parentPeriodIndex, e.amount);
                    self.check_cap(name, at, e.parentCellId, e.token, e.parentPeriodIndex);
                    let child = self.ledgers.entry((e.childCellId, e.token)).or_default();
                    let ceiling = child.terms.unwrap_or_default().amount;
                    let r = child.receive(e.childPeriodIndex, e.amount);
                    if r > ceiling {
                        let (r, ceiling) = (
                            self.units.show(e.token, r),
                            self.units.show(e.token, ceiling),
                        );
                        self.find(
                            Severity::Error,
                            "cap",
                            name,
                            at,
                            format!("child received {r} > its ceiling {ceiling}"),
                        );
                    }
                }
            }
            TreasuryEvents::ClawedBack(e) => {
                self.counts.clawbacks += 1;
                let name = "ClawedBack";
                if !self.parent_authority(e.by, e.childCellId) {
                    self.find(
                        Severity::Error,
                        "parent-authority",
                        name,
                        at,
                        format!("{} is not an admin above the cell", e.by),
                    );
                }
                if self.parent_of(e.childCellId) != Some(e.parentCellId) {
                    self.find(
                        Severity::Error,
                        "child-of",
                        name,
                        at,
                        "the cell is not a child of the clawing cell".into(),
                    );
                }
                let child = self.ledgers.entry((e.childCellId, e.token)).or_default();
                if let Err(o) = child.claw_back(e.childPeriodIndex, e.amount) {
                    let detail = format!(
                        "clawed back {} > unspent {}",
                        self.units.show(e.token, o.amount),
                        self.units.show(e.token, o.available)
                    );
                    self.find(Severity::Error, "cap", name, at, detail);
                }
                self.ledgers
                    .entry((e.parentCellId, e.token))
                    .or_default()
                    .returned(e.parentPeriodIndex, e.returnedToParent);
            }
            TreasuryEvents::BountyReserved(e) => {
                self.bounty("BountyReserved", at, log.tx_hash, e.taskId);
                self.check_frozen("BountyReserved", at, e.cellId);
                if self.require_budget("BountyReserved", at, e.cellId, e.token) {
                    self.ledgers
                        .entry((e.cellId, e.token))
                        .or_default()
                        .reserve(e.periodIndex, e.amount);
                    self.check_cap("BountyReserved", at, e.cellId, e.token, e.periodIndex);
                }
            }
            TreasuryEvents::BountyReleased(e) => {
                self.bounty("BountyReleased", at, log.tx_hash, e.taskId);
                self.unreserve("BountyReleased", at, e.cellId, e.token, e.amount);
            }
            TreasuryEvents::BountyPaid(e) => {
                self.bounty("BountyPaid", at, log.tx_hash, e.taskId);
                self.check_frozen("BountyPaid", at, e.cellId);
                let l = self.ledgers.entry((e.cellId, e.token)).or_default();
                if let Err(o) = l.pay_bounty(e.periodIndex, e.amount) {
                    let detail = format!(
                        "{} > reserved {}",
                        self.units.show(e.token, o.amount),
                        self.units.show(e.token, o.available)
                    );
                    self.find(Severity::Error, "cap", "BountyPaid", at, detail);
                }
                self.paid(log, e.cellId, e.token, e.to, e.amount);
            }
            // A role stream's claim: a spend of the paying cell in `periodIndex` (the re-derivation
            // of each payment from grant times and rates is issue 15's indexer side, not done yet).
            TreasuryEvents::StreamPaid(e) => {
                let name = "StreamPaid";
                self.check_frozen(name, at, e.cellId);
                if self.require_budget(name, at, e.cellId, e.token) {
                    self.check_period(name, at, e.cellId, e.token, e.periodIndex)
                        .await?;
                    self.ledgers
                        .entry((e.cellId, e.token))
                        .or_default()
                        .pay_stream(e.periodIndex, e.amount);
                    self.check_cap(name, at, e.cellId, e.token, e.periodIndex);
                }
                self.paid(log, e.cellId, e.token, e.to, e.amount);
            }
            TreasuryEvents::StreamsStopped(_)
            | TreasuryEvents::SafeRegistered(_)
            | TreasuryEvents::SafeApproved(_) => {}
        }
        Ok(())
    }

    fn bounty(&mut self, name: &str, at: EventRef, tx: B256, task: U256) {
        self.counts.bounties += 1;
        if !self.tasks_in_tx.get(&tx).is_some_and(|t| t.contains(&task)) {
            self.find(
                Severity::Error,
                "task-board",
                name,
                at,
                format!("no task board action on task {task} in the transaction"),
            );
        }
    }

    fn unreserve(&mut self, name: &str, at: EventRef, cell: U256, token: Address, amount: U256) {
        if let Err(o) = self
            .ledgers
            .entry((cell, token))
            .or_default()
            .unreserve(amount)
        {
            let detail = format!(
                "{} > reserved {}",
                self.units.show(token, amount),
                self.units.show(token, o.available)
            );
            self.find(Severity::Error, "cap", name, at, detail);
        }
    }

    fn paid(&mut self, log: &RawLog, cell: U256, token: Address, to: Address, amount: U256) {
        self.module_payments
            .entry(log.tx_hash)
            .or_default()
            .push((token, to, amount));
        if token.is_zero() {
            *self.eth_out_by_module.entry(self.dao_of(cell)).or_default() += amount;
            self.eth_paid
                .push((log.block_number, self.dao_of(cell), amount));
        }
    }

    async fn head_views(&mut self) -> Result<Vec<BudgetLine>, AuditError> {
        let Some(treasury) = self.contracts.treasury else {
            return Ok(vec![]);
        };
        let t = ITreasury::new(treasury, self.provider);
        let mut lines = Vec::new();
        let keys: Vec<(U256, Address)> = self.ledgers.keys().copied().collect();
        for (cell, token) in keys {
            let l = &self.ledgers[&(cell, token)];
            let Some(terms) = l.terms else { continue };
            let v = t.getBudget(cell, token).call().await.map_err(rpc)?;
            let u = l.usage_in(v.periodIndex);
            let mut diffs = Vec::new();
            for (field, ours, theirs) in [
                ("amount", terms.amount, v.amount),
                ("period", terms.period, v.period),
                ("start", terms.start, v.start),
                ("expiry", terms.expiry, v.expiry),
                ("spent", u.spent, v.spent),
                ("subAllocated", u.sub_allocated, v.subAllocated),
                (
                    "received",
                    if terms.funded { u.received } else { v.received },
                    v.received,
                ),
                ("reserved", l.reserved, v.reserved),
            ] {
                if ours != theirs {
                    // Period, start and expiry are seconds; the others are amounts of the token.
                    let (ours, theirs) = if matches!(field, "period" | "start" | "expiry") {
                        (ours.to_string(), theirs.to_string())
                    } else {
                        (self.units.show(token, ours), self.units.show(token, theirs))
                    };
                    diffs.push(format!("{field}: replay {ours}, chain {theirs}"));
                }
            }
            if terms.funded != v.funded {
                diffs.push(format!(
                    "funded: replay {}, chain {}",
                    terms.funded, v.funded
                ));
            }
            let matches_head = diffs.is_empty();
            if !matches_head {
                self.findings.push(Finding {
                    severity: Severity::Error,
                    rule: "head-view",
                    event: "Treasury.getBudget".into(),
                    at: None,
                    blocks: None,
                    cell: Some(hex_id(cell)),
                    detail: format!(
                        "cell {} token {token} period {}: {}",
                        short(&hex_id(cell)),
                        v.periodIndex,
                        diffs.join("; ")
                    ),
                });
            }
            lines.push(BudgetLine {
                cell: hex_id(cell),
                token,
                amount: terms.amount,
                funded: terms.funded,
                period_index: v.periodIndex,
                spent: u.spent,
                sub_allocated: u.sub_allocated,
                received: u.received,
                reserved: l.reserved,
                matches_head,
            });
        }
        Ok(lines)
    }

    async fn safes(&mut self, from: u64, head: u64) -> Result<Vec<SafeLine>, AuditError> {
        let mut safes: Vec<(U256, Address)> = Vec::new();
        for s in self.treasury_state.domain.safes.values() {
            safes.push((s.dao, s.safe));
        }
        let mut out = Vec::new();
        for (dao, safe) in safes {
            out.push(self.safe(dao, safe, from, head).await?);
        }
        Ok(out)
    }

    async fn safe(
        &mut self,
        dao: U256,
        safe: Address,
        from: u64,
        head: u64,
    ) -> Result<SafeLine, AuditError> {
        let treasury = self.contracts.treasury.unwrap_or_default();
        self.current_cell = Some(dao);
        // The Safe's own logs, in adaptive ranges (a hosted provider caps a query's range).
        let source = self.logs_source();
        let logs = self
            .fetcher
            .scan(&source, &LogQuery::new([safe]), from, head)
            .await?;
        let mut line = SafeLine {
            dao: hex_id(dao),
            safe,
            eth_balance: self
                .provider
                .get_balance(safe)
                .block_id(head.into())
                .await
                .map_err(rpc)?,
            eth_in: U256::ZERO,
            eth_out_by_module: self
                .eth_out_by_module
                .get(&dao)
                .copied()
                .unwrap_or_default(),
            eth_out_unexplained: U256::ZERO,
            owner_transactions: 0,
        };
        // Owners' calls the SafeL2 singleton logged, per transaction in order; and how many
        // owners' transactions (succeeded or failed) each transaction ran so far.
        let mut l2_calls: HashMap<B256, Vec<crate::owners::OwnerCall>> = HashMap::new();
        for raw in &logs {
            if let Ok(e) = crate::owners::SafeL2Events::SafeMultiSigTransaction::decode_raw_log(
                raw.topics.iter().copied(),
                &raw.data,
            ) {
                l2_calls
                    .entry(raw.tx_hash)
                    .or_default()
                    .push(crate::owners::OwnerCall::from_l2_event(&e));
            }
        }
        let mut executions: HashMap<B256, usize> = HashMap::new();
        let mut movements = crate::balance::Movements::default();
        for (block, payer, amount) in &self.eth_paid {
            if *payer == dao {
                movements.outflow(*block, *amount);
            }
        }
        for raw in &logs {
            let at = EventRef::of(raw);
            let Ok(ev) = SafeEvents::decode_raw_log(&raw.topics, &raw.data) else {
                continue;
            };
            match ev {
                SafeEvents::SafeReceived(e) => {
                    line.eth_in += e.value;
                    movements.inflow(raw.block_number, e.value);
                }
                SafeEvents::EnabledModule(e) if e.module != treasury => self.find(
                    Severity::Warning,
                    "other-module",
                    "EnabledModule",
                    at,
                    format!(
                        "Safe {safe} enabled module {}: any module fully controls the Safe",
                        e.module
                    ),
                ),
                SafeEvents::ExecutionFromModuleSuccess(e) if e.module != treasury => self.find(
                    Severity::Error,
                    "other-module",
                    "ExecutionFromModuleSuccess",
                    at,
                    format!(
                        "module {} moved the Safe {safe} outside the treasury",
                        e.module
                    ),
                ),
                SafeEvents::ExecutionFailure(_) => {
                    *executions.entry(raw.tx_hash).or_default() += 1;
                }
                SafeEvents::ExecutionSuccess(_) => {
                    self.counts.safe_transactions += 1;
                    line.owner_transactions += 1;
                    let n = executions.entry(raw.tx_hash).or_default();
                    let index = *n;
                    *n += 1;
                    // From the SafeL2 event, the transaction, or its call trace; otherwise an
                    // error: what it moved is unaccounted for.
                    let recovered = match l2_calls.get(&raw.tx_hash).and_then(|v| v.get(index)) {
                        Some(call) => Ok(call.clone()),
                        None => {
                            crate::owners::recover(self.provider, safe, raw.tx_hash, index).await
                        }
                    };
                    let call = match recovered {
                        Ok(call) => call,
                        Err(why) => {
                            self.find(
                                Severity::Error,
                                "unexplained-outflow",
                                "ExecutionSuccess",
                                at,
                                format!("owners' transaction {} of Safe {safe} cannot be explained: {why}", raw.tx_hash),
                            );
                            continue;
                        }
                    };
                    let how = match call.evidence {
                        crate::owners::Evidence::CallTrace { via } => {
                            format!(" (relayed through {via}; call read from the trace)")
                        }
                        crate::owners::Evidence::SafeL2Event { sender } => {
                            format!(" (sent by {sender}; call read from the SafeL2 event)")
                        }
                        crate::owners::Evidence::Transaction => String::new(),
                    };
                    // A DELEGATECALL is only acceptable into the canonical MultiSendCallOnly
                    // (its inner calls are plain CALLs, checked below).
                    let mut calls = vec![(call.to, call.value)];
                    if call.operation == 1 {
                        let code = self.provider.get_code_at(call.to).await.map_err(rpc)?;
                        match (code == dao_bindings::MultiSendCallOnly::DEPLOYED_BYTECODE)
                            .then(|| multisend(&call.data))
                            .flatten()
                        {
                            Some(inner) => calls = inner,
                            None => {
                                calls.clear();
                                self.find(
                                    Severity::Error,
                                    "delegatecall",
                                    "ExecutionSuccess",
                                    at,
                                    format!("Safe {safe} ran a DELEGATECALL into {}{how}: the called code ran as the Safe and may have moved anything", call.to),
                                );
                            }
                        }
                    }
                    for (to, value) in calls {
                        if !value.is_zero() {
                            line.eth_out_unexplained += value;
                            movements.outflow(raw.block_number, value);
                            self.find(
                                Severity::Error,
                                "unexplained-outflow",
                                "ExecutionSuccess",
                                at,
                                format!("{} left Safe {safe} to {to} by an owners' transaction{how}, outside the treasury module", self.units.show(Address::ZERO, value)),
                            );
                        }
                    }
                }
                _ => {}
            }
        }
        // ERC-20s the DAO budgets: every transfer out of the Safe must be a module payment.
        let tokens: HashSet<Address> = self
            .ledgers
            .keys()
            .filter(|(cell, token)| !token.is_zero() && self.dao_of(*cell) == dao)
            .map(|(_, t)| *t)
            .collect();
        for token in tokens {
            let query = LogQuery::new([token])
                .topic(0, [IERC20Events::Transfer::SIGNATURE_HASH])
                .topic(1, [safe.into_word()]);
            let transfers = self.fetcher.scan(&source, &query, from, head).await?;
            for raw in transfers {
                let Ok(t) =
                    IERC20Events::Transfer::decode_raw_log(raw.topics.iter().copied(), &raw.data)
                else {
                    continue;
                };
                let explained = self
                    .module_payments
                    .get_mut(&raw.tx_hash)
                    .and_then(|v| {
                        v.iter()
                            .position(|p| *p == (token, t.to, t.value))
                            .map(|i| v.swap_remove(i))
                    })
                    .is_some();
                if !explained {
                    self.find(
                        Severity::Error,
                        "unexplained-outflow",
                        "Transfer",
                        EventRef::of(&raw),
                        format!("{} (token {token}) left Safe {safe} to {} with no treasury payment in the transaction", self.units.show(token, t.value), t.to),
                    );
                }
            }
        }
        let expected = line
            .eth_in
            .saturating_sub(line.eth_out_by_module + line.eth_out_unexplained);
        if line.eth_balance < expected {
            let found =
                crate::balance::first_short_block(self.provider, safe, &movements, from, head)
                    .await;
            let (blocks, when) = match found {
                Some(b) => (b, format!("the difference appeared in {b}")),
                None => (
                    crate::verify::BlockRange { from, to: head },
                    "the node cannot read historical balances to narrow it down".to_owned(),
                ),
            };
            self.findings.push(Finding {
                severity: Severity::Error,
                rule: "balance",
                event: "eth_getBalance".into(),
                at: None,
                blocks: Some(blocks),
                cell: Some(hex_id(dao)),
                detail: format!(
                    "Safe {safe} holds {}, recorded movements leave {}: {} cannot be explained; {when}",
                    self.units.show(Address::ZERO, line.eth_balance),
                    self.units.show(Address::ZERO, expected),
                    self.units.show(Address::ZERO, expected - line.eth_balance)
                ),
            });
        }
        Ok(line)
    }
}

/// The inner calls (to, value) of a `multiSend(bytes)` payload: packed
/// (operation u8, to 20 bytes, value u256, data length u256, data). `None` if malformed.
/// How many reads the audit keeps in flight at once (headers, token votes, tallies).
const READS_IN_FLIGHT: usize = 16;

/// The timestamps of `blocks`, read as headers, [`READS_IN_FLIGHT`] at a time.
async fn block_times<P: Provider>(
    provider: &P,
    blocks: impl IntoIterator<Item = u64>,
) -> Result<HashMap<u64, u64>, AuditError> {
    use futures::{StreamExt, TryStreamExt};
    futures::stream::iter(blocks)
        .map(|n| async move {
            let b = provider
                .get_block_by_number(n.into())
                .await
                .map_err(rpc)?
                .ok_or_else(|| AuditError::Rpc(format!("block {n} not found")))?;
            Ok::<_, AuditError>((n, b.header.timestamp))
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .try_collect()
        .await
}

/// The chain's answers to the network rules' questions, [`READS_IN_FLIGHT`] reads at a time; the
/// tallies as of `head`, the audited checkpoint (a read-only index may lag the chain). A read that
/// fails leaves its answer out: the rule reports the check as not made (a warning).
async fn chain_answers<P: Provider>(
    provider: &P,
    contracts: &Contracts,
    q: &crate::network::ChainQueries,
    head: u64,
) -> crate::network::ChainAnswers {
    use crate::{events::IVotes, network::Tally};
    use futures::StreamExt;
    let past_votes = futures::stream::iter(q.past_votes.iter().copied())
        .map(|(token, voter, block)| async move {
            let v = IVotes::new(token, provider)
                .getPastVotes(voter, U256::from(block))
                .call()
                .await
                .ok()?;
            Some(((token, voter, block), v))
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    let past_supply = futures::stream::iter(q.past_supply.iter().copied())
        .map(|(token, block)| async move {
            let v = IVotes::new(token, provider)
                .getPastTotalSupply(U256::from(block))
                .call()
                .await
                .ok()?;
            Some(((token, block), v))
        })
        .buffer_unordered(READS_IN_FLIGHT)
        .filter_map(|x| async move { x })
        .collect()
        .await;
    let mut tallies = HashMap::new();
    if let Some(governor) = contracts.governor {
        tallies = futures::stream::iter(q.tallies.iter().copied())
            .map(|id| async move {
                let t = dao_bindings::CellGovernor::new(governor, provider)
                    .proposalVotes(id)
                    .block(head.into())
                    .call()
                    .await
                    .ok()?;
                Some((
                    id,
                    Tally {
                        against: t.againstVotes,
                        for_: t.forVotes,
                        abstain: t.abstainVotes,
                        participation: t.participation,
                    },
                ))
            })
            .buffer_unordered(READS_IN_FLIGHT)
            .filter_map(|x| async move { x })
            .collect()
            .await;
    }
    crate::network::ChainAnswers {
        past_votes,
        past_supply,
        tallies,
    }
}

fn multisend(calldata: &[u8]) -> Option<Vec<(Address, U256)>> {
    use alloy::sol_types::SolValue;
    let packed = <alloy::primitives::Bytes as SolValue>::abi_decode(calldata.get(4..)?).ok()?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < packed.len() {
        let op = *packed.get(i)?;
        if op != 0 {
            return None;
        }
        let to = Address::from_slice(packed.get(i + 1..i + 21)?);
        let value = U256::from_be_slice(packed.get(i + 21..i + 53)?);
        let len: usize = U256::from_be_slice(packed.get(i + 53..i + 85)?)
            .try_into()
            .ok()?;
        i += 85 + len;
        out.push((to, value));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_show_amounts_in_the_tokens_units() {
        let husd = Address::repeat_byte(0x11);
        let units = TokenUnits(HashMap::from([
            (Address::ZERO, (18, "ETH".to_owned())),
            (husd, (6, "HUSD".to_owned())),
        ]));
        assert_eq!(units.show(husd, U256::from(1_500_000u64)), "1.5 HUSD");
        assert_eq!(units.show(husd, U256::from(3_000_000u64)), "3 HUSD");
        assert_eq!(units.show(husd, U256::ZERO), "0 HUSD");
        assert_eq!(units.show(husd, U256::from(1u64)), "0.000001 HUSD");
        assert_eq!(
            units.show(Address::ZERO, U256::from(2_000_000_000_000_000_000u128)),
            "2 ETH"
        );
        let unknown = Address::repeat_byte(0x22);
        assert_eq!(
            units.show(unknown, U256::from(7u64)),
            format!("7 base units of token {unknown}")
        );
    }
}
