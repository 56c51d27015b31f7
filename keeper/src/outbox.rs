//! The intent outbox: every action the keeper takes on chain is first written down here, keyed
//! by what it does — `(chain, action, task, attempt)` — under a primary key, so a restart or a
//! second keeper proposing the same work adds nothing. Keepers sharing one database take
//! intents under a **lease** with a **fencing token**: claiming bumps the token, and every later
//! write about the intent must present it, so a keeper whose lease expired (paused, partitioned)
//! can no longer record anything for work another keeper has taken over.
//!
//! Claiming is one statement: on Postgres an `UPDATE … WHERE key IN (SELECT … FOR UPDATE SKIP
//! LOCKED)`, so concurrent keepers take disjoint intents without waiting on each other; on
//! SQLite the same `UPDATE` (SQLite runs one writer at a time, so the statement is atomic).
//!
//! The tables live in the indexer's database (the keeper reads the indexer's tables there) and
//! are created on first use.

use sqlx::{AnyPool, Row};
use swan_store::{Backend, Store};

/// What identifies an intent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// Chain id.
    pub chain_id: u64,
    /// What it does: `assign`, `settle`, `expire`, …
    pub action: String,
    /// The task (0x-hex id).
    pub task: String,
    /// The attempt (a retry after a revert or a re-assignment is a new attempt).
    pub attempt: u32,
}

/// An intent taken by a keeper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The intent.
    pub key: Key,
    /// What to send (calldata or a description of it).
    pub payload: String,
    /// The fencing token: present it with every later write.
    pub fence: i64,
}

impl Claim {
    /// Bind the claimed intent's key and fence as the statement's last five placeholders
    /// (`chain_id`, `action`, `task_id`, `attempt`, `fence`, in that order).
    fn bind<'q>(&'q self, q: AnyQuery<'q>) -> AnyQuery<'q> {
        q.bind(i(self.key.chain_id))
            .bind(&self.key.action)
            .bind(&self.key.task)
            .bind(i64::from(self.key.attempt))
            .bind(self.fence)
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Where an intent is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for a keeper.
    Pending,
    /// Sent; waiting for its receipt.
    Sent,
    /// Done (its receipt is final).
    Done,
    /// Dropped: the work was already done, or is no longer wanted.
    Dropped,
    /// Given up on this attempt because the state it rested on changed: decide again, as a new
    /// attempt.
    Replan,
    /// Given up on because the keeper itself is wrong (a revert it cannot explain): the
    /// operator must look.
    Alert,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sent => "sent",
            Status::Done => "done",
            Status::Dropped => "dropped",
            Status::Replan => "replan",
            Status::Alert => "alert",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "pending" => Status::Pending,
            "sent" => Status::Sent,
            "done" => Status::Done,
            "replan" => Status::Replan,
            "alert" => Status::Alert,
            _ => Status::Dropped,
        }
    }
}

/// Outbox failures.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    /// The database failed.
    #[error("outbox database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The lease was lost: another keeper holds the intent now (or it changed); this keeper
    /// must stop working on it.
    #[error(
        "lost the lease on {action} of task {task} (attempt {attempt}): another keeper took it over"
    )]
    LeaseLost {
        /// The action.
        action: String,
        /// The task.
        task: String,
        /// The attempt.
        attempt: u32,
    },
}

/// Every attempt of every `(action, task)`: what the planner checks before proposing.
#[derive(Debug, Clone, Default)]
pub struct Attempts(
    std::collections::HashMap<(String, String), std::collections::BTreeMap<u32, Status>>,
);

impl Attempts {
    /// Whether `attempt` of `action` on `task` was ever proposed.
    pub fn has(&self, action: &str, task: &str, attempt: u32) -> bool {
        self.0
            .get(&(action.to_owned(), task.to_owned()))
            .is_some_and(|m| m.contains_key(&attempt))
    }

    /// The attempt to propose next: 0 when there was none; the last + 1 when the last ended in
    /// [`Status::Replan`] and fewer than `max` were made; otherwise none (one is under way, done,
    /// dropped or needs the operator).
    pub fn next(&self, action: &str, task: &str, max: u32) -> Option<u32> {
        match self
            .0
            .get(&(action.to_owned(), task.to_owned()))
            .and_then(|m| m.last_key_value())
        {
            None => Some(0),
            Some((&a, Status::Replan)) if a + 1 < max => Some(a + 1),
            Some(_) => None,
        }
    }

    /// Record a proposal made this tick.
    pub fn insert(&mut self, action: &str, task: &str, attempt: u32) {
        self.0
            .entry((action.to_owned(), task.to_owned()))
            .or_default()
            .insert(attempt, Status::Pending);
    }
}

/// The outbox of one database.
#[derive(Debug, Clone)]
pub struct Outbox {
    pool: AnyPool,
    backend: Backend,
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// [`Outbox::record`] on any connection or transaction of the outbox's database (so the sender
/// can mark intents sent in the same SQL transaction that stores the signed transaction).
pub async fn record_in<'e, E>(
    db: E,
    claim: &Claim,
    status: Status,
    tx_hash: Option<&str>,
    lease_until_ms: u64,
    now_ms: u64,
) -> Result<(), OutboxError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let r = sqlx::query(
        "UPDATE keeper_intents SET status = $1, tx_hash = COALESCE($2, tx_hash), lease_until = $3, updated_ms = $4 \
         WHERE chain_id = $5 AND action = $6 AND task_id = $7 AND attempt = $8 AND fence = $9",
    )
    .bind(status.as_str())
    .bind(tx_hash)
    .bind(i(lease_until_ms))
    .bind(i(now_ms));
    let r = claim.bind(r).execute(db).await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(OutboxError::LeaseLost {
            action: claim.key.action.clone(),
            task: claim.key.task.clone(),
            attempt: claim.key.attempt,
        })
    }
}

impl Outbox {
    /// The outbox in `store`'s database (its table is in the store's migrations, 0007).
    pub async fn open(store: &Store) -> Result<Self, OutboxError> {
        Ok(Self {
            pool: store.pool().clone(),
            backend: store.backend(),
        })
    }

    /// Write an intent down unless one with its key exists; true when it is new.
    pub async fn propose(
        &self,
        key: &Key,
        payload: &str,
        now_ms: u64,
    ) -> Result<bool, OutboxError> {
        Ok(self
            .propose_all(&[(key.clone(), payload.to_owned())], now_ms)
            .await?
            == 1)
    }

    /// Write down each intent whose key is not there yet, all in one SQL transaction (a tick
    /// proposes up to a market's worth at once: one commit instead of one each); how many were
    /// new. All or none: an error leaves none of them written.
    pub async fn propose_all(
        &self,
        intents: &[(Key, String)],
        now_ms: u64,
    ) -> Result<u32, OutboxError> {
        if intents.is_empty() {
            return Ok(0);
        }
        let mut tx = swan_store::begin_write(&self.pool, self.backend).await?;
        let mut new = 0;
        for (key, payload) in intents {
            let r = sqlx::query(
                "INSERT INTO keeper_intents (chain_id, action, task_id, attempt, payload, status, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) ON CONFLICT DO NOTHING",
            )
            .bind(i(key.chain_id))
            .bind(&key.action)
            .bind(&key.task)
            .bind(i64::from(key.attempt))
            .bind(payload)
            .bind(i(now_ms))
            .execute(&mut *tx)
            .await?;
            new += r.rows_affected() as u32;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Take up to `limit` intents whose lease is free or expired — pending ones, and sent ones
    /// whose keeper stopped renewing — for `lease_ms`. Oldest first; each comes with a new
    /// fencing token.
    pub async fn claim(
        &self,
        keeper: &str,
        now_ms: u64,
        lease_ms: u64,
        limit: u32,
    ) -> Result<Vec<Claim>, OutboxError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "UPDATE keeper_intents SET keeper = $1, lease_until = $2, fence = fence + 1, updated_ms = $3 \
             WHERE (chain_id, action, task_id, attempt) IN ( \
                 SELECT chain_id, action, task_id, attempt FROM keeper_intents \
                 WHERE status IN ('pending', 'sent') AND lease_until < $3 \
                 ORDER BY created_ms, chain_id, action, task_id, attempt LIMIT $4{lock}) \
             RETURNING chain_id, action, task_id, attempt, payload, fence"
        );
        // the only text spliced in is one of two constants
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(keeper)
            .bind(i(now_ms.saturating_add(lease_ms)))
            .bind(i(now_ms))
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        let mut out: Vec<Claim> = rows
            .into_iter()
            .map(|r| Claim {
                key: Key {
                    chain_id: r.get::<i64, _>(0) as u64,
                    action: r.get(1),
                    task: r.get(2),
                    attempt: r.get::<i64, _>(3) as u32,
                },
                payload: r.get(4),
                fence: r.get(5),
            })
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    /// Record progress on a claimed intent: `Sent` (with its transaction, lease extended to
    /// `lease_until_ms`), `Done`, `Dropped`, `Replan`, `Alert`, or back to `Pending` (free for
    /// any keeper from `lease_until_ms` on; 0 for at once).
    /// Fails with [`OutboxError::LeaseLost`] when the fencing token is no longer the intent's.
    pub async fn record(
        &self,
        claim: &Claim,
        status: Status,
        tx_hash: Option<&str>,
        lease_until_ms: u64,
        now_ms: u64,
    ) -> Result<(), OutboxError> {
        record_in(&self.pool, claim, status, tx_hash, lease_until_ms, now_ms).await
    }

    /// Give a claimed intent back if it is still pending (not sent): free for any keeper from
    /// `at_ms`. Intents sent meanwhile are left as they are.
    pub async fn release(&self, claim: &Claim, at_ms: u64) -> Result<(), OutboxError> {
        let q = sqlx::query(
            "UPDATE keeper_intents SET lease_until = $1 WHERE chain_id = $2 AND action = $3 AND task_id = $4 \
             AND attempt = $5 AND fence = $6 AND status = 'pending'",
        )
        .bind(i(at_ms));
        claim.bind(q).execute(&self.pool).await?;
        Ok(())
    }

    /// Extend the lease of every intent `keeper` has sent and is still following (a keeper
    /// that stops renewing loses its sent intents to the others when the lease ends; they
    /// simulate again before acting, so work already done is dropped, not repeated).
    pub async fn renew(&self, keeper: &str, until_ms: u64) -> Result<u64, OutboxError> {
        let r = sqlx::query(
            "UPDATE keeper_intents SET lease_until = $1 WHERE keeper = $2 AND status = 'sent' AND lease_until < $1",
        )
        .bind(i(until_ms))
        .bind(keeper)
        .execute(&self.pool)
        .await?;
        Ok(r.rows_affected())
    }

    /// Every attempt of every `(action, task)` of `chain_id` and where it is, for the tasks the
    /// indexer shows open or assigned (the only ones the planner looks at: the read stays the
    /// size of the live market, not of the keeper's history).
    pub async fn attempts(&self, chain_id: u64) -> Result<Attempts, OutboxError> {
        let rows = sqlx::query(
            "SELECT i.action, i.task_id, i.attempt, i.status FROM keeper_intents i \
             JOIN tasks t ON t.chain_id = i.chain_id AND t.task_id = i.task_id \
             WHERE i.chain_id = $1 AND t.status IN ('open', 'assigned')",
        )
        .bind(i(chain_id))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Attempts::default();
        for r in rows {
            out.0
                .entry((r.get::<String, _>(0), r.get::<String, _>(1)))
                .or_default()
                .insert(
                    r.get::<i64, _>(2) as u32,
                    Status::parse(&r.get::<String, _>(3)),
                );
        }
        Ok(out)
    }

    /// Intents by status: (pending, sent, done, dropped).
    pub async fn counts(&self) -> Result<(u64, u64, u64, u64), OutboxError> {
        let rows = sqlx::query("SELECT status, COUNT(*) FROM keeper_intents GROUP BY status")
            .fetch_all(&self.pool)
            .await?;
        let mut c = (0, 0, 0, 0);
        for r in rows {
            let n = r.get::<i64, _>(1) as u64;
            match r.get::<String, _>(0).as_str() {
                "pending" => c.0 = n,
                "sent" => c.1 = n,
                "done" => c.2 = n,
                _ => c.3 = n,
            }
        }
        Ok(c)
    }
}
