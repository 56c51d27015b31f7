//! Two writers on one SQLite file (the indexer and a keeper share it on a devnet): a write
//! transaction that reads first must wait for the other writer, not fail with
//! `SQLITE_BUSY_SNAPSHOT` (517, "database is locked") and leave its range for a retry.

use std::time::Duration;

use swan_indexer::store::{Backend, Store, begin_write};

/// Connection A reads inside its transaction; connection B commits a write; A then writes.
/// Returns what A's write answered.
async fn read_then_write(store: &Store, immediate: bool) -> Result<(), sqlx::Error> {
    let pool = store.pool();
    let mut a = if immediate {
        begin_write(pool, store.backend()).await?
    } else {
        pool.begin().await?
    };
    sqlx::query("SELECT COUNT(*) FROM checkpoints")
        .execute(&mut *a)
        .await?;
    let other = pool.clone();
    let b = tokio::spawn(async move {
        sqlx::query(
            "INSERT INTO checkpoints (chain_id, market, block_number, block_hash) VALUES (2, 'b', 1, '0x')",
        )
        .execute(&other)
        .await
    });
    // give B the time to commit if it can (it cannot while A holds the write lock)
    tokio::time::sleep(Duration::from_millis(300)).await;
    let wrote = sqlx::query(
        "INSERT INTO checkpoints (chain_id, market, block_number, block_hash) VALUES (1, 'a', 1, '0x')",
    )
    .execute(&mut *a)
    .await;
    let wrote = match wrote {
        Ok(_) => a.commit().await.map(|_| ()),
        Err(e) => Err(e),
    };
    b.await.unwrap().expect("B's write lands in the end");
    wrote
}

#[tokio::test]
async fn a_write_transaction_waits_for_the_other_writer_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db").display().to_string();
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    read_then_write(&store, true)
        .await
        .expect("BEGIN IMMEDIATE: B waited for A, both wrote");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM checkpoints")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 2);

    // the same sequence in a deferred transaction: B commits between A's read and A's write,
    // and A's write is refused at once — what the indexer's ranges used to meet
    sqlx::query("DELETE FROM checkpoints")
        .execute(store.pool())
        .await
        .unwrap();
    let e = read_then_write(&store, false)
        .await
        .expect_err("a deferred transaction's snapshot is stale after B's commit");
    let code = e
        .as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("517"), "{e}");
}
