//! Raw logs to typed events of the market and of its registry.

use alloy::{
    primitives::{B256, Log},
    sol_types::SolEventInterface,
};
use swan_contracts::{SwanMarket::SwanMarketEvents, registry::SwanRegistry::SwanRegistryEvents};

/// An event of the deployment: the market's (tasks and money) or the registry's (providers,
/// roles, parameters). Their signatures never overlap (`EventSignatures.t.sol` pins them).
#[derive(Debug, Clone)]
pub enum SwanEvent {
    /// Emitted by the market.
    Market(SwanMarketEvents),
    /// Emitted by the registry.
    Registry(SwanRegistryEvents),
}

/// Why a log could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The log has no topic, so it is no event of ours.
    #[error("log has no topics")]
    NoTopics,
    /// The first topic is no event of the deployment (another contract, or an ABI from another version).
    #[error("unknown event signature {0}")]
    UnknownSignature(B256),
    /// The signature is known but the data does not decode.
    #[error("malformed {name} log: {source}")]
    Malformed {
        /// The event name.
        name: &'static str,
        /// The ABI error.
        source: alloy::sol_types::Error,
    },
}

/// Every event signature of the market and the registry, as (topic0, name).
pub fn signatures() -> Vec<(B256, &'static str)> {
    let market = SwanMarketEvents::SELECTORS
        .iter()
        .map(|s| (B256::from(*s), SwanMarketEvents::name_by_selector(*s)));
    let registry = SwanRegistryEvents::SELECTORS
        .iter()
        .map(|s| (B256::from(*s), SwanRegistryEvents::name_by_selector(*s)));
    market
        .chain(registry)
        .map(|(s, name)| (s, name.unwrap_or("unknown")))
        .collect()
}

/// The event name of a log of the deployment, if its signature is one of ours.
pub fn event_name(log: &Log) -> Option<&'static str> {
    let topic0 = log.topics().first()?;
    SwanMarketEvents::name_by_selector(topic0.0)
        .or_else(|| SwanRegistryEvents::name_by_selector(topic0.0))
}

/// Decode one log emitted by the market or its registry.
pub fn decode(log: &Log) -> Result<SwanEvent, DecodeError> {
    let topic0 = *log.topics().first().ok_or(DecodeError::NoTopics)?;
    if let Some(name) = SwanMarketEvents::name_by_selector(topic0.0) {
        return SwanMarketEvents::decode_log(log)
            .map(|l| SwanEvent::Market(l.data))
            .map_err(|source| DecodeError::Malformed { name, source });
    }
    let name = SwanRegistryEvents::name_by_selector(topic0.0)
        .ok_or(DecodeError::UnknownSignature(topic0))?;
    SwanRegistryEvents::decode_log(log)
        .map(|l| SwanEvent::Registry(l.data))
        .map_err(|source| DecodeError::Malformed { name, source })
}

/// The ABI events of the market and the registry, by topic0, for decoding a stored log into
/// named arguments (the API's `/api/events`).
fn abi_events() -> &'static std::collections::HashMap<B256, alloy::json_abi::Event> {
    static EVENTS: std::sync::LazyLock<std::collections::HashMap<B256, alloy::json_abi::Event>> =
        std::sync::LazyLock::new(|| {
            let mut out = std::collections::HashMap::new();
            for artifact in [
                swan_contracts::SWANMARKET_ARTIFACT,
                swan_contracts::registry::ARTIFACT,
            ] {
                let json: serde_json::Value =
                    serde_json::from_str(artifact).expect("the build's artifacts are JSON");
                let abi: alloy::json_abi::JsonAbi =
                    serde_json::from_value(json["abi"].clone()).expect("the build's ABIs parse");
                for e in abi.events() {
                    out.insert(e.selector(), e.clone());
                }
            }
            out
        });
    &EVENTS
}

/// One ABI value as JSON: integers as decimal strings (they exceed a double), addresses and
/// bytes as 0x-hex, tuples as objects when their components are named, else arrays.
fn json_of(v: &alloy::dyn_abi::DynSolValue, names: Option<&[String]>) -> serde_json::Value {
    use alloy::dyn_abi::DynSolValue as V;
    use serde_json::Value as J;
    match v {
        V::Bool(b) => J::Bool(*b),
        V::Int(i, _) => J::String(i.to_string()),
        V::Uint(u, _) => J::String(u.to_string()),
        V::FixedBytes(w, n) => J::String(alloy::hex::encode_prefixed(&w[..*n])),
        V::Address(a) => J::String(format!("{a:#x}")),
        V::Function(f) => J::String(alloy::hex::encode_prefixed(f.as_slice())),
        V::Bytes(b) => J::String(alloy::hex::encode_prefixed(b)),
        V::String(s) => J::String(s.clone()),
        V::Array(items) | V::FixedArray(items) => {
            J::Array(items.iter().map(|i| json_of(i, None)).collect())
        }
        V::Tuple(items) => match names {
            Some(names) if names.len() == items.len() && names.iter().all(|n| !n.is_empty()) => {
                J::Object(
                    names
                        .iter()
                        .zip(items)
                        .map(|(n, i)| (n.clone(), json_of(i, None)))
                        .collect(),
                )
            }
            _ => J::Array(items.iter().map(|i| json_of(i, None)).collect()),
        },
    }
}

/// A stored log's arguments by name (`{"taskId": "0x…", "price": "1000…"}`), or None when the
/// signature is not one of the deployment's or the data does not decode.
pub fn decoded_args(topics: &[B256], data: &[u8]) -> Option<serde_json::Value> {
    use alloy::dyn_abi::EventExt;
    let event = abi_events().get(topics.first()?)?;
    let decoded = event.decode_log_parts(topics.iter().copied(), data).ok()?;
    let (mut indexed, mut body) = (decoded.indexed.iter(), decoded.body.iter());
    let mut args = serde_json::Map::new();
    for (n, input) in event.inputs.iter().enumerate() {
        let value = if input.indexed {
            indexed.next()?
        } else {
            body.next()?
        };
        let names: Vec<String> = input.components.iter().map(|c| c.name.clone()).collect();
        let name = if input.name.is_empty() {
            format!("arg{n}")
        } else {
            input.name.clone()
        };
        args.insert(name, json_of(value, Some(&names)));
    }
    Some(serde_json::Value::Object(args))
}
