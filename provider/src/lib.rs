//! The reference provider agent of the Swan orchestrator.
//!
//! It registers the provider and stakes its collateral from a config file ([`config`]), watches
//! for replicas assigned to it — from the indexer's API, or from chain events where no indexer
//! is configured ([`source`]) — runs each with an executor (a local process in its own work
//! directory with wall-time and output limits; a container where an engine answers, [`exec`]),
//! publishes the result by content hash on its own HTTP endpoint ([`serve`]), submits it
//! (commit, then reveal, in quorum mode), keeps services running and serves their health path,
//! claims what services earn and moves earnings to the beneficiary ([`agent`]). A journal
//! ([`journal`]) makes it survive its own restart without losing or re-running finished work.

pub mod agent;
pub mod chain;
pub mod cli;
pub mod config;
pub mod exec;
pub mod journal;
pub mod ops;
pub mod serve;
pub mod source;

pub use agent::{Agent, AgentError};
pub use config::Config;
