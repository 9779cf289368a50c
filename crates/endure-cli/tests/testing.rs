//! `endure test`: Worker projects' Vitest files run by the real binary. The moderation project's
//! tests follow Cloudflare's published workflow testing examples and the skill guide's example;
//! the vitest-api project exercises the Vitest API; the vitest-failing project's tests fail,
//! each for a stated reason, and the report must say which; a broken copy of the moderation
//! workflow must make its tests fail.

use std::path::{Path, PathBuf};
use std::process::Command;

fn project(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/projects")
        .join(name)
}

/// Runs `endure test ARGS` (not under CI, whatever the environment says): (exit code,
/// standard output, standard error).
fn endure_test(args: &[&str]) -> (i32, String, String) {
    endure_test_env(args, &[])
}

fn endure_test_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .arg("test")
        .args(args)
        .env_remove("CI")
        .envs(env.iter().copied())
        .output()
        .expect("run endure test");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn cloudflares_workflow_test_examples_and_the_skill_guides_pass() {
    let dir = project("moderation");
    let (code, out, err) = endure_test(&[path(&dir)]);
    assert_eq!(code, 0, "{out}\n{err}");
    for file in [
        "test/integration-self.test.ts (2 tests)",
        "test/integration.test.ts (5 tests)",
        "test/skill-guide.test.ts (1 test)",
        "test/unit.test.ts (5 tests)",
    ] {
        assert!(out.contains(&format!(" ✓ {file}")), "{file} in\n{out}");
    }
    assert!(out.contains("Test Files  4 passed (4)"), "{out}");
    assert!(out.contains("Tests  13 passed (13)"), "{out}");
}

#[test]
fn the_vitest_api_behaves_as_vitest() {
    let dir = project("vitest-api");
    let (code, out, err) = endure_test(&[path(&dir)]);
    assert_eq!(code, 0, "{out}\n{err}");
    // `.only` left two tests of its file unrun; skip, skipIf, ctx.skip() and a todo.
    assert!(
        out.contains(" ✓ test/only.test.js (3 tests | 2 skipped)"),
        "{out}"
    );
    assert!(
        out.contains(" ✓ test/suites.test.ts (16 tests | 3 skipped | 1 todo)"),
        "{out}"
    );
    assert!(out.contains(" ✓ test/snapshots.test.js (5 tests)"), "{out}");
    assert!(
        out.contains("Tests  55 passed | 5 skipped | 1 todo (61)"),
        "{out}"
    );
}

#[test]
fn failing_tests_fail_for_their_reasons() {
    let dir = project("vitest-failing");
    let (code, out, err) = endure_test(&[path(&dir)]);
    assert_eq!(code, 1, "{out}\n{err}");
    let expect = [
        // Assertions, with Vitest's messages and a diff.
        "AssertionError: expected 1 to be 2 // Object.is equality",
        "- Expected\n+ Received\n\n- 2\n+ 1",
        "AssertionError: expected { status: 'auto_approved', score: 3 } to deeply equal { status: 'auto_rejected', score: 3 }",
        "  {\n    \"score\": 3,\n-   \"status\": \"auto_rejected\",\n+   \"status\": \"auto_approved\",\n  }",
        "Error: plain failure",
        " ❯ test/assertions.test.js:16:",
        "expected number of assertions to be 2, but got 1",
        "promise rejected \"Error: went wrong\" instead of resolving",
        "vi.mock('../../moderation/src/index.ts') must be called at the top level of the test file",
        " FAIL  test/assertions.test.js > with a failing beforeAll > does not run\nError: setup failed",
        // A file that does not load.
        " FAIL  test/load-error.test.js\nError: cannot find module \"./no-such-module.js\"",
        // Workflows tested wrongly.
        " FAIL  test/workflows.test.ts > mocks the wrong score\nAssertionError: expected { status: 'auto_rejected' } to deeply equal { status: 'auto_approved' }",
        " FAIL  test/workflows.test.ts > waits for a step that never runs\nError: Test timed out in 300ms.",
        "[WorkflowIntrospector] The Workflow instance timed-out has reached status 'errored'. This is a finite status that prevents it from ever reaching the expected status of 'complete'.",
        " FAIL  test/workflows.test.ts > waits for the result of a step that fails\nError: Step failed",
        "[WorkflowIntrospector] Trying to mock step 'AI content scan' multiple times!",
        "Cannot retrieve output: Workflow instance is in status \"waiting\" but must be \"complete\" to have an output available",
    ];
    for e in expect {
        assert!(out.contains(e), "missing {e:?} in\n{out}");
    }
    assert!(out.contains("Test Files  3 failed (3)"), "{out}");
    assert!(out.contains("Tests  13 failed | 1 passed (14)"), "{out}");
    // The failed beforeAll is reported with its test, not again as a suite's failure.
    assert_eq!(out.matches("Error: setup failed").count(), 1, "{out}");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_broken_workflow_fails_the_examples() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("moderation");
    copy_dir(&project("moderation"), &dir);
    let src = dir.join("src/index.ts");
    let text = std::fs::read_to_string(&src).unwrap();
    // The auto-approval reports the wrong status.
    let broken = text.replacen(
        "({ status: \"auto_approved\" })",
        "({ status: \"approved\" })",
        1,
    );
    assert_ne!(broken, text);
    std::fs::write(&src, broken).unwrap();
    let (code, out, err) = endure_test(&[path(&dir)]);
    assert_eq!(code, 1, "{out}\n{err}");
    for t in [
        " FAIL  test/unit.test.ts > approves clean content",
        " FAIL  test/unit.test.ts > retries a scan that fails twice, then approves",
        " FAIL  test/integration.test.ts > moderates one submission end to end",
        " FAIL  test/integration.test.ts > moderates a batch, disposing explicitly",
    ] {
        assert!(out.contains(t), "{t} in\n{out}");
    }
    assert!(out.contains("+   \"status\": \"approved\","), "{out}");
    // The tests that do not reach the auto-approval still pass.
    assert!(
        out.contains(" ✓ test/skill-guide.test.ts (1 test)"),
        "{out}"
    );
}

#[test]
fn filters_narrow_files_and_tests() {
    let dir = project("moderation");
    let (code, out, _) = endure_test(&[path(&dir), "unit"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Test Files  1 passed (1)"), "{out}");
    assert!(out.contains("Tests  5 passed (5)"), "{out}");
    let (code, out, _) = endure_test(&[path(&dir), "unit", "-t", "moderator"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Tests  2 passed | 3 skipped (5)"), "{out}");
    let (code, out, _) = endure_test(&[path(&dir), "no-such-file"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("No test files found, exiting with code 1"),
        "{out}"
    );
}

#[test]
fn a_folder_without_a_project_is_bad_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .env_remove("CI")
        .arg("test")
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no wrangler.jsonc"));
}

#[test]
fn files_that_break_the_runner_are_reported_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::create_dir_all(dir.join("test")).unwrap();
    let files = [
        (
            "wrangler.jsonc",
            r#"{ "name": "edge", "main": "src/index.js", "compatibility_date": "2025-09-01" }"#,
        ),
        (
            "src/index.js",
            "export default { async fetch() { return new Response('ok'); } };\n",
        ),
        (
            "test/syntax.test.ts",
            "import { it } from 'vitest';\nit('x', () => { const a: number = ; });\n",
        ),
        (
            "test/unhandled.test.js",
            "import { it, expect } from 'vitest';\n\
             it('leaves a rejection nobody handles', async () => { Promise.reject(new Error('nobody caught me')); expect(1).toBe(1); });\n",
        ),
        (
            "test/loop.test.js",
            "import { it } from 'vitest';\nit('loops for ever', () => { for (;;) {} });\nit('after', () => {});\n",
        ),
        (
            "test/describe.test.js",
            "import { describe, it } from 'vitest';\n\
             describe('broken', () => { it('a', () => {}); throw new Error('describe threw'); });\n\
             it('outside', () => {});\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let (code, out, err) = endure_test(&[path(dir), "--js-cpu-ms", "300"]);
    assert_eq!(code, 1, "{out}\n{err}");
    for e in [
        " FAIL  test/syntax.test.ts\nError: ",
        "syntax.test.ts: Unexpected token (line 2, column 35)",
        " FAIL  test/unhandled.test.js\nUnhandled Rejection: Error: nobody caught me",
        " FAIL  test/loop.test.js > loops for ever\nError: the test ran 300 ms of CPU time",
        " FAIL  test/describe.test.js > broken > a\nError: describe threw",
        " ✓ outside",
    ] {
        assert!(out.contains(e), "missing {e:?} in\n{out}");
    }
    assert!(out.contains("Test Files  4 failed (4)"), "{out}");
}

#[test]
fn snapshots_are_written_compared_and_updated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vitest-api");
    copy_dir(&project("vitest-api"), &dir);
    let snap = dir.join("test/__snapshots__/snapshots.test.js.snap");
    let kept = std::fs::read_to_string(&snap).unwrap();
    assert!(kept.starts_with("// Vitest Snapshot v1, https://vitest.dev/guide/snapshot.html\n\n"));

    // Under CI a missing snapshot fails, and nothing is written.
    std::fs::remove_file(&snap).unwrap();
    let (code, out, _) = endure_test_env(&[path(&dir), "snapshots"], &[("CI", "true")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Snapshot `snapshot files > match values kept in __snapshots__ 1` missing"),
        "{out}"
    );
    assert!(!snap.exists());

    // Elsewhere new snapshots are written, as Vitest writes them.
    let (code, out, _) = endure_test(&[path(&dir), "snapshots"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Snapshots  2 written"), "{out}");
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), kept);

    // A value that changed fails with a diff of the snapshot text; -u rewrites it.
    std::fs::write(&snap, kept.replace("\"two\",", "\"three\",")).unwrap();
    let (code, out, _) = endure_test(&[path(&dir), "snapshots"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Snapshot `snapshot files > match values kept in __snapshots__ 1` mismatched"),
        "{out}"
    );
    assert!(out.contains("-     \"three\",\n+     \"two\","), "{out}");
    let (code, out, _) = endure_test(&[path(&dir), "snapshots", "-u"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Snapshots  1 updated"), "{out}");
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), kept);

    // A wrong inline snapshot fails too.
    let file = dir.join("test/snapshots.test.js");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("`\"Hello World!\"`", "`\"Goodbye!\"`")).unwrap();
    let (code, out, _) = endure_test(&[path(&dir), "snapshots"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("- \"Goodbye!\"\n+ \"Hello World!\""), "{out}");
}

#[test]
fn only_is_refused_under_ci_unless_allowed() {
    let dir = project("vitest-api");
    let (code, out, _) = endure_test_env(&[path(&dir), "only"], &[("CI", "1")]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[Vitest] Unexpected .only modifier. Remove it or pass --allowOnly argument to bypass this error"),
        "{out}"
    );
    let (code, out, _) = endure_test_env(&[path(&dir), "only", "--allow-only"], &[("CI", "1")]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn each_file_starts_on_a_fresh_engine() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("test")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("wrangler.jsonc"),
        r#"{ "name": "fresh", "main": "src/index.js", "compatibility_date": "2025-09-01",
             "kv_namespaces": [{ "binding": "KV", "id": "kv" }],
             "workflows": [{ "binding": "FLOW", "name": "flow", "class_name": "Flow" }] }"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("src/index.js"),
        "import { WorkflowEntrypoint } from 'cloudflare:workers';
         export class Flow extends WorkflowEntrypoint { async run() { return 1; } }
         export default { async fetch() { return new Response('ok'); } };
",
    )
    .unwrap();
    // Two files doing the same: each finds nothing the other left.
    let body = "import { env } from 'cloudflare:test';
import { expect, it } from 'vitest';
                it('starts empty', async () => {
                  expect(await env.KV.get('k')).toBeNull();
                  await expect(env.FLOW.get('one')).rejects.toThrow('instance.not_found');
                  await env.KV.put('k', 'v');
                  await env.FLOW.create({ id: 'one' });
                });
                it('keeps what the file did', async () => {
                  expect(await env.KV.get('k')).toBe('v');
                  expect((await env.FLOW.get('one')).id).toBe('one');
                });
";
    std::fs::write(dir.join("test/a.test.js"), body).unwrap();
    std::fs::write(dir.join("test/b.test.js"), body).unwrap();
    let (code, out, err) = endure_test(&[path(dir)]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Tests  4 passed (4)"), "{out}");
}

#[test]
fn results_as_json_and_junit() {
    // JSON on standard output, instead of the report.
    let (code, out, err) = endure_test(&[path(&project("vitest-failing")), "--reporter", "json"]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON on stdout");
    assert_eq!(doc["numTotalTests"], 14);
    assert_eq!(doc["numFailedTests"], 13);
    assert_eq!(doc["numFailedTestSuites"], 3);
    assert_eq!(doc["success"], false);
    let wrong = doc["testResults"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["assertionResults"].as_array().unwrap().iter())
        .find(|t| t["title"] == "mocks the wrong score")
        .unwrap();
    assert_eq!(wrong["status"], "failed");
    assert!(
        wrong["failureMessages"][0]
            .as_str()
            .unwrap()
            .contains("to deeply equal { status: 'auto_approved' }")
    );

    // JUnit XML to a file, beside the report.
    let tmp = tempfile::tempdir().unwrap();
    let xml_path = tmp.path().join("junit.xml");
    let (code, out, _) = endure_test(&[
        path(&project("moderation")),
        "--reporter",
        "junit",
        "--output-file",
        path(&xml_path),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Tests  13 passed (13)"), "{out}");
    let xml = std::fs::read_to_string(&xml_path).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<testsuites name=\"endure test\" tests=\"13\" failures=\"0\" errors=\"0\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"test/integration.test.ts\" name=\"instance lifecycle &gt; terminates\""),
        "{xml}"
    );
}
