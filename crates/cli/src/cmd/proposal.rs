//! `daoctl proposal ...`: proposals of vote-run cells through the CellGovernor.
use crate::{
    ctx::{Ctx, Global, decode, parse_token},
    view::{ProposalList, ProposalRow, ProposalShow, Quorum, ReadArgs, Source, Votes, indexed},
};
use alloy::{
    dyn_abi::{DynSolType, JsonAbiExt},
    json_abi::Function,
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::Provider,
    signers::Signer,
    sol_types::{Eip712Domain, SolCall, SolEvent, SolStruct},
};
use clap::Subcommand;
use dao_bindings::{CellGovernor, ICellGovernor, ICellRegistry, IRoles, ITreasury};
use dao_deploy::design::{Phase, state_key};
use dao_indexer::LogQuery;
use eyre::{Result, WrapErr, bail, eyre};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::path::PathBuf;

alloy::sol! {
    /// The governor's EIP-712 keyed ballot (`castVotesBySig`): the nonce is keyed by the proposal
    /// (`ballotNonce(proposalId, voter)`) and the reason is signed.
    struct KeyedBallot {
        uint256 proposalId;
        uint8 support;
        address voter;
        uint256 nonce;
        uint256 deadline;
        string reason;
    }
}

/// A `BallotSkipped` status by its name in `ICellGovernor.BallotStatus` (from the interface's
/// source, not a copy).
fn ballot_status(status: dao_bindings::interfaces::ICellGovernor::BallotStatus) -> String {
    format!("{status:?}")
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum Support {
    Against,
    For,
    Abstain,
}

impl Support {
    /// The governor's `uint8 support`: the interfaces' `VoteType` value.
    fn as_u8(self) -> u8 {
        use dao_bindings::interfaces::ICellGovernor::VoteType;
        (match self {
            Self::Against => VoteType::Against,
            Self::For => VoteType::For,
            Self::Abstain => VoteType::Abstain,
        }) as u8
    }
}

/// Typed actions a proposal can carry; each flag may repeat. They run in the order listed here.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ActionArgs {
    /// Token for budget actions: `eth` or an ERC-20 address. AMOUNTs are in it: `2` (whole tokens
    /// in its decimals), `2HUSD` (with its symbol), `2000000units`, `2e6units` (base units); for
    /// ETH also `2ether`, `20gwei`, `1e18wei`.
    #[arg(long, default_value = "eth")]
    token: String,
    /// Set a child cell's budget: CELL=AMOUNT[/PERIOD_DAYS] (e.g. events=2ether/30).
    #[arg(long = "set-budget", value_name = "CELL=AMOUNT")]
    set_budget: Vec<String>,
    /// Hand part of this cell's budget to a child: CELL=AMOUNT.
    #[arg(long = "allocate", value_name = "CELL=AMOUNT")]
    allocate: Vec<String>,
    /// Pay from this cell's budget: ADDRESS=AMOUNT.
    #[arg(long = "spend", value_name = "ADDRESS=AMOUNT")]
    spend: Vec<String>,
    /// Create a child cell: NAME[=ADMIN] (admin default: this cell's executor).
    #[arg(long = "create-cell", value_name = "NAME[=ADMIN]")]
    create_cell: Vec<String>,
    /// Grant a role: ROLE=ADDRESS.
    #[arg(long = "mint-role", value_name = "ROLE=ADDRESS")]
    mint_role: Vec<String>,
    /// Write a state document of this cell: KEY=URI.
    #[arg(long = "set-state", value_name = "KEY=URI")]
    set_state: Vec<String>,
    /// Move a cell's phase: CELL=PHASE.
    #[arg(long = "set-phase", value_name = "CELL=PHASE")]
    set_phase: Vec<String>,
    /// Any call: "TARGET SIGNATURE ARG..." e.g. "0xabc.. transfer(address,uint256) 0xdef.. 100".
    #[arg(long = "call", value_name = "\"TARGET SIG ARGS\"")]
    call: Vec<String>,
    /// Raw calldata: TARGET:0xDATA[:VALUE_WEI].
    #[arg(long = "raw", value_name = "TARGET:DATA")]
    raw: Vec<String>,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process
pub(crate) enum Cmd {
    /// Propose actions in a vote-run cell (members of its electorate).
    #[command(after_help = "Examples:
  daoctl proposal create --cell community --description 'Fund events' \\
      --set-budget events=2ether --allocate events=1ether --dev-account 3
  daoctl proposal create --cell community --description 'Pay the venue' --spend 0xabc..=0.5ether
  daoctl proposal create --cell community --description 'Raw' --call '0xabc.. setValue(uint256) 42'")]
    Create {
        #[arg(long)]
        cell: String,
        #[arg(long)]
        description: String,
        /// Where the full text lives (default: the description itself).
        #[arg(long)]
        uri: Option<String>,
        #[command(flatten)]
        actions: ActionArgs,
    },
    /// Proposals of a cell (or of every cell of the DAO), in chain order.
    List {
        #[arg(long)]
        cell: Option<String>,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// One proposal: actions, state, votes, timepoints.
    Show {
        id: U256,
        #[command(flatten)]
        read: ReadArgs,
    },
    /// Vote now.
    #[command(
        after_help = "Example:\n  daoctl proposal vote 0x12ab.. for --reason 'good use of funds' --dev-account 3"
    )]
    Vote {
        id: U256,
        support: Support,
        #[arg(long)]
        reason: Option<String>,
        /// Wait for voting to open (the block after the snapshot) instead of failing.
        #[arg(long)]
        wait: bool,
    },
    /// Sign a keyed ballot offline (EIP-712, domain read from the governor's `eip712Domain()`);
    /// prints it as JSON for `submit-vote` / `submit-votes`. Ballots on different proposals are
    /// independent: sign and submit them in any order.
    #[command(
        after_help = "Example:\n  daoctl proposal sign 0x12ab.. for --reason 'fine' --keystore voter.json > ballot.json"
    )]
    Sign {
        id: U256,
        support: Support,
        /// Seconds the signature stays valid.
        #[arg(long, default_value_t = 86_400)]
        valid_for: u64,
        /// The reason, signed with the vote and emitted when it is counted.
        #[arg(long, default_value = "")]
        reason: String,
        /// The voter's ballot nonce on this proposal (read from the chain when omitted; it moves
        /// only when the voter cancels a pending ballot).
        #[arg(long)]
        nonce: Option<U256>,
    },
    /// Submit a signed ballot (anyone may pay the gas).
    #[command(after_help = "Example:\n  daoctl proposal submit-vote ballot.json --dev-account 0")]
    SubmitVote { ballot: PathBuf },
    /// Submit many signed ballots in one transaction (`castVotesPacked`, the ballots packed; anyone
    /// may pay the gas).
    /// A ballot that would not count (already used, canceled, expired, ...) is skipped by the
    /// contract and reported; nothing is sent when none would count.
    #[command(
        after_help = "Example:\n  daoctl proposal submit-votes ballots/*.json --dev-account 0"
    )]
    SubmitVotes {
        #[arg(required = true)]
        ballots: Vec<PathBuf>,
    },
    /// Watch a folder of ballot files (`sign` output, *.json) and submit them in batches; each file
    /// is moved to DIR/submitted once its batch is sent (counted or skipped by the contract), or
    /// to DIR/failed when its batch was not sent (no ballot would count, or the send failed).
    #[command(after_help = "Example:\n  daoctl proposal relay ballots/ --batch 50 --dev-account 0")]
    Relay {
        dir: PathBuf,
        /// Most ballots per transaction.
        #[arg(long, default_value_t = 50)]
        batch: usize,
        /// Seconds between scans of the folder.
        #[arg(long, default_value_t = 5)]
        interval: u64,
        /// Submit what is there now and stop.
        #[arg(long)]
        once: bool,
    },
    /// Cancel your pending signed ballots on a proposal (they will be skipped); you may still vote
    /// or sign a new ballot.
    CancelBallot { id: U256 },
    /// Execute a passed proposal after its delay.
    #[command(after_help = "Example:\n  daoctl proposal execute 0x12ab.. --wait --dev-account 3")]
    Execute {
        id: U256,
        /// Wait for the first executable block instead of failing.
        #[arg(long)]
        wait: bool,
    },
    /// Veto a passed proposal during its delay (the parent cell's admin).
    Veto {
        id: U256,
        /// Wait for the vote to end instead of failing.
        #[arg(long)]
        wait: bool,
    },
    /// Cancel: the proposer before voting starts, or the parent cell's admin before execution.
    Cancel { id: U256 },
}

/// A signed keyed ballot as `sign` writes it.
#[derive(Debug, Serialize, Deserialize)]
struct SignedBallot {
    governor: Address,
    chain_id: u64,
    proposal: U256,
    support: u8,
    voter: Address,
    nonce: U256,
    deadline: U256,
    #[serde(default)]
    reason: String,
    signature: Bytes,
}

/// Reads ballot files and checks they are for this governor and chain.
fn read_ballots(
    ctx: &Ctx,
    governor: Address,
    files: &[PathBuf],
) -> Result<Vec<ICellGovernor::SignedBallot>> {
    files
        .iter()
        .map(|f| {
            let text =
                std::fs::read_to_string(f).wrap_err_with(|| format!("reading {}", f.display()))?;
            let b: SignedBallot = serde_json::from_str(&text).wrap_err_with(|| {
                format!(
                    "{}: not a ballot written by `daoctl proposal sign`",
                    f.display()
                )
            })?;
            if b.governor != governor || b.chain_id != ctx.chain_id {
                bail!(
                    "{}: the ballot is for governor {} on chain {}, not this deployment",
                    f.display(),
                    b.governor,
                    b.chain_id
                );
            }
            Ok(ICellGovernor::SignedBallot {
                proposalId: b.proposal,
                voter: b.voter,
                support: b.support,
                nonce: b.nonce,
                deadline: b.deadline,
                reason: b.reason,
                signature: b.signature,
            })
        })
        .collect()
}

/// Why a set of ballots cannot be packed for `castVotesPacked`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
enum PackError {
    #[error(
        "ballot {index}: its {field} is {len} bytes, more than the 65535 the packed form holds"
    )]
    TooLong {
        index: usize,
        field: &'static str,
        len: usize,
    },
}

/// The big-endian bytes of `value` without leading zeros (none for 0).
fn minimal_be(value: U256) -> Vec<u8> {
    let bytes = value.to_be_bytes::<32>();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(32);
    bytes[first..].to_vec()
}

/// The packed form `castVotesPacked` reads (layout in ICellGovernor.castVotesPacked), in the order
/// given (the contract counts and reports them in that order): consecutive ballots on one proposal
/// share a run, whose proposal is read and tally written once; runs of at most 65535 ballots.
fn pack_ballots(ballots: &[ICellGovernor::SignedBallot]) -> Result<Vec<u8>, PackError> {
    let order: Vec<usize> = (0..ballots.len()).collect();
    let mut out = Vec::with_capacity(ballots.len() * 120);
    for group in order.chunk_by(|&a, &b| ballots[a].proposalId == ballots[b].proposalId) {
        for run in group.chunks(usize::from(u16::MAX)) {
            out.extend_from_slice(&ballots[run[0]].proposalId.to_be_bytes::<32>());
            out.extend_from_slice(&(run.len() as u16).to_be_bytes());
            for &i in run {
                let b = &ballots[i];
                out.extend_from_slice(b.voter.as_slice());
                out.push(b.support);
                for value in [b.nonce, b.deadline] {
                    let bytes = minimal_be(value);
                    out.push(bytes.len() as u8);
                    out.extend_from_slice(&bytes);
                }
                for (field, bytes) in [
                    ("reason", b.reason.as_bytes()),
                    ("signature", &b.signature[..]),
                ] {
                    let len = u16::try_from(bytes.len()).map_err(|_| PackError::TooLong {
                        index: i,
                        field,
                        len: bytes.len(),
                    })?;
                    out.extend_from_slice(&len.to_be_bytes());
                    out.extend_from_slice(bytes);
                }
            }
        }
    }
    Ok(out)
}

/// Simulates the batch (nothing is sent when no ballot would count), sends it packed
/// (`castVotesPacked`) and reports which ballots counted and which the contract skipped, and why.
async fn submit_ballots(
    ctx: &Ctx,
    governor: Address,
    ballots: Vec<ICellGovernor::SignedBallot>,
) -> Result<()> {
    let n = ballots.len();
    let call = ICellGovernor::castVotesPackedCall {
        packed: pack_ballots(&ballots)?.into(),
    };
    let data = call.abi_encode();
    let tx = alloy::rpc::types::TransactionRequest::default()
        .from(ctx.from()?)
        .to(governor)
        .input(data.clone().into());
    let out = ctx.provider.call(tx).await?;
    let counted = ICellGovernor::castVotesPackedCall::abi_decode_returns(&out)?;
    if counted.is_zero() {
        bail!("none of the {n} ballots would count (already used, canceled, expired or invalid)");
    }
    let receipt = ctx
        .call(&format!("submit {n} signed ballots"), governor, data)
        .await?;
    let mut votes = Vec::new();
    let mut skipped = Vec::new();
    for log in receipt.inner.logs() {
        if let Ok(v) = log.log_decode::<ICellGovernor::VoteCast>() {
            let v = v.inner.data;
            votes.push(json!({"voter": v.voter, "proposal": format!("{:#x}", v.proposalId), "support": v.support, "weight": v.weight.to_string(), "reason": v.reason}));
        } else if let Ok(k) = log.log_decode::<ICellGovernor::BallotSkipped>() {
            let k = k.inner.data;
            let status = ballot_status(k.status);
            skipped.push(json!({"voter": k.voter, "proposal": format!("{:#x}", k.proposalId), "status": status}));
        }
    }
    let human = {
        let (c, s) = (votes.len(), skipped.clone());
        move || {
            let mut out = format!("{c} of {n} ballots counted\n");
            for k in &s {
                out.push_str(&format!(
                    "  skipped {} on {}: {}\n",
                    k["voter"].as_str().unwrap_or_default(),
                    k["proposal"].as_str().unwrap_or_default(),
                    k["status"].as_str().unwrap_or_default()
                ));
            }
            out
        }
    };
    ctx.print(
        &json!({"counted": votes.len(), "votes": votes, "skipped": skipped}),
        human,
    );
    Ok(())
}

const STATES: [&str; 8] = [
    "pending",
    "active",
    "canceled",
    "defeated",
    "succeeded",
    "executable",
    "vetoed",
    "executed",
];

fn split_pair<'a>(flag: &str, s: &'a str) -> Result<(&'a str, &'a str)> {
    s.split_once('=')
        .ok_or_else(|| eyre!("--{flag} `{s}`: expected LEFT=RIGHT"))
}

async fn build_actions(
    ctx: &Ctx,
    cell: U256,
    a: &ActionArgs,
) -> Result<Vec<ICellGovernor::Action>> {
    let token = parse_token(&a.token).map_err(|e| eyre!("--token: {e}"))?;
    let treasury = ctx.contract("Treasury")?;
    let registry = ctx.contract("CellRegistry")?;
    let roles = ctx.contract("Roles")?;
    let governor = ctx.contract("CellGovernor")?;
    let mut out = Vec::new();
    let act = |target: Address, data: Vec<u8>| ICellGovernor::Action {
        target,
        value: U256::ZERO,
        data: data.into(),
    };
    let now = ctx
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .map(|b| b.header.timestamp)
        .unwrap_or(0);
    for s in &a.set_budget {
        let (c, rest) = split_pair("set-budget", s)?;
        let (amount, days) = rest.split_once('/').unwrap_or((rest, "30"));
        let amount = ctx
            .amount(token, amount)
            .await
            .map_err(|e| eyre!("--set-budget: {e}"))?;
        let days: u64 = days
            .parse()
            .map_err(|_| eyre!("--set-budget `{s}`: expected a period in days after /"))?;
        let call = ITreasury::setBudgetCall {
            cellId: ctx.cell(c)?,
            token,
            amount,
            period: U256::from(days * 86_400),
            start: U256::from(now),
            expiry: U256::ZERO,
        };
        out.push(act(treasury, call.abi_encode()));
    }
    for s in &a.allocate {
        let (c, amount) = split_pair("allocate", s)?;
        let amount = ctx
            .amount(token, amount)
            .await
            .map_err(|e| eyre!("--allocate: {e}"))?;
        let call = ITreasury::subAllocateCall {
            parentCellId: cell,
            childCellId: ctx.cell(c)?,
            token,
            amount,
        };
        out.push(act(treasury, call.abi_encode()));
    }
    for s in &a.spend {
        let (to, amount) = split_pair("spend", s)?;
        let to: Address = to
            .parse()
            .map_err(|_| eyre!("--spend `{s}`: expected ADDRESS=AMOUNT"))?;
        let amount = ctx
            .amount(token, amount)
            .await
            .map_err(|e| eyre!("--spend: {e}"))?;
        let call = ITreasury::spendCall {
            cellId: cell,
            token,
            to,
            amount,
            memoURI: String::new(),
            r#ref: B256::ZERO,
        };
        out.push(act(treasury, call.abi_encode()));
    }
    for s in &a.create_cell {
        let (name, admin) = match s.split_once('=') {
            Some((n, a)) => (
                n,
                a.parse::<Address>()
                    .map_err(|_| eyre!("--create-cell `{s}`: expected NAME=ADMIN"))?,
            ),
            None => (
                s.as_str(),
                ICellGovernor::new(governor, &ctx.provider)
                    .executorOf(cell)
                    .call()
                    .await?,
            ),
        };
        let call = ICellRegistry::createCellCall {
            parentCellId: cell,
            name: name.to_owned(),
            scale: ICellRegistry::Scale::Collaboration,
            phase: Phase::Formation.to_sol(),
            admin,
            members: vec![],
        };
        out.push(act(registry, call.abi_encode()));
    }
    for s in &a.mint_role {
        let (role, wearer) = split_pair("mint-role", s)?;
        let wearer: Address = wearer
            .parse()
            .map_err(|_| eyre!("--mint-role `{s}`: expected ROLE=ADDRESS"))?;
        let call = IRoles::mintRoleCall {
            roleId: ctx.role(role)?,
            wearer,
            expiry: 0,
        };
        out.push(act(roles, call.abi_encode()));
    }
    for s in &a.set_state {
        let (key, uri) = split_pair("set-state", s)?;
        let call = ICellRegistry::setStateCall {
            cellId: cell,
            key: state_key(key),
            uri: uri.to_owned(),
            contentHash: keccak256(uri.as_bytes()),
        };
        out.push(act(registry, call.abi_encode()));
    }
    for s in &a.set_phase {
        let (c, phase) = split_pair("set-phase", s)?;
        let phase: Phase = phase.parse().map_err(|e| eyre!("--set-phase: {e}"))?;
        let call = ICellRegistry::setPhaseCall {
            cellId: ctx.cell(c)?,
            phase: phase.to_sol(),
        };
        out.push(act(registry, call.abi_encode()));
    }
    for s in &a.call {
        let mut parts = s.split_whitespace();
        let (Some(target), Some(sig)) = (parts.next(), parts.next()) else {
            bail!("--call `{s}`: expected \"TARGET SIGNATURE ARG...\"");
        };
        let target: Address = target
            .parse()
            .map_err(|_| eyre!("--call `{s}`: bad target address"))?;
        let f = Function::parse(sig).map_err(|e| eyre!("--call `{s}`: bad signature: {e}"))?;
        let args: Vec<&str> = parts.collect();
        if args.len() != f.inputs.len() {
            bail!(
                "--call `{s}`: {} takes {} argument(s), got {}",
                f.name,
                f.inputs.len(),
                args.len()
            );
        }
        let mut values = Vec::new();
        for (p, v) in f.inputs.iter().zip(args) {
            let ty: DynSolType =
                p.ty.parse()
                    .map_err(|e| eyre!("--call: type {}: {e}", p.ty))?;
            values.push(
                ty.coerce_str(v)
                    .map_err(|e| eyre!("--call: argument `{v}` as {}: {e}", p.ty))?,
            );
        }
        let data = f
            .abi_encode_input(&values)
            .map_err(|e| eyre!("--call: {e}"))?;
        out.push(act(target, data));
    }
    for s in &a.raw {
        let mut parts = s.splitn(3, ':');
        let (Some(target), Some(data)) = (parts.next(), parts.next()) else {
            bail!("--raw `{s}`: expected TARGET:0xDATA[:VALUE]");
        };
        let value = parts
            .next()
            .map(|v| dao_deploy::amount::TokenMeta::eth().parse(v))
            .transpose()
            .map_err(|e| eyre!("--raw value: {e}"))?
            .unwrap_or_default();
        out.push(ICellGovernor::Action {
            target: target
                .parse()
                .map_err(|_| eyre!("--raw `{s}`: bad target"))?,
            value,
            data: data
                .parse()
                .map_err(|_| eyre!("--raw `{s}`: bad hex data"))?,
        });
    }
    if out.is_empty() {
        bail!(
            "a proposal needs at least one action (--set-budget, --allocate, --spend, --create-cell, --mint-role, --set-state, --set-phase, --call, --raw)"
        );
    }
    Ok(out)
}

/// The ProposalCreated event of `id` (actions, uri and description hash live there), from a
/// bounded scan of the deployment's blocks.
async fn created(ctx: &Ctx, governor: Address, id: U256) -> Result<ICellGovernor::ProposalCreated> {
    let head = ctx.provider.get_block_number().await?;
    created_in(ctx, governor, id, ctx.first_block()?, head).await
}

/// The ProposalCreated event of `id` in blocks `from..=to`.
async fn created_in(
    ctx: &Ctx,
    governor: Address,
    id: U256,
    from: u64,
    to: u64,
) -> Result<ICellGovernor::ProposalCreated> {
    let query = LogQuery::new([governor])
        .topic(0, [ICellGovernor::ProposalCreated::SIGNATURE_HASH])
        .topic(1, [B256::from(id)]);
    let logs = ctx.logs_between(&query, from, to).await?;
    logs.first()
        .and_then(decode::<ICellGovernor::ProposalCreated>)
        .ok_or_else(|| eyre!("no proposal {id:#x} on this governor"))
}

async fn describe_action(ctx: &Ctx, a: &ICellGovernor::Action) -> Result<String> {
    let data = a.data.as_ref();
    if let Ok(c) = ITreasury::setBudgetCall::abi_decode(data) {
        return Ok(format!(
            "set budget of {} to {}",
            ctx.cell_name(c.cellId),
            ctx.fmt_amount(c.token, c.amount).await?
        ));
    }
    if let Ok(c) = ITreasury::subAllocateCall::abi_decode(data) {
        return Ok(format!(
            "allocate {} to {}",
            ctx.fmt_amount(c.token, c.amount).await?,
            ctx.cell_name(c.childCellId)
        ));
    }
    if let Ok(c) = ITreasury::spendCall::abi_decode(data) {
        return Ok(format!(
            "spend {} to {}",
            ctx.fmt_amount(c.token, c.amount).await?,
            c.to
        ));
    }
    Ok(describe_other(ctx, a))
}

fn describe_other(ctx: &Ctx, a: &ICellGovernor::Action) -> String {
    let data = a.data.as_ref();
    if let Ok(c) = ICellRegistry::createCellCall::abi_decode(data) {
        return format!("create cell {} (admin {})", c.name, c.admin);
    }
    if let Ok(c) = IRoles::mintRoleCall::abi_decode(data) {
        return format!("mint role {} to {}", ctx.role_name(c.roleId), c.wearer);
    }
    if let Ok(c) = ICellRegistry::setStateCall::abi_decode(data) {
        return format!(
            "write {} = {}",
            dao_deploy::design::state_key_name(c.key),
            c.uri
        );
    }
    if let Ok(c) = ICellRegistry::setPhaseCall::abi_decode(data) {
        return format!(
            "set phase of {} to {}",
            ctx.cell_name(c.cellId),
            super::cell::phase_name(c.phase)
        );
    }
    format!(
        "call {} with {} (value {})",
        a.target,
        a.data,
        dao_deploy::amount::TokenMeta::eth().format(a.value)
    )
}

/// How a proposal's votes read: role electorates count wearers (one vote each), token
/// electorates weigh votes in the voting token, printed with its decimals and symbol.
async fn vote_weight<P: alloy::providers::Provider>(
    ctx: &Ctx,
    gov: &ICellGovernor::ICellGovernorInstance<P>,
    id: U256,
) -> Result<impl Fn(U256) -> String + use<P>> {
    let p = gov.proposal(id).call().await?;
    let meta = if p.electorate == ICellGovernor::Electorate::Token {
        Some(ctx.token(p.token).await?)
    } else {
        None
    };
    Ok(move |v: U256| match &meta {
        Some(m) => m.format(v),
        None => v.to_string(),
    })
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    let governor = ctx.contract("CellGovernor")?;
    let gov = ICellGovernor::new(governor, &ctx.provider);
    match cmd {
        Cmd::Create {
            cell,
            description,
            uri,
            actions,
        } => {
            let id = ctx.cell(&cell)?;
            let actions = build_actions(&ctx, id, &actions).await?;
            let call = ICellGovernor::proposeCall {
                cellId: id,
                actions,
                uri: uri.unwrap_or_else(|| description.clone()),
                descriptionHash: keccak256(description.as_bytes()),
            };
            let receipt = ctx
                .call(
                    &format!("propose in {cell}: {description}"),
                    governor,
                    call.abi_encode(),
                )
                .await?;
            let log = receipt
                .decoded_log::<ICellGovernor::ProposalCreated>()
                .ok_or_else(|| eyre!("no ProposalCreated"))?;
            ctx.print(
                &json!({"proposal": format!("{:#x}", log.proposalId), "snapshot": log.snapshot, "vote_end": log.voteEnd}),
                || format!("{:#x}\n", log.proposalId),
            );
        }
        Cmd::List { cell, read } => {
            // The proposals of one cell, or of every cell of this DAO (not of the other DAOs
            // that share the governor).
            let source = read.open(&ctx).await?;
            let cells = source.cells(&ctx, cell.as_deref()).await?;
            // (id, cell, proposer, uri, tally from the index)
            type Found = (U256, U256, Address, String, Option<(U256, U256, U256)>);
            let found: Vec<Found> = match &source {
                Source::Live => {
                    let query = LogQuery::new([governor])
                        .topic(0, [ICellGovernor::ProposalCreated::SIGNATURE_HASH])
                        .topic(2, cells.iter().map(|c| B256::from(*c)));
                    let mut out = Vec::new();
                    for log in &ctx.logs(&query).await? {
                        let p = decode::<ICellGovernor::ProposalCreated>(log).ok_or_else(|| {
                            eyre!("undecodable ProposalCreated at block {}", log.block_number)
                        })?;
                        out.push((p.proposalId, p.cellId, p.proposer, p.uri, None));
                    }
                    out
                }
                Source::Indexed { ix, .. } => indexed::proposals(ix.store(), &cells)?
                    .into_iter()
                    .map(|p| {
                        let tally = indexed::tally(&p);
                        (p.id, p.cell, p.proposer, p.uri, Some(tally))
                    })
                    .collect(),
            };
            let mut rows = Vec::new();
            for (id, cell, proposer, uri, tally) in found {
                // The state moves with blocks (a vote ends, a delay passes), not only with
                // events: a point read for both sources.
                let state = gov.state(id).call().await?;
                let (for_, against, abstain) = match tally {
                    Some(t) => t,
                    None => {
                        let v = gov.proposalVotes(id).call().await?;
                        (v.forVotes, v.againstVotes, v.abstainVotes)
                    }
                };
                let weight = vote_weight(&ctx, &gov, id).await?;
                rows.push(ProposalRow {
                    proposal: format!("{id:#x}"),
                    cell: ctx.cell_name(cell),
                    proposer,
                    description: uri,
                    state: STATES
                        .get(state as usize)
                        .copied()
                        .unwrap_or("?")
                        .to_owned(),
                    for_shown: weight(for_),
                    against_shown: weight(against),
                    abstain_shown: weight(abstain),
                    for_,
                    against,
                    abstain,
                });
            }
            ctx.show(&ProposalList(rows));
        }
        Cmd::Show { id, read } => {
            let p = match read.open(&ctx).await? {
                Source::Live => created(&ctx, governor, id).await?,
                // The index knows where the proposal was created: its actions (whole calldata,
                // which the index summarizes) are read from that one block.
                Source::Indexed { ix, .. } => {
                    let at = ix
                        .store()
                        .proposal(id)?
                        .map(|p| p.created.block)
                        .ok_or_else(|| eyre!("no proposal {id:#x} on this governor"))?;
                    created_in(&ctx, governor, id, at, at).await?
                }
            };
            let state = gov.state(id).call().await?;
            let votes = gov.proposalVotes(id).call().await?;
            let t = gov.proposalTimepoints(id).call().await?;
            let q = gov.quorum(id).call().await?;
            let mut actions = Vec::new();
            for a in &p.actions {
                actions.push(describe_action(&ctx, a).await?);
            }
            let weight = vote_weight(&ctx, &gov, id).await?;
            ctx.show(&ProposalShow {
                proposal: format!("{id:#x}"),
                cell: ctx.cell_name(p.cellId),
                proposer: p.proposer,
                description: p.uri,
                state: STATES
                    .get(state as usize)
                    .copied()
                    .unwrap_or("?")
                    .to_owned(),
                actions,
                shown: [
                    weight(votes.forVotes),
                    weight(votes.againstVotes),
                    weight(votes.abstainVotes),
                    weight(q.required),
                    weight(q.electorate),
                ],
                votes: Votes {
                    for_: votes.forVotes,
                    against: votes.againstVotes,
                    abstain: votes.abstainVotes,
                    participation: votes.participation,
                },
                quorum: Quorum {
                    required: q.required,
                    electorate: q.electorate,
                },
                snapshot: t.snapshot,
                vote_end: t.voteEnd,
                executable_from: t.executableFrom,
            });
        }
        Cmd::Vote {
            id,
            support,
            reason,
            wait,
        } => {
            if wait {
                wait_for(&ctx, governor, id, Stage::Voting).await?;
            }
            let data = match reason {
                Some(r) => ICellGovernor::castVoteWithReasonCall {
                    proposalId: id,
                    support: support.as_u8(),
                    reason: r,
                }
                .abi_encode(),
                None => ICellGovernor::castVoteCall {
                    proposalId: id,
                    support: support.as_u8(),
                }
                .abi_encode(),
            };
            ctx.call(
                &format!("vote {support:?} on {id:#x}").to_lowercase(),
                governor,
                data,
            )
            .await?;
        }
        Cmd::Sign {
            id,
            support,
            valid_for,
            reason,
            nonce,
        } => {
            let signer = ctx.signer.clone().ok_or_else(|| {
                eyre!("sign needs a key (--keystore, $DAOCTL_PRIVATE_KEY or --dev-account)")
            })?;
            let voter = signer.address();
            let nonce = match nonce {
                Some(n) => n,
                None => gov.ballotNonce(id, voter).call().await?,
            };
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_secs();
            let chain_block_time = ctx
                .provider
                .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
                .await?
                .map(|b| b.header.timestamp)
                .unwrap_or(now);
            let deadline = U256::from(chain_block_time.max(now) + valid_for);
            let ballot = KeyedBallot {
                proposalId: id,
                support: support.as_u8(),
                voter,
                nonce,
                deadline,
                reason: reason.clone(),
            };
            // The domain as the contract states it (ERC-5267), not a copy of its constants.
            let d = CellGovernor::new(governor, &ctx.provider)
                .eip712Domain()
                .call()
                .await?;
            let domain = Eip712Domain::new(
                Some(d.name.into()),
                Some(d.version.into()),
                Some(d.chainId),
                Some(d.verifyingContract),
                None,
            );
            let hash = ballot.eip712_signing_hash(&domain);
            let signature = signer.sign_hash(&hash).await?;
            let signed = SignedBallot {
                governor,
                chain_id: ctx.chain_id,
                proposal: id,
                support: support.as_u8(),
                voter,
                nonce,
                deadline,
                reason,
                signature: signature.as_bytes().to_vec().into(),
            };
            println!("{}", serde_json::to_string_pretty(&signed)?);
        }
        Cmd::SubmitVote { ballot } => {
            let ballots = read_ballots(&ctx, governor, std::slice::from_ref(&ballot))?;
            submit_ballots(&ctx, governor, ballots).await?;
        }
        Cmd::SubmitVotes { ballots } => {
            let ballots = read_ballots(&ctx, governor, &ballots)?;
            submit_ballots(&ctx, governor, ballots).await?;
        }
        Cmd::Relay {
            dir,
            batch,
            interval,
            once,
        } => {
            let (done, failed) = (dir.join("submitted"), dir.join("failed"));
            for d in [&done, &failed] {
                std::fs::create_dir_all(d).wrap_err_with(|| format!("creating {}", d.display()))?;
            }
            loop {
                let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                    .wrap_err_with(|| format!("reading {}", dir.display()))?
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
                    .collect();
                files.sort();
                for chunk in files.chunks(batch.max(1)) {
                    let ballots = read_ballots(&ctx, governor, chunk)?;
                    // A batch that was not sent (nothing would count, or the send failed) goes
                    // to DIR/failed, to look at or move back.
                    let to = match submit_ballots(&ctx, governor, ballots).await {
                        Ok(()) => &done,
                        Err(e) => {
                            eprintln!("relay: {e}");
                            &failed
                        }
                    };
                    for f in chunk {
                        if let Some(name) = f.file_name() {
                            std::fs::rename(f, to.join(name))
                                .wrap_err_with(|| format!("moving {}", f.display()))?;
                        }
                    }
                }
                if once {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_secs(interval)).await;
            }
        }
        Cmd::CancelBallot { id } => {
            ctx.call(
                &format!("cancel your signed ballots on {id:#x}"),
                governor,
                ICellGovernor::cancelBallotCall { proposalId: id }.abi_encode(),
            )
            .await?;
        }
        Cmd::Execute { id, wait } => {
            if wait {
                wait_for(&ctx, governor, id, Stage::Executable).await?;
            }
            let p = created(&ctx, governor, id).await?;
            let value: U256 = p.actions.iter().map(|a| a.value).sum();
            let call = ICellGovernor::executeCall {
                cellId: p.cellId,
                proposer: p.proposer,
                actions: p.actions,
                uri: p.uri,
                descriptionHash: p.descriptionHash,
            };
            let tx = alloy::rpc::types::TransactionRequest::default()
                .to(governor)
                .input(call.abi_encode().into())
                .value(value);
            ctx.send(&format!("execute {id:#x}"), tx).await?;
        }
        Cmd::Veto { id, wait } => {
            if wait {
                wait_for(&ctx, governor, id, Stage::VoteEnded).await?;
            }
            ctx.call(
                &format!("veto {id:#x}"),
                governor,
                ICellGovernor::vetoCall { proposalId: id }.abi_encode(),
            )
            .await?;
        }
        Cmd::Cancel { id } => {
            // The proposer withdraws by contents (it is bound into the id); anyone else asks as
            // the parent cell's admin.
            let p = created(&ctx, governor, id).await?;
            // Through the Safe, the Safe asks (as the parent's admin), whoever signs.
            let by_proposer = !ctx.global.via.via_safe
                && ctx.signer.as_ref().map(|s| s.address()) == Some(p.proposer);
            let data = if by_proposer {
                ICellGovernor::cancelByProposerCall {
                    cellId: p.cellId,
                    actions: p.actions,
                    uri: p.uri,
                    descriptionHash: p.descriptionHash,
                }
                .abi_encode()
            } else {
                ICellGovernor::cancelCall { proposalId: id }.abi_encode()
            };
            ctx.call(&format!("cancel {id:#x}"), governor, data).await?;
        }
    }
    Ok(())
}

/// `--via-proposal CELL`: the write `tx` becomes a proposal of the vote-run cell CELL, whose
/// executor makes the call once the proposal passes (`proposal vote`, then `proposal execute`).
/// Simulated as the executor first; sent from the signer (a member allowed to propose). Prints the
/// proposal id and returns [`Queued`](super::safe::Queued).
pub(crate) async fn propose_write(
    ctx: &Ctx,
    cell: &str,
    what: &str,
    tx: alloy::rpc::types::TransactionRequest,
) -> Result<alloy::rpc::types::TransactionReceipt> {
    let target = tx
        .to
        .and_then(|k| k.to().copied())
        .ok_or_else(|| eyre!("{what}: a proposal cannot create a contract"))?;
    let action = ICellGovernor::Action {
        target,
        value: tx.value.unwrap_or_default(),
        data: tx.input.input().cloned().unwrap_or_default(),
    };
    propose_actions(ctx, cell, what, vec![action]).await?;
    Err(super::safe::Queued.into())
}

/// A proposal of the vote-run cell `cell` making `actions` (described by `what`): each simulated
/// as the cell's executor first; sent from the signer (a member allowed to propose). Prints the
/// proposal id and returns it.
pub(crate) async fn propose_actions(
    ctx: &Ctx,
    cell: &str,
    what: &str,
    actions: Vec<ICellGovernor::Action>,
) -> Result<U256> {
    use alloy::network::TransactionBuilder;
    let governor = ctx.contract("CellGovernor")?;
    let cell_id = ctx.cell(cell)?;
    let executor = ICellGovernor::new(governor, &ctx.provider)
        .executorOf(cell_id)
        .call()
        .await?;
    if executor.is_zero() {
        bail!("`{cell}` is not a vote-run cell: it has no executor");
    }
    for action in &actions {
        let sim = alloy::rpc::types::TransactionRequest::default()
            .with_from(executor)
            .with_to(action.target)
            .with_value(action.value)
            .with_input(action.data.clone());
        if let Err(e) = ctx.provider.call(sim).await {
            let contract = ctx.contract_name(action.target);
            bail!(
                "{what} as `{cell}`'s executor {executor} would fail: {}",
                dao_bindings::describe_transport_error_from(contract.as_deref(), &e)
            );
        }
    }
    let call = ICellGovernor::proposeCall {
        cellId: cell_id,
        actions,
        uri: what.to_owned(),
        descriptionHash: keccak256(what.as_bytes()),
    };
    let label = format!("propose in {cell}: {what}");
    let receipt = ctx
        .send_now(
            &label,
            alloy::rpc::types::TransactionRequest::default()
                .with_to(governor)
                .with_input(call.abi_encode()),
        )
        .await?;
    ctx.record_write(crate::write::WriteResult::new(&label, &receipt));
    let log = receipt
        .decoded_log::<ICellGovernor::ProposalCreated>()
        .ok_or_else(|| eyre!("no ProposalCreated"))?;
    let id = log.proposalId;
    ctx.print(
        &json!({"proposal": format!("{id:#x}"), "cell": cell, "snapshot": log.snapshot, "vote_end": log.voteEnd}),
        || format!("{id:#x}\n"),
    );
    eprintln!(
        "next: `{cell}` votes (`daoctl proposal vote {id:#x} for`), then `daoctl proposal execute {id:#x}`"
    );
    Ok(id)
}

/// A point in a proposal's life that a call waits for.
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// Voting open: the block after the snapshot.
    Voting,
    /// Voting over (a veto needs Succeeded).
    VoteEnded,
    /// The first executable block.
    Executable,
}

/// Polls the chain until `stage` of proposal `id` is reached (blocks are the governor's clock).
async fn wait_for(ctx: &Ctx, governor: Address, id: U256, stage: Stage) -> Result<()> {
    let t = ICellGovernor::new(governor, &ctx.provider)
        .proposalTimepoints(id)
        .call()
        .await?;
    let target: u64 = match stage {
        Stage::Voting => t.snapshot + U256::from(1u64),
        Stage::VoteEnded => t.voteEnd + U256::from(1u64),
        Stage::Executable => t.executableFrom,
    }
    .saturating_to();
    let mut announced = false;
    loop {
        let now = ctx.provider.get_block_number().await?;
        if now >= target {
            return Ok(());
        }
        if !announced {
            eprintln!(
                "waiting for block {target} (now {now}, {} to go; Ctrl-C to stop)",
                target - now
            );
            announced = true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// For the governor's `UnexpectedState(proposal, current)`: when the call becomes possible, from the
/// proposal's timepoints and the current block. None for other errors.
pub(crate) async fn timing_hint(ctx: &Ctx, data: &[u8]) -> Option<String> {
    use alloy::sol_types::{SolError, SolValue};
    if data.get(..4)? != ICellGovernor::UnexpectedState::SELECTOR.as_slice() {
        return None;
    }
    let (proposal, current) = <(U256, U256)>::abi_decode(&data[4..]).ok()?;
    let current = usize::try_from(current).ok()?;
    let governor = ICellGovernor::new(ctx.contract("CellGovernor").ok()?, &ctx.provider);
    let t = governor.proposalTimepoints(proposal).call().await.ok()?;
    let now = ctx.provider.get_block_number().await.ok()?;
    let in_blocks = |b: U256| {
        let b: u64 = b.saturating_to();
        if b > now {
            format!("block {b}, in {} block(s)", b - now)
        } else {
            format!("block {b}, passed")
        }
    };
    let open = t.snapshot + U256::from(1u64);
    let ended = t.voteEnd + U256::from(1u64);
    let timeline = format!(
        "voting opens at {}, ends after block {}; if it passes, vetoable until block {} and executable from {} (now block {now})",
        in_blocks(open),
        t.voteEnd,
        t.executableFrom - U256::from(1u64),
        in_blocks(t.executableFrom)
    );
    let next = match STATES.get(current).copied() {
        Some("pending") => format!("voting opens at {}", in_blocks(open)),
        Some("active") => format!("voting ends; vetoable from {}", in_blocks(ended)),
        Some("succeeded") => format!(
            "voting is over; executable from {}",
            in_blocks(t.executableFrom)
        ),
        _ => {
            return Some(format!(
                "the proposal is final: no later block changes this ({timeline})"
            ));
        }
    };
    Some(format!("{next}: retry then, or pass --wait ({timeline})"))
}

#[cfg(test)]
mod pack_tests {
    use super::*;

    fn ballot(proposal: u64, voter: u8, reason: &str) -> ICellGovernor::SignedBallot {
        ICellGovernor::SignedBallot {
            proposalId: U256::from(proposal),
            voter: Address::repeat_byte(voter),
            support: 1,
            nonce: U256::ZERO,
            deadline: U256::from(0x0102_0304u64),
            reason: reason.to_owned(),
            signature: vec![0xAB; 65].into(),
        }
    }

    #[test]
    fn packs_one_ballot_in_the_contracts_layout() {
        let packed = pack_ballots(&[ballot(7, 0x11, "ok")]).expect("packs");
        let mut expected = U256::from(7).to_be_bytes::<32>().to_vec();
        expected.extend_from_slice(&[0, 1]); // one ballot in the run
        expected.extend_from_slice(&[0x11; 20]); // voter
        expected.push(1); // support
        expected.push(0); // nonce 0: no bytes
        expected.extend_from_slice(&[4, 1, 2, 3, 4]); // deadline in 4 bytes
        expected.extend_from_slice(&[0, 2, b'o', b'k']); // reason
        expected.extend_from_slice(&[0, 65]);
        expected.extend_from_slice(&[0xAB; 65]);
        assert_eq!(packed, expected);
    }

    #[test]
    fn consecutive_ballots_on_one_proposal_share_a_run_in_the_order_given() {
        let ballots = [
            ballot(2, 0xA1, ""),
            ballot(2, 0xA2, ""),
            ballot(1, 0xB1, ""),
            ballot(2, 0xA3, ""),
        ];
        let packed = pack_ballots(&ballots).expect("packs");
        let one = pack_ballots(&ballots[..1]).expect("packs").len() - 34;
        assert_eq!(packed.len(), 3 * 34 + 4 * one);
        // Runs: proposal 2 (A1, A2), proposal 1 (B1), proposal 2 again (A3).
        assert_eq!(&packed[32..34], &[0, 2]);
        assert_eq!((packed[34], packed[34 + one]), (0xA1, 0xA2));
        let second = 34 + 2 * one;
        assert_eq!(packed[second + 31], 1);
        assert_eq!(&packed[second + 32..second + 34], &[0, 1]);
        assert_eq!(packed[second + 34], 0xB1);
        let third = second + 34 + one;
        assert_eq!(packed[third + 31], 2);
        assert_eq!(packed[third + 34], 0xA3);
    }

    #[test]
    fn refuses_a_reason_longer_than_the_length_field() {
        let long = "x".repeat(70_000);
        let err = pack_ballots(&[ballot(1, 1, ""), ballot(1, 2, &long)])
            .expect_err("a reason over 65535 bytes");
        assert_eq!(
            err,
            PackError::TooLong {
                index: 1,
                field: "reason",
                len: 70_000
            }
        );
        assert_eq!(minimal_be(U256::ZERO), Vec::<u8>::new());
        assert_eq!(minimal_be(U256::from(256)), vec![1, 0]);
    }
}
