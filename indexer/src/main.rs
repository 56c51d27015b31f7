//! `swan-indexer`: the indexer on its own (the same as `swan indexer run`).

use std::process::ExitCode;

use clap::Parser;
use swan_indexer::run::{IndexerArgs, run};

/// Mirror the Swan market's events into SQL and serve them over HTTP.
#[derive(Debug, Parser)]
#[command(name = "swan-indexer", version, about)]
struct Cli {
    #[command(flatten)]
    args: IndexerArgs,
    /// More logging (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = swan_contracts::process::filter("warn,swan_indexer=info", cli.verbose);
    swan_contracts::process::main(&filter, run(cli.args))
}
