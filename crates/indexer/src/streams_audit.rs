//! Rule `stream.payment`: every role-stream settlement (`RoleStreams.Claimed`) and every payment
//! of one (`Treasury.StreamPaid`) re-derived from the events alone, as `RoleStreams` computes it.
//!
//! The re-derivation keeps, per (role, wearer), the grant intervals in unix seconds exactly as
//! `Roles` records them (`grantTimes`, `pastGrant`): a grant begins at its mint or transfer, ends at
//! its revoke, renounce or transfer away (at its expiry when that came first; a grant that began in
//! the same second covers no time), and a renewal after the term archives `[start, expiry]` and
//! starts again. Per stream it keeps the window (`start`, `end`, moved by `StreamEndChanged` and
//! `StreamClosed`), the rate history (`StreamRateChanged`), the paying budget's expiry
//! (`BudgetSet`) and the first clawback after the opening (`StreamsStopped`); per (stream, wearer)
//! the settled checkpoint, the archived grants read, what is owed and the carried remainder.
//!
//! A settlement at time `T` credits `sum(rate(t)) over the unsettled grant seconds after the
//! checkpoint, within [start, min(T, end, budget expiry, stop))`, plus the remainder, in whole
//! units of `period`. Live ineligibility has no event: the settlement's `forfeitedSeconds` says the
//! wearer was not wearing the role; the rule then credits nothing for the current grant and checks
//! the forfeited seconds are exactly the time since the checkpoint. Any difference in credited,
//! forfeited, paid (more than owed) or still-owed amounts, a settlement whose checkpoint is not its
//! block's time, a payment no settlement accounts for, or a settlement paid without a payment, is a
//! finding. Grant times come from block timestamps: the audit reads the headers of the blocks where
//! streamed roles' grants change and streams' events happen (see [`crate::network`]).

use std::collections::HashMap;

use alloy::primitives::{Address, B256, U256};
use dao_bindings::interfaces::{IRoleStreams::IRoleStreamsEvents, ITreasury::ITreasuryEvents};

use crate::model::EventRef;

/// The rule's name.
pub const STREAM_PAYMENT: &str = "stream.payment";

/// A grant as `Roles` records its times: the last (or current) one and the archived ones.
#[derive(Debug, Default, Clone)]
struct GrantTimes {
    past: Vec<(u64, u64)>,
    last: Option<LastGrant>,
}

#[derive(Debug, Clone, Copy)]
struct LastGrant {
    /// 0: a grant that began and ended in the same second (no times kept).
    start: u64,
    end: u64,
    expiry: u64,
    worn: bool,
}

#[derive(Debug, Clone)]
struct Stream {
    cell: U256,
    role: U256,
    token: Address,
    period: U256,
    start: u64,
    end: u64,
    /// (in force from, amount per period), the current rate last.
    rates: Vec<(u64, U256)>,
    open_epoch: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Accrual {
    checkpoint: u64,
    past_index: usize,
    owed: U256,
    remainder: U256,
}

/// A stream-payment finding before it is made a [`crate::audit::Finding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamFinding {
    pub event: &'static str,
    pub at: EventRef,
    pub cell: Option<U256>,
    pub detail: String,
}

/// The stream re-derivation's state, fed in chain order by [`crate::network::NetworkAudit`].
#[derive(Debug, Default)]
pub struct StreamAudit {
    grants: HashMap<(U256, Address), GrantTimes>,
    streams: HashMap<U256, Stream>,
    accruals: HashMap<(U256, Address), Accrual>,
    budget_expiry: HashMap<(U256, Address), u64>,
    /// (cell, token) -> clawback count, and the time of each (by its epoch after it).
    clawbacks: HashMap<(U256, Address), (u64, HashMap<u64, u64>)>,
    /// Treasury payments not yet matched with a settlement: (tx, stream, to, amount, event, cell).
    unmatched_paid: Vec<(B256, U256, Address, U256, EventRef, U256)>,
    pub findings: Vec<StreamFinding>,
    /// Settlements checked.
    pub claims: u64,
}

fn u64_of(v: U256) -> u64 {
    v.try_into().unwrap_or(u64::MAX)
}

impl StreamAudit {
    fn find(&mut self, event: &'static str, at: EventRef, cell: Option<U256>, detail: String) {
        self.findings.push(StreamFinding {
            event,
            at,
            cell,
            detail,
        });
    }

    /// A new grant of `role` to `wearer` at `time` (mint, or transfer to), with its term.
    pub fn grant_begins(&mut self, role: U256, wearer: Address, expiry: u64, time: u64) {
        let g = self.grants.entry((role, wearer)).or_default();
        if let Some(last) = g.last
            && last.start != 0
        {
            g.past.push((last.start, last.end));
        }
        g.last = Some(LastGrant {
            start: time,
            end: 0,
            expiry,
            worn: true,
        });
    }

    /// The grant ends at `time` (revoke, renounce, transfer away): at its expiry if that came first.
    pub fn grant_ends(&mut self, role: U256, wearer: Address, time: u64) {
        if let Some(last) = self
            .grants
            .get_mut(&(role, wearer))
            .and_then(|g| g.last.as_mut())
        {
            let end = if last.expiry != 0 && last.expiry < time {
                last.expiry
            } else {
                time
            };
            if last.start == time {
                // Began this second: covered no time, Roles keeps no times for it.
                last.start = 0;
                last.end = 0;
            } else {
                last.end = end;
            }
            last.worn = false;
        }
    }

    /// The term of the current grant was set to `expiry` at `time`; a grant already past its term
    /// archives `[start, old expiry]` and starts again now.
    pub fn grant_renewed(&mut self, role: U256, wearer: Address, expiry: u64, time: u64) {
        if let Some(g) = self.grants.get_mut(&(role, wearer))
            && let Some(last) = g.last.as_mut()
            && last.worn
        {
            if last.expiry != 0 && last.expiry <= time {
                g.past.push((last.start, last.expiry));
                last.start = time;
            }
            last.expiry = expiry;
        }
    }

    pub fn apply_treasury(&mut self, at: EventRef, ev: &ITreasuryEvents) {
        match ev {
            ITreasuryEvents::BudgetSet(e) => {
                self.budget_expiry
                    .insert((e.cellId, e.token), u64_of(e.expiry));
            }
            ITreasuryEvents::StreamsStopped(e) => {
                let c = self.clawbacks.entry((e.cellId, e.token)).or_default();
                let epoch = u64_of(e.epoch);
                c.0 = epoch;
                c.1.insert(epoch, u64_of(e.at));
            }
            ITreasuryEvents::StreamPaid(e) => {
                self.unmatched_paid
                    .push((at.tx_hash, e.streamId, e.to, e.amount, at, e.cellId));
            }
            _ => {}
        }
    }

    pub fn apply_streams(&mut self, at: EventRef, time: Option<u64>, ev: &IRoleStreamsEvents) {
        match ev {
            IRoleStreamsEvents::StreamOpened(e) => {
                let open_epoch = self.clawbacks.get(&(e.cellId, e.token)).map_or(0, |c| c.0);
                let start = u64_of(e.start);
                self.streams.insert(
                    e.streamId,
                    Stream {
                        cell: e.cellId,
                        role: e.roleId,
                        token: e.token,
                        period: e.period,
                        start,
                        end: u64_of(e.end),
                        rates: vec![(start, e.amount)],
                        open_epoch,
                    },
                );
            }
            IRoleStreamsEvents::StreamRateChanged(e) => {
                if let Some(s) = self.streams.get_mut(&e.streamId) {
                    s.rates.push((u64_of(e.at), e.amount));
                }
            }
            IRoleStreamsEvents::StreamEndChanged(e) => {
                if let Some(s) = self.streams.get_mut(&e.streamId) {
                    s.end = u64_of(e.end);
                }
            }
            IRoleStreamsEvents::StreamClosed(e) => {
                if let Some(s) = self.streams.get_mut(&e.streamId) {
                    s.end = u64_of(e.end);
                }
            }
            IRoleStreamsEvents::Claimed(e) => self.claimed(at, time, e),
        }
    }

    /// Sum over [a, b) of the rate in force each second (amount * seconds), walking the rate history
    /// back from the current rate as `RoleStreams._accrue` does.
    fn accrue(rates: &[(u64, U256)], a: u64, b: u64) -> U256 {
        let mut scaled = U256::ZERO;
        if b <= a {
            return scaled;
        }
        let mut hi = b;
        for i in (0..rates.len()).rev() {
            let (from, amount) = rates[i];
            let lo = from.max(a);
            if hi > lo {
                scaled += amount * U256::from(hi - lo);
            }
            if from <= a || i == 0 {
                break;
            }
            if from < hi {
                hi = from;
            }
        }
        scaled
    }

    fn claimed(
        &mut self,
        at: EventRef,
        time: Option<u64>,
        e: &dao_bindings::interfaces::IRoleStreams::Claimed,
    ) {
        self.claims += 1;
        let name = "Claimed";
        let Some(s) = self.streams.get(&e.streamId).cloned() else {
            self.find(
                name,
                at,
                None,
                format!(
                    "a settlement of stream {} that was never opened",
                    e.streamId
                ),
            );
            return;
        };
        let cell = Some(s.cell);
        let checkpoint = u64_of(e.checkpoint);
        let now = match time {
            Some(t) => {
                if t != checkpoint {
                    self.find(
                        name,
                        at,
                        cell,
                        format!(
                            "the settlement's checkpoint {checkpoint} is not its block's time {t}"
                        ),
                    );
                }
                t
            }
            None => checkpoint,
        };
        // The last second accrual counts to: now, the stream's end, the budget's expiry, the first
        // clawback after the opening.
        let mut eff_end = now;
        if s.end != 0 && s.end < eff_end {
            eff_end = s.end;
        }
        if let Some(&expiry) = self.budget_expiry.get(&(s.cell, s.token))
            && expiry != 0
            && expiry < eff_end
        {
            eff_end = expiry;
        }
        if let Some(stopped) = self
            .clawbacks
            .get(&(s.cell, s.token))
            .and_then(|c| c.1.get(&(s.open_epoch + 1)))
            && *stopped != 0
            && *stopped < eff_end
        {
            eff_end = *stopped;
        }
        let mut acc = self
            .accruals
            .get(&(e.streamId, e.wearer))
            .copied()
            .unwrap_or_default();
        let lo = acc.checkpoint.max(s.start);
        let grant = self
            .grants
            .get(&(s.role, e.wearer))
            .cloned()
            .unwrap_or_default();
        // The last (or current) grant: [a, b), or forfeited when worn, unexpired and not worn now
        // (the settlement says so by forfeiting; no event tells live eligibility).
        let reported_forfeit = u64_of(e.forfeitedSeconds);
        let (mut a, mut b, mut forfeited) = (0u64, 0u64, 0u64);
        if let Some(last) = grant.last
            && last.start != 0
        {
            a = last.start.max(lo);
            if !last.worn {
                b = last.end;
            } else if last.expiry != 0 && last.expiry <= now {
                b = last.expiry;
            } else if reported_forfeit == 0 {
                b = now;
            } else if eff_end > a {
                forfeited = eff_end - a;
            }
            b = b.min(eff_end);
        }
        let mut scaled = U256::ZERO;
        for &(pa, pb) in grant.past.iter().skip(acc.past_index) {
            scaled += Self::accrue(&s.rates, pa.max(lo), pb.min(eff_end));
        }
        scaled += Self::accrue(&s.rates, a, b);
        let mut credited = U256::ZERO;
        if !scaled.is_zero() && !s.period.is_zero() {
            scaled += acc.remainder;
            credited = scaled / s.period;
            acc.remainder = scaled % s.period;
        }
        let owed = acc.owed + credited;
        let mut problems = Vec::new();
        if forfeited != reported_forfeit {
            problems.push(format!(
                "forfeited {reported_forfeit} s, the grant times give {forfeited} s"
            ));
        }
        if e.credited != credited {
            problems.push(format!(
                "credited {}, the grant times, rates and window give {credited}",
                e.credited
            ));
        }
        // What it may pay is what the re-derived accrual owes; a larger credit is reported above
        // and not allowed to explain a larger payment.
        if e.paid > owed {
            problems.push(format!(
                "paid {} but only {owed} had accrued and was unpaid",
                e.paid
            ));
        } else if e.owed != owed - e.paid {
            problems.push(format!(
                "reports {} still owed, but {owed} - {} paid = {}",
                e.owed,
                e.paid,
                owed - e.paid
            ));
        }
        if !e.paid.is_zero() {
            let pos = self.unmatched_paid.iter().position(|p| {
                p.0 == at.tx_hash && p.1 == e.streamId && p.2 == e.wearer && p.3 == e.paid
            });
            match pos {
                Some(i) => {
                    self.unmatched_paid.remove(i);
                }
                None => problems.push(format!(
                    "paid {} to {} but the treasury logged no StreamPaid of it in the transaction",
                    e.paid, e.wearer
                )),
            }
        }
        if !problems.is_empty() {
            self.find(
                name,
                at,
                cell,
                format!(
                    "stream {} wearer {}: {}",
                    e.streamId,
                    e.wearer,
                    problems.join("; ")
                ),
            );
        }
        // Go on from what the chain settled, so one wrong settlement is reported once.
        acc.owed = e.owed;
        acc.checkpoint = now;
        acc.past_index = grant.past.len();
        self.accruals.insert((e.streamId, e.wearer), acc);
    }

    /// Treasury stream payments of earlier transactions that no settlement accounts for.
    pub fn flush_unmatched(&mut self, before_tx: Option<B256>) {
        let (done, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.unmatched_paid)
            .into_iter()
            .partition(|p| Some(p.0) != before_tx);
        self.unmatched_paid = keep;
        for (_, stream, to, amount, at, cell) in done {
            self.find(
                "StreamPaid",
                at,
                Some(cell),
                format!(
                    "the treasury paid {amount} to {to} for stream {stream}, but no settlement (Claimed) of that stream in the transaction owed it"
                ),
            );
        }
    }
}
