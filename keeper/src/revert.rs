//! What to do about a revert: every custom error of the market is classified, so the sender
//! never guesses from text.
//!
//! - **Drop**: the work is already done or can no longer be done (another keeper settled the
//!   task, the replica already moved on): drop the intent.
//! - **Retry**: the call is right but early, or the market is paused: try the same call later
//!   (at the time the error names, when it names one).
//! - **Replan**: the decision rested on state that changed (the provider is no longer active or
//!   lacks collateral, a price above the cap): drop this attempt and decide again from fresh
//!   state.
//! - **Alert**: the keeper itself is wrong (not a keeper, a malformed call, an unknown error):
//!   stop this line of work and tell the operator.
//!
//! [`simulate`] runs a call with `eth_call` before it is sent (and before each fee bump).

use alloy::{
    primitives::Bytes,
    providers::Provider,
    rpc::types::TransactionRequest,
    sol_types::SolInterface,
    transports::{RpcError, TransportErrorKind},
};
use swan_contracts::SwanMarket::SwanMarketErrors as E;

/// What the sender does about a revert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Already done or moot: drop the intent.
    Drop,
    /// Try the same call again later; at `at` (unix seconds) when the error says when.
    Retry {
        /// When it can succeed, if known.
        at: Option<u64>,
    },
    /// Decide again from fresh state.
    Replan,
    /// The keeper is wrong: tell the operator.
    Alert,
}

/// A classified revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revert {
    /// What to do.
    pub action: Action,
    /// The error, decoded (`Name(args…)`), or the raw data.
    pub error: String,
}

fn time(t: alloy::primitives::U256) -> Option<u64> {
    u64::try_from(t).ok()
}

/// Classify revert data returned by the market.
pub fn classify(data: &[u8]) -> Revert {
    let Ok(e) = E::abi_decode(data) else {
        return Revert {
            action: Action::Alert,
            error: if data.is_empty() {
                "reverted without data (out of gas, or not the market)".into()
            } else {
                format!("unknown error {}", Bytes::copy_from_slice(data))
            },
        };
    };
    let action = match &e {
        E::WrongTaskStatus(_)
        | E::WrongReplicaStatus(_)
        | E::NothingToWithdraw(_)
        | E::TooLate(_)
        | E::UnknownTask(_) => Action::Drop,
        E::TooEarly(x) => Action::Retry { at: time(x.time) },
        E::NothingToExpire(x) => Action::Retry { at: time(x.time) },
        E::AnswerAlreadyRevealed(_) => Action::Drop,
        E::ResultsPending(_) | E::MarketPaused(_) => Action::Retry { at: None },
        E::ProviderNotActive(_)
        | E::InsufficientCollateral(_)
        | E::BelowMinCollateral(_)
        | E::PriceAboveCap(_)
        | E::PriceBelowFloor(_)
        | E::CollateralAboveLimit(_)
        | E::ModeNotAccepted(_)
        | E::UnknownProvider(_)
        | E::InsufficientBalance(_) => Action::Replan,
        _ => Action::Alert,
    };
    Revert {
        action,
        error: format!("{e:?}"),
    }
}

/// Why a simulation did not return.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// The call reverts.
    #[error("the call reverts with {}: {:?}", .0.error, .0.action)]
    Reverts(Revert),
    /// The RPC failed (not a revert): try another endpoint.
    #[error("simulation failed: {0}")]
    Rpc(RpcError<TransportErrorKind>),
}

/// The classified revert inside an RPC error (from `eth_call` or `eth_estimateGas`), or None
/// when the error is not a revert (the endpoint failed: try another).
pub fn reverted(e: &RpcError<TransportErrorKind>) -> Option<Revert> {
    let resp = e.as_error_resp()?;
    let data = resp.as_revert_data();
    (resp.message.contains("revert") || data.is_some()).then(|| classify(&data.unwrap_or_default()))
}

/// Run `tx` with `eth_call` on the node's default state: its return data, or what to do about
/// its revert.
pub async fn simulate<P: Provider>(p: &P, tx: TransactionRequest) -> Result<Bytes, SimulateError> {
    p.call(tx).await.map_err(|e| match reverted(&e) {
        Some(r) => SimulateError::Reverts(r),
        None => SimulateError::Rpc(e),
    })
}

/// [`simulate`] on the latest mined block only: what the chain has done, without the pool —
/// where the keeper's own waiting transaction has not run (on a pending state it has, and its
/// work looks done).
pub async fn simulate_mined<P: Provider>(
    p: &P,
    tx: TransactionRequest,
) -> Result<Bytes, SimulateError> {
    p.call(tx)
        .block(alloy::eips::BlockId::latest())
        .await
        .map_err(|e| match reverted(&e) {
            Some(r) => SimulateError::Reverts(r),
            None => SimulateError::Rpc(e),
        })
}
