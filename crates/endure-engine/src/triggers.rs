//! Cron triggers: the task that fires workflow schedules and Worker cron triggers.
//!
//! Each trigger has a key (`workflow:<name>:<expression>`, or `cron:<queue>:<expression>` for
//! a Worker's cron trigger, whose firing is a message its `scheduled` handler consumes). At
//! every wake-up the task looks at each trigger's latest occurrence at or before now; if it is
//! newer than the trigger's last firing it claims it in the store (`Store::claim_firing`, which
//! also creates the instance or sends the message), so each occurrence fires once however many
//! processes share the store. After downtime only the latest missed occurrence fires. A trigger
//! seen for the first time records, without firing it, its latest occurrence before the moment
//! the triggers changed (the engine's start, a definition put), so a restart later still knows
//! which occurrence came last. Time comes from the engine's clock.

use crate::options::{Target, Trigger, firing_id};
use crate::shared::Shared;
use endure_model::{Schedule, Timestamp, TriggerSource};
use endure_store::{FiringClaim, NewInstance, NewMessage};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// How long to wait before trying again after the store failed a claim.
const RETRY_MS: u64 = 1_000;

/// Every trigger this process fires: the schedules of the workflows it runs, and the Worker
/// cron triggers registered with the engine.
fn triggers(shared: &Shared) -> Vec<Trigger> {
    let mut out = shared.cron_triggers.clone();
    for name in shared.workflows.names() {
        if let Some(reg) = shared.workflows.get(&name) {
            for schedule in reg.options.schedules {
                out.push(Trigger {
                    schedule,
                    target: Target::Workflow(name.clone()),
                });
            }
        }
    }
    out
}

pub(crate) async fn run(shared: Arc<Shared>) {
    // Each trigger's last firing, as this process last saw it.
    let mut last: HashMap<String, Timestamp> = HashMap::new();
    loop {
        let changed = shared.triggers_changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let now = shared.clock.now();
        let all = triggers(&shared);
        let keys: Vec<String> = all.iter().map(Trigger::key).collect();
        last.retain(|k, _| keys.contains(k));
        let mut wake: Option<Timestamp> = None;
        let mut soonest = |t: Timestamp| wake = Some(wake.map_or(t, |w: Timestamp| w.min(t)));
        for (trigger, key) in all.iter().zip(keys) {
            if let Some(next) = trigger.schedule.next_after(now) {
                soonest(next);
            }
            let Some(due) = trigger.schedule.latest_at_or_before(now) else {
                continue;
            };
            let mut known = match last.get(&key) {
                Some(t) => Some(*t),
                None => match shared.store.last_firing(&key).await {
                    Ok(t) => t,
                    Err(_) => {
                        soonest(now.plus_ms(RETRY_MS));
                        continue;
                    }
                },
            };
            // First sight of this trigger: its latest occurrence before the triggers changed
            // is recorded without firing, so a restart later knows which one came last.
            if known.is_none() {
                let since = Timestamp(shared.triggers_since.load(Ordering::SeqCst));
                let baseline = trigger.schedule.latest_at_or_before(since.min(now));
                let Some(baseline) = baseline else {
                    continue;
                };
                if claim(&shared, trigger, &key, baseline, now, false)
                    .await
                    .is_err()
                {
                    soonest(now.plus_ms(RETRY_MS));
                    continue;
                }
                known = Some(baseline);
            }
            if known.is_some_and(|k| k >= due) {
                last.insert(key, known.unwrap_or(due));
                continue;
            }
            match claim(&shared, trigger, &key, due, now, true).await {
                Ok(()) => {
                    last.insert(key, due);
                }
                Err(()) => soonest(now.plus_ms(RETRY_MS)),
            }
        }
        match wake {
            Some(at) => {
                tokio::select! {
                    _ = changed => {}
                    _ = shared.clock.sleep_until(at) => {}
                }
            }
            None => changed.await,
        }
    }
}

/// Claims the firing of `trigger` at `due` (making its instance or message when `fire`).
async fn claim(
    shared: &Shared,
    trigger: &Trigger,
    key: &str,
    due: Timestamp,
    now: Timestamp,
    fire: bool,
) -> Result<(), ()> {
    let expression = trigger.schedule.expression().to_string();
    let mut claim = FiringClaim {
        trigger: key.to_string(),
        scheduled: due,
        create: vec![],
        send: vec![],
    };
    let mut workflow = false;
    if fire {
        match &trigger.target {
            Target::Workflow(name) => {
                let Some(reg) = shared.workflows.get(name) else {
                    return Ok(());
                };
                workflow = true;
                claim.create.push(NewInstance {
                    workflow: name.clone(),
                    id: firing_id(&expression, due),
                    params: serde_json::Value::Object(Default::default()),
                    trigger: TriggerSource::Cron,
                    version_id: reg.options.version_id,
                    created_at: now,
                    schedule: Some(Schedule {
                        cron: expression,
                        scheduled_time: due,
                    }),
                    owner: Some(shared.config.node_id.clone()),
                });
            }
            Target::Queue(queue) => {
                let body = serde_json::json!({"cron": expression, "scheduledTime": due.0});
                claim.send.push(NewMessage {
                    queue: queue.clone(),
                    body: body.to_string().into_bytes(),
                    content_type: "json".into(),
                    visible_at: due,
                    created_at: now,
                });
            }
        }
    }
    let queued = shared.queued_reports(&claim.create);
    match shared.store.claim_firing(claim).await {
        Ok(Some(refs)) => {
            shared.report_queued(&queued);
            for r in refs {
                shared.scheduler.enqueue_new(r);
            }
            if fire && !workflow {
                shared.messages_sent.notify_waiters();
            }
            Ok(())
        }
        // Another process fired it.
        Ok(None) => Ok(()),
        // The firing's instance exists already (two expressions that differ only in their
        // time zone firing at the same moment): the occurrence has its instance.
        Err(endure_store::StoreError::AlreadyExists { .. }) => Ok(()),
        Err(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use endure_model::cron::CronSchedule;

    #[test]
    fn keys_name_the_target_and_the_zone() {
        let t = Trigger {
            schedule: CronSchedule::parse("0 * * * *", Some("Europe/Berlin")).unwrap(),
            target: Target::Workflow("wf".into()),
        };
        assert_eq!(t.key(), "workflow:wf:0 * * * * (Europe/Berlin)");
        let q = Trigger {
            schedule: CronSchedule::parse("@daily", None).unwrap(),
            target: Target::Queue("$cron".into()),
        };
        assert_eq!(q.key(), "cron:$cron:@daily");
        assert_eq!(
            firing_id("0 * * * *", Timestamp(1_700_000_000_000)),
            "0 * * * *-1700000000000"
        );
    }
}
