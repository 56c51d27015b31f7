//! Reorgs: the last N blocks (N up to 10) are replaced with different ones — by `anvil_reorg`
//! (same height, other transactions) and by `evm_snapshot`/`evm_revert` (a shorter or longer
//! branch) — after the indexer has written them. The database must then equal a clean index of
//! the new chain, table by table, on SQLite and on Postgres.

mod common;

use std::sync::Arc;

use alloy::providers::Provider;
use common::scenario::{Market, market};
use swan_indexer::{
    fetch::Rpc,
    status::Status,
    store::Store,
    sync::{Step, Syncer},
};

fn syncer(store: &Store, m: &Market) -> Syncer {
    let rpc = Rpc::new(&m.manifest.rpc_urls, std::time::Duration::from_secs(5)).unwrap();
    Syncer::new(
        store.clone(),
        m.manifest.clone(),
        rpc,
        common::test_config(2),
        Arc::new(Status::new()),
    )
}

/// Step until idle; returns the reorgs seen.
async fn settle(s: &mut Syncer) -> Vec<(u64, u64)> {
    let mut reorgs = Vec::new();
    for _ in 0..10_000 {
        match s.step().await.unwrap() {
            Step::Idle => return reorgs,
            Step::Reorg { keep, depth } => reorgs.push((keep, depth)),
            Step::Wrote { .. } => {}
            Step::Fault(f) => panic!("fault on a healthy anvil: {f}"),
        }
    }
    panic!("never caught up");
}

async fn fresh_copy(m: &Market, url: &str) -> Store {
    let store = Store::open(url).await.unwrap();
    common::index_to_head(&store, &m.manifest, common::test_config(5)).await;
    store
}

async fn reorgs_roll_back(
    url: &str,
    fresh: impl Fn(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = String>>>,
) {
    let m = market(&[]).await;
    let store = Store::open(url).await.unwrap();
    let mut s = syncer(&store, &m);
    // the last N blocks replaced by N (or fewer, or more) blocks of other transactions
    for (round, (depth, replaced)) in [(1u64, 1u64), (3, 3), (10, 4), (4, 7)]
        .into_iter()
        .enumerate()
    {
        let snap: serde_json::Value = m
            .provider
            .raw_request("evm_snapshot".into(), ())
            .await
            .unwrap();
        let base = m.provider.get_block_number().await.unwrap();
        for i in 0..depth {
            // one block each: new tasks, a provider pausing and resuming
            if i % 2 == 0 {
                m.create(0, 1, 1_000 * round as u64 + i).await;
            } else {
                let paused = i % 4 == 1;
                m.send(
                    m.registry()
                        .setProviderPaused(paused)
                        .from(m.owners[1])
                        .into_transaction_request(),
                )
                .await;
            }
        }
        assert!(settle(&mut s).await.is_empty());
        let _: serde_json::Value = m
            .provider
            .raw_request("evm_revert".into(), (snap,))
            .await
            .unwrap();
        assert_eq!(m.provider.get_block_number().await.unwrap(), base);
        for i in 0..replaced {
            m.batch_task((i % 3) as usize, 50_000 + 1_000 * round as u64 + i)
                .await;
        }
        let seen = settle(&mut s).await;
        assert_eq!(seen.len(), 1, "one reorg detected: {seen:?}");
        assert!(
            seen[0].0 >= base,
            "rolled back no further than needed: {seen:?}"
        );
        assert!(seen[0].0 <= base + 1, "rolled back past the fork: {seen:?}");
        let copy = fresh_copy(&m, &fresh(round).await).await;
        common::assert_same_content(&store, &copy).await;
        copy.close().await;
    }
    // anvil_reorg: the last 5 blocks replaced at the same height by empty ones
    m.batch_task(0, 90_000).await;
    m.batch_task(1, 90_001).await;
    assert!(settle(&mut s).await.is_empty());
    let head = m.provider.get_block_number().await.unwrap();
    let _: serde_json::Value = m
        .provider
        .raw_request(
            "anvil_reorg".into(),
            (5u64, Vec::<serde_json::Value>::new()),
        )
        .await
        .unwrap();
    assert_eq!(m.provider.get_block_number().await.unwrap(), head);
    let seen = settle(&mut s).await;
    assert_eq!(
        seen,
        vec![(head - 5, 5)],
        "rolled back exactly the replaced blocks"
    );
    let copy = fresh_copy(&m, &fresh(9).await).await;
    common::assert_same_content(&store, &copy).await;
    let reorgs = common::dump(&store, "reorgs").await;
    assert_eq!(reorgs.len(), 5, "every reorg is recorded");
}

#[tokio::test]
async fn reorgs_roll_back_in_sqlite() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let main = dir.path().join("main.db").display().to_string();
    let d = dir.clone();
    reorgs_roll_back(&main, move |n| {
        let p = d.path().join(format!("fresh-{n}.db")).display().to_string();
        Box::pin(async move { p })
    })
    .await;
}

#[tokio::test]
async fn reorgs_roll_back_in_postgres() {
    let main = common::pg_database("reorg").await;
    reorgs_roll_back(&main, |n| {
        Box::pin(async move { common::pg_database(&format!("reorg_fresh{n}")).await })
    })
    .await;
}
