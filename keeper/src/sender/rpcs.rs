//! RPC endpoints with failover.

use std::sync::atomic::{AtomicUsize, Ordering};

use alloy::{
    providers::{DynProvider, Provider, ProviderBuilder},
    transports::{RpcError, TransportErrorKind},
};

use super::SendError;

/// RPC endpoints with failover.
#[derive(Debug)]
pub struct Rpcs {
    urls: Vec<String>,
    pub(super) providers: Vec<DynProvider>,
    pub(super) current: AtomicUsize,
}

pub(super) fn transport(e: &RpcError<TransportErrorKind>) -> bool {
    match e {
        RpcError::ErrorResp(p) => p.code == 429 || p.message.contains("rate limit"),
        RpcError::Transport(_) | RpcError::NullResp | RpcError::DeserError { .. } => true,
        _ => false,
    }
}

impl Rpcs {
    /// Endpoints in order of preference.
    pub fn new(urls: &[String]) -> Result<Self, SendError> {
        if urls.is_empty() {
            return Err(SendError::Config(
                "no RPC URL: give --rpc-url or a manifest with rpc_urls".into(),
            ));
        }
        let mut providers = Vec::new();
        for u in urls {
            let url = u.parse().map_err(|e| {
                SendError::Config(format!(
                    "RPC URL {u:?} is not a URL ({e}); use http://host:port"
                ))
            })?;
            providers.push(ProviderBuilder::new().connect_http(url).erased());
        }
        Ok(Self {
            urls: urls.to_vec(),
            providers,
            current: AtomicUsize::new(0),
        })
    }

    /// The endpoint in use.
    pub fn provider(&self) -> DynProvider {
        self.providers[self.current.load(Ordering::Relaxed) % self.providers.len()].clone()
    }

    /// The URL in use.
    pub fn url(&self) -> &str {
        &self.urls[self.current.load(Ordering::Relaxed) % self.urls.len()]
    }

    /// Run `op` on the endpoint in use, moving to the next one on transport failures (each
    /// endpoint tried once per call).
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T, RpcError<TransportErrorKind>>
    where
        F: Fn(DynProvider) -> Fut,
        Fut: std::future::Future<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        let mut last = None;
        for _ in 0..self.providers.len() {
            let i = self.current.load(Ordering::Relaxed);
            match op(self.providers[i % self.providers.len()].clone()).await {
                Err(e) if transport(&e) => {
                    tracing::warn!(url = %self.urls[i % self.urls.len()], error = %e, "RPC failed: trying the next endpoint");
                    let _ = self.current.compare_exchange(
                        i,
                        i + 1,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    );
                    last = Some(e);
                }
                other => return other,
            }
        }
        Err(last.unwrap_or(RpcError::NullResp))
    }
}
