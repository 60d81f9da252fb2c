//! `daoctl safe ...` and `--via-safe`: writes as transactions of the DAO's Safe.
//!
//! With --via-safe, `Ctx::send` hands the write to [`propose`]: it is simulated as the Safe, then
//! becomes a Safe transaction (one CALL, or several calls batched through MultiSendCallOnly when
//! added to the same `--out` file) in a JSON file the owners sign one by one (`safe sign`) and any
//! owner executes once the threshold is met (`safe exec`). A 1-of-1 Safe's owner executes at once.
use crate::{
    ctx::{Ctx, Global},
    write::WriteResult,
};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::SignerSync,
    sol_types::SolCall,
};
use clap::{Args, Subcommand};
use dao_bindings::Safe;
use dao_deploy::safe::{self as safetx, Call, SafeTransaction};
use eyre::{Result, WrapErr, bail, eyre};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Options for sending writes through an authority: the DAO's Safe or a vote-run cell (every
/// write command takes them).
#[derive(Debug, Clone, Args)]
pub(crate) struct ViaOpts {
    /// Send the write as a transaction of the DAO's Safe: written to a file for the owners to sign
    /// (`daoctl safe sign FILE`), executed at once when the Safe is 1-of-1 and the signer an owner.
    #[arg(long, global = true, conflicts_with = "via_proposal")]
    pub via_safe: bool,
    /// Send the write as a proposal of the vote-run cell CELL: its executor makes the call once the
    /// members have voted it through (`daoctl proposal vote`, `daoctl proposal execute`).
    #[arg(long, global = true, value_name = "CELL")]
    pub via_proposal: Option<String>,
    /// With --via-safe: the Safe transaction file. When it exists and is not executed, the write
    /// is added to its batch (signatures must then be collected again) and nothing is executed.
    #[arg(long, global = true, requires = "via_safe")]
    pub out: Option<PathBuf>,
    /// Where Safe transaction files go by default (`<safe>-<nonce>.json`), and where `safe show`
    /// looks for pending ones.
    #[arg(
        long,
        global = true,
        env = "DAOCTL_SAFE_TX_DIR",
        default_value = ".daoctl/safe-tx"
    )]
    pub safe_tx_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Cmd {
    /// Owners, threshold, nonce, modules, and the pending transaction files with their signers.
    #[command(after_help = "Example:\n  daoctl safe show --json")]
    Show,
    /// Sign a Safe transaction file as an owner (EIP-712 safeTxHash, as Safe 1.4.1 verifies it).
    #[command(
        after_help = "Example:\n  daoctl safe sign .daoctl/safe-tx/0xSafe-3.json --account alice"
    )]
    Sign { file: PathBuf },
    /// Execute a Safe transaction file once it has enough signatures (any account may send it;
    /// an owner sending it counts as one signature).
    #[command(
        after_help = "Example:\n  daoctl safe exec .daoctl/safe-tx/0xSafe-3.json --account bob"
    )]
    Exec { file: PathBuf },
    /// Export a Safe transaction file as Safe Transaction Builder JSON (for the Safe web app).
    #[command(
        after_help = "Example:\n  daoctl safe export .daoctl/safe-tx/0xSafe-3.json --builder batch.json"
    )]
    Export {
        file: PathBuf,
        /// Where to write the Transaction Builder JSON (default: stdout).
        #[arg(long)]
        builder: Option<PathBuf>,
    },
}

/// The result of a write that became a Safe transaction waiting for signatures, or a proposal
/// waiting for a vote: the command stops there and exits 0 (see main).
#[derive(Debug, thiserror::Error)]
#[error("the write waits for the Safe's owners or the cell's vote")]
pub(crate) struct Queued;

/// A Safe transaction file (`daoctl-safe-tx/1`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SafeTxFile {
    pub format: String,
    pub chain_id: u64,
    pub safe: Address,
    pub dao: String,
    /// MultiSendCallOnly, used when there are several actions.
    pub multisend: Option<Address>,
    /// Unix seconds.
    pub created_at: u64,
    /// What the Safe will call, in order.
    pub actions: Vec<Call>,
    /// The SafeTx fields (one action: a CALL to it; several: a MultiSendCallOnly batch).
    pub transaction: SafeTransaction,
    /// EIP-712 hash of `transaction` for this Safe and chain: what owners sign.
    pub safe_tx_hash: B256,
    pub signatures: Vec<OwnerSignature>,
}

const FORMAT: &str = "daoctl-safe-tx/1";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct OwnerSignature {
    pub owner: Address,
    /// 65 bytes r, s, v (27/28) over safe_tx_hash.
    pub signature: Bytes,
}

impl SafeTxFile {
    fn nonce(&self) -> u64 {
        self.transaction.nonce.saturating_to()
    }

    /// Recomputes the transaction and its hash from the actions, and checks each signature.
    fn rebuild(&mut self) -> Result<()> {
        let multisend = self.multisend.unwrap_or_default();
        self.transaction = SafeTransaction::new(&self.actions, multisend, self.transaction.nonce)?;
        self.safe_tx_hash = self.transaction.hash(self.chain_id, self.safe);
        Ok(())
    }

    fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .wrap_err_with(|| format!("reading {}", path.display()))?;
        let mut file: Self = serde_json::from_str(&text).wrap_err_with(|| {
            format!(
                "{} is not a Safe transaction file written by daoctl --via-safe",
                path.display()
            )
        })?;
        if file.format != FORMAT {
            bail!("{}: unknown format `{}`", path.display(), file.format);
        }
        let stated = (file.transaction.clone(), file.safe_tx_hash);
        file.rebuild()?;
        if stated != (file.transaction.clone(), file.safe_tx_hash) {
            bail!(
                "{}: the transaction or safeTxHash does not match its actions; the file was edited",
                path.display()
            );
        }
        for s in &file.signatures {
            let signer = safetx::recover(file.safe_tx_hash, &s.signature)?;
            if signer != s.owner {
                bail!(
                    "{}: the signature listed for {} was made by {signer}",
                    path.display(),
                    s.owner
                );
            }
        }
        Ok(file)
    }

    fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).wrap_err_with(|| format!("creating {}", dir.display()))?;
        }
        let tmp = path.with_extension("json.tmp");
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(&tmp, text).wrap_err_with(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, path).wrap_err_with(|| format!("writing {}", path.display()))?;
        Ok(())
    }

    /// Signatures by current owners only.
    fn valid_signatures(&self, owners: &[Address]) -> Vec<(Address, Vec<u8>)> {
        self.signatures
            .iter()
            .filter(|s| owners.contains(&s.owner))
            .map(|s| (s.owner, s.signature.to_vec()))
            .collect()
    }
}

/// The Safe as it is on chain.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SafeInfo {
    pub address: Address,
    pub owners: Vec<Address>,
    pub threshold: u64,
    pub nonce: u64,
}

impl SafeInfo {
    pub(crate) async fn read(ctx: &Ctx, address: Address) -> Result<Self> {
        let safe = Safe::new(address, &ctx.provider);
        Ok(Self {
            address,
            owners: safe.getOwners().call().await?,
            threshold: safe.getThreshold().call().await?.saturating_to(),
            nonce: safe.nonce().call().await?.saturating_to(),
        })
    }

    /// "2 of 3 owners: 0xA…, 0xB…, 0xC…"
    pub(crate) fn describe(&self) -> String {
        format!(
            "{} of {} owners: {}",
            self.threshold,
            self.owners.len(),
            self.owners
                .iter()
                .map(|o| o.to_checksum(None))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }

    /// A clear error for a file that is not the Safe's next transaction.
    fn check_nonce(&self, file: &SafeTxFile) -> Result<()> {
        let m = file.nonce();
        if m < self.nonce {
            bail!(
                "stale: the Safe's nonce is {}; this transaction was for {m}; it was executed or replaced",
                self.nonce
            );
        }
        if m > self.nonce {
            bail!(
                "not yet: the Safe's nonce is {}; this transaction is for {m}: the Safe's transactions {}..{} come first",
                self.nonce,
                self.nonce,
                m - 1
            );
        }
        Ok(())
    }
}

/// The DAO's Safe from the deployment record.
pub(crate) fn dao_safe(ctx: &Ctx) -> Result<Address> {
    ctx.record()?
        .safe
        .ok_or_else(|| eyre!("this DAO has no Safe: its governance is a plain address"))
}

/// What `--via-safe` prints for a transaction waiting for signatures.
#[derive(Debug, Serialize)]
struct Pending<'a> {
    file: String,
    safe: Address,
    nonce: u64,
    safe_tx_hash: B256,
    actions: Vec<&'a str>,
    signatures: usize,
    threshold: u64,
    signers: Vec<Address>,
    executed: bool,
}

fn print_pending(ctx: &Ctx, path: &Path, file: &SafeTxFile, info: &SafeInfo) {
    let signers: Vec<Address> = file
        .valid_signatures(&info.owners)
        .iter()
        .map(|(o, _)| *o)
        .collect();
    let p = Pending {
        file: path.display().to_string(),
        safe: file.safe,
        nonce: file.nonce(),
        safe_tx_hash: file.safe_tx_hash,
        actions: file
            .actions
            .iter()
            .map(|a| a.description.as_str())
            .collect(),
        signatures: signers.len(),
        threshold: info.threshold,
        signers,
        executed: false,
    };
    let summary = format!(
        "{}\nsafeTxHash {}\nsignatures {}/{} (safe {}, nonce {}, {} action{})",
        p.file,
        p.safe_tx_hash,
        p.signatures,
        p.threshold,
        p.safe,
        p.nonce,
        p.actions.len(),
        if p.actions.len() == 1 { "" } else { "s" }
    );
    if ctx.quiet {
        // A command printing its own result (apply): this is progress, on stderr.
        eprintln!("{summary}");
    } else {
        ctx.mark_printed();
        if ctx.json {
            println!("{}", serde_json::to_string_pretty(&p).unwrap_or_default());
            return;
        }
        println!("{summary}");
    }
    let next = if p.signatures as u64 >= p.threshold {
        format!("ready: daoctl safe exec {}", p.file)
    } else {
        format!(
            "next: {} more owner(s) run `daoctl safe sign {}`, then `daoctl safe exec {}`",
            p.threshold - p.signatures as u64,
            p.file,
            p.file
        )
    };
    eprintln!("{next}");
}

/// Pending files of `safe` in the Safe transaction directory, by nonce.
fn pending_files(ctx: &Ctx, safe: Address) -> Vec<(PathBuf, Result<SafeTxFile>)> {
    let dir = &ctx.global.via.safe_tx_dir;
    let mut out: Vec<(PathBuf, Result<SafeTxFile>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .map(|p| {
                    let f = SafeTxFile::load(&p);
                    (p, f)
                })
                .filter(|(_, f)| {
                    f.as_ref()
                        .map(|f| f.safe == safe && f.chain_id == ctx.chain_id)
                        .unwrap_or(true)
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort_by_key(|(p, f)| (f.as_ref().map(|f| f.nonce()).unwrap_or(u64::MAX), p.clone()));
    out
}

/// `--via-safe`: the write `tx` as a Safe transaction. Returns the receipt when executed at once
/// (1-of-1 Safe, the signer an owner, no --out), else writes the file and returns [`Queued`].
pub(crate) async fn propose(
    ctx: &Ctx,
    what: &str,
    tx: TransactionRequest,
) -> Result<TransactionReceipt> {
    let to = tx
        .to
        .and_then(|k| k.to().copied())
        .ok_or_else(|| eyre!("{what}: a Safe transaction cannot create a contract"))?;
    let call = Call {
        to,
        value: tx.value.unwrap_or_default(),
        data: tx.input.input().cloned().unwrap_or_default(),
        description: what.to_owned(),
    };
    match propose_calls(ctx, vec![call]).await? {
        SafeOutcome::Executed(receipt) => Ok(*receipt),
        SafeOutcome::Queued(_) => Err(Queued.into()),
    }
}

/// What became of a Safe transaction: executed at once, or written to a file for the owners.
pub(crate) enum SafeOutcome {
    Executed(Box<TransactionReceipt>),
    Queued(PathBuf),
}

/// Several calls as one Safe transaction (one MultiSendCallOnly batch when more than one): each
/// simulated as the Safe first, then executed at once (1-of-1 Safe, the signer an owner, no
/// --out), else written to a file (`--out`, or `<safe>-<nonce>.json` in the Safe tx directory)
/// for the owners to sign.
pub(crate) async fn propose_calls(ctx: &Ctx, calls: Vec<Call>) -> Result<SafeOutcome> {
    let safe = dao_safe(ctx)?;
    let info = SafeInfo::read(ctx, safe).await?;
    let what = calls
        .iter()
        .map(|c| c.description.as_str())
        .collect::<Vec<_>>()
        .join("; ");

    let out = ctx.global.via.out.clone();
    let existing = match &out {
        Some(p) if p.exists() => Some(SafeTxFile::load(p)?),
        _ => None,
    };
    // Simulate as the Safe: a refusal is reported now, not after the owners have signed.
    for (i, call) in calls.iter().enumerate() {
        let sim = TransactionRequest::default()
            .with_from(safe)
            .with_to(call.to)
            .with_value(call.value)
            .with_input(call.data.clone());
        if let Err(e) = ctx.provider.call(sim).await {
            let contract = ctx.contract_name(call.to);
            let reason = dao_bindings::describe_transport_error_from(contract.as_deref(), &e);
            let what = &call.description;
            if i > 0 || existing.as_ref().is_some_and(|f| !f.actions.is_empty()) {
                // It may depend on the batch's earlier actions (e.g. a cell created before).
                eprintln!(
                    "warning: {what}: would fail on its own as the Safe ({reason}); added to the batch anyway"
                );
            } else {
                let hint = match e.as_error_resp().and_then(|r| r.as_revert_data()) {
                    Some(data) => crate::authority::hint(ctx, contract.as_deref(), &data)
                        .await
                        .map(|h| format!("\n  {h}"))
                        .unwrap_or_default(),
                    None => String::new(),
                };
                bail!("{what} through the Safe {safe} would fail: {reason}{hint}");
            }
        }
    }

    let signer = ctx.signer.as_ref();
    let is_owner = signer.is_some_and(|s| info.owners.contains(&s.address()));
    let (path, mut file) = match existing {
        Some(mut f) => {
            if f.safe != safe || f.chain_id != ctx.chain_id {
                bail!(
                    "{} is for Safe {} on chain {}, not this DAO's Safe {safe} on chain {}",
                    out.as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    f.safe,
                    f.chain_id,
                    ctx.chain_id
                );
            }
            if f.nonce() < info.nonce {
                // Stale: the same error as everywhere else.
                info.check_nonce(&f)?;
            }
            if !f.signatures.is_empty() {
                eprintln!(
                    "warning: adding an action changes the safeTxHash: the {} signature(s) collected are dropped",
                    f.signatures.len()
                );
            }
            f.actions.extend(calls);
            f.signatures.clear();
            (out.unwrap_or_default(), f)
        }
        None => {
            // After the pending files of this Safe (the Safe executes nonces in order).
            let nonce = pending_files(ctx, safe)
                .iter()
                .filter_map(|(_, f)| f.as_ref().ok())
                .map(|f| f.nonce() + 1)
                .chain([info.nonce])
                .max()
                .unwrap_or(info.nonce);
            let path = out.unwrap_or_else(|| {
                ctx.global
                    .via
                    .safe_tx_dir
                    .join(format!("{}-{nonce}.json", safe.to_checksum(None)))
            });
            let f = SafeTxFile {
                format: FORMAT.to_owned(),
                chain_id: ctx.chain_id,
                safe,
                dao: ctx.record()?.dao.clone(),
                multisend: ctx.record()?.address("MultiSendCallOnly"),
                created_at: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
                actions: calls,
                transaction: placeholder(nonce),
                safe_tx_hash: B256::ZERO,
                signatures: vec![],
            };
            (path, f)
        }
    };
    if file.actions.len() > 1 && file.multisend.is_none() {
        bail!("MultiSendCallOnly is not in the deployment record: cannot batch several actions");
    }
    file.rebuild()?;
    if is_owner {
        sign_file(ctx, &mut file)?;
    } else if let Some(s) = signer {
        eprintln!(
            "note: {} is not an owner of the Safe ({}): the file is not signed",
            s.address(),
            info.describe()
        );
    }
    let execute_now = info.threshold == 1
        && is_owner
        && ctx.global.via.out.is_none()
        && info.nonce == file.nonce();
    if execute_now {
        let receipt = execute(ctx, &file, &info).await?;
        let mut w = WriteResult::new(&what, &receipt);
        w.safe_tx_hash = Some(file.safe_tx_hash);
        ctx.record_write(w);
        return Ok(SafeOutcome::Executed(Box::new(receipt)));
    }
    file.save(&path)?;
    print_pending(ctx, &path, &file, &info);
    Ok(SafeOutcome::Queued(path))
}

/// Whether the Safe transaction file at `path` can still be executed (its nonce not yet passed).
pub(crate) async fn is_pending(ctx: &Ctx, path: &Path) -> bool {
    let Ok(file) = SafeTxFile::load(path) else {
        return false;
    };
    match SafeInfo::read(ctx, file.safe).await {
        Ok(info) => file.nonce() >= info.nonce,
        Err(_) => true,
    }
}

/// A SafeTransaction with no call (replaced by `rebuild`).
fn placeholder(nonce: u64) -> SafeTransaction {
    SafeTransaction {
        to: Address::ZERO,
        value: U256::ZERO,
        data: Bytes::new(),
        operation: safetx::CALL,
        safe_tx_gas: U256::ZERO,
        base_gas: U256::ZERO,
        gas_price: U256::ZERO,
        gas_token: Address::ZERO,
        refund_receiver: Address::ZERO,
        nonce: U256::from(nonce),
    }
}

/// Adds (or replaces) the signer's signature over the file's safeTxHash.
fn sign_file(ctx: &Ctx, file: &mut SafeTxFile) -> Result<Address> {
    let signer = ctx
        .signer
        .as_ref()
        .ok_or_else(|| eyre!("no key to sign with: pass --account NAME or another key option"))?;
    let signature = signer.sign_hash_sync(&file.safe_tx_hash)?;
    let bytes = signature.as_bytes();
    let owner = safetx::recover(file.safe_tx_hash, &bytes)?;
    if owner != signer.address() {
        bail!(
            "the signature recovers to {owner}, not the signer {}",
            signer.address()
        );
    }
    file.signatures.retain(|s| s.owner != owner);
    file.signatures.push(OwnerSignature {
        owner,
        signature: Bytes::copy_from_slice(&bytes),
    });
    Ok(owner)
}

/// Sends `execTransaction` with the file's signatures (sorted by owner), plus the sender's own
/// approval when it is an owner that has not signed.
async fn execute(ctx: &Ctx, file: &SafeTxFile, info: &SafeInfo) -> Result<TransactionReceipt> {
    info.check_nonce(file)?;
    let mut signatures = file.valid_signatures(&info.owners);
    let sender = ctx.from()?;
    if info.owners.contains(&sender) && !signatures.iter().any(|(o, _)| *o == sender) {
        signatures.push((sender, safetx::approved_by_sender(sender)));
    }
    if (signatures.len() as u64) < info.threshold {
        bail!(
            "the Safe needs {} signatures, this transaction has {} ({}): other owners run `daoctl safe sign FILE` first ({})",
            info.threshold,
            signatures.len(),
            signatures
                .iter()
                .map(|(o, _)| o.to_checksum(None))
                .collect::<Vec<_>>()
                .join(", "),
            info.describe()
        );
    }
    let call = file
        .transaction
        .exec_call(safetx::pack_signatures(&signatures));
    let what = format!(
        "Safe {} transaction {} ({})",
        file.safe,
        file.nonce(),
        file.actions
            .iter()
            .map(|a| a.description.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    ctx.send_now(
        &what,
        TransactionRequest::default()
            .with_to(file.safe)
            .with_input(call.abi_encode()),
    )
    .await
}

/// `daoctl safe show` output.
#[derive(Debug, Serialize)]
struct Show {
    #[serde(flatten)]
    info: SafeInfo,
    modules: Vec<Address>,
    pending: Vec<PendingFile>,
}

#[derive(Debug, Serialize)]
struct PendingFile {
    file: String,
    nonce: Option<u64>,
    status: String,
    safe_tx_hash: Option<B256>,
    actions: Vec<String>,
    signers: Vec<Address>,
}

/// The Safe Transaction Builder's batch file (version "1.0").
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BuilderBatch {
    pub version: String,
    pub chain_id: String,
    /// Unix milliseconds.
    pub created_at: u64,
    pub meta: BuilderMeta,
    pub transactions: Vec<BuilderTx>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BuilderMeta {
    pub name: String,
    pub description: String,
    pub tx_builder_version: String,
    pub created_from_safe_address: String,
    pub created_from_owner_address: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BuilderTx {
    pub to: String,
    /// Wei, decimal.
    pub value: String,
    pub data: String,
    /// Always null: the calls are given as raw data.
    pub contract_method: Option<serde_json::Value>,
    pub contract_inputs_values: Option<serde_json::Value>,
}

pub(crate) async fn run(cmd: Cmd, global: &Global) -> Result<()> {
    let ctx = Ctx::connect(global).await?;
    match cmd {
        Cmd::Show => {
            let safe = dao_safe(&ctx)?;
            let info = SafeInfo::read(&ctx, safe).await?;
            let sentinel = Address::with_last_byte(1);
            let (modules, _) = Safe::new(safe, &ctx.provider)
                .getModulesPaginated(sentinel, U256::from(50u64))
                .call()
                .await
                .map(|r| (r.array, r.next))?;
            let pending: Vec<PendingFile> = pending_files(&ctx, safe)
                .into_iter()
                .map(|(p, f)| match f {
                    Ok(f) => {
                        let signers: Vec<Address> = f
                            .valid_signatures(&info.owners)
                            .iter()
                            .map(|(o, _)| *o)
                            .collect();
                        let status = match info.check_nonce(&f) {
                            Err(_) if f.nonce() < info.nonce => "stale".to_owned(),
                            Err(_) => "queued".to_owned(),
                            Ok(()) if signers.len() as u64 >= info.threshold => "ready".to_owned(),
                            Ok(()) => format!("{}/{} signatures", signers.len(), info.threshold),
                        };
                        PendingFile {
                            file: p.display().to_string(),
                            nonce: Some(f.nonce()),
                            status,
                            safe_tx_hash: Some(f.safe_tx_hash),
                            actions: f.actions.iter().map(|a| a.description.clone()).collect(),
                            signers,
                        }
                    }
                    Err(e) => PendingFile {
                        file: p.display().to_string(),
                        nonce: None,
                        status: format!("unreadable: {e}"),
                        safe_tx_hash: None,
                        actions: vec![],
                        signers: vec![],
                    },
                })
                .collect();
            let show = Show {
                info,
                modules,
                pending,
            };
            ctx.print(&serde_json::to_value(&show)?, || {
                let mut s = format!(
                    "safe {}  nonce {}\nowners ({} of {}):\n",
                    show.info.address,
                    show.info.nonce,
                    show.info.threshold,
                    show.info.owners.len()
                );
                for o in &show.info.owners {
                    s += &format!("  {o}\n");
                }
                s += "modules:\n";
                for m in &show.modules {
                    let name = ctx.contract_name(*m).unwrap_or_default();
                    s += &format!("  {m} {name}\n");
                }
                s += "pending transactions:\n";
                if show.pending.is_empty() {
                    s += "  none\n";
                }
                for p in &show.pending {
                    s += &format!(
                        "  {}  nonce {}  {}  signed by: {}\n",
                        p.file,
                        p.nonce.map(|n| n.to_string()).unwrap_or("-".into()),
                        p.status,
                        if p.signers.is_empty() {
                            "nobody".to_owned()
                        } else {
                            p.signers
                                .iter()
                                .map(|o| o.to_checksum(None))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    );
                    for a in &p.actions {
                        s += &format!("    - {a}\n");
                    }
                }
                s
            });
        }
        Cmd::Sign { file: path } => {
            let mut file = SafeTxFile::load(&path)?;
            check_chain(&ctx, &file)?;
            let info = SafeInfo::read(&ctx, file.safe).await?;
            info.check_nonce(&file)?;
            let me = ctx.from()?;
            if !info.owners.contains(&me) {
                bail!(
                    "{me} is not an owner of the Safe {} ({})",
                    file.safe,
                    info.describe()
                );
            }
            sign_file(&ctx, &mut file)?;
            file.save(&path)?;
            print_pending(&ctx, &path, &file, &info);
        }
        Cmd::Exec { file: path } => {
            let file = SafeTxFile::load(&path)?;
            check_chain(&ctx, &file)?;
            let info = SafeInfo::read(&ctx, file.safe).await?;
            let receipt = execute(&ctx, &file, &info).await?;
            let what = format!(
                "safe exec: {}",
                file.actions
                    .iter()
                    .map(|a| a.description.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            let mut w = WriteResult::new(&what, &receipt);
            w.safe_tx_hash = Some(file.safe_tx_hash);
            ctx.record_write(w);
        }
        Cmd::Export {
            file: path,
            builder,
        } => {
            let file = SafeTxFile::load(&path)?;
            check_chain(&ctx, &file)?;
            let info = SafeInfo::read(&ctx, file.safe).await?;
            if file.nonce() < info.nonce {
                info.check_nonce(&file)?;
            }
            let batch = BuilderBatch {
                version: "1.0".into(),
                chain_id: file.chain_id.to_string(),
                created_at: file.created_at * 1000,
                meta: BuilderMeta {
                    name: format!("{} nonce {}", file.dao, file.nonce()),
                    description: file
                        .actions
                        .iter()
                        .map(|a| a.description.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    tx_builder_version: "1.16.5".into(),
                    created_from_safe_address: file.safe.to_checksum(None),
                    created_from_owner_address: String::new(),
                },
                transactions: file
                    .actions
                    .iter()
                    .map(|a| BuilderTx {
                        to: a.to.to_checksum(None),
                        value: a.value.to_string(),
                        data: a.data.to_string(),
                        contract_method: None,
                        contract_inputs_values: None,
                    })
                    .collect(),
            };
            let text = serde_json::to_string_pretty(&batch)? + "\n";
            match builder {
                Some(out) => {
                    std::fs::write(&out, text)
                        .wrap_err_with(|| format!("writing {}", out.display()))?;
                    eprintln!(
                        "wrote {} ({} transaction(s)): open the Safe web app, Apps, Transaction Builder, and drop it in",
                        out.display(),
                        batch.transactions.len()
                    );
                }
                None => print!("{text}"),
            }
        }
    }
    Ok(())
}

fn check_chain(ctx: &Ctx, file: &SafeTxFile) -> Result<()> {
    if file.chain_id != ctx.chain_id {
        bail!(
            "the Safe transaction is for chain {}, this is chain {}",
            file.chain_id,
            ctx.chain_id
        );
    }
    Ok(())
}
