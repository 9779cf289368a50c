//! Analytics rollups: the writer's upserts and the readers' query.

use crate::writer::backend;
use endure_model::Timestamp;
use endure_store::{Granularity, Rollup, RollupQuery, StoreError};
use rusqlite::{Connection, params};

pub(crate) fn add(c: &Connection, rows: Vec<Rollup>) -> Result<(), StoreError> {
    let mut up = c
        .prepare_cached(
            "INSERT INTO rollups (width, bucket, workflow, event_type, step_name, step_count, \
             count, wall_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
             ON CONFLICT (width, bucket, workflow, event_type, step_name, step_count) \
             DO UPDATE SET count = count + excluded.count, wall_ms = wall_ms + excluded.wall_ms",
        )
        .map_err(backend)?;
    for (g, r) in endure_store::rollups::expand(rows) {
        up.execute(params![
            g.ms() as i64,
            r.bucket.0 as i64,
            r.workflow,
            r.event_type,
            r.step_name,
            r.step_count,
            r.count as i64,
            r.wall_ms as i64
        ])
        .map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn prune(c: &Connection, before: Timestamp) -> Result<u64, StoreError> {
    let mut del = c
        .prepare_cached("DELETE FROM rollups WHERE width = ?1 AND bucket < ?2")
        .map_err(backend)?;
    let mut n = 0;
    for g in [Granularity::Minute, Granularity::Hour] {
        n += del
            .execute(params![g.ms() as i64, before.0 as i64])
            .map_err(backend)?;
    }
    Ok(n as u64)
}

pub(crate) fn query(c: &Connection, q: &RollupQuery) -> Result<Vec<Rollup>, StoreError> {
    let list = |v: &[String]| serde_json::to_string(v).unwrap_or_else(|_| "[]".into());
    let mut stmt = c
        .prepare_cached(
            "SELECT bucket, workflow, event_type, step_name, step_count, count, wall_ms \
             FROM rollups WHERE width = ?1 AND bucket >= ?2 AND bucket <= ?3 \
             AND (?4 = '[]' OR workflow IN (SELECT value FROM json_each(?4))) \
             AND (?5 = '[]' OR event_type IN (SELECT value FROM json_each(?5))) \
             ORDER BY bucket LIMIT ?6",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                q.granularity.ms() as i64,
                q.from.to_i64(),
                q.to.to_i64(),
                list(&q.workflows),
                list(&q.event_types),
                q.limit.min(i64::MAX as usize) as i64
            ],
            |r| {
                Ok(Rollup {
                    bucket: Timestamp(r.get::<_, i64>(0)? as u64),
                    workflow: r.get(1)?,
                    event_type: r.get(2)?,
                    step_name: r.get(3)?,
                    step_count: r.get(4)?,
                    count: r.get::<_, i64>(5)? as u64,
                    wall_ms: r.get::<_, i64>(6)? as u64,
                })
            },
        )
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}
