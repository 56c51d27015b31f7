//! The API under a crowd (issue 27): the `swan-indexer` binary, following a chain into a SQLite
//! file, answers 600 clients asking at once for the largest pages — every one with a 200, none
//! with "the database is unavailable" (its readers had 4 connections shared with the writer and
//! gave up after 5 s in line). How fast is measured by `cargo bench --bench api_load`, not here.

mod common;

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::Duration,
};

use common::scenario::market;

/// Clients asking at once.
const CLIENTS: usize = 600;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crowd_is_answered_not_turned_away() {
    let m = market(&[]).await;
    for i in 0..120 {
        m.batch_task((i % 3) as usize, i).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.json");
    m.manifest.save(&manifest).unwrap();
    let db = dir.path().join("crowd.db").display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_swan-indexer"))
        .args(["--manifest", manifest.to_str().unwrap(), "--db", &db])
        .args(["--listen", "127.0.0.1:0", "--progress", "never"])
        .env("RUST_LOG", "error")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let api = loop {
        let line = lines.next().expect("the indexer exited").unwrap();
        if let Some(url) = line.strip_prefix("indexer API on ") {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    for _ in 0..300 {
        let v: serde_json::Value = http
            .get(format!("{api}/api/tasks?limit=1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if v["total"] == 120 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let routes = ["/api/events?limit=500", "/api/tasks?limit=500"];
    let mut set = tokio::task::JoinSet::new();
    for i in 0..CLIENTS {
        let (http, url) = (http.clone(), format!("{api}{}", routes[i % routes.len()]));
        set.spawn(async move {
            let r = http.get(&url).send().await.unwrap();
            let code = r.status().as_u16();
            let body = r.text().await.unwrap();
            (url, code, body)
        });
    }
    let mut answered = 0;
    let mut refused = Vec::new();
    while let Some(r) = set.join_next().await {
        let (url, code, body) = r.unwrap();
        if code == 200 {
            answered += 1;
            assert!(body.starts_with('{'), "{url}: {body}");
        } else {
            refused.push(format!("{code} {url}: {body}"));
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        answered,
        CLIENTS,
        "{} of {CLIENTS} turned away, e.g. {:?}",
        refused.len(),
        refused.first()
    );
}
