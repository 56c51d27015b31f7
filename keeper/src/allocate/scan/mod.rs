//! The eligibility scan: every task against every provider, in a compact form, keeping each
//! task's candidates for the solver.

use alloy::primitives::{Address, B256};

use super::{
    Config, Decision, Left, Offer, OpenTask, PPM, Prices, Refusal, Terms, collateral, per_duration,
    provider_terms, quote, score,
    select::{Kept, Select, fold},
    slots, solver,
};

mod columns;
use columns::{Columns, Isa, masks};

/// A provider in the form the eligibility scan reads: small and flat, so the scan over every
/// task × provider pair stays in cache. [`View::check`] agrees with [`check`](super::check) exactly.
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
            Some(p) => small_quote(&p, t, r),
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

/// [`quote`] for hourly prices that all fit 64 bits (CPU, memory, GPU, storage, as
/// `View::small_prices`): with 32-bit requirements the sum cannot overflow 128 bits.
#[inline]
pub(super) fn small_quote(p: &[u64; 4], t: &OpenTask, r: &[u32; 5]) -> u128 {
    let hourly = u128::from(p[0]) * u128::from(r[0])
        + u128::from(p[1]) * u128::from(r[1])
        + u128::from(p[2]) * u128::from(r[3])
        + u128::from(p[3]) * u128::from(r[2]);
    per_duration(t, hourly)
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
    let terms: Vec<(i64, i64)> = offers
        .iter()
        .zip(&slots)
        .map(|(o, &s)| provider_terms(o, s))
        .collect();
    let base: Vec<i64> = terms
        .iter()
        .map(|&(reputation, load)| w.reputation * reputation + w.load * load)
        .collect();
    let (mut regions, mut models) = (Labels::default(), Labels::default());
    let views: Vec<View> = offers
        .iter()
        .map(|o| View::of(o, &mut regions, &mut models))
        .collect();
    // the scan holds the providers by region (then address), so a task of one region reads only
    // its region's run; `ids` maps them back to address order, which every result uses
    let mut ids: Vec<u32> = (0..offers.len() as u32).collect();
    ids.sort_by_key(|&q| (views[q as usize].region, q));
    let scan_views: Vec<View> = ids.iter().map(|&q| views[q as usize]).collect();
    let scan_offers: Vec<&Offer> = ids.iter().map(|&q| offers[q as usize]).collect();
    let scan_base: Vec<i64> = ids.iter().map(|&q| base[q as usize]).collect();
    let base_f: Vec<f64> = scan_base.iter().map(|&b| b as f64 / PPM as f64).collect();
    let gpu_machine: Vec<bool> = scan_views.iter().map(|v| v.machine[3] > 0).collect();
    let provider_hash: Vec<u64> = scan_offers
        .iter()
        .map(|o| fold(o.address.as_slice()))
        .collect();
    let mut columns = Columns::of(&scan_views, &base_f, w.fit as f64, &provider_hash);
    let isa = Isa::detect();
    // each task's cheapest eligible providers, and as many more drawn at random (by a hash of
    // task and provider, so the same on every machine): cheapest-only lists crowd every task
    // onto the same few cheap providers and leave capacity idle; random ones keep the sparse
    // graph's largest assignment close to the full graph's
    let keep_task = cfg.candidates.max(1);
    let keep_random = cfg.random_candidates;
    let mut select = Select::new(keep_task.min(offers.len()), keep_random.min(offers.len()));
    let mut problem = solver::Problem::new(slots.clone());
    let mut quotes: Vec<Vec<(u32, u128, Terms)>> = Vec::with_capacity(tasks.len());
    let mut decisions = Vec::with_capacity(tasks.len());
    let mut kept: Vec<Kept> = Vec::with_capacity(keep_task + keep_random);
    for t in tasks {
        let mut refusals = [0usize; Refusal::ALL.len()];
        let need = TaskNeed::of(t, &mut regions, &mut models);
        let r = columns.scan(isa, t, &need, &scan_views, &scan_offers, w, &mut refusals);
        let at = r.start;
        let eligible = select.select(
            t,
            &columns.codes[r.clone()],
            &columns.cost_lo[r.clone()],
            &columns.lucky[r.clone()],
            |q| columns.draw(at + q),
            |codes, cost_lo, lucky, best, drawn| masks(isa, codes, cost_lo, lucky, best, drawn),
            |q| columns.quote(at + q, t, &need.machine, &scan_views),
            w,
            &scan_base[r.clone()],
            &gpu_machine[r.clone()],
            &ids[r],
            &mut kept,
        );
        // the score term by term, from what the selection computed (no division here)
        let no_gpu = t.requirements.gpu_count == 0;
        let full: Vec<(u32, u128, Terms)> = kept
            .iter()
            .map(|&(q, price, cost, price_ppm)| {
                let (reputation_ppm, load_ppm) = terms[q as usize];
                let gpu_machine = offers[q as usize].resources.gpu_count > 0;
                let fit_ppm = if no_gpu && gpu_machine { PPM } else { 0 };
                let terms = Terms {
                    price_ppm,
                    reputation_ppm,
                    load_ppm,
                    fit_ppm,
                    cost,
                };
                (q, price, terms)
            })
            .collect();
        debug_assert!(full.iter().all(|&(q, price, terms)| {
            terms == score(t, offers[q as usize], price, slots[q as usize], w)
        }));
        problem.push_task(t.replicas, full.iter().map(|c| (c.0, c.2.cost)).collect());
        quotes.push(full);
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
    Batch {
        offers,
        problem,
        quotes,
        decisions,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BinaryHeap;

    use super::*;
    use crate::allocate::{
        Kind, Weights, instances,
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
        // providers in address order (each region scattered: every task scans them all), and
        // by region as `prepare` holds them (a task of one region scans its region's run)
        for (seed, by_region) in (1..=4).flat_map(|s| [(s, false), (s, true)]) {
            let (tasks, offers) = market(seed);
            let mut sorted: Vec<&Offer> = offers.iter().collect();
            sorted.sort_by_key(|o| o.address);
            let (mut regions, mut models) = (Labels::default(), Labels::default());
            let mut views: Vec<View> = sorted
                .iter()
                .map(|o| View::of(o, &mut regions, &mut models))
                .collect();
            if by_region {
                let mut order: Vec<usize> = (0..views.len()).collect();
                order.sort_by_key(|&q| (views[q].region, q));
                sorted = order.iter().map(|&q| sorted[q]).collect();
                views = order.iter().map(|&q| views[q]).collect();
            }
            let mut narrowed = 0;
            let base_f: Vec<f64> = (0..views.len()).map(|q| (q % 7) as f64 * 0.1).collect();
            let hashes: Vec<u64> = sorted.iter().map(|o| fold(o.address.as_slice())).collect();
            let mut columns = Columns::of(&views, &base_f, 0.1, &hashes);
            let w = Weights::default();
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
                // every instruction set this machine has gives the same codes and estimates,
                // bit for bit
                let mut first: Option<(Vec<u8>, Vec<u64>, Vec<u64>)> = None;
                for isa in Isa::available() {
                    let mut got_refused = [0usize; Refusal::ALL.len()];
                    let range = columns.scan(isa, t, &need, &views, &sorted, &w, &mut got_refused);
                    narrowed += usize::from(range.len() < views.len());
                    let got = columns.eligible(range.clone());
                    // the estimates are within their stated error of the exact quotes
                    for &q in &got {
                        let est = columns.estimate(q as usize);
                        let exact = views[q as usize].quote(t, &need.machine) as f64;
                        assert!(
                            est * (1.0 - 1e-12) <= exact && exact <= est * (1.0 + 1e-12) + 1.0,
                            "task {} provider {q}: estimate {est}, quote {exact}",
                            t.id
                        );
                    }
                    let got: Vec<(u32, u128)> = got
                        .iter()
                        .map(|&q| (q, views[q as usize].quote(t, &need.machine)))
                        .collect();
                    assert_eq!(got, want, "task {} ({isa:?})", t.id);
                    assert_eq!(got_refused, want_refused, "task {} ({isa:?})", t.id);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
                    let out = (
                        columns.codes[range.clone()].to_vec(),
                        bits(&columns.cost_lo[range.clone()]),
                        bits(&columns.lucky[range]),
                    );
                    match &first {
                        None => first = Some(out),
                        Some(f) => assert!(*f == out, "task {}: {isa:?} differs", t.id),
                    }
                }
            }
            // tasks of one region scanned only their region's run, and only when held by region
            assert_eq!(
                narrowed > 0,
                by_region,
                "seed {seed}: {narrowed} narrowed scans"
            );
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
