-- The raw log as bytes: the block and transaction hashes, the address, the topics (their 32-byte
-- words, concatenated) and the data are BYTEA (a BLOB in SQLite) instead of 0x-hex TEXT: half the
-- bytes for the database to store (indexer/README.md has the backfill's figures before and
-- after). Neither database turns hex text into bytes in SQL the other understands, so the
-- mirror starts over: every table the indexer derives from the chain is emptied here, and the
-- next start re-indexes from the manifest's start block (the chain holds everything these
-- tables held).

DELETE FROM checkpoints;
DELETE FROM blocks;
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

DROP TABLE raw_logs;

CREATE TABLE raw_logs (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    block_hash   BYTEA  NOT NULL,
    tx_hash      BYTEA  NOT NULL,
    address      BYTEA  NOT NULL,
    event        TEXT   NOT NULL,
    topics       BYTEA  NOT NULL,
    data         BYTEA  NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);

CREATE INDEX raw_logs_event ON raw_logs (chain_id, event);
