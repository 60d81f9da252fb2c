//! The router: every route is a GET; [`ROUTES`] is the list docs/api.md must document (a test
//! checks both ways). Errors are JSON `{"error", "param"?}`: 400 naming the parameter, 404 for an
//! unknown route or id, 405 for another method.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use http_body_util::Full;
use hyper::{
    Method, Request, Response, StatusCode,
    body::Bytes,
    header::{CACHE_CONTROL, CONTENT_TYPE, HeaderValue},
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{
    Shared,
    query::{BadParam, list_query, pairs},
    snapshot::{COLLECTIONS, Record, Snapshot, json_array},
};

/// Every API route, with what it returns (shown by `GET /api`). `{id}` is a path parameter.
pub const ROUTES: &[(&str, &str)] = &[
    ("/api", "this list of routes"),
    (
        "/api/status",
        "chain id, indexed head, counts per collection, audit summary",
    ),
    (
        "/api/head",
        "the indexed head; with ?after=N waits (up to wait_ms) for a newer one",
    ),
    ("/api/daos", "DAOs: the root cells, with their Safe"),
    (
        "/api/cells",
        "cells: phase, scale, parent, depth, who runs it",
    ),
    (
        "/api/cells/{id}",
        "one cell: children, roles and wearers, state documents with versions, decisions, budgets, proposals, tasks",
    ),
    ("/api/roles", "roles with their wearers"),
    ("/api/wearers", "role grants (granted and not revoked)"),
    ("/api/proposals", "proposals with tally, votes and timeline"),
    (
        "/api/proposals/{id}",
        "one proposal with tally, quorum, votes and timeline",
    ),
    ("/api/votes", "votes cast"),
    (
        "/api/budgets",
        "budgets per cell and token, with running totals",
    ),
    (
        "/api/allocations",
        "allocations down the tree and clawbacks",
    ),
    ("/api/spends", "spends out of cell budgets"),
    ("/api/bounties", "task bounties: reserved, released, paid"),
    ("/api/streams", "role payment streams"),
    ("/api/tasks", "tasks and their status"),
    ("/api/decisions", "the decision registry"),
    ("/api/state-docs", "state documents with every version"),
    ("/api/partnerships", "partnerships between cells"),
    ("/api/safes", "each DAO's Safe"),
    (
        "/api/flows",
        "money flow of one token: Safe to cells, down the tree, out to spends and bounties",
    ),
    (
        "/api/audit",
        "the audit of the indexed head (treasury, Safes and the network's acts): findings linked to block and transaction",
    ),
    (
        "/api/metrics",
        "governance metrics for a block window, network-wide or for a cell and its subtree",
    ),
];

type Resp = Response<Full<Bytes>>;

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn json_ok(v: &impl Serialize) -> Resp {
    match serde_json::to_vec(v) {
        Ok(b) => respond(StatusCode::OK, "application/json", b),
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("serializing: {e}"),
            None,
        ),
    }
}

fn error(status: StatusCode, msg: &str, param: Option<&str>) -> Resp {
    let mut v = json!({ "error": msg });
    if let Some(p) = param {
        v["param"] = json!(p);
    }
    respond(status, "application/json", v.to_string())
}

fn bad(e: &BadParam) -> Resp {
    error(StatusCode::BAD_REQUEST, &e.to_string(), Some(&e.param))
}

fn not_found(what: &str) -> Resp {
    error(StatusCode::NOT_FOUND, what, None)
}

/// Refuses any parameter for routes that take none (or only `allowed`).
fn only(params: &BTreeMap<String, String>, allowed: &[&str]) -> Result<(), BadParam> {
    match params.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(BadParam::new(
            k,
            if allowed.is_empty() {
                "unknown parameter; this route takes none".to_owned()
            } else {
                format!("unknown parameter; this route takes {}", allowed.join(", "))
            },
        )),
        None => Ok(()),
    }
}

fn number(params: &BTreeMap<String, String>, key: &str) -> Result<Option<u64>, BadParam> {
    params
        .get(key)
        .map(|v| {
            v.parse()
                .map_err(|_| BadParam::new(key, format!("expected a whole number, got {v:?}")))
        })
        .transpose()
}

/// Answers one request.
pub async fn handle<B>(shared: &Arc<Shared>, req: Request<B>) -> Resp {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return error(
            StatusCode::METHOD_NOT_ALLOWED,
            "read-only: every route is a GET",
            None,
        );
    }
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let params = pairs(req.uri().query());
    match path.as_str() {
        "" | "/index.html" => {
            return respond(
                StatusCode::OK,
                "text/html; charset=utf-8",
                crate::dashboard::INDEX,
            );
        }
        "/app.js" => {
            return respond(
                StatusCode::OK,
                "text/javascript; charset=utf-8",
                crate::dashboard::APP_JS,
            );
        }
        "/style.css" => {
            return respond(
                StatusCode::OK,
                "text/css; charset=utf-8",
                crate::dashboard::STYLE,
            );
        }
        "/api/head" => return head(shared, &params).await,
        _ => {}
    }
    let snap = shared.current();
    match route(&snap, &path, &params) {
        Ok(r) => r,
        Err(e) => bad(&e),
    }
}

async fn head(shared: &Arc<Shared>, params: &BTreeMap<String, String>) -> Resp {
    if let Err(e) = only(params, &["after", "wait_ms"]) {
        return bad(&e);
    }
    let (after, wait) = match (number(params, "after"), number(params, "wait_ms")) {
        (Ok(a), Ok(w)) => (a, w.unwrap_or(20_000)),
        (Err(e), _) | (_, Err(e)) => return bad(&e),
    };
    if wait > 60_000 {
        return bad(&BadParam::new(
            "wait_ms",
            format!("at most 60000, got {wait}"),
        ));
    }
    if let Some(after) = after {
        let mut rx = shared.subscribe();
        let newer = |h: &Option<u64>| h.is_some_and(|h| h > after);
        let _ = tokio::time::timeout(Duration::from_millis(wait), rx.wait_for(newer)).await;
    }
    let s = shared.current();
    json_ok(
        &json!({"chain_id": s.chain_id, "head": s.head, "head_hash": s.head_hash, "logs": s.logs}),
    )
}

fn route(s: &Snapshot, path: &str, params: &BTreeMap<String, String>) -> Result<Resp, BadParam> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    Ok(match parts.as_slice() {
        ["api"] => {
            only(params, &[])?;
            json_ok(
                &ROUTES
                    .iter()
                    .map(|(p, d)| json!({"route": format!("GET {p}"), "returns": d}))
                    .collect::<Vec<_>>(),
            )
        }
        ["api", "status"] => {
            only(params, &[])?;
            let counts: BTreeMap<&str, usize> =
                s.collections.iter().map(|(k, v)| (*k, v.len())).collect();
            json_ok(&json!({
                "chain_id": s.chain_id, "head": s.head, "head_hash": s.head_hash, "logs": s.logs,
                "counts": counts, "tokens": s.tokens(), "audit": audit_summary(s),
            }))
        }
        ["api", "cells", id] => {
            only(params, &[])?;
            match cached_cell_page(s, id) {
                Some(v) => respond(StatusCode::OK, "application/json", v),
                None => not_found(&format!(
                    "no cell {id} in the index; GET /api/cells lists them"
                )),
            }
        }
        ["api", "proposals", id] => {
            only(params, &[])?;
            match s.find("proposals", id) {
                Some(p) => json_ok(&p.doc),
                None => not_found(&format!(
                    "no proposal {id} in the index; GET /api/proposals lists them"
                )),
            }
        }
        ["api", "flows"] => {
            only(params, &["token"])?;
            let tokens = s.tokens();
            let token = match params.get("token") {
                Some(t) if t.parse::<alloy::primitives::Address>().is_err() => {
                    return Err(BadParam::new(
                        "token",
                        format!("expected a 0x address, got {t:?}"),
                    ));
                }
                Some(t) => t.clone(),
                None => tokens
                    .iter()
                    .find(|t| {
                        t.parse::<alloy::primitives::Address>()
                            .is_ok_and(|a| a.is_zero())
                    })
                    .or(tokens.first())
                    .cloned()
                    .unwrap_or_else(|| alloy::primitives::Address::ZERO.to_checksum(None)),
            };
            let mut v = s.flows(&token);
            v["tokens"] = json!(tokens);
            v["cells"] = json!(
                s.list("cells")
                    .map(|c| json!({"id": c.id, "name": c.doc["name"], "parent": c.doc["parent"], "depth": c.doc["depth"]}))
                    .collect::<Vec<_>>()
            );
            json_ok(&v)
        }
        ["api", "audit"] => {
            only(params, &[])?;
            match s.audit.as_deref() {
                Some(Ok(v)) => json_ok(v),
                Some(Err(e)) => json_ok(&json!({"error": e})),
                None => json_ok(&json!({"pending": true})),
            }
        }
        ["api", "metrics"] => json_ok(&metrics(s, params)?),
        ["api", name] if COLLECTIONS.contains(name) => {
            let q = list_query(params, &[])?;
            respond(
                StatusCode::OK,
                "application/json",
                s.page(name, &q)?.to_json(),
            )
        }
        _ => not_found(&format!("no route GET {path}; GET /api lists them")),
    })
}

fn audit_summary(s: &Snapshot) -> Value {
    match s.audit.as_deref() {
        Some(Ok(v)) => {
            let findings = v["findings"].as_array().map_or(0, Vec::len);
            let errors = v["findings"]
                .as_array()
                .map_or(0, |f| f.iter().filter(|f| f["severity"] == "Error").count());
            json!({"head": v["head"], "findings": findings, "errors": errors, "clean": errors == 0})
        }
        Some(Err(e)) => json!({"error": e}),
        None => json!({"pending": true}),
    }
}

/// How many of each growing list a cell page carries.
pub const CELL_PAGE_NEWEST: usize = 50;

/// [`cell_page`], written once per snapshot and cell (see [`Snapshot::cell_pages`]).
fn cached_cell_page(s: &Snapshot, id: &str) -> Option<Bytes> {
    let cell = s
        .find("cells", id)
        .map(|c| c.id.clone())
        .or_else(|| s.resolve_cell(id).ok())?;
    let cached = s
        .cell_pages
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(&cell)
        .cloned();
    if let Some(page) = cached {
        return Some(page);
    }
    // Written outside the lock: two first requests may both write it, and get the same page.
    let page = Bytes::from(cell_page(s, &cell)?);
    s.cell_pages
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(cell, page.clone());
    Some(page)
}

/// The page of cell `id` (an id or a name) as JSON, `None` when there is no such cell. Written
/// from the records' serialized forms: a page of a busy cell is hundreds of records.
pub fn cell_page(s: &Snapshot, id: &str) -> Option<String> {
    let cell = s
        .find("cells", id)
        .or_else(|| s.resolve_cell(id).ok().and_then(|id| s.find("cells", &id)))?;
    let cid = &cell.id;
    let of = |name: &str| json_array(s.of_cell(name, cid));
    // What grows with the cell's history: the newest CELL_PAGE_NEWEST, in chain order (the list
    // routes with `cell=` page through the rest); `totals` counts them all.
    let newest = |name: &str| {
        let mut v: Vec<&Record> = s.of_cell(name, cid).rev().take(CELL_PAGE_NEWEST).collect();
        v.reverse();
        json_array(v)
    };
    let growing = ["decisions", "proposals", "tasks", "spends", "allocations"];
    let totals: BTreeMap<&str, usize> = growing
        .iter()
        .map(|n| (*n, s.count_of_cell(n, cid)))
        .collect();
    // A child lists its parent among its cells.
    let children = json_array(
        s.of_cell("cells", cid)
            .filter(|c| c.doc["parent"].as_str() == Some(cid)),
    );
    Some(format!(
        r#"{{"cell":{},"children":{children},"roles":{},"state_docs":{},"decisions":{},"budgets":{},"proposals":{},"tasks":{},"spends":{},"allocations":{},"partnerships":{},"totals":{}}}"#,
        cell.json,
        of("roles"),
        of("state-docs"),
        newest("decisions"),
        of("budgets"),
        newest("proposals"),
        newest("tasks"),
        newest("spends"),
        newest("allocations"),
        of("partnerships"),
        serde_json::to_string(&totals).unwrap_or_default(),
    ))
}

fn metrics(s: &Snapshot, params: &BTreeMap<String, String>) -> Result<Value, BadParam> {
    only(params, &["cell", "from_block", "to_block", "buckets"])?;
    let (from_block, to_block) = (number(params, "from_block")?, number(params, "to_block")?);
    let buckets = number(params, "buckets")?.unwrap_or(1);
    let key = format!(
        "{:?}/{from_block:?}/{to_block:?}/{buckets}",
        params.get("cell")
    );
    // Held while computing, so that concurrent first requests compute a report once.
    let mut cache = s
        .metrics_cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(v) = cache.get(&key) {
        return Ok(v.clone());
    }
    let report = crate::metrics::report(
        s,
        params.get("cell").map(String::as_str),
        from_block,
        to_block,
        buckets,
    )?;
    let v = serde_json::to_value(report).map_err(|e| BadParam::new("cell", e.to_string()))?;
    cache.insert(key, v.clone());
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_page_is_written_once_per_snapshot_and_cell() {
        let mut s = Snapshot::default();
        s.insert_record(
            "cells",
            Record::new(
                "7".into(),
                vec!["7".into()],
                1,
                json!({"id": "7", "name": "events", "parent": "0"}),
            ),
        );
        let by_id = cached_cell_page(&s, "7").expect("a page");
        let page: Value = serde_json::from_slice(&by_id).expect("JSON");
        assert_eq!(page["cell"]["name"], "events");
        assert_eq!(page["totals"]["proposals"], 0);
        // By hex id and by name: the same cell, the same page, one entry.
        assert_eq!(cached_cell_page(&s, "0x7"), Some(by_id.clone()));
        assert_eq!(cached_cell_page(&s, "events"), Some(by_id));
        assert_eq!(s.cell_pages.lock().expect("lock").len(), 1);
        assert!(cached_cell_page(&s, "8").is_none());
    }

    #[test]
    fn a_metrics_report_is_computed_once_per_snapshot_and_query() {
        let s = Snapshot::default();
        let q = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let first = metrics(&s, &q(&[("buckets", "3")])).expect("report");
        let again = metrics(&s, &q(&[("buckets", "3")])).expect("report");
        assert_eq!(first, again);
        metrics(&s, &q(&[])).expect("report");
        assert_eq!(
            s.metrics_cache.lock().expect("lock").len(),
            2,
            "one entry per query"
        );
        // A refused query is not cached.
        assert!(metrics(&s, &q(&[("buckets", "0")])).is_err());
        assert_eq!(s.metrics_cache.lock().expect("lock").len(), 2);
    }
}
