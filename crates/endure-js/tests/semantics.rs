//! The rules of semantics.md through JavaScript: the same outcomes as the Rust suite
//! (crates/endure/tests), from TypeScript workflows in tests/projects/semantics.

mod common;

use common::Js;
use endure_js::Limits;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

async fn js() -> Js {
    Js::fixture("semantics", vec![]).await
}

async fn run(js: &Js, workflow: &str, params: Value) -> Value {
    js.create(workflow, "i", params).await;
    js.finish(workflow, "i", 1_000).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_results_are_not_recomputed() {
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let stub = common::stub(move |_, _, _| {
        let n = c.fetch_add(1, Ordering::SeqCst) + 1;
        (200, format!("{{\"n\": {n}}}"))
    })
    .await;
    let js = js().await;
    let doc = run(&js, "replay", json!({"stub": stub})).await;
    assert_eq!(doc["output"], json!({"a": 1, "b": 2}), "{doc:#}");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the step ran once across two runs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_follow_the_policy_and_the_last_error_reaches_run() {
    let js = js().await;
    let doc = run(&js, "retries", json!({})).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    assert_eq!(
        doc["output"],
        json!({"name": "TypeError", "message": "attempt 3 of flaky#1"})
    );
    let attempts = doc["steps"][0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "limit 2 = three attempts");
    // Linear back-off: 1 s, then 2 s.
    let start = |i: usize| {
        endure_model::Timestamp::parse_iso(attempts[i]["start"].as_str().unwrap())
            .unwrap()
            .0
    };
    assert!(start(1) - start(0) >= 1_000, "{doc:#}");
    assert!(start(2) - start(1) >= 2_000, "{doc:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_retryable_errors() {
    let js = js().await;
    let doc = run(&js, "non-retryable", json!({})).await;
    assert_eq!(
        doc["output"],
        json!({"name": "NonRetryableError", "message": "card declined", "isNonRetryable": true}),
        "{doc:#}"
    );
    assert_eq!(doc["steps"][0]["attempts"].as_array().unwrap().len(), 1);
    // Uncaught, it ends the instance with its own name and message (DECISIONS.md).
    let doc = run(&js, "non-retryable-uncaught", json!({})).await;
    assert_eq!(doc["status"], "errored");
    assert_eq!(
        doc["error"],
        json!({"name": "NonRetryableError", "message": "card declined"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thrown_error_keeps_its_name_and_ends_the_instance() {
    let js = js().await;
    let doc = run(&js, "thrown", json!({})).await;
    assert_eq!(doc["status"], "errored");
    assert_eq!(
        doc["error"],
        json!({"name": "PaymentError", "message": "insufficient funds"})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_step_limit_counts_step_do_only() {
    let js = js().await;
    let doc = run(&js, "limit", json!({})).await;
    assert_eq!(
        doc["output"],
        json!({
            "name": "WorkflowFatalError",
            "message": "The limit of 2 steps has been reached. This limit can be changed in your worker configuration."
        }),
        "{doc:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_names_configs_and_durations() {
    let js = js().await;
    let doc = run(&js, "invalid", json!({})).await;
    let out = &doc["output"];
    let fatal = |label: &str, contains: &str| {
        assert_eq!(out[label]["name"], "WorkflowFatalError", "{label}: {out:#}");
        let m = out[label]["message"].as_str().unwrap();
        assert!(m.contains(contains), "{label}: {m}");
    };
    fatal(
        "name",
        "exceeds max length (256 chars) or invalid characters found",
    );
    fatal(
        "missingDelay",
        "Step config for \"a\" is in a invalid format",
    );
    fatal("unknownKey", "Step config for \"b\" is in a invalid format");
    fatal("noCallback", "Step \"c\" requires a callback function");
    fatal("duration", "Invalid sleep duration for \"d\"");
    fatal("tooLong", "\"e\"");
    for (label, step) in [
        ("nanLimit", "f"),
        ("minusInfinity", "g"),
        ("infiniteDelay", "h"),
        ("infiniteTimeout", "i"),
        ("bigint", "j"),
    ] {
        fatal(
            label,
            &format!("Step config for \"{step}\" is in a invalid format"),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_limit_infinity_is_unlimited() {
    let js = js().await;
    let doc = run(&js, "unlimited", json!({})).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    assert_eq!(
        doc["output"],
        json!({"attempts": 9, "limitIsInfinity": true}),
        "{doc:#}"
    );
    assert_eq!(doc["steps"][0]["attempts"].as_array().unwrap().len(), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_from_a_step_through_the_binding() {
    let js = js().await;
    let waiting = |d: &Value| d["status"] == "waiting";
    js.create("restartable", "rf", json!({})).await;
    let before = js.until("restartable", "rf", waiting).await;
    let output = |d: &Value, i: usize| d["steps"][i]["output"].clone();
    let restart = |id: &'static str, from: Value| {
        let js = &js;
        async move {
            js.create("restart-from", id, json!({"target": "rf", "from": from}))
                .await;
            js.finish("restart-from", id, 1_000).await["output"].clone()
        }
    };
    // A step that is not in the history is refused, as PATCH …/status refuses it; nothing moves.
    assert_eq!(
        restart("x1", json!({"name": "nope"})).await,
        json!({"name": "Error", "message": "(instance.cannot_restart) Step \"nope\" not found in execution history"})
    );
    assert_eq!(
        restart("x2", json!({"name": "b", "type": "nap"})).await["message"],
        "(input.invalid) Invalid step type \"nap\"; expected do, sleep or waitForEvent"
    );
    assert_eq!(
        restart("x3", json!({"name": "b", "count": 2})).await["message"],
        "(instance.cannot_restart) Step \"b\" not found in execution history"
    );
    let same = js.doc("restartable", "rf").await;
    assert_eq!(
        same["steps"], before["steps"],
        "a refused restart changed nothing"
    );
    // From `b`: `a` keeps its result, `b` runs again.
    assert_eq!(restart("x4", json!({"name": "b"})).await, "restarted");
    let after = js
        .until("restartable", "rf", |d| {
            waiting(d) && d["steps"].as_array().is_some_and(|s| s.len() == 3)
        })
        .await;
    assert_eq!(output(&after, 0), output(&before, 0), "{after:#}");
    assert_ne!(output(&after, 1), output(&before, 1), "{after:#}");
    // From the sleep (`type: "sleep"`): both steps keep their results.
    assert_eq!(
        restart("x5", json!({"name": "wait", "type": "sleep"})).await,
        "restarted"
    );
    let again = js
        .until("restartable", "rf", |d| {
            waiting(d) && d["steps"].as_array().is_some_and(|s| s.len() == 3)
        })
        .await;
    assert_eq!(output(&again, 0), output(&after, 0));
    assert_eq!(output(&again, 1), output(&after, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attempt_timeouts() {
    let js = js().await;
    js.create("timeout", "i", json!({})).await;
    // The attempt hangs; the engine's clock passes its 100 ms time-out. (Advanced until it has:
    // the time-out is armed a moment after the attempt is recorded.)
    for _ in 0..1_000 {
        let d = js.doc("timeout", "i").await;
        if d["status"] == "complete" {
            break;
        }
        if d["steps"][0]["attempts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            js.clock.advance(200);
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let doc = js.finish("timeout", "i", 1_000).await;
    assert_eq!(
        doc["output"],
        json!({"name": "WorkflowTimeoutError", "message": "Execution timed out after 100ms"}),
        "{doc:#}"
    );
}

/// State in `run()` across short retries: the run stays live (one isolate), so a variable
/// counts every retry, as on Cloudflare.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_retries_keep_the_run_and_its_variables() {
    let js = js().await;
    let doc = run(&js, "counts-retries", json!({})).await;
    assert_eq!(doc["output"], "The step was retried 3 times", "{doc:#}");
    assert_eq!(doc["steps"][0]["attempts"].as_array().unwrap().len(), 4);
}

/// `timeout: 300`, `retries: {limit: 1, delay: 50}`: the retry starts 50 ms after the time-out
/// ended the first attempt, so at least 350 ms after the first attempt started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_delay_counts_from_the_time_out() {
    let js = js().await;
    js.create("timeout-retry", "i", json!({})).await;
    let mut doc = Value::Null;
    for _ in 0..20_000 {
        doc = js.doc("timeout-retry", "i").await;
        if doc["status"] == "complete" {
            break;
        }
        if doc["steps"][0]["attempts"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
        {
            js.clock.advance(5);
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(
        doc["output"],
        json!({"name": "WorkflowTimeoutError", "message": "Execution timed out after 300ms"}),
        "{doc:#}"
    );
    let attempts = doc["steps"][0]["attempts"].as_array().unwrap();
    let at = |i: usize, k: &str| {
        endure_model::Timestamp::parse_iso(attempts[i][k].as_str().unwrap())
            .unwrap()
            .0
    };
    assert_eq!(attempts.len(), 2, "{doc:#}");
    assert!(at(0, "end") - at(0, "start") >= 300, "{doc:#}");
    assert!(at(1, "start") - at(0, "end") >= 50, "{doc:#}");
    assert!(at(1, "start") - at(0, "start") >= 350, "{doc:#}");
    assert_eq!(attempts[0]["retryDelayMs"], 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_steps_get_identities_in_call_order() {
    let js = js().await;
    js.create("parallel", "i", json!({})).await;
    // `run` returns right after the race: the pending one-hour sleep must not make the engine
    // drop the run while JavaScript is still finishing it (the clock never moves here).
    let doc = js
        .until("parallel", "i", |d| d["status"] == "complete")
        .await;
    assert_eq!(
        doc["output"],
        json!({"all": ["x1", "x2", "y1"], "race": "fast"}),
        "{doc:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_survive_as_structured_clone_keeps_them() {
    let js = js().await;
    let doc = run(&js, "values", json!({})).await;
    let expected: serde_json::Map<String, Value> = [
        "date", "map", "set", "bytes", "missing", "big", "nan", "point", "nested",
    ]
    .iter()
    .map(|k| (k.to_string(), Value::Bool(true)))
    .collect();
    assert_eq!(doc["output"], Value::Object(expected), "{doc:#}");
    // The status document shows the recorded value JSON round-tripped.
    let shown = &doc["steps"][0]["output"];
    assert_eq!(shown["date"], "1970-01-01T00:00:00.005Z");
    assert!(shown.get("missing").is_none(), "{shown}");
    assert_eq!(shown["nested"], json!([null, null, 0]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_that_cannot_be_serialised_fails_the_instance() {
    let js = js().await;
    let doc = run(&js, "not-serialisable", json!({})).await;
    assert_eq!(doc["status"], "errored", "{doc:#}");
    assert_eq!(doc["error"]["name"], "WorkflowFatalError");
    assert_eq!(
        doc["error"]["message"],
        "Value returned from step \"returns a function\" is not serialisable"
    );
    assert_eq!(doc["steps"][0]["attempts"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_delivered_and_waits_time_out() {
    let js = js().await;
    let h = js
        .create("events", "e1", json!({"timeout": "1 hour"}))
        .await;
    js.until("events", "e1", |d| d["status"] == "waiting").await;
    h.send_event("approve", json!({"ok": true})).await.unwrap();
    let doc = js.finish("events", "e1", 1_000).await;
    assert_eq!(
        doc["output"],
        json!({"payload": {"ok": true}, "type": "approve", "timestampIsDate": true}),
        "{doc:#}"
    );
    js.create("events", "e2", json!({"timeout": "1 minute"}))
        .await;
    let doc = js.finish("events", "e2", 30_000).await;
    assert_eq!(doc["output"]["name"], "WorkflowTimeoutError", "{doc:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sleep_until_a_date_or_epoch_milliseconds() {
    let js = js().await;
    let at = common::T0.0 + 3_600_000;
    let doc = run(&js, "sleep-until", json!({"at": at})).await;
    let steps = doc["steps"].as_array().unwrap();
    // Each sleep ends when its time comes. The harness moves the clock in 1 s steps whenever
    // the instance reads as waiting, which can be once more between the wake-up coming due and
    // the engine taking it: an end up to one step late is the harness, not the engine.
    let ended = |i: usize| {
        let t = steps[i]["end"].as_str().unwrap_or_default();
        iso_ms(t)
    };
    for (i, due) in [(0, at), (1, at + 60_000)] {
        let end = ended(i);
        assert!(
            (due..=due + 1_000).contains(&end),
            "step {i} ended at {end}, due {due}: {doc:#}"
        );
    }
    assert_eq!(
        doc["output"],
        json!({"name": "Error", "message": "You can't sleep until a time in the past, time-traveler"}),
        "{doc:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binding_drives_other_instances() {
    let js = js().await;
    let doc = run(&js, "controller", json!({})).await;
    let out = &doc["output"];
    assert_eq!(
        out["seen"],
        json!(["waiting", "paused", "s-i", "terminated"]),
        "{doc:#}"
    );
    assert_eq!(
        out["dup"],
        "(instance.already_exists) Instance already exists"
    );
    // Exactly the bare code, as the reference's `get` rejects (the workers-sdk fixture checks
    // `message === "instance.not_found"`).
    assert_eq!(out["missing"], "instance.not_found", "{out}");
    assert_eq!(out["batch"], json!(["b1-i", "b2-i"]));
    let sleeper = js.doc("sleeper", "s-i").await;
    assert_eq!(sleeper["params"], json!({"from": "controller"}));
    assert_eq!(sleeper["trigger"]["source"], "binding");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_vars_bindings_context_and_json_imports() {
    let js = js().await;
    let doc = run(&js, "env", json!({})).await;
    assert_eq!(
        doc["output"],
        json!({"greeting": "hello", "hasBinding": true, "waitUntil": true, "config": {"fromJson": true}}),
        "{doc:#}"
    );
}

fn tight() -> Limits {
    Limits {
        cpu: Duration::from_millis(300),
        memory_bytes: 64 * 1024 * 1024,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_fails_its_attempt_and_the_engine_carries_on() {
    let js = Js::fixture_with("semantics", vec![], tight()).await;
    js.create("cpu", "step", json!({"where": "step"})).await;
    // Meanwhile other instances run.
    js.create("env", "p", json!({})).await;
    let p = js.until("env", "p", |d| d["status"] == "complete").await;
    assert_eq!(p["output"]["greeting"], "hello");
    let doc = js.finish("cpu", "step", 1_000).await;
    assert_eq!(doc["output"]["name"], "Error", "{doc:#}");
    assert!(
        doc["output"]["message"]
            .as_str()
            .unwrap()
            .contains("exceeded CPU time limit"),
        "{doc:#}"
    );
    assert_eq!(doc["steps"][0]["attempts"].as_array().unwrap().len(), 2);
    // Outside a step, the loop fails the instance.
    js.create("cpu", "run", json!({"where": "run"})).await;
    let doc = js.finish("cpu", "run", 1_000).await;
    assert_eq!(doc["status"], "errored", "{doc:#}");
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains("CPU time limit")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runaway_allocation_fails_its_attempt() {
    let js = Js::fixture_with("semantics", vec![], tight()).await;
    let doc = run(&js, "memory", json!({})).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    // The attempt fails (it is never left hanging, and the instance goes on to catch it). What
    // stops the loop is the heap limit, or under load the tight CPU limit first; and when the
    // heap is so full that QuickJS cannot even make its "out of memory" error, the value
    // thrown is `null` (a QuickJS limit, noted in the README's limits).
    let m = doc["output"]["message"].as_str().unwrap_or("");
    assert!(
        m.contains("out of memory")
            || m.contains("memory limit")
            || m.contains("CPU time limit")
            || m == "null",
        "{doc:#}"
    );
    assert_eq!(doc["steps"][0]["success"], json!(false), "{doc:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runtime_apis() {
    let js = js().await;
    let doc = run(&js, "runtime", json!({})).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    assert_eq!(
        doc["output"],
        json!({
            "href": "https://example.com:8443/a/c?x=1&y=two+words&z=3#frag",
            "host": "example.com:8443",
            "path": "/a/c",
            "y": "two words",
            "hash": "#frag",
            "uuid": true,
            "hex": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            "randomLength": 8,
            "status": 201,
            "body": {"ok": 1},
            "contentType": "application/json",
            "header": "1, 2",
            "aborted": true,
            "b64": "aGVsbG8=",
            "unb64": "hello",
            "decoded": "héllo €",
            "timer": "fired",
            "micro": "ran",
            "clone": true,
            "chunk": "st"
        }),
        "{doc:#}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r2_d1_and_email_bindings() {
    let js = js().await;
    let doc = run(&js, "resources", json!({})).await;
    assert_eq!(doc["status"], "complete", "{doc:#}");
    assert_eq!(
        doc["output"],
        json!({
            "putSize": 7, "uploadedIsDate": true,
            "text": "{\"n\":1}", "contentType": "application/json", "by": "test",
            "listed": ["reports/1.json", "reports/2.bin"], "missing": null, "afterDelete": 1,
            "lastRowId": 1, "first": "ada",
            "all": [{"name": "ada", "flag": 1}, {"name": "bob", "flag": 0}, {"name": "cy", "flag": 1}],
            "raw": [["n"], [3]],
            "d1Error": doc["output"]["d1Error"],
            "refused": "destination address eve@example.com is not allowed by this binding"
        }),
        "{doc:#}"
    );
    assert!(
        doc["output"]["d1Error"]
            .as_str()
            .unwrap()
            .starts_with("D1_ERROR: no such column: nope"),
        "{doc:#}"
    );
    let mail: Vec<_> = std::fs::read_dir(js.dir.path().join("state/email"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("X-Endure-To: ada@example.com") && mail[0].ends_with("hello"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_result_is_kept_as_its_bytes() {
    let js = js().await;
    let doc = run(&js, "streams", json!({})).await;
    assert_eq!(
        doc["output"],
        json!({"isStream": true, "text": "streamed bytes", "again": "unused"}),
        "{doc:#}"
    );
    assert_eq!(doc["steps"][0]["output"], "[ReadableStream(14 bytes)]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_outputs_are_redacted_in_the_status_only() {
    let js = js().await;
    let doc = run(&js, "sensitive", json!({})).await;
    assert_eq!(doc["output"], 6, "{doc:#}");
    assert_eq!(doc["steps"][0]["output"], "[REDACTED]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_through_the_binding() {
    let js = js().await;
    let doc = run(&js, "restarter", json!({})).await;
    assert_eq!(
        doc["output"],
        json!({"before": "terminated", "after": "waiting"}),
        "{doc:#}"
    );
    let sleeper = js.doc("sleeper", "r-sleeper").await;
    assert_eq!(sleeper["params"], json!({"n": 1}));
    assert_eq!(sleeper["steps"].as_array().unwrap().len(), 1, "{sleeper:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_until_work_outlives_the_response() {
    let js = js().await;
    let (status, body) = js.fetch("GET", "/later", None).await;
    assert_eq!((status, body.as_str()), (202, "accepted"));
    let b = js.engine.workflow("sleeper").unwrap();
    for _ in 0..2_000 {
        if b.get("later").await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the instance created in waitUntil never appeared");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delay_functions() {
    let js = js().await;
    js.create("dynamic-delay", "ok", json!({"mode": "ok"}))
        .await;
    let doc = js.finish("dynamic-delay", "ok", 500).await;
    assert_eq!(
        doc["output"],
        json!({"name": "Error", "message": "fail 3"}),
        "{doc:#}"
    );
    let step = &doc["steps"][0];
    assert_eq!(step["config"]["retries"]["delay"], "[dynamic]");
    let delays: Vec<&Value> = step["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["retryDelayMs"])
        .collect();
    assert_eq!(
        delays,
        [&json!(1000), &json!(2000), &Value::Null],
        "{doc:#}"
    );
    for (mode, reason) in [
        ("throw", "threw an error: no delay for you"),
        (
            "bad",
            "returned an invalid delay value (expected a number of ms or a duration string like \"30 seconds\")",
        ),
    ] {
        js.create("dynamic-delay", mode, json!({"mode": mode}))
            .await;
        let doc = js.finish("dynamic-delay", mode, 500).await;
        assert_eq!(
            doc["output"],
            json!({"name": "NonRetryableDelayError", "message": format!("The delay function for step \"flaky-1\" {reason}")}),
            "{doc:#}"
        );
        assert_eq!(doc["steps"][0]["attempts"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unserved_bindings_are_present_and_throw_when_used() {
    let js = js().await;
    let doc = run(&js, "unserved", json!({})).await;
    let out = &doc["output"];
    assert_eq!(out["present"], true, "{doc:#}");
    for (label, binding, kind) in [
        ("ai", "AI", "Workers AI"),
        ("vectors", "VECTORS", "Vectorize"),
        ("counter", "COUNTER", "Durable Object namespace"),
        ("other", "OTHER", "service"),
    ] {
        assert_eq!(
            out[label]["name"], "UnsupportedBindingError",
            "{label}: {out:#}"
        );
        let m = out[label]["message"].as_str().unwrap();
        assert!(
            m.starts_with(&format!("env.{binding} is a {kind} binding: ")),
            "{label}: {m}"
        );
    }
    assert!(
        out["ai"]["message"]
            .as_str()
            .unwrap()
            .contains("only Cloudflare's network serves it")
    );
    assert_eq!(
        out["printable"],
        "[Workers AI binding AI: not served by Endure]"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_namespaces() {
    let js = js().await;
    let doc = run(&js, "kv-write", json!({})).await;
    let out = &doc["output"];
    assert_eq!(out["json"], json!({"name": "ada"}), "{doc:#}");
    assert_eq!(out["text"], "short-lived");
    assert_eq!(out["missing"], Value::Null);
    assert_eq!(out["bytes"], json!([1, 2, 3]));
    assert_eq!(
        out["withMeta"],
        json!({"value": {"name": "ada"}, "metadata": {"role": "admin"}, "cacheStatus": null})
    );
    assert_eq!(out["pages"], json!([["user:1"], false, ["user:2"], true]));
    assert_eq!(
        out["many"],
        json!([["user:1", "{\"name\":\"ada\"}"], ["nope", null]])
    );
    let errors = out["errors"].as_array().unwrap();
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .contains("Expiration TTL must be at least 60"),
        "{out}"
    );
    assert!(errors[1].as_str().unwrap().contains("empty"), "{out}");
    assert!(
        errors[2].as_str().unwrap().contains("accepts only strings"),
        "{out}"
    );
    // A minute later (on the engine's clock) the session has expired; the rest stays.
    js.clock.advance(60_000);
    let doc = run(&js, "kv-read", json!({})).await;
    assert_eq!(
        doc["output"],
        json!({"session": null, "keys": ["user:1"]}),
        "{doc:#}"
    );
}

/// `status()` through the binding carries wrangler's local `__LOCAL_DEV_STEP_OUTPUTS` (step
/// results and event payloads in log order), which projects' own tests read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_status_lists_step_outputs_as_wrangler_does() {
    let js = js().await;
    js.create("with-event", "w", json!({})).await;
    js.until("with-event", "w", |d| d["status"] == "waiting")
        .await;
    js.handle("with-event", "w")
        .await
        .send_event("event-1", json!({"event": true}))
        .await
        .unwrap();
    js.until("with-event", "w", |d| d["status"] == "complete")
        .await;
    let doc = run(&js, "status-reader", json!({"id": "w"})).await;
    assert_eq!(
        doc["output"],
        json!({
            "status": "complete",
            "__LOCAL_DEV_STEP_OUTPUTS": [
                {"output": "First step result"}, {"event": true}, {"output": "Second step result"}
            ],
            "output": {}
        }),
        "{doc:#}"
    );
}

/// Service bindings to this project's own entrypoints: RPC (structured-clone values, errors
/// with their names) and fetch, to a named entrypoint and to the default export.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_bindings_to_own_entrypoints() {
    let js = js().await;
    let doc = run(&js, "service-caller", json!({})).await;
    assert_eq!(
        doc["output"],
        json!({
            "sum": 5,
            "greeting": ["ada", true, true],
            "failed": {"name": "TypeError", "message": "nope"},
            "missing": {"name": "TypeError", "message": "The RPC receiver does not implement the method \"nothing\"."},
            "viaFetch": "api /hello",
            "defaultFetch": "semantics"
        }),
        "{doc:#}"
    );
}

/// Milliseconds since the epoch of a status document's timestamp (as `Timestamp::to_iso` writes
/// it).
fn iso_ms(iso: &str) -> u64 {
    endure_model::Timestamp::parse_iso(iso).map_or(0, |t| t.0)
}
