//! The call journal against a real database (SQLite, or PostgreSQL with ORDERLINE_TEST_PG_URL):
//! each tool's effect on the call's own order and on no other, whole transcript lines stored in
//! order and partial ones not, usage accumulated on the call, the order page showing all of it.
//! `live` covers the live socket: transcript events, and closing when the session ends.

mod live;

use crate::helpers::{spawn_app, TestApp};
use app::api::{Provider, Recipient};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use server::calls::Journal;
use server::db::entities::{call_journal, calls, orders};
use server::db::repo::calls::{insert_within_limit, NewCall};
use server::providers::script::Tool;
use server::providers::session::{Speaker, Usage};

/// Creates an order (delivery window 28 Nov 14:00-16:00 unless `scheduled` is false).
pub(crate) async fn order(app: &TestApp, number: &str, scheduled: bool) -> i32 {
    let (start, end) = if scheduled {
        ("2026-11-28T14:00", "2026-11-28T16:00")
    } else {
        ("", "")
    };
    let form = [
        ("input[number]", number),
        ("input[customer_name]", "Marie Curie"),
        ("input[customer_phone]", "+33612345678"),
        ("input[delivery_address]", "1 rue Curie\nParis"),
        ("input[window_start]", start),
        ("input[window_end]", end),
        ("input[items]", "2 x Baguette @ 1.20\n1 x Croissant @ 1.10"),
        ("input[notes]", "Leave at the door"),
    ];
    let response = app.call("orders/save", &form).await;
    let order: Value = response.json().await.unwrap();
    i32::try_from(order["id"].as_i64().expect("order saved")).unwrap()
}

/// Records a call about `order_id` and returns its journal.
pub(crate) async fn journal_for(app: &TestApp, order_id: i32) -> (Journal, i32) {
    let call = insert_within_limit(
        &app.db,
        &NewCall {
            order_id,
            placed_by: None,
            placed_by_name: "Test",
            recipient: Recipient::Customer,
            to_number: "+33612345678",
            provider: Provider::Openai,
            purpose: "confirm the window",
            sandbox: false,
        },
        100,
    )
    .await
    .unwrap()
    .expect("under the limit");
    let journal = Journal::new(
        app.db.clone(),
        app.hub.clone(),
        order_id,
        call.id,
        Provider::Openai,
    );
    (journal, call.id)
}

async fn order_row(app: &TestApp, id: i32) -> orders::Model {
    orders::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

async fn journal_rows(app: &TestApp, call_id: i32) -> Vec<call_journal::Model> {
    call_journal::Entity::find()
        .filter(call_journal::Column::CallId.eq(call_id))
        .order_by_asc(call_journal::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

async fn ready() -> TestApp {
    let app = spawn_app().await;
    app.login_admin().await;
    app
}

#[tokio::test]
async fn each_tool_changes_the_call_s_own_order_and_never_another() {
    // Arrange
    let app = ready().await;
    let mine = order(&app, "J-1", true).await;
    let other = order(&app, "J-2", true).await;
    let (journal, call_id) = journal_for(&app, mine).await;
    let other_before = order_row(&app, other).await;

    // Act / Assert: a note is appended on a new line, prefixed with the call's time.
    let result = journal
        .run_tool(Tool::AddDeliveryNote, &json!({"note": "  ring twice "}))
        .await;
    assert_eq!(result["ok"], true, "{result}");
    journal
        .run_tool(Tool::AddDeliveryNote, &json!({"note": "code 1234"}))
        .await;
    let notes = order_row(&app, mine).await.notes;
    let lines: Vec<&str> = notes.lines().collect();
    assert_eq!(lines.len(), 3, "{notes}");
    assert_eq!(lines[0], "Leave at the door");
    assert!(
        lines[1].starts_with("Call ") && lines[1].ends_with(": ring twice"),
        "{notes}"
    );
    assert!(lines[2].ends_with(": code 1234"), "{notes}");

    // The window confirmed, then another asked for (which clears the confirmation).
    let result = journal
        .run_tool(Tool::ConfirmDeliveryWindow, &json!({}))
        .await;
    assert_eq!(
        result["confirmed_window"], "between 14:00 and 16:00 on 28 November",
        "{result}"
    );
    assert!(order_row(&app, mine).await.window_confirmed_at.is_some());
    let result = journal
        .run_tool(
            Tool::RequestNewDeliveryWindow,
            &json!({"preferred_window": "tomorrow 9-11", "reason": "at work"}),
        )
        .await;
    assert_eq!(result["ok"], true, "{result}");
    let row = order_row(&app, mine).await;
    assert_eq!(
        row.window_request.as_deref(),
        Some("tomorrow 9-11 (reason: at work)")
    );
    assert!(row.window_request_at.is_some() && row.window_confirmed_at.is_none());
    assert!(row.updated_at > other_before.updated_at);

    // An argument naming another order is refused, and that order is untouched.
    let result = journal
        .run_tool(
            Tool::AddDeliveryNote,
            &json!({"note": "hack", "order_id": other}),
        )
        .await;
    assert!(
        result["error"].as_str().unwrap().contains("order_id"),
        "{result}"
    );
    assert_eq!(order_row(&app, other).await, other_before);

    // Reads are of this order only, without phone numbers.
    let details = journal.run_tool(Tool::GetOrderDetails, &Value::Null).await;
    assert_eq!(details["order_number"], "J-1");
    assert_eq!(details["items"], "2 Baguette, 1 Croissant");
    assert_eq!(details["address"], "1 rue Curie, Paris");
    assert!(!details.to_string().contains("+33"), "{details}");
    let end = journal
        .run_tool(Tool::EndCall, &json!({"reason": "done"}))
        .await;
    assert_eq!(end, json!({"ok": true, "ending": true}));

    // Every tool call is stored with its arguments and result.
    let rows = journal_rows(&app, call_id).await;
    let names: Vec<_> = rows.iter().filter_map(|r| r.tool_name.as_deref()).collect();
    assert_eq!(
        names,
        [
            "add_delivery_note",
            "add_delivery_note",
            "confirm_delivery_window",
            "request_new_delivery_window",
            "add_delivery_note",
            "get_order_details",
            "end_call"
        ]
    );
    assert_eq!(
        rows[4].arguments,
        Some(json!({"note": "hack", "order_id": other}))
    );
    assert!(rows[4].result.as_ref().unwrap()["error"].is_string());
}

#[tokio::test]
async fn bad_arguments_and_unscheduled_windows_come_back_as_errors_in_plain_words() {
    let app = ready().await;
    let unscheduled = order(&app, "J-3", false).await;
    let (journal, _) = journal_for(&app, unscheduled).await;
    let before = order_row(&app, unscheduled).await;

    for (tool, arguments) in [
        (Tool::AddDeliveryNote, json!({"note": "   "})),
        (Tool::AddDeliveryNote, json!({})),
        (Tool::AddDeliveryNote, json!("{\"note\": broken")),
        (Tool::AddDeliveryNote, json!({"note": "x".repeat(501)})),
        (
            Tool::RequestNewDeliveryWindow,
            json!({"reason": "no window"}),
        ),
        (Tool::ConfirmDeliveryWindow, json!({})),
    ] {
        let result = journal.run_tool(tool, &arguments).await;
        assert!(
            result["error"].is_string(),
            "{tool:?} {arguments}: {result}"
        );
    }
    assert_eq!(order_row(&app, unscheduled).await, before);
}

#[tokio::test]
async fn whole_lines_are_stored_in_order_and_partial_lines_are_not() {
    let app = ready().await;
    let order_id = order(&app, "J-4", true).await;
    let (journal, call_id) = journal_for(&app, order_id).await;

    journal
        .transcript(Speaker::Agent, "Hello, this is", false)
        .await;
    journal
        .transcript(Speaker::Agent, " the bakery.", false)
        .await;
    journal
        .transcript(Speaker::Agent, "Hello, this is the bakery.", true)
        .await;
    journal.transcript(Speaker::Caller, "Hi", false).await;
    journal
        .transcript(Speaker::Caller, " Hi, yes. ", true)
        .await;
    journal.transcript(Speaker::Caller, "  ", true).await;
    journal
        .run_tool(Tool::ConfirmDeliveryWindow, &json!({}))
        .await;
    journal.transcript(Speaker::Agent, "Thank you!", true).await;

    let rows: Vec<(String, Option<String>)> = journal_rows(&app, call_id)
        .await
        .into_iter()
        .map(|r| (r.kind, r.text))
        .collect();
    let line = |kind: &str, text: &str| (kind.to_owned(), Some(text.to_owned()));
    assert_eq!(
        rows,
        [
            line("agent", "Hello, this is the bakery."),
            line("caller", "Hi, yes."),
            ("tool".to_owned(), None),
            line("agent", "Thank you!"),
        ]
    );
}

#[tokio::test]
async fn usage_accumulates_on_the_call_with_its_estimated_cost_and_latency() {
    let app = ready().await;
    let order_id = order(&app, "J-5", true).await;
    let (journal, call_id) = journal_for(&app, order_id).await;
    let usage = |input_tokens, output_tokens| Usage {
        input_tokens,
        output_tokens,
        total_tokens: input_tokens + output_tokens,
    };

    journal.usage(usage(1_000, 200)).await;
    journal.usage(usage(500, 300)).await;
    journal.latency(640).await;
    journal.latency(610).await;

    let call = calls::Entity::find_by_id(call_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((call.input_tokens, call.output_tokens), (1_500, 500));
    // OpenAI audio list prices: 1500 x 32 + 500 x 64 millionths of a dollar.
    assert_eq!(call.cost_estimate_microusd, 80_000);
    assert_eq!(call.latency_median_ms, Some(610));
}

#[tokio::test]
async fn the_order_page_shows_each_call_s_transcript_tools_usage_and_the_window_answer() {
    let app = ready().await;
    let order_id = order(&app, "J-6", true).await;
    let (journal, _) = journal_for(&app, order_id).await;
    journal
        .transcript(Speaker::Agent, "Is 14:00 fine?", true)
        .await;
    journal
        .transcript(Speaker::Caller, "Yes, perfect.", true)
        .await;
    journal
        .run_tool(Tool::ConfirmDeliveryWindow, &json!({}))
        .await;
    journal
        .run_tool(Tool::AddDeliveryNote, &json!({"note": "blue door"}))
        .await;
    journal
        .usage(Usage {
            input_tokens: 1_000,
            output_tokens: 0,
            total_tokens: 1_000,
        })
        .await;

    let (status, body) = app.page(&app.client, &format!("/orders/{order_id}")).await;

    assert_eq!(status, 200);
    assert!(
        body.contains(r#"<section aria-label="Transcript">"#),
        "{body}"
    );
    let agent = body.find("Is 14:00 fine?").expect("agent line");
    let caller = body.find("Yes, perfect.").expect("caller line");
    assert!(agent < caller, "lines in the order they were said");
    assert!(body.contains("Caller") && body.contains("Agent"));
    assert!(body.contains("delivery window confirmed"), "tool summary");
    assert!(
        body.contains(r#"class="window-confirmed""#),
        "window confirmation shown"
    );
    assert!(body.contains(": blue door"), "note shown");
    assert!(body.contains("≈ 3.20 ¢"), "estimated cost shown");
}
