//! The allocation benchmark.
//!
//! 1. Quality: on random markets (single-replica tasks, so the flow optimum is exact), the
//!    batch solve's total cost (on its candidate lists) and greedy's against the exact optimum
//!    over every eligible provider (successive shortest paths); printed as a table.
//! 2. Speed (criterion): allocating 10,000 open tasks over 2,000 providers — eligibility, scores,
//!    candidate lists, the min-cost flow, and the check against real resources — on one core.
//!
//! Run: `cargo bench -p swan-keeper --bench allocation`. `keeper/README.md` records the figures.

#![allow(clippy::print_stdout)] // a report: stdout is its output
#![allow(missing_docs)] // criterion_group! generates an undocumented public fn

use std::{hint::black_box, time::Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use swan_keeper::allocate::{Config, allocate, instances::market, problem, solver};

/// The allocation settings measured: the defaults, or `SWAN_ALLOC_CANDIDATES=cheapest,random`
/// to measure another candidate-list size.
fn config() -> Config {
    let mut cfg = Config::default();
    if let Ok(v) = std::env::var("SWAN_ALLOC_CANDIDATES") {
        let n: Vec<usize> = v.split(',').filter_map(|x| x.trim().parse().ok()).collect();
        if let [cheapest, random] = n[..] {
            cfg.candidates = cheapest;
            cfg.random_candidates = random;
        }
    }
    println!(
        "candidate lists: {} cheapest + {} drawn per task\n",
        cfg.candidates, cfg.random_candidates
    );
    cfg
}

fn quality() {
    println!("## Allocation quality (random markets, single-replica tasks)\n");
    println!(
        "| instance | tasks | providers | placed (batch / exact / greedy) | cost over optimum: batch | greedy | exact time | batch time |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let cfg = config();
    let mut worst: f64 = 0.0;
    for (seed, tasks, providers) in [
        (1, 1_000, 200),
        (2, 1_000, 400),
        (3, 1_000, 600),
        (4, 2_000, 400),
        (5, 2_000, 800),
    ] {
        let (open, offers) = market(seed, providers, tasks, 1);
        // the batch solve on its candidate lists; the optimum over every eligible provider
        let p = problem(&open, &offers, &cfg);
        let all = Config {
            candidates: usize::MAX,
            ..cfg
        };
        let full = problem(&open, &offers, &all);
        let t = Instant::now();
        let exact = solver::exact(&full);
        let exact_time = t.elapsed();
        let t = Instant::now();
        let batch = solver::solve(&p);
        let batch_time = t.elapsed();
        let greedy = solver::greedy(&p);
        exact.check(&full).expect("a valid assignment");
        for s in [&batch, &greedy] {
            s.check(&p).expect("a valid assignment");
        }
        let opt = exact.cost(&full) as f64;
        let gap = |s: &solver::Solution| {
            if s.placed() < exact.placed() {
                f64::INFINITY
            } else {
                (s.cost(&p) as f64 - opt) / opt * 100.0
            }
        };
        let show = |g: f64| {
            if g.is_finite() {
                format!("{g:+.3} %")
            } else {
                "places fewer".to_owned()
            }
        };
        worst = worst.max(gap(&batch));
        println!(
            "| seed {seed} | {} | {providers} | {} / {} / {} | {} | {} | {:.0} ms | {:.1} ms |",
            open.len(),
            batch.placed(),
            exact.placed(),
            greedy.placed(),
            show(gap(&batch)),
            show(gap(&greedy)),
            exact_time.as_secs_f64() * 1e3,
            batch_time.as_secs_f64() * 1e3,
        );
    }
    println!("\nworst batch gap to the optimum: {worst:+.3} % (target ≤ 1 %)\n");
}

fn speed(c: &mut Criterion) {
    // SWAN_BENCH_QUALITY=0 skips the quality table (the exact solver takes half a minute)
    if std::env::var("SWAN_BENCH_QUALITY").as_deref() != Ok("0") {
        quality();
    }
    let (open, offers) = market(42, 2_000, 10_000, 3);
    let cfg = config();
    let decisions = allocate(&open, &offers, &cfg);
    let placed = decisions.iter().filter(|d| !d.chosen.is_empty()).count();
    println!(
        "10,000 tasks (1–3 replicas) over 2,000 providers: {placed} placed, the rest wait for capacity\n"
    );
    let mut g = c.benchmark_group("allocation");
    g.sample_size(10);
    g.bench_function("allocate 10k tasks over 2k providers", |b| {
        b.iter(|| black_box(allocate(black_box(&open), black_box(&offers), &cfg)))
    });
    g.bench_function("candidate lists only 10k × 2k", |b| {
        b.iter(|| black_box(problem(black_box(&open), black_box(&offers), &cfg)))
    });
    let p = problem(&open, &offers, &cfg);
    g.bench_function("solve only (cost scaling) 10k × 2k", |b| {
        b.iter(|| black_box(solver::solve(black_box(&p))))
    });
    g.finish();
}

criterion_group!(benches, speed);

criterion_main!(benches);
