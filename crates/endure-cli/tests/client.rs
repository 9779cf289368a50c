//! `endure workflows …` against a real `endure dev` server.

mod common;

use std::process::Command;

fn endure(url: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .arg("workflows")
        .args(args)
        .args(["--url", url])
        .env_remove("ENDURE_API_TOKEN")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn the_client_drives_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let dev = common::dev(dir.path());
    let url = dev.url.clone();

    let (code, out, err) = endure(&url, &["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Showing 3 workflow(s) from page 1:"), "{out}");
    assert!(out.contains("Name") && out.contains("my-workflow"), "{out}");

    let (code, out, err) = endure(
        &url,
        &[
            "trigger",
            "steps",
            r#"{"steps": 2}"#,
            "--id",
            "c1",
            "--wait",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("🚀 Workflow instance \"c1\" has been queued successfully"),
        "{out}"
    );
    assert!(out.contains("✅ Completed"), "{out}");
    // Followed live: each step as it starts and ends, then the describe layout.
    let started = out.find("  ▶ step step-1").expect("step-1 start line");
    let ended = out.find("  ✅ step step-2").expect("step-2 end line");
    assert!(started < ended, "{out}");
    assert!(out.contains("Name       step-2 #1"), "{out}");
    assert!(out.contains("Last Successful Step  step-2"), "{out}");
    assert!(out.contains("Duration "), "{out}");
    assert!(out.contains("✅ Success"), "{out}");
    assert!(out.contains("Output     {\"i\":2}"), "{out}");
    let (code, out, _) = endure(
        &url,
        &[
            "instances",
            "describe",
            "steps",
            "c1",
            "--step-output=false",
        ],
    );
    assert_eq!(code, 0);
    assert!(!out.contains("Output "), "{out}");
    let (code, out, _) = endure(
        &url,
        &[
            "instances",
            "describe",
            "steps",
            "--truncate-output-limit",
            "3",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("{\"i[...output truncated]"), "{out}");

    let (code, out, _) = endure(
        &url,
        &["instances", "list", "steps", "--date-end", "2000-01-01"],
    );
    assert_eq!(code, 0);
    assert!(out.contains("There are no instances"), "{out}");
    let (code, out, _) = endure(
        &url,
        &[
            "instances",
            "list",
            "steps",
            "--date-start",
            "2000-01-01",
            "--reverse",
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("c1") && out.contains("✅ Completed"), "{out}");
    let (code, out, _) = endure(
        &url,
        &["instances", "describe", "steps", "latest", "--json"],
    );
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["id"], "c1");
    assert_eq!(doc["output"], serde_json::json!({"steps": 2}));

    let (code, _, err) = endure(&url, &["trigger", "approval", "--id", "a1"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) = endure(&url, &["instances", "pause", "approval", "a1"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("⏸️ The instance \"a1\" from approval was paused successfully"),
        "{out}"
    );
    let (code, out, _) = endure(
        &url,
        &[
            "instances",
            "send-event",
            "approval",
            "a1",
            "--type",
            "approval",
            "--payload",
            r#"{"approved": false}"#,
        ],
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("📤 The event with type \"approval\" and payload"),
        "{out}"
    );
    let (code, out, _) = endure(&url, &["instances", "resume", "approval", "a1"]);
    assert_eq!(code, 0, "{out}");
    // The restart below needs "act on decision" to have run: wait for the instance to finish.
    for _ in 0..1000 {
        let (_, out, _) = endure(&url, &["instances", "describe", "approval", "a1", "--json"]);
        if serde_json::from_str::<serde_json::Value>(&out).is_ok_and(|d| d["status"] == "complete")
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let (code, out, _) = endure(
        &url,
        &[
            "instances",
            "restart",
            "approval",
            "a1",
            "--from-step",
            "act on decision",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = endure(&url, &["instances", "describe", "approval", "a1"]);
    assert_eq!(code, 0);
    assert!(out.contains("Instance Id           a1"), "{out}");

    let (code, _, err) = endure(
        &url,
        &["instances", "restart", "approval", "a1", "--count", "2"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--from-step is required"), "{err}");
    let (code, _, err) = endure(&url, &["trigger", "steps", "{oops"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("Error while parsing instance parameters"),
        "{err}"
    );
    let (code, _, err) = endure(&url, &["instances", "describe", "steps", "missing"]);
    assert_eq!(code, 5);
    assert!(err.contains("not found"), "{err}");
    let (code, _, err) = endure(&url, &["trigger", "steps", "--id", "c1"]);
    assert_eq!(code, 5);
    assert!(err.contains("already exists"), "{err}");
    let (code, out, err) = endure(&url, &["instances", "delete", "steps", "c1", "ghost"]);
    assert_eq!(code, 5, "{out}{err}");
    assert!(
        out.contains("Deleted workflow instances from \"steps\": \"c1\""),
        "{out}"
    );
    assert!(
        err.contains("Failed to delete 1 workflow instance(s):") && err.contains("ghost"),
        "{err}"
    );
    let (code, out, _) = endure(&url, &["delete", "approval"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("Workflow \"approval\" removed successfully"),
        "{out}"
    );
    let (code, out, _) = endure(&url, &["instances", "list", "approval"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("There are no instances in workflow \"approval\""),
        "{out}"
    );

    let (code, _, err) = endure("http://127.0.0.1:9", &["list"]);
    assert_eq!(code, 4);
    assert!(err.contains("cannot reach the Endure server"), "{err}");
}
