//! The `swan` binary end to end: deploy against a real anvil, and one clear line for each kind of
//! bad input (pinned messages).

use std::process::{Command, Output};

use alloy::node_bindings::Anvil;
use swan_contracts::{Manifest, anvil_path};

fn swan(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_swan"));
    cmd.args(args)
        .env_remove("SWAN_PRIVATE_KEY")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied());
    cmd.output().expect("swan runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_owned()
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("swan-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `swan devnet --once` into `dir` on free ports.
fn devnet_once(dir: &std::path::Path) -> Vec<&str> {
    let d: &'static str = Box::leak(dir.to_str().unwrap().to_owned().into_boxed_str());
    let ports = "devnet --port 0 --indexer-port 0 --keeper-port 0";
    let mut args: Vec<&str> = ports.split(' ').collect();
    args.extend(["--providers", "1", "--once", "--dir", d]);
    args
}

/// The hex private key of one of anvil's funded dev accounts.
fn funded_key(anvil: &alloy::node_bindings::AnvilInstance) -> String {
    format!(
        "0x{}",
        alloy::primitives::hex::encode(anvil.keys()[0].to_bytes())
    )
}

#[test]
fn devnet_once_deploys_and_writes_a_manifest() {
    let dir = tmp("devnet");
    let manifest = dir.join("manifest.json");
    let out = swan(&devnet_once(&dir), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let m = Manifest::load(&manifest).unwrap();
    assert!(
        stdout.contains(&format!("SwanMarket    {}", m.market)),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("token         {}", m.token)),
        "{stdout}"
    );
    assert_eq!(m.chain_id, 31337);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn deploy_to_a_running_chain() {
    let anvil = Anvil::at(anvil_path()).try_spawn().unwrap();
    let dir = tmp("deploy");
    let manifest = dir.join("local.json");
    let out = swan(
        &[
            "deploy",
            "--rpc-url",
            &anvil.endpoint(),
            "--out",
            manifest.to_str().unwrap(),
            "--fee-bps",
            "250",
        ],
        &[("SWAN_PRIVATE_KEY", funded_key(&anvil).as_str())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let m = Manifest::load(&manifest).unwrap();
    assert_eq!(m.rpc_urls, vec![anvil.endpoint()]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_input_gets_one_clear_line() {
    let anvil = Anvil::at(anvil_path()).try_spawn().unwrap();
    let endpoint = anvil.endpoint();
    let funded = funded_key(&anvil);
    let key = [("SWAN_PRIVATE_KEY", funded.as_str())];
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, String);
    let cases: Vec<Case<'_>> = vec![
        (
            vec!["deploy"],
            vec![],
            "error: SWAN_PRIVATE_KEY is not set: export the deployer's private key (hex) in SWAN_PRIVATE_KEY".into(),
        ),
        (
            vec!["deploy"],
            vec![("SWAN_PRIVATE_KEY", "0x1234")],
            "error: SWAN_PRIVATE_KEY is not a valid private key (expected 32 bytes of hex)".into(),
        ),
        (vec!["deploy", "--rpc-url", "not a url"], key.to_vec(), "error: --rpc-url \"not a url\" is not a valid URL".into()),
        (
            vec!["deploy", "--network", "proxima", "--rpc-url", "http://127.0.0.1:1"],
            key.to_vec(),
            "error: --token is required on --network Proxima (a dev token is only deployed on a local chain)".into(),
        ),
        (
            vec!["deploy", "--network", "swan", "--token", "0x0000000000000000000000000000000000000001", "--rpc-url", &endpoint],
            key.to_vec(),
            format!("error: the RPC at {endpoint} is chain 31337, but --network Swan is chain 254"),
        ),
        (
            vec![
                "deploy", "--rpc-url", &endpoint,
                "--keeper", "0x00000000000000000000000000000000000000aa",
                "--treasury", "0x00000000000000000000000000000000000000AA",
            ],
            key.to_vec(),
            "error: the treasury 0x00000000000000000000000000000000000000AA is also a keeper, which the contracts refuse (a keeper must never receive what its verdicts slash): give --treasury an address that is not a keeper".into(),
        ),
        (
            vec!["deploy", "--rpc-url", &endpoint, "--admin-delay", "60"],
            key.to_vec(),
            "error: the market's constructor refused the configuration: a parameter is out of its allowed range: check the admin delay, the fee, slash and collateral percentages and the deadline limits against the registry's bounds".into(),
        ),
    ];
    for (args, env, expected) in cases {
        let out = swan(&args, &env);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(stderr(&out), expected, "{args:?}");
    }

    let out = swan(&["deploy", "--rpc-url", "http://127.0.0.1:1"], &key);
    let err = stderr(&out);
    assert!(
        err.starts_with("error: cannot reach the RPC at http://127.0.0.1:1"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let out = swan(&["deploy", "--fee-bps", "lots"], &key);
    assert!(
        stderr(&out).contains("invalid value 'lots' for '--fee-bps <FEE_BPS>'"),
        "{}",
        stderr(&out)
    );
    assert_eq!(out.status.code(), Some(2));

    // the contract's own limits come back as the typed revert, not a panic
    let dir = tmp("badfee");
    let out = swan(
        &[
            "deploy",
            "--rpc-url",
            &endpoint,
            "--fee-bps",
            "5000",
            "--out",
            dir.join("m.json").to_str().unwrap(),
        ],
        &key,
    );
    let err = stderr(&out);
    assert!(!out.status.success());
    assert_eq!(
        err,
        "error: the market's constructor refused the configuration: a parameter is out of its allowed range: check the admin delay, the fee, slash and collateral percentages and the deadline limits against the registry's bounds"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn help_lists_every_subcommand() {
    let out = swan(&["--help"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    for sub in [
        "devnet", "demo", "deploy", "task", "provider", "indexer", "keeper",
    ] {
        assert!(text.contains(sub), "{text}");
    }
    for (sub, needles) in [
        (
            vec!["task", "--help"],
            vec!["create", "status", "list", "cancel", "extend", "terminate"],
        ),
        (
            vec!["provider", "--help"],
            vec![
                "register", "stake", "unstake", "withdraw", "claim", "status", "run",
            ],
        ),
        (
            vec!["task", "create", "--help"],
            vec!["--spec-uri", "--answer", "SWAN_PRIVATE_KEY"],
        ),
        (
            vec!["provider", "run", "--help"],
            vec!["--config", "SWAN_PROVIDER_CONFIG"],
        ),
        (vec!["demo", "--help"], vec!["--json", "--keep"]),
        (
            vec!["devnet", "--help"],
            vec!["--providers", "--dishonest", "--once"],
        ),
    ] {
        let out = swan(&sub, &[]);
        let text = String::from_utf8_lossy(&out.stdout);
        for n in needles {
            assert!(text.contains(n), "{sub:?} lacks {n}: {text}");
        }
    }
    let out = swan(&["deploy", "--help"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("SWAN_PRIVATE_KEY") && text.contains("--network"),
        "{text}"
    );
}

#[test]
fn indexer_bad_input_gets_one_clear_line() {
    let dir = tmp("indexer-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let missing = dir.join("missing.json");
    let out = swan(
        &["indexer", "run", "--manifest", missing.to_str().unwrap()],
        &[],
    );
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(
        err.starts_with("error: ") && err.contains("missing.json"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    // a manifest of other contracts is refused with what changed and what to do
    let anvil = Anvil::at(anvil_path()).try_spawn().unwrap();
    let manifest = dir.join("manifest.json");
    let out = swan(&devnet_once(&dir), &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&manifest).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&text).unwrap();
    m["abi_fingerprint"] = serde_json::Value::String(format!("0x{}", "11".repeat(32)));
    std::fs::write(&manifest, m.to_string()).unwrap();
    let rpc = anvil.endpoint();
    let run = [
        "indexer",
        "run",
        "--manifest",
        manifest.to_str().unwrap(),
        "--rpc-url",
        &rpc,
    ];
    let out = swan(&run, &[]);
    let err = stderr(&out);
    assert!(err.contains("ABI") || err.contains("abi"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // the keeper whose prices the explorer relays must be an http:// address
    std::fs::write(&manifest, &text).unwrap();
    for bad in ["ftp://127.0.0.1:8081", "127.0.0.1:8081", "http://"] {
        let out = swan(&[&run[..], &["--keeper-url", bad]].concat(), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{bad}: {err}");
        assert_eq!(
            err.trim_end(),
            format!(
                "error: --keeper-url must be the keeper's http:// address (its --listen, e.g. http://127.0.0.1:8081), got {bad:?}"
            ),
            "{bad}"
        );
    }

    for (args, needle) in [
        (
            vec!["indexer", "run", "--poll-ms", "1"],
            "invalid value '1' for '--poll-ms <POLL_MS>'",
        ),
        (
            vec!["indexer", "run", "--listen", "nowhere"],
            "invalid value 'nowhere' for '--listen <LISTEN>'",
        ),
        (
            vec!["indexer", "run", "--progress", "sometimes"],
            "invalid value 'sometimes' for '--progress <PROGRESS>'",
        ),
    ] {
        let out = swan(&args, &[]);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
    let out = swan(
        &[
            "indexer",
            "run",
            "--manifest",
            missing.to_str().unwrap(),
            "--db",
            "mysql://x/y",
        ],
        &[],
    );
    assert!(
        stderr(&out).contains("missing.json"),
        "the manifest is read first: {}",
        stderr(&out)
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// Two submitters create tasks in the same block: each is told the id of its own task (the
/// market's counter is shared, so an id read before sending names the other's when it lands
/// first), and so is every line printed with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_creators_in_one_block_each_get_their_own_task_id() {
    use alloy::providers::Provider;
    use swan_contracts::{DeployConfig, SwanMarket, deploy, dev_provider, fund, tokens};
    let anvil = Anvil::at(anvil_path()).try_spawn().unwrap();
    let (p, keys) = dev_provider(&anvil, 3);
    let manifest = deploy(&p, &DeployConfig::devnet(keys[0], anvil.endpoint()))
        .await
        .unwrap();
    let submitters = [keys[1], keys[2]];
    fund(&p, &manifest, &submitters, tokens(1_000))
        .await
        .unwrap();
    let dir = tmp("same-block");
    let mpath = dir.join("manifest.json");
    manifest.save(&mpath).unwrap();
    let spec = dir.join("job.yaml");
    std::fs::write(&spec, include_str!("../examples/specs/sum.yaml")).unwrap();
    // from here on a block is mined only when asked
    let _: serde_json::Value = p
        .raw_request("evm_setAutomine".into(), (false,))
        .await
        .unwrap();
    let rpc = anvil.endpoint();
    let children: Vec<_> = [1usize, 2]
        .iter()
        .map(|&i| {
            let key = format!("0x{}", alloy::hex::encode(anvil.keys()[i].to_bytes()));
            let args = ["task", "create", spec.to_str().unwrap(), "--manifest"];
            Command::new(env!("CARGO_BIN_EXE_swan"))
                .args(args)
                .arg(&mpath)
                .args(["--rpc-url", &rpc])
                .env("SWAN_PRIVATE_KEY", key)
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // both transactions wait in the pool; then one block takes them both
    let t = std::time::Instant::now();
    loop {
        let pool: serde_json::Value = p.raw_request("txpool_status".into(), ()).await.unwrap();
        let pending = pool["pending"].as_str().map_or(0, |h| {
            u64::from_str_radix(h.trim_start_matches("0x"), 16).unwrap_or(0)
        });
        if pending == 2 {
            break;
        }
        assert!(t.elapsed().as_secs() < 60, "not both sent: {pool}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _: serde_json::Value = p.raw_request("evm_mine".into(), ()).await.unwrap();
    let printed: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let line = text
                .lines()
                .find_map(|l| l.strip_prefix("task "))
                .unwrap_or_else(|| panic!("{text}"));
            line.trim().to_owned()
        })
        .collect();
    // the chain's own record: who created which task, in that one block
    let market = SwanMarket::new(manifest.market, &p);
    let created = market
        .TaskCreated_filter()
        .from_block(0)
        .query()
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(
        created[0].1.block_number, created[1].1.block_number,
        "one block"
    );
    for (who, id) in submitters.iter().zip(&printed) {
        let mine = created.iter().find(|(e, _)| e.submitter == *who).unwrap();
        assert_eq!(*id, format!("{:#x}", mine.0.taskId), "{who}");
    }
    assert_ne!(printed[0], printed[1]);
}
