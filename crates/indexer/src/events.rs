//! Event ABIs the indexer decodes that are not our contracts' own.
//!
//! Our contracts' events come from `dao-bindings` (Roles through its typed `RolesEvents`, the others
//! through the ABIs in its artifacts); only the ERC-20 `Transfer` the audit follows is declared here.

#![allow(missing_docs, unreachable_pub)]

alloy::sol! {
    /// ERC-20 transfers, to follow the Safe's balances for the audit.
    #[derive(Debug, PartialEq, Eq)]
    interface IERC20Events {
        event Transfer(address indexed from, address indexed to, uint256 value);
    }

    /// An ERC-20's units, to print the audit's amounts the way its holders read them.
    #[sol(rpc)]
    interface IERC20Metadata {
        function decimals() external view returns (uint8);
        function symbol() external view returns (string);
    }

    /// OpenZeppelin's IVotes checkpoints: a token electorate's weights and size at a snapshot.
    #[sol(rpc)]
    interface IVotes {
        function getPastVotes(address account, uint256 timepoint) external view returns (uint256);
        function getPastTotalSupply(uint256 timepoint) external view returns (uint256);
    }
}
