//! Calls that must not happen by accident: toll fraud (countries not allowed, premium-rate and
//! shared-cost numbers) and demo orders (numbers reserved for fiction, called only on purpose).

use crate::calls::{call_app, create_order, save, CallApp};
use serde_json::Value;

async fn place(c: &CallApp, order_id: i64, confirm_demo: Option<&str>) -> reqwest::Response {
    let id = order_id.to_string();
    let mut form = vec![
        ("order_id", id.as_str()),
        ("recipient", "customer"),
        ("provider", "openai"),
        ("purpose", ""),
    ];
    if let Some(confirm) = confirm_demo {
        form.push(("confirm_demo", confirm));
    }
    c.app.call("calls/place", &form).await
}

fn calls_posted(c: &CallApp) -> Vec<String> {
    c.fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("/Calls.json"))
        .filter_map(|r| {
            r.form
                .iter()
                .find(|(k, _)| k == "To")
                .map(|(_, v)| v.clone())
        })
        .collect()
}

#[tokio::test]
async fn calls_reach_only_allowed_countries_and_never_premium_numbers() {
    let c = call_app().await;
    let london = create_order(&c.app, "T-1", "+44 20 7946 0958").await;
    let premium = create_order(&c.app, "T-2", "08 99 12 34 56").await;
    let shared = create_order(&c.app, "T-3", "08 10 12 34 56").await;

    // By default only the business's own country (FR, like the phone numbers).
    let refused = place(&c, london, None).await;
    assert_eq!(refused.status(), 422);
    let body = refused.text().await.unwrap();
    assert!(
        body.contains("is in GB") && body.contains("may only reach FR"),
        "{body}"
    );
    for (order, kind) in [(premium, "premium-rate"), (shared, "shared-cost")] {
        let refused = place(&c, order, None).await;
        assert_eq!(refused.status(), 422);
        let body = refused.text().await.unwrap();
        assert!(body.contains(kind), "{body}");
    }
    assert!(calls_posted(&c).is_empty(), "nothing reached Twilio");

    // An admin allows the United Kingdom: the London number is called, premium numbers never.
    save(&c.app, "call_allowed_countries", "fr, gb").await;
    assert_eq!(place(&c, london, None).await.status(), 200);
    assert_eq!(place(&c, premium, None).await.status(), 422);
    assert_eq!(calls_posted(&c), ["+442079460958"]);
}

#[tokio::test]
async fn a_demo_order_rings_no_one_and_is_called_only_when_confirmed() {
    let c = call_app().await;
    let loaded = c.app.call("orders/demo-data", &[]).await;
    assert_eq!(loaded.status(), 200);
    let page: Value = c
        .app
        .call("orders/list", &[("search", ""), ("page", "1")])
        .await
        .json()
        .await
        .unwrap();
    let first = &page["orders"][0];
    assert_eq!(first["demo"], true);
    for order in page["orders"].as_array().unwrap() {
        let phone = order["customer_phone"].as_str().unwrap();
        assert!(
            server::phone::is_fiction(phone),
            "{phone} is not in a block reserved for fiction"
        );
    }
    let order_id = first["id"].as_i64().unwrap();

    let unconfirmed = place(&c, order_id, None).await;
    assert_eq!(unconfirmed.status(), 422);
    let body = unconfirmed.text().await.unwrap();
    assert!(
        body.contains("demo order") && body.contains("confirm_demo"),
        "{body}"
    );
    assert_eq!(place(&c, order_id, Some("false")).await.status(), 422);
    assert!(calls_posted(&c).is_empty());

    assert_eq!(place(&c, order_id, Some("true")).await.status(), 200);
    assert_eq!(
        calls_posted(&c),
        [first["customer_phone"].as_str().unwrap()]
    );

    // An order typed by staff is not a demo order and needs no confirmation.
    let real = create_order(&c.app, "R-1", "06 12 34 56 78").await;
    assert_eq!(place(&c, real, None).await.status(), 200);
}
