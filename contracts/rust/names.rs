//! The names of the contract's enum values, as the indexer stores them and the tools print them.

/// `TaskStatus`.
pub const TASK_STATUS: [&str; 6] = [
    "none",
    "open",
    "assigned",
    "completed",
    "failed",
    "cancelled",
];
/// `ReplicaStatus`.
pub const REPLICA_STATUS: [&str; 9] = [
    "none",
    "assigned",
    "submitted",
    "revealed",
    "paid",
    "slashed",
    "refunded",
    "ended",
    "declined",
];
/// `ProviderStatus`.
pub const PROVIDER_STATUS: [&str; 4] = ["none", "active", "paused", "exited"];

/// The name of enum value `i` in `table` (`unknown` past its end).
pub fn name_of(table: &[&'static str], i: u8) -> &'static str {
    table.get(usize::from(i)).copied().unwrap_or("unknown")
}
