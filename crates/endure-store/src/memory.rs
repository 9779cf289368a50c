//! The in-memory store: the same contract as the durable stores, for fast engine tests.

use crate::{
    Commit, CommitResult, Fence, InstanceRef, InstanceRow, ListQuery, NewInstance, Store,
    StoreError, Ticket, WorkflowRecord,
};
use async_trait::async_trait;
use endure_model::{InstanceStatus, LogEntry, LogEvent, Timestamp};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

#[derive(Default)]
struct State {
    rows: BTreeMap<InstanceRef, InstanceRow>,
    keys: HashMap<(String, String), InstanceRef>,
    logs: HashMap<InstanceRef, Vec<LogEntry>>,
    next_ref: i64,
    next_seq: u64,
    workflows: BTreeMap<String, WorkflowRecord>,
}

/// A store that keeps everything in memory. Commits are applied at once.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn apply(state: &mut State, c: Commit) -> Result<CommitResult, StoreError> {
    let row = state.rows.get(&c.instance).ok_or(StoreError::NotFound)?;
    if let Some(f) = c.fence
        && f != row.fence
    {
        return Err(StoreError::Fenced);
    }
    if !c.expect_status.is_empty() && !c.expect_status.contains(&row.status) {
        return Err(StoreError::UnexpectedStatus { actual: row.status });
    }
    let log = state.logs.entry(c.instance).or_default();
    if !c.delete.is_empty() {
        log.retain(|e| !c.delete.contains(&e.seq));
    }
    let mut seqs = Vec::with_capacity(c.append.len());
    for r in c.append {
        state.next_seq += 1;
        seqs.push(state.next_seq);
        log.push(LogEntry {
            seq: state.next_seq,
            ts: r.ts,
            event: r.event,
        });
    }
    let row = state
        .rows
        .get_mut(&c.instance)
        .ok_or(StoreError::NotFound)?;
    let u = c.update;
    if let Some(s) = u.status {
        row.status = s;
    }
    if let Some(v) = u.started_at {
        row.started_at = v;
    }
    if let Some(v) = u.ended_at {
        row.ended_at = v;
    }
    if let Some(v) = u.output {
        row.output = v;
    }
    if let Some(v) = u.error {
        row.error = v;
    }
    if let Some(v) = u.wake_at {
        row.wake_at = v;
    }
    if let Some(v) = u.paused_at {
        row.paused_at = v;
    }
    let fence = c.take_lease.then(|| {
        row.fence = Fence(row.fence.0 + 1);
        row.fence
    });
    Ok(CommitResult { seqs, fence })
}

#[async_trait]
impl Store for MemoryStore {
    async fn create_instances(
        &self,
        batch: Vec<NewInstance>,
    ) -> Result<Vec<InstanceRef>, StoreError> {
        let mut st = self.lock();
        let mut seen = std::collections::HashSet::new();
        for n in &batch {
            let k = (n.workflow.clone(), n.id.clone());
            if st.keys.contains_key(&k) || !seen.insert(k) {
                return Err(StoreError::AlreadyExists {
                    workflow: n.workflow.clone(),
                    id: n.id.clone(),
                });
            }
        }
        let mut refs = Vec::with_capacity(batch.len());
        for n in batch {
            st.next_ref += 1;
            st.next_seq += 1;
            let r = InstanceRef(st.next_ref);
            let entry = LogEntry {
                seq: st.next_seq,
                ts: n.created_at,
                event: LogEvent::WorkflowQueued {
                    params: n.params.clone(),
                    trigger: n.trigger,
                },
            };
            st.keys.insert((n.workflow.clone(), n.id.clone()), r);
            st.logs.insert(r, vec![entry]);
            st.rows.insert(
                r,
                InstanceRow {
                    instance: r,
                    workflow: n.workflow,
                    id: n.id,
                    status: InstanceStatus::Queued,
                    params: n.params,
                    trigger: n.trigger,
                    version_id: n.version_id,
                    created_at: n.created_at,
                    started_at: None,
                    ended_at: None,
                    output: None,
                    error: None,
                    wake_at: None,
                    paused_at: None,
                    fence: Fence(0),
                },
            );
            refs.push(r);
        }
        Ok(refs)
    }

    async fn find_instance(
        &self,
        workflow: &str,
        id: &str,
    ) -> Result<Option<InstanceRow>, StoreError> {
        let st = self.lock();
        Ok(st
            .keys
            .get(&(workflow.to_string(), id.to_string()))
            .and_then(|r| st.rows.get(r))
            .cloned())
    }

    async fn get_instance(&self, instance: InstanceRef) -> Result<Option<InstanceRow>, StoreError> {
        Ok(self.lock().rows.get(&instance).cloned())
    }

    async fn read_log(&self, instance: InstanceRef) -> Result<Vec<LogEntry>, StoreError> {
        Ok(self.lock().logs.get(&instance).cloned().unwrap_or_default())
    }

    async fn read_instance(
        &self,
        instance: InstanceRef,
    ) -> Result<Option<(InstanceRow, Vec<LogEntry>)>, StoreError> {
        let st = self.lock();
        Ok(st.rows.get(&instance).map(|r| {
            (
                r.clone(),
                st.logs.get(&instance).cloned().unwrap_or_default(),
            )
        }))
    }

    fn submit(&self, commit: Commit) -> Ticket {
        let mut st = self.lock();
        Ticket::ready(apply(&mut st, commit))
    }

    async fn acquire_lease(
        &self,
        instance: InstanceRef,
        _owner: &str,
    ) -> Result<Fence, StoreError> {
        let mut st = self.lock();
        let row = st.rows.get_mut(&instance).ok_or(StoreError::NotFound)?;
        row.fence = Fence(row.fence.0 + 1);
        Ok(row.fence)
    }

    async fn due_wakeups(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<InstanceRef>, StoreError> {
        let st = self.lock();
        let mut due: Vec<(Timestamp, InstanceRef)> = st
            .rows
            .values()
            .filter_map(|r| r.wake_at.filter(|w| *w <= now).map(|w| (w, r.instance)))
            .collect();
        due.sort();
        Ok(due.into_iter().take(limit).map(|(_, r)| r).collect())
    }

    async fn next_wakeup(&self) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.lock().rows.values().filter_map(|r| r.wake_at).min())
    }

    async fn instances_in(
        &self,
        statuses: &[InstanceStatus],
    ) -> Result<Vec<InstanceRow>, StoreError> {
        Ok(self
            .lock()
            .rows
            .values()
            .filter(|r| statuses.contains(&r.status))
            .cloned()
            .collect())
    }

    async fn list_instances(&self, q: &ListQuery) -> Result<Vec<InstanceRow>, StoreError> {
        let st = self.lock();
        let rows: Box<dyn Iterator<Item = &InstanceRow>> = if q.ascending {
            Box::new(st.rows.values())
        } else {
            Box::new(st.rows.values().rev())
        };
        Ok(rows
            .filter(|r| r.workflow == q.workflow)
            .filter(|r| q.status.is_none_or(|s| r.status == s))
            .filter(|r| {
                q.before.is_none_or(|b| {
                    if q.ascending {
                        r.instance > b
                    } else {
                        r.instance < b
                    }
                })
            })
            .filter(|r| q.created_from.is_none_or(|t| r.created_at >= t))
            .filter(|r| q.created_to.is_none_or(|t| r.created_at <= t))
            .take(q.limit)
            .cloned()
            .collect())
    }

    async fn count_instances(&self, q: &ListQuery) -> Result<u64, StoreError> {
        let st = self.lock();
        Ok(st
            .rows
            .values()
            .filter(|r| r.workflow == q.workflow)
            .filter(|r| q.status.is_none_or(|s| r.status == s))
            .filter(|r| q.created_from.is_none_or(|t| r.created_at >= t))
            .filter(|r| q.created_to.is_none_or(|t| r.created_at <= t))
            .count() as u64)
    }

    async fn count_by_status(
        &self,
        workflow: &str,
    ) -> Result<Vec<(InstanceStatus, u64)>, StoreError> {
        let st = self.lock();
        let mut counts: std::collections::BTreeMap<u8, u64> = Default::default();
        for r in st.rows.values().filter(|r| r.workflow == workflow) {
            *counts.entry(r.status.code()).or_default() += 1;
        }
        Ok(counts
            .into_iter()
            .filter_map(|(c, n)| InstanceStatus::from_code(c).map(|s| (s, n)))
            .collect())
    }

    async fn delete_instance(&self, instance: InstanceRef) -> Result<bool, StoreError> {
        let mut st = self.lock();
        let Some(row) = st.rows.remove(&instance) else {
            return Ok(false);
        };
        st.keys.remove(&(row.workflow, row.id));
        st.logs.remove(&instance);
        Ok(true)
    }

    async fn put_workflow(&self, mut record: WorkflowRecord) -> Result<WorkflowRecord, StoreError> {
        let mut st = self.lock();
        if let Some(old) = st.workflows.get(&record.name) {
            record.created_at = old.created_at;
        }
        st.workflows.insert(record.name.clone(), record.clone());
        Ok(record)
    }

    async fn workflows(&self) -> Result<Vec<WorkflowRecord>, StoreError> {
        Ok(self.lock().workflows.values().cloned().collect())
    }

    async fn delete_workflow(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.lock().workflows.remove(name).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn conformance() {
        crate::conformance::run_all(
            || async { MemoryStore::new() },
            None::<fn() -> std::future::Ready<MemoryStore>>,
        )
        .await;
    }
}
