//! The README's main job as an end-to-end test: `swan demo` (the real binary: anvil, the
//! contracts, the indexer, the keeper and four provider agents, each its own process) runs every
//! kind of task to its end. Each task's final state and replica verdicts are asserted, and every
//! account's token change on chain to the wei: it equals what the indexer recorded, the changes
//! sum to zero (no token is created or lost), and the dishonest provider lost exactly its
//! collateral.

use std::process::Command;

use alloy::primitives::I256;
use serde_json::Value;

#[test]
fn the_demo_settles_every_task_and_the_books_balance() {
    let dir = std::env::temp_dir().join(format!("swan-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let json = dir.join("summary.json");
    let out = Command::new(env!("CARGO_BIN_EXE_swan"))
        .args([
            "demo",
            "--dir",
            dir.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("swan runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("every task ended as expected and the books balance"),
        "{stdout}"
    );
    let s: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let task = |name: &str| {
        s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap_or_else(|| panic!("task {name}"))["task"]
            .clone()
    };
    let statuses = |t: &Value| -> Vec<String> {
        t["replicas"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap().to_owned())
            .collect()
    };
    for (name, status, replicas) in [
        ("sum", "completed", vec!["paid"]),
        ("audit", "completed", vec!["paid"]),
        ("service", "completed", vec!["ended"]),
        ("impossible", "cancelled", vec![]),
        ("silent", "failed", vec!["slashed"]),
        ("digits", "completed", vec!["paid"]),
        ("digits-asia", "failed", vec!["slashed"]),
    ] {
        let t = task(name);
        assert_eq!(t["status"], status, "{name}: {t}");
        assert_eq!(statuses(&t), replicas, "{name}: {t}");
        assert_eq!(t["finalized"], true, "{name}");
    }
    // the ML task: the honest model's accuracy, recomputed by the validator, passes; the forged
    // predictions score far below the threshold, and that score is the evidence
    let ml = |name: &str| {
        let entry = s["ml"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name);
        entry.unwrap_or_else(|| panic!("ml {name}"))["validator"][0].clone()
    };
    let (good, forged) = (ml("digits"), ml("digits-asia"));
    assert_eq!(good["passed"], true, "{good}");
    let score = |v: &Value| -> f64 {
        let d = v["detail"].as_str().unwrap();
        d["score ".len()..d.find(',').unwrap()].parse().unwrap()
    };
    assert!(score(&good) >= 0.95, "{good}");
    assert_eq!(forged["passed"], false, "{forged}");
    assert!(score(&forged) < 0.5, "{forged}");
    let q = task("quorum");
    assert_eq!(q["status"], "completed");
    let mut qs = statuses(&q);
    qs.sort();
    assert_eq!(qs, ["paid", "paid", "slashed"], "{q}");
    // the impossible task was refunded whole; the service's unused time came back
    let impossible = task("impossible");
    assert_eq!(impossible["refunded"], impossible["escrow"]);
    let service = task("service");
    let wei = |v: &Value| v.as_str().unwrap().parse::<I256>().unwrap();
    assert!(wei(&service["refunded"]) > I256::ZERO && wei(&service["paid"]) > I256::ZERO);

    let accounts = s["accounts"].as_object().unwrap();
    let mut sum = I256::ZERO;
    for (name, a) in accounts {
        assert_eq!(a["actual"], a["expected"], "{name}: chain vs indexer");
        sum += wei(&a["actual"]);
    }
    assert_eq!(
        sum,
        I256::ZERO,
        "tokens only move between these accounts: {accounts:?}"
    );
    // p4's quorum replica and its forged ML replica were each slashed their whole collateral —
    // 100 % of the price it agreed to, not of the cap — and that is all p4 lost
    let forged_ml = task("digits-asia");
    let slashed = wei(&q["slashed"]) + wei(&forged_ml["slashed"]);
    assert!(wei(&q["slashed"]) > I256::ZERO && wei(&forged_ml["slashed"]) > I256::ZERO);
    assert_eq!(wei(&accounts["p4"]["actual"]), -slashed);
    for honest in ["p2", "p3"] {
        assert!(
            wei(&accounts[honest]["actual"]) > I256::ZERO,
            "{honest} earned"
        );
    }
    assert!(
        wei(&accounts["p1"]["actual"]) < I256::ZERO,
        "p1 went silent and was slashed"
    );
    assert!(
        wei(&accounts["treasury"]["actual"]) > I256::ZERO,
        "fees and slash shares"
    );
    // every kind of step used gas and is reported
    for call in [
        "createTask",
        "assign",
        "submitResult",
        "revealResult",
        "settle",
        "revealAnswer",
        "expire",
        "extendService",
        "terminateService",
        "reportServiceFailure",
        "claimEarnings",
    ] {
        assert!(
            s["gas"][call]["gas"].as_u64().unwrap_or(0) > 0,
            "{call}: {}",
            s["gas"]
        );
    }
    assert!(s["seconds"].as_f64().unwrap() < 180.0);
    let _ = std::fs::remove_dir_all(&dir);
}
