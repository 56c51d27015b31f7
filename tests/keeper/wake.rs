//! The keeper acts on a newly indexed event without waiting out its tick: it watches the
//! indexer's checkpoint between ticks (`KeeperConfig::wake`). Anvil, the real indexer, SQLite.

use std::time::Duration;

mod common;
use common::devnet::{Devnet, Running, TOKEN, fast};

const ASSIGNED: u8 = 2;

/// A keeper whose tick is `tick` and that looks at the checkpoint every `wake`; a task is
/// created after the keeper's first tick. Returns whether the task was assigned within `within`.
async fn assigned_within(tick: Duration, wake: Duration, within: Duration) -> bool {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("wake.db").display().to_string();
    let (store, indexer) = d.index(&db).await;
    let mut cfg = fast();
    cfg.tick = tick;
    cfg.wake = wake;
    let keeper = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg).await;
    let running = Running::spawn(keeper);
    // the first tick (at the start) has found nothing to do
    tokio::time::sleep(Duration::from_millis(500)).await;
    // (no check that the task is still open here: a keeper that wakes within 20 ms may have
    // assigned it before the next read)
    let task = d.create(d.request(0, 1, TOKEN, 2).await).await;
    let deadline = tokio::time::Instant::now() + within;
    let mut assigned = false;
    while tokio::time::Instant::now() < deadline {
        if d.status(task).await == ASSIGNED {
            assigned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.stop().await;
    indexer.abort();
    assigned
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_task_is_assigned_as_soon_as_it_is_indexed() {
    // a tick of a minute: only the wake-up can assign the task in the 15 s allowed
    assert!(
        assigned_within(
            Duration::from_secs(60),
            Duration::from_millis(20),
            Duration::from_secs(15)
        )
        .await,
        "the keeper did not wake up for the new task"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_wake_up_the_task_waits_for_the_tick() {
    // the control: wake ≥ tick turns the watch off, and the task waits out the minute
    assert!(
        !assigned_within(
            Duration::from_secs(60),
            Duration::from_secs(60),
            Duration::from_secs(5)
        )
        .await,
        "assigned before the tick: something else woke the keeper"
    );
}
