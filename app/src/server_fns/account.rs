//! The signed-in user's own account: profile, language, password and sessions.

use crate::api::{ApiError, Profile};
use leptos::prelude::*;

/// The cookie that keeps a browser's language between visits (also set when a profile's
/// language is saved, so the sign-in page after signing out speaks it too).
pub const LANG_COOKIE: &str = "orderline_lang";

/// The profile of the signed-in user.
#[server(endpoint = "account/profile")]
pub async fn get_profile() -> Result<Profile, ApiError> {
    use crate::ports::{ports, require_user, session, with_status};
    let user = require_user().await?;
    with_status(ports()?.account.profile(&user, &session().await?).await)
}

/// Saves the name and the language (`language`: `en`, `fr`, or empty for the browser's).
#[server(endpoint = "account/save")]
pub async fn save_profile(name: String, language: String) -> Result<(), ApiError> {
    use crate::ports::{ports, require_user, with_status};
    let user = require_user().await?;
    let language = match language.trim() {
        "" => None,
        code => Some(with_status(code.parse::<crate::api::Lang>().map_err(
            |message| ApiError::Validation(vec![crate::api::FieldError::new("language", message)]),
        ))?),
    };
    with_status(ports()?.account.save_profile(&user, &name, language).await)?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        let cookie = match language {
            Some(lang) => format!("{LANG_COOKIE}={lang}; Path=/; Max-Age=31536000; SameSite=Lax"),
            None => format!("{LANG_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax"),
        };
        if let Ok(value) = http::HeaderValue::from_str(&cookie) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }
    Ok(())
}

/// Changes the password (the current one is required); every other session ends.
#[server(endpoint = "account/password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    use crate::ports::{ports, require_user, session, with_status};
    let user = require_user().await?;
    with_status(
        ports()?
            .account
            .change_password(&user, &session().await?, &current_password, &new_password)
            .await,
    )
}

/// Ends every session of the signed-in user, this one too, and goes to the sign-in page.
#[server(endpoint = "account/sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), ApiError> {
    use crate::ports::{ports, require_user, session, with_status};
    let user = require_user().await?;
    with_status(
        ports()?
            .account
            .sign_out_everywhere(&user, &session().await?)
            .await,
    )?;
    leptos_axum::redirect("/login");
    Ok(())
}
