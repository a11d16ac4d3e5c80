//! The reconciler: a background task that settles calls Twilio's callbacks left open. Twilio does
//! not retry a status callback we failed to record (a database error, a lost request), and a call
//! left "in progress" counts toward the simultaneous-call limit for ever. So every
//! [`RECONCILE_EVERY`], each call that has been open for longer than expected is fetched from
//! Twilio (`GET .../Calls/{CallSid}.json`) and Twilio's status is applied through the status
//! writer, like a callback without a sequence number (it applies only when it moves the call
//! forward). A call that never got a SID is failed with a reason. It runs once at start, so calls
//! left open by a restart are settled at once.
//!
//! "Longer than expected" ([`plan`]), measured from the call's creation:
//! - queued, initiated or ringing with a SID: [`PRE_ANSWER_GRACE`] (it rings 30 s at most, plus
//!   Twilio's queue at one call per second);
//! - in progress: the maximum call length setting (Twilio's `TimeLimit`) plus
//!   [`CALL_LENGTH_MARGIN`] for ringing and queueing;
//! - no SID at all: [`NO_SID_GRACE`]; its callbacks would have stored one, so Twilio never placed
//!   it or never told us, and nothing can be asked about it.

use super::service::twilio_client;
use super::supervisor::supervise;
use super::writer::{Outcome, StatusUpdate, StatusWriter};
use crate::db::entities::calls;
use crate::db::repo;
use crate::settings::SettingsHandle;
use crate::twilio::client::CallResource;
use crate::twilio::TwilioClient;
use app::api::{CallStatus, SettingKey};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, DbErr};

/// How often open calls are looked at.
pub const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// How long a call with a SID may stay queued, initiated or ringing.
pub const PRE_ANSWER_GRACE: Duration = Duration::minutes(2);
/// How long a call may stay without a SID.
pub const NO_SID_GRACE: Duration = Duration::minutes(5);
/// Added to the maximum call length for an answered call.
pub const CALL_LENGTH_MARGIN: Duration = Duration::minutes(2);

/// What to do about one open call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Nothing yet: it is not late.
    Wait,
    /// Ask Twilio about the call with this SID.
    Fetch(String),
    /// Fail it with this reason.
    Fail(&'static str),
}

const NO_SID: &str = "Twilio never confirmed this call (no Call SID was recorded); marked failed";
const UNKNOWN_TO_TWILIO: &str = "Twilio has no record of this call (error 20404); marked failed";

/// Decides for an open call of `age` at `status`, given the maximum call length.
pub fn plan(status: CallStatus, sid: Option<&str>, age: Duration, max_call: Duration) -> Action {
    if status.is_final() {
        return Action::Wait;
    }
    let Some(sid) = sid else {
        return if age > NO_SID_GRACE {
            Action::Fail(NO_SID)
        } else {
            Action::Wait
        };
    };
    let expected = if status.rank() < CallStatus::InProgress.rank() {
        PRE_ANSWER_GRACE
    } else {
        max_call + CALL_LENGTH_MARGIN
    };
    if age > expected {
        Action::Fetch(sid.to_owned())
    } else {
        Action::Wait
    }
}

/// The reconciler and what it needs.
#[derive(Clone)]
pub struct Reconciler {
    pub db: DatabaseConnection,
    pub settings: SettingsHandle,
    pub http: reqwest::Client,
    pub twilio_api_base: String,
    pub writer: StatusWriter,
}

impl Reconciler {
    /// Starts the supervised task: one round now, then one every [`RECONCILE_EVERY`].
    pub fn spawn(self) {
        tokio::spawn(supervise("call reconciler", move || {
            self.clone().run_forever()
        }));
    }

    async fn run_forever(self) {
        let mut ticks = tokio::time::interval(RECONCILE_EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.run_once(Utc::now()).await {
                Ok(0) => {}
                Ok(changed) => tracing::info!(changed, "reconciler settled open calls"),
                Err(error) => tracing::error!(%error, "reconciler: cannot read open calls"),
            }
        }
    }

    /// One round as of `now`: returns how many calls changed.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, DbErr> {
        let settings = self.settings.current();
        let minutes: i64 = settings
            .get(SettingKey::AgentMaxCallMinutes)
            .parse()
            .unwrap_or(5);
        let client = (!settings.twilio_account_sid().is_empty()
            && !settings.twilio_auth_token().is_empty())
        .then(|| twilio_client(&self.http, &self.twilio_api_base, &settings));
        let first_look = PRE_ANSWER_GRACE.min(NO_SID_GRACE);
        let open = repo::calls::open_created_before(&self.db, now - first_look).await?;
        let mut changed = 0;
        for call in open {
            let status = call.status.parse().unwrap_or(CallStatus::Queued);
            let age = now - call.created_at;
            let update = match plan(
                status,
                call.call_sid.as_deref(),
                age,
                Duration::minutes(minutes),
            ) {
                Action::Wait => None,
                Action::Fail(reason) => Some(failure(&call, None, reason, now)),
                Action::Fetch(sid) => match &client {
                    Some(client) => fetch(client, &call, sid, now).await,
                    None => None,
                },
            };
            if let Some(update) = update {
                changed += usize::from(self.apply(call.id, update).await);
            }
        }
        Ok(changed)
    }

    /// Applies through the writer; true when the call changed.
    async fn apply(&self, call_id: i32, update: StatusUpdate) -> bool {
        let status = update.status;
        match self.writer.apply(update).await {
            Ok(Outcome::Applied) => {
                tracing::info!(call_id, status = status.as_str(), "call reconciled");
                true
            }
            Ok(_) => false,
            Err(error) => {
                tracing::error!(call_id, %error, "reconciler: cannot record");
                false
            }
        }
    }
}

/// Twilio's record of the call as an update, None when it cannot be had this round.
async fn fetch(
    client: &TwilioClient,
    call: &calls::Model,
    sid: String,
    now: DateTime<Utc>,
) -> Option<StatusUpdate> {
    match client.fetch_call(&sid).await {
        Ok(Some(record)) => from_record(call, record, now),
        Ok(None) => Some(failure(call, Some(sid), UNKNOWN_TO_TWILIO, now)),
        Err(error) => {
            tracing::warn!(call_id = call.id, %error, "reconciler: cannot fetch the call from Twilio");
            None
        }
    }
}

fn failure(
    call: &calls::Model,
    sid: Option<String>,
    reason: &str,
    now: DateTime<Utc>,
) -> StatusUpdate {
    StatusUpdate {
        order_id: call.order_id,
        call_id: Some(call.id),
        call_sid: sid,
        status: CallStatus::Failed,
        sequence: None,
        at: now,
        details: repo::calls::StatusDetails {
            failure_reason: Some(reason.to_owned()),
            ..Default::default()
        },
    }
}

/// Parses Twilio's call record (its status at the edge) into an update.
fn from_record(
    call: &calls::Model,
    record: CallResource,
    now: DateTime<Utc>,
) -> Option<StatusUpdate> {
    let Ok(status) = record.status.parse::<CallStatus>() else {
        tracing::warn!(call_id = call.id, status = %record.status, "reconciler: unknown status from Twilio");
        return None;
    };
    let ended = record
        .end_time
        .as_deref()
        .and_then(|t| DateTime::parse_from_rfc2822(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let failure_reason = (status == CallStatus::Failed)
        .then(|| "Twilio's record says the call failed (its status callback was lost)".to_owned());
    Some(StatusUpdate {
        order_id: call.order_id,
        call_id: Some(call.id),
        call_sid: Some(record.sid),
        status,
        sequence: None,
        at: ended.unwrap_or(now),
        details: repo::calls::StatusDetails {
            duration_seconds: record.duration.and_then(|d| d.parse().ok()),
            answered_by: record.answered_by,
            sip_response_code: None,
            failure_reason,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use CallStatus::*;

    const FIVE: Duration = Duration::minutes(5);

    fn minutes(m: i64) -> Duration {
        Duration::minutes(m)
    }

    #[test]
    fn calls_before_answer_are_fetched_after_two_minutes() {
        for status in [Queued, Initiated, Ringing] {
            assert_eq!(plan(status, Some("CA1"), minutes(2), FIVE), Action::Wait);
            assert_eq!(
                plan(status, Some("CA1"), minutes(3), FIVE),
                Action::Fetch("CA1".into())
            );
        }
    }

    #[test]
    fn answered_calls_are_fetched_after_the_maximum_length_and_a_margin() {
        assert_eq!(
            plan(InProgress, Some("CA1"), minutes(7), FIVE),
            Action::Wait
        );
        assert_eq!(
            plan(InProgress, Some("CA1"), minutes(8), FIVE),
            Action::Fetch("CA1".into())
        );
    }

    #[test]
    fn calls_without_a_sid_fail_after_five_minutes() {
        assert_eq!(plan(Queued, None, minutes(5), FIVE), Action::Wait);
        assert_eq!(plan(Queued, None, minutes(6), FIVE), Action::Fail(NO_SID));
    }

    #[test]
    fn finished_calls_are_left_alone() {
        assert_eq!(
            plan(Completed, Some("CA1"), minutes(60), FIVE),
            Action::Wait
        );
        assert_eq!(plan(Failed, None, minutes(60), FIVE), Action::Wait);
    }
}
