//! Every refusal of the contracts and of the token as one sentence: what happened, in people's
//! units (SWAN, dates, durations, ids in hex), and what to do. The one decoder every command
//! uses; a match per error with no fallback, so a new error in the Solidity does not compile
//! until it has its sentence.

use alloy::{
    primitives::{Address, U256},
    sol_types::{GenericContractError, SolInterface},
    transports::{RpcError, TransportErrorKind},
};

use crate::{
    DevToken::DevTokenErrors as T,
    MODES, REPLICA_STATUS,
    SwanMarket::SwanMarketErrors as M,
    TASK_STATUS, name_of,
    registry::SwanRegistry::SwanRegistryErrors as R,
    units::{date, swan},
};

fn id(t: U256) -> String {
    format!("{t:#x}")
}

fn at(t: U256) -> String {
    u64::try_from(t).map_or_else(|_| t.to_string(), date)
}

fn a(x: Address) -> String {
    format!("{x:#x}")
}

/// The market's error as a sentence.
pub fn market(e: &M) -> String {
    match e {
        M::NotKeeper(_) => "only a keeper of this market may do this: the sending key is not one (the registry's admin schedules keepers)".into(),
        M::NotSubmitter(_) => "only the task's submitter may do this: sign with the key that created the task".into(),
        M::NotWorker(_) => "only the provider's worker key may do this: sign with the worker address registered for the provider".into(),
        M::NotSelf(_) => "this entry point is the market's own (it calls itself): call the public function instead".into(),
        M::NotRegistry(_) => "only the provider registry may call this".into(),
        M::UnknownProvider(x) => format!("{} is not a registered provider: register it first (swan provider register)", a(x.provider)),
        M::MarketPaused(_) => "the market is paused by its pauser: nothing moves until it is unpaused; try again later".into(),
        M::ZeroAddress(_) => "an address given is zero: give a real address".into(),
        M::AmountTooSmall(_) => "the amount is zero or below the smallest allowed: give a larger amount".into(),
        M::AmountTooLarge(_) => "the amount is above the largest the market stores (2^96 − 1 of the smallest unit)".into(),
        M::InvalidDeadline(_) => "the deadlines are out of order or out of range: assign-by must be after now, result-by after assign-by, settle-by after result-by, within the market's limits".into(),
        M::InvalidReplicas(_) => "the replica count or quorum is out of range for this mode: check `replicas` and `quorum` in the spec".into(),
        M::InvalidAnswerCommit(_) => "a known-answer task needs an answer commit (create it with --answer FILE), and other modes must not have one".into(),
        M::CollateralPctTooHigh(x) => format!("collateral of {} % of the price is above the market's maximum of {} %: lower `collateral_pct`", x.pct, x.max),
        M::ParamsChanged(x) => format!("the market's parameters changed (version {} signed, {} now): create the task again to sign up for the current ones", x.expected, x.current),
        M::TokenShortfall(x) => format!("the token delivered {} of the {} expected (a fee-on-transfer token?): the market takes only tokens that transfer exactly", swan(x.received), swan(x.expected)),
        M::InsufficientBalance(x) => format!("the market balance holds {} but {} is needed: deposit, or lower the amount", swan(x.available), swan(x.needed)),
        M::UnknownTask(x) => format!("there is no task {} on this market: check the id and --manifest", id(x.taskId)),
        M::WrongTaskStatus(x) => format!("task {} is {}: this cannot be done to a task that is {} (swan task status shows what it waits for)", id(x.taskId), name_of(&TASK_STATUS, x.status), name_of(&TASK_STATUS, x.status)),
        M::WrongMode(x) => {
            let mode = name_of(&MODES, x.mode);
            if x.mode == crate::mode::SERVICE_HEALTH {
                format!("task {} is a service: this is for batch tasks only", id(x.taskId))
            } else {
                format!("task {} is a batch task ({mode}), not a service: only services can be extended or terminated, and only its mode's calls apply", id(x.taskId))
            }
        }
        M::WrongReplicaStatus(x) => format!("replica {} of task {} is {}: this cannot be done to it now", x.replica, id(x.taskId), name_of(&REPLICA_STATUS, x.status)),
        M::ReplicaCountMismatch(x) => format!("{} providers or prices given for {} replicas: give one per replica", x.given, x.expected),
        M::PriceAboveCap(x) => format!("the price {} is above the task's cap of {}", swan(x.price), swan(x.cap)),
        M::PriceBelowFloor(x) => format!("the price {} is below provider {}'s floor of {}", swan(x.price), a(x.provider), swan(x.floor)),
        M::CollateralAboveLimit(x) => format!("the replica would lock {} of provider {}'s collateral, above the {} it agreed to lock for one replica", swan(x.collateral), a(x.provider), swan(x.limit)),
        M::ModeNotAccepted(x) => format!("provider {} does not accept {} tasks", a(x.provider), name_of(&MODES, x.mode)),
        M::ProviderNotActive(x) => format!("provider {} is not active (paused, exited or below the minimum stake): it takes no new work", a(x.provider)),
        M::DuplicateProvider(x) => format!("provider {} is named twice: each replica needs a different provider", a(x.provider)),
        M::SubmitterIsProvider(x) => format!("{} submitted the task and cannot also serve it", a(x.provider)),
        M::BelowMinCollateral(x) => format!("provider {} has {} bonded, below the minimum stake of {}: stake more (swan provider stake)", a(x.provider), swan(x.bonded), swan(x.minimum)),
        M::InsufficientCollateral(x) => format!("provider {} has {} of collateral free but the replica locks {}: it must stake more or finish running work", a(x.provider), swan(x.free), swan(x.needed)),
        M::TooEarly(x) => format!("too early: this can be done from {}", at(x.time)),
        M::TooLate(x) => format!("too late: the deadline was {}", at(x.deadline)),
        M::ResultsPending(x) => format!("task {} still waits for results: try again once every replica has answered or its result deadline passed", id(x.taskId)),
        M::VerdictWithoutResult(x) => format!("replica {} of task {} submitted no result: it cannot be passed", x.replica, id(x.taskId)),
        M::AnswerMismatch(x) => format!("the answer and salt do not match task {}'s commit: give the expected hash and salt `swan task create --answer` printed", id(x.taskId)),
        M::AnswerAlreadyRevealed(x) => format!("task {}'s answer is already revealed: nothing to do", id(x.taskId)),
        M::RevealMismatch(x) => format!("the revealed result of replica {} of task {} does not match what it committed", x.replica, id(x.taskId)),
        M::NothingToWithdraw(_) => "there is nothing to withdraw or claim".into(),
        M::InvalidFailureTime(x) => format!("the failure time {} is outside the service's run", at(x.failedAt)),
        M::EmptyResult(_) => "the result is empty: give its hash and where it can be fetched".into(),
        M::NothingToExpire(x) => format!("nothing to expire yet: the next deadline is {}", at(x.time)),
        M::ReentrancyGuardReentrantCall(_) => "the market was called back into while it was busy (a reentrant token or contract): the call is refused".into(),
        M::SafeERC20FailedOperation(x) => format!("the token {} refused the transfer without saying why: check the balance and the allowance", a(x.token)),
    }
}

/// The registry's error as a sentence.
pub fn registry(e: &R) -> String {
    match e {
        R::UnknownProvider(x) => format!("{} is not a registered provider: register it first (swan provider register)", a(x.provider)),
        R::AlreadyRegistered(_) => "this owner is already registered: update it (swan provider update) instead".into(),
        R::ProviderExited(_) => "the provider has exited: it can only withdraw its stake".into(),
        R::ZeroAddress(_) => "an address given is zero: give a real address".into(),
        R::AmountTooSmall(_) => "the amount is zero or below the smallest allowed: give a larger amount".into(),
        R::AmountTooLarge(_) => "the amount is above the largest the registry stores".into(),
        R::InvalidTerms(_) => "the provider's terms are invalid: it must accept at least one mode, and its limits must be in range".into(),
        R::InsufficientStake(x) => format!("only {} is bonded but {} was asked: ask for at most what is bonded", swan(x.bonded), swan(x.amount)),
        R::StillUnbonding(x) => format!("the stake is still unbonding: it can be withdrawn from {}", at(x.releaseAt)),
        R::NothingToWithdraw(_) => "there is nothing to withdraw: request a withdrawal first (swan provider unstake), or the unbonded stake is still locked by running work".into(),
        R::KeeperCannotProvide(x) => format!("{} is a keeper and cannot also be a provider", a(x.account)),
        R::NotAdmin(_) => "only the registry's admin may do this".into(),
        R::NotPauser(_) => "only the pauser may do this".into(),
        R::NotPendingAdmin(_) => "only the proposed admin may accept".into(),
        R::ParamOutOfRange(_) => "a parameter is out of its allowed range: check the admin delay, the fee, slash and collateral percentages and the deadline limits against the registry's bounds".into(),
        R::NotReady(x) => format!("the change is not ready yet: it can be applied from {}", at(x.readyAt)),
        R::ReentrancyGuardReentrantCall(_) => "the registry was called back into while it was busy (a reentrant token or contract): the call is refused".into(),
        R::SafeERC20FailedOperation(x) => format!("the token {} refused the transfer without saying why: check the balance and the allowance", a(x.token)),
        R::TokenShortfall(x) => format!("the token delivered {} of the {} expected (a fee-on-transfer token?): the registry takes only tokens that transfer exactly", swan(x.received), swan(x.expected)),
        R::ScheduleExpired(x) => format!("the scheduled change expired at {}: schedule it again", at(x.expiredAt)),
    }
}

/// The token's error (ERC-20, ERC-6093) as a sentence.
fn token(e: &T) -> String {
    match e {
        T::ERC20InsufficientBalance(x) => format!(
            "{} holds {} of the token but {} is needed: get more tokens (on a devnet: swan devnet fund)",
            a(x.sender),
            swan(x.balance),
            swan(x.needed)
        ),
        T::ERC20InsufficientAllowance(x) => format!(
            "the token allows {} to take only {} but it needs {}: approve the amount first (the swan commands do this for you)",
            a(x.spender),
            swan(x.allowance),
            swan(x.needed)
        ),
        T::ERC20InvalidSender(x) => format!("the token refuses to send from {}", a(x.sender)),
        T::ERC20InvalidReceiver(x) => format!("the token refuses to send to {}", a(x.receiver)),
        T::ERC20InvalidApprover(x) => {
            format!("the token refuses an approval from {}", a(x.approver))
        }
        T::ERC20InvalidSpender(x) => format!("the token refuses an approval for {}", a(x.spender)),
    }
}

/// The name of the error `data` carries (`WrongTaskStatus`), if it is one of ours.
pub fn error_name(data: &[u8]) -> Option<&'static str> {
    let selector: [u8; 4] = data.get(..4)?.try_into().ok()?;
    M::name_by_selector(selector)
        .or_else(|| R::name_by_selector(selector))
        .or_else(|| T::name_by_selector(selector))
}

/// Revert data as a sentence: the market's, the registry's or the token's error, or a
/// `require` message or panic; None for data that is none of these.
pub fn explain(data: &[u8]) -> Option<String> {
    if let Ok(e) = M::abi_decode(data) {
        return Some(market(&e));
    }
    if let Ok(e) = R::abi_decode(data) {
        return Some(registry(&e));
    }
    if let Ok(e) = T::abi_decode(data) {
        return Some(token(&e));
    }
    match GenericContractError::abi_decode(data).ok()? {
        GenericContractError::Revert(r) => Some(format!("the contract refused: {}", r.reason)),
        GenericContractError::Panic(p) => Some(format!(
            "the contract failed an internal check ({p}): report it with the transaction"
        )),
    }
}

/// The sentence for an RPC error that is a revert (from `eth_call`, `eth_estimateGas` or a
/// send); None when it is not a revert (the endpoint failed).
pub fn explain_rpc(e: &RpcError<TransportErrorKind>) -> Option<String> {
    let resp = e.as_error_resp()?;
    match resp.as_revert_data() {
        Some(data) => Some(explain(&data).unwrap_or_else(|| {
            format!("the contract refused with data it does not document ({data})")
        })),
        None if resp.message.contains("revert") => Some(format!(
            "the call reverted without a reason ({}): out of gas, or not a Swan contract",
            resp.message
        )),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error of the market, the registry and the token, decoded from its selector and
    /// zeroed arguments, has a sentence of its own (not the fallback, not the Rust name).
    #[test]
    fn every_error_has_a_sentence() {
        let mut seen = std::collections::HashMap::new();
        let all = [
            (M::SELECTORS, M::VARIANT_NAMES),
            (R::SELECTORS, R::VARIANT_NAMES),
            (T::SELECTORS, T::VARIANT_NAMES),
        ];
        let mut count = 0;
        for (selectors, names) in all {
            for (s, name) in selectors.iter().zip(names) {
                let mut data = s.to_vec();
                data.extend([0u8; 32 * 4]);
                let sentence = explain(&data).unwrap_or_else(|| panic!("{name}: no sentence"));
                assert!(!sentence.contains(name), "{name}: {sentence}");
                assert!(sentence.len() > 20, "{name}: {sentence}");
                assert_eq!(error_name(&data), Some(*name));
                seen.insert(*name, sentence);
                count += 1;
            }
        }
        assert!(count >= 60, "{count} errors");
        assert!(explain(&[1, 2, 3, 4]).is_none());
    }

    #[test]
    fn sentences_are_in_people_s_units() {
        let e = M::InsufficientBalance(crate::SwanMarket::InsufficientBalance {
            available: U256::from(5u64) * U256::from(10u64).pow(U256::from(17)),
            needed: U256::from(2u64) * U256::from(10u64).pow(U256::from(18)),
        });
        use alloy::sol_types::SolInterface as _;
        let s = explain(&e.abi_encode()).unwrap();
        assert!(s.contains("0.5 SWAN") && s.contains("2 SWAN"), "{s}");
        let e = R::StillUnbonding(crate::registry::SwanRegistry::StillUnbonding {
            releaseAt: U256::from(1_796_587_622u64),
        });
        let s = explain(&e.abi_encode()).unwrap();
        assert!(s.contains("2026-12-06") && s.contains("UTC"), "{s}");
    }
}
