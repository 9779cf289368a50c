//! Queue consumers and Worker cron triggers on the engine: batches by size and by time,
//! retries with their delay, dead-letter queues, bounded concurrency, redelivery after a crash,
//! and cron firings delivered once each as messages. On both stores, on the engine's clock.

mod common;

use common::*;
use endure::{CronSchedule, EngineBuilder, Timestamp};
use endure_engine::{BoxFuture, ConsumerConfig, Delivery, MessageHandler, Verdict};
use endure_store::NewMessage;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Records every batch; answers each message with `verdict(body, attempts)`; a body `"hang"`
/// never gets an answer (the handler is still running when the engine dies).
#[derive(Default)]
struct Recorder {
    batches: Mutex<Vec<Vec<(String, u32)>>>,
    running: Arc<std::sync::atomic::AtomicUsize>,
    most_running: std::sync::atomic::AtomicUsize,
    hold_ms: u64,
}

impl MessageHandler for Recorder {
    fn handle(&self, _queue: &str, batch: Vec<Delivery>) -> BoxFuture<'static, Vec<Verdict>> {
        use std::sync::atomic::Ordering::SeqCst;
        let seen: Vec<(String, u32)> = batch
            .iter()
            .map(|d| (String::from_utf8_lossy(&d.body).into_owned(), d.attempts))
            .collect();
        self.batches.lock().unwrap().push(seen.clone());
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.most_running.fetch_max(now, SeqCst);
        let hold = self.hold_ms;
        let running = self.running.clone();
        Box::pin(async move {
            if seen.iter().any(|(b, _)| b == "hang") {
                std::future::pending::<()>().await;
            }
            if hold > 0 {
                tokio::time::sleep(Duration::from_millis(hold)).await;
            }
            running.fetch_sub(1, SeqCst);
            seen.iter()
                .map(|(b, _)| {
                    if b.starts_with("bad") {
                        Verdict::Retry { delay_ms: None }
                    } else {
                        Verdict::Ack
                    }
                })
                .collect()
        })
    }
}

fn config(queue: &str) -> ConsumerConfig {
    ConsumerConfig {
        queue: queue.into(),
        max_batch_size: 10,
        max_batch_timeout_ms: 5_000,
        max_retries: 3,
        retry_delay_ms: 2_000,
        dead_letter_queue: None,
        max_concurrency: 1,
    }
}

fn msg(queue: &str, body: &str, at: Timestamp) -> NewMessage {
    NewMessage {
        queue: queue.into(),
        body: body.as_bytes().to_vec(),
        content_type: "text".into(),
        visible_at: at,
        created_at: at,
    }
}

/// Waits (hang protection only) until `done` holds for the recorded batches.
async fn until(r: &Recorder, what: &str, done: impl Fn(&[Vec<(String, u32)>]) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        {
            let b = r.batches.lock().unwrap();
            if done(&b) {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{what}: batches so far {b:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Waits (hang protection only) until the consumer has done with `queue`'s messages what the
/// test moves the clock for: `taken`, the next ones are leased (a batch gathering); otherwise
/// the last batch is settled (its retries scheduled). Moving the clock before that would
/// move it under the consumer's feet.
async fn until_queue(h: &Harness, queue: &str, taken: bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = h.now();
        let next = h.store.next_message_at(queue).await.unwrap();
        // A lease lasts CONSUMER_LEASE_MS; a retry comes within a minute.
        let leased = next.is_some_and(|t| t.since(now) > 60_000);
        if leased == taken && next.is_some() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{queue}: next message at {next:?}"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn bodies(b: &[Vec<(String, u32)>]) -> Vec<Vec<String>> {
    b.iter()
        .map(|x| x.iter().map(|(s, _)| s.clone()).collect())
        .collect()
}

async fn batches_fill_up_or_time_out(mode: Mode) {
    let rec = Arc::new(Recorder::default());
    let r = rec.clone();
    let h = Harness::new(mode, move |b| b.consumer(config("q"), r.clone()).unwrap()).await;
    let now = h.now();
    h.engine
        .send_messages((0..25).map(|i| msg("q", &format!("m{i}"), now)).collect())
        .await
        .unwrap();
    until(&rec, "two full batches", |b| b.len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(
        rec.batches.lock().unwrap().len(),
        2,
        "the third waits to fill up"
    );
    until_queue(&h, "q", true).await;
    h.clock.advance(5_000);
    until(&rec, "the rest after the batch timeout", |b| b.len() >= 3).await;
    let b = bodies(&rec.batches.lock().unwrap());
    assert_eq!(b[0], (0..10).map(|i| format!("m{i}")).collect::<Vec<_>>());
    assert_eq!(b[1], (10..20).map(|i| format!("m{i}")).collect::<Vec<_>>());
    assert_eq!(b[2], (20..25).map(|i| format!("m{i}")).collect::<Vec<_>>());
    let depth = || async { h.store.queue_depth("q").await.unwrap() };
    for _ in 0..1000 {
        if depth().await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(depth().await, 0, "acknowledged messages are gone");
}

async fn retries_then_the_dead_letter_queue(mode: Mode) {
    let rec = Arc::new(Recorder::default());
    let dead = Arc::new(Recorder::default());
    let (r, d) = (rec.clone(), dead.clone());
    let mut h = Harness::new(mode, move |b| {
        let mut c = config("q");
        c.max_batch_timeout_ms = 0;
        c.dead_letter_queue = Some("dlq".into());
        b.consumer(c, r.clone())
            .unwrap()
            .consumer(
                ConsumerConfig {
                    max_batch_timeout_ms: 0,
                    ..config("dlq")
                },
                d.clone(),
            )
            .unwrap()
    })
    .await;
    let now = h.now();
    h.engine
        .send_messages(vec![msg("q", "bad", now), msg("q", "good", now)])
        .await
        .unwrap();
    until(&rec, "first delivery", |b| !b.is_empty()).await;
    for attempt in 2..=4u32 {
        // Not before the retry delay.
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(rec.batches.lock().unwrap().len() as u32, attempt - 1);
        if attempt == 3 {
            h.checkpoint().await;
        }
        until_queue(&h, "q", false).await;
        h.clock.advance(2_000);
        until(&rec, "a retry", |b| b.len() as u32 >= attempt).await;
    }
    let b = rec.batches.lock().unwrap().clone();
    assert_eq!(b[0], [("bad".to_string(), 1), ("good".to_string(), 1)]);
    assert_eq!(
        b[1..].to_vec(),
        (2..=4)
            .map(|a| vec![("bad".to_string(), a)])
            .collect::<Vec<_>>(),
        "retried alone, counted, three times"
    );
    until(&dead, "dead-lettered after the last retry", |b| {
        !b.is_empty()
    })
    .await;
    assert_eq!(dead.batches.lock().unwrap()[0], [("bad".to_string(), 1)]);
    h.clock.advance(60_000);
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(rec.batches.lock().unwrap().len(), 4, "no fifth delivery");
}

/// An engine (with `config`) whose consumer holds a message it will never settle, and the
/// recorder of its batches.
async fn holding_a_batch(mode: Mode, config_: endure::EngineConfig) -> (Harness, Arc<Recorder>) {
    let rec = Arc::new(Recorder::default());
    let r = rec.clone();
    let h = Harness::with_config(mode, config_, move |b| {
        let mut c = config("q");
        c.max_batch_timeout_ms = 0;
        b.consumer(c, r.clone()).unwrap()
    })
    .await;
    let now = h.now();
    h.engine
        .send_messages(vec![msg("q", "hang", now)])
        .await
        .unwrap();
    until(&rec, "first delivery", |b| b.len() == 1).await;
    (h, rec)
}

async fn a_batch_whose_process_died_is_delivered_again(mode: Mode) {
    let (mut h, rec) = holding_a_batch(mode, endure::EngineConfig::default()).await;
    // The engine dies with the batch in hand. One process owns this store: the next one
    // knows the lease was its earlier life's and delivers the batch again at once, without
    // waiting for the lease (CONSUMER_LEASE_MS) to run out.
    h.restart().await;
    until(&rec, "redelivery", |b| b.len() == 2).await;
    assert_eq!(rec.batches.lock().unwrap()[1], [("hang".to_string(), 2)]);
}

/// On a shared store another process may hold a lease: an engine that starts leaves it alone,
/// and the message comes again only when the lease has run out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_shared_store_a_lease_runs_out_first() {
    let mode = Mode {
        backend: Backend::Memory,
        restarts: true,
    };
    let shared = endure::EngineConfig {
        shared_store: true,
        ..endure::EngineConfig::default()
    };
    let (mut h, rec) = holding_a_batch(mode, shared).await;
    h.restart().await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(
        rec.batches.lock().unwrap().len(),
        1,
        "leased while the lease runs"
    );
    h.clock.advance(endure_engine::CONSUMER_LEASE_MS);
    until(&rec, "redelivery", |b| b.len() == 2).await;
    assert_eq!(rec.batches.lock().unwrap()[1], [("hang".to_string(), 2)]);
}

async fn concurrency_is_bounded(mode: Mode) {
    let rec = Arc::new(Recorder {
        hold_ms: 30,
        ..Recorder::default()
    });
    let r = rec.clone();
    let h = Harness::new(mode, move |b| {
        let c = ConsumerConfig {
            max_batch_size: 1,
            max_batch_timeout_ms: 0,
            max_concurrency: 2,
            ..config("q")
        };
        b.consumer(c, r.clone()).unwrap()
    })
    .await;
    let now = h.now();
    h.engine
        .send_messages((0..8).map(|i| msg("q", &format!("m{i}"), now)).collect())
        .await
        .unwrap();
    until(&rec, "all eight", |b| b.len() == 8).await;
    let most = rec.most_running.load(std::sync::atomic::Ordering::SeqCst);
    assert!(most <= 2, "at most two batches at once, saw {most}");
}

async fn cron_triggers_send_one_message_per_firing(mode: Mode) {
    let rec = Arc::new(Recorder::default());
    let r = rec.clone();
    let mut h = Harness::new(mode, move |b: EngineBuilder| {
        let mut c = config("$scheduled");
        c.max_batch_size = 1;
        c.max_batch_timeout_ms = 0;
        b.cron_trigger(
            CronSchedule::parse("0 * * * *", None).unwrap(),
            "$scheduled",
        )
        .consumer(c, r.clone())
        .unwrap()
    })
    .await;
    let hour = 3_600_000;
    let first = Timestamp((T0.0 / hour + 1) * hour);
    for i in 0..24u64 {
        h.clock.advance(first.plus_ms(i * hour).since(h.now()));
        until(&rec, "a firing", |b| b.len() as u64 == i + 1).await;
        if i == 11 {
            h.checkpoint().await;
        }
    }
    let got: Vec<Value> = rec
        .batches
        .lock()
        .unwrap()
        .iter()
        .map(|b| serde_json::from_str(&b[0].0).unwrap())
        .collect();
    let want: Vec<Value> = (0..24)
        .map(|i| json!({"cron": "0 * * * *", "scheduledTime": first.plus_ms(i * hour).0}))
        .collect();
    assert_eq!(got, want);
}

matrix!(
    batches_fill_up_or_time_out,
    retries_then_the_dead_letter_queue,
    a_batch_whose_process_died_is_delivered_again,
    concurrency_is_bounded,
    cron_triggers_send_one_message_per_firing,
);
