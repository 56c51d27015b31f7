//! Intents to calldata: one call per intent, or one batched call (`assignBatch`,
//! `settleBatch`) for several intents of the same action.

use alloy::{
    primitives::{Address, Bytes, U256, Uint},
    sol_types::SolCall,
};
use swan_contracts::SwanMarket;

use crate::plan::Act;

/// A payload that is not what the planner writes.
#[derive(Debug, thiserror::Error)]
#[error("intent {action} of task {task} has a payload the keeper cannot read ({why}): drop it")]
pub struct PayloadError {
    /// The action.
    pub action: String,
    /// The task.
    pub task: String,
    /// Why.
    pub why: String,
}

fn bad(act: &Act, task: U256, why: impl ToString) -> PayloadError {
    PayloadError {
        action: act.name().into(),
        task: format!("{task:#x}"),
        why: why.to_string(),
    }
}

fn addresses(act: &Act, task: U256, v: &[String]) -> Result<Vec<Address>, PayloadError> {
    v.iter()
        .map(|s| s.parse().map_err(|e| bad(act, task, e)))
        .collect()
}

fn amounts(act: &Act, task: U256, v: &[String]) -> Result<Vec<U256>, PayloadError> {
    v.iter()
        .map(|s| s.parse().map_err(|e| bad(act, task, e)))
        .collect()
}

/// The calldata of one intent.
pub fn single(task: U256, act: &Act) -> Result<Bytes, PayloadError> {
    Ok(match act {
        Act::Assign { providers, prices } => SwanMarket::assignCall {
            taskId: task,
            providers: addresses(act, task, providers)?,
            prices: amounts(act, task, prices)?,
        }
        .abi_encode(),
        Act::Settle { mask } => SwanMarket::settleCall {
            taskId: task,
            passMask: mask.parse().map_err(|e| bad(act, task, e))?,
        }
        .abi_encode(),
        Act::Reveal { expected, salt } => SwanMarket::revealAnswerCall {
            taskId: task,
            expected: *expected,
            salt: *salt,
        }
        .abi_encode(),
        Act::Expire => SwanMarket::expireCall { taskId: task }.abi_encode(),
        Act::Report { replica, failed_at } => SwanMarket::reportServiceFailureCall {
            taskId: task,
            replica: U256::from(*replica),
            failedAt: *failed_at,
        }
        .abi_encode(),
        Act::Finish => SwanMarket::finishServiceCall { taskId: task }.abi_encode(),
    }
    .into())
}

/// The calldata of several intents of one batchable action (`assign` or `settle`); None for
/// actions without a batch entry point.
pub fn batch(items: &[(U256, Act)]) -> Option<Result<Bytes, PayloadError>> {
    let first = &items.first()?.1;
    let r = match first {
        Act::Assign { .. } => {
            let (mut ids, mut ps, mut prices) = (Vec::new(), Vec::new(), Vec::new());
            for (task, act) in items {
                let Act::Assign {
                    providers,
                    prices: p,
                } = act
                else {
                    return None;
                };
                ids.push(*task);
                match (addresses(act, *task, providers), amounts(act, *task, p)) {
                    (Ok(a), Ok(b)) => {
                        ps.push(a);
                        prices.push(b);
                    }
                    (Err(e), _) | (_, Err(e)) => return Some(Err(e)),
                }
            }
            SwanMarket::assignBatchCall {
                taskIds: ids,
                providers: ps,
                prices,
            }
            .abi_encode()
        }
        Act::Settle { .. } => {
            let (mut ids, mut masks) = (Vec::new(), Vec::new());
            for (task, act) in items {
                let Act::Settle { mask } = act else {
                    return None;
                };
                ids.push(*task);
                match mask.parse::<Uint<256, 4>>() {
                    Ok(m) => masks.push(m),
                    Err(e) => return Some(Err(bad(act, *task, e))),
                }
            }
            SwanMarket::settleBatchCall {
                taskIds: ids,
                passMasks: masks,
            }
            .abi_encode()
        }
        _ => return None,
    };
    Some(Ok(r.into()))
}
