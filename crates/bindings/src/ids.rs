//! Role ids: a 32-bit tree id, then 14 levels of 16 bits. Written as dotted paths, `3.1.2` is the
//! second child of the first child of tree 3's top role. A cell's id is its admin (top) role id.
use alloy::primitives::U256;
use std::{fmt, str::FromStr};

/// Number of 16-bit levels below the tree id.
pub const MAX_LEVELS: usize = 14;

/// A role id, printed and parsed as a dotted `tree.level1.level2...` path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RoleId(pub U256);

impl RoleId {
    /// The top role of tree `tree`.
    pub fn top(tree: u32) -> Self {
        Self(U256::from(tree) << 224)
    }

    /// The tree id (first 32 bits).
    pub fn tree(&self) -> u32 {
        (self.0 >> 224usize).to::<u32>()
    }

    /// The 16-bit index at `level` (1..=14).
    pub fn at(&self, level: usize) -> u16 {
        let shift = 224 - 16 * level;
        ((self.0 >> shift) & U256::from(0xffffu32)).to::<u16>()
    }

    /// The path: tree id then the non-zero level indices.
    pub fn path(&self) -> Vec<u32> {
        let mut last = 0;
        for level in 1..=MAX_LEVELS {
            if self.at(level) != 0 {
                last = level;
            }
        }
        let mut path = vec![self.tree()];
        path.extend((1..=last).map(|l| u32::from(self.at(l))));
        path
    }

    /// Local level: 0 for a top role.
    pub fn level(&self) -> usize {
        self.path().len() - 1
    }

    /// The child `index` (1-based) of this role.
    pub fn child(&self, index: u16) -> Self {
        let level = self.level() + 1;
        Self(self.0 | (U256::from(index) << (224 - 16 * level)))
    }

    /// The parent role in the same tree (None for a top role).
    pub fn parent(&self) -> Option<Self> {
        let level = self.level();
        if level == 0 {
            return None;
        }
        let mask = !(U256::from(0xffffu32) << (224 - 16 * level));
        Some(Self(self.0 & mask))
    }
}

impl From<U256> for RoleId {
    fn from(v: U256) -> Self {
        Self(v)
    }
}

impl From<RoleId> for U256 {
    fn from(v: RoleId) -> Self {
        v.0
    }
}

impl fmt::Display for RoleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 >> 224 == U256::ZERO && self.0 != U256::ZERO {
            // Not a role id in the tree layout: print it as a number.
            return write!(f, "{}", self.0);
        }
        let parts: Vec<String> = self.path().iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// Why a role path did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseRoleIdError {
    #[error("empty role id")]
    Empty,
    #[error("role id `{0}`: expected a dotted path like 3.1.2 or a 0x-prefixed 32-byte id")]
    Invalid(String),
    #[error("role id `{0}`: more than {MAX_LEVELS} levels")]
    TooDeep(String),
}

impl FromStr for RoleId {
    type Err = ParseRoleIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ParseRoleIdError::Empty);
        }
        if let Some(hex) = s.strip_prefix("0x") {
            return U256::from_str_radix(hex, 16)
                .map(Self)
                .map_err(|_| ParseRoleIdError::Invalid(s.to_owned()));
        }
        let mut parts = s.split('.');
        let tree: u32 = parts
            .next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| ParseRoleIdError::Invalid(s.to_owned()))?;
        let mut id = Self::top(tree);
        for (i, p) in parts.enumerate() {
            if i >= MAX_LEVELS {
                return Err(ParseRoleIdError::TooDeep(s.to_owned()));
            }
            let index: u16 = p
                .parse()
                .map_err(|_| ParseRoleIdError::Invalid(s.to_owned()))?;
            if index == 0 {
                return Err(ParseRoleIdError::Invalid(s.to_owned()));
            }
            id = id.child(index);
        }
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for s in ["1", "3.1", "7.2.65535.4", "4294967295.1"] {
            let id: RoleId = s.parse().expect("parses");
            assert_eq!(id.to_string(), s);
        }
        let cell = RoleId::top(3);
        assert_eq!(cell.child(1).to_string(), "3.1");
        assert_eq!(cell.child(1).parent(), Some(cell));
        assert_eq!(cell.parent(), None);
        assert_eq!(cell.child(2).child(5).level(), 2);
        assert_eq!(RoleId::top(3).0, U256::from(3u64) << 224);
    }

    #[test]
    fn rejects_bad_paths() {
        assert!("".parse::<RoleId>().is_err());
        assert!("3.0".parse::<RoleId>().is_err());
        assert!("3.x".parse::<RoleId>().is_err());
        assert!("3.70000".parse::<RoleId>().is_err());
        assert!("1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1".parse::<RoleId>().is_err());
    }
}
