//! `daoctl design check`: validates a design file offline, with the rules the contracts enforce.
use crate::ctx::Global;
use dao_deploy::Design;
use eyre::{Result, eyre};
use serde::Serialize;
use std::{fmt, path::PathBuf};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Cmd {
    /// Validate a design file without a chain: syntax, field types, the tree, and the rules the
    /// contracts enforce (governor settings, budget periods and amounts, allocations). Exits
    /// non-zero naming the first offending field.
    #[command(after_help = "Examples:
  daoctl design check examples/riverside.toml
  daoctl design check my-dao.toml --json

The fields and their rules: docs/design-file.md")]
    Check {
        /// The design file (TOML).
        file: PathBuf,
    },
}

/// What a valid design holds.
#[derive(Debug, Serialize)]
struct Summary {
    file: String,
    dao: String,
    /// keccak256 of the file's bytes, as deployment records keep it.
    design_hash: String,
    cells: usize,
    vote_run_cells: usize,
    roles: usize,
    wearers: usize,
    budgets: usize,
    streams: usize,
    state_documents: usize,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ok: {} (DAO {}): {} cells ({} vote-run), {} roles with {} wearers, {} budgets, {} state documents",
            self.file,
            self.dao,
            self.cells,
            self.vote_run_cells,
            self.roles,
            self.wearers,
            self.budgets,
            self.state_documents
        )?;
        // Said only when there are some: the line stays what it was for designs without streams.
        if self.streams > 0 {
            write!(f, ", {} stream(s)", self.streams)?;
        }
        Ok(())
    }
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let Cmd::Check { file } = cmd;
    let (design, hash) = Design::load(&file).map_err(|e| eyre!("{}: {e}", file.display()))?;
    let summary = summarize(&file, &design, hash.to_string());
    if global.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("{summary}");
    }
    Ok(())
}

fn summarize(file: &std::path::Path, d: &Design, design_hash: String) -> Summary {
    // Every cell has an admin and a member role besides the ones it names (`member` configures the
    // member role itself).
    let named = |roles: &std::collections::BTreeMap<String, dao_deploy::design::RoleSpec>| {
        roles.keys().filter(|k| k.as_str() != "member").count()
    };
    let role_wearers = |roles: &std::collections::BTreeMap<
        String,
        dao_deploy::design::RoleSpec,
    >| { roles.values().map(|r| r.wearers.len()).sum::<usize>() };
    Summary {
        file: file.display().to_string(),
        dao: d.dao.name.clone(),
        design_hash,
        cells: d.cells.len(),
        vote_run_cells: d.cells.iter().filter(|c| c.governor.is_some()).count(),
        roles: 2 + named(&d.dao.roles) + d.cells.iter().map(|c| 2 + named(&c.roles)).sum::<usize>(),
        wearers: d.dao.members.len()
            + role_wearers(&d.dao.roles)
            + d.cells
                .iter()
                .map(|c| c.members.len() + role_wearers(&c.roles))
                .sum::<usize>(),
        budgets: d.dao.budgets.len() + d.cells.iter().map(|c| c.budgets.len()).sum::<usize>(),
        streams: d.dao.streams.len() + d.cells.iter().map(|c| c.streams.len()).sum::<usize>(),
        state_documents: d.dao.state.len() + d.cells.iter().map(|c| c.state.len()).sum::<usize>(),
    }
}
