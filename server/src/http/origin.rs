//! Cross-site request refusal for cookie-authenticated state changes: a POST (or other unsafe
//! method) whose `Origin` is neither this server's public origin nor its `Host` gets 403. Browsers
//! always send `Origin` on such requests; without it, `Sec-Fetch-Site: cross-site` is refused too.
//! Bearer-token and (later) Twilio-signed endpoints do not use cookies and are exempt.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths whose POSTs are authenticated by something other than the session cookie.
const EXEMPT: [&str; 1] = ["/api/v1/orders"];

/// The origin this server is reached at, e.g. `https://desk.example.com`.
#[derive(Clone, Debug)]
pub struct OriginPolicy {
    public_origin: String,
}

impl OriginPolicy {
    /// `public_origin` is scheme://host[:port] of `PUBLIC_BASE_URL`.
    pub fn new(public_origin: String) -> Self {
        OriginPolicy { public_origin }
    }

    /// [`allowed`] with this server's public origin.
    pub fn allows(
        &self,
        origin: Option<&str>,
        sec_fetch_site: Option<&str>,
        host: Option<&str>,
    ) -> bool {
        allowed(origin, sec_fetch_site, host, &self.public_origin)
    }
}

/// Whether a request with these headers may change state.
pub fn allowed(
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    host: Option<&str>,
    public_origin: &str,
) -> bool {
    match origin {
        Some(origin) => {
            origin == public_origin
                || host.is_some_and(|host| {
                    origin
                        .split_once("://")
                        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
                })
        }
        None => sec_fetch_site != Some("cross-site"),
    }
}

/// Middleware applying [`allowed`] to unsafe methods.
pub async fn check_origin(
    State(policy): State<OriginPolicy>,
    request: Request,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if unsafe_method && !EXEMPT.contains(&request.uri().path()) {
        let headers = request.headers();
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let origin = text(header::ORIGIN.as_str());
        if !allowed(
            origin,
            text("sec-fetch-site"),
            text(header::HOST.as_str()),
            &policy.public_origin,
        ) {
            tracing::warn!(path = %request.uri().path(), ?origin, "cross-site request refused");
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: &str = "https://desk.example.com";

    #[test]
    fn same_origin_requests_pass() {
        assert!(allowed(
            Some(PUBLIC),
            Some("same-origin"),
            Some("internal:3000"),
            PUBLIC
        ));
        assert!(allowed(
            Some("http://127.0.0.1:3000"),
            None,
            Some("127.0.0.1:3000"),
            PUBLIC
        ));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(!allowed(
            Some("https://evil.example"),
            Some("cross-site"),
            Some("desk.example.com"),
            PUBLIC
        ));
        assert!(!allowed(
            None,
            Some("cross-site"),
            Some("desk.example.com"),
            PUBLIC
        ));
        assert!(!allowed(
            Some("null"),
            None,
            Some("desk.example.com"),
            PUBLIC
        ));
    }

    #[test]
    fn non_browser_clients_without_origin_pass() {
        assert!(allowed(None, None, Some("desk.example.com"), PUBLIC));
    }
}
