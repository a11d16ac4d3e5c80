//! Sign-in, sign-out, session expiry, cross-site refusal and the health endpoint.

use crate::helpers::{spawn_app, spawn_app_configured, ADMIN_EMAIL, ADMIN_PASSWORD};

#[tokio::test]
async fn health_reports_ok_version_and_this_instance() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(body["instance_id"], app.instance_id.as_str());
}

#[tokio::test]
async fn pages_send_signed_out_visitors_to_the_login_page() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/orders"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(response.headers()["location"], "/login");
    let (status, body) = app.page(&app.client, "/login").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sign in") && body.contains("name=\"password\""));
}

#[tokio::test]
async fn login_and_logout_change_what_the_session_can_see() {
    let app = spawn_app().await;
    app.login_admin().await;
    let (status, body) = app.page(&app.client, "/orders").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sign out"), "signed-in header expected");

    let response = app.call("logout", &[]).await;
    assert_eq!(response.status(), 200);
    let response = app
        .client
        .get(app.url("/orders"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302, "signed out again");
}

#[tokio::test]
async fn login_rotates_the_session_id() {
    let app = spawn_app().await;
    // A pre-login session (the setup page would create one; a failed login does not), so compare
    // the cookie of two successive logins instead: each login cycles the id.
    let first = app
        .login_with(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let first_cookie = first.headers()["set-cookie"].to_str().unwrap().to_owned();
    let second = app
        .login_with(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    let second_cookie = second.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert_ne!(first_cookie, second_cookie);
    for cookie in [&first_cookie, &second_cookie] {
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(
            !cookie.contains("Secure"),
            "http base URL: no Secure flag: {cookie}"
        );
    }
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong = app
        .login_with(&app.client, ADMIN_EMAIL, "not-the-password")
        .await;
    assert_eq!(wrong.status(), 401);
    let wrong_body = wrong.text().await.unwrap();
    let unknown = app
        .login_with(&app.client, "nobody@example.com", "whatever-password")
        .await;
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong_body, unknown.text().await.unwrap());
    assert!(wrong_body.contains("InvalidCredentials"), "{wrong_body}");
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = spawn_app().await;
    let response = reqwest::Client::new()
        .post(app.url("/api/login"))
        .header("origin", "https://evil.example")
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn an_active_session_slides_past_its_window_and_an_idle_one_ends() {
    let window = std::time::Duration::from_secs(2);
    let app = spawn_app_configured(true, |config| config.session_inactivity = window).await;
    app.login_admin().await;
    // Requests every half second for twice the window: still signed in at the end.
    for _ in 0..8 {
        tokio::time::sleep(window / 4).await;
        assert_eq!(
            app.page(&app.client, "/orders").await.0,
            200,
            "an active session stays signed in"
        );
    }
    tokio::time::sleep(window + std::time::Duration::from_secs(1)).await;
    let (status, _) = app.page(&app.client, "/orders").await;
    assert_eq!(status, 302, "an idle session ended: back to the login page");
}
