//! Several processes on one store: this node's heartbeat, its run slots under the
//! cluster-wide limit (`Store::claim_slots`, claimed each beat and whenever the dispatcher
//! wants more), and taking over the instances of nodes whose heartbeat ran out
//! (`Store::take_orphans`). Started only when the store is
//! shared (`EngineConfig::shared_store`); times come from the engine's clock.
//!
//! A node that takes an instance queues it like a recovered one; its run's first commit takes
//! the lease, so a node that was only slow (not dead) is fenced out of the store from then on.
//! Each beat the node also asks the store for the earliest wake-up time again, so timers other
//! nodes set (and left behind when they died) fire here at most a beat late, and whoever waits
//! for a change of an instance another node runs (`InstanceHandle::wait_for`) looks again.

use crate::options::{HEARTBEAT_MS, NODE_TTL_MS};
use crate::scheduler::WAKE_BATCH;
use crate::shared::Shared;
use endure_model::InstanceStatus;
use endure_store::InstanceRow;
use std::sync::Arc;

/// Queues instances this node has just taken: running ones first, queued ones as new, and a
/// pending pause finished.
pub(crate) async fn adopt(shared: &Shared, rows: Vec<InstanceRow>) {
    for row in rows {
        if shared.slots().contains_key(&row.instance) {
            continue;
        }
        match row.status {
            InstanceStatus::Running => {
                shared.scheduler.enqueue_wake(row.instance);
            }
            InstanceStatus::Queued => shared.scheduler.enqueue_new(row.instance),
            // A pause was pending and nothing runs it now: it is paused.
            _ => {
                let _ = crate::control::finish_pending_pause(shared, &row).await;
            }
        }
    }
}

/// Claims the run slots this node wants now under the cluster-wide `max_running`
/// (`Store::claim_slots`), and gives back what it no longer needs.
pub(crate) async fn claim_slots(shared: &Shared) {
    let s = &shared.scheduler;
    let (running, want) = s.demand();
    let want = s.claim_size(want);
    let claim = endure_store::SlotClaim {
        node: shared.config.node_id.clone(),
        running,
        want,
        limit: s.max_running(),
        now: shared.clock.now(),
    };
    let granted = shared.store.claim_slots(claim).await.ok();
    s.set_allowance(granted.map(|g| g.allowance), want);
}

pub(crate) async fn run(shared: Arc<Shared>) {
    let node = shared.config.node_id.clone();
    loop {
        let now = shared.clock.now();
        if shared
            .store
            .heartbeat(&node, now.plus_ms(NODE_TTL_MS))
            .await
            .is_ok()
            && let Ok(rows) = shared
                .store
                .take_orphans(&node, now, WAKE_BATCH, false)
                .await
        {
            adopt(&shared, rows).await;
        }
        // Slots: more if others gave some back, fewer if this node no longer needs them.
        claim_slots(&shared).await;
        // Other nodes set wake-up times this one does not hear of: look at the store's
        // earliest again each beat, so a dead node's sleeping instances wake here too.
        shared.scheduler.recheck();
        // Waiters on instances other nodes run (`wait_for`) look at the store again.
        shared.bump();
        shared.clock.sleep_until(now.plus_ms(HEARTBEAT_MS)).await;
    }
}
