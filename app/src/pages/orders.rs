//! The orders table: search, status filter, 50 per page, newest first.

use crate::api::display_phone;
use crate::api::{urlencode, OrderPage, OrderStatus};
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::locale::{count_text, fill, use_locale};
use crate::pages::bulk_sms::{BulkProgressLine, BulkSmsDialog, BulkState};
use crate::pages::layout::{action_error, ErrorPanel};
use crate::server_fns::orders::{list_orders, LoadDemoData};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

/// Builds the URL of the orders page for a search, status and page.
fn page_href(search: &str, status: &str, page: u64) -> String {
    let mut pairs = Vec::new();
    if !search.is_empty() {
        pairs.push(format!("q={}", urlencode(search)));
    }
    if !status.is_empty() {
        pairs.push(format!("status={}", urlencode(status)));
    }
    if page > 1 {
        pairs.push(format!("page={page}"));
    }
    if pairs.is_empty() {
        "/orders".to_owned()
    } else {
        format!("/orders?{}", pairs.join("&"))
    }
}

/// The orders page.
#[component]
pub fn OrdersPage() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let status = move || query.read().get("status").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u64>().ok())
            .unwrap_or(1)
    };
    let i18n = use_i18n();
    let locale = use_locale();
    let demo = ServerAction::<LoadDemoData>::new();
    let orders = Resource::new(
        move || (search(), status(), page(), demo.version().get()),
        |(search, status, page, _)| {
            let status = (!status.is_empty()).then_some(status);
            list_orders(search, status, page)
        },
    );

    // The form builds its own address (no empty `q=`/`status=` pairs); the status applies at once.
    let navigate = use_navigate();
    let typed = RwSignal::new(String::new());
    Effect::new(move |_| typed.set(search()));
    let go = move |status: String| {
        navigate(
            &page_href(typed.get_untracked().trim(), &status, 1),
            Default::default(),
        );
    };
    let go_status = go.clone();
    let bulk = BulkState::new();
    // A new search or filter starts a new selection.
    Effect::new(move |_| {
        let _ = (search(), status());
        bulk.checked.set(Default::default());
        bulk.all_matching.set(false);
    });
    let selected = move || {
        if bulk.all_matching.get() {
            td_string!(locale, orders.list.all_matching).to_owned()
        } else {
            bulk.checked.with(|c| c.len()).to_string()
        }
    };
    view! {
        <Title text=td_string!(locale, orders.list.title)/>
        <section class="panel wide">
            <div class="title-row">
                <h1>{t!(i18n, orders.list.title)}</h1>
                <div class="actions">
                    <button type="button" class="send-sms"
                        disabled=move || !bulk.all_matching.get() && bulk.checked.with(|c| c.is_empty())
                        on:click=move |_| bulk.open.set(true)>
                        {move || fill(td_string!(locale, orders.list.send_sms), &[("selected", &selected())])}
                    </button>
                    <A href="/orders/import" attr:class="button">{t!(i18n, orders.list.import_csv)}</A>
                    <A href="/orders/new" attr:class="button primary">{t!(i18n, orders.list.new_order)}</A>
                </div>
            </div>
            <form method="GET" action="/orders" class="filters" role="search"
                on:submit=move |ev| { ev.prevent_default(); go(status()); }>
                <input type="search" name="q" placeholder=move || t_string!(i18n, orders.list.search_placeholder)
                    aria-label=move || t_string!(i18n, orders.list.search_label)
                    prop:value=search on:input=move |ev| typed.set(event_target_value(&ev))/>
                <select name="status" aria-label=move || t_string!(i18n, orders.list.status_label)
                    on:change=move |ev| go_status(event_target_value(&ev))>
                    <option value="" selected=move || status().is_empty()>{t!(i18n, orders.list.all_statuses)}</option>
                    {OrderStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || status() == s.as_str()>{s.label_in(locale)}</option>
                    }).collect_view()}
                </select>
                <button type="submit">{t!(i18n, orders.list.search)}</button>
            </form>
            {action_error(demo.value())}
            <BulkProgressLine state=bulk/>
            <Transition fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
                {move || Suspend::new(async move {
                    match orders.await {
                        Ok(page) => view! { <OrdersTable page search=search() status=status() demo bulk/> }.into_any(),
                        Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    }
                })}
            </Transition>
            <BulkSmsDialog state=bulk search=Signal::derive(search) status=Signal::derive(status)/>
        </section>
    }
}

/// The table and pager, or the empty state with the demo-data button.
#[component]
fn OrdersTable(
    page: OrderPage,
    search: String,
    status: String,
    demo: ServerAction<LoadDemoData>,
    bulk: BulkState,
) -> impl IntoView {
    let display = crate::use_display();
    let i18n = use_i18n();
    let locale = use_locale();
    if page.total == 0 && search.is_empty() && status.is_empty() {
        return view! {
            <div class="empty">
                <p>{t!(i18n, orders.list.empty)}</p>
                <ActionForm action=demo>
                    <button type="submit" class="primary">{t!(i18n, orders.list.load_demo)}</button>
                </ActionForm>
            </div>
        }
        .into_any();
    }
    if page.total == 0 {
        return view! { <p class="empty">{t!(i18n, orders.list.no_match)}</p> }.into_any();
    }
    let pages = page.page_count();
    let current = page.page;
    let prev = (current > 1).then(|| page_href(&search, &status, current - 1));
    let next = (current < pages).then(|| page_href(&search, &status, current + 1));
    let select_all = count_text(
        locale,
        page.total,
        td_string!(locale, orders.list.select_all_matching.one),
        td_string!(locale, orders.list.select_all_matching.other),
    );
    let page_info = fill(
        td_string!(locale, orders.list.pager.info),
        &[
            ("current", &current.to_string()),
            ("pages", &pages.to_string()),
            (
                "orders",
                &count_text(
                    locale,
                    page.total,
                    td_string!(locale, orders.list.pager.orders.one),
                    td_string!(locale, orders.list.pager.orders.other),
                ),
            ),
        ],
    );
    view! {
        <label class="inline select-all-matching">
            <input type="checkbox" prop:checked=move || bulk.all_matching.get()
                on:change=move |ev| bulk.all_matching.set(event_target_checked(&ev))/>
            {select_all}
        </label>
        <table class="orders">
            <thead>
                <tr>
                    <th><span class="visually-hidden">{t!(i18n, orders.list.columns.select)}</span></th>
                    <th>{t!(i18n, orders.list.columns.number)}</th><th>{t!(i18n, orders.list.columns.customer)}</th>
                    <th>{t!(i18n, orders.list.columns.phone)}</th><th>{t!(i18n, orders.list.columns.status)}</th>
                    <th>{t!(i18n, orders.list.columns.window)}</th><th class="num">{t!(i18n, orders.list.columns.total)}</th>
                    <th>{t!(i18n, orders.list.columns.last_contact)}</th>
                </tr>
            </thead>
            <tbody>
                {page.orders.into_iter().map(|order| {
                    let id = order.id;
                    let label = fill(td_string!(locale, orders.list.select_order), &[("number", &order.number)]);
                    view! {
                    <tr>
                        <td><input type="checkbox" aria-label=label
                            prop:checked=move || bulk.all_matching.get() || bulk.checked.with(|c| c.contains(&id))
                            prop:disabled=move || bulk.all_matching.get()
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                bulk.checked.update(|c| { if on { c.insert(id); } else { c.remove(&id); } });
                            }/></td>
                        <td>
                            <A href=format!("/orders/{}", order.id)>{order.number}</A>
                            {order.demo.then(|| view! { " " <span class="badge demo" title=move || t_string!(i18n, orders.list.demo_title)>{t!(i18n, orders.demo_badge)}</span> })}
                        </td>
                        <td>{order.customer_name}</td>
                        <td class="phone">{display_phone(&order.customer_phone)}</td>
                        <td><span class=format!("badge status-{}", order.status.as_str())>{order.status.label_in(locale)}</span></td>
                        <td>{display.window(order.window_start, order.window_end)}</td>
                        <td class="num">{display.money(order.total_cents)}</td>
                        <td>{order.last_contact_at.map(|t| display.short_time(t)).unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label=move || t_string!(i18n, orders.list.pager.label)>
            {prev.map(|href| view! { <A href=href>{t!(i18n, orders.list.pager.previous)}</A> })}
            <span class="page-info">{page_info}</span>
            {next.map(|href| view! { <A href=href>{t!(i18n, orders.list.pager.next)}</A> })}
        </nav>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links_keep_the_search_and_encode_it() {
        assert_eq!(page_href("", "", 1), "/orders");
        assert_eq!(
            page_href("+33 6", "pending", 2),
            "/orders?q=%2B33%206&status=pending&page=2"
        );
    }
}
