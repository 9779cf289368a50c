//! The in-memory store: the same contract as the durable stores, for fast engine tests.

use crate::{
    Commit, CommitResult, Fence, FiringClaim, InstanceRef, InstanceRow, ListQuery, Message,
    MessageId, NewInstance, NewMessage, NodeSlots, Settle, Settlement, SlotClaim, SlotGrant, Store,
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
    /// Each trigger's last claimed firing.
    firings: HashMap<String, Timestamp>,
    messages: BTreeMap<MessageId, Stored>,
    next_message: i64,
    /// Each node's heartbeat: alive until then.
    nodes: HashMap<String, Timestamp>,
    /// Each node's run slots: (want, holds).
    slots: HashMap<String, (usize, usize)>,
    /// Analytics rollups by (width, bucket, workflow, event type, step name, step number):
    /// (count, wall ms).
    rollups: BTreeMap<crate::rollups::RollupKey, (u64, u64)>,
}

/// A message on a queue.
struct Stored {
    queue: String,
    body: Vec<u8>,
    content_type: String,
    attempts: u32,
    visible_at: Timestamp,
    /// When the current lease runs out (`None`: not taken).
    leased_until: Option<Timestamp>,
    lease: u64,
    created_at: Timestamp,
}

impl Stored {
    /// When it can next be taken.
    fn takeable_at(&self) -> Timestamp {
        self.leased_until
            .map_or(self.visible_at, |l| l.max(self.visible_at))
    }
}

/// A store that keeps everything in memory. Commits are applied at once.
#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
    notices: crate::LocalNotices,
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
    if c.take_lease && c.owner.is_some() {
        row.owner = c.owner;
    }
    Ok(CommitResult { seqs, fence })
}

fn create(st: &mut State, batch: Vec<NewInstance>) -> Result<Vec<InstanceRef>, StoreError> {
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
                schedule: n.schedule.clone(),
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
                owner: n.owner,
            },
        );
        refs.push(r);
    }
    Ok(refs)
}

fn send(st: &mut State, batch: Vec<NewMessage>) {
    for m in batch {
        st.next_message += 1;
        st.messages.insert(
            MessageId(st.next_message),
            Stored {
                queue: m.queue,
                body: m.body,
                content_type: m.content_type,
                attempts: 0,
                visible_at: m.visible_at,
                leased_until: None,
                lease: 0,
                created_at: m.created_at,
            },
        );
    }
}

/// Whether `node` may run the instance: no owner, its own, or its owner's heartbeat ran out.
fn may_run(
    nodes: &HashMap<String, Timestamp>,
    r: &InstanceRow,
    node: &str,
    now: Timestamp,
) -> bool {
    match &r.owner {
        None => true,
        Some(o) if o == node => true,
        Some(o) => nodes.get(o).is_none_or(|until| *until <= now),
    }
}

#[async_trait]
impl Store for MemoryStore {
    fn reads_inline(&self) -> bool {
        true
    }

    async fn create_instances(
        &self,
        batch: Vec<NewInstance>,
    ) -> Result<Vec<InstanceRef>, StoreError> {
        create(&mut self.lock(), batch)
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

    async fn acquire_lease(&self, instance: InstanceRef, owner: &str) -> Result<Fence, StoreError> {
        let mut st = self.lock();
        let row = st.rows.get_mut(&instance).ok_or(StoreError::NotFound)?;
        row.fence = Fence(row.fence.0 + 1);
        row.owner = Some(owner.to_string());
        Ok(row.fence)
    }

    async fn due_wakeups(
        &self,
        node: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<InstanceRef>, StoreError> {
        let st = self.lock();
        let mut due: Vec<(Timestamp, InstanceRef)> = st
            .rows
            .values()
            .filter(|r| may_run(&st.nodes, r, node, now))
            .filter_map(|r| r.wake_at.filter(|w| *w <= now).map(|w| (w, r.instance)))
            .collect();
        due.sort();
        Ok(due.into_iter().take(limit).map(|(_, r)| r).collect())
    }

    async fn next_wakeup(
        &self,
        node: &str,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let st = self.lock();
        Ok(st
            .rows
            .values()
            .filter(|r| may_run(&st.nodes, r, node, now))
            .filter_map(|r| r.wake_at)
            .min())
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

    async fn claim_firing(
        &self,
        claim: FiringClaim,
    ) -> Result<Option<Vec<InstanceRef>>, StoreError> {
        let mut st = self.lock();
        if st
            .firings
            .get(&claim.trigger)
            .is_some_and(|last| *last >= claim.scheduled)
        {
            return Ok(None);
        }
        let refs = create(&mut st, claim.create)?;
        send(&mut st, claim.send);
        st.firings.insert(claim.trigger, claim.scheduled);
        Ok(Some(refs))
    }

    async fn last_firing(&self, trigger: &str) -> Result<Option<Timestamp>, StoreError> {
        Ok(self.lock().firings.get(trigger).copied())
    }

    async fn send_messages(&self, batch: Vec<NewMessage>) -> Result<(), StoreError> {
        send(&mut self.lock(), batch);
        Ok(())
    }

    async fn take_messages(
        &self,
        queue: &str,
        max: usize,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<Vec<Message>, StoreError> {
        let mut st = self.lock();
        let mut out = vec![];
        for (id, m) in st.messages.iter_mut() {
            if out.len() >= max {
                break;
            }
            if m.queue != queue || m.takeable_at() > now {
                continue;
            }
            m.attempts += 1;
            m.lease += 1;
            m.leased_until = Some(lease_until);
            out.push(Message {
                id: *id,
                queue: m.queue.clone(),
                body: m.body.clone(),
                content_type: m.content_type.clone(),
                attempts: m.attempts,
                created_at: m.created_at,
                lease: Fence(m.lease),
            });
        }
        Ok(out)
    }

    async fn settle_messages(&self, batch: Vec<Settlement>) -> Result<usize, StoreError> {
        let mut st = self.lock();
        let mut applied = 0;
        for s in batch {
            let Some(m) = st.messages.get_mut(&s.id) else {
                continue;
            };
            if m.lease != s.lease.0 || m.leased_until.is_none() {
                continue;
            }
            applied += 1;
            match s.settle {
                Settle::Ack => {
                    st.messages.remove(&s.id);
                }
                Settle::Retry { visible_at } => {
                    m.leased_until = None;
                    m.visible_at = visible_at;
                }
                Settle::Move { queue } => {
                    m.leased_until = None;
                    m.attempts = 0;
                    m.queue = queue;
                }
            }
        }
        Ok(applied)
    }

    async fn next_message_at(&self, queue: &str) -> Result<Option<Timestamp>, StoreError> {
        Ok(self
            .lock()
            .messages
            .values()
            .filter(|m| m.queue == queue)
            .map(Stored::takeable_at)
            .min())
    }

    async fn heartbeat(&self, node: &str, until: Timestamp) -> Result<(), StoreError> {
        self.lock().nodes.insert(node.to_string(), until);
        Ok(())
    }

    async fn take_orphans(
        &self,
        node: &str,
        now: Timestamp,
        limit: usize,
        own: bool,
    ) -> Result<Vec<InstanceRow>, StoreError> {
        let mut st = self.lock();
        let State { rows, nodes, .. } = &mut *st;
        let mut out = vec![];
        for row in rows.values_mut() {
            if out.len() >= limit {
                break;
            }
            let runnable = matches!(
                row.status,
                InstanceStatus::Queued | InstanceStatus::Running | InstanceStatus::WaitingForPause
            );
            let orphaned = match &row.owner {
                None => true,
                Some(o) if o == node => own,
                Some(o) => nodes.get(o).is_none_or(|until| *until <= now),
            };
            if runnable && orphaned {
                row.owner = Some(node.to_string());
                out.push(row.clone());
            }
        }
        Ok(out)
    }

    async fn release_message_leases(&self) -> Result<u64, StoreError> {
        let mut st = self.lock();
        let mut n = 0;
        for m in st.messages.values_mut() {
            if m.leased_until.take().is_some() {
                m.lease += 1;
                n += 1;
            }
        }
        Ok(n)
    }

    async fn add_rollups(&self, rows: Vec<crate::Rollup>) -> Result<(), StoreError> {
        let mut st = self.lock();
        for (g, r) in crate::rollups::expand(rows) {
            let key = (
                g.ms(),
                r.bucket.0,
                r.workflow,
                r.event_type,
                r.step_name,
                r.step_count,
            );
            let v = st.rollups.entry(key).or_default();
            v.0 += r.count;
            v.1 += r.wall_ms;
        }
        Ok(())
    }

    async fn query_rollups(
        &self,
        q: &crate::RollupQuery,
    ) -> Result<Vec<crate::Rollup>, StoreError> {
        let st = self.lock();
        let width = q.granularity.ms();
        let lo = (
            width,
            q.from.0,
            String::new(),
            String::new(),
            String::new(),
            0,
        );
        let out = st
            .rollups
            .range(lo..)
            .take_while(|(k, _)| k.0 == width && k.1 <= q.to.0)
            .filter(|(k, _)| q.workflows.is_empty() || q.workflows.contains(&k.2))
            .filter(|(k, _)| q.event_types.is_empty() || q.event_types.contains(&k.3))
            .take(q.limit)
            .map(|(k, v)| crate::Rollup {
                bucket: Timestamp(k.1),
                workflow: k.2.clone(),
                event_type: k.3.clone(),
                step_name: k.4.clone(),
                step_count: k.5,
                count: v.0,
                wall_ms: v.1,
            })
            .collect();
        Ok(out)
    }

    async fn prune_rollups(&self, before: Timestamp) -> Result<u64, StoreError> {
        let mut st = self.lock();
        let n = st.rollups.len();
        st.rollups.retain(|k, _| k.1 >= before.0);
        Ok((n - st.rollups.len()) as u64)
    }

    async fn claim_slots(&self, claim: SlotClaim) -> Result<SlotGrant, StoreError> {
        let mut st = self.lock();
        let others: Vec<NodeSlots> = st
            .slots
            .iter()
            .filter(|(n, _)| **n != claim.node)
            .filter(|(n, _)| st.nodes.get(*n).is_some_and(|until| *until > claim.now))
            .map(|(n, (want, holds))| NodeSlots {
                node: n.clone(),
                want: *want,
                holds: *holds,
            })
            .collect();
        let g = crate::slots::grant(&claim, &others);
        st.slots.insert(claim.node, (claim.want, g.holds));
        Ok(g)
    }

    async fn listen(
        &self,
        node: &str,
    ) -> Result<Option<tokio::sync::mpsc::Receiver<crate::Notice>>, StoreError> {
        Ok(Some(self.notices.listen(node)))
    }

    async fn notify(&self, node: &str, payload: String) -> Result<(), StoreError> {
        self.notices.notify(node, payload)
    }

    async fn queue_depth(&self, queue: &str) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .messages
            .values()
            .filter(|m| m.queue == queue)
            .count() as u64)
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
