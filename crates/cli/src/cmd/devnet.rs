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
    /// The anvil binary (default: node_modules/@foundry-rs/anvil-<os>-<arch>/bin/anvil when present,
    /// else anvil on PATH).
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

/// The anvil to run: the given one (`--anvil` / `DAOCTL_ANVIL`), else the pinned platform binary
/// that `make deps` installs under ./node_modules/@foundry-rs/anvil-<os>-<arch>, else `anvil` on
/// PATH. Never the npm wrapper in node_modules/.bin: it spawns anvil as a child that outlives it
/// when it is stopped, and hides anvil's exit status.
pub(crate) fn anvil_binary(given: Option<PathBuf>) -> PathBuf {
    given
        .or_else(|| std::env::var_os("DAOCTL_ANVIL").map(PathBuf::from))
        .or_else(|| {
            let local = PathBuf::from("node_modules")
                .join(format!("@foundry-rs/anvil-{}", npm_platform()))
                .join("bin")
                .join(if cfg!(windows) { "anvil.exe" } else { "anvil" });
            local.exists().then_some(local)
        })
        .unwrap_or_else(|| PathBuf::from("anvil"))
}

/// The platform suffix of Foundry's npm binary packages (`linux-amd64`, `darwin-arm64`, ...).
fn npm_platform() -> String {
    let os = match std::env::consts::OS {
        "windows" => "win32",
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}
