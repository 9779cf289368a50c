//! A Hono app (hono from npm, pinned in tests/projects/hono-app, installed by scripts/test):
//! `exports` subpaths, tsconfig `paths` and hono's JSX (`jsxImportSource`), its router as the
//! fetch handler, its `contextStorage` middleware (AsyncLocalStorage across awaits), and a
//! workflow created and read through its routes.

mod common;

use common::Js;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hono_app_with_jsx_and_a_workflow() {
    let js = Js::fixture("hono-app", vec![]).await;
    let (s, page) = js.fetch("GET", "/", None).await;
    assert_eq!(s, 200, "{page}");
    assert!(
        page.contains("<h1>Shop</h1><ul><li>tea</li><li>cake</li></ul>"),
        "{page}"
    );
    let (s, who) = js.fetch("GET", "/who/ann", None).await;
    assert_eq!((s, who.as_str()), (200, "ann at /who/ann"));
    let (s, created) = js
        .fetch("POST", "/orders", Some(r#"{"item": "tea", "quantity": 2}"#))
        .await;
    assert_eq!(s, 201, "{created}");
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    js.until("fulfil", &id, |d| d["status"] == "complete").await;
    let (s, status) = js.fetch("GET", &format!("/orders/{id}"), None).await;
    assert_eq!(s, 200, "{status}");
    let v: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(v["status"], "complete");
    assert_eq!(v["output"]["shipped"], "shipped 2 × tea", "{v}");
    let (s, missing) = js.fetch("GET", "/orders/nope", None).await;
    assert_eq!(
        (s, missing.as_str()),
        (404, r#"{"error":"instance.not_found"}"#)
    );
}
