-- Contracts v2 (contracts/README.md): a new deployment, so the mirror starts over from the new
-- manifest's start block — every table the indexer derives from the chain is emptied here.
--  - providers carry the terms they agreed to on chain: the verification modes they accept (a
--    bit per mode, in place of the old batch/service task types), the most collateral one
--    replica may lock, and their price floors; and how many replicas they declined;
--  - a replica locks collateral_pct % of its own agreed price, so each replica row carries its
--    collateral (the task's `collateral` column is the most a replica can lock: at the cap);
--  - a slash never pays the submitter: the slashes table loses its to_submitter column.

DELETE FROM checkpoints;
DELETE FROM blocks;
DELETE FROM raw_logs;
DELETE FROM providers;
DELETE FROM tasks;
DELETE FROM replicas;
DELETE FROM market;
DELETE FROM collateral_events;
DELETE FROM assignments;
DELETE FROM results;
DELETE FROM payments;
DELETE FROM slashes;
DELETE FROM param_changes;
DELETE FROM undo_log;
DELETE FROM reorgs;

ALTER TABLE providers RENAME COLUMN task_types TO modes;
ALTER TABLE providers ADD COLUMN max_collateral TEXT NOT NULL DEFAULT '0';
ALTER TABLE providers ADD COLUMN min_price TEXT NOT NULL DEFAULT '0';
ALTER TABLE providers ADD COLUMN min_rate TEXT NOT NULL DEFAULT '0';
ALTER TABLE providers ADD COLUMN declined BIGINT NOT NULL DEFAULT 0;

ALTER TABLE replicas ADD COLUMN collateral TEXT NOT NULL DEFAULT '0';

ALTER TABLE slashes DROP COLUMN to_submitter;
