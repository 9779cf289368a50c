//! Which code runs under which workflow name.
//!
//! Code is registered by the process ([`crate::EngineBuilder::register`]); each registration has
//! a name and a class name. A workflow can also be defined or changed at run time
//! ([`crate::Engine::put_workflow`], the REST API's `PUT …/workflows/{name}`): such a definition
//! binds a name to a registered class and sets its step limit and retention. It is
//! stored, so it survives restarts; a stored definition whose class this process does not have
//! is kept in the store and left out until a process with that class starts.

use crate::code::WorkflowCode;
use crate::options::WorkflowOptions;
use endure_model::cron::{CronSchedule, MAX_SCHEDULES};
use endure_model::{ApiError, ErrorCode, Timestamp};
use endure_store::WorkflowRecord;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

/// How long finished instances are kept (`default_retention`), in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_retention: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_retention: Option<u64>,
}

/// What `PUT …/workflows/{name}` sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkflowDefinition {
    /// A class registered with this engine.
    pub class_name: String,
    pub script_name: String,
    /// `limits.steps`; `None` keeps the class's limit.
    pub step_limit: Option<u64>,
    pub retention: Option<Retention>,
    /// Cron schedules; `None` keeps the class's.
    pub schedules: Option<Vec<CronSchedule>>,
}

/// What the engine knows about one workflow name.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowInfo {
    pub name: String,
    pub class_name: String,
    pub script_name: String,
    /// The options runs use now (the class's, with the definition's step limit).
    pub options: WorkflowOptions,
    pub retention: Option<Retention>,
    /// When it was defined through the API (`None`: registered by code only).
    pub defined_at: Option<(Timestamp, Timestamp)>,
}

/// The settings of a record, as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step_limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retention: Option<Retention>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    schedules: Option<Vec<StoredSchedule>>,
}

/// A cron schedule as a record stores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSchedule {
    cron: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
}

/// What a run needs: the code and its options.
pub(crate) struct Registered {
    pub code: Arc<dyn WorkflowCode>,
    pub options: WorkflowOptions,
}

#[derive(Clone)]
struct Class {
    code: Arc<dyn WorkflowCode>,
    options: WorkflowOptions,
}

struct Entry {
    class_name: String,
    /// The code and the options it was registered with.
    base: Class,
    /// Registered by code under this name (not only defined by a record).
    by_code: bool,
    record: Option<WorkflowRecord>,
    settings: Settings,
}

#[derive(Default)]
pub(crate) struct Registry {
    classes: HashMap<String, Class>,
    entries: RwLock<BTreeMap<String, Entry>>,
}

impl Registry {
    /// Registers code under `name` (its class name is `options.class_name`).
    pub fn register(&mut self, name: &str, code: Arc<dyn WorkflowCode>, options: WorkflowOptions) {
        let class_name = options.class_name.clone();
        let base = Class { code, options };
        self.classes
            .entry(class_name.clone())
            .or_insert_with(|| base.clone());
        self.entries_mut().insert(
            name.to_string(),
            Entry {
                class_name,
                base,
                by_code: true,
                record: None,
                settings: Settings::default(),
            },
        );
    }

    fn entries_mut(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Entry>> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }

    fn entries(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Entry>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies stored records at start-up. Records naming a class this process lacks are
    /// skipped (and stay stored).
    pub fn load(&self, records: Vec<WorkflowRecord>) {
        for rec in records {
            let Some(class) = self.classes.get(&rec.class_name) else {
                continue;
            };
            let settings: Settings =
                serde_json::from_value(rec.settings.clone()).unwrap_or_default();
            let mut entries = self.entries_mut();
            match entries.get_mut(&rec.name) {
                // Registered by code: the code stays, the settings change.
                Some(e) if e.by_code => {
                    e.record = Some(rec);
                    e.settings = settings;
                }
                _ => {
                    entries.insert(
                        rec.name.clone(),
                        Entry {
                            class_name: rec.class_name.clone(),
                            base: class.clone(),
                            by_code: false,
                            record: Some(rec),
                            settings,
                        },
                    );
                }
            }
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        self.entries().contains_key(name)
    }

    pub fn names(&self) -> Vec<String> {
        self.entries().keys().cloned().collect()
    }

    /// The code and effective options of `name`.
    pub fn get(&self, name: &str) -> Option<Registered> {
        let entries = self.entries();
        let e = entries.get(name)?;
        Some(Registered {
            code: e.base.code.clone(),
            options: effective(&e.base, &e.settings),
        })
    }

    pub fn info(&self, name: &str) -> Option<WorkflowInfo> {
        let entries = self.entries();
        let e = entries.get(name)?;
        Some(WorkflowInfo {
            name: name.to_string(),
            class_name: e.class_name.clone(),
            script_name: e
                .record
                .as_ref()
                .map(|r| r.script_name.clone())
                .unwrap_or_else(|| "endure".into()),
            options: effective(&e.base, &e.settings),
            retention: e.settings.retention,
            defined_at: e.record.as_ref().map(|r| (r.created_at, r.modified_at)),
        })
    }

    /// Checks a definition against the registered classes and makes its record.
    pub fn record_for(
        &self,
        name: &str,
        def: &WorkflowDefinition,
        now: Timestamp,
    ) -> Result<WorkflowRecord, ApiError> {
        if !self.classes.contains_key(&def.class_name) {
            let mut known: Vec<&str> = self.classes.keys().map(String::as_str).collect();
            known.sort();
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "class_name \"{}\" is not a workflow class of this server (its classes: {})",
                    def.class_name,
                    known.join(", ")
                ),
            ));
        }
        if let Some(e) = self.entries().get(name)
            && e.by_code
            && e.class_name != def.class_name
        {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "Workflow \"{name}\" runs class \"{}\", registered by the server's code; \
                     its class_name cannot change",
                    e.class_name
                ),
            ));
        }
        if def.step_limit == Some(0) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "limits.steps must be at least 1",
            ));
        }
        if let Some(s) = &def.schedules
            && s.len() > MAX_SCHEDULES
        {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "schedules: at most {MAX_SCHEDULES} cron expressions per workflow, got {}",
                    s.len()
                ),
            ));
        }
        let settings = Settings {
            step_limit: def.step_limit,
            retention: def.retention,
            schedules: def.schedules.as_ref().map(|s| {
                s.iter()
                    .map(|c| StoredSchedule {
                        cron: c.expression().to_string(),
                        timezone: c.timezone().map(str::to_string),
                    })
                    .collect()
            }),
        };
        Ok(WorkflowRecord {
            name: name.to_string(),
            class_name: def.class_name.clone(),
            script_name: def.script_name.clone(),
            settings: serde_json::to_value(&settings).unwrap_or_default(),
            created_at: now,
            modified_at: now,
        })
    }

    /// Applies a stored record.
    pub fn apply(&self, rec: WorkflowRecord) {
        self.load(vec![rec]);
    }

    /// Forgets the record of `name`: a name registered by code goes back to its code's
    /// options; a name only defined by a record disappears.
    pub fn remove_record(&self, name: &str) {
        let mut entries = self.entries_mut();
        let Some(e) = entries.get_mut(name) else {
            return;
        };
        if !e.by_code {
            entries.remove(name);
            return;
        }
        e.record = None;
        e.settings = Settings::default();
    }
}

fn effective(class: &Class, settings: &Settings) -> WorkflowOptions {
    let mut o = class.options.clone();
    if let Some(n) = settings.step_limit {
        o.step_limit = n;
    }
    if let Some(s) = &settings.schedules {
        // Stored records were checked when they were put; one that no longer parses (a
        // time zone this build lacks) is left out rather than stopping the engine.
        o.schedules = s
            .iter()
            .filter_map(|s| CronSchedule::parse(&s.cron, s.timezone.as_deref()).ok())
            .collect();
    }
    o
}
