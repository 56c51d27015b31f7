//! Chain → indexer → SQL → keeper: providers and tasks created by real transactions on anvil,
//! indexed by the real indexer into a SQLite file and into Postgres, read back as allocation
//! inputs and allocated. The keeper's view must agree with the contract's own.

use alloy::{
    primitives::{Address, B256, U256, Uint, keccak256},
    providers::{Provider, ProviderBuilder},
};
use swan_contracts::{SwanMarket, TOKEN};
use swan_keeper::{
    allocate::{Config, Refusal, allocate},
    market::{MarketError, offers, open_tasks},
};

mod common;
mod market_chain;
use market_chain::{chain, index, indexed, ok};

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
