//! The indexer benchmark: a chain with ≥ 200,000 market events from the project's own contracts
//! on anvil, then a cold backfill by the release `swan-indexer` binary into a SQLite file and
//! into Postgres — events/s, wall time and the process's peak RSS — and the head-following
//! latency (a transaction sent to its event being served by the HTTP API).
//!
//! Run: `scripts/bench` (= `cargo bench -p swan-indexer --bench backfill`); `SWAN_BENCH_EVENTS`
//! sets the number of events (default 200,000), `SWAN_BENCH_RUNS` the cold backfills per database
//! (default 3, alternating; the median is shown); `SWAN_BENCH_CHAIN=dir` keeps the generated chain
//! in `dir` and loads it on later runs. `indexer/README.md` records the figures.

#![allow(clippy::print_stdout)] // a report: stdout is its output

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    network::TransactionBuilder,
    node_bindings::Anvil,
    primitives::U256,
    providers::{Provider, ProviderBuilder},
};
use sqlx::Connection;
use swan_contracts::{anvil_path, bench_driver, dev_wallet};

mod common;
use common::{PER_TX, Res, bench_request, build_chain, env_count};

const PG: &str = "postgres://postgres@127.0.0.1:5432";

/// Peak resident set of a running process (VmHWM), in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// Wait for the child, sampling its peak RSS until it exits.
fn wait_sampling(mut child: Child) -> Res<(std::process::ExitStatus, u64)> {
    let pid = child.id();
    let mut peak = 0;
    loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait()? {
            return Ok((status, peak));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn indexer(manifest: &str, db: &str, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_swan-indexer"));
    c.args(["--manifest", manifest, "--db", db, "--progress", "never"])
        .args(extra)
        .env(
            "RUST_LOG",
            std::env::var("SWAN_BENCH_LOG").unwrap_or_else(|_| "warn".into()),
        );
    c
}

async fn count_logs(db: &str) -> Res<i64> {
    let store = swan_indexer::store::Store::open(db).await?;
    let row: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM raw_logs")
        .fetch_one(store.pool())
        .await?;
    store.close().await;
    Ok(row.0)
}

/// An empty database for one cold backfill: the SQLite file removed, the Postgres database
/// dropped and created again.
async fn fresh_database(db: &str, pg_db: &str) -> Res<()> {
    if db.starts_with("postgres://") {
        let mut admin = sqlx::PgConnection::connect(&format!("{PG}/test")).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)"
        )))
        .execute(&mut admin)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {pg_db}")))
            .execute(&mut admin)
            .await?;
    } else {
        for suffix in ["", "-wal", "-shm"] {
            match std::fs::remove_file(format!("{db}{suffix}")) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Res<()> {
    let target = env_count("SWAN_BENCH_EVENTS", 200_000)?;
    // cold backfills per database
    let runs = env_count("SWAN_BENCH_RUNS", 3)? as usize;
    // SWAN_BENCH_CHAIN=dir keeps the generated chain in dir (anvil's state, written when anvil
    // stops at the end of the first run; the manifest; the driver's address) and loads it on
    // later runs instead of building it again
    let cache = std::env::var_os("SWAN_BENCH_CHAIN").map(std::path::PathBuf::from);
    let cached = cache
        .clone()
        .filter(|d| d.join("state.json").exists() && d.join("driver.txt").exists());
    let mut anvil = Anvil::at(anvil_path()).arg("--host").arg("127.0.0.1");
    match (&cached, &cache) {
        (Some(dir), _) => {
            anvil = anvil
                .arg("--load-state")
                .arg(dir.join("state.json").display().to_string())
        }
        (None, Some(dir)) => {
            std::fs::create_dir_all(dir)?;
            anvil = anvil
                .arg("--dump-state")
                .arg(dir.join("state.json").display().to_string());
        }
        (None, None) => {}
    }
    let mut anvil = anvil.timeout(60_000).try_spawn()?;
    let (wallet, keys) = dev_wallet(&anvil, 2);
    let (admin, owner) = (keys[0], keys[1]);
    let p = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(anvil.endpoint_url());
    let started = Instant::now();
    let (manifest, d, txs) = if let Some(dir) = &cached {
        let mut manifest = swan_contracts::Manifest::load(&dir.join("manifest.json"))?;
        manifest.rpc_urls = vec![anvil.endpoint()];
        let d: alloy::primitives::Address = std::fs::read_to_string(dir.join("driver.txt"))?
            .trim()
            .parse()?;
        (manifest, d, 0)
    } else {
        build_chain(&p, &anvil, admin, owner, target).await?
    };
    let driver = bench_driver::BenchDriver::new(d, &p);
    let (request, price) = bench_request(&p).await?;
    let head = p.get_block_number().await?;
    let events = p
        .get_logs(
            &alloy::rpc::types::Filter::new()
                .address(vec![manifest.market, manifest.registry])
                .from_block(0)
                .to_block(head),
        )
        .await?
        .len() as u64;
    println!("## Indexer benchmark\n");
    let origin = match &cached {
        Some(dir) => format!("loaded from {}", dir.display()),
        None => format!(
            "built in {:.1} s: {txs} driver transactions of {PER_TX} lifecycles",
            started.elapsed().as_secs_f64()
        ),
    };
    println!(
        "chain: {events} market and registry events in {} blocks ({origin})\n",
        head + 1
    );

    let dir = tempfile::tempdir()?;
    let mpath = dir.path().join("manifest.json");
    manifest.save(&mpath)?;
    let mpath = mpath.display().to_string();
    let pg_db = format!("swan_bench_{}", std::process::id());
    let sqlite = dir.path().join("bench.db").display().to_string();
    let postgres = format!("{PG}/{pg_db}");
    // several cold backfills per database, alternating, so a busy moment of this shared machine
    // shows as spread instead of as the figure
    let names = ["SQLite (WAL file)", "Postgres"];
    let mut measured: [Vec<(f64, u64)>; 2] = [Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (k, (name, db)) in names.iter().zip([&sqlite, &postgres]).enumerate() {
            fresh_database(db, &pg_db).await?;
            let t = Instant::now();
            let child = indexer(&mpath, db, &["--exit-at-head", "--no-api"]).spawn()?;
            let (status, peak_kib) = wait_sampling(child)?;
            let secs = t.elapsed().as_secs_f64();
            if !status.success() {
                return Err(format!("the indexer failed on {name}").into());
            }
            let stored = count_logs(db).await? as u64;
            if stored != events {
                return Err(format!("{name}: {stored} events stored, {events} on chain").into());
            }
            measured[k].push((secs, peak_kib));
        }
    }
    println!(
        "cold backfills, {runs} per database, alternating; events/s at the median wall time; peak RSS the largest of the runs (1 MB = 10^6 bytes)\n"
    );
    println!("| database | events | wall time (median) | runs | events/s | peak RSS |");
    println!("| --- | ---: | ---: | --- | ---: | ---: |");
    for (name, runs) in names.iter().zip(&mut measured) {
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let median = runs[runs.len() / 2].0;
        let all: Vec<String> = runs.iter().map(|r| format!("{:.2}", r.0)).collect();
        let peak_kib = runs.iter().map(|r| r.1).max().unwrap_or_default();
        println!(
            "| {name} | {events} | {median:.2} s | {} s | {:.0} | {:.1} MB ({:.1} MiB) |",
            all.join(", "),
            events as f64 / median,
            peak_kib as f64 * 1024.0 / 1e6,
            peak_kib as f64 / 1024.0
        );
    }

    // head following: receipt → the event served by the API, with the indexer at the head
    let mut child = indexer(
        &mpath,
        &sqlite,
        &["--listen", "127.0.0.1:0", "--poll-ms", "50"],
    )
    .stderr(Stdio::piped())
    .spawn()?;
    let api = common::api_url(&mut child)?;
    let http = reqwest::Client::new();
    let mut latencies = Vec::new();
    let mut last = p.get_block_number().await?;
    for i in 0..21 {
        // from the moment the transaction is sent to the moment its event is served
        let t = Instant::now();
        let pending = p
            .send_transaction(
                driver
                    .run(U256::from(1), request.clone(), price)
                    .into_transaction_request()
                    .with_gas_limit(29_000_000),
            )
            .await?;
        loop {
            let url = format!(
                "{api}/api/events?event=TaskFinalized&from_block={}",
                last + 1
            );
            let v: serde_json::Value = http.get(&url).send().await?.json().await?;
            if v["items"].as_array().is_some_and(|a| !a.is_empty()) {
                break;
            }
            if t.elapsed() > Duration::from_secs(10) {
                return Err(
                    format!("the event after block {last} was not served after 10 s").into(),
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        if i > 0 {
            latencies.push(t.elapsed().as_millis() as u64);
        }
        last = pending
            .get_receipt()
            .await?
            .block_number
            .unwrap_or(last + 1);
    }
    child.kill()?;
    child.wait()?;
    latencies.sort_unstable();
    println!(
        "\nhead following (poll 50 ms, a block per transaction): transaction sent → its event served by the API: median {} ms, max {} ms over {} transactions (target ≤ block interval + 250 ms)",
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
        latencies.len()
    );
    let mut admin = sqlx::PgConnection::connect(&format!("{PG}/test")).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {pg_db} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await?;
    if let (None, Some(dir)) = (&cached, &cache) {
        // anvil writes its state when it stops
        manifest.save(&dir.join("manifest.json"))?;
        std::fs::write(dir.join("driver.txt"), format!("{d:#x}"))?;
        Command::new("kill")
            .arg("-INT")
            .arg(anvil.child().id().to_string())
            .status()?;
        anvil.child_mut().wait()?;
    }
    Ok(())
}
