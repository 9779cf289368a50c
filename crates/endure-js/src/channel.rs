//! The host functions that send a workflow run's hot messages as fields rather than JSON text
//! (`protocol::Out::Run`): `host.stepDo`, `host.attemptDone` and `host.runDone`. Only the
//! values they carry (a step's config, a callback's result, `run`'s result) are JSON text,
//! parsed once on the host; a malformed one reaches the host as the run's decode error.

use crate::protocol::{self, Out};
use rquickjs::{Ctx, Function, Object};
use tokio::sync::mpsc::Sender;

/// Adds the typed senders to the `host` object.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    tx: &Sender<Out>,
) -> rquickjs::Result<()> {
    let out = tx.clone();
    let step_do = Function::new(
        ctx.clone(),
        move |id: f64, name: String, config: Option<String>, dynamic: bool| {
            let _ = out.blocking_send(Out::Run(protocol::step_do(id, name, config, dynamic)));
        },
    )?;
    host.set("stepDo", step_do)?;
    let out = tx.clone();
    let attempt_done = Function::new(
        ctx.clone(),
        move |attempt: f64,
              ok: bool,
              value: Option<String>,
              name: Option<String>,
              message: Option<String>,
              fatal: bool| {
            let m = protocol::attempt_done(attempt, ok, value, (name, message), fatal);
            let _ = out.blocking_send(Out::Run(m));
        },
    )?;
    host.set("attemptDone", attempt_done)?;
    let out = tx.clone();
    let run_done = Function::new(
        ctx.clone(),
        move |ok: bool, value: Option<String>, name: Option<String>, message: Option<String>| {
            let _ = out.blocking_send(Out::Run(protocol::run_done(ok, value, (name, message))));
        },
    )?;
    host.set("runDone", run_done)?;
    Ok(())
}
