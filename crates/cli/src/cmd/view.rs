//! The `daoctl state` view shared by its live and indexed sources: the budget of a cell from the
//! shared ledger, who runs a cell, the Safe's balance, and the text rendering of the tree.
use crate::ctx::Ctx;
use alloy::primitives::{Address, U256};
use dao_deploy::amount::TokenMeta;
use dao_indexer::Ledger;
use eyre::Result;
use serde_json::json;

/// A cell's budget as `daoctl state` prints it, from the one ledger (`Ledger`): the same fields
/// as `Treasury.getBudget` in its current period; zeros and inactive without a budget.
pub(crate) fn budget_json(ledger: Option<&Ledger>, frozen: bool) -> serde_json::Value {
    let Some(l) = ledger.filter(|l| l.terms.is_some()) else {
        return json!({
            "amount": "0", "period": "0", "active": false, "funded": false, "received": "0", "spent": "0",
            "sub_allocated": "0", "reserved": "0", "available": "0", "cap": "0", "frozen": frozen,
        });
    };
    let terms = l.terms.unwrap_or_default();
    let p = l.current_period;
    let u = l.usage_in(p);
    json!({
        "amount": terms.amount.to_string(), "period": terms.period.to_string(), "active": true, "funded": terms.funded,
        "received": u.received.to_string(), "spent": u.spent.to_string(), "sub_allocated": u.sub_allocated.to_string(),
        "reserved": l.reserved.to_string(), "available": l.available(p).to_string(), "cap": l.cap(p).to_string(),
        "frozen": frozen,
    })
}

/// Who runs a cell, from its admins, its executor and the DAO's Safe.
pub(crate) fn run_by(admins: &[Address], executor: Option<Address>, safe: Address) -> String {
    if executor.is_some_and(|e| !e.is_zero() && admins.contains(&e)) {
        "vote-run (its executor wears the admin role)".to_owned()
    } else if admins.contains(&safe) && !safe.is_zero() {
        format!("community governance (Safe {safe})")
    } else {
        format!(
            "run by {}",
            admins
                .iter()
                .map(Address::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The Safe's balance of `token` (a live read: balances are not events) and the token as JSON
/// (`address`, `symbol`, `decimals`: how the state's amounts print). Shared by the live and the
/// indexed state.
pub(crate) async fn safe_balance(
    ctx: &Ctx,
    token: Address,
    safe: Address,
) -> Result<(U256, serde_json::Value)> {
    let meta = ctx.token(token).await?;
    let balance = if safe.is_zero() {
        U256::ZERO
    } else {
        dao_deploy::amount::balance_of(&ctx.provider, token, safe)
            .await
            .map_err(|e| eyre::eyre!("{e}"))?
    };
    let json = serde_json::json!({
        "address": meta.address.to_checksum(None), "symbol": meta.symbol, "decimals": meta.decimals,
    });
    Ok((balance, json))
}

/// Base units of the state's token (`v["token"]`), with its decimals and symbol.
fn amount(state: &serde_json::Value, v: &serde_json::Value) -> String {
    let t = &state["token"];
    let meta = TokenMeta {
        address: t["address"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .unwrap_or_default(),
        symbol: t["symbol"].as_str().unwrap_or("ETH").to_owned(),
        decimals: t["decimals"]
            .as_u64()
            .and_then(|d| u8::try_from(d).ok())
            .unwrap_or(18),
    };
    v.as_str()
        .and_then(|s| s.parse::<U256>().ok())
        .map(|units| meta.format(units))
        .unwrap_or_default()
}

fn short(a: &str) -> String {
    if a.len() > 12 {
        format!("{}…{}", &a[..6], &a[a.len() - 4..])
    } else {
        a.to_owned()
    }
}

pub(crate) fn render(v: &serde_json::Value) -> String {
    let mut s = format!(
        "DAO {}  Safe {}  balance {}\n",
        v["dao"].as_str().unwrap_or(""),
        v["safe"].as_str().unwrap_or(""),
        amount(v, &v["safe_balance"])
    );
    for c in v["cells"].as_array().into_iter().flatten() {
        let pad = "   ".repeat(c["depth"].as_u64().unwrap_or(0) as usize);
        s += &format!(
            "{pad}■ {} [{}] {}  phase {}  scale {}\n",
            c["name"].as_str().unwrap_or(""),
            c["key"].as_str().unwrap_or(""),
            c["id"].as_str().unwrap_or(""),
            c["phase"].as_str().unwrap_or(""),
            c["scale"].as_str().unwrap_or("")
        );
        s += &format!("{pad}  {}\n", c["run_by"].as_str().unwrap_or(""));
        for r in c["roles"].as_array().into_iter().flatten().skip(1) {
            let w: Vec<String> = r["wearers"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str())
                .map(short)
                .collect();
            s += &format!(
                "{pad}  role {:<7} {:<22} {}\n",
                r["role"].as_str().unwrap_or(""),
                r["name"].as_str().unwrap_or(""),
                if w.is_empty() {
                    "-".to_owned()
                } else {
                    w.join(" ")
                }
            );
        }
        let b = &c["budget"];
        if b["active"].as_bool() == Some(true) || b["amount"].as_str() != Some("0") {
            s += &format!(
                "{pad}  budget ceiling {}  received {}  spent {}  handed down {}  reserved {}  available {}{}\n",
                amount(v, &b["amount"]),
                amount(v, &b["received"]),
                amount(v, &b["spent"]),
                amount(v, &b["sub_allocated"]),
                amount(v, &b["reserved"]),
                amount(v, &b["available"]),
                if b["frozen"].as_bool() == Some(true) {
                    "  FROZEN"
                } else {
                    ""
                }
            );
        }
        for d in c["state"].as_array().into_iter().flatten() {
            s += &format!(
                "{pad}  state {} v{}: {}\n",
                d["key"].as_str().unwrap_or(""),
                d["version"],
                d["uri"].as_str().unwrap_or("")
            );
        }
        for d in c["decisions"].as_array().into_iter().flatten() {
            s += &format!(
                "{pad}  decision #{}: {}\n",
                d["index"],
                d["uri"].as_str().unwrap_or("")
            );
        }
    }
    s
}
