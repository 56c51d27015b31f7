//! The keeper's Prometheus metrics (`swan_keeper_*`), and the views its HTTP API serves
//! (`crate::api`): the last allocation, utilization and suggested prices.

use std::sync::{
    Mutex,
    atomic::{AtomicU64, Ordering},
};

use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge},
    registry::Registry,
};

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
    /// Nonces the chain showed used by a transaction this keeper did not sign (its work went
    /// back to the queue): the key signs somewhere else too.
    pub taken: Counter,
    /// Ticks that stopped sending (RPC down, spending cap).
    pub paused: Counter,
    /// Unix milliseconds of the last successful tick.
    pub last_tick_ms: Gauge,
    views: Mutex<std::collections::BTreeMap<&'static str, serde_json::Value>>,
    ok_ticks: AtomicU64,
}

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
            taken: Counter::default(),
            paused: Counter::default(),
            last_tick_ms: Gauge::default(),
            views: Mutex::new(Default::default()),
            ok_ticks: AtomicU64::new(0),
            registry: Registry::default(),
        };
        registry.register("actions", "Actions by kind and outcome", m.actions.clone());
        let gauges = [
            ("pending_intents", "Intents pending or sent, not final"),
            ("balance_gwei", "The keeper's balance, gwei"),
            ("last_tick_ms", "Unix ms of the last successful tick"),
        ];
        for ((name, help), gauge) in
            gauges
                .into_iter()
                .zip([&m.pending, &m.balance_gwei, &m.last_tick_ms])
        {
            registry.register(name, help, gauge.clone());
        }
        let counters = [
            ("gas_paid_gwei", "Gas paid, gwei"),
            ("transactions_mined", "Transactions mined"),
            ("transactions_reverted", "Mined transactions that reverted"),
            ("fee_bumps", "Stuck transactions replaced with higher fees"),
            (
                "nonces_taken",
                "Nonces used by a transaction this keeper did not sign (the key signs elsewhere)",
            ),
            (
                "paused_ticks",
                "Ticks that stopped sending (RPC down, spending cap)",
            ),
        ];
        let values = [
            &m.gas_gwei,
            &m.mined,
            &m.reverted,
            &m.bumped,
            &m.taken,
            &m.paused,
        ];
        for ((name, help), counter) in counters.into_iter().zip(values) {
            registry.register(name, help, counter.clone());
        }
        Self { registry, ..m }
    }
}

impl Metrics {
    /// Count a tick that succeeded: transactions sent, intents refused by action, and what
    /// became of transactions sent before (mined, reverted, bumped, gas paid in wei).
    pub fn tick_done(
        &self,
        sent: u32,
        refused: &std::collections::BTreeMap<String, u32>,
        polled: &crate::sender::Polled,
    ) {
        let label = |action: &str, outcome: &str| ActionLabels {
            action: action.into(),
            outcome: outcome.into(),
        };
        if sent > 0 {
            self.actions
                .get_or_create(&label("any", "sent"))
                .inc_by(u64::from(sent));
        }
        for (action, n) in refused {
            self.actions
                .get_or_create(&label(action, "refused"))
                .inc_by(u64::from(*n));
        }
        self.mined.inc_by(u64::from(polled.mined));
        self.reverted.inc_by(u64::from(polled.reverted));
        self.bumped.inc_by(u64::from(polled.bumped));
        self.taken.inc_by(u64::from(polled.taken));
        self.gas_gwei
            .inc_by((polled.gas_paid / 1_000_000_000) as u64);
        self.last_tick_ms.set(crate::sender::now_ms() as i64);
        self.ok_ticks.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a tick succeeded in the last minute, and how long ago the last one did (ms).
    pub fn healthy(&self) -> (bool, i64) {
        let age = (crate::sender::now_ms() as i64).saturating_sub(self.last_tick_ms.get());
        (
            self.ok_ticks.load(Ordering::Relaxed) > 0 && age < 60_000,
            age,
        )
    }

    /// Publish a view served at `/{name}`: `decisions` (the last allocation), `utilization`,
    /// `prices`.
    pub fn set_view(&self, name: &'static str, v: serde_json::Value) {
        if let Ok(mut g) = self.views.lock() {
            g.insert(name, v);
        }
    }

    /// A published view (an empty list until published).
    pub fn view(&self, name: &str) -> serde_json::Value {
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
