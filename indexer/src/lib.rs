//! The indexer: follows the deployed contracts and mirrors every event into SQL, exactly once
//! and reorg-safe, then serves it over HTTP (see DESIGN.md, "Indexer").
//!
//! What is here now, the log mirror:
//! - [`events`]: raw logs to the market's typed events — the one place that knows the event ABI
//!   (generated from the Solidity by `swan-contracts`);
//! - [`store`]: SQLite (file, WAL) or Postgres behind one set of migrations; a block range, its
//!   logs and the checkpoint are written in one transaction;
//! - [`backfill`]: checkpoint → target block in ranges that adapt to the RPC.
//!
//! Typed state tables, reorg handling, head following and the HTTP API come next (issue 3).

pub mod backfill;
pub mod events;
pub mod store;
