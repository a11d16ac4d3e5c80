//! The outbox worked by two `orderline` processes on one PostgreSQL database (issue 13): a bulk
//! send of 500 texts goes out exactly once each, even when one process is killed (SIGKILL) in the
//! middle, and the send rate per sender holds across both. The fake Twilio counts what it
//! receives. SQLite is one process by design: there these tests have nothing to check.

use super::restart::{all_sent, bulk_send};
use crate::fakes;
use crate::processes::{shared_postgres, stop, two, EMAIL, PASSWORD};
use std::collections::HashSet;
use std::time::Duration;

#[tokio::test]
async fn five_hundred_texts_worked_by_two_processes_go_out_once_each_even_when_one_is_killed() {
    const COUNT: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let Some(database_url) = shared_postgres(dir.path()).await else {
        return;
    };
    let (twilio, fake) = fakes::twilio().await;
    // A slow Twilio: each create answers after 20 ms, so a kill lands with requests in flight.
    *fake.sms.delay.lock().unwrap() = Some(Duration::from_millis(20));
    let (a, mut b) = two(&database_url, dir.path(), &twilio, &[]).await;
    bulk_send(&a.base, "CL", COUNT).await;

    // Kill B (no clean stop) a third of the way in.
    while fake.sms.posts().len() < COUNT / 3 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    b.child.kill().expect("SIGKILL");
    b.child.wait().expect("reaped");
    assert!(fake.sms.created().len() < COUNT, "killed before the end");

    // A finishes alone, resolving what B left in flight by looking it up.
    all_sent(&database_url, COUNT, Duration::from_secs(120)).await;
    stop(a);
    let created = fake.sms.created();
    assert_eq!(
        created.len(),
        COUNT,
        "Twilio received each text exactly once"
    );
    let recipients: HashSet<_> = created.iter().map(|m| m["to"].to_string()).collect();
    assert_eq!(recipients.len(), COUNT, "nobody got two");
}

#[tokio::test]
async fn the_send_rate_per_sender_holds_across_two_processes() {
    const COUNT: usize = 21;
    let dir = tempfile::tempdir().unwrap();
    let Some(database_url) = shared_postgres(dir.path()).await else {
        return;
    };
    let (twilio, fake) = fakes::twilio().await;
    let (a, b) = two(
        &database_url,
        dir.path(),
        &twilio,
        &[("SMS_RATE_PER_SECOND", "10")],
    )
    .await;
    bulk_send(&a.base, "RATE", COUNT).await;
    all_sent(&database_url, COUNT, Duration::from_secs(60)).await;
    stop(a);
    stop(b);
    let arrivals = fake.sms.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), COUNT);
    // 10 per second from one sender: 21 texts span at least 2 s, whichever process sent them.
    // (Two processes pacing alone would send them in about 1 s.)
    let span = arrivals[COUNT - 1].duration_since(arrivals[0]);
    assert!(span >= Duration::from_millis(1_900), "21 texts in {span:?}");
    // Each text leaves at its booked slot (100 ms apart), but reaches the fake Twilio after the
    // scheduler lets its process run: on a loaded 2-core machine one arrival was seen 80 ms late,
    // shortening the window it starts. Two processes each pacing alone would put 11 texts
    // within about 500 ms.
    for pair in arrivals.windows(11) {
        let window = pair[10].duration_since(pair[0]);
        assert!(
            window >= Duration::from_millis(850),
            "11 texts within {window:?}"
        );
    }
}

/// The browser's next message (10 s at most).
async fn next(
    browser: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
) -> tokio_tungstenite::tungstenite::Message {
    use futures_util::StreamExt;
    let message = tokio::time::timeout(Duration::from_secs(10), browser.next()).await;
    message
        .expect("a message in time")
        .expect("open")
        .expect("readable")
}

/// Signs in on `base`; the session cookie (`name=value`).
async fn session_cookie(base: &str) -> String {
    let login = reqwest::Client::new()
        .post(format!("{base}/api/login"))
        .header("origin", base)
        .form(&[("email", EMAIL), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_reply_received_by_one_process_reaches_a_browser_on_the_other_which_drains_on_sigterm() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;
    let dir = tempfile::tempdir().unwrap();
    let Some(database_url) = shared_postgres(dir.path()).await else {
        return;
    };
    let (twilio, _fake) = fakes::twilio().await;
    let (a, mut b) = two(&database_url, dir.path(), &twilio, &[]).await;
    bulk_send(&a.base, "EV", 1).await;

    // A browser on B, signed in on A (sessions live in the database).
    let cookie = session_cookie(&a.base).await;
    let mut request = format!("{}/api/v1/live", b.base.replace("http", "ws"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    request
        .headers_mut()
        .insert("origin", b.base.parse().unwrap());
    let (mut browser, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert!(matches!(next(&mut browser).await, Message::Text(t) if t.contains("\"snapshot\"")));

    // Twilio posts a reply to A (signed over A's public URL).
    let url = format!("{}/api/v1/twilio/sms-inbound", a.base);
    let params: Vec<(String, String)> = [
        ("AccountSid", fakes::ACCOUNT_SID),
        ("MessageSid", "SM0000000000000000000000000000cafe"),
        ("From", "+33612340000"),
        ("To", fakes::OWNED_NUMBER),
        ("Body", "Sonnez deux fois"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let signature = server::twilio::signature::sign(fakes::AUTH_TOKEN, &url, &params);
    let posted = reqwest::Client::new()
        .post(&url)
        .header("x-twilio-signature", signature)
        .form(&params)
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    loop {
        if let Message::Text(text) = next(&mut browser).await {
            if text.contains("\"sms_received\"") {
                assert!(text.contains("Sonnez deux fois"), "{text}");
                break;
            }
        }
    }

    // SIGTERM to B: its browser is told to go elsewhere (1012), then it exits cleanly.
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &b.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let close = loop {
        match next(&mut browser).await {
            Message::Close(frame) => break frame,
            _ => continue,
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(1012));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = b.child.try_wait().unwrap() {
            break status;
        }
        assert!(tokio::time::Instant::now() < deadline, "B did not exit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
    stop(a);
}
