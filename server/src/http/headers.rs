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
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

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
