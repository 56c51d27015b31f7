//! Helpers shared by the `swan` binary's end-to-end tests.

use std::path::{Path, PathBuf};

/// A new encrypted JSON keystore (made by the pinned `cast wallet new`) in `dir`, locked with
/// `password`; its path.
#[allow(dead_code)]
pub(crate) fn new_keystore(dir: &Path, password: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let cast = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/cast");
    let out = std::process::Command::new(cast)
        .args(["wallet", "new"])
        .arg(dir)
        .args(["--unsafe-password", password])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut entries = std::fs::read_dir(dir).unwrap();
    entries.next().unwrap().unwrap().path()
}

/// The rest of the line of `lines` that starts with `prefix` (a devnet's printout), trimmed.
#[allow(dead_code)]
pub(crate) fn field<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("{prefix} in {lines:?}"))[prefix.len()..]
        .trim()
}
