//! Deploying the market: the same code path for anvil, Proxima testnet and Swan mainnet.

use alloy::{
    network::{Ethereum, TransactionBuilder},
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};

use crate::{DevToken, ISwanRegistry, Manifest, SwanMarket, abi_fingerprint};

/// What to deploy.
#[derive(Debug, Clone)]
pub struct DeployConfig {
    /// The payment token; `None` deploys a [`DevToken`] (dev chains only).
    pub token: Option<Address>,
    /// Governance admin.
    pub admin: Address,
    /// Pauser.
    pub pauser: Address,
    /// Keepers granted at deployment.
    pub keepers: Vec<Address>,
    /// Parameter version 1.
    pub params: ISwanRegistry::Params,
    /// Seconds every later governance change waits (1 to 30 days).
    pub admin_delay: u64,
    /// RPC URLs recorded in the manifest.
    pub rpc_urls: Vec<String>,
    /// Block explorer recorded in the manifest.
    pub explorer: Option<String>,
}

impl DeployConfig {
    /// A local devnet deployment: a fresh [`DevToken`], `operator` as admin, pauser and only
    /// keeper, [`dev_params`] with a fixed treasury nobody holds a key for, and the shortest
    /// governance delay the contracts accept (one day).
    pub fn devnet(operator: Address, rpc_url: String) -> Self {
        Self {
            token: None,
            admin: operator,
            pauser: operator,
            keepers: vec![operator],
            params: dev_params(DEVNET_TREASURY),
            admin_delay: MIN_ADMIN_DELAY,
            rpc_urls: vec![rpc_url],
            explorer: None,
        }
    }
}

/// The shortest governance delay the registry accepts (`MIN_ADMIN_DELAY`, seconds).
pub const MIN_ADMIN_DELAY: u64 = 86_400;

/// The devnet treasury: a fixed address nobody holds a key for on anvil.
pub const DEVNET_TREASURY: Address = Address::repeat_byte(0x7e);

/// Parameters for a local devnet: 5 % fee, 5 % expiry bounty, 100-token minimum collateral and
/// a one-minute unbonding delay.
pub fn dev_params(treasury: Address) -> ISwanRegistry::Params {
    ISwanRegistry::Params {
        feeBps: 500,
        bountyBps: 500,
        treasury,
        minCollateral: alloy::primitives::Uint::from(100u128 * 10u128.pow(18)),
        unbondingDelay: 60,
    }
}

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The RPC call failed (unreachable node, rejected transaction, ...).
    #[error("RPC error while deploying: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    /// A contract call or deployment failed.
    #[error("contract error while deploying: {0}")]
    Contract(#[from] alloy::contract::Error),
    /// The constructor refused the configuration (a typed revert of the market).
    #[error("the market's constructor refused the configuration: {0}")]
    Refused(String),
    /// The deployment transaction was mined but reverted or created no contract.
    #[error("deployment transaction {0} created no contract (reverted?)")]
    NoContract(alloy::primitives::B256),
    /// Waiting for the receipt failed.
    #[error("no receipt for the deployment: {0}")]
    Receipt(#[from] alloy::providers::PendingTransactionError),
}

/// Deploy the market (and a dev token if none is given) and describe the deployment.
pub async fn deploy<P: Provider<Ethereum>>(
    provider: &P,
    cfg: &DeployConfig,
) -> Result<Manifest, DeployError> {
    let chain_id = provider.get_chain_id().await?;
    let token = match cfg.token {
        Some(token) => token,
        None => *DevToken::deploy(provider).await?.address(),
    };
    let tx: TransactionRequest = SwanMarket::deploy_builder(
        provider,
        token,
        cfg.admin,
        cfg.pauser,
        cfg.keepers.clone(),
        cfg.params.clone(),
        U256::from(cfg.admin_delay),
    )
    .into_transaction_request();
    // simulate first: a bad configuration comes back as the contract's typed error
    if let Err(e) = provider.call(tx.clone()).await {
        // the registry validates the roles and parameters inside the market's constructor
        let decoded = e
            .as_error_resp()
            .and_then(|r| r.as_revert_data())
            .as_deref()
            .and_then(|d| crate::explain::explain(d));
        return Err(match decoded {
            Some(err) => DeployError::Refused(err),
            None => DeployError::Rpc(e),
        });
    }
    let tx = tx.with_gas_limit(10_000_000);
    let receipt = provider.send_transaction(tx).await?.get_receipt().await?;
    let market = receipt
        .contract_address
        .filter(|_| receipt.status())
        .ok_or(DeployError::NoContract(receipt.transaction_hash))?;
    let registry = SwanMarket::new(market, provider).registry().call().await?;
    Ok(Manifest {
        chain_id,
        rpc_urls: cfg.rpc_urls.clone(),
        market,
        registry,
        token,
        start_block: receipt.block_number.unwrap_or_default(),
        deploy_tx: receipt.transaction_hash,
        abi_fingerprint: abi_fingerprint(),
        explorer: cfg.explorer.clone(),
    })
}
