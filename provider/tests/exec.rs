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
            .starts_with("cannot start no-such-program-here"),
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

fn alive(pid: i32) -> bool {
    // no signal: only whether the process exists
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok()
}

#[tokio::test]
async fn a_timeout_kills_the_command_and_what_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("t");
    // the command starts a grandchild that would outlive a plain kill of its parent
    let s = spec("sh", &["-c", "sleep 300 & echo $! > child.pid; wait"], None);
    let limits = Limits {
        wall: Duration::from_millis(500),
        max_output: 1024,
    };
    let e = run_batch(&s, &work, limits).await.unwrap_err();
    assert!(matches!(e, ExecError::Timeout(_)), "{e:?}");
    let pid: i32 = std::fs::read_to_string(work.join("child.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let t = Instant::now();
    while alive(pid) && t.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // a killed child stays a zombie until reaped by init; /proc says which
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    assert!(
        !alive(pid) || state.contains(") Z"),
        "grandchild {pid} still runs: {state}"
    );
}

#[tokio::test]
async fn a_service_runs_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = "kind: service\nrun: { command: sleep, args: [\"300\"] }\nresources: { cpu: 1 }\nduration: 1h\nprice: { cap: \"0.001\" }\nverification: { mode: service_health }\n";
    let s = TaskSpec::parse(yaml.as_bytes()).unwrap().spec;
    let mut svc = Service::start(&s, &dir.path().join("svc")).await.unwrap();
    assert!(svc.alive());
    svc.stop().await;
    let yaml = yaml.replace("\"300\"", "\"0\"");
    let s = TaskSpec::parse(yaml.as_bytes()).unwrap().spec;
    let mut svc = Service::start(&s, &dir.path().join("svc2")).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!svc.alive(), "a service that exits is seen as dead");
}

#[tokio::test]
async fn a_container_task_without_an_engine_is_refused_clearly() {
    if swan_provider::exec::container_engine().await.is_some() {
        return; // an engine answers here: the refusal cannot be observed
    }
    let dir = tempfile::tempdir().unwrap();
    let yaml = "kind: batch\nrun: { image: alpine:3 }\nresources: { cpu: 1 }\nprice: { cap: \"1\" }\nverification: { mode: keeper_attested }\n";
    let s = TaskSpec::parse(yaml.as_bytes()).unwrap().spec;
    let e = run_batch(&s, &dir.path().join("t"), LIMITS)
        .await
        .unwrap_err();
    assert!(matches!(e, ExecError::NoContainerEngine), "{e:?}");
    assert!(e.to_string().contains("container executor disabled"), "{e}");
}
