//! The sign-in page.

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
    view! {
        <Title text="Sign in"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    first_run.await.unwrap_or(false).then(|| view! {
                        <div class="banner info" role="status">
                            <p><strong>"No account exists yet."</strong></p>
                            <p>"The server printed a one-time link when it started: look for "
                                <code>"Create the first admin here (one-time link)"</code>
                                " in its output and open that link. Or start the server with "
                                <code>"ADMIN_EMAIL"</code>" and "<code>"ADMIN_PASSWORD"</code>" set."</p>
                        </div>
                    })
                })}
            </Suspense>
            <ActionForm action=auth.login attr:novalidate=true>
                <input type="hidden" name="next" value=next/>
                <label>"Email"<input type="email" name="email" autocomplete="username" required/></label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required/>
                </label>
                {action_error(value)}
                <button type="submit" class="primary">"Sign in"</button>
            </ActionForm>
        </section>
    }
}
