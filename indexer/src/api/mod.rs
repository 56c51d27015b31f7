//! The HTTP read API (axum): tasks, providers, events and market stats from the typed tables,
//! plus `/health`, `/ready`, `/metrics` and the OpenAPI document (`/openapi.json`). The
//! explorer's extra reads (market info, time series, a task's timeline, the keeper's suggested
//! prices) are in [`explorer`]; the web page itself is served by [`crate::web`].
//!
//! Query parameters are typed ([`params`]): a bad one gets a 400 whose JSON names it,
//! `{"error": "...", "parameter": "limit"}`, and unknown parameters are refused the same way (a
//! typo never silently widens a filter).

use std::sync::Arc;

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Map, Value, json};
use sqlx::{Column, Row, any::AnyRow};

mod explorer;
mod params;

use params::{Checked, EventQuery, ProviderQuery, TaskQuery, page};

use crate::{project::TASK_STATUS, status::SharedStatus, store::Store};

/// The OpenAPI 3.1 document describing this API.
pub const OPENAPI: &str = include_str!("openapi.json");

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The database.
    pub store: Store,
    /// The chain.
    pub chain_id: u64,
    /// The market (0x-hex): the checkpoint's key.
    pub market: String,
    /// Live status.
    pub status: SharedStatus,
    /// `/ready` fails when the checkpoint is more than this many blocks behind the head.
    pub ready_lag: u64,
    /// The payment token (0x-hex), shown by `/api/info`.
    pub token: String,
    /// The block explorer's base URL, if the manifest names one (the web page links to it).
    pub explorer: Option<String>,
    /// The keeper whose suggested prices `/api/prices` relays (`http://host:port`), if any.
    pub keeper_url: Option<String>,
    /// Fetches task specs for `/api/tasks/{id}/spec` (None: this indexer does not fetch them).
    pub specs: Option<swan_spec::fetch::Fetcher>,
}

/// An API error: a status and a JSON body naming what was wrong.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
    parameter: Option<String>,
}

impl ApiError {
    fn bad(parameter: &str, message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
            parameter: Some(parameter.to_owned()),
        }
    }

    fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
            parameter: None,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "API query failed");
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "the database is unavailable; retry shortly".into(),
            parameter: None,
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Sql(e) => e.into(),
            other => {
                tracing::error!(error = %other, "API store error");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    message: other.to_string(),
                    parameter: None,
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({ "error": self.message });
        if let Some(p) = self.parameter {
            body["parameter"] = Value::String(p);
        }
        (self.status, Json(body)).into_response()
    }
}

type ApiResult = Result<Json<Value>, ApiError>;

/// The router, ready to serve.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .route("/api/tasks", get(tasks))
        .route("/api/tasks/{id}", get(task))
        .route("/api/tasks/{id}/spec", get(explorer::spec))
        .route("/api/tasks/{id}/verdicts", get(explorer::verdicts))
        .route("/api/providers", get(providers))
        .route("/api/providers/{address}", get(provider))
        .route("/api/events", get(events))
        .route("/api/stats", get(stats))
        .route("/api/info", get(explorer::info))
        .route("/api/series", get(explorer::series))
        .route("/api/prices", get(explorer::prices))
        .merge(crate::web::routes())
        .fallback(|| async { ApiError::not_found("no such endpoint; see /openapi.json") })
        .with_state(Arc::new(state))
}

fn parse_address(v: &str) -> Option<String> {
    v.parse::<alloy::primitives::Address>()
        .ok()
        .map(|a| format!("{a:#x}"))
}

/// A task id given as 0x-hex or decimal, to its stored key.
fn parse_task_id(v: &str) -> Option<String> {
    let id = if let Some(h) = v.strip_prefix("0x") {
        alloy::primitives::U256::from_str_radix(h, 16).ok()?
    } else {
        alloy::primitives::U256::from_str_radix(v, 10).ok()?
    };
    Some(crate::model::task_key(&id))
}

/// The stored key of the task id in a path, or the 400 that names it.
fn task_key(id: &str) -> Result<String, ApiError> {
    parse_task_id(id).ok_or_else(|| {
        ApiError::bad(
            "id",
            format!("task id must be 0x-hex or decimal, got {id:?}"),
        )
    })
}

/// A row as a JSON object, each column in its SQL type.
fn row_json(r: &AnyRow) -> Value {
    let mut m = Map::new();
    for (n, c) in r.columns().iter().enumerate() {
        let v = if let Ok(v) = r.try_get::<Option<i64>, _>(n) {
            v.map(Value::from).unwrap_or(Value::Null)
        } else if let Ok(v) = r.try_get::<Option<String>, _>(n) {
            v.map(Value::from).unwrap_or(Value::Null)
        } else if let Ok(v) = r.try_get::<Option<f64>, _>(n) {
            v.map(Value::from).unwrap_or(Value::Null)
        } else if let Ok(v) = r.try_get::<Option<Vec<u8>>, _>(n) {
            v.map(|b| Value::from(blob_hex(c.name(), &b)))
                .unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        m.insert(c.name().to_owned(), v);
    }
    Value::Object(m)
}

/// A stored byte column as the API shows it: 0x-hex; the raw log's `topics` (32-byte words,
/// concatenated) as their comma-separated words.
fn blob_hex(column: &str, b: &[u8]) -> String {
    if column == "topics" {
        b.chunks(32).map(hex0x).collect::<Vec<_>>().join(",")
    } else {
        hex0x(b)
    }
}

/// Bytes as lower-case 0x-hex.
pub(crate) fn hex0x(b: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(b))
}

/// A query with `$n` placeholders and its bound text/integer values. Hand-built rather than
/// `sqlx::QueryBuilder`: over the `Any` driver the builder writes `?`, which Postgres refuses.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Value>,
}

impl Sql {
    fn arg(&mut self, v: impl Into<Value>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    async fn fetch(&self, store: &Store) -> Result<Vec<AnyRow>, sqlx::Error> {
        // the text is built from constants; every value is bound
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Value::Number(n) => q.bind(n.as_i64().unwrap_or_default()),
                Value::String(s) => q.bind(s.clone()),
                _ => q.bind(None::<String>),
            };
        }
        q.fetch_all(store.pool()).await
    }

    /// The first column of the first row, as a count.
    async fn count(&self, store: &Store) -> Result<i64, sqlx::Error> {
        Ok(self
            .fetch(store)
            .await?
            .first()
            .map(|r| r.get(0))
            .unwrap_or(0))
    }
}

async fn finalized(s: &ApiState) -> Result<i64, ApiError> {
    Ok(s.store.finalized(s.chain_id, &s.market).await? as i64)
}

/// One page of `SELECT {select}{filter} ORDER BY {order}` (rows marked final or not) and the
/// number of rows the filter matches.
async fn page_of(
    s: &ApiState,
    mut sql: Sql,
    select: &str,
    filter: &str,
    order: &str,
    (limit, offset): (u64, u64),
) -> Result<(Vec<Value>, i64), ApiError> {
    let count = Sql {
        text: format!("SELECT COUNT(*){filter}"),
        args: sql.args.clone(),
    };
    let total = count.count(&s.store).await?;
    sql.text = format!(
        "SELECT {select}{filter} ORDER BY {order} LIMIT {} OFFSET {}",
        sql.arg(limit as i64),
        sql.arg(offset as i64)
    );
    let f = finalized(s).await?;
    let items = sql
        .fetch(&s.store)
        .await?
        .iter()
        .map(|r| mark_final(row_json(r), f, "updated_block"))
        .collect();
    Ok((items, total))
}

fn mark_final(mut v: Value, finalized: i64, block_col: &str) -> Value {
    let f = v
        .get(block_col)
        .and_then(Value::as_i64)
        .is_some_and(|b| b <= finalized);
    v["finalized"] = Value::Bool(f);
    v
}

async fn health(State(s): State<Arc<ApiState>>) -> Response {
    match sqlx::query("SELECT 1").execute(s.store.pool()).await {
        Ok(_) => Json(json!({ "status": "ok" })).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "database unavailable", "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn ready(State(s): State<Arc<ApiState>>) -> Response {
    let st = &s.status;
    let body = json!({
        "ready": st.ready(s.ready_lag),
        "head": st.head.get(),
        "checkpoint": st.checkpoint.get(),
        "finalized": st.finalized.get(),
        "lag": st.lag.get(),
        "stalled": st.stalled(),
        "since_progress_ms": st.since_progress_ms(),
    });
    let code = if st.ready(s.ready_lag) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn metrics(State(s): State<Arc<ApiState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.status.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn tasks(State(s): State<Arc<ApiState>>, Checked(q): Checked<TaskQuery>) -> ApiResult {
    let (limit, offset) = page(q.limit, q.offset);
    let (status, kind, mode) = (
        q.status.map(|v| v.0),
        q.kind.map(|v| v.0),
        q.mode.map(|v| v.0),
    );
    let (submitter, provider) = (q.submitter.map(|v| v.0), q.provider.map(|v| v.0));
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let mut filter = format!(" FROM tasks t WHERE t.chain_id = {chain}");
    if let Some(v) = status {
        filter += &format!(" AND t.status = {}", sql.arg(v));
    }
    match kind.as_deref() {
        Some("service") => filter += " AND t.mode = 'service'",
        Some(_) => filter += " AND t.mode <> 'service'",
        None => {}
    }
    if let Some(v) = mode {
        filter += &format!(" AND t.mode = {}", sql.arg(v));
    }
    if let Some(v) = submitter {
        filter += &format!(" AND t.submitter = {}", sql.arg(v));
    }
    if let Some(v) = provider {
        filter += &format!(
            " AND EXISTS (SELECT 1 FROM replicas r WHERE r.chain_id = t.chain_id AND r.task_id = t.task_id AND r.provider = {})",
            sql.arg(v)
        );
    }
    let order = "t.created_block DESC, t.task_id DESC";
    let (items, total) = page_of(&s, sql, "t.*", &filter, order, (limit, offset)).await?;
    Ok(Json(
        json!({ "items": items, "total": total, "limit": limit, "offset": offset }),
    ))
}

/// The rows of a state table (tasks, replicas, providers) whose `key_col` is `key`; each is final
/// by the block of its last change.
async fn rows(
    s: &ApiState,
    table: &str,
    key_col: &str,
    key: &str,
    order: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let k = sql.arg(key.to_owned());
    sql.text = format!(
        "SELECT * FROM {table} WHERE chain_id = {chain} AND {key_col} = {k} ORDER BY {order}"
    );
    let f = finalized(s).await?;
    Ok(sql
        .fetch(&s.store)
        .await?
        .iter()
        .map(|r| mark_final(row_json(r), f, "updated_block"))
        .collect())
}

/// The rows of an event table whose `key_col` is `key`, in chain order, each with the
/// transaction that emitted it (`tx_hash`, from the raw log) and its block's time (`block_time`,
/// unix seconds), final by its own block.
async fn events_of(
    s: &ApiState,
    table: &str,
    key_col: &str,
    key: &str,
) -> Result<Vec<Value>, ApiError> {
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let k = sql.arg(key.to_owned());
    sql.text = format!(
        "SELECT e.*, l.tx_hash, b.timestamp AS block_time FROM {table} e \
         LEFT JOIN raw_logs l ON l.chain_id = e.chain_id AND l.block_number = e.block_number \
         AND l.log_index = e.log_index \
         LEFT JOIN blocks b ON b.chain_id = e.chain_id AND b.number = e.block_number \
         WHERE e.chain_id = {chain} AND e.{key_col} = {k} ORDER BY e.block_number, e.log_index"
    );
    let f = finalized(s).await?;
    Ok(sql
        .fetch(&s.store)
        .await?
        .iter()
        .map(|r| mark_final(row_json(r), f, "block_number"))
        .collect())
}

async fn task(State(s): State<Arc<ApiState>>, Path(id): Path<String>) -> ApiResult {
    let key = task_key(&id)?;
    let mut found = rows(&s, "tasks", "task_id", &key, "task_id").await?;
    let Some(mut t) = found.pop() else {
        return Err(ApiError::not_found(format!("no task {key}")));
    };
    // the row's `replicas` (how many) gives its name to the list of replicas below
    t["replica_count"] = t["replicas"].take();
    t["replicas"] = Value::Array(rows(&s, "replicas", "task_id", &key, "idx").await?);
    for table in ["assignments", "results", "payments", "slashes"] {
        t[table] = Value::Array(events_of(&s, table, "task_id", &key).await?);
    }
    t["timeline"] = Value::Array(explorer::timeline(&s, &key, &t).await?);
    Ok(Json(t))
}

async fn providers(
    State(s): State<Arc<ApiState>>,
    Checked(q): Checked<ProviderQuery>,
) -> ApiResult {
    let status = q.status.map(|v| v.0);
    let sort = q.sort.map_or_else(|| "reputation".to_owned(), |v| v.0);
    let (limit, offset) = page(q.limit, q.offset);
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let mut filter = format!(" FROM providers WHERE chain_id = {chain}");
    if let Some(v) = status {
        filter += &format!(" AND status = {}", sql.arg(v));
    }
    if let Some(v) = q.region {
        filter += &format!(" AND region = {}", sql.arg(v));
    }
    if let Some(v) = q.gpu_model {
        filter += &format!(" AND gpu_model = {}", sql.arg(v));
    }
    for (min, col) in [
        (q.min_cpu, "cpu_cores"),
        (q.min_memory, "memory_gib"),
        (q.min_gpu, "gpu_count"),
    ] {
        if let Some(v) = min {
            filter += &format!(" AND {col} >= {}", sql.arg(v.0 as i64));
        }
    }
    let order = match sort.as_str() {
        "price" => "price_f ASC, address",
        "free" => "free_f DESC, address",
        _ => "reputation DESC, completed DESC, address",
    };
    let (items, total) = page_of(&s, sql, "*", &filter, order, (limit, offset)).await?;
    Ok(Json(
        json!({ "items": items, "total": total, "limit": limit, "offset": offset, "sort": sort }),
    ))
}

async fn provider(State(s): State<Arc<ApiState>>, Path(address): Path<String>) -> ApiResult {
    let key = parse_address(&address).ok_or_else(|| {
        ApiError::bad(
            "address",
            format!("address must be a 0x-prefixed 20-byte hex address, got {address:?}"),
        )
    })?;
    let mut found = rows(&s, "providers", "address", &key, "address").await?;
    let Some(mut p) = found.pop() else {
        return Err(ApiError::not_found(format!("no provider {key}")));
    };
    p["replicas"] = Value::Array(
        rows(
            &s,
            "replicas",
            "provider",
            &key,
            "assigned_block DESC, task_id, idx",
        )
        .await?,
    );
    p["collateral"] = Value::Array(events_of(&s, "collateral_events", "provider", &key).await?);
    p["slashes"] = Value::Array(events_of(&s, "slashes", "provider", &key).await?);
    p["payments"] = Value::Array(events_of(&s, "payments", "account", &key).await?);
    Ok(Json(p))
}

async fn events(State(s): State<Arc<ApiState>>, Checked(q): Checked<EventQuery>) -> ApiResult {
    let event = q.event.map(|v| v.0);
    let from = q.from_block.map_or(0, |v| v.0);
    let (limit, offset) = page(q.limit, q.offset);
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let mut filter = format!(
        " FROM raw_logs WHERE chain_id = {chain} AND block_number >= {}",
        sql.arg(from as i64)
    );
    if let Some(v) = event {
        filter += &format!(" AND event = {}", sql.arg(v));
    }
    sql.text = format!(
        "SELECT block_number, log_index, block_hash, tx_hash, event, topics, data{filter} ORDER BY block_number, log_index LIMIT {} OFFSET {}",
        sql.arg(limit as i64),
        sql.arg(offset as i64)
    );
    let f = finalized(&s).await?;
    let items: Vec<Value> = sql
        .fetch(&s.store)
        .await?
        .iter()
        .map(|r| mark_final(row_json(r), f, "block_number"))
        .collect();
    Ok(Json(
        json!({ "items": items, "limit": limit, "offset": offset }),
    ))
}

async fn stats(State(s): State<Arc<ApiState>>) -> ApiResult {
    let chain = s.chain_id as i64;
    let one = |text: &str| Sql {
        text: text.to_owned(),
        args: vec![Value::from(chain)],
    };
    let mut tasks = Map::new();
    for st in &TASK_STATUS[1..] {
        tasks.insert((*st).to_owned(), Value::from(0));
    }
    for r in one("SELECT status, COUNT(*) FROM tasks WHERE chain_id = $1 GROUP BY status")
        .fetch(&s.store)
        .await?
    {
        tasks.insert(r.get::<String, _>(0), Value::from(r.get::<i64, _>(1)));
    }
    let mut providers = Map::new();
    for r in one("SELECT status, COUNT(*) FROM providers WHERE chain_id = $1 GROUP BY status")
        .fetch(&s.store)
        .await?
    {
        providers.insert(r.get::<String, _>(0), Value::from(r.get::<i64, _>(1)));
    }
    // utilization: share of active providers running at least one replica
    let busy = one(
        "SELECT COUNT(*) FROM providers WHERE chain_id = $1 AND status = 'active' AND running > 0",
    )
    .count(&s.store)
    .await?;
    let active = providers.get("active").and_then(Value::as_i64).unwrap_or(0);
    let running = one("SELECT COUNT(*) FROM replicas WHERE chain_id = $1 AND status IN ('assigned', 'submitted', 'revealed')").count(&s.store).await?;
    let market = one("SELECT * FROM market WHERE chain_id = $1")
        .fetch(&s.store)
        .await?;
    let market = market.first().map(row_json).unwrap_or_else(|| json!({}));
    let events = one("SELECT COUNT(*) FROM raw_logs WHERE chain_id = $1")
        .count(&s.store)
        .await?;
    Ok(Json(json!({
        "chain_id": s.chain_id,
        "tasks": tasks,
        "open_tasks": tasks.get("open").cloned().unwrap_or(Value::from(0)),
        "providers": providers,
        "running_replicas": running,
        "utilization": if active > 0 { busy as f64 / active as f64 } else { 0.0 },
        "volume": market.get("volume").cloned().unwrap_or(Value::from("0")),
        "fees": market.get("fees").cloned().unwrap_or(Value::from("0")),
        "slashed": market.get("slashed").cloned().unwrap_or(Value::from("0")),
        "refunded": market.get("refunded").cloned().unwrap_or(Value::from("0")),
        "escrowed": market.get("escrowed").cloned().unwrap_or(Value::from("0")),
        "events": events,
        "checkpoint": s.status.checkpoint.get(),
        "finalized": finalized(&s).await?,
    })))
}
