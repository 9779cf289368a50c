//! Endure's Prometheus metrics: the engine's telemetry ([`endure_engine::Telemetry`]) counted
//! and timed, the store writer's batches ([`endure_store::StoreObserver`]), and the state read
//! at each scrape (instances by status, what runs and waits to
//! run, queue depths, live isolates), encoded in the text exposition format (OpenMetrics).
//!
//! Labels are workflow names, event types, statuses and queue names: never instance ids, so the
//! number of series stays bounded by what is deployed, not by traffic.

use endure_engine::{Observation, Telemetry};
use endure_model::LogEvent;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Mutex;

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

type Labels = Vec<(&'static str, String)>;

/// Duration buckets in seconds: 1 ms to about 9 minutes, doubling.
fn short_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 20))
}

/// Duration buckets in seconds for whole runs: 10 ms to about 12 days, ×4.
fn long_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 4.0, 16))
}

/// What the server reads at each scrape.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// (workflow, status, instances).
    pub instances: Vec<(String, String, u64)>,
    /// Instances running in this process.
    pub running: u64,
    /// Instances queued in this process: woken ones waiting for a slot, and new ones.
    pub queued_woken: u64,
    pub queued_new: u64,
    /// (queue, messages).
    pub queues: Vec<(String, u64)>,
    /// JavaScript isolates alive, when the process runs a Worker project.
    pub isolates: Option<u64>,
}

/// The metrics of one process. Give it to the engine as its telemetry, and render it for
/// `GET /metrics`.
pub struct Metrics {
    registry: Registry,
    events: Family<Labels, Counter>,
    attempts: Family<Labels, Histogram, fn() -> Histogram>,
    steps: Family<Labels, Histogram, fn() -> Histogram>,
    runs: Family<Labels, Histogram, fn() -> Histogram>,
    lateness: Family<Labels, Histogram, fn() -> Histogram>,
    instances: Family<Labels, Gauge>,
    running: Gauge,
    queued: Family<Labels, Gauge>,
    queues: Family<Labels, Gauge>,
    isolates: Gauge,
    commits: Histogram,
    batches: Histogram,
    /// One scrape at a time: a scrape clears and sets the gauges it reads.
    render: Mutex<()>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("endure");
        let events = Family::<Labels, Counter>::default();
        registry.register(
            "events",
            "Entries recorded, by workflow and event type (the reference's eventType)",
            events.clone(),
        );
        let attempts = Family::new_with_constructor(short_buckets as fn() -> Histogram);
        registry.register(
            "attempt_duration_seconds",
            "Duration of step attempts, by workflow and outcome",
            attempts.clone(),
        );
        let steps = Family::new_with_constructor(short_buckets as fn() -> Histogram);
        registry.register(
            "step_duration_seconds",
            "Duration of steps from start to success or failure (retries included), by workflow and outcome",
            steps.clone(),
        );
        let runs = Family::new_with_constructor(long_buckets as fn() -> Histogram);
        registry.register(
            "instance_duration_seconds",
            "Duration of instances from their start to their end, by workflow and status",
            runs.clone(),
        );
        let lateness = Family::new_with_constructor(short_buckets as fn() -> Histogram);
        registry.register(
            "timer_lateness_seconds",
            "How late sleeps ended after their wake-up time, by workflow",
            lateness.clone(),
        );
        let instances = Family::<Labels, Gauge>::default();
        registry.register(
            "instances",
            "Instances in the store, by workflow and status",
            instances.clone(),
        );
        let running = Gauge::default();
        registry.register(
            "running_instances",
            "Instances running in this process",
            running.clone(),
        );
        let queued = Family::<Labels, Gauge>::default();
        registry.register(
            "queued_instances",
            "Instances waiting in this process for a slot to run, woken or new",
            queued.clone(),
        );
        let queues = Family::<Labels, Gauge>::default();
        registry.register(
            "queue_messages",
            "Messages held by each queue (taken or not)",
            queues.clone(),
        );
        let isolates = Gauge::default();
        registry.register(
            "isolates",
            "JavaScript isolates alive in this process",
            isolates.clone(),
        );
        let commits = Histogram::new(exponential_buckets(0.000_1, 2.0, 16));
        registry.register(
            "store_commit_seconds",
            "Time of the store writer's transactions (one per batch of operations)",
            commits.clone(),
        );
        let batches = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        registry.register(
            "store_batch_operations",
            "Operations the store writer applied per transaction (group commit)",
            batches.clone(),
        );
        Metrics {
            registry,
            commits,
            batches,
            events,
            attempts,
            steps,
            runs,
            lateness,
            instances,
            running,
            queued,
            queues,
            isolates,
            render: Mutex::new(()),
        }
    }

    /// The metrics in the text exposition format, with the gauges set from `s`.
    pub fn render(&self, s: &Snapshot) -> String {
        let _one = self.render.lock().unwrap_or_else(|e| e.into_inner());
        self.instances.clear();
        for (workflow, status, n) in &s.instances {
            self.instances
                .get_or_create(&vec![
                    ("workflow", workflow.clone()),
                    ("status", status.clone()),
                ])
                .set(*n as i64);
        }
        self.running.set(s.running as i64);
        for (kind, n) in [("woken", s.queued_woken), ("new", s.queued_new)] {
            self.queued
                .get_or_create(&vec![("kind", kind.to_string())])
                .set(n as i64);
        }
        self.queues.clear();
        for (queue, n) in &s.queues {
            self.queues
                .get_or_create(&vec![("queue", queue.clone())])
                .set(*n as i64);
        }
        self.isolates.set(s.isolates.unwrap_or(0) as i64);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}

impl endure_store::StoreObserver for Metrics {
    fn batch(&self, ops: usize, seconds: f64) {
        self.commits.observe(seconds);
        self.batches.observe(ops as f64);
    }
}

fn seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

impl Telemetry for Metrics {
    fn observe(&self, o: &Observation<'_>) {
        let Some(name) = o.event.metric_name() else {
            return;
        };
        let workflow = || ("workflow", o.workflow.to_string());
        self.events
            .get_or_create(&vec![workflow(), ("event", name.to_string())])
            .inc();
        let Some(wall) = o.wall_ms.map(seconds) else {
            return;
        };
        let outcome = |ok: bool| {
            (
                "outcome",
                if ok { "success" } else { "failure" }.to_string(),
            )
        };
        match o.event {
            LogEvent::AttemptSuccess { .. } | LogEvent::AttemptFailure { .. } => {
                let ok = matches!(o.event, LogEvent::AttemptSuccess { .. });
                self.attempts
                    .get_or_create(&vec![workflow(), outcome(ok)])
                    .observe(wall);
            }
            LogEvent::StepSuccess { .. } | LogEvent::StepFailure { .. } => {
                let ok = matches!(o.event, LogEvent::StepSuccess { .. });
                self.steps
                    .get_or_create(&vec![workflow(), outcome(ok)])
                    .observe(wall);
            }
            LogEvent::WorkflowSuccess { .. }
            | LogEvent::WorkflowFailure { .. }
            | LogEvent::WorkflowTerminated => {
                let status = match o.event {
                    LogEvent::WorkflowSuccess { .. } => "complete",
                    LogEvent::WorkflowFailure { .. } => "errored",
                    _ => "terminated",
                };
                self.runs
                    .get_or_create(&vec![workflow(), ("status", status.to_string())])
                    .observe(wall);
            }
            LogEvent::SleepComplete { .. } => {
                if let Some(late) = o.late_ms {
                    self.lateness
                        .get_or_create(&vec![workflow()])
                        .observe(seconds(late));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use endure_model::{StepKey, StepKind, Timestamp};

    fn observe(m: &Metrics, event: LogEvent, wall_ms: Option<u64>) {
        m.observe(&Observation {
            workflow: "w",
            instance_id: "i",
            at: Timestamp(0),
            event: &event,
            wall_ms,
            late_ms: Some(3),
            step_count: Some(1),
        });
    }

    #[test]
    fn counts_times_and_renders() {
        let m = Metrics::new();
        let key = StepKey {
            kind: StepKind::Do,
            name: "s".into(),
            count: 1,
            variant: None,
        };
        observe(&m, LogEvent::WorkflowStart, None);
        observe(
            &m,
            LogEvent::AttemptSuccess {
                key: key.clone(),
                attempt: 1,
            },
            Some(1_500),
        );
        observe(&m, LogEvent::WorkflowPaused, None);
        let text = m.render(&Snapshot {
            instances: vec![("w".into(), "complete".into(), 4)],
            running: 2,
            ..Snapshot::default()
        });
        assert!(
            text.contains("endure_events_total{workflow=\"w\",event=\"WORKFLOW_START\"} 1"),
            "{text}"
        );
        assert!(
            text.contains(
                "endure_attempt_duration_seconds_sum{workflow=\"w\",outcome=\"success\"} 1.5"
            ),
            "{text}"
        );
        assert!(
            text.contains("endure_instances{workflow=\"w\",status=\"complete\"} 4"),
            "{text}"
        );
        assert!(text.contains("endure_running_instances 2"), "{text}");
        assert!(
            !text.contains("PAUSED"),
            "Endure's own entries are not events: {text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
