//! The money model (`swan_contracts::money`) against the deployed contract, to the wei: random
//! batch tasks (cap, agreed price, collateral percentage, verdict) and service streams run on
//! anvil, and every figure the model predicts — collateral locked, payout, fee, slash, refund,
//! stream claims — is compared with what the contract's views and balances show.

use alloy::{
    node_bindings::Anvil,
    primitives::{Address, U256, Uint, keccak256},
    providers::Provider,
};
use swan_contracts::{
    DEVNET_TREASURY, DeployConfig, DevToken, ISwanMarket, SwanMarket, SwanRegistry, anvil_path,
    call_ok, deploy, dev_params, dev_provider, dev_provider_info, dev_request, mode, money,
    registry::ISwanRegistry as Reg,
};

/// xorshift64: the same draws on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform-ish in `1..=max`, over every magnitude (a random bit length first).
    fn amount(&mut self, max: u128) -> u128 {
        let bits = self.next() % 128;
        let raw = (u128::from(self.next()) << 64 | u128::from(self.next())) >> (127 - bits);
        raw % max + 1
    }
}

#[tokio::test]
async fn every_figure_of_the_money_model_equals_the_contract_s() {
    let anvil = Anvil::at(anvil_path()).try_spawn().unwrap();
    let (p, keys) = dev_provider(&anvil, 4);
    let (keeper, submitter, owner, worker) = (keys[0], keys[1], keys[2], keys[3]);
    let manifest = deploy(&p, &DeployConfig::devnet(keeper, anvil.endpoint()))
        .await
        .unwrap();
    let params = dev_params(DEVNET_TREASURY);
    let market = SwanMarket::new(manifest.market, &p);
    let registry = SwanRegistry::new(manifest.registry, &p);
    let token = DevToken::new(manifest.token, &p);
    let big = U256::from(10u128.pow(28)); // amounts are uint96 on chain (≤ 7.9·10²⁸)
    for who in [submitter, owner] {
        call_ok(&p, token.mint(who, big)).await.unwrap();
        for spender in [manifest.market, manifest.registry] {
            let approve = token.approve(spender, U256::MAX).from(who);
            call_ok(&p, approve).await.unwrap();
        }
    }
    call_ok(&p, market.deposit(big / U256::from(2)).from(submitter))
        .await
        .unwrap();
    let info = Reg::ProviderInfo {
        prices: Reg::Prices {
            perCpuHour: Uint::from(1u64),
            ..Default::default()
        },
        ..dev_provider_info(worker, owner)
    };
    call_ok(&p, registry.registerProvider(info).from(owner))
        .await
        .unwrap();
    let stake = big / U256::from(10);
    call_ok(&p, registry.depositCollateral(stake).from(owner))
        .await
        .unwrap();

    let now = || async {
        let b = p.get_block_by_number(Default::default()).await.unwrap();
        b.unwrap().header.timestamp
    };
    let free = || async { market.freeCollateral(owner).call().await.unwrap() };
    let earned = || async { U256::from(market.getAccount(owner).call().await.unwrap().earned) };
    let balance = |who: Address| {
        let market = market.clone();
        async move { market.balanceOf(who).call().await.unwrap() }
    };
    let warp = |secs: u64| {
        let p = p.clone();
        async move {
            let _: serde_json::Value = p
                .raw_request("evm_increaseTime".into(), (secs,))
                .await
                .unwrap();
            let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
        }
    };

    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    let mut checked = [0usize; 3]; // passed, slashed, streamed
    for round in 0..24u64 {
        let service = round % 3 == 2;
        let pct = (rng.next() % 1_001) as u16;
        let cap = if service {
            rng.amount(10u128.pow(15))
        } else {
            rng.amount(10u128.pow(24))
        };
        let price = rng.amount(cap);
        let duration = 600 + rng.next() % 3_000;
        let t0 = now().await;
        let mode = if service {
            mode::SERVICE_HEALTH
        } else {
            mode::KEEPER_ATTESTED
        };
        let req = ISwanMarket::TaskRequest {
            collateralPct: pct,
            price: Uint::from(cap),
            resultBy: if service {
                duration as u32
            } else {
                (t0 + 7_200) as u32
            },
            specURI: format!("ipfs://spec-{round}"),
            ..dev_request(mode, 1, t0, round)
        };
        let n = market.taskCount().call().await.unwrap() + U256::from(1);
        let id = (U256::from_be_slice(submitter.as_slice()) << 96) | n;
        let (sub0, treasury0, earned0, free0) = (
            balance(submitter).await,
            balance(DEVNET_TREASURY).await,
            earned().await,
            free().await,
        );
        call_ok(&p, market.createTask(req).from(submitter))
            .await
            .unwrap();
        let escrow = money::replica_value(service, U256::from(cap), duration);
        assert_eq!(
            sub0 - balance(submitter).await,
            escrow,
            "round {round}: escrow"
        );
        let assign = market
            .assign(id, vec![owner], vec![Uint::from(price)])
            .from(keeper);
        call_ok(&p, assign).await.unwrap();
        let value = money::replica_value(service, U256::from(price), duration);
        let c = money::collateral(value, pct);
        assert_eq!(free0 - free().await, c, "round {round}: collateral locked");
        assert_eq!(
            sub0 - balance(submitter).await,
            value,
            "round {round}: the unused cap is refunded at assignment"
        );
        if service {
            // the stream runs for part of its duration, the provider claims, then it ends
            let part = 60 + rng.next() % (duration - 60);
            warp(part).await;
            let started = market.serviceWindow(id).call().await.unwrap().startedAt;
            call_ok(&p, market.claimService(id, U256::ZERO).from(worker))
                .await
                .unwrap();
            let claimed_at = now().await;
            let owed = money::prorate(U256::from(price), started.to(), claimed_at);
            let (payout, fee) = money::fee_split(owed, params.feeBps);
            assert_eq!(
                earned().await - earned0,
                payout,
                "round {round}: stream payout"
            );
            assert_eq!(
                balance(DEVNET_TREASURY).await - treasury0,
                fee,
                "round {round}: stream fee"
            );
            checked[2] += 1;
            // past the end, the rest (each claim's fee is rounded on its own)
            warp(duration).await;
            call_ok(&p, market.claimService(id, U256::ZERO).from(worker))
                .await
                .unwrap();
            let ends = started.to::<u64>() + duration;
            let rest = money::prorate(U256::from(price), claimed_at, ends);
            assert_eq!(owed + rest, value, "round {round}: the stream is the value");
            let (rest_payout, rest_fee) = money::fee_split(rest, params.feeBps);
            assert_eq!(
                earned().await - earned0,
                payout + rest_payout,
                "round {round}: whole stream paid"
            );
            assert_eq!(
                balance(DEVNET_TREASURY).await - treasury0,
                fee + rest_fee,
                "round {round}: fees"
            );
            assert_eq!(free().await, free0, "round {round}: collateral released");
            continue;
        }
        let submit = market.submitResult(id, U256::ZERO, keccak256(b"out"), "ipfs://out".into());
        call_ok(&p, submit.from(worker)).await.unwrap();
        let pass = rng.next().is_multiple_of(2);
        let verdict = market.settle(id, U256::from(u8::from(pass))).from(keeper);
        call_ok(&p, verdict).await.unwrap();
        if pass {
            let (payout, fee) = money::fee_split(U256::from(price), params.feeBps);
            assert_eq!(earned().await - earned0, payout, "round {round}: payout");
            assert_eq!(
                balance(DEVNET_TREASURY).await - treasury0,
                fee,
                "round {round}: fee"
            );
            assert_eq!(
                sub0 - balance(submitter).await,
                U256::from(price),
                "round {round}: cost"
            );
            assert_eq!(free().await, free0, "round {round}: collateral released");
            checked[0] += 1;
        } else {
            let (bounty, to_treasury) = money::slash_split(c, params.bountyBps, false);
            assert_eq!(bounty, U256::ZERO);
            assert_eq!(earned().await, earned0, "round {round}: nothing earned");
            assert_eq!(
                balance(DEVNET_TREASURY).await - treasury0,
                to_treasury,
                "round {round}: the slash goes to the treasury"
            );
            assert_eq!(
                balance(submitter).await,
                sub0,
                "round {round}: the price is refunded"
            );
            assert_eq!(
                free0 - free().await,
                c,
                "round {round}: the stake lost the collateral"
            );
            checked[1] += 1;
        }
    }
    assert!(
        checked.iter().all(|&n| n >= 4),
        "every outcome exercised: {checked:?}"
    );
}
