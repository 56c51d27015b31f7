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

use alloy::primitives::{B256, keccak256};
use futures_util::StreamExt;
use serde::Serialize;

pub use swan_spec::{Criteria, Validator};

/// Why a result could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The URI's scheme is not one the keeper fetches.
    #[error(
        "result URI {0:?}: unsupported scheme (use http://, https://, ipfs://CID[/path], or file:// when file results are allowed)"
    )]
    Scheme(String),
    /// The server answered with an error status.
    #[error("result URI {uri}: HTTP {status}")]
    Status {
        /// The URI.
        uri: String,
        /// The status.
        status: u16,
    },
    /// The result is larger than the criteria allow.
    #[error("result URI {uri}: more than {limit} bytes")]
    TooLarge {
        /// The URI.
        uri: String,
        /// The limit.
        limit: u64,
    },
    /// The connection failed or timed out.
    #[error("result URI {uri}: {source}")]
    Http {
        /// The URI.
        uri: String,
        /// The transport error.
        source: reqwest::Error,
    },
    /// A file could not be read.
    #[error("result URI {uri}: {source}")]
    File {
        /// The URI.
        uri: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl FetchError {
    /// Worth trying again later (the server or network may recover); otherwise the result, as
    /// submitted, cannot be checked.
    pub fn retryable(&self) -> bool {
        match self {
            FetchError::Http { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Scheme(_) | FetchError::TooLarge { .. } | FetchError::File { .. } => false,
        }
    }
}

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

/// Fetches results.
#[derive(Debug, Clone)]
pub struct Fetcher {
    http: reqwest::Client,
    ipfs_gateway: String,
    allow_files: bool,
    default_max: u64,
}

impl Fetcher {
    /// A fetcher using `ipfs_gateway` (e.g. `https://ipfs.io`) for `ipfs://` URIs; `file://`
    /// URIs only when `allow_files` (a local devnet). Each request times out after `timeout`.
    pub fn new(ipfs_gateway: &str, allow_files: bool, timeout: Duration) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .unwrap_or_default(),
            ipfs_gateway: ipfs_gateway.trim_end_matches('/').to_owned(),
            allow_files,
            default_max: 256 << 20,
        }
    }

    /// The bytes at `uri`, at most `max` of them.
    pub async fn fetch(&self, uri: &str, max: Option<u64>) -> Result<Vec<u8>, FetchError> {
        let limit = max.unwrap_or(self.default_max);
        let too_large = || FetchError::TooLarge {
            uri: uri.to_owned(),
            limit,
        };
        if let Some(path) = uri.strip_prefix("file://") {
            if !self.allow_files {
                return Err(FetchError::Scheme(uri.to_owned()));
            }
            let file = |source| FetchError::File {
                uri: uri.to_owned(),
                source,
            };
            let len = tokio::fs::metadata(path).await.map_err(file)?.len();
            if len > limit {
                return Err(too_large());
            }
            return tokio::fs::read(path).await.map_err(file);
        }
        let url = if let Some(rest) = uri.strip_prefix("ipfs://") {
            format!("{}/ipfs/{rest}", self.ipfs_gateway)
        } else if uri.starts_with("http://") || uri.starts_with("https://") {
            uri.to_owned()
        } else {
            return Err(FetchError::Scheme(uri.to_owned()));
        };
        let http = |source| FetchError::Http {
            uri: uri.to_owned(),
            source,
        };
        let resp = self.http.get(&url).send().await.map_err(http)?;
        if !resp.status().is_success() {
            return Err(FetchError::Status {
                uri: uri.to_owned(),
                status: resp.status().as_u16(),
            });
        }
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(http)?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    /// Fetch the result at `uri` and check it against `expected` (the hash submitted on chain)
    /// and `criteria`. Checks after a failed hash are not run: the content is not what was
    /// submitted.
    pub async fn attest(
        &self,
        uri: &str,
        expected: B256,
        criteria: &Criteria,
    ) -> Result<Verdict, FetchError> {
        let body = self.fetch(uri, criteria.max_bytes).await?;
        Ok(check(uri, &body, expected, criteria).await)
    }
}

/// Check fetched bytes (see [`Fetcher::attest`]).
pub async fn check(uri: &str, body: &[u8], expected: B256, criteria: &Criteria) -> Verdict {
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
            checks.push(run_validator(v, body).await);
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
    let child = tokio::process::Command::new(&v.command)
        .args(&args)
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let child = match child {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot run {:?}: {e}", v.command)),
    };
    let out = match tokio::time::timeout(
        Duration::from_secs(v.timeout_secs),
        child.wait_with_output(),
    )
    .await
    {
        Ok(Ok(out)) => out,
        Ok(Err(e)) => return fail(format!("{:?} failed: {e}", v.command)),
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
