//! Sign-in, sign-out, first-admin setup, lockout, cross-site refusal and the health endpoint.

use crate::helpers::{client_for, spawn_app, spawn_app_with, ADMIN_EMAIL, ADMIN_PASSWORD};

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
async fn five_failures_for_one_email_lock_it_with_429_even_for_the_right_password() {
    let app = spawn_app().await;
    for _ in 0..5 {
        let response = app
            .login_with(&app.client, ADMIN_EMAIL, "bad-password")
            .await;
        assert_eq!(response.status(), 401);
    }
    let response = app
        .login_with(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(response.status(), 429);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("TooManyAttempts") && body.contains("15"),
        "{body}"
    );
}

#[tokio::test]
async fn five_failures_from_one_ip_lock_that_ip_for_every_email() {
    let app = spawn_app_with(true, true).await;
    let attacker = |ip: &'static str| {
        let client = client_for(&app.address);
        (client, ip)
    };
    let (client, ip) = attacker("203.0.113.7");
    for n in 0..5 {
        let response = client
            .post(app.url("/api/login"))
            .header("x-forwarded-for", ip)
            .form(&[
                ("email", format!("user{n}@example.com")),
                ("password", "guess-password".into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
    }
    let locked = client
        .post(app.url("/api/login"))
        .header("x-forwarded-for", ip)
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), 429);
    let other_ip = client
        .post(app.url("/api/login"))
        .header("x-forwarded-for", "198.51.100.2")
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(other_ip.status(), 200, "another address is not locked");
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
async fn the_setup_link_creates_the_first_admin_once() {
    let app = spawn_app_with(false, false).await;
    let link = app
        .setup_link
        .clone()
        .expect("a setup link when there are no users");
    let token = link.split("token=").nth(1).unwrap().to_owned();
    let (status, body) = app
        .page(&app.client, &format!("/setup?token={token}"))
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("Create admin"), "setup form shown");

    let bad = app
        .call(
            "setup",
            &[
                ("token", "forged"),
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "long-password"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 403);

    let weak = app
        .call(
            "setup",
            &[
                ("token", &token),
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(weak.status(), 422, "password policy applies");

    let ok = app
        .call(
            "setup",
            &[
                ("token", &token),
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "long-password"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
    let (status, body) = app.page(&app.client, "/admin/users").await;
    assert_eq!(status, 200);
    assert!(body.contains("ada@example.com"));

    let again = client_for(&app.address);
    let reused = app
        .call_with(
            &again,
            "setup",
            &[
                ("token", &token),
                ("name", "Bob"),
                ("email", "bob@example.com"),
                ("password", "long-password"),
            ],
        )
        .await;
    assert_eq!(reused.status(), 403, "the link works once");
}
