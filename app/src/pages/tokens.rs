//! Admin: API tokens for shop systems that push orders to `POST /api/v1/orders`.

use crate::pages::layout::{action_error, ErrorPanel};
use crate::server_fns::users::{list_api_tokens, CreateApiToken, RevokeApiToken};
use leptos::prelude::*;

/// The API tokens page (admins only).
#[component]
pub fn TokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match tokens.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! {
                        <section class="panel wide">
                            <h1>"API tokens"</h1>
                            <p class="hint">"A shop system sends "<code>"POST /api/v1/orders"</code>
                                " with the header "<code>"Authorization: Bearer <token>"</code>" and the order as JSON."</p>
                            {action_error(revoke.value())}
                            <table>
                                <thead><tr><th>"Name"</th><th>"Token"</th><th>"Created"</th><th>"Last used"</th><th></th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|token| view! {
                                        <tr class:inactive=token.revoked>
                                            <td>{token.name}</td>
                                            <td><code>{token.prefix}"…"</code></td>
                                            <td>{token.created_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                            <td>{token.last_used_at.map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "never".into())}</td>
                                            <td>{if token.revoked {
                                                view! { <span>"revoked"</span> }.into_any()
                                            } else {
                                                view! {
                                                    <ActionForm action=revoke attr:class="inline">
                                                        <input type="hidden" name="id" value=token.id/>
                                                        <button type="submit">"Revoke"</button>
                                                    </ActionForm>
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
            <ActionForm action=create attr:class="inline-form">
                <label>"Name"<input name="name" placeholder="Shop system" required/></label>
                {action_error(create.value())}
                <button type="submit" class="primary">"Create token"</button>
            </ActionForm>
            {move || create.value().get().and_then(Result::ok).map(|created| view! {
                <p class="banner success" role="status">"Copy this token now; it is not shown again: "
                    <code class="secret">{created.token}</code></p>
            })}
        </section>
    }
}
