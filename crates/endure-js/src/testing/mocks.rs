//! `vi.mock(path, factory?)` for `endure test`: Vitest hoists these calls above the imports
//! of the file; Endure does the same when the isolate loads a module that makes them at its
//! top level. The calls move into a setup module the file imports first (`endure:mocks:FILE`),
//! and from then on every import of a mocked module in that isolate gets
//! `endure:mock:PATH`, whose exports (the real module's export names) come from the factory,
//! or from the real module (`endure:real:PATH`) with its functions replaced by `vi.fn()`.

use crate::modules::Sources;
use oxc::allocator::Allocator;
use oxc::ast::ast::{Argument, Expression, Statement};
use oxc::parser::Parser;
use oxc::span::{GetSpan, SourceType};
use oxc::syntax::module_record::ExportExportName;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The prefix of a setup module (the hoisted `vi.mock` calls of one file).
pub const SETUP: &str = "endure:mocks:";
/// The prefix of a mocked module.
pub const MOCK: &str = "endure:mock:";
/// The prefix of a mocked module's real version (`importOriginal`, automocking).
pub const REAL: &str = "endure:real:";

/// One isolate's mocked modules.
#[derive(Default)]
pub struct MockTable {
    mocked: Mutex<HashSet<String>>,
    setups: Mutex<HashMap<String, String>>,
}

pub type Mocks = Arc<MockTable>;

impl MockTable {
    /// The name an import of `resolved` (from module `base`) gets.
    pub fn redirect(&self, base: &str, resolved: String) -> String {
        if base.starts_with(REAL) || base.starts_with(MOCK) {
            return resolved;
        }
        let mocked = self.mocked.lock().unwrap_or_else(|e| e.into_inner());
        if mocked.contains(&resolved) {
            format!("{MOCK}{resolved}")
        } else {
            resolved
        }
    }

    /// The source of a setup module recorded by [`MockTable::hoist`].
    pub fn setup(&self, name: &str) -> Option<String> {
        self.setups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// The module `name` (JavaScript `js`) with its top-level `vi.mock` calls taken out and
    /// recorded, and an import of their setup module in front; `None` when it makes none.
    pub fn hoist(&self, sources: &Sources, name: &str, js: &str) -> Result<Option<String>, String> {
        if !js.contains(".mock(") {
            return Ok(None);
        }
        let allocator = Allocator::default();
        let parsed = Parser::new(&allocator, js, SourceType::mjs()).parse();
        if !parsed.diagnostics.is_empty() {
            return Ok(None);
        }
        let mut out = js.to_string();
        let mut setup = String::from(
            "import { vi } from \"vitest\";\nconst vitest = vi;\nconst __endure_t = globalThis.__endure_rt.testing();\n",
        );
        let mut found = false;
        for st in &parsed.program.body {
            let Statement::ExpressionStatement(es) = st else {
                continue;
            };
            let Expression::CallExpression(call) = &es.expression else {
                continue;
            };
            let Expression::StaticMemberExpression(callee) = &call.callee else {
                continue;
            };
            let Expression::Identifier(object) = &callee.object else {
                continue;
            };
            if !matches!(object.name.as_str(), "vi" | "vitest") || callee.property.name != "mock" {
                continue;
            }
            let Some(Argument::StringLiteral(spec)) = call.arguments.first() else {
                return Err(format!(
                    "{name}: vi.mock() needs the module's path as a string literal"
                ));
            };
            let resolved = sources.resolve(name, spec.value.as_str())?;
            let factory = match call.arguments.get(1) {
                Some(a) => {
                    let s = a.span();
                    js[s.start as usize..s.end as usize].to_string()
                }
                None => "undefined".into(),
            };
            let path = serde_json::to_string(&resolved).unwrap_or_default();
            setup.push_str(&format!("__endure_t.registerMock({path}, {factory});\n"));
            // Blank the call out, keeping the lines where they are.
            let s = st.span();
            let blank: String = js[s.start as usize..s.end as usize]
                .chars()
                .map(|c| if c == '\n' { '\n' } else { ' ' })
                .collect();
            out.replace_range(s.start as usize..s.end as usize, &blank);
            self.mocked
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(resolved);
            found = true;
        }
        if !found {
            return Ok(None);
        }
        let setup_name = format!("{SETUP}{name}");
        self.setups
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(setup_name.clone(), setup);
        let quoted = serde_json::to_string(&setup_name).unwrap_or_default();
        // On the first line, so that the file's lines keep their numbers.
        Ok(Some(format!("import {quoted}; {out}")))
    }
}

/// The source of the mocked module of `path`: the real module's export names, each read from
/// what the mock answers.
pub fn mock_source(sources: &Sources, path: &str) -> String {
    let names = sources
        .load(path)
        .map(|js| export_names(&js))
        .unwrap_or_else(|_| vec!["default".into()]);
    let quoted = serde_json::to_string(path).unwrap_or_default();
    let mut src = format!(
        "const __endure_m = await globalThis.__endure_rt.testing().mockModule({quoted});\n"
    );
    for n in names {
        if n == "default" {
            src.push_str("export default __endure_m.default;\n");
        } else if is_identifier(&n) {
            src.push_str(&format!("export const {n} = __endure_m.{n};\n"));
        }
    }
    src
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The names an ES module exports (`export *` re-exports aside).
fn export_names(js: &str) -> Vec<String> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, js, SourceType::mjs()).parse();
    let mr = &parsed.module_record;
    let mut names: Vec<String> = mr
        .local_export_entries
        .iter()
        .chain(mr.indirect_export_entries.iter())
        .filter_map(|e| match &e.export_name {
            ExportExportName::Name(n) => Some(n.name.to_string()),
            ExportExportName::Default(_) => Some("default".to_string()),
            ExportExportName::Null => None,
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hoists_top_level_mocks_and_redirects_their_imports() {
        let d = std::env::temp_dir().join(format!("endure-mocks-{}", std::process::id()));
        std::fs::create_dir_all(d.join("src")).unwrap();
        std::fs::write(
            d.join("src/db.js"),
            "export function query() { return 1; }\nexport const NAME = 'db';\nexport default { query };\n",
        )
        .unwrap();
        std::fs::write(d.join("a.test.js"), "").unwrap();
        let sources = Sources::new(&d);
        let table = MockTable::default();
        let test = d.join("a.test.js").display().to_string();
        let js = "import { query } from './src/db.js';\nvi.mock('./src/db.js', () => ({ query: () => 2 }));\nquery();\n";
        let out = table.hoist(&sources, &test, js).unwrap().unwrap();
        let setup_name = format!("{SETUP}{test}");
        assert!(out.starts_with(&format!("import {:?}; import {{ query }}", setup_name)));
        assert_eq!(out.lines().count(), 3, "lines keep their numbers");
        assert!(!out.contains("vi.mock"));
        let db = d.join("src/db.js").display().to_string();
        assert!(table.setup(&setup_name).unwrap().contains(&format!(
            "registerMock({:?}, () => ({{ query: () => 2 }}))",
            db
        )));
        assert_eq!(table.redirect(&test, db.clone()), format!("{MOCK}{db}"));
        assert_eq!(table.redirect(&format!("{REAL}{db}"), db.clone()), db);
        let mock = mock_source(&sources, &db);
        assert!(mock.contains("export const query = __endure_m.query;"));
        assert!(mock.contains("export const NAME = __endure_m.NAME;"));
        assert!(mock.contains("export default __endure_m.default;"));
        assert_eq!(
            table.hoist(&sources, &test, "const x = 1;\n").unwrap(),
            None
        );
        std::fs::remove_dir_all(&d).unwrap();
    }
}
