//! Finding the project's pinned Foundry binaries (installed by `scripts/setup` from npm).

use std::path::PathBuf;

/// The `anvil` to run: `$SWAN_ANVIL` if set, else the repository's pinned native binary
/// (`node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil`, run directly rather than through
/// npm's Node wrapper so that stopping it stops the node), else `anvil` on the PATH.
pub fn anvil_path() -> PathBuf {
    if let Some(path) = std::env::var_os("SWAN_ANVIL") {
        return PathBuf::from(path);
    }
    let pinned = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if pinned.exists() {
        pinned
    } else {
        PathBuf::from("anvil")
    }
}
