//! Two and three keepers, each with its own key, on one database (a SQLite file and Postgres):
//! every task is assigned once and settled once, and no keeper sends work another already did.

use std::time::Duration;

use alloy::primitives::keccak256;
use sqlx::Row;

mod common;
use common::{
    devnet::{Devnet, Running, TOKEN, assert_each_once, fast, result_file},
    pg_database,
};

const ASSIGNED: u8 = 2;
const COMPLETED: u8 = 3;

async fn keepers_share_the_work(n: usize, db_of: impl FnOnce(&std::path::Path) -> String) {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_of(dir.path());
    let (store, indexer) = d.index(&db).await;
    let mut runs = Vec::new();
    for k in 0..n {
        runs.push(Running::spawn(
            d.keeper(&store, k, &d.manifest.rpc_urls, fast()).await,
        ));
    }
    let body = b"result";
    let uri = result_file(dir.path(), body);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let req = d.request(0, 1, TOKEN, 2).await;
        tasks.push(d.create(req).await);
    }
    // act as the providers: submit each result once its task is assigned
    let mut submitted = vec![false; tasks.len()];
    for _ in 0..600 {
        for (i, &t) in tasks.iter().enumerate() {
            if !submitted[i] && d.status(t).await == ASSIGNED {
                d.submit(t, 0, keccak256(body), &uri).await;
                submitted[i] = true;
            }
        }
        let mut done = true;
        for &t in &tasks {
            done &= d.status(t).await == COMPLETED;
        }
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for &t in &tasks {
        assert_eq!(d.status(t).await, COMPLETED, "{db}: task {t:#x}");
    }
    // once each, as the chain's own events say (the indexer's mirror of them)
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_each_once(&store, tasks.len(), &db).await;
    // no keeper sent what another had done: no transaction reverted
    let r = sqlx::query(
        "SELECT COUNT(DISTINCT keeper), CAST(SUM(CASE WHEN success = 0 THEN 1 ELSE 0 END) AS BIGINT), COUNT(*) FROM keeper_txs",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    let (senders, reverted, txs) = (
        r.get::<i64, _>(0),
        r.get::<Option<i64>, _>(1).unwrap_or(0),
        r.get::<i64, _>(2),
    );
    assert_eq!(
        reverted, 0,
        "{db}: {reverted} of {txs} transactions reverted"
    );
    assert!(senders >= 1 && senders <= n as i64);
    // every intent once: one row per (action, task), never a second attempt
    let dup: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM keeper_intents WHERE attempt > 0")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(dup, 0, "{db}: no action was attempted twice");
    for r in runs {
        r.stop().await;
    }
    indexer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_keepers_on_sqlite() {
    keepers_share_the_work(2, |dir| dir.join("k.db").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_keepers_on_sqlite() {
    keepers_share_the_work(3, |dir| dir.join("k.db").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_keepers_on_postgres() {
    let url = pg_database("two_keepers").await;
    keepers_share_the_work(2, move |_| url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_keepers_on_postgres() {
    let url = pg_database("three_keepers").await;
    keepers_share_the_work(3, move |_| url).await;
}
