//! Step configuration: what the user writes ([`StepConfigInput`]), what the engine resolves and
//! persists ([`StepConfig`]), the defaults and the retry-delay formula.
//!
//! `retries.limit` counts *retries*: total attempts = limit + 1 (limit 0 = one attempt).

use crate::duration::DurationInput;
use serde::{Deserialize, Serialize};

/// Back-off between attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Backoff {
    Constant,
    Linear,
    Exponential,
}

/// How many retries after the first attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryLimit {
    Retries(u64),
    Unlimited,
}

impl RetryLimit {
    /// After attempt `n` (1-based) failed, is there another attempt?
    pub fn allows_retry_after(self, n: u32) -> bool {
        match self {
            RetryLimit::Retries(limit) => u64::from(n) <= limit,
            RetryLimit::Unlimited => true,
        }
    }
}

// On the wire a limit is a number, or `"unlimited"` (JSON has no Infinity).
impl Serialize for RetryLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RetryLimit::Retries(n) => s.serialize_u64(*n),
            RetryLimit::Unlimited => s.serialize_str("unlimited"),
        }
    }
}

impl<'de> Deserialize<'de> for RetryLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        RetryLimit::from_json(&v).ok_or_else(|| serde::de::Error::custom("invalid retry limit"))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for RetryLimit {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RetryLimit".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Retries after the first attempt: a number, or \"unlimited\"",
            "oneOf": [{"type": "integer", "minimum": 0}, {"const": "unlimited"}]
        })
    }
}

impl RetryLimit {
    /// A number ≥ 0 (fractions floor: after attempt n, retry iff n ≤ limit), `"unlimited"`,
    /// `"Infinity"` or a JSON number too large to be finite.
    pub fn from_json(v: &serde_json::Value) -> Option<RetryLimit> {
        match v {
            serde_json::Value::Number(n) => {
                let f = n.as_f64()?;
                if f.is_infinite() && f > 0.0 {
                    Some(RetryLimit::Unlimited)
                } else if f.is_finite() && f >= 0.0 {
                    Some(RetryLimit::Retries(f.floor().min(u64::MAX as f64) as u64))
                } else {
                    None
                }
            }
            serde_json::Value::String(s) if s == "unlimited" || s == "Infinity" => {
                Some(RetryLimit::Unlimited)
            }
            _ => None,
        }
    }
}

impl From<u64> for RetryLimit {
    fn from(n: u64) -> Self {
        RetryLimit::Retries(n)
    }
}
impl From<u32> for RetryLimit {
    fn from(n: u32) -> Self {
        RetryLimit::Retries(n.into())
    }
}
impl From<i32> for RetryLimit {
    fn from(n: i32) -> Self {
        RetryLimit::Retries(n.max(0) as u64)
    }
}

/// `retries` as the user writes it: when given, `limit` and `delay` are both required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetriesInput {
    pub limit: RetryLimit,
    pub delay: DurationInput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
}

/// A step's configuration as the user writes it (`WorkflowStepConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfigInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<RetriesInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<DurationInput>,
    /// `Some("output")` redacts the output in logs and status; nothing else is accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<String>,
}

impl StepConfigInput {
    pub fn new() -> Self {
        Self::default()
    }
    /// Retries with back-off (`backoff` defaults to exponential).
    pub fn retries(
        mut self,
        limit: impl Into<RetryLimit>,
        delay: impl Into<DurationInput>,
    ) -> Self {
        self.retries = Some(RetriesInput {
            limit: limit.into(),
            delay: delay.into(),
            backoff: None,
        });
        self
    }
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        if let Some(r) = self.retries.as_mut() {
            r.backoff = Some(backoff);
        } else {
            self.retries = Some(RetriesInput {
                limit: DEFAULT_LIMIT,
                delay: DurationInput::Millis(DEFAULT_DELAY_MS as f64),
                backoff: Some(backoff),
            });
        }
        self
    }
    pub fn timeout(mut self, timeout: impl Into<DurationInput>) -> Self {
        self.timeout = Some(timeout.into());
        self
    }
    pub fn sensitive_output(mut self) -> Self {
        self.sensitive = Some("output".into());
        self
    }

    /// Merges with the defaults and validates. The caller reports the reference's
    /// "invalid format" message for the step.
    pub fn resolve(&self) -> Result<StepConfig, InvalidStepConfig> {
        let (limit, delay_ms, dynamic, backoff) = match &self.retries {
            None => (DEFAULT_LIMIT, DEFAULT_DELAY_MS, false, Backoff::Exponential),
            Some(r) if r.delay == DurationInput::Text(DYNAMIC_DELAY.into()) => {
                (r.limit, 0, true, r.backoff.unwrap_or(Backoff::Exponential))
            }
            Some(r) => (
                r.limit,
                r.delay.to_ms().map_err(|_| InvalidStepConfig)?,
                false,
                r.backoff.unwrap_or(Backoff::Exponential),
            ),
        };
        let timeout_ms = match &self.timeout {
            None => DEFAULT_TIMEOUT_MS,
            Some(t) => match t.to_ms() {
                Ok(0) | Err(_) => return Err(InvalidStepConfig),
                Ok(ms) => ms,
            },
        };
        let sensitive_output = match self.sensitive.as_deref() {
            None => false,
            Some("output") => true,
            Some(_) => return Err(InvalidStepConfig),
        };
        Ok(StepConfig {
            retries: Retries {
                limit,
                delay_ms,
                dynamic,
                backoff,
            },
            timeout_ms,
            sensitive: sensitive_output.then(|| "output".to_string()),
        })
    }
}

/// A step configuration that does not validate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid step configuration")]
pub struct InvalidStepConfig;

/// Default `retries.limit` (DECISIONS.md: the seeds' defaults).
pub const DEFAULT_LIMIT: RetryLimit = RetryLimit::Retries(5);
/// Default `retries.delay`: 10 seconds.
pub const DEFAULT_DELAY_MS: u64 = 10_000;
/// Default per-attempt timeout: 10 minutes.
pub const DEFAULT_TIMEOUT_MS: u64 = 600_000;

/// `retries.delay` of a step whose delay is a function (called after each failed attempt):
/// what is persisted and shown in its place.
pub const DYNAMIC_DELAY: &str = "[dynamic]";

/// Resolved retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RetriesWire", into = "RetriesWire")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Retries {
    pub limit: RetryLimit,
    /// Base delay in milliseconds (0 when `dynamic`).
    pub delay_ms: u64,
    /// The delay comes from a function, asked after each failed attempt; persisted and shown as
    /// `"delay": "[dynamic]"`.
    pub dynamic: bool,
    pub backoff: Backoff,
}

/// How [`Retries`] is written: `delay` is milliseconds or the `"[dynamic]"` marker.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct RetriesWire {
    limit: RetryLimit,
    delay: DelayWire,
    backoff: Backoff,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
enum DelayWire {
    Ms(u64),
    Marker(String),
}

impl From<RetriesWire> for Retries {
    fn from(w: RetriesWire) -> Retries {
        let (delay_ms, dynamic) = match w.delay {
            DelayWire::Ms(ms) => (ms, false),
            DelayWire::Marker(_) => (0, true),
        };
        Retries {
            limit: w.limit,
            delay_ms,
            dynamic,
            backoff: w.backoff,
        }
    }
}

impl From<Retries> for RetriesWire {
    fn from(r: Retries) -> RetriesWire {
        RetriesWire {
            limit: r.limit,
            delay: if r.dynamic {
                DelayWire::Marker(DYNAMIC_DELAY.into())
            } else {
                DelayWire::Ms(r.delay_ms)
            },
            backoff: r.backoff,
        }
    }
}

/// A step's resolved configuration, persisted with the step on its first execution. On replay
/// the persisted configuration wins over what the code passes now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct StepConfig {
    pub retries: Retries,
    /// Per-attempt timeout in milliseconds.
    #[serde(rename = "timeout")]
    pub timeout_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<String>,
}

impl StepConfig {
    pub fn is_sensitive(&self) -> bool {
        self.sensitive.is_some()
    }

    /// Delay before attempt `n + 1` after attempt `n` (1-based) failed:
    /// exponential `base·2^(n-1)`, linear `base·n`, constant `base`. No cap, no jitter.
    pub fn retry_delay_ms(&self, n: u32) -> u64 {
        retry_delay_ms(self.retries.backoff, self.retries.delay_ms, n)
    }
}

impl Default for StepConfig {
    fn default() -> Self {
        StepConfigInput::default()
            .resolve()
            .expect("defaults are valid")
    }
}

/// The retry-delay formula (saturating).
pub fn retry_delay_ms(backoff: Backoff, base_ms: u64, n: u32) -> u64 {
    let n = n.max(1);
    match backoff {
        Backoff::Constant => base_ms,
        Backoff::Linear => base_ms.saturating_mul(u64::from(n)),
        Backoff::Exponential => {
            let factor = 1u64.checked_shl(n - 1).unwrap_or(u64::MAX);
            base_ms.saturating_mul(factor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seeds() {
        let c = StepConfig::default();
        assert_eq!(c.retries.limit, RetryLimit::Retries(5));
        assert_eq!(c.retries.delay_ms, 10_000);
        assert_eq!(c.retries.backoff, Backoff::Exponential);
        assert_eq!(c.timeout_ms, 600_000);
    }

    #[test]
    fn formulas() {
        let delays = |b| {
            (1..=5)
                .map(|n| retry_delay_ms(b, 1000, n))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            delays(Backoff::Exponential),
            [1000, 2000, 4000, 8000, 16000]
        );
        assert_eq!(delays(Backoff::Linear), [1000, 2000, 3000, 4000, 5000]);
        assert_eq!(delays(Backoff::Constant), [1000; 5]);
        assert_eq!(retry_delay_ms(Backoff::Exponential, 1000, 200), u64::MAX);
    }

    #[test]
    fn limit_counts_retries() {
        let l = RetryLimit::Retries(2);
        assert!(l.allows_retry_after(1) && l.allows_retry_after(2) && !l.allows_retry_after(3));
        assert!(!RetryLimit::Retries(0).allows_retry_after(1));
        assert!(RetryLimit::Unlimited.allows_retry_after(u32::MAX));
    }

    #[test]
    fn partial_override_keeps_exponential() {
        let c = StepConfigInput::new()
            .retries(3u32, 500u32)
            .resolve()
            .unwrap();
        assert_eq!(c.retries.backoff, Backoff::Exponential);
        assert_eq!(c.retries.delay_ms, 500);
    }

    #[test]
    fn invalid_configs() {
        let bad_json = [
            r#"{"retries":{"limit":3}}"#,
            r#"{"retries":{"delay":"1 second"}}"#,
            r#"{"retries":{"limit":-1,"delay":1}}"#,
            r#"{"retries":{"limit":1,"delay":"soon"}}"#,
            r#"{"retries":{"limit":1,"delay":1,"backoff":"random"}}"#,
            r#"{"timeout":0}"#,
            r#"{"timeout":"0"}"#,
            r#"{"timeout":""}"#,
            r#"{"timeout":"5 mins"}"#,
            r#"{"sensitive":"input"}"#,
            r#"{"colour":"red"}"#,
        ];
        for j in bad_json {
            let parsed: Result<StepConfigInput, _> = serde_json::from_str(j);
            assert!(parsed.map(|p| p.resolve().is_err()).unwrap_or(true), "{j}");
        }
        let ok: StepConfigInput =
            serde_json::from_str(r#"{"retries":{"limit":"unlimited","delay":"5 seconds","backoff":"linear"},"timeout":"1 minute"}"#).unwrap();
        let c = ok.resolve().unwrap();
        assert_eq!(c.retries.limit, RetryLimit::Unlimited);
        assert_eq!(c.timeout_ms, 60_000);
    }
}
