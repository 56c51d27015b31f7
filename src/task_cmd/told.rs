//! What the indexer knows about a task beyond the chain's record, for `swan task status`: why
//! an open task waits (the keeper's last decision), where a running service answers, and the
//! probes that failed a service — each fetched with a short timeout, and said in words when it
//! cannot be.

use alloy::primitives::{Address, U256};
use swan_contracts::units;

/// GET `{indexer}{path}` as JSON within 5 s; the error in words (the API's own message for a
/// refusal).
async fn get_json(indexer: &str, path: &str) -> Result<serde_json::Value, String> {
    let get = async {
        let r = reqwest::get(format!("{indexer}{path}"))
            .await
            .map_err(|e| format!("the indexer at {indexer} does not answer ({e})"))?;
        let status = r.status();
        let body: serde_json::Value = r
            .json()
            .await
            .map_err(|e| format!("the indexer at {indexer} answered no JSON ({e})"))?;
        if !status.is_success() {
            return Err(body["error"]
                .as_str()
                .unwrap_or("the indexer refused")
                .to_owned());
        }
        Ok(body)
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), get)
        .await
        .map_err(|_| format!("the indexer at {indexer} did not answer in 5 s"))?
}

/// The address a service replica answers at: its provider's endpoint (from the indexer's
/// record of the registry) with the path the agent serves services under.
pub(super) async fn service_address(
    indexer: &str,
    provider: Address,
    task: U256,
    replica: u32,
) -> Result<String, String> {
    let body = get_json(indexer, &format!("/api/providers/{provider:#x}")).await?;
    let endpoint = body["metadata_uri"]
        .as_str()
        .ok_or_else(|| format!("the indexer has no endpoint for provider {provider:#x}"))?;
    Ok(swan_keeper::health::service_url(
        endpoint,
        &format!("{task:#x}"),
        replica,
    ))
}

/// Why open task `id` waits, as the keeper's last allocation decided (through the indexer): the
/// keeper's own sentence (`Decision::reason`).
pub(super) async fn why_waiting(indexer: &str, id: U256) -> String {
    match get_json(indexer, &format!("/api/tasks/{id:#x}/decision")).await {
        Ok(d) => match d["reason"].as_str() {
            Some(reason) => reason.to_owned(),
            None => format!("the keeper's reason is not known: its answer has no reason: {d}"),
        },
        Err(why) => format!("the keeper's reason is not known: {why}"),
    }
}

/// The probes that failed a service's replicas, from the keeper's verdicts (through the
/// indexer), a line each; or one line saying why they are not known.
pub(super) async fn probe_evidence(indexer: &str, id: U256) -> Vec<String> {
    let body = match get_json(indexer, &format!("/api/tasks/{id:#x}/verdicts")).await {
        Ok(b) => b,
        Err(why) => return vec![format!("evidence      not known: {why}")],
    };
    let mut out = Vec::new();
    for v in body["verdicts"].as_array().into_iter().flatten() {
        let Some(at) = v["service_failed_at"].as_u64() else {
            continue;
        };
        out.push(format!(
            "evidence      replica {} failed its health probes from {}:",
            v["replica"],
            units::date(at)
        ));
        for p in v["probes"].as_array().into_iter().flatten() {
            out.push(format!(
                "                {} {} ({})",
                units::date(p["at"].as_u64().unwrap_or(0)),
                if p["ok"] == true { "ok    " } else { "FAILED" },
                p["detail"].as_str().unwrap_or("")
            ));
        }
    }
    if out.is_empty() {
        out.push("evidence      the keeper recorded no failed probes for it".into());
    }
    out
}
