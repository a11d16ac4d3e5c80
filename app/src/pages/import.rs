//! CSV import: choose or paste a file, preview each row's errors, then import the valid rows.

use crate::api::{plural, ImportReport};
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
];

/// The import page.
#[component]
pub fn ImportPage() -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let preview = ServerAction::<PreviewImport>::new();
    let import = ServerAction::<ImportOrders>::new();
    let on_file = move |ev: leptos::ev::Event| read_file_into(ev, csv);

    let columns = |names: &[&str]| {
        names
            .iter()
            .map(|name| view! { <code>{name.to_string()}</code>" " })
            .collect_view()
    };
    view! {
        <Title text="Import orders"/>
        <section class="panel wide">
            <div class="title-row">
                <h1>"Import orders from CSV"</h1>
                <div class="actions"><A href="/orders" attr:class="button">"Back to orders"</A></div>
            </div>
            <div class="hint import-help">
                <p>"The first line names the columns, in any order, separated by commas or semicolons."</p>
                <ul>
                    <li>"Required: "{columns(REQUIRED)}</li>
                    <li>"Optional: "{columns(OPTIONAL)}</li>
                    <li>"Items: "<code>"2 x Margherita @ 12.50; 1 x Cola @ 2.00"</code></li>
                    <li>"Times (local): "<code>"2026-11-27 18:00"</code>" (year-month-day hour:minute)"</li>
                    <li>"Phone numbers as people write them: "<code>"06 12 34 56 78"</code>" or "<code>"+33 6 12 34 56 78"</code></li>
                    <li>"Status: pending, confirmed, preparing, out_for_delivery, delivered or cancelled (default pending)"</li>
                </ul>
                <p>"Rows with errors are reported with their line number and skipped; the others are imported."</p>
            </div>
            <label>"CSV file"<input type="file" accept=".csv,text/csv" on:change=on_file/></label>
            <label>"CSV content"
                <textarea name="csv" rows="8" prop:value=move || csv.get()
                    on:input=move |ev| csv.set(event_target_value(&ev))></textarea>
            </label>
            <div class="actions">
                <button type="button" on:click=move |_| { preview.dispatch(PreviewImport { csv: csv.get() }); }>
                    "Preview"
                </button>
            </div>
            {action_error(preview.value())}
            {action_error(import.value())}
            {move || import.value().get().and_then(Result::ok).map(|report| {
                let skipped = report.rows.iter().filter(|r| !r.errors.is_empty()).count();
                view! {
                    <p class="banner success" role="status">
                        {imported_summary(report.imported as usize, skipped)}
                    </p>
                    <ReportTable report=report only_errors=true/>
                }
            })}
            {move || preview.value().get().and_then(Result::ok).map(|report| {
                let valid = report.valid_count();
                let bad = report.rows.len() - valid;
                view! {
                    <p class="summary">{format!("{} ready, {} with errors.", plural(valid, "row", "rows"), bad)}</p>
                    <ReportTable report=report only_errors=false/>
                    <button type="button" class="primary" disabled=valid == 0
                        on:click=move |_| { import.dispatch(ImportOrders { csv: csv.get() }); preview.value().set(None); }>
                        {format!("Import {}", plural(valid, "valid row", "valid rows"))}
                    </button>
                }
            })}
        </section>
    }
}

fn imported_summary(imported: usize, skipped: usize) -> String {
    let orders = plural(imported, "order", "orders");
    match skipped {
        0 => format!("Imported {orders}."),
        _ => format!(
            "Imported {orders}; {} skipped because of errors.",
            plural(skipped, "row", "rows")
        ),
    }
}

/// The rows of a preview or an import report.
#[component]
fn ReportTable(report: ImportReport, only_errors: bool) -> impl IntoView {
    let display = crate::use_display();
    let rows = report
        .rows
        .into_iter()
        .filter(move |row| !only_errors || !row.errors.is_empty())
        .map(|row| {
            let ok = row.errors.is_empty();
            let errors = row
                .errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            view! {
                <tr class=if ok { "row-ok" } else { "row-error" }>
                    <td class="num">{row.line}</td>
                    <td>{row.number}</td>
                    <td>{row.customer_name}</td>
                    <td class="phone">{row.customer_phone}</td>
                    <td class="num">{display.money(row.total_cents)}</td>
                    <td>{if ok { "OK".to_owned() } else { errors }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="import">
            <thead><tr><th>"Line"</th><th>"Number"</th><th>"Customer"</th><th>"Phone"</th><th class="num">"Total"</th><th>"Result"</th></tr></thead>
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
