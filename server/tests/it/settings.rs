//! Settings > Connections: autosave per field, validation, env precedence, sealed secrets, audit,
//! and the connection tests against fake Twilio, OpenAI and Gemini servers.

use crate::fakes;
use crate::helpers::{spawn_app, spawn_app_configured, TestApp};
use app::api::SettingKey;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

async fn save(app: &TestApp, key: &str, value: &str) -> (u16, Value) {
    let response = app
        .call("settings/save", &[("key", key), ("value", value)])
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn list(app: &TestApp) -> Vec<Value> {
    app.call("settings/list", &[])
        .await
        .json::<Vec<Value>>()
        .await
        .unwrap()
}

fn find<'a>(views: &'a [Value], key: &str) -> &'a Value {
    views.iter().find(|v| v["key"] == key).unwrap()
}

async fn stored_value(app: &TestApp, key: &str) -> Option<String> {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "SELECT value FROM settings WHERE key = $1",
        _ => "SELECT value FROM settings WHERE key = ?",
    };
    let row = app
        .db
        .query_one(Statement::from_sql_and_values(backend, sql, [key.into()]))
        .await
        .unwrap()?;
    row.try_get::<String>("", "value").ok()
}

#[tokio::test]
async fn fields_save_one_by_one_and_secrets_are_sealed_and_masked() {
    let app = spawn_app().await;
    app.login_admin().await;
    assert_eq!(
        save(&app, "twilio_account_sid", fakes::ACCOUNT_SID).await.0,
        200
    );
    let (status, token_view) = save(&app, "twilio_auth_token", fakes::AUTH_TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(token_view["value"], "");
    assert_eq!(token_view["secret_hint"], "set, ends in 3210");
    assert_eq!(save(&app, "twilio_enabled", "true").await.0, 200);

    let views = list(&app).await;
    assert_eq!(
        find(&views, "twilio_account_sid")["value"],
        fakes::ACCOUNT_SID
    );
    assert_eq!(find(&views, "twilio_account_sid")["source"], "database");
    assert_eq!(find(&views, "twilio_enabled")["value"], "true");
    let listed = serde_json::to_string(&views).unwrap();
    assert!(
        !listed.contains(fakes::AUTH_TOKEN),
        "the token never goes back to the browser"
    );

    let sealed = stored_value(&app, "twilio_auth_token").await.unwrap();
    assert!(
        sealed.starts_with("v1:") && !sealed.contains(fakes::AUTH_TOKEN),
        "encrypted at rest"
    );
    assert_eq!(
        app.settings.current().get(SettingKey::TwilioAuthToken),
        fakes::AUTH_TOKEN
    );

    let audit: Vec<Value> = app.call("settings/audit", &[]).await.json().await.unwrap();
    assert_eq!(audit.len(), 3);
    assert_eq!(audit[0]["key"], "twilio_enabled");
    assert_eq!(audit[0]["user"], "Admin");
    assert!(!serde_json::to_string(&audit)
        .unwrap()
        .contains(fakes::AUTH_TOKEN));
}

#[tokio::test]
async fn an_invalid_value_is_refused_for_its_field_and_nothing_else_changes() {
    let app = spawn_app().await;
    app.login_admin().await;
    assert_eq!(
        save(&app, "twilio_phone_number", "+15005550006").await.0,
        200
    );
    let (status, error) = save(&app, "twilio_phone_number", "0612").await;
    assert_eq!(status, 422);
    assert_eq!(error["Validation"][0]["field"], "twilio_phone_number");
    assert_eq!(
        error["Validation"][0]["message"],
        "is not a valid phone number: write it as +33612345678 or 06 12 34 56 78"
    );
    let (status, _) = save(&app, "twilio_account_sid", "AC123").await;
    assert_eq!(status, 422);
    let views = list(&app).await;
    assert_eq!(
        find(&views, "twilio_phone_number")["value"],
        "+15005550006",
        "the valid value stays"
    );
    assert_eq!(find(&views, "twilio_account_sid")["value"], "");
    let unknown = app
        .call("settings/save", &[("key", "no_such_key"), ("value", "x")])
        .await;
    assert_ne!(unknown.status(), 200);
    let body = unknown.text().await.unwrap();
    assert!(
        body.contains("BadRequest") && body.contains("no_such_key"),
        "unknown keys are refused at the edge: {body}"
    );
}
#[tokio::test]
async fn the_phone_number_is_read_like_order_phones_and_stored_in_e164() {
    let app = spawn_app().await;
    app.login_admin().await;
    let (status, view) = save(&app, "twilio_phone_number", "06 12 34 56 78").await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["value"], "+33612345678");
}

#[tokio::test]
async fn environment_values_win_and_lock_their_field() {
    let app = spawn_app_configured(true, |config| {
        config
            .setting_overrides
            .pinned
            .insert(SettingKey::GeminiModel, "gemini-3.8-live".into());
    })
    .await;
    app.login_admin().await;
    let views = list(&app).await;
    assert_eq!(find(&views, "gemini_model")["source"], "environment");
    assert_eq!(find(&views, "gemini_model")["value"], "gemini-3.8-live");
    assert_eq!(find(&views, "openai_model")["source"], "default");
    let (status, error) = save(
        &app,
        "gemini_model",
        "gemini-2.5-flash-native-audio-preview-12-2025",
    )
    .await;
    assert_eq!(status, 422);
    assert!(error.to_string().contains("GEMINI_LIVE_MODEL"), "{error}");
}

#[tokio::test]
async fn a_running_call_keeps_the_settings_it_started_with() {
    let app = spawn_app().await;
    app.login_admin().await;
    let at_call_start = app.settings.current();
    assert_eq!(save(&app, "openai_voice", "cedar").await.0, 200);
    assert_eq!(at_call_start.get(SettingKey::OpenAiVoice), "marin");
    assert_eq!(app.settings.current().get(SettingKey::OpenAiVoice), "cedar");
}

#[tokio::test]
async fn staff_cannot_read_or_change_settings() {
    let app = spawn_app().await;
    app.login_admin().await;
    let staff = app.staff_client("sid@example.com").await;
    assert_eq!(
        app.call_with(&staff, "settings/list", &[]).await.status(),
        403
    );
    let response = app
        .call_with(
            &staff,
            "settings/save",
            &[("key", "twilio_enabled"), ("value", "true")],
        )
        .await;
    assert_eq!(response.status(), 403);
    let (status, _) = app.page(&staff, "/admin/settings").await;
    assert_eq!(status, 403);
}

async fn twilio_app() -> (TestApp, fakes::Fake) {
    let (base, fake) = fakes::twilio().await;
    let app =
        spawn_app_configured(true, |config| config.external_urls.twilio_api_base = base).await;
    app.login_admin().await;
    save(&app, "twilio_account_sid", fakes::ACCOUNT_SID).await;
    save(&app, "twilio_phone_number", fakes::OWNED_NUMBER).await;
    let address = app.address.clone();
    save(&app, "public_base_url", &address).await;
    (app, fake)
}

#[tokio::test]
async fn twilio_test_connection_checks_account_number_and_public_url() {
    let (app, fake) = twilio_app().await;
    save(&app, "twilio_auth_token", fakes::AUTH_TOKEN).await;
    let result: Value = app
        .call("settings/test", &[("section", "Twilio")])
        .await
        .json()
        .await
        .unwrap();
    let lines = result["lines"].as_array().unwrap();
    assert!(lines[..2].iter().all(|l| l["ok"] == true), "{result}");
    assert!(lines[0]["detail"]
        .as_str()
        .unwrap()
        .contains("Orderline Test Account (active)"));
    // The test server answers on loopback http: fine for this server, never for Twilio.
    assert_eq!(lines[2]["ok"], false);
    let public = lines[2]["detail"].as_str().unwrap();
    assert!(
        public.starts_with(&format!(
            "{} reaches this server, but Twilio cannot: it is a loopback address and plain http. \
             Twilio needs a public https URL",
            app.address
        )),
        "{public}"
    );

    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(
        requests[0].path,
        format!("/2010-04-01/Accounts/{}.json", fakes::ACCOUNT_SID)
    );
    assert_eq!(requests[0].username, fakes::ACCOUNT_SID);
    assert_eq!(
        requests[1].query.get("PhoneNumber").map(String::as_str),
        Some(fakes::OWNED_NUMBER)
    );
}

#[tokio::test]
async fn twilio_test_connection_shows_twilio_s_error_for_bad_credentials() {
    let (app, _fake) = twilio_app().await;
    save(
        &app,
        "twilio_auth_token",
        "00000000000000000000000000000000",
    )
    .await;
    let result: Value = app
        .call("settings/test", &[("section", "Twilio")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(result["lines"][0]["ok"], false);
    let detail = result["lines"][0]["detail"].as_str().unwrap();
    assert_eq!(
        detail,
        "Twilio refused the credentials: wrong Account SID or Auth Token (Twilio error 20003: \
         Authenticate)"
    );
    assert_eq!(result["lines"][1]["ok"], false);
    assert_eq!(
        result["lines"][1]["detail"],
        "not checked: the credentials were refused"
    );
}

/// A Twilio app whose API address is `base`, with credentials and a number saved.
async fn twilio_app_at(base: String) -> TestApp {
    let app =
        spawn_app_configured(true, |config| config.external_urls.twilio_api_base = base).await;
    app.login_admin().await;
    save(&app, "twilio_account_sid", fakes::ACCOUNT_SID).await;
    save(&app, "twilio_auth_token", fakes::AUTH_TOKEN).await;
    save(&app, "twilio_phone_number", fakes::OWNED_NUMBER).await;
    app
}

#[tokio::test]
async fn twilio_test_connection_says_twilio_refused_the_connection_and_the_number_was_not_checked()
{
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = twilio_app_at(format!("http://127.0.0.1:{port}")).await;
    let result = test_section(&app, "Twilio").await;
    assert_eq!(result["lines"][0]["ok"], false);
    assert_eq!(
        result["lines"][0]["detail"],
        format!(
            "127.0.0.1:{port} refused the connection (nothing accepts connections on that port): \
             check TWILIO_API_BASE_URL, or a firewall that rejects outgoing connections"
        )
    );
    assert_eq!(
        result["lines"][1]["detail"],
        "not checked: Twilio could not be reached"
    );
}

#[tokio::test]
async fn twilio_test_connection_says_when_the_name_does_not_resolve() {
    let app = twilio_app_at("https://api.twilio.invalid".into()).await;
    let result = test_section(&app, "Twilio").await;
    assert_eq!(
        result["lines"][0]["detail"],
        "cannot find api.twilio.invalid (DNS lookup failed): check this server's DNS and \
         internet access, or TWILIO_API_BASE_URL"
    );
    assert_eq!(
        result["lines"][1]["detail"],
        "not checked: Twilio could not be reached"
    );
}

async fn realtime_app() -> TestApp {
    let (openai, gemini) = fakes::realtime().await;
    let app = spawn_app_configured(true, |config| {
        config.external_urls.openai_realtime = openai;
        config.external_urls.gemini_live = gemini;
    })
    .await;
    app.login_admin().await;
    app
}

async fn test_section(app: &TestApp, section: &str) -> Value {
    app.call("settings/test", &[("section", section)])
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn openai_test_completes_the_session_handshake_or_reports_the_error() {
    let app = realtime_app().await;
    let missing = test_section(&app, "OpenAi").await;
    assert!(missing["lines"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("API key"));

    save(&app, "openai_api_key", "sk-wrong-0123456789abcdef").await;
    let refused = test_section(&app, "OpenAi").await;
    assert_eq!(refused["lines"][0]["ok"], false);
    assert_eq!(
        refused["lines"][0]["detail"],
        "the API key was refused (HTTP 401: Incorrect API key provided.)"
    );

    save(&app, "openai_api_key", fakes::OPENAI_KEY).await;
    let ok = test_section(&app, "OpenAi").await;
    assert_eq!(ok["lines"][0]["ok"], true, "{ok}");
    assert!(ok["lines"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("gpt-realtime-2.1"));

    save(&app, "openai_model", "bad-model").await;
    let bad_model = test_section(&app, "OpenAi").await;
    assert!(
        bad_model["lines"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("model_not_found"),
        "{bad_model}"
    );
}

#[tokio::test]
async fn gemini_test_completes_setup_or_reports_the_close_reason() {
    let app = realtime_app().await;
    save(&app, "gemini_api_key", "AIzaWrong0123456789abcdef").await;
    let refused = test_section(&app, "Gemini").await;
    let detail = refused["lines"][0]["detail"].as_str().unwrap();
    assert_eq!(
        detail,
        "the API key was refused (1008 API key not valid. Please pass a valid API key.)"
    );

    save(&app, "gemini_api_key", fakes::GEMINI_KEY).await;
    let ok = test_section(&app, "Gemini").await;
    assert_eq!(ok["lines"][0]["ok"], true, "{ok}");
}
