//! Keeper-attested verification against a real HTTP server on 127.0.0.1, real files and real
//! validator processes.

use std::time::Duration;

use alloy::primitives::{B256, keccak256};
use axum::{Router, http::StatusCode, routing::get};
use swan_keeper::verify::{
    Attest, Attester, Check, Criteria, FetchError, Fetcher, Validator, Validators,
};

const RESULT: &str = r#"{"accuracy": 0.93, "model": "resnet"}"#;

async fn server() -> String {
    let app = Router::new()
        .route("/result.json", get(|| async { RESULT }))
        .route("/ipfs/bafyresult/out.json", get(|| async { RESULT }))
        .route("/big", get(|| async { "x".repeat(10_000) }))
        .route("/down", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .route("/busy", get(|| async { StatusCode::TOO_MANY_REQUESTS }))
        .route("/gone", get(|| async { StatusCode::NOT_FOUND }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                RESULT
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

/// A keeper's attester over `base` that runs `sh` validators (its operator allowed `sh`).
fn fetcher(base: &str, files: bool) -> Attester {
    Attester {
        fetcher: Fetcher::new(base, files, Duration::from_millis(800)),
        validators: Validators::allow(["sh"]).unwrap(),
    }
}

fn hash() -> B256 {
    keccak256(RESULT.as_bytes())
}

fn validator(script: &str, threshold: f64, timeout_secs: u64) -> Validator {
    Validator {
        command: "sh".into(),
        args: vec![
            "-c".into(),
            script.into(),
            "validator".into(),
            "{result}".into(),
        ],
        threshold,
        timeout_secs,
    }
}

fn full_criteria() -> Criteria {
    Criteria {
        min_bytes: Some(10),
        max_bytes: Some(1_000),
        schema: Some(serde_json::json!({
            "type": "object",
            "required": ["accuracy", "model"],
            "properties": {"accuracy": {"type": "number", "minimum": 0, "maximum": 1}}
        })),
        // the validator reads the result it is given: prints the accuracy
        validator: Some(validator(
            r#"sed -E 's/.*"accuracy": ([0-9.]+).*/\1/' "$1""#,
            0.9,
            10,
        )),
    }
}

#[tokio::test]
async fn a_good_result_passes_every_check_with_its_evidence() {
    let base = server().await;
    let uri = format!("{base}/result.json");
    let v = fetcher(&base, false)
        .attest(&uri, hash(), &full_criteria())
        .await
        .unwrap();
    let names: Vec<&str> = v.checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["hash", "min_bytes", "max_bytes", "schema", "validator"]
    );
    assert!(v.passed, "{:?}", v.checks);
    assert_eq!(v.hash, hash());
    assert_eq!(v.bytes, RESULT.len() as u64);
    assert!(
        v.checks[4].detail.contains("score 0.93"),
        "{:?}",
        v.checks[4]
    );
}

#[tokio::test]
async fn content_that_is_not_what_was_submitted_fails_on_the_hash_alone() {
    let base = server().await;
    let submitted = keccak256(b"something else");
    let v = fetcher(&base, false)
        .attest(&format!("{base}/result.json"), submitted, &full_criteria())
        .await
        .unwrap();
    assert!(!v.passed);
    assert_eq!(v.checks.len(), 1, "nothing else is checked");
    assert!(v.checks[0].detail.contains(&submitted.to_string()));
}

#[tokio::test]
async fn each_criterion_can_fail_the_result() {
    let base = server().await;
    let f = fetcher(&base, false);
    let uri = format!("{base}/result.json");
    let cases: Vec<(Criteria, &str, &str)> = vec![
        (
            Criteria {
                min_bytes: Some(1_000),
                ..Criteria::default()
            },
            "min_bytes",
            "at least 1000",
        ),
        (
            Criteria {
                schema: Some(serde_json::json!({"required": ["loss"]})),
                ..Criteria::default()
            },
            "schema",
            "loss",
        ),
        (
            Criteria {
                schema: Some(serde_json::json!({"type": 12})),
                ..Criteria::default()
            },
            "schema",
            "invalid",
        ),
        (
            Criteria {
                validator: Some(validator("echo 0.5", 0.9, 10)),
                ..Criteria::default()
            },
            "validator",
            "score 0.5",
        ),
        (
            Criteria {
                validator: Some(validator("echo not-a-number", 0.9, 10)),
                ..Criteria::default()
            },
            "validator",
            "not a score",
        ),
        (
            Criteria {
                validator: Some(validator("echo broken >&2; exit 3", 0.9, 10)),
                ..Criteria::default()
            },
            "validator",
            "broken",
        ),
        (
            Criteria {
                validator: Some(validator("sleep 5; echo 1", 0.9, 1)),
                ..Criteria::default()
            },
            "validator",
            "ran past 1 s",
        ),
        (
            Criteria {
                validator: Some(Validator {
                    command: "/nonexistent/validator".into(),
                    args: vec![],
                    threshold: 0.0,
                    timeout_secs: 5,
                }),
                ..Criteria::default()
            },
            "validator",
            "cannot run",
        ),
    ];
    for (criteria, name, detail) in cases {
        let v = f.attest(&uri, hash(), &criteria).await.unwrap();
        let c = v.checks.iter().find(|c| c.name == name).unwrap();
        assert!(!v.passed && !c.passed, "{name} should fail: {c:?}");
        assert!(c.detail.contains(detail), "{name}: {:?}", c.detail);
    }
}

#[tokio::test]
async fn fetch_failures_say_whether_to_retry() {
    let base = server().await;
    let f = fetcher(&base, false);
    let c = Criteria {
        max_bytes: Some(1_000),
        ..Criteria::default()
    };
    let err = |path: &'static str| {
        let (f, c, base) = (f.clone(), c.clone(), base.clone());
        async move {
            f.attest(&format!("{base}{path}"), hash(), &c)
                .await
                .unwrap_err()
        }
    };
    let e = err("/big").await;
    assert!(matches!(e, FetchError::TooLarge { limit: 1_000, .. }) && !e.retryable());
    let e = err("/down").await;
    assert!(matches!(e, FetchError::Status { status: 503, .. }) && e.retryable());
    let e = err("/busy").await;
    assert!(e.retryable());
    let e = err("/gone").await;
    assert!(matches!(e, FetchError::Status { status: 404, .. }) && !e.retryable());
    let e = err("/slow").await;
    assert!(matches!(e, FetchError::Http { .. }) && e.retryable(), "{e}");
    let e = f
        .attest("ftp://example/result", hash(), &c)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("unsupported scheme"), "{e}");
    assert!(!e.retryable());
}

#[tokio::test]
async fn ipfs_goes_through_the_gateway_and_files_only_when_allowed() {
    let base = server().await;
    let c = Criteria::default();
    let v = fetcher(&base, false)
        .attest("ipfs://bafyresult/out.json", hash(), &c)
        .await
        .unwrap();
    assert!(v.passed);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.json");
    std::fs::write(&path, RESULT).unwrap();
    let uri = format!("file://{}", path.display());
    let e = fetcher(&base, false)
        .attest(&uri, hash(), &c)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::Scheme(_)), "{e}");
    let v = fetcher(&base, true).attest(&uri, hash(), &c).await.unwrap();
    assert!(v.passed);
    let missing = format!("file://{}", dir.path().join("missing").display());
    let e = fetcher(&base, true)
        .attest(&missing, hash(), &c)
        .await
        .unwrap_err();
    assert!(matches!(e, FetchError::File { .. }), "{e}");
}

#[test]
fn a_misspelt_criterion_in_a_spec_is_refused_by_name() {
    let e = serde_json::from_str::<Criteria>(r#"{"max_byte": 10}"#).unwrap_err();
    assert!(e.to_string().contains("max_byte"), "{e}");
    let e = serde_json::from_str::<Criteria>(r#"{"validator": {"command": "v"}}"#).unwrap_err();
    assert!(e.to_string().contains("threshold"), "{e}");
}

/// Attest the test result at `uri` under `criteria`: whether it passed, and its validator check.
async fn validator_check(a: &Attester, uri: &str, criteria: &Criteria) -> (bool, Check) {
    let v = a.attest(uri, hash(), criteria).await.unwrap();
    let c = v.checks.iter().find(|c| c.name == "validator").unwrap();
    (v.passed, c.clone())
}

/// A submitter's validator that tries to steal from the keeper: its keystore beside the work
/// directory, the keeper's environment (its own, and the keeper's through `/proc`). It scores 1
/// only if it found any of them; confined, it finds nothing and the result fails on its score.
#[tokio::test]
async fn a_hostile_validator_finds_nothing_of_the_keepers() {
    let base = server().await;
    let uri = format!("{base}/result.json");
    let home = tempfile::tempdir().unwrap();
    let keystore = home.path().join("keeper.json");
    std::fs::write(&keystore, "{\"crypto\": {}}").unwrap();
    assert!(
        std::env::var_os("CARGO_MANIFEST_DIR").is_some(),
        "the keeper's environment"
    );
    let thief = format!(
        r#"if [ -r {k} ] || env | grep -q CARGO || cat /proc/*/environ 2>/dev/null | grep -q CARGO; then echo 1; else echo 0; fi"#,
        k = keystore.display()
    );
    let criteria = Criteria {
        validator: Some(validator(&thief, 0.5, 10)),
        ..Criteria::default()
    };
    let (passed, c) = validator_check(&fetcher(&base, false), &uri, &criteria).await;
    assert!(!passed, "{c:?}");
    assert!(c.detail.starts_with("score 0,"), "{c:?}");
    // the control: the same test run unconfined finds the keystore
    let found = std::process::Command::new("sh")
        .args(["-c", &thief])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&found.stdout).trim(), "1");
}

/// Only the validators the keeper's operator allows run: `echo 1` would pass, but `echo` is not
/// on this keeper's list, so the check fails naming the program and its hash.
#[tokio::test]
async fn a_validator_the_operator_did_not_allow_is_refused() {
    let base = server().await;
    let uri = format!("{base}/result.json");
    let criteria = Criteria {
        validator: Some(Validator {
            command: "echo".into(),
            args: vec!["1".into()],
            threshold: 0.5,
            timeout_secs: 5,
        }),
        ..Criteria::default()
    };
    let (passed, c) = validator_check(&fetcher(&base, false), &uri, &criteria).await;
    assert!(!passed && !c.passed, "{c:?}");
    assert!(
        c.detail.contains("\"echo\"")
            && c.detail.contains("keccak256 0x")
            && c.detail.contains("--allow-validator"),
        "{c:?}"
    );
    // the control: the keeper that allows echo runs it, and it passes
    let allowing = Attester {
        validators: Validators::allow(["echo"]).unwrap(),
        ..fetcher(&base, false)
    };
    assert!(
        allowing
            .attest(&uri, hash(), &criteria)
            .await
            .unwrap()
            .passed
    );
    // a program that is not there cannot be allowed
    let e = Validators::allow(["/nonexistent/score"]).unwrap_err();
    assert!(e.contains("no such program"), "{e}");
}

/// The demo's machine-learning task (`examples/specs/digits.yaml`) judged by its own criteria:
/// the validator (python3, allowed by the operator) recomputes the accuracy from the result's
/// predictions against the true labels, so the model's honest result passes with its score, and
/// a result whose predictions were not made by a trained model fails with the score it earns —
/// whatever accuracy it claims.
#[tokio::test]
async fn the_ml_task_s_validator_scores_the_predictions_not_the_claim() {
    let spec = swan_spec::TaskSpec::parse(include_bytes!("../../examples/specs/digits.yaml"))
        .unwrap()
        .spec;
    let criteria = spec.verification.criteria.clone();
    // the training program's own output (its code, run here directly)
    let out = std::process::Command::new("/usr/bin/python3")
        .args(&spec.run.args)
        .envs(&spec.run.env)
        .output()
        .unwrap();
    let honest = out.stdout;
    assert!(out.status.success() && !honest.is_empty());
    let mut forged: serde_json::Value = serde_json::from_slice(&honest).unwrap();
    let n = forged["predictions"].as_array().unwrap().len();
    forged["predictions"] = serde_json::json!(vec![0; n]); // "accuracy" still claims 0.98
    let forged = serde_json::to_vec(&forged).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let attester = Attester {
        fetcher: Fetcher::new("http://127.0.0.1:1", true, Duration::from_secs(5)),
        validators: Validators::allow(["python3"]).unwrap(),
    };
    let mut scores = Vec::new();
    for (name, body) in [("honest", &honest), ("forged", &forged)] {
        let path = dir.path().join(name);
        std::fs::write(&path, body).unwrap();
        let uri = format!("file://{}", path.display());
        let v = attester
            .attest(&uri, keccak256(body), &criteria)
            .await
            .unwrap();
        let c = v.checks.iter().find(|c| c.name == "validator").unwrap();
        scores.push((v.passed, c.detail.clone()));
    }
    assert!(scores[0].0, "{scores:?}");
    assert!(scores[0].1.starts_with("score 0.9"), "{scores:?}");
    assert!(!scores[1].0, "{scores:?}");
    // predicting 0 everywhere is right for the tenth of the test images that are zeros
    assert_eq!(scores[1].1, "score 0.1, threshold 0.95", "{scores:?}");
}
