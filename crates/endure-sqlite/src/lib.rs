//! Endure's embedded default store: one SQLite file.
//!
//! * WAL mode with `synchronous=FULL`: a commit that [`endure_store::Ticket`] reports done
//!   survives power loss.
//! * One writer thread owns the write connection. It takes every commit that is waiting (up to
//!   [`SqliteConfig::max_batch`]) and applies them in one transaction, so they share one fsync
//!   (group commit). A commit checks its fence and expected status before it writes anything,
//!   so one refused commit fails alone; creations and deletions run in savepoints. Its queue
//!   holds at most [`WRITER_QUEUE`] operations: a submitter waits when it is full.
//! * Reads use separate connections on blocking threads; WAL lets them run beside the writer.

mod queues;
mod rollups;
mod schema;
mod writer;

use async_trait::async_trait;
use endure_model::{InstanceStatus, LogEntry, Timestamp};
use endure_store::ops::{Op, WorkflowOp};
use endure_store::{
    Commit, Fence, FiringClaim, InstanceRef, InstanceRow, ListQuery, Message, NewInstance,
    NewMessage, Settlement, Store, StoreError, Ticket, WorkflowRecord,
};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use tokio::sync::oneshot;

/// How to open a SQLite store.
#[derive(Clone)]
pub struct SqliteConfig {
    pub path: PathBuf,
    /// Most commits gathered into one transaction.
    pub max_batch: usize,
    /// Told of each batch the writer applies (metrics).
    pub observer: Option<Arc<dyn endure_store::StoreObserver>>,
}

impl std::fmt::Debug for SqliteConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConfig")
            .field("path", &self.path)
            .field("max_batch", &self.max_batch)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

impl SqliteConfig {
    pub fn new(path: impl Into<PathBuf>) -> SqliteConfig {
        SqliteConfig {
            path: path.into(),
            max_batch: 1024,
            observer: None,
        }
    }
}

/// Operations waiting for the writer thread at most (backpressure beyond it).
pub const WRITER_QUEUE: usize = 16_384;

/// The SQLite store. Cheap to share behind an `Arc`.
pub struct SqliteStore {
    writer: Mutex<mpsc::SyncSender<Op>>,
    readers: Arc<Mutex<Vec<Connection>>>,
    /// Bounds the read connections (and their page caches) to [`MAX_READERS`].
    read_permits: Arc<tokio::sync::Semaphore>,
    path: PathBuf,
    /// Notices between engines of this process (one process owns a SQLite file).
    notices: endure_store::LocalNotices,
}

/// Most read connections open at once.
const MAX_READERS: usize = 4;

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and starts the writer thread.
    pub fn open(config: SqliteConfig) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(backend)?;
        }
        let conn = schema::open_connection(&config.path)?;
        schema::migrate(&conn)?;
        schema::check_writable(&conn, &config.path)?;
        let (tx, rx) = mpsc::sync_channel(WRITER_QUEUE);
        let max_batch = config.max_batch.max(1);
        let observer = config.observer.clone();
        std::thread::Builder::new()
            .name("endure-sqlite-writer".into())
            .spawn(move || writer::run(conn, rx, max_batch, observer))
            .map_err(backend)?;
        Ok(SqliteStore {
            writer: Mutex::new(tx),
            readers: Arc::new(Mutex::new(Vec::new())),
            read_permits: Arc::new(tokio::sync::Semaphore::new(MAX_READERS)),
            path: config.path,
            notices: Default::default(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, op: Op) {
        // If the writer is gone the op's reply sender is dropped and the caller sees `Closed`.
        let _ = self
            .writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(op);
    }

    async fn write<T: Send + 'static>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Op,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(make(tx));
        rx.await.unwrap_or(Err(StoreError::Closed))
    }

    /// Runs a short read (one instance's row, or its row and log) on the calling thread when a
    /// read connection is free, and on a blocking thread otherwise. A point read by key takes
    /// tens of microseconds, less than the two thread hand-offs of a blocking thread; an
    /// instance's log is bounded by its step limit.
    async fn read_short<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let Ok(permit) = self.read_permits.clone().try_acquire_owned() else {
            return self.read(f).await;
        };
        let conn = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let Some(conn) = conn else {
            // Opening a connection is not short: a blocking thread does it.
            drop(permit);
            return self.read(f).await;
        };
        let out = f(&conn);
        self.readers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(conn);
        drop(permit);
        out
    }

    /// Runs `f` on a read connection on a blocking thread.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let permit = self
            .read_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| StoreError::Closed)?;
        let readers = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let conn = match conn {
                Some(c) => c,
                None => schema::open_connection(&path)?,
            };
            let out = f(&conn);
            readers.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
            out
        })
        .await
        .map_err(backend)?
    }
}

/// The condition on instances that node `node` (a parameter) may run at `now` (one): no
/// owner, its own, or an owner whose heartbeat ran out.
fn may_run(now: &str, node: &str) -> String {
    format!(
        "(owner IS NULL OR owner = {node} OR NOT EXISTS (SELECT 1 FROM nodes \
         WHERE nodes.node = instances.owner AND nodes.alive_until > {now}))"
    )
}

pub(crate) const ROW_COLUMNS: &str = "pk, workflow, id, status, params, trigger_source, version_id, created_at, \
     started_at, ended_at, output, error, wake_at, paused_at, fence, owner";

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(|v| Timestamp(v as u64))
}

fn json_col<T: serde::de::DeserializeOwned>(s: Option<String>) -> Result<Option<T>, StoreError> {
    s.map(|s| serde_json::from_str(&s).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

pub(crate) fn row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<InstanceRow, StoreError>> {
    let status: u8 = r.get(3)?;
    let trigger: String = r.get(5)?;
    let params: String = r.get(4)?;
    let output: Option<String> = r.get(10)?;
    let error: Option<String> = r.get(11)?;
    let base = (
        r.get::<_, i64>(0)?,
        r.get::<_, String>(1)?,
        r.get::<_, String>(2)?,
    );
    let version_id: String = r.get(6)?;
    let created_at: i64 = r.get(7)?;
    let (started_at, ended_at, wake_at, paused_at): (
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    ) = (r.get(8)?, r.get(9)?, r.get(12)?, r.get(13)?);
    let fence: i64 = r.get(14)?;
    let owner: Option<String> = r.get(15)?;
    Ok((|| {
        Ok(InstanceRow {
            instance: InstanceRef(base.0),
            workflow: base.1,
            id: base.2,
            status: InstanceStatus::from_code(status)
                .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
            params: serde_json::from_str(&params)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            trigger: serde_json::from_value(serde_json::Value::String(trigger))
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            version_id,
            created_at: Timestamp(created_at as u64),
            started_at: ts(started_at),
            ended_at: ts(ended_at),
            output: json_col(output)?,
            error: json_col(error)?,
            wake_at: ts(wake_at),
            paused_at: ts(paused_at),
            fence: Fence(fence as u64),
            owner,
        })
    })())
}

fn query_rows(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<InstanceRow>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt.query_map(params, row_from).map_err(backend)?;
    let mut out = vec![];
    for r in rows {
        out.push(r.map_err(backend)??);
    }
    Ok(out)
}

#[async_trait]
impl Store for SqliteStore {
    /// Point reads run on the calling thread when a read connection is free (`read_short`).
    fn reads_inline(&self) -> bool {
        true
    }

    async fn create_instances(
        &self,
        batch: Vec<NewInstance>,
    ) -> Result<Vec<InstanceRef>, StoreError> {
        self.write(|tx| Op::Create(batch, tx)).await
    }

    async fn find_instance(
        &self,
        workflow: &str,
        id: &str,
    ) -> Result<Option<InstanceRow>, StoreError> {
        let (w, i) = (workflow.to_string(), id.to_string());
        self.read_short(move |c| {
            let sql =
                format!("SELECT {ROW_COLUMNS} FROM instances WHERE workflow = ?1 AND id = ?2");
            Ok(query_rows(c, &sql, params![w, i])?.pop())
        })
        .await
    }

    async fn get_instance(&self, instance: InstanceRef) -> Result<Option<InstanceRow>, StoreError> {
        self.read_short(move |c| {
            let sql = format!("SELECT {ROW_COLUMNS} FROM instances WHERE pk = ?1");
            Ok(query_rows(c, &sql, params![instance.0])?.pop())
        })
        .await
    }

    async fn read_log(&self, instance: InstanceRef) -> Result<Vec<LogEntry>, StoreError> {
        self.read_short(move |c| log_of(c, instance)).await
    }

    async fn read_instance(
        &self,
        instance: InstanceRef,
    ) -> Result<Option<(InstanceRow, Vec<LogEntry>)>, StoreError> {
        self.read_short(move |c| {
            // One read transaction: in WAL mode both queries see the same snapshot.
            snapshot(c, |c| {
                let sql = format!("SELECT {ROW_COLUMNS} FROM instances WHERE pk = ?1");
                let Some(row) = query_rows(c, &sql, params![instance.0])?.pop() else {
                    return Ok(None);
                };
                Ok(Some((row, log_of(c, instance)?)))
            })
        })
        .await
    }

    fn submit(&self, commit: Commit) -> Ticket {
        let (tx, rx) = oneshot::channel();
        self.send(Op::Commit(Box::new(commit), tx));
        Ticket::pending(rx)
    }

    async fn acquire_lease(&self, instance: InstanceRef, owner: &str) -> Result<Fence, StoreError> {
        let owner = owner.to_string();
        self.write(|tx| Op::Lease(instance, owner, tx)).await
    }

    async fn due_wakeups(
        &self,
        node: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<InstanceRef>, StoreError> {
        let node = node.to_string();
        self.read(move |c| {
            let sql = format!(
                "SELECT pk FROM instances WHERE wake_at IS NOT NULL AND wake_at <= ?1 AND {} \
                 ORDER BY wake_at, pk LIMIT ?2",
                may_run("?1", "?3")
            );
            let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
            let rows = stmt
                .query_map(params![now.0 as i64, limit as i64, node], |r| {
                    r.get::<_, i64>(0)
                })
                .map_err(backend)?;
            rows.map(|r| r.map(InstanceRef).map_err(backend)).collect()
        })
        .await
    }

    async fn next_wakeup(
        &self,
        node: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let node = node.to_string();
        self.read(move |c| {
            // The wake-up index in order, up to the first instance this node may run.
            let sql = format!(
                "SELECT wake_at FROM instances WHERE wake_at IS NOT NULL AND {} \
                 ORDER BY wake_at LIMIT 1",
                may_run("?1", "?2")
            );
            c.prepare_cached(&sql)
                .and_then(|mut s| {
                    s.query_row(params![now.0 as i64, node], |r| r.get::<_, i64>(0))
                        .optional()
                })
                .map(ts)
                .map_err(backend)
        })
        .await
    }

    async fn instances_in(
        &self,
        statuses: &[InstanceStatus],
    ) -> Result<Vec<InstanceRow>, StoreError> {
        let codes: Vec<String> = statuses.iter().map(|s| s.code().to_string()).collect();
        self.read(move |c| {
            let sql = format!(
                "SELECT {ROW_COLUMNS} FROM instances WHERE status IN ({}) ORDER BY pk",
                codes.join(",")
            );
            query_rows(c, &sql, [])
        })
        .await
    }

    async fn list_instances(&self, q: &ListQuery) -> Result<Vec<InstanceRow>, StoreError> {
        let q = q.clone();
        self.read(move |c| {
            let (cmp, order) = if q.ascending { (">", "ASC") } else { ("<", "DESC") };
            let sql = format!(
                "SELECT {ROW_COLUMNS} FROM instances WHERE workflow = ?1 AND (?2 IS NULL OR status = ?2) \
                 AND (?3 IS NULL OR pk {cmp} ?3) AND (?4 IS NULL OR created_at >= ?4) \
                 AND (?5 IS NULL OR created_at <= ?5) ORDER BY pk {order} LIMIT ?6"
            );
            query_rows(
                c,
                &sql,
                params![
                    q.workflow,
                    q.status.map(|s| s.code()),
                    q.before.map(|b| b.0),
                    q.created_from.map(Timestamp::to_i64),
                    q.created_to.map(Timestamp::to_i64),
                    q.limit as i64
                ],
            )
        })
        .await
    }

    async fn count_instances(&self, q: &ListQuery) -> Result<u64, StoreError> {
        let q = q.clone();
        self.read(move |c| {
            // Index-only on instances_workflow_status: a range of (workflow, status,
            // created_at), never the rows themselves.
            let sql = match q.status {
                Some(_) => {
                    "SELECT COUNT(*) FROM instances INDEXED BY instances_workflow_status \
                     WHERE workflow = ?1 AND status = ?2 \
                     AND created_at >= ?3 AND created_at <= ?4"
                }
                None => {
                    "SELECT COUNT(*) FROM instances INDEXED BY instances_workflow_status \
                     WHERE workflow = ?1 AND (?2 IS NULL) \
                     AND created_at >= ?3 AND created_at <= ?4"
                }
            };
            c.prepare_cached(sql)
                .and_then(|mut s| {
                    s.query_row(
                        params![
                            q.workflow,
                            q.status.map(|s| s.code()),
                            q.created_from.map_or(i64::MIN, Timestamp::to_i64),
                            q.created_to.map_or(i64::MAX, Timestamp::to_i64),
                        ],
                        |r| r.get::<_, i64>(0),
                    )
                })
                .map(|n| n as u64)
                .map_err(backend)
        })
        .await
    }

    async fn count_by_status(
        &self,
        workflow: &str,
    ) -> Result<Vec<(InstanceStatus, u64)>, StoreError> {
        let w = workflow.to_string();
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached("SELECT status, COUNT(*) FROM instances WHERE workflow = ?1 GROUP BY status ORDER BY status")
                .map_err(backend)?;
            let rows = stmt.query_map(params![w], |r| Ok((r.get::<_, u8>(0)?, r.get::<_, i64>(1)?))).map_err(backend)?;
            let mut out = vec![];
            for r in rows {
                let (code, n) = r.map_err(backend)?;
                let status = InstanceStatus::from_code(code).ok_or_else(|| StoreError::Corrupt(format!("status {code}")))?;
                out.push((status, n as u64));
            }
            Ok(out)
        })
        .await
    }

    async fn delete_instance(&self, instance: InstanceRef) -> Result<bool, StoreError> {
        self.write(|tx| Op::Delete(instance, tx)).await
    }

    async fn put_workflow(&self, record: WorkflowRecord) -> Result<WorkflowRecord, StoreError> {
        self.write(|tx| Op::Workflow(WorkflowOp::Put(record), tx))
            .await?
            .ok_or_else(|| StoreError::Backend("upsert stored nothing".into()))
    }

    async fn workflows(&self) -> Result<Vec<WorkflowRecord>, StoreError> {
        self.read(|c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT name, class_name, script_name, settings, created_at, modified_at \
                     FROM workflows ORDER BY name",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, i64>(5)?,
                    ))
                })
                .map_err(backend)?;
            let mut out = vec![];
            for r in rows {
                let (name, class_name, script_name, settings, created, modified) =
                    r.map_err(backend)?;
                out.push(WorkflowRecord {
                    name,
                    class_name,
                    script_name,
                    settings: serde_json::from_str(&settings)
                        .map_err(|e| StoreError::Corrupt(format!("workflow settings: {e}")))?,
                    created_at: Timestamp(created as u64),
                    modified_at: Timestamp(modified as u64),
                });
            }
            Ok(out)
        })
        .await
    }

    async fn delete_workflow(&self, name: &str) -> Result<bool, StoreError> {
        let name = name.to_string();
        Ok(self
            .write(|tx| Op::Workflow(WorkflowOp::Delete(name), tx))
            .await?
            .is_some())
    }

    async fn claim_firing(
        &self,
        claim: FiringClaim,
    ) -> Result<Option<Vec<InstanceRef>>, StoreError> {
        self.write(|tx| Op::Claim(claim, tx)).await
    }

    async fn last_firing(&self, trigger: &str) -> Result<Option<Timestamp>, StoreError> {
        let trigger = trigger.to_string();
        self.read(move |c| queues::last_firing(c, &trigger)).await
    }

    async fn send_messages(&self, batch: Vec<NewMessage>) -> Result<(), StoreError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.write(|tx| Op::Send(batch, tx)).await
    }

    async fn take_messages(
        &self,
        queue: &str,
        max: usize,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Vec<Message>, StoreError> {
        let take = endure_store::ops::Take {
            queue: queue.to_string(),
            max,
            now,
            lease_until,
        };
        self.write(|tx| Op::Take(take, tx)).await
    }

    async fn settle_messages(&self, batch: Vec<Settlement>) -> Result<usize, StoreError> {
        if batch.is_empty() {
            return Ok(0);
        }
        self.write(|tx| Op::Settle(batch, tx)).await
    }

    async fn next_message_at(&self, queue: &str) -> Result<Option<Timestamp>, StoreError> {
        let queue = queue.to_string();
        self.read(move |c| queues::next_message_at(c, &queue)).await
    }

    async fn heartbeat(&self, node: &str, until: Timestamp) -> Result<(), StoreError> {
        let node = node.to_string();
        self.write(|tx| Op::Heartbeat(node, until, tx)).await
    }

    async fn take_orphans(
        &self,
        node: &str,
        now: Timestamp,
        limit: usize,
        own: bool,
    ) -> Result<Vec<InstanceRow>, StoreError> {
        let o = endure_store::ops::Orphans {
            node: node.to_string(),
            now,
            limit,
            own,
        };
        self.write(|tx| Op::Orphans(o, tx)).await
    }

    async fn queue_depth(&self, queue: &str) -> Result<u64, StoreError> {
        let queue = queue.to_string();
        self.read(move |c| queues::depth(c, &queue)).await
    }

    async fn add_rollups(&self, rows: Vec<endure_store::Rollup>) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.write(|tx| Op::Rollups(rows, tx)).await
    }

    async fn query_rollups(
        &self,
        query: &endure_store::RollupQuery,
    ) -> Result<Vec<endure_store::Rollup>, StoreError> {
        let query = query.clone();
        self.read(move |c| rollups::query(c, &query)).await
    }

    async fn prune_rollups(&self, before: Timestamp) -> Result<u64, StoreError> {
        self.write(|tx| Op::Prune(before, tx)).await
    }

    async fn release_message_leases(&self) -> Result<u64, StoreError> {
        self.write(Op::Release).await
    }

    async fn claim_slots(
        &self,
        claim: endure_store::SlotClaim,
    ) -> Result<endure_store::SlotGrant, StoreError> {
        self.write(|tx| Op::Slots(claim, tx)).await
    }

    async fn listen(
        &self,
        node: &str,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<endure_store::Notice>>, StoreError> {
        Ok(Some(self.notices.listen(node)))
    }

    async fn notify(&self, node: &str, payload: String) -> Result<(), StoreError> {
        self.notices.notify(node, payload)
    }
}

/// Runs `f` in one read transaction. `BEGIN` and its end stay prepared (a rusqlite
/// `Transaction` parses them again each time, which showed in a status read's profile).
fn snapshot<T>(
    c: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let run = |sql: &str| c.prepare_cached(sql).and_then(|mut s| s.execute([]));
    run("BEGIN").map_err(backend)?;
    let out = f(c);
    let end = run(if out.is_ok() { "COMMIT" } else { "ROLLBACK" });
    if end.is_err() {
        // Never leave the pooled connection inside a transaction.
        let _ = run("ROLLBACK");
    }
    let out = out?;
    end.map_err(backend)?;
    Ok(out)
}

/// An instance's log in `seq` order. The parameter is written `+?1`: with `pk = ?1` and
/// `ORDER BY seq`, the bundled SQLite (built with STAT4) compiled the statement again for every
/// new value bound, a quarter of a status read's SQLite time.
const LOG_OF: &str = "SELECT seq, ts, data FROM log WHERE pk = +?1 ORDER BY seq";

fn log_of(c: &Connection, instance: InstanceRef) -> Result<Vec<LogEntry>, StoreError> {
    let mut stmt = c.prepare_cached(LOG_OF).map_err(backend)?;
    let rows = stmt
        .query_map(params![instance.0], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(backend)?;
    let mut out = vec![];
    for r in rows {
        let (seq, ts, data) = r.map_err(backend)?;
        let event = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("log row {seq}: {e}")))?;
        out.push(LogEntry {
            seq: seq as u64,
            ts: Timestamp(ts as u64),
            event,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The log read stays compiled from one instance to the next (see [`LOG_OF`]).
    #[test]
    fn the_log_read_is_not_compiled_again_per_instance() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.sqlite");
        drop(SqliteStore::open(SqliteConfig::new(&path)).unwrap());
        let c = schema::open_connection(&path).unwrap();
        for pk in 1..=3 {
            for seq in 0..4 {
                c.execute(
                    "INSERT INTO log (pk, ts, kind, data) VALUES (?1, 0, 0, ?2)",
                    params![pk, format!(r#"{{"n":{seq}}}"#)],
                )
                .unwrap();
            }
        }
        for pk in [1, 2, 3, 1] {
            // The rows parse or not (the payload is not a real event): only the statement's
            // compilation matters here.
            let _ = log_of(&c, InstanceRef(pk));
        }
        let stmt = c.prepare_cached(LOG_OF).unwrap();
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }
}
