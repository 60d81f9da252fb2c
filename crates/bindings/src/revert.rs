//! Decodes revert data from any dao-primitives contract (or the Safe) into words, e.g.
//! `NotAdmin(account 0xAb…, role 3.1)`. Role and cell ids print as dotted tree paths.
use crate::{ARTIFACTS, ids::RoleId};
use alloy::{
    dyn_abi::{DynSolValue, ErrorExt},
    json_abi::{Error as AbiError, JsonAbi},
    primitives::{Selector, U256},
    sol_types::{Panic, Revert, SolError},
};
use std::{collections::BTreeMap, sync::LazyLock};

type ErrorMap = BTreeMap<Selector, AbiError>;

/// Custom errors by contract, then by selector. Two contracts may declare errors with the same
/// selector and different parameter names (e.g. `NotParentAdmin(address,uint256)` with a cell id in
/// the treasury and a proposal id in the governor): decoding prefers the reverting contract's.
static BY_CONTRACT: LazyLock<BTreeMap<&'static str, ErrorMap>> = LazyLock::new(|| {
    let mut out = BTreeMap::new();
    for (name, artifact) in ARTIFACTS {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(artifact) else {
            continue;
        };
        let Some(abi) = value.get("abi") else {
            continue;
        };
        let Ok(abi) = serde_json::from_value::<JsonAbi>(abi.clone()) else {
            continue;
        };
        let map: ErrorMap = abi.errors().map(|e| (e.selector(), e.clone())).collect();
        out.insert(*name, map);
    }
    out
});

/// Every custom error of every contract with bindings, by selector (core contracts first).
static ERRORS: LazyLock<ErrorMap> = LazyLock::new(|| {
    let mut map = BTreeMap::new();
    let order = [
        "Roles",
        "CellRegistry",
        "CellGovernor",
        "Treasury",
        "TaskBoard",
        "RoleStreams",
        "CellExecutor",
    ];
    let ordered = order
        .iter()
        .filter_map(|n| BY_CONTRACT.get(n))
        .chain(BY_CONTRACT.values());
    for errors in ordered {
        for (selector, error) in errors {
            map.entry(*selector).or_insert_with(|| error.clone());
        }
    }
    map
});

/// Parameter names whose uint256 value is a role id (a cell id is its admin role id).
fn is_role_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["role", "cell", "hat", "admin", "parent", "dao", "child"]
        .iter()
        .any(|k| n.contains(k))
        && !n.contains("count")
        && !n.contains("supply")
        && !n.contains("level")
}

fn param_label(name: &str) -> String {
    let trimmed = name.strip_suffix("Id").unwrap_or(name);
    trimmed.trim_end_matches('_').to_owned()
}

/// Variant names of the enums our errors carry, by Solidity type name.
fn enum_variant(internal_type: &str, index: usize) -> Option<&'static str> {
    let name = internal_type.strip_prefix("enum ")?.rsplit('.').next()?;
    let variants: &[&str] = match name {
        "ProposalState" => &[
            "Pending",
            "Active",
            "Canceled",
            "Defeated",
            "Succeeded",
            "Executable",
            "Vetoed",
            "Executed",
        ],
        "Phase" => &[
            "Conversation",
            "Formation",
            "Organization",
            "Coordination",
            "Dissolved",
        ],
        "Scale" => &["Collaboration", "Coordination", "Constituency", "Network"],
        "Status" => &["None", "Open", "Claimed", "Submitted", "Paid", "Cancelled"],
        "PartnershipStatus" => &["None", "Proposed", "Active", "Ended"],
        "Electorate" => &["Role", "Token"],
        "Counting" => &["Majority", "Supermajority", "Consent", "Quadratic"],
        _ => return None,
    };
    variants.get(index).copied()
}

fn format_value(name: &str, value: &DynSolValue) -> String {
    match value {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Uint(v, 256) if is_role_param(name) && *v >= U256::from(1u64) << 224 => {
            RoleId(*v).to_string()
        }
        DynSolValue::Uint(v, 256) if name.to_ascii_lowercase().contains("proposal") => {
            format!("{v:#x}")
        }
        DynSolValue::Uint(v, _) => v.to_string(),
        DynSolValue::Int(v, _) => v.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", alloy::hex::encode(&w[..*size])),
        // A nested revert (e.g. an executor's failed action): decode it too.
        DynSolValue::Bytes(b) => {
            decode_revert(b).unwrap_or_else(|| format!("0x{}", alloy::hex::encode(b)))
        }
        DynSolValue::Array(vs) | DynSolValue::FixedArray(vs) | DynSolValue::Tuple(vs) => {
            let inner: Vec<String> = vs.iter().map(|v| format_value(name, v)).collect();
            format!("[{}]", inner.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// Decodes revert data into words: a custom error of any contract with bindings (with its
/// parameters named), `Error(string)`, or `Panic(uint256)`. None when the data is empty or unknown.
pub fn decode_revert(data: &[u8]) -> Option<String> {
    decode_revert_from(None, data)
}

/// Like [`decode_revert`], preferring the errors of `contract` (the contract that reverted).
pub fn decode_revert_from(contract: Option<&str>, data: &[u8]) -> Option<String> {
    if data.len() < 4 {
        return None;
    }
    if let Ok(revert) = Revert::abi_decode(data) {
        return Some(format!("reverted: {}", revert.reason));
    }
    if let Ok(panic) = Panic::abi_decode(data) {
        return Some(format!("panic: {panic}"));
    }
    let selector = Selector::from_slice(&data[..4]);
    let error = contract
        .and_then(|c| BY_CONTRACT.get(c))
        .and_then(|m| m.get(&selector))
        .or_else(|| ERRORS.get(&selector))?;
    let decoded = error.decode_error(data).ok()?;
    let args: Vec<String> = error
        .inputs
        .iter()
        .zip(decoded.body.iter())
        .map(|(param, value)| {
            let as_enum = match (value, param.internal_type()) {
                (DynSolValue::Uint(v, 8), Some(t)) => enum_variant(&t.to_string(), v.to::<usize>()),
                _ => None,
            };
            let shown = as_enum
                .map(str::to_owned)
                .unwrap_or_else(|| format_value(&param.name, value));
            if param.name.is_empty() {
                shown
            } else {
                format!("{} {shown}", param_label(&param.name))
            }
        })
        .collect();
    Some(format!("{}({})", error.name, args.join(", ")))
}

/// A readable message for a contract call error: the decoded custom error when the call reverted
/// with one, the revert data in hex when it is unknown, otherwise the error itself.
pub fn describe_contract_error(err: &alloy::contract::Error) -> String {
    match err.as_revert_data() {
        Some(data) => decode_revert(&data).unwrap_or_else(|| {
            if data.is_empty() {
                "reverted without a reason".to_owned()
            } else {
                format!("reverted with unknown data {data}")
            }
        }),
        None => err.to_string(),
    }
}

/// Same as [`describe_contract_error`] for a raw transport error (e.g. from `eth_estimateGas`).
pub fn describe_transport_error(err: &alloy::transports::TransportError) -> String {
    describe_transport_error_from(None, err)
}

/// Same as [`describe_transport_error`], preferring the errors of `contract`.
pub fn describe_transport_error_from(
    contract: Option<&str>,
    err: &alloy::transports::TransportError,
) -> String {
    match err.as_error_resp().and_then(|e| e.as_revert_data()) {
        Some(data) if data.is_empty() => "reverted without a reason".to_owned(),
        Some(data) => decode_revert_from(contract, &data)
            .unwrap_or_else(|| format!("reverted with unknown data {data}")),
        None => err.to_string(),
    }
}

/// Every event of every contract with bindings, by topic0 (first declaration wins).
static EVENTS: LazyLock<BTreeMap<alloy::primitives::B256, alloy::json_abi::Event>> =
    LazyLock::new(|| {
        let mut map = BTreeMap::new();
        for (_, artifact) in ARTIFACTS {
            let Some(abi) = serde_json::from_str::<serde_json::Value>(artifact)
                .ok()
                .and_then(|v| serde_json::from_value::<JsonAbi>(v.get("abi")?.clone()).ok())
            else {
                continue;
            };
            for event in abi.events() {
                map.entry(event.selector()).or_insert_with(|| event.clone());
            }
        }
        map
    });

/// A log of any contract with bindings in words, e.g. `CellFrozenSet(cell 3, by 0xAb…, frozen true)`.
/// None for an unknown or anonymous event.
pub fn describe_log(log: &alloy::primitives::LogData) -> Option<String> {
    use alloy::dyn_abi::EventExt;
    let event = EVENTS.get(log.topics().first()?)?;
    let decoded = event.decode_log(log).ok()?;
    let (mut indexed, mut body) = (decoded.indexed.iter(), decoded.body.iter());
    let args: Vec<String> = event
        .inputs
        .iter()
        .filter_map(|p| {
            let v = if p.indexed {
                indexed.next()?
            } else {
                body.next()?
            };
            Some(format!(
                "{} {}",
                param_label(&p.name),
                format_value(&p.name, v)
            ))
        })
        .collect();
    Some(format!("{}({})", event.name, args.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolError;

    #[test]
    fn decodes_error_string_and_panic() {
        let data = Revert::from("GS013").abi_encode();
        assert_eq!(decode_revert(&data).as_deref(), Some("reverted: GS013"));
        assert_eq!(decode_revert(&[]), None);
        assert_eq!(decode_revert(&[1, 2, 3, 4]), None);
    }

    #[test]
    fn decodes_every_custom_error_of_every_artifact() {
        // Every error in every ABI round-trips through the decoder with its name.
        let mut seen = 0;
        for error in ERRORS.values() {
            use alloy::dyn_abi::Specifier;
            let values: Vec<DynSolValue> = error
                .inputs
                .iter()
                .map(|p| sample(&p.resolve().expect("resolves")))
                .collect();
            let mut data = error.selector().to_vec();
            data.extend(DynSolValue::Tuple(values).abi_encode_params());
            let text = decode_revert(&data).expect("decodes");
            assert!(text.starts_with(&format!("{}(", error.name)), "{text}");
            seen += 1;
        }
        // Every core contract declares custom errors; an empty table means the artifacts are missing.
        assert!(seen >= 50, "only {seen} custom errors decoded");
    }

    fn sample(t: &alloy::dyn_abi::DynSolType) -> DynSolValue {
        use alloy::dyn_abi::DynSolType as T;
        match t {
            T::Address => DynSolValue::Address(alloy::primitives::Address::repeat_byte(0xab)),
            T::Uint(n) => DynSolValue::Uint(U256::from(7u64), *n),
            T::Int(n) => {
                DynSolValue::Int(alloy::primitives::I256::try_from(7i64).expect("fits"), *n)
            }
            T::Bool => DynSolValue::Bool(true),
            T::String => DynSolValue::String("x".into()),
            T::Bytes => DynSolValue::Bytes(vec![1]),
            T::FixedBytes(n) => DynSolValue::FixedBytes(alloy::primitives::B256::ZERO, *n),
            T::Array(inner) => DynSolValue::Array(vec![sample(inner)]),
            T::FixedArray(inner, n) => DynSolValue::FixedArray(vec![sample(inner); *n]),
            T::Tuple(ts) => DynSolValue::Tuple(ts.iter().map(sample).collect()),
            other => panic!("unexpected error parameter type {other}"),
        }
    }

    #[test]
    fn prefers_the_reverting_contracts_error() {
        let t = BY_CONTRACT.get("Treasury").expect("Treasury artifact");
        let g = BY_CONTRACT
            .get("CellGovernor")
            .expect("CellGovernor artifact");
        let (selector, _) = t
            .iter()
            .find(|(_, e)| e.name == "NotParentAdmin")
            .expect("Treasury declares NotParentAdmin");
        // The point of the test: the same selector means different things in the two contracts.
        assert!(
            g.contains_key(selector),
            "CellGovernor declares NotParentAdmin with the same parameter types"
        );
        let mut data = selector.to_vec();
        data.extend(
            DynSolValue::Tuple(vec![
                DynSolValue::Address(alloy::primitives::Address::ZERO),
                DynSolValue::Uint(RoleId::top(2).0, 256),
            ])
            .abi_encode_params(),
        );
        assert!(
            decode_revert_from(Some("Treasury"), &data)
                .expect("decodes")
                .ends_with("cell 2)")
        );
        assert!(
            decode_revert_from(Some("CellGovernor"), &data)
                .expect("decodes")
                .contains("proposal 0x")
        );
    }

    #[test]
    fn enums_print_as_names() {
        let g = BY_CONTRACT
            .get("CellGovernor")
            .expect("CellGovernor artifact");
        let (selector, _) = g
            .iter()
            .find(|(_, e)| e.name == "UnexpectedState")
            .expect("CellGovernor declares UnexpectedState");
        let mut data = selector.to_vec();
        data.extend(
            DynSolValue::Tuple(vec![
                DynSolValue::Uint(U256::from(255u64), 256),
                DynSolValue::Uint(U256::from(6u64), 8),
            ])
            .abi_encode_params(),
        );
        assert_eq!(
            decode_revert_from(Some("CellGovernor"), &data).as_deref(),
            Some("UnexpectedState(proposal 0xff, current Vetoed)")
        );
    }

    #[test]
    fn role_params_print_as_paths() {
        let role = DynSolValue::Uint(RoleId::top(3).child(1).0, 256);
        assert_eq!(format_value("roleId", &role), "3.1");
        assert_eq!(param_label("roleId"), "role");
        assert_eq!(
            format_value("maxSupply", &DynSolValue::Uint(U256::from(5u64), 32)),
            "5"
        );
    }
}
