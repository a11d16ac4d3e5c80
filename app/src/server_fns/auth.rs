//! Sign-in, sign-out, the current user and the first-admin setup.

use crate::api::{ApiError, SessionUser};
use leptos::prelude::*;

/// The signed-in user, or `None`.
#[server(endpoint = "me")]
pub async fn get_me() -> Result<Option<SessionUser>, ApiError> {
    let display = crate::ports::ports()?.settings.display();
    Ok(crate::ports::current_user()
        .await?
        .map(|user| SessionUser { display, ..user }))
}

/// Signs in; on success the browser goes back to `next` (a path on this site, from a link that
/// needed a session) or to the orders page.
#[server(endpoint = "login")]
pub async fn login(
    email: String,
    password: String,
    #[server(default)] next: String,
) -> Result<SessionUser, ApiError> {
    use crate::ports::{client_ip, ports, session, user_agent, with_status};
    let ports = ports()?;
    let agent = user_agent().await;
    let result = ports
        .auth
        .login(
            &session().await?,
            &email,
            &password,
            client_ip().await?,
            agent.as_deref(),
        )
        .await;
    let user = with_status(result)?;
    leptos_axum::redirect(crate::pages::layout::safe_next(&next).unwrap_or("/orders"));
    Ok(user)
}

/// Whether no account exists yet (then the first admin comes from the setup link).
#[server(endpoint = "setup-needed")]
pub async fn setup_needed() -> Result<bool, ApiError> {
    Ok(!crate::ports::ports()?.auth.has_users().await?)
}

/// Signs out and goes back to the sign-in page.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    use crate::ports::{ports, session, with_status};
    with_status(ports()?.auth.logout(&session().await?).await)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Whether a setup link's token can still create the first admin.
#[server(endpoint = "setup-status")]
pub async fn setup_token_valid(token: String) -> Result<bool, ApiError> {
    crate::ports::ports()?.auth.setup_token_valid(&token).await
}

/// Creates the first admin from the one-time setup link and signs them in.
#[server(endpoint = "setup")]
pub async fn complete_setup(
    token: String,
    name: String,
    email: String,
    password: String,
) -> Result<SessionUser, ApiError> {
    use crate::ports::{ports, session, with_status};
    let ports = ports()?;
    let result = ports
        .auth
        .complete_setup(&session().await?, &token, &name, &email, &password)
        .await;
    let user = with_status(result)?;
    leptos_axum::redirect("/orders");
    Ok(user)
}
