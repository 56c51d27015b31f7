//! What the API answers beyond the mirror's rows ([`swan_store::rows`]): the documents it
//! builds. The same types give the OpenAPI document its schemas ([`super::doc`]), so the
//! document cannot describe another shape than the one served.

use serde::{Deserialize, Serialize};
use swan_store::rows::{
    Assignment, CollateralEvent, LogEvent, Logged, Payment, Provider, Replica, ResultRow, Slash,
    Task, TaskColumns,
};
use utoipa::ToSchema;

/// One event of a task's life, in chain order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct TimelineEntry {
    pub(crate) event: String,
    pub(crate) block_number: i64,
    pub(crate) log_index: i64,
    pub(crate) tx_hash: String,
    pub(crate) block_time: Option<i64>,
    pub(crate) finalized: bool,
}

/// A task with its replicas, events and timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct TaskDetail {
    #[serde(flatten)]
    pub(crate) columns: TaskColumns,
    /// How many replicas the task asks for.
    pub(crate) replica_count: i64,
    /// The name its spec gives itself, once read (see the task list's `name`).
    pub(crate) name: Option<String>,
    /// Its last change is in a final block.
    pub(crate) finalized: bool,
    pub(crate) replicas: Vec<Replica>,
    pub(crate) assignments: Vec<Logged<Assignment>>,
    pub(crate) results: Vec<Logged<ResultRow>>,
    pub(crate) payments: Vec<Logged<Payment>>,
    pub(crate) slashes: Vec<Logged<Slash>>,
    pub(crate) timeline: Vec<TimelineEntry>,
}

/// A provider with its replicas, collateral history, slashes and payments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ProviderDetail {
    #[serde(flatten)]
    pub(crate) provider: Provider,
    /// Its newest 100 replicas (`/api/tasks?provider=` pages through all of its tasks).
    pub(crate) replicas: Vec<Replica>,
    /// How many replicas it has run or runs.
    pub(crate) replicas_total: i64,
    /// Its newest 100 collateral events, in chain order.
    pub(crate) collateral: Vec<Logged<CollateralEvent>>,
    /// Its newest 100 slashes, in chain order.
    pub(crate) slashes: Vec<Logged<Slash>>,
    /// How many times it was slashed.
    pub(crate) slashes_total: i64,
    /// The newest 100 payments to it, in chain order.
    pub(crate) payments: Vec<Logged<Payment>>,
    /// How many payments it received.
    pub(crate) payments_total: i64,
}

/// A page of tasks.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct TaskPage {
    pub(crate) items: Vec<Task>,
    /// Rows the filter matches.
    pub(crate) total: i64,
    pub(crate) limit: u64,
    pub(crate) offset: u64,
}

/// A page of providers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ProviderPage {
    pub(crate) items: Vec<Provider>,
    /// Rows the filter matches.
    pub(crate) total: i64,
    pub(crate) limit: u64,
    pub(crate) offset: u64,
    /// The order: reputation, price or free.
    pub(crate) sort: String,
}

/// A log of the market or the registry: as stored (topics and data, 0x-hex) and decoded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Event {
    #[serde(flatten)]
    pub(crate) log: LogEvent,
    /// Its arguments by name, decoded with the contracts' ABI (integers as decimal strings,
    /// addresses and bytes as 0x-hex, structs as objects); null if it does not decode.
    #[schema(value_type = Option<Object>)]
    pub(crate) args: Option<serde_json::Value>,
}

/// A page of events.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct EventPage {
    pub(crate) items: Vec<Event>,
    pub(crate) limit: u64,
    pub(crate) offset: u64,
}

/// Market totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Stats {
    pub(crate) chain_id: u64,
    /// Tasks by status.
    pub(crate) tasks: std::collections::BTreeMap<String, i64>,
    pub(crate) open_tasks: i64,
    /// Providers by status.
    pub(crate) providers: std::collections::BTreeMap<String, i64>,
    pub(crate) running_replicas: i64,
    /// Share of active providers running at least one replica.
    pub(crate) utilization: f64,
    pub(crate) volume: String,
    pub(crate) fees: String,
    pub(crate) slashed: String,
    pub(crate) refunded: String,
    pub(crate) escrowed: String,
    /// Raw logs indexed.
    pub(crate) events: i64,
    pub(crate) checkpoint: i64,
    pub(crate) finalized: i64,
}

/// The market this indexer follows and how far it got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Info {
    pub(crate) chain_id: u64,
    pub(crate) market: String,
    pub(crate) token: String,
    /// The block explorer's base URL, if the manifest names one.
    pub(crate) explorer: Option<String>,
    /// Whether `/api/prices` relays a keeper.
    pub(crate) keeper: bool,
    pub(crate) checkpoint: i64,
    pub(crate) head: i64,
    pub(crate) finalized: i64,
}

/// One time bucket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SeriesPoint {
    /// The bucket's start (unix seconds).
    pub(crate) t: u64,
    pub(crate) tasks_created: u64,
    pub(crate) volume: String,
    pub(crate) fees: String,
    pub(crate) slashed: String,
}

/// Activity per time bucket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Series {
    pub(crate) bucket_secs: u64,
    pub(crate) from: u64,
    pub(crate) to: u64,
    pub(crate) points: Vec<SeriesPoint>,
}

/// Readiness: the checkpoint within `--ready-lag` blocks of the head, and not stalled.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Ready {
    pub(crate) ready: bool,
    pub(crate) head: i64,
    pub(crate) checkpoint: i64,
    pub(crate) finalized: i64,
    pub(crate) lag: i64,
    pub(crate) stalled: bool,
    pub(crate) since_progress_ms: u64,
}

/// Liveness: the database answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Health {
    /// `ok`, or what is wrong.
    pub(crate) status: String,
    /// The database's error, when it is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<String>,
}

/// The keeper's suggested prices, relayed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Prices {
    /// The keeper's URL.
    pub(crate) source: String,
    /// One per resource class.
    pub(crate) prices: Vec<ClassPrice>,
}

/// The suggested price of one resource class, as the keeper publishes it (`{keeper}/prices`;
/// the keeper's `optimize::ClassPrice`, read back here so a keeper answering anything else is a
/// 502, not a page of nonsense).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ClassPrice {
    /// `cpu`, `memory` or `gpu:<model>`.
    pub(crate) class: String,
    /// Units of the class across active providers.
    pub(crate) capacity: u64,
    /// The median asked price per unit-hour (wei, decimal): the base.
    pub(crate) base: String,
    /// H: usage over the last 30 days (parts per million).
    pub(crate) history_ppm: u64,
    /// Occupancy now (parts per million).
    pub(crate) occupancy_ppm: u64,
    /// The suggested price per unit-hour (wei, decimal).
    pub(crate) suggested: String,
}

/// The keeper's last allocation decision for an open task (`{keeper}/decisions?task=…`: the
/// keeper's `allocate::Decision` with its `reason`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct KeeperDecision {
    /// The task (0x-hex).
    pub(crate) task: String,
    /// The providers chosen, one per replica; empty: the task waits.
    pub(crate) chosen: Vec<KeeperChoice>,
    /// Providers eligible at the start of the allocation.
    pub(crate) eligible: u64,
    /// The cheapest eligible provider not chosen.
    pub(crate) runner_up: Option<KeeperChoice>,
    /// Providers refused, by reason (`inactive`, `mode`, `region`, `excluded`, `resources`,
    /// `price`, `terms`, `busy`, `collateral`).
    pub(crate) refused: std::collections::BTreeMap<String, u64>,
    /// What the decision means for the task, in the keeper's words (the sentence `swan task
    /// status` prints).
    pub(crate) reason: String,
}

/// A provider the keeper chose for a replica, and why.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct KeeperChoice {
    /// The provider (owner address).
    pub(crate) provider: String,
    /// The price it would be assigned at (wei).
    #[schema(value_type = u64)]
    pub(crate) price: u128,
    /// The collateral it would lock (wei).
    #[schema(value_type = u64)]
    pub(crate) collateral: u128,
    /// Its score's terms.
    pub(crate) terms: ChoiceTerms,
}

/// The terms of a provider's score, parts per million; `cost` is what the allocator minimizes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ChoiceTerms {
    pub(crate) price_ppm: i64,
    pub(crate) reputation_ppm: i64,
    pub(crate) load_ppm: i64,
    pub(crate) fit_ppm: i64,
    pub(crate) cost: i64,
}

/// The keeper's verdicts on a task, relayed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Verdicts {
    /// The keeper's URL.
    pub(crate) source: String,
    /// One per judged replica, oldest first: each with its `task` and `replica`, `passed`, and
    /// the evidence of its kind (a keeper-attested result's checks, or a service's failed
    /// probes), as the keeper recorded it.
    pub(crate) verdicts: Vec<serde_json::Value>,
}

/// A task's spec document, checked against the committed hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SpecDocument {
    pub(crate) uri: String,
    pub(crate) hash: String,
    pub(crate) bytes: usize,
    /// Always true: a document that does not match is refused.
    pub(crate) verified: bool,
    pub(crate) text: String,
}

/// What was wrong.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ErrorBody {
    pub(crate) error: String,
    /// The parameter at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) parameter: Option<String>,
}

/// A revert in words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Explained {
    /// The error's name, e.g. `StillUnbonding`.
    pub(crate) error: Option<String>,
    /// What happened and what to do, as the `swan` commands say it.
    pub(crate) sentence: String,
}
