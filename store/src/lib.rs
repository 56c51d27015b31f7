//! The orchestrator's database: SQLite (a file, WAL, the embedded default) or Postgres, behind
//! one set of migrations (`migrations/`: the indexer's mirror of the chain and the keeper's
//! tables). The indexer writes the mirror (its write path lives in `swan-indexer`); the keeper,
//! the API and the tools open the same [`Store`].
//!
//! Invariant: a block range is written **in one transaction** — its logs, its blocks and the
//! checkpoint that says it is done — keyed by `(chain_id, block_number, log_index)`. A crash
//! leaves either all of a range or none of it, and replaying a range writes nothing twice.

use std::str::FromStr;

pub mod rows;
pub mod spec_names;

use alloy::primitives::{Address, B256, Bytes};
use sqlx::{
    AnyPool, Row,
    any::{AnyConnectOptions, AnyPoolOptions},
};

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one we can open.
    #[error("unsupported database {0:?}: give a file path (SQLite) or a postgres:// URL")]
    Unsupported(String),
    /// Connecting failed.
    #[error("cannot open database {url}: {source}")]
    Connect {
        /// The URL, without credentials.
        url: String,
        /// The driver error.
        source: sqlx::Error,
    },
    /// Applying the migrations failed.
    #[error("cannot migrate the database schema: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    /// The database's checkpoint is not the one the range continues from.
    #[error(
        "the database's checkpoint is block {found:?}, not {expected:?}: another indexer writes to this database, or the range was already written"
    )]
    Conflict {
        /// The checkpoint the range continues from.
        expected: Option<u64>,
        /// The checkpoint found.
        found: Option<u64>,
    },
    /// A fork below the finalized block.
    #[error(
        "the chain forked at block {fork}, below block {finalized} which was final: the RPC serves another chain, or the finality depth is too small"
    )]
    FinalizedReorg {
        /// The last shared block.
        fork: u64,
        /// The finalized block.
        finalized: u64,
    },
    /// A stored row cannot be read back.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A rule of the writer's failed (the indexer: an event that does not fit the stored state).
    #[error(transparent)]
    Rule(Box<dyn std::error::Error + Send + Sync>),
}

/// The tables the indexer derives from the chain: a database that followed the chain through
/// kills and reorgs must hold the same rows in them as a clean run over the same blocks.
pub const CONTENT_TABLES: [&str; 11] = [
    "raw_logs",
    "providers",
    "tasks",
    "replicas",
    "market",
    "collateral_events",
    "assignments",
    "results",
    "payments",
    "slashes",
    "param_changes",
];

/// What a pool is for.
#[derive(Debug, Clone, Copy)]
enum Role {
    /// The indexer's or keeper's own pool: migrations, writes and their reads.
    Writer,
    /// Readers only (the HTTP API).
    Reader {
        connections: u32,
        wait: std::time::Duration,
    },
}

/// Which database the store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (WAL, one writer).
    Sqlite,
    /// A Postgres server.
    Postgres,
}

/// Begin a transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken
/// first, so a busy database is waited for (`busy_timeout`). A deferred transaction that reads
/// before it writes fails at once with `SQLITE_BUSY_SNAPSHOT` (517, "database is locked") when
/// another connection — the keeper on the indexer's file, say — committed in between, and its
/// work waits for a retry. On Postgres a plain `BEGIN`.
pub async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

/// How far a market has been indexed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Last block fully written.
    pub block_number: u64,
    /// Its hash (to detect a fork on the next range).
    pub block_hash: String,
}

/// One block header as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRow {
    /// Block number.
    pub number: u64,
    /// Block hash (0x-hex).
    pub hash: String,
    /// Parent hash (0x-hex).
    pub parent_hash: String,
    /// Unix seconds.
    pub timestamp: u64,
}

/// One log as stored: hashes, address, topics and data as bytes (`BYTEA`, a BLOB in SQLite).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    /// Block number.
    pub block_number: u64,
    /// Index of the log in its block.
    pub log_index: u64,
    /// Block hash.
    pub block_hash: B256,
    /// Transaction hash.
    pub tx_hash: B256,
    /// Emitting contract.
    pub address: Address,
    /// Decoded event name.
    pub event: String,
    /// Topics (stored as their 32-byte words, concatenated).
    pub topics: Vec<B256>,
    /// Data.
    pub data: Bytes,
}

impl LogRow {
    /// The topics as stored: their words, concatenated.
    pub fn topic_bytes(&self) -> Vec<u8> {
        self.topics.iter().flat_map(|t| t.0).collect()
    }
}

/// 32-byte words from their stored concatenation; None when the length is not a multiple of 32.
pub fn topics_from_bytes(b: &[u8]) -> Option<Vec<B256>> {
    b.len()
        .is_multiple_of(32)
        .then(|| b.chunks_exact(32).map(B256::from_slice).collect())
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// A task id as stored: `0x` and 64 hex digits.
pub fn task_key(id: &alloy::primitives::U256) -> String {
    format!("0x{id:064x}")
}

/// SQLite page size for new databases. A `TaskCreated` log is ~3 KB of hex, so the default
/// 4 KB pages hold about one log each; 16 KB pages made cold backfills 10–15 % faster and files
/// 6 % smaller (measured, `indexer/README.md`).
const SQLITE_PAGE_SIZE: u32 = 16_384;

/// Rows per multi-row INSERT (SQLite allows 32,766 bound parameters; logs bind 9 each).
pub const CHUNK: usize = 1_000;

/// A block number or log index as SQL's BIGINT.
pub fn i(v: u64) -> i64 {
    i64::try_from(v).expect("block numbers and log indices fit i64")
}

impl Store {
    /// Open (creating if needed) the database at `url`: a file path or `sqlite:` URL for
    /// SQLite, a `postgres://` URL for Postgres; then apply the migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url, Role::Writer).await?;
        sqlx::migrate!("./migrations").run(&store.pool).await?;
        Ok(store)
    }

    /// A pool for readers only (the HTTP API) on the database at `url`, which a writer has
    /// opened with [`Store::open`] before: `connections` of them (SQLite in WAL mode serves many
    /// readers beside its one writer; each SQLite connection is `query_only`), and a request
    /// waits up to `wait` for one — a crowd queues instead of failing. Apart from the writer's
    /// pool, so a crowd of readers never holds up the writer.
    pub async fn open_reader(
        url: &str,
        connections: u32,
        wait: std::time::Duration,
    ) -> Result<Self, StoreError> {
        Self::connect(url, Role::Reader { connections, wait }).await
    }

    async fn connect(url: &str, role: Role) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let (backend, full) = if url.starts_with("postgres://") || url.starts_with("postgresql://")
        {
            (Backend::Postgres, url.to_owned())
        } else if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            (Backend::Sqlite, format!("sqlite://{path}?mode=rwc"))
        } else if !url.contains("://") {
            (Backend::Sqlite, format!("sqlite://{url}?mode=rwc"))
        } else {
            return Err(StoreError::Unsupported(url.to_owned()));
        };
        let shown = redact(url);
        let options = AnyConnectOptions::from_str(&full).map_err(|source| StoreError::Connect {
            url: shown.clone(),
            source,
        })?;
        let (connections, wait) = match role {
            Role::Writer => (
                if backend == Backend::Sqlite { 4 } else { 8 },
                std::time::Duration::from_secs(5),
            ),
            Role::Reader { connections, wait } => (connections.max(1), wait),
        };
        let reader = matches!(role, Role::Reader { .. });
        let pool = AnyPoolOptions::new()
            .acquire_timeout(wait)
            .max_connections(connections)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        if reader {
                            sqlx::query("PRAGMA query_only=1")
                                .execute(&mut *conn)
                                .await?;
                            // pages read from the mapped file, not copied in by a system
                            // call each (a crowd's distinct task pages: ~1.5× more served)
                            sqlx::query("PRAGMA mmap_size=1073741824")
                                .execute(&mut *conn)
                                .await?;
                        } else {
                            // before WAL: a new database takes its page size from its first write
                            sqlx::query(sqlx::AssertSqlSafe(format!(
                                "PRAGMA page_size={SQLITE_PAGE_SIZE}"
                            )))
                            .execute(&mut *conn)
                            .await?;
                            sqlx::query("PRAGMA journal_mode=WAL")
                                .execute(&mut *conn)
                                .await?;
                            sqlx::query("PRAGMA synchronous=NORMAL")
                                .execute(&mut *conn)
                                .await?;
                        }
                        sqlx::query("PRAGMA busy_timeout=5000")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Connect { url: shown, source })?;
        Ok(Self { pool, backend })
    }

    /// Every row of `table` as one line of `column=value` pairs, sorted: what two databases
    /// that must hold the same content are compared by (a clean run against one that was killed,
    /// reorganized or raced). A column of a type it cannot read is an error naming it.
    pub async fn dump(&self, table: &str) -> Result<Vec<String>, StoreError> {
        use sqlx::Column;
        // the table name is the caller's constant
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut line = Vec::new();
            for (i, c) in r.columns().iter().enumerate() {
                let v = if let Ok(v) = r.try_get::<Option<i64>, _>(i) {
                    format!("{v:?}")
                } else if let Ok(v) = r.try_get::<Option<String>, _>(i) {
                    format!("{v:?}")
                } else if let Ok(v) = r.try_get::<Option<f64>, _>(i) {
                    format!("{v:?}")
                } else if let Ok(v) = r.try_get::<Option<Vec<u8>>, _>(i) {
                    format!("{:?}", v.map(alloy::hex::encode))
                } else {
                    return Err(StoreError::Corrupt(format!(
                        "{table}.{}: a column of a type dump cannot read",
                        c.name()
                    )));
                };
                line.push(format!("{}={v}", c.name()));
            }
            out.push(line.join(" "));
        }
        out.sort();
        Ok(out)
    }

    /// The connection pool (readers share it with the writer).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Refresh the query planner's statistics of the state tables (Postgres; a bulk backfill
    /// outgrows the statistics of the empty tables it started with, and lookups by key would
    /// turn into scans). Only the key columns the backfill looks rows up by: their statistics and
    /// the tables' sizes are what those plans need, and the other columns' statistics (sorting
    /// the sample of all 37 task columns) had cost 13 % of the server's time in a backfill.
    /// Autovacuum analyzes the whole tables in the background. A no-op on SQLite.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query(
                "ANALYZE tasks (chain_id, task_id), replicas (chain_id, task_id), \
                 providers (chain_id, address)",
            )
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How far `market` on `chain_id` has been indexed.
    pub async fn checkpoint(
        &self,
        chain_id: u64,
        market: &str,
    ) -> Result<Option<Checkpoint>, StoreError> {
        let row = sqlx::query(
            "SELECT block_number, block_hash FROM checkpoints WHERE chain_id = $1 AND market = $2",
        )
        .bind(i(chain_id))
        .bind(market)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| Checkpoint {
            block_number: r.get::<i64, _>(0) as u64,
            block_hash: r.get::<String, _>(1),
        }))
    }

    /// Every stored log of a chain, in chain order.
    pub async fn logs(&self, chain_id: u64) -> Result<Vec<LogRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT block_number, log_index, block_hash, tx_hash, address, event, topics, data FROM raw_logs \
             WHERE chain_id = $1 ORDER BY block_number, log_index",
        )
        .bind(i(chain_id))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                let bad = |what: &str| {
                    StoreError::Corrupt(format!(
                        "raw log {}/{}: {what}",
                        r.get::<i64, _>(0),
                        r.get::<i64, _>(1)
                    ))
                };
                let word = |n: usize, what: &str| -> Result<B256, StoreError> {
                    let b: Vec<u8> = r.try_get(n)?;
                    B256::try_from(b.as_slice()).map_err(|_| bad(what))
                };
                let address: Vec<u8> = r.try_get(4)?;
                let topics: Vec<u8> = r.try_get(6)?;
                Ok(LogRow {
                    block_number: r.get::<i64, _>(0) as u64,
                    log_index: r.get::<i64, _>(1) as u64,
                    block_hash: word(2, "block hash is not 32 bytes")?,
                    tx_hash: word(3, "transaction hash is not 32 bytes")?,
                    address: Address::try_from(address.as_slice())
                        .map_err(|_| bad("address is not 20 bytes"))?,
                    event: r.try_get(5)?,
                    topics: topics_from_bytes(&topics)
                        .ok_or_else(|| bad("topics are not 32-byte words"))?,
                    data: Bytes::from(r.try_get::<Vec<u8>, _>(7)?),
                })
            })
            .collect()
    }

    /// The highest block marked final.
    pub async fn finalized(&self, chain_id: u64, market: &str) -> Result<u64, StoreError> {
        let row =
            sqlx::query("SELECT finalized FROM checkpoints WHERE chain_id = $1 AND market = $2")
                .bind(i(chain_id))
                .bind(market)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.get::<i64, _>(0) as u64).unwrap_or(0))
    }

    /// The newest stored block at or below `upto` not yet marked final: before blocks up to
    /// `upto` are marked final, the chain must still have it (and so, by their links, the
    /// stored blocks below it).
    pub async fn newest_unfinal_block(
        &self,
        chain_id: u64,
        upto: u64,
    ) -> Result<Option<BlockRow>, StoreError> {
        let row = sqlx::query(
            "SELECT number, hash, parent_hash, timestamp FROM blocks \
             WHERE chain_id = $1 AND number <= $2 AND finalized = FALSE ORDER BY number DESC LIMIT 1",
        )
        .bind(i(chain_id))
        .bind(i(upto))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| BlockRow {
            number: r.get::<i64, _>(0) as u64,
            hash: r.get(1),
            parent_hash: r.get(2),
            timestamp: r.get::<i64, _>(3) as u64,
        }))
    }

    /// Stored blocks after `from` (newest first, at most `limit`): where to look for the last
    /// block both chains share after a fork.
    pub async fn recent_blocks(
        &self,
        chain_id: u64,
        from: u64,
        limit: u64,
    ) -> Result<Vec<BlockRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT number, hash, parent_hash, timestamp FROM blocks WHERE chain_id = $1 AND number >= $2 \
             ORDER BY number DESC LIMIT $3",
        )
        .bind(i(chain_id))
        .bind(i(from))
        .bind(i(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| BlockRow {
                number: r.get::<i64, _>(0) as u64,
                hash: r.get(1),
                parent_hash: r.get(2),
                timestamp: r.get::<i64, _>(3) as u64,
            })
            .collect())
    }

    /// Every provider of `chain_id`, by address.
    pub async fn providers(&self, chain_id: u64) -> Result<Vec<rows::Provider>, StoreError> {
        Ok(
            sqlx::query_as("SELECT * FROM providers WHERE chain_id = $1 ORDER BY address")
                .bind(i(chain_id))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// The tasks of `chain_id` open for assignment at `now` (unix seconds: status `open`, the
    /// assign-by time not passed), oldest first.
    pub async fn open_tasks(&self, chain_id: u64, now: u64) -> Result<Vec<rows::Task>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT * FROM tasks WHERE chain_id = $1 AND status = 'open' AND assign_by >= $2 \
             ORDER BY created_block, task_id",
        )
        .bind(i(chain_id))
        .bind(i(now))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Close the pool (waits for connections to finish).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `($1, $2, …), (…)` for `rows` rows of `cols` columns — or `(?, ?, …)` when `anonymous`
/// (SQLite: binding `$N` parameters looks each name up in a list, quadratic in a multi-row
/// statement; `?` parameters bind by position). Hand-written rather than `sqlx::QueryBuilder`:
/// over the `Any` driver the builder always writes `?`, which Postgres refuses.
pub fn push_placeholders(sql: &mut String, rows: usize, cols: usize, anonymous: bool) {
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push_str(", ");
            }
            if anonymous {
                sql.push('?');
            } else {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
            n += 1;
        }
        sql.push(')');
    }
}

/// A URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_column() {
        let mut s = String::new();
        push_placeholders(&mut s, 2, 3, false);
        assert_eq!(s, "($1, $2, $3), ($4, $5, $6)");
        let mut s = String::new();
        push_placeholders(&mut s, 2, 2, true);
        assert_eq!(s, "(?, ?), (?, ?)");
    }

    #[test]
    fn topics_come_back_as_words() {
        let words = [B256::repeat_byte(1), B256::repeat_byte(2)];
        let row = LogRow {
            block_number: 1,
            log_index: 0,
            block_hash: B256::ZERO,
            tx_hash: B256::ZERO,
            address: Address::ZERO,
            event: "Deposited".into(),
            topics: words.to_vec(),
            data: Bytes::new(),
        };
        let stored = row.topic_bytes();
        assert_eq!(stored.len(), 64);
        assert_eq!(topics_from_bytes(&stored), Some(words.to_vec()));
        assert_eq!(topics_from_bytes(&[]), Some(vec![]));
        assert_eq!(topics_from_bytes(&stored[..33]), None);
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("/tmp/x.db"), "/tmp/x.db");
    }
}
