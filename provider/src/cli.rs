//! `swan provider …` (and the `swan-provider` binary): register, stake, unstake, withdraw,
//! claim, status and run, all from one provider config file. Keys come from the keystores the
//! config names or from `SWAN_PROVIDER_KEY` (owner) and `SWAN_WORKER_KEY` (worker; default: the
//! owner key), never from a flag.

use std::path::PathBuf;

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use clap::{Args, Subcommand};
use swan_contracts::{
    Manifest, load_signer,
    units::{date, swan},
};

use crate::{
    Agent, AgentError,
    chain::Chain,
    config::{Config, Overrides},
    ops,
};

/// Options every provider command takes.
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// The provider config (TOML; see provider/README.md).
    #[arg(
        long,
        env = "SWAN_PROVIDER_CONFIG",
        default_value = "provider.toml",
        global = true
    )]
    pub config: PathBuf,
    /// The deployment manifest (overrides the config's `manifest`).
    #[arg(long, env = "SWAN_MANIFEST", global = true)]
    pub manifest: Option<PathBuf>,
    /// RPC endpoints, comma-separated (override the config's `rpc_urls`).
    #[arg(
        long = "rpc-url",
        env = "SWAN_RPC_URLS",
        value_delimiter = ',',
        global = true
    )]
    pub rpc_urls: Vec<String>,
    /// The indexer's URL (overrides the config's `indexer_url`).
    #[arg(long, env = "SWAN_INDEXER_URL", global = true)]
    pub indexer_url: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: ProviderCommand,
}

/// A provider command.
#[derive(Debug, Clone, Subcommand)]
pub enum ProviderCommand {
    /// Register the provider (or update its registration) with the config's resources, prices,
    /// region and endpoint.
    ///
    /// Example: `SWAN_PROVIDER_KEY=0x… swan provider --config p.toml register`
    Register,
    /// Deposit collateral (in SWAN, e.g. `100` or `2.5`).
    ///
    /// Example: `swan provider stake 100`
    Stake {
        /// Amount in SWAN.
        amount: String,
    },
    /// Start unbonding collateral (it can be withdrawn after the unbonding delay).
    ///
    /// Example: `swan provider unstake 50`
    Unstake {
        /// Amount in SWAN.
        amount: String,
    },
    /// Withdraw the collateral whose unbonding has finished.
    Withdraw,
    /// Move the earnings credited by the market to the beneficiary.
    Claim,
    /// Print the provider's record on chain.
    Status {
        /// Print JSON in the machine's units (amounts in the token's smallest unit, unix
        /// seconds) for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Stop taking new tasks (running work continues); `resume` takes them again.
    Pause,
    /// Take new tasks again after `pause`.
    Resume,
    /// Leave the registry for good: running tasks continue, and the stake can still be unstaked
    /// and withdrawn. Irreversible, so it asks for `--yes`.
    Exit {
        /// Yes, leave for good.
        #[arg(long)]
        yes: bool,
    },
    /// Run the agent until Ctrl-C: register, stake up to the config's `stake`, take assigned
    /// work, run it, submit results and claim earnings.
    ///
    /// Example: `SWAN_PROVIDER_KEY=0x… swan provider --config p.toml run`
    Run,
}

/// Why a provider command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Agent, config or chain.
    #[error(transparent)]
    Agent(#[from] AgentError),
    /// A refused transaction.
    #[error(transparent)]
    Tx(#[from] crate::chain::TxError),
    /// Registering, staking or reading the provider's record.
    #[error(transparent)]
    Ops(#[from] crate::ops::OpsError),
    /// A key.
    #[error(transparent)]
    Key(#[from] swan_contracts::KeyError),
    /// A bad argument.
    #[error("{0}")]
    Arg(String),
}

/// The owner and worker keys the config and environment give.
pub fn keys(cfg: &Config) -> Result<(PrivateKeySigner, PrivateKeySigner), CliError> {
    let pw = cfg.password_file.as_deref();
    let owner = load_signer(
        cfg.owner_keystore.as_deref(),
        pw,
        "SWAN_PROVIDER_KEY",
        "`owner_keystore = FILE` in the provider config",
    )?;
    let worker = if cfg.worker_keystore.is_some() || std::env::var_os("SWAN_WORKER_KEY").is_some() {
        load_signer(
            cfg.worker_keystore.as_deref(),
            pw,
            "SWAN_WORKER_KEY",
            "`worker_keystore = FILE` in the provider config",
        )?
    } else {
        owner.clone()
    };
    Ok((owner, worker))
}

fn connect(cfg: &Config) -> Result<Chain, CliError> {
    let (owner, worker) = keys(cfg)?;
    let manifest = Manifest::load(&cfg.manifest).map_err(AgentError::from)?;
    Ok(Chain::connect(manifest, &cfg.rpc_urls, owner, worker).map_err(AgentError::Chain)?)
}

fn amount(text: &str) -> Result<U256, CliError> {
    match swan_contracts::units::parse_swan(text) {
        Ok(v) if v.is_zero() => Err(CliError::Arg(
            "AMOUNT: 0 SWAN moves nothing: give more".into(),
        )),
        Ok(v) => Ok(v),
        Err(e) => Err(CliError::Arg(format!("AMOUNT: {e}"))),
    }
}

/// Run a provider command.
pub async fn run(args: ProviderArgs) -> Result<(), CliError> {
    let overrides = Overrides {
        manifest: args.manifest,
        rpc_urls: args.rpc_urls,
        indexer_url: args.indexer_url,
    };
    let cfg = Config::load_with(&args.config, overrides).map_err(AgentError::from)?;
    match args.command {
        ProviderCommand::Run => {
            let (owner, worker) = keys(&cfg)?;
            let agent = Agent::start(cfg, owner, worker).await?;
            agent.onboard().await?;
            tracing::info!(addr = %agent.addr(), owner = %agent.chain().owner, "provider agent running");
            agent
                .run(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        ProviderCommand::Register => {
            let c = connect(&cfg)?;
            let info = cfg
                .provider_info(c.owner, c.worker, &cfg.endpoint(cfg.listen))
                .map_err(AgentError::from)?;
            ops::register(&c, info).await?;
            print_status(&c).await?;
        }
        ProviderCommand::Stake { amount: a } => {
            let c = connect(&cfg)?;
            ops::deposit(&c, amount(&a)?).await?;
            print_status(&c).await?;
        }
        ProviderCommand::Unstake { amount: a } => {
            let c = connect(&cfg)?;
            ops::unstake(&c, amount(&a)?).await?;
            print_status(&c).await?;
        }
        ProviderCommand::Withdraw => {
            let c = connect(&cfg)?;
            ops::withdraw(&c, c.owner).await?;
            print_status(&c).await?;
        }
        ProviderCommand::Claim => {
            let c = connect(&cfg)?;
            ops::claim(&c).await?;
            print_status(&c).await?;
        }
        ProviderCommand::Status { json } => {
            let c = connect(&cfg)?;
            if json {
                print_json(&c).await?;
            } else {
                print_status(&c).await?;
            }
        }
        ProviderCommand::Pause | ProviderCommand::Resume => {
            let c = connect(&cfg)?;
            ops::pause(&c, matches!(args.command, ProviderCommand::Pause)).await?;
            print_status(&c).await?;
        }
        ProviderCommand::Exit { yes } => {
            if !yes {
                return Err(CliError::Arg(
                    "exit is for good: the provider takes no new tasks ever again (pause stops them for a while); run `swan provider exit --yes` to leave".into(),
                ));
            }
            let c = connect(&cfg)?;
            ops::exit(&c).await?;
            print_status(&c).await?;
        }
    }
    Ok(())
}

/// The provider's record, read from the registry and the market.
struct Record {
    p: swan_contracts::registry::ISwanRegistry::Provider,
    a: swan_contracts::ISwanMarket::Account,
    stake: U256,
    min: U256,
}

impl Record {
    async fn read(c: &Chain) -> Result<Self, CliError> {
        let min = c
            .registry()
            .currentParams()
            .call()
            .await
            .map_err(|e| crate::ops::OpsError::Read {
                what: "the registry's parameters",
                source: Box::new(e),
            })?
            .minCollateral;
        Ok(Self {
            p: ops::record(c).await?,
            a: ops::account(c).await?,
            stake: ops::stake(c).await?,
            min: U256::from(min),
        })
    }

    /// Stake not unbonding: what the minimum is measured against.
    fn bonded(&self) -> U256 {
        self.stake.saturating_sub(U256::from(self.p.unbonding))
    }

    /// The status as it matters: an active provider below the minimum stake takes no work.
    fn status(&self) -> String {
        let status = swan_contracts::name_of(&swan_contracts::PROVIDER_STATUS, self.p.status);
        if status == "active" && self.bonded() < self.min {
            format!(
                "active, but below the minimum stake: {} bonded of the {} required, so it takes no new tasks (stake {} more: swan provider stake {})",
                swan(self.bonded()),
                swan(self.min),
                swan(self.min - self.bonded()),
                swan_contracts::units::decimal(self.min - self.bonded())
            )
        } else {
            status.to_owned()
        }
    }
}

#[allow(clippy::print_stdout)]
async fn print_status(c: &Chain) -> Result<(), CliError> {
    let r = Record::read(c).await?;
    let (p, a) = (&r.p, &r.a);
    println!("provider      {:#x}", c.owner);
    println!("status        {}", r.status());
    println!("worker        {:#x}", p.worker);
    println!("beneficiary   {:#x}", p.beneficiary);
    println!("stake         {} (minimum {})", swan(r.stake), swan(r.min));
    println!("locked        {}", swan(U256::from(a.locked)));
    if p.unbonding > 0 {
        println!(
            "unbonding     {} (can be withdrawn from {})",
            swan(U256::from(p.unbonding)),
            date(p.releaseAt.into())
        );
    }
    println!("earned        {} (unclaimed)", swan(U256::from(a.earned)));
    println!("completed     {}", a.completed);
    println!("failed        {}", a.failed);
    println!("declined      {}", a.declined);
    println!("slashed       {}", swan(U256::from(a.slashedTotal)));
    let modes: Vec<&str> = swan_contracts::MODES
        .iter()
        .enumerate()
        .filter(|(i, _)| p.modes >> i & 1 == 1)
        .map(|(_, m)| *m)
        .collect();
    println!("modes         {}", modes.join(", "));
    println!(
        "terms         collateral at most {} a replica; floors {} a replica, {} a second",
        swan(U256::from(p.maxCollateral)),
        swan(U256::from(p.minPrice)),
        swan(U256::from(p.minRate))
    );
    Ok(())
}

#[allow(clippy::print_stdout)]
async fn print_json(c: &Chain) -> Result<(), CliError> {
    let r = Record::read(c).await?;
    let (p, a) = (&r.p, &r.a);
    println!(
        "{:#}",
        serde_json::json!({
            "provider": format!("{:#x}", c.owner),
            "status": swan_contracts::name_of(&swan_contracts::PROVIDER_STATUS, p.status),
            "below_minimum": r.bonded() < r.min,
            "worker": format!("{:#x}", p.worker),
            "beneficiary": format!("{:#x}", p.beneficiary),
            "stake": r.stake.to_string(),
            "min_stake": r.min.to_string(),
            "locked": a.locked.to_string(),
            "unbonding": p.unbonding.to_string(),
            "release_at": p.releaseAt,
            "earned": a.earned.to_string(),
            "completed": a.completed,
            "failed": a.failed,
            "declined": a.declined,
            "slashed": a.slashedTotal.to_string(),
            "modes": p.modes,
            "max_collateral": p.maxCollateral.to_string(),
            "min_price": p.minPrice.to_string(),
            "min_rate": p.minRate.to_string(),
        })
    );
    Ok(())
}
