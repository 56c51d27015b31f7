//! The projection: market events to typed rows, by the contracts' own rules and from events
//! alone (no `eth_call`).
//!
//! [`Projection`] holds the state rows a range touches (loaded from the database first), applies
//! the range's events in chain order, and collects what to write: changed state rows, event rows
//! and — for blocks that are not final yet — the previous value of every state row a block
//! changed (the undo log a reorg rolls back with).

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    hash::Hash,
};

use alloy::primitives::{Address, B256, U256};
use swan_contracts::{
    SwanMarket::SwanMarketEvents as E, registry::SwanRegistry::SwanRegistryEvents as R,
};

use crate::events::SwanEvent;
use crate::model::{
    EventRow, EventTable, MarketRow, ProviderRow, ReplicaRow, StateRow, TaskRow, Val, addr, big,
    task_key, word,
};

mod rules;

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

impl Keys {
    /// A replica's task and provider.
    fn replica(&mut self, task: U256, provider: Address) {
        self.tasks.insert(task);
        self.providers.insert(provider);
    }
}

/// Collect the keys `events` (in chain order) touch and that must be loaded: tasks created
/// within the same events need no loading.
pub fn keys<'a>(events: impl IntoIterator<Item = &'a SwanEvent>) -> Keys {
    let mut k = Keys::default();
    let mut created = BTreeSet::new();
    for e in events {
        let e = match e {
            SwanEvent::Registry(r) => {
                match r {
                    R::ProviderRegistered(e) => drop(k.providers.insert(e.provider)),
                    R::ProviderStatusChanged(e) => drop(k.providers.insert(e.provider)),
                    R::CollateralDeposited(e) => drop(k.providers.insert(e.provider)),
                    R::WithdrawalRequested(e) => drop(k.providers.insert(e.provider)),
                    R::CollateralWithdrawn(e) => drop(k.providers.insert(e.provider)),
                    _ => {}
                }
                continue;
            }
            SwanEvent::Market(e) => e,
        };
        match e {
            E::EarningsClaimed(e) => drop(k.providers.insert(e.provider)),
            E::TaskCreated(e) => drop(created.insert(e.taskId)),
            E::TaskAssigned(e) => {
                k.tasks.insert(e.taskId);
                k.providers.extend(e.providers.iter().copied());
            }
            E::ResultSubmitted(e) => drop(k.tasks.insert(e.taskId)),
            E::ResultRevealed(e) => drop(k.tasks.insert(e.taskId)),
            E::ReplicaPaid(e) => k.replica(e.taskId, e.provider),
            E::ReplicaSlashed(e) => k.replica(e.taskId, e.provider),
            E::ReplicaRefunded(e) => k.replica(e.taskId, e.provider),
            E::ReplicaDeclined(e) => k.replica(e.taskId, e.provider),
            E::AnswerRevealed(e) => drop(k.tasks.insert(e.taskId)),
            E::BatchItemSkipped(e) => drop(k.tasks.insert(e.taskId)),
            E::ServiceLeft(e) => drop(k.tasks.insert(e.taskId)),
            E::ServiceReplicaEnded(e) => drop(k.tasks.insert(e.taskId)),
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

/// The enum names as stored: one copy, in `swan_contracts` (checked against the Solidity).
pub use swan_contracts::{MODES, PROVIDER_STATUS, REPLICA_STATUS, TASK_STATUS};

pub(crate) fn name(table: &'static [&'static str], i: u8) -> String {
    swan_contracts::name_of(table, i).to_owned()
}

/// The undo log being built: for each state row a block not final yet changes, its value
/// before that block (once per row and block).
#[derive(Debug, Default)]
struct Journal {
    /// Blocks at or above this are not final.
    from: Option<u64>,
    /// The last block each row's previous value was recorded for.
    recorded: BTreeMap<(&'static str, String), u64>,
    undo: Vec<Undo>,
}

impl Journal {
    /// Record `prev` (None: the row does not exist yet) as the value before `block`. Only the
    /// key is computed, and only the row serialized, when an entry is really written.
    fn record<R: StateRow>(&mut self, block: u64, key: impl FnOnce() -> String, prev: Option<&R>) {
        if self.from.is_none_or(|from| block < from) {
            return;
        }
        let slot = (R::TABLE, key());
        if self.recorded.get(&slot) == Some(&block) {
            return; // the row's value before this block is already recorded
        }
        self.undo.push(Undo {
            block,
            table: R::TABLE,
            key: slot.1.clone(),
            prev: prev.map(|r| serde_json::to_string(r).expect("rows serialize")),
        });
        self.recorded.insert(slot, block);
    }
}

/// A state row about to change at `block`: journaled, marked dirty, stamped. None if unknown.
fn touch<'a, K: Ord + Hash + Clone, R: StateRow>(
    rows: &'a mut HashMap<K, R>,
    dirty: &mut BTreeSet<K>,
    journal: &mut Journal,
    key: K,
    block: u64,
) -> Option<&'a mut R> {
    let row = rows.get_mut(&key)?;
    journal.record(block, || row.key(), Some(&*row));
    dirty.insert(key);
    row.set_updated_block(block);
    Some(row)
}

/// A state row created (or replaced) at `block`: its previous value (or absence) journaled.
fn put<K: Ord + Hash + Clone, R: StateRow>(
    rows: &mut HashMap<K, R>,
    dirty: &mut BTreeSet<K>,
    journal: &mut Journal,
    key: K,
    row: R,
    block: u64,
) {
    journal.record(block, || row.key(), rows.get(&key));
    dirty.insert(key.clone());
    rows.insert(key, row);
}

fn unknown(event: &'static str, at: At, what: &'static str, key: String) -> ProjectError {
    ProjectError {
        event,
        block: at.block,
        what,
        key,
    }
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
    journal: Journal,
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
            journal: Journal {
                from: journal_from,
                ..Journal::default()
            },
        }
    }

    /// Undo entries of the blocks not final yet.
    pub fn undo(&self) -> &[Undo] {
        &self.journal.undo
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

    fn task(
        &mut self,
        id: U256,
        at: At,
        event: &'static str,
    ) -> Result<&mut TaskRow, ProjectError> {
        touch(
            &mut self.tasks,
            &mut self.dirty_tasks,
            &mut self.journal,
            id,
            at.block,
        )
        .ok_or_else(|| unknown(event, at, "task", task_key(&id)))
    }

    fn replica(
        &mut self,
        id: U256,
        idx: u64,
        at: At,
        event: &'static str,
    ) -> Result<&mut ReplicaRow, ProjectError> {
        let (rows, dirty) = (&mut self.replicas, &mut self.dirty_replicas);
        touch(rows, dirty, &mut self.journal, (id, idx), at.block)
            .ok_or_else(|| unknown(event, at, "replica", format!("{}/{idx}", task_key(&id))))
    }

    fn provider(
        &mut self,
        a: Address,
        at: At,
        event: &'static str,
    ) -> Result<&mut ProviderRow, ProjectError> {
        let (rows, dirty) = (&mut self.providers, &mut self.dirty_providers);
        touch(rows, dirty, &mut self.journal, a, at.block)
            .ok_or_else(|| unknown(event, at, "provider", addr(&a)))
    }

    fn put_task(&mut self, row: TaskRow, at: At) {
        let (rows, dirty) = (&mut self.tasks, &mut self.dirty_tasks);
        put(rows, dirty, &mut self.journal, row.task_id, row, at.block);
    }

    fn put_replica(&mut self, row: ReplicaRow, at: At) {
        let (rows, dirty) = (&mut self.replicas, &mut self.dirty_replicas);
        put(
            rows,
            dirty,
            &mut self.journal,
            (row.task_id, row.idx),
            row,
            at.block,
        );
    }

    fn put_provider(&mut self, row: ProviderRow, at: At) {
        let (rows, dirty) = (&mut self.providers, &mut self.dirty_providers);
        put(rows, dirty, &mut self.journal, row.address, row, at.block);
    }

    fn market(&mut self, at: At) -> &mut MarketRow {
        self.journal
            .record(at.block, String::new, Some(&self.market));
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

    /// A collateral event row, with the provider's stake, unbonding and release time after it.
    fn collateral(&mut self, at: At, provider: Address, kind: &str, amount: U256) {
        let p = &self.providers[&provider];
        let values = vec![
            Val::T(addr(&provider)),
            Val::T(kind.into()),
            Val::T(amount.to_string()),
            Val::T(p.stake.to_string()),
            Val::T(p.unbonding.to_string()),
            Val::I(big(p.release_at)),
        ];
        self.push(EventTable::Collateral, at, values);
    }

    /// A result row: a submission (with its URI) or a reveal.
    #[allow(clippy::too_many_arguments)]
    fn result(
        &mut self,
        at: At,
        task: U256,
        idx: u64,
        provider: Address,
        kind: &str,
        hash: B256,
        uri: &str,
    ) {
        let values = vec![
            Val::T(task_key(&task)),
            Val::I(big(idx)),
            Val::T(addr(&provider)),
            Val::T(kind.into()),
            Val::T(word(&hash)),
            Val::T(uri.to_owned()),
        ];
        self.push(EventTable::Results, at, values);
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
}
