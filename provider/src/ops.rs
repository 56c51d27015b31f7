//! The provider's own transactions, shared by the agent and `swan provider …`: register (or
//! update), deposit collateral, request a withdrawal, withdraw, claim earnings, read the record.

use alloy::primitives::U256;
use swan_contracts::ISwanMarket;

use crate::{
    agent::AgentError,
    chain::{Chain, TxError},
};

/// The provider's record on chain.
pub async fn record(c: &Chain) -> Result<ISwanMarket::Provider, AgentError> {
    c.market()
        .getProvider(c.owner)
        .call()
        .await
        .map_err(|e| AgentError::Chain(format!("reading the provider record: {e}")))
}

/// Register, or update the registration of a registered provider.
pub async fn register(c: &Chain, info: ISwanMarket::ProviderInfo) -> Result<(), AgentError> {
    let m = c.market();
    match record(c).await?.status {
        0 => {
            let endpoint = info.metadataURI.clone();
            c.as_owner(
                "registerProvider",
                m.registerProvider(info).into_transaction_request(),
            )
            .await?;
            tracing::info!(owner = %c.owner, %endpoint, "registered");
        }
        3 => {
            return Err(AgentError::Chain(format!(
                "provider {} has exited the market; register with a new owner key",
                c.owner
            )));
        }
        _ => {
            c.as_owner(
                "updateProvider",
                m.updateProvider(info).into_transaction_request(),
            )
            .await?;
        }
    }
    Ok(())
}

/// Deposit `amount` of collateral (approving the market first where needed).
pub async fn deposit(c: &Chain, amount: U256) -> Result<(), AgentError> {
    let t = c.token();
    let chain = |e: alloy::contract::Error| AgentError::Chain(e.to_string());
    let bal = t.balanceOf(c.owner).call().await.map_err(chain)?;
    if bal < amount {
        return Err(AgentError::Chain(format!(
            "staking {amount} token units needs more than the owner {} holds ({bal}): fund it, or stake less",
            c.owner
        )));
    }
    let allowance = t
        .allowance(c.owner, c.manifest.market)
        .call()
        .await
        .map_err(chain)?;
    if allowance < amount {
        c.as_owner(
            "approve",
            t.approve(c.manifest.market, amount)
                .into_transaction_request(),
        )
        .await?;
    }
    c.as_owner(
        "depositCollateral",
        c.market()
            .depositCollateral(amount)
            .into_transaction_request(),
    )
    .await?;
    tracing::info!(owner = %c.owner, staked = %amount, "collateral deposited");
    Ok(())
}

/// Start unbonding `amount`.
pub async fn unstake(c: &Chain, amount: U256) -> Result<(), TxError> {
    c.as_owner(
        "requestWithdrawal",
        c.market()
            .requestWithdrawal(amount)
            .into_transaction_request(),
    )
    .await
    .map(drop)
}

/// Withdraw what finished unbonding.
pub async fn withdraw(c: &Chain) -> Result<(), TxError> {
    c.as_owner(
        "withdrawCollateral",
        c.market().withdrawCollateral().into_transaction_request(),
    )
    .await
    .map(drop)
}

/// Move earnings to the beneficiary.
pub async fn claim(c: &Chain) -> Result<(), TxError> {
    c.as_owner(
        "claimEarnings",
        c.market().claimEarnings(c.owner).into_transaction_request(),
    )
    .await
    .map(drop)
}
