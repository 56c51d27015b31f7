//! Helpers shared by the `swan` binary's end-to-end tests.

use std::path::{Path, PathBuf};

/// A new encrypted JSON keystore (made by the pinned `cast wallet new`) in `dir`, locked with
/// `password`; its path.
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
