//! PostgreSQL restarted under load (`ENDURE_TEST_POSTGRES_RESTART`, which `scripts/test` sets
//! with the server it starts): two `endure dev` processes on one database keep taking
//! instances over REST while the server goes down and comes back. They reconnect by themselves
//! (their pools, their writers and their notice listeners), every create they acknowledged
//! is there and finishes, and an event sent through one node still reaches the instance the
//! other runs. Its own test binary: nothing else runs against the server while it restarts.

mod common;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the tests with `bash scripts/test`, which starts PostgreSQL")
    })
}

async fn status(c: &reqwest::Client, url: &str) -> Option<Value> {
    let r = c.get(url).send().await.ok()?;
    r.json::<Value>().await.ok()
}

async fn until(c: &reqwest::Client, url: &str, want: &str) -> Value {
    let mut doc = Value::Null;
    for _ in 0..6_000 {
        if let Some(d) = status(c, url).await {
            doc = d;
            if doc["result"]["status"] == want {
                return doc;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{url} never became {want}: {doc:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_under_load_loses_nothing_acknowledged() {
    let restart = env("ENDURE_TEST_POSTGRES_RESTART");
    let db = common::fresh_database("restart").await;
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let nodes: Vec<common::Server> = dirs
        .iter()
        .map(|d| {
            let state = d.path().to_str().unwrap();
            common::spawn(
                &[
                    "dev",
                    "--port",
                    "0",
                    "--state-dir",
                    state,
                    "--database",
                    &db,
                ],
                &[],
            )
        })
        .collect();
    let apis: Vec<String> = nodes
        .iter()
        .map(|n| format!("{}/client/v4/accounts/local/workflows", n.url))
        .collect();
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // An approval waits on node 0 for its event, across the restart.
    let r = c
        .post(format!("{}/approval/instances", apis[0]))
        .json(&json!({"instance_id": "ap", "params": {"request": "chair"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    until(&c, &format!("{}/approval/instances/ap", apis[1]), "waiting").await;

    // Creates keep coming, to both nodes, before, during and after the restart.
    let stop = Arc::new(AtomicBool::new(false));
    let restarted_at: Arc<std::sync::Mutex<Option<Instant>>> = Arc::default();
    let creator = {
        let (c, apis, stop, restarted_at) =
            (c.clone(), apis.clone(), stop.clone(), restarted_at.clone());
        tokio::spawn(async move {
            let mut acked = vec![];
            let (mut refused, mut after) = (0, [0usize; 2]);
            let mut i = 0usize;
            while !stop.load(Ordering::SeqCst) {
                let k = i % 2;
                let id = format!("r{i}");
                let r = c
                    .post(format!("{}/steps/instances", apis[k]))
                    .json(&json!({"instance_id": id, "params": {"steps": 10}}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().as_u16() == 200 => {
                        acked.push(id);
                        if restarted_at.lock().unwrap().is_some() {
                            after[k] += 1;
                        }
                    }
                    _ => refused += 1,
                }
                i += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            (acked, refused, after)
        })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .args(["-c", &restart])
            .output()
            .expect("run the restart command")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "the restart failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    *restarted_at.lock().unwrap() = Some(Instant::now());
    // Both nodes take creates again once the server is back (they reconnect by themselves).
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.store(true, Ordering::SeqCst);
    let (acked, refused, after) = creator.await.unwrap();
    eprintln!(
        "PostgreSQL restart under load: {} creates acknowledged ({} after the restart: {:?}), {refused} refused",
        acked.len(),
        after.iter().sum::<usize>(),
        after
    );
    assert!(
        after.iter().all(|n| *n > 0),
        "a node never took a create again after the restart: {after:?}"
    );
    // Everything acknowledged is there and finishes.
    for (n, id) in acked.iter().enumerate() {
        let doc = until(
            &c,
            &format!("{}/steps/instances/{id}", apis[n % 2]),
            "complete",
        )
        .await;
        assert_eq!(doc["result"]["output"], json!({"steps": 10}), "{id}");
    }
    // An event through node 1 reaches the approval node 0 runs.
    let r = c
        .post(format!("{}/approval/instances/ap/events/approval", apis[1]))
        .json(&json!({"approved": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());
    let done = until(
        &c,
        &format!("{}/approval/instances/ap", apis[0]),
        "complete",
    )
    .await;
    assert!(
        done["result"]["output"].to_string().contains("approved"),
        "{done:#}"
    );
}
