//! Admin: accounts and API tokens. Every function here requires the admin role.

use crate::api::{ApiError, ApiTokenSummary, CreatedApiToken, Role, UserSummary};
use leptos::prelude::*;

/// All accounts.
#[server(endpoint = "users/list")]
pub async fn list_users() -> Result<Vec<UserSummary>, ApiError> {
    use crate::ports::{memo, ports, require_admin, with_status};
    require_admin().await?;
    memo("users/list".into(), || async {
        with_status(ports()?.users.list_users().await)
    })
    .await
}

/// Creates a staff or admin account.
#[server(endpoint = "users/create")]
pub async fn create_user(
    name: String,
    email: String,
    password: String,
    role: Role,
) -> Result<UserSummary, ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    require_admin().await?;
    with_status(
        ports()?
            .users
            .create_user(&name, &email, &password, role)
            .await,
    )
}

/// Sets a new password for an account.
#[server(endpoint = "users/reset-password")]
pub async fn reset_password(id: i64, password: String) -> Result<(), ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    require_admin().await?;
    with_status(ports()?.users.reset_password(id, &password).await)
}

/// Activates or deactivates an account (deactivation signs it out everywhere at once).
#[server(endpoint = "users/set-active")]
pub async fn set_user_active(id: i64, active: bool) -> Result<(), ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    let actor = require_admin().await?;
    with_status(ports()?.users.set_active(&actor, id, active).await)
}

/// All API tokens (without their secrets).
#[server(endpoint = "tokens/list")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenSummary>, ApiError> {
    use crate::ports::{memo, ports, require_admin, with_status};
    require_admin().await?;
    memo("tokens/list".into(), || async {
        with_status(ports()?.users.list_api_tokens().await)
    })
    .await
}

/// Creates an API token; its secret is in the answer and never again.
#[server(endpoint = "tokens/create")]
pub async fn create_api_token(name: String) -> Result<CreatedApiToken, ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    let actor = require_admin().await?;
    with_status(ports()?.users.create_api_token(&actor, &name).await)
}

/// Revokes an API token.
#[server(endpoint = "tokens/revoke")]
pub async fn revoke_api_token(id: i64) -> Result<(), ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    require_admin().await?;
    with_status(ports()?.users.revoke_api_token(id).await)
}
