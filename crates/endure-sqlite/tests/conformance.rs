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
