//! TypeScript → JavaScript: types stripped with oxc, nothing else lowered (QuickJS runs modern
//! JavaScript as it is).

use oxc::allocator::Allocator;
use oxc::codegen::Codegen;
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::SourceType;
use oxc::transformer::{TransformOptions, Transformer};
use std::path::Path;

/// Whether a file needs [`strip_types`] (by extension).
pub fn is_typescript(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ts" | "mts" | "cts" | "tsx")
    )
}

/// Strips TypeScript types from `source` (the file at `path`). Errors are the parser's
/// messages with line numbers.
pub fn strip_types(path: &Path, source: &str) -> Result<String, String> {
    let allocator = Allocator::default();
    let source_type = SourceType::from_path(path)
        .unwrap_or_else(|_| SourceType::ts())
        .with_module(true);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if !parsed.diagnostics.is_empty() {
        return Err(diagnostics(source, &parsed.diagnostics));
    }
    let mut program = parsed.program;
    let semantic = SemanticBuilder::new()
        .with_excess_capacity(2.0)
        .build(&program);
    if !semantic.diagnostics.is_empty() {
        return Err(diagnostics(source, &semantic.diagnostics));
    }
    let scoping = semantic.semantic.into_scoping();
    let options = TransformOptions::default();
    let ret =
        Transformer::new(&allocator, path, &options).build_with_scoping(scoping, &mut program);
    if ret.diagnostics.has_errors() {
        return Err(diagnostics(source, &ret.diagnostics));
    }
    Ok(Codegen::new().build(&program).code)
}

fn diagnostics(source: &str, errors: &[oxc::diagnostics::OxcDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| {
            let at = e
                .labels
                .first()
                .map(|l| {
                    let offset = (l.offset() as usize).min(source.len());
                    let line = source[..offset].matches('\n').count() + 1;
                    format!(" (line {line})")
                })
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
        let js = strip_types(Path::new("src/index.ts"), ts).unwrap();
        assert!(!js.contains("interface"), "{js}");
        assert!(!js.contains(": number"), "{js}");
        assert!(js.contains("step.do(\"a\""), "{js}");
        assert!(js.contains("class W extends WorkflowEntrypoint"), "{js}");
        // Type-only names are dropped from the import; the class stays.
        assert!(js.contains("import { WorkflowEntrypoint }"), "{js}");
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let e = strip_types(Path::new("a.ts"), "const a = 1;\nconst = ;\n").unwrap_err();
        assert!(e.contains("line 2"), "{e}");
    }
}
