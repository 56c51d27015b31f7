//! What keeps a devnet from hurting itself or another: its directory is locked while it runs (a
//! second devnet there is refused before it touches a file), the ports it was given are checked
//! free before anything starts (a taken one is named), and its anvil is its own child that dies
//! with it however it ends (SIGKILL included), its output drained to a plain log file.

use std::{
    fs::File,
    io::{BufRead, BufReader, Read, Write},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use alloy::signers::local::PrivateKeySigner;
use nix::fcntl::{Flock, FlockArg};

use crate::devnet::DevnetError;

fn setup(what: &str, e: impl std::fmt::Display) -> DevnetError {
    DevnetError::Setup(format!("{what}: {e}"))
}

/// The devnet directory, held for the devnet's life (an advisory lock the kernel drops when the
/// process ends, however it ends).
#[derive(Debug)]
pub(crate) struct DirLock {
    _lock: Flock<File>,
}

impl DirLock {
    /// Lock `dir` (created if missing), or say who holds it.
    pub(crate) fn take(dir: &Path) -> Result<Self, DevnetError> {
        std::fs::create_dir_all(dir).map_err(|e| setup("creating the devnet directory", e))?;
        let path = dir.join("devnet.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(|e| setup("opening the devnet lock", e))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut lock) => {
                lock.set_len(0)
                    .and_then(|()| write!(lock, "{}", std::process::id()))
                    .map_err(|e| setup("writing the devnet lock", e))?;
                Ok(Self { _lock: lock })
            }
            Err((mut file, _)) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                Err(DevnetError::Setup(format!(
                    "the devnet directory {} is in use by a running devnet (pid {}): stop it first, or give another --dir",
                    dir.display(),
                    pid.trim()
                )))
            }
        }
    }
}

/// Refuse a port (given as `flag`) that something already listens on.
pub(crate) fn check_free(port: u16, flag: &str) -> Result<(), DevnetError> {
    if port == 0 {
        return Ok(());
    }
    TcpListener::bind(("127.0.0.1", port)).map(drop).map_err(|e| {
        DevnetError::Setup(format!(
            "port {port} ({flag}) is taken ({e}): another devnet or program listens there; stop it, or give {flag} 0 for a free one"
        ))
    })
}

/// A free loopback port.
pub(crate) fn free_port() -> Result<u16, DevnetError> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| setup("finding a free port", e))?;
    Ok(l.local_addr()
        .map_err(|e| setup("finding a free port", e))?
        .port())
}

/// The devnet's anvil: a child that gets SIGTERM when the devnet dies, killed when dropped.
#[derive(Debug)]
pub(crate) struct DevChain {
    child: Child,
    port: u16,
    keys: Vec<PrivateKeySigner>,
}

impl DevChain {
    /// Start anvil (`path`) on 127.0.0.1:`port` (0: a free one) with `args`, its output to
    /// `log`; wait until it listens and read its dev keys.
    pub(crate) fn start(
        path: &Path,
        port: u16,
        args: &[String],
        log: PathBuf,
    ) -> Result<Self, DevnetError> {
        let port = if port == 0 { free_port()? } else { port };
        let mut cmd = Command::new(path);
        cmd.args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(args)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        crate::devnet::die_with_parent(&mut cmd);
        let mut child = cmd.spawn().map_err(|e| {
            DevnetError::Setup(format!(
                "cannot start anvil ({}): {e}; run scripts/setup to install the pinned Foundry, or set SWAN_ANVIL",
                path.display()
            ))
        })?;
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let mut out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| setup("creating anvil's log", e))?;
        let mut err_log = out
            .try_clone()
            .map_err(|e| setup("creating anvil's log", e))?;
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut BufReader::new(stderr), &mut err_log);
        });
        // read the banner for the keys and the listening line, then keep draining to the log
        let (tx, rx) = mpsc::channel::<Result<Vec<String>, String>>();
        std::thread::spawn(move || {
            let mut keys = Vec::new();
            let mut lines = BufReader::new(stdout).lines();
            let mut sent = false;
            for line in lines.by_ref() {
                let Ok(line) = line else { break };
                let _ = writeln!(out, "{line}");
                if sent {
                    continue;
                }
                if let Some(k) = line
                    .split_whitespace()
                    .nth(1)
                    .filter(|w| line.starts_with('(') && w.len() == 66 && w.starts_with("0x"))
                {
                    keys.push(k.to_owned());
                }
                if line.starts_with("Listening on") {
                    let _ = tx.send(Ok(std::mem::take(&mut keys)));
                    sent = true;
                }
            }
            if !sent {
                let _ = tx.send(Err("it exited before listening".into()));
            }
        });
        let keys = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(keys)) => keys,
            Ok(Err(why)) => {
                let _ = child.wait();
                let tail = std::fs::read_to_string(&log).unwrap_or_default();
                let last = tail
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                return Err(DevnetError::Setup(format!(
                    "anvil did not start on 127.0.0.1:{port}: {why} ({last}); see {}",
                    log.display()
                )));
            }
            Err(_) => {
                let _ = child.kill();
                return Err(DevnetError::Setup(format!(
                    "anvil did not listen on 127.0.0.1:{port} within 30 s; see {}",
                    log.display()
                )));
            }
        };
        // the banner lists the addresses' keys twice (accounts, then private keys): the keys
        // are the 32-byte words
        let keys: Vec<PrivateKeySigner> = keys.iter().filter_map(|k| k.parse().ok()).collect();
        if keys.is_empty() {
            let _ = child.kill();
            return Err(DevnetError::Setup(format!(
                "anvil printed no dev keys; see {}",
                log.display()
            )));
        }
        Ok(Self { child, port, keys })
    }

    /// Its HTTP endpoint.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its dev accounts' keys, in anvil's order.
    pub(crate) fn keys(&self) -> &[PrivateKeySigner] {
        &self.keys
    }
}

impl Drop for DevChain {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
