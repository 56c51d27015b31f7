//! The chaos run's faults: its seeded choices, the RPC proxy that fails calls on purpose, and
//! reorgs whose orphaned transactions return to the pool.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, AtomicU64, Ordering::Relaxed},
    },
    time::Duration,
};

use alloy::{
    primitives::Bytes,
    providers::{DynProvider, Provider},
};
use axum::{extract::State, http::StatusCode, response::IntoResponse};
use serde_json::Value;

use crate::demo::{DemoError, step};

/// splitmix64: the fault schedule's choices.
pub(super) struct Rng(pub(super) u64);

impl Rng {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// A whole number in `lo..=hi`.
    pub(super) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    pub(super) fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(self.range(lo, hi))
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// An HTTP proxy in front of anvil that fails `fail_permille` of the JSON-RPC calls with a 503.
pub(super) struct Proxy {
    pub(super) upstream: String,
    pub(super) http: reqwest::Client,
    pub(super) fail_permille: AtomicU32,
    pub(super) seq: AtomicU64,
    pub(super) seed: u64,
    pub(super) failed: AtomicU64,
    pub(super) passed: AtomicU64,
}

async fn forward(State(p): State<Arc<Proxy>>, body: axum::body::Bytes) -> axum::response::Response {
    let n = p.seq.fetch_add(1, Relaxed);
    if mix(p.seed ^ n) % 1000 < u64::from(p.fail_permille.load(Relaxed)) {
        p.failed.fetch_add(1, Relaxed);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "chaos: this call failed on purpose",
        )
            .into_response();
    }
    let answer = p
        .http
        .post(&p.upstream)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await;
    match answer {
        Ok(r) => {
            let status =
                StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let body = r.bytes().await.unwrap_or_default();
            p.passed.fetch_add(1, Relaxed);
            (status, [("content-type", "application/json")], body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// Start the proxy on a free loopback port; its URL.
pub(super) async fn start_proxy(p: Arc<Proxy>) -> Result<String, DemoError> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| step("starting the RPC proxy")(e.to_string()))?;
    let addr = l
        .local_addr()
        .map_err(|e| step("starting the RPC proxy")(e.to_string()))?;
    let app = axum::Router::new()
        .route("/", axum::routing::post(forward))
        .with_state(p);
    tokio::spawn(async move { axum::serve(l, app).await });
    Ok(format!("http://{addr}"))
}

/// Replace the chain's last `depth` blocks with empty ones (`anvil_reorg`) and send their
/// transactions again, as the orphaned transactions of a real reorg return to the pool.
///
/// Only blocks above the chain's finalized block are replaced (`depth` is cut down to them): a
/// real chain never reorganizes a final block, and the indexer trusts what is final. How many
/// blocks were replaced, and how many transactions went back.
pub(super) async fn reorg(p: &DynProvider, depth: u64) -> Result<(u64, usize), String> {
    let head = p.get_block_number().await.map_err(|e| e.to_string())?;
    let finalized = p
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Finalized)
        .await
        .map_err(|e| e.to_string())?
        .map_or(0, |b| b.header.number);
    // a block of margin: one may be mined between this read and the reorg
    let depth = depth.min(head.saturating_sub(finalized).saturating_sub(1));
    if depth == 0 {
        return Err(format!("every block up to the head ({head}) is final"));
    }
    let mut raws: Vec<Bytes> = Vec::new();
    for n in head.saturating_sub(depth - 1)..=head {
        let block = p
            .get_block_by_number(n.into())
            .await
            .map_err(|e| e.to_string())?
            .ok_or(format!("block {n} is gone"))?;
        for h in block.transactions.hashes() {
            let raw: Bytes = p
                .raw_request("eth_getRawTransactionByHash".into(), (h,))
                .await
                .map_err(|e| e.to_string())?;
            raws.push(raw);
        }
    }
    let _: Value = p
        .raw_request("anvil_reorg".into(), (depth, Vec::<Value>::new()))
        .await
        .map_err(|e| e.to_string())?;
    for raw in &raws {
        // one whose deadline passed, or already back in the pool, is refused: as on a real chain
        let _ = p.send_raw_transaction(raw).await;
    }
    Ok((depth, raws.len()))
}
