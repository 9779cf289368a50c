//! The HTTP client behind JavaScript's `fetch`: HTTP/1.1 over TCP or TLS (rustls on ring,
//! Mozilla's root certificates plus any extra ones configured), following redirects as `fetch`
//! does (`redirect: "follow"`, at most 20).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;

type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

/// What a request needs.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
    /// `follow` (default), `manual` or `error`.
    pub redirect: String,
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub status_text: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The URL of the last request (after redirects).
    pub url: String,
    pub redirected: bool,
}

#[derive(Clone)]
pub struct Client {
    inner: HyperClient<Connector, Full<Bytes>>,
}

impl Client {
    /// A client trusting Mozilla's roots and `extra_roots` (DER certificates).
    pub fn new(extra_roots: &[Vec<u8>]) -> Result<Client, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for der in extra_roots {
            roots
                .add(rustls::pki_types::CertificateDer::from(der.clone()))
                .map_err(|e| format!("an extra CA certificate is invalid: {e}"))?;
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Client {
            inner: HyperClient::builder(TokioExecutor::new()).build(connector),
        })
    }

    pub async fn send(&self, req: Request) -> Result<Response, String> {
        let mut method = req.method.to_ascii_uppercase();
        let mut url = req.url.clone();
        let mut body = req.body.clone();
        let mut redirected = false;
        for _ in 0..=20 {
            let resp = self.once(&method, &url, &req.headers, body.clone()).await?;
            let location = resp
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v.clone());
            let is_redirect = matches!(resp.status, 301 | 302 | 303 | 307 | 308);
            match (is_redirect, location, req.redirect.as_str()) {
                (true, Some(loc), "follow") => {
                    url = join(&url, &loc)?;
                    redirected = true;
                    // 303, and 301/302 after a POST, become a GET without a body.
                    if resp.status == 303 || (matches!(resp.status, 301 | 302) && method == "POST")
                    {
                        method = "GET".into();
                        body = None;
                    }
                }
                (true, Some(_), "error") => {
                    return Err(format!("{url} redirected and redirect is \"error\""));
                }
                _ => {
                    return Ok(Response {
                        url,
                        redirected,
                        ..resp
                    });
                }
            }
        }
        Err(format!("{} redirected more than 20 times", req.url))
    }

    async fn once(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Response, String> {
        let mut b = hyper::Request::builder().method(method).uri(url);
        let mut has_ua = false;
        for (k, v) in headers {
            has_ua |= k.eq_ignore_ascii_case("user-agent");
            b = b.header(k.as_str(), v.as_str());
        }
        if !has_ua {
            b = b.header("user-agent", "Endure");
        }
        let req = b
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| format!("invalid request: {e}"))?;
        let resp = self.inner.request(req).await.map_err(|e| error_chain(&e))?;
        let status = resp.status();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading the body: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(Response {
            status: status.as_u16(),
            status_text: status.canonical_reason().unwrap_or("").to_string(),
            headers,
            body,
            url: url.to_string(),
            redirected: false,
        })
    }
}

/// The certificates of a PEM file (`ENDURE_EXTRA_CA_CERTS`), as DER.
pub fn pem_certificates(path: &std::path::Path) -> Result<Vec<Vec<u8>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate in it", path.display()));
    }
    Ok(certs)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// A `Location` against the URL it came from.
fn join(base: &str, location: &str) -> Result<String, String> {
    if location.contains("://") {
        return Ok(location.to_string());
    }
    let uri: hyper::Uri = base.parse().map_err(|e| format!("{base}: {e}"))?;
    let origin = format!(
        "{}://{}",
        uri.scheme_str().unwrap_or("http"),
        uri.authority().map(|a| a.as_str()).unwrap_or("")
    );
    if location.starts_with("//") {
        return Ok(format!("{}:{location}", uri.scheme_str().unwrap_or("http")));
    }
    if location.starts_with('/') {
        return Ok(format!("{origin}{location}"));
    }
    let path = uri.path();
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    Ok(format!("{origin}{dir}{location}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn locations_resolve_against_the_request() {
        let j = |b, l| super::join(b, l).unwrap();
        assert_eq!(j("http://a.test/x/y?q", "/z"), "http://a.test/z");
        assert_eq!(j("http://a.test/x/y", "z"), "http://a.test/x/z");
        assert_eq!(j("https://a.test/x", "//b.test/p"), "https://b.test/p");
        assert_eq!(j("http://a.test/x", "https://c.test/"), "https://c.test/");
    }
}
