//! The sandbox's softphone page data (staff).

use crate::api::{ApiError, SandboxInfo};
use leptos::prelude::*;

/// The sandbox account, the phones to pick from and the failure numbers.
#[server(endpoint = "sandbox/info")]
pub async fn softphone_info() -> Result<SandboxInfo, ApiError> {
    use crate::ports::{ports, require_user, with_status};
    require_user().await?;
    with_status(ports()?.sandbox.info().await)
}

/// Whether the sandbox stands in for Twilio now.
#[server(endpoint = "sandbox/active")]
pub async fn sandbox_active() -> Result<bool, ApiError> {
    use crate::ports::{ports, require_user};
    require_user().await?;
    Ok(ports()?.sandbox.active())
}
