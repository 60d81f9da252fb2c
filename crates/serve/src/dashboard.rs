//! The dashboard: one HTML page, its script and its style sheet, compiled into the binary. No build
//! step and no third-party code: the tree, the money flow (a Sankey-style SVG) and the charts are
//! drawn by app.js from the JSON API.

pub const INDEX: &str = include_str!("dashboard/index.html");
pub const APP_JS: &str = include_str!("dashboard/app.js");
pub const STYLE: &str = include_str!("dashboard/style.css");
