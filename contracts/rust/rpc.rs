//! Connecting to a chain: one client over all of a deployment's RPC endpoints, the one place
//! every component (indexer, keeper, provider agent, CLI) connects through.
//!
//! The work is done by alloy's transport layers, not here: [`FallbackLayer`] ranks the
//! endpoints by success and latency and tries them one at a time, best first (the first URL
//! while none has answered), moving on when one fails at the transport level; above it,
//! [`RetryBackoffLayer`] pauses and starts over when every endpoint failed for a reason worth
//! retrying — alloy's own (rate limits, an unavailable node) and [`endpoint_fault`] (a refused
//! connection, a timeout, an answer that is not JSON-RPC). Reverts and other JSON-RPC errors
//! come back at once.

use std::{num::NonZeroUsize, time::Duration};

use alloy::{
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::client::RpcClient,
    transports::{
        RpcError, TransportError, TransportErrorKind,
        http::{Http, reqwest},
        layers::{FallbackLayer, OrRetryPolicyFn, RateLimitRetryPolicy, RetryBackoffLayer},
    },
};
use tower::ServiceBuilder;

/// How a client treats its endpoints.
#[derive(Debug, Clone, Copy)]
pub struct RpcOptions {
    /// One HTTP request's limit.
    pub timeout: Duration,
    /// Resends of a failed request (over all endpoints) before its error is returned.
    pub retries: u32,
    /// The pause before each resend.
    pub backoff: Duration,
}

impl Default for RpcOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(20),
            retries: 4,
            backoff: Duration::from_millis(100),
        }
    }
}

/// An RPC URL that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpcUrlError {
    /// None given.
    #[error("no RPC URL: give --rpc-url (or rpc_urls in the manifest or config)")]
    Missing,
    /// Not a URL.
    #[error("RPC URL {url:?} is not a URL ({why}); use http://host:port")]
    Invalid {
        /// As given.
        url: String,
        /// The parser's reason.
        why: String,
    },
}

/// The methods sent to one endpoint at a time (every method a component sends): a transaction
/// is never broadcast to several nodes at once, a read never costs every endpoint a query.
pub const SEQUENTIAL: &[&str] = &[
    "eth_accounts",
    "eth_blockNumber",
    "eth_call",
    "eth_chainId",
    "eth_estimateGas",
    "eth_feeHistory",
    "eth_gasPrice",
    "eth_getBalance",
    "eth_getBlockByHash",
    "eth_getBlockByNumber",
    "eth_getCode",
    "eth_getLogs",
    "eth_getStorageAt",
    "eth_getTransactionByHash",
    "eth_getTransactionCount",
    "eth_getTransactionReceipt",
    "eth_maxPriorityFeePerGas",
    "eth_sendRawTransaction",
    "eth_sendRawTransactionSync",
    "eth_sendTransaction",
    "eth_sendTransactionSync",
    "net_version",
];

/// A fault of the endpoint rather than of the request: worth sending again, elsewhere.
pub fn endpoint_fault(e: &TransportError) -> bool {
    matches!(
        e,
        RpcError::Transport(TransportErrorKind::Custom(_) | TransportErrorKind::HttpError(_))
            | RpcError::NullResp
            | RpcError::DeserError { .. }
    )
}

/// A client over `urls` (in order of preference).
pub fn client(urls: &[String], opts: RpcOptions) -> Result<RpcClient, RpcUrlError> {
    if urls.is_empty() {
        return Err(RpcUrlError::Missing);
    }
    let http = reqwest::Client::builder()
        .timeout(opts.timeout)
        .build()
        .expect("a reqwest client with a timeout builds");
    let mut transports = Vec::with_capacity(urls.len());
    let mut local = true;
    for u in urls {
        let url = u
            .parse::<reqwest::Url>()
            .map_err(|e| RpcUrlError::Invalid {
                url: u.clone(),
                why: e.to_string(),
            })?;
        local &= url.host_str().is_some_and(is_loopback);
        transports.push(Http::with_client(http.clone(), url));
    }
    let policy = OrRetryPolicyFn::new(RateLimitRetryPolicy::default(), endpoint_fault);
    let retry = RetryBackoffLayer::new_with_policy(
        opts.retries,
        opts.backoff.as_millis() as u64,
        u64::MAX, // no compute-unit budget: pace by the backoff alone
        policy,
    );
    // every endpoint may serve a request, one at a time in order of rank: alloy races the
    // methods outside the sequential set across endpoints, so every method we send is in it
    let fallback = FallbackLayer::default()
        .with_active_transport_count(NonZeroUsize::new(urls.len()).expect("checked non-empty"))
        .with_sequential_methods(SEQUENTIAL.iter().map(|m| (*m).to_owned()).collect());
    let transport = ServiceBuilder::new()
        .layer(retry)
        .layer(fallback)
        .service(transports);
    Ok(RpcClient::builder().transport(transport, local))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A read-only provider over `urls`.
pub fn connect(urls: &[String], opts: RpcOptions) -> Result<DynProvider, RpcUrlError> {
    Ok(ProviderBuilder::new()
        .connect_client(client(urls, opts)?)
        .erased())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            connect(&[], RpcOptions::default()).unwrap_err(),
            RpcUrlError::Missing
        );
        let e = connect(&["127.0.0.1:8545".into()], RpcOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("\"127.0.0.1:8545\" is not a URL"),
            "{e}"
        );
        assert!(is_loopback("127.0.0.1") && is_loopback("[::1]") && is_loopback("localhost"));
        assert!(!is_loopback("rpc.swanchain.io"));
    }

    #[test]
    fn endpoint_faults_are_retried_and_request_errors_are_not() {
        let refused = TransportErrorKind::custom_str("error sending request: connection refused");
        assert!(endpoint_fault(&refused));
        let reverted = RpcError::ErrorResp(alloy::rpc::json_rpc::ErrorPayload {
            code: 3,
            message: "execution reverted".into(),
            data: None,
        });
        assert!(!endpoint_fault(&reverted));
    }
}
