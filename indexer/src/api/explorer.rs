//! What the market explorer (the web page) reads besides the tables: the market's identity
//! (`/api/info`), time series of the market's money (`/api/series`), a task's timeline (every
//! event of the task with its block, time and transaction), a task's spec document fetched by
//! its URI and checked against the hash on chain (`/api/tasks/{id}/spec`), and the keeper's
//! suggested prices (`/api/prices`, relayed from the keeper that publishes them).
//!
//! Amounts stay exact: sums are taken over `U256` in Rust, never as floating point in SQL.

use std::{collections::BTreeSet, str::FromStr, sync::Arc, time::Duration};

use alloy::primitives::U256;
use alloy::primitives::{B256, keccak256};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use sqlx::Row;
use swan_store::rows::Task;

use crate::spec_names::SPEC_MAX_BYTES;

use super::{
    ApiError, ApiResult, ApiState, Sql, finalized, hex0x,
    params::{Checked, SeriesQuery},
    reads::one,
    rows::{
        ErrorBody, Info, KeeperDecision, Prices, Series, SeriesPoint, SpecDocument, TaskDetail,
        TimelineEntry, Verdicts,
    },
    task_key, to_json,
};

/// The market this indexer follows and how far it got.
#[utoipa::path(get, path = "/api/info", tag = "market", responses((status = 200, body = Info)))]
pub(super) async fn info(State(s): State<Arc<ApiState>>) -> ApiResult<Info> {
    Ok(Json(Info {
        chain_id: s.chain_id,
        market: s.market.clone(),
        token: s.token.clone(),
        explorer: s.explorer.clone(),
        keeper: s.keeper_url.is_some(),
        checkpoint: s.status.checkpoint.get(),
        head: s.status.head.get(),
        finalized: finalized(&s).await?,
    }))
}

/// A bucket width a person reads easily: the smallest of these at least `secs`.
fn nice_bucket(secs: u64) -> u64 {
    const STEPS: [u64; 16] = [
        1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 21_600, 86_400,
    ];
    STEPS
        .iter()
        .copied()
        .find(|&s| s >= secs)
        .unwrap_or_else(|| secs.div_ceil(86_400) * 86_400)
}

fn amount(v: &str) -> U256 {
    U256::from_str(v).unwrap_or_default()
}

/// Tasks created, volume paid to providers, protocol fees and collateral slashed per time
/// bucket, ending with the bucket of the newest indexed block. `buckets` (default 40) and
/// `bucket_secs` (default: the indexed span divided into `buckets`, rounded to a readable width).
#[utoipa::path(get, path = "/api/series", tag = "market", params(SeriesQuery),
    responses((status = 200, body = Series), (status = 400, body = ErrorBody)))]
pub(super) async fn series(
    State(s): State<Arc<ApiState>>,
    Checked(q): Checked<SeriesQuery>,
) -> Response {
    let key = format!(
        "series?buckets={:?}&bucket_secs={:?}",
        q.buckets.map(|n| n.0),
        q.bucket_secs.map(|n| n.0)
    );
    s.per_block
        .answer(&s, key, to_json(series_now(&s, q)))
        .await
}

/// The series `q` asks for, now.
async fn series_now(s: &ApiState, q: SeriesQuery) -> Result<Series, ApiError> {
    let buckets = q.buckets.map_or(40, |n| n.0);
    if buckets == 0 {
        return Err(ApiError::bad(
            "buckets",
            "buckets must be from 1 to 500, got 0",
        ));
    }
    let asked = match q.bucket_secs {
        Some(n) if n.0 == 0 => {
            return Err(ApiError::bad(
                "bucket_secs",
                "bucket_secs must be from 1 to 31536000, got 0",
            ));
        }
        Some(n) => n.0,
        None => 0,
    };
    let chain = s.chain_id as i64;
    let span = Sql {
        text: "SELECT MIN(timestamp), MAX(timestamp) FROM blocks WHERE chain_id = $1".into(),
        args: vec![super::Arg::from(chain)],
    }
    .fetch(&s.store)
    .await?;
    let (first, last) = span
        .first()
        .and_then(|r| {
            let a = r.try_get::<Option<i64>, _>(0).ok().flatten()?;
            let b = r.try_get::<Option<i64>, _>(1).ok().flatten()?;
            Some((a.max(0) as u64, b.max(0) as u64))
        })
        .unwrap_or((0, 0));
    let width = if asked > 0 {
        asked
    } else {
        nice_bucket((last - first + 1).div_ceil(buckets))
    };
    let end = last / width * width; // start of the newest bucket
    let start = end.saturating_sub((buckets - 1) * width);
    let mut points: Vec<(u64, [U256; 3], u64)> = (0..buckets)
        .map(|i| (start + i * width, [U256::ZERO; 3], 0))
        .collect();
    let newest = (buckets - 1) as usize;
    let slot = |t: i64| -> Option<usize> {
        let t = t.max(0) as u64;
        (t >= start).then(|| (((t - start) / width) as usize).min(newest))
    };
    // the first block in the window: every event table is keyed by block number
    let from_block = Sql {
        text: "SELECT MIN(number) FROM blocks WHERE chain_id = $1 AND timestamp >= $2".into(),
        args: vec![super::Arg::from(chain), super::Arg::from(start as i64)],
    }
    .fetch(&s.store)
    .await?
    .first()
    .and_then(|r| r.try_get::<Option<i64>, _>(0).ok().flatten())
    .unwrap_or(i64::MAX);
    let window = |text: &str| Sql {
        text: text.to_owned(),
        args: vec![super::Arg::from(chain), super::Arg::from(from_block)],
    };
    for r in window(
        "SELECT b.timestamp, p.amount, p.fee FROM payments p \
         JOIN blocks b ON b.chain_id = p.chain_id AND b.number = p.block_number \
         WHERE p.chain_id = $1 AND p.block_number >= $2 \
         AND p.kind IN ('replica_paid', 'service_claimed')",
    )
    .fetch(&s.store)
    .await?
    {
        if let Some(i) = slot(r.get(0)) {
            points[i].1[0] += amount(&r.get::<String, _>(1));
            points[i].1[1] += amount(&r.get::<String, _>(2));
        }
    }
    for r in window(
        "SELECT b.timestamp, x.slashed FROM slashes x \
         JOIN blocks b ON b.chain_id = x.chain_id AND b.number = x.block_number \
         WHERE x.chain_id = $1 AND x.block_number >= $2",
    )
    .fetch(&s.store)
    .await?
    {
        if let Some(i) = slot(r.get(0)) {
            points[i].1[2] += amount(&r.get::<String, _>(1));
        }
    }
    for r in window(
        "SELECT b.timestamp FROM tasks t \
         JOIN blocks b ON b.chain_id = t.chain_id AND b.number = t.created_block \
         WHERE t.chain_id = $1 AND t.created_block >= $2",
    )
    .fetch(&s.store)
    .await?
    {
        if let Some(i) = slot(r.get(0)) {
            points[i].2 += 1;
        }
    }
    let points = points
        .into_iter()
        .map(|(t, [volume, fees, slashed], created)| SeriesPoint {
            t,
            tasks_created: created,
            volume: volume.to_string(),
            fees: fees.to_string(),
            slashed: slashed.to_string(),
        })
        .collect();
    Ok(Series {
        bucket_secs: width,
        from: start,
        to: end + width,
        points,
    })
}

/// Every event of task `key` in chain order — created, assigned, each result, each payment,
/// slash and refund, started/extended, finalized or cancelled — with its block, the block's time
/// and the transaction. `task` is the task's JSON with its event rows (they name the blocks to
/// look in; the raw logs of those blocks whose first indexed topic is the task id are its events).
pub(super) async fn timeline(
    s: &ApiState,
    key: &str,
    task: &TaskDetail,
) -> Result<Vec<TimelineEntry>, ApiError> {
    let c = &task.columns;
    let mut blocks: BTreeSet<i64> = [Some(c.created_block), c.assigned_block, c.finalized_block]
        .into_iter()
        .flatten()
        .chain([c.updated_block])
        .collect();
    blocks.extend(task.assignments.iter().map(|e| e.row.block_number));
    blocks.extend(task.results.iter().map(|e| e.row.block_number));
    blocks.extend(task.payments.iter().map(|e| e.row.block_number));
    blocks.extend(task.slashes.iter().map(|e| e.row.block_number));
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let list: Vec<String> = blocks.iter().map(|b| sql.arg(*b)).collect();
    // the task id as the word its events carry as their first indexed topic (the second word
    // of the stored topics): matched in the query, so a block of many tasks' logs is not read
    let Ok(word) = key.parse::<B256>() else {
        return Ok(Vec::new());
    };
    let topic = sql.arg(hex0x(word.as_slice()));
    sql.text = format!(
        "SELECT l.block_number, l.log_index, l.tx_hash, l.event, l.topics, b.timestamp \
         FROM raw_logs l LEFT JOIN blocks b ON b.chain_id = l.chain_id AND b.number = l.block_number \
         WHERE l.chain_id = {chain} AND l.block_number IN ({}) AND {} = {topic} \
         ORDER BY l.block_number, l.log_index",
        list.join(", "),
        first_topic_hex(s)
    );
    let f = finalized(s).await?;
    let mut out = Vec::new();
    for r in sql.fetch(&s.store).await? {
        // the first indexed topic is the topics' second word
        let topics: Vec<u8> = r.try_get(4)?;
        if topics.get(32..64) != Some(word.as_slice()) {
            continue;
        }
        let block_number: i64 = r.try_get(0)?;
        out.push(TimelineEntry {
            event: r.try_get(3)?,
            block_number,
            log_index: r.try_get(1)?,
            tx_hash: hex0x(&r.try_get::<Vec<u8>, _>(2)?),
            block_time: r.try_get(5)?,
            finalized: block_number <= f,
        });
    }
    Ok(out)
}

/// SQL for the first indexed topic of `raw_logs l` as 0x-hex text (the stored topics' second
/// 32-byte word), in this database's dialect.
fn first_topic_hex(s: &ApiState) -> &'static str {
    match s.store.backend() {
        crate::store::Backend::Sqlite => "'0x' || lower(hex(substr(l.topics, 33, 32)))",
        crate::store::Backend::Postgres => {
            "'0x' || encode(substring(l.topics from 33 for 32), 'hex')"
        }
    }
}

/// The suggested price per resource class, as the keeper publishes it (`{keeper}/prices`):
/// relayed so the page reads one origin. 404 when this indexer was started without
/// `--keeper-url`; 502 when the keeper does not answer.
#[utoipa::path(get, path = "/api/prices", tag = "market",
    responses((status = 200, body = Prices), (status = 404, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
pub(super) async fn prices(State(s): State<Arc<ApiState>>) -> Response {
    match relay(&s, "/prices").await {
        Ok((source, prices)) => Json(Prices { source, prices }).into_response(),
        Err(r) => r,
    }
}

/// The keeper's verdicts on task `id`'s replicas, with their evidence (the checks it ran on each
/// fetched result), relayed from `{keeper}/verdicts?task=…`; as [`prices`] when there is no
/// keeper. Only keeper-attested tasks have them.
#[utoipa::path(get, path = "/api/tasks/{id}/verdicts", tag = "tasks",
    params(("id" = String, Path, description = "The task id, 0x-hex or decimal")),
    responses((status = 200, body = Verdicts), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn verdicts(State(s): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    let key = match task_key(&id) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    match relay(&s, &format!("/verdicts?task={key}")).await {
        Ok((source, verdicts)) => Json(Verdicts { source, verdicts }).into_response(),
        Err(r) => r,
    }
}

/// Why task `id` waits, or whom the keeper chose for it: the keeper's last allocation decision
/// for it (eligible providers, refusals by reason, the choice), relayed from
/// `{keeper}/decisions?task=…`; as [`prices`] when there is no keeper, and 404 when the last
/// allocation did not consider the task (not open, or its assignment is on its way).
#[utoipa::path(get, path = "/api/tasks/{id}/decision", tag = "tasks",
    params(("id" = String, Path, description = "The task id, 0x-hex or decimal")),
    responses((status = 200, body = KeeperDecision), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub(super) async fn decision(State(s): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    let key = match task_key(&id) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    match relay::<KeeperDecision>(&s, &format!("/decisions?task={key}")).await {
        Ok((_, d)) => Json(d).into_response(),
        Err(r) => r,
    }
}

/// A revert in words: `data` (0x-hex revert data, as a node returns it for a failed call) read by
/// the one decoder every `swan` command uses — the market's, the registry's and the token's
/// errors, with amounts in SWAN, ids in hex and times as dates — so the explorer and any dApp
/// say what the CLI says.
#[utoipa::path(get, path = "/api/explain", tag = "market",
    params(("data" = String, Query, description = "0x-hex revert data")),
    responses((status = 200, body = super::rows::Explained), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(super) async fn explain(
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    if let Some(k) = q.keys().find(|k| k.as_str() != "data") {
        return ApiError::bad(k, format!("unknown parameter {k:?}; allowed: data")).into_response();
    }
    let Some(text) = q.get("data") else {
        return ApiError::bad("data", "data is required: the 0x-hex revert data").into_response();
    };
    let Some(data) = text
        .strip_prefix("0x")
        .and_then(|h| alloy::hex::decode(h).ok())
    else {
        return ApiError::bad("data", format!("data must be 0x-hex bytes, got {text:?}"))
            .into_response();
    };
    match swan_contracts::explain::explain(&data) {
        Some(sentence) => Json(super::rows::Explained {
            error: swan_contracts::explain::error_name(&data).map(str::to_owned),
            sentence,
        })
        .into_response(),
        None => refused(
            StatusCode::NOT_FOUND,
            "not an error of the market, the registry or the token".into(),
        ),
    }
}

/// GET `{keeper}{path}` as JSON, or the response that says why not.
async fn relay<T: serde::de::DeserializeOwned>(
    s: &ApiState,
    path: &str,
) -> Result<(String, T), Response> {
    let Some(base) = &s.keeper_url else {
        return Err(refused(
            StatusCode::NOT_FOUND,
            "no keeper configured: start the indexer with --keeper-url http://<keeper listen address> to relay what the keeper publishes".into(),
        ));
    };
    let url = format!("{}{path}", base.trim_end_matches('/'));
    // one client for every relayed request, so its connections to the keeper are reused
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(Duration::from_secs(3))
            .build()
            .unwrap_or_default()
    });
    let fetched = async {
        let r = client.get(&url).send().await.map_err(|e| e.to_string())?;
        if !r.status().is_success() {
            return Err(format!("it answered {}", r.status()));
        }
        let body = r.bytes().await.map_err(|e| e.to_string())?;
        serde_json::from_slice::<T>(&body)
            .map_err(|e| format!("its answer is not what a keeper publishes here ({e})"))
    }
    .await;
    fetched.map(|v| (url.clone(), v)).map_err(|e| {
        refused(
            StatusCode::BAD_GATEWAY,
            format!("the keeper at {url} did not answer: {e}"),
        )
    })
}

fn refused(status: StatusCode, message: String) -> Response {
    let body = ErrorBody {
        error: message,
        parameter: None,
    };
    (status, Json(body)).into_response()
}

/// Task `id`'s spec document, fetched by its URI and shown only when its keccak256 is the spec
/// hash committed on chain: 404 without such a task or when this indexer does not fetch specs
/// (`--fetch-specs`), 502 when the URI cannot be read, 422 when what it holds is not the
/// committed spec.
#[utoipa::path(get, path = "/api/tasks/{id}/spec", tag = "tasks",
    params(("id" = String, Path, description = "The task id, 0x-hex or decimal")),
    responses((status = 200, body = SpecDocument), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
pub(super) async fn spec(State(s): State<Arc<ApiState>>, Path(id): Path<String>) -> Response {
    let key = match task_key(&id) {
        Ok(k) => k,
        Err(e) => return e.into_response(),
    };
    let task: Task = match one(&s, "tasks", "task_id", &key, "task").await {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let uri = task.columns.spec_uri;
    let committed: B256 = match task.columns.spec_hash.parse() {
        Ok(h) => h,
        Err(_) => {
            let e = format!("task {key} has a stored spec hash that is not 32 bytes of hex");
            return refused(StatusCode::INTERNAL_SERVER_ERROR, e);
        }
    };
    let Some(fetcher) = &s.specs else {
        return refused(
            StatusCode::NOT_FOUND,
            format!(
                "this indexer does not fetch specs (start it with --fetch-specs, and --allow-files for file:// URIs on a devnet); the spec is at {uri:?}, keccak256 {committed}"
            ),
        );
    };
    let body = match fetcher.fetch(&uri, Some(SPEC_MAX_BYTES)).await {
        Ok(b) => b,
        Err(e) => {
            return refused(
                StatusCode::BAD_GATEWAY,
                format!("cannot read the spec: {e}"),
            );
        }
    };
    let hash = keccak256(&body);
    if hash != committed {
        return refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "the document at {uri:?} is not the committed spec: its keccak256 is {hash}, the task commits to {committed}"
            ),
        );
    }
    Json(SpecDocument {
        uri,
        hash: format!("{hash}"),
        bytes: body.len(),
        verified: true,
        text: String::from_utf8_lossy(&body).into_owned(),
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::nice_bucket;

    #[test]
    fn buckets_round_up_to_readable_widths() {
        assert_eq!(nice_bucket(0), 1);
        assert_eq!(nice_bucket(1), 1);
        assert_eq!(nice_bucket(3), 5);
        assert_eq!(nice_bucket(61), 120);
        assert_eq!(nice_bucket(3_601), 7_200);
        assert_eq!(nice_bucket(86_401), 172_800);
    }
}
