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
use swan_contracts::MODES;
use swan_store::Store;

use crate::allocate::{Kind, Offer, OpenTask, Prices, Resources};

/// Reading the market failed.
#[derive(Debug, thiserror::Error)]
pub enum MarketError {
    /// The database failed.
    #[error("reading the indexer's tables: {0}")]
    Sql(#[from] sqlx::Error),
    /// The store failed (a row that does not read as its type included).
    #[error("reading the indexer's tables: {0}")]
    Store(#[from] swan_store::StoreError),
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

fn corrupt(table: &'static str, column: &'static str, value: impl ToString) -> MarketError {
    MarketError::Corrupt {
        table,
        column,
        value: value.to_string(),
    }
}

fn amount(table: &'static str, column: &'static str, v: &str) -> Result<u128, MarketError> {
    let n: U256 = v.parse().map_err(|_| corrupt(table, column, v))?;
    Ok(u128::try_from(n).unwrap_or(u128::MAX))
}

fn address(table: &'static str, column: &'static str, v: &str) -> Result<Address, MarketError> {
    v.parse().map_err(|_| corrupt(table, column, v))
}

/// A stored count or size as the narrower integer the allocator uses.
fn narrow<T: TryFrom<i64>>(
    table: &'static str,
    column: &'static str,
    v: i64,
) -> Result<T, MarketError> {
    T::try_from(v).map_err(|_| corrupt(table, column, v))
}

/// Resources from their stored columns: CPU cores, memory, storage, GPUs and GPU memory (named
/// `columns` in `table`), and the GPU model's label.
fn resources(
    table: &'static str,
    columns: [&'static str; 5],
    values: [i64; 5],
    gpu_model: &str,
) -> Result<Resources, MarketError> {
    let [cpu, mem, storage, gpus, gpu_mem] = values;
    Ok(Resources {
        cpu_cores: narrow(table, columns[0], cpu)?,
        memory_gib: narrow(table, columns[1], mem)?,
        storage_gib: narrow(table, columns[2], storage)?,
        gpu_count: narrow(table, columns[3], gpus)?,
        gpu_memory_gib: narrow(table, columns[4], gpu_mem)?,
        gpu_model: word(gpu_model),
    })
}

/// A label as the indexer stores it (the text before the first zero byte) back to its word.
fn word(label: &str) -> B256 {
    let b = label.as_bytes();
    B256::right_padding_from(&b[..b.len().min(32)])
}

/// What the replicas a provider is running require, summed.
#[derive(Debug, sqlx::FromRow)]
struct InUse {
    provider: String,
    cpu: i64,
    memory: i64,
    storage: i64,
    gpus: i64,
}

/// The providers of `chain_id` as allocation offers.
pub async fn offers(store: &Store, chain_id: u64) -> Result<Vec<Offer>, MarketError> {
    const P: &str = "providers";
    let chain = i64::try_from(chain_id).unwrap_or(i64::MAX);
    let sums: Vec<InUse> = sqlx::query_as(
        "SELECT r.provider AS provider, CAST(SUM(t.req_cpu_cores) AS BIGINT) AS cpu, \
         CAST(SUM(t.req_memory_gib) AS BIGINT) AS memory, CAST(SUM(t.req_storage_gib) AS BIGINT) AS storage, \
         CAST(SUM(t.req_gpu_count) AS BIGINT) AS gpus \
         FROM replicas r JOIN tasks t ON t.chain_id = r.chain_id AND t.task_id = r.task_id \
         WHERE r.chain_id = $1 AND r.status = 'assigned' GROUP BY r.provider",
    )
    .bind(chain)
    .fetch_all(store.pool())
    .await?;
    let mut in_use: HashMap<String, Resources> = HashMap::new();
    for u in sums {
        let r = Resources {
            cpu_cores: narrow("replicas", "req_cpu_cores (sum)", u.cpu)?,
            memory_gib: narrow("replicas", "req_memory_gib (sum)", u.memory)?,
            storage_gib: narrow("replicas", "req_storage_gib (sum)", u.storage)?,
            gpu_count: narrow("replicas", "req_gpu_count (sum)", u.gpus)?,
            ..Resources::default()
        };
        in_use.insert(u.provider, r);
    }
    let mut out = Vec::new();
    for p in store.providers(chain_id).await? {
        out.push(Offer {
            address: address(P, "address", &p.address)?,
            active: p.status == "active",
            resources: resources(
                P,
                [
                    "cpu_cores",
                    "memory_gib",
                    "storage_gib",
                    "gpu_count",
                    "gpu_memory_gib",
                ],
                [
                    p.cpu_cores,
                    p.memory_gib,
                    p.storage_gib,
                    p.gpu_count,
                    p.gpu_memory_gib,
                ],
                &p.gpu_model,
            )?,
            in_use: in_use.remove(&p.address).unwrap_or_default(),
            prices: Prices {
                per_cpu_hour: amount(P, "price_cpu_hour", &p.price_cpu_hour)?,
                per_gib_memory_hour: amount(P, "price_memory_hour", &p.price_memory_hour)?,
                per_gpu_hour: amount(P, "price_gpu_hour", &p.price_gpu_hour)?,
                per_gib_storage_hour: amount(P, "price_storage_hour", &p.price_storage_hour)?,
            },
            region: word(&p.region),
            modes: narrow(P, "modes", p.modes)?,
            max_collateral: amount(P, "max_collateral", &p.max_collateral)?,
            min_price: amount(P, "min_price", &p.min_price)?,
            min_rate: amount(P, "min_rate", &p.min_rate)?,
            free_collateral: amount(P, "free", &p.free)?,
            reputation_ppm: swan_contracts::money::reputation_ppm(
                narrow(P, "completed", p.completed)?,
                narrow(P, "failed", p.failed)?,
            ),
            running: narrow(P, "running", p.running)?,
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
    const T: &str = "tasks";
    let mut out = Vec::new();
    for row in store.open_tasks(chain_id, now).await? {
        let t = &row.columns;
        let mode = MODES
            .iter()
            .position(|m| *m == t.mode)
            .ok_or_else(|| corrupt(T, "mode", &t.mode))? as u8;
        let kind = if mode == crate::allocate::mode::SERVICE_HEALTH {
            Kind::Service
        } else {
            Kind::Batch
        };
        let result_by: u64 = narrow(T, "result_by", t.result_by)?;
        out.push(OpenTask {
            id: t
                .task_id
                .parse()
                .map_err(|_| corrupt(T, "task_id", &t.task_id))?,
            kind,
            mode,
            replicas: narrow(T, "replicas", row.replicas)?,
            price_cap: amount(T, "price", &t.price)?,
            duration_secs: match kind {
                Kind::Service => result_by,
                Kind::Batch => result_by.saturating_sub(now).max(1),
            },
            collateral_pct: narrow(T, "collateral_pct", t.collateral_pct)?,
            requirements: resources(
                T,
                [
                    "req_cpu_cores",
                    "req_memory_gib",
                    "req_storage_gib",
                    "req_gpu_count",
                    "req_gpu_memory_gib",
                ],
                [
                    t.req_cpu_cores,
                    t.req_memory_gib,
                    t.req_storage_gib,
                    t.req_gpu_count,
                    t.req_gpu_memory_gib,
                ],
                &t.req_gpu_model,
            )?,
            region: word(&t.region),
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
    let rows: Vec<(String, String)> = sqlx::query_as(
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
    for (id, provider) in rows {
        let id: U256 = id.parse().map_err(|_| corrupt("tasks", "task_id", &id))?;
        by_task
            .entry(id)
            .or_default()
            .push(address("replicas", "provider", &provider)?);
    }
    for t in tasks {
        if let Some(mut providers) = by_task.remove(&t.id) {
            providers.sort();
            t.exclude = providers;
        }
    }
    Ok(())
}

/// Count the assignments already on their way — proposed, sent or mined by any keeper of this
/// database, for a task the indexer still shows open — against the providers they name: each
/// such replica takes its task's resources and the collateral at its agreed price from `offers`,
/// as the contract will once it is mined. Without this, a keeper planning while another's
/// assignment is in flight sees the provider's capacity still free, gives it to a second task,
/// and one of the two assignments reverts. `tasks` are the open tasks as
/// [`open_tasks`] read them (including the ones being assigned); what is returned is the number
/// of replicas counted.
pub async fn reserve_in_flight(
    store: &Store,
    chain_id: u64,
    tasks: &[OpenTask],
    offers: &mut [Offer],
) -> Result<usize, MarketError> {
    const I: &str = "keeper_intents";
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.task_id, i.payload FROM keeper_intents i \
         JOIN tasks t ON t.chain_id = i.chain_id AND t.task_id = i.task_id \
         WHERE i.chain_id = $1 AND i.action = 'assign' AND i.status IN ('pending', 'sent', 'done') \
         AND t.status = 'open'",
    )
    .bind(i64::try_from(chain_id).unwrap_or(i64::MAX))
    .fetch_all(store.pool())
    .await?;
    let mut counted = 0;
    for (id, payload) in rows {
        let id: U256 = id.parse().map_err(|_| corrupt(I, "task_id", &id))?;
        let Some(task) = tasks.iter().find(|t| t.id == id) else {
            continue; // its assign-by passed: no longer assignable, nothing to plan around
        };
        let Ok(crate::plan::Act::Assign { providers, prices }) = serde_json::from_str(&payload)
        else {
            return Err(corrupt(I, "payload", payload));
        };
        for (provider, price) in providers.iter().zip(&prices) {
            let provider = address(I, "payload", provider)?;
            let price = amount(I, "payload", price)?;
            if let Some(o) = offers.iter_mut().find(|o| o.address == provider) {
                o.reserve(task, price);
                counted += 1;
            }
        }
    }
    Ok(counted)
}

/// The open and running tasks of `chain_id` whose last change — the task's own event or one of
/// its replicas' — is less than `confirmations` blocks below the last block the indexer has
/// written (none when `confirmations` is 0). The keeper does not act on them yet: a reorg could
/// still undo or reorder that change (an assignment mined before its task's creation, an answer
/// revealed before the last commitment it counted on, a settle before the result it waited for),
/// and the call would revert.
pub async fn changed_lately(
    store: &Store,
    chain_id: u64,
    confirmations: u64,
) -> Result<std::collections::HashSet<U256>, MarketError> {
    if confirmations == 0 {
        return Ok(Default::default());
    }
    let chain = i64::try_from(chain_id).unwrap_or(i64::MAX);
    let rows: Vec<(String,)> = sqlx::query_as(
        "WITH since AS (SELECT COALESCE(MAX(c.block_number), 0) - $2 AS block FROM checkpoints c WHERE c.chain_id = $1) \
         SELECT t.task_id FROM tasks t, since WHERE t.chain_id = $1 AND t.status IN ('open', 'assigned') \
         AND (t.updated_block > since.block OR EXISTS (SELECT 1 FROM replicas r \
         WHERE r.chain_id = t.chain_id AND r.task_id = t.task_id AND r.updated_block > since.block))",
    )
    .bind(chain)
    .bind(i64::try_from(confirmations).unwrap_or(i64::MAX))
    .fetch_all(store.pool())
    .await?;
    rows.into_iter()
        .map(|(id,)| id.parse().map_err(|_| corrupt("tasks", "task_id", &id)))
        .collect()
}
