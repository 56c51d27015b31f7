//! Executors: run a task's command in its own work directory with a wall-time limit and an
//! output-size limit, and kill it — with everything it started — when either is passed.
//!
//! - **Process**: the spec's `command` and `args`, confined by [`swan_sandbox`] (no network,
//!   only the work directory writable, nothing else of the provider's files, only the spec's
//!   `env` plus `PATH` and `HOME` = the work directory, its own user, limits on CPU, memory,
//!   processes and file size), in a new process group. On a timeout the whole run is killed.
//! - **Container**: the spec's `image` (one already on the machine: nothing is pulled), through
//!   podman (or docker) when one answers, confined by [`swan_sandbox::Container`] the same way
//!   (no network, only the work directory writable at `/work`, its own user, no capabilities, a
//!   read-only root, the spec's memory as a cgroup limit, 256 processes, CPU time); where no
//!   engine answers, the executor says so and runs nothing. A run past its time is removed.
//!
//! The result of a batch run is its output file (the spec's first `outputs` entry) or, without
//! one, its standard output.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use swan_sandbox::{Container, Limits as SandboxLimits, Sandbox};
use swan_spec::TaskSpec;
use tokio::{
    io::{AsyncRead, AsyncReadExt, AsyncWriteExt},
    process::{Child, Command},
};

/// Limits of one run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall time.
    pub wall: Duration,
    /// Largest result (and standard output), bytes.
    pub max_output: u64,
    /// Whether this provider lets a spec that asks for it (`run.network`) use the network.
    pub allow_network: bool,
}

/// Why a run produced no result.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The work directory or the process could not be set up.
    #[error("cannot start {what}: {source}")]
    Start {
        /// What.
        what: String,
        /// Why.
        source: std::io::Error,
    },
    /// The wall-time limit passed; the process group was killed.
    #[error("killed after the wall-time limit of {0:?}")]
    Timeout(Duration),
    /// The command exited unsuccessfully.
    #[error("the command failed ({status}); its last output: {tail}")]
    Failed {
        /// Exit status.
        status: String,
        /// The end of its standard error.
        tail: String,
    },
    /// The result is larger than allowed.
    #[error("the output {what} is larger than the limit of {limit} bytes")]
    TooLarge {
        /// Which output.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// The spec's output file was not written.
    #[error("the command did not write its output {0}")]
    Missing(String),
    /// The sandbox cannot run the command (not installed, no such program).
    #[error(transparent)]
    Sandbox(swan_sandbox::SandboxError),
    /// The spec asks for the network and this provider does not allow it.
    #[error(
        "the spec asks for the network (run.network) and this provider does not allow it (allow_network in its config)"
    )]
    NetworkNotAllowed,
    /// The spec asks for a container and no engine answers.
    #[error(
        "container executor disabled: no container engine answers here (tried docker and podman); this agent runs `command` tasks only"
    )]
    NoContainerEngine,
}

impl ExecError {
    fn start(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::Start {
            what: what.into(),
            source,
        }
    }
}

/// A container engine that answers, if any (podman, then docker): asked once per process, not
/// once per run (`podman info` takes a good part of a second).
pub async fn container_engine() -> Option<Container> {
    static ENGINE: tokio::sync::OnceCell<Option<Container>> = tokio::sync::OnceCell::const_new();
    ENGINE
        .get_or_init(|| Container::detect(SandboxLimits::default()))
        .await
        .clone()
}

/// The command line a spec runs, and the container it runs in (for an `image`). Either way it
/// runs confined ([`swan_sandbox`]): no network (unless the spec asks and `allow_network`), only
/// `dir` writable, only the spec's environment, its own user, 256 processes and `cpu_secs` of CPU
/// time (0: none); a process may use the spec's memory plus 1 GiB of address space for its
/// runtime, a container the spec's memory (its cgroup's limit).
async fn command(
    spec: &TaskSpec,
    dir: &Path,
    name: &str,
    (cpu_secs, allow_network): (u64, bool),
) -> Result<(Command, Option<Container>), ExecError> {
    let run = &spec.run;
    if run.network && !allow_network {
        return Err(ExecError::NetworkNotAllowed);
    }
    let memory_gib = u64::from(spec.resources.memory_gib.max(1));
    let limits = SandboxLimits {
        cpu_secs,
        memory_bytes: memory_gib << 30,
        processes: 256,
        file_bytes: 1 << 30,
        open_files: 1024,
    };
    let (mut cmd, container) = if let Some(image) = &run.image {
        let mut container = container_engine()
            .await
            .ok_or(ExecError::NoContainerEngine)?;
        container.limits = limits;
        container.cpus = spec.resources.cpu;
        container.network = run.network;
        let cmd = container
            .command(image, &run.args, &run.env, dir, name)
            .map_err(ExecError::Sandbox)?;
        (cmd, Some(container))
    } else {
        let program = run.command.as_deref().unwrap_or_default();
        let sandbox = Sandbox {
            limits: SandboxLimits {
                memory_bytes: (memory_gib + 1) << 30,
                ..limits
            },
            network: run.network,
            read_only: Vec::new(),
        };
        let cmd = sandbox
            .command(program, &run.args, &run.env, dir)
            .map_err(ExecError::Sandbox)?;
        (cmd, None)
    };
    cmd.current_dir(dir)
        .stdin(Stdio::null())
        .process_group(0)
        .kill_on_drop(true);
    Ok((cmd, container))
}

/// Kill `child`'s whole process group (its own: `process_group(0)`).
fn kill_group(child: &Child) {
    if let Some(pid) = child.id().and_then(|p| i32::try_from(p).ok()) {
        // the group may be gone already: nothing left to kill
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
}

/// Copy `from` into `to`, stopping past `limit` bytes; true when the limit was passed.
async fn copy_limited(
    mut from: impl AsyncRead + Unpin,
    to: &Path,
    limit: u64,
) -> std::io::Result<bool> {
    let mut file = tokio::fs::File::create(to).await?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = from.read(&mut buf).await?;
        if n == 0 {
            file.flush().await?;
            return Ok(false);
        }
        total += n as u64;
        if total > limit {
            return Ok(true);
        }
        file.write_all(&buf[..n]).await?;
    }
}

fn tail(path: &Path) -> String {
    let text = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&text[text.len().saturating_sub(400)..]).into_owned();
    let t = text.trim().replace('\n', " | ");
    if t.is_empty() { "(none)".into() } else { t }
}

/// Run a batch task in `dir` (created empty) and return its result's bytes.
pub async fn run_batch(spec: &TaskSpec, dir: &Path, limits: Limits) -> Result<Vec<u8>, ExecError> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| ExecError::start(dir.display().to_string(), e))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| ExecError::start(dir.display().to_string(), e))?;
    let name = dir
        .file_name()
        .map(|n| format!("swan-{}", n.to_string_lossy()))
        .unwrap_or_else(|| "swan-task".into());
    let confine = (limits.wall.as_secs().max(1), limits.allow_network);
    let (mut cmd, container) = command(spec, dir, &name, confine).await?;
    let (stdout_path, stderr_path) = (dir.join(".stdout"), dir.join(".stderr"));
    let stderr = std::fs::File::create(&stderr_path)
        .map_err(|e| ExecError::start(stderr_path.display().to_string(), e))?;
    cmd.stdout(Stdio::piped()).stderr(stderr);
    let what = spec
        .run
        .command
        .clone()
        .or_else(|| spec.run.image.clone())
        .unwrap_or_default();
    let mut child = cmd.spawn().map_err(|e| ExecError::start(what, e))?;
    let out = child.stdout.take().expect("stdout is piped");
    let copy = copy_limited(out, &stdout_path, limits.max_output);
    let waited = tokio::time::timeout(limits.wall, async {
        let over = copy.await;
        (over, child.wait().await)
    })
    .await;
    let (over, status) = match waited {
        Ok(r) => r,
        Err(_) => {
            kill_group(&child);
            let _ = child.wait().await;
            if let Some(c) = &container {
                c.remove(&name).await;
            }
            return Err(ExecError::Timeout(limits.wall));
        }
    };
    if over.map_err(|e| ExecError::start("reading the output", e))? {
        kill_group(&child);
        let _ = child.wait().await;
        if let Some(c) = &container {
            c.remove(&name).await;
        }
        return Err(ExecError::TooLarge {
            what: "standard output".into(),
            limit: limits.max_output,
        });
    }
    let status = status.map_err(|e| ExecError::start("waiting for the command", e))?;
    if !status.success() {
        return Err(ExecError::Failed {
            status: status.to_string(),
            tail: tail(&stderr_path),
        });
    }
    let (path, what): (PathBuf, String) = match spec.outputs.first() {
        Some(o) => (dir.join(&o.path), o.path.clone()),
        None => (stdout_path, "standard output".into()),
    };
    let limit = spec
        .outputs
        .first()
        .and_then(|o| o.max_bytes)
        .map_or(limits.max_output, |m| m.min(limits.max_output));
    let meta = std::fs::metadata(&path).map_err(|_| ExecError::Missing(what.clone()))?;
    if meta.len() > limit {
        return Err(ExecError::TooLarge { what, limit });
    }
    std::fs::read(&path).map_err(|e| ExecError::start(path.display().to_string(), e))
}

/// A running service: its process, killed (with its group, and its container) when this is
/// stopped or dropped.
#[derive(Debug)]
pub struct Service {
    child: Child,
    container: Option<(Container, String)>,
}

impl Service {
    /// Start a service task in `dir` (with the network if the spec asks and `allow_network`).
    pub async fn start(
        spec: &TaskSpec,
        dir: &Path,
        allow_network: bool,
    ) -> Result<Self, ExecError> {
        std::fs::create_dir_all(dir).map_err(|e| ExecError::start(dir.display().to_string(), e))?;
        let name = dir
            .file_name()
            .map(|n| format!("swan-{}", n.to_string_lossy()))
            .unwrap_or_else(|| "swan-service".into());
        let (mut cmd, container) = command(spec, dir, &name, (0, allow_network)).await?;
        let log = std::fs::File::create(dir.join(".log"))
            .map_err(|e| ExecError::start("the service log", e))?;
        let log2 = log
            .try_clone()
            .map_err(|e| ExecError::start("the service log", e))?;
        cmd.stdout(log).stderr(log2);
        let child = cmd
            .spawn()
            .map_err(|e| ExecError::start("the service", e))?;
        Ok(Self {
            child,
            container: container.map(|c| (c, name)),
        })
    }

    /// Whether it still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stop it.
    pub async fn stop(mut self) {
        kill_group(&self.child);
        let _ = self.child.wait().await;
        if let Some((c, name)) = self.container.take() {
            c.remove(&name).await;
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        kill_group(&self.child);
        if let Some((c, name)) = self.container.take() {
            // dropped without stop(): remove the container in the background where a runtime
            // runs, so it does not outlive the agent's interest in it
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move { c.remove(&name).await });
            }
        }
    }
}
