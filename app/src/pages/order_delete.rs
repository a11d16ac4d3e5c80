//! "Delete order" on the order page (admins): for an order created by mistake. The server
//! refuses once the order has calls or texts (they stay on record with it); the refusal shows in
//! the dialog.

use crate::i18n::{t, td_string, use_i18n};
use crate::locale::{fill, use_locale};
use crate::pages::layout::{action_error, show_modal};
use crate::server_fns::orders::DeleteOrder;
use crate::{AuthContext, Flash};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// The button and its confirmation dialog; nothing for staff.
#[component]
pub fn DeleteOrderButton(order_id: i64, number: String) -> impl IntoView {
    let admin = expect_context::<AuthContext>()
        .me
        .get_untracked()
        .and_then(Result::ok)
        .flatten()
        .is_some_and(|user| user.is_admin());
    if !admin {
        return ().into_any();
    }
    let i18n = use_i18n();
    let locale = use_locale();
    let open = RwSignal::new(false);
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    Effect::new(move |_| show_modal(dialog, open.get()));
    let action = ServerAction::<DeleteOrder>::new();
    let value = action.value();
    let flash = expect_context::<Flash>();
    let navigate = use_navigate();
    let deleted = fill(
        td_string!(locale, orders.delete.done),
        &[("number", &number)],
    );
    Effect::new(move |_| {
        if let Some(Ok(())) = value.get() {
            open.set(false);
            flash.show(deleted.clone());
            navigate("/orders", Default::default());
        }
    });
    let question = fill(
        td_string!(locale, orders.delete.question),
        &[("number", &number)],
    );
    view! {
        <button type="button" class="danger" on:click=move |_| open.set(true)>
            {t!(i18n, orders.delete.button)}
        </button>
        // A native modal dialog: focus stays inside it and Escape closes it.
        <dialog class="call-dialog" node_ref=dialog aria-labelledby="delete-order-title"
            on:close=move |_| open.set(false)>
            <h2 id="delete-order-title">{question}</h2>
            <p>{t!(i18n, orders.delete.explain)}</p>
            <ActionForm action>
                <input type="hidden" name="id" value=order_id/>
                {action_error(value)}
                <div class="form-actions">
                    <button type="submit" class="danger">{t!(i18n, orders.delete.confirm)}</button>
                    <button type="button" on:click=move |_| open.set(false)>{t!(i18n, orders.delete.cancel)}</button>
                </div>
            </ActionForm>
        </dialog>
    }
    .into_any()
}
