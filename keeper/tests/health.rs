//! Service-health probing against a real HTTP server on 127.0.0.1 that goes down and up.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU16, Ordering},
    },
    time::Duration,
};

use axum::{Router, extract::State, http::StatusCode, routing::get};
use swan_keeper::health::{Health, HealthError, HealthSpec, Monitor};

/// A service whose /health answers with the status in `status` (0: hangs).
async fn service(status: Arc<AtomicU16>) -> String {
    let app = Router::new()
        .route(
            "/health",
            get(|State(s): State<Arc<AtomicU16>>| async move {
                match s.load(Ordering::SeqCst) {
                    0 => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        StatusCode::OK
                    }
                    code => StatusCode::from_u16(code).unwrap(),
                }
            }),
        )
        .with_state(status);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

fn spec() -> HealthSpec {
    HealthSpec {
        interval_secs: 10,
        timeout_ms: 300,
        grace_secs: 60,
        ..HealthSpec::default()
    }
}

#[tokio::test]
async fn a_failure_longer_than_the_grace_is_reported_from_when_it_began() {
    let status = Arc::new(AtomicU16::new(200));
    let url = service(status.clone()).await;
    let mut m = Monitor::new(&url, spec()).unwrap();
    assert_eq!(m.probe(1_000).await, Health::Healthy);
    status.store(503, Ordering::SeqCst);
    assert_eq!(m.probe(1_010).await, Health::Degraded { since: 1_010 });
    // a hanging service fails its probes too (timeout), without resetting the start
    status.store(0, Ordering::SeqCst);
    assert_eq!(m.probe(1_040).await, Health::Degraded { since: 1_010 });
    assert_eq!(
        m.probe(1_070).await,
        Health::Degraded { since: 1_010 },
        "60 s is within grace"
    );
    assert_eq!(m.probe(1_071).await, Health::Failed { since: 1_010 });
    let evidence = m.evidence();
    assert_eq!(evidence.len(), 5);
    assert!(evidence[1].detail.contains("503"));
    assert!(
        evidence[2].detail.contains("no answer in 300 ms"),
        "{:?}",
        evidence[2]
    );
}

#[tokio::test]
async fn one_good_probe_ends_a_failure() {
    let status = Arc::new(AtomicU16::new(500));
    let url = service(status.clone()).await;
    let mut m = Monitor::new(&url, spec()).unwrap();
    assert_eq!(m.probe(0).await, Health::Degraded { since: 0 });
    status.store(204, Ordering::SeqCst);
    assert_eq!(m.probe(30).await, Health::Healthy);
    status.store(500, Ordering::SeqCst);
    assert_eq!(
        m.probe(100).await,
        Health::Degraded { since: 100 },
        "a new failure starts anew"
    );
    assert_eq!(m.next_after(100), 110);
}

#[tokio::test]
async fn an_expected_status_and_a_dead_endpoint() {
    let status = Arc::new(AtomicU16::new(204));
    let url = service(status.clone()).await;
    let mut strict = Monitor::new(
        &url,
        HealthSpec {
            expect_status: Some(200),
            ..spec()
        },
    )
    .unwrap();
    assert_eq!(
        strict.probe(0).await,
        Health::Degraded { since: 0 },
        "204 is not the 200 asked for"
    );
    // a status the provider's agent never answers is not probed at all
    let never = HealthSpec {
        expect_status: Some(204),
        ..spec()
    };
    let e = Monitor::new(&url, never).unwrap_err();
    assert!(e.to_string().contains("cannot be served"), "{e}");
    // nothing listens on this port
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut m = Monitor::new(&dead, spec()).unwrap();
    assert_eq!(m.probe(5).await, Health::Degraded { since: 5 });
    assert!(
        m.evidence()[0].detail.contains("refused"),
        "{:?}",
        m.evidence()
    );
}

#[test]
fn specs_and_endpoints_that_cannot_work_are_refused() {
    let bad = [
        HealthSpec {
            interval_secs: 0,
            ..spec()
        },
        HealthSpec {
            timeout_ms: 10_000,
            ..spec()
        },
        HealthSpec {
            path: "health".into(),
            ..spec()
        },
    ];
    for s in bad {
        let e = Monitor::new("http://127.0.0.1:1", s.clone()).unwrap_err();
        assert!(matches!(e, HealthError::Spec(_)), "{s:?}: {e}");
    }
    let e = Monitor::new("ftp://127.0.0.1", spec()).unwrap_err();
    assert!(e.to_string().contains("http://"), "{e}");
    let e = serde_json::from_str::<HealthSpec>(r#"{"grace": 5}"#).unwrap_err();
    assert!(e.to_string().contains("grace"), "{e}");
    let d: HealthSpec = serde_json::from_str("{}").unwrap();
    assert_eq!(d, HealthSpec::default());
}
