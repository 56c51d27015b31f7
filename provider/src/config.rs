//! The agent's configuration: a TOML file, then environment variables, then flags (each later
//! one wins). Keys never come from the file or a flag's value: an encrypted keystore named in
//! the file, or the environment (`SWAN_PROVIDER_KEY` for the owner, `SWAN_WORKER_KEY` for the
//! worker; without a worker key the owner key signs results too).
//!
//! ```toml
//! manifest = ".devnet/manifest.json"
//! indexer_url = "http://127.0.0.1:8080"   # absent or not answering: chain events
//! listen = "127.0.0.1:9101"               # results and health are served here
//! work_dir = ".devnet/provider-1"
//! region = "us"
//! stake = "100"                           # SWAN kept staked as collateral
//! [resources]
//! cpu = 8
//! memory_gib = 32
//! [prices]                                # SWAN per resource-hour
//! cpu_hour = "0.001"
//! [terms]                                 # what any assignment may ask (checked on chain)
//! modes = ["keeper_attested", "known_answer", "quorum", "service"]
//! max_collateral = "50"                   # SWAN one replica may lock (default: the stake)
//! min_price = "0.001"                     # SWAN per batch replica, at least
//! min_rate = "0"                          # SWAN per second of a service, at least
//! ```

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::primitives::{Address, U256};
use serde::Deserialize;
use swan_contracts::registry::ISwanRegistry;
use swan_spec::label;

/// The configuration file's contents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The deployment manifest.
    #[serde(default = "default_manifest")]
    pub manifest: PathBuf,
    /// RPC endpoints (default: the manifest's).
    #[serde(default)]
    pub rpc_urls: Vec<String>,
    /// The indexer's HTTP API (absent: chain events).
    pub indexer_url: Option<String>,
    /// Where results and health are served (loopback by default).
    #[serde(default = "default_listen", deserialize_with = "socket")]
    pub listen: SocketAddr,
    /// The URL others reach `listen` by (registered as the provider's endpoint); default
    /// `http://{listen}`.
    pub public_url: Option<String>,
    /// Work directories, the journal and the results.
    pub work_dir: PathBuf,
    /// Region label.
    pub region: String,
    /// The terms it agrees to on chain.
    #[serde(default)]
    pub terms: TermsConfig,
    /// Collateral to keep staked, in SWAN (`"100"` or `100`).
    #[serde(deserialize_with = "amount")]
    pub stake: String,
    /// Who receives earnings (default: the owner).
    pub beneficiary: Option<Address>,
    /// Resources offered.
    pub resources: ResourcesConfig,
    /// Prices asked.
    #[serde(default)]
    pub prices: PricesConfig,
    /// Largest result published, bytes.
    #[serde(default = "default_max_output")]
    pub max_output_bytes: u64,
    /// Longest run of a batch task without a `run.timeout`, seconds (the result deadline still
    /// applies).
    #[serde(default = "default_max_wall")]
    pub max_wall_secs: u64,
    /// Milliseconds between polls.
    #[serde(default = "default_poll")]
    pub poll_ms: u64,
    /// Seconds between service claims.
    #[serde(default = "default_claim")]
    pub claim_every_secs: u64,
    /// Owner keystore (else `SWAN_PROVIDER_KEY`).
    pub owner_keystore: Option<PathBuf>,
    /// Worker keystore (else `SWAN_WORKER_KEY`, else the owner key).
    pub worker_keystore: Option<PathBuf>,
    /// File holding the keystores' password (else a prompt).
    pub password_file: Option<PathBuf>,
    /// Let tasks whose spec asks for the network (`run.network`) use it (off by default: such
    /// tasks are declined).
    #[serde(default)]
    pub allow_network: bool,
    /// Behave badly on purpose (demo and tests): `wrong_result` submits a wrong result.
    pub fault: Option<Fault>,
}

/// A deliberate misbehaviour (the demo's dishonest provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Submit a result that is not what the command produced.
    WrongResult,
}

/// Resources offered.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourcesConfig {
    /// CPU cores.
    pub cpu: u32,
    /// Memory, GiB.
    #[serde(default)]
    pub memory_gib: u32,
    /// Storage, GiB.
    #[serde(default)]
    pub storage_gib: u32,
    /// GPUs.
    #[serde(default)]
    pub gpu_count: u32,
    /// Memory per GPU, GiB.
    #[serde(default)]
    pub gpu_memory_gib: u32,
    /// GPU model label.
    pub gpu_model: Option<String>,
}

/// The terms a provider agrees to on chain: no assignment outside them can lock its collateral.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TermsConfig {
    /// Verification modes accepted: `keeper_attested` (the keeper's verdict is final),
    /// `known_answer`, `quorum`, `service`.
    #[serde(default = "all_modes")]
    pub modes: Vec<String>,
    /// The most collateral one replica may lock, SWAN (absent: the configured stake).
    #[serde(default, deserialize_with = "some_amount")]
    pub max_collateral: Option<String>,
    /// The least price of a batch replica, SWAN.
    #[serde(default = "zero", deserialize_with = "amount")]
    pub min_price: String,
    /// The least rate of a service replica, SWAN per second.
    #[serde(default = "zero", deserialize_with = "amount")]
    pub min_rate: String,
}

impl Default for TermsConfig {
    fn default() -> Self {
        Self {
            modes: all_modes(),
            max_collateral: None,
            min_price: zero(),
            min_rate: zero(),
        }
    }
}

/// The modes' names, in the contract's order (`ISwanMarket.Mode`).
pub use swan_contracts::MODES;

fn all_modes() -> Vec<String> {
    MODES.iter().map(|m| (*m).to_owned()).collect()
}

/// Prices asked, SWAN per resource-hour (decimal text).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricesConfig {
    /// Per CPU core-hour.
    #[serde(default = "zero")]
    #[serde(deserialize_with = "amount")]
    pub cpu_hour: String,
    /// Per GiB of memory-hour.
    #[serde(default = "zero")]
    #[serde(deserialize_with = "amount")]
    pub memory_gib_hour: String,
    /// Per GPU-hour.
    #[serde(default = "zero")]
    #[serde(deserialize_with = "amount")]
    pub gpu_hour: String,
    /// Per GiB of storage-hour.
    #[serde(default = "zero")]
    #[serde(deserialize_with = "amount")]
    pub storage_gib_hour: String,
}

impl Default for PricesConfig {
    fn default() -> Self {
        Self {
            cpu_hour: zero(),
            memory_gib_hour: zero(),
            gpu_hour: zero(),
            storage_gib_hour: zero(),
        }
    }
}

/// A SWAN amount as written: text (`"1.5"`) or a TOML number (`1.5`, `200`).
fn amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Amount {
        Text(String),
        Int(u64),
        Float(f64),
    }
    match <Amount as serde::Deserialize>::deserialize(d) {
        Ok(Amount::Text(t)) => Ok(t),
        Ok(Amount::Int(n)) => Ok(n.to_string()),
        Ok(Amount::Float(f)) => Ok(f.to_string()),
        Err(_) => Err(serde::de::Error::custom(
            "not an amount of SWAN: write e.g. 200, 12.5 or \"0.001\"",
        )),
    }
}

fn some_amount<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    amount(d).map(Some)
}

/// `listen`: an IP address and port (names are not resolved: which address to bind must be
/// unambiguous).
fn socket<'de, D: serde::Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = <String as serde::Deserialize>::deserialize(d)?;
    text.parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "{text:?} is not an IP address and port: write e.g. 127.0.0.1:9101 (host names are not resolved)"
        ))
    })
}

fn zero() -> String {
    "0".into()
}
fn default_manifest() -> PathBuf {
    ".devnet/manifest.json".into()
}
fn default_listen() -> SocketAddr {
    "127.0.0.1:0".parse().expect("a socket address")
}
fn default_max_output() -> u64 {
    16 << 20
}
fn default_max_wall() -> u64 {
    3600
}
fn default_poll() -> u64 {
    500
}
fn default_claim() -> u64 {
    30
}

/// A configuration that cannot be used; the message names the setting and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn bad(field: &str, problem: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("provider config `{field}`: {problem}"))
}

/// A token amount in decimal text to the smallest unit.
pub fn tokens(field: &str, text: &str) -> Result<U256, ConfigError> {
    swan_contracts::units::parse_swan(text).map_err(|e| bad(field, e))
}

/// Settings the command line (flags, then environment variables) puts above the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// The deployment manifest.
    pub manifest: Option<PathBuf>,
    /// RPC endpoints (none: the file's).
    pub rpc_urls: Vec<String>,
    /// The indexer's URL.
    pub indexer_url: Option<String>,
}

impl Config {
    /// Read and check `path`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        Self::load_with(path, Overrides::default())
    }

    /// Read `path`, apply what the command line (or its environment) overrides, then check.
    pub fn load_with(path: &Path, overrides: Overrides) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!(
                "cannot read the provider config {}: {e} (write one as in provider/README.md, or give --config)",
                path.display()
            ))
        })?;
        let mut cfg: Config = toml::from_str(&text).map_err(|e| {
            // the line, and the setting on it (`key = …`), where the parser points at one
            let at = e.span().map(|s| {
                let n = text[..s.start].matches('\n').count();
                let key = text
                    .lines()
                    .nth(n)
                    .and_then(|l| l.split_once('='))
                    .map(|(k, _)| k.trim())
                    .filter(|k| !k.is_empty() && !k.starts_with('['));
                match key {
                    Some(k) => format!(" line {} (`{k}`)", n + 1),
                    None => format!(" line {}", n + 1),
                }
            });
            ConfigError(format!(
                "provider config {}{}: {}",
                path.display(),
                at.unwrap_or_default(),
                e.message()
            ))
        })?;
        if let Some(v) = overrides.manifest {
            cfg.manifest = v;
        }
        if !overrides.rpc_urls.is_empty() {
            cfg.rpc_urls = overrides.rpc_urls;
        }
        if let Some(v) = overrides.indexer_url {
            cfg.indexer_url = Some(v);
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Check what the types cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.resources.cpu == 0 {
            return Err(bad(
                "resources.cpu",
                "0 is not allowed; offer at least 1 core",
            ));
        }
        if self.region.is_empty() || self.region.len() > 32 {
            return Err(bad(
                "region",
                format!("{:?}: 1 to 32 bytes of text", self.region),
            ));
        }
        self.terms()?;
        self.stake_amount()?;
        self.prices()?;
        if self.poll_ms == 0 || self.claim_every_secs == 0 || self.max_wall_secs == 0 {
            return Err(bad(
                "poll_ms / claim_every_secs / max_wall_secs",
                "must be above 0",
            ));
        }
        if let Some(u) = &self.indexer_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(bad("indexer_url", format!("{u:?} is not an http(s) URL")));
        }
        Ok(())
    }

    /// The stake to keep, in the smallest unit.
    pub fn stake_amount(&self) -> Result<U256, ConfigError> {
        tokens("stake", &self.stake)
    }

    /// The terms registered on chain.
    pub fn terms(&self) -> Result<ISwanRegistry::Terms, ConfigError> {
        let t = &self.terms;
        let mut modes = 0u8;
        for m in &t.modes {
            let Some(bit) = MODES.iter().position(|x| x == m) else {
                return Err(bad(
                    "terms.modes",
                    format!("{m:?} is not a mode; {}", MODES.join(", ")),
                ));
            };
            modes |= 1 << bit;
        }
        if modes == 0 {
            return Err(bad(
                "terms.modes",
                format!(
                    "empty: the provider would take no task; name some of {}",
                    MODES.join(", ")
                ),
            ));
        }
        let max_collateral = match &t.max_collateral {
            Some(text) => tokens("terms.max_collateral", text)?,
            None => self.stake_amount()?,
        };
        let bits = |field: &str, v: U256, bits: usize| -> Result<U256, ConfigError> {
            if v.bit_len() > bits {
                Err(bad(field, "too large for the contract"))
            } else {
                Ok(v)
            }
        };
        let max_collateral = bits("terms.max_collateral", max_collateral, 96)?;
        let min_price = bits(
            "terms.min_price",
            tokens("terms.min_price", &t.min_price)?,
            88,
        )?;
        let min_rate = bits("terms.min_rate", tokens("terms.min_rate", &t.min_rate)?, 72)?;
        Ok(ISwanRegistry::Terms {
            maxCollateral: max_collateral.to(),
            minPrice: min_price.to(),
            minRate: min_rate.to(),
            modes,
        })
    }

    fn prices(&self) -> Result<ISwanRegistry::Prices, ConfigError> {
        let p = &self.prices;
        let u96 =
            |field: &str, text: &str| -> Result<alloy::primitives::Uint<96, 2>, ConfigError> {
                let v = tokens(field, text)?;
                alloy::primitives::Uint::<96, 2>::checked_from_limbs_slice(v.as_limbs())
                    .ok_or_else(|| bad(field, "too large"))
            };
        Ok(ISwanRegistry::Prices {
            perCpuHour: u96("prices.cpu_hour", &p.cpu_hour)?,
            perGiBMemoryHour: u96("prices.memory_gib_hour", &p.memory_gib_hour)?,
            perGpuHour: u96("prices.gpu_hour", &p.gpu_hour)?,
            perGiBStorageHour: u96("prices.storage_gib_hour", &p.storage_gib_hour)?,
        })
    }

    /// The endpoint registered on chain.
    pub fn endpoint(&self, bound: SocketAddr) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}"))
    }

    /// What `registerProvider` takes.
    pub fn provider_info(
        &self,
        owner: Address,
        worker: Address,
        endpoint: &str,
    ) -> Result<ISwanRegistry::ProviderInfo, ConfigError> {
        let r = &self.resources;
        Ok(ISwanRegistry::ProviderInfo {
            worker,
            beneficiary: self.beneficiary.unwrap_or(owner),
            resources: ISwanRegistry::Resources {
                cpuCores: r.cpu,
                memoryGiB: r.memory_gib,
                storageGiB: r.storage_gib,
                gpuCount: r.gpu_count,
                gpuMemoryGiB: r.gpu_memory_gib,
                gpuModel: r.gpu_model.as_deref().map(label).unwrap_or_default(),
            },
            prices: self.prices()?,
            region: label(&self.region),
            terms: self.terms()?,
            metadataURI: endpoint.to_owned(),
        })
    }

    /// Poll interval.
    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.poll_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
work_dir = "/tmp/p"
region = "us"
stake = "100"
[resources]
cpu = 8
[prices]
cpu_hour = "0.001"
"#;

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, text).unwrap();
        Config::load(&p)
    }

    #[test]
    fn a_good_config_loads_with_defaults() {
        let c = load(GOOD).unwrap();
        assert_eq!(
            c.stake_amount().unwrap(),
            U256::from(100u64) * U256::from(10u64).pow(U256::from(18))
        );
        let terms = c.terms().unwrap();
        assert_eq!(terms.modes, 0b1111);
        assert_eq!(U256::from(terms.maxCollateral), c.stake_amount().unwrap());
        assert_eq!(U256::from(terms.minPrice), U256::ZERO);
        let info = c
            .provider_info(Address::repeat_byte(1), Address::repeat_byte(2), "http://x")
            .unwrap();
        assert_eq!(info.beneficiary, Address::repeat_byte(1));
        assert_eq!(info.prices.perCpuHour.to::<u128>(), 1_000_000_000_000_000);
        assert_eq!(info.resources.cpuCores, 8);
    }

    #[test]
    fn amounts_may_be_numbers() {
        let c = load(
            &GOOD
                .replace("stake = \"100\"", "stake = 200")
                .replace("\"0.001\"", "0.001"),
        )
        .unwrap();
        assert_eq!(
            c.stake_amount().unwrap(),
            U256::from(200u64) * U256::from(10u64).pow(U256::from(18))
        );
        let info = c
            .provider_info(Address::repeat_byte(1), Address::repeat_byte(2), "http://x")
            .unwrap();
        assert_eq!(info.prices.perCpuHour.to::<u128>(), 1_000_000_000_000_000);
    }

    /// The bad-input table of the provider config, message by message (after the file name).
    #[test]
    fn bad_configs_name_the_setting() {
        let cases = [
            (GOOD.replace("cpu = 8", "cpu = 0"), "provider config `resources.cpu`: 0 is not allowed; offer at least 1 core".to_owned()),
            (
                GOOD.replace("stake = \"100\"", "stake = \"lots\""),
                "provider config `stake`: \"lots\" is not an amount of SWAN: write e.g. 200, 12.5 or 0.001".into(),
            ),
            (
                GOOD.replace("stake = \"100\"", "stake = true"),
                "p.toml line 4 (`stake`): not an amount of SWAN: write e.g. 200, 12.5 or \"0.001\"".into(),
            ),
            (GOOD.replace("\"0.001\"", "\"-1\""), "provider config `prices.cpu_hour`: \"-1\" is not an amount of SWAN: write e.g. 200, 12.5 or 0.001".into()),
            (GOOD.replace("region = \"us\"", "region = \"\""), "provider config `region`: \"\": 1 to 32 bytes of text".into()),
            (
                GOOD.replace("stake = \"100\"", "stake = \"100\"\nlisten = \"localhost:29601\""),
                "p.toml line 5 (`listen`): \"localhost:29601\" is not an IP address and port: write e.g. 127.0.0.1:9101 (host names are not resolved)".into(),
            ),
            (
                format!("{GOOD}[terms]\nmodes = [\"cron\"]\n"),
                "provider config `terms.modes`: \"cron\" is not a mode".into(),
            ),
            (
                format!("{GOOD}[terms]\nmodes = []\n"),
                "provider config `terms.modes`: empty".into(),
            ),
            (
                format!("{GOOD}[terms]\nmin_price = \"-1\"\n"),
                "provider config `terms.min_price`: \"-1\" is not an amount of SWAN".into(),
            ),
            (
                format!("{GOOD}[terms]\nmax_collateral = \"100000000000\"\n"),
                "provider config `terms.max_collateral`: too large".into(),
            ),
            (
                GOOD.replace(
                    "stake = \"100\"",
                    "stake = \"1\"\nindexer_url = \"ftp://x\"",
                ),
                "provider config `indexer_url`".into(),
            ),
            (
                GOOD.replace("region", "regoin"),
                "p.toml line 3 (`regoin`): unknown field `regoin`".into(),
            ),
            (
                GOOD.replace("work_dir = \"/tmp/p\"", ""),
                "missing field `work_dir`".into(),
            ),
        ];
        for (text, says) in cases {
            let e = load(&text).unwrap_err().to_string();
            assert!(e.contains(&says), "{says}\n{e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
        let e = Config::load(Path::new("/nonexistent/p.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read the provider config"), "{e}");
    }
}
