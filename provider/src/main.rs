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
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,swan_provider=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(swan_provider::cli::run(cli.args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
