//! Quorum and service endings through the keeper on anvil, with the real indexer on SQLite and
//! Postgres: a 2-of-3 quorum with one dishonest replica settles on the last reveal (the keeper
//! only assigned it); a quorum replica that never commits is slashed by the keeper's expiry after
//! result-by and the others are then paid; a service that reaches its end is finished.

use alloy::primitives::{B256, Uint, keccak256};

mod common;
use common::{
    devnet::{Devnet, Running, TOKEN, fast},
    pg_database,
};

const ASSIGNED: u8 = 2;
const COMPLETED: u8 = 3;
const PAID: u8 = 4;
const SLASHED: u8 = 5;
const ENDED: u8 = 7;

async fn quorum_and_service_endings(db_of: impl FnOnce(&std::path::Path) -> String) {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_of(dir.path());
    let (store, indexer) = d.index(&db).await;
    let keeper = d.keeper(&store, 0, &d.manifest.rpc_urls, fast()).await;
    let running = Running::spawn(keeper);
    let mut req = d.request(2, 3, TOKEN, 2).await;
    req.quorum = 2;
    let honest_majority = d.create(req.clone()).await;
    let no_show = d.create(req).await;
    let mut req = d.request(3, 1, 0, 2).await;
    req.price = Uint::from(TOKEN / 100_000);
    (req.resultBy, req.settleBy) = (120, 0); // a two-minute service
    let service = d.create(req).await;
    for t in [honest_majority, no_show, service] {
        d.wait_status(t, ASSIGNED, 30).await;
    }

    // 2 of 3 agree; the third reveals something else: the last reveal settles the task
    let (good, bad, salt) = (keccak256(b"good"), keccak256(b"bad"), B256::repeat_byte(9));
    for (i, r) in [(0, good), (1, good), (2, bad)] {
        d.seal(honest_majority, i, r, salt).await;
    }
    for (i, r) in [(0, good), (1, good), (2, bad)] {
        d.open(honest_majority, i, r, salt).await;
    }
    assert_eq!(d.status(honest_majority).await, COMPLETED, "{db}");
    let statuses = [
        d.replica(honest_majority, 0).await.status,
        d.replica(honest_majority, 1).await.status,
        d.replica(honest_majority, 2).await.status,
    ];
    assert_eq!(statuses, [PAID, PAID, SLASHED], "{db}");

    // replica 2 never commits; past result-by the keeper expires it, then the others reveal
    for i in [0, 1] {
        d.seal(no_show, i, good, salt).await;
    }
    d.warp(700).await; // past the quorum's result-by and the service's end
    for _ in 0..300 {
        if d.replica(no_show, 2).await.status == SLASHED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        d.replica(no_show, 2).await.status,
        SLASHED,
        "{db}: the keeper expired the no-show"
    );
    for i in [0, 1] {
        d.open(no_show, i, good, salt).await;
    }
    assert_eq!(d.status(no_show).await, COMPLETED, "{db}");
    assert_eq!(
        [
            d.replica(no_show, 0).await.status,
            d.replica(no_show, 1).await.status
        ],
        [PAID, PAID],
        "{db}"
    );

    // the service's end passed: the keeper finished it
    d.wait_status(service, COMPLETED, 30).await;
    assert_eq!(d.replica(service, 0).await.status, ENDED, "{db}");
    running.stop().await;
    indexer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quorum_and_service_endings_sqlite() {
    quorum_and_service_endings(|dir| dir.join("q.db").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quorum_and_service_endings_postgres() {
    let url = pg_database("quorum").await;
    quorum_and_service_endings(move |_| url).await;
}
