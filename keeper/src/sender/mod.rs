//! The transaction sender: every transaction the keeper sends is signed, written down and only
//! then broadcast, so a crash at any point loses nothing and sends nothing twice.
//!
//! - **Nonces come from the chain.** The next nonce is read from the chain (its pending count)
//!   when the sender starts and whenever the chain disagrees with it: a broadcast answered
//!   "nonce too low" or "replacement underpriced" (another transaction holds the nonce), or a
//!   sent transaction whose nonce the chain shows used by a transaction the keeper did not sign
//!   (the key signs somewhere else too). Such a transaction is marked `replaced`, the intents it
//!   carried go back to the queue, and they are signed again at a fresh nonce: nothing stays
//!   `sent` for a nonce that can no longer be mined. Signed transactions are stored before they
//!   are broadcast (`keeper_txs`), so after a restart every one not yet mined is broadcast again
//!   byte for byte (same hash: a node that has it ignores it), and the next nonce is above them.
//!   A gap below the keeper's lowest waiting nonce (a foreign pending transaction that was
//!   dropped) is filled with a transfer to self so the transactions after it are not held up.
//! - **Simulation first.** Each call is run with `eth_call` before it is signed and again before
//!   each fee bump; a call that would revert is classified ([`crate::revert`]) instead of sent.
//!   When a stuck call has become moot (another keeper did the work), its nonce is filled with a
//!   zero-value transfer to self so the transactions after it are not held up.
//! - **Fee bumping.** A transaction not mined after `bump_after` is re-broadcast if the node lost
//!   it, and otherwise replaced at the same nonce with both fees raised by at least
//!   `bump_permille` (≥ 1125 ‰: +12.5 %), never above `max_fee_cap`.
//! - **Failover.** Calls go to the first RPC URL that answers; a transport failure moves to the
//!   next.
//! - **Finality.** A mined transaction counts as final only when the indexer has marked its block
//!   final (the `blocks` table, same hash); if the block was replaced, the transaction is
//!   broadcast again.
//! - **Spending cap.** The gas paid in the last hour plus the most the waiting transactions can
//!   still cost (one per nonce: of several attempts at a nonce only one can be mined) may not
//!   exceed the cap; past it nothing new is signed until the hour rolls on.

use std::time::Duration;

use alloy::{
    consensus::TxEnvelope,
    eips::Encodable2718,
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::TransactionRequest,
    transports::{RpcError, TransportErrorKind},
};
use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use swan_store::Store;

use crate::{
    outbox::{Claim, Outbox, OutboxError, Status, record_in},
    revert::{Revert, SimulateError, simulate},
};

/// How the sender behaves.
#[derive(Debug, Clone)]
pub struct SendConfig {
    /// Replace (or re-broadcast) a transaction not mined after this long.
    pub bump_after: Duration,
    /// Each replacement raises both fees to at least this many thousandths of the last (≥ 1125).
    pub bump_permille: u32,
    /// Never offer more than this per gas (wei).
    pub max_fee_cap: u128,
    /// Gas limit = estimate × (100 + margin) / 100, and at least estimate + `gas_headroom`.
    pub gas_margin_pct: u64,
    /// Gas a call's path may grow by between its estimate (on the latest block) and the block
    /// that mines it: a reveal estimated before a provider's reveal landed completes the task's
    /// settlement when mined after it (paying every replica), and ran out of gas in a chaos run.
    pub gas_headroom: u64,
    /// Gas paid per rolling hour, plus what pending transactions can still cost, in wei.
    pub spend_cap_per_hour: u128,
    /// How long a sent intent's lease lasts (renewed while it waits).
    pub lease: Duration,
    /// Test hook: wait this long between storing a signed transaction and broadcasting it, so
    /// a crash test's kills land in that window (`SWAN_KEEPER_TEST_PAUSE_MS`). None in service.
    pub pause_before_broadcast: Option<Duration>,
}

impl Default for SendConfig {
    fn default() -> Self {
        Self {
            bump_after: Duration::from_secs(30),
            bump_permille: 1125,
            max_fee_cap: 500_000_000_000,
            gas_margin_pct: 25,
            gas_headroom: 250_000,
            spend_cap_per_hour: 10u128.pow(18),
            lease: Duration::from_secs(600),
            pause_before_broadcast: None,
        }
    }
}

/// Why a send did not happen.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The call would revert.
    #[error("the call would revert with {}: {:?}", .0.error, .0.action)]
    Reverts(Revert),
    /// Every RPC endpoint failed.
    #[error("every RPC endpoint failed; last error: {0}")]
    Rpc(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Sign(String),
    /// The spending cap for this hour is reached.
    #[error(
        "spending cap reached: {spent} wei spent or committed in the last hour, cap {cap} wei; raise --spend-cap or wait"
    )]
    SpendCap {
        /// Spent and committed.
        spent: u128,
        /// The cap.
        cap: u128,
    },
    /// The database.
    #[error("sender database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The outbox.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// A configuration value.
    #[error("{0}")]
    Config(String),
    /// A stored transaction does not read back.
    #[error(
        "stored transaction {tx} is unreadable ({column}: {why}); the keeper will not rebroadcast or replace it from a guess: repair or remove the row in keeper_txs"
    )]
    Corrupt {
        /// Its hash as stored.
        tx: String,
        /// The column.
        column: String,
        /// Why it does not read.
        why: String,
    },
}

/// What happened to sent transactions during one [`Sender::poll`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Polled {
    /// Transactions seen mined.
    pub mined: u32,
    /// Mined transactions that reverted.
    pub reverted: u32,
    /// Transactions final (their intents done).
    pub finalized: u32,
    /// Replacements with higher fees.
    pub bumped: u32,
    /// Transactions broadcast again (the node had lost them, or their block was replaced).
    pub rebroadcast: u32,
    /// Stuck calls that became moot, their nonce filled with a transfer to self.
    pub cancelled: u32,
    /// Nonces the chain showed used by a transaction this keeper did not sign: the attempts at
    /// them are `replaced` and their intents back in the queue.
    pub taken: u32,
    /// Gaps below the keeper's waiting nonces filled with a transfer to self.
    pub filled: u32,
    /// Gas paid by the transactions seen mined (wei).
    pub gas_paid: u128,
}

/// A node's answer to a broadcast it did not take.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    /// Another transaction holds the nonce: mined ("nonce too low") or waiting in the pool
    /// ("replacement transaction underpriced").
    NonceUsed(String),
    /// Anything else (e.g. a max fee under the base fee): the poll loop tries again.
    Other(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NonceUsed(m) | Refusal::Other(m) => f.write_str(m),
        }
    }
}

/// How a node's error message to `eth_sendRawTransaction` reads: `Ok` when it has (or mined)
/// these very bytes.
fn refusal(message: &str) -> Result<(), Refusal> {
    let m = message.to_lowercase();
    if m.contains("already known") || m.contains("already imported") {
        Ok(())
    } else if m.contains("nonce too low") || m.contains("replacement") {
        Err(Refusal::NonceUsed(m))
    } else {
        Err(Refusal::Other(m))
    }
}

mod follow;

/// An intent a transaction carries out, as stored with the transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Carried {
    action: String,
    task: String,
    attempt: u32,
    fence: i64,
    payload: String,
}

impl Carried {
    fn of(c: &Claim) -> Self {
        Self {
            action: c.key.action.clone(),
            task: c.key.task.clone(),
            attempt: c.key.attempt,
            fence: c.fence,
            payload: c.payload.clone(),
        }
    }

    fn claim(&self, chain_id: u64) -> Claim {
        Claim {
            key: crate::outbox::Key {
                chain_id,
                action: self.action.clone(),
                task: self.task.clone(),
                attempt: self.attempt,
            },
            payload: self.payload.clone(),
            fence: self.fence,
        }
    }
}

/// One stored transaction.
#[derive(Debug, Clone)]
struct Stored {
    hash: B256,
    nonce: u64,
    kind: String,
    to: Address,
    calldata: Bytes,
    intents: Vec<Carried>,
    raw: Bytes,
    max_fee: u128,
    priority_fee: u128,
    gas_limit: u64,
    status: String,
    sent_ms: u64,
    block: Option<(u64, B256)>,
    success: Option<bool>,
}

/// A call to make.
#[derive(Debug, Clone)]
pub struct Call {
    /// Contract.
    pub to: Address,
    /// Calldata.
    pub data: Bytes,
}

/// The sender of one keeper key.
#[derive(Debug)]
pub struct Sender {
    provider: DynProvider,
    wallet: EthereumWallet,
    from: Address,
    chain_id: u64,
    pool: AnyPool,
    backend: swan_store::Backend,
    outbox: Outbox,
    cfg: SendConfig,
    next: Option<u64>,
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn rpc(e: RpcError<TransportErrorKind>) -> SendError {
    SendError::Rpc(e.to_string())
}

/// Now, in unix milliseconds.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Sender {
    /// A sender signing with `wallet` (address `from`) on `chain_id`, its tables created in
    /// `store`'s database if missing.
    pub async fn open(
        store: &Store,
        outbox: Outbox,
        provider: DynProvider,
        wallet: EthereumWallet,
        from: Address,
        chain_id: u64,
        cfg: SendConfig,
    ) -> Result<Self, SendError> {
        if cfg.bump_permille < 1125 {
            return Err(SendError::Config(format!(
                "a fee bump of {} ‰ is below the 1125 ‰ (+12.5 %) nodes need to replace a transaction",
                cfg.bump_permille
            )));
        }
        Ok(Self {
            provider,
            wallet,
            from,
            chain_id,
            pool: store.pool().clone(),
            backend: store.backend(),
            outbox,
            cfg,
            next: None,
        })
    }

    /// The keeper's address.
    pub fn address(&self) -> Address {
        self.from
    }

    /// The chain, through every RPC endpoint (`swan_contracts::rpc`: failover and retries).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    fn keeper(&self) -> String {
        format!("{:#x}", self.from)
    }

    /// Run `call` with `eth_call` from the keeper's address.
    pub async fn simulate(&self, call: &Call) -> Result<Bytes, SendError> {
        self.simulate_on(call, false).await
    }

    /// [`Sender::simulate`], on the latest mined block only when `mined` (see
    /// [`crate::revert::simulate_mined`]).
    pub(super) async fn simulate_on(&self, call: &Call, mined: bool) -> Result<Bytes, SendError> {
        let tx = TransactionRequest::default()
            .with_from(self.from)
            .with_to(call.to)
            .with_input(call.data.clone());
        let out = if mined {
            crate::revert::simulate_mined(&self.provider, tx).await
        } else {
            simulate(&self.provider, tx).await
        };
        match out {
            Ok(out) => Ok(out),
            Err(SimulateError::Reverts(r)) => Err(SendError::Reverts(r)),
            Err(SimulateError::Rpc(e)) => Err(rpc(e)),
        }
    }

    /// The fees to offer now: the node's EIP-1559 estimate, capped.
    pub async fn fees(&self) -> Result<(u128, u128), SendError> {
        let est = self.provider.estimate_eip1559_fees().await.map_err(rpc)?;
        let prio = est.max_priority_fee_per_gas.min(self.cfg.max_fee_cap);
        Ok((
            est.max_fee_per_gas.min(self.cfg.max_fee_cap).max(prio),
            prio,
        ))
    }

    /// The gas limit for `call` (estimate plus margin and headroom). The estimate runs the call,
    /// so it is also its simulation: a revert comes back classified.
    pub async fn gas(&self, call: &Call) -> Result<u64, SendError> {
        let tx = TransactionRequest::default()
            .with_from(self.from)
            .with_to(call.to)
            .with_input(call.data.clone());
        // the node's default block: with the pool's transactions (work another keeper has
        // sent already shows as done, and is dropped instead of sent twice)
        let est = self.provider.estimate_gas(tx).await;
        match est {
            Ok(g) => Ok((g.saturating_mul(100 + self.cfg.gas_margin_pct) / 100)
                .max(g.saturating_add(self.cfg.gas_headroom))),
            Err(e) => Err(match crate::revert::reverted(&e) {
                Some(r) => SendError::Reverts(r),
                None => rpc(e),
            }),
        }
    }

    /// The nonce to sign at next: the chain's pending count, or above the keeper's own stored
    /// transactions still waiting (broadcast again after a restart) when those reach higher.
    async fn next_nonce(&mut self) -> Result<u64, SendError> {
        if let Some(n) = self.next {
            return Ok(n);
        }
        let from = self.from;
        let latest = self
            .provider
            .get_transaction_count(from)
            .latest()
            .await
            .map_err(rpc)?;
        let pending = self
            .provider
            .get_transaction_count(from)
            .pending()
            .await
            .map_err(rpc)?;
        // waiting transactions of ours at nonces the chain has not used yet
        let waiting: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(nonce) FROM keeper_txs WHERE chain_id = $1 AND keeper = $2 AND status = 'sent' AND nonce >= $3",
        )
        .bind(i(self.chain_id))
        .bind(self.keeper())
        .bind(i(latest))
        .fetch_one(&self.pool)
        .await?;
        let n = pending.max(latest).max(waiting.map_or(0, |w| w as u64 + 1));
        self.next = Some(n);
        Ok(n)
    }

    /// Spent in the last hour plus the most that waiting transactions can still cost: per
    /// nonce the dearest attempt (only one attempt at a nonce can be mined); transactions marked
    /// `replaced` count for nothing.
    pub async fn spent(&self, now_ms: u64) -> Result<u128, SendError> {
        let rows = sqlx::query(
            "SELECT status, gas_paid, max_fee, gas_limit, nonce FROM keeper_txs WHERE chain_id = $1 AND keeper = $2 \
             AND (status = 'sent' OR (status IN ('mined', 'final') AND sent_ms >= $3))",
        )
        .bind(i(self.chain_id))
        .bind(self.keeper())
        .bind(i(now_ms.saturating_sub(3_600_000)))
        .fetch_all(&self.pool)
        .await?;
        let mut paid = 0u128;
        let mut waiting: std::collections::HashMap<i64, u128> = Default::default();
        for r in rows {
            let status: String = r.get(0);
            if status == "sent" {
                let fee: String = r.get(2);
                let most = fee.parse::<u128>().unwrap_or(0) * r.get::<i64, _>(3).max(0) as u128;
                let at = waiting.entry(r.get::<i64, _>(4)).or_default();
                *at = (*at).max(most);
            } else {
                paid += r
                    .get::<Option<String>, _>(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0u128);
            }
        }
        Ok(paid + waiting.values().sum::<u128>())
    }

    /// Simulate `call`, sign it at the next nonce, store it with the intents it carries (marked
    /// sent in the outbox), then broadcast it. Returns its hash.
    pub async fn send(&mut self, call: &Call, intents: &[Claim]) -> Result<B256, SendError> {
        // the gas estimate runs the call: it is the simulation before sending
        let gas = self.gas(call).await?;
        let (max_fee, prio) = self.fees().await?;
        let now = now_ms();
        let spent = self.spent(now).await?;
        let cost = max_fee.saturating_mul(u128::from(gas));
        if spent.saturating_add(cost) > self.cfg.spend_cap_per_hour {
            return Err(SendError::SpendCap {
                spent: spent + cost,
                cap: self.cfg.spend_cap_per_hour,
            });
        }
        let carried: Vec<Carried> = intents.iter().map(Carried::of).collect();
        // a nonce another transaction holds is met at the broadcast: read the chain's count
        // again and sign anew (three tries; after that the poll loop sorts it out)
        for tries_left in (0..3).rev() {
            let nonce = self.next_nonce().await?;
            let stored = self
                .sign(
                    "call",
                    call.to,
                    &call.data,
                    carried.clone(),
                    nonce,
                    gas,
                    max_fee,
                    prio,
                    now,
                )
                .await?;
            self.store(&stored, Some(nonce + 1), intents).await?;
            self.next = Some(nonce + 1);
            if let Some(pause) = self.cfg.pause_before_broadcast {
                tokio::time::sleep(pause).await;
            }
            match self.broadcast(&stored.raw).await {
                Ok(()) => return Ok(stored.hash),
                Err(Refusal::NonceUsed(m)) if tries_left > 0 => {
                    tracing::warn!(nonce, tx = %stored.hash, answer = %m, "another transaction holds this nonce (the key signs elsewhere too?): reading the nonce from the chain and signing again");
                    self.set_status(stored.hash, "replaced").await?;
                    self.next = None;
                }
                Err(e) => {
                    // stored and owed: the poll loop broadcasts it again, replaces it, or
                    // finds its nonce taken and queues its work again
                    tracing::warn!(tx = %stored.hash, error = %e, "the node refused the transaction for now");
                    return Ok(stored.hash);
                }
            }
        }
        unreachable!("the last try returns")
    }

    #[allow(clippy::too_many_arguments)]
    async fn sign(
        &self,
        kind: &str,
        to: Address,
        data: &Bytes,
        intents: Vec<Carried>,
        nonce: u64,
        gas: u64,
        max_fee: u128,
        prio: u128,
        now: u64,
    ) -> Result<Stored, SendError> {
        let tx = TransactionRequest::default()
            .with_from(self.from)
            .with_to(to)
            .with_input(data.clone())
            .with_value(U256::ZERO)
            .with_nonce(nonce)
            .with_chain_id(self.chain_id)
            .with_gas_limit(gas)
            .with_max_fee_per_gas(max_fee)
            .with_max_priority_fee_per_gas(prio);
        let env: TxEnvelope = tx
            .build(&self.wallet)
            .await
            .map_err(|e| SendError::Sign(e.to_string()))?;
        Ok(Stored {
            hash: *env.tx_hash(),
            nonce,
            kind: kind.into(),
            to,
            calldata: data.clone(),
            intents,
            raw: env.encoded_2718().into(),
            max_fee,
            priority_fee: prio,
            gas_limit: gas,
            status: "sent".into(),
            sent_ms: now,
            block: None,
            success: None,
        })
    }

    /// Write a signed transaction, the next nonce and the intents it carries (marked sent) in
    /// one SQL transaction: after a crash either all of it is there or none.
    async fn store(&self, s: &Stored, next: Option<u64>, sent: &[Claim]) -> Result<(), SendError> {
        let mut db = swan_store::begin_write(&self.pool, self.backend).await?;
        let lease = s.sent_ms + self.cfg.lease.as_millis() as u64;
        let hash = format!("{:#x}", s.hash);
        for c in sent {
            record_in(&mut *db, c, Status::Sent, Some(&hash), lease, s.sent_ms).await?;
        }
        sqlx::query(
            "INSERT INTO keeper_txs (chain_id, tx_hash, keeper, nonce, kind, to_addr, calldata, intents, raw, \
             max_fee, priority_fee, gas_limit, status, sent_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'sent', $13)",
        )
        .bind(i(self.chain_id))
        .bind(format!("{:#x}", s.hash))
        .bind(self.keeper())
        .bind(i(s.nonce))
        .bind(&s.kind)
        .bind(format!("{:#x}", s.to))
        .bind(s.calldata.to_string())
        .bind(serde_json::to_string(&s.intents).unwrap_or_default())
        .bind(s.raw.to_string())
        .bind(s.max_fee.to_string())
        .bind(s.priority_fee.to_string())
        .bind(i(s.gas_limit))
        .bind(i(s.sent_ms))
        .execute(&mut *db)
        .await?;
        if let Some(n) = next {
            sqlx::query(
                "INSERT INTO keeper_nonces (chain_id, keeper, next_nonce) VALUES ($1, $2, $3) \
                 ON CONFLICT (chain_id, keeper) DO UPDATE SET next_nonce = excluded.next_nonce",
            )
            .bind(i(self.chain_id))
            .bind(self.keeper())
            .bind(i(n))
            .execute(&mut *db)
            .await?;
        }
        db.commit().await?;
        Ok(())
    }

    /// Broadcast raw bytes; a node that already has them is fine. Otherwise the node's
    /// refusal: another transaction holds the nonce, or something else (e.g. a max fee under
    /// the base fee).
    async fn broadcast(&self, raw: &Bytes) -> Result<(), Refusal> {
        match self.provider.send_raw_transaction(raw).await {
            Ok(_) => Ok(()),
            Err(e) => {
                let m = e.to_string();
                tracing::debug!(error = %m, "broadcast answered with an error");
                refusal(&m)
            }
        }
    }
}

#[cfg(test)]
mod refusal_tests {
    use super::*;

    #[test]
    fn node_answers_read_as_what_they_mean() {
        // anvil's and geth's words
        assert_eq!(refusal("already known"), Ok(()));
        assert_eq!(
            refusal(
                "server returned an error response: error code -32003: Transaction already imported"
            ),
            Ok(())
        );
        for used in [
            "nonce too low",
            "error code -32003: Nonce too low",
            "replacement transaction underpriced",
        ] {
            assert!(
                matches!(refusal(used), Err(Refusal::NonceUsed(_))),
                "{used}"
            );
        }
        assert!(matches!(
            refusal("max fee per gas less than block base fee"),
            Err(Refusal::Other(_))
        ));
        assert!(matches!(
            refusal("insufficient funds for gas"),
            Err(Refusal::Other(_))
        ));
    }
}
