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
    /// Simulate the whole deployment on an anvil fork of the chain and print the plan with each
    /// step's gas; send nothing. Exits non-zero when any step would fail.
    #[arg(long)]
    dry_run: bool,
    /// The account a dry run simulates as, when no key is given (it must be the one that will
    /// send the real deployment: authority and nonces depend on it).
    #[arg(long, requires = "dry_run", value_name = "ADDRESS")]
    from: Option<alloy::primitives::Address>,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    if args.design.is_none() && !args.core_only {
        return Err(eyre!("give a design file, or --core-only"));
    }
    if global.via.via_safe || global.via.via_proposal.is_some() {
        return Err(eyre!(
            "deploy sends from the deployer's key, not through an authority: drop --via-safe / --via-proposal"
        ));
    }
    let ctx = Ctx::connect(global).await?;
    let from = match (ctx.from(), args.from) {
        (Ok(key), Some(given)) if key != given => {
            return Err(eyre!(
                "--from {given} is not the key's account {key}: a dry run simulates as the sender"
            ));
        }
        (Ok(key), _) => key,
        (Err(_), Some(given)) => given,
        (Err(e), None) if args.dry_run => {
            return Err(eyre!(
                "{e}; a dry run simulates as the account that will deploy (its authority and nonce \
                 matter): give that key (it signs nothing) or --from ADDRESS"
            ));
        }
        (Err(e), None) => return Err(e),
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
        // The plan is what a fork of the chain did with it: a step that fails there fails here.
        let plan = simulate_on_fork(&ctx, from, &opts, global)
            .await
            .map_err(|e| eyre!("dry run: the deployment would not complete: {e}"))?;
        if ctx.json {
            println!("{}", serde_json::to_string_pretty(&plan)?);
        } else {
            print!("{plan}");
        }
        return Ok(());
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
) -> Result<Plan> {
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
    let mut plan = Plan {
        fork_of: url,
        block,
        sender: from.to_checksum(None),
        steps: Vec::new(),
        total_gas: 0,
        up_to_date: false,
    };
    let mut descriptions = std::collections::BTreeMap::new();
    let report = dao_deploy::deploy(&fork, from, &sim, |e| match e {
        Event::CorePresent { name, address } => plan.steps.push(PlanStep {
            id: format!("core.{name}"),
            description: format!("{name} present at {address}"),
            gas: 0,
        }),
        Event::CoreDeployed { name, address, gas } => plan.steps.push(PlanStep {
            id: format!("core.{name}"),
            description: format!("deploy {name} at {address}"),
            gas,
        }),
        Event::StepSent {
            id, description, ..
        } => {
            descriptions.insert(id, description);
        }
        Event::StepDone { id, gas } => {
            let description = descriptions.get(&id).cloned().unwrap_or_default();
            plan.steps.push(PlanStep {
                id,
                description,
                gas,
            });
        }
        _ => {}
    })
    .await
    .map_err(|e| eyre!("{e}"))?;
    drop(fork);
    drop(anvil);
    plan.total_gas = plan.steps.iter().map(|s| s.gas).sum();
    plan.up_to_date = report.outcome == Outcome::UpToDate;
    Ok(plan)
}

/// A dry run's result: every step the fork ran, with its gas.
#[derive(Debug, serde::Serialize)]
struct Plan {
    /// The RPC URL the fork was taken from.
    fork_of: String,
    /// The fork's block.
    block: u64,
    /// The account the deployment was simulated as (checksummed, like every address daoctl prints).
    sender: String,
    steps: Vec<PlanStep>,
    total_gas: u64,
    up_to_date: bool,
}

#[derive(Debug, serde::Serialize)]
struct PlanStep {
    id: String,
    description: String,
    /// Gas the step used on the fork (0 for a core contract already present).
    gas: u64,
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "plan, simulated as {} on a fork of {} at block {} (nothing is sent to the chain):",
            self.sender, self.fork_of, self.block
        )?;
        let sent: Vec<&PlanStep> = self.steps.iter().filter(|s| s.gas > 0).collect();
        for step in self.steps.iter().filter(|s| s.gas == 0) {
            writeln!(f, "  {}", step.description)?;
        }
        for step in &sent {
            writeln!(
                f,
                "  {:<34} {:<78} gas {:>9}",
                step.id, step.description, step.gas
            )?;
        }
        if self.up_to_date {
            writeln!(f, "up to date: nothing to send")
        } else {
            writeln!(
                f,
                "plan: {} transaction(s), {} gas in all",
                sent.len(),
                self.total_gas
            )
        }
    }
}
