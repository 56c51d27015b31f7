//! Following what was sent: receipts, re-broadcasts, fee bumps, moot calls cancelled, and
//! finality from the indexer's `blocks` table.

use alloy::{
    primitives::{B256, Bytes},
    providers::Provider,
};
use sqlx::Row;

use super::{Call, Polled, SendError, Sender, Stored, i, rpc};
use crate::{
    outbox::{OutboxError, Status},
    revert::Action,
};

impl Sender {
    async fn open_txs(&self) -> Result<Vec<Stored>, SendError> {
        let rows = sqlx::query(
            "SELECT tx_hash, nonce, kind, to_addr, calldata, intents, raw, max_fee, priority_fee, gas_limit, \
             status, sent_ms, block_number, block_hash, success FROM keeper_txs \
             WHERE chain_id = $1 AND keeper = $2 AND status IN ('sent', 'mined') ORDER BY nonce, sent_ms",
        )
        .bind(i(self.chain_id))
        .bind(self.keeper())
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let parse_b256 = |s: String| s.parse::<B256>().unwrap_or_default();
            let block = match (r.get::<Option<i64>, _>(12), r.get::<Option<String>, _>(13)) {
                (Some(n), Some(h)) => Some((n as u64, parse_b256(h))),
                _ => None,
            };
            out.push(Stored {
                hash: parse_b256(r.get(0)),
                nonce: r.get::<i64, _>(1) as u64,
                kind: r.get(2),
                to: r.get::<String, _>(3).parse().unwrap_or_default(),
                calldata: r.get::<String, _>(4).parse().unwrap_or_default(),
                intents: serde_json::from_str(&r.get::<String, _>(5)).unwrap_or_default(),
                raw: r.get::<String, _>(6).parse().unwrap_or_default(),
                max_fee: r.get::<String, _>(7).parse().unwrap_or(0),
                priority_fee: r.get::<String, _>(8).parse().unwrap_or(0),
                gas_limit: r.get::<i64, _>(9) as u64,
                status: r.get(10),
                sent_ms: r.get::<i64, _>(11) as u64,
                block,
                success: r.get::<Option<i64>, _>(14).map(|v| v != 0),
            });
        }
        Ok(out)
    }

    async fn set_status(&self, hash: B256, status: &str) -> Result<(), SendError> {
        sqlx::query("UPDATE keeper_txs SET status = $1 WHERE chain_id = $2 AND tx_hash = $3")
            .bind(status)
            .bind(i(self.chain_id))
            .bind(format!("{hash:#x}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// After a restart: broadcast again every stored transaction not yet mined.
    pub async fn resume(&mut self) -> Result<u32, SendError> {
        let mut n = 0;
        for s in self.open_txs().await? {
            if s.status == "sent" {
                let _ = self.broadcast(&s.raw).await;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Follow every open transaction: receipts, finality (from the indexer's `blocks` table),
    /// re-broadcasts and fee bumps.
    pub async fn poll(&mut self, now: u64) -> Result<Polled, SendError> {
        let mut out = Polled::default();
        let open = self.open_txs().await?;
        let mut by_nonce: std::collections::BTreeMap<u64, Vec<Stored>> = Default::default();
        for s in open {
            by_nonce.entry(s.nonce).or_default().push(s);
        }
        for (nonce, attempts) in by_nonce {
            if let Some(m) = attempts.iter().find(|s| s.status == "mined") {
                self.check_final(m, &mut out, now).await?;
                continue;
            }
            // receipts of every attempt at this nonce, newest first
            let mut mined = None;
            for s in attempts.iter().rev() {
                let h = s.hash;
                let r = self
                    .rpcs
                    .call(|p| async move { p.get_transaction_receipt(h).await })
                    .await
                    .map_err(rpc)?;
                if let Some(r) = r {
                    mined = Some((s.clone(), r));
                    break;
                }
            }
            if let Some((s, r)) = mined {
                let (Some(number), Some(block)) = (r.block_number, r.block_hash) else {
                    continue;
                };
                let paid = u128::from(r.gas_used) * r.effective_gas_price;
                sqlx::query(
                    "UPDATE keeper_txs SET status = 'mined', block_number = $1, block_hash = $2, gas_paid = $3, success = $4 \
                     WHERE chain_id = $5 AND tx_hash = $6",
                )
                .bind(i(number))
                .bind(format!("{block:#x}"))
                .bind(paid.to_string())
                .bind(i64::from(r.status()))
                .bind(i(self.chain_id))
                .bind(format!("{:#x}", s.hash))
                .execute(&self.pool)
                .await?;
                for other in attempts.iter().filter(|o| o.hash != s.hash) {
                    self.set_status(other.hash, "replaced").await?;
                }
                out.mined += 1;
                out.gas_paid += paid;
                if !r.status() {
                    out.reverted += 1;
                    tracing::warn!(tx = %s.hash, kind = %s.kind, "transaction reverted on chain");
                }
                continue;
            }
            let latest = attempts.last().cloned().unwrap_or_else(|| unreachable!());
            if now.saturating_sub(latest.sent_ms) < self.cfg.bump_after.as_millis() as u64 {
                continue;
            }
            self.unstick(nonce, &latest, &mut out, now).await?;
        }
        Ok(out)
    }

    /// A transaction at `nonce` waited too long: broadcast it again if the node lost it, drop
    /// its work if moot (filling the nonce), or replace it with higher fees.
    async fn unstick(
        &mut self,
        nonce: u64,
        latest: &Stored,
        out: &mut Polled,
        now: u64,
    ) -> Result<(), SendError> {
        let h = latest.hash;
        let known = self
            .rpcs
            .call(|p| async move { p.get_transaction_by_hash(h).await })
            .await
            .map_err(rpc)?
            .is_some();
        let from = self.from;
        let count = self
            .rpcs
            .call(|p| async move { p.get_transaction_count(from).latest().await })
            .await
            .map_err(rpc)?;
        if count > nonce {
            // the nonce was used and none of our attempts has a receipt: a receipt will show
            // on the next poll, or the key was used elsewhere; wait
            return Ok(());
        }
        let mut kind = latest.kind.as_str();
        let mut intents_moot = false;
        if kind == "call" {
            match self
                .simulate(&Call {
                    to: latest.to,
                    data: latest.calldata.clone(),
                })
                .await
            {
                Err(SendError::Reverts(r)) if r.action == Action::Drop => intents_moot = true,
                Err(SendError::Rpc(e)) => return Err(SendError::Rpc(e)),
                _ => {}
            }
        }
        if intents_moot {
            kind = "cancel";
        } else if !known && self.broadcast(&latest.raw).await.is_ok() {
            sqlx::query("UPDATE keeper_txs SET sent_ms = $1 WHERE chain_id = $2 AND tx_hash = $3")
                .bind(i(now))
                .bind(i(self.chain_id))
                .bind(format!("{:#x}", latest.hash))
                .execute(&self.pool)
                .await?;
            out.rebroadcast += 1;
            return Ok(());
        }
        let (fee_now, prio_now) = self.fees().await?;
        let bump = |old: u128| (old * u128::from(self.cfg.bump_permille)).div_ceil(1000);
        let prio = bump(latest.priority_fee).max(prio_now);
        let max_fee = bump(latest.max_fee).max(fee_now).max(prio);
        if max_fee > self.cfg.max_fee_cap {
            tracing::error!(
                nonce,
                max_fee,
                cap = self.cfg.max_fee_cap,
                "a stuck transaction needs a fee above the cap: raise --max-fee-gwei"
            );
            return Ok(());
        }
        let (to, data, gas) = if kind == "cancel" {
            (self.from, Bytes::new(), 21_000)
        } else {
            (latest.to, latest.calldata.clone(), latest.gas_limit)
        };
        let s = self
            .sign(
                kind,
                to,
                &data,
                latest.intents.clone(),
                nonce,
                gas,
                max_fee,
                prio,
                now,
            )
            .await?;
        self.store(&s, None, &[]).await?;
        if kind == "cancel" && latest.kind == "call" {
            for c in &latest.intents {
                match self
                    .outbox
                    .record(&c.claim(self.chain_id), Status::Dropped, None, 0, now)
                    .await
                {
                    Ok(()) | Err(OutboxError::LeaseLost { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            out.cancelled += 1;
            tracing::info!(
                nonce,
                "a stuck call became moot: its nonce is filled with a transfer to self"
            );
        } else {
            out.bumped += 1;
            tracing::info!(
                nonce,
                max_fee,
                prio,
                "replaced a stuck transaction with higher fees"
            );
        }
        if let Err(e) = self.broadcast(&s.raw).await {
            tracing::warn!(nonce, error = %e, "the node refused the replacement for now");
        }
        Ok(())
    }

    /// A mined transaction: final when the indexer marks its block final with the same hash;
    /// broadcast again when that block was replaced.
    async fn check_final(&self, m: &Stored, out: &mut Polled, now: u64) -> Result<(), SendError> {
        let Some((number, hash)) = m.block else {
            return Ok(());
        };
        let row = sqlx::query("SELECT hash, CAST(CASE WHEN finalized THEN 1 ELSE 0 END AS BIGINT) FROM blocks WHERE chain_id = $1 AND number = $2")
            .bind(i(self.chain_id))
            .bind(i(number))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(()) };
        let indexed: String = row.get(0);
        if indexed != format!("{hash:#x}") {
            // the block was replaced by a reorg: the transaction is pending again
            sqlx::query(
                "UPDATE keeper_txs SET status = 'sent', block_number = NULL, block_hash = NULL, sent_ms = $1 \
                 WHERE chain_id = $2 AND tx_hash = $3",
            )
            .bind(i(now))
            .bind(i(self.chain_id))
            .bind(format!("{:#x}", m.hash))
            .execute(&self.pool)
            .await?;
            let _ = self.broadcast(&m.raw).await;
            out.rebroadcast += 1;
            return Ok(());
        }
        if row.get::<i64, _>(1) == 0 {
            return Ok(());
        }
        self.set_status(m.hash, "final").await?;
        out.finalized += 1;
        let status = if m.kind == "cancel" {
            Status::Dropped
        } else if m.success == Some(false) {
            // why it reverted, as far as the state now tells: moot (dropped), worth deciding
            // again (a new attempt), or the keeper is wrong (alert)
            let call = Call {
                to: m.to,
                data: m.calldata.clone(),
            };
            match self.simulate(&call).await {
                Err(SendError::Reverts(r)) if r.action == Action::Drop => Status::Dropped,
                Err(SendError::Reverts(r)) if r.action == Action::Alert => {
                    tracing::error!(tx = %m.hash, error = %r.error, "a transaction reverted for a reason the keeper cannot explain");
                    Status::Alert
                }
                _ => Status::Replan,
            }
        } else {
            Status::Done
        };
        for c in &m.intents {
            match self
                .outbox
                .record(&c.claim(self.chain_id), status, None, 0, now)
                .await
            {
                Ok(()) | Err(OutboxError::LeaseLost { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Transactions by status: (sent, mined, final, reverted) for this keeper.
    pub async fn counts(&self) -> Result<(u64, u64, u64, u64), SendError> {
        let rows = sqlx::query(
            "SELECT status, success, COUNT(*) FROM keeper_txs WHERE chain_id = $1 AND keeper = $2 GROUP BY status, success",
        )
        .bind(i(self.chain_id))
        .bind(self.keeper())
        .fetch_all(&self.pool)
        .await?;
        let mut c = (0, 0, 0, 0);
        for r in rows {
            let n = r.get::<i64, _>(2) as u64;
            if r.get::<Option<i64>, _>(1) == Some(0) {
                c.3 += n;
            }
            match r.get::<String, _>(0).as_str() {
                "sent" => c.0 += n,
                "mined" => c.1 += n,
                "final" => c.2 += n,
                _ => {}
            }
        }
        Ok(c)
    }
}
