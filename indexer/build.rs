//! Copies the explorer's chart library (uPlot, pinned in the repository's package-lock.json and
//! installed by `scripts/setup`) into OUT_DIR, and bundles the TypeScript SDK (`sdk/src`, with
//! viem) for the page's wallet actions with esbuild (pinned likewise), so the page is served from
//! the binary and nothing is fetched from a CDN at run time.

use std::{env, fs, path::PathBuf, process, process::Command};

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
    // the SDK, bundled for the page: one script that defines `SwanSdk`
    let sdk = root.join("../sdk/src");
    println!("cargo:rerun-if-changed={}", sdk.display());
    let esbuild = root.join("../node_modules/.bin/esbuild");
    let bundle = out.join("swan-sdk.js");
    let ran = Command::new(&esbuild)
        .arg(sdk.join("index.ts"))
        .args([
            "--bundle",
            "--format=iife",
            "--global-name=SwanSdk",
            "--minify",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", bundle.display()))
        .status();
    match ran {
        Ok(s) if s.success() => {}
        Ok(s) => {
            eprintln!("error: esbuild could not bundle sdk/src ({s}): see its message above");
            process::exit(1);
        }
        Err(e) => {
            eprintln!(
                "error: cannot run {} ({e}): run scripts/setup (npm ci installs the pinned esbuild)",
                esbuild.display()
            );
            process::exit(1);
        }
    }
}
