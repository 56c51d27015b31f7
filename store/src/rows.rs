//! The mirror's rows as types: read by column name with `sqlx::FromRow` (a missing column or
//! one of another type is an error, never a default), serialized as the API shows them, with
//! their schemas for its OpenAPI document. The indexer's API and the keeper read the same types
//! through the same named queries ([`crate::Store::providers`], [`crate::Store::open_tasks`]).
//! Columns: see `migrations/`.

#![allow(missing_docs)]

use serde::Serialize;
use sqlx::{Row, any::AnyRow};
use utoipa::ToSchema;

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(b))
}

/// Bytes shown as lower-case 0x-hex.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Hex(pub String);

impl From<Vec<u8>> for Hex {
    fn from(b: Vec<u8>) -> Self {
        Self(hex0x(&b))
    }
}

/// Bytes that may be missing (a left join), shown as 0x-hex or null.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct MaybeHex(pub Option<String>);

impl From<Option<Vec<u8>>> for MaybeHex {
    fn from(b: Option<Vec<u8>>) -> Self {
        Self(b.map(|b| hex0x(&b)))
    }
}

/// A log's topics (32-byte words stored concatenated) as comma-separated 0x-hex words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Topics(pub String);

impl From<Vec<u8>> for Topics {
    fn from(b: Vec<u8>) -> Self {
        Self(b.chunks(32).map(hex0x).collect::<Vec<_>>().join(","))
    }
}

/// A row that is final once the block it names is.
pub trait Final {
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
    LogEvent => block_number;
}

/// A raw log of the market or the registry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct LogEvent {
    pub block_number: i64,
    pub log_index: i64,
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub block_hash: Hex,
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub tx_hash: Hex,
    /// The event's name.
    pub event: String,
    /// Its topics, comma-separated 0x-hex words.
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub topics: Topics,
    #[sqlx(try_from = "Vec<u8>")]
    #[schema(value_type = String)]
    pub data: Hex,
    /// Its block is final.
    #[sqlx(skip)]
    pub finalized: bool,
}

/// A task's columns (all but its replica count, whose name differs between list and detail).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct TaskColumns {
    pub chain_id: i64,
    pub task_id: String,
    pub submitter: String,
    pub mode: String,
    pub status: String,
    pub quorum: i64,
    pub collateral_pct: i64,
    pub price: String,
    pub collateral: String,
    pub escrow: String,
    pub assign_by: i64,
    pub result_by: i64,
    pub settle_by: i64,
    pub spec_hash: String,
    pub spec_uri: String,
    pub answer_commit: String,
    pub region: String,
    pub req_cpu_cores: i64,
    pub req_memory_gib: i64,
    pub req_storage_gib: i64,
    pub req_gpu_count: i64,
    pub req_gpu_memory_gib: i64,
    pub req_gpu_model: String,
    pub params_version: i64,
    pub paid: String,
    pub fees: String,
    pub refunded: String,
    pub slashed: String,
    pub service_started: Option<i64>,
    pub service_ends: Option<i64>,
    pub final_reason: Option<i64>,
    pub created_block: i64,
    pub created_tx: String,
    pub assigned_block: Option<i64>,
    pub finalized_block: Option<i64>,
    pub updated_block: i64,
}

/// A task as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Task {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub columns: TaskColumns,
    /// How many replicas the task asks for.
    pub replicas: i64,
    /// The name its spec gives itself, once the indexer's spec reader has read the committed
    /// document (`--fetch-specs`); plain text, at most 80 characters.
    #[sqlx(default)]
    pub name: Option<String>,
    /// When it was created: its block's time, unix seconds.
    #[sqlx(default)]
    pub created_at: Option<i64>,
    /// Its last change is in a final block.
    #[sqlx(skip)]
    pub finalized: bool,
}

/// One replica of a task.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Replica {
    pub chain_id: i64,
    pub task_id: String,
    pub idx: i64,
    pub provider: String,
    pub price: String,
    pub status: String,
    pub result_hash: Option<String>,
    pub result_uri: Option<String>,
    pub revealed_hash: Option<String>,
    pub payout: String,
    pub fee: String,
    pub slashed: String,
    pub refund: String,
    pub claimed_until: Option<i64>,
    pub assigned_block: i64,
    pub updated_block: i64,
    pub collateral: String,
    /// Its last change is in a final block.
    #[sqlx(skip)]
    pub finalized: bool,
}

/// A provider, its terms, collateral and record.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Provider {
    pub chain_id: i64,
    pub address: String,
    pub worker: String,
    pub beneficiary: String,
    pub status: String,
    pub cpu_cores: i64,
    pub memory_gib: i64,
    pub storage_gib: i64,
    pub gpu_count: i64,
    pub gpu_memory_gib: i64,
    pub gpu_model: String,
    pub price_cpu_hour: String,
    pub price_memory_hour: String,
    pub price_gpu_hour: String,
    pub price_storage_hour: String,
    pub price_f: f64,
    pub region: String,
    pub modes: i64,
    pub metadata_uri: String,
    pub stake: String,
    pub locked: String,
    pub unbonding: String,
    pub free: String,
    pub free_f: f64,
    pub release_at: i64,
    pub earned: String,
    pub earned_total: String,
    pub slashed_total: String,
    pub completed: i64,
    pub failed: i64,
    pub running: i64,
    pub reputation: f64,
    pub registered_block: i64,
    pub updated_block: i64,
    pub max_collateral: String,
    pub min_price: String,
    pub min_rate: String,
    pub declined: i64,
    /// Its last change is in a final block.
    #[sqlx(skip)]
    pub finalized: bool,
}

/// A task's assignment (replica order).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Assignment {
    pub chain_id: i64,
    pub block_number: i64,
    pub log_index: i64,
    pub task_id: String,
    pub providers: String,
    pub prices: String,
    pub refund: String,
}

/// A result submitted or revealed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct ResultRow {
    pub chain_id: i64,
    pub block_number: i64,
    pub log_index: i64,
    pub task_id: String,
    pub idx: i64,
    pub provider: String,
    pub kind: String,
    pub result_hash: String,
    pub result_uri: String,
}

/// A payment, fee, refund or claim.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Payment {
    pub chain_id: i64,
    pub block_number: i64,
    pub log_index: i64,
    pub kind: String,
    pub task_id: Option<String>,
    pub idx: Option<i64>,
    pub account: String,
    pub counterparty: Option<String>,
    pub amount: String,
    pub fee: String,
}

/// A replica's slash.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct Slash {
    pub chain_id: i64,
    pub block_number: i64,
    pub log_index: i64,
    pub task_id: String,
    pub idx: i64,
    pub provider: String,
    pub slashed: String,
    pub to_treasury: String,
    pub bounty: String,
    pub refund: String,
}

/// A deposit, withdrawal request or withdrawal.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, ToSchema)]
pub struct CollateralEvent {
    pub chain_id: i64,
    pub block_number: i64,
    pub log_index: i64,
    pub provider: String,
    pub kind: String,
    pub amount: String,
    pub stake: String,
    pub unbonding: String,
    pub release_at: i64,
}

/// An event row with the transaction that emitted it (from the raw log) and its block's time
/// (unix seconds, from the block), final by its own block.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Logged<T> {
    #[serde(flatten)]
    pub row: T,
    /// The transaction that emitted it.
    #[schema(value_type = Option<String>)]
    pub tx_hash: MaybeHex,
    /// Its block's time (unix seconds).
    pub block_time: Option<i64>,
    /// Its block is final.
    pub finalized: bool,
}

impl<'r, T: sqlx::FromRow<'r, AnyRow>> sqlx::FromRow<'r, AnyRow> for Logged<T> {
    fn from_row(r: &'r AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            row: T::from_row(r)?,
            tx_hash: r.try_get::<Option<Vec<u8>>, _>("tx_hash")?.into(),
            block_time: r.try_get("block_time")?,
            finalized: false,
        })
    }
}

/// A row appended once per log, at its block.
pub trait EventRow {
    /// The block of its log.
    fn block_number(&self) -> i64;
}

macro_rules! event_rows {
    ($($t:ty),*) => {$(
        impl EventRow for $t {
            fn block_number(&self) -> i64 {
                self.block_number
            }
        }
    )*};
}

event_rows!(Assignment, ResultRow, Payment, Slash, CollateralEvent);

impl<T: EventRow> Final for Logged<T> {
    fn block(&self) -> i64 {
        self.row.block_number()
    }
    fn set_final(&mut self, finalized: bool) {
        self.finalized = finalized;
    }
}
