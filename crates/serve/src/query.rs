//! Query parameters of the list routes: pagination (`limit`, `offset` or `cursor`), filters
//! (`cell`, `from_block`, `to_block`, `status`) and the metrics' window. A bad value is a
//! [`BadParam`] naming the parameter, which the router turns into a 400.

use std::collections::BTreeMap;

/// The largest page a client may ask for.
pub const MAX_LIMIT: usize = 500;
/// The page size when `limit` is absent.
pub const DEFAULT_LIMIT: usize = 50;

/// A query parameter the client got wrong: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad parameter `{param}`: {problem}")]
pub struct BadParam {
    pub param: String,
    pub problem: String,
}

impl BadParam {
    pub fn new(param: &str, problem: impl Into<String>) -> Self {
        Self {
            param: param.to_owned(),
            problem: problem.into(),
        }
    }
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Skip this many items.
    Offset(usize),
    /// Items strictly after this (block, id) key: stable while new items are appended.
    After(u64, String),
}

/// The parsed query string of a list route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub limit: usize,
    pub start: Start,
    /// A cell id (0x-hex word or decimal) or a cell name, resolved by the snapshot.
    pub cell: Option<String>,
    pub from_block: Option<u64>,
    pub to_block: Option<u64>,
    pub status: Option<String>,
    /// Newest first (`order=desc`) instead of oldest first.
    pub newest_first: bool,
}

/// The raw `key=value` pairs of a query string (the last value wins).
pub fn pairs(query: Option<&str>) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn number(params: &BTreeMap<String, String>, key: &str) -> Result<Option<u64>, BadParam> {
    params
        .get(key)
        .map(|v| {
            v.parse::<u64>()
                .map_err(|_| BadParam::new(key, format!("expected a whole number, got {v:?}")))
        })
        .transpose()
}

/// Parses the parameters every list route accepts; unknown parameters are refused so that a typo
/// (`?cel=...`) is not silently ignored.
pub fn list_query(
    params: &BTreeMap<String, String>,
    extra: &[&str],
) -> Result<ListQuery, BadParam> {
    const KNOWN: [&str; 8] = [
        "limit",
        "order",
        "offset",
        "cursor",
        "cell",
        "from_block",
        "to_block",
        "status",
    ];
    if let Some(k) = params
        .keys()
        .find(|k| !KNOWN.contains(&k.as_str()) && !extra.contains(&k.as_str()))
    {
        return Err(BadParam::new(
            k,
            format!(
                "unknown parameter; this route takes {}",
                KNOWN
                    .iter()
                    .chain(extra)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let limit = match number(params, "limit")? {
        None => DEFAULT_LIMIT,
        Some(0) => return Err(BadParam::new("limit", "must be at least 1")),
        Some(n) if n as usize > MAX_LIMIT => {
            return Err(BadParam::new(
                "limit",
                format!("at most {MAX_LIMIT}, got {n}"),
            ));
        }
        Some(n) => n as usize,
    };
    let start = match (params.get("cursor"), number(params, "offset")?) {
        (Some(_), Some(_)) => {
            return Err(BadParam::new(
                "cursor",
                "give either `cursor` or `offset`, not both",
            ));
        }
        (Some(c), None) => parse_cursor(c)?,
        (None, o) => Start::Offset(o.unwrap_or(0) as usize),
    };
    let (from_block, to_block) = (number(params, "from_block")?, number(params, "to_block")?);
    if let (Some(f), Some(t)) = (from_block, to_block)
        && f > t
    {
        return Err(BadParam::new(
            "to_block",
            format!("{t} is before from_block {f}"),
        ));
    }
    let cell = params.get("cell").cloned();
    if cell.as_deref() == Some("") {
        return Err(BadParam::new("cell", "empty; give a cell id or name"));
    }
    let newest_first = match params.get("order").map(String::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(o) => {
            return Err(BadParam::new(
                "order",
                format!("expected asc or desc, got {o:?}"),
            ));
        }
    };
    Ok(ListQuery {
        newest_first,
        limit,
        start,
        cell,
        from_block,
        to_block,
        status: params.get("status").cloned(),
    })
}

/// A cursor is `<block>:<id>`, the key of the last item of the previous page (`next_cursor`).
pub fn parse_cursor(c: &str) -> Result<Start, BadParam> {
    let bad = || {
        BadParam::new(
            "cursor",
            format!("expected <block>:<id> as returned in next_cursor, got {c:?}"),
        )
    };
    let (block, id) = c.split_once(':').ok_or_else(bad)?;
    Ok(Start::After(
        block.parse().map_err(|_| bad())?,
        id.to_owned(),
    ))
}

/// The cursor after an item with this key.
pub fn cursor_of(block: u64, id: &str) -> String {
    format!("{block}:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Result<ListQuery, BadParam> {
        list_query(&pairs(Some(s)), &[])
    }

    #[test]
    fn defaults() {
        let l = q("").expect("ok");
        assert_eq!(l.limit, DEFAULT_LIMIT);
        assert_eq!(l.start, Start::Offset(0));
        assert_eq!(l.cell, None);
    }

    #[test]
    fn parses_every_parameter() {
        let l =
            q("limit=3&offset=6&cell=events&from_block=2&to_block=9&status=Executed").expect("ok");
        assert_eq!(l.limit, 3);
        assert_eq!(l.start, Start::Offset(6));
        assert_eq!(l.cell.as_deref(), Some("events"));
        assert_eq!((l.from_block, l.to_block), (Some(2), Some(9)));
        assert_eq!(l.status.as_deref(), Some("Executed"));
        let l = q("cursor=12:0xab%2F1").expect("ok");
        assert_eq!(l.start, Start::After(12, "0xab/1".into()));
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (s, param) in [
            ("limit=x", "limit"),
            ("limit=0", "limit"),
            ("limit=501", "limit"),
            ("offset=-1", "offset"),
            ("cursor=nope", "cursor"),
            ("cursor=x:1", "cursor"),
            ("cursor=1:a&offset=2", "cursor"),
            ("from_block=1.5", "from_block"),
            ("from_block=9&to_block=2", "to_block"),
            ("cell=", "cell"),
            ("cel=events", "cel"),
            ("order=new", "order"),
        ] {
            assert_eq!(q(s).expect_err(s).param, param, "{s}");
        }
        assert_eq!(q("limit=500").expect("max").limit, 500);
    }
}
