//! CSV import: choose or paste a file, preview each row's errors, then import the valid rows.

use crate::api::{server_words, ImportReport};
use crate::i18n::{t, td_string, use_i18n, Locale};
use crate::locale::{count_text, fill, use_locale};
use crate::pages::layout::action_error;
use crate::server_fns::orders::{ImportOrders, PreviewImport};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

const REQUIRED: &[&str] = &[
    "number",
    "customer_name",
    "customer_phone",
    "delivery_address",
    "items",
];
const OPTIONAL: &[&str] = &[
    "status",
    "window_start",
    "window_end",
    "notes",
    "driver_name",
    "driver_phone",
    "language",
];

/// The import page.
#[component]
pub fn ImportPage() -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let preview = ServerAction::<PreviewImport>::new();
    let import = ServerAction::<ImportOrders>::new();
    let on_file = move |ev: leptos::ev::Event| read_file_into(ev, csv);
    let i18n = use_i18n();
    let locale = use_locale();

    let columns = |names: &[&str]| {
        names
            .iter()
            .map(|name| view! { <code>{name.to_string()}</code>" " })
            .collect_view()
    };
    view! {
        <Title text=td_string!(locale, orders.import.title)/>
        <section class="panel wide">
            <div class="title-row">
                <h1>{t!(i18n, orders.import.heading)}</h1>
                <div class="actions"><A href="/orders" attr:class="button">{t!(i18n, common.back_to_orders)}</A></div>
            </div>
            <div class="hint import-help">
                <p>{t!(i18n, orders.import.help.columns)}</p>
                <ul>
                    <li>{t!(i18n, orders.import.help.required)}{columns(REQUIRED)}</li>
                    <li>{t!(i18n, orders.import.help.optional)}{columns(OPTIONAL)}</li>
                    <li>{t!(i18n, orders.import.help.items)}<code>"2 x Margherita @ 12.50; 1 x Cola @ 2.00"</code></li>
                    <li>{t!(i18n, orders.import.help.times)}<code>"2026-11-27 18:00"</code>{t!(i18n, orders.import.help.times_format)}</li>
                    <li>{t!(i18n, orders.import.help.phones)}<code>"06 12 34 56 78"</code>{t!(i18n, orders.import.help.or)}<code>"+33 6 12 34 56 78"</code></li>
                    <li>{t!(i18n, orders.import.help.status)}</li>
                </ul>
                <p>{t!(i18n, orders.import.help.errors)}</p>
            </div>
            <label>{t!(i18n, orders.import.file)}<input type="file" accept=".csv,text/csv" on:change=on_file/></label>
            <label>{t!(i18n, orders.import.content)}
                <textarea name="csv" rows="8" prop:value=move || csv.get()
                    on:input=move |ev| csv.set(event_target_value(&ev))></textarea>
            </label>
            <div class="actions">
                <button type="button" on:click=move |_| { preview.dispatch(PreviewImport { csv: csv.get() }); }>
                    {t!(i18n, orders.import.preview)}
                </button>
            </div>
            {action_error(preview.value())}
            {action_error(import.value())}
            {move || import.value().get().and_then(Result::ok).map(|report| {
                let skipped = report.rows.iter().filter(|r| !r.errors.is_empty()).count();
                view! {
                    <p class="banner success" role="status">
                        {imported_summary(locale, report.imported, skipped as u64)}
                    </p>
                    <ReportTable report=report only_errors=true/>
                }
            })}
            {move || preview.value().get().and_then(Result::ok).map(|report| {
                let valid = report.valid_count();
                let bad = report.rows.len() - valid;
                let summary = preview_summary(locale, valid as u64, bad as u64);
                let import_label = count_text(
                    locale,
                    valid as u64,
                    td_string!(locale, orders.import.import_valid.one),
                    td_string!(locale, orders.import.import_valid.other),
                );
                view! {
                    <p class="summary">{summary}</p>
                    <ReportTable report=report only_errors=false/>
                    <button type="button" class="primary" disabled=valid == 0
                        on:click=move |_| { import.dispatch(ImportOrders { csv: csv.get() }); preview.value().set(None); }>
                        {import_label}
                    </button>
                }
            })}
        </section>
    }
}

/// "3 rows ready, 1 with errors."
fn preview_summary(locale: Locale, valid: u64, bad: u64) -> String {
    let ready = count_text(
        locale,
        valid,
        td_string!(locale, orders.import.ready.one),
        td_string!(locale, orders.import.ready.other),
    );
    fill(
        td_string!(locale, orders.import.summary),
        &[("ready", &ready), ("errors", &bad.to_string())],
    )
}

/// "Imported 3 orders; 1 row skipped because of errors."
fn imported_summary(locale: Locale, imported: u64, skipped: u64) -> String {
    let imported = count_text(
        locale,
        imported,
        td_string!(locale, orders.import.imported.one),
        td_string!(locale, orders.import.imported.other),
    );
    match skipped {
        0 => fill(
            td_string!(locale, orders.import.imported_summary),
            &[("imported", &imported)],
        ),
        _ => {
            let skipped = count_text(
                locale,
                skipped,
                td_string!(locale, orders.import.skipped.one),
                td_string!(locale, orders.import.skipped.other),
            );
            fill(
                td_string!(locale, orders.import.imported_skipped_summary),
                &[("imported", &imported), ("skipped", &skipped)],
            )
        }
    }
}

/// The rows of a preview or an import report.
#[component]
fn ReportTable(report: ImportReport, only_errors: bool) -> impl IntoView {
    let display = crate::use_display();
    let i18n = use_i18n();
    let locale = use_locale();
    let ok_text = td_string!(locale, orders.import.ok);
    let rows = report
        .rows
        .into_iter()
        .filter(move |row| !only_errors || !row.errors.is_empty())
        .map(|row| {
            let ok = row.errors.is_empty();
            let errors = row
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, server_words(&e.message, locale)))
                .collect::<Vec<_>>()
                .join("; ");
            view! {
                <tr class=if ok { "row-ok" } else { "row-error" }>
                    <td class="num">{row.line}</td>
                    <td>{row.number}</td>
                    <td>{row.customer_name}</td>
                    <td class="phone">{row.customer_phone}</td>
                    <td class="num">{display.money(row.total_cents)}</td>
                    <td>{if ok { ok_text.to_owned() } else { errors }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="import">
            <thead><tr>
                <th>{t!(i18n, orders.import.columns.line)}</th><th>{t!(i18n, orders.import.columns.number)}</th>
                <th>{t!(i18n, orders.import.columns.customer)}</th><th>{t!(i18n, orders.import.columns.phone)}</th>
                <th class="num">{t!(i18n, orders.import.columns.total)}</th><th>{t!(i18n, orders.import.columns.result)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Reads the chosen file's text into `target` (browser only; a no-op on the server).
fn read_file_into(ev: leptos::ev::Event, target: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                target.set(text.as_string().unwrap_or_default());
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, target);
}
