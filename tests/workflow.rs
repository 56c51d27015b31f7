//! The `swan task` and `swan provider` commands against a running `swan devnet` (the real
//! binaries): each subcommand's happy path, and each kind of bad input as one clear line —
//! bad specs (every validation error class), bad flags, a missing keystore, a wrong password,
//! an unreachable RPC, a missing or bad provider config.

mod common;
use common::field;

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

struct Devnet {
    child: Child,
    dir: PathBuf,
    indexer: String,
    key: String,
    provider_config: String,
    provider_key: String,
}

impl Drop for Devnet {
    fn drop(&mut self) {
        // Ctrl-C first, so the devnet stops its anvil too (a SIGKILL would leave it running)
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn devnet() -> Devnet {
    let dir = std::env::temp_dir().join(format!("swan-workflow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_swan"))
        .args("devnet --port 0 --indexer-port 0 --keeper-port 0 --providers 2 --dir".split(' '))
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    for l in out.lines() {
        let l = l.unwrap();
        let done = l.starts_with("logs");
        lines.push(l);
        if done {
            break;
        }
    }
    let indexer = field(&lines, "indexer")
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let key = field(&lines, "submitter")
        .split("SWAN_PRIVATE_KEY=")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    let p1 = field(&lines, "provider p1");
    let provider_config = p1
        .split("(config ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_owned();
    Devnet {
        child,
        dir,
        indexer,
        key,
        provider_config,
        // anvil's third dev key: p1's owner (accounts: 0 keeper, 1 submitter, 2.. owners)
        provider_key: "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a".into(),
    }
}

fn swan(dn: &Devnet, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swan"));
    cmd.args(args)
        .env("SWAN_MANIFEST", dn.dir.join("manifest.json"))
        .env("SWAN_INDEXER_URL", &dn.indexer)
        .env_remove("SWAN_PRIVATE_KEY")
        .env_remove("SWAN_PROVIDER_KEY")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied());
    cmd.output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The one line a failed command prints.
fn error_line(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let e = String::from_utf8_lossy(&o.stderr).trim().to_owned();
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(
        !e.contains("panicked") && !e.contains("RUST_BACKTRACE"),
        "{e}"
    );
    e
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const OPEN: &str = r#"kind: batch
run: { command: "true" }
resources: { cpu: 64, gpu: { model: H100, count: 8 } }
deadline: { assign_within: 10m }
price: { cap: "2" }
verification: { mode: keeper_attested }
"#;

const QUICK: &str = r#"kind: batch
run: { command: sh, args: ["-c", "echo done"] }
resources: { cpu: 1 }
price: { cap: "0.1" }
verification: { mode: keeper_attested, criteria: { max_bytes: 10 } }
"#;

fn task_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("task "))
        .unwrap()
        .trim()
        .to_owned()
}

#[test]
fn task_and_provider_commands_against_a_devnet() {
    let dn = devnet();
    let key = [("SWAN_PRIVATE_KEY", dn.key.as_str())];
    let specs = dn.dir.join("t");
    std::fs::create_dir_all(&specs).unwrap();

    // create → status → list → cancel, on a task nobody can take (it stays open)
    let open = write(&specs, "open.yaml", OPEN);
    let id = task_id(&ok(&swan(&dn, &["task", "create", &open], &key)));
    let status = ok(&swan(&dn, &["task", "status", &id], &[]));
    assert!(
        status.contains("status        open") && status.contains("mode          keeper_attested"),
        "{status}"
    );
    // and says why it waits, once the keeper has planned it (its decision, relayed by the indexer)
    let t = Instant::now();
    loop {
        let s = ok(&swan(&dn, &["task", "status", &id], &[]));
        let waiting = s.lines().find_map(|l| l.strip_prefix("waiting       "));
        if waiting.is_some_and(|w| w.starts_with("no provider")) {
            assert_eq!(
                waiting.unwrap(),
                "no provider can take it now: 2 with a machine too small for it (0 eligible)",
                "{s}"
            );
            break;
        }
        assert!(waiting.is_some(), "{s}");
        assert!(t.elapsed() < Duration::from_secs(30), "{s}");
        std::thread::sleep(Duration::from_millis(300));
    }
    // a task that runs: the devnet's agents and keeper take it to completed
    let quick = write(&specs, "quick.yaml", QUICK);
    let done = task_id(&ok(&swan(&dn, &["task", "create", &quick], &key)));
    let t = Instant::now();
    loop {
        let s = ok(&swan(&dn, &["task", "status", &done], &[]));
        if s.contains("status        completed") {
            assert!(s.contains("— paid"), "{s}");
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "{s}");
        std::thread::sleep(Duration::from_millis(500));
    }
    // the list comes from the indexer, which follows the chain a moment behind
    let t = Instant::now();
    loop {
        let list = ok(&swan(&dn, &["task", "list"], &[]));
        assert!(list.contains(&done), "{list}");
        if list.contains("completed") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "{list}");
        std::thread::sleep(Duration::from_millis(300));
    }
    let j: serde_json::Value = serde_json::from_str(&ok(&swan(
        &dn,
        &["task", "list", "--status", "completed", "--json"],
        &[],
    )))
    .unwrap();
    assert!(
        j["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["task_id"] == done.as_str()),
        "{j}"
    );
    let list = ok(&swan(&dn, &["task", "list", "--status", "completed"], &[]));
    assert!(!list.contains(&id) && list.contains(&done), "{list}");
    // anyone can judge the results again from the indexer's record and the spec alone
    let v = ok(&swan(&dn, &["verify", &done, "--allow-files"], &[]));
    assert!(
        v.contains("hash ✓")
            && v.contains("max_bytes ✓")
            && v.contains("agree: it passes here and was paid on chain"),
        "{v}"
    );
    let e = error_line(&swan(&dn, &["verify", &done], &[]));
    assert!(e.contains("the task's spec: cannot fetch file://"), "{e}");
    let e = error_line(&swan(&dn, &["verify", "0x1234", "--allow-files"], &[]));
    assert!(e.contains("has no task 0x1234"), "{e}");
    let out = ok(&swan(&dn, &["task", "cancel", &id], &key));
    assert!(out.contains("cancelled"), "{out}");
    let status = ok(&swan(&dn, &["task", "status", &id], &[]));
    assert!(status.contains("status        cancelled"), "{status}");

    // the market's refusals, typed, in one line
    let e = error_line(&swan(&dn, &["task", "cancel", &id], &key));
    assert_eq!(
        e,
        format!(
            "error: cancelTask: task {id} is cancelled: this cannot be done to a task that is cancelled (swan task status shows what it waits for)"
        )
    );
    for (verb, done_word) in [("terminate", "terminated"), ("extend", "extended")] {
        let mut args = vec!["task", verb, done.as_str()];
        if verb == "extend" {
            args.push("10m");
        }
        let e = error_line(&swan(&dn, &args, &key));
        assert_eq!(
            e,
            format!(
                "error: task {done} is a batch task (keeper_attested), not a service: only a running service can be {done_word}"
            )
        );
    }
    // a service: while it runs, status names its address; extend pays for more time; terminate
    let service = write(
        &specs,
        "service.yaml",
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/specs/service.yaml"
        ))
        .unwrap(),
    );
    let svc = task_id(&ok(&swan(&dn, &["task", "create", &service], &key)));
    let t = Instant::now();
    let s = loop {
        let s = ok(&swan(&dn, &["task", "status", &svc], &[]));
        if s.contains("serves at     http") {
            break s;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "{s}");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(
        s.contains("runs for      10m")
            && s.contains("price cap     0.0001 SWAN per second per replica")
            && s.contains(&format!("/services/{svc}/0 (replica 0)")),
        "{s}"
    );
    let url = s
        .lines()
        .find_map(|l| l.strip_prefix("serves at     "))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    // the agent starts the service a moment after the assignment
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = Instant::now();
    loop {
        let health = rt.block_on(reqwest::get(format!("{url}/healthz"))).unwrap();
        if health.status() == 200 {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "{url}: {}",
            health.status()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let out = ok(&swan(&dn, &["task", "extend", &svc, "2m"], &key));
    assert!(
        out.starts_with(&format!("task {svc} extended by 2m: it runs until "))
            && out.contains(" UTC (paid "),
        "{out}"
    );
    let out = ok(&swan(&dn, &["task", "terminate", &svc], &key));
    assert!(out.contains("terminated"), "{out}");

    // the result: fetched by the indexer's record, checked against the committed hash, saved
    let saved = specs.join("done.result");
    let out = ok(&swan(
        &dn,
        &[
            "task",
            "result",
            &done,
            "--allow-files",
            "--out",
            saved.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(
        out.starts_with("replica 0 (0x")
            && out.contains("keccak256 matches what its provider committed; saved to"),
        "{out}"
    );
    assert!(!std::fs::read(&saved).unwrap().is_empty());
    for (args, says) in [
        (
            vec!["task", "result", &done, "--replica", "3"],
            "--replica 3: the task has replicas 0 to 0".to_owned(),
        ),
        (
            vec!["task", "result", &id],
            format!("error: task {id}: no replica has submitted a result yet"),
        ),
    ] {
        let e = error_line(&swan(&dn, &args, &[]));
        assert!(e.contains(&says), "{args:?}: {e}");
    }
    // status for scripts: the machine's units
    let j: serde_json::Value =
        serde_json::from_str(&ok(&swan(&dn, &["task", "status", &done, "--json"], &[]))).unwrap();
    assert_eq!(j["status"], "completed", "{j}");
    assert_eq!(j["price"], "100000000000000000", "{j}");
    assert_eq!(j["replica_list"][0]["status"], "paid", "{j}");
    assert!(j["assign_by"].as_u64().unwrap() > 1_700_000_000, "{j}");
    // and people's: SWAN and dates
    let s = ok(&swan(&dn, &["task", "status", &done], &[]));
    assert!(
        s.contains("price cap     0.1 SWAN per replica") && s.contains(" UTC\n"),
        "{s}"
    );

    // money: the submitter's balances, taking the market balance out, funding a newcomer
    let bal = |who: &[&str]| -> serde_json::Value {
        let args = [&["balance", "--json"][..], who].concat();
        serde_json::from_str(&ok(&swan(&dn, &args, &key))).unwrap()
    };
    let amount = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap().parse::<u128>().unwrap();
    let before = bal(&[]);
    let held = amount(&before, "market");
    assert!(held > 0, "the devnet deposited for the submitter: {before}");
    let out = ok(&swan(&dn, &["balance"], &key));
    assert!(
        out.contains("in the market") && out.contains(" SWAN"),
        "{out}"
    );
    let out = ok(&swan(&dn, &["withdraw", "0.001"], &key));
    assert!(out.starts_with("withdrew 0.001 SWAN to 0x"), "{out}");
    let after = bal(&[]);
    assert_eq!(amount(&after, "market"), held - 1_000_000_000_000_000);
    assert_eq!(
        amount(&after, "token"),
        amount(&before, "token") + 1_000_000_000_000_000
    );
    for (args, says) in [
        (vec!["withdraw", "abc"], "error: AMOUNT: \"abc\" is not an amount of SWAN: write e.g. 200, 12.5 or 0.001, or all".to_owned()),
        (vec!["withdraw", "0"], "error: AMOUNT: 0 withdraws nothing: give more, or all".to_owned()),
        (vec!["withdraw", "99999999999"], "less than the 99999999999 SWAN asked: withdraw at most that (or all)".to_owned()),
    ] {
        let e = error_line(&swan(&dn, &args, &key));
        assert!(e.contains(&says), "{args:?}: {e}");
    }
    let out = ok(&swan(&dn, &["withdraw", "all"], &key));
    assert!(out.contains("; 0 SWAN left in the market"), "{out}");
    let e = error_line(&swan(&dn, &["withdraw"], &key));
    assert!(
        e.starts_with("error: nothing to withdraw: the market holds 0 SWAN for 0x"),
        "{e}"
    );
    let newcomer = "0x00000000000000000000000000000000000dead1";
    let out = ok(&swan(&dn, &["devnet", "fund", newcomer, "12.5"], &[]));
    assert_eq!(
        out.trim(),
        format!(
            "funded {newcomer} with 12.5 SWAN: it holds 12.5 SWAN and gas for its transactions"
        )
    );
    let out = ok(&swan(&dn, &["balance", newcomer], &[]));
    assert!(out.contains("tokens        12.5 SWAN"), "{out}");
    let e = error_line(&swan(&dn, &["devnet", "fund", newcomer, "3.x"], &[]));
    assert!(e.contains("\"3.x\" is not an amount of SWAN"), "{e}");
    // a newcomer (anvil's last dev key) pays for a task with exactly what it takes: its
    // tokens are checked first, and no allowance is left behind
    let (nk, na) = (
        "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
        "0xa0ee7a142d267c1f36714e4a8f75612f20a79720",
    );
    let nkey = [("SWAN_PRIVATE_KEY", nk)];
    ok(&swan(&dn, &["devnet", "fund", na, "1"], &[]));
    let dear = write(
        &specs,
        "dear.yaml",
        &QUICK.replace("cap: \"0.1\"", "cap: \"5\""),
    );
    let e = error_line(&swan(&dn, &["task", "create", &dear], &nkey));
    assert_eq!(
        e,
        format!(
            "error: createTask: it takes 5 SWAN and {na} has 0 SWAN in the market and 1 SWAN of the token: get 4 SWAN more (on a devnet: swan devnet fund {na} 4)"
        )
    );
    ok(&swan(&dn, &["task", "create", &quick], &nkey));
    let b: serde_json::Value =
        serde_json::from_str(&ok(&swan(&dn, &["balance", "--json"], &nkey))).unwrap();
    assert_eq!(b["allowance"], "0", "{b}");
    assert_eq!(b["token"], "900000000000000000", "{b}");
    let elsewhere = specs.join("elsewhere.json");
    let mut m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dn.dir.join("manifest.json")).unwrap())
            .unwrap();
    m["chain_id"] = 314.into();
    std::fs::write(&elsewhere, m.to_string()).unwrap();
    let e = error_line(&swan(
        &dn,
        &[
            "devnet",
            "fund",
            newcomer,
            "1",
            "--manifest",
            elsewhere.to_str().unwrap(),
        ],
        &[],
    ));
    assert!(
        e.contains(
            "is a deployment on chain 314, not a local devnet (31337): only a devnet mints tokens"
        ),
        "{e}"
    );
    let e = error_line(&swan(&dn, &["task", "status", "0x1234"], &[]));
    assert!(e.contains("no task 0x1234"), "{e}");

    // provider commands with p1's config and key
    let pk = [("SWAN_PROVIDER_KEY", dn.provider_key.as_str())];
    let cfg = dn.provider_config.as_str();
    let status = ok(&swan(&dn, &["provider", "--config", cfg, "status"], &pk));
    assert!(
        status.contains("status        active")
            && status.contains("stake         500 SWAN (minimum "),
        "{status}"
    );
    let j: serde_json::Value = serde_json::from_str(&ok(&swan(
        &dn,
        &["provider", "--config", cfg, "status", "--json"],
        &pk,
    )))
    .unwrap();
    assert_eq!(j["status"], "active", "{j}");
    assert_eq!(j["stake"], "500000000000000000000", "{j}");
    assert_eq!(j["below_minimum"], false, "{j}");
    // pause and resume: the registry's record follows
    let out = ok(&swan(&dn, &["provider", "--config", cfg, "pause"], &pk));
    assert!(out.contains("status        paused"), "{out}");
    let out = ok(&swan(&dn, &["provider", "--config", cfg, "resume"], &pk));
    assert!(out.contains("status        active"), "{out}");
    let e = error_line(&swan(&dn, &["provider", "--config", cfg, "exit"], &pk));
    assert!(e.contains("exit is for good") && e.contains("--yes"), "{e}");
    let out = ok(&swan(
        &dn,
        &["provider", "--config", cfg, "stake", "1.5"],
        &pk,
    ));
    assert!(out.contains("stake         501.5 SWAN"), "{out}");
    let out = ok(&swan(
        &dn,
        &["provider", "--config", cfg, "unstake", "1"],
        &pk,
    ));
    assert!(
        out.contains("unbonding     1 SWAN (can be withdrawn from "),
        "{out}"
    );
    let e = error_line(&swan(&dn, &["provider", "--config", cfg, "withdraw"], &pk));
    assert!(
        e.starts_with(
            "error: withdrawCollateral: the stake is still unbonding: it can be withdrawn from "
        ) && e.ends_with(" UTC"),
        "{e}"
    );
    // the devnet's unbonding delay is 10 s: then the withdrawal goes through
    let t = Instant::now();
    let out = loop {
        std::thread::sleep(Duration::from_secs(2));
        let o = swan(&dn, &["provider", "--config", cfg, "withdraw"], &pk);
        if o.status.success() {
            break ok(&o);
        }
        let e = error_line(&o);
        assert!(e.contains("still unbonding"), "{e}");
        assert!(t.elapsed() < Duration::from_secs(60), "{e}");
    };
    assert!(
        out.contains("stake         500.5 SWAN") && !out.contains("unbonding"),
        "{out}"
    );
    let out = ok(&swan(&dn, &["provider", "--config", cfg, "register"], &pk));
    assert!(out.contains("status        active"), "{out}");
    let e = error_line(&swan(
        &dn,
        &["provider", "--config", cfg, "stake", "lots"],
        &pk,
    ));
    assert_eq!(
        e,
        "error: AMOUNT: \"lots\" is not an amount of SWAN: write e.g. 200, 12.5 or 0.001"
    );
    let e = error_line(&swan(&dn, &["provider", "--config", cfg, "status"], &[]));
    assert!(
        e.contains("no key: give `owner_keystore = FILE` in the provider config"),
        "{e}"
    );

    // bad specs: one line naming the file and the field, pinned message by message
    let mut wrong = Vec::new();
    for (name, text, says) in [
        (
            "parse.yaml",
            "kind: batch\nrun: [",
            "task spec: run: invalid type: sequence, expected struct Run at line 2 column 6",
        ),
        (
            "field.yaml",
            &QUICK.replace("cpu: 1", "cpu: 0"),
            "task spec field `resources.cpu`: 0 is not allowed; at least 1 core",
        ),
        (
            "unknown.yaml",
            &QUICK.replace("kind: batch", "kind: batch\nreplica: 3"),
            "task spec: unknown field `replica`, expected one of `kind`, `name`, `run`, `resources`, `region`, `deadline`, `duration`, `replicas`, `price`, `collateral_pct`, `verification`, `outputs` at line 2 column 1",
        ),
        (
            "empty.yaml",
            "# nothing yet\n",
            "task spec: the spec is empty: a task spec needs at least `kind`, `run`, `resources`, `price` and `verification` (see the README's \"Task spec\" and examples/specs/)",
        ),
        (
            "mode.yaml",
            &QUICK.replace("keeper_attested", "known_answer"),
            "task spec field `verification.mode`: known_answer needs the answer's commit (give the expected result to `swan task create --answer`)",
        ),
    ] {
        let p = write(&specs, name, text);
        let e = error_line(&swan(&dn, &["task", "create", &p], &key));
        let expected = format!("error: {p}: {says}");
        if e != expected {
            wrong.push(format!("{name}:\n  got      {e}\n  expected {expected}"));
        }
    }
    assert!(wrong.is_empty(), "the spec table:\n{}", wrong.join("\n"));
    let e = error_line(&swan(
        &dn,
        &["task", "create", "/nonexistent/job.yaml"],
        &key,
    ));
    assert!(
        e.starts_with("error: cannot read /nonexistent/job.yaml"),
        "{e}"
    );

    // keys: none, a malformed one, a missing keystore, a wrong password
    let e = error_line(&swan(&dn, &["task", "create", &quick], &[]));
    assert_eq!(
        e,
        "error: no key: give --keystore FILE (with a password file or a terminal) or set SWAN_PRIVATE_KEY"
    );
    let e = error_line(&swan(
        &dn,
        &["task", "create", &quick],
        &[("SWAN_PRIVATE_KEY", "0x12")],
    ));
    assert_eq!(
        e,
        "error: SWAN_PRIVATE_KEY is not a private key: give 0x followed by 64 hex digits"
    );
    let create = ["task", "create", quick.as_str()];
    let with = |extra: &[&str]| error_line(&swan(&dn, &[&create[..], extra].concat(), &[]));
    let e = with(&["--keystore", "/nonexistent/ks.json"]);
    assert_eq!(
        e,
        "error: keystore /nonexistent/ks.json does not exist: give the path of an encrypted JSON keystore"
    );
    let ks = common::new_keystore(&specs.join("ks"), "right");
    let pw = write(&specs, "pw.txt", "wrong\n");
    let e = with(&["--keystore", ks.to_str().unwrap(), "--password-file", &pw]);
    assert!(e.contains("wrong password, or not a keystore file"), "{e}");

    // an unreachable RPC, an indexer that is not there
    let e = error_line(&swan(
        &dn,
        &["task", "create", &quick, "--rpc-url", "http://127.0.0.1:1"],
        &key,
    ));
    assert!(
        e.contains("the RPC does not answer") && e.contains("swan devnet"),
        "{e}"
    );
    let e = error_line(&swan(
        &dn,
        &["task", "list", "--indexer-url", "http://127.0.0.1:1"],
        &[],
    ));
    assert!(
        e.contains("the indexer at http://127.0.0.1:1") && e.contains("does not answer"),
        "{e}"
    );
    let e = error_line(&swan(&dn, &["task", "list", "--status", "lost"], &[]));
    assert!(
        e.contains("the indexer refuses the query: status must be one of"),
        "{e}"
    );

    // bad arguments: the first line of each, pinned, and the exit code (2: clap's usage errors)
    for (args, code, first) in [
        (
            vec!["task", "extend", &id, "soon"],
            1,
            "error: DURATION \"soon\" is not a duration (expected number at 0); write e.g. 90s, 10m or 1h",
        ),
        (
            vec!["task", "status", "not-a-number"],
            2,
            "error: invalid value 'not-a-number' for '<ID>': invalid digit: n",
        ),
        (
            vec!["task", "frobnicate"],
            2,
            "error: unrecognized subcommand 'frobnicate'",
        ),
        (
            vec!["task", "result", &id, "--replica", "x"],
            2,
            "error: invalid value 'x' for '--replica <REPLICA>': invalid digit found in string",
        ),
        (
            vec!["withdraw", "abc"],
            1,
            "error: AMOUNT: \"abc\" is not an amount of SWAN: write e.g. 200, 12.5 or 0.001, or all",
        ),
        (
            vec!["devnet", "fund", "0xzz", "1"],
            2,
            "error: invalid value '0xzz' for '<ADDRESS>': invalid string length",
        ),
        (
            vec!["devnet", "--claim-every-secs", "0"],
            2,
            "error: invalid value '0' for '--claim-every-secs <CLAIM_EVERY_SECS>': 0 is not in 1..=31536000",
        ),
        (
            vec!["provider", "--config", "/nonexistent/p.toml", "stake", "1"],
            1,
            "error: cannot read the provider config /nonexistent/p.toml: No such file or directory (os error 2) (write one as in provider/README.md, or give --config)",
        ),
    ] {
        let o = swan(&dn, &args, &key);
        let e = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(e.lines().next(), Some(first), "{args:?}: {e}");
        assert_eq!(o.status.code(), Some(code), "{args:?}: {e}");
    }

    // swan.toml stands in for unset environment variables, which stand in for flags
    let cwd = specs.join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::write(
        cwd.join("swan.toml"),
        format!(
            "manifest = \"{}\"\nindexer_url = \"{}\"\n",
            dn.dir.join("manifest.json").display(),
            dn.indexer
        ),
    )
    .unwrap();
    let in_cwd = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_swan"));
        c.args(args)
            .current_dir(&cwd)
            .env_remove("SWAN_MANIFEST")
            .env_remove("SWAN_INDEXER_URL")
            .envs(env.iter().copied());
        c.output().unwrap()
    };
    let list = ok(&in_cwd(&["task", "list"], &[]));
    assert!(list.contains(&done), "the file's indexer_url: {list}");
    let e = error_line(&in_cwd(
        &["task", "list"],
        &[("SWAN_INDEXER_URL", "http://127.0.0.1:1")],
    ));
    assert!(
        e.contains("http://127.0.0.1:1"),
        "the environment wins over the file: {e}"
    );
    let list = ok(&in_cwd(
        &["task", "list", "--indexer-url", &dn.indexer],
        &[("SWAN_INDEXER_URL", "http://127.0.0.1:1")],
    ));
    assert!(
        list.contains(&done),
        "the flag wins over the environment: {list}"
    );
    std::fs::write(cwd.join("swan.toml"), "private_key = \"0x12\"\n").unwrap();
    let e = error_line(&in_cwd(&["task", "list"], &[]));
    assert!(
        e.starts_with("error: config file swan.toml line 1: unknown field `private_key`"),
        "{e}"
    );

    // a missing or bad provider config
    let e = error_line(&swan(
        &dn,
        &["provider", "--config", "/nonexistent/p.toml", "status"],
        &pk,
    ));
    assert!(
        e.starts_with("error: cannot read the provider config /nonexistent/p.toml"),
        "{e}"
    );
    let bad = write(
        &specs,
        "bad.toml",
        "work_dir = \"/tmp/x\"\nregion = \"\"\nstake = \"1\"\n[resources]\ncpu = 1\n",
    );
    let e = error_line(&swan(&dn, &["provider", "--config", &bad, "status"], &pk));
    assert_eq!(
        e,
        "error: provider config `region`: \"\": 1 to 32 bytes of text"
    );
    // leaving for good, last: p1 is exited and says so
    let out = ok(&swan(
        &dn,
        &["provider", "--config", cfg, "exit", "--yes"],
        &pk,
    ));
    assert!(out.contains("status        exited"), "{out}");
}
