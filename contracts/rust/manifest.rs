//! The deployment manifest: the one file that says which contracts an indexer or keeper follows.

use std::path::Path;

use alloy::primitives::{Address, B256, keccak256};
use serde::{Deserialize, Serialize};

use crate::{SWANMARKET_ARTIFACT, registry};

/// A deployment of the market, written by the deploy step and read by every other component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Chain id the contracts live on (31337 anvil, 254 Swan mainnet, 20241133 Proxima testnet).
    pub chain_id: u64,
    /// RPC endpoints, first preferred.
    pub rpc_urls: Vec<String>,
    /// The SwanMarket contract (tasks and money).
    pub market: Address,
    /// The SwanRegistry the market deployed (providers, roles, parameters).
    pub registry: Address,
    /// The payment and collateral token.
    pub token: Address,
    /// The block the market was deployed in: indexing starts here.
    pub start_block: u64,
    /// The deployment transaction.
    pub deploy_tx: B256,
    /// keccak256 of the market's ABI at deployment; see [`abi_fingerprint`].
    pub abi_fingerprint: B256,
    /// Block explorer base URL, if the chain has one (links to addresses and transactions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explorer: Option<String>,
}

/// Why a manifest could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The manifest path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid manifest.
    #[error("{path} is not a valid deployment manifest: {source}")]
    Parse {
        /// The manifest path.
        path: String,
        /// The JSON error, with line and column.
        source: serde_json::Error,
    },
    /// The contracts were compiled from different sources than the deployment's.
    #[error(
        "{path} was written for contracts with ABI fingerprint {deployed}, but this build's is {compiled}: \
         the contracts changed since that deployment; redeploy (swan deploy) or run a build of the matching version"
    )]
    AbiMismatch {
        /// The manifest path.
        path: String,
        /// Fingerprint recorded in the manifest.
        deployed: B256,
        /// Fingerprint of the compiled contracts.
        compiled: B256,
    },
}

/// keccak256 of the compiled market and registry ABIs (canonical JSON): changes whenever any
/// function, event or error of either changes.
pub fn abi_fingerprint() -> B256 {
    let abi = |artifact: &str| {
        let json: serde_json::Value =
            serde_json::from_str(artifact).expect("build.rs writes valid JSON");
        json["abi"].clone()
    };
    let both = serde_json::json!([abi(SWANMARKET_ARTIFACT), abi(registry::ARTIFACT)]);
    keccak256(serde_json::to_string(&both).expect("serializes").as_bytes())
}

impl Manifest {
    /// Read a manifest and check that it matches the compiled contracts.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Io {
            path: p.clone(),
            source,
        })?;
        let manifest: Self =
            serde_json::from_str(&text).map_err(|source| ManifestError::Parse {
                path: p.clone(),
                source,
            })?;
        let compiled = abi_fingerprint();
        if manifest.abi_fingerprint != compiled {
            return Err(ManifestError::AbiMismatch {
                path: p,
                deployed: manifest.abi_fingerprint,
                compiled,
            });
        }
        Ok(manifest)
    }

    /// Write the manifest as pretty JSON, creating parent directories.
    pub fn save(&self, path: &Path) -> Result<(), ManifestError> {
        let p = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| ManifestError::Io {
                path: p.clone(),
                source,
            })?;
        }
        let json = serde_json::to_string_pretty(self).expect("manifest serializes");
        std::fs::write(path, json + "\n").map_err(|source| ManifestError::Io { path: p, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        Manifest {
            chain_id: 31337,
            rpc_urls: vec!["http://127.0.0.1:8545".into()],
            market: Address::repeat_byte(1),
            registry: Address::repeat_byte(4),
            token: Address::repeat_byte(2),
            start_block: 7,
            deploy_tx: B256::repeat_byte(3),
            abi_fingerprint: abi_fingerprint(),
            explorer: None,
        }
    }

    #[test]
    fn round_trips_through_a_file() {
        let dir = std::env::temp_dir().join(format!("swan-manifest-{}", std::process::id()));
        let path = dir.join("nested/manifest.json");
        sample().save(&path).unwrap();
        assert_eq!(Manifest::load(&path).unwrap(), sample());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn refuses_a_manifest_of_other_contracts() {
        let dir = std::env::temp_dir().join(format!("swan-manifest-old-{}", std::process::id()));
        let path = dir.join("manifest.json");
        let mut old = sample();
        old.abi_fingerprint = B256::repeat_byte(9);
        old.save(&path).unwrap();
        let err = Manifest::load(&path).unwrap_err();
        assert!(matches!(err, ManifestError::AbiMismatch { .. }), "{err}");
        assert!(err.to_string().contains("redeploy"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn says_where_a_bad_manifest_is_wrong() {
        let dir = std::env::temp_dir().join(format!("swan-manifest-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("manifest.json");
        std::fs::write(&path, "{\"chain_id\": \"x\"}").unwrap();
        let err = Manifest::load(&path).unwrap_err().to_string();
        assert!(
            err.contains("not a valid deployment manifest") && err.contains("line 1"),
            "{err}"
        );
        assert!(
            Manifest::load(&dir.join("missing.json"))
                .unwrap_err()
                .to_string()
                .contains("missing.json")
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn fingerprint_is_stable_within_a_build() {
        assert_eq!(abi_fingerprint(), abi_fingerprint());
        assert_ne!(abi_fingerprint(), B256::ZERO);
    }
}
