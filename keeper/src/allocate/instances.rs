//! Random markets for the allocation benchmark and tests: deterministic from a seed, shaped like
//! a GPU market (machines of 1–8 GPUs of three models in four regions, mostly single-GPU tasks,
//! a tenth CPU-only on CPU machines).

use alloy::primitives::{Address, B256, U256};

use super::{Kind, Offer, OpenTask, Prices, Resources, mode};

/// splitmix64: a small deterministic generator (no dependency, same numbers everywhere).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// One of `items`.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next_u64() as usize % items.len()]
    }

    /// True with probability `pct` %.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.range(1, 100) <= pct
    }
}

fn label(s: &str) -> B256 {
    B256::right_padding_from(s.as_bytes())
}

/// A random market: `providers` offers and `tasks` open tasks of 1..=`max_replicas` replicas.
/// A provider has ~2.5 free GPUs on average, so 1,000 providers take ~2,500 GPU replicas.
pub fn market(
    seed: u64,
    providers: usize,
    tasks: usize,
    max_replicas: u32,
) -> (Vec<OpenTask>, Vec<Offer>) {
    let mut rng = Rng::new(seed);
    let regions = [label("eu"), label("us"), label("asia"), label("africa")];
    let models = [label("H100"), label("A100"), label("L40S")];
    let mut offers = Vec::with_capacity(providers);
    for i in 0..providers {
        let cpu_only = rng.chance(10);
        let gpus = if cpu_only { 0 } else { rng.pick(&[1, 2, 4, 8]) };
        let running = if gpus > 0 {
            rng.range(0, gpus / 2)
        } else {
            rng.range(0, 4)
        };
        let mut address = [0u8; 20];
        address[12..].copy_from_slice(&(i as u64 + 1).to_be_bytes());
        offers.push(Offer {
            address: Address::from(address),
            resources: Resources {
                cpu_cores: if cpu_only { 64 } else { 16 * gpus as u32 },
                memory_gib: if cpu_only { 256 } else { 64 * gpus as u32 },
                storage_gib: 4_000,
                gpu_count: gpus as u32,
                gpu_memory_gib: if cpu_only { 0 } else { rng.pick(&[24, 40, 80]) },
                gpu_model: if cpu_only {
                    B256::ZERO
                } else {
                    rng.pick(&models)
                },
            },
            in_use: Resources {
                cpu_cores: 4 * running as u32,
                memory_gib: 16 * running as u32,
                storage_gib: 100 * running as u32,
                gpu_count: if cpu_only { 0 } else { running as u32 },
                ..Resources::default()
            },
            prices: Prices {
                per_cpu_hour: u128::from(rng.range(1, 5)) * 1_000_000,
                per_gib_memory_hour: u128::from(rng.range(1, 3)) * 100_000,
                per_gpu_hour: u128::from(rng.range(100, 300)) * 1_000_000,
                per_gib_storage_hour: 1_000,
            },
            region: rng.pick(&regions),
            // most accept every mode and lock what they are asked; some state narrower terms
            modes: if rng.chance(90) {
                mode::ALL
            } else {
                rng.pick(&[0b0110, 0b0111, 0b1000, 0b1110])
            },
            max_collateral: if rng.chance(90) {
                u128::MAX
            } else {
                u128::from(rng.range(1, 10)) * 100_000_000
            },
            min_price: if rng.chance(90) {
                0
            } else {
                u128::from(rng.range(1, 8)) * 100_000_000
            },
            min_rate: if rng.chance(90) { 0 } else { 30_000 },
            active: rng.chance(97),
            free_collateral: u128::from(rng.range(1, 100)) * 10u128.pow(12),
            reputation_ppm: rng.range(500_000, 1_000_000) as u32,
            running: running as u32,
        });
    }
    let mut open = Vec::with_capacity(tasks);
    for i in 0..tasks {
        let cpu_only = rng.chance(10);
        let gpus = u32::from(!cpu_only);
        let hours = rng.range(1, 4);
        let replicas = rng.range(1, u64::from(max_replicas.max(1))) as u32;
        // caps between 1.5× and 4× a typical hourly price
        let typical = if cpu_only { 30_000_000 } else { 220_000_000 } * u128::from(hours);
        let kind = if rng.chance(85) {
            Kind::Batch
        } else {
            Kind::Service
        };
        open.push(OpenTask {
            id: U256::from(i as u64 + 1),
            kind,
            mode: match kind {
                Kind::Service => mode::SERVICE_HEALTH,
                Kind::Batch if rng.chance(80) => mode::KEEPER_ATTESTED,
                Kind::Batch => rng.pick(&[mode::KNOWN_ANSWER, mode::QUORUM]),
            },
            replicas,
            price_cap: 0,
            duration_secs: hours * 3_600,
            collateral_pct: 100,
            requirements: Resources {
                cpu_cores: rng.range(1, 8) as u32,
                memory_gib: rng.range(4, 32) as u32,
                storage_gib: rng.range(10, 200) as u32,
                gpu_count: gpus,
                gpu_memory_gib: if cpu_only { 0 } else { rng.pick(&[0, 24, 40]) },
                gpu_model: if !cpu_only && rng.chance(20) {
                    rng.pick(&models)
                } else {
                    B256::ZERO
                },
            },
            region: if rng.chance(30) {
                rng.pick(&regions)
            } else {
                B256::ZERO
            },
            exclude: Vec::new(),
        });
        let t = open.last_mut().expect("just pushed");
        let cap = typical * u128::from(rng.range(15, 40)) / 10;
        t.price_cap = match t.kind {
            Kind::Batch => cap,
            Kind::Service => cap / (3_600 * u128::from(hours)),
        };
    }
    (open, offers)
}
