//! Texting many customers from the orders list: the selection (checked rows, or every order
//! matching the search and filter), a template, a preview (a few rendered messages, the count,
//! the orders skipped and why), then the send, whose progress shows until it is done or
//! cancelled. Sending only writes the outbox, so even 10,000 texts return at once.

use crate::api::{BatchProgress, BulkSelection, BulkSmsReport, OrderStatus, SmsTemplateView};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::locale::{count_text, fill, use_locale};
use crate::pages::layout::{error_text, show_modal};
use crate::server_fns::sms::{bulk_sms, cancel_batch, sms_batch_progress, sms_templates};
use leptos::prelude::*;
use std::collections::BTreeSet;

/// What the orders page shares with the bulk dialog.
#[derive(Clone, Copy)]
pub struct BulkState {
    /// Checked orders (ids).
    pub checked: RwSignal<BTreeSet<i64>>,
    /// "Select all matching": every order of the current search and filter.
    pub all_matching: RwSignal<bool>,
    pub open: RwSignal<bool>,
    /// The last bulk send's progress (shown on the orders list, dialog open or not).
    pub progress: RwSignal<Option<BatchProgress>>,
}

impl BulkState {
    pub fn new() -> Self {
        BulkState {
            checked: RwSignal::new(BTreeSet::new()),
            all_matching: RwSignal::new(false),
            open: RwSignal::new(false),
            progress: RwSignal::new(None),
        }
    }
}

impl Default for BulkState {
    fn default() -> Self {
        Self::new()
    }
}

/// The dialog; `search` and `status` are the list's current filter.
#[component]
pub fn BulkSmsDialog(
    state: BulkState,
    search: Signal<String>,
    status: Signal<String>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let templates = RwSignal::new(Vec::<SmsTemplateView>::new());
    let template = RwSignal::new(0i64);
    let preview = RwSignal::new(None::<BulkSmsReport>);
    let progress = state.progress;
    let error = RwSignal::new(None::<String>);
    let selection = move || BulkSelection {
        order_ids: state.checked.get_untracked().into_iter().collect(),
        all_matching: state.all_matching.get_untracked(),
        search: search.get_untracked(),
        status: status.get_untracked().parse::<OrderStatus>().ok(),
    };
    let run = move |confirm: bool| {
        let selection = selection();
        let template_id = template.get_untracked();
        leptos::task::spawn_local(async move {
            match bulk_sms(selection, template_id, confirm).await {
                Ok(report) => {
                    error.set(None);
                    if let Some(batch_id) = report.batch_id.filter(|_| confirm) {
                        watch(batch_id, progress);
                    }
                    preview.set(Some(report));
                }
                Err(e) => error.set(Some(error_text(&e, locale))),
            }
        });
    };
    Effect::new(move |_| {
        let wanted = state.open.get();
        // A new bulk send once the last one is over (its progress stays until then).
        if wanted && progress.get_untracked().is_none_or(|p| p.pending == 0) {
            preview.set(None);
            progress.set(None);
            leptos::task::spawn_local(async move {
                match sms_templates().await {
                    Ok(list) => {
                        template.set(list.first().map_or(0, |t| t.id));
                        templates.set(list);
                        run(false);
                    }
                    Err(e) => error.set(Some(error_text(&e, locale))),
                }
            });
        }
        show_modal(dialog, wanted);
    });
    view! {
        <dialog node_ref=dialog class="sms-dialog bulk-sms" aria-label=move || t_string!(i18n, texts.bulk.dialog)
            on:close=move |_| state.open.set(false)>
            <h3>{t!(i18n, texts.bulk.title)}</h3>
            <label>{t!(i18n, texts.bulk.template)}
                <select on:change=move |ev| {
                    template.set(event_target_value(&ev).parse().unwrap_or(0));
                    run(false);
                }>
                    {move || templates.get().into_iter().map(|t| view! {
                        <option value=t.id.to_string()>{format!("{} ({})", t.name, t.language)}</option>
                    }).collect_view()}
                </select>
            </label>
            {move || error.get().map(|e| view! { <p class="banner error" role="alert">{e}</p> })}
            {move || preview.get().map(|report| view! { <Preview report/> })}
            {move || progress.get().map(|p| view! { <Progress progress=p/> })}
            <div class="form-actions">
                {move || {
                    let count = preview.get().map_or(0, |r| r.count);
                    let sent = progress.get().is_some();
                    (!sent && count > 0).then(|| view! {
                        <button type="button" class="primary" on:click=move |_| run(true)>
                            {count_text(locale, count, td_string!(locale, texts.bulk.send.one), td_string!(locale, texts.bulk.send.other))}
                        </button>
                    })
                }}
                {move || progress.get().filter(|p| p.pending > 0 && p.cancelled_at.is_none()).map(|p| {
                    let batch_id = p.batch_id;
                    view! {
                        <button type="button" on:click=move |_| {
                            leptos::task::spawn_local(async move {
                                if let Ok(now) = cancel_batch(batch_id).await {
                                    progress.set(Some(now));
                                }
                            });
                        }>{t!(i18n, texts.bulk.cancel_rest)}</button>
                    }
                })}
                <button type="button" on:click=move |_| state.open.set(false)>{t!(i18n, texts.bulk.close)}</button>
            </div>
        </dialog>
    }
}

/// Reads the batch's progress every second until nothing is left pending.
fn watch(batch_id: i64, progress: RwSignal<Option<BatchProgress>>) {
    leptos::task::spawn_local(async move {
        loop {
            match sms_batch_progress(batch_id).await {
                Ok(now) => {
                    let done = now.pending == 0;
                    progress.set(Some(now));
                    if done {
                        break;
                    }
                }
                Err(_) => break,
            }
            sleep_a_second().await;
        }
    });
}

#[cfg(feature = "hydrate")]
async fn sleep_a_second() {
    let promise = js_sys_sleep(1000);
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(feature = "hydrate")]
fn js_sys_sleep(ms: i32) -> wasm_bindgen_futures::js_sys::Promise {
    wasm_bindgen_futures::js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    })
}

#[cfg(not(feature = "hydrate"))]
async fn sleep_a_second() {}

#[component]
fn Preview(report: BulkSmsReport) -> impl IntoView {
    let locale = use_locale();
    let colon = td_string!(locale, texts.bulk.colon);
    let will_send = count_text(
        locale,
        report.count,
        td_string!(locale, texts.bulk.will_send.one),
        td_string!(locale, texts.bulk.will_send.other),
    );
    let skipped = count_text(
        locale,
        report.skipped.len() as u64,
        td_string!(locale, texts.bulk.skipped.one),
        td_string!(locale, texts.bulk.skipped.other),
    );
    view! {
        <div class="bulk-preview">
            <p class="bulk-count">{will_send}</p>
            <ul class="samples">
                {report.samples.into_iter().map(|(number, body)| view! {
                    <li><strong>{number}</strong>{colon}{body}</li>
                }).collect_view()}
            </ul>
            {(!report.skipped.is_empty()).then(|| view! {
                <p>{skipped}</p>
                <ul class="skipped">
                    {report.skipped.into_iter().map(|s| view! {
                        <li data-order-id=s.order_id><strong>{s.order_number.clone()}</strong>{colon}{s.reason_in(locale)}</li>
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

/// The last bulk send's progress on the orders list, while the dialog is closed.
#[component]
pub fn BulkProgressLine(state: BulkState) -> impl IntoView {
    move || {
        let progress = state.progress.get()?;
        (!state.open.get()).then(|| view! { <div class="bulk-status"><Progress progress/></div> })
    }
}

#[component]
fn Progress(progress: BatchProgress) -> impl IntoView {
    let done = progress.total - progress.pending;
    let counts = [
        ("done", done),
        ("total", progress.total),
        ("sent", progress.sent),
        ("delivered", progress.delivered),
        ("failed", progress.failed),
        ("cancelled", progress.cancelled),
        ("pending", progress.pending),
    ]
    .map(|(name, n)| (name, n.to_string()));
    let values: Vec<(&str, &str)> = counts.iter().map(|(name, n)| (*name, n.as_str())).collect();
    let text = fill(td_string!(use_locale(), texts.bulk.progress), &values);
    view! {
        <p class="bulk-progress" role="status" aria-live="polite">{text}</p>
    }
}
