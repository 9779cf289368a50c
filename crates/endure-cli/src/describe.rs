//! The text layouts of an instance: `instances describe` (modelled on wrangler's) and the live
//! progress lines of `trigger --wait`.

use endure_model::config::{Backoff, retry_delay_ms};
use endure_model::{DurationInput, Timestamp};
use serde_json::Value;

/// How `describe` shows outputs.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    /// Show step outputs and event payloads.
    pub show: bool,
    /// Cut them after this many characters.
    pub limit: usize,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            show: true,
            limit: 5000,
        }
    }
}

pub fn status_label(s: &str) -> &'static str {
    match s {
        "complete" => "✅ Completed",
        "errored" => "❌ Errored",
        "paused" => "⏸️ Paused",
        "queued" => "⌛ Queued",
        "running" => "▶ Running",
        "terminated" => "🚫 Terminated",
        "waiting" => "⏰ Waiting",
        "waitingForPause" => "⏱️ Waiting for Pause",
        _ => "❓ Unknown",
    }
}

fn trigger_label(s: &str) -> String {
    match s {
        "api" => "🌎 API".into(),
        "binding" => "🔗 Binding".into(),
        "event" => "📨 Event".into(),
        "cron" => "⌛ Cron".into(),
        other => format!("❓ {other}"),
    }
}

pub(crate) fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn time(v: &Value) -> Option<Timestamp> {
    v.as_str().and_then(Timestamp::parse_iso)
}

/// A span as people say it: "350 ms", "12 seconds", "3 minutes", "2 hours", "5 days",
/// "4 months", "2 years" (rounded to the nearest unit).
pub fn human_duration(ms: u64) -> String {
    const UNITS: [(u64, &str); 6] = [
        (365 * 86_400_000, "year"),
        (30 * 86_400_000, "month"),
        (86_400_000, "day"),
        (3_600_000, "hour"),
        (60_000, "minute"),
        (1_000, "second"),
    ];
    for (size, name) in UNITS {
        if ms >= size {
            let n = (ms + size / 2) / size;
            return format!("{n} {name}{}", if n == 1 { "" } else { "s" });
        }
    }
    format!("{ms} ms")
}

/// `start → end`, or `start → now` while it lasts.
fn span(start: &Value, end: &Value, now: Timestamp) -> Option<String> {
    let a = time(start)?;
    let b = time(end).unwrap_or(now);
    Some(human_duration(b.0.saturating_sub(a.0)))
}

fn error_text(e: &Value) -> String {
    format!("{}: {}", s(&e["name"]), s(&e["message"]))
}

fn output_text(v: &Value, opts: OutputOptions) -> String {
    let text = v.to_string();
    if text.chars().count() <= opts.limit {
        return text;
    }
    let cut: String = text.chars().take(opts.limit).collect();
    format!("{cut}[...output truncated]")
}

/// When a running step whose last attempt failed tries again: the end of that attempt plus the
/// back-off of its configuration (`None` for a dynamic configuration or no failed attempt).
pub fn retries_at(step: &Value) -> Option<Timestamp> {
    if step["success"].as_bool().is_some() {
        return None;
    }
    let attempts = step["attempts"].as_array()?;
    let last = attempts.last()?;
    if last["success"] != Value::Bool(false) {
        return None;
    }
    let retries = &step["config"]["retries"];
    let base: DurationInput = serde_json::from_value(retries["delay"].clone()).ok()?;
    let base = base.to_ms().ok()?;
    let backoff = match retries["backoff"].as_str() {
        Some("linear") => Backoff::Linear,
        Some("exponential") => Backoff::Exponential,
        _ => Backoff::Constant,
    };
    let n = u32::try_from(attempts.len()).ok()?;
    Some(Timestamp(
        time(&last["end"])?.0 + retry_delay_ms(backoff, base, n),
    ))
}

fn from_now(t: Timestamp, now: Timestamp) -> String {
    if t.0 >= now.0 {
        format!("in {}", human_duration(t.0 - now.0))
    } else {
        format!("{} ago", human_duration(now.0 - t.0))
    }
}

/// The last step that succeeded, or sleep that ended.
fn last_successful_step(doc: &Value) -> Option<String> {
    doc["steps"]
        .as_array()?
        .iter()
        .rev()
        .find(|st| match st["type"].as_str() {
            Some("step") => st["success"] == Value::Bool(true),
            Some("sleep") => st["finished"] == Value::Bool(true),
            _ => false,
        })
        .map(|st| s(&st["name"]))
}

/// The `instances describe` layout. `now` is used for running spans and "Retries At".
/// `workflows describe <name>`: the workflow, its instance counts and its schedules.
pub fn describe_workflow(w: &endure_api::WorkflowItem) -> String {
    let mut out = vec![];
    for (label, value) in [
        ("Name", &w.name),
        ("Id", &w.id),
        ("Script Name", &w.script_name),
        ("Class Name", &w.class_name),
    ] {
        out.push(format!("{label:<14}{value}"));
    }
    out.push("Instance Status Counts:".into());
    for (status, n) in &w.instances {
        out.push(format!("  {status}: {n}"));
    }
    if !w.schedules.is_empty() {
        out.push("Schedules:".into());
        for sch in &w.schedules {
            let zone = sch
                .timezone
                .as_deref()
                .map(|z| format!(" ({z})"))
                .unwrap_or_default();
            let next = sch.next_instance.as_deref().unwrap_or("never");
            out.push(format!("  {}{zone}  next: {next}", sch.cron));
        }
    }
    out.join("\n")
}

pub fn describe_instance(doc: &Value, now: Timestamp, opts: OutputOptions) -> String {
    let mut out = vec![];
    let mut field = |label: &str, value: String| out.push(format!("{label:<22}{value}"));
    field("Workflow Name", s(&doc["workflow"]));
    field("Instance Id", s(&doc["id"]));
    field("Version Id", s(&doc["versionId"]));
    field(
        "Status",
        status_label(doc["status"].as_str().unwrap_or("")).to_string(),
    );
    field("Trigger", trigger_label(&s(&doc["trigger"]["source"])));
    if let Some(at) = doc["schedule"]["scheduledTime"].as_u64() {
        field(
            "Schedule",
            format!(
                "{} at {}",
                s(&doc["schedule"]["cron"]),
                Timestamp(at).to_iso()
            ),
        );
    }
    field("Queued", s(&doc["queued"]));
    if let Some(ok) = doc["success"].as_bool() {
        field("Success", if ok { "✅ Yes" } else { "❌ No" }.into());
    }
    field("Start", s(&doc["start"]));
    field("End", s(&doc["end"]));
    if let Some(d) = span(&doc["start"], &doc["end"], now) {
        field("Duration", d);
    }
    if let Some(name) = last_successful_step(doc) {
        field("Last Successful Step", name);
    }
    if !doc["error"].is_null() {
        field("Error", error_text(&doc["error"]));
    }
    if !doc["output"].is_null() && opts.show {
        field("Output", output_text(&doc["output"], opts));
    }
    out.push("Steps:".into());
    for step in doc["steps"].as_array().into_iter().flatten() {
        out.push(String::new());
        step_block(&mut out, step, now, opts);
    }
    out.join("\n")
}

fn step_block(out: &mut Vec<String>, step: &Value, now: Timestamp, opts: OutputOptions) {
    let mut line = |label: &str, value: String| out.push(format!("  {label:<11}{value}"));
    let kind = step["type"].as_str().unwrap_or("");
    if kind == "termination" {
        line("Type", "🚫 Termination".into());
        line("Trigger", s(&step["trigger"]["source"]));
        return;
    }
    line(
        "Name",
        format!("{} #{}", s(&step["name"]), s(&step["count"])),
    );
    let type_label = match kind {
        "step" => "🎯 Step".to_string(),
        "sleep" => "💤 Sleeping".to_string(),
        "waitForEvent" => format!("👀 Waiting for event \"{}\"", s(&step["event_type"])),
        other => other.to_string(),
    };
    line("Type", type_label);
    line("Start", s(&step["start"]));
    // A sleep's end is its wake-up time; a wait's end its time-out until the event comes.
    line("End", s(&step["end"]));
    let finished = match kind {
        "step" => step["success"].as_bool().is_some(),
        _ => step["finished"] == Value::Bool(true),
    };
    let end = if finished {
        step["end"].clone()
    } else {
        Value::Null
    };
    if let Some(d) = span(&step["start"], &end, now) {
        line("Duration", d);
    }
    if kind == "step" {
        let state = match step["success"].as_bool() {
            Some(true) => "✅ Yes",
            Some(false) => "❌ No",
            None => "▶ Running",
        };
        line("Success", state.into());
        let retries = &step["config"]["retries"];
        line(
            "Retries",
            format!(
                "limit {}, delay {}, {}",
                s(&retries["limit"]),
                s(&retries["delay"]),
                s(&retries["backoff"])
            ),
        );
        if let Some(at) = retries_at(step) {
            line(
                "Retries At",
                format!("{} ({})", at.to_iso(), from_now(at, now)),
            );
        }
    }
    if !step["error"].is_null() {
        line("Error", error_text(&step["error"]));
    }
    if opts.show && !step["output"].is_null() && kind != "sleep" {
        let label = if kind == "waitForEvent" {
            "Event"
        } else {
            "Output"
        };
        line(label, output_text(&step["output"], opts));
    }
    if kind == "step" {
        let rows = step["attempts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| {
                let st = match a["success"].as_bool() {
                    Some(true) => "✅ Success",
                    Some(false) => "❌ Error",
                    None => "🔄 Working",
                };
                let err = if a["error"].is_null() {
                    String::new()
                } else {
                    error_text(&a["error"])
                };
                let end = if a["success"].as_bool().is_some() {
                    a["end"].clone()
                } else {
                    Value::Null
                };
                vec![
                    s(&a["start"]),
                    s(&a["end"]),
                    span(&a["start"], &end, now).unwrap_or_default(),
                    st.to_string(),
                    err,
                ]
            })
            .collect();
        for l in
            crate::commands::client::table(&["Start", "End", "Duration", "State", "Error"], rows)
                .lines()
        {
            out.push(format!("  {l}"));
        }
    }
}

/// What `trigger --wait` has printed of an instance so far.
#[derive(Default)]
pub struct Progress {
    status: String,
    /// Per entry of `steps`: (attempts reported, finished reported).
    seen: Vec<(usize, bool)>,
}

impl Progress {
    /// Lines for what changed since the last call.
    pub fn update(&mut self, doc: &Value, now: Timestamp) -> Vec<String> {
        let mut lines = vec![];
        let steps = doc["steps"].as_array().cloned().unwrap_or_default();
        for (i, st) in steps.iter().enumerate() {
            if self.seen.len() <= i {
                self.seen.push((0, false));
                lines.push(started_line(st));
            }
            let (attempts_seen, done_seen) = self.seen[i];
            let attempts = st["attempts"].as_array().cloned().unwrap_or_default();
            for (k, a) in attempts.iter().enumerate().skip(attempts_seen) {
                if a["success"] == Value::Bool(false) {
                    let mut l =
                        format!("    attempt {} failed: {}", k + 1, error_text(&a["error"]));
                    if k + 1 == attempts.len()
                        && let Some(at) = retries_at(st)
                    {
                        l.push_str(&format!(" (retries {})", from_now(at, now)));
                    }
                    lines.push(l);
                    self.seen[i].0 = k + 1;
                } else if a["success"] == Value::Bool(true) {
                    self.seen[i].0 = k + 1;
                }
            }
            if !done_seen && let Some(l) = finished_line(st) {
                lines.push(l);
                self.seen[i].1 = true;
            }
        }
        let status = s(&doc["status"]);
        if status != self.status {
            lines.push(format!("  {}", status_label(&status)));
            self.status = status;
        }
        lines
    }
}

fn started_line(st: &Value) -> String {
    let name = s(&st["name"]);
    match st["type"].as_str() {
        Some("step") => format!("  ▶ step {name}"),
        Some("sleep") => format!("  💤 sleep {name} until {}", s(&st["end"])),
        Some("waitForEvent") => format!(
            "  👀 {name} waits for event \"{}\" until {}",
            s(&st["event_type"]),
            s(&st["end"])
        ),
        Some("termination") => "  🚫 terminated".into(),
        Some(other) => format!("  {other} {name}"),
        None => format!("  {name}"),
    }
}

fn finished_line(st: &Value) -> Option<String> {
    let name = s(&st["name"]);
    match st["type"].as_str() {
        Some("step") => match st["success"].as_bool()? {
            true => {
                let n = st["attempts"].as_array().map_or(0, Vec::len);
                let tries = if n > 1 {
                    format!(" after {n} attempts")
                } else {
                    String::new()
                };
                Some(format!("  ✅ step {name}{tries}"))
            }
            false => Some(format!("  ❌ step {name}: {}", error_text(&st["error"]))),
        },
        Some("sleep") | Some("waitForEvent") if st["finished"] == Value::Bool(true) => {
            if st["error"].is_null() {
                Some(format!("  ✅ {name} done"))
            } else {
                Some(format!("  ❌ {name}: {}", error_text(&st["error"])))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_workflow_shows_its_schedules_and_their_next_firing() {
        let w: endure_api::WorkflowItem = serde_json::from_value(json!({
            "id": "backup", "name": "backup", "class_name": "Backup", "script_name": "s",
            "created_on": "", "modified_on": "", "triggered_on": null,
            "instances": {"complete": 3},
            "schedules": [
                {"cron": "0 * * * *", "next_instance": "2026-12-02T11:00:00.000Z"},
                {"cron": "0 9 * * *", "next_instance": "2026-12-03T08:00:00.000Z", "timezone": "Europe/Berlin"}
            ]
        }))
        .unwrap();
        let text = describe_workflow(&w);
        assert!(text.contains("  complete: 3"), "{text}");
        assert!(
            text.contains("Schedules:\n  0 * * * *  next: 2026-12-02T11:00:00.000Z\n  0 9 * * * (Europe/Berlin)  next: 2026-12-03T08:00:00.000Z"),
            "{text}"
        );
    }

    #[test]
    fn durations_read_like_speech() {
        assert_eq!(human_duration(350), "350 ms");
        assert_eq!(human_duration(1_000), "1 second");
        assert_eq!(human_duration(12_400), "12 seconds");
        assert_eq!(human_duration(90_000), "2 minutes");
        assert_eq!(human_duration(7_200_000), "2 hours");
        assert_eq!(human_duration(4 * 365 * 86_400_000), "4 years");
    }

    fn failing_step(backoff: &str) -> Value {
        json!({
            "type": "step", "name": "charge", "count": 1,
            "start": "2026-01-01T00:00:00.000Z", "end": null, "success": null,
            "config": {"retries": {"limit": 5, "delay": "10 seconds", "backoff": backoff}, "timeout": 1000},
            "attempts": [
                {"start": "2026-01-01T00:00:00.000Z", "end": "2026-01-01T00:00:01.000Z", "success": false, "error": {"name": "Error", "message": "a"}},
                {"start": "2026-01-01T00:00:11.000Z", "end": "2026-01-01T00:00:12.000Z", "success": false, "error": {"name": "Error", "message": "b"}}
            ],
            "output": null, "error": null
        })
    }

    #[test]
    fn retries_at_follows_the_backoff() {
        let at = |b| retries_at(&failing_step(b)).unwrap().to_iso();
        // Two failed attempts: the next waits base·2 (exponential), base·2 (linear), base.
        assert_eq!(at("exponential"), "2026-01-01T00:00:32.000Z");
        assert_eq!(at("linear"), "2026-01-01T00:00:32.000Z");
        assert_eq!(at("constant"), "2026-01-01T00:00:22.000Z");
        let mut done = failing_step("constant");
        done["success"] = json!(true);
        assert_eq!(retries_at(&done), None);
    }

    #[test]
    fn describe_shows_durations_retries_and_truncates() {
        let now = Timestamp::parse_iso("2026-01-01T00:00:20.000Z").unwrap();
        let mut step = failing_step("constant");
        step["output"] = json!("x".repeat(50));
        let doc = json!({
            "workflow": "w", "id": "i", "versionId": "1", "status": "running",
            "trigger": {"source": "binding"}, "queued": "2026-01-01T00:00:00.000Z",
            "success": null, "start": "2026-01-01T00:00:00.000Z", "end": null,
            "error": null, "output": null,
            "steps": [
                {"type": "sleep", "name": "nap", "count": 1, "start": "2026-01-01T00:00:00.000Z",
                 "end": "2026-01-01T00:00:00.500Z", "finished": true, "error": null},
                step
            ]
        });
        let text = describe_instance(
            &doc,
            now,
            OutputOptions {
                show: true,
                limit: 10,
            },
        );
        assert!(text.contains("Trigger               🔗 Binding"), "{text}");
        assert!(text.contains("Duration              20 seconds"), "{text}");
        assert!(text.contains("Last Successful Step  nap"), "{text}");
        assert!(
            text.contains("Retries At 2026-01-01T00:00:22.000Z (in 2 seconds)"),
            "{text}"
        );
        assert!(text.contains("\"xxxxxxxxx[...output truncated]"), "{text}");
        let hidden = describe_instance(
            &doc,
            now,
            OutputOptions {
                show: false,
                limit: 10,
            },
        );
        assert!(!hidden.contains("xxxx"), "{hidden}");
    }

    #[test]
    fn progress_reports_each_change_once() {
        let now = Timestamp::parse_iso("2026-01-01T00:00:12.000Z").unwrap();
        let mut p = Progress::default();
        let mut doc = json!({"status": "running", "steps": [failing_step("constant")]});
        let first = p.update(&doc, now);
        assert_eq!(first[0], "  ▶ step charge");
        assert!(first[1].contains("attempt 1 failed: Error: a"), "{first:?}");
        assert!(
            first[2].contains("attempt 2 failed: Error: b (retries in 10 seconds)"),
            "{first:?}"
        );
        assert_eq!(first[3], "  ▶ Running");
        assert!(p.update(&doc, now).is_empty());
        doc["status"] = json!("complete");
        doc["steps"][0]["success"] = json!(true);
        doc["steps"][0]["attempts"]
            .as_array_mut()
            .unwrap()
            .push(json!({"success": true}));
        let last = p.update(&doc, now);
        assert_eq!(
            last,
            ["  ✅ step charge after 3 attempts", "  ✅ Completed"]
        );
    }
}
