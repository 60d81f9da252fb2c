//! What every command needs: the chain, the signer, the deployment record, and helpers to resolve
//! cells and roles by name and to send transactions with readable errors.
use crate::write::WriteResult;
use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
};
use clap::Args;
use dao_bindings::RoleId;
use dao_deploy::amount::TokenMeta;
use dao_deploy::{Record, dev};
use dao_indexer::{
    LogQuery, RawLog, RpcSource,
    fetch::{AdaptiveFetcher, RangePolicy},
};
use eyre::{Result, WrapErr, bail, eyre};
use std::{
    path::{Path, PathBuf},
    time::Duration,
};

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct Global {
    /// JSON-RPC endpoint [env: DAOCTL_RPC_URL, then ETH_RPC_URL; default http://127.0.0.1:8545].
    /// Calls are retried on rate limits, 5xx, -32603, "header not found" and dropped connections;
    /// log reads use bounded block ranges that shrink when the provider caps them.
    #[arg(long, global = true)]
    pub rpc_url: Option<String>,
    /// The DAO: its name in deployments/<chain-id>/ (the only one there when omitted).
    #[arg(long, global = true, env = "DAOCTL_DAO")]
    pub dao: Option<String>,
    /// Directory of deployment records.
    #[arg(
        long,
        global = true,
        env = "DAOCTL_DEPLOYMENTS",
        default_value = "deployments"
    )]
    pub deployments: PathBuf,
    /// Print reads as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub keys: Keys,
    #[command(flatten)]
    pub via: crate::cmd::safe::ViaOpts,
}

/// Where the signing key comes from (first that is given).
#[derive(Debug, Clone, Args)]
pub(crate) struct Keys {
    /// A hex private key on the command line (like cast: unsafe, it shows in the process list and
    /// shell history; prefer --account).
    #[arg(long, global = true)]
    pub private_key: Option<String>,
    /// A Foundry keystore by name: ~/.foundry/keystores/NAME (cast's --account); password
    /// prompted unless --password-file.
    #[arg(long, global = true, env = "DAOCTL_ACCOUNT")]
    pub account: Option<String>,
    /// Foundry keystore file (e.g. ~/.foundry/keystores/alice); password prompted unless --password-file.
    #[arg(long, global = true, env = "DAOCTL_KEYSTORE")]
    pub keystore: Option<PathBuf>,
    /// File holding the keystore's password.
    #[arg(long, global = true, env = "DAOCTL_PASSWORD_FILE")]
    pub password_file: Option<PathBuf>,
    /// Name of an environment variable holding a hex private key.
    #[arg(long, global = true, default_value = "DAOCTL_PRIVATE_KEY")]
    pub private_key_env: String,
    /// On a dev chain (anvil): use dev account N of anvil's default mnemonic.
    #[arg(long, global = true, env = "DAOCTL_DEV_ACCOUNT")]
    pub dev_account: Option<usize>,
}

impl Keys {
    /// The signer, if any key source is given. `chain_id` gates dev accounts to dev chains.
    pub(crate) fn signer(&self, chain_id: u64) -> Result<Option<PrivateKeySigner>> {
        if let Some(key) = &self.private_key {
            eprintln!(
                "warning: --private-key is unsafe: the key shows in the process list and your shell \
                 history; prefer --account NAME (a Foundry keystore) or ${}",
                self.private_key_env
            );
            let signer: PrivateKeySigner = key
                .trim()
                .parse()
                .map_err(|_| eyre!("--private-key: not a hex private key"))?;
            return Ok(Some(signer));
        }
        let account = self.account.as_deref().map(keystore_path).transpose()?;
        if let Some(path) = account.as_ref().or(self.keystore.as_ref()) {
            let password = match &self.password_file {
                Some(f) => std::fs::read_to_string(f)
                    .wrap_err_with(|| format!("reading password file {}", f.display()))?
                    .trim_end_matches(['\r', '\n'])
                    .to_owned(),
                None => rpassword::prompt_password(format!("password for {}: ", path.display()))?,
            };
            let signer = PrivateKeySigner::decrypt_keystore(path, password)
                .map_err(|e| eyre!("cannot open keystore {}: {e}", path.display()))?;
            return Ok(Some(signer));
        }
        if let Ok(key) = std::env::var(&self.private_key_env) {
            let signer: PrivateKeySigner = key
                .trim()
                .parse()
                .map_err(|_| eyre!("${} is not a hex private key", self.private_key_env))?;
            return Ok(Some(signer));
        }
        if let Some(i) = self.dev_account {
            if !dev::is_dev_chain(chain_id) {
                bail!(
                    "--dev-account works only on a dev chain (chain id 31337 or 1337), this is {chain_id}"
                );
            }
            return Ok(Some(
                dev::signer(i).ok_or_else(|| eyre!("--dev-account: expected 0..=9"))?,
            ));
        }
        Ok(None)
    }
}

/// `$FOUNDRY_KEYSTORES_DIR/NAME` when that is set (as cast reads it), else
/// `~/.foundry/keystores/NAME`, where `cast wallet import NAME` puts a key.
fn keystore_path(name: &str) -> Result<PathBuf> {
    let dir =
        match std::env::var_os("FOUNDRY_KEYSTORES_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var_os("HOME").ok_or_else(|| {
                eyre!("--account: neither $FOUNDRY_KEYSTORES_DIR nor $HOME is set")
            })?)
            .join(".foundry/keystores"),
        };
    let path = dir.join(name);
    if !path.is_file() {
        bail!(
            "--account {name}: no keystore {} (create one with `cast wallet import {name} --interactive`)",
            path.display()
        );
    }
    Ok(path)
}

pub(crate) fn rpc_url(global: &Global) -> String {
    global
        .rpc_url
        .clone()
        .or_else(|| std::env::var("DAOCTL_RPC_URL").ok())
        .or_else(|| std::env::var("ETH_RPC_URL").ok())
        .unwrap_or_else(|| "http://127.0.0.1:8545".to_owned())
}

/// A connected client.
pub(crate) struct Ctx {
    pub provider: DynProvider,
    pub signer: Option<PrivateKeySigner>,
    pub chain_id: u64,
    pub json: bool,
    pub global: Global,
    record: std::result::Result<Record, String>,
    /// Writes sent by this command, printed on stdout as JSON with --json (see `write.rs`).
    pub(crate) writes: std::sync::Mutex<Vec<WriteResult>>,
    pub(crate) printed: std::sync::atomic::AtomicBool,
    /// Set by commands that print one result of their own at the end (`apply`): what the
    /// writes they make print goes to stderr instead of stdout.
    pub(crate) quiet: bool,
    /// `decimals()` and `symbol()` of the tokens this command touched, read once each.
    tokens: dao_deploy::amount::TokenCache,
}

impl Ctx {
    pub(crate) async fn connect(global: &Global) -> Result<Self> {
        let url = rpc_url(global);
        // Every call through these providers is retried by the one policy of `dao_rpc`.
        let reader = dao_rpc::connect(&url)?;
        let chain_id = reader
            .get_chain_id()
            .await
            .wrap_err_with(|| format!("cannot reach the chain at {url}"))?;
        let signer = global.keys.signer(chain_id)?;
        let provider = match &signer {
            Some(s) => dao_rpc::connect_with_wallet(&url, EthereumWallet::from(s.clone()))?,
            None => reader,
        };
        let record = match load_record(global, chain_id) {
            // A record is trusted only once it is proven to describe this chain.
            Ok(mut record) => match record.verify(&provider).await {
                Ok(()) => {
                    // Cells made after deployment (by a Safe batch, a proposal, another tool)
                    // are named from the chain like the record's own.
                    // A failed read leaves the record as it is (its own names still work).
                    if let Err(e) = discover_cells(&provider, &mut record).await {
                        tracing::warn!(
                            "cells made after deployment are not named: reading the DAO's cells \
                             from the CellRegistry failed: {e:#}"
                        );
                    }
                    Ok(record)
                }
                Err(e) => Err(format!(
                    "deployment record of `{}` ({}): {e}",
                    record.dao,
                    global.deployments.join(chain_id.to_string()).display()
                )),
            },
            Err(e) => Err(e),
        };
        Ok(Self {
            provider,
            signer,
            chain_id,
            json: global.json,
            global: global.clone(),
            record,
            writes: Default::default(),
            printed: Default::default(),
            quiet: false,
            tokens: Default::default(),
        })
    }

    /// The decimals and symbol of `token` (ETH for the zero address), read once per process.
    pub(crate) async fn token(&self, token: Address) -> Result<TokenMeta> {
        self.tokens
            .get(&self.provider, token)
            .await
            .map_err(|e| eyre::eyre!("{e}"))
    }

    /// The token metadata read so far (for resolving a whole design's amounts).
    pub(crate) fn token_cache(&self) -> &dao_deploy::amount::TokenCache {
        &self.tokens
    }

    /// Parses an amount of `token` (any form of `dao_deploy::amount`) into base units.
    pub(crate) async fn amount(&self, token: Address, text: &str) -> Result<U256> {
        let meta = self.token(token).await?;
        meta.parse(text).map_err(|e| eyre::eyre!("{e}"))
    }

    /// `1234.5 HUSD`: base units of `token` with its decimals and symbol.
    pub(crate) async fn fmt_amount(&self, token: Address, units: U256) -> Result<String> {
        Ok(self.token(token).await?.format(units))
    }

    /// The signing account, or an error telling how to give one.
    pub(crate) fn from(&self) -> Result<Address> {
        self.signer.as_ref().map(|s| s.address()).ok_or_else(|| {
            eyre!(
                "no key: pass --account NAME, --keystore FILE, set ${} to a private key, or --dev-account N on a dev chain",
                self.global.keys.private_key_env
            )
        })
    }

    /// The first block of the deployment record (its earliest contract or transaction): reads
    /// of the DAO's events start there, not at block 0.
    pub(crate) fn first_block(&self) -> Result<u64> {
        Ok(self.record()?.first_block().unwrap_or(0))
    }

    /// Every log `query` selects from the deployment's first block to the head, through the
    /// indexer's adaptive fetcher: bounded ranges that halve when the provider refuses their
    /// size and grow back after successes. Narrow `query` by topic to this DAO's ids: the core
    /// contracts are shared by every DAO on the chain.
    pub(crate) async fn logs(&self, query: &LogQuery) -> Result<Vec<RawLog>> {
        let from = self.first_block()?;
        let head = self.provider.get_block_number().await?;
        self.logs_between(query, from, head).await
    }

    /// Every log `query` selects in blocks `from..=head`, through the adaptive fetcher.
    pub(crate) async fn logs_between(
        &self,
        query: &LogQuery,
        from: u64,
        head: u64,
    ) -> Result<Vec<RawLog>> {
        let mut fetcher = AdaptiveFetcher::new(RangePolicy::default());
        let logs = fetcher
            .scan(&RpcSource::new(self.provider.clone()), query, from, head)
            .await
            .wrap_err_with(|| format!("reading logs of blocks {from}..={head}"))?;
        tracing::debug!(from, head, logs = logs.len(), stats = ?fetcher.stats(), "scanned");
        Ok(logs)
    }

    /// The deployment record of the selected DAO on this chain.
    pub(crate) fn record(&self) -> Result<&Record> {
        self.record.as_ref().map_err(|e| eyre!("{e}"))
    }

    pub(crate) fn contract(&self, name: &str) -> Result<Address> {
        self.record()?
            .address(name)
            .ok_or_else(|| eyre!("{name} is not in the deployment record"))
    }

    /// A cell by key in the record (`dao`, `events`, or a key derived from an on-chain name), by
    /// its on-chain name (`"Night Market"`), by id path (`3`), or by 0x id.
    pub(crate) fn cell(&self, name: &str) -> Result<U256> {
        let record = self.record()?;
        if let Some(c) = record.cells.get(name) {
            return Ok(c.id);
        }
        // Its on-chain name (`"Night Market"`), or the key derived from it, when one cell has it.
        let derived = crate::cmd::plan::key_of(name);
        let by_name: Vec<U256> = record
            .cells
            .values()
            .filter(|c| {
                c.name == name
                    || (!derived.is_empty()
                        && record.cells.get(&derived).is_some_and(|d| d.id == c.id))
            })
            .map(|c| c.id)
            .collect();
        if let [id] = by_name.as_slice() {
            return Ok(*id);
        }
        let id: RoleId = name.parse().map_err(|_| {
            let keys: Vec<String> = self
                .record
                .as_ref()
                .map(|r| r.cells.keys().cloned().collect())
                .unwrap_or_default();
            eyre!(
                "unknown cell `{name}`: expected one of {} or a role path like 3",
                keys.join(", ")
            )
        })?;
        Ok(id.0)
    }

    /// The key of a cell id in the record, or its path.
    pub(crate) fn cell_name(&self, id: U256) -> String {
        if let Ok(r) = self.record()
            && let Some((k, _)) = r.cells.iter().find(|(_, c)| c.id == id)
        {
            return k.clone();
        }
        RoleId(id).to_string()
    }

    /// Adds a cell created after deployment to the record on disk, under a key derived from its
    /// name (`Outreach Team` -> `outreach-team`, then `-2`, `-3` when taken). Returns the key, or
    /// None when the record already names the cell.
    pub(crate) fn remember_cell(
        &self,
        name: &str,
        id: U256,
        parent: U256,
        member_role: U256,
    ) -> Result<Option<String>> {
        let record = self.record()?;
        let path = Record::path(&self.global.deployments, self.chain_id, &record.dao);
        // The file may have changed since this command started: add to what is there now.
        let mut record = Record::load(&path)
            .wrap_err_with(|| format!("reading {}", path.display()))?
            .unwrap_or_else(|| record.clone());
        if record.cells.values().any(|c| c.id == id) {
            return Ok(None);
        }
        let base = crate::cmd::plan::key_of(name);
        let base = if base.is_empty() {
            RoleId(id).to_string()
        } else {
            base
        };
        let mut key = base.clone();
        let mut n = 2;
        while record.cells.contains_key(&key) {
            key = format!("{base}-{n}");
            n += 1;
        }
        let parent = self.cell_name(parent);
        record.cells.insert(
            key.clone(),
            dao_deploy::record::CellRecord {
                id,
                path: RoleId(id).to_string(),
                name: name.to_owned(),
                parent,
                member_role,
                executor: None,
                roles: Default::default(),
            },
        );
        record
            .save(&path)
            .wrap_err_with(|| format!("writing {}", path.display()))?;
        Ok(Some(key))
    }

    /// Adds a role created after deployment to the record on disk as `cell.name` (with the cell
    /// itself when it was only named from the chain).
    pub(crate) fn remember_role(&self, cell: &str, name: &str, id: U256) -> Result<()> {
        let record = self.record()?;
        let path = Record::path(&self.global.deployments, self.chain_id, &record.dao);
        let mut on_disk = Record::load(&path)
            .wrap_err_with(|| format!("reading {}", path.display()))?
            .unwrap_or_else(|| record.clone());
        let entry = match on_disk.cells.get_mut(cell) {
            Some(c) => c,
            None => {
                let c = record
                    .cells
                    .get(cell)
                    .cloned()
                    .ok_or_else(|| eyre!("cell `{cell}` is not in the record"))?;
                on_disk.cells.entry(cell.to_owned()).or_insert(c)
            }
        };
        entry.roles.insert(name.to_owned(), id);
        on_disk
            .save(&path)
            .wrap_err_with(|| format!("writing {}", path.display()))
    }

    /// The key of a cell: its record key, else one derived from its on-chain name (what
    /// `cell show` also accepts), else its path.
    pub(crate) fn cell_key(&self, id: U256, name: &str) -> String {
        if let Ok(r) = self.record()
            && let Some((k, _)) = r.cells.iter().find(|(_, c)| c.id == id)
        {
            return k.clone();
        }
        let key = crate::cmd::plan::key_of(name);
        if key.is_empty() {
            RoleId(id).to_string()
        } else {
            key
        }
    }

    /// A role: `cell.role` from the record (`events.contributor`, `events.member`, `events.admin`)
    /// or a dotted id path (`5.1`).
    pub(crate) fn role(&self, name: &str) -> Result<U256> {
        if let Some((cell, role)) = name.split_once('.')
            && let Some(c) = self.record()?.cells.get(cell)
        {
            return match role {
                "member" => Ok(c.member_role),
                "admin" => Ok(c.id),
                other => c.roles.get(other).copied().ok_or_else(|| {
                    eyre!(
                        "cell `{cell}` has no role `{other}`: expected admin, member{}",
                        c.roles.keys().map(|k| format!(", {k}")).collect::<String>()
                    )
                }),
            };
        }
        let id: RoleId = name
            .parse()
            .map_err(|e| eyre!("unknown role `{name}`: {e} (or cell.role)"))?;
        Ok(id.0)
    }

    /// A readable name for a role id: `events.contributor`, else its path.
    pub(crate) fn role_name(&self, id: U256) -> String {
        if let Ok(r) = self.record() {
            for (k, c) in &r.cells {
                if c.id == id {
                    return format!("{k}.admin");
                }
                if c.member_role == id {
                    return format!("{k}.member");
                }
                if let Some((n, _)) = c.roles.iter().find(|(_, r)| **r == id) {
                    return format!("{k}.{n}");
                }
            }
        }
        RoleId(id).to_string()
    }

    /// Sends `tx` from the signer, or with --via-safe makes it a transaction of the DAO's Safe
    /// (executed at once by a 1-of-1 Safe's owner, else written to a file for the owners), or with
    /// --via-proposal CELL a proposal of that vote-run cell.
    pub(crate) async fn send(
        &self,
        what: &str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt> {
        if self.global.via.via_safe {
            return crate::cmd::safe::propose(self, what, tx).await;
        }
        if let Some(cell) = &self.global.via.via_proposal {
            return crate::cmd::proposal::propose_write(self, cell, what, tx).await;
        }
        let receipt = self.send_now(what, tx).await?;
        self.record_write(WriteResult::new(what, &receipt));
        Ok(receipt)
    }

    /// The contract name of `address` in the record.
    pub(crate) fn contract_name(&self, address: Address) -> Option<String> {
        self.record
            .as_ref()
            .ok()?
            .contracts
            .iter()
            .find(|(_, c)| c.address == address)
            .map(|(n, _)| n.clone())
    }

    /// Sends `tx` from the signer: estimates first (a revert is reported as its decoded custom
    /// error, with who holds the authority when it is a refusal, and nothing is sent), shows a
    /// spinner while waiting, and fails on a reverted receipt.
    pub(crate) async fn send_now(
        &self,
        what: &str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt> {
        let from = self.from()?;
        let tx = tx.with_from(from);
        // The contract the call goes to names the errors it may revert with.
        let target = tx.to.and_then(|t| t.to().copied());
        let contract = target.and_then(|t| self.contract_name(t));
        let describe = |e: &alloy::transports::TransportError| {
            dao_bindings::describe_transport_error_from(contract.as_deref(), e)
        };
        let estimate = match self.provider.estimate_gas(tx.clone()).await {
            Ok(estimate) => estimate,
            Err(e) => {
                let hint = match e.as_error_resp().and_then(|r| r.as_revert_data()) {
                    Some(data) => crate::authority::hint(self, contract.as_deref(), &data)
                        .await
                        .map(|h| format!("\n  {h}"))
                        .unwrap_or_default(),
                    None => String::new(),
                };
                bail!("{what} failed: {}{hint}", describe(&e));
            }
        };
        let tx = tx.with_gas_limit(dao_rpc::gas_limit_for(estimate));
        let pending = self
            .provider
            .send_transaction(tx)
            .await
            .map_err(|e| eyre!("{what} failed: {}", describe(&e)))?;
        let hash: B256 = *pending.tx_hash();
        let spinner = spinner(&format!("{what}: waiting for {hash}"));
        let receipt = pending.get_receipt().await;
        spinner.finish_and_clear();
        let receipt = receipt.wrap_err_with(|| format!("{what}: no receipt for {hash}"))?;
        if !receipt.status() {
            bail!("{what}: transaction {hash} reverted");
        }
        tracing::info!(
            tx = %hash,
            block = receipt.block_number.unwrap_or_default(),
            gas = receipt.gas_used,
            "{what}"
        );
        eprintln!(
            "✓ {what} (tx {hash}, block {}, gas {})",
            receipt.block_number.unwrap_or_default(),
            receipt.gas_used
        );
        Ok(receipt)
    }

    /// Sends a call to `to` with `data`.
    pub(crate) async fn call(
        &self,
        what: &str,
        to: Address,
        data: Vec<u8>,
    ) -> Result<TransactionReceipt> {
        self.send(
            what,
            TransactionRequest::default().with_to(to).with_input(data),
        )
        .await
    }

    /// Prints `value` as JSON when --json, else `human`.
    /// With --json, an object gains the command's writes under "transactions".
    pub(crate) fn print(&self, value: &serde_json::Value, human: impl FnOnce() -> String) {
        if self.quiet {
            eprint!("{}", human());
            return;
        }
        if self.json {
            let value = self.with_writes(value);
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        } else {
            print!("{}", human());
        }
    }
}

/// Adds to `record` (in memory) every live cell of its DAO the record does not name, under a key
/// derived from its on-chain name (`Night Market` -> `night-market`, then `-2`, ...), with its
/// executor when it is vote-run. Commands that save the record keep them.
pub(crate) async fn discover_cells(provider: &DynProvider, record: &mut Record) -> Result<()> {
    let (Some(registry), Some(dao)) = (record.address("CellRegistry"), record.cell_id("dao"))
    else {
        return Ok(());
    };
    let reg = dao_bindings::ICellRegistry::new(registry, provider);
    let governor = record
        .address("CellGovernor")
        .map(|g| dao_bindings::ICellGovernor::new(g, provider));
    let mut queue = vec![dao];
    while let Some(id) = queue.pop() {
        let mut children = reg.childrenOf(id).call().await?;
        children.sort();
        queue.extend(children.iter().rev());
        if record.cells.values().any(|c| c.id == id) {
            continue;
        }
        let view = reg.getCell(id).call().await?;
        let base = crate::cmd::plan::key_of(&view.name);
        let base = if base.is_empty() {
            RoleId(id).to_string()
        } else {
            base
        };
        let mut key = base.clone();
        let mut n = 2;
        while record.cells.contains_key(&key) {
            key = format!("{base}-{n}");
            n += 1;
        }
        let parent = record
            .cells
            .iter()
            .find(|(_, c)| c.id == view.parent)
            .map(|(k, _)| k.clone())
            .unwrap_or_else(|| RoleId(view.parent).to_string());
        let executor = match &governor {
            Some(g) if g.settingsIdOf(id).call().await? != 0 => {
                Some(g.executorOf(id).call().await?)
            }
            _ => None,
        };
        record.cells.insert(
            key,
            dao_deploy::record::CellRecord {
                id,
                path: RoleId(id).to_string(),
                name: view.name,
                parent,
                member_role: view.memberRole,
                executor,
                roles: Default::default(),
            },
        );
    }
    Ok(())
}

fn load_record(global: &Global, chain_id: u64) -> std::result::Result<Record, String> {
    let dir = global.deployments.join(chain_id.to_string());
    let path = match &global.dao {
        Some(name) => dir.join(format!("{name}.json")),
        None => only_record(&dir).map_err(|e| e.to_string())?,
    };
    Record::load(&path)
        .map_err(|e| format!("reading {}: {e}", path.display()))?
        .ok_or_else(|| {
            format!(
                "no deployment record {}: run `daoctl deploy DESIGN` first",
                path.display()
            )
        })
}

fn only_record(dir: &Path) -> Result<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!(
            "no DAO deployed on this chain under {}: run `daoctl deploy DESIGN` first",
            dir.display()
        ),
        _ => bail!(
            "several DAOs under {}: pass --dao NAME ({})",
            dir.display(),
            found
                .iter()
                .filter_map(|p| p.file_stem())
                .map(|s| s.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(crate) fn spinner(message: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_message(message.to_owned());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Decodes `log` as event `E` (`None` if it is another event).
pub(crate) fn decode<E: alloy::sol_types::SolEvent>(log: &RawLog) -> Option<E> {
    E::decode_raw_log(log.topics.iter().copied(), &log.data).ok()
}

/// Parses a token: `eth` or an ERC-20 address.
pub(crate) fn parse_token(s: &str) -> Result<Address, String> {
    s.parse::<dao_deploy::design::Token>().map(|t| t.0)
}
