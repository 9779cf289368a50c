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

fn snapshot(
    db: &Path,
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
        let store = SqliteStore::open(SqliteConfig::new(db)).expect("open db");
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

fn child(db: &Path, side: &Path, exit_when_done: bool, c_: Campaign) -> std::process::Child {
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
        .arg(db)
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
    });
}

fn campaign(cfg: Campaign) {
    let Campaign {
        instances: n_instances,
        steps: n_steps,
        max_kills,
        ..
    } = cfg;
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
    let mut rng = Rng(seed);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.sqlite");
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
        for (key, before) in persisted.iter().filter(|(_, f)| f.output.is_some()) {
            let after = now
                .get(key)
                .unwrap_or_else(|| panic!("seed {seed}: persisted step {key:?} was lost"));
            assert_eq!(
                after.output, before.output,
                "seed {seed}: persisted output of {key:?} changed"
            );
            assert_eq!(
                after.attempts, before.attempts,
                "seed {seed}: a finished step {key:?} ran again"
            );
        }
        persisted = now;
        if instances.len() == n_instances && instances.values().all(|(s, _)| s.is_finished()) {
            break;
        }
    }

    let started = Instant::now();
    let mut last = child(&db, &side, true, cfg);
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

    let (steps, instances) = snapshot(&db, n_instances);
    let executed = side_log(&side);
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
    assert!(
        kills < 5 || cut_short > 0,
        "seed {seed}: {kills} kills mid-run yet no attempt was cut short"
    );
    eprintln!(
        "crash test ({}): {kills} kills, {cut_short} attempts cut short and retried, all {n_instances} instances complete",
        if cfg.js { "JavaScript" } else { "Rust" }
    );
}
