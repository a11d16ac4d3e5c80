//! The simultaneous-call limit under parallel requests.

use super::{call_app, create_order, place, save};
use futures_util::future::join_all;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_parallel_requests_with_a_limit_of_two_place_exactly_two_calls() {
    // Arrange
    let c = call_app().await;
    save(&c.app, "max_concurrent_calls", "2").await;
    let order_id = create_order(&c.app, "L-1", "06 12 34 56 78").await;

    // Act
    let responses = join_all((0..10).map(|_| place(&c, order_id))).await;

    // Assert
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        8,
        "{statuses:?}"
    );
    let created = c
        .fake
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.ends_with("/Calls.json"))
        .count();
    assert_eq!(created, 2, "Twilio was asked for exactly two calls");
}
