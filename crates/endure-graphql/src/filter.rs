//! The datasets' `filter` argument: `{field: value, field_op: value, AND: [...], OR: [...]}`
//! with the reference's operators, parsed once and applied to rows; and what a filter lets a
//! store narrow before the rows are read (time range, workflows, event types).

use crate::dims::{Dim, Key, Row};
use serde_json::{Map, Value};

/// The comparison operators of a filter field's suffix (none is equality).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Neq,
    Gt,
    Geq,
    Lt,
    Leq,
    In,
    NotIn,
}

impl Op {
    pub const ALL: [(&'static str, Op); 8] = [
        ("", Op::Eq),
        ("_neq", Op::Neq),
        ("_gt", Op::Gt),
        ("_geq", Op::Geq),
        ("_lt", Op::Lt),
        ("_leq", Op::Leq),
        ("_in", Op::In),
        ("_notin", Op::NotIn),
    ];

    /// Whether a dimension takes this operator (order comparisons on times and numbers).
    pub fn applies_to(self, dim: Dim) -> bool {
        match self {
            Op::Gt | Op::Geq | Op::Lt | Op::Leq => dim.width().is_some() || dim == Dim::StepCount,
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Cond {
    dim: Dim,
    op: Op,
    values: Vec<Key>,
}

/// A parsed filter: every condition and every `AND` filter must hold, and one `OR` filter (if
/// there are any).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    conds: Vec<Cond>,
    and: Vec<Filter>,
    or: Vec<Filter>,
}

/// Most conditions in one filter, nested ones included.
pub const MAX_CONDITIONS: usize = 256;

impl Filter {
    /// Parses the filter argument's value (`null` or absent: no filter).
    pub fn parse(v: Option<&Value>) -> Result<Filter, String> {
        let mut budget = MAX_CONDITIONS;
        match v {
            None | Some(Value::Null) => Ok(Filter::default()),
            Some(Value::Object(m)) => Filter::parse_map(m, &mut budget),
            Some(other) => Err(format!("filter must be an object, got {other}")),
        }
    }

    fn parse_map(m: &Map<String, Value>, budget: &mut usize) -> Result<Filter, String> {
        let mut f = Filter::default();
        for (name, v) in m {
            if *budget == 0 {
                return Err(format!("a filter has at most {MAX_CONDITIONS} conditions"));
            }
            *budget -= 1;
            if name == "AND" || name == "OR" {
                let list = v
                    .as_array()
                    .ok_or_else(|| format!("{name} must be a list of filters"))?;
                for item in list {
                    let m = item
                        .as_object()
                        .ok_or_else(|| format!("{name} must be a list of filters"))?;
                    let sub = Filter::parse_map(m, budget)?;
                    if name == "AND" {
                        f.and.push(sub);
                    } else {
                        f.or.push(sub);
                    }
                }
                continue;
            }
            if v.is_null() {
                continue;
            }
            let (dim, op) = field(name).ok_or_else(|| format!("unknown filter field {name}"))?;
            let values = match op {
                Op::In | Op::NotIn => v
                    .as_array()
                    .ok_or_else(|| format!("{name} must be a list"))?
                    .iter()
                    .map(|x| dim.operand(x))
                    .collect::<Result<_, _>>()?,
                _ => vec![dim.operand(v)?],
            };
            f.conds.push(Cond { dim, op, values });
        }
        Ok(f)
    }

    pub fn matches(&self, row: &Row) -> bool {
        self.conds.iter().all(|c| c.matches(row))
            && self.and.iter().all(|f| f.matches(row))
            && (self.or.is_empty() || self.or.iter().any(|f| f.matches(row)))
    }

    /// Whether any condition, at any depth, is on `dim`.
    pub fn mentions(&self, dim: Dim) -> bool {
        self.conds.iter().any(|c| c.dim == dim)
            || self.and.iter().any(|f| f.mentions(dim))
            || self.or.iter().any(|f| f.mentions(dim))
    }

    /// Every time operand, at any depth, with its dimension.
    pub fn time_operands(&self) -> Vec<(Dim, u64)> {
        let mut out = vec![];
        for c in &self.conds {
            if c.dim.width().is_some() {
                for v in &c.values {
                    if let Key::Num(ms) = v {
                        out.push((c.dim, *ms));
                    }
                }
            }
        }
        for f in self.and.iter().chain(&self.or) {
            out.extend(f.time_operands());
        }
        out
    }

    /// The times a matching row can have, `[from, to]` in ms, from the conditions every row
    /// must meet (top level and `AND`).
    pub fn time_range(&self) -> (u64, u64) {
        let (mut from, mut to) = (0u64, u64::MAX);
        for c in &self.conds {
            let (Some(w), [Key::Num(v)]) = (c.dim.width(), c.values.as_slice()) else {
                continue;
            };
            let start = v - v % w;
            match c.op {
                Op::Eq => {
                    from = from.max(start);
                    to = to.min(start.saturating_add(w - 1));
                }
                Op::Geq => from = from.max(start),
                Op::Gt => from = from.max(start.saturating_add(w)),
                Op::Leq => to = to.min(start.saturating_add(w - 1)),
                Op::Lt => to = to.min(start.saturating_sub(1)),
                _ => {}
            }
        }
        for f in &self.and {
            let (a, b) = f.time_range();
            from = from.max(a);
            to = to.min(b);
        }
        (from, to)
    }

    /// The strings every matching row's `dim` is one of (equality and `_in` at the top
    /// level); empty: any.
    pub fn one_of(&self, dim: Dim) -> Vec<String> {
        let mut out: Option<Vec<String>> = None;
        for c in self.conds.iter().filter(|c| c.dim == dim) {
            if matches!(c.op, Op::Eq | Op::In) {
                let these: Vec<String> = c
                    .values
                    .iter()
                    .filter_map(|k| match k {
                        Key::Str(s) => Some(s.clone()),
                        Key::Num(_) => None,
                    })
                    .collect();
                out = Some(match out {
                    None => these,
                    Some(prev) => prev.into_iter().filter(|s| these.contains(s)).collect(),
                });
            }
        }
        match out {
            // Conditions that no value meets: a value no row has.
            Some(v) if v.is_empty() => vec![String::new()],
            Some(v) => v,
            None => vec![],
        }
    }
}

impl Cond {
    fn matches(&self, row: &Row) -> bool {
        let k = self.dim.key(row);
        // An operand of a truncated dimension compares truncated too.
        let norm = |v: &Key| match (self.dim.width(), v) {
            (Some(w), Key::Num(ms)) => Key::Num(ms - ms % w),
            _ => v.clone(),
        };
        let first = || norm(&self.values[0]);
        match self.op {
            Op::Eq => k == first(),
            Op::Neq => k != first(),
            Op::Gt => k > first(),
            Op::Geq => k >= first(),
            Op::Lt => k < first(),
            Op::Leq => k <= first(),
            Op::In => self.values.iter().any(|v| norm(v) == k),
            Op::NotIn => !self.values.iter().any(|v| norm(v) == k),
        }
    }
}

/// The dimension and operator a filter field names (`datetimeHour_geq`, `eventType`, …).
pub fn field(name: &str) -> Option<(Dim, Op)> {
    let (dim, suffix) = match name.find('_') {
        Some(i) => (&name[..i], &name[i..]),
        None => (name, ""),
    };
    let dim = Dim::parse(dim)?;
    let op = Op::ALL.iter().find(|(s, _)| *s == suffix)?.1;
    op.applies_to(dim).then_some((dim, op))
}

#[cfg(test)]
mod tests {
    use super::*;
    use endure_model::Timestamp;
    use serde_json::json;

    fn t(s: &str) -> u64 {
        Timestamp::parse_iso(s).unwrap().0
    }

    fn row(at: &str, event: &str, workflow: &str) -> Row {
        Row {
            at: Timestamp(t(at)),
            workflow: workflow.into(),
            instance_id: "i".into(),
            event_type: event.into(),
            step_name: String::new(),
            step_count: 0,
            count: 1,
            wall_ms: 0,
        }
    }

    #[test]
    fn the_seeds_filter_selects_by_hour_workflow_and_type() {
        let f = Filter::parse(Some(&json!({
            "datetimeHour_geq": "2024-10-20T00:00:00Z",
            "datetimeHour_leq": "2024-10-29T00:00:00Z",
            "workflowName": "shoppingCart",
            "eventType": "WORKFLOW_START"
        })))
        .unwrap();
        assert!(f.matches(&row(
            "2024-10-20T00:10:00Z",
            "WORKFLOW_START",
            "shoppingCart"
        )));
        assert!(f.matches(&row(
            "2024-10-29T00:59:59Z",
            "WORKFLOW_START",
            "shoppingCart"
        )));
        assert!(!f.matches(&row(
            "2024-10-29T01:00:00Z",
            "WORKFLOW_START",
            "shoppingCart"
        )));
        assert!(!f.matches(&row(
            "2024-10-19T23:59:59Z",
            "WORKFLOW_START",
            "shoppingCart"
        )));
        assert!(!f.matches(&row("2024-10-21T00:00:00Z", "STEP_START", "shoppingCart")));
        assert!(!f.matches(&row("2024-10-21T00:00:00Z", "WORKFLOW_START", "other")));
        assert_eq!(
            f.time_range(),
            (t("2024-10-20T00:00:00Z"), t("2024-10-29T01:00:00Z") - 1)
        );
        assert_eq!(f.one_of(Dim::WorkflowName), vec!["shoppingCart"]);
        assert_eq!(f.one_of(Dim::StepName), Vec::<String>::new());
    }

    #[test]
    fn lists_negations_and_or() {
        let f = Filter::parse(Some(&json!({
            "eventType_in": ["STEP_START", "STEP_SUCCESS"],
            "workflowName_neq": "b",
            "OR": [{"stepCount_gt": 1}, {"stepCount": 0}]
        })))
        .unwrap();
        let mut r = row("2024-10-20T00:00:00Z", "STEP_START", "a");
        assert!(f.matches(&r));
        r.step_count = 1;
        assert!(!f.matches(&r), "neither OR branch");
        r.step_count = 2;
        assert!(f.matches(&r));
        r.workflow = "b".into();
        assert!(!f.matches(&r));
    }

    #[test]
    fn bad_filters_say_why() {
        let e = |v: Value| Filter::parse(Some(&v)).unwrap_err();
        assert_eq!(e(json!({"colour": "red"})), "unknown filter field colour");
        assert_eq!(
            e(json!({"eventType_geq": "A"})),
            "unknown filter field eventType_geq"
        );
        assert!(e(json!({"datetime_geq": "soon"})).contains("expected a Time value"));
        assert!(e(json!({"eventType_in": "A"})).contains("must be a list"));
        assert!(e(json!({"OR": {}})).contains("list of filters"));
        let many: Vec<Value> = (0..300).map(|_| json!({"stepCount": 1})).collect();
        assert!(e(json!({ "AND": many })).contains("at most"));
    }
}
