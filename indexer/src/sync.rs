//! The sync loop: from the checkpoint (or the deployment block) to the head in adaptive ranges,
//! then following the head; detecting forks by parent hash and rolling back past them; marking
//! blocks final from the chain's `finalized` tag or a configured depth.

use std::{io::IsTerminal, time::Duration};

use indicatif::{ProgressBar, ProgressStyle};
use swan_contracts::Manifest;

use crate::{
    fetch::{Fault, FetchError, Fetched, RangeSizer, Rpc},
    status::{SharedStatus, now_ms},
    store::{Checkpoint, RangeWrite, Store, StoreError, StoreWrite},
};

/// How the loop behaves.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Blocks below the head treated as final when the chain has no `finalized` tag.
    pub finality_depth: u64,
    /// Wait between polls once caught up.
    pub poll: Duration,
    /// First range size, in blocks.
    pub initial_range: u64,
    /// Largest range, in blocks.
    pub max_range: u64,
    /// Aim for at most this many logs per range (bounds memory).
    pub target_logs: usize,
    /// Longest backoff after RPC faults.
    pub max_backoff: Duration,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            finality_depth: 64,
            poll: Duration::from_millis(200),
            initial_range: 10,
            max_range: 100_000,
            target_logs: 5_000,
            max_backoff: Duration::from_secs(10),
            progress: std::io::stderr().is_terminal(),
        }
    }
}

/// Why the loop stopped (faults it can retry never stop it).
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The database failed, or refused the range.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A log did not decode.
    #[error(transparent)]
    Decode(FetchError),
    /// The chain replaced a block it had reported final.
    #[error(
        "the chain replaced block {block} after reporting it final (indexed as {stored}, now {now}): final blocks are not undone, so this database no longer matches the chain; index again into a new database, and check the node's finality"
    )]
    FinalityBroken {
        /// The block.
        block: u64,
        /// Its hash as indexed.
        stored: String,
        /// Its hash now.
        now: String,
    },
    /// The RPC serves another chain than the manifest's.
    #[error(
        "the RPC serves chain {found}, the manifest is for chain {expected}: check --rpc-url or the manifest"
    )]
    WrongChain {
        /// The manifest's chain id.
        expected: u64,
        /// The RPC's.
        found: u64,
    },
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A range was written.
    Wrote {
        /// First block.
        from: u64,
        /// Last block.
        to: u64,
        /// Events written.
        events: u64,
    },
    /// Nothing new: at the head.
    Idle,
    /// A fork was rolled back to `keep`.
    Reorg {
        /// Last block kept.
        keep: u64,
        /// Blocks dropped.
        depth: u64,
    },
    /// An RPC fault; retry after the backoff.
    Fault(String),
}

/// A range being read in the background.
type Reading = tokio::task::JoinHandle<Result<Fetched, FetchError>>;

/// The sync loop of one market.
#[derive(Debug)]
pub struct Syncer {
    store: Store,
    manifest: Manifest,
    market: String,
    rpc: Rpc,
    sizer: RangeSizer,
    cfg: SyncConfig,
    status: SharedStatus,
    failures: u32,
    bar: Option<ProgressBar>,
    /// A range read ahead: its first block, whether it is read with headers, the read.
    ahead: Option<(u64, bool, Reading)>,
    written: u64,
    /// Head and final block last read, and the steps since.
    tips: Option<(u64, u64, u32)>,
    /// The last block to index (`run`'s `until`): no range reaches past it.
    stop_at: Option<u64>,
}

impl Syncer {
    /// A loop over `manifest`'s market, reading through `rpc` and writing to `store`.
    pub fn new(
        store: Store,
        manifest: Manifest,
        rpc: Rpc,
        cfg: SyncConfig,
        status: SharedStatus,
    ) -> Self {
        let market = format!("{:#x}", manifest.market);
        let sizer =
            RangeSizer::new(cfg.initial_range, cfg.max_range).with_target_logs(cfg.target_logs);
        Self {
            store,
            manifest,
            market,
            rpc,
            sizer,
            cfg,
            status,
            failures: 0,
            bar: None,
            ahead: None,
            written: 0,
            tips: None,
            stop_at: None,
        }
    }

    /// The status this loop reports to.
    pub fn status(&self) -> &SharedStatus {
        &self.status
    }

    /// Check the RPC serves the manifest's chain.
    pub async fn check_chain(&self) -> Result<(), SyncError> {
        match self.rpc.chain_id().await {
            Ok(found) if found != self.manifest.chain_id => Err(SyncError::WrongChain {
                expected: self.manifest.chain_id,
                found,
            }),
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the chain id yet");
                Ok(())
            }
        }
    }

    /// Run until the checkpoint reaches `until` (or forever with None), retrying RPC faults.
    pub async fn run(&mut self, until: Option<u64>) -> Result<(), SyncError> {
        self.stop_at = until;
        self.check_chain().await?;
        loop {
            let step = match self.step().await {
                Ok(step) => step,
                // the database went away (restart, network, lock timeout): its transaction was
                // rolled back, so the range is simply retried
                Err(SyncError::Store(StoreError::Sql(e))) => Step::Fault(format!("database: {e}")),
                Err(e) => return Err(e),
            };
            match &step {
                Step::Wrote { .. } | Step::Reorg { .. } => self.failures = 0,
                Step::Idle => {
                    self.failures = 0;
                    if let Some(bar) = self.bar.take() {
                        bar.finish_and_clear();
                    }
                }
                Step::Fault(_) => {}
            }
            if let Some(target) = until {
                let cp = self
                    .store
                    .checkpoint(self.manifest.chain_id, &self.market)
                    .await
                    .ok()
                    .flatten();
                if cp.is_some_and(|c| c.block_number >= target) {
                    if let Some(bar) = self.bar.take() {
                        bar.finish_and_clear();
                    }
                    return Ok(());
                }
            }
            match step {
                Step::Idle => tokio::time::sleep(self.cfg.poll).await,
                Step::Fault(why) => {
                    self.failures += 1;
                    let backoff =
                        Duration::from_millis(100 * 2u64.saturating_pow(self.failures.min(10)))
                            .min(self.cfg.max_backoff);
                    tracing::warn!(%why, ?backoff, "fault; retrying");
                    tokio::time::sleep(backoff).await;
                }
                _ => {}
            }
        }
    }

    fn fault(&mut self, e: FetchError) -> Result<Step, SyncError> {
        let FetchError::Rpc { fault, .. } = &e else {
            return Err(SyncError::Decode(e));
        };
        match fault {
            Fault::TooLarge(_) | Fault::Timeout(_) => {
                self.sizer.shrink();
            }
            Fault::Moving(_) => {}
            Fault::RateLimited(_) | Fault::Transient(_) => {
                // a malformed or truncated answer may be a response-size limit: ask for less too
                // (the transport has already tried every endpoint)
                self.sizer.shrink();
            }
        }
        Ok(Step::Fault(e.to_string()))
    }

    /// One step: write the next range, roll back a fork, or find nothing to do.
    pub async fn step(&mut self) -> Result<Step, SyncError> {
        let before = self.rpc.faults();
        let step = self.step_inner().await;
        self.status.rpc_errors.inc_by(self.rpc.faults() - before);
        step
    }

    async fn step_inner(&mut self) -> Result<Step, SyncError> {
        let chain = self.manifest.chain_id;
        let cp = self.store.checkpoint(chain, &self.market).await?;
        let next = cp
            .as_ref()
            .map(|c| c.block_number + 1)
            .unwrap_or(self.manifest.start_block);
        // deep in a backfill (the next range is final for sure) the head and the final block
        // are re-read only every few steps: they only move forward
        let (head, finalized) = match self.tips {
            Some((head, finalized, steps))
                if steps < 16 && next.saturating_add(self.sizer.size()) <= finalized =>
            {
                self.tips = Some((head, finalized, steps + 1));
                (head, finalized)
            }
            _ => {
                let head = match self.rpc.head().await {
                    Ok(h) => h,
                    Err(e) => return self.fault(e),
                };
                let finalized = match self.rpc.finalized().await {
                    Ok(Some(f)) => f.min(head),
                    Ok(None) => head.saturating_sub(self.cfg.finality_depth),
                    Err(e) => return self.fault(e),
                };
                self.tips = Some((head, finalized, 0));
                if let Some(cp) = &cp {
                    let f = finalized.min(cp.block_number);
                    // a stored block becomes final only if the chain still has it: one replaced
                    // while this indexer was away (killed, or behind) and since made final on
                    // the new branch is a reorg to undo first, while its undo journal exists
                    if let Some(b) = self.store.newest_unfinal_block(chain, f).await? {
                        match self.rpc.header(b.number).await {
                            Ok(h) if h.hash != b.hash => return self.reorg(cp, head).await,
                            Ok(_) => {}
                            Err(e) => return self.fault(e),
                        }
                    }
                    self.store.finalize(chain, &self.market, f).await?;
                    self.status.finalized.set(f as i64);
                }
                (head, finalized)
            }
        };
        self.status.head.set(head as i64);
        // with a last block to index, it is the head as far as ranges go
        if let Some(stop) = self.stop_at
            && next > stop
        {
            return Ok(Step::Idle);
        }
        let head = self.stop_at.map_or(head, |stop| head.min(stop));
        if next > head {
            // caught up: the last block written must still be the chain's
            let Some(cp) = cp else {
                self.status.progress(head, head);
                return Ok(Step::Idle);
            };
            if cp.block_number > head {
                return self.reorg(&cp, head).await;
            }
            match self.rpc.header(cp.block_number).await {
                Ok(h) if h.hash != cp.block_hash && !cp.block_hash.is_empty() => {
                    return self.reorg(&cp, head).await;
                }
                Ok(_) => {}
                Err(e) => return self.fault(e),
            }
            self.status.progress(head, cp.block_number);
            return Ok(Step::Idle);
        }
        let started = std::time::Instant::now();
        // a range read ahead while the previous one was written; like any range, it is checked
        // against the checkpoint below before it is written
        let ahead = match self.ahead.take() {
            Some((from, full, task)) if from == next => task
                .await
                .ok()
                .and_then(Result::ok)
                .filter(|f| f.to <= head)
                .map(|f| (f, full)),
            Some((_, _, task)) => {
                task.abort();
                None
            }
            None => None,
        };
        let (fetched, full) = match ahead {
            Some(ahead) => ahead,
            None => {
                let to = (next + self.sizer.size() - 1).min(head);
                let full = to > finalized;
                match self.rpc.range(&self.manifest, next, to, full).await {
                    Ok(f) => (f, full),
                    Err(e) => return self.fault(e),
                }
            }
        };
        let to = fetched.to;
        // read the next range while this one is written (not once at the head: there the next
        // range is a block that does not exist yet); a range past the final block is read with
        // its headers, so its own links are checked
        let (from, upto) = (to + 1, (to + self.sizer.size()).min(head));
        if from <= upto {
            let ahead_full = upto > finalized;
            let (rpc, manifest) = (self.rpc.clone(), self.manifest.clone());
            let task =
                tokio::spawn(async move { rpc.range(&manifest, from, upto, ahead_full).await });
            self.ahead = Some((from, ahead_full, task));
        }
        if let Some(cp) = &cp
            && !cp.block_hash.is_empty()
        {
            let parent = if full {
                fetched.blocks[0].parent_hash.clone()
            } else {
                match self.rpc.header(next).await {
                    Ok(h) => h.parent_hash,
                    Err(e) => return self.fault(e),
                }
            };
            if parent != cp.block_hash {
                return self.reorg(cp, head).await;
            }
        }
        let fetched_in = started.elapsed();
        let events = self.write(&fetched, cp, finalized).await?;
        self.written += 1;
        if self.written.is_power_of_two() || self.written.is_multiple_of(64) {
            self.store.analyze().await?;
        }
        tracing::debug!(
            from = next,
            to,
            events,
            fetch_ms = fetched_in.as_millis() as u64,
            write_ms = (started.elapsed() - fetched_in).as_millis() as u64,
            "range timing"
        );
        self.sizer.observe(to + 1 - next, fetched.logs.len());
        let secs = started.elapsed().as_secs_f64().max(1e-6);
        self.status.events.inc_by(events);
        self.status.events_per_second.set(events as f64 / secs);
        self.status.progress(head, to);
        self.show(next, to, head, events, secs);
        Ok(Step::Wrote {
            from: next,
            to,
            events,
        })
    }

    async fn write(
        &self,
        f: &Fetched,
        after: Option<Checkpoint>,
        finalized: u64,
    ) -> Result<u64, SyncError> {
        let last = f.last();
        let stats = self
            .store
            .apply_range(&RangeWrite {
                chain_id: self.manifest.chain_id,
                market: &self.market,
                after,
                blocks: &f.blocks,
                logs: &f.logs,
                events: &f.events,
                last: Checkpoint {
                    block_number: last.number,
                    block_hash: last.hash.clone(),
                },
                journal_from: Some(finalized + 1),
            })
            .await?;
        Ok(stats.logs)
    }

    fn show(&mut self, from: u64, to: u64, head: u64, events: u64, secs: f64) {
        let start = self.manifest.start_block;
        if self.cfg.progress && head.saturating_sub(to) > 1_000 && self.bar.is_none() {
            let bar = ProgressBar::new(head.saturating_sub(start));
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} indexing [{bar:40}] {pos}/{len} blocks  {msg}  ETA {eta}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            self.bar = Some(bar);
        }
        if let Some(bar) = &self.bar {
            bar.set_length(head.saturating_sub(start));
            bar.set_position(to.saturating_sub(start));
            bar.set_message(format!("{:.0} events/s", events as f64 / secs));
        } else {
            tracing::info!(
                from,
                to,
                head,
                events,
                events_per_s = (events as f64 / secs) as u64,
                "range indexed"
            );
        }
    }

    /// The chain no longer has our last block: find the last block both share, roll back to
    /// it, and let the next steps index the new branch.
    async fn reorg(&mut self, cp: &Checkpoint, head: u64) -> Result<Step, SyncError> {
        let chain = self.manifest.chain_id;
        let finalized = self.store.finalized(chain, &self.market).await?;
        let stored = self.store.recent_blocks(chain, finalized, 4_096).await?;
        let final_stored = stored.iter().find(|b| b.number == finalized).cloned();
        let mut keep = None;
        for b in stored {
            if b.number > head {
                continue;
            }
            match self.rpc.header(b.number).await {
                Ok(h) if h.hash == b.hash => {
                    keep = Some(Checkpoint {
                        block_number: b.number,
                        block_hash: b.hash,
                    });
                    break;
                }
                Ok(_) => {}
                Err(e) => return self.fault(e),
            }
        }
        let keep = match keep {
            Some(k) => k,
            // nothing stored above the final block matches: keep what is final
            None if finalized >= self.manifest.start_block => {
                match self.rpc.header(finalized).await {
                    // the final block itself was replaced: what was written for it cannot be
                    // undone (its undo journal is gone with finality); stop rather than keep
                    // the old block's events under the new block's hash
                    Ok(h) if final_stored.as_ref().is_some_and(|b| b.hash != h.hash) => {
                        return Err(SyncError::FinalityBroken {
                            block: finalized,
                            stored: final_stored.map(|b| b.hash).unwrap_or_default(),
                            now: h.hash,
                        });
                    }
                    Ok(h) => Checkpoint {
                        block_number: finalized,
                        block_hash: h.hash,
                    },
                    Err(e) => return self.fault(e),
                }
            }
            None => Checkpoint {
                block_number: self.manifest.start_block.saturating_sub(1),
                block_hash: String::new(),
            },
        };
        let depth = self
            .store
            .rollback(chain, &self.market, &keep, now_ms() / 1000)
            .await?;
        self.status.reorgs.inc();
        tracing::warn!(
            from = cp.block_number,
            keep = keep.block_number,
            depth,
            "chain reorganised; rolled back"
        );
        Ok(Step::Reorg {
            keep: keep.block_number,
            depth,
        })
    }
}

/// Keep a syncer running: restart it (on the next RPC endpoint) when it makes no progress
/// for `stall` while the head moves, marking the status stalled meanwhile. Returns when the
/// syncer fails for a reason retrying cannot fix.
pub async fn supervise(
    make: impl Fn(u32) -> Syncer + Send + 'static,
    stall: Duration,
    status: SharedStatus,
) -> Result<(), SyncError> {
    let mut generation = 0u32;
    loop {
        let mut syncer = make(generation);
        let mut task = tokio::spawn(async move { syncer.run(None).await });
        let mut tick = tokio::time::interval(Duration::from_millis(250).min(stall / 4));
        loop {
            tokio::select! {
                done = &mut task => {
                    return match done {
                        Ok(r) => r,
                        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                        Err(_) => Ok(()),
                    };
                }
                _ = tick.tick() => {
                    if status.since_progress_ms() > stall.as_millis() as u64 {
                        status.set_stalled(true);
                        status.restarts.inc();
                        tracing::error!(stalled_ms = status.since_progress_ms(), "no progress: restarting the fetcher");
                        task.abort();
                        let _ = (&mut task).await;
                        // count the restart as a fresh start so the new fetcher gets its time
                        status.progress(status.head.get() as u64, status.checkpoint.get() as u64);
                        status.set_stalled(true);
                        generation += 1;
                        break;
                    }
                }
            }
        }
    }
}
