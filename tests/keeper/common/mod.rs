//! Helpers shared by the keeper's end-to-end tests: the keeper crate's own (a fresh Postgres
//! database per test) and the devnet (anvil, the contracts, the real indexer, the keeper).

#[path = "../../../keeper/tests/common/mod.rs"]
mod keeper_common;
#[allow(unused_imports)]
pub(crate) use keeper_common::pg_database;

#[allow(dead_code)]
pub(crate) mod devnet;
