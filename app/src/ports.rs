//! Port traits: the only way server functions reach the backend. The `server` crate implements
//! them and hands them to Leptos with `provide_context`, so this crate never depends on `server`
//! (see the hexagonal-architecture project in the Leptos repository). Server-only.

use crate::api::{
    ApiError, ApiTokenSummary, AuditEntry, CallJournal, CallReadiness, CallView, ConnectionTest,
    CreatedApiToken, ImportReport, OrderDetail, OrderInput, OrderPage, OrderStatus, Provider,
    Recipient, Role, Section, SessionUser, SettingKey, SettingView, UserSummary,
};
use crate::api::{
    BatchProgress, BulkSelection, BulkSmsReport, OrderSmsData, SmsMessageView, SmsRecipients,
    SmsTemplateInput, SmsTemplateView,
};
use std::net::IpAddr;
use std::sync::Arc;
use tower_sessions::Session;

/// The signed-in account of the current request, put into the request extensions by the server's
/// session middleware after it checked that the account is still active.
#[derive(Debug, Clone, Default)]
pub struct CurrentUser(pub Option<SessionUser>);

/// The client address of the current request (the peer, or the client entry of `X-Forwarded-For`
/// when the server is configured to trust its proxies), put into the request extensions by the
/// server.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

/// Sign-in, sign-out and the first-admin setup.
#[async_trait::async_trait]
pub trait AuthPort: Send + Sync {
    /// Checks the password (limited per email+IP pair and per IP; 503 when every hashing slot is
    /// busy) and binds the session to the user.
    async fn login(
        &self,
        session: &Session,
        email: &str,
        password: &str,
        ip: IpAddr,
        agent: Option<&str>,
    ) -> Result<SessionUser, ApiError>;
    /// Ends the session.
    async fn logout(&self, session: &Session) -> Result<(), ApiError>;
    /// Whether any account exists (the sign-in page explains the first-admin link otherwise).
    async fn has_users(&self) -> Result<bool, ApiError>;
    /// Whether the setup token is valid and no user exists yet.
    async fn setup_token_valid(&self, token: &str) -> Result<bool, ApiError>;
    /// Creates the first admin with a single-use setup token and signs them in.
    async fn complete_setup(
        &self,
        session: &Session,
        token: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> Result<SessionUser, ApiError>;
}

/// A user's own account (their profile page). Each call acts on the signed-in user only.
#[async_trait::async_trait]
pub trait AccountPort: Send + Sync {
    /// Name, email, language and the signed-in sessions (`session` is the current one).
    async fn profile(
        &self,
        user: &SessionUser,
        session: &Session,
    ) -> Result<crate::api::Profile, ApiError>;
    /// Saves the name and the language (`None`: the browser's).
    async fn save_profile(
        &self,
        user: &SessionUser,
        name: &str,
        language: Option<crate::api::Lang>,
    ) -> Result<(), ApiError>;
    /// Checks the current password, sets the new one and ends every other session.
    async fn change_password(
        &self,
        user: &SessionUser,
        session: &Session,
        current: &str,
        new: &str,
    ) -> Result<(), ApiError>;
    /// Ends every session of the user, this one included.
    async fn sign_out_everywhere(
        &self,
        user: &SessionUser,
        session: &Session,
    ) -> Result<(), ApiError>;
}

/// Search parameters of the orders table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderQuery {
    /// Matches the order number (prefix), customer name (part) or phone (as typed, any format).
    pub search: String,
    pub status: Option<OrderStatus>,
    /// 1-based.
    pub page: u64,
}

/// Orders: listing, reading, writing and importing.
#[async_trait::async_trait]
pub trait OrdersPort: Send + Sync {
    async fn list(&self, query: OrderQuery) -> Result<OrderPage, ApiError>;
    async fn get(&self, id: i64) -> Result<OrderDetail, ApiError>;
    /// Creates (`id` None) or updates an order; refuses invalid fields one by one.
    async fn save(&self, id: Option<i64>, input: OrderInput) -> Result<OrderDetail, ApiError>;
    /// Loads 50 realistic demo orders; returns how many were written.
    async fn load_demo_data(&self) -> Result<u64, ApiError>;
    /// Parses a CSV file and reports each row's errors without writing anything.
    async fn preview_import(&self, csv: &str) -> Result<ImportReport, ApiError>;
    /// Writes every valid row of a CSV file and reports the rows it refused.
    async fn import(&self, csv: &str) -> Result<ImportReport, ApiError>;
    /// Deletes an order created by mistake; refused (409) once it has calls or texts, which
    /// stay on record with their order (cancel it instead).
    async fn delete(&self, actor: &SessionUser, id: i64) -> Result<(), ApiError>;
}

/// Accounts and API tokens (admin only; the server functions check the role).
#[async_trait::async_trait]
pub trait UsersPort: Send + Sync {
    async fn list_users(&self) -> Result<Vec<UserSummary>, ApiError>;
    async fn create_user(
        &self,
        name: &str,
        email: &str,
        password: &str,
        role: Role,
    ) -> Result<UserSummary, ApiError>;
    /// Sets a new password and ends the user's other sessions.
    async fn reset_password(&self, id: i64, password: &str) -> Result<(), ApiError>;
    /// Activates or deactivates; deactivation ends the user's sessions at once.
    async fn set_active(&self, actor: &SessionUser, id: i64, active: bool) -> Result<(), ApiError>;
    async fn list_api_tokens(&self) -> Result<Vec<ApiTokenSummary>, ApiError>;
    async fn create_api_token(
        &self,
        actor: &SessionUser,
        name: &str,
    ) -> Result<CreatedApiToken, ApiError>;
    async fn revoke_api_token(&self, id: i64) -> Result<(), ApiError>;
}

/// Settings > Connections (admin only; the server functions check the role).
#[async_trait::async_trait]
pub trait SettingsPort: Send + Sync {
    /// Every setting as the page shows it (secrets as hints only).
    async fn list(&self) -> Result<Vec<SettingView>, ApiError>;
    /// Validates and stores one value (an empty value clears optional keys); records the change.
    async fn save(
        &self,
        actor: &SessionUser,
        key: SettingKey,
        value: &str,
    ) -> Result<SettingView, ApiError>;
    /// Recent changes, newest first.
    async fn audit(&self) -> Result<Vec<AuditEntry>, ApiError>;
    /// Runs a section's connection test with the current settings.
    async fn test(&self, section: Section) -> Result<ConnectionTest, ApiError>;
    /// The business's time zone and currency, for every page (staff included).
    fn display(&self) -> crate::api::DisplayPrefs;
}

/// Outbound calls (staff and admin).
#[async_trait::async_trait]
pub trait CallsPort: Send + Sync {
    /// Whether calls can be placed now, and the default provider.
    async fn readiness(&self) -> Result<CallReadiness, ApiError>;
    /// Creates the call record, then asks Twilio to place the call. A demo order is only called
    /// with `confirm_demo` (its numbers are reserved for fiction).
    async fn place(
        &self,
        actor: &SessionUser,
        order_id: i64,
        recipient: Recipient,
        provider: Provider,
        purpose: &str,
        confirm_demo: bool,
    ) -> Result<CallView, ApiError>;
    /// Asks Twilio to end a call (cancel while queued or ringing).
    async fn hang_up(&self, call_id: i64) -> Result<CallView, ApiError>;
    /// The calls of an order, newest first.
    async fn for_order(&self, order_id: i64) -> Result<Vec<CallView>, ApiError>;
    /// What was said and done on each call of an order (transcript, tool calls, usage,
    /// latency), newest call first.
    async fn journals(&self, order_id: i64) -> Result<Vec<CallJournal>, ApiError>;
}

/// Text messages (staff; templates: admin, checked by the server functions).
#[async_trait::async_trait]
pub trait SmsPort: Send + Sync {
    /// What the composer of an order needs (templates rendered for it, texts and replies so far);
    /// marks the order's replies read.
    async fn order_data(&self, order_id: i64) -> Result<OrderSmsData, ApiError>;
    /// Writes the text to the outbox for each recipient (refusing opted-out numbers and orders
    /// without a number, field by field); the worker sends it.
    async fn send(
        &self,
        actor: &SessionUser,
        order_id: i64,
        recipients: SmsRecipients,
        body: &str,
    ) -> Result<Vec<SmsMessageView>, ApiError>;
    /// A bulk send: `order_ids` (or every order matching `search`/`status` when `all_matching`),
    /// `template_id` rendered per order. `confirm`: write the batch; else only the preview.
    async fn bulk(
        &self,
        actor: &SessionUser,
        selection: BulkSelection,
        template_id: i64,
        confirm: bool,
    ) -> Result<BulkSmsReport, ApiError>;
    /// Where a bulk send stands.
    async fn progress(&self, batch_id: i64) -> Result<BatchProgress, ApiError>;
    /// Cancels what a bulk send has not sent yet.
    async fn cancel(&self, batch_id: i64) -> Result<BatchProgress, ApiError>;
    async fn templates(&self) -> Result<Vec<SmsTemplateView>, ApiError>;
    /// Creates (`id` None) or updates a template; an unknown placeholder is refused by name.
    async fn save_template(
        &self,
        id: Option<i64>,
        input: SmsTemplateInput,
    ) -> Result<SmsTemplateView, ApiError>;
    async fn delete_template(&self, id: i64) -> Result<(), ApiError>;
    /// Replies nobody has read.
    async fn unread_replies(&self) -> Result<u64, ApiError>;
}

/// The ports bundled for `provide_context`.
#[derive(Clone)]
pub struct Ports {
    pub auth: Arc<dyn AuthPort>,
    pub account: Arc<dyn AccountPort>,
    pub orders: Arc<dyn OrdersPort>,
    pub users: Arc<dyn UsersPort>,
    pub settings: Arc<dyn SettingsPort>,
    pub calls: Arc<dyn CallsPort>,
    pub sms: Arc<dyn SmsPort>,
    pub sandbox: Arc<dyn SandboxPort>,
}

/// The sandbox (emulated Twilio) as the softphone page sees it (staff).
#[async_trait::async_trait]
pub trait SandboxPort: Send + Sync {
    /// The account, the phones worth picking and the failure numbers.
    async fn info(&self) -> Result<crate::api::SandboxInfo, ApiError>;
    /// Whether the sandbox stands in for Twilio now.
    fn active(&self) -> bool;
}

/// The ports of the running server, or an internal error when the context lacks them.
pub fn ports() -> Result<Ports, ApiError> {
    leptos::prelude::use_context::<Ports>().ok_or(ApiError::Internal)
}

/// Sets the HTTP status of the response (for server functions and server-rendered pages), and
/// `Retry-After` on refusals that end by themselves.
pub fn set_status(error: &ApiError) {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(status) = http::StatusCode::from_u16(error.status_code()) {
            response.set_status(status);
        }
        if let Some(seconds) = error.retry_after_seconds() {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
    }
}

/// Fails with the status set when `result` is an error (so the HTTP answer carries it too).
pub fn with_status<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        set_status(error);
    }
    result
}

/// The browser's `User-Agent` (what the profile's list of sessions shows), if sent.
pub async fn user_agent() -> Option<String> {
    let headers = leptos_axum::extract::<http::HeaderMap>().await.ok()?;
    let agent = headers.get(http::header::USER_AGENT)?.to_str().ok()?;
    Some(agent.to_owned())
}

/// The signed-in user, if any.
pub async fn current_user() -> Result<Option<SessionUser>, ApiError> {
    let axum::Extension(CurrentUser(user)) = leptos_axum::extract::<axum::Extension<CurrentUser>>()
        .await
        .map_err(|_| ApiError::Internal)?;
    Ok(user)
}

/// The signed-in user, or 401.
pub async fn require_user() -> Result<SessionUser, ApiError> {
    with_status(current_user().await?.ok_or(ApiError::Unauthorized))
}

/// The signed-in admin, or 401/403.
pub async fn require_admin() -> Result<SessionUser, ApiError> {
    let user = require_user().await?;
    if user.is_admin() {
        Ok(user)
    } else {
        with_status(Err(ApiError::Forbidden))
    }
}

/// The session of the current request.
pub async fn session() -> Result<Session, ApiError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|_| ApiError::Internal)
}

/// The client IP of the current request.
pub async fn client_ip() -> Result<IpAddr, ApiError> {
    let axum::Extension(ClientIp(ip)) = leptos_axum::extract::<axum::Extension<ClientIp>>()
        .await
        .map_err(|_| ApiError::Internal)?;
    Ok(ip)
}

/// Data loaded while the server renders one page, shared by the rest of that render.
///
/// Leptos renders a suspended part of a page more than once, and a page component built again
/// creates its resources again: without this, the orders page ran its search three times per
/// request (the three loads start together, so the first one's result is shared, not just
/// cached). The server provides one `RenderMemo` per rendered request; server functions called
/// over HTTP have none and always run.
#[derive(Clone, Default)]
pub struct RenderMemo(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<MemoKey, MemoCell>>>,
);

/// The server function and its arguments, and the result type (one cell per type, so a cell is
/// always of the type asked for).
type MemoKey = (String, std::any::TypeId);
/// A `tokio::sync::OnceCell<T>` for the `T` of its key.
type MemoCell = Arc<dyn std::any::Any + Send + Sync>;

/// Runs `load` once per key during one server render (see [`RenderMemo`]); the key names the
/// server function and its arguments.
pub async fn memo<T, F>(key: String, load: impl FnOnce() -> F) -> T
where
    T: Clone + Send + Sync + 'static,
    F: std::future::Future<Output = T>,
{
    let cell = leptos::prelude::use_context::<RenderMemo>().and_then(|memo| {
        let mut map = memo.0.lock().ok()?;
        let cell = map
            .entry((key, std::any::TypeId::of::<T>()))
            .or_insert_with(|| Arc::new(tokio::sync::OnceCell::<T>::new()));
        cell.clone().downcast::<tokio::sync::OnceCell<T>>().ok()
    });
    match cell {
        Some(cell) => cell.get_or_init(load).await.clone(),
        None => load().await,
    }
}
