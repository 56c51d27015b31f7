//! What the indexer is doing, shared between the sync loop, the watchdog and the HTTP server, and
//! exported as Prometheus metrics.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{SystemTime, UNIX_EPOCH},
};

use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, gauge::Gauge},
    registry::Registry,
};

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

/// Live status and metrics of one indexer.
#[derive(Debug)]
pub struct Status {
    registry: Registry,
    /// Chain head seen last.
    pub head: Gauge,
    /// Last block written.
    pub checkpoint: Gauge,
    /// Last block marked final.
    pub finalized: Gauge,
    /// head − checkpoint.
    pub lag: Gauge,
    /// Unix seconds of the last progress (a range written, or caught up with the head).
    pub last_progress: Gauge,
    /// Events written.
    pub events: Counter,
    /// Events per second over the last range.
    pub events_per_second: Gauge<f64, AtomicU64>,
    /// Reorgs handled.
    pub reorgs: Counter,
    /// RPC faults.
    pub rpc_errors: Counter,
    /// Fetcher restarts by the watchdog.
    pub restarts: Counter,
    last_progress_ms: AtomicU64,
    stalled: AtomicBool,
    started: AtomicBool,
}

impl Default for Status {
    fn default() -> Self {
        Self::new()
    }
}

impl Status {
    /// Fresh status with its metrics registered.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("swan_indexer");
        let s = Self {
            head: Gauge::default(),
            checkpoint: Gauge::default(),
            finalized: Gauge::default(),
            lag: Gauge::default(),
            last_progress: Gauge::default(),
            events: Counter::default(),
            events_per_second: Gauge::default(),
            reorgs: Counter::default(),
            rpc_errors: Counter::default(),
            restarts: Counter::default(),
            last_progress_ms: AtomicU64::new(now_ms()),
            stalled: AtomicBool::new(false),
            started: AtomicBool::new(false),
            registry: Registry::default(),
        };
        let gauges = [
            ("head_block", "Latest block number the RPC reported"),
            (
                "checkpoint_block",
                "Last block fully written to the database",
            ),
            ("finalized_block", "Last block marked final"),
            (
                "head_lag_blocks",
                "Blocks between the chain head and the checkpoint",
            ),
            (
                "last_progress_seconds",
                "Unix time of the last range written or catch-up",
            ),
        ];
        let values = [
            &s.head,
            &s.checkpoint,
            &s.finalized,
            &s.lag,
            &s.last_progress,
        ];
        for ((name, help), gauge) in gauges.into_iter().zip(values) {
            registry.register(name, help, gauge.clone());
        }
        let counters = [
            ("events", "Events written"),
            ("reorgs", "Chain reorganisations rolled back"),
            (
                "rpc_errors",
                "RPC faults (errors, 429s, timeouts, malformed answers)",
            ),
            ("fetcher_restarts", "Fetcher restarts by the stall watchdog"),
        ];
        let values = [&s.events, &s.reorgs, &s.rpc_errors, &s.restarts];
        for ((name, help), counter) in counters.into_iter().zip(values) {
            registry.register(name, help, counter.clone());
        }
        registry.register(
            "events_per_second",
            "Events per second over the last range",
            s.events_per_second.clone(),
        );
        Self { registry, ..s }
    }

    /// Record progress at `checkpoint` with the chain at `head`.
    pub fn progress(&self, head: u64, checkpoint: u64) {
        self.head.set(head as i64);
        self.checkpoint.set(checkpoint as i64);
        self.lag.set(head.saturating_sub(checkpoint) as i64);
        let now = now_ms();
        self.last_progress_ms.store(now, Ordering::Relaxed);
        self.last_progress.set((now / 1000) as i64);
        self.stalled.store(false, Ordering::Relaxed);
        self.started.store(true, Ordering::Relaxed);
    }

    /// Milliseconds since the last progress.
    pub fn since_progress_ms(&self) -> u64 {
        now_ms().saturating_sub(self.last_progress_ms.load(Ordering::Relaxed))
    }

    /// The watchdog's verdict.
    pub fn set_stalled(&self, stalled: bool) {
        self.stalled.store(stalled, Ordering::Relaxed);
    }

    /// Whether the watchdog found the fetcher stalled.
    pub fn stalled(&self) -> bool {
        self.stalled.load(Ordering::Relaxed)
    }

    /// Ready: progress was made, the watchdog is content and the lag is at most `max_lag`.
    pub fn ready(&self, max_lag: u64) -> bool {
        self.started.load(Ordering::Relaxed)
            && !self.stalled()
            && (self.lag.get() as u64) <= max_lag
    }

    /// The metrics in Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// Shared status.
pub type SharedStatus = Arc<Status>;
