//! Control operations (pause, resume, terminate, restart, send event). If a driver runs the
//! instance, the operation goes to it; if another node holds its lease, to that node
//! (`crate::remote`); otherwise the operation changes the store itself while holding the
//! instance's control slot, so no driver starts meanwhile.

use crate::commands::{CmdReply, Command, ControlOp};
use crate::commits::{pause_commit, restart_commit, terminate_commit};
use crate::shared::{Shared, Slot, store_error};
use endure_model::{ApiError, ErrorCode, InstanceStatus, LogEvent};
use endure_store::{Commit, InstanceRef, InstanceRow, RowUpdate, StoreError};
use std::sync::Arc;
use tokio::sync::{Notify, oneshot};

enum Access {
    Send(tokio::sync::mpsc::Sender<Command>),
    Wait(Arc<Notify>),
    Mine(Arc<Notify>),
}

/// The instance's control slot while this node applies an operation to it, released however
/// the operation ends: also when its caller gives up half-way (a REST client that disconnects
/// drops the request's future), which otherwise left every later operation on the instance,
/// and the scheduler, waiting on the slot until the process ended.
struct ControlSlot<'a> {
    shared: &'a Shared,
    i: InstanceRef,
    notify: Arc<Notify>,
}

impl Drop for ControlSlot<'_> {
    fn drop(&mut self) {
        let deferred = {
            let mut slots = self.shared.slots();
            let mine = matches!(
                slots.get(&self.i),
                Some(Slot::Control { notify, .. }) if Arc::ptr_eq(notify, &self.notify)
            );
            mine && matches!(
                slots.remove(&self.i),
                Some(Slot::Control { deferred: true, .. })
            )
        };
        self.notify.notify_waiters();
        self.shared.bump();
        if deferred {
            // The scheduler tried to start it meanwhile; the driver decides whether to run.
            self.shared.scheduler.enqueue_wake(self.i);
        }
    }
}

/// What to do with the instance after a control operation.
pub(crate) enum Requeue {
    No,
    Wake,
    New,
}

/// Applies `op` to the instance, wherever it runs.
pub(crate) async fn control(
    shared: &Arc<Shared>,
    i: InstanceRef,
    id: &str,
    op: ControlOp,
) -> Result<(), ApiError> {
    run(shared, i, id, op, true).await
}

/// Applies `op` on this node (another node forwarded it here).
pub(crate) async fn apply(
    shared: &Arc<Shared>,
    i: InstanceRef,
    id: &str,
    op: ControlOp,
) -> Result<(), ApiError> {
    run(shared, i, id, op, false).await
}

async fn run(
    shared: &Arc<Shared>,
    i: InstanceRef,
    id: &str,
    op: ControlOp,
    may_forward: bool,
) -> Result<(), ApiError> {
    loop {
        let access = {
            let mut slots = shared.slots();
            match slots.get(&i) {
                Some(Slot::Live(tx, _)) => Access::Send(tx.clone()),
                Some(Slot::Control { notify, .. }) => Access::Wait(notify.clone()),
                None => {
                    let n = Arc::new(Notify::new());
                    slots.insert(
                        i,
                        Slot::Control {
                            notify: n.clone(),
                            deferred: false,
                        },
                    );
                    Access::Mine(n)
                }
            }
        };
        match access {
            Access::Send(tx) => {
                let (rtx, rrx) = oneshot::channel();
                if tx
                    .send(Command {
                        op: op.clone(),
                        reply: rtx,
                    })
                    .await
                    .is_ok()
                    && let Ok(CmdReply::Done(r)) = rrx.await
                {
                    return r;
                }
                // The driver was stopping: try again.
                tokio::task::yield_now().await;
            }
            Access::Wait(n) => {
                let notified = n.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                let same = matches!(shared.slots().get(&i), Some(Slot::Control { notify, .. }) if Arc::ptr_eq(notify, &n));
                if same {
                    notified.await;
                }
            }
            Access::Mine(n) => {
                let slot = ControlSlot {
                    shared,
                    i,
                    notify: n,
                };
                let forwarded = match may_forward {
                    true => crate::remote::forward(shared, i, id, &op).await,
                    false => None,
                };
                let result = match forwarded {
                    Some(r) => r.map(|()| Requeue::No),
                    None => applied_here(shared, i, id, op).await,
                };
                drop(slot);
                return match result {
                    Ok(Requeue::No) => Ok(()),
                    Ok(Requeue::Wake) => {
                        shared.scheduler.enqueue_wake(i);
                        Ok(())
                    }
                    Ok(Requeue::New) => {
                        shared.scheduler.enqueue_new(i);
                        Ok(())
                    }
                    Err(e) => Err(e),
                };
            }
        }
    }
}

/// Why [`dormant`] did not apply an operation.
enum Refused {
    Api(ApiError),
    /// The status moved between the read and the commit (another writer came first).
    Moved(StoreError),
}

impl From<ApiError> for Refused {
    fn from(e: ApiError) -> Self {
        Refused::Api(e)
    }
}

/// How often an operation is decided again when the status keeps moving under it.
const MAX_DECISIONS: usize = 3;

/// [`dormant`], decided again on the status as it is now when another writer changed it between
/// the read and the commit (on this node, the store commit of an operation whose caller gave up
/// can still land after the slot is released; on a shared store, another node).
async fn applied_here(
    shared: &Shared,
    i: InstanceRef,
    id: &str,
    op: ControlOp,
) -> Result<Requeue, ApiError> {
    let mut tries = 0;
    loop {
        tries += 1;
        match dormant(shared, i, id, op.clone()).await {
            Ok(r) => return Ok(r),
            Err(Refused::Api(e)) => return Err(e),
            Err(Refused::Moved(e)) if tries >= MAX_DECISIONS => return Err(store_error(e)),
            Err(Refused::Moved(_)) => {}
        }
    }
}

async fn dormant(
    shared: &Shared,
    i: InstanceRef,
    id: &str,
    op: ControlOp,
) -> Result<Requeue, Refused> {
    let row = shared.store.get_instance(i).await.map_err(store_error)?;
    let row = row.ok_or_else(|| ApiError::instance_not_found(id))?;
    let now = shared.clock.now();
    // Every change takes the lease first: a run of this instance still going anywhere (another
    // node, or an engine of this process that was shut down) is fenced out from here on.
    let commit = |mut c: Commit| async move {
        let fence = shared
            .store
            .acquire_lease(i, &shared.config.node_id)
            .await
            .map_err(store_error)?;
        c.fence = Some(fence);
        shared
            .store
            .submit(c)
            .await
            .map(|_| ())
            .map_err(|e| match e {
                StoreError::UnexpectedStatus { .. } => Refused::Moved(e),
                e => Refused::Api(store_error(e)),
            })
    };
    use InstanceStatus as S;
    match op {
        ControlOp::Pause => match row.status {
            S::Running | S::Waiting | S::WaitingForPause => {
                commit(pause_commit(i, None, now).expect(&[row.status])).await?;
                Ok(Requeue::No)
            }
            _ => Ok(Requeue::No),
        },
        ControlOp::Resume => {
            if row.status == S::WaitingForPause {
                // A pause was pending, but nothing runs the instance (its process died, or the
                // owner did not answer): resuming cancels the pause, and it runs again.
                commit(
                    Commit::new(i, None)
                        .update(RowUpdate::status(S::Running))
                        .expect(&[S::WaitingForPause]),
                )
                .await?;
                return Ok(Requeue::Wake);
            }
            if row.status != S::Paused {
                return Ok(Requeue::No);
            }
            let paused_ms = row.paused_at.map_or(0, |p| now.since(p));
            commit(
                Commit::new(i, None)
                    .log(now, LogEvent::WorkflowResumed { paused_ms })
                    .update(RowUpdate {
                        status: Some(S::Queued),
                        paused_at: Some(None),
                        ..Default::default()
                    })
                    .expect(&[S::Paused]),
            )
            .await?;
            Ok(Requeue::Wake)
        }
        ControlOp::Terminate => {
            if row.status.is_finished() {
                return Err(ApiError::cannot_terminate().into());
            }
            commit(terminate_commit(i, None, now).expect(&[row.status])).await?;
            let wall = row.started_at.map(|s| now.since(s));
            shared.report(
                &row.workflow,
                &row.id,
                now,
                &LogEvent::WorkflowTerminated,
                wall,
            );
            Ok(Requeue::No)
        }
        ControlOp::Restart(from) => {
            let log = shared.store.read_log(i).await.map_err(store_error)?;
            let c = restart_commit(i, None, &log, from.as_ref())?;
            commit(c).await?;
            Ok(Requeue::New)
        }
        ControlOp::Delete => {
            shared.store.delete_instance(i).await.map_err(store_error)?;
            Ok(Requeue::No)
        }
        ControlOp::SendEvent(event) => {
            if row.status.is_finished() {
                return Err(ApiError::new(
                    ErrorCode::NotRunning,
                    format!(
                        "Cannot send an event to instance \"{id}\": it is {}",
                        row.status
                    ),
                )
                .into());
            }
            let waiting = row.status == S::Waiting;
            let mut c = Commit::new(i, None)
                .log(now, LogEvent::EventReceived { event })
                .expect(&[row.status]);
            if waiting {
                // Wake it: the replay consumes the event if a wait is for it, or sleeps again.
                c = c.update(RowUpdate {
                    wake_at: Some(Some(now)),
                    ..Default::default()
                });
            }
            commit(c).await?;
            Ok(if waiting { Requeue::Wake } else { Requeue::No })
        }
    }
}

/// An instance left `waitingForPause` by a stopped process is paused now.
pub(crate) async fn finish_pending_pause(
    shared: &Shared,
    row: &InstanceRow,
) -> Result<(), StoreError> {
    let now = shared.clock.now();
    let fence = shared
        .store
        .acquire_lease(row.instance, &shared.config.node_id)
        .await?;
    shared
        .store
        .submit(
            pause_commit(row.instance, Some(fence), now).expect(&[InstanceStatus::WaitingForPause]),
        )
        .await?;
    shared.bump();
    Ok(())
}
