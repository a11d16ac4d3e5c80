//! Admin pages and user management: roles, password reset, deactivation.

use crate::helpers::{client_for, spawn_app};

#[tokio::test]
async fn staff_get_403_on_admin_pages_and_see_no_admin_menu() {
    let app = spawn_app().await;
    app.login_admin().await;
    let (_, admin_page) = app.page(&app.client, "/orders").await;
    assert!(
        admin_page.contains("href=\"/admin/users\""),
        "admins see the menu entry"
    );

    let staff = app.staff_client("sam@example.com").await;
    let (status, body) = app.page(&staff, "/admin/users").await;
    assert_eq!(status, 403);
    assert!(body.contains("Admins only"), "{body}");
    assert!(
        !body.contains("Create user"),
        "no admin form offered to staff"
    );
    let (status, body) = app.page(&staff, "/orders").await;
    assert_eq!(status, 200);
    assert!(
        !body.contains("href=\"/admin/users\""),
        "no admin menu for staff"
    );
    let response = app.call_with(&staff, "users/list", &[]).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_session_at_once() {
    let app = spawn_app().await;
    app.login_admin().await;
    let staff = app.staff_client("dee@example.com").await;
    assert_eq!(app.page(&staff, "/orders").await.0, 200);

    let users: serde_json::Value = app.call("users/list", &[]).await.json().await.unwrap();
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "dee@example.com")
        .unwrap()["id"]
        .to_string();
    let response = app
        .call("users/set-active", &[("id", &id), ("active", "false")])
        .await;
    assert_eq!(response.status(), 200);

    let response = staff
        .get(app.url("/orders"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        302,
        "the deactivated user's session is gone"
    );
    let relogin = app
        .login_with(
            &client_for(&app.address),
            "dee@example.com",
            "staff-password",
        )
        .await;
    assert_eq!(relogin.status(), 401);
}

#[tokio::test]
async fn a_password_reset_changes_the_password_and_ends_sessions() {
    let app = spawn_app().await;
    app.login_admin().await;
    let staff = app.staff_client("rae@example.com").await;
    let users: serde_json::Value = app.call("users/list", &[]).await.json().await.unwrap();
    let id = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "rae@example.com")
        .unwrap()["id"]
        .to_string();

    let short = app
        .call("users/reset-password", &[("id", &id), ("password", "x")])
        .await;
    assert_eq!(short.status(), 422);
    let response = app
        .call(
            "users/reset-password",
            &[("id", &id), ("password", "brand-new-password")],
        )
        .await;
    assert_eq!(response.status(), 200);

    assert_eq!(
        staff
            .get(app.url("/orders"))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap()
            .status(),
        302
    );
    let fresh = client_for(&app.address);
    assert_eq!(
        app.login_with(&fresh, "rae@example.com", "staff-password")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login_with(&fresh, "rae@example.com", "brand-new-password")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn duplicate_emails_are_refused_field_by_field() {
    let app = spawn_app().await;
    app.login_admin().await;
    app.staff_client("twin@example.com").await;
    let response = app
        .call(
            "users/create",
            &[
                ("name", ""),
                ("email", "TWIN@example.com"),
                ("password", "staff-password"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("already exists") && body.contains("\"name\""),
        "{body}"
    );
}
