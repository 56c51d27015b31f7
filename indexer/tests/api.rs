//! The HTTP API over real HTTP on 127.0.0.1, on a database indexed from a real chain: each
//! endpoint's shape and filters, pagination, and 400s naming the parameter. Every answer of a
//! documented route is checked against the OpenAPI document (its status documented, its body
//! valid against the route's schema), and every documented route is answered 200 at least once.

mod common;

use common::serve;

use alloy::{
    providers::Provider as _,
    sol_types::{SolError as _, SolEvent as _},
};
use std::{
    collections::BTreeSet,
    sync::{Arc, LazyLock, Mutex},
};

use common::scenario::{every_event, market};
use serde_json::Value;
use swan_indexer::{api::openapi, model::addr, status::Status, store::Store};

/// `query` gets a 400 whose JSON names `param`, in the field and in the message.
async fn assert_refused(base: &str, query: &str, param: &str) {
    let (code, body) = get(&format!("{base}{query}")).await;
    assert_eq!(code, 400, "{query}: {body}");
    assert_eq!(body["parameter"], param, "{query}: {body}");
    assert!(
        body["error"].as_str().unwrap().contains(param),
        "{query}: {body}"
    );
}

async fn get(url: &str) -> (u16, Value) {
    let r = reqwest::get(url).await.unwrap();
    let code = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    conforms("get", url, code, &body);
    (code, body)
}

/// POST `body` to `url`; its status and JSON (checked against the document).
async fn post(url: &str, body: &str) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/yaml")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let code = r.status().as_u16();
    let text = r.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    conforms("post", url, code, &body);
    (code, body)
}

static DOC: LazyLock<Value> = LazyLock::new(|| serde_json::from_str(openapi()).unwrap());
/// The documented routes answered 200 so far.
static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// `path` is an instance of the route `template` (`/api/tasks/{id}`).
fn instance_of(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t.starts_with('{') || t == p)
}

/// The answer `code`/`body` of `url` is one the OpenAPI document allows. Only the web page's
/// paths (and the deliberately unknown `/nope`) are outside the document; any other path the
/// test requests must be a documented route.
fn conforms(method: &str, url: &str, code: u16, body: &Value) {
    let path = reqwest::Url::parse(url).unwrap().path().to_owned();
    let route = DOC["paths"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(t, _)| instance_of(t, &path));
    let web_page = !path.starts_with("/api/")
        && !["/health", "/ready", "/metrics", "/openapi.json"].contains(&path.as_str());
    let Some((template, item)) = route else {
        assert!(web_page, "{url}: no documented route answers {path}");
        return; // the web page is HTML, not part of the API's document
    };
    let answer = &item[method]["responses"][code.to_string()];
    assert!(
        answer.is_object(),
        "{url}: status {code} is not documented for {template}: {body}"
    );
    let content = answer["content"].as_object().expect("a documented body");
    let (kind, media) = content.iter().next().unwrap();
    let mut schema = media["schema"].clone();
    schema["components"] = DOC["components"].clone();
    if let Err(e) = jsonschema::validate(&schema, body) {
        panic!(
            "{url} ({code}, {kind}) does not match the document at {}: {e}\n{body}",
            e.instance_path
        );
    }
    if code == 200 {
        SEEN.lock().unwrap().insert(template.clone());
    }
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
        None,
        None,
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
    // keyset paging: after the last task of page 1 comes page 2, with the same total
    let last = page1["items"][2]["task_id"].as_str().unwrap();
    let (code, keyed) = get(&format!("{base}/api/tasks?limit=3&after={last}")).await;
    assert_eq!(code, 200, "{keyed}");
    assert_eq!(keyed["items"], page2["items"]);
    assert_eq!(keyed["total"], page1["total"]);
    // walking the whole list by keys gives every task once, in the list's order
    let (_, all) = get(&format!("{base}/api/tasks?limit=500")).await;
    let mut walked = Vec::new();
    let mut url = format!("{base}/api/tasks?limit=2");
    loop {
        let (_, p) = get(&url).await;
        let items = p["items"].as_array().unwrap();
        if items.is_empty() {
            break;
        }
        walked.extend(items.iter().map(|t| t["task_id"].clone()));
        let last = items.last().unwrap()["task_id"].as_str().unwrap();
        url = format!("{base}/api/tasks?limit=2&after={last}");
    }
    let expected: Vec<Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_id"].clone())
        .collect();
    assert_eq!(walked, expected);

    // one task with its replicas, results, payments and slashes (the quorum with a dissenter)
    let qid = swan_indexer::model::task_key(&ids[4]);
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
    let (code, same) = get(&format!("{base}/api/tasks/{}", ids[4])).await;
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
    // the raw log as the chain has it: hashes and data 0x-hex, topics their comma-separated words
    let chain_logs = m
        .provider
        .get_logs(
            &alloy::rpc::types::Filter::new()
                .address(m.manifest.market)
                .event_signature(swan_contracts::SwanMarket::TaskCreated::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    assert_eq!(chain_logs.len(), ids.len());
    for (item, log) in ev["items"].as_array().unwrap().iter().zip(&chain_logs) {
        let hex = |b: &[u8]| format!("0x{}", alloy::hex::encode(b));
        assert_eq!(item["event"], "TaskCreated");
        assert_eq!(item["block_number"], log.block_number.unwrap());
        assert_eq!(item["log_index"], log.log_index.unwrap());
        assert_eq!(item["block_hash"], hex(log.block_hash.unwrap().as_slice()));
        assert_eq!(
            item["tx_hash"],
            hex(log.transaction_hash.unwrap().as_slice())
        );
        let topics: Vec<String> = log.topics().iter().map(|t| hex(t.as_slice())).collect();
        assert_eq!(item["topics"], topics.join(","));
        assert_eq!(item["data"], hex(&log.data().data));
        // and decoded: the arguments by name, as the chain's own decoding reads them
        let created = log
            .log_decode::<swan_contracts::SwanMarket::TaskCreated>()
            .unwrap()
            .inner
            .data;
        assert_eq!(
            item["args"]["taskId"],
            created.taskId.to_string(),
            "integers are decimal strings"
        );
        assert_eq!(item["args"]["submitter"], addr(&created.submitter));
        assert_eq!(item["args"]["escrow"], created.escrow.to_string());
        assert_eq!(
            item["args"]["request"]["mode"],
            created.request.mode.to_string(),
            "a struct is an object of its named fields"
        );
        assert_eq!(
            item["args"]["request"]["specHash"],
            format!("{:#x}", created.request.specHash)
        );
    }
    // one transaction's logs: what it did (the search box finds a task by its transaction)
    let first = &ev["items"][0];
    let (code, by_tx) = get(&format!(
        "{base}/api/events?tx={}",
        first["tx_hash"].as_str().unwrap()
    ))
    .await;
    assert_eq!(code, 200, "{by_tx}");
    let of_tx = by_tx["items"].as_array().unwrap();
    assert!(!of_tx.is_empty());
    assert!(of_tx.iter().all(|e| e["tx_hash"] == first["tx_hash"]));
    assert!(
        of_tx
            .iter()
            .any(|e| e["event"] == "TaskCreated" && e["args"]["taskId"] == first["args"]["taskId"])
    );
    let (_, none) = get(&format!("{base}/api/events?tx=0x{}", "ab".repeat(32))).await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    // newest first on request: the same rows, the other way round
    let (_, newest) = get(&format!(
        "{base}/api/events?event=TaskCreated&limit=500&order=desc"
    ))
    .await;
    let mut oldest: Vec<Value> = ev["items"].as_array().unwrap().clone();
    oldest.reverse();
    assert_eq!(newest["items"].as_array().unwrap(), &oldest);
    // every stored event decodes (none comes back without its arguments)
    let (_, any) = get(&format!("{base}/api/events?limit=500")).await;
    let undecoded: Vec<&Value> = any["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["args"].is_object())
        .collect();
    assert!(undecoded.is_empty(), "{undecoded:?}");

    // tasks by value (what each holds in escrow), largest first, and by creation, oldest first
    let (code, by_value) = get(&format!("{base}/api/tasks?sort=value&limit=500")).await;
    assert_eq!(code, 200, "{by_value}");
    let values: Vec<alloy::primitives::U256> = by_value["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["escrow"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(values.len(), ids.len());
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
    assert!(
        values.first() > values.last(),
        "the tasks' values differ: {values:?}"
    );
    let (_, cheapest) = get(&format!("{base}/api/tasks?sort=value&order=asc&limit=1")).await;
    assert_eq!(
        cheapest["items"][0]["escrow"].as_str().unwrap(),
        values.last().unwrap().to_string()
    );
    let (_, oldest) = get(&format!("{base}/api/tasks?order=asc&limit=500")).await;
    let mut newest_first = all["items"].as_array().unwrap().clone();
    newest_first.reverse();
    assert_eq!(oldest["items"].as_array().unwrap(), &newest_first);
    // keyset paging the other way round
    let first = oldest["items"][0]["task_id"].as_str().unwrap();
    let (_, next) = get(&format!("{base}/api/tasks?order=asc&limit=1&after={first}")).await;
    assert_eq!(next["items"][0], oldest["items"][1]);
    let (code, st) = get(&format!("{base}/api/stats")).await;
    assert_eq!(code, 200);
    assert_eq!(st["open_tasks"], 1);
    assert_eq!(
        st["tasks"]["cancelled"], 2,
        "one cancelled, one cancelled before a batch skipped it"
    );
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
    assert_eq!(doc, *DOC);
    assert_eq!(get(&format!("{base}/metrics")).await.0, 200);
    for path in [
        "/api/tasks",
        "/api/tasks/{id}",
        "/api/tasks/{id}/spec",
        "/api/tasks/{id}/verdicts",
        "/api/providers",
        "/api/providers/{address}",
        "/api/events",
        "/api/stats",
        "/api/info",
        "/api/series",
        "/api/prices",
        "/health",
        "/ready",
        "/metrics",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }

    // a revert in words, as the swan commands say it
    let unbonding = format!(
        "0x{}{:064x}",
        alloy::hex::encode(swan_contracts::registry::SwanRegistry::StillUnbonding::SELECTOR),
        1_796_587_622u64
    );
    let (code, said) = get(&format!("{base}/api/explain?data={unbonding}")).await;
    assert_eq!(code, 200, "{said}");
    assert_eq!(said["error"], "StillUnbonding");
    assert_eq!(
        said["sentence"],
        "the stake is still unbonding: it can be withdrawn from 2026-12-06 20:07:02 UTC"
    );
    let (code, said) = get(&format!("{base}/api/explain?data=0x01020304")).await;
    assert_eq!(code, 404, "{said}");

    // bad parameters: 400 naming the parameter
    for (query, param) in [
        ("/api/explain?data=zz", "data"),
        ("/api/explain", "data"),
        ("/api/explain?data=0x00&x=1", "x"),
        ("/api/tasks?status=running", "status"),
        ("/api/tasks?limit=abc", "limit"),
        ("/api/tasks?limit=100000", "limit"),
        ("/api/tasks?offset=-1", "offset"),
        ("/api/tasks?offset=10001", "offset"),
        ("/api/tasks?after=0xzz", "after"),
        ("/api/tasks?after=0x1234", "after"),
        ("/api/tasks?submitter=0x12", "submitter"),
        ("/api/tasks?stauts=open", "stauts"),
        ("/api/providers?sort=cheapest", "sort"),
        ("/api/providers?min_cpu=many", "min_cpu"),
        ("/api/events?event=Nope", "event"),
        ("/api/events?order=newest", "order"),
        ("/api/events?tx=0x12", "tx"),
        ("/api/tasks?sort=price", "sort"),
        ("/api/tasks?order=up", "order"),
        ("/api/tasks?sort=value&after=0x1234", "after"),
        ("/api/tasks/0xzz", "id"),
        ("/api/tasks/0x", "id"),
        ("/api/tasks?status=open&status=failed", "status"),
        ("/api/providers/not-an-address", "address"),
    ] {
        assert_refused(&base, query, param).await;
    }
    let (code, body) = get(&format!("{base}/api/tasks/0x{}", "0".repeat(63) + "9")).await;
    assert_eq!(code, 404, "{body}");
    assert_eq!(get(&format!("{base}/nope")).await.0, 404);

    spec_checks(&base).await;
    explorer_reads(&base, &m, &ids).await;
    specs(&base, &store, &m, syncer.status().clone(), &ids).await;
    web_page(&base).await;
    prices_relay(&store, &m, syncer.status().clone()).await;

    // every documented route answered 200 at least once, and matched the document each time
    let seen = SEEN.lock().unwrap().clone();
    let documented: BTreeSet<String> = DOC["paths"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        documented.difference(&seen).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "routes never answered 200 in this test"
    );
}

#[test]
fn the_document_rejects_what_the_api_must_not_answer() {
    // the checks above are not vacuous: a task page missing a field, or with a field of the
    // wrong type, does not match
    let url = "http://127.0.0.1/api/tasks";
    let ok = serde_json::json!({"items": [], "total": 0, "limit": 50, "offset": 0});
    conforms("get", url, 200, &ok);
    for bad in [
        serde_json::json!({"items": [], "limit": 50, "offset": 0}),
        serde_json::json!({"items": [{"task_id": 1}], "total": 1, "limit": 50, "offset": 0}),
        serde_json::json!({"items": [], "total": "0", "limit": 50, "offset": 0}),
    ] {
        let r = std::panic::catch_unwind(|| conforms("get", url, 200, &bad));
        assert!(r.is_err(), "{bad} must not match");
    }
    let r = std::panic::catch_unwind(|| conforms("get", url, 418, &ok));
    assert!(r.is_err(), "an undocumented status is refused");
}

/// What the explorer reads besides the tables: the market's identity, the kind filter, a task's
/// timeline (equal to the chain's logs of the task), the transaction and time of event rows, and
/// the time series (its sums equal the market's totals).
async fn explorer_reads(base: &str, m: &common::scenario::Market, ids: &[alloy::primitives::U256]) {
    let (code, info) = get(&format!("{base}/api/info")).await;
    assert_eq!(code, 200, "{info}");
    assert_eq!(info["chain_id"], m.manifest.chain_id);
    assert_eq!(info["market"], format!("{:#x}", m.manifest.market));
    assert_eq!(info["explorer"], "https://swanscan.io");
    assert_eq!(info["keeper"], false);

    // kind: service tasks are the service mode; batch is every other
    let (_, all) = get(&format!("{base}/api/tasks?limit=500")).await;
    let services = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["mode"] == "service")
        .count();
    assert!(services > 0);
    let (_, svc) = get(&format!("{base}/api/tasks?kind=service")).await;
    assert_eq!(svc["total"], services);
    let (_, batch) = get(&format!("{base}/api/tasks?kind=batch&limit=500")).await;
    assert_eq!(batch["total"], ids.len() - services);
    assert!(
        batch["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["mode"] != "service")
    );

    // every task's timeline is exactly its logs on chain (topic 1 = the task id), in order
    for id in ids {
        let key = swan_indexer::model::task_key(id);
        let (code, t) = get(&format!("{base}/api/tasks/{key}")).await;
        assert_eq!(code, 200, "{t}");
        let logs = m
            .provider
            .get_logs(
                &alloy::rpc::types::Filter::new()
                    .address(m.manifest.market)
                    .from_block(0)
                    .topic1(alloy::primitives::B256::from(*id)),
            )
            .await
            .unwrap();
        let chain: Vec<(u64, u64, String)> = logs
            .iter()
            .map(|l| {
                (
                    l.block_number.unwrap(),
                    l.log_index.unwrap(),
                    format!("{:#x}", l.transaction_hash.unwrap()),
                )
            })
            .collect();
        let shown: Vec<(u64, u64, String)> = t["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert!(e["block_time"].as_i64().unwrap() > 0, "{e}");
                assert!(e["event"].as_str().is_some_and(|n| !n.is_empty()), "{e}");
                (
                    e["block_number"].as_u64().unwrap(),
                    e["log_index"].as_u64().unwrap(),
                    e["tx_hash"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(shown, chain, "timeline of {key}");
        assert_eq!(t["timeline"][0]["event"], "TaskCreated");
        assert_eq!(t["timeline"][0]["tx_hash"], t["created_tx"]);
        assert!(t["replica_count"].as_i64().unwrap() >= 1, "{t}");
        // event rows carry their transaction and time
        for table in ["assignments", "results", "payments", "slashes"] {
            for row in t[table].as_array().unwrap() {
                let at = (
                    row["block_number"].as_u64().unwrap(),
                    row["log_index"].as_u64().unwrap(),
                );
                let tx = chain.iter().find(|c| (c.0, c.1) == at).map(|c| c.2.clone());
                let tx = tx.unwrap_or_else(|| {
                    // a refund row of a slash or cancel is keyed by that log too
                    panic!("{table} row {row} is no log of the task")
                });
                assert_eq!(row["tx_hash"], tx, "{table} {row}");
                assert!(row["block_time"].as_i64().unwrap() > 0, "{row}");
            }
        }
    }
    let qid = swan_indexer::model::task_key(&ids[4]);
    let (_, q) = get(&format!("{base}/api/tasks/{qid}")).await;
    assert_eq!(q["replica_count"], 3);
    let events: Vec<&str> = q["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for e in [
        "TaskCreated",
        "TaskAssigned",
        "ResultSubmitted",
        "ResultRevealed",
        "ReplicaPaid",
        "ReplicaSlashed",
        "TaskFinalized",
    ] {
        assert!(events.contains(&e), "{e} in {events:?}");
    }

    // the series: the default window holds everything; its sums are the market's totals
    let (code, series) = get(&format!("{base}/api/series")).await;
    assert_eq!(code, 200, "{series}");
    let points = series["points"].as_array().unwrap();
    assert_eq!(points.len(), 40);
    let sum = |k: &str| -> alloy::primitives::U256 {
        points
            .iter()
            .map(|p| {
                p[k].as_str()
                    .unwrap()
                    .parse::<alloy::primitives::U256>()
                    .unwrap()
            })
            .sum()
    };
    let created: u64 = points
        .iter()
        .map(|p| p["tasks_created"].as_u64().unwrap())
        .sum();
    assert_eq!(created, ids.len() as u64);
    let (_, st) = get(&format!("{base}/api/stats")).await;
    assert_eq!(sum("volume").to_string(), st["volume"], "{series}");
    assert_eq!(sum("fees").to_string(), st["fees"]);
    assert_eq!(sum("slashed").to_string(), st["slashed"]);
    assert!(sum("slashed") > alloy::primitives::U256::ZERO);
    let width = series["bucket_secs"].as_u64().unwrap();
    let ts: Vec<u64> = points.iter().map(|p| p["t"].as_u64().unwrap()).collect();
    assert!(ts.windows(2).all(|w| w[1] - w[0] == width), "{ts:?}");
    assert_eq!(series["to"].as_u64().unwrap(), ts[39] + width);
    // a narrower window of 1-second buckets ends at the newest block
    let (_, narrow) = get(&format!("{base}/api/series?buckets=5&bucket_secs=1")).await;
    let np = narrow["points"].as_array().unwrap();
    assert_eq!(np.len(), 5);
    assert_eq!(narrow["bucket_secs"], 1);
    assert_eq!(
        np[4]["t"].as_u64().unwrap() + 1,
        narrow["to"].as_u64().unwrap()
    );

    // provider rows carry transactions and times too
    let (_, p) = get(&format!("{base}/api/providers/{}", addr(&m.owners[1]))).await;
    for table in ["slashes", "payments", "collateral"] {
        for row in p[table].as_array().unwrap() {
            assert!(
                row["tx_hash"]
                    .as_str()
                    .is_some_and(|h| h.len() == 66 && h.starts_with("0x")),
                "{table} {row}"
            );
            assert!(row["block_time"].as_i64().unwrap() > 0, "{table} {row}");
        }
    }

    for (query, param) in [
        ("/api/tasks?kind=gpu", "kind"),
        ("/api/series?buckets=0", "buckets"),
        ("/api/series?buckets=501", "buckets"),
        ("/api/series?buckets=many", "buckets"),
        ("/api/series?bucket_secs=0", "bucket_secs"),
        ("/api/series?bucket_secs=-5", "bucket_secs"),
        ("/api/series?from=1", "from"),
    ] {
        assert_refused(base, query, param).await;
    }
}

/// The web page and its assets are served from the binary, with a same-origin-only policy.
async fn web_page(base: &str) {
    for (path, kind, needle) in [
        ("/", "text/html", "<main id=\"view\">"),
        ("/tasks", "text/html", "<main id=\"view\">"),
        ("/tasks/0x01", "text/html", "<main id=\"view\">"),
        ("/providers", "text/html", "<main id=\"view\">"),
        ("/providers/0x01", "text/html", "<main id=\"view\">"),
        ("/assets/app.js", "text/javascript", "function route()"),
        (
            "/assets/dapp.js",
            "text/javascript",
            "function connectWallet()",
        ),
        ("/new", "text/html", "<main id=\"view\">"),
        ("/assets/app.css", "text/css", ".table-wrap"),
        ("/assets/uPlot.iife.min.js", "text/javascript", "uPlot"),
        ("/assets/uPlot.min.css", "text/css", ".uplot"),
    ] {
        let r = reqwest::get(format!("{base}{path}")).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h = r.headers();
        assert!(
            h["content-type"].to_str().unwrap().starts_with(kind),
            "{path}: {h:?}"
        );
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'"),
            "{path}"
        );
        let body = r.text().await.unwrap();
        assert!(body.contains(needle), "{path} has {needle}");
    }
    // unknown pages are still the API's JSON 404
    let (code, body) = get(&format!("{base}/assets/nope.js")).await;
    assert_eq!(code, 404);
    assert!(body["error"].as_str().unwrap().contains("no such endpoint"));
}

/// `/api/prices` relays the keeper's `/prices`: 404 without a keeper, 502 when it does not
/// answer, its JSON when it does.
async fn prices_relay(store: &Store, m: &common::scenario::Market, status: Arc<Status>) {
    let at = |keeper: Option<String>| {
        serve(
            store.clone(),
            m.manifest.chain_id,
            format!("{:#x}", m.manifest.market),
            status.clone(),
            keeper,
            None,
        )
    };
    let none = at(None).await;
    let (code, body) = get(&format!("{none}/api/prices")).await;
    assert_eq!(code, 404, "{body}");
    assert!(body["error"].as_str().unwrap().contains("--keeper-url"));
    // a port nothing listens on
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dead = at(Some(format!("http://{closed}"))).await;
    let (code, body) = get(&format!("{dead}/api/prices")).await;
    assert_eq!(code, 502, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("did not answer"),
        "{body}"
    );
    // a keeper's HTTP endpoint (the keeper's own router serves this view; see the keeper's tests)
    let published = serde_json::json!([{
        "class": "cpu", "capacity": 8, "base": "100", "history_ppm": 0,
        "occupancy_ppm": 250000, "suggested": "123"
    }]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let keeper = listener.local_addr().unwrap();
    let body = published.clone();
    let app = axum::Router::new()
        .route(
            "/prices",
            axum::routing::get(move || async move { axum::Json(body) }),
        )
        .route(
            "/verdicts",
            axum::routing::get(
                |axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| async move {
                    axum::Json(
                        serde_json::json!([{ "task": q["task"], "replica": 0, "passed": true }]),
                    )
                },
            ),
        )
        .route(
            "/decisions",
            axum::routing::get(
                |axum::extract::Query(q): axum::extract::Query<
                    std::collections::HashMap<String, String>,
                >| async move {
                    if q["task"].ends_with("fe") {
                        // a keeper (or something at its address) answering another shape
                        return axum::Json(serde_json::json!({ "task": q["task"], "chosen": 3 }));
                    }
                    axum::Json(serde_json::json!({
                        "task": q["task"], "chosen": [], "eligible": 0, "refused": {"region": 2},
                        "runner_up": null,
                        "reason": "no provider can take it now: 2 in another region (0 eligible)"
                    }))
                },
            ),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let live = at(Some(format!("http://{keeper}/"))).await;
    let (code, body) = get(&format!("{live}/api/prices")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["prices"], published);
    assert_eq!(body["source"], format!("http://{keeper}/prices"));
    let (_, info) = get(&format!("{live}/api/info")).await;
    assert_eq!(info["keeper"], true);
    // the keeper's verdicts on one task: asked for by the task's stored key (here: decimal in)
    let (code, body) = get(&format!("{live}/api/tasks/255/verdicts")).await;
    assert_eq!(code, 200, "{body}");
    let key = format!("0x{}ff", "0".repeat(62));
    assert_eq!(body["verdicts"][0]["task"], key);
    assert_eq!(
        body["source"],
        format!("http://{keeper}/verdicts?task={key}")
    );
    let (code, body) = get(&format!("{live}/api/tasks/0xzz/verdicts")).await;
    assert_eq!(
        (code, &body["parameter"]),
        (400, &Value::from("id")),
        "{body}"
    );
    // the keeper's decision on one task, relayed the same way
    let (code, body) = get(&format!("{live}/api/tasks/255/decision")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["task"], key);
    assert_eq!(body["refused"]["region"], 2);
    assert_eq!(
        body["reason"],
        "no provider can take it now: 2 in another region (0 eligible)"
    );
    // an answer that is not a decision is the keeper's fault: a 502 that says so
    let (code, body) = get(&format!("{live}/api/tasks/254/decision")).await;
    assert_eq!(code, 502, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("its answer is not what a keeper publishes here"),
        "{body}"
    );
    let (code, _) = get(&format!("{none}/api/tasks/255/decision")).await;
    assert_eq!(code, 404);
    let (code, _) = get(&format!("{none}/api/tasks/255/verdicts")).await;
    assert_eq!(code, 404);
    let (code, _) = get(&format!("{dead}/api/tasks/255/verdicts")).await;
    assert_eq!(code, 502);
}

/// `/api/tasks/{id}/spec`: the spec fetched by its URI (here `ipfs://spec-N`, through a local
/// gateway) and shown only when it hashes to the committed spec hash.
async fn specs(
    base: &str,
    store: &Store,
    m: &common::scenario::Market,
    status: Arc<Status>,
    ids: &[alloy::primitives::U256],
) {
    let key = swan_indexer::model::task_key(&ids[0]);
    // this indexer does not fetch specs
    let r = reqwest::get(format!("{base}/api/tasks/{key}/spec"))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("--fetch-specs"),
        "{body}"
    );
    // a gateway serving the scenario's specs (`spec-N` is N's 8 big-endian bytes), and one
    // serving something else under the same names
    async fn gateway(honest: bool) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/ipfs/{name}",
            axum::routing::get(
                move |axum::extract::Path(name): axum::extract::Path<String>| async move {
                    let n: u64 = name.trim_start_matches("spec-").parse().unwrap();
                    if honest {
                        n.to_be_bytes().to_vec()
                    } else {
                        b"kind: batch".to_vec()
                    }
                },
            ),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }
    let with = |gw: String| {
        serve(
            store.clone(),
            m.manifest.chain_id,
            format!("{:#x}", m.manifest.market),
            status.clone(),
            None,
            Some(swan_spec::fetch::Fetcher::new(
                &gw,
                false,
                std::time::Duration::from_secs(2),
            )),
        )
    };
    let honest = with(gateway(true).await).await;
    for id in ids {
        let key = swan_indexer::model::task_key(id);
        let (code, spec) = get(&format!("{honest}/api/tasks/{key}/spec")).await;
        assert_eq!(code, 200, "{spec}");
        let (_, t) = get(&format!("{honest}/api/tasks/{key}")).await;
        assert_eq!(spec["hash"], t["spec_hash"]);
        assert_eq!(spec["uri"], t["spec_uri"]);
        assert_eq!(spec["verified"], true);
        assert_eq!(spec["bytes"], 8);
    }
    let liar = with(gateway(false).await).await;
    let (code, body) = get(&format!("{liar}/api/tasks/{key}/spec")).await;
    assert_eq!(code, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("is not the committed spec"),
        "{body}"
    );
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let down = with(format!("http://{closed}")).await;
    let (code, body) = get(&format!("{down}/api/tasks/{key}/spec")).await;
    assert_eq!(code, 502, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("cannot read the spec"),
        "{body}"
    );
    let (code, body) = get(&format!("{honest}/api/tasks/0xzz/spec")).await;
    assert_eq!(
        (code, &body["parameter"]),
        (400, &Value::from("id")),
        "{body}"
    );
    let (code, _) = get(&format!(
        "{honest}/api/tasks/0x{}/spec",
        "0".repeat(63) + "9"
    ))
    .await;
    assert_eq!(code, 404);
}

/// `POST /api/specs/check` reads a spec as `swan task create` does: the same hash, the same
/// `createTask` request, the same refusals word for word.
async fn spec_checks(base: &str) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/specs/");
    let now = 1_800_000_000u64;
    for file in ["sum.yaml", "quorum.yaml", "service.yaml"] {
        let text = std::fs::read_to_string(format!("{root}{file}")).unwrap();
        let uri = format!("ipfs://{file}");
        let url = format!("{base}/api/specs/check?uri={uri}&now={now}&params_version=3");
        let (code, got) = post(&url, &text).await;
        assert_eq!(code, 200, "{file}: {got}");
        // what the CLI builds from the same bytes
        let parsed = swan_spec::TaskSpec::parse(text.as_bytes()).unwrap();
        let publish = swan_spec::Publish {
            uri: uri.clone(),
            answer_commit: None,
            params_version: 3,
        };
        let want = parsed.spec.request(parsed.hash, now, &publish).unwrap();
        assert_eq!(
            got["hash"],
            format!("{:#x}", alloy::primitives::keccak256(text.as_bytes()))
        );
        assert_eq!(got["escrow"], parsed.spec.escrow().unwrap().to_string());
        let r = &got["request"];
        assert_eq!(r["specHash"], got["hash"]);
        assert_eq!(r["specURI"], uri);
        assert_eq!(r["mode"], want.mode);
        assert_eq!(r["replicas"], want.replicas);
        assert_eq!(r["quorum"], want.quorum);
        assert_eq!(r["collateralPct"], want.collateralPct);
        assert_eq!(r["paramsVersion"], 3);
        assert_eq!(r["price"], want.price.to_string());
        assert_eq!(r["assignBy"], want.assignBy);
        assert_eq!(r["resultBy"], want.resultBy);
        assert_eq!(r["settleBy"], want.settleBy);
        assert_eq!(r["region"], format!("{:#x}", want.region));
        assert_eq!(r["requirements"]["cpuCores"], want.requirements.cpuCores);
        assert_eq!(r["requirements"]["memoryGiB"], want.requirements.memoryGiB);
        assert_eq!(
            r["requirements"]["gpuModel"],
            format!("{:#x}", want.requirements.gpuModel)
        );
        assert!(
            r["assignBy"].as_u64().unwrap() > now,
            "{file}: deadlines count from now"
        );
    }
    // refusals: the CLI's sentence, naming the spec as the parameter at fault
    let url = format!("{base}/api/specs/check?uri=ipfs://x&now={now}&params_version=1");
    let sum = std::fs::read_to_string(format!("{root}sum.yaml")).unwrap();
    for bad in [
        String::new(),
        "kind: batch\n".to_owned(),
        format!("{sum}\nreplicas: 99\n"),
        sum.replace("kind: batch", "kind: cron"),
    ] {
        let cli = swan_spec::TaskSpec::parse(bad.as_bytes())
            .unwrap_err()
            .to_string();
        let (code, body) = post(&url, &bad).await;
        assert_eq!(code, 400, "{bad}: {body}");
        assert_eq!(body["parameter"], "spec");
        assert_eq!(body["error"], cli);
    }
    // known_answer without its commit: the CLI's refusal too
    let audit = std::fs::read_to_string(format!("{root}audit.yaml")).unwrap();
    let (code, body) = post(&url, &audit).await;
    assert_eq!(code, 400, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("known_answer needs the answer's commit"),
        "{body}"
    );
    let commit = format!("0x{}", "ab".repeat(32));
    let (code, body) = post(&format!("{url}&answer_commit={commit}"), &audit).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["request"]["answerCommit"], commit);
    // bad parameters
    for (query, param) in [
        ("now=1&params_version=1", "uri"),
        ("uri=ipfs://x&params_version=1", "now"),
        ("uri=ipfs://x&now=soon&params_version=1", "now"),
        ("uri=ipfs://x&now=1", "params_version"),
        ("uri=ipfs://x&now=1&params_version=70000", "params_version"),
        (
            "uri=ipfs://x&now=1&params_version=1&answer_commit=0x12",
            "answer_commit",
        ),
        ("uri=&now=1&params_version=1", "uri"),
        ("uri=ipfs://x&now=1&params_version=1&name=x", "name"),
    ] {
        let (code, body) = post(&format!("{base}/api/specs/check?{query}"), &sum).await;
        assert_eq!(code, 400, "{query}: {body}");
        assert_eq!(body["parameter"], param, "{query}: {body}");
    }
}
