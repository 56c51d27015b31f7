//! The agent end to end on anvil with the real indexer and keeper, reading its assignments from
//! chain events (the indexer API it is given does not answer: it falls back to the chain): it registers and stakes from its config, runs an
//! assigned task, and survives being stopped mid-run — the next agent runs it again (nothing was
//! published), submits once, is paid; a later restart runs and sends nothing more. Results
//! ready in the same poll are then submitted in one transaction.

use std::{sync::Arc, time::Duration};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use serde_json::Value;
use swan_contracts::{DeployConfig, DevToken, SwanMarket, SwanRegistry, anvil_path, deploy};
use swan_indexer::{
    fetch::Rpc,
    status::Status,
    store::Store,
    sync::{SyncConfig, Syncer, supervise},
};
use swan_keeper::run::{Keeper, KeeperConfig};
use swan_provider::{Agent, Config};
use swan_spec::{Publish, TaskSpec};

const TOKEN: u128 = 1_000_000_000_000_000_000;

const SPEC: &str = r#"kind: batch
run: { command: sh, args: ["-c", "sleep 2; echo slow and steady"] }
resources: { cpu: 1 }
deadline: { assign_within: 1m, result_within: 2m, settle_within: 1m }
price: { cap: "1" }
verification: { mode: keeper_attested, criteria: { min_bytes: 5, max_bytes: 100 } }
"#;

fn journal(dir: &std::path::Path) -> Value {
    std::fs::read(dir.join("journal.json"))
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap_or(Value::Null)
}

async fn submissions(p: &DynProvider, market: Address) -> usize {
    p.get_logs(
        &Filter::new()
            .address(market)
            .event_signature(SwanMarket::ResultSubmitted::SIGNATURE_HASH)
            .from_block(0),
    )
    .await
    .unwrap()
    .len()
}

/// The task request of `spec`, written to `path` and served from it, deadlines from the chain's
/// clock.
async fn request(
    p: &DynProvider,
    path: &std::path::Path,
    spec: &str,
) -> swan_contracts::ISwanMarket::TaskRequest {
    std::fs::write(path, spec).unwrap();
    let parsed = TaskSpec::parse(spec.as_bytes()).unwrap();
    let now = swan_contracts::chain_time(p).await.unwrap();
    parsed
        .spec
        .request(
            parsed.hash,
            now,
            &Publish {
                uri: format!("file://{}", path.display()),
                answer_commit: None,
                params_version: 1,
            },
        )
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_survives_a_restart_mid_task_without_redoing_finished_work() {
    let anvil = alloy::node_bindings::Anvil::at(anvil_path())
        .args(["--slots-in-an-epoch", "1"])
        .block_time(1)
        .try_spawn()
        .unwrap();
    let keys: Vec<PrivateKeySigner> = anvil.keys().iter().map(|k| k.clone().into()).collect();
    let (keeper_key, submitter, owner, worker) = (
        keys[0].clone(),
        keys[1].clone(),
        keys[2].clone(),
        keys[3].clone(),
    );
    let mut wallet = EthereumWallet::from(keeper_key.clone());
    wallet.register_signer(submitter.clone());
    let p = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(anvil.endpoint_url())
        .erased();
    let manifest = deploy(
        &p,
        &DeployConfig::devnet(keeper_key.address(), anvil.endpoint()),
    )
    .await
    .unwrap();
    let token = DevToken::new(manifest.token, &p);
    for who in [submitter.address(), owner.address()] {
        let r = token
            .mint(who, U256::from(10_000 * TOKEN))
            .send()
            .await
            .unwrap();
        r.get_receipt().await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let mpath = dir.path().join("manifest.json");
    manifest.save(&mpath).unwrap();

    // the indexer and the keeper, in the background
    let store = Store::open(dir.path().join("idx.db").to_str().unwrap())
        .await
        .unwrap();
    let (s, m2) = (store.clone(), manifest.clone());
    let status = Arc::new(Status::new());
    let st = status.clone();
    let indexer = tokio::spawn(async move {
        let make = move |_| {
            let rpc = Rpc::new(&m2.rpc_urls, Duration::from_secs(10)).unwrap();
            let cfg = SyncConfig {
                progress: false,
                poll: Duration::from_millis(100),
                finality_depth: 2,
                ..SyncConfig::default()
            };
            Syncer::new(s.clone(), m2.clone(), rpc, cfg, st.clone())
        };
        let _ = supervise(make, Duration::from_secs(30), status).await;
    });
    let mut keeper = Keeper::open(
        store.clone(),
        &manifest,
        &manifest.rpc_urls,
        EthereumWallet::from(keeper_key.clone()),
        keeper_key.address(),
        KeeperConfig {
            tick: Duration::from_millis(200),
            allow_files: true,
            ..KeeperConfig::default()
        },
    )
    .await
    .unwrap();
    let keeper = tokio::spawn(async move {
        let _ = keeper.run(std::future::pending()).await;
    });

    // the agent: its indexer URL answers nothing, so chain events are its source
    let work = dir.path().join("agent");
    let cfg_text = format!(
        "manifest = \"{}\"\nindexer_url = \"http://127.0.0.1:1\"\nwork_dir = \"{}\"\nregion = \"eu\"\nstake = \"200\"\npoll_ms = 100\nclaim_every_secs = 1\n[resources]\ncpu = 4\nmemory_gib = 8\n[prices]\ncpu_hour = \"0.001\"\n",
        mpath.display(),
        work.display()
    );
    let cfg_path = dir.path().join("p.toml");
    std::fs::write(&cfg_path, cfg_text).unwrap();
    let cfg = Config::load(&cfg_path).unwrap();
    let mut agent = Agent::start(cfg.clone(), owner.clone(), worker.clone())
        .await
        .unwrap();
    agent.onboard().await.unwrap();
    let market = SwanMarket::new(manifest.market, &p);
    let registry = SwanRegistry::new(manifest.registry, &p);
    let rec = registry.getProvider(owner.address()).call().await.unwrap();
    assert_eq!((rec.status, rec.worker), (1, worker.address()));
    assert_eq!(rec.modes, 0b1111, "the default terms accept every mode");
    let stake = registry.stakeOf(owner.address()).call().await.unwrap();
    assert_eq!(stake, U256::from(200 * TOKEN));
    agent.onboard().await.unwrap();
    let stake = registry.stakeOf(owner.address()).call().await.unwrap();
    assert_eq!(
        stake,
        U256::from(200 * TOKEN),
        "a second start stakes nothing more"
    );

    // the submitter creates the task (spec served from a file)
    let req = request(&p, &dir.path().join("job.yaml"), SPEC).await;
    let token = DevToken::new(manifest.token, &p);
    let approve = token
        .approve(manifest.market, U256::MAX)
        .from(submitter.address());
    swan_contracts::call_ok(&p, approve).await.unwrap();
    // the id from the receipt's event, sent with a fixed gas limit: an estimate made before
    // another party's transaction lands in the same block may fall short
    let id = swan_contracts::create_task(&p, manifest.market, submitter.address(), req)
        .await
        .unwrap();
    let k = format!("{id:#x}/0");

    // tick until the run has started, then stop the agent mid-run
    let t = std::time::Instant::now();
    while journal(&work)[&k]["stage"] != "running" {
        agent.tick().await.unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "never ran: {}",
            journal(&work)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(agent);
    assert_eq!(journal(&work)[&k]["runs"], 1);
    assert_eq!(submissions(&p, manifest.market).await, 0);

    // a new agent on the same work directory runs it again, submits, is paid
    let mut agent = Agent::start(cfg.clone(), owner.clone(), worker.clone())
        .await
        .unwrap();
    let t = std::time::Instant::now();
    loop {
        agent.tick().await.unwrap();
        let task = market.getTask(id).call().await.unwrap();
        if task.status == 3 && journal(&work)[&k]["stage"] == "done" {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "status {}: {}",
            task.status,
            journal(&work)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let j = journal(&work);
    assert_eq!(j[&k]["runs"], 2, "{j}");
    let hash = j[&k]["result"].as_str().unwrap().to_owned();
    let on_disk = std::fs::read(work.join("results").join(&hash)).unwrap();
    assert_eq!(on_disk, b"slow and steady\n");
    assert_eq!(submissions(&p, manifest.market).await, 1);
    let rep = market.getReplica(id, U256::ZERO).call().await.unwrap();
    assert_eq!(rep.status, 4, "paid");
    // earnings reach the owner (the beneficiary)
    let t = std::time::Instant::now();
    while market
        .getAccount(owner.address())
        .call()
        .await
        .unwrap()
        .earned
        != alloy::primitives::Uint::ZERO
    {
        agent.tick().await.unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "earnings never claimed"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    drop(agent);

    // a third start: nothing runs, nothing is sent again
    let mut agent = Agent::start(cfg, owner.clone(), worker).await.unwrap();
    for _ in 0..5 {
        agent.tick().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(journal(&work)[&k]["runs"], 2);
    assert_eq!(submissions(&p, manifest.market).await, 1);

    // results that are ready in the same poll go out in one `submitResults` transaction
    // runs long enough that the first is still running when the keeper has assigned the third
    let quick = SPEC.replace(
        "sleep 2; echo slow and steady",
        "sleep 5; echo three at once",
    );
    let req = request(&p, &dir.path().join("three.yaml"), &quick).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(
            swan_contracts::create_task(&p, manifest.market, submitter.address(), req.clone())
                .await
                .unwrap(),
        );
    }
    let keys: Vec<String> = ids.iter().map(|id| format!("{id:#x}/0")).collect();
    // tick until all three runs have started, give them time to finish, then one tick
    // publishes and submits all three
    let t = std::time::Instant::now();
    while !keys.iter().all(|k| journal(&work)[k]["stage"] == "running") {
        agent.tick().await.unwrap();
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "not all running: {}",
            journal(&work)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(5_500)).await;
    agent.tick().await.unwrap();
    for k in &keys {
        assert_eq!(
            journal(&work)[k]["stage"],
            "submitted",
            "{}",
            journal(&work)
        );
    }
    let logs = p
        .get_logs(
            &Filter::new()
                .address(manifest.market)
                .event_signature(SwanMarket::ResultSubmitted::SIGNATURE_HASH)
                .from_block(0),
        )
        .await
        .unwrap();
    let batch: Vec<_> = logs
        .iter()
        .filter(|l| ids.contains(&U256::from_be_bytes(l.topics()[1].0)))
        .collect();
    assert_eq!(batch.len(), 3);
    assert!(
        batch
            .iter()
            .all(|l| l.transaction_hash == batch[0].transaction_hash),
        "one transaction for the three results"
    );
    // and each is verified and paid like a single submission
    let t = std::time::Instant::now();
    for id in &ids {
        while market.getTask(*id).call().await.unwrap().status != 3 {
            agent.tick().await.unwrap();
            assert!(t.elapsed() < Duration::from_secs(60), "not settled");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    // what the agent cannot produce a result for it gives back (no penalty) instead of waiting
    // to be slashed: a program that fails, and a spec whose file no longer hashes to the task's
    let stake = registry.stakeOf(owner.address()).call().await.unwrap();
    let failing = SPEC.replace("sleep 2; echo slow and steady", "echo broken >&2; exit 3");
    let changed = dir.path().join("changed.yaml");
    let mut declined = Vec::new();
    for (path, text) in [
        (dir.path().join("failing.yaml"), failing),
        (changed.clone(), SPEC.replace("slow", "other")),
    ] {
        let req = request(&p, &path, &text).await;
        declined.push(
            swan_contracts::create_task(&p, manifest.market, submitter.address(), req)
                .await
                .unwrap(),
        );
    }
    std::fs::write(&changed, "kind: batch\nsomething: else\n").unwrap();
    let t = std::time::Instant::now();
    let declined_status = swan_contracts::value_of(&swan_contracts::REPLICA_STATUS, "declined");
    for id in &declined {
        let replica = market.getReplica(*id, U256::ZERO);
        while Some(replica.call().await.unwrap().status) != declined_status {
            agent.tick().await.unwrap();
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "not declined: {}",
                journal(&work)
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let e = &journal(&work)[&format!("{id:#x}/0")];
        assert!(
            e["error"].as_str().unwrap().starts_with("declined: "),
            "{e}"
        );
    }
    let j = journal(&work);
    assert!(
        j[&format!("{:#x}/0", declined[0])]["error"]
            .as_str()
            .unwrap()
            .contains("exit status: 3"),
        "{j}"
    );
    assert!(
        j[&format!("{:#x}/0", declined[1])]["error"]
            .as_str()
            .unwrap()
            .contains("unknown field `something`"),
        "{j}"
    );
    assert_eq!(
        registry.stakeOf(owner.address()).call().await.unwrap(),
        stake,
        "nothing slashed"
    );
    keeper.abort();
    indexer.abort();
}
