//! The keeper's command line (`swan keeper`, the same program as `swan-keeper`): each bad input is one clear line; a dry run prints each call with
//! its calldata, simulated outcome and fee plan and sends nothing; a keystore opens with its
//! password file; `/health` and `/metrics` answer on 127.0.0.1.

use std::{process::Output, time::Duration};

use alloy::hex;
use sqlx::Row;

mod common;
#[path = "../common/mod.rs"]
mod shared;
use common::devnet::{Devnet, TOKEN};

const BIN: &str = env!("CARGO_BIN_EXE_swan");

fn keeper(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = std::process::Command::new(BIN);
    c.arg("keeper")
        .args(args)
        .env_remove("SWAN_KEEPER_KEY")
        .env("RUST_LOG", "error")
        .envs(env.iter().copied());
    c.output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_owned()
}

/// Exactly one line, starting with `error:`, containing `want`.
fn one_line_error(o: &Output, want: &str) {
    assert!(!o.status.success(), "{o:?}");
    let e = stderr(o);
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(e.starts_with("error: ") && e.contains(want), "{e}");
    assert!(
        !e.contains("panicked") && !e.contains("RUST_BACKTRACE"),
        "{e}"
    );
}

fn s(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

async fn get_json(http: &reqwest::Client, listen: &str, path: &str) -> serde_json::Value {
    let r = http
        .get(format!("http://{listen}{path}"))
        .send()
        .await
        .unwrap();
    r.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_are_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let manifest = dir.path().join("manifest.json");
    d.manifest.save(&manifest).unwrap();
    let m = manifest.display().to_string();
    let db = dir.path().join("k.db").display().to_string();
    let run = |extra: &[&str]| {
        let mut a = vec!["run", "--manifest", &m, "--db", &db, "--no-api"];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };

    one_line_error(&keeper(&s(&run(&[])), &[]), "no key: give --keystore FILE");
    one_line_error(
        &keeper(&s(&run(&[])), &[("SWAN_KEEPER_KEY", "0x1234")]),
        "SWAN_KEEPER_KEY is not a private key",
    );
    one_line_error(
        &keeper(&s(&run(&["--keystore", "/nonexistent/key.json"])), &[]),
        "keystore /nonexistent/key.json does not exist",
    );
    // a real keystore, a wrong password
    let ks = shared::new_keystore(&dir.path().join("ks"), "right");
    let ks = ks.display().to_string();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "wrong\n").unwrap();
    let pw_s = pw.display().to_string();
    one_line_error(
        &keeper(
            &s(&run(&["--keystore", &ks, "--password-file", &pw_s])),
            &[],
        ),
        "wrong password, or not a keystore file",
    );
    // flags out of range, a missing manifest, an unknown flag
    let o = keeper(&s(&run(&["--bump-permille", "1000"])), &[]);
    assert!(
        !o.status.success() && stderr(&o).contains("1125"),
        "{}",
        stderr(&o)
    );
    let o = keeper(&s(&run(&["--wake-ms", "0"])), &[]);
    assert!(
        !o.status.success() && stderr(&o).contains("--wake-ms") && stderr(&o).contains("5.."),
        "{}",
        stderr(&o)
    );
    let o = keeper(
        &["run", "--manifest", "/nonexistent.json", "--no-api"],
        &[("SWAN_KEEPER_KEY", "0x01")],
    );
    assert!(
        !o.status.success() && stderr(&o).contains("/nonexistent.json"),
        "{}",
        stderr(&o)
    );
    let o = keeper(&["run", "--frobnicate"], &[]);
    assert!(!o.status.success() && stderr(&o).contains("--frobnicate"));
    // an answer that is not 32 bytes
    let answer = |task: &str, expected: &str, salt: &str| {
        let args = [
            "answer",
            "--manifest",
            m.as_str(),
            "--db",
            db.as_str(),
            "--task",
            task,
        ];
        keeper(
            &[&args[..], &["--expected", expected, "--salt", salt]].concat(),
            &[],
        )
    };
    let o = answer("0x12", "0x1234", "0x00");
    assert!(
        !o.status.success() && stderr(&o).contains("--expected"),
        "{}",
        stderr(&o)
    );

    // the right password: a dry run against the devnet prints the assignment and sends nothing
    std::fs::write(&pw, "right\n").unwrap();
    let req = d.request(0, 1, TOKEN, 2).await;
    let task = d.create(req).await;
    let (store, indexer) = d.index(&db).await;
    for _ in 0..100 {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks")
            .fetch_one(store.pool())
            .await
            .unwrap();
        if n == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // an answer for a task that has none to reveal
    let word = format!("0x{}", "ab".repeat(32));
    let id = format!("{task:#x}");
    one_line_error(
        &answer(&id, &word, &word),
        "is a keeper_attested task, not known_answer",
    );
    // an answer for a task the indexer has not seen: stored, and it says what was and was not
    // checked
    let unseen = format!("{:#x}", task + alloy::primitives::U256::from(1000));
    let o = answer(&unseen, &word, &word);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains(&format!("answer for task {unseen} stored in {db}"))
            && out.contains("the indexer has not seen the task yet"),
        "{out}"
    );
    // the keystore's address is not a keeper: its dry run shows the calls refused by simulation
    let o = keeper(
        &s(&run(&[
            "--keystore",
            &ks,
            "--password-file",
            &pw_s,
            "--dry-run",
        ])),
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        out.contains(&format!("assign task {task:#x}")) && out.contains("NotKeeper"),
        "{out}"
    );
    // the keeper's own key: the same call simulates fine, with its fee plan; nothing is sent
    let key = format!("0x{}", hex::encode(d.anvil.keys()[0].to_bytes()));
    let o = keeper(&s(&run(&["--dry-run"])), &[("SWAN_KEEPER_KEY", &key)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.contains("calldata 0x")
            && out.contains("simulated: ok, gas limit")
            && out.contains("max fee"),
        "{out}"
    );
    assert_eq!(
        d.status(task).await,
        1,
        "still open: a dry run sends nothing"
    );
    let intents: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM keeper_intents")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(intents, 0, "a dry run writes nothing");

    // a real run serves /health and /metrics on loopback
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let listen = format!("127.0.0.1:{port}");
    let mut child = tokio::process::Command::new(BIN)
        .args([
            "keeper",
            "run",
            "--manifest",
            &m,
            "--db",
            &db,
            "--listen",
            &listen,
            "--tick-ms",
            "100",
        ])
        .env("SWAN_KEEPER_KEY", &key)
        .env("RUST_LOG", "error")
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let mut healthy = false;
    for _ in 0..100 {
        if let Ok(r) = http.get(format!("http://{listen}/health")).send().await
            && r.status() == 200
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "/health answers 200 once the keeper ticks");
    d.wait_status(task, 2, 20).await;
    let metrics = http
        .get(format!("http://{listen}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("swan_keeper_actions_total"), "{metrics}");
    assert!(metrics.contains("swan_keeper_pending_intents"), "{metrics}");
    let decisions = get_json(&http, &listen, "/decisions").await;
    assert_eq!(
        decisions[0]["task"],
        serde_json::json!(format!("{task:#x}")),
        "{decisions}"
    );
    assert!(
        decisions[0]["chosen"][0]["terms"]["cost"].is_number(),
        "{decisions}"
    );
    assert_eq!(
        decisions[0]["reason"], "the keeper chose 1 provider(s): the assignment is on its way",
        "{decisions}"
    );
    let u = get_json(&http, &listen, "/utilization").await;
    assert_eq!(u["providers"].as_array().map(Vec::len), Some(3), "{u}");
    let prices = get_json(&http, &listen, "/prices").await;
    assert!(
        prices
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["class"] == "cpu" && p["suggested"].is_string()),
        "{prices}"
    );
    // no result submitted yet: no verdict; bad queries are refused naming the parameter
    assert_eq!(
        get_json(&http, &listen, &format!("/verdicts?task={task:#x}")).await,
        serde_json::json!([])
    );
    // one task's decision, and a task the last allocation did not consider
    let one = get_json(&http, &listen, &format!("/decisions?task={task:#x}")).await;
    assert_eq!(one, decisions[0], "{one}");
    let r = http
        .get(format!("http://{listen}/decisions?task=0x1"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("did not consider task 0x1"),
        "{body}"
    );
    // the indexer's API relays what this keeper publishes, read into its documented types:
    // one shape on both sides
    let api = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = swan_indexer::api::router(swan_indexer::api::ApiState {
            store: store.clone(),
            chain_id: d.manifest.chain_id,
            market: format!("{:#x}", d.manifest.market),
            status: std::sync::Arc::new(swan_indexer::status::Status::new()),
            ready_lag: 5,
            token: format!("{:#x}", d.manifest.token),
            explorer: None,
            keeper_url: Some(format!("http://{listen}")),
            specs: None,
            per_block: Default::default(),
        });
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr.to_string()
    };
    let relayed = get_json(&http, &api, &format!("/api/tasks/{task:#x}/decision")).await;
    assert_eq!(relayed, one, "{relayed}");
    let relayed = get_json(&http, &api, "/api/prices").await;
    assert_eq!(relayed["prices"], prices, "{relayed}");
    for (query, param) in [
        ("/verdicts?task=zz", "task"),
        ("/verdicts?tsk=0x1", "tsk"),
        ("/decisions?task=zz", "task"),
        ("/decisions?tsk=0x1", "tsk"),
    ] {
        let r = http
            .get(format!("http://{listen}{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{query}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["parameter"], param, "{body}");
    }
    child.kill().await.unwrap();
    let row = sqlx::query("SELECT COUNT(*) FROM keeper_txs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(row.get::<i64, _>(0), 1);
    indexer.abort();
}
