//! Control operations across nodes. On a shared store, an operation on an instance whose lease
//! another live node holds goes to that node as a notice ([`endure_store::notices`]); the owner
//! applies it as it would its own caller's (so a pause lets the running step finish, and an
//! event reaches the waiting run in memory) and answers with a notice of its own.
//!
//! Notices are best effort. If the owner does not answer within [`FORWARD_TIMEOUT_MS`] (it
//! died, or is cut off), or the operation does not fit in a notice, the operation is applied
//! here instead: it takes the lease first, which fences the owner's run out of the store.
//! The owner's side (reading notices, applying what they ask) is `crate::inbox`.

use crate::commands::ControlOp;
use crate::shared::Shared;
use endure_model::{ApiError, InstanceStatus};
use endure_store::InstanceRef;
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use tokio::sync::oneshot;

/// How long a node waits for the owner's answer before applying an operation itself, in ms:
/// longer than a node's heartbeat lasts, so an owner that does not answer is one the cluster
/// considers dead (or one that cannot reach the database either).
pub const FORWARD_TIMEOUT_MS: u64 = crate::options::NODE_TTL_MS + crate::options::HEARTBEAT_MS;

/// Operations this node has forwarded and waits on at most (beyond it, it applies them itself).
pub(crate) const MAX_FORWARDED: usize = 4_096;

/// What nodes say to each other.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub(crate) enum Wire {
    /// Apply `op` to the instance (`id` names it in errors) and answer `from`.
    Control {
        request: u64,
        from: String,
        instance: i64,
        id: String,
        op: ControlOp,
    },
    /// The answer to `request`.
    Reply {
        request: u64,
        result: Result<(), ApiError>,
    },
}

/// Sends `op` to the node that holds the instance's lease and waits for its answer. `None`:
/// apply it here (the store is not shared, this node or nobody holds the lease, nothing runs
/// the instance, or the owner did not answer in time).
pub(crate) async fn forward(
    shared: &Shared,
    i: InstanceRef,
    id: &str,
    op: &ControlOp,
) -> Option<Result<(), ApiError>> {
    if !shared.config.shared_store {
        return None;
    }
    let row = shared.store.get_instance(i).await.ok()??;
    let owner = row.owner.filter(|o| *o != shared.config.node_id)?;
    use InstanceStatus as S;
    if !matches!(
        row.status,
        S::Queued | S::Running | S::Waiting | S::WaitingForPause
    ) {
        return None;
    }
    let remote = &shared.remote;
    let request = remote.next.fetch_add(1, Ordering::Relaxed);
    let body = serde_json::to_string(&Wire::Control {
        request,
        from: shared.config.node_id.clone(),
        instance: i.0,
        id: id.to_string(),
        op: op.clone(),
    })
    .ok()?;
    let (tx, rx) = oneshot::channel();
    {
        let mut pending = remote.pending();
        if pending.len() >= MAX_FORWARDED {
            return None;
        }
        pending.insert(request, tx);
    }
    let give_up = || {
        remote.pending().remove(&request);
        None
    };
    if shared.store.notify(&owner, body).await.is_err() {
        return give_up();
    }
    let deadline = shared.clock.now().plus_ms(FORWARD_TIMEOUT_MS);
    tokio::select! {
        r = rx => r.ok(),
        _ = shared.clock.sleep_until(deadline) => give_up(),
    }
}
