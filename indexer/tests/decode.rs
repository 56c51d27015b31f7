//! Logs from a real chain decode into the market's and the registry's typed events; foreign and
//! broken logs are refused with a reason.

mod common;

use alloy::{
    primitives::{Address, B256, Bytes, Log, LogData, U256},
    providers::Provider,
    rpc::types::Filter,
};
use swan_contracts::{
    SwanMarket::SwanMarketEvents, registry::SwanRegistry::SwanRegistryEvents as R,
};
use swan_indexer::events::{DecodeError, SwanEvent, decode, signatures};

#[tokio::test]
async fn every_log_of_a_deployment_decodes() {
    let chain = common::dev_chain(&[Address::repeat_byte(5)], &[700]).await;
    let (provider, m, me) = (&chain.provider, &chain.manifest, chain.operator);

    let logs = provider
        .get_logs(
            &Filter::new()
                .address(vec![m.market, m.registry])
                .from_block(0),
        )
        .await
        .unwrap();
    let events: Vec<SwanEvent> = logs.iter().map(|l| decode(&l.inner).unwrap()).collect();
    // the registry's constructor: AdminChanged, PauserSet, 2 × KeeperSet, ParamsApplied; then
    // the market's Deposited
    assert_eq!(events.len(), 6, "{events:?}");
    assert!(matches!(&events[0], SwanEvent::Registry(R::AdminChanged(e)) if e.admin == me));
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, SwanEvent::Registry(R::KeeperSet(k)) if k.enabled))
            .count(),
        2
    );
    match &events[4] {
        SwanEvent::Registry(R::ParamsApplied(p)) => {
            assert_eq!(p.version, 1);
            assert_eq!(p.params.feeBps, 500);
        }
        other => panic!("expected ParamsApplied, got {other:?}"),
    }
    assert!(
        matches!(&events[5], SwanEvent::Market(SwanMarketEvents::Deposited(d)) if d.account == me && d.amount == U256::from(700))
    );
    assert!(logs[..5].iter().all(|l| l.address() == m.registry));
    assert_eq!(logs[5].address(), m.market);
}

#[test]
fn foreign_and_broken_logs_are_refused_with_a_reason() {
    let no_topics = Log {
        address: Address::ZERO,
        data: LogData::new_unchecked(vec![], Bytes::new()),
    };
    assert!(matches!(decode(&no_topics), Err(DecodeError::NoTopics)));

    let foreign = Log {
        address: Address::ZERO,
        data: LogData::new_unchecked(vec![B256::repeat_byte(1)], Bytes::new()),
    };
    let err = decode(&foreign).unwrap_err();
    assert!(matches!(err, DecodeError::UnknownSignature(_)));
    assert!(
        err.to_string().contains("unknown event signature 0x0101"),
        "{err}"
    );

    // a Deposited topic with an indexed account but no data
    let (deposited, _) = signatures()
        .into_iter()
        .find(|(_, n)| *n == "Deposited")
        .unwrap();
    let truncated = Log {
        address: Address::ZERO,
        data: LogData::new_unchecked(
            vec![deposited, B256::left_padding_from(&[7])],
            Bytes::from(vec![0u8; 5]),
        ),
    };
    let err = decode(&truncated).unwrap_err();
    assert!(
        err.to_string().starts_with("malformed Deposited log"),
        "{err}"
    );
}

#[test]
fn signatures_cover_every_event() {
    let sigs = signatures();
    assert_eq!(
        sigs.len(),
        35,
        "the market and the registry emit 35 events; the forge test pins them"
    );
    let names: Vec<&str> = sigs.iter().map(|(_, n)| *n).collect();
    for expected in [
        "TaskCreated",
        "TaskAssigned",
        "ReplicaPaid",
        "ReplicaSlashed",
        "TaskFinalized",
        "ServiceClaimed",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
}
