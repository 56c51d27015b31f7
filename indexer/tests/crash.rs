//! Crash safety: the `swan-indexer` binary is SIGKILLed at random points of a backfill several
//! times and restarted; the database must then equal a clean single run, row for row (SQLite
//! file and Postgres).

mod common;

use std::{process::Command, time::Duration};

use common::scenario::market;
use swan_indexer::store::Store;

/// A small deterministic generator (the seed is printed, so a failure can be replayed).
fn next(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

async fn killed_and_restarted(url: &str, clean_url: &str) {
    let m = market(&[]).await;
    for i in 0..40 {
        m.batch_task((i % 3) as usize, i).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.json");
    m.manifest.save(&manifest).unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_swan-indexer"))
            .args([
                "--manifest",
                manifest.to_str().unwrap(),
                "--db",
                url,
                "--exit-at-head",
                "--no-api",
            ])
            .args([
                "--initial-range",
                "1",
                "--max-range",
                "3",
                "--progress",
                "never",
            ])
            .env("RUST_LOG", "warn")
            .spawn()
            .unwrap()
    };
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("crash test seed {seed}");
    let mut killed = 0;
    for _ in 0..6 {
        let mut child = run();
        tokio::time::sleep(Duration::from_millis(30 + next(&mut seed) % 400)).await;
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();
    }
    assert!(killed >= 1, "at least one run was killed mid-backfill");
    let status = run().wait().unwrap();
    assert!(status.success(), "the final run finishes");

    let store = Store::open(url).await.unwrap();
    let clean = Store::open(clean_url).await.unwrap();
    common::index_to_head(&clean, &m.manifest, common::test_config(1_000)).await;
    common::assert_same_content(&store, &clean).await;
    assert!(common::dump(&store, "tasks").await.len() == 40);
}

#[tokio::test]
async fn sigkill_loses_and_duplicates_nothing_sqlite() {
    let (dir, path) = common::sqlite_file("crash");
    let clean = dir.path().join("clean.db").display().to_string();
    killed_and_restarted(&path, &clean).await;
}

#[tokio::test]
async fn sigkill_loses_and_duplicates_nothing_postgres() {
    let url = common::pg_database("crash").await;
    let clean = common::pg_database("crash_clean").await;
    killed_and_restarted(&url, &clean).await;
}

/// `--exit-at-head --until N` indexes up to block N and no further (it had written whole ranges
/// past N and stopped after).
#[tokio::test]
async fn an_until_run_indexes_no_block_past_it() {
    use alloy::providers::Provider;
    let m = market(&[]).await;
    for i in 0..12 {
        m.batch_task((i % 3) as usize, i).await;
    }
    let head = m.provider.get_block_number().await.unwrap();
    let until = head - 10;
    let (dir, path) = common::sqlite_file("until");
    let manifest = dir.path().join("manifest.json");
    m.manifest.save(&manifest).unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_swan-indexer"))
        .args(["--manifest", manifest.to_str().unwrap(), "--db", &path])
        .args(["--exit-at-head", "--no-api", "--progress", "never"])
        .args(["--until", &until.to_string()])
        .env("RUST_LOG", "warn")
        .status()
        .unwrap();
    assert!(status.success());
    let store = Store::open(&path).await.unwrap();
    let cp = store
        .checkpoint(m.manifest.chain_id, &format!("{:#x}", m.manifest.market))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cp.block_number, until, "the checkpoint is block {until}");
    let past: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM raw_logs WHERE block_number > $1")
        .bind(until as i64)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM raw_logs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(past, 0, "no event past block {until}");
    assert!(before > 0, "events up to {until} were indexed");
}
