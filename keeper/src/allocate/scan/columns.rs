//! The providers as columns and the one loop per task that checks and estimates all of them,
//! compiled for each instruction set and chosen at run time; the 64-provider masks the
//! selection reads.

use super::{
    super::{
        Kind, Offer, OpenTask, Refusal, Weights, collateral,
        select::{self, fold, mix},
    },
    TaskNeed, View, small_quote,
};

/// The providers as columns (one array per field, in address order), so every check and the
/// estimates of quote, collateral and cost run over all the providers of a task as one
/// straight-line loop that the compiler turns into vector instructions (AVX2 or AVX-512 where
/// the processor has them, chosen at run time; the same arithmetic, so the same answers, on
/// every machine). [`Columns::scan`] agrees with [`View::check`] exactly (tested).
pub(super) struct Columns {
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
    /// The hourly prices where all fit 64 bits (`View::small_prices`): the exact quotes of the
    /// selection read these 40 bytes instead of the provider's whole view.
    small_prices: Vec<Option<[u64; 4]>>,
    /// Per provider, for the task being scanned (reused): its code (the first failed check,
    /// [`PASS`], or one of the undecided codes), the lowest its cost can be and the lowest its
    /// draw can be (the selection's keys).
    pub(super) codes: Vec<u8>,
    /// The kernel's scratch: the checks that need no quote, and the price verdicts.
    fixed: Vec<u8>,
    priced: Vec<u8>,
    pub(super) cost_lo: Vec<f64>,
    pub(super) lucky: Vec<f64>,
    /// The last scanned task's digest and its requirements × hours (as the price columns):
    /// the draw and the quote's estimate of a provider are recomputed from them where needed.
    task_hash: u64,
    scale: [f64; 4],
    /// The providers of each region, where the columns hold them in one run (the batch orders
    /// them by region): a task of one region scans only its run.
    regions: Vec<RegionRun>,
}

/// The providers of one region, as one run of the columns, with the counts a task of another
/// region needs to name why each was refused without scanning them (the first failed check of
/// [`Refusal`]'s order: inactive, then kind, then region).
#[derive(Debug, Clone)]
struct RegionRun {
    region: u32,
    range: std::ops::Range<usize>,
    inactive: usize,
    /// Active providers serving none of a kind mask's kinds, by the task's kind mask.
    wrong_kind: [usize; 4],
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

/// Every provider against one task: codes and estimates into the output columns, without a
/// branch per provider; [`scan_kernel`] instantiates it per instruction set. Three loops, each
/// over one width of lane, so none converts masks between widths (which cost the single loop a
/// third of its instructions on AVX2): the checks that need no quote on 32-bit lanes, the
/// estimates on 64-bit lanes, and the codes combined on bytes.
#[inline(always)]
fn kernel(c: &ColumnsIn<'_>, p: &Probe, out: &mut ColumnsOut<'_>) {
    let n = out.codes.len();
    fixed_checks(c, p, &mut out.fixed[..n]);
    estimates(c, p, out);
    let (codes, fixed, priced) = (&mut out.codes[..n], &out.fixed[..n], &out.priced[..n]);
    for q in 0..n {
        codes[q] = combine(fixed[q], priced[q]);
    }
}

/// What [`fixed_checks`] writes for a provider that passes them: `FREE`, or `FREE | 1` when it
/// has not the resources left (busy; that check comes after the price's).
const FREE: u8 = 0x80;

/// What [`estimates`] writes: the price and collateral checks decided (or not) by the estimate.
const P_UNDECIDED: u8 = 0;
const P_OVER: u8 = 1;
const P_SHORT: u8 = 2;
const P_FITS: u8 = 3;

/// The checks that need no quote, in [`Refusal`] order: the first failed one's code, else
/// [`FREE`] (with the busy bit).
#[inline(always)]
fn fixed_checks(c: &ColumnsIn<'_>, p: &Probe, fixed: &mut [u8]) {
    let n = fixed.len();
    let (active, kinds) = (&c.active[..n], &c.kinds[..n]);
    let (regions, models) = (&c.region[..n], &c.model[..n]);
    let m: [&[u32]; 5] = std::array::from_fn(|i| &c.machine[i][..n]);
    let l: [&[u32]; 4] = std::array::from_fn(|i| &c.left[i][..n]);
    let (kind, region, model, r, a) = (p.kind, p.region, p.model, p.machine, p.amounts);
    let gpu = r[3] != 0;
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
        fixed[q] = if inactive {
            Refusal::Inactive as u8
        } else if wrong_kind {
            Refusal::Kind as u8
        } else if wrong_region {
            Refusal::Region as u8
        } else if short {
            Refusal::Resources as u8
        } else {
            FREE | u8::from(busy)
        };
    }
}

/// The estimates of every provider: the quote's, the price and collateral checks where the
/// estimate's whole error interval falls on one side (exactly as the integers would decide;
/// else undecided), the selection's keys (the lowest the exact cost can be, and the lowest its
/// draw can be) and the random draw.
#[inline(always)]
fn estimates(c: &ColumnsIn<'_>, p: &Probe, out: &mut ColumnsOut<'_>) {
    let n = out.codes.len();
    let pf: [&[f64]; 4] = std::array::from_fn(|i| &c.prices_f[i][..n]);
    let (coll, estimable) = (&c.collateral_f[..n], &c.estimable[..n]);
    let (base, fit, hash) = (&c.base_f[..n], &c.fit_f[..n], &c.hash[..n]);
    let priced = &mut out.priced[..n];
    let (cost_out, lucky_out) = (&mut out.cost_lo[..n], &mut out.lucky[..n]);
    let s = p.scale;
    for q in 0..n {
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
        priced[q] = if !decided {
            P_UNDECIDED
        } else if sure_over {
            P_OVER
        } else if sure_short {
            P_SHORT
        } else {
            P_FITS
        };
        let cost_lo = est * p.per_cost + base[q] + fit[q] * p.no_gpu - p.margin;
        let draw = draw_bits(p.task_hash, hash[q]);
        cost_out[q] = cost_lo;
        lucky_out[q] = u32_to_f64(draw) * (cost_lo.max(0.0) + 1_000.0);
    }
}

/// A provider's code from its fixed checks and its price verdict, in [`Refusal`] order.
#[inline(always)]
fn combine(fixed: u8, priced: u8) -> u8 {
    let busy = fixed & 1 == 1;
    if fixed < FREE {
        fixed
    } else if priced == P_UNDECIDED {
        if busy { UNDECIDED_BUSY } else { UNDECIDED }
    } else if priced == P_OVER {
        Refusal::Price as u8
    } else if busy {
        Refusal::Busy as u8
    } else if priced == P_SHORT {
        Refusal::Collateral as u8
    } else {
        PASS
    }
}

/// A provider's random draw for a task: 32 bits of a hash of their digests (the scan's keys
/// and the selection's exact draws both come from here).
#[inline(always)]
fn draw_bits(task_hash: u64, provider_hash: u64) -> u64 {
    mix(task_hash ^ provider_hash) >> 32
}

/// `x` (below 2³²) as an `f64`, exactly as `f64::from(x as u32)`: the bits of 2⁵² + x, less
/// 2⁵². AVX2 has no vector conversion from 64-bit integers, so the plain cast made the compiler
/// take each lane out to a scalar register and back (a fifth of the loop's samples on an AVX2
/// machine); this is an OR and a subtraction on the whole vector.
#[inline(always)]
fn u32_to_f64(x: u64) -> f64 {
    const TWO_52: u64 = 0x4330_0000_0000_0000; // the bits of 2⁵²
    f64::from_bits(TWO_52 | (x & 0xFFFF_FFFF)) - f64::from_bits(TWO_52)
}

/// The runs of providers of one region in `views` (in order), with their refusal counts.
fn region_runs(views: &[View]) -> Vec<RegionRun> {
    let mut runs: Vec<RegionRun> = Vec::new();
    for (q, v) in views.iter().enumerate() {
        match runs.last_mut() {
            Some(run) if run.region == v.region => run.range.end = q + 1,
            _ => runs.push(RegionRun {
                region: v.region,
                range: q..q + 1,
                inactive: 0,
                wrong_kind: [0; 4],
            }),
        }
        let run = runs.last_mut().expect("just pushed");
        if !v.active {
            run.inactive += 1;
        } else {
            for (mask, n) in run.wrong_kind.iter_mut().enumerate() {
                *n += usize::from(v.kinds & mask as u8 == 0);
            }
        }
    }
    runs
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

/// The columns [`kernel`] writes (`fixed` and `priced` are its scratch).
struct ColumnsOut<'a> {
    codes: &'a mut [u8],
    fixed: &'a mut [u8],
    priced: &'a mut [u8],
    cost_lo: &'a mut [f64],
    lucky: &'a mut [f64],
}

/// The widest instruction set this processor has, read once per batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Isa {
    Avx512,
    Avx2,
    Baseline,
}

impl Isa {
    pub(super) fn detect() -> Self {
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
    pub(super) fn available() -> Vec<Isa> {
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
    pub(super) fn of(views: &[View], base_f: &[f64], fit: f64, hash: &[u64]) -> Self {
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
            small_prices: views.iter().map(|v| v.small_prices).collect(),
            codes: vec![0; n],
            fixed: vec![0; n],
            priced: vec![0; n],
            cost_lo: vec![0.0; n],
            lucky: vec![0.0; n],
            task_hash: 0,
            scale: [0.0; 4],
            regions: region_runs(views),
        }
    }

    /// Codes and estimates of every provider for `t` into the output columns: [`PASS`] for
    /// the providers that can take a replica of `t`, the first check they fail for the others
    /// (counted into `refusals`).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn scan(
        &mut self,
        isa: Isa,
        t: &OpenTask,
        need: &TaskNeed,
        views: &[View],
        offers: &[&Offer],
        w: &Weights,
        refusals: &mut [usize; Refusal::ALL.len()],
    ) -> std::ops::Range<usize> {
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
        self.task_hash = probe.task_hash;
        self.scale = probe.scale;
        // a task of one region: only that region's run, the others counted as refused
        let range = self.range_for(need, refusals);
        let at = range.clone();
        let input = ColumnsIn {
            active: &self.active[at.clone()],
            kinds: &self.kinds[at.clone()],
            region: &self.region[at.clone()],
            model: &self.model[at.clone()],
            machine: std::array::from_fn(|i| &self.machine[i][at.clone()]),
            left: std::array::from_fn(|i| &self.left[i][at.clone()]),
            collateral_f: &self.collateral_f[at.clone()],
            estimable: &self.estimable[at.clone()],
            prices_f: std::array::from_fn(|i| &self.prices_f[i][at.clone()]),
            base_f: &self.base_f[at.clone()],
            fit_f: &self.fit_f[at.clone()],
            hash: &self.hash[at.clone()],
        };
        let mut output = ColumnsOut {
            codes: &mut self.codes[at.clone()],
            fixed: &mut self.fixed[at.clone()],
            priced: &mut self.priced[at.clone()],
            cost_lo: &mut self.cost_lo[at.clone()],
            lucky: &mut self.lucky[at.clone()],
        };
        scan_kernel(isa, &input, &probe, &mut output);
        let codes = &mut self.codes[at.clone()];
        let (views, offers) = (&views[at.clone()], &offers[at.clone()]);
        let collateral_left = &self.collateral[at];
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
                } else if collateral(t, price) > collateral_left[q] {
                    Refusal::Collateral as u8
                } else {
                    PASS
                };
            }
        }
        for r in Refusal::ALL {
            refusals[r as usize] += count_codes(isa, codes, r as u8, r as u8);
        }
        range
    }

    /// The providers a task must scan: its region's run for a task of one region (an empty
    /// range when no provider is in it), every provider otherwise. The providers left out are
    /// counted into `refusals` by the first check they fail: inactive, kind, region.
    fn range_for(
        &self,
        need: &TaskNeed,
        refusals: &mut [usize; Refusal::ALL.len()],
    ) -> std::ops::Range<usize> {
        let all = 0..self.codes.len();
        if need.region == 0 {
            return all;
        }
        let mut mine = self
            .regions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.region == need.region);
        let (mine, more) = (mine.next().map(|(i, _)| i), mine.next());
        if more.is_some() {
            return all; // the region is not one run (the columns are not ordered by region)
        }
        for (i, run) in self.regions.iter().enumerate() {
            if Some(i) == mine {
                continue;
            }
            let wrong_kind = run.wrong_kind[usize::from(need.kind & 3)];
            refusals[Refusal::Inactive as usize] += run.inactive;
            refusals[Refusal::Kind as usize] += wrong_kind;
            refusals[Refusal::Region as usize] += run.range.len() - run.inactive - wrong_kind;
        }
        mine.map_or(0..0, |i| self.regions[i].range.clone())
    }

    /// Provider `q`'s random draw for the last scanned task (32 bits), as the scan's keys
    /// were computed from.
    #[inline]
    pub(super) fn draw(&self, q: usize) -> u64 {
        draw_bits(self.task_hash, self.hash[q])
    }

    /// Provider `q`'s estimate of its quote for the last scanned task, as the scan computed it.
    #[cfg(test)]
    pub(super) fn estimate(&self, q: usize) -> f64 {
        let (pf, s) = (&self.prices_f, self.scale);
        pf[0][q] * s[0] + pf[1][q] * s[1] + pf[2][q] * s[2] + pf[3][q] * s[3]
    }

    /// Provider `q`'s exact quote for a replica of `t` (`r`: the task's machine requirements),
    /// as [`View::quote`] computes it.
    #[inline]
    pub(super) fn quote(&self, q: usize, t: &OpenTask, r: &[u32; 5], views: &[View]) -> u128 {
        match &self.small_prices[q] {
            Some(p) => small_quote(p, t, r),
            None => views[q].quote(t, r),
        }
    }

    /// The providers the last [`Columns::scan`] found eligible (`range`: what it scanned).
    #[cfg(test)]
    pub(super) fn eligible(&self, range: std::ops::Range<usize>) -> Vec<u32> {
        range
            .filter(|&q| self.codes[q] == PASS)
            .map(|q| q as u32)
            .collect()
    }
}

/// How many of `codes` are in `low..=high`: summed in bytes over blocks of 128 (a byte cannot
/// overflow there), which the compiler turns into byte-wide vector compares and adds.
#[inline(always)]
fn count_in(codes: &[u8], low: u8, high: u8) -> usize {
    codes
        .chunks(128)
        .map(|block| {
            let n = block.iter().fold(0u8, |n, &c| {
                n.wrapping_add(u8::from((c >= low) & (c <= high)))
            });
            usize::from(n)
        })
        .sum()
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
    ($(#[$doc:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? = $body:ident) => {
        $(#[$doc])*
        $vis fn $name(isa: Isa, $($arg: $ty),*) $(-> $ret)? {
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
    /// [`chunk_masks`] compiled for the instruction set `isa`.
    fn compiled_masks(codes: &[u8], cost_lo: &[f64], lucky: &[f64], best: f64, drawn: f64) -> (u64, u64) = chunk_masks
}

/// [`chunk_masks`] with the instruction set `isa`. On AVX2 a whole chunk of 64 is written out
/// with compare and move-mask instructions: the compiled loop packs each comparison from 64-bit
/// lanes down to bits (~300 instructions a chunk against ~110); AVX-512 compares into mask
/// registers, so its compiled loop is kept.
pub(super) fn masks(
    isa: Isa,
    codes: &[u8],
    cost_lo: &[f64],
    lucky: &[f64],
    best: f64,
    drawn: f64,
) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    if isa == Isa::Avx2 && codes.len() >= 64 && cost_lo.len() >= 64 && lucky.len() >= 64 {
        // SAFETY: `Isa::detect` returns Avx2 only where the processor has AVX2, and the three
        // slices hold at least the 64 elements `avx2_masks` reads
        return unsafe { avx2_masks(codes, cost_lo, lucky, best, drawn) };
    }
    compiled_masks(isa, codes, cost_lo, lucky, best, drawn)
}

/// [`chunk_masks`] of a full chunk (the first 64 elements of each slice) in AVX2 instructions.
///
/// # Safety
/// The processor must have AVX2, and each slice at least 64 elements.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2_masks(
    codes: &[u8],
    cost_lo: &[f64],
    lucky: &[f64],
    best: f64,
    drawn: f64,
) -> (u64, u64) {
    use std::arch::x86_64::{
        __m256i, _CMP_LT_OQ, _mm256_cmp_pd, _mm256_cmpeq_epi8, _mm256_loadu_pd, _mm256_loadu_si256,
        _mm256_movemask_epi8, _mm256_movemask_pd, _mm256_or_pd, _mm256_set1_epi8, _mm256_set1_pd,
    };
    debug_assert!(codes.len() >= 64 && cost_lo.len() >= 64 && lucky.len() >= 64);
    let pass_code = _mm256_set1_epi8(PASS as i8);
    let eligible = |at: usize| {
        // SAFETY: `at + 32 <= 64 <= codes.len()`; unaligned loads
        let v = unsafe { _mm256_loadu_si256(codes.as_ptr().add(at).cast::<__m256i>()) };
        u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, pass_code)) as u32)
    };
    let pass = eligible(0) | (eligible(32) << 32);
    let (best, drawn) = (_mm256_set1_pd(best), _mm256_set1_pd(drawn));
    let mut below = 0u64;
    for j in 0..16 {
        // SAFETY: `4·j + 4 <= 64 <=` each slice's length; unaligned loads
        let (c, l) = unsafe {
            (
                _mm256_loadu_pd(cost_lo.as_ptr().add(4 * j)),
                _mm256_loadu_pd(lucky.as_ptr().add(4 * j)),
            )
        };
        let m = _mm256_or_pd(
            _mm256_cmp_pd::<_CMP_LT_OQ>(c, best),
            _mm256_cmp_pd::<_CMP_LT_OQ>(l, drawn),
        );
        below |= u64::from(_mm256_movemask_pd(m) as u32) << (4 * j);
    }
    (pass, pass & below)
}

#[cfg(test)]
mod tests {
    use super::{Isa, PASS, chunk_masks, masks, u32_to_f64};

    #[test]
    fn every_instruction_set_gives_the_same_masks() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..2_000 {
            let n = if round % 10 == 0 {
                1 + next() as usize % 64
            } else {
                64
            };
            let codes: Vec<u8> = (0..n)
                .map(|_| if next() % 3 == 0 { PASS - 1 } else { PASS })
                .collect();
            // values around the bounds, with equal ones and infinities
            let value = |v: u64| match v % 10 {
                0 => f64::INFINITY,
                1 => f64::NEG_INFINITY,
                _ => (v % 100) as f64,
            };
            let cost_lo: Vec<f64> = (0..n).map(|_| value(next())).collect();
            let lucky: Vec<f64> = (0..n).map(|_| value(next())).collect();
            let (best, drawn) = (value(next()), value(next()));
            let want = chunk_masks(&codes, &cost_lo, &lucky, best, drawn);
            assert!(
                want.0 != 0 || n < 8,
                "round {round}: no eligible provider drawn"
            );
            for isa in Isa::available() {
                assert_eq!(
                    masks(isa, &codes, &cost_lo, &lucky, best, drawn),
                    want,
                    "round {round} ({isa:?}, {n} providers)"
                );
            }
        }
    }

    #[test]
    fn the_vector_conversion_equals_the_cast() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let samples = (0..10_000).map(|_| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            x >> 32
        });
        for v in [0, 1, 2, 0xFFFF_FFFE, 0xFFFF_FFFF, 1 << 31]
            .into_iter()
            .chain(samples)
        {
            assert_eq!(
                u32_to_f64(v).to_bits(),
                f64::from(v as u32).to_bits(),
                "{v}"
            );
        }
    }
}
