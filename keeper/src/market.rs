//! The market as the keeper reads it from the indexer's tables: the providers as allocation
//! offers and the open tasks, nothing read from the chain.
//!
//! - A provider's free collateral, running replicas and counters come from the `providers`
//!   table; the resources it has in use are the requirements of the replicas it is running
//!   (`replicas` in status `assigned`, joined to their tasks); reputation is
//!   `swan_contracts::money::reputation_ppm` of the integer counters, as the explorer shows it.
//! - Open tasks are those in status `open` whose assign-by time has not passed at `now`. A batch
//!   task is quoted over its whole result window (`result_by − now`): the on-chain record has no
//!   shorter run time, so the quote is the most the provider could charge. A service task's
//!   `result_by` is its duration.
//! - A task excludes the providers that declined or were slashed on an earlier task for the same
//!   work (the same non-zero spec hash): re-posted work does not go back to them.

use std::collections::HashMap;

use alloy::primitives::{Address, B256, U256};
use sqlx::{Row, any::AnyRow};
use swan_contracts::MODES;
use swan_store::Store;

use crate::allocate::{Kind, Offer, OpenTask, Prices, Resources};

/// Reading the market failed.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// The database failed.
    #[error("reading the indexer's tables: {0}")]
    Sql(#[from] sqlx::Error),
    /// A stored value is not what the indexer writes.
    #[error(
        "the indexer's table {table} holds {value:?} in {column}: re-index, or check the indexer version"
    )]
    Corrupt {
        /// Table.
        table: &'static str,
        /// Column.
        column: &'static str,
        /// The value.
        value: String,
    },
}

fn amount(table: &'static str, column: &'static str, v: String) -> Result<u128, MarketError> {
    let n: U256 = v.parse().map_err(|_| MarketError::Corrupt {
        table,
        column,
        value: v.clone(),
    })?;
    Ok(u128::try_from(n).unwrap_or(u128::MAX))
}

fn address(table: &'static str, column: &'static str, v: String) -> Result<Address, MarketError> {
    v.parse().map_err(|_| MarketError::Corrupt {
        table,
        column,
        value: v,
    })
}

/// A label as the indexer stores it (the text before the first zero byte) back to its word.
fn word(label: &str) -> B256 {
    let b = label.as_bytes();
    B256::right_padding_from(&b[..b.len().min(32)])
}

fn u32_of(r: &AnyRow, i: usize) -> u32 {
    u32::try_from(r.get::<i64, _>(i)).unwrap_or(u32::MAX)
}

/// Resources stored as six columns from `first`: CPU, memory, storage, GPUs, GPU memory, model.
fn resources(r: &AnyRow, first: usize) -> Resources {
    Resources {
        cpu_cores: u32_of(r, first),
        memory_gib: u32_of(r, first + 1),
        storage_gib: u32_of(r, first + 2),
        gpu_count: u32_of(r, first + 3),
        gpu_memory_gib: u32_of(r, first + 4),
        gpu_model: word(&r.get::<String, _>(first + 5)),
    }
}

/// The providers of `chain_id` as allocation offers.
pub async fn offers(store: &Store, chain_id: u64) -> Result<Vec<Offer>, MarketError> {
    let chain = i64::try_from(chain_id).unwrap_or(i64::MAX);
    let mut in_use: HashMap<String, Resources> = HashMap::new();
    let rows = sqlx::query(
        "SELECT r.provider, CAST(SUM(t.req_cpu_cores) AS BIGINT), CAST(SUM(t.req_memory_gib) AS BIGINT), \
         CAST(SUM(t.req_storage_gib) AS BIGINT), CAST(SUM(t.req_gpu_count) AS BIGINT) \
         FROM replicas r JOIN tasks t ON t.chain_id = r.chain_id AND t.task_id = r.task_id \
         WHERE r.chain_id = $1 AND r.status = 'assigned' GROUP BY r.provider",
    )
    .bind(chain)
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        in_use.insert(
            r.get(0),
            Resources {
                cpu_cores: u32_of(&r, 1),
                memory_gib: u32_of(&r, 2),
                storage_gib: u32_of(&r, 3),
                gpu_count: u32_of(&r, 4),
                ..Resources::default()
            },
        );
    }
    let rows = sqlx::query(
        "SELECT address, status, cpu_cores, memory_gib, storage_gib, gpu_count, gpu_memory_gib, gpu_model, \
         price_cpu_hour, price_memory_hour, price_gpu_hour, price_storage_hour, region, modes, free, \
         completed, failed, running, max_collateral, min_price, min_rate FROM providers \
         WHERE chain_id = $1 ORDER BY address",
    )
    .bind(chain)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let key: String = r.get(0);
        let count = |i: usize| u64::try_from(r.get::<i64, _>(i)).unwrap_or(0);
        let (completed, failed) = (count(15), count(16));
        out.push(Offer {
            address: address("providers", "address", key.clone())?,
            active: r.get::<String, _>(1) == "active",
            resources: resources(&r, 2),
            in_use: in_use.remove(&key).unwrap_or_default(),
            prices: Prices {
                per_cpu_hour: amount("providers", "price_cpu_hour", r.get(8))?,
                per_gib_memory_hour: amount("providers", "price_memory_hour", r.get(9))?,
                per_gpu_hour: amount("providers", "price_gpu_hour", r.get(10))?,
                per_gib_storage_hour: amount("providers", "price_storage_hour", r.get(11))?,
            },
            region: word(&r.get::<String, _>(12)),
            modes: u8::try_from(r.get::<i64, _>(13)).unwrap_or(0),
            max_collateral: amount("providers", "max_collateral", r.get(18))?,
            min_price: amount("providers", "min_price", r.get(19))?,
            min_rate: amount("providers", "min_rate", r.get(20))?,
            free_collateral: amount("providers", "free", r.get(14))?,
            reputation_ppm: swan_contracts::money::reputation_ppm(completed, failed),
            running: u32_of(&r, 17),
        });
    }
    Ok(out)
}

/// The tasks of `chain_id` open for assignment at `now` (unix seconds), oldest first.
pub async fn open_tasks(
    store: &Store,
    chain_id: u64,
    now: u64,
) -> Result<Vec<OpenTask>, MarketError> {
    let rows = sqlx::query(
        "SELECT task_id, mode, replicas, price, collateral_pct, result_by, req_cpu_cores, req_memory_gib, \
         req_storage_gib, req_gpu_count, req_gpu_memory_gib, req_gpu_model, region FROM tasks \
         WHERE chain_id = $1 AND status = 'open' AND assign_by >= $2 ORDER BY created_block, task_id",
    )
    .bind(i64::try_from(chain_id).unwrap_or(i64::MAX))
    .bind(i64::try_from(now).unwrap_or(i64::MAX))
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.get(0);
        let mode_name: String = r.get(1);
        let mode =
            MODES
                .iter()
                .position(|m| *m == mode_name)
                .ok_or_else(|| MarketError::Corrupt {
                    table: "tasks",
                    column: "mode",
                    value: mode_name.clone(),
                })? as u8;
        let kind = if mode == crate::allocate::mode::SERVICE_HEALTH {
            Kind::Service
        } else {
            Kind::Batch
        };
        let result_by = r.get::<i64, _>(5).max(0) as u64;
        out.push(OpenTask {
            id: id.parse().map_err(|_| MarketError::Corrupt {
                table: "tasks",
                column: "task_id",
                value: id.clone(),
            })?,
            kind,
            mode,
            replicas: u32_of(&r, 2),
            price_cap: amount("tasks", "price", r.get(3))?,
            duration_secs: match kind {
                Kind::Service => result_by,
                Kind::Batch => result_by.saturating_sub(now).max(1),
            },
            collateral_pct: u16::try_from(r.get::<i64, _>(4)).unwrap_or(u16::MAX),
            requirements: resources(&r, 6),
            region: word(&r.get::<String, _>(12)),
            exclude: Vec::new(),
        });
    }
    exclusions(store, chain_id, now, &mut out).await?;
    Ok(out)
}

/// Fill each open task's `exclude`: the providers that declined the same work (the same spec
/// hash) on an earlier task, or were slashed on it. Work posted again after a provider refused
/// or failed it goes to someone else.
async fn exclusions(
    store: &Store,
    chain_id: u64,
    now: u64,
    tasks: &mut [OpenTask],
) -> Result<(), MarketError> {
    let rows = sqlx::query(
        "SELECT DISTINCT o.task_id, r.provider FROM tasks o \
         JOIN tasks p ON p.chain_id = o.chain_id AND p.spec_hash = o.spec_hash AND p.task_id <> o.task_id \
         JOIN replicas r ON r.chain_id = p.chain_id AND r.task_id = p.task_id \
         WHERE o.chain_id = $1 AND o.status = 'open' AND o.assign_by >= $2 AND o.spec_hash <> $3 \
         AND r.status IN ('declined', 'slashed')",
    )
    .bind(i64::try_from(chain_id).unwrap_or(i64::MAX))
    .bind(i64::try_from(now).unwrap_or(i64::MAX))
    // a zero spec hash names no work: tasks without one are not the same work
    .bind(format!("{:#x}", B256::ZERO))
    .fetch_all(store.pool())
    .await?;
    let mut by_task: HashMap<U256, Vec<Address>> = HashMap::new();
    for r in rows {
        let id: String = r.get(0);
        let id: U256 = id.parse().map_err(|_| MarketError::Corrupt {
            table: "tasks",
            column: "task_id",
            value: id.clone(),
        })?;
        by_task
            .entry(id)
            .or_default()
            .push(address("replicas", "provider", r.get(1))?);
    }
    for t in tasks {
        if let Some(mut providers) = by_task.remove(&t.id) {
            providers.sort();
            t.exclude = providers;
        }
    }
    Ok(())
}
