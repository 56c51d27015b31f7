//! The published ABI (`contracts/abi/`, and the SDK's typed copy in `sdk/src/abi.ts`) is the
//! build's, byte for byte, and the published devnet addresses are where a fresh `swan devnet`
//! deploys.
//!
//! When a contract changes, rewrite the files and commit them:
//! `SWAN_BLESS=1 cargo test -p swan-contracts --test published`.

use std::path::PathBuf;

use alloy::node_bindings::Anvil;
use serde_json::Value;
use swan_contracts::{
    DEVTOKEN_ARTIFACT, DeployConfig, SWANMARKET_ARTIFACT, anvil_path, deploy, dev_provider,
    registry,
};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The ABI of one compiled artifact, as the published file holds it (pretty, newline-ended).
fn abi(artifact: &str) -> String {
    let json: Value = serde_json::from_str(artifact).expect("artifacts are JSON");
    let abi = json.get("abi").expect("every artifact has an ABI");
    serde_json::to_string_pretty(abi).expect("JSON serializes") + "\n"
}

/// Every published file and what the build says it must hold.
fn published() -> Vec<(PathBuf, String)> {
    vec![
        (root().join("abi/SwanMarket.json"), abi(SWANMARKET_ARTIFACT)),
        (
            root().join("abi/SwanRegistry.json"),
            abi(registry::ARTIFACT),
        ),
        (root().join("abi/DevToken.json"), abi(DEVTOKEN_ARTIFACT)),
        (root().join("../sdk/src/abi.ts"), typescript()),
        (root().join("../sdk/src/deployments.ts"), deployments_ts()),
        (root().join("../sdk/src/names.ts"), names_ts()),
    ]
}

/// The SDK's names of the contracts' enum values: the same table the indexer, the API and the
/// CLI use (`swan_contracts::names`).
fn names_ts() -> String {
    let list = |names: &[&str]| serde_json::to_string(names).expect("JSON serializes");
    format!(
        "// Generated from contracts/rust/names.rs by contracts/tests/published.rs: do not edit.\n\
         // SWAN_BLESS=1 cargo test -p swan-contracts --test published rewrites it.\n\n\
         /** `ISwanMarket.Mode`, by value. */\nexport const modes = {} as const;\n\
         /** `ISwanMarket.TaskStatus`, by value. */\nexport const taskStatus = {} as const;\n\
         /** `ISwanMarket.ReplicaStatus`, by value. */\nexport const replicaStatus = {} as const;\n\
         /** `ISwanRegistry.ProviderStatus`, by value. */\nexport const providerStatus = {} as const;\n",
        list(&swan_contracts::MODES),
        list(&swan_contracts::TASK_STATUS),
        list(&swan_contracts::REPLICA_STATUS),
        list(&swan_contracts::PROVIDER_STATUS),
    )
}

/// The SDK's typed ABIs: the same JSON, `as const`, so viem infers every argument and event.
fn typescript() -> String {
    let mut out = String::from(
        "// Generated from the build by contracts/tests/published.rs: do not edit.\n\
         // SWAN_BLESS=1 cargo test -p swan-contracts --test published rewrites it.\n",
    );
    for (name, artifact) in [
        ("swanMarketAbi", SWANMARKET_ARTIFACT),
        ("swanRegistryAbi", registry::ARTIFACT),
        ("devTokenAbi", DEVTOKEN_ARTIFACT),
    ] {
        out += &format!(
            "\nexport const {name} = {} as const;\n",
            abi(artifact).trim_end()
        );
    }
    out
}

/// The SDK's networks: `abi/deployments.json`, `as const`.
fn deployments_ts() -> String {
    let json = std::fs::read_to_string(root().join("abi/deployments.json"))
        .expect("contracts/abi/deployments.json is published");
    format!(
        "// Generated from contracts/abi/deployments.json by contracts/tests/published.rs: do not edit.\n\
         // SWAN_BLESS=1 cargo test -p swan-contracts --test published rewrites it.\n\n\
         export const deployments = {} as const;\n",
        json.trim_end()
    )
}

fn bless() -> bool {
    std::env::var_os("SWAN_BLESS").is_some_and(|v| v == "1")
}

/// Compare (or with `SWAN_BLESS=1`, write) one published file.
fn check(path: &PathBuf, want: &str) -> Option<String> {
    if bless() {
        std::fs::create_dir_all(path.parent().expect("files live in a folder")).expect("mkdir");
        std::fs::write(path, want).expect("write the published file");
        return None;
    }
    match std::fs::read_to_string(path) {
        Ok(have) if have == want => None,
        Ok(_) => Some(format!("{} differs from the build", path.display())),
        Err(e) => Some(format!("{} cannot be read: {e}", path.display())),
    }
}

const FIX: &str = "the contracts changed since the ABI was published: run \
                   `SWAN_BLESS=1 cargo test -p swan-contracts --test published` and commit contracts/abi/ and sdk/src/";

#[test]
fn the_published_abi_is_the_builds() {
    let drift: Vec<String> = published()
        .iter()
        .filter_map(|(path, want)| check(path, want))
        .collect();
    assert!(drift.is_empty(), "{}\n{FIX}", drift.join("\n"));
}

#[test]
fn the_published_abi_names_every_event_and_error_of_the_market() {
    let text = std::fs::read_to_string(root().join("abi/SwanMarket.json")).expect("published");
    let abi: Vec<Value> = serde_json::from_str(&text).expect("an ABI is a JSON array");
    let named = |kind: &str, name: &str| abi.iter().any(|e| e["type"] == kind && e["name"] == name);
    // the entry points a dApp calls, the events an explorer reads, the errors a wallet explains
    for f in [
        "createTask",
        "cancelTask",
        "extendService",
        "terminateService",
        "withdraw",
        "claimEarnings",
    ] {
        assert!(named("function", f), "function {f} missing");
    }
    for e in ["TaskCreated", "TaskAssigned", "TaskFinalized"] {
        assert!(named("event", e), "event {e} missing");
    }
    for e in ["WrongTaskStatus", "InsufficientCollateral", "TooEarly"] {
        assert!(named("error", e), "error {e} missing");
    }
}

#[derive(serde::Deserialize)]
struct Deployment {
    chain_id: u64,
    market: alloy::primitives::Address,
    registry: alloy::primitives::Address,
    token: alloy::primitives::Address,
    start_block: u64,
}

#[tokio::test]
async fn the_published_devnet_addresses_are_where_a_fresh_devnet_deploys() {
    let text = std::fs::read_to_string(root().join("abi/deployments.json"))
        .expect("contracts/abi/deployments.json is published");
    let all: std::collections::BTreeMap<String, Deployment> =
        serde_json::from_str(&text).expect("deployments.json maps a network name to a deployment");
    let dev = all.get("devnet").expect("the devnet is published");
    assert_eq!(dev.chain_id, 31337);

    let anvil = Anvil::at(anvil_path()).spawn();
    let (p, addrs) = dev_provider(&anvil, 1);
    let m = deploy(&p, &DeployConfig::devnet(addrs[0], anvil.endpoint()))
        .await
        .expect("the devnet deploys");
    let at = |a: alloy::primitives::Address| format!("{a:#x}");
    assert_eq!(
        (at(m.market), at(m.registry), at(m.token)),
        (at(dev.market), at(dev.registry), at(dev.token)),
        "contracts/abi/deployments.json's devnet addresses are not where a fresh devnet deploys"
    );
    assert!(
        dev.start_block <= m.start_block,
        "indexing from {} would miss the deployment at block {}",
        dev.start_block,
        m.start_block
    );
}
