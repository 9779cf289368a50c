//! The dataset's rows and dimensions: what a row holds, and each dimension's value for a row
//! (as GraphQL returns it and as filters compare it).

use endure_model::Timestamp;
use endure_model::analytics::{DAY_MS, HOUR_MS, MINUTE_MS};
use serde_json::{Value, json};

/// One row of the dataset: an event (`count` 1, its exact time) or a rollup (its bucket's
/// start, the bucket's count and wall time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub at: Timestamp,
    pub workflow: String,
    /// Empty for a rollup (rollups do not keep instances).
    pub instance_id: String,
    pub event_type: String,
    pub step_name: String,
    pub step_count: u32,
    pub count: u64,
    pub wall_ms: u64,
}

/// A dimension: a field of `dimensions { … }` and of the filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    Date,
    Datetime,
    DatetimeMinute,
    DatetimeFiveMinutes,
    DatetimeFifteenMinutes,
    DatetimeHour,
    EventType,
    WorkflowName,
    InstanceId,
    StepName,
    StepCount,
}

/// A dimension's value, compared by filters and ordering.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    Num(u64),
    Str(String),
}

/// What kind of value a dimension has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A time truncated to this many ms (`Key::Num` of the truncated ms).
    Time(u64),
    /// A date (`Key::Num` of its midnight in ms).
    Date,
    Str,
    Num,
}

impl Dim {
    pub const ALL: [Dim; 11] = [
        Dim::Date,
        Dim::Datetime,
        Dim::DatetimeMinute,
        Dim::DatetimeFiveMinutes,
        Dim::DatetimeFifteenMinutes,
        Dim::DatetimeHour,
        Dim::EventType,
        Dim::WorkflowName,
        Dim::InstanceId,
        Dim::StepName,
        Dim::StepCount,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dim::Date => "date",
            Dim::Datetime => "datetime",
            Dim::DatetimeMinute => "datetimeMinute",
            Dim::DatetimeFiveMinutes => "datetimeFiveMinutes",
            Dim::DatetimeFifteenMinutes => "datetimeFifteenMinutes",
            Dim::DatetimeHour => "datetimeHour",
            Dim::EventType => "eventType",
            Dim::WorkflowName => "workflowName",
            Dim::InstanceId => "instanceId",
            Dim::StepName => "stepName",
            Dim::StepCount => "stepCount",
        }
    }

    pub fn parse(name: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.name() == name)
    }

    pub fn kind(self) -> Kind {
        match self {
            Dim::Date => Kind::Date,
            Dim::Datetime => Kind::Time(1_000),
            Dim::DatetimeMinute => Kind::Time(MINUTE_MS),
            Dim::DatetimeFiveMinutes => Kind::Time(5 * MINUTE_MS),
            Dim::DatetimeFifteenMinutes => Kind::Time(15 * MINUTE_MS),
            Dim::DatetimeHour => Kind::Time(HOUR_MS),
            Dim::StepCount => Kind::Num,
            _ => Kind::Str,
        }
    }

    /// The width of a time dimension's truncation (a date's is a day); `None` for others.
    pub fn width(self) -> Option<u64> {
        match self.kind() {
            Kind::Time(w) => Some(w),
            Kind::Date => Some(DAY_MS),
            _ => None,
        }
    }

    /// The GraphQL type of the dimension's values.
    pub fn graphql_type(self) -> &'static str {
        match self.kind() {
            Kind::Time(_) => "Time",
            Kind::Date => "Date",
            Kind::Num => "uint64",
            Kind::Str => "string",
        }
    }

    pub fn key(self, row: &Row) -> Key {
        match self {
            Dim::EventType => Key::Str(row.event_type.clone()),
            Dim::WorkflowName => Key::Str(row.workflow.clone()),
            Dim::InstanceId => Key::Str(row.instance_id.clone()),
            Dim::StepName => Key::Str(row.step_name.clone()),
            Dim::StepCount => Key::Num(row.step_count as u64),
            other => {
                let w = other.width().unwrap_or(1);
                Key::Num(row.at.0 - row.at.0 % w)
            }
        }
    }

    /// The value as GraphQL returns it.
    pub fn output(self, key: &Key) -> Value {
        match (self.kind(), key) {
            (Kind::Date, Key::Num(ms)) => json!(Timestamp(*ms).to_iso()[..10]),
            (Kind::Time(_), Key::Num(ms)) => json!(time_string(Timestamp(*ms))),
            (_, Key::Num(n)) => json!(n),
            (_, Key::Str(s)) => json!(s),
        }
    }

    /// A filter's operand for this dimension, from the query's value.
    pub fn operand(self, v: &Value) -> Result<Key, String> {
        let bad = || {
            format!(
                "{}: expected a {} value, got {v}",
                self.name(),
                self.graphql_type()
            )
        };
        match self.kind() {
            Kind::Time(_) | Kind::Date => {
                let s = v.as_str().ok_or_else(bad)?;
                let t = Timestamp::parse_iso(s).ok_or_else(bad)?;
                Ok(Key::Num(t.0))
            }
            Kind::Num => v.as_u64().map(Key::Num).ok_or_else(bad),
            Kind::Str => v.as_str().map(|s| Key::Str(s.to_string())).ok_or_else(bad),
        }
    }
}

/// `2024-10-20T13:00:00Z`: RFC 3339 in UTC, to the second, as the reference's `Time`.
pub fn time_string(t: Timestamp) -> String {
    let iso = t.to_iso();
    format!("{}Z", &iso[..19])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(at: u64) -> Row {
        Row {
            at: Timestamp(at),
            workflow: "wf".into(),
            instance_id: "i".into(),
            event_type: "STEP_START".into(),
            step_name: "s".into(),
            step_count: 2,
            count: 1,
            wall_ms: 0,
        }
    }

    #[test]
    fn times_truncate_and_print_as_the_reference_does() {
        let at = Timestamp::parse_iso("2024-10-20T13:47:12.345Z").unwrap().0;
        let r = row(at);
        let out = |d: Dim| d.output(&d.key(&r));
        assert_eq!(out(Dim::Date), json!("2024-10-20"));
        assert_eq!(out(Dim::Datetime), json!("2024-10-20T13:47:12Z"));
        assert_eq!(out(Dim::DatetimeMinute), json!("2024-10-20T13:47:00Z"));
        assert_eq!(out(Dim::DatetimeFiveMinutes), json!("2024-10-20T13:45:00Z"));
        assert_eq!(
            out(Dim::DatetimeFifteenMinutes),
            json!("2024-10-20T13:45:00Z")
        );
        assert_eq!(out(Dim::DatetimeHour), json!("2024-10-20T13:00:00Z"));
        assert_eq!(out(Dim::StepCount), json!(2));
        assert_eq!(out(Dim::WorkflowName), json!("wf"));
    }

    #[test]
    fn operands_are_checked() {
        assert_eq!(
            Dim::DatetimeHour.operand(&json!("2024-10-20T00:00:00Z")),
            Ok(Key::Num(
                Timestamp::parse_iso("2024-10-20T00:00:00Z").unwrap().0
            ))
        );
        assert!(
            Dim::Date
                .operand(&json!("yesterday"))
                .unwrap_err()
                .contains("expected a Date value")
        );
        assert!(Dim::StepCount.operand(&json!("3")).is_err());
    }
}
