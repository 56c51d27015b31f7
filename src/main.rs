//! `swan`: the command line of the Swan orchestrator.
//!
//! - `swan devnet`: a local anvil chain with the contracts deployed (the embedded default);
//! - `swan deploy`: deploy the contracts to any chain and write the deployment manifest.
//!
//! Errors are reported as one line (`error: …`) that says what was wrong and what to do.

mod account_cmd;
mod chaos;
mod config;
mod demo;
mod deploy_cmd;
mod devchain;
mod devnet;
mod devnet_fund;
mod ledger;
mod networks;
mod task_cmd;
mod verify_cmd;
mod wallet;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

/// The Swan orchestrator: on-chain escrow, registry and payment rules for decentralized compute.
#[derive(Debug, Parser)]
#[command(name = "swan", version, about, long_about = None)]
struct Cli {
    /// More log output (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start a local chain (anvil) with the contracts deployed and print the deployment.
    ///
    /// Example: `swan devnet --port 8545 --dir .devnet` (then `swan devnet fund 0x… 1000`)
    Devnet(devnet::DevnetArgs),
    /// The demo: a devnet with four providers and a stream of tasks of every kind and
    /// verification mode, shown live, ending with a summary; exits 0 only if every task ended
    /// as expected and every account's change matches the indexer's record to the wei.
    ///
    /// Example: `swan demo --json summary.json`
    Demo(demo::DemoArgs),
    /// The devnet under faults (scripts/chaos): processes killed, reorgs, failing RPC, two
    /// keepers; then every task must end and the books, the keepers and the database must agree
    /// with the chain.
    #[command(hide = true)]
    Chaos(chaos::ChaosArgs),
    /// Deploy the contracts to a chain and write the deployment manifest.
    ///
    /// The deployer key is read from the environment variable SWAN_PRIVATE_KEY, never from a flag.
    ///
    /// Example: `SWAN_PRIVATE_KEY=0x… swan deploy --network proxima --token 0x… --out proxima.json`
    Deploy(deploy_cmd::DeployArgs),
    /// The indexer: mirror the market's events into SQL and serve the read API.
    #[command(subcommand)]
    Indexer(IndexerCommand),
    /// Tasks: create one from a spec file, read, list, cancel, extend or terminate.
    ///
    /// Example: `SWAN_PRIVATE_KEY=0x… swan task create job.yaml`
    Task(task_cmd::TaskArgs),
    /// What an address holds: its tokens, its balance inside the market (refunds land there),
    /// a provider's unclaimed earnings and locked collateral.
    ///
    /// Example: `swan balance 0x…` (or the signer's: `SWAN_PRIVATE_KEY=0x… swan balance`)
    Balance(account_cmd::BalanceArgs),
    /// Take the signer's balance out of the market (all of it, or an amount in SWAN).
    ///
    /// Example: `SWAN_PRIVATE_KEY=0x… swan withdraw 12.5 --to 0x…`
    Withdraw(account_cmd::WithdrawArgs),
    /// Judge a keeper-attested task's results again here and say, per replica, whether the
    /// market settled it the same way (exit 1 on any disagreement). Needs only the indexer's API.
    ///
    /// Example: `swan verify 0x… --allow-validator sh --allow-files` (a devnet)
    Verify(verify_cmd::VerifyArgs),
    /// The provider: register, stake, unstake, withdraw, claim, status, and run the agent.
    ///
    /// Example: `SWAN_PROVIDER_KEY=0x… swan provider --config provider.toml run`
    Provider(swan_provider::cli::ProviderArgs),
    /// The keeper: allocate, verify, settle and expire tasks through transactions.
    #[command(subcommand)]
    Keeper(KeeperCommand),
}

#[derive(Debug, Subcommand)]
enum KeeperCommand {
    /// Run the keeper until Ctrl-C (reads the indexer's database, sends transactions).
    ///
    /// Example: `SWAN_KEEPER_KEY=0x… swan keeper run --manifest .devnet/manifest.json --db .devnet/indexer.db`
    /// (or `--keystore keeper.json --password-file pw.txt`; `--dry-run` to print and send nothing).
    Run(swan_keeper::cli::RunArgs),
    /// Give the keeper a known-answer task's answer (checked against the commit on chain).
    ///
    /// Example: `swan keeper answer --task 0x… --expected 0x… --salt 0x…`
    Answer(swan_keeper::cli::AnswerArgs),
}

#[derive(Debug, Subcommand)]
enum IndexerCommand {
    /// Backfill from the manifest's start block, follow the head, serve HTTP on 127.0.0.1.
    ///
    /// Example: `swan indexer run --manifest .devnet/manifest.json --db .devnet/indexer.db`
    /// (or `--db postgres://user@host/db`; `--exit-at-head` to backfill and stop).
    Run(swan_indexer::run::IndexerArgs),
}

fn main() -> ExitCode {
    // the config file's settings are the defaults of the flags reading the same variables
    let cmd = match config::settings() {
        Ok(vars) => config::with_defaults(Cli::command(), &vars),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let cli = Cli::from_arg_matches(&cmd.get_matches()).unwrap_or_else(|e| e.exit());
    let filter = swan_contracts::process::filter(
        "warn,swan=info,swan_indexer=info,swan_keeper=info,swan_provider=info",
        cli.verbose,
    );
    swan_contracts::process::main(&filter, async {
        match cli.command {
            Command::Devnet(args) => devnet::run(args).await.map_err(|e| e.to_string()),
            Command::Demo(args) => demo::run(args).await.map_err(|e| e.to_string()),
            Command::Chaos(args) => chaos::run(args).await.map_err(|e| e.to_string()),
            Command::Deploy(args) => deploy_cmd::run(args).await.map_err(|e| e.to_string()),
            Command::Indexer(IndexerCommand::Run(args)) => swan_indexer::run::run(args)
                .await
                .map_err(|e| e.to_string()),
            Command::Task(args) => task_cmd::run(args).await.map_err(|e| e.to_string()),
            Command::Balance(args) => account_cmd::balance(args).await.map_err(|e| e.to_string()),
            Command::Withdraw(args) => account_cmd::withdraw(args).await.map_err(|e| e.to_string()),
            Command::Verify(args) => verify_cmd::run(args).await.map_err(|e| e.to_string()),
            Command::Provider(args) => swan_provider::cli::run(args)
                .await
                .map_err(|e| e.to_string()),
            Command::Keeper(KeeperCommand::Run(args)) => {
                swan_keeper::cli::run(args).await.map_err(|e| e.to_string())
            }
            Command::Keeper(KeeperCommand::Answer(args)) => swan_keeper::cli::answer(args)
                .await
                .map_err(|e| e.to_string()),
        }
    })
}
