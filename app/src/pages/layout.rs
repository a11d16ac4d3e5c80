//! The header with navigation and sign-out, the login guard, and small shared widgets.

use crate::api::{field_message, ApiError};
use crate::AuthContext;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};

/// Top bar: brand, navigation (admin entries only for admins), the user's name and "Sign out".
#[component]
pub fn Header() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    view! {
        <header class="topbar">
            <a class="brand" href="/orders">"Orderline"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = auth.me.await.ok().flatten()?;
                    let admin = user.is_admin();
                    Some(view! {
                        <nav>
                            <A href="/orders">"Orders"</A>
                            <Show when=move || admin>
                                <A href="/admin/users">"Users"</A>
                                <A href="/admin/api-tokens">"API tokens"</A>
                                <A href="/admin/settings">"Settings"</A>
                            </Show>
                        </nav>
                        <div class="account">
                            <span class="who">{user.name.clone()}" · "{user.role.as_str()}</span>
                            <ActionForm action=auth.logout>
                                <button type="submit" class="link">"Sign out"</button>
                            </ActionForm>
                        </div>
                    })
                })}
            </Transition>
        </header>
    }
}

/// Renders the nested route only for a signed-in user; sends everyone else to the login page.
#[component]
pub fn RequireLogin() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match auth.me.await {
                    Ok(Some(_)) => view! { <Outlet/> }.into_any(),
                    Ok(None) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A page-level error: "403" for forbidden pages, a plain message otherwise.
#[component]
pub fn ErrorPanel(error: ApiError) -> impl IntoView {
    let title = match error {
        ApiError::Forbidden => "403 — Forbidden",
        ApiError::NotFound => "404 — Not found",
        ApiError::Unauthorized => "Please sign in",
        _ => "Error",
    };
    view! {
        <section class="panel error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error.to_string()}</p>
        </section>
    }
}

/// The message of a field error under an input, or nothing.
#[component]
pub fn FieldMessage(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    move || {
        message
            .get()
            .map(|text| view! { <span class="field-error" role="alert">{text}</span> })
    }
}

/// The error of the last run of an action, as a banner.
pub fn action_error<T, V>(value: V) -> impl IntoView
where
    T: Send + Sync + 'static,
    V: Get<Value = Option<Result<T, ApiError>>> + Send + Sync + 'static,
{
    move || match value.get() {
        Some(Err(error)) if error.field_errors().is_empty() => {
            Some(view! { <p class="banner error" role="alert">{error.to_string()}</p> })
        }
        _ => None,
    }
}

/// The message for `field` in the last result of an action, as a signal for [`FieldMessage`].
pub fn field_error<T, V>(value: V, field: &'static str) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, ApiError>>> + Copy + Send + Sync + 'static,
{
    Signal::derive(move || {
        value.with(|result| match result {
            Some(Err(error)) => field_message(error.field_errors(), field),
            _ => None,
        })
    })
}
