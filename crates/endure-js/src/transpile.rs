//! TypeScript, TSX and JSX → JavaScript with oxc: types stripped, JSX compiled as
//! `tsconfig.json` asks (`jsx`, `jsxImportSource`, `jsxFactory`, `jsxFragmentFactory`), legacy
//! decorators lowered when it sets `experimentalDecorators`; nothing else lowered (QuickJS runs
//! modern JavaScript as it is). Errors name the file, line and column.

use oxc::allocator::Allocator;
use oxc::codegen::Codegen;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{JsxRuntime, TransformOptions, Transformer};
use std::path::Path;

/// What a project's `tsconfig.json` says about compiling its sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `experimentalDecorators`: TypeScript's legacy decorators, lowered.
    pub legacy_decorators: bool,
    /// `emitDecoratorMetadata` (with legacy decorators).
    pub decorator_metadata: bool,
    /// `jsx: "react"` (classic `React.createElement` calls) rather than the automatic runtime.
    pub jsx_classic: bool,
    /// `jsxImportSource` (automatic runtime; default `react`).
    pub jsx_import_source: Option<String>,
    /// `jsxFactory` (classic runtime; default `React.createElement`).
    pub jsx_factory: Option<String>,
    /// `jsxFragmentFactory` (classic runtime; default `React.Fragment`).
    pub jsx_fragment_factory: Option<String>,
    /// `baseUrl`, absolute: bare specifiers are also looked up under it.
    pub base_url: Option<std::path::PathBuf>,
    /// `paths`: a pattern (one `*` at most) and its targets, tried in order.
    pub paths: Vec<(String, Vec<String>)>,
    /// Where `paths` targets are relative to: `baseUrl`, or the tsconfig's folder.
    pub paths_base: std::path::PathBuf,
}

impl Options {
    /// The options in `dir/tsconfig.json` (JSON with comments); the defaults without one.
    pub fn from_tsconfig(dir: &Path) -> Result<Options, String> {
        let path = dir.join("tsconfig.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(Options::default());
        };
        let v = crate::config::parse_jsonc(&text)
            .map_err(|e| format!("{}: invalid JSON: {e}", path.display()))?;
        let c = &v["compilerOptions"];
        let flag = |k: &str| c[k].as_bool().unwrap_or(false);
        let text = |k: &str| c[k].as_str().map(String::from);
        let base_url = text("baseUrl").map(|b| dir.join(b));
        let paths = c["paths"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let targets = v
                            .as_array()
                            .map(|a| {
                                a.iter()
                                    .filter_map(|t| t.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (k.clone(), targets)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Options {
            paths_base: base_url.clone().unwrap_or_else(|| dir.to_path_buf()),
            base_url,
            paths,
            legacy_decorators: flag("experimentalDecorators"),
            decorator_metadata: flag("emitDecoratorMetadata"),
            jsx_classic: c["jsx"]
                .as_str()
                .is_some_and(|j| j.eq_ignore_ascii_case("react")),
            jsx_import_source: text("jsxImportSource"),
            jsx_factory: text("jsxFactory"),
            jsx_fragment_factory: text("jsxFragmentFactory"),
        })
    }

    fn transform(&self) -> TransformOptions {
        let mut o = TransformOptions::default();
        o.decorator.legacy = self.legacy_decorators;
        o.decorator.emit_decorator_metadata = self.legacy_decorators && self.decorator_metadata;
        // Helpers (the decorator ones) come from the runtime prelude's `babelHelpers`, not from
        // an npm package the project would have to install.
        o.helper_loader.mode = oxc::transformer::HelperLoaderMode::External;
        if self.jsx_classic {
            o.jsx.runtime = JsxRuntime::Classic;
            o.jsx.pragma = self.jsx_factory.clone();
            o.jsx.pragma_frag = self.jsx_fragment_factory.clone();
        } else {
            o.jsx.runtime = JsxRuntime::Automatic;
            o.jsx.import_source = self.jsx_import_source.clone();
        }
        o
    }
}

/// Whether a file needs [`compile`] (by extension).
pub fn is_typescript(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ts" | "mts" | "cts" | "tsx" | "jsx")
    )
}

/// Compiles `source` (the file at `path`): types stripped, JSX compiled, legacy decorators
/// lowered when `options` ask. Errors are the compiler's messages with line and column.
pub fn compile(path: &Path, source: &str, options: &Options) -> Result<String, String> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path)
        .unwrap_or_else(|_| SourceType::ts())
        .with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if !parsed.diagnostics.is_empty() {
        return Err(diagnostics(source, &parsed.diagnostics));
    }
    let mut program = parsed.program;
    if !options.legacy_decorators
        && let Some(at) = first_decorator(&program)
    {
        // Standard decorators were lowered before (decorators.rs); what is left is a
        // parameter decorator, which only TypeScript's legacy decorators have.
        return Err(format!(
            "a decorator{}: parameter decorators are TypeScript's legacy decorators; set \
             \"experimentalDecorators\": true in tsconfig.json's compilerOptions",
            location(source, at)
        ));
    }
    let semantic = SemanticBuilder::new()
        .with_excess_capacity(2.0)
        .build(&program);
    if !semantic.diagnostics.is_empty() {
        return Err(diagnostics(source, &semantic.diagnostics));
    }
    let scoping = semantic.semantic.into_scoping();
    let options = options.transform();
    let ret =
        Transformer::new(&allocator, path, &options).build_with_scoping(scoping, &mut program);
    if ret.diagnostics.has_errors() {
        return Err(diagnostics(source, &ret.diagnostics));
    }
    Ok(Codegen::new().build(&program).code)
}

/// Where the first decorator of `program` starts, if it has one.
fn first_decorator(program: &oxc::ast::ast::Program<'_>) -> Option<u32> {
    use oxc::ast_visit::Visit;
    struct Find(Option<u32>);
    impl<'a> Visit<'a> for Find {
        fn visit_decorator(&mut self, d: &oxc::ast::ast::Decorator<'a>) {
            self.0.get_or_insert(d.span.start);
        }
    }
    let mut f = Find(None);
    f.visit_program(program);
    f.0
}

/// ` (line L, column C)` of byte `offset` in `source`.
fn location(source: &str, offset: u32) -> String {
    let offset = (offset as usize).min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" (line {line}, column {column})")
}

fn diagnostics(source: &str, errors: &[oxc::diagnostics::OxcDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let at = e
                .labels
                .first()
                .map(|l| location(source, l.offset()))
                .unwrap_or_default();
            format!("{}{at}", e.message)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_go_and_code_stays() {
        let ts = r#"
import { WorkflowEntrypoint, WorkflowStep, WorkflowEvent } from 'cloudflare:workers';
type Params = { email: string };
interface Env { X: string }
export class W extends WorkflowEntrypoint<Env, Params> {
  private n: number = 1;
  async run(event: WorkflowEvent<Params>, step: WorkflowStep): Promise<number> {
    const r = await step.do('a', async () => ({ ok: true } as const));
    return (r as any).ok ? this.n! : 0;
  }
}
"#;
        let js = compile(Path::new("src/index.ts"), ts, &Options::default()).unwrap();
        assert!(!js.contains("interface"), "{js}");
        assert!(!js.contains(": number"), "{js}");
        assert!(js.contains("step.do(\"a\""), "{js}");
        assert!(js.contains("class W extends WorkflowEntrypoint"), "{js}");
        // Type-only names are dropped from the import; the class stays.
        assert!(js.contains("import { WorkflowEntrypoint }"), "{js}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = compile(
            Path::new("a.ts"),
            "const a = 1;\nconst = ;\n",
            &Options::default(),
        )
        .unwrap_err();
        assert!(e.contains("line 2, column 7"), "{e}");
    }

    const DECORATED: &str = "function logged(target: any, key: string, d: PropertyDescriptor) {\n  const f = d.value;\n  d.value = function (...a: any[]) { return 'logged ' + f.apply(this, a); };\n}\nexport class A {\n  @logged\n  hi() { return 'hi'; }\n}\n";

    #[test]
    fn legacy_decorators_are_lowered_when_tsconfig_asks() {
        let o = Options {
            legacy_decorators: true,
            ..Options::default()
        };
        let js = compile(Path::new("a.ts"), DECORATED, &o).unwrap();
        assert!(!js.contains("@logged"), "{js}");
        assert!(js.contains("logged"), "{js}");
        // Without experimentalDecorators: a clear error with the place, not a SyntaxError later.
        let e = compile(Path::new("a.ts"), DECORATED, &Options::default()).unwrap_err();
        assert!(e.contains("line 6, column 3"), "{e}");
        assert!(e.contains("experimentalDecorators"), "{e}");
    }

    #[test]
    fn jsx_follows_tsconfig() {
        let tsx = "export const el = <div class=\"x\">hi</div>;\n";
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("tsconfig.json"),
            "{\n  // hono's JSX\n  \"compilerOptions\": { \"jsx\": \"react-jsx\", \"jsxImportSource\": \"hono/jsx\", },\n}\n",
        )
        .unwrap();
        let o = Options::from_tsconfig(dir.path()).unwrap();
        assert_eq!(o.jsx_import_source.as_deref(), Some("hono/jsx"));
        let js = compile(Path::new("a.tsx"), tsx, &o).unwrap();
        assert!(js.contains("hono/jsx/jsx-runtime"), "{js}");
        let classic = Options {
            jsx_classic: true,
            jsx_factory: Some("h".into()),
            ..Options::default()
        };
        let js = compile(Path::new("a.jsx"), tsx, &classic).unwrap();
        assert!(js.contains("h(\"div\""), "{js}");
    }
}
