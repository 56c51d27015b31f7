//! `swan balance` and `swan withdraw`: what an address holds — its tokens, its balance inside
//! the market (refunds of cancelled, expired and terminated work land there), and a provider's
//! unclaimed earnings and locked collateral — and taking the market balance out.

use alloy::primitives::{Address, U256};
use clap::Args;
use serde_json::json;
use swan_contracts::units::{parse_swan, swan};

use crate::wallet::{ChainError, ChainOpts, Conn, rpc_error};

/// `swan balance`.
#[derive(Debug, Clone, Args)]
pub(crate) struct BalanceArgs {
    #[command(flatten)]
    chain: ChainOpts,
    /// Whose (default: the signer's, from --keystore or SWAN_PRIVATE_KEY).
    address: Option<Address>,
    /// Print JSON in the machine's units (amounts in the token's smallest unit) for scripts.
    #[arg(long)]
    json: bool,
}

/// `swan withdraw`.
#[derive(Debug, Clone, Args)]
pub(crate) struct WithdrawArgs {
    #[command(flatten)]
    chain: ChainOpts,
    /// How much, in SWAN (e.g. 12.5), or `all`.
    #[arg(default_value = "all")]
    amount: String,
    /// Where to send it (default: the signer).
    #[arg(long)]
    to: Option<Address>,
}

/// What an address holds.
struct Holdings {
    token: U256,
    allowance: U256,
    market: U256,
    earned: U256,
    locked: U256,
}

async fn holdings(c: &Conn, who: Address) -> Result<Holdings, ChainError> {
    let m = c.market();
    let token = c
        .token()
        .balanceOf(who)
        .call()
        .await
        .map_err(|e| rpc_error("reading the token balance", e))?;
    let allowance = c
        .token()
        .allowance(who, c.manifest.market)
        .call()
        .await
        .map_err(|e| rpc_error("reading the allowance", e))?;
    let market = c.market_balance(who).await?;
    let account = m
        .getAccount(who)
        .call()
        .await
        .map_err(|e| rpc_error("reading the provider account", e))?;
    Ok(Holdings {
        token,
        allowance,
        market,
        earned: U256::from(account.earned),
        locked: U256::from(account.locked),
    })
}

/// Run `swan balance`.
#[allow(clippy::print_stdout)]
pub(crate) async fn balance(a: BalanceArgs) -> Result<(), ChainError> {
    let c = Conn::open(&a.chain, a.address.is_none()).await?;
    let who = a.address.unwrap_or(c.me);
    let h = holdings(&c, who).await?;
    if a.json {
        println!(
            "{:#}",
            json!({
                "address": format!("{who:#x}"),
                "token": h.token.to_string(),
                "allowance": h.allowance.to_string(),
                "market": h.market.to_string(),
                "earned": h.earned.to_string(),
                "locked": h.locked.to_string(),
            })
        );
        return Ok(());
    }
    println!("address       {who:#x}");
    println!("tokens        {}", swan(h.token));
    if !h.allowance.is_zero() {
        println!(
            "allowance     {} (the market may take this much of the tokens)",
            if h.allowance == U256::MAX {
                "unlimited".to_owned()
            } else {
                swan(h.allowance)
            }
        );
    }
    println!(
        "in the market {}{}",
        swan(h.market),
        if h.market.is_zero() {
            ""
        } else {
            " (refunds and deposits: swan withdraw takes it out)"
        }
    );
    if !h.earned.is_zero() || !h.locked.is_zero() {
        println!(
            "earned        {} (not yet claimed: swan provider claim sends it to the beneficiary)",
            swan(h.earned)
        );
        println!(
            "locked        {} (collateral of running work)",
            swan(h.locked)
        );
    }
    Ok(())
}

/// Run `swan withdraw`.
#[allow(clippy::print_stdout)]
pub(crate) async fn withdraw(a: WithdrawArgs) -> Result<(), ChainError> {
    let asked = match a.amount.trim() {
        "all" => None,
        text => {
            Some(parse_swan(text).map_err(|e| ChainError::Arg(format!("AMOUNT: {e}, or all")))?)
        }
    };
    if asked.is_some_and(|v| v.is_zero()) {
        return Err(ChainError::Arg(
            "AMOUNT: 0 withdraws nothing: give more, or all".into(),
        ));
    }
    let c = Conn::open(&a.chain, true).await?;
    let held = c.market_balance(c.me).await?;
    let amount = asked.unwrap_or(held);
    if held.is_zero() {
        return Err(ChainError::Arg(format!(
            "nothing to withdraw: the market holds 0 SWAN for {:#x}",
            c.me
        )));
    }
    if amount > held {
        return Err(ChainError::Arg(format!(
            "the market holds {} for {:#x}, less than the {} asked: withdraw at most that (or all)",
            swan(held),
            c.me,
            swan(amount)
        )));
    }
    let to = a.to.unwrap_or(c.me);
    c.send(
        "withdraw",
        c.market().withdraw(amount, to).into_transaction_request(),
    )
    .await?;
    println!(
        "withdrew {} to {to:#x}; {} left in the market",
        swan(amount),
        swan(held - amount)
    );
    Ok(())
}
