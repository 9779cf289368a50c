//! The bar for the REST API: Cloudflare's official clients — Python (`cloudflare` on PyPI) and
//! TypeScript (`cloudflare` on npm), which `.ci/run` installs — work against `endure dev` with
//! only their base URL and token changed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");

/// Runs `client` against a fresh `endure dev`, and checks it passed all its checks.
fn against_dev(client: impl FnOnce(&str) -> std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let mut dev = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["dev", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn endure dev");
    let mut lines = BufReader::new(dev.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines.next().expect("banner").unwrap();
        if let Some(url) = line.trim().strip_prefix("listening on ") {
            break url.to_string();
        }
    };
    let out = client(&base);
    let _ = dev.kill();
    let _ = dev.wait();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}

#[test]
fn cloudflares_python_client_works_against_endure() {
    against_dev(|base| {
        Command::new("python3")
            .arg(format!("{CLIENTS}/cloudflare_python.py"))
            .arg(base)
            .output()
            .expect("python3 runs")
    });
}

#[test]
fn cloudflares_npm_client_works_against_endure() {
    against_dev(|base| {
        Command::new("node")
            .arg("cloudflare_npm.mjs")
            .arg(base)
            .current_dir(CLIENTS)
            .output()
            .expect("node runs")
    });
}
