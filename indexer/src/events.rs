//! Raw logs to typed market events.

use alloy::{primitives::Log, sol_types::SolEventInterface};
use swan_contracts::SwanMarket::SwanMarketEvents;

/// Why a log could not be decoded.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The log has no topic, so it is no event of ours.
    #[error("log has no topics")]
    NoTopics,
    /// The first topic is no event of the market (another contract, or an ABI from another version).
    #[error("unknown event signature {0}")]
    UnknownSignature(alloy::primitives::B256),
    /// The signature is known but the data does not decode.
    #[error("malformed {name} log: {source}")]
    Malformed {
        /// The event name.
        name: &'static str,
        /// The ABI error.
        source: alloy::sol_types::Error,
    },
}

/// Every event signature the market emits, as (topic0, name).
pub fn signatures() -> Vec<(alloy::primitives::B256, &'static str)> {
    SwanMarketEvents::SELECTORS
        .iter()
        .map(|s| {
            let name = SwanMarketEvents::name_by_selector(*s).unwrap_or("unknown");
            (alloy::primitives::B256::from(*s), name)
        })
        .collect()
}

/// The event name of a log of the market, if its signature is one of ours.
pub fn event_name(log: &Log) -> Option<&'static str> {
    let topic0 = log.topics().first()?;
    SwanMarketEvents::name_by_selector(topic0.0)
}

/// Decode one log emitted by the market.
pub fn decode(log: &Log) -> Result<SwanMarketEvents, DecodeError> {
    let topic0 = *log.topics().first().ok_or(DecodeError::NoTopics)?;
    let name = SwanMarketEvents::name_by_selector(topic0.0)
        .ok_or(DecodeError::UnknownSignature(topic0))?;
    SwanMarketEvents::decode_log(log)
        .map(|l| l.data)
        .map_err(|source| DecodeError::Malformed { name, source })
}
