//! Query parameters as types: each endpoint's parameters are a struct that serde fills from the
//! query string (unknown parameters refused), each value a type that checks itself. A bad one is
//! a 400 whose JSON names it: `{"error": "limit must be …", "parameter": "limit"}` (a typo never
//! silently widens a filter).

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use utoipa::{
    IntoParams, PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Type, schema::Schema},
};

use super::{ApiError, parse_address};

/// The query string deserialized into `T`; a bad parameter is refused naming it.
#[derive(Debug)]
pub(super) struct Checked<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Checked<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parse(parts.uri.query().unwrap_or_default()).map(Checked)
    }
}

/// `query` deserialized into `T`, or the 400 naming the parameter at fault.
pub(super) fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    // a parameter given twice would keep one of the values silently
    let mut seen = std::collections::HashSet::new();
    for (name, _) in form_urlencoded::parse(query.as_bytes()) {
        if !seen.insert(name.clone()) {
            return Err(ApiError::bad(
                &name,
                format!("{name} is given more than once; give it once"),
            ));
        }
    }
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let message = e.inner().to_string();
        if let Some(rest) = message.strip_prefix("unknown field `") {
            // serde: "unknown field `x`, expected one of `a`, `b`"
            let name = rest.split('`').next().unwrap_or_default().to_owned();
            let allowed = rest
                .split_once("expected one of ")
                .map(|(_, list)| list.replace('`', ""))
                .unwrap_or_default();
            return ApiError::bad(
                &name,
                format!("unknown parameter {name:?}; allowed: {allowed}"),
            );
        }
        if let Some(rest) = message.strip_prefix("missing field `") {
            let name = rest.split('`').next().unwrap_or_default().to_owned();
            return ApiError::bad(&name, format!("{name} is required"));
        }
        let path = e.path().to_string();
        ApiError::bad(&path, format!("{path} {message}"))
    })
}

macro_rules! bounded {
    ($($(#[$doc:meta])* $name:ident => $max:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) struct $name(pub u64);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                whole(&String::deserialize(d)?, $max).map(Self).map_err(serde::de::Error::custom)
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0u64))
                    .maximum(Some($max))
                    .into()
            }
        }
        impl ToSchema for $name {}
    )*};
}

/// `v` as a whole number from 0 to `max`.
fn whole(v: &str, max: u64) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!("must be a whole number from 0 to {max}, got {v:?}")),
    }
}

bounded! {
    /// Rows per page (default 50).
    Limit => 500;
    /// Rows to skip.
    Offset => 1_000_000_000;
    /// A resource amount (cores, GiB, GPUs).
    Amount => u32::MAX as u64;
    /// A block number.
    Block => i64::MAX as u64;
    /// Time buckets (default 40).
    Buckets => 500;
    /// Seconds per time bucket.
    BucketSecs => 365 * 86_400;
    /// A chain time, unix seconds (the contract stores deadlines as uint32).
    UnixTime => u32::MAX as u64;
    /// A parameter version (uint16).
    Version => u16::MAX as u64;
}

/// A 0x-prefixed 32-byte word (a hash, a commit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word(pub alloy::primitives::B256);

impl<'de> Deserialize<'de> for Word {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        v.strip_prefix("0x")
            .filter(|h| h.len() == 64)
            .and_then(|h| h.parse().ok())
            .map(Self)
            .ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "must be a 0x-prefixed 32-byte hex word, got {v:?}"
                ))
            })
    }
}

impl PartialSchema for Word {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^0x[0-9a-fA-F]{64}$"))
            .into()
    }
}
impl ToSchema for Word {}

/// `(limit, offset)` with their defaults.
pub(super) fn page(limit: Option<Limit>, offset: Option<Offset>) -> (u64, u64) {
    (limit.map_or(50, |n| n.0), offset.map_or(0, |n| n.0))
}

/// A 0x-prefixed 20-byte address, kept as lower-case hex (the stored form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Addr(pub String);

impl<'de> Deserialize<'de> for Addr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        parse_address(&v).map(Self).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "must be a 0x-prefixed 20-byte hex address, got {v:?}"
            ))
        })
    }
}

impl PartialSchema for Addr {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some("^0x[0-9a-fA-F]{40}$"))
            .into()
    }
}
impl ToSchema for Addr {}

/// `v` when it is one of `names`.
fn one_of(v: String, names: &[&str]) -> Result<String, String> {
    if names.contains(&v.as_str()) {
        Ok(v)
    } else {
        Err(format!("must be one of {}, got {v:?}", names.join(", ")))
    }
}

macro_rules! names {
    ($($(#[$doc:meta])* $name:ident => $list:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub(super) struct $name(pub String);

        impl $name {
            fn names() -> Vec<&'static str> {
                $list
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                one_of(String::deserialize(d)?, &Self::names())
                    .map(Self)
                    .map_err(serde::de::Error::custom)
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(Self::names()))
                    .into()
            }
        }
        impl ToSchema for $name {}
    )*};
}

names! {
    /// A task's status (not `none`).
    TaskStatus => crate::project::TASK_STATUS[1..].to_vec();
    /// A verification mode.
    Mode => crate::project::MODES.to_vec();
    /// Batch or service tasks.
    Kind => vec!["batch", "service"];
    /// A provider's status (not `none`).
    ProviderStatus => crate::project::PROVIDER_STATUS[1..].to_vec();
    /// How providers are sorted.
    ProviderSort => vec!["reputation", "price", "free"];
    /// How tasks are sorted: by creation (default) or by value (what the task holds in escrow).
    TaskSort => vec!["created", "value"];
    /// Newest or largest first (`desc`, the default), or the other way.
    Order => vec!["desc", "asc"];
    /// An event of the market or the registry.
    EventName => crate::events::signatures().into_iter().map(|(_, n)| n).collect::<Vec<_>>();
}

/// `/api/tasks`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct TaskQuery {
    pub status: Option<TaskStatus>,
    pub kind: Option<Kind>,
    pub mode: Option<Mode>,
    pub submitter: Option<Addr>,
    pub provider: Option<Addr>,
    pub sort: Option<TaskSort>,
    pub order: Option<Order>,
    pub limit: Option<Limit>,
    pub offset: Option<Offset>,
    /// Keyset paging (creation order only): the rows after this task (0x-hex id) in the list's order — pass the last
    /// `task_id` of a page to get the next; a deep page costs what the first one does.
    pub after: Option<String>,
}

/// `/api/providers`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct ProviderQuery {
    pub status: Option<ProviderStatus>,
    pub region: Option<String>,
    pub gpu_model: Option<String>,
    pub min_cpu: Option<Amount>,
    pub min_memory: Option<Amount>,
    pub min_gpu: Option<Amount>,
    pub sort: Option<ProviderSort>,
    pub limit: Option<Limit>,
    pub offset: Option<Offset>,
}

/// `/api/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct EventQuery {
    pub event: Option<EventName>,
    pub from_block: Option<Block>,
    /// The logs of one transaction (0x-hex hash): what it did, e.g. which task it created.
    pub tx: Option<Word>,
    /// `asc` (the default: chain order from `from_block`) or `desc` (newest first).
    pub order: Option<Order>,
    pub limit: Option<Limit>,
    pub offset: Option<Offset>,
}

/// `/api/series`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct SeriesQuery {
    pub buckets: Option<Buckets>,
    pub bucket_secs: Option<BucketSecs>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused<T: DeserializeOwned + std::fmt::Debug>(q: &str) -> (String, String) {
        let e = parse::<T>(q).unwrap_err();
        (e.parameter.clone().unwrap(), e.message)
    }

    #[test]
    fn good_queries_parse_into_their_types() {
        let q: TaskQuery =
            parse("status=open&submitter=0x00000000000000000000000000000000000000AA&limit=7")
                .unwrap();
        assert_eq!(q.status.unwrap().0, "open");
        assert_eq!(
            q.submitter.unwrap().0,
            "0x00000000000000000000000000000000000000aa"
        );
        assert_eq!(page(q.limit, q.offset), (7, 0));
        let q: TaskQuery = parse("").unwrap();
        assert_eq!(page(q.limit, q.offset), (50, 0));
        let q: ProviderQuery = parse("min_cpu=4&sort=price&region=eu").unwrap();
        assert_eq!(
            (q.min_cpu, q.region.as_deref()),
            (Some(Amount(4)), Some("eu"))
        );
    }

    #[test]
    fn bad_queries_name_the_parameter() {
        for (q, param, says) in [
            ("limit=abc", "limit", "whole number from 0 to 500"),
            ("limit=501", "limit", "got \"501\""),
            ("offset=-1", "offset", "whole number"),
            ("status=running", "status", "must be one of open,"),
            ("submitter=0x12", "submitter", "20-byte hex address"),
            ("stauts=open", "stauts", "allowed: status, kind"),
            (
                "status=open&status=failed",
                "status",
                "status is given more than once",
            ),
            ("limit=5&offset=1&limit=6", "limit", "given more than once"),
        ] {
            let (p, m) = refused::<TaskQuery>(q);
            assert_eq!(p, param, "{q}: {m}");
            assert!(m.contains(param) && m.contains(says), "{q}: {m}");
        }
        let (p, m) = refused::<ProviderQuery>("min_cpu=many");
        assert_eq!(p, "min_cpu", "{m}");
        let (p, _) = refused::<EventQuery>("event=Nope");
        assert_eq!(p, "event");
    }
}
