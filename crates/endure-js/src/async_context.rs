//! Carrying `AsyncLocalStorage` across `await` (`node:async_hooks`).
//!
//! QuickJS resumes an async function from a promise reaction that no hook sees, so Endure
//! rewrites the source instead: each async function captures the context it was called in
//! (`const __ek = __endure_ac.c()` first in its body), and every place where it resumes puts that
//! context back — the value of each `await` (`__endure_ac.r(__ek, await x)`), the start of each
//! `catch` and `finally` block (a rejected `await` lands there), and the start of a `for await`
//! body. The runtime does the rest: promise callbacks, timers and microtasks run in the context
//! they were scheduled in, and each call from the host starts with none (`runtime/sections/
//! node.js`, `runtime/30-entrypoints.js`).
//!
//! The rewrite only inserts text, so lines keep their numbers (columns after an insertion on
//! the same line move). It runs on projects that turn on `nodejs_compat` or `nodejs_als`, the
//! flags that make workerd offer `AsyncLocalStorage`.

use oxc::allocator::Allocator;
use oxc::ast::ast::{
    ArrowFunctionBody, ArrowFunctionExpression, AwaitExpression, CatchClause, ForOfStatement,
    Function, FunctionBody, Statement, TryStatement,
};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::{ParseOptions, Parser};
use oxc::semantic::ScopeFlags;
use oxc::span::{GetSpan, SourceType};

const CAPTURE: &str = ";const __ek=__endure_ac.c();";
const RESTORE: &str = "__endure_ac.s(__ek);";

/// How the source is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// An ES module (TypeScript too, by `source_type`).
    Module(SourceType),
    /// A CommonJS file: the body of a function (`return` allowed at its top level).
    CommonJs,
}

/// `source` rewritten so that the async context follows its `await`s; `None` when nothing needs
/// rewriting. A source that does not parse is returned as an error with its place, the same
/// message QuickJS or the TypeScript compiler would give.
pub fn instrument(source: &str, goal: Goal) -> Result<Option<String>, String> {
    if !source.contains("await") {
        return Ok(None);
    }
    let allocator = Allocator::default();
    let (source_type, options) = match goal {
        Goal::Module(t) => (t, ParseOptions::default()),
        Goal::CommonJs => (
            SourceType::cjs(),
            ParseOptions {
                allow_return_outside_function: true,
                ..ParseOptions::default()
            },
        ),
    };
    let parsed = Parser::new(&allocator, source, source_type)
        .with_options(options)
        .parse();
    if let Some(e) = parsed.diagnostics.first() {
        return Err(e.message.to_string());
    }
    let mut edits = Edits::default();
    edits.visit_program(&parsed.program);
    if edits.list.is_empty() {
        return Ok(None);
    }
    Ok(Some(edits.apply(source)))
}

/// One insertion: the text goes in at `pos`. Where several go in at one place, closing texts
/// come first, innermost first, then opening ones, outermost first.
struct Edit {
    pos: u32,
    close: bool,
    seq: u32,
    text: &'static str,
}

#[derive(Default)]
struct Edits {
    list: Vec<Edit>,
    /// Whether each enclosing function is async (innermost last); empty at a module's top level.
    functions: Vec<bool>,
    seq: u32,
}

impl Edits {
    fn open(&mut self, pos: u32, text: &'static str) -> u32 {
        self.seq += 1;
        self.list.push(Edit {
            pos,
            close: false,
            seq: self.seq,
            text,
        });
        self.seq
    }

    fn close(&mut self, pos: u32, seq: u32, text: &'static str) {
        self.list.push(Edit {
            pos,
            close: true,
            seq,
            text,
        });
    }

    fn in_async(&self) -> bool {
        self.functions.last() == Some(&true)
    }

    /// The capture at the start of an async function's body (after its directives).
    fn capture(&mut self, body: &FunctionBody<'_>) {
        let pos = body
            .directives
            .last()
            .map_or(body.span.start + 1, |d| d.span.end);
        self.open(pos, CAPTURE);
    }

    /// The restore at the start of a block (`catch`, `finally`, a `for await` body).
    fn restore_in(&mut self, statement: &Statement<'_>) {
        if let Statement::BlockStatement(b) = statement {
            self.open(b.span.start + 1, RESTORE);
        } else {
            let span = statement.span();
            let seq = self.open(span.start, "{__endure_ac.s(__ek);");
            self.close(span.end, seq, "}");
        }
    }

    fn apply(mut self, source: &str) -> String {
        self.list.sort_by_key(|e| {
            let order = if e.close {
                u64::from(u32::MAX - e.seq)
            } else {
                (1 << 32) | u64::from(e.seq)
            };
            (e.pos, order)
        });
        let extra: usize = self.list.iter().map(|e| e.text.len()).sum();
        let mut out = String::with_capacity(source.len() + extra);
        let mut at = 0usize;
        for e in &self.list {
            let pos = (e.pos as usize).min(source.len());
            out.push_str(&source[at..pos]);
            out.push_str(e.text);
            at = pos;
        }
        out.push_str(&source[at..]);
        out
    }
}

impl<'a> Visit<'a> for Edits {
    fn visit_function(&mut self, f: &Function<'a>, flags: ScopeFlags) {
        self.functions.push(f.r#async);
        if f.r#async
            && let Some(body) = &f.body
        {
            self.capture(body);
        }
        walk::walk_function(self, f, flags);
        self.functions.pop();
    }

    fn visit_arrow_function_expression(&mut self, f: &ArrowFunctionExpression<'a>) {
        self.functions.push(f.r#async);
        if f.r#async {
            match &f.body {
                ArrowFunctionBody::FunctionBody(body) => self.capture(body),
                expression => {
                    let span = expression.span();
                    let seq = self.open(span.start, "{const __ek=__endure_ac.c();return(");
                    self.close(span.end, seq, ")}");
                }
            }
        }
        walk::walk_arrow_function_expression(self, f);
        self.functions.pop();
    }

    fn visit_await_expression(&mut self, a: &AwaitExpression<'a>) {
        let seq = if self.in_async() {
            self.open(a.span.start, "__endure_ac.r(__ek,")
        } else {
            // A module's top-level `await`: it resumes in no context.
            self.open(a.span.start, "__endure_ac.r(void 0,")
        };
        walk::walk_await_expression(self, a);
        self.close(a.span.end, seq, ")");
    }

    fn visit_catch_clause(&mut self, c: &CatchClause<'a>) {
        if self.in_async() {
            self.open(c.body.span.start + 1, RESTORE);
        }
        walk::walk_catch_clause(self, c);
    }

    fn visit_try_statement(&mut self, t: &TryStatement<'a>) {
        self.visit_block_statement(&t.block);
        if let Some(h) = &t.handler {
            self.visit_catch_clause(h);
        }
        if let Some(f) = &t.finalizer {
            if self.in_async() {
                self.open(f.span.start + 1, RESTORE);
            }
            self.visit_block_statement(f);
        }
    }

    fn visit_for_of_statement(&mut self, s: &ForOfStatement<'a>) {
        if s.r#await && self.in_async() {
            self.visit_for_statement_left(&s.left);
            self.visit_expression(&s.right);
            self.restore_in(&s.body);
            self.visit_statement(&s.body);
        } else {
            walk::walk_for_of_statement(self, s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(src: &str) -> String {
        instrument(src, Goal::Module(SourceType::mjs()))
            .unwrap()
            .unwrap_or_else(|| src.to_string())
    }

    #[test]
    fn awaits_restore_the_function_context() {
        let out = js("async function f(){ const a = await g(); return a + await h(await i()); }");
        assert_eq!(
            out,
            "async function f(){;const __ek=__endure_ac.c(); const a = __endure_ac.r(__ek,await g()); return a + __endure_ac.r(__ek,await h(__endure_ac.r(__ek,await i()))); }"
        );
    }

    #[test]
    fn arrows_methods_and_directives() {
        assert_eq!(
            js("const f = async (x) => await x;"),
            "const f = async (x) => {const __ek=__endure_ac.c();return(__endure_ac.r(__ek,await x))};"
        );
        assert_eq!(
            js("class A { async m() { 'use strict'; await 1 } }"),
            "class A { async m() { 'use strict';;const __ek=__endure_ac.c(); __endure_ac.r(__ek,await 1) } }"
        );
    }

    #[test]
    fn catch_finally_and_for_await_restore_only_in_async_functions() {
        let out = js(
            "async function f(){try{await a}catch(e){g()}finally{h()}\nfunction s(){try{}catch{}}\nfor await (const x of y) z(x);}",
        );
        assert_eq!(
            out,
            "async function f(){;const __ek=__endure_ac.c();try{__endure_ac.r(__ek,await a)}catch(e){__endure_ac.s(__ek);g()}finally{__endure_ac.s(__ek);h()}\nfunction s(){try{}catch{}}\nfor await (const x of y) {__endure_ac.s(__ek);z(x);}}"
        );
    }

    #[test]
    fn top_level_await_and_untouched_sources() {
        assert_eq!(js("await x;"), "__endure_ac.r(void 0,await x);");
        assert!(
            instrument("const a = 1;", Goal::Module(SourceType::mjs()))
                .unwrap()
                .is_none()
        );
        // The word alone (in a string) changes nothing.
        assert!(
            instrument("const a = 'await';", Goal::Module(SourceType::mjs()))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn commonjs_and_typescript() {
        let out = instrument("return async function(){ await 1 }", Goal::CommonJs)
            .unwrap()
            .unwrap();
        assert!(out.contains("__endure_ac.r(__ek,await 1)"), "{out}");
        let out = instrument(
            "export async function f(x: number): Promise<number> { return await g<number>(x) }",
            Goal::Module(SourceType::ts()),
        )
        .unwrap()
        .unwrap();
        assert!(
            out.contains("__endure_ac.r(__ek,await g<number>(x))"),
            "{out}"
        );
        assert!(instrument("async function(){ await", Goal::CommonJs).is_err());
    }
}
