//! What every binary of the orchestrator does around its command: logs to standard error
//! (`RUST_LOG` overrides the default filter, `-v` widens it), one async runtime, and an error
//! reported as one line (`error: …`) with a failing exit status.

use std::{fmt::Display, future::Future, process::ExitCode};

/// The log filter for `-v` given `verbose` times, `default` without it.
pub fn filter(default: &str, verbose: u8) -> String {
    match verbose {
        0 => default.to_owned(),
        1 => "info".to_owned(),
        _ => "debug".to_owned(),
    }
}

/// Set up logging with `filter`, run `command` to completion on a new runtime, and turn its
/// outcome into the process's exit status.
pub fn main<F, E>(filter: &str, command: F) -> ExitCode
where
    F: Future<Output = Result<(), E>>,
    E: Display,
{
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::filter;

    #[test]
    fn verbosity_widens_the_filter() {
        assert_eq!(filter("warn,swan=info", 0), "warn,swan=info");
        assert_eq!(filter("warn,swan=info", 1), "info");
        assert_eq!(filter("warn,swan=info", 3), "debug");
    }
}

/// Which deployment a binary works on and through which nodes: the flags every component that
/// talks to the market shares (`#[command(flatten)]`).
#[derive(Debug, Clone, clap::Args)]
pub struct Deployment {
    /// The deployment manifest written by `swan deploy` / `swan devnet`.
    #[arg(long, env = "SWAN_MANIFEST", default_value = ".devnet/manifest.json")]
    pub manifest: std::path::PathBuf,
    /// RPC endpoint(s), tried in order on faults; default: the manifest's rpc_urls.
    #[arg(long = "rpc-url", env = "SWAN_RPC_URLS", value_delimiter = ',')]
    pub rpc_urls: Vec<String>,
}

impl Deployment {
    /// The manifest, and the RPC URLs to use (the flag's, else the manifest's).
    pub fn load(&self) -> Result<(crate::Manifest, Vec<String>), crate::ManifestError> {
        let manifest = crate::Manifest::load(&self.manifest)?;
        let urls = if self.rpc_urls.is_empty() {
            manifest.rpc_urls.clone()
        } else {
            self.rpc_urls.clone()
        };
        Ok((manifest, urls))
    }
}
