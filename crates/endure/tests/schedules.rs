//! Workflow schedules: cron firings create instances, once per occurrence, on the engine's
//! clock (a month of hourly firings runs in moments), with one catch-up after downtime, across
//! restarts and across engines sharing a store, in UTC or a time zone.

mod common;

use common::*;
use endure::prelude::*;
use endure::{CronSchedule, EngineBuilder, InstanceStatus, Timestamp, WorkflowOptions};
use endure_engine::WorkflowDefinition;
use endure_store::{ListQuery, Store};
use serde_json::{Value, json};
use std::time::Duration;

const HOUR: u64 = 3_600_000;

/// Reports what its event said.
fn echo() -> impl Workflow<Params = Value, Output = Value> {
    wf(|event, _step| {
        Box::pin(async move {
            let s = event.schedule.expect("a cron instance has event.schedule");
            Ok(json!({
                "cron": s.cron,
                "scheduledTime": s.scheduled_time.0,
                "timestamp": event.timestamp.0,
                "id": event.instance_id,
            }))
        })
    })
}

fn hourly(b: EngineBuilder, schedules: &[(&str, Option<&str>)]) -> EngineBuilder {
    let options = WorkflowOptions {
        schedules: schedules
            .iter()
            .map(|(c, tz)| CronSchedule::parse(c, *tz).unwrap())
            .collect(),
        ..WorkflowOptions::default()
    };
    b.workflow_with("cron", echo(), options).unwrap()
}

/// The first hour mark after `t`.
fn next_hour(t: Timestamp) -> Timestamp {
    Timestamp((t.0 / HOUR + 1) * HOUR)
}

/// Every instance of `workflow`, oldest first.
async fn instances(store: &dyn Store, workflow: &str) -> Vec<endure_store::InstanceRow> {
    store
        .list_instances(&ListQuery {
            workflow: workflow.into(),
            ascending: true,
            limit: 100_000,
            ..Default::default()
        })
        .await
        .unwrap()
}

/// Waits (hang protection only) until `workflow` has `n` instances, all complete.
async fn wait_complete(
    store: &dyn Store,
    workflow: &str,
    n: usize,
) -> Vec<endure_store::InstanceRow> {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let rows = instances(store, workflow).await;
        if rows.len() >= n && rows.iter().all(|r| r.status == InstanceStatus::Complete) {
            return rows;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waited for {n} complete instances; have {:?}",
            rows.iter().map(|r| (&r.id, r.status)).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn a_month_of_hourly_firings(mode: Mode) {
    let mut h = Harness::new(mode, |b| hourly(b, &[("0 * * * *", None)])).await;
    // T0 is 22:13:20: the 22:00 occurrence is in the past and does not fire.
    let mut t = next_hour(T0);
    let hours = 30 * 24;
    for i in 0..hours {
        h.clock.advance(t.since(h.now()));
        wait_complete(&*h.store, "cron", i + 1).await;
        if i == hours / 2 {
            h.checkpoint().await;
        }
        t = t.plus_ms(HOUR);
    }
    let rows = instances(&*h.store, "cron").await;
    assert_eq!(rows.len(), hours, "one instance per hour, no more");
    let first = next_hour(T0);
    for (k, row) in rows.iter().enumerate() {
        let at = first.plus_ms(k as u64 * HOUR);
        assert_eq!(row.id, format!("0 * * * *-{}", at.0));
        assert_eq!(row.trigger, endure_model::TriggerSource::Cron);
        assert_eq!(
            row.output,
            Some(json!({
                "cron": "0 * * * *",
                "scheduledTime": at.0,
                "timestamp": at.0,
                "id": row.id,
            }))
        );
    }
}

async fn after_downtime_only_the_latest_missed_firing_runs(mode: Mode) {
    let mut h = Harness::new(mode, |b| hourly(b, &[("0 * * * *", None)])).await;
    let first = next_hour(T0);
    h.clock.advance(first.since(h.now()));
    wait_complete(&*h.store, "cron", 1).await;
    // Down for five and a half hours.
    h.engine.shutdown().await;
    h.clock.advance(5 * HOUR + HOUR / 2);
    h.restart().await;
    let rows = wait_complete(&*h.store, "cron", 2).await;
    let latest = first.plus_ms(5 * HOUR);
    assert_eq!(rows.len(), 2, "older missed firings are not back-filled");
    assert_eq!(rows[1].id, format!("0 * * * *-{}", latest.0));
    // A second restart within the same hour fires nothing again.
    h.restart().await;
    h.clock.advance(HOUR / 4);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(instances(&*h.store, "cron").await.len(), 2);
    // The schedule goes on from there.
    h.clock.advance(HOUR / 4);
    let rows = wait_complete(&*h.store, "cron", 3).await;
    assert_eq!(rows[2].id, format!("0 * * * *-{}", latest.plus_ms(HOUR).0));
}

async fn the_clock_jumping_past_many_occurrences_fires_the_latest(mode: Mode) {
    let h = Harness::new(mode, |b| hourly(b, &[("*/5 * * * *", None)])).await;
    h.clock.advance(3 * HOUR);
    let rows = wait_complete(&*h.store, "cron", 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(instances(&*h.store, "cron").await.len(), 1);
    let latest = CronSchedule::parse("*/5 * * * *", None)
        .unwrap()
        .latest_at_or_before(h.now())
        .unwrap();
    assert_eq!(rows[0].id, format!("*/5 * * * *-{}", latest.0));
}

async fn engines_sharing_a_store_fire_each_occurrence_once(mode: Mode) {
    let h = Harness::new(mode, |b| hourly(b, &[("0 * * * *", None)])).await;
    // A second engine (another process) on the same store and clock, same schedule.
    let other = hourly(EngineBuilder::new(h.store.clone()), &[("0 * * * *", None)])
        .clock(h.clock.clone())
        .start()
        .await
        .unwrap();
    let mut t = next_hour(T0);
    for i in 0..24 {
        h.clock.advance(t.since(h.now()));
        wait_complete(&*h.store, "cron", i + 1).await;
        t = t.plus_ms(HOUR);
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(instances(&*h.store, "cron").await.len(), 24);
    other.shutdown().await;
}

async fn a_time_zone_follows_daylight_saving(mode: Mode) {
    // 09:00 in Berlin, from the week before the spring change (29 March 2026) to after it.
    let h = Harness::new(mode, |b| hourly(b, &[("0 9 * * *", Some("Europe/Berlin"))])).await;
    let start = Timestamp::parse_iso("2026-03-25T12:00:00Z").unwrap();
    // The jump from T0 is like downtime: that morning's occurrence fires late, once.
    h.clock.advance(start.since(h.now()));
    wait_complete(&*h.store, "cron", 1).await;
    for day in 0..8u64 {
        h.clock.advance(24 * HOUR);
        wait_complete(&*h.store, "cron", day as usize + 2).await;
    }
    let times: Vec<String> = instances(&*h.store, "cron")
        .await
        .iter()
        .map(|r| {
            Timestamp(
                r.output.as_ref().unwrap()["scheduledTime"]
                    .as_u64()
                    .unwrap(),
            )
            .to_iso()
        })
        .collect();
    assert_eq!(
        times,
        [
            "2026-03-25T08:00:00.000Z",
            "2026-03-26T08:00:00.000Z",
            "2026-03-27T08:00:00.000Z",
            "2026-03-28T08:00:00.000Z",
            "2026-03-29T07:00:00.000Z",
            "2026-03-30T07:00:00.000Z",
            "2026-03-31T07:00:00.000Z",
            "2026-04-01T07:00:00.000Z",
            "2026-04-02T07:00:00.000Z",
        ]
    );
}

async fn a_definition_sets_and_clears_schedules(mode: Mode) {
    let mut h = Harness::new(mode, |b| b.workflow("plain", echo()).unwrap()).await;
    assert!(h.engine.schedules("plain").is_empty());
    let class_name = h.engine.workflow_info("plain").unwrap().class_name;
    let def = |schedules: Vec<CronSchedule>| WorkflowDefinition {
        class_name: class_name.clone(),
        script_name: "s".into(),
        schedules: Some(schedules),
        ..Default::default()
    };
    h.engine
        .put_workflow(
            "plain",
            def(vec![CronSchedule::parse("@hourly", None).unwrap()]),
        )
        .await
        .unwrap();
    let info = h.engine.schedules("plain");
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].next, Some(next_hour(T0)));
    // The definition is stored: it fires after a restart too.
    h.checkpoint().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    h.clock.advance(next_hour(T0).since(h.now()));
    let rows = wait_complete(&*h.store, "plain", 1).await;
    assert_eq!(rows[0].output.as_ref().unwrap()["cron"], "@hourly");
    h.engine.put_workflow("plain", def(vec![])).await.unwrap();
    assert!(h.engine.schedules("plain").is_empty());
    h.clock.advance(3 * HOUR);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        instances(&*h.store, "plain").await.len(),
        1,
        "cleared schedules stop firing"
    );
    // More than ten are refused, with the reason.
    let eleven = (0..11)
        .map(|m| CronSchedule::parse(&format!("{m} * * * *"), None).unwrap())
        .collect();
    let e = h
        .engine
        .put_workflow("plain", def(eleven))
        .await
        .unwrap_err();
    assert_eq!(e.code, endure::ErrorCode::InvalidInput);
    assert!(e.message.contains("at most 10"), "{}", e.message);
}

matrix!(
    a_month_of_hourly_firings,
    after_downtime_only_the_latest_missed_firing_runs,
    the_clock_jumping_past_many_occurrences_fires_the_latest,
    engines_sharing_a_store_fire_each_occurrence_once,
    a_time_zone_follows_daylight_saving,
    a_definition_sets_and_clears_schedules,
);
