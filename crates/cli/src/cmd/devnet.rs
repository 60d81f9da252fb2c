//! `daoctl devnet`: anvil with the core contracts deployed.
use crate::ctx::Global;
use alloy::node_bindings::Anvil;
use dao_deploy::{Options, dev};
use eyre::{Result, WrapErr, eyre};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  daoctl devnet                                  # port 8545, core deployed, Ctrl-C to stop
  daoctl devnet --port 9545 --design examples/riverside.toml")]
pub(crate) struct Args {
    #[arg(long, default_value_t = 8545)]
    port: u16,
    /// The anvil binary (default: node_modules/.bin/anvil when present, else anvil on PATH).
    #[arg(long, env = "DAOCTL_ANVIL")]
    anvil: Option<PathBuf>,
    /// Also deploy this design.
    #[arg(long)]
    design: Option<PathBuf>,
}

pub(crate) async fn run(args: Args, global: &Global) -> Result<()> {
    let bin = anvil_binary(args.anvil.clone());
    let anvil = Anvil::new()
        .path(&bin)
        .port(args.port)
        .try_spawn()
        .wrap_err_with(|| format!("starting {}", bin.display()))?;
    let endpoint = anvil.endpoint();
    let signer = dev::signer(0).ok_or_else(|| eyre!("dev key"))?;
    let provider = dao_deploy::connect(&endpoint, signer.clone()).map_err(|e| eyre!("{e}"))?;
    let opts = Options {
        design: args.design.clone(),
        out_dir: global.deployments.clone(),
        dry_run: false,
        stop_after: None,
    };
    let report = dao_deploy::deploy(&provider, signer.address(), &opts, |_| {})
        .await
        .map_err(|e| eyre!("{e}"))?;
    println!("endpoint   {endpoint}");
    println!("chain id   {}", report.chain_id);
    for (name, c) in &report.core {
        println!("{name:<28} {}", c.address);
    }
    println!("dev accounts (use --dev-account N):");
    for (i, key) in dev::ANVIL_KEYS.iter().enumerate() {
        println!("  {i}  {}  {key}", dev::address(i).unwrap_or_default());
    }
    eprintln!("anvil runs until Ctrl-C");
    tokio::signal::ctrl_c().await?;
    drop(anvil);
    Ok(())
}

/// The anvil to run: the given one, else the project's node_modules/.bin/anvil, else PATH's.
pub(crate) fn anvil_binary(given: Option<PathBuf>) -> PathBuf {
    given
        .or_else(|| std::env::var_os("DAOCTL_ANVIL").map(PathBuf::from))
        .unwrap_or_else(|| {
            let local = PathBuf::from("node_modules/.bin/anvil");
            if local.exists() {
                local
            } else {
                PathBuf::from("anvil")
            }
        })
}
