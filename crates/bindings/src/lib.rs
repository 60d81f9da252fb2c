//! Typed alloy bindings for every dao-primitives contract, built from the Foundry artifacts kept
//! in `artifacts/` (refreshed by `make bindings`; `make bindings-check` fails when they drift), plus
//! the helpers every client needs: role-id paths and custom-error decoding.
//!
//! Each contract `Name` is a module `Name` with `Name::new(address, provider)`, `Name::deploy`,
//! call builders, events and errors, and `Name::BYTECODE` / `Name::DEPLOYED_BYTECODE`. Each
//! interface `IName` (`ITreasury`, `IRoles`, ...) comes from its Solidity source instead
//! (`interfaces`): the same calls, with enums (`Phase`, `ProposalState`, ...) and struct names kept.

#![allow(unreachable_pub)]

mod generated {
    #![allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
    include!(concat!(env!("OUT_DIR"), "/contracts.rs"));
}

pub use generated::*;

pub mod ids;
pub mod revert;

pub use ids::RoleId;
pub use revert::{
    decode_revert, decode_revert_from, describe_contract_error, describe_log,
    describe_transport_error, describe_transport_error_from,
};

/// The JSON artifact (ABI, bytecode, deployed bytecode) of contract `name`, if bindings exist.
pub fn artifact(name: &str) -> Option<&'static str> {
    ARTIFACTS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
}
