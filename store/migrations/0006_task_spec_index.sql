-- The keeper excludes, from a task, the providers that declined or were slashed on earlier tasks
-- for the same work (keeper/src/market.rs): it looks tasks up by spec hash.
CREATE INDEX tasks_spec ON tasks (chain_id, spec_hash);
