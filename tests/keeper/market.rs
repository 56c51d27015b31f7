//! Chain → indexer → SQL → keeper: providers and tasks created by real transactions on anvil,
//! indexed by the real indexer into a SQLite file and into Postgres, read back as allocation
//! inputs and allocated. The keeper's view must agree with the contract's own.

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::{Address, B256, U256, Uint, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
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
use swan_keeper::{
    allocate::{Config, Refusal, allocate},
    market::{MarketError, offers, open_tasks, reserve_in_flight, too_fresh},
    outbox::{Key, Outbox},
    plan::Act,
};

mod common;
use common::pg_database;

/// Send a contract call and insist it succeeds.
async fn ok<P: Provider, D: alloy::contract::CallDecoder>(
    p: &DynProvider,
    call: alloy::contract::CallBuilder<P, D>,
) {
    swan_contracts::call_ok(p, call).await.unwrap();
}

fn machine(cpu: u32, gpus: u32, storage: u32) -> ISwanRegistry::Resources {
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
const PROVIDERS: [(u32, u32, &str, u128); 3] =
    [(32, 0, "eu", 0), (16, 4, "us", 100), (32, 8, "us", 300)];

struct Chain {
    _anvil: alloy::node_bindings::AnvilInstance,
    p: DynProvider,
    manifest: Manifest,
    owners: Vec<Address>,
    workers: Vec<Address>,
    submitter: Address,
    admin: Address,
}

async fn chain() -> Chain {
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
    async fn now(&self) -> u64 {
        chain_time(&self.p).await.unwrap()
    }

    /// Create a batch task (one replica, result due in two hours, its own spec); its id.
    async fn task(&self, cpu: u32, gpus: u32, region: &str, cap: u128) -> U256 {
        self.task_of(cpu, gpus, region, cap, None, 100).await
    }

    /// Create a batch task for `spec` (a new one if `None`) at `pct` % collateral; its id.
    async fn task_of(
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
async fn indexed(c: &Chain, name: &str) -> (tempfile::TempDir, Vec<(String, Store)>) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join(format!("{name}.db")).display().to_string();
    let mut stores = Vec::new();
    for db in [sqlite, pg_database(name).await] {
        let store = index(&db, &c.manifest).await;
        stores.push((db, store));
    }
    (dir, stores)
}

async fn index(db: &str, manifest: &Manifest) -> Store {
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

#[tokio::test]
async fn the_keeper_allocates_what_the_indexer_mirrored() {
    let c = chain().await;
    let market = SwanMarket::new(c.manifest.market, &c.p);
    // a GPU task already running on the dear GPU provider: its resources and collateral are taken
    let running = c.task(4, 2, "", 5 * TOKEN).await;
    ok(
        &c.p,
        market
            .assign(running, vec![c.owners[2]], vec![Uint::from(2 * TOKEN)])
            .from(c.admin),
    )
    .await;
    let gpu = c.task(4, 1, "", 5 * TOKEN).await; // both GPU providers can; provider 1 is cheaper
    let eu_cpu = c.task(2, 0, "eu", TOKEN).await; // only the EU CPU machine is in the region
    let too_cheap = c.task(2, 1, "", 1_000).await; // every quote is above its cap
    let too_big = c.task(4, 16, "", 50 * TOKEN).await; // no machine has 16 GPUs
    let now = c.now().await;

    let (_dir, stores) = indexed(&c, "market").await;
    for (db, store) in stores {
        let offers = offers(&store, c.manifest.chain_id).await.unwrap();
        assert_eq!(offers.len(), 3, "{db}");
        for o in &offers {
            // the keeper's view of each provider agrees with the contract
            let free = market.freeCollateral(o.address).call().await.unwrap();
            assert_eq!(
                U256::from(o.free_collateral),
                free,
                "{db}: free collateral of {}",
                o.address
            );
            assert!(o.active);
            assert_eq!(
                o.reputation_ppm, 500_000,
                "a new provider starts at one half"
            );
        }
        let dear = offers.iter().find(|o| o.address == c.owners[2]).unwrap();
        assert_eq!(
            (dear.running, dear.in_use.gpu_count, dear.in_use.cpu_cores),
            (1, 2, 4)
        );

        let tasks = open_tasks(&store, c.manifest.chain_id, now).await.unwrap();
        let ids: Vec<U256> = tasks.iter().map(|t| t.id).collect();
        assert_eq!(
            ids,
            [gpu, eu_cpu, too_cheap, too_big],
            "{db}: open tasks, oldest first"
        );
        assert_eq!(tasks[0].price_cap, 5 * TOKEN);

        let d = allocate(&tasks, &offers, &Config::default());
        assert_eq!(
            d[0].chosen[0].provider, c.owners[1],
            "{db}: the cheaper GPU provider"
        );
        assert_eq!(d[0].eligible, 2);
        assert_eq!(
            d[1].chosen[0].provider, c.owners[0],
            "{db}: the only EU machine"
        );
        assert!(d[2].chosen.is_empty() && d[2].refused.get(&Refusal::Price) == Some(&2));
        assert!(d[3].chosen.is_empty() && d[3].refused.get(&Refusal::Resources) == Some(&3));

        // a row that does not read as its type is an error naming the column, never a default
        for (set, column) in [
            ("free = 'plenty'", "free"),
            ("cpu_cores = -1", "cpu_cores"),
            ("modes = 300", "modes"),
        ] {
            let owner = format!("{:#x}", c.owners[0]);
            let original: (String, i64, i64) =
                sqlx::query_as("SELECT free, cpu_cores, modes FROM providers WHERE address = $1")
                    .bind(&owner)
                    .fetch_one(store.pool())
                    .await
                    .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE providers SET {set} WHERE address = $1"
            )))
            .bind(&owner)
            .execute(store.pool())
            .await
            .unwrap();
            match swan_keeper::market::offers(&store, c.manifest.chain_id).await {
                Err(MarketError::Corrupt { column: c, .. }) => assert_eq!(c, column, "{db}"),
                other => panic!("{db}: {set}: {other:?}"),
            }
            sqlx::query(
                "UPDATE providers SET free = $1, cpu_cores = $2, modes = $3 WHERE address = $4",
            )
            .bind(original.0)
            .bind(original.1)
            .bind(original.2)
            .bind(&owner)
            .execute(store.pool())
            .await
            .unwrap();
        }
        let again = swan_keeper::market::offers(&store, c.manifest.chain_id).await;
        assert_eq!(again.unwrap().len(), 3);
        sqlx::query("UPDATE tasks SET mode = 'guess' WHERE task_id = $1")
            .bind(swan_store::task_key(&gpu))
            .execute(store.pool())
            .await
            .unwrap();
        match open_tasks(&store, c.manifest.chain_id, now).await {
            Err(MarketError::Corrupt {
                column: "mode",
                value,
                ..
            }) => assert_eq!(value, "guess"),
            other => panic!("{db}: {other:?}"),
        }
        store.close().await;
    }
}

#[tokio::test]
async fn reverts_are_classified_by_the_market_s_own_errors() {
    use swan_keeper::revert::{Action, SimulateError, classify, simulate};
    let c = chain().await;
    let market = SwanMarket::new(c.manifest.market, &c.p);
    let id = c.task(2, 0, "", TOKEN).await;
    let reverts = |tx: alloy::rpc::types::TransactionRequest| {
        let p = c.p.clone();
        async move {
            match simulate(&p, tx).await {
                Err(SimulateError::Reverts(r)) => r,
                other => panic!("expected a revert, got {other:?}"),
            }
        }
    };
    // the work is moot: settling a task that is still open, or one that does not exist
    let r = reverts(
        market
            .settle(id, U256::from(1))
            .from(c.admin)
            .into_transaction_request(),
    )
    .await;
    assert_eq!(r.action, Action::Drop, "{}", r.error);
    assert!(r.error.contains("WrongTaskStatus"), "{}", r.error);
    let r = reverts(
        market
            .settle(id + U256::from(99), U256::from(1))
            .from(c.admin)
            .into_transaction_request(),
    )
    .await;
    assert!(
        r.error.contains("UnknownTask") && r.action == Action::Drop,
        "{r:?}"
    );
    // too early: expiring a task before its assign-by time says when it can be expired
    let r = reverts(market.expire(id).from(c.admin).into_transaction_request()).await;
    assert!(
        matches!(r.action, Action::Retry { at: Some(t) } if t > 0),
        "{r:?}"
    );
    // the decision is stale: a provider that is not registered
    let stranger = Address::repeat_byte(0x77);
    let r = reverts(
        market
            .assign(id, vec![stranger], vec![Uint::from(1u64)])
            .from(c.admin)
            .into_transaction_request(),
    )
    .await;
    assert_eq!(r.action, Action::Replan, "{}", r.error);
    // the keeper is wrong: it is not a keeper
    let r = reverts(
        market
            .assign(id, vec![c.owners[0]], vec![Uint::from(1u64)])
            .from(c.submitter)
            .into_transaction_request(),
    )
    .await;
    assert!(
        r.error.contains("NotKeeper") && r.action == Action::Alert,
        "{r:?}"
    );
    // a call that succeeds returns its data
    let out = simulate(&c.p, market.taskCount().into_transaction_request())
        .await
        .unwrap();
    assert_eq!(U256::from_be_slice(&out), U256::from(1));
    // data that is not the market's, and no data at all
    assert_eq!(classify(&[1, 2, 3, 4]).action, Action::Alert);
    assert!(classify(&[]).error.contains("without data"));
    // an RPC that is down is not a revert
    let dead = ProviderBuilder::new().connect_http("http://127.0.0.1:9".parse().unwrap());
    let e = simulate(&dead, market.taskCount().into_transaction_request())
        .await
        .unwrap_err();
    assert!(matches!(e, SimulateError::Rpc(_)), "{e}");
}

#[tokio::test]
async fn utilization_and_suggested_prices_come_from_the_indexer_s_tables() {
    use swan_keeper::{optimize, pricing};
    let c = chain().await;
    let market = SwanMarket::new(c.manifest.market, &c.p);
    // provider 1 (16 CPU, 4 GPUs, us) runs a 4-GPU task; provider 2 (32 CPU, 8 GPUs, us) a 2-GPU one
    for (owner, gpus) in [(c.owners[1], 4), (c.owners[2], 2)] {
        let t = c.task(4, gpus, "", 50 * TOKEN).await;
        ok(
            &c.p,
            market
                .assign(t, vec![owner], vec![Uint::from(TOKEN)])
                .from(c.admin),
        )
        .await;
    }
    // a day later: the two replicas held their GPUs for their whole result window (2 hours)
    let _: serde_json::Value =
        c.p.raw_request("evm_increaseTime".into(), (86_400,))
            .await
            .unwrap();
    let _: serde_json::Value = c.p.raw_request("evm_mine".into(), ()).await.unwrap();
    let (_dir, stores) = indexed(&c, "optimize").await;
    for (db, store) in stores {
        let offers = offers(&store, c.manifest.chain_id).await.unwrap();
        let u = optimize::utilization(&offers);
        let p1 = u
            .providers
            .iter()
            .find(|p| p.provider == format!("{:#x}", c.owners[1]))
            .unwrap();
        assert_eq!(
            (p1.cpu_ppm, p1.gpu_ppm, p1.running),
            (250_000, 1_000_000, 1),
            "{db}"
        );
        let us = &u.regions["us"];
        // 8 of 48 cores, 6 of 12 GPUs
        assert_eq!(
            (us.providers, us.running, us.cpu_ppm, us.gpu_ppm),
            (2, 2, 166_666, 500_000),
            "{db}"
        );
        assert_eq!(
            (u.regions["eu"].cpu_ppm, u.regions["eu"].gpu_ppm),
            (0, 0),
            "{db}"
        );

        let now = c.now().await;
        let prices = optimize::suggested_prices(&store, c.manifest.chain_id, &offers, now)
            .await
            .unwrap();
        let gpu = prices.iter().find(|p| p.class == "gpu:A100").unwrap();
        assert_eq!(
            (gpu.capacity, gpu.occupancy_ppm),
            (12, 500_000),
            "{db}: {gpu:?}"
        );
        // the median asked GPU-hour price of the two GPU providers (0.1 and 0.3 token): the lower
        assert_eq!(gpu.base, (100 * TOKEN / 1_000).to_string(), "{db}");
        assert!(
            gpu.history_ppm > 0,
            "{db}: two replicas held GPUs in the window"
        );
        let expect =
            pricing::suggested_price(100 * TOKEN / 1_000, gpu.history_ppm, gpu.occupancy_ppm)
                .unwrap();
        assert_eq!(gpu.suggested, expect.to_string(), "{db}");
        assert!(
            expect > 100 * TOKEN / 1_000,
            "occupancy above 40 % raises the price"
        );
        let cpu = prices.iter().find(|p| p.class == "cpu").unwrap();
        // 8 of 80 cores busy: under 40 %, and almost no history: the base price
        assert_eq!((cpu.capacity, cpu.occupancy_ppm), (80, 100_000), "{db}");
        assert_eq!(
            cpu.suggested,
            pricing::suggested_price(TOKEN / 1_000, cpu.history_ppm, 100_000)
                .unwrap()
                .to_string()
        );
        store.close().await;
    }
}

/// Exclusion: a provider that declined a task, or was slashed on it, is not picked again when the
/// same work (the same spec hash) is posted anew; other work still goes to it.
#[tokio::test]
async fn a_provider_that_declined_or_failed_the_work_is_not_picked_for_it_again() {
    let c = chain().await;
    let market = SwanMarket::new(c.manifest.market, &c.p);
    let (declined, failed) = (keccak256(b"declined work"), keccak256(b"failed work"));
    // provider 1 (the cheapest GPU machine) declines one task and is slashed on another
    let first = c.task_of(4, 1, "", 5 * TOKEN, Some(declined), 100).await;
    let second = c.task_of(4, 1, "", 5 * TOKEN, Some(failed), 100).await;
    // and declines a task without a spec hash (zero: it names no work)
    let unnamed = c.task_of(4, 1, "", 5 * TOKEN, Some(B256::ZERO), 100).await;
    for t in [first, second, unnamed] {
        ok(
            &c.p,
            market
                .assign(t, vec![c.owners[1]], vec![Uint::from(TOKEN)])
                .from(c.admin),
        )
        .await;
    }
    for t in [first, unnamed] {
        ok(&c.p, market.declineTask(t, U256::ZERO).from(c.workers[1])).await;
    }
    ok(
        &c.p,
        market
            .submitResult(
                second,
                U256::ZERO,
                B256::repeat_byte(1),
                "ipfs://junk".into(),
            )
            .from(c.workers[1]),
    )
    .await;
    // the keeper's verdict: failed
    ok(&c.p, market.settle(second, U256::ZERO).from(c.admin)).await;
    // the same work posted again, and new work
    let again_declined = c.task_of(4, 1, "", 5 * TOKEN, Some(declined), 100).await;
    let again_failed = c.task_of(4, 1, "", 5 * TOKEN, Some(failed), 100).await;
    // (a cap near the quotes, so price outweighs provider 1's lower reputation after its slash)
    let fresh = c.task(4, 1, "", TOKEN).await;
    let again_unnamed = c.task_of(4, 1, "", 5 * TOKEN, Some(B256::ZERO), 100).await;
    let now = c.now().await;
    let (_dir, stores) = indexed(&c, "exclude").await;
    for (db, store) in stores {
        let offers = offers(&store, c.manifest.chain_id).await.unwrap();
        let tasks = open_tasks(&store, c.manifest.chain_id, now).await.unwrap();
        let ids: Vec<U256> = tasks.iter().map(|t| t.id).collect();
        assert_eq!(
            ids,
            [again_declined, again_failed, fresh, again_unnamed],
            "{db}"
        );
        for t in &tasks[..2] {
            assert_eq!(t.exclude, [c.owners[1]], "{db}: task {:#x}", t.id);
        }
        assert!(
            tasks[2].exclude.is_empty(),
            "{db}: new work excludes no one"
        );
        assert!(
            tasks[3].exclude.is_empty(),
            "{db}: tasks without a spec hash are not the same work"
        );
        let d = allocate(&tasks, &offers, &Config::default());
        for d in &d[..2] {
            assert_eq!(
                d.chosen[0].provider, c.owners[2],
                "{db}: the other GPU machine"
            );
            assert_eq!(d.refused.get(&Refusal::Excluded), Some(&1), "{db}");
        }
        assert_eq!(
            d[2].chosen[0].provider, c.owners[1],
            "{db}: still the cheapest for new work"
        );
        store.close().await;
    }
}

/// The contract locks collateral from the agreed price, and so does the keeper: a provider whose
/// free collateral covers the collateral at its price but not at the task's cap is picked, and
/// the assignment goes through on chain (it used to revert `InsufficientCollateral` and be
/// retried until the task expired).
#[tokio::test]
async fn collateral_is_counted_from_the_agreed_price_as_the_contract_locks_it() {
    let c = chain().await;
    let market = SwanMarket::new(c.manifest.market, &c.p);
    // provider 0 (CPU only, 0.001 token per core-hour) has 200 tokens staked: at 1,000 %
    // collateral a task capped at 50 tokens would lock 500 at the cap, under 1 at its quote
    let id = c.task_of(2, 0, "eu", 50 * TOKEN, None, 1_000).await;
    let now = c.now().await;
    let dir = tempfile::tempdir().unwrap();
    let store = index(
        &dir.path().join("collateral.db").display().to_string(),
        &c.manifest,
    )
    .await;
    let offers = offers(&store, c.manifest.chain_id).await.unwrap();
    let tasks = open_tasks(&store, c.manifest.chain_id, now).await.unwrap();
    let p0 = offers.iter().find(|o| o.address == c.owners[0]).unwrap();
    let at_cap = 50 * TOKEN * 10;
    let d = allocate(&tasks, &offers, &Config::default());
    let chosen = &d[0].chosen[0];
    assert_eq!(chosen.provider, c.owners[0]);
    assert!(
        chosen.collateral <= p0.free_collateral && p0.free_collateral < at_cap,
        "free {} between the collateral at the price {} and at the cap {at_cap}",
        p0.free_collateral,
        chosen.collateral
    );
    ok(
        &c.p,
        market
            .assign(id, vec![chosen.provider], vec![Uint::from(chosen.price)])
            .from(c.admin),
    )
    .await;
    let locked = market.freeCollateral(c.owners[0]).call().await.unwrap();
    assert_eq!(
        U256::from(p0.free_collateral - chosen.collateral),
        locked,
        "the contract locked what the keeper computed"
    );
    store.close().await;
}

/// Two keepers on one database: while one keeper's assignment is on its way (proposed, sent, or
/// mined but not yet indexed), the capacity and collateral it takes are not offered to another
/// task. The chaos run saw the race this closes: two keepers gave one provider's last free
/// collateral to two tasks, and one assignment reverted `InsufficientCollateral` on chain.
#[tokio::test]
async fn an_assignment_in_flight_holds_its_providers_capacity() {
    let c = chain().await;
    let market = SwanMarket::new(c.manifest.market, &c.p);
    let chain_id = c.manifest.chain_id;
    // provider 0 is the only one in "eu"; two small tasks at 1,000 % collateral, and a filler
    // task that will lock most of its collateral
    let filler = c.task_of(1, 0, "eu", 500 * TOKEN, None, 100).await;
    c.task_of(2, 0, "eu", 5 * TOKEN, None, 1_000).await;
    c.task_of(2, 0, "eu", 5 * TOKEN, None, 1_000).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("in-flight.db").display().to_string();
    let store = index(&db, &c.manifest).await;
    let cfg = Config::default();
    let tasks = open_tasks(&store, chain_id, c.now().await).await.unwrap();
    let d = allocate(&tasks, &offers(&store, chain_id).await.unwrap(), &cfg);
    assert!(d.iter().all(|d| d.chosen.len() == 1), "all fit: {d:?}");
    let one = d.iter().find(|d| d.task != filler).unwrap().chosen[0].collateral;
    // the filler, assigned on chain at a price that leaves one and a half tasks' collateral free
    let free = market.freeCollateral(c.owners[0]).call().await.unwrap();
    let keep = U256::from(one + one / 2);
    ok(
        &c.p,
        market
            .assign(filler, vec![c.owners[0]], vec![free - keep])
            .from(c.admin),
    )
    .await;
    assert_eq!(
        market.freeCollateral(c.owners[0]).call().await.unwrap(),
        keep
    );
    store.close().await;
    let store = index(&db, &c.manifest).await;
    let tasks = open_tasks(&store, chain_id, c.now().await).await.unwrap();
    let mut offers = offers(&store, chain_id).await.unwrap();
    let placed: Vec<_> = allocate(&tasks, &offers, &cfg)
        .into_iter()
        .filter(|d| !d.chosen.is_empty())
        .collect();
    assert_eq!(placed.len(), 1, "one batch places one of the two");
    let (first, pick) = (placed[0].task, placed[0].chosen[0].clone());
    assert_eq!(pick.provider, c.owners[0]);
    // keeper A writes its assignment down
    let outbox = Outbox::open(&store).await.unwrap();
    let act = Act::Assign {
        providers: vec![format!("{:#x}", pick.provider)],
        prices: vec![pick.price.to_string()],
    };
    let key = Key {
        chain_id,
        action: "assign".into(),
        task: format!("{first:#x}"),
        attempt: 0,
    };
    let payload = serde_json::to_string(&act).unwrap();
    assert!(outbox.propose(&key, &payload, 0).await.unwrap());
    // keeper B plans the other task (the first is A's): on the indexer's tables alone, provider
    // 0 looks free and gets it
    let rest: Vec<_> = tasks.iter().filter(|t| t.id != first).cloned().collect();
    let second = rest[0].id;
    let blind = allocate(&rest, &offers, &cfg);
    assert_eq!(
        blind[0].chosen.len(),
        1,
        "the race: provider 0 offered twice"
    );
    // counting A's assignment, half a task's collateral is left and the second task waits
    let counted = reserve_in_flight(&store, chain_id, &tasks, &mut offers)
        .await
        .unwrap();
    assert_eq!(counted, 1);
    let p0 = offers.iter().find(|o| o.address == c.owners[0]).unwrap();
    assert_eq!(
        U256::from(p0.free_collateral),
        keep - U256::from(pick.collateral)
    );
    assert_eq!(p0.in_use.cpu_cores, 1 + 2, "the filler and the first");
    let d = allocate(&rest, &offers, &cfg);
    assert!(d[0].chosen.is_empty(), "second task placed: {:?}", d[0]);
    assert_eq!(
        d[0].refused.get(&Refusal::Collateral),
        Some(&1),
        "{:?}",
        d[0]
    );
    // the contract agrees: with the first assigned, provider 0 cannot take the second
    ok(
        &c.p,
        market
            .assign(first, vec![pick.provider], vec![Uint::from(pick.price)])
            .from(c.admin),
    )
    .await;
    let again = swan_keeper::revert::simulate(
        &c.p,
        market
            .assign(second, vec![pick.provider], vec![Uint::from(pick.price)])
            .from(c.admin)
            .into_transaction_request(),
    )
    .await;
    match again {
        Err(swan_keeper::revert::SimulateError::Reverts(r)) => {
            assert!(r.error.contains("InsufficientCollateral"), "{r:?}")
        }
        other => panic!("the contract let provider 0 lock more than it has: {other:?}"),
    }
    // once the assignment is indexed it is counted once, from the chain's record, not again
    store.close().await;
    let store = index(&db, &c.manifest).await;
    let tasks = open_tasks(&store, chain_id, c.now().await).await.unwrap();
    let mut offers = swan_keeper::market::offers(&store, chain_id).await.unwrap();
    let counted = reserve_in_flight(&store, chain_id, &tasks, &mut offers)
        .await
        .unwrap();
    assert_eq!(counted, 0);
    let p0 = offers.iter().find(|o| o.address == c.owners[0]).unwrap();
    assert_eq!(
        U256::from(p0.free_collateral),
        keep - U256::from(pick.collateral)
    );
    assert_eq!(p0.in_use.cpu_cores, 1 + 2, "the filler and the first");
    store.close().await;
}

/// `--confirmations`: a task created in the last blocks the indexer has seen waits, so that a
/// reorg cannot put its assignment before its creation; once deep enough it is assignable.
#[tokio::test]
async fn a_task_waits_for_its_confirmations() {
    let c = chain().await;
    let id = c.task(2, 0, "eu", 5 * TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db").display().to_string();
    let store = index(&db, &c.manifest).await;
    let chain_id = c.manifest.chain_id;
    assert!(too_fresh(&store, chain_id, 0).await.unwrap().is_empty());
    assert!(too_fresh(&store, chain_id, 3).await.unwrap().contains(&id));
    let _: serde_json::Value = c.p.raw_request("anvil_mine".into(), (3u64,)).await.unwrap();
    store.close().await;
    let store = index(&db, &c.manifest).await;
    assert!(!too_fresh(&store, chain_id, 3).await.unwrap().contains(&id));
    assert!(too_fresh(&store, chain_id, 4).await.unwrap().contains(&id));
    store.close().await;
}

/// An open task past its assign-by whose `expire` was given up on (it reverted: the chaos run
/// saw reorgs do this) is expired again as a new attempt, not left open with its escrow locked.
#[tokio::test]
async fn an_expire_given_up_on_is_proposed_again() {
    use swan_keeper::{
        outbox::Status,
        plan::{Planner, Proposal},
        verify::{Attester, Validators},
    };
    let c = chain().await;
    let id = c.task(2, 0, "eu", 5 * TOKEN).await;
    let _: serde_json::Value =
        c.p.raw_request("evm_increaseTime".into(), (4_000u64,))
            .await
            .unwrap();
    let _: serde_json::Value = c.p.raw_request("anvil_mine".into(), (1u64,)).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = index(
        &dir.path().join("expire.db").display().to_string(),
        &c.manifest,
    )
    .await;
    let chain_id = c.manifest.chain_id;
    let outbox = Outbox::open(&store).await.unwrap();
    let key = Key {
        chain_id,
        action: "expire".into(),
        task: format!("{id:#x}"),
        attempt: 0,
    };
    outbox
        .propose(&key, "{\"action\":\"expire\"}", 0)
        .await
        .unwrap();
    let claim = outbox.claim("k", 1, 60_000, 10).await.unwrap().remove(0);
    outbox
        .record(&claim, Status::Replan, None, 0, 2)
        .await
        .unwrap();
    let attester = Attester {
        fetcher: swan_spec::fetch::Fetcher::new(
            "http://127.0.0.1:1",
            false,
            Duration::from_secs(1),
        ),
        validators: Validators::default(),
    };
    let mut planner = Planner::new(chain_id, attester, Config::default());
    let latest = outbox.attempts(chain_id).await.unwrap();
    let proposals = planner.plan(&store, c.now().await, &latest).await.unwrap();
    let expire: Vec<&Proposal> = proposals
        .iter()
        .filter(|p| p.task == id && p.act.name() == "expire")
        .collect();
    assert_eq!(expire.len(), 1, "{proposals:?}");
    assert_eq!(expire[0].attempt, 1);
    store.close().await;
}
