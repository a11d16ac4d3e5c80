//! The signed-in user's own page: name and language, password, and signed-in sessions.

use crate::api::{ActiveSession, Lang, Profile};
use crate::i18n::{t, td_string, use_i18n};
use crate::locale::{fill, use_locale};
use crate::pages::layout::{
    action_error, field_error, mark_invalid_fields, ErrorPanel, FieldMessage,
};
use crate::server_fns::account::{get_profile, ChangePassword, SaveProfile, SignOutEverywhere};
use leptos::prelude::*;
use leptos_meta::Title;

/// Reloads the whole page (a new language applies to everything), or goes to `to`.
fn reload(to: Option<&str>) {
    #[cfg(feature = "hydrate")]
    if let Some(location) = web_sys::window().map(|w| w.location()) {
        let _ = match to {
            Some(to) => location.assign(to),
            None => location.reload(),
        };
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = to;
}

/// The profile page (every signed-in user).
#[component]
pub fn ProfilePage() -> impl IntoView {
    let i18n = use_i18n();
    let save = ServerAction::<SaveProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    let profile = Resource::new(move || password.version().get(), |_| get_profile());
    // A saved profile reloads the page, in its (maybe new) language; signing out everywhere
    // leaves for the sign-in page.
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            reload(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = everywhere.value().get() {
            reload(Some("/login"));
        }
    });
    view! {
        <Title text=td_string!(use_locale(), common.profile.title)/>
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(profile) => view! {
                        <Details profile=profile.clone() save/>
                        <Password action=password/>
                        <Sessions sessions=profile.sessions everywhere/>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Details(profile: Profile, save: ServerAction<SaveProfile>) -> impl IntoView {
    let i18n = use_i18n();
    let value = save.value();
    let form = NodeRef::<leptos::html::Form>::new();
    mark_invalid_fields(form, value);
    let chosen = profile.language;
    let locale = use_locale();
    let option = move |lang: Option<Lang>| {
        let (code, label) = match lang {
            Some(lang) => (lang.code(), lang.endonym().to_owned()),
            None => (
                "",
                td_string!(locale, common.profile.browser_language).to_owned(),
            ),
        };
        view! { <option value=code selected=chosen == lang>{label}</option> }
    };
    view! {
        <section class="panel narrow">
            <h1>{t!(i18n, common.profile.title)}</h1>
            <ActionForm action=save node_ref=form attr:novalidate=true>
                <label>{t!(i18n, common.profile.name)}
                    <input name="name" value=profile.name autocomplete="name" required/>
                </label>
                <FieldMessage message=field_error(value, "name")/>
                <p class="field-value">
                    <span class="label">{t!(i18n, common.profile.email)}</span>
                    <span>{profile.email}</span>
                </p>
                <label>{t!(i18n, common.profile.language)}
                    <select name="language">
                        {option(None)}
                        {Lang::ALL.into_iter().map(|lang| option(Some(lang))).collect_view()}
                    </select>
                </label>
                <FieldMessage message=field_error(value, "language")/>
                {action_error(value)}
                <button type="submit" class="primary">{t!(i18n, common.profile.save)}</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Password(action: ServerAction<ChangePassword>) -> impl IntoView {
    let i18n = use_i18n();
    let value = action.value();
    let form = NodeRef::<leptos::html::Form>::new();
    mark_invalid_fields(form, value);
    Effect::new(move |_| {
        if let (Some(Ok(())), Some(form)) = (value.get(), form.get()) {
            form.reset();
        }
    });
    let rule = fill(
        td_string!(use_locale(), common.password_rule),
        &[("min", &crate::api::PASSWORD_MIN_LENGTH.to_string())],
    );
    view! {
        <section class="panel narrow">
            <h2>{t!(i18n, common.profile.password_title)}</h2>
            <ActionForm action node_ref=form attr:novalidate=true>
                <label>{t!(i18n, common.profile.current_password)}
                    <input type="password" name="current_password" autocomplete="current-password" required/>
                </label>
                <FieldMessage message=field_error(value, "current_password")/>
                <label>{t!(i18n, common.profile.new_password)}
                    <input type="password" name="new_password" autocomplete="new-password" required/>
                </label>
                <p class="hint">{rule}</p>
                <FieldMessage message=field_error(value, "new_password")/>
                {action_error(value)}
                <button type="submit" class="primary">{t!(i18n, common.profile.change_password)}</button>
            </ActionForm>
            {move || value.get().and_then(Result::ok).map(|_| view! {
                <p class="banner success" role="status">{t!(i18n, common.profile.password_changed)}</p>
            })}
        </section>
    }
}

#[component]
fn Sessions(
    sessions: Vec<ActiveSession>,
    everywhere: ServerAction<SignOutEverywhere>,
) -> impl IntoView {
    let i18n = use_i18n();
    let display = crate::use_display();
    let locale = use_locale();
    view! {
        <section class="panel narrow">
            <h2>{t!(i18n, common.profile.sessions_title)}</h2>
            <ul class="sessions">
                {sessions.into_iter().map(|session| {
                    let since = fill(
                        td_string!(locale, common.profile.signed_in_at),
                        &[("time", &display.short_time(session.created_at))],
                    );
                    let seen = fill(
                        td_string!(locale, common.profile.last_active),
                        &[("time", &display.short_time(session.last_seen_at))],
                    );
                    view! {
                        <li class:current=session.current>
                            <strong>{session.device}</strong>
                            {session.current.then(|| view! {
                                " "<span class="badge">{t!(i18n, common.profile.this_session)}</span>
                            })}
                            <span class="meta">{since}" · "{seen}{session.ip.map(|ip| format!(" · {ip}"))}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ActionForm action=everywhere>
                {action_error(everywhere.value())}
                <button type="submit" class="danger">{t!(i18n, common.profile.sign_out_everywhere)}</button>
            </ActionForm>
            <p class="hint">{t!(i18n, common.profile.sign_out_everywhere_hint)}</p>
        </section>
    }
}
