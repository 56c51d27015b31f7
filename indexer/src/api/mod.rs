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
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use sqlx::{Row, any::AnyRow};

mod doc;
mod explorer;
mod params;
mod reads;
mod rows;
mod specs;

pub use doc::openapi;

use crate::{status::SharedStatus, store::Store};

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
    /// Whole-market answers (`/api/stats`, `/api/series`), computed once per indexed block.
    pub per_block: Arc<PerBlock>,
}

/// Answers over the whole market, the list pages and the totals of pages over large tables,
/// computed once per indexed block (number and hash, and the final block) and served to every
/// request asking the same until the next: a crowd asking for them costs one computation per
/// block, not one per request. Concurrent requests for an answer not yet computed wait for the one
/// computing it. The answers kept are the most recently asked, at most [`PerBlock::KEYS`] of them
/// and [`PerBlock::BYTES`] together (a 500-row task page is ~570 kB).
#[derive(Debug, Default)]
pub struct PerBlock {
    slots: std::sync::Mutex<Slots>,
}

type Cached = Option<((u64, String, i64), axum::body::Bytes)>;

/// The kept answers, each with when it was last asked and its size; their total size.
#[derive(Debug, Default)]
struct Slots {
    map: std::collections::HashMap<String, Slot>,
    tick: u64,
    bytes: usize,
}

#[derive(Debug)]
struct Slot {
    cell: Arc<tokio::sync::Mutex<Cached>>,
    asked: u64,
    bytes: usize,
}

impl Slots {
    /// The cell of `key` (a new one if it is not kept), marked as asked now.
    fn cell(&mut self, key: String) -> Arc<tokio::sync::Mutex<Cached>> {
        self.tick += 1;
        let tick = self.tick;
        let slot = self.map.entry(key).or_insert_with(|| Slot {
            cell: Default::default(),
            asked: tick,
            bytes: 0,
        });
        slot.asked = tick;
        slot.cell.clone()
    }

    /// Record that `key`'s cell now holds `bytes`, then drop the least recently asked answers
    /// until the rest fit (never `key` itself: it is being answered).
    fn stored(&mut self, key: &str, cell: &Arc<tokio::sync::Mutex<Cached>>, bytes: usize) {
        let Some(slot) = self.map.get_mut(key).filter(|s| Arc::ptr_eq(&s.cell, cell)) else {
            return; // dropped meanwhile: not kept
        };
        self.bytes = self.bytes - slot.bytes + bytes;
        slot.bytes = bytes;
        while self.map.len() > PerBlock::KEYS || self.bytes > PerBlock::BYTES {
            let Some(oldest) = self
                .map
                .iter()
                .filter(|(k, _)| k.as_str() != key)
                .min_by_key(|(_, s)| s.asked)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = self.map.remove(&oldest) {
                self.bytes -= gone.bytes;
            }
        }
    }
}

impl PerBlock {
    /// Most answers kept at once.
    pub const KEYS: usize = 512;
    /// Most bytes of answers kept at once.
    pub const BYTES: usize = 64 << 20;

    /// The answer `key` for the block the indexer is at, as JSON: the stored one, or
    /// `compute`'s (stored; [`to_json`] writes a typed answer).
    async fn json<F>(
        &self,
        s: &ApiState,
        key: String,
        compute: F,
    ) -> Result<axum::body::Bytes, ApiError>
    where
        F: std::future::Future<Output = Result<Vec<u8>, ApiError>>,
    {
        // the indexed block, and how far finality reached (rows carry their finality)
        let (number, hash) = s
            .store
            .checkpoint(s.chain_id, &s.market)
            .await?
            .map_or((0, String::new()), |c| (c.block_number, c.block_hash));
        let at = (number, hash, finalized(s).await?);
        let slot = self.slots().cell(key.clone());
        let mut cached = slot.lock().await;
        if let Some((block, body)) = &*cached
            && *block == at
        {
            return Ok(body.clone());
        }
        let body = axum::body::Bytes::from(compute.await?);
        *cached = Some((at, body.clone()));
        drop(cached);
        self.slots().stored(&key, &slot, body.len());
        Ok(body)
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A count (`SELECT COUNT(*) …`) for the block the indexer is at: a page's total over a
    /// large table costs one scan per block, not one per request.
    async fn count(&self, s: &ApiState, sql: &Sql) -> Result<i64, ApiError> {
        let key = format!("count:{}:{:?}", sql.text, sql.args);
        let body = self
            .json(s, key, to_json(async { Ok(sql.count(&s.store).await?) }))
            .await?;
        Ok(serde_json::from_slice(&body).unwrap_or_default())
    }

    /// [`PerBlock::json`] as the response.
    async fn answer<F>(&self, s: &ApiState, key: String, compute: F) -> Response
    where
        F: std::future::Future<Output = Result<Vec<u8>, ApiError>>,
    {
        match self.json(s, key, compute).await {
            Ok(body) => (
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response(),
            Err(e) => e.into_response(),
        }
    }
}

/// `compute`'s answer written as JSON.
async fn to_json<T: serde::Serialize>(
    compute: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<Vec<u8>, ApiError> {
    Ok(serde_json::to_vec(&compute.await?).unwrap_or_default())
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
        let body = rows::ErrorBody {
            error: self.message,
            parameter: self.parameter,
        };
        (self.status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The router, ready to serve.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/health", get(reads::health))
        .route("/ready", get(reads::ready))
        .route("/metrics", get(reads::metrics))
        .route("/openapi.json", get(doc::serve))
        .route("/api/tasks", get(reads::tasks))
        .route("/api/tasks/{id}", get(reads::task))
        .route("/api/tasks/{id}/spec", get(explorer::spec))
        .route("/api/tasks/{id}/verdicts", get(explorer::verdicts))
        .route("/api/tasks/{id}/decision", get(explorer::decision))
        .route("/api/providers", get(reads::providers))
        .route("/api/providers/{address}", get(reads::provider))
        .route("/api/events", get(reads::events))
        .route("/api/stats", get(reads::stats))
        .route("/api/info", get(explorer::info))
        .route("/api/explain", get(explorer::explain))
        .route("/api/specs/check", axum::routing::post(specs::check))
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
        if h.is_empty() {
            // "0x" alone is no number (the parser would read it as 0)
            return None;
        }
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

/// Bytes as lower-case 0x-hex.
pub(crate) fn hex0x(b: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(b))
}

/// A query with `$n` placeholders and its bound text/integer values. Hand-built rather than
/// `sqlx::QueryBuilder`: over the `Any` driver the builder writes `?`, which Postgres refuses.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Arg>,
}

/// A value bound to a query.
#[derive(Debug, Clone)]
enum Arg {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Self::Bytes(v)
    }
}

impl Sql {
    fn arg(&mut self, v: impl Into<Arg>) -> String {
        self.args.push(v.into());
        format!("${}", self.args.len())
    }

    async fn fetch(&self, store: &Store) -> Result<Vec<AnyRow>, sqlx::Error> {
        // the text is built from constants; every value is bound
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.text.clone()));
        for a in &self.args {
            q = match a {
                Arg::Int(n) => q.bind(*n),
                Arg::Text(s) => q.bind(s.clone()),
                Arg::Bytes(b) => q.bind(b.clone()),
            };
        }
        q.fetch_all(store.pool()).await
    }

    /// The rows as `T` (by column name: a missing or mistyped column is an error).
    async fn rows<T>(&self, store: &Store) -> Result<Vec<T>, sqlx::Error>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow>,
    {
        self.fetch(store).await?.iter().map(T::from_row).collect()
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

/// The last block marked final: as the indexer's live status holds it (set just after the
/// database is; never ahead of it), read from the database only before the first mark. A
/// request reading several tables asks this for each: one database query fewer each time.
async fn finalized(s: &ApiState) -> Result<i64, ApiError> {
    let live = s.status.finalized.get();
    if live > 0 {
        return Ok(live);
    }
    Ok(s.store.finalized(s.chain_id, &s.market).await? as i64)
}

/// Mark each row final when the block it is final by is.
fn finals<T: swan_store::rows::Final>(mut rows: Vec<T>, finalized: i64) -> Vec<T> {
    for r in &mut rows {
        let f = r.block() <= finalized;
        r.set_final(f);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::{PerBlock, Slots};

    /// Ask for `key` and store an answer of `bytes` under it.
    fn answer(slots: &mut Slots, key: &str, bytes: usize) {
        let cell = slots.cell(key.into());
        slots.stored(key, &cell, bytes);
    }

    #[test]
    fn the_least_recently_asked_answers_go_first() {
        let mut slots = Slots::default();
        for k in 0..PerBlock::KEYS {
            answer(&mut slots, &format!("page {k}"), 10);
        }
        // page 0 asked again: now page 1 is the oldest
        slots.cell("page 0".into());
        answer(&mut slots, "new", 10);
        assert_eq!(slots.map.len(), PerBlock::KEYS);
        assert!(slots.map.contains_key("page 0"));
        assert!(!slots.map.contains_key("page 1"));
        assert!(slots.map.contains_key("new"));
        assert_eq!(slots.bytes, 10 * PerBlock::KEYS);
    }

    #[test]
    fn answers_kept_fit_the_byte_bound() {
        let mut slots = Slots::default();
        let big = PerBlock::BYTES / 4;
        for k in 0..6 {
            answer(&mut slots, &format!("page {k}"), big);
        }
        assert_eq!(slots.bytes, 4 * big);
        let kept: Vec<bool> = (0..6)
            .map(|k| slots.map.contains_key(&format!("page {k}")))
            .collect();
        assert_eq!(kept, [false, false, true, true, true, true]);
        // an answer larger than the bound is still served, alone
        answer(&mut slots, "huge", PerBlock::BYTES + 1);
        assert_eq!(slots.map.len(), 1);
        assert!(slots.map.contains_key("huge"));
        // an answer stored again at another size is counted once
        answer(&mut slots, "huge", 5);
        assert_eq!(slots.bytes, 5);
    }
}
