//! Cron expressions: the five-field crontab of workflow `schedules` and `triggers.crons`.
//!
//! Parsing and the search for occurrences are `croner`'s: ranges, steps, lists, month and day
//! names, `L`/`W`/`#`, and the aliases `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`,
//! `@hourly`. Fields are minute, hour, day of month, month, day of week (0 or 7 is Sunday); a
//! seconds or year field is refused, as a crontab line has none. When both day fields are
//! restricted, either matching is enough (Vixie cron's rule).
//!
//! Occurrences are computed in UTC unless a time zone is given. In a zone, a local time that a
//! daylight-saving change skips fires at the first moment after the gap (02:30 → 03:00), a
//! fixed local time that the change repeats fires once (the first time), and an expression
//! whose hour field is a wildcard keeps firing at its interval through the repeated hour.

use crate::time::Timestamp;
use chrono::{DateTime, TimeZone, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// The most cron expressions one workflow (its `schedules`) or one Worker (its
/// `triggers.crons`) may declare: Endure's own bound, so a configuration cannot make the
/// trigger task's work unbounded.
pub const MAX_SCHEDULES: usize = 10;

/// The longest expression accepted (it is part of its firings' instance ids).
pub const MAX_EXPRESSION_BYTES: usize = 256;

/// A cron expression that was refused, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid cron expression \"{expression}\": {reason}")]
pub struct InvalidCron {
    pub expression: String,
    pub reason: String,
}

/// A parsed cron expression and the time zone its fields are read in.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    expression: String,
    timezone: Option<chrono_tz::Tz>,
    cron: Cron,
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.expression == other.expression && self.timezone == other.timezone
    }
}

impl Eq for CronSchedule {}

impl std::fmt::Display for CronSchedule {
    /// The expression, and ` (<zone>)` when it is read in a time zone.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.timezone {
            None => f.write_str(&self.expression),
            Some(tz) => write!(f, "{} ({})", self.expression, tz.name()),
        }
    }
}

impl CronSchedule {
    /// Parses `expression` (five fields or an alias), read in `timezone` (an IANA name) or UTC.
    pub fn parse(expression: &str, timezone: Option<&str>) -> Result<CronSchedule, InvalidCron> {
        let refuse = |reason: String| InvalidCron {
            expression: expression.to_string(),
            reason,
        };
        if expression.len() > MAX_EXPRESSION_BYTES {
            return Err(refuse(format!("longer than {MAX_EXPRESSION_BYTES} bytes")));
        }
        let trimmed = expression.trim();
        if trimmed.is_empty() {
            return Err(refuse("the expression is empty".into()));
        }
        if !trimmed.starts_with('@') {
            let fields = trimmed.split_whitespace().count();
            if fields != 5 {
                return Err(refuse(format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week), found {fields}"
                )));
            }
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(trimmed)
            .map_err(|e| refuse(e.to_string()))?;
        let timezone = match timezone {
            None => None,
            Some(name) => Some(
                name.parse::<chrono_tz::Tz>()
                    .map_err(|_| refuse(format!("unknown time zone \"{name}\"")))?,
            ),
        };
        let schedule = CronSchedule {
            expression: expression.to_string(),
            timezone,
            cron,
        };
        // An expression that can never match (`0 0 30 2 *`) is refused now, not at run time.
        if schedule.next_after(Timestamp(0)).is_none() {
            return Err(refuse("it never matches a date".into()));
        }
        Ok(schedule)
    }

    /// The expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone's IANA name, if one was given.
    pub fn timezone(&self) -> Option<&str> {
        self.timezone.as_ref().map(|tz| tz.name())
    }

    /// The first occurrence strictly after `t` (never `t` itself).
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        let start = to_utc(t)?;
        match self.timezone {
            None => found(self.cron.find_next_occurrence(&start, false)),
            Some(tz) => found(
                self.cron
                    .find_next_occurrence(&start.with_timezone(&tz), false),
            ),
        }
    }

    /// The latest occurrence at or before `t`.
    pub fn latest_at_or_before(&self, t: Timestamp) -> Option<Timestamp> {
        let start = to_utc(t)?;
        match self.timezone {
            None => found(self.cron.find_previous_occurrence(&start, true)),
            Some(tz) => found(
                self.cron
                    .find_previous_occurrence(&start.with_timezone(&tz), true),
            ),
        }
    }
}

fn to_utc(t: Timestamp) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(i64::try_from(t.0).ok()?).single()
}

fn found<Tz: TimeZone>(r: Result<DateTime<Tz>, croner::errors::CronError>) -> Option<Timestamp> {
    let ms = r.ok()?.timestamp_millis();
    u64::try_from(ms).ok().map(Timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(iso: &str) -> Timestamp {
        Timestamp::parse_iso(iso).unwrap()
    }

    fn next(expr: &str, tz: Option<&str>, from: &str) -> String {
        CronSchedule::parse(expr, tz)
            .unwrap()
            .next_after(at(from))
            .unwrap()
            .to_iso()
    }

    #[test]
    fn the_next_occurrence_is_strictly_after() {
        assert_eq!(
            next("* * * * *", None, "2025-01-01T00:00:30Z"),
            "2025-01-01T00:01:00.000Z"
        );
        assert_eq!(
            next("* * * * *", None, "2025-01-01T00:00:00Z"),
            "2025-01-01T00:01:00.000Z"
        );
        assert_eq!(
            next("0 * * * *", None, "2025-01-01T00:59:59.999Z"),
            "2025-01-01T01:00:00.000Z"
        );
    }

    #[test]
    fn ranges_steps_lists_names_and_aliases() {
        assert_eq!(
            next("*/15 9-17 * * MON-FRI", None, "2026-12-05T12:00:00Z"), // a Saturday
            "2026-12-07T09:00:00.000Z"
        );
        assert_eq!(
            next("0 0 1 JAN,jul *", None, "2026-02-01T00:00:00Z"),
            "2026-07-01T00:00:00.000Z"
        );
        assert_eq!(
            next("@hourly", None, "2026-01-01T10:10:00Z"),
            "2026-01-01T11:00:00.000Z"
        );
        assert_eq!(
            next("@daily", None, "2026-01-01T10:10:00Z"),
            "2026-01-02T00:00:00.000Z"
        );
        assert_eq!(
            next("@weekly", None, "2026-12-02T00:00:00Z"),
            "2026-12-06T00:00:00.000Z"
        );
        // 0 and 7 are both Sunday.
        assert_eq!(
            next("0 0 * * 7", None, "2026-12-02T00:00:00Z"),
            next("0 0 * * 0", None, "2026-12-02T00:00:00Z")
        );
        // Either day field may match when both are restricted.
        assert_eq!(
            next("0 0 13 * FRI", None, "2026-12-02T00:00:00Z"),
            "2026-12-04T00:00:00.000Z"
        );
    }

    #[test]
    fn the_latest_occurrence_includes_the_moment_itself() {
        let s = CronSchedule::parse("0 * * * *", None).unwrap();
        assert_eq!(
            s.latest_at_or_before(at("2026-01-01T10:00:00Z")).unwrap(),
            at("2026-01-01T10:00:00Z")
        );
        assert_eq!(
            s.latest_at_or_before(at("2026-01-01T10:59:00Z")).unwrap(),
            at("2026-01-01T10:00:00Z")
        );
    }

    #[test]
    fn bad_expressions_are_refused_with_the_reason() {
        for (expr, reason) in [
            ("", "empty"),
            ("* * * *", "found 4"),
            ("0 * * * * *", "found 6"),
            ("61 * * * *", ""),
            ("* * * * MOO", ""),
            ("0 0 30 2 *", "never matches"),
            ("@fortnightly", ""),
            (
                "0 * * * *                                                                                                                                                                                                                                                                              ",
                "longer than 256",
            ),
        ] {
            let e = CronSchedule::parse(expr, None).unwrap_err();
            assert!(
                e.to_string()
                    .starts_with(&format!("Invalid cron expression \"{expr}\": ")),
                "{e}"
            );
            assert!(e.reason.contains(reason), "{expr}: {}", e.reason);
            assert!(!e.reason.is_empty());
        }
        let e = CronSchedule::parse("0 * * * *", Some("Mars/Olympus")).unwrap_err();
        assert!(e.reason.contains("time zone"), "{e}");
    }

    #[test]
    fn a_time_zone_moves_the_firings_and_follows_daylight_saving() {
        // 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer.
        assert_eq!(
            next("0 9 * * *", Some("Europe/Berlin"), "2026-01-10T12:00:00Z"),
            "2026-01-11T08:00:00.000Z"
        );
        assert_eq!(
            next("0 9 * * *", Some("Europe/Berlin"), "2026-07-10T12:00:00Z"),
            "2026-07-11T07:00:00.000Z"
        );
        // Hourly across the spring change (29 March 2026, 02:00 → 03:00 local): every UTC
        // hour still fires once.
        let s = CronSchedule::parse("0 * * * *", Some("Europe/Berlin")).unwrap();
        let mut t = at("2026-03-28T22:30:00Z");
        let mut seen = vec![];
        for _ in 0..6 {
            t = s.next_after(t).unwrap();
            seen.push(t.to_iso());
        }
        assert_eq!(
            seen,
            [
                "2026-03-28T23:00:00.000Z",
                "2026-03-29T00:00:00.000Z",
                "2026-03-29T01:00:00.000Z",
                "2026-03-29T02:00:00.000Z",
                "2026-03-29T03:00:00.000Z",
                "2026-03-29T04:00:00.000Z",
            ]
        );
    }

    #[test]
    fn fixed_local_times_across_both_daylight_saving_changes() {
        let s = CronSchedule::parse("30 2 * * *", Some("Europe/Berlin")).unwrap();
        let run = |from: &str| {
            let mut t = at(from);
            (0..3)
                .map(|_| {
                    t = s.next_after(t).unwrap();
                    t.to_iso()
                })
                .collect::<Vec<_>>()
        };
        // 29 March: 02:30 does not exist; it fires at 03:00 local (01:00 UTC).
        assert_eq!(
            run("2026-03-27T12:00:00Z"),
            [
                "2026-03-28T01:30:00.000Z",
                "2026-03-29T01:00:00.000Z",
                "2026-03-30T00:30:00.000Z"
            ]
        );
        // 25 October: 02:30 happens twice; it fires once, the first time.
        assert_eq!(
            run("2026-10-23T12:00:00Z"),
            [
                "2026-10-24T00:30:00.000Z",
                "2026-10-25T00:30:00.000Z",
                "2026-10-26T01:30:00.000Z"
            ]
        );
        // Every 30 minutes keeps its interval through the repeated hour.
        let every = CronSchedule::parse("*/30 * * * *", Some("Europe/Berlin")).unwrap();
        let mut t = at("2026-10-24T23:50:00Z");
        let mut gaps = vec![];
        for _ in 0..6 {
            let n = every.next_after(t).unwrap();
            gaps.push(n.since(t));
            t = n;
        }
        assert_eq!(&gaps[1..], [1_800_000; 5]);
    }
}
