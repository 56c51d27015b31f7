//! A local chain with the market deployed, shared by the indexer's integration tests.

use alloy::{
    network::EthereumWallet,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
};
use swan_contracts::{DeployConfig, DevToken, Manifest, SwanMarket, anvil_path, deploy};

/// A running anvil with the market deployed.
pub(crate) struct DevChain {
    /// Keeps anvil alive for the test.
    pub(crate) _anvil: AnvilInstance,
    /// Signs as the operator.
    pub(crate) provider: DynProvider,
    /// The deployment.
    pub(crate) manifest: Manifest,
    /// Admin, pauser, keeper and depositor.
    pub(crate) operator: Address,
}

/// Send, wait for the receipt, and insist it succeeded.
pub(crate) async fn mine(p: &DynProvider, tx: TransactionRequest) -> TransactionReceipt {
    let receipt = p
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(
        receipt.status(),
        "transaction {} reverted",
        receipt.transaction_hash
    );
    receipt
}

/// Deploy the market (granting `extra_keepers` too), then make one deposit transaction (one
/// block, one `Deposited` event) per amount in `deposits`.
pub(crate) async fn dev_chain(extra_keepers: &[Address], deposits: &[u64]) -> DevChain {
    let anvil = Anvil::at(anvil_path()).try_spawn().unwrap();
    let key = PrivateKeySigner::from(anvil.keys()[0].clone());
    let operator = key.address();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(key))
        .connect_http(anvil.endpoint_url())
        .erased();
    let mut cfg = DeployConfig::devnet(operator, anvil.endpoint());
    cfg.keepers.extend_from_slice(extra_keepers);
    let manifest = deploy(&provider, &cfg).await.unwrap();
    let token = DevToken::new(manifest.token, &provider);
    let market = SwanMarket::new(manifest.market, &provider);
    mine(
        &provider,
        token
            .mint(operator, U256::from(1_000_000))
            .into_transaction_request(),
    )
    .await;
    mine(
        &provider,
        token
            .approve(manifest.market, U256::MAX)
            .into_transaction_request(),
    )
    .await;
    for amount in deposits {
        mine(
            &provider,
            market
                .deposit(U256::from(*amount))
                .into_transaction_request(),
        )
        .await;
    }
    DevChain {
        _anvil: anvil,
        provider,
        manifest,
        operator,
    }
}
