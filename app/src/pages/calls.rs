//! The calls section of an order page: the Call button and its dialog, and the call log that
//! updates live from `/api/v1/live`.

use crate::api::display_phone;
use crate::api::{ApiError, CallReadiness, CallStatus, CallView, OrderDetail, Provider};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::live::{merged_calls, LiveCalls};
use crate::locale::{fill, use_locale};
use crate::pages::layout::action_error;
use crate::server_fns::calls::{HangUp, PlaceCall};
use leptos::prelude::*;

/// "Call" plus the order's calls. Everything it shows was loaded with the order (no nested
/// resources, so server rendering and hydration see the same tree); later changes arrive live.
#[component]
pub fn OrderCalls(
    order: OrderDetail,
    readiness: CallReadiness,
    loaded: Vec<CallView>,
    /// Opens the texts composer (the "SMS" button sits beside "Call").
    sms_open: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let order_id = order.id;
    let live = expect_context::<LiveCalls>();
    let place = ServerAction::<PlaceCall>::new();
    let hang_up = ServerAction::<HangUp>::new();
    let open = RwSignal::new(false);
    // A real modal <dialog>: focus moves in and stays, Escape closes it.
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| crate::pages::layout::show_modal(dialog, open.get()));

    // A placed call appears at once (and then moves with the live events).
    // A refused call is recorded and shown in the log: the dialog closes for it too.
    Effect::new(move |_| match place.value().get() {
        Some(Ok(call)) => {
            live.merge(call);
            open.set(false);
        }
        Some(Err(ApiError::Upstream(_))) => open.set(false),
        _ => {}
    });
    let has_driver = order.driver_phone.is_some();
    let sandbox = readiness.sandbox;
    // In the sandbox a demo order's numbers ring the softphone: nothing to confirm.
    let demo = order.demo && !sandbox;
    let (customer, driver) = recipient_labels(&order);
    let default = readiness.default_provider;
    let blocked = readiness.blocked;
    let auth = expect_context::<crate::AuthContext>();
    let admin = auth
        .me
        .get_untracked()
        .and_then(Result::ok)
        .flatten()
        .is_some_and(|user| user.is_admin());
    // A refused call is recorded (failed, with the reason) and shown in the log below: the banner
    // only shows refusals that left no call behind (limit reached, not configured, ...).
    let place_error = Signal::derive(move || {
        place
            .value()
            .get()
            .filter(|result| !matches!(result, Err(ApiError::Upstream(_))))
    });

    view! {
        <section class="panel calls">
            <div class="title-row">
                <h2>{t!(i18n, calls.title)}</h2>
                <div class="actions">
                    <button type="button" class="primary" disabled=blocked.is_some()
                        on:click=move |_| open.set(true)>{t!(i18n, calls.call)}</button>
                    <button type="button" on:click=move |_| sms_open.set(true)>{t!(i18n, calls.sms)}</button>
                    {blocked.map(|reason| view! {
                        <span class="hint call-blocked">{reason}" "
                            {if admin {
                                view! { <a href="/admin/settings">{t!(i18n, calls.set_up_in_settings)}</a> }.into_any()
                            } else {
                                view! { <span>{t!(i18n, calls.ask_admin)}</span> }.into_any()
                            }}
                        </span>
                    })}
                </div>
            </div>
            <dialog node_ref=dialog class="call-dialog" aria-label=move || t_string!(i18n, calls.dialog.label)
                on:close=move |_| open.set(false)>
            <ActionForm action=place attr:class="call-form">
                <input type="hidden" name="order_id" value=order_id/>
                <fieldset>
                    <legend>{t!(i18n, calls.dialog.recipient)}</legend>
                    <label class="inline"><input type="radio" name="recipient" value="customer" checked/>{customer}</label>
                    {has_driver.then(|| view! {
                        <label class="inline"><input type="radio" name="recipient" value="driver"/>{driver}</label>
                    })}
                </fieldset>
                <label>{t!(i18n, calls.dialog.provider)}
                    <select name="provider">
                        <option value="openai" selected=default == Provider::Openai>{t!(i18n, calls.dialog.provider_openai)}</option>
                        <option value="gemini" selected=default == Provider::Gemini>{t!(i18n, calls.dialog.provider_gemini)}</option>
                        <option value="demo" selected=default == Provider::Demo>{t!(i18n, calls.dialog.provider_demo)}</option>
                    </select>
                </label>
                <label>{t!(i18n, calls.dialog.purpose)}
                    <input name="purpose" placeholder=move || t_string!(i18n, calls.dialog.purpose_placeholder)/>
                </label>
                {sandbox.then(|| view! {
                    <p class="hint sandbox-hint"><span class="badge sandbox">{t!(i18n, common.sandbox)}</span>{t!(i18n, calls.dialog.sandbox_hint_before)}
                        <a href="/sandbox/phone" target="_blank">{t!(i18n, calls.dialog.sandbox_hint_link)}</a>{t!(i18n, calls.dialog.sandbox_hint_after)}</p>
                })}
                {demo.then(|| view! {
                    <p class="hint demo-warning">{t!(i18n, calls.dialog.demo_warning)}</p>
                    <label class="inline"><input type="checkbox" name="confirm_demo" value="true" required/>{t!(i18n, calls.dialog.confirm_demo)}</label>
                })}
                <div class="form-actions">
                    <button type="submit" class="primary">{t!(i18n, calls.dialog.submit)}</button>
                    <button type="button" on:click=move |_| open.set(false)>{t!(i18n, calls.dialog.cancel)}</button>
                </div>
            </ActionForm>
            </dialog>
            {action_error(place_error)}
            {action_error(hang_up.value())}
            <CallLog loaded order_id hang_up/>
        </section>
    }
}

/// "Customer, Name (+33...)" and "Driver, Name (+33...)": the recipient choices of the call and
/// text dialogs, in the page's language (call it from a component).
pub fn recipient_labels(order: &OrderDetail) -> (String, String) {
    let locale = use_locale();
    let customer = fill(
        td_string!(locale, calls.dialog.customer_choice),
        &[
            ("name", &order.customer_name),
            ("phone", &display_phone(&order.customer_phone)),
        ],
    );
    let driver = fill(
        td_string!(locale, calls.dialog.driver_choice),
        &[
            ("name", order.driver_name.as_deref().unwrap_or_default()),
            (
                "phone",
                &display_phone(order.driver_phone.as_deref().unwrap_or_default()),
            ),
        ],
    );
    (customer, driver)
}

#[component]
fn CallLog(loaded: Vec<CallView>, order_id: i64, hang_up: ServerAction<HangUp>) -> impl IntoView {
    let i18n = use_i18n();
    let live = expect_context::<LiveCalls>();
    let calls = Memo::new(move |_| {
        live.calls
            .with(|map| merged_calls(loaded.clone(), map, order_id))
    });
    move || {
        let calls = calls.get();
        if calls.is_empty() {
            return view! { <p class="empty">{t!(i18n, calls.log.empty)}</p> }.into_any();
        }
        view! {
            <table class="call-log">
                <thead><tr>
                    <th>{t!(i18n, calls.log.time)}</th><th>{t!(i18n, calls.log.placed_by)}</th>
                    <th>{t!(i18n, calls.log.recipient)}</th><th>{t!(i18n, calls.log.provider)}</th>
                    <th>{t!(i18n, calls.log.status)}</th><th>{t!(i18n, calls.log.duration)}</th>
                    <th>{t!(i18n, calls.log.answered_by)}</th><th>{t!(i18n, calls.log.problem)}</th><th></th>
                </tr></thead>
                <tbody>
                    {calls.into_iter().map(|call| view! { <CallRow call hang_up/> }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    }
}

#[component]
fn CallRow(call: CallView, hang_up: ServerAction<HangUp>) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let display = crate::use_display();
    let duration = call.duration_seconds.map(|s| {
        fill(
            td_string!(locale, calls.log.seconds),
            &[("seconds", &s.to_string())],
        )
    });
    let live_call = !call.status.is_final();
    let id = call.id;
    view! {
        <tr data-call-id=id>
            <td>{display.precise_time(call.created_at)}</td>
            <td>{call.placed_by}</td>
            <td>{call.recipient.label_in(locale)}" "<span class="phone">{display_phone(&call.to_number)}</span></td>
            <td>{call.provider.label_in(locale)}</td>
            <td>
                <span class=format!("badge call-{}", call.status.as_str()) data-status=call.status.as_str()>{call.status.label_in(locale)}</span>
                {call.sandbox.then(|| view! { " "<span class="badge sandbox">{t!(i18n, common.sandbox)}</span> })}
            </td>
            <td class="duration">{duration.unwrap_or_default()}</td>
            <td>{call.answered_by.unwrap_or_default()}</td>
            <td class="failure">{call.failure_reason.unwrap_or_default()}</td>
            <td>{live_call.then(|| view! {
                <button type="button" on:click=move |_| { hang_up.dispatch(HangUp { call_id: id }); }>
                    {if call.status == CallStatus::InProgress {
                        td_string!(locale, calls.log.hang_up)
                    } else {
                        td_string!(locale, calls.log.cancel_call)
                    }}
                </button>
            })}</td>
        </tr>
    }
}
