//! The table reads: tasks, providers, raw events and market totals, plus liveness, readiness
//! and metrics. Each handler's `#[utoipa::path]` is its entry in the OpenAPI document.

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    Json,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use sqlx::Row;

use super::{
    ApiError, ApiResult, ApiState, Sql, explorer, finalized, finals,
    params::{Checked, EventQuery, ProviderQuery, TaskQuery, page},
    parse_address,
    rows::{EventPage, Health, ProviderDetail, ProviderPage, Ready, Stats, TaskDetail, TaskPage},
    task_key, to_json,
};
use crate::{
    model::{StateRow, TaskRow},
    project::TASK_STATUS,
};
use swan_store::Backend;
use swan_store::rows::{
    Assignment, CollateralEvent, LogEvent, Logged, Payment, Provider, Replica, ResultRow, Slash,
    Task,
};

/// One page of `SELECT {select}{filter} ORDER BY {order}` (rows marked final or not) and the
/// number of rows the filter matches.
async fn page_of<T>(
    s: &ApiState,
    sql: Sql,
    select: &str,
    filter: &str,
    order: &str,
    (limit, offset): (u64, u64),
) -> Result<(Vec<T>, i64), ApiError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + swan_store::rows::Final,
{
    let count = Sql {
        text: format!("SELECT COUNT(*){filter}"),
        args: sql.args.clone(),
    };
    let total = s.per_block.count(s, &count).await?;
    Ok((
        rows_of(s, sql, select, filter, order, (limit, offset)).await?,
        total,
    ))
}

/// One page of `SELECT {select}{filter} ORDER BY {order}`, rows marked final or not.
async fn rows_of<T>(
    s: &ApiState,
    mut sql: Sql,
    select: &str,
    filter: &str,
    order: &str,
    (limit, offset): (u64, u64),
) -> Result<Vec<T>, ApiError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + swan_store::rows::Final,
{
    sql.text = format!(
        "SELECT {select}{filter} ORDER BY {order} LIMIT {} OFFSET {}",
        sql.arg(limit as i64),
        sql.arg(offset as i64)
    );
    let f = finalized(s).await?;
    Ok(finals(sql.rows(&s.store).await?, f))
}

/// The rows of a state table (tasks, replicas, providers) whose `key_col` is `key`; each is final
/// by the block of its last change.
pub(super) async fn rows<T>(
    s: &ApiState,
    table: &str,
    key_col: &str,
    key: &str,
    order: &str,
) -> Result<Vec<T>, ApiError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + swan_store::rows::Final,
{
    keyed(s, key, |chain, k| {
        format!(
            "SELECT * FROM {table} WHERE chain_id = {chain} AND {key_col} = {k} ORDER BY {order}"
        )
    })
    .await
}

/// The rows `query(chain, key)` selects, its two placeholders bound to this chain and `key`, each
/// final by its block.
async fn keyed<T>(
    s: &ApiState,
    key: &str,
    query: impl FnOnce(&str, &str) -> String,
) -> Result<Vec<T>, ApiError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + swan_store::rows::Final,
{
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let k = sql.arg(key.to_owned());
    sql.text = query(&chain, &k);
    let f = finalized(s).await?;
    Ok(finals(sql.rows(&s.store).await?, f))
}

/// The one row of a state table whose key column `key_col` is `key`, or the 404 naming the
/// `what` that is not there.
pub(super) async fn one<T>(
    s: &ApiState,
    table: &str,
    key_col: &str,
    key: &str,
    what: &str,
) -> Result<T, ApiError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + swan_store::rows::Final,
{
    rows(s, table, key_col, key, key_col)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("no {what} {key}")))
}

/// The rows of an event table whose `key_col` is `key`, in chain order, each with the
/// transaction that emitted it (`tx_hash`, from the raw log) and its block's time (`block_time`,
/// unix seconds), final by its own block. With `newest`, only that many of the latest.
async fn events_of<T>(
    s: &ApiState,
    table: &str,
    key_col: &str,
    key: &str,
    newest: Option<u32>,
) -> Result<Vec<T>, ApiError>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + swan_store::rows::Final,
{
    let (order, limit) = match newest {
        Some(n) => (
            "e.block_number DESC, e.log_index DESC".to_owned(),
            format!(" LIMIT {n}"),
        ),
        None => ("e.block_number, e.log_index".to_owned(), String::new()),
    };
    let mut rows = keyed(s, key, |chain, k| {
        format!(
            "SELECT e.*, l.tx_hash, b.timestamp AS block_time FROM {table} e \
             LEFT JOIN raw_logs l ON l.chain_id = e.chain_id AND l.block_number = e.block_number \
             AND l.log_index = e.log_index \
             LEFT JOIN blocks b ON b.chain_id = e.chain_id AND b.number = e.block_number \
             WHERE e.chain_id = {chain} AND e.{key_col} = {k} ORDER BY {order}{limit}"
        )
    })
    .await?;
    if newest.is_some() {
        rows.reverse();
    }
    Ok(rows)
}

/// How many rows of `table` have `key_col` = `key` (counted once per indexed block).
async fn count_of(s: &ApiState, table: &str, key_col: &str, key: &str) -> Result<i64, ApiError> {
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let k = sql.arg(key.to_owned());
    sql.text = format!("SELECT COUNT(*) FROM {table} WHERE chain_id = {chain} AND {key_col} = {k}");
    s.per_block.count(s, &sql).await
}

/// Liveness: the database answers.
#[utoipa::path(get, path = "/health", tag = "status",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub(super) async fn health(State(s): State<Arc<ApiState>>) -> Response {
    match sqlx::query("SELECT 1").execute(s.store.pool()).await {
        Ok(_) => Json(Health {
            status: "ok".into(),
            error: None,
        })
        .into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "database unavailable".into(),
                error: Some(e.to_string()),
            }),
        )
            .into_response(),
    }
}

/// Readiness: the checkpoint within `--ready-lag` blocks of the head, and the fetcher not
/// stalled (503 otherwise, with the same body).
#[utoipa::path(get, path = "/ready", tag = "status",
    responses((status = 200, body = Ready), (status = 503, body = Ready)))]
pub(super) async fn ready(State(s): State<Arc<ApiState>>) -> Response {
    let st = &s.status;
    let ready = st.ready(s.ready_lag);
    let body = Ready {
        ready,
        head: st.head.get(),
        checkpoint: st.checkpoint.get(),
        finalized: st.finalized.get(),
        lag: st.lag.get(),
        stalled: st.stalled(),
        since_progress_ms: st.since_progress_ms(),
    };
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

/// Prometheus metrics (OpenMetrics text).
#[utoipa::path(get, path = "/metrics", tag = "status",
    responses((status = 200, content_type = "application/openmetrics-text", body = String)))]
pub(super) async fn metrics(State(s): State<Arc<ApiState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.status.render(),
    )
        .into_response()
}

/// One task with its replicas, events and timeline.
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "tasks",
    params(("id" = String, Path, description = "The task id, 0x-hex or decimal")),
    responses((status = 200, body = TaskDetail), (status = 400, body = super::rows::ErrorBody),
        (status = 404, body = super::rows::ErrorBody)))]
pub(super) async fn task(
    State(s): State<Arc<ApiState>>,
    Path(id): Path<String>,
) -> ApiResult<TaskDetail> {
    let key = task_key(&id)?;
    let t: Task = one(&s, "tasks", "task_id", &key, "task").await?;
    let name = s.store.spec_name(&t.columns.spec_hash).await?;
    let mut d = TaskDetail {
        columns: t.columns,
        replica_count: t.replicas,
        name,
        finalized: t.finalized,
        replicas: rows::<Replica>(&s, "replicas", "task_id", &key, "idx").await?,
        assignments: events_of::<Logged<Assignment>>(&s, "assignments", "task_id", &key, None)
            .await?,
        results: events_of::<Logged<ResultRow>>(&s, "results", "task_id", &key, None).await?,
        payments: events_of::<Logged<Payment>>(&s, "payments", "task_id", &key, None).await?,
        slashes: events_of::<Logged<Slash>>(&s, "slashes", "task_id", &key, None).await?,
        timeline: Vec::new(),
    };
    d.timeline = explorer::timeline(&s, &key, &d).await?;
    Ok(Json(d))
}

/// Tasks, newest first, filtered.
#[utoipa::path(get, path = "/api/tasks", tag = "tasks", params(TaskQuery),
    responses((status = 200, body = TaskPage), (status = 400, body = super::rows::ErrorBody)))]
pub(super) async fn tasks(
    State(s): State<Arc<ApiState>>,
    Checked(q): Checked<TaskQuery>,
) -> Response {
    // a crowd on one page costs one read per block
    let key = format!("tasks:{q:?}");
    s.per_block.answer(&s, key, tasks_now(&s, q)).await
}

/// The page `q` asks for, now.
async fn tasks_now(s: &ApiState, q: TaskQuery) -> Result<Vec<u8>, ApiError> {
    let (limit, offset) = page(q.limit, q.offset);
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let mut filter = format!(" FROM tasks t WHERE t.chain_id = {chain}");
    if let Some(v) = q.status {
        filter += &format!(" AND t.status = {}", sql.arg(v.0));
    }
    match q.kind.as_ref().map(|k| k.0.as_str()) {
        Some("service") => filter += " AND t.mode = 'service'",
        Some(_) => filter += " AND t.mode <> 'service'",
        None => {}
    }
    if let Some(v) = q.mode {
        filter += &format!(" AND t.mode = {}", sql.arg(v.0));
    }
    if let Some(v) = q.submitter {
        filter += &format!(" AND t.submitter = {}", sql.arg(v.0));
    }
    if let Some(v) = q.provider {
        filter += &format!(
            " AND EXISTS (SELECT 1 FROM replicas r WHERE r.chain_id = t.chain_id AND r.task_id = t.task_id AND r.provider = {})",
            sql.arg(v.0)
        );
    }
    if offset > MAX_OFFSET {
        return Err(ApiError::bad(
            "offset",
            format!(
                "offset must be at most {MAX_OFFSET}: page deeper with after=<the last task_id of the page before>, got {offset}"
            ),
        ));
    }
    // the total counts the filter's rows; `after` only moves the window past a known task
    let total = s
        .per_block
        .count(
            s,
            &Sql {
                text: format!("SELECT COUNT(*){filter}"),
                args: sql.args.clone(),
            },
        )
        .await?;
    let by_value = q.sort.as_ref().is_some_and(|v| v.0 == "value");
    let asc = q.order.as_ref().is_some_and(|v| v.0 == "asc");
    if let (true, Some(_)) = (by_value, &q.after) {
        return Err(ApiError::bad(
            "after",
            "after pages the creation order only: with sort=value page with offset",
        ));
    }
    if let Some(after) = &q.after {
        let bad = || {
            ApiError::bad(
                "after",
                format!("after must be the task_id of a task in this list (0x-hex), got {after:?}"),
            )
        };
        let key = super::task_key(after).map_err(|_| bad())?;
        let block: Option<i64> = sqlx::query_scalar(
            "SELECT created_block FROM tasks WHERE chain_id = $1 AND task_id = $2",
        )
        .bind(s.chain_id as i64)
        .bind(&key)
        .fetch_optional(s.store.pool())
        .await?;
        let block = block.ok_or_else(bad)?;
        let (b, k) = (sql.arg(block), sql.arg(key));
        let past = if asc { '>' } else { '<' };
        filter += &format!(
            " AND (t.created_block {past} {b} OR (t.created_block = {b} AND t.task_id {past} {k}))"
        );
    }
    let dir = if asc { "ASC" } else { "DESC" };
    // amounts are stored as decimal text without leading zeros: longer is larger
    let order = if by_value {
        format!("LENGTH(t.escrow) {dir}, t.escrow {dir}, t.task_id {dir}")
    } else {
        format!("t.created_block {dir}, t.task_id {dir}")
    };
    let order = order.as_str();
    // The page's JSON is written by the database: one value per page instead of ~40 per row
    // converted, decoded and serialized again (at 500 rows that was most of a page's cost). The
    // object's fields are `Task`'s as serde writes them (a test holds the two equal on both
    // databases). The window is cut first, so the subqueries run for its rows only.
    let f = sql.arg(finalized(s).await?);
    let window = format!(
        "SELECT t.*{filter} ORDER BY {order} LIMIT {} OFFSET {}",
        sql.arg(limit as i64),
        sql.arg(offset as i64)
    );
    let fields = task_json_fields(s.store.backend(), &f);
    sql.text = match s.store.backend() {
        // SQLite runs a subquery with a LIMIT as a co-routine whose rows the aggregate takes in
        // its order (an ORDER BY in the aggregate sorts the built objects again: half the
        // pages per second); the state test checks the order of every sort
        Backend::Sqlite => format!(
            "SELECT COALESCE(json_group_array(json_object({fields})), '[]') FROM ({window}) t"
        ),
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_object({fields}) ORDER BY {order})::text, '[]') \
             FROM ({window}) t"
        ),
    };
    let items: String = sql
        .fetch(&s.store)
        .await?
        .first()
        .map(|r| r.try_get(0))
        .transpose()?
        .unwrap_or_else(|| "[]".into());
    Ok(
        format!(r#"{{"items":{items},"total":{total},"limit":{limit},"offset":{offset}}}"#)
            .into_bytes(),
    )
}

/// The arguments of the JSON object of a listed task (SQLite's `json_object`, Postgres'
/// `json_build_object`) from the row `t`: its columns (the writer's list), the name its spec
/// gives itself, its creation time (its block's) and whether its last change is final (`f`:
/// the placeholder of the final block) — the fields of [`Task`].
fn task_json_fields(backend: Backend, f: &str) -> String {
    let mut out: Vec<String> = TaskRow::COLUMNS
        .iter()
        .map(|c| format!("'{c}', t.{c}"))
        .collect();
    out.push("'name', (SELECT n.name FROM spec_names n WHERE n.spec_hash = t.spec_hash)".into());
    out.push(
        "'created_at', (SELECT b.timestamp FROM blocks b \
         WHERE b.chain_id = t.chain_id AND b.number = t.created_block)"
            .into(),
    );
    out.push(match backend {
        // a comparison is 0 or 1 in SQLite; json() makes it JSON's true or false
        Backend::Sqlite => format!(
            "'finalized', json(CASE WHEN t.updated_block <= {f} THEN 'true' ELSE 'false' END)"
        ),
        Backend::Postgres => format!("'finalized', (t.updated_block <= {f})"),
    });
    out.join(", ")
}

/// The deepest `offset` a task list serves: past it the keyset (`after=`) pages at the cost of
/// the first page, where an offset walks every row before it.
pub(super) const MAX_OFFSET: u64 = 10_000;

/// Providers, filtered and sorted.
#[utoipa::path(get, path = "/api/providers", tag = "providers", params(ProviderQuery),
    responses((status = 200, body = ProviderPage), (status = 400, body = super::rows::ErrorBody)))]
pub(super) async fn providers(
    State(s): State<Arc<ApiState>>,
    Checked(q): Checked<ProviderQuery>,
) -> Response {
    // a crowd on one page costs one read per block
    let key = format!("providers:{q:?}");
    s.per_block
        .answer(&s, key, to_json(providers_now(&s, q)))
        .await
}

/// The page `q` asks for, now.
async fn providers_now(s: &ApiState, q: ProviderQuery) -> Result<ProviderPage, ApiError> {
    let sort = q.sort.map_or_else(|| "reputation".to_owned(), |v| v.0);
    let (limit, offset) = page(q.limit, q.offset);
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let mut filter = format!(" FROM providers WHERE chain_id = {chain}");
    if let Some(v) = q.status {
        filter += &format!(" AND status = {}", sql.arg(v.0));
    }
    if let Some(v) = q.region {
        filter += &format!(" AND region = {}", sql.arg(v));
    }
    if let Some(v) = q.gpu_model {
        filter += &format!(" AND gpu_model = {}", sql.arg(v));
    }
    for (min, col) in [
        (q.min_cpu, "cpu_cores"),
        (q.min_memory, "memory_gib"),
        (q.min_gpu, "gpu_count"),
    ] {
        if let Some(v) = min {
            filter += &format!(" AND {col} >= {}", sql.arg(v.0 as i64));
        }
    }
    let order = match sort.as_str() {
        "price" => "price_f ASC, address",
        "free" => "free_f DESC, address",
        _ => "reputation DESC, completed DESC, address",
    };
    let (items, total) = page_of(s, sql, "*", &filter, order, (limit, offset)).await?;
    Ok(ProviderPage {
        items,
        total,
        limit,
        offset,
        sort,
    })
}

/// The most replicas, collateral events, slashes and payments a provider's detail shows (the
/// newest).
const PROVIDER_NEWEST: u32 = 100;

/// One provider with its newest replicas, collateral events, slashes and payments.
#[utoipa::path(get, path = "/api/providers/{address}", tag = "providers",
    params(("address" = String, Path, description = "The provider's 0x address")),
    responses((status = 200, body = ProviderDetail), (status = 400, body = super::rows::ErrorBody),
        (status = 404, body = super::rows::ErrorBody)))]
pub(super) async fn provider(
    State(s): State<Arc<ApiState>>,
    Path(address): Path<String>,
) -> Response {
    let Some(key) = parse_address(&address) else {
        return ApiError::bad(
            "address",
            format!("address must be a 0x-prefixed 20-byte hex address, got {address:?}"),
        )
        .into_response();
    };
    // a crowd on one provider costs one read per block (its counts walk every task it ran)
    let cache = format!("provider:{key}");
    s.per_block
        .answer(&s, cache, to_json(provider_now(&s, key)))
        .await
}

/// The provider `key`'s detail, now.
async fn provider_now(s: &ApiState, key: String) -> Result<ProviderDetail, ApiError> {
    let p: Provider = one(s, "providers", "address", &key, "provider").await?;
    // a busy provider has a replica and a payment per task it ran: the detail shows the newest
    // (its work per request stays bounded) and how many there are; /api/tasks?provider= pages
    let n = PROVIDER_NEWEST;
    let replicas = keyed(s, &key, |chain, k| {
        format!(
            "SELECT * FROM replicas WHERE chain_id = {chain} AND provider = {k} \
             ORDER BY assigned_block DESC, task_id, idx LIMIT {n}"
        )
    })
    .await?;
    Ok(ProviderDetail {
        provider: p,
        replicas,
        replicas_total: count_of(s, "replicas", "provider", &key).await?,
        collateral: events_of::<Logged<CollateralEvent>>(
            s,
            "collateral_events",
            "provider",
            &key,
            Some(n),
        )
        .await?,
        slashes: events_of::<Logged<Slash>>(s, "slashes", "provider", &key, Some(n)).await?,
        slashes_total: count_of(s, "slashes", "provider", &key).await?,
        payments: events_of::<Logged<Payment>>(s, "payments", "account", &key, Some(n)).await?,
        payments_total: count_of(s, "payments", "account", &key).await?,
    })
}

/// Logs of the market and the registry, decoded, in chain order (or newest first).
#[utoipa::path(get, path = "/api/events", tag = "events", params(EventQuery),
    responses((status = 200, body = EventPage), (status = 400, body = super::rows::ErrorBody)))]
pub(super) async fn events(
    State(s): State<Arc<ApiState>>,
    Checked(q): Checked<EventQuery>,
) -> Response {
    // a crowd on one page costs one read per block
    let key = format!("events:{q:?}");
    s.per_block
        .answer(&s, key, to_json(events_now(&s, q)))
        .await
}

/// The page `q` asks for, now.
async fn events_now(s: &ApiState, q: EventQuery) -> Result<EventPage, ApiError> {
    let from = q.from_block.map_or(0, |v| v.0);
    let (limit, offset) = page(q.limit, q.offset);
    let mut sql = Sql::default();
    let chain = sql.arg(s.chain_id as i64);
    let mut filter = format!(
        " FROM raw_logs WHERE chain_id = {chain} AND block_number >= {}",
        sql.arg(from as i64)
    );
    if let Some(v) = q.event {
        filter += &format!(" AND event = {}", sql.arg(v.0));
    }
    if let Some(v) = q.tx {
        filter += &format!(" AND tx_hash = {}", sql.arg(v.0.to_vec()));
    }
    let dir = match q.order {
        Some(o) if o.0 == "desc" => "DESC",
        _ => "ASC",
    };
    sql.text = format!(
        "SELECT block_number, log_index, block_hash, tx_hash, event, topics, data{filter} ORDER BY block_number {dir}, log_index {dir} LIMIT {} OFFSET {}",
        sql.arg(limit as i64),
        sql.arg(offset as i64)
    );
    let f = finalized(s).await?;
    let logs: Vec<LogEvent> = finals(sql.rows(&s.store).await?, f);
    let items = logs
        .into_iter()
        .map(|log| {
            let topics: Vec<alloy::primitives::B256> = log
                .topics
                .0
                .split(',')
                .filter_map(|t| t.parse().ok())
                .collect();
            let data = alloy::hex::decode(&log.data.0).unwrap_or_default();
            let args = crate::events::decoded_args(&topics, &data);
            super::rows::Event { log, args }
        })
        .collect();
    Ok(EventPage {
        items,
        limit,
        offset,
    })
}

/// Market totals: tasks and providers by status, utilization, volume, fees, slashes.
#[utoipa::path(get, path = "/api/stats", tag = "market", responses((status = 200, body = Stats)))]
pub(super) async fn stats(State(s): State<Arc<ApiState>>) -> Response {
    s.per_block
        .answer(&s, "stats".into(), to_json(stats_now(&s)))
        .await
}

/// The market's figures now.
async fn stats_now(s: &ApiState) -> Result<Stats, ApiError> {
    let chain = s.chain_id as i64;
    let one = |text: &str| Sql {
        text: text.to_owned(),
        args: vec![chain.into()],
    };
    let by_status = |rows: Vec<sqlx::any::AnyRow>| -> Result<Vec<(String, i64)>, sqlx::Error> {
        rows.iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect()
    };
    let mut tasks: BTreeMap<String, i64> = TASK_STATUS[1..]
        .iter()
        .map(|st| ((*st).to_owned(), 0))
        .collect();
    tasks.extend(by_status(
        one("SELECT status, COUNT(*) FROM tasks WHERE chain_id = $1 GROUP BY status")
            .fetch(&s.store)
            .await?,
    )?);
    let providers: BTreeMap<String, i64> = by_status(
        one("SELECT status, COUNT(*) FROM providers WHERE chain_id = $1 GROUP BY status")
            .fetch(&s.store)
            .await?,
    )?
    .into_iter()
    .collect();
    // utilization: share of active providers running at least one replica
    let busy = one(
        "SELECT COUNT(*) FROM providers WHERE chain_id = $1 AND status = 'active' AND running > 0",
    )
    .count(&s.store)
    .await?;
    let active = providers.get("active").copied().unwrap_or(0);
    let running = one("SELECT COUNT(*) FROM replicas WHERE chain_id = $1 AND status IN ('assigned', 'submitted', 'revealed')").count(&s.store).await?;
    let market =
        one("SELECT volume, fees, slashed, refunded, escrowed FROM market WHERE chain_id = $1")
            .fetch(&s.store)
            .await?;
    let total = |col: &str| -> Result<String, sqlx::Error> {
        match market.first() {
            Some(r) => r.try_get::<String, _>(col),
            None => Ok("0".into()),
        }
    };
    let events = one("SELECT COUNT(*) FROM raw_logs WHERE chain_id = $1")
        .count(&s.store)
        .await?;
    Ok(Stats {
        chain_id: s.chain_id,
        open_tasks: tasks.get("open").copied().unwrap_or(0),
        tasks,
        providers,
        running_replicas: running,
        utilization: if active > 0 {
            busy as f64 / active as f64
        } else {
            0.0
        },
        volume: total("volume")?,
        fees: total("fees")?,
        slashed: total("slashed")?,
        refunded: total("refunded")?,
        escrowed: total("escrowed")?,
        events,
        checkpoint: s.status.checkpoint.get(),
        finalized: finalized(s).await?,
    })
}
