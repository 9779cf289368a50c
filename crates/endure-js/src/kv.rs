//! Workers KV namespaces kept locally: one SQLite file per namespace (`kv/<namespace>.sqlite`
//! in the state directory), with Cloudflare's limits and expirations. Time comes from the
//! caller (the engine's clock), so tests can move it.
//!
//! Every operation is blocking and is called on a blocking thread.

use crate::base64;
use endure_model::WorkflowError;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest value, in bytes.
pub const MAX_VALUE_BYTES: usize = 25 * 1024 * 1024;
/// Largest metadata, serialized, in bytes.
pub const MAX_METADATA_BYTES: usize = 1024;
/// Shortest time to live and nearest expiration, in seconds.
pub const MIN_TTL_SECONDS: u64 = 60;
/// Most keys one `list` returns (also its default).
pub const MAX_LIST: u64 = 1000;

fn err(message: impl Into<String>) -> WorkflowError {
    WorkflowError::new("Error", message)
}

fn db(e: rusqlite::Error) -> WorkflowError {
    err(format!("KV storage failure: {e}"))
}

/// Bytes as the KV and R2 messages carry them (base64), for the local data commands.
pub fn encode_value(bytes: &[u8]) -> String {
    base64::encode(bytes)
}

/// The other way: `None` if `s` is not base64.
pub fn decode_value(s: &str) -> Option<Vec<u8>> {
    base64::decode(s).ok()
}

/// Opens (creating it if needed) the SQLite file `dir/<name>.sqlite` (the name made safe for
/// a file name) in WAL mode with `schema` applied: one file per KV namespace or cache.
pub(crate) fn open_named(
    dir: &std::path::Path,
    name: &str,
    schema: &str,
) -> Result<Connection, String> {
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let c = Connection::open(dir.join(format!("{safe}.sqlite"))).map_err(|e| e.to_string())?;
    c.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; {schema}"
    ))
    .map_err(|e| e.to_string())?;
    Ok(c)
}

pub struct Kv {
    dir: PathBuf,
    open: Mutex<HashMap<String, Connection>>,
}

impl Kv {
    pub fn new(state_dir: &std::path::Path) -> Kv {
        Kv {
            dir: state_dir.join("kv"),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// One operation on `namespace`: `{method, key?, value?, expiration?, expirationTtl?,
    /// metadata?, prefix?, limit?, cursor?}`; `now_ms` is the current time.
    pub fn call(&self, namespace: &str, now_ms: u64, m: &Value) -> Result<Value, WorkflowError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if !open.contains_key(namespace) {
            let c = open_named(
                &self.dir,
                namespace,
                "CREATE TABLE IF NOT EXISTS kv (
                     key TEXT PRIMARY KEY, value BLOB NOT NULL,
                     expiration INTEGER, metadata TEXT);",
            )
            .map_err(|e| err(format!("KV storage failure: {e}")))?;
            open.insert(namespace.to_string(), c);
        }
        let c = open
            .get(namespace)
            .ok_or_else(|| err("KV namespace not open"))?;
        let now_s = now_ms / 1000;
        // Expired keys are gone.
        c.execute(
            "DELETE FROM kv WHERE expiration IS NOT NULL AND expiration <= ?1",
            params![now_s as i64],
        )
        .map_err(db)?;
        let method = m["method"].as_str().unwrap_or("");
        match method {
            "get" => get(c, key(m)?),
            "put" => put(c, key(m)?, now_s, m),
            "delete" => {
                c.execute("DELETE FROM kv WHERE key = ?1", params![key(m)?])
                    .map_err(db)?;
                Ok(Value::Null)
            }
            "list" => list(c, m),
            other => Err(err(format!("unknown KV method {other}"))),
        }
    }
}

fn key(m: &Value) -> Result<&str, WorkflowError> {
    let k = m["key"].as_str().unwrap_or("");
    if k.is_empty() {
        return Err(err("KV key must not be empty"));
    }
    if k == "." || k == ".." {
        return Err(err(format!(
            "Illegal key name \"{k}\". Keys cannot be \".\" or \"..\""
        )));
    }
    if k.len() > MAX_KEY_BYTES {
        return Err(err(format!(
            "KV key is {} bytes; the limit is {MAX_KEY_BYTES}",
            k.len()
        )));
    }
    Ok(k)
}

fn get(c: &Connection, k: &str) -> Result<Value, WorkflowError> {
    let row: Option<(Vec<u8>, Option<String>)> = c
        .query_row(
            "SELECT value, metadata FROM kv WHERE key = ?1",
            params![k],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(db)?;
    Ok(match row {
        None => Value::Null,
        Some((v, meta)) => json!({
            "value": base64::encode(&v),
            "metadata": meta.and_then(|s| serde_json::from_str::<Value>(&s).ok()),
        }),
    })
}

fn put(c: &Connection, k: &str, now_s: u64, m: &Value) -> Result<Value, WorkflowError> {
    let value = base64::decode(m["value"].as_str().unwrap_or("")).map_err(err)?;
    if value.len() > MAX_VALUE_BYTES {
        return Err(err(format!(
            "KV value is {} bytes; the limit is {MAX_VALUE_BYTES}",
            value.len()
        )));
    }
    let number = |f: &str| -> Result<Option<f64>, WorkflowError> {
        match &m[f] {
            Value::Null => Ok(None),
            v => v
                .as_f64()
                .filter(|n| n.is_finite())
                .map(Some)
                .ok_or_else(|| err(format!("KV PUT failed: 400 Invalid {f} of {v}"))),
        }
    };
    let mut expiration = None;
    if let Some(e) = number("expiration")? {
        if e < (now_s + MIN_TTL_SECONDS) as f64 {
            return Err(err(format!(
                "KV PUT failed: 400 Invalid expiration of {e}. Expiration times must be at least \
                 {MIN_TTL_SECONDS} seconds in the future."
            )));
        }
        expiration = Some(e.floor() as u64);
    }
    if let Some(ttl) = number("expirationTtl")? {
        if ttl < MIN_TTL_SECONDS as f64 {
            return Err(err(format!(
                "KV PUT failed: 400 Invalid expiration_ttl of {ttl}. Expiration TTL must be at \
                 least {MIN_TTL_SECONDS}."
            )));
        }
        expiration = Some(now_s + ttl.floor() as u64);
    }
    let metadata = match &m["metadata"] {
        Value::Null => None,
        v => {
            let s = serde_json::to_string(v).map_err(|e| err(e.to_string()))?;
            if s.len() > MAX_METADATA_BYTES {
                return Err(err(format!(
                    "KV metadata is {} bytes serialized; the limit is {MAX_METADATA_BYTES}",
                    s.len()
                )));
            }
            Some(s)
        }
    };
    c.execute(
        "INSERT INTO kv (key, value, expiration, metadata) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (key) DO UPDATE SET value = ?2, expiration = ?3, metadata = ?4",
        params![k, value, expiration.map(|e| e as i64), metadata],
    )
    .map_err(db)?;
    Ok(Value::Null)
}

fn list(c: &Connection, m: &Value) -> Result<Value, WorkflowError> {
    let prefix = m["prefix"].as_str().unwrap_or("");
    let limit = match &m["limit"] {
        Value::Null => MAX_LIST,
        v => v
            .as_u64()
            .filter(|n| (1..=MAX_LIST).contains(n))
            .ok_or_else(|| err(format!("KV list limit must be 1 to {MAX_LIST}, got {v}")))?,
    };
    let after = match m["cursor"].as_str().filter(|s| !s.is_empty()) {
        None => String::new(),
        Some(cur) => base64::decode(cur)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| err("KV list cursor is not one this namespace gave"))?,
    };
    let mut stmt = c
        .prepare_cached(
            "SELECT key, expiration, metadata FROM kv WHERE key > ?1 AND substr(key, 1, ?2) = ?3
             ORDER BY key LIMIT ?4",
        )
        .map_err(db)?;
    let rows = stmt
        .query_map(
            params![
                after,
                prefix.chars().count() as i64,
                prefix,
                (limit + 1) as i64
            ],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            },
        )
        .map_err(db)?;
    let mut keys = vec![];
    for r in rows {
        let (name, expiration, metadata) = r.map_err(db)?;
        let mut k = json!({"name": name});
        if let Some(e) = expiration {
            k["expiration"] = json!(e);
        }
        if let Some(md) = metadata.and_then(|s| serde_json::from_str::<Value>(&s).ok()) {
            k["metadata"] = md;
        }
        keys.push(k);
    }
    let complete = keys.len() as u64 <= limit;
    keys.truncate(limit as usize);
    let mut out = json!({"keys": keys, "list_complete": complete, "cacheStatus": null});
    if !complete && let Some(last) = keys.last().and_then(|k| k["name"].as_str()) {
        out["cursor"] = json!(base64::encode(last.as_bytes()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(kv: &Kv, now_ms: u64, m: Value) -> Result<Value, WorkflowError> {
        kv.call("ns", now_ms, &m)
    }

    #[test]
    fn put_get_list_expire() {
        let dir = tempfile::tempdir().unwrap();
        let kv = Kv::new(dir.path());
        let t = 1_700_000_000_000u64;
        let v = base64::encode(b"hello");
        call(
            &kv,
            t,
            json!({"method": "put", "key": "a", "value": v, "metadata": {"n": 1}}),
        )
        .unwrap();
        call(
            &kv,
            t,
            json!({"method": "put", "key": "b", "value": v, "expirationTtl": 60}),
        )
        .unwrap();
        call(&kv, t, json!({"method": "put", "key": "c", "value": v})).unwrap();
        let got = call(&kv, t, json!({"method": "get", "key": "a"})).unwrap();
        assert_eq!(got["value"], v);
        assert_eq!(got["metadata"], json!({"n": 1}));
        let page = call(&kv, t, json!({"method": "list", "limit": 2})).unwrap();
        assert_eq!(page["keys"][0], json!({"name": "a", "metadata": {"n": 1}}));
        assert_eq!(
            page["keys"][1],
            json!({"name": "b", "expiration": t / 1000 + 60})
        );
        assert_eq!(page["list_complete"], false);
        let rest = call(&kv, t, json!({"method": "list", "cursor": page["cursor"]})).unwrap();
        assert_eq!(rest["keys"], json!([{"name": "c"}]));
        assert_eq!(rest["list_complete"], true);
        let pre = call(&kv, t, json!({"method": "list", "prefix": "b"})).unwrap();
        assert_eq!(pre["keys"].as_array().unwrap().len(), 1);
        // A minute later "b" has expired.
        let later = t + 60_000;
        assert_eq!(
            call(&kv, later, json!({"method": "get", "key": "b"})).unwrap(),
            Value::Null
        );
        call(&kv, later, json!({"method": "delete", "key": "a"})).unwrap();
        let left = call(&kv, later, json!({"method": "list"})).unwrap();
        assert_eq!(left["keys"], json!([{"name": "c"}]));
        // Survives a reopen.
        drop(kv);
        let again = Kv::new(dir.path());
        assert_eq!(
            call(&again, later, json!({"method": "get", "key": "c"})).unwrap()["value"],
            v
        );
    }

    #[test]
    fn limits_and_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let kv = Kv::new(dir.path());
        let t = 1_700_000_000_000u64;
        let v = base64::encode(b"x");
        for (m, says) in [
            (json!({"method": "get", "key": ""}), "empty"),
            (json!({"method": "get", "key": ".."}), "Illegal key"),
            (
                json!({"method": "get", "key": "k".repeat(513)}),
                "limit is 512",
            ),
            (
                json!({"method": "put", "key": "k", "value": v, "expirationTtl": 30}),
                "at least 60",
            ),
            (
                json!({"method": "put", "key": "k", "value": v, "expiration": t / 1000}),
                "60 seconds in the future",
            ),
            (
                json!({"method": "put", "key": "k", "value": v, "metadata": "m".repeat(1100)}),
                "limit is 1024",
            ),
            (json!({"method": "list", "limit": 0}), "1 to 1000"),
            (json!({"method": "list", "cursor": "%%%"}), "cursor"),
        ] {
            let e = call(&kv, t, m.clone()).unwrap_err();
            assert!(e.message.contains(says), "{m}: {}", e.message);
        }
    }
}
