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

/// A wallet holding the first `n` of a dev chain's funded keys (the first is the default
/// signer), and their addresses in the same order.
pub fn dev_wallet(
    anvil: &alloy::node_bindings::AnvilInstance,
    n: usize,
) -> (
    alloy::network::EthereumWallet,
    Vec<alloy::primitives::Address>,
) {
    let keys: Vec<alloy::signers::local::PrivateKeySigner> = anvil
        .keys()
        .iter()
        .take(n.max(1))
        .map(|k| k.clone().into())
        .collect();
    let mut wallet = alloy::network::EthereumWallet::from(keys[0].clone());
    for k in &keys[1..] {
        wallet.register_signer(k.clone());
    }
    (wallet, keys.iter().map(|k| k.address()).collect())
}
