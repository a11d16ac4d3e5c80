//! Admin: accounts. Create staff or admins, reset passwords, deactivate.

use crate::api::UserSummary;
use crate::pages::layout::{
    action_error, field_error, mark_invalid_fields, ErrorPanel, FieldMessage,
};
use crate::server_fns::users::{list_users, CreateUser, ResetPassword, SetUserActive};
use leptos::prelude::*;
use leptos_meta::Title;

/// The users page (admins only; staff get 403).
#[component]
pub fn UsersPage() -> impl IntoView {
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
    // A created user clears the form; the banner below names them.
    Effect::new(move |_| {
        if let Some(Ok(_)) = created.get() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <Title text="Users"/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match users.await {
                    Err(error) => view! { <ErrorPanel error/> }.into_any(),
                    Ok(list) => view! {
                        <section class="panel wide">
                            <h1>"Users"</h1>
                            {action_error(reset.value())}
                            {action_error(toggle.value())}
                            {move || reset.value().get().and_then(Result::ok).map(|_| view! {
                                <p class="banner success" role="status">"Password changed."</p>
                            })}
                            <table class="users">
                                <thead><tr><th>"Name"</th><th>"Email"</th><th>"Role"</th><th>"Status"</th><th>"Actions"</th></tr></thead>
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
            <h2>"Add a user"</h2>
            <ActionForm action=create node_ref=form attr:class="inline-form" attr:novalidate=true>
                <label>"Name"<input name="name" required/></label>
                <FieldMessage message=field("name")/>
                <label>"Email"<input name="email" type="email" required/></label>
                <FieldMessage message=field("email")/>
                <label>"Role"
                    <select name="role">
                        <option value="staff" selected>"Staff"</option>
                        <option value="admin">"Admin"</option>
                    </select>
                </label>
                <label>"Password"<input name="password" type="password" autocomplete="new-password" required/></label>
                <p class="hint">{crate::api::password_rule()}</p>
                <FieldMessage message=field("password")/>
                {action_error(created)}
                <button type="submit" class="primary">"Create user"</button>
            </ActionForm>
            {move || created.get().and_then(Result::ok).map(|user| view! {
                <p class="banner success" role="status">
                    {format!("{} ({}) can now sign in as {}.", user.name, user.email, user.role.as_str())}
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
    let id = user.id;
    let active = user.active;
    view! {
        <tr class:inactive=!active>
            <td>{user.name}</td>
            <td>{user.email.clone()}</td>
            <td>{user.role.as_str()}</td>
            <td>{if active { "active" } else { "deactivated" }}</td>
            <td class="row-actions">
                <ActionForm action=reset attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="password" name="password" placeholder="New password"
                        aria-label=format!("New password for {}", user.email) required/>
                    <button type="submit">"Reset password"</button>
                </ActionForm>
                <ActionForm action=toggle attr:class="inline">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="active" value=(!active).to_string()/>
                    <button type="submit">{if active { "Deactivate" } else { "Activate" }}</button>
                </ActionForm>
            </td>
        </tr>
    }
}
