//! Endure's PostgreSQL store: the same [`Store`] as SQLite, on a database several processes
//! can share.
//!
//! * Driver: `tokio-postgres`, pooled by `deadpool-postgres` (sqlx would cost a minute more of
//!   build and conflicts with rusqlite's `links = "sqlite3"`).
//! * Group commit: one writer task takes every operation waiting in its queue and applies them
//!   in one transaction on one connection, so concurrent instances share round trips and the
//!   commit's WAL flush. A commit checks its fence and expected status (locking the row) before
//!   it writes anything; a write that fails after that fails the whole batch, which is rolled
//!   back. Nothing is answered before `COMMIT` returns (`synchronous_commit` as the server has
//!   it; its default is durable).
//! * Schema: versioned by Endure in `endure_schema`; migrations run under an advisory lock, and a
//!   database from a newer Endure is refused. An optional `schema` keeps one deployment's tables
//!   in their own PostgreSQL schema (tests use one per store).
//! * Queue messages are taken with `FOR UPDATE SKIP LOCKED`, so processes never take the same
//!   message at once; a firing's claim locks its trigger's row, so one process wins.

mod notices;
mod queries;
mod schema;
mod writer;

use async_trait::async_trait;
use endure_model::{InstanceStatus, LogEntry, Timestamp};
use endure_store::ops::{Op, WorkflowOp};
use endure_store::{
    Commit, Fence, FiringClaim, InstanceRef, InstanceRow, ListQuery, Message, NewInstance,
    NewMessage, Settlement, Store, StoreError, Ticket, WorkflowRecord,
};
use std::str::FromStr;
use tokio::sync::{mpsc, oneshot};

pub use notices::{RECONNECT_MAX_MS, application_name};
pub use schema::SCHEMA_VERSION;

/// How to open a PostgreSQL store.
#[derive(Clone)]
pub struct PostgresConfig {
    /// `postgres://user:password@host:port/database` (or key=value form).
    pub url: String,
    /// A PostgreSQL schema for Endure's tables (created if missing); `None`: the connection's
    /// default (`public`).
    pub schema: Option<String>,
    /// Connections for reads (the writer has its own).
    pub pool_size: usize,
    /// Most operations gathered into one transaction.
    pub max_batch: usize,
    /// Told of each batch the writer applies (metrics).
    pub observer: Option<std::sync::Arc<dyn endure_store::StoreObserver>>,
}

impl std::fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the URL: it may hold a password.
        f.debug_struct("PostgresConfig")
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .field("max_batch", &self.max_batch)
            .field("observer", &self.observer.is_some())
            .finish()
    }
}

impl PostgresConfig {
    pub fn new(url: impl Into<String>) -> PostgresConfig {
        PostgresConfig {
            url: url.into(),
            schema: None,
            pool_size: 8,
            max_batch: 512,
            observer: None,
        }
    }
}

/// Operations waiting for the writer at most (submitters wait beyond it).
pub const WRITER_QUEUE: usize = 16_384;

pub(crate) fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Schema names: letters, digits and `_`, not starting with a digit (so they need no quoting).
fn valid_schema(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The PostgreSQL store. Cheap to share behind an `Arc`.
pub struct PostgresStore {
    pool: deadpool_postgres::Pool,
    writer: mpsc::Sender<Op>,
    /// Commits submitted while the writer's queue was full, in submission order; one task
    /// moves them on as room frees up (see [`Store::submit`], which cannot wait).
    overflow: std::sync::Arc<std::sync::Mutex<Overflow>>,
    /// How to connect (notice listeners have connections of their own).
    pg: tokio_postgres::Config,
    /// The deployment's schema, which addresses its notices.
    scope: String,
}

#[derive(Default)]
struct Overflow {
    queue: std::collections::VecDeque<Op>,
    draining: bool,
}

impl PostgresStore {
    /// Connects, creates or migrates the schema, and starts the writer.
    pub async fn open(config: PostgresConfig) -> Result<PostgresStore, StoreError> {
        let mut pg = tokio_postgres::Config::from_str(&config.url)
            .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
        if let Some(s) = &config.schema {
            if !valid_schema(s) {
                return Err(StoreError::Backend(format!(
                    "invalid schema name \"{s}\" (letters, digits and _)"
                )));
            }
            let (client, conn) = pg
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(|e| connect_error(&config.url, e))?;
            let task = tokio::spawn(conn);
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {s}"))
                .await
                .map_err(backend)?;
            drop(client);
            let _ = task.await;
            pg.options(format!("-c search_path={s}"));
        }
        let (mut client, conn) = pg
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| connect_error(&config.url, e))?;
        let task = tokio::spawn(conn);
        schema::migrate(&mut client).await?;
        drop(client);
        let _ = task.await;
        let manager = deadpool_postgres::Manager::from_config(
            pg.clone(),
            tokio_postgres::NoTls,
            deadpool_postgres::ManagerConfig {
                recycling_method: deadpool_postgres::RecyclingMethod::Fast,
            },
        );
        let pool = deadpool_postgres::Pool::builder(manager)
            .max_size(config.pool_size.max(1) + 1)
            .build()
            .map_err(backend)?;
        let (tx, rx) = mpsc::channel(WRITER_QUEUE);
        tokio::spawn(writer::run(
            pool.clone(),
            rx,
            config.max_batch.max(1),
            config.observer.clone(),
        ));
        Ok(PostgresStore {
            pool,
            writer: tx,
            overflow: Default::default(),
            pg,
            scope: config.schema.clone().unwrap_or_else(|| "public".into()),
        })
    }

    async fn write<T: Send + 'static>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Op,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.writer
            .send(make(tx))
            .await
            .map_err(|_| StoreError::Closed)?;
        rx.await.unwrap_or(Err(StoreError::Closed))
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(backend)
    }
}

fn connect_error(url: &str, e: tokio_postgres::Error) -> StoreError {
    // The URL may hold a password: name only where it points.
    let place = url.rsplit('@').next().unwrap_or("the database");
    StoreError::Backend(format!("cannot connect to PostgreSQL at {place}: {e}"))
}

#[async_trait]
impl Store for PostgresStore {
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
        let c = self.client().await?;
        queries::find(&c, workflow, id).await
    }

    async fn get_instance(&self, instance: InstanceRef) -> Result<Option<InstanceRow>, StoreError> {
        let c = self.client().await?;
        queries::get(&c, instance).await
    }

    async fn read_log(&self, instance: InstanceRef) -> Result<Vec<LogEntry>, StoreError> {
        let c = self.client().await?;
        queries::log_of(&c, instance).await
    }

    async fn read_instance(
        &self,
        instance: InstanceRef,
    ) -> Result<Option<(InstanceRow, Vec<LogEntry>)>, StoreError> {
        let c = self.client().await?;
        queries::read_instance(&c, instance).await
    }

    fn submit(&self, commit: Commit) -> Ticket {
        let (tx, rx) = oneshot::channel();
        let op = Op::Commit(Box::new(commit), tx);
        let mut o = self.overflow.lock().unwrap_or_else(|e| e.into_inner());
        // While earlier commits wait in the overflow, later ones queue behind them: commits
        // of one instance keep their submission order.
        if !o.draining {
            match self.writer.try_send(op) {
                Ok(()) => return Ticket::pending(rx),
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    return Ticket::ready(Err(StoreError::Closed));
                }
                Err(mpsc::error::TrySendError::Full(op)) => o.queue.push_back(op),
            }
        } else {
            o.queue.push_back(op);
        }
        if !o.draining {
            o.draining = true;
            let overflow = self.overflow.clone();
            let writer = self.writer.clone();
            tokio::spawn(async move {
                loop {
                    let next = {
                        let mut o = overflow.lock().unwrap_or_else(|e| e.into_inner());
                        match o.queue.pop_front() {
                            Some(op) => op,
                            None => {
                                o.draining = false;
                                return;
                            }
                        }
                    };
                    // A closed writer drops the op: its ticket resolves as `Closed`.
                    let _ = writer.send(next).await;
                }
            });
        }
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
        let c = self.client().await?;
        queries::due(&c, node, now, limit).await
    }

    async fn next_wakeup(
        &self,
        node: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let c = self.client().await?;
        queries::next_wakeup(&c, node, now).await
    }

    async fn instances_in(
        &self,
        statuses: &[InstanceStatus],
    ) -> Result<Vec<InstanceRow>, StoreError> {
        let c = self.client().await?;
        queries::instances_in(&c, statuses).await
    }

    async fn list_instances(&self, q: &ListQuery) -> Result<Vec<InstanceRow>, StoreError> {
        let c = self.client().await?;
        queries::list(&c, q).await
    }

    async fn count_instances(&self, q: &ListQuery) -> Result<u64, StoreError> {
        let c = self.client().await?;
        queries::count(&c, q).await
    }

    async fn count_by_status(
        &self,
        workflow: &str,
    ) -> Result<Vec<(InstanceStatus, u64)>, StoreError> {
        let c = self.client().await?;
        queries::count_by_status(&c, workflow).await
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
        let c = self.client().await?;
        queries::workflows(&c).await
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
        let c = self.client().await?;
        queries::last_firing(&c, trigger).await
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
        let c = self.client().await?;
        queries::next_message_at(&c, queue).await
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
        let c = self.client().await?;
        queries::rollups(&c, query).await
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
    ) -> Result<Option<mpsc::Receiver<endure_store::Notice>>, StoreError> {
        notices::listen(self.pg.clone(), &self.scope, node)
            .await
            .map(Some)
    }

    async fn notify(&self, node: &str, payload: String) -> Result<(), StoreError> {
        let p = notices::payload(&self.scope, node, &payload)?;
        let c = self.client().await?;
        c.execute("SELECT pg_notify($1, $2)", &[&notices::CHANNEL, &p])
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn queue_depth(&self, queue: &str) -> Result<u64, StoreError> {
        let c = self.client().await?;
        queries::queue_depth(&c, queue).await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_names() {
        for ok in ["endure", "t_123", "_x"] {
            assert!(super::valid_schema(ok), "{ok}");
        }
        for bad in ["", "1x", "a-b", "a;drop", "a b", &"x".repeat(64)] {
            assert!(!super::valid_schema(bad), "{bad}");
        }
    }
}
