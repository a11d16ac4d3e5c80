//! The first-admin setup link: used once, checked before any hash, expired after an hour,
//! printed to the terminal and never logged.

use crate::helpers::{client_for, spawn_app_configured, spawn_app_with, TestApp};
use app::api::Role;
use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::EntityTrait;
use server::db::entities::setup_tokens;
use std::sync::{Arc, Mutex};

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

#[tokio::test]
async fn forged_links_and_finished_setups_are_refused_before_any_hash() {
    // No hashing permit at all: whatever reaches the hasher gets 503.
    let app = spawn_app_configured(false, |config| config.password_hash_concurrency = 0).await;
    let token = setup_token(&app);
    let forged = setup(&app, &app.client, "forged").await;
    assert_eq!(forged.status(), 403, "refused before hashing");
    let real = setup(&app, &app.client, &token).await;
    assert_eq!(real.status(), 503, "only a real link reaches the hasher");

    server::db::repo::users::insert(
        &app.db,
        "Ann",
        "ann@example.com",
        "stored-hash".into(),
        Role::Admin,
    )
    .await
    .unwrap();
    let after_setup = setup(&app, &app.client, &token).await;
    assert_eq!(
        after_setup.status(),
        403,
        "once an account exists, refused before hashing"
    );
}

#[tokio::test]
async fn a_setup_link_older_than_an_hour_is_refused() {
    let app = spawn_app_with(false, false).await;
    let token = setup_token(&app);
    setup_tokens::Entity::update_many()
        .col_expr(
            setup_tokens::Column::CreatedAt,
            Expr::value(Utc::now() - Duration::minutes(61)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    let (status, body) = app
        .page(&app.client, &format!("/setup?token={token}"))
        .await;
    assert_eq!(status, 200);
    assert!(body.contains("expired"), "{body}");
    assert!(
        !body.contains("Create admin"),
        "no form for an expired link"
    );
    let late = setup(&app, &app.client, &token).await;
    assert_eq!(late.status(), 403);
}

#[tokio::test(flavor = "current_thread")]
async fn the_setup_link_is_printed_to_the_terminal_never_logged() {
    let logs = CapturedLogs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .finish();
    let app = {
        let _guard = tracing::subscriber::set_default(subscriber);
        spawn_app_with(false, false).await
    };
    let token = setup_token(&app);
    let logged = logs.text();
    assert!(
        logged.contains("a one-time setup link was printed to the terminal"),
        "{logged}"
    );
    assert!(!logged.contains(&token), "the token is not in the log");
}

fn setup_token(app: &TestApp) -> String {
    let link = app.setup_link.clone().expect("a setup link with no users");
    link.split("token=").nth(1).unwrap().to_owned()
}

async fn setup(app: &TestApp, client: &reqwest::Client, token: &str) -> reqwest::Response {
    app.call_with(
        client,
        "setup",
        &[
            ("token", token),
            ("name", "Ada"),
            ("email", "ada@example.com"),
            ("password", "long-password"),
        ],
    )
    .await
}

/// A log writer that keeps everything in memory.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for CapturedLogs {
    type Writer = CapturedLogs;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
