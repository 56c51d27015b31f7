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
