//! Allocation: eligibility, quotes, scores, and the batch assignment's properties.

use alloy::primitives::{Address, B256, U256};
use proptest::prelude::*;
use swan_keeper::allocate::{
    Config, Kind, Offer, OpenTask, Prices, Refusal, Resources, allocate, check, collateral,
    instances::{Rng, market},
    mode, quote,
    solver::{self, Problem, Solution},
};

fn machine(gpus: u32) -> Resources {
    Resources {
        cpu_cores: 32,
        memory_gib: 128,
        storage_gib: 1_000,
        gpu_count: gpus,
        gpu_memory_gib: if gpus > 0 { 80 } else { 0 },
        gpu_model: if gpus > 0 {
            B256::right_padding_from(b"H100")
        } else {
            B256::ZERO
        },
    }
}

fn offer(n: u8, gpus: u32) -> Offer {
    Offer {
        address: Address::repeat_byte(n),
        resources: machine(gpus),
        in_use: Resources::default(),
        prices: Prices {
            per_cpu_hour: 10,
            per_gib_memory_hour: 1,
            per_gpu_hour: 1_000,
            per_gib_storage_hour: 0,
        },
        region: B256::right_padding_from(b"eu"),
        modes: mode::ALL,
        max_collateral: u128::MAX,
        min_price: 0,
        min_rate: 0,
        active: true,
        free_collateral: 1_000_000,
        reputation_ppm: 900_000,
        running: 0,
    }
}

fn task(id: u64, gpus: u32) -> OpenTask {
    OpenTask {
        id: U256::from(id),
        kind: Kind::Batch,
        mode: mode::KEEPER_ATTESTED,
        replicas: 1,
        price_cap: 100_000,
        duration_secs: 7_200,
        collateral_pct: 50,
        requirements: Resources {
            cpu_cores: 4,
            memory_gib: 16,
            storage_gib: 10,
            gpu_count: gpus,
            gpu_memory_gib: 40,
            gpu_model: B256::ZERO,
        },
        region: B256::ZERO,
        exclude: Vec::new(),
    }
}

#[test]
fn quotes_and_collateral_follow_the_documented_formulas() {
    let (t, o) = (task(1, 1), offer(1, 8));
    // (4 × 10 + 16 × 1 + 1 × 1000) per hour, two hours
    assert_eq!(quote(&t, &o.prices), 2 * 1_056);
    assert_eq!(collateral(&t, 2_112), 1_056);
    let service = OpenTask {
        kind: Kind::Service,
        ..t.clone()
    };
    // a rate per second, rounded up: 1056 / 3600 → 1
    assert_eq!(quote(&service, &o.prices), 1);
    // collateral on the rate × duration
    assert_eq!(collateral(&service, 1), 3_600);
}

#[test]
fn each_refusal_is_named() {
    let t = task(1, 1);
    let ok = offer(1, 8);
    assert!(check(&t, &ok).is_ok());
    let cases: Vec<(Offer, OpenTask, Refusal)> = vec![
        (
            Offer {
                active: false,
                ..ok.clone()
            },
            t.clone(),
            Refusal::Inactive,
        ),
        (
            Offer {
                modes: 1 << mode::SERVICE_HEALTH,
                ..ok.clone()
            },
            t.clone(),
            Refusal::Mode,
        ),
        (
            ok.clone(),
            OpenTask {
                region: B256::right_padding_from(b"us"),
                ..t.clone()
            },
            Refusal::Region,
        ),
        (
            ok.clone(),
            OpenTask {
                exclude: vec![ok.address],
                ..t.clone()
            },
            Refusal::Excluded,
        ),
        (offer(1, 0), t.clone(), Refusal::Resources),
        (
            ok.clone(),
            OpenTask {
                requirements: Resources {
                    gpu_model: B256::right_padding_from(b"A100"),
                    ..t.requirements
                },
                ..t.clone()
            },
            Refusal::Resources,
        ),
        (
            ok.clone(),
            OpenTask {
                price_cap: 2_111,
                ..t.clone()
            },
            Refusal::Price,
        ),
        (
            // its floor is above the cap
            Offer {
                min_price: 100_001,
                ..ok.clone()
            },
            t.clone(),
            Refusal::Price,
        ),
        (
            // the collateral at its price is more than it agreed to lock
            Offer {
                max_collateral: 1_055,
                ..ok.clone()
            },
            t.clone(),
            Refusal::Terms,
        ),
        (
            Offer {
                in_use: Resources {
                    gpu_count: 8,
                    ..Resources::default()
                },
                ..ok.clone()
            },
            t.clone(),
            Refusal::Busy,
        ),
        (
            Offer {
                free_collateral: 1_055,
                ..ok.clone()
            },
            t.clone(),
            Refusal::Collateral,
        ),
    ];
    for (o, t, want) in cases {
        assert_eq!(check(&t, &o), Err(want), "{want:?}");
    }
}

#[test]
fn the_price_is_the_quote_raised_to_the_providers_floor_and_collateral_follows_it() {
    let t = task(1, 1);
    // the quote is 2,112; a floor of 5,000 (under the 100,000 cap) wins
    let o = Offer {
        min_price: 5_000,
        ..offer(1, 8)
    };
    assert_eq!(check(&t, &o), Ok(5_000));
    // the collateral is collateral_pct (50 %) of the agreed price, as the contract locks it:
    // exactly 2,500 fits, one unit less does not
    let tight = Offer {
        max_collateral: 2_500,
        free_collateral: 2_500,
        ..o.clone()
    };
    assert_eq!(check(&t, &tight), Ok(5_000));
    let short = Offer {
        free_collateral: 2_499,
        ..tight.clone()
    };
    assert_eq!(check(&t, &short), Err(Refusal::Collateral));
    let limited = Offer {
        max_collateral: 2_499,
        ..tight
    };
    assert_eq!(check(&t, &limited), Err(Refusal::Terms));
    // a service's floor is its rate per second
    let service = OpenTask {
        kind: Kind::Service,
        mode: mode::SERVICE_HEALTH,
        price_cap: 10,
        ..t
    };
    let o = Offer {
        min_rate: 7,
        ..offer(1, 8)
    };
    assert_eq!(check(&service, &o), Ok(7));
    assert_eq!(
        check(
            &OpenTask {
                price_cap: 6,
                ..service
            },
            &o
        ),
        Err(Refusal::Price)
    );
}

#[test]
fn a_task_no_provider_can_take_waits_with_its_reasons() {
    let offers = [offer(1, 0), offer(2, 8)];
    let t = OpenTask {
        price_cap: 10,
        ..task(7, 1)
    };
    let d = allocate(&[t], &offers, &Config::default());
    assert!(d[0].chosen.is_empty());
    assert_eq!(d[0].eligible, 0);
    assert_eq!(d[0].refused.get(&Refusal::Resources), Some(&1));
    assert_eq!(d[0].refused.get(&Refusal::Price), Some(&1));
}

#[test]
fn capacity_counts_the_whole_batch_and_the_cheaper_provider_wins() {
    // provider 2 is much dearer (its score loses even though provider 1 is 75 % loaded);
    // provider 1 has 2 GPUs free: of three one-GPU tasks, two go there
    let cheap = Offer {
        in_use: Resources {
            gpu_count: 6,
            ..Resources::default()
        },
        running: 6,
        ..offer(1, 8)
    };
    let dear = Offer {
        prices: Prices {
            per_gpu_hour: 40_000,
            ..cheap.prices
        },
        ..offer(2, 8)
    };
    let tasks: Vec<OpenTask> = (1..=3).map(|i| task(i, 1)).collect();
    let d = allocate(&tasks, &[dear.clone(), cheap.clone()], &Config::default());
    let count = |a: Address| {
        d.iter()
            .flat_map(|d| &d.chosen)
            .filter(|c| c.provider == a)
            .count()
    };
    assert_eq!(count(cheap.address), 2);
    assert_eq!(count(dear.address), 1);
    // the decision explains itself: terms and the runner-up
    let first = &d[0];
    assert_eq!(first.eligible, 2);
    assert!(first.runner_up.is_some());
    assert_eq!(
        first.chosen[0].terms.cost,
        (500_000 * first.chosen[0].terms.price_ppm
            + 250_000 * first.chosen[0].terms.reputation_ppm
            + 150_000 * first.chosen[0].terms.load_ppm
            + 100_000 * first.chosen[0].terms.fit_ppm)
            / 1_000_000
    );
}

#[test]
fn ties_go_to_the_lower_address_whatever_the_input_order() {
    let offers = [offer(9, 8), offer(3, 8), offer(5, 8)];
    let d = allocate(&[task(1, 1)], &offers, &Config::default());
    assert_eq!(d[0].chosen[0].provider, Address::repeat_byte(3));
}

#[test]
fn replicas_land_on_distinct_providers() {
    let t = OpenTask {
        replicas: 3,
        ..task(1, 1)
    };
    let d = allocate(
        std::slice::from_ref(&t),
        &[offer(1, 8), offer(2, 8)],
        &Config::default(),
    );
    assert!(d[0].chosen.is_empty(), "3 replicas, 2 providers: waits");
    let d = allocate(
        &[t],
        &[offer(1, 8), offer(2, 8), offer(3, 1)],
        &Config::default(),
    );
    let mut who: Vec<Address> = d[0].chosen.iter().map(|c| c.provider).collect();
    who.dedup();
    assert_eq!(who.len(), 3);
}

/// Every provider's assigned replicas fit what it had left, every choice passes the checks,
/// tasks are whole.
fn assert_feasible(
    tasks: &[OpenTask],
    offers: &[Offer],
    decisions: &[swan_keeper::allocate::Decision],
) {
    assert_eq!(decisions.len(), tasks.len());
    for o in offers {
        let mut used = [0u64; 4];
        let mut locked = 0u128;
        for (t, d) in tasks.iter().zip(decisions) {
            assert_eq!(d.task, t.id);
            assert!(d.chosen.is_empty() || d.chosen.len() == t.replicas as usize);
            for c in d.chosen.iter().filter(|c| c.provider == o.address) {
                assert_eq!(check(t, o), Ok(c.price), "chosen provider fails the checks");
                let r = &t.requirements;
                for (u, a) in
                    used.iter_mut()
                        .zip([r.cpu_cores, r.memory_gib, r.storage_gib, r.gpu_count])
                {
                    *u += u64::from(a);
                }
                locked += c.collateral;
            }
        }
        let (m, busy) = (&o.resources, &o.in_use);
        assert!(used[0] + u64::from(busy.cpu_cores) <= u64::from(m.cpu_cores));
        assert!(used[1] + u64::from(busy.memory_gib) <= u64::from(m.memory_gib));
        assert!(used[2] + u64::from(busy.storage_gib) <= u64::from(m.storage_gib));
        assert!(used[3] + u64::from(busy.gpu_count) <= u64::from(m.gpu_count));
        assert!(locked <= o.free_collateral, "collateral over-committed");
    }
}

#[test]
fn random_markets_are_allocated_feasibly_and_independently_of_input_order() {
    for seed in 1..=6 {
        let (tasks, mut offers) = market(seed, 60, 300, 3);
        let d = allocate(&tasks, &offers, &Config::default());
        assert_feasible(&tasks, &offers, &d);
        // the scan's counts agree with `check` pair by pair
        for (t, d) in tasks.iter().zip(&d) {
            let mut refused = std::collections::BTreeMap::new();
            let mut eligible = 0;
            for o in &offers {
                match check(t, o) {
                    Ok(_) => eligible += 1,
                    Err(r) => *refused.entry(r).or_insert(0) += 1,
                }
            }
            assert_eq!((d.eligible, &d.refused), (eligible, &refused));
        }
        assert!(d.iter().any(|d| !d.chosen.is_empty()));
        // the same market with the providers shuffled: the same decisions
        let mut rng = Rng::new(seed);
        for i in (1..offers.len()).rev() {
            offers.swap(i, rng.next_u64() as usize % (i + 1));
        }
        assert_eq!(allocate(&tasks, &offers, &Config::default()), d);
    }
}

fn arb_problem(max_demand: u32) -> impl Strategy<Value = Problem> {
    (1usize..10, 1usize..30).prop_flat_map(move |(providers, tasks)| {
        (
            prop::collection::vec(0u32..4, providers),
            prop::collection::vec(
                (
                    1..=max_demand,
                    prop::collection::vec((0..providers as u32, 0i64..1_000), 0..providers),
                ),
                tasks,
            ),
        )
            .prop_map(|(capacity, tasks)| {
                let mut p = Problem::new(capacity);
                for (d, c) in tasks {
                    p.push_task(d, c);
                }
                p
            })
    })
}

/// Problems with costs on the scale of real scores (millionths of a point, up to 10⁶), where
/// cost scaling stops at ε = largest cost / 4,096.
fn arb_scored_problem() -> impl Strategy<Value = Problem> {
    (1usize..10, 1usize..30).prop_flat_map(|(providers, tasks)| {
        (
            prop::collection::vec(0u32..4, providers),
            prop::collection::vec(
                prop::collection::vec((0..providers as u32, 0i64..1_000_000), 0..providers),
                tasks,
            ),
        )
            .prop_map(|(capacity, tasks)| {
                let mut p = Problem::new(capacity);
                for c in tasks {
                    p.push_task(1, c);
                }
                p
            })
    })
}

/// Cost scaling places as many single-replica tasks as the exact solver, at no more than its
/// tolerance per node above the optimum.
fn within_tolerance(p: &Problem) -> Result<(), TestCaseError> {
    let a: Solution = solver::cost_scaling(p);
    let opt = solver::exact(p);
    prop_assert_eq!(a.check(p), Ok(()));
    prop_assert_eq!(opt.check(p), Ok(()));
    prop_assert_eq!(a.placed(), opt.placed());
    let nodes = (p.tasks() + p.capacity.len() + 1) as i64;
    let bound = nodes * solver::tolerance(p);
    prop_assert!(
        a.cost(p) <= opt.cost(p) + bound,
        "cost scaling {} optimum {} bound {}",
        a.cost(p),
        opt.cost(p),
        bound
    );
    prop_assert!(a.cost(p) >= opt.cost(p), "nothing beats the optimum");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_batch_solve_is_valid_and_never_worse_than_greedy(p in arb_problem(3)) {
        let s = solver::solve(&p);
        prop_assert_eq!(s.check(&p), Ok(()));
        prop_assert!(s.at_least_as_good(&solver::greedy(&p), &p));
    }

    #[test]
    fn cost_scaling_reaches_the_optimum_within_a_unit_per_node(p in arb_problem(1)) {
        // costs below 4,096: the tolerance is one unit
        prop_assert_eq!(solver::tolerance(&p), 1);
        within_tolerance(&p)?;
    }

    #[test]
    fn cost_scaling_reaches_the_optimum_within_its_tolerance_per_node(p in arb_scored_problem()) {
        within_tolerance(&p)?;
    }
}
