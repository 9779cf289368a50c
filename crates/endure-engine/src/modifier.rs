//! Test modifications of an instance (the reference's introspection API, `modify(fn)`): sleeps
//! that end at once, retries without their delay, mocked step results and errors, forced step
//! and event time-outs, mocked events. Tests set them on an instance before or after creating
//! it ([`crate::Engine::modifier`]); the steps of its runs consult them. They live in the
//! process (tests run in one), not in the store.

use endure_model::{ErrorInfo, StepKey, StepKind};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;

/// A step as tests name it: its name and its occurrence (1-based; the reference's `index`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StepRef {
    pub name: String,
    pub index: u32,
}

impl StepRef {
    pub fn new(name: impl Into<String>) -> StepRef {
        StepRef {
            name: name.into(),
            index: 1,
        }
    }

    pub fn index(mut self, index: u32) -> StepRef {
        self.index = index;
        self
    }

    fn of(key: &StepKey) -> StepRef {
        StepRef {
            name: key.name.clone(),
            index: key.count,
        }
    }
}

/// Which steps a switch covers: all, or those named.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Which {
    Off,
    All,
    These(Vec<StepRef>),
}

impl Which {
    fn covers(&self, step: &StepRef) -> bool {
        match self {
            Which::Off => false,
            Which::All => true,
            Which::These(list) => list.contains(step),
        }
    }

    fn add(&mut self, steps: Option<Vec<StepRef>>) {
        *self = match (std::mem::replace(self, Which::Off), steps) {
            (_, None) | (Which::All, _) => Which::All,
            (Which::These(mut a), Some(b)) => {
                a.extend(b);
                Which::These(a)
            }
            (Which::Off, Some(b)) => Which::These(b),
        };
    }
}

/// How many more attempts a mock applies to (`None`: every one).
type Times = Option<u32>;

#[derive(Debug)]
struct Mods {
    sleeps: Which,
    retry_delays: Which,
    results: HashMap<StepRef, Value>,
    errors: HashMap<StepRef, (ErrorInfo, Times)>,
    timeouts: HashMap<StepRef, Times>,
    event_timeouts: Vec<StepRef>,
    events: Vec<(String, Value)>,
    /// How many of `events` were sent.
    events_sent: usize,
}

impl Default for Mods {
    fn default() -> Self {
        Mods {
            sleeps: Which::Off,
            retry_delays: Which::Off,
            results: HashMap::new(),
            errors: HashMap::new(),
            timeouts: HashMap::new(),
            event_timeouts: vec![],
            events: vec![],
            events_sent: 0,
        }
    }
}

/// What an attempt does instead of running its callback.
#[derive(Debug, Clone, PartialEq)]
pub enum AttemptOverride {
    Fail(ErrorInfo),
    TimeOut,
    Return(Value),
}

/// The modifications of one instance.
#[derive(Debug, Default)]
pub struct Modifier {
    mods: Mutex<Mods>,
}

/// The reference's messages for misuse.
fn twice(name: &str) -> String {
    format!("[WorkflowIntrospector] Trying to mock step '{name}' multiple times!")
}

impl Modifier {
    fn lock(&self) -> std::sync::MutexGuard<'_, Mods> {
        self.mods.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps end at once: the steps named, or all (`None`).
    pub fn disable_sleeps(&self, steps: Option<Vec<StepRef>>) {
        self.lock().sleeps.add(steps);
    }

    /// Retries happen without waiting (the recorded delay is still the computed one).
    pub fn disable_retry_delays(&self, steps: Option<Vec<StepRef>>) {
        self.lock().retry_delays.add(steps);
    }

    /// The step returns `value` without running its callback (its events are still recorded).
    pub fn mock_step_result(&self, step: StepRef, value: Value) -> Result<(), String> {
        let mut m = self.lock();
        if m.results.contains_key(&step) {
            return Err(twice(&step.name));
        }
        m.results.insert(step, value);
        Ok(())
    }

    /// The step's attempts throw `error`: every one, or the next `times`.
    pub fn mock_step_error(
        &self,
        step: StepRef,
        error: ErrorInfo,
        times: Option<u32>,
    ) -> Result<(), String> {
        let mut m = self.lock();
        if m.results.contains_key(&step) {
            return Err(format!(
                "[WorkflowIntrospector] Trying to mock error on step '{}' after mocking its result!",
                step.name
            ));
        }
        m.errors.insert(step, (error, times));
        Ok(())
    }

    /// The step's attempts time out at once: every one, or the next `times`.
    pub fn force_step_timeout(&self, step: StepRef, times: Option<u32>) -> Result<(), String> {
        let mut m = self.lock();
        if m.results.contains_key(&step) {
            return Err(format!(
                "[WorkflowIntrospector] Trying to force timeout on step '{}' after mocking its result!",
                step.name
            ));
        }
        m.timeouts.insert(step, times);
        Ok(())
    }

    /// The wait for an event ends at once with its time-out.
    pub fn force_event_timeout(&self, step: StepRef) {
        self.lock().event_timeouts.push(step);
    }

    /// An event the instance receives as if it were sent (once it exists).
    pub fn mock_event(&self, event_type: impl Into<String>, payload: Value) {
        self.lock().events.push((event_type.into(), payload));
    }

    /// The mocked events not yet sent; they count as sent from now on.
    pub fn take_events(&self) -> Vec<(String, Value)> {
        let mut m = self.lock();
        let fresh = m.events[m.events_sent..].to_vec();
        m.events_sent = m.events.len();
        fresh
    }

    /// A restart erased the instance's events: every mocked event is to be sent again (the
    /// reference keeps mocked events across restarts).
    pub fn rewind_events(&self) {
        self.lock().events_sent = 0;
    }

    pub(crate) fn sleep_disabled(&self, key: &StepKey) -> bool {
        key.kind == StepKind::Sleep && self.lock().sleeps.covers(&StepRef::of(key))
    }

    pub(crate) fn retry_delay_disabled(&self, key: &StepKey) -> bool {
        self.lock().retry_delays.covers(&StepRef::of(key))
    }

    pub(crate) fn event_timeout_forced(&self, key: &StepKey) -> bool {
        self.lock().event_timeouts.contains(&StepRef::of(key))
    }

    /// What this attempt of the step does instead of its callback: a mocked error first, then
    /// a forced time-out, then a mocked result (the reference's precedence). Counts down `times`.
    pub(crate) fn attempt(&self, key: &StepKey) -> Option<AttemptOverride> {
        let step = StepRef::of(key);
        let mut m = self.lock();
        let take = |times: &mut Times| match times {
            None => true,
            Some(0) => false,
            Some(n) => {
                *n -= 1;
                true
            }
        };
        if let Some((error, times)) = m.errors.get_mut(&step)
            && take(times)
        {
            return Some(AttemptOverride::Fail(error.clone()));
        }
        if let Some(times) = m.timeouts.get_mut(&step)
            && take(times)
        {
            return Some(AttemptOverride::TimeOut);
        }
        m.results
            .get(&step)
            .map(|v| AttemptOverride::Return(v.clone()))
    }
}

/// One change made to every instance a session sees created (`modifyAll`).
pub type ModifyAll = std::sync::Arc<dyn Fn(&Modifier) -> Result<(), String> + Send + Sync>;

/// A workflow's introspection session (the reference's `introspectWorkflow`): its changes,
/// and the instances created while it is open, in creation order.
#[derive(Default)]
struct Session {
    changes: Vec<ModifyAll>,
    created: Vec<String>,
}

/// The modifiers of a process's instances, by (workflow, instance id), and the workflows'
/// sessions.
#[derive(Default)]
pub struct Modifiers {
    by_instance: Mutex<HashMap<(String, String), std::sync::Arc<Modifier>>>,
    sessions: Mutex<HashMap<String, Session>>,
}

fn no_session(workflow: &str) -> String {
    format!(
        "Workflow \"{workflow}\" does not have an active introspection session for this introspector."
    )
}

impl Modifiers {
    /// The instance's modifier, made on first use.
    pub fn of(&self, workflow: &str, id: &str) -> std::sync::Arc<Modifier> {
        let mut m = self.by_instance.lock().unwrap_or_else(|e| e.into_inner());
        m.entry((workflow.to_string(), id.to_string()))
            .or_default()
            .clone()
    }

    /// The instance's modifier, if it has one. Every run start and creation asks: without
    /// tests there are none, and the answer costs a lock and no allocation.
    pub fn get(&self, workflow: &str, id: &str) -> Option<std::sync::Arc<Modifier>> {
        let m = self.by_instance.lock().unwrap_or_else(|e| e.into_inner());
        if m.is_empty() {
            return None;
        }
        m.get(&(workflow.to_string(), id.to_string())).cloned()
    }

    /// Forgets the instance's modifier.
    pub fn remove(&self, workflow: &str, id: &str) {
        let mut m = self.by_instance.lock().unwrap_or_else(|e| e.into_inner());
        m.remove(&(workflow.to_string(), id.to_string()));
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Opens the workflow's session; one at a time.
    pub fn open_session(&self, workflow: &str, binding: &str) -> Result<(), String> {
        let mut s = self.sessions();
        if s.contains_key(workflow) {
            return Err(format!(
                "Workflow \"{workflow}\" already has an active introspection session for binding \"{binding}\"."
            ));
        }
        s.insert(workflow.to_string(), Session::default());
        Ok(())
    }

    /// Adds a change every instance created from now on gets.
    pub fn modify_all(&self, workflow: &str, change: ModifyAll) -> Result<(), String> {
        let mut s = self.sessions();
        let session = s.get_mut(workflow).ok_or_else(|| no_session(workflow))?;
        session.changes.push(change);
        Ok(())
    }

    /// The instances created while the session was open, in creation order.
    pub fn session_instances(&self, workflow: &str) -> Result<Vec<String>, String> {
        let s = self.sessions();
        Ok(s.get(workflow)
            .ok_or_else(|| no_session(workflow))?
            .created
            .clone())
    }

    /// Closes the session; answers the instances it saw (none if it was not open).
    pub fn close_session(&self, workflow: &str) -> Vec<String> {
        self.sessions()
            .remove(workflow)
            .map(|s| s.created)
            .unwrap_or_default()
    }

    /// Before instances are created: the session's changes applied to each.
    pub(crate) fn creating(&self, workflow: &str, ids: &[String]) -> Result<(), String> {
        let changes = {
            let mut s = self.sessions();
            let Some(session) = s.get_mut(workflow) else {
                return Ok(());
            };
            session.created.extend(ids.iter().cloned());
            session.changes.clone()
        };
        for id in ids {
            let m = self.of(workflow, id);
            for change in &changes {
                change(&m)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str, count: u32) -> StepKey {
        StepKey {
            kind: StepKind::Do,
            name: name.into(),
            count,
            variant: None,
        }
    }

    #[test]
    fn mocks_apply_in_the_references_order_and_count_down() {
        let m = Modifier::default();
        m.mock_step_error(StepRef::new("a"), ErrorInfo::new("Error", "boom"), Some(1))
            .unwrap();
        m.force_step_timeout(StepRef::new("a"), Some(1)).unwrap();
        let a = key("a", 1);
        assert_eq!(
            m.attempt(&a),
            Some(AttemptOverride::Fail(ErrorInfo::new("Error", "boom")))
        );
        assert_eq!(m.attempt(&a), Some(AttemptOverride::TimeOut));
        assert_eq!(m.attempt(&a), None, "both used up: the callback runs");
        assert_eq!(m.attempt(&key("a", 2)), None, "another occurrence");
        m.mock_step_result(StepRef::new("b").index(2), serde_json::json!(7))
            .unwrap();
        assert_eq!(
            m.attempt(&key("b", 2)),
            Some(AttemptOverride::Return(serde_json::json!(7)))
        );
        assert_eq!(
            m.mock_step_result(StepRef::new("b").index(2), serde_json::json!(8)),
            Err("[WorkflowIntrospector] Trying to mock step 'b' multiple times!".into())
        );
        assert!(
            m.mock_step_error(StepRef::new("b").index(2), ErrorInfo::new("E", "m"), None)
                .unwrap_err()
                .contains("after mocking its result")
        );
    }

    #[test]
    fn switches_cover_the_steps_named_or_all() {
        let m = Modifier::default();
        let nap = StepKey {
            kind: StepKind::Sleep,
            name: "nap".into(),
            count: 1,
            variant: None,
        };
        assert!(!m.sleep_disabled(&nap));
        m.disable_sleeps(Some(vec![StepRef::new("other")]));
        assert!(!m.sleep_disabled(&nap));
        m.disable_sleeps(Some(vec![StepRef::new("nap")]));
        assert!(m.sleep_disabled(&nap));
        m.disable_retry_delays(None);
        assert!(m.retry_delay_disabled(&key("anything", 3)));
    }
}
