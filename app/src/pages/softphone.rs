//! `/sandbox/phone`: the softphone. Pick a phone number (an order's customer or driver, or type
//! one); calls to that number ring here, visibly and audibly; Answer / Decline / Hang up; talk with
//! the microphone and hear the agent; a keypad; and the number's texts, with replies. The browser
//! side of the line (WebSocket, microphone, speaker) is in `softphone_client`.

use crate::api::{display_phone, SandboxInfo, SoftphoneText};
use crate::server_fns::sandbox::softphone_info;
use leptos::prelude::*;
use leptos_meta::Title;

/// Where the softphone is (the browser code moves it on).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum Line {
    /// No number chosen yet.
    Off,
    /// Connecting to the server as this number.
    Connecting,
    /// Waiting for calls.
    Idle,
    /// A call rings.
    Ringing { call_sid: String, from: String },
    /// On a call.
    InCall { call_sid: String },
    /// The connection to the server dropped.
    Lost,
}

/// The softphone's state, shared with the browser code.
#[derive(Clone, Copy)]
pub struct Softphone {
    pub number: RwSignal<String>,
    pub line: RwSignal<Line>,
    /// The last thing said (TwiML `<Say>`) or the last call's end.
    pub caption: RwSignal<String>,
    pub inbox: RwSignal<Vec<SoftphoneText>>,
    pub error: RwSignal<String>,
}

impl Softphone {
    fn new() -> Self {
        Softphone {
            number: RwSignal::new(String::new()),
            line: RwSignal::new(Line::Off),
            caption: RwSignal::new(String::new()),
            inbox: RwSignal::new(Vec::new()),
            error: RwSignal::new(String::new()),
        }
    }
}

/// The page.
#[component]
pub fn SoftphonePage() -> impl IntoView {
    let info = Resource::new(|| (), |_| softphone_info());
    let phone = Softphone::new();
    view! {
        <Title text="Softphone"/>
        <h1>"Softphone " <span class="badge sandbox">"Sandbox"</span></h1>
        <p class="hint">"This page is the phone of a customer or driver in the sandbox: calls placed from an order to this number ring here, and texts to it arrive here."</p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || info.get().map(|result| match result {
                Ok(info) => view! { <Phone info phone/> }.into_any(),
                Err(error) => view! { <p class="error">{error.to_string()}</p> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Phone(info: SandboxInfo, phone: Softphone) -> impl IntoView {
    let typed = RwSignal::new(
        info.phones
            .first()
            .map(|p| p.number.clone())
            .unwrap_or_default(),
    );
    let choose = move |_| {
        let number = typed.get_untracked().trim().to_owned();
        if number.is_empty() {
            phone.error.set("Type or pick a phone number first.".into());
            return;
        }
        phone.error.set(String::new());
        phone.number.set(number.clone());
        phone.line.set(Line::Connecting);
        #[cfg(feature = "hydrate")]
        super::softphone_client::open(phone, &number);
    };
    let notice = (!info.active).then(|| view! {
        <p class="notice">"Twilio is configured, so the sandbox is off: calls and texts go to real phones. This page only rings for sandbox calls."</p>
    });
    view! {
        {notice}
        <section class="panel softphone-number">
            <label>"Phone number"
                <input list="sandbox-phones" name="number" prop:value=typed
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
            </label>
            <datalist id="sandbox-phones">
                {info.phones.iter().map(|p| view! { <option value=p.number.clone()>{p.label.clone()}</option> }).collect_view()}
            </datalist>
            <button type="button" class="primary" on:click=choose>"Use this number"</button>
            {move || (!phone.error.get().is_empty()).then(|| view! { <p class="error" role="alert">{phone.error.get()}</p> })}
        </section>
        <LineView phone/>
        <Keypad phone/>
        <Inbox phone/>
        <details class="panel">
            <summary>"Sandbox account"</summary>
            <dl class="facts">
                <dt>"Account SID"</dt><dd><code>{info.account_sid.clone()}</code></dd>
                <dt>"Auth token"</dt><dd><code>{info.auth_token.clone()}</code></dd>
                <dt>"Number"</dt><dd>{display_phone(&info.phone_number)}</dd>
                <dt>"REST API"</dt><dd><code>{info.api_base.clone()}</code></dd>
            </dl>
            <p class="hint">"Texts to numbers ending as below fail on purpose:"</p>
            <ul class="failure-numbers">
                {info.failure_numbers.iter().map(|f| view! {
                    <li>{format!("…{}: {} ({})", f.ending, f.meaning, f.code)}</li>
                }).collect_view()}
            </ul>
        </details>
    }
}

#[component]
fn LineView(phone: Softphone) -> impl IntoView {
    let status = move || match phone.line.get() {
        Line::Off => "Pick a number to receive calls.".to_owned(),
        Line::Connecting => "Connecting…".to_owned(),
        Line::Idle => format!("{}: waiting for calls.", display_phone(&phone.number.get())),
        Line::Ringing { from, .. } => format!("Incoming call from {}", display_phone(&from)),
        Line::InCall { .. } => "On a call".to_owned(),
        Line::Lost => "Connection lost; reconnecting…".to_owned(),
    };
    let ringing = move || matches!(phone.line.get(), Line::Ringing { .. });
    let in_call = move || matches!(phone.line.get(), Line::InCall { .. });
    let act = move |answer: bool| {
        if let Line::Ringing { call_sid, .. } = phone.line.get_untracked() {
            #[cfg(feature = "hydrate")]
            super::softphone_client::respond(phone, &call_sid, answer);
            #[cfg(not(feature = "hydrate"))]
            let _ = (call_sid, answer);
        }
    };
    let hang_up = move |_| {
        #[cfg(feature = "hydrate")]
        super::softphone_client::hang_up(phone);
    };
    view! {
        <section class="panel softphone-line" class:ringing=ringing aria-live="polite">
            <p class="line-status" data-testid="line-status">{status}</p>
            <p class="caption">{move || phone.caption.get()}</p>
            <div class="actions">
                <button type="button" class="primary answer" disabled=move || !ringing() on:click=move |_| act(true)>"Answer"</button>
                <button type="button" class="decline" disabled=move || !ringing() on:click=move |_| act(false)>"Decline"</button>
                <button type="button" class="danger hang-up" disabled=move || !in_call() on:click=hang_up>"Hang up"</button>
            </div>
        </section>
    }
}

#[component]
fn Keypad(phone: Softphone) -> impl IntoView {
    let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
    view! {
        <section class="panel keypad" aria-label="Keypad">
            {keys.into_iter().map(|digit| view! {
                <button type="button" disabled=move || !matches!(phone.line.get(), Line::InCall { .. })
                    on:click=move |_| {
                        #[cfg(feature = "hydrate")]
                        super::softphone_client::dtmf(digit);
                        #[cfg(not(feature = "hydrate"))]
                        let _ = digit;
                    }>{digit.to_string()}</button>
            }).collect_view()}
        </section>
    }
}

#[component]
fn Inbox(phone: Softphone) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = draft.get_untracked();
        if body.trim().is_empty() {
            return;
        }
        #[cfg(feature = "hydrate")]
        super::softphone_client::text(&body);
        draft.set(String::new());
    };
    view! {
        <section class="panel softphone-inbox">
            <h2>"Texts"</h2>
            <ul class="inbox" data-testid="inbox">
                {move || phone.inbox.get().into_iter().map(|text| {
                    let class = if text.incoming { "text in" } else { "text out" };
                    let status = match text.error_code {
                        Some(code) => format!("{} ({code})", text.status),
                        None => text.status.clone(),
                    };
                    view! { <li class=class><span class="body">{text.body}</span><span class="status">{status}</span></li> }
                }).collect_view()}
            </ul>
            <form on:submit=send>
                <label>"Reply"
                    <input name="reply" prop:value=draft on:input=move |ev| draft.set(event_target_value(&ev))
                        disabled=move || phone.number.get().is_empty()/>
                </label>
                <button type="submit" disabled=move || phone.number.get().is_empty()>"Send text"</button>
            </form>
        </section>
    }
}
