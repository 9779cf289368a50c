//! The bar for the REST API: Cloudflare's official clients — Python (`cloudflare` on PyPI) and
//! TypeScript (`cloudflare` on npm), which `.ci/run` installs — work against `endure dev` with
//! only their base URL and token changed.

mod common;

use std::process::Command;

const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");

/// Runs `client` against a fresh `endure dev`, and checks it passed all its checks.
fn against_dev(client: impl FnOnce(&str) -> std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    let dev = common::dev(dir.path());
    let out = client(&dev.url);
    drop(dev);
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

#[test]
fn the_openapi_document_is_valid_openapi() {
    against_dev(|base| {
        Command::new("python3")
            .arg(format!("{CLIENTS}/validate_openapi.py"))
            .arg(base)
            .output()
            .expect("python3 runs")
    });
}
