-- Indexes for the HTTP API's pages under load (issue 27): each page reads its rows in the order
-- it shows them instead of sorting every matching row per request.
--  - tasks of one status, newest first (`/api/tasks?status=…`);
--  - a provider's replicas, newest first, and its payments and slashes in chain order, of which
--    `/api/providers/{address}` shows the newest.
CREATE INDEX tasks_status_created ON tasks (chain_id, status, created_block, task_id);
CREATE INDEX replicas_provider_assigned ON replicas (chain_id, provider, assigned_block);
CREATE INDEX payments_account_block ON payments (chain_id, account, block_number, log_index);
CREATE INDEX slashes_provider_block ON slashes (chain_id, provider, block_number, log_index);
