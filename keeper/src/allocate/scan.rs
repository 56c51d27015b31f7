//! The eligibility scan: every task against every provider, in a compact form, keeping each
//! task's candidates for the solver.

use std::collections::BinaryHeap;

use alloy::primitives::{Address, B256};

use super::{
    Config, Decision, Kind, Left, Offer, OpenTask, PPM, Prices, Refusal, Terms, collateral,
    per_duration, provider_terms, quote, score,
    select::{Select, fold},
    slots, solver,
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

    /// Its quote for a replica of `t` (`r`: the task's machine requirements, as in
    /// [`TaskNeed`]), as [`quote`] computes it.
    #[inline]
    pub(super) fn quote(&self, t: &OpenTask, r: &[u32; 5]) -> u128 {
        match self.small_prices {
            // prices below 2^64 and 32-bit requirements: the sum cannot overflow 128 bits
            Some(p) => {
                let hourly = u128::from(p[0]) * u128::from(r[0])
                    + u128::from(p[1]) * u128::from(r[1])
                    + u128::from(p[2]) * u128::from(r[3])
                    + u128::from(p[3]) * u128::from(r[2]);
                per_duration(t, hourly)
            }
            None => quote(t, &self.prices),
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
        let price = self.quote(t, &need.machine);
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

/// The providers as columns (one array per field, in address order), so the checks that do not
/// depend on a price run over every provider of a task as straight-line code the compiler turns
/// into vector instructions. [`Columns::scan`] agrees with [`View::check`] exactly (tested).
struct Columns {
    active: Vec<u32>,
    kinds: Vec<u32>,
    region: Vec<u32>,
    model: Vec<u32>,
    /// CPU, memory, storage, GPUs, GPU memory.
    machine: [Vec<u32>; 5],
    /// CPU, memory, storage, GPUs left (they come from 32-bit fields).
    left: [Vec<u32>; 4],
    /// Collateral left.
    collateral: Vec<u128>,
    /// Collateral left, in floating point (for the estimates).
    collateral_f: Vec<f64>,
    /// Whether every hourly price fits 64 bits (the estimates are used only then).
    small: Vec<bool>,
    /// CPU, memory, GPU, storage hourly prices in floating point (for the estimates).
    prices_f: [Vec<f64>; 4],
    /// One code per provider for the task being scanned (reused).
    codes: Vec<u8>,
    /// The providers that passed the checks that need no quote (reused).
    passed: Vec<u32>,
}

/// The scan's codes for a provider: the first failed check that does not need the quote, or
/// that it passes them all (and is or is not busy: that check comes after the price's).
const PASS: u8 = u8::MAX;
const PASS_BUSY: u8 = u8::MAX - 1;

impl Columns {
    fn of(views: &[View]) -> Self {
        let col = |f: &dyn Fn(&View) -> u32| views.iter().map(f).collect::<Vec<u32>>();
        Self {
            active: col(&|v| u32::from(v.active)),
            kinds: col(&|v| u32::from(v.kinds)),
            region: col(&|v| v.region),
            model: col(&|v| v.model),
            machine: std::array::from_fn(|i| col(&|v| v.machine[i])),
            left: std::array::from_fn(|i| {
                col(&|v| u32::try_from(v.left.amounts[i]).unwrap_or(u32::MAX))
            }),
            collateral: views.iter().map(|v| v.left.collateral).collect(),
            collateral_f: views.iter().map(|v| v.left.collateral as f64).collect(),
            small: views.iter().map(|v| v.small_prices.is_some()).collect(),
            prices_f: std::array::from_fn(|i| {
                views
                    .iter()
                    .map(|v| {
                        let p = &v.prices;
                        [
                            p.per_cpu_hour,
                            p.per_gib_memory_hour,
                            p.per_gpu_hour,
                            p.per_gib_storage_hour,
                        ][i] as f64
                    })
                    .collect()
            }),
            codes: vec![0; views.len()],
            passed: vec![0; views.len()],
        }
    }

    /// The providers that can take a replica of `t`, each with an estimate of its quote (see
    /// [`View::quote`] for the quote itself), into `out`; the others counted by the
    /// first check they fail. Not for tasks that exclude providers.
    fn scan(
        &mut self,
        t: &OpenTask,
        need: &TaskNeed,
        views: &[View],
        refusals: &mut [usize; Refusal::ALL.len()],
        out: &mut Vec<(u32, f64)>,
    ) {
        debug_assert!(!need.excludes);
        let (kind, region, model) = (u32::from(need.kind), need.region, need.model);
        let r = need.machine;
        let gpu = r[3] != 0;
        let a: [u32; 4] =
            std::array::from_fn(|i| u32::try_from(need.amounts[i]).unwrap_or(u32::MAX));
        let n = self.codes.len();
        let codes = &mut self.codes[..n];
        let (active, kinds) = (&self.active[..n], &self.kinds[..n]);
        let (regions, models) = (&self.region[..n], &self.model[..n]);
        let m: [&[u32]; 5] = std::array::from_fn(|i| &self.machine[i][..n]);
        let l: [&[u32]; 4] = std::array::from_fn(|i| &self.left[i][..n]);
        // the checks that need no quote, for every provider (no branch: vectorized)
        for q in 0..n {
            let inactive = active[q] == 0;
            let wrong_kind = kinds[q] & kind == 0;
            let wrong_region = (region != 0) & (region != regions[q]);
            let gpu_short = (r[4] > m[4][q]) | ((model != 0) & (model != models[q]));
            let short = (r[0] > m[0][q])
                | (r[1] > m[1][q])
                | (r[2] > m[2][q])
                | (r[3] > m[3][q])
                | (gpu & gpu_short);
            let busy = (a[0] > l[0][q]) | (a[1] > l[1][q]) | (a[2] > l[2][q]) | (a[3] > l[3][q]);
            codes[q] = if inactive {
                Refusal::Inactive as u8
            } else if wrong_kind {
                Refusal::Kind as u8
            } else if wrong_region {
                Refusal::Region as u8
            } else if short {
                Refusal::Resources as u8
            } else if busy {
                PASS_BUSY
            } else {
                PASS
            };
        }
        for r in [
            Refusal::Inactive,
            Refusal::Kind,
            Refusal::Region,
            Refusal::Resources,
        ] {
            refusals[r as usize] += codes.iter().filter(|&&c| c == r as u8).count();
        }
        // the rest, for the providers that passed: the quote within the cap, the resources
        // left, the collateral. First their indices, without a branch per provider
        let passed = &mut self.passed[..n];
        let mut k = 0;
        for (q, &code) in codes.iter().enumerate() {
            passed[k] = q as u32;
            k += usize::from(code >= PASS_BUSY);
        }
        out.clear();
        out.resize(k, (0, 0.0));
        // the quote estimated in floating point: its relative error is below 10⁻¹⁵, and the
        // exact quote rounds up by less than one unit, so exact ∈ [est·(1 − δ), est·(1 + δ) + 1].
        // A check is decided by the estimate only when the whole interval falls on one side
        // (exactly as the integers would decide it); otherwise — near a boundary, with amounts
        // near the 128-bit limits, or prices past 64 bits — by the exact arithmetic
        const DELTA: f64 = 1e-12;
        let per_hour = match t.kind {
            Kind::Batch => t.duration_secs as f64 / 3_600.0,
            Kind::Service => 1.0 / 3_600.0,
        };
        // CPU, memory, GPU, storage, as the price columns
        let scale = [r[0], r[1], r[3], r[2]].map(|x| f64::from(x) * per_hour);
        let cap = t.price_cap as f64;
        // collateral per unit of price: pct / 100, times the duration for a service
        let per_price = f64::from(t.collateral_pct) / 100.0
            * match t.kind {
                Kind::Batch => 1.0,
                Kind::Service => t.duration_secs as f64,
            };
        let estimable = t.price_cap < (1 << 100) && t.duration_secs < (1 << 40);
        let (cap_low, cap_high) = (cap * (1.0 - DELTA), cap * (1.0 + DELTA));
        let p = &self.prices_f;
        let (mut over_cap, mut busy, mut short_collateral, mut kept) = (0, 0, 0, 0);
        for &q in &passed[..k] {
            let q = q as usize;
            let est =
                p[0][q] * scale[0] + p[1][q] * scale[1] + p[2][q] * scale[2] + p[3][q] * scale[3];
            let (low, high) = (est * (1.0 - DELTA), est * (1.0 + DELTA) + 1.0);
            let left = self.collateral_f[q];
            let sure_over = low > cap_high;
            let sure_within = high <= cap_low;
            let col_high = high * per_price * (1.0 + DELTA);
            let col_low = low * per_price * (1.0 - DELTA) - 1.0;
            let sure_covered = col_high <= left * (1.0 - DELTA);
            let sure_short = col_low > left * (1.0 + DELTA);
            let decided = estimable
                && left < 1e30
                && self.small[q]
                && (sure_over || (sure_within && (sure_covered || sure_short)));
            let (over, poor) = if decided {
                (sure_over, sure_short)
            } else {
                let price = views[q].quote(t, &r);
                (
                    price > t.price_cap,
                    collateral(t, price) > self.collateral[q],
                )
            };
            // the first failed check, counted without a branch
            let is_busy = !over & (codes[q] == PASS_BUSY);
            let poor = !over & !is_busy & poor;
            over_cap += usize::from(over);
            busy += usize::from(is_busy);
            short_collateral += usize::from(poor);
            out[kept] = (q as u32, est);
            kept += usize::from(!(over | is_busy | poor));
        }
        out.truncate(kept);
        refusals[Refusal::Price as usize] += over_cap;
        refusals[Refusal::Busy as usize] += busy;
        refusals[Refusal::Collateral as usize] += short_collateral;
    }
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
    let mut columns = Columns::of(&views);
    let base_f: Vec<f64> = base.iter().map(|&b| b as f64 / PPM as f64).collect();
    let gpu_machine: Vec<bool> = views.iter().map(|v| v.machine[3] > 0).collect();
    // each task's cheapest eligible providers, and as many more drawn at random (by a hash of
    // task and provider, so the same on every machine): cheapest-only lists crowd every task
    // onto the same few cheap providers and leave capacity idle; random ones keep the sparse
    // graph's largest assignment close to the full graph's
    let keep_task = cfg.candidates.max(1);
    let keep_random = cfg.random_candidates;
    let mut select = Select {
        keep_task,
        keep_random,
        best: BinaryHeap::with_capacity(keep_task.min(offers.len()) + 1),
        drawn: BinaryHeap::with_capacity(keep_random.min(offers.len()) + 1),
    };
    let provider_hash: Vec<u64> = offers.iter().map(|o| fold(o.address.as_slice())).collect();
    let mut by_task: Vec<Vec<(i64, u32)>> = Vec::with_capacity(tasks.len());
    let mut decisions = Vec::with_capacity(tasks.len());
    let mut eligible: Vec<(u32, f64)> = Vec::with_capacity(offers.len());
    for t in tasks {
        let mut refusals = [0usize; Refusal::ALL.len()];
        let need = TaskNeed::of(t, &mut regions, &mut models);
        eligible.clear();
        if need.excludes {
            for (q, v) in views.iter().enumerate() {
                match v.check(t, &need, &offers[q].address) {
                    Ok(price) => eligible.push((q as u32, price as f64)),
                    Err(r) => refusals[r as usize] += 1,
                }
            }
        } else {
            columns.scan(t, &need, &views, &mut refusals, &mut eligible);
        }
        by_task.push(select.select(
            t,
            &eligible,
            |q| views[q].quote(t, &need.machine),
            w,
            &base,
            &base_f,
            &gpu_machine,
            &provider_hash,
        ));
        decisions.push(Decision {
            task: t.id,
            chosen: Vec::new(),
            eligible: eligible.len(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocate::{
        Weights, instances,
        select::{keep_smallest, mix},
    };

    /// A random market with every kind of refusal: providers serving one kind only, prices
    /// past 64 bits, little collateral, no CPU left; tasks of both kinds, some excluding
    /// providers, some with a zero cap.
    fn market(seed: u64) -> (Vec<OpenTask>, Vec<Offer>) {
        let (mut tasks, mut offers) = instances::market(seed, 300, 400, 3);
        let mut rng = instances::Rng::new(seed ^ 0xA5A5);
        for o in &mut offers {
            if rng.chance(10) {
                o.task_types = rng.pick(&[0, 1, 2]);
            }
            if rng.chance(5) {
                o.prices.per_gpu_hour = u128::from(u64::MAX) + 7;
            }
            if rng.chance(10) {
                o.free_collateral = u128::from(rng.range(0, 1_000_000));
            }
            if rng.chance(10) {
                o.in_use.cpu_cores = o.resources.cpu_cores; // busy
            }
            if rng.chance(30) {
                // prices that are not round: collateral percentages leave fractions
                o.prices.per_gib_storage_hour += 7;
            }
            if rng.chance(20) {
                // wei-sized prices: quotes past 2^53, where floating point is not exact
                let p = &mut o.prices;
                p.per_cpu_hour *= 1_000_000_007;
                p.per_gpu_hour = p.per_gpu_hour.saturating_mul(999_999_937);
            }
        }
        for t in &mut tasks {
            if rng.chance(5) {
                t.exclude = vec![offers[rng.range(0, 299) as usize].address];
            }
            if rng.chance(3) {
                t.price_cap = 0;
            }
            if rng.chance(10) {
                t.kind = Kind::Service;
            }
            if rng.chance(30) {
                t.collateral_pct = rng.range(1, 300) as u16; // collateral with a fraction
            }
            if rng.chance(15) {
                // a cap exactly at a provider's quote, or one unit below it: the boundary
                let o = &offers[rng.range(0, 299) as usize];
                t.price_cap = quote(t, &o.prices) - u128::from(rng.chance(50));
            }
        }
        // collateral left exactly at what a replica of some task would lock, or one unit short
        let odd: Vec<&OpenTask> = tasks
            .iter()
            .filter(|t| t.collateral_pct % 100 != 0)
            .collect();
        for o in &mut offers {
            if rng.chance(40) {
                // a task whose collateral has a fraction to round away
                let t = odd[rng.range(0, odd.len() as u64 - 1) as usize];
                let need = collateral(t, quote(t, &o.prices));
                o.free_collateral = need.saturating_sub(u128::from(rng.chance(50)));
            }
        }
        (tasks, offers)
    }

    #[test]
    fn the_column_scan_agrees_with_the_check_of_each_pair() {
        for seed in 1..=4 {
            let (tasks, offers) = market(seed);
            let mut sorted: Vec<&Offer> = offers.iter().collect();
            sorted.sort_by_key(|o| o.address);
            let (mut regions, mut models) = (Labels::default(), Labels::default());
            let views: Vec<View> = sorted
                .iter()
                .map(|o| View::of(o, &mut regions, &mut models))
                .collect();
            let mut columns = Columns::of(&views);
            let mut seen = [0usize; Refusal::ALL.len()];
            let (mut at_cap, mut at_collateral) = (0, 0);
            for t in &tasks {
                let need = TaskNeed::of(t, &mut regions, &mut models);
                let (mut want, mut want_refused) = (Vec::new(), [0usize; Refusal::ALL.len()]);
                for (q, v) in views.iter().enumerate() {
                    match v.check(t, &need, &sorted[q].address) {
                        Ok(price) => want.push((q as u32, price)),
                        Err(r) => want_refused[r as usize] += 1,
                    }
                }
                for (s, n) in seen.iter_mut().zip(want_refused) {
                    *s += n;
                }
                for &(q, price) in &want {
                    at_cap += usize::from(price == t.price_cap);
                    // collateral exactly all that is left, with a fraction rounded away
                    at_collateral += usize::from(
                        collateral(t, price) == views[q as usize].left.collateral
                            && t.kind == Kind::Batch
                            && (price * u128::from(t.collateral_pct)) % 100 != 0,
                    );
                }
                if need.excludes {
                    continue; // the column scan is not used for these
                }
                let (mut got, mut got_refused) = (Vec::new(), [0usize; Refusal::ALL.len()]);
                columns.scan(t, &need, &views, &mut got_refused, &mut got);
                // the estimates carried are within their stated error of the exact quotes
                for &(q, est) in &got {
                    let exact = views[q as usize].quote(t, &need.machine) as f64;
                    assert!(
                        est * (1.0 - 1e-12) <= exact && exact <= est * (1.0 + 1e-12) + 1.0,
                        "task {} provider {q}: estimate {est}, quote {exact}",
                        t.id
                    );
                }
                let got: Vec<(u32, u128)> = got
                    .iter()
                    .map(|&(q, _)| (q, views[q as usize].quote(t, &need.machine)))
                    .collect();
                assert_eq!(got, want, "task {}", t.id);
                assert_eq!(got_refused, want_refused, "task {}", t.id);
            }
            // the boundaries are met: quotes exactly at the cap, collateral exactly all that is left
            assert!(
                at_cap > 0 && at_collateral > 0,
                "seed {seed}: {at_cap} {at_collateral}"
            );
            // every refusal but the excluded one occurs in these markets
            for r in Refusal::ALL {
                assert!(
                    r == Refusal::Excluded || seen[r as usize] > 0,
                    "seed {seed}: no {r:?}"
                );
            }
        }
    }

    #[test]
    fn the_pruned_selection_keeps_what_scoring_every_provider_keeps() {
        let weights = [
            Weights::default(),
            Weights {
                price: 900_000,
                reputation: 0,
                load: 50_000,
                fit: 3_000_000,
            },
            Weights {
                price: -200_000,
                reputation: 250_000,
                load: 150_000,
                fit: 0,
            },
        ];
        for (seed, w) in (1..=3).zip(weights) {
            let (tasks, offers) = market(seed);
            for (cheapest, random) in [(8, 24), (3, 0), (1, 5)] {
                let cfg = Config {
                    weights: w,
                    candidates: cheapest,
                    random_candidates: random,
                    ..Config::default()
                };
                let batch = prepare(&tasks, &offers, &cfg);
                // the reference: every eligible provider scored exactly
                let slots = slots(&tasks, &batch.offers, cfg.max_slots);
                let hashes: Vec<u64> = batch
                    .offers
                    .iter()
                    .map(|o| fold(o.address.as_slice()))
                    .collect();
                for (t, got) in tasks.iter().zip(&batch.quotes) {
                    let mut best = BinaryHeap::new();
                    let mut drawn = BinaryHeap::new();
                    for (q, o) in batch.offers.iter().enumerate() {
                        let Ok(price) = crate::allocate::check(t, o) else {
                            continue;
                        };
                        if t.exclude.contains(&o.address) {
                            continue;
                        }
                        let cost = score(t, o, price, slots[q], &w).cost;
                        keep_smallest(&mut best, cheapest, (cost, q as u32));
                        let bits = mix(fold(&t.id.to_be_bytes::<32>()) ^ hashes[q]) >> 32;
                        let draw = bits * (cost.max(0) as u64 + 1_000);
                        if random > 0 {
                            keep_smallest(&mut drawn, random, (draw, q as u32));
                        }
                    }
                    let mut want: Vec<u32> = best.into_iter().map(|b| b.1).collect();
                    want.extend(drawn.into_iter().map(|d| d.1));
                    want.sort_unstable();
                    want.dedup();
                    let got: Vec<u32> = got.iter().map(|c| c.0).collect();
                    assert_eq!(got, want, "seed {seed} task {} ({cheapest}+{random})", t.id);
                }
            }
        }
    }
}
