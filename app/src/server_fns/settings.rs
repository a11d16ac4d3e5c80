//! Settings > Connections (admin only).

use crate::api::{ApiError, AuditEntry, ConnectionTest, Section, SettingKey, SettingView};
use leptos::prelude::*;

/// Every setting with its source; secrets only as "set, ends in …".
#[server(endpoint = "settings/list")]
pub async fn list_settings() -> Result<Vec<SettingView>, ApiError> {
    use crate::ports::{memo, ports, require_admin, with_status};
    require_admin().await?;
    memo("settings/list".into(), || async {
        with_status(ports()?.settings.list().await)
    })
    .await
}

/// Saves one field (autosave); refuses an invalid value without touching the others.
#[server(endpoint = "settings/save")]
pub async fn save_setting(key: SettingKey, value: String) -> Result<SettingView, ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    let actor = require_admin().await?;
    with_status(ports()?.settings.save(&actor, key, &value).await)
}

/// Recent settings changes.
#[server(endpoint = "settings/audit")]
pub async fn settings_audit() -> Result<Vec<AuditEntry>, ApiError> {
    use crate::ports::{memo, ports, require_admin, with_status};
    require_admin().await?;
    memo("settings/audit".into(), || async {
        with_status(ports()?.settings.audit().await)
    })
    .await
}

/// "Test connection" for one section.
#[server(endpoint = "settings/test")]
pub async fn test_connection(section: Section) -> Result<ConnectionTest, ApiError> {
    use crate::ports::{ports, require_admin, with_status};
    require_admin().await?;
    with_status(ports()?.settings.test(section).await)
}
