//! A call's agent, once its Media Stream is authenticated: open the provider session for the
//! call's order, run the bridge (`bridge::call`), and act on how it ended: hang up through the
//! REST API after the agent's goodbye or at the maximum length; after a provider failure, the
//! caller hears a short apology (`<Say>` then `<Hangup/>`) and the call ends `failed` with the
//! reason in plain words. The session is closed before this returns, so no task outlives the call.

use super::journal::Journal;
use super::live::LiveBridges;
use super::service::twilio_client;
use crate::bridge::call::{self, BridgeConfig, CallAudio, CallEffects, CallEnd, Outcome};
use crate::bridge::capture::Capture;
use crate::bridge::{Direction, OpenAiAudio, Transcoder};
use crate::db::entities::calls;
use crate::db::entities::orders;
use crate::db::repo;
use crate::orders::facts::facts_of;
use crate::providers::language;
use crate::providers::script::{AgentScript, Tool};
use crate::providers::session::{AudioFormat, ProviderSession, Speaker, Usage};
use crate::realtime::Hub;
use crate::settings::{EffectiveSettings, ExternalUrls, SettingsHandle};
use crate::twilio::twiml;
use app::api::{Lang, Provider, SettingKey};
use futures_util::{Sink, Stream};
use sea_orm::DatabaseConnection;
use serde_json::Value;
use std::time::Duration;

/// How long each step of the provider's handshake may take before the caller hears the apology.
const CONNECT_WAIT: Duration = Duration::from_secs(5);
/// How long the agent's goodbye may take to play after `end_call`.
const GOODBYE_WAIT: Duration = Duration::from_secs(15);

/// How long a started stream may go without any frame: Twilio sends media every 20 ms.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// What a call's agent needs from the server.
#[derive(Clone)]
pub struct AgentDeps {
    pub db: DatabaseConnection,
    pub hub: Hub,
    pub settings: SettingsHandle,
    pub http: reqwest::Client,
    pub urls: ExternalUrls,
    pub live: LiveBridges,
    /// Where calls are captured when the capture setting is on (`{data dir}/captures`).
    pub capture_dir: std::path::PathBuf,
}

/// The authenticated stream of one call.
#[derive(Debug, Clone)]
pub struct CallStream {
    pub call_id: i32,
    pub order_id: i32,
    pub stream_sid: String,
    pub call_sid: String,
}

/// The journal, as the bridge sees it.
struct Effects(Journal);

#[async_trait::async_trait]
impl CallEffects for Effects {
    async fn transcript(&mut self, speaker: Speaker, text: &str, done: bool) {
        self.0.transcript(speaker, text, done).await
    }
    async fn run_tool(&mut self, tool: Tool, arguments: &Value) -> Value {
        self.0.run_tool(tool, arguments).await
    }
    async fn usage(&mut self, usage: Usage) {
        self.0.usage(usage).await
    }
}

/// Runs the agent of `stream` on the Twilio socket halves until the call ends.
pub async fn serve<I, O>(deps: &AgentDeps, stream: &CallStream, twilio_in: I, twilio_out: O)
where
    I: Stream<Item = String> + Unpin,
    O: Sink<String> + Unpin,
    O::Error: std::fmt::Display,
{
    // The settings as they are now; a change made during the call applies to the next one.
    let settings = deps.settings.current();
    let call = match repo::calls::find(&deps.db, stream.call_id).await {
        Ok(Some(call)) => call,
        Ok(None) => return,
        Err(error) => {
            tracing::error!(%error, call_id = stream.call_id, "cannot load the call");
            return;
        }
    };
    let provider: Provider = call.provider.parse().unwrap_or(Provider::Openai);
    let order = repo::orders::find(&deps.db, stream.order_id).await;
    let customer = order
        .as_ref()
        .ok()
        .and_then(Option::as_ref)
        .and_then(orders::Model::customer_lang);
    let lang = language::call_language(settings.get(SettingKey::AgentLanguage), customer);
    let mut session = match open_session(deps, &settings, provider, order, &lang).await {
        Ok(session) => session,
        Err(reason) => {
            crate::metrics::provider_error(provider.as_str());
            tracing::warn!(call_id = stream.call_id, %reason, "the agent could not start");
            let reason = format!("The AI agent could not be reached: {reason}");
            return apologise(deps, &settings, &lang, call, stream, &reason).await;
        }
    };
    let Some((uplink, downlink)) = transcoders(provider, &session, &stream.stream_sid) else {
        session.close().await;
        return;
    };
    let capture = settings
        .get(SettingKey::AgentCaptureCalls)
        .eq("true")
        .then(|| Capture::create(&deps.capture_dir, stream.call_id))
        .and_then(|created| {
            created
                .inspect_err(|error| tracing::warn!(%error, "cannot capture the call"))
                .ok()
        });
    if let Some(capture) = &capture {
        tracing::info!(dir = %capture.dir().display(), "capturing the call's messages");
    }
    let audio = CallAudio {
        uplink,
        downlink,
        capture,
    };
    let journal = Journal::new(
        deps.db.clone(),
        deps.hub.clone(),
        stream.order_id,
        stream.call_id,
        provider,
    );
    let minutes: u64 = settings
        .get(SettingKey::AgentMaxCallMinutes)
        .parse()
        .unwrap_or(5);
    let config = BridgeConfig {
        stream_sid: stream.stream_sid.clone(),
        max_length: Duration::from_secs(minutes * 60),
        idle: IDLE_TIMEOUT,
        goodbye_wait: GOODBYE_WAIT,
    };
    let guard = deps.live.register(stream.call_id);
    let outcome = match session.greet().await {
        Ok(()) => {
            let effects = Effects(journal.clone());
            let hangup = guard.ended();
            call::run(
                &config,
                twilio_in,
                twilio_out,
                &mut session,
                audio,
                effects,
                hangup,
            )
            .await
        }
        Err(failure) => Outcome {
            end: CallEnd::ProviderFailed(failure.to_string()),
            latencies_ms: Vec::new(),
            agent_audio_ms: 0,
        },
    };
    session.close().await;
    tracing::info!(call_id = stream.call_id, end = ?outcome.end, audio_ms = outcome.agent_audio_ms, "the bridge ended");
    if let Some(median) = outcome.median_latency_ms() {
        journal.latency(median).await;
    }
    finish(deps, &settings, &lang, call, stream, outcome.end).await;
    // Registered until the call is wrapped up (hung up, or the apology sent), so a shutdown
    // waits for that too.
    drop(guard);
}

/// Opens the provider session for a call in `lang` about `order` (as loaded).
async fn open_session(
    deps: &AgentDeps,
    settings: &EffectiveSettings,
    provider: Provider,
    order: Result<Option<orders::Model>, sea_orm::DbErr>,
    lang: &str,
) -> Result<ProviderSession, String> {
    let order = match order {
        Ok(Some(order)) => order,
        Ok(None) => return Err("the order no longer exists".into()),
        Err(error) => {
            tracing::error!(%error, "cannot load the order's facts");
            return Err("the order could not be read".into());
        }
    };
    let spoken = lang.parse::<Lang>().unwrap_or_default();
    let facts = facts_of(&order, settings.get(SettingKey::BusinessName), spoken);
    let script = AgentScript::from_settings(settings, &facts, lang);
    crate::providers::connect(provider, settings, &deps.urls, script, CONNECT_WAIT)
        .await
        .map_err(|failure| failure.to_string())
}

/// The two transcoders for `provider`'s session formats.
fn transcoders(
    provider: Provider,
    session: &ProviderSession,
    stream_sid: &str,
) -> Option<(Transcoder, Transcoder)> {
    let (up, down, audio) = match provider {
        // The demo agent speaks the OpenAI wire format in `audio/pcmu` (providers::demo).
        Provider::Openai | Provider::Demo => {
            let audio = match session.input_format() {
                AudioFormat::Mulaw8k => OpenAiAudio::Pcmu,
                AudioFormat::Pcm16 { .. } => OpenAiAudio::Pcm,
            };
            (Direction::TwilioToOpenAi, Direction::OpenAiToTwilio, audio)
        }
        Provider::Gemini => (
            Direction::TwilioToGemini,
            Direction::GeminiToTwilio,
            OpenAiAudio::Pcm,
        ),
    };
    match (
        Transcoder::new(up, audio, stream_sid),
        Transcoder::new(down, audio, stream_sid),
    ) {
        (Ok(up), Ok(down)) => Some((up, down)),
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "cannot build the call's resamplers");
            None
        }
    }
}

/// Acts on how the bridge ended.
async fn finish(
    deps: &AgentDeps,
    settings: &EffectiveSettings,
    lang: &str,
    call: calls::Model,
    stream: &CallStream,
    end: CallEnd,
) {
    match end {
        CallEnd::AgentHungUp | CallEnd::MaxLength | CallEnd::Idle => {
            let client = twilio_client(&deps.http, &deps.urls.twilio_api_base, settings);
            match client.end_call(&stream.call_sid, "completed").await {
                Ok(_) => tracing::info!(call_id = stream.call_id, ?end, "call hung up"),
                Err(error) => tracing::warn!(%error, call_id = stream.call_id, "hang-up failed"),
            }
        }
        CallEnd::ProviderFailed(reason) => {
            let provider = call.provider.parse().unwrap_or(app::api::Provider::Openai);
            crate::metrics::provider_error(provider.as_str());
            let reason = format!("The AI agent stopped during the call: {reason}");
            apologise(deps, settings, lang, call, stream, &reason).await
        }
        CallEnd::StaffHungUp if deps.live.is_shutting_down() => {
            let reason = "The server shut down during the call";
            apologise(deps, settings, lang, call, stream, reason).await
        }
        CallEnd::Stopped | CallEnd::StaffHungUp => {}
    }
}

/// The caller hears a short apology in the call's language `lang` and the call ends; it is
/// recorded `failed` with `reason`.
async fn apologise(
    deps: &AgentDeps,
    settings: &EffectiveSettings,
    lang: &str,
    call: calls::Model,
    stream: &CallStream,
    reason: &str,
) {
    // Recorded first, so Twilio's `completed` callback that follows cannot precede it.
    match repo::calls::mark_failed(&deps.db, call, reason).await {
        Ok(call) => {
            crate::metrics::call_status(&call.status);
            deps.hub.publish(call.into())
        }
        Err(error) => {
            tracing::error!(%error, call_id = stream.call_id, "cannot record the failure")
        }
    }
    let twiml = twiml::say_and_hang_up(language::apology(lang), lang);
    let client = twilio_client(&deps.http, &deps.urls.twilio_api_base, settings);
    match client.update_twiml(&stream.call_sid, &twiml).await {
        Ok(_) => tracing::info!(call_id = stream.call_id, "apology played, call ending"),
        Err(error) => tracing::warn!(%error, call_id = stream.call_id, "the apology failed"),
    }
}
