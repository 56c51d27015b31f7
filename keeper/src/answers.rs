//! Known answers: a known-answer task commits `keccak256(abi.encode(expected, salt))` on chain;
//! the submitter hands the keeper the answer and salt privately (never in the public spec, or
//! providers could copy it), and the keeper reveals them with `revealAnswer` once the
//! results are in. Stored in the indexer's database (`keeper_answers`), checked against the
//! commit before they are accepted.

use alloy::primitives::{B256, U256, keccak256};
use sqlx::Row;
use swan_store::Store;

/// What `answerCommit` must be for `expected` and `salt`.
pub fn commit(expected: B256, salt: B256) -> B256 {
    let mut b = [0u8; 64];
    b[..32].copy_from_slice(expected.as_slice());
    b[32..].copy_from_slice(salt.as_slice());
    keccak256(b)
}

/// Why an answer was refused.
#[derive(Debug, thiserror::Error)]
pub enum AnswerError {
    /// The database.
    #[error("answers database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The answer does not open the task's commit.
    #[error(
        "the answer does not match task {task}'s commit {commit}: give the expected value and salt used when the task was created"
    )]
    Mismatch {
        /// The task.
        task: String,
        /// Its commit on chain.
        commit: String,
    },
    /// The task is not a known-answer task.
    #[error("task {task} is a {mode} task, not known_answer: it has no answer to reveal")]
    Mode {
        /// The task.
        task: String,
        /// Its mode.
        mode: String,
    },
}

/// Keep the answer of `task`. When the indexer already has the task, the answer must open its
/// commit; otherwise it is checked again before it is revealed.
pub async fn put(
    store: &Store,
    chain_id: u64,
    task: U256,
    expected: B256,
    salt: B256,
) -> Result<bool, AnswerError> {
    let key = format!("{task:#x}");
    let chain = i64::try_from(chain_id).unwrap_or(i64::MAX);
    let row =
        sqlx::query("SELECT mode, answer_commit FROM tasks WHERE chain_id = $1 AND task_id = $2")
            .bind(chain)
            .bind(&key)
            .fetch_optional(store.pool())
            .await?;
    let checked = row.is_some();
    if let Some(r) = row {
        let (mode, on_chain): (String, String) = (r.get(0), r.get(1));
        if mode != "known_answer" {
            return Err(AnswerError::Mode { task: key, mode });
        }
        if on_chain != format!("{:#x}", commit(expected, salt)) {
            return Err(AnswerError::Mismatch {
                task: key,
                commit: on_chain,
            });
        }
    }
    sqlx::query(
        "INSERT INTO keeper_answers (chain_id, task_id, expected, salt) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (chain_id, task_id) DO UPDATE SET expected = excluded.expected, salt = excluded.salt",
    )
    .bind(chain)
    .bind(&key)
    .bind(format!("{expected:#x}"))
    .bind(format!("{salt:#x}"))
    .execute(store.pool())
    .await?;
    Ok(checked)
}
