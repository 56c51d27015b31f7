//! The keeper end to end on anvil (a block a second) with the real indexer and a real database
//! (a SQLite file and Postgres): every batch verification mode and a service task reach their
//! final state through the keeper's own transactions, and the submitter's balance in the market
//! moves by exactly what the rules say, to the wei.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use alloy::primitives::{B256, U256, Uint, keccak256};
use axum::{Router, http::StatusCode, routing::get};
use sqlx::Row;
use swan_keeper::answers;

mod common;
use common::{
    devnet::{Devnet, Running, TOKEN, fast},
    pg_database,
};

const OPEN: u8 = 1;
const ASSIGNED: u8 = 2;
const COMPLETED: u8 = 3;
const FAILED: u8 = 4;
const CANCELLED: u8 = 5;
const PAID: u8 = 4;
const SLASHED: u8 = 5;

/// A service endpoint whose health can be switched off.
async fn service() -> (String, Arc<AtomicBool>) {
    let up = Arc::new(AtomicBool::new(true));
    let u = up.clone();
    let app = Router::new().route(
        "/services/{task}/{replica}/health",
        get(move || {
            let u = u.clone();
            async move {
                if u.load(Ordering::SeqCst) {
                    StatusCode::OK
                } else {
                    StatusCode::SERVICE_UNAVAILABLE
                }
            }
        }),
    );
    let l = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(l, app).await.unwrap() });
    (format!("http://{addr}"), up)
}

fn write(dir: &std::path::Path, name: &str, body: &[u8]) -> (String, B256) {
    let path = dir.join(name);
    std::fs::write(&path, body).unwrap();
    (format!("file://{}", path.display()), keccak256(body))
}

async fn every_mode_settles(db_of: impl FnOnce(&std::path::Path) -> String) {
    let (endpoint, up) = service().await;
    let d = Devnet::start([&endpoint, &endpoint, &endpoint], &["--block-time", "1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = db_of(dir.path());
    let (store, indexer) = d.index(&db).await;
    let keeper = d.keeper(&store, 0, &d.manifest.rpc_urls, fast()).await;
    let running = Running::spawn(keeper);
    let start = d.balance(d.submitter).await;
    let earned0: Vec<U256> = {
        let mut v = Vec::new();
        for o in &d.owners {
            v.push(d.earned(*o).await);
        }
        v
    };

    // keeper-attested: a good result, a result whose content is not what was submitted, a no-show
    let (spec_uri, spec_hash) = write(
        dir.path(),
        "spec.yaml",
        b"kind: batch\nverification:\n  criteria:\n    min_bytes: 5\n",
    );
    let mut req = d.request(0, 1, TOKEN, 2).await;
    (req.specURI, req.specHash) = (spec_uri.clone(), spec_hash);
    let good = d.create(req.clone()).await;
    let wrong = d.create(req.clone()).await;
    let no_show = d.create(req).await;
    // known answer, two replicas: one right, one wrong
    let (expected, salt) = (keccak256(b"42"), B256::repeat_byte(7));
    let mut req = d.request(1, 2, TOKEN, 2).await;
    req.answerCommit = answers::commit(expected, salt);
    let known = d.create(req).await;
    answers::put(&store, d.manifest.chain_id, known, expected, salt)
        .await
        .unwrap();
    // a service whose health fails
    let (svc_spec, svc_hash) = write(
        dir.path(),
        "service.yaml",
        b"kind: service\nverification:\n  health:\n    path: /health\n    interval_secs: 1\n    timeout_ms: 500\n    grace_secs: 30\n",
    );
    let mut req = d.request(3, 1, 0, 2).await;
    req.price = Uint::from(TOKEN / 100_000); // cap per second
    (req.resultBy, req.settleBy) = (3_600, 0);
    (req.specURI, req.specHash) = (svc_spec, svc_hash);
    let svc = d.create(req).await;
    // a task no provider can take
    let mut req = d.request(0, 1, TOKEN, 64).await;
    req.requirements.gpuCount = 16;
    let nobody = d.create(req).await;

    for t in [good, wrong, no_show, known, svc] {
        d.wait_status(t, ASSIGNED, 30).await;
    }
    assert_eq!(d.status(nobody).await, OPEN, "no provider fits: it waits");

    let (ok_uri, ok_hash) = write(dir.path(), "good.json", b"{\"loss\": 0.1}");
    d.submit(good, 0, ok_hash, &ok_uri).await;
    let (bad_uri, _) = write(dir.path(), "bad.json", b"{\"loss\": 9.9}");
    d.submit(wrong, 0, ok_hash, &bad_uri).await; // the content differs from the hash submitted
    // known answer is sealed: both commit; once the commitments are closed the keeper reveals
    // the answer and the providers reveal their results (the last of these settles)
    let (s0, s1) = (B256::repeat_byte(1), B256::repeat_byte(2));
    d.seal(known, 0, expected, s0).await;
    d.seal(known, 1, keccak256(b"41"), s1).await;
    d.open(known, 0, expected, s0).await;
    d.open(known, 1, keccak256(b"41"), s1).await;

    d.wait_status(good, COMPLETED, 30).await;
    d.wait_status(wrong, FAILED, 30).await;
    d.wait_status(known, COMPLETED, 30).await;
    assert_eq!(d.replica(known, 0).await.status, PAID);
    assert_eq!(d.replica(known, 1).await.status, SLASHED);

    // the service goes down; time passes beyond the grace, every deadline of the others too
    up.store(false, Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    d.warp(700).await;
    d.wait_status(no_show, FAILED, 30).await;
    d.wait_status(nobody, CANCELLED, 30).await;
    for _ in 0..300 {
        if d.replica(svc, 0).await.status == SLASHED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        d.replica(svc, 0).await.status,
        SLASHED,
        "the failed service is slashed"
    );
    assert_eq!(d.replica(good, 0).await.status, PAID);
    assert_eq!(d.replica(wrong, 0).await.status, SLASHED);
    assert_eq!(d.replica(no_show, 0).await.status, SLASHED);

    // the money, to the wei: what the submitter paid in and got back. A slash never pays the
    // submitter; a failed replica's price comes back, except in known-answer mode, where the
    // submitter (who committed the answer) pays every replica whatever the verdict
    let fee = |p: U256| p * U256::from(500) / U256::from(10_000);
    let market = d.market();
    let mut expect = start;
    let mut earned = U256::ZERO;
    for t in [good, wrong, no_show, known] {
        let task = market.getTask(t).call().await.unwrap();
        let cap = U256::from(task.price);
        for i in 0..task.replicas {
            let r = d.replica(t, u64::from(i)).await;
            let p = U256::from(r.price);
            expect = expect - cap + (cap - p);
            if r.status == SLASHED {
                if t != known {
                    expect += p;
                }
            } else {
                earned += p - fee(p);
            }
        }
    }
    // the unassignable task: its whole escrow back
    let _ = market.getTask(nobody).call().await.unwrap();
    // the service: paid up to the failure, the rest refunded (the slash goes to the treasury)
    let report: String =
        sqlx::query("SELECT payload FROM keeper_intents WHERE action = 'report' AND task_id = $1")
            .bind(format!("{svc:#x}"))
            .fetch_one(store.pool())
            .await
            .unwrap()
            .get(0);
    let failed_at: u64 = serde_json::from_str::<serde_json::Value>(&report).unwrap()["failed_at"]
        .as_u64()
        .unwrap();
    // the probes that failed it are kept with the verdicts, for anyone to read
    let kept = swan_keeper::verdicts::list(&store, d.manifest.chain_id, Some(&format!("{svc:#x}")))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        kept[0]["service_failed_at"].as_u64(),
        Some(failed_at),
        "{kept:?}"
    );
    let probes = kept[0]["probes"].as_array().unwrap();
    assert!(
        probes.iter().any(|p| p["ok"] == false) && probes.iter().all(|p| p["at"].is_u64()),
        "{probes:?}"
    );
    let (started, _) = {
        let w = market.serviceWindow(svc).call().await.unwrap();
        (u64::try_from(w.startedAt).unwrap(), w.endsAt)
    };
    let task = market.getTask(svc).call().await.unwrap();
    let r = d.replica(svc, 0).await;
    let (rate, cap, duration) = (
        U256::from(r.price),
        U256::from(task.price),
        U256::from(3_600u64),
    );
    let served = rate * U256::from(failed_at - started);
    expect = expect - cap * duration + (cap - rate) * duration + (rate * duration - served);
    earned += served - fee(served);
    assert_eq!(
        d.balance(d.submitter).await,
        expect,
        "{db}: the submitter's balance"
    );
    let mut got = U256::ZERO;
    for (o, e0) in d.owners.iter().zip(earned0) {
        got += d.earned(*o).await - e0;
    }
    assert_eq!(got, earned, "{db}: what the providers earned");

    // every keeper transaction eventually final, none reverted
    let mut final_ok = false;
    for _ in 0..100 {
        let (sent, mined): (i64, i64) = {
            let r = sqlx::query(
                "SELECT CAST(SUM(CASE WHEN status IN ('sent', 'mined') THEN 1 ELSE 0 END) AS BIGINT), \
                 CAST(SUM(CASE WHEN success = 0 THEN 1 ELSE 0 END) AS BIGINT) FROM keeper_txs",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            (
                r.get::<Option<i64>, _>(0).unwrap_or(0),
                r.get::<Option<i64>, _>(1).unwrap_or(0),
            )
        };
        assert_eq!(mined, 0, "{db}: no keeper transaction reverted");
        if sent == 0 {
            final_ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(final_ok, "{db}: every transaction final");
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM keeper_intents WHERE status = 'done'")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(done >= 8, "{db}: {done} intents done");
    running.stop().await;
    indexer.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mode_settles_sqlite() {
    every_mode_settles(|dir| dir.join("keeper.db").display().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mode_settles_postgres() {
    let url = pg_database("lifecycle").await;
    every_mode_settles(move |_| url).await;
}

/// With `--confirmations N` the keeper judges deadlines on the time of the block N under the
/// head, which no reorg of that depth replaces: the 30-minute chaos run saw `expire`s planned on
/// the head's time mined, after a reorg, in a block a second earlier — at the deadline itself —
/// and revert `TooEarly`. Without confirmations it is the head's time.
#[tokio::test]
async fn deadlines_are_judged_on_confirmed_time() {
    use alloy::providers::Provider;
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("time.db").display().to_string();
    let (store, indexer) = d.index(&db).await;
    for _ in 0..5 {
        d.warp(10).await;
    }
    let head = d.p.get_block_number().await.unwrap();
    let time = |n: u64| {
        let p = d.p.clone();
        async move {
            p.get_block_by_number(n.into())
                .await
                .unwrap()
                .unwrap()
                .header
                .timestamp
        }
    };
    let mut cfg = fast();
    cfg.dry_run = true;
    cfg.alloc.confirmations = 3;
    let mut k = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg.clone()).await;
    let tick = k.tick().await.unwrap();
    assert_eq!(tick.now, time(head - 3).await);
    assert!(
        tick.now + 30 <= time(head).await,
        "three blocks of ten seconds earlier"
    );
    cfg.alloc.confirmations = 0;
    let mut k = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg).await;
    assert_eq!(k.tick().await.unwrap().now, time(head).await);
    indexer.abort();
}
