//! How stored values are shown in status documents and the API.
//!
//! Values JSON cannot hold (from JavaScript: `undefined`, `Date`, `Map`, `Set`, typed arrays,
//! `BigInt`, non-finite numbers) are stored as tagged objects `{"$endure": kind, …}` so a
//! replay gets them back exactly. Status documents show what the reference shows: the value
//! JSON round-tripped, as `JSON.stringify` would write it (a `Date` becomes its ISO string, an
//! `undefined` property disappears, `undefined` in an array becomes `null`). The key `$endure`
//! is reserved in stored values.

use serde_json::{Map, Value};

/// The tag key of stored values.
pub const TAG: &str = "$endure";

/// `v` as the reference's status documents show it.
pub fn display(v: &Value) -> Value {
    shown(v).unwrap_or(Value::Null)
}

/// `None` where `JSON.stringify` leaves a value out (an `undefined`).
fn shown(v: &Value) -> Option<Value> {
    match v {
        Value::Array(a) => Some(Value::Array(
            a.iter().map(|x| shown(x).unwrap_or(Value::Null)).collect(),
        )),
        Value::Object(o) => match o.get(TAG).and_then(Value::as_str) {
            None => Some(Value::Object(object(o))),
            Some(kind) => tagged(kind, o),
        },
        other => Some(other.clone()),
    }
}

fn object(o: &Map<String, Value>) -> Map<String, Value> {
    o.iter()
        .filter_map(|(k, x)| shown(x).map(|x| (k.clone(), x)))
        .collect()
}

fn tagged(kind: &str, o: &Map<String, Value>) -> Option<Value> {
    let v = o.get("v").cloned().unwrap_or(Value::Null);
    Some(match kind {
        "undefined" => return None,
        // NaN, ±Infinity and -0: JSON writes null (and 0 for -0).
        "number" => {
            if v == "-0" {
                Value::from(0)
            } else {
                Value::Null
            }
        }
        "bigint" => v,
        "Date" => v,
        "Map" | "Set" | "RegExp" | "Error" => Value::Object(Map::new()),
        "object" => match v {
            Value::Object(inner) => Value::Object(object(&inner)),
            other => other,
        },
        "ArrayBuffer" | "DataView" => Value::Object(Map::new()),
        "ReadableStream" => {
            let n = v.as_array().map_or(0, Vec::len);
            Value::String(format!("[ReadableStream({n} bytes)]"))
        }
        typed => {
            let n = v.as_array().map_or(0, Vec::len);
            Value::String(format!("[{typed}({n} items)]"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shown_as_json_stringify_would() {
        let stored = json!({
            "name": {"$endure": "undefined"},
            "when": {"$endure": "Date", "v": "2026-01-01T00:00:00.000Z"},
            "list": [1, {"$endure": "undefined"}],
            "nan": {"$endure": "number", "v": "NaN"},
            "big": {"$endure": "bigint", "v": "12345678901234567890"},
            "bytes": {"$endure": "Uint8Array", "v": [1, 2]},
            "map": {"$endure": "Map", "v": [["a", 1]]},
            "escaped": {"$endure": "object", "v": {"$endure": "user data", "k": {"$endure": "undefined"}}},
            "plain": {"a": [true, null]}
        });
        assert_eq!(
            display(&stored),
            json!({
                "when": "2026-01-01T00:00:00.000Z",
                "list": [1, null],
                "nan": null,
                "big": "12345678901234567890",
                "bytes": "[Uint8Array(2 items)]",
                "map": {},
                "escaped": {"$endure": "user data"},
                "plain": {"a": [true, null]}
            })
        );
        assert_eq!(display(&json!({"$endure": "undefined"})), Value::Null);
        assert_eq!(display(&json!(7)), json!(7));
    }
}
