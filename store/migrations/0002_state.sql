-- Typed tables projected from the market's events, written in the same transaction as the raw
-- logs and the checkpoint. Event tables are append-only and keyed like the raw log
-- (chain_id, block_number, log_index); state tables (providers, tasks, replicas, market) hold the
-- current values derived from events alone. Amounts are exact decimal TEXT; *_f DOUBLE PRECISION columns are
-- approximations kept only for sorting. `undo_log` holds the previous value of every state row
-- changed in a block that is not final yet, so a reorg can roll the state back exactly.

CREATE TABLE providers (
    chain_id        BIGINT  NOT NULL,
    address         TEXT    NOT NULL,
    worker          TEXT    NOT NULL,
    beneficiary     TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    cpu_cores       BIGINT  NOT NULL,
    memory_gib      BIGINT  NOT NULL,
    storage_gib     BIGINT  NOT NULL,
    gpu_count       BIGINT  NOT NULL,
    gpu_memory_gib  BIGINT  NOT NULL,
    gpu_model       TEXT    NOT NULL,
    price_cpu_hour      TEXT NOT NULL,
    price_memory_hour   TEXT NOT NULL,
    price_gpu_hour      TEXT NOT NULL,
    price_storage_hour  TEXT NOT NULL,
    price_f         DOUBLE PRECISION NOT NULL,
    region          TEXT    NOT NULL,
    task_types      BIGINT  NOT NULL,
    metadata_uri    TEXT    NOT NULL,
    stake           TEXT    NOT NULL,
    locked          TEXT    NOT NULL,
    unbonding       TEXT    NOT NULL,
    free            TEXT    NOT NULL,
    free_f          DOUBLE PRECISION NOT NULL,
    release_at      BIGINT  NOT NULL,
    earned          TEXT    NOT NULL,
    earned_total    TEXT    NOT NULL,
    slashed_total   TEXT    NOT NULL,
    completed       BIGINT  NOT NULL,
    failed          BIGINT  NOT NULL,
    running         BIGINT  NOT NULL,
    reputation      DOUBLE PRECISION NOT NULL,
    registered_block BIGINT NOT NULL,
    updated_block   BIGINT  NOT NULL,
    PRIMARY KEY (chain_id, address)
);
CREATE INDEX providers_status ON providers (chain_id, status);
CREATE INDEX providers_worker ON providers (chain_id, worker);

CREATE TABLE tasks (
    chain_id        BIGINT  NOT NULL,
    task_id         TEXT    NOT NULL,
    submitter       TEXT    NOT NULL,
    mode            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    replicas        BIGINT  NOT NULL,
    quorum          BIGINT  NOT NULL,
    collateral_pct  BIGINT  NOT NULL,
    price           TEXT    NOT NULL,
    collateral      TEXT    NOT NULL,
    escrow          TEXT    NOT NULL,
    assign_by       BIGINT  NOT NULL,
    result_by       BIGINT  NOT NULL,
    settle_by       BIGINT  NOT NULL,
    spec_hash       TEXT    NOT NULL,
    spec_uri        TEXT    NOT NULL,
    answer_commit   TEXT    NOT NULL,
    region          TEXT    NOT NULL,
    req_cpu_cores   BIGINT  NOT NULL,
    req_memory_gib  BIGINT  NOT NULL,
    req_storage_gib BIGINT  NOT NULL,
    req_gpu_count   BIGINT  NOT NULL,
    req_gpu_memory_gib BIGINT NOT NULL,
    req_gpu_model   TEXT    NOT NULL,
    params_version  BIGINT  NOT NULL,
    paid            TEXT    NOT NULL,
    fees            TEXT    NOT NULL,
    refunded        TEXT    NOT NULL,
    slashed         TEXT    NOT NULL,
    service_started BIGINT,
    service_ends    BIGINT,
    final_reason    BIGINT,
    created_block   BIGINT  NOT NULL,
    created_tx      TEXT    NOT NULL,
    assigned_block  BIGINT,
    finalized_block BIGINT,
    updated_block   BIGINT  NOT NULL,
    PRIMARY KEY (chain_id, task_id)
);
CREATE INDEX tasks_status ON tasks (chain_id, status, task_id);
CREATE INDEX tasks_submitter ON tasks (chain_id, submitter, task_id);

CREATE TABLE replicas (
    chain_id        BIGINT  NOT NULL,
    task_id         TEXT    NOT NULL,
    idx             BIGINT  NOT NULL,
    provider        TEXT    NOT NULL,
    price           TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    result_hash     TEXT,
    result_uri      TEXT,
    revealed_hash   TEXT,
    payout          TEXT    NOT NULL,
    fee             TEXT    NOT NULL,
    slashed         TEXT    NOT NULL,
    refund          TEXT    NOT NULL,
    claimed_until   BIGINT,
    assigned_block  BIGINT  NOT NULL,
    updated_block   BIGINT  NOT NULL,
    PRIMARY KEY (chain_id, task_id, idx)
);
CREATE INDEX replicas_provider ON replicas (chain_id, provider, task_id);

CREATE TABLE market (
    chain_id        BIGINT  NOT NULL PRIMARY KEY,
    escrowed        TEXT    NOT NULL,
    volume          TEXT    NOT NULL,
    fees            TEXT    NOT NULL,
    slashed         TEXT    NOT NULL,
    refunded        TEXT    NOT NULL,
    params_version  BIGINT  NOT NULL,
    paused          BIGINT  NOT NULL,
    updated_block   BIGINT  NOT NULL
);

-- event tables ------------------------------------------------------------------------------

CREATE TABLE collateral_events (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    provider     TEXT   NOT NULL,
    kind         TEXT   NOT NULL, -- deposit | withdrawal_requested | withdrawn
    amount       TEXT   NOT NULL,
    stake        TEXT   NOT NULL,
    unbonding    TEXT   NOT NULL,
    release_at   BIGINT NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX collateral_events_provider ON collateral_events (chain_id, provider);

CREATE TABLE assignments (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    task_id      TEXT   NOT NULL,
    providers    TEXT   NOT NULL, -- comma-separated, replica order
    prices       TEXT   NOT NULL,
    refund       TEXT   NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX assignments_task ON assignments (chain_id, task_id);

CREATE TABLE results (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    task_id      TEXT   NOT NULL,
    idx          BIGINT NOT NULL,
    provider     TEXT   NOT NULL,
    kind         TEXT   NOT NULL, -- submitted | revealed
    result_hash  TEXT   NOT NULL,
    result_uri   TEXT   NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX results_task ON results (chain_id, task_id);

-- every movement of value: kind replica_paid | service_claimed | earnings_claimed | deposited |
-- withdrawn | task_refund | service_extended
CREATE TABLE payments (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    kind         TEXT   NOT NULL,
    task_id      TEXT,
    idx          BIGINT,
    account      TEXT   NOT NULL,
    counterparty TEXT,
    amount       TEXT   NOT NULL,
    fee          TEXT   NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX payments_task ON payments (chain_id, task_id);
CREATE INDEX payments_account ON payments (chain_id, account);

CREATE TABLE slashes (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    task_id      TEXT   NOT NULL,
    idx          BIGINT NOT NULL,
    provider     TEXT   NOT NULL,
    slashed      TEXT   NOT NULL,
    to_submitter TEXT   NOT NULL,
    to_treasury  TEXT   NOT NULL,
    bounty       TEXT   NOT NULL,
    refund       TEXT   NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);
CREATE INDEX slashes_provider ON slashes (chain_id, provider);
CREATE INDEX slashes_task ON slashes (chain_id, task_id);

-- protocol fees, one row per fee-bearing payment
CREATE VIEW fees AS
    SELECT chain_id, block_number, log_index, task_id, idx, account AS provider, fee AS amount
    FROM payments WHERE kind IN ('replica_paid', 'service_claimed');

-- governance: kind params_scheduled | params_applied | keeper_scheduled | keeper_set |
-- pauser_set | admin_proposed | admin_changed | paused_set; `detail` is JSON
CREATE TABLE param_changes (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    log_index    BIGINT NOT NULL,
    kind         TEXT   NOT NULL,
    version      BIGINT,
    subject      TEXT,
    detail       TEXT   NOT NULL,
    PRIMARY KEY (chain_id, block_number, log_index)
);

-- previous values of state rows changed in blocks not yet final (see the header)
CREATE TABLE undo_log (
    chain_id     BIGINT NOT NULL,
    block_number BIGINT NOT NULL,
    seq          BIGINT NOT NULL,
    tbl          TEXT   NOT NULL,
    row_key      TEXT   NOT NULL,
    prev         TEXT,
    PRIMARY KEY (chain_id, block_number, seq)
);

CREATE TABLE reorgs (
    chain_id     BIGINT NOT NULL,
    detected_at  BIGINT NOT NULL, -- the block at which the fork was seen
    fork_block   BIGINT NOT NULL, -- last block kept
    depth        BIGINT NOT NULL,
    at_unix      BIGINT NOT NULL,
    PRIMARY KEY (chain_id, detected_at, fork_block, at_unix)
);

ALTER TABLE checkpoints ADD COLUMN finalized BIGINT NOT NULL DEFAULT 0;
