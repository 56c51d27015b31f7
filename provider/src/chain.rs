//! The agent's transactions: each is estimated first (a revert comes back as the market's or the
//! registry's typed error, before anything is signed), sent, and waited for.

use std::time::Duration;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, TxHash},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol_types::SolInterface,
    transports::{RpcError, TransportErrorKind},
};
use swan_contracts::{
    DevToken, Manifest, SwanMarket,
    SwanMarket::SwanMarketErrors,
    SwanRegistry,
    registry::SwanRegistry::SwanRegistryErrors,
    rpc::{self, RpcOptions},
};

/// Why a transaction did not go through.
#[derive(Debug, thiserror::Error)]
pub enum TxError {
    /// The market refused it.
    #[error("{what}: {}", swan_contracts::explain::market(error))]
    Revert {
        /// The call.
        what: String,
        /// The typed error.
        error: Box<SwanMarketErrors>,
    },
    /// The registry refused it.
    #[error("{what}: {}", swan_contracts::explain::registry(error))]
    RegistryRevert {
        /// The call.
        what: String,
        /// The typed error.
        error: Box<SwanRegistryErrors>,
    },
    /// It reverted without a market error (e.g. the token refused a transfer).
    #[error("{what}: {detail}")]
    Reverted {
        /// The call.
        what: String,
        /// What the node said.
        detail: String,
    },
    /// The RPC failed: retried on the next tick.
    #[error("{what}: RPC error: {source}")]
    Rpc {
        /// The call.
        what: String,
        /// Why.
        source: RpcError<TransportErrorKind>,
    },
    /// No receipt in time.
    #[error("{what}: no receipt after {0:?}", .wait)]
    NoReceipt {
        /// The call.
        what: String,
        /// How long it waited.
        wait: Duration,
    },
}

impl TxError {
    /// The market's error, if it refused.
    pub fn market_error(&self) -> Option<&SwanMarketErrors> {
        match self {
            Self::Revert { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The chain as the agent uses it: the market read by anyone, written by the owner and worker.
#[derive(Debug, Clone)]
pub struct Chain {
    /// The manifest.
    pub manifest: Manifest,
    /// The owner's address (registers, stakes, claims earnings).
    pub owner: Address,
    /// The worker's address (submits results).
    pub worker: Address,
    owner_p: DynProvider,
    worker_p: DynProvider,
}

impl Chain {
    /// Connect through `rpc_urls` (default: the manifest's) with both keys.
    pub fn connect(
        manifest: Manifest,
        rpc_urls: &[String],
        owner: PrivateKeySigner,
        worker: PrivateKeySigner,
    ) -> Result<Self, String> {
        let urls = if rpc_urls.is_empty() {
            &manifest.rpc_urls
        } else {
            rpc_urls
        };
        let client = || rpc::client(urls, RpcOptions::default()).map_err(|e| e.to_string());
        let (oa, wa) = (owner.address(), worker.address());
        let owner_p = ProviderBuilder::new()
            .wallet(EthereumWallet::from(owner))
            .connect_client(client()?)
            .erased();
        let worker_p = ProviderBuilder::new()
            .wallet(EthereumWallet::from(worker))
            .connect_client(client()?)
            .erased();
        Ok(Self {
            manifest,
            owner: oa,
            worker: wa,
            owner_p,
            worker_p,
        })
    }

    /// The market, for reads.
    pub fn market(&self) -> SwanMarket::SwanMarketInstance<&DynProvider> {
        SwanMarket::new(self.manifest.market, &self.owner_p)
    }

    /// The registry (providers, their terms and collateral), for reads.
    pub fn registry(&self) -> SwanRegistry::SwanRegistryInstance<&DynProvider> {
        SwanRegistry::new(self.manifest.registry, &self.owner_p)
    }

    /// The token, for reads and the owner's approvals.
    pub fn token(&self) -> DevToken::DevTokenInstance<&DynProvider> {
        DevToken::new(self.manifest.token, &self.owner_p)
    }

    /// A provider for reads.
    pub fn reader(&self) -> &DynProvider {
        &self.owner_p
    }

    /// Send `tx` as the owner.
    pub async fn as_owner(&self, what: &str, tx: TransactionRequest) -> Result<TxHash, TxError> {
        send(&self.owner_p, self.owner, what, tx).await
    }

    /// Send `tx` as the worker.
    pub async fn as_worker(&self, what: &str, tx: TransactionRequest) -> Result<TxHash, TxError> {
        send(&self.worker_p, self.worker, what, tx).await
    }

    /// The chain's latest block time.
    pub async fn now(&self) -> Result<u64, RpcError<TransportErrorKind>> {
        let b = self.owner_p.get_block_by_number(Default::default()).await?;
        Ok(b.map(|b| b.header.timestamp).unwrap_or_default())
    }
}

fn revert_of(what: &str, e: RpcError<TransportErrorKind>) -> TxError {
    if let Some(resp) = e.as_error_resp() {
        let data: Option<Bytes> = resp.as_revert_data();
        if let Some(err) = data
            .as_ref()
            .and_then(|d| SwanMarketErrors::abi_decode(d).ok())
        {
            return TxError::Revert {
                what: what.into(),
                error: Box::new(err),
            };
        }
        if let Some(err) = data
            .as_ref()
            .and_then(|d| SwanRegistryErrors::abi_decode(d).ok())
        {
            return TxError::RegistryRevert {
                what: what.into(),
                error: Box::new(err),
            };
        }
        if let Some(sentence) = swan_contracts::explain::explain_rpc(&e) {
            return TxError::Reverted {
                what: what.into(),
                detail: sentence,
            };
        }
    }
    TxError::Rpc {
        what: what.into(),
        source: e,
    }
}

const RECEIPT_WAIT: Duration = Duration::from_secs(60);

async fn send(
    p: &DynProvider,
    from: Address,
    what: &str,
    tx: TransactionRequest,
) -> Result<TxHash, TxError> {
    let tx = tx.with_from(from);
    // the estimate runs the call: a refusal comes back typed, before anything is signed
    let gas = p
        .estimate_gas(tx.clone())
        .await
        .map_err(|e| revert_of(what, e))?;
    let pending = p
        .send_transaction(tx.with_gas_limit(gas + gas / 5))
        .await
        .map_err(|e| revert_of(what, e))?;
    let hash = *pending.tx_hash();
    let receipt = tokio::time::timeout(RECEIPT_WAIT, pending.get_receipt())
        .await
        .map_err(|_| TxError::NoReceipt {
            what: what.into(),
            wait: RECEIPT_WAIT,
        })?
        .map_err(|e| TxError::Reverted {
            what: what.into(),
            detail: e.to_string(),
        })?;
    if !receipt.status() {
        // the state changed between the estimate and the block
        return Err(TxError::Reverted {
            what: what.into(),
            detail: format!("transaction {hash} reverted in its block"),
        });
    }
    Ok(hash)
}
