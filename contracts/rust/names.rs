//! The names of the contracts' enum values, as the indexer stores them, the API filters by them
//! and the tools print them: the one copy every crate uses. A test reads the enums from the
//! Solidity interfaces and checks each table against them (count, order, name).

/// `ISwanMarket.Mode` (`ServiceHealth` is stored as `service`).
pub const MODES: [&str; 4] = ["keeper_attested", "known_answer", "quorum", "service"];
/// `ISwanMarket.TaskStatus`.
pub const TASK_STATUS: [&str; 6] = [
    "none",
    "open",
    "assigned",
    "completed",
    "failed",
    "cancelled",
];
/// `ISwanMarket.ReplicaStatus`.
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
/// `ISwanRegistry.ProviderStatus`.
pub const PROVIDER_STATUS: [&str; 4] = ["none", "active", "paused", "exited"];

/// `ISwanMarket.Mode` values (a provider's terms accept a set of them, a bit per mode).
pub mod mode {
    /// The keeper checks results off chain.
    pub const KEEPER_ATTESTED: u8 = 0;
    /// Sealed results compared with the submitter's committed answer.
    pub const KNOWN_ANSWER: u8 = 1;
    /// Sealed results counted by the contract.
    pub const QUORUM: u8 = 2;
    /// A service billed per second.
    pub const SERVICE_HEALTH: u8 = 3;
    /// Every mode, as a set.
    pub const ALL: u8 = 0b1111;
}

/// `ISwanMarket.TaskStatus` values the tools test for.
pub mod task_status {
    /// Unknown id.
    pub const NONE: u8 = 0;
    /// Waiting for providers.
    pub const OPEN: u8 = 1;
    /// Running.
    pub const ASSIGNED: u8 = 2;
    /// Ended with every replica paid or ended normally.
    pub const COMPLETED: u8 = 3;
}

/// The name of enum value `i` in `table` (`unknown` past its end).
pub fn name_of(table: &[&'static str], i: u8) -> &'static str {
    table.get(usize::from(i)).copied().unwrap_or("unknown")
}

/// The value of `name` in `table`, if it is one.
pub fn value_of(table: &[&str], name: &str) -> Option<u8> {
    table
        .iter()
        .position(|n| *n == name)
        .and_then(|i| u8::try_from(i).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variants of `enum name { … }` in a Solidity source, in order.
    fn variants(source: &str, name: &str) -> Vec<String> {
        let start = source
            .find(&format!("enum {name} {{"))
            .unwrap_or_else(|| panic!("enum {name} not found"));
        let body = &source[start..];
        let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
        body.lines()
            .map(|l| l.split("//").next().unwrap().trim().trim_end_matches(','))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn snake(v: &str) -> String {
        let mut out = String::new();
        for (i, c) in v.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    #[test]
    fn every_table_matches_its_solidity_enum() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/interfaces");
        let market = std::fs::read_to_string(root.join("ISwanMarket.sol")).unwrap();
        let registry = std::fs::read_to_string(root.join("ISwanRegistry.sol")).unwrap();
        for (source, name, table) in [
            (&market, "Mode", &MODES[..]),
            (&market, "TaskStatus", &TASK_STATUS[..]),
            (&market, "ReplicaStatus", &REPLICA_STATUS[..]),
            (&registry, "ProviderStatus", &PROVIDER_STATUS[..]),
        ] {
            let expected: Vec<String> = variants(source, name).iter().map(|v| snake(v)).collect();
            let stored: Vec<String> = table
                .iter()
                .map(|n| match *n {
                    "service" => "service_health".to_owned(),
                    n => n.to_owned(),
                })
                .collect();
            assert_eq!(stored, expected, "{name}");
        }
        for (value, name) in [
            (mode::KEEPER_ATTESTED, "keeper_attested"),
            (mode::KNOWN_ANSWER, "known_answer"),
            (mode::QUORUM, "quorum"),
            (mode::SERVICE_HEALTH, "service"),
        ] {
            assert_eq!(value_of(&MODES, name), Some(value));
        }
        assert_eq!(mode::ALL, (1 << MODES.len()) - 1);
        assert_eq!(value_of(&TASK_STATUS, "none"), Some(task_status::NONE));
        assert_eq!(
            value_of(&TASK_STATUS, "completed"),
            Some(task_status::COMPLETED)
        );
        assert_eq!(value_of(&MODES, "batch"), None);
        assert_eq!(name_of(&REPLICA_STATUS, 8), "declined");
        assert_eq!(name_of(&REPLICA_STATUS, 9), "unknown");
    }
}
