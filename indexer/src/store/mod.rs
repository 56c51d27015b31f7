//! The indexer's side of the store (`swan-store`: the database, its migrations, reading): the
//! write path — a block range in one transaction, rolling back past a fork, marking blocks
//! final.
//!
//! Invariant: a block range is written **in one transaction** — its logs, its blocks and the
//! checkpoint that says it is done — keyed by `(chain_id, block_number, log_index)`. A crash
//! leaves either all of a range or none of it, and replaying a range writes nothing twice.

pub use swan_store::{
    Backend, BlockRow, CONTENT_TABLES, Checkpoint, LogRow, Store, StoreError, begin_write,
    topics_from_bytes,
};

mod write;
pub use write::{ApplyStats, RangeWrite, StoreWrite};

impl From<crate::project::ProjectError> for StoreError {
    fn from(e: crate::project::ProjectError) -> Self {
        StoreError::Rule(Box::new(e))
    }
}
