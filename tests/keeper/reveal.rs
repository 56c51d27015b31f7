//! Known answer without the keeper's database: the submitter reveals the committed answer with
//! `swan task reveal` (the real binary), on anvil with the real indexer and a keeper that was
//! never given the answer. Too early and a wrong salt are refused with the market's own errors;
//! the right answer settles the task once the replicas reveal.

use std::process::{Command, Output};

use alloy::primitives::{B256, keccak256};
use swan_keeper::answers;

mod common;
use common::devnet::{Devnet, Running, TOKEN, fast};

const KNOWN_ANSWER: u8 = 1;
const ASSIGNED: u8 = 2;
const COMPLETED: u8 = 3;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_submitter_reveals_the_answer_and_the_task_settles() {
    let d = Devnet::start(["http://127.0.0.1:1"; 3], &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("reveal.db").display().to_string();
    let (store, indexer) = d.index(&db).await;
    let keeper = d.keeper(&store, 0, &d.manifest.rpc_urls, fast()).await;
    let running = Running::spawn(keeper);
    let manifest = dir.path().join("manifest.json");
    d.manifest.save(&manifest).unwrap();

    let (expected, salt) = (keccak256(b"42"), B256::repeat_byte(9));
    let mut req = d.request(KNOWN_ANSWER, 2, TOKEN, 2).await;
    req.answerCommit = answers::commit(expected, salt);
    let task = d.create(req).await;
    d.wait_status(task, ASSIGNED, 30).await;

    // anyone holding the answer may reveal it: here a key that is neither submitter nor keeper
    let key = format!("0x{}", alloy::hex::encode(d.keys[9].to_bytes()));
    let reveal = |salt: B256| {
        Command::new(env!("CARGO_BIN_EXE_swan"))
            .args([
                "task",
                "reveal",
                &format!("{task:#x}"),
                "--expected",
                &expected.to_string(),
                "--salt",
                &salt.to_string(),
                "--manifest",
                &manifest.display().to_string(),
            ])
            .env("SWAN_PRIVATE_KEY", &key)
            .env_remove("SWAN_RPC_URL")
            .output()
            .unwrap()
    };
    let o = reveal(salt);
    assert!(
        !o.status.success()
            && stderr(&o).starts_with("error: revealAnswer: too early: this can be done from ")
            && stderr(&o).trim_end().ends_with(" UTC"),
        "before the replicas commit: {}",
        stderr(&o)
    );

    let (s0, s1) = (B256::repeat_byte(1), B256::repeat_byte(2));
    d.seal(task, 0, expected, s0).await;
    d.seal(task, 1, expected, s1).await;
    let o = reveal(B256::repeat_byte(3));
    assert!(
        !o.status.success()
            && stderr(&o).contains(&format!(
                "revealAnswer: the answer and salt do not match task {task:#x}'s commit"
            )),
        "a wrong salt: {}",
        stderr(&o)
    );
    let o = reveal(salt);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("answer revealed"));
    let o = reveal(salt);
    assert!(
        stderr(&o).contains(&format!(
            "revealAnswer: task {task:#x}'s answer is already revealed: nothing to do"
        )),
        "once only: {}",
        stderr(&o)
    );

    d.open(task, 0, expected, s0).await;
    d.open(task, 1, expected, s1).await;
    d.wait_status(task, COMPLETED, 30).await;
    for i in 0..2 {
        assert_eq!(d.replica(task, i).await.status, 4, "replica {i} paid");
    }
    running.stop().await;
    indexer.abort();
}
