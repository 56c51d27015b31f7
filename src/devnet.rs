//! `swan devnet`: the embedded default — a local anvil chain with the contracts deployed.

use std::path::PathBuf;

use alloy::{
    network::EthereumWallet,
    node_bindings::{Anvil, AnvilInstance},
    providers::ProviderBuilder,
    signers::local::PrivateKeySigner,
};
use clap::Args;
use swan_contracts::{DeployConfig, anvil_path, deploy};

use crate::deploy_cmd::print_manifest;

/// Arguments of `swan devnet`.
#[derive(Debug, Args)]
pub(crate) struct DevnetArgs {
    /// Port anvil listens on (127.0.0.1 only); 0 picks a free one.
    #[arg(long, default_value_t = 8545)]
    port: u16,
    /// Seconds per block (0: a block per transaction).
    #[arg(long, default_value_t = 0)]
    block_time: u64,
    /// Where to write the manifest.
    #[arg(long, default_value = ".devnet/manifest.json")]
    manifest: PathBuf,
    /// Deploy, print the deployment and stop (instead of running until Ctrl-C).
    #[arg(long)]
    once: bool,
}

/// Why `swan devnet` failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DevnetError {
    /// anvil did not start.
    #[error(
        "cannot start anvil ({path}): {source}; run scripts/setup to install the pinned Foundry, or set SWAN_ANVIL"
    )]
    Anvil {
        /// The binary tried.
        path: String,
        /// Why it failed.
        source: alloy::node_bindings::NodeError,
    },
    /// The deployment failed.
    #[error(transparent)]
    Deploy(#[from] swan_contracts::DeployError),
    /// The manifest could not be written.
    #[error(transparent)]
    Manifest(#[from] swan_contracts::ManifestError),
    /// Waiting for Ctrl-C failed.
    #[error("cannot wait for Ctrl-C: {0}")]
    Signal(std::io::Error),
}

/// Start anvil on 127.0.0.1.
pub(crate) fn start_anvil(port: u16, block_time: u64) -> Result<AnvilInstance, DevnetError> {
    let path = anvil_path();
    let mut anvil = Anvil::at(&path).arg("--host").arg("127.0.0.1");
    if port != 0 {
        anvil = anvil.port(port);
    }
    if block_time != 0 {
        anvil = anvil.block_time(block_time);
    }
    anvil.try_spawn().map_err(|source| DevnetError::Anvil {
        path: path.display().to_string(),
        source,
    })
}

pub(crate) async fn run(args: DevnetArgs) -> Result<(), DevnetError> {
    let anvil = start_anvil(args.port, args.block_time)?;
    let deployer = PrivateKeySigner::from(anvil.keys()[0].clone());
    let me = deployer.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(deployer))
        .connect_http(anvil.endpoint_url());
    let cfg = DeployConfig::devnet(me, anvil.endpoint());
    let manifest = deploy(&provider, &cfg).await?;
    manifest.save(&args.manifest)?;
    print_manifest(&manifest, &args.manifest);
    print_endpoint(&anvil.endpoint());
    if args.once {
        return Ok(());
    }
    tracing::info!("devnet running; Ctrl-C stops it");
    tokio::signal::ctrl_c().await.map_err(DevnetError::Signal)?;
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_endpoint(url: &str) {
    println!("rpc           {url}");
}
