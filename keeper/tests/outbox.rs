//! The intent outbox on a real SQLite file and the real Postgres: proposals are idempotent,
//! keepers sharing a database each take disjoint work, and a keeper whose lease was taken over
//! can no longer record anything.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use swan_store::Store;

mod common;
use common::pg_database;
use swan_keeper::outbox::{Claim, Key, Outbox, OutboxError, Status};

/// Each test runs on a SQLite file and on a fresh Postgres database.
async fn databases(name: &str) -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("keeper.db").display().to_string();
    (dir, vec![sqlite, pg_database(name).await])
}

fn key(task: u32, attempt: u32) -> Key {
    Key {
        chain_id: 31337,
        action: "settle".into(),
        task: format!("0x{task:064x}"),
        attempt,
    }
}

#[tokio::test]
async fn proposing_the_same_work_twice_adds_nothing() {
    let (_dir, dbs) = databases("propose").await;
    for db in dbs {
        let outbox = Outbox::open(&Store::open(&db).await.unwrap())
            .await
            .unwrap();
        assert!(outbox.propose(&key(1, 0), "0xaa", 1).await.unwrap());
        assert!(
            !outbox.propose(&key(1, 0), "0xbb", 2).await.unwrap(),
            "{db}"
        );
        assert!(
            outbox.propose(&key(1, 1), "0xaa", 3).await.unwrap(),
            "a new attempt is new work"
        );
        // a second keeper process opening the same database sees the same intents
        let other = Outbox::open(&Store::open(&db).await.unwrap())
            .await
            .unwrap();
        assert!(!other.propose(&key(1, 1), "0xcc", 4).await.unwrap());
        assert_eq!(other.counts().await.unwrap(), (2, 0, 0, 0));
        let c = other.claim("k", 10, 1_000, 10).await.unwrap();
        assert_eq!(c[0].payload, "0xaa", "the first proposal's payload stands");
    }
}

#[tokio::test]
async fn a_tick_of_proposals_is_written_at_once_and_only_what_is_new_counts() {
    let (_dir, dbs) = databases("propose_all").await;
    for db in dbs {
        let outbox = Outbox::open(&Store::open(&db).await.unwrap())
            .await
            .unwrap();
        assert_eq!(outbox.propose_all(&[], 1).await.unwrap(), 0);
        outbox.propose(&key(2, 0), "0xold", 1).await.unwrap();
        let tick: Vec<(Key, String)> = (1..=300)
            .map(|t| (key(t, 0), format!("0x{t:02x}")))
            .collect();
        // 299 new; task 2's intent was there already and keeps its payload
        assert_eq!(outbox.propose_all(&tick, 2).await.unwrap(), 299, "{db}");
        assert_eq!(outbox.propose_all(&tick, 3).await.unwrap(), 0, "{db}");
        assert_eq!(outbox.counts().await.unwrap(), (300, 0, 0, 0));
        let claims = outbox.claim("k", 10, 1_000, 1_000).await.unwrap();
        assert_eq!(claims.len(), 300);
        let two = claims.iter().find(|c| c.key == key(2, 0)).unwrap();
        assert_eq!(two.payload, "0xold");
        // a database that cannot be written refuses the whole call, with an error
        let store = Store::open(&db).await.unwrap();
        let closed = Outbox::open(&store).await.unwrap();
        store.pool().close().await;
        let more: Vec<(Key, String)> = (301..=310).map(|t| (key(t, 0), "0x".into())).collect();
        assert!(closed.propose_all(&more, 4).await.is_err());
        assert_eq!(
            outbox.counts().await.unwrap().0,
            300,
            "{db}: nothing more written"
        );
    }
}

#[tokio::test]
async fn three_keepers_on_one_database_do_every_action_once() {
    let (_dir, dbs) = databases("three").await;
    for db in dbs {
        let first = Outbox::open(&Store::open(&db).await.unwrap())
            .await
            .unwrap();
        for t in 0..300 {
            first.propose(&key(t, 0), "0x", u64::from(t)).await.unwrap();
        }
        let done: Arc<Mutex<Vec<Key>>> = Arc::default();
        let mut keepers = Vec::new();
        for k in 0..3 {
            // each keeper is its own pool, as separate processes would be
            let outbox = Outbox::open(&Store::open(&db).await.unwrap())
                .await
                .unwrap();
            let done = done.clone();
            keepers.push(tokio::spawn(async move {
                let me = format!("keeper-{k}");
                let mut mine = 0;
                loop {
                    let claims = outbox.claim(&me, 1_000, 60_000, 7).await.unwrap();
                    if claims.is_empty() {
                        break;
                    }
                    for c in claims {
                        done.lock().unwrap().push(c.key.clone());
                        outbox
                            .record(&c, Status::Done, Some("0xtx"), 0, 1_001)
                            .await
                            .unwrap();
                        mine += 1;
                        tokio::task::yield_now().await;
                    }
                }
                mine
            }));
        }
        let mut per_keeper = Vec::new();
        for k in keepers {
            per_keeper.push(k.await.unwrap());
        }
        let done = done.lock().unwrap().clone();
        let mut once: BTreeMap<Key, u32> = BTreeMap::new();
        for k in &done {
            *once.entry(k.clone()).or_default() += 1;
        }
        assert_eq!(once.len(), 300, "{db}: every intent done");
        assert!(
            once.values().all(|&n| n == 1),
            "{db}: an intent was done twice"
        );
        assert_eq!(per_keeper.iter().sum::<i32>(), 300);
        assert_eq!(first.counts().await.unwrap(), (0, 0, 300, 0));
    }
}

#[tokio::test]
async fn a_keeper_whose_lease_was_taken_over_cannot_record() {
    let (_dir, dbs) = databases("fence").await;
    for db in dbs {
        let a = Outbox::open(&Store::open(&db).await.unwrap())
            .await
            .unwrap();
        let b = Outbox::open(&Store::open(&db).await.unwrap())
            .await
            .unwrap();
        a.propose(&key(7, 0), "0x", 0).await.unwrap();
        let ca: Vec<Claim> = a.claim("a", 100, 1_000, 10).await.unwrap();
        assert_eq!(ca.len(), 1);
        // while a's lease runs, b gets nothing
        assert!(b.claim("b", 500, 1_000, 10).await.unwrap().is_empty());
        // a stalls past its lease; b takes the intent over with a newer token
        let cb = b.claim("b", 1_200, 1_000, 10).await.unwrap();
        assert_eq!(cb.len(), 1);
        assert!(cb[0].fence > ca[0].fence);
        let e = a
            .record(&ca[0], Status::Done, None, 0, 1_300)
            .await
            .unwrap_err();
        assert!(matches!(e, OutboxError::LeaseLost { .. }), "{e}");
        assert!(e.to_string().contains("another keeper"), "{e}");
        b.record(&cb[0], Status::Sent, Some("0xabc"), 5_000, 1_300)
            .await
            .unwrap();
        assert_eq!(a.counts().await.unwrap(), (0, 1, 0, 0));
        // a sent intent is not handed out again
        assert!(a.claim("a", 2_000, 1_000, 10).await.unwrap().is_empty());
        // released back to pending, anyone may take it at once
        b.record(&cb[0], Status::Pending, None, 0, 1_400)
            .await
            .unwrap();
        let again = a.claim("a", 1_500, 1_000, 10).await.unwrap();
        assert_eq!(again.len(), 1);
        a.record(&again[0], Status::Dropped, None, 0, 1_600)
            .await
            .unwrap();
        assert_eq!(a.counts().await.unwrap(), (0, 0, 0, 1));
    }
}

/// One process per keeper key and database: a live holder on another host keeps the key (the
/// second process is told who holds it); a holder whose heartbeat lapsed is taken over, and
/// then learns at its next renewal that it lost the key; a clean release frees it at once.
#[tokio::test]
async fn a_keeper_key_is_held_by_one_process_at_a_time() {
    use std::time::Duration;
    use swan_keeper::keylease::{KeyLease, LeaseError};
    let (_dir, dbs) = databases("keylease").await;
    let lease = Duration::from_secs(60);
    let k = "0x00000000000000000000000000000000000000aa";
    for db in dbs {
        let store = Store::open(&db).await.unwrap();
        let now = swan_keeper::sender::now_ms() as i64;
        // a process on another host, alive (heartbeat just now)
        sqlx::query(
            "INSERT INTO keeper_keys (chain_id, keeper, holder, host, pid, heartbeat_ms) \
             VALUES (31337, $1, 'elsewhere:7:0:0', 'elsewhere', 7, $2)",
        )
        .bind(k)
        .bind(now)
        .execute(store.pool())
        .await
        .unwrap();
        match KeyLease::acquire(&store, 31337, k, lease).await {
            Err(e @ LeaseError::InUse { .. }) => {
                let m = e.to_string();
                assert!(m.contains("pid 7 on host elsewhere"), "{db}: {m}");
            }
            other => panic!("{db}: {other:?}"),
        }
        // another chain's key of the same address is another key
        let other_chain = KeyLease::acquire(&store, 1, k, lease).await.unwrap();
        other_chain.release().await.unwrap();
        // its heartbeat lapses: taken over
        sqlx::query("UPDATE keeper_keys SET heartbeat_ms = $1 WHERE keeper = $2")
            .bind(now - 61_000)
            .bind(k)
            .execute(store.pool())
            .await
            .unwrap();
        let mine = KeyLease::acquire(&store, 31337, k, lease).await.unwrap();
        mine.renew().await.unwrap();
        // and this one, in turn, lapses and is taken over by a process elsewhere
        sqlx::query("UPDATE keeper_keys SET holder = 'elsewhere:8:0:0', pid = 8, host = 'elsewhere' WHERE keeper = $1")
            .bind(k)
            .execute(store.pool())
            .await
            .unwrap();
        match mine.renew().await {
            Err(e @ LeaseError::Lost { .. }) => {
                assert!(
                    e.to_string().contains("pid 8 on host elsewhere"),
                    "{db}: {e}"
                )
            }
            other => panic!("{db}: {other:?}"),
        }
        // a clean stop frees the key at once
        sqlx::query("DELETE FROM keeper_keys")
            .execute(store.pool())
            .await
            .unwrap();
        let a = KeyLease::acquire(&store, 31337, k, lease).await.unwrap();
        a.release().await.unwrap();
        let b = KeyLease::acquire(&store, 31337, k, lease).await.unwrap();
        b.release().await.unwrap();
        store.close().await;
    }
}
