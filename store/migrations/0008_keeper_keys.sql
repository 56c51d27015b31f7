-- One process signs with a keeper key at a time (keeper/src/keylease.rs): two processes with
-- one key would sign the same nonces. The holder renews its heartbeat every tick; another
-- process takes the key over only when the heartbeat lapsed or the holder's process is gone.
CREATE TABLE keeper_keys (
    chain_id     BIGINT NOT NULL,
    keeper       TEXT   NOT NULL,
    holder       TEXT   NOT NULL,
    host         TEXT   NOT NULL,
    pid          BIGINT NOT NULL,
    heartbeat_ms BIGINT NOT NULL,
    PRIMARY KEY (chain_id, keeper)
);
