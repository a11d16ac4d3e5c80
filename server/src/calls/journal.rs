//! [`Journal`]: what one call leaves behind for staff, written by the call's bridge as it goes.
//! Whole transcript lines and tool calls are stored (`call_journal`) and published live; partial
//! lines are published only. The tools run here, always on the call's own order (the order id
//! comes from the call, never from the model's arguments), and their errors come back to the
//! model as `{"error": "..."}` rather than ending the call. Usage and latency go on the call row.

use super::tools::{self, ToolRequest};
use crate::db::entities::orders;
use crate::db::repo;
use crate::orders::facts::{facts_of, spoken_window};
use crate::providers::script::Tool;
use crate::providers::session::{Speaker as SessionSpeaker, Usage};
use crate::realtime::Hub;
use app::api::{Lang, OrderStatus, Provider, Speaker};
use chrono::Utc;
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex, PoisonError};

/// List prices in US dollars per million tokens, `(input, output)`, for an **estimate** only.
/// Providers report one token count per direction here, without splitting audio from text; a
/// phone call is mostly audio, so the audio prices are used, which overstates the text part.
/// OpenAI gpt-realtime audio: $32 in, $64 out. Gemini Live (2.5 Flash native audio): $3 in,
/// $12 out. Nothing is billed on these; update them when the price lists change.
pub fn price(provider: Provider) -> (i64, i64) {
    match provider {
        Provider::Openai => (32, 64),
        Provider::Gemini => (3, 12),
        Provider::Demo => (0, 0),
    }
}

/// The estimated cost of `usage` in millionths of a US dollar (a price per million tokens in
/// dollars is a price per token in millionths of a dollar).
pub fn cost_microusd(provider: Provider, usage: Usage) -> i64 {
    let (input_price, output_price) = price(provider);
    let tokens = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
    tokens(usage.input_tokens)
        .saturating_mul(input_price)
        .saturating_add(tokens(usage.output_tokens).saturating_mul(output_price))
}

/// The line so far of each speaker: providers send transcripts in pieces, and browsers are sent
/// the line so far, so a page opened mid-sentence still shows the whole beginning.
#[derive(Default)]
struct Partial {
    caller: String,
    agent: String,
}

impl Partial {
    fn line(&mut self, speaker: Speaker) -> &mut String {
        match speaker {
            Speaker::Caller => &mut self.caller,
            Speaker::Agent => &mut self.agent,
        }
    }
}

/// The journal of one call (cheap to clone; clones share the partial lines).
#[derive(Clone)]
pub struct Journal {
    db: DatabaseConnection,
    hub: Hub,
    /// The only order the tools may read or change.
    order_id: i32,
    call_id: i32,
    /// Whose prices the usage estimate uses.
    provider: Provider,
    partial: Arc<Mutex<Partial>>,
}

/// What a tool did: its result for the model and whether the order changed.
struct Outcome {
    result: Value,
    order_changed: bool,
}

impl Outcome {
    fn read(result: Value) -> Self {
        Outcome {
            result,
            order_changed: false,
        }
    }
}

impl Journal {
    /// The journal of call `call_id` about order `order_id`.
    pub fn new(
        db: DatabaseConnection,
        hub: Hub,
        order_id: i32,
        call_id: i32,
        provider: Provider,
    ) -> Self {
        Journal {
            db,
            hub,
            order_id,
            call_id,
            provider,
            partial: Arc::default(),
        }
    }

    /// A transcript piece. `done == false`: a partial line, published live only (as the line so
    /// far), not stored. `done == true`: the whole utterance: stored, then published. Never fails
    /// (logs DB errors); an empty whole line is neither stored nor published.
    pub async fn transcript(&self, speaker: SessionSpeaker, text: &str, done: bool) {
        let speaker = match speaker {
            SessionSpeaker::Caller => Speaker::Caller,
            SessionSpeaker::Agent => Speaker::Agent,
        };
        let text = {
            let mut partial = self.partial.lock().unwrap_or_else(PoisonError::into_inner);
            let line = partial.line(speaker);
            if done {
                line.clear();
                text.trim().to_owned()
            } else {
                line.push_str(text);
                line.clone()
            }
        };
        if done {
            if text.is_empty() {
                return;
            }
            if let Err(error) =
                repo::journal::insert_line(&self.db, self.call_id, speaker, &text).await
            {
                tracing::error!(%error, call_id = self.call_id, "cannot store a transcript line");
            }
        }
        let (call_id, order_id) = (i64::from(self.call_id), i64::from(self.order_id));
        self.hub
            .publish_transcript(call_id, order_id, speaker, text, done);
    }

    /// Runs a tool for this call's order only (never another order, whatever the arguments say),
    /// stores the tool call with its arguments and result, publishes a live event, and returns
    /// the JSON result for the model. Errors (bad arguments, DB error, missing order) come back
    /// as `{"error": "<plain words>"}`, never a panic.
    pub async fn run_tool(&self, tool: Tool, arguments: &Value) -> Value {
        let outcome = match tools::parse(tool, arguments) {
            Ok(request) => self.execute(request).await.unwrap_or_else(|error| {
                tracing::error!(%error, call_id = self.call_id, tool = tool.name(), "tool failed on the database");
                Outcome::read(tools::error("the order could not be read or updated just now; tell the customer staff will follow up"))
            }),
            Err(message) => Outcome::read(tools::error(message)),
        };
        if let Err(error) = repo::journal::insert_tool_call(
            &self.db,
            self.call_id,
            tool.name(),
            arguments,
            &outcome.result,
        )
        .await
        {
            tracing::error!(%error, call_id = self.call_id, "cannot store a tool call");
        }
        let (call_id, order_id) = (i64::from(self.call_id), i64::from(self.order_id));
        let summary = tools::summary(Some(tool), &outcome.result);
        self.hub
            .publish_tool_called(call_id, order_id, tool.name().to_owned(), summary);
        if outcome.order_changed {
            self.hub.publish_order_changed(order_id);
        }
        outcome.result
    }

    /// Carries out a checked request on this call's order.
    async fn execute(&self, request: ToolRequest) -> Result<Outcome, DbErr> {
        let now = Utc::now();
        let changed = |done: bool, result: Value| {
            if done {
                Outcome {
                    result,
                    order_changed: true,
                }
            } else {
                Outcome::read(no_order())
            }
        };
        Ok(match request {
            ToolRequest::GetOrderDetails => match self.order().await? {
                Some(order) => Outcome::read(details(&order)),
                None => Outcome::read(no_order()),
            },
            ToolRequest::AddDeliveryNote { note } => {
                let line = tools::note_line(now, &note);
                let done = repo::order_updates::append_note(&self.db, self.order_id, &line, now)
                    .await?;
                changed(done, json!({"ok": true, "note_added": line}))
            }
            ToolRequest::ConfirmDeliveryWindow => match self.order().await? {
                None => Outcome::read(no_order()),
                Some(order) if order.window_start.is_none() && order.window_end.is_none() => {
                    Outcome::read(tools::error("this order has no delivery window yet: ask which window suits the customer and record it with request_new_delivery_window"))
                }
                Some(order) => {
                    let done =
                        repo::order_updates::confirm_window(&self.db, self.order_id, now).await?;
                    let window = spoken_window(order.window_start, order.window_end, Lang::En);
                    changed(done, json!({"ok": true, "confirmed_window": window}))
                }
            },
            ToolRequest::RequestNewDeliveryWindow {
                preferred_window,
                reason,
            } => {
                let text = tools::window_request_text(&preferred_window, reason.as_deref());
                let done =
                    repo::order_updates::request_window(&self.db, self.order_id, &text, now)
                        .await?;
                let next = "staff will confirm the new window with the customer";
                changed(done, json!({"ok": true, "requested_window": text, "next": next}))
            }
            ToolRequest::EndCall { .. } => Outcome::read(json!({"ok": true, "ending": true})),
        })
    }

    async fn order(&self) -> Result<Option<orders::Model>, DbErr> {
        repo::orders::find(&self.db, self.order_id).await
    }

    /// Tokens of one response: added to the call row (input, output) with the estimated cost
    /// (see [`price`]). Never fails (logs DB errors).
    pub async fn usage(&self, usage: Usage) {
        let tokens = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        let cost = cost_microusd(self.provider, usage);
        if let Err(error) = repo::journal::add_usage(
            &self.db,
            self.call_id,
            tokens(usage.input_tokens),
            tokens(usage.output_tokens),
            cost,
        )
        .await
        {
            tracing::error!(%error, call_id = self.call_id, "cannot store token usage");
        }
    }

    /// The call's latency: median ms from the caller's end of speech to the first agent audio
    /// sent to Twilio; stored on the call row (a later value replaces an earlier one). Never
    /// fails (logs DB errors).
    pub async fn latency(&self, median_ms: u32) {
        let median_ms = i32::try_from(median_ms).unwrap_or(i32::MAX);
        if let Err(error) = repo::journal::set_latency(&self.db, self.call_id, median_ms).await {
            tracing::error!(%error, call_id = self.call_id, "cannot store the call latency");
        }
    }
}

/// What the model gets when the call's order has gone.
fn no_order() -> Value {
    tools::error("the order of this call no longer exists")
}

/// `get_order_details`: this order's facts (no phone numbers, no staff notes).
fn details(order: &orders::Model) -> Value {
    // In English: the model reads it, whatever language it speaks.
    let facts = facts_of(order, "", Lang::En);
    let status = order
        .status
        .parse::<OrderStatus>()
        .map_or_else(|_| order.status.clone(), |s| s.label().to_owned());
    json!({
        "order_number": facts.order_number,
        "customer_name": facts.customer_name,
        "items": facts.items,
        "address": facts.address,
        "delivery_window": facts.delivery_window,
        "delivery_window_confirmed": order.window_confirmed_at.is_some(),
        "requested_window": order.window_request,
        "status": status,
        "driver_name": order.driver_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_estimate_uses_each_provider_s_prices_per_million_tokens() {
        let usage = Usage {
            input_tokens: 1_000,
            output_tokens: 500,
            total_tokens: 1_500,
        };
        // OpenAI: 1000 x $32/M + 500 x $64/M = $0.064 = 64 000 millionths.
        assert_eq!(cost_microusd(Provider::Openai, usage), 64_000);
        assert_eq!(cost_microusd(Provider::Gemini, usage), 9_000);
        let huge = Usage {
            input_tokens: u64::MAX,
            ..usage
        };
        assert_eq!(cost_microusd(Provider::Openai, huge), i64::MAX);
    }
}
