//! The agent's loop: register and stake, then on every poll read what is assigned to this
//! provider, run it, publish the result by content hash, submit it (commit, then reveal, in
//! quorum mode), keep services running and claim what they earn, and claim earnings.
//!
//! Every step is written to the journal before the next one starts, and every transaction is
//! one the market refuses with a typed error once it is done — so after a restart the agent
//! picks up where it was: finished work is never run again, a submitted result never sent twice.

use std::{
    collections::{BTreeSet, HashMap},
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, U256, keccak256},
    signers::local::PrivateKeySigner,
};
use serde_json::json;
use swan_contracts::{Manifest, SwanMarket::SwanMarketErrors as E};
use swan_spec::{TaskSpec, quorum_commit};
use tokio::task::JoinHandle;

use crate::{
    chain::{Chain, TxError},
    config::{Config, ConfigError, Fault},
    exec::{self, ExecError, Limits, Service},
    journal::{Entry, Journal, JournalError, Stage, key},
    ops,
    serve::{Shared, router},
    source::{Assignment, Source},
};

/// Why the agent cannot run.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The manifest.
    #[error(transparent)]
    Manifest(#[from] swan_contracts::ManifestError),
    /// The journal.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The HTTP endpoint.
    #[error("cannot listen on {addr}: {source} (change `listen` in the provider config)")]
    Listen {
        /// Where.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The chain.
    #[error("{0}")]
    Chain(String),
    /// A transaction while setting up.
    #[error(transparent)]
    Tx(#[from] TxError),
    /// Registering, staking or reading the provider's record.
    #[error(transparent)]
    Ops(#[from] ops::OpsError),
}

/// A batch run in flight.
type Run = JoinHandle<Result<Vec<u8>, ExecError>>;

/// Why a task's spec is not at hand.
#[derive(Debug)]
enum SpecProblem {
    /// It cannot be fetched now (tried again on the next poll).
    Unreachable(String),
    /// It is not a valid spec, or not the one the task committed to (the task is declined).
    Refused(String),
}

/// The agent.
#[derive(Debug)]
pub struct Agent {
    cfg: Config,
    chain: Chain,
    source: Source,
    journal: Journal,
    shared: Shared,
    endpoint: String,
    addr: SocketAddr,
    http: reqwest::Client,
    specs: HashMap<B256, TaskSpec>,
    runs: HashMap<String, Run>,
    services: HashMap<String, (Service, Instant)>,
    last_earnings: Option<Instant>,
    server: JoinHandle<()>,
    /// Results published and not yet submitted, gathered during a poll and submitted at its end.
    ready: Vec<(Assignment, String)>,
}

/// Most results in one `submitResults` (~40,000 gas each: far under a block's gas limit).
const SUBMIT_BATCH: usize = 100;

impl Drop for Agent {
    fn drop(&mut self) {
        self.server.abort();
        for (_, r) in self.runs.drain() {
            r.abort();
        }
    }
}

impl Agent {
    /// Open the journal, bind the endpoint, connect to the chain.
    pub async fn start(
        cfg: Config,
        owner: PrivateKeySigner,
        worker: PrivateKeySigner,
    ) -> Result<Self, AgentError> {
        let manifest = Manifest::load(&cfg.manifest)?;
        let start_block = manifest.start_block;
        let chain =
            Chain::connect(manifest, &cfg.rpc_urls, owner, worker).map_err(AgentError::Chain)?;
        let journal = Journal::open(&cfg.work_dir)?;
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .map_err(|source| AgentError::Listen {
                addr: cfg.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| AgentError::Listen {
            addr: cfg.listen,
            source,
        })?;
        let shared = Shared {
            results: journal.results_dir().to_owned(),
            healthy: Arc::new(Mutex::new(true)),
            services: Arc::new(Mutex::new(HashMap::new())),
            status: Arc::new(Mutex::new(json!({}))),
        };
        let app = router(shared.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            endpoint: cfg.endpoint(addr),
            source: Source::new(cfg.indexer_url.as_deref(), start_block),
            cfg,
            chain,
            journal,
            shared,
            addr,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("an HTTP client"),
            specs: HashMap::new(),
            runs: HashMap::new(),
            services: HashMap::new(),
            last_earnings: None,
            ready: Vec::new(),
            server,
        })
    }

    /// Where results and health are served.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The chain connection.
    pub fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Register (or update the registration: the endpoint may have moved) and top the stake up
    /// to the configured amount.
    pub async fn onboard(&self) -> Result<(), AgentError> {
        let c = &self.chain;
        let info = self.cfg.provider_info(c.owner, c.worker, &self.endpoint)?;
        ops::register(c, info).await?;
        let want = self.cfg.stake_amount()?;
        let unbonding = U256::from(ops::record(c).await?.unbonding);
        let have = ops::stake(c).await?.saturating_sub(unbonding);
        if have < want {
            ops::deposit(c, want - have).await?;
        }
        Ok(())
    }

    /// Poll until `stop` resolves; faults are logged and retried, a broken journal stops it.
    pub async fn run(
        mut self,
        stop: impl std::future::Future<Output = ()>,
    ) -> Result<(), AgentError> {
        tokio::pin!(stop);
        loop {
            if let Err(e) = self.tick().await {
                match e {
                    AgentError::Journal(_) => return Err(e),
                    other => tracing::warn!(error = %other, "provider tick"),
                }
            }
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(self.cfg.poll()) => {}
            }
        }
        for (_, (s, _)) in self.services.drain() {
            s.stop().await;
        }
        Ok(())
    }

    /// One poll.
    pub async fn tick(&mut self) -> Result<(), AgentError> {
        // results left over from a poll that failed midway are found again in the journal
        self.ready.clear();
        let owner = self.chain.owner;
        let assigned = match self.source.assigned(&self.chain, owner).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read assignments; retrying");
                return Ok(());
            }
        };
        let now = self
            .chain
            .now()
            .await
            .map_err(|e| AgentError::Chain(e.to_string()))?;
        let mut live = BTreeSet::new();
        for a in &assigned {
            let k = key(&a.task, a.replica);
            live.insert(k.clone());
            if a.mode == "service" {
                self.service(a, &k, now).await?;
            } else {
                self.batch(a, &k, now).await?;
            }
        }
        self.submit_ready().await?;
        // what is no longer live has ended (settled, expired, finished)
        let stale: Vec<String> = self
            .journal
            .entries()
            .iter()
            .filter(|(k, e)| !live.contains(*k) && !matches!(e.stage, Stage::Done | Stage::Failed))
            .map(|(k, _)| k.clone())
            .collect();
        for k in stale {
            if let Some((s, _)) = self.services.remove(&k) {
                s.stop().await;
            }
            if let Some(r) = self.runs.remove(&k) {
                r.abort();
            }
            self.set(&k, |e| e.stage = Stage::Done)?;
        }
        let alive: HashMap<String, bool> = self
            .services
            .iter_mut()
            .map(|(k, (s, _))| (k.clone(), s.alive()))
            .collect();
        *self.shared.healthy.lock().expect("not poisoned") = alive.values().all(|a| *a);
        *self.shared.services.lock().expect("not poisoned") = alive;
        self.claim_earnings().await;
        *self.shared.status.lock().expect("not poisoned") = json!({
            "owner": format!("{owner:#x}"),
            "worker": format!("{:#x}", self.chain.worker),
            "endpoint": self.endpoint,
            "running": self.runs.len(),
            "services": self.services.len(),
            "replicas": self.journal.entries(),
        });
        Ok(())
    }

    fn set(&mut self, k: &str, f: impl FnOnce(&mut Entry)) -> Result<(), AgentError> {
        let mut e = self.journal.get(k).cloned().unwrap_or(Entry {
            stage: Stage::Running,
            result: None,
            salt: None,
            error: None,
            runs: 0,
        });
        f(&mut e);
        self.journal.put(k, e)?;
        Ok(())
    }

    /// The task's spec, fetched once and checked against its hash on chain. A spec that cannot
    /// be fetched now is [`SpecProblem::Unreachable`] (tried again); one that is not a valid spec,
    /// or not the one the task committed to, is [`SpecProblem::Refused`] (declined).
    async fn spec(&mut self, a: &Assignment) -> Result<TaskSpec, SpecProblem> {
        if let Some(s) = self.specs.get(&a.spec_hash) {
            return Ok(s.clone());
        }
        let bytes = self
            .fetch_spec(&a.spec_uri)
            .await
            .map_err(SpecProblem::Unreachable)?;
        let parsed = TaskSpec::parse(&bytes).map_err(|e| SpecProblem::Refused(e.to_string()))?;
        if parsed.hash != a.spec_hash {
            return Err(SpecProblem::Refused(format!(
                "the spec at {} hashes to {} but the task says {}",
                a.spec_uri, parsed.hash, a.spec_hash
            )));
        }
        self.specs.insert(a.spec_hash, parsed.spec.clone());
        Ok(parsed.spec)
    }

    /// The task's spec; `None` when there is none to run now: it cannot be fetched yet (tried
    /// again on the next poll), or it was refused and the replica declined.
    async fn spec_or_decline(
        &mut self,
        a: &Assignment,
        k: &str,
    ) -> Result<Option<TaskSpec>, AgentError> {
        match self.spec(a).await {
            Ok(s) => Ok(Some(s)),
            Err(SpecProblem::Unreachable(e)) => {
                tracing::warn!(replica = k, error = %e, "cannot read the task spec; retrying");
                Ok(None)
            }
            Err(SpecProblem::Refused(why)) => self.decline(a, k, why).await.map(|()| None),
        }
    }

    /// The bytes at a spec URI (`file://` or `http(s)://`).
    async fn fetch_spec(&self, uri: &str) -> Result<Vec<u8>, String> {
        if let Some(path) = uri.strip_prefix("file://") {
            tokio::fs::read(path)
                .await
                .map_err(|e| format!("{uri}: {e}"))
        } else if uri.starts_with("http://") || uri.starts_with("https://") {
            let r = self
                .http
                .get(uri)
                .send()
                .await
                .and_then(|r| r.error_for_status())
                .map_err(|e| format!("{uri}: {e}"))?;
            Ok(r.bytes().await.map_err(|e| e.to_string())?.to_vec())
        } else {
            Err(format!(
                "spec URI {uri:?}: this agent fetches http(s):// and file://"
            ))
        }
    }

    /// Decline replica `k`, which this agent cannot run (`why`): the contract takes it back
    /// without a penalty while it is assigned and has no result, so a bad spec or an unrunnable
    /// program costs the provider nothing. A decline that does not go through is tried again.
    async fn decline(&mut self, a: &Assignment, k: &str, why: String) -> Result<(), AgentError> {
        tracing::warn!(replica = k, reason = %why, "declining a task this agent cannot run");
        match ops::decline(&self.chain, a.task, u64::from(a.replica)).await {
            Ok(()) => self.set(k, |e| {
                e.stage = Stage::Failed;
                e.error = Some(format!("declined: {why}"));
            }),
            Err(e) => {
                tracing::warn!(replica = k, error = %e, "the decline did not go through; trying again");
                Ok(())
            }
        }
    }

    fn dir(&self, k: &str) -> std::path::PathBuf {
        self.cfg.work_dir.join("tasks").join(k.replace('/', "-"))
    }

    async fn batch(&mut self, a: &Assignment, k: &str, now: u64) -> Result<(), AgentError> {
        let stage = self.journal.get(k).map(|e| e.stage);
        match (a.status.as_str(), stage) {
            ("assigned", None | Some(Stage::Running)) => self.run_batch(a, k, now).await,
            ("assigned", Some(Stage::Published)) => {
                self.ready.push((a.clone(), k.to_owned()));
                Ok(())
            }
            // sent before a crash, journaled after it
            ("submitted", Some(Stage::Published)) => self.set(k, |e| e.stage = Stage::Submitted),
            ("submitted", Some(Stage::Submitted)) if sealed(&a.mode) => self.reveal(a, k).await,
            ("assigned" | "submitted", _) => Ok(()),
            (_, Some(Stage::Done | Stage::Failed)) => Ok(()),
            _ => self.set(k, |e| e.stage = Stage::Done),
        }
    }

    async fn run_batch(&mut self, a: &Assignment, k: &str, now: u64) -> Result<(), AgentError> {
        if let Some(run) = self.runs.get(k) {
            if !run.is_finished() {
                return Ok(());
            }
            let run = self.runs.remove(k).expect("present");
            let out = run.await.unwrap_or_else(|e| {
                Err(ExecError::Start {
                    what: "the run".into(),
                    source: std::io::Error::other(e.to_string()),
                })
            });
            return match out {
                Ok(mut bytes) => {
                    if self.cfg.fault == Some(Fault::WrongResult) {
                        bytes = tamper(bytes);
                    }
                    let hash = keccak256(&bytes);
                    self.journal.store_result(hash, &bytes)?;
                    self.set(k, |e| {
                        e.stage = Stage::Published;
                        e.result = Some(hash);
                    })?;
                    tracing::info!(replica = k, result = %hash, "result published");
                    self.ready.push((a.clone(), k.to_owned()));
                    Ok(())
                }
                // no result: give the replica back rather than wait to be slashed for it
                Err(err) => self.decline(a, k, format!("the run failed: {err}")).await,
            };
        }
        let Some(spec) = self.spec_or_decline(a, k).await? else {
            return Ok(());
        };
        let due = a.result_by.saturating_sub(now).max(1);
        let wall = spec
            .run
            .timeout
            .unwrap_or(Duration::MAX)
            .min(Duration::from_secs(self.cfg.max_wall_secs))
            .min(Duration::from_secs(due));
        let limits = Limits {
            wall,
            max_output: self.cfg.max_output_bytes,
            allow_network: self.cfg.allow_network,
        };
        let dir = self.dir(k);
        self.set(k, |e| {
            e.stage = Stage::Running;
            e.runs += 1;
        })?;
        tracing::info!(replica = k, ?wall, "running");
        self.runs.insert(
            k.to_owned(),
            tokio::spawn(async move { exec::run_batch(&spec, &dir, limits).await }),
        );
        Ok(())
    }

    /// Submit every result published this poll: one `submitResults` for several (one
    /// transaction instead of one each), `submitResult` for one. When a batch is refused (one of
    /// its entries is, and the call is all or nothing) each is sent on its own, so each gets its
    /// own answer.
    async fn submit_ready(&mut self) -> Result<(), AgentError> {
        let ready = std::mem::take(&mut self.ready);
        for chunk in ready.chunks(SUBMIT_BATCH) {
            if let [(a, k)] = chunk {
                self.submit(a, k).await?;
                continue;
            }
            let mut entries = Vec::with_capacity(chunk.len());
            for (a, k) in chunk {
                if let Some(s) = self.submission(a, k)? {
                    entries.push((k, s));
                }
            }
            if entries.is_empty() {
                continue; // nothing published after all: no empty transaction
            }
            let m = self.chain.market();
            let tx = m
                .submitResults(
                    entries.iter().map(|(_, s)| s.0).collect(),
                    entries.iter().map(|(_, s)| s.1).collect(),
                    entries.iter().map(|(_, s)| s.2).collect(),
                    entries.iter().map(|(_, s)| s.3.clone()).collect(),
                )
                .into_transaction_request();
            match self.chain.as_worker("submitResults", tx).await {
                Ok(tx) => {
                    tracing::info!(results = entries.len(), %tx, "results submitted");
                    for (k, _) in &entries {
                        self.set(k, |e| e.stage = Stage::Submitted)?;
                    }
                }
                Err(e) => {
                    tracing::warn!(results = entries.len(), error = %e, "batch refused; submitting one by one");
                    for (a, k) in chunk {
                        self.submit(a, k).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// What to submit for a published result: task, replica, the value on chain (sealed modes:
    /// the commitment, with the salt journaled first, and no URI — the result stays private until
    /// the reveal) and the result's URI.
    fn submission(
        &mut self,
        a: &Assignment,
        k: &str,
    ) -> Result<Option<(U256, U256, B256, String)>, AgentError> {
        let Some(entry) = self.journal.get(k).cloned() else {
            return Ok(None);
        };
        let Some(hash) = entry.result else {
            return Ok(None);
        };
        let uri = self.result_uri(hash);
        if sealed(&a.mode) {
            let salt = match entry.salt {
                Some(s) => s,
                None => {
                    let s = B256::from(rand::random::<[u8; 32]>());
                    self.set(k, |e| e.salt = Some(s))?;
                    s
                }
            };
            let commitment = quorum_commit(a.task, U256::from(a.replica), hash, salt);
            return Ok(Some((
                a.task,
                U256::from(a.replica),
                commitment,
                String::new(),
            )));
        }
        Ok(Some((a.task, U256::from(a.replica), hash, uri)))
    }

    /// Where a result is served (by its hash).
    fn result_uri(&self, hash: B256) -> String {
        format!("{}/results/{hash:#x}", self.endpoint.trim_end_matches('/'))
    }

    /// Submit one published result.
    async fn submit(&mut self, a: &Assignment, k: &str) -> Result<(), AgentError> {
        let Some((task, replica, on_chain, uri)) = self.submission(a, k)? else {
            return Ok(());
        };
        let m = self.chain.market();
        let tx = m
            .submitResult(task, replica, on_chain, uri)
            .into_transaction_request();
        match self.chain.as_worker("submitResult", tx).await {
            Ok(tx) => {
                tracing::info!(replica = k, %tx, "result submitted");
                self.set(k, |e| e.stage = Stage::Submitted)
            }
            Err(e) => self.refused(k, e, Stage::Submitted),
        }
    }

    async fn reveal(&mut self, a: &Assignment, k: &str) -> Result<(), AgentError> {
        let Some(Entry {
            result: Some(hash),
            salt: Some(salt),
            ..
        }) = self.journal.get(k).cloned()
        else {
            return Ok(());
        };
        let m = self.chain.market();
        let uri = self.result_uri(hash);
        let tx = m
            .revealResult(a.task, U256::from(a.replica), hash, salt, uri)
            .into_transaction_request();
        match self.chain.as_worker("revealResult", tx).await {
            Ok(tx) => {
                tracing::info!(replica = k, %tx, "result revealed");
                self.set(k, |e| e.stage = Stage::Revealed)
            }
            Err(e) if matches!(e.market_error(), Some(E::TooEarly(_))) => Ok(()), // others still committing
            Err(e) => self.refused(k, e, Stage::Revealed),
        }
    }

    /// A refused call: done already (→ `done`), too late (→ failed), or retried next poll.
    fn refused(&mut self, k: &str, e: TxError, done: Stage) -> Result<(), AgentError> {
        match e.market_error() {
            Some(E::WrongReplicaStatus(_) | E::WrongTaskStatus(_)) => {
                self.set(k, |x| x.stage = done)
            }
            Some(E::TooLate(_)) => {
                tracing::warn!(replica = k, error = %e, "too late");
                self.set(k, |x| {
                    x.stage = Stage::Failed;
                    x.error = Some(e.to_string());
                })
            }
            _ => {
                tracing::warn!(replica = k, error = %e, "retrying next poll");
                Ok(())
            }
        }
    }

    async fn service(&mut self, a: &Assignment, k: &str, _now: u64) -> Result<(), AgentError> {
        if a.status != "assigned" {
            if let Some((s, _)) = self.services.remove(k) {
                s.stop().await;
            }
            return self.set(k, |e| e.stage = Stage::Done);
        }
        if !self.services.contains_key(k) {
            let Some(spec) = self.spec_or_decline(a, k).await? else {
                return Ok(());
            };
            let dir = self.dir(k);
            match Service::start(&spec, &dir, self.cfg.allow_network).await {
                Ok(s) => {
                    self.services.insert(k.to_owned(), (s, Instant::now()));
                    self.set(k, |e| {
                        e.stage = Stage::Serving;
                        e.runs += 1;
                    })?;
                    tracing::info!(replica = k, "service started");
                }
                Err(err) => {
                    let why = format!("the service does not start: {err}");
                    return self.decline(a, k, why).await;
                }
            }
            return Ok(());
        }
        let every = Duration::from_secs(self.cfg.claim_every_secs);
        let due = self
            .services
            .get(k)
            .is_some_and(|(_, last)| last.elapsed() >= every);
        if due {
            let m = self.chain.market();
            let tx = m
                .claimService(a.task, U256::from(a.replica))
                .into_transaction_request();
            match self.chain.as_worker("claimService", tx).await {
                Ok(_) | Err(TxError::Revert { .. }) => {}
                Err(e) => tracing::warn!(replica = k, error = %e, "claimService"),
            }
            if let Some((_, last)) = self.services.get_mut(k) {
                *last = Instant::now();
            }
        }
        Ok(())
    }

    /// Move what the market credited this provider to its beneficiary, now and then.
    async fn claim_earnings(&mut self) {
        let every = Duration::from_secs(self.cfg.claim_every_secs);
        if self.last_earnings.is_some_and(|t| t.elapsed() < every) {
            return;
        }
        self.last_earnings = Some(Instant::now());
        let c = &self.chain;
        let m = c.market();
        let Ok(p) = m.getAccount(c.owner).call().await else {
            return;
        };
        if p.earned.is_zero() {
            return;
        }
        match ops::claim(c).await {
            Ok(()) => tracing::info!(amount = %p.earned, "earnings claimed"),
            Err(e) => tracing::warn!(error = %e, "claimEarnings"),
        }
    }
}

/// Sealed modes: results are committed first and revealed once the commitments are closed.
fn sealed(mode: &str) -> bool {
    mode == "quorum" || mode == "known_answer"
}

/// The dishonest provider's result (a deliberate fault, for the demo and tests): a JSON object
/// keeps its form and its claims, but every number in its arrays becomes 0 (predictions no
/// trained model made: only checking the content gives it away) — or, with no such array, gains
/// a `tampered` field; anything else gets bytes added. It always differs from the honest one.
fn tamper(bytes: Vec<u8>) -> Vec<u8> {
    fn zero_arrays(v: &mut serde_json::Value, in_array: bool) {
        match v {
            serde_json::Value::Number(_) if in_array => *v = serde_json::Value::from(0),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| zero_arrays(i, true)),
            serde_json::Value::Object(m) => m.values_mut().for_each(|i| zero_arrays(i, false)),
            _ => {}
        }
    }
    match serde_json::from_slice::<serde_json::Value>(&bytes) {
        Ok(mut v) if v.is_object() => {
            let honest = v.clone();
            zero_arrays(&mut v, false);
            if v == honest {
                // no array of numbers to forge: still not what the command produced
                v["tampered"] = serde_json::Value::Bool(true);
            }
            serde_json::to_vec(&v).unwrap_or(bytes)
        }
        _ => [bytes.as_slice(), b" (tampered)"].concat(),
    }
}

#[cfg(test)]
mod tests {
    use super::tamper;

    #[test]
    fn a_tampered_result_differs_and_a_json_one_keeps_its_form() {
        assert_eq!(tamper(b"500500\n".to_vec()), b"500500\n (tampered)");
        let forged = tamper(br#"{"accuracy": 0.98, "predictions": [3, 1, 0], "n": 3}"#.to_vec());
        let v: serde_json::Value = serde_json::from_slice(&forged).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"accuracy": 0.98, "predictions": [0, 0, 0], "n": 3})
        );
        let forged = tamper(br#"{"answer": 42}"#.to_vec());
        let v: serde_json::Value = serde_json::from_slice(&forged).unwrap();
        assert_eq!(v, serde_json::json!({"answer": 42, "tampered": true}));
    }
}
