//! Crash safety, proven with real processes: the engine runs in a child process on a SQLite
//! file, is killed with SIGKILL at random moments many times, and restarted. Then every
//! instance must finish with the right output; no persisted step result may be lost or
//! change; no step whose result was persisted may run again; and an attempt cut short must be
//! counted (recorded as failed) and retried.
//!
//! A failure prints the seed; `ENDURE_CRASH_SEED=<seed>` reproduces the kill schedule.
//!
//! Every kill cuts short the attempts in flight, and a cut-short attempt counts against the
//! step's retries (as in the reference); the workloads allow more retries (30) than there are
//! kills, so a step that happens to be in flight at several kills in a row is not exhausted.

use endure_model::InstanceStatus;
use endure_model::history::{History, StepState};
use endure_sqlite::{SqliteConfig, SqliteStore};
use endure_store::Store;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One campaign: how many instances of how many steps, killed how often, in Rust or in the
/// JavaScript project `tests/projects/crashy`.
#[derive(Clone, Copy)]
struct Campaign {
    instances: usize,
    steps: u64,
    max_kills: usize,
    js: bool,
    /// One process at a time (the single-node campaigns).
    one_process: bool,
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// What the store says about one step.
#[derive(Debug, Clone, PartialEq)]
struct StepFacts {
    /// (attempt, success, error message)
    attempts: Vec<(u32, Option<bool>, Option<String>)>,
    output: Option<serde_json::Value>,
}

type Snapshot = BTreeMap<(String, u64), StepFacts>;

/// Where a campaign's engine state is.
#[derive(Clone)]
enum Db {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

impl Db {
    fn arg(&self) -> std::ffi::OsString {
        match self {
            Db::Sqlite(p) => p.clone().into_os_string(),
            Db::Postgres(url) => url.into(),
        }
    }
}

fn snapshot(
    db: &Db,
    instances_n: usize,
) -> (
    Snapshot,
    BTreeMap<String, (InstanceStatus, Option<serde_json::Value>)>,
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store: Box<dyn Store> = match db {
            Db::Sqlite(p) => Box::new(SqliteStore::open(SqliteConfig::new(p)).expect("open db")),
            Db::Postgres(url) => Box::new(
                endure_postgres::PostgresStore::open(endure_postgres::PostgresConfig::new(
                    url.clone(),
                ))
                .await
                .expect("open db"),
            ),
        };
        let mut steps = Snapshot::new();
        let mut instances = BTreeMap::new();
        for i in 0..instances_n {
            let id = format!("c{i}");
            let Some(row) = store.find_instance("crashy", &id).await.unwrap() else {
                continue;
            };
            let shown = match &row.error {
                Some(e) => Some(json!({"error": e.name, "message": e.message})),
                None => row.output.clone(),
            };
            instances.insert(id.clone(), (row.status, shown));
            let h = History::from_log(&store.read_log(row.instance).await.unwrap());
            for s in &h.steps {
                if let StepState::Do {
                    attempts, outcome, ..
                } = &s.state
                {
                    let k: u64 = s.key.name.trim_start_matches("step-").parse().unwrap();
                    let facts = StepFacts {
                        attempts: attempts
                            .iter()
                            .map(|a| {
                                (
                                    a.attempt,
                                    a.success,
                                    a.error.as_ref().map(|e| e.message.clone()),
                                )
                            })
                            .collect(),
                        output: outcome.as_ref().and_then(|o| o.as_ref().ok().cloned()),
                    };
                    steps.insert((id.clone(), k), facts);
                }
            }
        }
        (steps, instances)
    })
}

fn side_log(path: &Path) -> BTreeMap<(String, u64), Vec<u32>> {
    let mut out: BTreeMap<(String, u64), Vec<u32>> = BTreeMap::new();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        // A kill can cut the last line short; a partial line proves nothing either way.
        if parts.len() != 3 {
            continue;
        }
        let (Ok(k), Ok(a)) = (parts[1].parse(), parts[2].parse()) else {
            continue;
        };
        out.entry((parts[0].to_string(), k)).or_default().push(a);
    }
    out
}

fn child(db: &Db, side: &Path, exit_when_done: bool, c_: Campaign) -> std::process::Child {
    let mut c = Command::new(env!("CARGO_BIN_EXE_endure"));
    c.args([
        "crash-child",
        "--instances",
        &c_.instances.to_string(),
        "--steps",
        &c_.steps.to_string(),
    ]);
    if c_.js {
        c.arg("--project")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects/crashy"));
    }
    c.arg("--db")
        .arg(db.arg())
        .arg("--side-log")
        .arg(side)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if exit_when_done {
        c.arg("--exit-when-done");
    }
    c.spawn().expect("spawn the endure binary")
}

#[test]
fn survives_sigkill_at_random_moments() {
    campaign(Campaign {
        instances: 32,
        steps: 200,
        max_kills: 25,
        js: false,
        one_process: true,
    });
}

/// The same campaign with the workflow written in JavaScript (an isolate per run).
#[test]
fn javascript_survives_sigkill_at_random_moments() {
    campaign(Campaign {
        instances: 16,
        steps: 60,
        max_kills: 20,
        js: true,
        one_process: true,
    });
}

fn campaign(cfg: Campaign) {
    let Campaign {
        instances: n_instances,
        max_kills,
        ..
    } = cfg;
    let seed = seed();
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::Sqlite(dir.path().join("crash.sqlite"));
    let side = dir.path().join("side.log");

    let mut persisted = Snapshot::new();
    let mut kills = 0;
    for _ in 0..max_kills {
        let mut c = child(&db, &side, false, cfg);
        // A JavaScript child first loads its project and compiles the runtime prelude (tens of
        // milliseconds in a debug build): kills are spread over the time it then runs.
        let startup = if cfg.js { 150 } else { 10 };
        std::thread::sleep(Duration::from_millis(startup + rng.next() % 150));
        c.kill().expect("SIGKILL");
        c.wait().unwrap();
        kills += 1;
        let (now, instances) = snapshot(&db, n_instances);
        check_persisted(seed, &persisted, &now);
        persisted = now;
        if instances.len() == n_instances && instances.values().all(|(s, _)| s.is_finished()) {
            break;
        }
    }

    finish(seed, &db, &side, cfg, kills, vec![]);
}

/// Nothing persisted before a kill is lost or changed after it, and no finished step ran again.
fn check_persisted(seed: u64, before: &Snapshot, now: &Snapshot) {
    for (key, was) in before.iter().filter(|(_, f)| f.output.is_some()) {
        let after = now
            .get(key)
            .unwrap_or_else(|| panic!("seed {seed}: persisted step {key:?} was lost"));
        assert_eq!(
            after.output, was.output,
            "seed {seed}: persisted output of {key:?} changed"
        );
        assert_eq!(
            after.attempts, was.attempts,
            "seed {seed}: a finished step {key:?} ran again"
        );
    }
}

fn seed() -> u64 {
    let seed = std::env::var("ENDURE_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash test seed: {seed} (reproduce with ENDURE_CRASH_SEED={seed})");
    seed
}

/// A fresh database on the test server (`ENDURE_TEST_POSTGRES`, which scripts/test sets).
fn fresh_postgres() -> String {
    let url = std::env::var("ENDURE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("ENDURE_TEST_POSTGRES is not set: run the tests with `bash scripts/test`")
    });
    let name = format!("crash_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        for sql in [
            format!("DROP DATABASE IF EXISTS {name}"),
            format!("CREATE DATABASE {name}"),
        ] {
            client.batch_execute(&sql).await.unwrap();
        }
    });
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// Three nodes on one PostgreSQL database, one of them killed with SIGKILL again and again
/// (and started again, as a new node): the others take its instances over once its heartbeat
/// runs out, and every invariant of the single-process campaign holds.
#[test]
fn three_nodes_on_postgres_survive_sigkill() {
    let cfg = Campaign {
        instances: 24,
        steps: 600,
        max_kills: 6,
        js: false,
        one_process: false,
    };
    let seed = seed();
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = Db::Postgres(fresh_postgres());
    let side = dir.path().join("side.log");
    let mut nodes: Vec<std::process::Child> =
        (0..3).map(|_| child(&db, &side, false, cfg)).collect();
    let mut persisted = Snapshot::new();
    let mut kills = 0;
    // The node that created the instances runs them until it dies; then another takes them
    // over (after its heartbeat runs out, 10 s) and becomes the busy one. Kills go round the
    // nodes, a few seconds apart, so they hit busy nodes and nodes that have just taken over.
    for i in 0..cfg.max_kills {
        let wait = if i == 0 {
            100 + rng.next() % 300
        } else {
            2_000 + rng.next() % 4_000
        };
        std::thread::sleep(Duration::from_millis(wait));
        let k = i % 3;
        nodes[k].kill().expect("SIGKILL");
        nodes[k].wait().unwrap();
        kills += 1;
        let (now, _) = snapshot(&db, cfg.instances);
        check_persisted(seed, &persisted, &now);
        persisted = now;
        nodes[k] = child(&db, &side, false, cfg);
    }
    finish(seed, &db, &side, cfg, kills, nodes);
}

/// The last run (to the end, with `others` still running beside it), then every invariant.
fn finish(
    seed: u64,
    db: &Db,
    side: &Path,
    cfg: Campaign,
    kills: usize,
    mut others: Vec<std::process::Child>,
) {
    let Campaign {
        instances: n_instances,
        steps: n_steps,
        ..
    } = cfg;
    let started = Instant::now();
    let mut last = child(db, side, true, cfg);
    loop {
        if let Some(status) = last.try_wait().unwrap() {
            assert!(
                status.success(),
                "seed {seed}: the final run failed: {status}"
            );
            break;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = last.kill();
            panic!("seed {seed}: the final run did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    }

    for mut o in others.drain(..) {
        let _ = o.kill();
        let _ = o.wait();
    }
    let (steps, instances) = snapshot(db, n_instances);
    let executed = side_log(side);
    assert_eq!(instances.len(), n_instances, "seed {seed}");
    let mut cut_short = 0;
    for (id, (status, output)) in &instances {
        assert_eq!(
            *status,
            InstanceStatus::Complete,
            "seed {seed}: {id}: {output:?}"
        );
        assert_eq!(
            output.as_ref(),
            Some(&json!({"steps": n_steps})),
            "seed {seed}: {id}"
        );
        for k in 1..=n_steps {
            let key = (id.clone(), k);
            let facts = steps
                .get(&key)
                .unwrap_or_else(|| panic!("seed {seed}: {key:?} missing"));
            assert_eq!(facts.output, Some(json!({"i": k})), "seed {seed}: {key:?}");
            let recorded: Vec<u32> = facts.attempts.iter().map(|a| a.0).collect();
            let last_attempt = *recorded.last().unwrap();
            assert_eq!(
                recorded,
                (1..=last_attempt).collect::<Vec<_>>(),
                "seed {seed}: {key:?} attempts are numbered 1..n"
            );
            assert_eq!(
                facts.attempts.last().unwrap().1,
                Some(true),
                "seed {seed}: {key:?}"
            );
            for (n, ok, err) in &facts.attempts[..facts.attempts.len() - 1] {
                assert_eq!(*ok, Some(false), "seed {seed}: {key:?} attempt {n}");
                let err = err.as_deref().unwrap_or("");
                if err == "Attempt failed due to internal workflows error" {
                    cut_short += 1;
                } else {
                    assert_eq!(
                        (k, *n, err),
                        (3, 1, "deliberate first-attempt failure"),
                        "seed {seed}: {key:?}"
                    );
                }
            }
            let ran = executed.get(&key).cloned().unwrap_or_default();
            let distinct: BTreeSet<u32> = ran.iter().copied().collect();
            assert_eq!(
                distinct.len(),
                ran.len(),
                "seed {seed}: {key:?} an attempt number ran twice: {ran:?}"
            );
            assert!(
                ran.iter().all(|a| recorded.contains(a)),
                "seed {seed}: {key:?} ran attempts {ran:?}, recorded {recorded:?}"
            );
            assert!(
                ran.iter().all(|a| *a <= last_attempt),
                "seed {seed}: {key:?} ran again after its result was persisted: {ran:?} vs {recorded:?}"
            );
        }
    }
    // One process runs everything, so its kills land mid-run. Of several nodes only the busy
    // one has attempts to cut short; a kill of an idle node is a fair kill too.
    assert!(
        !cfg.one_process || kills < 5 || cut_short > 0,
        "seed {seed}: {kills} kills mid-run yet no attempt was cut short"
    );
    eprintln!(
        "crash test ({}): {kills} kills, {cut_short} attempts cut short and retried, all {n_instances} instances complete",
        if cfg.js { "JavaScript" } else { "Rust" }
    );
}
