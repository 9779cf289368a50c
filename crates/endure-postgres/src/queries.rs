//! Reads, on any pooled connection or inside a transaction.

use crate::backend;
use deadpool_postgres::GenericClient;
use endure_model::{InstanceStatus, LogEntry, Timestamp};
use endure_store::{Fence, InstanceRef, InstanceRow, ListQuery, StoreError, WorkflowRecord};
use tokio_postgres::types::ToSql;

pub(crate) const ROW_COLUMNS: &str = "pk, workflow, id, status, params, trigger_source, \
     version_id, created_at, started_at, ended_at, output, error, wake_at, paused_at, fence, owner";

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(|v| Timestamp(v as u64))
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn json_col<T: serde::de::DeserializeOwned>(s: Option<String>) -> Result<Option<T>, StoreError> {
    s.map(|s| serde_json::from_str(&s).map_err(corrupt))
        .transpose()
}

pub(crate) fn row_from(r: &tokio_postgres::Row) -> Result<InstanceRow, StoreError> {
    let status: i16 = r.try_get(3).map_err(corrupt)?;
    let trigger: String = r.try_get(5).map_err(corrupt)?;
    let params: String = r.try_get(4).map_err(corrupt)?;
    Ok(InstanceRow {
        instance: InstanceRef(r.try_get(0).map_err(corrupt)?),
        workflow: r.try_get(1).map_err(corrupt)?,
        id: r.try_get(2).map_err(corrupt)?,
        status: InstanceStatus::from_code(status as u8)
            .ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
        params: serde_json::from_str(&params).map_err(corrupt)?,
        trigger: serde_json::from_value(serde_json::Value::String(trigger)).map_err(corrupt)?,
        version_id: r.try_get(6).map_err(corrupt)?,
        created_at: Timestamp(r.try_get::<_, i64>(7).map_err(corrupt)? as u64),
        started_at: ts(r.try_get(8).map_err(corrupt)?),
        ended_at: ts(r.try_get(9).map_err(corrupt)?),
        output: json_col(r.try_get(10).map_err(corrupt)?)?,
        error: json_col(r.try_get(11).map_err(corrupt)?)?,
        wake_at: ts(r.try_get(12).map_err(corrupt)?),
        paused_at: ts(r.try_get(13).map_err(corrupt)?),
        fence: Fence(r.try_get::<_, i64>(14).map_err(corrupt)? as u64),
        owner: r.try_get(15).map_err(corrupt)?,
    })
}

async fn rows<C: GenericClient>(
    c: &C,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<InstanceRow>, StoreError> {
    let stmt = c.prepare_cached(sql).await.map_err(backend)?;
    c.query(&stmt, params)
        .await
        .map_err(backend)?
        .iter()
        .map(row_from)
        .collect()
}

pub(crate) async fn find<C: GenericClient>(
    c: &C,
    workflow: &str,
    id: &str,
) -> Result<Option<InstanceRow>, StoreError> {
    let sql = format!("SELECT {ROW_COLUMNS} FROM instances WHERE workflow = $1 AND id = $2");
    Ok(rows(c, &sql, &[&workflow, &id]).await?.pop())
}

pub(crate) async fn get<C: GenericClient>(
    c: &C,
    instance: InstanceRef,
) -> Result<Option<InstanceRow>, StoreError> {
    let sql = format!("SELECT {ROW_COLUMNS} FROM instances WHERE pk = $1");
    Ok(rows(c, &sql, &[&instance.0]).await?.pop())
}

pub(crate) async fn log_of<C: GenericClient>(
    c: &C,
    instance: InstanceRef,
) -> Result<Vec<LogEntry>, StoreError> {
    let out = c
        .query(
            "SELECT seq, ts, data FROM log WHERE pk = $1 ORDER BY seq",
            &[&instance.0],
        )
        .await
        .map_err(backend)?;
    out.iter()
        .map(|r| {
            let seq: i64 = r.get(0);
            let data: String = r.get(2);
            Ok(LogEntry {
                seq: seq as u64,
                ts: Timestamp(r.get::<_, i64>(1) as u64),
                event: serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(format!("log row {seq}: {e}")))?,
            })
        })
        .collect()
}

/// The row and its log from one statement, so from one snapshot (and one round trip).
pub(crate) async fn read_instance<C: GenericClient>(
    c: &C,
    instance: InstanceRef,
) -> Result<Option<(InstanceRow, Vec<LogEntry>)>, StoreError> {
    let cols: Vec<String> = ROW_COLUMNS
        .split(", ")
        .map(|col| format!("i.{col}"))
        .collect();
    let sql = format!(
        "SELECT {}, l.seq, l.ts, l.data FROM instances i LEFT JOIN log l ON l.pk = i.pk \
         WHERE i.pk = $1 ORDER BY l.seq",
        cols.join(", ")
    );
    let stmt = c.prepare_cached(&sql).await.map_err(backend)?;
    let rows = c.query(&stmt, &[&instance.0]).await.map_err(backend)?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let row = row_from(first)?;
    let mut log = Vec::with_capacity(rows.len());
    for r in &rows {
        let Some(seq) = r.get::<_, Option<i64>>(16) else {
            continue;
        };
        let data: String = r.get(18);
        log.push(LogEntry {
            seq: seq as u64,
            ts: Timestamp(r.get::<_, i64>(17) as u64),
            event: serde_json::from_str(&data)
                .map_err(|e| StoreError::Corrupt(format!("log row {seq}: {e}")))?,
        });
    }
    Ok(Some((row, log)))
}

/// The condition on instances that node `node` (a parameter) may run at `now` (one): no
/// owner, its own, or an owner whose heartbeat ran out.
fn may_run(now: &str, node: &str) -> String {
    format!(
        "(owner IS NULL OR owner = {node} OR NOT EXISTS (SELECT 1 FROM nodes \
         WHERE nodes.node = instances.owner AND nodes.alive_until > {now}))"
    )
}

pub(crate) async fn due<C: GenericClient>(
    c: &C,
    node: &str,
    now: Timestamp,
    limit: usize,
) -> Result<Vec<InstanceRef>, StoreError> {
    let sql = format!(
        "SELECT pk FROM instances WHERE wake_at IS NOT NULL AND wake_at <= $1 AND {} \
         ORDER BY wake_at, pk LIMIT $2",
        may_run("$1", "$3")
    );
    let stmt = c.prepare_cached(&sql).await.map_err(backend)?;
    let out = c
        .query(&stmt, &[&(now.0 as i64), &(limit as i64), &node])
        .await
        .map_err(backend)?;
    Ok(out.iter().map(|r| InstanceRef(r.get(0))).collect())
}

pub(crate) async fn next_wakeup<C: GenericClient>(
    c: &C,
    node: &str,
    now: Timestamp,
) -> Result<Option<Timestamp>, StoreError> {
    let sql = format!(
        "SELECT wake_at FROM instances WHERE wake_at IS NOT NULL AND {} ORDER BY wake_at LIMIT 1",
        may_run("$1", "$2")
    );
    let stmt = c.prepare_cached(&sql).await.map_err(backend)?;
    let r = c
        .query_opt(&stmt, &[&(now.0 as i64), &node])
        .await
        .map_err(backend)?;
    Ok(r.map(|r| Timestamp(r.get::<_, i64>(0) as u64)))
}

pub(crate) async fn instances_in<C: GenericClient>(
    c: &C,
    statuses: &[InstanceStatus],
) -> Result<Vec<InstanceRow>, StoreError> {
    let codes: Vec<i16> = statuses.iter().map(|s| i16::from(s.code())).collect();
    let sql = format!("SELECT {ROW_COLUMNS} FROM instances WHERE status = ANY($1) ORDER BY pk");
    rows(c, &sql, &[&codes]).await
}

pub(crate) async fn list<C: GenericClient>(
    c: &C,
    q: &ListQuery,
) -> Result<Vec<InstanceRow>, StoreError> {
    let (cmp, order) = if q.ascending {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM instances WHERE workflow = $1 \
         AND ($2::SMALLINT IS NULL OR status = $2) AND ($3::BIGINT IS NULL OR pk {cmp} $3) \
         AND ($4::BIGINT IS NULL OR created_at >= $4) AND ($5::BIGINT IS NULL OR created_at <= $5) \
         ORDER BY pk {order} LIMIT $6"
    );
    let status = q.status.map(|s| i16::from(s.code()));
    let before = q.before.map(|b| b.0);
    let from = q.created_from.map(Timestamp::to_i64);
    let to = q.created_to.map(Timestamp::to_i64);
    let limit = q.limit as i64;
    rows(
        c,
        &sql,
        &[&q.workflow, &status, &before, &from, &to, &limit],
    )
    .await
}

pub(crate) async fn count<C: GenericClient>(c: &C, q: &ListQuery) -> Result<u64, StoreError> {
    let status = q.status.map(|s| i16::from(s.code()));
    let from = q.created_from.map_or(i64::MIN, Timestamp::to_i64);
    let to = q.created_to.map_or(i64::MAX, Timestamp::to_i64);
    let r = c
        .query_one(
            "SELECT COUNT(*) FROM instances WHERE workflow = $1 \
             AND ($2::SMALLINT IS NULL OR status = $2) AND created_at >= $3 AND created_at <= $4",
            &[&q.workflow, &status, &from, &to],
        )
        .await
        .map_err(backend)?;
    Ok(r.get::<_, i64>(0) as u64)
}

pub(crate) async fn count_by_status<C: GenericClient>(
    c: &C,
    workflow: &str,
) -> Result<Vec<(InstanceStatus, u64)>, StoreError> {
    let out = c
        .query(
            "SELECT status, COUNT(*) FROM instances WHERE workflow = $1 \
             GROUP BY status ORDER BY status",
            &[&workflow],
        )
        .await
        .map_err(backend)?;
    out.iter()
        .map(|r| {
            let code: i16 = r.get(0);
            let status = InstanceStatus::from_code(code as u8)
                .ok_or_else(|| StoreError::Corrupt(format!("status {code}")))?;
            Ok((status, r.get::<_, i64>(1) as u64))
        })
        .collect()
}

pub(crate) fn workflow_from(
    r: &tokio_postgres::Row,
    name: String,
) -> Result<WorkflowRecord, StoreError> {
    let settings: String = r.get("settings");
    Ok(WorkflowRecord {
        name,
        class_name: r.get("class_name"),
        script_name: r.get("script_name"),
        settings: serde_json::from_str(&settings)
            .map_err(|e| StoreError::Corrupt(format!("workflow settings: {e}")))?,
        created_at: Timestamp(r.get::<_, i64>("created_at") as u64),
        modified_at: Timestamp(r.get::<_, i64>("modified_at") as u64),
    })
}

pub(crate) async fn workflows<C: GenericClient>(c: &C) -> Result<Vec<WorkflowRecord>, StoreError> {
    let out = c
        .query(
            "SELECT name, class_name, script_name, settings, created_at, modified_at \
             FROM workflows ORDER BY name",
            &[],
        )
        .await
        .map_err(backend)?;
    out.iter()
        .map(|r| workflow_from(r, r.get("name")))
        .collect()
}

pub(crate) async fn last_firing<C: GenericClient>(
    c: &C,
    trigger: &str,
) -> Result<Option<Timestamp>, StoreError> {
    let r = c
        .query_opt(
            "SELECT last_at FROM firings WHERE trigger = $1",
            &[&trigger],
        )
        .await
        .map_err(backend)?;
    Ok(r.map(|r| Timestamp(r.get::<_, i64>(0) as u64)))
}

pub(crate) async fn next_message_at<C: GenericClient>(
    c: &C,
    queue: &str,
) -> Result<Option<Timestamp>, StoreError> {
    let r = c
        .query_one(
            "SELECT MIN(GREATEST(visible_at, COALESCE(leased_until, 0))) FROM messages \
             WHERE queue = $1",
            &[&queue],
        )
        .await
        .map_err(backend)?;
    Ok(ts(r.get(0)))
}

pub(crate) async fn queue_depth<C: GenericClient>(c: &C, queue: &str) -> Result<u64, StoreError> {
    let r = c
        .query_one("SELECT COUNT(*) FROM messages WHERE queue = $1", &[&queue])
        .await
        .map_err(backend)?;
    Ok(r.get::<_, i64>(0) as u64)
}

pub(crate) async fn rollups<C: GenericClient>(
    c: &C,
    q: &endure_store::RollupQuery,
) -> Result<Vec<endure_store::Rollup>, StoreError> {
    let out = c
        .query(
            "SELECT bucket, workflow, event_type, step_name, step_count, count, wall_ms \
             FROM rollups WHERE width = $1 AND bucket >= $2 AND bucket <= $3 \
             AND (cardinality($4::TEXT[]) = 0 OR workflow = ANY($4)) \
             AND (cardinality($5::TEXT[]) = 0 OR event_type = ANY($5)) \
             ORDER BY bucket LIMIT $6",
            &[
                &(q.granularity.ms() as i64),
                &q.from.to_i64(),
                &q.to.to_i64(),
                &q.workflows,
                &q.event_types,
                &(q.limit.min(i64::MAX as usize) as i64),
            ],
        )
        .await
        .map_err(backend)?;
    Ok(out
        .iter()
        .map(|r| endure_store::Rollup {
            bucket: Timestamp(r.get::<_, i64>(0) as u64),
            workflow: r.get(1),
            event_type: r.get(2),
            step_name: r.get(3),
            step_count: r.get::<_, i64>(4) as u32,
            count: r.get::<_, i64>(5) as u64,
            wall_ms: r.get::<_, i64>(6) as u64,
        })
        .collect())
}
