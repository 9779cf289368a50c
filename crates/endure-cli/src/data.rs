//! `endure d1 …`, `endure kv …`, `endure r2 …`: a Worker project's local data, as wrangler's
//! `--local` commands handle it, on the files the project's bindings use in its state
//! directory (`endure dev` may be running meanwhile).

use endure_js::config::{self, ProjectConfig, ResourceBinding};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Where {
    /// The Worker project's directory (with its wrangler configuration).
    #[arg(long, default_value = ".", global = true)]
    dir: PathBuf,
    /// The project's state directory (default: `.endure` in the project, as `endure dev`).
    #[arg(long, global = true)]
    state_dir: Option<PathBuf>,
}

impl Where {
    fn load(&self) -> Result<(ProjectConfig, PathBuf), String> {
        let file = config::find(&self.dir).ok_or_else(|| {
            format!(
                "{} is not a Worker project (no wrangler.jsonc, wrangler.json or wrangler.toml)",
                self.dir.display()
            )
        })?;
        let c = config::load(&file).map_err(|e| e.to_string())?;
        let state = self
            .state_dir
            .clone()
            .unwrap_or_else(|| self.dir.join(crate::default_state_dir()));
        Ok((c, state))
    }
}

#[derive(clap::Args)]
pub struct D1Args {
    #[command(flatten)]
    at: Where,
    #[command(subcommand)]
    command: D1Cmd,
}

#[derive(clap::Subcommand)]
enum D1Cmd {
    /// Run SQL on a D1 database (all statements in one transaction).
    Execute {
        /// The database's `database_name` or binding.
        database: String,
        #[arg(long, conflicts_with = "file")]
        command: Option<String>,
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List or apply the migrations in the database's `migrations_dir`.
    Migrations {
        #[command(subcommand)]
        action: Migrations,
    },
}

#[derive(clap::Subcommand)]
enum Migrations {
    /// Each migration file and whether it is applied.
    List { database: String },
    /// Apply the migrations not applied yet, in order.
    Apply { database: String },
}

#[derive(clap::Args)]
pub struct KvArgs {
    #[command(flatten)]
    at: Where,
    #[command(subcommand)]
    command: KvCmd,
}

#[derive(clap::Subcommand)]
enum KvCmd {
    /// Keys of a KV namespace.
    Key {
        #[command(subcommand)]
        action: KvKey,
    },
}

#[derive(clap::Subcommand)]
enum KvKey {
    Put {
        key: String,
        value: String,
        /// The namespace's binding (or id).
        #[arg(long)]
        binding: String,
        /// Seconds to live (at least 60).
        #[arg(long)]
        ttl: Option<u64>,
        /// Seconds since the epoch when the key expires.
        #[arg(long)]
        expiration: Option<u64>,
        /// JSON metadata (at most 1 KiB).
        #[arg(long)]
        metadata: Option<String>,
    },
    Get {
        key: String,
        #[arg(long)]
        binding: String,
    },
    List {
        #[arg(long)]
        binding: String,
        #[arg(long)]
        prefix: Option<String>,
    },
    Delete {
        key: String,
        #[arg(long)]
        binding: String,
    },
}

#[derive(clap::Args)]
pub struct R2Args {
    #[command(flatten)]
    at: Where,
    #[command(subcommand)]
    command: R2Cmd,
}

#[derive(clap::Subcommand)]
enum R2Cmd {
    /// Objects of an R2 bucket, named `BUCKET/KEY`.
    Object {
        #[command(subcommand)]
        action: R2Object,
    },
}

#[derive(clap::Subcommand)]
enum R2Object {
    Put {
        path: String,
        #[arg(long)]
        file: PathBuf,
        #[arg(long)]
        content_type: Option<String>,
    },
    /// Writes the object to `--file`, or to standard output.
    Get {
        path: String,
        #[arg(long)]
        file: Option<PathBuf>,
    },
    Delete {
        path: String,
    },
}

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("✘ {msg}");
    ExitCode::from(crate::commands::client::EXIT_USAGE)
}

pub fn d1(args: D1Args) -> ExitCode {
    let (c, state) = match args.at.load() {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let find = |name: &str| endure_js::local::D1::find(&c, &state, name);
    match args.command {
        D1Cmd::Execute {
            database,
            command,
            file,
            json,
        } => {
            let sql = match (command, file) {
                (Some(s), _) => s,
                (None, Some(f)) => match std::fs::read_to_string(&f) {
                    Ok(s) => s,
                    Err(e) => return fail(format!("cannot read {}: {e}", f.display())),
                },
                (None, None) => return fail("give the SQL with --command or --file"),
            };
            let db = match find(&database) {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            match db.execute(&sql) {
                Ok(results) if json => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&results).unwrap_or_default()
                    );
                    ExitCode::SUCCESS
                }
                Ok(results) => {
                    for r in &results {
                        print_rows(&r["results"]);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("✘ {e} (nothing was changed)");
                    ExitCode::from(crate::commands::client::EXIT_API_ERROR)
                }
            }
        }
        D1Cmd::Migrations { action } => {
            let (name, apply) = match &action {
                Migrations::List { database } => (database, false),
                Migrations::Apply { database } => (database, true),
            };
            let db = match find(name) {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            if apply {
                match db.apply_migrations() {
                    Ok(done) if done.is_empty() => println!("✅ No migrations to apply."),
                    Ok(done) => {
                        for n in done {
                            println!("✅ {n}");
                        }
                    }
                    Err(e) => {
                        eprintln!("✘ {e}");
                        return ExitCode::from(crate::commands::client::EXIT_API_ERROR);
                    }
                }
                return ExitCode::SUCCESS;
            }
            match db.migrations() {
                Ok(list) => {
                    let rows = list
                        .into_iter()
                        .map(|(n, done)| vec![n, if done { "applied" } else { "pending" }.into()])
                        .collect();
                    println!(
                        "{}",
                        crate::commands::client::table(&["Name", "Status"], rows)
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

fn print_rows(results: &Value) {
    let rows = results.as_array().cloned().unwrap_or_default();
    let Some(first) = rows.first().and_then(Value::as_object) else {
        return;
    };
    let headers: Vec<String> = first.keys().cloned().collect();
    let body = rows
        .iter()
        .map(|r| {
            headers
                .iter()
                .map(|h| match &r[h] {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                })
                .collect()
        })
        .collect();
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    println!("{}", crate::commands::client::table(&h, body));
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

pub fn kv(args: KvArgs) -> ExitCode {
    let (c, state) = match args.at.load() {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let KvCmd::Key { action } = args.command;
    let binding = match &action {
        KvKey::Put { binding, .. }
        | KvKey::Get { binding, .. }
        | KvKey::List { binding, .. }
        | KvKey::Delete { binding, .. } => binding.clone(),
    };
    let Some(namespace) = c.resources.iter().find_map(|r| match r {
        ResourceBinding::Kv {
            binding: b,
            namespace,
        } if *b == binding || *namespace == binding => Some(namespace.clone()),
        _ => None,
    }) else {
        return fail(format!(
            "no KV namespace {binding:?} in {}",
            c.path.display()
        ));
    };
    let store = endure_js::kv::Kv::new(&state);
    let b64 = |s: &str| endure_js::kv::encode_value(s.as_bytes());
    let msg = match &action {
        KvKey::Put {
            key,
            value,
            ttl,
            expiration,
            metadata,
            ..
        } => {
            let metadata = match metadata.as_deref().map(serde_json::from_str::<Value>) {
                None => Value::Null,
                Some(Ok(v)) => v,
                Some(Err(e)) => return fail(format!("--metadata is not JSON: {e}")),
            };
            json!({"method": "put", "key": key, "value": b64(value), "expirationTtl": ttl,
                   "expiration": expiration, "metadata": metadata})
        }
        KvKey::Get { key, .. } => json!({"method": "get", "key": key}),
        KvKey::List { prefix, .. } => json!({"method": "list", "prefix": prefix}),
        KvKey::Delete { key, .. } => json!({"method": "delete", "key": key}),
    };
    match store.call(&namespace, now_ms(), &msg) {
        Ok(v) => {
            match &action {
                KvKey::Get { key, .. } => {
                    let Some(bytes) = v["value"].as_str().and_then(endure_js::kv::decode_value)
                    else {
                        eprintln!("✘ no key {key:?}");
                        return ExitCode::from(crate::commands::client::EXIT_API_ERROR);
                    };
                    use std::io::Write as _;
                    let _ = std::io::stdout().write_all(&bytes);
                }
                KvKey::List { .. } => {
                    println!(
                        "{}",
                        serde_json::to_string_pretty(&v["keys"]).unwrap_or_default()
                    )
                }
                _ => {}
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("✘ {}", e.message);
            ExitCode::from(crate::commands::client::EXIT_API_ERROR)
        }
    }
}

pub fn r2(args: R2Args) -> ExitCode {
    let (c, state) = match args.at.load() {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let R2Cmd::Object { action } = args.command;
    let path = match &action {
        R2Object::Put { path, .. } | R2Object::Get { path, .. } | R2Object::Delete { path } => path,
    };
    let Some((bucket, key)) = path.split_once('/').filter(|(_, k)| !k.is_empty()) else {
        return fail(format!("{path:?} is not BUCKET/KEY"));
    };
    let known = c.resources.iter().any(|r| {
        matches!(r, ResourceBinding::R2 { bucket: b, binding } if b == bucket || binding == bucket)
    });
    if !known {
        return fail(format!("no R2 bucket {bucket:?} in {}", c.path.display()));
    }
    let res = endure_js::resources::Resources::new(&state);
    let msg = match &action {
        R2Object::Put {
            file, content_type, ..
        } => {
            let body = match std::fs::read(file) {
                Ok(b) => b,
                Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
            };
            let mut meta = serde_json::Map::new();
            if let Some(t) = content_type {
                meta.insert("contentType".into(), json!(t));
            }
            json!({"method": "put", "key": key, "body": endure_js::kv::encode_value(&body),
                   "httpMetadata": meta, "customMetadata": {}})
        }
        R2Object::Get { .. } => json!({"method": "get", "key": key}),
        R2Object::Delete { .. } => json!({"method": "delete", "key": key}),
    };
    match res.r2(bucket, &msg) {
        Ok(v) => {
            if let R2Object::Get { file, .. } = &action {
                let Some(bytes) = v["body"].as_str().and_then(endure_js::kv::decode_value) else {
                    eprintln!("✘ no object {path:?}");
                    return ExitCode::from(crate::commands::client::EXIT_API_ERROR);
                };
                let written = match file {
                    Some(f) => std::fs::write(f, &bytes),
                    None => {
                        use std::io::Write as _;
                        std::io::stdout().write_all(&bytes)
                    }
                };
                if let Err(e) = written {
                    return fail(format!("cannot write the object: {e}"));
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("✘ {}", e.message);
            ExitCode::from(crate::commands::client::EXIT_API_ERROR)
        }
    }
}
