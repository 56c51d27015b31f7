//! Containers: a submitter's image run through podman (or docker) with the same rules as the
//! process sandbox — no network unless allowed, only the work directory writable (at `/work`),
//! only the given environment, its own user id, every capability dropped and no way to gain one,
//! a read-only root, limits on memory (cgroup), processes, CPU time and open files — and only an
//! image already on the machine (`--pull never`: nothing is fetched on a submitter's say-so).
//!
//! Podman runs with `--runtime runc` where runc is installed: the default runtime, crun, fails on
//! hosts with hybrid cgroups, and runc works wherever crun does.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use tokio::process::Command;

use crate::{Limits, SandboxError, give, next_uid};

/// Where the work directory appears inside the container.
pub const WORKDIR: &str = "/work";

/// A container engine that answers, and how containers are confined.
#[derive(Debug, Clone)]
pub struct Container {
    /// The engine's program (`podman` or `docker`).
    pub engine: PathBuf,
    /// Resource limits (memory is the container's cgroup limit, swap included).
    pub limits: Limits,
    /// Whether the container may use the network (off by default).
    pub network: bool,
    /// CPU cores it may use (cgroup quota; 0: no quota).
    pub cpus: u32,
}

impl Container {
    /// The first engine that answers `info` within five seconds (podman, then docker), with
    /// these limits, no network and no CPU quota; `None` where neither does.
    pub async fn detect(limits: Limits) -> Option<Self> {
        Self::detect_from(&["podman", "docker"], limits).await
    }

    /// [`Container::detect`] among the given engine programs (names or absolute paths).
    pub async fn detect_from(engines: &[&str], limits: Limits) -> Option<Self> {
        for &engine in engines {
            let Ok(path) = crate::resolve(engine) else {
                continue;
            };
            let mut probe = Command::new(&path);
            probe
                .arg("info")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true);
            let answered = tokio::time::timeout(Duration::from_secs(5), probe.status()).await;
            if matches!(answered, Ok(Ok(s)) if s.success()) {
                return Some(Self {
                    engine: path,
                    limits,
                    network: false,
                    cpus: 0,
                });
            }
        }
        None
    }

    fn is_podman(&self) -> bool {
        self.engine.file_name().is_some_and(|n| n == "podman")
    }

    /// The engine with its global options (podman: runc as the runtime, where installed).
    fn engine_command(&self) -> Command {
        let mut c = Command::new(&self.engine);
        c.env_clear().env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        if self.is_podman()
            && let Ok(runc) = crate::resolve("runc").or_else(|_| crate::resolve("/usr/sbin/runc"))
        {
            c.arg("--runtime").arg(runc);
        }
        c
    }

    /// The command that runs `image` with `args` (after the image's entrypoint) as the
    /// container `name`: `workdir` (which must exist) is mounted read-write at [`WORKDIR`] and
    /// is its working directory; `env` is all it is given. Kill a run that must stop with
    /// [`Container::remove`]: killing the engine's client does not stop the container.
    pub fn command(
        &self,
        image: &str,
        args: &[String],
        env: &BTreeMap<String, String>,
        workdir: &Path,
        name: &str,
    ) -> Result<Command, SandboxError> {
        if image.starts_with('-') || image.is_empty() {
            return Err(SandboxError::NoProgram(image.to_owned()));
        }
        let l = &self.limits;
        let mut c = self.engine_command();
        c.args(["run", "--rm", "--pull", "never", "--name", name]);
        c.args(["--network", if self.network { "bridge" } else { "none" }]);
        c.args(["--cap-drop", "all", "--security-opt", "no-new-privileges"]);
        c.args(["--read-only", "--tmpfs", "/tmp"]);
        // the process limits of the run's own user (a fresh uid per run when the caller is root)
        if nix::unistd::geteuid().is_root() {
            let uid = next_uid();
            give(workdir, uid).map_err(|source| SandboxError::WorkDir {
                dir: workdir.to_path_buf(),
                source,
            })?;
            c.arg("--user").arg(format!("{uid}:{uid}"));
        }
        let memory = format!("{}b", l.memory_bytes);
        c.arg("--memory")
            .arg(&memory)
            .arg("--memory-swap")
            .arg(&memory);
        c.arg("--pids-limit").arg(l.processes.to_string());
        if self.cpus > 0 {
            c.arg(format!("--cpus={}", self.cpus));
        }
        c.arg("--ulimit").arg(format!("nproc={0}:{0}", l.processes));
        c.arg("--ulimit")
            .arg(format!("nofile={0}:{0}", l.open_files));
        c.arg("--ulimit")
            .arg(format!("fsize={0}:{0}", l.file_bytes));
        if l.cpu_secs > 0 {
            c.arg("--ulimit").arg(format!("cpu={0}:{0}", l.cpu_secs));
        }
        c.arg("-v").arg(format!("{}:{WORKDIR}", workdir.display()));
        c.args(["-w", WORKDIR]);
        for (k, v) in env {
            c.arg("-e").arg(format!("{k}={v}"));
        }
        c.arg(image).args(args);
        Ok(c)
    }

    /// Stop and remove the container `name` (a run past its time); nothing if it is gone.
    pub async fn remove(&self, name: &str) {
        let mut c = self.engine_command();
        c.args(["rm", "-f", "-t", "0", name])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // a container already gone is what removal wants
        let _ = c.status().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn no_engine_answers_where_none_is_installed() {
        let none = Container::detect_from(
            &["no-such-engine", "/nonexistent/podman"],
            Limits::default(),
        );
        assert!(none.await.is_none());
    }

    #[test]
    fn an_image_name_cannot_pass_for_an_option() {
        let c = Container {
            engine: PathBuf::from("/usr/bin/podman"),
            limits: Limits::default(),
            network: false,
            cpus: 0,
        };
        let dir = std::env::temp_dir();
        for image in ["--privileged", ""] {
            let e = c
                .command(image, &[], &BTreeMap::new(), &dir, "n")
                .unwrap_err();
            assert!(matches!(e, SandboxError::NoProgram(_)), "{e:?}");
        }
    }
}
