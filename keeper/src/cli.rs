//! `swan keeper run` / `swan-keeper run` and `… answer`: the keeper's command line. Keys come
//! from an encrypted keystore (password from a file, or a prompt on a terminal) or from the
//! environment variable `SWAN_KEEPER_KEY` — never from a plain flag.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use alloy::{
    network::EthereumWallet,
    primitives::{B256, U256},
    signers::local::PrivateKeySigner,
};
use clap::Args;
use swan_contracts::{Manifest, ManifestError, process::Deployment};
use swan_store::{Store, StoreError};

use crate::{
    answers,
    run::{Keeper, KeeperConfig, KeeperError},
    sender::SendConfig,
    verify::Validators,
};

/// Where the keeper's key comes from.
#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// An encrypted JSON keystore (as written by `cast wallet new` or geth).
    #[arg(long, env = "SWAN_KEEPER_KEYSTORE")]
    pub keystore: Option<PathBuf>,
    /// A file holding the keystore's password (without it, the password is asked for on the
    /// terminal).
    #[arg(long, env = "SWAN_KEEPER_PASSWORD_FILE")]
    pub password_file: Option<PathBuf>,
}

/// `keeper run`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    /// The manifest and RPC URLs.
    pub deployment: Deployment,
    /// The indexer's database (SQLite file path or postgres:// URL): the keeper reads the
    /// market there and keeps its outbox there.
    #[arg(long, env = "SWAN_INDEXER_DB", default_value = ".devnet/indexer.db")]
    pub db: String,
    #[command(flatten)]
    /// The key.
    pub key: KeyArgs,
    /// Print each call, its calldata, its simulated result and the fee plan; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where /health, /metrics and /decisions are served (loopback by default).
    #[arg(long, env = "SWAN_KEEPER_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// Do not serve HTTP.
    #[arg(long)]
    pub no_api: bool,
    /// Blocks a task's last change (its creation, assignment, a result, …) must be under the
    /// indexer's checkpoint before the keeper acts on the task (0: at once). Set it to the
    /// deepest reorg the chain sees: a call resting on a change a reorg undoes or reorders
    /// reverts (an assignment mined before its task's creation, a settle before its result).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=64))]
    pub confirmations: u64,
    /// Longest pause between ticks, in milliseconds.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub tick_ms: u64,
    /// How often to look at the indexer's checkpoint between ticks, in milliseconds: a newly
    /// indexed block starts the next tick at once (a value ≥ --tick-ms turns this off).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(5..=60_000))]
    pub wake_ms: u64,
    /// Seconds before a transaction not mined is broadcast again or replaced.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub bump_after_secs: u64,
    /// Each replacement's fee increase, in thousandths (at least 1125: +12.5 %).
    #[arg(long, default_value_t = 1125, value_parser = clap::value_parser!(u32).range(1125..=10_000))]
    pub bump_permille: u32,
    /// Highest fee per gas ever offered, in gwei.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_fee_gwei: u64,
    /// Most gas spent (plus committed by pending transactions) per rolling hour, in gwei.
    #[arg(long, default_value_t = 1_000_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub spend_cap_gwei: u64,
    /// Most tasks in one assignBatch / settleBatch.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=200))]
    pub batch_max: u64,
    /// IPFS gateway for ipfs:// results and specs.
    #[arg(long, default_value = "https://ipfs.io")]
    pub ipfs_gateway: String,
    /// Fetch file:// results and specs (a local devnet only).
    #[arg(long)]
    pub allow_files: bool,
    /// A validator program this keeper runs for keeper-attested specs (a path, or a name in
    /// /usr/bin; repeat for more). Specs naming any other program fail their validator check.
    /// Allowing an interpreter (sh, python3) allows every script given to it.
    #[arg(long = "allow-validator", value_name = "PROGRAM")]
    pub allow_validators: Vec<PathBuf>,
}

/// `keeper answer`: give the keeper a known-answer task's answer to reveal at settlement.
#[derive(Debug, Clone, Args)]
pub struct AnswerArgs {
    /// The deployment manifest.
    #[arg(long, env = "SWAN_MANIFEST", default_value = ".devnet/manifest.json")]
    pub manifest: PathBuf,
    /// The indexer's database.
    #[arg(long, env = "SWAN_INDEXER_DB", default_value = ".devnet/indexer.db")]
    pub db: String,
    /// The task id (0x-hex or decimal).
    #[arg(long)]
    pub task: U256,
    /// The expected result hash (0x + 64 hex digits).
    #[arg(long)]
    pub expected: B256,
    /// The salt used in the commit (0x + 64 hex digits).
    #[arg(long)]
    pub salt: B256,
}

/// Why the command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The keeper.
    #[error(transparent)]
    Keeper(#[from] KeeperError),
    /// The answer.
    #[error(transparent)]
    Answer(#[from] answers::AnswerError),
    /// The key.
    #[error("{0}")]
    Key(String),
    /// A flag's value.
    #[error("{0}")]
    Config(String),
    /// The HTTP listener.
    #[error("cannot listen on {addr}: {source}; pick another --listen address or give --no-api")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The keeper's signer from the keystore or `SWAN_KEEPER_KEY`.
pub fn signer(key: &KeyArgs) -> Result<PrivateKeySigner, CliError> {
    swan_contracts::load_signer(
        key.keystore.as_deref(),
        key.password_file.as_deref(),
        "SWAN_KEEPER_KEY",
        "--keystore FILE",
    )
    .map_err(|e| CliError::Key(e.0))
}

/// Run the keeper until Ctrl-C.
pub async fn run(args: RunArgs) -> Result<(), CliError> {
    let (manifest, urls) = args.deployment.load()?;
    let key = signer(&args.key)?;
    let from = key.address();
    let store = Store::open(&args.db).await?;
    let cfg = KeeperConfig {
        tick: Duration::from_millis(args.tick_ms),
        wake: Duration::from_millis(args.wake_ms),
        batch_max: args.batch_max as usize,
        dry_run: args.dry_run,
        send: SendConfig {
            bump_after: Duration::from_secs(args.bump_after_secs),
            bump_permille: args.bump_permille,
            max_fee_cap: u128::from(args.max_fee_gwei) * 1_000_000_000,
            spend_cap_per_hour: u128::from(args.spend_cap_gwei) * 1_000_000_000,
            pause_before_broadcast: std::env::var("SWAN_KEEPER_TEST_PAUSE_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map(Duration::from_millis),
            ..SendConfig::default()
        },
        alloc: crate::allocate::Config {
            confirmations: args.confirmations,
            ..crate::allocate::Config::default()
        },
        ipfs_gateway: args.ipfs_gateway.clone(),
        allow_files: args.allow_files,
        validators: Validators::allow(&args.allow_validators)
            .map_err(|e| CliError::Config(format!("--allow-validator: {e}")))?,
        ..KeeperConfig::default()
    };
    let mut keeper = Keeper::open(
        store,
        &manifest,
        &urls,
        EthereumWallet::from(key),
        from,
        cfg,
    )
    .await?;
    if args.dry_run {
        let tick = keeper.tick().await?;
        #[allow(clippy::print_stdout)]
        for line in &tick.dry_run {
            println!("{line}");
        }
        tracing::info!(calls = tick.dry_run.len(), "dry run: nothing sent");
        return Ok(());
    }
    if !args.no_api {
        let l = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|source| CliError::Listen {
                addr: args.listen,
                source,
            })?;
        let app = crate::api::router(keeper.api_state());
        tokio::spawn(async move {
            let _ = axum::serve(l, app).await;
        });
        tracing::info!(listen = %args.listen, "serving /health, /metrics, /decisions, /utilization, /prices and /verdicts");
    }
    tracing::info!(keeper = %from, chain = manifest.chain_id, "keeper running");
    keeper
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// Store a known answer (checked against the task's commit when the indexer has the task).
#[allow(clippy::print_stdout)]
pub async fn answer(args: AnswerArgs) -> Result<(), CliError> {
    let manifest = Manifest::load(&args.manifest)?;
    let store = Store::open(&args.db).await?;
    let checked = answers::put(
        &store,
        manifest.chain_id,
        args.task,
        args.expected,
        args.salt,
    )
    .await?;
    store.close().await;
    if checked {
        println!(
            "answer for task {:#x} matches its commit on chain; stored in {}: the keeper reveals it once every replica has committed",
            args.task, args.db
        );
    } else {
        println!(
            "answer for task {:#x} stored in {}; the indexer has not seen the task yet, so it is checked against the commit when the keeper reveals it",
            args.task, args.db
        );
    }
    Ok(())
}
