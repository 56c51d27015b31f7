//! The log mirror against a real anvil and real databases (a SQLite file and the Postgres on
//! 127.0.0.1:5432, each test in its own database): every log lands once, in order, with the
//! chain's values; replays write nothing twice; bad database URLs get a clear error.

mod common;

use alloy::{providers::Provider, rpc::types::Filter};
use swan_indexer::{
    fetch::Rpc,
    status::Status,
    store::{Backend, RangeWrite, Store, StoreError, StoreWrite},
    sync::{Step, Syncer},
};

async fn mirror_matches_the_chain(url: &str, backend: Backend) {
    let deposits: Vec<u64> = (1..=25).collect();
    let chain = common::dev_chain(&[], &deposits).await;
    let (provider, manifest) = (&chain.provider, &chain.manifest);
    let store = Store::open(url).await.unwrap();
    assert_eq!(store.backend(), backend);
    let head = provider.get_block_number().await.unwrap();
    let rpc = Rpc::new(&manifest.rpc_urls, std::time::Duration::from_secs(5)).unwrap();
    let mut syncer = Syncer::new(
        store.clone(),
        manifest.clone(),
        rpc,
        common::test_config(3), // small ranges: many transactions
        std::sync::Arc::new(Status::new()),
    );
    let mut ranges = 0;
    let mut events = 0;
    loop {
        match syncer.step().await.unwrap() {
            Step::Wrote { events: n, .. } => {
                ranges += 1;
                events += n;
            }
            Step::Idle => break,
            other => panic!("unexpected step {other:?}"),
        }
    }

    let chain_logs = provider
        .get_logs(
            &Filter::new()
                .address(vec![manifest.market, manifest.registry])
                .from_block(0),
        )
        .await
        .unwrap();
    let stored = store.logs(manifest.chain_id).await.unwrap();
    assert_eq!(events as usize, chain_logs.len());
    assert!(ranges > 3, "several ranges: {ranges}");
    assert_eq!(stored.len(), chain_logs.len());
    for (row, log) in stored.iter().zip(&chain_logs) {
        assert_eq!(row.block_number, log.block_number.unwrap());
        assert_eq!(row.log_index, log.log_index.unwrap());
        assert_eq!(row.block_hash, log.block_hash.unwrap());
        assert_eq!(row.tx_hash, log.transaction_hash.unwrap());
        assert_eq!(row.address, log.address());
        assert_eq!(row.topics, log.topics());
        assert_eq!(row.data, log.data().data);
    }
    assert_eq!(stored.iter().filter(|r| r.event == "Deposited").count(), 25);
    let depositor = chain.operator.into_word();
    assert!(
        stored
            .iter()
            .filter(|r| r.event == "Deposited")
            .all(|r| r.topics.contains(&depositor))
    );
    let cp = store
        .checkpoint(manifest.chain_id, &format!("{:#x}", manifest.market))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cp.block_number, head);

    // a second run has nothing to do; a replayed range is refused and changes nothing
    assert_eq!(syncer.step().await.unwrap(), Step::Idle);
    let market = format!("{:#x}", manifest.market);
    let replay = store
        .apply_range(&RangeWrite {
            chain_id: manifest.chain_id,
            market: &market,
            after: None,
            blocks: &[],
            logs: &[],
            events: &[],
            last: cp.clone(),
            journal_from: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(replay, StoreError::Conflict { expected: None, found: Some(n) } if n == head),
        "{replay}"
    );
    assert!(
        replay
            .to_string()
            .contains("another indexer writes to this database"),
        "{replay}"
    );
    assert_eq!(store.logs(manifest.chain_id).await.unwrap(), stored);

    // a restarted indexer resumes from the checkpoint
    store.close().await;
    let reopened = Store::open(url).await.unwrap();
    assert_eq!(
        reopened
            .checkpoint(manifest.chain_id, &market)
            .await
            .unwrap(),
        Some(cp)
    );
    reopened.close().await;
}

#[tokio::test]
async fn sqlite_file_mirrors_every_log_once() {
    let dir = std::env::temp_dir().join(format!("swan-mirror-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("index.db");
    mirror_matches_the_chain(path.to_str().unwrap(), Backend::Sqlite).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn postgres_mirrors_every_log_once() {
    let url = common::pg_database("mirror").await;
    mirror_matches_the_chain(&url, Backend::Postgres).await;
}

#[tokio::test]
async fn a_corrupt_raw_log_is_named_not_misread() {
    let (_dir, path) = common::sqlite_file("corrupt");
    let store = Store::open(&path).await.unwrap();
    sqlx::query(
        "INSERT INTO raw_logs (chain_id, block_number, log_index, block_hash, tx_hash, address, event, topics, data) \
         VALUES (7, 12, 3, x'abcd', x'00', x'00', 'Deposited', x'', x'')",
    )
    .execute(store.pool())
    .await
    .unwrap();
    let err = store.logs(7).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
    assert_eq!(
        err.to_string(),
        "corrupt row: raw log 12/3: block hash is not 32 bytes"
    );
}

#[tokio::test]
async fn bad_database_urls_say_what_to_do() {
    let err = Store::open("mysql://localhost/x").await.unwrap_err();
    assert!(matches!(err, StoreError::Unsupported(_)));
    assert_eq!(
        err.to_string(),
        "unsupported database \"mysql://localhost/x\": give a file path (SQLite) or a postgres:// URL"
    );
    let err = Store::open("postgres://u:hunter2@127.0.0.1:1/x")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot open database postgres://u:***@127.0.0.1:1/x"),
        "{err}"
    );
    assert!(!err.contains("hunter2"));
    let err = Store::open("/nonexistent-dir/sub/index.db")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("cannot open database /nonexistent-dir/sub/index.db"),
        "{err}"
    );
}
