//! The sign-in page.

use crate::i18n::{t, td_string, use_i18n};
use crate::locale::use_locale;
use crate::pages::layout::action_error;
use crate::server_fns::auth::setup_needed;
use crate::AuthContext;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// "Email", "Password", "Sign in"; shows wrong-password and lockout messages. Returns to the page
/// that asked for a session (`?next=`). With no account at all, says how to create the first one.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let value = auth.login.value();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let first_run = Resource::new(|| (), |_| setup_needed());
    let i18n = use_i18n();
    view! {
        <Title text=td_string!(use_locale(), common.login.title)/>
        <section class="panel narrow">
            <h1>{t!(i18n, common.login.title)}</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    first_run.await.unwrap_or(false).then(|| view! {
                        <div class="banner info" role="status">
                            <p><strong>{t!(i18n, common.login.no_account)}</strong></p>
                            <p>{t!(i18n, common.login.first_admin_before)}
                                <code>{t!(i18n, common.login.first_admin_link)}</code>
                                {t!(i18n, common.login.first_admin_middle)}
                                <code>"ADMIN_EMAIL"</code>{t!(i18n, common.login.and)}<code>"ADMIN_PASSWORD"</code>{t!(i18n, common.login.first_admin_after)}</p>
                        </div>
                    })
                })}
            </Suspense>
            <ActionForm action=auth.login attr:novalidate=true>
                <input type="hidden" name="next" value=next/>
                <label>{t!(i18n, common.login.email)}<input type="email" name="email" autocomplete="username" required/></label>
                <label>
                    {t!(i18n, common.login.password)}
                    <input type="password" name="password" autocomplete="current-password" required/>
                </label>
                {action_error(value)}
                <button type="submit" class="primary">{t!(i18n, common.login.submit)}</button>
            </ActionForm>
        </section>
    }
}
