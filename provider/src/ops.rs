//! The provider's own transactions, shared by the agent and `swan provider …`: register (or
//! update) with its terms, deposit collateral, request a withdrawal, withdraw, claim earnings,
//! decline or leave a task, read the record. Registration and collateral go to the registry;
//! earnings and tasks to the market.

use alloy::primitives::U256;
use swan_contracts::{ISwanMarket, registry::ISwanRegistry};

use crate::chain::{Chain, TxError};

/// Why one of the provider's own operations failed.
#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// Reading the chain failed.
    #[error("reading {what}: {source}")]
    Read {
        /// What was read.
        what: &'static str,
        /// The RPC or decoding error.
        source: Box<alloy::contract::Error>,
    },
    /// The owner holds fewer tokens than it wants to stake.
    #[error(
        "staking {} needs more than the owner {owner:#x} holds ({}): fund it (on a devnet: swan devnet fund {owner:#x} AMOUNT), or stake less", swan_contracts::units::swan(**amount), swan_contracts::units::swan(**balance)
    )]
    Funds {
        /// The amount to stake.
        amount: Box<U256>,
        /// The owner.
        owner: alloy::primitives::Address,
        /// Its balance.
        balance: Box<U256>,
    },
    /// A transaction was refused or failed.
    #[error(transparent)]
    Tx(#[from] TxError),
}

fn read(what: &'static str) -> impl FnOnce(alloy::contract::Error) -> OpsError {
    move |source| OpsError::Read {
        what,
        source: Box::new(source),
    }
}

/// The provider's record in the registry (keys, terms, deposits).
pub async fn record(c: &Chain) -> Result<ISwanRegistry::Provider, OpsError> {
    c.registry()
        .getProvider(c.owner)
        .call()
        .await
        .map_err(read("the provider record"))
}

/// The provider's account in the market (locked collateral, earnings, record of work).
pub async fn account(c: &Chain) -> Result<ISwanMarket::Account, OpsError> {
    c.market()
        .getAccount(c.owner)
        .call()
        .await
        .map_err(read("the provider's account"))
}

/// The provider's stake: deposited, not withdrawn, not slashed.
pub async fn stake(c: &Chain) -> Result<U256, OpsError> {
    c.registry()
        .stakeOf(c.owner)
        .call()
        .await
        .map_err(read("the provider's stake"))
}

/// Register, or update the registration (keys, offer, terms) of a registered provider; an
/// exited provider can still update its keys, so that nothing owed to it is stranded.
pub async fn register(c: &Chain, info: ISwanRegistry::ProviderInfo) -> Result<(), OpsError> {
    let m = c.registry();
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

/// Deposit `amount` of collateral (approving the registry first where needed; the tokens go to
/// the market, the one vault).
pub async fn deposit(c: &Chain, amount: U256) -> Result<(), OpsError> {
    let t = c.token();
    let balance = t
        .balanceOf(c.owner)
        .call()
        .await
        .map_err(read("the owner's token balance"))?;
    if balance < amount {
        return Err(OpsError::Funds {
            amount: Box::new(amount),
            owner: c.owner,
            balance: Box::new(balance),
        });
    }
    let allowance = t
        .allowance(c.owner, c.manifest.registry)
        .call()
        .await
        .map_err(read("the registry's token allowance"))?;
    if allowance < amount {
        c.as_owner(
            "approve",
            t.approve(c.manifest.registry, amount)
                .into_transaction_request(),
        )
        .await?;
    }
    c.as_owner(
        "depositCollateral",
        c.registry()
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
        c.registry()
            .requestWithdrawal(amount)
            .into_transaction_request(),
    )
    .await
    .map(drop)
}

/// Withdraw what finished unbonding, to `to` (the owner, or any address it names).
pub async fn withdraw(c: &Chain, to: alloy::primitives::Address) -> Result<(), TxError> {
    c.as_owner(
        "withdrawCollateral",
        c.registry()
            .withdrawCollateral(to)
            .into_transaction_request(),
    )
    .await
    .map(drop)
}

/// Decline an assigned replica (no penalty: in time, before submitting).
pub async fn decline(c: &Chain, task: U256, replica: u64) -> Result<(), TxError> {
    c.as_worker(
        "declineTask",
        c.market()
            .declineTask(task, U256::from(replica))
            .into_transaction_request(),
    )
    .await
    .map(drop)
}

/// Stop taking new tasks (`true`) or take them again (`false`); running work continues.
pub async fn pause(c: &Chain, paused: bool) -> Result<(), TxError> {
    c.as_owner(
        "setProviderPaused",
        c.registry()
            .setProviderPaused(paused)
            .into_transaction_request(),
    )
    .await
    .map(drop)
}

/// Leave the registry for good: running tasks continue, collateral can still be withdrawn.
pub async fn exit(c: &Chain) -> Result<(), TxError> {
    c.as_owner(
        "exitProvider",
        c.registry().exitProvider().into_transaction_request(),
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
