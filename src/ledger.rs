//! The demo's books: every account's value on chain before and after (wallet tokens, market
//! balance, a provider's stake and unclaimed earnings), the change each should see by the
//! indexer's record of the tasks (payouts, slashes, refunds, fees, bounties), and the gas used
//! per contract call.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, I256, U256},
    providers::{DynProvider, Provider},
    sol_types::SolInterface,
};
use serde_json::Value;
use swan_contracts::{DEVNET_TREASURY, DevToken, Manifest, SwanMarket, SwanRegistry};

/// An account the books follow.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub(crate) name: String,
    pub(crate) address: Address,
    /// A provider owner: stake and earnings count too.
    pub(crate) provider: bool,
}

/// Values at one moment, by account name.
pub(crate) type Snapshot = BTreeMap<String, U256>;

/// Everything the account holds in the market's token, wherever it sits.
pub(crate) async fn snapshot(
    p: &DynProvider,
    m: &Manifest,
    accounts: &[Account],
) -> Result<Snapshot, String> {
    let market = SwanMarket::new(m.market, p);
    let registry = SwanRegistry::new(m.registry, p);
    let token = DevToken::new(m.token, p);
    let mut out = Snapshot::new();
    for a in accounts {
        let e = |e: alloy::contract::Error| format!("reading {}: {e}", a.name);
        let mut v = token.balanceOf(a.address).call().await.map_err(e)?
            + market.balanceOf(a.address).call().await.map_err(e)?;
        if a.provider {
            v += registry.stakeOf(a.address).call().await.map_err(e)?;
            v += U256::from(market.getAccount(a.address).call().await.map_err(e)?.earned);
        }
        out.insert(a.name.clone(), v);
    }
    Ok(out)
}

fn num(v: &Value, k: &str) -> I256 {
    v[k].as_str()
        .and_then(|s| s.parse::<I256>().ok())
        .unwrap_or_default()
}

/// The change each account should see, by the indexer's record of `tasks` (full task objects
/// from `/api/tasks/{id}`): providers earn their replicas' payouts and lose their slashes; the
/// submitter pays escrow and gets its refunds back (never a share of a slash); the treasury
/// takes fees, slashes and forfeited known-answer prices; the keeper earns expiry bounties.
pub(crate) fn expected(
    tasks: &[Value],
    submitter: &str,
    providers: &BTreeMap<String, String>,
) -> BTreeMap<String, I256> {
    let mut out: BTreeMap<String, I256> = BTreeMap::new();
    let mut add = |who: &str, v: I256| *out.entry(who.to_owned()).or_default() += v;
    for t in tasks {
        add(submitter, num(t, "refunded") - num(t, "escrow"));
        add("treasury", num(t, "fees"));
        for r in t["replicas"].as_array().into_iter().flatten() {
            let owner = r["provider"].as_str().unwrap_or_default().to_lowercase();
            if let Some(name) = providers.get(&owner) {
                add(name, num(r, "payout") - num(r, "slashed"));
            }
        }
        for s in t["slashes"].as_array().into_iter().flatten() {
            add("treasury", num(s, "to_treasury"));
            add("keeper", num(s, "bounty"));
        }
    }
    out
}

/// The accounts of a devnet: submitter, keeper, treasury and each provider.
pub(crate) fn accounts(
    submitter: Address,
    keeper: Address,
    providers: &[(String, Address)],
) -> Vec<Account> {
    let mut v = vec![
        Account {
            name: "submitter".into(),
            address: submitter,
            provider: false,
        },
        Account {
            name: "keeper".into(),
            address: keeper,
            provider: false,
        },
        Account {
            name: "treasury".into(),
            address: DEVNET_TREASURY,
            provider: false,
        },
    ];
    for (name, a) in providers {
        v.push(Account {
            name: name.clone(),
            address: *a,
            provider: true,
        });
    }
    v
}

/// Gas used per market call (and token approvals) in blocks `from..=to`: count, total.
pub(crate) async fn gas_by_call(
    p: &DynProvider,
    m: &Manifest,
    from: u64,
    to: u64,
) -> Result<BTreeMap<String, (u64, u64)>, String> {
    let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for n in from..=to {
        let Some(block) = p
            .get_block_by_number(n.into())
            .full()
            .await
            .map_err(|e| format!("block {n}: {e}"))?
        else {
            continue;
        };
        let receipts = p
            .get_block_receipts(n.into())
            .await
            .map_err(|e| format!("receipts of block {n}: {e}"))?
            .unwrap_or_default();
        for (tx, r) in block.transactions.txns().zip(receipts) {
            use alloy::consensus::Transaction as _;
            let input = tx.input();
            let name = if tx.to() == Some(m.registry) {
                swan_contracts::registry::SwanRegistry::SwanRegistryCalls::abi_decode(input)
                    .map(|c| {
                        format!("registry.{c:?}")
                            .split(['(', ' ', '{'])
                            .next()
                            .unwrap_or("?")
                            .to_owned()
                    })
                    .unwrap_or_else(|_| "registry.unknown".into())
            } else if tx.to() == Some(m.market) {
                SwanMarket::SwanMarketCalls::abi_decode(input)
                    .map(|c| {
                        format!("{c:?}")
                            .split(['(', ' ', '{'])
                            .next()
                            .unwrap_or("?")
                            .to_owned()
                    })
                    .unwrap_or_else(|_| "unknown".into())
            } else if tx.to() == Some(m.token) {
                "token.approve/transfer".into()
            } else {
                "other".into()
            };
            let e = out.entry(name).or_default();
            e.0 += 1;
            e.1 += r.gas_used;
        }
    }
    Ok(out)
}
