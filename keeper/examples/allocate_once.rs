//! One allocation of the benchmark's market (10,000 tasks of 1–3 replicas over 2,000
//! providers), for profilers that count instructions or sample a single run:
//! `valgrind --tool=callgrind target/release/examples/allocate_once [whole|lists|solve]`.
//! The criterion benchmark (`benches/allocation.rs`) is where the times are measured.

#![allow(clippy::print_stdout)] // a report: stdout is its output

use std::hint::black_box;

use swan_keeper::allocate::{Config, allocate, instances::market, problem, solver};

fn main() {
    let step = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "whole".to_owned());
    let (open, offers) = market(42, 2_000, 10_000, 3);
    let cfg = Config::default();
    match step.as_str() {
        "whole" => {
            let d = black_box(allocate(&open, &offers, &cfg));
            let placed = d.iter().filter(|d| !d.chosen.is_empty()).count();
            println!("{placed} of {} tasks placed", d.len());
        }
        "lists" => {
            let p = black_box(problem(&open, &offers, &cfg));
            println!("{} candidates", p.provider.len());
        }
        "solve" => {
            let p = problem(&open, &offers, &cfg);
            let s = black_box(solver::solve(&p));
            println!("{} of {} tasks placed", s.placed(), p.tasks());
        }
        other => {
            eprintln!("error: unknown step {other:?}; expected whole, lists or solve");
            std::process::exit(2);
        }
    }
}
