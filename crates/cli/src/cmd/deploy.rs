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
    if args.dry_run {
        match simulate_on_fork(&ctx, from, &opts, global).await {
            Ok(()) => return Ok(()),
            Err(e) => {
                eprintln!("  (no fork simulation: {e}; estimating what can be estimated now)")
            }
        }
    }
    let mut sent_descriptions: std::collections::BTreeMap<String, String> = Default::default();
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
            id,
            description,
            tx,
        } => {
            tracing::debug!(%tx, "{id}: sent");
            sent_descriptions.insert(id, description);
        }
        Event::StepDone { id, gas } => eprintln!(
            "✓ {id:<34} {} (gas {gas})",
            sent_descriptions
                .get(&id)
                .map(String::as_str)
                .unwrap_or_default()
        ),
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

/// The dry run proper: the whole deployment on an anvil fork of the target chain (senders
/// impersonated, nothing signed), reporting the gas every step used there. The record so far is
/// copied in, so the simulation resumes where the real deployment would.
async fn simulate_on_fork(
    ctx: &Ctx,
    from: alloy::primitives::Address,
    opts: &Options,
    global: &Global,
) -> Result<()> {
    use alloy::providers::Provider;
    let bin = super::devnet::anvil_binary(None);
    let url = crate::ctx::rpc_url(global);
    let anvil = alloy::node_bindings::Anvil::new()
        .path(&bin)
        .fork(url.clone())
        .arg("--auto-impersonate")
        .try_spawn()
        .map_err(|e| eyre!("starting {} --fork-url: {e}", bin.display()))?;
    // The fork forwards to the real provider, whose transient failures come back through it.
    let fork = dao_rpc::connect(&anvil.endpoint()).map_err(|e| eyre!("{e}"))?;
    let block = fork.get_block_number().await?;
    let scratch = tempfile::tempdir()?;
    if let Some(design) = &opts.design {
        let (d, _) = dao_deploy::Design::load(design).map_err(|e| eyre!("{e}"))?;
        let real = dao_deploy::Record::path(&opts.out_dir, ctx.chain_id, &d.dao.name);
        if real.exists() {
            let copy = dao_deploy::Record::path(scratch.path(), ctx.chain_id, &d.dao.name);
            std::fs::create_dir_all(copy.parent().expect("has a parent"))?;
            std::fs::copy(&real, &copy)?;
        }
    }
    let sim = Options {
        out_dir: scratch.path().to_path_buf(),
        dry_run: false,
        stop_after: None,
        ..opts.clone()
    };
    println!("plan, simulated on a fork of {url} at block {block} (nothing is sent to the chain):");
    let mut total = 0u64;
    let mut steps = 0usize;
    let mut descriptions = std::collections::BTreeMap::new();
    let report = dao_deploy::deploy(&fork, from, &sim, |e| match e {
        Event::CorePresent { name, address } => println!("  core {name:<28} present at {address}"),
        Event::CoreDeployed { name, address, gas } => {
            total += gas;
            steps += 1;
            println!("  deploy {name:<26} at {address}  gas {gas:>9}");
        }
        Event::StepSent {
            id, description, ..
        } => {
            descriptions.insert(id, description);
        }
        Event::StepDone { id, gas } => {
            total += gas;
            steps += 1;
            let d = descriptions.get(&id).cloned().unwrap_or_default();
            println!("  {id:<34} {d:<78} gas {gas:>9}");
        }
        _ => {}
    })
    .await
    .map_err(|e| eyre!("{e}"))?;
    drop(fork);
    drop(anvil);
    match report.outcome {
        Outcome::UpToDate => println!("up to date: nothing to send"),
        _ => println!("plan: {steps} transaction(s), {total} gas in all"),
    }
    Ok(())
}
