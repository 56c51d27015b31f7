use super::*;

const GOOD: &str = r#"
kind: batch
name: word-count
run:
  command: sh
  args: ["-c", "echo 42 > out.txt"]
  env: { LANG: C }
  timeout: 2m
resources: { cpu: 2, memory_gib: 4, gpu: { model: A100, count: 1, memory_gib: 80 } }
region: us
deadline: { assign_within: 5m, result_within: 30m, settle_within: 10m }
replicas: 1
price: { cap: "0.5" }
verification:
  mode: keeper_attested
  criteria: { max_bytes: 1024 }
outputs: [{ path: out.txt }]
"#;

fn with(from: &str, to: &str) -> Result<Parsed, SpecError> {
    assert!(GOOD.contains(from), "{from}");
    TaskSpec::parse(GOOD.replacen(from, to, 1).as_bytes())
}

fn field_error(from: &str, to: &str) -> (String, String) {
    match with(from, to) {
        Err(SpecError::Invalid { field, problem }) => (field.to_owned(), problem),
        other => panic!("{from} -> {to}: {other:?}"),
    }
}

#[test]
fn a_good_spec_parses_hashes_and_becomes_a_request() {
    let p = TaskSpec::parse(GOOD.as_bytes()).unwrap();
    assert_eq!(p.hash, keccak256(GOOD.as_bytes()));
    assert_eq!(p.spec.kind, Kind::Batch);
    assert_eq!(p.spec.run.timeout, Some(Duration::from_secs(120)));
    assert_eq!(
        p.spec.escrow().unwrap(),
        U256::from(5u64) * U256::from(10u64).pow(U256::from(17))
    );
    let r = p
        .spec
        .request(
            p.hash,
            1_000,
            &Publish {
                uri: "file:///spec.yaml".into(),
                answer_commit: None,
                params_version: 3,
            },
        )
        .unwrap();
    assert_eq!(r.mode, 0);
    assert_eq!(r.paramsVersion, 3);
    assert_eq!(r.assignBy, 1_300);
    assert_eq!(r.resultBy, 2_800);
    assert_eq!(r.settleBy, 3_400);
    assert_eq!(r.requirements.cpuCores, 2);
    assert_eq!(r.requirements.gpuModel, label("A100"));
    assert_eq!(&r.region[..3], b"us\0");
    assert_eq!(r.specHash, p.hash);
    assert_eq!(r.specURI, "file:///spec.yaml");
    assert_eq!(r.collateralPct, 100);
}

#[test]
fn a_service_spec_carries_its_duration_in_result_by() {
    let yaml = r#"
kind: service
run: { command: sleep, args: ["3600"] }
resources: { cpu: 1 }
duration: 1h
price: { cap: "0.001" }
verification: { mode: service_health, health: { path: /health, interval_secs: 5, timeout_ms: 1000, grace_secs: 10 } }
"#;
    let p = TaskSpec::parse(yaml.as_bytes()).unwrap();
    let r = p.spec.request(p.hash, 50, &Publish::default()).unwrap();
    assert_eq!(
        (r.mode, r.resultBy, r.settleBy, r.assignBy),
        (3, 3600, 0, 650)
    );
    assert_eq!(
        p.spec.escrow().unwrap(),
        U256::from(3_600_000_000_000_000_000u128)
    );
}

#[test]
fn parse_errors_give_line_and_column() {
    let e = with("cpu: 2", "cpu: two").unwrap_err();
    let SpecError::Parse {
        at: Some((line, _)),
        message,
    } = &e
    else {
        panic!("{e:?}");
    };
    assert_eq!(*line, 9, "{message}");
    assert!(
        e.to_string()
            .starts_with("task spec: resources.cpu: invalid type"),
        "{e}"
    );
    assert!(e.to_string().ends_with("at line 9 column 19"), "{e}");
    let e = with("replicas: 1", "replicas: 1\nreplica: 2").unwrap_err();
    assert!(e.to_string().contains("unknown field `replica`"), "{e}");
    let e = with("assign_within: 5m", "assign_within: soon").unwrap_err();
    assert!(e.to_string().contains("write e.g. 90s"), "{e}");
    let e = TaskSpec::parse(b"\xff\xfe").unwrap_err();
    assert!(e.to_string().contains("not UTF-8"), "{e}");
    let e = with("kind: batch", "kind: cron").unwrap_err();
    assert!(e.to_string().contains("unknown variant `cron`"), "{e}");
}

#[test]
fn each_validation_error_names_its_field() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "command: sh",
            "image: alpine:3\n  command: sh",
            "run",
            "not both",
        ),
        ("  command: sh\n", "", "run", "`command`"),
        ("command: sh", "command: ' '", "run.command", "empty"),
        (
            "timeout: 2m",
            "timeout: 0s",
            "run.timeout",
            "longer than 0s",
        ),
        ("cpu: 2", "cpu: 0", "resources.cpu", "at least 1"),
        (
            "count: 1",
            "count: 0",
            "resources.gpu.count",
            "leave `gpu` out",
        ),
        (
            "model: A100",
            "model: ''",
            "resources.gpu.model",
            "1 to 32 bytes",
        ),
        (
            "region: us",
            "region: a-region-name-that-is-longer-than-32",
            "region",
            "1 to 32",
        ),
        ("replicas: 1", "replicas: 17", "replicas", "1 to 16"),
        ("replicas: 1", "replicas: 0", "replicas", "1 to 16"),
        (
            "cap: \"0.5\"",
            "cap: \"abc\"",
            "price.cap",
            "not a token amount",
        ),
        ("cap: \"0.5\"", "cap: \"0\"", "price.cap", "above 0"),
        ("cap: \"0.5\"", "cap: \"-1\"", "price.cap", "negative"),
        (
            "cap: \"0.5\"",
            "cap: \"0.0000000000000000001\"",
            "price.cap",
            "not a token amount",
        ),
        (
            "replicas: 1",
            "replicas: 1\ncollateral_pct: 5000",
            "collateral_pct",
            "0 to 1000",
        ),
        (
            "assign_within: 5m",
            "assign_within: 0s",
            "deadline.assign_within",
            "more than 0s",
        ),
        (
            "result_within: 30m",
            "result_within: 4m",
            "deadline.result_within",
            "later than",
        ),
        (
            "settle_within: 10m",
            "settle_within: 400d",
            "deadline.settle_within",
            "365 days",
        ),
        (
            "replicas: 1",
            "replicas: 1\nduration: 1h",
            "duration",
            "for services",
        ),
        (
            "mode: keeper_attested",
            "mode: service_health",
            "verification.mode",
            "kind: service",
        ),
        (
            "mode: keeper_attested",
            "mode: quorum",
            "verification.quorum",
            "needs `quorum`",
        ),
        (
            "mode: keeper_attested",
            "mode: keeper_attested\n  quorum: 2",
            "verification.quorum",
            "only for",
        ),
        (
            "mode: keeper_attested",
            "mode: keeper_attested\n  health: {}",
            "verification.health",
            "only for",
        ),
        (
            "path: out.txt",
            "path: ../out.txt",
            "outputs.path",
            "inside the work directory",
        ),
        (
            "path: out.txt",
            "path: /etc/passwd",
            "outputs.path",
            "inside the work directory",
        ),
        (
            "[{ path: out.txt }]",
            "[{ path: a }, { path: b }]",
            "outputs",
            "one file is the result",
        ),
    ];
    for (from, to, field, says) in cases {
        let (f, problem) = field_error(from, to);
        assert_eq!(&f, field, "{from} -> {to}: {problem}");
        assert!(problem.contains(says), "{from} -> {to}: {problem}");
    }
    // quorum sizes
    let q = |replicas: u8, quorum: u8| {
        TaskSpec::parse(
            GOOD.replace("replicas: 1", &format!("replicas: {replicas}"))
                .replace(
                    "mode: keeper_attested",
                    &format!("mode: quorum\n  quorum: {quorum}"),
                )
                .replace("  criteria: { max_bytes: 1024 }\n", "")
                .as_bytes(),
        )
    };
    assert!(q(3, 2).is_ok());
    assert!(q(3, 3).is_ok());
    for (r, k) in [(3, 1), (4, 2), (3, 4), (1, 1)] {
        let e = q(r, k).unwrap_err();
        assert!(
            e.to_string().contains("verification.quorum"),
            "{r}/{k}: {e}"
        );
    }
}

#[test]
fn service_specs_need_a_duration_and_the_health_mode() {
    let base = r#"
kind: service
run: { command: sleep }
resources: { cpu: 1 }
DURATION
price: { cap: "0.001" }
verification: { mode: MODE }
"#;
    let e = |d: &str, m: &str| {
        TaskSpec::parse(base.replace("DURATION", d).replace("MODE", m).as_bytes()).unwrap_err()
    };
    assert!(
        e("", "service_health")
            .to_string()
            .contains("needs a duration")
    );
    assert!(
        e("duration: 0s", "service_health")
            .to_string()
            .contains("at least 1s")
    );
    assert!(
        e("duration: 1h", "quorum")
            .to_string()
            .contains("verified by `service_health`")
    );
    let bad_health = base.replace("DURATION", "duration: 1h").replace(
        "MODE",
        "service_health, health: { interval_secs: 1, timeout_ms: 5000 }",
    );
    let e = TaskSpec::parse(bad_health.as_bytes()).unwrap_err();
    assert!(e.to_string().contains("timeout_ms must be between"), "{e}");
    // health checks the provider's agent cannot answer are refused before anyone is slashed
    let health = |h: &str| {
        let text = base
            .replace("DURATION", "duration: 1h")
            .replace("MODE", &format!("service_health, health: {{ {h} }}"));
        TaskSpec::parse(text.as_bytes()).map(drop)
    };
    let e = health("expect_status: 204").unwrap_err().to_string();
    assert!(
        e.contains("verification.health") && e.contains("expect_status 204 cannot be served"),
        "{e}"
    );
    let e = health("path: \"/health?x=1\"").unwrap_err().to_string();
    assert!(e.contains("path must start with '/' and hold only"), "{e}");
    health("path: /healthz, expect_status: 200").unwrap();
}

#[test]
fn known_answer_needs_its_commit_and_only_it_takes_one() {
    let p = with("mode: keeper_attested", "mode: known_answer").unwrap();
    let e = p.spec.request(p.hash, 0, &Publish::default()).unwrap_err();
    assert!(e.to_string().contains("--answer"), "{e}");
    let commit = answer_commit(B256::repeat_byte(1), B256::repeat_byte(2));
    let r = p
        .spec
        .request(
            p.hash,
            0,
            &Publish {
                uri: String::new(),
                answer_commit: Some(commit),
                params_version: 1,
            },
        )
        .unwrap();
    assert_eq!((r.mode, r.answerCommit), (1, commit));
    let good = TaskSpec::parse(GOOD.as_bytes()).unwrap();
    let e = good
        .spec
        .request(
            good.hash,
            0,
            &Publish {
                uri: String::new(),
                answer_commit: Some(commit),
                params_version: 1,
            },
        )
        .unwrap_err();
    assert!(e.to_string().contains("only known_answer"), "{e}");
}

#[test]
fn commits_are_the_abi_encodings_the_contract_hashes() {
    use alloy::sol_types::SolValue;
    let (e, s) = (B256::repeat_byte(7), B256::repeat_byte(9));
    assert_eq!(answer_commit(e, s), keccak256((e, s).abi_encode()));
    let (t, i) = (U256::from(12345u64), U256::from(2u64));
    assert_eq!(
        quorum_commit(t, i, e, s),
        keccak256((t, i, e, s).abi_encode())
    );
}

#[test]
fn oversized_specs_are_refused_before_parsing() {
    let big = vec![b'#'; MAX_SPEC_BYTES + 1];
    let e = TaskSpec::parse(&big).unwrap_err();
    assert!(e.to_string().contains("larger than"), "{e}");
}

#[test]
fn a_spec_asks_for_the_network_explicitly() {
    let p = with("  command: sh", "  command: sh\n  network: true").unwrap();
    assert!(p.spec.run.network);
    let p = with("  command: sh", "  command: sh").unwrap();
    assert!(!p.spec.run.network, "off unless asked for");
    let e = with("  command: sh", "  command: sh\n  network: please").unwrap_err();
    assert!(e.to_string().contains("network"), "{e}");
}

#[test]
fn an_empty_spec_says_what_a_spec_needs() {
    for text in ["", "\n\n", "# a comment\n---\n"] {
        let e = TaskSpec::parse(text.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            e,
            "task spec: the spec is empty: a task spec needs at least `kind`, `run`, `resources`, `price` and `verification` (see the README's \"Task spec\" and examples/specs/)",
            "{text:?}"
        );
    }
}
