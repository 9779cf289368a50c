//! The GraphQL analytics API answers the seeds' three example queries, as the seeds write them
//! (undeclared variables, aliases), from what the engine recorded; with declared variables of
//! the reference's types too; finer time buckets, instance dimensions, and clear errors.

mod common;

use common::*;
use endure::EngineBuilder;
use serde_json::{Value, json};

const HOUR: u64 = 3_600_000;

fn cart(b: EngineBuilder) -> EngineBuilder {
    step_then_sleep(b, "shoppingCart", "add", "wait", "1 hour")
}

/// T0 is 2023-11-14T22:13:20Z: three carts run from then to an hour later.
async fn three_carts(mode: Mode) -> Harness {
    let h = Harness::new(mode, cart).await;
    h.run_sleepers("shoppingCart", "c", 3, HOUR).await;
    h
}

fn variables() -> Value {
    json!({
        "accountTag": "fedfa729a5b0ecfd623bca1f9000f0a22",
        "datetimeStart": "2023-11-14T00:00:00Z",
        "datetimeEnd": "2023-11-16T00:00:00Z",
        "workflowName": "shoppingCart",
        "instanceId": "c1"
    })
}

async fn ask(h: &Harness, query: &str, variables: Value) -> Value {
    let req = endure_graphql::Request::from_json(&json!({"query": query, "variables": variables}))
        .unwrap();
    endure_graphql::execute(&h.engine, req).await
}

const WALL_TIME: &str = r#"{
viewer {
accounts(filter: { accountTag: $accountTag }) {
wallTime: workflowsAdaptiveGroups(
limit: 10000
filter: {
datetimeHour_geq: $datetimeStart,
datetimeHour_leq: $datetimeEnd,
workflowName: $workflowName
}
orderBy: [count_DESC]
) {
count
sum {
wallTime
}
dimensions {
date: datetimeHour
}
}
}
}
}"#;

async fn the_first_example_groups_by_hour(mode: Mode) {
    let h = three_carts(mode).await;
    let got = ask(&h, WALL_TIME, variables()).await;
    // Each cart: 7 events at 22:13:20 (queued, start, step and attempt start and success,
    // sleep start), 2 an hour later (sleep complete, success), each of those an hour long.
    assert_eq!(
        got,
        json!({"data": {"viewer": {"accounts": [{"wallTime": [
            {"count": 21, "sum": {"wallTime": 0}, "dimensions": {"date": "2023-11-14T22:00:00Z"}},
            {"count": 6, "sum": {"wallTime": 6 * HOUR}, "dimensions": {"date": "2023-11-14T23:00:00Z"}}
        ]}]}}, "errors": null})
    );
}

async fn the_second_example_counts_runs_and_steps(mode: Mode) {
    let h = three_carts(mode).await;
    let q = r#"{
viewer {
accounts(filter: { accountTag: $accountTag }) {
instanceRuns: workflowsAdaptiveGroups(
limit: 10000
filter: {
datetimeHour_geq: $datetimeStart
datetimeHour_leq: $datetimeEnd
workflowName: $workflowName
eventType: "WORKFLOW_START"
}
orderBy: [count_DESC]
) {
count
dimensions {
date: datetimeHour
}
}
stepCount: workflowsAdaptiveGroups(
limit: 10000
filter: {
datetimeHour_geq: $datetimeStart
datetimeHour_leq: $datetimeEnd
workflowName: $workflowName
eventType: "STEP_START"
}
orderBy: [count_DESC]
) {
count
dimensions {
date: datetimeHour
}
}
wallTime: workflowsAdaptiveGroups(
limit: 10000
filter: {
datetimeHour_geq: $datetimeStart
datetimeHour_leq: $datetimeEnd
workflowName: $workflowName
}
orderBy: [count_DESC]
) {
count
sum {
wallTime
}
dimensions {
date: datetimeHour
}
}
}
}
}"#;
    let got = ask(&h, q, variables()).await;
    let account = &got["data"]["viewer"]["accounts"][0];
    assert_eq!(got["errors"], Value::Null, "{got}");
    assert_eq!(
        account["instanceRuns"],
        json!([{"count": 3, "dimensions": {"date": "2023-11-14T22:00:00Z"}}])
    );
    assert_eq!(
        account["stepCount"],
        json!([{"count": 3, "dimensions": {"date": "2023-11-14T22:00:00Z"}}])
    );
    assert_eq!(account["wallTime"][1]["sum"]["wallTime"], json!(6 * HOUR));
}

async fn the_third_example_reads_an_instances_events(mode: Mode) {
    let h = three_carts(mode).await;
    let q = r#"{
viewer {
accounts(filter: { accountTag: $accountTag }) {
workflowsAdaptive(
limit: 100
filter: {
datetime_geq: $datetimeStart
datetime_leq: $datetimeEnd
instanceId: $instanceId
}
orderBy: [datetime_ASC]
) {
datetime
eventType
workflowName
instanceId
stepName
stepCount
wallTime
}
}
}
}"#;
    let got = ask(&h, q, variables()).await;
    let rows = got["data"]["viewer"]["accounts"][0]["workflowsAdaptive"]
        .as_array()
        .unwrap_or_else(|| panic!("{got}"))
        .clone();
    let types: Vec<&str> = rows
        .iter()
        .map(|r| r["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
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
    assert_eq!(
        rows[2],
        json!({"datetime": "2023-11-14T22:13:20Z", "eventType": "STEP_START",
               "workflowName": "shoppingCart", "instanceId": "c1", "stepName": "add",
               "stepCount": 1, "wallTime": 0})
    );
    assert_eq!(rows[7]["stepName"], json!("wait"));
    assert_eq!(rows[7]["stepCount"], json!(2));
    assert_eq!(rows[8]["datetime"], json!("2023-11-14T23:13:20Z"));
    assert_eq!(rows[8]["wallTime"], json!(HOUR));
}

async fn declared_variables_finer_buckets_and_instances(mode: Mode) {
    let h = three_carts(mode).await;
    // Declared with the reference's types; grouped by minute and event type.
    let q = r#"query Runs($accountTag: string!, $start: Time, $end: Time, $wf: string) {
      viewer { accounts(filter: {accountTag: $accountTag}) {
        workflowsAdaptiveGroups(limit: 10, filter: {datetime_geq: $start, datetime_leq: $end,
            workflowName: $wf, eventType_in: ["WORKFLOW_SUCCESS", "SLEEP_COMPLETE"]},
            orderBy: [eventType_DESC]) {
          count avg { wallTime } dimensions { datetimeMinute eventType }
        } } } }"#;
    let vars = json!({"accountTag": "a", "start": "2023-11-14T23:00:00Z",
                      "end": "2023-11-14T23:59:59Z", "wf": "shoppingCart"});
    let got = ask(&h, q, vars).await;
    assert_eq!(
        got["data"]["viewer"]["accounts"][0]["workflowsAdaptiveGroups"],
        json!([
            {"count": 3, "avg": {"wallTime": HOUR as f64},
             "dimensions": {"datetimeMinute": "2023-11-14T23:13:00Z", "eventType": "WORKFLOW_SUCCESS"}},
            {"count": 3, "avg": {"wallTime": HOUR as f64},
             "dimensions": {"datetimeMinute": "2023-11-14T23:13:00Z", "eventType": "SLEEP_COMPLETE"}}
        ]),
        "{got}"
    );
    // By instance: read from the instances' logs.
    let q = r#"{ viewer { accounts(filter: {accountTag: "a"}) {
        workflowsAdaptiveGroups(limit: 2, filter: {eventType: "WORKFLOW_SUCCESS"},
            orderBy: [instanceId_DESC]) { count sum { wallTime } dimensions { instanceId } } } } }"#;
    let got = ask(&h, q, json!({})).await;
    assert_eq!(
        got["data"]["viewer"]["accounts"][0]["workflowsAdaptiveGroups"],
        json!([
            {"count": 1, "sum": {"wallTime": HOUR}, "dimensions": {"instanceId": "c2"}},
            {"count": 1, "sum": {"wallTime": HOUR}, "dimensions": {"instanceId": "c1"}}
        ]),
        "{got}"
    );
}

async fn bad_queries_are_clear_errors(mode: Mode) {
    let h = Harness::new(mode, cart).await;
    let first_error = |v: Value| v["errors"][0]["message"].as_str().unwrap_or("").to_string();
    let q = |body: &str| {
        format!("{{ viewer {{ accounts(filter: {{accountTag: \"a\"}}) {{ {body} }} }} }}")
    };
    let cases = [
        (
            "{ viewer { accounts(filter: {}) { workflowsAdaptive(limit: 1) { datetime } } } }"
                .to_string(),
            "accountTag",
        ),
        (
            q("workflowsAdaptive(limit: 20000) { datetime }"),
            "at most 10000",
        ),
        (
            q("workflowsAdaptive(limit: 1, filter: {colour: \"red\"}) { datetime }"),
            "colour",
        ),
        (
            q("workflowsAdaptive(limit: 1, filter: {datetime_geq: \"soon\"}) { datetime }"),
            "Time",
        ),
        (
            q("workflowsAdaptive(limit: 1, orderBy: [count_DESC]) { datetime }"),
            "count_DESC",
        ),
    ];
    for (query, says) in cases {
        let e = first_error(ask(&h, &query, json!({})).await);
        assert!(e.contains(says), "{query}: {e}");
    }
    let e = first_error(ask(&h, "{ viewer { ", json!({})).await);
    assert!(!e.is_empty(), "a syntax error is reported");
    let e = first_error(ask(&h, "{ viewer { accounts(filter: {accountTag: $nope}) { workflowsAdaptive(limit: 1) { datetime } } } }", json!({})).await);
    assert!(
        e.contains("nope"),
        "an undeclared variable without a value: {e}"
    );
    assert!(endure_graphql::Request::from_json(&json!({"variables": {}})).is_err());
    assert!(endure_graphql::Request::from_json(&json!({"query": "{}", "variables": []})).is_err());
}

matrix!(
    the_first_example_groups_by_hour,
    the_second_example_counts_runs_and_steps,
    the_third_example_reads_an_instances_events,
    declared_variables_finer_buckets_and_instances,
    bad_queries_are_clear_errors,
);
