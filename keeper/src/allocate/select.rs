//! The candidate lists: for each task, its cheapest eligible providers and more drawn at random
//! (priority sampling by a hash of task and provider, so the same on every machine), with the
//! exact score computed only where an estimate says it could matter.

use std::collections::BinaryHeap;

use super::{OpenTask, PPM, Weights, ratio_ppm};

/// A candidate kept: provider index, its exact quote and its exact cost.
pub(super) type Kept = (u32, u128, i64);

/// Each task's cheapest eligible providers, and as many more drawn at random (by a hash of task
/// and provider, so the same on every machine).
pub(super) struct Select {
    pub(super) keep_task: usize,
    pub(super) keep_random: usize,
    pub(super) best: BinaryHeap<(i64, u32, u128)>,
    pub(super) drawn: BinaryHeap<(u64, u32, u128, i64)>,
}

impl Select {
    /// Keep the `keep_task` cheapest eligible providers (by cost, then index) and the
    /// `keep_random` smallest priority draws, into `out` (a provider may come twice); returns how
    /// many are eligible (`codes[q] == PASS`). `cost_lo[q]` is the lowest provider `q`'s exact
    /// cost can be (its estimate less [`margin`]), `lucky[q]` the lowest its draw can be, and
    /// `draw_bits[q]` its random draw for this task. `masks` says for 64 providers at a time
    /// which are eligible and which could enter a heap with the heaps' current worst keys; the
    /// exact quote (`price_of`) and cost are computed only for those.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn select(
        &mut self,
        t: &OpenTask,
        codes: &[u8],
        cost_lo: &[f64],
        lucky: &[f64],
        draw_bits: &[u64],
        masks: impl Fn(&[u8], &[f64], &[f64], f64, f64) -> (u64, u64),
        price_of: impl Fn(usize) -> u128,
        w: &Weights,
        base: &[i64],
        gpu_machine: &[bool],
        out: &mut Vec<Kept>,
    ) -> usize {
        self.best.clear();
        self.drawn.clear();
        let no_gpu = t.requirements.gpu_count == 0;
        let exact = |q: usize| {
            let price = price_of(q);
            let fit = i64::from(no_gpu && gpu_machine[q]);
            (
                price,
                (w.price * ratio_ppm(price, t.price_cap) + base[q] + w.fit * fit * PPM) / PPM,
            )
        };
        // above 2^53, or with a zero cap, no estimate is used
        let estimable = t.price_cap > 0 && t.price_cap < (1 << 53);
        let draws = self.keep_random > 0;
        let mut eligible = 0;
        for start in (0..codes.len()).step_by(64) {
            let full = self.best.len() >= self.keep_task && self.drawn.len() >= self.keep_random;
            // the heaps' worst keys at the start of these 64 (they only fall as providers
            // enter, so a provider tested against them is never wrongly passed over)
            let (best, drawn) = if full && estimable {
                let best = self.best.peek().map_or(i64::MAX, |b| b.0) as f64;
                let drawn = match self.drawn.peek() {
                    Some(d) if draws => d.0 as f64 * (1.0 + 1e-9) + 1.0,
                    _ => f64::NEG_INFINITY,
                };
                (best, drawn)
            } else {
                (f64::INFINITY, f64::INFINITY)
            };
            let end = (start + 64).min(codes.len());
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
                let (price, cost) = exact(q);
                keep_smallest(&mut self.best, self.keep_task, (cost, q as u32, price));
                if draws {
                    // priority sampling: a random draw scaled by the cost, so cheaper providers
                    // are likelier but every eligible one has a chance
                    let draw = draw_bits[q] * (cost.max(0) as u64 + 1_000);
                    keep_smallest(
                        &mut self.drawn,
                        self.keep_random,
                        (draw, q as u32, price, cost),
                    );
                }
            }
        }
        out.clear();
        out.extend(self.best.drain().map(|(cost, q, price)| (q, price, cost)));
        out.extend(
            self.drawn
                .drain()
                .map(|(_, q, price, cost)| (q, price, cost)),
        );
        eligible
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
