//! `swan devnet fund ADDRESS AMOUNT`: tokens (minted: the devnet's token lets anyone mint) and
//! gas for an address on a running local devnet — a new provider or submitter starts here.
//! Refused on any chain that is not a local devnet.

use std::path::PathBuf;

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
};
use clap::Args;
use swan_contracts::{
    DevToken, Manifest,
    units::{parse_swan, swan},
};

use crate::wallet::{ChainError, rpc_error};

/// The chain id anvil runs a devnet under.
const DEVNET_CHAIN: u64 = 31_337;
/// Gas money given to an address that has less: 10 of the native coin.
const GAS: u128 = 10_000_000_000_000_000_000;

/// `swan devnet fund`.
#[derive(Debug, Clone, Args)]
pub(crate) struct FundArgs {
    /// Who gets the tokens.
    address: Address,
    /// How many tokens, in SWAN (e.g. 1000 or 2.5).
    amount: String,
    /// The devnet's manifest.
    #[arg(long, env = "SWAN_MANIFEST", default_value = ".devnet/manifest.json")]
    manifest: PathBuf,
    /// RPC endpoint (default: the manifest's first).
    #[arg(long = "rpc-url", env = "SWAN_RPC_URL")]
    rpc_url: Option<String>,
}

/// Run `swan devnet fund`.
#[allow(clippy::print_stdout)]
pub(crate) async fn fund(a: FundArgs) -> Result<(), ChainError> {
    let amount = parse_swan(&a.amount).map_err(|e| ChainError::Arg(format!("AMOUNT: {e}")))?;
    if amount.is_zero() {
        return Err(ChainError::Arg(
            "AMOUNT: 0 SWAN funds nothing: give more".into(),
        ));
    }
    let manifest = Manifest::load(&a.manifest)?;
    if manifest.chain_id != DEVNET_CHAIN {
        return Err(ChainError::Arg(format!(
            "{} is a deployment on chain {}, not a local devnet ({DEVNET_CHAIN}): only a devnet mints tokens; elsewhere get SWAN from an exchange or faucet",
            a.manifest.display(),
            manifest.chain_id
        )));
    }
    let url = a
        .rpc_url
        .clone()
        .or_else(|| manifest.rpc_urls.first().cloned())
        .ok_or_else(|| ChainError::Arg("no RPC URL: give --rpc-url".into()))?;
    let url = url
        .parse()
        .map_err(|e| ChainError::Arg(format!("--rpc-url {url:?}: {e}")))?;
    let p = ProviderBuilder::new().connect_http(url);
    let chain = p
        .get_chain_id()
        .await
        .map_err(|e| rpc_error("reading the chain id", e))?;
    if chain != DEVNET_CHAIN {
        return Err(ChainError::Arg(format!(
            "the RPC serves chain {chain}, not a local devnet ({DEVNET_CHAIN}): only a devnet mints tokens"
        )));
    }
    // anvil's own accounts are unlocked: the first one sends the mint
    let from = *p
        .get_accounts()
        .await
        .map_err(|e| rpc_error("reading the devnet's accounts", e))?
        .first()
        .ok_or_else(|| {
            ChainError::Chain("the devnet has no unlocked account to send from".into())
        })?;
    let token = DevToken::new(manifest.token, &p);
    let mint = token
        .mint(a.address, amount)
        .from(from)
        .send()
        .await
        .map_err(|e| rpc_error("mint", e))?
        .get_receipt()
        .await
        .map_err(|e| rpc_error("mint", e))?;
    if !mint.status() {
        return Err(ChainError::Chain(format!(
            "mint: transaction {} reverted: is {} this devnet's token?",
            mint.transaction_hash, manifest.token
        )));
    }
    let gas = p
        .get_balance(a.address)
        .await
        .map_err(|e| rpc_error("reading the gas balance", e))?;
    if gas < U256::from(GAS / 10) {
        p.raw_request::<_, ()>("anvil_setBalance".into(), (a.address, U256::from(GAS)))
            .await
            .map_err(|e| rpc_error("anvil_setBalance", e))?;
    }
    let held = token
        .balanceOf(a.address)
        .call()
        .await
        .map_err(|e| rpc_error("reading the token balance", e))?;
    println!(
        "funded {:#x} with {}: it holds {} and gas for its transactions",
        a.address,
        swan(amount),
        swan(held)
    );
    Ok(())
}
