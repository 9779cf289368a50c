//! A Worker project's configuration: `wrangler.jsonc`, `wrangler.json` or `wrangler.toml`.
//!
//! Endure reads what it runs (`name`, `main`, `compatibility_date`, `compatibility_flags`,
//! `vars`, `[[workflows]]`, `triggers.crons`). Every other key, and every compatibility flag it
//! does not act on, is reported once in [`ProjectConfig::ignored`] and otherwise ignored.

use endure_model::cron::{CronSchedule, MAX_SCHEDULES};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The file names looked for, in order.
pub const CONFIG_FILES: [&str; 3] = ["wrangler.jsonc", "wrangler.json", "wrangler.toml"];

/// One `[[workflows]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkflowEntry {
    pub name: String,
    pub binding: String,
    pub class_name: String,
    /// Another Worker's script that defines the class (unsupported: it must be this project's).
    pub script_name: Option<String>,
    pub step_limit: Option<u64>,
    /// Cron schedules: each firing creates an instance.
    pub schedules: Vec<CronSchedule>,
}

/// A resource binding Endure provides locally (kept in the state directory).
#[derive(Debug, Clone, PartialEq)]
pub enum ResourceBinding {
    /// `[[r2_buckets]]`: an object store (a directory per bucket).
    R2 { binding: String, bucket: String },
    /// `[[d1_databases]]`: a SQLite database (a file per database).
    D1 {
        binding: String,
        database: String,
        /// `migrations_dir` (default `migrations`), for `endure d1 migrations`.
        migrations_dir: Option<String>,
    },
    /// `queues.producers[]`: sends messages to a queue (kept in Endure's store).
    Queue {
        binding: String,
        queue: String,
        delivery_delay_s: u64,
    },
    /// `[[kv_namespaces]]`: a Workers KV namespace (a SQLite file per namespace `id`).
    Kv { binding: String, namespace: String },
    /// `[[services]]` naming this project: its default export or a named entrypoint.
    Service {
        binding: String,
        entrypoint: Option<String>,
    },
    /// `[[send_email]]`: outgoing mail, written as `.eml` files.
    SendEmail {
        binding: String,
        destination: Option<String>,
        allowed: Vec<String>,
    },
}

/// A binding of a kind Endure cannot serve (yet, or ever: some only Cloudflare's network
/// serves). It is on `env` all the same, and any use of it throws an error that names it, so a
/// project never meets a silent `undefined`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnservedBinding {
    pub binding: String,
    /// What it is, as Cloudflare names it (`Workers AI`, `Vectorize`, …).
    pub kind: &'static str,
    /// Why Endure does not serve it.
    pub why: &'static str,
}

const CLOUD_ONLY: &str = "only Cloudflare's network serves it, so Endure cannot run it locally";
const NOT_YET: &str = "Endure does not serve it yet";
const OTHER_WORKER: &str = "it names another Worker, and Endure serves one project per process (service bindings to this project's own entrypoints work)";

/// Configuration keys whose entries are bindings Endure does not serve: (key, shape, kind,
/// why). Shape: `one` (an object with `binding`), `list` (objects with `binding`), or a nested
/// path to a list (`durable_objects.bindings`, `queues.producers`).
const UNSERVED: [(&str, &str, &str, &str); 13] = [
    ("ai", "one", "Workers AI", CLOUD_ONLY),
    ("vectorize", "list", "Vectorize", CLOUD_ONLY),
    ("browser", "one", "Browser Rendering", CLOUD_ONLY),
    ("hyperdrive", "list", "Hyperdrive", CLOUD_ONLY),
    (
        "analytics_engine_datasets",
        "list",
        "Workers Analytics Engine",
        CLOUD_ONLY,
    ),
    ("mtls_certificates", "list", "mTLS certificate", CLOUD_ONLY),
    (
        "dispatch_namespaces",
        "list",
        "dispatch namespace",
        CLOUD_ONLY,
    ),
    ("images", "one", "Images", CLOUD_ONLY),
    ("secrets_store_secrets", "list", "Secrets Store", CLOUD_ONLY),
    ("pipelines", "list", "Pipelines", CLOUD_ONLY),
    ("version_metadata", "one", "version metadata", NOT_YET),
    ("services", "list", "service", OTHER_WORKER),
    (
        "durable_objects",
        "durable_objects.bindings",
        "Durable Object namespace",
        NOT_YET,
    ),
];

/// `alias` (`{"pkg": "other-pkg", "utils": "./src/utils"}`), `define` (`{"__VERSION__":
/// "\"1.0\""}`) and `rules` (`[{"type": "Text", "globs": ["**/*.md"]}]`).
fn load_options(
    obj: &Map<String, Value>,
    base: &Path,
) -> Result<crate::modules::LoadOptions, String> {
    use crate::modules::ModuleKind;
    let mut o = crate::modules::LoadOptions::default();
    let strings = |key: &str| -> Result<Vec<(String, String)>, String> {
        match obj.get(key) {
            None => Ok(vec![]),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    v.as_str()
                        .map(|s| (k.clone(), s.to_string()))
                        .ok_or_else(|| format!("{key}.{k} must be a string"))
                })
                .collect(),
            Some(_) => Err(format!("\"{key}\" must be an object of strings")),
        }
    };
    for (from, to) in strings("alias")? {
        let to = if to.starts_with("./") || to.starts_with("../") {
            base.join(&to).display().to_string()
        } else {
            to
        };
        o.alias.push((from, to));
    }
    // Longer aliases first, so `a/b` wins over `a`.
    o.alias.sort_by_key(|a| std::cmp::Reverse(a.0.len()));
    o.define = strings("define")?;
    if let Some(rules) = obj.get("rules") {
        for (i, r) in rules
            .as_array()
            .ok_or("\"rules\" must be a list of objects")?
            .iter()
            .enumerate()
        {
            let kind = match r["type"].as_str() {
                Some("Text") => ModuleKind::Text,
                Some("Data") => ModuleKind::Data,
                Some("CompiledWasm") => ModuleKind::CompiledWasm,
                other => {
                    return Err(format!(
                        "rules[{i}].type {other:?} is not one Endure loads (Text, Data, CompiledWasm)"
                    ));
                }
            };
            for g in r["globs"].as_array().map(Vec::as_slice).unwrap_or_default() {
                let g = g
                    .as_str()
                    .ok_or_else(|| format!("rules[{i}].globs must be strings"))?;
                o.rules.push((g.to_string(), kind));
            }
        }
    }
    Ok(o)
}

fn unserved(obj: &Map<String, Value>) -> Result<Vec<UnservedBinding>, String> {
    let mut out = vec![];
    for (key, shape, kind, why) in UNSERVED {
        let Some(v) = obj.get(key) else { continue };
        let (entries, name_field): (Vec<&Value>, &str) = match shape {
            "one" => (vec![v], "binding"),
            "list" => (
                v.as_array()
                    .ok_or_else(|| format!("\"{key}\" must be a list of objects"))?
                    .iter()
                    .collect(),
                "binding",
            ),
            nested => {
                let sub = nested.split_once('.').map_or("", |(_, s)| s);
                let list = v.get(sub).map(|l| {
                    l.as_array()
                        .ok_or_else(|| format!("\"{nested}\" must be a list of objects"))
                });
                match list {
                    None => (vec![], "name"),
                    Some(l) => (
                        l?.iter().collect(),
                        if key == "durable_objects" {
                            "name"
                        } else {
                            "binding"
                        },
                    ),
                }
            }
        };
        for (i, e) in entries.into_iter().enumerate() {
            let binding = e
                .get(name_field)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{key}[{i}].{name_field} is required"))?;
            out.push(UnservedBinding {
                binding: binding.to_string(),
                kind,
                why,
            });
        }
    }
    Ok(out)
}

impl ResourceBinding {
    pub fn binding(&self) -> &str {
        match self {
            ResourceBinding::R2 { binding, .. }
            | ResourceBinding::D1 { binding, .. }
            | ResourceBinding::Kv { binding, .. }
            | ResourceBinding::Service { binding, .. }
            | ResourceBinding::SendEmail { binding, .. }
            | ResourceBinding::Queue { binding, .. } => binding,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectConfig {
    /// The file it came from.
    pub path: PathBuf,
    pub name: String,
    /// The entry module, relative to the project directory.
    pub main: PathBuf,
    pub compatibility_date: Option<String>,
    pub compatibility_flags: Vec<String>,
    /// `vars`: plain values put on `env`.
    pub vars: Map<String, Value>,
    pub workflows: Vec<WorkflowEntry>,
    /// R2, D1 and send-email bindings.
    pub resources: Vec<ResourceBinding>,
    /// Bindings Endure does not serve: on `env`, throwing when used, named at start-up.
    pub unserved: Vec<UnservedBinding>,
    /// `assets`: static files served beside the Worker.
    pub assets: Option<crate::assets::AssetsConfig>,
    /// `alias`, `define` and `rules`: how modules load.
    pub load: crate::modules::LoadOptions,
    /// `triggers.crons`: each firing runs the default export's `scheduled` handler.
    pub crons: Vec<CronSchedule>,
    /// `queues.consumers`: queues the default export's `queue` handler consumes.
    pub queue_consumers: Vec<crate::queue_config::QueueConsumer>,
    /// Keys and flags that were present but are not acted on, for one report at start-up.
    pub ignored: Vec<String>,
}

/// A configuration that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

/// Compatibility flags Endure acts on or that change nothing here.
const KNOWN_FLAGS: [&str; 3] = [
    "nodejs_compat",
    "nodejs_als",
    "workflows_preserve_non_retryable_error_message",
];

const KNOWN_KEYS: [&str; 19] = [
    "queues",
    "assets",
    "alias",
    "define",
    "rules",
    "find_additional_modules",
    "r2_buckets",
    "kv_namespaces",
    "d1_databases",
    "send_email",
    "$schema",
    "name",
    "main",
    "compatibility_date",
    "compatibility_flags",
    "vars",
    "workflows",
    "triggers",
    "observability",
];

/// Finds the configuration file of the project in `dir`, if there is one.
pub fn find(dir: &Path) -> Option<PathBuf> {
    CONFIG_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// Reads and checks a configuration file.
pub fn load(path: &Path) -> Result<ProjectConfig, ConfigError> {
    let err = |message: String| ConfigError {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let dev_vars = path
        .parent()
        .map(|d| d.join(".dev.vars"))
        .and_then(|p| std::fs::read_to_string(p).ok())
        .map(|t| parse_dev_vars(&t))
        .unwrap_or_default();
    let value: Value = if path.extension().is_some_and(|e| e == "toml") {
        let t: toml::Value =
            toml::from_str(&text).map_err(|e| err(format!("invalid TOML: {e}")))?;
        serde_json::to_value(t).map_err(|e| err(e.to_string()))?
    } else {
        parse_jsonc(&text).map_err(|e| err(format!("invalid JSON: {e}")))?
    };
    let mut config = parse(path, &value).map_err(err)?;
    config.vars.extend(dev_vars);
    Ok(config)
}

fn parse(path: &Path, v: &Value) -> Result<ProjectConfig, String> {
    let obj = v.as_object().ok_or("the configuration must be an object")?;
    let mut ignored = vec![];
    for k in obj.keys() {
        if !KNOWN_KEYS.contains(&k.as_str()) && !UNSERVED.iter().any(|u| u.0 == k) {
            ignored.push(format!("key \"{k}\""));
        }
    }
    let string = |key: &str| -> Result<Option<String>, String> {
        match obj.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("\"{key}\" must be a string")),
        }
    };
    let name = string("name")?.unwrap_or_else(|| "worker".into());
    let main = string("main")?.ok_or("\"main\" (the entry module) is required")?;
    let compatibility_flags: Vec<String> = match obj.get("compatibility_flags") {
        None => vec![],
        Some(Value::Array(a)) => a
            .iter()
            .map(|f| f.as_str().map(String::from))
            .collect::<Option<_>>()
            .ok_or("\"compatibility_flags\" must be a list of strings")?,
        Some(_) => return Err("\"compatibility_flags\" must be a list of strings".into()),
    };
    for f in &compatibility_flags {
        if !KNOWN_FLAGS.contains(&f.as_str()) {
            ignored.push(format!("compatibility flag \"{f}\""));
        }
    }
    let vars = match obj.get("vars") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("\"vars\" must be an object".into()),
    };
    let mut workflows = vec![];
    if let Some(list) = obj.get("workflows") {
        let list = list
            .as_array()
            .ok_or("\"workflows\" must be a list of objects")?;
        for (i, w) in list.iter().enumerate() {
            workflows.push(workflow_entry(i, w, &mut ignored)?);
        }
    }
    let name_for_services = obj.get("name").and_then(Value::as_str).unwrap_or("worker");
    let mut resources = resources(obj)?;
    let mut unserved = unserved(obj)?;
    // Service bindings to this very Worker are served (its own entrypoints, RPC included).
    if let Some(list) = obj.get("services").and_then(Value::as_array) {
        for s in list {
            let (Some(binding), Some(service)) = (
                s.get("binding").and_then(Value::as_str),
                s.get("service").and_then(Value::as_str),
            ) else {
                continue;
            };
            if service == name_for_services {
                unserved.retain(|u| u.binding != binding);
                resources.push(ResourceBinding::Service {
                    binding: binding.to_string(),
                    entrypoint: s
                        .get("entrypoint")
                        .and_then(Value::as_str)
                        .map(String::from),
                });
            }
        }
    }
    let mut queue_consumers = vec![];
    if let Some(q) = obj.get("queues") {
        let (producers, consumers) = crate::queue_config::parse(q, &mut ignored)?;
        for p in producers {
            resources.push(ResourceBinding::Queue {
                binding: p.binding,
                queue: p.queue,
                delivery_delay_s: p.delivery_delay_s,
            });
        }
        queue_consumers = consumers;
    }
    let mut load = load_options(obj, path.parent().unwrap_or(Path::new(".")))?;
    // workerd offers `AsyncLocalStorage` under either flag; Endure then carries it across awaits.
    load.async_context = compatibility_flags
        .iter()
        .any(|f| f == "nodejs_compat" || f == "nodejs_als");
    let assets = match obj.get("assets") {
        None => None,
        Some(a) => Some(crate::assets::AssetsConfig::parse(
            a,
            path.parent().unwrap_or(Path::new(".")),
        )?),
    };
    let mut crons = vec![];
    if let Some(t) = obj.get("triggers") {
        if let Some(c) = t.get("crons") {
            crons = cron_list("triggers.crons", c)?;
        }
        for k in t.as_object().into_iter().flat_map(|o| o.keys()) {
            if k != "crons" {
                ignored.push(format!("key \"triggers.{k}\""));
            }
        }
    }
    Ok(ProjectConfig {
        path: path.to_path_buf(),
        name,
        main: PathBuf::from(main),
        compatibility_date: string("compatibility_date")?,
        compatibility_flags,
        vars,
        workflows,
        resources,
        unserved,
        assets,
        load,
        crons,
        queue_consumers,
        ignored,
    })
}

fn resources(obj: &Map<String, Value>) -> Result<Vec<ResourceBinding>, String> {
    let mut out = vec![];
    let list = |key: &str| -> Result<Vec<Map<String, Value>>, String> {
        match obj.get(key) {
            None => Ok(vec![]),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_object().cloned())
                .collect::<Option<_>>()
                .ok_or_else(|| format!("\"{key}\" must be a list of objects")),
            Some(_) => Err(format!("\"{key}\" must be a list of objects")),
        }
    };
    let field = |key: &str, i: usize, o: &Map<String, Value>, f: &str| -> Result<String, String> {
        o.get(f)
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| format!("{key}[{i}].{f} is required"))
    };
    for (i, o) in list("r2_buckets")?.iter().enumerate() {
        out.push(ResourceBinding::R2 {
            binding: field("r2_buckets", i, o, "binding")?,
            bucket: field("r2_buckets", i, o, "bucket_name")?,
        });
    }
    for (i, o) in list("d1_databases")?.iter().enumerate() {
        let binding = field("d1_databases", i, o, "binding")?;
        let database = o
            .get("database_name")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| binding.clone());
        let migrations_dir = o
            .get("migrations_dir")
            .and_then(Value::as_str)
            .map(String::from);
        out.push(ResourceBinding::D1 {
            binding,
            database,
            migrations_dir,
        });
    }
    for (i, o) in list("kv_namespaces")?.iter().enumerate() {
        let binding = field("kv_namespaces", i, o, "binding")?;
        let namespace = o
            .get("id")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| binding.clone());
        out.push(ResourceBinding::Kv { binding, namespace });
    }
    for (i, o) in list("send_email")?.iter().enumerate() {
        out.push(ResourceBinding::SendEmail {
            binding: field("send_email", i, o, "name")?,
            destination: o
                .get("destination_address")
                .and_then(Value::as_str)
                .map(String::from),
            allowed: o
                .get("allowed_destination_addresses")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    for r in &out {
        let name = r.binding();
        let safe = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
        if !safe {
            return Err(format!(
                "binding name {name:?} may use only letters, digits, _ - ."
            ));
        }
    }
    Ok(out)
}

fn workflow_entry(i: usize, w: &Value, ignored: &mut Vec<String>) -> Result<WorkflowEntry, String> {
    let o = w
        .as_object()
        .ok_or_else(|| format!("workflows[{i}] must be an object"))?;
    let s = |k: &str| -> Result<Option<String>, String> {
        match o.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("workflows[{i}].{k} must be a string")),
        }
    };
    let name = s("name")?.ok_or_else(|| format!("workflows[{i}].name is required"))?;
    let binding = s("binding")?.ok_or_else(|| format!("workflows[{i}].binding is required"))?;
    let class_name =
        s("class_name")?.ok_or_else(|| format!("workflows[{i}].class_name is required"))?;
    let step_limit =
        match o.get("limits").and_then(|l| l.get("steps")) {
            None => None,
            Some(n) => Some(n.as_u64().filter(|n| *n >= 1).ok_or_else(|| {
                format!("workflows[{i}].limits.steps must be a positive integer")
            })?),
        };
    let schedules = match o.get("schedules") {
        None => vec![],
        Some(v) => cron_list(&format!("workflows[{i}].schedules"), v)?,
    };
    for k in o.keys() {
        if ![
            "name",
            "binding",
            "class_name",
            "script_name",
            "limits",
            "schedules",
        ]
        .contains(&k.as_str())
        {
            ignored.push(format!("key \"workflows[{i}].{k}\""));
        }
    }
    Ok(WorkflowEntry {
        name,
        binding,
        class_name,
        script_name: s("script_name")?,
        step_limit,
        schedules,
    })
}

/// Cron expressions as wrangler takes them: a string or a list, each entry a string or (an
/// Endure extension) `{cron, timezone}`. Each is parsed now, so a bad one stops the load with
/// its reason and where it is.
fn cron_list(at: &str, v: &Value) -> Result<Vec<CronSchedule>, String> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        one => vec![one],
    };
    if items.len() > MAX_SCHEDULES {
        return Err(format!(
            "\"{at}\": at most {MAX_SCHEDULES} cron expressions, got {}",
            items.len()
        ));
    }
    let mut out: Vec<CronSchedule> = vec![];
    for (k, item) in items.into_iter().enumerate() {
        let (cron, tz) = match item {
            Value::String(c) => (c.as_str(), None),
            Value::Object(m) => (
                m.get("cron").and_then(Value::as_str).ok_or_else(|| {
                    format!("\"{at}[{k}]\" must be a cron string or {{\"cron\": …}}")
                })?,
                match m.get("timezone") {
                    None => None,
                    Some(t) => Some(t.as_str().ok_or_else(|| {
                        format!("\"{at}[{k}].timezone\" must be an IANA time zone name")
                    })?),
                },
            ),
            _ => return Err(format!("\"{at}[{k}]\" must be a cron string")),
        };
        let parsed = CronSchedule::parse(cron, tz).map_err(|e| format!("\"{at}[{k}]\": {e}"))?;
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    Ok(out)
}

/// `.dev.vars` (as `wrangler dev` reads it): `KEY=VALUE` lines, `#` comments, values optionally
/// in single or double quotes. Secrets for local development; they join `vars` (and win).
pub fn parse_dev_vars(text: &str) -> Map<String, Value> {
    let mut out = Map::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"'))
                || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            v
        };
        out.insert(k.trim().to_string(), Value::String(v.replace("\\n", "\n")));
    }
    out
}

/// Parses `wrangler.jsonc` / `wrangler.json` as wrangler does: JSON with comments anywhere and
/// trailing commas (also before a comment), by the `jsonc-parser` crate. Everything else JSON
/// forbids (single quotes, bare keys, hexadecimal numbers) is still an error, with its line and
/// column.
pub fn parse_jsonc(text: &str) -> Result<Value, String> {
    let options = jsonc_parser::ParseOptions {
        allow_comments: true,
        allow_trailing_commas: true,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let v: Option<Value> =
        jsonc_parser::parse_to_serde_value(text, &options).map_err(|e| e.to_string())?;
    v.ok_or_else(|| "the file is empty".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_vars() {
        let v = parse_dev_vars("# secrets\nA=1\nB=\"two words\"\nexport C='x'\nbad line\n");
        assert_eq!(v["A"], "1");
        assert_eq!(v["B"], "two words");
        assert_eq!(v["C"], "x");
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn jsonc_comments_and_trailing_commas() {
        let text = r#"{
            // a comment
            "name": "a // not a comment", /* block */
            "list": [1, 2,],
        }"#;
        let v = parse_jsonc(text).unwrap();
        assert_eq!(v["name"], "a // not a comment");
        assert_eq!(v["list"], serde_json::json!([1, 2]));
    }

    /// The shapes Cloudflare's templates use: a comment line before the object, a `$schema`
    /// key, trailing commas followed by a comment on the same line, before `}` and before `]`,
    /// comments between entries and after the closing brace.
    #[test]
    fn template_style_jsonc_loads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("wrangler.jsonc");
        std::fs::write(
            &p,
            "// tag line before the object\n\
             //$schema: \"node_modules/wrangler/config-schema.json\"\n\
             {\n\
             \t\"$schema\": \"node_modules/wrangler/config-schema.json\",\n\
             \t\"name\": \"starter\",\n\
             \t\"main\": \"src/index.ts\", /* entry */\n\
             \t\"compatibility_date\": \"2024-10-22\",\n\
             \n\
             \t\"observability\": {\n\
             \t\t\"enabled\": true,\n\
             \t\t\"head_sampling_rate\": 1, // optional\n\
             \t},\n\
             \t// the binding\n\
             \t\"workflows\": [\n\
             \t\t{\n\
             \t\t\t// the workflow's name\n\
             \t\t\t\"name\": \"starter\",\n\
             \t\t\t\"binding\": \"MY_WORKFLOW\", // env.MY_WORKFLOW\n\
             \t\t\t\"class_name\": \"MyWorkflow\",\n\
             \t\t}, // one entry\n\
             \t],\n\
             \t\"vars\": { \"A\": \"x, // not a comment\" }, // vars\n\
             }\n\
             // closing tag\n",
        )
        .unwrap();
        let c = load(&p).unwrap();
        assert_eq!(c.name, "starter");
        assert_eq!(c.workflows.len(), 1);
        assert_eq!(c.workflows[0].binding, "MY_WORKFLOW");
        assert_eq!(c.workflows[0].class_name, "MyWorkflow");
        assert_eq!(c.vars["A"], "x, // not a comment");
        assert!(c.ignored.is_empty(), "{:?}", c.ignored);
    }

    #[test]
    fn bindings_endure_does_not_serve_are_named() {
        let v = serde_json::json!({
            "main": "a.js",
            "ai": {"binding": "AI"},
            "vectorize": [{"binding": "CACHE", "index_name": "1"}, {"binding": "SESSIONS", "index_name": "2"}],
            "durable_objects": {"bindings": [{"name": "ROOM", "class_name": "Room"}]},
            "queues": {"producers": [{"binding": "JOBS", "queue": "jobs"}], "consumers": []},
        });
        let c = parse(Path::new("wrangler.json"), &v).unwrap();
        let names: Vec<(&str, &str)> = c
            .unserved
            .iter()
            .map(|u| (u.binding.as_str(), u.kind))
            .collect();
        assert_eq!(
            names,
            [
                ("AI", "Workers AI"),
                ("CACHE", "Vectorize"),
                ("SESSIONS", "Vectorize"),
                ("ROOM", "Durable Object namespace"),
            ]
        );
        assert!(c.ignored.is_empty(), "{:?}", c.ignored);
        let bad = serde_json::json!({"main": "a.js", "vectorize": [{"index_name": "x"}]});
        let e = parse(Path::new("wrangler.json"), &bad).unwrap_err();
        assert_eq!(e, "vectorize[0].binding is required");
    }

    #[test]
    fn jsonc_errors_name_line_and_column() {
        for (text, says) in [
            ("{\n  'name': 1\n}", "line 2"),
            ("{\n  name: 1\n}", "line 2"),
            ("{\"a\": 1 \"b\": 2}", "line 1"),
            ("{\"a\": 0x10}", "line 1"),
            ("", "empty"),
            ("{} {}", "more than one"),
        ] {
            let e = parse_jsonc(text).unwrap_err();
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }

    #[test]
    fn the_seed_configs_parse() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("wrangler.jsonc");
        std::fs::write(
            &p,
            r#"{
  "name": "my-project",
  "main": "src/index.ts",
  "compatibility_date": "2025-02-11",
  "compatibility_flags": ["nodejs_compat", "something_new"],
  "observability": {"enabled": true},
  "routes": [],
  "workflows": [
    { "name": "workflows-starter", "binding": "MY_WORKFLOW", "class_name": "MyWorkflow", "limits": {"steps": 50} }
  ]
}"#,
        )
        .unwrap();
        let c = load(&p).unwrap();
        assert_eq!(c.main, PathBuf::from("src/index.ts"));
        assert_eq!(c.workflows[0].binding, "MY_WORKFLOW");
        assert_eq!(c.workflows[0].step_limit, Some(50));
        assert_eq!(
            c.ignored,
            ["key \"routes\"", "compatibility flag \"something_new\""]
        );
        let t = dir.path().join("wrangler.toml");
        std::fs::write(
            &t,
            r#"
name = "backup"
main = "src/index.ts"
compatibility_date = "2024-09-02"
compatibility_flags = [ "nodejs_compat" ]
[vars]
ACCOUNT = "x"
[[workflows]]
name = "backup-workflow"
binding = "BACKUP_WORKFLOW"
class_name = "BackupWorkflow"
[triggers]
crons = [ "0 0 * * *" ]
"#,
        )
        .unwrap();
        let c = load(&t).unwrap();
        assert_eq!(c.crons.len(), 1);
        assert_eq!(c.crons[0].expression(), "0 0 * * *");
        assert_eq!(c.vars["ACCOUNT"], "x");
        assert!(c.ignored.is_empty(), "{:?}", c.ignored);
    }

    #[test]
    fn schedules_take_a_string_a_list_or_objects_with_a_time_zone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("wrangler.jsonc");
        std::fs::write(
            &p,
            r#"{
              "main": "a.js",
              // one string, as wrangler allows
              "workflows": [
                {"name": "a", "binding": "A", "class_name": "A", "schedules": "@hourly"},
                {"name": "b", "binding": "B", "class_name": "B",
                 "schedules": ["0 9 * * MON", {"cron": "0 9 * * *", "timezone": "Europe/Berlin"}, "0 9 * * MON"]}
              ],
              "triggers": {"crons": "0 0 * * *"}
            }"#,
        )
        .unwrap();
        let c = load(&p).unwrap();
        let shown = |v: &[CronSchedule]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(shown(&c.workflows[0].schedules), ["@hourly"]);
        assert_eq!(
            shown(&c.workflows[1].schedules),
            ["0 9 * * MON", "0 9 * * * (Europe/Berlin)"],
            "duplicates are dropped"
        );
        assert_eq!(shown(&c.crons), ["0 0 * * *"]);
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("wrangler.json");
        for (text, says) in [
            ("{", "invalid JSON"),
            ("[]", "must be an object"),
            ("{}", "\"main\""),
            (
                r#"{"main": "a.js", "workflows": [{"name": "x"}]}"#,
                "binding is required",
            ),
            (
                r#"{"main": "a.js", "workflows": [{"name": "x", "binding": "X", "class_name": "C", "limits": {"steps": 0}}]}"#,
                "limits.steps",
            ),
            (
                r#"{"main": "a.js", "workflows": [{"name": "x", "binding": "X", "class_name": "C", "schedules": ["0 * * * *", "0 25 * * *"]}]}"#,
                "\"workflows[0].schedules[1]\": Invalid cron expression \"0 25 * * *\"",
            ),
            (
                r#"{"main": "a.js", "triggers": {"crons": ["*/5 * * *"]}}"#,
                "\"triggers.crons[0]\": Invalid cron expression \"*/5 * * *\": expected 5 fields",
            ),
            (
                r#"{"main": "a.js", "triggers": {"crons": [7]}}"#,
                "\"triggers.crons[0]\" must be a cron string",
            ),
            (
                r#"{"main": "a.js", "triggers": {"crons": [{"cron": "@daily", "timezone": "Nowhere/Town"}]}}"#,
                "unknown time zone",
            ),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = load(&p).unwrap_err();
            assert!(e.to_string().contains(says), "{text}: {e}");
        }
    }
}
