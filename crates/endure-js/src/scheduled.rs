//! Cron triggers (`triggers.crons`): each firing runs the default export's
//! `scheduled(controller, env, ctx)` handler.
//!
//! The engine claims each occurrence once and puts `{cron, scheduledTime}` on the internal
//! queue [`SCHEDULED_QUEUE`]; the consumer here runs the handler for each message. A handler
//! that throws is run again after [`CRON_RETRY_DELAY_MS`], up to [`CRON_MAX_RETRIES`] times,
//! unless it called `controller.noRetry()`; a process that dies while a handler runs leaves
//! the firing to be run again once its lease runs out.

use crate::project::Project;
use endure_engine::{BoxFuture, ConsumerConfig, Delivery, MessageHandler, Verdict};
use serde_json::{Value, json};
use std::sync::Arc;

/// The internal queue cron firings go through (not a valid Cloudflare queue name, so no
/// project's queue can be called that).
pub const SCHEDULED_QUEUE: &str = "$scheduled";
/// Runs of a firing's handler after the first, when it throws.
pub const CRON_MAX_RETRIES: u32 = 3;
/// Delay before a firing whose handler threw is run again.
pub const CRON_RETRY_DELAY_MS: u64 = 60_000;
/// Firings handled at once.
pub const CRON_CONCURRENCY: usize = 8;

/// How the engine consumes [`SCHEDULED_QUEUE`].
pub fn consumer_config() -> ConsumerConfig {
    ConsumerConfig {
        queue: SCHEDULED_QUEUE.into(),
        max_batch_size: 1,
        max_batch_timeout_ms: 0,
        max_retries: CRON_MAX_RETRIES,
        retry_delay_ms: CRON_RETRY_DELAY_MS,
        dead_letter_queue: None,
        max_concurrency: CRON_CONCURRENCY,
    }
}

/// How one run of a `scheduled` handler ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ran,
    /// It threw (`no_retry`: it had called `controller.noRetry()`).
    Threw {
        message: String,
        no_retry: bool,
    },
    /// The default export has no `scheduled` handler.
    NoHandler,
}

/// Runs the project's `scheduled` handler once, for the occurrence of `cron` at
/// `scheduled_time` (ms since the epoch).
pub async fn run(p: Arc<Project>, cron: &str, scheduled_time: u64) -> Outcome {
    let message = json!({"op": "scheduled", "cron": cron, "scheduledTime": scheduled_time});
    let origin = format!("scheduled \"{cron}\"");
    let r = crate::fetch::run_message(p, message, origin).await;
    let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
    match (r.status, v["ok"].as_bool()) {
        (200, Some(true)) => Outcome::Ran,
        (404, _) => Outcome::NoHandler,
        _ => Outcome::Threw {
            message: match &v["error"] {
                Value::Null => "the scheduled handler did not finish".into(),
                e => format!(
                    "{}: {}",
                    e["name"].as_str().unwrap_or("Error"),
                    e["message"].as_str().unwrap_or("")
                ),
            },
            no_retry: v["noRetry"] == Value::Bool(true),
        },
    }
}

/// The consumer of [`SCHEDULED_QUEUE`].
pub struct ScheduledHandler {
    pub project: Arc<Project>,
}

impl MessageHandler for ScheduledHandler {
    fn handle(&self, _queue: &str, batch: Vec<Delivery>) -> BoxFuture<'static, Vec<Verdict>> {
        let p = self.project.clone();
        Box::pin(async move {
            let mut verdicts = Vec::with_capacity(batch.len());
            for d in batch {
                let v: Value = serde_json::from_slice(&d.body).unwrap_or(Value::Null);
                let (Some(cron), Some(at)) = (v["cron"].as_str(), v["scheduledTime"].as_u64())
                else {
                    eprintln!("[error] scheduled: a malformed firing was dropped");
                    verdicts.push(Verdict::Ack);
                    continue;
                };
                let verdict = match run(p.clone(), cron, at).await {
                    Outcome::Ran => Verdict::Ack,
                    Outcome::NoHandler => {
                        eprintln!(
                            "[error] scheduled \"{cron}\": the default export has no scheduled() handler"
                        );
                        Verdict::Ack
                    }
                    Outcome::Threw { message, no_retry } => {
                        let last = d.attempts > CRON_MAX_RETRIES;
                        if no_retry || last {
                            eprintln!(
                                "[error] scheduled \"{cron}\" at {}: {message}; not retried{}",
                                endure_model::Timestamp(at).to_iso(),
                                if no_retry {
                                    " (noRetry)"
                                } else {
                                    " (retries spent)"
                                }
                            );
                            Verdict::Ack
                        } else {
                            eprintln!(
                                "[warn] scheduled \"{cron}\" at {}: {message}; run {} of {} failed, retried in {} s",
                                endure_model::Timestamp(at).to_iso(),
                                d.attempts,
                                CRON_MAX_RETRIES + 1,
                                CRON_RETRY_DELAY_MS / 1000
                            );
                            Verdict::Retry { delay_ms: None }
                        }
                    }
                };
                verdicts.push(verdict);
            }
            verdicts
        })
    }
}
