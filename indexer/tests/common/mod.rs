//! A local chain with the market deployed, shared by the indexer's integration tests.

use alloy::{
    network::EthereumWallet,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
};
use sqlx::Connection;
use swan_contracts::{DeployConfig, DevToken, Manifest, SwanMarket, anvil_path, deploy};
use swan_indexer::{
    fetch::Rpc,
    status::Status,
    store::Store,
    sync::{SyncConfig, Syncer},
};

#[allow(dead_code)]
pub(crate) mod scenario;

/// The Postgres server every test may use (trust auth).
pub(crate) const PG: &str = "postgres://postgres@127.0.0.1:5432";

/// A fresh Postgres database for one test.
#[allow(dead_code)]
pub(crate) async fn pg_database(name: &str) -> String {
    let db = format!("swan_{name}_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&format!("{PG}/test"))
        .await
        .expect("Postgres on 127.0.0.1:5432");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(&mut admin)
        .await
        .unwrap();
    format!("{PG}/{db}")
}

/// A fresh SQLite file for one test (kept in a temp dir the caller holds).
#[allow(dead_code)]
pub(crate) fn sqlite_file(name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.db")).display().to_string();
    (dir, path)
}

/// Sync configuration for tests: small first ranges, a fixed finality depth, no progress bar.
#[allow(dead_code)]
pub(crate) fn test_config(initial_range: u64) -> SyncConfig {
    SyncConfig {
        finality_depth: 64,
        poll: std::time::Duration::from_millis(20),
        initial_range,
        max_range: 10_000,
        progress: false,
        max_backoff: std::time::Duration::from_millis(200),
        ..SyncConfig::default()
    }
}

/// Index `manifest`'s market up to the chain's current head.
#[allow(dead_code)]
pub(crate) async fn index_to_head(store: &Store, manifest: &Manifest, cfg: SyncConfig) -> Syncer {
    let rpc = Rpc::new(&manifest.rpc_urls, std::time::Duration::from_secs(10)).unwrap();
    let head = rpc.head().await.unwrap();
    let mut s = Syncer::new(
        store.clone(),
        manifest.clone(),
        rpc,
        cfg,
        std::sync::Arc::new(Status::new()),
    );
    s.run(Some(head)).await.unwrap();
    s
}

/// A running anvil with the market deployed.
#[allow(dead_code)]
pub(crate) struct DevChain {
    /// Keeps anvil alive for the test.
    pub(crate) _anvil: AnvilInstance,
    /// Signs as the operator.
    pub(crate) provider: DynProvider,
    /// The deployment.
    pub(crate) manifest: Manifest,
    /// Admin, pauser, keeper and depositor.
    pub(crate) operator: Address,
}

/// Send, wait for the receipt, and insist it succeeded.
#[allow(dead_code)]
pub(crate) async fn mine(p: &DynProvider, tx: TransactionRequest) -> TransactionReceipt {
    swan_contracts::send_ok(p, tx).await.unwrap()
}

/// Deploy the market (granting `extra_keepers` too), then make one deposit transaction (one
/// block, one `Deposited` event) per amount in `deposits`.
#[allow(dead_code)]
pub(crate) async fn dev_chain(extra_keepers: &[Address], deposits: &[u64]) -> DevChain {
    let anvil = Anvil::at(anvil_path()).try_spawn().unwrap();
    let key = PrivateKeySigner::from(anvil.keys()[0].clone());
    let operator = key.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(key))
        .connect_http(anvil.endpoint_url())
        .erased();
    let mut cfg = DeployConfig::devnet(operator, anvil.endpoint());
    cfg.keepers.extend_from_slice(extra_keepers);
    let manifest = deploy(&provider, &cfg).await.unwrap();
    let _token = DevToken::new(manifest.token, &provider);
    let _market = SwanMarket::new(manifest.market, &provider);
    let minted = U256::from(1_000_000);
    swan_contracts::fund(&provider, &manifest, &[operator], minted)
        .await
        .unwrap();
    for &amount in deposits {
        let amount = U256::from(amount);
        swan_contracts::deposit(&provider, manifest.market, operator, amount)
            .await
            .unwrap();
    }
    DevChain {
        _anvil: anvil,
        provider,
        manifest,
        operator,
    }
}

/// Every row of `table` as text, sorted (see [`swan_store::Store::dump`]).
#[allow(dead_code)]
pub(crate) async fn dump(store: &Store, table: &str) -> Vec<String> {
    store.dump(table).await.unwrap()
}

/// The tables whose content must equal a clean single run's.
#[allow(dead_code)]
pub(crate) const CONTENT_TABLES: [&str; 11] = swan_indexer::store::CONTENT_TABLES;

/// Assert two databases hold the same content, table by table.
#[allow(dead_code)]
pub(crate) async fn assert_same_content(a: &Store, b: &Store) {
    for t in CONTENT_TABLES {
        let (x, y) = (dump(a, t).await, dump(b, t).await);
        assert_eq!(x.len(), y.len(), "{t}: row counts differ");
        for (r, s) in x.iter().zip(&y) {
            assert_eq!(r, s, "{t}: rows differ");
        }
    }
}

/// The HTTP API over `store` on a free 127.0.0.1 port, relaying `keeper_url` and fetching specs
/// with `specs`; its base URL.
#[allow(dead_code)]
pub(crate) async fn serve(
    store: Store,
    chain_id: u64,
    market: String,
    status: std::sync::Arc<Status>,
    keeper_url: Option<String>,
    specs: Option<swan_spec::fetch::Fetcher>,
) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = swan_indexer::api::router(swan_indexer::api::ApiState {
        store,
        chain_id,
        market,
        status,
        ready_lag: 5,
        token: "0x00000000000000000000000000000000000000aa".into(),
        explorer: Some("https://swanscan.io".into()),
        keeper_url,
        specs,
        per_block: Default::default(),
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}
