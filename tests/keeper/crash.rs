//! Crash safety of the real keeper binary (`swan keeper run`): SIGKILLed again and again at random moments —
//! with a pause between storing a signed transaction and broadcasting it, so many kills land in
//! that window, and a block a second, so many land between sending and the receipt — and
//! restarted each time. Every task is still assigned once and settled once, and at most a few
//! transactions revert for work already done.

use std::{process::Stdio, time::Duration};

use alloy::{hex, primitives::keccak256};
use sqlx::Row;

mod common;
use common::devnet::{Devnet, TOKEN, assert_each_once, result_file};

const ASSIGNED: u8 = 2;
const COMPLETED: u8 = 3;

/// splitmix64: a fixed-seed source of kill times (the seed is printed on failure).
fn next(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_again_and_again_the_keeper_settles_every_task_once() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &["--block-time", "1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db").display().to_string();
    let manifest = dir.path().join("manifest.json");
    d.manifest.save(&manifest).unwrap();
    let (store, indexer) = d.index(&db).await;
    let key = format!("0x{}", hex::encode(d.anvil.keys()[0].to_bytes()));
    let body = b"result";
    let uri = result_file(dir.path(), body);
    let mut tasks = Vec::new();
    let spawn = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_swan"))
            .args(["keeper", "run", "--manifest"])
            .arg(&manifest)
            .args([
                "--db",
                &db,
                "--no-api",
                "--tick-ms",
                "100",
                "--bump-after-secs",
                "3",
            ])
            .args(["--allow-files", "--batch-max", "3"])
            .env("SWAN_KEEPER_KEY", &key)
            .env("SWAN_KEEPER_TEST_PAUSE_MS", "300")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap()
    };
    let seed = 0x5eed_u64;
    let mut rng = seed;
    let mut kills = 0;
    let mut submitted = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(150);
    let mut all_done = false;
    while std::time::Instant::now() < deadline {
        let mut child = spawn();
        if kills < 25 {
            // new work arrives during every life of the kill phase
            let req = d.request(0, 1, TOKEN, 2).await;
            tasks.push(d.create(req).await);
            submitted.push(false);
        }
        // live for 0.2–1.5 s, then SIGKILL (the last rounds run long enough to finish)
        let life = if kills < 25 {
            200 + next(&mut rng) % 1_300
        } else {
            10_000
        };
        let until = std::time::Instant::now() + Duration::from_millis(life);
        while std::time::Instant::now() < until {
            let mut finished = kills >= 25;
            for (i, &t) in tasks.iter().enumerate() {
                let status = d.status(t).await;
                if !submitted[i] && status == ASSIGNED {
                    d.submit(t, 0, keccak256(body), &uri).await;
                    submitted[i] = true;
                }
                finished &= status == COMPLETED;
            }
            if finished {
                break; // the last life: no need to wait it out
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        child.kill().await.unwrap(); // SIGKILL
        kills += 1;
        let mut done = kills >= 25;
        for &t in &tasks {
            done &= d.status(t).await == COMPLETED;
        }
        if done {
            all_done = true;
            break;
        }
    }
    assert!(
        all_done,
        "seed {seed:#x}: not every task settled after {kills} kills"
    );
    assert!(kills >= 25, "only {kills} kills");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_each_once(&store, tasks.len(), &format!("seed {seed:#x}")).await;
    let (txs, reverted): (i64, i64) = {
        let r = sqlx::query(
            "SELECT COUNT(*), CAST(SUM(CASE WHEN success = 0 THEN 1 ELSE 0 END) AS BIGINT) FROM keeper_txs",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        (r.get(0), r.get::<Option<i64>, _>(1).unwrap_or(0))
    };
    eprintln!("{kills} kills, {txs} transactions, {reverted} reverted");
    assert!(
        reverted <= 3,
        "seed {seed:#x}: {reverted} of {txs} transactions reverted for work already done"
    );
    indexer.abort();
}

/// Issue 27, item 1: two keeper processes with one key on one database. The second refuses
/// with one line naming the first (two processes with one key would sign the same nonces);
/// once the first is SIGKILLed, a new process takes the key over at once (the holder's
/// process on this host is gone) and does the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_with_the_keepers_key_refuses_until_the_first_is_gone() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db").display().to_string();
    let manifest = dir.path().join("manifest.json");
    d.manifest.save(&manifest).unwrap();
    let (store, indexer) = d.index(&db).await;
    let key = format!("0x{}", hex::encode(d.anvil.keys()[0].to_bytes()));
    let command = || {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_swan"));
        c.args(["keeper", "run", "--manifest"])
            .arg(&manifest)
            .args(["--db", &db, "--no-api", "--tick-ms", "100"])
            .env("SWAN_KEEPER_KEY", &key)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    };
    let holder = async || -> Option<i64> {
        sqlx::query_scalar("SELECT pid FROM keeper_keys")
            .fetch_optional(store.pool())
            .await
            .unwrap()
    };
    let mut first = command().spawn().unwrap();
    let first_pid = i64::from(first.id().unwrap());
    for _ in 0..100 {
        if holder().await == Some(first_pid) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(holder().await, Some(first_pid), "the first holds the key");
    let second = tokio::time::timeout(Duration::from_secs(30), command().output())
        .await
        .expect("the second process exits")
        .unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr).trim().to_owned();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: ")
            && err.contains(&format!(
                "is in use by another keeper process (pid {first_pid} on host "
            )),
        "{err}"
    );
    first.kill().await.unwrap(); // SIGKILL: no clean release
    let mut third = command().spawn().unwrap();
    let third_pid = i64::from(third.id().unwrap());
    let req = d.request(0, 1, TOKEN, 2).await;
    let t = d.create(req).await;
    d.wait_status(t, ASSIGNED, 30).await;
    assert_eq!(
        holder().await,
        Some(third_pid),
        "the new process took the key over"
    );
    third.kill().await.unwrap();
    indexer.abort();
}
