//! `POST /api/v1/orders` with an API token.

use crate::helpers::spawn_app;
use serde_json::json;

fn body(number: &str) -> serde_json::Value {
    json!({
        "number": number,
        "customer_name": "Shop Customer",
        "customer_phone": "06 98 76 54 32",
        "delivery_address": "10 rue de la Paix, Paris",
        "window_start": "2026-11-28 12:00",
        "window_end": "2026-11-28 12:30",
        "items": [{"name": "Regina", "quantity": 2, "unit_price_cents": 1350}]
    })
}

#[tokio::test]
async fn a_shop_system_pushes_orders_with_a_token_until_it_is_revoked() {
    let app = spawn_app().await;
    app.login_admin().await;
    let created: serde_json::Value = app
        .call("tokens/create", &[("name", "Shop")])
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ol_"));
    let listed = app.call("tokens/list", &[]).await.text().await.unwrap();
    assert!(!listed.contains(&token), "the secret is never listed");

    let shop = reqwest::Client::new();
    let response = shop
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&token)
        .json(&body("S-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let order: serde_json::Value = response.json().await.unwrap();
    assert_eq!(order["customer_phone"], "+33698765432");
    assert_eq!(order["total_cents"], 2700);

    let duplicate = shop
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&token)
        .json(&body("S-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(duplicate.status(), 422);

    let mut invalid = body("S-2");
    invalid["customer_phone"] = json!("123");
    invalid["items"] = json!([]);
    let response = shop
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&token)
        .json(&invalid)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["code"], "validation");
    let fields: Vec<&str> = error["field_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["customer_phone", "items"]);

    let id = created["summary"]["id"].to_string();
    assert_eq!(
        app.call("tokens/revoke", &[("id", &id)]).await.status(),
        200
    );
    let revoked = shop
        .post(app.url("/api/v1/orders"))
        .bearer_auth(&token)
        .json(&body("S-3"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
}

#[tokio::test]
async fn requests_without_a_valid_token_get_401() {
    let app = spawn_app().await;
    let shop = reqwest::Client::new();
    let none = shop
        .post(app.url("/api/v1/orders"))
        .json(&body("S-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 401);
    let forged = shop
        .post(app.url("/api/v1/orders"))
        .bearer_auth("ol_forged")
        .json(&body("S-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
}
