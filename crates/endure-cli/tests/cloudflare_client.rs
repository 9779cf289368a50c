//! The bar for the REST API: Cloudflare's official Python client (`cloudflare` on PyPI, which
//! `.ci/run` installs) works against `endure dev` with only its base URL and token changed.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn cloudflares_python_client_works_against_endure() {
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
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/cloudflare_python.py"
    );
    let out = Command::new("python3")
        .arg(script)
        .arg(&base)
        .output()
        .expect("python3 runs");
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
