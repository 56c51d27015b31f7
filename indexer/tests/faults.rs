//! RPC faults: a local proxy in front of anvil injects HTTP 500s, 429s, answers slower than the
//! indexer's timeout, truncated and malformed JSON, and "too many results" refusals. The indexer
//! must retry, shrink its ranges, fail over from a dead endpoint, and end with a database equal
//! to a clean run (so no partial range was ever written), without stalling.

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::{
    Router, body::Bytes, extract::State, http::StatusCode, response::IntoResponse, routing::post,
};
use common::scenario::market;
use swan_indexer::{fetch::Rpc, status::Status, store::Store, sync::Syncer};

#[derive(Clone)]
struct Proxy {
    upstream: String,
    count: Arc<AtomicU64>,
    client: reqwest::Client,
    /// When set, every eth_getLogs hangs (an RPC that accepts and never answers).
    hang_logs: Arc<AtomicBool>,
    /// Inject faults (otherwise a clean pass-through).
    faulty: bool,
}

async fn forward(State(p): State<Proxy>, body: Bytes) -> axum::response::Response {
    let n = p.count.fetch_add(1, Ordering::Relaxed);
    let is_logs = std::str::from_utf8(&body)
        .unwrap_or("")
        .contains("eth_getLogs");
    if is_logs {
        while p.hang_logs.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let n = if p.faulty { n } else { 0 };
    // one request in two meets a fault, never three in a row (each call is retried twice)
    match n % 12 {
        1 => return (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response(),
        4 => return (StatusCode::INTERNAL_SERVER_ERROR, "upstream exploded").into_response(),
        6 => tokio::time::sleep(Duration::from_millis(1_500)).await, // beyond the 1 s timeout
        11 if is_logs => {
            let id = serde_json::from_slice::<serde_json::Value>(&body)
                .map(|v| v["id"].clone())
                .unwrap_or_default();
            let refusal = serde_json::json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32005, "message": "query returned more than 10000 results"}});
            return axum::Json(refusal).into_response();
        }
        _ => {}
    }
    let answer = p
        .client
        .post(&p.upstream)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let answer = match n % 12 {
        8 => answer.slice(..answer.len() / 2), // truncated
        10 => Bytes::from_static(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[{\"oops\""), // malformed
        _ => answer,
    };
    ([("content-type", "application/json")], answer).into_response()
}

async fn start(proxy: Proxy) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/", post(forward)).with_state(proxy);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn faults_are_retried_and_never_write_a_partial_range() {
    let m = market(&[]).await;
    for i in 0..15 {
        m.batch_task((i % 3) as usize, i).await;
    }
    let proxy = Proxy {
        upstream: m.anvil.endpoint(),
        count: Arc::new(AtomicU64::new(0)),
        client: reqwest::Client::new(),
        hang_logs: Arc::new(AtomicBool::new(false)),
        faulty: true,
    };
    let count = proxy.count.clone();
    let url = start(proxy).await;

    // a dead endpoint first: the indexer must fail over to the proxy
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let rpc = Rpc::new(&[dead, url], Duration::from_secs(1)).unwrap();
    let head = Rpc::new(&m.manifest.rpc_urls, Duration::from_secs(5))
        .unwrap()
        .head()
        .await
        .unwrap();
    let (dir, path) = common::sqlite_file("faults");
    let store = Store::open(&path).await.unwrap();
    let status = Arc::new(Status::new());
    let mut syncer = Syncer::new(
        store.clone(),
        m.manifest.clone(),
        rpc,
        common::test_config(8),
        status.clone(),
    );
    tokio::time::timeout(Duration::from_secs(120), syncer.run(Some(head)))
        .await
        .expect("the indexer never stalls for good")
        .unwrap();
    assert!(
        count.load(Ordering::Relaxed) > 20,
        "the proxy served the indexer"
    );
    assert!(
        status.rpc_errors.get() >= 6,
        "faults were seen and counted: {}",
        status.rpc_errors.get()
    );

    let clean = Store::open(&dir.path().join("clean.db").display().to_string())
        .await
        .unwrap();
    common::index_to_head(&clean, &m.manifest, common::test_config(1_000)).await;
    common::assert_same_content(&store, &clean).await;
    assert_eq!(common::dump(&store, "tasks").await.len(), 15);
}

/// An RPC that stops answering eth_getLogs (without erroring, within a long timeout): the
/// watchdog notices no progress, fails readiness, restarts the fetcher; once the RPC answers
/// again the indexer catches up.
#[tokio::test]
async fn the_watchdog_fails_readiness_and_restarts_a_stalled_fetcher() {
    let m = market(&[]).await;
    for i in 0..3 {
        m.batch_task(i, i as u64).await;
    }
    let hang = Arc::new(AtomicBool::new(true));
    let url = start(Proxy {
        upstream: m.anvil.endpoint(),
        count: Arc::new(AtomicU64::new(0)),
        client: reqwest::Client::new(),
        hang_logs: hang.clone(),
        faulty: false,
    })
    .await;
    let (_dir, path) = common::sqlite_file("watchdog");
    let store = Store::open(&path).await.unwrap();
    let status = Arc::new(Status::new());
    let make = {
        let (store, manifest, status) = (store.clone(), m.manifest.clone(), status.clone());
        move |_generation: u32| {
            let rpc = Rpc::new(std::slice::from_ref(&url), Duration::from_secs(60)).unwrap();
            Syncer::new(
                store.clone(),
                manifest.clone(),
                rpc,
                common::test_config(1_000),
                status.clone(),
            )
        }
    };
    let watchdog = tokio::spawn(swan_indexer::sync::supervise(
        make,
        Duration::from_millis(800),
        status.clone(),
    ));
    // stalled: not ready, and the fetcher is restarted
    let t = std::time::Instant::now();
    while status.restarts.get() < 2 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the watchdog never fired"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(status.stalled(), "a stalled fetcher is reported");
    assert!(!status.ready(5), "not ready while stalled");
    // the RPC recovers: the restarted fetcher catches up and readiness returns
    hang.store(false, Ordering::Relaxed);
    let head = Rpc::new(&m.manifest.rpc_urls, Duration::from_secs(5))
        .unwrap()
        .head()
        .await
        .unwrap();
    let t = std::time::Instant::now();
    while !(status.ready(0) && status.checkpoint.get() as u64 >= head) {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "never caught up after the RPC recovered: checkpoint {} head {head} stalled {} restarts {} lag {}",
            status.checkpoint.get(),
            status.stalled(),
            status.restarts.get(),
            status.lag.get()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(!status.stalled());
    watchdog.abort();
    assert_eq!(common::dump(&store, "tasks").await.len(), 3);
}
