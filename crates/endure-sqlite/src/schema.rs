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
    // Every statement the store runs stays prepared (the row update alone has a few dozen
    // shapes); the default of 16 made the writer parse SQL again and again.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;

const SCHEMA_VERSION: i64 = 7;

/// Version 1: instances and their logs.
const V1: &str = "CREATE TABLE instances (
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
         CREATE INDEX log_instance ON log (pk, seq);";

/// Version 2: workflow records (`PUT …/workflows/{name}`).
const V2: &str = "CREATE TABLE workflows (
             name TEXT PRIMARY KEY,
             class_name TEXT NOT NULL,
             script_name TEXT NOT NULL,
             settings TEXT NOT NULL,
             created_at INTEGER NOT NULL,
             modified_at INTEGER NOT NULL
         );";

/// Version 3: lists' `total_count` is an index-only count (workflow, status, creation time).
const V3: &str =
    "CREATE INDEX instances_workflow_status ON instances (workflow, status, created_at);";

/// Version 4: cron firings (each trigger's last claimed firing) and queue messages.
const V4: &str = "CREATE TABLE firings (
             trigger TEXT PRIMARY KEY,
             last_at INTEGER NOT NULL
         );
         CREATE TABLE messages (
             id INTEGER PRIMARY KEY AUTOINCREMENT,
             queue TEXT NOT NULL,
             body BLOB NOT NULL,
             content_type TEXT NOT NULL,
             attempts INTEGER NOT NULL DEFAULT 0,
             visible_at INTEGER NOT NULL,
             leased_until INTEGER,
             lease INTEGER NOT NULL DEFAULT 0,
             created_at INTEGER NOT NULL
         );
         CREATE INDEX messages_queue ON messages (queue, visible_at);";

/// Version 5: which node owns an instance, and each node's heartbeat.
const V5: &str = "ALTER TABLE instances ADD COLUMN owner TEXT;
         CREATE TABLE nodes (
             node TEXT PRIMARY KEY,
             alive_until INTEGER NOT NULL
         );";

/// Version 6: each node's run slots under the cluster-wide limit (`Store::claim_slots`).
const V6: &str = "ALTER TABLE nodes ADD COLUMN wants INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE nodes ADD COLUMN holds INTEGER NOT NULL DEFAULT 0;";

/// Version 7: analytics rollups (`Store::add_rollups`), one row per group and time bucket;
/// `width` is the bucket's length in ms (a minute or an hour).
const V7: &str = "CREATE TABLE rollups (
             width INTEGER NOT NULL,
             bucket INTEGER NOT NULL,
             workflow TEXT NOT NULL,
             event_type TEXT NOT NULL,
             step_name TEXT NOT NULL,
             step_count INTEGER NOT NULL,
             count INTEGER NOT NULL,
             wall_ms INTEGER NOT NULL,
             PRIMARY KEY (width, bucket, workflow, event_type, step_name, step_count)
         ) WITHOUT ROWID;";

/// Each version's changes, applied in order from the file's version to [`SCHEMA_VERSION`].
const MIGRATIONS: [&str; 7] = [V1, V2, V3, V4, V5, V6, V7];

/// Refuses a database this process cannot write (read-only or immutable file, read-only
/// directory, unwritable WAL): one durable write of the schema version, at open, so a store
/// that would fail every commit never starts. A full disk is not refused: the file can be
/// written once there is room, and meanwhile what is stored can be read (each commit is
/// refused, not acknowledged, until then).
pub(crate) fn check_writable(conn: &Connection, path: &Path) -> Result<(), StoreError> {
    let not_writable = |why: String| {
        StoreError::Backend(format!(
            "{} cannot be written ({why}); check the permissions and attributes of the \
             file, its -wal and -shm files and its directory",
            path.display()
        ))
    };
    if conn
        .is_readonly(rusqlite::MAIN_DB)
        .map_err(super::backend)?
    {
        return Err(not_writable("opened read-only".into()));
    }
    match conn.execute_batch(&format!(
        "BEGIN IMMEDIATE; PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
    )) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
                return Ok(());
            }
            Err(not_writable(e.to_string()))
        }
    }
}

pub(crate) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(super::backend)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    if !(0..SCHEMA_VERSION).contains(&version) {
        return Err(StoreError::Corrupt(format!(
            "database schema version {version} is newer than this build of Endure knows \
             ({SCHEMA_VERSION}): use a newer endure"
        )));
    }
    let steps: String = MIGRATIONS[version as usize..].concat();
    conn.execute_batch(&format!(
        "BEGIN; {steps} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
    ))
    .map_err(super::backend)
}
