//! Notices: short messages from one node to another through the store they share, such as a
//! control operation for an instance another node runs, and its answer.
//!
//! A notice is best effort: it may be lost (a full queue, a dropped connection), so whoever
//! sends one must cope with no answer. A listener that may have missed notices receives
//! [`Notice::Missed`] and looks at the store again. Stores shared by several processes carry
//! notices between them (PostgreSQL: `LISTEN`/`NOTIFY`); [`LocalNotices`] carries them between
//! engines of one process, which is what the in-memory store and SQLite offer.

use crate::StoreError;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// The largest notice payload in bytes (PostgreSQL's `NOTIFY` takes less than 8000 with the
/// channel name and the addressing).
pub const MAX_NOTICE_BYTES: usize = 7_000;

/// Notices waiting for one listener at most; beyond that they are dropped (and the listener
/// told it missed some).
pub const NOTICE_QUEUE: usize = 1_024;

/// What a listener receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A payload another node sent to this one.
    Message(String),
    /// Notices may have been lost (a connection dropped, the queue was full): look again.
    Missed,
}

/// Refuses a payload too big to send.
pub fn check_notice(payload: &str) -> Result<(), StoreError> {
    if payload.len() > MAX_NOTICE_BYTES {
        return Err(StoreError::Backend(format!(
            "a notice of {} bytes is over the limit of {MAX_NOTICE_BYTES}",
            payload.len()
        )));
    }
    Ok(())
}

/// Notices between engines of one process: one queue per listening node.
#[derive(Default)]
pub struct LocalNotices {
    nodes: Mutex<HashMap<String, Listener>>,
}

struct Listener {
    tx: mpsc::Sender<Notice>,
    /// A notice was dropped: tell the listener once there is room.
    missed: bool,
}

impl LocalNotices {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Listener>> {
        self.nodes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts delivering `node`'s notices (a later call replaces an earlier listener).
    pub fn listen(&self, node: &str) -> mpsc::Receiver<Notice> {
        let (tx, rx) = mpsc::channel(NOTICE_QUEUE);
        self.lock()
            .insert(node.to_string(), Listener { tx, missed: false });
        rx
    }

    /// Queues `payload` for `node`. In one process it is known when nobody listens for
    /// `node` (it stopped): that is an error, so the sender need not wait for an answer.
    pub fn notify(&self, node: &str, payload: String) -> Result<(), StoreError> {
        check_notice(&payload)?;
        let mut nodes = self.lock();
        let gone = || StoreError::Backend(format!("node \"{node}\" is not listening"));
        let Some(l) = nodes.get_mut(node) else {
            return Err(gone());
        };
        if l.tx.is_closed() {
            nodes.remove(node);
            return Err(gone());
        }
        if l.missed && l.tx.try_send(Notice::Missed).is_ok() {
            l.missed = false;
        }
        if l.missed || l.tx.try_send(Notice::Message(payload)).is_err() {
            l.missed = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn delivers_to_the_addressed_node_only() {
        let hub = LocalNotices::default();
        let mut a = hub.listen("a");
        let mut b = hub.listen("b");
        hub.notify("b", "hello".into()).unwrap();
        assert!(hub.notify("nobody", "lost".into()).is_err());
        assert_eq!(b.recv().await, Some(Notice::Message("hello".into())));
        assert!(a.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_full_queue_drops_and_then_says_so() {
        let hub = LocalNotices::default();
        let mut a = hub.listen("a");
        for n in 0..NOTICE_QUEUE + 5 {
            hub.notify("a", n.to_string()).unwrap();
        }
        for n in 0..NOTICE_QUEUE {
            assert_eq!(a.recv().await, Some(Notice::Message(n.to_string())));
        }
        hub.notify("a", "after".into()).unwrap();
        assert_eq!(a.recv().await, Some(Notice::Missed));
        assert_eq!(a.recv().await, Some(Notice::Message("after".into())));
    }

    #[test]
    fn a_stopped_listener_is_known_to_be_gone() {
        let hub = LocalNotices::default();
        let a = hub.listen("a");
        assert!(hub.notify("a", "x".into()).is_ok());
        drop(a);
        assert!(hub.notify("a", "x".into()).is_err());
    }

    #[test]
    fn refuses_a_payload_over_the_limit() {
        let hub = LocalNotices::default();
        let _a = hub.listen("a");
        assert!(hub.notify("a", "x".repeat(MAX_NOTICE_BYTES + 1)).is_err());
        assert!(hub.notify("a", "x".repeat(MAX_NOTICE_BYTES)).is_ok());
    }
}
