//! Connection settings and the schema.

use endure_store::StoreError;
use rusqlite::Connection;
use std::path::Path;

pub(crate) fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)
        .map_err(|e| StoreError::Backend(format!("open {}: {e}", path.display())))?;
    conn.busy_timeout(std::time::Duration::from_secs(30))
        .map_err(super::backend)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = OFF;",
    )
    .map_err(super::backend)?;
    Ok(conn)
}

const SCHEMA_VERSION: i64 = 2;

/// Version 2: workflow records (`PUT …/workflows/{name}`).
const V2: &str = "CREATE TABLE workflows (
             name TEXT PRIMARY KEY,
             class_name TEXT NOT NULL,
             script_name TEXT NOT NULL,
             settings TEXT NOT NULL,
             created_at INTEGER NOT NULL,
             modified_at INTEGER NOT NULL
         );";

pub(crate) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(super::backend)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    if version == 1 {
        return conn
            .execute_batch(&format!("BEGIN; {V2} PRAGMA user_version = 2; COMMIT;"))
            .map_err(super::backend);
    }
    if version != 0 {
        return Err(StoreError::Corrupt(format!(
            "database schema version {version} is not one this build knows ({SCHEMA_VERSION})"
        )));
    }
    conn.execute_batch(&format!(
        "BEGIN;
         CREATE TABLE instances (
             pk INTEGER PRIMARY KEY,
             workflow TEXT NOT NULL,
             id TEXT NOT NULL,
             status INTEGER NOT NULL,
             params TEXT NOT NULL,
             trigger_source TEXT NOT NULL,
             version_id TEXT NOT NULL,
             created_at INTEGER NOT NULL,
             started_at INTEGER,
             ended_at INTEGER,
             output TEXT,
             error TEXT,
             wake_at INTEGER,
             paused_at INTEGER,
             fence INTEGER NOT NULL DEFAULT 0,
             UNIQUE (workflow, id)
         );
         CREATE INDEX instances_wake ON instances (wake_at) WHERE wake_at IS NOT NULL;
         CREATE INDEX instances_status ON instances (status, pk);
         CREATE INDEX instances_workflow ON instances (workflow, pk);
         CREATE TABLE log (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             pk INTEGER NOT NULL,
             ts INTEGER NOT NULL,
             kind INTEGER NOT NULL,
             data TEXT NOT NULL
         );
         CREATE INDEX log_instance ON log (pk, seq);
         {V2}
         PRAGMA user_version = {SCHEMA_VERSION};
         COMMIT;"
    ))
    .map_err(super::backend)
}
