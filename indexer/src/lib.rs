//! The indexer: follows the deployed contracts and mirrors every event into SQL, exactly once
//! and reorg-safe, then serves it over HTTP (see DESIGN.md, "Indexer").
//!
//! What is here now: [`events`], the decoder from raw logs to the market's typed events — the
//! one place that knows the contracts' event ABI (generated from the Solidity by
//! `swan-contracts`).

pub mod events;
