//! The SQLite store runs the shared conformance suite, including a reopen of the same file.

use endure_sqlite::{SqliteConfig, SqliteStore};
use std::sync::atomic::{AtomicUsize, Ordering};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let n = AtomicUsize::new(0);
    let path_of = |i: usize| dir.path().join(format!("db-{i}.sqlite"));
    let fresh = || {
        let i = n.fetch_add(1, Ordering::SeqCst);
        let p = path_of(i);
        async move { SqliteStore::open(SqliteConfig::new(p)).expect("open") }
    };
    let reopen = || {
        let p = path_of(n.load(Ordering::SeqCst) - 1);
        async move { SqliteStore::open(SqliteConfig::new(p)).expect("reopen") }
    };
    endure_store::conformance::run_all(fresh, Some(reopen)).await;
}

#[test]
fn wal_and_full_sync_are_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.sqlite");
    let _store = SqliteStore::open(SqliteConfig::new(&path)).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let err = SqliteStore::open(SqliteConfig::new(&path))
        .err()
        .expect("must refuse");
    assert!(err.to_string().contains("schema version 99"), "{err}");
}

/// A database written by the first release (schema 1: no workflow records) opens, keeps its
/// instances and gains the later tables.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_database_is_migrated() {
    use endure_store::Store;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    {
        let store = SqliteStore::open(SqliteConfig::new(&path)).unwrap();
        store
            .create_instances(vec![endure_store::NewInstance {
                workflow: "wf".into(),
                id: "old".into(),
                params: serde_json::json!({}),
                trigger: endure_model::TriggerSource::Api,
                version_id: "1".into(),
                created_at: endure_model::Timestamp(1),
                schedule: None,
                owner: None,
            }])
            .await
            .unwrap();
    }
    // Turn the file back into what schema 1 looked like.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TABLE workflows; DROP INDEX instances_workflow_status; DROP TABLE firings; \
         DROP TABLE messages; DROP TABLE nodes; DROP TABLE rollups; \
         ALTER TABLE instances DROP COLUMN owner; \
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(SqliteConfig::new(&path)).unwrap();
    assert!(store.find_instance("wf", "old").await.unwrap().is_some());
    assert!(store.workflows().await.unwrap().is_empty());
    let rec = endure_store::WorkflowRecord {
        name: "n".into(),
        class_name: "C".into(),
        script_name: "s".into(),
        settings: serde_json::json!({}),
        created_at: endure_model::Timestamp(2),
        modified_at: endure_model::Timestamp(2),
    };
    store.put_workflow(rec.clone()).await.unwrap();
    assert_eq!(store.workflows().await.unwrap(), vec![rec]);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 7);
    // Version 4's firings and messages work.
    let claimed = store
        .claim_firing(endure_store::FiringClaim {
            trigger: "t".into(),
            scheduled: endure_model::Timestamp(60_000),
            create: vec![],
            send: vec![],
        })
        .await
        .unwrap();
    assert_eq!(claimed, Some(vec![]));
    assert_eq!(store.queue_depth("q").await.unwrap(), 0);
    let index: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'instances_workflow_status'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 1, "schema 3's index is added to a migrated file");
}
