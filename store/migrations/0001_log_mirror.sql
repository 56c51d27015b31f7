-- The log mirror: every log of the market, the blocks they came in, and how far indexing got.
-- Portable SQL: the same migration runs on SQLite and on Postgres. Hashes, addresses and
-- amounts are lower-case 0x-hex or decimal TEXT, so no value is ever rounded.

CREATE TABLE checkpoints (
    chain_id     BIGINT NOT NULL,
    market       TEXT   NOT NULL,
    block_number BIGINT NOT NULL,
    block_hash   TEXT   NOT NULL,
    PRIMARY KEY (chain_id, market)
);

CREATE TABLE blocks (
    chain_id    BIGINT  NOT NULL,
    number      BIGINT  NOT NULL,
    hash        TEXT    NOT NULL,
    parent_hash TEXT    NOT NULL,
    timestamp   BIGINT  NOT NULL,
    finalized   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (chain_id, number)
);

CREATE TABLE raw_logs (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    block_hash   TEXT   NOT NULL,
    tx_hash      TEXT   NOT NULL,
    address      TEXT   NOT NULL,
    event        TEXT   NOT NULL,
    topics       TEXT   NOT NULL,
    data         TEXT   NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);

CREATE INDEX raw_logs_event ON raw_logs (chain_id, event);
