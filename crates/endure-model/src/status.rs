//! Instance statuses and trigger sources, with the reference's wire names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The status of a workflow instance (`queued`, `running`, … as on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum InstanceStatus {
    Queued,
    Running,
    Paused,
    Errored,
    Terminated,
    Complete,
    WaitingForPause,
    Waiting,
}

impl InstanceStatus {
    pub const ALL: [InstanceStatus; 8] = [
        InstanceStatus::Queued,
        InstanceStatus::Running,
        InstanceStatus::Paused,
        InstanceStatus::Errored,
        InstanceStatus::Terminated,
        InstanceStatus::Complete,
        InstanceStatus::WaitingForPause,
        InstanceStatus::Waiting,
    ];

    /// Complete, errored and terminated are final: nothing but `restart` leaves them.
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            InstanceStatus::Complete | InstanceStatus::Errored | InstanceStatus::Terminated
        )
    }

    /// The numeric code the reference engine stores.
    pub fn code(self) -> u8 {
        match self {
            InstanceStatus::Queued => 0,
            InstanceStatus::Running => 1,
            InstanceStatus::Paused => 2,
            InstanceStatus::Errored => 3,
            InstanceStatus::Terminated => 4,
            InstanceStatus::Complete => 5,
            InstanceStatus::WaitingForPause => 6,
            InstanceStatus::Waiting => 7,
        }
    }

    pub fn from_code(code: u8) -> Option<InstanceStatus> {
        InstanceStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Queued => "queued",
            InstanceStatus::Running => "running",
            InstanceStatus::Paused => "paused",
            InstanceStatus::Errored => "errored",
            InstanceStatus::Terminated => "terminated",
            InstanceStatus::Complete => "complete",
            InstanceStatus::WaitingForPause => "waitingForPause",
            InstanceStatus::Waiting => "waiting",
        }
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InstanceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InstanceStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("{s} is not a valid instance status"))
    }
}

/// What created an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TriggerSource {
    Unknown,
    Api,
    Binding,
    Event,
    Cron,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for s in InstanceStatus::ALL {
            assert_eq!(InstanceStatus::from_code(s.code()), Some(s));
            assert_eq!(s.as_str().parse::<InstanceStatus>(), Ok(s));
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert!("unknown".parse::<InstanceStatus>().is_err());
    }
}
