//! The eligibility scan: every task against every provider, keeping each task's candidates for
//! the solver — its cheapest eligible providers, as many more drawn at random, and the tasks each
//! provider finds cheapest (so no provider with room is left off every list).
//!
//! Plain code on purpose: one [`check`](super::check) per task × provider pair, one score per
//! eligible pair, two small heaps per task. A 10,000 × 2,000 batch takes well under the second a
//! block allows (`scripts/bench keeper`, figures in keeper/README.md).

use std::collections::BinaryHeap;

use super::{Config, Decision, Offer, OpenTask, Refusal, Terms, check, score, slots, solver};

/// The batch as the solver sees it, with what the decisions are built from.
#[derive(Debug)]
pub(super) struct Batch<'a> {
    pub(super) offers: Vec<&'a Offer>,
    pub(super) problem: solver::Problem,
    pub(super) quotes: Vec<Vec<(u32, u128, Terms)>>,
    pub(super) decisions: Vec<Decision>,
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

/// A 64-bit digest of some bytes (a task id, an address), the same on every machine.
pub(super) fn fold(bytes: &[u8]) -> u64 {
    bytes.chunks(8).fold(0x243F_6A88_85A3_08D3, |h, c| {
        let mut w = [0u8; 8];
        w[..c.len()].copy_from_slice(c);
        mix(h ^ u64::from_le_bytes(w))
    })
}

/// SplitMix64's finalizer: spreads every input bit over the output.
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How many tasks a provider with `slots` free replica slots puts on its own list: twice its
/// slots, at least 4.
pub(super) fn provider_side(slots: u32) -> usize {
    (2 * slots as usize).max(4)
}

/// A provider's priority draw for a task: 32 random bits (a hash of both) scaled by its cost,
/// so cheaper providers are likelier to be drawn (priority sampling). Smallest draws are kept.
pub(super) fn draw(task_hash: u64, provider_hash: u64, cost: i64) -> u64 {
    (mix(task_hash ^ provider_hash) >> 32) * (cost.max(0) as u64 + 1_000)
}

pub(super) fn prepare<'a>(tasks: &[OpenTask], offers: &'a [Offer], cfg: &Config) -> Batch<'a> {
    // providers in address order: ties go to the lower address
    let mut offers: Vec<&Offer> = offers.iter().collect();
    offers.sort_by_key(|o| o.address);
    let slots = slots(tasks, &offers, cfg.max_slots);
    let hashes: Vec<u64> = offers.iter().map(|o| fold(o.address.as_slice())).collect();
    let keep_cheapest = cfg.candidates.max(1);
    let keep_drawn = cfg.random_candidates;
    let mut problem = solver::Problem::new(slots.clone());
    let mut quotes = Vec::with_capacity(tasks.len());
    let mut decisions = Vec::with_capacity(tasks.len());
    let mut cheapest: BinaryHeap<(i64, u32)> = BinaryHeap::with_capacity(keep_cheapest + 1);
    let mut drawn: BinaryHeap<(u64, u32)> = BinaryHeap::with_capacity(keep_drawn + 1);
    // each provider's cheapest tasks (twice its slots): every provider with room appears on
    // enough lists to fill it, however rarely the tasks' own lists would name it
    let keep_for: Vec<usize> = slots.iter().map(|&n| provider_side(n)).collect();
    let mut best_tasks: Vec<BinaryHeap<(i64, u32)>> = vec![BinaryHeap::new(); offers.len()];
    let mut scored: Vec<(u128, Terms)> = vec![(0, zero_terms()); offers.len()];
    let mut lists: Vec<Vec<(u32, u128, Terms)>> = Vec::with_capacity(tasks.len());
    for (ti, t) in tasks.iter().enumerate() {
        let task_hash = fold(&t.id.to_be_bytes::<32>());
        let mut refused = [0usize; Refusal::ALL.len()];
        let mut eligible = 0;
        cheapest.clear();
        drawn.clear();
        for (q, o) in offers.iter().enumerate() {
            let price = match check(t, o) {
                Ok(price) => price,
                Err(r) => {
                    refused[r as usize] += 1;
                    continue;
                }
            };
            eligible += 1;
            let terms = score(t, o, price, slots[q], &cfg.weights);
            scored[q] = (price, terms);
            keep_smallest(&mut cheapest, keep_cheapest, (terms.cost, q as u32));
            if keep_drawn > 0 {
                let key = draw(task_hash, hashes[q], terms.cost);
                keep_smallest(&mut drawn, keep_drawn, (key, q as u32));
            }
            keep_smallest(&mut best_tasks[q], keep_for[q], (terms.cost, ti as u32));
        }
        let mut kept: Vec<u32> = cheapest.iter().map(|c| c.1).collect();
        kept.extend(drawn.iter().map(|d| d.1));
        kept.sort_unstable();
        kept.dedup();
        lists.push(
            kept.iter()
                .map(|&q| (q, scored[q as usize].0, scored[q as usize].1))
                .collect(),
        );
        decisions.push(Decision {
            task: t.id,
            chosen: Vec::new(),
            eligible,
            runner_up: None,
            refused: Refusal::ALL
                .iter()
                .zip(refused)
                .filter(|&(_, n)| n > 0)
                .map(|(&r, n)| (r, n))
                .collect(),
        });
    }
    // the providers' own picks join the lists of the tasks they picked (scored again: the scan
    // keeps one task's scores at a time)
    for (q, heap) in best_tasks.into_iter().enumerate() {
        let o = offers[q];
        for (_, ti) in heap {
            let (t, list) = (&tasks[ti as usize], &mut lists[ti as usize]);
            if list.iter().any(|c| c.0 == q as u32) {
                continue;
            }
            if let Ok(price) = check(t, o) {
                list.push((q as u32, price, score(t, o, price, slots[q], &cfg.weights)));
            }
        }
    }
    for (t, mut list) in tasks.iter().zip(lists) {
        list.sort_unstable_by_key(|c| c.0);
        problem.push_task(t.replicas, list.iter().map(|c| (c.0, c.2.cost)).collect());
        quotes.push(list);
    }
    Batch {
        offers,
        problem,
        quotes,
        decisions,
    }
}

fn zero_terms() -> Terms {
    Terms {
        price_ppm: 0,
        reputation_ppm: 0,
        load_ppm: 0,
        fit_ppm: 0,
        cost: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::allocate::{Weights, instances};

    #[test]
    fn candidates_are_the_cheapest_the_smallest_draws_and_each_providers_picks() {
        for (seed, w) in (1..=3).zip([
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
        ]) {
            let (tasks, offers) = instances::market(seed, 300, 400, 3);
            for (cheapest, random) in [(8, 24), (3, 0), (1, 5)] {
                let cfg = Config {
                    weights: w,
                    candidates: cheapest,
                    random_candidates: random,
                    ..Config::default()
                };
                let batch = prepare(&tasks, &offers, &cfg);
                let slots = slots(&tasks, &batch.offers, cfg.max_slots);
                // every eligible pair: (cost, draw, provider) per task
                let all: Vec<Vec<(i64, u64, u32)>> = tasks
                    .iter()
                    .map(|t| {
                        let mut v = Vec::new();
                        for (q, o) in batch.offers.iter().enumerate() {
                            if let Ok(price) = check(t, o) {
                                let cost = score(t, o, price, slots[q], &w).cost;
                                let key = draw(
                                    fold(&t.id.to_be_bytes::<32>()),
                                    fold(o.address.as_slice()),
                                    cost,
                                );
                                v.push((cost, key, q as u32));
                            }
                        }
                        v
                    })
                    .collect();
                // each provider's own picks: its cheapest tasks, twice its slots
                let mut picked = vec![Vec::new(); tasks.len()];
                for (q, &n) in slots.iter().enumerate() {
                    let mut mine: Vec<(i64, usize)> = all
                        .iter()
                        .enumerate()
                        .filter_map(|(ti, v)| v.iter().find(|a| a.2 == q as u32).map(|a| (a.0, ti)))
                        .collect();
                    mine.sort_unstable();
                    for &(_, ti) in mine.iter().take(provider_side(n)) {
                        picked[ti].push(q as u32);
                    }
                }
                for (ti, (t, got)) in tasks.iter().zip(&batch.quotes).enumerate() {
                    let mut by_cost: Vec<(i64, u32)> = all[ti].iter().map(|a| (a.0, a.2)).collect();
                    by_cost.sort_unstable();
                    let mut by_draw: Vec<(u64, u32)> = all[ti].iter().map(|a| (a.1, a.2)).collect();
                    by_draw.sort_unstable();
                    let mut want: Vec<u32> = by_cost.iter().take(cheapest).map(|c| c.1).collect();
                    want.extend(by_draw.iter().take(random).map(|d| d.1));
                    want.extend(&picked[ti]);
                    want.sort_unstable();
                    want.dedup();
                    let got: Vec<u32> = got.iter().map(|c| c.0).collect();
                    assert_eq!(got, want, "seed {seed} task {} ({cheapest}+{random})", t.id);
                    // each candidate carries its exact quote and score
                    for &(q, price, terms) in
                        &batch.quotes[tasks.iter().position(|x| x.id == t.id).unwrap()]
                    {
                        let o = batch.offers[q as usize];
                        assert_eq!(check(t, o), Ok(price));
                        assert_eq!(terms, score(t, o, price, slots[q as usize], &w));
                    }
                }
            }
        }
    }

    #[test]
    fn refusals_are_counted_by_reason() {
        let (tasks, offers) = instances::market(7, 50, 80, 3);
        let batch = prepare(&tasks, &offers, &Config::default());
        for (t, d) in tasks.iter().zip(&batch.decisions) {
            let refused: usize = d.refused.values().sum();
            assert_eq!(refused + d.eligible, offers.len(), "task {}", t.id);
            for (r, n) in &d.refused {
                let want = offers.iter().filter(|o| check(t, o) == Err(*r)).count();
                assert_eq!(*n, want, "task {} {r:?}", t.id);
            }
        }
    }
}
