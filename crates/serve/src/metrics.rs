//! The guide's success metrics, computed from the index for a window of blocks, for the whole
//! network or for one cell and the cells under it. Definitions: docs/metrics.md.
//!
//! [`History`] is the index reduced to what the metrics need (one small struct per event kind);
//! [`compute`] is a pure function of a history and a [`Window`], so the metrics are tested on
//! histories written by hand whose answers are known by construction.

use std::collections::{BTreeMap, BTreeSet};

use alloy::primitives::U256;
use serde::Serialize;

use crate::{query::BadParam, snapshot::Snapshot};

/// How a proposal ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    Executed,
    Vetoed,
    Canceled,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CellInfo {
    pub id: String,
    pub parent: Option<String>,
    /// 0 for a DAO's root cell.
    pub depth: u64,
    /// Phase changes: (block, from, to), creation excluded.
    pub phase_changes: Vec<(u64, u8, u8)>,
    pub phase: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalInfo {
    pub cell: String,
    pub created: u64,
    pub end: Option<(u64, Outcome)>,
    pub ballots: u64,
    /// Members who could vote (the electorate's supply at the snapshot); 0 when unknown.
    pub electorate: u64,
}

/// A movement of money touching a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Allocated to the cell by its parent.
    Received,
    /// Taken back from the cell by its parent.
    ClawedBack,
    Spent,
    BountyPaid,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub cell: String,
    pub block: u64,
    pub token: String,
    pub flow: Flow,
    pub amount: U256,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    pub cell: String,
    pub created: u64,
    /// Block of approval, when approved.
    pub approved: Option<u64>,
    pub cancelled: bool,
}

/// The index reduced to what the metrics read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub cells: Vec<CellInfo>,
    pub proposals: Vec<ProposalInfo>,
    /// Recorded decisions: (cell, block).
    pub decisions: Vec<(String, u64)>,
    pub money: Vec<Money>,
    /// Budget caps of unfunded cells (a DAO's root): (cell, token, amount) as last set.
    pub caps: Vec<(String, String, U256)>,
    pub tasks: Vec<TaskInfo>,
    /// Role grants still held: (cell, block the grant began).
    pub grants: Vec<(String, u64)>,
    /// Role grants that ended (revoked, renounced, transferred): (cell, began, ended).
    pub ended_grants: Vec<(String, u64, u64)>,
}

/// An inclusive range of blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Window {
    pub from_block: u64,
    pub to_block: u64,
}

impl Window {
    pub fn contains(&self, b: u64) -> bool {
        (self.from_block..=self.to_block).contains(&b)
    }
}

/// A ratio with its parts, so readers can check it (`value` is absent when the denominator is 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ratio {
    pub numerator: String,
    pub denominator: String,
    pub value: Option<f64>,
}

fn ratio(n: U256, d: U256) -> Ratio {
    let f = |v: U256| v.to_string().parse::<f64>().unwrap_or(f64::MAX);
    Ratio {
        numerator: n.to_string(),
        denominator: d.to_string(),
        value: (!d.is_zero()).then(|| f(n) / f(d)),
    }
}

fn ratio_u(n: u64, d: u64) -> Ratio {
    ratio(U256::from(n), U256::from(d))
}

/// Per-token money figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoneyMetrics {
    pub token: String,
    pub received: String,
    pub spent: String,
    pub handed_down: String,
    pub bounties_paid: String,
    /// (spent + bounties paid + handed down) over received (or over the cap of unfunded cells).
    pub utilisation: Ratio,
    /// Bounties paid over (bounties paid + direct spends).
    pub to_tasks: Ratio,
}

/// The metrics of one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub window: Window,
    pub decisions: u64,
    /// Decisions by tree level (0: a DAO's root cell).
    pub decisions_by_level: BTreeMap<u64, u64>,
    pub proposals_created: u64,
    pub proposals_executed: u64,
    pub vetoes: u64,
    pub cancellations: u64,
    /// Ballots over electorate, summed over the proposals created in the window.
    pub participation: Ratio,
    /// Blocks from creation to execution of the proposals executed in the window.
    pub proposal_to_execution_blocks: Option<Distribution>,
    pub money: Vec<MoneyMetrics>,
    pub tasks_created: u64,
    pub tasks_approved: u64,
    pub tasks_cancelled: u64,
    /// Approved over created, of the tasks created in the window.
    pub task_completion: Ratio,
    /// Blocks from creation to approval of the tasks approved in the window.
    pub task_cycle_blocks: Option<Distribution>,
    /// Phase changes forward (to a later phase, dissolution excluded) and back, in the window.
    pub phase_forward: u64,
    pub phase_back: u64,
    /// Cells by current phase name.
    pub cells_by_phase: BTreeMap<String, u64>,
    /// Role grants begun plus grants ended in the window, over grants held at the window's end.
    pub role_turnover: Ratio,
}

/// Median, mean and max of a set of block counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub count: usize,
    pub median: u64,
    pub mean: f64,
    pub max: u64,
}

fn distribution(mut v: Vec<u64>) -> Option<Distribution> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    Some(Distribution {
        count: v.len(),
        median: v[(v.len() - 1) / 2],
        mean: v.iter().sum::<u64>() as f64 / v.len() as f64,
        max: *v.last().unwrap_or(&0),
    })
}

/// The metrics of `h` over `w`, for the cells in `scope` (every cell when `None`).
pub fn compute(h: &History, w: Window, scope: Option<&BTreeSet<String>>) -> Metrics {
    Scoped::new(h, scope).compute(w)
}

/// How a movement of money counts for a scope (see [`Scoped::new`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopedFlow {
    Received,
    ClawedIn,
    HandedDown,
    ClawedDown,
    Spent,
    BountyPaid,
}

/// A history's items that concern one scope, classified once and sorted by the block they count
/// at, so that each window of a report finds its items by binary search instead of passing over
/// the whole history again (a report of 8 windows used to pass over it 9 times).
#[derive(Debug)]
pub struct Scoped<'a> {
    /// (block, tree level) of each decision.
    decisions: Vec<(u64, u64)>,
    /// Proposals by creation block; (end block, outcome, creation block) by end block.
    created: Vec<&'a ProposalInfo>,
    ended: Vec<(u64, Outcome, u64)>,
    money: Vec<(u64, &'a str, ScopedFlow, U256)>,
    /// Budget caps of the scope's top cells that have no parent in it, per token.
    caps: BTreeMap<&'a str, U256>,
    /// Tasks by creation block; (approval block, creation block) by approval block.
    tasks: Vec<&'a TaskInfo>,
    approved: Vec<(u64, u64)>,
    /// Phase changes (block, from, to), dissolutions excluded, by block.
    phase_changes: Vec<(u64, u8, u8)>,
    cells_by_phase: BTreeMap<String, u64>,
    /// Begin blocks of grants still held, sorted; (began, ended) of ended grants.
    held: Vec<u64>,
    ended_grants: Vec<(u64, u64)>,
}

/// The items of a list sorted by `key` whose key is inside `w`.
fn in_window<T>(v: &[T], w: Window, key: impl Fn(&T) -> u64) -> &[T] {
    let lo = v.partition_point(|x| key(x) < w.from_block);
    let hi = v.partition_point(|x| key(x) <= w.to_block);
    &v[lo..hi.max(lo)]
}

impl<'a> Scoped<'a> {
    /// Classifies `h`'s items for the cells in `scope` (every cell when `None`): one pass over
    /// the history.
    pub fn new(h: &'a History, scope: Option<&BTreeSet<String>>) -> Self {
        let inside = |c: &str| scope.is_none_or(|s| s.contains(c));
        let depth: BTreeMap<&str, u64> = h.cells.iter().map(|c| (c.id.as_str(), c.depth)).collect();
        let mut decisions: Vec<(u64, u64)> = h
            .decisions
            .iter()
            .filter(|(c, _)| inside(c))
            .map(|(c, b)| (*b, depth.get(c.as_str()).copied().unwrap_or(0)))
            .collect();
        decisions.sort_unstable();
        let mut created: Vec<&ProposalInfo> =
            h.proposals.iter().filter(|p| inside(&p.cell)).collect();
        created.sort_by_key(|p| p.created);
        let mut ended: Vec<(u64, Outcome, u64)> = created
            .iter()
            .filter_map(|p| p.end.map(|(b, o)| (b, o, p.created)))
            .collect();
        ended.sort_by_key(|e| e.0);

        // Allocations between two cells of the scope stay inside it: only what enters the scope
        // from a parent outside it counts as received, and only what goes to a child outside it
        // as handed down (clawbacks net both).
        let parent: BTreeMap<&str, Option<&str>> = h
            .cells
            .iter()
            .map(|c| (c.id.as_str(), c.parent.as_deref()))
            .collect();
        let parent_inside = |c: &str| parent.get(c).copied().flatten().is_some_and(inside);
        let mut money: Vec<(u64, &str, ScopedFlow, U256)> = h
            .money
            .iter()
            .filter_map(|m| {
                let (here, up) = (inside(&m.cell), parent_inside(&m.cell));
                let flow = match m.flow {
                    Flow::Received if here && !up => ScopedFlow::Received,
                    Flow::ClawedBack if here && !up => ScopedFlow::ClawedIn,
                    Flow::Received if !here && up => ScopedFlow::HandedDown,
                    Flow::ClawedBack if !here && up => ScopedFlow::ClawedDown,
                    Flow::Spent if here => ScopedFlow::Spent,
                    Flow::BountyPaid if here => ScopedFlow::BountyPaid,
                    _ => return None,
                };
                Some((m.block, m.token.as_str(), flow, m.amount))
            })
            .collect();
        money.sort_by_key(|m| m.0);
        let mut caps: BTreeMap<&str, U256> = BTreeMap::new();
        for (c, token, amount) in &h.caps {
            if inside(c) && !parent_inside(c) {
                *caps.entry(token.as_str()).or_default() += *amount;
            }
        }

        let mut tasks: Vec<&TaskInfo> = h.tasks.iter().filter(|t| inside(&t.cell)).collect();
        tasks.sort_by_key(|t| t.created);
        let mut approved: Vec<(u64, u64)> = tasks
            .iter()
            .filter_map(|t| t.approved.map(|b| (b, t.created)))
            .collect();
        approved.sort_unstable();

        let mut phase_changes = Vec::new();
        let mut cells_by_phase = BTreeMap::new();
        for c in h.cells.iter().filter(|c| inside(&c.id)) {
            phase_changes.extend(c.phase_changes.iter().filter(|(_, _, to)| *to != 4));
            // The contracts' own names (the interface's enum), in lower case.
            let name = dao_indexer::domain::Phase::try_from(c.phase).map_or_else(
                |_| "unknown".to_owned(),
                |p| format!("{p:?}").to_lowercase(),
            );
            *cells_by_phase.entry(name).or_insert(0) += 1;
        }
        phase_changes.sort_unstable();

        let mut held: Vec<u64> = h
            .grants
            .iter()
            .filter(|(c, _)| inside(c))
            .map(|(_, began)| *began)
            .collect();
        held.sort_unstable();
        let ended_grants = h
            .ended_grants
            .iter()
            .filter(|(c, _, _)| inside(c))
            .map(|(_, began, ended)| (*began, *ended))
            .collect();
        Self {
            decisions,
            created,
            ended,
            money,
            caps,
            tasks,
            approved,
            phase_changes,
            cells_by_phase,
            held,
            ended_grants,
        }
    }

    /// The metrics of this scope over `w`.
    pub fn compute(&self, w: Window) -> Metrics {
        let mut decisions_by_level = BTreeMap::new();
        let decisions = in_window(&self.decisions, w, |d| d.0);
        for (_, level) in decisions {
            *decisions_by_level.entry(*level).or_insert(0) += 1;
        }
        let created = in_window(&self.created, w, |p| p.created);
        let ended = in_window(&self.ended, w, |e| e.0);
        let count = |o: Outcome| ended.iter().filter(|e| e.1 == o).count() as u64;
        let exec_times: Vec<u64> = ended
            .iter()
            .filter(|e| e.1 == Outcome::Executed)
            .map(|(b, _, created)| b - created)
            .collect();
        let participation = ratio_u(
            created.iter().map(|p| p.ballots).sum(),
            created.iter().map(|p| p.electorate).sum(),
        );

        #[derive(Default)]
        struct Sums {
            received: U256,
            clawed_in: U256,
            down: U256,
            clawed_down: U256,
            spent: U256,
            bounties: U256,
        }
        let mut tokens: BTreeMap<&str, Sums> = BTreeMap::new();
        for (_, token, flow, amount) in in_window(&self.money, w, |m| m.0) {
            let t = tokens.entry(token).or_default();
            let sum = match flow {
                ScopedFlow::Received => &mut t.received,
                ScopedFlow::ClawedIn => &mut t.clawed_in,
                ScopedFlow::HandedDown => &mut t.down,
                ScopedFlow::ClawedDown => &mut t.clawed_down,
                ScopedFlow::Spent => &mut t.spent,
                ScopedFlow::BountyPaid => &mut t.bounties,
            };
            *sum += *amount;
        }
        let money = tokens
            .into_iter()
            .filter(|(_, t)| {
                !(t.received + t.clawed_in + t.down + t.clawed_down + t.spent + t.bounties)
                    .is_zero()
            })
            .map(|(token, t)| {
                let received = t.received.saturating_sub(t.clawed_in);
                let handed_down = t.down.saturating_sub(t.clawed_down);
                let cap = self.caps.get(token).copied().unwrap_or_default();
                let base = if received.is_zero() { cap } else { received };
                MoneyMetrics {
                    token: token.to_owned(),
                    received: received.to_string(),
                    spent: t.spent.to_string(),
                    handed_down: handed_down.to_string(),
                    bounties_paid: t.bounties.to_string(),
                    utilisation: ratio(t.spent + t.bounties + handed_down, base),
                    to_tasks: ratio(t.bounties, t.bounties + t.spent),
                }
            })
            .collect();

        let tasks_created = in_window(&self.tasks, w, |t| t.created);
        let approved_of_created = tasks_created
            .iter()
            .filter(|t| t.approved.is_some())
            .count() as u64;
        let cycle: Vec<u64> = in_window(&self.approved, w, |a| a.0)
            .iter()
            .map(|(b, created)| b - created)
            .collect();

        let (mut phase_forward, mut phase_back) = (0, 0);
        for (_, from, to) in in_window(&self.phase_changes, w, |c| c.0) {
            if to > from {
                phase_forward += 1;
            } else {
                phase_back += 1;
            }
        }
        // Grants held at the window's end: those still held that began by then, and those that
        // ended later but had begun by then.
        let held_at_end = self.held.partition_point(|b| *b <= w.to_block)
            + self
                .ended_grants
                .iter()
                .filter(|(b, e)| *b <= w.to_block && *e > w.to_block)
                .count();
        let changes = in_window(&self.held, w, |b| *b).len()
            + self
                .ended_grants
                .iter()
                .map(|(b, e)| usize::from(w.contains(*b)) + usize::from(w.contains(*e)))
                .sum::<usize>();

        Metrics {
            window: w,
            decisions: decisions.len() as u64,
            decisions_by_level,
            proposals_created: created.len() as u64,
            proposals_executed: count(Outcome::Executed),
            vetoes: count(Outcome::Vetoed),
            cancellations: count(Outcome::Canceled),
            participation,
            proposal_to_execution_blocks: distribution(exec_times),
            money,
            tasks_created: tasks_created.len() as u64,
            tasks_approved: cycle.len() as u64,
            tasks_cancelled: tasks_created.iter().filter(|t| t.cancelled).count() as u64,
            task_completion: ratio_u(approved_of_created, tasks_created.len() as u64),
            task_cycle_blocks: distribution(cycle),
            phase_forward,
            phase_back,
            cells_by_phase: self.cells_by_phase.clone(),
            role_turnover: ratio_u(changes as u64, held_at_end as u64),
        }
    }
}

/// `buckets` consecutive windows of equal length covering `w` (the last one takes the remainder).
pub fn split(w: Window, buckets: u64) -> Vec<Window> {
    let len = w.to_block - w.from_block + 1;
    let n = buckets.clamp(1, len);
    let step = len / n;
    (0..n)
        .map(|i| Window {
            from_block: w.from_block + i * step,
            to_block: if i + 1 == n {
                w.to_block
            } else {
                w.from_block + (i + 1) * step - 1
            },
        })
        .collect()
}

/// The metrics of a snapshot: the scope (`network`, or a cell id and its subtree), the whole
/// window and, with `buckets` > 1, the window split in that many consecutive windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub scope: String,
    pub head: Option<u64>,
    pub metrics: Metrics,
    pub series: Vec<Metrics>,
}

/// Computes the [`Report`] of `s`: `cell` is an id or a name; the window defaults to the first
/// block with an event through the indexed head.
pub fn report(
    s: &Snapshot,
    cell: Option<&str>,
    from_block: Option<u64>,
    to_block: Option<u64>,
    buckets: u64,
) -> Result<Report, BadParam> {
    let first = s.first_block();
    let from = from_block.unwrap_or(first);
    let to = to_block.unwrap_or(s.head.unwrap_or(0).max(from));
    if from > to {
        return Err(BadParam::new(
            "to_block",
            format!("{to} is before from_block {from}"),
        ));
    }
    if !(1..=200).contains(&buckets) {
        return Err(BadParam::new(
            "buckets",
            format!("between 1 and 200, got {buckets}"),
        ));
    }
    let scope = cell
        .map(|c| s.resolve_cell(c).map(|id| (s.subtree(&id), id)))
        .transpose()?;
    let set = scope.as_ref().map(|(set, _)| set);
    let w = Window {
        from_block: from,
        to_block: to,
    };
    // The scope's items are picked and classified once; each window then reads its own.
    let scoped = Scoped::new(s.history(), set);
    Ok(Report {
        scope: scope
            .as_ref()
            .map_or_else(|| "network".to_owned(), |(_, id)| id.clone()),
        head: s.head,
        metrics: scoped.compute(w),
        series: if buckets > 1 {
            split(w, buckets)
                .into_iter()
                .map(|w| scoped.compute(w))
                .collect()
        } else {
            Vec::new()
        },
    })
}

impl Metrics {
    /// The metrics as text, one per line.
    pub fn render(&self) -> String {
        let r = |r: &Ratio| match r.value {
            Some(v) => format!("{:.1}% ({} / {})", v * 100.0, r.numerator, r.denominator),
            None => format!("- ({} / 0)", r.numerator),
        };
        let d = |d: &Option<Distribution>| match d {
            Some(d) => format!(
                "median {} blocks, mean {:.1}, max {} (n={})",
                d.median, d.mean, d.max, d.count
            ),
            None => "-".to_owned(),
        };
        let mut out = format!(
            "blocks {}..={}\n\
             decisions                  {} (by tree level: {})\n\
             proposals                  {} created, {} executed, {} vetoed, {} canceled\n\
             participation              {}\n\
             proposal to execution      {}\n\
             tasks                      {} created, {} approved, {} cancelled\n\
             task completion            {}\n\
             task cycle time            {}\n\
             phase changes              {} forward, {} back\n\
             cells by phase             {}\n\
             role turnover              {}\n",
            self.window.from_block,
            self.window.to_block,
            self.decisions,
            self.decisions_by_level
                .iter()
                .map(|(l, n)| format!("level {l}: {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            self.proposals_created,
            self.proposals_executed,
            self.vetoes,
            self.cancellations,
            r(&self.participation),
            d(&self.proposal_to_execution_blocks),
            self.tasks_created,
            self.tasks_approved,
            self.tasks_cancelled,
            r(&self.task_completion),
            d(&self.task_cycle_blocks),
            self.phase_forward,
            self.phase_back,
            self.cells_by_phase
                .iter()
                .map(|(p, n)| format!("{p}: {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            r(&self.role_turnover),
        );
        for m in &self.money {
            out += &format!(
                "money {}: received {}, spent {}, handed down {}, bounties paid {}\n  utilisation {}\n  to tasks    {}\n",
                m.token,
                m.received,
                m.spent,
                m.handed_down,
                m.bounties_paid,
                r(&m.utilisation),
                r(&m.to_tasks)
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> U256 {
        U256::from(v)
    }

    /// A DAO `root` with two children `a` (vote-run) and `b`, and `a1` under `a`. Every figure
    /// below follows from these lines.
    fn history() -> History {
        let cell = |id: &str, parent: Option<&str>, depth, phase, changes| CellInfo {
            id: id.into(),
            parent: parent.map(Into::into),
            depth,
            phase,
            phase_changes: changes,
        };
        let money = |cell: &str, block, flow, amount| Money {
            cell: cell.into(),
            block,
            token: "ETH".into(),
            flow,
            amount: u(amount),
        };
        History {
            cells: vec![
                cell("root", None, 0, 3, vec![]),
                cell("a", Some("root"), 1, 2, vec![(15, 1, 2)]),
                cell("b", Some("root"), 1, 1, vec![(40, 2, 1)]),
                cell("a1", Some("a"), 2, 4, vec![(50, 1, 4)]),
            ],
            proposals: vec![
                // a: created 10, 3 of 5 vote, executed at 30.
                ProposalInfo {
                    cell: "a".into(),
                    created: 10,
                    end: Some((30, Outcome::Executed)),
                    ballots: 3,
                    electorate: 5,
                },
                // a: created 20, 1 of 5, vetoed at 35.
                ProposalInfo {
                    cell: "a".into(),
                    created: 20,
                    end: Some((35, Outcome::Vetoed)),
                    ballots: 1,
                    electorate: 5,
                },
                // root: created 60, 2 of 2, executed at 100.
                ProposalInfo {
                    cell: "root".into(),
                    created: 60,
                    end: Some((100, Outcome::Executed)),
                    ballots: 2,
                    electorate: 2,
                },
                // b: created 70, canceled at 71, no ballots.
                ProposalInfo {
                    cell: "b".into(),
                    created: 70,
                    end: Some((71, Outcome::Canceled)),
                    ballots: 0,
                    electorate: 4,
                },
            ],
            decisions: vec![
                ("root".into(), 5),
                ("a".into(), 30),
                ("a1".into(), 45),
                ("a".into(), 80),
            ],
            money: vec![
                money("a", 12, Flow::Received, 100),
                money("a", 30, Flow::Spent, 20),
                money("a1", 31, Flow::Received, 50),
                money("a1", 40, Flow::BountyPaid, 30),
                money("a1", 60, Flow::ClawedBack, 20),
                money("root", 90, Flow::Spent, 200),
            ],
            caps: vec![("root".into(), "ETH".into(), u(1000))],
            tasks: vec![
                TaskInfo {
                    cell: "a1".into(),
                    created: 20,
                    approved: Some(40),
                    cancelled: false,
                },
                TaskInfo {
                    cell: "a1".into(),
                    created: 25,
                    approved: None,
                    cancelled: true,
                },
                TaskInfo {
                    cell: "b".into(),
                    created: 70,
                    approved: Some(76),
                    cancelled: false,
                },
            ],
            grants: vec![
                ("root".into(), 1),
                ("a".into(), 1),
                ("a".into(), 50),
                ("a1".into(), 55),
            ],
            ended_grants: vec![("a".into(), 10, 40), ("b".into(), 20, 60)],
        }
    }

    const ALL: Window = Window {
        from_block: 0,
        to_block: 100,
    };

    #[test]
    fn network_over_all_blocks() {
        let m = compute(&history(), ALL, None);
        assert_eq!(m.decisions, 4);
        assert_eq!(
            m.decisions_by_level,
            BTreeMap::from([(0, 1), (1, 2), (2, 1)])
        );
        assert_eq!(
            (
                m.proposals_created,
                m.proposals_executed,
                m.vetoes,
                m.cancellations
            ),
            (4, 2, 1, 1)
        );
        // (3 + 1 + 2 + 0) / (5 + 5 + 2 + 4)
        assert_eq!(m.participation.value, Some(6.0 / 16.0));
        let t = m.proposal_to_execution_blocks.expect("two executed");
        assert_eq!((t.count, t.median, t.max), (2, 20, 40));
        assert_eq!(t.mean, 30.0);
        // Inside the network only the root's cap comes in; money moved between cells stays inside.
        let eth = &m.money[0];
        assert_eq!(eth.received, "0");
        assert_eq!(eth.spent, "220");
        assert_eq!(eth.handed_down, "0");
        assert_eq!(eth.bounties_paid, "30");
        assert_eq!(eth.utilisation.value, Some(250.0 / 1000.0));
        assert_eq!(eth.to_tasks.value, Some(30.0 / 250.0));
        assert_eq!(
            (m.tasks_created, m.tasks_approved, m.tasks_cancelled),
            (3, 2, 1)
        );
        assert_eq!(m.task_completion.value, Some(2.0 / 3.0));
        let c = m.task_cycle_blocks.expect("two approved");
        assert_eq!((c.median, c.max), (6, 20));
        // a: 1 -> 2 forward; b: 2 -> 1 back; a1's dissolution is neither.
        assert_eq!((m.phase_forward, m.phase_back), (1, 1));
        assert_eq!(m.cells_by_phase.get("dissolved"), Some(&1));
        // 6 grants began (4 still held, 2 ended) and 2 ended; 4 are held at block 100.
        assert_eq!(
            (m.role_turnover.numerator, m.role_turnover.denominator),
            ("8".to_owned(), "4".to_owned())
        );
        assert_eq!(m.role_turnover.value, Some(2.0));
    }

    #[test]
    fn one_cell_and_its_subtree() {
        let h = history();
        let scope: BTreeSet<String> = ["a".to_owned(), "a1".to_owned()].into();
        let m = compute(&h, ALL, Some(&scope));
        assert_eq!(m.decisions, 3);
        assert_eq!((m.proposals_created, m.vetoes), (2, 1));
        assert_eq!(m.participation.value, Some(4.0 / 10.0));
        let eth = &m.money[0];
        // a received 100 from root; a -> a1 (50, 20 clawed back) stays inside the scope.
        assert_eq!(eth.received, "100");
        assert_eq!(eth.spent, "20");
        assert_eq!(eth.handed_down, "0");
        assert_eq!(eth.bounties_paid, "30");
        assert_eq!(eth.utilisation.value, Some(50.0 / 100.0));
        // a alone: received 100, handed 50 down to a1 of which 20 came back.
        let a: BTreeSet<String> = ["a".to_owned()].into();
        let m = compute(&h, ALL, Some(&a));
        assert_eq!(m.money[0].received, "100");
        assert_eq!(m.money[0].handed_down, "30");
        assert_eq!(m.money[0].utilisation.value, Some(50.0 / 100.0));
        assert_eq!(m.money[0].to_tasks.value, Some(0.0));
        // a1 alone: received 50 - 20 clawed back, paid 30.
        let a1: BTreeSet<String> = ["a1".to_owned()].into();
        let m = compute(&h, ALL, Some(&a1));
        assert_eq!(m.money[0].received, "30");
        assert_eq!(m.money[0].utilisation.value, Some(1.0));
        assert_eq!(m.money[0].to_tasks.value, Some(1.0));
    }

    #[test]
    fn windows_count_what_happened_inside_them() {
        let h = history();
        let m = compute(
            &h,
            Window {
                from_block: 0,
                to_block: 32,
            },
            None,
        );
        assert_eq!(m.decisions, 2);
        assert_eq!(m.proposals_created, 2);
        assert_eq!(m.proposals_executed, 1);
        assert_eq!(m.vetoes, 0, "vetoed at 35");
        // Begun by 32: two still held (at 1) and the two that ended later (10, 20): 4 changes, and
        // all 4 are held at block 32.
        assert_eq!(m.role_turnover.value, Some(1.0));
        let m = compute(
            &h,
            Window {
                from_block: 61,
                to_block: 100,
            },
            None,
        );
        assert_eq!(m.proposals_created, 1, "only b's, at 70");
        assert_eq!(m.participation.value, Some(0.0));
        assert_eq!(
            m.proposals_executed, 1,
            "root's, created at 60, executed at 100"
        );
        assert_eq!(m.proposal_to_execution_blocks.expect("one").median, 40);
        let empty = compute(
            &h,
            Window {
                from_block: 101,
                to_block: 200,
            },
            None,
        );
        assert_eq!(empty.participation.value, None);
        assert!(empty.money.is_empty());
    }

    #[test]
    fn split_covers_the_window() {
        let w = split(
            Window {
                from_block: 10,
                to_block: 19,
            },
            3,
        );
        assert_eq!(
            w.iter()
                .map(|w| (w.from_block, w.to_block))
                .collect::<Vec<_>>(),
            vec![(10, 12), (13, 15), (16, 19)]
        );
        assert_eq!(
            split(
                Window {
                    from_block: 5,
                    to_block: 6
                },
                10
            )
            .len(),
            2
        );
    }
}
