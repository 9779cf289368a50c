//! `endure test --reporter json|junit`: the results as Vitest's JSON reporter (the Jest-shaped
//! document) and JUnit XML, for CI systems that read them.

use endure_js::testing::{FileReport, TestError, TestState};
use serde_json::{Value, json};
use std::path::Path;

fn rel(dir: &Path, f: &Path) -> String {
    f.strip_prefix(dir).unwrap_or(f).display().to_string()
}

fn failure_text(e: &TestError) -> String {
    let mut t = format!("{}: {}", e.name, e.message);
    if let Some(d) = &e.diff {
        t.push_str("\n\n");
        t.push_str(d);
    }
    t
}

fn status(s: TestState) -> &'static str {
    match s {
        TestState::Pass => "passed",
        TestState::Fail => "failed",
        TestState::Skip => "skipped",
        TestState::Todo => "todo",
    }
}

/// Vitest's JSON reporter document.
pub fn json(reports: &[FileReport], start_ms: u64) -> Value {
    let all: Vec<TestState> = reports
        .iter()
        .flat_map(|r| r.results.iter().map(|t| t.state))
        .collect();
    let n = |s: TestState| all.iter().filter(|x| **x == s).count();
    let files: Vec<Value> = reports
        .iter()
        .map(|r| {
            let assertions: Vec<Value> = r
                .results
                .iter()
                .map(|t| {
                    let (title, ancestors): (&str, &[String]) = match t.names.split_last() {
                        Some((last, rest)) => (last, rest),
                        None => ("", &[]),
                    };
                    json!({
                        "ancestorTitles": ancestors,
                        "fullName": t.names.join(" "),
                        "status": status(t.state),
                        "title": title,
                        "duration": t.ms,
                        "failureMessages": t.errors.iter().map(failure_text).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({
                "name": r.file.display().to_string(),
                "status": if r.passed() { "passed" } else { "failed" },
                "message": r.errors.iter().map(failure_text).collect::<Vec<_>>().join("\n"),
                "duration": r.duration.as_millis() as u64,
                "assertionResults": assertions,
            })
        })
        .collect();
    let failed_files = reports.iter().filter(|r| !r.passed()).count();
    json!({
        "numTotalTestSuites": reports.len(),
        "numPassedTestSuites": reports.len() - failed_files,
        "numFailedTestSuites": failed_files,
        "numTotalTests": all.len(),
        "numPassedTests": n(TestState::Pass),
        "numFailedTests": n(TestState::Fail),
        "numPendingTests": n(TestState::Skip),
        "numTodoTests": n(TestState::Todo),
        "startTime": start_ms,
        "success": failed_files == 0,
        "testResults": files,
    })
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot hold.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: a `testsuite` per file, a `testcase` per test.
pub fn junit(dir: &Path, reports: &[FileReport]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
    let tests: usize = reports.iter().map(|r| r.results.len()).sum();
    let failures: usize = reports
        .iter()
        .map(|r| {
            r.results
                .iter()
                .filter(|t| t.state == TestState::Fail)
                .count()
        })
        .sum();
    let errors: usize = reports.iter().map(|r| r.errors.len()).sum();
    let time: f64 = reports.iter().map(|r| r.duration.as_secs_f64()).sum();
    out.push_str(&format!(
        "<testsuites name=\"endure test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">\n"
    ));
    for r in reports {
        let name = xml(&rel(dir, &r.file));
        let failed = r
            .results
            .iter()
            .filter(|t| t.state == TestState::Fail)
            .count();
        let skipped = r
            .results
            .iter()
            .filter(|t| matches!(t.state, TestState::Skip | TestState::Todo))
            .count();
        out.push_str(&format!(
            "    <testsuite name=\"{name}\" tests=\"{}\" failures=\"{failed}\" errors=\"{}\" skipped=\"{skipped}\" time=\"{:.3}\">\n",
            r.results.len(),
            r.errors.len(),
            r.duration.as_secs_f64()
        ));
        for e in &r.errors {
            out.push_str(&format!(
                "        <system-err>{}</system-err>\n",
                xml(&failure_text(e))
            ));
        }
        for t in &r.results {
            out.push_str(&format!(
                "        <testcase classname=\"{name}\" name=\"{}\" time=\"{:.3}\"",
                xml(&t.names.join(" > ")),
                t.ms / 1000.0
            ));
            match t.state {
                TestState::Pass => out.push_str(">\n        </testcase>\n"),
                TestState::Skip | TestState::Todo => {
                    out.push_str(">\n            <skipped/>\n        </testcase>\n")
                }
                TestState::Fail => {
                    out.push_str(">\n");
                    for e in &t.errors {
                        out.push_str(&format!(
                            "            <failure message=\"{}\" type=\"{}\">\n{}\n            </failure>\n",
                            xml(e.message.lines().next().unwrap_or("")),
                            xml(&e.name),
                            xml(&failure_text(e))
                        ));
                    }
                    out.push_str("        </testcase>\n");
                }
            }
        }
        out.push_str("    </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
