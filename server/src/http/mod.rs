//! The HTTP surface: one axum router that serves the Leptos pages and server functions, the JSON
//! API and static files, behind the session, current-user and same-origin layers.

mod api_orders;
pub mod assets;
pub mod error;
pub mod headers;
mod health;
pub mod origin;

use crate::auth::session::{self, AnyStore, UserResolver};
use crate::orders::OrdersService;
use app::ports::Ports;
use app::{shell, App};
use axum::extract::{FromRef, Request, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, handle_server_fns_with_context, LeptosRoutes};
use sea_orm::DatabaseConnection;

/// Everything handlers need, split into sub-states with `FromRef`.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub ports: Ports,
    pub orders: OrdersService,
    pub instance: health::Instance,
    pub settings: crate::settings::SettingsHandle,
    pub hub: crate::realtime::Hub,
    pub origin: origin::OriginPolicy,
    /// The server's own URL, used for Twilio URLs when no public base URL is configured.
    pub public_fallback: PublicFallback,
    /// The single writer of call statuses (see `calls::writer`).
    pub status_writer: crate::calls::writer::StatusWriter,
    /// The key Media Streams tokens are derived with (see `calls::media_token`).
    pub media_tokens: crate::calls::media_token::MediaTokenKey,
    /// The slots of Media Streams sockets awaiting their token check (see `webhooks::media`).
    pub pending_streams: crate::webhooks::PendingStreams,
    /// What each call's agent needs (see `calls::agent`).
    pub agents: crate::calls::agent::AgentDeps,
    /// Re-checks the sessions of long-lived sockets (see `realtime::ws`).
    pub sessions: session::SessionChecker,
    /// What the SMS webhooks need (see `sms`).
    pub sms: crate::sms::SmsContext,
    /// The emulated Twilio and its softphones (see `sandbox`).
    pub sandbox: crate::sandbox::Sandbox,
    /// Set on SIGTERM (readiness, refusing new work).
    pub drain: crate::drain::Drain,
    /// What `/metrics` reads.
    pub metrics: crate::metrics::MetricsState,
}

/// The server's own URL (`PUBLIC_BASE_URL` at start, or `http://` + the site address).
#[derive(Clone, Debug)]
pub struct PublicFallback(pub String);

pub use health::Instance;

/// Settings of the layers around the router.
pub struct LayerConfig {
    pub store: AnyStore,
    pub secure_cookies: bool,
    pub session_inactivity: std::time::Duration,
    pub client_ip: session::ClientIpSource,
}

async fn server_fn_handler(State(state): State<AppState>, request: Request) -> impl IntoResponse {
    let ports = state.ports.clone();
    handle_server_fns_with_context(move || provide_context(ports.clone()), request).await
}

/// Static files (see [`assets`]); anything else gets the app's "not found" page, with the same
/// header and context as every other page.
async fn static_or_not_found(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    request: Request,
) -> axum::response::Response {
    if let Some(response) =
        assets::serve(&uri, request.headers(), &state.leptos_options.site_root).await
    {
        return response;
    }
    let ports = state.ports.clone();
    let options = state.leptos_options.clone();
    let reload_port = headers::reload_port(&options);
    let render = leptos_axum::render_app_to_stream_with_context(
        move || {
            provide_context(ports.clone());
            headers::set_page_policy(reload_port);
        },
        move || shell(options.clone()),
    );
    let mut response = render(request).await;
    if response.status() == axum::http::StatusCode::OK {
        *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
    }
    response
}

/// Builds the whole application router.
pub fn router(state: AppState, layers: LayerConfig) -> Router {
    let routes = generate_route_list(App);
    let ports = state.ports.clone();
    let options = state.leptos_options.clone();
    let reload_port = headers::reload_port(&options);
    let resolver = UserResolver {
        db: state.db.clone(),
        client_ip: layers.client_ip,
        session_inactivity: layers.session_inactivity,
    };
    Router::new()
        .route("/api/v1/health", get(health::health))
        .route("/api/v1/ready", get(health::ready))
        .route("/metrics", get(crate::metrics::render))
        .route("/api/v1/orders", post(api_orders::create))
        .route("/api/v1/live", get(crate::realtime::ws::live))
        .merge(crate::webhooks::router())
        .nest_service("/sandbox/twilio", state.sandbox.rest_router())
        .route("/sandbox/phone/ws", get(crate::sandbox::phone_ws::upgrade))
        .route(
            "/api/{*fn_name}",
            post(server_fn_handler).get(server_fn_handler),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(ports.clone());
                provide_context(app::ports::RenderMemo::default());
                headers::set_page_policy(reload_port);
            },
            move || shell(options.clone()),
        )
        .fallback(static_or_not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.origin.clone(),
            origin::check_origin,
        ))
        .layer(axum::middleware::from_fn_with_state(
            resolver,
            session::resolve_user,
        ))
        .layer(session::layer(
            layers.store,
            layers.secure_cookies,
            layers.session_inactivity,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.origin.clone(),
            headers::security_headers,
        ))
        .with_state(state)
}
