//! The transaction sender on anvil: a transaction the node dropped is broadcast again, one
//! priced under a base-fee spike is replaced with fees at least 12.5 % higher until it lands, a
//! stuck call that became moot has its nonce filled, and when the first RPC URL dies the work
//! goes on through the second.

use std::{net::SocketAddr, time::Duration};

use alloy::{primitives::U256, providers::Provider};
use sqlx::Row;
use swan_keeper::run::Keeper;

mod common;
use common::devnet::{Devnet, TOKEN, fast};

const ASSIGNED: u8 = 2;

async fn rpc(d: &Devnet, method: &str, params: serde_json::Value) -> serde_json::Value {
    d.p.raw_request(method.to_owned().into(), params)
        .await
        .unwrap()
}

/// The keeper's transactions at the nonce of its first one: (hash, status, max fee, priority fee).
async fn attempts(store: &swan_store::Store) -> Vec<(String, String, u128, u128)> {
    sqlx::query(
        "SELECT tx_hash, status, max_fee, priority_fee FROM keeper_txs ORDER BY sent_ms, tx_hash",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|r| {
        (
            r.get(0),
            r.get(1),
            r.get::<String, _>(2).parse().unwrap(),
            r.get::<String, _>(3).parse().unwrap(),
        )
    })
    .collect()
}

/// The real indexer into a SQLite file in `dir`, and keeper 0 on it bumping after 1 s.
async fn quick_keeper(
    d: &Devnet,
    dir: &std::path::Path,
) -> (swan_store::Store, tokio::task::JoinHandle<()>, Keeper) {
    let (store, indexer) = d.index(&dir.join("k.db").display().to_string()).await;
    let mut cfg = fast();
    cfg.send.bump_after = Duration::from_secs(1);
    let k = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg).await;
    (store, indexer, k)
}

/// With automine off: create the submitter's `n`th task and mine its block; its id.
async fn create_and_mine(d: &Devnet, n: u64) -> U256 {
    let req = d.request(0, 1, TOKEN, 2).await;
    let created = d
        .market()
        .createTask(req)
        .from(d.submitter)
        .gas(2_000_000)
        .send()
        .await
        .unwrap();
    let _ = rpc(d, "evm_mine", serde_json::json!([])).await;
    assert!(created.get_receipt().await.unwrap().status());
    (U256::from_be_slice(d.submitter.as_slice()) << 96) | U256::from(n)
}

async fn tick_until(k: &mut Keeper, mut done: impl AsyncFnMut() -> bool, secs: u64) {
    for _ in 0..secs * 5 {
        k.tick().await.unwrap();
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("not done in {secs} s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_and_an_underpriced_transaction_land() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, indexer, mut k) = quick_keeper(&d, dir.path()).await;
    // mining by hand from here: the keeper's assignment stays in the pool until a block is mined
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([false])).await;
    let task = create_and_mine(&d, 1).await;
    tick_until(&mut k, async || !attempts(&store).await.is_empty(), 20).await;
    let first = attempts(&store).await.last().unwrap().clone();
    // the node loses it: after `bump_after` the keeper broadcasts the same bytes again
    let _ = rpc(&d, "anvil_dropTransaction", serde_json::json!([first.0])).await;
    let mut rebroadcast = 0;
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        rebroadcast += k.tick().await.unwrap().polled.rebroadcast;
        if rebroadcast > 0 {
            break;
        }
    }
    assert_eq!(
        rebroadcast, 1,
        "the dropped transaction was broadcast again"
    );
    let pending = rpc(&d, "eth_getTransactionByHash", serde_json::json!([first.0])).await;
    assert!(!pending.is_null(), "the node has it again");
    // a base-fee spike: the next blocks cost far more than the transaction offers
    let spike: u128 = 100_000_000_000; // 100 gwei
    let _ = rpc(
        &d,
        "anvil_setNextBlockBaseFeePerGas",
        serde_json::json!([format!("{spike:#x}")]),
    )
    .await;
    let _ = rpc(&d, "evm_mine", serde_json::json!([])).await;
    assert_ne!(
        d.status(task).await,
        ASSIGNED,
        "priced under the base fee, it waits"
    );
    let mut bumped = 0;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        bumped += k.tick().await.unwrap().polled.bumped;
        let _ = rpc(&d, "evm_mine", serde_json::json!([])).await;
        if d.status(task).await == ASSIGNED {
            break;
        }
    }
    assert_eq!(
        d.status(task).await,
        ASSIGNED,
        "the stuck assignment landed"
    );
    assert!(bumped >= 1, "the underpriced transaction was replaced");
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([true])).await;
    tick_until(
        &mut k,
        async || attempts(&store).await.iter().any(|a| a.1 == "replaced"),
        20,
    )
    .await;
    // every replacement raised both fees by at least 12.5 %
    let all = attempts(&store).await;
    let at_nonce: Vec<_> = all.iter().filter(|a| a.2 >= first.2).collect();
    for w in at_nonce.windows(2) {
        if w[1].2 > w[0].2 {
            assert!(
                w[1].2 * 1000 >= w[0].2 * 1125,
                "max fee {} → {}",
                w[0].2,
                w[1].2
            );
            assert!(
                w[1].3 * 1000 >= w[0].3 * 1125,
                "priority fee {} → {}",
                w[0].3,
                w[1].3
            );
        }
    }
    assert!(all.iter().any(|a| a.1 == "replaced"), "{all:?}");
    let landed = all
        .iter()
        .find(|a| a.1 == "mined" || a.1 == "final")
        .unwrap();
    assert!(
        landed.2 >= spike * 7 / 8,
        "landed with a max fee of {} over the base fee",
        landed.2
    );
    indexer.abort();
}

/// A TCP proxy to `to` that can be killed (its listener and every open connection).
async fn proxy(to: SocketAddr) -> (String, tokio::task::JoinHandle<()>) {
    let l = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = l.local_addr().unwrap();
    let h = tokio::spawn(async move {
        let mut conns = tokio::task::JoinSet::new();
        loop {
            let Ok((mut inbound, _)) = l.accept().await else {
                return;
            };
            conns.spawn(async move {
                if let Ok(mut out) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    });
    (format!("http://{addr}"), h)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_goes_on_through_the_second_rpc_when_the_first_dies() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, indexer) = d
        .index(&dir.path().join("k.db").display().to_string())
        .await;
    let anvil: SocketAddr = format!("127.0.0.1:{}", d.anvil.port()).parse().unwrap();
    let (first, kill) = proxy(anvil).await;
    let urls = vec![first.clone(), d.anvil.endpoint()];
    let mut k = d.keeper(&store, 0, &urls, fast()).await;
    let req = d.request(0, 1, TOKEN, 2).await;
    let a = d.create(req).await;
    tick_until(&mut k, async || d.status(a).await == ASSIGNED, 30).await;
    let via_first: String = sqlx::query("SELECT tx_hash FROM keeper_txs")
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0);
    assert!(!via_first.is_empty());
    // the first endpoint dies mid-run
    kill.abort();
    let _ = kill.await;
    let req = d.request(0, 1, TOKEN, 2).await;
    let b = d.create(req).await;
    tick_until(&mut k, async || d.status(b).await == ASSIGNED, 30).await;
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM keeper_txs")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(sent, 2, "one transaction per assignment, none repeated");
    indexer.abort();
}

/// The keeper's transactions by status.
async fn by_status(store: &swan_store::Store) -> std::collections::BTreeMap<String, i64> {
    sqlx::query("SELECT status, COUNT(*) FROM keeper_txs GROUP BY status")
        .fetch_all(store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

/// A zero-value transfer to self signed with `from`'s key outside the keeper (as `cast send`
/// would), at `nonce` (the pending count when none).
async fn foreign(d: &Devnet, from: alloy::primitives::Address, nonce: Option<u64>, tip: u128) {
    use alloy::{network::TransactionBuilder, rpc::types::TransactionRequest};
    let nonce = match nonce {
        Some(n) => n,
        None => d.p.get_transaction_count(from).pending().await.unwrap(),
    };
    let tx = TransactionRequest::default()
        .with_from(from)
        .with_to(from)
        .with_value(U256::ZERO)
        .with_nonce(nonce)
        .with_gas_limit(21_000)
        .with_max_fee_per_gas(200_000_000_000)
        .with_max_priority_fee_per_gas(tip);
    let _ = d.p.send_transaction(tx).await.unwrap();
}

/// Issue 27, item 1: the keeper's key signs a transaction elsewhere, twice — once between two
/// of the keeper's sends (its remembered nonce is used: the node answers "nonce too low"), and
/// once while the keeper's own transaction waits in the pool (a dearer transaction at the same
/// nonce replaces it and is mined). Both assignments land, at fresh nonces; nothing stays `sent`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transaction_from_the_keepers_key_elsewhere_loses_no_work() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, indexer, mut k) = quick_keeper(&d, dir.path()).await;
    let me = d.keepers[0];
    // the keeper sends once: from here it knows its next nonce
    let req = d.request(0, 1, TOKEN, 2).await;
    let a = d.create(req).await;
    tick_until(&mut k, async || d.status(a).await == ASSIGNED, 30).await;
    // 1. the key signs elsewhere between two sends
    foreign(&d, me, None, 1_000_000_000).await;
    let req = d.request(0, 1, TOKEN, 2).await;
    let b = d.create(req).await;
    tick_until(&mut k, async || d.status(b).await == ASSIGNED, 30).await;
    // 2. the key signs elsewhere while the keeper's transaction waits in the pool
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([false])).await;
    let c = create_and_mine(&d, 3).await;
    tick_until(
        &mut k,
        async || by_status(&store).await.get("sent").copied().unwrap_or(0) > 0,
        20,
    )
    .await;
    let waiting = d.p.get_transaction_count(me).latest().await.unwrap();
    // a far dearer transfer at the keeper's waiting nonce replaces it in the pool
    foreign(&d, me, Some(waiting), 50_000_000_000).await;
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([true])).await;
    let _ = rpc(&d, "evm_mine", serde_json::json!([])).await;
    let mut taken = 0;
    for _ in 0..150 {
        taken += k.tick().await.unwrap().polled.taken;
        if d.status(c).await == ASSIGNED {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        d.status(c).await,
        ASSIGNED,
        "the assignment was signed again"
    );
    assert!(taken >= 1, "the taken nonce was seen as such");
    // once everything is mined, no transaction of the keeper waits for a nonce that is gone
    tick_until(
        &mut k,
        async || !by_status(&store).await.contains_key("sent"),
        20,
    )
    .await;
    let statuses = by_status(&store).await;
    assert!(
        statuses.get("replaced").copied().unwrap_or(0) >= 2,
        "both clashes were recorded: {statuses:?}"
    );
    // the spending cap counts only what can still be mined: nothing waits
    let spent = k
        .sender()
        .spent(swan_keeper::sender::now_ms())
        .await
        .unwrap();
    let paid: u128 = sqlx::query_scalar::<_, Option<String>>(
        "SELECT gas_paid FROM keeper_txs WHERE status IN ('mined', 'final')",
    )
    .fetch_all(store.pool())
    .await
    .unwrap()
    .into_iter()
    .map(|p| p.unwrap().parse::<u128>().unwrap())
    .sum();
    assert_eq!(spent, paid, "replaced transactions cost nothing");
    indexer.abort();
}

/// Issue 27, item 1: two keeper processes with one key, each on its own database (so neither
/// can see the other's lease): they sign the same nonces, and every clash sends the loser's work
/// back to its queue. Every task is assigned and nothing stays `sent`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_keepers_with_one_key_on_two_databases_lose_no_work() {
    use common::devnet::Running;
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &["--block-time", "1"]).await;
    let dir = tempfile::tempdir().unwrap();
    let (s1, i1) = d
        .index(&dir.path().join("one.db").display().to_string())
        .await;
    let (s2, i2) = d
        .index(&dir.path().join("two.db").display().to_string())
        .await;
    let mut cfg = fast();
    cfg.batch_max = 1;
    cfg.send.bump_after = Duration::from_secs(2);
    let k1 = Running::spawn(d.keeper(&s1, 0, &d.manifest.rpc_urls, cfg.clone()).await);
    let k2 = Running::spawn(d.keeper(&s2, 0, &d.manifest.rpc_urls, cfg).await);
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let req = d.request(0, 1, TOKEN, 1).await;
        tasks.push(d.create(req).await);
    }
    for &t in &tasks {
        d.wait_status(t, ASSIGNED, 60).await;
    }
    // the two keepers settle down: nothing of either stays sent
    let mut left = (0, 0);
    for _ in 0..60 {
        left = (
            by_status(&s1).await.get("sent").copied().unwrap_or(0),
            by_status(&s2).await.get("sent").copied().unwrap_or(0),
        );
        if left == (0, 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        left,
        (0, 0),
        "transactions still waiting for a nonce that is gone"
    );
    // two processes with one key and no shared outbox both plan the same work: one of them may
    // send an assignment the other's waiting one has done (a waiting transaction is judged moot
    // only by what is mined, so neither drops its own work); that revert loses nothing — every
    // task is assigned and no nonce waits (above)
    for s in [&s1, &s2] {
        let reverted: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM keeper_txs WHERE success = 0")
            .fetch_one(s.pool())
            .await
            .unwrap();
        eprintln!("reverted (work the other process did): {reverted}");
    }
    k1.stop().await;
    k2.stop().await;
    i1.abort();
    i2.abort();
}

/// Found by the 30-minute chaos run: a transaction waiting in the pool past `bump_after` was
/// simulated again on the node's pending state, where it had already run — its work looked done,
/// so the keeper replaced it with a transfer to self and dropped the work (an expiry never
/// happened). Judged on what is mined, it is replaced with higher fees and lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_transaction_is_not_mistaken_for_work_already_done() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, indexer, mut k) = quick_keeper(&d, dir.path()).await;
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([false])).await;
    let task = create_and_mine(&d, 1).await;
    tick_until(&mut k, async || !attempts(&store).await.is_empty(), 20).await;
    // it waits in the pool, executable, unmined, past bump_after
    let mut cancelled = 0;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        cancelled += k.tick().await.unwrap().polled.cancelled;
    }
    assert_eq!(cancelled, 0, "its own waiting work was taken for moot");
    let _ = rpc(&d, "evm_mine", serde_json::json!([])).await;
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([true])).await;
    tick_until(&mut k, async || d.status(task).await == ASSIGNED, 20).await;
    indexer.abort();
}

/// A call sent before the keeper died, lost by the node, whose work became moot while the keeper
/// was away (here the submitter cancelled the task) is not broadcast again on restart — it would
/// only revert — and its nonce is filled with a transfer to self, so the keeper's later work
/// still lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_gone_moot_while_the_keeper_was_away_is_not_sent_again() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let (store, indexer) = d
        .index(&dir.path().join("k.db").display().to_string())
        .await;
    let mut cfg = fast();
    cfg.send.bump_after = Duration::from_secs(1);
    // a lease short enough to take over from the keeper dropped below, in this same process
    cfg.key_lease = Duration::from_secs(1);
    let mut k = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg.clone()).await;
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([false])).await;
    let task = create_and_mine(&d, 1).await;
    tick_until(&mut k, async || !attempts(&store).await.is_empty(), 20).await;
    let assign = attempts(&store).await.last().unwrap().clone();
    // the keeper dies with its assignment in the pool; the node loses it; the submitter cancels
    drop(k);
    let _ = rpc(&d, "anvil_dropTransaction", serde_json::json!([assign.0])).await;
    let cancel = d
        .market()
        .cancelTask(task)
        .from(d.submitter)
        .gas(500_000)
        .send()
        .await
        .unwrap();
    let _ = rpc(&d, "evm_mine", serde_json::json!([])).await;
    assert!(cancel.get_receipt().await.unwrap().status());
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    // back: the assignment is not broadcast again
    let mut k = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg).await;
    let pending = rpc(
        &d,
        "eth_getTransactionByHash",
        serde_json::json!([assign.0]),
    )
    .await;
    assert!(pending.is_null(), "the moot assignment was broadcast again");
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([true])).await;
    // its nonce is filled (a transfer to self) and the keeper's next work lands
    let mut cancelled = 0;
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancelled += k.tick().await.unwrap().polled.cancelled;
        if cancelled > 0 {
            break;
        }
    }
    assert_eq!(cancelled, 1, "the moot assignment's nonce was filled");
    let next = d.create(d.request(0, 1, TOKEN, 2).await).await;
    tick_until(&mut k, async || d.status(next).await == ASSIGNED, 30).await;
    // nothing the keeper signed reverted
    for (hash, status, ..) in attempts(&store).await {
        let r = rpc(&d, "eth_getTransactionReceipt", serde_json::json!([hash])).await;
        if !r.is_null() {
            assert_eq!(r["status"], "0x1", "{hash} ({status}) reverted");
        }
    }
    indexer.abort();
}
