-- Indexes for the HTTP API's reads under load (issue 27): each read walks an index in the order
-- it shows its rows, so its work is the rows it returns, not the table's size. Without the
-- order's columns in the index, SQLite walked the whole primary key of an event table to avoid
-- a sort (a task's payments: 15.8 ms at 100,000 tasks, 0.1 ms with these), and a deep page of
-- tasks sorted every row before it (63 ms at offset 50,000, 5 ms with these).
--  - tasks newest first: all, of one status, of one submitter;
--  - a task's events and a provider's, in chain order;
--  - a provider's replicas, newest first.
DROP INDEX tasks_created;
CREATE INDEX tasks_created ON tasks (chain_id, created_block, task_id);
CREATE INDEX tasks_status_created ON tasks (chain_id, status, created_block, task_id);
DROP INDEX tasks_submitter;
CREATE INDEX tasks_submitter ON tasks (chain_id, submitter, created_block, task_id);
DROP INDEX assignments_task;
CREATE INDEX assignments_task ON assignments (chain_id, task_id, block_number, log_index);
DROP INDEX results_task;
CREATE INDEX results_task ON results (chain_id, task_id, block_number, log_index);
DROP INDEX payments_task;
CREATE INDEX payments_task ON payments (chain_id, task_id, block_number, log_index);
DROP INDEX payments_account;
CREATE INDEX payments_account ON payments (chain_id, account, block_number, log_index);
DROP INDEX slashes_task;
CREATE INDEX slashes_task ON slashes (chain_id, task_id, block_number, log_index);
DROP INDEX slashes_provider;
CREATE INDEX slashes_provider ON slashes (chain_id, provider, block_number, log_index);
DROP INDEX collateral_events_provider;
CREATE INDEX collateral_events_provider ON collateral_events (chain_id, provider, block_number, log_index);
CREATE INDEX replicas_provider_assigned ON replicas (chain_id, provider, assigned_block);
