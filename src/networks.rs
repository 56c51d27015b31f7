//! Named chains: the presets `swan deploy --network` accepts.

use clap::ValueEnum;

/// A chain the orchestrator knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Network {
    /// A local anvil chain (chain id 31337).
    Local,
    /// Swan Chain Proxima testnet (chain id 20241133).
    Proxima,
    /// Swan Chain mainnet (chain id 254).
    Swan,
}

impl Network {
    /// The chain id the RPC must report.
    pub(crate) fn chain_id(self) -> u64 {
        match self {
            Network::Local => 31337,
            Network::Proxima => 20241133,
            Network::Swan => 254,
        }
    }

    /// The block explorer recorded in the manifest.
    pub(crate) fn explorer(self) -> Option<&'static str> {
        match self {
            Network::Local => None,
            Network::Proxima => Some("https://proxima-explorer.swanchain.io"),
            Network::Swan => Some("https://swanscan.io"),
        }
    }

    /// The public RPC endpoint, used when `--rpc-url` is not given.
    pub(crate) fn default_rpc(self) -> &'static str {
        match self {
            Network::Local => "http://127.0.0.1:8545",
            Network::Proxima => "https://rpc-proxima.swanchain.io",
            Network::Swan => "https://mainnet-rpc.swanchain.org",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_ids_match_swan_chain() {
        assert_eq!(Network::Swan.chain_id(), 254);
        assert_eq!(Network::Proxima.chain_id(), 20241133);
        assert_eq!(Network::Local.chain_id(), 31337);
        assert!(Network::Swan.explorer().unwrap().contains("swanscan"));
    }
}
