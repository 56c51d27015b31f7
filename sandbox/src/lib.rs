//! Running another party's program confined. Every program a submitter names — a provider's
//! task, a keeper's validator — runs through here:
//!
//! - **bubblewrap** namespaces: no network (unless the caller allows it), its own process tree
//!   (the host's processes, and so their `/proc/<pid>/environ`, are not visible), a read-only
//!   `/usr` (with `/bin`, `/lib` as its links) and nothing else of the host's files but the
//!   paths the caller names read-only and one writable work directory, a private `/tmp`;
//! - an **empty environment**: bubblewrap itself is started with only `PATH`, and the program
//!   gets only the variables the caller passes (so no key in the caller's environment reaches
//!   any child process);
//! - its **own user id** when the caller is root (a fresh one per run, so runs cannot touch each
//!   other's files and the process limit counts this run alone), the work directory handed to it:
//!   bubblewrap runs as root without a user namespace (so it reaches the work directory whatever
//!   the modes of its parents, which it recreates traversable) and the program drops to that uid
//!   with `setpriv` inside; a caller that is not root runs bubblewrap in a user namespace as itself;
//! - **limits** from `prlimit`: CPU seconds, address space, processes, file size, open files.
//!   The wall-time limit is the caller's (kill the child: bubblewrap takes the whole tree down).
//!
//! Needs `bwrap` (Debian's `bubblewrap`), `setpriv` and `prlimit` (util-linux); `scripts/setup`
//! installs them. Without them [`Sandbox::command`] fails with [`SandboxError::Missing`] rather
//! than run the program unconfined.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::atomic::{AtomicU32, Ordering},
};

use tokio::process::Command;

mod container;
pub use container::{Container, WORKDIR};

/// Limits of one confined run (the wall-time limit is the caller's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// CPU time, seconds (0: none, for services that run until stopped).
    pub cpu_secs: u64,
    /// Address space, bytes.
    pub memory_bytes: u64,
    /// Processes (and threads) of the run's user.
    pub processes: u64,
    /// Largest file it may write, bytes.
    pub file_bytes: u64,
    /// Open files.
    pub open_files: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu_secs: 60,
            memory_bytes: 2 << 30,
            processes: 128,
            file_bytes: 256 << 20,
            open_files: 256,
        }
    }
}

/// Why a confined run cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// A tool the sandbox needs is not installed.
    #[error(
        "{0} is not installed, and nothing is run unconfined: run scripts/setup (Debian packages bubblewrap and util-linux)"
    )]
    Missing(&'static str),
    /// The program is not there.
    #[error("cannot run {0:?}: no such program (give an absolute path, or a program in /usr/bin)")]
    NoProgram(String),
    /// The work directory cannot be handed to the run's user.
    #[error("cannot prepare the work directory {dir}: {source}")]
    WorkDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// How programs are confined.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    /// Resource limits.
    pub limits: Limits,
    /// Whether the program may use the network (the host's; off by default).
    pub network: bool,
    /// Host paths the program may read (at the same path).
    pub read_only: Vec<PathBuf>,
}

/// User ids handed to runs (when the caller is root): far above any real account.
const FIRST_UID: u32 = 2_000_000;
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A fresh user id for one run.
fn next_uid() -> u32 {
    FIRST_UID + NEXT.fetch_add(1, Ordering::Relaxed) % 1_000_000
}

/// Where `program` is, as the sandbox runs it: an absolute path as given, else found in
/// `/usr/bin`, `/bin` or `/usr/local/bin`.
pub fn resolve(program: &str) -> Result<PathBuf, SandboxError> {
    let p = Path::new(program);
    let found = if p.is_absolute() {
        p.is_file().then(|| p.to_path_buf())
    } else if program.contains('/') {
        None
    } else {
        ["/usr/bin", "/bin", "/usr/local/bin"]
            .iter()
            .map(|d| Path::new(d).join(program))
            .find(|c| c.is_file())
    };
    found.ok_or_else(|| SandboxError::NoProgram(program.to_owned()))
}

fn need(tool: &'static str) -> Result<(), SandboxError> {
    let found = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]
        .iter()
        .any(|d| Path::new(d).join(tool).is_file());
    if found {
        Ok(())
    } else {
        Err(SandboxError::Missing(tool))
    }
}

/// Hand `dir` and everything in it to `uid`.
fn give(dir: &Path, uid: u32) -> std::io::Result<()> {
    let owner = Some(nix::unistd::Uid::from_raw(uid));
    let group = Some(nix::unistd::Gid::from_raw(uid));
    nix::unistd::chown(dir, owner, group).map_err(std::io::Error::from)?;
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_symlink() {
                continue;
            }
            give(&path, uid)?;
        }
    }
    Ok(())
}

impl Sandbox {
    /// The command that runs `program` with `args` confined: `workdir` (which must exist) is
    /// its only writable directory and its working directory, at the same path; `env` is its
    /// whole environment (with `PATH` and `HOME` = `workdir` unless given). The caller sets
    /// standard input and output and spawns it; killing the child kills the whole run.
    pub fn command(
        &self,
        program: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
        workdir: &Path,
    ) -> Result<Command, SandboxError> {
        for tool in ["bwrap", "prlimit", "setpriv"] {
            need(tool)?;
        }
        let program = resolve(program)?;
        let l = &self.limits;
        let mut c = Command::new("prlimit");
        c.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .arg(match l.cpu_secs {
                0 => "--cpu=unlimited".to_owned(),
                n => format!("--cpu={n}"),
            })
            .arg(format!("--as={}", l.memory_bytes))
            .arg(format!("--nproc={}", l.processes))
            .arg(format!("--fsize={}", l.file_bytes))
            .arg(format!("--nofile={}", l.open_files))
            .arg("--core=0")
            .arg("--");
        // as root, bubblewrap runs as root (so it can reach the work directory whatever the
        // modes of its parents) without a user namespace, and the program drops to a fresh uid
        // through setpriv inside; otherwise bubblewrap runs as the caller in a user namespace
        let uid = nix::unistd::geteuid().is_root().then(next_uid);
        if let Some(uid) = uid {
            give(workdir, uid).map_err(|source| SandboxError::WorkDir {
                dir: workdir.to_path_buf(),
                source,
            })?;
        }
        c.arg("bwrap");
        match uid {
            Some(_) => c.args([
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--cap-add",
                "CAP_SETUID",
                "--cap-add",
                "CAP_SETGID",
            ]),
            None => c.args(["--unshare-all"]),
        };
        c.args(["--die-with-parent", "--new-session"]);
        match (uid.is_some(), self.network) {
            (true, false) => {
                c.arg("--unshare-net");
            }
            (false, true) => {
                c.arg("--share-net");
            }
            _ => {}
        }
        c.args(["--clearenv", "--ro-bind", "/usr", "/usr"]);
        for (link, target) in [
            ("/bin", "usr/bin"),
            ("/sbin", "usr/sbin"),
            ("/lib", "usr/lib"),
            ("/lib64", "usr/lib64"),
        ] {
            if Path::new(link).is_symlink() {
                c.args(["--symlink", target, link]);
            } else if Path::new(link).exists() {
                c.args(["--ro-bind", link, link]);
            }
        }
        // the dynamic linker's cache and the alternatives links some programs go through
        // (awk, for one), in an /etc the program can enter
        c.args(["--perms", "0755", "--dir", "/etc"]);
        for etc in ["/etc/ld.so.cache", "/etc/alternatives"] {
            if Path::new(etc).exists() {
                c.args(["--ro-bind", etc, etc]);
            }
        }
        c.args(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]);
        let mut read_only = self.read_only.clone();
        if !program.starts_with("/usr") {
            read_only.push(program.clone());
        }
        // the directories leading to each bound path, traversable (bubblewrap makes them 0700)
        let mut made = std::collections::BTreeSet::new();
        for target in read_only.iter().map(PathBuf::as_path).chain([workdir]) {
            let mut ancestors: Vec<&Path> = target
                .ancestors()
                .skip(1)
                .filter(|a| a.parent().is_some() && !a.starts_with("/usr"))
                .collect();
            ancestors.reverse();
            for a in ancestors {
                if made.insert(a.to_path_buf()) {
                    c.args(["--perms", "0755", "--dir"]).arg(a);
                }
            }
        }
        for p in &read_only {
            c.arg("--ro-bind").arg(p).arg(p);
        }
        c.arg("--bind").arg(workdir).arg(workdir);
        // the sandbox's own root (where the mount points were made) is read-only too
        c.args(["--remount-ro", "/"]);
        c.arg("--chdir").arg(workdir);
        let mut vars = env.clone();
        vars.entry("PATH".into())
            .or_insert_with(|| "/usr/bin:/bin".into());
        vars.entry("HOME".into())
            .or_insert_with(|| workdir.display().to_string());
        for (k, v) in &vars {
            c.args(["--setenv", k, v]);
        }
        c.arg("--");
        if let Some(uid) = uid {
            c.arg("/usr/bin/setpriv")
                .arg(format!("--reuid={uid}"))
                .arg(format!("--regid={uid}"))
                .arg("--clear-groups")
                .arg("--");
        }
        c.arg(&program).args(args);
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_or_named_missing() {
        assert_eq!(resolve("sh").unwrap(), PathBuf::from("/usr/bin/sh"));
        assert!(matches!(
            resolve("/nonexistent/validator"),
            Err(SandboxError::NoProgram(_))
        ));
        assert!(matches!(
            resolve("./score"),
            Err(SandboxError::NoProgram(_))
        ));
        assert!(matches!(
            resolve("no-such-program-here"),
            Err(SandboxError::NoProgram(_))
        ));
    }
}
