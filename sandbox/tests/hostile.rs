//! A hostile program, confined: it tries to read the caller's environment (its own and, through
//! `/proc`, its parent's), a key file beside its work directory, to reach a server on the host,
//! to write outside its directory, to fork, allocate and spin without limit. Every attempt fails;
//! the controls (the same attempt allowed) show each test can tell.

use std::{collections::BTreeMap, path::Path, process::Stdio, time::Duration};

use swan_sandbox::{Limits, Sandbox};

const PROBE: &str = env!("CARGO_BIN_EXE_sandbox-probe");

/// Run the probe confined by `sandbox` in a fresh work directory; its exit status and output.
async fn probe(sandbox: &Sandbox, args: &[&str]) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().unwrap();
    probe_in(sandbox, args, dir.path()).await
}

async fn probe_in(
    sandbox: &Sandbox,
    args: &[&str],
    dir: &Path,
) -> (std::process::ExitStatus, String) {
    let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    let mut env = BTreeMap::new();
    env.insert("TASK_INPUT".to_owned(), "42".to_owned());
    let mut cmd = sandbox.command(PROBE, &args, &env, dir).unwrap();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the sandbox ends the run")
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status, text)
}

#[tokio::test]
async fn the_environment_is_only_what_the_caller_passes() {
    let (status, out) = probe(&Sandbox::default(), &["env"]).await;
    assert!(status.success(), "{out}");
    assert_eq!(out.trim(), "HOME,PATH,PWD,TASK_INPUT");
    // this test process has a rich environment (CARGO_*, HOME …): none of it is visible through
    // /proc either — not the sandbox's own init, not the caller
    assert!(std::env::var_os("CARGO_MANIFEST_DIR").is_some());
    let (status, out) = probe(&Sandbox::default(), &["environ"]).await;
    assert!(status.success(), "{out}");
    assert!(
        out.contains("TASK_INPUT=42"),
        "the probe reads its own: {out}"
    );
    assert!(
        !out.contains("CARGO"),
        "the caller's environment leaked: {out}"
    );
    assert!(
        !out.contains(&format!("/proc/{}/", std::process::id())),
        "{out}"
    );
}

#[tokio::test]
async fn files_beside_the_work_directory_are_not_there() {
    let home = tempfile::tempdir().unwrap();
    let key = home.path().join("keeper.json");
    std::fs::write(&key, "{\"crypto\": \"the keeper's keystore\"}").unwrap();
    let work = home.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let (_, out) = probe_in(&Sandbox::default(), &["read", key.to_str().unwrap()], &work).await;
    assert!(out.starts_with("refused"), "{out}");
    // the control: a path the caller lists read-only is readable
    let allowed = Sandbox {
        read_only: vec![key.clone()],
        ..Sandbox::default()
    };
    let (_, out) = probe_in(&allowed, &["read", key.to_str().unwrap()], &work).await;
    assert!(out.contains("the keeper's keystore"), "{out}");
}

#[tokio::test]
async fn no_network_unless_allowed() {
    let server = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = server.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        loop {
            let _ = server.accept().await;
        }
    });
    let (_, out) = probe(&Sandbox::default(), &["connect", &addr]).await;
    assert!(out.starts_with("refused"), "{out}");
    let open = Sandbox {
        network: true,
        ..Sandbox::default()
    };
    let (_, out) = probe(&open, &["connect", &addr]).await;
    assert_eq!(out.trim(), "connected", "the control");
}

#[tokio::test]
async fn only_the_work_directory_is_writable() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("planted");
    let work = tempfile::tempdir().unwrap();
    for path in [target.to_str().unwrap(), "/usr/planted", "/etc/planted"] {
        let (_, out) = probe_in(&Sandbox::default(), &["write", path], work.path()).await;
        assert!(out.starts_with("refused"), "{path}: {out}");
    }
    assert!(!target.exists() && !Path::new("/usr/planted").exists());
    let inside = work.path().join("result");
    let (_, out) = probe_in(
        &Sandbox::default(),
        &["write", inside.to_str().unwrap()],
        work.path(),
    )
    .await;
    assert_eq!(out.trim(), "wrote");
    assert_eq!(std::fs::read(&inside).unwrap(), b"pwned");
}

#[tokio::test]
async fn forks_memory_and_cpu_are_limited() {
    let with = |limits: Limits| Sandbox {
        limits,
        ..Sandbox::default()
    };
    let tight = with(Limits {
        processes: 16,
        ..Limits::default()
    });
    let (_, out) = probe(&tight, &["fork", "200"]).await;
    let started: usize = out
        .trim()
        .strip_prefix("started ")
        .unwrap_or_else(|| panic!("{out}"))
        .parse()
        .unwrap();
    assert!(
        started < 16,
        "{started} processes started under a limit of 16"
    );

    let small = with(Limits {
        memory_bytes: 256 << 20,
        ..Limits::default()
    });
    let (_, out) = probe(&small, &["alloc", "2048"]).await;
    let mib: usize = out
        .trim()
        .strip_prefix("allocated ")
        .and_then(|s| s.strip_suffix(" MiB"))
        .unwrap_or_else(|| panic!("{out}"))
        .parse()
        .unwrap();
    assert!(mib < 256, "{mib} MiB under a limit of 256 MiB");

    // killed by its CPU limit (the test's own timeout would fail the test instead)
    let brief = with(Limits {
        cpu_secs: 1,
        ..Limits::default()
    });
    let (status, out) = probe(&brief, &["spin"]).await;
    assert!(!status.success(), "{out}");
}

#[tokio::test]
async fn a_missing_program_is_named_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let e = Sandbox::default()
        .command("/nonexistent/validator", &[], &BTreeMap::new(), dir.path())
        .unwrap_err();
    assert!(e.to_string().contains("no such program"), "{e}");
}

/// A work directory below a directory only its owner may enter (as `mkdtemp` makes them): the
/// run still gets in, and sees nothing of that directory but its own work directory.
#[tokio::test]
async fn a_work_directory_below_a_private_directory() {
    use std::os::unix::fs::PermissionsExt;
    let private = tempfile::tempdir().unwrap();
    std::fs::set_permissions(private.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(private.path().join("sibling"), "not yours").unwrap();
    let work = private.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let result = work.join("result");
    let (status, out) = probe_in(
        &Sandbox::default(),
        &["write", result.to_str().unwrap()],
        &work,
    )
    .await;
    assert!(status.success() && out.trim() == "wrote", "{out}");
    let sibling = private.path().join("sibling");
    let (_, out) = probe_in(
        &Sandbox::default(),
        &["read", sibling.to_str().unwrap()],
        &work,
    )
    .await;
    assert!(out.starts_with("refused"), "{out}");
}

/// Programs reached through Debian's alternatives links run (awk is /etc/alternatives/awk).
#[tokio::test]
async fn programs_behind_alternatives_links_run() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "-c".to_owned(),
        "seq 1 10 | awk '{s+=$1} END {print s}'".to_owned(),
    ];
    let mut cmd = Sandbox::default()
        .command("sh", &args, &BTreeMap::new(), dir.path())
        .unwrap();
    let out = cmd.stdin(Stdio::null()).output().await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "55",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
