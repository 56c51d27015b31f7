//! What the keeper should do next, decided from the indexer's tables alone: every rule here is
//! a pure function of the mirrored state, the chain's time, the verdicts and the probes, so any
//! keeper reading the same tables proposes the same intents (and the outbox keeps one of each).
//!
//! | task | when | intent |
//! | --- | --- | --- |
//! | open | before assign-by | `assign` (the batch allocation's choice) |
//! | open | after assign-by | `expire` (refund) |
//! | keeper-attested | every replica submitted, or result-by passed | `settle` with the verdicts' pass mask |
//! | known answer | every replica committed (or declined), or result-by passed; the answer known | `reveal` (`revealAnswer`; the providers' last reveal settles) |
//! | batch, any mode | result-by passed with a replica that never submitted, no verdict coming | `expire` attempt 0 (slash the no-shows) |
//! | batch, any mode | settle-by passed | `expire` attempt 1 (quorum settled / results accepted) |
//! | service | a replica failed its probes past the grace | `report` (`reportServiceFailure`) |
//! | service | its end passed | `finish` |
//!
//! An attempt the sender gave up on because the state it rested on changed (`Replan`) is
//! proposed again as the next attempt, up to [`MAX_ATTEMPTS`]. Assignments already proposed,
//! sent or mined by any keeper of the database, for tasks the indexer still shows open, hold
//! their providers' capacity and collateral ([`market::reserve_in_flight`]): two keepers do not
//! give one provider's last capacity to two tasks.

use std::collections::HashMap;

use alloy::primitives::{B256, U256, keccak256};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use swan_store::Store;

use crate::{
    allocate::{self, Decision},
    health::{Health, HealthSpec, Monitor},
    market::{self, MarketError},
    outbox::Attempts,
    verify::{Attest, Attester, Criteria, Verdict},
};

/// Attempts per (action, task) before the keeper stops proposing it.
pub const MAX_ATTEMPTS: u32 = 5;

/// What an intent does, with what it needs (the outbox payload, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Act {
    /// `assign(task, providers, prices)`.
    Assign {
        /// Provider owners, replica order.
        providers: Vec<String>,
        /// Agreed prices (decimal wei).
        prices: Vec<String>,
    },
    /// `settle(task, mask)`.
    Settle {
        /// Replicas that pass, one bit each.
        mask: String,
    },
    /// `revealAnswer(task, expected, salt)`.
    Reveal {
        /// The committed answer.
        expected: B256,
        /// Its salt.
        salt: B256,
    },
    /// `expire(task)`.
    Expire,
    /// `reportServiceFailure(task, replica, failedAt)`.
    Report {
        /// The replica.
        replica: u32,
        /// When its failure began (unix seconds).
        failed_at: u32,
    },
    /// `finishService(task)`.
    Finish,
}

impl Act {
    /// The outbox action name.
    pub fn name(&self) -> &'static str {
        match self {
            Act::Assign { .. } => "assign",
            Act::Settle { .. } => "settle",
            Act::Reveal { .. } => "reveal",
            Act::Expire => "expire",
            Act::Report { .. } => "report",
            Act::Finish => "finish",
        }
    }
}

/// One intent to propose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// The task.
    pub task: U256,
    /// Which attempt (or which phase, for `expire`; which replica, for `report`).
    pub attempt: u32,
    /// What to do.
    pub act: Act,
}

/// The verification section of a task spec, as far as the keeper reads it (the rest of the
/// spec is the provider's business).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Verification {
    /// Keeper-attested criteria.
    #[serde(default)]
    pub criteria: Criteria,
    /// Service-health probes.
    #[serde(default)]
    pub health: Option<HealthSpec>,
}

#[derive(Debug, Default, Deserialize)]
struct SpecDoc {
    #[serde(default)]
    verification: Verification,
}

/// The verification section of a task spec document (YAML), as the keeper reads it.
pub fn verification_of(spec: &[u8]) -> Result<Verification, String> {
    std::str::from_utf8(spec)
        .map_err(|e| e.to_string())
        .and_then(|s| serde_norway::from_str::<SpecDoc>(s).map_err(|e| e.to_string()))
        .map(|doc| doc.verification)
}

/// A replica as the planner sees it.
#[derive(Debug, Clone)]
struct Rep {
    idx: u32,
    provider: String,
    status: String,
    result_hash: Option<String>,
    result_uri: Option<String>,
    claimed_until: Option<u64>,
}

/// A running (assigned) task.
#[derive(Debug, Clone)]
struct Running {
    id: U256,
    key: String,
    mode: String,
    result_by: u64,
    settle_by: u64,
    service_ends: Option<u64>,
    spec_uri: String,
    spec_hash: String,
    answer_commit: String,
    replicas: Vec<Rep>,
}

/// Planning failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// Reading the market.
    #[error(transparent)]
    Market(#[from] MarketError),
    /// The database.
    #[error("planning: {0}")]
    Sql(#[from] sqlx::Error),
}

/// The planner's memory between ticks: task specs, verdicts and health monitors.
#[derive(Debug)]
pub struct Planner {
    chain_id: u64,
    fetcher: Attester,
    alloc: allocate::Config,
    specs: HashMap<String, Verification>,
    verdicts: HashMap<(String, u32), Verdict>,
    monitors: HashMap<(String, u32), Monitor>,
    /// The last allocation's decisions (why each provider was chosen), for the API and logs.
    pub decisions: Vec<Decision>,
    /// Verdicts given since [`Planner::take_verdicts`] was last called: (task, replica, the
    /// verdict with its evidence, or why the result could not be judged).
    fresh: Vec<(String, u32, serde_json::Value)>,
}

impl Planner {
    /// A planner for `chain_id`.
    pub fn new(chain_id: u64, fetcher: Attester, alloc: allocate::Config) -> Self {
        Self {
            chain_id,
            fetcher,
            alloc,
            specs: HashMap::new(),
            verdicts: HashMap::new(),
            monitors: HashMap::new(),
            decisions: Vec::new(),
            fresh: Vec::new(),
        }
    }

    /// The verdicts given since the last call, for publishing (`/verdicts`).
    pub fn take_verdicts(&mut self) -> Vec<(String, u32, serde_json::Value)> {
        std::mem::take(&mut self.fresh)
    }

    /// Every intent due at chain time `now`, given the latest attempt of each (action, task).
    pub async fn plan(
        &mut self,
        store: &Store,
        now: u64,
        latest: &Attempts,
    ) -> Result<Vec<Proposal>, PlanError> {
        let mut out = Vec::new();
        self.decisions.clear();
        let at = Moment { store, now, latest };
        // a task changed in the last few blocks waits: a reorg could still undo or reorder the
        // change the keeper's call would rest on
        let lately = market::changed_lately(store, self.chain_id, self.alloc.confirmations).await?;
        self.open(at, &lately, &mut out).await?;
        for t in self.running(store).await? {
            if !lately.contains(&t.id) {
                self.running_task(at, &t, &mut out).await?;
            }
        }
        Ok(out)
    }

    async fn open(
        &mut self,
        at: Moment<'_>,
        lately: &std::collections::HashSet<U256>,
        out: &mut Vec<Proposal>,
    ) -> Result<(), PlanError> {
        let Moment { store, now, latest } = at;
        // expired open tasks: refund
        let rows = sqlx::query(
            "SELECT task_id FROM tasks WHERE chain_id = $1 AND status = 'open' AND assign_by < $2 ORDER BY task_id",
        )
        .bind(self.chain())
        .bind(i64::try_from(now).unwrap_or(i64::MAX))
        .fetch_all(store.pool())
        .await?;
        for r in rows {
            let key: String = r.get(0);
            if key.parse().is_ok_and(|id: U256| lately.contains(&id)) {
                continue;
            }
            // again as a new attempt when one was given up on (it reverted: a reorg can mine it
            // at a time it was not due); an open task left unexpired keeps its escrow locked
            if let Some(attempt) = latest.next("expire", &key, MAX_ATTEMPTS) {
                out.push(Proposal {
                    task: key.parse().unwrap_or_default(),
                    attempt,
                    act: Act::Expire,
                });
            }
        }
        // open tasks not being assigned: one batch allocation over all of them
        let open = market::open_tasks(store, self.chain_id, now).await?;
        if open.is_empty() {
            return Ok(());
        }
        let mut attempts = HashMap::new();
        let mut tasks = open.clone();
        tasks.retain(|t| {
            // a reorg could put the assignment before the task's creation
            if lately.contains(&t.id) {
                return false;
            }
            let key = format!("{:#x}", t.id);
            match latest.next("assign", &key, MAX_ATTEMPTS) {
                Some(a) => {
                    attempts.insert(t.id, a);
                    true
                }
                None => false,
            }
        });
        if tasks.is_empty() {
            return Ok(());
        }
        // what any keeper of this database is already assigning takes its providers' capacity
        let mut offers = market::offers(store, self.chain_id).await?;
        market::reserve_in_flight(store, self.chain_id, &open, &mut offers).await?;
        let decisions = allocate::allocate(&tasks, &offers, &self.alloc);
        for d in &decisions {
            if d.chosen.is_empty() {
                continue;
            }
            out.push(Proposal {
                task: d.task,
                attempt: attempts.get(&d.task).copied().unwrap_or(0),
                act: Act::Assign {
                    providers: d
                        .chosen
                        .iter()
                        .map(|c| format!("{:#x}", c.provider))
                        .collect(),
                    prices: d.chosen.iter().map(|c| c.price.to_string()).collect(),
                },
            });
        }
        self.decisions = decisions;
        Ok(())
    }

    fn chain(&self) -> i64 {
        i64::try_from(self.chain_id).unwrap_or(i64::MAX)
    }

    async fn running(&self, store: &Store) -> Result<Vec<Running>, PlanError> {
        let rows = sqlx::query(
            "SELECT task_id, mode, result_by, settle_by, service_ends, spec_uri, spec_hash, answer_commit \
             FROM tasks WHERE chain_id = $1 AND status = 'assigned' ORDER BY task_id",
        )
        .bind(self.chain())
        .fetch_all(store.pool())
        .await?;
        let mut tasks: Vec<Running> = rows
            .into_iter()
            .map(|r| {
                let key: String = r.get(0);
                Running {
                    id: key.parse().unwrap_or_default(),
                    key,
                    mode: r.get(1),
                    result_by: r.get::<i64, _>(2).max(0) as u64,
                    settle_by: r.get::<i64, _>(3).max(0) as u64,
                    service_ends: r.get::<Option<i64>, _>(4).map(|v| v.max(0) as u64),
                    spec_uri: r.get(5),
                    spec_hash: r.get(6),
                    answer_commit: r.get(7),
                    replicas: Vec::new(),
                }
            })
            .collect();
        let reps = sqlx::query(
            "SELECT r.task_id, r.idx, r.provider, r.status, r.result_hash, r.result_uri, r.claimed_until \
             FROM replicas r JOIN tasks t ON t.chain_id = r.chain_id AND t.task_id = r.task_id \
             WHERE r.chain_id = $1 AND t.status = 'assigned' ORDER BY r.task_id, r.idx",
        )
        .bind(self.chain())
        .fetch_all(store.pool())
        .await?;
        let mut at: HashMap<String, usize> = HashMap::new();
        for (n, t) in tasks.iter().enumerate() {
            at.insert(t.key.clone(), n);
        }
        for r in reps {
            let key: String = r.get(0);
            if let Some(&n) = at.get(&key) {
                tasks[n].replicas.push(Rep {
                    idx: r.get::<i64, _>(1) as u32,
                    provider: r.get(2),
                    status: r.get(3),
                    result_hash: r.get(4),
                    result_uri: r.get(5),
                    claimed_until: r.get::<Option<i64>, _>(6).map(|v| v.max(0) as u64),
                });
            }
        }
        Ok(tasks)
    }

    /// The task's verification section: fetched once, checked against the hash on chain. A spec
    /// that cannot be had or does not match leaves the defaults (the content hash is still
    /// checked), with a warning: the providers are not punished for the submitter's spec.
    async fn spec(&mut self, t: &Running) -> Verification {
        if let Some(v) = self.specs.get(&t.key) {
            return v.clone();
        }
        let v = match self.fetcher.fetcher.fetch(&t.spec_uri, Some(1 << 20)).await {
            Ok(body) if format!("{:#x}", keccak256(&body)) == t.spec_hash => {
                match verification_of(&body) {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(task = %t.key, uri = %t.spec_uri, error = %e, "the task spec does not parse: checking results by hash only");
                        Verification::default()
                    }
                }
            }
            Ok(_) => {
                tracing::warn!(task = %t.key, uri = %t.spec_uri, "the task spec does not match its hash on chain: checking results by hash only");
                Verification::default()
            }
            Err(e) if e.retryable() => {
                tracing::warn!(task = %t.key, error = %e, "task spec not reachable yet");
                return Verification::default();
            }
            Err(e) => {
                tracing::warn!(task = %t.key, error = %e, "task spec cannot be fetched: checking results by hash only");
                Verification::default()
            }
        };
        self.specs.insert(t.key.clone(), v.clone());
        v
    }

    /// The verdict on a submitted replica; None while its result cannot be fetched yet.
    async fn verdict(&mut self, t: &Running, r: &Rep, criteria: &Criteria) -> Option<bool> {
        let k = (t.key.clone(), r.idx);
        if let Some(v) = self.verdicts.get(&k) {
            return Some(v.passed);
        }
        let expected: B256 = r.result_hash.as_deref()?.parse().ok()?;
        let uri = r.result_uri.clone().unwrap_or_default();
        match self.fetcher.attest(&uri, expected, criteria).await {
            Ok(v) => {
                tracing::info!(task = %t.key, replica = r.idx, passed = v.passed, checks = ?v.checks, "verdict");
                let passed = v.passed;
                let evidence = serde_json::json!({ "passed": passed, "evidence": &v });
                self.fresh.push((t.key.clone(), r.idx, evidence));
                self.verdicts.insert(k, v);
                Some(passed)
            }
            Err(e) if e.retryable() => {
                tracing::warn!(task = %t.key, replica = r.idx, error = %e, "result not fetched yet");
                None
            }
            Err(e) => {
                tracing::info!(task = %t.key, replica = r.idx, error = %e, "result cannot be fetched: fails");
                let evidence = serde_json::json!({ "passed": false, "error": e.to_string() });
                self.fresh.push((t.key.clone(), r.idx, evidence));
                Some(false)
            }
        }
    }

    /// The verdict and its evidence, once given.
    pub fn verdict_of(&self, task: &str, replica: u32) -> Option<&Verdict> {
        self.verdicts.get(&(task.to_owned(), replica))
    }

    async fn running_task(
        &mut self,
        at: Moment<'_>,
        t: &Running,
        out: &mut Vec<Proposal>,
    ) -> Result<(), PlanError> {
        let Moment { store, now, latest } = at;
        let push = |out: &mut Vec<Proposal>, attempt, act| {
            out.push(Proposal {
                task: t.id,
                attempt,
                act,
            })
        };
        if t.mode == "service" {
            out.extend(self.service(at, t).await?);
            return Ok(());
        }
        if now > t.settle_by {
            if !latest.has("expire", &t.key, 1) {
                push(out, 1, Act::Expire);
            }
            return Ok(());
        }
        let no_show = t.replicas.iter().any(|r| r.status == "assigned");
        let ready = !no_show || now > t.result_by;
        match t.mode.as_str() {
            "keeper_attested" if ready => {
                let Some(attempt) = latest.next("settle", &t.key, MAX_ATTEMPTS) else {
                    return Ok(());
                };
                let criteria = self.spec(t).await.criteria;
                let mut mask = U256::ZERO;
                for r in &t.replicas {
                    if r.status != "submitted" {
                        continue;
                    }
                    match self.verdict(t, r, &criteria).await {
                        Some(true) => mask |= U256::from(1) << r.idx as usize,
                        Some(false) => {}
                        None => return Ok(()), // wait for the result (settle-by still ahead)
                    }
                }
                push(
                    out,
                    attempt,
                    Act::Settle {
                        mask: mask.to_string(),
                    },
                );
            }
            "known_answer" if ready => {
                if let Some((expected, salt)) = answer(store, self.chain_id, t).await?
                    && let Some(attempt) = latest.next("reveal", &t.key, MAX_ATTEMPTS)
                {
                    push(out, attempt, Act::Reveal { expected, salt });
                } else if no_show && now > t.result_by && !latest.has("expire", &t.key, 0) {
                    push(out, 0, Act::Expire);
                }
            }
            "quorum" if no_show && now > t.result_by && !latest.has("expire", &t.key, 0) => {
                push(out, 0, Act::Expire);
            }
            _ => {}
        }
        Ok(())
    }

    /// A service's intents: finish it once its time is up, report a replica whose health
    /// probes fail.
    async fn service(&mut self, at: Moment<'_>, t: &Running) -> Result<Vec<Proposal>, PlanError> {
        let Moment { store, now, latest } = at;
        let mut out = Vec::new();
        if t.service_ends.is_some_and(|end| now >= end) {
            if !latest.has("finish", &t.key, 0) {
                out.push(Proposal {
                    task: t.id,
                    attempt: 0,
                    act: Act::Finish,
                });
            }
            return Ok(out);
        }
        let Some(spec) = self.spec(t).await.health else {
            return Ok(out); // no health section: nothing to probe
        };
        for r in t.replicas.iter().filter(|r| r.status == "assigned") {
            let k = (t.key.clone(), r.idx);
            if !self.monitors.contains_key(&k) {
                let endpoint: Option<String> = sqlx::query_scalar(
                    "SELECT metadata_uri FROM providers WHERE chain_id = $1 AND address = $2",
                )
                .bind(self.chain())
                .bind(&r.provider)
                .fetch_optional(store.pool())
                .await?;
                let url = crate::health::service_url(
                    endpoint.as_deref().unwrap_or_default(),
                    &t.key,
                    r.idx,
                );
                match Monitor::new(&url, spec.clone()) {
                    Ok(m) => {
                        self.monitors.insert(k.clone(), m);
                    }
                    Err(e) => {
                        tracing::warn!(task = %t.key, replica = r.idx, error = %e, "cannot probe this replica");
                        continue;
                    }
                }
            }
            let Some(m) = self.monitors.get_mut(&k) else {
                continue;
            };
            if m.evidence()
                .last()
                .is_some_and(|p| now < m.next_after(p.at))
            {
                continue; // probed within the interval
            }
            if let Health::Failed { since } = m.probe(now).await {
                // the failure cannot begin before what the provider was already paid for
                let failed_at = since.max(r.claimed_until.unwrap_or(0)).min(now);
                if !latest.has("report", &t.key, r.idx) {
                    // the probes that failed it, kept with the verdicts (served at /verdicts)
                    self.fresh.push((
                        t.key.clone(),
                        r.idx,
                        serde_json::json!({
                            "passed": false,
                            "service_failed_at": failed_at,
                            "probes": m.evidence(),
                        }),
                    ));
                    out.push(Proposal {
                        task: t.id,
                        attempt: r.idx,
                        act: Act::Report {
                            replica: r.idx,
                            failed_at: u32::try_from(failed_at).unwrap_or(u32::MAX),
                        },
                    });
                }
            }
        }
        Ok(out)
    }
}

/// What one planning pass looks at: the store, the chain's time and the latest attempts.
#[derive(Clone, Copy)]
struct Moment<'a> {
    store: &'a Store,
    now: u64,
    latest: &'a Attempts,
}

/// The answer of a known-answer task, if the submitter gave it to this keeper and it matches
/// the commit on chain.
async fn answer(
    store: &Store,
    chain_id: u64,
    t: &Running,
) -> Result<Option<(B256, B256)>, PlanError> {
    let row = sqlx::query(
        "SELECT expected, salt FROM keeper_answers WHERE chain_id = $1 AND task_id = $2",
    )
    .bind(i64::try_from(chain_id).unwrap_or(i64::MAX))
    .bind(&t.key)
    .fetch_optional(store.pool())
    .await;
    let row = match row {
        Ok(r) => r,
        Err(sqlx::Error::Database(_)) => None, // no answers table yet
        Err(e) => return Err(e.into()),
    };
    let Some(row) = row else { return Ok(None) };
    let (Ok(expected), Ok(salt)) = (
        row.get::<String, _>(0).parse::<B256>(),
        row.get::<String, _>(1).parse::<B256>(),
    ) else {
        return Ok(None);
    };
    if format!("{:#x}", crate::answers::commit(expected, salt)) != t.answer_commit {
        tracing::error!(task = %t.key, "the stored answer does not match the task's commit");
        return Ok(None);
    }
    Ok(Some((expected, salt)))
}
