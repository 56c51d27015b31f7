//! The eligibility scan: every task against every provider, in a compact form, keeping each
//! task's candidates for the solver.

use std::collections::BinaryHeap;

use alloy::primitives::{Address, B256};

use super::{
    Config, Decision, Left, Offer, OpenTask, PPM, Prices, Refusal, Terms, collateral, per_duration,
    provider_terms, quote, ratio_ppm, score, slots, solver,
};

/// A provider in the form the eligibility scan reads: small and flat, so the scan over every
/// task × provider pair stays in cache. [`View::check`] agrees with [`check`] exactly.
#[derive(Debug, Clone, Copy)]
pub(super) struct View {
    /// Kind bits served (0: inactive).
    kinds: u8,
    active: bool,
    region: u32,
    model: u32,
    /// CPU, memory, storage, GPUs, GPU memory.
    machine: [u32; 5],
    left: Left,
    prices: Prices,
    /// CPU, memory, GPU, storage hourly prices when all fit 64 bits.
    small_prices: Option<[u64; 4]>,
}

/// Small ids for 32-byte labels (regions, GPU models); 0 is "none".
#[derive(Debug, Default)]
pub(super) struct Labels(Vec<B256>);

impl Labels {
    pub(super) fn id(&mut self, label: B256) -> u32 {
        if label == B256::ZERO {
            return 0;
        }
        match self.0.iter().position(|l| *l == label) {
            Some(i) => i as u32 + 1,
            None => {
                self.0.push(label);
                self.0.len() as u32
            }
        }
    }
}

impl View {
    pub(super) fn of(o: &Offer, regions: &mut Labels, models: &mut Labels) -> Self {
        let m = &o.resources;
        Self {
            kinds: o.task_types,
            active: o.active,
            region: regions.id(o.region),
            model: models.id(m.gpu_model),
            machine: [
                m.cpu_cores,
                m.memory_gib,
                m.storage_gib,
                m.gpu_count,
                m.gpu_memory_gib,
            ],
            left: Left::of(o),
            prices: o.prices,
            small_prices: (|| {
                let p = &o.prices;
                Some([
                    u64::try_from(p.per_cpu_hour).ok()?,
                    u64::try_from(p.per_gib_memory_hour).ok()?,
                    u64::try_from(p.per_gpu_hour).ok()?,
                    u64::try_from(p.per_gib_storage_hour).ok()?,
                ])
            })(),
        }
    }

    /// Whether the provider can take a replica of `t`: its quote, or the first failed check.
    #[inline]
    pub(super) fn check(
        &self,
        t: &OpenTask,
        need: &TaskNeed,
        address: &Address,
    ) -> Result<u128, Refusal> {
        if !self.active {
            return Err(Refusal::Inactive);
        }
        if self.kinds & need.kind == 0 {
            return Err(Refusal::Kind);
        }
        if need.region != 0 && need.region != self.region {
            return Err(Refusal::Region);
        }
        if need.excludes && t.exclude.contains(address) {
            return Err(Refusal::Excluded);
        }
        let (r, m) = (&need.machine, &self.machine);
        let covers = r[0] <= m[0]
            && r[1] <= m[1]
            && r[2] <= m[2]
            && r[3] <= m[3]
            && (r[3] == 0 || (r[4] <= m[4] && (need.model == 0 || need.model == self.model)));
        if !covers {
            return Err(Refusal::Resources);
        }
        let price = match self.small_prices {
            // prices below 2^64 and 32-bit requirements: the sum cannot overflow 128 bits
            Some(p) => {
                let r = &need.machine;
                let hourly = u128::from(p[0]) * u128::from(r[0])
                    + u128::from(p[1]) * u128::from(r[1])
                    + u128::from(p[2]) * u128::from(r[3])
                    + u128::from(p[3]) * u128::from(r[2]);
                per_duration(t, hourly)
            }
            None => quote(t, &self.prices),
        };
        if price > t.price_cap {
            return Err(Refusal::Price);
        }
        self.left.fits(&need.amounts, collateral(t, price))?;
        Ok(price)
    }
}

/// A task in the form the eligibility scan reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct TaskNeed {
    kind: u8,
    region: u32,
    model: u32,
    machine: [u32; 5],
    amounts: [u64; 4],
    excludes: bool,
}

impl TaskNeed {
    pub(super) fn of(t: &OpenTask, regions: &mut Labels, models: &mut Labels) -> Self {
        let r = &t.requirements;
        Self {
            kind: t.kind.bit(),
            region: if t.region == B256::ZERO {
                0
            } else {
                // a region no provider has gets an id no provider has
                regions.id(t.region)
            },
            model: models.id(r.gpu_model),
            machine: [
                r.cpu_cores,
                r.memory_gib,
                r.storage_gib,
                r.gpu_count,
                r.gpu_memory_gib,
            ],
            amounts: r.amounts(),
            excludes: !t.exclude.is_empty(),
        }
    }
}

/// The batch as the solver sees it, with what the decisions are built from.
#[derive(Debug)]
pub(super) struct Batch<'a> {
    pub(super) offers: Vec<&'a Offer>,
    pub(super) problem: solver::Problem,
    pub(super) quotes: Vec<Vec<(u32, u128, Terms)>>,
    pub(super) decisions: Vec<Decision>,
}

pub(super) fn prepare<'a>(tasks: &[OpenTask], offers: &'a [Offer], cfg: &Config) -> Batch<'a> {
    // providers in address order: ties go to the lower address
    let mut offers: Vec<&Offer> = offers.iter().collect();
    offers.sort_by_key(|o| o.address);
    let slots = slots(tasks, &offers, cfg.max_slots);
    let w = &cfg.weights;
    // the provider's share of every score: reputation and load do not depend on the task
    let base: Vec<i64> = offers
        .iter()
        .zip(&slots)
        .map(|(o, &s)| {
            let (reputation, load) = provider_terms(o, s);
            w.reputation * reputation + w.load * load
        })
        .collect();
    let (mut regions, mut models) = (Labels::default(), Labels::default());
    let views: Vec<View> = offers
        .iter()
        .map(|o| View::of(o, &mut regions, &mut models))
        .collect();
    // each task's cheapest eligible providers, and as many more drawn at random (by a hash of
    // task and provider, so the same on every machine): cheapest-only lists crowd every task
    // onto the same few cheap providers and leave capacity idle; random ones keep the sparse
    // graph's largest assignment close to the full graph's
    let keep_task = cfg.candidates.max(1);
    let keep_random = cfg.random_candidates;
    let provider_hash: Vec<u64> = offers.iter().map(|o| fold(o.address.as_slice())).collect();
    let mut by_task: Vec<Vec<(i64, u32)>> = Vec::with_capacity(tasks.len());
    let mut decisions = Vec::with_capacity(tasks.len());
    for t in tasks {
        let mut refusals = [0usize; Refusal::ALL.len()];
        let mut best: BinaryHeap<(i64, u32)> =
            BinaryHeap::with_capacity(keep_task.min(offers.len()) + 1);
        let mut drawn: BinaryHeap<(u64, u32)> =
            BinaryHeap::with_capacity(keep_random.min(offers.len()) + 1);
        let task_hash = fold(&t.id.to_be_bytes::<32>());
        let need = TaskNeed::of(t, &mut regions, &mut models);
        let no_gpu = t.requirements.gpu_count == 0;
        let mut eligible = 0;
        for (q, v) in views.iter().enumerate() {
            let price = match v.check(t, &need, &offers[q].address) {
                Ok(price) => price,
                Err(r) => {
                    refusals[r as usize] += 1;
                    continue;
                }
            };
            eligible += 1;
            let fit = i64::from(no_gpu && v.machine[3] > 0);
            let cost =
                (w.price * ratio_ppm(price, t.price_cap) + base[q] + w.fit * fit * PPM) / PPM;
            keep_smallest(&mut best, keep_task, (cost, q as u32));
            if keep_random > 0 {
                // priority sampling: a random draw scaled by the cost, so cheaper providers
                // are likelier but every eligible one has a chance
                let draw = (mix(task_hash ^ provider_hash[q]) >> 32) * (cost.max(0) as u64 + 1_000);
                keep_smallest(&mut drawn, keep_random, (draw, q as u32));
            }
        }
        let mut mine = best.into_vec();
        mine.extend(drawn.into_iter().map(|(_, q)| (0, q)));
        by_task.push(mine);
        decisions.push(Decision {
            task: t.id,
            chosen: Vec::new(),
            eligible,
            runner_up: None,
            refused: Refusal::ALL
                .iter()
                .zip(refusals)
                .filter(|&(_, n)| n > 0)
                .map(|(&r, n)| (r, n))
                .collect(),
        });
    }
    let mut problem = solver::Problem::new(slots.clone());
    let mut quotes: Vec<Vec<(u32, u128, Terms)>> = Vec::with_capacity(tasks.len());
    for (t, mut cands) in tasks.iter().zip(by_task) {
        cands.sort_unstable_by_key(|&(_, q)| q);
        cands.dedup_by_key(|c| c.1);
        let full: Vec<(u32, u128, Terms)> = cands
            .iter()
            .map(|&(_, q)| {
                let o = offers[q as usize];
                let price = quote(t, &o.prices);
                (q, price, score(t, o, price, slots[q as usize], w))
            })
            .collect();
        problem.push_task(t.replicas, full.iter().map(|c| (c.0, c.2.cost)).collect());
        quotes.push(full);
    }
    Batch {
        offers,
        problem,
        quotes,
        decisions,
    }
}

/// Keep the `n` smallest keys seen in a max-heap.
fn keep_smallest<K: Ord>(heap: &mut BinaryHeap<K>, n: usize, key: K) {
    if heap.len() < n {
        heap.push(key);
    } else if let Some(mut top) = heap.peek_mut()
        && key < *top
    {
        *top = key; // sifts down once when dropped
    }
}

/// A 64-bit digest of some bytes (for the random candidate draw).
fn fold(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(0x243F_6A88_85A3_08D3, |h, c| {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        mix(h ^ u64::from_le_bytes(w))
    })
}

/// splitmix64's finalizer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
