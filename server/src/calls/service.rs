//! [`CallsService`]: placing, ending and listing calls.

use crate::db::entities::calls;
use crate::db::{db_error, repo};
use crate::phone::check_destination;
use crate::realtime::Hub;
use crate::settings::values::allowed_countries;
use crate::settings::{EffectiveSettings, SettingsHandle};
use crate::twilio::client::{explain, CreateCall};
use crate::twilio::{TwilioClient, TwilioError};
use app::api::{
    ApiError, CallJournal, CallReadiness, CallStatus, CallView, FieldError, Provider, Recipient,
    SessionUser, SettingKey,
};
use app::ports::CallsPort;
use sea_orm::DatabaseConnection;
use secrecy::SecretString;

/// Calls through Twilio.
#[derive(Clone)]
pub struct CallsService {
    pub db: DatabaseConnection,
    pub settings: SettingsHandle,
    pub hub: Hub,
    /// The bridges running here: Hang up ends them too.
    pub live: super::live::LiveBridges,
    pub http: reqwest::Client,
    pub twilio_api_base: String,
    /// Used when no public base URL setting exists (the server's own address).
    pub fallback_public_url: String,
    /// Set on SIGTERM: no new calls from this instance.
    pub drain: crate::drain::Drain,
}

/// The public base URL Twilio reaches us at: the setting (env or database), else the server's own.
pub fn public_base_url(settings: &EffectiveSettings, fallback: &str) -> String {
    let configured = settings.get(SettingKey::PublicBaseUrl);
    let url = if configured.is_empty() {
        fallback
    } else {
        configured
    };
    url.trim_end_matches('/').to_owned()
}

/// Why calls cannot be placed with these settings, or None.
fn blocked_reason(settings: &EffectiveSettings) -> Option<String> {
    if settings.sandbox().is_some() {
        return None;
    }
    if !settings.twilio_enabled() {
        return Some("Twilio is not enabled.".into());
    }
    let missing: Vec<&str> = [
        SettingKey::TwilioAccountSid,
        SettingKey::TwilioAuthToken,
        SettingKey::TwilioPhoneNumber,
    ]
    .into_iter()
    .filter(|key| settings.get(*key).is_empty())
    .map(|key| key.label())
    .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "Twilio is not configured: {} {} missing.",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" }
        )
    })
}

/// The provider the call dialog offers first: the setting, except that while the sandbox is on
/// and no provider was chosen, the offline demo agent (it needs no key).
fn default_provider(settings: &EffectiveSettings) -> Provider {
    let chosen = settings.source(SettingKey::AgentProvider) != app::api::SettingSource::Default;
    if settings.sandbox().is_some() && !chosen {
        return Provider::Demo;
    }
    settings
        .get(SettingKey::AgentProvider)
        .parse()
        .unwrap_or(Provider::Openai)
}

/// A Twilio client with the credentials of these settings.
pub(crate) fn twilio_client(
    http: &reqwest::Client,
    api_base: &str,
    settings: &EffectiveSettings,
) -> TwilioClient {
    TwilioClient::new(
        http.clone(),
        settings.twilio_api_base(api_base),
        settings.twilio_account_sid(),
        SecretString::from(settings.twilio_auth_token().to_owned()),
    )
}

impl CallsService {
    fn client(&self, settings: &EffectiveSettings) -> TwilioClient {
        twilio_client(&self.http, &self.twilio_api_base, settings)
    }

    fn publish(&self, call: &calls::Model) -> CallView {
        let view: CallView = call.clone().into();
        self.hub.publish(view.clone());
        view
    }

    /// Twilio accepted the call: stores its SID (unless an early callback did) and publishes the
    /// call as it now is. Failing to store it does not fail the request: the call is placed, its
    /// callbacks carry our call id and store the SID, and the reconciler settles it otherwise.
    async fn record_sid(&self, call: calls::Model, sid: &str) -> CallView {
        tracing::info!(call_id = call.id, order_id = call.order_id, "call placed");
        let stored = match repo::calls::claim_sid(&self.db, call.id, sid).await {
            Ok(_) => repo::calls::find(&self.db, call.id).await,
            Err(error) => Err(error),
        };
        match stored {
            Ok(Some(current)) => self.publish(&current),
            Ok(None) => self.publish(&call),
            Err(error) => {
                tracing::error!(call_id = call.id, %error, "cannot store the Call SID; its callbacks will");
                self.publish(&call)
            }
        }
    }

    /// Twilio did not accept the call: the reason in plain words. A refusal, or a request never
    /// sent, fails the call. A request sent without a usable answer may still have placed it, so
    /// that call stays as it is: its callbacks (which carry our call id) or the reconciler settle it.
    async fn record_refusal(&self, call: calls::Model, error: &TwilioError) -> ApiError {
        if let TwilioError::Network(_) = error {
            tracing::warn!(call_id = call.id, %error, "no usable answer to the call request");
            return ApiError::Upstream(format!(
                "{error}; the call may still be placed, watch its status"
            ));
        }
        let reason = explain(error);
        tracing::warn!(call_id = call.id, %error, "Twilio refused the call");
        match repo::calls::mark_failed(&self.db, call, &reason).await {
            Ok(call) => {
                crate::metrics::call_status(&call.status);
                self.publish(&call);
                ApiError::Upstream(reason)
            }
            Err(error) => db_error(error),
        }
    }
}

#[async_trait::async_trait]
impl CallsPort for CallsService {
    async fn readiness(&self) -> Result<CallReadiness, ApiError> {
        let settings = self.settings.current();
        Ok(CallReadiness {
            blocked: blocked_reason(&settings),
            default_provider: default_provider(&settings),
            sandbox: settings.sandbox().is_some(),
        })
    }

    async fn place(
        &self,
        actor: &SessionUser,
        order_id: i64,
        recipient: Recipient,
        provider: Provider,
        purpose: &str,
        confirm_demo: bool,
    ) -> Result<CallView, ApiError> {
        if self.drain.is_draining() {
            return Err(ApiError::ShuttingDown);
        }
        // The call keeps this snapshot: settings edited meanwhile apply to the next call.
        let settings = self.settings.current();
        if let Some(reason) = blocked_reason(&settings) {
            return Err(ApiError::Conflict(reason));
        }
        let order_row = repo::row_id(order_id).ok_or(ApiError::NotFound)?;
        let order = repo::orders::find(&self.db, order_row)
            .await
            .map_err(db_error)?
            .ok_or(ApiError::NotFound)?;
        let to_number = match recipient {
            Recipient::Customer => order.customer_phone.clone(),
            Recipient::Driver => order.driver_phone.clone().ok_or_else(|| {
                ApiError::Validation(vec![FieldError::new(
                    "recipient",
                    "this order has no driver phone",
                )])
            })?,
        };
        // In the sandbox, demo orders' numbers ring the softphone: nothing to confirm.
        if order.demo && !confirm_demo && settings.sandbox().is_none() {
            return Err(ApiError::Validation(vec![FieldError::new(
                "confirm_demo",
                format!(
                    "{} is a demo order: its phone numbers are reserved for fiction; confirm to call it anyway",
                    order.number
                ),
            )]));
        }
        let allowed = allowed_countries(settings.get(SettingKey::CallAllowedCountries));
        if let Err(refused) = check_destination(&to_number, &allowed) {
            tracing::warn!(order_id, %refused, "call refused by the destination policy");
            return Err(ApiError::Validation(vec![FieldError::new(
                "recipient",
                refused.to_string(),
            )]));
        }
        if purpose.chars().count() > 500 {
            return Err(ApiError::Validation(vec![FieldError::new(
                "purpose",
                "must be at most 500 characters",
            )]));
        }
        let limit: u64 = settings
            .get(SettingKey::MaxConcurrentCalls)
            .parse()
            .unwrap_or(10);
        let new_call = repo::calls::NewCall {
            order_id: order_row,
            placed_by: repo::row_id(actor.id),
            placed_by_name: &actor.name,
            recipient,
            to_number: &to_number,
            provider,
            purpose: purpose.trim(),
            sandbox: settings.sandbox().is_some(),
        };
        // Counted and inserted in one statement, so parallel requests cannot overshoot the limit.
        let Some(call) = repo::calls::insert_within_limit(&self.db, &new_call, limit)
            .await
            .map_err(db_error)?
        else {
            let active = repo::calls::count_active(&self.db)
                .await
                .map_err(db_error)?;
            return Err(ApiError::Conflict(format!(
                "{active} calls are already in progress and the limit is {limit}; try again when one ends"
            )));
        };
        crate::metrics::call_status(&call.status);
        self.publish(&call);

        let base = public_base_url(&settings, &self.fallback_public_url);
        let minutes: u32 = settings
            .get(SettingKey::AgentMaxCallMinutes)
            .parse()
            .unwrap_or(5);
        let request = CreateCall {
            to: to_number,
            from: settings.twilio_phone_number().to_owned(),
            // Our call id rides in the query (Twilio signs and sends the whole URL), so a
            // callback that arrives before the SID is stored still finds its call.
            url: format!(
                "{base}/api/v1/orders/{order_row}/twilio-voice?call={}",
                call.id
            ),
            status_callback: format!(
                "{base}/api/v1/orders/{order_row}/twilio-status?call={}",
                call.id
            ),
            machine_detection: Some(match settings.get(SettingKey::AgentMachineBehaviour) {
                "leave_message" => "DetectMessageEnd",
                _ => "Enable",
            }),
            timeout_seconds: 30,
            time_limit_seconds: minutes * 60,
        };
        match self.client(&settings).create_call(&request).await {
            Ok(created) => Ok(self.record_sid(call, &created.sid).await),
            Err(error) => Err(self.record_refusal(call, &error).await),
        }
    }

    async fn hang_up(&self, call_id: i64) -> Result<CallView, ApiError> {
        let id = repo::row_id(call_id).ok_or(ApiError::NotFound)?;
        let call = repo::calls::find(&self.db, id)
            .await
            .map_err(db_error)?
            .ok_or(ApiError::NotFound)?;
        let status: CallStatus = call.status.parse().unwrap_or(CallStatus::Failed);
        if self.live.end(id) {
            tracing::info!(call_id, "hang-up: the audio bridge is ending");
        } else {
            // The bridge may run on another instance on the same database.
            self.hub
                .cluster()
                .publish(crate::realtime::cluster::ClusterMessage::EndBridge { call_id: id });
        }
        let Some(sid) = call.call_sid.clone().filter(|_| !status.is_final()) else {
            return Ok(call.into());
        };
        // Twilio fetches the call's TwiML when the call is answered: once it has (the media
        // token was issued), the call is in progress even if its `in-progress` callback has not
        // arrived yet, and only `completed` ends it (`canceled` would be ignored).
        let answered = call.media_token_issued_at.is_some();
        let end_as = if status.rank() < CallStatus::InProgress.rank() && !answered {
            "canceled"
        } else {
            "completed"
        };
        let settings = self.settings.current();
        match self.client(&settings).end_call(&sid, end_as).await {
            Ok(true) => tracing::info!(call_id, end_as, "hang-up requested"),
            Ok(false) => tracing::info!(call_id, "hang-up: Twilio says the call already ended"),
            Err(error) => return Err(ApiError::Upstream(explain(&error))),
        }
        Ok(call.into())
    }

    async fn for_order(&self, order_id: i64) -> Result<Vec<CallView>, ApiError> {
        let id = repo::row_id(order_id).ok_or(ApiError::NotFound)?;
        let calls = repo::calls::for_order(&self.db, id)
            .await
            .map_err(db_error)?;
        Ok(calls.into_iter().map(Into::into).collect())
    }

    async fn journals(&self, order_id: i64) -> Result<Vec<CallJournal>, ApiError> {
        let id = repo::row_id(order_id).ok_or(ApiError::NotFound)?;
        let calls = repo::calls::for_order(&self.db, id)
            .await
            .map_err(db_error)?;
        let ids = calls.iter().map(|call| call.id).collect();
        let rows = repo::journal::for_calls(&self.db, ids)
            .await
            .map_err(db_error)?;
        Ok(repo::journal::journals(&calls, rows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::resolve::Resolved;
    use app::api::SettingSource;
    use std::collections::BTreeMap;

    fn settings(values: &[(SettingKey, &str)]) -> EffectiveSettings {
        let map: BTreeMap<_, _> = values
            .iter()
            .map(|(k, v)| {
                (
                    *k,
                    Resolved {
                        value: (*v).to_owned(),
                        source: SettingSource::Database,
                    },
                )
            })
            .collect();
        EffectiveSettings::new(map)
    }

    #[test]
    fn calls_are_blocked_until_twilio_is_enabled_and_configured() {
        assert!(blocked_reason(&settings(&[]))
            .unwrap()
            .contains("not enabled"));
        let partial = settings(&[
            (SettingKey::TwilioEnabled, "true"),
            (SettingKey::TwilioAccountSid, "AC1"),
        ]);
        let reason = blocked_reason(&partial).unwrap();
        assert!(
            reason.contains("Auth Token") && reason.contains("Phone Number"),
            "{reason}"
        );
        let ready = settings(&[
            (SettingKey::TwilioEnabled, "true"),
            (SettingKey::TwilioAccountSid, "AC1"),
            (SettingKey::TwilioAuthToken, "t"),
            (SettingKey::TwilioPhoneNumber, "+15005550006"),
        ]);
        assert_eq!(blocked_reason(&ready), None);
    }

    #[test]
    fn the_public_url_falls_back_to_the_server_s_own() {
        assert_eq!(
            public_base_url(&settings(&[]), "http://127.0.0.1:3000/"),
            "http://127.0.0.1:3000"
        );
        let set = settings(&[(SettingKey::PublicBaseUrl, "https://abc.ngrok.app")]);
        assert_eq!(
            public_base_url(&set, "http://127.0.0.1:3000"),
            "https://abc.ngrok.app"
        );
    }
}
