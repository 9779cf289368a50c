//! Where what an isolate's JavaScript sends goes: each workflow run the isolate serves has a
//! route (its own channel, opened by `protocol::In::Open`), and everything else goes to the
//! isolate's own channel. Only the isolate's thread uses it.

use crate::protocol::Out;

/// Where what JavaScript sends goes: a run's messages to its route, the rest to the
/// isolate's own channel. Only the isolate's thread uses it.
pub(crate) struct Routes {
    pub(crate) default: tokio::sync::mpsc::Sender<Out>,
    /// Messages of the isolate's own handled, and whether any since the last turn's end.
    pub(crate) received: u64,
    pub(crate) touched: bool,
    pub(crate) runs: std::collections::HashMap<u64, Route>,
}

/// An open run.
pub(crate) struct Route {
    pub(crate) tx: tokio::sync::mpsc::Sender<Out>,
    /// Its messages handled so far.
    pub(crate) received: u64,
    /// Whether any were handled since the last turn's end sent to it.
    pub(crate) touched: bool,
    /// Whether it had timers at that turn's end.
    pub(crate) timers: bool,
}

impl Routes {
    /// Sends what JavaScript sent for `run` (0: the isolate) where it goes; a run that is over
    /// gets nothing more.
    pub(crate) fn emit(&self, run: u64, out: Out) {
        if run == 0 {
            let _ = self.default.blocking_send(out);
        } else if let Some(r) = self.runs.get(&run) {
            let _ = r.tx.blocking_send(out);
        }
    }
}

pub(crate) type SharedRoutes = std::rc::Rc<std::cell::RefCell<Routes>>;
