//! A market on anvil for the keeper's market tests: three providers of different sizes, regions
//! and prices registered and staked, a funded submitter, and the real indexer mirroring it.
#![allow(dead_code)]

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::{Address, B256, U256, Uint, keccak256},
    providers::{DynProvider, Provider},
};
use swan_contracts::{
    DeployConfig, ISwanMarket, ISwanRegistry, Manifest, SwanMarket, TOKEN, anvil_path, chain_time,
    create_task, deploy, dev_provider, fund_market, label, open_terms, register_provider,
    registry::ISwanRegistry as Reg, tokens,
};
use swan_indexer::{
    fetch::Rpc,
    status::Status,
    store::Store,
    sync::{SyncConfig, Syncer},
};

use super::common::pg_database;

/// Send a contract call and insist it succeeds.
pub(crate) async fn ok<P: Provider, D: alloy::contract::CallDecoder>(
    p: &DynProvider,
    call: alloy::contract::CallBuilder<P, D>,
) {
    swan_contracts::call_ok(p, call).await.unwrap();
}

pub(crate) fn machine(cpu: u32, gpus: u32, storage: u32) -> ISwanRegistry::Resources {
    ISwanRegistry::Resources {
        cpuCores: cpu,
        memoryGiB: cpu * 4,
        storageGiB: storage,
        gpuCount: gpus,
        gpuMemoryGiB: if gpus > 0 { 80 } else { 0 },
        gpuModel: if gpus > 0 { label("A100") } else { B256::ZERO },
    }
}

/// (resources, region, GPU-hour price in tokens/1000)
pub(crate) const PROVIDERS: [(u32, u32, &str, u128); 3] =
    [(32, 0, "eu", 0), (16, 4, "us", 100), (32, 8, "us", 300)];

pub(crate) struct Chain {
    pub(crate) _anvil: alloy::node_bindings::AnvilInstance,
    pub(crate) p: DynProvider,
    pub(crate) manifest: Manifest,
    pub(crate) owners: Vec<Address>,
    pub(crate) workers: Vec<Address>,
    pub(crate) submitter: Address,
    pub(crate) admin: Address,
}

pub(crate) async fn chain() -> Chain {
    let anvil = alloy::node_bindings::Anvil::at(anvil_path())
        .try_spawn()
        .unwrap();
    let (p, keys) = dev_provider(&anvil, 8);
    let (admin, submitter) = (keys[0], keys[1]);
    let manifest = deploy(&p, &DeployConfig::devnet(admin, anvil.endpoint()))
        .await
        .unwrap();
    let owners = keys[2..5].to_vec();
    let amounts = (tokens(1_000_000), tokens(10_000));
    fund_market(&p, &manifest, (&owners, submitter), amounts)
        .await
        .unwrap();
    for (i, &(cpu, gpus, region, gpu_price)) in PROVIDERS.iter().enumerate() {
        let info = Reg::ProviderInfo {
            worker: keys[5 + i],
            beneficiary: owners[i],
            resources: machine(cpu, gpus, 500).into(),
            prices: Reg::Prices {
                perCpuHour: Uint::from(TOKEN / 1_000),
                perGiBMemoryHour: Uint::from(TOKEN / 10_000),
                perGpuHour: Uint::from(gpu_price * TOKEN / 1_000),
                perGiBStorageHour: Uint::ZERO,
            },
            region: label(region),
            terms: open_terms(tokens(200)),
            metadataURI: format!("http://127.0.0.1/p{i}"),
        };
        register_provider(&p, manifest.registry, owners[i], info, tokens(200))
            .await
            .unwrap();
    }
    Chain {
        _anvil: anvil,
        p,
        manifest,
        owners,
        workers: keys[5..8].to_vec(),
        submitter,
        admin,
    }
}

impl Chain {
    /// The latest block's timestamp.
    pub(crate) async fn now(&self) -> u64 {
        chain_time(&self.p).await.unwrap()
    }

    /// Create a batch task (one replica, result due in two hours, its own spec); its id.
    pub(crate) async fn task(&self, cpu: u32, gpus: u32, region: &str, cap: u128) -> U256 {
        self.task_of(cpu, gpus, region, cap, None, 100).await
    }

    /// Create a batch task for `spec` (a new one if `None`) at `pct` % collateral; its id.
    pub(crate) async fn task_of(
        &self,
        cpu: u32,
        gpus: u32,
        region: &str,
        cap: u128,
        spec: Option<B256>,
        pct: u16,
    ) -> U256 {
        let market = SwanMarket::new(self.manifest.market, &self.p);
        let n = market.taskCount().call().await.unwrap() + U256::from(1);
        let now = self.now().await;
        let req = ISwanMarket::TaskRequest {
            mode: 0,
            replicas: 1,
            quorum: 0,
            collateralPct: pct,
            paramsVersion: 1,
            price: Uint::from(cap),
            assignBy: (now + 3_600) as u32,
            resultBy: (now + 7_200) as u32,
            settleBy: (now + 10_800) as u32,
            specHash: spec.unwrap_or_else(|| keccak256(n.to_be_bytes::<32>())),
            answerCommit: B256::ZERO,
            requirements: machine(cpu, gpus, 50),
            region: if region.is_empty() {
                B256::ZERO
            } else {
                label(region)
            },
            specURI: format!("ipfs://spec-{n}"),
        };
        let (market, me) = (self.manifest.market, self.submitter);
        let id = create_task(&self.p, market, me, req).await.unwrap();
        assert_eq!(id, (U256::from_be_slice(me.as_slice()) << 96) | n);
        id
    }
}

/// The chain mirrored by the real indexer into a fresh SQLite file (in the directory returned)
/// and a fresh Postgres database, each with its URL.
pub(crate) async fn indexed(c: &Chain, name: &str) -> (tempfile::TempDir, Vec<(String, Store)>) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join(format!("{name}.db")).display().to_string();
    let mut stores = Vec::new();
    for db in [sqlite, pg_database(name).await] {
        let store = index(&db, &c.manifest).await;
        stores.push((db, store));
    }
    (dir, stores)
}

pub(crate) async fn index(db: &str, manifest: &Manifest) -> Store {
    let store = Store::open(db).await.unwrap();
    let rpc = Rpc::new(&manifest.rpc_urls, Duration::from_secs(10)).unwrap();
    let head = rpc.head().await.unwrap();
    let cfg = SyncConfig {
        progress: false,
        ..SyncConfig::default()
    };
    let mut s = Syncer::new(
        store.clone(),
        manifest.clone(),
        rpc,
        cfg,
        Arc::new(Status::new()),
    );
    s.run(Some(head)).await.unwrap();
    store
}
