//! Keeper-attested verification: fetch a replica's result by its URI, check its content hash
//! against the one submitted on chain, then the criteria fixed in the task's spec — size, a
//! JSON Schema, a validator program with a threshold. Every verdict carries its evidence (what
//! was fetched, its hash, each check with its outcome and detail), so anyone can re-run it.
//!
//! The content hash is `keccak256` of the result's bytes (the chain's hash; the provider agent
//! publishes by it). A result that cannot be fetched is not a verdict: the fetch error says
//! whether to retry ([`FetchError::retryable`]); the keeper fails the replica only when the
//! task's settle-by time comes without a result it could check.

use std::{path::PathBuf, process::Stdio, time::Duration};

use swan_sandbox::{Limits, Sandbox};
use tokio::io::AsyncReadExt;

use alloy::primitives::{B256, keccak256};
use serde::Serialize;

pub use swan_spec::{
    Criteria, Validator,
    fetch::{FetchError, Fetcher},
};

/// One check of a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Which check: `hash`, `min_bytes`, `max_bytes`, `schema`, `validator`.
    pub name: &'static str,
    /// Passed.
    pub passed: bool,
    /// What was found.
    pub detail: String,
}

/// A verdict on one result, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Every check passed.
    pub passed: bool,
    /// The URI fetched.
    pub uri: String,
    /// Bytes fetched.
    pub bytes: u64,
    /// keccak256 of the bytes.
    pub hash: B256,
    /// The hash submitted on chain.
    pub expected: B256,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

/// Fetch a result and judge it: [`Fetcher::fetch`] with the criteria's size limit, then
/// [`check`].
#[allow(async_fn_in_trait)]
pub trait Attest {
    /// Fetch the result at `uri` and check it against `expected` (the hash submitted on chain)
    /// and `criteria`. Checks after a failed hash are not run: the content is not what was
    /// submitted.
    async fn attest(
        &self,
        uri: &str,
        expected: B256,
        criteria: &Criteria,
    ) -> Result<Verdict, FetchError>;
}

/// The validator programs this keeper runs, by the keccak256 of their contents: its operator's
/// choice (`--allow-validator`). A spec naming any other program gets a failed check saying so;
/// allowing an interpreter (`sh`, `python3`) allows every script given to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    allowed: std::collections::BTreeSet<B256>,
}

impl Validators {
    /// Allow the programs at `paths` (absolute, or found in `/usr/bin`).
    pub fn allow<P: AsRef<std::path::Path>>(
        paths: impl IntoIterator<Item = P>,
    ) -> Result<Self, String> {
        let mut allowed = std::collections::BTreeSet::new();
        for p in paths {
            let p = p.as_ref();
            let path =
                swan_sandbox::resolve(&p.display().to_string()).map_err(|e| e.to_string())?;
            let bytes = std::fs::read(&path)
                .map_err(|e| format!("cannot read the validator {}: {e}", path.display()))?;
            allowed.insert(keccak256(bytes));
        }
        Ok(Self { allowed })
    }

    /// The program `command` names, if it is allowed; else why not.
    fn admit(&self, command: &str) -> Result<(), String> {
        let path = swan_sandbox::resolve(command).map_err(|e| e.to_string())?;
        let hash = std::fs::read(&path)
            .map(keccak256)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if self.allowed.contains(&hash) {
            Ok(())
        } else {
            Err(format!(
                "{command:?} ({}, keccak256 {hash}) is not a validator this keeper runs; its operator allows validators with --allow-validator",
                path.display()
            ))
        }
    }
}

/// What a keeper judges results with: the fetcher and the validators it allows.
#[derive(Debug, Clone)]
pub struct Attester {
    /// Fetches results (and specs).
    pub fetcher: Fetcher,
    /// The validator programs it runs.
    pub validators: Validators,
}

impl Attest for Attester {
    async fn attest(
        &self,
        uri: &str,
        expected: B256,
        criteria: &Criteria,
    ) -> Result<Verdict, FetchError> {
        let body = self.fetcher.fetch(uri, criteria.max_bytes).await?;
        Ok(check(uri, &body, expected, criteria, &self.validators).await)
    }
}

/// Check fetched bytes (see [`Attest::attest`]).
pub async fn check(
    uri: &str,
    body: &[u8],
    expected: B256,
    criteria: &Criteria,
    validators: &Validators,
) -> Verdict {
    let hash = keccak256(body);
    let bytes = body.len() as u64;
    let mut checks = vec![Check {
        name: "hash",
        passed: hash == expected,
        detail: format!("keccak256 {hash}, submitted {expected}"),
    }];
    if hash == expected {
        if let Some(min) = criteria.min_bytes {
            checks.push(Check {
                name: "min_bytes",
                passed: bytes >= min,
                detail: format!("{bytes} bytes, at least {min}"),
            });
        }
        if let Some(max) = criteria.max_bytes {
            checks.push(Check {
                name: "max_bytes",
                passed: bytes <= max,
                detail: format!("{bytes} bytes, at most {max}"),
            });
        }
        if let Some(schema) = &criteria.schema {
            checks.push(schema_check(schema, body));
        }
        if let Some(v) = &criteria.validator {
            checks.push(match validators.admit(&v.command) {
                Ok(()) => run_validator(v, body).await,
                Err(why) => Check {
                    name: "validator",
                    passed: false,
                    detail: why,
                },
            });
        }
    }
    Verdict {
        passed: checks.iter().all(|c| c.passed),
        uri: uri.to_owned(),
        bytes,
        hash,
        expected,
        checks,
    }
}

fn schema_check(schema: &serde_json::Value, body: &[u8]) -> Check {
    let fail = |detail: String| Check {
        name: "schema",
        passed: false,
        detail,
    };
    let validator = match jsonschema::validator_for(schema) {
        Ok(v) => v,
        Err(e) => return fail(format!("the spec's schema is invalid: {e}")),
    };
    let doc: serde_json::Value = match serde_json::from_slice(body) {
        Ok(d) => d,
        Err(e) => return fail(format!("not JSON: {e}")),
    };
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .take(5)
        .map(|e| format!("{}: {e}", e.instance_path))
        .collect();
    if errors.is_empty() {
        Check {
            name: "schema",
            passed: true,
            detail: "valid".into(),
        }
    } else {
        fail(errors.join("; "))
    }
}

/// The most of a validator's standard output and error the keeper reads.
const VALIDATOR_OUTPUT: u64 = 64 << 10;

/// How validators are confined: no network, an empty environment, nothing of the keeper's files
/// (its keys included), their own user, and limits; the CPU limit is the spec's timeout.
fn validator_sandbox(v: &Validator) -> Sandbox {
    Sandbox {
        limits: Limits {
            cpu_secs: v.timeout_secs.max(1),
            memory_bytes: 1 << 30,
            processes: 64,
            file_bytes: 64 << 20,
            open_files: 128,
        },
        network: false,
        read_only: Vec::new(),
    }
}

async fn run_validator(v: &Validator, body: &[u8]) -> Check {
    let fail = |detail: String| Check {
        name: "validator",
        passed: false,
        detail,
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => return fail(format!("cannot create a work directory: {e}")),
    };
    let path: PathBuf = dir.path().join("result");
    if let Err(e) = tokio::fs::write(&path, body).await {
        return fail(format!("cannot write the result for the validator: {e}"));
    }
    let args: Vec<String> = v
        .args
        .iter()
        .map(|a| a.replace("{result}", &path.display().to_string()))
        .collect();
    let cmd = validator_sandbox(v).command(&v.command, &args, &Default::default(), dir.path());
    let mut cmd = match cmd {
        Ok(c) => c,
        Err(e) => return fail(e.to_string()),
    };
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot run {:?}: {e}", v.command)),
    };
    let (mut so, mut se) = (
        child
            .stdout
            .take()
            .expect("piped")
            .take(VALIDATOR_OUTPUT + 1),
        child
            .stderr
            .take()
            .expect("piped")
            .take(VALIDATOR_OUTPUT + 1),
    );
    let run = async {
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        let _ = tokio::join!(so.read_to_end(&mut stdout), se.read_to_end(&mut stderr));
        if stdout.len() as u64 > VALIDATOR_OUTPUT || stderr.len() as u64 > VALIDATOR_OUTPUT {
            let _ = child.kill().await;
            return Err(format!(
                "{:?} printed more than {VALIDATOR_OUTPUT} bytes",
                v.command
            ));
        }
        let status = child
            .wait()
            .await
            .map_err(|e| format!("{:?} failed: {e}", v.command))?;
        Ok(std::process::Output {
            status,
            stdout,
            stderr,
        })
    };
    let out = match tokio::time::timeout(Duration::from_secs(v.timeout_secs), run).await {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return fail(e),
        Err(_) => return fail(format!("{:?} ran past {} s", v.command, v.timeout_secs)),
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return fail(format!(
            "{:?} exited with {}: {}",
            v.command,
            out.status,
            err.trim().lines().last().unwrap_or("")
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.trim().lines().last().unwrap_or("").trim();
    match last.parse::<f64>() {
        Ok(score) if score.is_finite() => Check {
            name: "validator",
            passed: score >= v.threshold,
            detail: format!("score {score}, threshold {}", v.threshold),
        },
        _ => fail(format!(
            "{:?} printed {last:?} last, not a score",
            v.command
        )),
    }
}
