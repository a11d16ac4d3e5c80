//! Admin: API tokens for shop systems that push orders to `POST /api/v1/orders`.

use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::locale::{fill, use_locale};
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
    let i18n = use_i18n();
    let locale = use_locale();
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
        <Title text=td_string!(locale, settings.tokens.title)/>
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                let display = crate::use_display();
                match tokens.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! {
                        <section class="panel wide">
                            <h1>{t!(i18n, settings.tokens.title)}</h1>
                            <p class="hint">{t!(i18n, settings.tokens.intro_before)}<code>"POST /api/v1/orders"</code>
                                {t!(i18n, settings.tokens.intro_header)}<code>"Authorization: Bearer <token>"</code>
                                {t!(i18n, settings.tokens.intro_after)}</p>
                            <pre class="example"><code>{move || EXAMPLE_REQUEST.replace("{origin}", &origin.get())}</code></pre>
                            {action_error(revoke.value())}
                            <table>
                                <thead><tr>
                                    <th>{t!(i18n, settings.tokens.name)}</th><th>{t!(i18n, settings.tokens.token)}</th>
                                    <th>{t!(i18n, settings.tokens.created_at)}</th><th>{t!(i18n, settings.tokens.last_used)}</th>
                                    <th></th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|token| view! {
                                        <tr class:inactive=token.revoked>
                                            <td>{token.name.clone()}</td>
                                            <td><code>{token.prefix}"…"</code></td>
                                            <td>{display.date_time(token.created_at)}</td>
                                            <td>{token.last_used_at.map(|t| display.date_time(t))
                                                .unwrap_or_else(|| td_string!(locale, settings.tokens.never).into())}</td>
                                            <td>{if token.revoked {
                                                view! { <span>{t!(i18n, settings.tokens.revoked)}</span> }.into_any()
                                            } else {
                                                let id = token.id;
                                                let question = fill(
                                                    td_string!(locale, settings.tokens.revoke_confirm),
                                                    &[("name", &token.name)],
                                                );
                                                view! {
                                                    <button type="button" on:click=move |_| {
                                                        if confirm(&question) {
                                                            revoke.dispatch(RevokeApiToken { id });
                                                        }
                                                    }>{t!(i18n, settings.tokens.revoke)}</button>
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
            <h2>{t!(i18n, settings.tokens.create_title)}</h2>
            <ActionForm action=create node_ref=form attr:class="inline-form" attr:novalidate=true>
                <label>{t!(i18n, settings.tokens.name)}
                    <input name="name" placeholder=move || t_string!(i18n, settings.tokens.name_placeholder) required/>
                </label>
                {action_error(create.value())}
                <button type="submit" class="primary">{t!(i18n, settings.tokens.create)}</button>
            </ActionForm>
            {move || create.value().get().and_then(Result::ok).map(|created| {
                let token = created.token.clone();
                let copied = RwSignal::new(false);
                view! {
                    <div class="banner success" role="status">
                        <p>{fill(td_string!(locale, settings.tokens.created), &[("name", &created.summary.name)])}</p>
                        <p class="token-row">
                            <code class="secret">{created.token}</code>
                            <button type="button" on:click=move |_| { copy_to_clipboard(&token); copied.set(true); }>
                                {move || if copied.get() {
                                    td_string!(locale, settings.tokens.copied)
                                } else {
                                    td_string!(locale, settings.tokens.copy)
                                }}
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
