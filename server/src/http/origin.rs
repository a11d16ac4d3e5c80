//! Cross-site request refusal for cookie-authenticated state changes. A POST (or other unsafe
//! method) must come from this server's public origin, compared exactly, scheme and port
//! included. While no public URL is configured the server is reached directly, so
//! `http://localhost`, `http://127.0.0.1` and `http://[::1]` on the listening port are that
//! origin; a browser talking to the listening port on loopback (the `Host` header says so) is
//! also allowed once a public URL is set, so a tunnel for Twilio does not lock out the desk on
//! the same machine. Browsers always send `Origin` on such requests; without it,
//! `Sec-Fetch-Site: cross-site` is refused too. Bearer-token and Twilio-signed endpoints do not
//! use cookies and are exempt.

use crate::settings::SettingsHandle;
use app::api::SettingKey;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths whose POSTs are authenticated by something other than the session cookie.
const EXEMPT: [&str; 1] = ["/api/v1/orders"];

/// The loopback names a browser may use for a server without a public URL.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Where this server is reached: the effective public URL setting, else the listening port.
#[derive(Clone)]
pub struct OriginPolicy {
    settings: SettingsHandle,
    port: u16,
}

impl OriginPolicy {
    /// `port` is the port the server listens on.
    pub fn new(settings: SettingsHandle, port: u16) -> Self {
        OriginPolicy { settings, port }
    }

    /// The configured public origin (`https://desk.example.com`), or None.
    pub fn public_origin(&self) -> Option<String> {
        public_origin(self.settings.current().get(SettingKey::PublicBaseUrl))
    }

    /// Whether the configured public URL is https (the setting is stored normalised, scheme
    /// lower-cased), read without parsing it: the headers layer asks on every response.
    pub fn public_is_https(&self) -> bool {
        self.settings
            .current()
            .get(SettingKey::PublicBaseUrl)
            .starts_with("https://")
    }

    /// [`allowed`] with this server's public origin and port.
    pub fn allows(
        &self,
        origin: Option<&str>,
        sec_fetch_site: Option<&str>,
        host: Option<&str>,
    ) -> bool {
        allowed(
            origin,
            sec_fetch_site,
            host,
            self.public_origin().as_deref(),
            self.port,
        )
    }
}

impl OriginPolicy {
    /// Whether a browser's WebSocket upgrade (a GET, which the POST check does not cover) comes
    /// from this site: it must carry an allowed `Origin`.
    pub fn allows_upgrade(&self, headers: &axum::http::HeaderMap) -> bool {
        let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        text(header::ORIGIN).is_some()
            && self.allows(text(header::ORIGIN), None, text(header::HOST))
    }
}

/// `scheme://host[:port]` of a URL (default ports left out), or None when it is empty or not a URL.
pub fn public_origin(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let origin = url.origin();
    origin.is_tuple().then(|| origin.ascii_serialization())
}

/// Whether `origin` is `http://` + a loopback name + `:port`.
fn is_loopback_origin(origin: &str, port: u16) -> bool {
    origin.strip_prefix("http://").is_some_and(|authority| {
        LOOPBACK_HOSTS
            .iter()
            .any(|host| authority.eq_ignore_ascii_case(&format!("{host}:{port}")))
    })
}

/// Whether a request with these headers may change state.
pub fn allowed(
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    host: Option<&str>,
    public_origin: Option<&str>,
    port: u16,
) -> bool {
    let Some(origin) = origin else {
        return sec_fetch_site != Some("cross-site");
    };
    if !is_loopback_origin(origin, port) {
        return public_origin == Some(origin);
    }
    match public_origin {
        // No public URL: the server is reached directly, on loopback.
        None => true,
        // Loopback with a public URL set: only a browser talking to us directly on loopback.
        Some(public) => {
            public == origin
                || host.is_some_and(|host| {
                    origin
                        .strip_prefix("http://")
                        .is_some_and(|authority| authority.eq_ignore_ascii_case(host))
                })
        }
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
        if !policy.allows(origin, text("sec-fetch-site"), text(header::HOST.as_str())) {
            tracing::warn!(path = %request.uri().path(), ?origin, "cross-site request refused");
            return (StatusCode::FORBIDDEN, "cross-site request refused").into_response();
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLIC: Option<&str> = Some("https://desk.example.com");
    const PORT: u16 = 3000;

    #[test]
    fn the_public_origin_passes_exactly() {
        assert!(allowed(
            PUBLIC,
            Some("same-origin"),
            Some("internal:3000"),
            PUBLIC,
            PORT
        ));
        // Scheme and port are part of the origin.
        for other in [
            "http://desk.example.com",
            "https://desk.example.com:8443",
            "https://desk.example.com.evil.example",
        ] {
            assert!(
                !allowed(Some(other), None, Some("desk.example.com"), PUBLIC, PORT),
                "{other}"
            );
        }
    }

    #[test]
    fn a_host_header_no_longer_vouches_for_any_origin() {
        // The old rule let any origin through whose host equalled the Host header.
        assert!(!allowed(
            Some("https://evil.example"),
            None,
            Some("evil.example"),
            PUBLIC,
            PORT
        ));
        assert!(!allowed(
            Some("http://192.168.1.20:3000"),
            None,
            Some("192.168.1.20:3000"),
            None,
            PORT
        ));
    }

    #[test]
    fn without_a_public_url_every_loopback_name_on_the_port_is_the_same_origin() {
        for origin in [
            "http://localhost:3000",
            "http://127.0.0.1:3000",
            "http://[::1]:3000",
        ] {
            assert!(
                allowed(Some(origin), None, Some("127.0.0.1:3000"), None, PORT),
                "{origin}"
            );
        }
        assert!(!allowed(
            Some("http://localhost:3001"),
            None,
            Some("localhost:3000"),
            None,
            PORT
        ));
        assert!(!allowed(
            Some("https://localhost:3000"),
            None,
            None,
            None,
            PORT
        ));
    }

    #[test]
    fn with_a_public_url_loopback_passes_only_when_talking_to_us_on_loopback() {
        assert!(allowed(
            Some("http://localhost:3000"),
            None,
            Some("localhost:3000"),
            PUBLIC,
            PORT
        ));
        // A page on the visitor's own localhost posting to the public server.
        assert!(!allowed(
            Some("http://localhost:3000"),
            None,
            Some("desk.example.com"),
            PUBLIC,
            PORT
        ));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(!allowed(
            None,
            Some("cross-site"),
            Some("desk.example.com"),
            PUBLIC,
            PORT
        ));
        assert!(!allowed(
            Some("null"),
            None,
            Some("desk.example.com"),
            PUBLIC,
            PORT
        ));
    }

    #[test]
    fn non_browser_clients_without_origin_pass() {
        assert!(allowed(None, None, Some("desk.example.com"), PUBLIC, PORT));
    }

    #[test]
    fn public_origins_drop_paths_and_default_ports() {
        assert_eq!(
            public_origin("https://desk.example.com:443/app").as_deref(),
            Some("https://desk.example.com")
        );
        assert_eq!(
            public_origin("http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(public_origin(""), None);
    }
}
