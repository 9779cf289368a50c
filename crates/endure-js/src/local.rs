//! The local data commands (`endure d1 …`, `endure kv …`, `endure r2 …`), as wrangler has them
//! for local state: they read and change the same files the project's bindings use in its
//! state directory, so data put here is what the Worker sees, and the other way round.

use crate::config::{ProjectConfig, ResourceBinding};
use rusqlite::Connection;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// A D1 database of the project: by `database_name` or by binding.
pub struct D1 {
    pub database: String,
    pub migrations_dir: PathBuf,
    path: PathBuf,
}

impl D1 {
    pub fn find(config: &ProjectConfig, state_dir: &Path, name: &str) -> Result<D1, String> {
        let base = config.path.parent().unwrap_or(Path::new("."));
        config
            .resources
            .iter()
            .find_map(|r| match r {
                ResourceBinding::D1 {
                    binding,
                    database,
                    migrations_dir,
                } if database == name || binding == name => Some(D1 {
                    database: database.clone(),
                    migrations_dir: base.join(migrations_dir.as_deref().unwrap_or("migrations")),
                    path: state_dir.join("d1").join(format!("{database}.sqlite")),
                }),
                _ => None,
            })
            .ok_or_else(|| {
                let known: Vec<&str> = config
                    .resources
                    .iter()
                    .filter_map(|r| match r {
                        ResourceBinding::D1 { database, .. } => Some(database.as_str()),
                        _ => None,
                    })
                    .collect();
                format!(
                    "no D1 database {name:?} in {} (it has: {})",
                    config.path.display(),
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            })
    }

    fn open(&self) -> Result<Connection, String> {
        if let Some(d) = self.path.parent() {
            std::fs::create_dir_all(d)
                .map_err(|e| format!("cannot create {}: {e}", d.display()))?;
        }
        let c = Connection::open(&self.path).map_err(|e| e.to_string())?;
        c.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| e.to_string())?;
        c.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;")
            .map_err(|e| e.to_string())?;
        Ok(c)
    }

    /// Runs every statement of `sql` in one transaction; for each: `{results, meta}`.
    pub fn execute(&self, sql: &str) -> Result<Vec<Value>, String> {
        let mut c = self.open()?;
        let tx = c.transaction().map_err(|e| e.to_string())?;
        let out = run_all(&tx, sql)?;
        tx.commit().map_err(|e| e.to_string())?;
        Ok(out)
    }

    /// The migration files (`NNNN_name.sql` in `migrations_dir`, in name order) and whether
    /// each is applied (recorded in `d1_migrations`, as wrangler records them).
    pub fn migrations(&self) -> Result<Vec<(String, bool)>, String> {
        let c = self.open()?;
        ensure_table(&c)?;
        let mut applied = std::collections::HashSet::new();
        let mut st = c
            .prepare("SELECT name FROM d1_migrations")
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(|e| e.to_string())?;
        for r in rows {
            applied.insert(r.map_err(|e| e.to_string())?);
        }
        let mut files: Vec<String> = match std::fs::read_dir(&self.migrations_dir) {
            Ok(d) => d
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect(),
            Err(_) => vec![],
        };
        files.sort();
        Ok(files
            .into_iter()
            .map(|f| {
                let done = applied.contains(&f);
                (f, done)
            })
            .collect())
    }

    /// Applies the migrations not applied yet, each in its own transaction with its record;
    /// stops at the first that fails (it leaves nothing behind). Returns the names applied.
    pub fn apply_migrations(&self) -> Result<Vec<String>, String> {
        let pending: Vec<String> = self
            .migrations()?
            .into_iter()
            .filter(|(_, done)| !done)
            .map(|(n, _)| n)
            .collect();
        let mut c = self.open()?;
        let mut applied = vec![];
        for name in pending {
            let sql = std::fs::read_to_string(self.migrations_dir.join(&name))
                .map_err(|e| format!("cannot read {name}: {e}"))?;
            let tx = c.transaction().map_err(|e| e.to_string())?;
            tx.execute_batch(&sql)
                .map_err(|e| format!("migration {name} failed (nothing of it was applied): {e}"))?;
            tx.execute("INSERT INTO d1_migrations (name) VALUES (?1)", [&name])
                .map_err(|e| e.to_string())?;
            tx.commit().map_err(|e| e.to_string())?;
            applied.push(name);
        }
        Ok(applied)
    }
}

fn ensure_table(c: &Connection) -> Result<(), String> {
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS d1_migrations (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             name TEXT UNIQUE,
             applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);",
    )
    .map_err(|e| e.to_string())
}

fn run_all(c: &Connection, sql: &str) -> Result<Vec<Value>, String> {
    use rusqlite::fallible_iterator::FallibleIterator;
    use rusqlite::types::ValueRef;
    let mut out = vec![];
    let mut batch = rusqlite::Batch::new(c, sql);
    while let Some(mut st) = batch.next().map_err(|e| e.to_string())? {
        let names: Vec<String> = st.column_names().map(|s| s.to_string()).collect();
        let mut rows = st.raw_query();
        let mut results = vec![];
        while let Some(r) = rows.next().map_err(|e| e.to_string())? {
            let mut o = Map::new();
            for (i, n) in names.iter().enumerate() {
                let v = match r.get_ref(i).map_err(|e| e.to_string())? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(n) => json!(n),
                    ValueRef::Real(f) => json!(f),
                    ValueRef::Text(t) => json!(String::from_utf8_lossy(t)),
                    ValueRef::Blob(b) => json!(b),
                };
                o.insert(n.clone(), v);
            }
            results.push(Value::Object(o));
        }
        drop(rows);
        out.push(json!({
            "results": results,
            "success": true,
            "meta": {"changes": c.changes(), "last_row_id": c.last_insert_rowid()},
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d1(dir: &Path) -> D1 {
        D1 {
            database: "db".into(),
            migrations_dir: dir.join("migrations"),
            path: dir.join("state/d1/db.sqlite"),
        }
    }

    #[test]
    fn execute_and_migrate() {
        let dir = tempfile::tempdir().unwrap();
        let db = d1(dir.path());
        std::fs::create_dir_all(&db.migrations_dir).unwrap();
        std::fs::write(
            db.migrations_dir.join("0001_users.sql"),
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);",
        )
        .unwrap();
        std::fs::write(
            db.migrations_dir.join("0002_seed.sql"),
            "INSERT INTO users (name) VALUES ('ada'), ('grace');",
        )
        .unwrap();
        assert_eq!(
            db.migrations().unwrap(),
            [
                ("0001_users.sql".to_string(), false),
                ("0002_seed.sql".to_string(), false)
            ]
        );
        assert_eq!(
            db.apply_migrations().unwrap(),
            ["0001_users.sql", "0002_seed.sql"]
        );
        assert!(db.apply_migrations().unwrap().is_empty(), "applied once");
        let r = db
            .execute("SELECT name FROM users ORDER BY id; SELECT COUNT(*) AS n FROM d1_migrations")
            .unwrap();
        assert_eq!(r[0]["results"], json!([{"name": "ada"}, {"name": "grace"}]));
        assert_eq!(r[1]["results"], json!([{"n": 2}]));
        // A failing migration applies nothing of itself and is not recorded.
        std::fs::write(
            db.migrations_dir.join("0003_bad.sql"),
            "INSERT INTO users (name) VALUES ('x'); INSERT INTO nope VALUES (1);",
        )
        .unwrap();
        let e = db.apply_migrations().unwrap_err();
        assert!(e.contains("0003_bad.sql"), "{e}");
        let n = db.execute("SELECT COUNT(*) AS n FROM users").unwrap();
        assert_eq!(n[0]["results"], json!([{"n": 2}]));
        assert_eq!(
            db.migrations().unwrap()[2],
            ("0003_bad.sql".to_string(), false)
        );
        // A failing statement rolls back the whole execute.
        assert!(
            db.execute("INSERT INTO users (name) VALUES ('y'); SELECT * FROM nope")
                .is_err()
        );
        let n = db.execute("SELECT COUNT(*) AS n FROM users").unwrap();
        assert_eq!(n[0]["results"], json!([{"n": 2}]));
    }
}
