//! The header with navigation and sign-out, the login guard, and small shared widgets.

use crate::api::{field_message, server_words, ApiError};
use crate::i18n::{t, t_string, td_string, use_i18n, Locale};
use crate::locale::{count_text, fill};
use crate::AuthContext;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;

/// Top bar: brand, navigation (admin entries only for admins), the user's name and "Sign out".
#[component]
pub fn Header() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let i18n = use_i18n();
    view! {
        <header class="topbar">
            <a class="brand" href="/orders">"Orderline"</a>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let user = auth.me.await.ok().flatten()?;
                    let admin = user.is_admin();
                    Some(view! {
                        <nav aria-label=move || t_string!(i18n, common.nav.main)>
                            <A href="/orders">{t!(i18n, common.nav.orders)}</A>
                            <UnreadReplies/>
                            <SandboxBadge/>
                            <Show when=move || admin>
                                <A href="/admin/users">{t!(i18n, common.nav.users)}</A>
                                <A href="/admin/api-tokens">{t!(i18n, common.nav.api_tokens)}</A>
                                <A href="/admin/settings">{t!(i18n, common.nav.settings)}</A>
                            </Show>
                        </nav>
                        <div class="account">
                            <A href="/profile" attr:class="who" attr:title=move || t_string!(i18n, common.nav.profile)>
                                {user.name.clone()}" · "{role_label(user.role, i18n.get_locale_untracked())}
                            </A>
                            <ActionForm action=auth.logout>
                                <button type="submit" class="link">{t!(i18n, common.nav.sign_out)}</button>
                            </ActionForm>
                        </div>
                    })
                })}
            </Transition>
        </header>
    }
}

/// The number of text replies nobody has read, with the live ones added. Loaded in the browser
/// after hydration (the server renders nothing here, and so does the first browser render), and
/// again on each reply and each page change.
#[component]
fn UnreadReplies() -> impl IntoView {
    let live = expect_context::<crate::live::LiveCalls>();
    let i18n = use_i18n();
    let loaded = RwSignal::new(None::<u64>);
    let seen_live = RwSignal::new(0u64);
    let location = use_location();
    Effect::new(move |_| {
        // Counted again from the server whenever a reply arrives, and on every page change
        // (opening an order reads its replies).
        let received = live.replies_received.get();
        location.pathname.track();
        leptos::task::spawn_local(async move {
            if let Ok(count) = crate::server_fns::sms::unread_replies().await {
                loaded.set(Some(count));
                seen_live.set(received);
            }
        });
    });
    move || {
        let count = loaded.get()?;
        let pending = live.replies_received.get().saturating_sub(seen_live.get());
        let total = count + pending;
        (total > 0).then(|| view! {
            <span class="badge unread-replies" role="status" title=move || t_string!(i18n, common.unread_replies.title)>
                {count_text(i18n.get_locale_untracked(), total, td_string!(i18n.get_locale_untracked(), common.unread_replies.one), td_string!(i18n.get_locale_untracked(), common.unread_replies.other))}
            </span>
        })
    }
}

/// "Sandbox" while the emulated Twilio stands in for the real one, leading to the softphone.
/// Loaded in the browser after hydration, like [`UnreadReplies`].
#[component]
fn SandboxBadge() -> impl IntoView {
    let i18n = use_i18n();
    let active = RwSignal::new(false);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(on) = crate::server_fns::sandbox::sandbox_active().await {
                active.set(on);
            }
        });
    });
    move || {
        active.get().then(|| view! {
            <a class="badge sandbox" href="/sandbox/phone" title=move || t_string!(i18n, common.sandbox_title)>{t!(i18n, common.sandbox)}</a>
        })
    }
}

/// Renders the nested route only for a signed-in user; sends everyone else to the login page,
/// which brings them back here after signing in (`/login?next=/orders/12`).
///
/// Leptos runs this `Suspend` again as each awaited resource resolves, building the page again:
/// the page's own loads are shared within the render (see `app::ports::RenderMemo`), so they run
/// once per request.
#[component]
pub fn RequireLogin() -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let location = use_location();
    let i18n = use_i18n();
    view! {
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match auth.me.await {
                    Ok(Some(user)) => {
                        // The display rule comes with the user, so every time and amount on the
                        // page uses the same rule on the server and in the browser.
                        view! {
                            <Outlet/>
                            <footer class="page-foot">{user.display.clone().in_lang(crate::locale::use_lang()).summary()}</footer>
                        }.into_any()
                    }
                    Ok(None) => {
                        let here = format!(
                            "{}{}",
                            location.pathname.get_untracked(),
                            location.search.get_untracked()
                        );
                        view! { <Redirect path=login_href(&here)/> }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The sign-in page's address that returns to `here` afterwards.
pub fn login_href(here: &str) -> String {
    match safe_next(here) {
        Some(next) if next != "/" && next != "/orders" => {
            format!("/login?next={}", crate::api::urlencode(next))
        }
        _ => "/login".to_owned(),
    }
}

/// `next` when it is a path on this site (not `//evil.example` or `https://...`).
pub fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\")).then_some(next)
}

/// Renders its children for admins only; staff get a plain explanation instead of a form
/// the server would refuse. It sits under [`RequireLogin`], which has already awaited the current
/// user, so the role is read at once (no second Suspense: resources the page creates stay where
/// server rendering and hydration both expect them).
#[component]
pub fn AdminOnly(children: Children) -> impl IntoView {
    let auth = expect_context::<AuthContext>();
    let admin = auth
        .me
        .get_untracked()
        .and_then(Result::ok)
        .flatten()
        .is_some_and(|user| user.is_admin());
    if admin {
        return children().into_any();
    }
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::FORBIDDEN);
    }
    let i18n = use_i18n();
    view! {
        <leptos_meta::Title text=td_string!(i18n.get_locale_untracked(), common.admins_only.title)/>
        <section class="panel error-panel" role="alert">
            <h1>{t!(i18n, common.admins_only.title)}</h1>
            <p>{t!(i18n, common.admins_only.body)}</p>
            <p><A href="/orders">{t!(i18n, common.back_to_orders)}</A></p>
        </section>
    }
    .into_any()
}

/// The page for an address that is no page, under the usual header.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let i18n = use_i18n();
    view! {
        <leptos_meta::Title text=td_string!(i18n.get_locale_untracked(), common.not_found.title)/>
        <section class="panel error-panel">
            <h1>{t!(i18n, common.not_found.title)}</h1>
            <p>{t!(i18n, common.not_found.body)}</p>
            <p><A href="/orders">{t!(i18n, common.back_to_orders)}</A></p>
        </section>
    }
}

/// A page-level error: "403" for forbidden pages, a plain message otherwise.
#[component]
pub fn ErrorPanel(error: ApiError) -> impl IntoView {
    let locale = use_i18n().get_locale_untracked();
    let title = match error {
        ApiError::Forbidden => td_string!(locale, common.error_titles.forbidden),
        ApiError::NotFound => td_string!(locale, common.error_titles.not_found),
        ApiError::Unauthorized => td_string!(locale, common.error_titles.unauthorized),
        _ => td_string!(locale, common.error_titles.other),
    };
    view! {
        <section class="panel error-panel" role="alert">
            <h1>{title}</h1>
            <p>{error_text(&error, locale)}</p>
        </section>
    }
}

/// The field a form control's `name` stands for: `input[customer_phone]` -> `customer_phone`.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // used in the browser only
pub fn field_key(name: &str) -> &str {
    name.strip_prefix("input[")
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(name)
}

/// Marks the controls of `form` whose fields the last result refused (`aria-invalid="true"`,
/// styled with a red border), clears the others, and moves focus to the first refused one.
pub fn mark_invalid_fields<T, V>(form: NodeRef<leptos::html::Form>, value: V)
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, ApiError>>> + Copy + Send + Sync + 'static,
{
    Effect::new(move |_| {
        let fields: Vec<String> = value.with(|result| match result {
            Some(Err(error)) => error
                .field_errors()
                .iter()
                .map(|f| f.field.clone())
                .collect(),
            _ => Vec::new(),
        });
        let Some(form) = form.get() else { return };
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let controls = form.elements();
            let mut first: Option<web_sys::HtmlElement> = None;
            for index in 0..controls.length() {
                let Some(control) = controls.item(index) else {
                    continue;
                };
                let Some(name) = control.get_attribute("name") else {
                    continue;
                };
                if fields.iter().any(|field| field == field_key(&name)) {
                    let _ = control.set_attribute("aria-invalid", "true");
                    if first.is_none() {
                        first = control.dyn_into::<web_sys::HtmlElement>().ok();
                    }
                } else {
                    let _ = control.remove_attribute("aria-invalid");
                }
            }
            if let Some(control) = first {
                let _ = control.focus();
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (form, fields);
    });
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
    let locale = use_i18n().get_locale_untracked();
    move || match value.get() {
        Some(Err(error)) if error.field_errors().is_empty() => {
            Some(view! { <p class="banner error" role="alert">{error_text(&error, locale)}</p> })
        }
        _ => None,
    }
}

/// An error as the reader's language says it; the server's own words through
/// [`server_words`] (those it does not know, e.g. Twilio's explanation, as written).
pub fn error_text(error: &ApiError, locale: Locale) -> String {
    let wait = |seconds: u32| match seconds {
        0..120 => count_text(
            locale,
            u64::from(seconds),
            td_string!(locale, common.errors.seconds.one),
            td_string!(locale, common.errors.seconds.other),
        ),
        _ => count_text(
            locale,
            u64::from(seconds.div_ceil(60)),
            td_string!(locale, common.errors.minutes.one),
            td_string!(locale, common.errors.minutes.other),
        ),
    };
    match error {
        ApiError::Unauthorized => td_string!(locale, common.errors.unauthorized).to_owned(),
        ApiError::Forbidden => td_string!(locale, common.errors.forbidden).to_owned(),
        ApiError::NotFound => td_string!(locale, common.errors.not_found).to_owned(),
        ApiError::InvalidCredentials => {
            td_string!(locale, common.errors.invalid_credentials).to_owned()
        }
        ApiError::TooManyAttempts {
            retry_after_seconds,
        } => fill(
            td_string!(locale, common.errors.too_many_attempts),
            &[("wait", &wait(*retry_after_seconds))],
        ),
        ApiError::Busy {
            retry_after_seconds,
        } => fill(
            td_string!(locale, common.errors.busy),
            &[("wait", &wait(*retry_after_seconds))],
        ),
        ApiError::ShuttingDown => td_string!(locale, common.errors.shutting_down).to_owned(),
        ApiError::Internal => td_string!(locale, common.errors.internal).to_owned(),
        ApiError::Conflict(words) | ApiError::BadRequest(words) => server_words(words, locale),
        other => other.to_string(),
    }
}

/// "admin" / "staff" in the reader's language.
pub fn role_label(role: crate::api::Role, locale: Locale) -> &'static str {
    match role {
        crate::api::Role::Admin => td_string!(locale, common.role.admin),
        crate::api::Role::Staff => td_string!(locale, common.role.staff),
    }
}

/// The message for `field` in the last result of an action, as a signal for [`FieldMessage`].
pub fn field_error<T, V>(value: V, field: &'static str) -> Signal<Option<String>>
where
    T: Send + Sync + 'static,
    V: With<Value = Option<Result<T, ApiError>>> + Copy + Send + Sync + 'static,
{
    let locale = use_i18n().get_locale_untracked();
    Signal::derive(move || {
        value.with(|result| match result {
            Some(Err(error)) => field_message(error.field_errors(), field)
                .map(|message| server_words(&message, locale)),
            _ => None,
        })
    })
}

/// Opens `dialog` as a modal (focus trapped, Escape closes it) when `open`, closes it otherwise;
/// in the browser only (the server renders it closed). Call from an effect.
pub fn show_modal(dialog: NodeRef<leptos::html::Dialog>, open: bool) {
    #[cfg(feature = "hydrate")]
    if let Some(element) = dialog.get() {
        if open && !element.open() {
            let _ = element.show_modal();
        } else if !open && element.open() {
            element.close();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (dialog, open);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_keys_and_return_addresses() {
        assert_eq!(field_key("input[customer_phone]"), "customer_phone");
        assert_eq!(field_key("email"), "email");
        assert_eq!(login_href("/orders/12"), "/login?next=%2Forders%2F12");
        assert_eq!(login_href("/orders"), "/login");
        assert_eq!(safe_next("//evil.example/x"), None);
        assert_eq!(safe_next("https://evil.example"), None);
        assert_eq!(safe_next("/orders?q=1"), Some("/orders?q=1"));
    }
}
