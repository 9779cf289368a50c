//! The schema, versioned by Endure itself in `endure_schema`, and its migrations.

use crate::backend;
use endure_store::StoreError;

/// The schema this build writes.
pub const SCHEMA_VERSION: i32 = 4;

/// Version 1: instances and their logs, workflow records, cron firings, queue messages.
const V1: &str = "
CREATE TABLE instances (
    pk BIGSERIAL PRIMARY KEY,
    workflow TEXT NOT NULL,
    id TEXT NOT NULL,
    status SMALLINT NOT NULL,
    params TEXT NOT NULL,
    trigger_source TEXT NOT NULL,
    version_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    started_at BIGINT,
    ended_at BIGINT,
    output TEXT,
    error TEXT,
    wake_at BIGINT,
    paused_at BIGINT,
    fence BIGINT NOT NULL DEFAULT 0,
    UNIQUE (workflow, id)
);
CREATE INDEX instances_wake ON instances (wake_at) WHERE wake_at IS NOT NULL;
CREATE INDEX instances_status ON instances (status, pk);
CREATE INDEX instances_workflow ON instances (workflow, pk);
CREATE INDEX instances_workflow_status ON instances (workflow, status, created_at);
CREATE TABLE log (
    seq BIGSERIAL PRIMARY KEY,
    pk BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    kind SMALLINT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX log_instance ON log (pk, seq);
CREATE TABLE workflows (
    name TEXT PRIMARY KEY,
    class_name TEXT NOT NULL,
    script_name TEXT NOT NULL,
    settings TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);
CREATE TABLE firings (
    trigger TEXT PRIMARY KEY,
    last_at BIGINT NOT NULL
);
CREATE TABLE messages (
    id BIGSERIAL PRIMARY KEY,
    queue TEXT NOT NULL,
    body BYTEA NOT NULL,
    content_type TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    visible_at BIGINT NOT NULL,
    leased_until BIGINT,
    lease BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX messages_queue ON messages (queue, visible_at);
";

/// Version 2: which node owns an instance, and each node's heartbeat.
const V2: &str = "
ALTER TABLE instances ADD COLUMN owner TEXT;
CREATE TABLE nodes (
    node TEXT PRIMARY KEY,
    alive_until BIGINT NOT NULL
);
";

/// Version 3: each node's run slots under the cluster-wide limit (`Store::claim_slots`).
const V3: &str = "
ALTER TABLE nodes ADD COLUMN wants BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN holds BIGINT NOT NULL DEFAULT 0;
";

/// Version 4: analytics rollups (`Store::add_rollups`), one row per group and time bucket;
/// `width` is the bucket's length in ms (a minute or an hour).
const V4: &str = "
CREATE TABLE rollups (
    width BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    workflow TEXT NOT NULL,
    event_type TEXT NOT NULL,
    step_name TEXT NOT NULL,
    step_count BIGINT NOT NULL,
    count BIGINT NOT NULL,
    wall_ms BIGINT NOT NULL,
    PRIMARY KEY (width, bucket, workflow, event_type, step_name, step_count)
);
";

/// Each version's changes, applied in order from the database's version.
const MIGRATIONS: [&str; 4] = [V1, V2, V3, V4];

/// A key for `pg_advisory_xact_lock`: processes starting together migrate one at a time.
const MIGRATION_LOCK: i64 = 0x656e_6475_7265; // "endure"

/// Brings the schema to [`SCHEMA_VERSION`], or refuses a newer one.
pub(crate) async fn migrate(client: &mut tokio_postgres::Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(backend)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(backend)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS endure_schema (version INTEGER NOT NULL)")
        .await
        .map_err(backend)?;
    let version: i32 = match tx
        .query_opt("SELECT version FROM endure_schema", &[])
        .await
        .map_err(backend)?
    {
        Some(r) => r.get(0),
        None => {
            tx.execute("INSERT INTO endure_schema (version) VALUES (0)", &[])
                .await
                .map_err(backend)?;
            0
        }
    };
    if version > SCHEMA_VERSION {
        return Err(StoreError::Corrupt(format!(
            "database schema version {version} is newer than this build of Endure knows \
             ({SCHEMA_VERSION}): use a newer endure"
        )));
    }
    for step in &MIGRATIONS[version as usize..] {
        tx.batch_execute(step).await.map_err(backend)?;
    }
    tx.execute("UPDATE endure_schema SET version = $1", &[&SCHEMA_VERSION])
        .await
        .map_err(backend)?;
    tx.commit().await.map_err(backend)
}
