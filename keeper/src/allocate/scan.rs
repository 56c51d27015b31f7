//! The eligibility scan: every task against every provider, in a compact form, keeping each
//! task's candidates for the solver.

use std::collections::BinaryHeap;

use alloy::primitives::{Address, B256};

use super::{
    Config, Decision, Kind, Left, Offer, OpenTask, PPM, Prices, Refusal, Terms, collateral,
    per_duration, provider_terms, quote, score,
    select::{self, Kept, Select, fold, mix},
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

/// The providers as columns (one array per field, in address order), so every check and the
/// estimates of quote, collateral and cost run over all the providers of a task as one
/// straight-line loop that the compiler turns into vector instructions (AVX2 or AVX-512 where
/// the processor has them, chosen at run time; the same arithmetic, so the same answers, on
/// every machine). [`Columns::scan`] agrees with [`View::check`] exactly (tested).
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
    /// Whether the estimates may decide for this provider: every hourly price fits 64 bits and
    /// the collateral left is below 10³⁰.
    estimable: Vec<bool>,
    /// CPU, memory, GPU, storage hourly prices in floating point (for the estimates).
    prices_f: [Vec<f64>; 4],
    /// The provider's share of every score (reputation and load), in score units.
    base_f: Vec<f64>,
    /// The fit weight for a GPU machine (in score units), 0 for a machine without GPUs.
    fit_f: Vec<f64>,
    /// A 64-bit digest of each provider's address (for the random draw).
    hash: Vec<u64>,
    /// Per provider, for the task being scanned (reused): its code (the first failed check,
    /// [`PASS`], or one of the undecided codes), the quote's estimate, the cost's estimate, and
    /// the random draw.
    codes: Vec<u8>,
    est: Vec<f64>,
    cost_lo: Vec<f64>,
    lucky: Vec<f64>,
    draw: Vec<u64>,
}

/// The scan's codes for a provider besides the [`Refusal`]s: it passes every check, or the
/// estimates could not decide the price and collateral checks (the exact arithmetic does), for a
/// provider that is or is not busy (that check comes after the price's).
const PASS: u8 = u8::MAX;
const UNDECIDED: u8 = u8::MAX - 1;
const UNDECIDED_BUSY: u8 = u8::MAX - 2;

/// What the scan of one task needs to know of it, as plain numbers.
#[derive(Debug, Clone, Copy)]
struct Probe {
    kind: u32,
    region: u32,
    model: u32,
    machine: [u32; 5],
    amounts: [u32; 4],
    /// CPU, memory, GPU, storage amounts × hours (as the price columns).
    scale: [f64; 4],
    cap_low: f64,
    cap_high: f64,
    /// Collateral per unit of price.
    per_price: f64,
    /// Whether the estimates may decide the price and collateral checks for this task.
    estimable: bool,
    /// The price weight over the cap (0 when the cost is not estimated).
    per_cost: f64,
    /// How far the cost's estimate may be above the exact cost (see `Select::select`).
    margin: f64,
    /// 1 for a task without GPUs (the fit term applies), else 0.
    no_gpu: f64,
    task_hash: u64,
}

/// Relative error allowed for the floating-point estimates: the quote's estimate is within a
/// relative 10⁻¹⁵ of the exact sum and the exact quote rounds up by less than one unit, so
/// exact ∈ [est·(1 − δ), est·(1 + δ) + 1].
const DELTA: f64 = 1e-12;

/// Every provider against one task: codes and estimates into the output columns. One loop
/// without a branch per provider; [`scan_kernel`] instantiates it per instruction set.
#[inline(always)]
fn kernel(c: &ColumnsIn<'_>, p: &Probe, out: &mut ColumnsOut<'_>) {
    let n = out.codes.len();
    let (active, kinds) = (&c.active[..n], &c.kinds[..n]);
    let (regions, models) = (&c.region[..n], &c.model[..n]);
    let m: [&[u32]; 5] = std::array::from_fn(|i| &c.machine[i][..n]);
    let l: [&[u32]; 4] = std::array::from_fn(|i| &c.left[i][..n]);
    let pf: [&[f64]; 4] = std::array::from_fn(|i| &c.prices_f[i][..n]);
    let (coll, estimable) = (&c.collateral_f[..n], &c.estimable[..n]);
    let (base, fit, hash) = (&c.base_f[..n], &c.fit_f[..n], &c.hash[..n]);
    let (codes, est_out) = (&mut out.codes[..n], &mut out.est[..n]);
    let (cost_out, lucky_out) = (&mut out.cost_lo[..n], &mut out.lucky[..n]);
    let draw_out = &mut out.draw[..n];
    let (kind, region, model, r, a, s) = (p.kind, p.region, p.model, p.machine, p.amounts, p.scale);
    let gpu = r[3] != 0;
    for q in 0..n {
        // the checks that need no quote
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
        // the price and collateral checks from the estimate, where its whole error interval
        // falls on one side (exactly as the integers would decide); else undecided
        let est = pf[0][q] * s[0] + pf[1][q] * s[1] + pf[2][q] * s[2] + pf[3][q] * s[3];
        let (low, high) = (est * (1.0 - DELTA), est * (1.0 + DELTA) + 1.0);
        let sure_over = low > p.cap_high;
        let sure_within = high <= p.cap_low;
        let col_high = high * p.per_price * (1.0 + DELTA);
        let col_low = low * p.per_price * (1.0 - DELTA) - 1.0;
        let sure_covered = col_high <= coll[q] * (1.0 - DELTA);
        let sure_short = col_low > coll[q] * (1.0 + DELTA);
        let decided =
            p.estimable & estimable[q] & (sure_over | (sure_within & (sure_covered | sure_short)));
        let priced = if !decided {
            if busy { UNDECIDED_BUSY } else { UNDECIDED }
        } else if sure_over {
            Refusal::Price as u8
        } else if busy {
            Refusal::Busy as u8
        } else if sure_short {
            Refusal::Collateral as u8
        } else {
            PASS
        };
        codes[q] = if inactive {
            Refusal::Inactive as u8
        } else if wrong_kind {
            Refusal::Kind as u8
        } else if wrong_region {
            Refusal::Region as u8
        } else if short {
            Refusal::Resources as u8
        } else {
            priced
        };
        est_out[q] = est;
        // the selection's keys: the lowest the exact cost can be, and the lowest its draw can be
        let cost_lo = est * p.per_cost + base[q] + fit[q] * p.no_gpu - p.margin;
        let draw = mix(p.task_hash ^ hash[q]) >> 32;
        cost_out[q] = cost_lo;
        lucky_out[q] = f64::from(draw as u32) * (cost_lo.max(0.0) + 1_000.0);
        draw_out[q] = draw;
    }
}

/// The columns [`kernel`] reads.
struct ColumnsIn<'a> {
    active: &'a [u32],
    kinds: &'a [u32],
    region: &'a [u32],
    model: &'a [u32],
    machine: [&'a [u32]; 5],
    left: [&'a [u32]; 4],
    collateral_f: &'a [f64],
    estimable: &'a [bool],
    prices_f: [&'a [f64]; 4],
    base_f: &'a [f64],
    fit_f: &'a [f64],
    hash: &'a [u64],
}

/// The columns [`kernel`] writes.
struct ColumnsOut<'a> {
    codes: &'a mut [u8],
    est: &'a mut [f64],
    cost_lo: &'a mut [f64],
    lucky: &'a mut [f64],
    draw: &'a mut [u64],
}

/// The widest instruction set this processor has, read once per batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Isa {
    Avx512,
    Avx2,
    Baseline,
}

impl Isa {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::env::var_os("SWAN_ALLOC_BASELINE").is_some() {
                return Isa::Baseline;
            }
            if is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512dq")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx512bw")
            {
                return Isa::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Isa::Avx2;
            }
        }
        Isa::Baseline
    }
}

impl Isa {
    /// Every instruction set this processor can run (for tests).
    #[cfg(test)]
    fn available() -> Vec<Isa> {
        let best = Isa::detect();
        [Isa::Avx512, Isa::Avx2, Isa::Baseline]
            .into_iter()
            .filter(|&i| match best {
                Isa::Avx512 => true,
                Isa::Avx2 => i != Isa::Avx512,
                Isa::Baseline => i == Isa::Baseline,
            })
            .collect()
    }
}

impl Columns {
    fn of(views: &[View], base_f: &[f64], fit: f64, hash: &[u64]) -> Self {
        let col = |f: &dyn Fn(&View) -> u32| views.iter().map(f).collect::<Vec<u32>>();
        let n = views.len();
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
            estimable: views
                .iter()
                .map(|v| v.small_prices.is_some() && (v.left.collateral as f64) < 1e30)
                .collect(),
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
            base_f: base_f.to_vec(),
            fit_f: views
                .iter()
                .map(|v| if v.machine[3] > 0 { fit } else { 0.0 })
                .collect(),
            hash: hash.to_vec(),
            codes: vec![0; n],
            est: vec![0.0; n],
            cost_lo: vec![0.0; n],
            lucky: vec![0.0; n],
            draw: vec![0; n],
        }
    }

    /// Codes and estimates of every provider for `t` into the output columns: [`PASS`] for
    /// the providers that can take a replica of `t`, the first check they fail for the others
    /// (counted into `refusals`).
    #[allow(clippy::too_many_arguments)]
    fn scan(
        &mut self,
        isa: Isa,
        t: &OpenTask,
        need: &TaskNeed,
        views: &[View],
        offers: &[&Offer],
        w: &super::Weights,
        refusals: &mut [usize; Refusal::ALL.len()],
    ) {
        let r = need.machine;
        let per_hour = match t.kind {
            Kind::Batch => t.duration_secs as f64 / 3_600.0,
            Kind::Service => 1.0 / 3_600.0,
        };
        let cap = t.price_cap as f64;
        // the cost's estimate (see `Select::select`): none above 2^53 or with a zero cap
        let cost_estimable = t.price_cap > 0 && t.price_cap < (1 << 53);
        let probe = Probe {
            kind: u32::from(need.kind),
            region: need.region,
            model: need.model,
            machine: r,
            amounts: std::array::from_fn(|i| u32::try_from(need.amounts[i]).unwrap_or(u32::MAX)),
            // CPU, memory, GPU, storage, as the price columns
            scale: [r[0], r[1], r[3], r[2]].map(|x| f64::from(x) * per_hour),
            cap_low: cap * (1.0 - DELTA),
            cap_high: cap * (1.0 + DELTA),
            // collateral per unit of price: pct / 100, times the duration for a service
            per_price: f64::from(t.collateral_pct) / 100.0
                * match t.kind {
                    Kind::Batch => 1.0,
                    Kind::Service => t.duration_secs as f64,
                },
            estimable: t.price_cap < (1 << 100) && t.duration_secs < (1 << 40),
            per_cost: if cost_estimable {
                w.price as f64 / cap
            } else {
                0.0
            },
            no_gpu: if r[3] == 0 { 1.0 } else { 0.0 },
            margin: select::margin(t, w),
            task_hash: fold(&t.id.to_be_bytes::<32>()),
        };
        let input = ColumnsIn {
            active: &self.active,
            kinds: &self.kinds,
            region: &self.region,
            model: &self.model,
            machine: std::array::from_fn(|i| &self.machine[i][..]),
            left: std::array::from_fn(|i| &self.left[i][..]),
            collateral_f: &self.collateral_f,
            estimable: &self.estimable,
            prices_f: std::array::from_fn(|i| &self.prices_f[i][..]),
            base_f: &self.base_f,
            fit_f: &self.fit_f,
            hash: &self.hash,
        };
        let mut output = ColumnsOut {
            codes: &mut self.codes,
            est: &mut self.est,
            cost_lo: &mut self.cost_lo,
            lucky: &mut self.lucky,
            draw: &mut self.draw,
        };
        scan_kernel(isa, &input, &probe, &mut output);
        let codes = &mut self.codes[..];
        if need.excludes {
            // rare: the pair-by-pair check (the estimates above stay valid for the selection)
            for (q, v) in views.iter().enumerate() {
                codes[q] = match v.check(t, need, &offers[q].address) {
                    Ok(_) => PASS,
                    Err(r) => r as u8,
                };
            }
        } else if count_codes(isa, codes, UNDECIDED_BUSY, UNDECIDED) > 0 {
            // where the estimates could not decide (near a boundary, prices past 64 bits,
            // amounts near the limits), the exact arithmetic does
            for (q, code) in codes.iter_mut().enumerate() {
                if *code != UNDECIDED && *code != UNDECIDED_BUSY {
                    continue;
                }
                let price = views[q].quote(t, &r);
                *code = if price > t.price_cap {
                    Refusal::Price as u8
                } else if *code == UNDECIDED_BUSY {
                    Refusal::Busy as u8
                } else if collateral(t, price) > self.collateral[q] {
                    Refusal::Collateral as u8
                } else {
                    PASS
                };
            }
        }
        for r in Refusal::ALL {
            refusals[r as usize] += count_codes(isa, codes, r as u8, r as u8);
        }
    }

    /// The providers the last [`Columns::scan`] found eligible.
    #[cfg(test)]
    fn eligible(&self) -> Vec<u32> {
        (0..self.codes.len() as u32)
            .filter(|&q| self.codes[q as usize] == PASS)
            .collect()
    }
}

/// How many of `codes` are in `low..=high`.
#[inline(always)]
fn count_in(codes: &[u8], low: u8, high: u8) -> usize {
    codes.iter().filter(|&&c| (c >= low) & (c <= high)).count()
}

/// The 64-provider masks of the selection: which providers of `codes` (at most 64) are eligible,
/// and which of those could enter a candidate heap — their lowest possible cost below
/// `best`, or their lowest possible draw below `drawn`.
#[inline(always)]
fn chunk_masks(codes: &[u8], cost_lo: &[f64], lucky: &[f64], best: f64, drawn: f64) -> (u64, u64) {
    let n = codes.len().min(64);
    let (codes, cost_lo, lucky) = (&codes[..n], &cost_lo[..n], &lucky[..n]);
    let (mut pass, mut cand) = (0u64, 0u64);
    for i in 0..n {
        let p = codes[i] == PASS;
        let c = p & ((cost_lo[i] < best) | (lucky[i] < drawn));
        pass |= u64::from(p) << i;
        cand |= u64::from(c) << i;
    }
    (pass, cand)
}

/// A function of the scan compiled for each instruction set, with a first argument `isa`
/// that picks one (`Isa::detect` returns only sets the processor has).
macro_rules! per_isa {
    ($(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? = $body:ident) => {
        $(#[$doc])*
        fn $name(isa: Isa, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")]
            fn avx512($($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2($($arg: $ty),*) $(-> $ret)? {
                $body($($arg),*)
            }
            match isa {
                // SAFETY: `Isa::detect` returns these only where the processor has the features
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => unsafe { avx512($($arg),*) },
                // SAFETY: as above
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => unsafe { avx2($($arg),*) },
                _ => $body($($arg),*),
            }
        }
    };
}

per_isa! {
    /// [`kernel`] with the instruction set `isa`: AVX-512 (8 lanes of f64 and of 64-bit
    /// integers), AVX2 (4 lanes) or the baseline.
    fn scan_kernel(c: &ColumnsIn<'_>, p: &Probe, out: &mut ColumnsOut<'_>) = kernel
}

per_isa! {
    /// [`count_in`] with the instruction set `isa`.
    fn count_codes(codes: &[u8], low: u8, high: u8) -> usize = count_in
}

per_isa! {
    /// [`chunk_masks`] with the instruction set `isa`.
    fn masks(codes: &[u8], cost_lo: &[f64], lucky: &[f64], best: f64, drawn: f64) -> (u64, u64) = chunk_masks
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
    let base_f: Vec<f64> = base.iter().map(|&b| b as f64 / PPM as f64).collect();
    let gpu_machine: Vec<bool> = views.iter().map(|v| v.machine[3] > 0).collect();
    let provider_hash: Vec<u64> = offers.iter().map(|o| fold(o.address.as_slice())).collect();
    let mut columns = Columns::of(&views, &base_f, w.fit as f64, &provider_hash);
    let isa = Isa::detect();
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
    let mut problem = solver::Problem::new(slots.clone());
    let mut quotes: Vec<Vec<(u32, u128, Terms)>> = Vec::with_capacity(tasks.len());
    let mut decisions = Vec::with_capacity(tasks.len());
    let mut kept: Vec<Kept> = Vec::with_capacity(keep_task + keep_random);
    for t in tasks {
        let mut refusals = [0usize; Refusal::ALL.len()];
        let need = TaskNeed::of(t, &mut regions, &mut models);
        columns.scan(isa, t, &need, &views, &offers, w, &mut refusals);
        let eligible = select.select(
            t,
            &columns.codes,
            &columns.cost_lo,
            &columns.lucky,
            &columns.draw,
            |codes, cost_lo, lucky, best, drawn| masks(isa, codes, cost_lo, lucky, best, drawn),
            |q| views[q].quote(t, &need.machine),
            w,
            &base,
            &gpu_machine,
            &mut kept,
        );
        // the candidates by provider, once each, with their exact quotes and scores
        kept.sort_unstable_by_key(|c| c.0);
        kept.dedup_by_key(|c| c.0);
        let full: Vec<(u32, u128, Terms)> = kept
            .iter()
            .map(|&(q, price, _)| {
                let o = offers[q as usize];
                (q, price, score(t, o, price, slots[q as usize], w))
            })
            .collect();
        debug_assert!(kept.iter().zip(&full).all(|(k, f)| k.2 == f.2.cost));
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
                #[allow(clippy::type_complexity)]
                let mut first: Option<(
                    Vec<u8>,
                    Vec<u64>,
                    Vec<u64>,
                    Vec<u64>,
                    Vec<u64>,
                )> = None;
                for isa in Isa::available() {
                    let mut got_refused = [0usize; Refusal::ALL.len()];
                    columns.scan(isa, t, &need, &views, &sorted, &w, &mut got_refused);
                    let got = columns.eligible();
                    // the estimates are within their stated error of the exact quotes
                    for &q in &got {
                        let est = columns.est[q as usize];
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
                        columns.codes.clone(),
                        bits(&columns.est),
                        bits(&columns.cost_lo),
                        bits(&columns.lucky),
                        columns.draw.clone(),
                    );
                    match &first {
                        None => first = Some(out),
                        Some(f) => assert!(*f == out, "task {}: {isa:?} differs", t.id),
                    }
                }
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
