//! `swan demo`: the devnet with four providers (p4 dishonest) and a stream of tasks covering
//! every kind and verification mode, shown live, ending with a summary — tasks by final state,
//! amounts paid, refunded, slashed and taken in fees, every account's change checked to the wei
//! against the indexer's record, gas per step. Exits 0 only if every task ended as expected
//! and the books balance.
//!
//! | task | what | expected |
//! | --- | --- | --- |
//! | `sum` | a real computation (sum of 1..1000), checked by a validator program | completed, paid |
//! | `audit` | known answer: the submitter committed to the result's hash | completed, paid |
//! | `quorum` | 3 replicas, 2 must agree; p4 submits a wrong result | completed; p4 slashed |
//! | `service` | a service, extended then terminated early (`swan task extend/terminate`) | completed, prorated refund |
//! | `impossible` | needs 8 H100 GPUs: nobody can take it | cancelled (expired), refunded |
//! | `silent` | a service on p1, whose agent is then killed: health probes fail | failed, p1 slashed |

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{I256, U256, keccak256},
    providers::Provider,
};
use clap::Args;
use serde_json::Value;

use crate::{
    devnet::{self, DevnetArgs, Running},
    ledger,
    task_cmd::create,
    wallet::Conn,
};

/// Arguments of `swan demo`.
#[derive(Debug, Clone, Args)]
pub(crate) struct DemoArgs {
    /// Where the devnet's files go.
    #[arg(long, default_value = ".devnet")]
    dir: PathBuf,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 180)]
    timeout_secs: u64,
    /// Also write the summary as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Keep the devnet running after the summary, until Ctrl-C.
    #[arg(long)]
    keep: bool,
}

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DemoError {
    /// The devnet.
    #[error(transparent)]
    Devnet(#[from] devnet::DevnetError),
    /// A step of the scenario.
    #[error("{0}")]
    Step(String),
    /// The outcome differs from what was expected (a check of the demo's or the chaos run's).
    #[error("{0}")]
    Outcome(String),
}

/// An error of the step `what`, with the cause's words.
pub(crate) fn step(what: &str) -> impl Fn(String) -> DemoError + '_ {
    move |e| DemoError::Step(format!("{what}: {e}"))
}

/// The demo's task specs, in `examples/specs` (the explorer's browser test posts the same sum).
const SUM: &str = include_str!("../examples/specs/sum.yaml");
const AUDIT: &str = include_str!("../examples/specs/audit.yaml");
const QUORUM: &str = include_str!("../examples/specs/quorum.yaml");
const SERVICE: &str = include_str!("../examples/specs/service.yaml");
const IMPOSSIBLE: &str = include_str!("../examples/specs/impossible.yaml");
const SILENT: &str = include_str!("../examples/specs/silent.yaml");
const DIGITS: &str = include_str!("../examples/specs/digits.yaml");

/// The spec text of a demo task by its name.
pub(crate) fn spec(name: &str) -> Option<&'static str> {
    Some(match name {
        "sum" => SUM,
        "audit" => AUDIT,
        "quorum" => QUORUM,
        "service" => SERVICE,
        "impossible" => IMPOSSIBLE,
        "silent" => SILENT,
        "digits" => DIGITS,
        _ => return None,
    })
}

/// One task of the scenario.
pub(crate) struct DemoTask {
    pub(crate) name: &'static str,
    pub(crate) id: U256,
    expect: &'static str,
    /// Its state line, as last shown.
    pub(crate) state: String,
    /// The indexer's record of it, as last read.
    pub(crate) last: Value,
}

impl DemoTask {
    /// Task `id` of kind `name`, expected to end `expect`.
    pub(crate) fn new(name: &'static str, id: U256, expect: &'static str) -> Self {
        Self {
            name,
            id,
            expect,
            state: String::new(),
            last: Value::Null,
        }
    }
}

/// A JSON answer from the indexer's API (None when it is down or answers otherwise).
pub(crate) async fn get(url: &str) -> Option<Value> {
    reqwest::get(url).await.ok()?.json().await.ok()
}

/// `state` line of a task from the indexer: status and each replica's provider and status.
pub(crate) fn describe(t: &Value, names: &BTreeMap<String, String>) -> String {
    let reps: Vec<String> = t["replicas"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let who = r["provider"].as_str().unwrap_or_default().to_lowercase();
            format!(
                "{}:{}",
                names.get(&who).map_or("?", String::as_str),
                r["status"].as_str().unwrap_or("?")
            )
        })
        .collect();
    let status = t["status"].as_str().unwrap_or("?");
    if reps.is_empty() {
        status.to_owned()
    } else {
        format!("{status} [{}]", reps.join(" "))
    }
}

pub(crate) fn is_final(t: &Value) -> bool {
    matches!(
        t["status"].as_str(),
        Some("completed" | "failed" | "cancelled")
    ) && t["finalized"].as_bool() == Some(true)
}

/// `swan <args>` as the submitter, its output in `<dir>/logs/<name>.log`; its failure as an
/// error carrying that log.
pub(crate) async fn run_cli(dn: &Running, name: &str, args: &[String]) -> Result<(), DemoError> {
    let key = format!(
        "0x{}",
        alloy::primitives::hex::encode(dn.submitter.to_bytes())
    );
    let mut child = devnet::spawn_self(&dn.dir, name, args, &[("SWAN_PRIVATE_KEY", key)])?;
    let status = child.wait().await.map_err(|e| step(name)(e.to_string()))?;
    if !status.success() {
        let log = std::fs::read_to_string(dn.dir.join("logs").join(format!("{name}.log")))
            .unwrap_or_default();
        return Err(DemoError::Step(format!(
            "`swan {}` failed: {}",
            args.join(" "),
            log.trim()
        )));
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
pub(crate) async fn run(args: DemoArgs) -> Result<(), DemoError> {
    let t0 = Instant::now();
    println!(
        "[demo] starting the devnet: anvil, contracts, indexer, keeper, 4 providers (p4 dishonest)"
    );
    let mut dn = devnet::up(&DevnetArgs {
        port: 0,
        block_time: 1,
        dir: args.dir.clone(),
        providers: 4,
        indexer_port: 0,
        keeper_port: 0,
        once: false,
        dishonest: Some("p4".into()),
        action: None,
        claim_every_secs: 5,
    })
    .await?;
    dn.print();
    let names: BTreeMap<String, String> = dn
        .agents
        .iter()
        .map(|a| (format!("{:#x}", a.owner.address()), a.shape.name.to_owned()))
        .collect();
    let accounts = ledger::accounts(
        dn.submitter.address(),
        dn.keeper.address(),
        &dn.agents
            .iter()
            .map(|a| (a.shape.name.to_owned(), a.owner.address()))
            .collect::<Vec<_>>(),
    );
    wait_stakes(&dn).await?;
    let before = ledger::snapshot(&dn.p, &dn.manifest, &accounts)
        .await
        .map_err(DemoError::Step)?;
    let first_block =
        dn.p.get_block_number()
            .await
            .map_err(|e| step("head")(e.to_string()))?
            + 1;

    let (conn, specs) = submitter(&dn)?;
    let mut tasks = Vec::new();
    // the ML task twice: in the us, where honest providers train it, and in asia, where only the
    // dishonest p4 runs and returns predictions no trained model made
    let digits_asia = DIGITS
        .replace("name: digits", "name: digits-asia")
        .replace("region: us", "region: asia");
    for (name, text, expect) in [
        ("sum", SUM, "completed"),
        ("digits", DIGITS, "completed"),
        ("digits-asia", &digits_asia, "failed"),
        ("audit", AUDIT, "completed"),
        ("quorum", QUORUM, "completed"),
        ("service", SERVICE, "completed"),
        ("impossible", IMPOSSIBLE, "cancelled"),
        ("silent", SILENT, "failed"),
    ] {
        let path = specs.join(format!("{name}.yaml"));
        std::fs::write(&path, text).map_err(|e| step("writing a spec")(e.to_string()))?;
        let answer = (name == "audit").then(|| {
            let a = specs.join("audit.answer");
            std::fs::write(&a, "42").map(|_| a)
        });
        let answer = answer
            .transpose()
            .map_err(|e| step("answer")(e.to_string()))?;
        let c = create(&conn, &path, None, answer.as_deref())
            .await
            .map_err(|e| step(&format!("creating {name}"))(e.to_string()))?;
        if let Some((expected, salt)) = c.answer {
            debug_assert_eq!(expected, keccak256(b"42"));
            hand_answer(&dn, c.id, expected, salt).await?;
        }
        println!(
            "[{:>5.1}s] {name:<10} created {:#x}",
            t0.elapsed().as_secs_f64(),
            c.id
        );
        tasks.push(DemoTask::new(name, c.id, expect));
    }

    let mut extended = None::<Instant>;
    let mut terminated = false;
    let mut silenced = false;
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    loop {
        for t in &mut tasks {
            if let Some(v) = get(&format!("{}/api/tasks/{:#x}", dn.indexer_url, t.id)).await {
                let s = describe(&v, &names);
                if s != t.state {
                    println!("[{:>5.1}s] {:<10} {s}", t0.elapsed().as_secs_f64(), t.name);
                    t.state = s;
                }
                t.last = v;
            }
        }
        let by = |n: &str| tasks.iter().find(|t| t.name == n).expect("a demo task");
        let service = by("service");
        let running =
            |t: &DemoTask| t.last["status"] == "assigned" && t.last["service_started"].is_i64();
        if running(service) && extended.is_none() {
            let id = format!("{:#x}", service.id);
            let m = dn.manifest_path.display().to_string();
            run_cli(
                &dn,
                "task-extend",
                &["task", "extend", &id, "5m", "--manifest", &m].map(String::from),
            )
            .await?;
            println!(
                "[{:>5.1}s] service    extended by 5m (swan task extend)",
                t0.elapsed().as_secs_f64()
            );
            extended = Some(Instant::now());
        }
        if !terminated && extended.is_some_and(|e| e.elapsed() > Duration::from_secs(4)) {
            let id = format!("{:#x}", service.id);
            let m = dn.manifest_path.display().to_string();
            run_cli(
                &dn,
                "task-terminate",
                &["task", "terminate", &id, "--manifest", &m].map(String::from),
            )
            .await?;
            println!(
                "[{:>5.1}s] service    terminated early (swan task terminate)",
                t0.elapsed().as_secs_f64()
            );
            terminated = true;
        }
        if !silenced && running(by("silent")) && is_final(&by("audit").last) {
            dn.kill_agent(0).await;
            println!(
                "[{:>5.1}s] p1         agent killed: it goes silent",
                t0.elapsed().as_secs_f64()
            );
            silenced = true;
        }
        if tasks.iter().all(|t| is_final(&t.last)) {
            break;
        }
        if Instant::now() > deadline {
            return Err(DemoError::Outcome(format!(
                "not every task ended within {} s: {}; logs in {}/logs/",
                args.timeout_secs,
                tasks
                    .iter()
                    .map(|t| format!("{} {}", t.name, t.state))
                    .collect::<Vec<_>>()
                    .join(", "),
                dn.dir.display()
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // every keeper-attested verdict judged again by a second process, from the indexer's record
    // alone (no database of its own): it must agree with how the market settled each replica
    for t in tasks
        .iter()
        .filter(|t| t.last["mode"] == "keeper_attested" && t.last["status"] != "cancelled")
    {
        let id = format!("{:#x}", t.id);
        run_cli(
            &dn,
            &format!("verify-{}", t.name),
            &["verify", &id, "--indexer-url", &dn.indexer_url]
                .into_iter()
                .chain(crate::devnet::JUDGE_FLAGS)
                .map(String::from)
                .collect::<Vec<_>>(),
        )
        .await?;
        println!(
            "[{:>5.1}s] {:<10} judged again by `swan verify`: agrees with the settlement and the keeper's evidence",
            t0.elapsed().as_secs_f64(),
            t.name
        );
    }
    // the silent service's failure, shown with the probes that failed it (`swan task status`)
    let silent = tasks
        .iter()
        .find(|t| t.name == "silent")
        .expect("a demo task");
    let id = format!("{:#x}", silent.id);
    let m = dn.manifest_path.display().to_string();
    run_cli(
        &dn,
        "status-silent",
        &[
            "task",
            "status",
            &id,
            "--manifest",
            &m,
            "--indexer-url",
            &dn.indexer_url,
        ]
        .map(String::from),
    )
    .await?;
    let shown = std::fs::read_to_string(dn.dir.join("logs").join("status-silent.log"))
        .map_err(|e| step("reading the status")(e.to_string()))?;
    let evidence: Vec<&str> = shown
        .lines()
        .skip_while(|l| !l.starts_with("evidence"))
        .collect();
    if !evidence
        .first()
        .is_some_and(|l| l.contains("failed its health probes from"))
        || !evidence.iter().any(|l| l.contains("FAILED"))
    {
        return Err(DemoError::Step(format!(
            "`swan task status {id}` shows no probe evidence for the failed service:\n{shown}"
        )));
    }
    println!(
        "[{:>5.1}s] silent     its failure, as `swan task status` shows it: {}",
        t0.elapsed().as_secs_f64(),
        evidence[0].trim_start_matches("evidence").trim()
    );
    // the agents claim earnings every few seconds: let the last claims land
    tokio::time::sleep(Duration::from_secs(8)).await;
    let after = ledger::snapshot(&dn.p, &dn.manifest, &accounts)
        .await
        .map_err(DemoError::Step)?;
    let last_block =
        dn.p.get_block_number()
            .await
            .map_err(|e| step("head")(e.to_string()))?;
    let full: Vec<Value> = tasks.iter().map(|t| t.last.clone()).collect();
    let providers: BTreeMap<String, String> = names.clone();
    let expected = ledger::expected(&full, "submitter", &providers);
    let gas = ledger::gas_by_call(&dn.p, &dn.manifest, first_block, last_block)
        .await
        .map_err(DemoError::Step)?;
    let mut ml = Vec::new();
    for t in tasks.iter().filter(|t| t.name.starts_with("digits")) {
        // the keeper's recorded checks, read as `swan verify` reads them
        let checks = crate::verify_cmd::keeper_evidence(&dn.indexer_url, t.id).await;
        let evidence = checks
            .unwrap_or_default()
            .into_values()
            .flatten()
            .filter(|c| c["name"] == "validator")
            .map(|c| {
                let detail = c["detail"].as_str().unwrap_or_default().to_owned();
                (c["passed"].as_bool() == Some(true), detail)
            })
            .collect();
        ml.push((t.name, evidence));
    }
    let ok = summary(
        &tasks,
        &ml,
        &before,
        &after,
        &expected,
        &gas,
        t0.elapsed(),
        args.json.as_deref(),
    )?;
    if args.keep {
        println!(
            "[demo] the devnet keeps running; the market explorer is at {}/ (Ctrl-C stops it)",
            dn.indexer_url
        );
        let _ = tokio::signal::ctrl_c().await;
    }
    drop(dn);
    if ok {
        Ok(())
    } else {
        Err(DemoError::Outcome(
            "the demo's outcome differs from what was expected (see the summary)".into(),
        ))
    }
}

/// The devnet's submitter on anvil, and the directory its spec files go to.
pub(crate) fn submitter(dn: &Running) -> Result<(Conn, PathBuf), DemoError> {
    let specs = dn.dir.join("specs");
    std::fs::create_dir_all(&specs).map_err(|e| step("specs")(e.to_string()))?;
    let conn = Conn::with_key(
        &dn.anvil.endpoint(),
        dn.submitter.clone(),
        dn.manifest.clone(),
    )
    .map_err(|e| step("connect")(e.to_string()))?;
    Ok((conn, specs))
}

/// Hand a known-answer task's answer to the keeper (`swan keeper answer`), as its submitter.
pub(crate) async fn hand_answer(
    dn: &Running,
    id: U256,
    expected: impl std::fmt::Display,
    salt: impl std::fmt::Display,
) -> Result<(), DemoError> {
    run_cli(
        dn,
        "keeper-answer",
        &[
            "keeper",
            "answer",
            "--manifest",
            &dn.manifest_path.display().to_string(),
            "--db",
            &dn.db.display().to_string(),
            "--task",
            &format!("{id:#x}"),
            "--expected",
            &expected.to_string(),
            "--salt",
            &salt.to_string(),
        ]
        .map(String::from),
    )
    .await
}

/// Every provider's stake landed (the snapshot must not count the initial deposit).
pub(crate) async fn wait_stakes(dn: &Running) -> Result<(), DemoError> {
    let r = swan_contracts::SwanRegistry::new(dn.manifest.registry, &dn.p);
    let t = Instant::now();
    for a in &dn.agents {
        loop {
            let stake = r
                .stakeOf(a.owner.address())
                .call()
                .await
                .map_err(|e| step("reading a provider")(e.to_string()))?;
            if stake >= U256::from(500u64) * U256::from(10u64).pow(U256::from(18)) {
                break;
            }
            if t.elapsed() > Duration::from_secs(60) {
                return Err(DemoError::Step(format!(
                    "provider {} did not stake within 60 s",
                    a.shape.name
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(())
}

fn swan(v: I256) -> String {
    let neg = v.is_negative();
    let a = v.unsigned_abs();
    let unit = U256::from(10u64).pow(U256::from(18));
    let (whole, frac) = (a / unit, a % unit);
    let frac = format!("{frac:0>18}");
    format!("{}{whole}.{}", if neg { "-" } else { "" }, &frac[..6])
}

fn total(tasks: &[DemoTask], k: &str) -> I256 {
    tasks
        .iter()
        .map(|t| {
            t.last[k]
                .as_str()
                .and_then(|s| s.parse::<I256>().ok())
                .unwrap_or_default()
        })
        .fold(I256::ZERO, |a, b| a + b)
}

#[allow(clippy::print_stdout, clippy::too_many_arguments)]
fn summary(
    tasks: &[DemoTask],
    ml: &[(&str, Vec<(bool, String)>)],
    before: &ledger::Snapshot,
    after: &ledger::Snapshot,
    expected: &BTreeMap<String, I256>,
    gas: &BTreeMap<String, (u64, u64)>,
    took: Duration,
    json: Option<&Path>,
) -> Result<bool, DemoError> {
    let mut ok = true;
    println!("\n== tasks ==");
    let mut by_state: BTreeMap<String, u32> = BTreeMap::new();
    for t in tasks {
        let status = t.last["status"].as_str().unwrap_or("?").to_owned();
        let good = status == t.expect;
        ok &= good;
        *by_state.entry(status.clone()).or_default() += 1;
        println!(
            "{:<10} {:<10} expected {:<10} {}   {}",
            t.name,
            status,
            t.expect,
            if good { "ok" } else { "WRONG" },
            t.state
        );
    }
    println!(
        "by final state: {}",
        by_state
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    // the quorum's dishonest replica is the one slashed; the silent provider too
    let slashed_in = |name: &str, who: &str| {
        tasks
            .iter()
            .find(|t| t.name == name)
            .is_some_and(|t| t.state.contains(&format!("{who}:slashed")))
    };
    for (task, who) in [("quorum", "p4"), ("silent", "p1"), ("digits-asia", "p4")] {
        let good = slashed_in(task, who);
        ok &= good;
        println!(
            "{task}: {who} slashed {}",
            if good { "ok" } else { "WRONG" }
        );
    }
    println!("\n== machine learning: scikit-learn digits, judged by the spec's validator ==");
    for (name, evidence) in ml {
        // the honest model passes its threshold; the forged predictions score far below it
        let want = *name == "digits";
        let good = !evidence.is_empty() && evidence.iter().all(|(passed, _)| *passed == want);
        ok &= good;
        for (passed, detail) in evidence {
            let verdict = if *passed { "passed" } else { "failed" };
            println!("{name:<12} accuracy recomputed from its predictions: {detail} ({verdict})");
        }
        println!("{name:<12} {}", if good { "ok" } else { "WRONG" });
    }
    println!("\n== money (SWAN) ==");
    let paid = total(tasks, "paid");
    let fees = total(tasks, "fees");
    let refunded = total(tasks, "refunded");
    let slashed = total(tasks, "slashed");
    println!(
        "escrowed {}  paid {}  fees {}  refunded {}  slashed {}",
        swan(total(tasks, "escrow")),
        swan(paid),
        swan(fees),
        swan(refunded),
        swan(slashed)
    );
    println!("\n== accounts: change on chain vs the indexer's record ==");
    let mut books = serde_json::Map::new();
    for (name, b) in before {
        let a = after.get(name).copied().unwrap_or_default();
        let actual = I256::from_raw(a) - I256::from_raw(*b);
        let want = expected.get(name).copied().unwrap_or_default();
        let good = actual == want;
        ok &= good;
        println!(
            "{name:<10} {:>14} expected {:>14} {}",
            swan(actual),
            swan(want),
            if good { "ok (to the wei)" } else { "WRONG" }
        );
        books.insert(
            name.clone(),
            serde_json::json!({ "actual": actual.to_string(), "expected": want.to_string() }),
        );
    }
    println!("\n== gas per step ==");
    for (call, (n, g)) in gas {
        println!(
            "{call:<24} {n:>4} calls {:>10} gas total {:>8} per call",
            g,
            g / n.max(&1)
        );
    }
    println!(
        "\nfinished in {:.1} s: {}",
        took.as_secs_f64(),
        if ok {
            "every task ended as expected and the books balance"
        } else {
            "SOMETHING DIFFERS (see above)"
        }
    );
    if let Some(path) = json {
        let v = serde_json::json!({
            "ok": ok,
            "tasks": tasks.iter().map(|t| serde_json::json!({ "name": t.name, "id": format!("{:#x}", t.id), "expected": t.expect, "task": t.last })).collect::<Vec<_>>(),
            "accounts": books,
            "gas": gas.iter().map(|(k, (n, g))| (k.clone(), serde_json::json!({ "calls": n, "gas": g }))).collect::<serde_json::Map<_, _>>(),
            "ml": ml.iter().map(|(name, evidence)| serde_json::json!({ "name": name, "validator": evidence.iter().map(|(passed, detail)| serde_json::json!({ "passed": passed, "detail": detail })).collect::<Vec<_>>() })).collect::<Vec<_>>(),
            "seconds": took.as_secs_f64(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&v).expect("serializes"))
            .map_err(|e| step("writing the JSON summary")(e.to_string()))?;
    }
    Ok(ok)
}
