//! The writer task: group commit. Every operation waiting in the queue goes into one
//! transaction on one connection.

use crate::backend;
use endure_model::{InstanceStatus, Timestamp};
use endure_store::ops::{Done, Op, Reply, Take, WorkflowOp};
use endure_store::{
    Commit, CommitResult, Fence, FiringClaim, InstanceRef, Message, MessageId, NewInstance,
    NewMessage, RowUpdate, Settle, Settlement, StoreError, WorkflowRecord,
};
use tokio::sync::mpsc;
use tokio_postgres::types::ToSql;

type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// The answer an operation gets when it never ran.
fn unrun(op: Op, e: StoreError) -> Done {
    op.fail(e)
}

/// Runs until every sender is dropped.
pub(crate) async fn run(
    pool: deadpool_postgres::Pool,
    mut rx: mpsc::Receiver<Op>,
    max_batch: usize,
    observer: Option<std::sync::Arc<dyn endure_store::StoreObserver>>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let (ops, started) = (batch.len(), std::time::Instant::now());
        let done = match pool.get().await {
            Ok(mut client) => apply_batch(&mut client, batch).await,
            Err(e) => {
                let e = StoreError::Backend(format!("PostgreSQL connection: {e}"));
                batch.into_iter().map(|op| unrun(op, e.clone())).collect()
            }
        };
        if let Some(o) = &observer {
            o.batch(ops, started.elapsed().as_secs_f64());
        }
        for d in done {
            d.send();
        }
    }
}

async fn apply_batch(client: &mut deadpool_postgres::Object, batch: Vec<Op>) -> Vec<Done> {
    let mut tx = match client.transaction().await {
        Ok(tx) => tx,
        Err(e) => {
            let e = backend(e);
            return batch.into_iter().map(|op| unrun(op, e.clone())).collect();
        }
    };
    let mut done = Vec::with_capacity(batch.len());
    let mut ops = batch.into_iter().peekable();
    while let Some(op) = ops.next() {
        let op = match op {
            // Consecutive commits go together: checked in one query, written in one pipelined
            // round (they refuse before writing, so a refusal needs no savepoint; a failed
            // write fails the transaction and the whole batch).
            Op::Commit(c, reply) => {
                let mut run = vec![(*c, reply)];
                while let Some(Op::Commit(..)) = ops.peek() {
                    if let Some(Op::Commit(c, reply)) = ops.next() {
                        run.push((*c, reply));
                    }
                }
                match apply_commits(&tx, run).await {
                    Ok(answers) => done.extend(answers),
                    Err((answers, e)) => {
                        done.extend(answers);
                        done.extend(ops.map(|op| unrun(op, e.clone())));
                        return done.into_iter().map(|d| d.fail(e.clone())).collect();
                    }
                }
                continue;
            }
            other => other,
        };
        // Other operations may fail on a constraint: each in its own savepoint.
        let mut sp = match tx.savepoint("op").await {
            Ok(sp) => sp,
            Err(e) => {
                let e = backend(e);
                done.push(unrun(op, e.clone()));
                done.extend(ops.map(|op| unrun(op, e.clone())));
                return done.into_iter().map(|d| d.fail(e.clone())).collect();
            }
        };
        let (d, ok) = apply(&mut sp, op).await;
        let end = if ok {
            sp.commit().await
        } else {
            sp.rollback().await
        };
        match end {
            Ok(()) => done.push(d),
            Err(e) => {
                let e = backend(e);
                done.push(d.fail(e.clone()));
                done.extend(ops.map(|op| unrun(op, e.clone())));
                return done.into_iter().map(|d| d.fail(e.clone())).collect();
            }
        }
    }
    match tx.commit().await {
        Ok(()) => done,
        Err(e) => {
            let e = backend(e);
            done.into_iter().map(|d| d.fail(e.clone())).collect()
        }
    }
}

async fn apply(tx: &mut Tx<'_>, op: Op) -> (Done, bool) {
    macro_rules! run {
        ($variant:ident, $reply:expr, $fut:expr) => {{
            let r = $fut.await;
            let ok = r.is_ok();
            (Done::$variant($reply, r), ok)
        }};
    }
    match op {
        // (Commits are applied in runs by `apply_batch`; one alone is a run of one.)
        Op::Commit(c, r) => {
            let d = match apply_commits(tx, vec![(*c, r)]).await {
                Ok(mut d) | Err((mut d, _)) => d.pop(),
            };
            match d {
                Some(d) => {
                    let ok = d.is_ok();
                    (d, ok)
                }
                None => unreachable!("a run of one commit answers once"),
            }
        }
        Op::Create(batch, r) => run!(Create, r, create(tx, batch)),
        Op::Lease(i, owner, r) => run!(Lease, r, lease(tx, i, owner)),
        Op::Heartbeat(node, until, r) => run!(Heartbeat, r, heartbeat(tx, node, until)),
        Op::Orphans(o, r) => run!(Orphans, r, orphans(tx, o)),
        Op::Slots(c, r) => run!(Slots, r, slots(tx, c)),
        Op::Release(r) => run!(Release, r, release(tx)),
        Op::Delete(i, r) => run!(Delete, r, delete(tx, i)),
        Op::Workflow(op, r) => run!(Workflow, r, workflow(tx, op)),
        Op::Claim(c, r) => run!(Claim, r, claim(tx, c)),
        Op::Send(b, r) => run!(Send, r, send(tx, b)),
        Op::Take(t, r) => run!(Take, r, take(tx, t)),
        Op::Settle(b, r) => run!(Settle, r, settle(tx, b)),
        Op::Rollups(rows, r) => run!(Rollups, r, add_rollups(tx, rows)),
        Op::Prune(before, r) => run!(Prune, r, prune_rollups(tx, before)),
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("serialize: {e}")))
}

/// Creates a batch in two statements: the rows (one `INSERT … SELECT FROM UNNEST`, which
/// skips ids that exist; any skipped one fails the whole batch, undone by the caller's
/// savepoint) and their `WORKFLOW_QUEUED` log rows.
pub(crate) async fn create(
    tx: &Tx<'_>,
    batch: Vec<NewInstance>,
) -> Result<Vec<InstanceRef>, StoreError> {
    if batch.is_empty() {
        return Ok(vec![]);
    }
    let n = batch.len();
    // A duplicate within the batch is refused like one that exists.
    let mut seen = std::collections::HashSet::with_capacity(n);
    for b in &batch {
        if !seen.insert((&b.workflow, &b.id)) {
            return Err(StoreError::AlreadyExists {
                workflow: b.workflow.clone(),
                id: b.id.clone(),
            });
        }
    }
    let mut workflows = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    let mut params = Vec::with_capacity(n);
    let mut triggers = Vec::with_capacity(n);
    let mut versions = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    let mut owners: Vec<Option<String>> = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    for b in &batch {
        let trigger = serde_json::to_value(b.trigger).map_err(backend)?;
        workflows.push(b.workflow.clone());
        ids.push(b.id.clone());
        params.push(to_json(&b.params)?);
        triggers.push(trigger.as_str().unwrap_or("unknown").to_string());
        versions.push(b.version_id.clone());
        created.push(b.created_at.0 as i64);
        owners.push(b.owner.clone());
        events.push(to_json(&endure_model::LogEvent::WorkflowQueued {
            params: b.params.clone(),
            trigger: b.trigger,
            schedule: b.schedule.clone(),
        })?);
    }
    let status = InstanceStatus::Queued.code() as i16;
    let ins = tx
        .prepare_cached(
            "INSERT INTO instances (workflow, id, status, params, trigger_source, version_id, created_at, owner) \
             SELECT t.w, t.i, $1, t.p, t.tr, t.v, t.c, t.o FROM UNNEST($2::TEXT[], $3::TEXT[], $4::TEXT[], \
             $5::TEXT[], $6::TEXT[], $7::BIGINT[], $8::TEXT[]) WITH ORDINALITY AS t(w, i, p, tr, v, c, o, n) \
             ORDER BY t.n ON CONFLICT (workflow, id) DO NOTHING RETURNING pk, workflow, id",
        )
        .await
        .map_err(backend)?;
    let rows = tx
        .query(
            &ins,
            &[
                &status, &workflows, &ids, &params, &triggers, &versions, &created, &owners,
            ],
        )
        .await
        .map_err(backend)?;
    let mut made: std::collections::HashMap<(String, String), i64> = rows
        .iter()
        .map(|r| {
            (
                (r.get::<_, String>(1), r.get::<_, String>(2)),
                r.get::<_, i64>(0),
            )
        })
        .collect();
    let mut refs = Vec::with_capacity(n);
    for b in &batch {
        match made.remove(&(b.workflow.clone(), b.id.clone())) {
            Some(pk) => refs.push(pk),
            None => {
                return Err(StoreError::AlreadyExists {
                    workflow: b.workflow.clone(),
                    id: b.id.clone(),
                });
            }
        }
    }
    // WORKFLOW_QUEUED's code.
    let kinds: Vec<i16> = vec![0; n];
    let log = tx
        .prepare_cached(
            "INSERT INTO log (pk, ts, kind, data) SELECT t.pk, t.ts, t.k, t.d \
             FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::SMALLINT[], $4::TEXT[]) \
             WITH ORDINALITY AS t(pk, ts, k, d, n) ORDER BY t.n",
        )
        .await
        .map_err(backend)?;
    tx.execute(&log, &[&refs, &created, &kinds, &events])
        .await
        .map_err(backend)?;
    Ok(refs.into_iter().map(InstanceRef).collect())
}

async fn heartbeat(tx: &Tx<'_>, node: String, until: Timestamp) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO nodes (node, alive_until) VALUES ($1, $2) \
         ON CONFLICT (node) DO UPDATE SET alive_until = excluded.alive_until",
        &[&node, &(until.0 as i64)],
    )
    .await
    .map(drop)
    .map_err(backend)
}

/// Ends every message lease.
async fn add_rollups(tx: &Tx<'_>, rows: Vec<endure_store::Rollup>) -> Result<(), StoreError> {
    let (mut widths, mut buckets, mut workflows, mut types, mut steps, mut counts, mut calls) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut walls = vec![];
    for (g, r) in endure_store::rollups::expand(rows) {
        widths.push(g.ms() as i64);
        buckets.push(r.bucket.0 as i64);
        workflows.push(r.workflow);
        types.push(r.event_type);
        steps.push(r.step_name);
        counts.push(r.step_count as i64);
        calls.push(r.count as i64);
        walls.push(r.wall_ms as i64);
    }
    if widths.is_empty() {
        return Ok(());
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO rollups AS r (width, bucket, workflow, event_type, step_name, step_count, \
             count, wall_ms) SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], \
             $4::TEXT[], $5::TEXT[], $6::BIGINT[], $7::BIGINT[], $8::BIGINT[]) \
             ON CONFLICT (width, bucket, workflow, event_type, step_name, step_count) \
             DO UPDATE SET count = r.count + excluded.count, wall_ms = r.wall_ms + excluded.wall_ms",
        )
        .await
        .map_err(backend)?;
    tx.execute(
        &stmt,
        &[
            &widths, &buckets, &workflows, &types, &steps, &counts, &calls, &walls,
        ],
    )
    .await
    .map_err(backend)?;
    Ok(())
}

async fn prune_rollups(tx: &Tx<'_>, before: endure_model::Timestamp) -> Result<u64, StoreError> {
    tx.execute(
        "DELETE FROM rollups WHERE bucket < $1",
        &[&(before.0 as i64)],
    )
    .await
    .map_err(backend)
}

async fn release(tx: &Tx<'_>) -> Result<u64, StoreError> {
    tx.execute(
        "UPDATE messages SET leased_until = NULL, lease = lease + 1 WHERE leased_until IS NOT NULL",
        &[],
    )
    .await
    .map_err(backend)
}

/// A key for `pg_advisory_xact_lock`: one node's slot claim at a time (held to the end of the
/// writer's transaction, so the next claim sees this one's record).
const SLOTS_LOCK: i64 = 0x656e_6475_7273; // "endurs"

async fn slots(
    tx: &Tx<'_>,
    claim: endure_store::SlotClaim,
) -> Result<endure_store::SlotGrant, StoreError> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SLOTS_LOCK])
        .await
        .map_err(backend)?;
    let rows = tx
        .query(
            "SELECT node, wants, holds FROM nodes WHERE node <> $1 AND alive_until > $2",
            &[&claim.node, &(claim.now.0 as i64)],
        )
        .await
        .map_err(backend)?;
    let others: Vec<endure_store::NodeSlots> = rows
        .iter()
        .map(|r| endure_store::NodeSlots {
            node: r.get(0),
            want: r.get::<_, i64>(1).max(0) as usize,
            holds: r.get::<_, i64>(2).max(0) as usize,
        })
        .collect();
    let g = endure_store::slots::grant(&claim, &others);
    tx.execute(
        "INSERT INTO nodes (node, alive_until, wants, holds) VALUES ($1, 0, $2, $3) \
         ON CONFLICT (node) DO UPDATE SET wants = excluded.wants, holds = excluded.holds",
        &[&claim.node, &(claim.want as i64), &(g.holds as i64)],
    )
    .await
    .map_err(backend)?;
    Ok(g)
}

async fn orphans(
    tx: &Tx<'_>,
    o: endure_store::ops::Orphans,
) -> Result<Vec<endure_store::InstanceRow>, StoreError> {
    let sql = format!(
        "UPDATE instances SET owner = $1 WHERE pk IN (SELECT pk FROM instances \
         WHERE status IN ({}, {}, {}) AND (owner IS NULL OR (owner = $1 AND $2) \
         OR (owner <> $1 AND NOT EXISTS (SELECT 1 FROM nodes WHERE nodes.node = instances.owner \
         AND nodes.alive_until > $3))) ORDER BY pk LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING {}",
        InstanceStatus::Queued.code(),
        InstanceStatus::Running.code(),
        InstanceStatus::WaitingForPause.code(),
        crate::queries::ROW_COLUMNS
    );
    let rows = tx
        .query(
            &sql,
            &[&o.node, &o.own, &(o.now.0 as i64), &(o.limit as i64)],
        )
        .await
        .map_err(backend)?;
    let mut out = rows
        .iter()
        .map(crate::queries::row_from)
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|r| r.instance);
    Ok(out)
}

async fn lease(tx: &Tx<'_>, i: InstanceRef, owner: String) -> Result<Fence, StoreError> {
    tx.query_opt(
        "UPDATE instances SET fence = fence + 1, owner = $2 WHERE pk = $1 RETURNING fence",
        &[&i.0, &owner],
    )
    .await
    .map_err(backend)?
    .map(|r| Fence(r.get::<_, i64>(0) as u64))
    .ok_or(StoreError::NotFound)
}

async fn delete(tx: &Tx<'_>, i: InstanceRef) -> Result<bool, StoreError> {
    let n = tx
        .execute("DELETE FROM instances WHERE pk = $1", &[&i.0])
        .await
        .map_err(backend)?;
    tx.execute("DELETE FROM log WHERE pk = $1", &[&i.0])
        .await
        .map_err(backend)?;
    Ok(n > 0)
}

async fn workflow(tx: &Tx<'_>, op: WorkflowOp) -> Result<Option<WorkflowRecord>, StoreError> {
    match op {
        WorkflowOp::Put(mut rec) => {
            let created: i64 = tx
                .query_one(
                    "INSERT INTO workflows (name, class_name, script_name, settings, created_at, modified_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET \
                     class_name = excluded.class_name, script_name = excluded.script_name, \
                     settings = excluded.settings, modified_at = excluded.modified_at \
                     RETURNING created_at",
                    &[
                        &rec.name,
                        &rec.class_name,
                        &rec.script_name,
                        &to_json(&rec.settings)?,
                        &(rec.created_at.0 as i64),
                        &(rec.modified_at.0 as i64),
                    ],
                )
                .await
                .map_err(backend)?
                .get(0);
            rec.created_at = Timestamp(created as u64);
            Ok(Some(rec))
        }
        WorkflowOp::Delete(name) => {
            let r = tx
                .query_opt(
                    "DELETE FROM workflows WHERE name = $1 \
                     RETURNING class_name, script_name, settings, created_at, modified_at",
                    &[&name],
                )
                .await
                .map_err(backend)?;
            r.map(|r| crate::queries::workflow_from(&r, name))
                .transpose()
        }
    }
}

/// A commit that passed its checks, serialized, waiting for its writes.
struct Accepted {
    commit: Commit,
    reply: Reply<CommitResult>,
    update: Option<(String, Vec<Param>)>,
    log: (Vec<i64>, Vec<i16>, Vec<String>),
    fence: Option<Fence>,
}

/// The answers of a run whose writes failed: the refused commits keep their refusal, the
/// accepted ones get `e`.
fn write_failed(
    answers: Vec<Option<Done>>,
    accepted: Vec<(usize, Accepted)>,
    e: StoreError,
) -> (Vec<Done>, StoreError) {
    let all = answers
        .into_iter()
        .flatten()
        .chain(
            accepted
                .into_iter()
                .map(|(_, a)| Done::Commit(a.reply, Err(e.clone()))),
        )
        .collect();
    (all, e)
}

/// A run of commits: one `SELECT … FOR UPDATE` for all their rows, the checks in order in
/// memory (a commit sees the fence and status the ones before it in the run leave), then every
/// write of the accepted ones sent at once (tokio-postgres pipelines queries polled together;
/// the server runs them in the order sent).
async fn apply_commits(
    tx: &Tx<'_>,
    run: Vec<(Commit, Reply<CommitResult>)>,
) -> Result<Vec<Done>, (Vec<Done>, StoreError)> {
    use futures_util::future::try_join_all;
    use std::collections::HashMap;
    let fail_all = |run: Vec<(Commit, Reply<CommitResult>)>, e: StoreError| {
        let answers = run
            .into_iter()
            .map(|(_, r)| Done::Commit(r, Err(e.clone())))
            .collect();
        (answers, e)
    };
    let mut pks: Vec<i64> = run.iter().map(|(c, _)| c.instance.0).collect();
    pks.sort_unstable();
    pks.dedup();
    let check = match tx
        .prepare_cached("SELECT pk, fence, status FROM instances WHERE pk = ANY($1) FOR UPDATE")
        .await
    {
        Ok(s) => s,
        Err(e) => return Err(fail_all(run, backend(e))),
    };
    let rows = match tx.query(&check, &[&pks]).await {
        Ok(r) => r,
        Err(e) => return Err(fail_all(run, backend(e))),
    };
    let mut state: HashMap<i64, (i64, i16)> = rows
        .iter()
        .map(|r| (r.get::<_, i64>(0), (r.get::<_, i64>(1), r.get::<_, i16>(2))))
        .collect();
    // Decide each commit in order; serialize the accepted ones before any write.
    let mut answers: Vec<Option<Done>> = Vec::with_capacity(run.len());
    let mut accepted: Vec<(usize, Accepted)> = vec![];
    for (i, (commit, reply)) in run.into_iter().enumerate() {
        let decided = (|| {
            let (fence, status) = *state.get(&commit.instance.0).ok_or(StoreError::NotFound)?;
            if let Some(f) = commit.fence
                && f.0 as i64 != fence
            {
                return Err(StoreError::Fenced);
            }
            if !commit.expect_status.is_empty() {
                let actual = InstanceStatus::from_code(status as u8)
                    .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?;
                if !commit.expect_status.contains(&actual) {
                    return Err(StoreError::UnexpectedStatus { actual });
                }
            }
            let mut log = (vec![], vec![], vec![]);
            for row in &commit.append {
                log.0.push(row.ts.0 as i64);
                log.1.push(row.event.code() as i16);
                log.2.push(to_json(&row.event)?);
            }
            let update =
                row_update_sql(&commit.update, commit.take_lease, commit.owner.as_deref())?;
            Ok((log, update))
        })();
        match decided {
            Err(e) => answers.push(Some(Done::Commit(reply, Err(e)))),
            Ok((log, update)) => {
                let entry = state.entry(commit.instance.0).or_insert((0, 0));
                let fence = commit.take_lease.then(|| {
                    entry.0 += 1;
                    Fence(entry.0 as u64)
                });
                if let Some(s) = commit.update.status {
                    entry.1 = i16::from(s.code());
                }
                answers.push(None);
                accepted.push((
                    i,
                    Accepted {
                        commit,
                        reply,
                        update,
                        log,
                        fence,
                    },
                ));
            }
        }
    }
    let statements = async {
        Ok::<_, tokio_postgres::Error>((
            tx.prepare_cached("DELETE FROM log WHERE pk = $1 AND seq = ANY($2)")
                .await?,
            tx.prepare_cached(
                "INSERT INTO log (pk, ts, kind, data) \
                 SELECT $1, t.ts, t.kind, t.data \
                 FROM UNNEST($2::BIGINT[], $3::SMALLINT[], $4::TEXT[]) WITH ORDINALITY AS t(ts, kind, data, n) \
                 ORDER BY t.n RETURNING seq",
            )
            .await?,
        ))
    };
    let (del, ins) = match statements.await {
        Ok(s) => s,
        Err(e) => return Err(write_failed(answers, accepted, backend(e))),
    };
    let mut updates = Vec::with_capacity(accepted.len());
    for (_, a) in &accepted {
        match &a.update {
            Some((sql, _)) => match tx.prepare_cached(sql).await {
                Ok(st) => updates.push(Some(st)),
                Err(e) => return Err(write_failed(answers, accepted, backend(e))),
            },
            None => updates.push(None),
        }
    }
    // Every write, in commit order, polled together: one pipelined round.
    let writes = accepted.iter().zip(&updates).map(|((_, a), upd)| {
        let (del, ins) = (&del, &ins);
        async move {
            let pk = a.commit.instance.0;
            if !a.commit.delete.is_empty() {
                let seqs: Vec<i64> = a.commit.delete.iter().map(|s| *s as i64).collect();
                tx.execute(del, &[&pk, &seqs]).await?;
            }
            let mut seqs: Vec<u64> = vec![];
            if !a.log.0.is_empty() {
                let rows = tx.query(ins, &[&pk, &a.log.0, &a.log.1, &a.log.2]).await?;
                seqs = rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect();
                seqs.sort_unstable();
            }
            if let (Some(st), Some((_, vals))) = (upd, &a.update) {
                let mut params: Vec<&(dyn ToSql + Sync)> = vec![&pk];
                params.extend(vals.iter().map(|v| v.as_ref() as &(dyn ToSql + Sync)));
                tx.query_one(st, &params).await?;
            }
            Ok::<_, tokio_postgres::Error>(seqs)
        }
    });
    match try_join_all(writes).await {
        Ok(all_seqs) => {
            for ((i, a), seqs) in accepted.into_iter().zip(all_seqs) {
                answers[i] = Some(Done::Commit(
                    a.reply,
                    Ok(CommitResult {
                        seqs,
                        fence: a.fence,
                    }),
                ));
            }
            Ok(answers.into_iter().flatten().collect())
        }
        Err(e) => Err(write_failed(answers, accepted, backend(e))),
    }
}

type Param = Box<dyn ToSql + Sync + Send>;

/// The statement and values (from `$2`) of a row update that returns the fence; `None` if it
/// changes nothing.
fn row_update_sql(
    u: &RowUpdate,
    take_lease: bool,
    owner: Option<&str>,
) -> Result<Option<(String, Vec<Param>)>, StoreError> {
    if u.is_empty() && !take_lease {
        return Ok(None);
    }
    let mut sets: Vec<String> = vec![];
    let mut vals: Vec<Param> = vec![];
    let mut push = |col: &str, v: Param, sets: &mut Vec<String>| {
        vals.push(v);
        sets.push(format!("{col} = ${}", vals.len() + 1));
    };
    if let Some(s) = u.status {
        push("status", Box::new(i16::from(s.code())), &mut sets);
    }
    for (col, v) in [
        ("started_at", &u.started_at),
        ("ended_at", &u.ended_at),
        ("wake_at", &u.wake_at),
        ("paused_at", &u.paused_at),
    ] {
        if let Some(t) = v {
            push(col, Box::new(t.map(|t| t.0 as i64)), &mut sets);
        }
    }
    if let Some(o) = &u.output {
        let v = o.as_ref().map(to_json).transpose()?;
        push("output", Box::new(v), &mut sets);
    }
    if let Some(e) = &u.error {
        let v = e.as_ref().map(to_json).transpose()?;
        push("error", Box::new(v), &mut sets);
    }
    if take_lease {
        sets.push("fence = fence + 1".into());
        if let Some(o) = owner {
            push("owner", Box::new(o.to_string()), &mut sets);
        }
    }
    let sql = format!(
        "UPDATE instances SET {} WHERE pk = $1 RETURNING fence",
        sets.join(", ")
    );
    Ok(Some((sql, vals)))
}

async fn claim(tx: &Tx<'_>, claim: FiringClaim) -> Result<Option<Vec<InstanceRef>>, StoreError> {
    let moved = tx
        .execute(
            "INSERT INTO firings (trigger, last_at) VALUES ($1, $2) \
             ON CONFLICT (trigger) DO UPDATE SET last_at = excluded.last_at \
             WHERE firings.last_at < excluded.last_at",
            &[&claim.trigger, &(claim.scheduled.0 as i64)],
        )
        .await
        .map_err(backend)?;
    if moved == 0 {
        return Ok(None);
    }
    let refs = create(tx, claim.create).await?;
    send(tx, claim.send).await?;
    Ok(Some(refs))
}

async fn send(tx: &Tx<'_>, batch: Vec<NewMessage>) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut queues = vec![];
    let mut bodies = vec![];
    let mut types = vec![];
    let mut visible = vec![];
    let mut created = vec![];
    for m in batch {
        queues.push(m.queue);
        bodies.push(m.body);
        types.push(m.content_type);
        visible.push(m.visible_at.0 as i64);
        created.push(m.created_at.0 as i64);
    }
    let stmt = tx
        .prepare_cached(
            "INSERT INTO messages (queue, body, content_type, visible_at, created_at) \
             SELECT t.q, t.b, t.c, t.v, t.cr FROM UNNEST($1::TEXT[], $2::BYTEA[], $3::TEXT[], \
             $4::BIGINT[], $5::BIGINT[]) WITH ORDINALITY AS t(q, b, c, v, cr, n) ORDER BY t.n",
        )
        .await
        .map_err(backend)?;
    tx.execute(&stmt, &[&queues, &bodies, &types, &visible, &created])
        .await
        .map_err(backend)?;
    Ok(())
}

async fn take(tx: &Tx<'_>, t: Take) -> Result<Vec<Message>, StoreError> {
    let stmt = tx
        .prepare_cached(
            "UPDATE messages SET attempts = attempts + 1, lease = lease + 1, leased_until = $4 \
             WHERE id IN (SELECT id FROM messages WHERE queue = $1 AND visible_at <= $2 \
                          AND (leased_until IS NULL OR leased_until <= $2) ORDER BY id LIMIT $3 \
                          FOR UPDATE SKIP LOCKED) \
             RETURNING id, queue, body, content_type, attempts, created_at, lease",
        )
        .await
        .map_err(backend)?;
    let rows = tx
        .query(
            &stmt,
            &[
                &t.queue,
                &(t.now.0 as i64),
                &(t.max as i64),
                &(t.lease_until.0 as i64),
            ],
        )
        .await
        .map_err(backend)?;
    let mut out: Vec<Message> = rows
        .iter()
        .map(|r| Message {
            id: MessageId(r.get(0)),
            queue: r.get(1),
            body: r.get(2),
            content_type: r.get(3),
            attempts: r.get::<_, i32>(4) as u32,
            created_at: Timestamp(r.get::<_, i64>(5) as u64),
            lease: Fence(r.get::<_, i64>(6) as u64),
        })
        .collect();
    out.sort_by_key(|m| m.id);
    Ok(out)
}

async fn settle(tx: &Tx<'_>, batch: Vec<Settlement>) -> Result<usize, StoreError> {
    let guard = "id = $1 AND lease = $2 AND leased_until IS NOT NULL";
    let mut applied = 0;
    for s in batch {
        let (id, lease) = (s.id.0, s.lease.0 as i64);
        let n = match s.settle {
            Settle::Ack => {
                tx.execute(&format!("DELETE FROM messages WHERE {guard}"), &[&id, &lease])
                    .await
            }
            Settle::Retry { visible_at } => {
                tx.execute(
                    &format!("UPDATE messages SET leased_until = NULL, visible_at = $3 WHERE {guard}"),
                    &[&id, &lease, &(visible_at.0 as i64)],
                )
                .await
            }
            Settle::Move { queue } => {
                tx.execute(
                    &format!(
                        "UPDATE messages SET leased_until = NULL, attempts = 0, queue = $3 WHERE {guard}"
                    ),
                    &[&id, &lease, &queue],
                )
                .await
            }
        }
        .map_err(backend)?;
        applied += n as usize;
    }
    Ok(applied)
}
