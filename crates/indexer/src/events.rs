//! Event ABIs the indexer decodes.
//!
//! Roles' events are copied verbatim from the fixed interface contracts/src/interfaces/IRoles.sol
//! (a unit test checks every declaration is still there, word for word); the other contracts'
//! events are decoded through the same `sol!` types as they land.

#![allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]

alloy::sol! {
    #[derive(Debug, PartialEq, Eq)]
    interface IRoles {
        event RoleCreated( uint256 indexed roleId, uint256 indexed adminId, string details, uint32 maxSupply, address eligibility, address toggle, bool mutable_, bool claimable, string imageURI );
        event RoleMinted(uint256 indexed roleId, address indexed wearer, address indexed by, uint64 expiry);
        event RoleRevoked(uint256 indexed roleId, address indexed wearer, address indexed by, bool renounced);
        event RoleTransferred(uint256 indexed roleId, address indexed from, address indexed to);
        event RoleRenewed(uint256 indexed roleId, address indexed wearer, uint64 expiry);
        event RoleStatusChanged(uint256 indexed roleId, bool active);
        event RoleDetailsChanged(uint256 indexed roleId, string details);
        event RoleImageURIChanged(uint256 indexed roleId, string imageURI);
        event RoleMaxSupplyChanged(uint256 indexed roleId, uint32 maxSupply);
        event RoleEligibilityChanged(uint256 indexed roleId, address eligibility);
        event RoleToggleChanged(uint256 indexed roleId, address toggle);
        event RoleClaimableChanged(uint256 indexed roleId, bool claimable);
        event RoleMadeImmutable(uint256 indexed roleId);
        event TreeLinked(uint32 indexed treeId, uint256 indexed adminRole);
    }
}

alloy::sol! {
    /// ERC-20 transfers, to follow the Safe's balances for the audit.
    #[derive(Debug, PartialEq, Eq)]
    interface IERC20Events {
        event Transfer(address indexed from, address indexed to, uint256 value);
    }
}

#[cfg(test)]
mod tests {
    /// The copied declarations must match the interface file (whitespace aside).
    #[test]
    fn roles_events_match_the_interface_file() {
        let iface = include_str!("../../../contracts/src/interfaces/IRoles.sol");
        let flat: String = iface.split_whitespace().collect::<Vec<_>>().join(" ");
        let this = include_str!("events.rs");
        for line in this
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("event Role") || l.starts_with("event Tree"))
        {
            assert!(flat.contains(line), "not in IRoles.sol: {line}");
        }
    }
}
