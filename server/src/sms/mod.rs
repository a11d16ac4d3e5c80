//! Text messages (issue 11): staff text an order's customer or driver, or many customers at once,
//! from templates; every message goes through the outbox (`sms_messages`, see the migration)
//! before any request to Twilio, and its delivery status comes back live.
//!
//! - [`outbox`]: the worker that posts the outbox to Twilio, paced, retried, never doubled.
//! - [`service`]: what the pages ask for (the `SmsPort`): compose, send, templates; [`bulk`]:
//!   bulk sends, their progress and cancelling.
//! - [`values`]: an order's values for the templates' placeholders.
//! - `webhooks::sms_status` and `webhooks::sms_inbound`: Twilio's callbacks.
//!
//! The text rules shared with the browser (segments, templates, statuses, keywords) are in
//! `app::sms`.

pub mod bulk;
pub mod outbox;
pub mod service;
pub mod templates;
pub mod values;

use crate::calls::public_base_url;
use crate::calls::twilio_client;
use crate::db::repo;
use crate::realtime::Hub;
use crate::settings::{EffectiveSettings, SettingsHandle};
use crate::twilio::messages::Sender;
use crate::twilio::TwilioClient;
use app::api::SettingKey;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::Notify;

/// What the SMS parts share: the database, settings, live hub and Twilio's address.
#[derive(Clone)]
pub struct SmsContext {
    pub db: DatabaseConnection,
    pub settings: SettingsHandle,
    pub hub: Hub,
    pub http: reqwest::Client,
    pub twilio_api_base: String,
    /// Used when no public base URL setting exists (the server's own address).
    pub fallback_public_url: String,
    /// Wakes the outbox worker when messages are queued.
    pub wake: Arc<Notify>,
}

/// Why texts cannot be sent with these settings, or None.
pub fn blocked_reason(settings: &EffectiveSettings) -> Option<String> {
    if settings.sandbox().is_some() {
        return None;
    }
    if !settings.twilio_enabled() {
        return Some("Twilio is not enabled.".into());
    }
    let mut missing: Vec<&str> = [SettingKey::TwilioAccountSid, SettingKey::TwilioAuthToken]
        .into_iter()
        .filter(|key| settings.get(*key).is_empty())
        .map(|key| key.label())
        .collect();
    if settings.get(SettingKey::TwilioPhoneNumber).is_empty()
        && settings
            .get(SettingKey::TwilioMessagingServiceSid)
            .is_empty()
    {
        missing.push(SettingKey::TwilioPhoneNumber.label());
    }
    (!missing.is_empty()).then(|| {
        format!(
            "Twilio is not configured: {} {} missing.",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )
    })
}

/// The sender of these settings: the Messaging Service when set, else the phone number.
pub fn sender(settings: &EffectiveSettings) -> Sender {
    let service = settings.get(SettingKey::TwilioMessagingServiceSid);
    if service.is_empty() || settings.sandbox().is_some() {
        Sender::Number(settings.twilio_phone_number().to_owned())
    } else {
        Sender::Service(service.to_owned())
    }
}

impl SmsContext {
    /// A Twilio client, the sender and the status callback URL of `order_id` under the current
    /// settings; None while texting is not configured.
    pub fn twilio(&self, order_id: i32) -> Option<(TwilioClient, Sender, String)> {
        let settings = self.settings.current();
        if blocked_reason(&settings).is_some() {
            return None;
        }
        let base = public_base_url(&settings, &self.fallback_public_url);
        let callback = format!("{base}/api/v1/orders/{order_id}/twilio-sms-status");
        let client = twilio_client(&self.http, &self.twilio_api_base, &settings);
        Some((client, sender(&settings), callback))
    }

    /// Sends message `id` as it is now to the browsers.
    pub async fn publish(&self, id: i32) {
        match repo::sms::find(&self.db, id).await {
            Ok(Some(row)) => self.hub.publish_sms(row.into()),
            Ok(None) => {}
            Err(error) => tracing::warn!(id, %error, "cannot read a text to publish it"),
        }
    }
}
