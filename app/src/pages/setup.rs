//! The one-time first-admin page, reached from the setup link the server prints when it has no users.

use crate::pages::layout::{action_error, field_error, mark_invalid_fields, FieldMessage};
use crate::server_fns::auth::setup_token_valid;
use crate::AuthContext;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// Creates the first admin account.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let valid = Resource::new(token, setup_token_valid);
    let action = expect_context::<AuthContext>().setup;
    let value = action.value();
    let field = move |name: &'static str| field_error(value, name);
    let form = NodeRef::<leptos::html::Form>::new();
    mark_invalid_fields(form, value);
    view! {
        <Title text="Create the first admin"/>
        <section class="panel narrow">
            <h1>"Create the first admin"</h1>
            <Suspense fallback=|| view! { <p>"Checking the link…"</p> }>
                {move || Suspend::new(async move {
                    if valid.await.unwrap_or(false) {
                        view! {
                            <ActionForm action node_ref=form attr:novalidate=true>
                                <input type="hidden" name="token" value=token/>
                                <label>"Name"<input name="name" required/></label>
                                <FieldMessage message=field("name")/>
                                <label>"Email"<input type="email" name="email" required/></label>
                                <FieldMessage message=field("email")/>
                                <label>"Password"<input type="password" name="password" autocomplete="new-password" required/></label>
                                <p class="hint">{crate::api::password_rule()}</p>
                                <FieldMessage message=field("password")/>
                                {action_error(value)}
                                <button type="submit" class="primary">"Create admin"</button>
                            </ActionForm>
                        }
                        .into_any()
                    } else {
                        view! {
                            <p class="banner error" role="alert">
                                "This setup link is not valid: it was already used, an account exists (sign in instead), or it expired (links work for an hour: restart the server for a new one)."
                            </p>
                        }
                        .into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}
