//! The orders table: search, status filter, 50 per page, newest first.

use crate::api::display_phone;
use crate::api::{format_window, urlencode, OrderPage, OrderStatus};
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
            "all matching".to_owned()
        } else {
            bulk.checked.with(|c| c.len()).to_string()
        }
    };
    view! {
        <Title text="Orders"/>
        <section class="panel wide">
            <div class="title-row">
                <h1>"Orders"</h1>
                <div class="actions">
                    <button type="button" class="send-sms"
                        disabled=move || !bulk.all_matching.get() && bulk.checked.with(|c| c.is_empty())
                        on:click=move |_| bulk.open.set(true)>
                        "Send SMS ("{selected}")"
                    </button>
                    <A href="/orders/import" attr:class="button">"Import CSV"</A>
                    <A href="/orders/new" attr:class="button primary">"New order"</A>
                </div>
            </div>
            <form method="GET" action="/orders" class="filters" role="search"
                on:submit=move |ev| { ev.prevent_default(); go(status()); }>
                <input type="search" name="q" placeholder="Number, name or phone" aria-label="Search"
                    prop:value=search on:input=move |ev| typed.set(event_target_value(&ev))/>
                <select name="status" aria-label="Status"
                    on:change=move |ev| go_status(event_target_value(&ev))>
                    <option value="" selected=move || status().is_empty()>"All statuses"</option>
                    {OrderStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=move || status() == s.as_str()>{s.label()}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Search"</button>
            </form>
            {action_error(demo.value())}
            <BulkProgressLine state=bulk/>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
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
    if page.total == 0 && search.is_empty() && status.is_empty() {
        return view! {
            <div class="empty">
                <p>"No orders yet. Create one, import a CSV file, or load demo orders to try things out."</p>
                <ActionForm action=demo>
                    <button type="submit" class="primary">"Load 50 demo orders"</button>
                </ActionForm>
            </div>
        }
        .into_any();
    }
    if page.total == 0 {
        return view! { <p class="empty">"No orders match this search."</p> }.into_any();
    }
    let pages = page.page_count();
    let current = page.page;
    let prev = (current > 1).then(|| page_href(&search, &status, current - 1));
    let next = (current < pages).then(|| page_href(&search, &status, current + 1));
    let total = page.total;
    view! {
        <label class="inline select-all-matching">
            <input type="checkbox" prop:checked=move || bulk.all_matching.get()
                on:change=move |ev| bulk.all_matching.set(event_target_checked(&ev))/>
            {format!("Select all {total} matching orders")}
        </label>
        <table class="orders">
            <thead>
                <tr>
                    <th><span class="visually-hidden">"Select"</span></th>
                    <th>"Number"</th><th>"Customer"</th><th>"Phone"</th><th>"Status"</th>
                    <th>"Delivery window"</th><th class="num">"Total"</th><th>"Last contact"</th>
                </tr>
            </thead>
            <tbody>
                {page.orders.into_iter().map(|order| {
                    let id = order.id;
                    let label = format!("Select order {}", order.number);
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
                            {order.demo.then(|| view! { " " <span class="badge demo" title="Demo order: its numbers are reserved for fiction">"Demo"</span> })}
                        </td>
                        <td>{order.customer_name}</td>
                        <td class="phone">{display_phone(&order.customer_phone)}</td>
                        <td><span class=format!("badge status-{}", order.status.as_str())>{order.status.label()}</span></td>
                        <td>{format_window(order.window_start, order.window_end)}</td>
                        <td class="num">{display.money(order.total_cents)}</td>
                        <td>{order.last_contact_at.map(|t| display.short_time(t)).unwrap_or_else(|| "—".into())}</td>
                    </tr>
                }}).collect_view()}
            </tbody>
        </table>
        <nav class="pager" aria-label="Pages">
            {prev.map(|href| view! { <A href=href>"← Previous"</A> })}
            <span class="page-info">{format!("Page {current} of {pages} · {} orders", page.total)}</span>
            {next.map(|href| view! { <A href=href>"Next →"</A> })}
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
