//! The keeper's HTTP API (127.0.0.1 by default): `/health` (the last tick's time and whether it
//! succeeded), `/metrics` (Prometheus), `/decisions` (the last allocation: for each open task,
//! the chosen providers with their score terms, the runner-up and the refusals — what anyone
//! needs to recompute the choice), `/utilization` (per provider and region), `/prices` (the
//! suggested price per resource class; see [`crate::optimize`]) and `/verdicts[?task=0x…]` (the
//! keeper-attested verdicts with their evidence, from the store: [`crate::verdicts`]).

use std::{collections::HashMap, sync::Arc};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use swan_store::Store;

use crate::metrics::Metrics;

/// What the routes read.
#[derive(Debug)]
pub struct ApiState {
    /// The keeper's metrics and published views.
    pub metrics: Arc<Metrics>,
    /// The database the keeper and its indexer share.
    pub store: Store,
    /// The chain the keeper serves.
    pub chain_id: u64,
}

type S = State<Arc<ApiState>>;

fn bad_request(parameter: &str, error: String) -> Response {
    let body = serde_json::json!({ "error": error, "parameter": parameter });
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn health(State(s): S) -> impl IntoResponse {
    let (ok, age) = s.metrics.healthy();
    let last = s.metrics.last_tick_ms.get();
    let body = Json(serde_json::json!({ "ok": ok, "last_tick_ms": last, "since_ms": age }));
    if ok {
        (StatusCode::OK, body)
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, body)
    }
}

async fn metrics(State(s): S) -> impl IntoResponse {
    (
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.encode(),
    )
}

/// `/decisions[?task=0x…]`: the last allocation's decisions, or the one for a task (404 when
/// the last allocation did not consider it: it is not open, or an assignment is on its way).
async fn decisions(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(k) = q.keys().find(|k| k.as_str() != "task") {
        return bad_request(k, format!("unknown parameter {k:?}; allowed: task"));
    }
    let all = s.metrics.view("decisions");
    let Some(v) = q.get("task") else {
        return Json(all).into_response();
    };
    let Some(id) = v
        .strip_prefix("0x")
        .and_then(|h| alloy::primitives::U256::from_str_radix(h, 16).ok())
    else {
        return bad_request("task", format!("task must be a 0x-hex task id, got {v:?}"));
    };
    let found = all.as_array().into_iter().flatten().find(|d| {
        d["task"]
            .as_str()
            .and_then(|t| t.parse::<alloy::primitives::U256>().ok())
            == Some(id)
    });
    match found {
        Some(d) => Json(d.clone()).into_response(),
        None => {
            let body = serde_json::json!({
                "error": format!("the keeper's last allocation did not consider task {id:#x}: it is not open, or its assignment is on its way")
            });
            (StatusCode::NOT_FOUND, Json(body)).into_response()
        }
    }
}

async fn utilization(State(s): S) -> impl IntoResponse {
    Json(s.metrics.view("utilization"))
}

async fn prices(State(s): S) -> impl IntoResponse {
    Json(s.metrics.view("prices"))
}

/// `/verdicts[?task=0x…]`: the keeper-attested verdicts with their evidence (the checks it ran on
/// the fetched result), or why a result could not be judged. (The query is a map so that an
/// unknown parameter is answered with its name, as the indexer's API does.)
async fn verdicts(State(s): S, Query(q): Query<HashMap<String, String>>) -> Response {
    if let Some(k) = q.keys().find(|k| k.as_str() != "task") {
        return bad_request(k, format!("unknown parameter {k:?}; allowed: task"));
    }
    let task = match q.get("task") {
        None => None,
        Some(v) => match v
            .strip_prefix("0x")
            .and_then(|h| alloy::primitives::U256::from_str_radix(h, 16).ok())
        {
            Some(id) => Some(swan_store::task_key(&id)),
            None => {
                return bad_request("task", format!("task must be a 0x-hex task id, got {v:?}"));
            }
        },
    };
    match crate::verdicts::list(&s.store, s.chain_id, task.as_deref()).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => {
            let body = serde_json::json!({ "error": e.to_string() });
            (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
        }
    }
}

/// The keeper's HTTP routes.
pub fn router(state: Arc<ApiState>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/decisions", get(decisions))
        .route("/utilization", get(utilization))
        .route("/prices", get(prices))
        .route("/verdicts", get(verdicts))
        .with_state(state)
}
