//! The keeper loop. Each tick: read the chain's time, plan from the indexer's tables, write the
//! intents to the outbox, take the ones this keeper holds a lease on, send them (batched where
//! the market has a batch entry point), and follow what was sent.
//!
//! In a dry run the plan is simulated and printed — each call, its calldata, its simulated
//! outcome and the fee plan — and nothing is written or sent.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::Provider,
};
use swan_contracts::{Manifest, rpc::RpcOptions};
use swan_store::{Checkpoint, Store};

use crate::{
    allocate, calls,
    keylease::KeyLease,
    metrics::Metrics,
    outbox::{Claim, Key, Outbox, OutboxError, Status},
    plan::{Act, PlanError, Planner, Proposal},
    revert::Action,
    sender::{Call, Polled, SendConfig, SendError, Sender, now_ms},
    verify::{Attester, Fetcher, Validators},
};

/// How the keeper behaves.
#[derive(Debug, Clone)]
pub struct KeeperConfig {
    /// Longest pause between ticks.
    pub tick: Duration,
    /// How often the keeper looks at the indexer's checkpoint while it waits for the next
    /// tick: a new indexed block starts the next tick at once, so the keeper acts on new events
    /// within this much of their indexing instead of up to a whole tick later (one small
    /// query each time). At `tick` or more, ticks come only every `tick`.
    pub wake: Duration,
    /// How long a claimed intent is this keeper's before another may take it.
    pub claim_lease: Duration,
    /// Most intents in one `assignBatch` / `settleBatch`.
    pub batch_max: usize,
    /// Most intents claimed per tick.
    pub claim_max: u32,
    /// Print what would be sent; write and send nothing.
    pub dry_run: bool,
    /// The transaction sender.
    pub send: SendConfig,
    /// Allocation.
    pub alloc: allocate::Config,
    /// IPFS gateway for `ipfs://` results and specs.
    pub ipfs_gateway: String,
    /// Fetch `file://` results (a local devnet only).
    pub allow_files: bool,
    /// The validator programs it runs (none by default).
    pub validators: Validators,
    /// How long this process's hold on its key lasts without a heartbeat (renewed every tick)
    /// before another process may take the key over (see [`crate::keylease`]).
    pub key_lease: Duration,
}

impl Default for KeeperConfig {
    fn default() -> Self {
        Self {
            tick: Duration::from_millis(500),
            wake: Duration::from_millis(20),
            claim_lease: Duration::from_secs(60),
            batch_max: 100,
            claim_max: 1_000,
            dry_run: false,
            send: SendConfig::default(),
            alloc: allocate::Config::default(),
            ipfs_gateway: "https://ipfs.io".into(),
            allow_files: false,
            validators: Validators::default(),
            key_lease: Duration::from_secs(60),
        }
    }
}

/// Why the keeper stopped.
#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    /// Sending.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The outbox.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// Planning.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Recording verdicts.
    #[error(transparent)]
    Verdicts(#[from] crate::verdicts::VerdictError),
    /// The RPC.
    #[error("RPC: {0}")]
    Rpc(String),
    /// The key is held by another process.
    #[error(transparent)]
    Key(#[from] crate::keylease::LeaseError),
}

/// What one tick did.
#[derive(Debug, Default, Clone)]
pub struct Tick {
    /// The chain's time the plan was made at.
    pub now: u64,
    /// Intents proposed (new to the outbox).
    pub proposed: u32,
    /// Intents this keeper took.
    pub claimed: u32,
    /// Transactions sent.
    pub sent: u32,
    /// Intents dropped (moot), re-planned or alerted before sending, by action.
    pub refused: BTreeMap<String, u32>,
    /// What happened to transactions already sent.
    pub polled: Polled,
    /// In a dry run: one line per call.
    pub dry_run: Vec<String>,
}

/// One keeper (one key) on one database.
pub struct Keeper {
    store: Store,
    chain_id: u64,
    market: Address,
    outbox: Outbox,
    sender: Sender,
    planner: Planner,
    cfg: KeeperConfig,
    name: String,
    metrics: Arc<Metrics>,
    optimized_ms: u64,
    /// This process's hold on the key (none in a dry run, which signs nothing).
    key: Option<KeyLease>,
}

impl std::fmt::Debug for Keeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keeper").field("name", &self.name).finish()
    }
}

impl Keeper {
    /// A keeper for the deployment in `manifest`, reading and writing `store`, signing with
    /// `wallet` (address `from`), talking to `rpc_urls` in order.
    pub async fn open(
        store: Store,
        manifest: &Manifest,
        rpc_urls: &[String],
        wallet: EthereumWallet,
        from: Address,
        cfg: KeeperConfig,
    ) -> Result<Self, KeeperError> {
        let outbox = Outbox::open(&store).await?;
        let key = if cfg.dry_run {
            None
        } else {
            Some(
                KeyLease::acquire(
                    &store,
                    manifest.chain_id,
                    &format!("{from:#x}"),
                    cfg.key_lease,
                )
                .await?,
            )
        };
        let provider = swan_contracts::rpc::connect(rpc_urls, RpcOptions::default())
            .map_err(|e| SendError::Config(e.to_string()))?;
        let mut sender = Sender::open(
            &store,
            outbox.clone(),
            provider,
            wallet,
            from,
            manifest.chain_id,
            cfg.send.clone(),
        )
        .await?;
        if !cfg.dry_run {
            let n = sender.resume().await?;
            if n > 0 {
                tracing::info!(
                    n,
                    "broadcast again the transactions sent before the restart"
                );
            }
        }
        let attester = Attester {
            fetcher: Fetcher::new(&cfg.ipfs_gateway, cfg.allow_files, Duration::from_secs(20)),
            validators: cfg.validators.clone(),
        };
        Ok(Self {
            planner: Planner::new(manifest.chain_id, attester, cfg.alloc),
            store,
            chain_id: manifest.chain_id,
            market: manifest.market,
            outbox,
            sender,
            name: format!("{from:#x}"),
            cfg,
            metrics: Arc::new(Metrics::default()),
            optimized_ms: 0,
            key,
        })
    }

    /// The keeper's metrics (shared with its HTTP server).
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// What the HTTP API reads: the metrics, the store and the chain.
    pub fn api_state(&self) -> Arc<crate::api::ApiState> {
        Arc::new(crate::api::ApiState {
            metrics: self.metrics.clone(),
            store: self.store.clone(),
            chain_id: self.chain_id,
        })
    }

    /// The transaction sender.
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// The planner (its last allocation decisions and verdicts).
    pub fn planner(&self) -> &Planner {
        &self.planner
    }

    /// The chain's time for deadlines: the latest block's timestamp, or with `--confirmations
    /// N` the timestamp of the block N under the head — a block no reorg of that depth replaces,
    /// so every block mined after it, on any branch, is at least as late. (A deadline judged on
    /// the head's time can be undone: a reorg's replacement blocks may be a second earlier, and an
    /// `expire` sent for a deadline just passed is mined at it and reverts.)
    async fn chain_time(&self) -> Result<u64, KeeperError> {
        let p = self.sender.provider();
        let rpc = |e: alloy::transports::RpcError<_>| KeeperError::Rpc(e.to_string());
        let depth = self.cfg.alloc.confirmations;
        let at = if depth == 0 {
            alloy::eips::BlockNumberOrTag::Latest
        } else {
            let head = p.get_block_number().await.map_err(rpc)?;
            alloy::eips::BlockNumberOrTag::Number(head.saturating_sub(depth))
        };
        let b = p.get_block_by_number(at).await.map_err(rpc)?;
        Ok(b.map(|b| b.header.timestamp).unwrap_or(0))
    }

    /// One round: plan, propose, claim, send, follow.
    pub async fn tick(&mut self) -> Result<Tick, KeeperError> {
        if let Some(key) = &self.key {
            key.renew().await?;
        }
        let mut tick = Tick {
            now: self.chain_time().await?,
            ..Tick::default()
        };
        let t0 = std::time::Instant::now();
        let attempts = self.outbox.attempts(self.chain_id).await?;
        let proposals = self.planner.plan(&self.store, tick.now, &attempts).await?;
        for (task, replica, v) in self.planner.take_verdicts() {
            crate::verdicts::record(&self.store, self.chain_id, &task, replica, &v, now_ms())
                .await?;
        }
        let planned = t0.elapsed();
        if !self.planner.decisions.is_empty() {
            for d in self
                .planner
                .decisions
                .iter()
                .filter(|d| !d.chosen.is_empty())
            {
                tracing::info!(
                    task = %format!("{:#x}", d.task),
                    chosen = ?d.chosen.iter().map(|c| (c.provider, c.price, c.terms.cost)).collect::<Vec<_>>(),
                    eligible = d.eligible,
                    runner_up = ?d.runner_up.as_ref().map(|c| (c.provider, c.terms.cost)),
                    refused = ?d.refused,
                    "allocation"
                );
            }
            self.metrics.set_view(
                "decisions",
                self.planner
                    .decisions
                    .iter()
                    .map(allocate::Decision::to_json)
                    .collect(),
            );
        }
        if self.cfg.dry_run {
            self.dry_run(&proposals, &mut tick).await;
            return Ok(tick);
        }
        let now = now_ms();
        let intents: Vec<(Key, String)> = proposals
            .iter()
            .map(|p| {
                let key = Key {
                    chain_id: self.chain_id,
                    action: p.act.name().into(),
                    task: format!("{:#x}", p.task),
                    attempt: p.attempt,
                };
                (key, serde_json::to_string(&p.act).unwrap_or_default())
            })
            .collect();
        tick.proposed = self.outbox.propose_all(&intents, now).await?;
        self.outbox
            .renew(&self.name, now + self.cfg.send.lease.as_millis() as u64)
            .await?;
        let claims = self
            .outbox
            .claim(
                &self.name,
                now,
                self.cfg.claim_lease.as_millis() as u64,
                self.cfg.claim_max,
            )
            .await?;
        tick.claimed = claims.len() as u32;
        let mut groups: BTreeMap<String, Vec<Claim>> = BTreeMap::new();
        for c in claims {
            groups.entry(c.key.action.clone()).or_default().push(c);
        }
        'groups: for (action, group) in groups {
            let batchable = action == "assign" || action == "settle";
            let chunk = if batchable {
                self.cfg.batch_max.max(1)
            } else {
                1
            };
            for part in group.chunks(chunk) {
                if !self.send_part(part, &mut tick).await? {
                    // the RPC is down or the spending cap is reached: the rest waits
                    for c in &group {
                        self.outbox.release(c, now + 2_000).await?;
                    }
                    break 'groups;
                }
            }
        }
        let sent = t0.elapsed();
        if now.saturating_sub(self.optimized_ms) >= 10_000 {
            self.optimized_ms = now;
            self.publish_optimization(tick.now).await;
        }
        tick.polled = self.sender.poll(now_ms()).await?;
        tracing::debug!(
            plan_ms = planned.as_millis() as u64,
            send_ms = (sent - planned).as_millis() as u64,
            poll_ms = (t0.elapsed() - sent).as_millis() as u64,
            proposals = proposals.len(),
            claimed = tick.claimed,
            sent = tick.sent,
            "tick timing"
        );
        self.metrics
            .tick_done(tick.sent, &tick.refused, &tick.polled);
        let (pending, sent, _, _) = self.outbox.counts().await?;
        self.metrics.pending.set((pending + sent) as i64);
        Ok(tick)
    }

    /// Utilization and suggested prices, for `/utilization` and `/prices` (every 10 s).
    async fn publish_optimization(&self, chain_now: u64) {
        let offers = match crate::market::offers(&self.store, self.chain_id).await {
            Ok(o) => o,
            Err(e) => return tracing::warn!(error = %e, "utilization and prices not computed"),
        };
        self.metrics.set_view(
            "utilization",
            serde_json::to_value(crate::optimize::utilization(&offers)).unwrap_or_default(),
        );
        match crate::optimize::suggested_prices(&self.store, self.chain_id, &offers, chain_now)
            .await
        {
            Ok(p) => self
                .metrics
                .set_view("prices", serde_json::to_value(p).unwrap_or_default()),
            Err(e) => tracing::warn!(error = %e, "suggested prices not computed"),
        }
    }

    /// Send one part (a batch, or one intent). False when sending must stop for this tick.
    async fn send_part(&mut self, part: &[Claim], tick: &mut Tick) -> Result<bool, KeeperError> {
        let now = now_ms();
        let mut items = Vec::new();
        let mut ok_claims = Vec::new();
        for c in part {
            match (
                serde_json::from_str::<Act>(&c.payload),
                c.key.task.parse::<U256>(),
            ) {
                (Ok(act), Ok(task)) => {
                    items.push((task, act));
                    ok_claims.push(c.clone());
                }
                _ => {
                    tracing::error!(action = %c.key.action, task = %c.key.task, "an intent's payload does not parse: alert");
                    self.finish(c, Status::Alert, now, tick).await?;
                }
            }
        }
        if items.is_empty() {
            return Ok(true);
        }
        if items.len() > 1
            && let Some(Ok(data)) = calls::batch(&items)
        {
            let call = Call {
                to: self.market,
                data,
            };
            match self.sender.send(&call, &ok_claims).await {
                Ok(hash) => {
                    tracing::info!(action = %ok_claims[0].key.action, n = items.len(), tx = %hash, "sent a batch");
                    tick.sent += 1;
                    return Ok(true);
                }
                Err(SendError::Reverts(r)) => {
                    // one of them is stale or moot: send them one by one
                    tracing::debug!(error = %r.error, "the batch would revert: sending one by one");
                }
                Err(SendError::Outbox(OutboxError::LeaseLost { .. })) => {
                    // another keeper took one of them over: nothing was stored or sent; the
                    // others go one by one
                    tracing::debug!("a lease in the batch was lost: sending one by one");
                }
                Err(e) => return self.stop(e),
            }
        }
        for ((task, act), c) in items.iter().zip(&ok_claims) {
            let data = match calls::single(*task, act) {
                Ok(d) => d,
                Err(e) => {
                    tracing::error!(error = %e, "alert");
                    self.finish(c, Status::Alert, now, tick).await?;
                    continue;
                }
            };
            let call = Call {
                to: self.market,
                data,
            };
            match self.sender.send(&call, std::slice::from_ref(c)).await {
                Ok(hash) => {
                    tracing::info!(action = %c.key.action, task = %c.key.task, tx = %hash, "sent");
                    tick.sent += 1;
                }
                Err(SendError::Reverts(r)) => {
                    let status = match r.action {
                        Action::Drop => Status::Dropped,
                        Action::Replan => Status::Replan,
                        Action::Alert => Status::Alert,
                        Action::Retry { .. } => {
                            self.outbox
                                .record(c, Status::Pending, None, now + 2_000, now)
                                .await?;
                            continue;
                        }
                    };
                    tracing::info!(action = %c.key.action, task = %c.key.task, error = %r.error, ?status, "not sent: the call would revert");
                    self.finish(c, status, now, tick).await?;
                }
                Err(SendError::Outbox(OutboxError::LeaseLost { action, task, .. })) => {
                    // nothing was stored or sent: the keeper that took it over acts
                    tracing::info!(%action, %task, "another keeper took this intent over");
                }
                Err(e) => return self.stop(e),
            }
        }
        Ok(true)
    }

    fn stop(&self, e: SendError) -> Result<bool, KeeperError> {
        match e {
            SendError::Rpc(_) | SendError::SpendCap { .. } => {
                tracing::warn!(error = %e, "sending paused for this tick");
                self.metrics.paused.inc();
                Ok(false)
            }
            other => Err(other.into()),
        }
    }

    async fn finish(
        &self,
        c: &Claim,
        status: Status,
        now: u64,
        tick: &mut Tick,
    ) -> Result<(), KeeperError> {
        *tick.refused.entry(c.key.action.clone()).or_default() += 1;
        match self.outbox.record(c, status, None, 0, now).await {
            Ok(()) | Err(OutboxError::LeaseLost { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    async fn dry_run(&self, proposals: &[Proposal], tick: &mut Tick) {
        let fees = self.sender.fees().await.ok();
        for p in proposals {
            let line = match calls::single(p.task, &p.act) {
                Ok(data) => {
                    let call = Call {
                        to: self.market,
                        data: data.clone(),
                    };
                    // the gas estimate runs the call: the simulation and the gas in one request
                    let sim = match self.sender.gas(&call).await {
                        Ok(g) => format!("ok, gas limit {g}"),
                        Err(e) => format!("would not be sent: {e}"),
                    };
                    let fee = fees
                        .map(|(max, prio)| {
                            format!("max fee {max} wei/gas, priority {prio} wei/gas")
                        })
                        .unwrap_or_else(|| "fees unknown".into());
                    format!(
                        "{} task {:#x} attempt {} to {:#x} calldata {data} | simulated: {sim} | {fee}",
                        p.act.name(),
                        p.task,
                        p.attempt,
                        self.market
                    )
                }
                Err(e) => format!("{} task {:#x}: {e}", p.act.name(), p.task),
            };
            tick.dry_run.push(line);
        }
    }

    /// Where the indexer has got to on this market (block and hash); None when it has not
    /// started, or the database cannot be read (the tick will say why).
    async fn checkpoint(&self) -> Option<Checkpoint> {
        self.store
            .checkpoint(self.chain_id, &format!("{:#x}", self.market))
            .await
            .ok()
            .flatten()
    }

    /// Wait until `tick` has passed since `started`, or the indexer's checkpoint is no longer
    /// `seen` (looked at every `wake`); false when `stop` resolved first.
    async fn wait(
        &self,
        started: tokio::time::Instant,
        seen: &Option<Checkpoint>,
        stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> bool {
        let until = started + self.cfg.tick;
        loop {
            let now = tokio::time::Instant::now();
            if now >= until {
                return true;
            }
            let next = if self.cfg.wake < self.cfg.tick {
                (now + self.cfg.wake).min(until)
            } else {
                until
            };
            tokio::select! {
                _ = stop.as_mut() => return false,
                _ = tokio::time::sleep_until(next) => {}
            }
            if next < until && self.checkpoint().await != *seen {
                return true;
            }
        }
    }

    /// Tick until `stop` resolves: every `tick`, and as soon as the indexer has indexed a new
    /// block (see [`KeeperConfig::wake`]).
    pub async fn run(
        &mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), KeeperError> {
        tokio::pin!(stop);
        loop {
            let started = tokio::time::Instant::now();
            let seen = self.checkpoint().await;
            match self.tick().await {
                Ok(t) => {
                    if t.proposed + t.sent + t.polled.mined + t.polled.finalized > 0 {
                        tracing::debug!(?t, "tick");
                    }
                }
                Err(KeeperError::Rpc(e)) => {
                    tracing::warn!(error = %e, "RPC unavailable: retrying next tick");
                    self.metrics.paused.inc();
                }
                Err(KeeperError::Send(SendError::Rpc(e))) => {
                    tracing::warn!(error = %e, "RPC unavailable: retrying next tick");
                    self.metrics.paused.inc();
                }
                Err(e) => return Err(e),
            }
            if !self.wait(started, &seen, &mut stop).await {
                if let Some(key) = &self.key {
                    key.release().await?;
                }
                return Ok(());
            }
        }
    }
}
