//! The dispatcher: the task that queues instances whose wake-up time has come (asking the
//! store) and starts drivers for queued ones as the scheduler's limit allows.

use crate::scheduler::WAKE_BATCH;
use crate::shared::Shared;
use endure_store::InstanceRef;
use std::sync::Arc;

fn is_live(shared: &Shared, i: InstanceRef) -> bool {
    shared.slots().contains_key(&i)
}

pub(crate) async fn run(shared: Arc<Shared>) {
    let s = &shared.scheduler;
    loop {
        // Let other tasks run even when the store answers without waiting.
        tokio::task::yield_now().await;
        if s.is_shut_down() {
            return;
        }
        // Wake-ups that have come are queued before anything starts, so a woken instance
        // goes before newly created ones.
        let now = shared.clock.now();
        let mut progressed = false;
        if s.take_check(now) {
            let node = &shared.config.node_id;
            if let Ok(due) = shared.store.due_wakeups(node, now, WAKE_BATCH).await {
                for i in due {
                    if !is_live(&shared, i) && s.enqueue_wake(i) {
                        progressed = true;
                    }
                }
            }
            s.set_next_wake(shared.store.next_wakeup(node, now).await.ok().flatten());
        }
        // On a shared store the limit is the cluster's: claim slots for what waits.
        if shared.config.shared_store && s.needs_slots() {
            crate::nodes::claim_slots(&shared).await;
        }
        // Start what the limit allows, woken instances first.
        while let Some(i) = s.pop_startable() {
            if !crate::driver::try_start(&shared, i) {
                s.slot_freed();
            }
        }
        s.shrink_if_idle();
        if progressed {
            continue;
        }
        let notified = s.notified();
        match s.next_wake_after(now) {
            Some(at) => {
                tokio::select! {
                    _ = notified => {}
                    _ = shared.clock.sleep_until(at) => {}
                }
            }
            None => notified.await,
        }
    }
}
