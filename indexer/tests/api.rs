//! The HTTP API over real HTTP on 127.0.0.1, on a database indexed from a real chain: each
//! endpoint's shape and filters, pagination, the OpenAPI document, and 400s naming the parameter.

mod common;

use alloy::providers::Provider as _;
use std::sync::Arc;

use common::scenario::{every_event, market};
use serde_json::Value;
use swan_indexer::{
    api::{ApiState, OPENAPI, router},
    model::addr,
    status::Status,
    store::Store,
};

async fn serve(store: Store, chain_id: u64, market: String, status: Arc<Status>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(ApiState {
        store,
        chain_id,
        market,
        status,
        ready_lag: 5,
    });
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::get(url).await.unwrap();
    let code = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn api_serves_the_indexed_market() {
    let m = market(&[]).await;
    let ids = every_event(&m).await;
    // push the events below the finalized tag (anvil: head - 64), so rows read as final
    let _: serde_json::Value = m
        .provider
        .raw_request("anvil_mine".into(), (70u64,))
        .await
        .unwrap();
    let (_dir, path) = common::sqlite_file("api");
    let store = Store::open(&path).await.unwrap();
    let syncer = common::index_to_head(&store, &m.manifest, common::test_config(50)).await;
    let base = serve(
        store.clone(),
        m.manifest.chain_id,
        format!("{:#x}", m.manifest.market),
        syncer.status().clone(),
    )
    .await;

    // tasks: all, filtered, paginated
    let (code, all) = get(&format!("{base}/api/tasks?limit=500")).await;
    assert_eq!(code, 200);
    assert_eq!(all["total"], ids.len());
    assert_eq!(all["items"].as_array().unwrap().len(), ids.len());
    let (_, done) = get(&format!("{base}/api/tasks?status=completed")).await;
    assert!(done["total"].as_u64().unwrap() >= 4);
    assert!(
        done["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "completed")
    );
    let (_, quorum) = get(&format!("{base}/api/tasks?mode=quorum")).await;
    assert_eq!(quorum["total"], 2);
    let p2 = addr(&m.owners[2]);
    let (_, on_p2) = get(&format!("{base}/api/tasks?provider={p2}")).await;
    assert!(on_p2["total"].as_u64().unwrap() >= 3, "{on_p2}");
    let (_, mine) = get(&format!(
        "{base}/api/tasks?submitter={}",
        addr(&m.submitter)
    ))
    .await;
    assert_eq!(mine["total"], ids.len());
    let (_, page1) = get(&format!("{base}/api/tasks?limit=3&offset=0")).await;
    let (_, page2) = get(&format!("{base}/api/tasks?limit=3&offset=3")).await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 3);
    assert_ne!(page1["items"][0]["task_id"], page2["items"][0]["task_id"]);

    // one task with its replicas, results, payments and slashes (the quorum with a dissenter)
    let qid = swan_indexer::model::task_key(&ids[3]);
    let (code, t) = get(&format!("{base}/api/tasks/{qid}")).await;
    assert_eq!(code, 200, "{t}");
    assert_eq!(t["mode"], "quorum");
    assert_eq!(t["replicas"].as_array().unwrap().len(), 3);
    assert_eq!(
        t["results"].as_array().unwrap().len(),
        6,
        "3 commits + 3 reveals"
    );
    assert_eq!(t["slashes"].as_array().unwrap().len(), 1);
    // the task row is final by the block of its last change (it has no block_number)
    let (_, ready) = get(&format!("{base}/ready")).await;
    let fin = ready["finalized"].as_i64().unwrap();
    assert!(fin > 0, "{ready}");
    assert!(t["updated_block"].as_i64().unwrap() <= fin, "{t} {ready}");
    assert_eq!(t["finalized"], true, "{t}");
    let kinds: Vec<&str> = t["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["task_refund", "replica_paid", "replica_paid"],
        "unused cap refunded, two paid"
    );
    let (code, same) = get(&format!("{base}/api/tasks/{}", ids[3])).await;
    assert_eq!(
        (code, &same["task_id"]),
        (200, &t["task_id"]),
        "decimal ids work too"
    );

    // providers: filters and sorts
    let (_, ps) = get(&format!("{base}/api/providers?sort=price")).await;
    let prices: Vec<f64> = ps["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["price_f"].as_f64().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let (_, active) = get(&format!("{base}/api/providers?status=active")).await;
    assert_eq!(active["total"], 2, "one provider exited");
    let (_, eu) = get(&format!("{base}/api/providers?region=eu-west")).await;
    assert_eq!(eu["total"], 1);
    let (_, gpus) = get(&format!("{base}/api/providers?min_gpu=1")).await;
    assert_eq!(gpus["total"], 2);
    let (_, rep) = get(&format!("{base}/api/providers")).await;
    let reps: Vec<f64> = rep["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reputation"].as_f64().unwrap())
        .collect();
    assert!(reps.windows(2).all(|w| w[0] >= w[1]), "{reps:?}");
    let (code, p) = get(&format!("{base}/api/providers/{}", addr(&m.owners[1]))).await;
    assert_eq!(code, 200);
    assert!(!p["slashes"].as_array().unwrap().is_empty());
    assert!(!p["collateral"].as_array().unwrap().is_empty());
    assert!(!p["replicas"].as_array().unwrap().is_empty());

    // events and stats
    let (_, ev) = get(&format!("{base}/api/events?event=TaskCreated&limit=500")).await;
    assert_eq!(ev["items"].as_array().unwrap().len(), ids.len());
    let (code, st) = get(&format!("{base}/api/stats")).await;
    assert_eq!(code, 200);
    assert_eq!(st["open_tasks"], 1);
    assert_eq!(st["tasks"]["cancelled"], 1);
    assert_ne!(st["fees"], "0");
    assert!(st["utilization"].as_f64().unwrap() > 0.0, "{st}");

    // health, readiness, metrics, OpenAPI
    assert_eq!(get(&format!("{base}/health")).await.0, 200);
    let (code, ready) = get(&format!("{base}/ready")).await;
    assert_eq!(code, 200, "{ready}");
    let metrics = reqwest::get(format!("{base}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for name in [
        "swan_indexer_head_lag_blocks",
        "swan_indexer_last_progress_seconds",
        "swan_indexer_events_total",
        "swan_indexer_reorgs_total",
        "swan_indexer_rpc_errors_total",
    ] {
        assert!(metrics.contains(name), "{name} in {metrics}");
    }
    let (_, doc) = get(&format!("{base}/openapi.json")).await;
    assert_eq!(doc, serde_json::from_str::<Value>(OPENAPI).unwrap());
    for path in [
        "/api/tasks",
        "/api/tasks/{id}",
        "/api/providers",
        "/api/providers/{address}",
        "/api/events",
        "/api/stats",
        "/health",
        "/ready",
        "/metrics",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }

    // bad parameters: 400 naming the parameter
    for (query, param) in [
        ("/api/tasks?status=running", "status"),
        ("/api/tasks?limit=abc", "limit"),
        ("/api/tasks?limit=100000", "limit"),
        ("/api/tasks?offset=-1", "offset"),
        ("/api/tasks?submitter=0x12", "submitter"),
        ("/api/tasks?stauts=open", "stauts"),
        ("/api/providers?sort=cheapest", "sort"),
        ("/api/providers?min_cpu=many", "min_cpu"),
        ("/api/events?event=Nope", "event"),
        ("/api/tasks/0xzz", "id"),
        ("/api/providers/not-an-address", "address"),
    ] {
        let (code, body) = get(&format!("{base}{query}")).await;
        assert_eq!(code, 400, "{query}: {body}");
        assert_eq!(body["parameter"], param, "{query}: {body}");
        assert!(
            body["error"].as_str().unwrap().contains(param),
            "{query}: {body}"
        );
    }
    let (code, body) = get(&format!("{base}/api/tasks/0x{}", "0".repeat(63) + "9")).await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(get(&format!("{base}/nope")).await.0, 404);
}
