//! The conformance suite: every store runs these checks (the in-memory store in its unit tests,
//! SQLite in its integration tests, PostgreSQL later). A check panics with a message naming
//! what the store got wrong.

use crate::*;
use endure_model::{ErrorInfo, InstanceStatus, LogEvent, StepKey, StepKind, TriggerSource};
use serde_json::json;
use std::future::Future;

/// Runs every check, each on a fresh, empty store from `fresh`. When `reopen` is given, it must
/// open the same data as the last store `fresh` returned (a durable store after a restart).
pub async fn run_all<S, F, Fut, R, RFut>(mut fresh: F, reopen: Option<R>)
where
    S: Store,
    F: FnMut() -> Fut,
    Fut: Future<Output = S>,
    R: FnMut() -> RFut,
    RFut: Future<Output = S>,
{
    create_and_read(&fresh().await).await;
    duplicates_fail_the_whole_batch(&fresh().await).await;
    commits_apply_in_order(&fresh().await).await;
    row_updates_set_and_clear(&fresh().await).await;
    stale_fences_are_refused(&fresh().await).await;
    a_commit_can_take_the_lease(&fresh().await).await;
    expected_status_guards_commits(&fresh().await).await;
    restart_deletes_log_rows(&fresh().await).await;
    wakeups_are_ordered(&fresh().await).await;
    listing_and_recovery_queries(&fresh().await).await;
    unknown_instances(&fresh().await).await;
    large_and_unicode_values(&fresh().await).await;
    concurrent_commits_all_land(&fresh().await).await;
    workflow_records(&fresh().await).await;
    firings_are_claimed_once_and_in_order(&fresh().await).await;
    concurrent_claims_of_one_firing(&fresh().await).await;
    messages_are_leased_and_settled(&fresh().await).await;
    orphans_are_taken_from_dead_nodes(&fresh().await).await;
    notices_reach_the_addressed_node(&fresh().await).await;
    run_slots_are_shared_by_live_nodes(&fresh().await).await;
    message_leases_can_all_be_released(&fresh().await).await;
    concurrent_slot_claims_stay_under_the_limit(&fresh().await).await;
    rollups_add_up_by_minute_and_hour(&fresh().await).await;
    concurrent_rollups_all_count(&fresh().await).await;
    if let Some(mut reopen) = reopen {
        let store = fresh().await;
        let r = write_some(&store).await;
        drop(store);
        let again = reopen().await;
        everything_survives_reopen(&again, r).await;
    }
}

fn new(workflow: &str, id: &str) -> NewInstance {
    NewInstance {
        workflow: workflow.into(),
        id: id.into(),
        params: json!({"id": id}),
        trigger: TriggerSource::Api,
        version_id: "v1".into(),
        created_at: Timestamp(1_000),
        schedule: None,
        owner: None,
    }
}

fn key(name: &str) -> StepKey {
    StepKey {
        kind: StepKind::Do,
        name: name.into(),
        count: 1,
        variant: None,
    }
}

async fn one(store: &impl Store, id: &str) -> InstanceRef {
    store
        .create_instances(vec![new("wf", id)])
        .await
        .expect("create")[0]
}

async fn create_and_read(store: &impl Store) {
    let refs = store
        .create_instances(vec![new("wf", "a"), new("wf", "b")])
        .await
        .expect("create");
    assert_eq!(refs.len(), 2);
    assert_ne!(refs[0], refs[1]);
    let a = store
        .find_instance("wf", "a")
        .await
        .unwrap()
        .expect("find a");
    assert_eq!(a.instance, refs[0]);
    assert_eq!(a.status, InstanceStatus::Queued);
    assert_eq!(a.params, json!({"id": "a"}));
    assert_eq!(a.created_at, Timestamp(1_000));
    assert_eq!(a.version_id, "v1");
    assert_eq!(a.trigger, TriggerSource::Api);
    assert_eq!(a.started_at, None);
    assert_eq!(
        store
            .get_instance(refs[1])
            .await
            .unwrap()
            .expect("get b")
            .id,
        "b"
    );
    assert!(store.find_instance("wf", "c").await.unwrap().is_none());
    assert!(store.find_instance("other", "a").await.unwrap().is_none());
    let log = store.read_log(refs[0]).await.unwrap();
    assert_eq!(log.len(), 1, "a new instance's log holds WORKFLOW_QUEUED");
    assert_eq!(
        log[0].event,
        LogEvent::WorkflowQueued {
            params: json!({"id": "a"}),
            trigger: TriggerSource::Api,
            schedule: None,
        }
    );
    // The row and the log read together are the same as read apart.
    let (row, both) = store.read_instance(refs[0]).await.unwrap().unwrap();
    assert_eq!(Some(row), store.get_instance(refs[0]).await.unwrap());
    assert_eq!(both, log);
}

async fn duplicates_fail_the_whole_batch(store: &impl Store) {
    one(store, "taken").await;
    let err = store
        .create_instances(vec![new("wf", "fresh1"), new("wf", "taken")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyExists { ref id, .. } if id == "taken"),
        "{err:?}"
    );
    assert!(
        store.find_instance("wf", "fresh1").await.unwrap().is_none(),
        "batch must be all or nothing"
    );
    let err = store
        .create_instances(vec![new("wf", "twice"), new("wf", "twice")])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }));
    assert!(store.find_instance("wf", "twice").await.unwrap().is_none());
    store
        .create_instances(vec![new("other-wf", "taken")])
        .await
        .expect("ids are unique per workflow only");
}

async fn commits_apply_in_order(store: &impl Store) {
    let r = one(store, "a").await;
    let tickets: Vec<Ticket> = (0..20u32)
        .map(|i| {
            store.submit(Commit::new(r, None).log(
                Timestamp(2_000 + u64::from(i)),
                LogEvent::AttemptStart {
                    key: key("s"),
                    attempt: i,
                },
            ))
        })
        .collect();
    let mut seqs = vec![];
    for t in tickets {
        let res = t.await.expect("commit");
        assert_eq!(res.seqs.len(), 1);
        seqs.extend(res.seqs);
    }
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seqs grow with submission order: {seqs:?}"
    );
    let log = store.read_log(r).await.unwrap();
    assert_eq!(log.len(), 21);
    for (i, e) in log[1..].iter().enumerate() {
        assert_eq!(e.seq, seqs[i]);
        assert_eq!(e.ts, Timestamp(2_000 + i as u64));
        assert_eq!(
            e.event,
            LogEvent::AttemptStart {
                key: key("s"),
                attempt: i as u32
            }
        );
    }
    let two = store
        .submit(
            Commit::new(r, None)
                .log(Timestamp(1), LogEvent::WorkflowStart)
                .log(Timestamp(2), LogEvent::WorkflowPaused),
        )
        .await
        .unwrap();
    assert_eq!(two.seqs.len(), 2);
    assert!(two.seqs[0] < two.seqs[1]);
}

async fn row_updates_set_and_clear(store: &impl Store) {
    let r = one(store, "a").await;
    let set = RowUpdate {
        status: Some(InstanceStatus::Errored),
        started_at: Some(Some(Timestamp(5))),
        ended_at: Some(Some(Timestamp(6))),
        output: Some(Some(json!({"out": [1, 2]}))),
        error: Some(Some(ErrorInfo::new("Error", "boom"))),
        wake_at: Some(Some(Timestamp(7))),
        paused_at: Some(Some(Timestamp(8))),
    };
    store
        .submit(Commit::new(r, None).update(set))
        .await
        .unwrap();
    let row = store.get_instance(r).await.unwrap().unwrap();
    assert_eq!(row.status, InstanceStatus::Errored);
    assert_eq!(row.started_at, Some(Timestamp(5)));
    assert_eq!(row.ended_at, Some(Timestamp(6)));
    assert_eq!(row.output, Some(json!({"out": [1, 2]})));
    assert_eq!(row.error, Some(ErrorInfo::new("Error", "boom")));
    assert_eq!(row.wake_at, Some(Timestamp(7)));
    assert_eq!(row.paused_at, Some(Timestamp(8)));
    // `None` leaves fields alone.
    store
        .submit(Commit::new(r, None).update(RowUpdate::status(InstanceStatus::Running)))
        .await
        .unwrap();
    let row = store.get_instance(r).await.unwrap().unwrap();
    assert_eq!(row.status, InstanceStatus::Running);
    assert_eq!(row.started_at, Some(Timestamp(5)));
    let clear = RowUpdate {
        ended_at: Some(None),
        output: Some(None),
        error: Some(None),
        wake_at: Some(None),
        paused_at: Some(None),
        ..RowUpdate::default()
    };
    store
        .submit(Commit::new(r, None).update(clear))
        .await
        .unwrap();
    let row = store.get_instance(r).await.unwrap().unwrap();
    assert_eq!(
        (
            row.ended_at,
            row.output,
            row.error,
            row.wake_at,
            row.paused_at
        ),
        (None, None, None, None, None)
    );
    // A JSON null output is a value, not an absence.
    store
        .submit(Commit::new(r, None).update(RowUpdate {
            output: Some(Some(json!(null))),
            ..Default::default()
        }))
        .await
        .unwrap();
    assert_eq!(
        store.get_instance(r).await.unwrap().unwrap().output,
        Some(json!(null))
    );
}

async fn stale_fences_are_refused(store: &impl Store) {
    let r = one(store, "a").await;
    let f1 = store.acquire_lease(r, "node-1").await.unwrap();
    store
        .submit(Commit::new(r, Some(f1)).log(Timestamp(1), LogEvent::WorkflowStart))
        .await
        .expect("current fence");
    let f2 = store.acquire_lease(r, "node-2").await.unwrap();
    assert_ne!(f1, f2);
    let err = store
        .submit(
            Commit::new(r, Some(f1))
                .log(Timestamp(2), LogEvent::WorkflowPaused)
                .update(RowUpdate::status(InstanceStatus::Paused)),
        )
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::Fenced);
    assert_eq!(
        store.read_log(r).await.unwrap().len(),
        2,
        "a fenced commit writes nothing"
    );
    assert_eq!(
        store.get_instance(r).await.unwrap().unwrap().status,
        InstanceStatus::Queued
    );
    store
        .submit(Commit::new(r, Some(f2)).log(Timestamp(3), LogEvent::WorkflowPaused))
        .await
        .expect("new fence");
    assert_eq!(store.get_instance(r).await.unwrap().unwrap().fence, f2);
}

async fn a_commit_can_take_the_lease(store: &impl Store) {
    let r = one(store, "a").await;
    let f0 = store.get_instance(r).await.unwrap().unwrap().fence;
    let start = store
        .submit(
            Commit::new(r, Some(f0))
                .lease()
                .log(Timestamp(1), LogEvent::WorkflowStart)
                .update(RowUpdate::status(InstanceStatus::Running)),
        )
        .await
        .expect("a start that takes the lease");
    let f1 = start.fence.expect("the new fence is returned");
    assert_ne!(f1, f0);
    assert_eq!(start.seqs.len(), 1);
    let row = store.get_instance(r).await.unwrap().unwrap();
    assert_eq!((row.fence, row.status), (f1, InstanceStatus::Running));
    // The old token is now stale, and a second taker that read it is refused whole.
    let err = store
        .submit(
            Commit::new(r, Some(f0))
                .lease()
                .log(Timestamp(2), LogEvent::WorkflowStart),
        )
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::Fenced);
    assert_eq!(store.read_log(r).await.unwrap().len(), 2);
    assert_eq!(store.get_instance(r).await.unwrap().unwrap().fence, f1);
    // A commit that does not take the lease reports no fence.
    let plain = store
        .submit(Commit::new(r, Some(f1)).log(Timestamp(3), LogEvent::WorkflowPaused))
        .await
        .unwrap();
    assert_eq!(plain.fence, None);
}

async fn expected_status_guards_commits(store: &impl Store) {
    let r = one(store, "a").await;
    let err = store
        .submit(
            Commit::new(r, None)
                .log(Timestamp(1), LogEvent::WorkflowTerminated)
                .expect(&[InstanceStatus::Running]),
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        StoreError::UnexpectedStatus {
            actual: InstanceStatus::Queued
        }
    );
    assert_eq!(store.read_log(r).await.unwrap().len(), 1);
    store
        .submit(
            Commit::new(r, None)
                .log(Timestamp(1), LogEvent::WorkflowTerminated)
                .expect(&[InstanceStatus::Queued, InstanceStatus::Running]),
        )
        .await
        .expect("status matches");
}

async fn restart_deletes_log_rows(store: &impl Store) {
    let r = one(store, "a").await;
    let res = store
        .submit(
            Commit::new(r, None)
                .log(Timestamp(1), LogEvent::WorkflowStart)
                .log(
                    Timestamp(2),
                    LogEvent::StepStart {
                        key: key("x"),
                        config: Default::default(),
                    },
                )
                .log(
                    Timestamp(3),
                    LogEvent::AttemptStart {
                        key: key("x"),
                        attempt: 1,
                    },
                ),
        )
        .await
        .unwrap();
    let mut c = Commit::new(r, None).log(Timestamp(4), LogEvent::WorkflowStart);
    c.delete = res.seqs[1..].to_vec();
    store.submit(c).await.unwrap();
    let kinds: Vec<u16> = store
        .read_log(r)
        .await
        .unwrap()
        .iter()
        .map(|e| e.event.code())
        .collect();
    assert_eq!(kinds, [0, 1, 1]);
}

async fn wakeups_are_ordered(store: &impl Store) {
    assert_eq!(
        store.next_wakeup("local", Timestamp(0)).await.unwrap(),
        None
    );
    let refs = store
        .create_instances(vec![new("wf", "a"), new("wf", "b"), new("wf", "c")])
        .await
        .unwrap();
    for (r, t) in refs.iter().zip([300, 100, 200]) {
        store
            .submit(Commit::new(*r, None).update(RowUpdate {
                status: Some(InstanceStatus::Waiting),
                wake_at: Some(Some(Timestamp(t))),
                ..Default::default()
            }))
            .await
            .unwrap();
    }
    assert_eq!(
        store.next_wakeup("local", Timestamp(0)).await.unwrap(),
        Some(Timestamp(100))
    );
    assert_eq!(
        store.due_wakeups("local", Timestamp(99), 10).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store
            .due_wakeups("local", Timestamp(200), 10)
            .await
            .unwrap(),
        vec![refs[1], refs[2]]
    );
    assert_eq!(
        store
            .due_wakeups("local", Timestamp(1_000), 1)
            .await
            .unwrap(),
        vec![refs[1]]
    );
    store
        .submit(Commit::new(refs[1], None).update(RowUpdate {
            wake_at: Some(None),
            ..Default::default()
        }))
        .await
        .unwrap();
    assert_eq!(
        store.next_wakeup("local", Timestamp(0)).await.unwrap(),
        Some(Timestamp(200))
    );
}

async fn listing_and_recovery_queries(store: &impl Store) {
    let refs = store
        .create_instances((0..5).map(|i| new("wf", &format!("i{i}"))).collect())
        .await
        .unwrap();
    store
        .create_instances(vec![new("other", "x")])
        .await
        .unwrap();
    store
        .submit(Commit::new(refs[1], None).update(RowUpdate::status(InstanceStatus::Running)))
        .await
        .unwrap();
    store
        .submit(Commit::new(refs[3], None).update(RowUpdate::status(InstanceStatus::Complete)))
        .await
        .unwrap();
    let ids = |rows: Vec<InstanceRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let q = ListQuery {
        workflow: "wf".into(),
        limit: 3,
        ..ListQuery::default()
    };
    let page1 = store.list_instances(&q).await.unwrap();
    assert_eq!(ids(page1.clone()), ["i4", "i3", "i2"], "newest first");
    let q2 = ListQuery {
        before: Some(page1[2].instance),
        ..q.clone()
    };
    assert_eq!(ids(store.list_instances(&q2).await.unwrap()), ["i1", "i0"]);
    let q3 = ListQuery {
        status: Some(InstanceStatus::Running),
        ..q.clone()
    };
    assert_eq!(ids(store.list_instances(&q3).await.unwrap()), ["i1"]);
    // Counts ignore the cursor and the limit; they follow the other filters.
    assert_eq!(store.count_instances(&q).await.unwrap(), 5);
    assert_eq!(store.count_instances(&q2).await.unwrap(), 5);
    assert_eq!(store.count_instances(&q3).await.unwrap(), 1);
    let complete = ListQuery {
        status: Some(InstanceStatus::Complete),
        ..q.clone()
    };
    assert_eq!(store.count_instances(&complete).await.unwrap(), 1);
    let none = ListQuery {
        workflow: "nobody".into(),
        ..q.clone()
    };
    assert_eq!(store.count_instances(&none).await.unwrap(), 0);
    let later = ListQuery {
        created_from: Some(endure_model::Timestamp(u64::from(u32::MAX))),
        ..q.clone()
    };
    assert_eq!(store.count_instances(&later).await.unwrap(), 0);
    let window = ListQuery {
        created_from: Some(endure_model::Timestamp(0)),
        created_to: Some(endure_model::Timestamp(u64::from(u32::MAX))),
        ..q.clone()
    };
    assert_eq!(store.count_instances(&window).await.unwrap(), 5);
    let asc = ListQuery {
        ascending: true,
        ..q.clone()
    };
    let first = store.list_instances(&asc).await.unwrap();
    assert_eq!(ids(first.clone()), ["i0", "i1", "i2"], "oldest first");
    let asc2 = ListQuery {
        before: Some(first[2].instance),
        ..asc
    };
    assert_eq!(
        ids(store.list_instances(&asc2).await.unwrap()),
        ["i3", "i4"]
    );
    let late = store
        .create_instances(vec![NewInstance {
            created_at: Timestamp(9_000),
            schedule: None,
            owner: None,
            ..new("wf", "late")
        }])
        .await
        .unwrap();
    let window = ListQuery {
        created_from: Some(Timestamp(5_000)),
        created_to: Some(Timestamp(9_000)),
        ..q.clone()
    };
    assert_eq!(ids(store.list_instances(&window).await.unwrap()), ["late"]);
    let before_late = ListQuery {
        created_to: Some(Timestamp(8_999)),
        limit: 10,
        ..q
    };
    assert_eq!(store.list_instances(&before_late).await.unwrap().len(), 5);
    store.delete_instance(late[0]).await.unwrap();
    let rec = store
        .instances_in(&[InstanceStatus::Running, InstanceStatus::Queued])
        .await
        .unwrap();
    assert_eq!(ids(rec), ["i0", "i1", "i2", "i4", "x"], "oldest first");
    assert!(store.delete_instance(refs[0]).await.unwrap());
    assert!(!store.delete_instance(refs[0]).await.unwrap());
    assert!(store.find_instance("wf", "i0").await.unwrap().is_none());
    assert!(store.read_log(refs[0]).await.unwrap().is_empty());
    store
        .create_instances(vec![new("wf", "i0")])
        .await
        .expect("a deleted id can be reused");
}

async fn unknown_instances(store: &impl Store) {
    assert!(
        store
            .read_instance(InstanceRef(987_654))
            .await
            .unwrap()
            .is_none()
    );
    let err = store
        .submit(Commit::new(InstanceRef(987_654), None).log(Timestamp(1), LogEvent::WorkflowStart))
        .await
        .unwrap_err();
    assert_eq!(err, StoreError::NotFound);
    assert!(
        store
            .get_instance(InstanceRef(987_654))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .acquire_lease(InstanceRef(987_654), "n")
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
}

async fn large_and_unicode_values(store: &impl Store) {
    let big = "x".repeat(1024 * 1024);
    let mut n = new("wf", "big");
    n.params = json!({"big": big, "emoji": "🦀 ünïcödé \u{0000} \"quotes\""});
    let r = store.create_instances(vec![n.clone()]).await.unwrap()[0];
    let row = store.get_instance(r).await.unwrap().unwrap();
    assert_eq!(row.params, n.params);
    store
        .submit(Commit::new(r, None).log(
            Timestamp(1),
            LogEvent::StepSuccess {
                key: key("k"),
                output: n.params.clone(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        store.read_log(r).await.unwrap()[1].event,
        LogEvent::StepSuccess {
            key: key("k"),
            output: n.params
        }
    );
}

async fn concurrent_commits_all_land(store: &impl Store) {
    let refs = store
        .create_instances((0..50).map(|i| new("wf", &format!("c{i}"))).collect())
        .await
        .unwrap();
    let mut tickets = vec![];
    for round in 0..10u32 {
        for r in &refs {
            tickets.push(store.submit(Commit::new(*r, None).log(
                Timestamp(1),
                LogEvent::AttemptStart {
                    key: key("s"),
                    attempt: round,
                },
            )));
        }
    }
    for t in tickets {
        t.await.expect("commit");
    }
    for r in &refs {
        let log = store.read_log(*r).await.unwrap();
        let attempts: Vec<u32> = log
            .iter()
            .filter_map(|e| match e.event {
                LogEvent::AttemptStart { attempt, .. } => Some(attempt),
                _ => None,
            })
            .collect();
        assert_eq!(
            attempts,
            (0..10).collect::<Vec<_>>(),
            "per-instance order is kept"
        );
    }
}

fn cron_instance(id: &str, at: u64) -> NewInstance {
    NewInstance {
        schedule: Some(endure_model::Schedule {
            cron: "0 * * * *".into(),
            scheduled_time: Timestamp(at),
        }),
        trigger: TriggerSource::Cron,
        ..new("wf", id)
    }
}

fn message(queue: &str, body: &[u8], visible_at: u64) -> NewMessage {
    NewMessage {
        queue: queue.into(),
        body: body.to_vec(),
        content_type: "bytes".into(),
        visible_at: Timestamp(visible_at),
        created_at: Timestamp(1),
    }
}

fn claim(trigger: &str, at: u64, create: Vec<NewInstance>) -> FiringClaim {
    FiringClaim {
        trigger: trigger.into(),
        scheduled: Timestamp(at),
        create,
        send: vec![],
    }
}

async fn firings_are_claimed_once_and_in_order(store: &impl Store) {
    assert_eq!(store.last_firing("t").await.unwrap(), None);
    let refs = store
        .claim_firing(claim("t", 3_600_000, vec![cron_instance("f1", 3_600_000)]))
        .await
        .unwrap()
        .expect("a first firing is claimed");
    assert_eq!(refs.len(), 1);
    let row = store.get_instance(refs[0]).await.unwrap().unwrap();
    assert_eq!(row.trigger, TriggerSource::Cron);
    let log = store.read_log(refs[0]).await.unwrap();
    assert!(
        matches!(&log[0].event, LogEvent::WorkflowQueued { schedule: Some(s), .. }
            if s.scheduled_time == Timestamp(3_600_000) && s.cron == "0 * * * *"),
        "the firing's schedule is in WORKFLOW_QUEUED: {:?}",
        log[0].event
    );
    assert_eq!(
        store
            .claim_firing(claim("t", 3_600_000, vec![cron_instance("f1b", 3_600_000)]))
            .await
            .unwrap(),
        None,
        "the same firing is claimed once"
    );
    assert_eq!(
        store
            .claim_firing(claim("t", 1_000, vec![cron_instance("old", 1_000)]))
            .await
            .unwrap(),
        None,
        "an older firing never fires after a newer one"
    );
    assert!(store.find_instance("wf", "f1b").await.unwrap().is_none());
    assert!(store.find_instance("wf", "old").await.unwrap().is_none());
    assert_eq!(
        store.last_firing("t").await.unwrap(),
        Some(Timestamp(3_600_000))
    );
    // Another trigger has its own firings.
    assert!(
        store
            .claim_firing(claim("u", 1_000, vec![]))
            .await
            .unwrap()
            .is_some()
    );
    // A claim that cannot create what it makes claims nothing.
    let e = store
        .claim_firing(claim("t", 7_200_000, vec![cron_instance("f1", 7_200_000)]))
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::AlreadyExists { .. }), "{e:?}");
    assert_eq!(
        store.last_firing("t").await.unwrap(),
        Some(Timestamp(3_600_000))
    );
    // A claim's messages are sent with it.
    let mut c = claim("t", 7_200_000, vec![]);
    c.send = vec![message("$cron", b"fired", 7_200_000)];
    assert_eq!(store.claim_firing(c).await.unwrap(), Some(vec![]));
    assert_eq!(store.queue_depth("$cron").await.unwrap(), 1);
    assert_eq!(
        store.last_firing("t").await.unwrap(),
        Some(Timestamp(7_200_000))
    );
}

async fn concurrent_claims_of_one_firing(store: &impl Store) {
    let (a, b, c, d) = tokio::join!(
        store.claim_firing(claim("t", 60_000, vec![cron_instance("a", 60_000)])),
        store.claim_firing(claim("t", 60_000, vec![cron_instance("b", 60_000)])),
        store.claim_firing(claim("t", 60_000, vec![cron_instance("c", 60_000)])),
        store.claim_firing(claim("t", 60_000, vec![cron_instance("d", 60_000)])),
    );
    let won = [a, b, c, d]
        .into_iter()
        .filter(|r| matches!(r, Ok(Some(_))))
        .count();
    assert_eq!(won, 1, "exactly one of four concurrent claims wins");
    assert_eq!(
        store
            .count_instances(&ListQuery {
                workflow: "wf".into(),
                ..Default::default()
            })
            .await
            .unwrap(),
        1
    );
}

async fn messages_are_leased_and_settled(store: &impl Store) {
    let binary = [0u8, 159, 146, 150, 255];
    store
        .send_messages(vec![
            message("q", b"first", 0),
            message("q", &binary, 0),
            message("q", b"later", 5_000),
            message("other", b"elsewhere", 0),
        ])
        .await
        .unwrap();
    assert_eq!(store.queue_depth("q").await.unwrap(), 3);
    let taken = store
        .take_messages("q", 10, Timestamp(1_000), Timestamp(31_000))
        .await
        .unwrap();
    assert_eq!(
        taken.iter().map(|m| m.body.clone()).collect::<Vec<_>>(),
        vec![b"first".to_vec(), binary.to_vec()],
        "visible messages, oldest first, bodies byte for byte"
    );
    assert!(taken.iter().all(|m| m.attempts == 1 && m.queue == "q"));
    assert_eq!(taken[0].content_type, "bytes");
    assert!(
        store
            .take_messages("q", 10, Timestamp(2_000), Timestamp(32_000))
            .await
            .unwrap()
            .is_empty(),
        "leased messages are not taken again while the lease runs"
    );
    assert_eq!(
        store.next_message_at("q").await.unwrap(),
        Some(Timestamp(5_000))
    );
    assert_eq!(store.next_message_at("empty").await.unwrap(), None);
    // Ack one, retry the other later.
    let applied = store
        .settle_messages(vec![
            Settlement {
                id: taken[0].id,
                lease: taken[0].lease,
                settle: Settle::Ack,
            },
            Settlement {
                id: taken[1].id,
                lease: taken[1].lease,
                settle: Settle::Retry {
                    visible_at: Timestamp(40_000),
                },
            },
        ])
        .await
        .unwrap();
    assert_eq!(applied, 2);
    assert_eq!(store.queue_depth("q").await.unwrap(), 2);
    // Settling again with the same lease does nothing.
    assert_eq!(
        store
            .settle_messages(vec![Settlement {
                id: taken[0].id,
                lease: taken[0].lease,
                settle: Settle::Ack
            }])
            .await
            .unwrap(),
        0
    );
    let later = store
        .take_messages("q", 10, Timestamp(6_000), Timestamp(36_000))
        .await
        .unwrap();
    assert_eq!(later.len(), 1);
    assert_eq!(later[0].body, b"later");
    // Its lease runs out; a second taker gets it, and the first taker's settlement is void.
    let again = store
        .take_messages("q", 10, Timestamp(40_000), Timestamp(70_000))
        .await
        .unwrap();
    assert_eq!(
        again
            .iter()
            .map(|m| (m.body.clone(), m.attempts))
            .collect::<Vec<_>>(),
        vec![(binary.to_vec(), 2), (b"later".to_vec(), 2)]
    );
    assert_eq!(
        store
            .settle_messages(vec![Settlement {
                id: later[0].id,
                lease: later[0].lease,
                settle: Settle::Ack
            }])
            .await
            .unwrap(),
        0,
        "a settlement under a lost lease is skipped"
    );
    // Moved to a dead-letter queue: its delivery count starts again.
    assert_eq!(
        store
            .settle_messages(vec![Settlement {
                id: again[1].id,
                lease: again[1].lease,
                settle: Settle::Move {
                    queue: "dlq".into()
                },
            }])
            .await
            .unwrap(),
        1
    );
    let dead = store
        .take_messages("dlq", 10, Timestamp(41_000), Timestamp(71_000))
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (dead[0].body.as_slice(), dead[0].attempts),
        (b"later".as_slice(), 1)
    );
    assert_eq!(store.queue_depth("q").await.unwrap(), 1);
    assert_eq!(store.queue_depth("other").await.unwrap(), 1);
    // `max` bounds a take.
    store
        .send_messages((0..5).map(|i| message("many", &[i], 0)).collect())
        .await
        .unwrap();
    let two = store
        .take_messages("many", 2, Timestamp(1), Timestamp(2))
        .await
        .unwrap();
    assert_eq!(two.iter().map(|m| m.body[0]).collect::<Vec<_>>(), [0, 1]);
}

async fn orphans_are_taken_from_dead_nodes(store: &impl Store) {
    let owned = |id: &str, owner: Option<&str>| NewInstance {
        owner: owner.map(String::from),
        ..new("wf", id)
    };
    let refs = store
        .create_instances(vec![
            owned("a", Some("n1")),
            owned("b", Some("n2")),
            owned("c", None),
            owned("d", Some("n1")),
        ])
        .await
        .unwrap();
    store
        .submit(Commit::new(refs[3], None).update(RowUpdate::status(InstanceStatus::Complete)))
        .await
        .unwrap();
    store.heartbeat("n1", Timestamp(1_000)).await.unwrap();
    store.heartbeat("n2", Timestamp(5_000)).await.unwrap();
    // A live node wakes its own: others see b's timer only once n2's heartbeat ran out.
    let wake = RowUpdate {
        wake_at: Some(Some(Timestamp(1_500))),
        ..RowUpdate::default()
    };
    store
        .submit(Commit::new(refs[1], None).update(wake))
        .await
        .unwrap();
    assert_eq!(
        store.due_wakeups("n3", Timestamp(2_000), 10).await.unwrap(),
        vec![]
    );
    assert_eq!(
        store.next_wakeup("n3", Timestamp(2_000)).await.unwrap(),
        None
    );
    assert_eq!(
        store.due_wakeups("n2", Timestamp(2_000), 10).await.unwrap(),
        vec![refs[1]]
    );
    assert_eq!(
        store.next_wakeup("n2", Timestamp(2_000)).await.unwrap(),
        Some(Timestamp(1_500))
    );
    assert_eq!(
        store.due_wakeups("n3", Timestamp(6_000), 10).await.unwrap(),
        vec![refs[1]]
    );
    store
        .submit(Commit::new(refs[1], None).update(RowUpdate {
            wake_at: Some(None),
            ..RowUpdate::default()
        }))
        .await
        .unwrap();
    let ids = |rows: Vec<InstanceRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let taken = store
        .take_orphans("n3", Timestamp(2_000), 10, false)
        .await
        .unwrap();
    assert!(taken.iter().all(|r| r.owner.as_deref() == Some("n3")));
    assert_eq!(
        ids(taken),
        ["a", "c"],
        "a dead node's and nobody's; not a live node's, not a finished one"
    );
    assert!(
        store
            .take_orphans("n3", Timestamp(2_000), 10, false)
            .await
            .unwrap()
            .is_empty(),
        "not again: they are n3's now"
    );
    assert_eq!(
        ids(store
            .take_orphans("n3", Timestamp(2_000), 1, true)
            .await
            .unwrap()),
        ["a"],
        "at its start a node takes its own back, at most `limit`"
    );
    // n3 never beat: after n2's heartbeat runs out, n2 takes n3's (not its own, without `own`).
    assert_eq!(
        ids(store
            .take_orphans("n2", Timestamp(6_000), 10, false)
            .await
            .unwrap()),
        ["a", "c"]
    );
    assert_eq!(
        store
            .get_instance(refs[1])
            .await
            .unwrap()
            .unwrap()
            .owner
            .as_deref(),
        Some("n2")
    );
    // Taking the lease makes the taker the owner.
    let f = store.get_instance(refs[0]).await.unwrap().unwrap().fence;
    store
        .submit(Commit::new(refs[0], Some(f)).lease_for("n9"))
        .await
        .unwrap();
    assert_eq!(
        store
            .get_instance(refs[0])
            .await
            .unwrap()
            .unwrap()
            .owner
            .as_deref(),
        Some("n9")
    );
    store.acquire_lease(refs[2], "n8").await.unwrap();
    assert_eq!(
        store
            .get_instance(refs[2])
            .await
            .unwrap()
            .unwrap()
            .owner
            .as_deref(),
        Some("n8")
    );
}

/// What [`write_some`] wrote, to check after reopening.
pub struct Written {
    instance: InstanceRef,
    fence: Fence,
}

fn slot_claim(node: &str, running: usize, want: usize, now: u64) -> SlotClaim {
    SlotClaim {
        node: node.into(),
        running,
        want,
        limit: 10,
        now: Timestamp(now),
    }
}

async fn message_leases_can_all_be_released(store: &impl Store) {
    let m = |body: &str| NewMessage {
        queue: "q".into(),
        body: body.as_bytes().to_vec(),
        content_type: "text".into(),
        visible_at: Timestamp(1_000),
        created_at: Timestamp(1_000),
    };
    store.send_messages(vec![m("a"), m("b")]).await.unwrap();
    let taken = store
        .take_messages("q", 1, Timestamp(2_000), Timestamp(900_000))
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    assert_eq!(
        store.release_message_leases().await.unwrap(),
        1,
        "release: one message was leased"
    );
    let again = store
        .take_messages("q", 10, Timestamp(2_000), Timestamp(900_000))
        .await
        .unwrap();
    assert_eq!(
        again.len(),
        2,
        "release: the leased message can be taken at once"
    );
    let first = again.iter().find(|x| x.id == taken[0].id).unwrap();
    assert_eq!(first.attempts, 2, "release: its second delivery");
    let old = Settlement {
        id: taken[0].id,
        lease: taken[0].lease,
        settle: Settle::Ack,
    };
    assert_eq!(
        store.settle_messages(vec![old]).await.unwrap(),
        0,
        "release: a settlement under the old lease is refused"
    );
}

async fn run_slots_are_shared_by_live_nodes(store: &impl Store) {
    let claim = |c: SlotClaim| async move { store.claim_slots(c).await.expect("claim_slots") };
    store.heartbeat("a", Timestamp(10_000)).await.unwrap();
    store.heartbeat("b", Timestamp(10_000)).await.unwrap();
    assert_eq!(
        claim(slot_claim("a", 0, 10, 1_000)).await.allowance,
        10,
        "slots: alone, a node gets what it wants"
    );
    assert_eq!(
        claim(slot_claim("b", 0, 10, 1_000)).await.allowance,
        0,
        "slots: what another node holds is not granted again"
    );
    let g = claim(slot_claim("a", 10, 10, 1_000)).await;
    assert_eq!(
        (g.allowance, g.holds),
        (5, 10),
        "slots: a node over its fair share keeps what runs and starts nothing new"
    );
    assert_eq!(claim(slot_claim("a", 4, 4, 1_000)).await.holds, 4);
    assert_eq!(
        claim(slot_claim("b", 0, 10, 1_000)).await.allowance,
        6,
        "slots: what a node gave back goes to the other"
    );
    // Once a's heartbeat has run out, what it held is free.
    store.heartbeat("b", Timestamp(30_000)).await.unwrap();
    assert_eq!(
        claim(slot_claim("b", 6, 10, 20_000)).await.allowance,
        10,
        "slots: a dead node holds nothing"
    );
}

async fn concurrent_slot_claims_stay_under_the_limit(store: &impl Store) {
    for k in 0..4 {
        store
            .heartbeat(&format!("n{k}"), Timestamp(10_000))
            .await
            .unwrap();
    }
    let (a, b, c, d) = tokio::join!(
        store.claim_slots(slot_claim("n0", 0, 10, 1_000)),
        store.claim_slots(slot_claim("n1", 0, 10, 1_000)),
        store.claim_slots(slot_claim("n2", 0, 10, 1_000)),
        store.claim_slots(slot_claim("n3", 0, 10, 1_000)),
    );
    let total: usize = [a, b, c, d]
        .into_iter()
        .map(|g| g.expect("claim").allowance)
        .sum();
    assert!(
        total <= 10,
        "slots: four nodes claiming at once were granted {total} of 10"
    );
}

async fn recv(rx: &mut tokio::sync::mpsc::Receiver<Notice>) -> Option<Notice> {
    tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("notices: a notice sent was not received within 10 s")
}

async fn notices_reach_the_addressed_node(store: &impl Store) {
    let mut a = store
        .listen("node-a")
        .await
        .expect("listen")
        .expect("notices: this store carries none");
    let mut b = store.listen("node-b").await.expect("listen").unwrap();
    let body = "{\"op\":\"pause\"}\nsecond line, ünïcødé ✓";
    store.notify("node-b", body.into()).await.expect("notify");
    // Sent into the void: dropped (an error where the store can tell).
    let _ = store.notify("nobody", "lost".into()).await;
    store
        .notify("node-a", "for a".into())
        .await
        .expect("notify");
    assert_eq!(
        recv(&mut b).await,
        Some(Notice::Message(body.into())),
        "notices: node-b's notice"
    );
    assert_eq!(
        recv(&mut a).await,
        Some(Notice::Message("for a".into())),
        "notices: node-a receives only its own"
    );
    for n in 0..20 {
        store.notify("node-a", n.to_string()).await.expect("notify");
    }
    for n in 0..20 {
        assert_eq!(
            recv(&mut a).await,
            Some(Notice::Message(n.to_string())),
            "notices: one sender's notices arrive in order"
        );
    }
    assert!(
        store
            .notify("node-a", "x".repeat(notices::MAX_NOTICE_BYTES + 1))
            .await
            .is_err(),
        "notices: a payload over the limit is refused"
    );
    assert!(
        b.try_recv().is_err(),
        "notices: node-b got another's notice"
    );
}

async fn write_some(store: &impl Store) -> Written {
    let r = one(store, "durable").await;
    let fence = store.acquire_lease(r, "n").await.unwrap();
    store
        .submit(
            Commit::new(r, Some(fence))
                .log(
                    Timestamp(10),
                    LogEvent::StepSuccess {
                        key: key("a"),
                        output: json!({"kept": true}),
                    },
                )
                .update(RowUpdate {
                    status: Some(InstanceStatus::Waiting),
                    wake_at: Some(Some(Timestamp(50))),
                    ..Default::default()
                }),
        )
        .await
        .unwrap();
    store
        .put_workflow(record("kept", "KeptClass", 5))
        .await
        .unwrap();
    Written { instance: r, fence }
}

fn record(name: &str, class: &str, at: u64) -> WorkflowRecord {
    WorkflowRecord {
        name: name.into(),
        class_name: class.into(),
        script_name: "script".into(),
        settings: json!({"limits": {"steps": at}, "note": "ünïcode"}),
        created_at: Timestamp(at),
        modified_at: Timestamp(at),
    }
}

async fn workflow_records(store: &impl Store) {
    assert!(store.workflows().await.unwrap().is_empty());
    assert!(!store.delete_workflow("none").await.unwrap());
    let b = store.put_workflow(record("b", "B", 1)).await.unwrap();
    assert_eq!(b, record("b", "B", 1));
    store.put_workflow(record("a", "A", 2)).await.unwrap();
    // An upsert replaces everything but the creation time.
    let b2 = store.put_workflow(record("b", "B2", 3)).await.unwrap();
    assert_eq!(b2.created_at, Timestamp(1));
    assert_eq!(b2.modified_at, Timestamp(3));
    assert_eq!(b2.class_name, "B2");
    let all = store.workflows().await.unwrap();
    assert_eq!(all, vec![record("a", "A", 2), b2.clone()], "sorted by name");
    assert!(store.delete_workflow("a").await.unwrap());
    assert!(!store.delete_workflow("a").await.unwrap());
    assert_eq!(store.workflows().await.unwrap(), vec![b2]);
    // Instances are not workflow records, and records do not hold instances.
    let i = one(store, "x").await;
    assert!(store.delete_workflow("b").await.unwrap());
    assert!(store.get_instance(i).await.unwrap().is_some());
}

async fn everything_survives_reopen(store: &impl Store, w: Written) {
    let row = store
        .find_instance("wf", "durable")
        .await
        .unwrap()
        .expect("instance survives");
    assert_eq!(row.instance, w.instance);
    assert_eq!(row.status, InstanceStatus::Waiting);
    assert_eq!(row.fence, w.fence);
    assert_eq!(
        store.next_wakeup("local", Timestamp(0)).await.unwrap(),
        Some(Timestamp(50))
    );
    let log = store.read_log(w.instance).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        log[1].event,
        LogEvent::StepSuccess {
            key: key("a"),
            output: json!({"kept": true})
        }
    );
    let more = store
        .submit(Commit::new(w.instance, Some(w.fence)).log(Timestamp(11), LogEvent::WorkflowStart))
        .await
        .unwrap();
    assert!(
        more.seqs[0] > log[1].seq,
        "seqs keep growing after a reopen"
    );
    assert_eq!(
        store.workflows().await.unwrap(),
        vec![record("kept", "KeptClass", 5)]
    );
}

fn rollup(bucket: u64, workflow: &str, event: &str, step: &str, count: u64, wall: u64) -> Rollup {
    Rollup {
        bucket: Timestamp(bucket),
        workflow: workflow.into(),
        event_type: event.into(),
        step_name: step.into(),
        step_count: if step.is_empty() { 0 } else { 1 },
        count,
        wall_ms: wall,
    }
}

fn rollup_query(g: Granularity, from: u64, to: u64) -> RollupQuery {
    RollupQuery {
        granularity: g,
        from: Timestamp(from),
        to: Timestamp(to),
        workflows: vec![],
        event_types: vec![],
        limit: 1_000,
    }
}

fn counts(rows: &[Rollup]) -> Vec<(u64, &str, &str, &str, u64, u64)> {
    rows.iter()
        .map(|r| {
            (
                r.bucket.0,
                r.workflow.as_str(),
                r.event_type.as_str(),
                r.step_name.as_str(),
                r.count,
                r.wall_ms,
            )
        })
        .collect()
}

async fn rollups_add_up_by_minute_and_hour(store: &impl Store) {
    const M: u64 = 60_000;
    const H: u64 = 3_600_000;
    store
        .add_rollups(vec![
            rollup(H, "a", "WORKFLOW_START", "", 2, 0),
            rollup(H + M, "a", "STEP_SUCCESS", "s", 1, 40),
            rollup(2 * H, "b", "WORKFLOW_START", "", 1, 0),
        ])
        .await
        .expect("add_rollups");
    // Added again: the counts and wall times add up (another process's flush).
    store
        .add_rollups(vec![
            rollup(H + M, "a", "STEP_SUCCESS", "s", 2, 60),
            rollup(H + M, "a", "STEP_SUCCESS", "s", 1, 0),
        ])
        .await
        .expect("add_rollups again");
    let minutes = store
        .query_rollups(&rollup_query(Granularity::Minute, 0, 10 * H))
        .await
        .unwrap();
    let mut got = counts(&minutes);
    got.sort();
    assert_eq!(
        got,
        vec![
            (H, "a", "WORKFLOW_START", "", 2, 0),
            (H + M, "a", "STEP_SUCCESS", "s", 4, 100),
            (2 * H, "b", "WORKFLOW_START", "", 1, 0),
        ],
        "minute rollups add up"
    );
    let hours = store
        .query_rollups(&rollup_query(Granularity::Hour, 0, 10 * H))
        .await
        .unwrap();
    let mut got = counts(&hours);
    got.sort();
    assert_eq!(
        got,
        vec![
            (H, "a", "STEP_SUCCESS", "s", 4, 100),
            (H, "a", "WORKFLOW_START", "", 2, 0),
            (2 * H, "b", "WORKFLOW_START", "", 1, 0),
        ],
        "hour rollups hold their minutes"
    );
    assert!(
        hours.windows(2).all(|w| w[0].bucket <= w[1].bucket),
        "oldest bucket first"
    );
    // Bounds are inclusive and select by bucket start; filters select workflows and types.
    let mut q = rollup_query(Granularity::Minute, H + M, 2 * H);
    let got = store.query_rollups(&q).await.unwrap();
    assert_eq!(got.len(), 2, "{got:?}");
    q.workflows = vec!["b".into()];
    let got = store.query_rollups(&q).await.unwrap();
    assert_eq!(counts(&got), vec![(2 * H, "b", "WORKFLOW_START", "", 1, 0)]);
    q.workflows = vec!["a".into(), "b".into()];
    q.event_types = vec!["STEP_SUCCESS".into()];
    let got = store.query_rollups(&q).await.unwrap();
    assert_eq!(
        counts(&got),
        vec![(H + M, "a", "STEP_SUCCESS", "s", 4, 100)]
    );
    let mut q = rollup_query(Granularity::Minute, 0, 10 * H);
    q.limit = 1;
    assert_eq!(store.query_rollups(&q).await.unwrap().len(), 1, "limit");
    // Pruning drops buckets that start before the cut, minutes and hours alike.
    let gone = store.prune_rollups(Timestamp(2 * H)).await.unwrap();
    assert_eq!(gone, 4, "three minute rows and one hour row before the cut");
    let left = store
        .query_rollups(&rollup_query(Granularity::Minute, 0, 10 * H))
        .await
        .unwrap();
    assert_eq!(
        counts(&left),
        vec![(2 * H, "b", "WORKFLOW_START", "", 1, 0)]
    );
}

async fn concurrent_rollups_all_count(store: &impl Store) {
    let add = |i: u64| {
        store.add_rollups(vec![
            rollup(60_000, "wf", "STEP_START", "s", 1, i),
            rollup(120_000, "wf", "STEP_START", "s", 1, 0),
        ])
    };
    let (a, b, c, d) = tokio::join!(add(1), add(2), add(3), add(4));
    for r in [a, b, c, d] {
        r.expect("concurrent add_rollups");
    }
    let hours = store
        .query_rollups(&rollup_query(Granularity::Hour, 0, 0))
        .await
        .unwrap();
    assert_eq!(
        counts(&hours),
        vec![(0, "wf", "STEP_START", "s", 8, 10)],
        "no concurrent addition is lost"
    );
}
