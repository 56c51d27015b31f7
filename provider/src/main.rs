//! `swan-provider`: the provider agent and its commands (the same as `swan provider …`).

use std::process::ExitCode;

use clap::Parser;
use swan_provider::cli::ProviderArgs;

/// The Swan orchestrator's reference provider agent.
#[derive(Debug, Parser)]
#[command(name = "swan-provider", version, about)]
struct Cli {
    #[command(flatten)]
    args: ProviderArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    swan_contracts::process::main("warn,swan_provider=info", swan_provider::cli::run(cli.args))
}
