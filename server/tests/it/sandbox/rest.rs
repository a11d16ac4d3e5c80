//! The REST API's answers, checked against Twilio's documented shapes: Basic auth and 20003,
//! 201 creates, fetch, lists with paging fields, 404/20404 and validation errors.

use super::{spawn_emulator, SANDBOX_NUMBER};
use serde_json::Value;

const CUSTOMER: &str = "+33612345678";

async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn call_form(to: &str) -> Vec<(&'static str, String)> {
    vec![
        ("To", to.to_owned()),
        ("From", SANDBOX_NUMBER.to_owned()),
        ("Url", "https://desk.example/voice".to_owned()),
        ("StatusCallbackEvent", "initiated".to_owned()),
        ("StatusCallbackEvent", "completed".to_owned()),
    ]
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_401_with_code_20003_and_a_basic_challenge() {
    let emulator = spawn_emulator().await;
    let url = emulator.url("/Calls.json");
    let wrong = emulator
        .http
        .get(&url)
        .basic_auth(
            &emulator.account_sid,
            Some("0123456789abcdef0123456789abcdef"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.headers()["www-authenticate"],
        "Basic realm=\"Twilio API\""
    );
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"code": 20003, "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401})
    );
    let missing = emulator.http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    let unknown_path = emulator
        .http
        .get(format!("{}/2010-04-01/Nothing.json", emulator.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_path.status(), 401, "authentication comes first");
}

#[tokio::test]
async fn another_accounts_path_and_unknown_resources_are_404_with_code_20404() {
    let emulator = spawn_emulator().await;
    let other = "AC00000000000000000000000000000000";
    let response = emulator
        .http
        .get(format!(
            "{}/2010-04-01/Accounts/{other}/Calls.json",
            emulator.base
        ))
        .basic_auth(&emulator.account_sid, Some(&emulator.token))
        .send()
        .await
        .unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], 20404);
    assert_eq!(
        body["message"],
        format!("The requested resource /2010-04-01/Accounts/{other}/Calls.json was not found")
    );
    assert_eq!(body["status"], 404);
    let (status, body) = json(
        emulator
            .get("/Calls/CA0123456789abcdef0123456789abcdef.json")
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (404, Some(20404)));
    let (status, _) = json(emulator.get("/Messages/SMnope.json").await).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_account_is_fetched_as_twilio_writes_it() {
    let emulator = spawn_emulator().await;
    let (status, body) = json(emulator.get(".json").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["sid"], emulator.account_sid.as_str());
    assert_eq!(body["status"], "active");
    assert_eq!(body["type"], "Full");
    assert_eq!(
        body["uri"],
        format!("/2010-04-01/Accounts/{}.json", emulator.account_sid)
    );
    assert!(chrono::DateTime::parse_from_rfc2822(body["date_created"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn a_created_call_is_201_queued_and_can_be_fetched_and_listed() {
    let emulator = spawn_emulator().await;
    let form = call_form(CUSTOMER);
    let response = emulator
        .http
        .post(emulator.url("/Calls.json"))
        .basic_auth(&emulator.account_sid, Some(&emulator.token))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "JSON answers"
    );
    let (status, created) = json(response).await;
    assert_eq!(status, 201);
    let sid = created["sid"].as_str().unwrap().to_owned();
    assert!(sid.starts_with("CA") && sid.len() == 34);
    assert_eq!(created["status"], "queued");
    assert_eq!(created["to"], CUSTOMER);
    assert_eq!(created["from"], SANDBOX_NUMBER);
    assert_eq!(created["direction"], "outbound-api");
    assert_eq!(
        created["uri"],
        format!(
            "/2010-04-01/Accounts/{}/Calls/{sid}.json",
            emulator.account_sid
        )
    );
    let stored = emulator.store.call(&sid).unwrap();
    assert_eq!(stored.params.status_callback_events.len(), 2);

    let (status, fetched) = json(emulator.get(&format!("/Calls/{sid}.json")).await).await;
    assert_eq!((status, &fetched), (200, &created));

    let (_, list) = json(emulator.get("/Calls.json?To=%2B33612345678").await).await;
    assert_eq!(list["calls"][0]["sid"], sid.as_str());
    let (_, none) = json(emulator.get("/Calls.json?Status=completed").await).await;
    assert_eq!(none["calls"], serde_json::json!([]));
}

#[tokio::test]
async fn a_call_update_is_accepted_and_a_redirect_of_an_ended_call_is_21220() {
    let emulator = spawn_emulator().await;
    let (_, created) = json(
        emulator
            .post(
                "/Calls.json",
                &[
                    ("To", CUSTOMER),
                    ("From", SANDBOX_NUMBER),
                    ("Twiml", "<Response><Say>Hi</Say></Response>"),
                ],
            )
            .await,
    )
    .await;
    let sid = created["sid"].as_str().unwrap().to_owned();
    let (status, body) = json(
        emulator
            .post(&format!("/Calls/{sid}.json"), &[("Status", "completed")])
            .await,
    )
    .await;
    assert_eq!((status, body["sid"].as_str()), (200, Some(sid.as_str())));
    let (status, body) = json(
        emulator
            .post(&format!("/Calls/{sid}.json"), &[("Status", "hung-up")])
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(20001)));
    emulator
        .store
        .set_call_status(&sid, server::sandbox::store::CallStatus::Completed);
    let (status, body) = json(
        emulator
            .post(
                &format!("/Calls/{sid}.json"),
                &[("Url", "https://desk.example/next")],
            )
            .await,
    )
    .await;
    assert_eq!((status, body["code"].as_u64()), (400, Some(21220)));
}

#[tokio::test]
async fn invalid_call_requests_get_twilios_codes() {
    let emulator = spawn_emulator().await;
    let cases: Vec<(Vec<(&str, &str)>, u64)> = vec![
        (
            vec![("From", SANDBOX_NUMBER), ("Url", "https://d.example/v")],
            21201,
        ),
        (
            vec![
                ("To", "12"),
                ("From", SANDBOX_NUMBER),
                ("Url", "https://d.example/v"),
            ],
            21211,
        ),
        (
            vec![("To", CUSTOMER), ("Url", "https://d.example/v")],
            21213,
        ),
        (
            vec![
                ("To", CUSTOMER),
                ("From", "+33699999999"),
                ("Url", "https://d.example/v"),
            ],
            21210,
        ),
        (
            vec![
                ("To", CUSTOMER),
                ("From", SANDBOX_NUMBER),
                ("Url", "not a url"),
            ],
            21205,
        ),
        (vec![("To", CUSTOMER), ("From", SANDBOX_NUMBER)], 21205),
        (
            vec![
                ("To", CUSTOMER),
                ("From", SANDBOX_NUMBER),
                ("Url", "https://d.example/v"),
                ("StatusCallbackEvent", "hello"),
            ],
            21626,
        ),
    ];
    for (form, code) in cases {
        let (status, body) = json(emulator.post("/Calls.json", &form).await).await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(code)),
            "{form:?}: {body}"
        );
        assert_eq!(body["status"], 400);
        assert_eq!(
            body["more_info"],
            format!("https://www.twilio.com/docs/errors/{code}")
        );
    }
}

#[tokio::test]
async fn invalid_message_requests_get_twilios_codes() {
    let emulator = spawn_emulator().await;
    let cases: Vec<(Vec<(&str, &str)>, u64)> = vec![
        (vec![("From", SANDBOX_NUMBER), ("Body", "hi")], 21604),
        (
            vec![("To", "abc"), ("From", SANDBOX_NUMBER), ("Body", "hi")],
            21211,
        ),
        (vec![("To", CUSTOMER), ("Body", "hi")], 21603),
        (vec![("To", CUSTOMER), ("From", SANDBOX_NUMBER)], 21602),
        (
            vec![("To", CUSTOMER), ("From", "+33699999999"), ("Body", "hi")],
            21606,
        ),
        (
            vec![
                ("To", "+33612342222"),
                ("From", SANDBOX_NUMBER),
                ("Body", "hi"),
            ],
            21610,
        ),
    ];
    for (form, code) in cases {
        let (status, body) = json(emulator.post("/Messages.json", &form).await).await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(code)),
            "{form:?}: {body}"
        );
    }
}

#[tokio::test]
async fn a_created_message_is_201_queued_with_twilios_fields() {
    let emulator = spawn_emulator().await;
    let (status, created) = json(
        emulator
            .post(
                "/Messages.json",
                &[
                    ("To", CUSTOMER),
                    ("From", SANDBOX_NUMBER),
                    ("Body", "Votre commande arrive"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(created["status"], "queued");
    assert_eq!(created["direction"], "outbound-api");
    assert_eq!(created["num_segments"], "1");
    assert_eq!(created["body"], "Votre commande arrive");
    assert_eq!(created["date_sent"], Value::Null);
    let sid = created["sid"].as_str().unwrap();
    assert!(sid.starts_with("SM") && sid.len() == 34);
    let (status, fetched) = json(emulator.get(&format!("/Messages/{sid}.json")).await).await;
    assert_eq!((status, fetched["sid"].as_str()), (200, Some(sid)));

    let service = "MG0123456789abcdef0123456789abcdef";
    let (status, through_service) = json(
        emulator
            .post(
                "/Messages.json",
                &[
                    ("To", CUSTOMER),
                    ("MessagingServiceSid", service),
                    ("Body", "hi"),
                ],
            )
            .await,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(through_service["status"], "accepted");
    assert_eq!(through_service["messaging_service_sid"], service);
    assert_eq!(through_service["from"], SANDBOX_NUMBER);
}

#[tokio::test]
async fn lists_page_with_twilios_fields_until_next_page_uri_is_null() {
    let emulator = spawn_emulator().await;
    for i in 0..5 {
        let body = format!("message {i}");
        let response = emulator
            .post(
                "/Messages.json",
                &[("To", CUSTOMER), ("From", SANDBOX_NUMBER), ("Body", &body)],
            )
            .await;
        assert_eq!(response.status(), 201);
    }
    let (_, first) = json(emulator.get("/Messages.json?PageSize=2").await).await;
    assert_eq!(first["page"], 0);
    assert_eq!(first["page_size"], 2);
    assert_eq!(first["start"], 0);
    assert_eq!(first["end"], 1);
    assert_eq!(first["previous_page_uri"], Value::Null);
    assert_eq!(first["messages"][0]["body"], "message 4", "newest first");
    let path = format!(
        "/2010-04-01/Accounts/{}/Messages.json",
        emulator.account_sid
    );
    assert_eq!(first["uri"], format!("{path}?PageSize=2&Page=0"));
    assert_eq!(first["first_page_uri"], format!("{path}?PageSize=2&Page=0"));

    let mut bodies = Vec::new();
    let mut page = first;
    loop {
        for message in page["messages"].as_array().unwrap() {
            bodies.push(message["body"].as_str().unwrap().to_owned());
        }
        let Some(next) = page["next_page_uri"].as_str() else {
            break;
        };
        assert!(next.starts_with(&path));
        let url = format!("{}{next}", emulator.base);
        page = emulator
            .http
            .get(url)
            .basic_auth(&emulator.account_sid, Some(&emulator.token))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(page["previous_page_uri"].is_string());
    }
    assert_eq!(
        bodies,
        vec![
            "message 4",
            "message 3",
            "message 2",
            "message 1",
            "message 0"
        ]
    );
    assert_eq!(page["page"], 2);
    assert_eq!(page["start"], 4);
}

#[tokio::test]
async fn the_sandbox_number_is_listed_only_when_it_matches() {
    let emulator = spawn_emulator().await;
    let (_, found) = json(
        emulator
            .get("/IncomingPhoneNumbers.json?PhoneNumber=%2B12015550142")
            .await,
    )
    .await;
    let numbers = found["incoming_phone_numbers"].as_array().unwrap();
    assert_eq!(numbers.len(), 1);
    assert_eq!(numbers[0]["phone_number"], SANDBOX_NUMBER);
    assert_eq!(numbers[0]["capabilities"]["sms"], true);
    let (_, other) = json(
        emulator
            .get("/IncomingPhoneNumbers.json?PhoneNumber=%2B33612345678")
            .await,
    )
    .await;
    assert_eq!(other["incoming_phone_numbers"], serde_json::json!([]));
}
