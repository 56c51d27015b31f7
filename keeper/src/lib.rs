//! The keeper: reads the indexer's tables, decides, and acts on chain only through transactions.
//!
//! Modules (see DESIGN.md, "Keeper", and the README):
//!
//! - [`allocate`]: which providers run which open tasks — eligibility, a documented score, and a
//!   batch assignment with provider capacities (an auction over provider slots), each decision
//!   with what anyone needs to recompute it.
//! - [`keylease`]: one process per keeper key and database (a second refuses, naming the first).
//! - [`health`]: service-health verification — probes on a schedule, a failure reported after
//!   the grace period with the time it began.
//! - [`market`]: the providers and open tasks as allocation inputs, read from the indexer's
//!   tables (nothing from the chain).
//! - [`outbox`]: the intent outbox keyed by what an action does, with leases and fencing tokens
//!   so several keepers on one database each do every action once.
//! - [`revert`]: every custom error of the market classified (drop, retry, replan, alert), and
//!   the `eth_call` simulation run before a transaction is sent.
//! - [`verify`]: keeper-attested verification — fetch a result (HTTP, IPFS gateway, `file://`
//!   in dev), check its content hash, size, JSON Schema and validator program; a verdict with
//!   its evidence.
//! - [`plan`]: what to do next (assign, settle, reveal, expire, report, finish), from the
//!   indexer's tables, the verdicts and the probes.
//! - [`calls`]: intents to calldata, batched where the market has a batch entry point.
//! - [`sender`]: the transaction sender — stored before sent, persisted nonces, fee bumping,
//!   failover, finality from the indexer, a spending cap.
//! - [`run`]: the keeper loop; [`cli`]: its command line; [`metrics`]: Prometheus metrics and
//!   published views; [`api`]: the HTTP API; [`verdicts`]: verdicts and evidence, in the store.
//! - [`optimize`]: utilization per provider and region, suggested price per resource class.
//! - [`answers`]: known answers handed to the keeper for `revealAnswer`.
//! - [`pricing`]: Swan's dynamic-pricing rule, which the keeper publishes as the suggested price
//!   per resource class and the CLI uses as the default price cap of new tasks.

pub mod allocate;
pub mod answers;
pub mod api;
pub mod calls;
pub mod cli;
pub mod health;
pub mod keylease;
pub mod market;
pub mod metrics;
pub mod optimize;
pub mod outbox;
pub mod plan;
pub mod pricing;
pub mod revert;
pub mod run;
pub mod sender;
pub mod verdicts;
pub mod verify;
