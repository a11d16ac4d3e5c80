//! Admin: API tokens for shop systems that push orders to `POST /api/v1/orders`.

use crate::pages::layout::{action_error, ErrorPanel};
use crate::server_fns::users::{list_api_tokens, CreateApiToken, RevokeApiToken};
use leptos::prelude::*;
use leptos_meta::Title;

/// What a shop system sends: the smallest useful order (see the README, "JSON API").
const EXAMPLE_REQUEST: &str = r#"curl -X POST {origin}/api/v1/orders \
  -H "Authorization: Bearer ol_..." -H "Content-Type: application/json" \
  -d '{"number": "W-1001",
       "customer_name": "Jeanne Martin",
       "customer_phone": "06 12 34 56 78",
       "delivery_address": "10 rue de la Paix, 75002 Paris",
       "window_start": "2026-11-28 12:00", "window_end": "2026-11-28 12:30",
       "items": [{"name": "Regina", "quantity": 2, "unit_price_cents": 1350}],
       "notes": "", "driver_name": null, "driver_phone": null}'"#;

/// The API tokens page (admins only).
#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let form = NodeRef::<leptos::html::Form>::new();
    // The address in the example is this site's, as the browser sees it (set once hydrated, so
    // the server's HTML and the first client render agree).
    let origin = RwSignal::new("https://your-orderline".to_owned());
    Effect::new(move |_| origin.set(browser_origin()));
    // A created token clears the form (the banner below shows the token once).
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <Title text="API tokens"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let display = crate::use_display();
                match tokens.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! {
                        <section class="panel wide">
                            <h1>"API tokens"</h1>
                            <p class="hint">"A shop system sends "<code>"POST /api/v1/orders"</code>
                                " with the header "<code>"Authorization: Bearer <token>"</code>" and the order as JSON. "
                                "Required: number, customer_name, customer_phone (any usual format), delivery_address, items; "
                                "times are local, written 2026-11-28 12:00. It answers 201 with the order, 401 without a valid token, "
                                "422 with the refused fields."</p>
                            <pre class="example"><code>{move || EXAMPLE_REQUEST.replace("{origin}", &origin.get())}</code></pre>
                            {action_error(revoke.value())}
                            <table>
                                <thead><tr><th>"Name"</th><th>"Token"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|token| view! {
                                        <tr class:inactive=token.revoked>
                                            <td>{token.name.clone()}</td>
                                            <td><code>{token.prefix}"…"</code></td>
                                            <td>{display.date_time(token.created_at)}</td>
                                            <td>{token.last_used_at.map(|t| display.date_time(t)).unwrap_or_else(|| "never".into())}</td>
                                            <td>{if token.revoked {
                                                view! { <span>"revoked"</span> }.into_any()
                                            } else {
                                                let id = token.id;
                                                let name = token.name.clone();
                                                view! {
                                                    <button type="button" on:click=move |_| {
                                                        if confirm(&format!("Revoke the token \"{name}\"? Systems using it are refused at once.")) {
                                                            revoke.dispatch(RevokeApiToken { id });
                                                        }
                                                    }>"Revoke"</button>
                                                }.into_any()
                                            }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
        <section class="panel">
            <h2>"Create a token"</h2>
            <ActionForm action=create node_ref=form attr:class="inline-form" attr:novalidate=true>
                <label>"Name"<input name="name" placeholder="Shop system" required/></label>
                {action_error(create.value())}
                <button type="submit" class="primary">"Create token"</button>
            </ActionForm>
            {move || create.value().get().and_then(Result::ok).map(|created| {
                let token = created.token.clone();
                let copied = RwSignal::new(false);
                view! {
                    <div class="banner success" role="status">
                        <p>{format!("Token \"{}\" created. Copy it now; it is not shown again:", created.summary.name)}</p>
                        <p class="token-row">
                            <code class="secret">{created.token}</code>
                            <button type="button" on:click=move |_| { copy_to_clipboard(&token); copied.set(true); }>
                                {move || if copied.get() { "Copied" } else { "Copy" }}
                            </button>
                        </p>
                    </div>
                }
            })}
        </section>
    }
}

/// The site's origin as the browser sees it (for the example request); a placeholder on the server.
fn browser_origin() -> String {
    #[cfg(feature = "hydrate")]
    {
        window().location().origin().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        "https://your-orderline".to_owned()
    }
}

/// Asks the person to confirm (the browser's dialog); always false on the server.
fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(message).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        false
    }
}

fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().navigator().clipboard().write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}
