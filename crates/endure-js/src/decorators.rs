//! TC39 (standard) decorators, which QuickJS cannot parse and oxc 0.146 does not lower: each
//! class that has them is rewritten into a call of the prelude's `__endure_dcl` (runtime/
//! sections/decorators.js), which applies them as the standard says.
//!
//! ```js
//! @logged class C { @bound m() {} @tracked x = 1; accessor y = 2; }
//! // becomes (line numbers kept)
//! let C = __endure_dcl((__h) => class C { #__endure_ei = __h.start(this); m() {}
//!   x = __h.field(this, 0, (1)); #__endure_a1 = __h.field(this, 1, (2)); get y() {…} set y(v) {…} },
//!   [logged], [[[bound], "method", "m", false, -1], [[tracked], "field", "x", false, 0],
//!   [[], "accessor", "y", false, 1]], "C");
//! ```
//!
//! The decorator expressions are evaluated before the class body (the standard interleaves
//! them with computed keys), and a class's own name inside its body is the undecorated class.
//! Not offered: decorators on private (`#x`) members and on constructors.

use oxc::allocator::Allocator;
use oxc::ast::ast::{
    AccessorProperty, Class, ClassElement, ClassType, Decorator, ExportDefaultDeclaration,
    ExportDefaultDeclarationKind, MethodDefinitionKind, PropertyDefinition, PropertyKey,
};
use oxc::ast_visit::{Visit, walk};
use oxc::parser::Parser;
use oxc::span::{GetSpan, SourceType, Span};

/// `source` with its standard decorators (and `accessor` fields) rewritten; `None` when it has
/// none. Errors name the line and column.
pub fn lower(source: &str, source_type: SourceType) -> Result<Option<String>, String> {
    if !source.contains('@') && !source.contains("accessor") {
        return Ok(None);
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, source_type).parse();
    if !parsed.diagnostics.is_empty() {
        // The compiler (or QuickJS) reports it with its place.
        return Ok(None);
    }
    let mut r = Rewrite {
        source,
        edits: Vec::new(),
        seq: 0,
        default_exported: Vec::new(),
        error: None,
        accessor_names: 0,
    };
    r.visit_program(&parsed.program);
    if let Some(e) = r.error {
        return Err(e);
    }
    if r.edits.is_empty() {
        return Ok(None);
    }
    r.apply().map(Some)
}

struct Edit {
    start: u32,
    end: u32,
    text: String,
    /// Ends a construct (a wrapper's closing text): at one place, inner ones go first.
    close: bool,
    seq: u32,
}

struct Rewrite<'s> {
    source: &'s str,
    edits: Vec<Edit>,
    seq: u32,
    /// Spans of `export default class` declarations (the class itself).
    default_exported: Vec<Span>,
    error: Option<String>,
    accessor_names: u32,
}

/// A class member that `__endure_dcl` decorates.
struct Member {
    decorators: String,
    kind: &'static str,
    key: String,
    is_static: bool,
    slot: i64,
}

fn location(source: &str, offset: u32) -> String {
    let before = source.get(..offset as usize).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

impl<'s> Rewrite<'s> {
    fn text(&self, span: Span) -> &'s str {
        &self.source[span.start as usize..span.end as usize]
    }

    fn edit(&mut self, start: u32, end: u32, text: impl Into<String>, close: bool) {
        self.seq += 1;
        self.edits.push(Edit {
            start,
            end,
            text: text.into(),
            close,
            seq: self.seq,
        });
    }

    fn fail(&mut self, at: u32, what: &str) {
        if self.error.is_none() {
            self.error = Some(format!("{what} ({})", location(self.source, at)));
        }
    }

    /// Takes the decorators out of the source (keeping their line breaks); their expressions
    /// as a JavaScript array.
    fn take(&mut self, decorators: &[Decorator<'_>]) -> String {
        for d in decorators {
            let breaks = "\n".repeat(self.text(d.span).matches('\n').count());
            self.edit(d.span.start, d.span.end, breaks, false);
        }
        self.list(decorators)
    }

    /// The decorators' expressions as a JavaScript array (for members whose whole head is
    /// replaced, decorators included).
    fn list(&self, decorators: &[Decorator<'_>]) -> String {
        let list: Vec<&str> = decorators
            .iter()
            .map(|d| self.text(d.expression.span()))
            .collect();
        format!("[{}]", list.join(", "))
    }

    /// A member's key: as an expression (for `context.name`) and as written in a class body.
    fn key(&mut self, key: &PropertyKey<'_>, computed: bool) -> Option<(String, String)> {
        match key {
            PropertyKey::StaticIdentifier(id) => Some((
                serde_json::to_string(id.name.as_str()).unwrap_or_default(),
                id.name.to_string(),
            )),
            PropertyKey::PrivateIdentifier(p) => {
                self.fail(
                    p.span.start,
                    "decorators and `accessor` on private (#) members are not supported by Endure yet",
                );
                None
            }
            other => {
                let text = self.text(other.span()).to_string();
                if computed {
                    Some((text.clone(), format!("[{text}]")))
                } else {
                    Some((text.clone(), text))
                }
            }
        }
    }

    fn member_start(span: Span, decorators: &[Decorator<'_>]) -> u32 {
        decorators
            .iter()
            .map(|d| d.span.start)
            .min()
            .map_or(span.start, |d| d.min(span.start))
    }

    fn field(&mut self, p: &PropertyDefinition<'_>, slot: i64) -> Option<Member> {
        let decorators = if p.r#static {
            self.list(&p.decorators)
        } else {
            self.take(&p.decorators)
        };
        let (name, _) = self.key(&p.key, p.computed)?;
        if p.r#static {
            let start = Self::member_start(p.span, &p.decorators);
            match &p.value {
                Some(v) => {
                    self.edit(
                        start,
                        v.span().start,
                        format!("static {{ __h.defer(this, {slot}, {name}, () => ("),
                        false,
                    );
                    self.edit(v.span().end, v.span().end, ")); }", true);
                }
                None => self.edit(
                    start,
                    p.span.end,
                    format!("static {{ __h.defer(this, {slot}, {name}, () => undefined); }}"),
                    false,
                ),
            }
        } else {
            match &p.value {
                Some(v) => {
                    self.edit(
                        v.span().start,
                        v.span().start,
                        format!("__h.field(this, {slot}, ("),
                        false,
                    );
                    self.edit(v.span().end, v.span().end, "))", true);
                }
                None => {
                    let end = p.span.end;
                    let at = if self.source.as_bytes().get(end as usize - 1) == Some(&b';') {
                        end - 1
                    } else {
                        end
                    };
                    self.edit(
                        at,
                        at,
                        format!(" = __h.field(this, {slot}, undefined)"),
                        false,
                    );
                }
            }
        }
        Some(Member {
            decorators,
            kind: "field",
            key: name,
            is_static: p.r#static,
            slot,
        })
    }

    fn accessor(&mut self, a: &AccessorProperty<'_>, slot: i64) -> Option<Member> {
        let decorators = self.list(&a.decorators);
        let (name, written) = self.key(&a.key, a.computed)?;
        self.accessor_names += 1;
        let field = format!("#__endure_a{}", self.accessor_names);
        let start = Self::member_start(a.span, &a.decorators);
        let s = if a.r#static { "static " } else { "" };
        let methods = format!(
            "{s}get {written}() {{ return this.{field}; }} {s}set {written}(v) {{ this.{field} = v; }}"
        );
        match (&a.value, a.r#static) {
            (Some(v), false) => {
                self.edit(
                    start,
                    v.span().start,
                    format!("{field} = __h.field(this, {slot}, ("),
                    false,
                );
                self.edit(v.span().end, v.span().end, format!(")); {methods}"), true);
            }
            (None, false) => self.edit(
                start,
                a.span.end,
                format!("{field} = __h.field(this, {slot}, undefined); {methods}"),
                false,
            ),
            (Some(v), true) => {
                self.edit(
                    start,
                    v.span().start,
                    format!(
                        "static {field}; {methods} static {{ __h.defer(this, {slot}, null, () => ("
                    ),
                    false,
                );
                self.edit(
                    v.span().end,
                    v.span().end,
                    format!(
                        "), (c, v) => {{ c.{field} = v; }}); }}"
                    ),
                    true,
                );
            }
            (None, true) => self.edit(
                start,
                a.span.end,
                format!(
                    "static {field}; {methods} static {{ __h.defer(this, {slot}, null, () => undefined, (c, v) => {{ c.{field} = v; }}); }}"
                ),
                false,
            ),
        }
        Some(Member {
            decorators,
            kind: "accessor",
            key: name,
            is_static: a.r#static,
            slot,
        })
    }

    fn class(&mut self, class: &Class<'_>) {
        let needs = !class.decorators.is_empty()
            || class.body.body.iter().any(|e| match e {
                ClassElement::MethodDefinition(m) => !m.decorators.is_empty(),
                ClassElement::PropertyDefinition(p) => !p.decorators.is_empty(),
                ClassElement::AccessorProperty(_) => true,
                ClassElement::StaticBlock(_) | ClassElement::TSIndexSignature(_) => false,
            });
        if !needs {
            return;
        }
        let class_decorators = self.take(&class.decorators);
        let mut members = Vec::new();
        let mut slot = 0i64;
        for e in &class.body.body {
            let m = match e {
                ClassElement::MethodDefinition(m) if !m.decorators.is_empty() => {
                    let kind = match m.kind {
                        MethodDefinitionKind::Constructor => {
                            self.fail(m.span.start, "a constructor cannot be decorated");
                            return;
                        }
                        MethodDefinitionKind::Method => "method",
                        MethodDefinitionKind::Get => "getter",
                        MethodDefinitionKind::Set => "setter",
                    };
                    let decorators = self.take(&m.decorators);
                    let Some((key, _)) = self.key(&m.key, m.computed) else {
                        return;
                    };
                    Some(Member {
                        decorators,
                        kind,
                        key,
                        is_static: m.r#static,
                        slot: -1,
                    })
                }
                ClassElement::PropertyDefinition(p) if !p.decorators.is_empty() => {
                    slot += 1;
                    let Some(m) = self.field(p, slot - 1) else {
                        return;
                    };
                    Some(m)
                }
                ClassElement::AccessorProperty(a) => {
                    slot += 1;
                    let Some(m) = self.accessor(a, slot - 1) else {
                        return;
                    };
                    Some(m)
                }
                _ => None,
            };
            members.extend(m);
        }
        if members.iter().any(|m| !m.is_static) {
            let at = class.body.span.start + 1;
            self.edit(at, at, " #__endure_ei = __h.start(this);", false);
        }
        let after_decorators = class
            .decorators
            .iter()
            .map(|d| d.span.end)
            .max()
            .unwrap_or(class.span.start)
            .max(class.span.start);
        let Some(keyword) = find_keyword(self.source, after_decorators as usize, "class") else {
            self.fail(class.span.start, "cannot find the class keyword");
            return;
        };
        let keyword = keyword as u32;
        let name = class.id.as_ref().map(|i| i.name.to_string());
        let members_js = members
            .iter()
            .map(|m| {
                format!(
                    "[{}, \"{}\", {}, {}, {}]",
                    m.decorators, m.kind, m.key, m.is_static, m.slot
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let tail = format!(
            ", {class_decorators}, [{members_js}], {})",
            serde_json::to_string(name.as_deref().unwrap_or("")).unwrap_or_default()
        );
        let default_export = self.default_exported.contains(&class.span);
        match (class.r#type, &name) {
            (ClassType::ClassDeclaration, Some(n)) if default_export => {
                let export_at = self.default_export_start(class);
                self.edit(export_at, export_at, format!("let {n}; "), false);
                self.edit(
                    keyword,
                    keyword,
                    format!("({n} = __endure_dcl((__h) => "),
                    false,
                );
                self.edit(class.span.end, class.span.end, format!("{tail});"), true);
            }
            (ClassType::ClassDeclaration, Some(n)) => {
                self.edit(
                    keyword,
                    keyword,
                    format!("let {n} = __endure_dcl((__h) => "),
                    false,
                );
                self.edit(class.span.end, class.span.end, format!("{tail};"), true);
            }
            _ => {
                self.edit(keyword, keyword, "__endure_dcl((__h) => ", false);
                self.edit(class.span.end, class.span.end, tail, true);
            }
        }
    }

    /// Where the `export default` before `class` begins (the statement's start).
    fn default_export_start(&self, class: &Class<'_>) -> u32 {
        let upto = class.span.start as usize;
        self.source[..upto]
            .rfind("export")
            .map_or(class.span.start, |i| i as u32)
    }

    fn apply(mut self) -> Result<String, String> {
        self.edits.sort_by_key(|e| {
            let order = if e.close {
                i64::from(u32::MAX - e.seq)
            } else {
                (1i64 << 33) + i64::from(e.seq)
            };
            (e.start, order)
        });
        let mut out = String::with_capacity(self.source.len() + 256);
        let mut at = 0usize;
        for e in &self.edits {
            let (s, t) = (e.start as usize, e.end as usize);
            if s < at {
                return Err(format!(
                    "decorators Endure cannot rewrite here (nested in a decorator?) ({})",
                    location(self.source, e.start)
                ));
            }
            out.push_str(&self.source[at..s]);
            out.push_str(&e.text);
            at = t;
        }
        out.push_str(&self.source[at..]);
        Ok(out)
    }
}

/// The first `word` at or after `from` that stands alone (not part of a longer name).
fn find_keyword(source: &str, from: usize, word: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut i = from;
    while let Some(off) = source.get(i..)?.find(word) {
        let at = i + off;
        let before_ok = at == 0 || !ident(bytes[at - 1]);
        let after_ok = bytes.get(at + word.len()).is_none_or(|b| !ident(*b));
        if before_ok && after_ok {
            return Some(at);
        }
        i = at + word.len();
    }
    None
}

impl<'a> Visit<'a> for Rewrite<'_> {
    fn visit_export_default_declaration(&mut self, it: &ExportDefaultDeclaration<'a>) {
        if let ExportDefaultDeclarationKind::ClassDeclaration(c) = &it.declaration {
            self.default_exported.push(c.span);
        }
        walk::walk_export_default_declaration(self, it);
    }

    fn visit_class(&mut self, class: &Class<'a>) {
        self.class(class);
        walk::walk_class(self, class);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn js(src: &str) -> String {
        lower(src, SourceType::mjs()).unwrap().unwrap()
    }

    #[test]
    fn classes_members_and_exports() {
        let out = js("@a @b(1) class C { @m x() {} @f y = 2; z = 3; }");
        assert_eq!(
            out,
            "  let C = __endure_dcl((__h) => class C { #__endure_ei = __h.start(this);  x() {}  y = __h.field(this, 0, (2)); z = 3; }, [a, b(1)], [[[m], \"method\", \"x\", false, -1], [[f], \"field\", \"y\", false, 0]], \"C\");"
        );
        let out = js("export default @dec class A {}");
        assert!(
            out.starts_with(
                "let A; export default  (A = __endure_dcl((__h) => class A {}, [dec], [], \"A\"));"
            ),
            "{out}"
        );
        let out = js("export const B = @dec class {};");
        assert_eq!(
            out,
            "export const B =  __endure_dcl((__h) => class {}, [dec], [], \"\");"
        );
    }

    #[test]
    fn accessors_static_fields_and_untouched_sources() {
        let out = js("class D { accessor n = 1; @s static k = this.name; }");
        assert!(out.contains("#__endure_a1 = __h.field(this, 0, (1)); get n() { return this.#__endure_a1; } set n(v) { this.#__endure_a1 = v; }"), "{out}");
        assert!(
            out.contains("static { __h.defer(this, 1, \"k\", () => (this.name)); }"),
            "{out}"
        );
        assert!(
            lower("const a = 'x@y';", SourceType::mjs())
                .unwrap()
                .is_none()
        );
        let e = lower("class E { @d #p() {} }", SourceType::mjs()).unwrap_err();
        assert!(
            e.contains("private") && e.contains("line 1, column 14"),
            "{e}"
        );
    }
}
