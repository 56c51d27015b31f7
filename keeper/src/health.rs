//! Service-health verification: the keeper probes each replica's endpoint on a schedule; a
//! replica failing without a break for longer than the grace period is reported failed, with
//! the time its failure began (what `reportServiceFailure(task, replica, failedAt)` takes) and
//! the probes that show it.
//!
//! A probe is an HTTP GET with a timeout; it passes on the expected status (any 2xx by default).
//! Timeouts, refused connections and other statuses fail it. One passing probe ends a failure.

use std::{collections::VecDeque, time::Duration};

use serde::Serialize;

pub use swan_spec::HealthSpec;

/// A spec or endpoint the keeper cannot probe.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HealthError {
    /// The endpoint is not an http(s) URL.
    #[error("service endpoint {0:?} is not an http:// or https:// URL")]
    Endpoint(String),
    /// A setting is out of range.
    #[error("health spec: {0}")]
    Spec(String),
}

/// One probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Probe {
    /// When (unix seconds).
    pub at: u64,
    /// Passed.
    pub ok: bool,
    /// The status, or why there was none.
    pub detail: String,
}

/// Where a replica's service stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Health {
    /// The last probe passed (or none has run yet).
    Healthy,
    /// Failing since `since`, within the grace period.
    Degraded {
        /// When the failure began (first failed probe).
        since: u64,
    },
    /// Failing since `since` for longer than the grace period: report it.
    Failed {
        /// When the failure began: `failedAt` for `reportServiceFailure`.
        since: u64,
    },
}

/// Where a replica's service is probed: through its provider's registered endpoint, which
/// answers for the service it runs for that task and replica (the spec's health path follows).
pub fn service_url(endpoint: &str, task_key: &str, replica: u32) -> String {
    format!(
        "{}/services/{task_key}/{replica}",
        endpoint.trim_end_matches('/')
    )
}

/// The probes of one replica's service.
#[derive(Debug, Clone)]
pub struct Monitor {
    url: String,
    spec: HealthSpec,
    http: reqwest::Client,
    failing_since: Option<u64>,
    recent: VecDeque<Probe>,
}

/// Probes kept as evidence.
const KEEP: usize = 16;

impl Monitor {
    /// A monitor of `endpoint` (the replica's base URL) by `spec`.
    pub fn new(endpoint: &str, spec: HealthSpec) -> Result<Self, HealthError> {
        spec.validate().map_err(HealthError::Spec)?;
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(HealthError::Endpoint(endpoint.to_owned()));
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(spec.timeout_ms))
            .build()
            .map_err(|e| HealthError::Spec(e.to_string()))?;
        Ok(Self {
            url: format!("{}{}", endpoint.trim_end_matches('/'), spec.path),
            spec,
            http,
            failing_since: None,
            recent: VecDeque::new(),
        })
    }

    /// Probe once at `now` (unix seconds) and return where the service stands.
    pub async fn probe(&mut self, now: u64) -> Health {
        let (ok, detail) = match self.http.get(&self.url).send().await {
            Ok(r) => {
                let s = r.status().as_u16();
                let ok = match self.spec.expect_status {
                    Some(want) => s == want,
                    None => r.status().is_success(),
                };
                (ok, format!("HTTP {s}"))
            }
            Err(e) if e.is_timeout() => {
                (false, format!("no answer in {} ms", self.spec.timeout_ms))
            }
            Err(e) if e.is_connect() => (false, "connection refused or unreachable".into()),
            Err(e) => (false, e.to_string()),
        };
        self.observe(Probe {
            at: now,
            ok,
            detail,
        })
    }

    /// Record a probe's outcome (also for probes made elsewhere) and return the state.
    pub fn observe(&mut self, p: Probe) -> Health {
        if p.ok {
            self.failing_since = None;
        } else if self.failing_since.is_none() {
            self.failing_since = Some(p.at);
        }
        let now = p.at;
        self.recent.push_back(p);
        if self.recent.len() > KEEP {
            self.recent.pop_front();
        }
        self.state(now)
    }

    /// The state at `now`.
    pub fn state(&self, now: u64) -> Health {
        match self.failing_since {
            None => Health::Healthy,
            Some(since) if now.saturating_sub(since) > self.spec.grace_secs => {
                Health::Failed { since }
            }
            Some(since) => Health::Degraded { since },
        }
    }

    /// The last probes, oldest first: the evidence of a verdict.
    pub fn evidence(&self) -> Vec<Probe> {
        self.recent.iter().cloned().collect()
    }

    /// When the next probe is due after one at `last`.
    pub fn next_after(&self, last: u64) -> u64 {
        last + self.spec.interval_secs
    }
}
