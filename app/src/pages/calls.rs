//! The calls section of an order page: the Call button and its dialog, and the call log that
//! updates live from `/api/v1/live`.

use crate::api::display_phone;
use crate::api::{ApiError, CallReadiness, CallStatus, CallView, OrderDetail, Provider};
use crate::live::{merged_calls, LiveCalls};
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
                <h2>"Calls"</h2>
                <div class="actions">
                    <button type="button" class="primary" disabled=blocked.is_some()
                        on:click=move |_| open.set(true)>"Call"</button>
                    <button type="button" on:click=move |_| sms_open.set(true)>"SMS"</button>
                    {blocked.map(|reason| view! {
                        <span class="hint call-blocked">{reason}" "
                            {if admin {
                                view! { <a href="/admin/settings">"Set it up in Settings › Connections"</a> }.into_any()
                            } else {
                                view! { <span>"Ask an admin to set it up in Settings."</span> }.into_any()
                            }}
                        </span>
                    })}
                </div>
            </div>
            <dialog node_ref=dialog class="call-dialog" aria-label="Place a call"
                on:close=move |_| open.set(false)>
            <ActionForm action=place attr:class="call-form">
                <input type="hidden" name="order_id" value=order_id/>
                <fieldset>
                    <legend>"Recipient"</legend>
                    <label class="inline"><input type="radio" name="recipient" value="customer" checked/>{customer}</label>
                    {has_driver.then(|| view! {
                        <label class="inline"><input type="radio" name="recipient" value="driver"/>{driver}</label>
                    })}
                </fieldset>
                <label>"Provider"
                    <select name="provider">
                        <option value="openai" selected=default == Provider::Openai>"OpenAI Realtime"</option>
                        <option value="gemini" selected=default == Provider::Gemini>"Gemini Live"</option>
                        <option value="demo" selected=default == Provider::Demo>"Demo agent (offline)"</option>
                    </select>
                </label>
                <label>"Purpose (added to the agent's instructions)"
                    <input name="purpose" placeholder="e.g. confirm the delivery time"/>
                </label>
                {sandbox.then(|| view! {
                    <p class="hint sandbox-hint"><span class="badge sandbox">"Sandbox"</span>" This call rings the softphone, not a real phone: open "<a href="/sandbox/phone" target="_blank">"the softphone"</a>" in another tab with the recipient's number to answer it."</p>
                })}
                {demo.then(|| view! {
                    <p class="hint demo-warning">"This is a demo order: its phone numbers are in the range reserved for fiction and reach no one, unless someone edited them."</p>
                    <label class="inline"><input type="checkbox" name="confirm_demo" value="true" required/>"Call this demo order anyway"</label>
                })}
                <div class="form-actions">
                    <button type="submit" class="primary">"Place call"</button>
                    <button type="button" on:click=move |_| open.set(false)>"Cancel"</button>
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
/// text dialogs.
pub fn recipient_labels(order: &OrderDetail) -> (String, String) {
    let customer = format!(
        "Customer, {} ({})",
        order.customer_name,
        display_phone(&order.customer_phone)
    );
    let driver = format!(
        "Driver, {} ({})",
        order.driver_name.clone().unwrap_or_default(),
        display_phone(order.driver_phone.as_deref().unwrap_or_default())
    );
    (customer, driver)
}

#[component]
fn CallLog(loaded: Vec<CallView>, order_id: i64, hang_up: ServerAction<HangUp>) -> impl IntoView {
    let live = expect_context::<LiveCalls>();
    let calls = Memo::new(move |_| {
        live.calls
            .with(|map| merged_calls(loaded.clone(), map, order_id))
    });
    move || {
        let calls = calls.get();
        if calls.is_empty() {
            return view! { <p class="empty">"No calls yet."</p> }.into_any();
        }
        view! {
            <table class="call-log">
                <thead><tr>
                    <th>"Time"</th><th>"Placed by"</th><th>"Recipient"</th><th>"Provider"</th>
                    <th>"Status"</th><th>"Duration"</th><th>"Answered by"</th><th>"Problem"</th><th></th>
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
    let display = crate::use_display();
    let live_call = !call.status.is_final();
    let id = call.id;
    view! {
        <tr data-call-id=id>
            <td>{display.precise_time(call.created_at)}</td>
            <td>{call.placed_by}</td>
            <td>{call.recipient.as_str()}" "<span class="phone">{display_phone(&call.to_number)}</span></td>
            <td>{call.provider.label()}</td>
            <td>
                <span class=format!("badge call-{}", call.status.as_str()) data-status=call.status.as_str()>{call.status.label()}</span>
                {call.sandbox.then(|| view! { " "<span class="badge sandbox">"Sandbox"</span> })}
            </td>
            <td class="duration">{call.duration_seconds.map(|s| format!("{s} s")).unwrap_or_default()}</td>
            <td>{call.answered_by.unwrap_or_default()}</td>
            <td class="failure">{call.failure_reason.unwrap_or_default()}</td>
            <td>{live_call.then(|| view! {
                <button type="button" on:click=move |_| { hang_up.dispatch(HangUp { call_id: id }); }>
                    {if call.status == CallStatus::InProgress { "Hang up" } else { "Cancel" }}
                </button>
            })}</td>
        </tr>
    }
}
