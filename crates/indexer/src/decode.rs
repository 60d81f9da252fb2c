//! Decoding every event of the registry, governor, treasury and task board into named JSON
//! arguments, from the ABIs in the bindings' artifacts (so an event the contracts add is decoded
//! without touching this file). Roles' events, the bulk of any history, use the typed `sol!`
//! bindings instead (see [`crate::model`]).

use std::collections::HashMap;

use alloy::{
    dyn_abi::{DynSolValue, EventExt},
    json_abi::{Event, JsonAbi, Param},
    primitives::{B256, U256},
};
use serde_json::{Map, Value};

/// Which contract of the deployment a log came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Source {
    Roles,
    Registry,
    Governor,
    Treasury,
    TaskBoard,
}

/// A decoded event: its name and arguments by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub name: String,
    pub args: Map<String, Value>,
}

/// topic0 -> event, per contract.
#[derive(Debug, Default)]
pub struct Decoder {
    events: HashMap<(Source, B256), Event>,
}

impl Decoder {
    /// Loads the event ABIs of the deployment's contracts from the bindings' artifacts.
    pub fn from_bindings() -> Self {
        let mut d = Self::default();
        for (source, name) in [
            (Source::Roles, "Roles"),
            (Source::Registry, "CellRegistry"),
            (Source::Governor, "CellGovernor"),
            (Source::Treasury, "Treasury"),
            (Source::TaskBoard, "TaskBoard"),
        ] {
            let Some(json) = dao_bindings::artifact(name) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<Value>(json) else {
                continue;
            };
            let Some(abi) = v
                .get("abi")
                .and_then(|a| serde_json::from_value::<JsonAbi>(a.clone()).ok())
            else {
                continue;
            };
            for ev in abi.events() {
                d.events.insert((source, ev.selector()), ev.clone());
            }
        }
        d
    }

    /// Decodes a log of `source`; `None` if no event of that contract matches.
    pub fn decode(&self, source: Source, topics: &[B256], data: &[u8]) -> Option<Decoded> {
        let ev = self.events.get(&(source, *topics.first()?))?;
        let decoded = ev.decode_log_parts(topics.iter().copied(), data).ok()?;
        let mut args = Map::new();
        let (mut indexed, mut body) = (decoded.indexed.into_iter(), decoded.body.into_iter());
        for input in &ev.inputs {
            let v = if input.indexed {
                indexed.next()?
            } else {
                body.next()?
            };
            args.insert(
                input.name.clone(),
                to_json(&input.name, &v, &input.components),
            );
        }
        Some(Decoded {
            name: ev.name.clone(),
            args,
        })
    }
}

/// Ids (names ending in `Id`/`id`, and `ref`) as 0x-hex words; other integers up to 64 bits as
/// JSON numbers, wider ones as decimal strings (amounts), addresses checksummed, bytes as 0x-hex.
fn to_json(name: &str, v: &DynSolValue, components: &[Param]) -> Value {
    let is_id = name.ends_with("Id") || name == "id" || name == "proposalId";
    match v {
        DynSolValue::Address(a) => Value::String(a.to_checksum(None)),
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Uint(u, bits) => {
            if is_id && *bits > 64 {
                Value::String(format!("{u:#066x}"))
            } else if *bits <= 64 {
                Value::from(u.to::<u64>())
            } else {
                Value::String(u.to_string())
            }
        }
        DynSolValue::Int(i, _) => Value::String(i.to_string()),
        DynSolValue::FixedBytes(w, size) => {
            Value::String(format!("0x{}", hex::encode(&w[..*size])))
        }
        DynSolValue::Bytes(b) => Value::String(format!("0x{}", hex::encode(b))),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            Value::Array(items.iter().map(|i| to_json("", i, components)).collect())
        }
        DynSolValue::Tuple(items) => {
            let mut m = Map::new();
            for (i, item) in items.iter().enumerate() {
                let (n, c) = components.get(i).map_or((format!("{i}"), &[][..]), |p| {
                    (p.name.clone(), &p.components[..])
                });
                m.insert(n.clone(), to_json(&n, item, c));
            }
            Value::Object(m)
        }
        DynSolValue::Function(f) => Value::String(format!("0x{}", hex::encode(f.as_slice()))),
    }
}

/// Reads a JSON decimal string or number as U256 (0 when absent).
pub fn amount(v: Option<&Value>) -> U256 {
    match v {
        Some(Value::String(s)) => s.parse().unwrap_or_default(),
        Some(Value::Number(n)) => U256::from(n.as_u64().unwrap_or_default()),
        _ => U256::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_the_event_abis_of_every_contract() {
        let d = Decoder::from_bindings();
        for source in [
            Source::Roles,
            Source::Registry,
            Source::Governor,
            Source::Treasury,
            Source::TaskBoard,
        ] {
            assert!(
                d.events.keys().any(|(s, _)| *s == source),
                "no events for {source:?}"
            );
        }
        use alloy::sol_types::SolEvent;
        let ev = dao_bindings::ICellRegistry::CellCreated {
            cellId: U256::from(7) << 224,
            parentCellId: U256::ZERO,
            daoId: U256::from(7) << 224,
            memberRoleId: U256::from(1),
            admin: alloy::primitives::Address::repeat_byte(1),
            scale: 2,
            phase: 1,
            name: "Riverside".into(),
            creator: alloy::primitives::Address::repeat_byte(2),
        };
        let ld = ev.encode_log_data();
        let got = d
            .decode(Source::Registry, ld.topics(), &ld.data)
            .expect("decodes");
        assert_eq!(got.name, "CellCreated");
        assert_eq!(got.args["name"], "Riverside");
        assert_eq!(got.args["phase"], 1);
        assert_eq!(
            got.args["cellId"],
            format!("{:#066x}", U256::from(7) << 224)
        );
    }
}
