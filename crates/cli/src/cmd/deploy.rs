//! `daoctl deploy`: core contracts and a DAO from a design file.
use crate::ctx::{Ctx, Global};
use dao_deploy::{Event, Options, Outcome};
use eyre::{Result, eyre};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  daoctl deploy examples/riverside.toml --dry-run
  daoctl deploy examples/riverside.toml --dev-account 0
  daoctl deploy --core-only --keystore ~/.foundry/keystores/deployer")]
pub(crate) struct Args {
    /// The design file (TOML). Omit with --core-only.
    design: Option<PathBuf>,
    /// Deploy only the core contracts.
    #[arg(long, conflicts_with = "design")]
    core_only: bool,
    /// Print the plan and estimated gas; send nothing.
    #[arg(long)]
    dry_run: bool,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    if args.design.is_none() && !args.core_only {
        return Err(eyre!("give a design file, or --core-only"));
    }
    let ctx = Ctx::connect(global).await?;
    let from = match ctx.from() {
        Ok(a) => a,
        Err(e) if args.dry_run => {
            tracing::debug!("no key for a dry run ({e}); estimating from dev account 0");
            dao_deploy::dev::address(0).unwrap_or_default()
        }
        Err(e) => return Err(e),
    };
    let opts = Options {
        design: args.design.clone(),
        out_dir: global.deployments.clone(),
        dry_run: args.dry_run,
        stop_after: std::env::var("DAO_DEPLOY_STOP_AFTER")
            .ok()
            .and_then(|v| v.parse().ok()),
    };
    let report = dao_deploy::deploy(&ctx.provider, from, &opts, |e| match e {
        Event::CorePresent { name, address } => {
            eprintln!("  core {name:<28} present at {address} (code checked)")
        }
        Event::CoreDeployed { name, address, gas } => {
            eprintln!("✓ core {name:<28} deployed at {address} (gas {gas})")
        }
        Event::CorePlanned { name, address, gas } => println!(
            "  deploy {name:<26} at {address}  gas {}",
            gas.map(|g| g.to_string())
                .unwrap_or_else(|| "(after the contracts above)".into())
        ),
        Event::StepSkipped { id } => tracing::debug!("{id}: done earlier"),
        Event::StepResumed { id, tx } => {
            eprintln!("✓ {id}: confirmed from the earlier run (tx {tx})")
        }
        Event::StepSent {
            description, tx, ..
        } => eprintln!("  {description} (tx {tx})"),
        Event::StepDone { id, gas } => eprintln!("✓ {id} (gas {gas})"),
        Event::StaleRecord { path } => {
            eprintln!(
                "  {} records transactions this chain does not have: starting afresh",
                path.display()
            )
        }
        Event::StepPlanned {
            id,
            description,
            gas,
        } => println!(
            "  {id:<36} {description}  gas {}",
            gas.map(|g| g.to_string())
                .unwrap_or_else(|| "(after earlier steps)".into())
        ),
    })
    .await
    .map_err(|e| eyre!("{e}"))?;
    let summary = match &report.outcome {
        Outcome::UpToDate => "up to date: nothing to send".to_owned(),
        Outcome::Deployed { transactions } => format!("deployed: {transactions} transaction(s)"),
        Outcome::Planned {
            steps,
            estimated_gas,
        } => {
            format!(
                "plan: {steps} DAO step(s); estimated gas of what can be estimated now: {estimated_gas}"
            )
        }
    };
    if ctx.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "outcome": summary,
                "chain_id": report.chain_id,
                "record": report.record_path,
                "core": report.core,
                "deployment": report.record,
            }))?
        );
    } else {
        println!("{summary}");
        if let (Some(path), Some(record)) = (&report.record_path, &report.record)
            && !args.dry_run
        {
            println!("record: {}", path.display());
            for (key, cell) in &record.cells {
                println!("  {key:<14} cell {:<8} {}", cell.path, cell.name);
            }
            if let Some(safe) = record.safe {
                println!("  safe           {safe}");
            }
        }
    }
    Ok(())
}
