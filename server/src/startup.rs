//! Building the application: connect and migrate the database, bootstrap the first admin, wire
//! the services into the router, and bind the listener (port 0 in tests).

use crate::auth::{self, session::AnyStore, AuthService};
use crate::calls::media_token::MediaTokenKey;
use crate::calls::reconciler::Reconciler;
use crate::calls::writer::StatusWriter;
use crate::calls::CallsService;
use crate::config::Config;
use crate::db;
use crate::http::{self, AppState, Instance, LayerConfig};
use crate::orders::OrdersService;
use crate::settings::{SettingsHandle, SettingsService};
use crate::users::UsersService;
use app::api::SettingKey;
use app::ports::Ports;
use axum::Router;
use leptos::prelude::LeptosOptions;
use sea_orm::DatabaseConnection;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// A built, bound, not yet serving application.
pub struct Application {
    listener: TcpListener,
    router: Router,
    /// The bound port (useful when the configured port was 0).
    pub port: u16,
    /// The one-time first-admin link, when the database had no users.
    pub setup_link: Option<String>,
    pub db: DatabaseConnection,
    pub instance: Instance,
    pub settings: SettingsHandle,
    /// The call reconciler, already running; tests run extra rounds with a clock of their own.
    pub reconciler: Reconciler,
    /// The live status hub (what a call's bridge and journal publish to).
    pub hub: crate::realtime::Hub,
    /// The emulated Twilio (on while Twilio is not configured, or with `TWILIO_SANDBOX=1`).
    pub sandbox: crate::sandbox::Sandbox,
    /// Demo orders loaded at this start because the database was new (none otherwise).
    pub demo_orders_loaded: u64,
    /// Set when shutting down (see `drain`).
    pub drain: crate::drain::Drain,
    /// The audio bridges running here (a shutdown waits for them).
    pub live: crate::calls::live::LiveBridges,
    /// The SMS outbox worker (a shutdown waits for the text it is posting).
    outbox: tokio::task::JoinHandle<()>,
}

/// The Leptos options for the configured address. A binary with the site embedded (`cargo xtask
/// dist`) names its own files; otherwise the site is read from the folder the environment names
/// (`LEPTOS_SITE_ROOT`, `LEPTOS_SITE_PKG_DIR`, `LEPTOS_OUTPUT_NAME`, as `cargo xtask` and
/// cargo-leptos set them).
pub fn leptos_options(site_addr: SocketAddr) -> LeptosOptions {
    let env =
        |name: &str, default: &str| std::env::var(name).unwrap_or_else(|_| default.to_owned());
    let output_name = match crate::http::assets::embedded_output_name() {
        Some(embedded) => embedded.to_owned(),
        None => env("LEPTOS_OUTPUT_NAME", "orderline"),
    };
    LeptosOptions::builder()
        .output_name(output_name)
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(site_addr)
        .build()
}

impl Application {
    /// Connects, migrates, bootstraps and binds `config.site_addr`.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = db::connect_and_migrate(&config.database_url).await?;
        let hasher = auth::password::Hasher::new(config.password_hash_concurrency);
        let setup_link = auth::bootstrap(
            &db,
            &hasher,
            config.bootstrap_admin.as_ref(),
            &config.public_base_url,
        )
        .await?;
        let store = AnyStore::for_database(&db).await?;
        store.spawn_expiry_task(std::time::Duration::from_secs(600));
        auth::spawn_attempt_pruning(db.clone(), std::time::Duration::from_secs(600));

        let instance = Instance::new();
        // Live events, hang-ups and settings changes between instances on one PostgreSQL.
        let (cluster, cluster_outbox) = crate::realtime::cluster::Relay::for_database(&db);
        // One HTTP client (one connection pool) for every outgoing request to Twilio and to the
        // public URL check.
        let http = reqwest::Client::builder().build()?;
        let (settings, settings_handle) = SettingsService::start(
            db.clone(),
            config.secret_key.clone(),
            config.setting_overrides.clone(),
            config.external_urls.clone(),
            instance.id.clone(),
            http.clone(),
        )
        .await?;
        settings.attach_cluster(cluster.clone());
        let listener = TcpListener::bind(config.site_addr).await?;
        let bound = listener.local_addr()?;
        let orders = OrdersService {
            db: db.clone(),
            region: config.default_region,
        };
        let sandbox = start_sandbox(
            &config,
            &db,
            &http,
            (&settings, settings_handle.clone()),
            bound,
        )
        .await?;
        // A new database (no users yet) in the sandbox gets the demo orders: a first call is
        // one click away.
        let demo_orders_loaded = if setup_link.is_some()
            && settings_handle.current().sandbox().is_some()
            && crate::db::repo::orders::count_all(&db).await? == 0
        {
            use app::ports::OrdersPort;
            orders
                .load_demo_data()
                .await
                .map_err(|e| anyhow::anyhow!("loading the demo orders: {e}"))?
        } else {
            0
        };
        let hub = crate::realtime::Hub::with_cluster(db.clone(), cluster);
        let public_fallback = config
            .public_base_url
            .as_str()
            .trim_end_matches('/')
            .to_owned();
        let status_writer = StatusWriter::spawn(db.clone(), hub.clone());
        let reconciler = Reconciler {
            db: db.clone(),
            settings: settings_handle.clone(),
            http: http.clone(),
            twilio_api_base: config.external_urls.twilio_api_base.clone(),
            writer: status_writer.clone(),
        };
        reconciler.clone().spawn();
        let live = crate::calls::live::LiveBridges::default();
        if let Some(outbox) = cluster_outbox {
            let handlers = crate::realtime::cluster::Handlers {
                hub: hub.clone(),
                live: live.clone(),
                settings: settings.clone(),
            };
            crate::realtime::cluster::start(&db, outbox, &instance.id, handlers);
        }
        let agents = crate::calls::agent::AgentDeps {
            db: db.clone(),
            hub: hub.clone(),
            settings: settings_handle.clone(),
            http: http.clone(),
            urls: config.external_urls.clone(),
            live: live.clone(),
            capture_dir: config.data_dir.join("captures"),
        };
        let sms = crate::sms::SmsContext {
            db: db.clone(),
            settings: settings_handle.clone(),
            hub: hub.clone(),
            http: http.clone(),
            twilio_api_base: config.external_urls.twilio_api_base.clone(),
            fallback_public_url: public_fallback.clone(),
            wake: Default::default(),
        };
        crate::sms::templates::seed_defaults(&db).await?;
        let drain = crate::drain::Drain::default();
        let outbox = tokio::spawn(
            crate::sms::outbox::Outbox::new(sms.clone(), config.sms_outbox)
                .stopping_on(drain.clone())
                .run(),
        );
        let calls = CallsService {
            db: db.clone(),
            settings: settings_handle.clone(),
            hub: hub.clone(),
            live: live.clone(),
            http,
            twilio_api_base: config.external_urls.twilio_api_base.clone(),
            fallback_public_url: public_fallback.clone(),
            drain: drain.clone(),
        };
        let ports = Ports {
            auth: Arc::new(AuthService::new(db.clone(), hasher.clone(), hub.clone())),
            account: Arc::new(crate::users::account::AccountService {
                db: db.clone(),
                hasher: hasher.clone(),
                hub: hub.clone(),
                session_inactivity: config.session_inactivity,
            }),
            orders: Arc::new(orders.clone()),
            users: Arc::new(UsersService {
                db: db.clone(),
                hasher,
                hub: hub.clone(),
            }),
            settings: Arc::new(settings),
            calls: Arc::new(calls),
            sms: Arc::new(crate::sms::service::SmsService {
                context: sms.clone(),
                orders: orders.clone(),
            }),
            sandbox: Arc::new(sandbox.clone()),
        };
        let state = AppState {
            leptos_options: leptos_options(bound),
            db: db.clone(),
            ports,
            orders,
            instance: instance.clone(),
            settings: settings_handle.clone(),
            hub: hub.clone(),
            origin: crate::http::origin::OriginPolicy::new(settings_handle.clone(), bound.port()),
            public_fallback: crate::http::PublicFallback(public_fallback),
            status_writer,
            media_tokens: MediaTokenKey::derive(&config.secret_key),
            pending_streams: Default::default(),
            agents,
            sessions: auth::session::SessionChecker {
                store: store.clone(),
                db: db.clone(),
            },
            sms,
            sandbox: sandbox.clone(),
            drain: drain.clone(),
            metrics: crate::metrics::MetricsState {
                handle: crate::metrics::handle(),
                settings: settings_handle.clone(),
                live: live.clone(),
                db: db.clone(),
            },
        };
        let state_sandbox = sandbox;
        let layers = LayerConfig {
            store,
            secure_cookies: config.secure_cookies(),
            session_inactivity: config.session_inactivity,
            client_ip: auth::session::ClientIpSource::new(
                config.trust_proxy_headers,
                config.trusted_proxy_hops,
            ),
        };
        Ok(Application {
            listener,
            router: http::router(state, layers),
            port: bound.port(),
            setup_link,
            db,
            instance,
            settings: settings_handle,
            reconciler,
            hub,
            sandbox: state_sandbox,
            demo_orders_loaded,
            drain,
            live,
            outbox,
        })
    }

    /// Serves until Ctrl-C or SIGTERM, then drains (see [`crate::drain`]) and finishes in-flight
    /// requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` resolves, then drains: readiness turns false and new work is refused
    /// at once; the calls bridged here get the grace period (`shutdown_grace_seconds`); the
    /// outbox finishes the text it is posting; then in-flight requests finish and this returns.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        // Pages stream in several writes; without TCP_NODELAY, Nagle's algorithm and the client's
        // delayed ACK hold the later writes for up to 40 ms.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::warn!(%error, "cannot set TCP_NODELAY");
            }
        });
        let (drain, live, outbox, settings) = (self.drain, self.live, self.outbox, self.settings);
        let drained = async move {
            stop.await;
            drain.begin();
            let grace: u64 = settings
                .current()
                .get(SettingKey::ShutdownGraceSeconds)
                .parse()
                .unwrap_or(120);
            tracing::info!(calls = live.len(), grace_seconds = grace, "draining");
            crate::drain::wait_for_calls(&live, std::time::Duration::from_secs(grace)).await;
            if let Err(error) = outbox.await {
                tracing::error!(%error, "the SMS outbox ended abnormally");
            }
            tracing::info!("drained; closing the listener");
        };
        axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(drained)
        .await
    }
}

/// The sandbox (emulated Twilio): its account from `TWILIO_ACCOUNT_SID`/`TWILIO_AUTH_TOKEN` when
/// `TWILIO_SANDBOX=1` sets them, else generated once and stored.
async fn start_sandbox(
    config: &Config,
    db: &sea_orm::DatabaseConnection,
    http: &reqwest::Client,
    settings: (&SettingsService, SettingsHandle),
    bound: SocketAddr,
) -> anyhow::Result<crate::sandbox::Sandbox> {
    use crate::sandbox::credentials::SandboxCredentials;
    use crate::settings::SandboxMode;
    let mode = config.setting_overrides.sandbox;
    let pinned = |key| config.setting_overrides.pinned.get(&key).cloned();
    let given = match (
        mode,
        pinned(SettingKey::TwilioAccountSid),
        pinned(SettingKey::TwilioAuthToken),
    ) {
        (SandboxMode::Forced, Some(sid), Some(token)) => {
            let phone = pinned(SettingKey::TwilioPhoneNumber).unwrap_or_default();
            Some(
                SandboxCredentials::from_env_values(&sid, token.into(), &phone)
                    .map_err(|e| anyhow::anyhow!("TWILIO_SANDBOX=1 credentials: {e}"))?,
            )
        }
        _ => None,
    };
    // The emulator talks to this very server: on loopback, whatever address it listens on.
    let host = if bound.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        bound.ip()
    };
    let self_url = format!("http://{}", SocketAddr::new(host, bound.port()));
    crate::sandbox::Sandbox::start(
        db,
        &config.secret_key,
        http.clone(),
        settings,
        mode,
        given,
        &self_url,
        config.public_base_url.as_str().trim_end_matches('/'),
    )
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
