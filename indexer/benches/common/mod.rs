//! What the indexer's benchmarks share: a chain of market lifecycles from the project's own
//! contracts on anvil (a provider whose worker is the bench driver, the driver as keeper), and
//! counts read from the environment.

#![allow(dead_code)] // each benchmark uses its part

use alloy::{
    network::TransactionBuilder,
    primitives::{B256, U256, Uint, keccak256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use swan_contracts::{DeployConfig, DevToken, SwanRegistry, bench_driver, deploy};

pub(crate) type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Lifecycles per driver transaction (5 events each; ~17 M gas, under anvil's 30 M block limit).
pub(crate) const PER_TX: u64 = 100;

pub(crate) fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

pub(crate) async fn send<P: Provider>(p: &P, tx: TransactionRequest) -> Res<u64> {
    let r = p
        .send_transaction(tx.with_gas_limit(29_000_000))
        .await?
        .get_receipt()
        .await?;
    if !r.status() {
        return Err(format!("transaction {} reverted", r.transaction_hash).into());
    }
    Ok(r.block_number.unwrap_or_default())
}

/// A count from the environment: `default` when unset, an error naming the variable when it is
/// not a whole number of at least 1.
pub(crate) fn env_count(name: &str, default: u64) -> Res<u64> {
    match std::env::var(name) {
        Err(std::env::VarError::NotPresent) => Ok(default),
        Ok(v) => match v.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{name} must be a whole number of at least 1, got {v:?}").into()),
        },
        Err(e) => Err(format!("{name}: {e}").into()),
    }
}

/// The task every driver lifecycle creates (deadlines far past the chain's clock) and the price
/// it is assigned at.
pub(crate) async fn bench_request<P: Provider>(
    p: &P,
) -> Res<(bench_driver::ISwanMarket::TaskRequest, U256)> {
    let now = p
        .get_block_by_number(Default::default())
        .await?
        .map(|b| b.header.timestamp)
        .unwrap_or_default();
    let request = bench_driver::ISwanMarket::TaskRequest {
        mode: 0,
        replicas: 1,
        quorum: 0,
        collateralPct: 100,
        paramsVersion: 1,
        price: Uint::from(10u128.pow(18)),
        assignBy: (now + 200 * 86_400) as u32,
        resultBy: (now + 201 * 86_400) as u32,
        settleBy: (now + 202 * 86_400) as u32,
        specHash: keccak256(b"bench"),
        answerCommit: B256::ZERO,
        requirements: bench_driver::ISwanRegistry::Resources {
            cpuCores: 1,
            memoryGiB: 1,
            storageGiB: 1,
            gpuCount: 0,
            gpuMemoryGiB: 0,
            gpuModel: B256::ZERO,
        },
        region: B256::ZERO,
        specURI: "ipfs://bench-spec".into(),
    };
    let price = U256::from(9u128 * 10u128.pow(17));
    Ok((request, price))
}

/// Deploy the market and the driver, then run lifecycles until the chain holds `target` events:
/// the manifest, the driver's address and the number of driver transactions.
pub(crate) async fn build_chain<P: Provider>(
    p: &P,
    anvil: &alloy::node_bindings::AnvilInstance,
    admin: alloy::primitives::Address,
    owner: alloy::primitives::Address,
    target: u64,
) -> Res<(swan_contracts::Manifest, alloy::primitives::Address, u64)> {
    let manifest = deploy(p, &DeployConfig::devnet(admin, anvil.endpoint())).await?;
    let token = DevToken::new(manifest.token, p);
    let registry = SwanRegistry::new(manifest.registry, p);
    let driver =
        bench_driver::BenchDriver::deploy(p, manifest.market, manifest.token, owner).await?;
    let d = *driver.address();
    let worker = driver.worker().call().await?;

    // the provider (its worker is the driver's worker contract), the driver's funds, the driver
    // as keeper
    send(
        p,
        token.mint(owner, eth(1_000_000)).into_transaction_request(),
    )
    .await?;
    send(
        p,
        token
            .approve(manifest.registry, U256::MAX)
            .from(owner)
            .into_transaction_request(),
    )
    .await?;
    let mut info = swan_contracts::dev_provider_info(worker, owner);
    (info.resources.gpuCount, info.resources.gpuMemoryGiB) = (8, 80);
    info.region = B256::right_padding_from(b"bench");
    info.terms = swan_contracts::open_terms(eth(10_000));
    info.metadataURI = "http://127.0.0.1/bench".into();
    send(
        p,
        registry
            .registerProvider(info)
            .from(owner)
            .into_transaction_request(),
    )
    .await?;
    send(
        p,
        registry
            .depositCollateral(eth(10_000))
            .from(owner)
            .into_transaction_request(),
    )
    .await?;
    send(
        p,
        token.mint(d, eth(100_000_000)).into_transaction_request(),
    )
    .await?;
    send(
        p,
        driver.deposit(eth(100_000_000)).into_transaction_request(),
    )
    .await?;
    send(p, registry.scheduleKeeper(d).into_transaction_request()).await?;
    let delay = swan_contracts::MIN_ADMIN_DELAY + 1;
    let _: serde_json::Value = p.raw_request("evm_increaseTime".into(), (delay,)).await?;
    send(p, registry.applyKeeper(d).into_transaction_request()).await?;

    let txs = target.div_ceil(PER_TX * 5);
    more_lifecycles(p, d, txs).await?;
    Ok((manifest, d, txs))
}

/// `n` more driver transactions of [`PER_TX`] lifecycles each.
pub(crate) async fn more_lifecycles<P: Provider>(
    p: &P,
    driver: alloy::primitives::Address,
    n: u64,
) -> Res<()> {
    let driver = bench_driver::BenchDriver::new(driver, p);
    let (request, price) = bench_request(p).await?;
    for _ in 0..n {
        send(
            p,
            driver
                .run(U256::from(PER_TX), request.clone(), price)
                .into_transaction_request(),
        )
        .await?;
    }
    Ok(())
}

/// The API address a `swan-indexer` child started with `--listen` prints on stderr (its stderr
/// piped); the rest of its log is drained in the background.
pub(crate) fn api_url(child: &mut std::process::Child) -> Res<String> {
    use std::io::{BufRead, BufReader};
    let mut lines = BufReader::new(child.stderr.take().ok_or("no stderr")?).lines();
    let api = loop {
        let line = lines.next().ok_or("the indexer exited")??;
        if let Some(url) = line.strip_prefix("indexer API on ") {
            break url.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {}); // keep draining its log
    Ok(api)
}
