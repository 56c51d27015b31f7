//! `swan chaos` (run by `scripts/chaos`): the devnet under faults. A stream of tasks of every
//! verification mode runs while the indexer, the keeper and the provider agents are SIGKILLed at
//! random moments and restarted, a second keeper (its own key) comes and goes, the chain is
//! reorganized (its last blocks replaced, their transactions back in the pool as a real reorg's
//! would be), and a proxy in front of anvil fails a third of every component's RPC calls for a
//! while. Then the faults stop and everything settles, and the run checks:
//!
//! - every task is final, or provably still within its deadlines;
//! - no keeper transaction reverted, and none is left waiting for a nonce that is gone;
//! - every account's change on chain equals the indexer's record of the tasks, to the wei;
//! - the indexer's database equals a clean backfill of the same chain, table by table.
//!
//! It prints each fault as it injects it, and a summary of what it injected and checked. The
//! fault schedule comes from `--seed` (printed), so a failing run's choices can be replayed
//! (the processes' timing still varies).

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicU32, AtomicU64, Ordering::Relaxed},
    },
    time::{Duration, Instant},
};

use alloy::{
    primitives::{I256, U256},
    providers::Provider,
};
use clap::Args;
use swan_contracts::SwanMarket;

mod faults;
use faults::{Proxy, Rng, reorg, start_proxy};

use crate::{
    demo::{self, DemoError, DemoTask, step},
    devnet::{self, DevnetArgs, Extras, Running},
    ledger,
    task_cmd::create,
    wallet::Conn,
};

/// Arguments of `swan chaos`.
#[derive(Debug, Clone, Args)]
pub(crate) struct ChaosArgs {
    /// Where the devnet's files and logs go.
    #[arg(long, default_value = ".chaos")]
    dir: PathBuf,
    /// Minutes of faults (new tasks keep coming meanwhile); then the faults stop and
    /// everything settles.
    #[arg(long, default_value_t = 2.0)]
    minutes: f64,
    /// Seed of the fault schedule (default: from the clock; printed either way).
    #[arg(long)]
    seed: Option<u64>,
    /// Seconds every task has to end once the faults stop.
    #[arg(long, default_value_t = 300)]
    drain_secs: u64,
    /// Do not fail on reverted keeper transactions (two keepers can pick the same provider's
    /// last capacity for different tasks: the second assignment reverts and is planned again;
    /// counted and printed either way). Lost work still fails: a task not final past its
    /// deadline, an intent the keeper could not explain.
    #[arg(long)]
    tolerate_replans: bool,
}

/// What can be killed and restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Indexer,
    Keeper(usize),
    Agent(usize),
}

impl Target {
    fn name(self, dn: &Running) -> String {
        match self {
            Target::Indexer => "indexer".into(),
            Target::Keeper(0) => "keeper".into(),
            Target::Keeper(k) => format!("keeper {}", k + 1),
            Target::Agent(i) => format!("agent {}", dn.agents[i].shape.name),
        }
    }

    fn start(self, dn: &mut Running) -> Result<(), DemoError> {
        let dir = dn.dir.clone();
        match self {
            Target::Indexer => dn.indexer.start(&dir)?,
            Target::Keeper(k) => dn.keepers[k].1.start(&dir)?,
            Target::Agent(i) => dn.start_agent(i)?,
        }
        Ok(())
    }

    async fn kill(self, dn: &mut Running) {
        match self {
            Target::Indexer => dn.indexer.kill().await,
            Target::Keeper(k) => dn.keepers[k].1.kill().await,
            Target::Agent(i) => dn.kill_agent(i).await,
        }
    }

    fn running(self, dn: &Running) -> bool {
        match self {
            Target::Indexer => dn.indexer.child.is_some(),
            Target::Keeper(k) => dn.keepers[k].1.child.is_some(),
            Target::Agent(i) => dn.agents[i].child.is_some(),
        }
    }

    /// Its exit of its own, if it exited.
    fn exited(self, dn: &mut Running) -> Option<std::process::ExitStatus> {
        match self {
            Target::Indexer => dn.indexer.exited(),
            Target::Keeper(k) => dn.keepers[k].1.exited(),
            Target::Agent(i) => {
                let a = &mut dn.agents[i];
                let status = a.child.as_mut()?.try_wait().ok().flatten()?;
                a.child = None;
                Some(status)
            }
        }
    }
}

/// The kinds of task the stream cycles through.
const KINDS: [&str; 5] = ["sum", "audit", "quorum", "service", "impossible"];

/// The run's tally.
#[derive(Debug, Default)]
struct Tally {
    injected: BTreeMap<&'static str, u32>,
    exited: BTreeMap<String, u32>,
    reorged_txs: usize,
}

#[allow(clippy::print_stdout)]
pub(crate) async fn run(args: ChaosArgs) -> Result<(), DemoError> {
    let t0 = Instant::now();
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
    });
    let mut rng = Rng(seed);
    let at = || format!("[{:>6.1}s]", t0.elapsed().as_secs_f64());
    println!(
        "[chaos] seed {seed}; {:.1} minutes of faults, then up to {} s to settle",
        args.minutes, args.drain_secs
    );
    let anvil_port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| step("finding a free port")(e.to_string()))?
        .port();
    let proxy = Arc::new(Proxy {
        upstream: format!("http://127.0.0.1:{anvil_port}"),
        http: reqwest::Client::new(),
        fail_permille: AtomicU32::new(0),
        seq: AtomicU64::new(0),
        seed,
        failed: AtomicU64::new(0),
        passed: AtomicU64::new(0),
    });
    let proxy_url = start_proxy(proxy.clone()).await?;
    let mut dn = devnet::up_with(
        &DevnetArgs {
            port: anvil_port,
            block_time: 1,
            dir: args.dir.clone(),
            providers: 4,
            indexer_port: 0,
            keeper_port: 0,
            once: false,
            dishonest: None,
            action: None,
            claim_every_secs: 5,
        },
        &Extras {
            component_rpc: Some(proxy_url.clone()),
            extra_keepers: 1,
            // anvil's final block four behind the head (two with one slot): reorgs of up to
            // two blocks stay above it, with a block of margin
            slots_in_an_epoch: 2,
            // an assignment waits until its task's creation is below the deepest reorg (two)
            keeper_args: vec!["--confirmations".into(), "3".into()],
        },
    )
    .await?;
    println!(
        "[chaos] devnet up: anvil on {}, components through the proxy {proxy_url}, logs in {}/logs/",
        dn.anvil.endpoint(),
        dn.dir.display()
    );
    demo::wait_stakes(&dn).await?;
    let names: BTreeMap<String, String> = dn
        .agents
        .iter()
        .map(|a| (format!("{:#x}", a.owner.address()), a.shape.name.to_owned()))
        .collect();
    let mut accounts = ledger::accounts(
        dn.submitter.address(),
        dn.keeper.address(),
        &dn.agents
            .iter()
            .map(|a| (a.shape.name.to_owned(), a.owner.address()))
            .collect::<Vec<_>>(),
    );
    // the second keeper's bounties: the books count the keepers as one
    accounts.push(ledger::Account {
        name: "keeper 2".into(),
        address: dn.keepers[1].0.address(),
        provider: false,
    });
    let before = ledger::snapshot(&dn.p, &dn.manifest, &accounts)
        .await
        .map_err(DemoError::Step)?;
    let (conn, specs) = demo::submitter(&dn)?;
    let market = SwanMarket::new(dn.manifest.market, dn.p.clone());

    let faults_end = t0 + Duration::from_secs_f64(args.minutes * 60.0);
    let mut tally = Tally::default();
    let mut tasks: Vec<DemoTask> = Vec::new();
    let mut running_since: BTreeMap<U256, Instant> = BTreeMap::new();
    let mut terminated: Vec<U256> = Vec::new();
    let mut restarts: Vec<(Instant, Target)> = Vec::new();
    let mut proxy_calm_at: Option<Instant> = None;
    let mut next_task = Instant::now();
    let mut next_fault = Instant::now() + rng.millis(2_000, 5_000);
    let mut next_look = Instant::now();
    let mut calm = false;
    let mut drain_until = None;
    let targets: Vec<Target> = std::iter::once(Target::Indexer)
        .chain((0..dn.keepers.len()).map(Target::Keeper))
        .chain((0..dn.agents.len()).map(Target::Agent))
        .collect();
    loop {
        let now = Instant::now();
        // a process that exited by itself (not killed here) is noted and started again, as a
        // supervisor would
        for &t in &targets {
            if let Some(status) = t.exited(&mut dn) {
                let name = t.name(&dn);
                println!("{} {name} exited by itself ({status}): started again", at());
                *tally.exited.entry(name).or_default() += 1;
                t.start(&mut dn)?;
            }
        }
        let due: Vec<Target> = restarts
            .iter()
            .filter(|(when, _)| *when <= now)
            .map(|(_, t)| *t)
            .collect();
        restarts.retain(|(when, _)| *when > now);
        for t in due {
            if !t.running(&dn) {
                t.start(&mut dn)?;
                println!("{} {} started again", at(), t.name(&dn));
            }
        }
        if proxy_calm_at.is_some_and(|c| c <= now) {
            proxy.fail_permille.store(0, Relaxed);
            proxy_calm_at = None;
            println!("{} RPC proxy: calls pass again", at());
        }
        if now < faults_end {
            if now >= next_task {
                let kind = KINDS[tasks.len() % KINDS.len()];
                tasks.push(new_task(&dn, &conn, &specs, kind).await?);
                println!(
                    "{} {kind:<10} created {:#x}",
                    at(),
                    tasks.last().map_or(U256::ZERO, |t| t.id)
                );
                next_task = now + rng.millis(3_000, 6_000);
            }
            if now >= next_fault {
                inject(
                    &mut dn,
                    &mut rng,
                    &proxy,
                    &mut tally,
                    &mut restarts,
                    &mut proxy_calm_at,
                    &at,
                )
                .await?;
                next_fault = now + rng.millis(2_000, 6_000);
            }
        } else if !calm {
            calm = true;
            proxy.fail_permille.store(0, Relaxed);
            if dn.keepers[1].1.child.is_some() {
                dn.keepers[1].1.kill().await;
            }
            for &t in &targets {
                if t != Target::Keeper(1) && !t.running(&dn) {
                    t.start(&mut dn)?;
                }
            }
            restarts.clear();
            drain_until = Some(now + Duration::from_secs(args.drain_secs));
            println!(
                "{} faults stop: every component runs, the second keeper is gone, the proxy passes every call; {} tasks settle",
                at(),
                tasks.len()
            );
        }
        if now >= next_look {
            next_look = now + Duration::from_secs(1);
            // a final task changes no more: the look stays the size of the live ones
            for t in tasks.iter_mut().filter(|t| !demo::is_final(&t.last)) {
                if let Some(v) =
                    demo::get(&format!("{}/api/tasks/{:#x}", dn.indexer_url, t.id)).await
                {
                    let s = demo::describe(&v, &names);
                    if s != t.state {
                        println!("{} {:<10} {s}", at(), t.name);
                        t.state = s;
                    }
                    t.last = v;
                }
            }
            // a service runs for a few seconds, then its submitter ends it early
            for t in tasks.iter().filter(|t| t.name == "service") {
                let live = t.last["status"] == "assigned" && t.last["service_started"].is_i64();
                if !live || terminated.contains(&t.id) {
                    continue;
                }
                let since = *running_since.entry(t.id).or_insert(now);
                if now.duration_since(since) > Duration::from_secs(5) {
                    let call = market.terminateService(t.id).from(dn.submitter.address());
                    match swan_contracts::call_ok(&dn.p, call).await {
                        Ok(_) => {
                            println!(
                                "{} service    {:#x} terminated early by its submitter",
                                at(),
                                t.id
                            );
                            terminated.push(t.id);
                        }
                        // tried again at the next look, as its submitter would
                        Err(e) => {
                            println!("{} service    {:#x} not terminated yet ({e})", at(), t.id)
                        }
                    }
                }
            }
            if calm && tasks.iter().all(|t| demo::is_final(&t.last)) {
                break;
            }
            if drain_until.is_some_and(|d| now > d) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("{} checks", at());
    check(
        &mut dn, &tasks, &names, &accounts, &before, &tally, &proxy, seed, &args,
    )
    .await
}

/// Create the next task of the stream (an audit's answer handed to the keeper).
#[allow(clippy::print_stdout)]
async fn new_task(
    dn: &Running,
    conn: &Conn,
    specs: &std::path::Path,
    kind: &'static str,
) -> Result<DemoTask, DemoError> {
    let text = demo::spec(kind).ok_or_else(|| step("spec")(format!("no spec {kind}")))?;
    let path = specs.join(format!("{kind}.yaml"));
    std::fs::write(&path, text).map_err(|e| step("writing a spec")(e.to_string()))?;
    let answer = if kind == "audit" {
        let a = specs.join("audit.answer");
        std::fs::write(&a, "42").map_err(|e| step("answer")(e.to_string()))?;
        Some(a)
    } else {
        None
    };
    // as a user would: a creation the node refused (anvil's pending nonce count can be off for
    // a moment after a reorg) is tried again
    let mut tries = 0;
    let c = loop {
        match create(conn, &path, None, answer.as_deref()).await {
            Ok(c) => break c,
            Err(e) if tries < 5 => {
                tries += 1;
                println!("[chaos] creating {kind} failed ({e}); trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => return Err(step(&format!("creating {kind}"))(e.to_string())),
        }
    };
    if let Some((expected, salt)) = c.answer {
        demo::hand_answer(dn, c.id, expected, salt).await?;
    }
    Ok(DemoTask::new(kind, c.id, "final"))
}

/// One fault, chosen by `rng`.
#[allow(clippy::print_stdout)]
async fn inject(
    dn: &mut Running,
    rng: &mut Rng,
    proxy: &Proxy,
    tally: &mut Tally,
    restarts: &mut Vec<(Instant, Target)>,
    proxy_calm_at: &mut Option<Instant>,
    at: &impl Fn() -> String,
) -> Result<(), DemoError> {
    let now = Instant::now();
    match rng.range(0, 9) {
        0 | 1 => {
            Target::Indexer.kill(dn).await;
            restarts.push((now + rng.millis(500, 3_000), Target::Indexer));
            *tally.injected.entry("indexer SIGKILLed").or_default() += 1;
            println!("{} fault: indexer SIGKILLed", at());
        }
        2 | 3 => {
            Target::Keeper(0).kill(dn).await;
            restarts.push((now + rng.millis(500, 3_000), Target::Keeper(0)));
            *tally.injected.entry("keeper SIGKILLed").or_default() += 1;
            println!("{} fault: keeper SIGKILLed", at());
        }
        4 => {
            if Target::Keeper(1).running(dn) {
                Target::Keeper(1).kill(dn).await;
                *tally.injected.entry("second keeper SIGKILLed").or_default() += 1;
                println!("{} fault: the second keeper SIGKILLed", at());
            } else {
                Target::Keeper(1).start(dn)?;
                *tally.injected.entry("second keeper started").or_default() += 1;
                println!("{} fault: a second keeper (its own key) starts", at());
            }
        }
        5 | 6 => {
            let i = rng.range(0, dn.agents.len() as u64 - 1) as usize;
            let t = Target::Agent(i);
            if t.running(dn) {
                t.kill(dn).await;
                restarts.push((now + rng.millis(1_000, 5_000), t));
                *tally.injected.entry("agent SIGKILLed").or_default() += 1;
                println!("{} fault: {} SIGKILLed", at(), t.name(dn));
            }
        }
        7 | 8 => {
            let depth = rng.range(1, 2);
            match reorg(&dn.p, depth).await {
                Ok((depth, n)) => {
                    tally.reorged_txs += n;
                    *tally.injected.entry("reorg").or_default() += 1;
                    println!(
                        "{} fault: reorg, the last {depth} block(s) replaced; {n} transaction(s) back in the pool",
                        at()
                    );
                }
                Err(e) => println!("{} fault: reorg not made ({e})", at()),
            }
        }
        _ => {
            proxy.fail_permille.store(333, Relaxed);
            let calm = rng.millis(5_000, 15_000);
            *proxy_calm_at = Some(now + calm);
            *tally.injected.entry("RPC failure burst").or_default() += 1;
            println!(
                "{} fault: the RPC proxy fails a third of the calls for {:.0} s",
                at(),
                calm.as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The end of the run: every check, a summary, Ok only if all hold.
#[allow(clippy::print_stdout, clippy::too_many_arguments)]
async fn check(
    dn: &mut Running,
    tasks: &[DemoTask],
    names: &BTreeMap<String, String>,
    accounts: &[ledger::Account],
    before: &ledger::Snapshot,
    tally: &Tally,
    proxy: &Proxy,
    seed: u64,
    args: &ChaosArgs,
) -> Result<(), DemoError> {
    let mut failures: Vec<String> = Vec::new();
    // 1. every task final, or still within its deadlines
    let chain_now = swan_contracts::chain_time(&dn.p)
        .await
        .map_err(|e| step("chain time")(e.to_string()))?;
    let market = SwanMarket::new(dn.manifest.market, dn.p.clone());
    let mut by_state: BTreeMap<String, u32> = BTreeMap::new();
    let mut within = 0;
    for t in tasks {
        let status = t.last["status"].as_str().unwrap_or("?").to_owned();
        *by_state.entry(status).or_default() += 1;
        if demo::is_final(&t.last) {
            continue;
        }
        let on_chain = market
            .getTask(t.id)
            .call()
            .await
            .map_err(|e| step("reading a task")(e.to_string()))?;
        // a service runs until its paid end; anything else until its settle-by
        let service_ends = t.last["service_ends"].as_u64().unwrap_or(0);
        let deadline = u64::from(on_chain.settleBy).max(service_ends);
        if deadline <= chain_now {
            failures.push(format!(
                "task {:#x} ({}) is not final ({}) and its deadline ({deadline}) has passed (chain time {chain_now})",
                t.id, t.name, t.state
            ));
        } else {
            within += 1;
        }
    }
    // 2. the keepers' transactions: none reverted, none left waiting for a nonce that is gone
    let store = swan_store::Store::open(&dn.db.display().to_string())
        .await
        .map_err(|e| step("opening the database")(e.to_string()))?;
    let mut waiting = i64::MAX;
    for _ in 0..60 {
        waiting = sqlx::query_scalar("SELECT COUNT(*) FROM keeper_txs WHERE status = 'sent'")
            .fetch_one(store.pool())
            .await
            .map_err(|e| step("reading keeper_txs")(e.to_string()))?;
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let txs: Vec<(String, String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT keeper, status, success, COUNT(*) FROM keeper_txs GROUP BY keeper, status, success ORDER BY keeper, status",
    )
    .fetch_all(store.pool())
    .await
    .map_err(|e| step("reading keeper_txs")(e.to_string()))?;
    let reverted: i64 = txs.iter().filter(|t| t.2 == Some(0)).map(|t| t.3).sum();
    // work lost shows as a task not final (above) or an intent in alert (below)
    println!("keeper transactions reverted: {reverted}");
    if reverted > 0 && !args.tolerate_replans {
        failures.push(format!("{reverted} keeper transaction(s) reverted"));
    }
    if waiting > 0 {
        failures.push(format!(
            "{waiting} keeper transaction(s) still wait for their nonce a minute after the faults stopped"
        ));
    }
    let alerts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM keeper_intents WHERE status = 'alert'")
            .fetch_one(store.pool())
            .await
            .map_err(|e| step("reading keeper_intents")(e.to_string()))?;
    if alerts > 0 {
        failures.push(format!(
            "{alerts} intent(s) the keeper could not explain (alert)"
        ));
    }
    // 3. the books: every account's change against the indexer's record, to the wei (the
    // agents claim their earnings every few seconds; a claim moves value inside an account)
    tokio::time::sleep(Duration::from_secs(8)).await;
    let mut full = Vec::new();
    for t in tasks {
        let v = demo::get(&format!("{}/api/tasks/{:#x}", dn.indexer_url, t.id))
            .await
            .ok_or_else(|| step("reading a task")(format!("{:#x}", t.id)))?;
        full.push(v);
    }
    let after = ledger::snapshot(&dn.p, &dn.manifest, accounts)
        .await
        .map_err(DemoError::Step)?;
    let expected = ledger::expected(&full, "submitter", names);
    let change = |s: &ledger::Snapshot, b: &ledger::Snapshot, name: &str| {
        I256::from_raw(s.get(name).copied().unwrap_or_default())
            - I256::from_raw(b.get(name).copied().unwrap_or_default())
    };
    let mut books = Vec::new();
    for a in accounts.iter().filter(|a| a.name != "keeper 2") {
        let mut actual = change(&after, before, &a.name);
        if a.name == "keeper" {
            actual += change(&after, before, "keeper 2");
        }
        let want = expected.get(&a.name).copied().unwrap_or_default();
        books.push(format!(
            "{:<10} {:>26} wei expected {:>26} {}",
            if a.name == "keeper" {
                "keepers"
            } else {
                &a.name
            },
            actual,
            want,
            if actual == want { "ok" } else { "WRONG" }
        ));
        if actual != want {
            failures.push(format!(
                "{}: changed by {actual} wei, the indexer's record says {want}",
                a.name
            ));
        }
    }
    // 4. the database equals the chain: once the indexer is at the head, stop it; a clean
    // backfill of the same blocks must hold the same rows
    let direct = dn.dir.join("manifest-direct.json");
    dn.manifest
        .save(&direct)
        .map_err(|e| step("writing a manifest")(e.to_string()))?;
    caught_up(dn, &store).await?;
    dn.indexer.kill().await;
    let cp = store
        .checkpoint(dn.manifest.chain_id, &format!("{:#x}", dn.manifest.market))
        .await
        .map_err(|e| step("reading the checkpoint")(e.to_string()))?
        .map_or(0, |c| c.block_number);
    let clean_db = dn.dir.join("clean.db");
    for f in ["clean.db", "clean.db-wal", "clean.db-shm"] {
        let _ = std::fs::remove_file(dn.dir.join(f));
    }
    demo::run_cli(
        dn,
        "indexer-clean",
        &[
            "indexer".to_owned(),
            "run".into(),
            "--manifest".into(),
            direct.display().to_string(),
            "--db".into(),
            clean_db.display().to_string(),
            "--exit-at-head".into(),
            "--until".into(),
            cp.to_string(),
            "--no-api".into(),
            "--progress".into(),
            "never".into(),
        ],
    )
    .await?;
    let clean = swan_store::Store::open(&clean_db.display().to_string())
        .await
        .map_err(|e| step("opening the clean database")(e.to_string()))?;
    let mut tables = Vec::new();
    for table in swan_store::CONTENT_TABLES {
        let (a, b) = (
            store
                .dump(table)
                .await
                .map_err(|e| step("dump")(e.to_string()))?,
            clean
                .dump(table)
                .await
                .map_err(|e| step("dump")(e.to_string()))?,
        );
        let same = a == b;
        tables.push(format!(
            "{table} {} rows {}",
            a.len(),
            if same { "same" } else { "DIFFER" }
        ));
        if !same {
            let first = a.iter().zip(&b).find(|(x, y)| x != y);
            failures.push(format!(
                "{table}: the indexer's {} rows differ from a clean backfill's {} (first difference: {first:?})",
                a.len(),
                b.len()
            ));
        }
    }
    // the summary
    println!(
        "\n== chaos: seed {seed}, {:.1} minutes of faults ==",
        args.minutes
    );
    println!(
        "injected: {}; {} transaction(s) returned to the pool by reorgs; RPC calls through the proxy: {} failed on purpose, {} passed",
        tally
            .injected
            .iter()
            .map(|(k, v)| format!("{k} ×{v}"))
            .collect::<Vec<_>>()
            .join(", "),
        tally.reorged_txs,
        proxy.failed.load(Relaxed),
        proxy.passed.load(Relaxed)
    );
    println!(
        "exits of their own: {}",
        if tally.exited.is_empty() {
            "none".to_owned()
        } else {
            tally
                .exited
                .iter()
                .map(|(k, v)| format!("{k} ×{v}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    println!(
        "tasks: {} created; {within} not final but within their deadlines; by state: {}",
        tasks.len(),
        by_state
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("keeper transactions (keeper, status, success, count):");
    for (k, status, success, n) in &txs {
        println!("  {k} {status:<8} {success:?} {n}");
    }
    println!("accounts: change on chain vs the indexer's record");
    for line in &books {
        println!("  {line}");
    }
    println!(
        "database vs a clean backfill to block {cp}: {}",
        tables.join(", ")
    );
    if failures.is_empty() {
        let keepers = if reverted == 0 {
            "no keeper transaction reverted or lost".to_owned()
        } else {
            format!("no keeper work lost ({reverted} reverted and planned again, tolerated)")
        };
        println!(
            "\nchaos passed: every task final (or within its deadlines), {keepers}, the books balance to the wei, the database equals the chain"
        );
        Ok(())
    } else {
        for f in &failures {
            println!("FAILED: {f}");
        }
        Err(DemoError::Outcome(format!(
            "{} check(s) failed (seed {seed}); see above and {}/logs/",
            failures.len(),
            args.dir.display()
        )))
    }
}

/// Wait until the indexer's checkpoint is within two blocks of the chain's head.
async fn caught_up(dn: &Running, store: &swan_store::Store) -> Result<(), DemoError> {
    let market = format!("{:#x}", dn.manifest.market);
    let t = Instant::now();
    loop {
        let cp = store
            .checkpoint(dn.manifest.chain_id, &market)
            .await
            .map_err(|e| step("reading the checkpoint")(e.to_string()))?
            .map_or(0, |c| c.block_number);
        let head =
            dn.p.get_block_number()
                .await
                .map_err(|e| step("head")(e.to_string()))?;
        if cp + 2 >= head {
            return Ok(());
        }
        if t.elapsed() > Duration::from_secs(60) {
            return Err(DemoError::Outcome(format!(
                "the indexer is at block {cp}, the head at {head}, a minute after the faults"
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
