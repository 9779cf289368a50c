//! Durations: a number is milliseconds; a string is `"<number> <unit>"` with unit second,
//! minute, hour, day, week, month (30 days) or year (365.25 days), singular or plural.
//! Anything else is an error (DECISIONS.md: never a silent ×1 as the reference's parser does).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A duration as a user writes it: milliseconds or a seed duration string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DurationInput {
    Millis(f64),
    Text(String),
}

impl DurationInput {
    /// Resolves to whole milliseconds (rounded), or a parse error.
    pub fn to_ms(&self) -> Result<u64, DurationError> {
        match self {
            DurationInput::Millis(n) => number_ms(*n, &n.to_string()),
            DurationInput::Text(s) => parse_duration_ms(s),
        }
    }
}

impl fmt::Display for DurationInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationInput::Millis(n) => write!(f, "{n}"),
            DurationInput::Text(s) => f.write_str(s),
        }
    }
}

impl From<u64> for DurationInput {
    fn from(ms: u64) -> Self {
        DurationInput::Millis(ms as f64)
    }
}
impl From<u32> for DurationInput {
    fn from(ms: u32) -> Self {
        DurationInput::Millis(ms as f64)
    }
}
impl From<i32> for DurationInput {
    fn from(ms: i32) -> Self {
        DurationInput::Millis(ms as f64)
    }
}
impl From<&str> for DurationInput {
    fn from(s: &str) -> Self {
        DurationInput::Text(s.to_string())
    }
}
impl From<String> for DurationInput {
    fn from(s: String) -> Self {
        DurationInput::Text(s)
    }
}
impl From<std::time::Duration> for DurationInput {
    fn from(d: std::time::Duration) -> Self {
        DurationInput::Millis(d.as_millis() as f64)
    }
}

/// Why a duration could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration {input:?}: {reason}")]
pub struct DurationError {
    pub input: String,
    pub reason: &'static str,
}

const UNITS: [(&str, f64); 7] = [
    ("second", 1_000.0),
    ("minute", 60_000.0),
    ("hour", 3_600_000.0),
    ("day", 86_400_000.0),
    ("week", 604_800_000.0),
    ("month", 2_592_000_000.0),
    ("year", 31_557_600_000.0),
];

fn number_ms(n: f64, input: &str) -> Result<u64, DurationError> {
    let err = |reason| DurationError {
        input: input.to_string(),
        reason,
    };
    if !n.is_finite() {
        return Err(err("not a finite number"));
    }
    if n < 0.0 {
        return Err(err("negative"));
    }
    if n > 1e15 {
        return Err(err("too large"));
    }
    Ok(n.round() as u64)
}

/// Parses a duration string into milliseconds.
///
/// Accepted: a plain number (`"1500"`, milliseconds), or a number, one or more spaces and a
/// unit (`"5 seconds"`, `"1.5 hours"`, `"1 year"`).
pub fn parse_duration_ms(s: &str) -> Result<u64, DurationError> {
    let err = |reason| DurationError {
        input: s.to_string(),
        reason,
    };
    if s.is_empty() {
        return Err(err("empty"));
    }
    if let Ok(n) = s.parse::<f64>() {
        if s.trim() != s {
            return Err(err("leading or trailing spaces"));
        }
        return number_ms(n, s);
    }
    let Some((num, unit)) = s.split_once(' ') else {
        return Err(err("expected \"<number> <unit>\", e.g. \"5 seconds\""));
    };
    let unit = unit.trim_start_matches(' ');
    if num.is_empty() || unit.is_empty() || unit.contains(' ') {
        return Err(err("expected \"<number> <unit>\", e.g. \"5 seconds\""));
    }
    let n: f64 = num
        .parse()
        .map_err(|_| err("the number part is not a number"))?;
    let singular = unit.strip_suffix('s').unwrap_or(unit);
    let Some((_, factor)) = UNITS.iter().find(|(u, _)| *u == singular) else {
        return Err(err(
            "unknown unit (use second, minute, hour, day, week, month or year)",
        ));
    };
    number_ms(n * factor, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Option<u64>) {
        assert_eq!(parse_duration_ms(input).ok(), expect, "{input:?}");
    }

    #[test]
    fn seed_strings() {
        check("5 second", Some(5_000));
        check("5 seconds", Some(5_000));
        check("1 minute", Some(60_000));
        check("2 hours", Some(7_200_000));
        check("1.5 hours", Some(5_400_000));
        check("3 days", Some(259_200_000));
        check("1 week", Some(604_800_000));
        check("1 month", Some(2_592_000_000));
        check("1 year", Some(31_557_600_000));
        check("5  seconds", Some(5_000));
        check("250", Some(250));
        check("0", Some(0));
    }

    #[test]
    fn rejects_what_the_reference_silently_accepts() {
        for bad in [
            "5 mins",
            "5 min",
            "5 ms",
            "5 Seconds",
            "5seconds",
            " 1 hour",
            "1 hours ",
            "five seconds",
            "-5 seconds",
            "",
            "  ",
            "1 hour 2",
            "NaN",
            "Infinity seconds",
            "-3",
        ] {
            check(bad, None);
        }
    }

    #[test]
    fn numbers_are_milliseconds() {
        assert_eq!(DurationInput::from(1500u64).to_ms(), Ok(1500));
        assert!(DurationInput::Millis(-1.0).to_ms().is_err());
        assert!(DurationInput::Millis(f64::NAN).to_ms().is_err());
        assert!(DurationInput::Millis(f64::INFINITY).to_ms().is_err());
    }
}
