//! The API under a crowd: the `swan-indexer` binary serving its HTTP API from a SQLite file while
//! it follows the chain, and `SWAN_BENCH_CLIENTS` concurrent clients (default 200) each asking
//! `SWAN_BENCH_REQUESTS` times (default 5) for every listed route — on a devnet-sized market (200
//! tasks) and then on one of `SWAN_BENCH_TASKS` tasks (default 100,000; the same chain, grown by
//! the bench driver's lifecycles and indexed by the same process). For each route: requests,
//! answers other than 200, 5xx, latency median / p99 / max, requests per second.
//!
//! Run: `scripts/bench api` (= `cargo bench -p swan-indexer --bench api_load`);
//! `indexer/README.md` records the figures. The target: no 5xx and p99 under 1 s on every route.

#![allow(clippy::print_stdout)] // a report: stdout is its output

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{node_bindings::Anvil, providers::ProviderBuilder};
use swan_contracts::{anvil_path, dev_wallet};

mod common;
use common::{PER_TX, Res, build_chain, env_count, more_lifecycles};

/// What one route did under the crowd.
struct Measured {
    route: String,
    requests: usize,
    not_ok: usize,
    server_errors: usize,
    p50: Duration,
    p99: Duration,
    max: Duration,
    per_sec: f64,
}

/// `clients` clients at once, client `i` asking for `urls[i % urls.len()]` `per` times in a row;
/// reported under `route`.
async fn crowd(
    api: &str,
    route: &str,
    urls: &[String],
    clients: usize,
    per: usize,
) -> Res<Measured> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .timeout(Duration::from_secs(120))
        .build()?;
    let started = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..clients {
        let (http, url) = (http.clone(), format!("{api}{}", urls[i % urls.len()]));
        set.spawn(async move {
            let mut out = Vec::with_capacity(per);
            for _ in 0..per {
                let t = Instant::now();
                let code = match http.get(&url).send().await {
                    Ok(r) => {
                        let code = r.status().as_u16();
                        // the whole answer, as a client reads it
                        match r.bytes().await {
                            Ok(_) => code,
                            Err(_) => 599,
                        }
                    }
                    Err(_) => 599,
                };
                out.push((code, t.elapsed()));
            }
            out
        });
    }
    let mut all = Vec::new();
    while let Some(r) = set.join_next().await {
        all.extend(r?);
    }
    let wall = started.elapsed();
    let mut lat: Vec<Duration> = all.iter().map(|a| a.1).collect();
    lat.sort_unstable();
    let at = |q: f64| lat[((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1];
    Ok(Measured {
        route: route.to_owned(),
        requests: all.len(),
        not_ok: all.iter().filter(|a| a.0 != 200).count(),
        server_errors: all.iter().filter(|a| a.0 >= 500).count(),
        p50: at(0.5),
        p99: at(0.99),
        max: lat[lat.len() - 1],
        per_sec: all.len() as f64 / wall.as_secs_f64(),
    })
}

/// `clients` keyset page URLs, one per page of 500 down the whole list (walked once with
/// `after=` to learn each page's cursor), repeating when there are fewer pages.
async fn cursors(http: &reqwest::Client, api: &str, clients: usize) -> Res<Vec<String>> {
    let mut pages = vec![format!("/api/tasks?limit=500")];
    let mut url = format!("{api}/api/tasks?limit=500");
    while pages.len() < clients {
        let p: serde_json::Value = http.get(&url).send().await?.json().await?;
        let Some(last) = p["items"]
            .as_array()
            .and_then(|items| items.last())
            .and_then(|t| t["task_id"].as_str())
        else {
            break;
        };
        pages.push(format!("/api/tasks?limit=500&after={last}"));
        url = format!("{api}/api/tasks?limit=500&after={last}");
    }
    Ok((0..clients)
        .map(|i| pages[i % pages.len()].clone())
        .collect())
}

/// The listed routes that read the database, each with the URL every client asks for: the
/// same for all (a crowd on one page), or one per client (`{each}`: 200 different tasks, 200
/// different pages) — real ids and addresses from the API itself. (`/api/prices` and
/// `/api/tasks/{id}/verdicts` relay a keeper's answers and `/api/tasks/{id}/spec` fetches a
/// document by its URI: none of them reads the database.)
async fn routes(api: &str, clients: usize) -> Res<Vec<(String, Vec<String>)>> {
    let http = reqwest::Client::new();
    let tasks: serde_json::Value = http
        .get(format!("{api}/api/tasks?limit=500"))
        .send()
        .await?
        .json()
        .await?;
    let providers: serde_json::Value = http
        .get(format!("{api}/api/providers?limit=1"))
        .send()
        .await?
        .json()
        .await?;
    let ids: Vec<String> = tasks["items"]
        .as_array()
        .ok_or("no tasks served")?
        .iter()
        .filter_map(|t| t["task_id"].as_str().map(str::to_owned))
        .take(clients)
        .collect();
    let task = ids.first().ok_or("no task served")?.clone();
    let total = tasks["total"].as_u64().unwrap_or(0);
    let provider = providers["items"][0]["address"]
        .as_str()
        .ok_or("no provider served")?
        .to_owned();
    let one = |r: &str| (r.to_owned(), vec![r.to_owned()]);
    Ok(vec![
        one("/api/tasks?limit=500"),
        one("/api/tasks?status=completed&limit=500"),
        (
            "/api/tasks?limit=500&offset={each}".into(),
            (0..clients as u64)
                .map(|i| {
                    let bound = total.clamp(1, 10_001);
                    format!("/api/tasks?limit=500&offset={}", (i * 500) % bound)
                })
                .collect(),
        ),
        (
            "/api/tasks?limit=500&after={each}".into(),
            cursors(&http, api, clients).await?,
        ),
        one(&format!("/api/tasks/{task}")),
        (
            "/api/tasks/{each}".into(),
            ids.iter().map(|id| format!("/api/tasks/{id}")).collect(),
        ),
        one("/api/providers?limit=500"),
        one(&format!("/api/providers/{provider}")),
        one("/api/events?limit=500"),
        one("/api/stats"),
        one("/api/info"),
        one("/api/series"),
        one("/health"),
        one("/ready"),
        one("/metrics"),
    ])
}

/// Wait until the API serves `tasks` tasks (the indexer has caught up).
async fn served(api: &str, tasks: u64) -> Res<()> {
    let http = reqwest::Client::new();
    let until = Instant::now() + Duration::from_secs(900);
    loop {
        let v: serde_json::Value = http
            .get(format!("{api}/api/tasks?limit=1"))
            .send()
            .await?
            .json()
            .await?;
        if v["total"].as_u64() == Some(tasks) {
            return Ok(());
        }
        if Instant::now() > until {
            return Err(format!("the API serves {} tasks, not {tasks}", v["total"]).into());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn table(title: &str, rows: &[Measured]) -> bool {
    println!("\n{title}\n");
    println!("| route | requests | not 200 | 5xx | median | p99 | max | requests/s |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let ms = |d: Duration| format!("{:.0} ms", d.as_secs_f64() * 1e3);
    let mut ok = true;
    for r in rows {
        println!(
            "| `{}` | {} | {} | {} | {} | {} | {} | {:.0} |",
            r.route,
            r.requests,
            r.not_ok,
            r.server_errors,
            ms(r.p50),
            ms(r.p99),
            ms(r.max),
            r.per_sec
        );
        ok &= r.server_errors == 0 && r.not_ok == 0 && r.p99 < Duration::from_secs(1);
    }
    ok
}

#[tokio::main]
async fn main() -> Res<()> {
    let tasks = env_count("SWAN_BENCH_TASKS", 100_000)?;
    let clients = env_count("SWAN_BENCH_CLIENTS", 200)? as usize;
    let per = env_count("SWAN_BENCH_REQUESTS", 5)? as usize;
    let small = 200.min(tasks);
    let anvil = Anvil::at(anvil_path())
        .arg("--host")
        .arg("127.0.0.1")
        .timeout(60_000)
        .try_spawn()?;
    let (wallet, keys) = dev_wallet(&anvil, 2);
    let p = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(anvil.endpoint_url());
    let (manifest, driver, _) = build_chain(&p, &anvil, keys[0], keys[1], small * 5).await?;
    let dir = tempfile::tempdir()?;
    let mpath = dir.path().join("manifest.json");
    manifest.save(&mpath)?;
    let db = dir.path().join("api.db").display().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_swan-indexer"))
        .args(["--manifest", &mpath.display().to_string(), "--db", &db])
        .args(["--listen", "127.0.0.1:0", "--progress", "never"])
        .env("RUST_LOG", "error")
        .stderr(Stdio::piped())
        .spawn()?;
    let api = common::api_url(&mut child)?;
    println!("## API load benchmark\n");
    println!(
        "`swan-indexer` serving from a SQLite file while it follows the chain (default pool: 8 API connections, 30 s wait); {clients} clients at once, {per} requests each, per route"
    );
    served(&api, small).await?;
    let mut ok = true;
    let mut rows = Vec::new();
    for (route, urls) in routes(&api, clients).await? {
        rows.push(crowd(&api, &route, &urls, clients, per).await?);
    }
    let mut refused: usize = rows.iter().map(|r| r.not_ok).sum();
    ok &= table(&format!("devnet-sized market: {small} tasks"), &rows);
    if tasks > small {
        let t = Instant::now();
        more_lifecycles(&p, driver, (tasks - small).div_ceil(PER_TX)).await?;
        let total = small + (tasks - small).div_ceil(PER_TX) * PER_TX;
        served(&api, total).await?;
        println!(
            "\n(grown to {total} tasks, {} events, and indexed in {:.0} s)",
            total * 5,
            t.elapsed().as_secs_f64()
        );
        let mut rows = Vec::new();
        for (route, urls) in routes(&api, clients).await? {
            rows.push(crowd(&api, &route, &urls, clients, per).await?);
        }
        refused += rows.iter().map(|r| r.not_ok).sum::<usize>();
        ok &= table(&format!("{total} tasks"), &rows);
    }
    child.kill()?;
    child.wait()?;
    // `SWAN_BENCH_KEEP_DB=path`: the indexed database kept for profiling reads without the chain
    if let Ok(keep) = std::env::var("SWAN_BENCH_KEEP_DB") {
        for ext in ["", "-wal", "-shm"] {
            let from = format!("{db}{ext}");
            if std::path::Path::new(&from).exists() {
                std::fs::copy(&from, format!("{keep}{ext}"))?;
            }
        }
    }
    println!(
        "\ntarget (no 5xx, every answer 200, p99 under 1 s on every route): {}",
        if ok { "met" } else { "NOT met" }
    );
    // an answer other than 200 is a failure of the API, not a figure (the speed is only shown)
    if refused > 0 {
        return Err(format!("{refused} requests were not answered 200").into());
    }
    Ok(())
}
