//! What an operator scrapes: `GET /metrics` in Prometheus text format, behind the bearer token
//! of the `metrics_token` setting (`METRICS_TOKEN`). Recorded through the `metrics` facade and
//! rendered by `metrics-exporter-prometheus`; each instance reports its own figures (scrape them
//! all), except the SMS queue depth, which is read from the shared database at each scrape.
//!
//! | series | kind | meaning |
//! |---|---|---|
//! | `orderline_calls_total{status}` | counter | call status changes recorded, by status |
//! | `orderline_live_calls` | gauge | audio bridges running here |
//! | `orderline_bridge_frame_delay_seconds` | histogram | a Twilio media frame's arrival to its audio sent to the provider |
//! | `orderline_provider_errors_total{provider}` | counter | provider sessions that failed or could not open |
//! | `orderline_sms_queue_depth` | gauge | texts waiting or being posted (whole database) |
//! | `orderline_sms_sent_total{result}` | counter | outbox posts: `sent`, `retried`, `failed` |
//! | `orderline_webhook_signature_failures_total{webhook}` | counter | Twilio requests refused for their signature |
//! | `orderline_live_sockets` | gauge | browser WebSockets (`/api/v1/live`) open here |

use crate::calls::live::LiveBridges;
use crate::settings::SettingsHandle;
use app::api::SettingKey;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::DatabaseConnection;
use std::sync::OnceLock;

pub const CALLS: &str = "orderline_calls_total";
pub const LIVE_CALLS: &str = "orderline_live_calls";
pub const FRAME_DELAY: &str = "orderline_bridge_frame_delay_seconds";
pub const PROVIDER_ERRORS: &str = "orderline_provider_errors_total";
pub const SMS_QUEUE_DEPTH: &str = "orderline_sms_queue_depth";
pub const SMS_SENT: &str = "orderline_sms_sent_total";
pub const SIGNATURE_FAILURES: &str = "orderline_webhook_signature_failures_total";
pub const LIVE_SOCKETS: &str = "orderline_live_sockets";

/// Buckets of the frame delay: 50 µs to 50 ms (a frame is 20 ms of audio).
const FRAME_DELAY_BUCKETS: &[f64] = &[
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05,
];

/// The process-wide recorder, installed on first use (several servers in one test process share it).
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(FRAME_DELAY.into()), FRAME_DELAY_BUCKETS);
            let recorder = match builder {
                Ok(builder) => builder.build_recorder(),
                // Only an empty bucket list is refused; the constant is not empty.
                Err(_) => PrometheusBuilder::new().build_recorder(),
            };
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!(
                    "a metrics recorder was already installed; /metrics shows only its own"
                );
            }
            describe();
            handle
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!(CALLS, "Call status changes recorded, by status.");
    metrics::describe_gauge!(LIVE_CALLS, "Audio bridges running on this instance.");
    metrics::describe_histogram!(
        FRAME_DELAY,
        metrics::Unit::Seconds,
        "Time from a Twilio media frame's arrival to its audio sent to the AI provider."
    );
    metrics::describe_counter!(
        PROVIDER_ERRORS,
        "AI provider sessions that failed or could not open."
    );
    metrics::describe_gauge!(
        SMS_QUEUE_DEPTH,
        "Texts waiting or being posted (whole database)."
    );
    metrics::describe_counter!(SMS_SENT, "SMS outbox posts to Twilio, by result.");
    metrics::describe_counter!(
        SIGNATURE_FAILURES,
        "Twilio requests refused for a missing or wrong signature, by webhook."
    );
    metrics::describe_gauge!(LIVE_SOCKETS, "Browser WebSockets open on this instance.");
}

/// A call status change was recorded.
pub fn call_status(status: &str) {
    metrics::counter!(CALLS, "status" => status.to_owned()).increment(1);
}

/// The frame delay histogram: a call's bridge records each media frame's time through it.
pub fn frame_delay() -> metrics::Histogram {
    metrics::histogram!(FRAME_DELAY)
}

/// A provider session failed or could not open.
pub fn provider_error(provider: &'static str) {
    metrics::counter!(PROVIDER_ERRORS, "provider" => provider).increment(1);
}

/// What became of one outbox post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsResult {
    Sent,
    Retried,
    Failed,
}

impl SmsResult {
    fn as_str(self) -> &'static str {
        match self {
            SmsResult::Sent => "sent",
            SmsResult::Retried => "retried",
            SmsResult::Failed => "failed",
        }
    }
}

/// An outbox post ended with `result`.
pub fn sms_sent(result: SmsResult) {
    metrics::counter!(SMS_SENT, "result" => result.as_str()).increment(1);
}

/// The webhook a Twilio request was for, from its path.
pub fn webhook_of(path: &str) -> &'static str {
    let suffixes = [
        ("/twilio-voice", "voice"),
        ("/twilio-status", "status"),
        ("/twilio-media", "media"),
        ("/twilio-sms-status", "sms_status"),
        ("/sms-inbound", "sms_inbound"),
    ];
    suffixes
        .iter()
        .find(|(suffix, _)| path.ends_with(suffix))
        .map_or("other", |(_, name)| name)
}

/// A Twilio request to `path` was refused for its signature.
pub fn signature_failure(path: &str) {
    metrics::counter!(SIGNATURE_FAILURES, "webhook" => webhook_of(path)).increment(1);
}

/// Counts an open browser socket until dropped.
pub struct LiveSocketGauge(());

impl LiveSocketGauge {
    pub fn open() -> Self {
        metrics::gauge!(LIVE_SOCKETS).increment(1.0);
        LiveSocketGauge(())
    }
}

impl Drop for LiveSocketGauge {
    fn drop(&mut self) {
        metrics::gauge!(LIVE_SOCKETS).decrement(1.0);
    }
}

/// What the handler reads.
#[derive(Clone)]
pub struct MetricsState {
    pub handle: PrometheusHandle,
    pub settings: SettingsHandle,
    pub live: LiveBridges,
    pub db: DatabaseConnection,
}

/// `GET /metrics`: 404 while no token is set, 401 without the right `Authorization: Bearer`.
pub async fn render(State(state): State<MetricsState>, headers: HeaderMap) -> Response {
    let expected = state
        .settings
        .current()
        .get(SettingKey::MetricsToken)
        .to_owned();
    if expected.is_empty() {
        return (
            StatusCode::NOT_FOUND,
            "metrics are off: set the metrics token",
        )
            .into_response();
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !same_secret(given, &expected) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a valid bearer token is required",
        )
            .into_response();
    }
    metrics::gauge!(LIVE_CALLS).set(state.live.len() as f64);
    match crate::db::repo::sms::queue_depth(&state.db).await {
        Ok(depth) => metrics::gauge!(SMS_QUEUE_DEPTH).set(depth as f64),
        Err(error) => tracing::warn!(%error, "metrics: cannot count the SMS queue"),
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.handle.render(),
    )
        .into_response()
}

/// Compares two secrets in time independent of where they differ (digests of equal length).
fn same_secret(given: &str, expected: &str) -> bool {
    use sha2::{Digest, Sha256};
    let (a, b) = (
        Sha256::digest(given.as_bytes()),
        Sha256::digest(expected.as_bytes()),
    );
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_are_named_from_their_path() {
        assert_eq!(webhook_of("/api/v1/orders/7/twilio-voice"), "voice");
        assert_eq!(webhook_of("/api/v1/orders/7/twilio-status"), "status");
        assert_eq!(webhook_of("/api/v1/orders/7/twilio-media"), "media");
        assert_eq!(
            webhook_of("/api/v1/orders/7/twilio-sms-status"),
            "sms_status"
        );
        assert_eq!(webhook_of("/api/v1/twilio/sms-inbound"), "sms_inbound");
        assert_eq!(webhook_of("/elsewhere"), "other");
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abd", "abc"));
        assert!(!same_secret("", "abc"));
    }
}
