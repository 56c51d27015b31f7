//! `swan provider …` (and the `swan-provider` binary): register, stake, unstake, withdraw,
//! claim, status and run, all from one provider config file. Keys come from the keystores the
//! config names or from `SWAN_PROVIDER_KEY` (owner) and `SWAN_WORKER_KEY` (worker; default: the
//! owner key), never from a flag.

use std::path::PathBuf;

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use clap::{Args, Subcommand};
use swan_contracts::{Manifest, load_signer};

use crate::{
    Agent, AgentError,
    chain::Chain,
    config::{Config, Overrides, tokens},
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
    Status,
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
    Ok(tokens("AMOUNT", text).map_err(AgentError::from)?)
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
        ProviderCommand::Status => print_status(&connect(&cfg)?).await?,
    }
    Ok(())
}

#[allow(clippy::print_stdout)]
async fn print_status(c: &Chain) -> Result<(), CliError> {
    let p = ops::record(c).await?;
    let a = ops::account(c).await?;
    let stake = ops::stake(c).await?;
    let status = swan_contracts::name_of(&swan_contracts::PROVIDER_STATUS, p.status);
    println!("provider      {:#x}", c.owner);
    println!("status        {status}");
    println!("worker        {:#x}", p.worker);
    println!("beneficiary   {:#x}", p.beneficiary);
    println!("stake         {stake}");
    println!("locked        {}", a.locked);
    println!("unbonding     {} (release at {})", p.unbonding, p.releaseAt);
    println!("earned        {}", a.earned);
    println!("completed     {}", a.completed);
    println!("failed        {}", a.failed);
    println!("declined      {}", a.declined);
    println!("slashed       {}", a.slashedTotal);
    println!(
        "terms         modes {:#06b}, collateral at most {} a replica, floors {} a replica / {} a second",
        p.modes, p.maxCollateral, p.minPrice, p.minRate
    );
    Ok(())
}
