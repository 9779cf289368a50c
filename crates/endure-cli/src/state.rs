//! Opening the state: a SQLite file, which one process owns (an OS lock on `<db>.lock`, held
//! for the process's life), or a PostgreSQL database (`postgres://…`), which several processes
//! share. A database that cannot be used is refused at start-up rather than failing every write
//! later.

use endure_sqlite::{SqliteConfig, SqliteStore};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Why the state cannot be used; `endure` exits with status 2 and this message.
#[derive(Debug)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// Lock files held until the process exits (the OS releases them, also on `kill -9`).
static HELD: OnceLock<Mutex<Vec<(PathBuf, File)>>> = OnceLock::new();

fn held() -> std::sync::MutexGuard<'static, Vec<(PathBuf, File)>> {
    HELD.get_or_init(|| Mutex::new(Vec::new()))
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// The lock file that guards `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    db.with_file_name(name)
}

/// Takes the lock on `db` for this process (once; again is a no-op), or says which process
/// holds it.
pub fn lock(db: &Path) -> Result<(), Refusal> {
    let path = lock_path(db);
    if held().iter().any(|(p, _)| *p == path) {
        return Ok(());
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Refusal(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Refusal(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(Refusal(format!(
                "{} is in use by another endure process ({}); one process owns a SQLite \
                 state directory: stop that one, or give this one its own --state-dir \
                 (several processes share a database with PostgreSQL)",
                db.display(),
                if holder.is_empty() {
                    "process id unknown".to_string()
                } else {
                    holder.to_string()
                }
            )));
        }
        Err(TryLockError::Error(e)) => {
            return Err(Refusal(format!("cannot lock {}: {e}", path.display())));
        }
    }
    let me = format!(
        "pid {}: {}",
        std::process::id(),
        std::env::args().collect::<Vec<_>>().join(" ")
    );
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = file.write_all(me.as_bytes()).and_then(|_| file.flush());
    held().push((path, file));
    Ok(())
}

/// Locks `db` and opens it, checking that it can be written.
pub fn open(db: &Path) -> Result<SqliteStore, Refusal> {
    lock(db)?;
    let mut config = SqliteConfig::new(db);
    config.observer = Some(crate::telemetry::metrics());
    SqliteStore::open(config).map_err(|e| Refusal(format!("cannot use {}: {e}", db.display())))
}

/// Where the engine's state is: a SQLite file, or a PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Database {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; anything else a SQLite file path
    /// (relative to `base`).
    pub fn parse(s: &str, base: &Path) -> Database {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Database::Postgres(s.to_string())
        } else {
            Database::Sqlite(base.join(s))
        }
    }

    /// What banners show: the file, or the server and database without the password.
    pub fn display(&self) -> String {
        match self {
            Database::Sqlite(p) => p.display().to_string(),
            Database::Postgres(url) => match url.split_once("://") {
                Some((scheme, rest)) => match rest.rsplit_once('@') {
                    Some((creds, place)) => {
                        let user = creds.split(':').next().unwrap_or("");
                        format!("{scheme}://{user}@{place}")
                    }
                    None => url.clone(),
                },
                None => url.clone(),
            },
        }
    }

    /// The engine's settings for this database: on PostgreSQL other processes may share it, so
    /// this one gets a node id of its own and beats a heartbeat. The id is `ENDURE_NODE_ID` when
    /// set (a stable name: a restarted process takes its own instances back at once instead
    /// of waiting for its old heartbeat to run out; it must be unique among live processes),
    /// otherwise host, process id and start time.
    pub fn engine_config(&self, mut config: endure::EngineConfig) -> endure::EngineConfig {
        if let Database::Postgres(_) = self {
            config.shared_store = true;
            if let Some(id) = stable_node_id(std::env::var("ENDURE_NODE_ID").ok()) {
                config.node_id = id;
                return config;
            }
            let host = std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "node".into());
            let started = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis();
            config.node_id = format!("{host}-{}-{started}", std::process::id());
        }
        config
    }

    /// Opens the store: a SQLite file locked for this process, or a PostgreSQL database.
    pub async fn open(&self) -> Result<std::sync::Arc<dyn endure_store::Store>, Refusal> {
        match self {
            Database::Sqlite(p) => Ok(std::sync::Arc::new(open(p)?)),
            #[cfg(feature = "postgres")]
            Database::Postgres(url) => endure_postgres::PostgresStore::open({
                let mut config = endure_postgres::PostgresConfig::new(url.clone());
                config.observer = Some(crate::telemetry::metrics());
                config
            })
            .await
            .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn endure_store::Store>)
            .map_err(|e| Refusal(format!("cannot use {}: {e}", self.display()))),
            #[cfg(not(feature = "postgres"))]
            Database::Postgres(_) => Err(Refusal(
                "this endure was built without PostgreSQL support (cargo feature `postgres`)"
                    .into(),
            )),
        }
    }
}

/// Most bytes of a node id given by `ENDURE_NODE_ID`.
pub const MAX_NODE_ID_BYTES: usize = 128;

/// `ENDURE_NODE_ID`, if it is a usable name: 1 to 128 bytes of printable ASCII without spaces.
fn stable_node_id(value: Option<String>) -> Option<String> {
    let v = value?.trim().to_string();
    let ok =
        !v.is_empty() && v.len() <= MAX_NODE_ID_BYTES && v.bytes().all(|b| b.is_ascii_graphic());
    if !ok {
        eprintln!(
            "warning: ENDURE_NODE_ID must be 1 to {MAX_NODE_ID_BYTES} printable characters \
             without spaces; using a generated node id"
        );
    }
    ok.then_some(v)
}

#[cfg(test)]
mod database_tests {
    use super::*;

    #[test]
    fn node_ids_from_the_environment() {
        assert_eq!(
            stable_node_id(Some("web-1".into())).as_deref(),
            Some("web-1")
        );
        assert_eq!(stable_node_id(None), None);
        assert_eq!(stable_node_id(Some("  ".into())), None);
        assert_eq!(stable_node_id(Some("a b".into())), None);
        assert_eq!(stable_node_id(Some("x".repeat(129))), None);
    }

    #[test]
    fn urls_and_paths() {
        let base = Path::new("/etc/endure");
        assert_eq!(
            Database::parse("state.sqlite", base),
            Database::Sqlite(PathBuf::from("/etc/endure/state.sqlite"))
        );
        let pg = Database::parse("postgres://app:s3cret@db.internal:5432/endure", base);
        assert_eq!(pg.display(), "postgres://app@db.internal:5432/endure");
        assert_eq!(
            Database::parse("postgresql://db/endure", base).display(),
            "postgresql://db/endure"
        );
    }
}
