//! The bindings against a real chain: deploy to anvil, drive a task through its lifecycle with
//! the generated types, and decode the contract's typed errors (what the keeper classifies).

use alloy::{
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, U256, keccak256},
    providers::{DynProvider, Provider},
};
use swan_contracts::{
    DeployConfig, ISwanMarket, Manifest, SwanMarket, SwanRegistry, anvil_path, call_ok, chain_time,
    deploy, dev_provider, dev_provider_info, dev_request, fund, mode, open_terms,
    register_provider, registry::ISwanRegistry as Reg, tokens,
};

struct Chain {
    _anvil: AnvilInstance,
    provider: DynProvider,
    keys: Vec<Address>,
    manifest: Manifest,
}

async fn chain() -> Chain {
    let anvil = Anvil::at(anvil_path())
        .try_spawn()
        .expect("anvil starts (run scripts/setup)");
    let (provider, keys) = dev_provider(&anvil, 5);
    let cfg = DeployConfig::devnet(keys[0], anvil.endpoint());
    let manifest = deploy(&provider, &cfg).await.expect("deploys");
    Chain {
        _anvil: anvil,
        provider,
        keys,
        manifest,
    }
}

fn request(now: u64) -> ISwanMarket::TaskRequest {
    ISwanMarket::TaskRequest {
        collateralPct: 200,
        specHash: keccak256(b"spec"),
        specURI: "file:///spec.yaml".into(),
        ..dev_request(mode::KEEPER_ATTESTED, 1, now, 0)
    }
}

fn info(worker: Address, beneficiary: Address) -> Reg::ProviderInfo {
    let mut info = dev_provider_info(worker, beneficiary);
    info.resources = Reg::Resources {
        cpuCores: 8,
        memoryGiB: 32,
        storageGiB: 500,
        ..Default::default()
    };
    info.terms = open_terms(tokens(1_000));
    info
}

#[tokio::test]
async fn a_task_settles_on_chain_through_the_bindings() {
    let c = chain().await;
    let p = &c.provider;
    let (keeper, submitter, owner, worker) = (c.keys[0], c.keys[1], c.keys[2], c.keys[3]);
    let market = SwanMarket::new(c.manifest.market, p);
    let registry = SwanRegistry::new(c.manifest.registry, p);
    fund(p, &c.manifest, &[submitter, owner], tokens(10_000))
        .await
        .unwrap();
    let info = info(worker, owner);
    register_provider(p, registry.address().to_owned(), owner, info, tokens(1_000))
        .await
        .unwrap();

    let now = chain_time(p).await.unwrap();
    let receipt = call_ok(p, market.createTask(request(now)).from(submitter))
        .await
        .unwrap();
    let created = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<SwanMarket::TaskCreated>().ok())
        .expect("TaskCreated emitted");
    let id = created.inner.taskId;
    assert_eq!(created.inner.submitter, submitter);
    assert_eq!(market.submitterOf(id).call().await.unwrap(), submitter);
    assert_eq!(created.inner.escrow, tokens(10));

    call_ok(
        p,
        market.assign(id, vec![owner], vec![tokens(8)]).from(keeper),
    )
    .await
    .unwrap();
    let submit = market
        .submitResult(id, U256::ZERO, keccak256(b"out"), "file:///out".into())
        .from(worker);
    call_ok(p, submit).await.unwrap();
    call_ok(p, market.settle(id, U256::from(1)).from(keeper))
        .await
        .unwrap();

    let task = market.getTask(id).call().await.unwrap();
    assert_eq!(task.status, 3, "Completed");
    let p = market.getAccount(owner).call().await.unwrap();
    assert_eq!(
        U256::from(p.earned),
        tokens(8) - tokens(8) * U256::from(500) / U256::from(10_000)
    );
    assert_eq!(
        market.balanceOf(submitter).call().await.unwrap(),
        tokens(2),
        "unused cap refunded"
    );

    // a second settle is refused with a typed error the keeper can classify without strings
    let Err(err) = market.settle(id, U256::from(1)).from(keeper).call().await else {
        panic!("double settle accepted")
    };
    let decoded = err
        .as_decoded_interface_error::<SwanMarket::SwanMarketErrors>()
        .expect("a SwanMarket error");
    match decoded {
        SwanMarket::SwanMarketErrors::WrongTaskStatus(e) => {
            assert_eq!(e.taskId, id);
            assert_eq!(e.status, 3);
        }
        other => panic!("unexpected error {other:?}"),
    }
    // and a stranger cannot act as keeper
    let Err(err) = market
        .settle(id, U256::from(1))
        .from(submitter)
        .call()
        .await
    else {
        panic!("stranger settled")
    };
    assert!(matches!(
        err.as_decoded_interface_error::<SwanMarket::SwanMarketErrors>(),
        Some(SwanMarket::SwanMarketErrors::NotKeeper(_))
    ));
}

#[tokio::test]
async fn deploy_records_a_manifest_that_loads() {
    let c = chain().await;
    let code = c.provider.get_code_at(c.manifest.market).await.unwrap();
    assert!(!code.is_empty(), "market has code");
    assert_eq!(c.manifest.chain_id, 31337);
    let market = SwanMarket::new(c.manifest.market, &c.provider);
    assert_eq!(market.token().call().await.unwrap(), c.manifest.token);
    assert_eq!(market.paramsVersion().call().await.unwrap(), 1);
    assert_eq!(market.registry().call().await.unwrap(), c.manifest.registry);
    let registry = SwanRegistry::new(c.manifest.registry, &c.provider);
    assert_eq!(registry.market().call().await.unwrap(), c.manifest.market);
    assert_eq!(
        registry.adminDelay().call().await.unwrap(),
        U256::from(86_400)
    );
    let dir = std::env::temp_dir().join(format!("swan-deploy-{}", std::process::id()));
    let path = dir.join("manifest.json");
    c.manifest.save(&path).unwrap();
    assert_eq!(Manifest::load(&path).unwrap(), c.manifest);
    std::fs::remove_dir_all(dir).unwrap();
}

/// The common refusals, met for real on anvil, each read as its one sentence (the decoder's
/// table itself is checked error by error in `explain`'s unit tests).
#[tokio::test]
async fn real_refusals_read_as_one_sentence_each() {
    use swan_contracts::{DevToken, explain::explain};
    let c = chain().await;
    let p = &c.provider;
    let (submitter, owner, worker, newcomer) = (c.keys[1], c.keys[2], c.keys[3], c.keys[4]);
    let market = SwanMarket::new(c.manifest.market, p);
    let registry = SwanRegistry::new(c.manifest.registry, p);
    let token = DevToken::new(c.manifest.token, p);
    let sentence = |r: Result<_, alloy::contract::Error>| -> String {
        let Err(e) = r else {
            panic!("the call went through")
        };
        let data = e.as_revert_data().expect("a revert with data");
        explain(&data).unwrap_or_else(|| panic!("no sentence for {data}"))
    };
    let now = chain_time(p).await.unwrap();
    let m = format!("{:#x}", c.manifest.market);

    // the token: a newcomer with no tokens, then with tokens but no allowance
    call_ok(
        p,
        token.approve(c.manifest.market, tokens(10)).from(newcomer),
    )
    .await
    .unwrap();
    let e = market.createTask(request(now)).from(newcomer).call().await;
    assert_eq!(
        sentence(e.map(drop)),
        format!(
            "{newcomer:#x} holds 0 SWAN of the token but 10 SWAN is needed: get more tokens (on a devnet: swan devnet fund)"
        )
    );
    call_ok(p, token.mint(newcomer, tokens(50)).from(newcomer))
        .await
        .unwrap();
    call_ok(
        p,
        token.approve(c.manifest.market, U256::ZERO).from(newcomer),
    )
    .await
    .unwrap();
    let e = market.createTask(request(now)).from(newcomer).call().await;
    assert_eq!(
        sentence(e.map(drop)),
        format!(
            "the token allows {m} to take only 0 SWAN but it needs 10 SWAN: approve the amount first (the swan commands do this for you)"
        )
    );

    // the market: not the submitter, then a task already cancelled
    fund(p, &c.manifest, &[submitter, owner], tokens(10_000))
        .await
        .unwrap();
    let receipt = call_ok(p, market.createTask(request(now)).from(submitter))
        .await
        .unwrap();
    let id = receipt
        .inner
        .logs()
        .iter()
        .find_map(|l| l.log_decode::<SwanMarket::TaskCreated>().ok())
        .unwrap()
        .inner
        .taskId;
    let e = market.cancelTask(id).from(newcomer).call().await;
    assert_eq!(
        sentence(e.map(drop)),
        "only the task's submitter may do this: sign with the key that created the task"
    );
    call_ok(p, market.cancelTask(id).from(submitter))
        .await
        .unwrap();
    let e = market.cancelTask(id).from(submitter).call().await;
    assert_eq!(
        sentence(e.map(drop)),
        format!(
            "task {id:#x} is cancelled: this cannot be done to a task that is cancelled (swan task status shows what it waits for)"
        )
    );

    // the registry: a withdrawal before its unbonding ends names the date it can
    register_provider(
        p,
        c.manifest.registry,
        owner,
        info(worker, owner),
        tokens(1_000),
    )
    .await
    .unwrap();
    call_ok(p, registry.requestWithdrawal(tokens(1)).from(owner))
        .await
        .unwrap();
    let release = registry.getProvider(owner).call().await.unwrap().releaseAt;
    let e = registry.withdrawCollateral(owner).from(owner).call().await;
    assert_eq!(
        sentence(e.map(drop)),
        format!(
            "the stake is still unbonding: it can be withdrawn from {}",
            swan_contracts::units::date(release.into())
        )
    );
}
