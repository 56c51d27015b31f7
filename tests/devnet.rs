//! `swan devnet` cannot hurt itself or another: a second devnet in a directory in use is refused
//! before it touches a file, a taken port is named, every command reaches it through the
//! `swan.toml` it writes, its logs are plain text, and when it is killed (SIGKILL, no cleanup)
//! its anvil and components go with it.

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

mod common;
use common::field;

/// `swan devnet` in `dir` on free ports, with `more` flags.
fn devnet_args<'a>(dir: &'a Path, more: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "devnet",
        "--port",
        "0",
        "--indexer-port",
        "0",
        "--keeper-port",
        "0",
        "--dir",
        dir.to_str().unwrap(),
    ];
    args.extend_from_slice(more);
    args
}

fn swan(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_swan"));
    c.args(args)
        .env_remove("SWAN_MANIFEST")
        .env_remove("SWAN_INDEXER_URL")
        .env_remove("SWAN_CONFIG")
        .env("NO_COLOR", "1");
    c
}

/// Start a devnet in `dir`; its printed lines up to the config line.
fn start(dir: &Path) -> (Child, Vec<String>) {
    let mut child = swan(&devnet_args(dir, &["--providers", "1"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    for l in BufReader::new(child.stdout.take().unwrap()).lines() {
        let l = l.unwrap();
        let done = l.trim_start().starts_with("export SWAN_CONFIG=");
        lines.push(l);
        if done {
            break;
        }
    }
    (child, lines)
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

fn error_of(o: &Output) -> String {
    assert!(
        !o.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stderr).trim().to_owned()
}

fn free(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_ok()
}

#[test]
fn a_devnet_guards_its_directory_its_ports_and_its_children() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("dn");
    let (mut child, lines) = start(&dir);
    let rpc = port_of(field(&lines, "rpc"));
    let indexer_url = field(&lines, "indexer")
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let indexer = port_of(&indexer_url);
    let db = dir.join("indexer.db");
    assert!(db.exists(), "{lines:?}");

    // a second devnet in the same directory: refused before it deletes anything
    let before = std::fs::metadata(&db).unwrap().len();
    let o = swan(&devnet_args(&dir, &["--once"])).output().unwrap();
    let e = error_of(&o);
    assert_eq!(
        e,
        format!(
            "error: the devnet directory {} is in use by a running devnet (pid {}): stop it first, or give another --dir",
            dir.display(),
            child.id()
        )
    );
    assert!(
        std::fs::metadata(&db).unwrap().len() >= before,
        "the live database was touched"
    );

    // a taken port is named, whichever flag gave it
    let other = root.path().join("other");
    for (flag, port) in [("--port", rpc), ("--indexer-port", indexer)] {
        let mut args = vec!["devnet", "--once", "--dir", other.to_str().unwrap()];
        let p = port.to_string();
        for f in ["--port", "--indexer-port", "--keeper-port"] {
            args.extend([f, if f == flag { p.as_str() } else { "0" }]);
        }
        let e = error_of(&swan(&args).output().unwrap());
        assert!(
            e.starts_with(&format!("error: port {port} ({flag}) is taken ("))
                && e.ends_with(&format!("give {flag} 0 for a free one")),
            "{e}"
        );
        assert!(
            !other.join("indexer.db").exists(),
            "{flag}: it started anyway"
        );
    }

    // swan.toml: a command reaches the devnet with SWAN_CONFIG alone
    let config = dir.canonicalize().unwrap().join("swan.toml");
    assert!(
        lines
            .iter()
            .any(|l| l.trim() == format!("export SWAN_CONFIG={}", config.display())),
        "{lines:?}"
    );
    let o = swan(&["task", "list"])
        .env("SWAN_CONFIG", &config)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("0 of 0"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // plain logs
    let logs: Vec<_> = std::fs::read_dir(dir.join("logs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(logs.iter().any(|p| p.ends_with("anvil.log")), "{logs:?}");
    for log in &logs {
        let text = std::fs::read(log).unwrap();
        assert!(!text.contains(&0x1b), "colour codes in {}", log.display());
    }

    // killed outright: anvil and the indexer go with it, their ports free again
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let _ = child.wait();
    let t = Instant::now();
    while !(free(rpc) && free(indexer)) {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "anvil or the indexer outlived the devnet"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // and the directory is free for the next devnet
    let o = swan(&devnet_args(&dir, &["--providers", "1", "--once"]))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
