//! Gas and calldata of every step of a task's life, measured from real transaction receipts on a
//! local anvil (so the 21,000 base cost and calldata gas of each transaction are included).
//!
//! Run: `scripts/bench-gas` (or `cargo run --release -p swan-contracts --example gas_report`).
//! Prints a Markdown table; `contracts/README.md` records its output.

#![allow(clippy::print_stdout)] // a report: stdout is its output

use alloy::sol_types::SolValue;
use alloy::{
    network::TransactionBuilder,
    node_bindings::Anvil,
    primitives::{Address, B256, U256, keccak256},
    providers::{Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
};
use swan_contracts::{
    DeployConfig, DevToken, ISwanMarket, ISwanRegistry, SwanMarket, SwanRegistry, anvil_path,
    deploy, dev_wallet, registry::ISwanRegistry as Reg,
};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

/// A task id names its submitter: `submitter << 96 | n`.
fn task_id(submitter: Address, n: U256) -> U256 {
    (U256::from_be_slice(submitter.as_slice()) << 96) | n
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

/// Sends transactions and keeps a table of their receipts' gas and calldata.
struct Meter<P> {
    provider: P,
    rows: Vec<(String, String, u64, usize)>,
}

impl<P: Provider> Meter<P> {
    async fn send(&self, tx: TransactionRequest) -> Res<(TransactionReceipt, usize)> {
        let calldata = tx.input.input().map(|b| b.len()).unwrap_or(0);
        let receipt = self
            .provider
            .send_transaction(tx.with_gas_limit(15_000_000))
            .await?
            .get_receipt()
            .await?;
        if !receipt.status() {
            return Err(format!("transaction {} reverted", receipt.transaction_hash).into());
        }
        Ok((receipt, calldata))
    }

    async fn step(&mut self, lifecycle: &str, step: &str, tx: TransactionRequest) -> Res<u64> {
        let (r, c) = self.send(tx).await?;
        self.rows
            .push((lifecycle.into(), step.into(), r.gas_used, c));
        Ok(r.gas_used)
    }

    async fn warp(&self, seconds: u64) -> Res<()> {
        let _: serde_json::Value = self
            .provider
            .raw_request("evm_increaseTime".into(), (seconds,))
            .await?;
        let _: serde_json::Value = self.provider.raw_request("evm_mine".into(), ()).await?;
        Ok(())
    }

    async fn now(&self) -> Res<u64> {
        Ok(self
            .provider
            .get_block_by_number(Default::default())
            .await?
            .map(|b| b.header.timestamp)
            .unwrap_or_default())
    }

    fn print_lifecycle(&self, lifecycle: &str) -> (u64, usize) {
        let (mut gas, mut bytes) = (0, 0);
        for (l, step, g, c) in self.rows.iter().filter(|r| r.0 == lifecycle) {
            println!("| {l} | {step} | {g} | {c} |");
            gas += g;
            bytes += c;
        }
        println!("| **{lifecycle}** | **total** | **{gas}** | **{bytes}** |");
        (gas, bytes)
    }
}

fn resources() -> ISwanRegistry::Resources {
    ISwanRegistry::Resources {
        cpuCores: 8,
        memoryGiB: 32,
        storageGiB: 100,
        gpuCount: 1,
        gpuMemoryGiB: 40,
        gpuModel: B256::ZERO,
    }
}

fn request(now: u64, mode: u8, replicas: u8, salt: u64) -> ISwanMarket::TaskRequest {
    ISwanMarket::TaskRequest {
        collateralPct: 200,
        requirements: resources(),
        region: B256::right_padding_from(b"us-east"),
        specURI: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi".into(),
        ..swan_contracts::dev_request(mode, replicas, now, salt)
    }
}

use swan_contracts::{DEV_ANSWER as ANSWER, DEV_SALT as SALT};
const RESULT_URI: &str = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

#[tokio::main]
async fn main() -> Res<()> {
    let anvil = Anvil::at(anvil_path()).try_spawn()?;
    let (wallet, keys) = dev_wallet(&anvil, 8);
    let (admin, submitter) = (keys[0], keys[1]);
    let owners: Vec<Address> = keys[2..5].to_vec();
    let workers: Vec<Address> = keys[5..8].to_vec();
    let provider = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(anvil.endpoint_url());
    let cfg = DeployConfig::devnet(admin, anvil.endpoint());
    let manifest = deploy(&provider, &cfg).await?;
    let market = SwanMarket::new(manifest.market, &provider);
    let registry = SwanRegistry::new(manifest.registry, &provider);
    let token = DevToken::new(manifest.token, &provider);
    let mut m = Meter {
        provider: provider.clone(),
        rows: Vec::new(),
    };

    // set-up (not measured): a funded submitter with an internal balance, three staked providers
    for who in std::iter::once(submitter).chain(owners.iter().copied()) {
        m.send(token.mint(who, eth(1_000_000)).into_transaction_request())
            .await?;
        for spender in [manifest.market, manifest.registry] {
            m.send(
                token
                    .approve(spender, U256::MAX)
                    .from(who)
                    .into_transaction_request(),
            )
            .await?;
        }
    }
    m.send(
        market
            .deposit(eth(100_000))
            .from(submitter)
            .into_transaction_request(),
    )
    .await?;
    for (owner, worker) in owners.iter().zip(&workers) {
        let r = resources();
        let info = Reg::ProviderInfo {
            worker: *worker,
            beneficiary: *owner,
            resources: r.into(),
            prices: Reg::Prices {
                perCpuHour: alloy::primitives::Uint::from(10u128.pow(16)),
                perGiBMemoryHour: alloy::primitives::Uint::from(10u128.pow(15)),
                perGpuHour: alloy::primitives::Uint::from(10u128.pow(18)),
                perGiBStorageHour: alloy::primitives::Uint::from(10u128.pow(14)),
            },
            region: B256::right_padding_from(b"us-east"),
            terms: Reg::Terms {
                maxCollateral: alloy::primitives::Uint::from(eth(100_000)),
                minPrice: alloy::primitives::Uint::ZERO,
                minRate: alloy::primitives::Uint::ZERO,
                modes: 0b1111,
            },
            metadataURI: "https://provider.example/meta.json".into(),
        };
        m.send(
            registry
                .registerProvider(info)
                .from(*owner)
                .into_transaction_request(),
        )
        .await?;
        m.send(
            registry
                .depositCollateral(eth(100_000))
                .from(*owner)
                .into_transaction_request(),
        )
        .await?;
    }
    let next_id = || async {
        Ok::<U256, Box<dyn std::error::Error>>(task_id(
            submitter,
            market.taskCount().call().await? + U256::from(1),
        ))
    };
    let price = U256::from(9u128 * 10u128.pow(18)); // agreed below the cap: a refund happens
    let (o0, w0) = (owners[0], workers[0]);
    let create = |now: u64, mode: u8, replicas: u8, salt: u64| {
        market
            .createTask(request(now, mode, replicas, salt))
            .from(submitter)
            .into_transaction_request()
    };
    let assign = |id: U256, providers: Vec<Address>, prices: Vec<U256>| {
        market
            .assign(id, providers, prices)
            .from(admin)
            .into_transaction_request()
    };
    let submit = |id: U256, i: u64, result: B256, uri: &str, worker: Address| {
        market
            .submitResult(id, U256::from(i), result, uri.into())
            .from(worker)
            .into_transaction_request()
    };

    // ---- single-replica keeper-attested batch; the first round warms every account (steady state)
    for round in 0..2u64 {
        let l = if round == 0 {
            "warm-up"
        } else {
            "batch, keeper-attested, 1 replica"
        };
        let (id, now) = (next_id().await?, m.now().await?);
        m.step(l, "createTask", create(now, 0, 1, round)).await?;
        m.step(l, "assign", assign(id, vec![o0], vec![price]))
            .await?;
        m.step(
            l,
            "submitResult",
            submit(id, 0, keccak256(b"result"), RESULT_URI, w0),
        )
        .await?;
        m.step(
            l,
            "settle",
            market
                .settle(id, U256::from(1))
                .from(admin)
                .into_transaction_request(),
        )
        .await?;
    }

    // ---- known answer (sealed): commit, reveal, the answer's reveal settles
    let l = "batch, known answer, 1 replica";
    let (id, now) = (next_id().await?, m.now().await?);
    m.step(l, "createTask", create(now, 1, 1, 10)).await?;
    m.step(l, "assign", assign(id, vec![o0], vec![price]))
        .await?;
    let commit = keccak256((id, U256::ZERO, ANSWER, SALT).abi_encode());
    m.step(l, "submitResult (commit)", submit(id, 0, commit, "", w0))
        .await?;
    let tx = market
        .revealResult(id, U256::ZERO, ANSWER, SALT, RESULT_URI.into())
        .from(w0)
        .into_transaction_request();
    m.step(l, "revealResult", tx).await?;
    let reveal = market
        .revealAnswer(id, ANSWER, SALT)
        .from(submitter)
        .into_transaction_request();
    m.step(l, "revealAnswer (settles)", reveal).await?;

    // ---- quorum of 2 out of 3: commit, reveal; the last reveal settles (one dissenter slashed)
    let l = "batch, quorum 2 of 3";
    let (id, now) = (next_id().await?, m.now().await?);
    m.step(l, "createTask", create(now, 2, 3, 11)).await?;
    m.step(l, "assign", assign(id, owners.clone(), vec![price; 3]))
        .await?;
    let results = [keccak256(b"good"), keccak256(b"good"), keccak256(b"bad")];
    for (i, w) in workers.iter().enumerate() {
        let commit = keccak256((id, U256::from(i), results[i], SALT).abi_encode());
        // a commit needs no URI: the result is revealed on chain
        m.step(
            l,
            "submitResult (commit)",
            submit(id, i as u64, commit, "", *w),
        )
        .await?;
    }
    for (i, w) in workers.iter().enumerate() {
        let step = if i == 2 {
            "revealResult (last: settles)"
        } else {
            "revealResult"
        };
        let tx = market
            .revealResult(id, U256::from(i), results[i], SALT, RESULT_URI.into())
            .from(*w)
            .into_transaction_request();
        m.step(l, step, tx).await?;
    }

    // ---- service: a day at a per-second rate, claimed, extended, terminated
    let l = "service, 1 replica";
    let (id, now) = (next_id().await?, m.now().await?);
    m.step(l, "createTask", create(now, 3, 1, 12)).await?;
    m.step(
        l,
        "assign",
        assign(id, vec![o0], vec![U256::from(9u128 * 10u128.pow(14))]),
    )
    .await?;
    m.warp(3_600).await?;
    m.step(
        l,
        "claimService",
        market
            .claimService(id, U256::ZERO)
            .into_transaction_request(),
    )
    .await?;
    m.step(
        l,
        "extendService",
        market
            .extendService(id, 3_600)
            .from(submitter)
            .into_transaction_request(),
    )
    .await?;
    m.warp(600).await?;
    m.step(
        l,
        "terminateService",
        market
            .terminateService(id)
            .from(submitter)
            .into_transaction_request(),
    )
    .await?;

    // ---- a provider declines; a service provider gives notice after an extension
    let l = "batch, declined";
    let (id, now) = (next_id().await?, m.now().await?);
    m.step(l, "createTask", create(now, 0, 1, 14)).await?;
    m.step(l, "assign", assign(id, vec![o0], vec![price]))
        .await?;
    m.step(
        l,
        "declineTask (cancels)",
        market
            .declineTask(id, U256::ZERO)
            .from(w0)
            .into_transaction_request(),
    )
    .await?;
    let l = "service, notice";
    let (id, now) = (next_id().await?, m.now().await?);
    m.step(l, "createTask", create(now, 3, 1, 15)).await?;
    m.step(
        l,
        "assign",
        assign(id, vec![o0], vec![U256::from(9u128 * 10u128.pow(14))]),
    )
    .await?;
    m.step(
        l,
        "extendService",
        market
            .extendService(id, 86_400)
            .from(submitter)
            .into_transaction_request(),
    )
    .await?;
    m.step(
        l,
        "leaveService",
        market
            .leaveService(id, U256::ZERO)
            .from(o0)
            .into_transaction_request(),
    )
    .await?;
    m.warp(86_400 + 1).await?;
    m.step(
        l,
        "claimService (ends it)",
        market
            .claimService(id, U256::ZERO)
            .into_transaction_request(),
    )
    .await?;

    // ---- a no-show, expired by anyone after resultBy
    let l = "batch, no-show expired";
    let (id, now) = (next_id().await?, m.now().await?);
    m.step(l, "createTask", create(now, 0, 1, 13)).await?;
    m.step(l, "assign", assign(id, vec![o0], vec![price]))
        .await?;
    m.warp(7_300).await?;
    m.step(
        l,
        "expire (slash, bounty)",
        market.expire(id).from(owners[2]).into_transaction_request(),
    )
    .await?;

    println!("## Gas and calldata per step, from anvil receipts (21,000 base cost included)\n");
    println!("| lifecycle | step | gas | calldata bytes |");
    println!("| --- | --- | ---: | ---: |");
    let (gas, bytes) = m.print_lifecycle("batch, keeper-attested, 1 replica");
    for l in [
        "batch, known answer, 1 replica",
        "batch, quorum 2 of 3",
        "service, 1 replica",
        "batch, declined",
        "service, notice",
        "batch, no-show expired",
    ] {
        m.print_lifecycle(l);
    }
    println!();
    println!(
        "single-replica batch lifecycle: {gas} gas (target <= 260000: {}), {bytes} calldata bytes (target <= 1500: {})\n",
        verdict(gas <= 260_000),
        verdict(bytes <= 1500)
    );

    // ---- settleBatch of 50 tasks
    let n = 50u64;
    let mut ids = Vec::new();
    for i in 0..n {
        let (id, now) = (next_id().await?, m.now().await?);
        m.send(create(now, 0, 1, 100 + i)).await?;
        m.send(assign(id, vec![o0], vec![price])).await?;
        m.send(submit(id, 0, keccak256(b"result"), RESULT_URI, w0))
            .await?;
        ids.push(id);
    }
    // ---- submitResults: 50 more tasks' results from one worker in one call
    let mut batch = Vec::new();
    for i in 0..n {
        let (id, now) = (next_id().await?, m.now().await?);
        m.send(create(now, 0, 1, 200 + i)).await?;
        m.send(assign(id, vec![o0], vec![price])).await?;
        batch.push(id);
    }
    let k = batch.len();
    let (rs, cs) = m
        .send(
            market
                .submitResults(
                    batch,
                    vec![U256::ZERO; k],
                    vec![keccak256(b"result"); k],
                    vec![RESULT_URI.to_owned(); k],
                )
                .from(w0)
                .into_transaction_request(),
        )
        .await?;
    let masks = vec![U256::from(1); n as usize];
    let (r, c) = m
        .send(
            market
                .settleBatch(ids, masks)
                .from(admin)
                .into_transaction_request(),
        )
        .await?;
    println!("## settleBatch of {n} single-replica tasks\n");
    println!("| measure | value |");
    println!("| --- | ---: |");
    println!("| total gas (incl. 21,000 base) | {} |", r.gas_used);
    println!("| gas per task settled | {} |", r.gas_used / n);
    println!("| calldata bytes | {c} |");
    println!("| calldata bytes per task | {} |\n", c as u64 / n);
    println!(
        "target: <= 30000 gas per task ({})",
        verdict(r.gas_used / n <= 30_000)
    );
    println!("\n## submitResults of {n} results from one worker\n");
    println!("| measure | value |");
    println!("| --- | ---: |");
    println!("| total gas (incl. 21,000 base) | {} |", rs.gas_used);
    println!("| gas per result | {} |", rs.gas_used / n);
    println!("| calldata bytes per result | {} |", cs as u64 / n);
    Ok(())
}
