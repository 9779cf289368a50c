//! Rollups as a store keeps them: each minute row also counts toward its hour.

use crate::{Granularity, Rollup};
use std::collections::HashMap;

/// The group a rollup row belongs to: width, bucket, workflow, event type, step name and
/// number.
pub type RollupKey = (u64, u64, String, String, String, u32);

/// `rows` (minute rollups) with the hour rows they add to, groups merged: each key once, so a
/// store can upsert the lot in one statement, and in key order, so that stores upserting at
/// once lock rows in the same order.
pub fn expand(rows: Vec<Rollup>) -> Vec<(Granularity, Rollup)> {
    let mut merged: HashMap<RollupKey, (Granularity, Rollup)> = HashMap::new();
    for row in rows {
        for g in [Granularity::Minute, Granularity::Hour] {
            let mut r = row.clone();
            r.bucket = g.bucket(row.bucket);
            let key = (
                g.ms(),
                r.bucket.0,
                r.workflow.clone(),
                r.event_type.clone(),
                r.step_name.clone(),
                r.step_count,
            );
            merged
                .entry(key)
                .and_modify(|(_, m)| {
                    m.count += r.count;
                    m.wall_ms += r.wall_ms;
                })
                .or_insert((g, r));
        }
    }
    let mut out: Vec<_> = merged.into_iter().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out.into_iter().map(|(_, v)| v).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use endure_model::Timestamp;
    use endure_model::analytics::{HOUR_MS, MINUTE_MS};

    fn row(bucket: u64, count: u64, wall_ms: u64) -> Rollup {
        Rollup {
            bucket: Timestamp(bucket),
            workflow: "wf".into(),
            event_type: "STEP_START".into(),
            step_name: "a".into(),
            step_count: 1,
            count,
            wall_ms,
        }
    }

    #[test]
    fn minutes_add_up_into_their_hour() {
        let out = expand(vec![
            row(HOUR_MS + MINUTE_MS, 2, 10),
            row(HOUR_MS + MINUTE_MS, 1, 5),
            row(HOUR_MS + 2 * MINUTE_MS, 4, 1),
        ]);
        let got: Vec<_> = out
            .iter()
            .map(|(g, r)| (*g, r.bucket.0, r.count, r.wall_ms))
            .collect();
        assert_eq!(
            got,
            vec![
                (Granularity::Minute, HOUR_MS + MINUTE_MS, 3, 15),
                (Granularity::Minute, HOUR_MS + 2 * MINUTE_MS, 4, 1),
                (Granularity::Hour, HOUR_MS, 7, 16),
            ]
        );
    }
}
