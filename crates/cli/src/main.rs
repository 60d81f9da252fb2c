//! daoctl: deploy and operate dao-primitives DAOs from the command line.
//!
//! Data goes to stdout (tables and trees, or JSON with --json); progress and logs to stderr.
mod authority;
mod cmd;
mod ctx;
mod view;
mod write;

use clap::Parser;
use eyre::Result;

#[derive(Debug, Parser)]
#[command(
    name = "daoctl",
    version,
    about = "Deploy and operate dao-primitives DAOs: cells, roles, proposals, treasury, tasks",
    after_help = "Examples:
  daoctl devnet                                   # anvil with the core contracts, prints accounts
  daoctl deploy examples/riverside.toml --dry-run # the plan and its gas
  daoctl deploy examples/riverside.toml --dev-account 0
  daoctl state                                    # the tree (from the index; --live: the chain)
  daoctl role claim events.contributor --dev-account 6
  daoctl proposal create --cell community --set-budget events=2ether --description 'Fund events'
  daoctl proposal vote 0x1234.. for --dev-account 3
  daoctl treasury freeze operations --via-safe --account alice   # a Safe transaction to sign

Keys: --account NAME (a Foundry keystore in ~/.foundry/keystores), --keystore FILE (password
prompted or --password-file), a private key in $DAOCTL_PRIVATE_KEY (or the variable named by
--private-key-env), --private-key KEY (unsafe: visible to other processes), or --dev-account N on a
dev chain.
Through the DAO's Safe: any write with --via-safe becomes a Safe transaction (see `daoctl safe`).
RPC: --rpc-url, else $DAOCTL_RPC_URL, else $ETH_RPC_URL, else http://127.0.0.1:8545."
)]
struct Cli {
    #[command(flatten)]
    global: ctx::Global,
    #[command(subcommand)]
    command: cmd::Command,
}

fn main() -> std::process::ExitCode {
    exit_quietly_on_closed_stdout();
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // A write turned into a Safe transaction for the owners: done, nothing more to show.
        Err(e) if e.downcast_ref::<cmd::safe::Queued>().is_some() => {
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            // One readable line (plus causes); no backtrace for errors users cause.
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

/// `daoctl state | head` closes stdout early: the next `println!` panics with "Broken pipe". As
/// for any Unix filter, that is the reader saying it has enough, so exit like one (quietly, with
/// the status a SIGPIPE would give) instead of printing a panic.
fn exit_quietly_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

fn run() -> Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DAOCTL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .without_time()
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(cmd::run(cli.command, &cli.global))
}
