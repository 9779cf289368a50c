//! `queues` in a Worker's configuration: producers (`env.QUEUE.send`) and consumers (the
//! default export's `queue` handler), checked against Cloudflare's limits when the
//! configuration is loaded.

use serde_json::{Map, Value};

/// Most messages in one batch delivered to a consumer (Cloudflare's limit).
pub const MAX_BATCH_SIZE: u64 = 100;
/// Longest a batch waits to fill, in seconds (Cloudflare's limit).
pub const MAX_BATCH_TIMEOUT_S: u64 = 60;
/// Most retries of a message (Cloudflare's limit).
pub const MAX_RETRIES: u64 = 100;
/// Most batches handled at once by one consumer (Cloudflare's limit).
pub const MAX_CONCURRENCY: u64 = 250;
/// Longest delay of a message or a retry, in seconds (12 hours, Cloudflare's limit).
pub const MAX_DELAY_S: u64 = 43_200;
/// Batches handled at once when `max_concurrency` is not set (Cloudflare scales
/// automatically; Endure runs this many).
pub const DEFAULT_CONCURRENCY: usize = 10;

/// `queues.producers[]`: a binding that sends to a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Producer {
    pub binding: String,
    pub queue: String,
    /// `delivery_delay`: seconds every message waits unless its send says otherwise.
    pub delivery_delay_s: u64,
}

/// `queues.consumers[]`: how the project's `queue` handler consumes a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConsumer {
    pub queue: String,
    pub max_batch_size: u64,
    pub max_batch_timeout_s: u64,
    pub max_retries: u64,
    pub retry_delay_s: u64,
    pub dead_letter_queue: Option<String>,
    pub max_concurrency: usize,
}

/// Queue names: 1 to 63 letters, digits, `-` and `_`.
pub fn is_valid_queue_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn list<'a>(q: &'a Map<String, Value>, key: &str) -> Result<Vec<&'a Map<String, Value>>, String> {
    match q.get(key) {
        None => Ok(vec![]),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object()
                    .ok_or_else(|| format!("queues.{key}[{i}] must be an object"))
            })
            .collect(),
        Some(_) => Err(format!("queues.{key} must be a list of objects")),
    }
}

fn queue_name(o: &Map<String, Value>, at: &str, key: &str) -> Result<String, String> {
    let name = o
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{at}.{key} is required (a queue name)"))?;
    if !is_valid_queue_name(name) {
        return Err(format!(
            "{at}.{key}: \"{name}\" is not a valid queue name (1 to 63 letters, digits, - and _)"
        ));
    }
    Ok(name.to_string())
}

/// An optional whole number from `min` to `max`.
fn number(
    o: &Map<String, Value>,
    at: &str,
    key: &str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, String> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| (min..=max).contains(n))
            .map(Some)
            .ok_or_else(|| {
                format!("{at}.{key} must be a whole number from {min} to {max}, got {v}")
            }),
    }
}

fn unknown_keys(o: &Map<String, Value>, at: &str, known: &[&str], ignored: &mut Vec<String>) {
    for k in o.keys() {
        if !known.contains(&k.as_str()) {
            ignored.push(format!("key \"{at}.{k}\""));
        }
    }
}

/// Parses `queues`. Keys Endure does not know are added to `ignored`.
pub fn parse(
    v: &Value,
    ignored: &mut Vec<String>,
) -> Result<(Vec<Producer>, Vec<QueueConsumer>), String> {
    let q = v.as_object().ok_or("\"queues\" must be an object")?;
    unknown_keys(q, "queues", &["producers", "consumers"], ignored);
    let mut producers = vec![];
    for (i, o) in list(q, "producers")?.into_iter().enumerate() {
        let at = format!("queues.producers[{i}]");
        unknown_keys(o, &at, &["binding", "queue", "delivery_delay"], ignored);
        let binding = o
            .get("binding")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{at}.binding is required"))?
            .to_string();
        producers.push(Producer {
            binding,
            queue: queue_name(o, &at, "queue")?,
            delivery_delay_s: number(o, &at, "delivery_delay", 0, MAX_DELAY_S)?.unwrap_or(0),
        });
    }
    let mut consumers: Vec<QueueConsumer> = vec![];
    for (i, o) in list(q, "consumers")?.into_iter().enumerate() {
        let at = format!("queues.consumers[{i}]");
        unknown_keys(
            o,
            &at,
            &[
                "queue",
                "max_batch_size",
                "max_batch_timeout",
                "max_retries",
                "retry_delay",
                "dead_letter_queue",
                "max_concurrency",
                "type",
            ],
            ignored,
        );
        if let Some(t) = o.get("type").and_then(Value::as_str)
            && t != "worker"
        {
            return Err(format!(
                "{at}.type: \"{t}\" consumers are pulled over HTTP from Cloudflare's network; Endure runs worker consumers"
            ));
        }
        let queue = queue_name(o, &at, "queue")?;
        if consumers.iter().any(|c| c.queue == queue) {
            return Err(format!("{at}: queue \"{queue}\" already has a consumer"));
        }
        let dead_letter_queue = match o.get("dead_letter_queue") {
            None | Some(Value::Null) => None,
            Some(_) => Some(queue_name(o, &at, "dead_letter_queue")?),
        };
        if dead_letter_queue.as_deref() == Some(queue.as_str()) {
            return Err(format!("{at}.dead_letter_queue cannot be the queue itself"));
        }
        consumers.push(QueueConsumer {
            queue,
            max_batch_size: number(o, &at, "max_batch_size", 1, MAX_BATCH_SIZE)?.unwrap_or(10),
            max_batch_timeout_s: number(o, &at, "max_batch_timeout", 0, MAX_BATCH_TIMEOUT_S)?
                .unwrap_or(5),
            max_retries: number(o, &at, "max_retries", 0, MAX_RETRIES)?.unwrap_or(3),
            retry_delay_s: number(o, &at, "retry_delay", 0, MAX_DELAY_S)?.unwrap_or(0),
            dead_letter_queue,
            max_concurrency: number(o, &at, "max_concurrency", 1, MAX_CONCURRENCY)?
                .map_or(DEFAULT_CONCURRENCY, |n| n as usize),
        });
    }
    // A consumer's queue must be fed by something this project runs: one of its producers, or
    // another consumer's dead letters. (Endure serves one project per process.)
    for (i, c) in consumers.iter().enumerate() {
        let fed = producers.iter().any(|p| p.queue == c.queue)
            || consumers
                .iter()
                .any(|o| o.dead_letter_queue.as_deref() == Some(c.queue.as_str()));
        if !fed {
            return Err(format!(
                "queues.consumers[{i}]: queue \"{}\" is unknown: no queues.producers entry sends to it and no consumer dead-letters into it",
                c.queue
            ));
        }
    }
    Ok((producers, consumers))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parsed(v: Value) -> Result<(Vec<Producer>, Vec<QueueConsumer>), String> {
        parse(&v, &mut vec![])
    }

    #[test]
    fn defaults_and_settings() {
        let (p, c) = parsed(json!({
            "producers": [{"binding": "JOBS", "queue": "jobs", "delivery_delay": 30}],
            "consumers": [
                {"queue": "jobs", "dead_letter_queue": "jobs-dlq"},
                {"queue": "jobs-dlq", "max_batch_size": 100, "max_batch_timeout": 0,
                 "max_retries": 0, "retry_delay": 60, "max_concurrency": 1}
            ]
        }))
        .unwrap();
        assert_eq!(p[0].delivery_delay_s, 30);
        assert_eq!(
            c[0],
            QueueConsumer {
                queue: "jobs".into(),
                max_batch_size: 10,
                max_batch_timeout_s: 5,
                max_retries: 3,
                retry_delay_s: 0,
                dead_letter_queue: Some("jobs-dlq".into()),
                max_concurrency: DEFAULT_CONCURRENCY,
            }
        );
        assert_eq!((c[1].max_batch_size, c[1].max_concurrency), (100, 1));
    }

    #[test]
    fn bad_queues_say_what_is_wrong() {
        let p = json!([{"binding": "JOBS", "queue": "jobs"}]);
        for (consumers, says) in [
            (
                json!([{"queue": "jobs", "max_batch_size": 101}]),
                "max_batch_size must be a whole number from 1 to 100, got 101",
            ),
            (
                json!([{"queue": "jobs", "max_batch_size": 0}]),
                "from 1 to 100",
            ),
            (
                json!([{"queue": "jobs", "max_batch_timeout": 61}]),
                "max_batch_timeout",
            ),
            (
                json!([{"queue": "jobs", "max_retries": 101}]),
                "max_retries",
            ),
            (
                json!([{"queue": "jobs", "max_concurrency": 251}]),
                "max_concurrency",
            ),
            (
                json!([{"queue": "jobs", "retry_delay": 43201}]),
                "retry_delay",
            ),
            (
                json!([{"queue": "elsewhere"}]),
                "queue \"elsewhere\" is unknown",
            ),
            (
                json!([{"queue": "jobs"}, {"queue": "jobs"}]),
                "already has a consumer",
            ),
            (
                json!([{"queue": "jobs", "dead_letter_queue": "jobs"}]),
                "cannot be the queue itself",
            ),
            (json!([{"queue": "bad name"}]), "not a valid queue name"),
            (json!([{"queue": "jobs", "type": "http_pull"}]), "http_pull"),
            (json!([{}]), "queue is required"),
        ] {
            let e = parsed(json!({"producers": p, "consumers": consumers})).unwrap_err();
            assert!(e.contains(says), "{consumers}: {e}");
        }
        let e = parsed(json!({"producers": [{"queue": "jobs"}]})).unwrap_err();
        assert!(e.contains("binding is required"), "{e}");
    }
}
