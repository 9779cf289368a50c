//! `endure test [DIR] [FILTER…]`: a Worker project's Vitest test files, run on Endure's
//! runtime (endure_js::testing), reported in Vitest's layout. Exit code 0 when every test
//! passed, 1 when one failed or no test file was found, 2 on bad usage.

use endure_js::testing::{
    FileReport, SnapshotMode, TestError, TestEvent, TestOptions, TestState, discover, run_file,
};
use futures_util::StreamExt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The project folder (with its wrangler configuration; default: the current folder),
    /// then filters: only test files whose path contains one of them run. A first argument
    /// that is not a project folder is a filter.
    args: Vec<String>,
    /// Only tests whose full name (suite names and test name) matches this regular expression.
    #[arg(short = 't', long = "test-name-pattern")]
    test_name_pattern: Option<String>,
    /// A test's time limit in ms (default: the configuration's `testTimeout`, else 5000).
    #[arg(long)]
    test_timeout: Option<u64>,
    /// CPU time one turn of JavaScript may take before its test file is stopped (code that
    /// never gives the isolate back: an endless loop), in ms.
    #[arg(long, default_value_t = 30_000)]
    js_cpu_ms: u64,
    /// Rewrite snapshots that differ (`toMatchSnapshot`). Without it, new snapshots are
    /// written, except when the `CI` environment variable is set (then a missing one fails).
    #[arg(short = 'u', long)]
    update: bool,
    /// Allow `.only` when the `CI` environment variable is set (Vitest's `--allowOnly`).
    #[arg(long)]
    allow_only: bool,
    /// Also write the results as Vitest's JSON reporter does (`json`) or as JUnit XML (`junit`),
    /// to `--output-file` (standard output without one, instead of the report).
    #[arg(long, value_enum)]
    reporter: Option<Reporter>,
    #[arg(long, requires = "reporter")]
    output_file: Option<PathBuf>,
    /// Test files run side by side (default: the machine's cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    max_workers: Option<u16>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Reporter {
    Json,
    Junit,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

const RULE: &str = "⎯⎯⎯⎯⎯⎯⎯";

fn rel(dir: &Path, f: &Path) -> String {
    f.strip_prefix(dir).unwrap_or(f).display().to_string()
}

pub async fn run(a: Args) -> anyhow::Result<ExitCode> {
    let mut args = a.args.into_iter().peekable();
    let dir = match args.peek() {
        Some(first) if endure_js::Project::is_project(Path::new(first)) => {
            PathBuf::from(args.next().unwrap_or_default())
        }
        _ => PathBuf::from("."),
    };
    let filters: Vec<String> = args.collect();
    if !endure_js::Project::is_project(&dir) {
        eprintln!(
            "error: no wrangler.jsonc, wrangler.json or wrangler.toml in {}",
            dir.display()
        );
        return Ok(ExitCode::from(2));
    }
    if let Some(p) = &a.test_name_pattern
        && let Err(e) = regex_check(p)
    {
        eprintln!("error: --test-name-pattern: {e}");
        return Ok(ExitCode::from(2));
    }
    let dir = dir.canonicalize()?;
    let cfg = match discover::config(&dir) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let files = match discover::test_files(&dir, &cfg, &filters) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    // A machine-readable report on standard output replaces the human one there (console
    // lines of the tests then go to standard error).
    let quiet = a.reporter.is_some() && a.output_file.is_none();
    if !quiet {
        println!("\n RUN  endure test {}\n", dir.display());
    }
    if files.is_empty() {
        println!("No test files found, exiting with code 1");
        if !filters.is_empty() {
            println!("filter: {}", filters.join(", "));
        }
        println!(
            "include: {}",
            if cfg.include.is_empty() {
                discover::DEFAULT_INCLUDE.to_string()
            } else {
                cfg.include.join(", ")
            }
        );
        return Ok(ExitCode::from(1));
    }
    let options = TestOptions {
        pattern: a.test_name_pattern,
        test_timeout_ms: a.test_timeout.or(cfg.test_timeout),
        hook_timeout_ms: cfg.hook_timeout,
        setup_files: cfg
            .setup_files
            .iter()
            .map(|f| {
                let p = dir.join(f);
                p.canonicalize().unwrap_or(p)
            })
            .collect(),
        globals: cfg.globals,
        bindings: cfg.bindings.clone(),
        allow_only: a.allow_only || !in_ci(),
        snapshots: if a.update {
            SnapshotMode::All
        } else if in_ci() {
            SnapshotMode::None
        } else {
            SnapshotMode::New
        },
        limits: endure_js::Limits {
            cpu: std::time::Duration::from_millis(a.js_cpu_ms.max(1)),
            ..endure_js::Limits::default()
        },
    };
    let started = std::time::Instant::now();
    let start_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let mut reports = vec![];
    // Files run side by side, as many as the machine has cores; each is reported when it and
    // those before it are done, in file order.
    let parallel = match a.max_workers {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let runs = files.iter().map(|f| {
        let (dir, options) = (&dir, &options);
        async move {
            let name = rel(dir, f);
            let mut current: Option<String> = None;
            let mut on = |e: TestEvent| match e {
                TestEvent::Started { names } => current = Some(names.join(" > ")),
                TestEvent::Log { level, text } => {
                    let stream = if level == "error" || level == "warn" {
                        "stderr"
                    } else {
                        "stdout"
                    };
                    let head = match &current {
                        Some(t) => format!("{stream} | {name} > {t}"),
                        None => format!("{stream} | {name}"),
                    };
                    if quiet {
                        eprintln!("{head}\n{text}\n");
                    } else {
                        println!("{head}\n{text}\n");
                    }
                }
                TestEvent::Finished(_) | TestEvent::SuiteError { .. } => {}
            };
            (name.clone(), run_file(dir, f, options, &mut on).await)
        }
    });
    let mut done = futures_util::stream::iter(runs).buffered(parallel);
    while let Some((name, r)) = done.next().await {
        if !quiet {
            print_file(&name, &r);
        }
        reports.push(r);
    }
    let failed = if quiet {
        reports.iter().any(|r| !r.passed())
    } else {
        let failed = print_failures(&dir, &reports);
        print_summary(&reports, started.elapsed());
        failed
    };
    if let Some(kind) = a.reporter {
        let text = match kind {
            Reporter::Json => {
                serde_json::to_string_pretty(&crate::test_report::json(&reports, start_ms))? + "\n"
            }
            Reporter::Junit => crate::test_report::junit(&dir, &reports),
        };
        match &a.output_file {
            Some(path) => std::fs::write(path, text)
                .map_err(|e| anyhow::anyhow!("--output-file {}: {e}", path.display()))?,
            None => print!("{text}"),
        }
    }
    let _ = std::io::stdout().flush();
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn regex_check(p: &str) -> Result<(), String> {
    // The pattern is compiled by JavaScript's RegExp; reject only what cannot be one.
    if p.is_empty() {
        return Err("empty pattern".into());
    }
    Ok(())
}

fn count(r: &FileReport, s: TestState) -> usize {
    r.results.iter().filter(|t| t.state == s).count()
}

fn print_file(name: &str, r: &FileReport) {
    let failed = count(r, TestState::Fail);
    let n = r.results.len();
    let ms = r.duration.as_millis();
    let tests = if n == 1 { "test" } else { "tests" };
    if r.passed() {
        let skipped = count(r, TestState::Skip);
        let todo = count(r, TestState::Todo);
        let mut extra = String::new();
        if skipped + todo > 0 && skipped + todo == n {
            extra.push_str(" | skipped");
        } else {
            if skipped > 0 {
                extra.push_str(&format!(" | {skipped} skipped"));
            }
            if todo > 0 {
                extra.push_str(&format!(" | {todo} todo"));
            }
        }
        println!(" ✓ {name} ({n} {tests}{extra}) {ms}ms");
        return;
    }
    let what = if failed > 0 {
        format!(" ({n} {tests} | {failed} failed)")
    } else {
        format!(" ({n} {tests})")
    };
    println!(" ❯ {name}{what} {ms}ms");
    for t in &r.results {
        let mark = match t.state {
            TestState::Pass => "✓",
            TestState::Fail => "×",
            TestState::Skip => "↓",
            TestState::Todo => "□",
        };
        println!("   {mark} {} {}ms", t.names.join(" > "), t.ms.round());
        if t.state == TestState::Fail
            && let Some(e) = t.errors.first()
        {
            println!("     → {}", e.message.lines().next().unwrap_or(""));
        }
    }
}

fn print_error(dir: &Path, e: &TestError) {
    println!("{}: {}", e.name, e.message);
    if let Some(d) = &e.diff {
        println!("\n{d}");
    }
    // Where in a JavaScript test file it was thrown (TypeScript's lines are the compiled ones,
    // so they are not shown).
    let root = dir.display().to_string();
    if let Some(at) = e.stack.lines().find_map(|l| {
        let start = l.find(&root)?;
        let loc = l[start..].trim_end_matches(')');
        let js = loc
            .rsplit_once(".js:")
            .or_else(|| loc.rsplit_once(".mjs:"))
            .is_some();
        js.then(|| loc[root.len()..].trim_start_matches('/').to_string())
    }) {
        println!("\n ❯ {at}");
    }
    println!();
}

/// Prints every failure; answers whether there was one.
fn print_failures(dir: &Path, reports: &[FileReport]) -> bool {
    let mut failures: Vec<(String, Option<String>, &TestError)> = vec![];
    for r in reports {
        let name = rel(dir, &r.file);
        for e in &r.errors {
            failures.push((name.clone(), None, e));
        }
        for t in &r.results {
            if t.state == TestState::Fail {
                for e in &t.errors {
                    failures.push((name.clone(), Some(t.names.join(" > ")), e));
                }
            }
        }
    }
    if failures.is_empty() {
        return false;
    }
    let tests = failures.iter().filter(|f| f.1.is_some()).count();
    let others = failures.len() - tests;
    if others > 0 {
        println!("\n{RULE} Failed Suites {others} {RULE}\n");
        for (file, _, e) in failures.iter().filter(|f| f.1.is_none()) {
            println!(" FAIL  {file}");
            print_error(dir, e);
        }
    }
    if tests > 0 {
        println!("\n{RULE} Failed Tests {tests} {RULE}\n");
        let total = tests;
        for (i, (file, test, e)) in failures.iter().filter(|f| f.1.is_some()).enumerate() {
            println!(" FAIL  {file} > {}", test.as_deref().unwrap_or(""));
            print_error(dir, e);
            println!("{RULE}{RULE}{RULE}[{}/{total}]{RULE}\n", i + 1);
        }
    }
    true
}

fn print_summary(reports: &[FileReport], elapsed: std::time::Duration) {
    let files_failed = reports.iter().filter(|r| !r.passed()).count();
    let files_passed = reports.len() - files_failed;
    let all: Vec<TestState> = reports
        .iter()
        .flat_map(|r| r.results.iter().map(|t| t.state))
        .collect();
    let n = |s: TestState| all.iter().filter(|x| **x == s).count();
    let mut tests = vec![];
    if n(TestState::Fail) > 0 {
        tests.push(format!("{} failed", n(TestState::Fail)));
    }
    if n(TestState::Pass) > 0 {
        tests.push(format!("{} passed", n(TestState::Pass)));
    }
    if n(TestState::Skip) > 0 {
        tests.push(format!("{} skipped", n(TestState::Skip)));
    }
    if n(TestState::Todo) > 0 {
        tests.push(format!("{} todo", n(TestState::Todo)));
    }
    let mut files = vec![];
    if files_failed > 0 {
        files.push(format!("{files_failed} failed"));
    }
    if files_passed > 0 {
        files.push(format!("{files_passed} passed"));
    }
    println!();
    println!(" Test Files  {} ({})", files.join(" | "), reports.len());
    let written: u64 = reports.iter().map(|r| r.snapshots.written).sum();
    let updated: u64 = reports.iter().map(|r| r.snapshots.updated).sum();
    if written + updated > 0 {
        let mut parts = vec![];
        if written > 0 {
            parts.push(format!("{written} written"));
        }
        if updated > 0 {
            parts.push(format!("{updated} updated"));
        }
        println!("  Snapshots  {}", parts.join(" | "));
    }
    if all.is_empty() {
        println!("      Tests  no tests");
    } else {
        println!("      Tests  {} ({})", tests.join(" | "), all.len());
    }
    println!("   Duration  {:.2}s", elapsed.as_secs_f64());
}
