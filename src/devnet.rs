//! `swan devnet`: the embedded default — a local anvil chain with the contracts deployed, the
//! indexer (SQLite), the keeper and N provider agents of different sizes, regions and prices,
//! each its own process (this same binary), running until Ctrl-C.
//!
//! Accounts (anvil's dev keys): 0 deploys and is the keeper, 1 is the submitter, 2.. are the
//! providers' owners and the ones after them their workers. Logs go to `<dir>/logs/`. The
//! market's parameters are the dev ones (5 % fee, half of a slash to the submitter, 5 % bounty,
//! 100-token minimum stake) with a 10-second unbonding delay.

use std::{
    path::{Path, PathBuf},
    process::Stdio,
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256, hex},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use clap::Args;
use swan_contracts::{DeployConfig, DevToken, Manifest, anvil_path, deploy};
use tokio::process::{Child, Command};

use crate::{
    deploy_cmd::manifest_text,
    devchain::{DevChain, DirLock, check_free},
};

/// Arguments of `swan devnet`.
#[derive(Debug, Clone, Args)]
pub(crate) struct DevnetArgs {
    /// Port anvil listens on (127.0.0.1 only); 0 picks a free one.
    #[arg(long, default_value_t = 8545)]
    pub(crate) port: u16,
    /// Seconds per block (deadlines run on the chain's clock, so blocks keep coming).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub(crate) block_time: u64,
    /// Where the manifest, the indexer's database, the provider configs and the logs go.
    #[arg(long, default_value = ".devnet")]
    pub(crate) dir: PathBuf,
    /// How many provider agents to run (their shapes: see the README).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub(crate) providers: u8,
    /// Port of the indexer's API (0: a free one).
    #[arg(long, default_value_t = 8080)]
    pub(crate) indexer_port: u16,
    /// Port of the keeper's /health, /metrics and /decisions (0: a free one).
    #[arg(long, default_value_t = 8081)]
    pub(crate) keeper_port: u16,
    /// Start everything, wait until it is ready, print it and stop (instead of running until
    /// Ctrl-C).
    #[arg(long)]
    pub(crate) once: bool,
    /// Make this provider (p1 … p5) submit wrong results, to watch it being slashed.
    #[arg(long, value_parser = ["p1", "p2", "p3", "p4", "p5"])]
    pub(crate) dishonest: Option<String>,
    /// How often each provider agent moves its earnings to its beneficiary, in seconds (a
    /// large value leaves them in the market, e.g. for a test that claims them itself).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=31_536_000))]
    pub(crate) claim_every_secs: u64,
    /// Instead of starting a devnet, act on a running one.
    #[command(subcommand)]
    pub(crate) action: Option<DevnetAction>,
}

/// What `swan devnet` does to a running devnet.
#[derive(Debug, Clone, clap::Subcommand)]
pub(crate) enum DevnetAction {
    /// Give an address tokens and gas on a running devnet (a new provider or submitter).
    ///
    /// Example: `swan devnet fund 0x… 1000`
    Fund(crate::devnet_fund::FundArgs),
}

/// Why the devnet failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DevnetError {
    /// The deployment failed.
    #[error(transparent)]
    Deploy(#[from] swan_contracts::DeployError),
    /// The manifest could not be written.
    #[error(transparent)]
    Manifest(#[from] swan_contracts::ManifestError),
    /// Setting up accounts or files, or starting a component.
    #[error("{0}")]
    Setup(String),
}

fn setup(what: &str) -> impl Fn(String) -> DevnetError + '_ {
    move |e| DevnetError::Setup(format!("{what}: {e}"))
}

/// A provider the devnet runs.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// Name (`p1` …).
    pub(crate) name: &'static str,
    /// Region label.
    pub(crate) region: &'static str,
    /// CPU cores.
    pub(crate) cpu: u32,
    /// GPUs (A100).
    pub(crate) gpus: u32,
    /// SWAN per CPU-hour.
    pub(crate) cpu_hour: &'static str,
}

/// How the devnet's keeper (and `swan verify` after it) judges results: it reads `file://` result
/// URIs, and its specs score results with sh and python3 scripts (run confined, as every
/// validator).
pub(crate) const JUDGE_FLAGS: [&str; 5] = [
    "--allow-files",
    "--allow-validator",
    "sh",
    "--allow-validator",
    "python3",
];

/// The devnet's providers, smallest first.
pub(crate) const SHAPES: [Shape; 5] = [
    Shape {
        name: "p1",
        region: "eu",
        cpu: 4,
        gpus: 0,
        cpu_hour: "0.001",
    },
    Shape {
        name: "p2",
        region: "us",
        cpu: 8,
        gpus: 0,
        cpu_hour: "0.002",
    },
    Shape {
        name: "p3",
        region: "us",
        cpu: 16,
        gpus: 2,
        cpu_hour: "0.003",
    },
    Shape {
        name: "p4",
        region: "asia",
        cpu: 16,
        gpus: 0,
        cpu_hour: "0.0025",
    },
    Shape {
        name: "p5",
        region: "eu",
        cpu: 8,
        gpus: 0,
        cpu_hour: "0.0015",
    },
];

/// One running provider agent.
#[derive(Debug)]
pub(crate) struct Agent {
    pub(crate) shape: Shape,
    pub(crate) owner: PrivateKeySigner,
    pub(crate) worker: PrivateKeySigner,
    pub(crate) config: PathBuf,
    pub(crate) child: Option<Child>,
}

/// A component process of the devnet (the indexer, a keeper) and how to start it again.
#[derive(Debug)]
pub(crate) struct Process {
    name: String,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    pub(crate) child: Option<Child>,
}

impl Process {
    fn new(name: &str, args: Vec<String>, env: Vec<(&'static str, String)>) -> Self {
        Self {
            name: name.to_owned(),
            args,
            env,
            child: None,
        }
    }

    /// Start it (again), its output appended to `<dir>/logs/<name>.log`.
    pub(crate) fn start(&mut self, dir: &Path) -> Result<(), DevnetError> {
        let env: Vec<(&str, String)> = self.env.iter().map(|(k, v)| (*k, v.clone())).collect();
        self.child = Some(spawn_self(dir, &self.name, &self.args, &env)?);
        Ok(())
    }

    /// SIGKILL it (nothing is flushed or released).
    pub(crate) async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }

    /// Whether it runs; an exit of its own is returned (and forgotten).
    pub(crate) fn exited(&mut self) -> Option<std::process::ExitStatus> {
        let status = self.child.as_mut()?.try_wait().ok().flatten()?;
        self.child = None;
        Some(status)
    }
}

/// What `swan chaos` changes in a devnet.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extras {
    /// The RPC URL the indexer, the keepers and the agents use (a faulty proxy in front of
    /// anvil); anvil's own endpoint when None.
    pub(crate) component_rpc: Option<String>,
    /// More keepers granted at deployment (accounts after the workers), started by the caller.
    pub(crate) extra_keepers: usize,
    /// Flags added to every keeper's command line.
    pub(crate) keeper_args: Vec<String>,
    /// anvil's slots per epoch (its finalized block is this many blocks behind the head); 0:
    /// the devnet's 1.
    pub(crate) slots_in_an_epoch: u64,
}

/// A running devnet; dropping it stops every process.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) anvil: DevChain,
    /// The devnet directory's lock, held while this runs.
    _lock: DirLock,
    pub(crate) manifest: Manifest,
    pub(crate) manifest_path: PathBuf,
    pub(crate) db: PathBuf,
    pub(crate) dir: PathBuf,
    pub(crate) indexer_url: String,
    pub(crate) keeper_url: String,
    pub(crate) keeper: PrivateKeySigner,
    pub(crate) submitter: PrivateKeySigner,
    pub(crate) agents: Vec<Agent>,
    /// The indexer (killed when this is dropped).
    pub(crate) indexer: Process,
    /// The keepers: the devnet's own (account 0, running), then the extra ones (not started).
    pub(crate) keepers: Vec<(PrivateKeySigner, Process)>,
    /// Signs as any dev account.
    pub(crate) p: DynProvider,
}

/// A free loopback port (or `port` itself when not 0).
fn port_or_free(port: u16) -> Result<u16, DevnetError> {
    if port != 0 {
        return Ok(port);
    }
    crate::devchain::free_port()
}

/// Have `cmd`'s process get SIGTERM when this one dies, however it dies (the parent-death
/// signal), so no child of a devnet outlives it.
pub(crate) fn die_with_parent(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: pre_exec runs between fork and exec; the hook only sets this process's
    // parent-death signal (prctl), which is async-signal-safe and allocates nothing
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                .map_err(std::io::Error::from)
        });
    }
}

/// `swan <args>` as a child: its output to `<dir>/logs/<name>.log`; it dies with us.
pub(crate) fn spawn_self(
    dir: &Path,
    name: &str,
    args: &[String],
    env: &[(&str, String)],
) -> Result<Child, DevnetError> {
    let exe =
        std::env::current_exe().map_err(|e| setup("finding the swan binary")(e.to_string()))?;
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs)
        .map_err(|e| setup("creating the log directory")(e.to_string()))?;
    // appended: a component restarted (by `swan chaos`) keeps its earlier lives' lines
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join(format!("{name}.log")))
        .map_err(|e| setup("creating a log file")(e.to_string()))?;
    let log2 = log
        .try_clone()
        .map_err(|e| setup("creating a log file")(e.to_string()))?;
    let mut std_cmd = std::process::Command::new(exe);
    std_cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)));
    die_with_parent(&mut std_cmd);
    let mut cmd = Command::from(std_cmd);
    cmd.kill_on_drop(true);
    cmd.spawn()
        .map_err(|e| setup(&format!("starting the {name}"))(e.to_string()))
}

fn key_hex(k: &PrivateKeySigner) -> String {
    format!("0x{}", hex::encode(k.to_bytes()))
}

const TOKEN: u128 = 1_000_000_000_000_000_000;

/// The devnet's unbonding delay, seconds.
pub(crate) const UNBONDING_SECS: u32 = 10;

/// Start the devnet and wait until the indexer serves it and every provider is registered.
pub(crate) async fn up(args: &DevnetArgs) -> Result<Running, DevnetError> {
    up_with(args, &Extras::default()).await
}

/// [`up`], changed by `extras`.
pub(crate) async fn up_with(args: &DevnetArgs, extras: &Extras) -> Result<Running, DevnetError> {
    let dir = args.dir.clone();
    // nothing is touched before the directory is ours and the ports are free
    let lock = DirLock::take(&dir)?;
    check_free(args.port, "--port")?;
    check_free(args.indexer_port, "--indexer-port")?;
    check_free(args.keeper_port, "--keeper-port")?;
    let db = dir.join("indexer.db");
    for f in ["indexer.db", "indexer.db-wal", "indexer.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    // the logs are appended to: a new devnet starts them afresh
    let _ = std::fs::remove_dir_all(dir.join("logs"));
    std::fs::create_dir_all(dir.join("logs"))
        .map_err(|e| setup("creating the log directory")(e.to_string()))?;
    let anvil = DevChain::start(
        &anvil_path(),
        args.port,
        &[
            "--accounts",
            "20",
            "--slots-in-an-epoch",
            &extras.slots_in_an_epoch.max(1).to_string(),
            "--block-time",
            &args.block_time.to_string(),
        ]
        .map(String::from),
        dir.join("logs").join("anvil.log"),
    )?;
    let keys: Vec<PrivateKeySigner> = anvil.keys().to_vec();
    let mut wallet = EthereumWallet::from(keys[0].clone());
    for k in &keys[1..] {
        wallet.register_signer(k.clone());
    }
    let p = ProviderBuilder::new()
        .wallet(wallet)
        .connect_http(
            anvil
                .endpoint()
                .parse()
                .map_err(|e| setup("anvil's endpoint")(format!("{e}")))?,
        )
        .erased();
    let keeper = keys[0].clone();
    let n = usize::from(args.providers);
    let extra: Vec<PrivateKeySigner> = keys[2 + 2 * n..][..extras.extra_keepers].to_vec();
    let mut cfg = DeployConfig::devnet(keeper.address(), anvil.endpoint());
    cfg.keepers = std::iter::once(keeper.address())
        .chain(extra.iter().map(PrivateKeySigner::address))
        .collect();
    // a short unbonding delay, so a withdrawal can be tried within a session
    cfg.params.unbondingDelay = UNBONDING_SECS;
    let manifest = deploy(&p, &cfg).await?;
    let manifest_path = dir.join("manifest.json");
    let mut components = manifest.clone();
    if let Some(url) = &extras.component_rpc {
        components.rpc_urls = vec![url.clone()];
    }
    components.save(&manifest_path)?;
    let submitter = keys[1].clone();
    let token = DevToken::new(manifest.token, &p);
    let mut funded: Vec<Address> = vec![submitter.address()];
    funded.extend(keys[2..2 + n].iter().map(PrivateKeySigner::address));
    for who in funded {
        let r = token
            .mint(who, U256::from(1_000_000 * TOKEN))
            .send()
            .await
            .map_err(|e| setup("minting dev tokens")(e.to_string()))?
            .get_receipt()
            .await
            .map_err(|e| setup("minting dev tokens")(e.to_string()))?;
        if !r.status() {
            return Err(setup("minting dev tokens")("reverted".into()));
        }
    }
    let indexer_port = port_or_free(args.indexer_port)?;
    let keeper_port = port_or_free(args.keeper_port)?;
    let indexer_url = format!("http://127.0.0.1:{indexer_port}");
    let keeper_url = format!("http://127.0.0.1:{keeper_port}");
    let m = manifest_path.display().to_string();
    let dbs = db.display().to_string();
    let mut indexer = Process::new(
        "indexer",
        [
            "indexer",
            "run",
            "--manifest",
            &m,
            "--db",
            &dbs,
            "--listen",
            &format!("127.0.0.1:{indexer_port}"),
            "--poll-ms",
            "100",
            "--progress",
            "never",
            "--keeper-url",
            &keeper_url,
            "--fetch-specs",
            "--allow-files",
        ]
        .map(String::from)
        .to_vec(),
        Vec::new(),
    );
    indexer.start(&dir)?;
    wait_http(&format!("{indexer_url}/ready"), Duration::from_secs(60)).await?;
    own("indexer", &mut indexer, indexer_port, &dir)?;
    let keeper_process = |name: &str, listen: Option<String>, key: &PrivateKeySigner| {
        let api = match listen {
            Some(l) => vec!["--listen".to_owned(), l],
            None => vec!["--no-api".to_owned()],
        };
        Process::new(
            name,
            [
                "keeper",
                "run",
                "--manifest",
                &m,
                "--db",
                &dbs,
                "--tick-ms",
                "250",
            ]
            .into_iter()
            .map(String::from)
            .chain(api)
            .chain(JUDGE_FLAGS.map(String::from))
            .chain(extras.keeper_args.iter().cloned())
            .collect(),
            vec![("SWAN_KEEPER_KEY", key_hex(key))],
        )
    };
    let mut keepers = vec![(
        keeper.clone(),
        keeper_process("keeper", Some(format!("127.0.0.1:{keeper_port}")), &keeper),
    )];
    for (i, k) in extra.iter().enumerate() {
        keepers.push((
            k.clone(),
            keeper_process(&format!("keeper-{}", i + 2), None, k),
        ));
    }
    keepers[0].1.start(&dir)?;
    // up means ticking: the explorer relays the keeper's views from the first page on
    wait_http(&format!("{keeper_url}/health"), Duration::from_secs(60)).await?;
    own("keeper", &mut keepers[0].1, keeper_port, &dir)?;
    let mut agents = Vec::new();
    for (i, shape) in SHAPES.iter().take(n).enumerate() {
        let owner = keys[2 + i].clone();
        let worker = keys[2 + n + i].clone();
        let fault = (args.dishonest.as_deref() == Some(shape.name)).then_some("wrong_result");
        let config = write_config(
            &dir,
            shape,
            (&manifest_path, &indexer_url),
            fault,
            args.claim_every_secs,
        )?;
        agents.push(Agent {
            shape: shape.clone(),
            owner,
            worker,
            config,
            child: None,
        });
    }
    let mut running = Running {
        anvil,
        _lock: lock,
        manifest,
        manifest_path,
        db,
        dir,
        indexer_url,
        keeper_url,
        keeper,
        submitter,
        agents,
        indexer,
        keepers,
        p,
    };
    for i in 0..n {
        running.start_agent(i)?;
    }
    running.wait_providers(n).await?;
    running.write_config()?;
    Ok(running)
}

/// Insist that what answered on `port` is this devnet's own `name` (still running), not
/// another program that took the port meanwhile.
fn own(name: &str, p: &mut Process, port: u16, dir: &Path) -> Result<(), DevnetError> {
    match p.exited() {
        None => Ok(()),
        Some(status) => Err(DevnetError::Setup(format!(
            "the devnet's {name} exited ({status}) but something answers on port {port}: another program holds it; see {}/logs/{name}.log",
            dir.display()
        ))),
    }
}

/// Write a provider's config file (with a deliberate `fault`, for the demo's dishonest one).
pub(crate) fn write_config(
    dir: &Path,
    s: &Shape,
    (manifest, indexer_url): (&Path, &str),
    fault: Option<&str>,
    claim_every_secs: u64,
) -> Result<PathBuf, DevnetError> {
    let work = dir.join(format!("provider-{}", s.name));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)
        .map_err(|e| setup("creating a provider directory")(e.to_string()))?;
    let abs = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| p.to_owned())
            .display()
            .to_string()
    };
    let gpu = if s.gpus > 0 {
        format!(
            "gpu_count = {}\ngpu_memory_gib = 80\ngpu_model = \"A100\"\n",
            s.gpus
        )
    } else {
        String::new()
    };
    let fault = fault
        .map(|f| format!("fault = \"{f}\"\n"))
        .unwrap_or_default();
    let text = format!(
        "# provider {name} of the devnet\nmanifest = \"{m}\"\nindexer_url = \"{indexer_url}\"\nlisten = \"127.0.0.1:0\"\nwork_dir = \"{w}\"\nregion = \"{region}\"\nstake = \"500\"\npoll_ms = 250\nclaim_every_secs = {claim_every_secs}\n{fault}[resources]\ncpu = {cpu}\nmemory_gib = {mem}\nstorage_gib = 500\n{gpu}[prices]\ncpu_hour = \"{price}\"\ngpu_hour = \"0.1\"\n",
        name = s.name,
        m = abs(manifest),
        w = abs(&work),
        region = s.region,
        cpu = s.cpu,
        mem = s.cpu * 4,
        price = s.cpu_hour,
    );
    let path = work.join("provider.toml");
    std::fs::write(&path, text).map_err(|e| setup("writing a provider config")(e.to_string()))?;
    Ok(path)
}

async fn wait_http(url: &str, max: Duration) -> Result<(), DevnetError> {
    let t = std::time::Instant::now();
    loop {
        if let Ok(r) = reqwest::get(url).await
            && r.status().is_success()
        {
            return Ok(());
        }
        if t.elapsed() > max {
            return Err(DevnetError::Setup(format!(
                "{url} did not answer within {max:?}; see the logs in the devnet directory"
            )));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

impl Running {
    /// Start (or restart) provider agent `i`.
    pub(crate) fn start_agent(&mut self, i: usize) -> Result<(), DevnetError> {
        let a = &self.agents[i];
        let child = spawn_self(
            &self.dir,
            &format!("provider-{}", a.shape.name),
            &[
                "provider".into(),
                "--config".into(),
                a.config.display().to_string(),
                "run".into(),
            ],
            &[
                ("SWAN_PROVIDER_KEY", key_hex(&a.owner)),
                ("SWAN_WORKER_KEY", key_hex(&a.worker)),
            ],
        )?;
        self.agents[i].child = Some(child);
        Ok(())
    }

    /// Stop provider agent `i` (SIGKILL: it goes silent).
    pub(crate) async fn kill_agent(&mut self, i: usize) {
        if let Some(mut c) = self.agents[i].child.take() {
            let _ = c.kill().await;
        }
    }

    async fn wait_providers(&self, n: usize) -> Result<(), DevnetError> {
        let url = format!("{}/api/providers?status=active&limit=50", self.indexer_url);
        let t = std::time::Instant::now();
        loop {
            let total = match reqwest::get(&url).await {
                Ok(r) => r
                    .json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|v| v["total"].as_u64()),
                Err(_) => None,
            };
            if total.is_some_and(|t| t as usize >= n) {
                return Ok(());
            }
            if t.elapsed() > Duration::from_secs(90) {
                return Err(DevnetError::Setup(format!(
                    "{} of {n} providers registered after 90 s; see {}/logs/provider-*.log",
                    total.unwrap_or(0),
                    self.dir.display()
                )));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Print what runs where. A reader that went away (a closed pipe) does not stop the devnet.
    pub(crate) fn print(&self) {
        let mut out = manifest_text(&self.manifest, &self.manifest_path);
        out += &format!("rpc           {}\n", self.anvil.endpoint());
        out += &format!(
            "indexer       {} (API; the database is {})\n",
            self.indexer_url,
            self.db.display()
        );
        out += &format!(
            "explorer      {}/ (the market explorer: open it in a browser)\n",
            self.indexer_url
        );
        out += &format!(
            "keeper        {} (/health, /metrics, /decisions, /prices)\n",
            self.keeper_url
        );
        out += &format!(
            "submitter     {:#x} (SWAN_PRIVATE_KEY={})\n",
            self.submitter.address(),
            key_hex(&self.submitter)
        );
        for a in &self.agents {
            out += &format!(
                "provider {}   {:#x} {} {} cores, {} GPUs, {} SWAN/CPU-hour (config {})\n",
                a.shape.name,
                a.owner.address(),
                a.shape.region,
                a.shape.cpu,
                a.shape.gpus,
                a.shape.cpu_hour,
                a.config.display()
            );
        }
        out += &format!("logs          {}/logs/\n", self.dir.display());
        out += &format!(
            "config        {} (every swan command reaches this devnet with it):\n  export SWAN_CONFIG={}\n",
            self.config_path().display(),
            self.config_path().display()
        );
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush());
    }

    /// Where the devnet's `swan.toml` is.
    pub(crate) fn config_path(&self) -> PathBuf {
        let dir = self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone());
        dir.join("swan.toml")
    }

    /// Write `swan.toml`: the manifest, the endpoints and the database, so that every command
    /// run with `SWAN_CONFIG` naming it (or from the directory) reaches this devnet.
    fn write_config(&self) -> Result<(), DevnetError> {
        let abs = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let text = format!(
            "# written by swan devnet: the settings that reach it\nmanifest = {:?}\nrpc_url = {:?}\nrpc_urls = [{:?}]\nindexer_url = {:?}\ndb = {:?}\n",
            abs(&self.manifest_path).display().to_string(),
            self.anvil.endpoint(),
            self.anvil.endpoint(),
            self.indexer_url,
            abs(&self.db).display().to_string(),
        );
        std::fs::write(self.config_path(), text)
            .map_err(|e| setup("writing swan.toml")(e.to_string()))
    }
}

pub(crate) async fn run(args: DevnetArgs) -> Result<(), DevnetError> {
    if let Some(DevnetAction::Fund(f)) = args.action {
        return crate::devnet_fund::fund(f)
            .await
            .map_err(|e| DevnetError::Setup(e.to_string()));
    }
    let running = up(&args).await?;
    running.print();
    if args.once {
        return Ok(());
    }
    tracing::info!("devnet running; Ctrl-C stops it");
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| setup("waiting for SIGTERM")(e.to_string()))?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r.map_err(|e| setup("waiting for Ctrl-C")(e.to_string()))?,
        _ = term.recv() => {}
    }
    drop(running);
    Ok(())
}
