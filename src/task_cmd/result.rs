//! `swan task result`: fetch a replica's result by the URI its provider submitted, check it
//! against the hash the provider committed on chain, and save it. A service's "result" is its
//! address: that is printed, not fetched.

use std::path::{Path, PathBuf};

use alloy::primitives::{B256, U256, keccak256};
use swan_spec::fetch::Fetcher;

use super::TaskError;
use crate::verify_cmd::{ReplicaRecord, TaskRecord, task_record};

/// The largest result fetched (bigger results are fetched with the provider's own tools).
const MAX_RESULT: u64 = 1 << 30;

/// Which replica's result to take: the one asked for, else a paid one, else the first with a
/// result.
fn pick(t: &TaskRecord, replica: Option<u32>) -> Result<&ReplicaRecord, String> {
    if let Some(i) = replica {
        return t.replicas.iter().find(|r| r.idx == i).ok_or_else(|| {
            format!(
                "--replica {i}: the task has replicas 0 to {}",
                t.replicas.len().saturating_sub(1)
            )
        });
    }
    let with = |r: &&ReplicaRecord| r.result_uri.is_some();
    t.replicas
        .iter()
        .filter(with)
        .find(|r| r.status == "paid")
        .or_else(|| t.replicas.iter().find(with))
        .ok_or_else(|| {
            "no replica has submitted a result yet (swan task status shows where it stands)".into()
        })
}

/// Fetch, check and save; what happened, as lines to print.
pub(crate) async fn result(
    indexer: &str,
    id: U256,
    replica: Option<u32>,
    out: Option<&Path>,
    fetcher: &Fetcher,
) -> Result<String, TaskError> {
    let base = indexer.trim_end_matches('/');
    let t = task_record(base, id)
        .await
        .map_err(|e| TaskError::Chain(e.to_string()))?;
    let r = pick(&t, replica).map_err(|e| TaskError::Arg(format!("task {id:#x}: {e}")))?;
    let uri = r.result_uri.clone().unwrap_or_default();
    if t.mode == "service" {
        return Ok(format!(
            "task {id:#x} is a service: replica {} ({}) serves at {uri} ({})",
            r.idx, r.provider, r.status
        ));
    }
    let Some(hash) = r
        .result_hash
        .as_deref()
        .and_then(|h| h.parse::<B256>().ok())
    else {
        return Err(TaskError::Arg(format!(
            "task {id:#x}: replica {} ({}) has submitted no result ({})",
            r.idx, r.provider, r.status
        )));
    };
    let body = fetcher.fetch(&uri, Some(MAX_RESULT)).await.map_err(|e| {
        let then = if e.retryable() {
            "try again later"
        } else {
            "the provider's copy cannot be read as named"
        };
        TaskError::Chain(format!(
            "replica {} ({}): cannot fetch its result: {e}; {then}",
            r.idx, r.provider
        ))
    })?;
    let got = keccak256(&body);
    if got != hash {
        return Err(TaskError::Chain(format!(
            "replica {} ({}): the document at {uri} is not the result its provider committed (keccak256 {got}, committed {hash}): not saved",
            r.idx, r.provider
        )));
    }
    let path: PathBuf = out.map_or_else(
        || PathBuf::from(format!("{id:#x}-{}.result", r.idx)),
        Path::to_path_buf,
    );
    std::fs::write(&path, &body).map_err(|source| TaskError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Ok(format!(
        "replica {} ({}, {}): {} bytes from {uri}, keccak256 matches what its provider committed; saved to {}",
        r.idx,
        r.provider,
        r.status,
        body.len(),
        path.display()
    ))
}
