//! `swan deploy`: deploy the market to any chain and write its manifest.

use std::path::PathBuf;

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use clap::Args;
use swan_contracts::{DeployConfig, ISwanRegistry, deploy};

use crate::networks::Network;

/// Arguments of `swan deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// Which chain: its chain id is checked against the RPC's answer.
    #[arg(long, value_enum, default_value = "local")]
    network: Network,
    /// RPC endpoint (default: the network's public endpoint).
    #[arg(long)]
    rpc_url: Option<String>,
    /// The payment token (SWAN). Required except on `--network local`, where a dev token is deployed.
    #[arg(long)]
    token: Option<Address>,
    /// Governance admin (default: the deployer).
    #[arg(long)]
    admin: Option<Address>,
    /// Pauser (default: the deployer).
    #[arg(long)]
    pauser: Option<Address>,
    /// Keepers granted at deployment (repeatable; default: the deployer).
    #[arg(long = "keeper")]
    keepers: Vec<Address>,
    /// Treasury that receives fees and slashes; never a keeper (default: on a local chain a fixed
    /// address nobody holds a key for, elsewhere the deployer).
    #[arg(long)]
    treasury: Option<Address>,
    /// Protocol fee in basis points (at most 1000).
    #[arg(long, default_value_t = 500)]
    fee_bps: u16,
    /// Share of a no-show's slash paid to whoever calls `expire`, in basis points (at most 1000;
    /// the rest of every slash goes to the treasury, never to a submitter).
    #[arg(long, default_value_t = 500)]
    bounty_bps: u16,
    /// Minimum stake (in whole tokens) a provider needs to take tasks.
    #[arg(long, default_value_t = 100)]
    min_collateral: u64,
    /// Seconds between a collateral withdrawal request and the withdrawal.
    #[arg(long, default_value_t = 7 * 24 * 3600)]
    unbonding_delay: u32,
    /// Seconds every later governance change waits (1 to 30 days).
    #[arg(long, default_value_t = 2 * 24 * 3600)]
    admin_delay: u64,
    /// Where to write the manifest.
    #[arg(long, default_value = "manifest.json")]
    out: PathBuf,
}

/// Why `swan deploy` failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeployCmdError {
    /// No key in the environment.
    #[error(
        "SWAN_PRIVATE_KEY is not set: export the deployer's private key (hex) in SWAN_PRIVATE_KEY"
    )]
    NoKey,
    /// The key does not parse.
    #[error("SWAN_PRIVATE_KEY is not a valid private key (expected 32 bytes of hex)")]
    BadKey,
    /// The RPC URL does not parse.
    #[error("--rpc-url {0:?} is not a valid URL")]
    BadUrl(String),
    /// The RPC is unreachable or answered an error.
    #[error("cannot reach the RPC at {url}: {source}")]
    Unreachable {
        /// The endpoint.
        url: String,
        /// The transport error.
        source: alloy::transports::TransportError,
    },
    /// The RPC is on another chain than the network named.
    #[error("the RPC at {url} is chain {actual}, but --network {network:?} is chain {expected}")]
    WrongChain {
        /// The endpoint.
        url: String,
        /// The network named.
        network: Network,
        /// Its chain id.
        expected: u64,
        /// The RPC's chain id.
        actual: u64,
    },
    /// A public network needs the real token.
    #[error(
        "--token is required on --network {0:?} (a dev token is only deployed on a local chain)"
    )]
    NoToken(Network),
    /// The treasury would be a keeper, which the contracts refuse.
    #[error(
        "the treasury {0} is also a keeper, which the contracts refuse (a keeper must never receive what its verdicts slash): give --treasury an address that is not a keeper"
    )]
    TreasuryIsKeeper(Address),
    /// The deployment failed.
    #[error(transparent)]
    Deploy(#[from] swan_contracts::DeployError),
    /// The manifest could not be written.
    #[error(transparent)]
    Manifest(#[from] swan_contracts::ManifestError),
}

pub(crate) async fn run(args: DeployArgs) -> Result<(), DeployCmdError> {
    let key = std::env::var("SWAN_PRIVATE_KEY").map_err(|_| DeployCmdError::NoKey)?;
    let signer: PrivateKeySigner = key.trim().parse().map_err(|_| DeployCmdError::BadKey)?;
    let url = args
        .rpc_url
        .clone()
        .unwrap_or_else(|| args.network.default_rpc().to_owned());
    let parsed = url
        .parse()
        .map_err(|_| DeployCmdError::BadUrl(url.clone()))?;
    if args.token.is_none() && args.network != Network::Local {
        return Err(DeployCmdError::NoToken(args.network));
    }
    let me = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(parsed);
    let actual = provider
        .get_chain_id()
        .await
        .map_err(|source| DeployCmdError::Unreachable {
            url: url.clone(),
            source,
        })?;
    let expected = args.network.chain_id();
    if actual != expected {
        return Err(DeployCmdError::WrongChain {
            url,
            network: args.network,
            expected,
            actual,
        });
    }
    let keepers = if args.keepers.is_empty() {
        vec![me]
    } else {
        args.keepers
    };
    let treasury = match args.treasury {
        Some(t) => t,
        None if args.network == Network::Local => swan_contracts::DEVNET_TREASURY,
        None => me,
    };
    if keepers.contains(&treasury) {
        return Err(DeployCmdError::TreasuryIsKeeper(treasury));
    }
    let cfg = DeployConfig {
        token: args.token,
        admin: args.admin.unwrap_or(me),
        pauser: args.pauser.unwrap_or(me),
        keepers,
        params: ISwanRegistry::Params {
            feeBps: args.fee_bps,
            bountyBps: args.bounty_bps,
            treasury,
            minCollateral: alloy::primitives::Uint::from(
                U256::from(args.min_collateral) * U256::from(10u64).pow(U256::from(18)),
            ),
            unbondingDelay: args.unbonding_delay,
        },
        admin_delay: args.admin_delay,
        rpc_urls: vec![url],
        explorer: args.network.explorer().map(str::to_owned),
    };
    let manifest = deploy(&provider, &cfg).await?;
    manifest.save(&args.out)?;
    tracing::info!(market = %manifest.market, registry = %manifest.registry, token = %manifest.token, block = manifest.start_block, "deployed");
    print_manifest(&manifest, &args.out);
    Ok(())
}

/// Print a deployment for people (stdout is the command's output).
#[allow(clippy::print_stdout)]
pub(crate) fn print_manifest(m: &swan_contracts::Manifest, path: &std::path::Path) {
    print!("{}", manifest_text(m, path));
}

/// The deployment, a line a field.
pub(crate) fn manifest_text(m: &swan_contracts::Manifest, path: &std::path::Path) -> String {
    format!(
        "chain id      {}\nSwanMarket    {}\ntoken         {}\nstart block   {}\ndeploy tx     {}\nmanifest      {}\n",
        m.chain_id,
        m.market,
        m.token,
        m.start_block,
        m.deploy_tx,
        path.display()
    )
}
