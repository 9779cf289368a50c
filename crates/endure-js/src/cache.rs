//! The Cache API (`caches.default`, `caches.open(name)`): responses kept by request URL in one
//! SQLite file per cache (`cache/<name>.sqlite` in the state directory), with the lifetimes the
//! response's `Cache-Control` (`s-maxage`, `max-age`) or `Expires` gives, as Cloudflare's
//! cache keeps them; `no-store`, `private` and `Set-Cookie` responses are not kept. Time comes
//! from the caller (the engine's clock).

use endure_model::WorkflowError;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Largest response body kept, in bytes (Cloudflare's limit on a cached object is larger; a
/// local cache keeps it smaller).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

fn db(e: rusqlite::Error) -> WorkflowError {
    WorkflowError::new("Error", format!("cache storage failure: {e}"))
}

pub struct Caches {
    dir: PathBuf,
    open: Mutex<HashMap<String, Connection>>,
}

/// The lifetime a response's headers give it, in seconds: `None` when it must not be kept;
/// `Some(None)` for no limit.
pub fn lifetime(headers: &[(String, String)], now_ms: u64) -> Option<Option<u64>> {
    let get = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    if get("set-cookie").is_some() {
        return None;
    }
    if let Some(cc) = get("cache-control") {
        let mut max_age = None;
        let mut s_maxage = None;
        for d in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
            if d == "no-store" || d == "private" || d == "no-cache" {
                return None;
            }
            if let Some(v) = d.strip_prefix("s-maxage=") {
                s_maxage = v.trim_matches('"').parse::<u64>().ok();
            } else if let Some(v) = d.strip_prefix("max-age=") {
                max_age = v.trim_matches('"').parse::<u64>().ok();
            }
        }
        if let Some(s) = s_maxage.or(max_age) {
            return if s == 0 { None } else { Some(Some(s)) };
        }
    }
    if let Some(e) = get("expires") {
        let at = endure_model::Timestamp::parse_http_date(e)?;
        let left = at.0.saturating_sub(now_ms) / 1000;
        return if left == 0 { None } else { Some(Some(left)) };
    }
    Some(None)
}

impl Caches {
    pub fn new(state_dir: &std::path::Path) -> Caches {
        Caches {
            dir: state_dir.join("cache"),
            open: Mutex::new(HashMap::new()),
        }
    }

    /// `{method: put|match|delete, cache, url, status?, headers?, body?}`.
    pub fn call(&self, now_ms: u64, m: &Value) -> Result<Value, WorkflowError> {
        let name = m["cache"].as_str().unwrap_or("default");
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if !open.contains_key(name) {
            let c = crate::kv::open_named(
                &self.dir,
                name,
                "CREATE TABLE IF NOT EXISTS entries (
                     url TEXT PRIMARY KEY, status INTEGER NOT NULL, headers TEXT NOT NULL,
                     body BLOB NOT NULL, expires INTEGER);",
            )
            .map_err(|e| WorkflowError::new("Error", format!("cache storage failure: {e}")))?;
            open.insert(name.to_string(), c);
        }
        let c = open
            .get(name)
            .ok_or_else(|| WorkflowError::new("Error", "cache not open"))?;
        let url = m["url"].as_str().unwrap_or("");
        c.execute(
            "DELETE FROM entries WHERE expires IS NOT NULL AND expires <= ?1",
            params![now_ms as i64],
        )
        .map_err(db)?;
        match m["method"].as_str().unwrap_or("") {
            "put" => {
                let headers = crate::bridge::header_pairs(&m["headers"]);
                let Some(ttl) = lifetime(&headers, now_ms) else {
                    return Ok(json!(false));
                };
                let body = m["body"]
                    .as_str()
                    .and_then(crate::kv::decode_value)
                    .unwrap_or_default();
                if body.len() > MAX_BODY_BYTES {
                    return Ok(json!(false));
                }
                let expires = ttl.map(|s| (now_ms + s * 1000) as i64);
                c.execute(
                    "INSERT INTO entries (url, status, headers, body, expires) VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (url) DO UPDATE SET status = ?2, headers = ?3, body = ?4, expires = ?5",
                    params![url, m["status"].as_i64().unwrap_or(200), json!(headers).to_string(), body, expires],
                )
                .map_err(db)?;
                Ok(json!(true))
            }
            "match" => {
                let row: Option<(i64, String, Vec<u8>)> = c
                    .query_row(
                        "SELECT status, headers, body FROM entries WHERE url = ?1",
                        params![url],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                    )
                    .optional()
                    .map_err(db)?;
                Ok(match row {
                    None => Value::Null,
                    Some((status, headers, body)) => json!({
                        "status": status,
                        "headers": serde_json::from_str::<Value>(&headers).unwrap_or(json!([])),
                        "body": crate::kv::encode_value(&body),
                    }),
                })
            }
            "delete" => {
                let n = c
                    .execute("DELETE FROM entries WHERE url = ?1", params![url])
                    .map_err(db)?;
                Ok(json!(n > 0))
            }
            other => Err(WorkflowError::new(
                "TypeError",
                format!("unknown cache method {other}"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn lifetimes_follow_the_headers() {
        let now = 1_700_000_000_000;
        assert_eq!(lifetime(&h(&[]), now), Some(None));
        assert_eq!(
            lifetime(&h(&[("Cache-Control", "public, max-age=60")]), now),
            Some(Some(60))
        );
        assert_eq!(
            lifetime(&h(&[("cache-control", "max-age=60, s-maxage=600")]), now),
            Some(Some(600)),
            "s-maxage wins for a shared cache"
        );
        assert_eq!(lifetime(&h(&[("cache-control", "no-store")]), now), None);
        assert_eq!(
            lifetime(&h(&[("cache-control", "private, max-age=9")]), now),
            None
        );
        assert_eq!(lifetime(&h(&[("cache-control", "max-age=0")]), now), None);
        assert_eq!(lifetime(&h(&[("set-cookie", "a=b")]), now), None);
        assert_eq!(
            lifetime(&h(&[("expires", "Tue, 14 Nov 2023 22:23:20 GMT")]), now),
            Some(Some(600))
        );
    }

    #[test]
    fn put_match_expire_delete() {
        let dir = tempfile::tempdir().unwrap();
        let c = Caches::new(dir.path());
        let t = 1_700_000_000_000u64;
        let put = json!({"method": "put", "cache": "default", "url": "http://x/a", "status": 200,
                         "headers": [["cache-control", "max-age=60"]], "body": crate::kv::encode_value(b"hi")});
        assert_eq!(c.call(t, &put).unwrap(), json!(true));
        let get = json!({"method": "match", "cache": "default", "url": "http://x/a"});
        assert_eq!(
            c.call(t + 59_000, &get).unwrap()["body"],
            crate::kv::encode_value(b"hi")
        );
        assert_eq!(c.call(t + 60_000, &get).unwrap(), Value::Null, "expired");
        assert_eq!(c.call(t, &put).unwrap(), json!(true));
        let other = json!({"method": "match", "cache": "mine", "url": "http://x/a"});
        assert_eq!(
            c.call(t, &other).unwrap(),
            Value::Null,
            "caches are separate"
        );
        let del = json!({"method": "delete", "cache": "default", "url": "http://x/a"});
        assert_eq!(c.call(t, &del).unwrap(), json!(true));
        assert_eq!(c.call(t, &del).unwrap(), json!(false));
    }
}
