//! Alloy bindings for the Swan orchestrator's contracts, and the deploy step that every other
//! crate, test and script uses.
//!
//! The bindings are generated at build time: `build.rs` compiles `contracts/src` with
//! foundry-compilers through the project's compiler adapter (`scripts/solc`) using the settings
//! of `contracts/foundry.toml`, and `alloy::sol!` reads the resulting artifacts. The Solidity is
//! therefore the one source of truth: change a `.sol` file and the Rust types follow (or stop
//! compiling).
//!
//! - [`SwanMarket`] (tasks and money), [`SwanRegistry`] (providers, roles, parameters; its full
//!   types in [`registry`]) and [`DevToken`]: typed contract instances, calls, events and errors.
//! - [`deploy`]: deploys a market (and, on a dev chain, its token) and returns a [`Manifest`].
//! - [`money`]: the market's money rules (fees, slashes, collateral, streams, reputation), the
//!   one copy every crate calls, tested against the contract.
//! - [`rpc`]: one client over a deployment's RPC endpoints (fallback and retry), for every
//!   component.
//! - [`explain`]: every refusal of the contracts and the token as one sentence; [`units`]:
//!   SWAN amounts, dates and durations as people read them.
//! - [`Manifest`]: what a deployment is (chain, addresses, start block, ABI fingerprint), as the
//!   indexer and keeper read it.

#![allow(unreachable_pub)]

/// Generated bindings (see the crate docs); every item is re-exported at the crate root.
#[allow(missing_docs, clippy::all)]
mod bindings {
    include!(concat!(env!("OUT_DIR"), "/bindings.rs"));
}
pub use bindings::registry::SwanRegistry;
pub use bindings::*;

mod deploy;
mod devchain;
pub mod explain;
mod keys;
mod manifest;
pub mod money;
mod names;
pub mod process;
pub mod rpc;
pub mod units;

pub use deploy::{DEVNET_TREASURY, DeployConfig, DeployError, MIN_ADMIN_DELAY, deploy, dev_params};
pub use devchain::{
    DEV_ANSWER, DEV_SALT, DevTxError, TOKEN, anvil_path, call_ok, chain_time, create_task, deposit,
    dev_provider, dev_provider_info, dev_request, dev_wallet, fund, fund_market, label, open_terms,
    register_provider, send_ok, tokens,
};
pub use keys::{KeyError, load_signer};
pub use manifest::{Manifest, ManifestError, abi_fingerprint};
pub use names::{
    MODES, PROVIDER_STATUS, REPLICA_STATUS, TASK_STATUS, mode, name_of, task_status, value_of,
};
