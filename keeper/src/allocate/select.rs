//! The candidate lists: for each task, its cheapest eligible providers and more drawn at random
//! (priority sampling by a hash of task and provider, so the same on every machine), with the
//! exact score computed only where an estimate says it could matter.

use std::collections::BinaryHeap;

use super::{OpenTask, PPM, Weights, ratio_ppm};

/// Each task's cheapest eligible providers, and as many more drawn at random (by a hash of task
/// and provider, so the same on every machine).
pub(super) struct Select {
    pub(super) keep_task: usize,
    pub(super) keep_random: usize,
    pub(super) best: BinaryHeap<(i64, u32)>,
    pub(super) drawn: BinaryHeap<(u64, u32)>,
}

impl Select {
    /// Keep the `keep_task` cheapest of `eligible` (by cost, then index) and the `keep_random`
    /// smallest priority draws. `eligible` carries estimates of the quotes (relative error
    /// under 10⁻¹², plus one unit of rounding up); the exact quote (`price_of`) and cost are
    /// computed only when a provider's cost estimate, off by less than `margin`, could put it
    /// in either heap.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn select(
        &mut self,
        t: &OpenTask,
        eligible: &[(u32, f64)],
        price_of: impl Fn(usize) -> u128,
        w: &Weights,
        base: &[i64],
        base_f: &[f64],
        gpu_machine: &[bool],
        provider_hash: &[u64],
    ) -> Vec<(i64, u32)> {
        self.best.clear();
        self.drawn.clear();
        let task_hash = fold(&t.id.to_be_bytes::<32>());
        let no_gpu = t.requirements.gpu_count == 0;
        let exact = |q: usize| {
            let price = price_of(q);
            let fit = i64::from(no_gpu && gpu_machine[q]);
            (w.price * ratio_ppm(price, t.price_cap) + base[q] + w.fit * fit * PPM) / PPM
        };
        // the estimate: est · w.price / cap + (base + fit) / PPM, in f64. Exact cost floors the
        // ratio (off by < w.price / PPM) and the sum (< 1); the quote's estimate is off by less
        // than est·10⁻¹² + 1, i.e. w.price·(2·10⁻¹² + 1 / cap) in cost. Above 2^53, or with a
        // zero cap, no estimate is used
        let estimable = t.price_cap > 0 && t.price_cap < (1 << 53);
        let per_price = if estimable {
            w.price as f64 / t.price_cap as f64
        } else {
            0.0
        };
        let price_weight = w.price.unsigned_abs() as f64;
        let margin = 2.0
            + price_weight / PPM as f64
            + price_weight * (1e-11 + 1.0 / (t.price_cap.max(1) as f64));
        let fit_cost = w.fit as f64;
        for &(q, est_price) in eligible {
            let qi = q as usize;
            let draw_bits = if self.keep_random > 0 {
                mix(task_hash ^ provider_hash[qi]) >> 32
            } else {
                0
            };
            let full = self.best.len() >= self.keep_task && self.drawn.len() >= self.keep_random;
            if full && estimable {
                let fit = if no_gpu && gpu_machine[qi] {
                    fit_cost
                } else {
                    0.0
                };
                let est = est_price * per_price + base_f[qi] + fit;
                let best_top = self.best.peek().map_or(i64::MAX, |b| b.0) as f64;
                let cheap_enough = est - margin < best_top;
                let lucky = self.keep_random > 0 && {
                    let low = (est - margin).max(0.0) + 1_000.0;
                    let top = self.drawn.peek().map_or(u64::MAX, |d| d.0) as f64;
                    (draw_bits as f64) * low < top * (1.0 + 1e-9) + 1.0
                };
                if !cheap_enough && !lucky {
                    continue;
                }
            }
            let cost = exact(qi);
            keep_smallest(&mut self.best, self.keep_task, (cost, q));
            if self.keep_random > 0 {
                // priority sampling: a random draw scaled by the cost, so cheaper providers
                // are likelier but every eligible one has a chance
                let draw = draw_bits * (cost.max(0) as u64 + 1_000);
                keep_smallest(&mut self.drawn, self.keep_random, (draw, q));
            }
        }
        let mut mine: Vec<(i64, u32)> = self.best.drain().collect();
        mine.extend(self.drawn.drain().map(|(_, q)| (0, q)));
        mine
    }
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
