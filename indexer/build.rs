//! Copies the explorer's chart library (uPlot, pinned in the repository's package-lock.json and
//! installed by `scripts/setup`) into OUT_DIR, so the page is served from the binary and nothing
//! is fetched from a CDN at run time.

use std::{env, fs, path::PathBuf, process};

const FILES: [&str; 2] = ["uPlot.iife.min.js", "uPlot.min.css"];

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let dist = root.join("../node_modules/uplot/dist");
    println!("cargo:rerun-if-changed={}", dist.display());
    for f in FILES {
        let from = dist.join(f);
        if let Err(e) = fs::copy(&from, out.join(f)) {
            eprintln!(
                "error: cannot read {} ({e}): run scripts/setup (npm ci installs the pinned uPlot)",
                from.display()
            );
            process::exit(1);
        }
    }
}
