//! What every command that talks to the chain shares: the options that say which deployment,
//! endpoint and key; a connection signing as that key; sends that turn a refusal into one
//! sentence ([`swan_contracts::explain`]); and payments whose token approval cannot dangle.

use std::path::PathBuf;

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use clap::Args;
use swan_contracts::{
    DevToken, Manifest, SwanMarket,
    explain::explain_rpc,
    load_signer,
    rpc::{self, RpcOptions},
    units::swan,
};

/// Which deployment, endpoint and key (the key from `--keystore` or `SWAN_PRIVATE_KEY`, never
/// from a flag).
#[derive(Debug, Clone, Args)]
pub(crate) struct ChainOpts {
    /// The deployment manifest.
    #[arg(
        long,
        env = "SWAN_MANIFEST",
        default_value = ".devnet/manifest.json",
        global = true
    )]
    pub(crate) manifest: PathBuf,
    /// RPC endpoint (default: the manifest's first).
    #[arg(long = "rpc-url", env = "SWAN_RPC_URL", global = true)]
    pub(crate) rpc_url: Option<String>,
    /// The signer's encrypted keystore (else SWAN_PRIVATE_KEY).
    #[arg(long, env = "SWAN_KEYSTORE", global = true)]
    pub(crate) keystore: Option<PathBuf>,
    /// The keystore's password file (else a prompt).
    #[arg(long, env = "SWAN_PASSWORD_FILE", global = true)]
    pub(crate) password_file: Option<PathBuf>,
}

/// Why a command that talks to the chain failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ChainError {
    /// The manifest.
    #[error(transparent)]
    Manifest(#[from] swan_contracts::ManifestError),
    /// The key.
    #[error(transparent)]
    Key(#[from] swan_contracts::KeyError),
    /// A bad argument.
    #[error("{0}")]
    Arg(String),
    /// The chain refused or failed.
    #[error("{0}")]
    Chain(String),
}

/// The shared client (retries with backoff) over the endpoint at `url`.
fn client(url: &str) -> Result<alloy::rpc::client::RpcClient, ChainError> {
    rpc::client(&[url.to_owned()], RpcOptions::default())
        .map_err(|e| ChainError::Arg(format!("--rpc-url: {e}")))
}

/// An RPC failure as one line: a dead endpoint says so and what to check.
pub(crate) fn rpc_error(what: &str, e: impl std::fmt::Display) -> ChainError {
    let text = e.to_string();
    if text.contains("error sending request") || text.contains("Connection refused") {
        ChainError::Chain(format!(
            "{what}: the RPC does not answer ({text}); is the chain running (swan devnet) and --rpc-url right?"
        ))
    } else {
        ChainError::Chain(format!("{what}: {text}"))
    }
}

/// A connection, signing as `me` (or reading only, `me` zero).
pub(crate) struct Conn {
    pub(crate) p: DynProvider,
    pub(crate) me: Address,
    pub(crate) manifest: Manifest,
}

impl Conn {
    /// A connection signing with `key` through the endpoint at `url`.
    pub(crate) fn with_key(
        url: &str,
        key: alloy::signers::local::PrivateKeySigner,
        manifest: Manifest,
    ) -> Result<Self, ChainError> {
        let me = key.address();
        let p = ProviderBuilder::new()
            .wallet(EthereumWallet::from(key))
            .connect_client(client(url)?)
            .erased();
        Ok(Self { p, me, manifest })
    }

    /// Connect as `o` says, signing when `sign`; checks the endpoint serves the manifest's chain.
    pub(crate) async fn open(o: &ChainOpts, sign: bool) -> Result<Self, ChainError> {
        let manifest = Manifest::load(&o.manifest)?;
        let url = o
            .rpc_url
            .clone()
            .or_else(|| manifest.rpc_urls.first().cloned())
            .ok_or_else(|| ChainError::Arg("no RPC URL: give --rpc-url".into()))?;
        let c = if sign {
            let key = load_signer(
                o.keystore.as_deref(),
                o.password_file.as_deref(),
                "SWAN_PRIVATE_KEY",
                "--keystore FILE",
            )?;
            Self::with_key(&url, key, manifest)?
        } else {
            Self {
                p: ProviderBuilder::new()
                    .connect_client(client(&url)?)
                    .erased(),
                me: Address::ZERO,
                manifest,
            }
        };
        let chain =
            c.p.get_chain_id()
                .await
                .map_err(|e| rpc_error("reading the chain id", e))?;
        if chain != c.manifest.chain_id {
            return Err(ChainError::Chain(format!(
                "the RPC serves chain {chain} but the manifest is for chain {}: check --rpc-url or --manifest",
                c.manifest.chain_id
            )));
        }
        Ok(c)
    }

    /// The market.
    pub(crate) fn market(&self) -> SwanMarket::SwanMarketInstance<&DynProvider> {
        SwanMarket::new(self.manifest.market, &self.p)
    }

    /// `who`'s balance inside the market (refunds and deposits).
    pub(crate) async fn market_balance(&self, who: Address) -> Result<U256, ChainError> {
        self.market()
            .balanceOf(who)
            .call()
            .await
            .map_err(|e| rpc_error("reading the market balance", e))
    }

    /// The payment token.
    pub(crate) fn token(&self) -> DevToken::DevTokenInstance<&DynProvider> {
        DevToken::new(self.manifest.token, &self.p)
    }

    /// Simulate, send, wait; a refusal comes back as its sentence.
    pub(crate) async fn send(
        &self,
        what: &str,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, ChainError> {
        let tx = tx.from(self.me);
        let refuse = |e: alloy::transports::RpcError<_>| match explain_rpc(&e) {
            Some(sentence) => ChainError::Chain(format!("{what}: {sentence}")),
            None => rpc_error(what, e),
        };
        let estimate = self.p.estimate_gas(tx.clone()).await.map_err(refuse)?;
        // headroom over the estimate: what a call costs can change with the block it lands in
        // (a prorated refund, a slot written for the first time), and an exact limit then runs
        // out of gas
        let tx = tx.gas_limit(estimate.saturating_mul(5) / 4 + 20_000);
        let r = self
            .p
            .send_transaction(tx)
            .await
            .map_err(refuse)?
            .get_receipt()
            .await
            .map_err(|e| rpc_error(what, e))?;
        if !r.status() {
            return Err(ChainError::Chain(format!(
                "{what}: transaction {} reverted",
                r.transaction_hash
            )));
        }
        Ok(r)
    }

    /// Send `tx`, which takes up to `amount` from the signer: from its balance in the market
    /// first, the rest from its tokens. The token balance is checked before anything is sent;
    /// the market is allowed exactly the rest, just before the call, and the allowance is put
    /// back as it was if the call fails or takes less — no approval outlives the call.
    pub(crate) async fn paying(
        &self,
        what: &str,
        amount: U256,
        tx: TransactionRequest,
    ) -> Result<TransactionReceipt, ChainError> {
        let credit = self.market_balance(self.me).await?;
        let need = amount.saturating_sub(credit);
        if need.is_zero() {
            return self.send(what, tx).await;
        }
        let token = self.token();
        let held = token
            .balanceOf(self.me)
            .call()
            .await
            .map_err(|e| rpc_error("reading the token balance", e))?;
        if held < need {
            return Err(ChainError::Chain(format!(
                "{what}: it takes {} and {:#x} has {} in the market and {} of the token: get {} more (on a devnet: swan devnet fund {:#x} {})",
                swan(amount),
                self.me,
                swan(credit),
                swan(held),
                swan(need - held),
                self.me,
                swan_contracts::units::decimal(need - held)
            )));
        }
        let allowance = || async {
            token
                .allowance(self.me, self.manifest.market)
                .call()
                .await
                .map_err(|e| rpc_error("reading the allowance", e))
        };
        let before = allowance().await?;
        if before >= need {
            return self.send(what, tx).await;
        }
        self.send(
            "approve",
            token
                .approve(self.manifest.market, need)
                .into_transaction_request(),
        )
        .await?;
        let sent = self.send(what, tx).await;
        if allowance().await? != before {
            let back = self
                .send(
                    "approve",
                    token
                        .approve(self.manifest.market, before)
                        .into_transaction_request(),
                )
                .await;
            if let Err(e) = back {
                tracing::warn!(
                    "the market's allowance could not be put back to {}: {e}",
                    swan(before)
                );
            }
        }
        sent
    }
}
