//! Gas and calldata of every step of a task's life, measured from real transaction receipts on a
//! local anvil (so the 21,000 base cost and calldata gas of each transaction are included).
//!
//! Run: `scripts/bench-gas` (or `cargo run --release -p swan-contracts --example gas_report`).
//! Prints a Markdown table; `contracts/README.md` records its output.

#![allow(clippy::print_stdout)] // a report: stdout is its output

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    node_bindings::Anvil,
    primitives::{Address, B256, U256, keccak256},
    providers::{Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
};
use swan_contracts::{
    DeployConfig, DevToken, ISwanMarket, SwanMarket, anvil_path, deploy, dev_params,
};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Row {
    step: &'static str,
    gas: u64,
    calldata: usize,
}

fn eth(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

#[tokio::main]
async fn main() -> Res<()> {
    let anvil = Anvil::at(anvil_path()).try_spawn()?;
    let keys: Vec<PrivateKeySigner> = anvil
        .keys()
        .iter()
        .map(|k| PrivateKeySigner::from(k.clone()))
        .collect();
    let (admin, submitter, owner, worker) = (&keys[0], &keys[1], &keys[2], &keys[3]);
    let mut wallet = EthereumWallet::from(admin.clone());
    for k in &keys[1..4] {
        wallet.register_signer(k.clone());
    }
    let provider = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(anvil.endpoint_url());
    let cfg = DeployConfig {
        token: None,
        admin: admin.address(),
        pauser: admin.address(),
        keepers: vec![admin.address()],
        params: dev_params(Address::repeat_byte(0x77)),
        admin_delay: 0,
        rpc_urls: vec![anvil.endpoint()],
        explorer: None,
    };
    let manifest = deploy(&provider, &cfg).await?;
    let market = SwanMarket::new(manifest.market, &provider);
    let token = DevToken::new(manifest.token, &provider);

    // set-up (not measured): a funded submitter with an internal balance, a staked provider
    for who in [submitter.address(), owner.address()] {
        token
            .mint(who, eth(1_000_000))
            .send()
            .await?
            .get_receipt()
            .await?;
        token
            .approve(manifest.market, U256::MAX)
            .from(who)
            .send()
            .await?
            .get_receipt()
            .await?;
    }
    market
        .deposit(eth(100_000))
        .from(submitter.address())
        .send()
        .await?
        .get_receipt()
        .await?;
    let info = ISwanMarket::ProviderInfo {
        worker: worker.address(),
        beneficiary: owner.address(),
        resources: ISwanMarket::Resources {
            cpuCores: 32,
            memoryGiB: 128,
            storageGiB: 2000,
            gpuCount: 1,
            gpuMemoryGiB: 80,
            gpuModel: B256::right_padding_from(b"A100-80G"),
        },
        prices: ISwanMarket::Prices {
            perCpuHour: alloy::primitives::Uint::from(10u128.pow(16)),
            perGiBMemoryHour: alloy::primitives::Uint::from(10u128.pow(15)),
            perGpuHour: alloy::primitives::Uint::from(10u128.pow(18)),
            perGiBStorageHour: alloy::primitives::Uint::from(10u128.pow(14)),
        },
        region: B256::right_padding_from(b"us-east"),
        taskTypes: 3,
        metadataURI: "https://provider.example/meta.json".into(),
    };
    market
        .registerProvider(info)
        .from(owner.address())
        .send()
        .await?
        .get_receipt()
        .await?;
    market
        .depositCollateral(eth(100_000))
        .from(owner.address())
        .send()
        .await?
        .get_receipt()
        .await?;

    let now = provider
        .get_block_by_number(Default::default())
        .await?
        .map(|b| b.header.timestamp)
        .unwrap_or_default();
    let request = |salt: u64| ISwanMarket::TaskRequest {
        mode: 0, // KeeperAttested
        replicas: 1,
        quorum: 0,
        collateralPct: 200,
        price: alloy::primitives::Uint::from(10u128 * 10u128.pow(18)),
        assignBy: (now + 3_600) as u32,
        resultBy: (now + 7_200) as u32,
        settleBy: (now + 10_800) as u32,
        specHash: keccak256(salt.to_be_bytes()),
        answerCommit: B256::ZERO,
        requirements: ISwanMarket::Resources {
            cpuCores: 8,
            memoryGiB: 32,
            storageGiB: 100,
            gpuCount: 1,
            gpuMemoryGiB: 40,
            gpuModel: B256::ZERO,
        },
        region: B256::right_padding_from(b"us-east"),
        specURI: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi".into(),
    };
    let price = U256::from(9u128 * 10u128.pow(18)); // agreed price below the cap: a refund happens
    let result_uri = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    async fn measured<P: Provider>(
        p: &P,
        tx: TransactionRequest,
    ) -> Res<(TransactionReceipt, usize)> {
        let calldata = tx.input.input().map(|b| b.len()).unwrap_or(0);
        let receipt = p
            .send_transaction(tx.with_gas_limit(15_000_000))
            .await?
            .get_receipt()
            .await?;
        if !receipt.status() {
            return Err(format!("transaction {} reverted", receipt.transaction_hash).into());
        }
        Ok((receipt, calldata))
    }

    // warm-up lifecycle so that every account's balance slot is already non-zero (steady state)
    for round in 0..2u64 {
        let mut rows = Vec::new();
        let id = task_id(
            submitter.address(),
            market.taskCount().call().await? + U256::from(1),
        );
        let (r, c) = measured(
            &provider,
            market
                .createTask(request(round))
                .from(submitter.address())
                .into_transaction_request(),
        )
        .await?;
        rows.push(Row {
            step: "createTask",
            gas: r.gas_used,
            calldata: c,
        });
        let (r, c) = measured(
            &provider,
            market
                .assign(id, vec![owner.address()], vec![price])
                .from(admin.address())
                .into_transaction_request(),
        )
        .await?;
        rows.push(Row {
            step: "assign",
            gas: r.gas_used,
            calldata: c,
        });
        let (r, c) = measured(
            &provider,
            market
                .submitResult(id, U256::ZERO, keccak256(b"result"), result_uri.into())
                .from(worker.address())
                .into_transaction_request(),
        )
        .await?;
        rows.push(Row {
            step: "submitResult",
            gas: r.gas_used,
            calldata: c,
        });
        let (r, c) = measured(
            &provider,
            market
                .settle(id, U256::from(1))
                .from(admin.address())
                .into_transaction_request(),
        )
        .await?;
        rows.push(Row {
            step: "settle",
            gas: r.gas_used,
            calldata: c,
        });
        if round == 1 {
            println!("## Single-replica batch lifecycle (KeeperAttested), steady state\n");
            println!("| step | gas (incl. 21,000 base) | calldata bytes |");
            println!("| --- | ---: | ---: |");
            for row in &rows {
                println!("| {} | {} | {} |", row.step, row.gas, row.calldata);
            }
            let gas: u64 = rows.iter().map(|r| r.gas).sum();
            let bytes: usize = rows.iter().map(|r| r.calldata).sum();
            println!("| **lifecycle total** | **{gas}** | **{bytes}** |\n");
            println!(
                "targets: gas <= 250000 ({}), calldata <= 1500 bytes ({})\n",
                verdict(gas <= 250_000),
                verdict(bytes <= 1500)
            );
        }
    }

    // settleBatch of 50 tasks
    let n = 50u64;
    let first = market.taskCount().call().await? + U256::from(1);
    for i in 0..n {
        let id = task_id(submitter.address(), first + U256::from(i));
        measured(
            &provider,
            market
                .createTask(request(100 + i))
                .from(submitter.address())
                .into_transaction_request(),
        )
        .await?;
        measured(
            &provider,
            market
                .assign(id, vec![owner.address()], vec![price])
                .from(admin.address())
                .into_transaction_request(),
        )
        .await?;
        measured(
            &provider,
            market
                .submitResult(id, U256::ZERO, keccak256(b"result"), result_uri.into())
                .from(worker.address())
                .into_transaction_request(),
        )
        .await?;
    }
    let ids: Vec<U256> = (0..n)
        .map(|i| task_id(submitter.address(), first + U256::from(i)))
        .collect();
    let masks = vec![U256::from(1); n as usize];
    let (r, c) = measured(
        &provider,
        market
            .settleBatch(ids, masks)
            .from(admin.address())
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
    Ok(())
}

/// A task id names its submitter: `submitter << 96 | n`.
fn task_id(submitter: Address, n: U256) -> U256 {
    (U256::from_be_slice(submitter.as_slice()) << 96) | n
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
