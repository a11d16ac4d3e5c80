//! The one-time first-admin page, reached from the setup link the server prints when it has no users.

use crate::i18n::{t, td_string, use_i18n};
use crate::locale::use_locale;
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
    let i18n = use_i18n();
    view! {
        <Title text=td_string!(use_locale(), common.setup.title)/>
        <section class="panel narrow">
            <h1>{t!(i18n, common.setup.title)}</h1>
            <Suspense fallback=move || view! { <p>{t!(i18n, common.setup.checking)}</p> }>
                {move || Suspend::new(async move {
                    if valid.await.unwrap_or(false) {
                        view! {
                            <ActionForm action node_ref=form attr:novalidate=true>
                                <input type="hidden" name="token" value=token/>
                                <label>{t!(i18n, common.setup.name)}<input name="name" required/></label>
                                <FieldMessage message=field("name")/>
                                <label>{t!(i18n, common.setup.email)}<input type="email" name="email" required/></label>
                                <FieldMessage message=field("email")/>
                                <label>{t!(i18n, common.setup.password)}<input type="password" name="password" autocomplete="new-password" required/></label>
                                <p class="hint">{crate::locale::fill(td_string!(use_locale(), common.password_rule), &[("min", &crate::api::PASSWORD_MIN_LENGTH.to_string())])}</p>
                                <FieldMessage message=field("password")/>
                                {action_error(value)}
                                <button type="submit" class="primary">{t!(i18n, common.setup.submit)}</button>
                            </ActionForm>
                        }
                        .into_any()
                    } else {
                        view! {
                            <p class="banner error" role="alert">
                                {t!(i18n, common.setup.invalid)}
                            </p>
                        }
                        .into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}
