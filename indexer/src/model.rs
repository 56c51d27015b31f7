//! The rows of the typed tables, and how each is written to and read from SQL.
//!
//! State rows ([`ProviderRow`], [`TaskRow`], [`ReplicaRow`], [`MarketRow`]) hold current values;
//! event rows ([`EventRow`]) are appended once per log. Every row turns into a list of [`Val`]s in
//! its table's column order, so one generic upsert/insert serves all tables on both databases.

use alloy::primitives::{Address, B256, U256};
use serde::{Deserialize, Serialize};
use sqlx::{Row, any::AnyRow};

/// One SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// BIGINT.
    I(i64),
    /// TEXT.
    T(String),
    /// REAL.
    F(f64),
    /// Nullable BIGINT.
    NI(Option<i64>),
    /// Nullable TEXT.
    NT(Option<String>),
}

/// `u64` to the BIGINT it is stored as (block numbers, counters and unix times fit).
pub fn big(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Lower-case 0x-hex of an address.
pub fn addr(a: &Address) -> String {
    format!("{a:#x}")
}

/// Lower-case 0x-hex of a word.
pub fn word(b: &B256) -> String {
    format!("{b:#x}")
}

/// A task id as stored: 0x + 64 hex digits (fixed width, so text order is numeric order).
pub use swan_store::task_key;

/// A `bytes32` label ("us-east", "A100") as text: the bytes up to the first zero.
pub fn label(b: &B256) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(32);
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// An amount as an approximate float, for sorting only.
pub fn approx(v: &U256) -> f64 {
    f64::from(*v)
}

fn amount(r: &AnyRow, col: &str) -> Result<U256, sqlx::Error> {
    let s: String = r.try_get(col)?;
    s.parse().map_err(|e| sqlx::Error::ColumnDecode {
        index: col.to_owned(),
        source: Box::new(e),
    })
}

fn int(r: &AnyRow, col: &str) -> Result<u64, sqlx::Error> {
    Ok(r.try_get::<i64, _>(col)? as u64)
}

fn opt_int(r: &AnyRow, col: &str) -> Result<Option<u64>, sqlx::Error> {
    Ok(r.try_get::<Option<i64>, _>(col)?.map(|v| v as u64))
}

fn parse<T: std::str::FromStr>(r: &AnyRow, col: &str) -> Result<T, sqlx::Error>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let s: String = r.try_get(col)?;
    s.parse().map_err(|e| sqlx::Error::ColumnDecode {
        index: col.to_owned(),
        source: Box::new(e),
    })
}

/// A state table's row: its table, columns, key and values.
pub trait StateRow: Serialize + for<'de> Deserialize<'de> + Clone {
    /// Table name.
    const TABLE: &'static str;
    /// All columns, `chain_id` first, in the order of [`StateRow::values`].
    const COLUMNS: &'static [&'static str];
    /// The primary key columns.
    const KEY: &'static [&'static str];
    /// Values in column order (without `chain_id`, which the store adds).
    fn values(&self) -> Vec<Val>;
    /// The key as text (for the undo log).
    fn key(&self) -> String;
    /// Stamp the block of the latest change.
    fn set_updated_block(&mut self, block: u64);
    /// Read a row selected with `SELECT *`-equivalent columns.
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error>;
}

/// A provider and its collateral, as derived from events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ProviderRow {
    pub address: Address,
    pub worker: Address,
    pub beneficiary: Address,
    pub status: String,
    pub cpu_cores: u64,
    pub memory_gib: u64,
    pub storage_gib: u64,
    pub gpu_count: u64,
    pub gpu_memory_gib: u64,
    pub gpu_model: String,
    pub price_cpu_hour: U256,
    pub price_memory_hour: U256,
    pub price_gpu_hour: U256,
    pub price_storage_hour: U256,
    pub region: String,
    /// Verification modes accepted (bit `i`: `ISwanMarket.Mode` `i`).
    pub modes: u64,
    pub metadata_uri: String,
    pub stake: U256,
    pub locked: U256,
    pub unbonding: U256,
    pub release_at: u64,
    pub earned: U256,
    pub earned_total: U256,
    pub slashed_total: U256,
    pub completed: u64,
    pub failed: u64,
    pub running: u64,
    pub registered_block: u64,
    pub updated_block: u64,
    /// The most collateral one replica may lock (its terms).
    pub max_collateral: U256,
    /// Its floor for a batch replica's price.
    pub min_price: U256,
    /// Its floor for a service replica's rate per second.
    pub min_rate: U256,
    /// Replicas it declined.
    pub declined: u64,
}

impl ProviderRow {
    /// Stake neither locked nor unbonding (what new tasks can lock), as the contract computes it.
    pub fn free(&self) -> U256 {
        self.stake.saturating_sub(self.locked + self.unbonding)
    }

    /// Reputation in [0, 1]: completed replicas over all finished ones, with a Laplace prior
    /// ((completed + 1) / (completed + failed + 2)), so a new provider starts at 0.5.
    /// The keeper's figure (`swan_contracts::money::reputation_ppm`), as a fraction.
    pub fn reputation(&self) -> f64 {
        f64::from(swan_contracts::money::reputation_ppm(
            self.completed,
            self.failed,
        )) / 1e6
    }
}

impl StateRow for ProviderRow {
    const TABLE: &'static str = "providers";
    const COLUMNS: &'static [&'static str] = &[
        "chain_id",
        "address",
        "worker",
        "beneficiary",
        "status",
        "cpu_cores",
        "memory_gib",
        "storage_gib",
        "gpu_count",
        "gpu_memory_gib",
        "gpu_model",
        "price_cpu_hour",
        "price_memory_hour",
        "price_gpu_hour",
        "price_storage_hour",
        "price_f",
        "region",
        "modes",
        "metadata_uri",
        "stake",
        "locked",
        "unbonding",
        "free",
        "free_f",
        "release_at",
        "earned",
        "earned_total",
        "slashed_total",
        "completed",
        "failed",
        "running",
        "reputation",
        "registered_block",
        "updated_block",
        "max_collateral",
        "min_price",
        "min_rate",
        "declined",
    ];
    const KEY: &'static [&'static str] = &["chain_id", "address"];

    fn values(&self) -> Vec<Val> {
        use Val::*;
        vec![
            T(addr(&self.address)),
            T(addr(&self.worker)),
            T(addr(&self.beneficiary)),
            T(self.status.clone()),
            I(big(self.cpu_cores)),
            I(big(self.memory_gib)),
            I(big(self.storage_gib)),
            I(big(self.gpu_count)),
            I(big(self.gpu_memory_gib)),
            T(self.gpu_model.clone()),
            T(self.price_cpu_hour.to_string()),
            T(self.price_memory_hour.to_string()),
            T(self.price_gpu_hour.to_string()),
            T(self.price_storage_hour.to_string()),
            F(approx(&self.price_cpu_hour)),
            T(self.region.clone()),
            I(big(self.modes)),
            T(self.metadata_uri.clone()),
            T(self.stake.to_string()),
            T(self.locked.to_string()),
            T(self.unbonding.to_string()),
            T(self.free().to_string()),
            F(approx(&self.free())),
            I(big(self.release_at)),
            T(self.earned.to_string()),
            T(self.earned_total.to_string()),
            T(self.slashed_total.to_string()),
            I(big(self.completed)),
            I(big(self.failed)),
            I(big(self.running)),
            F(self.reputation()),
            I(big(self.registered_block)),
            I(big(self.updated_block)),
            T(self.max_collateral.to_string()),
            T(self.min_price.to_string()),
            T(self.min_rate.to_string()),
            I(big(self.declined)),
        ]
    }

    fn key(&self) -> String {
        addr(&self.address)
    }

    fn set_updated_block(&mut self, block: u64) {
        self.updated_block = block;
    }

    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            address: parse(r, "address")?,
            worker: parse(r, "worker")?,
            beneficiary: parse(r, "beneficiary")?,
            status: r.try_get("status")?,
            cpu_cores: int(r, "cpu_cores")?,
            memory_gib: int(r, "memory_gib")?,
            storage_gib: int(r, "storage_gib")?,
            gpu_count: int(r, "gpu_count")?,
            gpu_memory_gib: int(r, "gpu_memory_gib")?,
            gpu_model: r.try_get("gpu_model")?,
            price_cpu_hour: amount(r, "price_cpu_hour")?,
            price_memory_hour: amount(r, "price_memory_hour")?,
            price_gpu_hour: amount(r, "price_gpu_hour")?,
            price_storage_hour: amount(r, "price_storage_hour")?,
            region: r.try_get("region")?,
            modes: int(r, "modes")?,
            metadata_uri: r.try_get("metadata_uri")?,
            stake: amount(r, "stake")?,
            locked: amount(r, "locked")?,
            unbonding: amount(r, "unbonding")?,
            release_at: int(r, "release_at")?,
            earned: amount(r, "earned")?,
            earned_total: amount(r, "earned_total")?,
            slashed_total: amount(r, "slashed_total")?,
            completed: int(r, "completed")?,
            failed: int(r, "failed")?,
            running: int(r, "running")?,
            registered_block: int(r, "registered_block")?,
            updated_block: int(r, "updated_block")?,
            max_collateral: amount(r, "max_collateral")?,
            min_price: amount(r, "min_price")?,
            min_rate: amount(r, "min_rate")?,
            declined: int(r, "declined")?,
        })
    }
}

/// A task, as derived from events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct TaskRow {
    pub task_id: U256,
    pub submitter: Address,
    pub mode: String,
    pub status: String,
    pub replicas: u64,
    pub quorum: u64,
    pub collateral_pct: u64,
    pub price: U256,
    pub collateral: U256,
    pub escrow: U256,
    pub assign_by: u64,
    pub result_by: u64,
    pub settle_by: u64,
    pub spec_hash: B256,
    pub spec_uri: String,
    pub answer_commit: B256,
    pub region: String,
    pub req_cpu_cores: u64,
    pub req_memory_gib: u64,
    pub req_storage_gib: u64,
    pub req_gpu_count: u64,
    pub req_gpu_memory_gib: u64,
    pub req_gpu_model: String,
    pub params_version: u64,
    pub paid: U256,
    pub fees: U256,
    pub refunded: U256,
    pub slashed: U256,
    pub service_started: Option<u64>,
    pub service_ends: Option<u64>,
    pub final_reason: Option<u64>,
    pub created_block: u64,
    pub created_tx: B256,
    pub assigned_block: Option<u64>,
    pub finalized_block: Option<u64>,
    pub updated_block: u64,
}

impl StateRow for TaskRow {
    const TABLE: &'static str = "tasks";
    const COLUMNS: &'static [&'static str] = &[
        "chain_id",
        "task_id",
        "submitter",
        "mode",
        "status",
        "replicas",
        "quorum",
        "collateral_pct",
        "price",
        "collateral",
        "escrow",
        "assign_by",
        "result_by",
        "settle_by",
        "spec_hash",
        "spec_uri",
        "answer_commit",
        "region",
        "req_cpu_cores",
        "req_memory_gib",
        "req_storage_gib",
        "req_gpu_count",
        "req_gpu_memory_gib",
        "req_gpu_model",
        "params_version",
        "paid",
        "fees",
        "refunded",
        "slashed",
        "service_started",
        "service_ends",
        "final_reason",
        "created_block",
        "created_tx",
        "assigned_block",
        "finalized_block",
        "updated_block",
    ];
    const KEY: &'static [&'static str] = &["chain_id", "task_id"];

    fn values(&self) -> Vec<Val> {
        use Val::*;
        let o = |v: Option<u64>| NI(v.map(big));
        vec![
            T(task_key(&self.task_id)),
            T(addr(&self.submitter)),
            T(self.mode.clone()),
            T(self.status.clone()),
            I(big(self.replicas)),
            I(big(self.quorum)),
            I(big(self.collateral_pct)),
            T(self.price.to_string()),
            T(self.collateral.to_string()),
            T(self.escrow.to_string()),
            I(big(self.assign_by)),
            I(big(self.result_by)),
            I(big(self.settle_by)),
            T(word(&self.spec_hash)),
            T(self.spec_uri.clone()),
            T(word(&self.answer_commit)),
            T(self.region.clone()),
            I(big(self.req_cpu_cores)),
            I(big(self.req_memory_gib)),
            I(big(self.req_storage_gib)),
            I(big(self.req_gpu_count)),
            I(big(self.req_gpu_memory_gib)),
            T(self.req_gpu_model.clone()),
            I(big(self.params_version)),
            T(self.paid.to_string()),
            T(self.fees.to_string()),
            T(self.refunded.to_string()),
            T(self.slashed.to_string()),
            o(self.service_started),
            o(self.service_ends),
            o(self.final_reason),
            I(big(self.created_block)),
            T(word(&self.created_tx)),
            o(self.assigned_block),
            o(self.finalized_block),
            I(big(self.updated_block)),
        ]
    }

    fn key(&self) -> String {
        task_key(&self.task_id)
    }

    fn set_updated_block(&mut self, block: u64) {
        self.updated_block = block;
    }

    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            task_id: parse(r, "task_id")?,
            submitter: parse(r, "submitter")?,
            mode: r.try_get("mode")?,
            status: r.try_get("status")?,
            replicas: int(r, "replicas")?,
            quorum: int(r, "quorum")?,
            collateral_pct: int(r, "collateral_pct")?,
            price: amount(r, "price")?,
            collateral: amount(r, "collateral")?,
            escrow: amount(r, "escrow")?,
            assign_by: int(r, "assign_by")?,
            result_by: int(r, "result_by")?,
            settle_by: int(r, "settle_by")?,
            spec_hash: parse(r, "spec_hash")?,
            spec_uri: r.try_get("spec_uri")?,
            answer_commit: parse(r, "answer_commit")?,
            region: r.try_get("region")?,
            req_cpu_cores: int(r, "req_cpu_cores")?,
            req_memory_gib: int(r, "req_memory_gib")?,
            req_storage_gib: int(r, "req_storage_gib")?,
            req_gpu_count: int(r, "req_gpu_count")?,
            req_gpu_memory_gib: int(r, "req_gpu_memory_gib")?,
            req_gpu_model: r.try_get("req_gpu_model")?,
            params_version: int(r, "params_version")?,
            paid: amount(r, "paid")?,
            fees: amount(r, "fees")?,
            refunded: amount(r, "refunded")?,
            slashed: amount(r, "slashed")?,
            service_started: opt_int(r, "service_started")?,
            service_ends: opt_int(r, "service_ends")?,
            final_reason: opt_int(r, "final_reason")?,
            created_block: int(r, "created_block")?,
            created_tx: parse(r, "created_tx")?,
            assigned_block: opt_int(r, "assigned_block")?,
            finalized_block: opt_int(r, "finalized_block")?,
            updated_block: int(r, "updated_block")?,
        })
    }
}

/// One provider's share of a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct ReplicaRow {
    pub task_id: U256,
    pub idx: u64,
    pub provider: Address,
    pub price: U256,
    pub status: String,
    pub result_hash: Option<B256>,
    pub result_uri: Option<String>,
    pub revealed_hash: Option<B256>,
    pub payout: U256,
    pub fee: U256,
    pub slashed: U256,
    pub refund: U256,
    pub claimed_until: Option<u64>,
    pub assigned_block: u64,
    pub updated_block: u64,
    /// Collateral its provider locks: collateral_pct % of its agreed price (rate × duration for a
    /// service).
    pub collateral: U256,
}

impl StateRow for ReplicaRow {
    const TABLE: &'static str = "replicas";
    const COLUMNS: &'static [&'static str] = &[
        "chain_id",
        "task_id",
        "idx",
        "provider",
        "price",
        "status",
        "result_hash",
        "result_uri",
        "revealed_hash",
        "payout",
        "fee",
        "slashed",
        "refund",
        "claimed_until",
        "assigned_block",
        "updated_block",
        "collateral",
    ];
    const KEY: &'static [&'static str] = &["chain_id", "task_id", "idx"];

    fn values(&self) -> Vec<Val> {
        use Val::*;
        vec![
            T(task_key(&self.task_id)),
            I(big(self.idx)),
            T(addr(&self.provider)),
            T(self.price.to_string()),
            T(self.status.clone()),
            NT(self.result_hash.as_ref().map(word)),
            NT(self.result_uri.clone()),
            NT(self.revealed_hash.as_ref().map(word)),
            T(self.payout.to_string()),
            T(self.fee.to_string()),
            T(self.slashed.to_string()),
            T(self.refund.to_string()),
            NI(self.claimed_until.map(big)),
            I(big(self.assigned_block)),
            I(big(self.updated_block)),
            T(self.collateral.to_string()),
        ]
    }

    fn key(&self) -> String {
        format!("{}/{}", task_key(&self.task_id), self.idx)
    }

    fn set_updated_block(&mut self, block: u64) {
        self.updated_block = block;
    }

    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        let opt_word = |col: &str| -> Result<Option<B256>, sqlx::Error> {
            r.try_get::<Option<String>, _>(col)?
                .map(|s| {
                    s.parse().map_err(|e| sqlx::Error::ColumnDecode {
                        index: col.to_owned(),
                        source: Box::new(e),
                    })
                })
                .transpose()
        };
        Ok(Self {
            task_id: parse(r, "task_id")?,
            idx: int(r, "idx")?,
            provider: parse(r, "provider")?,
            price: amount(r, "price")?,
            status: r.try_get("status")?,
            result_hash: opt_word("result_hash")?,
            result_uri: r.try_get("result_uri")?,
            revealed_hash: opt_word("revealed_hash")?,
            payout: amount(r, "payout")?,
            fee: amount(r, "fee")?,
            slashed: amount(r, "slashed")?,
            refund: amount(r, "refund")?,
            claimed_until: opt_int(r, "claimed_until")?,
            assigned_block: int(r, "assigned_block")?,
            updated_block: int(r, "updated_block")?,
            collateral: amount(r, "collateral")?,
        })
    }
}

/// Market-wide running totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct MarketRow {
    /// Value held for tasks not yet settled (escrow in minus paid, refunded and fees out).
    pub escrowed: U256,
    /// Everything paid to providers (after fees).
    pub volume: U256,
    pub fees: U256,
    pub slashed: U256,
    pub refunded: U256,
    pub params_version: u64,
    pub paused: bool,
    pub updated_block: u64,
}

impl StateRow for MarketRow {
    const TABLE: &'static str = "market";
    const COLUMNS: &'static [&'static str] = &[
        "chain_id",
        "escrowed",
        "volume",
        "fees",
        "slashed",
        "refunded",
        "params_version",
        "paused",
        "updated_block",
    ];
    const KEY: &'static [&'static str] = &["chain_id"];

    fn values(&self) -> Vec<Val> {
        use Val::*;
        vec![
            T(self.escrowed.to_string()),
            T(self.volume.to_string()),
            T(self.fees.to_string()),
            T(self.slashed.to_string()),
            T(self.refunded.to_string()),
            I(big(self.params_version)),
            I(i64::from(self.paused)),
            I(big(self.updated_block)),
        ]
    }

    fn key(&self) -> String {
        String::new()
    }

    fn set_updated_block(&mut self, block: u64) {
        self.updated_block = block;
    }

    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            escrowed: amount(r, "escrowed")?,
            volume: amount(r, "volume")?,
            fees: amount(r, "fees")?,
            slashed: amount(r, "slashed")?,
            refunded: amount(r, "refunded")?,
            params_version: int(r, "params_version")?,
            paused: r.try_get::<i64, _>("paused")? != 0,
            updated_block: int(r, "updated_block")?,
        })
    }
}

/// An append-only row of an event table; `values` follow `chain_id, block_number, log_index`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// The table.
    pub table: EventTable,
    /// Block number.
    pub block: u64,
    /// Log index.
    pub log_index: u64,
    /// The remaining columns, in [`EventTable::columns`] order.
    pub values: Vec<Val>,
}

/// The event tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum EventTable {
    Collateral,
    Assignments,
    Results,
    Payments,
    Slashes,
    ParamChanges,
}

impl EventTable {
    /// All of them.
    pub const ALL: [EventTable; 6] = [
        Self::Collateral,
        Self::Assignments,
        Self::Results,
        Self::Payments,
        Self::Slashes,
        Self::ParamChanges,
    ];

    /// Table name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Collateral => "collateral_events",
            Self::Assignments => "assignments",
            Self::Results => "results",
            Self::Payments => "payments",
            Self::Slashes => "slashes",
            Self::ParamChanges => "param_changes",
        }
    }

    /// Columns after `chain_id, block_number, log_index`.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Collateral => &[
                "provider",
                "kind",
                "amount",
                "stake",
                "unbonding",
                "release_at",
            ],
            Self::Assignments => &["task_id", "providers", "prices", "refund"],
            Self::Results => &[
                "task_id",
                "idx",
                "provider",
                "kind",
                "result_hash",
                "result_uri",
            ],
            Self::Payments => &[
                "kind",
                "task_id",
                "idx",
                "account",
                "counterparty",
                "amount",
                "fee",
            ],
            Self::Slashes => &[
                "task_id",
                "idx",
                "provider",
                "slashed",
                "to_treasury",
                "bounty",
                "refund",
            ],
            Self::ParamChanges => &["kind", "version", "subject", "detail"],
        }
    }
}
