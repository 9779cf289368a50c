//! `endure d1 …`, `endure kv …`, `endure r2 …` on a Worker project's local state, and the
//! project's Worker (a real `endure dev` process) seeing the same data, and the other way round.

mod common;

use std::process::Command;

fn endure(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_endure"))
        .args(args)
        .args(["--dir", dir.to_str().unwrap()])
        .output()
        .expect("run endure");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const WORKER: &str = r#"
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/write") {
      await env.CACHE.put("from-worker", "hello from the worker");
      return new Response("ok");
    }
    const row = await env.DB.prepare("SELECT name FROM users WHERE id = ?").bind(1).first();
    const kv = await env.CACHE.get("greeting");
    const obj = await env.FILES.get("notes/a.txt");
    return Response.json({ name: row && row.name, kv, r2: obj && (await obj.text()) });
  },
};
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_data_commands_share_the_workers_state() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("src")).unwrap();
    std::fs::create_dir_all(p.join("db/migrations")).unwrap();
    std::fs::write(
        p.join("wrangler.jsonc"),
        r#"{
  "name": "data", "main": "src/index.js",
  "d1_databases": [{ "binding": "DB", "database_name": "app-db", "database_id": "x", "migrations_dir": "db/migrations" }],
  "kv_namespaces": [{ "binding": "CACHE", "id": "c0ffee" }],
  "r2_buckets": [{ "binding": "FILES", "bucket_name": "files" }],
}"#,
    )
    .unwrap();
    std::fs::write(p.join("src/index.js"), WORKER).unwrap();
    std::fs::write(
        p.join("db/migrations/0001_users.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
    )
    .unwrap();
    std::fs::write(
        p.join("db/migrations/0002_seed.sql"),
        "INSERT INTO users (id, name) VALUES (1, 'ada');",
    )
    .unwrap();

    let (code, out, err) = endure(p, &["d1", "migrations", "list", "app-db"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("0001_users.sql") && out.contains("pending"),
        "{out}"
    );
    let (code, out, err) = endure(p, &["d1", "migrations", "apply", "DB"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0002_seed.sql"), "{out}");
    let (_, out, _) = endure(p, &["d1", "migrations", "apply", "DB"]);
    assert!(out.contains("No migrations to apply"), "{out}");
    let (code, out, err) = endure(
        p,
        &[
            "d1",
            "execute",
            "app-db",
            "--command",
            "SELECT id, name FROM users",
            "--json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v[0]["results"],
        serde_json::json!([{"id": 1, "name": "ada"}])
    );
    let (code, _, err) = endure(
        p,
        &["d1", "execute", "app-db", "--command", "SELECT * FROM nope"],
    );
    assert_eq!(code, 5, "{err}");
    let (code, _, err) = endure(p, &["d1", "execute", "other", "--command", "SELECT 1"]);
    assert_eq!(code, 2);
    assert!(err.contains("app-db"), "names the databases it has: {err}");

    let (code, _, err) = endure(
        p,
        &[
            "kv",
            "key",
            "put",
            "greeting",
            "hi there",
            "--binding",
            "CACHE",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = endure(
        p,
        &[
            "kv",
            "key",
            "put",
            "k",
            "v",
            "--binding",
            "CACHE",
            "--ttl",
            "5",
        ],
    );
    assert_eq!(code, 5, "a TTL under 60 s is refused: {err}");
    assert!(err.contains("at least 60"), "{err}");
    let note = p.join("note.txt");
    std::fs::write(&note, "a note").unwrap();
    let (code, _, err) = endure(
        p,
        &[
            "r2",
            "object",
            "put",
            "files/notes/a.txt",
            "--file",
            note.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");

    // The Worker sees it all.
    let server = common::spawn(&["dev", p.to_str().unwrap(), "--port", "0"], &[]);
    let v = common::get_json(&format!("{}/", server.url), None).await;
    assert_eq!(
        v,
        serde_json::json!({"name": "ada", "kv": "hi there", "r2": "a note"})
    );
    // And what the Worker writes, the commands read.
    reqwest::get(format!("{}/write", server.url)).await.unwrap();
    let (code, out, err) = endure(
        p,
        &["kv", "key", "get", "from-worker", "--binding", "CACHE"],
    );
    assert_eq!((code, out.as_str()), (0, "hello from the worker"), "{err}");
    let (_, out, _) = endure(p, &["kv", "key", "list", "--binding", "CACHE"]);
    assert!(
        out.contains("\"from-worker\"") && out.contains("\"greeting\""),
        "{out}"
    );
    let (code, out, _) = endure(p, &["r2", "object", "get", "files/notes/a.txt"]);
    assert_eq!((code, out.as_str()), (0, "a note"));
    let (code, _, _) = endure(p, &["r2", "object", "delete", "files/notes/a.txt"]);
    assert_eq!(code, 0);
    let (code, _, _) = endure(p, &["r2", "object", "get", "files/notes/a.txt"]);
    assert_eq!(code, 5);
}
