//! The dashboard in a real browser: `endure serve` with the `orders` Worker project and an API
//! token, driven by tests/dashboard/e2e.mjs in Debian's Chromium (headless) through
//! playwright-core (both installed by scripts/test). Sign-in, an instance watched from running
//! to complete with its retry drawn, pause and resume, an event sent, a restart from a chosen
//! step, the list filtered by status and id, the charts.
//!
//! `ENDURE_SCREENSHOTS=DIR` writes the main pages' screenshots there (the README's come from
//! this test).

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn the_dashboard_works_in_chromium() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let script = here.join("dashboard/e2e.mjs");
    assert!(
        here.join("dashboard/node_modules/playwright-core").is_dir(),
        "playwright-core is not installed: run the tests with `bash scripts/test`"
    );
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).exists(),
        "{chromium} is missing: run the tests with `bash scripts/test` (it installs Debian's chromium)"
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = common::serve_config(dir.path(), "api_tokens = [\"dash-t0ken\"]\n");
    let server = common::spawn(
        &[
            "serve",
            "--config",
            cfg.to_str().unwrap(),
            "--project",
            here.join("projects/orders").to_str().unwrap(),
        ],
        &[],
    );
    assert!(
        server
            .banner
            .iter()
            .any(|l| l.contains("dashboard    http://") && l.ends_with("/_endure/")),
        "the banner names the dashboard: {:?}",
        server.banner
    );
    let mut cmd = Command::new("node");
    cmd.arg(&script)
        .env("ENDURE_URL", &server.url)
        .env("ENDURE_TOKEN", "dash-t0ken")
        .env("CHROMIUM", &chromium);
    if let Ok(d) = std::env::var("ENDURE_SCREENSHOTS") {
        cmd.env("SCREENSHOTS", d);
    }
    let out = cmd.output().expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the dashboard failed in Chromium:\n{stdout}\n{stderr}"
    );
    println!("{stdout}");
    assert!(stdout.contains("every check passed"), "{stdout}");
}
