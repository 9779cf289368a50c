//! Queues: a producer binding's `send`/`sendBatch` put messages in Endure's store (SQLite or
//! PostgreSQL, so a queue survives restarts), and the engine's consumers hand batches to the
//! default export's `queue(batch, env, ctx)` handler, settling each message as the handler's
//! `ack`/`retry` calls (or its success or failure) say.

use crate::project::Project;
use crate::queue_config::{MAX_DELAY_S, QueueConsumer};
use endure_engine::NewMessage;
use endure_engine::{BoxFuture, ConsumerConfig, Delivery, MessageHandler, Verdict};
use endure_model::WorkflowError;
use serde_json::{Value, json};
use std::sync::Arc;

/// Largest message body (Cloudflare's limit: 128 KB).
pub const MAX_MESSAGE_BYTES: usize = 128 * 1024;
/// Most messages in one `sendBatch` (Cloudflare's limit).
pub const MAX_SEND_BATCH: usize = 100;
/// Largest `sendBatch` in all (Cloudflare's limit: 256 KB).
pub const MAX_SEND_BATCH_BYTES: usize = 256 * 1024;

const CONTENT_TYPES: [&str; 4] = ["json", "text", "bytes", "v8"];

fn type_error(m: impl Into<String>) -> WorkflowError {
    WorkflowError::new("TypeError", m)
}

/// `send`/`sendBatch` on a producer binding: `m.messages` is `[{body (base64), contentType,
/// delaySeconds}]`, checked against Cloudflare's limits and stored all or none.
pub async fn send(
    p: &Arc<Project>,
    queue: &str,
    default_delay_s: u64,
    m: &Value,
) -> Result<Value, WorkflowError> {
    let engine = p
        .engine()
        .ok_or_else(|| WorkflowError::new("Error", "the queue is not running yet"))?;
    let list = m["messages"]
        .as_array()
        .ok_or_else(|| type_error("messages must be a list"))?;
    if m["method"] == "sendBatch" && list.len() > MAX_SEND_BATCH {
        return Err(type_error(format!(
            "sendBatch takes at most {MAX_SEND_BATCH} messages, got {}",
            list.len()
        )));
    }
    let now = engine.now();
    let mut total = 0;
    let mut batch = Vec::with_capacity(list.len());
    for msg in list {
        let body = msg["body"]
            .as_str()
            .and_then(|b| crate::base64::decode(b).ok())
            .ok_or_else(|| type_error("a message body could not be read"))?;
        if body.len() > MAX_MESSAGE_BYTES {
            return Err(type_error(format!(
                "a queue message is {} bytes; the limit is {MAX_MESSAGE_BYTES} bytes",
                body.len()
            )));
        }
        total += body.len();
        let content_type = msg["contentType"].as_str().unwrap_or("v8");
        if !CONTENT_TYPES.contains(&content_type) {
            return Err(type_error(format!(
                "unknown contentType \"{content_type}\" (json, text, bytes or v8)"
            )));
        }
        let delay = match &msg["delaySeconds"] {
            Value::Null => default_delay_s,
            d => d.as_u64().filter(|d| *d <= MAX_DELAY_S).ok_or_else(|| {
                type_error(format!(
                    "delaySeconds must be a whole number from 0 to {MAX_DELAY_S}"
                ))
            })?,
        };
        batch.push(NewMessage {
            queue: queue.to_string(),
            body,
            content_type: content_type.to_string(),
            visible_at: now.plus_ms(delay * 1000),
            created_at: now,
        });
    }
    if total > MAX_SEND_BATCH_BYTES {
        return Err(type_error(format!(
            "sendBatch is {total} bytes; the limit is {MAX_SEND_BATCH_BYTES} bytes"
        )));
    }
    engine
        .send_messages(batch)
        .await
        .map_err(|e| WorkflowError::new("Error", e.to_string()))?;
    Ok(Value::Null)
}

/// How the engine consumes a configured queue.
pub fn consumer_config(c: &QueueConsumer) -> ConsumerConfig {
    ConsumerConfig {
        queue: c.queue.clone(),
        max_batch_size: c.max_batch_size as usize,
        max_batch_timeout_ms: c.max_batch_timeout_s * 1000,
        max_retries: c.max_retries as u32,
        retry_delay_ms: c.retry_delay_s * 1000,
        dead_letter_queue: c.dead_letter_queue.clone(),
        max_concurrency: c.max_concurrency,
    }
}

/// The consumer of a configured queue: runs the `queue` handler for each batch.
pub struct QueueHandler {
    pub project: Arc<Project>,
}

impl MessageHandler for QueueHandler {
    fn handle(&self, queue: &str, batch: Vec<Delivery>) -> BoxFuture<'static, Vec<Verdict>> {
        let p = self.project.clone();
        let queue = queue.to_string();
        Box::pin(async move {
            let messages: Vec<Value> = batch
                .iter()
                .map(|d| {
                    json!({
                        "id": format!("{:016x}", d.id.0),
                        "body": crate::base64::encode(&d.body),
                        "contentType": d.content_type,
                        "attempts": d.attempts,
                        "timestamp": d.timestamp.0,
                    })
                })
                .collect();
            let message = json!({"op": "queue", "queue": queue, "messages": messages});
            let origin = format!("queue {queue}");
            let r = crate::fetch::run_message(p, message, origin.clone()).await;
            let v: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            if r.status == 404 {
                eprintln!("[error] {origin}: the default export has no queue() handler");
            }
            // What the handler said of each message; anything unreadable is retried.
            v["verdicts"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| match x["retry"].as_bool() {
                            Some(false) => Verdict::Ack,
                            _ => Verdict::Retry {
                                delay_ms: x["delaySeconds"]
                                    .as_u64()
                                    .map(|s| s.min(MAX_DELAY_S) * 1000),
                            },
                        })
                        .collect()
                })
                .unwrap_or_default()
        })
    }
}
