//! The index database every indexed read shares: where it lives (`--db`), the deployment's
//! contracts it indexes, and opening it brought to the head.
use crate::ctx::Ctx;
use alloy::providers::DynProvider;
use dao_bindings::ITreasury;
use dao_indexer::{Contracts, Indexer, IndexerConfig, RpcSource};
use eyre::{Result, WrapErr};
use std::path::PathBuf;

/// Where the index lives and where it starts.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct DbArgs {
    /// SQLite file [default: <deployments>/<chain-id>/<dao>.index.db, ./dao-index.db without a record].
    #[arg(long, env = "DAOCTL_INDEX_DB")]
    pub(crate) db: Option<PathBuf>,
    /// First block to read [default: the first block of the deployment record].
    #[arg(long)]
    pub(crate) from_block: Option<u64>,
}

/// The deployment's contracts, first block and database file.
pub(crate) struct Target {
    pub(crate) contracts: Contracts,
    pub(crate) start: u64,
    pub(crate) db: PathBuf,
}

pub(crate) async fn target(ctx: &Ctx, a: &DbArgs) -> Result<Target> {
    let record = ctx.record()?;
    let treasury = record.address("Treasury");
    // The task board and RoleStreams are created by the Treasury: it knows their addresses.
    let (task_board, streams) = match treasury {
        Some(t) => {
            let t = ITreasury::new(t, &ctx.provider);
            let board = t
                .taskBoard()
                .call()
                .await
                .wrap_err("reading Treasury.taskBoard")?;
            let streams = t
                .streams()
                .call()
                .await
                .wrap_err("reading Treasury.streams")?;
            (Some(board), (!streams.is_zero()).then_some(streams))
        }
        None => (None, None),
    };
    let contracts = Contracts {
        roles: record.address("Roles"),
        registry: record.address("CellRegistry"),
        governor: record.address("CellGovernor"),
        treasury,
        task_board,
        streams,
    };
    let first_block = ctx.first_block()?;
    let db = a.db.clone().unwrap_or_else(|| {
        let dir = ctx.global.deployments.join(ctx.chain_id.to_string());
        if dir.is_dir() {
            dir.join(format!("{}.index.db", record.dao))
        } else {
            PathBuf::from("dao-index.db")
        }
    });
    Ok(Target {
        contracts,
        start: a.from_block.unwrap_or(first_block),
        db,
    })
}

/// Opens the index and brings it to the head (with a progress bar on stderr).
pub(crate) async fn open_synced(
    ctx: &Ctx,
    t: &Target,
    confirmations: u64,
) -> Result<Indexer<RpcSource<DynProvider>>> {
    let mut cfg = IndexerConfig::new(t.contracts, t.start);
    cfg.confirmations = confirmations;
    cfg.progress = true;
    let mut ix = Indexer::open(RpcSource::new(ctx.provider.clone()), &t.db, cfg)
        .await
        .wrap_err_with(|| format!("opening index {}", t.db.display()))?;
    let r = ix.sync().await.wrap_err("indexing")?;
    tracing::info!(head = ?r.head, logs = r.logs, reorgs = r.reorgs, db = %t.db.display(), "indexed");
    Ok(ix)
}
