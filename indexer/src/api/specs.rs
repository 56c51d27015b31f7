//! `POST /api/specs/check`: a task spec read by the same parser, rules and messages as
//! `swan task create` ([`swan_spec::TaskSpec::parse`]), answered with its content hash, its
//! escrow and the exact `createTask` request — so a dApp or the explorer creates a task the CLI
//! would have created, and refuses a spec with the CLI's sentence.

use axum::{
    Json,
    body::Bytes,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use swan_spec::{Publish, TaskSpec};
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiError,
    params::{Checked, UnixTime, Version, Word},
    rows::ErrorBody,
};

/// `/api/specs/check`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct CheckQuery {
    /// Where the spec is published (`https://`, `ipfs://`): the task's `specURI` on chain.
    pub uri: String,
    /// The chain time the deadlines count from (unix seconds): the latest block's timestamp.
    pub now: UnixTime,
    /// The market's parameter version the submitter signs up for (`paramsVersion()`).
    pub params_version: Version,
    /// known_answer tasks: `keccak256(abi.encode(expected, salt))`, 0x-hex.
    pub answer_commit: Option<Word>,
}

/// What a machine needs (the contract's `Resources`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Resources {
    cpu_cores: u32,
    #[serde(rename = "memoryGiB")]
    memory_gib: u32,
    #[serde(rename = "storageGiB")]
    storage_gib: u32,
    gpu_count: u32,
    #[serde(rename = "gpuMemoryGiB")]
    gpu_memory_gib: u32,
    /// bytes32, 0x-hex.
    gpu_model: String,
}

/// The contract's `TaskRequest`, field for field (names as in the ABI; uint96 and bytes32 as
/// strings: the price in the token's smallest unit, words 0x-hex).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(super) struct Request {
    mode: u8,
    replicas: u8,
    quorum: u8,
    collateral_pct: u16,
    params_version: u16,
    price: String,
    assign_by: u32,
    result_by: u32,
    settle_by: u32,
    spec_hash: String,
    answer_commit: String,
    requirements: Resources,
    region: String,
    #[serde(rename = "specURI")]
    spec_uri: String,
}

/// A spec that can be created.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(super) struct SpecCheck {
    /// `keccak256` of the bytes sent: the task's `specHash`.
    hash: String,
    name: Option<String>,
    /// `batch` or `service`.
    kind: String,
    /// What `createTask` takes from the submitter, in the token's smallest unit.
    escrow: String,
    /// The `createTask` argument.
    request: Request,
}

/// Check a task spec (the request body, YAML) as `swan task create` does.
#[utoipa::path(post, path = "/api/specs/check", tag = "tasks", params(CheckQuery),
    request_body(content = String, content_type = "application/yaml",
        description = "The task spec, as it will be published (its bytes are hashed)"),
    responses((status = 200, body = SpecCheck),
        (status = 400, description = "A bad parameter, or a spec `swan task create` refuses: \
            the CLI's sentence", body = ErrorBody)))]
pub(super) async fn check(Checked(q): Checked<CheckQuery>, body: Bytes) -> Response {
    match checked(&q, &body) {
        Ok(c) => Json(c).into_response(),
        Err(e) => e.into_response(),
    }
}

fn checked(q: &CheckQuery, body: &[u8]) -> Result<SpecCheck, ApiError> {
    if q.uri.trim().is_empty() {
        return Err(ApiError::bad(
            "uri",
            "uri is required: where the spec is published (https://… or ipfs://…)",
        ));
    }
    let refused = |e: swan_spec::SpecError| ApiError::bad("spec", e.to_string());
    let parsed = TaskSpec::parse(body).map_err(refused)?;
    let publish = Publish {
        uri: q.uri.clone(),
        answer_commit: q.answer_commit.as_ref().map(|w| w.0),
        params_version: q.params_version.0 as u16,
    };
    let spec = &parsed.spec;
    let r = spec
        .request(parsed.hash, q.now.0, &publish)
        .map_err(refused)?;
    let word = |w: alloy::primitives::B256| format!("{w:#x}");
    Ok(SpecCheck {
        hash: word(parsed.hash),
        name: spec.name.clone(),
        kind: match spec.kind {
            swan_spec::Kind::Batch => "batch".into(),
            swan_spec::Kind::Service => "service".into(),
        },
        escrow: spec.escrow().map_err(refused)?.to_string(),
        request: Request {
            mode: r.mode,
            replicas: r.replicas,
            quorum: r.quorum,
            collateral_pct: r.collateralPct,
            params_version: r.paramsVersion,
            price: r.price.to_string(),
            assign_by: r.assignBy,
            result_by: r.resultBy,
            settle_by: r.settleBy,
            spec_hash: word(r.specHash),
            answer_commit: word(r.answerCommit),
            requirements: Resources {
                cpu_cores: r.requirements.cpuCores,
                memory_gib: r.requirements.memoryGiB,
                storage_gib: r.requirements.storageGiB,
                gpu_count: r.requirements.gpuCount,
                gpu_memory_gib: r.requirements.gpuMemoryGiB,
                gpu_model: word(r.requirements.gpuModel),
            },
            region: word(r.region),
            spec_uri: r.specURI,
        },
    })
}
