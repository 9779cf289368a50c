//! Starting `endure dev` / `endure serve` as real processes for the tests.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// A server process, killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// The banner lines the server printed.
    pub banner: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `endure ARGS` (a server command given `--port 0`) and reads its banner up to the
/// `listening on` line and everything else already written (the banner is one write).
pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Server {
    spawn_logged(args, env, None)
}

/// [`spawn`], with the server's standard error written to `stderr` when given.
pub fn spawn_logged(
    args: &[&str],
    env: &[(&str, &str)],
    stderr: Option<&std::path::Path>,
) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_endure"));
    cmd.args(args)
        .stdout(Stdio::piped())
        .env_remove("ENDURE_API_TOKEN");
    if let Some(path) = stderr {
        cmd.stderr(std::fs::File::create(path).expect("stderr file"));
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn the endure binary");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = vec![];
    let url = loop {
        let line = lines
            .next()
            .expect("the server's banner")
            .expect("read the banner");
        banner.push(line.clone());
        if let Some(u) = line.trim().strip_prefix("listening on ") {
            break u.to_string();
        }
    };
    // Keep reading the rest in the background so the pipe never fills or closes under it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    std::thread::sleep(std::time::Duration::from_millis(20));
    banner.extend(rx.try_iter());
    Server { child, url, banner }
}

/// An `endure.toml` in `dir` for `endure serve`: a free port, the database in `dir`, and the
/// lines of `extra`. Answers its path.
pub fn serve_config(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let cfg = dir.join("endure.toml");
    std::fs::write(
        &cfg,
        format!(
            "port = 0\ndatabase = \"{}\"\n{extra}",
            dir.join("endure.sqlite").display()
        ),
    )
    .expect("write endure.toml");
    cfg
}

/// `endure dev` on a free port with its state in `dir`.
pub fn dev(dir: &std::path::Path) -> Server {
    spawn(
        &["dev", "--port", "0", "--state-dir", dir.to_str().unwrap()],
        &[],
    )
}

/// `GET url` (with a bearer token when given) and its JSON body.
pub async fn get_json(url: &str, token: Option<&str>) -> serde_json::Value {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send()
        .await
        .expect("request")
        .json()
        .await
        .expect("a JSON body")
}

/// A fresh database on the test server (`ENDURE_TEST_POSTGRES`, which `scripts/test` sets), named
/// `<prefix>_<process>_<n>`; its URL.
pub async fn fresh_database(prefix: &str) -> String {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let url = std::env::var("ENDURE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("ENDURE_TEST_POSTGRES is not set: run the tests with `bash scripts/test`")
    });
    let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("connect to the test server");
    tokio::spawn(conn);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let name = format!("{prefix}_{}_{n}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {name}"),
        format!("CREATE DATABASE {name}"),
    ] {
        client.batch_execute(&sql).await.expect("create a database");
    }
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}
