//! The process executor: results, failures, wall-time and output limits, and that a timeout
//! kills everything the command started.

use std::time::{Duration, Instant};

use swan_provider::exec::{ExecError, Limits, Service, run_batch};
use swan_spec::TaskSpec;

fn spec(command: &str, args: &[&str], output: Option<&str>) -> TaskSpec {
    let outputs = output
        .map(|o| format!("outputs: [{{ path: {o} }}]"))
        .unwrap_or_default();
    let args: Vec<String> = args.iter().map(|a| format!("{a:?}")).collect();
    let yaml = format!(
        "kind: batch\nrun: {{ command: {command}, args: [{}], env: {{ GREETING: hi }} }}\nresources: {{ cpu: 1 }}\nprice: {{ cap: \"1\" }}\nverification: {{ mode: keeper_attested }}\n{outputs}\n",
        args.join(", ")
    );
    TaskSpec::parse(yaml.as_bytes()).unwrap().spec
}

const LIMITS: Limits = Limits {
    wall: Duration::from_secs(20),
    max_output: 1024,
    allow_network: false,
};

#[tokio::test]
async fn a_run_returns_its_output_file_or_stdout_in_its_own_directory() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("t1");
    // only the spec's env reaches the command; it runs in its work directory
    assert!(
        std::env::var_os("CARGO_MANIFEST_DIR").is_some(),
        "cargo sets it for tests"
    );
    let s = spec(
        "sh",
        &[
            "-c",
            "echo $GREETING-$CARGO_MANIFEST_DIR > out.txt; pwd >> out.txt",
        ],
        Some("out.txt"),
    );
    let out = run_batch(&s, &work, LIMITS).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(
        text,
        format!("hi-\n{}\n", work.canonicalize().unwrap().display())
    );
    let s = spec("sh", &["-c", "printf 42"], None);
    assert_eq!(run_batch(&s, &work, LIMITS).await.unwrap(), b"42");
}

#[tokio::test]
async fn a_failing_command_says_how_it_failed() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec("sh", &["-c", "echo broken input >&2; exit 3"], None);
    let e = run_batch(&s, &dir.path().join("t"), LIMITS)
        .await
        .unwrap_err();
    assert!(matches!(e, ExecError::Failed { .. }), "{e:?}");
    let m = e.to_string();
    assert!(
        m.contains("exit status: 3") && m.contains("broken input"),
        "{m}"
    );
    let s = spec("no-such-program-here", &[], None);
    let e = run_batch(&s, &dir.path().join("t"), LIMITS)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("cannot run \"no-such-program-here\": no such program"),
        "{e}"
    );
    let s = spec("true", &[], Some("missing.txt"));
    let e = run_batch(&s, &dir.path().join("t"), LIMITS)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the command did not write its output missing.txt"
    );
}

#[tokio::test]
async fn outputs_past_the_limit_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec("sh", &["-c", "head -c 5000 /dev/zero"], None);
    let e = run_batch(&s, &dir.path().join("a"), LIMITS)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ExecError::TooLarge { limit: 1024, .. }),
        "{e:?}"
    );
    // an endless writer is stopped at the limit, not left running
    let s = spec("yes", &[], None);
    let t = Instant::now();
    let e = run_batch(&s, &dir.path().join("b"), LIMITS)
        .await
        .unwrap_err();
    assert!(matches!(e, ExecError::TooLarge { .. }), "{e:?}");
    assert!(
        t.elapsed() < LIMITS.wall,
        "stopped at the limit, not the timeout"
    );
    let s = spec("sh", &["-c", "head -c 5000 /dev/zero > big"], Some("big"));
    let e = run_batch(&s, &dir.path().join("c"), LIMITS)
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the output big is larger than the limit of 1024 bytes"
    );
}

/// The processes on the host whose command line contains `needle` and that have not exited.
fn running_with(needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(e.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline).contains(needle) && !stat.contains(") Z") {
            found.push(stat);
        }
    }
    found
}

#[tokio::test]
async fn a_timeout_kills_the_command_and_what_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("t");
    // the command starts a grandchild that would outlive a plain kill of its parent; its
    // argument is unique, so the host's process table tells whether it still runs
    let secs = format!("{}.{}", 300 + std::process::id() % 1000, line!());
    let script = format!("sleep {secs} & wait");
    let s = spec("sh", &["-c", &script], None);
    let limits = Limits {
        wall: Duration::from_millis(500),
        ..LIMITS
    };
    let e = run_batch(&s, &work, limits).await.unwrap_err();
    assert!(matches!(e, ExecError::Timeout(_)), "{e:?}");
    let t = Instant::now();
    while !running_with(&secs).is_empty() && t.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let left = running_with(&secs);
    assert!(left.is_empty(), "the grandchild still runs: {left:?}");
    // the control: a process with that argument is seen while it runs
    let mut control = std::process::Command::new("sleep")
        .arg(&secs)
        .spawn()
        .unwrap();
    // (polled: between fork and exec the child's command line is still this test's)
    let t = Instant::now();
    while running_with(&secs).is_empty() && t.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(running_with(&secs).len(), 1);
    control.kill().unwrap();
    control.wait().unwrap();
}

#[tokio::test]
async fn a_service_runs_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "kind: service\nrun: { command: sleep, args: [\"300\"] }\nresources: { cpu: 1 }\nduration: 1h\nprice: { cap: \"0.001\" }\nverification: { mode: service_health }\n";
    let s = TaskSpec::parse(yaml.as_bytes()).unwrap().spec;
    let mut svc = Service::start(&s, &dir.path().join("svc"), false)
        .await
        .unwrap();
    assert!(svc.alive());
    svc.stop().await;
    let yaml = yaml.replace("\"300\"", "\"0\"");
    let s = TaskSpec::parse(yaml.as_bytes()).unwrap().spec;
    let mut svc = Service::start(&s, &dir.path().join("svc2"), false)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!svc.alive(), "a service that exits is seen as dead");
}

/// A submitter's task that tries to take from the provider: its keystore beside the work
/// directory, the agent's environment through `/proc`, a server on the host, a file outside its
/// directory. Each attempt fails inside the sandbox, and the task still produces its result.
#[tokio::test]
async fn a_hostile_task_takes_nothing_from_the_provider() {
    let home = tempfile::tempdir().unwrap();
    let keystore = home.path().join("owner.json");
    std::fs::write(&keystore, "the provider's keystore").unwrap();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let planted = home.path().join("planted");
    let script = format!(
        "cat {k} 2>/dev/null; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep CARGO; \
         (echo > /dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo connected; \
         echo x > {p} 2>/dev/null && echo planted; echo done",
        k = keystore.display(),
        p = planted.display()
    );
    let s = spec("bash", &["-c", &script], None);
    let out = run_batch(&s, &home.path().join("work"), LIMITS)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(
        !text.contains("keystore") && !text.contains("CARGO") && !text.contains("connected"),
        "{text}"
    );
    assert!(text.trim().ends_with("done"), "{text}");
    // (a write to that path lands in the sandbox's private /tmp, never on the host)
    assert!(!planted.exists());
    // the control: the same script run unconfined gets all four
    let unconfined = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&unconfined.stdout);
    assert!(
        text.contains("the provider's keystore")
            && text.contains("CARGO")
            && text.contains("connected")
            && text.contains("planted"),
        "{text}"
    );
}

/// The demo's machine-learning task (`examples/specs/digits.yaml`): scikit-learn trains a
/// classifier on the digits it ships, inside the sandbox (no network: nothing is downloaded), and
/// the result is its accuracy on held-out images with its predictions there.
#[tokio::test]
async fn the_demo_s_ml_task_trains_a_model_in_the_sandbox() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../examples/specs/digits.yaml");
    let s = TaskSpec::parse(text.as_bytes()).unwrap().spec;
    let limits = Limits {
        wall: Duration::from_secs(120),
        max_output: 16_384,
        ..LIMITS
    };
    let out = run_batch(&s, &dir.path().join("digits"), limits)
        .await
        .unwrap();
    let result: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let accuracy = result["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.95, "{result}");
    assert_eq!(result["predictions"].as_array().unwrap().len(), 450);
}

/// The network only where the spec asks for it and the provider allows it: a task that asks
/// reaches a server on the host when allowed, is refused with the reason when not, and a task
/// that does not ask has none even where it is allowed.
#[tokio::test]
async fn the_network_only_where_the_spec_asks_and_the_provider_allows() {
    let dir = tempfile::tempdir().unwrap();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let probe =
        format!("(echo > /dev/tcp/127.0.0.1/{port}) 2>/dev/null && echo connected || echo none");
    let asking = |network: bool| {
        let mut s = spec("bash", &["-c", &probe], None);
        s.run.network = network;
        s
    };
    let allowed = Limits {
        allow_network: true,
        ..LIMITS
    };
    let out = run_batch(&asking(true), &dir.path().join("n1"), allowed)
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out).trim(), "connected");
    let e = run_batch(&asking(true), &dir.path().join("n2"), LIMITS)
        .await
        .unwrap_err();
    assert!(matches!(e, ExecError::NetworkNotAllowed), "{e:?}");
    assert!(e.to_string().contains("allow_network"), "{e}");
    let out = run_batch(&asking(false), &dir.path().join("n3"), allowed)
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out).trim(), "none");
}
