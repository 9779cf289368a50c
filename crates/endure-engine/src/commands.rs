//! What control operations say to a running instance's driver, and how it answers.

use endure_model::log::ReceivedEvent;
use endure_model::{ApiError, ErrorCode, StepKind};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use tokio::sync::oneshot;

/// Most control commands waiting for one instance's driver (further senders wait).
pub(crate) const DRIVER_QUEUE: usize = 64;

/// Which step `restart` starts from: the `count`-th (1-based) started step of `kind` named
/// `name`, in the order steps started.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepSelector {
    pub name: String,
    pub count: u32,
    pub kind: StepKind,
}

impl StepSelector {
    pub fn new(name: impl Into<String>) -> Self {
        StepSelector {
            name: name.into(),
            count: 1,
            kind: StepKind::Do,
        }
    }
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
    /// `from` as the REST API and the JavaScript binding take it: `{name, count?, type?}`,
    /// where `type` is `do` (the default), `sleep` or `waitForEvent` and `count` a positive
    /// integer (default 1). One parser, so both surfaces refuse the same things the same way.
    pub fn parse(name: String, count: Option<u32>, kind: Option<&str>) -> Result<Self, ApiError> {
        let kind = match kind {
            None | Some("do") => StepKind::Do,
            Some("sleep") => StepKind::Sleep,
            Some("waitForEvent") => StepKind::WaitForEvent,
            Some(other) => {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("Invalid step type \"{other}\"; expected do, sleep or waitForEvent"),
                ));
            }
        };
        let count = count.unwrap_or(1);
        if count == 0 {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "from.count must be a positive integer",
            ));
        }
        Ok(StepSelector { name, count, kind })
    }
    pub fn kind(mut self, kind: StepKind) -> Self {
        self.kind = kind;
        self
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ControlOp {
    Pause,
    Resume,
    Terminate,
    Restart(Option<StepSelector>),
    SendEvent(ReceivedEvent),
    Delete,
}

/// A control operation for the driver, with where to send its answer.
pub(crate) struct Command {
    pub op: ControlOp,
    pub reply: oneshot::Sender<CmdReply>,
}

pub(crate) enum CmdReply {
    Done(Result<(), ApiError>),
    /// The driver is stopping; do the operation on the store instead.
    NotLive,
}

/// Forwarded operations' answers, by request number.
type Answers = HashMap<u64, oneshot::Sender<Result<(), ApiError>>>;

/// This node's control operations forwarded to other nodes (`crate::remote`), waiting for an
/// answer.
#[derive(Default)]
pub(crate) struct Forwarded {
    pub(crate) next: AtomicU64,
    pending: Mutex<Answers>,
}

impl Forwarded {
    pub(crate) fn pending(&self) -> MutexGuard<'_, Answers> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }
}
