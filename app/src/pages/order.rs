//! One order: its details and timeline (calls and what was said on them, texts and replies), and the create/edit
//! form. What a call changes on the order (notes, the window confirmed or another one asked for)
//! reloads live when the server says the order changed.

use crate::api::display_phone;
use crate::api::{format_cents, OrderDetail, OrderInput, OrderStatus};
use crate::api::{CallReadiness, CallView};
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::live::{reload_on_change, LiveCalls};
use crate::locale::{fill, use_locale};
use crate::pages::calls::OrderCalls;
use crate::pages::journal::CallJournals;
use crate::pages::layout::{
    action_error, field_error, mark_invalid_fields, ErrorPanel, FieldMessage,
};
use crate::pages::texts::OrderTexts;
use crate::server_fns::calls::order_page;
use crate::server_fns::orders::{get_order, SaveOrder};
use crate::Flash;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// The order id from the URL, or 0 (which no order has) when it is not a number.
fn order_id() -> impl Fn() -> i64 + Copy {
    let params = use_params_map();
    move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse().ok())
            .unwrap_or(0)
    }
}

/// `/orders/:id`: every field, the edit link, and the timeline of calls and messages.
#[component]
pub fn OrderPage() -> impl IntoView {
    let id = order_id();
    // The order, whether calls can be placed, and its calls, in one request.
    let order = Resource::new(id, order_page);
    let i18n = use_i18n();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(data) => view! {
                        <OrderDetails order=data.order readiness=data.readiness calls=data.calls journals=data.journals sms=data.sms/>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The order as a signal that reloads when a call changes it (browser only; the server renders
/// what was loaded, so hydration sees the same).
fn live_order(order: OrderDetail) -> RwSignal<OrderDetail> {
    let id = order.id;
    let current = RwSignal::new(order);
    let live = expect_context::<LiveCalls>();
    reload_on_change(live, live.order_changes, id, move || {
        leptos::task::spawn_local(async move {
            match get_order(id).await {
                Ok(order) => current.set(order),
                Err(error) => leptos::logging::warn!("order not reloaded: {error}"),
            }
        });
    });
    current
}

/// Whether the customer confirmed the window on a call, or asked for another one.
fn window_answer(
    order: &OrderDetail,
    display: &crate::api::DisplayPrefs,
    locale: Locale,
) -> impl IntoView {
    let confirmed = order.window_confirmed_at.map(|at| {
        let when = fill(
            td_string!(locale, orders.detail.window_confirmed_when),
            &[("at", &display.date_time(at))],
        );
        let badge = td_string!(locale, orders.detail.window_confirmed);
        view! { <p class="window-confirmed"><span class="badge confirmed">{badge}</span>{when}</p> }
    });
    let request = order.window_request.clone().map(|text| {
        let at = order.window_request_at.map(|at| display.date_time(at)).unwrap_or_default();
        let when = fill(td_string!(locale, orders.detail.window_requested_when), &[("at", &at)]);
        let badge = td_string!(locale, orders.detail.window_requested);
        view! { <p class="window-request"><span class="badge requested">{badge}</span>" "{text}{when}</p> }
    });
    (confirmed, request)
}

#[component]
fn OrderDetails(
    order: OrderDetail,
    readiness: CallReadiness,
    calls: Vec<CallView>,
    journals: Vec<crate::api::CallJournal>,
    sms: crate::api::OrderSmsData,
) -> impl IntoView {
    let display = crate::use_display();
    let i18n = use_i18n();
    let locale = use_locale();
    let sms_open = RwSignal::new(false);
    let order_for_texts = order.clone();
    let calls_for_timeline = calls.clone();
    let order_for_calls = order.clone();
    let order_id = order.id;
    let calls_for_journals = calls.clone();
    let current = live_order(order.clone());
    let window_display = display.clone();
    let driver = match (&order.driver_name, &order.driver_phone) {
        (Some(name), Some(phone)) => format!("{name} ({phone})"),
        (Some(name), None) => name.clone(),
        (None, Some(phone)) => phone.clone(),
        (None, None) => "—".to_owned(),
    };
    let title = fill(
        td_string!(locale, orders.detail.title),
        &[("number", &order.number)],
    );
    let flash = expect_context::<Flash>();
    on_cleanup(move || flash.clear());
    view! {
        <Title text=title.clone()/>
        {move || flash.message().map(|text| view! { <p class="banner success" role="status">{text}</p> })}
        <section class="panel">
            <div class="title-row">
                <h1>{title}
                    {order.demo.then(|| view! { " " <span class="badge demo">{t!(i18n, orders.demo_badge)}</span> })}
                </h1>
                <div class="actions">
                    <A href=format!("/orders/{}/edit", order.id) attr:class="button">{t!(i18n, orders.detail.edit)}</A>
                    <crate::pages::order_delete::DeleteOrderButton order_id=order.id number=order.number.clone()/>
                </div>
            </div>
            <dl class="details">
                <dt>{t!(i18n, orders.detail.status)}</dt>
                <dd><span class=format!("badge status-{}", order.status.as_str())>{order.status.label_in(locale)}</span></dd>
                <dt>{t!(i18n, orders.detail.customer)}</dt><dd>{order.customer_name.clone()}</dd>
                <dt>{t!(i18n, orders.detail.phone)}</dt><dd class="phone">{display_phone(&order.customer_phone)}</dd>
                <dt>{t!(i18n, orders.detail.address)}</dt><dd class="address">{order.delivery_address.clone()}</dd>
                <dt>{t!(i18n, orders.detail.window)}</dt>
                <dd class="delivery-window">
                    {display.window(order.window_start, order.window_end)}
                    {move || current.with(|order| window_answer(order, &window_display, locale))}
                </dd>
                <dt>{t!(i18n, orders.detail.driver)}</dt><dd>{driver}</dd>
                <dt>{t!(i18n, orders.language.label)}</dt><dd class="customer-language">{customer_language(order.language, &display, locale)}</dd>
                <dt>{t!(i18n, orders.detail.notes)}</dt><dd class="notes">{move || current.with(|order| order.notes.clone())}</dd>
                <dt>{t!(i18n, orders.detail.created)}</dt><dd>{display.date_time(order.created_at)}</dd>
                <dt>{t!(i18n, orders.detail.updated)}</dt><dd>{display.date_time(order.updated_at)}</dd>
            </dl>
            <h2>{t!(i18n, orders.detail.items.title)}</h2>
            <table class="items">
                <thead><tr>
                    <th>{t!(i18n, orders.detail.items.item)}</th><th class="num">{t!(i18n, orders.detail.items.quantity)}</th>
                    <th class="num">{t!(i18n, orders.detail.items.unit_price)}</th><th class="num">{t!(i18n, orders.detail.items.amount)}</th>
                </tr></thead>
                <tbody>
                    {order.items.iter().map(|item| view! {
                        <tr>
                            <td>{item.name.clone()}</td>
                            <td class="num">{item.quantity}</td>
                            <td class="num">{display.money(item.unit_price_cents)}</td>
                            <td class="num">{display.money(item.unit_price_cents * i64::from(item.quantity))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr><th colspan="3">{t!(i18n, orders.detail.items.total)}</th><th class="num total">{display.money(order.total_cents)}</th></tr></tfoot>
            </table>
        </section>
        <OrderCalls order=order_for_calls readiness loaded=calls sms_open/>
        <OrderTexts order=order_for_texts loaded=sms calls=calls_for_timeline open=sms_open/>
        <CallJournals order_id calls=calls_for_journals loaded=journals/>
    }
}

/// `/orders/new`: an empty form.
#[component]
pub fn OrderNewPage() -> impl IntoView {
    view! { <OrderForm order_id=None initial=OrderInput { status: "pending".into(), ..OrderInput::default() }/> }
}

/// `/orders/:id/edit`: the form filled with the order.
#[component]
pub fn OrderEditPage() -> impl IntoView {
    let id = order_id();
    let order = Resource::new(id, get_order);
    let i18n = use_i18n();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match order.await {
                    Ok(order) => view! { <OrderForm order_id=Some(order.id) initial=input_of(&order)/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The form's text for an existing order (the inverse of the server's parsing).
fn input_of(order: &OrderDetail) -> OrderInput {
    let window = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default()
    };
    OrderInput {
        number: order.number.clone(),
        status: order.status.as_str().to_owned(),
        customer_name: order.customer_name.clone(),
        customer_phone: order.customer_phone.clone(),
        delivery_address: order.delivery_address.clone(),
        window_start: window(order.window_start),
        window_end: window(order.window_end),
        items: order
            .items
            .iter()
            .map(|item| {
                format!(
                    "{} x {} @ {}",
                    item.quantity,
                    item.name,
                    format_cents(item.unit_price_cents)
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        notes: order.notes.clone(),
        driver_name: order.driver_name.clone().unwrap_or_default(),
        driver_phone: order.driver_phone.clone().unwrap_or_default(),
        language: order
            .language
            .map(|l| l.code().to_owned())
            .unwrap_or_default(),
    }
}

/// The create/edit form; errors appear next to their fields.
#[component]
fn OrderForm(order_id: Option<i64>, initial: OrderInput) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let action = ServerAction::<SaveOrder>::new();
    let value = action.value();
    let field = move |name: &'static str| field_error(value, name);
    let title = if order_id.is_some() {
        fill(
            td_string!(locale, orders.form.edit_title),
            &[("number", &initial.number)],
        )
    } else {
        td_string!(locale, orders.form.new_title).to_owned()
    };
    let back = order_id.map_or_else(|| "/orders".to_owned(), |id| format!("/orders/{id}"));
    let status = initial.status.clone();
    let form = NodeRef::<leptos::html::Form>::new();
    mark_invalid_fields(form, value);
    // Saved: the server sends the browser to the order, which says so once.
    let flash = expect_context::<Flash>();
    Effect::new(move |_| {
        if let Some(Ok(order)) = value.get() {
            flash.show(fill(
                td_string!(locale, orders.form.saved),
                &[("number", &order.number)],
            ));
        }
    });
    view! {
        <Title text=title.clone()/>
        <section class="panel">
            <h1>{title}</h1>
            <ActionForm action node_ref=form attr:class="order-form" attr:novalidate=true>
                {order_id.map(|id| view! { <input type="hidden" name="order_id" value=id/> })}
                <label>{t!(i18n, orders.form.number)}<input name="input[number]" value=initial.number required/></label>
                <FieldMessage message=field("number")/>
                <label>{t!(i18n, orders.form.status)}
                    <select name="input[status]">
                        {OrderStatus::ALL.into_iter().map(|s| view! {
                            <option value=s.as_str() selected=status == s.as_str()>{s.label_in(locale)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <FieldMessage message=field("status")/>
                <label>{t!(i18n, orders.form.customer_name)}<input name="input[customer_name]" value=initial.customer_name required/></label>
                <FieldMessage message=field("customer_name")/>
                <label>{t!(i18n, orders.form.customer_phone)}<input name="input[customer_phone]" type="tel" value=initial.customer_phone required/></label>
                <FieldMessage message=field("customer_phone")/>
                <label>{t!(i18n, orders.form.address)}<textarea name="input[delivery_address]" rows="2">{initial.delivery_address}</textarea></label>
                <FieldMessage message=field("delivery_address")/>
                <div class="row">
                    <label>{t!(i18n, orders.form.window_start)}<input type="datetime-local" name="input[window_start]" value=initial.window_start/></label>
                    <label>{t!(i18n, orders.form.window_end)}<input type="datetime-local" name="input[window_end]" value=initial.window_end/></label>
                </div>
                <FieldMessage message=field("window_start")/>
                <FieldMessage message=field("window_end")/>
                <label>{t!(i18n, orders.form.items)}
                    <textarea name="input[items]" rows="4">{initial.items}</textarea>
                </label>
                <FieldMessage message=field("items")/>
                <label>{t!(i18n, orders.form.notes)}<textarea name="input[notes]" rows="2">{initial.notes}</textarea></label>
                <div class="row">
                    <label>{t!(i18n, orders.form.driver_name)}<input name="input[driver_name]" value=initial.driver_name/></label>
                    <label>{t!(i18n, orders.form.driver_phone)}<input name="input[driver_phone]" type="tel" value=initial.driver_phone/></label>
                </div>
                <FieldMessage message=field("driver_name")/>
                <FieldMessage message=field("driver_phone")/>
                <CustomerLanguage chosen=initial.language.clone()/>
                <FieldMessage message=field("language")/>
                {action_error(value)}
                <div class="form-actions">
                    <button type="submit" class="primary">{t!(i18n, orders.form.save)}</button>
                    <A href=back>{t!(i18n, orders.form.cancel)}</A>
                </div>
            </ActionForm>
        </section>
    }
}

/// The customer's language as the order page shows it: `Français`, or the business's language
/// marked as such when the order does not say.
fn customer_language(
    language: Option<crate::api::Lang>,
    display: &crate::api::DisplayPrefs,
    locale: crate::i18n::Locale,
) -> String {
    match language {
        Some(lang) => lang.endonym().to_owned(),
        None => fill(
            td_string!(locale, orders.language.business_default),
            &[("language", display.business_lang.endonym())],
        ),
    }
}

/// The form's customer language: the business's (empty), English or French.
#[component]
fn CustomerLanguage(chosen: String) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let display = crate::use_display();
    let business = fill(
        td_string!(locale, orders.language.business_default),
        &[("language", display.business_lang.endonym())],
    );
    let options = std::iter::once(("".to_owned(), business)).chain(
        crate::api::Lang::ALL
            .into_iter()
            .map(|lang| (lang.code().to_owned(), lang.endonym().to_owned())),
    );
    view! {
        <label>{t!(i18n, orders.language.label)}
            <select name="input[language]">
                {options.map(|(code, label)| {
                    let selected = code == chosen;
                    view! { <option value=code selected=selected>{label}</option> }
                }).collect_view()}
            </select>
        </label>
    }
}
