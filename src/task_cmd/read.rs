//! `swan task status`: a task and its replicas as the chain holds them, in people's units (SWAN,
//! dates, durations), or with `--json` in the machine's (wei as decimal strings, unix seconds).

use alloy::primitives::U256;
use serde_json::json;
use swan_contracts::{
    MODES, REPLICA_STATUS, TASK_STATUS,
    explain::explain,
    mode::SERVICE_HEALTH,
    name_of,
    task_status::{self, NONE},
    units::{date, duration, swan},
};

use super::TaskError;
use crate::wallet::{Conn, rpc_error};

/// A task as read from the chain.
pub(crate) struct Read {
    pub(crate) id: U256,
    pub(crate) task: swan_contracts::ISwanMarket::Task,
    pub(crate) replicas: Vec<swan_contracts::ISwanMarket::Replica>,
    /// A service's paid window (started, ends), zero until assigned.
    pub(crate) window: (u64, u64),
}

impl Read {
    /// Whether it is a service.
    pub(crate) fn is_service(&self) -> bool {
        self.task.mode == SERVICE_HEALTH
    }

    /// Its status's name.
    pub(crate) fn status(&self) -> &'static str {
        name_of(&TASK_STATUS, self.task.status)
    }

    /// Its mode's name.
    pub(crate) fn mode(&self) -> &'static str {
        name_of(&MODES, self.task.mode)
    }
}

fn secs(v: U256) -> u64 {
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// Read task `id` and its replicas.
pub(crate) async fn read(c: &Conn, id: U256) -> Result<Read, TaskError> {
    let m = c.market();
    let task = m.getTask(id).call().await.map_err(|e| {
        match e.as_revert_data().and_then(|d| explain(&d)) {
            Some(sentence) => TaskError::Chain(sentence),
            None => rpc_error("getTask", e).into(),
        }
    })?;
    if task.status == NONE {
        return Err(TaskError::Arg(format!(
            "no task {id:#x} on this market: check the id and --manifest"
        )));
    }
    let mut replicas = Vec::new();
    for i in 0..task.replicas {
        replicas.push(
            m.getReplica(id, U256::from(i))
                .call()
                .await
                .map_err(|e| rpc_error("getReplica", e))?,
        );
    }
    let mut window = (0, 0);
    if task.mode == SERVICE_HEALTH && task.status != task_status::NONE {
        let w = m
            .serviceWindow(id)
            .call()
            .await
            .map_err(|e| rpc_error("serviceWindow", e))?;
        window = (secs(w.startedAt), secs(w.endsAt));
    }
    Ok(Read {
        id,
        task,
        replicas,
        window,
    })
}

/// The task in people's units.
pub(crate) fn text(r: &Read) -> String {
    let t = &r.task;
    let price = U256::from(t.price);
    let mut out = format!(
        "task          {:#x}\nstatus        {}\nmode          {}\nreplicas      {}\n",
        r.id,
        r.status(),
        r.mode(),
        t.replicas
    );
    if t.quorum > 0 {
        out += &format!("quorum        {}\n", t.quorum);
    }
    out += &format!(
        "collateral    {} % of each replica's price\n",
        t.collateralPct
    );
    out += &format!("assign by     {}\n", date(t.assignBy.into()));
    if r.is_service() {
        out += &format!("price cap     {} per second per replica\n", swan(price));
        out += &format!("runs for      {}\n", duration(t.resultBy.into()));
        if r.window.0 > 0 {
            out += &format!(
                "running       from {} until {}\n",
                date(r.window.0),
                date(r.window.1)
            );
        }
    } else {
        out += &format!("price cap     {} per replica\n", swan(price));
        out += &format!("result by     {}\n", date(t.resultBy.into()));
        out += &format!("settle by     {}\n", date(t.settleBy.into()));
    }
    let per = if r.is_service() { " per second" } else { "" };
    for (i, rep) in r.replicas.iter().enumerate() {
        if rep.status != 0 {
            out += &format!(
                "replica {i}     {:#x} at {}{per} — {}\n",
                rep.provider,
                swan(U256::from(rep.price)),
                name_of(&REPLICA_STATUS, rep.status)
            );
        }
    }
    out
}

/// The task in the machine's units (`--json`): amounts as decimal strings of the token's
/// smallest unit, times as unix seconds, durations in seconds, names as the indexer stores them.
pub(crate) fn json(r: &Read) -> serde_json::Value {
    let t = &r.task;
    json!({
        "task_id": format!("{:#x}", r.id),
        "status": r.status(),
        "mode": r.mode(),
        "replicas": t.replicas,
        "quorum": t.quorum,
        "collateral_pct": t.collateralPct,
        "params_version": t.paramsVersion,
        "price": U256::from(t.price).to_string(),
        "assign_by": t.assignBy,
        "result_by": if r.is_service() { None } else { Some(t.resultBy) },
        "settle_by": if r.is_service() { None } else { Some(t.settleBy) },
        "duration": if r.is_service() { Some(t.resultBy) } else { None },
        "service_window": if r.window.0 > 0 {
            json!({"started_at": r.window.0, "ends_at": r.window.1})
        } else {
            serde_json::Value::Null
        },
        "replica_list": r.replicas.iter().enumerate().filter(|(_, x)| x.status != 0).map(|(i, x)| json!({
            "index": i,
            "provider": format!("{:#x}", x.provider),
            "price": U256::from(x.price).to_string(),
            "status": name_of(&REPLICA_STATUS, x.status),
        })).collect::<Vec<_>>(),
    })
}
