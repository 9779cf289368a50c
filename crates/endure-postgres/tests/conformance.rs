//! The store conformance suite on a real PostgreSQL server (`ENDURE_TEST_POSTGRES`, which
//! `scripts/test` and `.ci/run` set after starting one): each store in a schema of its own.

use endure_postgres::{PostgresConfig, PostgresStore};
use std::sync::{Arc, Mutex};

/// The server's URL. Not set is a failure, never a skip: `scripts/test` starts a server and
/// sets it.
pub fn url() -> String {
    std::env::var("ENDURE_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!(
            "ENDURE_TEST_POSTGRES is not set: run the tests with `bash scripts/test`, which \
             starts PostgreSQL and sets it (postgres://user:password@host/database)"
        )
    })
}

fn schema_name() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

async fn open(schema: &str) -> PostgresStore {
    let mut c = PostgresConfig::new(url());
    c.schema = Some(schema.to_string());
    c.pool_size = 2;
    PostgresStore::open(c)
        .await
        .expect("open the PostgreSQL store")
}

async fn drop_schemas(names: &[String]) {
    let (client, conn) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    for n in names {
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {n} CASCADE"))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_conformance_suite() {
    let made: Arc<Mutex<Vec<String>>> = Arc::default();
    let (m1, m2) = (made.clone(), made.clone());
    let fresh = move || {
        let m = m1.clone();
        async move {
            let s = schema_name();
            m.lock().unwrap().push(s.clone());
            open(&s).await
        }
    };
    let reopen = move || {
        let m = m2.clone();
        async move {
            let last = m.lock().unwrap().last().cloned().unwrap();
            open(&last).await
        }
    };
    endure_store::conformance::run_all(fresh, Some(reopen)).await;
    let names = made.lock().unwrap().clone();
    drop_schemas(&names).await;
}

/// A database written by a newer Endure is refused with a clear message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_schema_is_refused() {
    let s = schema_name();
    drop(open(&s).await);
    let (client, conn) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("UPDATE {s}.endure_schema SET version = 99"))
        .await
        .unwrap();
    let mut c = PostgresConfig::new(url());
    c.schema = Some(s.clone());
    let err = PostgresStore::open(c).await.err().expect("must refuse");
    assert!(err.to_string().contains("schema version 99"), "{err}");
    assert!(err.to_string().contains("use a newer endure"), "{err}");
    drop_schemas(&[s]).await;
}

/// A server that is not there is a clear error naming where it was looked for, without the
/// password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_a_clear_error() {
    let c = PostgresConfig::new("postgres://endure:secret@127.0.0.1:1/endure");
    let err = PostgresStore::open(c).await.err().expect("must fail");
    let text = err.to_string();
    assert!(
        text.contains("cannot connect to PostgreSQL at 127.0.0.1:1/endure"),
        "{text}"
    );
    assert!(!text.contains("secret"), "{text}");
}

/// A listener whose connection is killed connects again by itself, says it may have missed
/// notices, and delivers the ones sent after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_reconnects_after_its_connection_dies() {
    use endure_store::{Notice, Store};
    let s = schema_name();
    let store = open(&s).await;
    let mut rx = store.listen("n").await.unwrap().unwrap();
    let (client, conn) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let killed = client
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            &[&endure_postgres::application_name(&s)],
        )
        .await
        .unwrap();
    assert_eq!(killed.len(), 1, "one listening connection");
    let mut missed = false;
    for _ in 0..100 {
        store.notify("n", "after".into()).await.unwrap();
        match tokio::time::timeout(std::time::Duration::from_millis(200), rx.recv()).await {
            Ok(Some(Notice::Missed)) => missed = true,
            Ok(Some(Notice::Message(m))) => {
                assert_eq!(m, "after");
                assert!(
                    missed,
                    "a message arrived after a reconnection without Missed first"
                );
                drop(rx);
                drop(store);
                drop_schemas(&[s]).await;
                return;
            }
            Ok(None) => panic!("the listener stopped"),
            Err(_) => {}
        }
    }
    panic!("no notice arrived after the connection was killed");
}
