//! Where a Safe's balance fell short of its recorded movements.
//!
//! The balance rule compares a Safe's ETH balance with what its recorded movements leave (logged
//! inflows minus the module's payments minus the owners' outflows). When the balance at the head
//! is short, [`first_short_block`] bisects the audited range with historical balance reads to
//! name the block where the unexplained difference appeared.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};

use crate::verify::BlockRange;

/// Signed ETH movements of one Safe by block: (in, out).
#[derive(Debug, Clone, Default)]
pub struct Movements(pub BTreeMap<u64, (U256, U256)>);

impl Movements {
    pub fn inflow(&mut self, block: u64, v: U256) {
        self.0.entry(block).or_default().0 += v;
    }

    pub fn outflow(&mut self, block: u64, v: U256) {
        self.0.entry(block).or_default().1 += v;
    }

    /// What the recorded movements up to and including `block` leave in the Safe.
    pub fn expected_at(&self, block: u64) -> U256 {
        let (i, o) = self
            .0
            .range(..=block)
            .fold((U256::ZERO, U256::ZERO), |(i, o), (_, (a, b))| {
                (i + a, o + b)
            });
        i.saturating_sub(o)
    }
}

/// The first block in `from..=head` after which the balance of `safe` is below what
/// `movements` leave, given that it is at `head`. `None` when the node cannot read historical
/// balances (a pruned node): the caller names the whole range.
pub async fn first_short_block<P: Provider>(
    provider: &P,
    safe: Address,
    movements: &Movements,
    from: u64,
    head: u64,
) -> Option<BlockRange> {
    let short = |block: u64| async move {
        let balance = provider
            .get_balance(safe)
            .block_id(block.into())
            .await
            .ok()?;
        Some(balance < movements.expected_at(block))
    };
    if short(from).await? {
        return Some(BlockRange { from, to: from });
    }
    let (mut ok, mut bad) = (from, head);
    while bad - ok > 1 {
        let mid = ok + (bad - ok) / 2;
        if short(mid).await? {
            bad = mid;
        } else {
            ok = mid;
        }
    }
    Some(BlockRange { from: bad, to: bad })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_balance_follows_the_movements() {
        let mut m = Movements::default();
        m.inflow(3, U256::from(10));
        m.outflow(5, U256::from(4));
        m.inflow(5, U256::from(1));
        assert_eq!(m.expected_at(2), U256::ZERO);
        assert_eq!(m.expected_at(3), U256::from(10));
        assert_eq!(m.expected_at(5), U256::from(7));
        assert_eq!(m.expected_at(100), U256::from(7));
    }
}
