//! The indexer as a program: flags (clap, each with an environment variable), then backfill and
//! head following under the stall watchdog, with the HTTP API alongside.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use clap::Args;
use swan_contracts::{ManifestError, process::Deployment};

use crate::{
    api::{ApiState, router},
    fetch::Rpc,
    status::Status,
    store::{Store, StoreError},
    sync::{SyncConfig, SyncError, Syncer, supervise},
};

/// `swan indexer run` / `swan-indexer`.
#[derive(Debug, Clone, Args)]
pub struct IndexerArgs {
    #[command(flatten)]
    /// The manifest and RPC URLs.
    pub deployment: Deployment,
    /// Database: a SQLite file path (created with its schema) or a postgres:// URL.
    #[arg(long, env = "SWAN_INDEXER_DB", default_value = ".devnet/indexer.db")]
    pub db: String,
    /// Where the HTTP API listens (loopback by default).
    #[arg(long, env = "SWAN_INDEXER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Do not serve the HTTP API.
    #[arg(long)]
    pub no_api: bool,
    /// Index up to the current head (or --until) and exit instead of following the head.
    #[arg(long)]
    pub exit_at_head: bool,
    /// With --exit-at-head: stop at this block instead of the head.
    #[arg(long)]
    pub until: Option<u64>,
    /// Blocks below the head treated as final when the chain has no `finalized` tag.
    #[arg(long, default_value_t = 64)]
    pub finality_depth: u64,
    /// Milliseconds between polls once at the head.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(10..=60_000))]
    pub poll_ms: u64,
    /// Seconds without progress before the watchdog fails /ready and restarts the fetcher.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3_600))]
    pub stall_secs: u64,
    /// Seconds before an RPC call counts as timed out.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub rpc_timeout_secs: u64,
    /// First block range size.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub initial_range: u64,
    /// Largest block range size.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_range: u64,
    /// Aim for at most this many logs per range (bounds memory).
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u64).range(100..))]
    pub target_logs: u64,
    /// /ready fails when the checkpoint is more than this many blocks behind the head.
    #[arg(long, default_value_t = 5)]
    pub ready_lag: u64,
    /// Database connections the HTTP API reads through (its own pool, apart from the writer's:
    /// SQLite in WAL mode serves readers beside its writer).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub api_connections: u32,
    /// Seconds an API request waits in line for a database connection before it is answered
    /// 503: a crowd queues instead of failing.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub api_wait_secs: u64,
    /// The keeper whose suggested prices /api/prices relays to the explorer (its --listen
    /// address, e.g. http://127.0.0.1:8081); without it the page says none is configured.
    #[arg(long, env = "SWAN_KEEPER_URL")]
    pub keeper_url: Option<String>,
    /// Fetch task specs by their URIs for the explorer (/api/tasks/{id}/spec, and the names in
    /// task lists, read in the background), shown only when they match the hash on chain. Off by
    /// default: the indexer then makes no request to any address a task names.
    #[arg(long)]
    pub fetch_specs: bool,
    /// With --fetch-specs: the IPFS gateway for ipfs:// spec URIs.
    #[arg(long, env = "SWAN_IPFS_GATEWAY", default_value = "https://ipfs.io")]
    pub ipfs_gateway: String,
    /// With --fetch-specs: also read file:// spec URIs (a local devnet only).
    #[arg(long, requires = "fetch_specs")]
    pub allow_files: bool,
    /// Progress bar: auto (on a terminal), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub progress: String,
}

/// Why the indexer stopped.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The manifest.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A configuration value.
    #[error("{0}")]
    Config(String),
    /// The sync loop.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The HTTP listener.
    #[error("cannot listen on {addr}: {source}; pick another --listen address")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// Run the indexer until Ctrl-C (or, with `--exit-at-head`, until the head is indexed).
pub async fn run(args: IndexerArgs) -> Result<(), RunError> {
    let (manifest, urls) = args.deployment.load()?;
    if let Some(u) = &args.keeper_url {
        let ok = reqwest::Url::parse(u).is_ok_and(|url| url.scheme() == "http" && url.has_host());
        if !ok {
            return Err(RunError::Config(format!(
                "--keeper-url must be the keeper's http:// address (its --listen, e.g. http://127.0.0.1:8081), got {u:?}"
            )));
        }
    }
    let timeout = Duration::from_secs(args.rpc_timeout_secs);
    let first = Rpc::new(&urls, timeout).map_err(RunError::Config)?;
    let store = Store::open(&args.db).await?;
    let status = Arc::new(Status::new());
    let cfg = SyncConfig {
        finality_depth: args.finality_depth,
        poll: Duration::from_millis(args.poll_ms),
        initial_range: args.initial_range,
        max_range: args.max_range,
        target_logs: args.target_logs as usize,
        progress: match args.progress.as_str() {
            "always" => true,
            "never" => false,
            _ => SyncConfig::default().progress,
        },
        ..SyncConfig::default()
    };
    let make = {
        let (store, manifest, status, cfg) =
            (store.clone(), manifest.clone(), status.clone(), cfg.clone());
        // a restarted syncer gets a fresh client: its endpoints ranked anew
        move |_generation: u32| {
            Syncer::new(
                store.clone(),
                manifest.clone(),
                Rpc::new(&urls, timeout).expect("checked above"),
                cfg.clone(),
                status.clone(),
            )
        }
    };
    if args.exit_at_head {
        let mut syncer = make(0);
        let target = match args.until {
            Some(b) => b,
            None => first
                .head()
                .await
                .map_err(|e| RunError::Config(format!("cannot read the chain head: {e}")))?,
        };
        syncer.run(Some(target)).await?;
        store.close().await;
        return Ok(());
    }
    let specs = args.fetch_specs.then(|| {
        swan_spec::fetch::Fetcher::new(&args.ipfs_gateway, args.allow_files, Duration::from_secs(5))
    });
    // the names specs give themselves, for the explorer's lists
    let spec_reader = specs.clone().map(|fetcher| {
        let every = Duration::from_secs(2);
        tokio::spawn(crate::spec_names::run(
            store.clone(),
            fetcher,
            manifest.chain_id,
            every,
        ))
    });
    let server = if args.no_api {
        None
    } else {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|source| RunError::Listen {
                addr: args.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| RunError::Listen {
            addr: args.listen,
            source,
        })?;
        let readers = Store::open_reader(
            &args.db,
            args.api_connections,
            Duration::from_secs(args.api_wait_secs),
        )
        .await?;
        let app = router(ApiState {
            store: readers,
            chain_id: manifest.chain_id,
            market: format!("{:#x}", manifest.market),
            status: status.clone(),
            ready_lag: args.ready_lag,
            token: format!("{:#x}", manifest.token),
            explorer: manifest.explorer.clone(),
            keeper_url: args.keeper_url.clone(),
            specs: specs.clone(),
            per_block: Default::default(),
        });
        tracing::info!(%addr, "HTTP API listening");
        eprintln!("indexer API on http://{addr}");
        eprintln!("market explorer on http://{addr}/");
        Some(tokio::spawn(
            async move { axum::serve(listener, app).await },
        ))
    };
    let stall = Duration::from_secs(args.stall_secs);
    let result = tokio::select! {
        r = supervise(make, stall, status.clone()) => r.map_err(RunError::from),
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("Ctrl-C: stopping");
            Ok(())
        }
    };
    if let Some(s) = server {
        s.abort();
    }
    if let Some(r) = spec_reader {
        r.abort();
    }
    store.close().await;
    result
}
