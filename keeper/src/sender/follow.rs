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

/// A `keeper_txs` row as stored (text and integers), before it is read into a [`Stored`].
#[derive(Debug, sqlx::FromRow)]
pub(super) struct TxRow {
    tx_hash: String,
    nonce: i64,
    kind: String,
    to_addr: String,
    calldata: String,
    intents: String,
    raw: String,
    max_fee: String,
    priority_fee: String,
    gas_limit: i64,
    status: String,
    sent_ms: i64,
    block_number: Option<i64>,
    block_hash: Option<String>,
    success: Option<i64>,
}

impl TryFrom<TxRow> for Stored {
    type Error = SendError;

    /// Every column read as its type; one that does not read is an error naming the row and the
    /// column (a stored transaction is never rebroadcast from a guess).
    fn try_from(r: TxRow) -> Result<Self, SendError> {
        let bad = |col: &str, why: String| SendError::Corrupt {
            tx: r.tx_hash.clone(),
            column: col.to_owned(),
            why,
        };
        let num =
            |col: &str, v: i64| u64::try_from(v).map_err(|_| bad(col, format!("{v} is negative")));
        let hash = r
            .tx_hash
            .parse::<B256>()
            .map_err(|e| bad("tx_hash", e.to_string()))?;
        let block = match (r.block_number, &r.block_hash) {
            (Some(n), Some(h)) => Some((
                num("block_number", n)?,
                h.parse::<B256>()
                    .map_err(|e| bad("block_hash", e.to_string()))?,
            )),
            _ => None,
        };
        Ok(Stored {
            hash,
            nonce: num("nonce", r.nonce)?,
            kind: r.kind.clone(),
            to: r
                .to_addr
                .parse()
                .map_err(|e: alloy::hex::FromHexError| bad("to_addr", e.to_string()))?,
            calldata: r
                .calldata
                .parse()
                .map_err(|e: alloy::hex::FromHexError| bad("calldata", e.to_string()))?,
            intents: serde_json::from_str(&r.intents).map_err(|e| bad("intents", e.to_string()))?,
            raw: r
                .raw
                .parse()
                .map_err(|e: alloy::hex::FromHexError| bad("raw", e.to_string()))?,
            max_fee: r
                .max_fee
                .parse()
                .map_err(|e: std::num::ParseIntError| bad("max_fee", e.to_string()))?,
            priority_fee: r
                .priority_fee
                .parse()
                .map_err(|e: std::num::ParseIntError| bad("priority_fee", e.to_string()))?,
            gas_limit: num("gas_limit", r.gas_limit)?,
            status: r.status.clone(),
            sent_ms: num("sent_ms", r.sent_ms)?,
            block,
            success: r.success.map(|v| v != 0),
        })
    }
}

impl Sender {
    async fn open_txs(&self) -> Result<Vec<Stored>, SendError> {
        let rows: Vec<TxRow> = sqlx::query_as(
            "SELECT tx_hash, nonce, kind, to_addr, calldata, intents, raw, max_fee, priority_fee, gas_limit, \
             status, sent_ms, block_number, block_hash, success FROM keeper_txs \
             WHERE chain_id = $1 AND keeper = $2 AND status IN ('sent', 'mined') ORDER BY nonce, sent_ms",
        )
        .bind(i(self.chain_id))
        .bind(self.keeper())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(Stored::try_from).collect()
    }

    pub(super) async fn set_status(&self, hash: B256, status: &str) -> Result<(), SendError> {
        sqlx::query("UPDATE keeper_txs SET status = $1 WHERE chain_id = $2 AND tx_hash = $3")
            .bind(status)
            .bind(i(self.chain_id))
            .bind(format!("{hash:#x}"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// After a restart: broadcast again every stored transaction not yet mined — but not a call
    /// whose work became moot while the keeper was away (another keeper, or the submitter, moved
    /// the task on: it would only revert). Its nonce is left to [`poll`](Self::poll), which fills
    /// it with a transfer to self once it has waited its `bump_after` (a chaos run saw an assign
    /// rebroadcast this way revert on a task expired in the meantime).
    pub async fn resume(&mut self) -> Result<u32, SendError> {
        let mut n = 0;
        for s in self.open_txs().await? {
            if s.status != "sent" {
                continue;
            }
            if s.kind == "call" {
                let call = Call {
                    to: s.to,
                    data: s.calldata.clone(),
                };
                // on the mined state, as `unstick` judges it
                match self.simulate_on(&call, true).await {
                    Err(SendError::Reverts(r)) if r.action == Action::Drop => {
                        tracing::info!(
                            nonce = s.nonce,
                            tx = %s.hash,
                            "not broadcast again: its work became moot while the keeper was away"
                        );
                        continue;
                    }
                    Err(SendError::Rpc(e)) => return Err(SendError::Rpc(e)),
                    _ => {}
                }
            }
            let _ = self.broadcast(&s.raw).await;
            n += 1;
        }
        Ok(n)
    }

    /// Follow every open transaction: receipts, finality (from the indexer's `blocks` table),
    /// nonces the chain shows taken by a transaction the keeper did not sign, gaps below the
    /// waiting nonces, re-broadcasts and fee bumps.
    pub async fn poll(&mut self, now: u64) -> Result<Polled, SendError> {
        let mut out = Polled::default();
        let open = self.open_txs().await?;
        if open.is_empty() {
            return Ok(out);
        }
        let mut by_nonce: std::collections::BTreeMap<u64, Vec<Stored>> = Default::default();
        for s in open {
            by_nonce.entry(s.nonce).or_default().push(s);
        }
        // read before the receipts: a nonce below this count with no receipt of ours was used
        // by another transaction
        let from = self.from;
        let used = self
            .provider
            .get_transaction_count(from)
            .latest()
            .await
            .map_err(rpc)?;
        let mut lowest_waiting: Option<(u64, u64)> = None;
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
                    .provider
                    .get_transaction_receipt(h)
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
                let others: Vec<Stored> = attempts
                    .iter()
                    .filter(|o| o.hash != s.hash)
                    .cloned()
                    .collect();
                for other in &others {
                    self.set_status(other.hash, "replaced").await?;
                }
                // work carried only by attempts that lost (signed at this nonce by a process
                // that thought it free) goes back to the queue
                self.requeue(&others, &s.intents, now).await?;
                out.mined += 1;
                out.gas_paid += paid;
                if !r.status() {
                    out.reverted += 1;
                    let why = self.why_reverted(&s, number, r.gas_used).await;
                    tracing::warn!(
                        tx = %s.hash, kind = %s.kind, block = number, gas_used = r.gas_used,
                        gas_limit = s.gas_limit, %why, "transaction reverted on chain"
                    );
                }
                continue;
            }
            if nonce < used {
                self.taken(nonce, &attempts, &mut out, now).await?;
                continue;
            }
            let latest = attempts.last().cloned().unwrap_or_else(|| unreachable!());
            if lowest_waiting.is_none() {
                let first = attempts.iter().map(|a| a.sent_ms).min().unwrap_or(now);
                lowest_waiting = Some((nonce, first));
            }
            if now.saturating_sub(latest.sent_ms) < self.cfg.bump_after.as_millis() as u64 {
                continue;
            }
            self.unstick(nonce, &latest, &mut out, now).await?;
        }
        if let Some((lowest, since)) = lowest_waiting
            && lowest > used
            && now.saturating_sub(since) >= self.cfg.bump_after.as_millis() as u64
        {
            self.fill_gap(used, lowest, &mut out, now).await?;
        }
        Ok(out)
    }

    /// Why a mined transaction reverted, for the operator's log: out of gas when it used its
    /// whole limit, else the market's error from running the same call again on the state its
    /// block started from (an approximation: the transactions before it in that block are not
    /// replayed).
    async fn why_reverted(&self, s: &Stored, block: u64, gas_used: u64) -> String {
        if gas_used >= s.gas_limit {
            return format!("out of gas (used all {gas_used})");
        }
        let tx = alloy::rpc::types::TransactionRequest::default()
            .from(self.from)
            .to(s.to)
            .input(s.calldata.clone().into())
            .gas_limit(s.gas_limit);
        let at = alloy::eips::BlockId::number(block.saturating_sub(1));
        match self.provider.call(tx).block(at).await {
            Ok(_) => format!(
                "not reproduced on block {}'s state: an earlier transaction of block {block} changed what it read",
                block.saturating_sub(1)
            ),
            Err(e) => match crate::revert::reverted(&e) {
                Some(r) => format!(
                    "{} (replayed on block {}'s state)",
                    r.error,
                    block.saturating_sub(1)
                ),
                None => format!("could not replay it: {e}"),
            },
        }
    }

    /// The chain shows `nonce` used, and no attempt of ours at it has a receipt: another
    /// transaction took it (the key signed elsewhere). The attempts are marked `replaced`, the
    /// work they carried goes back to the queue (to be simulated and signed again at a fresh
    /// nonce), and the next nonce is read from the chain again.
    async fn taken(
        &mut self,
        nonce: u64,
        attempts: &[Stored],
        out: &mut Polled,
        now: u64,
    ) -> Result<(), SendError> {
        // a node that mined one of ours but has no receipt for it yet: wait for the receipt
        for a in attempts {
            if let Some(tx) = self
                .provider
                .get_transaction_by_hash(a.hash)
                .await
                .map_err(rpc)?
                && tx.block_number.is_some()
            {
                return Ok(());
            }
        }
        let by = self.user_of(nonce).await;
        for a in attempts {
            self.set_status(a.hash, "replaced").await?;
        }
        self.requeue(attempts, &[], now).await?;
        self.next = None;
        out.taken += 1;
        tracing::warn!(
            nonce,
            by = %by.map_or_else(|| "a transaction not among the last blocks".to_owned(), |h| format!("{h:#x}")),
            ours = ?attempts.iter().map(|a| a.hash).collect::<Vec<_>>(),
            "the chain used this nonce for a transaction this keeper did not sign (is the key in use elsewhere?): its work goes back to the queue"
        );
        Ok(())
    }

    /// Put the intents carried by `lost` (and not by `kept`) back in the queue: pending, free
    /// at once. Intents a cancel carried were dropped when it was signed and stay dropped; an
    /// intent another keeper has taken over since is theirs.
    async fn requeue(
        &self,
        lost: &[Stored],
        kept: &[super::Carried],
        now: u64,
    ) -> Result<(), SendError> {
        let mut seen = std::collections::HashSet::new();
        for c in lost
            .iter()
            .filter(|a| a.kind == "call")
            .flat_map(|a| &a.intents)
        {
            let key = (c.action.clone(), c.task.clone(), c.attempt);
            let carried_on = kept.iter().any(|k| {
                (k.action.as_str(), k.task.as_str(), k.attempt) == (&key.0, &key.1, key.2)
            });
            if carried_on || !seen.insert(key) {
                continue;
            }
            match self
                .outbox
                .record(&c.claim(self.chain_id), Status::Pending, None, 0, now)
                .await
            {
                Ok(()) | Err(OutboxError::LeaseLost { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The transaction from this keeper's address at `nonce`, looked for in the last 16 blocks.
    async fn user_of(&self, nonce: u64) -> Option<B256> {
        use alloy::{consensus::Transaction, network::TransactionResponse};
        let head = self.provider.get_block_number().await.ok()?;
        for n in (head.saturating_sub(15)..=head).rev() {
            let block = self
                .provider
                .get_block_by_number(n.into())
                .full()
                .await
                .ok()??;
            for t in block.transactions.txns() {
                let (sender, used): (alloy::primitives::Address, u64) =
                    (TransactionResponse::from(t), Transaction::nonce(t));
                if sender == self.from && used == nonce {
                    return Some(TransactionResponse::tx_hash(t));
                }
            }
        }
        None
    }

    /// The keeper's lowest waiting nonce is above the chain's count of mined transactions
    /// (`used`) and has waited `bump_after`: nonces in between hold nothing that is getting
    /// mined (a foreign pending transaction dropped by the node, or a nonce read too high). Fill
    /// each with a zero-value transfer to self so the waiting transactions can be mined.
    async fn fill_gap(
        &mut self,
        used: u64,
        lowest: u64,
        out: &mut Polled,
        now: u64,
    ) -> Result<(), SendError> {
        // from the chain's count of mined transactions, not its pending count (which a node can
        // get wrong for a while after a reorg): a filler at a nonce a waiting transaction holds
        // is refused by the node, or replaces a transaction that was not getting mined
        let (max_fee, prio) = self.fees().await?;
        for nonce in used..lowest {
            let s = self
                .sign(
                    "cancel",
                    self.from,
                    &Bytes::new(),
                    Vec::new(),
                    nonce,
                    21_000,
                    max_fee,
                    prio,
                    now,
                )
                .await?;
            self.store(&s, None, &[]).await?;
            if let Err(e) = self.broadcast(&s.raw).await {
                tracing::warn!(nonce, error = %e, "the node refused a gap filler for now");
            }
            out.filled += 1;
            tracing::warn!(
                nonce,
                "no transaction holds this nonce below the keeper's waiting ones: filled with a transfer to self"
            );
        }
        Ok(())
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
            .provider
            .get_transaction_by_hash(h)
            .await
            .map_err(rpc)?
            .is_some();
        let from = self.from;
        let count = self
            .provider
            .get_transaction_count(from)
            .latest()
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
            // moot only by what is mined: on the pending state the keeper's own waiting
            // transaction has run, and its work looks done (a chaos run lost an expire that way:
            // rebroadcast after a restart, judged moot at once, replaced by a transfer to self)
            let call = Call {
                to: latest.to,
                data: latest.calldata.clone(),
            };
            match self.simulate_on(&call, true).await {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> TxRow {
        TxRow {
            tx_hash: format!("{:#x}", B256::repeat_byte(1)),
            nonce: 7,
            kind: "call".into(),
            to_addr: "0x00000000000000000000000000000000000000aa".into(),
            calldata: "0x1234".into(),
            intents: "[]".into(),
            raw: "0x02f8".into(),
            max_fee: "1000".into(),
            priority_fee: "10".into(),
            gas_limit: 21_000,
            status: "sent".into(),
            sent_ms: 5,
            block_number: Some(9),
            block_hash: Some(format!("{:#x}", B256::repeat_byte(2))),
            success: Some(1),
        }
    }

    #[test]
    fn a_stored_transaction_reads_back_or_names_what_does_not() {
        let s = Stored::try_from(row()).unwrap();
        assert_eq!((s.nonce, s.gas_limit, s.max_fee), (7, 21_000, 1000));
        assert_eq!(s.block, Some((9, B256::repeat_byte(2))));
        assert_eq!(s.calldata, Bytes::from_static(&[0x12, 0x34]));
        for (column, broken) in [
            (
                "to_addr",
                TxRow {
                    to_addr: "0xzz".into(),
                    ..row()
                },
            ),
            (
                "calldata",
                TxRow {
                    calldata: "12g4".into(),
                    ..row()
                },
            ),
            (
                "intents",
                TxRow {
                    intents: "{".into(),
                    ..row()
                },
            ),
            (
                "max_fee",
                TxRow {
                    max_fee: "".into(),
                    ..row()
                },
            ),
            ("nonce", TxRow { nonce: -1, ..row() }),
            (
                "block_hash",
                TxRow {
                    block_hash: Some("0x12".into()),
                    ..row()
                },
            ),
        ] {
            match Stored::try_from(broken) {
                Err(SendError::Corrupt { column: c, .. }) => assert_eq!(c, column),
                other => panic!("{column}: {other:?}"),
            }
        }
    }
}
