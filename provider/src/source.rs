//! Where the agent learns what is assigned to it: the indexer's HTTP API when one is configured
//! and answers, else the chain's own events (`TaskAssigned` naming this provider, `TaskCreated` for the spec)
//! and the market's view functions. Both give the same [`Assignment`]s.

use std::collections::BTreeMap;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use serde_json::Value;
use swan_contracts::SwanMarket;

use crate::chain::Chain;

/// A replica of a live task held by this provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Task id.
    pub task: U256,
    /// Replica index.
    pub replica: u32,
    /// Verification mode as the indexer names it (`keeper_attested`, `known_answer`, `quorum`,
    /// `service`).
    pub mode: String,
    /// The replica's status (`assigned`, `submitted`, `revealed`, …).
    pub status: String,
    /// The spec's URI and hash.
    pub spec_uri: String,
    /// `keccak256` of the spec.
    pub spec_hash: B256,
    /// Results due (quorum: commits).
    pub result_by: u64,
    /// Verdict (quorum: reveals) due.
    pub settle_by: u64,
}

/// Why the assignments could not be read (retried on the next poll).
#[derive(Debug, thiserror::Error)]
#[error("reading assignments: {0}")]
pub struct SourceError(pub String);

/// The indexer API, with the chain as the fallback (or the chain alone).
#[derive(Debug)]
pub struct Source {
    /// The indexer's read API: base URL and client.
    indexer: Option<(String, reqwest::Client)>,
    /// Chain scanning: the next block to scan.
    next: u64,
    /// Tasks seen assigned to this provider on chain: replica indexes, spec URI and hash.
    known: BTreeMap<U256, (Vec<u32>, String, B256)>,
}

impl Source {
    /// The indexer at `url` (falling back to the chain when it fails), or the chain alone when
    /// `None`.
    pub fn new(indexer: Option<&str>, start_block: u64) -> Self {
        Self {
            indexer: indexer.map(|u| {
                let http = reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(10))
                    .build()
                    .expect("an HTTP client");
                (u.trim_end_matches('/').to_owned(), http)
            }),
            next: start_block,
            known: BTreeMap::new(),
        }
    }

    /// The replicas of assigned (live) tasks held by `owner`: from the indexer; from chain
    /// events when there is none or it fails (a stopped indexer does not stop the work).
    pub async fn assigned(
        &mut self,
        chain: &Chain,
        owner: Address,
    ) -> Result<Vec<Assignment>, SourceError> {
        if let Some((url, http)) = &self.indexer {
            match from_indexer(http, url, owner).await {
                Ok(a) => return Ok(a),
                Err(e) => {
                    tracing::warn!(error = %e, "the indexer fails: reading chain events instead")
                }
            }
        }
        from_chain(chain, owner, &mut self.next, &mut self.known).await
    }
}

async fn get(http: &reqwest::Client, url: &str) -> Result<Value, SourceError> {
    let r = http
        .get(url)
        .send()
        .await
        .map_err(|e| SourceError(format!("{url}: {e}")))?;
    let status = r.status();
    let body: Value = r
        .json()
        .await
        .map_err(|e| SourceError(format!("{url}: not JSON ({e})")))?;
    if !status.is_success() {
        return Err(SourceError(format!("{url}: HTTP {status}: {body}")));
    }
    Ok(body)
}

fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value, SourceError> {
    v.get(name)
        .ok_or_else(|| SourceError(format!("the indexer's answer has no `{name}`")))
}

fn text(v: &Value, name: &str) -> Result<String, SourceError> {
    field(v, name)?
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| SourceError(format!("`{name}` is not text")))
}

fn int(v: &Value, name: &str) -> Result<u64, SourceError> {
    field(v, name)?
        .as_i64()
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| SourceError(format!("`{name}` is not a whole number")))
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, SourceError> {
    s.parse()
        .map_err(|_| SourceError(format!("`{what}` {s:?} does not parse")))
}

async fn from_indexer(
    http: &reqwest::Client,
    url: &str,
    owner: Address,
) -> Result<Vec<Assignment>, SourceError> {
    let me = format!("{owner:#x}");
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = get(
            http,
            &format!("{url}/api/tasks?provider={me}&status=assigned&limit=500&offset={offset}"),
        )
        .await?;
        let items = field(&page, "items")?
            .as_array()
            .cloned()
            .unwrap_or_default();
        let n = items.len();
        for t in items {
            let id = text(&t, "task_id")?;
            let full = get(http, &format!("{url}/api/tasks/{id}")).await?;
            let task: U256 = parse(&id, "task_id")?;
            for r in field(&full, "replicas")?.as_array().into_iter().flatten() {
                if text(r, "provider")?.eq_ignore_ascii_case(&me) {
                    out.push(Assignment {
                        task,
                        replica: int(r, "idx")? as u32,
                        mode: text(&full, "mode")?,
                        status: text(r, "status")?,
                        spec_uri: text(&full, "spec_uri")?,
                        spec_hash: parse(&text(&full, "spec_hash")?, "spec_hash")?,
                        result_by: int(&full, "result_by")?,
                        settle_by: int(&full, "settle_by")?,
                    });
                }
            }
        }
        if n < 500 {
            return Ok(out);
        }
        offset += 500;
    }
}

async fn from_chain(
    chain: &Chain,
    owner: Address,
    next: &mut u64,
    known: &mut BTreeMap<U256, (Vec<u32>, String, B256)>,
) -> Result<Vec<Assignment>, SourceError> {
    let rpc = |e: alloy::transports::RpcError<_>| SourceError(e.to_string());
    let p = chain.reader();
    let head = p.get_block_number().await.map_err(rpc)?;
    let market = chain.manifest.market;
    while *next <= head {
        let to = head.min(*next + 9_999);
        let logs = p
            .get_logs(
                &Filter::new()
                    .address(market)
                    .event_signature(SwanMarket::TaskAssigned::SIGNATURE_HASH)
                    .from_block(*next)
                    .to_block(to),
            )
            .await
            .map_err(rpc)?;
        for log in logs {
            let e = SwanMarket::TaskAssigned::decode_log(&log.inner)
                .map_err(|e| SourceError(format!("TaskAssigned does not decode: {e}")))?;
            let mine: Vec<u32> = (0..e.providers.len())
                .filter(|&i| e.providers[i] == owner)
                .map(|i| i as u32)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let created = p
                .get_logs(
                    &Filter::new()
                        .address(market)
                        .event_signature(SwanMarket::TaskCreated::SIGNATURE_HASH)
                        .topic1(B256::from(e.taskId))
                        .from_block(chain.manifest.start_block),
                )
                .await
                .map_err(rpc)?;
            let c = created
                .first()
                .map(|l| SwanMarket::TaskCreated::decode_log(&l.inner))
                .transpose()
                .map_err(|e| SourceError(format!("TaskCreated does not decode: {e}")))?
                .ok_or_else(|| SourceError(format!("no TaskCreated for task {:#x}", e.taskId)))?;
            known.insert(
                e.taskId,
                (mine, c.request.specURI.clone(), c.request.specHash),
            );
        }
        *next = to + 1;
    }
    let m = chain.market();
    let mut out = Vec::new();
    let mut ended = Vec::new();
    for (task, (mine, uri, hash)) in known.iter() {
        let t = m
            .getTask(*task)
            .call()
            .await
            .map_err(|e| SourceError(e.to_string()))?;
        if t.status != 2 {
            ended.push(*task);
            continue;
        }
        for &i in mine {
            let r = m
                .getReplica(*task, U256::from(i))
                .call()
                .await
                .map_err(|e| SourceError(e.to_string()))?;
            out.push(Assignment {
                task: *task,
                replica: i,
                mode: swan_contracts::name_of(&swan_contracts::MODES, t.mode).to_owned(),
                status: swan_contracts::name_of(&swan_contracts::REPLICA_STATUS, r.status)
                    .to_owned(),
                spec_uri: uri.clone(),
                spec_hash: *hash,
                result_by: t.resultBy.into(),
                settle_by: t.settleBy.into(),
            });
        }
    }
    for t in ended {
        known.remove(&t);
    }
    Ok(out)
}
