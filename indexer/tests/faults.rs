//! RPC faults: a local proxy in front of anvil injects HTTP 500s, 429s, answers slower than the
//! indexer's timeout, truncated and malformed JSON, and "too many results" refusals. The indexer
//! must retry, shrink its ranges, fail over from a dead endpoint, and end with a database equal
//! to a clean run (so no partial range was ever written), without stalling.

mod common;

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
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
}

async fn forward(State(p): State<Proxy>, body: Bytes) -> axum::response::Response {
    let n = p.count.fetch_add(1, Ordering::Relaxed);
    let is_logs = std::str::from_utf8(&body)
        .unwrap_or("")
        .contains("eth_getLogs");
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
    };
    let count = proxy.count.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/", post(forward)).with_state(proxy);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

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
