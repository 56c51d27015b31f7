//! Every event type lands in its table with the chain's values: the market is driven through
//! every path by real transactions, indexed into a SQLite file and into Postgres, and each
//! derived row is compared with what the contract itself says (its view functions and token
//! balances) — the indexing path never calls the contract, the test does.

mod common;

use std::collections::BTreeSet;

use std::sync::Arc;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider as _,
};
use common::scenario::{Market, every_event, market};
use sqlx::Row;
use swan_indexer::{
    events::signatures,
    model::{StateRow, TaskRow, addr, label, task_key},
    project::{PROVIDER_STATUS, REPLICA_STATUS, TASK_STATUS},
    status::Status,
    store::Store,
};
use swan_store::rows::{Final, Task};

async fn text(store: &Store, sql: &str, args: &[&str]) -> Vec<Vec<String>> {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for a in args {
        q = q.bind(a.to_string());
    }
    q.fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..sqlx::Row::len(r))
                .map(|i| r.get::<String, _>(i))
                .collect()
        })
        .collect()
}

async fn check(m: &Market, ids: &[U256], store: &Store) {
    let mk = m.market();
    // every event type of the ABI was emitted and mirrored
    let names: BTreeSet<String> = text(store, "SELECT DISTINCT event FROM raw_logs", &[])
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    let all: BTreeSet<String> = signatures()
        .into_iter()
        .map(|(_, n)| n.to_owned())
        .collect();
    assert_eq!(names, all, "every event type is mirrored");

    // providers: status, keys, terms and every collateral figure equal the contracts' records
    let rg = m.registry();
    for owner in &m.owners {
        let chain = rg.getProvider(*owner).call().await.unwrap();
        let account = mk.getAccount(*owner).call().await.unwrap();
        let stake = rg.stakeOf(*owner).call().await.unwrap();
        let row = text(
            store,
            "SELECT status, worker, beneficiary, stake, locked, unbonding, earned, slashed_total, \
             CAST(completed AS TEXT), CAST(failed AS TEXT), free, CAST(modes AS TEXT), max_collateral, \
             min_price, min_rate, CAST(declined AS TEXT) FROM providers WHERE address = $1",
            &[&addr(owner)],
        )
        .await;
        let r = &row[0];
        assert_eq!(
            r[0], PROVIDER_STATUS[chain.status as usize],
            "{owner} status"
        );
        assert_eq!(r[1], addr(&chain.worker));
        assert_eq!(r[2], addr(&chain.beneficiary));
        assert_eq!(r[3], stake.to_string(), "{owner} stake");
        assert_eq!(r[4], account.locked.to_string(), "{owner} locked");
        assert_eq!(r[5], chain.unbonding.to_string(), "{owner} unbonding");
        assert_eq!(r[6], account.earned.to_string(), "{owner} earned");
        assert_eq!(r[7], account.slashedTotal.to_string(), "{owner} slashed");
        assert_eq!(r[8], account.completed.to_string(), "{owner} completed");
        assert_eq!(r[9], account.failed.to_string(), "{owner} failed");
        let free = mk.freeCollateral(*owner).call().await.unwrap();
        assert_eq!(r[10], free.to_string(), "{owner} free collateral");
        assert_eq!(r[11], chain.modes.to_string(), "{owner} modes");
        assert_eq!(
            r[12],
            chain.maxCollateral.to_string(),
            "{owner} max collateral"
        );
        assert_eq!(r[13], chain.minPrice.to_string(), "{owner} price floor");
        assert_eq!(r[14], chain.minRate.to_string(), "{owner} rate floor");
        assert_eq!(r[15], account.declined.to_string(), "{owner} declined");
    }

    // tasks and replicas: status, collateral, each replica's provider, price and status
    let count = text(store, "SELECT CAST(COUNT(*) AS TEXT) FROM tasks", &[]).await;
    assert_eq!(count[0][0], ids.len().to_string());
    for id in ids {
        let t = mk.getTask(*id).call().await.unwrap();
        let key = task_key(id);
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM tasks WHERE chain_id = $1 AND task_id = $2",
            TaskRow::COLUMNS.join(", ")
        )))
        .bind(m.manifest.chain_id as i64)
        .bind(&key)
        .fetch_one(store.pool())
        .await
        .unwrap();
        let row = TaskRow::from_row(&row).unwrap();
        assert_eq!(row.status, TASK_STATUS[t.status as usize], "task {key}");
        assert_eq!(row.replicas, u64::from(t.replicas));
        let cap_value = if row.mode == "service" {
            row.price * U256::from(row.result_by)
        } else {
            row.price
        };
        assert_eq!(
            row.collateral,
            cap_value * U256::from(row.collateral_pct) / U256::from(100),
            "task {key}: the most a replica locks"
        );
        assert_eq!(row.submitter, mk.submitterOf(*id).call().await.unwrap());
        if let (true, Some(started)) = (row.mode == "service", row.service_started) {
            let w = mk.serviceWindow(*id).call().await.unwrap();
            assert_eq!(U256::from(started), w.startedAt);
            assert_eq!(
                U256::from(row.service_ends.unwrap()),
                w.endsAt,
                "task {key} service end"
            );
        }
        for i in 0..u64::from(t.replicas) {
            let r = mk.getReplica(*id, U256::from(i)).call().await.unwrap();
            if r.provider == Address::ZERO {
                continue;
            }
            let stored = text(
                store,
                "SELECT provider, price, status, collateral FROM replicas WHERE task_id = $1 AND idx = CAST($2 AS BIGINT)",
                &[&key, &i.to_string()],
            )
            .await;
            assert_eq!(stored[0][0], addr(&r.provider));
            assert_eq!(stored[0][1], r.price.to_string());
            let collateral = mk.collateralOf(*id, U256::from(i)).call().await.unwrap();
            assert_eq!(
                stored[0][3],
                collateral.to_string(),
                "replica {key}/{i} collateral"
            );
            assert_eq!(
                stored[0][2], REPLICA_STATUS[r.status as usize],
                "replica {key}/{i}"
            );
        }
    }

    // money: the treasury's internal balance is exactly the fees plus what slashes (and forfeited
    // known-answer prices) sent it
    let fees: U256 = text(store, "SELECT fee FROM payments", &[])
        .await
        .iter()
        .map(|r| r[0].parse::<U256>().unwrap())
        .sum();
    let market_fees = text(store, "SELECT fees FROM market", &[]).await;
    assert_eq!(
        market_fees[0][0],
        fees.to_string(),
        "market total = Σ payment fees"
    );
    let view_fees = text(store, "SELECT amount FROM fees", &[]).await;
    assert_eq!(
        view_fees
            .iter()
            .map(|r| r[0].parse::<U256>().unwrap())
            .sum::<U256>(),
        fees,
        "the fees view"
    );
    let to_treasury: U256 = text(store, "SELECT to_treasury FROM slashes", &[])
        .await
        .iter()
        .map(|r| r[0].parse::<U256>().unwrap())
        .sum();
    let treasury = mk
        .balanceOf(swan_contracts::DEVNET_TREASURY)
        .call()
        .await
        .unwrap();
    assert!(!fees.is_zero() && !to_treasury.is_zero());
    assert_eq!(treasury, fees + to_treasury, "treasury balance");

    // governance and typed event tables hold their rows
    let kinds: BTreeSet<String> = text(store, "SELECT DISTINCT kind FROM param_changes", &[])
        .await
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    for k in [
        "params_scheduled",
        "params_cancelled",
        "params_applied",
        "keeper_scheduled",
        "keeper_set",
        "pauser_set",
        "admin_proposed",
        "admin_changed",
        "paused_set",
    ] {
        assert!(kinds.contains(k), "param change {k}");
    }
    let version = text(
        store,
        "SELECT CAST(params_version AS TEXT) FROM market",
        &[],
    )
    .await;
    assert_eq!(
        version[0][0],
        mk.paramsVersion().call().await.unwrap().to_string()
    );
    let collateral_kinds = text(
        store,
        "SELECT DISTINCT kind FROM collateral_events ORDER BY kind",
        &[],
    )
    .await;
    assert_eq!(
        collateral_kinds.concat(),
        ["deposit", "withdrawal_requested", "withdrawn"]
    );
    let results = text(
        store,
        "SELECT DISTINCT kind FROM results ORDER BY kind",
        &[],
    )
    .await;
    assert_eq!(results.concat(), ["revealed", "submitted"]);
    // result URIs come back byte for byte, control characters and backslashes included
    let uris = text(
        store,
        "SELECT DISTINCT result_uri, CAST(idx AS TEXT) FROM results WHERE kind = 'submitted'",
        &[],
    )
    .await;
    assert!(!uris.is_empty());
    for r in &uris {
        assert_eq!(r[0], common::scenario::result_uri(r[1].parse().unwrap()));
    }
    // nothing is pending undo once everything is final... here blocks are recent, so some are
    let undo = text(store, "SELECT CAST(COUNT(*) AS TEXT) FROM undo_log", &[]).await;
    assert_ne!(undo[0][0], "0", "recent blocks are journaled for reorgs");
}

async fn every_event_lands(url: &str) {
    let m = market(&[]).await;
    let ids = every_event(&m).await;
    let store = Store::open(url).await.unwrap();
    common::index_to_head(&store, &m.manifest, common::test_config(7)).await;
    check(&m, &ids, &store).await;
    // the events so far below anvil's finalized tag (head - 64); then a task in a region (the
    // submitter's 32 bytes) whose JSON needs escaping: quote, backslash, control characters,
    // DEL, a non-ASCII letter, a byte that is not UTF-8
    let _: serde_json::Value = m
        .provider
        .raw_request("anvil_mine".into(), (70u64,))
        .await
        .unwrap();
    let region = B256::right_padding_from(b"q\"b\\s\x01\x1f\x7f\xc3\xa9\xff</");
    m.create_in(0, 1, 7_001, None, region).await;
    let syncer = common::index_to_head(&store, &m.manifest, common::test_config(7)).await;
    list_is_the_rows(&m, &store, syncer.status().clone(), &label(&region)).await;
    store.close().await;
}

async fn json_at(url: &str) -> serde_json::Value {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.unwrap()
}

/// The task list's JSON (written by the database) is serde's JSON of the typed rows read with
/// `SELECT t.*`, field for field and in order, on each sort: the SQL and [`Task`] agree.
async fn list_is_the_rows(m: &Market, store: &Store, status: Arc<Status>, region: &str) {
    let market = format!("{:#x}", m.manifest.market);
    let chain = m.manifest.chain_id;
    let base = common::serve(store.clone(), chain, market, status, None, None).await;
    let ready = json_at(&format!("{base}/ready")).await;
    let finalized = ready["finalized"].as_i64().unwrap();
    for (query, order) in [
        ("limit=500", "t.created_block DESC, t.task_id DESC"),
        ("limit=500&order=asc", "t.created_block ASC, t.task_id ASC"),
        (
            "limit=500&sort=value",
            "LENGTH(t.escrow) DESC, t.escrow DESC, t.task_id DESC",
        ),
        ("limit=3&offset=2", "t.created_block DESC, t.task_id DESC"),
    ] {
        let window = if query.contains("offset") {
            " LIMIT 3 OFFSET 2"
        } else {
            ""
        };
        let mut rows: Vec<Task> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT t.*, (SELECT n.name FROM spec_names n WHERE n.spec_hash = t.spec_hash) AS name, \
             (SELECT b.timestamp FROM blocks b WHERE b.chain_id = t.chain_id \
               AND b.number = t.created_block) AS created_at \
             FROM tasks t WHERE t.chain_id = $1 ORDER BY {order}{window}"
        )))
        .bind(chain as i64)
        .fetch_all(store.pool())
        .await
        .unwrap();
        for r in &mut rows {
            let f = r.block() <= finalized;
            r.set_final(f);
        }
        let page = json_at(&format!("{base}/api/tasks?{query}")).await;
        assert_eq!(
            page["items"],
            serde_json::to_value(&rows).unwrap(),
            "{query}"
        );
    }
    let all = json_at(&format!("{base}/api/tasks?limit=500")).await;
    let items = all["items"].as_array().unwrap();
    assert!(items.iter().any(|t| t["finalized"] == true), "{all}");
    assert!(items.iter().any(|t| t["finalized"] == false), "{all}");
    assert!(items.iter().any(|t| t["region"] == region), "{all}");
    assert!(
        items.iter().all(|t| t["created_at"].as_i64().unwrap() > 0),
        "{all}"
    );
}

#[tokio::test]
async fn every_event_lands_in_sqlite() {
    let (_dir, path) = common::sqlite_file("state");
    every_event_lands(&path).await;
}

#[tokio::test]
async fn every_event_lands_in_postgres() {
    every_event_lands(&common::pg_database("state").await).await;
}
