//! Named limits, with units in the names. Every one is configurable through [`Limits`].

/// Instance ids: at most this many characters (current production limit).
pub const MAX_INSTANCE_ID_LEN: usize = 100;
/// Longest id of a cron firing's instance (`<expression>-<ms>`): an expression of up to 256
/// bytes and a timestamp.
pub const MAX_CRON_INSTANCE_ID_LEN: usize = 280;
/// Workflow names: at most this many characters.
pub const MAX_WORKFLOW_NAME_LEN: usize = 64;
/// Step names: at most this many characters.
pub const MAX_STEP_NAME_LEN: usize = 256;
/// Event types: at most this many characters.
pub const MAX_EVENT_TYPE_LEN: usize = 100;
/// `create_batch`: 1 to this many instances per call.
pub const MAX_BATCH_SIZE: usize = 100;
/// 365 days: the longest sleep or event wait.
pub const MAX_WAIT_MS: u64 = 365 * 86_400_000;
/// `waitForEvent` time-out when none is given: 24 hours.
pub const DEFAULT_EVENT_TIMEOUT_MS: u64 = 86_400_000;
/// `step.do` calls allowed per instance run when the workflow sets no limit.
pub const DEFAULT_STEP_LIMIT: u64 = 10_000;
/// 1 MiB.
pub const MIB: usize = 1024 * 1024;

/// Size limits the engine enforces. Defaults follow DECISIONS.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Serialized create params, in bytes.
    pub max_params_bytes: usize,
    /// Serialized step output (and `run` output), in bytes.
    pub max_output_bytes: usize,
    /// Serialized event payload, in bytes.
    pub max_event_payload_bytes: usize,
    /// All persisted state of one instance, in bytes.
    pub max_instance_state_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_params_bytes: MIB,
            max_output_bytes: MIB,
            max_event_payload_bytes: MIB,
            max_instance_state_bytes: 1024 * MIB as u64,
        }
    }
}
