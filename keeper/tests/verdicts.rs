//! Verdicts in the store, on a real SQLite file and the real Postgres: a verdict with its
//! evidence is kept across a restart (the store opened again), a later verdict on the same
//! replica replaces the earlier one, chains and tasks are kept apart, and a row that is not JSON
//! is an error naming the row, never an empty answer.

use serde_json::json;
use swan_keeper::verdicts::{VerdictError, list, record};
use swan_store::Store;

mod common;
use common::pg_database;

fn task(n: u32) -> String {
    format!("0x{n:064x}")
}

#[tokio::test]
async fn verdicts_survive_a_restart_and_a_later_verdict_replaces_the_earlier() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("verdicts.db").display().to_string();
    for db in [sqlite, pg_database("verdicts").await] {
        let store = Store::open(&db).await.unwrap();
        let failed = json!({ "passed": false, "error": "fetching ipfs://x: 504, retried" });
        record(&store, 31337, &task(1), 0, &failed, 1_000)
            .await
            .unwrap();
        let passed = json!({ "passed": true, "evidence": { "uri": "ipfs://x", "bytes": 12 } });
        record(&store, 31337, &task(1), 1, &passed, 1_001)
            .await
            .unwrap();
        record(&store, 31337, &task(2), 0, &passed, 1_002)
            .await
            .unwrap();
        record(&store, 5, &task(1), 0, &passed, 1_003)
            .await
            .unwrap(); // another chain
        store.close().await;

        // the keeper restarts: the verdicts are still there, replica 0 judged again
        let store = Store::open(&db).await.unwrap();
        let again = json!({ "passed": true, "evidence": { "uri": "ipfs://x", "bytes": 12 } });
        record(&store, 31337, &task(1), 0, &again, 2_000)
            .await
            .unwrap();
        let on_1 = list(&store, 31337, Some(&task(1))).await.unwrap();
        assert_eq!(on_1.len(), 2, "{db}: {on_1:?}");
        assert_eq!(
            (&on_1[0]["replica"], &on_1[0]["passed"]),
            (&json!(1), &json!(true)),
            "{db}: oldest first"
        );
        assert_eq!(on_1[1]["replica"], 0, "{db}");
        assert_eq!(
            on_1[1]["evidence"]["bytes"], 12,
            "{db}: the later verdict replaced"
        );
        assert_eq!(on_1[1]["task"], task(1), "{db}");
        let all = list(&store, 31337, None).await.unwrap();
        assert_eq!(all.len(), 3, "{db}: this chain's verdicts only");
        assert!(
            list(&store, 31337, Some(&task(9)))
                .await
                .unwrap()
                .is_empty()
        );

        // a damaged row is an error that names it
        sqlx::query("UPDATE keeper_verdicts SET verdict = 'not json' WHERE task_id = $1")
            .bind(task(2))
            .execute(store.pool())
            .await
            .unwrap();
        match list(&store, 31337, None).await {
            Err(VerdictError::Corrupt {
                task: t, replica, ..
            }) => {
                assert_eq!((t, replica), (task(2), 0), "{db}")
            }
            other => panic!("{db}: expected a corrupt-row error, got {other:?}"),
        }
        store.close().await;
    }
}
