//! `sandbox-probe ACTION [ARG]`: does what a hostile program would, and prints what it got, for
//! the sandbox's tests (run confined, every attempt should fail).
//!
//! - `env`: print the names of its environment variables;
//! - `environ`: print every readable `/proc/<pid>/environ` (pid: its contents);
//! - `read PATH`: print the file's contents;
//! - `connect HOST:PORT`: open a TCP connection;
//! - `write PATH`: create the file;
//! - `fork N`: start N children that sleep, print how many started;
//! - `alloc MIB`: allocate and touch MIB mebibytes, print how many it got;
//! - `spin`: burn CPU forever.

#![allow(clippy::print_stdout)]

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = args.get(1).cloned().unwrap_or_default();
    match args.first().map(String::as_str).unwrap_or("") {
        "env" => {
            let mut names: Vec<String> = std::env::vars_os()
                .map(|(k, _)| k.to_string_lossy().into_owned())
                .collect();
            names.sort();
            println!("{}", names.join(","));
        }
        "environ" => {
            for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                let path = e.path().join("environ");
                if let Ok(b) = std::fs::read(&path) {
                    println!(
                        "{}: {}",
                        path.display(),
                        String::from_utf8_lossy(&b).replace('\0', " ")
                    );
                }
            }
        }
        "read" => match std::fs::read_to_string(&arg) {
            Ok(s) => println!("read: {s}"),
            Err(e) => println!("refused: {e}"),
        },
        "connect" => match std::net::TcpStream::connect(&arg) {
            Ok(_) => println!("connected"),
            Err(e) => println!("refused: {e}"),
        },
        "write" => match std::fs::write(&arg, b"pwned") {
            Ok(()) => println!("wrote"),
            Err(e) => println!("refused: {e}"),
        },
        "fork" => {
            let n: usize = arg.parse().unwrap_or(1000);
            let mut started = Vec::new();
            for _ in 0..n {
                match std::process::Command::new("/usr/bin/sleep")
                    .arg("30")
                    .spawn()
                {
                    Ok(c) => started.push(c),
                    Err(_) => break,
                }
            }
            println!("started {}", started.len());
            for mut c in started {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
        "alloc" => {
            let want: usize = arg.parse().unwrap_or(4096);
            let mut got: Vec<Vec<u8>> = Vec::new();
            for _ in 0..want {
                let mut v = Vec::new();
                if v.try_reserve_exact(1 << 20).is_err() {
                    break;
                }
                v.resize(1 << 20, 1u8);
                got.push(v);
            }
            println!("allocated {} MiB", got.len());
        }
        "spin" => {
            let mut x = 0u64;
            loop {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
                if x == 42 {
                    let _ = std::io::stdout().write_all(b"");
                }
            }
        }
        other => {
            eprintln!("unknown action {other:?}");
            std::process::exit(2);
        }
    }
}
