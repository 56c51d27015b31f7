//! End-to-end keeper benchmark on anvil (prints figures; asserts nothing about speed).
//!
//! 1. **Throughput**: anvil's own rate of plain transfers (pre-signed, sent back to back,
//!    automine), then — in the same run, on the same node — task lifecycles settled by one
//!    keeper: N tasks open, the keeper assigns them (`assignBatch`), the providers submit as soon
//!    as the indexer shows them assigned, the keeper verifies and settles (`settleBatch`). Timed
//!    from the keeper's start to the last task completed; reported as lifecycles/s and as a ratio
//!    to transfers/s (target ≥ 0.5).
//! 2. **Latency**: anvil mining a block a second; a task created alone, then the time until its
//!    `assign` is mined, in blocks and milliseconds (target: median ≤ 2 block intervals).
//!
//! The phase times printed with the throughput show where the time goes: when the providers'
//! results were sent, when anvil had mined them all, when the indexer had them, and when the
//! keeper had settled every task.
//!
//! `SWAN_BENCH_TASKS=N` (default 200) sets the lifecycle count; `SWAN_BENCH_SAMPLES=N` (default
//! 10) the latency samples.

#![allow(missing_docs, clippy::print_stdout, unreachable_pub)]

use std::time::{Duration, Instant};

use alloy::{
    eips::Encodable2718,
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{B256, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use sqlx::Row;

#[path = "../tests/keeper/common/devnet.rs"]
#[allow(dead_code)]
mod devnet;
use devnet::{Devnet, Running, TOKEN};

/// Most results in one `submitResults` (~40,000 gas each: 200 stay far under the block limit);
/// `SWAN_BENCH_SUBMIT_BATCH=1` sends each result in its own `submitResult`, as before.
const SUBMIT_BATCH: usize = 200;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Plain transfers per second: `n` pre-signed transfers sent back to back, until the last is mined.
async fn transfers(d: &Devnet, n: usize) -> f64 {
    let key = d.keys[3].clone();
    let from = key.address();
    let wallet = EthereumWallet::from(key);
    let nonce = d.p.get_transaction_count(from).await.unwrap();
    let chain = d.p.get_chain_id().await.unwrap();
    let mut raws = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(d.submitter)
            .with_value(U256::from(1))
            .with_nonce(nonce + i)
            .with_chain_id(chain)
            .with_gas_limit(21_000)
            .with_max_fee_per_gas(20_000_000_000)
            .with_max_priority_fee_per_gas(1_000_000_000);
        raws.push(tx.build(&wallet).await.unwrap().encoded_2718());
    }
    let start = Instant::now();
    let mut last = B256::ZERO;
    for raw in &raws {
        last = *d.p.send_raw_transaction(raw).await.unwrap().tx_hash();
    }
    while d.p.get_transaction_receipt(last).await.unwrap().is_none() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn throughput(n: usize, anvil_args: &[&str]) -> (f64, f64, u64) {
    // providers large enough that capacity does not bound the rate: the keeper's work does
    let d = Devnet::start_scaled(["http://127.0.0.1:1"; 3], anvil_args, 1_000).await;
    let per_s = transfers(&d, n).await;
    let dir = tempfile::tempdir().unwrap();
    let body = b"result";
    let uri = {
        let path = dir.path().join("result");
        std::fs::write(&path, body).unwrap();
        format!("file://{}", path.display())
    };
    for _ in 0..n {
        let req = d.request(0, 1, TOKEN, 2).await;
        d.create(req).await;
    }
    let db = dir.path().join("bench.db").display().to_string();
    let (store, indexer) = d.index(&db).await;
    // wait until the indexer has every task, so only the keeper's work is timed
    loop {
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE status = 'open'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        if open as usize == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut cfg = devnet::fast();
    cfg.tick = Duration::from_millis(100);
    let keeper = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg).await;
    let start = Instant::now();
    let running = Running::spawn(keeper);
    // the providers: each submit signed here with its worker's next nonce, sent raw
    let mut wallet = EthereumWallet::from(d.keys[0].clone());
    for k in &d.keys[1..] {
        wallet.register_signer(k.clone());
    }
    let chain = d.p.get_chain_id().await.unwrap();
    let mut nonces = std::collections::HashMap::new();
    for w in &d.workers {
        nonces.insert(*w, d.p.get_transaction_count(*w).await.unwrap());
    }
    let mut submitted = std::collections::HashSet::new();
    let mut all_sent = None;
    let mut all_indexed = None;
    let mut all_mined = None;
    let mut last_submit = B256::ZERO;
    let mut submit_txs = 0usize;
    let batch = env("SWAN_BENCH_SUBMIT_BATCH", SUBMIT_BATCH).max(1);
    loop {
        let rows = sqlx::query("SELECT task_id, provider FROM replicas WHERE status = 'assigned'")
            .fetch_all(store.pool())
            .await
            .unwrap();
        // what each worker has ready this poll, submitted in one `submitResults` (as the
        // provider agent does with every result it has ready)
        let mut ready: std::collections::BTreeMap<alloy::primitives::Address, Vec<U256>> =
            Default::default();
        for r in rows {
            let id: String = r.get(0);
            if submitted.insert(id.clone()) {
                let owner: alloy::primitives::Address = r.get::<String, _>(1).parse().unwrap();
                let worker = d.workers[d.owners.iter().position(|o| *o == owner).unwrap()];
                ready.entry(worker).or_default().push(id.parse().unwrap());
            }
        }
        for (worker, tasks) in ready {
            for chunk in tasks.chunks(batch) {
                let k = chunk.len();
                let data = if k == 1 {
                    alloy::sol_types::SolCall::abi_encode(
                        &swan_contracts::SwanMarket::submitResultCall {
                            taskId: chunk[0],
                            replica: U256::ZERO,
                            resultHash: keccak256(body),
                            resultURI: uri.clone(),
                        },
                    )
                } else {
                    alloy::sol_types::SolCall::abi_encode(
                        &swan_contracts::SwanMarket::submitResultsCall {
                            taskIds: chunk.to_vec(),
                            replicas: vec![U256::ZERO; k],
                            resultHashes: vec![keccak256(body); k],
                            resultURIs: vec![uri.clone(); k],
                        },
                    )
                };
                let nonce = nonces.get_mut(&worker).unwrap();
                let tx = TransactionRequest::default()
                    .with_from(worker)
                    .with_to(d.manifest.market)
                    .with_input(data)
                    .with_nonce(*nonce)
                    .with_chain_id(chain)
                    .with_gas_limit(60_000 * k as u64 + 100_000)
                    .with_max_fee_per_gas(20_000_000_000)
                    .with_max_priority_fee_per_gas(1_000_000_000);
                *nonce += 1;
                let raw = tx.build(&wallet).await.unwrap().encoded_2718();
                last_submit = *d.p.send_raw_transaction(&raw).await.unwrap().tx_hash();
                submit_txs += 1;
            }
        }
        if all_sent.is_none() && submitted.len() == n {
            all_sent = Some(start.elapsed());
        }
        if all_mined.is_none()
            && all_sent.is_some()
            && d.p
                .get_transaction_receipt(last_submit)
                .await
                .unwrap()
                .is_some()
        {
            all_mined = Some(start.elapsed());
        }
        if all_indexed.is_none() && all_sent.is_some() {
            let seen: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM replicas WHERE status IN ('submitted', 'paid')",
            )
            .fetch_one(store.pool())
            .await
            .unwrap();
            if seen as usize == n {
                all_indexed = Some(start.elapsed());
            }
        }
        let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE status = 'completed'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        if done as usize == n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let total = start.elapsed();
    let lifecycles = n as f64 / total.as_secs_f64();
    println!(
        "  phases: every result sent at {:.2} s (all assigned before; {submit_txs} submitResults transactions), mined at {:.2} s, indexed at {:.2} s, every task settled at {:.2} s",
        all_sent.unwrap_or_default().as_secs_f64(),
        all_mined.unwrap_or_default().as_secs_f64(),
        all_indexed.unwrap_or_default().as_secs_f64(),
        total.as_secs_f64()
    );
    running.stop().await;
    let txs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM keeper_txs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    indexer.abort();
    (per_s, lifecycles, txs as u64)
}

async fn latency(samples: usize) -> (f64, f64) {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &["--block-time", "1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("latency.db").display().to_string();
    let (store, indexer) = d.index(&db).await;
    let keeper = d
        .keeper(&store, 0, &d.manifest.rpc_urls, devnet::fast())
        .await;
    let running = Running::spawn(keeper);
    let market = d.market();
    let (mut blocks, mut ms) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let req = d.request(0, 1, TOKEN, 2).await;
        let n = market.taskCount().call().await.unwrap() + U256::from(1);
        let create = market.createTask(req).from(d.submitter);
        let r = swan_contracts::call_ok(&d.p, create).await.unwrap();
        let t0 = Instant::now();
        let created = r.block_number.unwrap();
        let task = (U256::from_be_slice(d.submitter.as_slice()) << 96) | n;
        while d.status(task).await != 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        ms.push(t0.elapsed().as_secs_f64() * 1e3);
        // the block the assignment was mined in (the first one where the task is assigned)
        let mut assigned = created;
        loop {
            let at = alloy::eips::BlockId::number(assigned);
            if market.getTask(task).block(at).call().await.unwrap().status == 2 {
                break;
            }
            assigned += 1;
        }
        blocks.push(assigned as f64 - created as f64);
    }
    running.stop().await;
    indexer.abort();
    (median(&mut blocks), median(&mut ms))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists benchmarks; nothing to list here
    }
    if std::env::var("RUST_LOG").is_ok() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .init();
    }
    let n = env("SWAN_BENCH_TASKS", 200);
    let samples = env("SWAN_BENCH_SAMPLES", 10);
    {
        let (transfers, lifecycles, txs) = throughput(n, &[]).await;
        println!(
            "keeper lifecycle throughput ({n} tasks, automine, one keeper, batches of up to 100)"
        );
        println!("  anvil plain transfers      {transfers:>9.1} tx/s");
        println!("  lifecycles settled         {lifecycles:>9.1} /s  ({txs} keeper transactions)");
        println!(
            "  ratio                      {:>9.2}   (target >= 0.5)",
            lifecycles / transfers
        );
    }
    let (blocks, ms) = latency(samples).await;
    println!("TaskCreated -> assign mined ({samples} samples, a block a second)");
    println!("  median                     {blocks:>9.1} blocks, {ms:.0} ms  (target <= 2 blocks)");
}
