//! Every keeper-attested verdict with its evidence (the URI fetched, its size and hash, each
//! check with its outcome and detail — or why the result could not be judged), kept in the
//! store's `keeper_verdicts` table (migration 0007): it survives restarts, the keeper serves it
//! at `/verdicts`, and anyone with the database can read it.

use sqlx::Row;
use swan_store::Store;

/// How many verdicts `/verdicts` without a task returns (the most recent, oldest first).
pub const LISTED: i64 = 10_000;

/// Reading or writing verdicts failed.
#[derive(Debug, thiserror::Error)]
pub enum VerdictError {
    /// The database.
    #[error("keeper_verdicts: {0}")]
    Sql(#[from] sqlx::Error),
    /// A stored verdict is not JSON.
    #[error(
        "keeper_verdicts holds unreadable evidence for task {task} replica {replica}: {source}; delete the row and the keeper judges the result again"
    )]
    Corrupt {
        /// The task key.
        task: String,
        /// The replica.
        replica: i64,
        /// The parse error.
        source: serde_json::Error,
    },
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Keep the verdict on `replica` of `task` (its key, `0x` and 64 hex digits); a later verdict on
/// the same replica replaces the earlier one (a result that could not be fetched is judged again
/// on every tick).
pub async fn record(
    store: &Store,
    chain_id: u64,
    task: &str,
    replica: u32,
    verdict: &serde_json::Value,
    now_ms: u64,
) -> Result<(), VerdictError> {
    sqlx::query(
        "INSERT INTO keeper_verdicts (chain_id, task_id, replica, verdict, judged_ms) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (chain_id, task_id, replica) DO UPDATE SET verdict = excluded.verdict, judged_ms = excluded.judged_ms",
    )
    .bind(i(chain_id))
    .bind(task)
    .bind(i64::from(replica))
    .bind(verdict.to_string())
    .bind(i(now_ms))
    .execute(store.pool())
    .await?;
    Ok(())
}

/// The verdicts on `task` (every replica), or the [`LISTED`] most recent when `None`; oldest
/// first, each with its `task` and `replica`.
pub async fn list(
    store: &Store,
    chain_id: u64,
    task: Option<&str>,
) -> Result<Vec<serde_json::Value>, VerdictError> {
    let rows = sqlx::query(
        "SELECT task_id, replica, verdict FROM keeper_verdicts \
         WHERE chain_id = $1 AND ($2 = '' OR task_id = $2) \
         ORDER BY judged_ms DESC, task_id DESC, replica DESC LIMIT $3",
    )
    .bind(i(chain_id))
    .bind(task.unwrap_or(""))
    .bind(LISTED)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows.iter().rev() {
        let (task, replica): (String, i64) = (r.try_get(0)?, r.try_get(1)?);
        let text: String = r.try_get(2)?;
        let mut v: serde_json::Value =
            serde_json::from_str(&text).map_err(|source| VerdictError::Corrupt {
                task: task.clone(),
                replica,
                source,
            })?;
        v["task"] = serde_json::Value::String(task);
        v["replica"] = serde_json::Value::from(replica);
        out.push(v);
    }
    Ok(out)
}
