//! `endure bench --suite`: every figure of the performance issue, each measured in a fresh
//! process of this binary (so memory figures are that run's own), repeated, and written as
//! Markdown between the suite markers of a file (BENCHMARKS.md), after a description of the
//! machine. Cells that are numbers show the median of the repetitions and their range.
//! `--quick` runs small sizes once, to keep the tool working in CI; it asserts no speed.

use anyhow::Context;
use std::path::Path;
use std::process::{Command, ExitCode};

const BEGIN: &str = "<!-- bench suite: begin (written by `endure bench --suite`) -->";
const END: &str = "<!-- bench suite: end -->";

/// One figure: a title and the `endure bench` arguments that measure it.
struct Case {
    section: &'static str,
    args: Vec<String>,
}

fn case(section: &'static str, args: &str) -> Case {
    Case {
        section,
        args: args.split_whitespace().map(String::from).collect(),
    }
}

fn cases(quick: bool, database: Option<&str>) -> (Vec<Case>, usize) {
    let mut v = vec![];
    let langs: &[&str] = if cfg!(feature = "js") {
        &["", "--js"]
    } else {
        &[""]
    };
    // Throughput: 1, 3 and 10 steps with 1, 64 and 1 024 instances in flight.
    for lang in langs {
        for steps in [1u64, 3, 10] {
            for in_flight in [1usize, 64, 1024] {
                let instances = if quick {
                    in_flight.min(16) * 2
                } else {
                    // About a second or more of work at the rates measured so far (with
                    // fewer, the JavaScript runs measured mostly the start of their isolates).
                    let base = match in_flight {
                        1 => 300,
                        64 => 3_000,
                        _ => 10_000,
                    };
                    base / (steps as usize).min(3)
                };
                v.push(case(
                    "Throughput (in process)",
                    &format!(
                        "--instances {instances} --steps {steps} --max-running {in_flight} {lang}"
                    ),
                ));
            }
        }
    }
    // Create-to-complete latency, one instance at a time.
    for lang in langs {
        for steps in [1u64, 3] {
            let n = if quick { 5 } else { 300 };
            v.push(case(
                "Latency (in process, one at a time)",
                &format!("--latency {n} --steps {steps} {lang}"),
            ));
        }
    }
    // Over the REST API on loopback: batch creation from four clients, and one instance at a
    // time created by `POST …/instances`.
    for lang in langs {
        for steps in [1u64, 3] {
            let instances = match (quick, lang.is_empty()) {
                (true, _) => 40,
                (false, true) => 10_000,
                (false, false) => 3_000,
            };
            v.push(case(
                "Over REST (loopback HTTP)",
                &format!("--instances {instances} --steps {steps} --http 4 {lang}"),
            ));
        }
    }
    for lang in langs {
        for steps in [1u64, 3] {
            let n = if quick { 5 } else { 300 };
            v.push(case(
                "Over REST (loopback HTTP)",
                &format!("--latency {n} --steps {steps} --http 1 {lang}"),
            ));
        }
    }
    // Waiting at scale, then events to some of them.
    let (rust_waiting, js_waiting, events) = if quick {
        (200, 50, 5)
    } else {
        (100_000, 20_000, 300)
    };
    v.push(case(
        "Waiting at scale, and sendEvent to resume",
        &format!("--waiting {rust_waiting} --event-latency {events}"),
    ));
    if cfg!(feature = "js") {
        v.push(case(
            "Waiting at scale, and sendEvent to resume",
            &format!("--waiting {js_waiting} --event-latency {events} --js --max-running 100"),
        ));
    }
    // Many due at once.
    let (wake, lead) = if quick { (200, 5) } else { (100_000, 60) };
    v.push(case(
        "Many due at once: wake-up lateness",
        &format!("--wake {wake} --wake-in {lead}"),
    ));
    // Recovery after a stop with instances in flight.
    let n = if quick { 200 } else { 100_000 };
    v.push(case("Recovery", &format!("--recovery {n}")));
    // Several processes on one database, created over their REST APIs: one on SQLite (a file
    // is one process's), one to three on PostgreSQL (with `--database`).
    let n = if quick { 200 } else { 10_000 };
    let section = "Several processes (REST, 3-step instances)";
    v.push(case(
        section,
        &format!("--nodes 1 --instances {n} --steps 3 --http 4"),
    ));
    if let Some(url) = database {
        for nodes in 1..=3 {
            v.push(case(
                section,
                &format!("--nodes {nodes} --database {url} --instances {n} --steps 3 --http 4"),
            ));
        }
    }
    // Idle.
    v.push(case(
        "Idle",
        &format!("--idle {}", if quick { 1 } else { 30 }),
    ));
    (v, if quick { 1 } else { 3 })
}

/// A Markdown table as printed by `endure bench`: a header and rows of cells.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn cells(line: &str) -> Vec<String> {
    line.trim()
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().to_string())
        .collect()
}

fn tables(out: &str) -> Vec<Table> {
    let mut found = vec![];
    let lines: Vec<&str> = out.lines().collect();
    let mut i = 0;
    while i + 1 < lines.len() {
        if lines[i].starts_with('|') && lines[i + 1].starts_with("|---") {
            let mut t = Table {
                header: cells(lines[i]),
                rows: vec![],
            };
            i += 2;
            while i < lines.len() && lines[i].starts_with('|') {
                t.rows.push(cells(lines[i]));
                i += 1;
            }
            found.push(t);
        } else {
            i += 1;
        }
    }
    found
}

/// `"12.5 ms"` → (12.5, " ms").
fn number(cell: &str) -> Option<(f64, String)> {
    let end = cell
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(cell.len());
    let n = cell[..end].parse().ok()?;
    Some((n, cell[end..].to_string()))
}

fn fmt_num(n: f64, like: &str) -> String {
    let decimals = like.split_once('.').map_or(0, |(_, d)| {
        d.chars().take_while(char::is_ascii_digit).count()
    });
    format!("{n:.decimals$}")
}

/// One cell from its repetitions: the median and range when they are numbers that differ.
fn combine(values: &[&str]) -> String {
    let parsed: Option<Vec<(f64, String)>> = values.iter().map(|v| number(v)).collect();
    match parsed {
        Some(mut p) if p.len() > 1 && p.iter().any(|(n, _)| *n != p[0].0) => {
            let unit = p[0].1.clone();
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            let med = p[p.len() / 2].0;
            let like = values[0];
            format!(
                "{}{unit} ({}–{})",
                fmt_num(med, like),
                fmt_num(p[0].0, like),
                fmt_num(p[p.len() - 1].0, like)
            )
        }
        _ => values[0].to_string(),
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        })
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map_or("?".into(), |k| format!("{:.1} GiB", k as f64 / 1_048_576.0));
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into());
    format!("{cpu}, {cores} cores, {mem} memory, Linux {kernel}")
}

/// The commit measured, if this runs in a git checkout.
fn commit() -> String {
    Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(
            || "an unknown commit".into(),
            |s| format!("commit {}", s.trim()),
        )
}

fn today() -> String {
    Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "?".into(), |s| s.trim().to_string())
}

pub async fn run(
    dir: &Path,
    out: &Path,
    quick: bool,
    peers: bool,
    database: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().context("finding this binary")?;
    let (cases, repeats) = cases(quick, database);
    let mut report = format!(
        "Written by `endure bench --suite{}` on {} ({}): {}. {} build, SQLite in WAL mode \
         with `synchronous=FULL`, every figure in a fresh process; {}.\n",
        if quick { " --quick" } else { "" },
        today(),
        commit(),
        machine(),
        if cfg!(debug_assertions) {
            "Debug"
        } else {
            "Release"
        },
        if repeats == 1 {
            "one run each".to_string()
        } else {
            format!("numbers are the median of {repeats} runs with their range in brackets")
        }
    );
    let mut section = "";
    let mut failed = 0;
    // Rows of one table kind gathered until the kind changes.
    let mut pending: Option<(Vec<String>, Vec<Vec<String>>)> = None;
    let flush = |report: &mut String, pending: &mut Option<(Vec<String>, Vec<Vec<String>>)>| {
        if let Some((header, rows)) = pending.take() {
            report.push_str(&format!("\n| {} |\n", header.join(" | ")));
            report.push_str(&format!("|{}\n", "---|".repeat(header.len())));
            for r in rows {
                report.push_str(&format!("| {} |\n", r.join(" | ")));
            }
        }
    };
    for c in &cases {
        if c.section != section {
            flush(&mut report, &mut pending);
            section = c.section;
            report.push_str(&format!("\n### {section}\n"));
        }
        eprintln!("endure bench {}", c.args.join(" "));
        let mut runs: Vec<Vec<Table>> = vec![];
        for _ in 0..repeats {
            let o = Command::new(&exe)
                .arg("bench")
                .arg("--dir")
                .arg(dir)
                .args(&c.args)
                .output()
                .context("running endure bench")?;
            let text = String::from_utf8_lossy(&o.stdout).to_string();
            if !o.status.success() {
                failed += 1;
                eprintln!(
                    "  failed ({}): {}{}",
                    o.status,
                    text,
                    String::from_utf8_lossy(&o.stderr)
                );
                continue;
            }
            runs.push(tables(&text));
        }
        let Some(first) = runs.first() else { continue };
        for (t, table) in first.iter().enumerate() {
            for (r, row) in table.rows.iter().enumerate() {
                let combined: Vec<String> = (0..row.len())
                    .map(|k| {
                        let values: Vec<&str> = runs
                            .iter()
                            .filter_map(|run| run.get(t)?.rows.get(r)?.get(k).map(String::as_str))
                            .collect();
                        combine(&values)
                    })
                    .collect();
                match &mut pending {
                    Some((h, rows)) if *h == table.header => rows.push(combined),
                    _ => {
                        flush(&mut report, &mut pending);
                        pending = Some((table.header.clone(), vec![combined]));
                    }
                }
            }
        }
    }
    flush(&mut report, &mut pending);
    if peers {
        report.push_str("\n### Side by side with the peers (`../shared/peers/compare.sh`)\n\n");
        let o = Command::new("bash")
            .arg("../shared/peers/compare.sh")
            .output()
            .context("running compare.sh")?;
        let text = String::from_utf8_lossy(&o.stdout);
        for t in tables(&text) {
            report.push_str(&format!("| {} |\n", t.header.join(" | ")));
            report.push_str(&format!("|{}\n", "---|".repeat(t.header.len())));
            for r in t.rows {
                report.push_str(&format!("| {} |\n", r.join(" | ")));
            }
            report.push('\n');
        }
    }
    write_section(out, &report)?;
    eprintln!("wrote the suite's section of {}", out.display());
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        eprintln!("{failed} run(s) failed");
        ExitCode::from(1)
    })
}

/// Replaces the text between the markers of `path` (appending them if absent; creating the
/// file if needed).
fn write_section(path: &Path, body: &str) -> anyhow::Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let block = format!("{BEGIN}\n{body}{END}");
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => format!("{}{block}{}", &old[..b], &old[e + END.len()..]),
        _ => format!("{old}\n## The suite\n\n{block}\n"),
    };
    std::fs::write(path, new).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_read_back_and_repetitions_combined() {
        let out = "noise\n| a | b |\n|---|---|\n| Rust | 12.5 ms |\n\n| x |\n|---|\n| 3 |\n";
        let t = tables(out);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].header, ["a", "b"]);
        assert_eq!(t[0].rows, [["Rust", "12.5 ms"]]);
        assert_eq!(
            combine(&["12.5 ms", "10.1 ms", "14.0 ms"]),
            "12.5 ms (10.1–14.0)"
        );
        assert_eq!(combine(&["7", "7"]), "7");
        assert_eq!(combine(&["Rust", "Rust"]), "Rust");
        assert_eq!(combine(&["300", "280", "310"]), "300 (280–310)");
    }

    #[test]
    fn the_section_is_replaced_between_its_markers() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("B.md");
        std::fs::write(&p, "# Head\n\ntext\n").unwrap();
        write_section(&p, "one\n").unwrap();
        write_section(&p, "two\n").unwrap();
        let s = std::fs::read_to_string(&p).unwrap();
        assert!(s.starts_with("# Head\n\ntext\n"));
        assert!(s.contains("two\n") && !s.contains("one\n"));
        assert_eq!(s.matches(BEGIN).count(), 1);
    }
}
