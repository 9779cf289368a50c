//! The driver: runs one instance in this process from start (or wake-up) until it finishes,
//! hibernates, pauses or is stopped. It polls the workflow's run future and, between polls,
//! handles control commands and decides whether the run can be dropped (nothing executing,
//! only waits left) to hibernate.

use crate::code::WorkflowEvent;
use crate::commands::{CmdReply, Command, ControlOp, StepSelector};
use crate::commits::{pause_commit, restart_commit, terminate_commit};
use crate::live::{Live, LiveInner};
use crate::shared::{Shared, Slot};
use crate::step::Step;
use endure_model::error::names;
use endure_model::history::History;
use endure_model::{ApiError, ErrorInfo, InstanceStatus, LogEvent, Timestamp, WorkflowError};
use endure_store::{Commit, InstanceRef, RowUpdate, StoreError};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

/// Starts a driver for `i` unless something already holds the instance.
pub(crate) fn try_start(shared: &Arc<Shared>, i: InstanceRef) -> bool {
    let mut slots = shared.slots();
    // Checked under the slots lock: `Engine::shutdown` sets the flag, then takes every slot
    // under this lock, so no driver can start after it and escape being stopped.
    if shared.scheduler.is_shut_down() {
        return false;
    }
    match slots.get_mut(&i) {
        // Already running here.
        Some(Slot::Live(..)) => return false,
        // A control operation is changing it: it queues the instance again when it is done.
        Some(Slot::Control { deferred, .. }) => {
            *deferred = true;
            return false;
        }
        None => {}
    }
    let (tx, rx) = mpsc::channel(crate::commands::DRIVER_QUEUE);
    let task = tokio::spawn(drive(shared.clone(), i, rx));
    slots.insert(i, Slot::Live(tx, task.abort_handle()));
    true
}

enum Stop {
    /// Leave the instance as the store has it.
    Nothing,
    /// The store failed: try again later.
    Retry,
    Requeue,
}

async fn drive(shared: Arc<Shared>, i: InstanceRef, mut rx: mpsc::Receiver<Command>) {
    let stop = match run_instance(&shared, i, &mut rx).await {
        Ok(stop) => stop,
        Err(StoreError::Fenced) | Err(StoreError::NotFound) => Stop::Nothing,
        Err(_) => Stop::Retry,
    };
    {
        let mut slots = shared.slots();
        slots.remove(&i);
        rx.close();
        while let Ok(cmd) = rx.try_recv() {
            let _ = cmd.reply.send(CmdReply::NotLive);
        }
    }
    shared.scheduler.slot_freed();
    shared.bump();
    match stop {
        Stop::Nothing => {}
        Stop::Requeue => shared.scheduler.enqueue_new(i),
        Stop::Retry => {
            let shared = shared.clone();
            tokio::spawn(async move {
                let at = shared.clock.now().plus_ms(1000);
                shared.clock.sleep_until(at).await;
                shared.scheduler.enqueue_wake(i);
            });
        }
    }
}

enum Next {
    Continue,
    Finish(Result<Value, WorkflowError>),
    Pause,
    Hibernate(Timestamp),
    /// Only a short wait is left: keep the run live, with the row marked `waiting`.
    MarkWaiting(Timestamp),
    /// Commit the deferred step results now (the run is idle, or they waited long enough).
    Flush,
    Terminate(oneshot::Sender<CmdReply>),
    Delete(oneshot::Sender<CmdReply>),
    Restart(Option<StepSelector>, oneshot::Sender<CmdReply>),
    Fatal(StoreError),
}

async fn run_instance(
    shared: &Arc<Shared>,
    i: InstanceRef,
    rx: &mut mpsc::Receiver<Command>,
) -> Result<Stop, StoreError> {
    // One read for the row and its log. The start (`running`, `WORKFLOW_START` the first
    // time, the lease) is carried by the run's first commit: fenced on the token read here, so
    // a taker in between makes it fail, and the token after it is this one plus one.
    let Some((row, log)) = shared.store.read_instance(i).await? else {
        return Ok(Stop::Nothing);
    };
    match row.status {
        InstanceStatus::Queued | InstanceStatus::Running | InstanceStatus::Waiting => {}
        InstanceStatus::WaitingForPause => {
            crate::control::finish_pending_pause(shared, &row).await?;
            return Ok(Stop::Nothing);
        }
        _ => return Ok(Stop::Nothing),
    }
    // Code for this workflow is not loaded here: leave the instance for a process that has it.
    let Some(reg) = shared.workflows.get(&row.workflow) else {
        return Ok(Stop::Nothing);
    };
    let history = History::from_log(&log);
    // A cron firing's event carries its schedule, and its timestamp is the scheduled time.
    let schedule = history.schedule.clone();
    let now = shared.clock.now();
    let start = crate::live::PendingStart {
        read_fence: row.fence,
        update: RowUpdate {
            status: Some(InstanceStatus::Running),
            wake_at: Some(None),
            started_at: row.started_at.is_none().then_some(Some(now)),
            ..Default::default()
        },
        entries: if history.started.is_none() {
            vec![(now, LogEvent::WorkflowStart)]
        } else {
            vec![]
        },
        at: now,
        owner: shared.config.node_id.clone(),
    };
    let fence = endure_store::Fence(row.fence.0 + 1);
    let bump_target = Arc::downgrade(shared);
    let recheck_target = Arc::downgrade(shared);
    let live = Arc::new(Live {
        instance: i,
        fence,
        store: shared.store.clone(),
        clock: shared.clock.clone(),
        limits: shared.config.limits.clone(),
        step_limit: reg.options.step_limit,
        inner: Mutex::new(LiveInner {
            history,
            state_bytes: log.iter().map(|e| crate::live::event_bytes(&e.event)).sum(),
            pending_start: Some(start),
            ..LiveInner::default()
        }),
        changed: tokio::sync::Notify::new(),
        gate: tokio::sync::Notify::new(),
        on_commit: Box::new(move || {
            if let Some(s) = bump_target.upgrade() {
                s.bump();
            }
        }),
        on_unmark: Box::new(move || {
            if let Some(s) = recheck_target.upgrade() {
                s.scheduler.recheck();
            }
        }),
        telemetry: shared.telemetry.as_ref().map(|t| crate::live::Reporter {
            telemetry: t.clone(),
            workflow: row.workflow.clone(),
            instance_id: row.id.clone(),
        }),
        modifier: shared.modifiers.get(&row.workflow, &row.id),
    });
    let event = WorkflowEvent {
        payload: row.params.clone(),
        timestamp: schedule
            .as_ref()
            .map_or(row.created_at, |s| s.scheduled_time),
        instance_id: row.id.clone(),
        workflow_name: row.workflow.clone(),
        schedule,
    };
    let mut run = crate::panic::CatchPanic(reg.code.run(event, Step { live: live.clone() }));

    // Deferred step results wait for the run's next commit, at most until `flush_at`.
    let mut flush_at: Option<Timestamp> = None;
    let mut flush_timer: crate::clock::BoxFuture<'static, ()> = Box::pin(std::future::pending());
    let next = loop {
        let polled = tokio::select! {
            biased;
            result = &mut run => Next::Finish(result),
            Some(cmd) = rx.recv() => handle(&live, cmd).await,
            _ = live.changed.notified() => Next::Continue,
            _ = &mut flush_timer, if flush_at.is_some() => Next::Flush,
        };
        let step = match polled {
            Next::Continue => evaluate(&live, shared.config.live_wait_ms),
            other => Some(other),
        };
        match step {
            Some(Next::MarkWaiting(at)) => {
                if let Err(e) = mark_waiting(&live, at).await {
                    break Next::Fatal(e);
                }
            }
            Some(Next::Flush) if live.has_pending() => {
                if let Err(e) = live.commit_entries(vec![]).await {
                    break Next::Fatal(e);
                }
            }
            Some(Next::Flush) | None => {}
            Some(next) => break next,
        }
        let due = live.flush_due();
        if due != flush_at {
            flush_at = due;
            flush_timer = match due {
                Some(at) => live.clock.sleep_until(at),
                None => Box::pin(std::future::pending()),
            };
        }
    };
    drop(run); // nothing of the run survives a stop
    let was_marked = live.lock().marked_waiting.is_some();
    let stop = finish(shared, &live, next).await;
    if was_marked {
        // The scheduler may have skipped this live row as due; its other wake-ups count again.
        shared.scheduler.recheck();
    }
    stop
}

/// Handles a control command while the run is live.
async fn handle(live: &Live, cmd: Command) -> Next {
    let Command { op, reply } = cmd;
    let done = |reply: oneshot::Sender<CmdReply>, r: Result<(), ApiError>| {
        let _ = reply.send(CmdReply::Done(r));
        Next::Continue
    };
    let commit = |c: Commit| live.submit(c);
    let base = || Commit::new(live.instance, Some(live.fence));
    let result = match op {
        ControlOp::SendEvent(event) => {
            let now = live.now();
            let received = LogEvent::EventReceived {
                event: event.clone(),
            };
            // The event is the commit's last entry (the run's pending ones go first).
            commit(base().log(now, received)).await.map(|res| {
                if let Some(seq) = res.seqs.last() {
                    live.dispatch_event(*seq, &event);
                }
            })
        }
        ControlOp::Pause => {
            if live.lock().pause_requested {
                return done(reply, Ok(()));
            }
            commit(base().update(RowUpdate::status(InstanceStatus::WaitingForPause)))
                .await
                .map(|_| live.lock().pause_requested = true)
        }
        ControlOp::Resume => {
            if !live.lock().pause_requested {
                return done(reply, Ok(()));
            }
            commit(base().update(RowUpdate::status(InstanceStatus::Running)))
                .await
                .map(|_| {
                    live.lock().pause_requested = false;
                    live.gate.notify_waiters();
                })
        }
        ControlOp::Terminate => return Next::Terminate(reply),
        ControlOp::Delete => return Next::Delete(reply),
        ControlOp::Restart(from) => {
            if let Some(sel) = &from
                && live
                    .lock()
                    .history
                    .find_started(sel.kind, &sel.name, sel.count)
                    .is_none()
            {
                return done(reply, Err(ApiError::cannot_restart(&sel.name)));
            }
            return Next::Restart(from, reply);
        }
    };
    match result {
        Ok(()) => {
            (live.on_commit)();
            done(reply, Ok(()))
        }
        Err(e) => {
            let _ = reply.send(CmdReply::NotLive);
            Next::Fatal(e)
        }
    }
}

/// A short wait keeps the run live; the row says `waiting` until the run's next commit, with
/// the wait's end as its wake-up time, so a process that dies meanwhile replays the run then.
async fn mark_waiting(live: &Live, at: Timestamp) -> Result<(), StoreError> {
    let c = Commit::new(live.instance, Some(live.fence)).update(RowUpdate {
        status: Some(InstanceStatus::Waiting),
        wake_at: Some(Some(at)),
        ..Default::default()
    });
    live.submit(c).await?;
    live.lock().marked_waiting = Some(at);
    (live.on_commit)();
    Ok(())
}

/// Between polls: should the run stop, or mark a short wait?
fn evaluate(live: &Live, live_wait_ms: u64) -> Option<Next> {
    let mut g = live.lock();
    if let Some(e) = g.fatal.take() {
        return Some(Next::Fatal(e));
    }
    if g.busy > 0 || g.pending_deliveries > 0 {
        return None;
    }
    if g.pause_requested {
        return Some(Next::Pause);
    }
    let flush = (!g.deferred.is_empty() || g.pending_start.is_some()).then_some(Next::Flush);
    let Some(earliest) = g.waiters.values().map(|w| w.deadline).min() else {
        // Idle outside any step (Rust code awaiting something else): nothing will commit soon.
        return flush;
    };
    let now = live.now();
    if earliest <= now {
        // A wait is ending: its own commit carries them.
        return None;
    }
    // Only waits are left. A short one keeps the run live (marked `waiting` once per
    // wake-up time); a longer one drops the run and lets the store wake it.
    if earliest.since(now) <= live_wait_ms {
        return (g.marked_waiting != Some(earliest)).then_some(Next::MarkWaiting(earliest));
    }
    Some(Next::Hibernate(earliest))
}

fn failure_record(e: &WorkflowError) -> ErrorInfo {
    if e.name == names::NON_RETRYABLE || e.message.starts_with(names::NON_RETRYABLE) {
        let message = e
            .message
            .strip_prefix("NonRetryableError: ")
            .unwrap_or(&e.message);
        ErrorInfo::new(names::NON_RETRYABLE, message)
    } else {
        e.info()
    }
}

async fn finish(shared: &Arc<Shared>, live: &Live, next: Next) -> Result<Stop, StoreError> {
    let now = live.now();
    let i = live.instance;
    let fence = Some(live.fence);
    // Every commit that ends the run carries the deferred step results first.
    let submit = |c: Commit| live.submit(c);
    if matches!(next, Next::Restart(..)) {
        // A restart reads the stored log to choose what to erase: it must be complete.
        live.commit_entries(vec![]).await?;
    }
    match next {
        Next::Continue | Next::MarkWaiting(_) | Next::Flush => Ok(Stop::Nothing),
        Next::Fatal(e) => Err(e),
        Next::Finish(result) => {
            let result = result.and_then(|v| {
                let size = serde_json::to_vec(&v)
                    .map(|b| b.len())
                    .unwrap_or(usize::MAX);
                if size > shared.config.limits.max_output_bytes {
                    Err(WorkflowError::new(
                        names::INTERNAL,
                        "The workflow's output is too large. Maximum allowed size is 1MiB.",
                    ))
                } else {
                    Ok(v)
                }
            });
            let c = match result {
                Ok(output) => Commit::new(i, fence)
                    .log(
                        now,
                        LogEvent::WorkflowSuccess {
                            output: output.clone(),
                        },
                    )
                    .update(RowUpdate {
                        status: Some(InstanceStatus::Complete),
                        ended_at: Some(Some(now)),
                        output: Some(Some(output)),
                        wake_at: Some(None),
                        ..Default::default()
                    }),
                Err(e) => {
                    let error = failure_record(&e);
                    Commit::new(i, fence)
                        .log(
                            now,
                            LogEvent::WorkflowFailure {
                                error: error.clone(),
                            },
                        )
                        .update(RowUpdate {
                            status: Some(InstanceStatus::Errored),
                            ended_at: Some(Some(now)),
                            error: Some(Some(error)),
                            wake_at: Some(None),
                            ..Default::default()
                        })
                }
            };
            submit(c).await?;
            Ok(Stop::Nothing)
        }
        Next::Pause => {
            submit(pause_commit(i, fence, now)).await?;
            Ok(Stop::Nothing)
        }
        Next::Hibernate(at) => {
            submit(Commit::new(i, fence).update(RowUpdate {
                status: Some(InstanceStatus::Waiting),
                wake_at: Some(Some(at)),
                ..Default::default()
            }))
            .await?;
            shared.scheduler.note_wake(at);
            Ok(Stop::Nothing)
        }
        Next::Terminate(reply) => answer(
            reply,
            submit(terminate_commit(i, fence, now)).await,
            Stop::Nothing,
        ),
        Next::Delete(reply) => answer(reply, live.store.delete_instance(i).await, Stop::Nothing),
        Next::Restart(from, reply) => {
            let log = live.store.read_log(i).await?;
            let c = match restart_commit(i, fence, &log, from.as_ref()) {
                Ok(c) => c,
                Err(e) => {
                    let _ = reply.send(CmdReply::Done(Err(e)));
                    return Ok(Stop::Requeue);
                }
            };
            answer(reply, submit(c).await, Stop::Requeue)
        }
    }
}

/// Answers a control command once its store change is done: success, or "not live" so the
/// caller retries on the store once this driver has stopped.
fn answer<T>(
    reply: oneshot::Sender<CmdReply>,
    result: Result<T, StoreError>,
    then: Stop,
) -> Result<Stop, StoreError> {
    match result {
        Ok(_) => {
            let _ = reply.send(CmdReply::Done(Ok(())));
            Ok(then)
        }
        Err(e) => {
            let _ = reply.send(CmdReply::NotLive);
            Err(e)
        }
    }
}
