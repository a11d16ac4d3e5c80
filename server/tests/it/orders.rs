//! Orders through the server functions and pages: create/edit with phone validation, search,
//! pagination, demo data and CSV import.

use crate::helpers::spawn_app;
use server::db::repo;

fn order_form<'a>(number: &'a str, phone: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("input[number]", number),
        ("input[status]", "confirmed"),
        ("input[customer_name]", "Marie Curie"),
        ("input[customer_phone]", phone),
        (
            "input[delivery_address]",
            "1 rue Pierre et Marie Curie, Paris",
        ),
        ("input[window_start]", "2026-11-27T18:00"),
        ("input[window_end]", "2026-11-27T18:30"),
        ("input[items]", "2 x Margherita @ 12.50\n1 x Cola @ 2"),
        ("input[notes]", ""),
        ("input[driver_name]", ""),
        ("input[driver_phone]", ""),
    ]
}

#[tokio::test]
async fn an_order_is_created_with_its_phone_in_e164_and_shown() {
    let app = spawn_app().await;
    app.login_admin().await;
    let response = app
        .call("orders/save", &order_form("A-1", "06 12 34 56 78"))
        .await;
    assert_eq!(response.status(), 200);
    let order: serde_json::Value = response.json().await.unwrap();
    assert_eq!(order["customer_phone"], "+33612345678");
    assert_eq!(order["total_cents"], 2700);

    let (status, page) = app
        .page(&app.client, &format!("/orders/{}", order["id"]))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("+33612345678") && page.contains("27.00") && page.contains("Margherita"));
}

#[tokio::test]
async fn an_invalid_phone_is_a_field_error_and_nothing_is_saved() {
    let app = spawn_app().await;
    app.login_admin().await;
    let response = app.call("orders/save", &order_form("A-2", "12 34")).await;
    assert_eq!(response.status(), 422);
    let body = response.text().await.unwrap();
    assert!(body.contains("customer_phone"), "{body}");
    let (_, total) = repo::orders::search(&app.db, &Default::default(), 1, 50)
        .await
        .unwrap();
    assert_eq!(total, 0);
}

#[tokio::test]
async fn editing_keeps_the_id_and_refuses_a_taken_number() {
    let app = spawn_app().await;
    app.login_admin().await;
    let first: serde_json::Value = app
        .call("orders/save", &order_form("A-1", "0612345678"))
        .await
        .json()
        .await
        .unwrap();
    app.call("orders/save", &order_form("A-2", "0612345679"))
        .await;
    let id = first["id"].to_string();

    let mut form = order_form("A-1", "+33 7 81 23 45 67");
    form.push(("order_id", &id));
    let response = app.call("orders/save", &form).await;
    let text = response.text().await.unwrap();
    let edited: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(edited["id"], first["id"], "{text}");
    assert_eq!(edited["customer_phone"], "+33781234567");

    let mut clash = order_form("A-2", "0612345678");
    clash.push(("order_id", &id));
    let response = app.call("orders/save", &clash).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("already exists"));
}

#[tokio::test]
async fn search_by_phone_name_or_number_and_pagination_work() {
    let app = spawn_app().await;
    app.login_admin().await;
    for _ in 0..2 {
        assert_eq!(app.call("orders/demo-data", &[]).await.status(), 200);
    }
    app.call("orders/save", &order_form("Z-9", "06 11 22 33 44"))
        .await;

    let page1: serde_json::Value = app
        .call("orders/list", &[("search", ""), ("page", "1")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page1["total"], 101);
    assert_eq!(page1["orders"].as_array().unwrap().len(), 50);
    assert_eq!(page1["orders"][0]["number"], "Z-9", "newest first");
    let page3: serde_json::Value = app
        .call("orders/list", &[("search", ""), ("page", "3")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page3["orders"].as_array().unwrap().len(), 1);

    let by_phone: serde_json::Value = app
        .call(
            "orders/list",
            &[("search", "06.11.22.33.44"), ("page", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_phone["total"], 1);
    assert_eq!(by_phone["orders"][0]["number"], "Z-9");
    let by_name: serde_json::Value = app
        .call("orders/list", &[("search", "marie cur"), ("page", "1")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(by_name["total"], 1);
    let by_number: serde_json::Value = app
        .call("orders/list", &[("search", "D-10"), ("page", "1")])
        .await
        .json()
        .await
        .unwrap();
    assert!(by_number["total"].as_u64().unwrap() >= 10);
    let by_status: serde_json::Value = app
        .call(
            "orders/list",
            &[("search", ""), ("status", "confirmed"), ("page", "1")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(by_status["orders"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["status"] == "confirmed"));

    let (status, html) = app.page(&app.client, "/orders?page=2").await;
    assert_eq!(status, 200);
    assert!(html.contains("Page 2 of 3"), "pager rendered on the server");

    // A page past the end, up to the largest number a URL can carry, shows the last page.
    for past_the_end in ["4", "999", "18446744073709551615"] {
        let (status, html) = app
            .page(&app.client, &format!("/orders?page={past_the_end}"))
            .await;
        assert_eq!(status, 200, "page={past_the_end}");
        assert!(html.contains("Page 3 of 3"), "page={past_the_end}");
    }
}

#[tokio::test]
async fn csv_import_writes_good_rows_and_reports_the_bad_one() {
    let app = spawn_app().await;
    app.login_admin().await;
    let csv = "number,customer_name,customer_phone,delivery_address,items\n\
               C-1,Ann,06 12 34 56 78,1 rue A,1 x Pizza @ 10\n\
               C-2,Bob,not a phone,2 rue B,1 x Pizza @ 10\n\
               C-3,Cy,0612345679,3 rue C,2 x Cola @ 2\n";
    let preview: serde_json::Value = app
        .call("orders/import-preview", &[("csv", csv)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview["imported"], 0);
    assert_eq!(preview["rows"][1]["errors"][0]["field"], "customer_phone");
    let (_, total) = repo::orders::search(&app.db, &Default::default(), 1, 50)
        .await
        .unwrap();
    assert_eq!(total, 0, "a preview writes nothing");

    let report: serde_json::Value = app
        .call("orders/import", &[("csv", csv)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["imported"], 2);
    assert_eq!(report["rows"][1]["line"], 3);
    assert!(report["rows"][1]["errors"].as_array().unwrap().len() == 1);

    let again: serde_json::Value = app
        .call("orders/import", &[("csv", csv)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["imported"], 0,
        "numbers already imported are refused, not duplicated"
    );

    let bad_header = app
        .call("orders/import-preview", &[("csv", "numbr,name\n")])
        .await;
    assert_eq!(bad_header.status(), 400);
}

/// Creates an order through the form with this number, customer name and phone.
async fn create_order(app: &crate::helpers::TestApp, number: &str, name: &str, phone: &str) {
    let mut form = order_form(number, phone);
    for field in &mut form {
        if field.0 == "input[customer_name]" {
            field.1 = name;
        }
    }
    let response = app.call("orders/save", &form).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
}

/// The numbers of the orders the search box finds for `search`, sorted.
async fn found(app: &crate::helpers::TestApp, search: &str) -> Vec<String> {
    let page: serde_json::Value = app
        .call("orders/list", &[("search", search), ("page", "1")])
        .await
        .json()
        .await
        .unwrap();
    let mut numbers: Vec<String> = page["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    assert_eq!(page["total"], numbers.len(), "total for {search:?}");
    numbers
}

/// Three customers called Inès/INÈS/Ines, phones 06 12 34 56 78, 07 81 23 45 67, 06 99 88 77 66.
async fn app_with_three_orders() -> crate::helpers::TestApp {
    let app = spawn_app().await;
    app.login_admin().await;
    create_order(&app, "D-1012", "Inès Dupont", "06 12 34 56 78").await;
    create_order(&app, "D-2000", "INÈS MARTIN", "07 81 23 45 67").await;
    create_order(&app, "E-77", "Ines Leroy", "06 99 88 77 66").await;
    app
}

#[tokio::test]
async fn search_ignores_accents_and_case_both_ways() {
    let app = app_with_three_orders().await;
    let all = ["D-1012", "D-2000", "E-77"];
    assert_eq!(found(&app, "Ines").await, all);
    assert_eq!(found(&app, "ines").await, all);
    assert_eq!(found(&app, "Inès").await, all);
    assert_eq!(found(&app, "INÈS").await, all);
    assert_eq!(found(&app, "inès dupont").await, ["D-1012"]);
    assert_eq!(found(&app, "Martin").await, ["D-2000"]);
}

#[tokio::test]
async fn search_finds_a_number_with_or_without_its_prefix() {
    let app = app_with_three_orders().await;
    for search in ["1012", "D-1012", "d-1012", "D1012", "D-10", "d10"] {
        assert_eq!(found(&app, search).await, ["D-1012"], "{search}");
    }
    assert_eq!(found(&app, "D-").await, ["D-1012", "D-2000"]);
}

#[tokio::test]
async fn search_finds_a_phone_in_part_or_whole() {
    let app = app_with_three_orders().await;
    for search in [
        "5678",
        "0612",
        "06 12",
        "06.12.34",
        "+33 6 12",
        "0612345678",
        "+33612345678",
    ] {
        assert_eq!(found(&app, search).await, ["D-1012"], "{search}");
    }
    assert_eq!(found(&app, "0699").await, ["E-77"]);
    assert_eq!(
        found(&app, "ines 5678").await,
        ["D-1012"],
        "every term must match"
    );
    // One or two digits look in the number and name only: "12" is in D-1012, and in the phone
    // of D-2000 (07 81 23 45 67), which is not found for it.
    assert_eq!(found(&app, "12").await, ["D-1012"]);
}

#[tokio::test]
async fn a_search_that_matches_nothing_finds_nothing() {
    let app = app_with_three_orders().await;
    for search in [
        "zzz",
        "ines 9999",
        "Dupond",
        "D-1013",
        "0712",
        "100%",
        "06%",
    ] {
        assert_eq!(found(&app, search).await, Vec::<String>::new(), "{search}");
    }
}

#[tokio::test]
async fn like_wildcards_and_backslashes_are_plain_punctuation_in_a_search() {
    let app = app_with_three_orders().await;
    let everything = found(&app, "").await;
    assert_eq!(everything.len(), 3);
    // Only punctuation: no word to look for, like an empty search (not an error on PostgreSQL,
    // and not a wildcard that happens to match everything).
    for search in ["%", "_", "\\", "%\\", "%%_"] {
        assert_eq!(found(&app, search).await, everything, "{search:?}");
    }
    // Inside a word they separate like `-` does.
    for search in ["d_1012", "1012\\", "d%1012", "\\1012"] {
        assert_eq!(found(&app, search).await, ["D-1012"], "{search:?}");
    }
}

#[tokio::test]
async fn the_migration_fills_the_search_text_of_existing_orders() {
    use migration::{Migrator, MigratorTrait};
    let app = app_with_three_orders().await;
    // Back to the schema without `search_text`, then forward again: the orders are backfilled.
    Migrator::down(&app.db, Some(1)).await.unwrap();
    Migrator::up(&app.db, None).await.unwrap();
    assert_eq!(found(&app, "Inès").await, ["D-1012", "D-2000", "E-77"]);
    assert_eq!(found(&app, "1012").await, ["D-1012"]);
    assert_eq!(found(&app, "0612").await, ["D-1012"]);
}

#[tokio::test]
async fn a_search_matching_many_orders_is_counted_and_paged_newest_first() {
    let app = spawn_app().await;
    app.login_admin().await;
    // D-1 (newest) to D-1200, more than a search reads by id.
    let orders = server::orders::demo::generate(1200, 1, chrono::Utc::now(), 7);
    for chunk in orders.chunks(100) {
        repo::orders::insert_demo(&app.db, chunk).await.unwrap();
    }
    // Every order matches "D-", only D-11, D-110..119 and D-1100..1199 match "D-11": both are
    // counted and paged newest first, whichever way they are read.
    for (search, page, total, len, first) in [
        ("D-", "1", 1200, 50, "D-1"),
        ("D-", "2", 1200, 50, "D-51"),
        ("D-11", "1", 111, 50, "D-11"),
        ("D-11", "3", 111, 11, "D-1189"),
    ] {
        let listed: serde_json::Value = app
            .call("orders/list", &[("search", search), ("page", page)])
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(listed["total"], total, "{search} page {page}");
        assert_eq!(listed["orders"].as_array().unwrap().len(), len);
        assert_eq!(listed["orders"][0]["number"], first, "{search} page {page}");
    }
    assert_eq!(found(&app, "D-1100").await, ["D-1100"]);
}
