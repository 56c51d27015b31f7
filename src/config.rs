//! The `swan` command's own config file: `swan.toml` in the working directory, or the file
//! `SWAN_CONFIG` names. Each setting becomes the default of every flag that reads the
//! environment variable it names, so the order of precedence is clap's own: flags, then
//! environment variables, then the file (the process environment is never written). Keys are
//! never read from it — only the paths of keystores and password files.
//!
//! ```toml
//! manifest = ".devnet/manifest.json"     # SWAN_MANIFEST
//! rpc_url = "http://127.0.0.1:8545"      # SWAN_RPC_URL (task commands)
//! rpc_urls = ["http://127.0.0.1:8545"]   # SWAN_RPC_URLS (indexer, keeper, provider)
//! indexer_url = "http://127.0.0.1:8080"  # SWAN_INDEXER_URL
//! db = ".devnet/indexer.db"              # SWAN_INDEXER_DB
//! keystore = "submitter.json"            # SWAN_KEYSTORE
//! password_file = "pw.txt"               # SWAN_PASSWORD_FILE
//! keeper_keystore = "keeper.json"        # SWAN_KEEPER_KEYSTORE
//! keeper_password_file = "kpw.txt"       # SWAN_KEEPER_PASSWORD_FILE
//! provider_config = "provider.toml"      # SWAN_PROVIDER_CONFIG
//! indexer_listen = "127.0.0.1:8080"      # SWAN_INDEXER_LISTEN
//! keeper_listen = "127.0.0.1:8081"       # SWAN_KEEPER_LISTEN
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    manifest: Option<PathBuf>,
    rpc_url: Option<String>,
    rpc_urls: Option<Vec<String>>,
    indexer_url: Option<String>,
    db: Option<String>,
    keystore: Option<PathBuf>,
    password_file: Option<PathBuf>,
    keeper_keystore: Option<PathBuf>,
    keeper_password_file: Option<PathBuf>,
    provider_config: Option<PathBuf>,
    indexer_listen: Option<String>,
    keeper_listen: Option<String>,
}

/// The settings of the config file, by the environment variable each stands in for, or why the
/// file cannot be read.
pub(crate) fn settings() -> Result<Vec<(&'static str, String)>, String> {
    let (path, named) = match std::env::var_os("SWAN_CONFIG") {
        Some(p) => (PathBuf::from(p), true),
        None => (PathBuf::from("swan.toml"), false),
    };
    if !named && !path.exists() {
        return Ok(Vec::new());
    }
    read(&path)
}

fn read(path: &Path) -> Result<Vec<(&'static str, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "cannot read the config file {}: {e} (SWAN_CONFIG names it)",
            path.display()
        )
    })?;
    let f: File = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| format!(" line {}", text[..s.start].matches('\n').count() + 1))
            .unwrap_or_default();
        format!("config file {}{line}: {}", path.display(), e.message())
    })?;
    let p = |v: Option<PathBuf>| v.map(|p| p.display().to_string());
    let pairs = [
        ("SWAN_MANIFEST", p(f.manifest)),
        ("SWAN_RPC_URL", f.rpc_url),
        ("SWAN_RPC_URLS", f.rpc_urls.map(|v| v.join(","))),
        ("SWAN_INDEXER_URL", f.indexer_url),
        ("SWAN_INDEXER_DB", f.db),
        ("SWAN_KEYSTORE", p(f.keystore)),
        ("SWAN_PASSWORD_FILE", p(f.password_file)),
        ("SWAN_KEEPER_KEYSTORE", p(f.keeper_keystore)),
        ("SWAN_KEEPER_PASSWORD_FILE", p(f.keeper_password_file)),
        ("SWAN_PROVIDER_CONFIG", p(f.provider_config)),
        ("SWAN_INDEXER_LISTEN", f.indexer_listen),
        ("SWAN_KEEPER_LISTEN", f.keeper_listen),
    ];
    Ok(pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect())
}

/// `cmd` with the file's settings as the defaults of the arguments (of every subcommand) that
/// read the same environment variables.
pub(crate) fn with_defaults(cmd: clap::Command, vars: &[(&'static str, String)]) -> clap::Command {
    let cmd = cmd.mut_args(|a| {
        let setting = a
            .get_env()
            .and_then(|e| e.to_str())
            .and_then(|e| vars.iter().find(|(k, _)| *k == e));
        match setting {
            Some((_, v)) if a.get_value_delimiter().is_some() => {
                a.default_values(v.split(',').map(str::to_owned))
            }
            Some((_, v)) => a.default_value(v.clone()),
            None => a,
        }
    });
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    names
        .into_iter()
        .fold(cmd, |c, n| c.mut_subcommand(n, |s| with_defaults(s, vars)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_fills_what_the_environment_leaves_and_refuses_unknown_keys() {
        let dir = std::env::temp_dir().join(format!("swan-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("swan.toml");
        std::fs::write(
            &f,
            "manifest = \"m.json\"\nrpc_urls = [\"http://a\", \"http://b\"]\n",
        )
        .unwrap();
        let got = read(&f).unwrap();
        assert!(got.contains(&("SWAN_MANIFEST", "m.json".into())), "{got:?}");
        assert!(
            got.contains(&("SWAN_RPC_URLS", "http://a,http://b".into())),
            "{got:?}"
        );
        std::fs::write(&f, "private_key = \"0x12\"\n").unwrap();
        let e = read(&f).unwrap_err();
        assert!(
            e.contains("unknown field `private_key`") && !e.contains('\n'),
            "{e}"
        );
        let e = read(&dir.join("none.toml")).unwrap_err();
        assert!(e.starts_with("cannot read the config file"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_file_gives_defaults_that_flags_override_in_every_subcommand() {
        use clap::{Arg, Command};
        let cmd = Command::new("swan").subcommand(
            Command::new("task").subcommand(
                Command::new("list")
                    .arg(
                        Arg::new("indexer")
                            .long("indexer-url")
                            .env("SWAN_T_INDEXER"),
                    )
                    .arg(
                        Arg::new("rpcs")
                            .long("rpc-url")
                            .env("SWAN_T_RPCS")
                            .value_delimiter(',')
                            .num_args(1..),
                    ),
            ),
        );
        let vars = [
            ("SWAN_T_INDEXER", "http://file".to_owned()),
            ("SWAN_T_RPCS", "http://a,http://b".to_owned()),
        ];
        let cmd = with_defaults(cmd, &vars);
        let leaf = |m: &clap::ArgMatches| {
            let (_, t) = m.subcommand().unwrap();
            t.subcommand().unwrap().1.clone()
        };
        let m = leaf(&cmd.clone().get_matches_from(["swan", "task", "list"]));
        assert_eq!(m.get_one::<String>("indexer").unwrap(), "http://file");
        let rpcs: Vec<&String> = m.get_many("rpcs").unwrap().collect();
        assert_eq!(rpcs, ["http://a", "http://b"], "a list setting is split");
        let m =
            leaf(&cmd.get_matches_from(["swan", "task", "list", "--indexer-url", "http://flag"]));
        assert_eq!(m.get_one::<String>("indexer").unwrap(), "http://flag");
    }
}
