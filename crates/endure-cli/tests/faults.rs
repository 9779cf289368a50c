//! Storage faults and ownership with real processes and real files: a database made
//! unwritable with `chattr +i` (CI runs as root), a second process on the same state
//! directory, and a read-only database at start-up. Nothing unstored is ever acknowledged.

mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Sets or clears the immutable attribute (`chattr ±i`): a failure fails the test (these tests
/// need root and a file system with attributes, as CI has).
fn immutable(files: &[PathBuf], on: bool) {
    for f in files {
        let out = Command::new("chattr")
            .arg(if on { "+i" } else { "-i" })
            .arg(f)
            .output()
            .expect("run chattr (e2fsprogs)");
        assert!(
            out.status.success(),
            "chattr on {}: {} (these fault tests need root)",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Clears the attribute again even when the test fails, so the temporary directory can go.
struct Unfreeze(Vec<PathBuf>);

impl Drop for Unfreeze {
    fn drop(&mut self) {
        for f in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(f).output();
        }
    }
}

async fn send(method: reqwest::Method, url: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn statuses(api: &str) -> Vec<String> {
    let v = common::get_json(&format!("{api}?per_page=100"), None).await;
    let mut s: Vec<String> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap().to_string())
        .collect();
    s.sort();
    s
}

async fn until_all(api: &str, n: usize, status: &str) {
    for _ in 0..3000 {
        let s = statuses(api).await;
        if s.len() == n && s.iter().all(|x| x == status) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("never {n} × {status}: {:?}", statuses(api).await);
}

fn db_files(dir: &Path) -> Vec<PathBuf> {
    vec![dir.join("endure.sqlite"), dir.join("endure.sqlite-wal")]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unwritable_database_is_never_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let log = dir.path().join("server.log");
    let server = common::spawn_logged(
        &["dev", "--port", "0", "--state-dir", state.to_str().unwrap()],
        &[],
        Some(&log),
    );
    let api = format!(
        "{}/client/v4/accounts/local/workflows/approval/instances",
        server.url
    );
    for i in 0..3 {
        let (c, v) = send(
            reqwest::Method::POST,
            &api,
            Some(json!({"instance_id": format!("w{i}")})),
        )
        .await;
        assert_eq!(c, 200, "{v}");
    }
    until_all(&api, 3, "waiting").await;

    let frozen = db_files(&state);
    let _guard = Unfreeze(frozen.clone());
    immutable(&frozen, true);
    // Terminate-all, one terminate, a create and an event: each answers 500 in the envelope.
    let (c, v) = send(reqwest::Method::PUT, &format!("{api}/terminate"), None).await;
    assert_eq!(c, 500, "terminate-all acknowledged an unstored change: {v}");
    assert_eq!(v["success"], false);
    assert_eq!(v["errors"][0]["code"], 10500);
    let (c, v) = send(
        reqwest::Method::PATCH,
        &format!("{api}/w0/status"),
        Some(json!({"status": "terminate"})),
    )
    .await;
    assert_eq!(c, 500, "{v}");
    let (c, v) = send(
        reqwest::Method::POST,
        &api,
        Some(json!({"instance_id": "late"})),
    )
    .await;
    assert_eq!(c, 500, "{v}");
    let (c, v) = send(
        reqwest::Method::POST,
        &format!("{api}/w1/events/approval"),
        Some(json!({"approved": true})),
    )
    .await;
    assert_eq!(c, 500, "{v}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("storage error"),
        "storage failures are logged: {text}"
    );

    // What the answers said is what the database holds, also after a crash and restart.
    immutable(&frozen, false);
    drop(server);
    let again = common::dev(&state);
    let api = format!(
        "{}/client/v4/accounts/local/workflows/approval/instances",
        again.url
    );
    until_all(&api, 3, "waiting").await;
    let (c, _) = send(reqwest::Method::GET, &format!("{api}/late"), None).await;
    assert_eq!(c, 404, "the refused create left nothing behind");
    // With the files writable again, terminate-all works and says so.
    let (c, v) = send(reqwest::Method::PUT, &format!("{api}/terminate"), None).await;
    assert_eq!(c, 200, "{v}");
    until_all(&api, 3, "terminated").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_owns_a_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = common::dev(dir.path());
    let pid = first.child.id();
    let second = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["dev", "--port", "0", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("in use by another endure process"), "{err}");
    assert!(
        err.contains(&format!("pid {pid}")),
        "names the first: {err}"
    );
    // `endure run` and `endure serve` on the same database are refused the same way.
    let run = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["run", "steps", "{\"steps\": 1}", "--state-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let config = dir.path().join("endure.toml");
    std::fs::write(&config, "database = \"endure.sqlite\"\n").unwrap();
    let serve = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["serve", "--port", "0", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(serve.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&serve.stderr).contains(&format!("pid {pid}")));
    // The lock dies with its process, also under SIGKILL.
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    let third = common::dev(dir.path());
    let v = common::get_json(
        &format!("{}/client/v4/accounts/local/workflows", third.url),
        None,
    )
    .await;
    assert_eq!(v["success"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_cannot_be_written_is_refused_at_start() {
    for frozen in ["endure.sqlite", "endure.sqlite-wal"] {
        let dir = tempfile::tempdir().unwrap();
        drop(common::dev(dir.path())); // creates the database, its WAL and its lock file
        let file = vec![dir.path().join(frozen)];
        assert!(file[0].exists(), "{frozen}");
        let _guard = Unfreeze(file.clone());
        immutable(&file, true);
        let out = Command::new(env!("CARGO_BIN_EXE_endure"))
            .args(["dev", "--port", "0", "--state-dir"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{frozen}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("cannot be written"), "{frozen}: {err}");
        immutable(&file, false);
    }
}

/// A small tmpfs, unmounted when dropped (after the server that used it is gone).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "mount a tmpfs at {}: {} (these fault tests need root)",
            at.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs(at.to_path_buf())
    }
}

/// Writes zeros to `path` until the file system has no room left.
fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 4096];
    while f.write_all(&block).is_ok() {}
    let _ = f.sync_all();
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_creations_and_keeps_what_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let fs = Tmpfs::mount(&dir.path().join("small"), "3m");
    let state = fs.0.join("state");
    let server = common::dev(&state);
    let api = format!(
        "{}/client/v4/accounts/local/workflows/approval/instances",
        server.url
    );
    let pad = "x".repeat(200 * 1024);
    let mut acknowledged = vec![];
    let mut refused = 0;
    for i in 0..40 {
        let id = format!("big{i}");
        let (c, v) = send(
            reqwest::Method::POST,
            &api,
            Some(json!({"instance_id": id, "params": {"pad": pad}})),
        )
        .await;
        match c {
            200 => acknowledged.push(id),
            500 => {
                assert_eq!(v["errors"][0]["code"], 10500, "{v}");
                refused += 1;
            }
            other => panic!("{other}: {v}"),
        }
    }
    assert!(
        refused > 0,
        "3 MiB cannot hold 40 × 200 KiB: some creations must be refused"
    );
    assert!(!acknowledged.is_empty());
    // The server still answers, and after a crash every acknowledged instance is there, also
    // when the disk is still full as the server starts again (not a byte left).
    let v = common::get_json(&format!("{api}?per_page=1"), None).await;
    assert_eq!(v["success"], true, "{v}");
    drop(server);
    fill(&fs.0.join("filler"));
    let again = common::dev(&state);
    let api = format!(
        "{}/client/v4/accounts/local/workflows/approval/instances",
        again.url
    );
    for id in &acknowledged {
        let v = common::get_json(&format!("{api}/{id}"), None).await;
        assert_eq!(v["success"], true, "acknowledged {id} was lost: {v}");
        assert_eq!(
            v["result"]["params"]["pad"].as_str().map(str::len),
            Some(pad.len())
        );
    }
    drop(again);
    drop(fs);
}
