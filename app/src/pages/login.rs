//! The sign-in page.

use crate::pages::layout::action_error;
use crate::AuthContext;
use leptos::prelude::*;

/// "Email", "Password", "Sign in"; shows wrong-password and lockout messages.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let value = auth.login.value();
    view! {
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            <ActionForm action=auth.login>
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
