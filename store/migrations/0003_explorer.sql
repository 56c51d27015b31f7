-- Reads of the market explorer: the time series find the first block of a time window, and the
-- task list (newest first) and the tasks-created series walk tasks by their creation block.
CREATE INDEX blocks_time ON blocks (chain_id, timestamp);
CREATE INDEX tasks_created ON tasks (chain_id, created_block);
