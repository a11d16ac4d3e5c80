//! A user's own account, as their profile page shows it.

use super::Lang;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The profile page: who they are, their language and their signed-in sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    /// `None`: the browser's language.
    pub language: Option<Lang>,
    /// Most recently used first; the one this page was opened with is `current`.
    pub sessions: Vec<ActiveSession>,
}

/// A signed-in session of the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveSession {
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// The browser, in words (`Firefox on Linux`), from its User-Agent.
    pub device: String,
    pub ip: Option<String>,
    pub current: bool,
}

/// `Firefox on Linux`, `Chrome on Android`, `Safari on iPhone` from a User-Agent; the first
/// words of it when it is none of those.
pub fn describe_agent(agent: Option<&str>) -> String {
    let Some(agent) = agent.filter(|a| !a.trim().is_empty()) else {
        return "?".to_owned();
    };
    let browser = if agent.contains("Edg/") {
        Some("Edge")
    } else if agent.contains("Firefox/") {
        Some("Firefox")
    } else if agent.contains("Chrome/") || agent.contains("Chromium/") {
        Some("Chrome")
    } else if agent.contains("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if agent.contains("Android") {
        Some("Android")
    } else if agent.contains("iPhone") || agent.contains("iPad") {
        Some("iOS")
    } else if agent.contains("Windows") {
        Some("Windows")
    } else if agent.contains("Mac OS X") || agent.contains("Macintosh") {
        Some("macOS")
    } else if agent.contains("Linux") || agent.contains("X11") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} · {system}"),
        (Some(name), None) | (None, Some(name)) => name.to_owned(),
        (None, None) => agent.chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_are_named_by_browser_and_system() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe_agent(Some(firefox)), "Firefox · Linux");
        let android =
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(describe_agent(Some(android)), "Chrome · Android");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_agent(Some(iphone)), "Safari · iOS");
        assert_eq!(describe_agent(Some("curl/8.5.0")), "curl/8.5.0");
        assert_eq!(describe_agent(None), "?");
    }
}
