//! Static assets (`assets` in the wrangler configuration), served as wrangler serves them:
//! files of `assets.directory` by path, HTML with `html_handling` (the default
//! `auto-trailing-slash` serves `/about` from `about.html` or `about/index.html` and redirects
//! the other spellings), `not_found_handling` (`none`, `404-page`, `single-page-application`),
//! `run_worker_first` (all requests, or those matching its patterns, go to the Worker first),
//! `ETag` / `If-None-Match`, and the `env.ASSETS.fetch()` binding.

use crate::fetch::HttpResponse;
use std::path::{Component, Path, PathBuf};

/// How `.html` files answer paths without the extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HtmlHandling {
    #[default]
    AutoTrailingSlash,
    ForceTrailingSlash,
    DropTrailingSlash,
    None,
}

/// What a request that matches no asset gets (when the Worker does not answer it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotFound {
    #[default]
    None,
    Page404,
    SinglePageApplication,
}

/// `assets` from the configuration.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssetsConfig {
    pub directory: PathBuf,
    pub binding: Option<String>,
    pub html_handling: HtmlHandling,
    pub not_found_handling: NotFound,
    /// `run_worker_first`: `true` for all paths, or patterns (`/api/*`, `!/api/docs`).
    pub worker_first: Vec<String>,
}

impl AssetsConfig {
    /// Reads the `assets` object; `base` is the configuration file's directory.
    pub fn parse(v: &serde_json::Value, base: &Path) -> Result<AssetsConfig, String> {
        let dir = v["directory"]
            .as_str()
            .ok_or("assets.directory is required (the folder of static files)")?;
        let html_handling = match v["html_handling"].as_str() {
            None | Some("auto-trailing-slash") => HtmlHandling::AutoTrailingSlash,
            Some("force-trailing-slash") => HtmlHandling::ForceTrailingSlash,
            Some("drop-trailing-slash") => HtmlHandling::DropTrailingSlash,
            Some("none") => HtmlHandling::None,
            Some(o) => {
                return Err(format!(
                    "assets.html_handling {o:?} is not one of auto-trailing-slash, force-trailing-slash, drop-trailing-slash, none"
                ));
            }
        };
        let not_found_handling = match v["not_found_handling"].as_str() {
            None | Some("none") => NotFound::None,
            Some("404-page") => NotFound::Page404,
            Some("single-page-application") => NotFound::SinglePageApplication,
            Some(o) => {
                return Err(format!(
                    "assets.not_found_handling {o:?} is not one of none, 404-page, single-page-application"
                ));
            }
        };
        let worker_first = match &v["run_worker_first"] {
            serde_json::Value::Null | serde_json::Value::Bool(false) => vec![],
            serde_json::Value::Bool(true) => vec!["/*".to_string()],
            serde_json::Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().map(String::from))
                .collect::<Option<_>>()
                .ok_or("assets.run_worker_first must be true, false or a list of path patterns")?,
            _ => {
                return Err(
                    "assets.run_worker_first must be true, false or a list of path patterns".into(),
                );
            }
        };
        Ok(AssetsConfig {
            directory: base.join(dir),
            binding: v["binding"].as_str().map(String::from),
            html_handling,
            not_found_handling,
            worker_first,
        })
    }

    /// Whether `path` goes to the Worker before the assets.
    pub fn worker_first(&self, path: &str) -> bool {
        let mut hit = false;
        for p in &self.worker_first {
            if let Some(neg) = p.strip_prefix('!') {
                if glob(neg, path) {
                    return false;
                }
            } else if glob(p, path) {
                hit = true;
            }
        }
        hit
    }

    /// The asset answering `path` (a URL path, percent-encoded), if one does: the file, a
    /// redirect to the canonical spelling, or a 304.
    pub fn lookup(
        &self,
        method: &str,
        path: &str,
        if_none_match: Option<&str>,
    ) -> Option<HttpResponse> {
        if method != "GET" && method != "HEAD" {
            return None;
        }
        let decoded = percent_decode(path)?;
        let found = self.resolve(&decoded)?;
        Some(match found {
            Resolved::File(f) => self.file_response(&f, 200, method, if_none_match),
            Resolved::Redirect(to) => redirect(&to),
        })
    }

    /// The answer to a path nothing matched, by `not_found_handling`.
    pub fn not_found(&self, method: &str, path: &str) -> HttpResponse {
        let decoded = percent_decode(path).unwrap_or_else(|| "/".into());
        match self.not_found_handling {
            NotFound::SinglePageApplication => {
                if let Some(f) = self.file("/index.html") {
                    return self.file_response(&f, 200, method, None);
                }
            }
            NotFound::Page404 => {
                // The nearest 404.html, from the request's folder up.
                let mut dir = decoded.rsplit_once('/').map_or("", |(d, _)| d).to_string();
                loop {
                    if let Some(f) = self.file(&format!("{dir}/404.html")) {
                        return self.file_response(&f, 404, method, None);
                    }
                    match dir.rsplit_once('/') {
                        Some((up, _)) => dir = up.to_string(),
                        None => break,
                    }
                }
            }
            NotFound::None => {}
        }
        HttpResponse {
            status: 404,
            headers: vec![],
            body: vec![],
            no_handler: false,
        }
    }

    /// A file under the directory for a decoded URL path; never outside it.
    fn file(&self, path: &str) -> Option<PathBuf> {
        let rel = Path::new(path.trim_start_matches('/'));
        if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return None;
        }
        let f = self.directory.join(rel);
        f.is_file().then_some(f)
    }

    fn resolve(&self, path: &str) -> Option<Resolved> {
        use HtmlHandling as H;
        let h = self.html_handling;
        let exact = self.file(path);
        if h == H::None || !(path.ends_with('/') || path.ends_with(".html") || exact.is_none()) {
            return exact.map(Resolved::File);
        }
        // The spellings of one HTML page: `/x` → `x.html` or `x/index.html`.
        let (stem, slash) = match path.strip_suffix('/') {
            Some(s) => (s.to_string(), true),
            None => (path.to_string(), false),
        };
        if let Some(s) = stem.strip_suffix("/index.html") {
            return self
                .file(&format!("{s}/index.html"))
                .map(|_| Resolved::Redirect(format!("{s}/")));
        }
        if let Some(s) = stem.strip_suffix(".html") {
            if self.file(path).is_some() && !slash {
                let to = if s.is_empty() {
                    "/".to_string()
                } else {
                    s.to_string()
                };
                let canonical = match h {
                    H::ForceTrailingSlash => format!("{to}/"),
                    _ => to,
                };
                return Some(Resolved::Redirect(canonical));
            }
            return None;
        }
        let as_file = self.file(&format!("{stem}.html"));
        let as_index = self.file(&format!("{stem}/index.html"));
        match (h, slash) {
            (H::AutoTrailingSlash, false) => as_file
                .map(Resolved::File)
                .or_else(|| as_index.map(|_| Resolved::Redirect(format!("{stem}/")))),
            (H::AutoTrailingSlash, true) => as_index.map(Resolved::File).or_else(|| {
                as_file.map(|_| {
                    Resolved::Redirect(if stem.is_empty() {
                        "/".into()
                    } else {
                        stem.clone()
                    })
                })
            }),
            (H::ForceTrailingSlash, false) => as_index
                .or(as_file)
                .map(|_| Resolved::Redirect(format!("{stem}/"))),
            (H::ForceTrailingSlash, true) => as_index.or(as_file).map(Resolved::File),
            (H::DropTrailingSlash, false) => as_file.or(as_index).map(Resolved::File),
            (H::DropTrailingSlash, true) => as_file.or(as_index).map(|_| {
                Resolved::Redirect(if stem.is_empty() {
                    "/".into()
                } else {
                    stem.clone()
                })
            }),
            (H::None, _) => exact.map(Resolved::File),
        }
    }

    fn file_response(
        &self,
        f: &Path,
        status: u16,
        method: &str,
        if_none_match: Option<&str>,
    ) -> HttpResponse {
        let Ok(body) = std::fs::read(f) else {
            return HttpResponse {
                status: 404,
                headers: vec![],
                body: vec![],
                no_handler: false,
            };
        };
        let digest = crate::host::digest("SHA-256", &body).unwrap_or_default();
        let etag = format!(
            "\"{}\"",
            digest
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let mut headers = vec![
            ("content-type".to_string(), content_type(f).to_string()),
            ("etag".to_string(), etag.clone()),
            (
                "cache-control".to_string(),
                "public, max-age=0, must-revalidate".to_string(),
            ),
        ];
        if status == 200
            && if_none_match.is_some_and(|v| {
                v.split(',')
                    .any(|t| t.trim().trim_start_matches("W/") == etag)
            })
        {
            headers.retain(|(k, _)| k != "content-type");
            return HttpResponse {
                status: 304,
                headers,
                body: vec![],
                no_handler: false,
            };
        }
        headers.push(("content-length".to_string(), body.len().to_string()));
        HttpResponse {
            status,
            headers,
            body: if method == "HEAD" { vec![] } else { body },
            no_handler: false,
        }
    }
}

enum Resolved {
    File(PathBuf),
    Redirect(String),
}

fn redirect(to: &str) -> HttpResponse {
    HttpResponse {
        status: 307,
        headers: vec![("location".to_string(), to.to_string())],
        body: vec![],
        no_handler: false,
    }
}

/// The path of a request URL (`http://host/a/b?q` → `/a/b`); a bare path stays as it is.
pub fn url_path(url: &str) -> &str {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.find('/').map_or("/", |i| &rest[i..]));
    path.split(['?', '#']).next().unwrap_or("/")
}

/// `%xx` decoded; `None` for a path that does not decode to UTF-8 or holds a NUL.
fn percent_decode(path: &str) -> Option<String> {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = b.get(i + 1).and_then(|c| (*c as char).to_digit(16))?;
            let l = b.get(i + 2).and_then(|c| (*c as char).to_digit(16))?;
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (!s.contains('\0')).then_some(s)
}

/// `*` matches any run of characters (also `/`); the rest is literal.
fn glob(pattern: &str, path: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == path;
    }
    let mut rest = path;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

fn content_type(f: &Path) -> &'static str {
    match f
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "application/javascript",
        Some("json" | "map") => "application/json",
        Some("txt") => "text/plain; charset=utf-8",
        Some("xml") => "application/xml",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("wasm") => "application/wasm",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("pdf") => "application/pdf",
        Some("mp4") => "video/mp4",
        Some("webm") => "video/webm",
        Some("mp3") => "audio/mpeg",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(html: HtmlHandling, nf: NotFound) -> (tempfile::TempDir, AssetsConfig) {
        let d = tempfile::tempdir().unwrap();
        for (p, t) in [
            ("index.html", "home"),
            ("about.html", "about"),
            ("blog/index.html", "blog"),
            ("blog/404.html", "blog missing"),
            ("404.html", "missing"),
            ("app.js", "js"),
            ("a b.txt", "spaced"),
        ] {
            let f = d.path().join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, t).unwrap();
        }
        let c = AssetsConfig {
            directory: d.path().to_path_buf(),
            html_handling: html,
            not_found_handling: nf,
            ..AssetsConfig::default()
        };
        (d, c)
    }

    fn get(c: &AssetsConfig, path: &str) -> (u16, String) {
        match c.lookup("GET", path, None) {
            None => (0, String::new()),
            Some(r) if r.status == 307 => (307, r.headers[0].1.clone()),
            Some(r) => (r.status, String::from_utf8(r.body).unwrap()),
        }
    }

    #[test]
    fn url_paths() {
        assert_eq!(url_path("http://h:1/a/b?q=1#f"), "/a/b");
        assert_eq!(url_path("https://h"), "/");
        assert_eq!(url_path("/docs/?x"), "/docs/");
    }

    #[test]
    fn auto_trailing_slash() {
        let (_d, c) = site(HtmlHandling::AutoTrailingSlash, NotFound::None);
        assert_eq!(get(&c, "/"), (200, "home".into()));
        assert_eq!(get(&c, "/about"), (200, "about".into()));
        assert_eq!(get(&c, "/about.html"), (307, "/about".into()));
        assert_eq!(get(&c, "/about/"), (307, "/about".into()));
        assert_eq!(get(&c, "/blog"), (307, "/blog/".into()));
        assert_eq!(get(&c, "/blog/"), (200, "blog".into()));
        assert_eq!(get(&c, "/blog/index.html"), (307, "/blog/".into()));
        assert_eq!(get(&c, "/index.html"), (307, "/".into()));
        assert_eq!(get(&c, "/app.js"), (200, "js".into()));
        assert_eq!(get(&c, "/a%20b.txt"), (200, "spaced".into()));
        assert_eq!(get(&c, "/nope"), (0, String::new()));
        assert_eq!(get(&c, "/../etc/passwd"), (0, String::new()));
        assert_eq!(get(&c, "/%2e%2e/x"), (0, String::new()));
        assert!(c.lookup("POST", "/app.js", None).is_none());
    }

    #[test]
    fn other_html_handlings() {
        let (_d, c) = site(HtmlHandling::ForceTrailingSlash, NotFound::None);
        assert_eq!(get(&c, "/about"), (307, "/about/".into()));
        assert_eq!(get(&c, "/about/"), (200, "about".into()));
        let (_d, c) = site(HtmlHandling::DropTrailingSlash, NotFound::None);
        assert_eq!(get(&c, "/blog"), (200, "blog".into()));
        assert_eq!(get(&c, "/blog/"), (307, "/blog".into()));
        let (_d, c) = site(HtmlHandling::None, NotFound::None);
        assert_eq!(get(&c, "/about"), (0, String::new()));
        assert_eq!(get(&c, "/about.html"), (200, "about".into()));
    }

    #[test]
    fn not_found_etag_and_worker_first() {
        let (_d, c) = site(HtmlHandling::AutoTrailingSlash, NotFound::Page404);
        let r = c.not_found("GET", "/blog/old-post");
        assert_eq!((r.status, r.body), (404, b"blog missing".to_vec()));
        assert_eq!(c.not_found("GET", "/x/y").body, b"missing");
        let (_d, c) = site(
            HtmlHandling::AutoTrailingSlash,
            NotFound::SinglePageApplication,
        );
        let r = c.not_found("GET", "/dashboard/42");
        assert_eq!((r.status, r.body), (200, b"home".to_vec()));
        let first = c.lookup("GET", "/app.js", None).unwrap();
        let etag = first
            .headers
            .iter()
            .find(|(k, _)| k == "etag")
            .unwrap()
            .1
            .clone();
        assert_eq!(c.lookup("GET", "/app.js", Some(&etag)).unwrap().status, 304);
        let c = AssetsConfig {
            worker_first: vec!["/api/*".into(), "!/api/docs/*".into()],
            ..c
        };
        assert!(c.worker_first("/api/users"));
        assert!(!c.worker_first("/api/docs/intro"));
        assert!(!c.worker_first("/index.html"));
    }
}
