//! Resource optimization: how busy each provider and region is, and the suggested price per
//! resource class by Swan's dynamic-pricing rule (`base × (1 + 4·(0.35·H + 0.65·C)²)`, see
//! [`crate::pricing`]), all from the indexer's tables.
//!
//! - **Utilization** of a provider: its resources in use (the requirements of the replicas it
//!   runs) over its machine, per resource, in millionths; of a region: the same summed over its
//!   active providers.
//! - **Price classes**: CPU core-hour, GiB-of-memory-hour, and GPU-hour per GPU model. The base
//!   is the median price active providers ask for the class; `C` is the class's occupancy now
//!   (above 40 % it raises the price); `H` is its usage over the last 30 days: the units the
//!   replicas assigned in that window required, times the time they held them (a service's
//!   duration, a batch task's result window; within the window), over the class's capacity times
//!   30 days.

use std::collections::BTreeMap;

use serde::Serialize;
use sqlx::Row;
use swan_store::Store;

use crate::{
    allocate::{Offer, Resources},
    market::MarketError,
    pricing,
};

const PPM: u64 = 1_000_000;
const WINDOW_SECS: u64 = 30 * 24 * 3_600;

/// How much of something is in use, in millionths.
fn ppm(used: u64, total: u64) -> u64 {
    (used.min(total) * PPM).checked_div(total).unwrap_or(0)
}

/// One provider's load.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderUse {
    /// Owner address.
    pub provider: String,
    /// Region label.
    pub region: String,
    /// Replicas running.
    pub running: u32,
    /// CPU cores in use (ppm of its cores).
    pub cpu_ppm: u64,
    /// Memory in use (ppm).
    pub memory_ppm: u64,
    /// GPUs in use (ppm; 0 for a machine without GPUs).
    pub gpu_ppm: u64,
}

/// One region's load (its active providers together).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RegionUse {
    /// Active providers.
    pub providers: u32,
    /// Replicas running.
    pub running: u32,
    /// CPU cores in use (ppm).
    pub cpu_ppm: u64,
    /// Memory in use (ppm).
    pub memory_ppm: u64,
    /// GPUs in use (ppm).
    pub gpu_ppm: u64,
}

/// Utilization of the market.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Utilization {
    /// Every active provider, by address.
    pub providers: Vec<ProviderUse>,
    /// By region label ("" for providers without one).
    pub regions: BTreeMap<String, RegionUse>,
}

fn label(b: &alloy::primitives::B256) -> String {
    let s = b.as_slice();
    let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
    String::from_utf8_lossy(&s[..end]).into_owned()
}

/// Utilization of every active provider and region.
pub fn utilization(offers: &[Offer]) -> Utilization {
    let mut u = Utilization::default();
    let mut sums: BTreeMap<String, (Resources, Resources, u32, u32)> = BTreeMap::new();
    for o in offers.iter().filter(|o| o.active) {
        let (m, used) = (&o.resources, &o.in_use);
        let region = label(&o.region);
        u.providers.push(ProviderUse {
            provider: format!("{:#x}", o.address),
            region: region.clone(),
            running: o.running,
            cpu_ppm: ppm(used.cpu_cores.into(), m.cpu_cores.into()),
            memory_ppm: ppm(used.memory_gib.into(), m.memory_gib.into()),
            gpu_ppm: ppm(used.gpu_count.into(), m.gpu_count.into()),
        });
        let e = sums.entry(region).or_default();
        e.0.cpu_cores += m.cpu_cores;
        e.0.memory_gib += m.memory_gib;
        e.0.gpu_count += m.gpu_count;
        e.1.cpu_cores += used.cpu_cores.min(m.cpu_cores);
        e.1.memory_gib += used.memory_gib.min(m.memory_gib);
        e.1.gpu_count += used.gpu_count.min(m.gpu_count);
        e.2 += 1;
        e.3 += o.running;
    }
    for (region, (total, used, providers, running)) in sums {
        u.regions.insert(
            region,
            RegionUse {
                providers,
                running,
                cpu_ppm: ppm(used.cpu_cores.into(), total.cpu_cores.into()),
                memory_ppm: ppm(used.memory_gib.into(), total.memory_gib.into()),
                gpu_ppm: ppm(used.gpu_count.into(), total.gpu_count.into()),
            },
        );
    }
    u
}

/// The suggested price of one resource class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassPrice {
    /// `cpu`, `memory` or `gpu:<model>`.
    pub class: String,
    /// Units of the class across active providers.
    pub capacity: u64,
    /// The median asked price per unit-hour (wei): the base.
    pub base: String,
    /// H: usage over the last 30 days (ppm).
    pub history_ppm: u64,
    /// Occupancy now (ppm); C is its part above 40 %.
    pub occupancy_ppm: u64,
    /// The suggested price per unit-hour (wei).
    pub suggested: String,
}

#[derive(Default)]
struct Class {
    prices: Vec<u128>,
    capacity: u64,
    in_use: u64,
    used_secs: u128,
}

/// Units of each class a replica of these requirements takes: (class, units).
fn units(r: &Resources, model: &str) -> Vec<(String, u64)> {
    let mut v = vec![
        ("cpu".to_owned(), u64::from(r.cpu_cores)),
        ("memory".to_owned(), u64::from(r.memory_gib)),
    ];
    if r.gpu_count > 0 {
        v.push((format!("gpu:{model}"), u64::from(r.gpu_count)));
    }
    v
}

/// The suggested price per resource class at chain time `now`, for the market's `offers` (as
/// [`crate::market::offers`] reads them).
pub async fn suggested_prices(
    store: &Store,
    chain_id: u64,
    offers: &[Offer],
    now: u64,
) -> Result<Vec<ClassPrice>, MarketError> {
    let mut classes: BTreeMap<String, Class> = BTreeMap::new();
    for o in offers.iter().filter(|o| o.active) {
        let model = label(&o.resources.gpu_model);
        let price = |class: &str| match class {
            "cpu" => o.prices.per_cpu_hour,
            "memory" => o.prices.per_gib_memory_hour,
            _ => o.prices.per_gpu_hour,
        };
        let machine = units(&o.resources, &model);
        let used = units(&o.in_use, &model);
        for (i, (class, n)) in machine.into_iter().enumerate() {
            let c = classes.entry(class.clone()).or_default();
            c.prices.push(price(&class));
            c.capacity += n;
            c.in_use += used.get(i).map(|u| u.1).unwrap_or(0).min(n);
        }
    }
    // usage over the window: replicas assigned in it, their requirements held for their time
    let from = now.saturating_sub(WINDOW_SECS);
    let rows = sqlx::query(
        "SELECT t.mode, t.result_by, b.timestamp, t.req_cpu_cores, t.req_memory_gib, t.req_gpu_count, \
         COALESCE(p.gpu_model, '') FROM replicas r \
         JOIN tasks t ON t.chain_id = r.chain_id AND t.task_id = r.task_id \
         JOIN blocks b ON b.chain_id = r.chain_id AND b.number = r.assigned_block \
         LEFT JOIN providers p ON p.chain_id = r.chain_id AND p.address = r.provider \
         WHERE r.chain_id = $1 AND b.timestamp >= $2",
    )
    .bind(i64::try_from(chain_id).unwrap_or(i64::MAX))
    .bind(i64::try_from(from).unwrap_or(i64::MAX))
    .fetch_all(store.pool())
    .await?;
    for r in rows {
        let assigned = r.get::<i64, _>(2).max(0) as u64;
        let result_by = r.get::<i64, _>(1).max(0) as u64;
        let held = if r.get::<String, _>(0) == "service" {
            result_by // a service's duration
        } else {
            result_by.saturating_sub(assigned)
        }
        .min(now.saturating_sub(assigned).max(1));
        let req = Resources {
            cpu_cores: r.get::<i64, _>(3).max(0) as u32,
            memory_gib: r.get::<i64, _>(4).max(0) as u32,
            gpu_count: r.get::<i64, _>(5).max(0) as u32,
            ..Resources::default()
        };
        for (class, n) in units(&req, &r.get::<String, _>(6)) {
            if let Some(c) = classes.get_mut(&class) {
                c.used_secs += u128::from(n) * u128::from(held);
            }
        }
    }
    let mut out = Vec::new();
    for (class, mut c) in classes {
        if c.capacity == 0 {
            continue;
        }
        c.prices.sort_unstable();
        let base = c.prices[(c.prices.len() - 1) / 2];
        let history = (c.used_secs * u128::from(PPM)
            / (u128::from(c.capacity) * u128::from(WINDOW_SECS)))
        .min(u128::from(PPM)) as u64;
        let occupancy = ppm(c.in_use, c.capacity);
        let suggested = pricing::suggested_price(base, history, occupancy)
            .map(|p| p.to_string())
            .unwrap_or_else(|e| format!("error: {e}"));
        out.push(ClassPrice {
            class,
            capacity: c.capacity,
            base: base.to_string(),
            history_ppm: history,
            occupancy_ppm: occupancy,
            suggested,
        });
    }
    Ok(out)
}
