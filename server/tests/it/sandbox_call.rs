//! A whole call in the sandbox, with no Twilio account and no AI key: Orderline places it
//! through the emulated REST API, the softphone rings, the phone answers, the emulator fetches
//! the signed voice URL, opens a real (signed) Media Streams WebSocket to Orderline, the bridge
//! runs the offline demo agent, and every status arrives through signed callbacks. The phone is
//! driven through `sandbox::phone::Phones`, as the softphone page's WebSocket drives it.

use crate::calls::{create_order, save};
use crate::helpers::{spawn_app_configured, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use server::audio::g711;
use server::db::entities::{call_events, call_journal, calls};
use server::sandbox::phone::{Tab, TabLine, ToPhone};
use server::settings::SandboxMode;
use std::time::Duration;

/// How long the test waits for anything (a safety net, not a timing assertion).
const PATIENCE: Duration = Duration::from_secs(20);

pub(crate) async fn sandbox_app() -> TestApp {
    let app = spawn_app_configured(true, |config| {
        config.setting_overrides.sandbox = SandboxMode::Auto;
    })
    .await;
    app.login_admin().await;
    let address = app.address.clone();
    save(&app, "public_base_url", &address).await;
    app
}

pub(crate) async fn next(tab: &mut Tab) -> ToPhone {
    tokio::time::timeout(PATIENCE, tab.events.recv())
        .await
        .expect("the softphone hears something in time")
        .expect("the tab is open")
}

/// Places a call with the demo agent and returns the ringing call's SID.
pub(crate) async fn place_and_ring(app: &TestApp, tab: &mut Tab, order_id: i64) -> String {
    place_and_ring_call(app, tab, order_id).await.1
}

/// Places a call with the demo agent: Orderline's call id and the ringing call's SID.
pub(crate) async fn place_and_ring_call(
    app: &TestApp,
    tab: &mut Tab,
    order_id: i64,
) -> (i64, String) {
    let id = order_id.to_string();
    let response = app
        .call(
            "calls/place",
            &[
                ("order_id", id.as_str()),
                ("recipient", "customer"),
                ("provider", "demo"),
                ("purpose", ""),
            ],
        )
        .await;
    assert_eq!(response.status(), 200);
    let call: Value = response.json().await.unwrap();
    let id = call["id"].as_i64().expect("the call's id");
    loop {
        if let ToPhone::Ringing { call_sid, from } = next(tab).await {
            assert_eq!(from, app.sandbox.credentials.phone_number);
            return (id, call_sid);
        }
    }
}

/// The loudness of mu-law frames as the mean absolute sample.
fn loudness(codes: &[u8]) -> f64 {
    let sum: f64 = codes
        .iter()
        .map(|&c| f64::from(g711::decode(c)).abs())
        .sum();
    sum / codes.len().max(1) as f64
}

/// Speaks a 300 Hz tone for `ms`, then `silence_ms` of line silence, at the line's pace.
async fn speak(line: &TabLine, ms: u32, silence_ms: u32) {
    let mut pace = tokio::time::interval(Duration::from_millis(20));
    let mut t = 0u32;
    for frame in 0..(ms + silence_ms) / 20 {
        pace.tick().await;
        let codes: Vec<u8> = (0..160)
            .map(|_| {
                t += 1;
                if frame * 20 < ms {
                    let x = (2.0 * std::f64::consts::PI * 300.0 * f64::from(t) / 8000.0).sin();
                    g711::encode((0.3 * 32767.0 * x) as i16)
                } else {
                    0xFF
                }
            })
            .collect();
        let _ = line.microphone.send(codes).await;
    }
}

async fn call_row(app: &TestApp, sid: &str) -> calls::Model {
    calls::Entity::find()
        .filter(calls::Column::CallSid.eq(sid))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the call is recorded with its SID")
}

pub(crate) async fn wait_for_status(app: &TestApp, sid: &str, status: &str) -> calls::Model {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let call = call_row(app, sid).await;
        if call.status == status || tokio::time::Instant::now() > deadline {
            return call;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for `status` (up to the patience) and fails if the call never reaches it.
pub(crate) async fn expect_status(app: &TestApp, sid: &str, status: &str) {
    assert_eq!(wait_for_status(app, sid, status).await.status, status);
}

#[tokio::test]
async fn a_sandbox_call_rings_the_softphone_and_the_demo_agent_talks_three_turns_then_hangs_up() {
    let app = sandbox_app().await;
    let order_id = create_order(&app, "ORD-S1", "+33612345678").await;
    let mut tab = app.sandbox.phones.open("+33612345678");
    let sid = place_and_ring(&app, &mut tab, order_id).await;
    assert!(sid.starts_with("CA") && sid.len() == 34, "{sid}");
    expect_status(&app, &sid, "ringing").await;

    let line = app
        .sandbox
        .phones
        .answer(&tab, &sid)
        .expect("the call rings here");
    // The greeting: audio that is not silence.
    let mut heard = Vec::new();
    while heard.len() < 8000 {
        match next(&mut tab).await {
            ToPhone::Audio(frame) => heard.extend(frame),
            ToPhone::Ended { status, .. } => panic!("the call ended early: {status}"),
            _ => {}
        }
    }
    assert!(
        loudness(&heard) > 200.0,
        "greeting too quiet: {}",
        loudness(&heard)
    );
    expect_status(&app, &sid, "in-progress").await;

    // Three caller turns; the agent answers each, then says goodbye and hangs up.
    let talk = async {
        for _ in 0..3 {
            speak(&line, 1200, 1500).await;
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        // Keep the line open (silence) until the agent has hung up.
        speak(&line, 0, 20_000).await;
    };
    let ended = async {
        loop {
            if let ToPhone::Ended { status, .. } = next(&mut tab).await {
                return status;
            }
        }
    };
    let status = tokio::select! {
        status = ended => status,
        () = talk => panic!("the agent never hung up"),
    };
    assert_eq!(status, "completed");
    let call = wait_for_status(&app, &sid, "completed").await;
    assert_eq!(call.status, "completed");
    assert!(call.duration_seconds.unwrap_or(0) > 0, "{call:?}");

    // Every status came through a signed callback, in order.
    let events = call_events::Entity::find()
        .filter(call_events::Column::CallId.eq(call.id))
        .all(&app.db)
        .await
        .unwrap();
    let statuses: Vec<&str> = events.iter().map(|e| e.status.as_str()).collect();
    for expected in ["ringing", "in-progress", "completed"] {
        assert!(statuses.contains(&expected), "{statuses:?}");
    }
    // The journal: the caller's turns, the agent's lines, and the tools it used.
    let journal = call_journal::Entity::find()
        .filter(call_journal::Column::CallId.eq(call.id))
        .all(&app.db)
        .await
        .unwrap();
    let tools: Vec<&str> = journal
        .iter()
        .filter_map(|j| j.tool_name.as_deref())
        .collect();
    assert!(tools.contains(&"add_delivery_note"), "{tools:?}");
    assert!(tools.contains(&"end_call"), "{tools:?}");
    let caller_turns = journal.iter().filter(|j| j.kind == "caller").count();
    assert!(caller_turns >= 3, "{journal:?}");
}

#[tokio::test]
async fn declining_reports_busy_and_hanging_up_ends_the_call() {
    let app = sandbox_app().await;
    let order_id = create_order(&app, "ORD-S2", "+33612345679").await;
    let mut tab = app.sandbox.phones.open("+33612345679");
    let sid = place_and_ring(&app, &mut tab, order_id).await;
    app.sandbox.phones.decline(&tab, &sid);
    expect_status(&app, &sid, "busy").await;

    let sid = place_and_ring(&app, &mut tab, order_id).await;
    let line = app.sandbox.phones.answer(&tab, &sid).expect("rings");
    expect_status(&app, &sid, "in-progress").await;
    drop(line);
    expect_status(&app, &sid, "completed").await;
    // The emulated resource agrees, in Twilio's JSON.
    let resource: Value = reqwest::Client::new()
        .get(format!(
            "{}/sandbox/twilio/2010-04-01/Accounts/{}/Calls/{sid}.json",
            app.address, app.sandbox.credentials.account_sid
        ))
        .basic_auth(
            &app.sandbox.credentials.account_sid,
            Some(secrecy::ExposeSecret::expose_secret(
                &app.sandbox.credentials.auth_token,
            )),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(resource["status"], "completed");
    assert_eq!(resource["sid"], sid.as_str());
}

#[tokio::test]
async fn hang_up_on_the_order_while_it_rings_cancels_the_call_and_the_softphone_stops_ringing() {
    let app = sandbox_app().await;
    let order_id = create_order(&app, "ORD-S3", "+33612345670").await;
    let mut tab = app.sandbox.phones.open("+33612345670");
    let (id, sid) = place_and_ring_call(&app, &mut tab, order_id).await;
    let id = id.to_string();
    let response = app.call("calls/hang-up", &[("call_id", id.as_str())]).await;
    assert_eq!(response.status(), 200);
    loop {
        match next(&mut tab).await {
            ToPhone::RingStopped { call_sid } if call_sid == sid => break,
            ToPhone::Connected { .. } => panic!("a canceled call connected"),
            _ => {}
        }
    }
    expect_status(&app, &sid, "canceled").await;
    assert!(
        app.sandbox.phones.answer(&tab, &sid).is_none(),
        "no longer rings"
    );
}

#[tokio::test]
async fn a_call_nobody_answers_ends_no_answer_after_its_ring_timeout() {
    let app = sandbox_app().await;
    let mut tab = app.sandbox.phones.open("+33612345680");
    let mut webhook = crate::sandbox::spawn_receiver().await;
    let callback = format!("{}/status", webhook.base);
    let credentials = &app.sandbox.credentials;
    let token = secrecy::ExposeSecret::expose_secret(&credentials.auth_token).to_owned();
    // Through the emulated REST API, as any Twilio client would: ring for one second.
    let response = reqwest::Client::new()
        .post(format!(
            "{}/sandbox/twilio/2010-04-01/Accounts/{}/Calls.json",
            app.address, credentials.account_sid
        ))
        .basic_auth(&credentials.account_sid, Some(&token))
        .form(&[
            ("To", "+33612345680"),
            ("From", credentials.phone_number.as_str()),
            ("Twiml", "<Response><Say>Bonjour</Say></Response>"),
            ("Timeout", "1"),
            ("StatusCallback", callback.as_str()),
            (
                "StatusCallbackEvent",
                "initiated ringing answered completed",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let sid = response.json::<Value>().await.unwrap()["sid"]
        .as_str()
        .unwrap()
        .to_owned();
    // The phone rings, nobody answers, and it stops ringing by itself.
    loop {
        match next(&mut tab).await {
            ToPhone::Ringing { call_sid, .. } => assert_eq!(call_sid, sid),
            ToPhone::RingStopped { call_sid } => {
                assert_eq!(call_sid, sid);
                break;
            }
            _ => {}
        }
    }
    // Twilio's callbacks: initiated, ringing, then the final one with no-answer and no duration.
    let mut statuses = Vec::new();
    loop {
        let request = webhook.next().await;
        assert!(request.signed_by(&token), "each callback is signed");
        let status = request.field("CallStatus").unwrap_or_default().to_owned();
        statuses.push(status.clone());
        if status == "no-answer" {
            assert_eq!(request.field("CallDuration"), Some("0"));
            break;
        }
    }
    assert_eq!(statuses, ["initiated", "ringing", "no-answer"]);
}
