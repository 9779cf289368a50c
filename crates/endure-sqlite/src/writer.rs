//! The writer thread: group commit.

use endure_model::InstanceStatus;
use endure_store::ops::{Done, Op, WorkflowOp};
use endure_store::{
    Commit, CommitResult, Fence, InstanceRef, NewInstance, RowUpdate, StoreError, WorkflowRecord,
};
use rusqlite::types::Value as Sql;
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::mpsc;

pub(crate) fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// The writer loop: runs until every sender is dropped.
pub(crate) fn run(
    mut conn: Connection,
    rx: mpsc::Receiver<Op>,
    max_batch: usize,
    observer: Option<std::sync::Arc<dyn endure_store::StoreObserver>>,
) {
    while let Some(first) = next(&rx) {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let (ops, started) = (batch.len(), std::time::Instant::now());
        let done = apply_batch(&mut conn, batch);
        if let Some(o) = &observer {
            o.batch(ops, started.elapsed().as_secs_f64());
        }
        for d in done {
            d.send();
        }
    }
}

/// How long the writer keeps watching its queue after a commit before it sleeps on it: the
/// next commit of a run one step further often comes within it, and is then taken without
/// the cost of waking a sleeping thread.
/// 50 µs: one at a time, a 3-step Rust instance's median went from 1.20–1.43 to 1.04–1.43 ms
/// (three alternated pairs, BENCHMARKS.md session 12); 200 µs did no better.
const SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// The next operation, watching the queue for [`SPIN`] before sleeping on it; `None` once every
/// sender is gone.
fn next(rx: &mpsc::Receiver<Op>) -> Option<Op> {
    let until = std::time::Instant::now() + SPIN;
    loop {
        match rx.try_recv() {
            Ok(op) => return Some(op),
            Err(mpsc::TryRecvError::Disconnected) => return None,
            Err(mpsc::TryRecvError::Empty) if std::time::Instant::now() < until => {
                std::hint::spin_loop()
            }
            Err(mpsc::TryRecvError::Empty) => return rx.recv().ok(),
        }
    }
}

fn apply_batch(conn: &mut Connection, batch: Vec<Op>) -> Vec<Done> {
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            return batch
                .into_iter()
                .map(|op| pending(op).fail(backend(&e)))
                .collect();
        }
    };
    let mut done = Vec::with_capacity(batch.len());
    let mut ops = batch.into_iter();
    while let Some(op) = ops.next() {
        // A commit checks everything that can refuse it before it writes anything, so it
        // needs no savepoint (they cost a copy of every page they touch). A write that fails
        // after that is the disk's failure: the whole transaction is rolled back and fails.
        let op = match op {
            Op::Commit(commit, reply) => {
                match apply_commit(&tx, *commit) {
                    Ok(r) => done.push(Done::Commit(reply, Ok(r))),
                    Err(Refused::Checked(e)) => done.push(Done::Commit(reply, Err(e))),
                    Err(Refused::WriteFailed(e)) => {
                        done.push(Done::Commit(reply, Err(e.clone())));
                        done.extend(ops.map(pending));
                        drop(tx);
                        return done.into_iter().map(|d| d.fail(e.clone())).collect();
                    }
                }
                continue;
            }
            other => other,
        };
        let result = {
            let sp = match tx.unchecked_transaction_savepoint() {
                Ok(sp) => sp,
                Err(e) => {
                    done.push(pending(op).fail(backend(e)));
                    continue;
                }
            };
            let d = apply(&sp, op);
            let end = if d.is_ok() {
                sp.release()
            } else {
                sp.rollback_and_release()
            };
            match end {
                Ok(()) => d,
                Err(e) => d.fail(backend(e)),
            }
        };
        done.push(result);
    }
    match tx.commit() {
        Ok(()) => done,
        Err(e) => done.into_iter().map(|d| d.fail(backend(&e))).collect(),
    }
}

/// An operation that did not run.
fn pending(op: Op) -> Done {
    op.fail(StoreError::Closed)
}

/// A savepoint that is rolled back by hand: rusqlite's `Savepoint` needs `&mut`, which a
/// shared transaction cannot give; this small wrapper issues the SQL itself.
trait SavepointExt {
    fn unchecked_transaction_savepoint(&self) -> rusqlite::Result<Sp<'_>>;
}

pub(crate) struct Sp<'c> {
    conn: &'c Connection,
}

impl SavepointExt for rusqlite::Transaction<'_> {
    fn unchecked_transaction_savepoint(&self) -> rusqlite::Result<Sp<'_>> {
        self.prepare_cached("SAVEPOINT op")?.execute([])?;
        Ok(Sp { conn: self })
    }
}

impl Sp<'_> {
    fn release(self) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached("RELEASE op")?
            .execute([])
            .map(drop)
    }
    fn rollback_and_release(self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("ROLLBACK TO op")?.execute([])?;
        self.conn
            .prepare_cached("RELEASE op")?
            .execute([])
            .map(drop)
    }
}

impl std::ops::Deref for Sp<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

fn apply(c: &Connection, op: Op) -> Done {
    match op {
        Op::Commit(commit, r) => Done::Commit(
            r,
            apply_commit(c, *commit).map_err(|(Refused::Checked(e) | Refused::WriteFailed(e))| e),
        ),
        Op::Create(batch, r) => Done::Create(r, create(c, batch)),
        Op::Lease(i, owner, r) => Done::Lease(r, lease(c, i, &owner)),
        Op::Heartbeat(node, until, r) => Done::Heartbeat(r, heartbeat(c, &node, until)),
        Op::Orphans(o, r) => Done::Orphans(r, orphans(c, o)),
        Op::Slots(claim, r) => Done::Slots(r, slots(c, claim)),
        Op::Release(r) => Done::Release(r, crate::queues::release(c)),
        Op::Delete(i, r) => Done::Delete(r, delete(c, i)),
        Op::Workflow(op, r) => Done::Workflow(r, workflow(c, op)),
        Op::Claim(claim, r) => Done::Claim(r, crate::queues::claim(c, claim)),
        Op::Send(batch, r) => Done::Send(r, crate::queues::send(c, batch)),
        Op::Take(take, r) => Done::Take(r, crate::queues::take(c, take)),
        Op::Settle(batch, r) => Done::Settle(r, crate::queues::settle(c, batch)),
        Op::Rollups(rows, r) => Done::Rollups(r, crate::rollups::add(c, rows)),
        Op::Prune(before, r) => Done::Prune(r, crate::rollups::prune(c, before)),
    }
}

fn workflow(c: &Connection, op: WorkflowOp) -> Result<Option<WorkflowRecord>, StoreError> {
    match op {
        WorkflowOp::Put(mut rec) => {
            let created: Option<i64> = c
                .query_row(
                    "SELECT created_at FROM workflows WHERE name = ?1",
                    params![rec.name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            if let Some(t) = created {
                rec.created_at = endure_model::Timestamp(t as u64);
            }
            c.execute(
                "INSERT OR REPLACE INTO workflows (name, class_name, script_name, settings, created_at, modified_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    rec.name,
                    rec.class_name,
                    rec.script_name,
                    to_json(&rec.settings)?,
                    rec.created_at.0 as i64,
                    rec.modified_at.0 as i64
                ],
            )
            .map_err(backend)?;
            Ok(Some(rec))
        }
        WorkflowOp::Delete(name) => {
            let old = c
                .query_row(
                    "SELECT class_name, script_name, settings, created_at, modified_at \
                     FROM workflows WHERE name = ?1",
                    params![name],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, i64>(4)?,
                        ))
                    },
                )
                .optional()
                .map_err(backend)?;
            let Some((class_name, script_name, settings, created, modified)) = old else {
                return Ok(None);
            };
            c.execute("DELETE FROM workflows WHERE name = ?1", params![name])
                .map_err(backend)?;
            Ok(Some(WorkflowRecord {
                name,
                class_name,
                script_name,
                settings: serde_json::from_str(&settings)
                    .map_err(|e| StoreError::Corrupt(format!("workflow settings: {e}")))?,
                created_at: endure_model::Timestamp(created as u64),
                modified_at: endure_model::Timestamp(modified as u64),
            }))
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("serialize: {e}")))
}

pub(crate) fn create(
    c: &Connection,
    batch: Vec<NewInstance>,
) -> Result<Vec<InstanceRef>, StoreError> {
    let mut refs = Vec::with_capacity(batch.len());
    let mut ins = c
        .prepare_cached(
            "INSERT INTO instances (workflow, id, status, params, trigger_source, version_id, created_at, owner) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )
        .map_err(backend)?;
    let mut log = c
        .prepare_cached("INSERT INTO log (pk, ts, kind, data) VALUES (?1, ?2, ?3, ?4)")
        .map_err(backend)?;
    for n in batch {
        let trigger = serde_json::to_value(n.trigger).map_err(backend)?;
        let res = ins.execute(params![
            n.workflow,
            n.id,
            InstanceStatus::Queued.code(),
            to_json(&n.params)?,
            trigger.as_str().unwrap_or("unknown"),
            n.version_id,
            n.created_at.0 as i64,
            n.owner
        ]);
        match res {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::AlreadyExists {
                    workflow: n.workflow,
                    id: n.id,
                });
            }
            Err(e) => return Err(backend(e)),
            Ok(_) => {}
        }
        let pk = c.last_insert_rowid();
        let event = endure_model::LogEvent::WorkflowQueued {
            params: n.params,
            trigger: n.trigger,
            schedule: n.schedule,
        };
        log.execute(params![
            pk,
            n.created_at.0 as i64,
            event.code(),
            to_json(&event)?
        ])
        .map_err(backend)?;
        refs.push(InstanceRef(pk));
    }
    Ok(refs)
}

fn heartbeat(c: &Connection, node: &str, until: endure_model::Timestamp) -> Result<(), StoreError> {
    c.prepare_cached(
        "INSERT INTO nodes (node, alive_until) VALUES (?1, ?2) \
         ON CONFLICT (node) DO UPDATE SET alive_until = excluded.alive_until",
    )
    .and_then(|mut s| s.execute(params![node, until.0 as i64]))
    .map(drop)
    .map_err(backend)
}

fn slots(
    c: &Connection,
    claim: endure_store::SlotClaim,
) -> Result<endure_store::SlotGrant, StoreError> {
    let others = c
        .prepare_cached(
            "SELECT node, wants, holds FROM nodes WHERE node != ?1 AND alive_until > ?2",
        )
        .and_then(|mut s| {
            s.query_map(params![claim.node, claim.now.0 as i64], |r| {
                Ok(endure_store::NodeSlots {
                    node: r.get(0)?,
                    want: r.get::<_, i64>(1)?.max(0) as usize,
                    holds: r.get::<_, i64>(2)?.max(0) as usize,
                })
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let g = endure_store::slots::grant(&claim, &others);
    c.prepare_cached(
        "INSERT INTO nodes (node, alive_until, wants, holds) VALUES (?1, 0, ?2, ?3) \
         ON CONFLICT (node) DO UPDATE SET wants = excluded.wants, holds = excluded.holds",
    )
    .and_then(|mut s| s.execute(params![claim.node, claim.want as i64, g.holds as i64]))
    .map_err(backend)?;
    Ok(g)
}

fn orphans(
    c: &Connection,
    o: endure_store::ops::Orphans,
) -> Result<Vec<endure_store::InstanceRow>, StoreError> {
    let sql = format!(
        "UPDATE instances SET owner = ?1 WHERE pk IN (SELECT pk FROM instances \
         WHERE status IN ({}, {}, {}) AND (owner IS NULL OR (owner = ?1 AND ?2) \
         OR (owner != ?1 AND NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.node = instances.owner \
         AND nodes.alive_until > ?3))) ORDER BY pk LIMIT ?4) RETURNING {}",
        InstanceStatus::Queued.code(),
        InstanceStatus::Running.code(),
        InstanceStatus::WaitingForPause.code(),
        crate::ROW_COLUMNS
    );
    let mut stmt = c.prepare_cached(&sql).map_err(backend)?;
    let rows = stmt
        .query_map(
            params![o.node, o.own, o.now.0 as i64, o.limit as i64],
            crate::row_from,
        )
        .map_err(backend)?;
    let mut out = vec![];
    for r in rows {
        out.push(r.map_err(backend)??);
    }
    out.sort_by_key(|r| r.instance);
    Ok(out)
}

fn lease(c: &Connection, i: InstanceRef, owner: &str) -> Result<Fence, StoreError> {
    c.query_row(
        "UPDATE instances SET fence = fence + 1, owner = ?2 WHERE pk = ?1 RETURNING fence",
        params![i.0, owner],
        |r| r.get::<_, i64>(0),
    )
    .optional()
    .map_err(backend)?
    .map(|f| Fence(f as u64))
    .ok_or(StoreError::NotFound)
}

fn delete(c: &Connection, i: InstanceRef) -> Result<bool, StoreError> {
    let n = c
        .execute("DELETE FROM instances WHERE pk = ?1", params![i.0])
        .map_err(backend)?;
    c.execute("DELETE FROM log WHERE pk = ?1", params![i.0])
        .map_err(backend)?;
    Ok(n > 0)
}

/// Why a commit did not apply: refused by a check (nothing was written), or a write failed
/// part-way (the transaction must be rolled back).
enum Refused {
    Checked(StoreError),
    WriteFailed(StoreError),
}

fn apply_commit(c: &Connection, commit: Commit) -> Result<CommitResult, Refused> {
    use Refused::{Checked, WriteFailed};
    let (fence, status): (i64, u8) = c
        .prepare_cached("SELECT fence, status FROM instances WHERE pk = ?1")
        .map_err(|e| Checked(backend(e)))?
        .query_row(params![commit.instance.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .map_err(|e| Checked(backend(e)))?
        .ok_or(Checked(StoreError::NotFound))?;
    if let Some(f) = commit.fence
        && f.0 as i64 != fence
    {
        return Err(Checked(StoreError::Fenced));
    }
    if !commit.expect_status.is_empty() {
        let actual = InstanceStatus::from_code(status)
            .ok_or_else(|| Checked(StoreError::Corrupt(format!("status {status}"))))?;
        if !commit.expect_status.contains(&actual) {
            return Err(Checked(StoreError::UnexpectedStatus { actual }));
        }
    }
    // Everything serialized before the first write.
    let rows = commit
        .append
        .iter()
        .map(|row| Ok((row.ts.0 as i64, row.event.code(), to_json(&row.event)?)))
        .collect::<Result<Vec<_>, StoreError>>()
        .map_err(Checked)?;
    let update = row_update_sql(&commit.update).map_err(Checked)?;
    let write = || -> rusqlite::Result<CommitResult> {
        if !commit.delete.is_empty() {
            let mut del = c.prepare_cached("DELETE FROM log WHERE seq = ?1 AND pk = ?2")?;
            for seq in &commit.delete {
                del.execute(params![*seq as i64, commit.instance.0])?;
            }
        }
        let mut seqs = Vec::with_capacity(rows.len());
        if !rows.is_empty() {
            let mut ins =
                c.prepare_cached("INSERT INTO log (pk, ts, kind, data) VALUES (?1, ?2, ?3, ?4)")?;
            for (ts, kind, data) in &rows {
                ins.execute(params![commit.instance.0, ts, kind, data])?;
                seqs.push(c.last_insert_rowid() as u64);
            }
        }
        if let Some((sql, mut vals)) = update {
            vals.insert(0, Sql::Integer(commit.instance.0));
            c.prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(vals))?;
        }
        let fence = if commit.take_lease {
            Some(bump_fence(c, commit.instance, commit.owner.as_deref())?)
        } else {
            None
        };
        Ok(CommitResult { seqs, fence })
    };
    write().map_err(|e| WriteFailed(backend(e)))
}

fn bump_fence(c: &Connection, i: InstanceRef, owner: Option<&str>) -> rusqlite::Result<Fence> {
    c.prepare_cached(
        "UPDATE instances SET fence = fence + 1, owner = COALESCE(?2, owner) WHERE pk = ?1 \
         RETURNING fence",
    )?
    .query_row(params![i.0, owner], |r| r.get::<_, i64>(0))
    .map(|f| Fence(f as u64))
}

/// The statement and values (from `?2`) of a row update; `None` if it changes nothing.
fn row_update_sql(u: &RowUpdate) -> Result<Option<(String, Vec<Sql>)>, StoreError> {
    if u.is_empty() {
        return Ok(None);
    }
    let mut sets: Vec<&str> = vec![];
    let mut vals: Vec<Sql> = vec![];
    let opt_ts =
        |t: &Option<endure_model::Timestamp>| t.map_or(Sql::Null, |t| Sql::Integer(t.0 as i64));
    if let Some(s) = u.status {
        sets.push("status");
        vals.push(Sql::Integer(i64::from(s.code())));
    }
    for (col, v) in [
        ("started_at", &u.started_at),
        ("ended_at", &u.ended_at),
        ("wake_at", &u.wake_at),
        ("paused_at", &u.paused_at),
    ] {
        if let Some(t) = v {
            sets.push(col);
            vals.push(opt_ts(t));
        }
    }
    if let Some(o) = &u.output {
        sets.push("output");
        vals.push(match o {
            Some(v) => Sql::Text(to_json(v)?),
            None => Sql::Null,
        });
    }
    if let Some(e) = &u.error {
        sets.push("error");
        vals.push(match e {
            Some(v) => Sql::Text(to_json(v)?),
            None => Sql::Null,
        });
    }
    let assignments: Vec<String> = sets
        .iter()
        .enumerate()
        .map(|(n, col)| format!("{col} = ?{}", n + 2))
        .collect();
    let sql = format!(
        "UPDATE instances SET {} WHERE pk = ?1",
        assignments.join(", ")
    );
    Ok(Some((sql, vals)))
}
