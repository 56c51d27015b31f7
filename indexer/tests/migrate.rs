//! Upgrading a database an earlier indexer wrote: migration 0004 stores the raw log as bytes
//! and, since neither database converts the old hex text in SQL both understand, empties what
//! the indexer derived from the chain. The next start re-indexes, and the database then equals a
//! fresh index of the same chain, table by table (SQLite file and Postgres).

mod common;

use common::scenario::market;
use sqlx::{AnyPool, Row};
use swan_indexer::store::Store;

/// A database at schema version 3 (hex-text raw log) holding an earlier indexer's rows.
async fn old_database(url: &str, chain_id: u64, market: &str) {
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(url).await.unwrap();
    sqlx::migrate!("../store/migrations")
        .run_to(3, &pool)
        .await
        .unwrap();
    let chain = chain_id as i64;
    sqlx::query(
        "INSERT INTO checkpoints (chain_id, market, block_number, block_hash) VALUES ($1, $2, 3, '0xab')",
    )
    .bind(chain)
    .bind(market)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO raw_logs (chain_id, block_number, log_index, block_hash, tx_hash, address, event, topics, data) \
         VALUES ($1, 2, 0, '0xab', '0xcd', '0xef', 'Deposited', '0x01,0x02', '0x')",
    )
    .bind(chain)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO blocks (chain_id, number, hash, parent_hash, timestamp) VALUES ($1, 2, '0xab', '0xaa', 1)",
    )
    .bind(chain)
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
}

async fn count(store: &Store, table: &str) -> i64 {
    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0)
}

async fn reindexed_after_the_upgrade(old_url: &str, store_url: &str, fresh_url: &str) {
    let m = market(&[]).await;
    for i in 0..4 {
        m.batch_task(i % 3, i as u64).await;
    }
    let (chain, market) = (m.manifest.chain_id, format!("{:#x}", m.manifest.market));
    old_database(old_url, chain, &market).await;

    let store = Store::open(store_url).await.unwrap();
    assert_eq!(store.checkpoint(chain, &market).await.unwrap(), None);
    for table in common::CONTENT_TABLES.into_iter().chain(["blocks"]) {
        assert_eq!(count(&store, table).await, 0, "{table} emptied");
    }
    common::index_to_head(&store, &m.manifest, common::test_config(5)).await;
    let fresh = Store::open(fresh_url).await.unwrap();
    common::index_to_head(&fresh, &m.manifest, common::test_config(5)).await;
    assert!(count(&store, "raw_logs").await > 20);
    common::assert_same_content(&store, &fresh).await;
    assert_eq!(
        store.logs(chain).await.unwrap(),
        fresh.logs(chain).await.unwrap()
    );
}

#[tokio::test]
async fn an_old_sqlite_file_is_reindexed() {
    let (_dir, path) = common::sqlite_file("old");
    let (_dir2, fresh) = common::sqlite_file("fresh");
    reindexed_after_the_upgrade(&format!("sqlite://{path}?mode=rwc"), &path, &fresh).await;
}

#[tokio::test]
async fn an_old_postgres_database_is_reindexed() {
    let url = common::pg_database("old").await;
    let fresh = common::pg_database("fresh").await;
    reindexed_after_the_upgrade(&url, &url, &fresh).await;
}

/// Several processes opening one fresh Postgres database at once (two keepers and an indexer
/// starting together): the one migration set runs once, under sqlx's lock, and every open
/// succeeds — concurrent `CREATE TABLE IF NOT EXISTS` had failed one of them on `pg_class`.
#[tokio::test]
async fn stores_opened_at_once_on_a_fresh_postgres_all_start() {
    let url = common::pg_database("race").await;
    let opens = (0..4).map(|_| Store::open(&url));
    let stores = futures_util::future::join_all(opens).await;
    for s in &stores {
        assert!(s.is_ok(), "{:?}", s.as_ref().err());
    }
    let s = stores.into_iter().next().unwrap().unwrap();
    assert_eq!(count(&s, "keeper_intents").await, 0);
}
