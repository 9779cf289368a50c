//! The bundled example workflows, used by the README, `endure run` and (later) `endure dev`.
//!
//! * [`starter::MyWorkflow`] (`my-workflow`): the seeds' getting-started workflow: a step, a
//!   20-second sleep, and a step with a linear retry policy (its first attempt fails, to show a
//!   retry).
//! * [`approval::ApprovalWorkflow`] (`approval`): waits for a human's `approval` event, then acts
//!   on the decision.
//! * [`steps::StepsWorkflow`] (`steps`): `{"steps": N}` runs N steps `step-1` … `step-N`, each
//!   returning `{"i": k}`, and returns `{"steps": N}`; for smoke tests and benchmarks.

pub mod approval;
pub mod starter;
pub mod steps;

use endure::{ApiError, EngineBuilder, EngineBuilderExt};

/// Registers every bundled example on `builder`.
pub fn register(builder: EngineBuilder) -> Result<EngineBuilder, ApiError> {
    builder
        .workflow(starter::NAME, starter::MyWorkflow)?
        .workflow(approval::NAME, approval::ApprovalWorkflow)?
        .workflow(steps::NAME, steps::StepsWorkflow)
}

/// Names of the bundled examples.
pub const NAMES: [&str; 3] = [starter::NAME, approval::NAME, steps::NAME];
