//! A devnet for the keeper's end-to-end tests: anvil mining a block every second (finality two
//! blocks behind), the market deployed with two keepers, three providers of different sizes
//! with their worker keys, a funded submitter, the real indexer following the chain into a
//! database in the background, and helpers to act as submitter and providers.

use std::{sync::Arc, time::Duration};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, B256, U256, Uint, keccak256},
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use swan_contracts::{
    DeployConfig, ISwanMarket, ISwanRegistry, Manifest, SwanMarket, anvil_path, chain_time,
    create_task, deploy, dev_provider, fund_market, open_terms, register_provider,
    registry::ISwanRegistry as Reg, tokens,
};
use swan_indexer::{
    fetch::Rpc,
    status::Status,
    store::Store,
    sync::{SyncConfig, Syncer, supervise},
};
use swan_keeper::run::{Keeper, KeeperConfig};

pub(crate) use swan_contracts::{TOKEN, label};

pub(crate) struct Devnet {
    pub(crate) anvil: alloy::node_bindings::AnvilInstance,
    pub(crate) p: DynProvider,
    pub(crate) manifest: Manifest,
    pub(crate) keys: Vec<PrivateKeySigner>,
    /// Keepers (granted at deployment).
    pub(crate) keepers: Vec<Address>,
    pub(crate) submitter: Address,
    /// Provider owners and their workers.
    pub(crate) owners: Vec<Address>,
    pub(crate) workers: Vec<Address>,
}

/// A file holding `body` in `dir`, as the `file://` URI a worker submits.
pub(crate) fn result_file(dir: &std::path::Path, body: &[u8]) -> String {
    let path = dir.join("result");
    std::fs::write(&path, body).unwrap();
    format!("file://{}", path.display())
}

/// Send a contract call and insist it succeeds.
pub(crate) async fn ok<P: Provider, D: alloy::contract::CallDecoder>(
    p: &DynProvider,
    call: alloy::contract::CallBuilder<P, D>,
) {
    swan_contracts::call_ok(p, call).await.unwrap();
}

impl Devnet {
    /// `endpoints`: each provider's metadata URI (its service endpoint).
    pub(crate) async fn start(endpoints: [&str; 3], anvil_args: &[&str]) -> Self {
        Self::start_scaled(endpoints, anvil_args, 1).await
    }

    /// [`Devnet::start`] with every provider's CPU cores and memory multiplied by `scale`
    /// (a benchmark's market where capacity is not what limits throughput).
    pub(crate) async fn start_scaled(
        endpoints: [&str; 3],
        anvil_args: &[&str],
        scale: u32,
    ) -> Self {
        let anvil = alloy::node_bindings::Anvil::at(anvil_path())
            .args(["--slots-in-an-epoch", "1"])
            .args(anvil_args.iter().copied())
            .try_spawn()
            .unwrap();
        let (p, addrs) = dev_provider(&anvil, 10);
        let keys: Vec<PrivateKeySigner> = anvil
            .keys()
            .iter()
            .take(10)
            .map(|k| k.clone().into())
            .collect();
        let keepers = vec![addrs[0], addrs[8], addrs[9]];
        let mut cfg = DeployConfig::devnet(addrs[0], anvil.endpoint());
        cfg.keepers = keepers.clone();
        let manifest = deploy(&p, &cfg).await.unwrap();
        let submitter = addrs[1];
        let owners = addrs[2..5].to_vec();
        let workers = addrs[5..8].to_vec();
        let amounts = (tokens(1_000_000), tokens(10_000));
        fund_market(&p, &manifest, (&owners, submitter), amounts)
            .await
            .unwrap();
        // (CPU cores, GPUs, region, CPU-hour price in tokens/1000)
        let shapes = [
            (8u32, 0u32, "eu", 1u128),
            (16, 2, "us", 2),
            (32, 4, "us", 3),
        ];
        for (i, &(cpu, gpus, region, cpu_price)) in shapes.iter().enumerate() {
            let info = Reg::ProviderInfo {
                worker: workers[i],
                beneficiary: owners[i],
                resources: Reg::Resources {
                    cpuCores: cpu * scale,
                    memoryGiB: cpu * 4 * scale,
                    storageGiB: 500 * scale,
                    gpuCount: gpus,
                    gpuMemoryGiB: if gpus > 0 { 80 } else { 0 },
                    gpuModel: if gpus > 0 { label("A100") } else { B256::ZERO },
                },
                prices: Reg::Prices {
                    perCpuHour: Uint::from(cpu_price * TOKEN / 1_000),
                    perGiBMemoryHour: Uint::ZERO,
                    perGpuHour: Uint::from(TOKEN / 10),
                    perGiBStorageHour: Uint::ZERO,
                },
                region: label(region),
                terms: open_terms(tokens(1_000)),
                metadataURI: endpoints[i].to_owned(),
            };
            register_provider(&p, manifest.registry, owners[i], info, tokens(1_000))
                .await
                .unwrap();
        }
        Self {
            anvil,
            p,
            manifest,
            keys,
            keepers,
            submitter,
            owners,
            workers,
        }
    }

    pub(crate) fn market(&self) -> SwanMarket::SwanMarketInstance<&DynProvider> {
        SwanMarket::new(self.manifest.market, &self.p)
    }

    /// The latest block's timestamp.
    pub(crate) async fn now(&self) -> u64 {
        chain_time(&self.p).await.unwrap()
    }

    /// Move the chain's clock forward.
    pub(crate) async fn warp(&self, secs: u64) {
        let _: serde_json::Value = self
            .p
            .raw_request("evm_increaseTime".into(), (secs,))
            .await
            .unwrap();
        let _: serde_json::Value = self.p.raw_request("evm_mine".into(), ()).await.unwrap();
    }

    /// Create a task as the submitter; its id.
    pub(crate) async fn create(&self, mut req: ISwanMarket::TaskRequest) -> U256 {
        let market = self.market();
        let n = market.taskCount().call().await.unwrap() + U256::from(1);
        if req.specHash == B256::ZERO {
            req.specHash = keccak256(n.to_be_bytes::<32>());
        }
        let (market, me) = (self.manifest.market, self.submitter);
        let id = create_task(&self.p, market, me, req).await.unwrap();
        assert_eq!(id, (U256::from_be_slice(me.as_slice()) << 96) | n);
        id
    }

    /// A request with sensible defaults: `mode`, `replicas`, cap per replica, CPU cores; assign
    /// within 5 minutes, results within 10, settlement within 20.
    pub(crate) async fn request(
        &self,
        mode: u8,
        replicas: u8,
        cap: u128,
        cpu: u32,
    ) -> ISwanMarket::TaskRequest {
        let now = self.now().await;
        ISwanMarket::TaskRequest {
            mode,
            replicas,
            quorum: 0,
            collateralPct: 100,
            paramsVersion: 1,
            price: Uint::from(cap),
            assignBy: (now + 300) as u32,
            resultBy: (now + 600) as u32,
            settleBy: (now + 1_200) as u32,
            specHash: B256::ZERO,
            answerCommit: B256::ZERO,
            requirements: ISwanRegistry::Resources {
                cpuCores: cpu,
                memoryGiB: cpu,
                storageGiB: 10,
                gpuCount: 0,
                gpuMemoryGiB: 0,
                gpuModel: B256::ZERO,
            },
            region: B256::ZERO,
            specURI: "file:///nonexistent".into(),
        }
    }

    pub(crate) async fn status(&self, task: U256) -> u8 {
        self.market().getTask(task).call().await.unwrap().status
    }

    pub(crate) async fn replica(&self, task: U256, i: u64) -> ISwanMarket::Replica {
        self.market()
            .getReplica(task, U256::from(i))
            .call()
            .await
            .unwrap()
    }

    /// The worker key of the provider running replica `i` of `task`.
    pub(crate) async fn worker_of(&self, task: U256, i: u64) -> Address {
        let owner = self.replica(task, i).await.provider;
        let k = self
            .owners
            .iter()
            .position(|o| *o == owner)
            .expect("a devnet provider");
        self.workers[k]
    }

    /// Submit a result for replica `i` as its provider's worker.
    pub(crate) async fn submit(&self, task: U256, i: u64, hash: B256, uri: &str) {
        let worker = self.worker_of(task, i).await;
        ok(
            &self.p,
            self.market()
                .submitResult(task, U256::from(i), hash, uri.to_owned())
                .from(worker),
        )
        .await;
    }

    /// Commit a sealed result (quorum, known answer) for replica `i` as its worker.
    pub(crate) async fn seal(&self, task: U256, i: u64, result: B256, salt: B256) {
        let commitment = self
            .market()
            .commitmentOf(task, U256::from(i), result, salt)
            .call()
            .await
            .unwrap();
        self.submit(task, i, commitment, "").await;
    }

    /// Reveal a sealed result for replica `i` as its worker.
    pub(crate) async fn open(&self, task: U256, i: u64, result: B256, salt: B256) {
        let worker = self.worker_of(task, i).await;
        ok(
            &self.p,
            self.market()
                .revealResult(
                    task,
                    U256::from(i),
                    result,
                    salt,
                    "file:///result".to_owned(),
                )
                .from(worker),
        )
        .await;
    }

    /// Wait until `task` has `status` on chain (polling; panics after `secs`).
    pub(crate) async fn wait_status(&self, task: U256, status: u8, secs: u64) {
        for _ in 0..secs * 10 {
            if self.status(task).await == status {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "task {task:#x} did not reach status {status} in {secs} s (it is {})",
            self.status(task).await
        );
    }

    /// The real indexer following the chain into `db`, in the background.
    pub(crate) async fn index(&self, db: &str) -> (Store, tokio::task::JoinHandle<()>) {
        let store = Store::open(db).await.unwrap();
        let (s, manifest) = (store.clone(), self.manifest.clone());
        let status = Arc::new(Status::new());
        let st = status.clone();
        let h = tokio::spawn(async move {
            let make = move |_| {
                let rpc = Rpc::new(&manifest.rpc_urls, Duration::from_secs(10)).unwrap();
                let cfg = SyncConfig {
                    progress: false,
                    poll: Duration::from_millis(100),
                    finality_depth: 2,
                    ..SyncConfig::default()
                };
                Syncer::new(s.clone(), manifest.clone(), rpc, cfg, st.clone())
            };
            let _ = supervise(make, Duration::from_secs(30), status).await;
        });
        (store, h)
    }

    /// A keeper signing with keeper `k`'s key.
    pub(crate) async fn keeper(
        &self,
        store: &Store,
        k: usize,
        rpc_urls: &[String],
        cfg: KeeperConfig,
    ) -> Keeper {
        let who = self.keepers[k];
        let key = self
            .keys
            .iter()
            .find(|s| s.address() == who)
            .unwrap()
            .clone();
        Keeper::open(
            store.clone(),
            &self.manifest,
            rpc_urls,
            EthereumWallet::from(key),
            who,
            cfg,
        )
        .await
        .unwrap()
    }

    /// The market's internal balance of `who`.
    pub(crate) async fn balance(&self, who: Address) -> U256 {
        self.market().balanceOf(who).call().await.unwrap()
    }

    pub(crate) async fn earned(&self, owner: Address) -> U256 {
        U256::from(self.market().getAccount(owner).call().await.unwrap().earned)
    }
}

/// A keeper running its loop in the background until [`Running::stop`].
pub(crate) struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub(crate) fn spawn(mut keeper: Keeper) -> Self {
        let (stop, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            keeper
                .run(async {
                    let _ = rx.await;
                })
                .await
                .unwrap();
        });
        Self { stop, task }
    }

    /// Stop the loop; panics if it had failed.
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.unwrap();
    }
}

/// As the chain's events say (the indexer's mirror of them): each of `n` tasks assigned once and
/// each replica paid once.
pub(crate) async fn assert_each_once(store: &Store, n: usize, what: &str) {
    let rows = sqlx::query("SELECT task_id, COUNT(*) FROM assignments GROUP BY task_id")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), n, "{what}");
    for r in rows {
        use sqlx::Row;
        assert_eq!(
            r.get::<i64, _>(1),
            1,
            "{what}: task {} assigned once",
            r.get::<String, _>(0)
        );
    }
    let paid: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE kind = 'replica_paid'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(paid, n as i64, "{what}: each replica paid once");
}

/// A keeper configuration for tests: fast ticks and bumps, `file://` allowed.
pub(crate) fn fast() -> KeeperConfig {
    let mut cfg = KeeperConfig {
        tick: Duration::from_millis(200),
        allow_files: true,
        ..KeeperConfig::default()
    };
    cfg.send.bump_after = Duration::from_secs(3);
    cfg
}
