//! The analytics dataset: recorded events counted into minute and hour rollups in the store
//! (flushed on the engine's clock, and before a query), added up across engines sharing a
//! store, kept across restarts; an instance's rows replayed from its log.

mod common;

use common::*;
use endure::{EngineBuilder, EngineConfig, InstanceStatus, Timestamp};
use endure_model::analytics::{Granularity, MINUTE_MS, Rollup};
use endure_store::RollupQuery;
use std::time::Duration;

fn napper(b: EngineBuilder) -> EngineBuilder {
    step_then_sleep(b, "napper", "one", "nap", "1 minute")
}

fn query(g: Granularity) -> RollupQuery {
    RollupQuery {
        granularity: g,
        from: Timestamp(0),
        to: Timestamp(u64::MAX / 2),
        workflows: vec!["napper".into()],
        event_types: vec![],
        limit: 10_000,
    }
}

/// (bucket offset from T0's minute, event type, step, count, wall ms) of every row.
fn table(rows: &[Rollup], origin: Timestamp) -> Vec<(u64, String, String, u64, u64)> {
    let mut t: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.bucket.0 - origin.0,
                r.event_type.clone(),
                r.step_name.clone(),
                r.count,
                r.wall_ms,
            )
        })
        .collect();
    t.sort();
    t
}

fn total(rows: &[Rollup], event: &str) -> (u64, u64) {
    rows.iter()
        .filter(|r| r.event_type == event)
        .fold((0, 0), |a, r| (a.0 + r.count, a.1 + r.wall_ms))
}

/// The engine's rollups once `successes` instances' ends are counted: an instance's last
/// observation is counted just after its end is durable, which is when the harness sees it
/// complete, so on a loaded machine it can come a moment later.
async fn settled(h: &Harness, g: Granularity, successes: u64) -> Vec<Rollup> {
    let mut rows = h.engine.rollups(&query(g)).await.unwrap();
    for _ in 0..500 {
        if total(&rows, "WORKFLOW_SUCCESS").0 >= successes {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        rows = h.engine.rollups(&query(g)).await.unwrap();
    }
    rows
}

async fn run_three(h: &Harness, prefix: &str) {
    h.run_sleepers("napper", prefix, 3, MINUTE_MS).await;
}

async fn events_are_rolled_up_by_minute_and_hour(mut mode: Mode) {
    mode.restarts = false;
    let h = Harness::new(mode, napper).await;
    run_three(&h, "a").await;
    let minute0 = Granularity::Minute.bucket(T0);
    let rows = settled(&h, Granularity::Minute, 3).await;
    let s = |e: &str, step: &str, n: u64, wall: u64, at: u64| {
        (at, e.to_string(), step.to_string(), n, wall)
    };
    assert_eq!(
        table(&rows, minute0),
        vec![
            s("ATTEMPT_START", "one", 3, 0, 0),
            s("ATTEMPT_SUCCESS", "one", 3, 0, 0),
            s("SLEEP_START", "nap", 3, 0, 0),
            s("STEP_START", "one", 3, 0, 0),
            s("STEP_SUCCESS", "one", 3, 0, 0),
            s("WORKFLOW_QUEUED", "", 3, 0, 0),
            s("WORKFLOW_START", "", 3, 0, 0),
            s("SLEEP_COMPLETE", "nap", 3, 3 * MINUTE_MS, MINUTE_MS),
            s("WORKFLOW_SUCCESS", "", 3, 3 * MINUTE_MS, MINUTE_MS),
        ]
    );
    assert!(rows.iter().all(|r| r.workflow == "napper"));
    assert_eq!(
        rows.iter()
            .find(|r| r.event_type == "SLEEP_START")
            .unwrap()
            .step_count,
        2,
        "the sleep is the instance's second step"
    );
    let hours = h.engine.rollups(&query(Granularity::Hour)).await.unwrap();
    for e in ["WORKFLOW_START", "SLEEP_COMPLETE", "WORKFLOW_SUCCESS"] {
        assert_eq!(total(&hours, e), total(&rows, e), "{e} by hour");
    }
    // Another workflow's name selects nothing.
    let mut q = query(Granularity::Minute);
    q.workflows = vec!["other".into()];
    assert!(h.engine.rollups(&q).await.unwrap().is_empty());
}

async fn flushed_rollups_survive_a_restart_and_add_up(mode: Mode) {
    let mut h = Harness::new(mode, napper).await;
    run_three(&h, "a").await;
    // The engine adds its rollups to the store on its clock, without being asked. The clock
    // moves a flush period at a time: a flush that was under way when it first moved (on a
    // loaded machine) took only what had been counted by then, and the next one takes the rest.
    let store = h.store.clone();
    let mut waited = 0;
    while total(
        &store
            .query_rollups(&query(Granularity::Hour))
            .await
            .unwrap(),
        "WORKFLOW_SUCCESS",
    )
    .0 < 3
    {
        assert!(waited < 500, "the rollups were not flushed on the clock");
        if waited % 50 == 0 {
            h.advance(endure_engine::analytics::FLUSH_MS);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
    }
    h.checkpoint().await;
    run_three(&h, "b").await;
    let hours = settled(&h, Granularity::Hour, 6).await;
    assert_eq!(total(&hours, "WORKFLOW_START").0, 6);
    assert_eq!(
        total(&hours, "WORKFLOW_SUCCESS"),
        (6, 6 * MINUTE_MS),
        "rollups from before the restart are kept and added to"
    );
}

fn node(name: &str) -> EngineConfig {
    EngineConfig {
        node_id: name.into(),
        shared_store: true,
        ..EngineConfig::default()
    }
}

async fn engines_sharing_a_store_add_up(mut mode: Mode) {
    mode.restarts = false;
    let h = Harness::with_config(mode, node("n1"), napper).await;
    let other = napper(EngineBuilder::new(h.store.clone()))
        .config(node("n2"))
        .clock(h.clock.clone())
        .start()
        .await
        .unwrap();
    run_three(&h, "a").await;
    for i in 0..2 {
        other
            .workflow("napper")
            .unwrap()
            .create(endure::CreateOptions::new().id(format!("o{i}")))
            .await
            .unwrap();
    }
    // (Another node's changes reach this engine's waiters only with its heartbeat: look at
    // the store.)
    for i in 0..2 {
        let mut waited = 0;
        while h
            .store
            .find_instance("napper", &format!("o{i}"))
            .await
            .unwrap()
            .is_none_or(|r| r.status != InstanceStatus::Waiting)
        {
            assert!(waited < 1_000, "o{i} never slept");
            tokio::time::sleep(Duration::from_millis(10)).await;
            waited += 1;
        }
    }
    other.flush_analytics().await.unwrap();
    let hours = h.engine.rollups(&query(Granularity::Hour)).await.unwrap();
    assert_eq!(total(&hours, "WORKFLOW_START").0, 5, "{hours:?}");
    assert_eq!(total(&hours, "WORKFLOW_SUCCESS").0, 3);
    other.shutdown().await;
}

async fn an_instance_replays_into_rows(mode: Mode) {
    let h = Harness::new(mode, napper).await;
    run_three(&h, "a").await;
    let rows = h
        .engine
        .event_rows("napper", "a1")
        .await
        .unwrap()
        .expect("the instance exists");
    let names: Vec<_> = rows.iter().map(|r| r.event_type).collect();
    assert_eq!(
        names,
        [
            "WORKFLOW_QUEUED",
            "WORKFLOW_START",
            "STEP_START",
            "ATTEMPT_START",
            "ATTEMPT_SUCCESS",
            "STEP_SUCCESS",
            "SLEEP_START",
            "SLEEP_COMPLETE",
            "WORKFLOW_SUCCESS"
        ]
    );
    let last = rows.last().unwrap();
    assert_eq!((last.wall_ms, last.at), (MINUTE_MS, T0.plus_ms(MINUTE_MS)));
    assert!(rows.iter().all(|r| r.instance_id == "a1"));
    assert!(
        h.engine
            .event_rows("napper", "nobody")
            .await
            .unwrap()
            .is_none()
    );
}

matrix!(
    events_are_rolled_up_by_minute_and_hour,
    flushed_rollups_survive_a_restart_and_add_up,
    engines_sharing_a_store_add_up,
    an_instance_replays_into_rows,
);
