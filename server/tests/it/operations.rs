//! What operators run the server with (issue 13): readiness, graceful shutdown with a live call
//! (carried by the sandbox and the demo agent), and `/metrics` behind its bearer token.

use crate::calls::{create_order, save};
use crate::helpers::spawn_app;
use crate::sandbox_call::{expect_status, next, place_and_ring_call, sandbox_app, wait_for_status};
use futures_util::StreamExt;
use server::sandbox::phone::ToPhone;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const PATIENCE: Duration = Duration::from_secs(20);
const METRICS_TOKEN: &str = "metrics-token-0123456789abcdef";

/// Waits until the phone hears the agent: the call's audio is bridged on this server.
async fn agent_heard(tab: &mut server::sandbox::phone::Tab) {
    while !matches!(next(tab).await, ToPhone::Audio(_)) {}
}

async fn ready(app: &crate::helpers::TestApp) -> (u16, serde_json::Value) {
    let response = reqwest::get(app.url("/api/v1/ready")).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn sigterm_lets_a_live_call_finish_refuses_new_work_and_turns_readiness_false() {
    let app = sandbox_app().await;
    save(&app, "shutdown_grace_seconds", "60").await;
    let (_, cookie) = app
        .sign_in(crate::helpers::ADMIN_EMAIL, crate::helpers::ADMIN_PASSWORD)
        .await;
    let mut browser = app.live_socket(&cookie).await;
    assert_eq!(ready(&app).await, (200, serde_json::json!({"ready": true})));

    // A call in progress, its audio bridged here.
    let order_id = create_order(&app, "ORD-D1", "+33612345681").await;
    let mut tab = app.sandbox.phones.open("+33612345681");
    let (_, sid) = place_and_ring_call(&app, &mut tab, order_id).await;
    let line = app.sandbox.phones.answer(&tab, &sid).expect("rings");
    expect_status(&app, &sid, "in-progress").await;
    agent_heard(&mut tab).await;

    app.terminate();
    // Readiness turns false at once; the browser's socket is closed so it reconnects elsewhere.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while ready(&app).await.0 != 503 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "readiness stayed true"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        ready(&app).await,
        (
            503,
            serde_json::json!({"ready": false, "reason": "draining"})
        )
    );
    let closed = loop {
        match tokio::time::timeout(PATIENCE, browser.next())
            .await
            .expect("closed in time")
        {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(closed.map(|f| u16::from(f.code)), Some(1012));

    // New work is refused: a call, a live socket.
    let other = create_order(&app, "ORD-D2", "+33612345682")
        .await
        .to_string();
    let refused = app
        .call(
            "calls/place",
            &[
                ("order_id", &other),
                ("recipient", "customer"),
                ("provider", "demo"),
                ("purpose", ""),
            ],
        )
        .await;
    assert_eq!(refused.status(), 503);
    let body = refused.text().await.unwrap();
    assert!(body.contains("ShuttingDown"), "{body}");
    let upgrade = reqwest::Client::new()
        .get(app.url("/api/v1/live"))
        .header("cookie", &cookie)
        .header("origin", &app.address)
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .send()
        .await
        .unwrap();
    assert_eq!(upgrade.status(), 503);

    // The live call goes on (the server waits for it) until the customer hangs up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    expect_status(&app, &sid, "in-progress").await;
    drop(line);
    expect_status(&app, &sid, "completed").await;
    assert!(
        app.stopped(PATIENCE).await,
        "the server stops once the call is over"
    );
}

#[tokio::test]
async fn a_call_still_running_when_the_grace_period_ends_hears_an_apology_and_is_recorded() {
    let app = sandbox_app().await;
    save(&app, "shutdown_grace_seconds", "1").await;
    let order_id = create_order(&app, "ORD-D3", "+33612345683").await;
    let mut tab = app.sandbox.phones.open("+33612345683");
    let (_, sid) = place_and_ring_call(&app, &mut tab, order_id).await;
    let _line = app.sandbox.phones.answer(&tab, &sid).expect("rings");
    expect_status(&app, &sid, "in-progress").await;
    agent_heard(&mut tab).await;

    app.terminate();
    // The apology (TwiML `<Say>` through the REST API) is captioned on the phone, then it ends.
    let mut captions = Vec::new();
    loop {
        match next(&mut tab).await {
            ToPhone::Caption { text } => captions.push(text),
            ToPhone::Ended { .. } => break,
            _ => {}
        }
    }
    assert!(
        captions
            .iter()
            .any(|c| c.to_lowercase().contains("désolé") || c.to_lowercase().contains("sorry")),
        "{captions:?}"
    );
    let call = wait_for_status(&app, &sid, "failed").await;
    assert_eq!(call.status, "failed");
    assert_eq!(
        call.failure_reason.as_deref(),
        Some("The server shut down during the call")
    );
    assert!(app.stopped(PATIENCE).await);
}

#[tokio::test]
async fn metrics_need_their_bearer_token_and_count_what_happened() {
    let app = spawn_app().await;
    app.login_admin().await;
    let metrics = |token: Option<&str>| {
        let request = reqwest::Client::new().get(app.url("/metrics"));
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send()
    };
    // Off until a token is set.
    assert_eq!(metrics(Some(METRICS_TOKEN)).await.unwrap().status(), 404);
    save(&app, "metrics_token", METRICS_TOKEN).await;
    let refused = metrics(None).await.unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        metrics(Some("wrong-token-0123456789abcdef"))
            .await
            .unwrap()
            .status(),
        401
    );

    // A forged status callback is refused and counted.
    let forged = reqwest::Client::new()
        .post(app.url("/api/v1/orders/1/twilio-status"))
        .header("x-twilio-signature", "forged")
        .form(&[
            ("CallSid", "CA00000000000000000000000000000001"),
            ("CallStatus", "ringing"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let response = metrics(Some(METRICS_TOKEN)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for line in [
        "# TYPE orderline_webhook_signature_failures_total counter",
        "orderline_webhook_signature_failures_total{webhook=\"status\"} 1",
        "# TYPE orderline_sms_queue_depth gauge",
        "orderline_sms_queue_depth 0",
        "orderline_live_calls 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in:\n{text}"
        );
    }
    // The token is a secret: never shown back.
    let page = app
        .client
        .get(app.url("/admin/settings"))
        .send()
        .await
        .unwrap();
    assert!(!page.text().await.unwrap().contains(METRICS_TOKEN));
}

/// Signs in as the admin with a fresh client; the session's `Set-Cookie`.
async fn login_cookie(app: &crate::helpers::TestApp) -> String {
    let client = crate::helpers::client_for(&app.address);
    let response = app
        .login_with(
            &client,
            crate::helpers::ADMIN_EMAIL,
            crate::helpers::ADMIN_PASSWORD,
        )
        .await;
    assert_eq!(response.status(), 200);
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn session_cookies_follow_the_public_url_setting_to_secure() {
    let app = spawn_app().await;
    let plain = login_cookie(&app).await;
    assert!(!plain.to_lowercase().contains("secure"), "{plain}");
    // Behind a TLS proxy, set in Settings (no restart, no environment variable).
    app.login_admin().await;
    save(&app, "public_base_url", "https://desk.example.com").await;
    let secure = login_cookie(&app).await;
    assert!(secure.ends_with("; Secure"), "{secure}");
}
