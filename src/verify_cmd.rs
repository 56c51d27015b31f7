//! `swan verify 0x<task>`: judge a keeper-attested task's results again, anywhere, and say per
//! replica whether this judgment agrees with the one the market settled on. Nothing is trusted
//! but the chain's record as the indexer mirrors it: the spec is fetched by its URI and checked
//! against the committed hash, each result by its URI against the hash its provider submitted,
//! and the spec's criteria run here — the validator too, confined, when this machine allows it
//! (`--allow-validator`, as a keeper's operator does). No database is needed.

use std::path::PathBuf;

use alloy::primitives::{B256, U256, keccak256};
use clap::Args;
use serde::Deserialize;
use swan_keeper::verify::{Attest, Attester, Fetcher, Validators};

/// `swan verify`.
#[derive(Debug, Clone, Args)]
pub(crate) struct VerifyArgs {
    /// Task id (0x-hex or decimal).
    id: U256,
    /// The indexer's API (the chain's record of the task and its replicas).
    #[arg(
        long,
        env = "SWAN_INDEXER_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    indexer_url: String,
    /// A validator program this machine may run for the spec (repeatable; as the keeper's flag).
    #[arg(long = "allow-validator", value_name = "PROGRAM")]
    allow_validators: Vec<PathBuf>,
    /// Fetch file:// specs and results (a local devnet only).
    #[arg(long)]
    allow_files: bool,
    /// IPFS gateway for ipfs:// specs and results.
    #[arg(long, default_value = "https://ipfs.io")]
    ipfs_gateway: String,
}

/// Why verification could not be done, or found a disagreement.
#[derive(Debug, thiserror::Error)]
pub(crate) enum VerifyError {
    /// The indexer.
    #[error("the indexer at {url}: {why}")]
    Indexer {
        /// Its URL.
        url: String,
        /// What went wrong.
        why: String,
    },
    /// Not a task with keeper verdicts.
    #[error(
        "task {0:#x} is {1}: only keeper-attested tasks have verdicts to check (the market settles the sealed modes itself)"
    )]
    Mode(U256, String),
    /// The spec.
    #[error("the task's spec: {0}")]
    Spec(String),
    /// A flag.
    #[error("{0}")]
    Arg(String),
    /// Judged again, some replica came out otherwise than the market settled it.
    #[error("{0} replica(s) judged otherwise than the market settled them")]
    Disagree(usize),
}

/// A task as the indexer records it (`/api/tasks/{id}`), as far as the commands read it.
#[derive(Debug, Deserialize)]
pub(crate) struct TaskRecord {
    pub(crate) mode: String,
    pub(crate) spec_uri: String,
    pub(crate) spec_hash: String,
    pub(crate) replicas: Vec<ReplicaRecord>,
}

/// A replica as the indexer records it.
#[derive(Debug, Deserialize)]
pub(crate) struct ReplicaRecord {
    pub(crate) idx: u32,
    pub(crate) provider: String,
    pub(crate) status: String,
    pub(crate) result_hash: Option<String>,
    pub(crate) result_uri: Option<String>,
}

/// Task `id` as the indexer at `base` records it; the error says what went wrong in words.
pub(crate) async fn task_record(base: &str, id: U256) -> Result<TaskRecord, VerifyError> {
    let url = format!("{base}/api/tasks/{id:#x}");
    let indexer = |why: String| VerifyError::Indexer {
        url: base.to_owned(),
        why,
    };
    let r = reqwest::get(&url).await.map_err(|e| {
        indexer(format!(
            "does not answer ({e}); is it running, and --indexer-url right?"
        ))
    })?;
    if r.status() == reqwest::StatusCode::NOT_FOUND {
        return Err(indexer(format!("has no task {id:#x}")));
    }
    r.error_for_status()
        .map_err(|e| indexer(e.to_string()))?
        .json()
        .await
        .map_err(|e| indexer(format!("answered something other than a task: {e}")))
}

/// How a replica was settled, as a verdict: paid is a pass, slashed a fail, else not yet.
fn settled(status: &str) -> Option<bool> {
    match status {
        "paid" => Some(true),
        "slashed" => Some(false),
        _ => None,
    }
}

/// Run `swan verify` (its report is its standard output).
#[allow(clippy::print_stdout)]
pub(crate) async fn run(a: VerifyArgs) -> Result<(), VerifyError> {
    let base = a.indexer_url.trim_end_matches('/');
    let task = task_record(base, a.id).await?;
    if task.mode != "keeper_attested" {
        return Err(VerifyError::Mode(a.id, task.mode));
    }
    let attester = Attester {
        fetcher: Fetcher::new(
            &a.ipfs_gateway,
            a.allow_files,
            std::time::Duration::from_secs(20),
        ),
        validators: Validators::allow(&a.allow_validators)
            .map_err(|e| VerifyError::Arg(format!("--allow-validator: {e}")))?,
    };
    let spec = attester
        .fetcher
        .fetch(&task.spec_uri, Some(1 << 20))
        .await
        .map_err(|e| VerifyError::Spec(format!("cannot fetch {}: {e}", task.spec_uri)))?;
    let hash = keccak256(&spec);
    if format!("{hash:#x}") != task.spec_hash {
        return Err(VerifyError::Spec(format!(
            "the document at {} is not the committed spec (keccak256 {hash}, committed {})",
            task.spec_uri, task.spec_hash
        )));
    }
    let criteria = swan_keeper::plan::verification_of(&spec)
        .map_err(VerifyError::Spec)?
        .criteria;
    // the keeper's own evidence, as the indexer relays it (absent where no keeper is relayed)
    let evidence = keeper_evidence(base, a.id).await;
    if let Err(why) = &evidence {
        println!("the keeper's evidence is not available ({why}): judging against the chain alone");
    }
    let mut disagree = 0;
    for r in &task.replicas {
        let head = format!("replica {} ({})", r.idx, r.provider);
        let Some(submitted) = r
            .result_hash
            .as_deref()
            .and_then(|h| h.parse::<B256>().ok())
        else {
            println!("{head}: no result submitted; on chain {}", r.status);
            continue;
        };
        let uri = r.result_uri.clone().unwrap_or_default();
        let ours = match attester.attest(&uri, submitted, &criteria).await {
            Ok(v) => {
                let checks: Vec<String> = v
                    .checks
                    .iter()
                    .map(|c| {
                        let mark = if c.passed { "✓" } else { "✗" };
                        format!("{} {mark} ({})", c.name, c.detail)
                    })
                    .collect();
                println!("{head}: {}", checks.join(", "));
                let keeper = evidence.as_ref().ok().and_then(|e| e.get(&r.idx));
                match keeper.map(|k| differences(&v.checks, k)) {
                    Some(d) if d.is_empty() => println!(
                        "  agree with the keeper's evidence, check by check ({} checks)",
                        v.checks.len()
                    ),
                    Some(d) => {
                        disagree += 1;
                        println!("  DISAGREE with the keeper's evidence: {}", d.join("; "));
                    }
                    None if evidence.is_ok() => {
                        println!("  the keeper recorded no evidence for this replica")
                    }
                    None => {}
                }
                Some(v.passed)
            }
            Err(e) if e.retryable() => {
                println!("{head}: cannot fetch {uri} now ({e}); try again");
                None
            }
            Err(e) => {
                println!("{head}: cannot fetch {uri} ({e}): a fail");
                Some(false)
            }
        };
        let word = |p: bool| if p { "passes" } else { "fails" };
        match (ours, settled(&r.status)) {
            (Some(o), Some(m)) if o == m => {
                println!("  agree: it {} here and was {} on chain", word(o), r.status)
            }
            (Some(o), Some(_)) => {
                disagree += 1;
                println!(
                    "  DISAGREE: it {} here but was {} on chain",
                    word(o),
                    r.status
                );
            }
            (Some(o), None) => println!(
                "  it {} here; not settled yet ({} on chain)",
                word(o),
                r.status
            ),
            (None, _) => {}
        }
    }
    if disagree > 0 {
        return Err(VerifyError::Disagree(disagree));
    }
    Ok(())
}

/// The checks the keeper recorded for each replica of task `id` (from `/api/tasks/{id}/verdicts`,
/// which relays the keeper's `/verdicts`), or why they cannot be had.
pub(crate) async fn keeper_evidence(
    base: &str,
    id: U256,
) -> Result<std::collections::BTreeMap<u32, Vec<serde_json::Value>>, String> {
    let url = format!("{base}/api/tasks/{id:#x}/verdicts");
    let r = reqwest::get(&url).await.map_err(|e| e.to_string())?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(body["error"].as_str().unwrap_or("no answer").to_owned());
    }
    let list = body["verdicts"].as_array().cloned().unwrap_or_default();
    Ok(list
        .iter()
        .filter_map(|v| {
            let replica = u32::try_from(v["replica"].as_u64()?).ok()?;
            Some((replica, v["evidence"]["checks"].as_array()?.clone()))
        })
        .collect())
}

/// Where the checks judged here differ from the keeper's, check by check (name, outcome and
/// what was found); empty when they are the same.
fn differences(ours: &[swan_keeper::verify::Check], keeper: &[serde_json::Value]) -> Vec<String> {
    let mark = |p: bool| if p { "✓" } else { "✗" };
    let mut out = Vec::new();
    for c in ours {
        match keeper.iter().find(|k| k["name"] == c.name) {
            None => out.push(format!("{}: the keeper ran no such check", c.name)),
            Some(k) => {
                let (passed, detail) = (k["passed"].as_bool(), k["detail"].as_str());
                if passed != Some(c.passed) || detail != Some(c.detail.as_str()) {
                    out.push(format!(
                        "{}: keeper {} ({}), here {} ({})",
                        c.name,
                        passed.map_or("?", mark),
                        detail.unwrap_or("?"),
                        mark(c.passed),
                        c.detail
                    ));
                }
            }
        }
    }
    for k in keeper {
        if !ours.iter().any(|c| k["name"] == c.name) {
            out.push(format!(
                "{}: run by the keeper only",
                k["name"].as_str().unwrap_or("?")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{differences, settled};
    use swan_keeper::verify::Check;

    #[test]
    fn evidence_is_compared_check_by_check() {
        let ours = [
            Check {
                name: "hash",
                passed: true,
                detail: "keccak256 0x1, submitted 0x1".into(),
            },
            Check {
                name: "validator",
                passed: true,
                detail: "score 0.98, threshold 0.95".into(),
            },
        ];
        let same = serde_json::json!([
            { "name": "hash", "passed": true, "detail": "keccak256 0x1, submitted 0x1" },
            { "name": "validator", "passed": true, "detail": "score 0.98, threshold 0.95" }
        ]);
        assert!(differences(&ours, same.as_array().unwrap()).is_empty());
        let other = serde_json::json!([
            { "name": "hash", "passed": true, "detail": "keccak256 0x1, submitted 0x1" },
            { "name": "validator", "passed": false, "detail": "score 0.1, threshold 0.95" },
            { "name": "schema", "passed": true, "detail": "valid" }
        ]);
        let d = differences(&ours, other.as_array().unwrap());
        assert_eq!(
            d,
            [
                "validator: keeper ✗ (score 0.1, threshold 0.95), here ✓ (score 0.98, threshold 0.95)",
                "schema: run by the keeper only"
            ]
        );
    }

    #[test]
    fn settlement_reads_as_a_verdict() {
        assert_eq!(settled("paid"), Some(true));
        assert_eq!(settled("slashed"), Some(false));
        assert_eq!(settled("submitted"), None);
        assert_eq!(settled("assigned"), None);
    }
}
