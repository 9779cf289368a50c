//! Static assets beside a Worker (tests/projects/assets): files by path with the default HTML
//! handling, `run_worker_first` patterns, the single-page-application fallback for browser
//! navigations, and the `ASSETS` binding from the fetch handler and from a workflow.

mod common;

use common::Js;
use endure_js::HttpRequest;
use serde_json::json;

async fn get(
    js: &Js,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, Vec<(String, String)>, String) {
    let r = endure_js::fetch::handle(
        js.project.clone(),
        HttpRequest {
            method: "GET".into(),
            url: format!("http://127.0.0.1:8787{path}"),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: None,
        },
    )
    .await;
    (
        r.status,
        r.headers,
        String::from_utf8_lossy(&r.body).into_owned(),
    )
}

fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_beside_a_worker() {
    let js = Js::fixture("assets", vec![]).await;
    let (s, h, body) = get(&js, "/style.css", &[]).await;
    assert_eq!((s, body.as_str()), (200, "body { color: red }\n"));
    assert_eq!(header(&h, "content-type"), Some("text/css; charset=utf-8"));
    let etag = header(&h, "etag").unwrap().to_string();
    assert_eq!(
        get(&js, "/style.css", &[("if-none-match", &etag)]).await.0,
        304
    );
    assert_eq!(
        get(&js, "/", &[]).await.2,
        "<!doctype html><title>app</title>\n"
    );
    let (s, h, _) = get(&js, "/docs", &[]).await;
    assert_eq!((s, header(&h, "location")), (307, Some("/docs/")));
    assert_eq!(get(&js, "/docs/", &[]).await.2, "<h1>docs</h1>\n");
    // run_worker_first: /api/* goes to the Worker even where a file could match.
    let (s, _, body) = get(&js, "/api/hello", &[]).await;
    assert_eq!((s, body.as_str()), (200, r#"{"hello":"worker"}"#));
    // The binding, from the fetch handler.
    assert_eq!(get(&js, "/api/asset", &[]).await.2, "<h1>docs</h1>\n");
    // A miss: a browser's navigation gets the app's index.html; other requests the Worker.
    let (s, _, body) = get(&js, "/dashboard/42", &[("sec-fetch-mode", "navigate")]).await;
    assert_eq!(
        (s, body.as_str()),
        (200, "<!doctype html><title>app</title>\n")
    );
    let (s, _, body) = get(&js, "/dashboard/42", &[]).await;
    assert_eq!((s, body.as_str()), (418, "worker fallback"));
    // The binding, from a workflow.
    js.create("publish", "p", json!({})).await;
    let doc = js.finish("publish", "p", 1_000).await;
    assert_eq!(
        doc["output"],
        json!({"status": 200, "type": "text/css; charset=utf-8", "text": "body { color: red }\n"}),
        "{doc:#}"
    );
}
