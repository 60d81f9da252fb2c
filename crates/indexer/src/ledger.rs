//! The one budget ledger: what a (cell, token) budget allows and what was used of it, period by
//! period, as the treasury counts it. The fold ([`crate::model::State`]), the audit and every view
//! use this type; none re-derives the arithmetic.
//!
//! The treasury's rules it mirrors: spends, sub-allocations out and bounty payments count in the
//! period the event names; amounts received from the parent count in the child's period;
//! reservations are not per period (they carry over until released or paid); `BudgetSet` moves
//! the usage of the current period to the period index it names (a new period restarts at 0);
//! a funded budget may use at most what it received, capped by its amount.

use std::collections::BTreeMap;

use alloy::primitives::U256;
use serde::{Deserialize, Serialize};

use crate::json;

/// The terms of the last `BudgetSet`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetTerms {
    #[serde(with = "json::u256")]
    pub amount: U256,
    /// Seconds (0: one period for the whole budget).
    #[serde(with = "json::u256")]
    pub period: U256,
    #[serde(with = "json::u256")]
    pub start: U256,
    #[serde(with = "json::u256")]
    pub expiry: U256,
    /// Funded by a parent (`true`: may use what it received) or by the DAO's Safe.
    pub funded: bool,
}

/// Usage in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodUsage {
    #[serde(with = "json::u256")]
    pub spent: U256,
    #[serde(with = "json::u256")]
    pub sub_allocated: U256,
    #[serde(with = "json::u256")]
    pub received: U256,
}

/// Running totals over all periods (never reset).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerTotals {
    /// `Spent` amounts.
    #[serde(with = "json::u256")]
    pub spent: U256,
    #[serde(with = "json::u256")]
    pub sub_allocated_out: U256,
    #[serde(with = "json::u256")]
    pub sub_allocated_in: U256,
    /// Clawed back from this cell by its parent.
    #[serde(with = "json::u256")]
    pub clawed_back_out: U256,
    /// Returned to this cell by clawbacks of its children.
    #[serde(with = "json::u256")]
    pub clawed_back_in: U256,
    #[serde(with = "json::u256")]
    pub bounties_paid: U256,
    #[serde(with = "json::u256")]
    pub streamed: U256,
}

/// One (cell, token) budget's ledger.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// `None` until the first `BudgetSet` (usage before it is an anomaly the audit reports).
    pub terms: Option<BudgetTerms>,
    /// The highest period index an event named.
    #[serde(with = "json::u256")]
    pub current_period: U256,
    /// Usage per period index (JSON: an object keyed by the decimal period index).
    #[serde(with = "periods")]
    pub periods: BTreeMap<U256, PeriodUsage>,
    /// Reserved for bounties now.
    #[serde(with = "json::u256")]
    pub reserved: U256,
    pub totals: LedgerTotals,
}

/// A budget as `Treasury.getBudget` returns it at a given time (see [`Ledger::at`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetAt {
    pub terms: BudgetTerms,
    /// Within its start and expiry.
    pub active: bool,
    pub period_index: U256,
    pub usage: PeriodUsage,
    pub reserved: U256,
    pub cap: U256,
    /// `cap - committed` while active, else 0.
    pub available: U256,
}

/// A usage the ledger refused because it exceeds what was there (the treasury would have
/// reverted: the audit reports it, the fold clamps at zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overdraw {
    pub available: U256,
    pub amount: U256,
}

impl Ledger {
    /// Usage in period `p`; naming a later period makes it current.
    pub fn usage(&mut self, p: U256) -> &mut PeriodUsage {
        if p > self.current_period {
            self.current_period = p;
        }
        self.periods.entry(p).or_default()
    }

    /// Usage in period `p`, zero when nothing happened in it.
    pub fn usage_in(&self, p: U256) -> PeriodUsage {
        self.periods.get(&p).copied().unwrap_or_default()
    }

    /// Usage in the current period.
    pub fn current(&self) -> PeriodUsage {
        self.usage_in(self.current_period)
    }

    /// `BudgetSet`: new terms; the usage of the current period now belongs to `period_index`.
    pub fn set_terms(&mut self, terms: BudgetTerms, period_index: U256) {
        if self.terms.is_some()
            && self.current_period != period_index
            && let Some(u) = self.periods.remove(&self.current_period)
        {
            self.periods.insert(period_index, u);
        }
        self.current_period = period_index;
        self.terms = Some(terms);
        // As `Treasury.setBudget`: a lowered ceiling trims what a funded budget holds, and an
        // unfunded one holds nothing.
        if let Some(u) = self.periods.get_mut(&period_index) {
            u.received = if terms.funded {
                u.received.min(terms.amount)
            } else {
                U256::ZERO
            };
        }
    }

    /// `Spent`: a spend in period `p`.
    pub fn spend(&mut self, p: U256, amount: U256) {
        self.usage(p).spent += amount;
        self.totals.spent += amount;
    }

    /// `SubAllocated`, giving side.
    pub fn sub_allocate_out(&mut self, p: U256, amount: U256) {
        self.usage(p).sub_allocated += amount;
        self.totals.sub_allocated_out += amount;
    }

    /// `SubAllocated`, receiving side; returns what the period received now.
    pub fn receive(&mut self, p: U256, amount: U256) -> U256 {
        let u = self.usage(p);
        u.received += amount;
        let r = u.received;
        self.totals.sub_allocated_in += amount;
        r
    }

    /// `ClawedBack`, child side: removes `amount` from what period `p` received; `Err` when it
    /// exceeds the unspent part (received - spent - sub-allocated - reserved).
    pub fn claw_back(&mut self, p: U256, amount: U256) -> Result<(), Overdraw> {
        let reserved = self.reserved;
        let u = self.usage(p);
        let unspent = u
            .received
            .saturating_sub(u.spent + u.sub_allocated + reserved);
        u.received = u.received.saturating_sub(amount);
        self.totals.clawed_back_out += amount;
        if amount > unspent {
            Err(Overdraw {
                available: unspent,
                amount,
            })
        } else {
            Ok(())
        }
    }

    /// `ClawedBack`, parent side: what came back lowers the period's sub-allocated amount.
    pub fn returned(&mut self, p: U256, amount: U256) {
        let u = self.usage(p);
        u.sub_allocated = u.sub_allocated.saturating_sub(amount);
        self.totals.clawed_back_in += amount;
    }

    /// `BountyReserved` in period `p`.
    pub fn reserve(&mut self, p: U256, amount: U256) {
        self.reserved += amount;
        self.usage(p);
    }

    /// `BountyReleased` (and the release half of `BountyPaid`); `Err` when more than reserved.
    pub fn unreserve(&mut self, amount: U256) -> Result<(), Overdraw> {
        let before = self.reserved;
        self.reserved = before.saturating_sub(amount);
        if amount > before {
            Err(Overdraw {
                available: before,
                amount,
            })
        } else {
            Ok(())
        }
    }

    /// `BountyPaid`: releases the reservation and spends in period `p`.
    pub fn pay_bounty(&mut self, p: U256, amount: U256) -> Result<(), Overdraw> {
        let r = self.unreserve(amount);
        self.usage(p).spent += amount;
        self.totals.bounties_paid += amount;
        r
    }

    /// `StreamPaid`: a stream's payment is a spend of the paying cell in period `p`.
    pub fn pay_stream(&mut self, p: U256, amount: U256) {
        self.usage(p).spent += amount;
        self.totals.streamed += amount;
    }

    /// The budget as `Treasury.getBudget` computes it at unix time `now`: the usage of the last
    /// period an event named, which a later period starts from zero (a funded budget then holds
    /// only its reservations as received); `None` without terms (or with a zero period, which
    /// the Treasury reads as no budget).
    pub fn at(&self, now: U256) -> Option<BudgetAt> {
        let terms = self.terms.filter(|t| !t.period.is_zero())?;
        let mut usage = self.usage_in(self.current_period);
        if !terms.funded {
            usage.received = U256::ZERO;
        }
        let mut period_index = self.current_period;
        if now >= terms.start {
            let index = (now - terms.start) / terms.period;
            if index != period_index {
                period_index = index;
                usage = PeriodUsage {
                    received: if terms.funded {
                        self.reserved
                    } else {
                        U256::ZERO
                    },
                    ..PeriodUsage::default()
                };
            }
        }
        let active = now >= terms.start && (terms.expiry.is_zero() || now < terms.expiry);
        let cap = if terms.funded {
            usage.received
        } else {
            terms.amount
        };
        let committed = usage.spent + usage.sub_allocated + self.reserved;
        Some(BudgetAt {
            terms,
            active,
            period_index,
            usage,
            reserved: self.reserved,
            cap,
            available: if active {
                cap.saturating_sub(committed)
            } else {
                U256::ZERO
            },
        })
    }

    /// What period `p` may use in all: the amount, or for a funded budget what it received (at
    /// most the amount).
    pub fn cap(&self, p: U256) -> U256 {
        let t = self.terms.unwrap_or_default();
        if t.funded {
            self.usage_in(p).received.min(t.amount)
        } else {
            t.amount
        }
    }

    /// What period `p` has committed: spent + sub-allocated + reserved.
    pub fn committed(&self, p: U256) -> U256 {
        let u = self.usage_in(p);
        u.spent + u.sub_allocated + self.reserved
    }

    /// What is left in period `p` (`cap - committed`, 0 when over).
    pub fn available(&self, p: U256) -> U256 {
        self.cap(p).saturating_sub(self.committed(p))
    }
}

/// `BTreeMap<U256, PeriodUsage>` as a JSON object keyed by decimal period index.
mod periods {
    use std::collections::BTreeMap;

    use alloy::primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::SerializeMap};

    use super::PeriodUsage;

    pub(super) fn serialize<S: Serializer>(
        m: &BTreeMap<U256, PeriodUsage>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(m.len()))?;
        for (k, v) in m {
            map.serialize_entry(&k.to_string(), v)?;
        }
        map.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<U256, PeriodUsage>, D::Error> {
        BTreeMap::<String, PeriodUsage>::deserialize(d)?
            .into_iter()
            .map(|(k, v)| {
                U256::from_str_radix(&k, 10)
                    .map(|k| (k, v))
                    .map_err(D::Error::custom)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: u64) -> U256 {
        U256::from(n)
    }

    #[test]
    fn at_a_time_rolls_periods_and_ends_at_expiry() {
        let mut l = Ledger::default();
        assert_eq!(l.at(u(0)), None);
        l.set_terms(
            BudgetTerms {
                amount: u(100),
                period: u(10),
                start: u(1_000),
                expiry: u(1_030),
                funded: true,
            },
            u(0),
        );
        l.receive(u(0), u(60));
        l.spend(u(0), u(20));
        l.reserve(u(0), u(5));
        let before = l.at(u(999)).expect("terms");
        assert!(!before.active, "not started");
        assert_eq!(before.available, u(0));
        let now = l.at(u(1_009)).expect("terms");
        assert!(now.active);
        assert_eq!(
            (now.usage.received, now.cap, now.available),
            (u(60), u(60), u(35))
        );
        // The next period starts from zero; a funded budget keeps its reservations as received.
        let next = l.at(u(1_010)).expect("terms");
        assert_eq!(next.period_index, u(1));
        assert_eq!(
            (next.usage.spent, next.usage.received, next.available),
            (u(0), u(5), u(0))
        );
        assert!(!l.at(u(1_030)).expect("terms").active, "expired");
    }

    #[test]
    fn new_terms_trim_what_a_funded_budget_received() {
        let funded = |amount: u64| BudgetTerms {
            amount: u(amount),
            funded: true,
            ..BudgetTerms::default()
        };
        let mut l = Ledger::default();
        l.set_terms(funded(100), u(0));
        l.receive(u(0), u(80));
        l.set_terms(funded(50), u(0));
        assert_eq!(l.current().received, u(50), "lowered below what it held");
        l.set_terms(funded(200), u(0));
        assert_eq!(l.current().received, u(50), "raising does not give back");
        l.set_terms(funded(0), u(0));
        assert_eq!((l.current().received, l.available(u(0))), (u(0), u(0)));
        l.receive(u(0), u(5));
        l.set_terms(
            BudgetTerms {
                funded: false,
                ..funded(10)
            },
            u(0),
        );
        assert_eq!(
            l.current().received,
            u(0),
            "an unfunded budget holds nothing"
        );
    }

    #[test]
    fn funded_budget_caps_at_what_it_received() {
        let mut l = Ledger::default();
        l.set_terms(
            BudgetTerms {
                amount: u(100),
                funded: true,
                ..BudgetTerms::default()
            },
            u(0),
        );
        assert_eq!(l.cap(u(0)), u(0));
        assert_eq!(l.receive(u(0), u(150)), u(150));
        assert_eq!(l.cap(u(0)), u(100));
        l.spend(u(0), u(30));
        l.reserve(u(0), u(20));
        assert_eq!(l.available(u(0)), u(50));
        assert_eq!(l.claw_back(u(0), u(100)), Ok(()));
        assert_eq!(
            l.claw_back(u(0), u(1)),
            Err(Overdraw {
                available: U256::ZERO,
                amount: u(1)
            })
        );
        assert_eq!(l.pay_bounty(u(0), u(20)), Ok(()));
        assert_eq!(l.reserved, U256::ZERO);
        assert_eq!(l.current().spent, u(50));
        assert_eq!(l.totals.bounties_paid, u(20));
    }

    #[test]
    fn budget_set_moves_current_usage_to_the_named_period() {
        let mut l = Ledger::default();
        l.set_terms(BudgetTerms::default(), u(0));
        l.spend(u(0), u(7));
        l.set_terms(BudgetTerms::default(), u(3));
        assert_eq!(l.usage_in(u(3)).spent, u(7));
        assert_eq!(l.usage_in(u(0)).spent, U256::ZERO);
        assert_eq!(l.current_period, u(3));
        assert!(l.unreserve(u(1)).is_err());
    }

    #[test]
    fn json_form_uses_decimal_strings() {
        let mut l = Ledger::default();
        l.spend(u(2), U256::from(10).pow(u(30)));
        let v = serde_json::to_value(&l).expect("serializes");
        assert_eq!(
            v["periods"]["2"]["spent"],
            "1000000000000000000000000000000"
        );
        let back: Ledger = serde_json::from_value(v).expect("deserializes");
        assert_eq!(back, l);
    }
}
