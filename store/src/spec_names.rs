//! The names task specs give themselves, as the indexer's spec reader found them
//! (`spec_names`, keyed by the committed spec hash).

use crate::{Store, StoreError};

/// A spec to read: its committed hash (0x-hex, as `tasks.spec_hash` holds it) and a URI a task
/// published it at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecToRead {
    /// The spec hash the task committed to.
    pub spec_hash: String,
    /// Where the task says it is.
    pub uri: String,
}

/// What reading a spec gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecName {
    /// The committed document; its name, if it gives one.
    Read(Option<String>),
    /// Not the committed document, or not a spec: `why`, never read again.
    Refused(String),
    /// Could not be read now (`why`): read again after a while.
    Unreadable(String),
}

impl Store {
    /// Up to `limit` tasks of `chain_id` created after block `after` whose spec has no row yet,
    /// oldest first, each with its creation block: a walk of the creation index from `after`,
    /// not of the whole table.
    pub async fn unread_specs(
        &self,
        chain_id: u64,
        after: u64,
        limit: u32,
    ) -> Result<Vec<(SpecToRead, u64)>, StoreError> {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT t.spec_hash, t.spec_uri, t.created_block FROM tasks t \
             WHERE t.chain_id = $1 AND t.created_block > $2 AND t.spec_uri <> '' \
               AND NOT EXISTS (SELECT 1 FROM spec_names n WHERE n.spec_hash = t.spec_hash) \
             ORDER BY t.created_block, t.task_id LIMIT $3",
        )
        .bind(chain_id as i64)
        .bind(i64::try_from(after).unwrap_or(i64::MAX))
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(spec_hash, uri, block)| (SpecToRead { spec_hash, uri }, block as u64))
            .collect())
    }

    /// Up to `limit` specs whose last read failed in a way worth retrying before `retry_before`
    /// (unix seconds), each with a URI one of `chain_id`'s tasks published it at.
    pub async fn specs_to_retry(
        &self,
        chain_id: u64,
        retry_before: u64,
        limit: u32,
    ) -> Result<Vec<SpecToRead>, StoreError> {
        let rows: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT n.spec_hash, (SELECT MIN(t.spec_uri) FROM tasks t \
               WHERE t.chain_id = $1 AND t.spec_hash = n.spec_hash) \
             FROM spec_names n WHERE n.retry AND n.tried_at < $2 ORDER BY n.tried_at LIMIT $3",
        )
        .bind(chain_id as i64)
        .bind(retry_before as i64)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(spec_hash, uri)| {
                Some(SpecToRead {
                    spec_hash,
                    uri: uri?,
                })
            })
            .collect())
    }

    /// The name the spec `spec_hash` gives itself, if it was read and gives one.
    pub async fn spec_name(&self, spec_hash: &str) -> Result<Option<String>, StoreError> {
        let name: Option<Option<String>> =
            sqlx::query_scalar("SELECT name FROM spec_names WHERE spec_hash = $1")
                .bind(spec_hash)
                .fetch_optional(self.pool())
                .await?;
        Ok(name.flatten())
    }

    /// Record what reading the spec `spec_hash` gave, at `now` (unix seconds).
    pub async fn record_spec_name(
        &self,
        spec_hash: &str,
        got: &SpecName,
        now: u64,
    ) -> Result<(), StoreError> {
        let (name, error, retry) = match got {
            SpecName::Read(name) => (name.as_deref(), None, false),
            SpecName::Refused(why) => (None, Some(why.as_str()), false),
            SpecName::Unreadable(why) => (None, Some(why.as_str()), true),
        };
        sqlx::query(
            "INSERT INTO spec_names (spec_hash, name, error, retry, tried_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (spec_hash) DO UPDATE SET name = excluded.name, \
               error = excluded.error, retry = excluded.retry, tried_at = excluded.tried_at",
        )
        .bind(spec_hash)
        .bind(name)
        .bind(error)
        .bind(retry)
        .bind(now as i64)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
