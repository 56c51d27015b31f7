//! The keeper's chain connection: the shared client over every RPC URL
//! ([`swan_contracts::rpc`]: alloy's fallback and retry layers), as one provider.

use alloy::{
    providers::DynProvider,
    transports::{RpcError, TransportErrorKind},
};
use swan_contracts::rpc::{RpcOptions, connect};

use super::SendError;

/// RPC endpoints behind one provider; failover and retries happen in its transport.
#[derive(Debug, Clone)]
pub struct Rpcs {
    urls: Vec<String>,
    provider: DynProvider,
}

impl Rpcs {
    /// Endpoints in order of preference.
    pub fn new(urls: &[String]) -> Result<Self, SendError> {
        let provider =
            connect(urls, RpcOptions::default()).map_err(|e| SendError::Config(e.to_string()))?;
        Ok(Self {
            urls: urls.to_vec(),
            provider,
        })
    }

    /// The provider (over every endpoint).
    pub fn provider(&self) -> DynProvider {
        self.provider.clone()
    }

    /// The endpoints, in order of preference.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// Run `op` on the provider.
    pub async fn call<T, F, Fut>(&self, op: F) -> Result<T, RpcError<TransportErrorKind>>
    where
        F: FnOnce(DynProvider) -> Fut,
        Fut: std::future::Future<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        op(self.provider.clone()).await
    }
}
