//! The verification criteria a spec fixes at creation: what the keeper checks a batch result
//! against, and how it probes a service. The keeper reads these from the spec it fetched (and
//! checked against the hash on chain); the provider agent reads the same types.

use serde::{Deserialize, Serialize};

/// What a result must satisfy (keeper-attested mode).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// Smallest acceptable size in bytes.
    #[serde(default)]
    pub min_bytes: Option<u64>,
    /// Largest acceptable size in bytes (the fetch stops past it).
    #[serde(default)]
    pub max_bytes: Option<u64>,
    /// A JSON Schema the result (parsed as JSON) must satisfy.
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
    /// A program that scores the result.
    #[serde(default)]
    pub validator: Option<Validator>,
}

/// A validator program: run with the result's path in place of `{result}` in its arguments; the
/// last line of its standard output is its score; the result passes at or above `threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validator {
    /// The program.
    pub command: String,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// The lowest passing score.
    pub threshold: f64,
    /// Longest run, seconds (default 60).
    #[serde(default = "default_validator_timeout")]
    pub timeout_secs: u64,
}

fn default_validator_timeout() -> u64 {
    60
}

/// How a service is checked (service-health mode).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSpec {
    /// Path probed on the replica's endpoint (e.g. `/health`).
    #[serde(default = "default_path")]
    pub path: String,
    /// Seconds between probes.
    #[serde(default = "default_interval")]
    pub interval_secs: u64,
    /// Longest wait for an answer, milliseconds.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// How long a failure may last before it is reported, seconds.
    #[serde(default = "default_grace")]
    pub grace_secs: u64,
    /// The status that passes (any 2xx when absent).
    #[serde(default)]
    pub expect_status: Option<u16>,
}

fn default_path() -> String {
    "/health".into()
}
fn default_interval() -> u64 {
    30
}
fn default_timeout() -> u64 {
    5_000
}
fn default_grace() -> u64 {
    120
}

impl Default for HealthSpec {
    fn default() -> Self {
        Self {
            path: default_path(),
            interval_secs: default_interval(),
            timeout_ms: default_timeout(),
            grace_secs: default_grace(),
            expect_status: None,
        }
    }
}

impl HealthSpec {
    /// Refuse settings that cannot work: no interval, a timeout as long as the interval, a
    /// path that is not absolute (or holds what a URL path cannot carry plainly), an expected
    /// status the provider's agent never answers. The message names the setting, the value and
    /// what is allowed.
    pub fn validate(&self) -> Result<(), String> {
        if self.interval_secs == 0 {
            return Err("interval_secs must be at least 1".into());
        }
        if self.timeout_ms == 0 || self.timeout_ms >= self.interval_secs * 1_000 {
            return Err(format!(
                "timeout_ms must be between 1 and the interval ({} ms), got {}",
                self.interval_secs * 1_000,
                self.timeout_ms
            ));
        }
        let plain = |c: char| c.is_ascii_alphanumeric() || "/-._~".contains(c);
        if !self.path.starts_with('/') || !self.path.chars().all(plain) {
            return Err(format!(
                "path must start with '/' and hold only letters, digits and / - . _ ~, got {:?}",
                self.path
            ));
        }
        // the keeper probes through the provider's agent, which answers 200 for a live service:
        // any other expected status could never be met, and an honest provider would be slashed
        if let Some(status) = self.expect_status.filter(|s| *s != 200) {
            return Err(format!(
                "expect_status {status} cannot be served: probes reach the service through its provider's agent, which answers 200 while the service runs; leave it out or give 200"
            ));
        }
        Ok(())
    }
}
