//! The sign-in lockout (growing delay per email and address, hard limit per address, attempts
//! reserved before the password check, pruning) and the password-hashing gate.

use crate::helpers::{
    client_for, spawn_app, spawn_app_configured, spawn_app_with, TestApp, ADMIN_EMAIL,
    ADMIN_PASSWORD,
};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use server::db::entities::login_attempts;

#[tokio::test]
async fn five_failures_for_one_email_and_address_delay_even_the_right_password() {
    let app = spawn_app().await;
    fail_logins(&app, 5).await;
    let response = app
        .login_with(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(response.status(), 429);
    let wait = retry_after(&response);
    assert!(
        (1..=2).contains(&wait),
        "2 s after the fifth failure: {wait}"
    );
    let body = response.text().await.unwrap();
    assert!(body.contains("TooManyAttempts"), "{body}");
}

#[tokio::test]
async fn twenty_failures_from_one_ip_lock_that_ip_for_every_email() {
    let app = spawn_app_with(true, true).await;
    let client = client_for(&app.address);
    let ip = "203.0.113.7";
    for n in 0..20 {
        let response = login_from(
            &app,
            &client,
            ip,
            &format!("user{n}@example.com"),
            "guess-password",
        )
        .await;
        assert_eq!(response.status(), 401, "attempt {n}");
    }
    let locked = login_from(&app, &client, ip, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(locked.status(), 429);
    assert!(retry_after(&locked) > 14 * 60, "until the window passes");
    let other_ip = login_from(&app, &client, "198.51.100.2", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(other_ip.status(), 200, "another address is not locked");
}

#[tokio::test]
async fn someone_elses_failures_do_not_lock_the_account_for_other_addresses() {
    let app = spawn_app_with(true, true).await;
    let attacker = "203.0.113.66";
    // Seven failures of the attacker's pair, the newest a second ago: the next waits 2^3 s.
    let now = Utc::now();
    for n in 0..7 {
        insert_attempt(
            &app,
            ADMIN_EMAIL,
            attacker,
            now - Duration::seconds(1 + 10 * n),
        )
        .await;
    }
    let client = client_for(&app.address);
    let refused = login_from(&app, &client, attacker, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(refused.status(), 429);
    let wait = retry_after(&refused);
    assert!(
        (6..=7).contains(&wait),
        "8 s after the newest failure: {wait}"
    );
    let admin = client_for(&app.address);
    let response = login_from(&app, &admin, "198.51.100.2", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(
        response.status(),
        200,
        "the admin's own address is not locked"
    );
}

#[tokio::test]
async fn parallel_wrong_guesses_are_checked_no_more_than_the_free_failures() {
    let app = spawn_app().await;
    let guesses = (0..20).map(|n| {
        let client = client_for(&app.address);
        let app = &app;
        async move {
            app.login_with(&client, ADMIN_EMAIL, &format!("guess-{n}-password"))
                .await
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(guesses).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| matches!(**s, 429 | 503)).count();
    assert_eq!(checked + refused, 20, "{statuses:?}");
    // Each attempt counts every other one in flight, so a burst may even be refused whole
    // (PostgreSQL runs the twenty side by side); what must never happen is a sixth check.
    assert!(
        checked <= 5,
        "only the five free failures may reach the password check: {statuses:?}"
    );
    let remaining = login_attempts::Entity::find()
        .filter(login_attempts::Column::Succeeded.eq(false))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(
        remaining as usize, checked,
        "refused attempts were released, checked ones stay failures"
    );
}

#[tokio::test]
async fn a_right_password_clears_the_delay_of_its_pair() {
    let app = spawn_app().await;
    fail_logins(&app, 4).await;
    app.login_admin().await;
    let response = app
        .login_with(&app.client, ADMIN_EMAIL, "bad-password")
        .await;
    assert_eq!(
        response.status(),
        401,
        "counting starts again after a success"
    );
    let attempts = login_attempts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(attempts.iter().filter(|a| a.succeeded).count(), 1);
}

#[tokio::test]
async fn sign_in_attempts_older_than_a_day_are_pruned() {
    let app = spawn_app().await;
    let now = Utc::now();
    insert_attempt(&app, ADMIN_EMAIL, "203.0.113.1", now - Duration::hours(25)).await;
    insert_attempt(&app, ADMIN_EMAIL, "203.0.113.1", now - Duration::hours(23)).await;
    // The start-up pruning task may get there first: what counts is what is left.
    server::auth::prune_login_attempts(&app.db).await.unwrap();
    let left = login_attempts::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].attempted_at > now - Duration::hours(24));
}

#[tokio::test]
async fn a_full_hashing_gate_answers_503_at_once_and_counts_no_failure() {
    // No hashing permit at all (and so no bootstrap admin, whose password would need one).
    let app = spawn_app_configured(false, |config| config.password_hash_concurrency = 0).await;
    let response = app
        .login_with(&app.client, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert_eq!(response.status(), 503);
    assert_eq!(retry_after(&response), 1);
    let body = response.text().await.unwrap();
    assert!(body.contains("Busy"), "{body}");
    let attempts = login_attempts::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(attempts, 0, "an attempt never checked is released");
}

/// `count` wrong passwords for the admin from the test's client, each answered 401.
async fn fail_logins(app: &TestApp, count: usize) {
    for n in 0..count {
        let response = app
            .login_with(&app.client, ADMIN_EMAIL, "bad-password")
            .await;
        assert_eq!(response.status(), 401, "failure {n}");
    }
}

/// The `Retry-After` header, in seconds.
fn retry_after(response: &reqwest::Response) -> u64 {
    response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn login_from(
    app: &TestApp,
    client: &reqwest::Client,
    ip: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(app.url("/api/login"))
        .header("x-forwarded-for", ip)
        .form(&[("email", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

async fn insert_attempt(app: &TestApp, email: &str, ip: &str, at: chrono::DateTime<Utc>) {
    login_attempts::ActiveModel {
        email: Set(email.to_owned()),
        ip: Set(ip.to_owned()),
        succeeded: Set(false),
        attempted_at: Set(at),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
}
