//! Reading the chain: the shared RPC client ([`swan_contracts::rpc`]: failover and retries in
//! alloy's transport layers) with a per-call timeout, ranges that adapt to what the RPC accepts,
//! and the classification of RPC faults (the one place that reads RPC error text).

use std::time::Duration;

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{B256, Bloom, BloomInput},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, Log},
    transports::{RpcError, TransportErrorKind},
};
use swan_contracts::{
    Manifest,
    rpc::{self, RpcOptions},
};

use crate::{
    events::{self, DecodeError, SwanEvent},
    store::{BlockRow, LogRow},
};

/// What went wrong talking to the RPC, as far as what to do next is concerned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// The RPC refused the range (too many results, range or response too large): split it.
    #[error("range refused: {0}")]
    TooLarge(String),
    /// Rate limited (HTTP 429 or a rate-limit error): back off.
    #[error("rate limited: {0}")]
    RateLimited(String),
    /// No answer within the timeout: back off, then a smaller range.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// Anything else transient (connection refused, 5xx, malformed or truncated JSON): retry
    /// with backoff on the next endpoint.
    #[error("{0}")]
    Transient(String),
    /// The chain changed under a range (a log's block hash differs from the header fetched):
    /// fetch the range again.
    #[error("block {0} changed while its range was being read")]
    Moving(u64),
}

/// Classify an RPC error.
pub fn classify(e: &RpcError<TransportErrorKind>) -> Fault {
    if let Some(TransportErrorKind::HttpError(h)) = e.as_transport_err()
        && h.status == 429
    {
        return Fault::RateLimited(format!("HTTP 429 {}", truncate(&h.body)));
    }
    if let Some(resp) = e.as_error_resp() {
        let msg = resp.message.to_ascii_lowercase();
        if msg.contains("rate limit") || msg.contains("too many requests") || resp.code == 429 {
            return Fault::RateLimited(resp.message.to_string());
        }
        if resp.code == -32005
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
        {
            return Fault::TooLarge(resp.message.to_string());
        }
    }
    Fault::Transient(truncate(&e.to_string()))
}

fn truncate(s: &str) -> String {
    let s = s.trim();
    if s.len() > 200 {
        format!("{}…", &s[..s.floor_char_boundary(200)])
    } else {
        s.to_owned()
    }
}

/// Block ranges that grow while the RPC keeps up and halve when it refuses; they also shrink
/// when a range brings more logs than `target_logs` (bounded memory per range).
#[derive(Debug, Clone)]
pub struct RangeSizer {
    size: u64,
    max: u64,
    target_logs: usize,
}

impl RangeSizer {
    /// Start at `initial` blocks per range, never above `max`.
    pub fn new(initial: u64, max: u64) -> Self {
        Self {
            size: initial.clamp(1, max.max(1)),
            max: max.max(1),
            target_logs: 20_000,
        }
    }

    /// Aim for at most `n` logs per range.
    pub fn with_target_logs(mut self, n: usize) -> Self {
        self.target_logs = n.max(1);
        self
    }

    /// The current range size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// A range went through: grow (or shrink when it brought too many logs).
    pub fn grow(&mut self) {
        self.size = (self.size * 2).min(self.max);
    }

    /// A range of `blocks` blocks brought `logs` logs: size the next one to about the target
    /// at this density (at most doubling at a time; doubling when the range was empty).
    pub fn observe(&mut self, blocks: u64, logs: usize) {
        if logs == 0 {
            self.grow();
            return;
        }
        let per_block = (logs as u64).div_ceil(blocks.max(1)).max(1);
        let fit = (self.target_logs as u64 / per_block).max(1);
        self.size = fit.min(self.size.saturating_mul(2)).clamp(1, self.max);
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

/// Why a fetched range cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// An RPC fault (see [`Fault`]).
    #[error("RPC {url}: {fault}")]
    Rpc {
        /// The endpoint (credentials removed).
        url: String,
        /// What happened.
        fault: Fault,
    },
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
}

/// A range read from the chain, ready to write.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// First block.
    pub from: u64,
    /// Last block.
    pub to: u64,
    /// Headers: every block of the range when `full`, else blocks with logs and the last block.
    pub blocks: Vec<BlockRow>,
    /// Raw logs, in chain order.
    pub logs: Vec<LogRow>,
    /// The logs decoded.
    pub events: Vec<SwanEvent>,
}

impl Fetched {
    /// The range's last header.
    pub fn last(&self) -> &BlockRow {
        self.blocks
            .last()
            .expect("a range always has its last header")
    }
}

/// The RPC endpoints of a deployment behind one provider: its transport fails over and retries,
/// this adds a timeout per call and counts the faults that came through.
#[derive(Debug, Clone)]
pub struct Rpc {
    urls: String,
    provider: DynProvider,
    timeout: Duration,
    faults: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

fn hex(b: &[u8]) -> String {
    format!("0x{}", alloy::primitives::hex::encode(b))
}

impl Rpc {
    /// Endpoints from their URLs (at least one), in order of preference.
    pub fn new(urls: &[String], timeout: Duration) -> Result<Self, String> {
        let opts = RpcOptions {
            timeout,
            ..RpcOptions::default()
        };
        Ok(Self {
            urls: urls.join(", "),
            provider: rpc::connect(urls, opts).map_err(|e| e.to_string())?,
            timeout,
            faults: Default::default(),
        })
    }

    /// The endpoints.
    pub fn urls(&self) -> &str {
        &self.urls
    }

    /// The provider (over every endpoint).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    fn err(&self, fault: Fault) -> FetchError {
        FetchError::Rpc {
            url: self.urls.clone(),
            fault,
        }
    }

    /// Faults that came through the transport's retries so far.
    pub fn faults(&self) -> u64 {
        self.faults.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// One read within the timeout (the transport has retried what was worth retrying).
    async fn call<T, F, M>(&self, make: M) -> Result<T, FetchError>
    where
        M: FnOnce() -> F,
        F: std::future::IntoFuture<Output = Result<T, RpcError<TransportErrorKind>>>,
    {
        let fault = match tokio::time::timeout(self.timeout, make()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => classify(&e),
            Err(_) => Fault::Timeout(self.timeout),
        };
        self.faults
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Err(self.err(fault))
    }

    /// The chain id the endpoint serves.
    pub async fn chain_id(&self) -> Result<u64, FetchError> {
        self.call(|| self.provider().get_chain_id()).await
    }

    /// The latest block number.
    pub async fn head(&self) -> Result<u64, FetchError> {
        self.call(|| self.provider().get_block_number()).await
    }

    /// The chain's finalized block, or None when the chain has no such tag.
    pub async fn finalized(&self) -> Result<Option<u64>, FetchError> {
        match self
            .call(|| {
                self.provider()
                    .get_block_by_number(BlockNumberOrTag::Finalized)
            })
            .await
        {
            Ok(b) => Ok(b.map(|b| b.header.number)),
            Err(FetchError::Rpc {
                fault: Fault::Transient(_) | Fault::TooLarge(_),
                ..
            }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// One header.
    pub async fn header(&self, number: u64) -> Result<BlockRow, FetchError> {
        Ok(self.header_with_bloom(number).await?.0)
    }

    /// One header and its logs bloom.
    async fn header_with_bloom(&self, number: u64) -> Result<(BlockRow, Bloom), FetchError> {
        let block = self
            .call(|| {
                self.provider()
                    .get_block_by_number(BlockNumberOrTag::Number(number))
            })
            .await?
            .ok_or_else(|| {
                self.err(Fault::Transient(format!(
                    "the RPC has no block {number} (is it still syncing?)"
                )))
            })?;
        let row = BlockRow {
            number,
            hash: hex(block.header.hash.as_slice()),
            parent_hash: hex(block.header.parent_hash.as_slice()),
            timestamp: block.header.timestamp,
        };
        Ok((row, block.header.logs_bloom))
    }

    /// Headers of `from..=to` with their logs blooms, several requests in flight.
    async fn headers(&self, from: u64, to: u64) -> Result<Vec<(BlockRow, Bloom)>, FetchError> {
        let mut out = Vec::with_capacity((to + 1 - from) as usize);
        let numbers: Vec<u64> = (from..=to).collect();
        for chunk in numbers.chunks(16) {
            let got =
                futures_util::future::join_all(chunk.iter().map(|n| self.header_with_bloom(*n)))
                    .await;
            for h in got {
                out.push(h?);
            }
        }
        Ok(out)
    }

    /// Read blocks `from..=to` of the market and its registry. With `full`, every header of the range is
    /// fetched and each log's block hash checked against it (the unfinalized part of the
    /// chain); otherwise only the last header is (final blocks cannot change).
    pub async fn range(
        &self,
        manifest: &Manifest,
        from: u64,
        to: u64,
        full: bool,
    ) -> Result<Fetched, FetchError> {
        let filter = Filter::new()
            .address(vec![manifest.market, manifest.registry])
            .from_block(from)
            .to_block(to);
        let logs = self.call(|| self.provider().get_logs(&filter)).await?;
        let mut rows = Vec::with_capacity(logs.len());
        let mut events = Vec::with_capacity(logs.len());
        for log in &logs {
            let (row, event) = decode(log)?;
            rows.push(row);
            events.push(event);
        }
        let blocks = if full {
            let headers = self.headers(from, to).await?;
            if let Err(n) = logs_match_headers(&rows, &headers) {
                return Err(self.err(Fault::Moving(n)));
            }
            // a block whose bloom names the market or the registry but that came back without
            // logs is read again by its hash: a log the range read left out is a moving chain
            // too (a bloom's false positive reads nothing and passes)
            let watched = [manifest.market, manifest.registry];
            for (h, bloom) in &headers {
                let named = watched
                    .iter()
                    .any(|a| bloom.contains_input(BloomInput::Raw(a.as_slice())));
                if named && !rows.iter().any(|r| r.block_number == h.number) {
                    let hash: B256 = h.hash.parse().map_err(|_| {
                        self.err(Fault::Transient(format!("block {} has no hash", h.number)))
                    })?;
                    let again = Filter::new().address(watched.to_vec()).at_block_hash(hash);
                    if !self
                        .call(|| self.provider().get_logs(&again))
                        .await?
                        .is_empty()
                    {
                        return Err(self.err(Fault::Moving(h.number)));
                    }
                }
            }
            headers.into_iter().map(|(row, _)| row).collect()
        } else {
            let mut blocks: Vec<BlockRow> = Vec::new();
            let mut missing_time = false;
            for (log, r) in logs.iter().zip(&rows) {
                if blocks.last().is_some_and(|b| b.number == r.block_number) {
                    continue;
                }
                missing_time |= log.block_timestamp.is_none();
                blocks.push(BlockRow {
                    number: r.block_number,
                    hash: hex(r.block_hash.as_slice()),
                    parent_hash: String::new(),
                    timestamp: log.block_timestamp.unwrap_or_default(),
                });
            }
            if missing_time {
                // this RPC does not put block times on logs: read the headers
                for b in &mut blocks {
                    *b = self.header(b.number).await?;
                }
            }
            let last = self.header(to).await?;
            if blocks.last().is_some_and(|b| b.number == to) {
                blocks.pop();
            }
            blocks.push(last);
            blocks
        };
        Ok(Fetched {
            from,
            to,
            blocks,
            logs: rows,
            events,
        })
    }
}

/// Whether every log belongs to the block it names, as `headers` (blocks `from..`, in order) have
/// them: the block hash matches, the block's logs bloom holds the log's address and topics, and
/// each header links to the one before. A node answering in the middle of a reorg can hand out a
/// log of a replaced block under the hash of the block that replaced it; the bloom tells. The
/// first block that does not fit is the error.
fn logs_match_headers(rows: &[LogRow], headers: &[(BlockRow, Bloom)]) -> Result<(), u64> {
    let Some(from) = headers.first().map(|(h, _)| h.number) else {
        return Ok(());
    };
    for r in rows {
        let Some((h, bloom)) = r
            .block_number
            .checked_sub(from)
            .and_then(|i| headers.get(i as usize))
        else {
            return Err(r.block_number);
        };
        let in_bloom = bloom.contains_input(BloomInput::Raw(r.address.as_slice()))
            && r.topics
                .iter()
                .all(|t| bloom.contains_input(BloomInput::Raw(t.as_slice())));
        if h.hash != hex(r.block_hash.as_slice()) || !in_bloom {
            return Err(r.block_number);
        }
    }
    for pair in headers.windows(2) {
        if pair[1].0.parent_hash != pair[0].0.hash {
            return Err(pair[1].0.number);
        }
    }
    Ok(())
}

fn decode(log: &Log) -> Result<(LogRow, SwanEvent), FetchError> {
    let block = log.block_number.unwrap_or_default();
    let index = log.log_index.unwrap_or_default();
    let event = events::decode(&log.inner).map_err(|source| FetchError::Decode {
        block,
        index,
        source,
    })?;
    let name = events::event_name(&log.inner).expect("a decoded log has a known signature");
    let row = LogRow {
        block_number: block,
        log_index: index,
        block_hash: log.block_hash.unwrap_or_default(),
        tx_hash: log.transaction_hash.unwrap_or_default(),
        address: log.address(),
        event: name.to_owned(),
        topics: log.topics().to_vec(),
        data: log.data().data.clone(),
    };
    Ok((row, event))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(code: i64, message: &str) -> RpcError<TransportErrorKind> {
        RpcError::ErrorResp(alloy::rpc::json_rpc::ErrorPayload {
            code,
            message: message.to_owned().into(),
            data: None,
        })
    }

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
    fn ranges_size_themselves_to_the_log_target() {
        let mut s = RangeSizer::new(1_000, 100_000).with_target_logs(10_000);
        s.observe(1_000, 50_000); // 50 logs per block
        assert_eq!(s.size(), 200);
        s.observe(200, 1_000); // far under target: grow, at most doubling
        assert_eq!(s.size(), 400);
        s.observe(400, 8_000); // 20 per block: 500 fit
        assert_eq!(s.size(), 500);
        s.observe(6, 3_000); // a short dense range: 500 per block, 20 fit
        assert_eq!(s.size(), 20);
        s.observe(20, 0); // empty: grow
        assert_eq!(s.size(), 40);
    }

    #[test]
    fn faults_are_classified() {
        assert!(matches!(
            classify(&resp(-32602, "query returned more than 10000 results")),
            Fault::TooLarge(_)
        ));
        assert!(matches!(
            classify(&resp(-32005, "query timeout exceeded")),
            Fault::TooLarge(_)
        ));
        assert!(matches!(
            classify(&resp(-32000, "block range is too wide")),
            Fault::TooLarge(_)
        ));
        assert!(matches!(
            classify(&resp(-32000, "Too Many Requests")),
            Fault::RateLimited(_)
        ));
        assert!(matches!(
            classify(&resp(-32000, "header not found")),
            Fault::Transient(_)
        ));
        let http = RpcError::Transport(TransportErrorKind::HttpError(
            alloy::transports::HttpError {
                status: 429,
                body: "slow down".into(),
            },
        ));
        assert!(matches!(classify(&http), Fault::RateLimited(m) if m.contains("slow down")));
        assert!(!matches!(
            classify(&resp(-32000, "header not found")),
            Fault::TooLarge(_)
        ));
    }

    /// Block `n` of a chain whose hashes are `0x…n`, its bloom holding `logs`.
    fn header(n: u64, logs: &[&LogRow]) -> (BlockRow, Bloom) {
        let h = |n: u64| hex(B256::with_last_byte(n as u8).as_slice());
        let mut bloom = Bloom::default();
        for l in logs {
            bloom.accrue(BloomInput::Raw(l.address.as_slice()));
            for t in &l.topics {
                bloom.accrue(BloomInput::Raw(t.as_slice()));
            }
        }
        let row = BlockRow {
            number: n,
            hash: h(n),
            parent_hash: h(n - 1),
            timestamp: n,
        };
        (row, bloom)
    }

    fn log(n: u64, topic: u8) -> LogRow {
        LogRow {
            block_number: n,
            log_index: 0,
            block_hash: B256::with_last_byte(n as u8),
            tx_hash: B256::repeat_byte(topic),
            address: alloy::primitives::Address::repeat_byte(0x5a),
            event: "TaskCreated".into(),
            topics: vec![B256::repeat_byte(topic), B256::repeat_byte(topic + 1)],
            data: Default::default(),
        }
    }

    #[test]
    fn a_log_must_be_in_the_bloom_of_the_block_it_names() {
        let (a, b) = (log(11, 1), log(12, 3));
        let headers = [header(10, &[]), header(11, &[&a]), header(12, &[&b])];
        assert_eq!(
            logs_match_headers(&[a.clone(), b.clone()], &headers),
            Ok(())
        );
        // a log handed out under block 12's hash while block 12 (as its header has it) holds
        // none: a replaced block's log under its replacement's hash
        let orphan = log(12, 7);
        assert_eq!(logs_match_headers(&[a.clone(), orphan], &headers), Err(12));
        // one topic of it is missing from the bloom
        let mut half = b.clone();
        half.topics[1] = B256::repeat_byte(9);
        assert_eq!(logs_match_headers(&[half], &headers), Err(12));
        // under another hash than its block's
        let mut moved = a.clone();
        moved.block_hash = B256::repeat_byte(0xee);
        assert_eq!(logs_match_headers(&[moved], &headers), Err(11));
        // a block outside the range
        assert_eq!(logs_match_headers(&[log(13, 1)], &headers), Err(13));
        // headers that do not link
        let mut unlinked = headers.clone();
        unlinked[2].0.parent_hash = "0x00".into();
        assert_eq!(logs_match_headers(&[a], &unlinked), Err(12));
    }
}
