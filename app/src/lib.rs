//! The Orderline web app: routes, pages and server functions, rendered on the server and hydrated
//! in the browser. Wire types are in [`api`]; server functions reach the backend only through the
//! port traits in `ports` (server-only), which the `server` crate implements.

// The orders page's view type is deep (its table, filters and bulk dialog in one tree).
#![recursion_limit = "256"]

pub mod api;
pub mod live;
pub mod locale;
mod pages;
pub mod server_fns;
pub mod sms;

#[cfg(feature = "ssr")]
pub mod ports;

/// The translations of `app/locales`, checked at compile time: `t!(i18n, common.nav.orders)` names a
/// key that exists in every language. (The build-script generator leptos_i18n now prefers needs
/// ICU data tooling at build time; the macro reads the same files.)
#[allow(deprecated)]
mod translations {
    leptos_i18n::load_locales!();
}
pub use translations::i18n;

use crate::api::SessionUser;
use crate::pages::{
    import::ImportPage,
    layout::{AdminOnly, Header, NotFound, RequireLogin},
    login::LoginPage,
    order::{OrderEditPage, OrderNewPage, OrderPage},
    orders::OrdersPage,
    profile::ProfilePage,
    settings::SettingsPage,
    setup::SetupPage,
    softphone::SoftphonePage,
    tokens::TokensPage,
    users::UsersPage,
};
use crate::server_fns::auth::{get_me, CompleteSetup, Login, Logout};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Html, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path, SsrMode,
};

/// The HTML document around the app (server-side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // `orderline.css`, or `orderline-<hash>.css` in a release binary (see `cargo xtask dist`).
    let stylesheet = format!("/{}/{}.css", options.site_pkg_dir, options.output_name);
    view! {
        <!DOCTYPE html>
        // `lang` is the page's language, set by the translation context (`I18nContextProvider`).
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="stylesheet" href=stylesheet/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Session state shared by every page: the current user and the actions that change it.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub me: Resource<Result<Option<SessionUser>, api::ApiError>>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
    /// The first-admin setup also signs someone in.
    pub setup: ServerAction<CompleteSetup>,
}

/// A one-time message for the next page ("Order D-1012 saved."), shown by that page and cleared
/// when it is left. Browser-only by nature: it is empty while the server renders.
#[derive(Clone, Copy)]
pub struct Flash(RwSignal<Option<String>>);

impl Flash {
    pub fn show(&self, message: String) {
        self.0.set(Some(message));
    }

    pub fn message(&self) -> Option<String> {
        self.0.get()
    }

    pub fn clear(&self) {
        let _ = self.0.try_set(None);
    }
}

/// The display rule for a signed-in page: it comes with the current user, which
/// [`RequireLogin`](pages::layout::RequireLogin) has loaded before any signed-in page renders.
pub fn use_display() -> api::DisplayPrefs {
    use_context::<AuthContext>()
        .and_then(|auth| auth.me.get_untracked())
        .and_then(Result::ok)
        .flatten()
        .map(|user| user.display)
        .unwrap_or_default()
        .in_lang(locale::use_lang())
}

/// The root component.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = locale::provide();
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let setup = ServerAction::<CompleteSetup>::new();
    let me = Resource::new(
        move || {
            (
                login.version().get(),
                logout.version().get(),
                setup.version().get(),
            )
        },
        |_| get_me(),
    );
    provide_context(AuthContext {
        me,
        login,
        logout,
        setup,
    });
    provide_context(Flash(RwSignal::new(None)));
    let live = live::LiveCalls::new();
    provide_context(live);
    // Signed-in pages get live call status; the socket is opened once, in the browser.
    Effect::new(move |_| {
        if let Some(Ok(Some(_))) = me.get() {
            live.start();
        }
    });

    // Signed in as a user whose profile speaks another language than this page: reload in it.
    Effect::new(move |_| {
        if let Some(Ok(user)) = login.value().get() {
            if user.language.is_some_and(|lang| lang != locale::use_lang()) {
                locale::reload_in_profile_language();
            }
        }
    });

    // Lets end-to-end tests (and people reading the DOM) know when the page is interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        // The page's language, which the browser hydrates in (see `locale`).
        <Html attr:lang=move || locale::lang_of(i18n.get_locale()).code() attr:dir="ltr"/>
        // Each page sets its own title ("Order D-1012"); the site name follows it.
        <Title formatter=|text: String| {
            if text.is_empty() { "Orderline".to_owned() } else { format!("{text} · Orderline") }
        }/>
        <Router>
            <Header/>
            <main>
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/setup") view=SetupPage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("") view=RequireLogin ssr=SsrMode::Async>
                        <Route path=path!("") view=|| view! { <Redirect path="/orders"/> }/>
                        <Route path=path!("orders") view=OrdersPage/>
                        <Route path=path!("orders/new") view=OrderNewPage/>
                        <Route path=path!("orders/import") view=ImportPage/>
                        <Route path=path!("orders/:id") view=OrderPage/>
                        <Route path=path!("orders/:id/edit") view=OrderEditPage/>
                        <Route path=path!("admin/users") view=|| view! { <AdminOnly><UsersPage/></AdminOnly> }/>
                        <Route path=path!("admin/api-tokens") view=|| view! { <AdminOnly><TokensPage/></AdminOnly> }/>
                        <Route path=path!("admin/settings") view=|| view! { <AdminOnly><SettingsPage/></AdminOnly> }/>
                        <Route path=path!("sandbox/phone") view=SoftphonePage/>
                        <Route path=path!("profile") view=ProfilePage/>
                        // Short addresses people type lead to their first page.
                        <Route path=path!("settings") view=|| view! { <Redirect path="/admin/settings"/> }/>
                        <Route path=path!("admin") view=|| view! { <Redirect path="/admin/users"/> }/>
                        <Route path=path!("sandbox") view=|| view! { <Redirect path="/sandbox/phone"/> }/>
                    </ParentRoute>
                </Routes>
            </main>
        </Router>
    }
}
