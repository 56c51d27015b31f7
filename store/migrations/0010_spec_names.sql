-- The names task specs give themselves (`name:`), for the explorer's task lists (issue 29). The
-- indexer's spec reader (`--fetch-specs`) reads each task's spec by its URI and keeps a name only
-- from a document whose keccak256 is the spec hash the task committed to, so a row is keyed by
-- that hash alone: the same bytes name themselves the same on every chain. A spec that could not
-- be read (`retry`) is read again after a while; one that is not the committed document, does not
-- parse or has no name keeps a NULL name and its reason.
CREATE TABLE spec_names (
    spec_hash TEXT    NOT NULL PRIMARY KEY,
    name      TEXT,
    error     TEXT,
    retry     BOOLEAN NOT NULL,
    tried_at  BIGINT  NOT NULL
);
