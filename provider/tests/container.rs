//! The container executor against a real engine: podman with runc and the image `scripts/setup`
//! builds (`localhost/swan-busybox:1`, a static busybox). A task runs and returns its result, a
//! run past its time is killed and its container removed, a run past its memory is killed, and a
//! hostile image's program takes nothing from the provider.

use std::time::{Duration, Instant};

use swan_provider::exec::{ExecError, Limits, run_batch};
use swan_spec::TaskSpec;

const IMAGE: &str = "localhost/swan-busybox:1";

const LIMITS: Limits = Limits {
    wall: Duration::from_secs(60),
    max_output: 4096,
    allow_network: false,
};

/// A batch spec running `script` with busybox's `sh` in the image, with `memory_gib` of memory.
fn spec(script: &str, memory_gib: u32, output: Option<&str>) -> TaskSpec {
    let outputs = output
        .map(|o| format!("outputs: [{{ path: {o} }}]"))
        .unwrap_or_default();
    let yaml = format!(
        "kind: batch\nrun: {{ image: {IMAGE}, args: [sh, -c, {script:?}], env: {{ GREETING: hi }} }}\n\
         resources: {{ cpu: 1, memory_gib: {memory_gib} }}\nprice: {{ cap: \"1\" }}\n\
         verification: {{ mode: keeper_attested }}\n{outputs}\n"
    );
    TaskSpec::parse(yaml.as_bytes()).unwrap().spec
}

/// The containers (running or not) whose name is `name`.
fn containers_named(name: &str) -> String {
    let out = std::process::Command::new("podman")
        .args([
            "--runtime",
            "/usr/sbin/runc",
            "ps",
            "-a",
            "--format",
            "{{.Names}}",
        ])
        .output()
        .expect("podman is installed (scripts/setup)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| *l == name)
        .collect()
}

#[tokio::test]
async fn a_container_task_runs_and_returns_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("c1");
    let s = spec(
        "echo $GREETING from $(pwd) > out.txt; id -u >> out.txt",
        1,
        Some("out.txt"),
    );
    let out = run_batch(&s, &work, LIMITS).await.unwrap();
    let text = String::from_utf8(out).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("hi from /work"), "{text}");
    // its own user, not root
    let uid: u32 = lines.next().unwrap().parse().unwrap();
    assert!(uid >= 2_000_000, "{text}");
    // standard output is the result without an output file
    let s = spec("printf 42", 1, None);
    assert_eq!(run_batch(&s, &work, LIMITS).await.unwrap(), b"42");
    // an image that is not on this machine is not pulled: the run fails and says so
    let yaml = "kind: batch\nrun: { image: localhost/not-here:1 }\nresources: { cpu: 1 }\nprice: { cap: \"1\" }\nverification: { mode: keeper_attested }\n";
    let s = TaskSpec::parse(yaml.as_bytes()).unwrap().spec;
    let e = run_batch(&s, &work, LIMITS).await.unwrap_err();
    assert!(matches!(e, ExecError::Failed { .. }), "{e:?}");
    assert!(e.to_string().contains("not-here"), "{e}");
}

#[tokio::test]
async fn a_container_past_its_time_is_killed_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("c2");
    let s = spec("sleep 300", 1, None);
    let limits = Limits {
        wall: Duration::from_secs(3),
        ..LIMITS
    };
    let t = Instant::now();
    let e = run_batch(&s, &work, limits).await.unwrap_err();
    assert!(matches!(e, ExecError::Timeout(_)), "{e:?}");
    assert!(t.elapsed() < Duration::from_secs(30), "{:?}", t.elapsed());
    assert_eq!(containers_named("swan-c2"), "", "the container is removed");
}

#[tokio::test]
async fn a_container_past_its_memory_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    // a string doubled until it no longer fits in 1 GiB
    let s = spec("awk 'BEGIN { s = \"x\"; while (1) s = s s }'", 1, None);
    let t = Instant::now();
    let e = run_batch(&s, &dir.path().join("c3"), LIMITS)
        .await
        .unwrap_err();
    match &e {
        ExecError::Failed { status, .. } => assert!(status.contains("137"), "{e}"),
        other => panic!("killed for its memory, not {other:?}"),
    }
    assert!(
        t.elapsed() < LIMITS.wall,
        "killed at the limit, not the timeout"
    );
    // the control: the same program within its memory finishes
    let s = spec(
        "awk 'BEGIN { s = \"x\"; for (i = 0; i < 20; i++) s = s s; print length(s) }'",
        1,
        None,
    );
    let out = run_batch(&s, &dir.path().join("c4"), LIMITS).await.unwrap();
    assert_eq!(String::from_utf8_lossy(&out).trim(), "1048576");
}

/// A hostile image's program: the provider's key in its environment and on its disk, a server
/// on the host, the root file system, unbounded processes. Every attempt fails; the run ends.
#[tokio::test]
async fn a_hostile_container_takes_nothing_from_the_provider() {
    let home = tempfile::tempdir().unwrap();
    let keystore = home.path().join("owner.json");
    std::fs::write(&keystore, "the provider's keystore").unwrap();
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port();
    let script = format!(
        "cat {k} 2>/dev/null; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -e CARGO -e KEY; \
         nc -w 2 127.0.0.1 {port} </dev/null 2>/dev/null && echo connected; \
         (echo x > /bin/planted) 2>/dev/null && echo planted; \
         (i=0; while [ $i -lt 400 ]; do sleep 3 & i=$((i+1)); done) 2>/dev/null; \
         n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; echo forks $n; wait; echo done",
        k = keystore.display(),
    );
    let s = spec(&script, 1, None);
    let out = run_batch(&s, &home.path().join("c5"), LIMITS)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    for taken in ["keystore", "CARGO", "KEY", "connected", "planted"] {
        assert!(!text.contains(taken), "{taken}: {text}");
    }
    let forks: u32 = text
        .lines()
        .find_map(|l| l.strip_prefix("forks "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{text}"));
    // it forked until the limit stopped it (the control: past 100 processes), not past it
    assert!(
        (100..=256).contains(&forks),
        "the process limit holds: {forks}"
    );
    assert!(text.trim().ends_with("done"), "{text}");
}
