//! Writing: a range (raw logs, blocks, typed rows, undo log, checkpoint) in one transaction;
//! rolling back past a fork; marking blocks final.

use std::collections::{BTreeSet, HashMap};

use crate::events::SwanEvent;
use alloy::primitives::{Address, U256};
use sqlx::{Any, Row, Transaction};

use crate::{
    model::{
        EventTable, MarketRow, ProviderRow, ReplicaRow, StateRow, TaskRow, Val, addr, task_key,
    },
    project::{At, Projection, Undo, keys},
};
use sqlx::AnyPool;
use swan_store::{
    Backend, BlockRow, CHUNK, Checkpoint, LogRow, Store, StoreError, begin_write, i,
    push_placeholders,
};

/// A range of blocks ready to be written.
#[derive(Debug, Clone)]
pub struct RangeWrite<'a> {
    /// Chain id.
    pub chain_id: u64,
    /// The market contract (0x-hex), the checkpoint's key.
    pub market: &'a str,
    /// The checkpoint this range continues from (None: the first range). The write fails with
    /// [`StoreError::Conflict`] when the database's checkpoint differs: another writer, or a
    /// replay of a range already written.
    pub after: Option<Checkpoint>,
    /// Headers to store: blocks with logs, and the range's last block.
    pub blocks: &'a [BlockRow],
    /// The range's logs, in chain order.
    pub logs: &'a [LogRow],
    /// The same logs decoded, one per log.
    pub events: &'a [SwanEvent],
    /// The range's last block: the new checkpoint.
    pub last: Checkpoint,
    /// Blocks at or above this are not final: their state changes go to the undo log.
    pub journal_from: Option<u64>,
}

/// What a range wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Raw logs.
    pub logs: u64,
    /// Typed rows (state rows upserted plus event rows appended).
    pub rows: u64,
    /// Undo entries.
    pub undo: u64,
}

type Tx = Transaction<'static, Any>;
type Q<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

fn bind(q: Q<'_>, v: Val) -> Q<'_> {
    match v {
        Val::I(x) => q.bind(x),
        Val::T(x) => q.bind(x),
        Val::F(x) => q.bind(x),
        Val::NI(x) => q.bind(x),
        Val::NT(x) => q.bind(x),
    }
}

/// How statements are batched for a backend.
#[derive(Debug, Clone, Copy)]
struct Batch {
    /// Most rows per INSERT.
    rows: usize,
    /// `?` placeholders (SQLite) instead of `$N` (Postgres).
    anonymous: bool,
}

impl Batch {
    /// The `n`th (1-based) placeholder.
    fn ph(self, n: usize) -> String {
        if self.anonymous {
            "?".into()
        } else {
            format!("${n}")
        }
    }
}

/// Rows per statement for `cols` columns (SQLite binds at most 32,766 parameters).
fn chunk_rows(cols: usize, b: Batch) -> usize {
    b.rows.min(CHUNK).min(30_000 / cols).max(1)
}

/// `items` in statements of `max` rows, the rest in power-of-two sizes: every statement text
/// comes from a small fixed set, so the driver's prepared-statement cache keeps them all
/// (a 1,000-row INSERT prepared anew for every odd tail costs Postgres milliseconds).
fn batches<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = if rest.len() >= max {
            max
        } else {
            1 << rest.len().ilog2()
        };
        let (head, tail) = rest.split_at(n);
        rest = tail;
        Some(head)
    })
}

/// Insert `rows` as multi-row statements `{head} VALUES (…), (…){tail}` of at most the batch's
/// size, `width` values a row, `bind_row` binding one row's values in column order. Table and
/// column names come from constants; every value is bound.
async fn insert_rows<'r, T>(
    tx: &mut Tx,
    b: Batch,
    (head, tail): (&str, &str),
    width: usize,
    rows: &'r [T],
    mut bind_row: impl FnMut(Q<'r>, &'r T) -> Q<'r>,
) -> Result<(), StoreError> {
    for chunk in batches(rows, chunk_rows(width, b)) {
        let mut sql = format!("{head} VALUES ");
        push_placeholders(&mut sql, chunk.len(), width, b.anonymous);
        sql.push_str(tail);
        let q = sqlx::query(sqlx::AssertSqlSafe(sql));
        chunk
            .iter()
            .fold(q, &mut bind_row)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn upsert<R: StateRow>(
    tx: &mut Tx,
    b: Batch,
    chain: i64,
    rows: &[&R],
) -> Result<u64, StoreError> {
    let cols = R::COLUMNS;
    let head = format!("INSERT INTO {} ({})", R::TABLE, cols.join(", "));
    let set: Vec<String> = cols
        .iter()
        .filter(|c| !R::KEY.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let tail = format!(
        " ON CONFLICT ({}) DO UPDATE SET {}",
        R::KEY.join(", "),
        set.join(", ")
    );
    insert_rows(tx, b, (&head, &tail), cols.len(), rows, |q, r| {
        r.values().into_iter().fold(q.bind(chain), bind)
    })
    .await?;
    Ok(rows.len() as u64)
}

async fn select_in<R: StateRow>(
    tx: &mut Tx,
    b: Batch,
    chain: i64,
    col: &str,
    keys: &[String],
) -> Result<Vec<R>, StoreError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(CHUNK) {
        let mut sql = format!(
            "SELECT {} FROM {} WHERE chain_id = {} AND {col} IN (",
            R::COLUMNS.join(", "),
            R::TABLE,
            b.ph(1)
        );
        for n in 0..chunk.len() {
            if n > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&b.ph(n + 2));
        }
        sql.push(')');
        // table and column names are constants; every value is bound
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(chain);
        for k in chunk {
            q = q.bind(k.as_str());
        }
        for row in q.fetch_all(&mut **tx).await? {
            out.push(R::from_row(&row)?);
        }
    }
    Ok(out)
}

/// The indexer's writes to a [`Store`]: with the trait in scope, `store.apply_range(…)`.
pub trait StoreWrite {
    /// Write a whole range in one transaction: raw logs, blocks, the typed rows projected from
    /// its events, undo entries for blocks not yet final, and the checkpoint.
    fn apply_range(
        &self,
        w: &RangeWrite<'_>,
    ) -> impl Future<Output = Result<ApplyStats, StoreError>> + Send;
    /// Roll everything after `keep` (the last block both chains share) back; how many blocks
    /// were dropped.
    fn rollback(
        &self,
        chain_id: u64,
        market: &str,
        keep: &Checkpoint,
        now_unix: u64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// Mark blocks up to `finalized` final.
    fn finalize(
        &self,
        chain_id: u64,
        market: &str,
        finalized: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

impl StoreWrite for Store {
    async fn apply_range(&self, w: &RangeWrite<'_>) -> Result<ApplyStats, StoreError> {
        Writer::of(self).apply_range(w).await
    }

    /// Roll everything after `keep` (the last block both chains share) back: raw logs, blocks,
    /// event rows, and state rows restored from the undo log; the checkpoint moves to `keep`.
    /// Returns how many blocks were dropped.
    async fn rollback(
        &self,
        chain_id: u64,
        market: &str,
        keep: &Checkpoint,
        now_unix: u64,
    ) -> Result<u64, StoreError> {
        let chain = i(chain_id);
        let fork = i(keep.block_number);
        let mut tx = begin_write(self.pool(), self.backend()).await?;
        let Some(current) = current_checkpoint(&mut tx, chain, market).await? else {
            return Ok(0);
        };
        let finalized: i64 =
            sqlx::query("SELECT finalized FROM checkpoints WHERE chain_id = $1 AND market = $2")
                .bind(chain)
                .bind(market)
                .fetch_one(&mut *tx)
                .await?
                .get(0);
        if fork < finalized {
            return Err(StoreError::FinalizedReorg {
                fork: keep.block_number,
                finalized: finalized as u64,
            });
        }
        let undo = sqlx::query(
            "SELECT tbl, row_key, prev FROM undo_log WHERE chain_id = $1 AND block_number > $2 \
             ORDER BY block_number DESC, seq DESC",
        )
        .bind(chain)
        .bind(fork)
        .fetch_all(&mut *tx)
        .await?;
        for r in undo {
            let table: String = r.get(0);
            let key: String = r.get(1);
            let prev: Option<String> = r.get(2);
            restore(
                &mut tx,
                Writer::of(self).batch(),
                chain,
                &table,
                &key,
                prev.as_deref(),
            )
            .await?;
        }
        for table in ["raw_logs", "undo_log"]
            .into_iter()
            .chain(EventTable::ALL.iter().map(|t| t.name()))
        {
            let statement =
                format!("DELETE FROM {table} WHERE chain_id = $1 AND block_number > $2");
            at_block(&mut tx, statement, chain, fork).await?;
        }
        let statement = "DELETE FROM blocks WHERE chain_id = $1 AND number > $2";
        at_block(&mut tx, statement.into(), chain, fork).await?;
        let depth = current.block_number.saturating_sub(keep.block_number);
        sqlx::query(
            "INSERT INTO reorgs (chain_id, detected_at, fork_block, depth, at_unix) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(chain)
        .bind(i(current.block_number))
        .bind(fork)
        .bind(i(depth))
        .bind(i(now_unix))
        .execute(&mut *tx)
        .await?;
        set_checkpoint(&mut tx, Writer::of(self).batch(), (chain, market), keep).await?;
        tx.commit().await?;
        Ok(depth)
    }

    /// Mark blocks up to `finalized` final: they can no longer be rolled back, so their undo
    /// entries go.
    async fn finalize(
        &self,
        chain_id: u64,
        market: &str,
        finalized: u64,
    ) -> Result<(), StoreError> {
        let chain = i(chain_id);
        let mut tx = begin_write(self.pool(), self.backend()).await?;
        let Some(cp) = current_checkpoint(&mut tx, chain, market).await? else {
            return Ok(());
        };
        let f = i(finalized.min(cp.block_number));
        for statement in [
            "UPDATE blocks SET finalized = TRUE WHERE chain_id = $1 AND number <= $2 AND finalized = FALSE",
            "DELETE FROM undo_log WHERE chain_id = $1 AND block_number <= $2",
        ] {
            at_block(&mut tx, statement.into(), chain, f).await?;
        }
        sqlx::query("UPDATE checkpoints SET finalized = $3 WHERE chain_id = $1 AND market = $2 AND finalized < $3")
            .bind(chain)
            .bind(market)
            .bind(f)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// The write path on a store's pool.
struct Writer<'a> {
    pool: &'a AnyPool,
    backend: Backend,
}

impl<'a> Writer<'a> {
    fn of(store: &'a Store) -> Self {
        Self {
            pool: store.pool(),
            backend: store.backend(),
        }
    }

    /// Rows per INSERT and placeholder style: Postgres gains from few round trips; SQLite (in
    /// process) from short statements it prepares once and reuses.
    fn batch(&self) -> Batch {
        match self.backend {
            Backend::Postgres => Batch {
                rows: 500,
                anonymous: false,
            },
            Backend::Sqlite => Batch {
                rows: 128,
                anonymous: true,
            },
        }
    }

    async fn load(
        &self,
        tx: &mut Tx,
        chain: i64,
        events: &[SwanEvent],
        journal_from: Option<u64>,
    ) -> Result<Projection, StoreError> {
        let b = self.batch();
        let k = keys(events);
        let task_keys: Vec<String> = k.tasks.iter().map(task_key).collect();
        let tasks: HashMap<U256, TaskRow> =
            select_in::<TaskRow>(tx, b, chain, "task_id", &task_keys)
                .await?
                .into_iter()
                .map(|t| (t.task_id, t))
                .collect();
        let replicas: HashMap<(U256, u64), ReplicaRow> =
            select_in::<ReplicaRow>(tx, b, chain, "task_id", &task_keys)
                .await?
                .into_iter()
                .map(|r| ((r.task_id, r.idx), r))
                .collect();
        let mut wanted: BTreeSet<Address> = k.providers;
        wanted.extend(replicas.values().map(|r| r.provider));
        let provider_keys: Vec<String> = wanted.iter().map(addr).collect();
        let providers: HashMap<Address, ProviderRow> =
            select_in::<ProviderRow>(tx, b, chain, "address", &provider_keys)
                .await?
                .into_iter()
                .map(|p| (p.address, p))
                .collect();
        let market = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM market WHERE chain_id = $1",
            MarketRow::COLUMNS.join(", ")
        )))
        .bind(chain)
        .fetch_optional(&mut **tx)
        .await?
        .map(|r| MarketRow::from_row(&r))
        .transpose()?
        .unwrap_or_default();
        Ok(Projection::new(
            tasks,
            replicas,
            providers,
            market,
            journal_from,
        ))
    }

    /// Write a whole range in one transaction: raw logs, blocks, the typed rows projected from
    /// its events, undo entries for blocks not yet final, and the checkpoint.
    async fn apply_range(&self, w: &RangeWrite<'_>) -> Result<ApplyStats, StoreError> {
        let chain = i(w.chain_id);
        let b = self.batch();
        let mut tx = begin_write(self.pool, self.backend).await?;
        let current = current_checkpoint(&mut tx, chain, w.market).await?;
        if current != w.after {
            return Err(StoreError::Conflict {
                expected: w.after.as_ref().map(|c| c.block_number),
                found: current.map(|c| c.block_number),
            });
        }
        let t0 = std::time::Instant::now();
        let mut proj = self.load(&mut tx, chain, w.events, w.journal_from).await?;
        let t_load = t0.elapsed();
        for (log, event) in w.logs.iter().zip(w.events) {
            let at = At {
                block: log.block_number,
                log_index: log.log_index,
                tx: log.tx_hash,
            };
            proj.apply(event, at)?;
        }
        let mut stats = ApplyStats {
            logs: w.logs.len() as u64,
            ..Default::default()
        };
        let t_project = t0.elapsed();
        write_blocks(&mut tx, b, chain, w.blocks).await?;
        write_logs(&mut tx, b, chain, w.logs).await?;
        let t_logs = t0.elapsed();
        let (tasks, replicas, providers, market) = proj.changed();
        stats.rows += upsert(&mut tx, b, chain, &tasks).await?;
        stats.rows += upsert(&mut tx, b, chain, &replicas).await?;
        stats.rows += upsert(&mut tx, b, chain, &providers).await?;
        if let Some(m) = market {
            stats.rows += upsert(&mut tx, b, chain, &[m]).await?;
        }
        let t_state = t0.elapsed();
        for table in EventTable::ALL {
            let rows: Vec<_> = proj.events.iter().filter(|e| e.table == table).collect();
            let cols = table.columns();
            let head = format!(
                "INSERT INTO {} (chain_id, block_number, log_index, {})",
                table.name(),
                cols.join(", ")
            );
            insert_rows(&mut tx, b, (&head, ""), cols.len() + 3, &rows, |q, e| {
                let q = q.bind(chain).bind(i(e.block)).bind(i(e.log_index));
                e.values.iter().cloned().fold(q, bind)
            })
            .await?;
            stats.rows += rows.len() as u64;
        }
        let t_events = t0.elapsed();
        stats.undo = write_undo(&mut tx, b, chain, proj.undo()).await?;
        set_checkpoint(&mut tx, b, (chain, w.market), &w.last).await?;
        tx.commit().await?;
        tracing::debug!(
            load_ms = t_load.as_millis() as u64,
            project_ms = (t_project - t_load).as_millis() as u64,
            logs_ms = (t_logs - t_project).as_millis() as u64,
            state_ms = (t_state - t_logs).as_millis() as u64,
            events_ms = (t_events - t_state).as_millis() as u64,
            commit_ms = (t0.elapsed() - t_events).as_millis() as u64,
            "write phases"
        );
        Ok(stats)
    }
}

/// Run `statement` (built from constants), whose `$1` is the chain and `$2` a block number.
async fn at_block(
    tx: &mut Transaction<'_, Any>,
    statement: String,
    chain: i64,
    block: i64,
) -> Result<(), sqlx::Error> {
    let q = sqlx::query(sqlx::AssertSqlSafe(statement));
    q.bind(chain).bind(block).execute(&mut **tx).await.map(drop)
}

async fn current_checkpoint(
    tx: &mut Tx,
    chain: i64,
    market: &str,
) -> Result<Option<Checkpoint>, StoreError> {
    let sql =
        "SELECT block_number, block_hash FROM checkpoints WHERE chain_id = $1 AND market = $2";
    let row: Option<(i64, String)> = sqlx::query_as(sql)
        .bind(chain)
        .bind(market)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map(|(number, hash)| Checkpoint {
        block_number: number as u64,
        block_hash: hash,
    }))
}

async fn set_checkpoint(
    tx: &mut Tx,
    b: Batch,
    (chain, market): (i64, &str),
    cp: &Checkpoint,
) -> Result<(), StoreError> {
    let head = "INSERT INTO checkpoints (chain_id, market, block_number, block_hash)";
    let tail = " ON CONFLICT (chain_id, market) DO UPDATE SET \
                block_number = excluded.block_number, block_hash = excluded.block_hash";
    insert_rows(tx, b, (head, tail), 4, std::slice::from_ref(cp), |q, cp| {
        q.bind(chain)
            .bind(market)
            .bind(i(cp.block_number))
            .bind(&cp.block_hash)
    })
    .await
}

async fn write_blocks(
    tx: &mut Tx,
    b: Batch,
    chain: i64,
    blocks: &[BlockRow],
) -> Result<(), StoreError> {
    let head = "INSERT INTO blocks (chain_id, number, hash, parent_hash, timestamp)";
    let tail = " ON CONFLICT (chain_id, number) DO NOTHING";
    insert_rows(tx, b, (head, tail), 5, blocks, |q, r| {
        q.bind(chain)
            .bind(i(r.number))
            .bind(&r.hash)
            .bind(&r.parent_hash)
            .bind(i(r.timestamp))
    })
    .await?;
    Ok(())
}

async fn write_logs(tx: &mut Tx, b: Batch, chain: i64, logs: &[LogRow]) -> Result<(), StoreError> {
    let head = "INSERT INTO raw_logs (chain_id, block_number, log_index, block_hash, tx_hash, \
                address, event, topics, data)";
    insert_rows(tx, b, (head, ""), 9, logs, |q, l| {
        q.bind(chain)
            .bind(i(l.block_number))
            .bind(i(l.log_index))
            .bind(l.block_hash.as_slice())
            .bind(l.tx_hash.as_slice())
            .bind(l.address.as_slice())
            .bind(&l.event)
            .bind(l.topic_bytes())
            .bind(l.data.as_ref())
    })
    .await?;
    Ok(())
}

async fn write_undo(tx: &mut Tx, b: Batch, chain: i64, undo: &[Undo]) -> Result<u64, StoreError> {
    let head = "INSERT INTO undo_log (chain_id, block_number, seq, tbl, row_key, prev)";
    let mut seq = 0i64;
    insert_rows(tx, b, (head, ""), 6, undo, |q, u| {
        seq += 1;
        q.bind(chain)
            .bind(i(u.block))
            .bind(seq)
            .bind(u.table)
            .bind(u.key.as_str())
            .bind(u.prev.as_deref())
    })
    .await?;
    Ok(undo.len() as u64)
}

/// Put one state row back to its value before a rolled-back block.
async fn restore(
    tx: &mut Tx,
    b: Batch,
    chain: i64,
    table: &str,
    key: &str,
    prev: Option<&str>,
) -> Result<(), StoreError> {
    fn de<R: StateRow>(s: &str) -> Result<R, StoreError> {
        serde_json::from_str(s)
            .map_err(|e| StoreError::Corrupt(format!("undo entry for {}: {e}", R::TABLE)))
    }
    let unknown = || StoreError::Corrupt(format!("undo entry for unknown table {table:?}"));
    if let Some(p) = prev {
        match table {
            "tasks" => upsert(tx, b, chain, &[&de::<TaskRow>(p)?]).await?,
            "replicas" => upsert(tx, b, chain, &[&de::<ReplicaRow>(p)?]).await?,
            "providers" => upsert(tx, b, chain, &[&de::<ProviderRow>(p)?]).await?,
            "market" => upsert(tx, b, chain, &[&de::<MarketRow>(p)?]).await?,
            _ => return Err(unknown()),
        };
        return Ok(());
    }
    // the row did not exist before the rolled-back block; the chain is the last placeholder
    let q = match table {
        "tasks" => sqlx::query("DELETE FROM tasks WHERE task_id = $1 AND chain_id = $2").bind(key),
        "providers" => {
            sqlx::query("DELETE FROM providers WHERE address = $1 AND chain_id = $2").bind(key)
        }
        "market" => sqlx::query("DELETE FROM market WHERE chain_id = $1"),
        "replicas" => {
            let bad = || StoreError::Corrupt(format!("replica key {key:?}"));
            let (task, idx) = key.split_once('/').ok_or_else(bad)?;
            let idx: i64 = idx.parse().map_err(|_| bad())?;
            sqlx::query("DELETE FROM replicas WHERE idx = $1 AND task_id = $2 AND chain_id = $3")
                .bind(idx)
                .bind(task)
        }
        _ => return Err(unknown()),
    };
    q.bind(chain).execute(&mut **tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::batches;

    #[test]
    fn batches_use_few_distinct_sizes_and_keep_every_row_once() {
        let rows: Vec<u32> = (0..2_345).collect();
        let sizes: Vec<usize> = batches(&rows, 1_000).map(<[u32]>::len).collect();
        assert_eq!(sizes, [1_000, 1_000, 256, 64, 16, 8, 1]);
        let back: Vec<u32> = batches(&rows, 1_000).flatten().copied().collect();
        assert_eq!(back, rows);
        assert_eq!(batches(&rows[..0], 10).count(), 0);
        assert_eq!(
            batches(&rows[..7], 32)
                .map(<[u32]>::len)
                .collect::<Vec<_>>(),
            [4, 2, 1]
        );
    }
}
