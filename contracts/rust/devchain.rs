//! Dev chains: the project's pinned Foundry binaries (installed by `scripts/setup` from npm), and
//! the few steps every devnet, test and benchmark takes on one (fund, register, send and insist).

use std::path::PathBuf;

use alloy::{
    network::TransactionBuilder,
    node_bindings::AnvilInstance,
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
};

/// The `anvil` to run: `$SWAN_ANVIL` if set, else the repository's pinned native binary
/// (`node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil`, run directly rather than through
/// npm's Node wrapper so that stopping it stops the node), else `anvil` on the PATH.
pub fn anvil_path() -> PathBuf {
    if let Some(path) = std::env::var_os("SWAN_ANVIL") {
        return PathBuf::from(path);
    }
    let pinned = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if pinned.exists() {
        pinned
    } else {
        PathBuf::from("anvil")
    }
}

/// A wallet holding the first `n` of a dev chain's funded keys (the first is the default
/// signer), and their addresses in the same order.
pub fn dev_wallet(
    anvil: &alloy::node_bindings::AnvilInstance,
    n: usize,
) -> (
    alloy::network::EthereumWallet,
    Vec<alloy::primitives::Address>,
) {
    let keys: Vec<alloy::signers::local::PrivateKeySigner> = anvil
        .keys()
        .iter()
        .take(n.max(1))
        .map(|k| k.clone().into())
        .collect();
    let mut wallet = alloy::network::EthereumWallet::from(keys[0].clone());
    for k in &keys[1..] {
        wallet.register_signer(k.clone());
    }
    (wallet, keys.iter().map(|k| k.address()).collect())
}

/// One token (the dev token has 18 decimals, like SWAN).
pub const TOKEN: u128 = 1_000_000_000_000_000_000;

/// `n` whole tokens, in wei.
pub fn tokens(n: u64) -> U256 {
    U256::from(n) * U256::from(TOKEN)
}

/// A label as the contracts store it: the text's bytes, right-padded to 32 (regions, GPU models).
pub fn label(s: &str) -> B256 {
    B256::right_padding_from(s.as_bytes())
}

/// A provider connected to a dev chain, signing with its first `n` funded keys; their addresses.
pub fn dev_provider(anvil: &AnvilInstance, n: usize) -> (DynProvider, Vec<Address>) {
    let (wallet, addrs) = dev_wallet(anvil, n);
    let p = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(anvil.endpoint_url())
        .erased();
    (p, addrs)
}

/// A transaction a dev-chain helper needed that did not go through.
#[derive(Debug, thiserror::Error)]
pub enum DevTxError {
    /// The dry run reverted (the contract's reason is in the message) or the RPC refused it.
    #[error("would revert: {0}")]
    WouldRevert(String),
    /// Sending it, or waiting for its receipt, failed.
    #[error("sending failed: {0}")]
    Send(String),
    /// It was mined and reverted.
    #[error("transaction {0} reverted")]
    Reverted(B256),
    /// It succeeded without the event it should have emitted.
    #[error("transaction {0} emitted no {1}")]
    NoEvent(B256, &'static str),
}

/// Dry-run `tx` (a revert comes back with its reason), send it with a fixed gas limit (no
/// estimate round trip) and wait for a successful receipt.
pub async fn send_ok(
    p: &DynProvider,
    tx: TransactionRequest,
) -> Result<TransactionReceipt, DevTxError> {
    p.call(tx.clone())
        .await
        .map_err(|e| DevTxError::WouldRevert(e.to_string()))?;
    let receipt = p
        .send_transaction(tx.with_gas_limit(10_000_000))
        .await
        .map_err(|e| DevTxError::Send(e.to_string()))?
        .get_receipt()
        .await
        .map_err(|e| DevTxError::Send(e.to_string()))?;
    if !receipt.status() {
        return Err(DevTxError::Reverted(receipt.transaction_hash));
    }
    Ok(receipt)
}

/// Mint `amount` dev tokens to each of `whos` and approve the market and the registry for all
/// of their tokens.
pub async fn fund(
    p: &DynProvider,
    manifest: &crate::Manifest,
    whos: &[Address],
    amount: U256,
) -> Result<(), DevTxError> {
    let token = crate::DevToken::new(manifest.token, p);
    for &who in whos {
        send_ok(p, token.mint(who, amount).into_transaction_request()).await?;
        for spender in [manifest.market, manifest.registry] {
            let approve = token.approve(spender, U256::MAX).from(who);
            send_ok(p, approve.into_transaction_request()).await?;
        }
    }
    Ok(())
}

/// A devnet's usual start: `owners` and `submitter` get `minted` tokens each, with the market and
/// the registry approved, and the submitter deposits `deposited` into the market's escrow.
pub async fn fund_market(
    p: &DynProvider,
    manifest: &crate::Manifest,
    (owners, submitter): (&[Address], Address),
    (minted, deposited): (U256, U256),
) -> Result<(), DevTxError> {
    fund(p, manifest, &[owners, &[submitter]].concat(), minted).await?;
    deposit(p, manifest.market, submitter, deposited).await
}

/// Deposit `amount` of `who`'s (approved) tokens into the market's escrow.
pub async fn deposit(
    p: &DynProvider,
    market: Address,
    who: Address,
    amount: U256,
) -> Result<(), DevTxError> {
    let market = crate::SwanMarket::new(market, p);
    let deposit = market.deposit(amount).from(who).into_transaction_request();
    send_ok(p, deposit).await.map(drop)
}

/// Register `info` as `owner`'s provider and deposit `collateral` for it.
pub async fn register_provider(
    p: &DynProvider,
    registry: Address,
    owner: Address,
    info: crate::registry::ISwanRegistry::ProviderInfo,
    collateral: U256,
) -> Result<(), DevTxError> {
    let registry = crate::SwanRegistry::new(registry, p);
    let register = registry.registerProvider(info).from(owner);
    send_ok(p, register.into_transaction_request()).await?;
    let deposit = registry.depositCollateral(collateral).from(owner);
    send_ok(p, deposit.into_transaction_request()).await?;
    Ok(())
}

/// The latest block's timestamp (unix seconds): task deadlines are set from the chain's clock.
pub async fn chain_time(p: &DynProvider) -> Result<u64, DevTxError> {
    let block = p
        .get_block_by_number(Default::default())
        .await
        .map_err(|e| DevTxError::Send(e.to_string()))?
        .ok_or_else(|| DevTxError::Send("the node has no latest block".into()))?;
    Ok(block.header.timestamp)
}

/// Terms that take every mode at any price, with collateral locked up to `max_collateral` (wei,
/// at most 2⁹⁶ − 1 as the registry packs it).
pub fn open_terms(max_collateral: U256) -> crate::registry::ISwanRegistry::Terms {
    crate::registry::ISwanRegistry::Terms {
        maxCollateral: max_collateral.to(),
        minPrice: Default::default(),
        minRate: Default::default(),
        modes: 0b1111,
    }
}

/// Create the task `req` as `submitter`; its id, from the `TaskCreated` event.
pub async fn create_task(
    p: &DynProvider,
    market: Address,
    submitter: Address,
    req: crate::ISwanMarket::TaskRequest,
) -> Result<U256, DevTxError> {
    let market = crate::SwanMarket::new(market, p);
    let create = market.createTask(req).from(submitter);
    let receipt = send_ok(p, create.into_transaction_request()).await?;
    receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<crate::SwanMarket::TaskCreated>().ok())
        .map(|created| created.inner.taskId)
        .ok_or(DevTxError::NoEvent(receipt.transaction_hash, "TaskCreated"))
}

/// [`send_ok`] for a call built with the bindings: `call_ok(p, market.settle(id, n).from(k))`.
pub async fn call_ok<P: Provider, D: alloy::contract::CallDecoder>(
    p: &DynProvider,
    call: alloy::contract::CallBuilder<P, D>,
) -> Result<TransactionReceipt, DevTxError> {
    send_ok(p, call.into_transaction_request()).await
}

/// The answer [`dev_request`]'s known-answer tasks commit to, sealed with [`DEV_SALT`].
pub const DEV_ANSWER: B256 = B256::repeat_byte(0xaa);
/// The salt sealing [`DEV_ANSWER`].
pub const DEV_SALT: B256 = B256::repeat_byte(0x55);

/// A devnet task of `mode` with `replicas`, its spec hash drawn from `salt`: a majority quorum
/// for quorum tasks, [`DEV_ANSWER`] committed for known-answer ones, a 10-token cap (a service:
/// 0.001 token a second for a day), assignment due within an hour of `now`, the result within
/// two, settlement within three; collateral 100 %, one core, 1 GiB of memory and of storage, no
/// region, no spec URI. The caller sets what its test is about.
pub fn dev_request(mode: u8, replicas: u8, now: u64, salt: u64) -> crate::ISwanMarket::TaskRequest {
    use alloy::sol_types::SolValue;
    let service = mode == crate::mode::SERVICE_HEALTH;
    let hours = |h: u64| (now + h * 3_600) as u32;
    crate::ISwanMarket::TaskRequest {
        mode,
        replicas,
        quorum: if mode == crate::mode::QUORUM {
            replicas / 2 + 1
        } else {
            0
        },
        collateralPct: 100,
        paramsVersion: 1,
        price: alloy::primitives::Uint::from(if service { TOKEN / 1_000 } else { 10 * TOKEN }),
        assignBy: hours(1),
        resultBy: if service { 86_400 } else { hours(2) },
        settleBy: if service { 0 } else { hours(3) },
        specHash: alloy::primitives::keccak256(salt.to_be_bytes()),
        answerCommit: if mode == crate::mode::KNOWN_ANSWER {
            alloy::primitives::keccak256((DEV_ANSWER, DEV_SALT).abi_encode())
        } else {
            B256::ZERO
        },
        requirements: crate::ISwanRegistry::Resources {
            cpuCores: 1,
            memoryGiB: 1,
            storageGiB: 1,
            ..Default::default()
        },
        region: B256::ZERO,
        specURI: String::new(),
    }
}

/// A task's requirements as a provider offers the same machine (the registry's copy of the type).
impl From<crate::ISwanRegistry::Resources> for crate::registry::ISwanRegistry::Resources {
    fn from(r: crate::ISwanRegistry::Resources) -> Self {
        Self {
            cpuCores: r.cpuCores,
            memoryGiB: r.memoryGiB,
            storageGiB: r.storageGiB,
            gpuCount: r.gpuCount,
            gpuMemoryGiB: r.gpuMemoryGiB,
            gpuModel: r.gpuModel,
        }
    }
}

/// A provider's registration on a dev chain: a 64-core machine with 256 GiB of memory and
/// 1,000 GiB of storage, no GPU, 1 wei an hour for each unit, open terms up to 10²⁷ wei of
/// collateral, no region, a loopback endpoint. The caller sets what its test is about.
pub fn dev_provider_info(
    worker: Address,
    beneficiary: Address,
) -> crate::registry::ISwanRegistry::ProviderInfo {
    use crate::registry::ISwanRegistry as Reg;
    let wei = alloy::primitives::Uint::from(1u8);
    Reg::ProviderInfo {
        worker,
        beneficiary,
        resources: Reg::Resources {
            cpuCores: 64,
            memoryGiB: 256,
            storageGiB: 1_000,
            ..Default::default()
        },
        prices: Reg::Prices {
            perCpuHour: wei,
            perGiBMemoryHour: wei,
            perGpuHour: wei,
            perGiBStorageHour: wei,
        },
        region: B256::ZERO,
        terms: open_terms(U256::from(10u128.pow(27))),
        metadataURI: "http://127.0.0.1:9000".into(),
    }
}
