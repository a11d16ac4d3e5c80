//! Admin: accounts. Create staff or admins, reset passwords, deactivate.

use crate::api::UserSummary;
use crate::i18n::{t, t_string, td_string, use_i18n};
use crate::locale::{fill, use_locale};
use crate::pages::layout::{
    action_error, field_error, mark_invalid_fields, role_label, ErrorPanel, FieldMessage,
};
use crate::server_fns::users::{list_users, CreateUser, ResetPassword, SetUserActive};
use leptos::prelude::*;
use leptos_meta::Title;

/// The users page (admins only; staff get 403).
#[component]
pub fn UsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let create = ServerAction::<CreateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let toggle = ServerAction::<SetUserActive>::new();
    let users = Resource::new(
        move || (create.version().get(), toggle.version().get()),
        |_| list_users(),
    );
    let created = create.value();
    let field = move |name: &'static str| field_error(created, name);
    let form = NodeRef::<leptos::html::Form>::new();
    mark_invalid_fields(form, created);
    let rule = fill(
        td_string!(locale, common.password_rule),
        &[("min", &crate::api::PASSWORD_MIN_LENGTH.to_string())],
    );
    // A created user clears the form; the banner below names them.
    Effect::new(move |_| {
        if let Some(Ok(_)) = created.get() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <Title text=td_string!(locale, settings.users.title)/>
        <Suspense fallback=move || view! { <p class="loading">{t!(i18n, common.loading)}</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! {
                        <section class="panel wide">
                            <h1>{t!(i18n, settings.users.title)}</h1>
                            {action_error(reset.value())}
                            {action_error(toggle.value())}
                            {move || reset.value().get().and_then(Result::ok).map(|_| view! {
                                <p class="banner success" role="status">{t!(i18n, settings.users.password_changed)}</p>
                            })}
                            <table class="users">
                                <thead><tr>
                                    <th>{t!(i18n, settings.users.name)}</th><th>{t!(i18n, settings.users.email)}</th>
                                    <th>{t!(i18n, settings.users.role)}</th><th>{t!(i18n, settings.users.status)}</th>
                                    <th>{t!(i18n, settings.users.actions)}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|user| view! { <UserRow user reset toggle/> }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                }
            })}
        </Suspense>
        <section class="panel">
            <h2>{t!(i18n, settings.users.add_title)}</h2>
            <ActionForm action=create node_ref=form attr:class="inline-form" attr:novalidate=true>
                <label>{t!(i18n, settings.users.name)}<input name="name" required/></label>
                <FieldMessage message=field("name")/>
                <label>{t!(i18n, settings.users.email)}<input name="email" type="email" required/></label>
                <FieldMessage message=field("email")/>
                <label>{t!(i18n, settings.users.role)}
                    <select name="role">
                        <option value="staff" selected>{t!(i18n, settings.users.role_staff)}</option>
                        <option value="admin">{t!(i18n, settings.users.role_admin)}</option>
                    </select>
                </label>
                <label>{t!(i18n, settings.users.password)}<input name="password" type="password" autocomplete="new-password" required/></label>
                <p class="hint">{rule}</p>
                <FieldMessage message=field("password")/>
                {action_error(created)}
                <button type="submit" class="primary">{t!(i18n, settings.users.create)}</button>
            </ActionForm>
            {move || created.get().and_then(Result::ok).map(|user| view! {
                <p class="banner success" role="status">
                    {fill(td_string!(locale, settings.users.created), &[
                        ("name", &user.name),
                        ("email", &user.email),
                        ("role", role_label(user.role, locale)),
                    ])}
                </p>
            })}
        </section>
    }
}

#[component]
fn UserRow(
    user: UserSummary,
    reset: ServerAction<ResetPassword>,
    toggle: ServerAction<SetUserActive>,
) -> impl IntoView {
    let i18n = use_i18n();
    let locale = use_locale();
    let id = user.id;
    let active = user.active;
    let new_password_for = fill(
        td_string!(locale, settings.users.new_password_for),
        &[("email", &user.email)],
    );
    view! {
        <tr class:inactive=!active>
            <td>{user.name}</td>
            <td>{user.email.clone()}</td>
            <td>{role_label(user.role, locale)}</td>
            <td>{if active {
                td_string!(locale, settings.users.active)
            } else {
                td_string!(locale, settings.users.deactivated)
            }}</td>
            <td class="row-actions">
                <ActionForm action=reset attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="password" name="password"
                        placeholder=move || t_string!(i18n, settings.users.new_password)
                        aria-label=new_password_for required/>
                    <button type="submit">{t!(i18n, settings.users.reset_password)}</button>
                </ActionForm>
                <ActionForm action=toggle attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="active" value=(!active).to_string()/>
                    <button type="submit">{if active {
                        td_string!(locale, settings.users.deactivate)
                    } else {
                        td_string!(locale, settings.users.activate)
                    }}</button>
                </ActionForm>
            </td>
        </tr>
    }
}
