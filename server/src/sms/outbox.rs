//! The outbox worker: sends the `pending` rows of `sms_messages` to Twilio, oldest first, at the
//! configured pace per sender, and never posts a message twice once Twilio accepted it.
//!
//! Any number of instances work the outbox together. One message at a time goes through: claim
//! the oldest due one (`pending` -> `posting` until the lease ends, one statement with `FOR UPDATE
//! SKIP LOCKED`, so two workers never take the same row), book its sender's next slot in the
//! database (`sms_pace`, so the rate per sender holds across instances) and wait for it, post it
//! once, then
//! - Twilio answered with the message: store its SID and status;
//! - 429 (Twilio created nothing): back to `pending` after `Retry-After` (or the backoff);
//! - the connection could not be opened (nothing was sent): back to `pending` after the backoff;
//! - 5xx, a timeout or a lost answer (Twilio may have created it): stays `posting` until the
//!   backoff has passed, then is *resolved*: the recent messages to that number are looked up at
//!   Twilio and the one with the same body, created since the first post, is recorded; only when
//!   none exists does it go back to `pending`;
//! - any other 4xx (the message is invalid, e.g. 21211, 21610): `failed`, with Twilio's code in
//!   plain words; 21610 also puts the number on the suppression list.
//!
//! A crash leaves at most the message in flight `posting`; when its lease runs out, any instance
//! resolves it the same way. After `MAX_ATTEMPTS` requests a message fails with the last reason.

use super::SmsContext;
use crate::db::entities::sms_messages;
use crate::db::repo::sms as repo;
use crate::db::repo::sms_outbox as outbox_repo;
use crate::metrics::SmsResult;
use crate::twilio::messages::{MessageResource, Sender};
use crate::twilio::TwilioError;
use app::sms::MessageStatus;
use chrono::Utc;
use std::time::Duration;

/// Requests made for one message before it fails.
pub const MAX_ATTEMPTS: i32 = 8;
/// Messages read from the outbox per pass.
const BATCH: u64 = 50;

/// How the worker paces itself.
#[derive(Debug, Clone, Copy)]
pub struct OutboxConfig {
    /// Messages per second per sender (Twilio's long-code pace is 1); 0 lifts the limit.
    pub rate_per_second: f64,
    /// How long a leased message belongs to the instance that took it.
    pub lease: Duration,
    /// How often the outbox is read when nothing wakes the worker.
    pub poll: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            rate_per_second: 1.0,
            lease: Duration::from_secs(30),
            poll: Duration::from_secs(1),
        }
    }
}

/// The wait before retry `attempt` (1-based): 2, 4, 8 ... seconds, at most 5 minutes.
pub fn backoff(attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.clamp(1, 9)).unwrap_or(1);
    Duration::from_secs(2u64.pow(exponent).min(300))
}

/// The worker; [`Outbox::run`] until the process ends.
pub struct Outbox {
    context: SmsContext,
    config: OutboxConfig,
    /// Set on SIGTERM: no new message is taken.
    drain: crate::drain::Drain,
}

impl Outbox {
    pub fn new(context: SmsContext, config: OutboxConfig) -> Self {
        Outbox {
            context,
            config,
            drain: crate::drain::Drain::default(),
        }
    }

    /// Stops taking messages once `drain` begins (the one being posted is finished first).
    pub fn stopping_on(mut self, drain: crate::drain::Drain) -> Self {
        self.drain = drain;
        self
    }

    /// Works the outbox, woken by new messages or every `poll`, until draining begins.
    pub async fn run(mut self) {
        while !self.drain.is_draining() {
            let worked = match self.pass().await {
                Ok(worked) => worked,
                Err(error) => {
                    tracing::error!(%error, "SMS outbox: cannot read the outbox");
                    false
                }
            };
            if !worked {
                let wake = self.context.wake.notified();
                tokio::select! {
                    _ = tokio::time::timeout(self.config.poll, wake) => {}
                    () = self.drain.begun() => {}
                }
            }
        }
        tracing::info!("SMS outbox: stopped (shutting down)");
    }

    /// One pass: resolves expired leases, then sends what is due. Whether anything was done.
    pub async fn pass(&mut self) -> Result<bool, sea_orm::DbErr> {
        let now = Utc::now();
        let db = self.context.db.clone();
        let mut worked = false;
        for message in repo::unresolved(&db, now, BATCH).await? {
            worked |= self.resolve(message).await;
        }
        for _ in 0..BATCH {
            if self.drain.is_draining() || !self.send_next().await? {
                break;
            }
            worked = true;
        }
        Ok(worked)
    }

    fn chrono_after(wait: Duration) -> chrono::DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::seconds(300))
    }

    /// Books `sender`'s next slot in the database (so the pace holds across instances) and waits
    /// for it; the lease of message `id` is extended to cover the wait.
    async fn pace(&self, sender: &Sender, id: i32) -> Result<(), sea_orm::DbErr> {
        if self.config.rate_per_second <= 0.0 {
            return Ok(());
        }
        let spacing_us = (1_000_000.0 / self.config.rate_per_second).round().max(1.0) as i64;
        let key = match sender {
            Sender::Service(sid) => sid.as_str(),
            Sender::Number(number) => number.as_str(),
        };
        let now = Utc::now();
        let slot_us =
            outbox_repo::book_slot(&self.context.db, key, now.timestamp_micros(), spacing_us)
                .await?;
        let wait =
            Duration::from_micros(u64::try_from(slot_us - now.timestamp_micros()).unwrap_or(0));
        if !wait.is_zero() {
            repo::extend_lease(
                &self.context.db,
                id,
                Self::chrono_after(wait + self.config.lease),
            )
            .await?;
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    /// Takes the next due message (no other worker can have it), waits for its sender's slot,
    /// posts it and records the answer. False when nothing is due or Twilio is not configured.
    async fn send_next(&mut self) -> Result<bool, sea_orm::DbErr> {
        if self.context.twilio(0).is_none() {
            return Ok(false);
        }
        let db = self.context.db.clone();
        let lease_until = Self::chrono_after(self.config.lease);
        let Some(message) = outbox_repo::claim_next(&db, Utc::now(), lease_until).await? else {
            return Ok(false);
        };
        let Some((client, sender, callback)) = self.context.twilio(message.order_id) else {
            // Twilio was turned off meanwhile: the message waits in the outbox.
            repo::retry_at(&db, message.id, Utc::now()).await?;
            return Ok(false);
        };
        self.pace(&sender, message.id).await?;
        let request = crate::twilio::messages::SendMessage {
            to: message.to_number.clone(),
            sender,
            body: message.body.clone(),
            status_callback: callback,
        };
        let result = client.send_message(&request).await;
        if let Err(error) = self.record(&message, message.attempts, result).await {
            tracing::error!(id = message.id, %error, "SMS outbox: cannot record a send");
        }
        Ok(true)
    }

    /// Whether texts go through the sandbox now (the emulated Twilio).
    fn sandbox_on(&self) -> bool {
        self.context.settings.current().sandbox().is_some()
    }

    /// Stores what Twilio answered to attempt `attempt` of `message`.
    async fn record(
        &self,
        message: &sms_messages::Model,
        attempt: i32,
        result: Result<MessageResource, TwilioError>,
    ) -> Result<(), sea_orm::DbErr> {
        let db = &self.context.db;
        let id = message.id;
        match result {
            Ok(resource) => {
                let status =
                    MessageStatus::parse(&resource.status).unwrap_or(MessageStatus::Queued);
                repo::accepted(db, id, &resource.sid, status, self.sandbox_on()).await?;
                tracing::info!(id, sid = %resource.sid, "SMS accepted by Twilio");
                crate::metrics::sms_sent(SmsResult::Sent);
            }
            Err(TwilioError::Api {
                status: 429,
                code,
                message: words,
                retry_after,
            }) => {
                let wait = retry_after.map_or(backoff(attempt), Duration::from_secs);
                tracing::warn!(id, code, %words, ?wait, "SMS: Twilio asks to slow down");
                self.retry_or_fail(id, attempt, wait, &format!("Twilio error {code}: {words}"))
                    .await?;
            }
            Err(TwilioError::Connect(reason)) => {
                tracing::warn!(id, %reason, "SMS: Twilio unreachable; will retry");
                self.retry_or_fail(id, attempt, backoff(attempt), &reason.to_string())
                    .await?;
            }
            Err(TwilioError::Api {
                status,
                code,
                message: words,
                retry_after,
            }) if status >= 500 => {
                // Twilio may have created it: resolve by look-up once the wait is over.
                let wait = retry_after.map_or(backoff(attempt), Duration::from_secs);
                tracing::warn!(id, code, %words, "SMS: Twilio failed; will look the message up");
                crate::metrics::sms_sent(SmsResult::Retried);
                repo::extend_lease(db, id, Self::chrono_after(wait)).await?;
            }
            Err(TwilioError::Network(reason)) => {
                tracing::warn!(id, %reason, "SMS: Twilio's answer was lost; will look the message up");
                crate::metrics::sms_sent(SmsResult::Retried);
                repo::extend_lease(db, id, Self::chrono_after(backoff(attempt))).await?;
            }
            Err(TwilioError::Api {
                code,
                message: words,
                ..
            }) => {
                let reason = app::sms::explain_error(code).map_or_else(
                    || format!("Twilio error {code}: {words}"),
                    |w| format!("Twilio error {code}: {w}"),
                );
                tracing::warn!(id, code, "SMS refused by Twilio");
                crate::metrics::sms_sent(SmsResult::Failed);
                if code == 21610 {
                    repo::suppress(db, &message.to_number, "Twilio error 21610: opted out").await?;
                }
                let code = i32::try_from(code).ok();
                repo::close(
                    db,
                    id,
                    &[MessageStatus::Posting],
                    MessageStatus::Failed,
                    code,
                    &reason,
                )
                .await?;
            }
        }
        self.context.publish(id).await;
        Ok(())
    }

    async fn retry_or_fail(
        &self,
        id: i32,
        attempt: i32,
        wait: Duration,
        reason: &str,
    ) -> Result<(), sea_orm::DbErr> {
        let db = &self.context.db;
        if attempt >= MAX_ATTEMPTS {
            crate::metrics::sms_sent(SmsResult::Failed);
            let reason = format!("not sent after {attempt} attempts: {reason}");
            repo::close(
                db,
                id,
                &[MessageStatus::Posting],
                MessageStatus::Failed,
                None,
                &reason,
            )
            .await
            .map(drop)
        } else {
            crate::metrics::sms_sent(SmsResult::Retried);
            repo::retry_at(db, id, Self::chrono_after(wait)).await
        }
    }

    /// Settles a `posting` message whose lease ran out: recorded if Twilio has it, back to the
    /// outbox if not.
    async fn resolve(&mut self, message: sms_messages::Model) -> bool {
        let Some((client, _, _)) = self.context.twilio(message.order_id) else {
            return false;
        };
        let db = &self.context.db;
        // Own it while looking (another instance would otherwise look at the same time).
        let leased = repo::lease(
            db,
            &message,
            MessageStatus::Posting,
            Self::chrono_after(self.config.lease),
            false,
        )
        .await;
        if !matches!(leased, Ok(true)) {
            return false;
        }
        let since = message.first_posted_at.unwrap_or(message.created_at);
        let found = client
            .find_message(&message.to_number, &message.body, since)
            .await;
        let outcome = match found {
            Ok(Some(resource)) => {
                tracing::info!(id = message.id, sid = %resource.sid, "SMS found at Twilio after a lost answer");
                let status =
                    MessageStatus::parse(&resource.status).unwrap_or(MessageStatus::Queued);
                repo::accepted(db, message.id, &resource.sid, status, self.sandbox_on()).await
            }
            Ok(None) if message.attempts >= MAX_ATTEMPTS => {
                let reason = format!("not sent after {} attempts", message.attempts);
                repo::close(
                    db,
                    message.id,
                    &[MessageStatus::Posting],
                    MessageStatus::Failed,
                    None,
                    &reason,
                )
                .await
                .map(drop)
            }
            Ok(None) => repo::retry_at(db, message.id, Utc::now()).await,
            Err(error) => {
                tracing::warn!(id = message.id, %error, "SMS: cannot look the message up yet");
                repo::extend_lease(
                    db,
                    message.id,
                    Self::chrono_after(backoff(message.attempts)),
                )
                .await
            }
        };
        if let Err(error) = outcome {
            tracing::error!(id = message.id, %error, "SMS outbox: cannot record a look-up");
        }
        self.context.publish(message.id).await;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_five_minutes() {
        assert_eq!(backoff(1), Duration::from_secs(2));
        assert_eq!(backoff(2), Duration::from_secs(4));
        assert_eq!(backoff(8), Duration::from_secs(256));
        assert_eq!(backoff(9), Duration::from_secs(300));
        assert_eq!(backoff(40), Duration::from_secs(300));
        assert_eq!(backoff(0), Duration::from_secs(2));
    }
}
