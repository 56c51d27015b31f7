//! `swan task …`: create a task from a spec file, read its status, list tasks, and the
//! submitter's own calls (cancel, extend, terminate). The submitter's key comes from
//! `--keystore` (with `--password-file` or a prompt) or `SWAN_PRIVATE_KEY`, never from a flag.

use std::path::{Path, PathBuf};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::Provider,
};
use clap::{Args, Subcommand};

use swan_contracts::{SwanMarket, task_status, units};

use crate::wallet::{ChainError, ChainOpts, Conn, rpc_error};

mod read;
mod result;
mod told;

use swan_spec::{Publish, TaskSpec, answer_commit};
use told::{probe_evidence, service_address, why_waiting};

/// Options every task command takes.
#[derive(Debug, Clone, Args)]
pub(crate) struct TaskArgs {
    #[command(flatten)]
    chain: ChainOpts,
    /// The indexer's API, for `list` and `result`.
    #[arg(
        long,
        env = "SWAN_INDEXER_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    indexer_url: String,
    #[command(subcommand)]
    command: TaskCommand,
}

#[derive(Debug, Clone, Subcommand)]
enum TaskCommand {
    /// Create a task from a spec file: escrows its price, prints its id.
    ///
    /// Example: `SWAN_PRIVATE_KEY=0x… swan task create job.yaml --spec-uri https://example.org/job.yaml`
    Create {
        /// The task spec (YAML; see the README's "Task spec").
        spec: PathBuf,
        /// Where keepers and providers fetch the spec (default: file://<absolute path>, which
        /// only a local devnet can read).
        #[arg(long)]
        spec_uri: Option<String>,
        /// Known-answer tasks: a file with the expected result; its hash is committed with a
        /// fresh salt, and the command to hand both to the keeper is printed.
        #[arg(long)]
        answer: Option<PathBuf>,
    },
    /// A task's state and its replicas, read from the chain.
    ///
    /// Example: `swan task status 0x…`
    Status {
        /// Task id (0x-hex or decimal).
        id: U256,
        /// Print JSON in the machine's units (wei, unix seconds) for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Fetch a replica's result by the indexer's record, check it against the hash its provider
    /// committed on chain, and save it (a service: print its address).
    ///
    /// Example: `swan task result 0x… --out result.json`
    Result {
        /// Task id.
        id: U256,
        /// Which replica (default: a paid one, else the first with a result).
        #[arg(long)]
        replica: Option<u32>,
        /// Where to save it (default: ./<task>-<replica>.result).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Fetch file:// results (a local devnet only).
        #[arg(long)]
        allow_files: bool,
        /// IPFS gateway for ipfs:// results.
        #[arg(long, default_value = "https://ipfs.io")]
        ipfs_gateway: String,
    },
    /// Tasks from the indexer (newest first).
    ///
    /// Example: `swan task list --status assigned`
    List {
        /// Only this status (open, assigned, completed, failed, cancelled).
        #[arg(long)]
        status: Option<String>,
        /// Only tasks created by this address.
        #[arg(long)]
        submitter: Option<Address>,
        /// At most this many.
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Print the indexer's JSON page (machine units) for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Known-answer tasks: reveal the committed answer. Anyone holding the answer and its salt
    /// may (no keeper needed); the market accepts it once every replica has committed (or the
    /// result deadline passed), and the task settles when every replica has revealed.
    ///
    /// Example: `swan task reveal 0x… --expected 0x… --salt 0x…`
    Reveal {
        /// Task id.
        id: U256,
        /// The expected result's keccak256 (as `swan task create --answer` printed it).
        #[arg(long)]
        expected: B256,
        /// The salt committed with it.
        #[arg(long)]
        salt: B256,
    },
    /// Cancel an open task (refunds its escrow).
    Cancel {
        /// Task id.
        id: U256,
    },
    /// Extend a running service by a duration (e.g. 10m, 1h).
    ///
    /// Example: `swan task extend 0x… 30m`
    Extend {
        /// Task id.
        id: U256,
        /// How much longer.
        duration: String,
    },
    /// End a running service now (the unused part is refunded).
    Terminate {
        /// Task id.
        id: U256,
    },
}

/// Why a task command failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TaskError {
    /// The chain, the key or the manifest.
    #[error(transparent)]
    Wallet(#[from] ChainError),
    /// The spec.
    #[error("{path}: {source}")]
    Spec {
        /// The file.
        path: String,
        /// What is wrong.
        source: swan_spec::SpecError,
    },
    /// A file.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A bad argument.
    #[error("{0}")]
    Arg(String),
    /// The chain refused or failed.
    #[error("{0}")]
    Chain(String),
}

fn read(path: &Path) -> Result<Vec<u8>, TaskError> {
    std::fs::read(path).map_err(|source| TaskError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// What `create` did.
pub(crate) struct Created {
    /// The task id.
    pub(crate) id: U256,
    /// Expected and salt, for known-answer tasks.
    pub(crate) answer: Option<(B256, B256)>,
}

/// Create a task from `spec_path` as the connection's key.
pub(crate) async fn create(
    c: &Conn,
    spec_path: &Path,
    spec_uri: Option<String>,
    answer: Option<&Path>,
) -> Result<Created, TaskError> {
    let bytes = read(spec_path)?;
    let parsed = TaskSpec::parse(&bytes).map_err(|source| TaskError::Spec {
        path: spec_path.display().to_string(),
        source,
    })?;
    let uri = match spec_uri {
        Some(u) => u,
        None => {
            let abs = spec_path.canonicalize().map_err(|source| TaskError::Read {
                path: spec_path.display().to_string(),
                source,
            })?;
            format!("file://{}", abs.display())
        }
    };
    let answer = match answer {
        Some(path) => {
            let expected = keccak256(read(path)?);
            Some((expected, B256::from(rand::random::<[u8; 32]>())))
        }
        None => None,
    };
    let now =
        c.p.get_block_by_number(Default::default())
            .await
            .map_err(|e| rpc_error("reading the chain's time", e))?
            .map(|b| b.header.timestamp)
            .unwrap_or_default();
    // the creator signs up for the parameters in force now; a change in between is refused
    let params_version = c
        .market()
        .paramsVersion()
        .call()
        .await
        .map_err(|e| rpc_error("reading the market's parameter version", e))?;
    let publish = Publish {
        uri,
        answer_commit: answer.map(|(e, s)| answer_commit(e, s)),
        params_version,
    };
    let req = parsed
        .spec
        .request(parsed.hash, now, &publish)
        .map_err(|source| TaskError::Spec {
            path: spec_path.display().to_string(),
            source,
        })?;
    let escrow = parsed.spec.escrow().map_err(|source| TaskError::Spec {
        path: spec_path.display().to_string(),
        source,
    })?;
    // the id the chain gave this task, from its receipt: the task counter is market-wide, so an
    // id read before sending is another submitter's when two create in the same block
    let receipt = c
        .paying(
            "createTask",
            escrow,
            c.market().createTask(req).into_transaction_request(),
        )
        .await?;
    let id = receipt
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == c.manifest.market)
        .find_map(|l| l.log_decode::<SwanMarket::TaskCreated>().ok())
        .map(|created| created.inner.taskId)
        .ok_or_else(|| {
            TaskError::Chain(format!(
                "createTask: transaction {} emitted no TaskCreated",
                receipt.transaction_hash
            ))
        })?;
    Ok(Created { id, answer })
}

/// Run a task command.
#[allow(clippy::print_stdout)]
pub(crate) async fn run(a: TaskArgs) -> Result<(), TaskError> {
    match &a.command {
        TaskCommand::Create {
            spec,
            spec_uri,
            answer,
        } => {
            let c = Conn::open(&a.chain, true).await?;
            let created = create(&c, spec, spec_uri.clone(), answer.as_deref()).await?;
            println!("task {:#x}", created.id);
            if let Some((expected, salt)) = created.answer {
                println!(
                    "keep the answer secret until every replica has committed its result, then reveal it:\n  swan task reveal {id:#x} --expected {expected} --salt {salt}\n(or hand it to a keeper you run: swan keeper answer --task {id:#x} --expected {expected} --salt {salt})",
                    id = created.id
                );
            }
        }
        TaskCommand::Status { id, json } => {
            let c = Conn::open(&a.chain, false).await?;
            let r = read::read(&c, *id).await?;
            if *json {
                println!("{:#}", read::json(&r));
            } else {
                print!("{}", read::text(&r));
                // why an open task waits: the keeper's last allocation, relayed by the indexer
                if r.task.status == task_status::OPEN {
                    let base = a.indexer_url.trim_end_matches('/');
                    println!("waiting       {}", why_waiting(base, *id).await);
                }
                // a failed service: the probes that failed it, as the keeper recorded them
                if r.is_service() && r.status() == "failed" {
                    let base = a.indexer_url.trim_end_matches('/');
                    for line in probe_evidence(base, *id).await {
                        println!("{line}");
                    }
                }
                // where a running service answers: its provider's endpoint, as the keeper
                // probes it (the endpoint is in the registry's events: the indexer has them)
                if r.is_service() && r.task.status == task_status::ASSIGNED {
                    let base = a.indexer_url.trim_end_matches('/');
                    for (i, x) in r.replicas.iter().enumerate() {
                        if x.status != REPLICA_ASSIGNED {
                            continue;
                        }
                        let line = match service_address(base, x.provider, *id, i as u32).await {
                            Ok(url) => url,
                            Err(why) => format!("unknown: {why}"),
                        };
                        println!("serves at     {line} (replica {i})");
                    }
                }
            }
        }
        TaskCommand::List {
            status,
            submitter,
            limit,
            json,
        } => {
            let mut url = format!(
                "{}/api/tasks?limit={limit}",
                a.indexer_url.trim_end_matches('/')
            );
            if let Some(s) = status {
                url += &format!("&status={s}");
            }
            if let Some(s) = submitter {
                url += &format!("&submitter={s:#x}");
            }
            let body = list(&url).await?;
            if *json {
                println!("{body:#}");
                return Ok(());
            }
            println!(
                "{:<68} {:<16} {:<10} {:>8}",
                "task", "mode", "status", "replicas"
            );
            for t in body["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<68} {:<16} {:<10} {:>8}",
                    t["task_id"].as_str().unwrap_or("?"),
                    t["mode"].as_str().unwrap_or("?"),
                    t["status"].as_str().unwrap_or("?"),
                    t["replicas"]
                );
            }
            println!(
                "{} of {}",
                body["items"].as_array().map_or(0, Vec::len),
                body["total"]
            );
        }
        TaskCommand::Result {
            id,
            replica,
            out,
            allow_files,
            ipfs_gateway,
        } => {
            let fetcher = swan_spec::fetch::Fetcher::new(
                ipfs_gateway,
                *allow_files,
                std::time::Duration::from_secs(60),
            );
            let said =
                result::result(&a.indexer_url, *id, *replica, out.as_deref(), &fetcher).await?;
            println!("{said}");
        }
        TaskCommand::Reveal { id, expected, salt } => {
            let c = Conn::open(&a.chain, true).await?;
            c.send(
                "revealAnswer",
                c.market()
                    .revealAnswer(*id, *expected, *salt)
                    .into_transaction_request(),
            )
            .await?;
            println!("answer revealed for task {id:#x}");
        }
        TaskCommand::Cancel { id } => {
            let c = Conn::open(&a.chain, true).await?;
            c.send(
                "cancelTask",
                c.market().cancelTask(*id).into_transaction_request(),
            )
            .await?;
            println!("task {id:#x} cancelled");
        }
        TaskCommand::Extend { id, duration } => {
            let secs = humantime::parse_duration(duration)
                .map_err(|e| {
                    TaskError::Arg(format!(
                        "DURATION {duration:?} is not a duration ({e}); write e.g. 90s, 10m or 1h"
                    ))
                })?
                .as_secs();
            let secs = u32::try_from(secs).ok().filter(|s| *s > 0).ok_or_else(|| {
                TaskError::Arg("DURATION must be from 1s to about 136 years".into())
            })?;
            let c = Conn::open(&a.chain, true).await?;
            let r = running_service(&c, *id, "extended").await?;
            // what the market takes: the running replicas' rates for the extra time
            let rate: U256 = r
                .replicas
                .iter()
                .filter(|x| x.status == REPLICA_ASSIGNED)
                .map(|x| U256::from(x.price))
                .sum();
            let cost = rate * U256::from(secs);
            c.paying(
                "extendService",
                cost,
                c.market()
                    .extendService(*id, secs)
                    .into_transaction_request(),
            )
            .await?;
            let after = read::read(&c, *id).await?;
            println!(
                "task {id:#x} extended by {}: it runs until {} (paid {})",
                units::duration(secs.into()),
                units::date(after.window.1),
                units::swan(cost)
            );
        }
        TaskCommand::Terminate { id } => {
            let c = Conn::open(&a.chain, true).await?;
            running_service(&c, *id, "terminated").await?;
            c.send(
                "terminateService",
                c.market().terminateService(*id).into_transaction_request(),
            )
            .await?;
            println!("task {id:#x} terminated");
        }
    }
    Ok(())
}

async fn list(url: &str) -> Result<serde_json::Value, TaskError> {
    let r = reqwest::get(url).await.map_err(|e| {
        TaskError::Chain(format!(
            "the indexer at {url} does not answer ({e}); is it running, and --indexer-url right?"
        ))
    })?;
    let status = r.status();
    let body: serde_json::Value = r
        .json()
        .await
        .map_err(|e| TaskError::Chain(format!("{url}: not JSON ({e})")))?;
    if !status.is_success() {
        return Err(TaskError::Arg(format!(
            "the indexer refuses the query: {}",
            body["error"].as_str().unwrap_or("unknown error")
        )));
    }
    Ok(body)
}

/// `ReplicaStatus.Assigned`: waiting for a result, or a service running.
const REPLICA_ASSIGNED: u8 = 1;

/// Task `id`, which must be a running service for it to be `done` (extended, terminated): a
/// batch task or one not running is refused here in words, before anything is sent.
async fn running_service(c: &Conn, id: U256, done: &str) -> Result<read::Read, TaskError> {
    let r = read::read(c, id).await?;
    if !r.is_service() {
        return Err(TaskError::Arg(format!(
            "task {id:#x} is a batch task ({}), not a service: only a running service can be {done}",
            r.mode()
        )));
    }
    if r.task.status != task_status::ASSIGNED {
        return Err(TaskError::Arg(format!(
            "task {id:#x} is {}: only a running service can be {done}",
            r.status()
        )));
    }
    Ok(r)
}
