//! Queue consumers: the tasks that take messages from the store in batches and hand them to
//! handler code (a Worker's `queue` handler, or its `scheduled` handler for cron firings), then
//! settle each message as the handler said: acknowledged (deleted), retried after a delay, or,
//! once its retries are spent, moved to the dead-letter queue (or dropped when there is none).
//!
//! Delivery is at least once: a batch is leased in the store while its handler runs, and a
//! batch whose process died is delivered again when the lease runs out. Time comes from the
//! engine's clock.

use crate::clock::BoxFuture;
use crate::shared::Shared;
use endure_model::Timestamp;
use endure_store::{Message, MessageId, Settle, Settlement};
use std::sync::Arc;

/// How long a taken batch stays leased beyond its gathering time: Cloudflare gives a consumer
/// invocation up to 15 minutes of wall time.
pub const CONSUMER_LEASE_MS: u64 = 15 * 60 * 1000;

/// How long to wait before trying again after the store failed.
const RETRY_STORE_MS: u64 = 1_000;

/// One message as a handler receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: MessageId,
    pub body: Vec<u8>,
    pub content_type: String,
    /// Deliveries so far, this one included.
    pub attempts: u32,
    /// When it was sent.
    pub timestamp: Timestamp,
}

/// What a handler says about one message of its batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ack,
    /// Deliver it again, after this many milliseconds (`None`: the consumer's retry delay).
    Retry {
        delay_ms: Option<u64>,
    },
}

/// Code that consumes a queue's batches. It answers one verdict per message, in order; a
/// shorter answer retries the messages it does not cover.
pub trait MessageHandler: Send + Sync + 'static {
    fn handle(&self, queue: &str, batch: Vec<Delivery>) -> BoxFuture<'static, Vec<Verdict>>;
}

/// How a queue is consumed (`queues.consumers` in a Worker's configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerConfig {
    pub queue: String,
    /// Most messages per batch.
    pub max_batch_size: usize,
    /// How long a batch waits to fill up once its first message is there, in ms.
    pub max_batch_timeout_ms: u64,
    /// Deliveries beyond the first a message gets before it is dead-lettered or dropped.
    pub max_retries: u32,
    /// Delay before a retried message is delivered again, in ms.
    pub retry_delay_ms: u64,
    pub dead_letter_queue: Option<String>,
    /// Most batches handled at once.
    pub max_concurrency: usize,
}

pub(crate) struct Consumer {
    pub config: ConsumerConfig,
    pub handler: Arc<dyn MessageHandler>,
}

fn delivery(m: &Message) -> Delivery {
    Delivery {
        id: m.id,
        body: m.body.clone(),
        content_type: m.content_type.clone(),
        attempts: m.attempts,
        timestamp: m.created_at,
    }
}

/// Consumes one queue until the engine stops.
pub(crate) async fn run(shared: Arc<Shared>, consumer: Arc<Consumer>) {
    let cfg = &consumer.config;
    let slots = Arc::new(tokio::sync::Semaphore::new(cfg.max_concurrency.max(1)));
    let max = cfg.max_batch_size.max(1);
    // The batches being handled: owned here, so stopping the engine stops them too.
    let mut handling = tokio::task::JoinSet::new();
    loop {
        while handling.try_join_next().is_some() {}
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        let sent = shared.messages_sent.notified();
        tokio::pin!(sent);
        sent.as_mut().enable();
        let now = shared.clock.now();
        let lease_until = now.plus_ms(cfg.max_batch_timeout_ms + CONSUMER_LEASE_MS);
        let mut batch = match shared
            .store
            .take_messages(&cfg.queue, max, now, lease_until)
            .await
        {
            Ok(b) => b,
            Err(_) => {
                drop(permit);
                shared.clock.sleep_until(now.plus_ms(RETRY_STORE_MS)).await;
                continue;
            }
        };
        if batch.is_empty() {
            drop(permit);
            let next = shared
                .store
                .next_message_at(&cfg.queue)
                .await
                .ok()
                .flatten();
            match next {
                Some(at) => {
                    tokio::select! {
                        _ = sent => {}
                        _ = shared.clock.sleep_until(at.max(now.plus_ms(1))) => {}
                    }
                }
                None => sent.await,
            }
            continue;
        }
        // Wait for the batch to fill, at most the batch timeout.
        let deadline = now.plus_ms(cfg.max_batch_timeout_ms);
        while batch.len() < max && shared.clock.now() < deadline {
            let more = shared.messages_sent.notified();
            tokio::pin!(more);
            more.as_mut().enable();
            let t = shared.clock.now();
            if let Ok(extra) = shared
                .store
                .take_messages(&cfg.queue, max - batch.len(), t, lease_until)
                .await
                && !extra.is_empty()
            {
                batch.extend(extra);
                continue;
            }
            tokio::select! {
                _ = more => {}
                _ = shared.clock.sleep_until(deadline) => {}
            }
        }
        let shared = shared.clone();
        let consumer = consumer.clone();
        handling.spawn(async move {
            let deliveries: Vec<Delivery> = batch.iter().map(delivery).collect();
            let verdicts = consumer
                .handler
                .handle(&consumer.config.queue, deliveries)
                .await;
            let now = shared.clock.now();
            let settlements = batch
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let verdict = verdicts
                        .get(i)
                        .copied()
                        .unwrap_or(Verdict::Retry { delay_ms: None });
                    Settlement {
                        id: m.id,
                        lease: m.lease,
                        settle: settle(&consumer.config, m, verdict, now),
                    }
                })
                .collect();
            // A settlement the store cannot take leaves the lease to run out: the batch is
            // delivered again, as at-least-once allows.
            let _ = shared.store.settle_messages(settlements).await;
            // Retried messages may be due soon: the loop looks again.
            shared.messages_sent.notify_waiters();
            drop(permit);
        });
    }
}

/// What becomes of a message after its handler's verdict.
pub(crate) fn settle(
    cfg: &ConsumerConfig,
    m: &Message,
    verdict: Verdict,
    now: Timestamp,
) -> Settle {
    match verdict {
        Verdict::Ack => Settle::Ack,
        Verdict::Retry { delay_ms } => {
            // `attempts` counts deliveries: the first plus the retries so far.
            if m.attempts > cfg.max_retries {
                match &cfg.dead_letter_queue {
                    Some(q) => Settle::Move { queue: q.clone() },
                    None => Settle::Ack,
                }
            } else {
                Settle::Retry {
                    visible_at: now.plus_ms(delay_ms.unwrap_or(cfg.retry_delay_ms)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use endure_store::Fence;

    fn cfg(dlq: Option<&str>) -> ConsumerConfig {
        ConsumerConfig {
            queue: "q".into(),
            max_batch_size: 10,
            max_batch_timeout_ms: 5_000,
            max_retries: 3,
            retry_delay_ms: 2_000,
            dead_letter_queue: dlq.map(String::from),
            max_concurrency: 1,
        }
    }

    fn msg(attempts: u32) -> Message {
        Message {
            id: MessageId(1),
            queue: "q".into(),
            body: vec![],
            content_type: "json".into(),
            attempts,
            created_at: Timestamp(0),
            lease: Fence(1),
        }
    }

    #[test]
    fn retries_until_spent_then_dead_letter_or_drop() {
        let now = Timestamp(100_000);
        let c = cfg(Some("dlq"));
        assert_eq!(settle(&c, &msg(1), Verdict::Ack, now), Settle::Ack);
        assert_eq!(
            settle(&c, &msg(1), Verdict::Retry { delay_ms: None }, now),
            Settle::Retry {
                visible_at: Timestamp(102_000)
            }
        );
        assert_eq!(
            settle(&c, &msg(3), Verdict::Retry { delay_ms: Some(0) }, now),
            Settle::Retry { visible_at: now },
            "the fourth delivery is the third retry"
        );
        assert_eq!(
            settle(&c, &msg(4), Verdict::Retry { delay_ms: None }, now),
            Settle::Move {
                queue: "dlq".into()
            },
            "after 1 + max_retries deliveries"
        );
        assert_eq!(
            settle(&cfg(None), &msg(4), Verdict::Retry { delay_ms: None }, now),
            Settle::Ack,
            "dropped without a dead-letter queue"
        );
    }
}
