//! The contracts' rules, event by event: how each event of the market and of its registry
//! changes the state rows and which event rows it appends. Mirrors the Solidity (the market's
//! `MarketBase`, `TaskEscrow`, `BatchSettlement`, `ServiceStreams`, `Accounts`; the registry's
//! `Providers` and `Governance`); the state tests check it against the contracts' own views.

use alloy::primitives::{Address, U256};
use swan_contracts::{
    SwanMarket::SwanMarketEvents as E, mode, registry::SwanRegistry::SwanRegistryEvents as R,
    task_status,
};

use super::{At, MODES, PROVIDER_STATUS, ProjectError, Projection, TASK_STATUS, name};
use crate::events::SwanEvent;
use crate::model::{EventTable, ProviderRow, ReplicaRow, TaskRow, Val, addr, big, label, task_key};

/// The collateral a replica at agreed `price` locks: the task's `collateral_pct` % of its value
/// (the price; for a service, the rate times the ordered duration), rounded down as the market's
/// `_collateral` does.
pub(crate) fn replica_collateral(t: &TaskRow, price: U256) -> U256 {
    let value = if t.mode == MODES[usize::from(mode::SERVICE_HEALTH)] {
        price * U256::from(t.result_by)
    } else {
        price
    };
    value * U256::from(t.collateral_pct) / U256::from(100)
}

impl Projection {
    /// Apply one event.
    pub fn apply(&mut self, e: &SwanEvent, at: At) -> Result<(), ProjectError> {
        match e {
            SwanEvent::Market(e) => self.apply_market(e, at),
            SwanEvent::Registry(e) => self.apply_registry(e, at),
        }
    }

    /// Apply one event of the registry: providers, their terms and collateral, governance.
    fn apply_registry(&mut self, e: &R, at: At) -> Result<(), ProjectError> {
        match e {
            R::ProviderRegistered(e) => {
                let i = &e.info;
                let existing = self.providers.get(&e.provider).cloned();
                let mut p = existing.unwrap_or_else(|| ProviderRow {
                    address: e.provider,
                    worker: i.worker,
                    beneficiary: i.beneficiary,
                    status: "active".into(),
                    cpu_cores: 0,
                    memory_gib: 0,
                    storage_gib: 0,
                    gpu_count: 0,
                    gpu_memory_gib: 0,
                    gpu_model: String::new(),
                    price_cpu_hour: U256::ZERO,
                    price_memory_hour: U256::ZERO,
                    price_gpu_hour: U256::ZERO,
                    price_storage_hour: U256::ZERO,
                    region: String::new(),
                    modes: 0,
                    metadata_uri: String::new(),
                    stake: U256::ZERO,
                    locked: U256::ZERO,
                    unbonding: U256::ZERO,
                    release_at: 0,
                    earned: U256::ZERO,
                    earned_total: U256::ZERO,
                    slashed_total: U256::ZERO,
                    completed: 0,
                    failed: 0,
                    running: 0,
                    registered_block: at.block,
                    updated_block: at.block,
                    max_collateral: U256::ZERO,
                    min_price: U256::ZERO,
                    min_rate: U256::ZERO,
                    declined: 0,
                });
                p.worker = i.worker;
                p.beneficiary = i.beneficiary;
                p.cpu_cores = i.resources.cpuCores.into();
                p.memory_gib = i.resources.memoryGiB.into();
                p.storage_gib = i.resources.storageGiB.into();
                p.gpu_count = i.resources.gpuCount.into();
                p.gpu_memory_gib = i.resources.gpuMemoryGiB.into();
                p.gpu_model = label(&i.resources.gpuModel);
                p.price_cpu_hour = U256::from(i.prices.perCpuHour);
                p.price_memory_hour = U256::from(i.prices.perGiBMemoryHour);
                p.price_gpu_hour = U256::from(i.prices.perGpuHour);
                p.price_storage_hour = U256::from(i.prices.perGiBStorageHour);
                p.region = label(&i.region);
                p.modes = i.terms.modes.into();
                p.max_collateral = U256::from(i.terms.maxCollateral);
                p.min_price = U256::from(i.terms.minPrice);
                p.min_rate = U256::from(i.terms.minRate);
                p.metadata_uri = i.metadataURI.clone();
                p.updated_block = at.block;
                self.put_provider(p, at);
            }
            R::ProviderStatusChanged(e) => {
                let p = self.provider(e.provider, at, "ProviderStatusChanged")?;
                p.status = name(&PROVIDER_STATUS, e.status);
            }
            R::CollateralDeposited(e) => {
                let p = self.provider(e.provider, at, "CollateralDeposited")?;
                p.stake = e.stake;
                self.collateral(at, e.provider, "deposit", e.amount);
            }
            R::WithdrawalRequested(e) => {
                let p = self.provider(e.provider, at, "WithdrawalRequested")?;
                p.unbonding = e.unbonding;
                p.release_at = e.releaseAt.saturating_to();
                self.collateral(at, e.provider, "withdrawal_requested", e.amount);
            }
            R::CollateralWithdrawn(e) => {
                let p = self.provider(e.provider, at, "CollateralWithdrawn")?;
                p.unbonding = p.unbonding.saturating_sub(e.amount);
                p.stake = e.stake;
                self.collateral(at, e.provider, "withdrawn", e.amount);
            }
            R::ParamsScheduled(e) => {
                let detail = params_json(&e.params, Some(e.eta));
                self.governance(at, "params_scheduled", None, None, detail);
            }
            R::ParamsCancelled(_) => {
                self.governance(at, "params_cancelled", None, None, serde_json::json!({}));
            }
            R::ParamsApplied(e) => {
                let detail = params_json(&e.params, None);
                self.governance(at, "params_applied", Some(e.version.into()), None, detail);
                let m = self.market(at);
                m.params_version = e.version.into();
            }
            R::KeeperScheduled(e) => {
                self.governance(
                    at,
                    "keeper_scheduled",
                    None,
                    Some(e.keeper),
                    serde_json::json!({ "eta": e.eta.to_string() }),
                );
            }
            R::KeeperSet(e) => {
                self.governance(
                    at,
                    "keeper_set",
                    None,
                    Some(e.keeper),
                    serde_json::json!({ "enabled": e.enabled }),
                );
            }
            R::PauserSet(e) => self.governance(
                at,
                "pauser_set",
                None,
                Some(e.pauser),
                serde_json::json!({}),
            ),
            R::AdminProposed(e) => self.governance(
                at,
                "admin_proposed",
                None,
                Some(e.pendingAdmin),
                serde_json::json!({}),
            ),
            R::AdminChanged(e) => self.governance(
                at,
                "admin_changed",
                None,
                Some(e.admin),
                serde_json::json!({}),
            ),
            R::PausedSet(e) => {
                self.governance(
                    at,
                    "paused_set",
                    None,
                    None,
                    serde_json::json!({ "paused": e.paused }),
                );
                let m = self.market(at);
                m.paused = e.paused;
            }
        }
        Ok(())
    }

    /// Apply one event of the market: tasks and money.
    fn apply_market(&mut self, e: &E, at: At) -> Result<(), ProjectError> {
        match e {
            E::EarningsClaimed(e) => {
                let p = self.provider(e.provider, at, "EarningsClaimed")?;
                p.earned = p.earned.saturating_sub(e.amount);
                self.payment(
                    at,
                    "earnings_claimed",
                    None,
                    None,
                    e.provider,
                    Some(e.beneficiary),
                    e.amount,
                    U256::ZERO,
                );
            }
            E::Deposited(e) => {
                self.payment(
                    at,
                    "deposited",
                    None,
                    None,
                    e.account,
                    None,
                    e.amount,
                    U256::ZERO,
                );
            }
            E::Withdrawn(e) => {
                self.payment(
                    at,
                    "withdrawn",
                    None,
                    None,
                    e.account,
                    Some(e.to),
                    e.amount,
                    U256::ZERO,
                );
            }
            E::TaskCreated(e) => {
                let r = &e.request;
                let value = if r.mode == mode::SERVICE_HEALTH {
                    U256::from(r.price) * U256::from(r.resultBy)
                } else {
                    U256::from(r.price)
                };
                let row = TaskRow {
                    task_id: e.taskId,
                    submitter: e.submitter,
                    mode: name(&MODES, r.mode),
                    status: "open".into(),
                    replicas: r.replicas.into(),
                    quorum: r.quorum.into(),
                    collateral_pct: r.collateralPct.into(),
                    price: U256::from(r.price),
                    // the most a replica can lock: at the cap (each replica locks at its price)
                    collateral: value * U256::from(r.collateralPct) / U256::from(100),
                    escrow: e.escrow,
                    assign_by: r.assignBy.into(),
                    result_by: r.resultBy.into(),
                    settle_by: r.settleBy.into(),
                    spec_hash: r.specHash,
                    spec_uri: r.specURI.clone(),
                    answer_commit: r.answerCommit,
                    region: label(&r.region),
                    req_cpu_cores: r.requirements.cpuCores.into(),
                    req_memory_gib: r.requirements.memoryGiB.into(),
                    req_storage_gib: r.requirements.storageGiB.into(),
                    req_gpu_count: r.requirements.gpuCount.into(),
                    req_gpu_memory_gib: r.requirements.gpuMemoryGiB.into(),
                    req_gpu_model: label(&r.requirements.gpuModel),
                    params_version: r.paramsVersion.into(),
                    paid: U256::ZERO,
                    fees: U256::ZERO,
                    refunded: U256::ZERO,
                    slashed: U256::ZERO,
                    service_started: None,
                    service_ends: None,
                    final_reason: None,
                    created_block: at.block,
                    created_tx: at.tx,
                    assigned_block: None,
                    finalized_block: None,
                    updated_block: at.block,
                };
                self.put_task(row, at);
                let m = self.market(at);
                m.escrowed += e.escrow;
            }
            E::TaskAssigned(e) => {
                let t = self.task(e.taskId, at, "TaskAssigned")?;
                t.status = "assigned".into();
                t.assigned_block = Some(at.block);
                t.refunded += e.refund;
                let task = t.clone();
                for (i, (p, price)) in e.providers.iter().zip(&e.prices).enumerate() {
                    let idx = i as u64;
                    let collateral = replica_collateral(&task, *price);
                    let row = ReplicaRow {
                        task_id: e.taskId,
                        idx,
                        provider: *p,
                        price: *price,
                        status: "assigned".into(),
                        result_hash: None,
                        result_uri: None,
                        revealed_hash: None,
                        payout: U256::ZERO,
                        fee: U256::ZERO,
                        slashed: U256::ZERO,
                        refund: U256::ZERO,
                        claimed_until: None,
                        assigned_block: at.block,
                        updated_block: at.block,
                        collateral,
                    };
                    self.put_replica(row, at);
                    let prov = self.provider(*p, at, "TaskAssigned")?;
                    prov.locked += collateral;
                    prov.running += 1;
                }
                self.push(
                    EventTable::Assignments,
                    at,
                    vec![
                        Val::T(task_key(&e.taskId)),
                        Val::T(e.providers.iter().map(addr).collect::<Vec<_>>().join(",")),
                        Val::T(
                            e.prices
                                .iter()
                                .map(|p| p.to_string())
                                .collect::<Vec<_>>()
                                .join(","),
                        ),
                        Val::T(e.refund.to_string()),
                    ],
                );
                if !e.refund.is_zero() {
                    self.refund(at, e.taskId, None, e.refund);
                }
            }
            E::ResultSubmitted(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ResultSubmitted")?;
                r.status = "submitted".into();
                r.result_hash = Some(e.resultHash);
                r.result_uri = Some(e.resultURI.clone());
                let (task, hash, uri) = (e.taskId, e.resultHash, &e.resultURI);
                self.result(at, task, idx, e.provider, "submitted", hash, uri);
            }
            E::ResultRevealed(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ResultRevealed")?;
                r.status = "revealed".into();
                r.revealed_hash = Some(e.resultHash);
                if !e.resultURI.is_empty() {
                    r.result_uri = Some(e.resultURI.clone());
                }
                let provider = r.provider;
                let (hash, uri) = (e.resultHash, &e.resultURI);
                self.result(at, e.taskId, idx, provider, "revealed", hash, uri);
            }
            E::AnswerRevealed(e) => {
                // the answer is in the raw log; the replicas' verdicts follow as their own events.
                // The task is touched so that its timeline finds this block.
                self.task(e.taskId, at, "AnswerRevealed")?;
            }
            E::ReplicaPaid(e) => {
                let idx = e.replica.saturating_to();
                let (task, kind) = (e.taskId, "replica_paid");
                let provider = self.earn(at, kind, task, idx, e.payout, e.fee, "ReplicaPaid")?;
                let r = self.replica(task, idx, at, "ReplicaPaid")?;
                r.status = "paid".into();
                let collateral = r.collateral;
                self.release(provider, collateral, true, at, "ReplicaPaid")?;
            }
            E::ReplicaSlashed(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ReplicaSlashed")?;
                r.status = "slashed".into();
                r.slashed += e.slashed;
                r.refund += e.refund;
                let t = self.task(e.taskId, at, "ReplicaSlashed")?;
                t.slashed += e.slashed;
                t.refunded += e.refund;
                let p = self.provider(e.provider, at, "ReplicaSlashed")?;
                p.locked = p.locked.saturating_sub(e.slashed);
                // the registry counts the stake net of what the market slashed; unbonding stays
                p.stake = p.stake.saturating_sub(e.slashed);
                p.failed += 1;
                p.running = p.running.saturating_sub(1);
                p.slashed_total += e.slashed;
                self.push(
                    EventTable::Slashes,
                    at,
                    vec![
                        Val::T(task_key(&e.taskId)),
                        Val::I(big(idx)),
                        Val::T(addr(&e.provider)),
                        Val::T(e.slashed.to_string()),
                        Val::T(e.toTreasury.to_string()),
                        Val::T(e.bounty.to_string()),
                        Val::T(e.refund.to_string()),
                    ],
                );
                // a known-answer replica's price forfeit to the treasury left the escrow too
                let forfeit = (e.toTreasury + e.bounty).saturating_sub(e.slashed);
                let m = self.market(at);
                m.escrowed = m.escrowed.saturating_sub(e.refund + forfeit);
                m.refunded += e.refund;
                m.slashed += e.slashed;
            }
            E::ReplicaRefunded(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ReplicaRefunded")?;
                r.status = "refunded".into();
                r.refund += e.refund;
                let collateral = r.collateral;
                self.task(e.taskId, at, "ReplicaRefunded")?.refunded += e.refund;
                self.release(e.provider, collateral, false, at, "ReplicaRefunded")?;
                self.refund(at, e.taskId, Some(idx), e.refund);
            }
            E::ReplicaDeclined(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ReplicaDeclined")?;
                r.status = "declined".into();
                r.refund += e.refund;
                let collateral = r.collateral;
                self.task(e.taskId, at, "ReplicaDeclined")?.refunded += e.refund;
                self.release(e.provider, collateral, false, at, "ReplicaDeclined")?;
                self.provider(e.provider, at, "ReplicaDeclined")?.declined += 1;
                if !e.refund.is_zero() {
                    self.refund(at, e.taskId, Some(idx), e.refund);
                }
            }
            E::BatchItemSkipped(e) => {
                // nothing changed: the raw log keeps what was skipped and why; a task we know is
                // touched so that its timeline finds this block (a batch may name unknown ids)
                if self.tasks.contains_key(&e.taskId) {
                    self.task(e.taskId, at, "BatchItemSkipped")?;
                }
            }
            E::TaskFinalized(e) => {
                let status = e.status;
                let t = self.task(e.taskId, at, "TaskFinalized")?;
                t.status = name(&TASK_STATUS, status);
                t.final_reason = Some(e.reason.into());
                t.finalized_block = Some(at.block);
                let (service, k) = (
                    t.mode == MODES[usize::from(mode::SERVICE_HEALTH)],
                    t.replicas,
                );
                if service && status == task_status::COMPLETED {
                    // a service that ran to its end (or was terminated): every running replica ends
                    for idx in 0..k {
                        let running = self
                            .replicas
                            .get(&(e.taskId, idx))
                            .is_some_and(|r| r.status == "assigned");
                        if running {
                            let r = self.replica(e.taskId, idx, at, "TaskFinalized")?;
                            r.status = "ended".into();
                            let (provider, collateral) = (r.provider, r.collateral);
                            self.release(provider, collateral, true, at, "TaskFinalized")?;
                        }
                    }
                }
            }
            E::TaskCancelled(e) => {
                let t = self.task(e.taskId, at, "TaskCancelled")?;
                t.status = "cancelled".into();
                t.refunded += e.refund;
                self.refund(at, e.taskId, None, e.refund);
            }
            E::ServiceStarted(e) => {
                let t = self.task(e.taskId, at, "ServiceStarted")?;
                t.service_started = Some(e.startedAt.saturating_to());
                t.service_ends = Some(e.endsAt.saturating_to());
            }
            E::ServiceEndChanged(e) => {
                let t = self.task(e.taskId, at, "ServiceEndChanged")?;
                t.service_ends = Some(e.endsAt.saturating_to());
                t.escrow += e.cost;
                t.refunded += e.refund;
                let submitter = t.submitter;
                if !e.cost.is_zero() {
                    let (task, cost) = (Some(e.taskId), e.cost);
                    self.payment(
                        at,
                        "service_extended",
                        task,
                        None,
                        submitter,
                        None,
                        cost,
                        U256::ZERO,
                    );
                    self.market(at).escrowed += cost;
                }
                if !e.refund.is_zero() {
                    self.refund(at, e.taskId, None, e.refund);
                }
            }
            E::ServiceClaimed(e) => {
                let idx = e.replica.saturating_to();
                let (task, kind) = (e.taskId, "service_claimed");
                self.earn(at, kind, task, idx, e.payout, e.fee, "ServiceClaimed")?;
                self.replica(task, idx, at, "ServiceClaimed")?.claimed_until =
                    Some(e.until.saturating_to());
            }
            E::ServiceFailed(e) => {
                // the slash and refund came with ReplicaSlashed; this records when it failed
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ServiceFailed")?;
                r.claimed_until = Some(e.failedAt.saturating_to());
            }
            E::ServiceLeft(e) => {
                // the provider gave notice: its stream after `leavesAt` went back to the submitter
                let idx = e.replica.saturating_to();
                self.replica(e.taskId, idx, at, "ServiceLeft")?.refund += e.refund;
                self.task(e.taskId, at, "ServiceLeft")?.refunded += e.refund;
                if !e.refund.is_zero() {
                    self.refund(at, e.taskId, Some(idx), e.refund);
                }
            }
            E::ServiceReplicaEnded(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ServiceReplicaEnded")?;
                r.status = "ended".into();
                let (provider, collateral) = (r.provider, r.collateral);
                self.release(provider, collateral, true, at, "ServiceReplicaEnded")?;
            }
        }
        Ok(())
    }
}

impl Projection {
    /// Escrow returned to a task's submitter: a payment row and the market's totals.
    fn refund(&mut self, at: At, task: U256, idx: Option<u64>, amount: U256) {
        let submitter = self.tasks[&task].submitter;
        self.payment(
            at,
            "task_refund",
            Some(task),
            idx,
            submitter,
            None,
            amount,
            U256::ZERO,
        );
        let m = self.market(at);
        m.escrowed = m.escrowed.saturating_sub(amount);
        m.refunded += amount;
    }

    /// A replica's provider earns `payout` (the protocol keeps `fee`): the replica, the task,
    /// the provider's earnings, a payment row and the market's totals. Returns the provider.
    #[allow(clippy::too_many_arguments)]
    fn earn(
        &mut self,
        at: At,
        kind: &str,
        task: U256,
        idx: u64,
        payout: U256,
        fee: U256,
        event: &'static str,
    ) -> Result<Address, ProjectError> {
        let r = self.replica(task, idx, at, event)?;
        r.payout += payout;
        r.fee += fee;
        let provider = r.provider;
        let t = self.task(task, at, event)?;
        t.paid += payout;
        t.fees += fee;
        let p = self.provider(provider, at, event)?;
        p.earned += payout;
        p.earned_total += payout;
        self.payment(at, kind, Some(task), Some(idx), provider, None, payout, fee);
        let m = self.market(at);
        m.escrowed = m.escrowed.saturating_sub(payout + fee);
        m.volume += payout;
        m.fees += fee;
        Ok(provider)
    }
}

fn params_json(
    p: &swan_contracts::registry::ISwanRegistry::Params,
    eta: Option<U256>,
) -> serde_json::Value {
    let mut v = serde_json::json!({
        "fee_bps": p.feeBps,
        "bounty_bps": p.bountyBps,
        "treasury": addr(&p.treasury),
        "min_collateral": p.minCollateral.to_string(),
        "unbonding_delay": p.unbondingDelay,
    });
    if let Some(eta) = eta {
        v["eta"] = serde_json::Value::String(eta.to_string());
    }
    v
}
