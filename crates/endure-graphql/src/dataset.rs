//! Answering a dataset query: the rows a filter selects (from the store's rollups, or replayed
//! from instances' logs when the query needs instances or exact times), grouped by the
//! requested dimensions, ordered and limited.

use crate::dims::{Dim, Key, Row};
use crate::filter::Filter;
use endure_engine::Engine;
use endure_model::Timestamp;
use endure_model::analytics::{Granularity, HOUR_MS, RETENTION_MS};
use endure_store::{ListQuery, RollupQuery};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Largest `limit` a query may ask for (the reference's).
pub const MAX_LIMIT: u64 = 10_000;
/// Most rollup rows one query reads; more is an error that asks for a narrower query.
pub const MAX_ROLLUP_ROWS: usize = 1_000_000;
/// Most instances whose logs one query replays when no instance id narrows it.
pub const MAX_SCANNED_INSTANCES: usize = 1_000;

/// What a group query can be ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKey {
    Count,
    SumWallTime,
    AvgWallTime,
    WallTime,
    Dim(Dim),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub key: OrderKey,
    pub desc: bool,
}

impl Order {
    /// The enum values of a dataset's `orderBy`, with what they mean.
    pub fn values(groups: bool) -> Vec<(String, Order)> {
        let mut keys: Vec<(String, OrderKey)> = Dim::ALL
            .iter()
            .map(|d| (d.name().to_string(), OrderKey::Dim(*d)))
            .collect();
        if groups {
            keys.push(("count".into(), OrderKey::Count));
            keys.push(("sum_wallTime".into(), OrderKey::SumWallTime));
            keys.push(("avg_wallTime".into(), OrderKey::AvgWallTime));
        } else {
            keys.push(("wallTime".into(), OrderKey::WallTime));
        }
        let mut out = vec![];
        for (name, key) in keys {
            out.push((format!("{name}_ASC"), Order { key, desc: false }));
            out.push((format!("{name}_DESC"), Order { key, desc: true }));
        }
        out
    }

    pub fn parse(name: &str, groups: bool) -> Option<Order> {
        Order::values(groups)
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, o)| o)
    }
}

/// One dataset query.
#[derive(Debug, Clone)]
pub struct Query {
    pub filter: Filter,
    pub limit: usize,
    pub order: Vec<Order>,
}

/// `workflowsAdaptiveGroups`: one object per group of the requested dimensions, with `count`,
/// `sum {wallTime}`, `avg {wallTime}` and `dimensions`.
pub async fn groups(engine: &Engine, q: &Query, dims: &[Dim]) -> Result<Vec<Value>, String> {
    let exact = dims
        .iter()
        .any(|d| matches!(d, Dim::InstanceId | Dim::Datetime))
        || q.filter.mentions(Dim::InstanceId)
        || q.filter.mentions(Dim::Datetime);
    let rows = if exact {
        replayed(engine, &q.filter).await?
    } else {
        rolled_up(engine, &q.filter, dims).await?
    };
    let mut sums: BTreeMap<Vec<Key>, (u64, u64)> = BTreeMap::new();
    for r in &rows {
        let s = sums
            .entry(dims.iter().map(|d| d.key(r)).collect())
            .or_default();
        s.0 += r.count;
        s.1 += r.wall_ms;
    }
    let mut list: Vec<(Vec<Key>, (u64, u64))> = sums.into_iter().collect();
    list.sort_by(|a, b| {
        for o in &q.order {
            let ord = match o.key {
                OrderKey::Count => a.1.0.cmp(&b.1.0),
                OrderKey::SumWallTime | OrderKey::WallTime => a.1.1.cmp(&b.1.1),
                OrderKey::AvgWallTime => avg(a.1).total_cmp(&avg(b.1)),
                OrderKey::Dim(d) => match dims.iter().position(|x| *x == d) {
                    Some(i) => a.0[i].cmp(&b.0[i]),
                    None => std::cmp::Ordering::Equal,
                },
            };
            let ord = if o.desc { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
    list.truncate(q.limit);
    Ok(list
        .into_iter()
        .map(|(keys, (count, wall))| {
            let dimensions: Map<String, Value> = dims
                .iter()
                .zip(&keys)
                .map(|(d, k)| (d.name().to_string(), d.output(k)))
                .collect();
            json!({
                "count": count,
                "sum": {"wallTime": wall},
                "avg": {"wallTime": avg((count, wall))},
                "dimensions": dimensions,
            })
        })
        .collect())
}

fn avg((count, wall): (u64, u64)) -> f64 {
    if count == 0 {
        0.0
    } else {
        wall as f64 / count as f64
    }
}

/// `workflowsAdaptive`: one object per event, oldest first unless ordered otherwise.
pub async fn raw(engine: &Engine, q: &Query) -> Result<Vec<Value>, String> {
    let mut rows = replayed(engine, &q.filter).await?;
    rows.sort_by(|a, b| {
        for o in &q.order {
            let ord = match o.key {
                OrderKey::Dim(d) => d.key(a).cmp(&d.key(b)),
                _ => a.wall_ms.cmp(&b.wall_ms),
            };
            let ord = if o.desc { ord.reverse() } else { ord };
            if ord.is_ne() {
                return ord;
            }
        }
        a.at.cmp(&b.at)
    });
    rows.truncate(q.limit);
    Ok(rows
        .iter()
        .map(|r| {
            let mut m: Map<String, Value> = Dim::ALL
                .iter()
                .map(|d| (d.name().to_string(), d.output(&d.key(r))))
                .collect();
            m.insert("wallTime".into(), json!(r.wall_ms));
            Value::Object(m)
        })
        .collect())
}

/// The oldest time a query can reach.
fn floor(engine: &Engine) -> u64 {
    engine.now().0.saturating_sub(RETENTION_MS)
}

/// Rows from the store's rollups: by the hour when neither the requested dimensions nor the
/// filter's times need finer buckets, else by the minute. A row's time is its bucket's start.
async fn rolled_up(engine: &Engine, filter: &Filter, dims: &[Dim]) -> Result<Vec<Row>, String> {
    let fine = dims.iter().any(|d| d.width().is_some_and(|w| w < HOUR_MS))
        || filter
            .time_operands()
            .iter()
            .any(|(d, v)| d.width().is_some_and(|w| w < HOUR_MS) && v % HOUR_MS != 0);
    let granularity = if fine {
        Granularity::Minute
    } else {
        Granularity::Hour
    };
    let (from, to) = filter.time_range();
    let from = granularity.bucket(Timestamp(from.max(floor(engine))));
    let query = RollupQuery {
        granularity,
        from,
        to: Timestamp(to),
        workflows: filter.one_of(Dim::WorkflowName),
        event_types: filter.one_of(Dim::EventType),
        limit: MAX_ROLLUP_ROWS + 1,
    };
    let rollups = engine.rollups(&query).await.map_err(|e| e.message)?;
    if rollups.len() > MAX_ROLLUP_ROWS {
        return Err(format!(
            "the query reads more than {MAX_ROLLUP_ROWS} rollups: narrow its time range or \
             filter by workflowName or eventType"
        ));
    }
    Ok(rollups
        .into_iter()
        .map(|r| Row {
            at: r.bucket,
            workflow: r.workflow,
            instance_id: String::new(),
            event_type: r.event_type,
            step_name: r.step_name,
            step_count: r.step_count,
            count: r.count,
            wall_ms: r.wall_ms,
        })
        .filter(|r| filter.matches(r))
        .collect())
}

/// Rows replayed from instances' logs: the instances the filter names, or else the newest
/// [`MAX_SCANNED_INSTANCES`] created by the end of its time range.
async fn replayed(engine: &Engine, filter: &Filter) -> Result<Vec<Row>, String> {
    let (from, to) = filter.time_range();
    let from = from.max(floor(engine));
    let mut workflows = filter.one_of(Dim::WorkflowName);
    if workflows.is_empty() {
        workflows = engine.workflow_names();
    }
    let ids = filter.one_of(Dim::InstanceId);
    let store = engine.store();
    let mut logs = vec![];
    if !ids.is_empty() {
        for w in &workflows {
            for id in &ids {
                let found = store
                    .find_instance(w, id)
                    .await
                    .map_err(|e| e.to_string())?;
                if let Some(row) = found {
                    logs.push((w.clone(), row));
                }
            }
        }
    } else {
        for w in &workflows {
            let left = MAX_SCANNED_INSTANCES.saturating_sub(logs.len());
            if left == 0 {
                break;
            }
            let page = store
                .list_instances(&ListQuery {
                    workflow: w.clone(),
                    created_to: Some(Timestamp(to)),
                    limit: left,
                    ..ListQuery::default()
                })
                .await
                .map_err(|e| e.to_string())?;
            logs.extend(page.into_iter().map(|r| (w.clone(), r)));
        }
    }
    let mut rows = vec![];
    for (workflow, instance) in logs {
        let log = store
            .read_log(instance.instance)
            .await
            .map_err(|e| e.to_string())?;
        for e in endure_model::analytics::event_rows(&workflow, &instance.id, &log) {
            if e.at.0 < from || e.at.0 > to {
                continue;
            }
            let row = Row {
                at: e.at,
                workflow: e.workflow,
                instance_id: e.instance_id,
                event_type: e.event_type.to_string(),
                step_name: e.step_name,
                step_count: e.step_count,
                count: 1,
                wall_ms: e.wall_ms,
            };
            if filter.matches(&row) {
                rows.push(row);
            }
        }
    }
    Ok(rows)
}
