//! `/sandbox/phone`: the softphone. Pick a phone number (an order's customer or driver, or type
//! one); calls to that number ring here, visibly and audibly; Answer / Decline / Hang up; talk with
//! the microphone and hear the agent; a keypad; and the number's texts, with replies. The browser
//! side of the line (WebSocket, microphone, speaker) is in `softphone_client`.

use crate::api::{display_phone, SandboxInfo, SoftphoneText};
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::locale::{fill, use_locale};
use crate::pages::layout::error_text;
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
    /// The page's language, for the words the browser code sets.
    pub locale: Locale,
}

impl Softphone {
    fn new(locale: Locale) -> Self {
        Softphone {
            number: RwSignal::new(String::new()),
            line: RwSignal::new(Line::Off),
            caption: RwSignal::new(String::new()),
            inbox: RwSignal::new(Vec::new()),
            error: RwSignal::new(String::new()),
            locale,
        }
    }
}

/// The page.
#[component]
pub fn SoftphonePage() -> impl IntoView {
    let info = Resource::new(|| (), |_| softphone_info());
    let i18n = use_i18n();
    let locale = use_locale();
    let phone = Softphone::new(locale);
    view! {
        <Title text=td_string!(locale, phone.title)/>
        <h1>{t!(i18n, phone.title)}" " <span class="badge sandbox">{t!(i18n, phone.sandbox)}</span></h1>
        <p class="hint">{t!(i18n, phone.intro)}</p>
        <Suspense fallback=move || view! { <p>{t!(i18n, phone.loading)}</p> }>
            {move || info.get().map(|result| match result {
                Ok(info) => view! { <Phone info phone/> }.into_any(),
                Err(error) => view! { <p class="error">{error_text(&error, locale)}</p> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn Phone(info: SandboxInfo, phone: Softphone) -> impl IntoView {
    let i18n = use_i18n();
    let locale = phone.locale;
    let typed = RwSignal::new(
        info.phones
            .first()
            .map(|p| p.number.clone())
            .unwrap_or_default(),
    );
    let choose = move |_| {
        let number = typed.get_untracked().trim().to_owned();
        if number.is_empty() {
            phone
                .error
                .set(td_string!(locale, phone.number.missing).into());
            return;
        }
        phone.error.set(String::new());
        phone.number.set(number.clone());
        phone.line.set(Line::Connecting);
        #[cfg(feature = "hydrate")]
        super::softphone_client::open(phone, &number);
    };
    let notice = (!info.active).then(|| {
        view! {
            <p class="notice">{t!(i18n, phone.twilio_configured)}</p>
        }
    });
    view! {
        {notice}
        <section class="panel softphone-number">
            <label>{t!(i18n, phone.number.label)}
                <input list="sandbox-phones" name="number" prop:value=typed
                    on:input=move |ev| typed.set(event_target_value(&ev))/>
            </label>
            <datalist id="sandbox-phones">
                {info.phones.iter().map(|p| view! { <option value=p.number.clone()>{p.label_in(locale)}</option> }).collect_view()}
            </datalist>
            <button type="button" class="primary" on:click=choose>{t!(i18n, phone.number.choose)}</button>
            {move || (!phone.error.get().is_empty()).then(|| view! { <p class="error" role="alert">{phone.error.get()}</p> })}
        </section>
        <LineView phone/>
        <Keypad phone/>
        <Inbox phone/>
        <details class="panel">
            <summary>{t!(i18n, phone.account.title)}</summary>
            <dl class="facts">
                <dt>{t!(i18n, phone.account.account_sid)}</dt><dd><code>{info.account_sid.clone()}</code></dd>
                <dt>{t!(i18n, phone.account.auth_token)}</dt><dd><code>{info.auth_token.clone()}</code></dd>
                <dt>{t!(i18n, phone.account.number)}</dt><dd>{display_phone(&info.phone_number)}</dd>
                <dt>{t!(i18n, phone.account.rest_api)}</dt><dd><code>{info.api_base.clone()}</code></dd>
            </dl>
            <p class="hint">{t!(i18n, phone.account.failures)}</p>
            <ul class="failure-numbers">
                {info.failure_numbers.iter().map(|f| {
                    let values: [(&str, &str); 3] = [
                        ("ending", f.ending.as_str()),
                        ("meaning", &f.meaning_in(locale)),
                        ("code", &f.code.to_string()),
                    ];
                    view! { <li>{fill(td_string!(locale, phone.account.failure), &values)}</li> }
                }).collect_view()}
            </ul>
        </details>
    }
}

#[component]
fn LineView(phone: Softphone) -> impl IntoView {
    let i18n = use_i18n();
    let locale = phone.locale;
    let status = move || match phone.line.get() {
        Line::Off => td_string!(locale, phone.line.off).to_owned(),
        Line::Connecting => td_string!(locale, phone.line.connecting).to_owned(),
        Line::Idle => fill(
            td_string!(locale, phone.line.idle),
            &[("number", &display_phone(&phone.number.get()))],
        ),
        Line::Ringing { from, .. } => fill(
            td_string!(locale, phone.line.ringing),
            &[("number", &display_phone(&from))],
        ),
        Line::InCall { .. } => td_string!(locale, phone.line.in_call).to_owned(),
        Line::Lost => td_string!(locale, phone.line.lost).to_owned(),
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
                <button type="button" class="primary answer" disabled=move || !ringing() on:click=move |_| act(true)>{t!(i18n, phone.line.answer)}</button>
                <button type="button" class="decline" disabled=move || !ringing() on:click=move |_| act(false)>{t!(i18n, phone.line.decline)}</button>
                <button type="button" class="danger hang-up" disabled=move || !in_call() on:click=hang_up>{t!(i18n, phone.line.hang_up)}</button>
            </div>
        </section>
    }
}

#[component]
fn Keypad(phone: Softphone) -> impl IntoView {
    let i18n = use_i18n();
    let keys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];
    view! {
        <section class="panel keypad" aria-label=move || t_string!(i18n, phone.keypad)>
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
    let i18n = use_i18n();
    let locale = phone.locale;
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
            <h2>{t!(i18n, phone.inbox.title)}</h2>
            <ul class="inbox" data-testid="inbox">
                {move || phone.inbox.get().into_iter().map(|text| {
                    let class = if text.incoming { "text in" } else { "text out" };
                    let status = text.status_in(locale);
                    view! { <li class=class><span class="body">{text.body}</span><span class="status">{status}</span></li> }
                }).collect_view()}
            </ul>
            <form on:submit=send>
                <label>{t!(i18n, phone.inbox.reply)}
                    <input name="reply" prop:value=draft on:input=move |ev| draft.set(event_target_value(&ev))
                        disabled=move || phone.number.get().is_empty()/>
                </label>
                <button type="submit" disabled=move || phone.number.get().is_empty()>{t!(i18n, phone.inbox.send)}</button>
            </form>
        </section>
    }
}
