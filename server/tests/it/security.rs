//! Security headers and the same-origin rule, as a browser meets them.

use crate::helpers::{spawn_app, spawn_app_configured, ADMIN_EMAIL, ADMIN_PASSWORD};
use app::api::SettingKey;

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn pages_carry_a_nonce_policy_that_every_inline_script_follows() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let policy = header(&response, "content-security-policy").to_owned();
    assert_eq!(header(&response, "x-frame-options"), "DENY");
    assert_eq!(header(&response, "referrer-policy"), "same-origin");
    assert_eq!(header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&response, "strict-transport-security"),
        "",
        "no HSTS over plain http"
    );
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the page policy")
        .to_owned();
    assert!(nonce.len() >= 16, "{nonce}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let html = response.text().await.unwrap();
    let scripts: Vec<&str> = html.split("<script").skip(1).collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        let tag = script.split('>').next().unwrap_or_default();
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "script without the page's nonce: <script{tag}>"
        );
    }
    // A fresh nonce per response.
    let again = app.client.get(app.url("/login")).send().await.unwrap();
    assert!(!header(&again, "content-security-policy").contains(&nonce));
}

#[tokio::test]
async fn other_responses_forbid_framing_and_scripts() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    let policy = header(&response, "content-security-policy");
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
}

async fn login_from(app: &crate::helpers::TestApp, origin: &str, host: &str) -> u16 {
    reqwest::Client::new()
        .post(app.url("/api/login"))
        .header("origin", origin)
        .header("host", host)
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn without_a_public_url_only_loopback_on_our_port_is_same_origin() {
    let app = spawn_app().await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    for name in ["localhost", "127.0.0.1", "[::1]"] {
        let origin = format!("http://{name}:{port}");
        assert_eq!(
            login_from(&app, &origin, &format!("127.0.0.1:{port}")).await,
            200,
            "{origin}"
        );
    }
    // The Host header used to vouch for any origin naming the same host.
    assert_eq!(
        login_from(&app, "http://evil.example", "evil.example").await,
        403
    );
    assert_eq!(
        login_from(&app, "http://127.0.0.1:1", &format!("127.0.0.1:{port}")).await,
        403,
        "another port is another origin"
    );
}

#[tokio::test]
async fn with_an_https_public_url_its_origin_passes_and_hsts_is_sent() {
    let app = spawn_app_configured(true, |config| {
        config
            .setting_overrides
            .pinned
            .insert(SettingKey::PublicBaseUrl, "https://desk.example.com".into());
    })
    .await;
    let port = app.address.rsplit(':').next().unwrap().to_owned();
    assert_eq!(
        login_from(&app, "https://desk.example.com", "desk.example.com").await,
        200
    );
    assert_eq!(
        login_from(&app, "http://desk.example.com", "desk.example.com").await,
        403
    );
    assert_eq!(
        login_from(
            &app,
            "https://desk.example.com.evil.example",
            "desk.example.com"
        )
        .await,
        403
    );
    // The desk on the server's own machine, talking to the port directly, still works.
    let local = format!("http://localhost:{port}");
    assert_eq!(
        login_from(&app, &local, &format!("localhost:{port}")).await,
        200
    );
    // ...but not a page on a visitor's localhost posting through the public name.
    assert_eq!(login_from(&app, &local, "desk.example.com").await, 403);

    let response = app.client.get(app.url("/login")).send().await.unwrap();
    assert!(header(&response, "strict-transport-security").starts_with("max-age="));
}
