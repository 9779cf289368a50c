//! Variables a query uses without declaring them.
//!
//! The seeds' example queries use `$accountTag`, `$datetimeStart`, … in an anonymous `{ … }`
//! operation that declares none of them, and give their values beside the query. GraphQL
//! validation refuses that ("variable is not defined"). So that those queries run as the
//! seeds show them, each use of a variable that no operation declares and whose value the
//! request gives is replaced by that value as a literal before the query is parsed for real.
//! Declared variables, and undeclared ones without a value, are left to GraphQL.

use serde_json::{Map, Value};
use std::collections::HashSet;

/// The query with undeclared variables that `values` gives written in as literals.
pub fn inline_undeclared(query: &str, values: &Map<String, Value>) -> String {
    let Ok(doc) = async_graphql::parser::parse_query(query) else {
        return query.to_string(); // GraphQL reports the syntax error itself
    };
    let declared: HashSet<String> = doc
        .operations
        .iter()
        .flat_map(|(_, op)| {
            op.node
                .variable_definitions
                .iter()
                .map(|v| v.node.name.node.to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    let mut out = String::with_capacity(query.len());
    let mut chars = query.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' => {
                out.push(c);
                for (_, c) in chars.by_ref() {
                    out.push(c);
                    if c == '\n' || c == '\r' {
                        break;
                    }
                }
            }
            '"' => {
                let block = query[i..].starts_with("\"\"\"");
                let end = if block {
                    string_end(query, i + 3, "\"\"\"")
                } else {
                    string_end(query, i + 1, "\"")
                };
                out.push_str(&query[i..end]);
                while chars.peek().is_some_and(|(j, _)| *j < end) {
                    chars.next();
                }
            }
            '$' => {
                let start = i + 1;
                let len = query[start..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(query.len() - start);
                let name = &query[start..start + len];
                match values.get(name) {
                    Some(v) if !declared.contains(name) && !name.is_empty() => {
                        out.push_str(&literal(v));
                        while chars.peek().is_some_and(|(j, _)| *j < start + len) {
                            chars.next();
                        }
                    }
                    _ => out.push(c),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Where a string that starts before `from` ends (just past `close`; escapes skipped).
fn string_end(query: &str, from: usize, close: &str) -> usize {
    let bytes = query.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if close.len() == 1 && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if query[i..].starts_with(close) {
            return i + close.len();
        }
        i += 1;
    }
    query.len()
}

/// A JSON value as a GraphQL literal.
fn literal(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}: {}", literal(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        // JSON's strings, numbers, booleans and null are GraphQL literals as they are.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn undeclared_uses_become_literals() {
        let q = "{ a(filter: {accountTag: $accountTag, n: $n, l: $l}) # $accountTag\n { b(s: \"$n\") } }";
        let v = vars(json!({"accountTag": "x\"y", "n": 3, "l": [1, {"k": true}]}));
        assert_eq!(
            inline_undeclared(q, &v),
            "{ a(filter: {accountTag: \"x\\\"y\", n: 3, l: [1, {k: true}]}) # $accountTag\n { b(s: \"$n\") } }"
        );
    }

    #[test]
    fn declared_and_unknown_variables_stay() {
        let q = "query Q($a: string) { f(x: $a, y: $b) }";
        let v = vars(json!({"a": "1"}));
        assert_eq!(inline_undeclared(q, &v), q);
        let bad = "{ f(x: ";
        assert_eq!(inline_undeclared(bad, &v), bad);
    }
}
