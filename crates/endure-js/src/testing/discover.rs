//! Which files are tests: the `include` and `exclude` globs of the project's Vitest
//! configuration (`vitest.config.*`, else `vite.config.*`), read from its source with oxc
//! (the configuration is not run), and Vitest's defaults without them.

use oxc::allocator::Allocator;
use oxc::ast::ast::{ArrayExpressionElement, Expression, ObjectPropertyKind, PropertyKey};
use oxc::ast_visit::Visit;
use oxc::parser::Parser;
use oxc::span::SourceType;
use std::path::{Path, PathBuf};

/// Vitest's default `include` (its `?(c|m)[jt]s?(x)` extensions written out).
pub const DEFAULT_INCLUDE: &str = "**/*.{test,spec}.{js,mjs,cjs,ts,mts,cts,jsx,tsx}";

/// Folders never searched for tests (beside hidden ones).
const SKIPPED_DIRS: [&str; 3] = ["node_modules", "dist", "coverage"];

/// Most test files one run takes.
pub const MAX_TEST_FILES: usize = 10_000;

/// What the project's Vitest configuration says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestConfig {
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `test.testTimeout` in ms.
    pub test_timeout: Option<u64>,
    /// `test.hookTimeout` in ms.
    pub hook_timeout: Option<u64>,
    /// `test.setupFiles`, relative to the project: run before each test file, in its isolate.
    pub setup_files: Vec<String>,
    /// `test.globals`: `describe`, `it`, `expect`, `vi`… are globals too.
    pub globals: bool,
    /// The pool's `miniflare.bindings`: extra plain values in `env` for tests.
    pub bindings: serde_json::Map<String, serde_json::Value>,
}

const CONFIG_NAMES: [&str; 12] = [
    "vitest.config.ts",
    "vitest.config.mts",
    "vitest.config.cts",
    "vitest.config.js",
    "vitest.config.mjs",
    "vitest.config.cjs",
    "vite.config.ts",
    "vite.config.mts",
    "vite.config.cts",
    "vite.config.js",
    "vite.config.mjs",
    "vite.config.cjs",
];

/// Reads the `test` options of the configuration in `dir` (defaults without one).
pub fn config(dir: &Path) -> Result<TestConfig, String> {
    let Some(file) = CONFIG_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
    else {
        return Ok(TestConfig::default());
    };
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(&file)
        .unwrap_or_else(|_| SourceType::ts())
        .with_module(true);
    let parsed = Parser::new(&allocator, &text, source_type).parse();
    if let Some(d) = parsed.diagnostics.first() {
        return Err(format!("{}: {d}", file.display()));
    }
    let mut found = Found::default();
    found.visit_program(&parsed.program);
    if let Some(e) = found.error {
        return Err(format!("{}: {e}", file.display()));
    }
    Ok(TestConfig {
        file: Some(file),
        ..found.config
    })
}

#[derive(Default)]
struct Found {
    config: TestConfig,
    error: Option<String>,
}

fn key_name(k: &PropertyKey<'_>) -> Option<String> {
    match k {
        PropertyKey::StaticIdentifier(id) => Some(id.name.to_string()),
        PropertyKey::StringLiteral(s) => Some(s.value.to_string()),
        _ => None,
    }
}

fn strings(e: &Expression<'_>, what: &str) -> Result<Vec<String>, String> {
    let Expression::ArrayExpression(a) = e else {
        return Err(format!(
            "test.{what} must be an array of strings written in the file"
        ));
    };
    a.elements
        .iter()
        .map(|el| match el {
            ArrayExpressionElement::StringLiteral(s) => Ok(s.value.to_string()),
            _ => Err(format!(
                "test.{what} must be an array of strings written in the file"
            )),
        })
        .collect()
}

/// A value written as a literal (string, number, boolean, null, arrays and objects of them).
fn literal(e: &Expression<'_>) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match e {
        Expression::StringLiteral(s) => Value::String(s.value.to_string()),
        Expression::NumericLiteral(n) => {
            serde_json::Number::from_f64(n.value).map(Value::Number)?
        }
        Expression::BooleanLiteral(b) => Value::Bool(b.value),
        Expression::NullLiteral(_) => Value::Null,
        Expression::ArrayExpression(a) => Value::Array(
            a.elements
                .iter()
                .map(|el| el.as_expression().and_then(literal))
                .collect::<Option<Vec<_>>>()?,
        ),
        Expression::ObjectExpression(o) => {
            let mut m = serde_json::Map::new();
            for p in &o.properties {
                let ObjectPropertyKind::ObjectProperty(p) = p else {
                    return None;
                };
                m.insert(key_name(&p.key)?, literal(&p.value)?);
            }
            Value::Object(m)
        }
        _ => return None,
    })
}

fn number(e: &Expression<'_>) -> Option<u64> {
    match e {
        Expression::NumericLiteral(n) if n.value >= 0.0 => Some(n.value as u64),
        _ => None,
    }
}

impl<'a> Visit<'a> for Found {
    fn visit_object_property(&mut self, p: &oxc::ast::ast::ObjectProperty<'a>) {
        if key_name(&p.key).as_deref() == Some("test")
            && let Expression::ObjectExpression(o) = &p.value
        {
            for prop in &o.properties {
                let ObjectPropertyKind::ObjectProperty(prop) = prop else {
                    continue;
                };
                let result = match key_name(&prop.key).as_deref() {
                    Some("include") => {
                        strings(&prop.value, "include").map(|v| self.config.include = v)
                    }
                    Some("exclude") => {
                        strings(&prop.value, "exclude").map(|v| self.config.exclude = v)
                    }
                    Some("testTimeout") => {
                        self.config.test_timeout = number(&prop.value);
                        Ok(())
                    }
                    Some("hookTimeout") => {
                        self.config.hook_timeout = number(&prop.value);
                        Ok(())
                    }
                    Some("globals") => {
                        self.config.globals =
                            matches!(&prop.value, Expression::BooleanLiteral(b) if b.value);
                        Ok(())
                    }
                    Some("setupFiles") => match &prop.value {
                        Expression::StringLiteral(one) => {
                            self.config.setup_files = vec![one.value.to_string()];
                            Ok(())
                        }
                        other => strings(other, "setupFiles").map(|v| self.config.setup_files = v),
                    },
                    _ => Ok(()),
                };
                if let Err(e) = result {
                    self.error.get_or_insert(e);
                }
            }
        }
        // `miniflare: { bindings: {…} }`, wherever the pool's options put it.
        if key_name(&p.key).as_deref() == Some("miniflare")
            && let Expression::ObjectExpression(o) = &p.value
        {
            for prop in &o.properties {
                if let ObjectPropertyKind::ObjectProperty(prop) = prop
                    && key_name(&prop.key).as_deref() == Some("bindings")
                {
                    match literal(&prop.value) {
                        Some(serde_json::Value::Object(m)) => self.config.bindings.extend(m),
                        _ => {
                            self.error.get_or_insert(
                                "miniflare.bindings must be an object of values written in the file"
                                    .into(),
                            );
                        }
                    }
                }
            }
        }
        oxc::ast_visit::walk::walk_object_property(self, p);
    }
}

fn glob_set(patterns: &[String]) -> Result<globset::GlobSet, String> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        let p = p.strip_prefix("./").unwrap_or(p);
        let g = globset::GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("test glob {p:?}: {e}"))?;
        b.add(g);
    }
    b.build().map_err(|e| e.to_string())
}

/// The test files of the project in `dir`, sorted, narrowed to those whose path (relative to
/// `dir`) contains one of `filters` when there are any (as Vitest's command line filters do).
pub fn test_files(
    dir: &Path,
    cfg: &TestConfig,
    filters: &[String],
) -> Result<Vec<PathBuf>, String> {
    let include = if cfg.include.is_empty() {
        vec![DEFAULT_INCLUDE.to_string()]
    } else {
        cfg.include.clone()
    };
    let include = glob_set(&include)?;
    let exclude = glob_set(&cfg.exclude)?;
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            let path = e.path();
            if path.is_dir() {
                if !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_ref()) {
                    stack.push(path);
                }
                continue;
            }
            let Ok(rel) = path.strip_prefix(dir) else {
                continue;
            };
            let rel_text = rel.to_string_lossy().replace('\\', "/");
            if !include.is_match(&rel_text) || exclude.is_match(&rel_text) {
                continue;
            }
            if !filters.is_empty() && !filters.iter().any(|f| rel_text.contains(f.as_str())) {
                continue;
            }
            out.push(path);
            if out.len() > MAX_TEST_FILES {
                return Err(format!(
                    "more than {MAX_TEST_FILES} test files match; narrow test.include"
                ));
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_test_options_and_finds_the_files() {
        let d = std::env::temp_dir().join(format!("endure-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("test/unit")).unwrap();
        std::fs::create_dir_all(d.join("node_modules/x")).unwrap();
        std::fs::create_dir_all(d.join("src")).unwrap();
        for f in [
            "test/a.test.ts",
            "test/unit/b.spec.js",
            "src/c.test.mts",
            "src/index.ts",
            "node_modules/x/d.test.js",
        ] {
            std::fs::write(d.join(f), "").unwrap();
        }
        let all = test_files(&d, &TestConfig::default(), &[]).unwrap();
        let rel: Vec<String> = all
            .iter()
            .map(|p| p.strip_prefix(&d).unwrap().display().to_string())
            .collect();
        assert_eq!(
            rel,
            ["src/c.test.mts", "test/a.test.ts", "test/unit/b.spec.js"]
        );
        std::fs::write(
            d.join("vitest.config.ts"),
            "import { defineConfig } from 'vitest/config';\n\
             export default defineConfig({ test: { include: ['test/**/*.test.ts'], testTimeout: 20000, globals: true, setupFiles: './test/setup.ts',\n\
             poolOptions: { workers: { miniflare: { bindings: { TOKEN: 'abc', LIMITS: { n: 3 } } } } } } });\n",
        )
        .unwrap();
        let cfg = config(&d).unwrap();
        assert_eq!(cfg.include, ["test/**/*.test.ts"]);
        assert_eq!(cfg.test_timeout, Some(20000));
        assert!(cfg.globals);
        assert_eq!(cfg.setup_files, ["./test/setup.ts"]);
        assert_eq!(
            serde_json::Value::Object(cfg.bindings.clone()),
            serde_json::json!({"TOKEN": "abc", "LIMITS": {"n": 3.0}})
        );
        let only = test_files(&d, &cfg, &[]).unwrap();
        assert_eq!(only, [d.join("test/a.test.ts")]);
        assert!(
            test_files(&d, &TestConfig::default(), &["unit".into()]).unwrap()[0]
                .ends_with("b.spec.js")
        );
        std::fs::write(
            d.join("vitest.config.ts"),
            "export default { test: { include: [x] } }",
        )
        .unwrap();
        assert!(config(&d).unwrap_err().contains("array of strings"));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
