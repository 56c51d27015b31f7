//! The task spec: a YAML file in the spirit of Swan's Lagrange Definition Language that says what
//! to run, on what resources, where, for how long, for how much, and how the result is checked.
//!
//! ```yaml
//! kind: batch                  # batch | service
//! name: word-count
//! run:
//!   command: sh                # or `image: alpine:3` where a container engine runs
//!   args: ["-c", "wc -w < /etc/hostname > out.txt"]
//!   env: { LANG: C }
//!   timeout: 5m                # the provider's wall-time limit (default: the result deadline)
//! resources: { cpu: 2, memory_gib: 4, gpu: { model: A100, count: 1, memory_gib: 80 } }
//! region: us                   # absent: anywhere
//! deadline: { assign_within: 10m, result_within: 30m, settle_within: 10m }   # batch
//! duration: 1h                 # service: billed per second for this long
//! replicas: 1
//! price: { cap: "0.5" }        # SWAN per replica (batch) or per second per replica (service)
//! collateral_pct: 100          # each provider locks this % of its replica's value
//! verification:
//!   mode: keeper_attested      # keeper_attested | known_answer | quorum | service_health
//!   criteria: { max_bytes: 1048576, validator: { command: ./score, args: ["{result}"], threshold: 0.9 } }
//! outputs: [{ path: out.txt, max_bytes: 1048576 }]
//! ```
//!
//! [`TaskSpec::parse`] reads and validates it: every error names the field, the bad value and
//! what is allowed (with the line and column where the YAML parser gives them). Its content hash,
//! `keccak256` of the file's bytes, goes on chain; [`TaskSpec::request`] builds the
//! `createTask` request.

mod criteria;
pub mod fetch;

use std::{collections::BTreeMap, time::Duration};

use alloy::primitives::{B256, U256, keccak256, utils::parse_units};
use serde::{Deserialize, Serialize};
pub use swan_contracts::{ISwanMarket, ISwanRegistry};

pub use crate::criteria::{Criteria, HealthSpec, Validator};

/// The largest number of replicas the contract accepts.
pub const MAX_REPLICAS: u8 = 16;
/// The farthest deadline the contract accepts, seconds from now.
pub const MAX_HORIZON: u64 = 365 * 24 * 3600;
/// The token's decimals (SWAN and the devnet token).
pub const DECIMALS: u8 = 18;
/// The largest spec the keeper and the agent fetch.
pub const MAX_SPEC_BYTES: usize = 1 << 20;

/// A task spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskSpec {
    /// Batch (runs once, one result) or service (runs for a duration, billed per second).
    pub kind: Kind,
    /// A name for people.
    pub name: Option<String>,
    /// What to run.
    pub run: Run,
    /// What a provider must have.
    pub resources: Resources,
    /// Where (absent: anywhere).
    pub region: Option<String>,
    /// Batch deadlines (service: only `assign_within`).
    #[serde(default)]
    pub deadline: Deadline,
    /// Service: how long it runs.
    #[serde(default, with = "opt_duration")]
    pub duration: Option<Duration>,
    /// How many providers run it.
    #[serde(default = "one")]
    pub replicas: u8,
    /// What it may cost.
    pub price: Price,
    /// Collateral each provider locks, in % of its replica's value.
    #[serde(default = "hundred")]
    pub collateral_pct: u16,
    /// How results are checked.
    pub verification: Verification,
    /// The file the run leaves behind as its result (none: its standard output); at most one.
    #[serde(default)]
    pub outputs: Vec<Output>,
}

fn one() -> u8 {
    1
}
fn hundred() -> u16 {
    100
}

/// Batch or service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Runs once and produces a result.
    Batch,
    /// Runs for a duration; billed per second.
    Service,
}

/// What to run: a command in the provider's work directory, or a container image.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// The program (looked up on PATH, or relative to the work directory).
    pub command: Option<String>,
    /// A container image (run where a container engine is reachable).
    pub image: Option<String>,
    /// Arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment variables (nothing else of the provider's environment is passed on).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Wall-time limit of one run (default: until the result is due).
    #[serde(default, with = "opt_duration")]
    pub timeout: Option<Duration>,
    /// The program needs the network (off by default): a provider runs it only where its
    /// configuration allows it (`allow_network`), and declines it elsewhere.
    #[serde(default)]
    pub network: bool,
}

/// Resource requirements.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// CPU cores.
    pub cpu: u32,
    /// Memory, GiB.
    #[serde(default)]
    pub memory_gib: u32,
    /// Storage, GiB.
    #[serde(default)]
    pub storage_gib: u32,
    /// GPUs, if any.
    pub gpu: Option<Gpu>,
}

/// GPU requirements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gpu {
    /// The model, e.g. `A100` (absent: any).
    pub model: Option<String>,
    /// How many.
    pub count: u32,
    /// Memory per GPU, GiB.
    #[serde(default)]
    pub memory_gib: u32,
}

/// Deadlines, counted from creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// An open task is refunded if nobody is assigned within this.
    #[serde(default = "ten_minutes", with = "duration")]
    pub assign_within: Duration,
    /// Batch: results are due this long after creation (quorum: the commits).
    #[serde(default = "half_hour", with = "duration")]
    pub result_within: Duration,
    /// Batch: the keeper's verdict is due this long after the results (quorum: the reveals).
    #[serde(default = "ten_minutes", with = "duration")]
    pub settle_within: Duration,
}

fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}
fn half_hour() -> Duration {
    Duration::from_secs(1800)
}

impl Default for Deadline {
    fn default() -> Self {
        Self {
            assign_within: ten_minutes(),
            result_within: half_hour(),
            settle_within: ten_minutes(),
        }
    }
}

/// The price cap, in tokens (decimal text, e.g. `"0.5"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Batch: per replica; service: per second per replica.
    pub cap: String,
}

/// How results are checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
    /// The mode.
    pub mode: Mode,
    /// Quorum: how many equal results are paid (more than half the replicas).
    pub quorum: Option<u8>,
    /// Keeper-attested: what the result must satisfy.
    #[serde(default)]
    pub criteria: Criteria,
    /// Service health: how the service is probed.
    pub health: Option<HealthSpec>,
}

/// The verification mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// The keeper checks results against the criteria.
    KeeperAttested,
    /// The submitter committed to the answer; the keeper reveals it.
    KnownAnswer,
    /// Replicas commit then reveal; the agreeing majority is paid.
    Quorum,
    /// A service probed by the keeper.
    ServiceHealth,
}

impl Mode {
    /// The contract's enum value.
    pub fn code(self) -> u8 {
        match self {
            Self::KeeperAttested => 0,
            Self::KnownAnswer => 1,
            Self::Quorum => 2,
            Self::ServiceHealth => 3,
        }
    }
}

/// A file the run leaves behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Path relative to the work directory.
    pub path: String,
    /// Largest size the provider publishes.
    pub max_bytes: Option<u64>,
}

/// A spec that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// The YAML does not parse or does not fit the format.
    #[error("task spec: {message}")]
    Parse {
        /// Line and column, when the parser knows them.
        at: Option<(usize, usize)>,
        /// What the parser said (with the place, when it knows it).
        message: String,
    },
    /// A field has a value the orchestrator cannot use.
    #[error("task spec field `{field}`: {problem}")]
    Invalid {
        /// The field's path, e.g. `resources.cpu`.
        field: &'static str,
        /// The bad value and what is allowed.
        problem: String,
    },
}

fn invalid(field: &'static str, problem: impl Into<String>) -> SpecError {
    SpecError::Invalid {
        field,
        problem: problem.into(),
    }
}

/// A spec with the bytes it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The spec.
    pub spec: TaskSpec,
    /// `keccak256` of the bytes: the hash on chain.
    pub hash: B256,
}

/// Where the task is published and what the submitter commits to.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    /// Where the spec can be fetched (http(s)://, ipfs://, file:// in dev).
    pub uri: String,
    /// Known answer: `keccak256(abi.encode(expected, salt))`.
    pub answer_commit: Option<B256>,
    /// The market's parameter version (fee, bounty, treasury) the submitter signs up for: the
    /// current one (`paramsVersion()`), read just before creating; the contract refuses the task
    /// if governance changed it in between.
    pub params_version: u16,
}

impl TaskSpec {
    /// Parse and validate a spec's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Parsed, SpecError> {
        if bytes.len() > MAX_SPEC_BYTES {
            return Err(SpecError::Parse {
                at: None,
                message: format!(
                    "{} bytes is larger than the {MAX_SPEC_BYTES} a spec may have",
                    bytes.len()
                ),
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|e| SpecError::Parse {
            at: None,
            message: format!("not UTF-8 text: {e}"),
        })?;
        let meaningful = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .any(|l| !l.is_empty() && l != "---");
        if !meaningful {
            return Err(SpecError::Parse {
                at: None,
                message: "the spec is empty: a task spec needs at least `kind`, `run`, `resources`, `price` and `verification` (see the README's \"Task spec\" and examples/specs/)".into(),
            });
        }
        let spec: TaskSpec = serde_norway::from_str(text).map_err(|e| SpecError::Parse {
            at: e.location().map(|l| (l.line(), l.column())),
            message: e.to_string(),
        })?;
        spec.validate()?;
        Ok(Parsed {
            spec,
            hash: keccak256(bytes),
        })
    }

    /// Check what serde cannot: ranges, combinations, and what the contract would refuse.
    pub fn validate(&self) -> Result<(), SpecError> {
        match (&self.run.command, &self.run.image) {
            (None, None) => {
                return Err(invalid(
                    "run",
                    "say what to run: `command` (with `args`) or `image`",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(invalid(
                    "run",
                    "give `command` or `image`, not both (a command inside an image goes in `args`)",
                ));
            }
            (Some(c), None) if c.trim().is_empty() => {
                return Err(invalid("run.command", "is empty"));
            }
            _ => {}
        }
        if self.run.timeout.is_some_and(|t| t.is_zero()) {
            return Err(invalid("run.timeout", "must be longer than 0s"));
        }
        if self.resources.cpu == 0 {
            return Err(invalid(
                "resources.cpu",
                "0 is not allowed; at least 1 core",
            ));
        }
        if let Some(g) = &self.resources.gpu {
            if g.count == 0 {
                return Err(invalid(
                    "resources.gpu.count",
                    "0 is not allowed; leave `gpu` out for no GPU",
                ));
            }
            if let Some(m) = &g.model {
                label_checked("resources.gpu.model", m)?;
            }
        }
        if let Some(r) = &self.region {
            label_checked("region", r)?;
        }
        if self.replicas == 0 || self.replicas > MAX_REPLICAS {
            return Err(invalid(
                "replicas",
                format!("{} is not allowed; 1 to {MAX_REPLICAS}", self.replicas),
            ));
        }
        let cap = self.price_cap()?;
        if cap.is_zero() {
            return Err(invalid("price.cap", "0 is not allowed; a price above 0"));
        }
        if self.collateral_pct > 1000 {
            return Err(invalid(
                "collateral_pct",
                format!("{} is not allowed; 0 to 1000 (%)", self.collateral_pct),
            ));
        }
        let d = &self.deadline;
        for (field, v) in [
            ("deadline.assign_within", d.assign_within),
            ("deadline.result_within", d.result_within),
            ("deadline.settle_within", d.settle_within),
        ] {
            if v.is_zero() || v.as_secs() > MAX_HORIZON {
                return Err(invalid(
                    field,
                    format!(
                        "{} is not allowed; more than 0s and at most 365 days",
                        humantime::format_duration(v)
                    ),
                ));
            }
        }
        let v = &self.verification;
        match self.kind {
            Kind::Batch => {
                if self.duration.is_some() {
                    return Err(invalid(
                        "duration",
                        "is for services; a batch task has `deadline.result_within`",
                    ));
                }
                if d.result_within <= d.assign_within {
                    return Err(invalid(
                        "deadline.result_within",
                        "must be later than `deadline.assign_within`",
                    ));
                }
                if d.result_within + d.settle_within > Duration::from_secs(MAX_HORIZON) {
                    return Err(invalid(
                        "deadline.settle_within",
                        "result_within + settle_within must be at most 365 days",
                    ));
                }
                if v.mode == Mode::ServiceHealth {
                    return Err(invalid(
                        "verification.mode",
                        "service_health is for `kind: service`; a batch task takes keeper_attested, known_answer or quorum",
                    ));
                }
            }
            Kind::Service => {
                let Some(dur) = self.duration else {
                    return Err(invalid(
                        "duration",
                        "a service needs a duration, e.g. `duration: 1h`",
                    ));
                };
                if dur.as_secs() == 0 || dur.as_secs() > MAX_HORIZON {
                    return Err(invalid(
                        "duration",
                        format!(
                            "{} is not allowed; at least 1s and at most 365 days",
                            humantime::format_duration(dur)
                        ),
                    ));
                }
                if v.mode != Mode::ServiceHealth {
                    return Err(invalid(
                        "verification.mode",
                        "a service is verified by `service_health`",
                    ));
                }
            }
        }
        match (v.mode, v.quorum) {
            (Mode::Quorum, None) => {
                return Err(invalid(
                    "verification.quorum",
                    "quorum mode needs `quorum`: how many equal results are paid",
                ));
            }
            (Mode::Quorum, Some(q))
                if self.replicas < 2
                    || q > self.replicas
                    || u32::from(q) * 2 <= self.replicas.into() =>
            {
                return Err(invalid(
                    "verification.quorum",
                    format!(
                        "{q} of {} replicas is not allowed; more than half the replicas and at most all of them, with at least 2 replicas",
                        self.replicas
                    ),
                ));
            }
            (Mode::Quorum, Some(_)) => {}
            (_, Some(_)) => {
                return Err(invalid("verification.quorum", "is only for `mode: quorum`"));
            }
            _ => {}
        }
        if let Some(h) = &v.health {
            if v.mode != Mode::ServiceHealth {
                return Err(invalid(
                    "verification.health",
                    "is only for `mode: service_health`",
                ));
            }
            h.validate()
                .map_err(|e| invalid("verification.health", e))?;
        }
        if self.outputs.len() > 1 {
            return Err(invalid(
                "outputs",
                format!(
                    "{} entries are not allowed; one file is the result (pack several into one, e.g. a tar file)",
                    self.outputs.len()
                ),
            ));
        }
        for o in &self.outputs {
            if o.path.is_empty() || o.path.starts_with('/') || o.path.split('/').any(|p| p == "..")
            {
                return Err(invalid(
                    "outputs.path",
                    format!(
                        "{:?} is not allowed; a path inside the work directory (relative, no `..`)",
                        o.path
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The price cap in the token's smallest unit.
    pub fn price_cap(&self) -> Result<U256, SpecError> {
        let text = self.price.cap.trim();
        let fraction = text.split_once('.').map_or(0, |(_, f)| f.len());
        if fraction > usize::from(DECIMALS) || text.starts_with('+') {
            return Err(invalid(
                "price.cap",
                format!(
                    "{:?} is not a token amount; a decimal number of tokens such as \"0.5\" (at most {DECIMALS} decimals)",
                    self.price.cap
                ),
            ));
        }
        parse_units(text, DECIMALS)
            .map(|u| u.get_absolute())
            .map_err(|_| {
                invalid(
                    "price.cap",
                    format!(
                        "{:?} is not a token amount; a decimal number of tokens such as \"0.5\" (at most {DECIMALS} decimals)",
                        self.price.cap
                    ),
                )
            })
            .and_then(|v| {
                if self.price.cap.trim().starts_with('-') {
                    Err(invalid("price.cap", "must not be negative"))
                } else {
                    Ok(v)
                }
            })
    }

    /// The escrow `createTask` takes: replicas × cap (batch) or replicas × cap × seconds (service).
    pub fn escrow(&self) -> Result<U256, SpecError> {
        let cap = self.price_cap()?;
        let per = match self.kind {
            Kind::Batch => cap,
            Kind::Service => cap * U256::from(self.duration.unwrap_or_default().as_secs()),
        };
        Ok(per * U256::from(self.replicas))
    }

    /// The `createTask` request for this spec, created at chain time `now`.
    pub fn request(
        &self,
        parsed_hash: B256,
        now: u64,
        publish: &Publish,
    ) -> Result<ISwanMarket::TaskRequest, SpecError> {
        let v = &self.verification;
        match (v.mode, publish.answer_commit) {
            (Mode::KnownAnswer, None) => {
                return Err(invalid(
                    "verification.mode",
                    "known_answer needs the answer's commit (give the expected result to `swan task create --answer`)",
                ));
            }
            (m, Some(_)) if m != Mode::KnownAnswer => {
                return Err(invalid(
                    "verification.mode",
                    "an answer was given, but only known_answer tasks take one",
                ));
            }
            _ => {}
        }
        let d = &self.deadline;
        let at = |x: u64| u32::try_from(now + x).map_err(|_| invalid("deadline", "past 2106"));
        let (result_by, settle_by) = match self.kind {
            Kind::Batch => (
                at(d.result_within.as_secs())?,
                at(d.result_within.as_secs() + d.settle_within.as_secs())?,
            ),
            Kind::Service => (self.duration.unwrap_or_default().as_secs() as u32, 0),
        };
        let cap = self.price_cap()?;
        let gpu = self.resources.gpu.as_ref();
        Ok(ISwanMarket::TaskRequest {
            mode: v.mode.code(),
            replicas: self.replicas,
            quorum: v.quorum.unwrap_or(0),
            collateralPct: self.collateral_pct,
            paramsVersion: publish.params_version,
            price: alloy::primitives::Uint::<96, 2>::checked_from_limbs_slice(cap.as_limbs())
                .ok_or_else(|| invalid("price.cap", "too large for the contract (96 bits)"))?,
            assignBy: at(d.assign_within.as_secs())?,
            resultBy: result_by,
            settleBy: settle_by,
            specHash: parsed_hash,
            answerCommit: publish.answer_commit.unwrap_or_default(),
            requirements: ISwanRegistry::Resources {
                cpuCores: self.resources.cpu,
                memoryGiB: self.resources.memory_gib,
                storageGiB: self.resources.storage_gib,
                gpuCount: gpu.map_or(0, |g| g.count),
                gpuMemoryGiB: gpu.map_or(0, |g| g.memory_gib),
                gpuModel: gpu
                    .and_then(|g| g.model.as_deref())
                    .map(label)
                    .unwrap_or_default(),
            },
            region: self.region.as_deref().map(label).unwrap_or_default(),
            specURI: publish.uri.clone(),
        })
    }
}

/// A short text as the contract's `bytes32` label (left-aligned, zero-padded), e.g. a region.
pub fn label(s: &str) -> B256 {
    let mut b = [0u8; 32];
    let n = s.len().min(32);
    b[..n].copy_from_slice(&s.as_bytes()[..n]);
    B256::from(b)
}

fn label_checked(field: &'static str, s: &str) -> Result<B256, SpecError> {
    if s.is_empty() || s.len() > 32 || s.contains('\0') {
        return Err(invalid(
            field,
            format!("{s:?} is not allowed; 1 to 32 bytes of text"),
        ));
    }
    Ok(label(s))
}

/// The known-answer commit: `keccak256(abi.encode(expected, salt))`, as the contract checks it.
pub fn answer_commit(expected: B256, salt: B256) -> B256 {
    let mut buf = [0u8; 64];
    buf[..32].copy_from_slice(expected.as_slice());
    buf[32..].copy_from_slice(salt.as_slice());
    keccak256(buf)
}

/// The commitment of a sealed result (quorum and known-answer modes), as the market's
/// `commitmentOf` computes it: `keccak256(abi.encode(taskId, replica, resultHash, salt))`.
pub fn quorum_commit(task: U256, replica: U256, result: B256, salt: B256) -> B256 {
    let mut buf = Vec::with_capacity(128);
    buf.extend_from_slice(&task.to_be_bytes::<32>());
    buf.extend_from_slice(&replica.to_be_bytes::<32>());
    buf.extend_from_slice(result.as_slice());
    buf.extend_from_slice(salt.as_slice());
    keccak256(buf)
}

/// Durations as text: `90s`, `10m`, `1h 30m`, `2d`.
mod duration {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Seconds(u64),
        Text(String),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = match Text::deserialize(d)? {
            Text::Seconds(n) => return Ok(Duration::from_secs(n)),
            Text::Text(t) => t,
        };
        humantime::parse_duration(&text).map_err(|e| {
            serde::de::Error::custom(format!(
                "{text:?} is not a duration ({e}); write e.g. 90s, 10m, 1h 30m or 2d"
            ))
        })
    }
}

mod opt_duration {
    use std::time::Duration;

    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => super::duration::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        super::duration::deserialize(d).map(Some)
    }
}

#[cfg(test)]
mod tests;
