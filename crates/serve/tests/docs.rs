//! docs/api.md documents exactly the router's routes: one `### GET <route>` heading per route.
use std::collections::BTreeSet;

#[test]
fn api_doc_lists_exactly_the_routes() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/api.md"))
        .expect("docs/api.md");
    let documented: BTreeSet<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("### GET "))
        .map(str::trim)
        .collect();
    let routes: BTreeSet<&str> = dao_serve::api::ROUTES.iter().map(|(r, _)| *r).collect();
    let missing: Vec<_> = routes.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routes).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/api.md: undocumented routes {missing:?}; documented but not routed {extra:?}"
    );
}
