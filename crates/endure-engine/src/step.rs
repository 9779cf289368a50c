//! The step handle: `do`, `sleep`, `sleepUntil` and `waitForEvent` as durable primitives.
//!
//! Each call takes its identity (name + occurrence count) synchronously, when it is made, so
//! steps started together (`join`) get the same identities on every replay. A call first looks
//! in the history: a recorded result or error is returned at once; otherwise the work is done
//! and recorded.

use crate::callback::{DelayContext, DelayFn, StepContext, StepFn, StepIdentity};
use crate::live::{Live, WaiterKind};
use crate::modifier::AttemptOverride;
use endure_model::config::retry_delay_ms;
use endure_model::error::{messages, names};
use endure_model::history::StepState;
use endure_model::limits::{DEFAULT_EVENT_TIMEOUT_MS, MAX_WAIT_MS};
use endure_model::log::ReceivedEvent;
use endure_model::validate::{is_valid_event_type, is_valid_step_name};
use endure_model::{
    DurationInput, ErrorInfo, LogEvent, StepConfig, StepConfigInput, StepKey, StepKind, Timestamp,
    WorkflowError,
};
use serde_json::Value;
use std::future::Future;
use std::sync::Arc;

/// The `step` argument of `run`: cheap to clone, valid while the run lasts.
#[derive(Clone)]
pub struct Step {
    pub(crate) live: Arc<Live>,
}

type StepResult<T> = Result<T, WorkflowError>;

fn fatal(message: String) -> WorkflowError {
    WorkflowError::fatal(message)
}

impl Step {
    /// Keeps the run from being dropped while the guard lives: for front-ends whose code runs
    /// elsewhere (a JavaScript isolate) and may still be working, outside any step, after a
    /// step resolved. Without it a run whose only pending calls are waits hibernates at once.
    pub fn hold(&self) -> crate::live::RunHold {
        self.live.lock().busy += 1;
        crate::live::RunHold(self.live.clone())
    }

    /// The engine's clock (use it, not the wall clock, to compute `sleep_until` targets).
    pub fn now(&self) -> Timestamp {
        self.live.now()
    }

    fn next_key(&self, kind: StepKind, name: &str, variant: Option<String>) -> StepKey {
        let mut g = self.live.lock();
        let c = g
            .counters
            .entry((kind, name.to_string(), variant.clone()))
            .or_insert(0);
        *c += 1;
        StepKey {
            kind,
            name: name.to_string(),
            count: *c,
            variant,
        }
    }

    /// `step.do(name, [config], callback)`: runs `callback` until it succeeds or retries are
    /// exhausted, and records the result. Returns the last attempt's error on failure.
    pub fn do_step<'a>(
        &self,
        name: impl Into<String>,
        config: Option<StepConfigInput>,
        callback: StepFn<'a>,
    ) -> impl Future<Output = StepResult<Value>> + Send + 'a {
        self.do_step_with_delay(name, config, callback, None)
    }

    /// [`Step::do_step`] with `retries.delay` given as a function (the config's delay is then
    /// the marker [`endure_model::config::DYNAMIC_DELAY`]). On a replay after a restart that
    /// no longer passes a function, the default delay (10 s) is used.
    pub fn do_step_with_delay<'a>(
        &self,
        name: impl Into<String>,
        config: Option<StepConfigInput>,
        callback: StepFn<'a>,
        delay: Option<DelayFn<'a>>,
    ) -> impl Future<Output = StepResult<Value>> + Send + 'a {
        let name = name.into();
        let live = self.live.clone();
        // Identity, limit and validation happen now, in call order.
        let prepared = (|| {
            let calls = {
                let mut g = live.lock();
                g.do_calls += 1;
                g.do_calls
            };
            if calls > live.step_limit {
                return Err(fatal(messages::step_limit(live.step_limit)));
            }
            if !is_valid_step_name(&name) {
                return Err(fatal(messages::invalid_step_name(&name)));
            }
            let resolved = config
                .unwrap_or_default()
                .resolve()
                .map_err(|_| fatal(messages::invalid_step_config(&name)))?;
            Ok((self.next_key(StepKind::Do, &name, None), resolved))
        })();
        async move {
            let (key, config) = prepared?;
            run_do(&live, key, config, callback, delay).await
        }
    }

    /// `step.sleep(name, duration)`.
    pub fn sleep(
        &self,
        name: impl Into<String>,
        duration: impl Into<DurationInput>,
    ) -> impl Future<Output = StepResult<()>> + Send + 'static {
        let name = name.into();
        let live = self.live.clone();
        let prepared = (|| {
            if !is_valid_step_name(&name) {
                return Err(fatal(messages::invalid_step_name(&name)));
            }
            let ms = duration.into().to_ms().map_err(|e| {
                fatal(messages::invalid_duration(
                    "sleep duration",
                    &name,
                    e.reason,
                ))
            })?;
            if ms > MAX_WAIT_MS {
                return Err(fatal(messages::wait_too_long("sleep", &name)));
            }
            Ok((
                self.next_key(StepKind::Sleep, &name, Some(ms.to_string())),
                ms,
            ))
        })();
        async move {
            let (key, ms) = prepared?;
            run_sleep(&live, key, SleepTarget::For(ms)).await
        }
    }

    /// `step.sleepUntil(name, timestamp)`. A target in the past is an error on first execution;
    /// a completed `sleep_until` is done on replay, whatever the time.
    pub fn sleep_until(
        &self,
        name: impl Into<String>,
        at: Timestamp,
    ) -> impl Future<Output = StepResult<()>> + Send + 'static {
        let name = name.into();
        let live = self.live.clone();
        let prepared = (|| {
            if !is_valid_step_name(&name) {
                return Err(fatal(messages::invalid_step_name(&name)));
            }
            Ok(self.next_key(StepKind::Sleep, &name, Some(format!("@{}", at.0))))
        })();
        async move {
            let key = prepared?;
            run_sleep(&live, key, SleepTarget::Until(at)).await
        }
    }

    /// `step.waitForEvent(name, {type, timeout})`: the oldest unconsumed event of that type,
    /// or a `WorkflowTimeoutError` when the time-out (default 24 hours) passes first.
    pub fn wait_for_event(
        &self,
        name: impl Into<String>,
        event_type: impl Into<String>,
        timeout: Option<DurationInput>,
    ) -> impl Future<Output = StepResult<ReceivedEvent>> + Send + 'static {
        let name = name.into();
        let event_type = event_type.into();
        let live = self.live.clone();
        let prepared = (|| {
            if !is_valid_step_name(&name) {
                return Err(fatal(messages::invalid_step_name(&name)));
            }
            if !is_valid_event_type(&event_type) {
                return Err(fatal(messages::invalid_event_type(&name)));
            }
            let timeout_ms = match timeout {
                None => DEFAULT_EVENT_TIMEOUT_MS,
                Some(t) => match t.to_ms() {
                    Ok(0) => DEFAULT_EVENT_TIMEOUT_MS,
                    Ok(ms) => ms,
                    Err(e) => {
                        return Err(fatal(messages::invalid_duration(
                            "timeout", &name, e.reason,
                        )));
                    }
                },
            };
            if timeout_ms > MAX_WAIT_MS {
                return Err(fatal(messages::wait_too_long("event timeout", &name)));
            }
            Ok((
                self.next_key(StepKind::WaitForEvent, &name, None),
                timeout_ms,
            ))
        })();
        async move {
            let (key, timeout_ms) = prepared?;
            run_wait(&live, key, event_type, timeout_ms).await
        }
    }
}

/// The entries that end a `do` step for good: its last attempt failed with `attempt_error`, and
/// the step with `step_error`.
fn final_failure(
    key: &StepKey,
    attempt: u32,
    attempt_error: ErrorInfo,
    step_error: ErrorInfo,
    non_retryable: bool,
) -> Vec<LogEvent> {
    vec![
        LogEvent::AttemptFailure {
            key: key.clone(),
            attempt,
            error: attempt_error,
            retry_delay_ms: None,
            retry_at: None,
        },
        LogEvent::StepFailure {
            key: key.clone(),
            error: step_error,
            non_retryable,
        },
    ]
}

/// Recorded state of a `do` step, copied out of the history.
struct DoView {
    config: StepConfig,
    outcome: Option<Result<Value, (ErrorInfo, bool)>>,
    last_attempt: u32,
    /// The last attempt started but has no end: the process died during it.
    cut_short: bool,
    retry_at: Option<Timestamp>,
}

fn view_do(live: &Live, key: &StepKey) -> Option<DoView> {
    let g = live.lock();
    let rec = g.history.step(key)?;
    let StepState::Do {
        config,
        attempts,
        outcome,
        non_retryable,
        ..
    } = &rec.state
    else {
        return None;
    };
    let last = attempts.last();
    Some(DoView {
        config: config.clone(),
        outcome: outcome.clone().map(|o| o.map_err(|e| (e, *non_retryable))),
        last_attempt: last.map_or(0, |a| a.attempt),
        cut_short: last.is_some_and(|a| a.end.is_none()),
        retry_at: last.and_then(|a| a.retry_at),
    })
}

fn replayed_error(e: ErrorInfo, non_retryable: bool) -> WorkflowError {
    let mut w = WorkflowError::from(e);
    w.non_retryable |= non_retryable;
    w
}

/// The delay before the attempt after `attempt`, when the step's delay is a function: its
/// answer through the back-off formula, or the step's final error (`NonRetryableDelayError`).
async fn dynamic_delay(
    live: &Live,
    key: &StepKey,
    config: &StepConfig,
    attempt: u32,
    error: &WorkflowError,
    delay: &mut Option<DelayFn<'_>>,
) -> Result<u64, ErrorInfo> {
    let Some(f) = delay.as_mut() else {
        return Ok(retry_delay_ms(
            config.retries.backoff,
            endure_model::config::DEFAULT_DELAY_MS,
            attempt,
        ));
    };
    let ctx = DelayContext {
        step: StepIdentity {
            name: key.name.clone(),
            count: key.count,
        },
        attempt,
        config: config.clone(),
        error: error.info(),
    };
    let _busy = live.busy();
    let budget = live.now().plus_ms(5_000);
    let answer = tokio::select! {
        r = crate::panic::CatchPanic(Box::pin(async { Ok(f(ctx).await) })) => match r {
            Ok(r) => r,
            Err(panicked) => Err(panicked.message),
        }.map_err(|m| messages::delay_threw(&m)),
        _ = live.clock.sleep_until(budget) => Err(messages::DELAY_TIMED_OUT.to_string()),
    };
    let base = answer.and_then(|d| match d {
        DurationInput::Millis(n) if !n.is_finite() || n < 0.0 => {
            Err(messages::DELAY_INVALID.to_string())
        }
        d => d.to_ms().map_err(|_| messages::DELAY_INVALID.to_string()),
    });
    match base {
        Ok(ms) => Ok(retry_delay_ms(config.retries.backoff, ms, attempt)),
        Err(reason) => Err(ErrorInfo::new(
            names::NON_RETRYABLE_DELAY,
            messages::delay_function(&key.name, key.count, &reason),
        )),
    }
}

async fn run_do(
    live: &Live,
    key: StepKey,
    config: StepConfig,
    mut callback: StepFn<'_>,
    mut delay_fn: Option<DelayFn<'_>>,
) -> StepResult<Value> {
    if let Some(v) = view_do(live, &key)
        && let Some(outcome) = v.outcome
    {
        return outcome.map_err(|(e, nr)| replayed_error(e, nr));
    }
    live.pause_gate().await;
    // The first execution records the step's start and its first attempt in one commit.
    let mut start = view_do(live, &key).is_none().then(|| LogEvent::StepStart {
        key: key.clone(),
        config: config.clone(),
    });
    loop {
        // Not yet recorded: its start is committed together with attempt 1 below.
        let v = view_do(live, &key).unwrap_or_else(|| DoView {
            config: config.clone(),
            outcome: None,
            last_attempt: 0,
            cut_short: false,
            retry_at: None,
        });
        let config = v.config; // the recorded configuration wins on replay
        let attempt = v.last_attempt + 1;
        if v.cut_short {
            // The process died during attempt `last_attempt`: it counts, as a failure.
            let failed = v.last_attempt;
            let error = ErrorInfo::new(names::INTERNAL, messages::ATTEMPT_CUT_SHORT);
            if config.retries.limit.allows_retry_after(failed) {
                live.record(vec![LogEvent::AttemptFailure {
                    key: key.clone(),
                    attempt: failed,
                    error,
                    retry_delay_ms: None,
                    retry_at: None,
                }])
                .await;
                continue;
            }
            live.record(final_failure(
                &key,
                failed,
                error.clone(),
                error.clone(),
                false,
            ))
            .await;
            return Err(WorkflowError::from(error));
        }
        let no_delay = live
            .modifier
            .as_ref()
            .is_some_and(|m| m.retry_delay_disabled(&key));
        if let Some(at) = v.retry_at
            && at > live.now()
            && !no_delay
        {
            let _w = live.add_waiter(at, WaiterKind::Timer);
            live.clock.sleep_until(at).await;
        }
        live.pause_gate().await;
        let mut events: Vec<LogEvent> = start.take().into_iter().collect();
        events.push(LogEvent::AttemptStart {
            key: key.clone(),
            attempt,
        });
        live.record(events).await;
        let ctx = StepContext {
            step: StepIdentity {
                name: key.name.clone(),
                count: key.count,
            },
            attempt,
            config: config.clone(),
        };
        let mocked = live.modifier.as_ref().and_then(|m| m.attempt(&key));
        let result = match mocked {
            Some(AttemptOverride::Fail(e)) => Err(WorkflowError::from(e)),
            Some(AttemptOverride::TimeOut) => {
                Err(WorkflowError::new(names::TIMEOUT, messages::timed_out(0)))
            }
            Some(AttemptOverride::Return(v)) => Ok(v),
            None => {
                let _busy = live.busy();
                let deadline = live.now().plus_ms(config.timeout_ms);
                tokio::select! {
                    r = crate::panic::CatchPanic(callback(ctx)) => r,
                    _ = live.clock.sleep_until(deadline) => Err(WorkflowError::new(names::TIMEOUT, messages::timed_out(config.timeout_ms))),
                }
            }
        };
        let mut output_bytes = 0u64;
        let result = result.and_then(|v| {
            let size = serde_json::to_vec(&v)
                .map(|b| b.len())
                .unwrap_or(usize::MAX);
            output_bytes = size as u64;
            let limit = live.limits.max_instance_state_bytes;
            if size > live.limits.max_output_bytes {
                Err(WorkflowError::new(
                    names::INTERNAL,
                    messages::output_too_large(&key.name, key.count),
                ))
            } else if live.lock().state_bytes.saturating_add(size as u64) > limit {
                // Retrying cannot make room: the step fails for good.
                let mut e = WorkflowError::new(names::INTERNAL, messages::state_limit(limit));
                e.non_retryable = true;
                Err(e)
            } else {
                Ok(v)
            }
        });
        match result {
            Ok(output) => {
                // Committed with the run's next commit (the next step's start, a wait, the
                // end): one commit per step, and nothing starts before it is durable.
                live.defer(
                    vec![
                        LogEvent::AttemptSuccess {
                            key: key.clone(),
                            attempt,
                        },
                        LogEvent::StepSuccess {
                            key: key.clone(),
                            output: output.clone(),
                        },
                    ],
                    output_bytes,
                );
                return Ok(output);
            }
            Err(err) if err.is_non_retryable() => {
                let attempt_error =
                    ErrorInfo::new(names::FATAL, messages::non_retryable_attempt(&err.message));
                live.record(final_failure(
                    &key,
                    attempt,
                    attempt_error,
                    err.info(),
                    true,
                ))
                .await;
                return Err(err);
            }
            Err(err) if config.retries.limit.allows_retry_after(attempt) => {
                let delay = if config.retries.dynamic {
                    match dynamic_delay(live, &key, &config, attempt, &err, &mut delay_fn).await {
                        Ok(ms) => ms,
                        Err(step_error) => {
                            live.record(final_failure(
                                &key,
                                attempt,
                                err.info(),
                                step_error.clone(),
                                true,
                            ))
                            .await;
                            return Err(replayed_error(step_error, true));
                        }
                    }
                } else {
                    config.retry_delay_ms(attempt)
                };
                // Retry delays a test turned off: the delay is recorded, not waited.
                let retry_at = live.now().plus_ms(if no_delay { 0 } else { delay });
                live.record(vec![LogEvent::AttemptFailure {
                    key: key.clone(),
                    attempt,
                    error: err.info(),
                    retry_delay_ms: Some(delay),
                    retry_at: Some(retry_at),
                }])
                .await;
            }
            Err(err) => {
                live.record(final_failure(&key, attempt, err.info(), err.info(), false))
                    .await;
                return Err(err);
            }
        }
    }
}

enum SleepTarget {
    For(u64),
    Until(Timestamp),
}

async fn run_sleep(live: &Live, key: StepKey, target: SleepTarget) -> StepResult<()> {
    let recorded = {
        let g = live.lock();
        match g.history.step(&key).map(|r| &r.state) {
            Some(StepState::Sleep {
                wake_at, completed, ..
            }) => Some((*wake_at, *completed)),
            _ => None,
        }
    };
    let wake_at = match recorded {
        Some((_, true)) => return Ok(()),
        Some((wake_at, false)) => wake_at,
        None => {
            let now = live.now();
            let (duration_ms, wake_at) = match target {
                SleepTarget::For(ms) => (ms, now.plus_ms(ms)),
                SleepTarget::Until(at) => {
                    if at < now {
                        return Err(WorkflowError::msg(messages::TIME_TRAVELER));
                    }
                    if at.since(now) > MAX_WAIT_MS {
                        return Err(fatal(messages::wait_too_long("sleep", &key.name)));
                    }
                    (at.since(now), at)
                }
            };
            live.record(vec![LogEvent::SleepStart {
                key: key.clone(),
                duration_ms,
                wake_at,
            }])
            .await;
            wake_at
        }
    };
    let disabled = live
        .modifier
        .as_ref()
        .is_some_and(|m| m.sleep_disabled(&key));
    if wake_at > live.now() && !disabled {
        let _w = live.add_waiter(wake_at, WaiterKind::Timer);
        live.clock.sleep_until(wake_at).await;
    }
    live.record(vec![LogEvent::SleepComplete { key }]).await;
    Ok(())
}

async fn run_wait(
    live: &Live,
    key: StepKey,
    event_type: String,
    timeout_ms: u64,
) -> StepResult<ReceivedEvent> {
    let recorded = {
        let g = live.lock();
        match g.history.step(&key).map(|r| &r.state) {
            Some(StepState::Wait {
                deadline, outcome, ..
            }) => Some((*deadline, outcome.clone())),
            _ => None,
        }
    };
    let deadline = match recorded {
        Some((_, Some(outcome))) => return outcome.map_err(WorkflowError::from),
        Some((deadline, None)) => deadline,
        None => {
            let deadline = live.now().plus_ms(timeout_ms);
            live.record(vec![LogEvent::WaitStart {
                key: key.clone(),
                event_type: event_type.clone(),
                timeout_ms,
                deadline,
            }])
            .await;
            deadline
        }
    };
    // The recorded event type wins on replay.
    let (event_type, timeout_ms) = {
        let g = live.lock();
        match g.history.step(&key).map(|r| &r.state) {
            Some(StepState::Wait {
                event_type,
                timeout_ms,
                ..
            }) => (event_type.clone(), *timeout_ms),
            _ => (event_type, timeout_ms),
        }
    };
    let forced = live
        .modifier
        .as_ref()
        .is_some_and(|m| m.event_timeout_forced(&key));
    // A test forced this wait's time-out: it ends at once, unanswered.
    let buffered = if forced {
        None
    } else {
        live.claim_buffered(&event_type)
    };
    let delivered = match buffered {
        _ if forced => None,
        Some(found) => Some(found),
        None => {
            let (tx, mut rx) = tokio::sync::oneshot::channel();
            let _w = live.add_waiter(
                deadline,
                WaiterKind::Event {
                    event_type: event_type.clone(),
                    deliver: Some(tx),
                },
            );
            tokio::select! {
                got = &mut rx => {
                    // Delivered by the driver: from here the wait's own commit keeps the run busy.
                    let mut g = live.lock();
                    g.pending_deliveries = g.pending_deliveries.saturating_sub(1);
                    got.ok()
                }
                _ = live.clock.sleep_until(deadline) => {
                    let got = rx.try_recv().ok();
                    if got.is_some() {
                        let mut g = live.lock();
                        g.pending_deliveries = g.pending_deliveries.saturating_sub(1);
                    }
                    got
                }
            }
        }
    };
    match delivered {
        Some((event_seq, event)) => {
            live.record(vec![LogEvent::WaitComplete {
                key,
                event_seq,
                event: event.clone(),
            }])
            .await;
            Ok(event)
        }
        None => {
            let error = ErrorInfo::new(names::TIMEOUT, messages::timed_out(timeout_ms));
            live.record(vec![LogEvent::WaitTimedOut {
                key,
                error: error.clone(),
            }])
            .await;
            Err(WorkflowError::from(error))
        }
    }
}
