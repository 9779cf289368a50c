//! A node's inbox: the notices other nodes send it (`crate::remote`). Forwarded control
//! operations are applied here as this node's own callers' are (never forwarded again) and
//! answered; answers go to whoever waits on them.

use crate::remote::Wire;
use crate::shared::Shared;
use endure_store::{InstanceRef, Notice};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Forwarded operations a node applies at once at most (further notices wait to be read).
pub(crate) const MAX_REMOTE_CONTROLS: usize = 64;

/// Reads this node's notices until the store stops delivering them: applies forwarded
/// operations and hands answers to whoever waits on them.
pub(crate) async fn run(shared: Arc<Shared>, mut notices: tokio::sync::mpsc::Receiver<Notice>) {
    let permits = Arc::new(Semaphore::new(MAX_REMOTE_CONTROLS));
    while let Some(notice) = notices.recv().await {
        let body = match notice {
            Notice::Message(body) => body,
            Notice::Missed => {
                // Whatever was missed is in the store: look at it again.
                shared.scheduler.recheck();
                continue;
            }
        };
        match serde_json::from_str::<Wire>(&body) {
            Ok(Wire::Reply { request, result }) => {
                if let Some(tx) = shared.remote.pending().remove(&request) {
                    let _ = tx.send(result);
                }
            }
            Ok(Wire::Control {
                request,
                from,
                instance,
                id,
                op,
            }) => {
                let Ok(permit) = permits.clone().acquire_owned().await else {
                    return;
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    let result =
                        crate::control::apply(&shared, InstanceRef(instance), &id, op).await;
                    let reply = Wire::Reply { request, result };
                    if let Ok(body) = serde_json::to_string(&reply) {
                        let _ = shared.store.notify(&from, body).await;
                    }
                    drop(permit);
                });
            }
            // A notice this version does not understand (a newer node's): nothing to do.
            Err(_) => {}
        }
    }
}
