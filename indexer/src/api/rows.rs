//! What the API answers, as types: the rows it reads (`sqlx::FromRow`, by column name, so a
//! column that is missing or of another type is an error, never a default) and the documents it
//! builds. The same types give the OpenAPI document its schemas ([`super::doc`]), so the
//! document cannot describe another shape than the one served.

use serde::Serialize;
use utoipa::ToSchema;

/// Bytes shown as lower-case 0x-hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct Hex(pub(crate) String);

impl From<Vec<u8>> for Hex {
    fn from(b: Vec<u8>) -> Self {
        Self(super::hex0x(&b))
    }
}

/// Bytes that may be missing (a left join), shown as 0x-hex or null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct MaybeHex(pub(crate) Option<String>);

impl From<Option<Vec<u8>>> for MaybeHex {
    fn from(b: Option<Vec<u8>>) -> Self {
        Self(b.map(|b| super::hex0x(&b)))
    }
}

/// A log's topics (32-byte words stored concatenated) as comma-separated 0x-hex words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct Topics(pub(crate) String);

impl From<Vec<u8>> for Topics {
    fn from(b: Vec<u8>) -> Self {
        Self(b.chunks(32).map(super::hex0x).collect::<Vec<_>>().join(","))
    }
}

/// A row that is final once the block it names is.
pub(crate) trait Final {
    /// The block whose finality makes the row final.
    fn block(&self) -> i64;
    /// Mark the row.
    fn set_final(&mut self, finalized: bool);
}

macro_rules! final_by {
    ($($t:ty => $($field:ident).+;)*) => {$(
        impl Final for $t {
            fn block(&self) -> i64 {
                self.$($field).+
            }
            fn set_final(&mut self, finalized: bool) {
                self.finalized = finalized;
            }
        }
    )*};
}

final_by! {
    Task => columns.updated_block;
    Replica => updated_block;
    Provider => updated_block;
    Assignment => block_number;
    ResultRow => block_number;
    Payment => block_number;
    Slash => block_number;
    CollateralEvent => block_number;
    LogEvent => block_number;
}

/// A raw log of the market or the registry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct LogEvent {
    pub(crate) block_number: i64,
    pub(crate) log_index: i64,
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub(crate) block_hash: Hex,
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub(crate) tx_hash: Hex,
    /// The event's name.
    pub(crate) event: String,
    /// Its topics, comma-separated 0x-hex words.
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub(crate) topics: Topics,
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub(crate) data: Hex,
    /// Its block is final.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

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
    /// Its last change is in a final block.
    pub(crate) finalized: bool,
    pub(crate) replicas: Vec<Replica>,
    pub(crate) assignments: Vec<Assignment>,
    pub(crate) results: Vec<ResultRow>,
    pub(crate) payments: Vec<Payment>,
    pub(crate) slashes: Vec<Slash>,
    pub(crate) timeline: Vec<TimelineEntry>,
}

/// A provider with its replicas, collateral history, slashes and payments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ProviderDetail {
    #[serde(flatten)]
    pub(crate) provider: Provider,
    pub(crate) replicas: Vec<Replica>,
    pub(crate) collateral: Vec<CollateralEvent>,
    pub(crate) slashes: Vec<Slash>,
    pub(crate) payments: Vec<Payment>,
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

/// A page of raw logs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct EventPage {
    pub(crate) items: Vec<LogEvent>,
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
    /// Its answer, as it gave it.
    pub(crate) prices: serde_json::Value,
}

/// The keeper's verdicts on a task, relayed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Verdicts {
    /// The keeper's URL.
    pub(crate) source: String,
    /// Its answer, as it gave it.
    pub(crate) verdicts: serde_json::Value,
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

/// A task's columns (all but its replica count, whose name differs between list and detail).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct TaskColumns {
    pub(crate) chain_id: i64,
    pub(crate) task_id: String,
    pub(crate) submitter: String,
    pub(crate) mode: String,
    pub(crate) status: String,
    pub(crate) quorum: i64,
    pub(crate) collateral_pct: i64,
    pub(crate) price: String,
    pub(crate) collateral: String,
    pub(crate) escrow: String,
    pub(crate) assign_by: i64,
    pub(crate) result_by: i64,
    pub(crate) settle_by: i64,
    pub(crate) spec_hash: String,
    pub(crate) spec_uri: String,
    pub(crate) answer_commit: String,
    pub(crate) region: String,
    pub(crate) req_cpu_cores: i64,
    pub(crate) req_memory_gib: i64,
    pub(crate) req_storage_gib: i64,
    pub(crate) req_gpu_count: i64,
    pub(crate) req_gpu_memory_gib: i64,
    pub(crate) req_gpu_model: String,
    pub(crate) params_version: i64,
    pub(crate) paid: String,
    pub(crate) fees: String,
    pub(crate) refunded: String,
    pub(crate) slashed: String,
    pub(crate) service_started: Option<i64>,
    pub(crate) service_ends: Option<i64>,
    pub(crate) final_reason: Option<i64>,
    pub(crate) created_block: i64,
    pub(crate) created_tx: String,
    pub(crate) assigned_block: Option<i64>,
    pub(crate) finalized_block: Option<i64>,
    pub(crate) updated_block: i64,
}

/// A task as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct Task {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub(crate) columns: TaskColumns,
    /// How many replicas the task asks for.
    pub(crate) replicas: i64,
    /// Its last change is in a final block.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

/// One replica of a task.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct Replica {
    pub(crate) chain_id: i64,
    pub(crate) task_id: String,
    pub(crate) idx: i64,
    pub(crate) provider: String,
    pub(crate) price: String,
    pub(crate) status: String,
    pub(crate) result_hash: Option<String>,
    pub(crate) result_uri: Option<String>,
    pub(crate) revealed_hash: Option<String>,
    pub(crate) payout: String,
    pub(crate) fee: String,
    pub(crate) slashed: String,
    pub(crate) refund: String,
    pub(crate) claimed_until: Option<i64>,
    pub(crate) assigned_block: i64,
    pub(crate) updated_block: i64,
    pub(crate) collateral: String,
    /// Its last change is in a final block.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

/// A provider, its terms, collateral and record.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct Provider {
    pub(crate) chain_id: i64,
    pub(crate) address: String,
    pub(crate) worker: String,
    pub(crate) beneficiary: String,
    pub(crate) status: String,
    pub(crate) cpu_cores: i64,
    pub(crate) memory_gib: i64,
    pub(crate) storage_gib: i64,
    pub(crate) gpu_count: i64,
    pub(crate) gpu_memory_gib: i64,
    pub(crate) gpu_model: String,
    pub(crate) price_cpu_hour: String,
    pub(crate) price_memory_hour: String,
    pub(crate) price_gpu_hour: String,
    pub(crate) price_storage_hour: String,
    pub(crate) price_f: f64,
    pub(crate) region: String,
    pub(crate) modes: i64,
    pub(crate) metadata_uri: String,
    pub(crate) stake: String,
    pub(crate) locked: String,
    pub(crate) unbonding: String,
    pub(crate) free: String,
    pub(crate) free_f: f64,
    pub(crate) release_at: i64,
    pub(crate) earned: String,
    pub(crate) earned_total: String,
    pub(crate) slashed_total: String,
    pub(crate) completed: i64,
    pub(crate) failed: i64,
    pub(crate) running: i64,
    pub(crate) reputation: f64,
    pub(crate) registered_block: i64,
    pub(crate) updated_block: i64,
    pub(crate) max_collateral: String,
    pub(crate) min_price: String,
    pub(crate) min_rate: String,
    pub(crate) declined: i64,
    /// Its last change is in a final block.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

/// A task's assignment (replica order).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct Assignment {
    pub(crate) chain_id: i64,
    pub(crate) block_number: i64,
    pub(crate) log_index: i64,
    pub(crate) task_id: String,
    pub(crate) providers: String,
    pub(crate) prices: String,
    pub(crate) refund: String,
    /// The transaction that emitted it.
    #[sqlx(try_from = "Option<Vec<u8>>")]
    #[schema(value_type = Option<String>)]
    pub(crate) tx_hash: MaybeHex,
    /// Its block's time (unix seconds).
    pub(crate) block_time: Option<i64>,
    /// Its block is final.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

/// A result submitted or revealed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct ResultRow {
    pub(crate) chain_id: i64,
    pub(crate) block_number: i64,
    pub(crate) log_index: i64,
    pub(crate) task_id: String,
    pub(crate) idx: i64,
    pub(crate) provider: String,
    pub(crate) kind: String,
    pub(crate) result_hash: String,
    pub(crate) result_uri: String,
    /// The transaction that emitted it.
    #[sqlx(try_from = "Option<Vec<u8>>")]
    #[schema(value_type = Option<String>)]
    pub(crate) tx_hash: MaybeHex,
    /// Its block's time (unix seconds).
    pub(crate) block_time: Option<i64>,
    /// Its block is final.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

/// A payment, fee, refund or claim.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct Payment {
    pub(crate) chain_id: i64,
    pub(crate) block_number: i64,
    pub(crate) log_index: i64,
    pub(crate) kind: String,
    pub(crate) task_id: Option<String>,
    pub(crate) idx: Option<i64>,
    pub(crate) account: String,
    pub(crate) counterparty: Option<String>,
    pub(crate) amount: String,
    pub(crate) fee: String,
    /// The transaction that emitted it.
    #[sqlx(try_from = "Option<Vec<u8>>")]
    #[schema(value_type = Option<String>)]
    pub(crate) tx_hash: MaybeHex,
    /// Its block's time (unix seconds).
    pub(crate) block_time: Option<i64>,
    /// Its block is final.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

/// A replica's slash.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct Slash {
    pub(crate) chain_id: i64,
    pub(crate) block_number: i64,
    pub(crate) log_index: i64,
    pub(crate) task_id: String,
    pub(crate) idx: i64,
    pub(crate) provider: String,
    pub(crate) slashed: String,
    pub(crate) to_treasury: String,
    pub(crate) bounty: String,
    pub(crate) refund: String,
    /// The transaction that emitted it.
    #[sqlx(try_from = "Option<Vec<u8>>")]
    #[schema(value_type = Option<String>)]
    pub(crate) tx_hash: MaybeHex,
    /// Its block's time (unix seconds).
    pub(crate) block_time: Option<i64>,
    /// Its block is final.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}

/// A deposit, withdrawal request or withdrawal.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub(crate) struct CollateralEvent {
    pub(crate) chain_id: i64,
    pub(crate) block_number: i64,
    pub(crate) log_index: i64,
    pub(crate) provider: String,
    pub(crate) kind: String,
    pub(crate) amount: String,
    pub(crate) stake: String,
    pub(crate) unbonding: String,
    pub(crate) release_at: i64,
    /// The transaction that emitted it.
    #[sqlx(try_from = "Option<Vec<u8>>")]
    #[schema(value_type = Option<String>)]
    pub(crate) tx_hash: MaybeHex,
    /// Its block's time (unix seconds).
    pub(crate) block_time: Option<i64>,
    /// Its block is final.
    #[sqlx(skip)]
    pub(crate) finalized: bool,
}
