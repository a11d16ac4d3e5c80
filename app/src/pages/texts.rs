//! The timeline of an order page: its calls, texts and replies in the order they happened, their
//! statuses updating live from `/api/v1/live`; and the texts composer (a modal `<dialog>` opened
//! by the "SMS" button beside "Call") with the live count of characters, encoding and segments.

use crate::api::display_phone;
use crate::api::{
    reason_in, CallView, OrderDetail, OrderSmsData, Recipient, SmsMessageView, SmsReplyView,
};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::live::{merged_calls, reload_on_change, LiveCalls};
use crate::locale::use_locale;
use crate::pages::layout::{action_error, field_error, show_modal, FieldMessage};
use crate::server_fns::sms::{order_sms, SendSms};
use crate::sms::count;
use leptos::prelude::*;

/// One line of the timeline (a call's details and problem are in the call log above it).
#[derive(Clone, PartialEq)]
enum Entry {
    Call(CallView),
    Sent(SmsMessageView),
    Reply(SmsReplyView),
}

impl Entry {
    fn at(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Entry::Call(call) => call.created_at,
            Entry::Sent(message) => message.created_at,
            Entry::Reply(reply) => reply.created_at,
        }
    }
}

/// The "SMS" composer and the timeline. `open` is set by the SMS button; `calls` are the calls
/// loaded with the page (later ones arrive live).
#[component]
pub fn OrderTexts(
    order: OrderDetail,
    loaded: OrderSmsData,
    calls: Vec<CallView>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let order_id = order.id;
    let live = expect_context::<LiveCalls>();
    let data = RwSignal::new(loaded);
    // A reply arrived: reload the texts and replies (the stored ones are the truth).
    reload_on_change(live, live.reply_changes, order_id, move || {
        leptos::task::spawn_local(async move {
            match order_sms(order_id).await {
                Ok(fresh) => data.set(fresh),
                Err(error) => leptos::logging::warn!("texts not reloaded: {error}"),
            }
        });
    });
    let entries = Memo::new(move |_| {
        let loaded = data.get();
        let mut entries: Vec<Entry> = live.sms.with(|newer| {
            let mut messages = loaded.messages.clone();
            for message in newer.values().filter(|m| m.order_id == order_id) {
                match messages.iter_mut().find(|m| m.id == message.id) {
                    Some(known) if known.updated_at <= message.updated_at => {
                        *known = message.clone()
                    }
                    Some(_) => {}
                    None => messages.push(message.clone()),
                }
            }
            messages.into_iter().map(Entry::Sent).collect()
        });
        entries.extend(loaded.replies.into_iter().map(Entry::Reply));
        let calls = live
            .calls
            .with(|map| merged_calls(calls.clone(), map, order_id));
        entries.extend(calls.into_iter().map(Entry::Call));
        entries.sort_by_key(Entry::at);
        entries
    });
    view! {
        <section class="panel texts" aria-label=move || t_string!(i18n, texts.timeline.title)>
            <h2>{t!(i18n, texts.timeline.title)}</h2>
            <p class="hint">{t!(i18n, texts.timeline.hint)}</p>
            <Composer order open data/>
            {move || {
                let entries = entries.get();
                if entries.is_empty() {
                    return view! { <p class="empty">{t!(i18n, texts.timeline.empty)}</p> }.into_any();
                }
                view! {
                    <ol class="timeline texts-timeline">
                        {entries.into_iter().map(|entry| view! { <TimelineEntry entry/> }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn TimelineEntry(entry: Entry) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let display = crate::use_display();
    match entry {
        Entry::Call(call) => view! {
            <li class="call-entry" data-call-id=call.id>
                <span class="time">{display.precise_time(call.created_at)}</span>
                {match call.recipient {
                    Recipient::Customer => td_string!(locale, texts.timeline.call_to_customer),
                    Recipient::Driver => td_string!(locale, texts.timeline.call_to_driver),
                }}<span class="phone">{display_phone(&call.to_number)}</span>" ("{call.provider.label_in(locale)}") "
                <span class=format!("badge call-{}", call.status.as_str()) data-call-status=call.status.as_str()>{call.status.label_in(locale)}</span>
            </li>
        }.into_any(),
        Entry::Sent(message) => {
            let error = message.error_in(locale);
            view! {
                <li class="text-sent" data-sms-id=message.id>
                    <span class="time">{display.precise_time(message.created_at)}</span>
                    {match message.recipient {
                        Recipient::Customer => td_string!(locale, texts.timeline.to_customer),
                        Recipient::Driver => td_string!(locale, texts.timeline.to_driver),
                    }}<span class="phone">{display_phone(&message.to_number)}</span>" "
                    <span class=format!("badge sms-{}", message.status.as_str()) data-status=message.status.as_str()>
                        {message.status.label_in(locale)}
                    </span>
                    {message.sandbox.then(|| view! { " "<span class="badge sandbox">{t!(i18n, common.sandbox)}</span> })}
                    <p class="body">{message.body}</p>
                    {error.map(|error| view! { <p class="failure">{error}</p> })}
                </li>
            }
            .into_any()
        }
        Entry::Reply(reply) => view! {
            <li class="text-reply" data-reply-id=reply.id>
                <span class="time">{display.precise_time(reply.created_at)}</span>
                {t!(i18n, texts.timeline.reply_from)}<span class="phone">{display_phone(&reply.from_number)}</span>
                {reply.keyword_in(locale).map(|k| view! { " " <span class="badge keyword">{k}</span> })}
                <p class="body">{reply.body}</p>
            </li>
        }.into_any(),
    }
}

#[component]
fn Composer(
    order: OrderDetail,
    open: RwSignal<bool>,
    data: RwSignal<OrderSmsData>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let live = expect_context::<LiveCalls>();
    let send = ServerAction::<SendSms>::new();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let first = data.with_untracked(|d| d.rendered.first().cloned().unwrap_or_default());
    let body = RwSignal::new(first);
    Effect::new(move |_| show_modal(dialog, open.get()));
    Effect::new(move |_| {
        if let Some(Ok(queued)) = send.value().get() {
            for message in queued {
                live.merge_sms(message);
            }
            open.set(false);
        }
    });
    let has_driver = order.driver_phone.is_some();
    let (customer, driver) = crate::pages::calls::recipient_labels(&order);
    let unavailable = data.with_untracked(|d| d.unavailable.clone());
    let blocked = data.with_untracked(|d| d.blocked.clone());
    let templates = data.with_untracked(|d| d.templates.clone());
    let pick = move |ev: leptos::ev::Event| {
        let index: usize = event_target_value(&ev).parse().unwrap_or(0);
        if let Some(text) = data.with_untracked(|d| d.rendered.get(index).cloned()) {
            body.set(text);
        }
    };
    view! {
        <dialog node_ref=dialog class="sms-dialog" aria-label=move || t_string!(i18n, texts.composer.dialog)
            on:close=move |_| open.set(false)>
            <ActionForm action=send attr:class="sms-form">
                <h3>{t!(i18n, texts.composer.title)}{order.number.clone()}</h3>
                {blocked.map(|reason| view! { <p class="banner error" role="alert">{reason}</p> })}
                <input type="hidden" name="order_id" value=order.id/>
                <fieldset>
                    <legend>{t!(i18n, texts.composer.recipients)}</legend>
                    <label class="inline"><input type="radio" name="recipients" value="customer" checked/>{customer}</label>
                    {has_driver.then(|| view! {
                        <label class="inline"><input type="radio" name="recipients" value="driver"/>{driver}</label>
                        <label class="inline"><input type="radio" name="recipients" value="both"/>{t!(i18n, texts.composer.both)}</label>
                    })}
                </fieldset>
                <FieldMessage message=field_error(send.value(), "recipients")/>
                {unavailable.into_iter().map(|(_, reason)| view! { <p class="hint">{reason_in(&reason, locale)}</p> }).collect_view()}
                <label>{t!(i18n, texts.composer.template)}
                    <select on:change=pick>
                        {templates.into_iter().enumerate().map(|(i, t)| view! {
                            <option value=i.to_string()>{format!("{} ({})", t.name, t.language)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{t!(i18n, texts.composer.message)}
                    <textarea name="body" rows="5" maxlength="1600"
                        prop:value=move || body.get()
                        on:input=move |ev| body.set(event_target_value(&ev))>{body.get_untracked()}</textarea>
                </label>
                <p class="hint sms-counter" aria-live="polite">{move || count(&body.get()).summary_in(locale)}</p>
                <FieldMessage message=field_error(send.value(), "body")/>
                {action_error(send.value())}
                <div class="form-actions">
                    <button type="submit" class="primary">{t!(i18n, texts.composer.send)}</button>
                    <button type="button" on:click=move |_| open.set(false)>{t!(i18n, texts.composer.cancel)}</button>
                </div>
            </ActionForm>
        </dialog>
    }
}
