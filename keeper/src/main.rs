//! `swan-keeper`: the keeper on its own (the same as `swan keeper …`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use swan_keeper::cli::{AnswerArgs, RunArgs, answer, run};

/// Allocate, verify and settle Swan orchestrator tasks through transactions.
#[derive(Debug, Parser)]
#[command(name = "swan-keeper", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More logging (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the keeper until Ctrl-C.
    ///
    /// Example: `SWAN_KEEPER_KEY=0x… swan-keeper run --manifest .devnet/manifest.json --db .devnet/indexer.db`
    /// (or `--keystore keeper.json --password-file pw.txt`; `--dry-run` to print and send nothing).
    Run(RunArgs),
    /// Give the keeper a known-answer task's answer (checked against the commit on chain).
    ///
    /// Example: `swan-keeper answer --task 0x… --expected 0x… --salt 0x…`
    Answer(AnswerArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = swan_contracts::process::filter("warn,swan_keeper=info", cli.verbose);
    swan_contracts::process::main(&filter, async {
        match cli.command {
            Command::Run(a) => run(a).await,
            Command::Answer(a) => answer(a).await,
        }
    })
}
