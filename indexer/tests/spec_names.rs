//! The spec reader (`--fetch-specs`): task lists show the name each task's spec gives itself,
//! read from its URI and kept only when the document is the committed spec; a spec that cannot
//! be read now is read again later; on SQLite and on Postgres.

mod common;

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use alloy::primitives::{B256, keccak256};
use common::scenario::market;
use serde_json::Value;
use swan_indexer::{
    spec_names::{RETRY_AFTER, SpecReader},
    status::Status,
    store::Store,
};
use swan_spec::fetch::Fetcher;

/// A gateway serving `docs` under `/ipfs/{name}`; while `up` is false it answers 503.
async fn gateway(docs: HashMap<String, Vec<u8>>, up: Arc<AtomicBool>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let docs = Arc::new(docs);
    let app = axum::Router::new().route(
        "/ipfs/{name}",
        axum::routing::get(
            move |axum::extract::Path(name): axum::extract::Path<String>| async move {
                if !up.load(Ordering::SeqCst) {
                    return (axum::http::StatusCode::SERVICE_UNAVAILABLE, Vec::new());
                }
                match docs.get(&name) {
                    Some(d) => (axum::http::StatusCode::OK, d.clone()),
                    None => (axum::http::StatusCode::NOT_FOUND, Vec::new()),
                }
            },
        ),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn api(store: Store, chain_id: u64, market: String) -> String {
    common::serve(store, chain_id, market, Arc::new(Status::new()), None, None).await
}

async fn json(url: &str) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

/// `name` of each listed task, by id, and whether every one has its creation time.
async fn listed(base: &str) -> (HashMap<String, Value>, bool) {
    let page = json(&format!("{base}/api/tasks?limit=50")).await;
    let items = page["items"].as_array().unwrap();
    let timed = items.iter().all(|t| t["created_at"].as_i64().is_some());
    let names = items
        .iter()
        .map(|t| (t["task_id"].as_str().unwrap().to_owned(), t["name"].clone()))
        .collect();
    (names, timed)
}

async fn names_come_from_committed_specs(url: &str) {
    let m = market(&[]).await;
    let sum = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/specs/sum.yaml"
    ))
    .unwrap();
    let text = String::from_utf8(sum.clone()).unwrap();
    // a name that tries to be markup and to break the line it is shown on
    let loud = text
        .replace("name: sum", "name: \"<b>sum</b>\\n\\u202e again\"")
        .into_bytes();
    let nameless = text.replace("name: sum\n", "").into_bytes();
    let docs: HashMap<String, Vec<u8>> = [
        ("sum", sum.clone()),
        ("loud", loud.clone()),
        ("nameless", nameless.clone()),
        // served under the name of a spec it is not
        (
            "liar",
            text.replace("name: sum", "name: not me").into_bytes(),
        ),
        ("late", sum.clone()),
        (
            "newer",
            text.replace("name: sum", "name: newer").into_bytes(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let spec = |name: &str, doc: &[u8]| Some((keccak256(doc), format!("ipfs://{name}")));
    let ids = [
        m.create_spec(0, 1, 1, spec("sum", &sum)).await,
        m.create_spec(0, 1, 2, spec("loud", &loud)).await,
        m.create_spec(0, 1, 3, spec("nameless", &nameless)).await,
        m.create_spec(0, 1, 4, Some((B256::repeat_byte(7), "ipfs://liar".into())))
            .await,
        // the same document as the first at another URI: one read names both
        m.create_spec(0, 1, 5, spec("late", &sum)).await,
    ];
    let store = Store::open(url).await.unwrap();
    common::index_to_head(&store, &m.manifest, common::test_config(5)).await;
    let keys: Vec<String> = ids.iter().map(swan_indexer::model::task_key).collect();
    let base = api(
        store.clone(),
        m.manifest.chain_id,
        format!("{:#x}", m.manifest.market),
    )
    .await;
    // nothing read yet: no names, but every creation time
    let (names, timed) = listed(&base).await;
    assert!(timed, "{names:?}");
    assert!(names.values().all(Value::is_null), "{names:?}");

    // the gateway is down: nothing named, nothing given up on
    let up = Arc::new(AtomicBool::new(false));
    let fetcher = Fetcher::new(
        &gateway(docs, up.clone()).await,
        false,
        Duration::from_secs(2),
    );
    let chain = m.manifest.chain_id;
    let t0 = 1_900_000_000u64;
    let mut reader = SpecReader::default();
    assert_eq!(reader.round(&store, &fetcher, chain, t0).await.unwrap(), 4);
    assert_eq!(
        reader.round(&store, &fetcher, chain, t0 + 1).await.unwrap(),
        0
    );
    // (a list is computed once per indexed block: a fresh server reads the names now)
    let fresh = || api(store.clone(), chain, format!("{:#x}", m.manifest.market));
    let (names, _) = listed(&fresh().await).await;
    assert!(names.values().all(Value::is_null), "{names:?}");

    // back up, and due again: each read once more
    up.store(true, Ordering::SeqCst);
    let later = t0 + RETRY_AFTER.as_secs() + 1;
    assert_eq!(
        reader.round(&store, &fetcher, chain, later).await.unwrap(),
        4
    );
    assert_eq!(
        reader
            .round(&store, &fetcher, chain, later + 1)
            .await
            .unwrap(),
        0
    );
    let base = fresh().await;
    let (names, _) = listed(&base).await;
    assert_eq!(names[&keys[0]], "sum");
    assert_eq!(
        names[&keys[1]], "<b>sum</b> again",
        "control characters dropped"
    );
    assert_eq!(names[&keys[2]], Value::Null, "a spec without a name");
    assert_eq!(names[&keys[3]], Value::Null, "not the committed document");
    assert_eq!(names[&keys[4]], "sum");
    // given up on for good: the liar is never read again
    let much_later = later + 10 * RETRY_AFTER.as_secs();
    assert_eq!(
        reader
            .round(&store, &fetcher, chain, much_later)
            .await
            .unwrap(),
        0
    );

    // a task created since: only the new tasks are walked, and it is named
    let newer = text.replace("name: sum", "name: newer").into_bytes();
    let late = m.create_spec(0, 1, 6, spec("newer", &newer)).await;
    common::index_to_head(&store, &m.manifest, common::test_config(5)).await;
    assert_eq!(
        reader
            .round(&store, &fetcher, chain, much_later)
            .await
            .unwrap(),
        1
    );
    let (names, _) = listed(&fresh().await).await;
    assert_eq!(names[&swan_indexer::model::task_key(&late)], "newer");

    // the task page names it too
    for (key, name) in [(&keys[0], Value::from("sum")), (&keys[3], Value::Null)] {
        let t = json(&format!("{base}/api/tasks/{key}")).await;
        assert_eq!(t["name"], name, "{t}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_lists_names_from_committed_specs() {
    let (_dir, url) = common::sqlite_file("spec_names");
    names_come_from_committed_specs(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_lists_names_from_committed_specs() {
    let url = common::pg_database("spec_names").await;
    names_come_from_committed_specs(&url).await;
}
