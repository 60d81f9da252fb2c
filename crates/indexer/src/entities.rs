//! Folding the registry, governor, treasury and task board events into entity documents
//! (one JSON document per entity, stored in the `entities` table as (kind, id, doc)).
//!
//! Kinds and ids (ids are 0x-hex words, composite ids joined with `/`):
//! - `cell` (cell id): creation args, `name`, `phase`, `scale`, `parentCellId`, `restrictions`,
//!   `phaseHistory` [{from, to, by, block}], `moves`; DAOs are the cells whose `parentCellId` is 0.
//! - `state_doc` (cell/key): the current version's fields and `versions` (every version).
//! - `decision` (cell/index), `partnership` (id, with `status`).
//! - `settings` (cell), `executor` (cell), `proposal` (id, with `state`, `tally` by support,
//!   `voters`), `vote` (proposal/voter).
//! - `safe` (dao), `treasury_cell` (cell: treasurer role, frozen), `budget` (cell/token: the last
//!   BudgetSet plus running totals `spent`, `subAllocatedOut`, `subAllocatedIn`, `clawedBackOut`,
//!   `clawedBackIn`, `bountiesReserved` (= reserved now), `bountiesPaid`, and `current`: the usage
//!   in the period of the last event {periodIndex, spent, subAllocated, received}), `spend`, `suballocation`, `clawback`
//!   (block/log index: the event), `bounty` (task).
//! - `task` (task id, with `status`, `claimant`, `submissions`).

use serde_json::{Map, Value, json};

use crate::{
    decode::{Decoded, Source, amount},
    model::{EventRef, State},
};

fn s(args: &Map<String, Value>, k: &str) -> String {
    match args.get(k) {
        Some(Value::String(v)) => v.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn add(doc: &mut Value, field: &str, delta: alloy::primitives::U256, sub: bool) {
    let cur = amount(doc.get(field));
    let new = if sub {
        cur.saturating_sub(delta)
    } else {
        cur + delta
    };
    doc[field] = Value::String(new.to_string());
}

impl State {
    /// The budget's usage in period `p` (`current`), reset when a new period starts: spent,
    /// subAllocated, received restart at 0 in each period, as in the treasury.
    fn period_usage(&mut self, id: String, at: EventRef, p: Option<&Value>) -> &mut Value {
        let p = p.cloned().unwrap_or(Value::Null);
        let doc = self.put("budget", id, at, &Map::new());
        if doc["current"]["periodIndex"] != p {
            doc["current"] =
                json!({"periodIndex": p, "spent": "0", "subAllocated": "0", "received": "0"});
        }
        &mut doc["current"]
    }

    fn entity(&mut self, kind: &'static str, id: String) -> &mut Value {
        self.dirty.entities.insert((kind, id.clone()));
        self.entities
            .entry((kind, id))
            .or_insert_with(|| Value::Object(Map::new()))
    }

    fn put(
        &mut self,
        kind: &'static str,
        id: String,
        at: EventRef,
        args: &Map<String, Value>,
    ) -> &mut Value {
        let doc = self.entity(kind, id);
        if let Value::Object(m) = doc {
            for (k, v) in args {
                m.insert(k.clone(), v.clone());
            }
            m.insert("lastBlock".into(), at.block.into());
        }
        doc
    }

    fn push(&mut self, kind: &'static str, id: String, field: &str, item: Value) {
        let doc = self.entity(kind, id);
        match doc.get_mut(field) {
            Some(Value::Array(a)) => a.push(item),
            _ => doc[field] = Value::Array(vec![item]),
        }
    }

    pub(crate) fn apply_entity(&mut self, source: Source, at: EventRef, ev: &Decoded) {
        let a = &ev.args;
        let here =
            json!({"block": at.block, "tx": at.tx_hash.to_string(), "logIndex": at.log_index});
        let pos = format!("{}/{}", at.block, at.log_index);
        match (source, ev.name.as_str()) {
            (Source::Registry, "CellCreated") => {
                let id = s(a, "cellId");
                let doc = self.put("cell", id, at, a);
                doc["created"] = here;
                doc["phaseHistory"] =
                    json!([{"to": a.get("phase"), "by": a.get("creator"), "block": at.block}]);
            }
            (Source::Registry, "CellRenamed" | "ScaleChanged" | "RestrictionsChanged") => {
                let id = s(a, "cellId");
                let mut args = a.clone();
                if let Some(to) = args.remove("to") {
                    args.insert("scale".into(), to);
                }
                args.remove("from");
                args.remove("by");
                if ev.name == "RestrictionsChanged" {
                    args.remove("parentCellId");
                }
                self.put("cell", id, at, &args);
            }
            (Source::Registry, "PhaseChanged") => {
                let id = s(a, "cellId");
                let doc = self.put("cell", id.clone(), at, &Map::new());
                doc["phase"] = a.get("to").cloned().unwrap_or(Value::Null);
                self.push("cell", id, "phaseHistory", json!({"from": a.get("from"), "to": a.get("to"), "by": a.get("by"), "block": at.block}));
            }
            (Source::Registry, "CellMoved") => {
                let id = s(a, "cellId");
                let doc = self.put("cell", id.clone(), at, &Map::new());
                doc["parentCellId"] = a.get("toParentCellId").cloned().unwrap_or(Value::Null);
                self.push("cell", id, "moves", json!({"from": a.get("fromParentCellId"), "to": a.get("toParentCellId"), "by": a.get("by"), "block": at.block}));
            }
            (Source::Registry, "StateUpdated") => {
                let id = format!("{}/{}", s(a, "cellId"), s(a, "key"));
                self.put("state_doc", id.clone(), at, a);
                let mut v = a.clone();
                v.insert("block".into(), at.block.into());
                self.push("state_doc", id, "versions", Value::Object(v));
            }
            (Source::Registry, "DecisionRecorded") => {
                let id = format!("{}/{}", s(a, "cellId"), s(a, "index"));
                self.put("decision", id, at, a)["at"] = here;
            }
            (Source::Registry, "PartnershipProposed") => {
                self.put("partnership", s(a, "partnershipId"), at, a)["status"] = "Proposed".into();
            }
            (Source::Registry, "PartnershipAccepted") => {
                self.put("partnership", s(a, "partnershipId"), at, &Map::new())["status"] =
                    "Active".into();
            }
            (Source::Registry, "PartnershipEnded") => {
                self.put("partnership", s(a, "partnershipId"), at, &Map::new())["status"] =
                    "Ended".into();
            }
            (Source::Governor, "SettingsChanged") => {
                self.put("settings", s(a, "cellId"), at, a);
            }
            (Source::Governor, "ExecutorCreated") => {
                self.put("executor", s(a, "cellId"), at, a);
            }
            (Source::Governor, "ProposalCreated") => {
                let doc = self.put("proposal", s(a, "proposalId"), at, a);
                doc["state"] = "Created".into();
                doc["tally"] = json!({"against": "0", "for": "0", "abstain": "0"});
                doc["voters"] = 0.into();
                doc["created"] = here;
            }
            (Source::Governor, "VoteCast") => {
                let pid = s(a, "proposalId");
                self.put("vote", format!("{pid}/{}", s(a, "voter")), at, a);
                let support = match a.get("support").and_then(Value::as_u64) {
                    Some(0) => "against",
                    Some(1) => "for",
                    _ => "abstain",
                };
                let w = amount(a.get("weight"));
                let doc = self.put("proposal", pid, at, &Map::new());
                let tally = &mut doc["tally"];
                add(tally, support, w, false);
                doc["voters"] = (doc["voters"].as_u64().unwrap_or(0) + 1).into();
            }
            (
                Source::Governor,
                name @ ("ProposalCanceled" | "ProposalVetoed" | "ProposalExecuted"),
            ) => {
                let state = name.trim_start_matches("Proposal");
                let doc = self.put("proposal", s(a, "proposalId"), at, &Map::new());
                doc["state"] = state.into();
                doc[format!("{}At", state.to_ascii_lowercase())] = here;
                if let Some(r) = a.get("recorded") {
                    doc["recorded"] = r.clone();
                }
                if let Some(by) = a.get("by") {
                    doc["stateBy"] = by.clone();
                }
            }
            (Source::Treasury, "SafeRegistered" | "SafeApproved") => {
                self.put("safe", s(a, "daoId"), at, a);
            }
            (Source::Treasury, "TreasurerRoleSet") => {
                let mut args = a.clone();
                args.insert(
                    "treasurerRole".into(),
                    a.get("roleId").cloned().unwrap_or(Value::Null),
                );
                args.remove("roleId");
                args.remove("by");
                self.put("treasury_cell", s(a, "cellId"), at, &args);
            }
            (Source::Treasury, "CellFrozenSet") => {
                self.put(
                    "treasury_cell",
                    s(a, "cellId"),
                    at,
                    &Map::from_iter([("frozen".into(), a["frozen"].clone())]),
                );
            }
            (Source::Treasury, "BudgetSet") => {
                let id = format!("{}/{}", s(a, "cellId"), s(a, "token"));
                let doc = self.put("budget", id, at, a);
                // The carried usage now belongs to `periodIndex`.
                match doc.get_mut("current") {
                    Some(cur) if cur.is_object() => cur["periodIndex"] = a["periodIndex"].clone(),
                    _ => {
                        doc["current"] = json!({"periodIndex": a["periodIndex"], "spent": "0", "subAllocated": "0", "received": "0"})
                    }
                }
            }
            (Source::Treasury, "Spent") => {
                self.put("spend", pos, at, a)["at"] = here;
                let id = format!("{}/{}", s(a, "cellId"), s(a, "token"));
                let amt = amount(a.get("amount"));
                add(
                    self.period_usage(id.clone(), at, a.get("periodIndex")),
                    "spent",
                    amt,
                    false,
                );
                add(self.put("budget", id, at, &Map::new()), "spent", amt, false);
            }
            (Source::Treasury, "SubAllocated") => {
                self.put("suballocation", pos, at, a)["at"] = here;
                let amt = amount(a.get("amount"));
                let pid = format!("{}/{}", s(a, "parentCellId"), s(a, "token"));
                add(
                    self.period_usage(pid.clone(), at, a.get("parentPeriodIndex")),
                    "subAllocated",
                    amt,
                    false,
                );
                add(
                    self.put("budget", pid, at, &Map::new()),
                    "subAllocatedOut",
                    amt,
                    false,
                );
                let cid = format!("{}/{}", s(a, "childCellId"), s(a, "token"));
                add(
                    self.period_usage(cid.clone(), at, a.get("childPeriodIndex")),
                    "received",
                    amt,
                    false,
                );
                add(
                    self.put("budget", cid, at, &Map::new()),
                    "subAllocatedIn",
                    amt,
                    false,
                );
            }
            (Source::Treasury, "ClawedBack") => {
                self.put("clawback", pos, at, a)["at"] = here;
                let amt = amount(a.get("amount"));
                let cid = format!("{}/{}", s(a, "childCellId"), s(a, "token"));
                add(
                    self.period_usage(cid.clone(), at, a.get("childPeriodIndex")),
                    "received",
                    amt,
                    true,
                );
                add(
                    self.put("budget", cid, at, &Map::new()),
                    "clawedBackOut",
                    amt,
                    false,
                );
                let back = amount(a.get("returnedToParent"));
                let pid = format!("{}/{}", s(a, "parentCellId"), s(a, "token"));
                add(
                    self.period_usage(pid.clone(), at, a.get("parentPeriodIndex")),
                    "subAllocated",
                    back,
                    true,
                );
                add(
                    self.put("budget", pid, at, &Map::new()),
                    "clawedBackIn",
                    back,
                    false,
                );
            }
            (Source::Treasury, name @ ("BountyReserved" | "BountyReleased" | "BountyPaid")) => {
                let status = name.trim_start_matches("Bounty");
                self.put("bounty", s(a, "taskId"), at, a)["status"] = status.into();
                let b = self.put(
                    "budget",
                    format!("{}/{}", s(a, "cellId"), s(a, "token")),
                    at,
                    &Map::new(),
                );
                let amt = amount(a.get("amount"));
                match status {
                    "Reserved" => add(b, "bountiesReserved", amt, false),
                    "Released" => add(b, "bountiesReserved", amt, true),
                    _ => {
                        add(b, "bountiesReserved", amt, true);
                        add(b, "bountiesPaid", amt, false);
                        let id = format!("{}/{}", s(a, "cellId"), s(a, "token"));
                        add(
                            self.period_usage(id, at, a.get("periodIndex")),
                            "spent",
                            amt,
                            false,
                        );
                    }
                }
            }
            (Source::TaskBoard, name) if name.starts_with("Task") => {
                let id = s(a, "taskId");
                let status = match name {
                    "TaskCreated" => Some("Open"),
                    "TaskClaimed" | "TaskAssigned" => Some("Claimed"),
                    "TaskSubmitted" => Some("Submitted"),
                    "TaskRejected" => Some("Claimed"),
                    "TaskApproved" => Some("Approved"),
                    "TaskCancelled" => Some("Cancelled"),
                    "TaskReopened" => Some("Open"),
                    _ => None,
                };
                let mut args = a.clone();
                if name == "TaskReopened" {
                    args.remove("claimant");
                    args.insert("claimant".into(), Value::Null);
                }
                let doc = self.put("task", id.clone(), at, &args);
                if let Some(st) = status {
                    doc["status"] = st.into();
                }
                if name == "TaskCreated" {
                    doc["created"] = here;
                }
                if name == "TaskSubmitted" {
                    self.push("task", id, "submissions", json!({"uri": a.get("uri"), "contentHash": a.get("contentHash"), "block": at.block}));
                }
            }
            _ => {}
        }
    }
}
