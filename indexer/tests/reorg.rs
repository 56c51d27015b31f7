//! Reorgs: the last N blocks (N up to 10) are replaced with different ones — by `anvil_reorg`
//! (same height, other transactions) and by `evm_snapshot`/`evm_revert` (a shorter or longer
//! branch) — after the indexer has written them. The database must then equal a clean index of
//! the new chain, table by table, on SQLite and on Postgres.

mod common;

use std::sync::Arc;

use alloy::providers::Provider;
use common::scenario::{Market, market, market_on};
use swan_indexer::{
    fetch::Rpc,
    status::Status,
    store::Store,
    sync::{Step, SyncError, Syncer},
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

/// A chain that replaces a block it had reported final (here by reverting to a snapshot and
/// mining another branch past it; the 30-minute chaos run met it through anvil's reorgs on a
/// one-slot epoch): what was written for that block cannot be undone, so the indexer stops
/// with an error that says so, instead of keeping the old block's events under the new block's
/// hash.
#[tokio::test]
async fn a_replaced_final_block_stops_the_indexer() {
    let m = market_on(&[], &["--slots-in-an-epoch", "1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("final.db").display().to_string();
    let store = Store::open(&url).await.unwrap();
    let mut s = syncer(&store, &m);
    settle(&mut s).await;
    let snap: serde_json::Value = m
        .provider
        .raw_request("evm_snapshot".into(), ())
        .await
        .unwrap();
    // a branch with events, indexed block by block until its first blocks are final
    for i in 0..2 {
        m.create(0, 1, 9_000 + i).await;
        settle(&mut s).await;
    }
    for _ in 0..4 {
        let _: serde_json::Value = m
            .provider
            .raw_request("anvil_mine".into(), (1u64,))
            .await
            .unwrap();
        settle(&mut s).await;
    }
    let market = format!("{:#x}", m.manifest.market);
    let marked = store.finalized(m.manifest.chain_id, &market).await.unwrap();
    let head = m.provider.get_block_number().await.unwrap();
    assert!(marked + 2 <= head, "final {marked}, head {head}");
    // another branch from the snapshot, longer, with other events
    let _: bool = m
        .provider
        .raw_request("evm_revert".into(), (snap,))
        .await
        .unwrap();
    m.create(0, 1, 9_100).await;
    let _: serde_json::Value = m
        .provider
        .raw_request("anvil_mine".into(), (8u64,))
        .await
        .unwrap();
    let e = loop {
        match s.step().await {
            Err(e) => break e,
            Ok(Step::Idle) => panic!("caught up with a chain that replaced a final block"),
            Ok(_) => {}
        }
    };
    assert!(matches!(e, SyncError::FinalityBroken { .. }), "{e}");
    assert!(
        e.to_string().contains("index again into a new database"),
        "{e}"
    );
    store.close().await;
}

/// Blocks replaced while the indexer is away (killed, or behind) and made final on the new
/// branch before it looks again: the chaos run met it (an indexer SIGKILLed at block 118, a
/// two-block reorg of blocks the chain had not finalized, then four blocks more). The indexer
/// must not mark its own, replaced, copies final: it rolls them back and indexes the new branch,
/// and the database equals a clean index of the chain.
#[tokio::test]
async fn blocks_replaced_while_away_and_final_since_are_rolled_back() {
    let m = market_on(&[], &["--slots-in-an-epoch", "1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("away.db").display().to_string();
    let store = Store::open(&url).await.unwrap();
    let mut s = syncer(&store, &m);
    settle(&mut s).await;
    // two blocks with events, indexed while not final
    for i in 0..2 {
        m.create(0, 1, 9_200 + i).await;
        settle(&mut s).await;
    }
    let market = format!("{:#x}", m.manifest.market);
    let head = m.provider.get_block_number().await.unwrap();
    assert!(store.finalized(m.manifest.chain_id, &market).await.unwrap() < head - 1);
    // the indexer is away: both blocks are replaced by blocks with another event, and the chain
    // moves on until the new ones are final
    let _: serde_json::Value = m
        .provider
        .raw_request(
            "anvil_reorg".into(),
            (2u64, Vec::<serde_json::Value>::new()),
        )
        .await
        .unwrap();
    m.create(0, 1, 9_300).await;
    let _: serde_json::Value = m
        .provider
        .raw_request("anvil_mine".into(), (6u64,))
        .await
        .unwrap();
    let fin = m
        .provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Finalized)
        .await
        .unwrap()
        .unwrap()
        .header
        .number;
    assert!(
        fin >= head,
        "the replaced blocks are final on the chain: final {fin}, head was {head}"
    );
    // back: the replaced blocks are rolled back, not kept as final
    let reorgs = settle(&mut s).await;
    assert_eq!(reorgs.len(), 1, "{reorgs:?}");
    assert_eq!(
        reorgs[0].0,
        head - 2,
        "kept the last block both branches share"
    );
    let clean_url = dir.path().join("clean.db").display().to_string();
    let clean = fresh_copy(&m, &clean_url).await;
    common::assert_same_content(&store, &clean).await;
    store.close().await;
    clean.close().await;
}
