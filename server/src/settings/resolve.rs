//! The precedence rule, pure: a value set in the environment wins over the database, which wins
//! over the compiled-in default.

use app::api::SettingSource;

/// An effective value and where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Resolved {
    pub value: String,
    pub source: SettingSource,
}

/// Resolves one key from its environment value, its stored value and its default. Empty
/// environment values count as unset (so `VAR=` does not pin a field to empty).
pub fn resolve(env: Option<&str>, stored: Option<&str>, default: &str) -> Resolved {
    let (value, source) = match (env.filter(|v| !v.trim().is_empty()), stored) {
        (Some(value), _) => (value, SettingSource::Environment),
        (None, Some(value)) => (value, SettingSource::Database),
        (None, None) => (default, SettingSource::Default),
    };
    Resolved {
        value: value.to_owned(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SettingSource::*;

    #[test]
    fn precedence_table() {
        // (env, stored, default) -> (value, source)
        let table = [
            (Some("env"), Some("db"), "def", "env", Environment),
            (Some("env"), None, "def", "env", Environment),
            (None, Some("db"), "def", "db", Database),
            (None, None, "def", "def", Default),
            (Some(""), Some("db"), "def", "db", Database),
            (Some("  "), None, "def", "def", Default),
            (None, Some(""), "def", "", Database),
            (None, None, "", "", Default),
        ];
        for (env, stored, default, value, source) in table {
            let resolved = resolve(env, stored, default);
            assert_eq!(
                (resolved.value.as_str(), resolved.source),
                (value, source),
                "{env:?} {stored:?} {default:?}"
            );
        }
    }
}
