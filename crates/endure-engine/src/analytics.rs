//! The analytics dataset's rollups, built from the engine's own observations: each recorded
//! event counts toward its group (minute, workflow, event type, step name and number), and the
//! groups go to the store every [`FLUSH_MS`] (and before every query this process answers),
//! where they add up with other processes' (`Store::add_rollups`).
//!
//! What a crash can lose: the events of the last [`FLUSH_MS`] that were not flushed yet. The
//! events themselves are in the instances' logs; only their counts in the rollups go.

use crate::telemetry::{Observation, Telemetry};
use endure_model::Timestamp;
use endure_model::analytics::{Granularity, HOUR_MS, RETENTION_MS, Rollup};
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::Notify;

/// How often a process adds its pending rollups to the store.
pub const FLUSH_MS: u64 = 5_000;
/// How often rollups older than the retention are dropped.
pub const PRUNE_EVERY_MS: u64 = HOUR_MS;
/// Most groups a process holds between flushes; at this many it flushes early, and while the
/// store takes none (it is down) events of new groups are not counted (see `dropped`).
pub const MAX_PENDING_GROUPS: usize = 100_000;

/// Count and wall time of one group.
type Sums = (u64, u64);
/// Step name → (event type, step number) → sums.
type ByStep = HashMap<String, HashMap<(&'static str, u32), Sums>>;
/// Minute → workflow → step → …
type Groups = HashMap<u64, HashMap<String, ByStep>>;

#[derive(Default)]
struct Pending {
    groups: Groups,
    len: usize,
    /// Events not counted because `MAX_PENDING_GROUPS` groups were pending.
    dropped: u64,
}

/// The pending rollups of this process.
#[derive(Default)]
pub struct Rollups {
    pending: Mutex<Pending>,
    /// Notified when the pending groups reach the limit.
    pub(crate) full: Notify,
}

impl Rollups {
    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add(&self, minute: u64, workflow: &str, step: &str, key: (&'static str, u32), sums: Sums) {
        let mut p = self.lock();
        let p = &mut *p;
        let by_workflow = p.groups.entry(minute).or_default();
        if !by_workflow.contains_key(workflow) {
            by_workflow.insert(workflow.to_string(), HashMap::new());
        }
        let Some(by_step) = by_workflow.get_mut(workflow) else {
            return;
        };
        if !by_step.contains_key(step) {
            by_step.insert(step.to_string(), HashMap::new());
        }
        let Some(groups) = by_step.get_mut(step) else {
            return;
        };
        if let Some(s) = groups.get_mut(&key) {
            s.0 += sums.0;
            s.1 += sums.1;
            return;
        }
        if p.len >= MAX_PENDING_GROUPS {
            p.dropped += sums.0;
            self.full.notify_one();
            return;
        }
        groups.insert(key, sums);
        p.len += 1;
        if p.len == MAX_PENDING_GROUPS {
            self.full.notify_one();
        }
    }

    /// Takes every pending group.
    pub fn take(&self) -> Vec<Rollup> {
        let groups = {
            let mut p = self.lock();
            p.len = 0;
            std::mem::take(&mut p.groups)
        };
        let mut out = vec![];
        for (minute, by_workflow) in groups {
            for (workflow, by_step) in by_workflow {
                for (step, sums) in by_step {
                    for ((event_type, step_count), (count, wall_ms)) in sums {
                        out.push(Rollup {
                            bucket: Timestamp(minute),
                            workflow: workflow.clone(),
                            event_type: event_type.to_string(),
                            step_name: step.clone(),
                            step_count,
                            count,
                            wall_ms,
                        });
                    }
                }
            }
        }
        out
    }

    /// Puts back rows the store did not take, to be added again at the next flush.
    pub fn put_back(&self, rows: Vec<Rollup>) {
        for r in rows {
            let Some(name) = endure_model::LogEvent::metric_names()
                .iter()
                .find(|n| **n == r.event_type)
            else {
                continue;
            };
            self.add(
                r.bucket.0,
                &r.workflow,
                &r.step_name,
                (name, r.step_count),
                (r.count, r.wall_ms),
            );
        }
    }

    /// Events not counted because too many groups were pending.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }
}

impl Telemetry for Rollups {
    fn observe(&self, o: &Observation<'_>) {
        let Some(name) = o.event.metric_name() else {
            return;
        };
        let step = o.event.key().map_or("", |k| k.name.as_str());
        let step_count = o.step_count.map_or(0, |n| n as u32);
        self.add(
            Granularity::Minute.bucket(o.at).0,
            o.workflow,
            step,
            (name, step_count),
            (1, o.wall_ms.unwrap_or(0)),
        );
    }
}

/// Adds this process's pending rollups to the store; on failure they stay pending.
pub(crate) async fn flush(
    store: &dyn endure_store::Store,
    rollups: &Rollups,
) -> Result<(), endure_store::StoreError> {
    let rows = rollups.take();
    if rows.is_empty() {
        return Ok(());
    }
    if let Err(e) = store.add_rollups(rows.clone()).await {
        rollups.put_back(rows);
        return Err(e);
    }
    Ok(())
}

/// Flushes every [`FLUSH_MS`] (sooner when full) and prunes every [`PRUNE_EVERY_MS`], on the
/// engine's clock.
pub(crate) async fn run(shared: std::sync::Arc<crate::shared::Shared>) {
    let Some(rollups) = shared.rollups.clone() else {
        return;
    };
    let mut next_prune = shared.clock.now();
    loop {
        let now = shared.clock.now();
        if now >= next_prune {
            let cut = Timestamp(now.0.saturating_sub(RETENTION_MS));
            if let Err(e) = shared.store.prune_rollups(cut).await {
                tracing::warn!(error = %e, "analytics: pruning old rollups failed");
            }
            next_prune = now.plus_ms(PRUNE_EVERY_MS);
        }
        tokio::select! {
            _ = shared.clock.sleep_until(now.plus_ms(FLUSH_MS)) => {}
            _ = rollups.full.notified() => {}
        }
        if let Err(e) = flush(&*shared.store, &rollups).await {
            tracing::warn!(error = %e, "analytics: adding rollups to the store failed; kept for the next try");
        }
    }
}
