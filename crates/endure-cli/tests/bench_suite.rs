//! `endure bench --suite --quick` keeps working: every figure of the suite runs in its own
//! process and lands in the report. It asserts what was measured, never how fast.

use std::process::Command;

#[test]
fn the_quick_suite_writes_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("BENCHMARKS.md");
    std::fs::write(&out, "# Benchmarks\n\nKept as written.\n").unwrap();
    let pg = std::env::var("ENDURE_TEST_POSTGRES")
        .expect("ENDURE_TEST_POSTGRES is not set: run the tests with `bash scripts/test`");
    let o = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(["bench", "--suite", "--quick", "--database", &pg, "--dir"])
        .arg(dir.path().join("runs"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let report = std::fs::read_to_string(&out).unwrap();
    assert!(report.starts_with("# Benchmarks\n\nKept as written.\n"));
    for section in [
        "### Throughput (in process)",
        "### Latency (in process, one at a time)",
        "### Over REST (loopback HTTP)",
        "### Waiting at scale, and sendEvent to resume",
        "### Many due at once: wake-up lateness",
        "### Recovery",
        "### Several processes (REST, 3-step instances)",
        "### Idle",
    ] {
        assert!(report.contains(section), "{section} missing:\n{report}");
    }
    // Every throughput run finished all its instances: the errored column says 0 on each row.
    let rows: Vec<&str> = report
        .lines()
        .filter(|l| l.starts_with("| Rust |") || l.starts_with("| JavaScript |"))
        .collect();
    assert!(rows.len() >= 9 + 4 + 2, "{report}");
    let throughput: Vec<&str> = report
        .split("### Throughput (in process)")
        .nth(1)
        .unwrap()
        .split("###")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("| Rust |") || l.starts_with("| JavaScript |"))
        .collect();
    assert!(throughput.len() >= 9);
    for row in throughput {
        assert!(row.trim_end().ends_with("| 0 |"), "a run errored: {row}");
    }
    // Every instance stopped in flight finished after the restart, none errored.
    let recovery = report.split("### Recovery").nth(1).unwrap();
    let row = recovery
        .lines()
        .find(|l| l.starts_with("| Rust |"))
        .unwrap();
    assert!(row.trim_end().ends_with("| 0 |"), "{row}");
    // One process on SQLite, one to three on PostgreSQL, every instance finished.
    let nodes = report
        .split("### Several processes (REST, 3-step instances)")
        .nth(1)
        .unwrap()
        .split("###")
        .next()
        .unwrap();
    for lead in [
        "| SQLite | 1 |",
        "| PostgreSQL | 1 |",
        "| PostgreSQL | 2 |",
        "| PostgreSQL | 3 |",
    ] {
        let row = nodes
            .lines()
            .find(|l| l.starts_with(lead))
            .unwrap_or_else(|| panic!("{lead} missing:\n{nodes}"));
        assert!(row.trim_end().ends_with("| 0 |"), "{row}");
    }
    assert!(
        !report.contains(&pg),
        "the database URL is not in the report"
    );
}
