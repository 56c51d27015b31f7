//! The agent's HTTP endpoint (127.0.0.1 by default; registered on chain as the provider's
//! endpoint): results by content hash, the health path of the services it runs, and its status.
//!
//! - `GET /results/0x<keccak256>`: a result's bytes (the keeper fetches them and checks the hash);
//! - `GET /health`: 200 while every service this agent runs is alive, else 503;
//! - `GET /services/0x<task>/<replica>/<any path>`: the health of the service this agent runs for
//!   that replica, whatever path the spec probes: 200 while it runs, 503 once it has died, 404
//!   when this agent runs no such service (the keeper's probes come here);
//! - `GET /status`: what the agent holds (JSON).

use std::{
    collections::HashMap,
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
    /// Each running service (by replica key, `journal::key`) and whether it is alive.
    pub services: Arc<Mutex<HashMap<String, bool>>>,
    /// The agent's status.
    pub status: Arc<Mutex<Value>>,
}

/// The router.
pub fn router(s: Shared) -> Router {
    Router::new()
        .route("/results/{hash}", get(result))
        .route("/health", get(health))
        .route("/services/{task}/{replica}/", get(service))
        .route("/services/{task}/{replica}/{*path}", get(service))
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

async fn service(State(s): State<Shared>, Path(p): Path<HashMap<String, String>>) -> Response {
    let task = p.get("task").cloned().unwrap_or_default();
    let Some(replica) = p.get("replica").and_then(|r| r.parse::<u32>().ok()) else {
        let e = "the replica must be a whole number";
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))).into_response();
    };
    let Some(id) = task
        .strip_prefix("0x")
        .and_then(|h| alloy::primitives::U256::from_str_radix(h, 16).ok())
    else {
        let e = format!("{task:?} is not a 0x-hex task id");
        return (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))).into_response();
    };
    let alive = s
        .services
        .lock()
        .expect("not poisoned")
        .get(&crate::journal::key(&id, replica))
        .copied();
    match alive {
        Some(true) => Json(json!({ "alive": true })).into_response(),
        Some(false) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "alive": false })),
        )
            .into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": format!("this agent runs no service for replica {replica} of task {task}") })),
        )
            .into_response(),
    }
}

async fn status(State(s): State<Shared>) -> Response {
    Json(s.status.lock().expect("not poisoned").clone()).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_service_answers_by_its_own_liveness_whatever_path_is_probed() {
        let shared = Shared {
            results: std::env::temp_dir(),
            healthy: Arc::new(Mutex::new(true)),
            services: Arc::new(Mutex::new(HashMap::new())),
            status: Arc::new(Mutex::new(json!({}))),
        };
        let task = alloy::primitives::U256::from(0xabcu64);
        shared
            .services
            .lock()
            .unwrap()
            .insert(crate::journal::key(&task, 1), true);
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let app = router(shared.clone());
        tokio::spawn(async move { axum::serve(l, app).await });
        let get = |path: String| {
            let url = format!("{base}{path}");
            async move { reqwest::get(url).await.unwrap().status().as_u16() }
        };
        let padded = format!("0x{task:064x}");
        assert_eq!(get(format!("/services/{padded}/1/healthz")).await, 200);
        assert_eq!(get(format!("/services/{padded}/1/")).await, 200);
        assert_eq!(get("/services/0xabc/1/deep/ready".into()).await, 200);
        assert_eq!(
            get("/services/0xabc/0/healthz".into()).await,
            404,
            "not ours"
        );
        assert_eq!(get("/services/nope/0/healthz".into()).await, 400);
        shared
            .services
            .lock()
            .unwrap()
            .insert(crate::journal::key(&task, 1), false);
        assert_eq!(get("/services/0xabc/1/healthz".into()).await, 503);
    }
}
