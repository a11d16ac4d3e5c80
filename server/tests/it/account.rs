//! A user's own account (issue 14): the page language (profile, else cookie, else
//! Accept-Language, else English) rendered by the server, the profile's name and language, a
//! password change that needs the current password and ends the other sessions (their live
//! sockets too), "sign out everywhere", and an admin deleting an order created by mistake.

use crate::helpers::{client_for, spawn_app, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};
use futures_util::StreamExt;
use serde_json::Value;
use std::time::Duration;

/// The `<html>` tag and the `<h1>` of `path` fetched by `client` with `accept_language`.
async fn page_lang(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    accept_language: &str,
) -> (String, String) {
    let body = client
        .get(app.url(path))
        .header("accept", "text/html")
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let tag = |open: &str, close: &str| {
        body.split(open)
            .nth(1)
            .and_then(|rest| rest.split(close).next())
            .unwrap_or_default()
            .to_owned()
    };
    (tag("<html", ">"), tag("<h1>", "</h1>"))
}

#[tokio::test]
async fn the_page_language_is_the_profile_s_else_the_browser_s_else_english() {
    let app = spawn_app().await;
    let anonymous = client_for(&app.address);
    let (html, h1) = page_lang(&app, &anonymous, "/login", "fr-CH, fr;q=0.9, en;q=0.8").await;
    assert!(html.contains("lang=\"fr\""), "{html}");
    assert_eq!(h1, "Connexion");
    let (html, h1) = page_lang(&app, &anonymous, "/login", "de-DE, de;q=0.9").await;
    assert!(html.contains("lang=\"en\""), "{html}");
    assert_eq!(h1, "Sign in");

    // The admin picks French: every page follows, whatever the browser asks for.
    app.login_admin().await;
    let (_, h1) = page_lang(&app, &app.client, "/orders", "en-US").await;
    assert_eq!(h1, "Orders");
    let saved = app
        .call("account/save", &[("name", "Ada Admin"), ("language", "fr")])
        .await;
    assert_eq!(saved.status(), 200);
    let cookie = saved.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("orderline_lang=fr;"), "{cookie}");
    let (html, h1) = page_lang(&app, &app.client, "/orders", "en-US").await;
    assert!(html.contains("lang=\"fr\""), "{html}");
    assert_eq!(h1, "Commandes");
    // Signed out, this browser keeps French (the cookie), a new one gets its own language.
    assert_eq!(app.call("logout", &[]).await.status(), 200);
    let (_, h1) = page_lang(&app, &app.client, "/login", "en-US").await;
    assert_eq!(h1, "Connexion");
    // A new browser signing in as the admin gets the profile's language.
    let other = client_for(&app.address);
    assert_eq!(
        app.login_with(&other, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
    let (_, h1) = page_lang(&app, &other, "/orders", "en-US").await;
    assert_eq!(h1, "Commandes");

    // Back to the browser's language; an unknown language is refused by field.
    let refused = app
        .call_with(
            &other,
            "account/save",
            &[("name", "Ada"), ("language", "de")],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert!(body.to_string().contains("language"), "{body}");
    let saved = app
        .call_with(&other, "account/save", &[("name", "Ada"), ("language", "")])
        .await;
    assert_eq!(saved.status(), 200);
    let (_, h1) = page_lang(&app, &other, "/orders", "en-US").await;
    assert_eq!(h1, "Orders");
}

#[tokio::test]
async fn the_profile_shows_the_name_language_and_signed_in_sessions() {
    let app = spawn_app().await;
    let browser = |agent: &'static str| {
        reqwest::Client::builder()
            .cookie_store(true)
            .user_agent(agent)
            .default_headers(
                [(reqwest::header::ORIGIN, app.address.parse().unwrap())]
                    .into_iter()
                    .collect(),
            )
            .build()
            .unwrap()
    };
    let firefox = browser("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    let phone = browser(
        "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
    );
    for client in [&firefox, &phone] {
        let login = app.login_with(client, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(login.status(), 200);
    }
    let empty = app
        .call_with(
            &firefox,
            "account/save",
            &[("name", "  "), ("language", "fr")],
        )
        .await;
    assert_eq!(empty.status(), 422);
    let saved = app
        .call_with(
            &firefox,
            "account/save",
            &[("name", "Ada Lovelace"), ("language", "fr")],
        )
        .await;
    assert_eq!(saved.status(), 200);
    let profile: Value = app
        .call_with(&firefox, "account/profile", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(profile["name"], "Ada Lovelace");
    assert_eq!(profile["email"], ADMIN_EMAIL);
    assert_eq!(profile["language"], "fr");
    let sessions = profile["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "{profile}");
    let current: Vec<_> = sessions.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["device"], "Firefox · Linux");
    assert!(sessions.iter().any(|s| s["device"] == "Chrome · Android"));
    // The profile is the caller's own: nothing to ask for another user.
    let anonymous = client_for(&app.address);
    let refused = app.call_with(&anonymous, "account/profile", &[]).await;
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn a_password_change_needs_the_current_one_and_ends_the_other_sessions_at_once() {
    let app = spawn_app().await;
    let (here, _) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (there, there_cookie) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut socket = app.live_socket(&there_cookie).await;

    let wrong = app
        .call_with(
            &here,
            "account/password",
            &[
                ("current_password", "nope-nope"),
                ("new_password", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.text().await.unwrap().contains("current_password"));
    let short = app
        .call_with(
            &here,
            "account/password",
            &[
                ("current_password", ADMIN_PASSWORD),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status(), 422);

    let changed = app
        .call_with(
            &here,
            "account/password",
            &[
                ("current_password", ADMIN_PASSWORD),
                ("new_password", "brand-new-password"),
            ],
        )
        .await;
    assert_eq!(changed.status(), 200);
    // This session goes on; the other one is over, and its live socket closes at once.
    assert_eq!(app.page(&here, "/orders").await.0, 200);
    let (status, _) = app.page(&there, "/orders").await;
    assert_ne!(status, 200, "the other session is signed out");
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(2), socket.next()).await {
            Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Close(frame)))) => break frame,
            Ok(Some(Ok(_))) => continue,
            other => panic!("expected the socket to close within 2 s, got {other:?}"),
        }
    };
    assert_eq!(closed.map(|f| u16::from(f.code)), Some(1008));
    let profile: Value = app
        .call_with(&here, "account/profile", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        profile["sessions"].as_array().unwrap().len(),
        1,
        "{profile}"
    );
    // The old password no longer signs in; the new one does.
    let fresh = client_for(&app.address);
    assert_eq!(
        app.login_with(&fresh, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login_with(&fresh, ADMIN_EMAIL, "brand-new-password")
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_this_one_included() {
    let app = spawn_app().await;
    let (here, _) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (there, _) = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let done = app
        .call_with(&here, "account/sign-out-everywhere", &[])
        .await;
    assert_eq!(done.status(), 200);
    for client in [&here, &there] {
        let (status, _) = app.page(client, "/orders").await;
        assert_ne!(status, 200);
        let refused = app.call_with(client, "account/profile", &[]).await;
        assert_eq!(refused.status(), 401);
    }
    // The password is unchanged.
    let fresh = client_for(&app.address);
    assert_eq!(
        app.login_with(&fresh, ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn an_admin_deletes_an_order_made_by_mistake_but_not_one_with_texts_nor_as_staff() {
    let c = crate::sms::sms_app().await;
    let app = &c.app;
    let mistake = crate::calls::create_order(app, "OOPS-1", "06 12 34 56 78").await;
    let kept = crate::calls::create_order(app, "KEEP-1", "06 12 34 56 79").await;
    // A text to KEEP-1 keeps it on record.
    let (status, sent) = crate::sms::send(&c, kept, "Bonjour").await;
    assert_eq!(status, 200, "{sent}");

    let staff = app.staff_client("sam@example.com").await;
    let id = mistake.to_string();
    let refused = app.call_with(&staff, "orders/delete", &[("id", &id)]).await;
    assert_eq!(refused.status(), 403);

    let deleted = app.call("orders/delete", &[("id", &id)]).await;
    assert_eq!(deleted.status(), 200);
    assert_eq!(app.call("orders/get", &[("id", &id)]).await.status(), 404);
    let again = app.call("orders/delete", &[("id", &id)]).await;
    assert_eq!(again.status(), 404);

    let refused = app
        .call("orders/delete", &[("id", &kept.to_string())])
        .await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("KEEP-1"));
    let still = app.call("orders/get", &[("id", &kept.to_string())]).await;
    assert_eq!(still.status(), 200);
}

/// The text composer's data for order `id`.
async fn composer(app: &TestApp, id: &str) -> Value {
    let response = app.call("sms/for-order", &[("order_id", id)]).await;
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn an_order_carries_its_customer_s_language_defaulting_to_the_business_s() {
    let app = spawn_app().await;
    app.login_admin().await;
    let form = |language: &'static str| {
        vec![
            ("input[number]", "LANG-1"),
            ("input[customer_name]", "Jane Austen"),
            ("input[customer_phone]", "06 12 34 56 70"),
            ("input[delivery_address]", "1 rue de Rivoli, Paris"),
            ("input[items]", "1 x Tea @ 3.50"),
            ("input[language]", language),
        ]
    };
    let refused = app.call("orders/save", &form("de")).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("language"));
    let saved: Value = app
        .call("orders/save", &form("en"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(saved["language"], "en");
    let id = saved["id"].to_string();
    let (_, page) = app.page(&app.client, &format!("/orders/{id}")).await;
    assert!(page.contains("Customer language"), "the order page says it");
    assert!(page.contains(">English<"), "{page}");
    // The text composer opens on the template in the customer's language, filled in it.
    let texts = composer(&app, &id).await;
    assert_eq!(texts["templates"][0]["language"], "en", "{texts}");
    let first = texts["rendered"][0].as_str().unwrap_or_default();
    assert!(first.starts_with("Hello Jane Austen"), "{first}");

    // Not given: the business's language (Settings › Agent › Language, fr-FR by default).
    let mut plain = form("");
    plain[0] = ("input[number]", "LANG-2");
    let saved: Value = app.call("orders/save", &plain).await.json().await.unwrap();
    assert_eq!(saved["language"], Value::Null);
    let (_, page) = app
        .page(&app.client, &format!("/orders/{}", saved["id"]))
        .await;
    assert!(
        page.contains("Français (the business’s language)"),
        "{page}"
    );
    let id = saved["id"].to_string();
    let texts = composer(&app, &id).await;
    assert_eq!(texts["templates"][0]["language"], "fr", "{texts}");
}
