//! The host functions that send a workflow run's hot messages as fields rather than JSON text
//! (`protocol::Out::Run`): `host.stepDo`, `host.attemptDone` and `host.runDone`. Only the
//! values they carry (a step's config, a callback's result, `run`'s result) are JSON text,
//! parsed once on the host; a malformed one reaches the host as the run's decode error.

use crate::protocol::{self, Out};
use rquickjs::{Ctx, Function, Object};

/// Adds the typed senders to the `host` object; each takes the run it sends for first.
pub(crate) fn install<'js>(
    ctx: &Ctx<'js>,
    host: &Object<'js>,
    routes: &crate::routes::SharedRoutes,
) -> rquickjs::Result<()> {
    let out = routes.clone();
    let step_do = Function::new(
        ctx.clone(),
        move |run: f64, id: f64, name: String, config: Option<String>, dynamic: bool| {
            let m = Out::Run(protocol::step_do(id, name, config, dynamic));
            out.borrow().emit(run as u64, m);
        },
    )?;
    host.set("stepDo", step_do)?;
    let out = routes.clone();
    let attempt_done = Function::new(
        ctx.clone(),
        move |run: f64,
              attempt: f64,
              ok: bool,
              value: Option<String>,
              name: Option<String>,
              message: Option<String>,
              fatal: bool| {
            let m = protocol::attempt_done(attempt, ok, value, (name, message), fatal);
            out.borrow().emit(run as u64, Out::Run(m));
        },
    )?;
    host.set("attemptDone", attempt_done)?;
    let out = routes.clone();
    let run_done = Function::new(
        ctx.clone(),
        move |run: f64,
              ok: bool,
              value: Option<String>,
              name: Option<String>,
              message: Option<String>| {
            let m = Out::Run(protocol::run_done(ok, value, (name, message)));
            out.borrow().emit(run as u64, m);
        },
    )?;
    host.set("runDone", run_done)?;
    Ok(())
}
