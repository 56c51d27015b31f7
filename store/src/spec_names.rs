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
    /// Up to `limit` specs of `chain_id`'s tasks with no name on record yet, or whose last read
    /// failed in a way worth retrying before `retry_before` (unix seconds); newest tasks first.
    pub async fn specs_to_read(
        &self,
        chain_id: u64,
        retry_before: u64,
        limit: u32,
    ) -> Result<Vec<SpecToRead>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT t.spec_hash, MIN(t.spec_uri) FROM tasks t \
             LEFT JOIN spec_names n ON n.spec_hash = t.spec_hash \
             WHERE t.chain_id = $1 AND t.spec_uri <> '' \
               AND (n.spec_hash IS NULL OR (n.retry AND n.tried_at < $2)) \
             GROUP BY t.spec_hash ORDER BY MAX(t.created_block) DESC LIMIT $3",
        )
        .bind(chain_id as i64)
        .bind(retry_before as i64)
        .bind(i64::from(limit))
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(spec_hash, uri)| SpecToRead { spec_hash, uri })
            .collect())
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
