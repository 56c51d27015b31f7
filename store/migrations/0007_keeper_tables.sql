-- The keeper's tables, in the one migration set (they were created by the keeper itself until
-- now, hence IF NOT EXISTS: a database the keeper already used keeps its rows).
--  - keeper_intents: the outbox, one row per intended call (keeper/src/outbox.rs);
--  - keeper_nonces, keeper_txs: every signed transaction before it is broadcast, and what
--    became of it (keeper/src/sender);
--  - keeper_answers: known answers handed to the keeper to reveal (keeper/src/answers.rs);
--  - keeper_verdicts: every keeper-attested verdict with its evidence (keeper/src/verdicts.rs),
--    served at the keeper's /verdicts.
CREATE TABLE IF NOT EXISTS keeper_intents (
    chain_id    BIGINT NOT NULL,
    action      TEXT   NOT NULL,
    task_id     TEXT   NOT NULL,
    attempt     BIGINT NOT NULL,
    payload     TEXT   NOT NULL,
    status      TEXT   NOT NULL,
    keeper      TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    fence       BIGINT NOT NULL DEFAULT 0,
    tx_hash     TEXT,
    created_ms  BIGINT NOT NULL,
    updated_ms  BIGINT NOT NULL,
    PRIMARY KEY (chain_id, action, task_id, attempt)
);
CREATE INDEX IF NOT EXISTS keeper_intents_ready ON keeper_intents (status, lease_until);

CREATE TABLE IF NOT EXISTS keeper_nonces (
    chain_id   BIGINT NOT NULL,
    keeper     TEXT   NOT NULL,
    next_nonce BIGINT NOT NULL,
    PRIMARY KEY (chain_id, keeper)
);
CREATE TABLE IF NOT EXISTS keeper_txs (
    chain_id     BIGINT NOT NULL,
    tx_hash      TEXT   NOT NULL,
    keeper       TEXT   NOT NULL,
    nonce        BIGINT NOT NULL,
    kind         TEXT   NOT NULL,
    to_addr      TEXT   NOT NULL,
    calldata     TEXT   NOT NULL,
    intents      TEXT   NOT NULL,
    raw          TEXT   NOT NULL,
    max_fee      TEXT   NOT NULL,
    priority_fee TEXT   NOT NULL,
    gas_limit    BIGINT NOT NULL,
    status       TEXT   NOT NULL,
    sent_ms      BIGINT NOT NULL,
    block_number BIGINT,
    block_hash   TEXT,
    gas_paid     TEXT,
    success      BIGINT,
    PRIMARY KEY (chain_id, tx_hash)
);
CREATE INDEX IF NOT EXISTS keeper_txs_open ON keeper_txs (chain_id, keeper, status, nonce);

CREATE TABLE IF NOT EXISTS keeper_answers (
    chain_id BIGINT NOT NULL,
    task_id  TEXT   NOT NULL,
    expected TEXT   NOT NULL,
    salt     TEXT   NOT NULL,
    PRIMARY KEY (chain_id, task_id)
);

CREATE TABLE IF NOT EXISTS keeper_verdicts (
    chain_id  BIGINT NOT NULL,
    task_id   TEXT   NOT NULL,
    replica   BIGINT NOT NULL,
    verdict   TEXT   NOT NULL,
    judged_ms BIGINT NOT NULL,
    PRIMARY KEY (chain_id, task_id, replica)
);
