//! One process per keeper key and database. Two processes signing with one key take the same
//! nonces from the chain and the same intents' work; the second to start sees the first's
//! heartbeat in `keeper_keys` and refuses with a line that says who holds the key. A holder
//! that died (kill -9, a lost host) is taken over: at once when it ran on this host and its
//! process is gone, otherwise once its heartbeat is older than the lease.
//!
//! Keepers with one key on *different* databases cannot see each other here; the sender makes
//! that case safe instead (a nonce the chain shows taken sends its work back to the queue).

use std::time::Duration;

use sqlx::{AnyPool, Row};
use swan_store::Store;

use crate::sender::now_ms;

/// Why the key could not be held.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// Another live process signs with this key.
    #[error(
        "keeper key {keeper} is in use by another keeper process (pid {pid} on host {host}, heartbeat {age_ms} ms ago) on this database: two processes with one key sign the same nonces. Stop that process, or give this one its own key; a process that died is taken over {lease_s} s after its last heartbeat"
    )]
    InUse {
        /// The key's address.
        keeper: String,
        /// The holder's pid.
        pid: i64,
        /// The holder's host.
        host: String,
        /// How old its heartbeat was.
        age_ms: u64,
        /// The lease.
        lease_s: u64,
    },
    /// Another process took the key over (this one's heartbeat lapsed).
    #[error(
        "keeper key {keeper} was taken over by another process (pid {pid} on host {host}) after this one's heartbeat lapsed: stopping so the two do not sign the same nonces"
    )]
    Lost {
        /// The key's address.
        keeper: String,
        /// The new holder's pid.
        pid: i64,
        /// The new holder's host.
        host: String,
    },
    /// The database.
    #[error("keeper key lease: {0}")]
    Sql(#[from] sqlx::Error),
}

/// This process's hold on one keeper key.
#[derive(Debug)]
pub struct KeyLease {
    pool: AnyPool,
    chain_id: i64,
    keeper: String,
    holder: String,
    lease: Duration,
}

/// This machine's name (`/proc/sys/kernel/hostname`, else `$HOSTNAME`, else "unknown").
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Whether process `pid` of this host is gone (Linux's /proc; elsewhere nothing is known).
fn gone(pid: i64) -> bool {
    std::path::Path::new("/proc/self").exists()
        && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Leases taken by this process (part of each holder's name, unique per process).
static OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

struct Holder {
    holder: String,
    host: String,
    pid: i64,
    heartbeat_ms: i64,
}

impl KeyLease {
    async fn current(&self) -> Result<Option<Holder>, sqlx::Error> {
        Ok(sqlx::query(
            "SELECT holder, host, pid, heartbeat_ms FROM keeper_keys WHERE chain_id = $1 AND keeper = $2",
        )
        .bind(self.chain_id)
        .bind(&self.keeper)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| Holder {
            holder: r.get(0),
            host: r.get(1),
            pid: r.get(2),
            heartbeat_ms: r.get(3),
        }))
    }

    /// Take `keeper`'s key on `chain_id` for this process, or say who holds it. A holder whose
    /// heartbeat is older than `lease`, or whose process on this host is gone, is taken over;
    /// one in this same process (a keeper reopened after a simulated crash) too.
    pub async fn acquire(
        store: &Store,
        chain_id: u64,
        keeper: &str,
        lease: Duration,
    ) -> Result<Self, LeaseError> {
        let me = Self {
            pool: store.pool().clone(),
            chain_id: i64::try_from(chain_id).unwrap_or(i64::MAX),
            keeper: keeper.to_owned(),
            holder: format!(
                "{}:{}:{}:{}",
                hostname(),
                std::process::id(),
                now_ms(),
                OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ),
            lease,
        };
        let host = hostname();
        let pid = i64::from(std::process::id());
        for _ in 0..8 {
            let now = now_ms() as i64;
            let taken = match me.current().await? {
                None => sqlx::query(
                    "INSERT INTO keeper_keys (chain_id, keeper, holder, host, pid, heartbeat_ms) \
                         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(me.chain_id)
                .bind(&me.keeper)
                .bind(&me.holder)
                .bind(&host)
                .bind(pid)
                .bind(now)
                .execute(&me.pool)
                .await?
                .rows_affected()
                    == 1,
                Some(h) => {
                    let age = now.saturating_sub(h.heartbeat_ms).max(0) as u64;
                    let dead = h.host == host && (h.pid == pid || gone(h.pid));
                    if !dead && age < lease.as_millis() as u64 {
                        return Err(LeaseError::InUse {
                            keeper: me.keeper.clone(),
                            pid: h.pid,
                            host: h.host,
                            age_ms: age,
                            lease_s: lease.as_secs(),
                        });
                    }
                    // compare and swap: only if nobody renewed or took it meanwhile
                    sqlx::query(
                        "UPDATE keeper_keys SET holder = $1, host = $2, pid = $3, heartbeat_ms = $4 \
                         WHERE chain_id = $5 AND keeper = $6 AND holder = $7 AND heartbeat_ms = $8",
                    )
                    .bind(&me.holder)
                    .bind(&host)
                    .bind(pid)
                    .bind(now)
                    .bind(me.chain_id)
                    .bind(&me.keeper)
                    .bind(&h.holder)
                    .bind(h.heartbeat_ms)
                    .execute(&me.pool)
                    .await?
                    .rows_affected()
                        == 1
                }
            };
            if taken {
                return Ok(me);
            }
        }
        // eight lost races in a row: somebody else is taking it
        let h = me.current().await?;
        Err(LeaseError::InUse {
            keeper: me.keeper.clone(),
            pid: h.as_ref().map_or(0, |h| h.pid),
            host: h.map_or_else(|| "unknown".into(), |h| h.host),
            age_ms: 0,
            lease_s: lease.as_secs(),
        })
    }

    /// Renew the heartbeat; [`LeaseError::Lost`] when another process holds the key now.
    pub async fn renew(&self) -> Result<(), LeaseError> {
        let r = sqlx::query(
            "UPDATE keeper_keys SET heartbeat_ms = $1 WHERE chain_id = $2 AND keeper = $3 AND holder = $4",
        )
        .bind(now_ms() as i64)
        .bind(self.chain_id)
        .bind(&self.keeper)
        .bind(&self.holder)
        .execute(&self.pool)
        .await?;
        if r.rows_affected() == 1 {
            return Ok(());
        }
        let h = self.current().await?;
        Err(LeaseError::Lost {
            keeper: self.keeper.clone(),
            pid: h.as_ref().map_or(0, |h| h.pid),
            host: h.map_or_else(|| "nobody".into(), |h| h.host),
        })
    }

    /// Give the key up (a clean stop): the next process takes it at once.
    pub async fn release(&self) -> Result<(), LeaseError> {
        sqlx::query("DELETE FROM keeper_keys WHERE chain_id = $1 AND keeper = $2 AND holder = $3")
            .bind(self.chain_id)
            .bind(&self.keeper)
            .bind(&self.holder)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The lease.
    pub fn lease(&self) -> Duration {
        self.lease
    }
}
