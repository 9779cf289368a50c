//! Cron firings and queue messages: the writer's statements and the readers' queries.

use crate::writer::{backend, create};
use endure_model::Timestamp;
use endure_store::{
    Fence, FiringClaim, InstanceRef, Message, MessageId, NewMessage, Settle, Settlement, StoreError,
};
use rusqlite::{Connection, OptionalExtension, params};

/// Claims a firing: the trigger's row moves forward only if the firing is newer than its last
/// one, and what the firing makes is written in the same transaction.
pub(crate) fn claim(
    c: &Connection,
    claim: FiringClaim,
) -> Result<Option<Vec<InstanceRef>>, StoreError> {
    let moved = c
        .prepare_cached(
            "INSERT INTO firings (trigger, last_at) VALUES (?1, ?2) \
             ON CONFLICT (trigger) DO UPDATE SET last_at = excluded.last_at \
             WHERE firings.last_at < excluded.last_at",
        )
        .map_err(backend)?
        .execute(params![claim.trigger, claim.scheduled.0 as i64])
        .map_err(backend)?;
    if moved == 0 {
        return Ok(None);
    }
    let refs = create(c, claim.create)?;
    send(c, claim.send)?;
    Ok(Some(refs))
}

pub(crate) fn send(c: &Connection, batch: Vec<NewMessage>) -> Result<(), StoreError> {
    let mut ins = c
        .prepare_cached(
            "INSERT INTO messages (queue, body, content_type, visible_at, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend)?;
    for m in batch {
        ins.execute(params![
            m.queue,
            m.body,
            m.content_type,
            m.visible_at.0 as i64,
            m.created_at.0 as i64
        ])
        .map_err(backend)?;
    }
    Ok(())
}

pub(crate) fn take(c: &Connection, t: endure_store::ops::Take) -> Result<Vec<Message>, StoreError> {
    let mut stmt = c
        .prepare_cached(
            "UPDATE messages SET attempts = attempts + 1, lease = lease + 1, leased_until = ?4 \
             WHERE id IN (SELECT id FROM messages WHERE queue = ?1 AND visible_at <= ?2 \
                          AND (leased_until IS NULL OR leased_until <= ?2) ORDER BY id LIMIT ?3) \
             RETURNING id, queue, body, content_type, attempts, created_at, lease",
        )
        .map_err(backend)?;
    let rows = stmt
        .query_map(
            params![
                t.queue,
                t.now.0 as i64,
                t.max as i64,
                t.lease_until.0 as i64
            ],
            |r| {
                Ok(Message {
                    id: MessageId(r.get(0)?),
                    queue: r.get(1)?,
                    body: r.get(2)?,
                    content_type: r.get(3)?,
                    attempts: r.get::<_, i64>(4)? as u32,
                    created_at: Timestamp(r.get::<_, i64>(5)? as u64),
                    lease: Fence(r.get::<_, i64>(6)? as u64),
                })
            },
        )
        .map_err(backend)?;
    let mut out = rows.collect::<Result<Vec<_>, _>>().map_err(backend)?;
    out.sort_by_key(|m| m.id);
    Ok(out)
}

pub(crate) fn settle(c: &Connection, batch: Vec<Settlement>) -> Result<usize, StoreError> {
    let guard = "id = ?1 AND lease = ?2 AND leased_until IS NOT NULL";
    let mut applied = 0;
    for s in batch {
        let (id, lease) = (s.id.0, s.lease.0 as i64);
        let n = match s.settle {
            Settle::Ack => c
                .prepare_cached(&format!("DELETE FROM messages WHERE {guard}"))
                .map_err(backend)?
                .execute(params![id, lease]),
            Settle::Retry { visible_at } => c
                .prepare_cached(&format!(
                    "UPDATE messages SET leased_until = NULL, visible_at = ?3 WHERE {guard}"
                ))
                .map_err(backend)?
                .execute(params![id, lease, visible_at.0 as i64]),
            Settle::Move { queue } => c
                .prepare_cached(&format!(
                    "UPDATE messages SET leased_until = NULL, attempts = 0, queue = ?3 \
                     WHERE {guard}"
                ))
                .map_err(backend)?
                .execute(params![id, lease, queue]),
        }
        .map_err(backend)?;
        applied += n;
    }
    Ok(applied)
}

pub(crate) fn last_firing(c: &Connection, trigger: &str) -> Result<Option<Timestamp>, StoreError> {
    c.prepare_cached("SELECT last_at FROM firings WHERE trigger = ?1")
        .map_err(backend)?
        .query_row(params![trigger], |r| r.get::<_, i64>(0))
        .optional()
        .map_err(backend)
        .map(|t| t.map(|t| Timestamp(t as u64)))
}

pub(crate) fn next_message_at(
    c: &Connection,
    queue: &str,
) -> Result<Option<Timestamp>, StoreError> {
    c.prepare_cached(
        "SELECT min(max(visible_at, coalesce(leased_until, 0))) FROM messages WHERE queue = ?1",
    )
    .map_err(backend)?
    .query_row(params![queue], |r| r.get::<_, Option<i64>>(0))
    .map_err(backend)
    .map(|t| t.map(|t| Timestamp(t as u64)))
}

pub(crate) fn depth(c: &Connection, queue: &str) -> Result<u64, StoreError> {
    c.prepare_cached("SELECT count(*) FROM messages WHERE queue = ?1")
        .map_err(backend)?
        .query_row(params![queue], |r| r.get::<_, i64>(0))
        .map_err(backend)
        .map(|n| n as u64)
}

/// Ends every message lease ([`endure_store::Store::release_message_leases`]).
pub(crate) fn release(c: &Connection) -> Result<u64, StoreError> {
    c.prepare_cached(
        "UPDATE messages SET leased_until = NULL, lease = lease + 1 WHERE leased_until IS NOT NULL",
    )
    .and_then(|mut s| s.execute([]))
    .map(|n| n as u64)
    .map_err(backend)
}
