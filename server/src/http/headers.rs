//! Security headers on every response. Pages get a Content-Security-Policy with a fresh nonce per
//! render (Leptos puts the same nonce on its hydration and streaming scripts), so no inline
//! script runs unless we wrote it; `'wasm-unsafe-eval'` lets the app's WebAssembly compile.
//! Everything else gets a policy that forbids framing, plugins and `<base>`. HSTS is sent when the
//! public URL is https.

use super::origin::OriginPolicy;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of responses that are not pages (JSON, files, errors).
const BASE_POLICY: &str =
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Two years, as the HSTS preload list asks.
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The Content-Security-Policy of a page rendered with `nonce`. `reload_port` is the dev
/// server's live-reload WebSocket port (`cargo xtask serve`), when it runs.
pub fn page_policy(nonce: &str, reload_port: Option<u32>) -> String {
    let reload = reload_port
        .map(|port| format!(" ws://*:{port} wss://*:{port}"))
        .unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Called while a page renders (in the Leptos context): sets the page's policy with the nonce
/// Leptos generated for this response.
pub fn set_page_policy(reload_port: Option<u32>) {
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, reload_port)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// The live-reload port when the dev server runs (it sets `LEPTOS_WATCH`, as cargo-leptos does).
pub fn reload_port(options: &leptos::config::LeptosOptions) -> Option<u32> {
    std::env::var_os("LEPTOS_WATCH").map(|_| options.reload_port)
}

/// Middleware adding the headers every response carries.
pub async fn security_headers(
    State(policy): State<OriginPolicy>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed: [(HeaderName, &str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(BASE_POLICY),
        );
    }
    if policy.public_is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
        secure_cookies(headers);
    }
    response
}

/// Marks every cookie `Secure`: the effective public URL (the `PUBLIC_BASE_URL` variable, or the
/// "Public base URL" setting, changed at any time) is https, so browsers reach us over TLS even
/// when the proxy in front talks plain http to us.
fn secure_cookies(headers: &mut axum::http::HeaderMap) {
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    if cookies.is_empty() {
        return;
    }
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        let secure = match cookie.to_str() {
            Ok(text) if !has_secure(text) => {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or(cookie)
            }
            _ => cookie,
        };
        headers.append(header::SET_COOKIE, secure);
    }
}

/// Whether a `Set-Cookie` value already has the `Secure` attribute.
fn has_secure(cookie: &str) -> bool {
    cookie
        .split(';')
        .skip(1)
        .any(|attribute| attribute.trim().eq_ignore_ascii_case("secure"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_become_secure_once() {
        let mut headers = axum::http::HeaderMap::new();
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("id=abc; HttpOnly; Path=/"),
        );
        headers.append(
            header::SET_COOKIE,
            HeaderValue::from_static("other=1; secure"),
        );
        secure_cookies(&mut headers);
        let values: Vec<&str> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap())
            .collect();
        assert_eq!(
            values,
            ["id=abc; HttpOnly; Path=/; Secure", "other=1; secure"]
        );
        assert!(
            !has_secure("secure=1; HttpOnly"),
            "a cookie named secure is not the attribute"
        );
    }

    #[test]
    fn the_page_policy_allows_only_our_scripts_and_wasm() {
        let policy = page_policy("abc123", None);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
        assert!(!policy.contains("ws://"));
        assert!(
            page_policy("n", Some(3001)).contains("connect-src 'self' ws://*:3001 wss://*:3001")
        );
    }
}
