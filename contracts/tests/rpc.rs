//! The shared RPC client against real endpoints: a dead one, one that answers with garbage, and
//! anvil. A request reaches the healthy endpoint whatever stands before it, a revert is not
//! retried, and when every endpoint is down the error says so.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use alloy::{node_bindings::Anvil, providers::Provider};
use swan_contracts::{
    anvil_path,
    rpc::{RpcOptions, connect},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

/// A port nothing listens on.
fn dead() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    drop(l);
    url
}

/// An HTTP server that answers every request with 200 and `answer(request id)` as the body;
/// returns its URL and the number of requests it has answered.
async fn server(answer: fn(&str) -> String) -> (String, Arc<AtomicU32>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let hits = Arc::new(AtomicU32::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = vec![0u8; 65_536];
            let n = s.read(&mut buf).await.unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let id = req
                .split("\"id\":")
                .nth(1)
                .and_then(|t| t.split([',', '}']).next())
                .unwrap_or("0")
                .to_owned();
            h.fetch_add(1, Ordering::Relaxed);
            let body = answer(&id);
            let _ = s
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
        }
    });
    (url, hits)
}

fn opts() -> RpcOptions {
    RpcOptions {
        backoff: Duration::from_millis(10),
        ..RpcOptions::default()
    }
}

#[tokio::test]
async fn requests_reach_the_healthy_endpoint_past_dead_and_broken_ones() {
    let anvil = Anvil::at(anvil_path()).try_spawn().expect("anvil starts");
    let (broken, hits) = server(|_| "{\"jsonrpc\":\"2.0\",\"id\":".into()).await;
    let p = connect(&[dead(), broken, anvil.endpoint()], opts()).unwrap();
    for _ in 0..5 {
        assert_eq!(p.get_chain_id().await.unwrap(), 31337);
    }
    assert_eq!(
        hits.load(Ordering::Relaxed),
        1,
        "the truncated answer was tried once, then the endpoint ranked below anvil"
    );
}

#[tokio::test]
async fn a_json_rpc_error_is_the_requests_fault_and_is_not_resent() {
    let (reverting, hits) = server(|id| {
        format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{id},\"error\":{{\"code\":3,\"message\":\"execution reverted\",\"data\":\"0x\"}}}}"
        )
    })
    .await;
    let p = connect(&[reverting], opts()).unwrap();
    let e = p.get_chain_id().await.unwrap_err();
    assert_eq!(e.as_error_resp().map(|r| r.code), Some(3), "{e}");
    assert_eq!(hits.load(Ordering::Relaxed), 1, "sent once");
}

#[tokio::test]
async fn when_every_endpoint_is_down_the_error_says_so() {
    let (broken, hits) = server(|_| "not json".into()).await;
    let opts = RpcOptions {
        retries: 3,
        ..opts()
    };
    let p = connect(&[dead(), broken], opts).unwrap();
    let e = p.get_chain_id().await.unwrap_err().to_string();
    assert!(e.contains("Max retries exceeded"), "{e}");
    assert!(
        hits.load(Ordering::Relaxed) >= 1,
        "both endpoints were tried"
    );
}
