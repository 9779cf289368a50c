//! Local stand-ins for the Cloudflare resources a Worker binds, kept in the state directory:
//! R2 buckets as directories (`r2/<bucket>/`), D1 databases as SQLite files
//! (`d1/<database>.sqlite`), and outgoing mail as `.eml` files (`email/`).
//!
//! Every operation is blocking (files, SQLite) and is called on a blocking thread.

use crate::base64;
use endure_model::WorkflowError;
use rusqlite::types::{Value as Sql, ValueRef};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

fn err(name: &str, message: impl Into<String>) -> WorkflowError {
    WorkflowError::new(name, message)
}

fn io(e: std::io::Error) -> WorkflowError {
    err("Error", format!("storage failure: {e}"))
}

fn safe_name(kind: &str, name: &str) -> Result<(), WorkflowError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(err(
            "TypeError",
            format!("{kind} name {name:?} may use only letters, digits, _ - ."),
        ))
    }
}

pub struct Resources {
    dir: PathBuf,
    d1: Mutex<HashMap<String, rusqlite::Connection>>,
    mail_seq: std::sync::atomic::AtomicU64,
}

impl Resources {
    pub fn new(state_dir: &Path) -> Resources {
        Resources {
            dir: state_dir.to_path_buf(),
            d1: Mutex::new(HashMap::new()),
            mail_seq: Default::default(),
        }
    }

    // ------------------------------------------------------------------ R2

    fn bucket_dir(&self, bucket: &str) -> Result<PathBuf, WorkflowError> {
        safe_name("bucket", bucket)?;
        let d = self.dir.join("r2").join(bucket);
        std::fs::create_dir_all(&d).map_err(io)?;
        Ok(d)
    }

    /// The file stem of a key: percent-encoded, or a digest for long keys.
    fn key_stem(key: &str) -> String {
        let mut s = String::new();
        for b in key.bytes() {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                s.push(b as char);
            } else {
                s.push_str(&format!("%{b:02X}"));
            }
        }
        if s.len() > 180 {
            let d = crate::host::digest("SHA-256", key.as_bytes()).unwrap_or_default();
            s = d.iter().map(|b| format!("{b:02x}")).collect();
        }
        s
    }

    /// `env.BUCKET.put/get/head/delete/list`.
    pub fn r2(&self, bucket: &str, m: &Value) -> Result<Value, WorkflowError> {
        let dir = self.bucket_dir(bucket)?;
        let key = m["key"].as_str().unwrap_or("");
        let method = m["method"].as_str().unwrap_or("");
        if method != "list" && method != "delete" && (key.is_empty() || key.len() > 1024) {
            return Err(err("TypeError", "R2 keys are 1 to 1024 bytes"));
        }
        let stem = Self::key_stem(key);
        let data = dir.join(format!("{stem}.data"));
        let meta = dir.join(format!("{stem}.meta.json"));
        match method {
            "put" => {
                let body = match m["body"].as_str() {
                    Some(b) => base64::decode(b).map_err(|e| err("TypeError", e))?,
                    None => vec![],
                };
                let etag: String = crate::host::digest("SHA-256", &body)
                    .unwrap_or_default()
                    .iter()
                    .take(16)
                    .map(|b| format!("{b:02x}"))
                    .collect();
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0);
                let object = json!({
                    "key": key,
                    "size": body.len(),
                    "etag": etag,
                    "httpEtag": format!("\"{etag}\""),
                    "uploaded": now,
                    "httpMetadata": m["httpMetadata"].clone(),
                    "customMetadata": m["customMetadata"].clone(),
                });
                // Data first, then the metadata that makes it visible.
                std::fs::write(&data, &body).map_err(io)?;
                std::fs::write(&meta, object.to_string()).map_err(io)?;
                Ok(object)
            }
            "get" | "head" => {
                let Ok(text) = std::fs::read_to_string(&meta) else {
                    return Ok(Value::Null);
                };
                let mut object: Value = serde_json::from_str(&text)
                    .map_err(|e| err("Error", format!("corrupt R2 metadata: {e}")))?;
                if method == "get" {
                    let body = std::fs::read(&data).map_err(io)?;
                    object["body"] = Value::String(base64::encode(&body));
                }
                Ok(object)
            }
            "delete" => {
                let keys: Vec<String> = match &m["keys"] {
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|k| k.as_str().map(String::from))
                        .collect(),
                    _ => vec![key.to_string()],
                };
                for k in keys {
                    let stem = Self::key_stem(&k);
                    let _ = std::fs::remove_file(dir.join(format!("{stem}.meta.json")));
                    let _ = std::fs::remove_file(dir.join(format!("{stem}.data")));
                }
                Ok(Value::Null)
            }
            "list" => {
                let prefix = m["prefix"].as_str().unwrap_or("");
                let limit = m["limit"].as_u64().unwrap_or(1000).clamp(1, 1000) as usize;
                let after = m["cursor"].as_str().unwrap_or("");
                let mut objects = vec![];
                for e in std::fs::read_dir(&dir).map_err(io)? {
                    let p = e.map_err(io)?.path();
                    if !p.to_string_lossy().ends_with(".meta.json") {
                        continue;
                    }
                    let Ok(o) = std::fs::read_to_string(&p)
                        .map_err(|_| ())
                        .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|_| ()))
                    else {
                        continue;
                    };
                    let k = o["key"].as_str().unwrap_or("").to_string();
                    if k.starts_with(prefix) && k.as_str() > after {
                        objects.push(o);
                    }
                }
                objects.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
                let truncated = objects.len() > limit;
                objects.truncate(limit);
                let cursor = if truncated {
                    objects.last().map(|o| o["key"].clone())
                } else {
                    None
                };
                Ok(
                    json!({"objects": objects, "truncated": truncated, "cursor": cursor, "delimitedPrefixes": []}),
                )
            }
            other => Err(err("TypeError", format!("unknown R2 method {other}"))),
        }
    }

    // ------------------------------------------------------------------ D1

    /// `env.DB.prepare(…).all/first/run/raw`, `batch`, `exec`:
    /// `{method, statements: [{sql, params}]}`.
    pub fn d1(&self, database: &str, m: &Value) -> Result<Value, WorkflowError> {
        safe_name("database", database)?;
        let mut conns = self.d1.lock().unwrap_or_else(|e| e.into_inner());
        if !conns.contains_key(database) {
            let dir = self.dir.join("d1");
            std::fs::create_dir_all(&dir).map_err(io)?;
            let c = rusqlite::Connection::open(dir.join(format!("{database}.sqlite")))
                .map_err(d1_error)?;
            c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
                .map_err(d1_error)?;
            conns.insert(database.to_string(), c);
        }
        let Some(conn) = conns.get_mut(database) else {
            return Err(err("Error", "D1 database unavailable"));
        };
        let method = m["method"].as_str().unwrap_or("all");
        let statements = m["statements"].as_array().cloned().unwrap_or_default();
        if method == "exec" {
            let sql = m["sql"].as_str().unwrap_or("");
            conn.execute_batch(sql).map_err(d1_error)?;
            let count = sql.split(';').filter(|s| !s.trim().is_empty()).count();
            return Ok(json!({"count": count, "duration": 0}));
        }
        let tx = conn.transaction().map_err(d1_error)?;
        let mut results = vec![];
        for st in &statements {
            results.push(run_statement(&tx, st, method)?);
        }
        tx.commit().map_err(d1_error)?;
        Ok(Value::Array(results))
    }

    // ------------------------------------------------------------------ email

    /// `env.SEND_EMAIL.send(new EmailMessage(from, to, raw))`: checked against the binding's
    /// destination rules, then written to `email/`.
    pub fn email(
        &self,
        destination: Option<&str>,
        allowed: &[String],
        m: &Value,
    ) -> Result<Value, WorkflowError> {
        let from = m["from"].as_str().unwrap_or("");
        let to = m["to"].as_str().unwrap_or("");
        if !from.contains('@') || !to.contains('@') {
            return Err(err("Error", "an email needs a from and a to address"));
        }
        if destination.is_some_and(|d| d != to)
            || (!allowed.is_empty() && !allowed.iter().any(|a| a == to))
        {
            return Err(err(
                "Error",
                format!("destination address {to} is not allowed by this binding"),
            ));
        }
        let dir = self.dir.join("email");
        std::fs::create_dir_all(&dir).map_err(io)?;
        let n = self
            .mail_seq
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let file = dir.join(format!("{now}-{n}.eml"));
        let raw = m["raw"].as_str().unwrap_or("");
        std::fs::write(
            &file,
            format!("X-Endure-From: {from}\r\nX-Endure-To: {to}\r\n{raw}"),
        )
        .map_err(io)?;
        eprintln!(
            "[info] email from {from} to {to} written to {}",
            file.display()
        );
        Ok(Value::Null)
    }
}

fn d1_error(e: rusqlite::Error) -> WorkflowError {
    err("Error", format!("D1_ERROR: {e}"))
}

fn to_sql(v: &Value) -> Sql {
    match v {
        Value::Null => Sql::Null,
        Value::Bool(b) => Sql::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Sql::Integer(i),
            None => Sql::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => Sql::Text(s.clone()),
        Value::Array(a) => Sql::Blob(
            a.iter()
                .filter_map(|x| x.as_u64().map(|b| b as u8))
                .collect(),
        ),
        Value::Object(o) => match o.get("$endure").and_then(Value::as_str) {
            Some("undefined") => Sql::Null,
            Some(_) if o.get("v").is_some_and(Value::is_array) => to_sql(&o["v"]),
            Some("Date") => Sql::Text(o["v"].as_str().unwrap_or("").to_string()),
            _ => Sql::Text(Value::Object(o.clone()).to_string()),
        },
    }
}

fn from_sql(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => json!(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Array(b.iter().map(|x| json!(x)).collect()),
    }
}

fn run_statement(
    tx: &rusqlite::Transaction<'_>,
    st: &Value,
    method: &str,
) -> Result<Value, WorkflowError> {
    let sql = st["sql"].as_str().unwrap_or("");
    let params: Vec<Sql> = st["params"]
        .as_array()
        .map(|a| a.iter().map(to_sql).collect())
        .unwrap_or_default();
    let started = std::time::Instant::now();
    let mut stmt = tx.prepare(sql).map_err(d1_error)?;
    let columns: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(d1_error)?;
    let mut results = vec![];
    while let Some(row) = rows.next().map_err(d1_error)? {
        let mut cells = vec![];
        for i in 0..columns.len() {
            cells.push(from_sql(row.get_ref(i).map_err(d1_error)?));
        }
        results.push(cells);
    }
    drop(rows);
    drop(stmt);
    let changes = tx.changes();
    let meta = json!({
        "duration": started.elapsed().as_secs_f64() * 1000.0,
        "changes": changes,
        "last_row_id": tx.last_insert_rowid(),
        "changed_db": changes > 0,
        "rows_read": results.len(),
        "rows_written": changes,
    });
    let shaped: Vec<Value> = if method == "raw" {
        results.into_iter().map(Value::Array).collect()
    } else {
        results
            .into_iter()
            .map(|cells| {
                Value::Object(
                    columns
                        .iter()
                        .cloned()
                        .zip(cells)
                        .collect::<Map<String, Value>>(),
                )
            })
            .collect()
    };
    Ok(json!({"results": shaped, "success": true, "meta": meta, "columns": columns}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r2_put_get_list_delete() {
        let d = tempfile::tempdir().unwrap();
        let r = Resources::new(d.path());
        let put = |k: &str, body: &str| {
            r.r2(
                "b",
                &json!({"method": "put", "key": k, "body": base64::encode(body.as_bytes())}),
            )
            .unwrap()
        };
        assert_eq!(put("a/1.txt", "one")["size"], 3);
        put("a/2.txt", "two");
        put("b/../x", "three");
        let got = r
            .r2("b", &json!({"method": "get", "key": "a/1.txt"}))
            .unwrap();
        assert_eq!(
            base64::decode(got["body"].as_str().unwrap()).unwrap(),
            b"one"
        );
        assert_eq!(
            r.r2("b", &json!({"method": "get", "key": "nope"})).unwrap(),
            Value::Null
        );
        let l = r
            .r2("b", &json!({"method": "list", "prefix": "a/", "limit": 1}))
            .unwrap();
        assert_eq!(l["objects"][0]["key"], "a/1.txt");
        assert_eq!(l["truncated"], true);
        let l = r
            .r2(
                "b",
                &json!({"method": "list", "prefix": "a/", "cursor": l["cursor"]}),
            )
            .unwrap();
        assert_eq!(l["objects"][0]["key"], "a/2.txt");
        r.r2("b", &json!({"method": "delete", "key": "a/1.txt"}))
            .unwrap();
        assert_eq!(
            r.r2("b", &json!({"method": "head", "key": "a/1.txt"}))
                .unwrap(),
            Value::Null
        );
        // Keys never leave the bucket's directory.
        assert!(d.path().join("r2/b/b%2F%2E%2E%2Fx.data").exists());
        assert!(
            r.r2("../evil", &json!({"method": "get", "key": "k"}))
                .is_err()
        );
    }

    #[test]
    fn d1_statements_batches_and_errors() {
        let d = tempfile::tempdir().unwrap();
        let r = Resources::new(d.path());
        r.d1("db", &json!({"method": "exec", "sql": "CREATE TABLE cart (id TEXT, checkedOut INTEGER, amount REAL);"}))
            .unwrap();
        let st = |sql: &str, params: Value| json!({"sql": sql, "params": params});
        let out = r
            .d1("db", &json!({"method": "run", "statements": [st("INSERT INTO cart VALUES (?, ?, ?)", json!(["123", true, 250.5]))]}))
            .unwrap();
        assert_eq!(out[0]["meta"]["changes"], 1);
        let out = r
            .d1("db", &json!({"method": "all", "statements": [st("SELECT * FROM cart WHERE id = ?", json!(["123"]))]}))
            .unwrap();
        assert_eq!(
            out[0]["results"],
            json!([{"id": "123", "checkedOut": 1, "amount": 250.5}])
        );
        let e = r
            .d1(
                "db",
                &json!({"method": "all", "statements": [st("SELECT nope FROM cart", json!([]))]}),
            )
            .unwrap_err();
        assert!(e.message.starts_with("D1_ERROR"), "{e:?}");
        // A batch is one transaction: a failing statement undoes the others.
        let bad = json!({"method": "batch", "statements": [
            st("INSERT INTO cart VALUES ('x', 0, 1)", json!([])),
            st("INSERT INTO nowhere VALUES (1)", json!([]))
        ]});
        assert!(r.d1("db", &bad).is_err());
        let out = r
            .d1("db", &json!({"method": "raw", "statements": [st("SELECT count(*) FROM cart", json!([]))]}))
            .unwrap();
        assert_eq!(out[0]["results"], json!([[1]]));
    }
}
