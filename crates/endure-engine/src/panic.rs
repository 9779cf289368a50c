//! Workflow code that panics must not take the engine down: a panic in a step callback is a
//! failed attempt, a panic in `run` ends the instance `errored`.

use crate::clock::BoxFuture;
use endure_model::WorkflowError;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Polls a boxed future, turning a panic into an error.
pub(crate) struct CatchPanic<'a, T>(pub BoxFuture<'a, Result<T, WorkflowError>>);

impl<T> Future for CatchPanic<'_, T> {
    type Output = Result<T, WorkflowError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.as_mut().poll(cx))) {
            Ok(p) => p,
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Poll::Ready(Err(WorkflowError::msg(format!("panicked: {msg}"))))
            }
        }
    }
}
