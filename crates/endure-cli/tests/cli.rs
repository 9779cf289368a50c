//! The `endure` binary: `run` end to end on a real SQLite file, and its errors and exit codes.

use std::process::Command;

fn endure(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run endure");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn run_prints_the_final_status_and_keeps_state() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = endure(
        dir.path(),
        &["run", "steps", r#"{"steps": 3}"#, "--id", "smoke"],
    );
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["status"], "complete");
    assert_eq!(doc["output"], serde_json::json!({"steps": 3}));
    assert_eq!(doc["step_count"], 3);
    assert!(err.contains("step  step-3 #1: complete"), "{err}");
    assert!(dir.path().join(".endure/endure.sqlite").exists());
    // Running the same id again follows the finished instance instead of creating one.
    let (code, out, _) = endure(dir.path(), &["run", "steps", "--id", "smoke", "--json"]);
    assert_eq!(code, 0);
    let again: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(again["end"], doc["end"]);
}

#[test]
fn errors_have_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = endure(dir.path(), &["run", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown workflow"), "{err}");
    let (code, _, err) = endure(dir.path(), &["run", "steps", "{not json"]);
    assert_eq!(code, 2);
    assert!(err.contains("not valid JSON"), "{err}");
    let (code, _, err) = endure(dir.path(), &["run", "steps", "{}", "--id", "bad id"]);
    assert_eq!(code, 2);
    assert!(err.contains("instance.invalid_id"), "{err}");
    // Params that do not fit the workflow: the instance errors, exit code 1.
    let (code, out, _) = endure(dir.path(), &["run", "steps", r#"{"steps": "x"}"#, "--json"]);
    assert_eq!(code, 1);
    assert!(out.contains("\"errored\""), "{out}");
}

#[test]
fn the_client_gives_up_on_a_silent_server_and_refuses_a_bad_url() {
    let dir = tempfile::tempdir().unwrap();
    // A server that accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut conns = vec![];
        for c in silent.incoming().take(1) {
            conns.push(c);
        }
        std::thread::sleep(std::time::Duration::from_secs(5));
    });
    let (code, _, err) = endure(
        dir.path(),
        &["workflows", "list", "--url", &url, "--timeout", "0.5"],
    );
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("did not answer within 0.5 s"), "{err}");
    drop(held);
    for bad in ["notaurl", "ftp://x", "http://"] {
        let (code, _, err) = endure(dir.path(), &["workflows", "list", "--url", bad]);
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("is not a URL"), "{bad}: {err}");
    }
    let (code, _, err) = endure(dir.path(), &["workflows", "list", "--timeout", "-1"]);
    assert_eq!(code, 2, "{err}");
}
