//! The keeper's Prometheus metrics and its small HTTP server: `/health` (the last tick's time
//! and whether it succeeded), `/metrics`, `/decisions` (the last allocation: for each open task,
//! the chosen providers with their score terms, the runner-up and the refusals — what anyone
//! needs to recompute the choice), `/utilization` (per provider and region), `/prices` (the
//! suggested price per resource class; see [`crate::optimize`]) and `/verdicts[?task=0x…]` (the
//! keeper-attested verdicts with their evidence: each check run on the fetched result).

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicU64, Ordering},
};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::IntoResponse,
    routing::get,
};
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

use crate::run::Tick;

/// Labels of `swan_keeper_actions_total`.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ActionLabels {
    /// assign, settle, reveal, expire, report, finish.
    pub action: String,
    /// sent, refused.
    pub outcome: String,
}

/// Live metrics of one keeper.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Actions by kind and outcome.
    pub actions: Family<ActionLabels, Counter>,
    /// Intents pending or sent, not yet final.
    pub pending: Gauge,
    /// Gas paid, in gwei.
    pub gas_gwei: Counter,
    /// The keeper's balance, in gwei.
    pub balance_gwei: Gauge,
    /// Transactions mined, reverted, bumped, re-broadcast.
    pub mined: Counter,
    /// Mined transactions that reverted.
    pub reverted: Counter,
    /// Fee bumps.
    pub bumped: Counter,
    /// Ticks that stopped sending (RPC down, spending cap).
    pub paused: Counter,
    /// Unix milliseconds of the last successful tick.
    pub last_tick_ms: Gauge,
    views: Mutex<std::collections::BTreeMap<&'static str, serde_json::Value>>,
    /// The most recent verdicts (at most [`VERDICTS_KEPT`]): task key, replica, verdict.
    verdicts: Mutex<std::collections::VecDeque<(String, u32, serde_json::Value)>>,
    ok_ticks: AtomicU64,
}

/// How many verdicts `/verdicts` keeps (the oldest go first).
pub const VERDICTS_KEPT: usize = 10_000;

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("swan_keeper");
        let m = Self {
            actions: Family::default(),
            pending: Gauge::default(),
            gas_gwei: Counter::default(),
            balance_gwei: Gauge::default(),
            mined: Counter::default(),
            reverted: Counter::default(),
            bumped: Counter::default(),
            paused: Counter::default(),
            last_tick_ms: Gauge::default(),
            views: Mutex::new(Default::default()),
            verdicts: Mutex::new(Default::default()),
            ok_ticks: AtomicU64::new(0),
            registry: Registry::default(),
        };
        registry.register("actions", "Actions by kind and outcome", m.actions.clone());
        registry.register(
            "pending_intents",
            "Intents pending or sent, not final",
            m.pending.clone(),
        );
        registry.register("gas_paid_gwei", "Gas paid, gwei", m.gas_gwei.clone());
        registry.register(
            "balance_gwei",
            "The keeper's balance, gwei",
            m.balance_gwei.clone(),
        );
        registry.register("transactions_mined", "Transactions mined", m.mined.clone());
        registry.register(
            "transactions_reverted",
            "Mined transactions that reverted",
            m.reverted.clone(),
        );
        registry.register(
            "fee_bumps",
            "Stuck transactions replaced with higher fees",
            m.bumped.clone(),
        );
        registry.register(
            "paused_ticks",
            "Ticks that stopped sending (RPC down, spending cap)",
            m.paused.clone(),
        );
        registry.register(
            "last_tick_ms",
            "Unix ms of the last successful tick",
            m.last_tick_ms.clone(),
        );
        Self { registry, ..m }
    }
}

impl Metrics {
    /// Count what a tick did.
    pub fn observe(&self, t: &Tick) {
        let label = |action: &str, outcome: &str| ActionLabels {
            action: action.into(),
            outcome: outcome.into(),
        };
        if t.sent > 0 {
            self.actions
                .get_or_create(&label("any", "sent"))
                .inc_by(u64::from(t.sent));
        }
        for (action, n) in &t.refused {
            self.actions
                .get_or_create(&label(action, "refused"))
                .inc_by(u64::from(*n));
        }
        self.mined.inc_by(u64::from(t.polled.mined));
        self.reverted.inc_by(u64::from(t.polled.reverted));
        self.bumped.inc_by(u64::from(t.polled.bumped));
        self.gas_gwei
            .inc_by((t.polled.gas_paid / 1_000_000_000) as u64);
        self.last_tick_ms.set(crate::sender::now_ms() as i64);
        self.ok_ticks.fetch_add(1, Ordering::Relaxed);
    }

    /// Publish a view served at `/{name}`: `decisions` (the last allocation), `utilization`,
    /// `prices`.
    pub fn set_view(&self, name: &'static str, v: serde_json::Value) {
        if let Ok(mut g) = self.views.lock() {
            g.insert(name, v);
        }
    }

    /// Publish a verdict the keeper gave (with its evidence) at `/verdicts`; a later verdict on
    /// the same replica replaces the earlier one (a result that cannot be fetched is judged again
    /// on every tick).
    pub fn record_verdict(&self, task: String, replica: u32, verdict: serde_json::Value) {
        if let Ok(mut g) = self.verdicts.lock() {
            if let Some(slot) = g.iter_mut().find(|(t, r, _)| *t == task && *r == replica) {
                slot.2 = verdict;
                return;
            }
            if g.len() == VERDICTS_KEPT {
                g.pop_front();
            }
            g.push_back((task, replica, verdict));
        }
    }

    /// The kept verdicts on `task` (all kept verdicts when None), oldest first.
    fn verdicts_of(&self, task: Option<&str>) -> Vec<serde_json::Value> {
        let Ok(g) = self.verdicts.lock() else {
            return Vec::new();
        };
        g.iter()
            .filter(|(t, _, _)| task.is_none_or(|k| k == t))
            .map(|(t, r, v)| {
                let mut o = v.clone();
                o["task"] = serde_json::Value::String(t.clone());
                o["replica"] = serde_json::Value::from(*r);
                o
            })
            .collect()
    }

    fn view(&self, name: &str) -> serde_json::Value {
        self.views
            .lock()
            .ok()
            .and_then(|g| g.get(name).cloned())
            .unwrap_or(serde_json::Value::Array(Vec::new()))
    }

    /// The Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let _ = encode(&mut out, &self.registry);
        out
    }
}

async fn health(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    let last = m.last_tick_ms.get();
    let age = (crate::sender::now_ms() as i64).saturating_sub(last);
    let ok = m.ok_ticks.load(Ordering::Relaxed) > 0 && age < 60_000;
    let body = Json(serde_json::json!({ "ok": ok, "last_tick_ms": last, "since_ms": age }));
    if ok {
        (StatusCode::OK, body)
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, body)
    }
}

async fn metrics(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            "content-type",
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        m.encode(),
    )
}

async fn decisions(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    Json(m.view("decisions"))
}

async fn utilization(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    Json(m.view("utilization"))
}

async fn prices(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    Json(m.view("prices"))
}

/// `/verdicts[?task=0x…]`: the keeper-attested verdicts with their evidence (the checks it ran on
/// the fetched result), or why a result could not be judged.
async fn verdicts(
    State(m): State<Arc<Metrics>>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    if let Some(k) = q.keys().find(|k| k.as_str() != "task") {
        let body = serde_json::json!({ "error": format!("unknown parameter {k:?}; allowed: task"), "parameter": k });
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let task = match q.get("task") {
        None => None,
        Some(v) => match v
            .strip_prefix("0x")
            .and_then(|h| alloy::primitives::U256::from_str_radix(h, 16).ok())
        {
            Some(id) => Some(swan_indexer::model::task_key(&id)),
            None => {
                let body = serde_json::json!({ "error": format!("task must be a 0x-hex task id, got {v:?}"), "parameter": "task" });
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
        },
    };
    Json(m.verdicts_of(task.as_deref())).into_response()
}

/// The keeper's HTTP routes.
pub fn router(m: Arc<Metrics>) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .route("/decisions", get(decisions))
        .route("/utilization", get(utilization))
        .route("/prices", get(prices))
        .route("/verdicts", get(verdicts))
        .with_state(m)
}
