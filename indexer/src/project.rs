//! The projection: market events to typed rows, by the contracts' own rules and from events
//! alone (no `eth_call`).
//!
//! [`Projection`] holds the state rows a range touches (loaded from the database first), applies
//! the range's events in chain order, and collects what to write: changed state rows, event rows
//! and — for blocks that are not final yet — the previous value of every state row a block
//! changed (the undo log a reorg rolls back with).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use alloy::primitives::{Address, B256, U256};
use swan_contracts::SwanMarket::SwanMarketEvents as E;

use crate::model::{
    EventRow, EventTable, MarketRow, ProviderRow, ReplicaRow, StateRow, TaskRow, Val, addr, big,
    label, task_key, word,
};

/// Where an event sits in the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    /// Block number.
    pub block: u64,
    /// Log index within the block.
    pub log_index: u64,
    /// Transaction hash.
    pub tx: B256,
}

/// An event that refers to state the projection never saw: the manifest's start block is later
/// than the deployment, or the database holds another deployment.
#[derive(Debug, thiserror::Error)]
#[error(
    "{event} at block {block} refers to unknown {what} {key}; index from the deployment block (the manifest's start_block) into a fresh database"
)]
pub struct ProjectError {
    /// Event name.
    pub event: &'static str,
    /// Block number.
    pub block: u64,
    /// "task", "replica" or "provider".
    pub what: &'static str,
    /// Its key.
    pub key: String,
}

/// The keys a list of events touches, to load before projecting.
#[derive(Debug, Default)]
pub struct Keys {
    /// Task ids.
    pub tasks: BTreeSet<U256>,
    /// Provider owner addresses (more come from the replicas of the touched tasks).
    pub providers: BTreeSet<Address>,
}

/// Collect the keys `events` (in chain order) touch and that must be loaded: tasks created
/// within the same events need no loading.
pub fn keys<'a>(events: impl IntoIterator<Item = &'a E>) -> Keys {
    let mut k = Keys::default();
    let mut created = BTreeSet::new();
    for e in events {
        match e {
            E::ProviderRegistered(e) => drop(k.providers.insert(e.provider)),
            E::ProviderStatusChanged(e) => drop(k.providers.insert(e.provider)),
            E::CollateralDeposited(e) => drop(k.providers.insert(e.provider)),
            E::WithdrawalRequested(e) => drop(k.providers.insert(e.provider)),
            E::CollateralWithdrawn(e) => drop(k.providers.insert(e.provider)),
            E::EarningsClaimed(e) => drop(k.providers.insert(e.provider)),
            E::TaskCreated(e) => drop(created.insert(e.taskId)),
            E::TaskAssigned(e) => {
                k.tasks.insert(e.taskId);
                k.providers.extend(e.providers.iter().copied());
            }
            E::ResultSubmitted(e) => drop(k.tasks.insert(e.taskId)),
            E::ResultRevealed(e) => drop(k.tasks.insert(e.taskId)),
            E::ReplicaPaid(e) => {
                k.tasks.insert(e.taskId);
                k.providers.insert(e.provider);
            }
            E::ReplicaSlashed(e) => {
                k.tasks.insert(e.taskId);
                k.providers.insert(e.provider);
            }
            E::ReplicaRefunded(e) => {
                k.tasks.insert(e.taskId);
                k.providers.insert(e.provider);
            }
            E::TaskFinalized(e) => drop(k.tasks.insert(e.taskId)),
            E::TaskCancelled(e) => drop(k.tasks.insert(e.taskId)),
            E::ServiceStarted(e) => drop(k.tasks.insert(e.taskId)),
            E::ServiceEndChanged(e) => drop(k.tasks.insert(e.taskId)),
            E::ServiceClaimed(e) => drop(k.tasks.insert(e.taskId)),
            E::ServiceFailed(e) => drop(k.tasks.insert(e.taskId)),
            _ => {}
        }
    }
    k.tasks.retain(|t| !created.contains(t));
    k
}

/// One entry of the undo log: the value of a state row before block `block` changed it
/// (`None`: the row did not exist).
#[derive(Debug, Clone, PartialEq)]
pub struct Undo {
    /// The block that changed the row.
    pub block: u64,
    /// Table name.
    pub table: &'static str,
    /// The row's key.
    pub key: String,
    /// The previous row as JSON, or None.
    pub prev: Option<String>,
}

/// Task statuses as stored (the contract's `TaskStatus`).
pub const TASK_STATUS: [&str; 6] = [
    "none",
    "open",
    "assigned",
    "completed",
    "failed",
    "cancelled",
];
/// Provider statuses as stored (the contract's `ProviderStatus`).
pub const PROVIDER_STATUS: [&str; 4] = ["none", "active", "paused", "exited"];
/// Modes as stored (the contract's `Mode`).
pub const MODES: [&str; 4] = ["keeper_attested", "known_answer", "quorum", "service"];

fn name(table: &'static [&'static str], i: u8) -> String {
    table
        .get(i as usize)
        .copied()
        .unwrap_or("unknown")
        .to_owned()
}

/// The state a range works on, and what it will write.
#[derive(Debug)]
pub struct Projection {
    /// Tasks loaded or created.
    pub tasks: HashMap<U256, TaskRow>,
    /// Replicas of the loaded tasks.
    pub replicas: HashMap<(U256, u64), ReplicaRow>,
    /// Providers loaded or registered.
    pub providers: HashMap<Address, ProviderRow>,
    /// Market totals.
    pub market: MarketRow,
    dirty_tasks: BTreeSet<U256>,
    dirty_replicas: BTreeSet<(U256, u64)>,
    dirty_providers: BTreeSet<Address>,
    dirty_market: bool,
    /// Event rows to append.
    pub events: Vec<EventRow>,
    /// Undo entries (only when `journal_from` is set).
    pub undo: Vec<Undo>,
    /// Blocks at or above this get undo entries.
    journal_from: Option<u64>,
    journaled: BTreeMap<(&'static str, String), u64>,
}

impl Projection {
    /// Start from loaded rows. Blocks ≥ `journal_from` (not final yet) are journaled.
    pub fn new(
        tasks: HashMap<U256, TaskRow>,
        replicas: HashMap<(U256, u64), ReplicaRow>,
        providers: HashMap<Address, ProviderRow>,
        market: MarketRow,
        journal_from: Option<u64>,
    ) -> Self {
        Self {
            tasks,
            replicas,
            providers,
            market,
            dirty_tasks: BTreeSet::new(),
            dirty_replicas: BTreeSet::new(),
            dirty_providers: BTreeSet::new(),
            dirty_market: false,
            events: Vec::new(),
            undo: Vec::new(),
            journal_from,
            journaled: BTreeMap::new(),
        }
    }

    /// Changed rows, to write back.
    pub fn changed(
        &self,
    ) -> (
        Vec<&TaskRow>,
        Vec<&ReplicaRow>,
        Vec<&ProviderRow>,
        Option<&MarketRow>,
    ) {
        (
            self.dirty_tasks.iter().map(|k| &self.tasks[k]).collect(),
            self.dirty_replicas
                .iter()
                .map(|k| &self.replicas[k])
                .collect(),
            self.dirty_providers
                .iter()
                .map(|k| &self.providers[k])
                .collect(),
            self.dirty_market.then_some(&self.market),
        )
    }

    fn journal<R: StateRow>(&mut self, block: u64, key: String, prev: Option<&R>) {
        let Some(from) = self.journal_from else {
            return;
        };
        if block < from {
            return;
        }
        let slot = (R::TABLE, key);
        if self.journaled.get(&slot) == Some(&block) {
            return; // the row's value before this block is already recorded
        }
        self.undo.push(Undo {
            block,
            table: R::TABLE,
            key: slot.1.clone(),
            prev: prev.map(|r| serde_json::to_string(r).expect("rows serialize")),
        });
        self.journaled.insert(slot, block);
    }

    /// Whether a change at `block` must be journaled (the block is not final and the row's value
    /// before this block is not recorded yet).
    fn must_journal(&self, table: &'static str, key: &str, block: u64) -> bool {
        self.journal_from.is_some_and(|from| block >= from)
            && self.journaled.get(&(table, key.to_owned())) != Some(&block)
    }

    fn task(
        &mut self,
        id: U256,
        at: At,
        event: &'static str,
    ) -> Result<&mut TaskRow, ProjectError> {
        if !self.tasks.contains_key(&id) {
            return Err(ProjectError {
                event,
                block: at.block,
                what: "task",
                key: task_key(&id),
            });
        }
        if self.journal_from.is_some_and(|from| at.block >= from) {
            let key = task_key(&id);
            if self.must_journal(TaskRow::TABLE, &key, at.block) {
                let prev = self.tasks[&id].clone();
                self.journal(at.block, key, Some(&prev));
            }
        }
        self.dirty_tasks.insert(id);
        let t = self.tasks.get_mut(&id).expect("present");
        t.updated_block = at.block;
        Ok(t)
    }

    fn replica(
        &mut self,
        id: U256,
        idx: u64,
        at: At,
        event: &'static str,
    ) -> Result<&mut ReplicaRow, ProjectError> {
        let Some(row) = self.replicas.get(&(id, idx)) else {
            return Err(ProjectError {
                event,
                block: at.block,
                what: "replica",
                key: format!("{}/{idx}", task_key(&id)),
            });
        };
        if self.journal_from.is_some_and(|from| at.block >= from) {
            let key = row.key();
            if self.must_journal(ReplicaRow::TABLE, &key, at.block) {
                let prev = row.clone();
                self.journal(at.block, key, Some(&prev));
            }
        }
        self.dirty_replicas.insert((id, idx));
        let r = self.replicas.get_mut(&(id, idx)).expect("present");
        r.updated_block = at.block;
        Ok(r)
    }

    fn provider(
        &mut self,
        a: Address,
        at: At,
        event: &'static str,
    ) -> Result<&mut ProviderRow, ProjectError> {
        let Some(row) = self.providers.get(&a) else {
            return Err(ProjectError {
                event,
                block: at.block,
                what: "provider",
                key: addr(&a),
            });
        };
        if self.journal_from.is_some_and(|from| at.block >= from) {
            let key = addr(&a);
            if self.must_journal(ProviderRow::TABLE, &key, at.block) {
                let prev = row.clone();
                self.journal(at.block, key, Some(&prev));
            }
        }
        self.dirty_providers.insert(a);
        let p = self.providers.get_mut(&a).expect("present");
        p.updated_block = at.block;
        Ok(p)
    }

    fn market(&mut self, at: At) -> &mut MarketRow {
        if self.must_journal(MarketRow::TABLE, "", at.block) {
            let prev = self.market.clone();
            self.journal(at.block, String::new(), Some(&prev));
        }
        self.dirty_market = true;
        self.market.updated_block = at.block;
        &mut self.market
    }

    fn push(&mut self, table: EventTable, at: At, values: Vec<Val>) {
        self.events.push(EventRow {
            table,
            block: at.block,
            log_index: at.log_index,
            values,
        });
    }

    #[allow(clippy::too_many_arguments)]
    fn payment(
        &mut self,
        at: At,
        kind: &str,
        task: Option<U256>,
        idx: Option<u64>,
        account: Address,
        counterparty: Option<Address>,
        amount: U256,
        fee: U256,
    ) {
        self.push(
            EventTable::Payments,
            at,
            vec![
                Val::T(kind.into()),
                Val::NT(task.as_ref().map(task_key)),
                Val::NI(idx.map(big)),
                Val::T(addr(&account)),
                Val::NT(counterparty.as_ref().map(addr)),
                Val::T(amount.to_string()),
                Val::T(fee.to_string()),
            ],
        );
    }

    fn governance(
        &mut self,
        at: At,
        kind: &str,
        version: Option<u64>,
        subject: Option<Address>,
        detail: serde_json::Value,
    ) {
        self.push(
            EventTable::ParamChanges,
            at,
            vec![
                Val::T(kind.into()),
                Val::NI(version.map(big)),
                Val::NT(subject.as_ref().map(addr)),
                Val::T(detail.to_string()),
            ],
        );
    }

    /// Release a replica's collateral on its provider after it ended without fault.
    fn release(
        &mut self,
        provider: Address,
        collateral: U256,
        completed: bool,
        at: At,
        ev: &'static str,
    ) -> Result<(), ProjectError> {
        let p = self.provider(provider, at, ev)?;
        p.locked = p.locked.saturating_sub(collateral);
        p.running = p.running.saturating_sub(1);
        if completed {
            p.completed += 1;
        }
        Ok(())
    }

    /// Apply one event.
    pub fn apply(&mut self, e: &E, at: At) -> Result<(), ProjectError> {
        match e {
            E::ProviderRegistered(e) => {
                let i = &e.info;
                let existing = self.providers.get(&e.provider).cloned();
                self.journal(at.block, addr(&e.provider), existing.as_ref());
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
                    task_types: 0,
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
                p.task_types = i.taskTypes;
                p.metadata_uri = i.metadataURI.clone();
                p.updated_block = at.block;
                self.providers.insert(e.provider, p);
                self.dirty_providers.insert(e.provider);
            }
            E::ProviderStatusChanged(e) => {
                let p = self.provider(e.provider, at, "ProviderStatusChanged")?;
                p.status = name(&PROVIDER_STATUS, e.status);
            }
            E::CollateralDeposited(e) => {
                let p = self.provider(e.provider, at, "CollateralDeposited")?;
                p.stake = e.stake;
                let (unbonding, release_at) = (p.unbonding, p.release_at);
                self.push(
                    EventTable::Collateral,
                    at,
                    vec![
                        Val::T(addr(&e.provider)),
                        Val::T("deposit".into()),
                        Val::T(e.amount.to_string()),
                        Val::T(e.stake.to_string()),
                        Val::T(unbonding.to_string()),
                        Val::I(big(release_at)),
                    ],
                );
            }
            E::WithdrawalRequested(e) => {
                let p = self.provider(e.provider, at, "WithdrawalRequested")?;
                p.unbonding = e.unbonding;
                p.release_at = e.releaseAt.saturating_to();
                let stake = p.stake;
                self.push(
                    EventTable::Collateral,
                    at,
                    vec![
                        Val::T(addr(&e.provider)),
                        Val::T("withdrawal_requested".into()),
                        Val::T(e.amount.to_string()),
                        Val::T(stake.to_string()),
                        Val::T(e.unbonding.to_string()),
                        Val::I(big(e.releaseAt.saturating_to())),
                    ],
                );
            }
            E::CollateralWithdrawn(e) => {
                let p = self.provider(e.provider, at, "CollateralWithdrawn")?;
                p.unbonding = p.unbonding.saturating_sub(e.amount);
                p.stake = e.stake;
                let (unbonding, release_at) = (p.unbonding, p.release_at);
                self.push(
                    EventTable::Collateral,
                    at,
                    vec![
                        Val::T(addr(&e.provider)),
                        Val::T("withdrawn".into()),
                        Val::T(e.amount.to_string()),
                        Val::T(e.stake.to_string()),
                        Val::T(unbonding.to_string()),
                        Val::I(big(release_at)),
                    ],
                );
            }
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
                let mode = r.mode;
                let value = if mode == 3 {
                    U256::from(r.price) * U256::from(r.resultBy)
                } else {
                    U256::from(r.price)
                };
                let row = TaskRow {
                    task_id: e.taskId,
                    submitter: e.submitter,
                    mode: name(&MODES, mode),
                    status: "open".into(),
                    replicas: r.replicas.into(),
                    quorum: r.quorum.into(),
                    collateral_pct: r.collateralPct.into(),
                    price: U256::from(r.price),
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
                    params_version: e.paramsVersion.into(),
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
                let existing = self.tasks.get(&e.taskId).cloned();
                self.journal(at.block, task_key(&e.taskId), existing.as_ref());
                self.tasks.insert(e.taskId, row);
                self.dirty_tasks.insert(e.taskId);
                let m = self.market(at);
                m.escrowed += e.escrow;
            }
            E::TaskAssigned(e) => {
                let t = self.task(e.taskId, at, "TaskAssigned")?;
                t.status = "assigned".into();
                t.assigned_block = Some(at.block);
                t.refunded += e.refund;
                let collateral = t.collateral;
                for (i, (p, price)) in e.providers.iter().zip(&e.prices).enumerate() {
                    let idx = i as u64;
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
                    };
                    let existing = self.replicas.get(&(e.taskId, idx)).cloned();
                    self.journal(at.block, row.key(), existing.as_ref());
                    self.replicas.insert((e.taskId, idx), row);
                    self.dirty_replicas.insert((e.taskId, idx));
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
                    let submitter = self.tasks[&e.taskId].submitter;
                    self.payment(
                        at,
                        "task_refund",
                        Some(e.taskId),
                        None,
                        submitter,
                        None,
                        e.refund,
                        U256::ZERO,
                    );
                    let m = self.market(at);
                    m.escrowed = m.escrowed.saturating_sub(e.refund);
                    m.refunded += e.refund;
                }
            }
            E::ResultSubmitted(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ResultSubmitted")?;
                r.status = "submitted".into();
                r.result_hash = Some(e.resultHash);
                r.result_uri = Some(e.resultURI.clone());
                self.push(
                    EventTable::Results,
                    at,
                    vec![
                        Val::T(task_key(&e.taskId)),
                        Val::I(big(idx)),
                        Val::T(addr(&e.provider)),
                        Val::T("submitted".into()),
                        Val::T(word(&e.resultHash)),
                        Val::T(e.resultURI.clone()),
                    ],
                );
            }
            E::ResultRevealed(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ResultRevealed")?;
                r.status = "revealed".into();
                r.revealed_hash = Some(e.resultHash);
                let provider = r.provider;
                self.push(
                    EventTable::Results,
                    at,
                    vec![
                        Val::T(task_key(&e.taskId)),
                        Val::I(big(idx)),
                        Val::T(addr(&provider)),
                        Val::T("revealed".into()),
                        Val::T(word(&e.resultHash)),
                        Val::T(String::new()),
                    ],
                );
            }
            E::ReplicaPaid(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ReplicaPaid")?;
                r.status = "paid".into();
                r.payout += e.payout;
                r.fee += e.fee;
                let t = self.task(e.taskId, at, "ReplicaPaid")?;
                t.paid += e.payout;
                t.fees += e.fee;
                let collateral = t.collateral;
                self.release(e.provider, collateral, true, at, "ReplicaPaid")?;
                let p = self.provider(e.provider, at, "ReplicaPaid")?;
                p.earned += e.payout;
                p.earned_total += e.payout;
                self.payment(
                    at,
                    "replica_paid",
                    Some(e.taskId),
                    Some(idx),
                    e.provider,
                    None,
                    e.payout,
                    e.fee,
                );
                let m = self.market(at);
                m.escrowed = m.escrowed.saturating_sub(e.payout + e.fee);
                m.volume += e.payout;
                m.fees += e.fee;
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
                p.stake = p.stake.saturating_sub(e.slashed);
                if p.unbonding > p.stake {
                    p.unbonding = p.stake;
                }
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
                        Val::T(e.toSubmitter.to_string()),
                        Val::T(e.toTreasury.to_string()),
                        Val::T(e.bounty.to_string()),
                        Val::T(e.refund.to_string()),
                    ],
                );
                let m = self.market(at);
                m.escrowed = m.escrowed.saturating_sub(e.refund);
                m.refunded += e.refund;
                m.slashed += e.slashed;
            }
            E::ReplicaRefunded(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ReplicaRefunded")?;
                r.status = "refunded".into();
                r.refund += e.refund;
                let t = self.task(e.taskId, at, "ReplicaRefunded")?;
                t.refunded += e.refund;
                let (collateral, submitter) = (t.collateral, t.submitter);
                self.release(e.provider, collateral, false, at, "ReplicaRefunded")?;
                self.payment(
                    at,
                    "task_refund",
                    Some(e.taskId),
                    Some(idx),
                    submitter,
                    None,
                    e.refund,
                    U256::ZERO,
                );
                let m = self.market(at);
                m.escrowed = m.escrowed.saturating_sub(e.refund);
                m.refunded += e.refund;
            }
            E::TaskFinalized(e) => {
                let status = e.status;
                let t = self.task(e.taskId, at, "TaskFinalized")?;
                t.status = name(&TASK_STATUS, status);
                t.final_reason = Some(e.reason.into());
                t.finalized_block = Some(at.block);
                let (service, collateral, k) = (t.mode == MODES[3], t.collateral, t.replicas);
                if service && status == 3 {
                    // a service that ran to its end (or was terminated): every running replica ends
                    for idx in 0..k {
                        let running = self
                            .replicas
                            .get(&(e.taskId, idx))
                            .is_some_and(|r| r.status == "assigned");
                        if running {
                            let r = self.replica(e.taskId, idx, at, "TaskFinalized")?;
                            r.status = "ended".into();
                            let provider = r.provider;
                            self.release(provider, collateral, true, at, "TaskFinalized")?;
                        }
                    }
                }
            }
            E::TaskCancelled(e) => {
                let t = self.task(e.taskId, at, "TaskCancelled")?;
                t.status = "cancelled".into();
                t.refunded += e.refund;
                let submitter = t.submitter;
                self.payment(
                    at,
                    "task_refund",
                    Some(e.taskId),
                    None,
                    submitter,
                    None,
                    e.refund,
                    U256::ZERO,
                );
                let m = self.market(at);
                m.escrowed = m.escrowed.saturating_sub(e.refund);
                m.refunded += e.refund;
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
                    self.payment(
                        at,
                        "service_extended",
                        Some(e.taskId),
                        None,
                        submitter,
                        None,
                        e.cost,
                        U256::ZERO,
                    );
                }
                if !e.refund.is_zero() {
                    self.payment(
                        at,
                        "task_refund",
                        Some(e.taskId),
                        None,
                        submitter,
                        None,
                        e.refund,
                        U256::ZERO,
                    );
                }
                let m = self.market(at);
                m.escrowed = (m.escrowed + e.cost).saturating_sub(e.refund);
                m.refunded += e.refund;
            }
            E::ServiceClaimed(e) => {
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ServiceClaimed")?;
                r.payout += e.payout;
                r.fee += e.fee;
                r.claimed_until = Some(e.until.saturating_to());
                let provider = r.provider;
                let t = self.task(e.taskId, at, "ServiceClaimed")?;
                t.paid += e.payout;
                t.fees += e.fee;
                let p = self.provider(provider, at, "ServiceClaimed")?;
                p.earned += e.payout;
                p.earned_total += e.payout;
                self.payment(
                    at,
                    "service_claimed",
                    Some(e.taskId),
                    Some(idx),
                    provider,
                    None,
                    e.payout,
                    e.fee,
                );
                let m = self.market(at);
                m.escrowed = m.escrowed.saturating_sub(e.payout + e.fee);
                m.volume += e.payout;
                m.fees += e.fee;
            }
            E::ServiceFailed(e) => {
                // the slash and refund came with ReplicaSlashed; this records when it failed
                let idx = e.replica.saturating_to();
                let r = self.replica(e.taskId, idx, at, "ServiceFailed")?;
                r.claimed_until = Some(e.failedAt.saturating_to());
            }
            E::ParamsScheduled(e) => {
                let detail = params_json(&e.params, Some(e.eta));
                self.governance(at, "params_scheduled", None, None, detail);
            }
            E::ParamsApplied(e) => {
                let detail = params_json(&e.params, None);
                self.governance(at, "params_applied", Some(e.version.into()), None, detail);
                let m = self.market(at);
                m.params_version = e.version.into();
            }
            E::KeeperScheduled(e) => {
                self.governance(
                    at,
                    "keeper_scheduled",
                    None,
                    Some(e.keeper),
                    serde_json::json!({ "eta": e.eta.to_string() }),
                );
            }
            E::KeeperSet(e) => {
                self.governance(
                    at,
                    "keeper_set",
                    None,
                    Some(e.keeper),
                    serde_json::json!({ "enabled": e.enabled }),
                );
            }
            E::PauserSet(e) => self.governance(
                at,
                "pauser_set",
                None,
                Some(e.pauser),
                serde_json::json!({}),
            ),
            E::AdminProposed(e) => self.governance(
                at,
                "admin_proposed",
                None,
                Some(e.pendingAdmin),
                serde_json::json!({}),
            ),
            E::AdminChanged(e) => self.governance(
                at,
                "admin_changed",
                None,
                Some(e.admin),
                serde_json::json!({}),
            ),
            E::PausedSet(e) => {
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
}

fn params_json(p: &swan_contracts::ISwanMarket::Params, eta: Option<U256>) -> serde_json::Value {
    let mut v = serde_json::json!({
        "fee_bps": p.feeBps,
        "slash_to_submitter_bps": p.slashToSubmitterBps,
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
