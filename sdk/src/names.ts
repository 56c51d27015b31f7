// Generated from contracts/rust/names.rs by contracts/tests/published.rs: do not edit.
// SWAN_BLESS=1 cargo test -p swan-contracts --test published rewrites it.

/** `ISwanMarket.Mode`, by value. */
export const modes = ["keeper_attested","known_answer","quorum","service"] as const;
/** `ISwanMarket.TaskStatus`, by value. */
export const taskStatus = ["none","open","assigned","completed","failed","cancelled"] as const;
/** `ISwanMarket.ReplicaStatus`, by value. */
export const replicaStatus = ["none","assigned","submitted","revealed","paid","slashed","refunded","ended","declined"] as const;
/** `ISwanRegistry.ProviderStatus`, by value. */
export const providerStatus = ["none","active","paused","exited"] as const;
