//! The agent's HTTP endpoint (127.0.0.1 by default; registered on chain as the provider's
//! endpoint): results by content hash, the health path of the services it runs, and its status.
//!
//! - `GET /results/0x<keccak256>`: a result's bytes (the keeper fetches them and checks the hash);
//! - `GET /health`: 200 while every service this agent runs is alive, else 503;
//! - `GET /status`: what the agent holds (JSON).

use std::{
    path::PathBuf,
    sync::{Arc, Mutex},
};

use alloy::primitives::B256;
use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

/// What the server shows.
#[derive(Debug, Clone)]
pub struct Shared {
    /// Where results are kept by hash.
    pub results: PathBuf,
    /// Whether every running service is alive.
    pub healthy: Arc<Mutex<bool>>,
    /// The agent's status.
    pub status: Arc<Mutex<Value>>,
}

/// The router.
pub fn router(s: Shared) -> Router {
    Router::new()
        .route("/results/{hash}", get(result))
        .route("/health", get(health))
        .route("/status", get(status))
        .with_state(s)
}

async fn result(State(s): State<Shared>, Path(hash): Path<String>) -> Response {
    let Ok(h) = hash.parse::<B256>() else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": format!("{hash:?} is not a 0x-prefixed 32-byte hash") })),
        )
            .into_response();
    };
    match tokio::fs::read(s.results.join(format!("{h:#x}"))).await {
        Ok(bytes) => bytes.into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("no result {h:#x} here") })),
        )
            .into_response(),
    }
}

async fn health(State(s): State<Shared>) -> Response {
    let ok = *s.healthy.lock().expect("not poisoned");
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(json!({ "healthy": ok }))).into_response()
}

async fn status(State(s): State<Shared>) -> Response {
    Json(s.status.lock().expect("not poisoned").clone()).into_response()
}
