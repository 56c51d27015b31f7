//! Backfill: from the checkpoint (or the deployment block) to a target block, in block ranges
//! that adapt to what the RPC accepts. Each range is fetched whole, decoded, and written in one
//! transaction with its checkpoint, so a crash at any point resumes from the last whole range.

use alloy::{
    eips::BlockNumberOrTag,
    providers::Provider,
    rpc::types::{Filter, Log},
    transports::{RpcError, TransportErrorKind},
};
use swan_contracts::Manifest;

use crate::{
    events::{self, DecodeError},
    store::{BlockRow, Checkpoint, LogRow, RangeWrite, Store, StoreError},
};

/// Why a backfill stopped.
#[derive(Debug, thiserror::Error)]
pub enum BackfillError {
    /// The RPC failed in a way that retrying the range smaller did not fix.
    #[error("RPC error fetching blocks {from}..={to}: {source}")]
    Rpc {
        /// First block of the range.
        from: u64,
        /// Last block of the range.
        to: u64,
        /// The error.
        source: RpcError<TransportErrorKind>,
    },
    /// The RPC answered without a block it had just reported logs for.
    #[error("the RPC has no block {0} (is it still syncing?)")]
    MissingBlock(u64),
    /// A log of the market did not decode: the manifest names other contracts.
    #[error(
        "log {block}:{index} of the market does not decode ({source}); is the manifest for this deployment?"
    )]
    Decode {
        /// Block number.
        block: u64,
        /// Log index.
        index: u64,
        /// Why.
        source: DecodeError,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a backfill did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillStats {
    /// Logs written.
    pub events: u64,
    /// Ranges written.
    pub ranges: u64,
    /// Ranges the RPC refused as too large (then split).
    pub splits: u64,
    /// The checkpoint afterwards.
    pub last_block: u64,
}

/// Block ranges that grow while the RPC keeps up and halve when it refuses.
#[derive(Debug, Clone)]
pub struct RangeSizer {
    size: u64,
    max: u64,
}

impl RangeSizer {
    /// Start at `initial` blocks per range, never above `max`.
    pub fn new(initial: u64, max: u64) -> Self {
        Self {
            size: initial.clamp(1, max.max(1)),
            max: max.max(1),
        }
    }

    /// The current range size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// A range went through: grow.
    pub fn grow(&mut self) {
        self.size = (self.size * 2).min(self.max);
    }

    /// The RPC refused a range as too large: halve. False when it cannot get smaller.
    pub fn shrink(&mut self) -> bool {
        if self.size == 1 {
            return false;
        }
        self.size = (self.size / 2).max(1);
        true
    }
}

/// Whether an RPC error means "ask for fewer blocks" (the limits providers put on eth_getLogs).
/// The one place that reads RPC error messages.
pub fn is_range_too_large(e: &RpcError<TransportErrorKind>) -> bool {
    let Some(resp) = e.as_error_resp() else {
        return false;
    };
    let msg = resp.message.to_ascii_lowercase();
    resp.code == -32005
        || [
            "range",
            "too many",
            "more than",
            "limit exceeded",
            "response size",
            "too large",
            "exceed",
        ]
        .iter()
        .any(|s| msg.contains(s))
}

fn hex(b: &[u8]) -> String {
    format!("0x{}", alloy::primitives::hex::encode(b))
}

fn log_row(log: &Log) -> Result<LogRow, BackfillError> {
    let block = log.block_number.unwrap_or_default();
    let index = log.log_index.unwrap_or_default();
    events::decode(&log.inner).map_err(|source| BackfillError::Decode {
        block,
        index,
        source,
    })?;
    let event = events::event_name(&log.inner).expect("a decoded log has a known signature");
    Ok(LogRow {
        block_number: block,
        log_index: index,
        block_hash: log
            .block_hash
            .map(|h| hex(h.as_slice()))
            .unwrap_or_default(),
        tx_hash: log
            .transaction_hash
            .map(|h| hex(h.as_slice()))
            .unwrap_or_default(),
        address: hex(log.address().as_slice()),
        event: event.to_owned(),
        topics: log
            .topics()
            .iter()
            .map(|t| hex(t.as_slice()))
            .collect::<Vec<_>>()
            .join(","),
        data: hex(&log.data().data),
    })
}

async fn block_row<P: Provider>(provider: &P, number: u64) -> Result<BlockRow, BackfillError> {
    let block = provider
        .get_block_by_number(BlockNumberOrTag::Number(number))
        .await
        .map_err(|source| BackfillError::Rpc {
            from: number,
            to: number,
            source,
        })?
        .ok_or(BackfillError::MissingBlock(number))?;
    Ok(BlockRow {
        number,
        hash: hex(block.header.hash.as_slice()),
        parent_hash: hex(block.header.parent_hash.as_slice()),
        timestamp: block.header.timestamp,
    })
}

/// Index the market of `manifest` from its checkpoint up to `to_block` (inclusive).
pub async fn backfill<P: Provider>(
    provider: &P,
    store: &Store,
    manifest: &Manifest,
    to_block: u64,
    sizer: &mut RangeSizer,
) -> Result<BackfillStats, BackfillError> {
    let market = hex(manifest.market.as_slice());
    let mut from = match store.checkpoint(manifest.chain_id, &market).await? {
        Some(c) => c.block_number + 1,
        None => manifest.start_block,
    };
    let mut stats = BackfillStats {
        last_block: from.saturating_sub(1),
        ..Default::default()
    };
    while from <= to_block {
        let to = (from + sizer.size() - 1).min(to_block);
        let filter = Filter::new()
            .address(manifest.market)
            .from_block(from)
            .to_block(to);
        let logs = match provider.get_logs(&filter).await {
            Ok(logs) => logs,
            Err(e) if is_range_too_large(&e) && sizer.shrink() => {
                stats.splits += 1;
                tracing::debug!(from, to, size = sizer.size(), "range refused; splitting");
                continue;
            }
            Err(source) => return Err(BackfillError::Rpc { from, to, source }),
        };
        let rows = logs.iter().map(log_row).collect::<Result<Vec<_>, _>>()?;
        let mut numbers: Vec<u64> = rows.iter().map(|r| r.block_number).collect();
        numbers.push(to);
        numbers.dedup();
        let mut blocks = Vec::with_capacity(numbers.len());
        for n in numbers {
            blocks.push(block_row(provider, n).await?);
        }
        let last = blocks
            .last()
            .expect("the range's last block is always fetched");
        let checkpoint = Checkpoint {
            block_number: to,
            block_hash: last.hash.clone(),
        };
        store
            .write_range(&RangeWrite {
                chain_id: manifest.chain_id,
                market: &market,
                blocks: &blocks,
                logs: &rows,
                last: checkpoint,
            })
            .await?;
        tracing::info!(from, to, events = rows.len(), "range indexed");
        stats.events += rows.len() as u64;
        stats.ranges += 1;
        stats.last_block = to;
        sizer.grow();
        from = to + 1;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_grow_on_success_and_halve_on_refusal() {
        let mut s = RangeSizer::new(1_000, 4_000);
        s.grow();
        assert_eq!(s.size(), 2_000);
        s.grow();
        s.grow();
        assert_eq!(s.size(), 4_000, "capped");
        assert!(s.shrink());
        assert_eq!(s.size(), 2_000);
        let mut one = RangeSizer::new(1, 10);
        assert!(!one.shrink(), "a single block cannot be split");
        assert_eq!(RangeSizer::new(0, 10).size(), 1);
    }

    #[test]
    fn range_errors_are_recognised_and_others_are_not() {
        let refused = RpcError::ErrorResp(alloy::rpc::json_rpc::ErrorPayload {
            code: -32602,
            message: "query returned more than 10000 results".into(),
            data: None,
        });
        assert!(
            is_range_too_large(&refused),
            "the common 'more than N results' refusal"
        );
        let limit = RpcError::ErrorResp(alloy::rpc::json_rpc::ErrorPayload {
            code: -32005,
            message: "query timeout exceeded".into(),
            data: None,
        });
        assert!(is_range_too_large(&limit));
        let range = RpcError::ErrorResp(alloy::rpc::json_rpc::ErrorPayload {
            code: -32000,
            message: "block range is too wide".into(),
            data: None,
        });
        assert!(is_range_too_large(&range));
        let other = RpcError::ErrorResp(alloy::rpc::json_rpc::ErrorPayload {
            code: -32000,
            message: "header not found".into(),
            data: None,
        });
        assert!(!is_range_too_large(&other));
    }
}
