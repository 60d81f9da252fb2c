//! One module per command family. To add a family: a module here, a variant in `Command`, and an
//! arm in `run`.
use crate::ctx::Global;
use clap::Subcommand;
use eyre::Result;

pub(crate) mod audit;
pub(crate) mod cell;
pub(crate) mod db;
pub(crate) mod deploy;
pub(crate) mod design;
pub(crate) mod devnet;
pub(crate) mod index;
pub(crate) mod plan;
pub(crate) mod proposal;
pub(crate) mod role;
pub(crate) mod safe;
pub(crate) mod serve;
pub(crate) mod state;
pub(crate) mod stream;
pub(crate) mod task;
pub(crate) mod treasury;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start anvil with the core contracts deployed; print its endpoint and dev accounts.
    Devnet(devnet::Args),
    /// Deploy the core contracts (where absent) and a DAO from a design file.
    Deploy(deploy::Args),
    /// Compare a design file with the live DAO: the changes (+ ~ -) and the authority each needs.
    Plan(plan::PlanArgs),
    /// Carry out a design file's changes, each through its authority (key, Safe batch, proposal).
    Apply(plan::ApplyArgs),
    /// Design files: check one offline against the rules the contracts enforce.
    #[command(subcommand)]
    Design(design::Cmd),
    /// Cells: list, show, create, phase, state documents, decisions, partnerships.
    #[command(subcommand)]
    Cell(cell::Cmd),
    /// Roles: list, show, claim, mint, revoke, renounce, transfer.
    #[command(subcommand)]
    Role(role::Cmd),
    /// Proposals of vote-run cells: create, list, show, vote (online or signed), execute, veto, cancel.
    #[command(subcommand)]
    Proposal(proposal::Cmd),
    /// Budgets: status, set, allocate, spend, claw back, freeze.
    #[command(subcommand)]
    Treasury(treasury::Cmd),
    /// The DAO's Safe: show, sign, exec and export the transactions written by --via-safe.
    #[command(subcommand)]
    Safe(safe::Cmd),
    /// Tasks: create, list, claim, submit, approve, reject, cancel.
    #[command(subcommand)]
    Task(task::Cmd),
    /// Role payment streams: open, list, show, claim, close.
    #[command(subcommand)]
    Stream(stream::Cmd),
    /// The network tree: cells, phases, roles and wearers, budgets, decisions (from the index; --live from the chain).
    State(state::Args),
    /// Index the deployment's events into SQLite (resumable, reorg-safe); --follow keeps polling.
    Index(index::Args),
    /// Replay every budget, spend, sub-allocation, clawback and bounty and check them; non-zero exit on discrepancy.
    Audit(audit::Args),
    /// Serve the HTTP API and the web dashboard over the index, kept at the head (read-only).
    Serve(serve::ServeArgs),
    /// The governance metrics from the index: decisions by level, participation, execution time, money, tasks, phases, turnover.
    Metrics(serve::MetricsArgs),
}

pub(crate) async fn run(command: Command, global: &Global) -> Result<()> {
    match command {
        Command::Devnet(a) => devnet::run(a, global).await,
        Command::Deploy(a) => deploy::run(a, global).await,
        Command::Plan(a) => plan::plan(a, global).await,
        Command::Apply(a) => plan::apply(a, global).await,
        Command::Design(c) => design::run(c, global).await,
        Command::Cell(c) => cell::run(c, global).await,
        Command::Role(c) => role::run(c, global).await,
        Command::Proposal(c) => proposal::run(c, global).await,
        Command::Treasury(c) => treasury::run(c, global).await,
        Command::Safe(c) => safe::run(c, global).await,
        Command::Task(c) => task::run(c, global).await,
        Command::Stream(c) => stream::run(c, global).await,
        Command::State(a) => state::run(a, global).await,
        Command::Index(a) => index::run(a, global).await,
        Command::Audit(a) => audit::run(a, global).await,
        Command::Serve(a) => serve::serve(a, global).await,
        Command::Metrics(a) => serve::metrics(a, global).await,
    }
}
