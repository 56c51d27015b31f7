//! Allocation: which providers run which open tasks.
//!
//! 1. **Eligibility** ([`check`]): a provider can take a replica of a task when it is active,
//!    accepts the task's verification mode (its terms on chain), is in the task's region (or the
//!    task takes any region), is not excluded for the task (it declined or was slashed on the
//!    same work before: `market::open_tasks`), its machine covers the task's requirements
//!    (CPU, memory, storage, GPU count, GPU memory, GPU model), its price is within the task's
//!    cap, the collateral at that price is within the most it agreed to lock, and it still has
//!    the resources and free collateral the replica needs after the replicas it already runs
//!    and those given to it earlier in the same batch.
//!    These are the contract's own checks at assignment (`TaskEscrow._lock`), so a choice made
//!    here is not refused on chain.
//! 2. **Price**: the provider's quote — its hourly prices times the task's requirements, over
//!    `duration_secs` for a batch task (rounded up to whole seconds of the hourly rate), a rate per
//!    second for a service task — raised to its floor (`min_price` / `min_rate`) if below. The
//!    price is what the keeper assigns at — never more than the cap. The collateral is the
//!    task's `collateral_pct` % of that price (of rate × duration for a service), as the
//!    contract locks it.
//! 3. **Score** ([`Weights`], [`Terms`]): lower is better, an integer in parts per million:
//!    `price·(quote / cap) + reputation·(1 − reputation) + load·(running / (running + slots)) +
//!    fit·(GPU machine for a task without GPUs)`, weights 50 % / 25 % / 15 % / 10 % by default.
//!    Ties go to the lower provider address.
//! 4. **Batch assignment** ([`solver`]): the open tasks at once, as an assignment problem with
//!    provider capacities (min-cost flow by cost scaling, never worse than greedy), whole tasks only: a task whose
//!    replicas cannot all be placed waits for the next round.
//!
//! Capacities are counted in replica slots for the solver: for each provider, how many of the
//! batch's smallest requirement still fit in each resource and in its free collateral. That
//! count can be optimistic when the batch mixes sizes; the solver's result is then checked
//! replica by replica against the real remaining resources and collateral, and a task that no
//! longer fits is moved to another candidate or waits. No provider is ever given more than it
//! has. Every decision carries its [`Decision`]: the chosen providers with their score terms,
//! the best alternative, and for a waiting task why.

pub mod instances;
mod scan;
pub mod solver;

use std::collections::BTreeMap;

use alloy::primitives::{Address, B256, U256};
use serde::Serialize;

/// Parts per million.
pub const PPM: i64 = 1_000_000;

/// A machine's resources, or a task's requirements per replica.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Resources {
    /// CPU cores.
    pub cpu_cores: u32,
    /// Memory, GiB.
    pub memory_gib: u32,
    /// Storage, GiB.
    pub storage_gib: u32,
    /// GPUs.
    pub gpu_count: u32,
    /// Memory per GPU, GiB.
    pub gpu_memory_gib: u32,
    /// GPU model (zero: any).
    pub gpu_model: B256,
}

impl Resources {
    /// The consumable amounts: CPU, memory, storage, GPUs.
    fn amounts(&self) -> [u64; 4] {
        [
            self.cpu_cores.into(),
            self.memory_gib.into(),
            self.storage_gib.into(),
            self.gpu_count.into(),
        ]
    }
}

/// A provider's hourly prices, in the token's smallest unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Prices {
    /// Per CPU core-hour.
    pub per_cpu_hour: u128,
    /// Per GiB of memory per hour.
    pub per_gib_memory_hour: u128,
    /// Per GPU-hour.
    pub per_gpu_hour: u128,
    /// Per GiB of storage per hour.
    pub per_gib_storage_hour: u128,
}

/// What a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Runs to a result.
    Batch,
    /// Serves for a duration.
    Service,
}

/// The contract's verification modes (`ISwanMarket.Mode`), as bits of a provider's `modes`.
pub use swan_contracts::mode;

/// A provider as the allocator sees it (from the indexer's `providers` and `replicas` tables).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Offer {
    /// The provider.
    pub address: Address,
    /// Its machine.
    pub resources: Resources,
    /// Resources taken by the replicas it runs now.
    pub in_use: Resources,
    /// Hourly prices.
    pub prices: Prices,
    /// Region (zero: unspecified).
    pub region: B256,
    /// Verification modes it accepts (bit `i`: mode `i`, see [`mode`]).
    pub modes: u8,
    /// The most collateral it agreed to lock for one replica.
    pub max_collateral: u128,
    /// Its floor for a batch replica's price.
    pub min_price: u128,
    /// Its floor for a service replica's rate per second.
    pub min_rate: u128,
    /// Active (registered, not paused, not exiting).
    pub active: bool,
    /// Collateral free to lock.
    pub free_collateral: u128,
    /// Reputation, parts per million.
    pub reputation_ppm: u32,
    /// Replicas it runs now.
    pub running: u32,
}

impl Offer {
    /// Count a replica of `task` at `price` that is on its way to this provider but not yet in
    /// the indexer's tables: its resources in use, its collateral locked, one more running.
    pub fn reserve(&mut self, task: &OpenTask, price: u128) {
        let (u, r) = (&mut self.in_use, &task.requirements);
        u.cpu_cores = u.cpu_cores.saturating_add(r.cpu_cores);
        u.memory_gib = u.memory_gib.saturating_add(r.memory_gib);
        u.storage_gib = u.storage_gib.saturating_add(r.storage_gib);
        u.gpu_count = u.gpu_count.saturating_add(r.gpu_count);
        self.free_collateral = self.free_collateral.saturating_sub(collateral(task, price));
        self.running = self.running.saturating_add(1);
    }
}

/// An open task as the allocator sees it (from the indexer's `tasks` table and its spec).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenTask {
    /// The task.
    pub id: U256,
    /// Batch or service.
    pub kind: Kind,
    /// Its verification mode (see [`mode`]).
    pub mode: u8,
    /// Replicas on distinct providers.
    pub replicas: u32,
    /// Cap per replica (batch), or per second per replica (service).
    pub price_cap: u128,
    /// Batch: the expected run time quoted for; service: the duration.
    pub duration_secs: u64,
    /// Collateral per replica, % of the replica's value.
    pub collateral_pct: u16,
    /// Requirements per replica.
    pub requirements: Resources,
    /// Region (zero: any).
    pub region: B256,
    /// Providers that may not take it (they declined or were slashed on the same work before).
    pub exclude: Vec<Address>,
}

/// Why a provider cannot take a task (the first failed check, in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// Not active.
    Inactive,
    /// Does not accept the task's verification mode (its terms on chain).
    Mode,
    /// Another region.
    Region,
    /// Excluded for this task.
    Excluded,
    /// Its machine does not cover the requirements.
    Resources,
    /// Its price (its quote, or its floor) is above the cap.
    Price,
    /// The collateral at its price is above the most it agreed to lock.
    Terms,
    /// Not enough resources left now.
    Busy,
    /// Not enough free collateral.
    Collateral,
}

impl Refusal {
    /// Every reason, in check order.
    pub const ALL: [Refusal; 9] = [
        Refusal::Inactive,
        Refusal::Mode,
        Refusal::Region,
        Refusal::Excluded,
        Refusal::Resources,
        Refusal::Price,
        Refusal::Terms,
        Refusal::Busy,
        Refusal::Collateral,
    ];

    /// The reason in words, after a count of providers ("2 with a machine too small for it").
    pub fn words(self) -> &'static str {
        match self {
            Refusal::Inactive => "not active",
            Refusal::Mode => "not accepting its verification mode",
            Refusal::Region => "in another region",
            Refusal::Excluded => "declined or failed this work before",
            Refusal::Resources => "with a machine too small for it",
            Refusal::Price => "asking more than its price cap",
            Refusal::Terms => "unwilling to lock its collateral",
            Refusal::Busy => "busy (no resources left now)",
            Refusal::Collateral => "short of free collateral",
        }
    }
}

/// Score weights, parts per million (they need not sum to a million).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Weights {
    /// Quote as a share of the cap.
    pub price: i64,
    /// One minus reputation.
    pub reputation: i64,
    /// Share of the provider's slots already running.
    pub load: i64,
    /// A GPU machine for a task that needs no GPU.
    pub fit: i64,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            price: 500_000,
            reputation: 250_000,
            load: 150_000,
            fit: 100_000,
        }
    }
}

/// The score of one provider for one task, term by term (each in ppm before weighting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Terms {
    /// Quote / cap.
    pub price_ppm: i64,
    /// 1 − reputation.
    pub reputation_ppm: i64,
    /// running / (running + slots).
    pub load_ppm: i64,
    /// 1 if a GPU machine would run a task without GPUs.
    pub fit_ppm: i64,
    /// The weighted sum: the cost the solver minimizes.
    pub cost: i64,
}

/// Allocation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Config {
    /// Score weights.
    pub weights: Weights,
    /// Candidates kept per task: its cheapest eligible providers.
    pub candidates: usize,
    /// More candidates per task, drawn at random among its eligible providers (so capacity is
    /// not left idle when every task's cheapest providers are the same few).
    pub random_candidates: usize,
    /// Most replicas a provider runs at once.
    pub max_slots: u32,
    /// Blocks the indexer must have seen past a task's last change before the keeper acts on it
    /// (0: at once; see [`crate::market::changed_lately`]). A reorg can put the orphaned
    /// assignment before the orphaned creation, or a settle before its result, and the call
    /// reverts; past the reorg depth this cannot happen.
    pub confirmations: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            weights: Weights::default(),
            candidates: 8,
            random_candidates: 24,
            max_slots: 64,
            confirmations: 0,
        }
    }
}

/// A provider chosen for a replica, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Choice {
    /// The provider.
    pub provider: Address,
    /// The price assigned at (its quote, raised to its floor).
    pub price: u128,
    /// Collateral it locks.
    pub collateral: u128,
    /// Its score.
    pub terms: Terms,
}

/// What the allocator decided for one task, with what anyone needs to recompute it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// The task.
    pub task: U256,
    /// The providers, one per replica (empty: the task waits).
    pub chosen: Vec<Choice>,
    /// Eligible providers at the start of the batch.
    pub eligible: usize,
    /// The cheapest eligible provider not chosen.
    pub runner_up: Option<Choice>,
    /// Why providers were refused, by reason (a waiting task's explanation).
    pub refused: BTreeMap<Refusal, usize>,
}

impl Decision {
    /// What this decision means for the task, in one sentence: the keeper's reason for a waiting
    /// task (the CLI's `swan task status` and the explorer show this text).
    pub fn reason(&self) -> String {
        if !self.chosen.is_empty() {
            return format!(
                "the keeper chose {} provider(s): the assignment is on its way",
                self.chosen.len()
            );
        }
        let eligible = self.eligible;
        if self.refused.is_empty() {
            return format!(
                "{eligible} provider(s) could take it; none was free in the last allocation"
            );
        }
        let refused: Vec<String> = self
            .refused
            .iter()
            .map(|(r, n)| format!("{n} {}", r.words()))
            .collect();
        format!(
            "no provider can take it now: {} ({eligible} eligible)",
            refused.join(", ")
        )
    }

    /// The decision as the keeper's API serves it: its fields and its [`reason`](Self::reason).
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("reason".into(), self.reason().into());
        }
        v
    }
}

/// A provider's quote for one replica of `task`: its hourly prices times the requirements, over
/// the duration for a batch task (rounded up), per second for a service task (rounded up).
/// Amounts saturate at `u128::MAX`, far above any cap (caps are 96-bit on chain).
pub fn quote(task: &OpenTask, prices: &Prices) -> u128 {
    let r = &task.requirements;
    let hourly = prices
        .per_cpu_hour
        .saturating_mul(r.cpu_cores.into())
        .saturating_add(
            prices
                .per_gib_memory_hour
                .saturating_mul(r.memory_gib.into()),
        )
        .saturating_add(prices.per_gpu_hour.saturating_mul(r.gpu_count.into()))
        .saturating_add(
            prices
                .per_gib_storage_hour
                .saturating_mul(r.storage_gib.into()),
        );
    per_duration(task, hourly)
}

/// A batch task's price over its duration, or a service task's rate per second, from the
/// hourly price (rounded up).
fn per_duration(task: &OpenTask, hourly: u128) -> u128 {
    let amount = match task.kind {
        Kind::Batch => hourly.saturating_mul(task.duration_secs.into()),
        Kind::Service => hourly,
    };
    match u64::try_from(amount) {
        Ok(a) => u128::from(a.div_ceil(3_600)), // the common case, without 128-bit division
        Err(_) => amount.div_ceil(3_600),
    }
}

/// The collateral a replica at `price` locks: `collateral_pct` % of its value (the price; for a
/// service, the rate times the duration), rounded down as the contract does (saturating).
pub fn collateral(task: &OpenTask, price: u128) -> u128 {
    let value = match task.kind {
        Kind::Batch => price,
        Kind::Service => price.saturating_mul(task.duration_secs.into()),
    };
    swan_contracts::money::collateral_u128(value, task.collateral_pct)
}

/// What a provider has left during a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Left {
    amounts: [u64; 4],
    collateral: u128,
}

impl Left {
    fn of(o: &Offer) -> Self {
        let (total, used) = (o.resources.amounts(), o.in_use.amounts());
        Self {
            amounts: std::array::from_fn(|i| total[i].saturating_sub(used[i])),
            collateral: o.free_collateral,
        }
    }

    fn fits(&self, need: &[u64; 4], collateral: u128) -> Result<(), Refusal> {
        if need.iter().zip(&self.amounts).any(|(n, l)| n > l) {
            Err(Refusal::Busy)
        } else if collateral > self.collateral {
            Err(Refusal::Collateral)
        } else {
            Ok(())
        }
    }

    fn take(&mut self, need: &[u64; 4], collateral: u128) {
        for (l, n) in self.amounts.iter_mut().zip(need) {
            *l -= n;
        }
        self.collateral -= collateral;
    }

    fn give(&mut self, need: &[u64; 4], collateral: u128) {
        for (l, n) in self.amounts.iter_mut().zip(need) {
            *l += n;
        }
        self.collateral += collateral;
    }
}

/// Whether `o` could take a replica of `t` now: the price it would be assigned at, or the first
/// failed check (in the order of [`Refusal`]).
pub fn check(t: &OpenTask, o: &Offer) -> Result<u128, Refusal> {
    if !o.active {
        return Err(Refusal::Inactive);
    }
    if (o.modes >> t.mode) & 1 == 0 {
        return Err(Refusal::Mode);
    }
    if t.region != B256::ZERO && t.region != o.region {
        return Err(Refusal::Region);
    }
    if t.exclude.contains(&o.address) {
        return Err(Refusal::Excluded);
    }
    let (r, m) = (&t.requirements, &o.resources);
    let covers = r.cpu_cores <= m.cpu_cores
        && r.memory_gib <= m.memory_gib
        && r.storage_gib <= m.storage_gib
        && r.gpu_count <= m.gpu_count
        && (r.gpu_count == 0
            || (r.gpu_memory_gib <= m.gpu_memory_gib
                && (r.gpu_model == B256::ZERO || r.gpu_model == m.gpu_model)));
    if !covers {
        return Err(Refusal::Resources);
    }
    let floor = match t.kind {
        Kind::Batch => o.min_price,
        Kind::Service => o.min_rate,
    };
    let price = quote(t, &o.prices).max(floor);
    if price > t.price_cap {
        return Err(Refusal::Price);
    }
    let col = collateral(t, price);
    if col > o.max_collateral {
        return Err(Refusal::Terms);
    }
    Left::of(o).fits(&t.requirements.amounts(), col)?;
    Ok(price)
}

/// `a / b` in ppm, for `a ≤ b` (0 when `b` is 0).
fn ratio_ppm(a: u128, b: u128) -> i64 {
    if b == 0 {
        return 0;
    }
    let r = if let (Ok(a64), Ok(b64)) = (u64::try_from(a), u64::try_from(b))
        && a64 <= u64::MAX / PPM as u64
    {
        u128::from(a64 * PPM as u64 / b64) // the common case, without 128-bit division
    } else if a <= u128::MAX / PPM as u128 {
        a * PPM as u128 / b
    } else {
        a / (b / PPM as u128).max(1)
    };
    i64::try_from(r).unwrap_or(PPM).min(PPM)
}

/// The score of `o` for `t` at `price`, given its slot count at the start of the batch.
pub fn score(t: &OpenTask, o: &Offer, price: u128, slots: u32, w: &Weights) -> Terms {
    let price_ppm = ratio_ppm(price, t.price_cap);
    let (reputation_ppm, load_ppm) = provider_terms(o, slots);
    let fit_ppm = if t.requirements.gpu_count == 0 && o.resources.gpu_count > 0 {
        PPM
    } else {
        0
    };
    let cost =
        (w.price * price_ppm + w.reputation * reputation_ppm + w.load * load_ppm + w.fit * fit_ppm)
            / PPM;
    Terms {
        price_ppm,
        reputation_ppm,
        load_ppm,
        fit_ppm,
        cost,
    }
}

/// The terms of a score that depend on the provider only: 1 − reputation and load, in ppm.
fn provider_terms(o: &Offer, slots: u32) -> (i64, i64) {
    let reputation_ppm = PPM - i64::from(o.reputation_ppm).min(PPM);
    let busy = u64::from(o.running) + u64::from(slots);
    let load_ppm = if busy == 0 {
        PPM
    } else {
        i64::from(o.running) * PPM / busy as i64
    };
    (reputation_ppm, load_ppm)
}

/// Replica slots of each provider for this batch: how many of the batch's smallest requirement
/// (per resource, and in collateral) still fit, at most `max_slots`.
fn slots(tasks: &[OpenTask], offers: &[&Offer], max_slots: u32) -> Vec<u32> {
    let mut smallest = [u64::MAX; 4];
    for t in tasks {
        for (s, a) in smallest.iter_mut().zip(t.requirements.amounts()) {
            if a > 0 {
                *s = (*s).min(a);
            }
        }
    }
    offers
        .iter()
        .map(|o| {
            let left = Left::of(o);
            let mut n = u64::from(max_slots);
            for (l, s) in left.amounts.iter().zip(smallest) {
                if s != u64::MAX {
                    n = n.min(l / s);
                }
            }
            n as u32
        })
        .collect()
}

/// The assignment problem a batch poses to the solver (for benchmarks and for anyone checking
/// a decision): providers in address order, each task's cheapest `cfg.candidates` eligible
/// providers with their costs.
pub fn problem(tasks: &[OpenTask], offers: &[Offer], cfg: &Config) -> solver::Problem {
    scan::prepare(tasks, offers, cfg).problem
}

/// Allocate a batch of open tasks over the offers. Tasks come back in the order given, each
/// with its decision; a task with no chosen provider waits.
pub fn allocate(tasks: &[OpenTask], offers: &[Offer], cfg: &Config) -> Vec<Decision> {
    let scan::Batch {
        offers,
        problem,
        quotes,
        mut decisions,
    } = scan::prepare(tasks, offers, cfg);
    let solution = solver::solve(&problem);
    // check the solver's slot counts against what each provider really has left: placed tasks
    // first (cheapest first), each on the solver's providers where they still fit, else on its
    // other candidates; then the tasks the solver left waiting, on any candidate that fits
    let mut left: Vec<Left> = offers.iter().map(|o| Left::of(o)).collect();
    let task_cost = |t: usize| -> i64 {
        solution.assigned[t]
            .iter()
            .filter_map(|&q| problem.cost_of(t, q))
            .sum()
    };
    let mut order: Vec<usize> = (0..tasks.len()).collect();
    order.sort_by_cached_key(|&t| (solution.assigned[t].is_empty(), task_cost(t), t));
    for t in order {
        let task = &tasks[t];
        let need = task.requirements.amounts();
        let mut picks: Vec<usize> = Vec::new();
        let preferred = solution.assigned[t]
            .iter()
            .filter_map(|&q| quotes[t].iter().position(|c| c.0 == q));
        for c in preferred.chain(0..quotes[t].len()) {
            if picks.len() == task.replicas as usize {
                break;
            }
            let (q, price, _) = quotes[t][c];
            if picks.iter().any(|&p| quotes[t][p].0 == q) {
                continue;
            }
            let col = collateral(task, price);
            if left[q as usize].fits(&need, col).is_ok() {
                left[q as usize].take(&need, col);
                picks.push(c);
            }
        }
        let choice = |c: usize| {
            let (q, price, terms) = quotes[t][c];
            Choice {
                provider: offers[q as usize].address,
                price,
                collateral: collateral(task, price),
                terms,
            }
        };
        let d = &mut decisions[t];
        if picks.len() == task.replicas as usize {
            d.chosen = picks.iter().map(|&c| choice(c)).collect();
        } else {
            // whole or not at all: give back what was taken
            for &c in &picks {
                let (q, price, _) = quotes[t][c];
                left[q as usize].give(&need, collateral(task, price));
            }
        }
        d.runner_up = (0..quotes[t].len())
            .find(|c| !picks.contains(c) || d.chosen.is_empty())
            .map(choice);
    }
    decisions
}

#[cfg(test)]
mod reason_tests {
    use super::*;

    #[test]
    fn a_waiting_task_is_told_why_in_words() {
        let waits = |refused: &[(Refusal, usize)], eligible| Decision {
            task: U256::from(7),
            chosen: Vec::new(),
            eligible,
            runner_up: None,
            refused: refused.iter().copied().collect(),
        };
        assert_eq!(
            waits(&[(Refusal::Resources, 2), (Refusal::Price, 1)], 0).reason(),
            "no provider can take it now: 2 with a machine too small for it, 1 asking more than its price cap (0 eligible)"
        );
        assert_eq!(
            waits(&[], 3).reason(),
            "3 provider(s) could take it; none was free in the last allocation"
        );
        let json = waits(&[(Refusal::Collateral, 1)], 1).to_json();
        assert_eq!(json["refused"]["collateral"], 1, "{json}");
        assert_eq!(
            json["reason"],
            "no provider can take it now: 1 short of free collateral (1 eligible)"
        );
    }
}
