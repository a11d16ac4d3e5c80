//! Tests of `session.rs`: the client address behind trusted proxies.
use super::*;

fn request(forwarded: &[&str]) -> Request {
    let mut builder = axum::http::Request::builder().uri("/");
    for value in forwarded {
        builder = builder.header("x-forwarded-for", *value);
    }
    let mut request = builder.body(axum::body::Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
    request
}

const ONE_HOP: ClientIpSource = ClientIpSource::Forwarded { hops: 1 };
const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

#[test]
fn forwarded_for_is_ignored_unless_the_proxy_is_trusted() {
    let req = request(&["203.0.113.9"]);
    assert_eq!(client_ip(&req, ClientIpSource::Peer), PEER);
    assert_eq!(client_ip(&req, ONE_HOP), IpAddr::from([203, 0, 113, 9]));
    assert_eq!(ClientIpSource::new(false, 3), ClientIpSource::Peer);
    assert_eq!(
        ClientIpSource::new(true, 2),
        ClientIpSource::Forwarded { hops: 2 }
    );
}

#[test]
fn the_hop_added_by_our_proxy_is_used_not_the_spoofable_first() {
    let req = request(&["1.2.3.4, 203.0.113.9"]);
    assert_eq!(client_ip(&req, ONE_HOP), IpAddr::from([203, 0, 113, 9]));
    assert_eq!(client_ip(&request(&[]), ONE_HOP), PEER);
}

#[test]
fn every_forwarded_for_line_counts_so_a_forged_first_line_is_not_taken() {
    // The client sent its own header; the proxy added a second line with the real address.
    let req = request(&["198.51.100.66", "203.0.113.9"]);
    assert_eq!(client_ip(&req, ONE_HOP), IpAddr::from([203, 0, 113, 9]));
}

#[test]
fn with_two_trusted_hops_the_client_is_second_from_the_right() {
    // client forged "1.1.1.1"; the CDN appended the client, our proxy appended the CDN.
    let req = request(&["1.1.1.1, 203.0.113.9", "192.0.2.50"]);
    let two = ClientIpSource::Forwarded { hops: 2 };
    assert_eq!(client_ip(&req, two), IpAddr::from([203, 0, 113, 9]));
    let short = request(&["192.0.2.50"]);
    assert_eq!(client_ip(&short, two), PEER, "too few hops: the peer");
    let garbage = request(&["not-an-ip, 192.0.2.50"]);
    assert_eq!(client_ip(&garbage, two), PEER);
}

#[test]
fn a_session_is_written_back_a_tenth_of_the_window_after_its_last_write() {
    let eight_hours = std::time::Duration::from_secs(8 * 3600);
    assert!(touch_due(None, 0, eight_hours), "unmarked: write now");
    assert!(
        !touch_due(Some(0), 59_999, eight_hours),
        "at most once a minute"
    );
    assert!(touch_due(Some(0), 60_000, eight_hours));
    let ten_seconds = std::time::Duration::from_secs(10);
    assert!(!touch_due(Some(0), 999, ten_seconds));
    assert!(
        touch_due(Some(0), 1_000, ten_seconds),
        "a tenth of a short window"
    );
}
