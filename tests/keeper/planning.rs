//! Planning against what other keepers are doing and what the chain may still undo: an
//! assignment in flight holds its provider's capacity, a fresh task waits for its
//! confirmations, an expiry given up on is proposed again.

use std::time::Duration;

use alloy::{
    primitives::{U256, Uint},
    providers::Provider,
};
use swan_contracts::{SwanMarket, TOKEN};
use swan_keeper::{
    allocate::{Config, Refusal, allocate},
    market::{changed_lately, offers, open_tasks, reserve_in_flight},
    outbox::{Key, Outbox},
    plan::Act,
};

mod common;
mod market_chain;
use market_chain::{chain, index, ok};

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
    let market = SwanMarket::new(c.manifest.market, &c.p);
    let id = c.task(2, 0, "eu", 5 * TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db").display().to_string();
    let chain_id = c.manifest.chain_id;
    let p = c.p.clone();
    let mine = |n: u64| {
        let p = p.clone();
        async move {
            let _: serde_json::Value = p.raw_request("anvil_mine".into(), (n,)).await.unwrap();
        }
    };
    // `lately` after indexing the chain as it is now
    let lately = |confirmations: u64| {
        let db = db.clone();
        let manifest = c.manifest.clone();
        async move {
            let store = index(&db, &manifest).await;
            let set = changed_lately(&store, chain_id, confirmations)
                .await
                .unwrap();
            store.close().await;
            set.contains(&id)
        }
    };
    // its creation
    assert!(!lately(0).await, "0 confirmations: at once");
    assert!(lately(3).await);
    mine(3).await;
    assert!(!lately(3).await);
    assert!(lately(4).await);
    // its assignment: the running task waits again
    ok(
        &c.p,
        market
            .assign(id, vec![c.owners[0]], vec![U256::from(TOKEN)])
            .from(c.admin),
    )
    .await;
    assert!(lately(3).await, "assigned in the last block");
    mine(3).await;
    assert!(!lately(3).await);
    // a replica's result (the task's own row does not change): waits again
    ok(
        &c.p,
        market
            .submitResult(
                id,
                U256::ZERO,
                alloy::primitives::B256::repeat_byte(7),
                "ipfs://r".into(),
            )
            .from(c.workers[0]),
    )
    .await;
    assert!(lately(3).await, "a result in the last block");
    mine(3).await;
    assert!(!lately(3).await);
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
