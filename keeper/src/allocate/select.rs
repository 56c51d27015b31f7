//! The candidate lists: for each task, its cheapest eligible providers and more drawn at random
//! (priority sampling by a hash of task and provider, so the same on every machine), with the
//! exact score computed only where an estimate says it could matter.

use std::collections::BinaryHeap;

use super::{OpenTask, PPM, Weights, ratio_ppm};

/// A candidate kept: provider index, its exact quote, its exact cost, and its quote as a share
/// of the cap (ppm: the score's price term, before weighting).
pub(super) type Kept = (u32, u128, i64, i64);

/// Each task's cheapest eligible providers, and as many more drawn at random (by a hash of task
/// and provider, so the same on every machine).
pub(super) struct Select {
    keep_task: usize,
    keep_random: usize,
    /// The second pass's heaps hold (cost or draw, id, index in the run): 16 bytes, so sifting
    /// moves little; the exact quote, cost and price ratio wait in `exact` by index.
    best: BinaryHeap<(i64, u32, u32)>,
    drawn: BinaryHeap<(u64, u32, u32)>,
    exact: Vec<(u128, i64, i64)>,
    /// The kept (id, index in the run) pairs, packed as `id << 32 | index` to sort as integers.
    picked: Vec<u64>,
    /// The first pass's heaps: the lowest possible costs, and the highest possible draws.
    best_low: BinaryHeap<Key>,
    drawn_high: BinaryHeap<Key>,
}

impl Select {
    /// Heaps for lists of `keep_task` cheapest and `keep_random` drawn providers.
    pub(super) fn new(keep_task: usize, keep_random: usize) -> Self {
        Self {
            keep_task,
            keep_random,
            best: BinaryHeap::with_capacity(keep_task + 1),
            drawn: BinaryHeap::with_capacity(keep_random + 1),
            exact: Vec::new(),
            picked: Vec::with_capacity(keep_task + keep_random),
            best_low: BinaryHeap::with_capacity(keep_task + 1),
            drawn_high: BinaryHeap::with_capacity(keep_random + 1),
        }
    }

    /// Keep the `keep_task` cheapest eligible providers (by cost, then id) and the
    /// `keep_random` smallest priority draws, into `out` by their `ids[q]`, in id order, each
    /// once (a provider may be both cheap and drawn); returns how many are eligible
    /// (`codes[q] == PASS`). The ids are the providers'
    /// indices in address order, so ties go to the lower address whatever order the columns
    /// hold them in. `cost_lo[q]` is the lowest provider `q`'s exact
    /// cost can be (its estimate less [`margin`]; the highest is its estimate plus the margin),
    /// `lucky[q]` the lowest its draw can be, and `draw_bits(q)` its random draw for this task.
    /// `masks` says for 64 providers at a time which are eligible and which have a lowest cost
    /// or a lowest draw below two bounds.
    ///
    /// Two passes. The first, on the estimates alone, finds the `keep_task`-th smallest highest
    /// possible cost and the `keep_random`-th smallest highest possible draw: no provider whose
    /// lowest cost (or draw) is above that can be in the lists, since that many providers are
    /// surely cheaper. The second computes the exact quote (`price_of`) and cost of only the
    /// providers under those bounds — about as many as the lists keep — and selects exactly.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn select(
        &mut self,
        t: &OpenTask,
        codes: &[u8],
        cost_lo: &[f64],
        lucky: &[f64],
        draw_bits: impl Fn(usize) -> u64,
        masks: impl Fn(&[u8], &[f64], &[f64], f64, f64) -> (u64, u64),
        price_of: impl Fn(usize) -> u128,
        w: &Weights,
        base: &[i64],
        gpu_machine: &[bool],
        ids: &[u32],
        out: &mut Vec<Kept>,
    ) -> usize {
        self.best.clear();
        self.drawn.clear();
        let no_gpu = t.requirements.gpu_count == 0;
        let exact = |q: usize| {
            let price = price_of(q);
            let fit = i64::from(no_gpu && gpu_machine[q]);
            let price_ppm = ratio_ppm(price, t.price_cap);
            let cost = (w.price * price_ppm + base[q] + w.fit * fit * PPM) / PPM;
            (price, cost, price_ppm)
        };
        // above 2^53, or with a zero cap, no estimate is used: every eligible provider is scored
        let estimable = t.price_cap > 0 && t.price_cap < (1 << 53);
        let draws = self.keep_random > 0;
        let chunks = || {
            (0..codes.len())
                .step_by(64)
                .map(|s| s..(s + 64).min(codes.len()))
        };
        // without draws no provider is let through for one (below −∞)
        let (best, drawn) = if estimable {
            self.bounds(
                codes,
                cost_lo,
                lucky,
                &draw_bits,
                &masks,
                chunks(),
                margin(t, w),
            )
        } else {
            let drawn = if draws {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            };
            (f64::INFINITY, drawn)
        };
        let mut eligible = 0;
        if self.exact.len() < codes.len() {
            self.exact.resize(codes.len(), (0, 0, 0));
        }
        for r in chunks() {
            let (start, end) = (r.start, r.end);
            let (pass, mut cand) = masks(
                &codes[start..end],
                &cost_lo[start..end],
                &lucky[start..end],
                best,
                drawn,
            );
            eligible += pass.count_ones() as usize;
            while cand != 0 {
                let q = start + cand.trailing_zeros() as usize;
                cand &= cand - 1;
                let (price, cost, price_ppm) = exact(q);
                self.exact[q] = (price, cost, price_ppm);
                keep_smallest(&mut self.best, self.keep_task, (cost, ids[q], q as u32));
                if draws {
                    // priority sampling: a random draw scaled by the cost, so cheaper providers
                    // are likelier but every eligible one has a chance
                    let draw = draw_bits(q) * (cost.max(0) as u64 + 1_000);
                    keep_smallest(&mut self.drawn, self.keep_random, (draw, ids[q], q as u32));
                }
            }
        }
        let pack = |id: u32, q: u32| (u64::from(id) << 32) | u64::from(q);
        self.picked.clear();
        self.picked
            .extend(self.best.drain().map(|(_, id, q)| pack(id, q)));
        self.picked
            .extend(self.drawn.drain().map(|(_, id, q)| pack(id, q)));
        // by id, once each (one id is one index in the run, so equal ids are equal entries)
        self.picked.sort_unstable();
        self.picked.dedup();
        out.clear();
        out.extend(self.picked.iter().map(|&k| {
            let (price, cost, price_ppm) = self.exact[(k & u64::from(u32::MAX)) as usize];
            ((k >> 32) as u32, price, cost, price_ppm)
        }));
        eligible
    }

    /// The first pass of [`Select::select`]: bounds on the lowest cost and the lowest draw a
    /// provider needs to be in a list (strictly below them; infinite while fewer are eligible
    /// than a list keeps, −∞ for the draw when none are drawn). `margin` is the cost estimates'
    /// margin.
    #[allow(clippy::too_many_arguments)]
    fn bounds(
        &mut self,
        codes: &[u8],
        cost_lo: &[f64],
        lucky: &[f64],
        draw_bits: &impl Fn(usize) -> u64,
        masks: &impl Fn(&[u8], &[f64], &[f64], f64, f64) -> (u64, u64),
        chunks: impl Iterator<Item = std::ops::Range<usize>>,
        margin: f64,
    ) -> (f64, f64) {
        self.best_low.clear();
        self.drawn_high.clear();
        let (keep_best, keep_drawn) = (self.keep_task, self.keep_random);
        // the highest the exact cost can be, from its lowest (both within the margin of the
        // estimate), with room for the rounding of these sums
        let spread = 2.0 * margin + 1.0;
        let worst = |heap: &BinaryHeap<Key>, keep: usize| match heap.peek() {
            _ if keep == 0 => f64::NEG_INFINITY,
            Some(k) if heap.len() >= keep => k.value(),
            _ => f64::INFINITY,
        };
        for r in chunks {
            let start = r.start;
            let (low_bound, draw_bound) = (
                worst(&self.best_low, keep_best),
                worst(&self.drawn_high, keep_drawn),
            );
            let (_, mut cand) = masks(
                &codes[r.clone()],
                &cost_lo[r.clone()],
                &lucky[r],
                low_bound,
                draw_bound,
            );
            while cand != 0 {
                let q = start + cand.trailing_zeros() as usize;
                cand &= cand - 1;
                keep_smallest(&mut self.best_low, keep_best, Key::new(cost_lo[q]));
                if keep_drawn > 0 {
                    let high = (cost_lo[q] + spread).max(0.0) + 1_000.0;
                    let draw = draw_bits(q) as f64 * high * (1.0 + 1e-9) + 1.0;
                    keep_smallest(&mut self.drawn_high, keep_drawn, Key::new(draw));
                }
            }
        }
        // the k-th smallest highest cost is the k-th smallest lowest one plus the spread
        let best = worst(&self.best_low, keep_best) + spread + 1.0;
        let drawn = worst(&self.drawn_high, keep_drawn) * (1.0 + 1e-9) + 1.0;
        (best, drawn)
    }
}

/// An `f64` key for the first pass's heaps, in IEEE total order: stored as the integer whose
/// order is that order (what `f64::total_cmp` computes on every comparison), so the heaps compare
/// plain integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key(i64);

impl Key {
    fn new(x: f64) -> Self {
        let bits = x.to_bits() as i64;
        Self(bits ^ (((bits >> 63) as u64) >> 1) as i64)
    }

    fn value(self) -> f64 {
        // the map is its own inverse: the sign bit is kept, and decides the rest's flip
        f64::from_bits((self.0 ^ (((self.0 >> 63) as u64) >> 1) as i64) as u64)
    }
}

/// How far above the exact cost a cost estimate may be: est · w.price / cap + (base + fit) /
/// PPM in f64, where the exact cost floors the ratio (off by < w.price / PPM) and the sum (< 1),
/// and the quote's estimate is off by less than est·10⁻¹² + 1, i.e. w.price·(2·10⁻¹² + 1 / cap)
/// in cost.
pub(super) fn margin(t: &OpenTask, w: &Weights) -> f64 {
    let price_weight = w.price.unsigned_abs() as f64;
    2.0 + price_weight / PPM as f64 + price_weight * (1e-11 + 1.0 / (t.price_cap.max(1) as f64))
}

/// Keep the `n` smallest keys seen in a max-heap.
pub(super) fn keep_smallest<K: Ord>(heap: &mut BinaryHeap<K>, n: usize, key: K) {
    if heap.len() < n {
        heap.push(key);
    } else if let Some(mut top) = heap.peek_mut()
        && key < *top
    {
        *top = key; // sifts down once when dropped
    }
}

/// A 64-bit digest of some bytes (for the random candidate draw).
pub(super) fn fold(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(0x243F_6A88_85A3_08D3, |h, c| {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        mix(h ^ u64::from_le_bytes(w))
    })
}

/// splitmix64's finalizer.
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn keys_order_as_total_cmp_and_give_their_value_back() {
        let values = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            1.0,
            1.0 + f64::EPSILON,
            3e15,
            f64::INFINITY,
        ];
        for a in values {
            assert_eq!(Key::new(a).value().to_bits(), a.to_bits());
            for b in values {
                assert_eq!(Key::new(a).cmp(&Key::new(b)), a.total_cmp(&b), "{a} {b}");
            }
        }
    }
}
