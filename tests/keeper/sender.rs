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
    let (store, indexer) = d
        .index(&dir.path().join("k.db").display().to_string())
        .await;
    let mut cfg = fast();
    cfg.send.bump_after = Duration::from_secs(1);
    let mut k = d.keeper(&store, 0, &d.manifest.rpc_urls, cfg).await;
    // mining by hand from here: the keeper's assignment stays in the pool until a block is mined
    let _ = rpc(&d, "evm_setAutomine", serde_json::json!([false])).await;
    let req = d.request(0, 1, TOKEN, 2).await;
    let created = d
        .market()
        .createTask(req)
        .from(d.submitter)
        .gas(2_000_000)
        .send()
        .await
        .unwrap();
    let _ = rpc(&d, "evm_mine", serde_json::json!([])).await;
    assert!(created.get_receipt().await.unwrap().status());
    let task = (U256::from_be_slice(d.submitter.as_slice()) << 96) | U256::from(1);
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
