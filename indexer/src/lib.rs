//! The indexer: follows the deployed contracts and mirrors every event into SQL, exactly once
//! and reorg-safe, then serves it over HTTP (see DESIGN.md, "Indexer").
//!
//! Data flows chain → [`fetch`] → [`project`] → [`store`], driven by [`sync`]; [`api`] serves the
//! tables and [`status`] the metrics.
//! - [`events`]: raw logs to the market's typed events (the ABI comes from `swan-contracts`);
//! - [`fetch`]: RPC endpoints with failover and timeouts, adaptive ranges, fault classification;
//! - [`project`]: events to typed rows by the contracts' rules, from events alone;
//! - [`model`]: the rows and their SQL columns;
//! - [`store`]: SQLite (file, WAL) or Postgres behind one set of migrations; a range, its typed
//!   rows, its undo log and the checkpoint are written in one transaction;
//! - [`sync`]: backfill then follow the head; forks rolled back; finality; the stall watchdog;
//! - [`api`]: the HTTP read API, `/health`, `/ready`, `/metrics`;
//! - [`spec_names`]: with `--fetch-specs`, the names task specs give themselves, read in the
//!   background and kept only from the committed document;
//! - [`web`]: the market explorer, a web page under `/` built from the read API;
//! - [`run`]: configuration and the `swan-indexer` / `swan indexer run` entry point.

pub mod api;
pub mod events;
pub mod fetch;
pub mod model;
pub mod project;
pub mod run;
pub mod spec_names;
pub mod status;
pub mod store;
pub mod sync;
pub mod web;
